/*
 * status.c: the read side of the state database (failover-agent(8), COMMANDS):
 * `status` as one
 * struct (struct site_status, each query beside its column map, rows.c)
 * and its JSON renderer; `history` as jansson objects, whose queries name
 * their columns with the JSON keys they become (AS "from") so that one
 * function turns a row into an object.  Every call reads inside one
 * transaction: in WAL mode that is one snapshot, even while a cycle is
 * being recorded.
 */
#include <sys/file.h>

#include <errno.h>
#include <stddef.h>
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

/*
 * The spares' tally in the direction the cycle asked about (issue 16): a
 * cycle that started ACTIVE, or a manual failback, asked whether the
 * primary may have the traffic back.  Rows stored before the failback
 * words existed ("confirmed", "partition", ... on a failback) are read
 * again from their votes: a valid "down" vote vetoes.  One count, fed a
 * vote at a time by status (typed) and history (JSON rows).
 */
struct tally {
	size_t	n;			/* votes, valid or not */
	int	up, down, valid;
	char	names[400];		/* the spares that saw it down */
	size_t	used;
};

static void
tally_add(struct tally *t, bool valid, const char *verdict, const char *spare)
{
	t->n++;
	if (!valid)
		return;
	t->valid++;
	if (verdict != NULL && strcmp(verdict, "up") == 0)
		t->up++;
	else if (verdict != NULL && strcmp(verdict, "down") == 0) {
		t->down++;
		if (t->used < sizeof(t->names))
			t->used += (size_t)snprintf(t->names + t->used,
			    sizeof(t->names) - t->used, "%s%s", t->used ?
			    ", " : "", spare != NULL ? spare : "");
	}
}

/*
 * The word in the direction asked (q, or the failback word that replaces
 * it), and into buf what a person reads: "failback allowed: 2 of 2
 * spares see the primary up", "failback vetoed: spare1 sees the primary
 * down", "quorum confirmed: 2 of 2 spares see the primary down", ...
 */
static const char *
tally_words(const struct tally *t, const char *q, bool failback, char *buf,
    size_t buflen)
{
	const char	*word = q;
	size_t		 n = t->n;
	int		 up = t->up, down = t->down;

	if (failback && (strcmp(q, "confirmed") == 0 ||
	    strcmp(q, "partition") == 0 || strcmp(q, "unconfirmed") == 0))
		word = down > 0 ? "failback-vetoed" : "failback-allowed";
	if (strcmp(word, "failback-allowed") == 0)
		snprintf(buf, buflen, "failback allowed: %d of %zu "
		    "spare%s see%s the primary up", up, n, n == 1 ? "" : "s",
		    up == 1 && n == 1 ? "s" : "");
	else if (strcmp(word, "failback-vetoed") == 0)
		snprintf(buf, buflen, "failback vetoed: %s see%s the "
		    "primary down", down > 0 ? t->names : "a spare", down > 1 ?
		    "" : "s");
	else if (strcmp(word, "confirmed") == 0 ||
	    strcmp(word, "unconfirmed") == 0)
		snprintf(buf, buflen, "quorum %s: %d of %zu spare%s "
		    "see%s the primary down", word, down, n, n == 1 ? "" : "s",
		    down == 1 && n == 1 ? "s" : "");
	else if (strcmp(word, "partition") == 0)
		snprintf(buf, buflen, "quorum partition: %d of %zu "
		    "spare%s see%s the primary up", up, n, n == 1 ? "" : "s",
		    up == 1 && n == 1 ? "s" : "");
	else
		snprintf(buf, buflen, "quorum %s: %d of %zu spare%s "
		    "answered", word, t->valid, n, n == 1 ? "" : "s");
	return word;
}

/*
 * history: tally_words() on a JSON cycle row and its votes.  Sets
 * cycle["quorum"] to the word in the direction asked (the stored one in
 * cycle["quorum_stored"] when it differs) and cycle["tally"].
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
	const char	*word;
	const json_t	*v;
	struct tally	 t;
	char		 buf[512];
	size_t		 i;

	if (q == NULL || json_array_size(votes) == 0)
		return 0;
	memset(&t, 0, sizeof(t));
	json_array_foreach(votes, i, v)
		tally_add(&t, json_is_true(json_object_get(v, "valid")),
		    json_string_value(json_object_get(v, "verdict")),
		    json_string_value(json_object_get(v, "spare")));
	word = tally_words(&t, q, (kind != NULL && strcmp(kind,
	    "failback") == 0) || (before != NULL && strcmp(before,
	    "ACTIVE") == 0), buf, sizeof(buf));
	if (word != q && json_object_set_new(cycle, "quorum_stored",
	    json_string(q)) == -1)
		return -1;
	/* q belongs to cycle["quorum"]: replace it last. */
	if (json_object_set_new(cycle, "tally", json_string(buf)) == -1 ||
	    json_object_set_new(cycle, "quorum", json_string(word)) == -1)
		return -1;
	return 0;
}

