/*
 * mysql_conn.h: what the mysql check (check_mysql.c, non-blocking, in the
 * checks' event loop) and the backup's own replica (mysql_local.c, blocking)
 * share: the library's one-time set-up, the handle's options, how a server
 * tells its flavor, the statements that read replication and GTIDs, and how
 * their answers are read.  Built on MariaDB Connector/C (libmariadb), which
 * talks to MariaDB and MySQL servers alike.
 */
#ifndef FA_MYSQL_CONN_H
#define FA_MYSQL_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <mysql.h>

#include "agent/core/config.h"

#define FA_MYSQL_GTID_MAX	2048	/* longest GTID text kept */

enum mysql_flavor { FA_MYSQL_MARIADB, FA_MYSQL_MYSQL };

/* One row of SHOW SLAVE STATUS (MariaDB) or SHOW REPLICA STATUS (MySQL). */
struct mysql_repl {
	bool		 replica;		/* a row came back */
	char		 io_running[16];	/* "Yes", "No", "Connecting" */
	char		 sql_running[16];
	int64_t		 behind_s;		/* Seconds_Behind_Master, -1 NULL */
	char		 last_io_error[160];
	char		 last_sql_error[160];
	char		 sql_state[96];		/* Slave_SQL_Running_State */
	char		 master_host[64];
	bool		 using_gtid;		/* MariaDB Using_Gtid != No; MySQL Auto_Position */
	char		 received[FA_MYSQL_GTID_MAX];	/* Gtid_IO_Pos / Retrieved_Gtid_Set */
	char		 executed[FA_MYSQL_GTID_MAX];	/* MySQL Executed_Gtid_Set */
	/* Binary log coordinates: received (Master_Log_File, Read_Master_
	 * Log_Pos) and applied (Relay_Master_Log_File, Exec_Master_Log_Pos). */
	char		 read_file[128];
	uint64_t	 read_pos;
	char		 exec_file[128];
	uint64_t	 exec_pos;
};

/*
 * Initialise the client library once per process (thread-safe; also
 * registers mysql_library_end() with atexit).  Returns 0 or -1.
 */
int	mysql_conn_library_init(void);

/*
 * Set the options every handle of ours takes: protocol (TCP for a host,
 * the Unix socket otherwise), no option files read, the library's own
 * connect/read/write timeouts (whole seconds, at least 1, rounded up), and
 * non-blocking mode when nonblock.  Returns 0, or -1 with err set.
 */
int	mysql_conn_options(MYSQL *, bool tcp, int64_t timeout_ms, bool nonblock,
	    char *err, size_t errlen);

/*
 * Read password_file (NULL: no password; *pw is then NULL).  The caller wipes
 * and frees *pw with util_secret_free(*pw, *pwlen) once the connection is
 * made.  Returns 0, or -1 with err set (never showing the contents).
 */
int	mysql_conn_password(const char *password_file, char **pw, size_t *pwlen,
	    char *err, size_t errlen);

/* The flavor and numeric version (e.g. 101119) of a connected handle. */
void	mysql_conn_flavor(MYSQL *, enum mysql_flavor *, unsigned long *version);
const char *mysql_flavor_str(enum mysql_flavor);

/* The statement that shows replication status on this server. */
const char *mysql_conn_repl_sql(enum mysql_flavor, unsigned long version);

/*
 * Read the result of mysql_conn_repl_sql().  Returns 0 (repl->replica false
 * when the server replicates from nobody), or -1 with err set (an answer
 * without the expected columns).
 */
int	mysql_conn_repl_read(MYSQL_RES *, struct mysql_repl *, char *err,
	    size_t errlen);

/*
 * Judge replication health: REPL_HEALTHY (why "") for a healthy replica or a
 * server that replicates from nobody; otherwise the first problem, with why
 * set: the IO thread not running (Connecting counts), the SQL thread not
 * running, or more than max_lag_s behind (judged only when max_lag_s >= 0).
 */
enum mysql_repl_health {
	REPL_HEALTHY = 0,
	REPL_IO_STOPPED,
	REPL_SQL_STOPPED,
	REPL_LAGGING,
};
enum mysql_repl_health mysql_conn_repl_judge(const struct mysql_repl *,
	    int64_t max_lag_s, char *why, size_t whylen);

/*
 * The statement that reads the server's GTIDs, and how to read its answer:
 * MariaDB gtid_binlog_state merged with gtid_slave_pos (what it wrote to its
 * binary log, per domain and server, and what it applied as a replica),
 * MySQL gtid_executed.  mysql_conn_gtid_read() writes the canonical text
 * (gtid_set_format) into out.  Returns 0, or -1 with err set (unreadable,
 * malformed, or longer than len).
 */
const char *mysql_conn_gtid_sql(enum mysql_flavor);
int	mysql_conn_gtid_read(MYSQL_RES *, char *out, size_t len, char *err,
	    size_t errlen);

/* The privilege that SHOW SLAVE/REPLICA STATUS needs, for messages. */
const char *mysql_conn_monitor_grant(enum mysql_flavor);

/*
 * What a user must be granted, by use.  The privilege names differ by
 * flavor and version (verified on MariaDB 10.11: SHOW SLAVE STATUS wants
 * SUPER or SLAVE MONITOR, REPLICATION CLIENT no longer does; SET GLOBAL
 * read_only wants READ_ONLY ADMIN, which SUPER no longer includes; STOP
 * SLAVE wants SUPER or REPLICATION SLAVE ADMIN).
 */
#define FA_MYSQL_NEED_MONITOR	0x1	/* SHOW SLAVE STATUS */
#define FA_MYSQL_NEED_READ_ONLY	0x2	/* SET GLOBAL read_only */
#define FA_MYSQL_NEED_STOP	0x4	/* STOP SLAVE */

/*
 * Read SHOW GRANTS (of the logged-in user) and check the global (ON *.*)
 * privileges against needs.  Returns 0 with missing "" when all is there,
 * else missing lists each need not met ("SLAVE MONITOR (for SHOW SLAVE
 * STATUS)"); -1 with err when the grants cannot be read.  Privileges that
 * come through a role are not seen (a role's grants are not in SHOW GRANTS
 * of the user).
 */
int	mysql_conn_grants(MYSQL *, unsigned int needs, char *missing,
	    size_t len, char *err, size_t errlen);

#endif
