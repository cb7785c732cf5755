/*
 * mysql_local.c: the backup's own replica (see mysql_local.h).  Plain
 * blocking Connector/C calls with the library's connect, read and write
 * timeouts set to [mysql] timeout: one bound per statement.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <mysql.h>

#include "agent/mysql/gtid.h"
#include "agent/lib/log.h"
#include "agent/mysql/mysql_conn.h"
#include "agent/mysql/mysql_local.h"
#include "agent/lib/util.h"

#define APPLY_POLL_MS	200

struct mysql_local {
	MYSQL			*mysql;
	const struct cfg_mysql	*cfg;
	enum mysql_flavor	 flavor;
	unsigned long		 version;
	char			 name[160];
};

void
mysql_local_close(struct mysql_local *l)
{
	if (l == NULL)
		return;
	if (l->mysql != NULL)
		mysql_close(l->mysql);
	free(l);
}

const char *
mysql_local_name(const struct mysql_local *l)
{
	return l->name;
}

int
mysql_local_open(const struct cfg_mysql *cfg, struct mysql_local **out,
    char *err, size_t errlen)
{
	struct mysql_local	*l;
	char			*pw = NULL, where[128];
	size_t			 pwlen = 0;
	int			 rc = -1;

	*out = NULL;
	l = util_xcalloc(1, sizeof(*l));
	l->cfg = cfg;
	if (cfg->host != NULL)
		snprintf(where, sizeof(where), "%s:%u", cfg->host,
		    (unsigned)cfg->port);
	else
		snprintf(where, sizeof(where), "%s", cfg->socket);
	if (mysql_conn_password(cfg->password_file, &pw, &pwlen, err,
	    errlen) == -1)
		goto done;
	if (mysql_conn_library_init() == -1 ||
	    (l->mysql = mysql_init(NULL)) == NULL) {
		snprintf(err, errlen, "cannot initialise the MySQL client"
		    " library");
		goto done;
	}
	if (mysql_conn_options(l->mysql, cfg->host != NULL, cfg->timeout_ms,
	    false, err, errlen) == -1)
		goto done;
	if (mysql_real_connect(l->mysql, cfg->host, cfg->user, pw, NULL,
	    cfg->host != NULL ? cfg->port : 0, cfg->host != NULL ? NULL :
	    cfg->socket, 0) == NULL) {
		snprintf(err, errlen, "%s: %s (error %u)", where,
		    mysql_error(l->mysql), mysql_errno(l->mysql));
		goto done;
	}
	mysql_conn_flavor(l->mysql, &l->flavor, &l->version);
	snprintf(l->name, sizeof(l->name), "%s %lu.%lu.%lu at %s",
	    mysql_flavor_str(l->flavor), l->version / 10000,
	    l->version / 100 % 100, l->version % 100, where);
	*out = l;
	l = NULL;
	rc = 0;
done:
	util_secret_free(pw, pwlen);
	mysql_local_close(l);
	return rc;
}

/* Run a statement that returns no rows. */
static int
local_exec(struct mysql_local *l, const char *sql, char *err, size_t errlen)
{
	MYSQL_RES	*res;

	if (mysql_query(l->mysql, sql) != 0) {
		snprintf(err, errlen, "%s: %s (error %u)", sql,
		    mysql_error(l->mysql), mysql_errno(l->mysql));
		return -1;
	}
	/* A statement that does return rows: drop them. */
	if ((res = mysql_store_result(l->mysql)) != NULL)
		mysql_free_result(res);
	return 0;
}

/* Run a query and keep its result (freed by the caller). */
static MYSQL_RES *
local_query(struct mysql_local *l, const char *sql, char *err, size_t errlen)
{
	MYSQL_RES	*res;

	if (mysql_query(l->mysql, sql) != 0 ||
	    (res = mysql_store_result(l->mysql)) == NULL) {
		snprintf(err, errlen, "%s: %s (error %u)", sql,
		    mysql_error(l->mysql), mysql_errno(l->mysql));
		return NULL;
	}
	return res;
}

