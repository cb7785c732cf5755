/*
 * check_impl.h: what check.c (the engine) and the per-type files
 * (check_http.c, check_tcp.c, ...) share.  Private to the check module.
 *
 * The engine owns one struct check_run per configured check and drives it
 * through the type's check_ops:
 *
 *   prepare()  before any deadline starts; the only hook allowed to block
 *              (the tcp check resolves a host name here).
 *   start()    the deadline is now armed: hand the work to the loop (add a
 *              curl easy handle to check_loop_multi(), or start a
 *              non-blocking connect and report its fds through waitfds()).
 *   curl_done()  a curl transfer of this check finished with a CURLcode.
 *   waitfds()  the sockets to wait on besides curl's, as struct curl_waitfd.
 *   ready()    one of those sockets has events.
 *   expire()   optional: the deadline passed; end with a more precise
 *              detail than the engine's generic "no answer within 5s",
 *              or move run->deadline_ms later and go on waiting (the exec
 *              check: SIGTERM at the deadline, SIGKILL after a grace).
 *   release()  free everything the type holds; called once, by check_done().
 *
 * Every hook may end the check, and the only way to end it is check_done(),
 * which is called exactly once per check.
 */
#ifndef FA_CHECK_IMPL_H
#define FA_CHECK_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <curl/curl.h>

#include "agent/check/check.h"

/* The most sockets one check waits on at a time (tcp: one per address). */
#define CHECK_WAITFD_MAX	8

struct check_loop;
struct check_ops;

struct check_run {
	const struct cfg_check	*cfg;
	struct check_result	*res;
	struct check_loop	*loop;
	const struct check_ops	*ops;
	int64_t			 start_ms;	/* CLOCK_MONOTONIC */
	int64_t			 deadline_ms;	/* start_ms + cfg->timeout_ms */
	bool			 done;
	void			*state;		/* the type's, freed by release() */
};

struct check_ops {
	const char	*name;
	void		(*prepare)(struct check_run *);
	void		(*start)(struct check_run *);
	void		(*curl_done)(struct check_run *, CURLcode);
	size_t		(*waitfds)(struct check_run *, struct curl_waitfd *,
			    size_t room);
	void		(*ready)(struct check_run *, curl_socket_t fd,
			    short revents);
	void		(*expire)(struct check_run *);
	void		(*release)(struct check_run *);
};

extern const struct check_ops check_http_ops;
extern const struct check_ops check_tcp_ops;
extern const struct check_ops check_mysql_ops;
extern const struct check_ops check_exec_ops;
extern const struct check_ops check_dns_ops;

/*
 * Each type's keys and their checks (agent/core/confdesc.h), listed in
 * cfg_check_types[] (check.c); declared here for the unit tests.
 */
struct cfg_check_type;
extern const struct cfg_check_type check_http_type;
extern const struct cfg_check_type check_tcp_type;
extern const struct cfg_check_type check_mysql_type;
extern const struct cfg_check_type check_exec_type;
extern const struct cfg_check_type check_dns_type;

/*
 * Each type's keys, in its own struct held by cfg_check.conf (mysql's,
 * struct cfg_check_mysql, is in check.h: config-test reads it too).
 */

/* [check:NAME] type = http: GET url (cfg_check.conf). */
struct cfg_check_http {
	char		*url;		/* http:// or https:// */
	long		 expect_status;	/* default 200 */
	char		*expect_body;	/* substring, NULL = any */
	char		*ca_file;	/* extra CA bundle, NULL = system */
};

/* [check:NAME] type = tcp: connect to host:port (cfg_check.conf). */
struct cfg_check_tcp {
	char		*host;		/* a name or an address */
	uint16_t	 port;
};

/* [check:NAME] type = exec: its keys (cfg_check.conf). */
struct cfg_check_exec {
	char		*command;	/* as written */
	char		**argv;		/* split as sh would, without a shell:
					   NULL-terminated, argv[0] absolute */
};

/* [check:NAME] type = dns: ask server:port for qname/qtype. */
struct cfg_check_dns {
	char		*server;	/* an IP address */
	uint16_t	 port;		/* default 53 */
	char		*qname;
	uint16_t	 qtype;		/* RR type number (A = 1, ...) */
	char		*expect;	/* NULL: any answer; A/AAAA: canonical */
};

/*
 * End a check: set outcome, detail (printf-style) and elapsed time, log it
 * (log_debug when CHECK_OK, log_warnx otherwise), mark it done and release
 * the type's state.  Must be called exactly once per check.
 */
void	check_done(struct check_run *, enum check_outcome, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

/* The multi handle of the cycle, for curl-based checks. */
CURLM	*check_loop_multi(struct check_loop *);

/* Outcome of a failed connect()/send()/recv() with this errno. */
enum check_outcome check_outcome_from_errno(int);

#endif
