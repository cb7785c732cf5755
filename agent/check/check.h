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
#include "agent/core/vocab.h"	/* enum check_outcome */

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
 * [check:NAME] type = mysql (failover-agent(8), MYSQL): its keys, public
 * because
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
