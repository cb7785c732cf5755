/*
 * test_spawn.c: spawn_run() with real programs: small /bin/sh scripts
 * written into a fresh temp dir, and /usr/bin/env and /bin/cat run directly.
 * No timing assertions: a timeout is shown by its outcome and by the
 * process group being gone afterwards.
 */
#include <sys/types.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/lib/log.h"
#include "agent/lib/spawn.h"
#include "t/unit/tap.h"

static char	tmpdir[] = "/tmp/fa-test-spawn.XXXXXX";
static char	*test_env[] = { "FA_TEST=1", "PATH=/usr/bin:/bin", NULL };

/* Write dir/name with body and mode; returns the path (static buffer). */
static const char *
script(const char *name, const char *body, mode_t mode)
{
	static char	path[512];
	FILE		*fp;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	if ((fp = fopen(path, "w")) == NULL)
		return path;
	fputs(body, fp);
	fclose(fp);
	chmod(path, mode);
	return path;
}

static int
run1(const char *path, const char *arg, const char *in, int64_t timeout_ms,
    struct spawn_result *r)
{
	char	*argv[3];

	argv[0] = (char *)(uintptr_t)path;
	argv[1] = (char *)(uintptr_t)arg;
	argv[2] = NULL;
	return spawn_run(argv, test_env, in, in != NULL ? strlen(in) : 0,
	    timeout_ms, r);
}

/* Read a small file written by a script: a pid. */
static pid_t
read_pid(const char *name)
{
	char	path[512], buf[32] = "";
	FILE	*fp;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	if ((fp = fopen(path, "r")) == NULL)
		return -1;
	if (fgets(buf, sizeof(buf), fp) == NULL)
		buf[0] = '\0';
	fclose(fp);
	return (pid_t)strtol(buf, NULL, 10);
}

static void
no_zombie(const char *what)
{
	int	r = waitpid(-1, NULL, WNOHANG);

	ok(r == -1 && errno == ECHILD, "%s: no child left behind", what);
}

static void
test_exit_codes(void)
{
	struct spawn_result	r;
	const char		*p;
	int			 rc;

	p = script("exit0", "#!/bin/sh\necho hello\nexit 0\n", 0700);
	rc = run1(p, NULL, NULL, 10000, &r);
	is_int(rc, 0, "exit 0 returns 0");
	is_int(r.outcome, SPAWN_EXITED, "exit 0: SPAWN_EXITED");
	is_int(r.exit_status, 0, "exit 0: status 0");
	is_str(r.detail, "exit 0", "exit 0: detail");
	is_str(r.output, "hello\n", "stdout is captured");

	p = script("exit3", "#!/bin/sh\necho out\necho err >&2\nexit 3\n",
	    0700);
	rc = run1(p, NULL, NULL, 10000, &r);
	is_int(rc, -1, "exit 3 returns -1");
	is_int(r.outcome, SPAWN_EXITED, "exit 3: SPAWN_EXITED");
	is_int(r.exit_status, 3, "exit 3: status 3");
	is_str(r.detail, "exit 3", "exit 3: detail");
	is_str(r.output, "out\nerr\n", "stdout and stderr land in one buffer");

	p = script("signal", "#!/bin/sh\nkill -USR1 $$\nsleep 5\n", 0700);
	rc = run1(p, NULL, NULL, 10000, &r);
	is_int(rc, -1, "killed by a signal returns -1");
	is_int(r.outcome, SPAWN_SIGNALED, "killed by its own SIGUSR1: "
	    "SPAWN_SIGNALED (%s)", r.detail);
	is_int(r.signal, SIGUSR1, "the signal is SIGUSR1");
	no_zombie("exit codes");
}

