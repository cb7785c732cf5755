/*
 * schema.c: the state database schema and its forward migrations.
 *
 * PRAGMA user_version is the number of steps of state_migrations[] applied.
 * A step is never edited once released: a change to the schema is a new
 * step appended at the end.  Each step runs in its own transaction together
 * with the user_version bump, so a run killed half-way through a migration
 * leaves the previous version intact and the next run starts the step again.
 *
 * Enumerations are stored as their strings (site_state_str() and friends),
 * never as integers, so the file stays readable with the sqlite3 shell and
 * an enum reordered in C cannot change what old rows mean.  Times are UNIX
 * seconds, durations milliseconds.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "state/state_int.h"

static const char *const state_migrations[] = {
	/* 1: the first schema. */
	"CREATE TABLE agent_state ("
	"  id             INTEGER PRIMARY KEY CHECK (id = 1),"
	"  state          TEXT    NOT NULL,"
	"  state_since    INTEGER NOT NULL,"
	"  primary_status TEXT    NOT NULL,"
	"  fail_streak    INTEGER NOT NULL CHECK (fail_streak >= 0),"
	"  ok_streak      INTEGER NOT NULL CHECK (ok_streak >= 0),"
	"  recovering     INTEGER NOT NULL CHECK (recovering IN (0, 1)),"
	"  last_action_at INTEGER NOT NULL,"
	"  updated_at     INTEGER NOT NULL"
	");"
	/* AUTOINCREMENT: ids stay increasing even if old cycles are pruned. */
	"CREATE TABLE cycles ("
	"  id             INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  kind           TEXT    NOT NULL,"
	"  started_at     INTEGER NOT NULL,"
	"  duration_ms    INTEGER NOT NULL,"
	"  outcome        TEXT    NOT NULL,"
	"  primary_status TEXT    NOT NULL,"
	"  state_before   TEXT    NOT NULL,"
	"  state_after    TEXT    NOT NULL,"
	"  message        TEXT,"
	"  exit_code      INTEGER NOT NULL"
	");"
	/* Rows of one cycle are read back in rowid (insertion = config) order. */
	"CREATE TABLE check_results ("
	"  cycle_id       INTEGER NOT NULL REFERENCES cycles(id) ON DELETE CASCADE,"
	"  name           TEXT    NOT NULL,"
	"  type           TEXT    NOT NULL,"
	"  outcome        TEXT    NOT NULL,"
	"  detail         TEXT,"
	"  elapsed_ms     INTEGER NOT NULL"
	");"
	"CREATE INDEX check_results_cycle ON check_results(cycle_id);"
	"CREATE TABLE transitions ("
	"  id             INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  cycle_id       INTEGER NOT NULL REFERENCES cycles(id) ON DELETE CASCADE,"
	"  at             INTEGER NOT NULL,"
	"  from_state     TEXT    NOT NULL,"
	"  to_state       TEXT    NOT NULL,"
	"  reason         TEXT"
	");"
	/* "last N transitions": ORDER BY at DESC, id DESC walks this backwards. */
	"CREATE INDEX transitions_at ON transitions(at);"
	"CREATE INDEX transitions_cycle ON transitions(cycle_id);"
	"CREATE TABLE actions ("
	"  id             INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  cycle_id       INTEGER NOT NULL REFERENCES cycles(id) ON DELETE CASCADE,"
	"  at             INTEGER NOT NULL,"
	"  kind           TEXT    NOT NULL,"
	"  target         TEXT,"
	"  result         TEXT    NOT NULL,"
	"  detail         TEXT"
	");"
	"CREATE INDEX actions_cycle ON actions(cycle_id);"
	/* What each managed record held when DNS was last read (upserted). */
	"CREATE TABLE records_seen ("
	"  zone           TEXT    NOT NULL,"
	"  owner          TEXT    NOT NULL,"
	"  addrs          TEXT,"
	"  holds          TEXT,"
	"  seen_at        INTEGER NOT NULL,"
	"  PRIMARY KEY (zone, owner)"
	");",

	/*
	 * 2: the spares' votes (issue 3).  One row per spare asked, valid or
	 * not: an abstention and its reason are what a person needs after an
	 * ISOLATED cycle.  voter, verdict and checked_at are NULL for an
	 * abstention.  cycles.quorum is the tally (quorum_result_str());
	 * NULL for cycles recorded before this step.
	 */
	"CREATE TABLE votes ("
	"  id             INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  cycle_id       INTEGER NOT NULL REFERENCES cycles(id) ON DELETE CASCADE,"
	"  spare          TEXT    NOT NULL,"
	"  url            TEXT    NOT NULL,"
	"  voter          TEXT,"
	"  verdict        TEXT,"
	"  checked_at     INTEGER,"
	"  valid          INTEGER NOT NULL CHECK (valid IN (0, 1)),"
	"  reason         TEXT    NOT NULL,"
	"  detail         TEXT,"
	"  elapsed_ms     INTEGER NOT NULL"
	");"
	/* Also "the latest cycle that asked": max(cycle_id) from the index. */
	"CREATE INDEX votes_cycle ON votes(cycle_id);"
	"ALTER TABLE cycles ADD COLUMN quorum TEXT;",
	/*
	 * 3: the last action of a kind (the last "canary", for "at most
	 * once per [dns] canary"; the last DNS move and its "dns verify"
	 * rows, for status) from an index, not a scan of the whole history.
	 */
	"CREATE INDEX actions_kind ON actions(kind, id);",
	/*
	 * 4: operations (issue 6).
	 * - [agent] history_keep prunes old cycles with their checks,
	 *   votes and actions, never the transitions: their cycle_id
	 *   becomes NULL (ON DELETE SET NULL).  SQLite cannot change a
	 *   column's constraint in place, so the table is rebuilt, ids
	 *   kept (the documented ALTER TABLE procedure; nothing refers to
	 *   transitions, so foreign_keys may stay on).
	 * - cycles by time (history --since, pruning) and by outcome
	 *   (history --outcome) from an index, not a scan of a year of
	 *   cycles.
	 * - notify_pending: the JSON of each transition for [hooks]
	 *   notify, written in the cycle's transaction and deleted once
	 *   delivered; a failed POST stays for the next cycle.  No foreign
	 *   key: the body is self-contained.
	 */
	"CREATE TABLE transitions_new ("
	"  id             INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  cycle_id       INTEGER REFERENCES cycles(id) ON DELETE SET NULL,"
	"  at             INTEGER NOT NULL,"
	"  from_state     TEXT    NOT NULL,"
	"  to_state       TEXT    NOT NULL,"
	"  reason         TEXT"
	");"
	"INSERT INTO transitions_new (id, cycle_id, at, from_state, to_state,"
	"  reason) SELECT id, cycle_id, at, from_state, to_state, reason"
	"  FROM transitions;"
	"DROP TABLE transitions;"
	"ALTER TABLE transitions_new RENAME TO transitions;"
	"CREATE INDEX transitions_at ON transitions(at);"
	"CREATE INDEX transitions_cycle ON transitions(cycle_id);"
	"CREATE INDEX cycles_started ON cycles(started_at);"
	"CREATE INDEX cycles_outcome ON cycles(outcome);"
	"CREATE TABLE notify_pending ("
	"  id             INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  transition_id  INTEGER,"
	"  created_at     INTEGER NOT NULL,"
	"  body           TEXT    NOT NULL,"
	"  attempts       INTEGER NOT NULL DEFAULT 0,"
	"  last_attempt_at INTEGER,"
	"  last_error     TEXT"
	");",
	/*
	 * 5: moves that survive interruption, drift, conditions (issues
	 * 10, 16).
	 * - intents: committed in their own transaction before the first
	 *   action that changes anything outside the agent (a hook, MySQL,
	 *   DNS); closed (closed_at set) by the cycle's final transaction,
	 *   or by a later cycle that found it open and read DNS.  hold_down
	 *   counts from opened_at, measured on CLOCK_BOOTTIME when the
	 *   boot is the same (boot_id), so a wall-clock step cannot
	 *   shorten it.
	 * - agent_state keeps the boot and boottime of the last move for
	 *   the same reason.
	 * - zone_serials: the SOA serial each zone was last seen with; a
	 *   serial that moved makes the cycle read the records again.
	 * - conditions: what needs a person (a refused key, a conflict,
	 *   FAILED, ...), since when: written to stderr when one starts
	 *   and when it clears, never once per cycle.
	 * - spare_probe: a spare's latest finished probe of the primary
	 *   (one row), for its own `status`.
	 */
	"CREATE TABLE intents ("
	"  id             INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  opened_at      INTEGER NOT NULL,"
	"  boot_id        TEXT,"
	"  boottime_ms    INTEGER,"
	"  cycle_id       INTEGER,"
	"  kind           TEXT    NOT NULL,"
	"  direction      TEXT    NOT NULL,"
	"  records        TEXT    NOT NULL,"
	"  reason         TEXT,"
	"  closed_at      INTEGER,"
	"  closed_cycle_id INTEGER,"
	"  closed_how     TEXT"
	");"
	"CREATE INDEX intents_open ON intents(closed_at);"
	"ALTER TABLE agent_state ADD COLUMN last_action_boot_id TEXT;"
	"ALTER TABLE agent_state ADD COLUMN last_action_boottime_ms INTEGER;"
	"CREATE TABLE zone_serials ("
	"  zone           TEXT    PRIMARY KEY,"
	"  serial         INTEGER NOT NULL,"
	"  seen_at        INTEGER NOT NULL"
	");"
	"CREATE TABLE conditions ("
	"  name           TEXT    PRIMARY KEY,"
	"  since          INTEGER NOT NULL,"
	"  detail         TEXT"
	");"
	"CREATE TABLE spare_probe ("
	"  id             INTEGER PRIMARY KEY CHECK (id = 1),"
	"  verdict        TEXT    NOT NULL,"
	"  checked_at     INTEGER NOT NULL,"
	"  finished_at    INTEGER NOT NULL,"
	"  duration_ms    INTEGER NOT NULL,"
	"  max_age        INTEGER NOT NULL,"
	"  probes         INTEGER NOT NULL DEFAULT 0,"
	"  detail         TEXT"
	");",
};

