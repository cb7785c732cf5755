/*
 * test_state.c: the SQLite state store (state/state.h).
 *
 * Migrations, the round trip of recorded cycles through status and history
 * JSON, all-or-nothing cycles (an error half way, a process killed before
 * COMMIT), the run lock between processes, and the file modes.
 */
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "agent/check/check_impl.h"
#include "t/unit/tap.h"
#include "agent/core/config.h"	/* check_type_str() */
#include "state/state.h"
#include "state/state_int.h"

static char	 dir[256];
static char	 errbuf[512];

/* The err argument: cleared before each call, so a message is this call's. */
#define EB	(errbuf[0] = '\0', errbuf)
/* A call that must return 0; its err is shown if it does not. */
#define is_zero(call, ...) do {						\
	errbuf[0] = '\0';						\
	if (!ok((call) == 0, __VA_ARGS__))				\
		printf("#   error: %s\n", errbuf);			\
} while (0)


static void
pathof(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", dir, name);
}

static int
rm_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb; (void)flag; (void)ftw;
	return remove(p);
}

/* An integer out of one query on a database of our own (not the store's handle). */
static long long
sql_int(const char *path, const char *sql)
{
	sqlite3		*db = NULL;
	sqlite3_stmt	*st = NULL;
	long long	 v = -999;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) ==
	    SQLITE_OK && sqlite3_prepare_v2(db, sql, -1, &st, NULL) ==
	    SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	else
		printf("# sql_int(%s): %s\n", sql, sqlite3_errmsg(db));
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

/* First text column of one query, into buf ("" if none). */
static const char *
sql_text(const char *path, const char *sql, char *buf, size_t len)
{
	sqlite3		*db = NULL;
	sqlite3_stmt	*st = NULL;

	buf[0] = '\0';
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) ==
	    SQLITE_OK && sqlite3_prepare_v2(db, sql, -1, &st, NULL) ==
	    SQLITE_OK && sqlite3_step(st) == SQLITE_ROW &&
	    sqlite3_column_text(st, 0) != NULL)
		snprintf(buf, len, "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	sqlite3_close(db);
	return buf;
}

static int
sql_exec(const char *path, const char *sql)
{
	sqlite3	*db = NULL;
	int	 rc;

	rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	sqlite3_close(db);
	return rc == SQLITE_OK ? 0 : -1;
}

