/*
 * state.c: opening the state database, the run lock, and the write side
 * (state_load, state_record_cycle).  The read side for status and history
 * is in status.c, the schema in schema.c.
 *
 * Durability: journal_mode=WAL so that `status` never waits for a running
 * cycle, and synchronous=FULL rather than NORMAL.  NORMAL in WAL mode is
 * safe against a crash of the program but may lose the last committed
 * cycles on a power cut; the last cycle is exactly the one that may record
 * a failover, and forgetting it would make the next run believe DNS still
 * points at the primary and skip hold_down.  FULL costs one fsync of the
 * WAL per cycle, nothing at one cycle a minute.
 */
#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "state/state.h"
#include "state/state_int.h"

/*
 * Explain why a file beside the database could not be made: a missing
 * directory is named as such (we do not create it: its owner and mode are
 * the administrator's choice, see the package's install step).
 */
static void
state_create_err(const char *what, const char *file, int saved_errno,
    char *err, size_t errlen)
{
	char	*copy, *dir;

	copy = strdup(file);
	dir = copy != NULL ? dirname(copy) : NULL;
	if (saved_errno == ENOENT && dir != NULL && access(dir, F_OK) == -1)
		state_seterr(err, errlen, "cannot create %s %s: directory %s "
		    "does not exist (create it, e.g. install -d -m 0700 %s, or "
		    "set [agent] state_db)", what, file, dir, dir);
	else
		state_seterr(err, errlen, "cannot create %s %s: %s", what,
		    file, strerror(saved_errno));
	free(copy);
}

/*
 * The directory of the state must not be writable by others: whoever may
 * write it may replace the database (the record of a failover) or plant a
 * link where the -wal, -shm or lock file will be created.  A root-owned
 * sticky directory (/tmp) is accepted: there nobody may rename or remove
 * another user's file.
 */
static int
state_dir_check(const char *path, char *err, size_t errlen)
{
	struct stat	 st;
	char		*copy, *dir;
	int		 rc = -1;

	if ((copy = strdup(path)) == NULL) {
		state_seterr(err, errlen, "state database %s: out of memory",
		    path);
		return -1;
	}
	dir = dirname(copy);
	if (stat(dir, &st) == -1) {
		rc = 0;		/* reported with the file that cannot be made */
		goto done;
	}
	if ((st.st_mode & S_IWOTH) != 0 &&
	    !(st.st_uid == 0 && (st.st_mode & S_ISVTX) != 0)) {
		state_seterr(err, errlen, "state directory %s is writable by"
		    " others (mode %04o): anyone could replace the state; run:"
		    " chmod o-w %s", dir, (unsigned)(st.st_mode & 07777), dir);
		goto done;
	}
	rc = 0;
done:
	free(copy);
	return rc;
}

/*
 * Open a file of the state (the database, its lock) the safe way: never
 * through a symbolic link (O_NOFOLLOW: a link planted there would make us
 * write where it points), never inherited by a hook (O_CLOEXEC), and for
 * the database never a FIFO or a device (O_NONBLOCK, then S_ISREG).
 * Returns the descriptor, or -1 with errno (ELOOP for a link, EINVAL for
 * something not a regular file).
 */
static int
state_file_open(const char *path, int flags, mode_t mode)
{
	struct stat	 st;
	int		 fd;

	fd = open(path, flags | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW |
	    O_NONBLOCK, mode);
	if (fd == -1)
		return -1;
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		close(fd);
		errno = EINVAL;
		return -1;
	}
	return fd;
}

/* The message for state_file_open()'s errors. */
static void
state_file_err(const char *what, const char *file, int saved_errno,
    char *err, size_t errlen)
{
	if (saved_errno == ELOOP)
		state_seterr(err, errlen, "%s %s is a symbolic link: refused"
		    " (remove it; the agent creates the file itself)", what,
		    file);
	else if (saved_errno == EINVAL)
		state_seterr(err, errlen, "%s %s is not a regular file",
		    what, file);
	else
		state_create_err(what, file, saved_errno, err, errlen);
}

/*
 * SQLite 3.40 opens its -wal, -shm and -journal files with O_NOFOLLOW and
 * O_CLOEXEC itself (seen with strace), so a link there fails as "unable to
 * open database file"; this check names the culprit instead.
 */
static int
state_aux_check(const char *path, char *err, size_t errlen)
{
	static const char *const sfx[] = { "-wal", "-shm", "-journal" };
	struct stat	 st;
	char		 aux[4096];
	size_t		 i;

	for (i = 0; i < sizeof(sfx) / sizeof(sfx[0]); i++) {
		snprintf(aux, sizeof(aux), "%s%s", path, sfx[i]);
		if (lstat(aux, &st) == 0 && !S_ISREG(st.st_mode)) {
			state_file_err("state file", aux, S_ISLNK(st.st_mode) ?
			    ELOOP : EINVAL, err, errlen);
			return -1;
		}
	}
	return 0;
}

/*
 * Make sure the database file exists with mode 0600 before SQLite opens it:
 * SQLite would create it 0644 (less the umask), and its -wal and -shm files
 * take the database file's mode.  An existing file keeps its mode.  A
 * reader (read_only) only checks that it is a regular file, not a link.
 */
