/*
 * test_history.c: history at scale (issue 6).
 *
 * - Schema step 4 on a database of version 3: transitions keep their ids
 *   and cycles, and a deleted cycle now leaves its transitions with a NULL
 *   cycle_id instead of taking them along.
 * - The [hooks] notify queue: queued with the cycle's transitions in its
 *   transaction, read oldest first, delivered, failed, trimmed; status
 *   shows it.
 * - A year of one-minute cycles (525,600 of them, each with its check
 *   result; some failovers with votes, actions and transitions), inserted
 *   in one transaction with prepared statements.  Every statement that
 *   status, history (with and without --since and --outcome) and pruning
 *   run is captured as it runs (sqlite3_trace_v2): its EXPLAIN QUERY PLAN
 *   must not scan a table without an index, and the work it did (virtual
 *   machine steps, counted by SQLite) must stay far below what a scan of
 *   the year would take.  No timing is asserted; the times are printed.
 * - Pruning deletes exactly the cycles older than the bound, with their
 *   checks, votes and actions, and keeps every transition.
 */
#include <sys/stat.h>

#include <ftw.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "agent/check/check_impl.h"
#include "t/unit/tap.h"
#include "agent/lib/util.h"
#include "state/state.h"
#include "state/state_int.h"

#define YEAR_CYCLES	525600		/* 365 days of one-minute cycles */
#define T0		1700000040	/* the first cycle's started_at */
#define NMOVES		24		/* failovers + failbacks in the year */
/* A scan of the year is millions of steps; an indexed query, thousands. */
#define STEPS_MAX	200000

static char	 dir[256];
static char	 errbuf[512];

#define EB	(errbuf[0] = '\0', errbuf)
#define is_zero(call, ...) do {						\
	errbuf[0] = '\0';						\
	if (!ok((call) == 0, __VA_ARGS__))				\
		printf("#   error: %s\n", errbuf);			\
} while (0)


static int
rm_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb; (void)flag; (void)ftw;
	return remove(p);
}

static long long
q_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt	*st = NULL;
	long long	 v = -1;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	else
		printf("# %s: %s\n", sql, sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return v;
}

static bool
integrity_ok(sqlite3 *db)
{
	sqlite3_stmt	*st = NULL;
	bool		 good = false;

	if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st,
	    NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		good = strcmp((const char *)sqlite3_column_text(st, 0),
		    "ok") == 0;
	sqlite3_finalize(st);
	return good;
}

