/*
 * cmd_vote.c: vote-server (failover-agent(8), COMMANDS; quorum/PROTOCOL.md),
 * the vote-only mode of a spare.
 *
 * A spare answers GET /v1/vote from the backup with how it sees the
 * primary, probed with its own [check:*] sections only: nothing in a
 * request can name what to probe.  It runs in the foreground (systemd,
 * runit, a terminal) until SIGTERM, SIGINT or SIGHUP, and exits 0 after a
 * clean stop.  The server itself is quorum/vote_server.c; this file loads
 * the config and the secret, and turns a round of checks into a verdict.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/check/check.h"
#include "agent/cmd.h"
#include "agent/lib/log.h"
#include "agent/metrics.h"
#include "agent/lib/util.h"
#include "quorum/quorum.h"
#include "state/state.h"

static volatile sig_atomic_t	vote_stop;

static void
vote_on_signal(int sig)
{
	(void)sig;
	vote_stop = 1;
}

struct vote_probe {
	const struct config	*cfg;
	struct check_result	*results;	/* cfg->nchecks of them */
	int			 last;		/* verdict last logged, -1: none */
	struct state_db		*db;		/* [agent] state_db, or NULL */
	bool			 db_failing;	/* the last write failed (logged) */
	bool			 metrics_failing; /* metrics_file: the last write failed */
};

/*
 * How this spare sees the primary (called on the server's prober thread,
 * one call at a time; every check has its own timeout, so it returns in
 * bounded time): up when every check passed; down when one failed on the
 * network or in the primary's answer; unknown when the only failures are
 * our own or a check that could not tell (check_outcome_cannot_tell():
 * CHECK_INTERNAL_ERROR, an exec plugin's UNKNOWN or timeout): a spare that
 * cannot probe must not say "down", nor "up".  A change of verdict is logged at info, each check at
 * debug.
 */
static enum vote_verdict
vote_probe_checks(void *arg, char *detail, size_t detaillen)
{
	struct vote_probe		*vp = arg;
	const struct check_result	*r, *first = NULL;
	enum vote_verdict		 v;
	size_t				 i;
	int				 nnet = 0, nint = 0;

	(void)checks_run(vp->cfg, vp->results);
	for (i = 0; i < vp->cfg->nchecks; i++) {
		r = &vp->results[i];
		log_debug("vote-server: check %s: %s%s%s (%lld ms)",
		    r->check->name, check_outcome_str(r->outcome),
		    r->detail[0] ? ": " : "", r->detail,
		    (long long)r->elapsed_ms);
		if (check_outcome_passed(r->outcome))	/* ok, warning */
			continue;
		if (check_outcome_cannot_tell(r->outcome)) {
			nint++;
			if (first == NULL)
				first = r;
		} else {
			if (nnet++ == 0)
				first = r;	/* a network failure explains best */
		}
	}
	v = nnet > 0 ? VOTE_VERDICT_DOWN : nint > 0 ? VOTE_VERDICT_UNKNOWN :
	    VOTE_VERDICT_UP;
	if (first != NULL)
		snprintf(detail, detaillen, "check %s: %s%s%s",
		    first->check->name, check_outcome_str(first->outcome),
		    first->detail[0] ? ": " : "", first->detail);
	else
		snprintf(detail, detaillen, "%zu check%s passed",
		    vp->cfg->nchecks, vp->cfg->nchecks == 1 ? "" : "s");
	if ((int)v != vp->last) {
		if (first != NULL)
			log_info("vote-server: the primary is seen %s: check %s:"
			    " %s%s%s", vote_verdict_str(v), first->check->name,
			    check_outcome_str(first->outcome),
			    first->detail[0] ? ": " : "", first->detail);
		else
			log_info("vote-server: the primary is seen %s (%zu"
			    " check%s passed)", vote_verdict_str(v),
			    vp->cfg->nchecks, vp->cfg->nchecks == 1 ? "" : "s");
		vp->last = (int)v;
	}
	return v;
}

/*
 * After each probe, on the prober thread and outside the server's locks:
 * the spare's own `status` reads this row.  A failed write is logged when
 * it starts failing and when it works again, never once per probe, and
 * never stops the votes.
 */
static void
vote_probe_store(void *arg, const struct vote_probe_report *rep)
{
	struct vote_probe	*vp = arg;
	char			 err[512];

	if (vp->cfg->agent.metrics_file != NULL &&
	    metrics_write_spare(vp->cfg, rep, err, sizeof(err)) == -1) {
		if (!vp->metrics_failing)
			log_warnx("vote-server: metrics_file: %s", err);
		vp->metrics_failing = true;
	} else
		vp->metrics_failing = false;
	if (vp->db == NULL)
		return;
	if (state_spare_probe_write(vp->db, rep, err, sizeof(err)) == -1) {
		if (!vp->db_failing)
			log_warnx("vote-server: cannot record the probe: %s"
			    " (votes are not affected)", err);
		vp->db_failing = true;
	} else if (vp->db_failing) {
		log_info("vote-server: recording probes again");
		vp->db_failing = false;
	}
}