static void
test_cannot_run(void)
{
	struct spawn_result	r;
	const char		*p;
	char			 missing[600];

	snprintf(missing, sizeof(missing), "%s/does-not-exist", tmpdir);
	is_int(run1(missing, NULL, NULL, 10000, &r), -1,
	    "missing program returns -1");
	is_int(r.outcome, SPAWN_CANNOT_RUN, "missing program: SPAWN_CANNOT_RUN");
	is_str(r.detail, "exec: No such file or directory",
	    "missing program: the errno text");

	p = script("noexec", "#!/bin/sh\nexit 0\n", 0600);
	is_int(run1(p, NULL, NULL, 10000, &r), -1,
	    "not executable returns -1");
	is_int(r.outcome, SPAWN_CANNOT_RUN, "not executable: SPAWN_CANNOT_RUN");
	is_str(r.detail, "exec: Permission denied",
	    "not executable: the errno text");

	/*
	 * Issue 11: checked again right before running, as sshd does: a
	 * program others may change since the config was loaded is not run.
	 */
	{
		char	 marker[600], body[700], want[700];

		snprintf(marker, sizeof(marker), "%s/ran", tmpdir);
		snprintf(body, sizeof(body), "#!/bin/sh\ntouch %s\n", marker);
		p = script("loose", body, 0777);
		is_int(run1(p, NULL, NULL, 10000, &r), -1,
		    "a program others may write returns -1");
		is_int(r.outcome, SPAWN_CANNOT_RUN, "unsafe: SPAWN_CANNOT_RUN");
		snprintf(want, sizeof(want), "refused: %s is writable by others"
		    " (mode 0777); run: chmod go-w %s", p, p);
		is_str(r.detail, want, "unsafe: the detail says why and how");
		ok(access(marker, F_OK) == -1, "and it did not run");
		chmod(p, 0700);
		is_int(run1(p, NULL, NULL, 10000, &r), 0, "chmod go-w: it runs");
		ok(access(marker, F_OK) == 0, "(it ran)");
		unlink(marker);
	}

	/* No shell fallback: a file without #! is not run by /bin/sh. */
	p = script("noshebang", "exit 0\n", 0700);
	run1(p, NULL, NULL, 10000, &r);
	is_int(r.outcome, SPAWN_CANNOT_RUN, "no #! line: SPAWN_CANNOT_RUN (%s)",
	    r.detail);

	run1("sh", NULL, NULL, 10000, &r);
	is_int(r.outcome, SPAWN_CANNOT_RUN,
	    "relative path: SPAWN_CANNOT_RUN, no PATH search (%s)", r.detail);
	no_zombie("cannot run");
}

/*
 * The script leaves a background child in its group and waits.  At the
 * deadline the whole group must go, and nothing of it may remain.
 */
static void
test_timeout_kills_group(void)
{
	struct spawn_result	r;
	const char		*p;
	char			 body[1024];
	pid_t			 pgid, bg;
	int			 rc;

	snprintf(body, sizeof(body), "#!/bin/sh\n"
	    "sleep 1000 &\n"
	    "echo $! > %s/bg.pid\n"
	    "echo $$ > %s/leader.pid\n"
	    "wait\n", tmpdir, tmpdir);
	p = script("hang", body, 0700);
	rc = run1(p, NULL, NULL, 1000, &r);
	is_int(rc, -1, "timeout returns -1");
	is_int(r.outcome, SPAWN_TIMEOUT, "timeout: SPAWN_TIMEOUT (%s)",
	    r.detail);
	pgid = read_pid("leader.pid");
	bg = read_pid("bg.pid");
	ok(pgid > 1 && bg > 1, "the script wrote its pids (%d, %d)", (int)pgid,
	    (int)bg);
	errno = 0;
	ok(pgid > 1 && kill(-pgid, 0) == -1 && errno == ESRCH,
	    "no process of its group is left (kill(-pgid, 0): %s)",
	    strerror(errno));
	errno = 0;
	ok(bg > 1 && kill(bg, 0) == -1 && errno == ESRCH,
	    "its background sleep is gone (%s)", strerror(errno));

	/* One that ignores SIGTERM, and so does its child: SIGKILL. */
	snprintf(body, sizeof(body), "#!/bin/sh\n"
	    "trap '' TERM\n"
	    "sleep 1000 &\n"
	    "echo $$ > %s/leader2.pid\n"
	    "wait\n", tmpdir);
	p = script("stubborn", body, 0700);
	rc = run1(p, NULL, NULL, 300, &r);
	is_int(r.outcome, SPAWN_TIMEOUT, "SIGTERM ignored: SPAWN_TIMEOUT (%s)",
	    r.detail);
	ok(strstr(r.detail, "SIGKILL") != NULL, "the detail says SIGKILL: %s",
	    r.detail);
	pgid = read_pid("leader2.pid");
	errno = 0;
	ok(pgid > 1 && kill(-pgid, 0) == -1 && errno == ESRCH,
	    "SIGTERM ignored: no process of its group is left (%s)",
	    strerror(errno));
	no_zombie("timeout");
}

