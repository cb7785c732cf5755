/*
 * cycle.c: one cycle, end to end (failover-agent(8), THE CYCLE): lock, load
 * state, probe, decide,
 * act, record.  This is the only place where the pure engine (decide.c)
 * meets the world: it reads DNS or asks the spares when the engine needs to
 * know, runs the actions the engine planned, in order, stopping at the first
 * failure, and stores what really happened in one transaction.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/check/check.h"
#include "agent/cmd.h"
#include "agent/core/config.h"
#include "agent/core/decide.h"
#include "agent/lib/log.h"
#include "agent/metrics.h"
#include "agent/mysql/mysql_local.h"
#include "agent/notify.h"
#include "agent/lib/spawn.h"
#include "agent/lib/util.h"
#include "dnsupdate/dnsupdate.h"
#include "quorum/quorum.h"
#include "state/state.h"

#define CYCLE_CONDS_MAX	8

struct action_log {
	struct action_record	rec;
	char			detail[512];
};

struct cycle {
	const struct config	*cfg;
	enum decide_request	 request;
	bool			 dry_run;
	struct decide_state	 prev;
	struct decide_params	 params;
	struct decide_input	 in;
	struct decide_result	 plan;
	struct check_result	*checks;
	int			 nfailed;
	struct dns_view		 view;
	bool			 have_view;
	size_t			 nactions, maxactions;
	struct action_log	*actions;
	struct decide_report	 report;
	struct vote_spare	*spares;	/* the config's, for the client */
	struct vote_result	*votes;		/* one per spare, once asked */
	size_t			 nvotes;	/* 0: the spares were not asked */
	char			 safety_msg[1024];	/* failback safety, when asked */
	int64_t			 cycle_id;	/* history's #N, 0: unknown */
	bool			 dns_lagging;	/* verify = all: a nameserver lags */
	bool			 canary_failed;	/* [dns] canary refused */
	struct state_db		*db;		/* NULL: a dry run without one */
	struct state_intent	 found;		/* an open intent found at the start */
	bool			 have_found;
	bool			 intent_opened;	/* this cycle committed one */
	bool			 intent_failed;	/* ... or could not: did not act */
	struct dns_zone_serial	*serials;	/* cfg->nzones, read at the start */
	bool			 have_serials;
	char			 fail_step[600]; /* the first failing step, in words */
	bool			 dns_read_failed; /* ... was reading, before any UPDATE */
	struct condition	 conds[CYCLE_CONDS_MAX];	/* needing a person now */
	char			 cond_detail[CYCLE_CONDS_MAX][600];
	size_t			 nconds;
	char			 message[1600];	/* the cycle's message, composed */
};

/* vsnprintf: a detail longer than the buffer is cut, on purpose. */
static void __attribute__((format(printf, 2, 3)))
action_detail(struct action_log *a, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	(void)vsnprintf(a->detail, sizeof(a->detail), fmt, ap);
	va_end(ap);
}

static const char *
request_kind(enum decide_request r)
{
	switch (r) {
	case REQUEST_FAILOVER:
		return "failover";
	case REQUEST_FAILBACK:
		return "failback";
	case REQUEST_CYCLE:
		break;
	}
	return "check";
}

static void
cycle_params(const struct config *cfg, struct decide_params *p)
{
	p->fail_after = cfg->agent.fail_after;
	p->recover_after = cfg->agent.recover_after;
	p->failback_auto = cfg->agent.failback == FAILBACK_AUTO;
	p->hold_down_s = cfg->agent.hold_down_ms / 1000;
	/* config.c refuses a backup's [quorum] without spares. */
	p->quorum_configured = cfg->has_quorum && cfg->nspares > 0;
	p->mysql_configured = cfg->has_mysql;
	p->mysql_demote = cfg->has_mysql &&
	    cfg->mysql.promote == MYSQL_PROMOTE_WRITABLE;
}

static struct action_log *
cycle_action_add(struct cycle *c, const char *kind, const char *target,
    enum action_result result)
{
	struct action_log	*a;

	if (c->nactions == c->maxactions) {
		c->maxactions = c->maxactions ? c->maxactions * 2 : 8;
		c->actions = util_xreallocarray(c->actions, c->maxactions,
		    sizeof(*c->actions));
	}
	a = &c->actions[c->nactions++];
	memset(a, 0, sizeof(*a));
	a->rec.at = util_wall_ms() / 1000;
	a->rec.kind = kind;
	a->rec.target = target;
	a->rec.result = result;
	return a;
}

static const char *
hook_path(const struct config *cfg, enum action_kind k)
{
	switch (k) {
	case ACTION_HOOK_BEFORE_FAILOVER:
		return cfg->hooks.before_failover;
	case ACTION_HOOK_AFTER_FAILOVER:
		return cfg->hooks.after_failover;
	case ACTION_HOOK_BEFORE_FAILBACK:
		return cfg->hooks.before_failback;
	case ACTION_HOOK_AFTER_FAILBACK:
		return cfg->hooks.after_failback;
	default:
		return NULL;
	}
}

/* "hook before_failover" -> "before_failover" */
static const char *
hook_event(enum action_kind k)
{
	return action_kind_str(k) + strlen("hook ");
}

/* Every managed record, space-separated, in a fresh string. */
static char *
cycle_records_join(const struct config *cfg)
{
	size_t	 z, r, len = 1, used = 0;
	char	*buf;

	for (z = 0; z < cfg->nzones; z++)
		for (r = 0; r < cfg->zones[z].nrecords; r++)
			len += strlen(cfg->zones[z].records[r]) + 1;
	buf = util_xcalloc(len, 1);
	for (z = 0; z < cfg->nzones; z++)
		for (r = 0; r < cfg->zones[z].nrecords; r++)
			used += (size_t)snprintf(buf + used, len - used, "%s%s",
			    used ? " " : "", cfg->zones[z].records[r]);
	return buf;
}

/* Does this cycle's plan move records (a failover or failback)? */
static bool
cycle_plan_moves_dns(const struct cycle *c)
{
	int	i;

	for (i = 0; i < c->plan.nactions; i++)
		if (c->plan.actions[i] == ACTION_DNS_TO_BACKUP ||
		    c->plan.actions[i] == ACTION_DNS_TO_PRIMARY)
			return true;
	return false;
}


/*
 * Run one hook with a clean environment describing the event.  A hook that
 * is not configured is not an action.  Every value is passed whole (the
 * environment is built with allocated strings: a long FA_RECORDS is never
 * cut).  Returns 0 or -1 (the hook failed or could not run).
 */
