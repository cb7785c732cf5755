/*
 * check_exec.c: the exec check (type = exec): a program, typically a
 * Nagios plugin of Debian's monitoring-plugins, read the way Nagios reads
 * one (Nagios Plugin Guidelines, "Plugin Return Codes"):
 *
 *   exit 0 OK        CHECK_OK        up
 *   exit 1 WARNING   CHECK_WARNING   up, recorded as a warning
 *   exit 2 CRITICAL  CHECK_CRITICAL  down
 *   exit 3 UNKNOWN   CHECK_UNKNOWN   cannot tell (a spare votes unknown);
 *                    so are any other exit, a signal, a timeout, and a
 *                    program that cannot be run
 *
 * The detail is the first line of its output (stdout and stderr, one pipe)
 * up to the first '|' (performance data follows it).
 *
 * The program is started by spawn_start() (spawn.c: its own process group,
 * PATH as the only environment, no shell, stdin /dev/null, no inherited
 * fd) and never waited for in a blocking call: its output pipe, its exec
 * status pipe and a pidfd are the engine's extra wait fds.  At the deadline
 * the whole group gets SIGTERM and the check a grace period (at most
 * EXEC_GRACE_MS); then SIGKILL.  The leader is reaped only after the last
 * signal to the group, so the group id cannot have been reused.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/check/check.h"
#include "agent/check/check_impl.h"
#include "agent/core/confdesc.h"
#include "agent/lib/log.h"
#include "agent/lib/spawn.h"
#include "agent/lib/util.h"

/* The keys of an exec check, as its config part (below) read them. */
static const struct cfg_check_exec *
exec_conf(const struct cfg_check *ck)
{
	return ck->conf;
}

#define EXEC_GRACE_MS	2000	/* between SIGTERM and SIGKILL */
#define EXEC_REAP_MS	1000	/* at most, for a leader sent SIGKILL */

struct exec_state {
	struct spawn_proc	 p;
	bool			 started;
	bool			 reaped;
	bool			 terminated;	/* SIGTERM sent at the deadline */
	bool			 exec_failed;
	char			 exec_err[200];
	size_t			 outlen;
	char			 out[1024];
};

/* Read what the pipe holds now; keep the first bytes, drop the rest. */
static void
exec_read_output(struct exec_state *st)
{
	char	scratch[4096];
	size_t	room;
	ssize_t	n;

	while (st->p.out_fd != -1) {
		room = sizeof(st->out) - 1 - st->outlen;
		if (room > 0)
			n = read(st->p.out_fd, st->out + st->outlen, room);
		else
			n = read(st->p.out_fd, scratch, sizeof(scratch));
		if (n > 0) {
			if (room > 0)
				st->outlen += (size_t)n;
			st->out[st->outlen] = '\0';
			continue;
		}
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN)
			return;
		close(st->p.out_fd);	/* EOF or error */
		st->p.out_fd = -1;
	}
}

static void
exec_read_status(struct exec_state *st)
{
	if (spawn_start_status(&st->p, st->exec_err,
	    sizeof(st->exec_err)) == 1)
		st->exec_failed = true;
}

/* SIGKILL to the group, then reap the leader (bounded: see the top). */
static int
exec_kill_reap(struct exec_state *st)
{
	struct pollfd	pfd;
	int		status = 0;
	pid_t		r;

	(void)kill(-st->p.pid, SIGKILL);
	pfd.fd = st->p.pid_fd;
	pfd.events = POLLIN;
	(void)poll(&pfd, 1, EXEC_REAP_MS);
	while ((r = waitpid(st->p.pid, &status, WNOHANG)) == -1 &&
	    errno == EINTR)
		;
	if (r == st->p.pid)
		st->reaped = true;
	else
		log_warnx("exec check: process %d does not die",
		    (int)st->p.pid);
	return status;
}

static void
exec_release(struct check_run *run)
{
	struct exec_state	*st = run->state;

	if (st == NULL)
		return;
	if (st->started && !st->reaped)
		(void)exec_kill_reap(st);
	if (st->p.out_fd != -1)
		close(st->p.out_fd);
	if (st->p.status_fd != -1)
		close(st->p.status_fd);
	if (st->p.pid_fd != -1)
		close(st->p.pid_fd);
	free(st);
	run->state = NULL;
}

/*
 * The detail: the first line of the output, before any '|', trimmed;
 * "(no output)" if that is empty.
 */
static const char *
exec_first_line(struct exec_state *st)
{
	char	*s = st->out;
	size_t	 n;

	s[strcspn(s, "\r\n|")] = '\0';
	while (*s == ' ' || *s == '\t')
		s++;
	n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = '\0';
	return n > 0 ? s : "(no output)";
}