static const char *
jstr(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static long long
jint(const json_t *o, const char *key)
{
	const json_t	*v = json_object_get(o, key);

	return json_is_integer(v) ? json_integer_value(v) : -999;
}

static bool
has_keys(const json_t *o, const char *const *keys)
{
	for (; *keys != NULL; keys++)
		if (json_object_get(o, *keys) == NULL) {
			printf("# missing key %s\n", *keys);
			return false;
		}
	return true;
}

static mode_t
file_mode(const char *path)
{
	struct stat	 sb;

	if (stat(path, &sb) == -1)
		return (mode_t)-1;
	return sb.st_mode & 07777;
}

static off_t
file_size(const char *path)
{
	struct stat	 sb;

	if (stat(path, &sb) == -1)
		return -1;
	return sb.st_size;
}

static bool
contains(const char *hay, const char *needle)
{
	if (strstr(hay, needle) != NULL)
		return true;
	printf("# '%s' does not contain '%s'\n", hay, needle);
	return false;
}

/* A cycle of kind "check" with the two checks, nothing else. */
static void
cycle_basic(struct cycle_record *c, struct check_record *cr, int64_t t,
    enum site_state before, enum site_state after, enum primary_status ps,
    enum cycle_outcome oc)
{
	memset(c, 0, sizeof(*c));
	memset(cr, 0, 2 * sizeof(*cr));
	cr[0].name = "web";
	cr[0].type = "http";
	cr[0].outcome = ps == PRIMARY_OK ? CHECK_OK : CHECK_BAD_STATUS;
	cr[0].detail = ps == PRIMARY_OK ? "HTTP 200" : "HTTP 503";
	cr[0].elapsed_ms = 12;
	cr[1].name = "db";
	cr[1].type = "tcp";
	cr[1].outcome = ps == PRIMARY_OK ? CHECK_OK : CHECK_TIMEOUT;
	cr[1].detail = ps == PRIMARY_OK ? "connected" : "no answer in 5s";
	cr[1].elapsed_ms = ps == PRIMARY_OK ? 3 : 5000;
	c->kind = "check";
	c->started_at = t;
	c->duration_ms = 5012;
	c->outcome = oc;
	c->status = ps;
	c->state_before = before;
	c->state_after = after;
	c->message = "primary looks fine";
	c->exit_code = 0;
	c->nchecks = 2;
	c->checks = cr;
}

static void
state_set(struct decide_state *s, enum site_state st, int64_t since,
    enum primary_status ps, int fail, int okk, bool rec, int64_t last)
{
	memset(s, 0, sizeof(*s));
	s->state = st;
	s->state_since = since;
	s->status = ps;
	s->fail_streak = fail;
	s->ok_streak = okk;
	s->recovering = rec;
	s->last_action_at = last;
}

static void
test_migrations(void)
{
	char		 path[300], buf[64];
	struct state_db	*sdb;
	sqlite3		*db;
	int		 applied, latest = state_schema_latest();
	static const char *const bad_steps[] = {
		"CREATE TABLE a (x INTEGER)",
		/* the second statement fails: the first must not stay */
		"CREATE TABLE b (y INTEGER); CREATE TABLE a (z INTEGER)",
	};
	static const char *const good_steps[] = {
		"CREATE TABLE a (x INTEGER)",
		"CREATE TABLE b (y INTEGER)",
	};

	ok(latest >= 1, "the schema has at least one migration step");
	pathof(path, sizeof(path), "mig.db");
	is_zero(state_open(path, false, &sdb, EB, sizeof(errbuf)),
	    "open creates an empty database");
	state_close(sdb);
	is_int(sql_int(path, "PRAGMA user_version"), latest,
	    "user_version ends at the latest version");
	is_int(sql_int(path, "PRAGMA application_id"), STATE_APPLICATION_ID,
	    "application_id marks the file as ours");
	is_str(sql_text(path, "PRAGMA journal_mode", buf, sizeof(buf)), "wal",
	    "journal_mode is WAL");
	is_int(sql_int(path, "SELECT count(*) FROM sqlite_master WHERE "
	    "type = 'table' AND name IN ('agent_state', 'cycles', "
	    "'check_results', 'transitions', 'actions', 'records_seen')"), 6,
	    "every table exists");

	/* Reopening runs no step again. */
	ok(sqlite3_open(path, &db) == SQLITE_OK, "raw open");
	applied = -1;
	is_zero(state_schema_open(db, path, false, EB, sizeof(errbuf)),
	    "schema check on an up-to-date database");
	is_int(sqlite3_total_changes(db), 0, "reopening changed no row");
	sqlite3_close(db);
	is_zero(state_open(path, false, &sdb, EB, sizeof(errbuf)),
	    "reopen");
	state_close(sdb);
	is_int(sql_int(path, "PRAGMA user_version"), latest,
	    "user_version unchanged by a reopen");

	/* The runner itself, with steps of our own. */
	pathof(path, sizeof(path), "steps.db");
	ok(sqlite3_open(path, &db) == SQLITE_OK, "raw open of a new file");
	is_int(state_schema_apply(db, path, bad_steps, 2, &applied, errbuf,
	    sizeof(errbuf)), -1, "a failing step is an error");
	ok(contains(errbuf, "migration to schema version 2"),
	    "the error names the step");
	is_int(applied, 1, "the step before it was applied");
	sqlite3_close(db);
	is_int(sql_int(path, "PRAGMA user_version"), 1,
	    "user_version stays at the last whole step");
	is_int(sql_int(path, "SELECT count(*) FROM sqlite_master WHERE "
	    "name = 'b'"), 0, "nothing of the failed step is left");
	ok(sqlite3_open(path, &db) == SQLITE_OK, "raw reopen");
	is_zero(state_schema_apply(db, path, good_steps, 2, &applied, errbuf,
	    sizeof(errbuf)), "the fixed step applies");
	is_int(applied, 1, "only the missing step ran");
	is_int(state_schema_apply(db, path, good_steps, 2, &applied, errbuf,
	    sizeof(errbuf)), 0, "again");
	is_int(applied, 0, "nothing runs on an up-to-date database");
	is_int(state_schema_apply(db, path, good_steps, 1, &applied, errbuf,
	    sizeof(errbuf)), -1, "a runner that knows fewer steps refuses");
	sqlite3_close(db);

	/* A database from a newer release is refused, read-write and read-only. */
	pathof(path, sizeof(path), "mig.db");
	snprintf(buf, sizeof(buf), "PRAGMA user_version = %d", latest + 1);
	is_int(sql_exec(path, buf), 0, "bump user_version past ours");
	is_int(state_open(path, false, &sdb, EB, sizeof(errbuf)), -1,
	    "a newer database is refused");
	ok(sdb == NULL, "no handle on error");
	ok(contains(errbuf, "newer than this failover-agent knows"),
	    "the message says why: %s", errbuf);
	ok(contains(errbuf, path), "and names the file");
	is_int(state_open(path, true, &sdb, EB, sizeof(errbuf)), -1,
	    "refused read-only too");
	is_int(sql_int(path, "PRAGMA user_version"), latest + 1,
	    "the newer database is left as it was");

	/* Another program's database is left alone. */
	pathof(path, sizeof(path), "other.db");
	is_int(sql_exec(path, "CREATE TABLE mail (id INTEGER)"), 0,
	    "someone else's database");
	is_int(state_open(path, false, &sdb, EB, sizeof(errbuf)), -1,
	    "is refused");
	ok(contains(errbuf, "not a failover-agent state database"),
	    "with a message: %s", errbuf);
	is_int(sql_int(path, "SELECT count(*) FROM sqlite_master"), 1,
	    "and not migrated");
}

static void
test_open_errors(void)
{
	char		 path[400], missing[300];
	struct state_db	*sdb = NULL;
	int		 fd = -5;

	pathof(missing, sizeof(missing), "no-such-dir");
	snprintf(path, sizeof(path), "%s/state.db", missing);
	is_int(state_open(path, false, &sdb, EB, sizeof(errbuf)), -1,
	    "a missing directory is an error");
	ok(contains(errbuf, "directory") && contains(errbuf, missing) &&
	    contains(errbuf, "does not exist"),
	    "naming the directory: %s", errbuf);
	ok(access(missing, F_OK) == -1, "the directory is not created");
	is_int(state_lock_acquire(path, &fd, EB, sizeof(errbuf)), -1,
	    "the lock too");
	is_int(fd, -1, "no lock fd");
	ok(contains(errbuf, missing), "naming the directory: %s", errbuf);

	pathof(path, sizeof(path), "never.db");
	is_int(state_open(path, true, &sdb, EB, sizeof(errbuf)), -1,
	    "read-only open of a missing file fails");
	{
		char want[512];

		snprintf(want, sizeof(want), "no state yet at %s: run "
		    "`failover-agent check` first", path);
		is_str(errbuf, want, "the message tells what to do");
	}
	ok(access(path, F_OK) == -1, "and creates nothing");

	pathof(path, sizeof(path), "garbage.db");
	fd = open(path, O_WRONLY | O_CREAT, 0600);
	ok(fd >= 0 && write(fd, "this is no database, just text....", 34) ==
	    34, "a file of garbage");
	close(fd);
	is_int(state_open(path, false, &sdb, EB, sizeof(errbuf)), -1,
	    "is refused");
	ok(contains(errbuf, path), "naming it: %s", errbuf);
}

static void
test_modes(void)
{
	char		 path[300], side[320];
	struct state_db	*sdb;
	struct decide_state ns;
	struct cycle_record c;
	struct check_record cr[2];
	mode_t		 old;
	int		 fd;

	/* A permissive umask must not make the history readable by others. */
	old = umask(0);
	pathof(path, sizeof(path), "mode.db");
	is_zero(state_open(path, false, &sdb, EB, sizeof(errbuf)),
	    "open under umask 0");
	is_int(file_mode(path), 0600, "database file mode 0600");
	cycle_basic(&c, cr, 1000, SITE_UNKNOWN, SITE_STANDBY, PRIMARY_OK,
	    OUTCOME_NOOP);
	state_set(&ns, SITE_STANDBY, 1000, PRIMARY_OK, 0, 1, false, 0);
	is_zero(state_record_cycle(sdb, &c, &ns, EB, sizeof(errbuf)),
	    "record");
	snprintf(side, sizeof(side), "%s-wal", path);
	is_int(file_mode(side), 0600, "the WAL file too");
	snprintf(side, sizeof(side), "%s-shm", path);
	is_int(file_mode(side), 0600, "the shared-memory file too");
	is_zero(state_lock_acquire(path, &fd, EB, sizeof(errbuf)),
	    "lock");
	snprintf(side, sizeof(side), "%s.lock", path);
	is_int(file_mode(side), 0600, "the lock file too");
	state_lock_release(fd);
	state_close(sdb);
	umask(old);
}

static void
test_load_and_record(void)
{
	char		 path[300];
	struct state_db	*sdb, *ro;
	struct decide_state st, ns;
	struct cycle_record c;
	struct check_record cr[2];
	struct transition_record tr[1];
	struct action_record ar[3];
	struct record_seen rs[3];
	json_t		*j, *lc, *a, *o, *h, *cy;
	static const char *const status_keys[] = { "state", "state_since",
	    "primary_status", "last_cycle", "records", "votes", "transitions",
	    "fail_streak", "ok_streak", "last_action_at", NULL };
	static const char *const cycle_keys[] = { "id", "kind", "started_at",
	    "duration_ms", "outcome", "primary_status", "state_before",
	    "state_after", "message", "exit_code", "quorum", "checks", NULL };
	static const char *const check_keys[] = { "name", "type", "outcome",
	    "detail", "elapsed_ms", NULL };
	static const char *const record_keys[] = { "zone", "owner", "addrs",
	    "holds", "seen_at", NULL };
	static const char *const transition_keys[] = { "at", "from", "to",
	    "reason", "cycle_id", NULL };
	static const char *const action_keys[] = { "at", "kind", "target",
	    "result", "detail", NULL };

	pathof(path, sizeof(path), "state.db");
	is_zero(state_open(path, false, &sdb, EB, sizeof(errbuf)),
	    "open");

	/* Never ran: the initial state. */
	memset(&st, 0x55, sizeof(st));
	is_int(state_load(sdb, &st, EB, sizeof(errbuf)), 0, "load empty");
	is_int(st.state, SITE_UNKNOWN, "initial state UNKNOWN");
	is_int(st.status, PRIMARY_OK, "initial status OK");
	is_int(st.fail_streak, 0, "initial fail_streak 0");
	is_int(st.ok_streak, 0, "initial ok_streak 0");
	ok(!st.recovering, "initial recovering false");
	is_int(st.last_action_at, 0, "initial last_action_at 0");
	is_int(st.state_since, 0, "initial state_since 0");

	j = state_status_json(sdb, 5, EB, sizeof(errbuf));
	if (!ok(j != NULL, "status of an empty database"))
		printf("#   error: %s\n", errbuf);
	ok(has_keys(j, status_keys), "has every status key");
	is_str(jstr(j, "state"), "UNKNOWN", "state UNKNOWN");
	ok(json_is_null(json_object_get(j, "last_cycle")), "no last cycle");
	is_int(json_array_size(json_object_get(j, "transitions")), 0,
	    "no transitions");
	json_decref(j);

	/* Cycle 1: first run, DNS read, UNKNOWN -> STANDBY. */
	cycle_basic(&c, cr, 1000, SITE_UNKNOWN, SITE_STANDBY, PRIMARY_OK,
	    OUTCOME_NOOP);
	tr[0] = (struct transition_record){ 1001, SITE_UNKNOWN, SITE_STANDBY,
	    "DNS holds the primary's addresses" };
	rs[0] = (struct record_seen){ "example.com.", "www.example.com.",
	    "192.0.2.10, 2001:db8::10", "primary" };
	rs[1] = (struct record_seen){ "example.com.", "example.com.",
	    "192.0.2.10", "primary" };
	c.ntransitions = 1;
	c.transitions = tr;
	c.nrecords = 2;
	c.records = rs;
	state_set(&ns, SITE_STANDBY, 1001, PRIMARY_OK, 0, 1, false, 0);
	is_zero(state_record_cycle(sdb, &c, &ns, EB, sizeof(errbuf)),
	    "record cycle 1");

	/* Cycles 2, 3: failures, no DNS read. */
	cycle_basic(&c, cr, 1060, SITE_STANDBY, SITE_STANDBY, PRIMARY_WARN,
	    OUTCOME_NOOP);
	c.exit_code = 1;
	c.message = NULL;
	state_set(&ns, SITE_STANDBY, 1001, PRIMARY_WARN, 1, 0, true, 0);
	is_zero(state_record_cycle(sdb, &c, &ns, EB, sizeof(errbuf)),
	    "record cycle 2");
	cycle_basic(&c, cr, 1120, SITE_STANDBY, SITE_STANDBY, PRIMARY_CRITICAL,
	    OUTCOME_NOOP);
	state_set(&ns, SITE_STANDBY, 1001, PRIMARY_CRITICAL, 2, 0, true, 0);
	is_zero(state_record_cycle(sdb, &c, &ns, EB, sizeof(errbuf)),
	    "record cycle 3");

	/* Cycle 4: failover with actions, a transition and records. */
	cycle_basic(&c, cr, 1180, SITE_STANDBY, SITE_ACTIVE, PRIMARY_FAIL,
	    OUTCOME_FAILOVER);
	c.kind = "check";
	c.message = "failed over: the spares agree";
	ar[0] = (struct action_record){ 1182, "hook before_failover",
	    "/etc/failover-agent/hooks/before-failover", ACTION_RESULT_OK,
	    "exit 0" };
	ar[1] = (struct action_record){ 1183, "dns to_backup", "example.com.",
	    ACTION_RESULT_OK, "2 records updated" };
	ar[2] = (struct action_record){ 1185, "hook after_failover", NULL,
	    ACTION_RESULT_SKIPPED, NULL };
	c.nactions = 3;
	c.actions = ar;
	tr[0] = (struct transition_record){ 1185, SITE_STANDBY, SITE_ACTIVE,
	    "primary FAIL, quorum confirmed" };
	c.ntransitions = 1;
	c.transitions = tr;
	rs[0].addrs = "198.51.100.20, 2001:db8:1::20";
	rs[0].holds = "backup";
	rs[1].addrs = "198.51.100.20";
	rs[1].holds = "backup";
	c.nrecords = 2;
	c.records = rs;
	state_set(&ns, SITE_ACTIVE, 1185, PRIMARY_FAIL, 3, 0, true, 1185);
	is_zero(state_record_cycle(sdb, &c, &ns, EB, sizeof(errbuf)),
	    "record cycle 4");

	is_int(state_load(sdb, &st, EB, sizeof(errbuf)), 0, "load");
	is_int(st.state, SITE_ACTIVE, "loaded state ACTIVE");
	is_int(st.state_since, 1185, "loaded state_since");
	is_int(st.status, PRIMARY_FAIL, "loaded status FAIL");
	is_int(st.fail_streak, 3, "loaded fail_streak");
	is_int(st.ok_streak, 0, "loaded ok_streak");
	ok(st.recovering, "loaded recovering");
	is_int(st.last_action_at, 1185, "loaded last_action_at");

	/* Enums are stored as strings. */
	is_int(sql_int(path, "SELECT count(*) FROM cycles WHERE "
	    "outcome = 'FAILOVER' AND state_before = 'STANDBY' AND "
	    "state_after = 'ACTIVE' AND primary_status = 'FAIL'"), 1,
	    "cycle enums stored as their strings");
	is_int(sql_int(path, "SELECT count(*) FROM agent_state WHERE "
	    "state = 'ACTIVE' AND primary_status = 'FAIL'"), 1,
	    "state enums stored as their strings");

	j = state_status_json(sdb, 5, EB, sizeof(errbuf));
	if (!ok(j != NULL, "status"))
		printf("#   error: %s\n", errbuf);
	ok(has_keys(j, status_keys), "has every status key");
	is_str(jstr(j, "state"), "ACTIVE", "status state");
	is_int(jint(j, "state_since"), 1185, "status state_since");
	is_str(jstr(j, "primary_status"), "FAIL", "status primary_status");
	is_int(jint(j, "fail_streak"), 3, "status fail_streak");
	is_int(jint(j, "ok_streak"), 0, "status ok_streak");
	is_int(jint(j, "last_action_at"), 1185, "status last_action_at");
	ok(json_is_true(json_object_get(j, "recovering")), "status recovering");
	ok(json_is_array(json_object_get(j, "votes")), "votes is an array");
	lc = json_object_get(j, "last_cycle");
	ok(has_keys(lc, cycle_keys), "last_cycle has every key");
	is_int(jint(lc, "id"), 4, "last_cycle id");
	is_str(jstr(lc, "kind"), "check", "last_cycle kind");
	is_int(jint(lc, "started_at"), 1180, "last_cycle started_at");
	is_int(jint(lc, "duration_ms"), 5012, "last_cycle duration_ms");
	is_str(jstr(lc, "outcome"), "FAILOVER", "last_cycle outcome");
	is_str(jstr(lc, "primary_status"), "FAIL", "last_cycle status");
	is_str(jstr(lc, "state_before"), "STANDBY", "last_cycle state_before");
	is_str(jstr(lc, "state_after"), "ACTIVE", "last_cycle state_after");
	is_str(jstr(lc, "message"), "failed over: the spares agree",
	    "last_cycle message");
	is_int(jint(lc, "exit_code"), 0, "last_cycle exit_code");
	a = json_object_get(lc, "checks");
	is_int(json_array_size(a), 2, "two checks");
	o = json_array_get(a, 0);
	ok(has_keys(o, check_keys), "check has every key");
	is_str(jstr(o, "name"), "web", "check 0 in config order");
	is_str(jstr(o, "type"), check_type_str(&check_http_type), "check type");
	is_str(jstr(o, "outcome"), check_outcome_str(CHECK_BAD_STATUS),
	    "check outcome");
	is_str(jstr(o, "detail"), "HTTP 503", "check detail");
	is_int(jint(o, "elapsed_ms"), 12, "check elapsed_ms");
	is_str(jstr(json_array_get(a, 1), "name"), "db", "check 1");
	is_int(jint(json_array_get(a, 1), "elapsed_ms"), 5000,
	    "check 1 elapsed_ms");

	a = json_object_get(j, "records");
	is_int(json_array_size(a), 2, "two records, upserted not added");
	o = json_array_get(a, 0);
	ok(has_keys(o, record_keys), "record has every key");
	is_str(jstr(o, "owner"), "example.com.", "records sorted by owner");
	is_str(jstr(o, "addrs"), "198.51.100.20", "record addrs as last seen");
	is_str(jstr(o, "holds"), "backup", "record holds as last seen");
	is_int(jint(o, "seen_at"), 1180, "record seen_at");
	is_str(jstr(json_array_get(a, 1), "addrs"),
	    "198.51.100.20, 2001:db8:1::20", "second record");

	a = json_object_get(j, "transitions");
	is_int(json_array_size(a), 2, "two transitions");
	o = json_array_get(a, 0);
	ok(has_keys(o, transition_keys), "transition has every key");
	is_int(jint(o, "at"), 1185, "newest transition first");
	is_str(jstr(o, "from"), "STANDBY", "transition from");
	is_str(jstr(o, "to"), "ACTIVE", "transition to");
	is_str(jstr(o, "reason"), "primary FAIL, quorum confirmed",
	    "transition reason");
	is_int(jint(o, "cycle_id"), 4, "transition cycle_id");
	is_str(jstr(json_array_get(a, 1), "from"), "UNKNOWN",
	    "older transition second");
	json_decref(j);

	j = state_status_json(sdb, 1, EB, sizeof(errbuf));
	is_int(json_array_size(json_object_get(j, "transitions")), 1,
	    "ntransitions limits the list");
	json_decref(j);

	h = state_history_json(sdb, 3, EB, sizeof(errbuf));
	if (!ok(h != NULL, "history"))
		printf("#   error: %s\n", errbuf);
	a = json_object_get(h, "cycles");
	is_int(json_array_size(a), 3, "history -n 3 gives 3 cycles");
	cy = json_array_get(a, 0);
	ok(has_keys(cy, cycle_keys), "history cycle has every cycle key");
	is_int(jint(cy, "id"), 4, "newest first");
	is_int(jint(json_array_get(a, 1), "id"), 3, "then the one before");
	is_int(jint(json_array_get(a, 2), "id"), 2, "and so on");
	o = json_object_get(cy, "actions");
	is_int(json_array_size(o), 3, "the failover's three actions");
	ok(has_keys(json_array_get(o, 0), action_keys),
	    "action has every key");
	is_str(jstr(json_array_get(o, 0), "kind"), "hook before_failover",
	    "actions in order");
	is_int(jint(json_array_get(o, 1), "at"), 1183, "action at");
	is_str(jstr(json_array_get(o, 1), "target"), "example.com.",
	    "action target");
	is_str(jstr(json_array_get(o, 1), "result"), "ok", "action result");
	is_str(jstr(json_array_get(o, 1), "detail"), "2 records updated",
	    "action detail");
	is_str(jstr(json_array_get(o, 2), "result"), "skipped",
	    "skipped action");
	ok(json_is_null(json_object_get(json_array_get(o, 2), "target")),
	    "a missing target is null");
	o = json_object_get(cy, "transitions");
	is_int(json_array_size(o), 1, "the failover's transition");
	is_str(jstr(json_array_get(o, 0), "to"), "ACTIVE", "its target state");
	is_int(json_array_size(json_object_get(cy, "checks")), 2,
	    "the failover's checks");
	cy = json_array_get(a, 2);
	is_str(jstr(cy, "primary_status"), "WARN", "cycle 2 status");
	is_int(jint(cy, "exit_code"), 1, "cycle 2 exit_code");
	ok(json_is_null(json_object_get(cy, "message")), "a NULL message is null");
	is_int(json_array_size(json_object_get(cy, "actions")), 0,
	    "cycle 2 has no actions");
	is_int(json_array_size(json_object_get(cy, "transitions")), 0,
	    "cycle 2 has no transitions");
	json_decref(h);

	h = state_history_json(sdb, -1, EB, sizeof(errbuf));
	is_int(json_array_size(json_object_get(h, "cycles")), 4,
	    "history n < 0 gives every cycle");
	is_int(jint(json_array_get(json_object_get(h, "cycles"), 3), "id"), 1,
	    "the oldest last");
	json_decref(h);

	/* A caller bug half way through: nothing of the cycle is stored. */
	cycle_basic(&c, cr, 1240, SITE_ACTIVE, SITE_STANDBY, PRIMARY_OK,
	    OUTCOME_FAILBACK);
	c.nactions = 3;
	c.actions = ar;
	c.ntransitions = 1;
	c.transitions = tr;
	rs[0] = (struct record_seen){ "example.com.", "www.example.com.",
	    "192.0.2.10", "primary" };
	rs[1] = (struct record_seen){ NULL, "shop.example.com.", "192.0.2.10",
	    "primary" };
	c.nrecords = 2;
	c.records = rs;
	state_set(&ns, SITE_STANDBY, 1240, PRIMARY_OK, 0, 3, false, 1240);
	is_int(state_record_cycle(sdb, &c, &ns, EB, sizeof(errbuf)), -1,
	    "a record without a zone fails the cycle");
	ok(contains(errbuf, "NOT NULL") && contains(errbuf, path),
	    "the error says why and where: %s", errbuf);
	is_int(sql_int(path, "SELECT count(*) FROM cycles"), 4,
	    "no cycle row left");
	is_int(sql_int(path, "SELECT count(*) FROM check_results"), 8,
	    "no check row left");
	is_int(sql_int(path, "SELECT count(*) FROM actions"), 3,
	    "no action row left");
	is_int(sql_int(path, "SELECT count(*) FROM transitions"), 2,
	    "no transition row left");
	is_int(sql_int(path, "SELECT count(*) FROM records_seen WHERE "
	    "addrs = '192.0.2.10, 2001:db8::10'"), 0,
	    "the first record's upsert was undone too");
	is_int(state_load(sdb, &st, EB, sizeof(errbuf)), 0, "load");
	is_int(st.state, SITE_ACTIVE, "the previous state is intact");
	is_int(st.last_action_at, 1185, "with its last_action_at");

	c.nrecords = 0;
	c.kind = NULL;
	is_int(state_record_cycle(sdb, &c, &ns, EB, sizeof(errbuf)), -1,
	    "a cycle without a kind fails");
	c.kind = "failback";
	c.outcome = OUTCOME_MAX;
	is_int(state_record_cycle(sdb, &c, &ns, EB, sizeof(errbuf)), -1,
	    "an out-of-range outcome is refused");
	ok(contains(errbuf, "bad outcome"), "saying so: %s", errbuf);
	c.outcome = OUTCOME_FAILBACK;
	cr[1].name = NULL;
	is_int(state_record_cycle(sdb, &c, &ns, EB, sizeof(errbuf)), -1,
	    "a check result without its check is refused");
	cr[1].name = "db";
	is_int(sql_int(path, "SELECT count(*) FROM cycles"), 4,
	    "still four cycles");

	/* The handle still works after failed cycles. */
	is_zero(state_record_cycle(sdb, &c, &ns, EB, sizeof(errbuf)),
	    "the corrected cycle records");
	is_int(state_load(sdb, &st, EB, sizeof(errbuf)), 0, "load");
	is_int(st.state, SITE_STANDBY, "loaded the failback's state");
	is_int(st.ok_streak, 3, "and its ok_streak");

	/* Read-only: what status and history use. */
	is_zero(state_open(path, true, &ro, EB, sizeof(errbuf)),
	    "read-only open");
	j = state_status_json(ro, 10, EB, sizeof(errbuf));
	if (!ok(j != NULL, "status read-only"))
		printf("#   error: %s\n", errbuf);
	is_str(jstr(j, "state"), "STANDBY", "sees the committed state");
	is_int(jint(json_object_get(j, "last_cycle"), "id"), 5,
	    "and the last cycle");
	json_decref(j);
	is_int(state_record_cycle(ro, &c, &ns, EB, sizeof(errbuf)), -1,
	    "a read-only handle records nothing");
	state_close(ro);
	state_close(sdb);

	/* Reopen keeps everything. */
	is_zero(state_open(path, false, &sdb, EB, sizeof(errbuf)),
	    "reopen");
	is_int(state_load(sdb, &st, EB, sizeof(errbuf)), 0, "load");
	is_int(st.state, SITE_STANDBY, "the state survives a reopen");
	h = state_history_json(sdb, 100, EB, sizeof(errbuf));
	is_int(json_array_size(json_object_get(h, "cycles")), 5,
	    "so does the history");
	json_decref(h);
	state_close(sdb);
}

static void
vote_set(struct vote_record *v, const char *spare, enum vote_reason reason,
    enum vote_verdict verdict, int64_t checked_at, const char *detail)
{
	static char	urls[8][64];
	static int	nurl;
	char		*u = urls[nurl++ % 8];

	memset(v, 0, sizeof(*v));
	snprintf(u, 64, "http://%s.example.net:8053", spare);
	v->spare = spare;
	v->url = u;
	v->reason = reason;
	v->voter = reason == VOTE_VALID ? spare : NULL;
	v->verdict = verdict;
	v->checked_at = checked_at;
	v->detail = detail;
	v->elapsed_ms = 42;
}

/* Votes: stored with their cycle, read back by status and history. */
static void
test_votes(void)
{
	char		 path[300], buf[64];
	struct state_db	*sdb;
	struct decide_state ns;
	struct cycle_record c;
	struct check_record cr[2];
	struct vote_record vr[3];
	json_t		*j, *a, *o, *h, *cy;
	static const char *const vote_keys[] = { "spare", "url", "voter",
	    "verdict", "checked_at", "valid", "reason", "detail",
	    "elapsed_ms", NULL };

	pathof(path, sizeof(path), "votes.db");
	is_zero(state_open(path, false, &sdb, EB, sizeof(errbuf)),
	    "votes: open");

	/* Cycle 1: nobody asked. */
	cycle_basic(&c, cr, 2000, SITE_STANDBY, SITE_STANDBY, PRIMARY_OK,
	    OUTCOME_NOOP);
	state_set(&ns, SITE_STANDBY, 1000, PRIMARY_OK, 0, 1, false, 0);
	is_zero(state_record_cycle(sdb, &c, &ns, EB, sizeof(errbuf)),
	    "votes: cycle 1 without votes");
	j = state_status_json(sdb, 5, EB, sizeof(errbuf));
	is_int(json_array_size(json_object_get(j, "votes")), 0,
	    "no votes yet: status votes empty");
	ok(json_is_null(json_object_get(j, "votes_cycle")),
	    "no votes yet: votes_cycle null");
	is_str(jstr(json_object_get(j, "last_cycle"), "quorum"), "not-asked",
	    "a cycle that asked nobody: quorum not-asked");
	json_decref(j);

	/* Cycle 2: the spares were asked; one counts, two abstain. */
	cycle_basic(&c, cr, 2060, SITE_STANDBY, SITE_ACTIVE, PRIMARY_FAIL,
	    OUTCOME_FAILOVER);
	vote_set(&vr[0], "paris", VOTE_VALID, VOTE_VERDICT_DOWN, 2058, "");
	vote_set(&vr[1], "nyc", VOTE_BAD_SIGNATURE, VOTE_VERDICT_UP, 0,
	    "HTTP 401: bad MAC");
	vote_set(&vr[2], "oslo", VOTE_NO_ANSWER, VOTE_VERDICT_UP, 0,
	    "Connection refused");
	c.quorum = QUORUM_CONFIRMED;
	c.nvotes = 3;
	c.votes = vr;
	state_set(&ns, SITE_ACTIVE, 2061, PRIMARY_FAIL, 3, 0, true, 2061);
	is_zero(state_record_cycle(sdb, &c, &ns, EB, sizeof(errbuf)),
	    "votes: cycle 2 with three votes");

	/* Cycle 3: nobody asked again. */
	cycle_basic(&c, cr, 2120, SITE_ACTIVE, SITE_ACTIVE, PRIMARY_FAIL,
	    OUTCOME_NOOP);
	is_zero(state_record_cycle(sdb, &c, &ns, EB, sizeof(errbuf)),
	    "votes: cycle 3 without votes");

	is_int(sql_int(path, "SELECT count(*) FROM votes"), 3,
	    "three vote rows");
	is_str(sql_text(path, "SELECT verdict FROM votes WHERE spare = 'paris'",
	    buf, sizeof(buf)), "down", "verdict stored as its string");
	is_str(sql_text(path, "SELECT reason FROM votes WHERE spare = 'nyc'",
	    buf, sizeof(buf)), "bad-signature", "reason stored as its string");
	is_int(sql_int(path, "SELECT count(*) FROM votes WHERE spare = 'nyc' "
	    "AND voter IS NULL AND verdict IS NULL AND checked_at IS NULL AND "
	    "valid = 0"), 1, "an abstention has no voter, verdict or time");
	is_str(sql_text(path, "SELECT quorum FROM cycles WHERE id = 2", buf,
	    sizeof(buf)), "confirmed", "the tally stored with its cycle");

	j = state_status_json(sdb, 5, EB, sizeof(errbuf));
	if (!ok(j != NULL, "votes: status"))
		printf("#   error: %s\n", errbuf);
	a = json_object_get(j, "votes");
	is_int(json_array_size(a), 3,
	    "status: the votes of the last cycle that asked (not the last)");
	o = json_array_get(a, 0);
	ok(has_keys(o, vote_keys), "a vote has every key");
	is_str(jstr(o, "spare"), "paris", "votes in the order asked");
	is_str(jstr(o, "url"), "http://paris.example.net:8053", "vote url");
	is_str(jstr(o, "voter"), "paris", "vote voter");
	is_str(jstr(o, "verdict"), "down", "vote verdict");
	is_int(jint(o, "checked_at"), 2058, "vote checked_at");
	ok(json_is_true(json_object_get(o, "valid")), "valid is true");
	is_str(jstr(o, "reason"), "valid", "reason valid");
	is_int(jint(o, "elapsed_ms"), 42, "vote elapsed_ms");
	is_int(jint(o, "cycle_id"), 2, "status votes carry their cycle_id");
	o = json_array_get(a, 1);
	is_str(jstr(o, "spare"), "nyc", "second vote");
	ok(json_is_false(json_object_get(o, "valid")), "abstention: valid false");
	ok(json_is_null(json_object_get(o, "voter")) &&
	    json_is_null(json_object_get(o, "verdict")) &&
	    json_is_null(json_object_get(o, "checked_at")),
	    "abstention: voter, verdict, checked_at null");
	is_str(jstr(o, "reason"), "bad-signature", "abstention reason");
	is_str(jstr(o, "detail"), "HTTP 401: bad MAC", "abstention detail");
	is_str(jstr(json_array_get(a, 2), "reason"), "no-answer",
	    "third vote: no-answer");
	o = json_object_get(j, "votes_cycle");
	is_int(jint(o, "id"), 2, "votes_cycle: the cycle that asked");
	is_int(jint(o, "started_at"), 2060, "votes_cycle: its time");
	is_str(jstr(o, "quorum"), "confirmed", "votes_cycle: its tally");
	is_str(jstr(o, "outcome"), "FAILOVER", "votes_cycle: its outcome");
	is_int(jint(json_object_get(j, "last_cycle"), "id"), 3,
	    "while last_cycle is the newer one");
	json_decref(j);

	h = state_history_json(sdb, -1, EB, sizeof(errbuf));
	if (!ok(h != NULL, "votes: history"))
		printf("#   error: %s\n", errbuf);
	a = json_object_get(h, "cycles");
	cy = json_array_get(a, 1);
	is_int(jint(cy, "id"), 2, "history: cycle 2");
	is_str(jstr(cy, "quorum"), "confirmed", "history: cycle 2's tally");
	is_int(json_array_size(json_object_get(cy, "votes")), 3,
	    "history: cycle 2 carries its three votes");
	o = json_array_get(json_object_get(cy, "votes"), 0);
	ok(has_keys(o, vote_keys), "history vote has every key");
	ok(json_is_true(json_object_get(o, "valid")), "history: valid true");
	ok(json_is_false(json_object_get(json_array_get(json_object_get(cy,
	    "votes"), 2), "valid")), "history: abstention valid false");
	is_int(json_array_size(json_object_get(json_array_get(a, 0), "votes")),
	    0, "history: cycle 3 has no votes");
	is_str(jstr(json_array_get(a, 0), "quorum"), "not-asked",
	    "history: cycle 3 not-asked");
	json_decref(h);

	/* Bad votes are refused before anything is written. */
	cycle_basic(&c, cr, 2180, SITE_ACTIVE, SITE_ACTIVE, PRIMARY_FAIL,
	    OUTCOME_NOOP);
	vote_set(&vr[0], "paris", VOTE_REASON_MAX, VOTE_VERDICT_DOWN, 0, NULL);
	c.nvotes = 1;
	c.votes = vr;
	is_int(state_record_cycle(sdb, &c, &ns, EB, sizeof(errbuf)), -1,
	    "a vote with a bad reason is refused");
	ok(contains(errbuf, "bad reason"), "saying so: %s", errbuf);
	vote_set(&vr[0], "paris", VOTE_VALID, VOTE_VERDICT_DOWN, 0, NULL);
	vr[0].voter = NULL;
	is_int(state_record_cycle(sdb, &c, &ns, EB, sizeof(errbuf)), -1,
	    "a valid vote without a voter is refused");
	c.nvotes = 1;
	c.votes = NULL;
	is_int(state_record_cycle(sdb, &c, &ns, EB, sizeof(errbuf)), -1,
	    "votes counted but missing: refused");
	vote_set(&vr[0], "paris", VOTE_VALID, VOTE_VERDICT_UP, 2179, NULL);
	vr[0].spare = NULL;
	c.votes = vr;
	c.quorum = QUORUM_PARTITION;
	is_int(state_record_cycle(sdb, &c, &ns, EB, sizeof(errbuf)), -1,
	    "a vote without its spare fails the cycle (NOT NULL)");
	is_int(sql_int(path, "SELECT count(*) FROM cycles"), 3,
	    "no cycle of the refused ones stored");
	is_int(sql_int(path, "SELECT count(*) FROM votes"), 3,
	    "no vote of the refused ones stored");

	/* Cycle 4 asks again: status now shows its votes. */
	vote_set(&vr[0], "paris", VOTE_VALID, VOTE_VERDICT_UP, 2179, NULL);
	vote_set(&vr[1], "nyc", VOTE_VALID, VOTE_VERDICT_UNKNOWN, 2178, NULL);
	c.nvotes = 2;
	c.outcome = OUTCOME_PARTITION;
	is_zero(state_record_cycle(sdb, &c, &ns, EB, sizeof(errbuf)),
	    "votes: cycle 4 with two votes");
	j = state_status_json(sdb, 5, EB, sizeof(errbuf));
	a = json_object_get(j, "votes");
	is_int(json_array_size(a), 2, "status: cycle 4's two votes");
	is_str(jstr(json_array_get(a, 1), "verdict"), "unknown",
	    "an unknown verdict is a valid vote");
	/*
	 * Stored "partition", but the cycle started ACTIVE: it asked about a
	 * failback, and status says so in those words (issue 16).
	 */
	is_str(jstr(json_object_get(j, "votes_cycle"), "quorum"),
	    "failback-allowed", "votes_cycle: an ACTIVE cycle's old "
	    "\"partition\" reads as failback-allowed");
	is_str(jstr(json_object_get(j, "votes_cycle"), "quorum_stored"),
	    "partition", "votes_cycle: the stored word is kept beside it");
	is_int(jint(json_array_get(a, 0), "cycle_id"), 4, "cycle_id 4");
	json_decref(j);
	state_close(sdb);
}

/*
 * A database written by a version that knew only step 1 (made here by that
 * step's own SQL, with a cycle in it) is migrated on open: the votes table
 * appears, the old cycle stays readable, with no tally and no votes.
 */
static void
test_migration_from_v1(void)
{
	char		 path[300];
	struct state_db	*sdb;
	sqlite3		*db;
	struct decide_state st, ns;
	struct cycle_record c;
	struct check_record cr[2];
	struct vote_record vr[1];
	json_t		*h, *cy, *j;
	int		 applied;

	pathof(path, sizeof(path), "v1.db");
	ok(sqlite3_open(path, &db) == SQLITE_OK, "v1: raw open");
	is_zero(state_schema_apply(db, path, state_schema_steps(), 1, &applied,
	    EB, sizeof(errbuf)), "v1: step 1 only");
	is_int(applied, 1, "v1: one step applied");
	ok(sqlite3_exec(db, "INSERT INTO cycles (kind, started_at, "
	    "duration_ms, outcome, primary_status, state_before, state_after, "
	    "message, exit_code) VALUES ('check', 500, 12, 'NOOP', 'OK', "
	    "'STANDBY', 'STANDBY', 'primary OK', 0);"
	    "INSERT INTO check_results VALUES (1, 'web', 'http', 'ok', "
	    "'HTTP 200', 3);"
	    "INSERT INTO agent_state VALUES (1, 'STANDBY', 400, 'OK', 0, 5, "
	    "0, 0, 500);", NULL, NULL, NULL) == SQLITE_OK,
	    "v1: a cycle and a state written the version-1 way");
	sqlite3_close(db);
	is_int(sql_int(path, "PRAGMA user_version"), 1, "v1: user_version 1");

	is_int(state_open(path, true, &sdb, EB, sizeof(errbuf)), -1,
	    "v1: a read-only open does not migrate");
	ok(contains(errbuf, "older than this failover-agent's"),
	    "v1: and says to run check once: %s", errbuf);

	is_zero(state_open(path, false, &sdb, EB, sizeof(errbuf)),
	    "v1: open read-write migrates");
	is_int(sql_int(path, "PRAGMA user_version"), state_schema_latest(),
	    "v1: now at the latest version");
	ok(state_schema_latest() >= 2, "the latest version has votes (>= 2)");
	is_int(sql_int(path, "SELECT count(*) FROM sqlite_master WHERE "
	    "type = 'table' AND name = 'votes'"), 1, "v1: votes table added");
	is_int(sql_int(path, "SELECT count(*) FROM sqlite_master WHERE "
	    "type = 'index' AND name = 'votes_cycle'"), 1,
	    "v1: votes_cycle index added");
	is_int(sql_int(path, "SELECT count(*) FROM cycles WHERE quorum IS "
	    "NULL"), 1, "v1: the old cycle has no tally");
	is_int(state_load(sdb, &st, EB, sizeof(errbuf)), 0, "v1: load");
	is_int(st.state, SITE_STANDBY, "v1: the state survived");
	is_int(st.ok_streak, 5, "v1: with its streak");

	h = state_history_json(sdb, -1, EB, sizeof(errbuf));
	cy = json_array_get(json_object_get(h, "cycles"), 0);
	is_str(jstr(cy, "message"), "primary OK", "v1: the old cycle reads");
	ok(json_is_null(json_object_get(cy, "quorum")), "v1: quorum null");
	ok(json_is_array(json_object_get(cy, "votes")) &&
	    json_array_size(json_object_get(cy, "votes")) == 0,
	    "v1: votes []");
	is_int(json_array_size(json_object_get(cy, "checks")), 1,
	    "v1: its check");
	json_decref(h);

	cycle_basic(&c, cr, 560, SITE_STANDBY, SITE_STANDBY, PRIMARY_FAIL,
	    OUTCOME_ISOLATED);
	vote_set(&vr[0], "paris", VOTE_NO_ANSWER, VOTE_VERDICT_UP, 0,
	    "timed out");
	c.quorum = QUORUM_ISOLATED;
	c.nvotes = 1;
	c.votes = vr;
	state_set(&ns, SITE_STANDBY, 400, PRIMARY_FAIL, 3, 0, true, 0);
	is_zero(state_record_cycle(sdb, &c, &ns, EB, sizeof(errbuf)),
	    "v1: a cycle with votes after the migration");
	j = state_status_json(sdb, 5, EB, sizeof(errbuf));
	is_str(jstr(json_array_get(json_object_get(j, "votes"), 0), "reason"),
	    "no-answer", "v1: the new vote in status");
	is_str(jstr(json_object_get(j, "votes_cycle"), "quorum"), "isolated",
	    "v1: the new tally");
	json_decref(j);
	state_close(sdb);
}

/* The status and history queries use indexes, not a sort or a full scan. */
static void
test_query_plans(void)
{
	char		 path[300];
	sqlite3		*db;
	sqlite3_stmt	*st;
	char		 plan[1024];
	size_t		 len;
	size_t		 i;
	static const char *const queries[] = {
		"SELECT * FROM cycles ORDER BY id DESC LIMIT 5",
		"SELECT * FROM transitions ORDER BY at DESC, id DESC LIMIT 5",
		"SELECT * FROM transitions WHERE cycle_id = 3 ORDER BY id",
		"SELECT * FROM check_results WHERE cycle_id = 3 ORDER BY rowid",
		"SELECT * FROM actions WHERE cycle_id = 3 ORDER BY id",
		"SELECT * FROM votes WHERE cycle_id = 3 ORDER BY id",
		"SELECT * FROM cycles WHERE id = "
		    "(SELECT max(cycle_id) FROM votes)",
		"SELECT at FROM actions WHERE kind = 'canary' "
		    "ORDER BY id DESC LIMIT 1",
		"SELECT cycle_id, at FROM actions WHERE id = (SELECT max(id) "
		    "FROM actions WHERE kind IN ('dns to_backup', "
		    "'dns to_primary'))",
	};

	pathof(path, sizeof(path), "state.db");
	ok(sqlite3_open(path, &db) == SQLITE_OK, "raw open for plans");
	for (i = 0; i < sizeof(queries) / sizeof(queries[0]); i++) {
		char	 sql[300];

		snprintf(sql, sizeof(sql), "EXPLAIN QUERY PLAN %s", queries[i]);
		plan[0] = '\0';
		len = 0;
		if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
			ok(0, "prepare %s", queries[i]);
			continue;
		}
		while (sqlite3_step(st) == SQLITE_ROW && len < sizeof(plan))
			len += snprintf(plan + len, sizeof(plan) - len, "%s; ",
			    (const char *)sqlite3_column_text(st, 3));
		sqlite3_finalize(st);
		ok(strstr(plan, "TEMP B-TREE") == NULL &&
		    strstr(plan, "SCAN votes") == NULL &&
		    (strstr(plan, "USING INDEX") != NULL ||
		    strstr(plan, "USING COVERING INDEX") != NULL ||
		    strstr(plan, "SCAN cycles") != NULL),
		    "%s: %s", queries[i], plan);
	}
	sqlite3_close(db);
}

