/*
 * check.h: probing the primary.  One file per check type (check_http.c,
 * check_tcp.c, ...); check.c runs every configured check of a cycle in
 * parallel in one event loop (a libcurl multi handle; non-curl checks add
 * their sockets as extra wait fds) and ends each one through check_done().
 *
 * Each check has one monotonic deadline, start + its timeout, re-armed with
 * the time left on every wait.  A cycle therefore takes about as long as its
 * slowest check, not the sum.
 */
#ifndef FA_CHECK_H
#define FA_CHECK_H

#include <stdbool.h>
#include <stdint.h>

#include "agent/core/config.h"

/* Outcomes are stored in history and logged by their string form. */
enum check_outcome {
	CHECK_OK = 0,
	CHECK_TIMEOUT,		/* no answer before the deadline */
	CHECK_REFUSED,		/* connection refused */
	CHECK_UNREACHABLE,	/* network/host unreachable, reset */
	CHECK_RESOLVE_FAILED,	/* name did not resolve */
	CHECK_TLS_FAILED,	/* handshake or certificate verification */
	CHECK_BAD_STATUS,	/* HTTP status other than expect_status */
	CHECK_BODY_MISMATCH,	/* expect_body not in the body */
	CHECK_PROTOCOL_ERROR,	/* malformed answer */
	CHECK_INTERNAL_ERROR,	/* our side: out of memory, socket(), ... */
	CHECK_MYSQL_CONNECT_FAILED, /* the client library could not connect */
	CHECK_ACCESS_DENIED,	/* login refused, or a statement not granted */
	CHECK_QUERY_FAILED,	/* the configured query returned an error */
	CHECK_IO_STOPPED,	/* replica: IO thread not running */
	CHECK_SQL_STOPPED,	/* replica: SQL thread not running */
	CHECK_LAGGING,		/* replica: more than max_lag behind */
	CHECK_WARNING,		/* exec: plugin exit 1; passed (up), kept as such */
	CHECK_CRITICAL,		/* exec: plugin exit 2 */
	CHECK_UNKNOWN,		/* exec: exit 3, timeout, cannot run: cannot tell */
	CHECK_DNS_RCODE,	/* dns: REFUSED, SERVFAIL, NXDOMAIN, ... */
	CHECK_DNS_MISMATCH,	/* dns: no answer, or none holding expect */
	CHECK_OUTCOME_MAX
};

const char *check_outcome_str(enum check_outcome);
/*
 * Did the check pass (the primary is up as far as it can tell)?  CHECK_OK
 * and CHECK_WARNING (a Nagios plugin's WARNING: up, but worth a look).
 */
bool	check_outcome_passed(enum check_outcome);
/*
 * Is the failure our side's, saying nothing about the primary
 * (CHECK_INTERNAL_ERROR, CHECK_UNKNOWN)?  A spare votes "unknown" on it.
 */
bool	check_outcome_cannot_tell(enum check_outcome);
/* Inverse of check_outcome_str, for reading history; -1 if unknown. */
int	check_outcome_from_str(const char *);

struct check_result {
	const struct cfg_check	*check;		/* borrowed from the config */
	enum check_outcome	 outcome;
	char			 detail[256];	/* "HTTP 503", "connect: refused" */
	int64_t			 elapsed_ms;
	/*
	 * mysql checks: the server's GTIDs in gtid.h notation (MariaDB
	 * gtid_binlog_state + gtid_slave_pos, MySQL gtid_executed), read
	 * when the check passed; gtid_read false if they could not be.
	 */
	bool			 gtid_read;
	char			 gtid[2048];
};

/* A dns check's qtype by name ("AAAA"); "?" for a type it cannot have. */
const char *check_qtype_str(uint16_t);

/*
 * [check:NAME] type = mysql (SPEC §6): its keys, public because
 * config-test logs in with them too.  Part of the check's config
 * (cfg_check.conf): freed by config_free().
 */
struct cfg_check_mysql {
	char		*host;		/* host/port, or socket */
	uint16_t	 port;		/* default 3306 */
	char		*socket;
	char		*user;
	char		*password_file;	/* NULL: no password */
	char		*query;		/* default "SELECT 1" */
	int64_t		 max_lag_s;	/* -1: replication lag not judged */
};

/*
 * The keys of a check of type mysql, borrowed from it; NULL for a check
 * of another type.
 */
const struct cfg_check_mysql *check_mysql_conf(const struct cfg_check *);

/*
 * Run every check of cfg in parallel.  results must have room for
 * cfg->nchecks entries and is filled in config order.  Returns the number of
 * checks that did not pass (check_outcome_passed(); 0 = primary looked
 * healthy).  Never fails as a whole: an internal problem is a
 * CHECK_INTERNAL_ERROR result.
 */
int	checks_run(const struct config *cfg, struct check_result *results);

#endif
