/*
 * log.h: one logging path for the whole program.
 *
 * Messages go to stderr when stderr is a terminal (or when forced, as the tests
 * do) and to syslog (facility daemon, ident "failover-agent") otherwise.
 * log_warn() appends strerror(errno); log_warnx() does not.  fatal()/fatalx()
 * log and exit(1).  Never pass a secret to any of these.
 */
#ifndef FA_LOG_H
#define FA_LOG_H

#include <stdarg.h>

enum log_target { LOG_TARGET_AUTO, LOG_TARGET_STDERR, LOG_TARGET_SYSLOG };

/* verbosity: -1 quiet (warnings only), 0 normal (info), 1 debug. */
void	log_init(enum log_target target, int verbosity);
void	log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A warning a person must read: also to stderr when logging to syslog. */
void	log_person(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	fatal(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
void	fatalx(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2), noreturn));

#endif
