/*
 * status.c: the read side of the state database, as jansson objects for
 * `status` and `history` (SPEC §2).
 *
 * Each query names its columns with the JSON keys they become (AS "from"),
 * and one function turns a row into an object, so the key set is written
 * once, in SQL, next to the query.  Every call reads inside one transaction:
 * in WAL mode that is one snapshot, even while a cycle is being recorded.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "state.h"
#include "state_int.h"

#define CYCLE_COLUMNS							\
	"SELECT id, kind, started_at, duration_ms, outcome, "		\
	"primary_status, state_before, state_after, message, exit_code, "\
	"quorum FROM cycles "
#define CHECKS_SQL							\
	"SELECT name, type, outcome, detail, elapsed_ms "		\
	"FROM check_results WHERE cycle_id = ?1 ORDER BY rowid"
#define ACTIONS_SQL							\
	"SELECT at, kind, target, result, detail "			\
	"FROM actions WHERE cycle_id = ?1 ORDER BY id"
#define VOTES_SQL							\
	"SELECT spare, url, voter, verdict, checked_at, valid, reason, "	\
	"detail, elapsed_ms FROM votes WHERE cycle_id = ?1 ORDER BY id"
/* status: the same with the cycle, for a reader of one vote. */
#define STATUS_VOTES_SQL						\
	"SELECT spare, url, voter, verdict, checked_at, valid, reason, "	\
	"detail, elapsed_ms, cycle_id FROM votes WHERE cycle_id = ?1 "	\
	"ORDER BY id"
/* The most recent cycle that asked the spares. */
#define VOTES_CYCLE_SQL							\
	CYCLE_COLUMNS "WHERE id = (SELECT max(cycle_id) FROM votes)"
#define TRANSITIONS_COLUMNS						\
	"SELECT at, from_state AS \"from\", to_state AS \"to\", reason, "\
	"cycle_id FROM transitions "

/*
 * A text column as a JSON string.  Stored text is ours, but a check's detail
 * may quote what the primary answered: bytes that are not UTF-8 become '?'
 * rather than failing the whole status.
 */
static json_t *
text_json(const char *s, size_t len)
{
	json_t	*j;
	char	*copy;
	size_t	 i;

	if ((j = json_stringn(s, len)) != NULL)
		return j;
	if ((copy = malloc(len + 1)) == NULL)
		return NULL;
	for (i = 0; i < len; i++)
		copy[i] = (s[i] > 0 && s[i] < 0x7f) ? s[i] : '?';
	copy[len] = '\0';
	j = json_stringn(copy, len);
	free(copy);
	return j;
}

/* The current row of st as an object keyed by column names; NULL on ENOMEM. */
static json_t *
row_json(sqlite3_stmt *st)
{
	json_t	*obj, *v;
	int	 i, n;

	if ((obj = json_object()) == NULL)
		return NULL;
	n = sqlite3_column_count(st);
	for (i = 0; i < n; i++) {
		switch (sqlite3_column_type(st, i)) {
		case SQLITE_NULL:
			v = json_null();
			break;
		case SQLITE_INTEGER:
			v = json_integer(sqlite3_column_int64(st, i));
			break;
		case SQLITE_FLOAT:
			v = json_real(sqlite3_column_double(st, i));
			break;
		default:
			v = text_json((const char *)sqlite3_column_text(st, i),
			    (size_t)sqlite3_column_bytes(st, i));
			break;
		}
		if (json_object_set_new(obj, sqlite3_column_name(st, i),
		    v) == -1) {
			json_decref(obj);
			return NULL;
		}
	}
	return obj;
}

/*
 * Append every row of st (bound, not yet stepped) to arr, then reset st.
 * Returns 0, or -1 with err set.
 */
static int
rows_json(struct state_db *sdb, sqlite3_stmt *st, json_t *arr, char *err,
    size_t errlen)
{
	json_t	*row;
	int	 src, rc = -1;

	while ((src = sqlite3_step(st)) == SQLITE_ROW) {
		if ((row = row_json(st)) == NULL ||
		    json_array_append_new(arr, row) == -1) {
			state_seterr(err, errlen, "state database %s: out of "
			    "memory", sdb->path);
			goto done;
		}
	}
	if (src != SQLITE_DONE) {
		state_seterr(err, errlen, "state database %s: read: %s",
		    sdb->path, sqlite3_errmsg(sdb->db));
		goto done;
	}
	rc = 0;
done:
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc;
}