/* The leader exited (status from waitpid): read it as Nagios would. */
static void
exec_finish(struct check_run *run, int status)
{
	struct exec_state	*st = run->state;
	const char		*line;
	char			 limit[32];

	exec_read_output(st);
	exec_read_status(st);
	if (st->exec_failed) {
		check_done(run, CHECK_UNKNOWN, "cannot run %s: %s",
		    exec_conf(run->cfg)->argv[0], st->exec_err);
		return;
	}
	line = exec_first_line(st);
	if (st->terminated) {
		util_duration_format(run->cfg->timeout_ms, limit, sizeof(limit));
		check_done(run, CHECK_UNKNOWN, "timed out after %s, process"
		    " group stopped with SIGTERM", limit);
		return;
	}
	if (WIFSIGNALED(status)) {
		check_done(run, CHECK_UNKNOWN, "killed by signal %d (%s)",
		    WTERMSIG(status), strsignal(WTERMSIG(status)));
		return;
	}
	switch (WIFEXITED(status) ? WEXITSTATUS(status) : -1) {
	case 0:
		check_done(run, CHECK_OK, "%s", line);
		break;
	case 1:
		check_done(run, CHECK_WARNING, "%s", line);
		break;
	case 2:
		check_done(run, CHECK_CRITICAL, "%s", line);
		break;
	case 3:
		check_done(run, CHECK_UNKNOWN, "%s", line);
		break;
	default:
		check_done(run, CHECK_UNKNOWN, "exit %d (not a plugin's 0-3):"
		    " %s", WEXITSTATUS(status), line);
		break;
	}
}

static void
exec_start(struct check_run *run)
{
	char *const		 env[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin",
				    NULL };
	struct exec_state	*st;
	char			 err[256];

	if (exec_conf(run->cfg)->argv == NULL || exec_conf(run->cfg)->argv[0] == NULL) {
		check_done(run, CHECK_INTERNAL_ERROR, "no command");
		return;
	}
	if ((st = calloc(1, sizeof(*st))) == NULL) {
		check_done(run, CHECK_INTERNAL_ERROR, "out of memory");
		return;
	}
	run->state = st;
	if (spawn_start(exec_conf(run->cfg)->argv, env, &st->p, err, sizeof(err)) == -1) {
		check_done(run, CHECK_UNKNOWN, "cannot run %s: %s",
		    exec_conf(run->cfg)->argv[0], err);
		return;
	}
	st->started = true;
}

static size_t
exec_waitfds(struct check_run *run, struct curl_waitfd *w, size_t room)
{
	struct exec_state	*st = run->state;
	int			 fds[3];
	size_t			 i, n = 0;

	fds[0] = st->p.pid_fd;
	fds[1] = st->p.out_fd;
	fds[2] = st->p.status_fd;
	for (i = 0; i < 3 && n < room; i++) {
		if (fds[i] == -1)
			continue;
		w[n].fd = fds[i];
		w[n].events = CURL_WAIT_POLLIN;
		w[n].revents = 0;
		n++;
	}
	return n;
}

static void
exec_ready(struct check_run *run, curl_socket_t fd, short revents)
{
	struct exec_state	*st = run->state;
	int			 status = 0;
	pid_t			 r;

	(void)revents;
	if (fd == st->p.out_fd) {
		exec_read_output(st);
		return;
	}
	if (fd == st->p.status_fd) {
		exec_read_status(st);
		return;
	}
	if (fd != st->p.pid_fd)
		return;
	/* It exited.  A group to stop goes before the leader is reaped. */
	if (st->terminated)
		(void)kill(-st->p.pid, SIGKILL);
	while ((r = waitpid(st->p.pid, &status, WNOHANG)) == -1 &&
	    errno == EINTR)
		;
	if (r != st->p.pid) {
		if (r == -1) {
			/* e.g. SIGCHLD ignored: never mistake it for exit 0 */
			st->reaped = true;
			check_done(run, CHECK_UNKNOWN, "exit status lost:"
			    " waitpid: %s", strerror(errno));
		}
		return;
	}
	st->reaped = true;
	exec_finish(run, status);
}

/*
 * The deadline: SIGTERM to the group and a grace period (the check's own
 * deadline moves); at the end of the grace, SIGKILL.
 */
static void
exec_expire(struct check_run *run)
{
	struct exec_state	*st = run->state;
	int64_t			 grace;
	char			 limit[32];

	if (!st->terminated) {
		st->terminated = true;
		(void)kill(-st->p.pid, SIGTERM);
		grace = run->cfg->timeout_ms < EXEC_GRACE_MS ?
		    run->cfg->timeout_ms : EXEC_GRACE_MS;
		run->deadline_ms = util_mono_ms() + grace;
		return;
	}
	(void)exec_kill_reap(st);
	util_duration_format(run->cfg->timeout_ms, limit, sizeof(limit));
	check_done(run, CHECK_UNKNOWN, "timed out after %s, process group"
	    " killed with SIGKILL", limit);
}

const struct check_ops check_exec_ops = {
	.name = "exec",
	.start = exec_start,
	.waitfds = exec_waitfds,
	.ready = exec_ready,
	.expire = exec_expire,
	.release = exec_release,
};