static void
test_env_is_clean(void)
{
	struct spawn_result	 r;
	char			*argv[] = { "/usr/bin/env", NULL };
	char			*empty[] = { NULL };

	setenv("FA_MUST_NOT_LEAK", "secret", 1);
	spawn_run(argv, test_env, NULL, 0, 10000, &r);
	is_str(r.output, "FA_TEST=1\nPATH=/usr/bin:/bin\n",
	    "the environment is exactly what was passed");
	spawn_run(argv, empty, NULL, 0, 10000, &r);
	is_str(r.output, "", "an empty environment stays empty");
	spawn_run(argv, NULL, NULL, 0, 10000, &r);
	is_str(r.output, "", "envp NULL means an empty environment");
	unsetenv("FA_MUST_NOT_LEAK");
}

static void
test_stdin(void)
{
	struct spawn_result	 r;
	char			*cat[] = { "/bin/cat", NULL };
	char			*big;
	const char		*p;
	size_t			 bigsize = 1024 * 1024;
	int			 rc;

	rc = spawn_run(cat, test_env, "line one\nline two\n", 18, 10000, &r);
	is_int(rc, 0, "cat exits 0");
	is_str(r.output, "line one\nline two\n", "stdin data reaches the program");

	p = script("nostdin", "#!/bin/sh\nread x\necho \"[$x]\"\n", 0700);
	run1(p, NULL, NULL, 10000, &r);
	is_str(r.output, "[]\n", "no stdin data: it reads EOF (/dev/null)");

	/* 1 MiB to a program that never reads it: no SIGPIPE, no hang. */
	big = malloc(bigsize);
	memset(big, 'x', bigsize);
	p = script("ignorestdin", "#!/bin/sh\nexit 0\n", 0700);
	rc = spawn_run((char *[]){ (char *)(uintptr_t)p, NULL }, test_env,
	    big, bigsize, 10000, &r);
	is_int(rc, 0, "unread stdin is not an error, and SIGPIPE does not "
	    "kill us (%s)", r.detail);

	/* 1 MiB read and counted. */
	p = script("count", "#!/bin/sh\nwc -c\n", 0700);
	rc = spawn_run((char *[]){ (char *)(uintptr_t)p, NULL }, test_env,
	    big, bigsize, 10000, &r);
	is_int(rc, 0, "wc -c exits 0");
	is_int(strtol(r.output, NULL, 10), (long)bigsize,
	    "all of a 1 MiB stdin arrives");
	free(big);
	no_zombie("stdin");
}

static void
test_output_capped(void)
{
	struct spawn_result	r;
	const char		*p;
	int			 rc;

	/* 200 KB of output: more than a pipe holds; we must keep draining. */
	p = script("chatty", "#!/bin/sh\n"
	    "i=0; while [ $i -lt 4000 ]; do "
	    "echo 'fifty bytes of output, again and again and again.'; "
	    "i=$((i+1)); done\nexit 0\n", 0700);
	rc = run1(p, NULL, NULL, 30000, &r);
	is_int(rc, 0, "a chatty program finishes (%s)", r.detail);
	is_int(strlen(r.output), sizeof(r.output) - 1,
	    "output keeps the first %zu bytes", sizeof(r.output) - 1);
	ok(strncmp(r.output, "fifty bytes", 11) == 0, "from the start");
}

/*
 * A file we opened without O_CLOEXEC, at a low and a high fd number, must
 * not reach the program; neither may ignored signals or a blocked mask.
 * The script names the target of each of its fds, so the shell's own fds
 * (the script itself, a glob's directory) cannot be mistaken for ours.
 */