static int
cycle_run_hook(struct cycle *c, enum action_kind k)
{
	const char		*path = hook_path(c->cfg, k);
	char			*env[12], *argv[] = { NULL, NULL };
	char			 prim[ADDRSET_MAX * (INET6_ADDRSTRLEN + 2)];
	char			 back[sizeof(prim)];
	char			*recs;
	size_t			 n = 0, i;
	struct spawn_result	 res;
	struct action_log	*a;
	int			 rc;

	if (path == NULL)
		return 0;
	recs = cycle_records_join(c->cfg);
	/* Room for ADDRSET_MAX of the longest addresses: never cut. */
	addrset_format(&c->cfg->primary, prim, sizeof(prim), "");
	addrset_format(&c->cfg->backup, back, sizeof(back), "");
	env[n++] = util_xstrdup("PATH=/usr/sbin:/usr/bin:/sbin:/bin");
	if (asprintf(&env[n++], "FA_EVENT=%s", hook_event(k)) == -1 ||
	    asprintf(&env[n++], "FA_STATE_FROM=%s",
	    site_state_str(c->plan.reconciled)) == -1 ||
	    asprintf(&env[n++], "FA_STATE_TO=%s",
	    site_state_str(c->plan.next.state)) == -1 ||
	    asprintf(&env[n++], "FA_SITE=%s", c->cfg->agent.name) == -1 ||
	    asprintf(&env[n++], "FA_PRIMARY_ADDRESSES=%s", prim) == -1 ||
	    asprintf(&env[n++], "FA_BACKUP_ADDRESSES=%s", back) == -1 ||
	    asprintf(&env[n++], "FA_RECORDS=%s", recs) == -1 ||
	    asprintf(&env[n++], "FA_REASON=%s", c->plan.reason) == -1 ||
	    /* The seeds' reduced-functionality failover: hide the login box. */
	    asprintf(&env[n++], "FA_READ_ONLY=%d", c->cfg->has_mysql &&
	    c->cfg->mysql.promote == MYSQL_PROMOTE_READ_ONLY ? 1 : 0) == -1 ||
	    /* The cycle's number in history, for the hook's own logs. */
	    (c->cycle_id > 0 && asprintf(&env[n++], "FA_CYCLE_ID=%lld",
	    (long long)c->cycle_id) == -1))
		fatal("asprintf");
	env[n] = NULL;
	argv[0] = (char *)(uintptr_t)path;

	rc = spawn_run(argv, env, NULL, 0, c->cfg->hooks.timeout_ms, &res);
	a = cycle_action_add(c, action_kind_str(k), path,
	    rc == 0 ? ACTION_RESULT_OK : ACTION_RESULT_FAILED);
	action_detail(a, "%s%s%s", res.detail,
	    res.output[0] ? ": " : "", res.output);
	if (rc == 0)
		log_info("%s hook %s: %s", hook_event(k), path, res.detail);
	else
		log_warnx("%s hook %s failed: %s", hook_event(k), path,
		    a->detail);
	for (i = 0; i < n; i++)
		free(env[i]);
	free(recs);
	return rc;
}

static int
cycle_read_dns(struct cycle *c)
{
	if (c->have_view)
		dns_view_free(&c->view);
	memset(&c->view, 0, sizeof(c->view));
	c->have_view = true;
	if (dns_view_read(c->cfg, &c->view) == -1) {
		log_warnx("reading DNS: %s", c->view.error);
		return -1;
	}
	return 0;
}

/*
 * Repoint every record (failover-agent(8), THE CYCLE): read what DNS holds now,
 * plan per
 * record, send one conditional change per zone, verify.  One action row per
 * zone, plus one "dns verify" row per nameserver that did not serve the
 * change in time (verify = all).  *changed tells whether any server took a
 * change, even if another zone then failed: that is what makes the site
 * FAILED rather than unchanged.
 *
 * Returns 0, -1 (failed), or 1 when the only trouble is lagging
 * nameservers: the server that took the update serves the change, so DNS
 * has moved and the move goes on (the after hook runs, the state follows),
 * but the cycle exits 1 and status names the laggards.  Stopping there
 * instead would leave the site FAILED and the after hook unrun because a
 * secondary is slow or down, which is not what happened to the records.
 */
static int
cycle_run_dns(struct cycle *c, enum action_kind k, bool *changed)
{
	enum dns_direction	 dir = k == ACTION_DNS_TO_BACKUP ?
				    DNS_TO_BACKUP : DNS_TO_PRIMARY;
	struct dns_plan		 plan;
	struct action_log	*a;
	size_t			 i, j, lagging;
	bool			 hard = false;
	int			 rc;

	*changed = false;
	if (cycle_read_dns(c) == -1) {
		a = cycle_action_add(c, action_kind_str(k), "dns",
		    ACTION_RESULT_FAILED);
		action_detail(a, "could not read DNS: %s", c->view.error);
		snprintf(c->fail_step, sizeof(c->fail_step), "%s",
		    c->view.error);
		c->dns_read_failed = true;
		return -1;
	}
	dnsupdate_plan(c->cfg, dir, &c->view, &plan);
	rc = dnsupdate_apply(c->cfg, &plan);
	lagging = 0;
	for (i = 0; i < plan.nzones; i++) {
		struct dns_zone_plan	*z = &plan.zones[i];
		bool			 good = z->result == DNS_OK ||
					    z->result == DNS_UNCHANGED;

		if (z->result == DNS_ERR_LAGGING)
			lagging++;
		else if (!good)
			hard = true;
		if (z->changed)
			*changed = true;
		if (z->maybe_changed)
			c->report.dns_maybe_changed = true;
		if (!good && z->result != DNS_ERR_LAGGING &&
		    c->fail_step[0] == '\0')
			snprintf(c->fail_step, sizeof(c->fail_step), "%s: %s",
			    z->zone->name, z->message);
		a = cycle_action_add(c, action_kind_str(k), z->zone->name,
		    good ? (z->result == DNS_OK ? ACTION_RESULT_OK :
		    ACTION_RESULT_SKIPPED) : ACTION_RESULT_FAILED);
		/* The result column already says ok; name only other statuses. */
		if (z->result == DNS_OK)
			action_detail(a, "%s", z->message);
		else
			action_detail(a, "%s: %s", dns_status_str(z->result),
			    z->message);
		if (good)
			log_info("%s %s: %s", action_kind_str(k),
			    z->zone->name, z->message);
		else
			log_warnx("%s %s: %s", action_kind_str(k),
			    z->zone->name, z->message);
		for (j = 0; j < z->nns; j++) {
			if (z->ns[j].ok)
				continue;
			a = cycle_action_add(c, "dns verify", z->zone->name,
			    ACTION_RESULT_FAILED);
			action_detail(a, "%s: %s", z->ns[j].label,
			    z->ns[j].detail);
		}
	}
	dns_plan_free(&plan);
	/* What the records hold now, for status. */
	(void)cycle_read_dns(c);
	if (rc == -1 && !hard && lagging > 0) {
		c->dns_lagging = true;
		return 1;
	}
	return rc;
}

/* The mysql actions: one history row per step (mysql_local.h). */
static int
cycle_run_mysql(struct cycle *c, enum action_kind k)
{
	const struct config	*cfg = c->cfg;
	const struct check_result *pr;
	struct mysql_step	 steps[MYSQL_STEPS_MAX];
	struct action_log	*a;
	size_t			 i, n = 0;
	int			 rc;

	if (k == ACTION_MYSQL_PROMOTE)
		rc = mysql_local_failover(&cfg->mysql, steps, &n);
	else {
		pr = &c->checks[cfg->mysql.primary_check_index];
		rc = mysql_local_failback(&cfg->mysql, pr->outcome ==
		    CHECK_OK && pr->gtid_read ? pr->gtid : NULL, steps, &n);
	}
	for (i = 0; i < n; i++) {
		a = cycle_action_add(c, steps[i].kind, cfg->mysql.host != NULL ?
		    cfg->mysql.host : cfg->mysql.socket, steps[i].ok ?
		    ACTION_RESULT_OK : ACTION_RESULT_FAILED);
		action_detail(a, "%s", steps[i].detail);
	}
	return rc;
}

/*
 * Failback safety (failover-agent(8), MYSQL): the backup's GTIDs against the
 * primary's, as
 * read by the [mysql] primary_check this cycle.  One history row; the
 * message also goes into the cycle's message when the failback is refused.
 */
static enum failback_safety
cycle_failback_safety(struct cycle *c)
{
	const struct config	*cfg = c->cfg;
	const struct check_result *pr;
	struct action_log	*a;
	char			 why[400];
	int			 safe;

	pr = &c->checks[cfg->mysql.primary_check_index];
	snprintf(why, sizeof(why), "[check:%s] %s%s%s", pr->check->name,
	    pr->outcome == CHECK_OK ? "passed but could not read them" :
	    check_outcome_str(pr->outcome), pr->detail[0] ? ": " : "",
	    pr->detail);
	safe = mysql_local_failback_safe(&cfg->mysql, pr->outcome == CHECK_OK &&
	    pr->gtid_read ? pr->gtid : NULL, why, c->safety_msg,
	    sizeof(c->safety_msg));
	a = cycle_action_add(c, "mysql failback_safety", cfg->mysql.host !=
	    NULL ? cfg->mysql.host : cfg->mysql.socket, safe == 1 ?
	    ACTION_RESULT_OK : ACTION_RESULT_FAILED);
	action_detail(a, "%s", c->safety_msg);
	if (safe == 1)
		log_info("failback safety: %s", c->safety_msg);
	else
		log_warnx("failback safety: %s", c->safety_msg);
	return safe == 1 ? FAILBACK_SAFETY_SAFE : safe == 0 ?
	    FAILBACK_SAFETY_UNSAFE : FAILBACK_SAFETY_UNKNOWN;
}