/* A status_note is read from an action row. */
#define NOTE_COLUMNS							\
	"SELECT at, cycle_id, target, result = 'ok', detail FROM actions "
static const struct state_col note_cols[] = {
	STATE_COL(INT, struct status_note, at),
	STATE_COL(INT, struct status_note, cycle_id),
	STATE_COL(TEXT, struct status_note, target),
	STATE_COL(BOOL, struct status_note, ok),
	STATE_COL(TEXT, struct status_note, detail),
};

/* Every row of sql (NOTE_COLUMNS) into *arr. */
static void
notes_load(struct state_reader *L, const char *sql, int64_t id,
    struct status_note **arr, size_t *n)
{
	*arr = state_rows_load(L, sql, id, note_cols, STATE_NCOLS(note_cols),
	    sizeof(**arr), n);
}

static bool
note_load(struct state_reader *L, const char *sql, int64_t id,
    struct status_note *note)
{
	return state_row_load(L, sql, id, note_cols, STATE_NCOLS(note_cols),
	    note);
}

/* The stored state row; the initial state of state_load() when none. */
static void
status_load_state(struct state_reader *L, struct site_status *s)
{
	static const struct state_col cols[] = {
		STATE_COL(STATE, struct site_status, state),
		STATE_COL(INT, struct site_status, state_since),
		STATE_COL(PRIMARY, struct site_status, primary_status),
		STATE_COL(INT, struct site_status, fail_streak),
		STATE_COL(INT, struct site_status, ok_streak),
		STATE_COL(BOOL, struct site_status, recovering),
		STATE_COL(INT, struct site_status, last_action_at),
	};

	s->state_since = 0;
	(void)state_row_load(L, "SELECT state, state_since, primary_status, "
	    "fail_streak, ok_streak, recovering, last_action_at FROM "
	    "agent_state WHERE id = 1", STATUS_NULL, cols, STATE_NCOLS(cols),
	    s);
}

/* A cycle of sql (CYCLE_COLUMNS) into *c: found? */
static bool
status_load_cycle(struct state_reader *L, const char *sql,
    struct status_cycle *c)
{
	static const struct state_col cols[] = {
		STATE_COL(INT, struct status_cycle, id),
		STATE_COL(TEXT, struct status_cycle, kind),
		STATE_COL(INT, struct status_cycle, started_at),
		STATE_COL(INT, struct status_cycle, duration_ms),
		STATE_COL(OUTCOME, struct status_cycle, outcome),
		STATE_COL(PRIMARY, struct status_cycle, primary_status),
		STATE_COL(STATE, struct status_cycle, state_before),
		STATE_COL(STATE, struct status_cycle, state_after),
		STATE_COL(TEXT, struct status_cycle, message),
		STATE_COL(INT, struct status_cycle, exit_code),
		STATE_COL(TEXT, struct status_cycle, quorum),
	};

	return state_row_load(L, sql, STATUS_NULL, cols, STATE_NCOLS(cols), c);
}

#define CYCLE_ROW_SQL	CYCLE_COLUMNS "WHERE id = "

/* last_cycle: the cycle, its checks and the outcome of the one before. */
static void
status_load_last_cycle(struct state_reader *L, struct site_status *s)
{
	static const struct state_col check_cols[] = {	/* CHECKS_SQL */
		STATE_COL(TEXT, struct status_check, name),
		STATE_COL(TEXT, struct status_check, type),
		STATE_COL(TEXT, struct status_check, outcome),
		STATE_COL(TEXT, struct status_check, detail),
		STATE_COL(INT, struct status_check, elapsed_ms),
	};
	static const struct state_col prev_cols[] = {
		STATE_COL(OUTCOME, struct status_cycle, previous_outcome),
	};
	struct status_cycle	*c = &s->last_cycle;

	/*
	 * max(id) is the last rowid, found at once (written so, rather than
	 * ORDER BY id DESC LIMIT 1, the plan says so too).
	 */
	if (!(s->has_last_cycle = status_load_cycle(L, CYCLE_ROW_SQL
	    "(SELECT max(id) FROM cycles)", c)))
		return;
	c->checks = state_rows_load(L, CHECKS_SQL, c->id, check_cols,
	    STATE_NCOLS(check_cols), sizeof(*c->checks), &c->nchecks);
	/* "ISOLATED for more than one cycle" needs two: a rowid search. */
	c->has_previous = state_row_load(L, "SELECT outcome FROM cycles WHERE "
	    "id < ?1 ORDER BY id DESC LIMIT 1", c->id, prev_cols,
	    STATE_NCOLS(prev_cols), c);
}

