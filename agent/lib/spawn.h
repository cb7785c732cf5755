/*
 * spawn.h: running an outside program safely (hooks, later the exec method),
 * the keepalived way: fork, setpgid, a clean environment (only what the
 * caller passes), every inherited fd closed but 0-2, no shell.  On timeout
 * the whole process group gets SIGTERM, then SIGKILL after a grace period.
 * A program that cannot be run counts as failed.
 */
#ifndef FA_SPAWN_H
#define FA_SPAWN_H

#include <stddef.h>
#include <stdint.h>

enum spawn_outcome {
	SPAWN_EXITED = 0,	/* exit_status is valid */
	SPAWN_SIGNALED,		/* killed by a signal it did not get from us */
	SPAWN_TIMEOUT,		/* we killed it at the deadline */
	SPAWN_CANNOT_RUN,	/* fork/exec failed: not found, not executable, ... */
};

struct spawn_result {
	enum spawn_outcome	outcome;
	int			exit_status;	/* SPAWN_EXITED */
	int			signal;		/* SPAWN_SIGNALED */
	char			detail[256];	/* "exit 3", "timed out after 30s", "exec: No such file" */
	char			output[1024];	/* first bytes of stdout+stderr, for the log */
};

/*
 * Run argv[0] (an absolute path) with argv and exactly envp (NULL-terminated,
 * may be empty), stdin_data written to its stdin (or /dev/null if NULL), and
 * wait at most timeout_ms.  Returns 0 if it exited with status 0, -1
 * otherwise; *out says what happened in every case.  A program that fails
 * util_program_check() (owned by someone else than root or us, or writable
 * by others, or in such a directory) is not run: SPAWN_CANNOT_RUN,
 * detail "refused: ...".
 */
int	spawn_run(char *const argv[], char *const envp[], const char *stdin_data,
	    size_t stdin_len, int64_t timeout_ms, struct spawn_result *out);

/*
 * A program started without waiting for it, for a caller that has its own
 * event loop (the exec check): stdin is /dev/null, stdout and stderr go to
 * out_fd; the child is set up exactly as spawn_run()'s.  The caller waits on
 * out_fd, status_fd and pid_fd, reaps pid (waitpid) once pid_fd is readable,
 * signals the group with kill(-pid, ...) only before reaping it, and closes
 * the three fds.
 */
struct spawn_proc {
	pid_t	pid;		/* leader and process group id */
	int	out_fd;		/* stdout+stderr, read end, non-blocking */
	int	status_fd;	/* exec status, non-blocking; -1 once read */
	int	pid_fd;		/* pidfd: readable once the leader exited */
};

/*
 * Start argv[0] (an absolute path that passes util_program_check()) with
 * exactly argv and envp (NULL = empty).  Returns 0 with *p filled, or -1
 * with a one-line reason in err and nothing left open or running (also when
 * pidfd_open(2), Linux 5.3, is missing).
 */
int	spawn_start(char *const argv[], char *const envp[], struct spawn_proc *p,
	    char *err, size_t errlen);

/*
 * Read p->status_fd: 1 if execve() failed (reason in err), 0 if it
 * succeeded, -1 if the child has not got that far yet.  Closes status_fd
 * and sets it to -1 on 0 and 1.
 */
int	spawn_start_status(struct spawn_proc *p, char *err, size_t errlen);

/*
 * End the process group of the program spawn_run() is running now, if any
 * (SIGTERM, then SIGKILL at once): for a command aborted by a second
 * Ctrl-C, whose hook must not outlive it.  Safe from any thread.
 */
void	spawn_abort(void);

#endif