/*
 * Tests only (t/57-interrupt.t): FA_TEST_PAUSE_AT=STEP stops the process
 * (SIGSTOP) when a move reaches STEP ("intent": committed, nothing done
 * yet; "dns": DNS moved, the after hook not run; "record": before the
 * final write), so a test can SIGKILL it at exactly that point instead of
 * guessing with sleeps.  Nothing else reads the variable.
 */
static void
cycle_test_pause(const char *step)
{
	const char	*at = getenv("FA_TEST_PAUSE_AT");

	if (at == NULL || strcmp(at, step) != 0)
		return;
	log_warnx("test: paused at %s (pid %ld)", step, (long)getpid());
	(void)raise(SIGSTOP);
}

/* The first failed step in words, unless the step said it already. */
static void
cycle_note_failure(struct cycle *c)
{
	size_t	i;

	if (c->fail_step[0] != '\0')
		return;
	for (i = c->nactions; i > 0; i--) {
		const struct action_log *a = &c->actions[i - 1];

		if (a->rec.result != ACTION_RESULT_FAILED)
			continue;
		snprintf(c->fail_step, sizeof(c->fail_step), "%s %s: %s",
		    a->rec.kind, a->rec.target, a->detail);
		return;
	}
}

static void
cycle_run_actions(struct cycle *c)
{
	int	i, rc = 0;
	bool	changed;

	memset(&c->report, 0, sizeof(c->report));
	for (i = 0; i < c->plan.nactions; i++) {
		enum action_kind k = c->plan.actions[i];

		if (k == ACTION_DNS_TO_BACKUP || k == ACTION_DNS_TO_PRIMARY) {
			rc = cycle_run_dns(c, k, &changed);
			if (changed)
				c->report.dns_changed = true;
			if (changed)
				cycle_test_pause("dns");
		} else if (k == ACTION_MYSQL_PROMOTE || k == ACTION_MYSQL_DEMOTE)
			rc = cycle_run_mysql(c, k);
		else
			rc = cycle_run_hook(c, k);
		if (rc == -1) {
			c->report.failed = true;
			cycle_note_failure(c);
			break;
		}
		/* rc 1: DNS moved, a nameserver lags: go on (see above). */
		c->report.ndone++;
	}
}

/* The actions of plan, each as it would run (DNS: record by record). */
static void
cycle_print_actions(struct cycle *c, const struct decide_result *plan)
{
	struct dns_plan	 dplan;
	const char	*path;
	int		 i;

	for (i = 0; i < plan->nactions; i++) {
		enum action_kind k = plan->actions[i];

		if (k == ACTION_MYSQL_PROMOTE || k == ACTION_MYSQL_DEMOTE) {
			char	wait[32];

			util_duration_format(c->cfg->mysql.wait_to_apply_ms,
			    wait, sizeof(wait));
			if (k == ACTION_MYSQL_DEMOTE)
				printf("  %s: read_only = ON at %s\n",
				    action_kind_str(k), c->cfg->mysql.host ?
				    c->cfg->mysql.host : c->cfg->mysql.socket);
			else
				printf("  %s: wait_to_apply %s, then promote ="
				    " %s at %s\n", action_kind_str(k),
				    c->cfg->mysql.wait_to_apply_ms < 0 ?
				    "without end" : wait,
				    mysql_promote_str(c->cfg->mysql.promote),
				    c->cfg->mysql.host ? c->cfg->mysql.host :
				    c->cfg->mysql.socket);
			continue;
		}
		if (k != ACTION_DNS_TO_BACKUP && k != ACTION_DNS_TO_PRIMARY) {
			path = hook_path(c->cfg, k);
			printf("  %s: %s\n", action_kind_str(k),
			    path ? path : "(not configured)");
			continue;
		}
		if (cycle_read_dns(c) == -1) {
			printf("  %s: cannot read DNS: %s\n", action_kind_str(k),
			    c->view.error);
			continue;
		}
		dnsupdate_plan(c->cfg, k == ACTION_DNS_TO_BACKUP ?
		    DNS_TO_BACKUP : DNS_TO_PRIMARY, &c->view, &dplan);
		printf("  %s:\n", action_kind_str(k));
		dns_plan_print(&dplan, stdout);
		dns_plan_free(&dplan);
	}
}

/*
 * --dry-run: the votes, the plan, and when a manual move would not happen,
 * what stops it and the plan --force would carry out (issue 17: a dry run
 * showed no plan unless --force was added).
 */
static void
cycle_print_plan(struct cycle *c)
{
	struct decide_input	 in;
	struct decide_result	 forced;
	int			 i;

	for (i = 0; i < (int)c->nvotes; i++) {
		const struct vote_result *r = &c->votes[i];

		if (r->reason == VOTE_VALID)
			printf("vote %s: %s\n", r->spare->name,
			    vote_verdict_str(r->vote.verdict));
		else
			printf("vote %s: abstained: %s%s%s\n", r->spare->name,
			    vote_reason_str(r->reason), r->detail[0] ? ": " :
			    "", r->detail);
	}
	if (c->nvotes > 0)
		printf("quorum: %s\n", quorum_result_str(c->in.quorum));
	if (c->safety_msg[0] != '\0')
		printf("failback safety: %s\n", c->safety_msg);
	printf("plan: %s: %s\n", cycle_outcome_str(c->plan.outcome),
	    c->plan.reason);
	cycle_print_actions(c, &c->plan);
	if (c->plan.nactions == 0 && c->request != REQUEST_CYCLE &&
	    !c->in.force) {
		in = c->in;
		in.force = true;
		decide(&c->prev, &c->params, &in, &forced);
		printf("what stops it: %s\n", c->plan.reason);
		if (forced.need == NEED_NOTHING && forced.nactions > 0) {
			printf("with --force (only when you know better than "
			    "the check that stopped it): %s: %s\n",
			    cycle_outcome_str(forced.outcome), forced.reason);
			cycle_print_actions(c, &forced);
		}
	}
	printf("dry run: nothing was changed\n");
}

/* vsnprintf, like action_detail(): a long detail is cut, on purpose. */
static void __attribute__((format(printf, 2, 3)))
vote_detail(struct vote_result *r, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	(void)vsnprintf(r->detail, sizeof(r->detail), fmt, ap);
	va_end(ap);
}

static void
cycle_log_vote(const struct vote_result *r)
{
	const struct vote_spare	*sp = r->spare;
	char			 when[64];

	if (r->reason != VOTE_VALID) {
		log_warnx("vote %s (%s): abstained: %s%s%s", sp->name, sp->url,
		    vote_reason_str(r->reason), r->detail[0] ? ": " : "",
		    r->detail);
		return;
	}
	/* A voter other than the spare asked abstains (voter-mismatch). */
	util_time_format(r->vote.checked_at, when, sizeof(when));
	log_info("vote %s: %s (checked %s, %lld ms)", sp->name,
	    vote_verdict_str(r->vote.verdict), when, (long long)r->elapsed_ms);
}

/*
 * Before a failback the question is the other one (issue 16 item 4): does
 * any spare still see the primary down?  One valid "down" vetoes; the
 * words say so in this direction, never "confirmed" or "partition".
 */