/* Run st (bound, with a cycle_id at ?1) into a new array set as obj[key]. */
static int
cycle_rows_json(struct state_db *sdb, sqlite3_stmt *st, json_int_t cycle_id,
    json_t *obj, const char *key, char *err, size_t errlen)
{
	json_t	*arr;

	if ((arr = json_array()) == NULL ||
	    json_object_set_new(obj, key, arr) == -1) {
		state_seterr(err, errlen, "state database %s: out of memory",
		    sdb->path);
		return -1;
	}
	sqlite3_bind_int64(st, 1, cycle_id);
	return rows_json(sdb, st, arr, err, errlen);
}

/*
 * The votes of one cycle as obj[key]: cycle_rows_json() with "valid" as a
 * JSON boolean (SQLite stores 0/1).
 */
static int
votes_json(struct state_db *sdb, sqlite3_stmt *st, json_int_t cycle_id,
    json_t *obj, const char *key, char *err, size_t errlen)
{
	json_t	*v;
	size_t	 i;

	if (cycle_rows_json(sdb, st, cycle_id, obj, key, err, errlen) == -1)
		return -1;
	json_array_foreach(json_object_get(obj, key), i, v) {
		if (json_object_set_new(v, "valid", json_boolean(
		    json_integer_value(json_object_get(v, "valid")) != 0)) ==
		    -1) {
			state_seterr(err, errlen, "state database %s: out of "
			    "memory", sdb->path);
			return -1;
		}
	}
	return 0;
}

static int
prepare(struct state_db *sdb, const char *sql, sqlite3_stmt **st, char *err,
    size_t errlen)
{
	if (sqlite3_prepare_v2(sdb->db, sql, -1, st, NULL) != SQLITE_OK) {
		state_seterr(err, errlen, "state database %s: read: %s",
		    sdb->path, sqlite3_errmsg(sdb->db));
		return -1;
	}
	return 0;
}

static int
read_begin(struct state_db *sdb, char *err, size_t errlen)
{
	return state_exec(sdb->db, sdb->path, "BEGIN", "read", err, errlen);
}

static void
read_end(struct state_db *sdb)
{
	if (!sqlite3_get_autocommit(sdb->db))
		(void)sqlite3_exec(sdb->db, "COMMIT", NULL, NULL, NULL);
}

/* obj's state keys: the stored row, or the initial state of state_load(). */
static int
state_row_json(struct state_db *sdb, json_t *obj, char *err, size_t errlen)
{
	sqlite3_stmt	*st = NULL;
	json_t		*row = NULL;
	int		 src, rc = -1;

	if (prepare(sdb, "SELECT state, state_since, primary_status, "
	    "fail_streak, ok_streak, recovering, last_action_at "
	    "FROM agent_state WHERE id = 1", &st, err, errlen) == -1)
		goto done;
	src = sqlite3_step(st);
	if (src == SQLITE_ROW) {
		row = row_json(st);
		if (row != NULL && json_object_set_new(row, "recovering",
		    json_boolean(sqlite3_column_int(st, 5))) == -1) {
			json_decref(row);
			row = NULL;
		}
	} else if (src == SQLITE_DONE) {
		row = json_pack("{s:s, s:I, s:s, s:i, s:i, s:b, s:I}",
		    "state", site_state_str(SITE_UNKNOWN),
		    "state_since", (json_int_t)0,
		    "primary_status", primary_status_str(PRIMARY_OK),
		    "fail_streak", 0, "ok_streak", 0, "recovering", 0,
		    "last_action_at", (json_int_t)0);
	} else {
		state_seterr(err, errlen, "state database %s: read: %s",
		    sdb->path, sqlite3_errmsg(sdb->db));
		goto done;
	}
	if (row == NULL || json_object_update(obj, row) == -1) {
		state_seterr(err, errlen, "state database %s: out of memory",
		    sdb->path);
		goto done;
	}
	rc = 0;
done:
	json_decref(row);
	sqlite3_finalize(st);
	return rc;
}

