/*
 * status.c: the read side of the state database, as jansson objects for
 * `status` and `history` (SPEC §2).
 *
 * Each query names its columns with the JSON keys they become (AS "from"),
 * and one function turns a row into an object, so the key set is written
 * once, in SQL, next to the query.  Every call reads inside one transaction:
 * in WAL mode that is one snapshot, even while a cycle is being recorded.
 */
#include <sys/file.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "state/state.h"
#include "state/state_int.h"

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

/* A DNS move's action rows (one per zone, and "could not read DNS"). */
#define DNS_MOVE_KINDS	"kind IN ('dns to_backup', 'dns to_primary')"
/*
 * A zone that took the change: "ok", or a change served by the master
 * that a nameserver lagged on (cycle.c writes "lagging: ..." as failed).
 */
#define DNS_CHANGED	"(result = 'ok' OR detail LIKE 'lagging:%')"

/*
 * *out: the first row of sql (?1 bound to id when id >= 0) as an object,
 * or NULL when there is none.  Returns 0, or -1 with err set.
 */
static int
one_row_json(struct state_db *sdb, const char *sql, sqlite3_int64 id,
    json_t **out, char *err, size_t errlen)
{
	sqlite3_stmt	*st = NULL;
	int		 src, rc = -1;

	*out = NULL;
	if (prepare(sdb, sql, &st, err, errlen) == -1)
		return -1;
	if (id >= 0)
		sqlite3_bind_int64(st, 1, id);
	if ((src = sqlite3_step(st)) == SQLITE_ROW) {
		if ((*out = row_json(st)) == NULL) {
			state_seterr(err, errlen, "state database %s: out of "
			    "memory", sdb->path);
			goto done;
		}
	} else if (src != SQLITE_DONE) {
		state_seterr(err, errlen, "state database %s: read: %s",
		    sdb->path, sqlite3_errmsg(sdb->db));
		goto done;
	}
	rc = 0;
done:
	sqlite3_finalize(st);
	return rc;
}

/*
 * The verification of the last change that was made (issue 18): the
 * newest DNS move action that changed a record, never merely the newest
 * DNS action (a cycle that failed before sending anything changed
 * nothing).  *out is {cycle_id, at, direction, lagging: [{zone, detail}],
 * failed_since: {cycle_id, at, zone, detail} or null}: failed_since is
 * the newest failed move after it, shown as such.  cycle_id and at are
 * null when no change was ever made but an attempt failed; *out is NULL
 * when neither exists.
 */
static int
verify_json(struct state_db *sdb, json_t **out, char *err, size_t errlen)
{
	sqlite3_stmt	*st = NULL;
	json_t		*v = NULL, *f = NULL, *arr;
	json_int_t	 id = 0, cycle_id;
	int		 rc = -1;

	*out = NULL;
	if (one_row_json(sdb, "SELECT id, cycle_id, at, substr(kind, 5) AS "
	    "direction FROM actions WHERE id = (SELECT max(id) FROM actions "
	    "WHERE " DNS_MOVE_KINDS " AND " DNS_CHANGED ")", -1, &v, err,
	    errlen) == -1)
		goto done;
	if (v != NULL)
		id = json_integer_value(json_object_get(v, "id"));
	if (one_row_json(sdb, "SELECT cycle_id, at, target AS zone, detail "
	    "FROM actions WHERE id = (SELECT max(id) FROM actions WHERE "
	    DNS_MOVE_KINDS " AND NOT " DNS_CHANGED " AND result = 'failed' "
	    "AND id > ?1)", id, &f, err, errlen) == -1)
		goto done;
	if (v == NULL && f == NULL) {
		rc = 0;
		goto done;
	}
	if (v == NULL && (v = json_pack("{s:n, s:n, s:n}", "cycle_id", "at",
	    "direction")) == NULL)
		goto nomem;
	json_object_del(v, "id");
	if (json_object_set_new(v, "failed_since", f != NULL ? f :
	    json_null()) == -1) {
		f = NULL;
		goto nomem;
	}
	f = NULL;
	if ((arr = json_array()) == NULL ||
	    json_object_set_new(v, "lagging", arr) == -1)
		goto nomem;
	cycle_id = json_integer_value(json_object_get(v, "cycle_id"));
	if (cycle_id > 0) {
		if (prepare(sdb, "SELECT target AS zone, detail FROM actions "
		    "WHERE cycle_id = ?1 AND kind = 'dns verify' ORDER BY id",
		    &st, err, errlen) == -1)
			goto done;
		sqlite3_bind_int64(st, 1, cycle_id);
		if (rows_json(sdb, st, arr, err, errlen) == -1)
			goto done;
	}
	*out = v;
	v = NULL;
	rc = 0;
	goto done;
nomem:
	state_seterr(err, errlen, "state database %s: out of memory",
	    sdb->path);
done:
	json_decref(v);
	json_decref(f);
	sqlite3_finalize(st);
	return rc;
}