static int
state_file_create(const char *path, bool read_only, char *err, size_t errlen)
{
	int	 fd;

	fd = state_file_open(path, read_only ? O_RDONLY : O_RDWR | O_CREAT,
	    0600);
	if (fd == -1) {
		if (read_only && errno == ENOENT)
			state_seterr(err, errlen, "no state yet at %s: "
			    "run `failover-agent check` first", path);
		else if (read_only && errno != ELOOP && errno != EINVAL)
			state_seterr(err, errlen, "cannot read state "
			    "database %s: %s", path, strerror(errno));
		else
			state_file_err("state database", path, errno, err,
			    errlen);
		return -1;
	}
	close(fd);
	return state_aux_check(path, err, errlen);
}

int
state_open(const char *path, bool read_only, struct state_db **out,
    char *err, size_t errlen)
{
	struct state_db	*sdb = NULL;
	sqlite3_stmt	*st = NULL;
	const char	*mode;
	int		 flags, persist, rc = -1;

	*out = NULL;
	if (path == NULL || *path == '\0') {
		state_seterr(err, errlen, "no state database path "
		    "([agent] state_db)");
		return -1;
	}
	if ((sdb = calloc(1, sizeof(*sdb))) == NULL ||
	    (sdb->path = strdup(path)) == NULL) {
		state_seterr(err, errlen, "state database %s: out of memory",
		    path);
		goto done;
	}
	sdb->read_only = read_only;
	if (state_dir_check(path, err, errlen) == -1 ||
	    state_file_create(path, read_only, err, errlen) == -1)
		goto done;
	/* SQLite itself opens its files O_CLOEXEC and O_NOFOLLOW (3.40). */
	flags = (read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE) |
	    SQLITE_OPEN_NOFOLLOW;
	if (sqlite3_open_v2(path, &sdb->db, flags, NULL) != SQLITE_OK) {
		state_seterr(err, errlen, "cannot open state database %s: %s",
		    path, sdb->db != NULL ? sqlite3_errmsg(sdb->db) :
		    "out of memory");
		goto done;
	}
	sqlite3_extended_result_codes(sdb->db, 1);
	sqlite3_busy_timeout(sdb->db, STATE_BUSY_TIMEOUT_MS);
	if (!read_only) {
		/* journal_mode answers with the mode really in force. */
		if (sqlite3_prepare_v2(sdb->db, "PRAGMA journal_mode = WAL",
		    -1, &st, NULL) != SQLITE_OK ||
		    sqlite3_step(st) != SQLITE_ROW) {
			state_seterr(err, errlen, "state database %s: %s",
			    path, sqlite3_errmsg(sdb->db));
			goto done;
		}
		mode = (const char *)sqlite3_column_text(st, 0);
		if (mode == NULL || strcmp(mode, "wal") != 0) {
			state_seterr(err, errlen, "state database %s: cannot "
			    "use WAL mode (journal mode stays %s); keep it on "
			    "a local file system", path,
			    mode != NULL ? mode : "unknown");
			goto done;
		}
		sqlite3_finalize(st);
		st = NULL;
		if (state_exec(sdb->db, path, "PRAGMA synchronous = FULL",
		    "PRAGMA synchronous", err, errlen) == -1)
			goto done;
		/*
		 * Keep the -wal and -shm files when we close (the WAL
		 * truncated to nothing): a read-only reader that may not
		 * write the directory, such as `status --nagios` run by the
		 * monitoring user, can only open a WAL database whose -shm
		 * file exists.
		 */
		persist = 1;
		(void)sqlite3_file_control(sdb->db, "main",
		    SQLITE_FCNTL_PERSIST_WAL, &persist);
		if (state_exec(sdb->db, path, "PRAGMA journal_size_limit = "
		    "4194304", "PRAGMA journal_size_limit", err, errlen) == -1)
			goto done;
	}
	if (state_exec(sdb->db, path, "PRAGMA foreign_keys = ON",
	    "PRAGMA foreign_keys", err, errlen) == -1)
		goto done;
	if (state_schema_open(sdb->db, path, read_only, err, errlen) == -1) {
		if (read_only && ((sqlite3_extended_errcode(sdb->db) & 0xff) ==
		    SQLITE_READONLY || (sqlite3_extended_errcode(sdb->db) &
		    0xff) == SQLITE_CANTOPEN))
			state_seterr(err, errlen, "cannot read state database "
			    "%s: %s (a reader that may not write its directory "
			    "needs read access to %s-wal and %s-shm)", path,
			    sqlite3_errmsg(sdb->db), path, path);
		goto done;
	}
	*out = sdb;
	sdb = NULL;
	rc = 0;
done:
	sqlite3_finalize(st);
	state_close(sdb);
	return rc;
}

void
state_close(struct state_db *sdb)
{
	if (sdb == NULL)
		return;
	/* Every statement is finalized where it is used, so this closes. */
	sqlite3_close_v2(sdb->db);
	free(sdb->path);
	free(sdb);
}

/*
 * The lock is flock(2) on a file of its own, never on the database: SQLite
 * uses POSIX locks on that file, and closing any descriptor of it would drop
 * them.  The lock file holds the owner's PID for the message of the run
 * that finds it taken.  It is never unlinked: unlinking a flock file lets a
 * third run lock a fresh file while the second still holds the old one.
 */