/*
 * [dns] canary and verify = all in status: the last "canary" action
 * as "canary", the "dns verify" rows of the last cycle that moved DNS as
 * "verify"; state_last_action_at() finds the last canary.
 */
static void
test_dns_health(void)
{
	char		 path[300];
	struct state_db	*sdb;
	struct decide_state ns;
	struct cycle_record c;
	struct check_record cr[2];
	struct action_record ar[3];
	json_t		*j, *v, *l;
	int64_t		 at = -1;

	pathof(path, sizeof(path), "health.db");
	is_zero(state_open(path, false, &sdb, EB, sizeof(errbuf)), "open");
	is_int(state_last_action_at(sdb, "canary", &at, EB,
	    sizeof(errbuf)), 1, "no canary yet");
	j = state_status_json(sdb, 5, EB, sizeof(errbuf));
	ok(json_is_null(json_object_get(j, "canary")), "status: canary null");
	ok(json_is_null(json_object_get(j, "verify")), "status: verify null");
	json_decref(j);

	/* A cycle with a good canary. */
	cycle_basic(&c, cr, 2000, SITE_STANDBY, SITE_STANDBY, PRIMARY_OK,
	    OUTCOME_NOOP);
	ar[0] = (struct action_record){ 2001, "canary", "dns",
	    ACTION_RESULT_OK, "example.com: 127.0.0.1#53 accepts our signed "
	    "UPDATE" };
	c.nactions = 1;
	c.actions = ar;
	state_set(&ns, SITE_STANDBY, 1001, PRIMARY_OK, 0, 1, false, 0);
	is_zero(state_record_cycle(sdb, &c, &ns, EB, sizeof(errbuf)),
	    "record a canary");
	/* A failover whose verify found a lagging nameserver. */
	cycle_basic(&c, cr, 2060, SITE_STANDBY, SITE_ACTIVE, PRIMARY_FAIL,
	    OUTCOME_FAILOVER);
	ar[0] = (struct action_record){ 2061, "dns to_backup", "example.com.",
	    ACTION_RESULT_FAILED, "lagging: ..." };
	ar[1] = (struct action_record){ 2062, "dns verify", "example.com.",
	    ACTION_RESULT_FAILED, "ns2.example.com (127.0.0.2#5301): serial "
	    "2 < 3" };
	c.nactions = 2;
	c.actions = ar;
	state_set(&ns, SITE_ACTIVE, 2060, PRIMARY_FAIL, 3, 0, true, 2060);
	is_zero(state_record_cycle(sdb, &c, &ns, EB, sizeof(errbuf)),
	    "record a lagging verify");
	/* Then a failed canary, in a cycle that moves nothing. */
	cycle_basic(&c, cr, 5700, SITE_ACTIVE, SITE_ACTIVE, PRIMARY_FAIL,
	    OUTCOME_NOOP);
	ar[0] = (struct action_record){ 5701, "canary", "dns",
	    ACTION_RESULT_FAILED, "the canary failed for 1 of 1 zone: "
	    "example.com: BADSIG" };
	c.nactions = 1;
	c.actions = ar;
	is_zero(state_record_cycle(sdb, &c, &ns, EB, sizeof(errbuf)),
	    "record a failed canary");

	is_int(state_last_action_at(sdb, "canary", &at, EB,
	    sizeof(errbuf)), 0, "a canary found");
	is_int(at, 5701, "the last one");
	j = state_status_json(sdb, 5, EB, sizeof(errbuf));
	v = json_object_get(j, "canary");
	ok(json_is_object(v), "status: canary object");
	is_int(jint(v, "at"), 5701, "canary at");
	ok(json_is_false(json_object_get(v, "ok")), "canary ok false");
	is_str(jstr(v, "message"), "the canary failed for 1 of 1 zone: "
	    "example.com: BADSIG", "canary message");
	v = json_object_get(j, "verify");
	ok(json_is_object(v), "status: verify object (the last move, not "
	    "the last cycle)");
	is_int(jint(v, "at"), 2061, "verify at");
	l = json_object_get(v, "lagging");
	is_int(json_array_size(l), 1, "one nameserver lagging");
	is_str(jstr(json_array_get(l, 0), "zone"), "example.com.",
	    "lagging zone");
	is_str(jstr(json_array_get(l, 0), "detail"), "ns2.example.com "
	    "(127.0.0.2#5301): serial 2 < 3", "lagging detail");
	json_decref(j);

	/* A later move that every nameserver served: nothing lags. */
	cycle_basic(&c, cr, 9000, SITE_ACTIVE, SITE_STANDBY, PRIMARY_OK,
	    OUTCOME_FAILBACK);
	ar[0] = (struct action_record){ 9001, "dns to_primary", "example.com.",
	    ACTION_RESULT_OK, "ok: verified on every nameserver" };
	c.nactions = 1;
	c.actions = ar;
	state_set(&ns, SITE_STANDBY, 9000, PRIMARY_OK, 0, 3, false, 9000);
	is_zero(state_record_cycle(sdb, &c, &ns, EB, sizeof(errbuf)),
	    "record a verified failback");
	j = state_status_json(sdb, 5, EB, sizeof(errbuf));
	v = json_object_get(j, "verify");
	is_int(jint(v, "at"), 9001, "verify: the failback");
	is_int(json_array_size(json_object_get(v, "lagging")), 0,
	    "nothing lagging");
	json_decref(j);
	state_close(sdb);
}

