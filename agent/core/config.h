/*
 * config.h: the parsed configuration (failover-agent.conf(5)) and its loader.
 *
 * config_load() parses an INI file with libinih into a struct config that the
 * caller frees with config_free().  Every problem is reported as
 * "FILE:LINE: message" through the diag list; warnings (e.g. no [quorum]) go
 * there too, flagged as such.  Nothing secret is read here: secret files are
 * only checked for existence and permissions; their contents are read by the
 * module that uses them, right before use, and wiped after.
 */
#ifndef FA_CONFIG_H
#define FA_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include "agent/lib/addrset.h"

#define CFG_DEFAULT_PATH	"/etc/failover-agent/failover-agent.conf"
#define CFG_ENV_PATH		"FAILOVER_AGENT_CONF"

enum site_role { ROLE_BACKUP, ROLE_SPARE };
enum failback_mode { FAILBACK_AUTO, FAILBACK_MANUAL };

struct cfg_check_type;		/* agent/core/confdesc.h */
struct cfg_method;		/* agent/core/confdesc.h */

/*
 * [check:NAME]: what every check has.  Its type's keys are in its type's
 * own struct, described and checked by its module
 * (agent/check/check_TYPE.c).
 */
struct cfg_check {
	char		*name;		/* the NAME of [check:NAME] */
	int		 line;		/* line of the section header */
	const struct cfg_check_type *type;	/* check_type_str() */
	int64_t		 timeout_ms;	/* default: the type's (5s, exec 10s) */
	/*
	 * The type's own struct (struct cfg_check_http, ...:
	 * agent/check/check_impl.h; a mysql check's through
	 * check_mysql_conf(), agent/check/check.h), freed with the check
	 * through its type's descriptors.  NULL without a type.
	 */
	void		*conf;
};

/* [mysql]: the backup site's own replica (failover-agent(8), MYSQL). */
enum mysql_promote {
	MYSQL_PROMOTE_WRITABLE,		/* STOP SLAVE, read_only = OFF */
	MYSQL_PROMOTE_READ_ONLY,	/* keep read_only = ON; hooks get FA_READ_ONLY=1 */
	MYSQL_PROMOTE_NONE,		/* leave it as it is */
};

struct cfg_mysql {
	int			 line;
	char			*socket;	/* default /run/mysqld/mysqld.sock */
	char			*host;		/* instead of socket */
	uint16_t		 port;		/* default 3306 */
	char			*user;
	char			*password_file;	/* NULL: no password (unix_socket auth) */
	enum mysql_promote	 promote;	/* default writable */
	int64_t			 wait_to_apply_ms; /* -1 forever, 0 never; default 30s */
	int64_t			 timeout_ms;	/* connect and each query: default 10s */
	/* The [check:NAME] of type mysql that reads the primary's GTIDs. */
	char			*primary_check;
	size_t			 primary_check_index;	/* in checks[] */
};

enum dns_verify { DNS_VERIFY_NONE, DNS_VERIFY_SERVER, DNS_VERIFY_ALL };

struct cfg_dns {
	int		 line;
	const struct cfg_method *method;	/* dns_method_str() */
	char		*server;	/* NULL: the zone's SOA MNAME */
	uint16_t	 port;		/* default 53 */
	char		*tsig_key_file;	/* BIND key file (tsig-keygen output) */
	uint32_t	 ttl;		/* seconds, record TTL written */
	enum dns_verify	 verify;	/* default server */
	int64_t		 timeout_ms;	/* one query or update: default 5s */
	int64_t		 verify_timeout_ms; /* polling for verify: default 30s */
	int64_t		 canary_ms;	/* between two canaries: default 1h, 0 off */
	char		*resolver;	/* discovery only (SOA MNAME, NS addresses):
					   an IP address; NULL: /etc/resolv.conf */
	uint16_t	 resolver_port;	/* default 53 */
};

struct cfg_zone {
	char	 *name;			/* absolute, lower case, trailing dot */
	int	  line;
	size_t	  nrecords;
	char	**records;		/* absolute owner names, trailing dot */
};

struct cfg_hooks {
	char	*before_failover;	/* absolute path or NULL */
	char	*after_failover;
	char	*before_failback;
	char	*after_failback;
	int64_t	 timeout_ms;		/* default 30s */
	char	*notify;		/* http(s) URL of a webhook, or NULL */
};

/* A [hooks] notify POST waits at most this long (never blocks DNS). */
#define CFG_NOTIFY_TIMEOUT_MS	5000

/*
 * [quorum]: asking the spares before a failover (failover-agent(8), THE
 * QUORUM).
 */