static void
cycle_failback_tally(struct cycle *c, const struct quorum_count *qc)
{
	char	names[512];
	size_t	i, used = 0;
	int	k;

	c->in.quorum = qc->down > 0 ? QUORUM_FAILBACK_VETOED :
	    QUORUM_FAILBACK_ALLOWED;
	if (qc->down == 0) {
		log_info("failback allowed: %d of %zu spare%s see%s the primary"
		    " up (%d unknown, %zu abstained)", qc->up, c->nvotes,
		    c->nvotes == 1 ? "" : "s", c->nvotes == 1 ? "s" : "",
		    qc->unknown, c->nvotes - (size_t)qc->valid);
		return;
	}
	names[0] = '\0';
	for (i = 0; i < c->nvotes; i++) {
		if (c->votes[i].reason != VOTE_VALID ||
		    c->votes[i].vote.verdict != VOTE_VERDICT_DOWN)
			continue;
		k = snprintf(names + used, sizeof(names) - used, "%s%s",
		    used ? ", " : "", c->votes[i].spare->name);
		if (k < 0 || (size_t)k >= sizeof(names) - used)
			break;
		used += (size_t)k;
	}
	log_info("failback vetoed: %s see%s the primary down", names,
	    qc->down == 1 ? "s" : "");
}

/*
 * Ask every spare at once (failover-agent(8), THE QUORUM) and give decide() the
 * tally and
 * the "down" votes.  The secret is read now, used, and wiped.  A secret
 * that cannot be read makes every spare abstain, with that reason, so the
 * cycle ends ISOLATED (with need >= 1) and says why: never a crash, never
 * a failover on votes nobody could verify.
 */
static void
cycle_ask_spares(struct cycle *c)
{
	const struct config	*cfg = c->cfg;
	struct vote_secret	*secret = NULL;
	struct quorum_count	 qc;
	char			 err[512];
	size_t			 i, n = cfg->nspares;

	if (c->votes == NULL) {
		c->spares = util_xcalloc(n, sizeof(*c->spares));
		c->votes = util_xcalloc(n, sizeof(*c->votes));
	}
	c->nvotes = n;
	for (i = 0; i < n; i++) {
		c->spares[i].name = cfg->spares[i].name;
		c->spares[i].url = cfg->spares[i].url;
	}
	if (cfg->quorum.secret_file == NULL)
		snprintf(err, sizeof(err), "no [quorum] secret_file");
	if (cfg->quorum.secret_file == NULL ||
	    vote_secret_load(cfg->quorum.secret_file, &secret, err,
	    sizeof(err)) == -1) {
		log_warnx("quorum: cannot load the shared secret: %s; every"
		    " spare abstains", err);
		for (i = 0; i < n; i++) {
			memset(&c->votes[i], 0, sizeof(c->votes[i]));
			c->votes[i].spare = &c->spares[i];
			c->votes[i].reason = VOTE_INTERNAL_ERROR;
			vote_detail(&c->votes[i], "cannot load the shared"
			    " secret: %s", err);
		}
	} else {
		(void)vote_client_ask(secret, cfg->agent.name, c->spares, n,
		    cfg->quorum.timeout_ms, c->votes);
		vote_secret_free(secret);	/* wipes */
		secret = NULL;
	}
	for (i = 0; i < n; i++)
		cycle_log_vote(&c->votes[i]);

	c->in.quorum = quorum_tally(c->votes, n, cfg->quorum.need,
	    cfg->quorum.max_up, cfg->quorum.need_down);
	c->in.votes_down = quorum_down_votes(c->votes, n);
	quorum_count(c->votes, n, &qc);
	if (c->plan.votes_for_failback) {
		cycle_failback_tally(c, &qc);
		return;
	}
	log_info("quorum: %d of %zu spare%s answered (%d up, %d down, %d"
	    " unknown; need %d, max_up %d): %s", qc.valid, n, n == 1 ? "" :
	    "s", qc.up, qc.down, qc.unknown, cfg->quorum.need,
	    cfg->quorum.max_up, quorum_result_str(c->in.quorum));
}

/*
 * Ask decide() until it needs nothing more (at most DNS, the failback
 * safety, then votes).
 */
static int
cycle_decide(struct cycle *c)
{
	int	round;

	for (round = 0; round < 4; round++) {
		decide(&c->prev, &c->params, &c->in, &c->plan);
		switch (c->plan.need) {
		case NEED_NOTHING:
			return 0;
		case NEED_DNS:
			c->in.dns = cycle_read_dns(c) == 0 ? c->view.overall :
			    DNS_HOLDS_UNREADABLE;
			break;
		case NEED_VOTES:
			if (c->cfg->nspares == 0) {
				/* decide() asks only when spares exist. */
				c->in.quorum = QUORUM_NOT_CONFIGURED;
				break;
			}
			cycle_ask_spares(c);
			break;
		case NEED_FAILBACK_SAFETY:
			c->in.failback_safety = cycle_failback_safety(c);
			break;
		}
	}
	log_warnx("internal: the decision engine kept asking for input");
	return -1;
}

static void
cycle_log_checks(struct cycle *c)
{
	size_t	i;

	for (i = 0; i < c->cfg->nchecks; i++)
		log_debug("check %s: %s%s%s (%lld ms)", c->checks[i].check->name,
		    check_outcome_str(c->checks[i].outcome),
		    c->checks[i].detail[0] ? ": " : "", c->checks[i].detail,
		    (long long)c->checks[i].elapsed_ms);
}

/*
 * [dns] canary (failover-agent(8), DNS UPDATES, The canary): at most once per
 * canary interval, in a cycle
 * that moves no record (a move proves more than a canary), a signed
 * UPDATE that changes nothing, recorded as a "canary" action: status
 * shows the last one, history each.  A refused canary makes the cycle exit
 * 1, like any failed action, and changes nothing else.
 */
static void
cycle_run_canary(struct cycle *c, struct state_db *db)
{
	const struct config	*cfg = c->cfg;
	struct action_log	*a;
	char			 msg[512], err[256];
	int64_t			 last = 0, now = util_wall_ms() / 1000;
	int			 rc;

	if (cfg->dns.canary_ms <= 0 || c->request != REQUEST_CYCLE ||
	    db == NULL || cycle_plan_moves_dns(c))
		return;
	rc = state_last_action_at(db, "canary", &last, err, sizeof(err));
	if (rc == -1) {
		log_warnx("%s", err);
		return;
	}
	if (rc == 0 && (now - last) * 1000 < cfg->dns.canary_ms)
		return;
	rc = dnsupdate_canary(cfg, msg, sizeof(msg));
	if (rc == 1) {
		log_debug("canary: %s", msg);	/* the method has none */
		return;
	}
	a = cycle_action_add(c, "canary", "dns", rc == 0 ?
	    ACTION_RESULT_OK : ACTION_RESULT_FAILED);
	action_detail(a, "%s", msg);
	if (rc == 0)
		log_info("canary: %s", msg);
	else {
		log_warnx("canary: %s", msg);
		c->canary_failed = true;
	}
}

/*
 * [quorum] canary (issue 17): in a cycle that does not ask the spares, ask
 * at most one, the one asked longest ago, and only once it has not been
 * asked for [quorum] canary, for a real signed vote: a wrong vote.key or a
 * spare that cannot verify shows now, not on the day of the outage.  One
 * "quorum canary" action, target the spare's name; status --nagios warns
 * on a failed one.  The vote itself counts for nothing.
 */