/*
 * obj["intent"]: the open move intent (issue 10: a failover or failback
 * that committed its intent and has not closed it), as {id, opened_at,
 * kind, direction, records, reason, cycle_id}, or null.  A database from
 * before schema 5 has no intents: null.
 */
static int
intent_json(struct state_db *sdb, json_t *obj, char *err, size_t errlen)
{
	json_t	*v = NULL, *has = NULL;

	if (one_row_json(sdb, "SELECT 1 AS yes FROM sqlite_master WHERE "
	    "type = 'table' AND name = 'intents'", -1, &has, err,
	    errlen) == -1)
		return -1;
	if (has != NULL && one_row_json(sdb, "SELECT id, opened_at, kind, "
	    "direction, records, reason, cycle_id FROM intents WHERE "
	    "closed_at IS NULL ORDER BY id DESC LIMIT 1", -1, &v, err,
	    errlen) == -1) {
		json_decref(has);
		return -1;
	}
	json_decref(has);
	if (json_object_set_new(obj, "intent", v != NULL ? v :
	    json_null()) == -1) {
		state_seterr(err, errlen, "state database %s: out of memory",
		    sdb->path);
		return -1;
	}
	return 0;
}

/*
 * obj["quorum_canary"]: per spare, the last "quorum canary" action (issue
 * 17: a signed vote asked outside an outage, so a wrong vote.key shows
 * before it is needed), as [{spare, at, cycle_id, ok, detail}], newest
 * first.  Read from the newest QUORUM_CANARY_ROWS canaries through the
 * actions_kind index (a canary asks one spare at a time, in rotation, so
 * every spare of any sane config is among them).
 */
#define QUORUM_CANARY_ROWS	64

static int
quorum_canary_json(struct state_db *sdb, json_t *obj, char *err,
    size_t errlen)
{
	sqlite3_stmt	*st = NULL;
	json_t		*arr, *all = NULL, *v, *w;
	size_t		 i, j;
	bool		 seen;
	int		 rc = -1;

	if ((arr = json_array()) == NULL ||
	    json_object_set_new(obj, "quorum_canary", arr) == -1 ||
	    (all = json_array()) == NULL) {
		state_seterr(err, errlen, "state database %s: out of memory",
		    sdb->path);
		return -1;
	}
	if (prepare(sdb, "SELECT target AS spare, at, cycle_id, result = 'ok' "
	    "AS ok, detail FROM actions WHERE kind = 'quorum canary' ORDER BY "
	    "id DESC LIMIT ?1", &st, err, errlen) == -1)
		goto done;
	sqlite3_bind_int(st, 1, QUORUM_CANARY_ROWS);
	if (rows_json(sdb, st, all, err, errlen) == -1)
		goto done;
	json_array_foreach(all, i, v) {
		seen = false;
		json_array_foreach(arr, j, w)
			if (json_equal(json_object_get(v, "spare"),
			    json_object_get(w, "spare")))
				seen = true;
		if (seen)
			continue;
		json_object_set_new(v, "ok", json_boolean(json_integer_value(
		    json_object_get(v, "ok")) != 0));
		json_array_append(arr, v);
	}
	rc = 0;
done:
	json_decref(all);
	sqlite3_finalize(st);
	return rc;
}

