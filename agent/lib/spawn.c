/*
 * spawn.c: running an outside program (see spawn.h), the keepalived way.
 *
 * The child gets its own process group, default signal dispositions and an
 * empty signal mask, stdin from a pipe we feed (or /dev/null), stdout and
 * stderr into one pipe we read, no other fd, exactly the environment the
 * caller passed, and is run with execve(): no shell, no PATH search.  An
 * exec failure comes back to us through a close-on-exec pipe, so "not
 * found" is told apart from "exit 127".
 *
 * The parent polls its pipes until the program exits or the deadline
 * passes.  At the deadline the whole group gets SIGTERM, then SIGKILL after
 * a grace period, and is reaped.  To reap the group's orphans too (a
 * script's background child whose parent was just killed), we are a child
 * subreaper (prctl PR_SET_CHILD_SUBREAPER) while we kill; processes that left
 * the group (setsid) or were orphaned before are out of our reach.
 *
 * The leader is not reaped until we stop signalling the group: its zombie
 * keeps the group id from being reused, so kill(-pgid) can never hit a
 * stranger.  A program that exits by itself is reaped at once; anything it
 * left running in the background is left alone (a hook may start a daemon).
 */
#include <sys/types.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agent/lib/log.h"
#include "agent/lib/spawn.h"
#include "agent/lib/util.h"

#define SPAWN_GRACE_MS		2000	/* between SIGTERM and SIGKILL */
#define SPAWN_REAP_MS		5000	/* at most, for the killed group */
#define SPAWN_FALLBACK_TICK_MS	20	/* wake-up without a pidfd */

/* What the child sends through the exec-status pipe when it fails. */
struct spawn_fail {
	int	stage;
	int	err;
};
enum { SPAWN_STAGE_FD, SPAWN_STAGE_EXEC };

struct spawn_io {
	pid_t		 pid;
	int		 out_fd;	/* stdout+stderr, read end */
	int		 in_fd;		/* stdin, write end; -1 when done */
	int		 status_fd;	/* exec-status pipe, read end */
	int		 pid_fd;	/* pidfd of the child, or -1 */
	const char	*in_data;
	size_t		 in_len, in_off;
	size_t		 outlen;	/* bytes kept in result->output */
	bool		 exec_failed;
	struct spawn_fail fail;
	struct spawn_result *res;
};

/*
 * In the child, between fork() and execve(): only async-signal-safe calls
 * (the parent may have threads, e.g. curl's resolver).  Never returns.
 */
/*
 * glibc refuses sigaction() on the signals it reserves for itself (32 and
 * 33 on Linux), yet a parent may have left them ignored, and an ignored
 * signal survives exec.  Reset them through the system call itself.  The
 * layout is the kernel's struct sigaction with SA_RESTORER (x86-64, arm64).
 */
static void
spawn_signal_default_raw(int sig)
{
	struct {
		void		(*handler)(int);
		unsigned long	  flags;
		void		(*restorer)(void);
		uint64_t	  mask;
	} k;

	if (sig < 32 || sig >= SIGRTMIN)
		return;
	memset(&k, 0, sizeof(k));
	k.handler = SIG_DFL;
	(void)syscall(SYS_rt_sigaction, sig, &k, NULL, sizeof(k.mask));
}

