/*
 * mysql_conn.c: what the mysql check and the local replica share (see
 * mysql_conn.h).
 */
#include <limits.h>
#include <pthread.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <mysql.h>

#include "agent/mysql/gtid.h"
#include "agent/lib/log.h"
#include "agent/mysql/mysql_conn.h"
#include "agent/lib/util.h"

#define PASSWORD_MAX	4096

static pthread_once_t	library_once = PTHREAD_ONCE_INIT;
static int		library_rc = -1;

static void
library_end(void)
{
	mysql_library_end();
}

static void
library_init(void)
{
	/* mysql_init() would do this implicitly, but not thread-safely. */
	if (mysql_library_init(0, NULL, NULL) != 0)
		return;
	atexit(library_end);
	library_rc = 0;
}

int
mysql_conn_library_init(void)
{
	pthread_once(&library_once, library_init);
	return library_rc;
}

int
mysql_conn_options(MYSQL *m, bool tcp, int64_t timeout_ms, bool nonblock,
    char *err, size_t errlen)
{
	unsigned int	secs, proto;

	secs = (unsigned int)((timeout_ms + 999) / 1000);
	if (secs == 0)
		secs = 1;
	proto = tcp ? MYSQL_PROTOCOL_TCP : MYSQL_PROTOCOL_SOCKET;
	if (mysql_options(m, MYSQL_OPT_PROTOCOL, &proto) != 0 ||
	    mysql_options(m, MYSQL_OPT_CONNECT_TIMEOUT, &secs) != 0 ||
	    mysql_options(m, MYSQL_OPT_READ_TIMEOUT, &secs) != 0 ||
	    mysql_options(m, MYSQL_OPT_WRITE_TIMEOUT, &secs) != 0) {
		snprintf(err, errlen, "mysql_options: %s", mysql_error(m));
		return -1;
	}
	/* NULL: the library's default stack for its co-routine. */
	if (nonblock && mysql_options(m, MYSQL_OPT_NONBLOCK, NULL) != 0) {
		snprintf(err, errlen, "mysql_options(MYSQL_OPT_NONBLOCK): %s",
		    mysql_error(m));
		return -1;
	}
	return 0;
}

int
mysql_conn_password(const char *password_file, char **pw, size_t *pwlen,
    char *err, size_t errlen)
{
	char	*s = NULL;
	size_t	 len = 0;

	*pw = NULL;
	*pwlen = 0;
	if (password_file == NULL)
		return 0;
	if (util_secret_file_check(password_file, err, errlen) == -1)
		return -1;
	if (util_secret_read(password_file, PASSWORD_MAX, &s, &len, err,
	    errlen) == -1)
		return -1;
	/* One line: the password, without its new line. */
	while (len > 0 && (s[len - 1] == '\n' || s[len - 1] == '\r'))
		s[--len] = '\0';
	if (strlen(s) != len || strchr(s, '\n') != NULL) {
		util_secret_free(s, len);
		snprintf(err, errlen, "%s: expected one line holding the"
		    " password", password_file);
		return -1;
	}
	*pw = s;
	*pwlen = len;
	return 0;
}

void
mysql_conn_flavor(MYSQL *m, enum mysql_flavor *flavor,
    unsigned long *version)
{
	const char	*info = mysql_get_server_info(m);

	*flavor = info != NULL && strstr(info, "MariaDB") != NULL ?
	    FA_MYSQL_MARIADB : FA_MYSQL_MYSQL;
	*version = mysql_get_server_version(m);
}

const char *
mysql_flavor_str(enum mysql_flavor f)
{
	return f == FA_MYSQL_MARIADB ? "MariaDB" : "MySQL";
}

const char *
mysql_conn_repl_sql(enum mysql_flavor f, unsigned long version)
{
	/* MySQL 8.0.22 renamed it (and 8.4 dropped the old name). */
	if (f == FA_MYSQL_MYSQL && version >= 80022)
		return "SHOW REPLICA STATUS";
	return "SHOW SLAVE STATUS";
}

const char *
mysql_conn_monitor_grant(enum mysql_flavor f)
{
	return f == FA_MYSQL_MARIADB ? "SLAVE MONITOR" : "REPLICATION CLIENT";
}

