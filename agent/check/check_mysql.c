/*
 * check_mysql.c: the mysql check (type = mysql, failover-agent.conf(5),
 * [check:NAME]).
 *
 * Log in, run the configured query (default SELECT 1), read the replication
 * status (SHOW SLAVE STATUS, or SHOW REPLICA STATUS on MySQL 8.0.22 and
 * later) and judge it, then read the server's GTIDs for the failback safety
 * check.  Every step uses MariaDB Connector/C's non-blocking calls
 * (mysql_real_connect_start/_cont, mysql_real_query_start/_cont,
 * mysql_store_result_start/_cont): a call that would block returns the
 * events it waits for (MYSQL_WAIT_READ/WRITE/EXCEPT), and the connection's
 * socket (mysql_get_socket) goes to the engine's curl_multi_poll() as an
 * extra struct curl_waitfd, so this check runs in the one event loop beside
 * every other check.  The library's own timeouts are set just past the
 * check's timeout: the engine's deadline always ends the check first, so a
 * MYSQL_WAIT_TIMEOUT never has to be waited for.
 *
 * Outcomes: a refused or failed connection is mysql-connect-failed with the
 * library's message; a refused login (1045, 1044, 1130, 1698) access-denied;
 * an error of the query query-failed; SHOW SLAVE STATUS not granted
 * access-denied naming the privilege; a replica whose IO or SQL thread is
 * not running io-thread-stopped / sql-thread-stopped with Last_IO_Error /
 * Last_SQL_Error; one further behind than max_lag lagging.
 *
 * "Too many connections" (1040, and 1203 for max_user_connections) counts
 * as ok: the server answered the handshake, so it is alive; an overloaded
 * primary is not a reason to move a site to another data centre, and
 * failing over on it would flap.  The detail says so and the cycle logs a
 * warning; the query and the replication status could not be read that
 * cycle.
 *
 * A host name is resolved in prepare() (before any deadline, like the tcp
 * check) and the library is handed the address: its own resolver would
 * block inside the loop.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mysql.h>
#include <mysqld_error.h>

#include "agent/check/check.h"
#include "agent/check/check_impl.h"
#include "agent/core/confdesc.h"
#include "agent/lib/log.h"
#include "agent/mysql/mysql_conn.h"
#include "agent/lib/util.h"

/*
 * The keys of a mysql check (check.h), as its config part (below) read
 * them; NULL for a check of another type.
 */
const struct cfg_check_mysql *
check_mysql_conf(const struct cfg_check *ck)
{
	if (ck == NULL || ck->type != &check_mysql_type)
		return NULL;
	return ck->conf;
}

enum mysql_phase {
	PH_CONNECT,
	PH_QUERY,		/* the configured query */
	PH_QUERY_STORE,
	PH_REPL,		/* SHOW SLAVE STATUS */
	PH_REPL_STORE,
	PH_GTID,		/* the server's GTIDs */
	PH_GTID_STORE,
};

struct mysql_state {
	MYSQL			*mysql;
	enum mysql_phase	 phase;
	int			 wait;		/* MYSQL_WAIT_* of the call in progress */
	char			 addr[INET6_ADDRSTRLEN];	/* host resolved */
	char			*pw;
	size_t			 pwlen;
	MYSQL			*conn_ret;
	int			 int_ret;
	MYSQL_RES		*res_ret;
	enum mysql_flavor	 flavor;
	unsigned long		 version;
	const char		*sql;		/* statement of this phase */
	char			 where[64];	/* "127.0.0.1:3306", the socket */
	char			 replica[160];	/* what the replication status said */
	struct mysql_repl	 repl;
};

static void
mysql_release(struct check_run *run)
{
	struct mysql_state	*st = run->state;

	if (st == NULL)
		return;
	if (st->res_ret != NULL)
		mysql_free_result(st->res_ret);
	/*
	 * Even mid-operation: the library then sends COM_QUIT on a socket it
	 * does not wait on and frees the suspended call's context.
	 */
	if (st->mysql != NULL)
		mysql_close(st->mysql);
	util_secret_free(st->pw, st->pwlen);
	free(st);
	run->state = NULL;
}

