/*
 * rows.c: reading query rows into structs for the files of state/ (see
 * state_int.h).  A query's columns are listed, in order, as a kind and an
 * offset in the struct they fill (struct state_col), so a row is read by
 * one function and each query and its map are written side by side.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "state/state.h"
#include "state/state_int.h"

void
state_reader_sqlerr(struct state_reader *r)
{
	if (!r->failed)
		state_seterr(r->err, r->errlen, "state database %s: %s: %s",
		    r->sdb->path, r->what, sqlite3_errmsg(r->sdb->db));
	r->failed = true;
}

int
state_reader_end(struct state_reader *r)
{
	if (r->nomem && !r->failed)
		state_seterr(r->err, r->errlen, "state database %s: out of "
		    "memory", r->sdb->path);
	return r->failed || r->nomem ? -1 : 0;
}

/*
 * A text column as a string the caller owns (NULL for SQL NULL).  For
 * text shown to a person (r->shown): a check's detail may quote what the
 * primary answered, and bytes of a text that is not UTF-8 become '?'
 * (JSON could not carry them).
 */
static char *
col_text(struct state_reader *r, sqlite3_stmt *st, int i)
{
	const char	*s = (const char *)sqlite3_column_text(st, i);
	size_t		 len = (size_t)sqlite3_column_bytes(st, i), k;
	json_t		*valid;
	char		*copy;

	if (s == NULL)
		return NULL;
	if ((copy = malloc(len + 1)) == NULL) {
		r->nomem = true;
		return NULL;
	}
	memcpy(copy, s, len);
	copy[len] = '\0';
	if (!r->shown)
		return copy;
	if ((valid = json_stringn(s, len)) != NULL) {
		json_decref(valid);
		return copy;
	}
	for (k = 0; k < len; k++)
		if (!(copy[k] > 0 && copy[k] < 0x7f))
			copy[k] = '?';
	return copy;
}

/* An integer column; STATUS_NULL for SQL NULL. */
static int64_t
col_int(sqlite3_stmt *st, int i)
{
	if (sqlite3_column_type(st, i) == SQLITE_NULL)
		return STATUS_NULL;
	return sqlite3_column_int64(st, i);
}

/* A vocabulary column: its enum, max (shown "invalid") for another word. */
static int
col_word(sqlite3_stmt *st, int i, int (*from_str)(const char *), int max)
{
	int	v = from_str((const char *)sqlite3_column_text(st, i));

	return v == -1 ? max : v;
}

#define FIELD(type, p, col)	(*(type *)(void *)((p) + (col)->off))

void
state_row_read(struct state_reader *r, sqlite3_stmt *st,
    const struct state_col *cols, size_t ncols, void *obj)
{
	const struct state_col	*c;
	char			*p = obj;
	int			 i;

	for (i = 0; i < (int)ncols; i++) {
		c = &cols[i];
		switch (c->kind) {
		case STATE_COL_TEXT:
			FIELD(char *, p, c) = col_text(r, st, i);
			break;
		case STATE_COL_INT:
			FIELD(int64_t, p, c) = col_int(st, i);
			break;
		case STATE_COL_INT32:
			FIELD(int, p, c) = sqlite3_column_int(st, i);
			break;
		case STATE_COL_BOOL:
			FIELD(bool, p, c) = sqlite3_column_int(st, i) != 0;
			break;
		case STATE_COL_STATE:
			FIELD(enum site_state, p, c) = col_word(st, i,
			    site_state_from_str, SITE_STATE_MAX);
			break;
		case STATE_COL_PRIMARY:
			FIELD(enum primary_status, p, c) = col_word(st, i,
			    primary_status_from_str, PRIMARY_STATUS_MAX);
			break;
		case STATE_COL_OUTCOME:
			FIELD(enum cycle_outcome, p, c) = col_word(st, i,
			    cycle_outcome_from_str, OUTCOME_MAX);
			break;
		}
	}
}

sqlite3_stmt *
state_reader_query(struct state_reader *r, const char *sql, int64_t id)
{
	sqlite3_stmt	*st = NULL;

	if (r->failed || r->nomem)
		return NULL;
	if (sqlite3_prepare_v2(r->sdb->db, sql, -1, &st, NULL) != SQLITE_OK) {
		state_reader_sqlerr(r);
		sqlite3_finalize(st);
		return NULL;
	}
	if (id != STATUS_NULL)
		sqlite3_bind_int64(st, 1, id);
	return st;
}

bool
state_reader_row(struct state_reader *r, sqlite3_stmt *st)
{
	int	src;

	if (st == NULL || r->failed || r->nomem)
		return false;
	if ((src = sqlite3_step(st)) == SQLITE_ROW)
		return true;
	if (src != SQLITE_DONE)
		state_reader_sqlerr(r);
	return false;
}

bool
state_row_load(struct state_reader *r, const char *sql, int64_t id,
    const struct state_col *cols, size_t ncols, void *obj)
{
	sqlite3_stmt	*st = state_reader_query(r, sql, id);
	bool		 found;

	if ((found = state_reader_row(r, st)))
		state_row_read(r, st, cols, ncols, obj);
	sqlite3_finalize(st);
	return found;
}

/* Free an array of state_rows_load() with the strings its map put in it. */
static void
rows_free(const struct state_col *cols, size_t ncols, char *arr, size_t n,
    size_t size)
{
	size_t	i, k;

	for (i = 0; arr != NULL && i < n; i++)
		for (k = 0; k < ncols; k++)
			if (cols[k].kind == STATE_COL_TEXT)
				free(FIELD(char *, arr + i * size, &cols[k]));
	free(arr);
}

void *
state_rows_load(struct state_reader *r, const char *sql, int64_t id,
    const struct state_col *cols, size_t ncols, size_t size, size_t *n)
{
	sqlite3_stmt	*st = state_reader_query(r, sql, id);
	char		*arr = NULL, *p;

	*n = 0;
	while (state_reader_row(r, st)) {
		if ((p = reallocarray(arr, *n + 1, size)) == NULL) {
			r->nomem = true;
			break;
		}
		arr = p;
		memset(arr + *n * size, 0, size);
		state_row_read(r, st, cols, ncols, arr + (*n)++ * size);
	}
	sqlite3_finalize(st);
	if (r->failed || r->nomem) {
		rows_free(cols, ncols, arr, *n, size);
		*n = 0;
		return NULL;
	}
	return arr;
}