int
state_lock_acquire(const char *path, int *fd_out, char *err, size_t errlen)
{
	char	 lockpath[4096], buf[32];
	ssize_t	 n;
	long	 pid;
	int	 fd, len;

	*fd_out = -1;
	if (snprintf(lockpath, sizeof(lockpath), "%s.lock", path) >=
	    (int)sizeof(lockpath)) {
		state_seterr(err, errlen, "state database path too long: %s",
		    path);
		return -1;
	}
	if (state_dir_check(path, err, errlen) == -1)
		return -1;
	if ((fd = state_file_open(lockpath, O_RDWR | O_CREAT, 0600)) == -1) {
		state_file_err("lock file", lockpath, errno, err, errlen);
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		if (errno != EWOULDBLOCK) {
			state_seterr(err, errlen, "cannot lock %s: %s",
			    lockpath, strerror(errno));
			close(fd);
			return -1;
		}
		/* The holder may be between truncating and writing. */
		n = pread(fd, buf, sizeof(buf) - 1, 0);
		close(fd);
		buf[n > 0 ? n : 0] = '\0';
		pid = strtol(buf, NULL, 10);
		if (pid > 0)
			state_seterr(err, errlen, "another failover-agent run "
			    "(pid %ld) holds %s", pid, lockpath);
		else
			state_seterr(err, errlen, "another failover-agent run "
			    "holds %s", lockpath);
		return 1;
	}
	len = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) == -1 || pwrite(fd, buf, len, 0) != len) {
		state_seterr(err, errlen, "cannot write %s: %s", lockpath,
		    strerror(errno));
		close(fd);
		return -1;
	}
	*fd_out = fd;
	return 0;
}

void
state_lock_release(int fd)
{
	if (fd < 0)
		return;
	/* Clear the PID first, so no one reads a stale one. */
	(void)ftruncate(fd, 0);
	(void)flock(fd, LOCK_UN);
	close(fd);
}

const char *
action_result_str(enum action_result r)
{
	switch (r) {
	case ACTION_RESULT_OK:
		return "ok";
	case ACTION_RESULT_FAILED:
		return "failed";
	case ACTION_RESULT_SKIPPED:
		return "skipped";
	}
	return "invalid";
}

int
state_last_action_at(struct state_db *sdb, const char *kind, int64_t *at,
    char *err, size_t errlen)
{
	sqlite3_stmt	*st = NULL;
	int		 src, rc = -1;

	*at = 0;
	/* Walks the actions_kind index backwards: one row read. */
	if (sqlite3_prepare_v2(sdb->db, "SELECT at FROM actions WHERE kind = "
	    "?1 ORDER BY id DESC LIMIT 1", -1, &st, NULL) != SQLITE_OK)
		goto sqlerr;
	sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
	src = sqlite3_step(st);
	if (src == SQLITE_DONE) {
		rc = 1;
		goto done;
	}
	if (src != SQLITE_ROW)
		goto sqlerr;
	*at = sqlite3_column_int64(st, 0);
	rc = 0;
	goto done;
sqlerr:
	state_seterr(err, errlen, "state database %s: read: %s", sdb->path,
	    sqlite3_errmsg(sdb->db));
done:
	sqlite3_finalize(st);
	return rc;
}

int
state_load(struct state_db *sdb, struct decide_state *out, char *err,
    size_t errlen)
{
	sqlite3_stmt	*st = NULL;
	const char	*s;
	int		 src, v, rc = -1;

	memset(out, 0, sizeof(*out));
	out->state = SITE_UNKNOWN;
	out->status = PRIMARY_OK;
	if (sqlite3_prepare_v2(sdb->db, "SELECT state, state_since, "
	    "primary_status, fail_streak, ok_streak, recovering, "
	    "last_action_at, last_action_boot_id, last_action_boottime_ms "
	    "FROM agent_state WHERE id = 1", -1, &st,
	    NULL) != SQLITE_OK)
		goto sqlerr;
	src = sqlite3_step(st);
	if (src == SQLITE_DONE) {
		rc = 0;		/* never ran: the initial state */
		goto done;
	}
	if (src != SQLITE_ROW)
		goto sqlerr;
	s = (const char *)sqlite3_column_text(st, 0);
	if ((v = site_state_from_str(s)) == -1) {
		state_seterr(err, errlen, "state database %s holds an unknown "
		    "site state '%s'", sdb->path, s != NULL ? s : "");
		goto done;
	}
	out->state = (enum site_state)v;
	out->state_since = sqlite3_column_int64(st, 1);
	s = (const char *)sqlite3_column_text(st, 2);
	if ((v = primary_status_from_str(s)) == -1) {
		state_seterr(err, errlen, "state database %s holds an unknown "
		    "primary status '%s'", sdb->path, s != NULL ? s : "");
		goto done;
	}
	out->status = (enum primary_status)v;
	out->fail_streak = sqlite3_column_int(st, 3);
	out->ok_streak = sqlite3_column_int(st, 4);
	out->recovering = sqlite3_column_int(st, 5) != 0;
	out->last_action_at = sqlite3_column_int64(st, 6);
	if ((s = (const char *)sqlite3_column_text(st, 7)) != NULL)
		snprintf(out->last_action_boot_id,
		    sizeof(out->last_action_boot_id), "%s", s);
	out->last_action_boottime_ms = sqlite3_column_int64(st, 8);
	rc = 0;
	goto done;
sqlerr:
	state_seterr(err, errlen, "state database %s: load state: %s",
	    sdb->path, sqlite3_errmsg(sdb->db));
done:
	sqlite3_finalize(st);
	if (rc == -1) {
		memset(out, 0, sizeof(*out));
		out->state = SITE_UNKNOWN;
	}
	return rc;
}

