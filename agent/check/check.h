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

/*
 * Run every check of cfg in parallel.  results must have room for
 * cfg->nchecks entries and is filled in config order.  Returns the number of
 * checks that did not pass (check_outcome_passed(); 0 = primary looked
 * healthy).  Never
 * fails as a whole: an internal problem is a CHECK_INTERNAL_ERROR result.
 */
int	checks_run(const struct config *cfg, struct check_result *results);

#endif