/*
 * votes: those of the most recent cycle that asked, which need not be the
 * last cycle (most cycles ask nobody), and that cycle with its tally.
 */
static void
status_load_votes(struct state_reader *L, struct site_status *s)
{
	static const struct state_col cols[] = {		/* VOTES_SQL */
		STATE_COL(TEXT, struct status_vote, spare),
		STATE_COL(TEXT, struct status_vote, url),
		STATE_COL(TEXT, struct status_vote, voter),
		STATE_COL(TEXT, struct status_vote, verdict),
		STATE_COL(INT, struct status_vote, checked_at),
		STATE_COL(BOOL, struct status_vote, valid),
		STATE_COL(TEXT, struct status_vote, reason),
		STATE_COL(TEXT, struct status_vote, detail),
		STATE_COL(INT, struct status_vote, elapsed_ms),
	};
	struct status_cycle	*c = &s->votes_cycle;
	struct tally		 t;
	const char		*word;
	char			 buf[512];
	size_t			 i;

	if (!(s->has_votes_cycle = status_load_cycle(L, CYCLE_ROW_SQL
	    "(SELECT max(cycle_id) FROM votes)", c)))
		return;
	s->votes = state_rows_load(L, VOTES_SQL, c->id, cols, STATE_NCOLS(cols),
	    sizeof(*s->votes), &s->nvotes);
	memset(&t, 0, sizeof(t));
	for (i = 0; i < s->nvotes; i++) {
		s->votes[i].cycle_id = c->id;
		tally_add(&t, s->votes[i].valid, s->votes[i].verdict,
		    s->votes[i].spare);
	}
	if (c->quorum == NULL || s->nvotes == 0 || L->nomem)
		return;
	word = tally_words(&t, c->quorum, (c->kind != NULL &&
	    strcmp(c->kind, "failback") == 0) || c->state_before ==
	    SITE_ACTIVE, buf, sizeof(buf));
	if ((c->tally = strdup(buf)) == NULL)
		L->nomem = true;
	if (word != c->quorum) {
		c->quorum_stored = c->quorum;
		if ((c->quorum = strdup(word)) == NULL)
			L->nomem = true;
	}
}

/* A DNS move's action rows (one per zone, and "could not read DNS"). */
#define DNS_MOVE_KINDS	"kind IN ('dns to_backup', 'dns to_primary')"
/*
 * A zone that took the change: "ok", or a change served by the master
 * that a nameserver lagged on (cycle.c writes "lagging: ..." as failed).
 */
#define DNS_CHANGED	"(result = 'ok' OR detail LIKE 'lagging:%')"

/*
 * The verification of the last change that was made (issue 18): the
 * newest DNS move action that changed a record, never merely the newest
 * DNS action (a cycle that failed before sending anything changed
 * nothing); its cycle's "dns verify" rows (the nameservers that lagged);
 * the newest failed move after it.  Found through the actions_kind index.
 */
static void
status_load_verify(struct state_reader *L, struct site_status *s)
{
	static const struct state_col cols[] = {
		STATE_COL(INT, struct site_status, verify_move_id),
		STATE_COL(INT, struct site_status, verify_cycle_id),
		STATE_COL(INT, struct site_status, verify_at),
		STATE_COL(TEXT, struct site_status, verify_direction),
	};

	s->has_verify = state_row_load(L, "SELECT id, cycle_id, at, "
	    "substr(kind, 5) FROM actions WHERE id = (SELECT max(id) FROM "
	    "actions WHERE " DNS_MOVE_KINDS " AND " DNS_CHANGED ")",
	    STATUS_NULL, cols, STATE_NCOLS(cols), s);
	s->has_failed_since = note_load(L, NOTE_COLUMNS "WHERE id = (SELECT "
	    "max(id) FROM actions WHERE " DNS_MOVE_KINDS " AND NOT "
	    DNS_CHANGED " AND result = 'failed' AND id > ?1)",
	    s->has_verify ? s->verify_move_id : 0, &s->failed_since);
	if (s->has_failed_since)
		s->has_verify = true;
	if (s->verify_cycle_id > 0)
		notes_load(L, NOTE_COLUMNS "WHERE cycle_id = ?1 AND kind = "
		    "'dns verify' ORDER BY id", s->verify_cycle_id,
		    &s->lagging, &s->nlagging);
}