static void
cycle_run_quorum_canary(struct cycle *c, struct state_db *db)
{
	const struct config	*cfg = c->cfg;
	struct vote_secret	*secret = NULL;
	struct vote_spare	 sp;
	struct vote_result	 r;
	struct action_log	*a;
	char			 err[512], what[400];
	int64_t			 at, oldest = -1, now = util_wall_ms() / 1000;
	size_t			 i, pick = 0;

	if (cfg->quorum.canary_ms <= 0 || !cfg->has_quorum ||
	    cfg->nspares == 0 || cfg->quorum.secret_file == NULL ||
	    c->request != REQUEST_CYCLE || c->nvotes > 0 || db == NULL)
		return;
	for (i = 0; i < cfg->nspares; i++) {
		if (state_spare_last_asked(db, cfg->spares[i].name, &at, err,
		    sizeof(err)) == -1) {
			log_warnx("%s", err);
			return;
		}
		if (oldest == -1 || at < oldest) {
			oldest = at;
			pick = i;
		}
	}
	if ((now - oldest) * 1000 < cfg->quorum.canary_ms)
		return;
	sp.name = cfg->spares[pick].name;
	sp.url = cfg->spares[pick].url;
	memset(&r, 0, sizeof(r));
	if (vote_secret_load(cfg->quorum.secret_file, &secret, err,
	    sizeof(err)) == -1) {
		r.reason = VOTE_INTERNAL_ERROR;
		vote_detail(&r, "cannot load the shared secret: %s", err);
	} else {
		(void)vote_client_ask(secret, cfg->agent.name, &sp, 1,
		    cfg->quorum.timeout_ms, &r);
		vote_secret_free(secret);	/* wipes */
	}
	cmd_vote_describe(&r, what, sizeof(what));
	a = cycle_action_add(c, "quorum canary", cfg->spares[pick].name,
	    r.reason == VOTE_VALID ? ACTION_RESULT_OK : ACTION_RESULT_FAILED);
	action_detail(a, "%s", what);
	if (r.reason == VOTE_VALID)
		log_info("quorum canary: spare %s: %s", sp.name, what);
	else
		log_warnx("quorum canary: spare %s (%s): %s", sp.name, sp.url,
		    what);
}

/*
 * ---- issue 18 item 5 (branch partial): stale secondaries ----
 * verify = all, in a cycle of a site that was and stays STANDBY and moves
 * no record: every nameserver of every zone against the master's serial
 * (dnsupdate_check_secondaries()).  One "dns stale" action (failed) per
 * nameserver still behind, which `status` lists as stale_nameservers and
 * which makes the cycle exit 1 like a lagging nameserver after a move.
 */
static void
cycle_check_secondaries(struct cycle *c)
{
	struct dns_secondaries	 sec;
	struct action_log	*a;
	size_t			 i;

	if (c->cfg->dns.verify != DNS_VERIFY_ALL ||
	    c->request != REQUEST_CYCLE || c->prev.state != SITE_STANDBY)
		return;
	if (cycle_plan_moves_dns(c))
		return;
	if (dnsupdate_check_secondaries(c->cfg, &sec) == -1)
		log_debug("stale secondaries: not every zone checked: %s",
		    sec.error);
	for (i = 0; i < sec.n; i++) {
		a = cycle_action_add(c, "dns stale", sec.stale[i].zone->name,
		    ACTION_RESULT_FAILED);
		action_detail(a, "%s", sec.stale[i].detail);
		log_warnx("dns stale %s: %s", sec.stale[i].zone->name,
		    sec.stale[i].detail);
		c->dns_lagging = true;
	}
	dns_secondaries_free(&sec);
}

/*
 * ---- issue 18 item 4 (branch partial): layouts that cannot fail over ----
 * Once an hour (the first cycle too), in a cycle that moves no record:
 * dnsupdate_layout_check(), recorded as "dns layout" actions (one failed
 * row per warning, or one ok row), which `status` and Nagios read from the
 * store as layout_warnings without asking DNS themselves.  A warning does
 * not change the exit status: it is the config, not this cycle.
 */
#define CYCLE_LAYOUT_EVERY_S	3600

static void
cycle_check_layout(struct cycle *c, struct state_db *db)
{
	struct dns_layout	 lay;
	struct action_log	*a;
	char			 err[256];
	int64_t			 last = 0, now = util_wall_ms() / 1000;
	size_t			 i;
	int			 rc;

	if (db == NULL || c->request != REQUEST_CYCLE ||
	    c->cfg->agent.role != ROLE_BACKUP)
		return;
	if (cycle_plan_moves_dns(c))
		return;
	rc = state_last_action_at(db, "dns layout", &last, err, sizeof(err));
	if (rc == -1) {
		log_warnx("%s", err);
		return;
	}
	if (rc == 0 && now - last < CYCLE_LAYOUT_EVERY_S)
		return;
	dnsupdate_layout_check(c->cfg, &lay);
	if (lay.n == 0) {
		a = cycle_action_add(c, "dns layout", "dns", ACTION_RESULT_OK);
		action_detail(a, "no DNS master or NS set at the primary's "
		    "addresses");
	}
	for (i = 0; i < lay.n; i++) {
		a = cycle_action_add(c, "dns layout", "dns",
		    ACTION_RESULT_FAILED);
		action_detail(a, "%s", lay.warning[i]);
		log_warnx("this layout cannot fail over: %s", lay.warning[i]);
	}
}

static int
cycle_exit_code(const struct cycle *c, enum cycle_outcome oc)
{
	/*
	 * A failed probe makes a cycle exit 1 (failover-agent(8), EXIT STATUS),
	 * but not a manual
	 * failover/failback that did what was asked: failing over by hand
	 * during an outage is the usual case, and must read as success.
	 */
	if (c->report.failed || c->dns_lagging || c->canary_failed ||
	    (c->nfailed > 0 && c->request == REQUEST_CYCLE))
		return FA_EXIT_RUNTIME;
	switch (oc) {
	case OUTCOME_ERROR:
	case OUTCOME_CONFLICT:
	case OUTCOME_REFUSED:
	case OUTCOME_ISOLATED:
	case OUTCOME_PARTITION:
		return FA_EXIT_RUNTIME;
	case OUTCOME_UNSAFE:
		/* A refused `failback` failed; a cycle waiting for a person
		 * did its job (status shows a WARNING). */
		return c->request == REQUEST_CYCLE ? FA_EXIT_OK :
		    FA_EXIT_RUNTIME;
	default:
		return FA_EXIT_OK;
	}
}

/* The records as seen, in the shape the store wants. */
static struct record_seen *
cycle_records_seen(struct cycle *c, char (**addrbuf)[512], size_t *n)
{
	struct record_seen	*seen;
	size_t			 i;

	*n = 0;
	*addrbuf = NULL;
	if (!c->have_view || c->view.n == 0)
		return NULL;
	seen = util_xcalloc(c->view.n, sizeof(*seen));
	*addrbuf = util_xcalloc(c->view.n, sizeof(**addrbuf));
	for (i = 0; i < c->view.n; i++) {
		addrset_format(&c->view.rec[i].addrs, (*addrbuf)[i],
		    sizeof((*addrbuf)[i]), "");
		seen[i].zone = c->view.rec[i].zone->name;
		seen[i].owner = c->view.rec[i].owner;
		seen[i].addrs = (*addrbuf)[i];
		seen[i].holds = dns_record_holds_str(&c->view.rec[i]);
	}
	*n = c->view.n;
	return seen;
}


/* How the reconciled state came about, for its transition. */
static void
cycle_recon_reason(const struct cycle *c, char *buf, size_t len)
{
	char	when[64];

	if (c->plan.interrupted) {
		util_time_format(c->found.opened_at, when, sizeof(when));
		snprintf(buf, len, "the last cycle was interrupted during a %s"
		    " (%s, started %s): the records hold %s",
		    c->found.to_backup ? "failover" : "failback",
		    c->found.kind, when, dns_holds_str(c->in.dns));
	} else if (c->in.dns_drift && c->prev.state != SITE_UNKNOWN &&
	    c->prev.state != SITE_FAILED)
		snprintf(buf, len, "a zone's serial moved since the last cycle:"
		    " the records hold %s", dns_holds_str(c->in.dns));
	else
		snprintf(buf, len, "reconciled from DNS: the records hold %s",
		    dns_holds_str(c->in.dns));
}

/*
 * How this cycle's transaction closes the open intents: NULL leaves them
 * open (the outcome of a change is unknown, or an interrupted move could
 * not be checked against DNS), so the next cycle reads DNS first.
 */
static const char *
cycle_intent_close(const struct cycle *c, const struct decide_state *next)
{
	if (c->intent_opened) {
		if (next->state == SITE_FAILED && c->report.dns_maybe_changed &&
		    !c->report.dns_changed)
			return NULL;
		return c->report.failed ? "failed" : "completed";
	}
	if (c->have_found)
		return c->plan.interrupted ? "reconciled" : NULL;
	return NULL;
}