/* The largest [check:*] timeout: with the interval, the spare's max_age. */
static int64_t
vote_check_timeout_max(const struct config *cfg)
{
	int64_t	max = 0;
	size_t	i;

	for (i = 0; i < cfg->nchecks; i++)
		if (cfg->checks[i].timeout_ms > max)
			max = cfg->checks[i].timeout_ms;
	return max;
}

/* SIGTERM, SIGINT and SIGHUP end the server; no SA_RESTART, so its wait ends at once. */
static int
vote_signals(void)
{
	struct sigaction	sa;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = vote_on_signal;
	if (sigaction(SIGTERM, &sa, NULL) == -1 ||
	    sigaction(SIGINT, &sa, NULL) == -1 ||
	    sigaction(SIGHUP, &sa, NULL) == -1)
		return -1;
	/* A peer gone mid-answer is an error on that socket, not our end. */
	sa.sa_handler = SIG_IGN;
	return sigaction(SIGPIPE, &sa, NULL);
}

int
cmd_vote_server(const struct cmd_ctx *ctx, int argc, char **argv)
{
	struct config			*cfg = NULL;
	struct vote_secret		*secret = NULL;
	struct vote_server_params	 p;
	struct vote_probe		 vp;
	char				 err[512], interval[32];
	int				 rc;

	(void)argv;
	if (argc != 1) {
		fprintf(stderr, "usage: failover-agent vote-server\n");
		return FA_EXIT_CONFIG;
	}
	memset(&vp, 0, sizeof(vp));
	if ((rc = cmd_config_load(ctx, &cfg)) != 0)
		return rc;
	if (cfg->agent.role != ROLE_SPARE) {
		fprintf(stderr, "failover-agent: %s: vote-server needs role ="
		    " spare; this site is a %s, which asks the spares for votes"
		    " and does not give any (run `failover-agent check` here,"
		    " and vote-server on each spare)\n", ctx->config_path,
		    site_role_str(cfg->agent.role));
		rc = FA_EXIT_CONFIG;
		goto done;
	}
	/* Read once and kept: every answer is signed with it. */
	if (vote_secret_load(cfg->quorum.secret_file, &secret, err,
	    sizeof(err)) == -1) {
		fprintf(stderr, "failover-agent: %s: [quorum] secret_file: %s\n",
		    ctx->config_path, err);
		rc = FA_EXIT_CONFIG;
		goto done;
	}
	if (vote_signals() == -1) {
		log_warn("vote-server: sigaction");
		rc = FA_EXIT_RUNTIME;
		goto done;
	}

	vp.cfg = cfg;
	vp.results = util_xcalloc(cfg->nchecks, sizeof(*vp.results));
	vp.last = -1;
	/* Optional for a spare: without it, `status` has nothing to show. */
	if (cfg->agent.state_db != NULL && state_open(cfg->agent.state_db,
	    false, &vp.db, err, sizeof(err)) == -1)
		log_warnx("vote-server: %s; votes are answered, but `status`"
		    " will not show the probes", err);
	memset(&p, 0, sizeof(p));
	p.listen = (const char *const *)cfg->vote.listen;
	p.nlisten = cfg->vote.nlisten;
	p.voter = cfg->agent.name;
	p.secret = secret;
	p.interval_ms = cfg->vote.interval_ms;
	p.max_age = vote_max_age(cfg->vote.interval_ms,
	    vote_check_timeout_max(cfg));
	p.probe = vote_probe_checks;
	p.probe_arg = &vp;
	p.probed = vote_probe_store;
	p.probed_arg = &vp;
	p.allow = cfg->vote.allow;
	p.nallow = cfg->vote.nallow;
	p.max_connections = cfg->vote.max_connections;
	p.max_per_ip = cfg->vote.max_per_ip;
	p.request_timeout_ms = cfg->vote.request_timeout_ms;
	util_duration_format(cfg->vote.interval_ms, interval,
	    sizeof(interval));
	log_info("vote-server: %s starting: %zu check%s of the primary every"
	    " %s, max_age %llds", cfg->agent.name, cfg->nchecks,
	    cfg->nchecks == 1 ? "" : "s", interval, (long long)p.max_age);
	rc = vote_server_run(&p, &vote_stop) == 0 ? FA_EXIT_OK :
	    FA_EXIT_RUNTIME;
done:
	if (vp.db != NULL)
		state_close(vp.db);
	vote_secret_free(secret);
	free(vp.results);
	config_free(cfg);
	return rc;
}