/* Resolve the host, read the password, make the handle (may block). */
static void
mysql_prepare(struct check_run *run)
{
	const struct cfg_check_mysql *c = check_mysql_conf(run->cfg);
	struct mysql_state	*st;
	struct addrinfo		 hints, *res = NULL;
	char			 port[8], err[512];
	int			 gai;

	if ((st = calloc(1, sizeof(*st))) == NULL) {
		check_done(run, CHECK_INTERNAL_ERROR, "out of memory");
		return;
	}
	run->state = st;
	if (c->host != NULL) {
		snprintf(port, sizeof(port), "%u", (unsigned)c->port);
		memset(&hints, 0, sizeof(hints));
		hints.ai_family = AF_UNSPEC;
		hints.ai_socktype = SOCK_STREAM;
		hints.ai_flags = AI_NUMERICSERV;
		if ((gai = getaddrinfo(c->host, port, &hints, &res)) != 0) {
			check_done(run, gai == EAI_MEMORY ?
			    CHECK_INTERNAL_ERROR : CHECK_RESOLVE_FAILED,
			    "resolve %s: %s", c->host, gai_strerror(gai));
			return;
		}
		gai = getnameinfo(res->ai_addr, res->ai_addrlen, st->addr,
		    sizeof(st->addr), NULL, 0, NI_NUMERICHOST);
		freeaddrinfo(res);
		if (gai != 0) {
			check_done(run, CHECK_INTERNAL_ERROR, "getnameinfo: %s",
			    gai_strerror(gai));
			return;
		}
		snprintf(st->where, sizeof(st->where), "%s%s%s:%u",
		    strchr(st->addr, ':') ? "[" : "", st->addr,
		    strchr(st->addr, ':') ? "]" : "", (unsigned)c->port);
	} else
		snprintf(st->where, sizeof(st->where), "%s", c->socket);

	if (mysql_conn_password(c->password_file, &st->pw, &st->pwlen, err,
	    sizeof(err)) == -1) {
		check_done(run, CHECK_INTERNAL_ERROR, "%s", err);
		return;
	}
	if (mysql_conn_library_init() == -1 ||
	    (st->mysql = mysql_init(NULL)) == NULL) {
		check_done(run, CHECK_INTERNAL_ERROR, "cannot initialise the"
		    " MySQL client library");
		return;
	}
	/* One second past our deadline: the engine ends the check first. */
	if (mysql_conn_options(st->mysql, c->host != NULL,
	    run->cfg->timeout_ms + 1000, true, err, sizeof(err)) == -1)
		check_done(run, CHECK_INTERNAL_ERROR, "%s", err);
}

/*
 * Start (events == 0) or continue the current phase's library call.
 * Returns the MYSQL_WAIT_* events it now waits for; 0 once it finished.
 */
static int
mysql_call(struct check_run *run, int events)
{
	struct mysql_state	*st = run->state;
	const struct cfg_check_mysql *c = check_mysql_conf(run->cfg);

	switch (st->phase) {
	case PH_CONNECT:
		if (events == 0)
			return mysql_real_connect_start(&st->conn_ret,
			    st->mysql, c->host != NULL ? st->addr : NULL,
			    c->user, st->pw, NULL, c->host != NULL ? c->port :
			    0, c->host != NULL ? NULL : c->socket, 0);
		return mysql_real_connect_cont(&st->conn_ret, st->mysql,
		    events);
	case PH_QUERY:
	case PH_REPL:
	case PH_GTID:
		if (events == 0)
			return mysql_real_query_start(&st->int_ret, st->mysql,
			    st->sql, strlen(st->sql));
		return mysql_real_query_cont(&st->int_ret, st->mysql, events);
	case PH_QUERY_STORE:
	case PH_REPL_STORE:
	case PH_GTID_STORE:
		if (events == 0)
			return mysql_store_result_start(&st->res_ret,
			    st->mysql);
		return mysql_store_result_cont(&st->res_ret, st->mysql,
		    events);
	}
	return 0;
}