static void
test_inherited_state(void)
{
	struct spawn_result	r;
	const char		*p;
	char			 marker[600];
	sigset_t		 usr2, old;
	int			 fd, hi = 200, nother;

	snprintf(marker, sizeof(marker), "%s/inherited-marker", tmpdir);
	fd = open(marker, O_RDWR | O_CREAT, 0600);	/* no O_CLOEXEC */
	if (fd == -1 || dup2(fd, hi) == -1) {
		ok(0, "open test fds");
		return;
	}
	/* ls runs as a child of the shell: the shell holds no extra fd then. */
	p = script("fds", "#!/bin/sh\nls -l /proc/$$/fd/\n", 0700);
	run1(p, NULL, NULL, 10000, &r);
	ok(strstr(r.output, " 0 -> /dev/null\n") != NULL,
	    "its stdin is /dev/null");
	ok(strstr(r.output, " 1 -> pipe:") != NULL, "its stdout is our pipe");
	ok(strstr(r.output, " 2 -> pipe:") != NULL, "its stderr is our pipe");
	ok(strstr(r.output, "inherited-marker") == NULL,
	    "fds %d and %d we left open are closed in the program", fd, hi);
	/* Our stdin or exec-status pipe must not leak either. */
	nother = 0;
	for (p = strtok(r.output, "\n"); p != NULL; p = strtok(NULL, "\n")) {
		printf("#   %s\n", p);
		if (strstr(p, " -> pipe:") != NULL &&
		    strstr(p, " 1 -> ") == NULL && strstr(p, " 2 -> ") == NULL)
			nother++;
	}
	is_int(nother, 0, "no other pipe is open in the program");
	close(hi);
	close(fd);

	signal(SIGINT, SIG_IGN);
	sigemptyset(&usr2);
	sigaddset(&usr2, SIGUSR2);
	sigprocmask(SIG_BLOCK, &usr2, &old);
	/* Read by the shell itself (a builtin), not while it waits on a child. */
	p = script("sigs", "#!/bin/sh\n"
	    "while read -r k v; do case $k in SigBlk:|SigIgn:) echo $k $v;; "
	    "esac; done < /proc/self/status\n", 0700);
	run1(p, NULL, NULL, 10000, &r);
	is_str(r.output, "SigBlk: 0000000000000000\nSigIgn: 0000000000000000\n",
	    "no signal ignored or blocked in the program");
	sigprocmask(SIG_SETMASK, &old, NULL);
	signal(SIGINT, SIG_DFL);
}

static void
test_process_group(void)
{
	struct spawn_result	r;
	const char		*p;
	long			 pid = 0, pgid = 0;

	/* Field 5 of /proc/PID/stat is the process group. */
	p = script("pgid", "#!/bin/sh\n"
	    "read -r line < /proc/$$/stat\nset -- $line\necho \"$$ $5\"\n",
	    0700);
	run1(p, NULL, NULL, 10000, &r);
	sscanf(r.output, "%ld %ld", &pid, &pgid);
	ok(pid > 0 && pid == pgid,
	    "the program leads its own process group (pid %ld, pgid %ld)", pid,
	    pgid);
	ok(pgid != (long)getpgrp(), "a group that is not ours");
	no_zombie("process group");
}

/* With SIGCHLD ignored the kernel reaps for us: the status is lost. */
static void
test_sigchld_ignored(void)
{
	struct spawn_result	r;
	const char		*p;

	signal(SIGCHLD, SIG_IGN);
	p = script("exit0b", "#!/bin/sh\nexit 0\n", 0700);
	is_int(run1(p, NULL, NULL, 10000, &r), -1,
	    "SIGCHLD ignored: an unknown exit status is not success (%s)",
	    r.detail);
	signal(SIGCHLD, SIG_DFL);
}

int
main(void)
{
	char	cmd[600];

	log_init(LOG_TARGET_STDERR, 0);
	if (mkdtemp(tmpdir) == NULL) {
		printf("Bail out! mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	test_exit_codes();
	test_cannot_run();
	test_timeout_kills_group();
	test_env_is_clean();
	test_stdin();
	test_output_capped();
	test_inherited_state();
	test_process_group();
	test_sigchld_ignored();

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", tmpdir);
	return tap_done();
}