/* The serials to store: those read, each zone once. */
static size_t
cycle_serials_list(const struct cycle *c, struct zone_serial **out)
{
	size_t	i, n = 0;

	*out = NULL;
	if (!c->have_serials || c->cfg->nzones == 0)
		return 0;
	*out = util_xcalloc(c->cfg->nzones, sizeof(**out));
	for (i = 0; i < c->cfg->nzones; i++) {
		if (!c->serials[i].have)
			continue;
		(*out)[n].zone = c->cfg->zones[i].name;
		(*out)[n].serial = c->serials[i].serial;
		n++;
	}
	return n;
}

/*
 * The final transaction failed (a full disk, an I/O error): loud, because
 * DNS may have moved while the store still says otherwise.  The intent
 * stays open, so the next cycle reads DNS before it decides.
 */
static void
cycle_write_failed(const struct cycle *c, const char *err)
{
	if (c->report.dns_changed || c->report.dns_maybe_changed)
		log_person("recording the cycle failed: %s; DNS changed and the"
		    " store did not: the next cycle reconciles from DNS (the"
		    " move's intent stays open)", err);
	else if (c->intent_opened)
		log_person("recording the cycle failed: %s; a move was under"
		    " way: the next cycle reconciles from DNS (the move's intent"
		    " stays open)", err);
	else
		log_person("recording the cycle failed: %s; nothing of this"
		    " cycle is stored", err);
}

static int
cycle_record(struct cycle *c, struct state_db *db, int64_t started_at,
    int64_t started_mono, const struct decide_state *next,
    enum cycle_outcome oc, const char *reason, int exit_code)
{
	struct transition_record	 tr[2];
	char				*bodies[2] = { NULL, NULL };
	struct action_record		*acts = NULL;
	struct check_record		*checks = NULL;
	struct vote_record		*votes = NULL;
	struct record_seen		*seen;
	struct zone_serial		*zs = NULL;
	struct cycle_record		 rec;
	char				 recon_reason[384];
	char				 (*addrbuf)[512];
	char				 err[256];
	size_t				 i, ntr = 0, nseen;
	int				 rc;

	if (c->plan.reconciled != c->prev.state || c->plan.interrupted) {
		cycle_recon_reason(c, recon_reason, sizeof(recon_reason));
		tr[ntr].at = started_at;
		tr[ntr].from = c->prev.state;
		tr[ntr].to = c->plan.reconciled;
		tr[ntr].reason = recon_reason;
		ntr++;
	}
	if (next->state != c->plan.reconciled) {
		tr[ntr].at = util_wall_ms() / 1000;
		tr[ntr].from = c->plan.reconciled;
		tr[ntr].to = next->state;
		tr[ntr].reason = reason;
		ntr++;
	}
	/* Queued with the transitions, sent after the transaction. */
	for (i = 0; c->cfg->hooks.notify != NULL && i < ntr; i++)
		if ((bodies[i] = notify_body(c->cfg, c->cycle_id, tr[i].at,
		    tr[i].from, tr[i].to, tr[i].reason, i == 0 &&
		    c->plan.reconciled != c->prev.state)) == NULL)
			fatalx("notify: out of memory");
	if (c->nactions > 0) {
		acts = util_xcalloc(c->nactions, sizeof(*acts));
		for (i = 0; i < c->nactions; i++) {
			acts[i] = c->actions[i].rec;
			acts[i].detail = c->actions[i].detail;
		}
	}
	if (c->cfg->nchecks > 0) {
		checks = util_xcalloc(c->cfg->nchecks, sizeof(*checks));
		for (i = 0; i < c->cfg->nchecks; i++) {
			checks[i].name = c->checks[i].check->name;
			checks[i].type = check_type_str(
			    c->checks[i].check->type);
			checks[i].outcome = c->checks[i].outcome;
			checks[i].detail = c->checks[i].detail;
			checks[i].elapsed_ms = c->checks[i].elapsed_ms;
		}
	}
	seen = cycle_records_seen(c, &addrbuf, &nseen);
	if (c->nvotes > 0) {
		votes = util_xcalloc(c->nvotes, sizeof(*votes));
		for (i = 0; i < c->nvotes; i++) {
			const struct vote_result *r = &c->votes[i];

			votes[i].spare = r->spare->name;
			votes[i].url = r->spare->url;
			votes[i].reason = r->reason;
			votes[i].voter = r->vote.voter;
			votes[i].verdict = r->vote.verdict;
			votes[i].checked_at = r->vote.checked_at;
			votes[i].detail = r->detail;
			votes[i].elapsed_ms = r->elapsed_ms;
		}
	}

	memset(&rec, 0, sizeof(rec));
	rec.kind = request_kind(c->request);
	rec.started_at = started_at;
	rec.duration_ms = util_mono_ms() - started_mono;
	rec.outcome = oc;
	rec.status = next->status;
	rec.state_before = c->prev.state;
	rec.state_after = next->state;
	rec.message = reason;
	rec.exit_code = exit_code;
	rec.nchecks = c->cfg->nchecks;
	rec.checks = checks;
	rec.ntransitions = ntr;
	rec.transitions = tr;
	rec.nactions = c->nactions;
	rec.actions = acts;
	rec.nrecords = nseen;
	rec.records = seen;
	rec.quorum = c->in.quorum;
	rec.nvotes = c->nvotes;
	rec.votes = votes;
	rec.notify_bodies = (const char *const *)bodies;
	rec.intent_close = cycle_intent_close(c, next);
	if (c->intent_opened)
		cycle_test_pause("record");
	rec.nserials = cycle_serials_list(c, &zs);
	rec.serials = zs;
	rec.have_conditions = true;
	rec.nconditions = c->nconds;
	rec.conditions = c->conds;
	rc = state_record_cycle(db, &rec, next, err, sizeof(err));
	if (rc == -1)
		cycle_write_failed(c, err);
	free(zs);
	free(acts);
	free(checks);
	free(seen);
	free(addrbuf);
	free(votes);
	free(bodies[0]);
	free(bodies[1]);
	return rc;
}

/*
 * [agent] history_keep, after the cycle's transaction: the oldest cycles
 * first, at most CYCLE_PRUNE_MAX a cycle, so a database that has never
 * been pruned catches up over a few cycles instead of holding one up.
 */
#define CYCLE_PRUNE_MAX	1000

static void
cycle_prune(const struct config *cfg, struct state_db *db)
{
	char	err[512], keep[32];
	int	n;

	if (cfg->agent.history_keep_ms <= 0)
		return;
	if (state_prune(db, util_wall_ms() / 1000 -
	    cfg->agent.history_keep_ms / 1000, CYCLE_PRUNE_MAX, &n, err,
	    sizeof(err)) == -1) {
		log_warnx("history_keep: %s", err);
		return;
	}
	util_duration_format(cfg->agent.history_keep_ms, keep, sizeof(keep));
	if (n > 0)
		log_debug("history_keep %s: pruned %d cycle%s", keep, n,
		    n == 1 ? "" : "s");
}


static void __attribute__((format(printf, 3, 4)))
cycle_cond_add(struct cycle *c, const char *name, const char *fmt, ...)
{
	va_list	ap;

	if (c->nconds == CYCLE_CONDS_MAX)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(c->cond_detail[c->nconds],
	    sizeof(c->cond_detail[c->nconds]), fmt, ap);
	va_end(ap);
	c->conds[c->nconds].name = name;
	c->conds[c->nconds].detail = c->cond_detail[c->nconds];
	c->conds[c->nconds].since = 0;
	c->nconds++;
}

/* A DNS action or canary refused for the key (BADSIG, BADKEY, BADTIME). */
static const char *
cycle_key_refused(const struct cycle *c)
{
	size_t	i;

	for (i = 0; i < c->nactions; i++) {
		const struct action_log *a = &c->actions[i];

		if (a->rec.result != ACTION_RESULT_FAILED)
			continue;
		if (strcasestr(a->detail, "badsig") != NULL ||
		    strcasestr(a->detail, "badkey") != NULL ||
		    strcasestr(a->detail, "badtime") != NULL)
			return a->detail;
	}
	return NULL;
}