/*
 * The [hooks] notify POSTs still queued (at most a hundred: the cycle
 * trims the queue), the oldest's time, and the last failure.
 */
static void
status_load_notify(struct state_reader *L, struct site_status *s)
{
	static const struct state_col cols[] = {
		STATE_COL(INT, struct site_status, notify_pending),
		STATE_COL(INT, struct site_status, notify_oldest_at),
		STATE_COL(INT, struct site_status, notify_attempts),
		STATE_COL(TEXT, struct site_status, notify_last_error),
	};

	if (!state_row_load(L, "SELECT count(*), min(created_at), (SELECT "
	    "attempts FROM notify_pending ORDER BY id LIMIT 1), (SELECT "
	    "last_error FROM notify_pending WHERE last_error IS NOT NULL "
	    "ORDER BY last_attempt_at DESC, id DESC LIMIT 1) FROM "
	    "notify_pending",
	    STATUS_NULL, cols, STATE_NCOLS(cols), s) && !L->nomem)
		state_reader_sqlerr(L);
}

/*
 * The open move intent (issue 10: a failover or failback that committed
 * its intent and has not closed it).  A database from before schema 5 has
 * no intents.
 */
static void
status_load_intent(struct state_reader *L, struct site_status *s)
{
	static const struct state_col cols[] = {
		STATE_COL(INT, struct status_intent, id),
		STATE_COL(INT, struct status_intent, opened_at),
		STATE_COL(TEXT, struct status_intent, kind),
		STATE_COL(TEXT, struct status_intent, direction),
		STATE_COL(TEXT, struct status_intent, records),
		STATE_COL(TEXT, struct status_intent, reason),
		STATE_COL(INT, struct status_intent, cycle_id),
	};
	sqlite3_stmt	*st;
	bool		 has;

	st = state_reader_query(L, "SELECT 1 FROM sqlite_master WHERE type = "
	    "'table' AND name = 'intents'", STATUS_NULL);
	has = state_reader_row(L, st);
	sqlite3_finalize(st);
	if (!has)
		return;
	s->has_intent = state_row_load(L, "SELECT id, opened_at, kind, "
	    "direction, records, reason, cycle_id FROM intents WHERE "
	    "closed_at IS NULL ORDER BY id DESC LIMIT 1", STATUS_NULL, cols,
	    STATE_NCOLS(cols), &s->intent);
	s->intent.running = -1;
}

/*
 * Per spare, the last "quorum canary" action (issue 17: a signed vote
 * asked outside an outage, so a wrong vote.key shows before it is
 * needed), newest first.  Read from the newest QUORUM_CANARY_ROWS
 * canaries through the actions_kind index (a canary asks one spare at a
 * time, in rotation, so every spare of any sane config is among them).
 */
#define QUORUM_CANARY_ROWS	64

static void
status_load_quorum_canary(struct state_reader *L, struct site_status *s)
{
	struct status_note	*all = NULL, *keep;
	size_t			 nall = 0, i, j;

	notes_load(L, NOTE_COLUMNS "WHERE kind = 'quorum canary' ORDER BY id "
	    "DESC LIMIT ?1", QUORUM_CANARY_ROWS, &all, &nall);
	/* all is newest first: keep each spare's first, in place. */
	keep = all;
	for (i = 0; i < nall; i++) {
		for (j = 0; j < s->nquorum_canary; j++)
			if ((all[i].target == NULL) == (keep[j].target ==
			    NULL) && (all[i].target == NULL ||
			    strcmp(all[i].target, keep[j].target) == 0))
				break;
		if (j < s->nquorum_canary) {
			free(all[i].target);
			free(all[i].detail);
		} else
			keep[s->nquorum_canary++] = all[i];
	}
	s->quorum_canary = keep;
}