int
state_schema_latest(void)
{
	return (int)(sizeof(state_migrations) / sizeof(state_migrations[0]));
}

const char *const *
state_schema_steps(void)
{
	return state_migrations;
}

void
state_seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list	 ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

int
state_exec(sqlite3 *db, const char *path, const char *sql, const char *what,
    char *err, size_t errlen)
{
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK) {
		state_seterr(err, errlen, "state database %s: %s: %s", path,
		    what, sqlite3_errmsg(db));
		return -1;
	}
	return 0;
}

int
state_query_int(sqlite3 *db, const char *path, const char *sql,
    long long *out, char *err, size_t errlen)
{
	sqlite3_stmt	*st = NULL;
	int		 rc = -1, src;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		goto fail;
	src = sqlite3_step(st);
	if (src != SQLITE_ROW)
		goto fail;
	*out = sqlite3_column_int64(st, 0);
	rc = 0;
	goto done;
fail:
	state_seterr(err, errlen, "state database %s: %s: %s", path, sql,
	    sqlite3_errmsg(db));
done:
	sqlite3_finalize(st);
	return rc;
}

/*
 * A database at version 0 must be empty, and one past it must carry our
 * application_id: pointing state_db at another program's SQLite file must
 * not add our tables to it.
 */
static int
schema_check_owner(sqlite3 *db, const char *path, long long version,
    char *err, size_t errlen)
{
	long long	 n;

	if (version == 0) {
		if (state_query_int(db, path,
		    "SELECT count(*) FROM sqlite_master", &n, err, errlen) == -1)
			return -1;
		if (n != 0) {
			state_seterr(err, errlen, "%s is an SQLite database but "
			    "not a failover-agent state database (it already "
			    "holds %lld objects): point [agent] state_db at "
			    "another file", path, n);
			return -1;
		}
		return 0;
	}
	if (state_query_int(db, path, "PRAGMA application_id", &n, err,
	    errlen) == -1)
		return -1;
	if (n != STATE_APPLICATION_ID) {
		state_seterr(err, errlen, "%s is not a failover-agent state "
		    "database (application_id %lld): point [agent] state_db "
		    "at another file", path, n);
		return -1;
	}
	return 0;
}