/* Refuse what would be stored as "invalid" before touching the database. */
static int
cycle_validate(const struct cycle_record *c, const struct decide_state *ns,
    char *err, size_t errlen)
{
	size_t	 i;

#define BAD(cond, ...) do {						\
	if (cond) {							\
		state_seterr(err, errlen, "record cycle: " __VA_ARGS__);\
		return -1;						\
	}								\
} while (0)
	BAD(c == NULL || ns == NULL, "no cycle or state");
	BAD((unsigned)c->outcome >= OUTCOME_MAX, "bad outcome %d", c->outcome);
	BAD((unsigned)c->status >= PRIMARY_STATUS_MAX, "bad primary status %d",
	    c->status);
	BAD((unsigned)c->state_before >= SITE_STATE_MAX ||
	    (unsigned)c->state_after >= SITE_STATE_MAX, "bad site state");
	BAD((unsigned)ns->state >= SITE_STATE_MAX, "bad new site state %d",
	    ns->state);
	BAD((unsigned)ns->status >= PRIMARY_STATUS_MAX,
	    "bad new primary status %d", ns->status);
	BAD(c->nchecks > 0 && c->checks == NULL, "checks missing");
	BAD(c->ntransitions > 0 && c->transitions == NULL,
	    "transitions missing");
	BAD(c->nactions > 0 && c->actions == NULL, "actions missing");
	BAD(c->nrecords > 0 && c->records == NULL, "records missing");
	BAD(c->nvotes > 0 && c->votes == NULL, "votes missing");
	BAD((unsigned)c->quorum >= QUORUM_MAX, "bad quorum result %d",
	    c->quorum);
	for (i = 0; i < c->nchecks; i++) {
		BAD(c->checks[i].name == NULL || c->checks[i].type == NULL,
		    "check result %zu has no check", i);
		BAD((unsigned)c->checks[i].outcome >= CHECK_OUTCOME_MAX,
		    "check result %zu: bad outcome %d", i,
		    c->checks[i].outcome);
	}
	for (i = 0; i < c->ntransitions; i++)
		BAD((unsigned)c->transitions[i].from >= SITE_STATE_MAX ||
		    (unsigned)c->transitions[i].to >= SITE_STATE_MAX,
		    "transition %zu: bad site state", i);
	for (i = 0; i < c->nactions; i++)
		BAD((unsigned)c->actions[i].result > ACTION_RESULT_SKIPPED,
		    "action %zu: bad result %d", i, c->actions[i].result);
	for (i = 0; i < c->nvotes; i++) {
		BAD((unsigned)c->votes[i].reason >= VOTE_REASON_MAX,
		    "vote %zu: bad reason %d", i, c->votes[i].reason);
		BAD(c->votes[i].reason == VOTE_VALID &&
		    ((unsigned)c->votes[i].verdict >= VOTE_VERDICT_MAX ||
		    c->votes[i].voter == NULL), "vote %zu: a valid vote"
		    " without voter or verdict", i);
	}
#undef BAD
	return 0;
}

static int
prepare(struct state_db *sdb, const char *sql, sqlite3_stmt **st,
    const char *what, char *err, size_t errlen)
{
	sqlite3_finalize(*st);
	*st = NULL;
	if (sqlite3_prepare_v2(sdb->db, sql, -1, st, NULL) != SQLITE_OK) {
		state_seterr(err, errlen, "state database %s: %s: %s",
		    sdb->path, what, sqlite3_errmsg(sdb->db));
		return -1;
	}
	return 0;
}