/*
 * obj["canary"]: the last "canary" action as {at, ok, message}, or
 * null.  obj["verify"]: the last cycle that moved DNS, as {cycle_id, at,
 * lagging: [{zone, detail}]} (its "dns verify" actions: nameservers that
 * did not serve the change in time), or null.  Both found through the
 * actions_kind index.
 */
static int
dns_health_json(struct state_db *sdb, json_t *obj, char *err, size_t errlen)
{
	sqlite3_stmt	*st = NULL;
	json_t		*v = NULL, *arr;
	int		 src, rc = -1;

	if (prepare(sdb, "SELECT at, result = 'ok' AS ok, detail AS message "
	    "FROM actions WHERE kind = 'canary' ORDER BY id DESC LIMIT 1",
	    &st, err, errlen) == -1)
		goto done;
	if ((src = sqlite3_step(st)) == SQLITE_ROW) {
		if ((v = row_json(st)) == NULL || json_object_set_new(v, "ok",
		    json_boolean(sqlite3_column_int(st, 1))) == -1)
			goto nomem;
	} else if (src == SQLITE_DONE)
		v = json_null();
	else
		goto sqlerr;
	if (json_object_set_new(obj, "canary", v) == -1) {
		v = NULL;
		goto nomem;
	}
	v = NULL;
	sqlite3_finalize(st);
	st = NULL;

	/* max(id) over the index: no sort (moves are few anyway). */
	if (prepare(sdb, "SELECT cycle_id, at FROM actions WHERE id = (SELECT "
	    "max(id) FROM actions WHERE kind IN ('dns to_backup', "
	    "'dns to_primary'))", &st, err, errlen) == -1)
		goto done;
	if ((src = sqlite3_step(st)) == SQLITE_ROW) {
		json_int_t id = sqlite3_column_int64(st, 0);

		if ((v = row_json(st)) == NULL || (arr = json_array()) == NULL
		    || json_object_set_new(v, "lagging", arr) == -1)
			goto nomem;
		sqlite3_finalize(st);
		st = NULL;
		if (prepare(sdb, "SELECT target AS zone, detail FROM actions "
		    "WHERE cycle_id = ?1 AND kind = 'dns verify' ORDER BY id",
		    &st, err, errlen) == -1)
			goto done;
		sqlite3_bind_int64(st, 1, id);
		if (rows_json(sdb, st, arr, err, errlen) == -1)
			goto done;
	} else if (src == SQLITE_DONE)
		v = json_null();
	else
		goto sqlerr;
	if (json_object_set_new(obj, "verify", v) == -1) {
		v = NULL;
		goto nomem;
	}
	v = NULL;
	rc = 0;
	goto done;
sqlerr:
	state_seterr(err, errlen, "state database %s: read: %s", sdb->path,
	    sqlite3_errmsg(sdb->db));
	goto done;
nomem:
	state_seterr(err, errlen, "state database %s: out of memory",
	    sdb->path);
done:
	json_decref(v);
	sqlite3_finalize(st);
	return rc;
}

/*
 * obj["notify"]: the [hooks] notify POSTs still queued (at most a hundred:
 * the cycle trims the queue), the oldest's time, and the last failure.
 */
static int
notify_json(struct state_db *sdb, json_t *obj, char *err, size_t errlen)
{
	sqlite3_stmt	*st = NULL;
	json_t		*v = NULL;
	int		 rc = -1;

	if (prepare(sdb, "SELECT count(*) AS pending, min(created_at) AS "
	    "oldest_at, (SELECT attempts FROM notify_pending ORDER BY id "
	    "LIMIT 1) AS attempts, (SELECT last_error FROM notify_pending "
	    "WHERE last_error IS NOT NULL ORDER BY last_attempt_at DESC, id "
	    "DESC LIMIT 1) AS last_error FROM notify_pending", &st, err,
	    errlen) == -1)
		goto done;
	if (sqlite3_step(st) != SQLITE_ROW) {
		state_seterr(err, errlen, "state database %s: read: %s",
		    sdb->path, sqlite3_errmsg(sdb->db));
		goto done;
	}
	if ((v = row_json(st)) == NULL ||
	    json_object_set_new(obj, "notify", v) == -1) {
		v = NULL;
		state_seterr(err, errlen, "state database %s: out of memory",
		    sdb->path);
		goto done;
	}
	rc = 0;
done:
	sqlite3_finalize(st);
	return rc;
}