/* The connection failed: say why in the user's terms. */
static void
mysql_connect_failed(struct check_run *run)
{
	struct mysql_state	*st = run->state;
	unsigned int		 e = mysql_errno(st->mysql);

	switch (e) {
	case ER_CON_COUNT_ERROR:
	case ER_TOO_MANY_USER_CONNECTIONS:
		log_warnx("check %s: %s answers \"%s\": counted as up (the"
		    " server is alive, only busy)", run->cfg->name, st->where,
		    mysql_error(st->mysql));
		check_done(run, CHECK_OK, "up but refusing logins: %s (the"
		    " query and replication status were not read)",
		    mysql_error(st->mysql));
		return;
	case ER_ACCESS_DENIED_ERROR:
	case ER_DBACCESS_DENIED_ERROR:
	case ER_HOST_NOT_PRIVILEGED:
	case ER_ACCESS_DENIED_NO_PASSWORD_ERROR:
		check_done(run, CHECK_ACCESS_DENIED, "%s: login refused: %s",
		    st->where, mysql_error(st->mysql));
		return;
	default:
		check_done(run, CHECK_MYSQL_CONNECT_FAILED, "%s: %s (error %u)",
		    st->where, mysql_error(st->mysql), e);
		return;
	}
}

/*
 * The current phase's call finished: look at its result and move on.
 * Returns true while there is a next call to start, false once the check
 * ended.
 */