static void __attribute__((noreturn))
spawn_child(char *const argv[], char *const envp[], int in_fd, int out_fd,
    int status_fd, int max_fd)
{
	struct spawn_fail	 f;
	struct sigaction	 sa;
	sigset_t		 none;
	int			 sig, fd;

	(void)setpgid(0, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	for (sig = 1; sig < NSIG; sig++)
		if (sigaction(sig, &sa, NULL) == -1 && errno == EINVAL)
			spawn_signal_default_raw(sig);	/* KILL, STOP stay EINVAL */
	sigemptyset(&none);
	(void)sigprocmask(SIG_SETMASK, &none, NULL);

	f.stage = SPAWN_STAGE_FD;
	/* Lift our fds above 2 first, so the dup2()s cannot clobber them. */
	if ((in_fd < 3 && (in_fd = fcntl(in_fd, F_DUPFD_CLOEXEC, 3)) == -1) ||
	    (out_fd < 3 && (out_fd = fcntl(out_fd, F_DUPFD_CLOEXEC, 3)) == -1) ||
	    (status_fd < 3 &&
	    (status_fd = fcntl(status_fd, F_DUPFD_CLOEXEC, 3)) == -1))
		goto fail;
	if (dup2(in_fd, STDIN_FILENO) == -1 ||
	    dup2(out_fd, STDOUT_FILENO) == -1 ||
	    dup2(out_fd, STDERR_FILENO) == -1)
		goto fail;
	/*
	 * Every other fd goes at exec: marked close-on-exec in one call where
	 * the kernel can (Linux 5.11), else closed one by one.  status_fd is
	 * already close-on-exec, and must stay open until then.
	 */
#ifdef CLOSE_RANGE_CLOEXEC
	if (close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) == -1)
#endif
		for (fd = 3; fd < max_fd; fd++)
			if (fd != status_fd)
				(void)close(fd);

	f.stage = SPAWN_STAGE_EXEC;
	execve(argv[0], argv, envp);
fail:
	f.err = errno;
	if (write(status_fd, &f, sizeof(f)) == -1) {
		/* nothing left to tell anyone */
	}
	_exit(127);
}

/* Has the child exited?  Looks without reaping (WNOWAIT). */
static bool
spawn_exited(pid_t pid)
{
	siginfo_t	si;

	memset(&si, 0, sizeof(si));
	if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) == -1)
		return errno == ECHILD;
	return si.si_pid == pid;
}

static void
spawn_read_output(struct spawn_io *io)
{
	struct spawn_result	*res = io->res;
	char			 scratch[4096];
	size_t			 room;
	ssize_t			 n;

	for (;;) {
		room = sizeof(res->output) - 1 - io->outlen;
		if (room > 0)
			n = read(io->out_fd, res->output + io->outlen, room);
		else
			n = read(io->out_fd, scratch, sizeof(scratch));
		if (n > 0) {
			if (room > 0) {
				io->outlen += (size_t)n;
				res->output[io->outlen] = '\0';
			}
			continue;
		}
		if (n == -1 && errno == EINTR)
			continue;
		if (n == 0 || errno != EAGAIN) {	/* EOF or error */
			close(io->out_fd);
			io->out_fd = -1;
		}
		return;
	}
}

static void
spawn_read_status(struct spawn_io *io)
{
	ssize_t	n;

	do
		n = read(io->status_fd, &io->fail, sizeof(io->fail));
	while (n == -1 && errno == EINTR);
	if (n == -1 && errno == EAGAIN)
		return;
	if (n == (ssize_t)sizeof(io->fail))
		io->exec_failed = true;
	close(io->status_fd);	/* EOF: execve() succeeded */
	io->status_fd = -1;
}

static void
spawn_write_input(struct spawn_io *io)
{
	ssize_t	n;

	while (io->in_off < io->in_len) {
		n = write(io->in_fd, io->in_data + io->in_off,
		    io->in_len - io->in_off);
		if (n > 0) {
			io->in_off += (size_t)n;
			continue;
		}
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN)
			return;
		break;		/* EPIPE: it closed its stdin; not our error */
	}
	close(io->in_fd);	/* all written: the program sees EOF */
	io->in_fd = -1;
}

/*
 * Move data until the child exits (true) or until_ms passes (false).
 */