static void
test_lock(void)
{
	char		 path[300], lockpath[320], want[400], buf[32];
	int		 fd, fd2, p[2], status;
	pid_t		 pid;
	ssize_t		 n;

	pathof(path, sizeof(path), "lock.db");
	snprintf(lockpath, sizeof(lockpath), "%s.lock", path);
	is_zero(state_lock_acquire(path, &fd, EB, sizeof(errbuf)),
	    "take the lock");
	ok(fd >= 0, "lock fd");
	ok(fcntl(fd, F_GETFD) & FD_CLOEXEC, "the lock is not inherited by hooks");
	snprintf(want, sizeof(want), "%ld\n", (long)getpid());
	{
		int	 rfd = open(lockpath, O_RDONLY);

		n = rfd >= 0 ? read(rfd, buf, sizeof(buf) - 1) : -1;
		buf[n > 0 ? n : 0] = '\0';
		close(rfd);
	}
	is_str(buf, want, "the lock file holds our pid");

	/* A second process: told who holds it. */
	ok(pipe(p) == 0, "pipe");
	if ((pid = fork()) == 0) {
		char	 e[512] = "";
		int	 r, cfd = -7;

		close(p[0]);
		r = state_lock_acquire(path, &cfd, e, sizeof(e));
		dprintf(p[1], "%d %d %s", r, cfd, e);
		_exit(0);
	}
	close(p[1]);
	{
		char	 got[700] = "";
		size_t	 len = 0;

		while ((n = read(p[0], got + len, sizeof(got) - 1 - len)) > 0)
			len += (size_t)n;
		got[len] = '\0';
		close(p[0]);
		waitpid(pid, &status, 0);
		snprintf(want, sizeof(want), "1 -1 another failover-agent run "
		    "(pid %ld) holds %s", (long)getpid(), lockpath);
		is_str(got, want, "a second run gets 1 and the holder's pid");
	}
	/* Not even our own second attempt gets it (a new open file). */
	is_int(state_lock_acquire(path, &fd2, EB, sizeof(errbuf)), 1,
	    "a second open in the same process is refused too");

	state_lock_release(fd);
	is_int(file_size(lockpath), 0, "release clears the pid");
	if ((pid = fork()) == 0) {
		int	 cfd, r;

		r = state_lock_acquire(path, &cfd, EB, sizeof(errbuf));
		_exit(r == 0 && cfd >= 0 ? 0 : 10 + r);
	}
	waitpid(pid, &status, 0);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "after release another process takes it");
	/* The child exited holding it: process exit released it. */
	is_zero(state_lock_acquire(path, &fd, EB, sizeof(errbuf)),
	    "a dead holder's lock is free");
	state_lock_release(fd);
}