/* Index of the first of names (NULL-terminated) among the fields, or -1. */
static int
field_index(MYSQL_FIELD *fields, unsigned int n, const char *const *names)
{
	unsigned int	i;

	for (; *names != NULL; names++)
		for (i = 0; i < n; i++)
			if (strcasecmp(fields[i].name, *names) == 0)
				return (int)i;
	return -1;
}

static void
copy_field(MYSQL_ROW row, int i, char *dst, size_t len)
{
	const char	*v = i >= 0 && row[i] != NULL ? row[i] : "";
	char		*p;

	snprintf(dst, len, "%s", v);
	/* One line for logs and history. */
	for (p = dst; *p != '\0'; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
}

static uint64_t
field_u64(MYSQL_ROW row, int i, bool *isnull)
{
	long long	 v;
	const char	*errstr;

	*isnull = i < 0 || row[i] == NULL;
	if (*isnull || util_number_parse(row[i], 0, LLONG_MAX, &v,
	    &errstr) == -1) {
		*isnull = true;
		return 0;
	}
	return (uint64_t)v;
}

int
mysql_conn_repl_read(MYSQL_RES *res, struct mysql_repl *r, char *err,
    size_t errlen)
{
	static const char *const io[] = { "Slave_IO_Running",
	    "Replica_IO_Running", NULL };
	static const char *const sql[] = { "Slave_SQL_Running",
	    "Replica_SQL_Running", NULL };
	static const char *const behind[] = { "Seconds_Behind_Master",
	    "Seconds_Behind_Source", NULL };
	static const char *const ioerr[] = { "Last_IO_Error", NULL };
	static const char *const sqlerr[] = { "Last_SQL_Error", NULL };
	static const char *const state[] = { "Slave_SQL_Running_State",
	    "Replica_SQL_Running_State", NULL };
	static const char *const host[] = { "Master_Host", "Source_Host",
	    NULL };
	static const char *const using[] = { "Using_Gtid", "Auto_Position",
	    NULL };
	static const char *const recv[] = { "Gtid_IO_Pos",
	    "Retrieved_Gtid_Set", NULL };
	static const char *const exec[] = { "Executed_Gtid_Set", NULL };
	static const char *const rfile[] = { "Master_Log_File",
	    "Source_Log_File", NULL };
	static const char *const rpos[] = { "Read_Master_Log_Pos",
	    "Read_Source_Log_Pos", NULL };
	static const char *const efile[] = { "Relay_Master_Log_File",
	    "Relay_Source_Log_File", NULL };
	static const char *const epos[] = { "Exec_Master_Log_Pos",
	    "Exec_Source_Log_Pos", NULL };
	MYSQL_FIELD	*f;
	MYSQL_ROW	 row;
	unsigned int	 n;
	int		 iio, isql, iu;
	bool		 isnull;
	uint64_t	 v;

	memset(r, 0, sizeof(*r));
	r->behind_s = -1;
	if ((row = mysql_fetch_row(res)) == NULL)
		return 0;	/* not a replica */
	n = mysql_num_fields(res);
	f = mysql_fetch_fields(res);
	iio = field_index(f, n, io);
	isql = field_index(f, n, sql);
	if (iio < 0 || isql < 0) {
		snprintf(err, errlen, "replication status without the IO/SQL"
		    " running columns");
		return -1;
	}
	r->replica = true;
	copy_field(row, iio, r->io_running, sizeof(r->io_running));
	copy_field(row, isql, r->sql_running, sizeof(r->sql_running));
	v = field_u64(row, field_index(f, n, behind), &isnull);
	r->behind_s = isnull ? -1 : (int64_t)v;
	copy_field(row, field_index(f, n, ioerr), r->last_io_error,
	    sizeof(r->last_io_error));
	copy_field(row, field_index(f, n, sqlerr), r->last_sql_error,
	    sizeof(r->last_sql_error));
	copy_field(row, field_index(f, n, state), r->sql_state,
	    sizeof(r->sql_state));
	copy_field(row, field_index(f, n, host), r->master_host,
	    sizeof(r->master_host));
	iu = field_index(f, n, using);
	r->using_gtid = iu >= 0 && row[iu] != NULL &&
	    strcasecmp(row[iu], "No") != 0 && strcmp(row[iu], "0") != 0;
	copy_field(row, field_index(f, n, recv), r->received,
	    sizeof(r->received));
	copy_field(row, field_index(f, n, exec), r->executed,
	    sizeof(r->executed));
	copy_field(row, field_index(f, n, rfile), r->read_file,
	    sizeof(r->read_file));
	r->read_pos = field_u64(row, field_index(f, n, rpos), &isnull);
	copy_field(row, field_index(f, n, efile), r->exec_file,
	    sizeof(r->exec_file));
	r->exec_pos = field_u64(row, field_index(f, n, epos), &isnull);
	return 0;
}

enum mysql_repl_health
mysql_conn_repl_judge(const struct mysql_repl *r, int64_t max_lag_s,
    char *why, size_t whylen)
{
	why[0] = '\0';
	if (!r->replica)
		return REPL_HEALTHY;
	if (strcasecmp(r->io_running, "Yes") != 0) {
		snprintf(why, whylen, "replication IO thread %s%s%s",
		    r->io_running[0] ? r->io_running : "not running",
		    r->last_io_error[0] ? ": " : "", r->last_io_error);
		return REPL_IO_STOPPED;
	}
	if (strcasecmp(r->sql_running, "Yes") != 0) {
		snprintf(why, whylen, "replication SQL thread %s%s%s",
		    r->sql_running[0] ? r->sql_running : "not running",
		    r->last_sql_error[0] ? ": " : "", r->last_sql_error);
		return REPL_SQL_STOPPED;
	}
	if (max_lag_s >= 0 && r->behind_s > max_lag_s) {
		snprintf(why, whylen, "replica %llds behind its source"
		    " (max_lag %llds)", (long long)r->behind_s,
		    (long long)max_lag_s);
		return REPL_LAGGING;
	}
	return REPL_HEALTHY;
}

const char *
mysql_conn_gtid_sql(enum mysql_flavor f)
{
	if (f == FA_MYSQL_MARIADB)
		return "SELECT @@GLOBAL.gtid_binlog_state,"
		    " @@GLOBAL.gtid_slave_pos";
	return "SELECT @@GLOBAL.gtid_executed";
}

int
mysql_conn_gtid_read(MYSQL_RES *res, char *out, size_t len, char *err,
    size_t errlen)
{
	struct gtid_set	*all = NULL, *one = NULL;
	MYSQL_ROW	 row;
	unsigned int	 i, n;
	int		 rc = -1;

	out[0] = '\0';
	if ((row = mysql_fetch_row(res)) == NULL) {
		snprintf(err, errlen, "no row in the GTID answer");
		return -1;
	}
	n = mysql_num_fields(res);
	for (i = 0; i < n; i++) {
		if (gtid_set_parse(row[i] != NULL ? row[i] : "", &one, err,
		    errlen) == -1)
			goto done;
		if (all == NULL) {
			all = one;
			one = NULL;
		} else if (gtid_set_merge(all, one, err, errlen) == -1)
			goto done;
		gtid_set_free(one);
		one = NULL;
	}
	if (gtid_set_format(all, out, len) >= len) {
		snprintf(err, errlen, "GTID set longer than %zu characters",
		    len - 1);
		out[0] = '\0';
		goto done;
	}
	rc = 0;
done:
	gtid_set_free(one);
	gtid_set_free(all);
	return rc;
}

/* One need: the privileges any of which meets it, by flavor and version. */
struct grant_need {
	unsigned int	 need;
	const char	*what;		/* the statement, for the message */
	const char	*any[4];	/* NULL-terminated */
};

static void
grant_needs_for(enum mysql_flavor f, unsigned long v,
    struct grant_need out[3])
{
	static const struct grant_need mariadb[3] = {
		{ FA_MYSQL_NEED_MONITOR, "SHOW SLAVE STATUS",
		    { "SLAVE MONITOR", "REPLICA MONITOR", "SUPER", NULL } },
		{ FA_MYSQL_NEED_READ_ONLY, "SET GLOBAL read_only",
		    { "READ_ONLY ADMIN", NULL } },
		{ FA_MYSQL_NEED_STOP, "STOP SLAVE",
		    { "REPLICATION SLAVE ADMIN", "SUPER", NULL } },
	};
	static const struct grant_need mysql[3] = {
		{ FA_MYSQL_NEED_MONITOR, "SHOW REPLICA STATUS",
		    { "REPLICATION CLIENT", "SUPER", NULL } },
		{ FA_MYSQL_NEED_READ_ONLY, "SET GLOBAL read_only",
		    { "SYSTEM_VARIABLES_ADMIN", "SUPER", NULL } },
		{ FA_MYSQL_NEED_STOP, "STOP REPLICA",
		    { "REPLICATION_SLAVE_ADMIN", "SUPER", NULL } },
	};

	memcpy(out, f == FA_MYSQL_MARIADB ? mariadb : mysql,
	    sizeof(mariadb));
	if (f != FA_MYSQL_MARIADB)
		return;
	/* Before 10.5.9 / 10.5.2 / 10.11 the old names did. */
	if (v < 100509) {
		out[0].any[0] = "REPLICATION CLIENT";
		out[0].any[1] = "BINLOG MONITOR";
	}
	if (v < 101100)
		out[1].any[1] = "SUPER";
	if (v < 100502)
		out[2].any[0] = "SUPER";
}

/* "GRANT A, B ON *.* TO ..." holds priv?  Case-insensitive, whole names. */
static bool
grant_line_has(const char *line, const char *priv)
{
	const char	*p, *on, *end;
	size_t		 len, plen = strlen(priv);

	if (strncasecmp(line, "GRANT ", 6) != 0 ||
	    (on = strstr(line, " ON *.* ")) == NULL)
		return false;
	for (p = line + 6; p < on; p = end + 1) {
		while (p < on && isspace((unsigned char)*p))
			p++;
		end = p;
		while (end < on && *end != ',')
			end++;
		len = (size_t)(end - p);
		while (len > 0 && isspace((unsigned char)p[len - 1]))
			len--;
		if ((len == plen && strncasecmp(p, priv, plen) == 0) ||
		    (len == 14 && strncasecmp(p, "ALL PRIVILEGES", 14) == 0))
			return true;
		if (end >= on)
			break;
	}
	return false;
}

int
mysql_conn_grants(MYSQL *m, unsigned int needs, char *missing, size_t len,
    char *err, size_t errlen)
{
	struct grant_need	 gn[3];
	enum mysql_flavor	 f;
	unsigned long		 v;
	MYSQL_RES		*res;
	MYSQL_ROW		 row;
	char			**lines = NULL;
	size_t			 n = 0, i, k, used = 0;
	bool			 met;
	int			 j;

	missing[0] = '\0';
	mysql_conn_flavor(m, &f, &v);
	grant_needs_for(f, v, gn);
	if (mysql_query(m, "SHOW GRANTS") != 0 ||
	    (res = mysql_store_result(m)) == NULL) {
		snprintf(err, errlen, "SHOW GRANTS: %s", mysql_error(m));
		return -1;
	}
	while ((row = mysql_fetch_row(res)) != NULL)
		if (row[0] != NULL) {
			lines = util_xreallocarray(lines, n + 1, sizeof(*lines));
			lines[n++] = util_xstrdup(row[0]);
		}
	mysql_free_result(res);

	for (k = 0; k < 3; k++) {
		if ((needs & gn[k].need) == 0)
			continue;
		met = false;
		for (i = 0; i < n && !met; i++)
			for (j = 0; gn[k].any[j] != NULL && !met; j++)
				met = grant_line_has(lines[i], gn[k].any[j]);
		if (met)
			continue;
		used += (size_t)snprintf(missing + (used < len ? used : len),
		    used < len ? len - used : 0, "%s%s", used ? ", " : "",
		    gn[k].any[0]);
		for (j = 1; gn[k].any[j] != NULL; j++)
			used += (size_t)snprintf(missing + (used < len ? used :
			    len), used < len ? len - used : 0, " or %s",
			    gn[k].any[j]);
		used += (size_t)snprintf(missing + (used < len ? used : len),
		    used < len ? len - used : 0, " (for %s)", gn[k].what);
	}
	for (i = 0; i < n; i++)
		free(lines[i]);
	free(lines);
	return 0;
}