/*
 * What needs a person after this cycle (issue 10 item 8).  Each is told
 * on stderr (cron mails it) when it starts and when it clears, never once
 * a cycle: a broken key must not mail every minute.
 */
static void
cycle_conditions(struct cycle *c, const struct decide_state *next,
    enum cycle_outcome oc, const char *msg)
{
	const char	*key;
	char		 when[64];

	if ((key = cycle_key_refused(c)) != NULL)
		cycle_cond_add(c, "dns-key", "the DNS server refuses our key or"
		    " clock: %s", key);
	if (oc == OUTCOME_CONFLICT)
		cycle_cond_add(c, "conflict", "DNS conflict: %s", msg);
	if (next->state == SITE_FAILED && oc != OUTCOME_CONFLICT)
		cycle_cond_add(c, "failed", "state FAILED: %s", msg);
	if (c->dns_lagging)
		cycle_cond_add(c, "lagging", "a nameserver did not serve the"
		    " last change in time (status names it)");
	if (oc == OUTCOME_UNSAFE)
		cycle_cond_add(c, "failback-refused", "failback refused: %s",
		    msg);
	if (oc == OUTCOME_UNCONFIRMED)
		cycle_cond_add(c, "unconfirmed", "the primary is at FAIL and no"
		    " spare confirms it: %s", msg);
	if (c->have_found) {
		util_time_format(c->found.opened_at, when, sizeof(when));
		cycle_cond_add(c, "interrupted", "a %s started %s was"
		    " interrupted before it was recorded%s",
		    c->found.to_backup ? "failover" : "failback", when,
		    c->plan.interrupted ? "; reconciled from DNS" :
		    "; DNS cannot be read yet");
	}
}

/* Say what started and what cleared since the stored conditions. */
static void
cycle_conditions_announce(struct cycle *c)
{
	struct condition	*old = NULL;
	size_t			 nold = 0, i, j;
	char			 err[256];

	if (state_conditions_load(c->db, &old, &nold, err,
	    sizeof(err)) == -1) {
		log_warnx("%s", err);
		return;
	}
	for (i = 0; i < c->nconds; i++) {
		for (j = 0; j < nold; j++)
			if (strcmp(old[j].name, c->conds[i].name) == 0)
				break;
		if (j < nold)
			c->conds[i].since = old[j].since;
		else
			log_person("needs attention: %s", c->conds[i].detail);
	}
	for (j = 0; j < nold; j++) {
		for (i = 0; i < c->nconds; i++)
			if (strcmp(old[j].name, c->conds[i].name) == 0)
				break;
		if (i == c->nconds)
			log_person("cleared: %s", old[j].detail);
	}
	state_conditions_free(old, nold);
}

/* The probes' companion: each zone's serial, read at the same time. */
static void *
cycle_serials_thread(void *arg)
{
	struct cycle	*c = arg;

	(void)dns_serials_read(c->cfg, c->serials);
	return NULL;
}

/* Has a zone's serial moved since the last cycle stored it? */
static bool
cycle_drift(struct cycle *c)
{
	char		err[256];
	uint32_t	old;
	size_t		i;
	bool		moved = false;
	int		rc;

	for (i = 0; i < c->cfg->nzones; i++) {
		if (!c->serials[i].have) {
			log_debug("zone %s: serial not read: %s",
			    c->cfg->zones[i].name, c->serials[i].error);
			continue;
		}
		rc = state_zone_serial_load(c->db, c->cfg->zones[i].name, &old,
		    err, sizeof(err));
		if (rc == -1)
			log_warnx("%s", err);
		if (rc != 0 || old == c->serials[i].serial)
			continue;
		log_info("zone %s: serial %u -> %u since the last cycle:"
		    " reading the records again", c->cfg->zones[i].name, old,
		    c->serials[i].serial);
		moved = true;
	}
	return moved;
}

/*
 * failover-agent(8), Moves that survive interruption: before the first action
 * that changes anything outside the
 * agent, commit the intent in its own transaction.  If it cannot be
 * stored, nothing is done: a move the store cannot know about is the one
 * that would be lost.
 */
static int
cycle_open_intent(struct cycle *c)
{
	struct state_intent	in;
	char			err[512];
	int			rc;

	memset(&in, 0, sizeof(in));
	in.opened_at = c->in.now;
	memcpy(in.boot_id, c->in.boot_id, sizeof(in.boot_id));
	in.boottime_ms = c->in.boottime_ms;
	in.cycle_id = c->cycle_id;
	snprintf(in.kind, sizeof(in.kind), "%s", request_kind(c->request));
	in.to_backup = c->plan.outcome == OUTCOME_FAILOVER;
	in.records = cycle_records_join(c->cfg);
	in.reason = util_xstrdup(c->plan.reason);
	rc = state_intent_open(c->db, &in, err, sizeof(err));
	state_intent_clear(&in);
	if (rc == -1) {
		log_person("not acting: cannot record the intent of this %s: %s",
		    c->plan.outcome == OUTCOME_FAILOVER ? "failover" :
		    "failback", err);
		c->intent_failed = true;
		return -1;
	}
	c->intent_opened = true;
	return 0;
}

/* What the cycle starts from: stored state, an open intent, the clocks. */
static int
cycle_load(struct cycle *c)
{
	char	err[512];
	int	rc;

	util_boot_id(c->in.boot_id, sizeof(c->in.boot_id));
	c->in.boottime_ms = util_boottime_ms();
	if (c->db == NULL)
		return 0;
	if (state_load(c->db, &c->prev, err, sizeof(err)) == -1) {
		log_warnx("%s", err);
		return -1;
	}
	if ((rc = state_intent_load_open(c->db, &c->found, err,
	    sizeof(err))) == -1) {
		log_warnx("%s", err);
		return -1;
	}
	if (rc == 0 && !c->dry_run) {
		c->have_found = true;
		c->in.intent.open = true;
		c->in.intent.to_backup = c->found.to_backup;
		c->in.intent.kind = strcmp(c->found.kind, "failover") == 0 ?
		    REQUEST_FAILOVER : strcmp(c->found.kind, "failback") == 0 ?
		    REQUEST_FAILBACK : REQUEST_CYCLE;
		c->in.intent.opened_at = c->found.opened_at;
		memcpy(c->in.intent.boot_id, c->found.boot_id,
		    sizeof(c->in.intent.boot_id));
		c->in.intent.boottime_ms = c->found.boottime_ms;
		log_warnx("found the intent of a %s started by cycle #%lld that"
		    " did not finish: reading DNS first", c->found.to_backup ?
		    "failover" : "failback", (long long)c->found.cycle_id);
	}
	return 0;
}

/*
 * Probes and the zones' serials at once (issue 10 item 2: drift costs no
 * time of its own while the probes take longer than one SOA query).
 */
static void
cycle_probe(struct cycle *c)
{
	pthread_t	tid;
	bool		started = false;

	c->checks = util_xcalloc(c->cfg->nchecks ? c->cfg->nchecks : 1,
	    sizeof(*c->checks));
	if (c->db != NULL && !c->dry_run && c->cfg->nzones > 0) {
		c->serials = util_xcalloc(c->cfg->nzones, sizeof(*c->serials));
		started = pthread_create(&tid, NULL, cycle_serials_thread,
		    c) == 0;
	}
	c->nfailed = checks_run(c->cfg, c->checks);
	if (started) {
		pthread_join(tid, NULL);
		c->have_serials = true;
		c->in.dns_drift = cycle_drift(c);
	}
	cycle_log_checks(c);
}

/* After a move of ours the serials moved: store the new ones, not drift. */
static void
cycle_serials_after_move(struct cycle *c)
{
	if (!c->have_serials ||
	    (!c->report.dns_changed && !c->report.dns_maybe_changed))
		return;
	(void)dns_serials_read(c->cfg, c->serials);
}