/*
 * A process killed in the middle of a transaction: the child writes a big
 * uncommitted cycle with a tiny page cache, so its pages spill into the WAL,
 * then waits to be killed.
 */
static void
test_crash_mid_transaction(void)
{
	char		 path[300], wal[320], buf[64];
	struct state_db	*sdb;
	struct decide_state st;
	struct stat	 sb;
	int		 p[2], status;
	pid_t		 pid;
	char		 c;
	off_t		 wal_before;

	pathof(path, sizeof(path), "state.db");
	snprintf(wal, sizeof(wal), "%s-wal", path);
	wal_before = stat(wal, &sb) == 0 ? sb.st_size : 0;
	ok(pipe(p) == 0, "pipe");
	if ((pid = fork()) == 0) {
		sqlite3		*db;
		int		 i, r = 0;
		char		 sql[512];

		close(p[0]);
		if (sqlite3_open(path, &db) != SQLITE_OK)
			_exit(2);
		r |= sqlite3_exec(db, "PRAGMA cache_size = 8; "
		    "BEGIN IMMEDIATE; INSERT INTO cycles (kind, started_at, "
		    "duration_ms, outcome, primary_status, state_before, "
		    "state_after, message, exit_code) VALUES ('check', 9000, "
		    "1, 'FAILOVER', 'FAIL', 'STANDBY', 'ACTIVE', 'half', 0); "
		    "UPDATE agent_state SET state = 'FAILED', "
		    "fail_streak = 99;", NULL, NULL, NULL);
		for (i = 0; i < 3000 && r == 0; i++) {
			snprintf(sql, sizeof(sql), "INSERT INTO check_results "
			    "(cycle_id, name, type, outcome, detail, "
			    "elapsed_ms) VALUES ((SELECT max(id) FROM cycles), "
			    "'c%d', 'http', "
			    "'ok', printf('%%.300c', 'x'), 1)", i);
			r |= sqlite3_exec(db, sql, NULL, NULL, NULL);
		}
		if (r != 0)
			_exit(3);
		(void)write(p[1], "w", 1);
		for (;;)
			pause();
	}
	close(p[1]);
	is_int(read(p[0], &c, 1), 1, "the child wrote a cycle, uncommitted");
	close(p[0]);
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	ok(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
	    "the child was killed before COMMIT");
	ok(stat(wal, &sb) == 0 && sb.st_size > wal_before,
	    "its uncommitted pages reached the WAL");

	is_zero(state_open(path, false, &sdb, EB, sizeof(errbuf)),
	    "the database opens after the crash");
	is_str(sql_text(path, "PRAGMA integrity_check", buf, sizeof(buf)),
	    "ok", "integrity_check passes");
	is_int(sql_int(path, "SELECT count(*) FROM cycles"), 5,
	    "only the complete cycles are there");
	is_int(sql_int(path, "SELECT count(*) FROM check_results WHERE "
	    "name LIKE 'c%'"), 0, "none of the killed cycle's rows");
	is_int(state_load(sdb, &st, EB, sizeof(errbuf)), 0, "load");
	is_int(st.state, SITE_STANDBY, "the state of the last complete cycle");
	is_int(st.fail_streak, 0, "its fail_streak");
	state_close(sdb);
}