/* One integer, e.g. SELECT @@GLOBAL.read_only. */
static int
local_int(struct mysql_local *l, const char *sql, long long *v, char *err,
    size_t errlen)
{
	MYSQL_RES	*res;
	MYSQL_ROW	 row;
	const char	*errstr;
	int		 rc = -1;

	if ((res = local_query(l, sql, err, errlen)) == NULL)
		return -1;
	if ((row = mysql_fetch_row(res)) == NULL || row[0] == NULL ||
	    util_number_parse(row[0], LLONG_MIN, LLONG_MAX, v, &errstr) == -1)
		snprintf(err, errlen, "%s: not a number", sql);
	else
		rc = 0;
	mysql_free_result(res);
	return rc;
}

int
mysql_local_gtid(struct mysql_local *l, char *buf, size_t len, char *err,
    size_t errlen)
{
	MYSQL_RES	*res;
	const char	*sql = mysql_conn_gtid_sql(l->flavor);
	char		 why[256];
	int		 rc;

	if ((res = local_query(l, sql, err, errlen)) == NULL)
		return -1;
	rc = mysql_conn_gtid_read(res, buf, len, why, sizeof(why));
	mysql_free_result(res);
	if (rc == -1)
		util_msg(err, errlen, "%s: %s", sql, why);
	return rc;
}

static int
local_repl(struct mysql_local *l, struct mysql_repl *r, char *err,
    size_t errlen)
{
	MYSQL_RES	*res;
	const char	*sql = mysql_conn_repl_sql(l->flavor, l->version);
	char		 why[256];
	int		 rc;

	if ((res = local_query(l, sql, err, errlen)) == NULL)
		return -1;
	rc = mysql_conn_repl_read(res, r, why, sizeof(why));
	mysql_free_result(res);
	if (rc == -1)
		util_msg(err, errlen, "%s: %s", sql, why);
	return rc;
}

/*
 * What was received and is not applied yet, in words ("" when all is
 * applied).  GTIDs when the replica uses them, else the source's binary
 * log coordinates.
 */
static int
local_pending(struct mysql_local *l, const struct mysql_repl *r, char *out,
    size_t len, char *err, size_t errlen)
{
	struct gtid_set	*recv = NULL, *done = NULL, *left = NULL;
	MYSQL_RES	*res = NULL;
	MYSQL_ROW	 row;
	char		 applied[FA_MYSQL_GTID_MAX], lt[512];
	int		 rc = -1;

	out[0] = '\0';
	if (!r->using_gtid || r->received[0] == '\0') {
		if (strcmp(r->read_file, r->exec_file) != 0 ||
		    r->read_pos != r->exec_pos)
			util_msg(out, len, "received up to %s:%llu, applied up"
			    " to %s:%llu", r->read_file,
			    (unsigned long long)r->read_pos, r->exec_file,
			    (unsigned long long)r->exec_pos);
		return 0;
	}
	if (l->flavor == FA_MYSQL_MARIADB) {
		/* Gtid_IO_Pos against what the SQL thread applied. */
		if ((res = local_query(l, "SELECT @@GLOBAL.gtid_slave_pos",
		    err, errlen)) == NULL)
			return -1;
		row = mysql_fetch_row(res);
		snprintf(applied, sizeof(applied), "%s", row != NULL &&
		    row[0] != NULL ? row[0] : "");
	} else
		snprintf(applied, sizeof(applied), "%s", r->executed);
	if (gtid_set_parse(r->received, &recv, err, errlen) == -1 ||
	    gtid_set_parse(applied, &done, err, errlen) == -1 ||
	    gtid_set_subtract(recv, done, &left, err, errlen) == -1)
		goto cleanup;
	if (!gtid_set_is_empty(left)) {
		gtid_set_format(left, lt, sizeof(lt));
		util_msg(out, len, "received %s, applied %s: %s not applied",
		    r->received, applied[0] ? applied : "nothing", lt);
	}
	rc = 0;
cleanup:
	if (res != NULL)
		mysql_free_result(res);
	gtid_set_free(recv);
	gtid_set_free(done);
	gtid_set_free(left);
	return rc;
}