json_t *
state_status_json(struct state_db *sdb, int ntransitions, char *err,
    size_t errlen)
{
	sqlite3_stmt	*st = NULL, *checks = NULL, *votes = NULL;
	json_t		*obj = NULL, *arr, *cycle = NULL;
	int		 src;

	if (read_begin(sdb, err, errlen) == -1)
		return NULL;
	if ((obj = json_object()) == NULL)
		goto nomem;
	if (state_row_json(sdb, obj, err, errlen) == -1)
		goto fail;

	/*
	 * last_cycle: max(id) is the last rowid, found at once (written so,
	 * rather than ORDER BY id DESC LIMIT 1, the plan says so too).
	 */
	if (prepare(sdb, CYCLE_COLUMNS "WHERE id = (SELECT max(id) FROM "
	    "cycles)", &st, err, errlen) == -1 ||
	    prepare(sdb, CHECKS_SQL, &checks, err, errlen) == -1)
		goto fail;
	src = sqlite3_step(st);
	if (src == SQLITE_ROW) {
		if ((cycle = row_json(st)) == NULL)
			goto nomem;
		if (cycle_rows_json(sdb, checks, sqlite3_column_int64(st, 0),
		    cycle, "checks", err, errlen) == -1)
			goto fail;
	} else if (src == SQLITE_DONE)
		cycle = json_null();
	else
		goto sqlerr;
	if (json_object_set_new(obj, "last_cycle", cycle) == -1) {
		cycle = NULL;
		goto nomem;
	}
	cycle = NULL;
	sqlite3_finalize(st);
	st = NULL;

	if ((arr = json_array()) == NULL ||
	    json_object_set_new(obj, "records", arr) == -1)
		goto nomem;
	if (prepare(sdb, "SELECT zone, owner, addrs, holds, seen_at "
	    "FROM records_seen ORDER BY zone, owner", &st, err, errlen) == -1 ||
	    rows_json(sdb, st, arr, err, errlen) == -1)
		goto fail;
	sqlite3_finalize(st);
	st = NULL;

	/*
	 * votes: those of the most recent cycle that asked, which need not
	 * be the last cycle (most cycles ask nobody).
	 */
	if (prepare(sdb, VOTES_CYCLE_SQL, &st, err, errlen) == -1 ||
	    prepare(sdb, STATUS_VOTES_SQL, &votes, err, errlen) == -1)
		goto fail;
	src = sqlite3_step(st);
	if (src == SQLITE_ROW) {
		if ((cycle = row_json(st)) == NULL)
			goto nomem;
		if (votes_json(sdb, votes, sqlite3_column_int64(st, 0), obj,
		    "votes", err, errlen) == -1)
			goto fail;
	} else if (src == SQLITE_DONE) {
		cycle = json_null();
		if ((arr = json_array()) == NULL ||
		    json_object_set_new(obj, "votes", arr) == -1)
			goto nomem;
	} else
		goto sqlerr;
	if (json_object_set_new(obj, "votes_cycle", cycle) == -1) {
		cycle = NULL;
		goto nomem;
	}
	cycle = NULL;
	sqlite3_finalize(st);
	st = NULL;

	if (dns_health_json(sdb, obj, err, errlen) == -1 ||
	    notify_json(sdb, obj, err, errlen) == -1)
		goto fail;

	/*
	 * layout_warnings: the failed "dns layout" actions of the last
	 * cycle that checked the layout (hourly, issue 18): [] when it found
	 * nothing or none checked yet.
	 */
	if ((arr = json_array()) == NULL ||
	    json_object_set_new(obj, "layout_warnings", arr) == -1)
		goto nomem;
	if (prepare(sdb, "SELECT detail, at FROM actions WHERE cycle_id = "
	    "(SELECT cycle_id FROM actions WHERE id = (SELECT max(id) FROM "
	    "actions WHERE kind = 'dns layout')) AND kind = 'dns layout' AND "
	    "result = 'failed' ORDER BY id", &st, err, errlen) == -1 ||
	    rows_json(sdb, st, arr, err, errlen) == -1)
		goto fail;
	sqlite3_finalize(st);
	st = NULL;

	/*
	 * stale_nameservers: the "dns stale" actions of the last cycle
	 * (verify = all between moves, issue 18): [] when it found none or
	 * did not look.
	 */
	if ((arr = json_array()) == NULL ||
	    json_object_set_new(obj, "stale_nameservers", arr) == -1)
		goto nomem;
	if (prepare(sdb, "SELECT target AS zone, detail, at FROM actions "
	    "WHERE cycle_id = (SELECT max(id) FROM cycles) AND kind = "
	    "'dns stale' ORDER BY id", &st, err, errlen) == -1 ||
	    rows_json(sdb, st, arr, err, errlen) == -1)
		goto fail;
	sqlite3_finalize(st);
	st = NULL;

	/* LIMIT -1: every transition. */
	if ((arr = json_array()) == NULL ||
	    json_object_set_new(obj, "transitions", arr) == -1)
		goto nomem;
	if (prepare(sdb, TRANSITIONS_COLUMNS "ORDER BY at DESC, id DESC "
	    "LIMIT ?1", &st, err, errlen) == -1)
		goto fail;
	sqlite3_bind_int(st, 1, ntransitions < 0 ? -1 : ntransitions);
	if (rows_json(sdb, st, arr, err, errlen) == -1)
		goto fail;

	sqlite3_finalize(st);
	sqlite3_finalize(checks);
	sqlite3_finalize(votes);
	read_end(sdb);
	return obj;
sqlerr:
	state_seterr(err, errlen, "state database %s: read: %s", sdb->path,
	    sqlite3_errmsg(sdb->db));
	goto fail;
nomem:
	state_seterr(err, errlen, "state database %s: out of memory",
	    sdb->path);
fail:
	json_decref(cycle);
	json_decref(obj);
	sqlite3_finalize(st);
	sqlite3_finalize(checks);
	sqlite3_finalize(votes);
	read_end(sdb);
	return NULL;
}

