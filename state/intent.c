/*
 * intent.c: what makes a move survive interruption (failover-agent(8), Moves
 * that survive interruption; issue 10):
 * the intent a cycle commits before its first outside action, the zones'
 * SOA serials (drift), and the conditions that need a person.  The cycle's
 * own transaction (state_record_cycle) closes intents, stores serials and
 * replaces conditions through state_record_extras().
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "state/state.h"
#include "state/state_int.h"

static char *
col_strdup(sqlite3_stmt *st, int i)
{
	const char	*s = (const char *)sqlite3_column_text(st, i);

	return strdup(s != NULL ? s : "");
}

static void
bind_str(sqlite3_stmt *st, int i, const char *s)
{
	if (s != NULL)
		sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i);
}

/* One statement, run once: -1 with err naming what. */
static int
run_stmt(struct state_db *sdb, sqlite3_stmt *st, const char *what, char *err,
    size_t errlen)
{
	int	rc = sqlite3_step(st);

	if (rc == SQLITE_DONE || rc == SQLITE_ROW)
		return 0;
	state_seterr(err, errlen, "state database %s: %s: %s", sdb->path,
	    what, sqlite3_errmsg(sdb->db));
	return -1;
}

int
state_intent_open(struct state_db *sdb, struct state_intent *in, char *err,
    size_t errlen)
{
	sqlite3_stmt	*st = NULL;
	int		 rc = -1, in_txn = 0;

	if (state_exec(sdb->db, sdb->path, "BEGIN IMMEDIATE", "record intent",
	    err, errlen) == -1)
		goto done;
	in_txn = 1;
	if (sqlite3_prepare_v2(sdb->db, "UPDATE intents SET closed_at = ?1, "
	    "closed_how = 'reconciled' WHERE closed_at IS NULL", -1, &st,
	    NULL) != SQLITE_OK)
		goto sqlerr;
	sqlite3_bind_int64(st, 1, in->opened_at);
	if (run_stmt(sdb, st, "close intents", err, errlen) == -1)
		goto done;
	sqlite3_finalize(st);
	if (sqlite3_prepare_v2(sdb->db, "INSERT INTO intents (opened_at, "
	    "boot_id, boottime_ms, cycle_id, kind, direction, records, reason)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)", -1, &st, NULL) !=
	    SQLITE_OK)
		goto sqlerr;
	sqlite3_bind_int64(st, 1, in->opened_at);
	bind_str(st, 2, in->boot_id[0] != '\0' ? in->boot_id : NULL);
	sqlite3_bind_int64(st, 3, in->boottime_ms);
	sqlite3_bind_int64(st, 4, in->cycle_id);
	bind_str(st, 5, in->kind);
	bind_str(st, 6, in->to_backup ? "to_backup" : "to_primary");
	bind_str(st, 7, in->records != NULL ? in->records : "");
	bind_str(st, 8, in->reason);
	if (run_stmt(sdb, st, "record intent", err, errlen) == -1)
		goto done;
	in->id = sqlite3_last_insert_rowid(sdb->db);
	if (state_exec(sdb->db, sdb->path, "COMMIT", "record intent", err,
	    errlen) == -1)
		goto done;
	in_txn = 0;
	rc = 0;
	goto done;
sqlerr:
	state_seterr(err, errlen, "state database %s: record intent: %s",
	    sdb->path, sqlite3_errmsg(sdb->db));
done:
	sqlite3_finalize(st);
	if (in_txn && !sqlite3_get_autocommit(sdb->db))
		(void)sqlite3_exec(sdb->db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

int
state_intent_load_open(struct state_db *sdb, struct state_intent *out,
    char *err, size_t errlen)
{
	sqlite3_stmt	*st = NULL;
	const char	*s;
	int		 src, rc = -1;

	memset(out, 0, sizeof(*out));
	if (sqlite3_prepare_v2(sdb->db, "SELECT id, opened_at, boot_id, "
	    "boottime_ms, cycle_id, kind, direction, records, reason FROM "
	    "intents WHERE closed_at IS NULL ORDER BY id DESC LIMIT 1", -1,
	    &st, NULL) != SQLITE_OK)
		goto sqlerr;
	src = sqlite3_step(st);
	if (src == SQLITE_DONE) {
		rc = 1;
		goto done;
	}
	if (src != SQLITE_ROW)
		goto sqlerr;
	out->id = sqlite3_column_int64(st, 0);
	out->opened_at = sqlite3_column_int64(st, 1);
	if ((s = (const char *)sqlite3_column_text(st, 2)) != NULL)
		snprintf(out->boot_id, sizeof(out->boot_id), "%s", s);
	out->boottime_ms = sqlite3_column_int64(st, 3);
	out->cycle_id = sqlite3_column_int64(st, 4);
	if ((s = (const char *)sqlite3_column_text(st, 5)) != NULL)
		snprintf(out->kind, sizeof(out->kind), "%s", s);
	s = (const char *)sqlite3_column_text(st, 6);
	out->to_backup = s != NULL && strcmp(s, "to_backup") == 0;
	out->records = col_strdup(st, 7);
	out->reason = col_strdup(st, 8);
	if (out->records == NULL || out->reason == NULL) {
		state_intent_clear(out);
		state_seterr(err, errlen, "out of memory");
		goto done;
	}
	rc = 0;
	goto done;
sqlerr:
	state_seterr(err, errlen, "state database %s: load intent: %s",
	    sdb->path, sqlite3_errmsg(sdb->db));
done:
	sqlite3_finalize(st);
	return rc;
}

void
state_intent_clear(struct state_intent *in)
{
	free(in->records);
	free(in->reason);
	memset(in, 0, sizeof(*in));
}

int
state_zone_serial_load(struct state_db *sdb, const char *zone,
    uint32_t *serial, char *err, size_t errlen)
{
	sqlite3_stmt	*st = NULL;
	int		 src, rc = -1;

	if (sqlite3_prepare_v2(sdb->db, "SELECT serial FROM zone_serials "
	    "WHERE zone = ?1", -1, &st, NULL) != SQLITE_OK)
		goto sqlerr;
	bind_str(st, 1, zone);
	src = sqlite3_step(st);
	if (src == SQLITE_DONE)
		rc = 1;
	else if (src == SQLITE_ROW) {
		*serial = (uint32_t)sqlite3_column_int64(st, 0);
		rc = 0;
	} else
		goto sqlerr;
	goto done;
sqlerr:
	state_seterr(err, errlen, "state database %s: load serial: %s",
	    sdb->path, sqlite3_errmsg(sdb->db));
done:
	sqlite3_finalize(st);
	return rc;
}

int
state_conditions_load(struct state_db *sdb, struct condition **out,
    size_t *n, char *err, size_t errlen)
{
	static const struct state_col cols[] = {
		STATE_COL(TEXT, struct condition, name),	/* never NULL */
		STATE_COL(TEXT, struct condition, detail),	/* never NULL */
		STATE_COL(INT, struct condition, since),
	};
	struct state_reader	r = { .sdb = sdb, .what = "load conditions",
				    .err = err, .errlen = errlen };

	*out = state_rows_load(&r, "SELECT coalesce(name, ''), "
	    "coalesce(detail, ''), since FROM conditions ORDER BY name",
	    STATUS_NULL, cols, STATE_NCOLS(cols), sizeof(**out), n);
	return state_reader_end(&r);
}

void
state_conditions_free(struct condition *c, size_t n)
{
	size_t	i;

	if (c == NULL)
		return;
	for (i = 0; i < n; i++) {
		free((char *)(uintptr_t)c[i].name);
		free((char *)(uintptr_t)c[i].detail);
	}
	free(c);
}

/*
 * Inside the cycle's transaction (state_record_cycle): close intents,
 * store serials, replace conditions.  Returns 0 or -1 with err set (the
 * caller rolls back).
 */
int
state_record_extras(struct state_db *sdb, const struct cycle_record *c,
    long long cycle_id, char *err, size_t errlen)
{
	sqlite3_stmt	*st = NULL;
	size_t		 i;
	int		 rc = -1;

	if (c->intent_close != NULL) {
		if (sqlite3_prepare_v2(sdb->db, "UPDATE intents SET closed_at ="
		    " ?1, closed_cycle_id = ?2, closed_how = ?3 WHERE closed_at"
		    " IS NULL", -1, &st, NULL) != SQLITE_OK)
			goto sqlerr;
		sqlite3_bind_int64(st, 1, c->started_at + c->duration_ms / 1000);
		sqlite3_bind_int64(st, 2, cycle_id);
		bind_str(st, 3, c->intent_close);
		if (run_stmt(sdb, st, "close intent", err, errlen) == -1)
			goto done;
		sqlite3_finalize(st);
		st = NULL;
	}
	if (c->nserials > 0) {
		if (sqlite3_prepare_v2(sdb->db, "INSERT INTO zone_serials (zone,"
		    " serial, seen_at) VALUES (?1, ?2, ?3) ON CONFLICT (zone) DO"
		    " UPDATE SET serial = excluded.serial, seen_at ="
		    " excluded.seen_at", -1, &st, NULL) != SQLITE_OK)
			goto sqlerr;
		for (i = 0; i < c->nserials; i++) {
			sqlite3_reset(st);
			bind_str(st, 1, c->serials[i].zone);
			sqlite3_bind_int64(st, 2, c->serials[i].serial);
			sqlite3_bind_int64(st, 3, c->started_at);
			if (run_stmt(sdb, st, "record serials", err,
			    errlen) == -1)
				goto done;
		}
		sqlite3_finalize(st);
		st = NULL;
	}
	if (!c->have_conditions) {
		rc = 0;
		goto done;
	}
	if (state_exec(sdb->db, sdb->path, "DELETE FROM conditions",
	    "record conditions", err, errlen) == -1)
		goto done;
	if (sqlite3_prepare_v2(sdb->db, "INSERT INTO conditions (name, since,"
	    " detail) VALUES (?1, ?2, ?3)", -1, &st, NULL) != SQLITE_OK)
		goto sqlerr;
	for (i = 0; i < c->nconditions; i++) {
		sqlite3_reset(st);
		bind_str(st, 1, c->conditions[i].name);
		sqlite3_bind_int64(st, 2, c->conditions[i].since != 0 ?
		    c->conditions[i].since : c->started_at);
		bind_str(st, 3, c->conditions[i].detail);
		if (run_stmt(sdb, st, "record conditions", err, errlen) == -1)
			goto done;
	}
	rc = 0;
	goto done;
sqlerr:
	state_seterr(err, errlen, "state database %s: %s", sdb->path,
	    sqlite3_errmsg(sdb->db));
done:
	sqlite3_finalize(st);
	return rc;
}