static bool
mysql_phase_done(struct check_run *run)
{
	struct mysql_state	*st = run->state;
	const struct cfg_check_mysql *c = check_mysql_conf(run->cfg);
	char			 why[256], err[256];
	enum mysql_repl_health	 h;

	switch (st->phase) {
	case PH_CONNECT:
		util_secret_free(st->pw, st->pwlen);
		st->pw = NULL;
		st->pwlen = 0;
		if (st->conn_ret == NULL) {
			mysql_connect_failed(run);
			return false;
		}
		mysql_conn_flavor(st->mysql, &st->flavor, &st->version);
		st->phase = PH_QUERY;
		st->sql = c->query;
		return true;
	case PH_QUERY:
		if (st->int_ret != 0) {
			check_done(run, CHECK_QUERY_FAILED, "%s: %s (error %u)",
			    c->query, mysql_error(st->mysql),
			    mysql_errno(st->mysql));
			return false;
		}
		st->phase = mysql_field_count(st->mysql) > 0 ? PH_QUERY_STORE :
		    PH_REPL;
		break;
	case PH_QUERY_STORE:
		if (st->res_ret == NULL) {
			check_done(run, CHECK_QUERY_FAILED, "%s: reading the"
			    " result: %s", c->query, mysql_error(st->mysql));
			return false;
		}
		mysql_free_result(st->res_ret);
		st->res_ret = NULL;
		st->phase = PH_REPL;
		break;
	case PH_REPL:
		if (st->int_ret != 0) {
			if (mysql_errno(st->mysql) ==
			    ER_SPECIFIC_ACCESS_DENIED_ERROR)
				check_done(run, CHECK_ACCESS_DENIED, "%s: %s"
				    " needs the %s privilege: %s", st->sql,
				    c->user, mysql_conn_monitor_grant(
				    st->flavor), mysql_error(st->mysql));
			else
				check_done(run, CHECK_QUERY_FAILED, "%s: %s"
				    " (error %u)", st->sql,
				    mysql_error(st->mysql),
				    mysql_errno(st->mysql));
			return false;
		}
		st->phase = PH_REPL_STORE;
		return true;
	case PH_REPL_STORE:
		if (st->res_ret == NULL || mysql_conn_repl_read(st->res_ret,
		    &st->repl, err, sizeof(err)) == -1) {
			check_done(run, CHECK_QUERY_FAILED, "%s: %s", st->sql,
			    st->res_ret == NULL ? mysql_error(st->mysql) : err);
			return false;
		}
		mysql_free_result(st->res_ret);
		st->res_ret = NULL;
		h = mysql_conn_repl_judge(&st->repl, c->max_lag_s, why,
		    sizeof(why));
		if (h != REPL_HEALTHY) {
			check_done(run, h == REPL_IO_STOPPED ? CHECK_IO_STOPPED :
			    h == REPL_SQL_STOPPED ? CHECK_SQL_STOPPED :
			    CHECK_LAGGING, "%s", why);
			return false;
		}
		if (!st->repl.replica)
			snprintf(st->replica, sizeof(st->replica),
			    "not a replica");
		else if (st->repl.behind_s >= 0)
			snprintf(st->replica, sizeof(st->replica), "replica of"
			    " %s, %llds behind", st->repl.master_host,
			    (long long)st->repl.behind_s);
		else
			snprintf(st->replica, sizeof(st->replica), "replica of"
			    " %s", st->repl.master_host);
		st->phase = PH_GTID;
		st->sql = mysql_conn_gtid_sql(st->flavor);
		return true;
	case PH_GTID:
	case PH_GTID_STORE:
		if (st->phase == PH_GTID && st->int_ret == 0) {
			st->phase = PH_GTID_STORE;
			return true;
		}
		run->res->gtid_read = false;
		if (st->phase == PH_GTID || st->res_ret == NULL)
			snprintf(err, sizeof(err), "%s", mysql_error(st->mysql));
		else if (mysql_conn_gtid_read(st->res_ret, run->res->gtid,
		    sizeof(run->res->gtid), err, sizeof(err)) == 0)
			run->res->gtid_read = true;
		/* The server is up either way; failback safety will say. */
		if (!run->res->gtid_read)
			log_warnx("check %s: reading the GTIDs: %s",
			    run->cfg->name, err);
		check_done(run, CHECK_OK, "%s %s %lu.%lu.%lu: %s ok; %s%s",
		    st->where, mysql_flavor_str(st->flavor),
		    st->version / 10000, st->version / 100 % 100,
		    st->version % 100, c->query, st->replica,
		    run->res->gtid_read ? "" : "; GTIDs not read");
		return false;
	}
	if (st->phase == PH_REPL)
		st->sql = mysql_conn_repl_sql(st->flavor, st->version);
	return true;
}

/* Run calls until one has to wait or the check ends. */
static void
mysql_drive(struct check_run *run, int events)
{
	struct mysql_state	*st = run->state;

	for (;;) {
		st->wait = mysql_call(run, events);
		if (st->wait != 0)
			return;		/* the engine polls our socket */
		events = 0;
		if (!mysql_phase_done(run))
			return;
	}
}

static void
mysql_start(struct check_run *run)
{
	mysql_drive(run, 0);
}

static size_t
mysql_waitfds(struct check_run *run, struct curl_waitfd *w, size_t room)
{
	struct mysql_state	*st = run->state;
	my_socket		 fd;

	if (room == 0 || st->wait == 0)
		return 0;
	fd = mysql_get_socket(st->mysql);
	if (fd == MARIADB_INVALID_SOCKET)
		return 0;	/* only a timeout: the deadline handles it */
	w[0].fd = fd;
	w[0].events = 0;
	if (st->wait & MYSQL_WAIT_READ)
		w[0].events |= CURL_WAIT_POLLIN;
	if (st->wait & MYSQL_WAIT_WRITE)
		w[0].events |= CURL_WAIT_POLLOUT;
	if (st->wait & MYSQL_WAIT_EXCEPT)
		w[0].events |= CURL_WAIT_POLLPRI;
	w[0].revents = 0;
	return 1;
}