/*
 * The smallest id of a cycle that started at or after since, through the
 * cycles_started index (min(id) WHERE ... would walk the rowids from the
 * oldest cycle).  *id is 0 when there is no bound, -1 when no cycle
 * started since then.
 */
static int
history_low_id(struct state_db *sdb, int64_t since, sqlite3_int64 *id,
    char *err, size_t errlen)
{
	sqlite3_stmt	*st = NULL;
	int		 src, rc = -1;

	*id = 0;
	if (since <= 0)
		return 0;
	if (prepare(sdb, "SELECT id FROM cycles WHERE started_at >= ?1 ORDER "
	    "BY started_at, id LIMIT 1", &st, err, errlen) == -1)
		return -1;
	sqlite3_bind_int64(st, 1, since);
	src = sqlite3_step(st);
	if (src == SQLITE_ROW)
		*id = sqlite3_column_int64(st, 0);
	else if (src == SQLITE_DONE)
		*id = -1;
	else {
		state_seterr(err, errlen, "state database %s: read: %s",
		    sdb->path, sqlite3_errmsg(sdb->db));
		goto done;
	}
	rc = 0;
done:
	sqlite3_finalize(st);
	return rc;
}

json_t *
state_history_json(struct state_db *sdb, int n, char *err, size_t errlen)
{
	struct history_query	q;

	memset(&q, 0, sizeof(q));
	q.limit = n;
	return state_history_query(sdb, &q, err, errlen);
}

/*
 * The cycles newest first from an id range (id >= the first cycle since
 * q->since, or >= 0), so the plan is a search of the rowid, never a scan;
 * started_at is checked again for a clock that went back.  An outcome
 * filter goes through cycles_outcome instead.
 */