static bool
spawn_pump(struct spawn_io *io, int64_t until_ms)
{
	struct pollfd	 pfd[4];
	int		 n, wait_ms;
	int64_t		 left;

	for (;;) {
		if (spawn_exited(io->pid))
			return true;
		if ((left = util_ms_left(until_ms)) == 0)
			return false;
		wait_ms = left > 60000 ? 60000 : (int)left;
		if (io->pid_fd == -1 && wait_ms > SPAWN_FALLBACK_TICK_MS)
			wait_ms = SPAWN_FALLBACK_TICK_MS;

		n = 0;
		pfd[n].fd = io->out_fd;
		pfd[n++].events = POLLIN;
		pfd[n].fd = io->status_fd;
		pfd[n++].events = POLLIN;
		pfd[n].fd = io->in_fd;
		pfd[n++].events = POLLOUT;
		pfd[n].fd = io->pid_fd;
		pfd[n++].events = POLLIN;	/* readable: it exited */
		/* poll(2) skips entries whose fd is -1. */
		if (poll(pfd, (nfds_t)n, wait_ms) == -1) {
			if (errno == EINTR)
				continue;
			log_warn("spawn %d: poll", (int)io->pid);
			return spawn_exited(io->pid);
		}
		if (io->out_fd != -1 && pfd[0].revents != 0)
			spawn_read_output(io);
		if (io->status_fd != -1 && pfd[1].revents != 0)
			spawn_read_status(io);
		if (io->in_fd != -1 && pfd[2].revents != 0)
			spawn_write_input(io);
	}
}

/* Read what is left in the pipes without waiting. */
static void
spawn_drain(struct spawn_io *io)
{
	if (io->out_fd != -1)
		spawn_read_output(io);
	if (io->status_fd != -1)
		spawn_read_status(io);
}

/*
 * The deadline passed: SIGTERM to the group, a grace period, SIGKILL to the
 * group, then reap the leader and every orphan of the group that came to us.
 * Returns true if SIGKILL was needed for the leader.  *status gets the
 * leader's wait status (0 if it could not be reaped).
 */
static bool
spawn_kill_group(struct spawn_io *io, int64_t grace_ms, int *status)
{
	pid_t	pgid = io->pid, r;
	int	old_subreaper = 0, st;
	bool	killed, reaped = false;
	int64_t	reap_deadline;
	struct timespec tick = { 0, 10 * 1000 * 1000 };

	*status = 0;
	if (prctl(PR_GET_CHILD_SUBREAPER, &old_subreaper) == -1)
		old_subreaper = 0;
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) == -1)
		log_warn("spawn %d: cannot become a subreaper; orphans of its "
		    "group are left to init", (int)pgid);

	/* The leader is unreaped here, so pgid is still ours to signal. */
	(void)kill(-pgid, SIGTERM);
	killed = !spawn_pump(io, util_mono_ms() + grace_ms);
	(void)kill(-pgid, SIGKILL);

	reap_deadline = util_mono_ms() + SPAWN_REAP_MS;
	for (;;) {
		r = waitpid(-pgid, &st, WNOHANG);
		if (r == pgid) {
			*status = st;
			reaped = true;
			continue;
		}
		if (r > 0 || (r == -1 && errno == EINTR))
			continue;
		if (r == -1)		/* ECHILD: none of the group is ours */
			break;
		if (util_ms_left(reap_deadline) == 0) {
			log_warnx("spawn %d: processes of the group do not die",
			    (int)pgid);
			break;
		}
		nanosleep(&tick, NULL);
	}
	if (!reaped)
		log_warnx("spawn %d: could not reap it", (int)pgid);
	if (old_subreaper == 0)
		(void)prctl(PR_SET_CHILD_SUBREAPER, 0);
	return killed;
}

static int
spawn_pidfd_open(pid_t pid)
{
#ifdef SYS_pidfd_open
	return (int)syscall(SYS_pidfd_open, pid, 0);
#else
	(void)pid;
	errno = ENOSYS;
	return -1;
#endif
}