/* The cycle's message: the engine's words, then the first failing step. */
static const char *
cycle_message(struct cycle *c, enum cycle_outcome oc, const char *reason)
{
	const char	*step;

	if (c->report.failed && c->dns_read_failed && !c->report.dns_changed &&
	    !c->report.dns_maybe_changed) {
		/* Issue 18: the cause first; nothing was sent, so say so. */
		snprintf(c->message, sizeof(c->message), "%s; no UPDATE was "
		    "sent, DNS unchanged%s: the %s is tried again next cycle",
		    c->fail_step, strstr(reason, "promoted") != NULL ?
		    ", but the local database was already promoted" : "",
		    c->plan.outcome == OUTCOME_FAILBACK ? "failback" :
		    "failover");
		return c->message;
	}
	if (c->report.failed && c->fail_step[0] != '\0')
		step = c->fail_step;
	else if (oc == OUTCOME_ERROR && !c->report.failed && c->have_view &&
	    c->view.error[0] != '\0')
		step = c->view.error;
	else
		return reason;
	snprintf(c->message, sizeof(c->message), "%s: %s", reason, step);
	return c->message;
}

/* [agent] metrics_file: the status as stored, for Prometheus. */
static void
cycle_metrics(const struct config *cfg, struct state_db *db)
{
	struct site_status	 st;
	char			 err[512];

	if (cfg->agent.metrics_file == NULL || db == NULL)
		return;
	if (state_status_load(db, 0, &st, err, sizeof(err)) == -1)
		log_warnx("metrics_file: %s", err);
	else if (metrics_write(cfg, &st, err, sizeof(err)) == -1)
		log_warnx("metrics_file: %s", err);
	state_status_free(&st);
}

static void
cycle_log_outcome(const struct cycle *c, const struct decide_state *next,
    enum cycle_outcome oc, const char *reason, int exit_code)
{
	if (next->state != c->prev.state)
		log_info("state %s -> %s: %s", site_state_str(c->prev.state),
		    site_state_str(next->state), reason);
	if (oc == OUTCOME_NOOP && exit_code == FA_EXIT_OK)
		log_debug("primary %s, state %s: %s",
		    primary_status_str(next->status),
		    site_state_str(next->state), reason);
	else if (exit_code == FA_EXIT_OK)
		log_info("%s: primary %s, state %s: %s", cycle_outcome_str(oc),
		    primary_status_str(next->status),
		    site_state_str(next->state), reason);
	else
		log_warnx("%s: primary %s (%d failed check%s), state %s: %s",
		    cycle_outcome_str(oc), primary_status_str(next->status),
		    c->nfailed, c->nfailed == 1 ? "" : "s",
		    site_state_str(next->state), reason);
	if (c->request != REQUEST_CYCLE)
		printf("%s: %s (state %s)\n", cycle_outcome_str(oc), reason,
		    site_state_str(next->state));
}

int
cycle_execute(const struct config *cfg, enum decide_request request,
    bool force, bool dry_run)
{
	struct state_db		*db = NULL;
	char			 err[512];
	int			 lockfd = -1, rc, exit_code = FA_EXIT_RUNTIME;

	if (!dry_run) {
		rc = state_lock_acquire(cfg->agent.state_db, &lockfd, err,
		    sizeof(err));
		if (rc == 1) {
			/* Through the log: syslog under cron, so no mail. */
			log_warnx("%s; not starting another", err);
			exit_code = FA_EXIT_LOCKED;
			goto done;
		}
		if (rc == -1) {
			log_warnx("%s", err);
			goto done;
		}
	}
	if (state_open(cfg->agent.state_db, dry_run, &db, err,
	    sizeof(err)) == -1) {
		if (!dry_run) {
			log_warnx("%s", err);
			goto done;
		}
		db = NULL;	/* a dry run before the first cycle */
	}
	exit_code = cycle_execute_locked(cfg, db, request, force, dry_run);
done:
	if (db != NULL)
		state_close(db);
	if (lockfd != -1)
		state_lock_release(lockfd);
	return exit_code;
}

int
cycle_execute_locked(const struct config *cfg, struct state_db *db,
    enum decide_request request, bool force, bool dry_run)
{
	struct cycle		 c;
	struct decide_state	 next;
	enum cycle_outcome	 oc;
	const char		*reason;
	char			 err[512], unsafe[1400], conflict[600];
	int64_t			 started_at = util_wall_ms() / 1000;
	int64_t			 started_mono = util_mono_ms();
	int			 exit_code = FA_EXIT_RUNTIME;

	memset(&c, 0, sizeof(c));
	c.cfg = cfg;
	c.db = db;
	c.request = request;
	c.dry_run = dry_run;
	cycle_params(cfg, &c.params);

	if (cycle_load(&c) == -1)
		goto done;
	if (db != NULL && !dry_run && state_next_cycle_id(db, &c.cycle_id, err,
	    sizeof(err)) == -1)
		log_warnx("%s", err);	/* only FA_CYCLE_ID goes without */

	cycle_probe(&c);
	c.in.now = started_at;
	c.in.request = request;
	c.in.force = force;
	c.in.probes_ok = c.nfailed == 0;
	if (cycle_decide(&c) == -1)
		goto done;

	if (dry_run) {
		cycle_print_plan(&c);
		exit_code = FA_EXIT_OK;
		goto done;
	}

	if (c.plan.nactions > 0 && db != NULL &&
	    cycle_open_intent(&c) == 0) {
		cycle_test_pause("intent");
		cycle_run_actions(&c);
	}
	else if (c.plan.nactions > 0) {
		c.report.failed = true;	/* nothing done: stay where we are */
		c.intent_failed = true;
	}
	cycle_serials_after_move(&c);
	cycle_run_canary(&c, db);
	cycle_run_quorum_canary(&c, db);
	/* issue 18 items 4 and 5 (branch partial): after the actions. */
	cycle_check_layout(&c, db);
	cycle_check_secondaries(&c);
	decide_settle(&c.prev, &c.in, &c.plan, &c.report, &next, &oc, &reason);
	if (c.intent_failed)
		reason = "cannot record the move's intent in the state database: not acting";
	exit_code = cycle_exit_code(&c, oc);
	/* issue 10 item 7 (branch partial): name exactly what differs. */
	if (oc == OUTCOME_CONFLICT && c.have_view &&
	    c.view.conflict[0] != '\0') {
		snprintf(conflict, sizeof(conflict), "conflict: %s; left "
		    "alone: fix the record or the config", c.view.conflict);
		reason = conflict;
	} else if (oc == OUTCOME_UNSAFE && c.safety_msg[0] != '\0') {
		/* Say which transactions: the message is what people read. */
		snprintf(unsafe, sizeof(unsafe), "%s: %s", reason,
		    c.safety_msg);
		reason = unsafe;
	} else
		reason = cycle_message(&c, oc, reason);
	cycle_log_outcome(&c, &next, oc, reason, exit_code);
	if (db != NULL) {
		cycle_conditions(&c, &next, oc, reason);
		cycle_conditions_announce(&c);
	}

	/* A person asked: say how to overrule the spares (issue 17). */
	if (request == REQUEST_FAILOVER && !force && (oc == OUTCOME_PARTITION ||
	    oc == OUTCOME_ISOLATED || oc == OUTCOME_UNCONFIRMED))
		printf("failover --force skips the spares' vote: use it only "
		    "when you know the primary is down for its users\n");

	if (cycle_record(&c, db, started_at, started_mono, &next, oc, reason,
	    exit_code) == -1) {
		exit_code = FA_EXIT_RUNTIME;
		goto done;
	}
	/* The cycle is stored: now what may wait or fail on its own. */
	cycle_prune(cfg, db);
	(void)notify_deliver(cfg, db);
	cycle_metrics(cfg, db);

done:
	if (c.have_view)
		dns_view_free(&c.view);
	state_intent_clear(&c.found);
	free(c.serials);
	free(c.actions);
	free(c.checks);
	free(c.votes);
	free(c.spares);
	return exit_code;
}