json_t *
state_history_query(struct state_db *sdb, const struct history_query *q,
    char *err, size_t errlen)
{
	sqlite3_stmt	*st = NULL, *checks = NULL, *actions = NULL;
	sqlite3_stmt	*transitions = NULL, *votes = NULL;
	json_t		*obj = NULL, *cycles, *cycle;
	sqlite3_int64	 id, low;
	char		 sql[1024];
	size_t		 i, used;
	int		 src;

	if (q->noutcomes > OUTCOME_MAX) {
		state_seterr(err, errlen, "history: too many outcomes");
		return NULL;
	}
	for (i = 0; i < q->noutcomes; i++)
		if ((unsigned)q->outcomes[i] >= OUTCOME_MAX) {
			state_seterr(err, errlen, "history: bad outcome %d",
			    q->outcomes[i]);
			return NULL;
		}
	if (read_begin(sdb, err, errlen) == -1)
		return NULL;
	if ((obj = json_object()) == NULL || (cycles = json_array()) == NULL ||
	    json_object_set_new(obj, "cycles", cycles) == -1)
		goto nomem;
	if (history_low_id(sdb, q->since, &low, err, errlen) == -1)
		goto fail;
	if (low == -1) {		/* nothing since then */
		read_end(sdb);
		return obj;
	}
	/*
	 * With outcomes, their index, searched per outcome from the low id:
	 * the planner may otherwise walk every cycle since `since`.
	 */
	used = (size_t)snprintf(sql, sizeof(sql), "%s%sWHERE id >= ?2%s",
	    CYCLE_COLUMNS, q->noutcomes > 0 ? "INDEXED BY cycles_outcome " :
	    "", q->since > 0 ? " AND started_at >= ?3" : "");
	for (i = 0; i < q->noutcomes; i++)
		used += (size_t)snprintf(sql + used, sizeof(sql) - used,
		    "%s?%zu", i == 0 ? " AND outcome IN (" : ", ", i + 4);
	(void)snprintf(sql + used, sizeof(sql) - used, "%s ORDER BY id DESC "
	    "LIMIT ?1", q->noutcomes > 0 ? ")" : "");
	if (prepare(sdb, sql, &st, err, errlen) == -1 ||
	    prepare(sdb, CHECKS_SQL, &checks, err, errlen) == -1 ||
	    prepare(sdb, ACTIONS_SQL, &actions, err, errlen) == -1 ||
	    prepare(sdb, VOTES_SQL, &votes, err, errlen) == -1 ||
	    prepare(sdb, TRANSITIONS_COLUMNS "WHERE cycle_id = ?1 ORDER BY id",
	    &transitions, err, errlen) == -1)
		goto fail;
	sqlite3_bind_int(st, 1, q->limit < 0 ? -1 : q->limit);
	sqlite3_bind_int64(st, 2, low);
	if (q->since > 0)
		sqlite3_bind_int64(st, 3, q->since);
	for (i = 0; i < q->noutcomes; i++)
		sqlite3_bind_text(st, (int)i + 4,
		    cycle_outcome_str(q->outcomes[i]), -1, SQLITE_STATIC);
	while ((src = sqlite3_step(st)) == SQLITE_ROW) {
		if ((cycle = row_json(st)) == NULL)
			goto nomem;
		if (json_array_append_new(cycles, cycle) == -1)
			goto nomem;
		id = sqlite3_column_int64(st, 0);
		if (cycle_rows_json(sdb, checks, id, cycle, "checks", err,
		    errlen) == -1 ||
		    votes_json(sdb, votes, id, cycle, "votes", err,
		    errlen) == -1 ||
		    cycle_rows_json(sdb, actions, id, cycle, "actions", err,
		    errlen) == -1 ||
		    cycle_rows_json(sdb, transitions, id, cycle, "transitions",
		    err, errlen) == -1)
			goto fail;
	}
	if (src != SQLITE_DONE) {
		state_seterr(err, errlen, "state database %s: read: %s",
		    sdb->path, sqlite3_errmsg(sdb->db));
		goto fail;
	}
	sqlite3_finalize(st);
	sqlite3_finalize(checks);
	sqlite3_finalize(actions);
	sqlite3_finalize(transitions);
	sqlite3_finalize(votes);
	read_end(sdb);
	return obj;
nomem:
	state_seterr(err, errlen, "state database %s: out of memory",
	    sdb->path);
fail:
	json_decref(obj);
	sqlite3_finalize(st);
	sqlite3_finalize(checks);
	sqlite3_finalize(actions);
	sqlite3_finalize(transitions);
	sqlite3_finalize(votes);
	read_end(sdb);
	return NULL;
}