/*
 * The spares' tally in the direction the cycle asked about (issue 16): a
 * cycle that started ACTIVE, or a manual failback, asked whether the
 * primary may have the traffic back.  Rows stored before the failback
 * words existed ("confirmed", "partition", ... on a failback) are read
 * again from their votes: a valid "down" vote vetoes.  Sets
 * cycle["quorum"] to the word in that direction (the stored one in
 * cycle["quorum_stored"] when it differs) and cycle["tally"] to what a
 * person reads: "failback allowed: 2 of 2 spares see the primary up",
 * "failback vetoed: spare1 sees the primary down", "quorum confirmed:
 * 2 of 2 spares see the primary down", ...  Votes are the cycle's.
 */
static int
tally_json(json_t *cycle, const json_t *votes)
{
	const char	*q = json_string_value(json_object_get(cycle,
			    "quorum"));
	const char	*kind = json_string_value(json_object_get(cycle,
			    "kind"));
	const char	*before = json_string_value(json_object_get(cycle,
			    "state_before"));
	const char	*word, *verdict;
	const json_t	*v;
	char		 tally[512], names[400];
	size_t		 i, n = json_array_size(votes), used = 0;
	int		 up = 0, down = 0, valid = 0;
	bool		 failback;

	if (q == NULL || n == 0)
		return 0;
	names[0] = '\0';
	json_array_foreach(votes, i, v) {
		if (!json_is_true(json_object_get(v, "valid")))
			continue;
		valid++;
		verdict = json_string_value(json_object_get(v, "verdict"));
		if (verdict != NULL && strcmp(verdict, "up") == 0)
			up++;
		else if (verdict != NULL && strcmp(verdict, "down") == 0) {
			down++;
			if (used < sizeof(names))
				used += (size_t)snprintf(names + used,
				    sizeof(names) - used, "%s%s", used ?
				    ", " : "", json_string_value(
				    json_object_get(v, "spare")));
		}
	}
	failback = (kind != NULL && strcmp(kind, "failback") == 0) ||
	    (before != NULL && strcmp(before, "ACTIVE") == 0);
	word = q;
	if (failback && (strcmp(q, "confirmed") == 0 ||
	    strcmp(q, "partition") == 0 || strcmp(q, "unconfirmed") == 0))
		word = down > 0 ? "failback-vetoed" : "failback-allowed";
	if (strcmp(word, "failback-allowed") == 0)
		snprintf(tally, sizeof(tally), "failback allowed: %d of %zu "
		    "spare%s see%s the primary up", up, n, n == 1 ? "" : "s",
		    up == 1 && n == 1 ? "s" : "");
	else if (strcmp(word, "failback-vetoed") == 0)
		snprintf(tally, sizeof(tally), "failback vetoed: %s see%s the "
		    "primary down", down > 0 ? names : "a spare", down > 1 ?
		    "" : "s");
	else if (strcmp(word, "confirmed") == 0 ||
	    strcmp(word, "unconfirmed") == 0)
		snprintf(tally, sizeof(tally), "quorum %s: %d of %zu spare%s "
		    "see%s the primary down", word, down, n, n == 1 ? "" : "s",
		    down == 1 && n == 1 ? "s" : "");
	else if (strcmp(word, "partition") == 0)
		snprintf(tally, sizeof(tally), "quorum partition: %d of %zu "
		    "spare%s see%s the primary up", up, n, n == 1 ? "" : "s",
		    up == 1 && n == 1 ? "s" : "");
	else
		snprintf(tally, sizeof(tally), "quorum %s: %d of %zu spare%s "
		    "answered", word, valid, n, n == 1 ? "" : "s");
	if (word != q && json_object_set_new(cycle, "quorum_stored",
	    json_string(q)) == -1)
		return -1;
	/* q belongs to cycle["quorum"]: replace it last. */
	if (json_object_set_new(cycle, "tally", json_string(tally)) == -1 ||
	    json_object_set_new(cycle, "quorum", json_string(word)) == -1)
		return -1;
	return 0;
}

