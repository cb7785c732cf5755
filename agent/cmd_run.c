/*
 * cmd_run.c: `run` (failover-agent(8), COMMANDS), the agent as a service: one
 * cycle every
 * [agent] interval until SIGTERM or SIGINT.
 *
 * Each cycle is the very cycle of `check` (cycle_execute_locked()), on a
 * state database opened once and a run lock taken once and held until the
 * end, so a `check` started from a forgotten cron job meanwhile exits 75.
 *
 * Timing: cycle n starts at start(n-1) + interval on CLOCK_MONOTONIC, so
 * the schedule does not drift by the cycles' own length, and a wall clock
 * stepped by NTP changes nothing.  Cycles never overlap: one that overruns
 * its interval is followed at once by the next, and the ticks it swallowed
 * are logged at debug level (a cycle is never queued twice).
 *
 * Signals: SIGTERM, SIGINT and SIGHUP are blocked for the whole run and
 * taken with sigtimedwait() only between cycles.  A signal that arrives
 * during a cycle waits until that cycle, its actions and its transaction
 * are complete: a stop never leaves a move half done or half recorded.
 * Programs we start (hooks, the exec method) get an empty signal mask from
 * spawn.c, and are in their own process groups, so a Ctrl-C on the
 * terminal does not reach them either.  SIGTERM/SIGINT end the loop (exit
 * 0).  SIGHUP reads the config again: a config with errors is refused, each
 * of them logged as FILE:LINE, and the previous one stays in force; the
 * role and the state database cannot change without a restart (the lock is
 * held on the old one).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agent/cmd.h"
#include "agent/lib/log.h"
#include "agent/lib/util.h"
#include "state/state.h"

/*
 * Read the config again for SIGHUP.  Returns the new config, or NULL with
 * every reason logged (the caller keeps the old one).
 */
static struct config *
run_reload(const char *path, const struct config *old)
{
	struct config		*cfg = NULL;
	struct diag_list	 diags;
	size_t			 i;

	memset(&diags, 0, sizeof(diags));
	if (config_load(path, &cfg, &diags) == -1) {
		for (i = 0; i < diags.n; i++)
			if (diags.items[i].is_error)
				log_warnx("reload: %s", diags.items[i].msg);
		log_warnx("reload: %s has %zu error%s: keeping the "
		    "configuration in force", path, diags.nerrors,
		    diags.nerrors == 1 ? "" : "s");
		goto done;
	}
	for (i = 0; i < diags.n; i++)
		log_info("reload: %s", diags.items[i].msg);
	if (cfg->agent.role != ROLE_BACKUP) {
		log_warnx("reload: %s: role = %s; `run` needs role = backup:"
		    " keeping the configuration in force", path,
		    site_role_str(cfg->agent.role));
		goto refuse;
	}
	if (strcmp(cfg->agent.state_db, old->agent.state_db) != 0) {
		log_warnx("reload: %s: state_db changed to %s; `run` holds the "
		    "lock of %s: restart it to change databases; keeping the "
		    "configuration in force", path, cfg->agent.state_db,
		    old->agent.state_db);
		goto refuse;
	}
	goto done;
refuse:
	config_free(cfg);
	cfg = NULL;
done:
	diag_clear(&diags);
	return cfg;
}

static void
run_describe(const char *what, const struct config *cfg)
{
	char	interval[32], keep[32];

	util_duration_format(cfg->agent.interval_ms, interval,
	    sizeof(interval));
	if (cfg->agent.history_keep_ms > 0)
		util_duration_format(cfg->agent.history_keep_ms, keep,
		    sizeof(keep));
	else
		snprintf(keep, sizeof(keep), "forever");
	log_info("run: %s %s: a cycle every %s, fail_after %d, recover_after "
	    "%d, %zu check%s, history kept %s", what, cfg->path, interval,
	    cfg->agent.fail_after, cfg->agent.recover_after, cfg->nchecks,
	    cfg->nchecks == 1 ? "" : "s", keep);
}

/* ms (>= 0) as a timespec for sigtimedwait(). */
static void
run_timespec(int64_t ms, struct timespec *ts)
{
	ts->tv_sec = (time_t)(ms / 1000);
	ts->tv_nsec = (long)(ms % 1000) * 1000000L;
}