static int
spawn_set_nonblock(int fd)
{
	int	flags = fcntl(fd, F_GETFL);

	if (flags == -1)
		return -1;
	return fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

static void
spawn_close(int *fd)
{
	if (*fd != -1)
		close(*fd);
	*fd = -1;
}

int
spawn_start(char *const argv[], char *const envp[], struct spawn_proc *p,
    char *err, size_t errlen)
{
	static char *const	 empty_env[] = { NULL };
	struct rlimit		 rl;
	int			 in_fd = -1, out_pipe[2] = { -1, -1 };
	int			 status_pipe[2] = { -1, -1 };
	int			 max_fd = 1024, rc = -1;
	char			 unsafe[256];

	p->pid = -1;
	p->out_fd = p->status_fd = p->pid_fd = -1;
	if (argv == NULL || argv[0] == NULL || argv[0][0] != '/') {
		snprintf(err, errlen, "not an absolute path: %s",
		    argv != NULL && argv[0] != NULL ? argv[0] : "(none)");
		return -1;
	}
	/* Checked at config load, and again now, as spawn_run() does. */
	if (access(argv[0], F_OK) == 0 &&
	    util_program_check(argv[0], unsafe, sizeof(unsafe)) == -1) {
		snprintf(err, errlen, "refused: %s", unsafe);
		return -1;
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
		max_fd = rl.rlim_cur > 65536 ? 65536 : (int)rl.rlim_cur;
	if (pipe2(out_pipe, O_CLOEXEC | O_NONBLOCK) == -1 ||
	    pipe2(status_pipe, O_CLOEXEC | O_NONBLOCK) == -1 ||
	    (in_fd = open("/dev/null", O_RDONLY | O_CLOEXEC)) == -1) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		goto done;
	}
	/* The child's ends must block like any ordinary stdout. */
	if (fcntl(out_pipe[1], F_SETFL, 0) == -1 ||
	    fcntl(status_pipe[1], F_SETFL, 0) == -1) {
		snprintf(err, errlen, "fcntl: %s", strerror(errno));
		goto done;
	}
	if ((p->pid = fork()) == -1) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		goto done;
	}
	if (p->pid == 0)
		spawn_child(argv, envp != NULL ? envp : empty_env, in_fd,
		    out_pipe[1], status_pipe[1], max_fd);
	(void)setpgid(p->pid, p->pid);
	if ((p->pid_fd = spawn_pidfd_open(p->pid)) == -1) {
		snprintf(err, errlen, "pidfd_open: %s (Linux 5.3 or later"
		    " needed)", strerror(errno));
		(void)kill(-p->pid, SIGKILL);
		while (waitpid(p->pid, NULL, 0) == -1 && errno == EINTR)
			;
		p->pid = -1;
		goto done;
	}
	p->out_fd = out_pipe[0];
	out_pipe[0] = -1;
	p->status_fd = status_pipe[0];
	status_pipe[0] = -1;
	rc = 0;
done:
	spawn_close(&in_fd);
	spawn_close(&out_pipe[0]);
	spawn_close(&out_pipe[1]);
	spawn_close(&status_pipe[0]);
	spawn_close(&status_pipe[1]);
	return rc;
}

int
spawn_start_status(struct spawn_proc *p, char *err, size_t errlen)
{
	struct spawn_fail	f;
	ssize_t			n;

	if (p->status_fd == -1)
		return 0;
	do
		n = read(p->status_fd, &f, sizeof(f));
	while (n == -1 && errno == EINTR);
	if (n == -1 && errno == EAGAIN)
		return -1;
	spawn_close(&p->status_fd);
	if (n != (ssize_t)sizeof(f))
		return 0;	/* EOF: execve() succeeded */
	snprintf(err, errlen, "%s: %s", f.stage == SPAWN_STAGE_EXEC ? "exec" :
	    "setting up fds", strerror(f.err));
	return 1;
}

/*
 * Run argv[0] (an absolute path) with exactly argv and envp (NULL = an
 * empty environment), stdin_data on its stdin (NULL: /dev/null), for at most
 * timeout_ms (values below 1 count as 1).  Blocks until the program has
 * ended and been reaped.  Fills *out in every case: outcome, exit status or
 * signal, a one-line detail, and the first 1023 bytes of stdout+stderr
 * (NUL-terminated; the rest is read and dropped so the program never blocks
 * on a full pipe).  Returns 0 if it exited with status 0, else -1.
 *
 * SIGPIPE is blocked in the calling thread while we write the program's
 * stdin (a program that does not read it is not an error), and any SIGPIPE
 * this raises is consumed before the mask is restored.
 */