/*
 * A run killed while it records cycle after cycle, at whatever point the
 * kill lands: every stored cycle is whole, and the state row matches the
 * last one.
 */
static void
test_crash_while_recording(void)
{
	char		 path[300], buf[64];
	struct state_db	*sdb;
	struct decide_state st;
	int		 p[2], status, i;
	pid_t		 pid;
	char		 c;
	long long	 ncycles;

	pathof(path, sizeof(path), "loop.db");
	ok(pipe(p) == 0, "pipe");
	if ((pid = fork()) == 0) {
		struct cycle_record cy;
		struct check_record cr[2];
		struct transition_record tr;
		struct decide_state ns;
		char	 e[512];
		int64_t	 t;

		close(p[0]);
		if (state_open(path, false, &sdb, e, sizeof(e)) == -1)
			_exit(2);
		for (t = 1;; t++) {
			enum site_state a = t % 2 ? SITE_STANDBY : SITE_ACTIVE;
			enum site_state b = t % 2 ? SITE_ACTIVE : SITE_STANDBY;

			cycle_basic(&cy, cr, t, a, b, PRIMARY_OK, OUTCOME_NOOP);
			tr = (struct transition_record){ t, a, b, "flip" };
			cy.ntransitions = 1;
			cy.transitions = &tr;
			state_set(&ns, b, t, PRIMARY_OK, 0, (int)t, false, t);
			if (state_record_cycle(sdb, &cy, &ns, e, sizeof(e)) ==
			    -1)
				_exit(3);
			(void)write(p[1], "c", 1);
		}
	}
	close(p[1]);
	for (i = 0; i < 20; i++)
		if (read(p[0], &c, 1) != 1)
			break;
	is_int(i, 20, "the child recorded 20 cycles");
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	close(p[0]);
	ok(WIFSIGNALED(status), "the child was killed while recording");

	is_zero(state_open(path, false, &sdb, EB, sizeof(errbuf)),
	    "opens");
	is_str(sql_text(path, "PRAGMA integrity_check", buf, sizeof(buf)),
	    "ok", "integrity_check passes");
	ncycles = sql_int(path, "SELECT count(*) FROM cycles");
	ok(ncycles >= 20, "every acknowledged cycle is there (%lld)", ncycles);
	is_int(sql_int(path, "SELECT count(*) FROM cycles WHERE "
	    "(SELECT count(*) FROM check_results WHERE cycle_id = cycles.id) "
	    "!= 2 OR (SELECT count(*) FROM transitions WHERE "
	    "cycle_id = cycles.id) != 1"), 0, "every cycle is whole");
	is_int(state_load(sdb, &st, EB, sizeof(errbuf)), 0, "load");
	is_int(st.ok_streak, ncycles, "the state row is the last cycle's");
	is_str(site_state_str(st.state), sql_text(path, "SELECT state_after "
	    "FROM cycles ORDER BY id DESC LIMIT 1", buf, sizeof(buf)),
	    "state matches the last cycle's state_after");
	state_close(sdb);
}