/* Step an INSERT/UPDATE once and make it ready for the next row. */
static int
step_done(struct state_db *sdb, sqlite3_stmt *st, const char *what,
    char *err, size_t errlen)
{
	int	 src;

	src = sqlite3_step(st);
	if (src != SQLITE_DONE) {
		state_seterr(err, errlen, "state database %s: %s: %s",
		    sdb->path, what, sqlite3_errmsg(sdb->db));
		sqlite3_reset(st);
		return -1;
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return 0;
}

/* A NULL pointer binds SQL NULL; the caller's string outlives the step. */
static void
bind_text(sqlite3_stmt *st, int i, const char *s)
{
	sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
}

/*
 * The rows of one cycle, a table at a time: each table's INSERT and a
 * function that binds its row i, so that insert_rows() is the one loop.
 */
typedef void (*row_bind_fn)(sqlite3_stmt *, const struct cycle_record *,
    size_t i, sqlite3_int64 cycle_id);

static int
insert_rows(struct state_db *sdb, const char *sql, const char *what,
    size_t n, row_bind_fn bind, const struct cycle_record *c,
    sqlite3_int64 cycle_id, char *err, size_t errlen)
{
	sqlite3_stmt	*st = NULL;
	size_t		 i;
	int		 rc = -1;

	if (n == 0)
		return 0;
	if (prepare(sdb, sql, &st, what, err, errlen) == -1)
		goto done;
	for (i = 0; i < n; i++) {
		bind(st, c, i, cycle_id);
		if (step_done(sdb, st, what, err, errlen) == -1)
			goto done;
	}
	rc = 0;
done:
	sqlite3_finalize(st);
	return rc;
}

#define CHECK_INSERT							\
	"INSERT INTO check_results (cycle_id, name, type, outcome, detail, "\
	"elapsed_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"

static void
bind_check(sqlite3_stmt *st, const struct cycle_record *c, size_t i,
    sqlite3_int64 cycle_id)
{
	const struct check_record	*cr = &c->checks[i];

	sqlite3_bind_int64(st, 1, cycle_id);
	bind_text(st, 2, cr->name);
	bind_text(st, 3, cr->type);
	bind_text(st, 4, check_outcome_str(cr->outcome));
	bind_text(st, 5, cr->detail);
	sqlite3_bind_int64(st, 6, cr->elapsed_ms);
}

#define VOTE_INSERT							\
	"INSERT INTO votes (cycle_id, spare, url, voter, verdict, "	\
	"checked_at, valid, reason, detail, elapsed_ms) VALUES (?1, ?2, ?3, "\
	"?4, ?5, ?6, ?7, ?8, ?9, ?10)"

static void
bind_vote(sqlite3_stmt *st, const struct cycle_record *c, size_t i,
    sqlite3_int64 cycle_id)
{
	const struct vote_record	*vr = &c->votes[i];

	sqlite3_bind_int64(st, 1, cycle_id);
	bind_text(st, 2, vr->spare);
	bind_text(st, 3, vr->url);
	/* Unbound parameters are NULL: an abstention. */
	if (vr->reason == VOTE_VALID) {
		bind_text(st, 4, vr->voter);
		bind_text(st, 5, vote_verdict_str(vr->verdict));
		sqlite3_bind_int64(st, 6, vr->checked_at);
	}
	sqlite3_bind_int(st, 7, vr->reason == VOTE_VALID);
	bind_text(st, 8, vote_reason_str(vr->reason));
	bind_text(st, 9, vr->detail);
	sqlite3_bind_int64(st, 10, vr->elapsed_ms);
}

#define ACTION_INSERT							\
	"INSERT INTO actions (cycle_id, at, kind, target, result, detail) "\
	"VALUES (?1, ?2, ?3, ?4, ?5, ?6)"

static void
bind_action(sqlite3_stmt *st, const struct cycle_record *c, size_t i,
    sqlite3_int64 cycle_id)
{
	const struct action_record	*ar = &c->actions[i];

	sqlite3_bind_int64(st, 1, cycle_id);
	sqlite3_bind_int64(st, 2, ar->at);
	bind_text(st, 3, ar->kind);
	bind_text(st, 4, ar->target);
	bind_text(st, 5, action_result_str(ar->result));
	bind_text(st, 6, ar->detail);
}

/* What each record holds now, one row per record (upserted). */
#define RECORD_UPSERT							\
	"INSERT INTO records_seen (zone, owner, addrs, holds, seen_at) "	\
	"VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (zone, owner) DO "	\
	"UPDATE SET addrs = excluded.addrs, holds = excluded.holds, "	\
	"seen_at = excluded.seen_at"

static void
bind_record(sqlite3_stmt *st, const struct cycle_record *c, size_t i,
    sqlite3_int64 cycle_id)
{
	const struct record_seen	*rs = &c->records[i];

	(void)cycle_id;
	bind_text(st, 1, rs->zone);
	bind_text(st, 2, rs->owner);
	bind_text(st, 3, rs->addrs);
	bind_text(st, 4, rs->holds);
	sqlite3_bind_int64(st, 5, c->started_at);
}

/*
 * The transitions, each with its [hooks] notify POST queued beside it:
 * both or neither.
 */
static int
record_transitions(struct state_db *sdb, const struct cycle_record *c,
    sqlite3_int64 cycle_id, char *err, size_t errlen)
{
	sqlite3_stmt			*st = NULL, *nst = NULL;
	const struct transition_record	*tr;
	size_t				 i;
	int				 rc = -1;

	if (c->ntransitions == 0)
		return 0;
	if (prepare(sdb, "INSERT INTO transitions (cycle_id, at, "
	    "from_state, to_state, reason) VALUES (?1, ?2, ?3, ?4, ?5)",
	    &st, "record transitions", err, errlen) == -1 ||
	    prepare(sdb, "INSERT INTO notify_pending (transition_id, "
	    "created_at, body) VALUES (?1, ?2, ?3)", &nst,
	    "queue notifications", err, errlen) == -1)
		goto done;
	for (i = 0; i < c->ntransitions; i++) {
		tr = &c->transitions[i];
		sqlite3_bind_int64(st, 1, cycle_id);
		sqlite3_bind_int64(st, 2, tr->at);
		bind_text(st, 3, site_state_str(tr->from));
		bind_text(st, 4, site_state_str(tr->to));
		bind_text(st, 5, tr->reason);
		if (step_done(sdb, st, "record transitions", err,
		    errlen) == -1)
			goto done;
		if (c->notify_bodies == NULL || c->notify_bodies[i] == NULL)
			continue;
		sqlite3_bind_int64(nst, 1, sqlite3_last_insert_rowid(sdb->db));
		sqlite3_bind_int64(nst, 2, tr->at);
		bind_text(nst, 3, c->notify_bodies[i]);
		if (step_done(sdb, nst, "queue notifications", err,
		    errlen) == -1)
			goto done;
	}
	rc = 0;
done:
	sqlite3_finalize(st);
	sqlite3_finalize(nst);
	return rc;
}

/* The cycle's own row; *cycle_id its id. */
static int
record_cycle_row(struct state_db *sdb, const struct cycle_record *c,
    sqlite3_int64 *cycle_id, char *err, size_t errlen)
{
	sqlite3_stmt	*st = NULL;
	int		 rc = -1;

	if (prepare(sdb, "INSERT INTO cycles (kind, started_at, duration_ms, "
	    "outcome, primary_status, state_before, state_after, message, "
	    "exit_code, quorum) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, "
	    "?10)", &st, "record cycle", err, errlen) == -1)
		goto done;
	bind_text(st, 1, c->kind);
	sqlite3_bind_int64(st, 2, c->started_at);
	sqlite3_bind_int64(st, 3, c->duration_ms);
	bind_text(st, 4, cycle_outcome_str(c->outcome));
	bind_text(st, 5, primary_status_str(c->status));
	bind_text(st, 6, site_state_str(c->state_before));
	bind_text(st, 7, site_state_str(c->state_after));
	bind_text(st, 8, c->message);
	sqlite3_bind_int(st, 9, c->exit_code);
	bind_text(st, 10, quorum_result_str(c->quorum));
	if (step_done(sdb, st, "record cycle", err, errlen) == -1)
		goto done;
	*cycle_id = sqlite3_last_insert_rowid(sdb->db);
	rc = 0;
done:
	sqlite3_finalize(st);
	return rc;
}

/* The new state (the one row of agent_state), as of the cycle's end. */
static int
record_state(struct state_db *sdb, const struct cycle_record *c,
    const struct decide_state *ns, char *err, size_t errlen)
{
	sqlite3_stmt	*st = NULL;
	int		 rc = -1;

	if (prepare(sdb, "INSERT INTO agent_state (id, state, state_since, "
	    "primary_status, fail_streak, ok_streak, recovering, "
	    "last_action_at, updated_at, last_action_boot_id, "
	    "last_action_boottime_ms) VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, "
	    "?7, ?8, ?9, ?10) ON CONFLICT (id) DO UPDATE SET state = excluded.state, "
	    "last_action_boot_id = excluded.last_action_boot_id, "
	    "last_action_boottime_ms = excluded.last_action_boottime_ms, "
	    "state_since = excluded.state_since, "
	    "primary_status = excluded.primary_status, "
	    "fail_streak = excluded.fail_streak, "
	    "ok_streak = excluded.ok_streak, "
	    "recovering = excluded.recovering, "
	    "last_action_at = excluded.last_action_at, "
	    "updated_at = excluded.updated_at", &st, "record state", err,
	    errlen) == -1)
		goto done;
	bind_text(st, 1, site_state_str(ns->state));
	sqlite3_bind_int64(st, 2, ns->state_since);
	bind_text(st, 3, primary_status_str(ns->status));
	sqlite3_bind_int(st, 4, ns->fail_streak);
	sqlite3_bind_int(st, 5, ns->ok_streak);
	sqlite3_bind_int(st, 6, ns->recovering ? 1 : 0);
	sqlite3_bind_int64(st, 7, ns->last_action_at);
	sqlite3_bind_int64(st, 8, c->started_at + c->duration_ms / 1000);
	if (ns->last_action_boot_id[0] != '\0')
		bind_text(st, 9, ns->last_action_boot_id);
	else
		sqlite3_bind_null(st, 9);
	sqlite3_bind_int64(st, 10, ns->last_action_boottime_ms);
	if (step_done(sdb, st, "record state", err, errlen) == -1)
		goto done;
	rc = 0;
done:
	sqlite3_finalize(st);
	return rc;
}

/*
 * One transaction for the whole cycle: BEGIN IMMEDIATE takes the write lock
 * up front (a concurrent writer makes us wait busy_timeout, not fail half
 * way), and any error rolls everything back.  A process killed before
 * COMMIT leaves nothing of the cycle: SQLite discards the uncommitted WAL
 * frames on the next open.
 */
int
state_record_cycle(struct state_db *sdb, const struct cycle_record *c,
    const struct decide_state *ns, char *err, size_t errlen)
{
	sqlite3_int64	 cycle_id = 0;
	int		 in_txn = 0, rc = -1;

	if (sdb->read_only) {
		state_seterr(err, errlen, "state database %s is open "
		    "read-only", sdb->path);
		return -1;
	}
	if (cycle_validate(c, ns, err, errlen) == -1)
		return -1;
	if (state_exec(sdb->db, sdb->path, "BEGIN IMMEDIATE", "record cycle",
	    err, errlen) == -1)
		goto done;
	in_txn = 1;
	if (record_cycle_row(sdb, c, &cycle_id, err, errlen) == -1 ||
	    insert_rows(sdb, CHECK_INSERT, "record checks", c->nchecks,
	    bind_check, c, cycle_id, err, errlen) == -1 ||
	    record_transitions(sdb, c, cycle_id, err, errlen) == -1 ||
	    insert_rows(sdb, VOTE_INSERT, "record votes", c->nvotes,
	    bind_vote, c, cycle_id, err, errlen) == -1 ||
	    insert_rows(sdb, ACTION_INSERT, "record actions", c->nactions,
	    bind_action, c, cycle_id, err, errlen) == -1 ||
	    insert_rows(sdb, RECORD_UPSERT, "record DNS records", c->nrecords,
	    bind_record, c, cycle_id, err, errlen) == -1 ||
	    state_record_extras(sdb, c, cycle_id, err, errlen) == -1 ||
	    record_state(sdb, c, ns, err, errlen) == -1)
		goto done;
	if (state_exec(sdb->db, sdb->path, "COMMIT", "record cycle", err,
	    errlen) == -1)
		goto done;
	in_txn = 0;
	rc = 0;
done:
	/* Some errors (disk full, I/O) already rolled back on their own. */
	if (in_txn && !sqlite3_get_autocommit(sdb->db))
		(void)sqlite3_exec(sdb->db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

/*
 * Oldest first through the cycles_started index; the cascades go through
 * the cycle_id indexes of check_results, votes, actions and transitions
 * (which ON DELETE SET NULL keeps).
 */
int
state_prune(struct state_db *sdb, int64_t before, int limit, int *deleted,
    char *err, size_t errlen)
{
	sqlite3_stmt	*st = NULL;
	int		 in_txn = 0, rc = -1;

	*deleted = 0;
	if (sdb->read_only) {
		state_seterr(err, errlen, "state database %s is open "
		    "read-only", sdb->path);
		return -1;
	}
	if (state_exec(sdb->db, sdb->path, "BEGIN IMMEDIATE", "prune", err,
	    errlen) == -1)
		goto done;
	in_txn = 1;
	if (prepare(sdb, "DELETE FROM cycles WHERE id IN (SELECT id FROM "
	    "cycles WHERE started_at < ?1 ORDER BY started_at LIMIT ?2)", &st,
	    "prune", err, errlen) == -1)
		goto done;
	sqlite3_bind_int64(st, 1, before);
	sqlite3_bind_int(st, 2, limit < 0 ? -1 : limit);
	if (step_done(sdb, st, "prune", err, errlen) == -1)
		goto done;
	*deleted = sqlite3_changes(sdb->db);
	if (state_exec(sdb->db, sdb->path, "COMMIT", "prune", err,
	    errlen) == -1)
		goto done;
	in_txn = 0;
	rc = 0;
done:
	sqlite3_finalize(st);
	if (in_txn && !sqlite3_get_autocommit(sdb->db))
		(void)sqlite3_exec(sdb->db, "ROLLBACK", NULL, NULL, NULL);
	if (rc == -1)
		*deleted = 0;
	return rc;
}

/*
 * AUTOINCREMENT gives max(sqlite_sequence's seq, max(rowid)) + 1; the
 * sequence row exists once a cycle was ever stored.
 */
int
state_next_cycle_id(struct state_db *sdb, int64_t *id, char *err,
    size_t errlen)
{
	long long	 n;

	if (state_query_int(sdb->db, sdb->path, "SELECT max(coalesce((SELECT "
	    "seq FROM sqlite_sequence WHERE name = 'cycles'), 0), coalesce("
	    "(SELECT max(id) FROM cycles), 0)) + 1", &n, err, errlen) == -1)
		return -1;
	*id = n;
	return 0;
}

int
state_notify_pending(struct state_db *sdb, int max, struct notify_item **out,
    size_t *n, char *err, size_t errlen)
{
	static const struct state_col cols[] = {
		STATE_COL(INT, struct notify_item, id),
		STATE_COL(INT, struct notify_item, created_at),
		STATE_COL(INT32, struct notify_item, attempts),
		STATE_COL(TEXT, struct notify_item, body),	/* NOT NULL */
	};
	struct state_reader	r = { .sdb = sdb, .what = "notifications",
				    .err = err, .errlen = errlen };

	*out = NULL;
	*n = 0;
	if (max <= 0)
		return 0;
	*out = state_rows_load(&r, "SELECT id, created_at, attempts, body "
	    "FROM notify_pending ORDER BY id LIMIT ?1", max, cols,
	    STATE_NCOLS(cols), sizeof(**out), n);
	return state_reader_end(&r);
}

void
state_notify_free(struct notify_item *items, size_t n)
{
	size_t	i;

	if (items == NULL)
		return;
	for (i = 0; i < n; i++)
		free(items[i].body);
	free(items);
}

/* One statement with an id at ?1 (and more bound by the caller). */
static int
notify_update(struct state_db *sdb, const char *sql, int64_t id, int64_t at,
    const char *why, char *err, size_t errlen)
{
	sqlite3_stmt	*st = NULL;
	int		 rc;

	if (sdb->read_only) {
		state_seterr(err, errlen, "state database %s is open "
		    "read-only", sdb->path);
		return -1;
	}
	if (prepare(sdb, sql, &st, "notifications", err, errlen) == -1)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_bind_parameter_count(st) >= 3) {
		sqlite3_bind_int64(st, 2, at);
		bind_text(st, 3, why);
	}
	rc = step_done(sdb, st, "notifications", err, errlen);
	sqlite3_finalize(st);
	return rc;
}

int
state_notify_done(struct state_db *sdb, int64_t id, char *err, size_t errlen)
{
	return notify_update(sdb, "DELETE FROM notify_pending WHERE id = ?1",
	    id, 0, NULL, err, errlen);
}

int
state_notify_failed(struct state_db *sdb, int64_t id, int64_t at,
    const char *why, char *err, size_t errlen)
{
	return notify_update(sdb, "UPDATE notify_pending SET attempts = "
	    "attempts + 1, last_attempt_at = ?2, last_error = ?3 WHERE id = ?1",
	    id, at, why, err, errlen);
}

int
state_notify_trim(struct state_db *sdb, int keep, int *dropped, char *err,
    size_t errlen)
{
	sqlite3_stmt	*st = NULL;
	int		 rc = -1;

	*dropped = 0;
	if (sdb->read_only) {
		state_seterr(err, errlen, "state database %s is open "
		    "read-only", sdb->path);
		return -1;
	}
	if (prepare(sdb, keep > 0 ? "DELETE FROM notify_pending WHERE id < "
	    "(SELECT id FROM notify_pending ORDER BY id DESC LIMIT 1 OFFSET "
	    "?1)" : "DELETE FROM notify_pending", &st, "notifications", err,
	    errlen) == -1)
		goto done;
	if (keep > 0)
		sqlite3_bind_int(st, 1, keep - 1);
	if (step_done(sdb, st, "notifications", err, errlen) == -1)
		goto done;
	*dropped = sqlite3_changes(sdb->db);
	rc = 0;
done:
	sqlite3_finalize(st);
	return rc;
}

/* ---------------------------------------------------------------------- */
/* A spare's latest probe (the spare_probe table, one row). */

int
state_spare_probe_write(struct state_db *sdb,
    const struct vote_probe_report *rep, char *err, size_t errlen)
{
	sqlite3_stmt	*st = NULL;
	int		 rc = -1;

	if (sdb->read_only) {
		state_seterr(err, errlen, "state database %s is open "
		    "read-only", sdb->path);
		return -1;
	}
	/* One statement, one implicit transaction: never half a row. */
	if (prepare(sdb, "INSERT OR REPLACE INTO spare_probe (id, verdict, "
	    "checked_at, finished_at, duration_ms, max_age, probes, detail) "
	    "VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7)", &st, "spare probe", err,
	    errlen) == -1)
		goto done;
	bind_text(st, 1, vote_verdict_str(rep->verdict));
	sqlite3_bind_int64(st, 2, rep->checked_at);
	sqlite3_bind_int64(st, 3, rep->finished_at);
	sqlite3_bind_int64(st, 4, rep->duration_ms);
	sqlite3_bind_int64(st, 5, rep->max_age);
	sqlite3_bind_int64(st, 6, (sqlite3_int64)rep->probes);
	bind_text(st, 7, rep->detail[0] != '\0' ? rep->detail : NULL);
	rc = step_done(sdb, st, "spare probe", err, errlen);
done:
	sqlite3_finalize(st);
	return rc;
}

json_t *
state_spare_probe_json(struct state_db *sdb, char *err, size_t errlen)
{
	sqlite3_stmt	*st = NULL;
	json_t		*obj = NULL;
	const char	*detail;
	int		 src;

	if (prepare(sdb, "SELECT verdict, checked_at, finished_at, "
	    "duration_ms, max_age, probes, detail FROM spare_probe WHERE "
	    "id = 1", &st, "spare probe", err, errlen) == -1)
		goto done;
	src = sqlite3_step(st);
	if (src == SQLITE_DONE) {
		obj = json_null();
		goto done;
	}
	if (src != SQLITE_ROW) {
		state_seterr(err, errlen, "state database %s: spare probe: %s",
		    sdb->path, sqlite3_errmsg(sdb->db));
		goto done;
	}
	detail = (const char *)sqlite3_column_text(st, 6);
	obj = json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:s?}",
	    "verdict", (const char *)sqlite3_column_text(st, 0),
	    "checked_at", (json_int_t)sqlite3_column_int64(st, 1),
	    "finished_at", (json_int_t)sqlite3_column_int64(st, 2),
	    "duration_ms", (json_int_t)sqlite3_column_int64(st, 3),
	    "max_age", (json_int_t)sqlite3_column_int64(st, 4),
	    "probes", (json_int_t)sqlite3_column_int64(st, 5),
	    "detail", detail);
	if (obj == NULL)
		state_seterr(err, errlen, "out of memory");
done:
	sqlite3_finalize(st);
	return obj;
}
