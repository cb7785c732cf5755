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
 * End the process group of the program spawn_run() is running now, if any
 * (SIGTERM, then SIGKILL at once): for a command aborted by a second
 * Ctrl-C, whose hook must not outlive it.  Safe from any thread.
 */
void	spawn_abort(void);

#endif