static void
sleep_ms(int64_t ms)
{
	struct timespec	ts;

	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000;
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

int
mysql_local_wait_applied(struct mysql_local *l, int64_t wait_ms,
    struct mysql_apply *out, char *err, size_t errlen)
{
	struct mysql_repl	 r;
	int64_t			 start = util_mono_ms(), left, next_log = 0;
	char			 pending[1024], took[32], lim[32];

	memset(out, 0, sizeof(*out));
	for (;;) {
		if (local_repl(l, &r, err, errlen) == -1 ||
		    (r.replica && local_pending(l, &r, pending,
		    sizeof(pending), err, errlen) == -1))
			return -1;
		out->waited_ms = util_mono_ms() - start;
		util_duration_format(out->waited_ms, took, sizeof(took));
		if (!r.replica) {
			util_msg(out->detail, sizeof(out->detail), "not a"
			    " replica: nothing to apply");
			out->applied = true;
			return 0;
		}
		out->replica = true;
		if (pending[0] == '\0') {
			out->applied = true;
			if (out->waited_ms < APPLY_POLL_MS)
				util_msg(out->detail, sizeof(out->detail),
				    "relay log applied");
			else
				util_msg(out->detail, sizeof(out->detail),
				    "relay log applied after waiting %s", took);
			return 0;
		}
		if (strcasecmp(r.sql_running, "Yes") != 0) {
			out->sql_stopped = true;
			util_msg(out->detail, sizeof(out->detail), "SQL thread"
			    " not running (%s%s%s): it cannot apply the relay"
			    " log; %s", r.sql_running, r.last_sql_error[0] ?
			    ": " : "", r.last_sql_error, pending);
			return 0;
		}
		if (wait_ms == 0) {
			util_msg(out->detail, sizeof(out->detail), "not"
			    " waiting (wait_to_apply = 0): %s", pending);
			return 0;
		}
		left = wait_ms < 0 ? APPLY_POLL_MS : wait_ms - out->waited_ms;
		if (left <= 0) {
			out->timed_out = true;
			util_duration_format(wait_ms, lim, sizeof(lim));
			util_msg(out->detail, sizeof(out->detail), "relay log"
			    " still not applied after %s (wait_to_apply): %s",
			    lim, pending);
			return 0;
		}
		if (out->waited_ms >= next_log) {
			log_info("mysql: waiting for the relay log to be"
			    " applied: %s (%s so far)", pending, took);
			next_log += 5000;
		}
		sleep_ms(left < APPLY_POLL_MS ? left : APPLY_POLL_MS);
	}
}

int
mysql_local_promote(struct mysql_local *l, enum mysql_promote how,
    char *detail, size_t len)
{
	long long	 ro = -1;
	char		 err[512];

	detail[0] = '\0';
	switch (how) {
	case MYSQL_PROMOTE_NONE:
		snprintf(detail, len, "promote = none: left as it is");
		return 0;
	case MYSQL_PROMOTE_READ_ONLY:
		if (local_int(l, "SELECT @@GLOBAL.read_only", &ro, err,
		    sizeof(err)) == -1)
			goto fail;
		if (ro == 0 && local_exec(l, "SET GLOBAL read_only = ON",
		    err, sizeof(err)) == -1)
			goto fail;
		if (local_int(l, "SELECT @@GLOBAL.read_only", &ro, err,
		    sizeof(err)) == -1)
			goto fail;
		if (ro != 1) {
			snprintf(err, sizeof(err), "read_only is still OFF");
			goto fail;
		}
		snprintf(detail, len, "promote = read-only: read_only ON,"
		    " replication left running; hooks get FA_READ_ONLY=1");
		return 0;
	case MYSQL_PROMOTE_WRITABLE:
		break;
	}
	if (local_exec(l, l->flavor == FA_MYSQL_MYSQL && l->version >= 80022 ?
	    "STOP REPLICA" : "STOP SLAVE", err, sizeof(err)) == -1)
		goto fail;
	/* MySQL: super_read_only first, or read_only cannot go OFF. */
	if (l->flavor == FA_MYSQL_MYSQL && local_exec(l,
	    "SET GLOBAL super_read_only = OFF", err, sizeof(err)) == -1)
		goto fail;
	if (local_exec(l, "SET GLOBAL read_only = OFF", err, sizeof(err)) == -1)
		goto fail;
	if (local_int(l, "SELECT @@GLOBAL.read_only", &ro, err,
	    sizeof(err)) == -1)
		goto fail;
	if (ro != 0) {
		snprintf(err, sizeof(err), "read_only is still ON");
		goto fail;
	}
	snprintf(detail, len, "promote = writable: replication stopped,"
	    " read_only OFF");
	return 0;
fail:
	util_msg(detail, len, "%s", err);
	return -1;
}

int
mysql_local_demote(struct mysql_local *l, char *detail, size_t len)
{
	long long	ro = -1;
	char		err[512];

	if (local_exec(l, "SET GLOBAL read_only = ON", err, sizeof(err)) == -1 ||
	    local_int(l, "SELECT @@GLOBAL.read_only", &ro, err,
	    sizeof(err)) == -1) {
		util_msg(detail, len, "%s", err);
		return -1;
	}
	if (ro != 1) {
		snprintf(detail, len, "read_only is still OFF");
		return -1;
	}
	snprintf(detail, len, "read_only ON again; replication left stopped:"
	    " re-point it at the primary by hand");
	return 0;
}

int
mysql_local_grants(struct mysql_local *l, enum mysql_promote how,
    char *missing, size_t len, char *err, size_t errlen)
{
	unsigned int	needs = FA_MYSQL_NEED_MONITOR;

	if (how == MYSQL_PROMOTE_WRITABLE)
		needs |= FA_MYSQL_NEED_READ_ONLY | FA_MYSQL_NEED_STOP;
	else if (how == MYSQL_PROMOTE_READ_ONLY)
		needs |= FA_MYSQL_NEED_READ_ONLY;
	return mysql_conn_grants(l->mysql, needs, missing, len, err, errlen);
}

int
mysql_local_log_bin(struct mysql_local *l, bool *on, char *err, size_t errlen)
{
	long long	v = 0;

	if (local_int(l, "SELECT @@GLOBAL.log_bin", &v, err, errlen) == -1)
		return -1;
	*on = v != 0;
	return 0;
}

static struct mysql_step *
step_add(struct mysql_step *steps, size_t *n, const char *kind)
{
	struct mysql_step	*st = &steps[(*n)++];

	memset(st, 0, sizeof(*st));
	st->kind = kind;
	return st;
}

static void
step_log(const struct mysql_step *st)
{
	if (st->ok)
		log_info("%s: %s", st->kind, st->detail);
	else
		log_warnx("%s: %s", st->kind, st->detail);
}

int
mysql_local_failover(const struct cfg_mysql *cfg, struct mysql_step *steps,
    size_t *nsteps)
{
	struct mysql_local	*l = NULL;
	struct mysql_apply	 ap;
	struct mysql_step	*st;
	char			 err[512], pos[FA_MYSQL_GTID_MAX], did[512];
	int			 rc = -1;

	*nsteps = 0;
	st = step_add(steps, nsteps, "mysql wait_to_apply");
	if (mysql_local_open(cfg, &l, err, sizeof(err)) == -1) {
		util_msg(st->detail, sizeof(st->detail), "cannot connect: %s",
		    err);
		step_log(st);
		goto done;
	}
	if (mysql_local_wait_applied(l, cfg->wait_to_apply_ms, &ap, err,
	    sizeof(err)) == -1) {
		util_msg(st->detail, sizeof(st->detail), "%s", err);
		step_log(st);
		goto done;
	}
	st->ok = ap.applied;
	if (!ap.applied && ap.sql_stopped && cfg->wait_to_apply_ms < 0) {
		util_msg(st->detail, sizeof(st->detail), "%s; wait_to_apply = "
		    "-1: not promoting a database that has not applied what it"
		    " received", ap.detail);
		step_log(st);
		goto done;
	}
	util_msg(st->detail, sizeof(st->detail), "%s%s", ap.detail, ap.applied ?
	    "" : "; promoting anyway");
	step_log(st);

	st = step_add(steps, nsteps, "mysql promote");
	if (mysql_local_gtid(l, pos, sizeof(pos), err, sizeof(err)) == -1)
		util_msg(pos, sizeof(pos), "not read (%s)", err);
	else if (pos[0] == '\0')
		util_msg(pos, sizeof(pos), "empty");
	if (mysql_local_promote(l, cfg->promote, did, sizeof(did)) == -1) {
		util_msg(st->detail, sizeof(st->detail), "%s: %s; GTID "
		    "position %s", mysql_local_name(l), did, pos);
		step_log(st);
		goto done;
	}
	st->ok = true;
	util_msg(st->detail, sizeof(st->detail), "GTID position at failover %s;"
	    " %s", pos, did);
	step_log(st);
	rc = 0;
done:
	mysql_local_close(l);
	return rc;
}

/* What a holds that b lacks, as text ("" when nothing); -1 on error. */
static int
gtid_missing(const char *a, const char *b, char *out, size_t len, char *err,
    size_t errlen)
{
	struct gtid_set	*sa = NULL, *sb = NULL, *d = NULL;
	int		 rc = -1;

	out[0] = '\0';
	if (gtid_set_parse(a, &sa, err, errlen) == -1 ||
	    gtid_set_parse(b, &sb, err, errlen) == -1 ||
	    gtid_set_subtract(sa, sb, &d, err, errlen) == -1)
		goto done;
	if (gtid_set_format(d, out, len) >= len)
		util_msg(out + (len > 4 ? len - 4 : 0), len > 4 ? 4 : len,
		    "...");
	rc = 0;
done:
	gtid_set_free(sa);
	gtid_set_free(sb);
	gtid_set_free(d);
	return rc;
}

int
mysql_local_failback(const struct cfg_mysql *cfg, const char *primary_gtid,
    struct mysql_step *steps, size_t *nsteps)
{
	struct mysql_local	*l = NULL;
	struct mysql_step	*st;
	char			 err[512], did[512], mine[FA_MYSQL_GTID_MAX],
				 extra[512], note[600];
	int			 rc = -1;

	*nsteps = 0;
	st = step_add(steps, nsteps, "mysql demote");
	if (mysql_local_open(cfg, &l, err, sizeof(err)) == -1) {
		util_msg(st->detail, sizeof(st->detail), "cannot connect: %s",
		    err);
		step_log(st);
		goto done;
	}
	if (mysql_local_demote(l, did, sizeof(did)) == -1) {
		util_msg(st->detail, sizeof(st->detail), "%s: %s",
		    mysql_local_name(l), did);
		step_log(st);
		goto done;
	}
	st->ok = true;
	rc = 0;
	/* Writes that reached the backup between the comparison and now. */
	note[0] = '\0';
	if (primary_gtid != NULL) {
		if (mysql_local_gtid(l, mine, sizeof(mine), err,
		    sizeof(err)) == -1 || gtid_missing(mine, primary_gtid,
		    extra, sizeof(extra), err, sizeof(err)) == -1)
			util_msg(note, sizeof(note), "; GTIDs not compared "
			    "again: %s", err);
		else if (extra[0] != '\0')
			util_msg(note, sizeof(note), "; the backup holds %s "
			    "that the primary lacks (written during the "
			    "failback, or forced)", extra);
	}
	util_msg(st->detail, sizeof(st->detail), "%s%s", did, note);
	step_log(st);
done:
	mysql_local_close(l);
	return rc;
}

int
mysql_local_failback_safe(const struct cfg_mysql *cfg,
    const char *primary_gtid, const char *why_not, char *msg, size_t len)
{
	struct mysql_local	*l = NULL;
	char			 err[512], mine[FA_MYSQL_GTID_MAX], extra[1024];
	int			 rc = -1;

	if (primary_gtid == NULL) {
		util_msg(msg, len, "the primary's GTIDs were not read: %s",
		    why_not);
		return -1;
	}
	if (mysql_local_open(cfg, &l, err, sizeof(err)) == -1) {
		util_msg(msg, len, "the backup's database cannot be asked: %s",
		    err);
		return -1;
	}
	if (mysql_local_gtid(l, mine, sizeof(mine), err, sizeof(err)) == -1 ||
	    gtid_missing(mine, primary_gtid, extra, sizeof(extra), err,
	    sizeof(err)) == -1) {
		util_msg(msg, len, "the GTIDs cannot be compared: %s", err);
		goto done;
	}
	if (extra[0] != '\0') {
		util_msg(msg, len, "the backup holds %s that the primary lacks"
		    " (backup %s; primary %s)", extra, mine, primary_gtid[0] ?
		    primary_gtid : "empty");
		rc = 0;
	} else {
		util_msg(msg, len, "the primary holds every transaction of the"
		    " backup (backup %s; primary %s)", mine[0] ? mine : "empty",
		    primary_gtid[0] ? primary_gtid : "empty");
		rc = 1;
	}
done:
	mysql_local_close(l);
	return rc;
}