/*
 * `status --nagios` runs as the monitoring user, who may read the database
 * (the administrator granted it) but not write its directory: the WAL's
 * -shm file must still be there after the agent closed.
 */
static void
test_reader_other_user(void)
{
	char		 path[300], side[320];
	struct state_db	*sdb;
	struct decide_state ns;
	struct cycle_record c;
	struct check_record cr[2];
	pid_t		 pid;
	int		 status;

	pathof(path, sizeof(path), "shared.db");
	is_zero(state_open(path, false, &sdb, EB, sizeof(errbuf)), "open");
	cycle_basic(&c, cr, 1000, SITE_UNKNOWN, SITE_STANDBY, PRIMARY_OK,
	    OUTCOME_NOOP);
	state_set(&ns, SITE_STANDBY, 1000, PRIMARY_OK, 0, 1, false, 0);
	is_zero(state_record_cycle(sdb, &c, &ns, EB, sizeof(errbuf)),
	    "record");
	state_close(sdb);
	snprintf(side, sizeof(side), "%s-wal", path);
	is_int(file_size(side), 0, "the WAL stays, empty, after close");
	snprintf(side, sizeof(side), "%s-shm", path);
	ok(file_size(side) > 0, "the -shm file stays after close");

	if (geteuid() != 0) {
		printf("ok %d # SKIP reading as another user needs root\n",
		    ++tap_n);
		return;
	}
	/* What the administrator does to let the monitoring user read. */
	chmod(dir, 0711);
	chmod(path, 0644);
	snprintf(side, sizeof(side), "%s-wal", path);
	chmod(side, 0644);
	snprintf(side, sizeof(side), "%s-shm", path);
	chmod(side, 0644);
	fflush(stdout);
	if ((pid = fork()) == 0) {
		json_t	*j;
		char	 e[512] = "";

		if (setgid(65534) == -1 || setuid(65534) == -1)
			_exit(2);
		if (state_open(path, true, &sdb, e, sizeof(e)) == -1) {
			printf("# as nobody: %s\n", e);
			_exit(3);
		}
		j = state_status_json(sdb, 5, e, sizeof(e));
		if (j == NULL || strcmp(json_string_value(json_object_get(j,
		    "state")), "STANDBY") != 0) {
			printf("# as nobody: %s\n", e);
			_exit(4);
		}
		json_decref(j);
		state_close(sdb);
		_exit(0);
	}
	waitpid(pid, &status, 0);
	chmod(dir, 0700);
	is_int(WIFEXITED(status) ? WEXITSTATUS(status) : -1, 0,
	    "another user with read access only reads the status");
}