/*
 * obj["canary"]: the last "canary" action as {at, ok, message}, or
 * null.  obj["verify"]: verify_json(), or null.  Both found through the
 * actions_kind index.
 */
static int
dns_health_json(struct state_db *sdb, json_t *obj, char *err, size_t errlen)
{
	sqlite3_stmt	*st = NULL;
	json_t		*v = NULL;
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

	if (verify_json(sdb, &v, err, errlen) == -1)
		goto done;
	if (json_object_set_new(obj, "verify", v != NULL ? v :
	    json_null()) == -1) {
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

/*
 * cycle["previous_outcome"]: the outcome of the cycle before id (a rowid
 * search), or null: "ISOLATED for more than one cycle" needs two.
 */
static int
previous_outcome_json(struct state_db *sdb, json_t *cycle, sqlite3_int64 id,
    char *err, size_t errlen)
{
	json_t	*v = NULL;

	if (one_row_json(sdb, "SELECT outcome FROM cycles WHERE id < ?1 ORDER "
	    "BY id DESC LIMIT 1", id, &v, err, errlen) == -1)
		return -1;
	if (json_object_set(cycle, "previous_outcome", v != NULL ?
	    json_object_get(v, "outcome") : json_null()) == -1) {
		json_decref(v);
		state_seterr(err, errlen, "state database %s: out of memory",
		    sdb->path);
		return -1;
	}
	json_decref(v);
	return 0;
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
		    cycle, "checks", err, errlen) == -1 ||
		    previous_outcome_json(sdb, cycle, sqlite3_column_int64(st,
		    0), err, errlen) == -1)
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
		if (tally_json(cycle, json_object_get(obj, "votes")) == -1)
			goto nomem;
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
	    notify_json(sdb, obj, err, errlen) == -1 ||
	    intent_json(sdb, obj, err, errlen) == -1 ||
	    quorum_canary_json(sdb, obj, err, errlen) == -1)
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
		if (tally_json(cycle, json_object_get(cycle, "votes")) == -1)
			goto nomem;
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

int
state_lock_held(const char *path)
{
	char	lockpath[4096];
	int	fd, rc;

	if (snprintf(lockpath, sizeof(lockpath), "%s.lock", path) >=
	    (int)sizeof(lockpath))
		return -1;
	if ((fd = open(lockpath, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1)
		return errno == ENOENT ? 0 : -1;
	/* Shared: it conflicts with a run's exclusive lock, never with us. */
	if (flock(fd, LOCK_SH | LOCK_NB) == 0) {
		(void)flock(fd, LOCK_UN);
		rc = 0;
	} else
		rc = errno == EWOULDBLOCK ? 1 : -1;
	close(fd);
	return rc;
}

int
state_spare_last_asked(struct state_db *sdb, const char *spare, int64_t *at,
    char *err, size_t errlen)
{
	sqlite3_stmt	*st = NULL;
	int		 rc = -1;

	*at = 0;
	if (prepare(sdb, "SELECT max(at) FROM (SELECT max(at) AS at FROM "
	    "actions WHERE kind = 'quorum canary' AND target = ?1 UNION ALL "
	    "SELECT c.started_at FROM votes v JOIN cycles c ON c.id = "
	    "v.cycle_id WHERE v.cycle_id = (SELECT max(cycle_id) FROM votes) "
	    "AND v.spare = ?1)", &st, err, errlen) == -1)
		return -1;
	sqlite3_bind_text(st, 1, spare, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW) {
		state_seterr(err, errlen, "state database %s: read: %s",
		    sdb->path, sqlite3_errmsg(sdb->db));
		goto done;
	}
	*at = sqlite3_column_int64(st, 0);	/* NULL reads as 0: never */
	rc = 0;
done:
	sqlite3_finalize(st);
	return rc;
}