static void
status_load_transitions(struct state_reader *L, struct site_status *s,
    int ntransitions)
{
	/* TRANSITIONS_COLUMNS */
	static const struct state_col cols[] = {
		STATE_COL(INT, struct status_transition, at),
		STATE_COL(STATE, struct status_transition, from),
		STATE_COL(STATE, struct status_transition, to),
		STATE_COL(TEXT, struct status_transition, reason),
		STATE_COL(INT, struct status_transition, cycle_id),
	};

	/* LIMIT -1: every transition. */
	s->transitions = state_rows_load(L, TRANSITIONS_COLUMNS "ORDER BY at "
	    "DESC, id DESC LIMIT ?1", ntransitions < 0 ? -1 : ntransitions,
	    cols, STATE_NCOLS(cols), sizeof(*s->transitions),
	    &s->ntransitions);
}

/* records: what each managed record held when DNS was last read. */
static void
status_load_records(struct state_reader *L, struct site_status *s)
{
	static const struct state_col cols[] = {
		STATE_COL(TEXT, struct status_record, zone),
		STATE_COL(TEXT, struct status_record, owner),
		STATE_COL(TEXT, struct status_record, addrs),
		STATE_COL(TEXT, struct status_record, holds),
		STATE_COL(INT, struct status_record, seen_at),
	};

	s->records = state_rows_load(L, "SELECT zone, owner, addrs, holds, "
	    "seen_at FROM records_seen ORDER BY zone, owner", STATUS_NULL, cols,
	    STATE_NCOLS(cols), sizeof(*s->records), &s->nrecords);
}

void
state_status_empty(struct site_status *s)
{
	memset(s, 0, sizeof(*s));
	s->state = SITE_UNKNOWN;
	s->state_since = STATUS_NULL;
	s->primary_status = PRIMARY_OK;
	s->verify_cycle_id = s->verify_at = STATUS_NULL;
	s->notify_oldest_at = s->notify_attempts = STATUS_NULL;
}

/*
 * Every query inside one read transaction: in WAL mode that is one
 * snapshot, even while a cycle is being recorded.
 */
int
state_status_load(struct state_db *sdb, int ntransitions,
    struct site_status *s, char *err, size_t errlen)
{
	struct state_reader	 L = { .sdb = sdb, .what = "read",
				    .shown = true, .err = err,
				    .errlen = errlen };

	state_status_empty(s);
	s->stored = true;
	if (read_begin(sdb, err, errlen) == -1)
		return -1;
	status_load_state(&L, s);
	status_load_last_cycle(&L, s);
	status_load_records(&L, s);
	status_load_votes(&L, s);
	s->has_canary = note_load(&L, NOTE_COLUMNS "WHERE kind = 'canary' "
	    "ORDER BY id DESC LIMIT 1", STATUS_NULL, &s->canary);
	status_load_verify(&L, s);
	status_load_notify(&L, s);
	status_load_intent(&L, s);
	status_load_quorum_canary(&L, s);
	/*
	 * The failed "dns layout" actions of the last cycle that checked the
	 * layout (hourly, issue 18): none when it found nothing.
	 */
	notes_load(&L, NOTE_COLUMNS "WHERE cycle_id = (SELECT cycle_id FROM "
	    "actions WHERE id = (SELECT max(id) FROM actions WHERE kind = "
	    "'dns layout')) AND kind = 'dns layout' AND result = 'failed' "
	    "ORDER BY id", STATUS_NULL, &s->layout_warnings,
	    &s->nlayout_warnings);
	/*
	 * The "dns stale" actions of the last cycle (verify = all between
	 * moves, issue 18): none when it found none or did not look.
	 */
	notes_load(&L, NOTE_COLUMNS "WHERE cycle_id = (SELECT max(id) FROM "
	    "cycles) AND kind = 'dns stale' ORDER BY id", STATUS_NULL,
	    &s->stale, &s->nstale);
	status_load_transitions(&L, s, ntransitions);
	read_end(sdb);
	return state_reader_end(&L);
}

static void
status_cycle_free(struct status_cycle *c)
{
	size_t	i;

	free(c->kind);
	free(c->message);
	free(c->quorum);
	free(c->quorum_stored);
	free(c->tally);
	for (i = 0; i < c->nchecks; i++) {
		free(c->checks[i].name);
		free(c->checks[i].type);
		free(c->checks[i].outcome);
		free(c->checks[i].detail);
	}
	free(c->checks);
}

