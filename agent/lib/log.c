/*
 * log.c: one logging path for the whole program (see log.h).
 *
 * The target is chosen once by log_init(): stderr when asked, when
 * FA_LOG_STDERR=1 is set (the tests), or when stderr is a terminal; syslog
 * (LOG_DAEMON, ident "failover-agent") otherwise, which is what cron and
 * service managers get.  Each message is formatted into one buffer and
 * written with one call, so lines from parallel checks do not interleave.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "agent/lib/log.h"

#define LOG_IDENT	"failover-agent"
#define LOG_MSG_MAX	1024

static bool	log_to_stderr = true;	/* before log_init(): stderr */
static bool	log_syslog_open;
static int	log_verbosity;

/*
 * Choose the target and the verbosity.  May be called again (e.g. after the
 * command line is parsed); a previously opened syslog connection is closed
 * when switching to stderr.
 */
void
log_init(enum log_target target, int verbosity)
{
	const char *force;

	log_verbosity = verbosity;
	force = getenv("FA_LOG_STDERR");
	if (target == LOG_TARGET_STDERR ||
	    (force != NULL && strcmp(force, "1") == 0))
		log_to_stderr = true;
	else if (target == LOG_TARGET_SYSLOG)
		log_to_stderr = false;
	else
		log_to_stderr = isatty(STDERR_FILENO) == 1;

	if (log_to_stderr) {
		if (log_syslog_open) {
			closelog();
			log_syslog_open = false;
		}
	} else if (!log_syslog_open) {
		openlog(LOG_IDENT, LOG_PID | LOG_NDELAY, LOG_DAEMON);
		log_syslog_open = true;
	}
}

/*
 * Replace control characters (a newline from a server's error text, an
 * escape sequence) by '?': one message stays one line, and nothing read from
 * the network can forge a log line or drive a terminal.
 */
static void
log_sanitize(char *s)
{
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c < 0x20 && c != '\t') || c == 0x7f)
			*s = '?';
	}
}

static void
log_vemit(int priority, int errnum, const char *fmt, va_list ap)
{
	char	 msg[LOG_MSG_MAX];
	size_t	 len = 0;

	msg[0] = '\0';
	if (fmt != NULL) {
		vsnprintf(msg, sizeof(msg), fmt, ap);
		len = strlen(msg);
	}
	if (errnum != 0 && len < sizeof(msg))
		snprintf(msg + len, sizeof(msg) - len, "%s%s",
		    len > 0 ? ": " : "", strerror(errnum));
	log_sanitize(msg);

	if (log_to_stderr) {
		fprintf(stderr, "%s: %s\n", LOG_IDENT, msg);
		fflush(stderr);
	} else
		syslog(priority, "%s", msg);
}

void
log_warn(const char *fmt, ...)
{
	va_list	ap;
	int	saved = errno;

	va_start(ap, fmt);
	log_vemit(LOG_WARNING, saved, fmt, ap);
	va_end(ap);
	errno = saved;
}

void
log_warnx(const char *fmt, ...)
{
	va_list	ap;
	int	saved = errno;

	va_start(ap, fmt);
	log_vemit(LOG_WARNING, 0, fmt, ap);
	va_end(ap);
	errno = saved;
}

void
log_info(const char *fmt, ...)
{
	va_list	ap;
	int	saved = errno;

	if (log_verbosity < 0)
		return;
	va_start(ap, fmt);
	log_vemit(LOG_INFO, 0, fmt, ap);
	va_end(ap);
	errno = saved;
}

void
log_debug(const char *fmt, ...)
{
	va_list	ap;
	int	saved = errno;

	if (log_verbosity < 1)
		return;
	va_start(ap, fmt);
	log_vemit(LOG_DEBUG, 0, fmt, ap);
	va_end(ap);
	errno = saved;
}

/* Log with strerror(errno) and exit(1).  fmt may be NULL: only the error. */
void
fatal(const char *fmt, ...)
{
	va_list	ap;
	int	saved = errno;

	va_start(ap, fmt);
	log_vemit(LOG_CRIT, saved, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vemit(LOG_CRIT, 0, fmt, ap);
	va_end(ap);
	exit(1);
}

/*
 * A condition that needs a person (issue 10 item 8): logged as a warning
 * and, when the log goes to syslog (cron), written to stderr as well, since
 * that is what cron mails.  Callers say it when it starts and when it
 * clears, not every cycle.
 */
void
log_person(const char *fmt, ...)
{
	char	msg[LOG_MSG_MAX];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_sanitize(msg);
	log_warnx("%s", msg);
	if (!log_to_stderr) {
		fprintf(stderr, "%s: %s\n", LOG_IDENT, msg);
		fflush(stderr);
	}
}