int
cmd_run(const struct cmd_ctx *ctx, int argc, char **argv)
{
	struct config	*cfg = NULL, *fresh;
	struct state_db	*db = NULL;
	struct timespec	 ts;
	sigset_t	 set;
	char		 err[512], took[32], interval[32];
	int64_t		 start, next, now, ncycles = 0, skipped, last_id = 0;
	int		 lockfd = -1, sig, rc = FA_EXIT_RUNTIME, stop = 0;

	(void)argv;
	if (argc != 1) {
		fprintf(stderr, "usage: failover-agent run\n");
		return FA_EXIT_CONFIG;
	}
	/* Before any thread exists, so every thread inherits the mask. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL) == -1) {
		log_warn("run: sigprocmask");
		return FA_EXIT_RUNTIME;
	}

	if ((rc = cmd_config_load(ctx, &cfg)) != 0)
		goto done;
	rc = FA_EXIT_RUNTIME;
	if (cfg->agent.role != ROLE_BACKUP) {
		fprintf(stderr, "failover-agent: %s: run needs role = backup "
		    "(this is a %s: run vote-server)\n", ctx->config_path,
		    site_role_str(cfg->agent.role));
		rc = FA_EXIT_CONFIG;
		goto done;
	}
	switch (state_lock_acquire(cfg->agent.state_db, &lockfd, err,
	    sizeof(err))) {
	case 1:
		fprintf(stderr, "failover-agent: %s; not starting another\n",
		    err);
		rc = FA_EXIT_LOCKED;
		goto done;
	case -1:
		log_warnx("run: %s", err);
		goto done;
	}
	if (state_open(cfg->agent.state_db, false, &db, err,
	    sizeof(err)) == -1) {
		log_warnx("run: %s", err);
		goto done;
	}
	run_describe("started with", cfg);

	next = util_mono_ms();
	while (!stop) {
		start = util_mono_ms();
		(void)cycle_execute_locked(cfg, db, REQUEST_CYCLE, false,
		    false);
		ncycles++;
		if (state_next_cycle_id(db, &last_id, err, sizeof(err)) == 0)
			last_id--;

		/* The next tick after this cycle's start. */
		next = start + cfg->agent.interval_ms;
		now = util_mono_ms();
		if (now >= next) {
			skipped = (now - start) / cfg->agent.interval_ms;
			util_duration_format(now - start, took, sizeof(took));
			util_duration_format(cfg->agent.interval_ms, interval,
			    sizeof(interval));
			log_debug("run: the cycle took %s, longer than the "
			    "interval (%s): the next one starts now (%lld tick%s"
			    " skipped)", took, interval, (long long)skipped,
			    skipped == 1 ? "" : "s");
			next = now;
		}

		/* Between cycles: the only place a signal is taken. */
		for (;;) {
			now = util_mono_ms();
			run_timespec(next > now ? next - now : 0, &ts);
			sig = sigtimedwait(&set, NULL, &ts);
			if (sig == -1) {
				if (errno == EINTR)
					continue;
				if (errno != EAGAIN)
					log_warn("run: sigtimedwait");
				break;		/* the next tick */
			}
			if (sig == SIGHUP) {
				log_info("run: SIGHUP: reading %s again",
				    ctx->config_path);
				if ((fresh = run_reload(ctx->config_path,
				    cfg)) == NULL)
					continue;
				config_free(cfg);
				cfg = fresh;
				run_describe("reloaded", cfg);
				/* A new interval counts from this start. */
				next = start + cfg->agent.interval_ms;
				continue;
			}
			log_info("run: %s: stopping after %lld cycle%s (the "
			    "last is #%lld in history)", sig == SIGTERM ?
			    "SIGTERM" : "SIGINT", (long long)ncycles,
			    ncycles == 1 ? "" : "s", (long long)last_id);
			stop = 1;
			break;
		}
	}
	rc = FA_EXIT_OK;
done:
	if (db != NULL)
		state_close(db);
	if (lockfd != -1)
		state_lock_release(lockfd);
	config_free(cfg);
	/*
	 * The signals stay blocked: we are about to exit, and a second
	 * SIGTERM pending now must not turn a clean stop into a kill.
	 */
	return rc;
}
