/*
 * mysql_local.h: the backup site's own replica, [mysql]
 * (failover-agent.conf(5), [mysql]).  Blocking
 * calls, each bounded by [mysql] timeout; used by the cycle's actions (wait
 * for the relay log, promote, demote), the failback safety check and
 * config-test, never inside the checks' event loop.
 *
 * Every function that talks to the server returns 0, or -1 with err (or
 * detail) set to a message naming the statement and the server's error; no
 * message ever holds the password.
 */
#ifndef FA_MYSQL_LOCAL_H
#define FA_MYSQL_LOCAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "agent/core/config.h"

struct mysql_local;

/* Connect.  *out is closed with mysql_local_close(). */
int	mysql_local_open(const struct cfg_mysql *, struct mysql_local **out,
	    char *err, size_t errlen);
void	mysql_local_close(struct mysql_local *);

/* "MariaDB 10.11.19 at /run/mysqld/mysqld.sock", for messages. */
const char *mysql_local_name(const struct mysql_local *);

/*
 * The server's GTIDs in gtid.h notation (see mysql_conn_gtid_sql()), into
 * buf.
 */
int	mysql_local_gtid(struct mysql_local *, char *buf, size_t len, char *err,
	    size_t errlen);

struct mysql_apply {
	bool	replica;	/* replication is configured */
	bool	applied;	/* nothing received is left to apply */
	bool	sql_stopped;	/* the SQL thread is not running: it never will be */
	bool	timed_out;	/* wait_ms passed first */
	int64_t	waited_ms;
	char	detail[512];	/* for history: what was seen, how long it took */
};

/*
 * Wait until the relay log is applied: what the replica received (MariaDB
 * Gtid_IO_Pos against gtid_slave_pos, MySQL Retrieved_Gtid_Set against
 * Executed_Gtid_Set, or else the source binary log coordinates read against
 * executed) is all executed.  wait_ms: -1 without end, 0 look once.  Stops
 * early when the SQL thread is not running.  Returns 0 with *out filled in
 * (applied or not), or -1 with err set when the server cannot be asked.
 */
int	mysql_local_wait_applied(struct mysql_local *, int64_t wait_ms,
	    struct mysql_apply *out, char *err, size_t errlen);

/*
 * Promote as configured: writable = stop replication (STOP SLAVE / STOP
 * REPLICA) and clear read_only (and super_read_only on MySQL); read-only =
 * make sure read_only is ON and leave replication running; none = nothing.
 * The result is read back from the server.  detail says what was done.
 */
int	mysql_local_promote(struct mysql_local *, enum mysql_promote,
	    char *detail, size_t len);

/* After a failback: read_only = ON again, read back.  Replication is left
 * as it is: re-pointing it is for a person. */
int	mysql_local_demote(struct mysql_local *, char *detail, size_t len);

/*
 * config-test: SHOW GRANTS against what [mysql] with this promote needs.
 * Returns 0 with missing "" when all is granted, or a ", "-separated list
 * of the missing privileges with what each is for; -1 with err when the
 * grants cannot be read.
 */
int	mysql_local_grants(struct mysql_local *, enum mysql_promote,
	    char *missing, size_t len, char *err, size_t errlen);

/*
 * Is the binary log on?  Without it the writes made on a promoted backup
 * carry no GTID, and failback safety cannot see them.
 */
int	mysql_local_log_bin(struct mysql_local *, bool *on, char *err,
	    size_t errlen);

/*
 * What the cycle runs.  Each fills steps[] (at most MYSQL_STEPS_MAX), one
 * history row each, and logs them.
 */
#define MYSQL_STEPS_MAX	2

struct mysql_step {
	const char	*kind;		/* "mysql wait_to_apply", "mysql promote", ... */
	bool		 ok;
	char		 detail[512];
};

/*
 * The failover's "mysql promote" action: connect, wait for the relay log
 * (wait_to_apply), read the GTID position reached, promote.  Returns 0, or
 * -1 when the failover must stop here: the server cannot be reached or
 * promoted, or wait_to_apply = -1 and the relay log can never be applied
 * (SQL thread stopped).  A bounded wait that ran out is not a failure: the
 * operator chose how long a failover may wait; the row says what was left.
 */
int	mysql_local_failover(const struct cfg_mysql *, struct mysql_step *steps,
	    size_t *nsteps);

/*
 * The failback's "mysql demote" action (promote = writable): read_only back
 * ON, then the backup's GTIDs compared once more with primary_gtid (the
 * primary's, read this cycle; NULL if not read), so writes that reached the
 * backup during the failback are named in history.  Returns 0 or -1.
 */
int	mysql_local_failback(const struct cfg_mysql *, const char *primary_gtid,
	    struct mysql_step *steps, size_t *nsteps);

/*
 * Failback safety (failover-agent(8), MYSQL): does the backup's database hold
 * transactions
 * that primary_gtid (NULL: could not be read, why_not says why) lacks?
 * Returns 1 safe, 0 unsafe, -1 unknown (counts as unsafe); msg says which
 * transactions, or why it could not be told.
 */
int	mysql_local_failback_safe(const struct cfg_mysql *,
	    const char *primary_gtid, const char *why_not, char *msg, size_t len);

#endif