/* The group of the program running now (0: none), for spawn_abort(). */
static volatile sig_atomic_t	spawn_group;

void
spawn_abort(void)
{
	pid_t	pgid = (pid_t)spawn_group;

	if (pgid <= 0)
		return;
	(void)kill(-pgid, SIGTERM);
	(void)kill(-pgid, SIGKILL);
}

int
spawn_run(char *const argv[], char *const envp[], const char *stdin_data,
    size_t stdin_len, int64_t timeout_ms, struct spawn_result *out)
{
	static char *const	 empty_env[] = { NULL };
	struct spawn_io		 io;
	struct rlimit		 rl;
	struct timespec		 zero = { 0, 0 };
	sigset_t		 pipeset, oldmask, pending;
	int			 in_pipe[2] = { -1, -1 }, out_pipe[2] = { -1, -1 };
	int			 status_pipe[2] = { -1, -1 };
	int			 status = 0, max_fd = 1024, wait_errno = 0;
	pid_t			 r;
	bool			 exited, timed_out = false, killed = false;
	bool			 sigpipe_was_pending;
	int64_t			 deadline, grace;
	char			 limit[32], unsafe[sizeof(out->detail)];

	memset(out, 0, sizeof(*out));
	memset(&io, 0, sizeof(io));
	io.pid = -1;
	io.out_fd = io.in_fd = io.status_fd = io.pid_fd = -1;
	io.res = out;
	out->outcome = SPAWN_CANNOT_RUN;

	sigemptyset(&pipeset);
	sigaddset(&pipeset, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipeset, &oldmask);
	sigpending(&pending);
	sigpipe_was_pending = sigismember(&pending, SIGPIPE) == 1;

	if (argv == NULL || argv[0] == NULL || argv[0][0] != '/') {
		snprintf(out->detail, sizeof(out->detail),
		    "not an absolute path: %s",
		    argv != NULL && argv[0] != NULL ? argv[0] : "(none)");
		goto done;
	}
	/*
	 * Checked at config load, and again now: a file or a directory
	 * changed since (or swapped in between) must not run with our rights.
	 */
	if (access(argv[0], F_OK) == 0 &&
	    util_program_check(argv[0], unsafe, sizeof(unsafe)) == -1) {
		snprintf(out->detail, sizeof(out->detail), "refused: %.*s",
		    (int)sizeof(out->detail) - 10, unsafe);
		goto done;
	}
	if (envp == NULL)
		envp = empty_env;
	if (timeout_ms < 1)
		timeout_ms = 1;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
		max_fd = rl.rlim_cur > 65536 ? 65536 : (int)rl.rlim_cur;

	if (pipe2(out_pipe, O_CLOEXEC) == -1 ||
	    pipe2(status_pipe, O_CLOEXEC) == -1 ||
	    (stdin_data != NULL && pipe2(in_pipe, O_CLOEXEC) == -1)) {
		snprintf(out->detail, sizeof(out->detail), "pipe: %s",
		    strerror(errno));
		goto done;
	}
	if (stdin_data == NULL &&
	    (in_pipe[0] = open("/dev/null", O_RDONLY | O_CLOEXEC)) == -1) {
		snprintf(out->detail, sizeof(out->detail), "/dev/null: %s",
		    strerror(errno));
		goto done;
	}

	deadline = util_mono_ms() + timeout_ms;
	if ((io.pid = fork()) == -1) {
		snprintf(out->detail, sizeof(out->detail), "fork: %s",
		    strerror(errno));
		goto done;
	}
	if (io.pid == 0)
		spawn_child(argv, envp, in_pipe[0], out_pipe[1],
		    status_pipe[1], max_fd);

	/* Both sides set the group, so neither order of events races. */
	(void)setpgid(io.pid, io.pid);
	spawn_group = io.pid;
	close(out_pipe[1]);
	out_pipe[1] = -1;
	close(status_pipe[1]);
	status_pipe[1] = -1;
	close(in_pipe[0]);
	in_pipe[0] = -1;
	io.out_fd = out_pipe[0];
	out_pipe[0] = -1;
	io.status_fd = status_pipe[0];
	status_pipe[0] = -1;
	io.in_fd = in_pipe[1];
	in_pipe[1] = -1;
	io.in_data = stdin_data;
	io.in_len = stdin_len;
	if (spawn_set_nonblock(io.out_fd) == -1 ||
	    spawn_set_nonblock(io.status_fd) == -1 ||
	    (io.in_fd != -1 && spawn_set_nonblock(io.in_fd) == -1))
		log_warn("spawn %s: fcntl O_NONBLOCK", argv[0]);
	io.pid_fd = spawn_pidfd_open(io.pid);
	if (io.in_fd != -1 && io.in_len == 0) {
		close(io.in_fd);
		io.in_fd = -1;
	}

	exited = spawn_pump(&io, deadline);
	if (!exited) {
		timed_out = true;
		grace = timeout_ms < SPAWN_GRACE_MS ? timeout_ms :
		    SPAWN_GRACE_MS;
		killed = spawn_kill_group(&io, grace, &status);
	} else {
		spawn_drain(&io);
		while ((r = waitpid(io.pid, &status, 0)) == -1 && errno == EINTR)
			;
		if (r == -1)
			wait_errno = errno;	/* e.g. SIGCHLD set to SIG_IGN */
	}
	spawn_drain(&io);

	util_duration_format(timeout_ms, limit, sizeof(limit));
	if (io.exec_failed) {
		out->outcome = SPAWN_CANNOT_RUN;
		snprintf(out->detail, sizeof(out->detail), "%s: %s",
		    io.fail.stage == SPAWN_STAGE_EXEC ? "exec" : "setting up fds",
		    strerror(io.fail.err));
	} else if (wait_errno != 0) {
		/* Never mistake an unknown ending for "exit 0". */
		out->outcome = SPAWN_CANNOT_RUN;
		snprintf(out->detail, sizeof(out->detail),
		    "exit status lost: waitpid: %s", strerror(wait_errno));
	} else if (timed_out) {
		out->outcome = SPAWN_TIMEOUT;
		snprintf(out->detail, sizeof(out->detail),
		    "timed out after %s, %s", limit,
		    killed ? "killed with SIGKILL" : "stopped with SIGTERM");
	} else if (WIFEXITED(status)) {
		out->outcome = SPAWN_EXITED;
		out->exit_status = WEXITSTATUS(status);
		snprintf(out->detail, sizeof(out->detail), "exit %d",
		    out->exit_status);
	} else if (WIFSIGNALED(status)) {
		out->outcome = SPAWN_SIGNALED;
		out->signal = WTERMSIG(status);
		snprintf(out->detail, sizeof(out->detail),
		    "killed by signal %d (%s)", out->signal,
		    strsignal(out->signal));
	} else {
		out->outcome = SPAWN_CANNOT_RUN;
		snprintf(out->detail, sizeof(out->detail),
		    "unexpected wait status %#x", (unsigned)status);
	}

done:
	spawn_group = 0;
	if (io.out_fd != -1)
		close(io.out_fd);
	if (io.in_fd != -1)
		close(io.in_fd);
	if (io.status_fd != -1)
		close(io.status_fd);
	if (io.pid_fd != -1)
		close(io.pid_fd);
	if (in_pipe[0] != -1)
		close(in_pipe[0]);
	if (in_pipe[1] != -1)
		close(in_pipe[1]);
	if (out_pipe[0] != -1)
		close(out_pipe[0]);
	if (out_pipe[1] != -1)
		close(out_pipe[1]);
	if (status_pipe[0] != -1)
		close(status_pipe[0]);
	if (status_pipe[1] != -1)
		close(status_pipe[1]);
	if (!sigpipe_was_pending) {
		sigpending(&pending);
		if (sigismember(&pending, SIGPIPE) == 1)
			(void)sigtimedwait(&pipeset, NULL, &zero);
	}
	pthread_sigmask(SIG_SETMASK, &oldmask, NULL);

	return out->outcome == SPAWN_EXITED && out->exit_status == 0 ? 0 : -1;
}