static void
schema_newer_err(const char *path, long long version, int latest, char *err,
    size_t errlen)
{
	state_seterr(err, errlen, "state database %s has schema version %lld, "
	    "newer than this failover-agent knows (%d): it was written by a "
	    "newer release; run that release, or point [agent] state_db at "
	    "another file", path, version, latest);
}

int
state_schema_apply(sqlite3 *db, const char *path, const char *const *steps,
    int nsteps, int *applied, char *err, size_t errlen)
{
	long long	 version;
	char		 sql[128], what[64];
	int		 in_txn = 0, rc = -1;

	*applied = 0;
	if (state_query_int(db, path, "PRAGMA user_version", &version, err,
	    errlen) == -1)
		return -1;
	if (version > nsteps) {
		schema_newer_err(path, version, nsteps, err, errlen);
		return -1;
	}
	while (version < nsteps) {
		/*
		 * IMMEDIATE: take the write lock first, then read the
		 * version again, in case another process migrated meanwhile.
		 */
		if (state_exec(db, path, "BEGIN IMMEDIATE", "migration",
		    err, errlen) == -1)
			goto done;
		in_txn = 1;
		if (state_query_int(db, path, "PRAGMA user_version", &version,
		    err, errlen) == -1)
			goto done;
		if (version > nsteps) {
			schema_newer_err(path, version, nsteps, err, errlen);
			goto done;
		}
		if (version == nsteps)
			break;
		if (schema_check_owner(db, path, version, err, errlen) == -1)
			goto done;
		snprintf(what, sizeof(what), "migration to schema version %lld",
		    version + 1);
		if (state_exec(db, path, steps[version], what, err,
		    errlen) == -1)
			goto done;
		if (version == 0) {
			snprintf(sql, sizeof(sql), "PRAGMA application_id = %d",
			    STATE_APPLICATION_ID);
			if (state_exec(db, path, sql, what, err, errlen) == -1)
				goto done;
		}
		/* PRAGMA takes no bound parameters. */
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %lld",
		    version + 1);
		if (state_exec(db, path, sql, what, err, errlen) == -1 ||
		    state_exec(db, path, "COMMIT", what, err, errlen) == -1)
			goto done;
		in_txn = 0;
		version++;
		(*applied)++;
	}
	rc = 0;
done:
	if (in_txn && !sqlite3_get_autocommit(db))
		(void)sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

int
state_schema_open(sqlite3 *db, const char *path, bool read_only, char *err,
    size_t errlen)
{
	long long	 version;
	int		 latest = state_schema_latest(), applied;

	if (state_query_int(db, path, "PRAGMA user_version", &version, err,
	    errlen) == -1)
		return -1;
	if (version > latest) {
		schema_newer_err(path, version, latest, err, errlen);
		return -1;
	}
	if (schema_check_owner(db, path, version, err, errlen) == -1)
		return -1;
	if (!read_only)
		return state_schema_apply(db, path, state_migrations, latest,
		    &applied, err, errlen);
	if (version == 0) {
		state_seterr(err, errlen, "no state yet at %s: run "
		    "`failover-agent check` first", path);
		return -1;
	}
	if (version < latest) {
		state_seterr(err, errlen, "state database %s has schema "
		    "version %lld, older than this failover-agent's (%d): run "
		    "`failover-agent check` once to upgrade it", path, version,
		    latest);
		return -1;
	}
	return 0;
}