struct cfg_quorum {
	int		 line;		/* of [quorum]; 0 when absent */
	char		*secret_file;	/* absolute; contents read when used */
	int		 need;		/* valid answers needed, default 1 */
	int		 max_up;	/* "up" votes tolerated, default 0 */
	int		 need_down;	/* valid "down" votes, 1..need, default 1 */
	int64_t		 timeout_ms;	/* one deadline for all, default 5s */
	int64_t		 canary_ms;	/* one spare asked per canary: default 1h, 0 off */
};

/*
 * [spare:NAME]: a site that votes (failover-agent.conf(5), [spare:NAME];
 * quorum/PROTOCOL.md).
 */
struct cfg_spare {
	char	*name;			/* vote_name_valid() */
	char	*url;			/* http(s)://host[:port][/prefix] */
	int	 line;			/* of the section header */
};

struct vote_cidr;	/* quorum/quorum.h */

/* [vote]: the vote server of a spare (role = spare). */
struct cfg_vote {
	int	  line;			/* of [vote]; 0 when absent */
	size_t	  nlisten;
	char	**listen;		/* "0.0.0.0:8053", "[::]:8053" (default) */
	int64_t	  interval_ms;		/* probe every, default 5s ("cache" alias) */
	int64_t	  request_timeout_ms;	/* whole request from accept, default 2s */
	unsigned  max_connections;	/* per listen address, default 4096 */
	unsigned  max_per_ip;		/* per listen address, default 256 */
	size_t	  nallow;
	struct vote_cidr *allow;	/* [vote] allow; none: everyone */
};

struct cfg_agent {
	char			*name;
	enum site_role		 role;
	char			*state_db;
	int			 fail_after;	/* >= 1 */
	int			 recover_after;	/* >= 1 */
	enum failback_mode	 failback;
	int64_t			 hold_down_ms;
	int64_t			 interval_ms;
	int64_t			 history_keep_ms; /* default 90d; 0: keep all */
	char			*metrics_file;	/* Prometheus textfile, or NULL */
	bool			 quorum_none;	/* quorum = none: no spares, on purpose */
};

struct config {
	char			*path;
	struct cfg_agent	 agent;
	struct addrset		 primary;
	struct addrset		 backup;
	size_t			 nchecks;
	struct cfg_check	*checks;
	struct cfg_dns		 dns;
	/*
	 * The [dns] method's own section, as its module reads it (struct
	 * cfg_powerdns * for powerdns, ...): freed through its descriptors.
	 * NULL for a method without a section (rfc2136).
	 */
	void			*method_conf;
	size_t			 nzones;
	struct cfg_zone		*zones;
	struct cfg_hooks	 hooks;
	bool			 has_quorum;	/* [quorum] present */
	struct cfg_quorum	 quorum;
	size_t			 nspares;
	struct cfg_spare	*spares;	/* in file order */
	bool			 has_vote;	/* [vote] present */
	struct cfg_vote		 vote;		/* defaults filled in even if absent */
	bool			 has_mysql;	/* [mysql] present */
	struct cfg_mysql	 mysql;
};

/* Diagnostics: "FILE:LINE: message" lines, errors and warnings. */
struct diag {
	bool	 is_error;
	char	 msg[512];
};
struct diag_list {
	size_t		 n;
	size_t		 nerrors;
	struct diag	*items;
};

void	diag_add(struct diag_list *, bool is_error, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
void	diag_clear(struct diag_list *);

/*
 * Load and validate path.  On success returns 0 and *out is a config the
 * caller frees with config_free(); warnings may be in diags.  On any error
 * returns -1, *out is NULL, and diags holds every problem found (the parser
 * keeps going to report them all).  diags is appended to, never cleared.
 */
int	config_load(const char *path, struct config **out, struct diag_list *diags);

/*
 * config_load() with flags.  CONFIG_LOAD_NO_SECRETS: for the commands that
 * read only the config and the state (status, history): secret files,
 * hooks and the exec program are not stat()ed, opened or judged (their
 * paths are kept), and a token in [hooks] notify does not make the file's
 * mode an error, so a monitoring user with group read on the config can
 * run them.  Every command that uses a secret or runs a program loads with
 * flags 0 (config_load()).
 */
#define CONFIG_LOAD_NO_SECRETS	0x1
int	config_load_flags(const char *path, unsigned flags, struct config **out,
	    struct diag_list *diags);
void	config_free(struct config *);

/* The config path to use: explicit, else $FAILOVER_AGENT_CONF, else default. */
const char *config_default_path(const char *explicit_path);

const char *site_role_str(enum site_role);
const char *dns_method_str(const struct cfg_method *);
const char *dns_verify_str(enum dns_verify);
const char *check_type_str(const struct cfg_check_type *);
const char *mysql_promote_str(enum mysql_promote);

#endif