static void
status_notes_free(struct status_note *n, size_t count)
{
	size_t	i;

	for (i = 0; i < count; i++) {
		free(n[i].target);
		free(n[i].detail);
	}
	free(n);
}

void
state_status_records_free(struct site_status *s)
{
	size_t	i;

	for (i = 0; i < s->nrecords; i++) {
		free(s->records[i].zone);
		free(s->records[i].owner);
		free(s->records[i].addrs);
		free(s->records[i].holds);
		free(s->records[i].why);
	}
	free(s->records);
	s->records = NULL;
	s->nrecords = 0;
}

void
state_status_free(struct site_status *s)
{
	size_t	i;

	if (s == NULL)
		return;
	status_cycle_free(&s->last_cycle);
	status_cycle_free(&s->votes_cycle);
	state_status_records_free(s);
	free(s->records_error);
	for (i = 0; i < s->nvotes; i++) {
		free(s->votes[i].spare);
		free(s->votes[i].url);
		free(s->votes[i].voter);
		free(s->votes[i].verdict);
		free(s->votes[i].reason);
		free(s->votes[i].detail);
	}
	free(s->votes);
	free(s->canary.target);
	free(s->canary.detail);
	free(s->verify_direction);
	status_notes_free(s->lagging, s->nlagging);
	free(s->failed_since.target);
	free(s->failed_since.detail);
	free(s->notify_last_error);
	free(s->intent.kind);
	free(s->intent.direction);
	free(s->intent.records);
	free(s->intent.reason);
	status_notes_free(s->quorum_canary, s->nquorum_canary);
	status_notes_free(s->layout_warnings, s->nlayout_warnings);
	status_notes_free(s->stale, s->nstale);
	for (i = 0; i < s->ntransitions; i++)
		free(s->transitions[i].reason);
	free(s->transitions);
	status_notes_free(s->failing, s->nfailing);
	memset(s, 0, sizeof(*s));
}

/*
 * The JSON renderer.  Builders that take NULL for "out of memory" so that
 * each object is one json_pack(); the caller checks the whole once.
 */
static json_t *
jtext(const char *s)
{
	return s != NULL ? json_string(s) : json_null();
}

static json_t *
jint(int64_t v)
{
	return v != STATUS_NULL ? json_integer(v) : json_null();
}

/* Which of a note's fields an object shows. */
#define NOTE_AT		0x1
#define NOTE_CYCLE	0x2
#define NOTE_OK		0x4

/*
 * A note as an object: target under target_key (none if NULL), detail
 * under detail_key, and the fields of flags.
 */