/* ---- [check:NAME] type = exec: its keys (agent/core/confdesc.h) ---- */

#define CFG_ARGV_MAX	64

/*
 * Split an exec check's command into words as sh(1) would (POSIX 2.2
 * quoting): blanks separate words; '...' is literal; in "..." a backslash
 * escapes only \ " $ ` ; outside quotes it escapes any character.  There is
 * no shell, so what a shell would expand or interpret (an unquoted
 * | & ; < > ( ) $ ` or a ~ at the start of a word) is an error rather than
 * a surprise.  Returns a NULL-terminated array (caller frees each word and
 * it), or NULL with err set.
 */
static char **
command_split(const char *v, char *err, size_t errlen)
{
	char	**argv = NULL, *w = NULL;
	size_t	  n = 0, wl = 0;
	char	  q = 0;
	bool	  inword = false;

	argv = util_xreallocarray(NULL, CFG_ARGV_MAX + 1, sizeof(*argv));
	w = util_xreallocarray(NULL, strlen(v) + 1, 1);
	for (;; v++) {
		if (q == 0 && (*v == '\0' || *v == ' ' || *v == '\t')) {
			if (inword) {
				if (n == CFG_ARGV_MAX) {
					snprintf(err, errlen, "more than %d"
					    " words", CFG_ARGV_MAX);
					goto fail;
				}
				w[wl] = '\0';
				argv[n++] = util_xstrdup(w);
				wl = 0;
				inword = false;
			}
			if (*v == '\0')
				break;
			continue;
		}
		if (*v == '\0') {
			snprintf(err, errlen, "unterminated %c quote", q);
			goto fail;
		}
		if (q == '\'') {
			if (*v == '\'')
				q = 0;
			else
				w[wl++] = *v;
		} else if (q == '"') {
			if (*v == '"')
				q = 0;
			else if (*v == '\\' && v[1] != '\0' &&
			    strchr("\\\"$`", v[1]) != NULL)
				w[wl++] = *++v;
			else if (*v == '$' || *v == '`') {
				snprintf(err, errlen, "'%c' would be expanded"
				    " by a shell, and there is none: write"
				    " \\%c", *v, *v);
				goto fail;
			} else
				w[wl++] = *v;
		} else if (*v == '\'' || *v == '"') {
			q = *v;
		} else if (*v == '\\') {
			if (v[1] == '\0') {
				snprintf(err, errlen, "a '\\' ends it");
				goto fail;
			}
			w[wl++] = *++v;
		} else if (strchr("|&;<>()$`", *v) != NULL ||
		    (*v == '~' && !inword)) {
			snprintf(err, errlen, "'%c' means something to a shell,"
			    " and there is none: quote it", *v);
			goto fail;
		} else
			w[wl++] = *v;
		inword = true;
	}
	free(w);
	if (n == 0) {
		snprintf(err, errlen, "no program");
		free(argv);
		return NULL;
	}
	argv[n] = NULL;
	return argv;
fail:
	while (n > 0)
		free(argv[--n]);
	free(argv);
	free(w);
	return NULL;
}

/* command: split into words, its program judged. */
static void
exec_conf_validate(struct cfg_ctx *c, const struct cfg_sec *s,
    struct cfg_check *ck)
{
	struct cfg_check_exec	*ex = ck->conf;
	const char		*v;
	char			 err[128], **argv;
	int			 line, i;

	if ((v = cfg_get_str(c, s, "command", false, &line)) == NULL)
		return;
	if ((argv = command_split(v, err, sizeof(err))) == NULL) {
		cfg_error(c, line, "bad command: %s", err);
		return;
	}
	if (!cfg_program_judge(c, line, "command", argv[0])) {
		for (i = 0; argv[i] != NULL; i++)
			free(argv[i]);
		free(argv);
		return;
	}
	ex->command = util_xstrdup(v);
	ex->argv = argv;
}

static void
exec_conf_free(struct cfg_check *ck)
{
	struct cfg_check_exec	*ex = ck->conf;

	if (ex->argv != NULL)
		for (size_t i = 0; ex->argv[i] != NULL; i++)
			free(ex->argv[i]);
	free(ex->argv);
	ex->argv = NULL;
}

static const struct cfg_key exec_keys[] = {
	{ .name = "command", .type = CFG_T_CUSTOM, .flags = CFG_F_REQUIRED |
	  CFG_F_OWNED, CFG_AT(struct cfg_check_exec, command),
	  .doc = "the program and its arguments, without a shell" },
	{ .name = NULL }
};

const struct cfg_check_type check_exec_type = {
	.name = "exec",
	.ops = &check_exec_ops,
	.keys = exec_keys,
	.conf_size = sizeof(struct cfg_check_exec),
	.timeout_ms = 10000,
	.validate = exec_conf_validate,
	.free = exec_conf_free,
};