static int
x(sqlite3 *db, const char *sql)
{
	char	*msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		printf("# %s: %s\n", sql, msg ? msg : "?");
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Statements as they run */

struct traced {
	char		*sql;
	long long	 steps;		/* the most VM steps of one run */
	long long	 fullscan;	/* the most full-scan steps of one run */
};

static struct traced	traced[64];
static size_t		ntraced;

static int
trace_cb(unsigned type, void *ctx, void *p, void *xarg)
{
	sqlite3_stmt	*st = p;
	const char	*sql = sqlite3_sql(st);
	long long	 steps, full;
	size_t		 i;

	(void)ctx;
	(void)xarg;
	if (type != SQLITE_TRACE_PROFILE || sql == NULL)
		return 0;
	/* Reset: one run's count, even for a statement run per cycle. */
	steps = sqlite3_stmt_status(st, SQLITE_STMTSTATUS_VM_STEP, 1);
	full = sqlite3_stmt_status(st, SQLITE_STMTSTATUS_FULLSCAN_STEP, 1);
	for (i = 0; i < ntraced; i++)
		if (strcmp(traced[i].sql, sql) == 0)
			break;
	if (i == ntraced) {
		if (ntraced == sizeof(traced) / sizeof(traced[0]))
			return 0;
		traced[ntraced++].sql = strdup(sql);
	}
	if (steps > traced[i].steps)
		traced[i].steps = steps;
	if (full > traced[i].fullscan)
		traced[i].fullscan = full;
	return 0;
}

static void
trace_reset(void)
{
	size_t	i;

	for (i = 0; i < ntraced; i++)
		free(traced[i].sql);
	ntraced = 0;
}

/* The plan of sql, one line per row, "|"-separated. */
static void
plan_of(sqlite3 *db, const char *sql, char *out, size_t outlen)
{
	sqlite3_stmt	*st = NULL;
	char		*q;
	size_t		 used = 0;

	out[0] = '\0';
	if ((q = sqlite3_mprintf("EXPLAIN QUERY PLAN %s", sql)) == NULL)
		return;
	if (sqlite3_prepare_v2(db, q, -1, &st, NULL) != SQLITE_OK) {
		snprintf(out, outlen, "(cannot explain: %s)",
		    sqlite3_errmsg(db));
		sqlite3_free(q);
		return;
	}
	while (sqlite3_step(st) == SQLITE_ROW && used < outlen)
		used += (size_t)snprintf(out + used, outlen - used, "%s%s",
		    used ? " | " : "", sqlite3_column_text(st, 3));
	sqlite3_finalize(st);
	sqlite3_free(q);
}

/*
 * A plan step that reads a whole table without an index: "SCAN t" alone
 * (an index scan reads "SCAN t USING [COVERING] INDEX i" and stops at its
 * LIMIT).  The small tables (agent_state: one row; records_seen: one per
 * managed record; notify_pending: at most a hundred) may be scanned.
 */
static int
plan_scans_big_table(const char *plan)
{
	static const char *const big[] = { "cycles", "check_results",
	    "actions", "votes", "transitions" };
	char		 pat[64];
	const char	*p;
	size_t		 i, n;

	for (i = 0; i < sizeof(big) / sizeof(big[0]); i++) {
		n = (size_t)snprintf(pat, sizeof(pat), "SCAN %s", big[i]);
		for (p = strstr(plan, pat); p != NULL; p = strstr(p + 1, pat))
			if (p[n] != ' ' || strncmp(p + n, " USING", 6) != 0)
				return 1;
	}
	return 0;
}

/* Every statement captured since trace_reset(): indexed, and bounded work. */
static void
trace_judge(sqlite3 *db, const char *what)
{
	char	 plan[2048];
	size_t	 i;
	int	 bad_plan = 0, bad_steps = 0;

	/* Our own EXPLAINs are not what is judged. */
	sqlite3_trace_v2(db, 0, NULL, NULL);
	for (i = 0; i < ntraced; i++) {
		plan_of(db, traced[i].sql, plan, sizeof(plan));
		if (plan_scans_big_table(plan) || traced[i].fullscan > 1000) {
			bad_plan++;
			printf("# %s: a scan: %s\n#   plan: %s\n#   full-scan "
			    "steps %lld\n", what, traced[i].sql, plan,
			    traced[i].fullscan);
		}
		if (traced[i].steps > STEPS_MAX) {
			bad_steps++;
			printf("# %s: %lld VM steps: %s\n#   plan: %s\n", what,
			    traced[i].steps, traced[i].sql, plan);
		}
	}
	ok(ntraced > 0, "%s: %zu statements captured", what, ntraced);
	is_int(bad_plan, 0, "%s: no statement scans a big table", what);
	is_int(bad_steps, 0, "%s: each statement under %d VM steps", what,
	    STEPS_MAX);
	trace_reset();
	sqlite3_trace_v2(db, SQLITE_TRACE_PROFILE, trace_cb, NULL);
}

static double
ms_since(const struct timespec *t0)
{
	struct timespec	t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) * 1e3 +
	    (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

/* ------------------------------------------------------------------------ */

static void
test_migration_from_3(void)
{
	char		 path[300];
	sqlite3		*db = NULL;
	struct state_db	*sdb = NULL;
	int		 applied = 0;

	snprintf(path, sizeof(path), "%s/v3.db", dir);
	if (sqlite3_open(path, &db) != SQLITE_OK) {
		ok(0, "open %s", path);
		return;
	}
	is_zero(state_schema_apply(db, path, state_schema_steps(), 3,
	    &applied, EB, sizeof(errbuf)), "a version-3 database");
	x(db, "INSERT INTO cycles (id, kind, started_at, duration_ms, outcome,"
	    " primary_status, state_before, state_after, exit_code) VALUES "
	    "(7, 'check', 100, 5, 'FAILOVER', 'FAIL', 'STANDBY', 'ACTIVE', 1)");
	x(db, "INSERT INTO transitions (id, cycle_id, at, from_state, to_state,"
	    " reason) VALUES (41, 7, 101, 'STANDBY', 'ACTIVE', 'primary at "
	    "FAIL')");
	sqlite3_close(db);
	db = NULL;

	is_zero(state_open(path, false, &sdb, EB, sizeof(errbuf)),
	    "opening it migrates it");
	if (sdb == NULL)
		return;
	is_int(q_int(sdb->db, "PRAGMA user_version"), state_schema_latest(),
	    "at the latest version");
	is_int(q_int(sdb->db, "SELECT count(*) FROM transitions WHERE id = 41 "
	    "AND cycle_id = 7 AND reason = 'primary at FAIL'"), 1,
	    "the transition kept its id, cycle and reason");
	x(sdb->db, "DELETE FROM cycles WHERE id = 7");
	is_int(q_int(sdb->db, "SELECT count(*) FROM transitions WHERE id = 41 "
	    "AND cycle_id IS NULL"), 1,
	    "deleting its cycle leaves the transition, cycle_id NULL");
	is_int(q_int(sdb->db, "SELECT count(*) FROM pragma_foreign_key_check"),
	    0, "foreign_key_check: nothing dangling");
	is_int(q_int(sdb->db, "SELECT count(*) FROM sqlite_master WHERE name "
	    "IN ('transitions_at', 'transitions_cycle', 'cycles_started', "
	    "'cycles_outcome', 'notify_pending')"), 5,
	    "indexes rebuilt and added, notify_pending made");
	x(sdb->db, "INSERT INTO transitions (cycle_id, at, from_state, "
	    "to_state) VALUES (NULL, 200, 'ACTIVE', 'STANDBY')");
	is_int(q_int(sdb->db, "SELECT max(id) FROM transitions"), 42,
	    "new transitions keep counting after the old ids");
	state_close(sdb);
}

/* Queue, read, fail, deliver, trim; status shows what is pending. */
static void
test_notify_queue(void)
{
	char			 path[300];
	struct state_db		*sdb = NULL;
	struct cycle_record	 c;
	struct check_record	 cr;
	struct decide_state	 ns;
	struct transition_record tr[2];
	const char		*bodies[2] = { "{\"n\":1}", "{\"n\":2}" };
	struct notify_item	*items = NULL;
	size_t			 n = 0;
	int64_t			 next = 0;
	int			 i, dropped = -1;
	json_t			*st;

	snprintf(path, sizeof(path), "%s/notify.db", dir);
	is_zero(state_open(path, false, &sdb, EB, sizeof(errbuf)), "open");
	if (sdb == NULL)
		return;
	is_zero(state_next_cycle_id(sdb, &next, EB, sizeof(errbuf)),
	    "next cycle id of an empty database");
	is_int(next, 1, "is 1");

	memset(&c, 0, sizeof(c));
	memset(&cr, 0, sizeof(cr));
	memset(&ns, 0, sizeof(ns));
	cr.name = "web";
	cr.type = "http";
	cr.detail = "";
	c.kind = "check";
	c.started_at = 1000;
	c.outcome = OUTCOME_FAILOVER;
	c.status = PRIMARY_FAIL;
	c.state_before = SITE_UNKNOWN;
	c.state_after = SITE_ACTIVE;
	c.nchecks = 1;
	c.checks = &cr;
	tr[0] = (struct transition_record){ 1000, SITE_UNKNOWN, SITE_STANDBY,
	    "reconciled" };
	tr[1] = (struct transition_record){ 1001, SITE_STANDBY, SITE_ACTIVE,
	    "primary at FAIL" };
	c.ntransitions = 2;
	c.transitions = tr;
	c.notify_bodies = bodies;
	ns.state = SITE_ACTIVE;
	ns.status = PRIMARY_FAIL;
	is_zero(state_record_cycle(sdb, &c, &ns, EB, sizeof(errbuf)),
	    "a cycle with two transitions, both to notify");
	is_zero(state_next_cycle_id(sdb, &next, EB, sizeof(errbuf)),
	    "next cycle id");
	is_int(next, 2, "is 2 after one cycle");

	is_zero(state_notify_pending(sdb, 10, &items, &n, EB, sizeof(errbuf)),
	    "read the queue");
	is_int(n, 2, "two queued");
	if (n == 2) {
		is_str(items[0].body, "{\"n\":1}", "oldest first");
		is_str(items[1].body, "{\"n\":2}", "then the next");
		is_int(items[0].created_at, 1000, "queued at the transition");
		is_zero(state_notify_failed(sdb, items[0].id, 1005,
		    "HTTP 500", EB, sizeof(errbuf)), "first failed");
		st = state_status_json(sdb, 5, EB, sizeof(errbuf));
		ok(st != NULL, "status");
		is_int(json_integer_value(json_object_get(json_object_get(st,
		    "notify"), "pending")), 2, "status: notify pending 2");
		is_str(json_string_value(json_object_get(json_object_get(st,
		    "notify"), "last_error")), "HTTP 500",
		    "status: the last error");
		is_int(json_integer_value(json_object_get(json_object_get(st,
		    "notify"), "attempts")), 1, "status: attempts of the "
		    "oldest");
		json_decref(st);
		is_zero(state_notify_done(sdb, items[0].id, EB,
		    sizeof(errbuf)), "first delivered");
	}
	state_notify_free(items, n);
	items = NULL;
	is_zero(state_notify_pending(sdb, 10, &items, &n, EB, sizeof(errbuf)),
	    "read the queue again");
	is_int(n, 1, "one left");
	if (n == 1)
		is_str(items[0].body, "{\"n\":2}", "the second");
	state_notify_free(items, n);

	/* No notify body: nothing queued. */
	c.started_at = 2000;
	c.notify_bodies = NULL;
	is_zero(state_record_cycle(sdb, &c, &ns, EB, sizeof(errbuf)),
	    "a cycle with transitions, notify off");
	is_int(q_int(sdb->db, "SELECT count(*) FROM notify_pending"), 1,
	    "nothing queued");

	for (i = 0; i < 150; i++)
		x(sdb->db, "INSERT INTO notify_pending (created_at, body) "
		    "VALUES (3000, '{}')");
	is_zero(state_notify_trim(sdb, 100, &dropped, EB, sizeof(errbuf)),
	    "trim to 100");
	is_int(dropped, 51, "the 51 oldest dropped");
	is_int(q_int(sdb->db, "SELECT count(*) FROM notify_pending"), 100,
	    "100 kept");
	is_int(q_int(sdb->db, "SELECT count(*) FROM notify_pending WHERE "
	    "body = '{\"n\":2}'"), 0, "the oldest went first");
	state_close(sdb);
}

/*
 * A year: cycle i starts at T0 + 60 i.  NMOVES of them, evenly spread, are
 * FAILOVER / FAILBACK in turn, each with a transition, an action and two
 * votes; every other cycle is a NOOP.  Returns 0 or -1.
 */
static int
year_insert(sqlite3 *db)
{
	sqlite3_stmt	*cy = NULL, *ck = NULL, *ac = NULL, *vo = NULL,
			*tr = NULL;
	sqlite3_int64	 id;
	int		 i, rc = -1, move;

	if (x(db, "BEGIN") == -1)
		return -1;
	if (sqlite3_prepare_v2(db, "INSERT INTO cycles (kind, started_at, "
	    "duration_ms, outcome, primary_status, state_before, state_after,"
	    " message, exit_code, quorum) VALUES ('check', ?1, 12, ?2, ?3, "
	    "?4, ?5, ?6, 0, ?7)", -1, &cy, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "INSERT INTO check_results (cycle_id, name,"
	    " type, outcome, detail, elapsed_ms) VALUES (?1, 'web', 'http', "
	    "'ok', 'HTTP 200', 3)", -1, &ck, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "INSERT INTO actions (cycle_id, at, kind, "
	    "target, result, detail) VALUES (?1, ?2, ?3, 'example.com.', 'ok',"
	    " 'took the update')", -1, &ac, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "INSERT INTO votes (cycle_id, spare, url, "
	    "voter, verdict, checked_at, valid, reason, elapsed_ms) VALUES "
	    "(?1, ?2, 'http://127.0.0.1:8053', ?2, 'down', ?3, 1, 'valid', 4)",
	    -1, &vo, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "INSERT INTO transitions (cycle_id, at, "
	    "from_state, to_state, reason) VALUES (?1, ?2, ?3, ?4, 'moved')",
	    -1, &tr, NULL) != SQLITE_OK) {
		printf("# prepare: %s\n", sqlite3_errmsg(db));
		goto done;
	}
	for (i = 0; i < YEAR_CYCLES; i++) {
		int64_t	t = T0 + (int64_t)i * 60;

		move = (i + 1) % (YEAR_CYCLES / NMOVES) == 0 ?
		    ((i + 1) / (YEAR_CYCLES / NMOVES)) % 2 : -1;
		sqlite3_bind_int64(cy, 1, t);
		sqlite3_bind_text(cy, 2, move == 1 ? "FAILOVER" : move == 0 ?
		    "FAILBACK" : "NOOP", -1, SQLITE_STATIC);
		sqlite3_bind_text(cy, 3, move == 1 ? "FAIL" : "OK", -1,
		    SQLITE_STATIC);
		sqlite3_bind_text(cy, 4, move == 0 ? "ACTIVE" : "STANDBY", -1,
		    SQLITE_STATIC);
		sqlite3_bind_text(cy, 5, move == 1 ? "ACTIVE" : "STANDBY", -1,
		    SQLITE_STATIC);
		sqlite3_bind_text(cy, 6, "primary OK", -1, SQLITE_STATIC);
		sqlite3_bind_text(cy, 7, move == 1 ? "confirmed" :
		    "not-asked", -1, SQLITE_STATIC);
		if (sqlite3_step(cy) != SQLITE_DONE)
			goto sqlerr;
		sqlite3_reset(cy);
		id = sqlite3_last_insert_rowid(db);
		sqlite3_bind_int64(ck, 1, id);
		if (sqlite3_step(ck) != SQLITE_DONE)
			goto sqlerr;
		sqlite3_reset(ck);
		if (move == -1)
			continue;
		sqlite3_bind_int64(ac, 1, id);
		sqlite3_bind_int64(ac, 2, t);
		sqlite3_bind_text(ac, 3, move == 1 ? "dns to_backup" :
		    "dns to_primary", -1, SQLITE_STATIC);
		if (sqlite3_step(ac) != SQLITE_DONE)
			goto sqlerr;
		sqlite3_reset(ac);
		if (move == 1) {
			sqlite3_bind_int64(vo, 1, id);
			sqlite3_bind_int64(vo, 3, t);
			sqlite3_bind_text(vo, 2, "paris", -1, SQLITE_STATIC);
			if (sqlite3_step(vo) != SQLITE_DONE)
				goto sqlerr;
			sqlite3_reset(vo);
			sqlite3_bind_text(vo, 2, "nyc", -1, SQLITE_STATIC);
			if (sqlite3_step(vo) != SQLITE_DONE)
				goto sqlerr;
			sqlite3_reset(vo);
		}
		sqlite3_bind_int64(tr, 1, id);
		sqlite3_bind_int64(tr, 2, t);
		sqlite3_bind_text(tr, 3, move == 1 ? "STANDBY" : "ACTIVE", -1,
		    SQLITE_STATIC);
		sqlite3_bind_text(tr, 4, move == 1 ? "ACTIVE" : "STANDBY", -1,
		    SQLITE_STATIC);
		if (sqlite3_step(tr) != SQLITE_DONE)
			goto sqlerr;
		sqlite3_reset(tr);
	}
	if (x(db, "INSERT INTO agent_state (id, state, state_since, "
	    "primary_status, fail_streak, ok_streak, recovering, "
	    "last_action_at, updated_at) VALUES (1, 'STANDBY', 1700000000, "
	    "'OK', 0, 9, 0, 1700000000, 1700000000)") == -1 ||
	    x(db, "COMMIT") == -1)
		goto done;
	rc = 0;
	goto done;
sqlerr:
	printf("# insert: %s\n", sqlite3_errmsg(db));
done:
	if (rc == -1)
		(void)sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_finalize(cy);
	sqlite3_finalize(ck);
	sqlite3_finalize(ac);
	sqlite3_finalize(vo);
	sqlite3_finalize(tr);
	return rc;
}

static void
test_year(void)
{
	static const enum cycle_outcome failover[] = { OUTCOME_FAILOVER };
	static const enum cycle_outcome moves[] = { OUTCOME_FAILOVER,
	    OUTCOME_FAILBACK };
	char			 path[300];
	struct state_db		*sdb = NULL;
	struct history_query	 q;
	struct timespec		 t0;
	json_t			*j;
	int64_t			 last = T0 + (int64_t)(YEAR_CYCLES - 1) * 60;
	int64_t			 before;
	long long		 keep, moves_left;
	int			 deleted = 0;

	snprintf(path, sizeof(path), "%s/year.db", dir);
	is_zero(state_open(path, false, &sdb, EB, sizeof(errbuf)), "open");
	if (sdb == NULL)
		return;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ok(year_insert(sdb->db) == 0, "a year of one-minute cycles inserted");
	printf("# %d cycles inserted in %.0f ms\n", YEAR_CYCLES,
	    ms_since(&t0));
	is_int(q_int(sdb->db, "SELECT count(*) FROM cycles"), YEAR_CYCLES,
	    "525600 cycles");
	x(sdb->db, "ANALYZE");	/* the plans with real statistics too */
	sqlite3_trace_v2(sdb->db, SQLITE_TRACE_PROFILE, trace_cb, NULL);

	/* status */
	trace_reset();
	clock_gettime(CLOCK_MONOTONIC, &t0);
	j = state_status_json(sdb, 5, EB, sizeof(errbuf));
	printf("# status: %.1f ms\n", ms_since(&t0));
	ok(j != NULL, "status over a year");
	is_int(json_integer_value(json_object_get(json_object_get(j,
	    "last_cycle"), "id")), YEAR_CYCLES, "status: the last cycle");
	is_int(json_array_size(json_object_get(j, "votes")), 2,
	    "status: the votes of the last failover");
	is_int(json_array_size(json_object_get(j, "transitions")), 5,
	    "status: the last 5 transitions");
	ok(json_is_object(json_object_get(j, "verify")),
	    "status: the last DNS move");
	json_decref(j);
	trace_judge(sdb->db, "status");

	/* history -n 20 */
	trace_reset();
	memset(&q, 0, sizeof(q));
	q.limit = 20;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	j = state_history_query(sdb, &q, EB, sizeof(errbuf));
	printf("# history -n 20: %.1f ms\n", ms_since(&t0));
	is_int(json_array_size(json_object_get(j, "cycles")), 20,
	    "history -n 20: 20 cycles");
	is_int(json_integer_value(json_object_get(json_array_get(
	    json_object_get(j, "cycles"), 0), "id")), YEAR_CYCLES,
	    "history: newest first");
	json_decref(j);
	trace_judge(sdb->db, "history -n 20");

	/* history --since 1d (the last day: 1440 cycles) */
	trace_reset();
	q.limit = -1;
	q.since = last - 86400 + 60;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	j = state_history_query(sdb, &q, EB, sizeof(errbuf));
	printf("# history --since 1d: %.1f ms\n", ms_since(&t0));
	is_int(json_array_size(json_object_get(j, "cycles")), 1440,
	    "history --since 1d: the last day's 1440 cycles");
	json_decref(j);
	trace_judge(sdb->db, "history --since");

	/* history --outcome FAILOVER over the whole year */
	trace_reset();
	q.since = 0;
	q.outcomes = failover;
	q.noutcomes = 1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	j = state_history_query(sdb, &q, EB, sizeof(errbuf));
	printf("# history --outcome FAILOVER: %.1f ms\n", ms_since(&t0));
	is_int(json_array_size(json_object_get(j, "cycles")), NMOVES / 2,
	    "history --outcome FAILOVER: every failover of the year");
	is_str(json_string_value(json_object_get(json_array_get(
	    json_object_get(j, "cycles"), 0), "outcome")), "FAILOVER",
	    "and only failovers");
	is_int(json_array_size(json_object_get(json_array_get(
	    json_object_get(j, "cycles"), 0), "votes")), 2, "with their votes");
	json_decref(j);
	trace_judge(sdb->db, "history --outcome");

	/* both, and -n */
	trace_reset();
	q.outcomes = moves;
	q.noutcomes = 2;
	q.since = T0 + 180 * 86400;
	q.limit = 3;
	j = state_history_query(sdb, &q, EB, sizeof(errbuf));
	is_int(json_array_size(json_object_get(j, "cycles")), 3,
	    "history --since --outcome FAILOVER,FAILBACK -n 3");
	json_decref(j);
	trace_judge(sdb->db, "history --since --outcome");

	/* nothing since */
	q.since = last + 3600;
	q.limit = -1;
	j = state_history_query(sdb, &q, EB, sizeof(errbuf));
	ok(j != NULL && json_array_size(json_object_get(j, "cycles")) == 0,
	    "history --since after the last cycle: none");
	json_decref(j);

	/* pruning: keep 90 days (our own counting queries untraced) */
	sqlite3_trace_v2(sdb->db, 0, NULL, NULL);
	before = last - 90LL * 86400;
	keep = q_int(sdb->db, "SELECT count(*) FROM cycles WHERE started_at "
	    ">= (SELECT max(started_at) FROM cycles) - 90 * 86400");
	moves_left = q_int(sdb->db, "SELECT count(*) FROM cycles WHERE "
	    "outcome IN ('FAILOVER', 'FAILBACK') AND started_at >= (SELECT "
	    "max(started_at) FROM cycles) - 90 * 86400");
	trace_reset();
	sqlite3_trace_v2(sdb->db, SQLITE_TRACE_PROFILE, trace_cb, NULL);
	is_zero(state_prune(sdb, before, 1000, &deleted, EB, sizeof(errbuf)),
	    "prune, at most 1000 cycles");
	trace_judge(sdb->db, "prune");
	sqlite3_trace_v2(sdb->db, 0, NULL, NULL);
	is_int(deleted, 1000, "1000 deleted");
	is_int(q_int(sdb->db, "SELECT min(id) FROM cycles"), 1001,
	    "the oldest ones");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	is_zero(state_prune(sdb, before, -1, &deleted, EB, sizeof(errbuf)),
	    "prune the rest");
	printf("# pruned %d cycles in %.0f ms\n", deleted, ms_since(&t0));
	is_int(q_int(sdb->db, "SELECT count(*) FROM cycles"), keep,
	    "the cycles of the last 90 days are left");
	is_int(q_int(sdb->db, "SELECT count(*) FROM cycles WHERE started_at < "
	    "(SELECT max(started_at) FROM cycles) - 90 * 86400"), 0,
	    "none older");
	is_int(q_int(sdb->db, "SELECT count(*) FROM check_results"), keep,
	    "their check results went with them");
	is_int(q_int(sdb->db, "SELECT count(*) FROM actions"), moves_left,
	    "their actions went with them");
	is_int(q_int(sdb->db, "SELECT count(*) FROM votes WHERE cycle_id NOT "
	    "IN (SELECT id FROM cycles)"), 0, "their votes went with them");
	is_int(q_int(sdb->db, "SELECT count(*) FROM transitions"), NMOVES,
	    "every transition is kept");
	is_int(q_int(sdb->db, "SELECT count(*) FROM transitions WHERE cycle_id"
	    " IS NULL"), NMOVES - moves_left,
	    "those of pruned cycles with cycle_id NULL");
	is_int(q_int(sdb->db, "SELECT count(*) FROM pragma_foreign_key_check"),
	    0, "foreign_key_check: nothing dangling");
	is_zero(state_prune(sdb, before, -1, &deleted, EB, sizeof(errbuf)),
	    "prune again");
	is_int(deleted, 0, "nothing more to prune");
	j = state_status_json(sdb, -1, EB, sizeof(errbuf));
	is_int(json_array_size(json_object_get(j, "transitions")), NMOVES,
	    "status still lists every transition");
	json_decref(j);
	ok(integrity_ok(sdb->db), "integrity_check: ok");
	sqlite3_trace_v2(sdb->db, 0, NULL, NULL);
	trace_reset();
	state_close(sdb);
}

int
main(void)
{
	const char	*tmp = getenv("TMPDIR");

	snprintf(dir, sizeof(dir), "%s/fa-history.XXXXXX", tmp ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL) {
		printf("not ok 1 - mkdtemp\n1..1\n");
		return 1;
	}
	test_migration_from_3();
	test_notify_queue();
	test_year();
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return tap_done();
}