static json_t *
note_json(const struct status_note *n, const char *target_key,
    const char *detail_key, unsigned flags)
{
	json_t	*o = json_object();

	if (o == NULL)
		return NULL;
	if ((target_key != NULL && json_object_set_new(o, target_key,
	    jtext(n->target)) == -1) ||
	    json_object_set_new(o, detail_key, jtext(n->detail)) == -1 ||
	    ((flags & NOTE_AT) && json_object_set_new(o, "at",
	    jint(n->at)) == -1) ||
	    ((flags & NOTE_CYCLE) && json_object_set_new(o, "cycle_id",
	    jint(n->cycle_id)) == -1) ||
	    ((flags & NOTE_OK) && json_object_set_new(o, "ok",
	    json_boolean(n->ok)) == -1)) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *
notes_json(const struct status_note *n, size_t count, const char *target_key,
    const char *detail_key, unsigned flags)
{
	json_t	*arr = json_array();
	size_t	 i;

	for (i = 0; arr != NULL && i < count; i++)
		if (json_array_append_new(arr, note_json(&n[i], target_key,
		    detail_key, flags)) == -1) {
			json_decref(arr);
			arr = NULL;
		}
	return arr;
}

/* A cycle row; last: with its checks and previous_outcome. */
static json_t *
cycle_json(const struct status_cycle *c, bool last)
{
	json_t	*o, *checks;
	size_t	 i;

	o = json_pack("{s:o, s:o, s:o, s:o, s:s, s:s, s:s, s:s, s:o, s:o, "
	    "s:o}", "id", jint(c->id), "kind", jtext(c->kind), "started_at",
	    jint(c->started_at), "duration_ms", jint(c->duration_ms),
	    "outcome", cycle_outcome_str(c->outcome), "primary_status",
	    primary_status_str(c->primary_status), "state_before",
	    site_state_str(c->state_before), "state_after",
	    site_state_str(c->state_after), "message", jtext(c->message),
	    "exit_code", jint(c->exit_code), "quorum", jtext(c->quorum));
	if (o == NULL)
		return NULL;
	if ((c->tally != NULL && json_object_set_new(o, "tally",
	    json_string(c->tally)) == -1) ||
	    (c->quorum_stored != NULL && json_object_set_new(o,
	    "quorum_stored", json_string(c->quorum_stored)) == -1))
		goto fail;
	if (!last)
		return o;
	if ((checks = json_array()) == NULL ||
	    json_object_set_new(o, "checks", checks) == -1 ||
	    json_object_set_new(o, "previous_outcome", c->has_previous ?
	    json_string(cycle_outcome_str(c->previous_outcome)) :
	    json_null()) == -1)
		goto fail;
	for (i = 0; i < c->nchecks; i++)
		if (json_array_append_new(checks, json_pack("{s:o, s:o, s:o, "
		    "s:o, s:o}", "name", jtext(c->checks[i].name), "type",
		    jtext(c->checks[i].type), "outcome",
		    jtext(c->checks[i].outcome), "detail",
		    jtext(c->checks[i].detail), "elapsed_ms",
		    jint(c->checks[i].elapsed_ms))) == -1)
			goto fail;
	return o;
fail:
	json_decref(o);
	return NULL;
}

static json_t *
records_json(const struct site_status *s)
{
	const struct status_record	*r;
	json_t				*arr = json_array(), *o;
	size_t				 i;

	for (i = 0; arr != NULL && i < s->nrecords; i++) {
		r = &s->records[i];
		o = json_pack("{s:o, s:o, s:o, s:o, s:o}", "zone",
		    jtext(r->zone), "owner", jtext(r->owner), "addrs",
		    jtext(r->addrs), "holds", jtext(r->holds), "seen_at",
		    jint(r->seen_at));
		/* A conflict says what differs (issue 10). */
		if (o != NULL && r->why != NULL && r->why[0] != '\0' &&
		    json_object_set_new(o, "why", json_string(r->why)) == -1) {
			json_decref(o);
			o = NULL;
		}
		if (json_array_append_new(arr, o) == -1) {
			json_decref(arr);
			arr = NULL;
		}
	}
	return arr;
}

static json_t *
votes_status_json(const struct site_status *s)
{
	const struct status_vote	*v;
	json_t				*arr = json_array();
	size_t				 i;

	for (i = 0; arr != NULL && i < s->nvotes; i++) {
		v = &s->votes[i];
		if (json_array_append_new(arr, json_pack("{s:o, s:o, s:o, s:o, "
		    "s:o, s:b, s:o, s:o, s:o, s:o}", "spare", jtext(v->spare),
		    "url", jtext(v->url), "voter", jtext(v->voter), "verdict",
		    jtext(v->verdict), "checked_at", jint(v->checked_at),
		    "valid", v->valid, "reason", jtext(v->reason), "detail",
		    jtext(v->detail), "elapsed_ms", jint(v->elapsed_ms),
		    "cycle_id", jint(v->cycle_id))) == -1) {
			json_decref(arr);
			arr = NULL;
		}
	}
	return arr;
}

static json_t *
verify_status_json(const struct site_status *s)
{
	json_t	*o;

	if (!s->has_verify)
		return json_null();
	o = json_pack("{s:o, s:o, s:o, s:o, s:o}", "cycle_id",
	    jint(s->verify_cycle_id), "at", jint(s->verify_at), "direction",
	    jtext(s->verify_direction), "lagging", notes_json(s->lagging,
	    s->nlagging, "zone", "detail", 0), "failed_since",
	    s->has_failed_since ? note_json(&s->failed_since, "zone",
	    "detail", NOTE_AT | NOTE_CYCLE) : json_null());
	return o;
}

static json_t *
intent_status_json(const struct site_status *s)
{
	const struct status_intent	*in = &s->intent;
	json_t				*o;

	if (!s->has_intent)
		return json_null();
	o = json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "id",
	    jint(in->id), "opened_at", jint(in->opened_at), "kind",
	    jtext(in->kind), "direction", jtext(in->direction), "records",
	    jtext(in->records), "reason", jtext(in->reason), "cycle_id",
	    jint(in->cycle_id));
	if (o != NULL && s->annotated && (json_object_set_new(o, "running",
	    in->running == -1 ? json_null() : json_boolean(in->running)) ==
	    -1 || json_object_set_new(o, "interrupted",
	    json_boolean(in->interrupted)) == -1)) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* What only a stored status has (a site without a database has not). */
static int
status_stored_json(const struct site_status *s, json_t *o)
{
	return json_object_update_new(o, json_pack("{s:b, s:o, s:{s:o, s:o, "
	    "s:o, s:o}, s:o, s:o}", "recovering", s->recovering,
	    "last_action_at", jint(s->last_action_at), "notify", "pending",
	    jint(s->notify_pending), "oldest_at", jint(s->notify_oldest_at),
	    "attempts", jint(s->notify_attempts), "last_error",
	    jtext(s->notify_last_error), "layout_warnings",
	    notes_json(s->layout_warnings, s->nlayout_warnings, NULL,
	    "detail", NOTE_AT), "stale_nameservers", notes_json(s->stale,
	    s->nstale, "zone", "detail", NOTE_AT)));
}

/* What the command judged from the config (cmd_status_annotate()). */
static int
status_annotated_json(const struct site_status *s, json_t *o)
{
	if (json_object_set_new(o, "no_quorum", json_boolean(s->no_quorum)) ==
	    -1)
		return -1;
	if (!s->has_quorum_check)
		return 0;
	return json_object_set_new(o, "quorum_check", json_pack("{s:i, s:i, "
	    "s:o}", "need", s->quorum_need, "spares", s->quorum_spares,
	    "failing", notes_json(s->failing, s->nfailing, "spare", "detail",
	    NOTE_AT)));
}

json_t *
state_status_to_json(const struct site_status *s)
{
	json_t				*o, *tr;
	const struct status_transition	*t;
	size_t				 i;

	o = json_pack("{s:s, s:o, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, "
	    "s:o, s:o, s:o, s:o}", "state", site_state_str(s->state),
	    "state_since", jint(s->state_since), "primary_status",
	    primary_status_str(s->primary_status), "fail_streak",
	    jint(s->fail_streak), "ok_streak", jint(s->ok_streak),
	    "last_cycle", s->has_last_cycle ? cycle_json(&s->last_cycle,
	    true) : json_null(), "records", records_json(s), "votes",
	    votes_status_json(s), "votes_cycle", s->has_votes_cycle ?
	    cycle_json(&s->votes_cycle, false) : json_null(), "canary",
	    s->has_canary ? note_json(&s->canary, NULL, "message", NOTE_AT |
	    NOTE_OK) : json_null(), "verify", verify_status_json(s),
	    "intent", intent_status_json(s), "quorum_canary",
	    notes_json(s->quorum_canary, s->nquorum_canary, "spare",
	    "detail", NOTE_AT | NOTE_CYCLE | NOTE_OK), "transitions",
	    tr = json_array());
	if (o == NULL)
		return NULL;
	for (i = 0; i < s->ntransitions; i++) {
		t = &s->transitions[i];
		if (json_array_append_new(tr, json_pack("{s:o, s:s, s:s, s:o, "
		    "s:o}", "at", jint(t->at), "from", site_state_str(t->from),
		    "to", site_state_str(t->to), "reason", jtext(t->reason),
		    "cycle_id", jint(t->cycle_id))) == -1)
			goto fail;
	}
	if (s->records_source != STATUS_RECORDS_STORED &&
	    json_object_set_new(o, "records_live", json_boolean(
	    s->records_source == STATUS_RECORDS_LIVE)) == -1)
		goto fail;
	if (s->records_source == STATUS_RECORDS_LIVE_FAILED &&
	    json_object_set_new(o, "records_error",
	    jtext(s->records_error)) == -1)
		goto fail;
	if ((s->stored && status_stored_json(s, o) == -1) ||
	    (s->annotated && status_annotated_json(s, o) == -1))
		goto fail;
	return o;
fail:
	json_decref(o);
	return NULL;
}

json_t *
state_status_json(struct state_db *sdb, int ntransitions, char *err,
    size_t errlen)
{
	struct site_status	 s;
	json_t			*o = NULL;

	if (state_status_load(sdb, ntransitions, &s, err, errlen) == 0 &&
	    (o = state_status_to_json(&s)) == NULL)
		state_seterr(err, errlen, "state database %s: out of memory",
		    sdb->path);
	state_status_free(&s);
	return o;
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
