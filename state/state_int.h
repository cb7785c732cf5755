/*
 * state_int.h: what the files of state/ share.  Not an interface for other
 * modules (they use state.h); the unit test includes it to drive the
 * migration runner directly.
 */
#ifndef FA_STATE_INT_H
#define FA_STATE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sqlite3.h>

/* PRAGMA application_id of our databases: "FaAg", so we never migrate into another program's file. */
#define STATE_APPLICATION_ID	0x46614167
/* How long a writer waits for another one (status readers never block it in WAL mode). */
#define STATE_BUSY_TIMEOUT_MS	5000

struct state_db {
	sqlite3	*db;
	char	*path;
	bool	 read_only;
};

/* The schema version this build writes (the number of migration steps). */
int	state_schema_latest(void);

/*
 * The migration steps themselves (state_schema_latest() of them), for the
 * unit test that builds a database of an older version step by step.
 */
const char *const *state_schema_steps(void);

/*
 * Bring db to the latest schema (read-write), or check that it already is
 * (read_only).  Refuses a database newer than we know, or one that belongs
 * to another program.  Returns 0, or -1 with err set (naming path).
 */
int	state_schema_open(sqlite3 *db, const char *path, bool read_only,
	    char *err, size_t errlen);

/*
 * Apply steps[v .. nsteps-1] to db, where v is its PRAGMA user_version, each
 * step in its own transaction that also sets user_version to the step's
 * number, so a failed or interrupted step leaves the previous version
 * whole.  *applied counts the steps run.  Returns 0, or -1 with err set.
 * Exposed for the unit test, which runs it with its own steps.
 */
int	state_schema_apply(sqlite3 *db, const char *path,
	    const char *const *steps, int nsteps, int *applied, char *err,
	    size_t errlen);

struct cycle_record;

/* intent.c: the issue-10 parts of a cycle's transaction. */
int	state_record_extras(struct state_db *, const struct cycle_record *,
	    long long cycle_id, char *err, size_t errlen);

/* snprintf into err if err is not NULL. */
void	state_seterr(char *err, size_t errlen, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

/* Run SQL without results; -1 with err "PATH: WHAT: sqlite message". */
int	state_exec(sqlite3 *db, const char *path, const char *sql,
	    const char *what, char *err, size_t errlen);

/* One integer out of a one-row query such as "PRAGMA user_version". */
int	state_query_int(sqlite3 *db, const char *path, const char *sql,
	    long long *out, char *err, size_t errlen);

/*
 * Reading rows into structs (rows.c).  A reader carries one read's
 * context: the first error wins (err: "state database PATH: WHAT: sqlite
 * message"), and once a query failed or memory ran out every later call
 * does nothing, so a read is a list of calls checked once, at
 * state_reader_end() (0, or -1 with err set).
 */
struct state_reader {
	struct state_db	*sdb;
	const char	*what;		/* "read", "load conditions", ... */
	bool		 shown;		/* text shown: non-UTF-8 as '?' */
	char		*err;
	size_t		 errlen;
	bool		 failed;
	bool		 nomem;
};

/* Where one column of a query goes: its kind, and the field's offset. */
struct state_col {
	enum {
		STATE_COL_TEXT,		/* char *, allocated; NULL for NULL */
		STATE_COL_INT,		/* int64_t; STATUS_NULL for NULL */
		STATE_COL_INT32,	/* int; 0 for NULL */
		STATE_COL_BOOL,		/* bool: the integer is not 0 */
		STATE_COL_STATE,	/* enum site_state (word) */
		STATE_COL_PRIMARY,	/* enum primary_status (word) */
		STATE_COL_OUTCOME,	/* enum cycle_outcome (word); another
					   word reads as the enum's _MAX */
	}	kind;
	size_t	off;
};
#define STATE_COL(kind, type, field)					\
	{ STATE_COL_##kind, offsetof(type, field) }
#define STATE_NCOLS(cols)	(sizeof(cols) / sizeof((cols)[0]))

void	state_reader_sqlerr(struct state_reader *);
int	state_reader_end(struct state_reader *);
/* sql prepared, ?1 bound to id unless STATUS_NULL; NULL on error. */
sqlite3_stmt *state_reader_query(struct state_reader *, const char *sql,
	    int64_t id);
/* Step st: true with a row; false at the end or on an error. */
bool	state_reader_row(struct state_reader *, sqlite3_stmt *st);
/* The current row of st into obj, column i to cols[i]. */
void	state_row_read(struct state_reader *, sqlite3_stmt *st,
	    const struct state_col *cols, size_t ncols, void *obj);
/* The first row of sql into obj: was there one? */
bool	state_row_load(struct state_reader *, const char *sql, int64_t id,
	    const struct state_col *cols, size_t ncols, void *obj);
/*
 * Every row of sql as a fresh array of *n structs of size bytes, the
 * caller's to free with the strings in it: NULL with *n 0 when there is
 * none, or on an error (then nothing is left to free).
 */
void	*state_rows_load(struct state_reader *, const char *sql, int64_t id,
	    const struct state_col *cols, size_t ncols, size_t size,
	    size_t *n);

#endif
