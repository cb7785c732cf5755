/*
 * test_log.c: the stderr format, verbosity levels, FA_LOG_STDERR and fatal().
 * Each case runs in a child whose stderr is a pipe (not a terminal).
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/lib/log.h"
#include "agent/lib/util.h"
#include "t/unit/tap.h"

/* Run fn(verbosity) in a child; return its stderr and its exit status. */
static void
run_child(void (*fn)(int), int verbosity, char *out, size_t outlen,
    int *status)
{
	int	 fds[2];
	pid_t	 pid;
	size_t	 len = 0;
	ssize_t	 n;

	if (pipe(fds) == -1)
		fatal("pipe");
	fflush(stdout);
	if ((pid = fork()) == -1)
		fatal("fork");
	if (pid == 0) {
		close(fds[0]);
		dup2(fds[1], STDERR_FILENO);
		close(fds[1]);
		fn(verbosity);
		_exit(0);
	}
	close(fds[1]);
	while (len + 1 < outlen &&
	    (n = read(fds[0], out + len, outlen - 1 - len)) > 0)
		len += (size_t)n;
	out[len] = '\0';
	close(fds[0]);
	if (waitpid(pid, status, 0) == -1)
		fatal("waitpid");
}

static void
levels(int verbosity)
{
	log_init(LOG_TARGET_STDERR, verbosity);
	log_debug("debug %d", 1);
	log_info("info %s", "two");
	log_warnx("warnx");
	errno = ENOENT;
	log_warn("open %s", "/x");
	log_info("multi\nline\x1b[0m");
}

static void
forced(int verbosity)
{
	/* Asked for syslog, but FA_LOG_STDERR=1 wins (the tests rely on it). */
	setenv("FA_LOG_STDERR", "1", 1);
	log_init(LOG_TARGET_SYSLOG, verbosity);
	log_info("to stderr anyway");
}

static void
dies(int verbosity)
{
	log_init(LOG_TARGET_STDERR, verbosity);
	errno = EACCES;
	fatal("cannot open %s", "state.db");
}

static void
diesx(int verbosity)
{
	log_init(LOG_TARGET_STDERR, verbosity);
	fatalx("bad config");
}

int
main(void)
{
	char	out[4096];
	int	status;

	run_child(levels, 0, out, sizeof(out), &status);
	is_str(out,
	    "failover-agent: info two\n"
	    "failover-agent: warnx\n"
	    "failover-agent: open /x: No such file or directory\n"
	    "failover-agent: multi?line?[0m\n",
	    "verbosity 0: info and warnings, control characters replaced");

	run_child(levels, 1, out, sizeof(out), &status);
	ok(strncmp(out, "failover-agent: debug 1\n"
	    "failover-agent: info two\n", 48) == 0, "verbosity 1: debug too");

	run_child(levels, -1, out, sizeof(out), &status);
	is_str(out,
	    "failover-agent: warnx\n"
	    "failover-agent: open /x: No such file or directory\n",
	    "verbosity -1: warnings only");

	run_child(forced, 0, out, sizeof(out), &status);
	is_str(out, "failover-agent: to stderr anyway\n",
	    "FA_LOG_STDERR=1 forces stderr");

	run_child(dies, 0, out, sizeof(out), &status);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 1, "fatal exits 1");
	is_str(out, "failover-agent: cannot open state.db: Permission denied\n",
	    "fatal appends strerror");

	run_child(diesx, 0, out, sizeof(out), &status);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 1, "fatalx exits 1");
	is_str(out, "failover-agent: bad config\n", "fatalx message");

	return tap_done();
}