/*
 * Issue 11: no file of the state is opened through a symbolic link (one
 * planted there would make us write where it points), none is a FIFO, and
 * a directory others may write is refused.
 */
static void
test_links_and_dirs(void)
{
	char		 sub[300], path[400], target[400], aux[420];
	struct state_db	*sdb = NULL;
	struct stat	 st;
	int		 fd = -5;

	pathof(sub, sizeof(sub), "hostile");
	ok(mkdir(sub, 0700) == 0, "a directory of its own");
	snprintf(path, sizeof(path), "%s/state.db", sub);
	snprintf(target, sizeof(target), "%s/elsewhere", sub);
	ok(symlink(target, path) == 0, "state.db is a link");
	is_int(state_open(path, false, &sdb, EB, sizeof(errbuf)), -1,
	    "opening a linked database fails");
	ok(contains(errbuf, path) && contains(errbuf, "symbolic link"),
	    "and says why: %s", errbuf);
	ok(lstat(target, &st) == -1, "nothing created where it points");
	is_int(state_open(path, true, &sdb, EB, sizeof(errbuf)), -1,
	    "a reader refuses it too");
	ok(contains(errbuf, "symbolic link"), "%s", errbuf);
	unlink(path);

	snprintf(aux, sizeof(aux), "%s.lock", path);
	ok(symlink(target, aux) == 0, "state.db.lock is a link");
	is_int(state_lock_acquire(path, &fd, EB, sizeof(errbuf)), -1,
	    "the lock is refused");
	is_int(fd, -1, "no lock fd");
	ok(contains(errbuf, aux) && contains(errbuf, "symbolic link"),
	    "naming the lock file: %s", errbuf);
	ok(lstat(target, &st) == -1, "nothing created where it points");
	unlink(aux);

	snprintf(aux, sizeof(aux), "%s-wal", path);
	ok(symlink(target, aux) == 0, "state.db-wal is a link");
	is_int(state_open(path, false, &sdb, EB, sizeof(errbuf)), -1,
	    "the database is refused");
	ok(contains(errbuf, aux) && contains(errbuf, "symbolic link"),
	    "naming the -wal file: %s", errbuf);
	ok(lstat(target, &st) == -1, "nothing created where it points");
	unlink(aux);
	unlink(path);

	ok(mkfifo(path, 0600) == 0, "state.db is a FIFO");
	is_int(state_open(path, true, &sdb, EB, sizeof(errbuf)), -1,
	    "refused without blocking");
	ok(contains(errbuf, "not a regular file"), "%s", errbuf);
	unlink(path);

	ok(chmod(sub, 0777) == 0, "the directory is writable by others");
	is_int(state_open(path, false, &sdb, EB, sizeof(errbuf)), -1,
	    "the state is refused");
	ok(contains(errbuf, sub) && contains(errbuf, "writable by others") &&
	    contains(errbuf, "chmod o-w"), "naming the directory: %s", errbuf);
	is_int(state_lock_acquire(path, &fd, EB, sizeof(errbuf)), -1,
	    "and so is the lock");
	ok(access(path, F_OK) == -1, "nothing created");
	ok(chmod(sub, 01777) == 0 && chown(sub, 0, 0) == 0,
	    "a root-owned sticky directory (like /tmp)");
	if (geteuid() == 0) {
		is_zero(state_open(path, false, &sdb, EB, sizeof(errbuf)),
		    "is accepted");
		state_close(sdb);
		sdb = NULL;
	} else
		printf("ok %d # skip not root: the directory is not root's\n",
		    ++tap_n);
	chmod(sub, 0700);
}

/* A spare's latest probe: written by vote-server, read by its status. */
static void
test_spare_probe(void)
{
	char				 path[300];
	struct state_db			*sdb, *ro;
	struct vote_probe_report	 rep;
	json_t				*j;

	pathof(path, sizeof(path), "spare.db");
	is_zero(state_open(path, false, &sdb, EB, sizeof(errbuf)),
	    "spare probe: open");
	j = state_spare_probe_json(sdb, EB, sizeof(errbuf));
	ok(json_is_null(j), "spare probe: null before the first");
	json_decref(j);

	memset(&rep, 0, sizeof(rep));
	rep.verdict = VOTE_VERDICT_DOWN;
	rep.checked_at = 1700000000;
	rep.finished_at = 1700000005;
	rep.duration_ms = 5003;
	rep.max_age = 12;
	rep.probes = 1;
	snprintf(rep.detail, sizeof(rep.detail), "check web: timeout");
	is_zero(state_spare_probe_write(sdb, &rep, EB, sizeof(errbuf)),
	    "spare probe: written");
	rep.verdict = VOTE_VERDICT_UP;
	rep.checked_at = 1700000005;
	rep.probes = 2;
	rep.detail[0] = '\0';
	is_zero(state_spare_probe_write(sdb, &rep, EB, sizeof(errbuf)),
	    "spare probe: the next one replaces it");

	is_zero(state_open(path, true, &ro, EB, sizeof(errbuf)),
	    "spare probe: open read-only");
	j = state_spare_probe_json(ro, EB, sizeof(errbuf));
	ok(json_is_object(j), "spare probe: an object");
	is_str(json_string_value(json_object_get(j, "verdict")), "up",
	    "spare probe: the latest verdict");
	is_int(json_integer_value(json_object_get(j, "checked_at")),
	    1700000005, "spare probe: checked_at");
	is_int(json_integer_value(json_object_get(j, "probes")), 2,
	    "spare probe: probes");
	is_int(json_integer_value(json_object_get(j, "max_age")), 12,
	    "spare probe: max_age");
	ok(json_is_null(json_object_get(j, "detail")),
	    "spare probe: no detail is null");
	json_decref(j);
	is_int(state_spare_probe_write(ro, &rep, EB, sizeof(errbuf)), -1,
	    "spare probe: a read-only handle refuses to write");
	state_close(ro);
	state_close(sdb);
}

int
main(void)
{
	const char	*tmp = getenv("TMPDIR");

	snprintf(dir, sizeof(dir), "%s/test_state.XXXXXX",
	    tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL) {
		printf("Bail out! mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	test_migrations();
	test_open_errors();
	test_modes();
	test_load_and_record();
	test_votes();
	test_spare_probe();
	test_migration_from_v1();
	test_query_plans();
	test_dns_health();
	test_lock();
	test_crash_mid_transaction();
	test_crash_while_recording();
	test_reader_other_user();
	test_links_and_dirs();
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return tap_done();
}