static void
mysql_ready(struct check_run *run, curl_socket_t fd, short revents)
{
	int	events = 0;

	(void)fd;
	if (revents & CURL_WAIT_POLLIN)
		events |= MYSQL_WAIT_READ;
	if (revents & CURL_WAIT_POLLOUT)
		events |= MYSQL_WAIT_WRITE;
	if (revents & CURL_WAIT_POLLPRI)
		events |= MYSQL_WAIT_EXCEPT;
	if (events != 0)
		mysql_drive(run, events);
}

static void
mysql_expire(struct check_run *run)
{
	struct mysql_state	*st = run->state;
	static const char *const what[] = {
		[PH_CONNECT] = "connect", [PH_QUERY] = "query",
		[PH_QUERY_STORE] = "query", [PH_REPL] = "replication status",
		[PH_REPL_STORE] = "replication status", [PH_GTID] = "GTIDs",
		[PH_GTID_STORE] = "GTIDs" };
	char	limit[32];

	util_duration_format(run->cfg->timeout_ms, limit, sizeof(limit));
	check_done(run, CHECK_TIMEOUT, "%s: %s: no answer within %s",
	    st->where, what[st->phase], limit);
}

const struct check_ops check_mysql_ops = {
	.name = "mysql",
	.prepare = mysql_prepare,
	.start = mysql_start,
	.waitfds = mysql_waitfds,
	.ready = mysql_ready,
	.expire = mysql_expire,
	.release = mysql_release,
};

/* ---- [check:NAME] type = mysql: its keys (agent/core/confdesc.h) ---- */

#define K_AT(m)	CFG_AT(struct cfg_check_mysql, m)
static const struct cfg_key mysql_keys[] = {
	{ .name = "host", .type = CFG_T_CUSTOM, .flags = CFG_F_OWNED,
	  K_AT(host), .doc = "the server's host (or socket)" },
	{ .name = "port", .type = CFG_T_CUSTOM, .doc = "its port (3306)" },
	{ .name = "socket", .type = CFG_T_CUSTOM, .flags = CFG_F_OWNED,
	  K_AT(socket), .doc = "its Unix socket (or host)" },
	{ .name = "user", .type = CFG_T_CUSTOM, .flags = CFG_F_OWNED,
	  K_AT(user), .doc = "the user to log in as (required)" },
	{ .name = "password_file", .type = CFG_T_CUSTOM, .flags = CFG_F_OWNED,
	  K_AT(password_file), .doc = "its password (a secret file)" },
	{ .name = "query", .type = CFG_T_STR, K_AT(query),
	  .def_str = "SELECT 1", .doc = "the query that must succeed" },
	{ .name = "max_lag", .type = CFG_T_CUSTOM, K_AT(max_lag_s), .def = -1,
	  .doc = "the replication lag above which the check is down" },
	{ .name = NULL }
};
#undef K_AT

/*
 * The login and max_lag of [check:NAME] type = mysql (failover-agent(8),
 * MYSQL).
 */
static void
mysql_conf_validate(struct cfg_ctx *c, const struct cfg_sec *s,
    struct cfg_check *chk)
{
	struct cfg_check_mysql	*ck = chk->conf;
	int64_t			 ms;

	cfg_get_mysql_login(c, s, NULL, &ck->host, &ck->port, &ck->socket,
	    &ck->user, &ck->password_file);
	if (cfg_get_duration(c, s, "max_lag", 0, &ms, NULL)) {
		if (ms % 1000 != 0)
			cfg_error(c, cfg_sec_get(s, "max_lag")->line, "max_lag"
			    " is in whole seconds (Seconds_Behind_Master)");
		else
			ck->max_lag_s = ms / 1000;
	}
}

const struct cfg_check_type check_mysql_type = {
	.name = "mysql",
	.ops = &check_mysql_ops,
	.keys = mysql_keys,
	.conf_size = sizeof(struct cfg_check_mysql),
	.timeout_ms = 5000,
	.validate = mysql_conf_validate,
};
