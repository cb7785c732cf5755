/*
 * cycle.c: one cycle, end to end (SPEC §1): lock, load state, probe, decide,
 * act, record.  This is the only place where the pure engine (decide.c)
 * meets the world: it reads DNS or asks the spares when the engine needs to
 * know, runs the actions the engine planned, in order, stopping at the first
 * failure, and stores what really happened in one transaction.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "cmd.h"
#include "config.h"
#include "decide.h"
#include "log.h"
#include "mysql_local.h"
#include "notify.h"
#include "spawn.h"
#include "util.h"
#include "dnsupdate/dnsupdate.h"
#include "quorum/quorum.h"
#include "state/state.h"

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

static void
records_list(const struct config *cfg, char *buf, size_t len)
{
	size_t	 z, r, used = 0;
	int	 n;

	buf[0] = '\0';
	for (z = 0; z < cfg->nzones; z++)
		for (r = 0; r < cfg->zones[z].nrecords; r++) {
			n = snprintf(buf + used, len - used, "%s%s",
			    used ? " " : "", cfg->zones[z].records[r]);
			if (n < 0 || (size_t)n >= len - used)
				return;
			used += n;
		}
}

/*
 * Run one hook with a clean environment describing the event.  A hook that
 * is not configured is not an action.  Returns 0 or -1 (the hook failed or
 * could not run).
 */
static int
cycle_run_hook(struct cycle *c, enum action_kind k)
{
	const char		*path = hook_path(c->cfg, k);
	char			 ev[64], from[64], to[64], site[128], prim[600],
				 back[600], recs[4096], why[600], ro[32], id[48];
	char			*env[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin",
				    ev, from, to, site, prim, back, recs, why, ro,
				    id, NULL };
	char			*argv[] = { NULL, NULL };
	char			 addrs[512], rl[3800];
	struct spawn_result	 res;
	struct action_log	*a;
	int			 rc;

	if (path == NULL)
		return 0;
	snprintf(ev, sizeof(ev), "FA_EVENT=%s", hook_event(k));
	snprintf(from, sizeof(from), "FA_STATE_FROM=%s",
	    site_state_str(c->plan.reconciled));
	snprintf(to, sizeof(to), "FA_STATE_TO=%s",
	    site_state_str(c->plan.next.state));
	snprintf(site, sizeof(site), "FA_SITE=%s", c->cfg->agent.name);
	config_addrset_format(&c->cfg->primary, addrs, sizeof(addrs));
	snprintf(prim, sizeof(prim), "FA_PRIMARY_ADDRESSES=%s", addrs);
	config_addrset_format(&c->cfg->backup, addrs, sizeof(addrs));
	snprintf(back, sizeof(back), "FA_BACKUP_ADDRESSES=%s", addrs);
	records_list(c->cfg, rl, sizeof(rl));
	snprintf(recs, sizeof(recs), "FA_RECORDS=%s", rl);
	snprintf(why, sizeof(why), "FA_REASON=%s", c->plan.reason);
	/* The seeds' reduced-functionality failover: hide the login box. */
	snprintf(ro, sizeof(ro), "FA_READ_ONLY=%d", c->cfg->has_mysql &&
	    c->cfg->mysql.promote == MYSQL_PROMOTE_READ_ONLY ? 1 : 0);
	/* The cycle's number in history, for the hook's own logs. */
	snprintf(id, sizeof(id), "FA_CYCLE_ID=%lld", (long long)c->cycle_id);
	if (c->cycle_id <= 0)
		env[10] = NULL;
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
 * Repoint every record (SPEC §1 step 5): read what DNS holds now, plan per
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
 * Failback safety (SPEC §6): the backup's GTIDs against the primary's, as
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
		} else if (k == ACTION_MYSQL_PROMOTE || k == ACTION_MYSQL_DEMOTE)
			rc = cycle_run_mysql(c, k);
		else
			rc = cycle_run_hook(c, k);
		if (rc == -1) {
			c->report.failed = true;
			break;
		}
		/* rc 1: DNS moved, a nameserver lags: go on (see above). */
		c->report.ndone++;
	}
}

static void
cycle_print_plan(struct cycle *c)
{
	struct dns_plan	 plan;
	const char	*path;
	int		 i;

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
	for (i = 0; i < c->plan.nactions; i++) {
		enum action_kind k = c->plan.actions[i];

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
		    DNS_TO_BACKUP : DNS_TO_PRIMARY, &c->view, &plan);
		printf("  %s:\n", action_kind_str(k));
		dns_plan_print(&plan, stdout);
		dns_plan_free(&plan);
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
	util_time_format(r->vote.checked_at, when, sizeof(when));
	/* The voter is the name the spare signed; say it when it differs. */
	if (strcmp(r->vote.voter, sp->name) != 0)
		log_info("vote %s (voter %s): %s (checked %s, %lld ms)",
		    sp->name, r->vote.voter, vote_verdict_str(r->vote.verdict),
		    when, (long long)r->elapsed_ms);
	else
		log_info("vote %s: %s (checked %s, %lld ms)", sp->name,
		    vote_verdict_str(r->vote.verdict), when,
		    (long long)r->elapsed_ms);
}

/*
 * Ask every spare at once (SPEC §1 step 4) and give decide() the tally and
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
	    cfg->quorum.max_up);
	c->in.votes_down = quorum_down_votes(c->votes, n);
	quorum_count(c->votes, n, &qc);
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
 * [dns] canary (SPEC §5): at most once per canary interval, in a cycle
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
	int			 i, rc;

	if (cfg->dns.canary_ms <= 0 || c->request != REQUEST_CYCLE ||
	    db == NULL)
		return;
	for (i = 0; i < c->plan.nactions; i++)
		if (c->plan.actions[i] == ACTION_DNS_TO_BACKUP ||
		    c->plan.actions[i] == ACTION_DNS_TO_PRIMARY)
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
	int			 k;

	if (c->cfg->dns.verify != DNS_VERIFY_ALL ||
	    c->request != REQUEST_CYCLE || c->prev.state != SITE_STANDBY)
		return;
	for (k = 0; k < c->plan.nactions; k++)
		if (c->plan.actions[k] == ACTION_DNS_TO_BACKUP ||
		    c->plan.actions[k] == ACTION_DNS_TO_PRIMARY)
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
	int			 k, rc;

	if (db == NULL || c->request != REQUEST_CYCLE ||
	    c->cfg->agent.role != ROLE_BACKUP)
		return;
	for (k = 0; k < c->plan.nactions; k++)
		if (c->plan.actions[k] == ACTION_DNS_TO_BACKUP ||
		    c->plan.actions[k] == ACTION_DNS_TO_PRIMARY)
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
	 * A failed probe makes a cycle exit 1 (SPEC §2), but not a manual
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
		config_addrset_format(&c->view.rec[i].addrs, (*addrbuf)[i],
		    sizeof((*addrbuf)[i]));
		seen[i].zone = c->view.rec[i].zone->name;
		seen[i].owner = c->view.rec[i].owner;
		seen[i].addrs = (*addrbuf)[i];
		seen[i].holds = dns_record_holds_str(&c->view.rec[i]);
	}
	*n = c->view.n;
	return seen;
}

static int
cycle_record(struct cycle *c, struct state_db *db, int64_t started_at,
    int64_t started_mono, const struct decide_state *next,
    enum cycle_outcome oc, const char *reason, int exit_code)
{
	struct transition_record	 tr[2];
	char				*bodies[2] = { NULL, NULL };
	struct action_record		*acts = NULL;
	struct vote_record		*votes = NULL;
	struct record_seen		*seen;
	struct cycle_record		 rec;
	char				 recon_reason[128];
	char				 (*addrbuf)[512];
	char				 err[256];
	size_t				 i, ntr = 0, nseen;
	int				 rc;

	if (c->plan.reconciled != c->prev.state) {
		snprintf(recon_reason, sizeof(recon_reason),
		    "reconciled from DNS: the records hold %s",
		    dns_holds_str(c->in.dns));
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
	rec.checks = c->checks;
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
	rc = state_record_cycle(db, &rec, next, err, sizeof(err));
	if (rc == -1)
		log_warnx("recording the cycle in %s: %s", c->cfg->agent.state_db,
		    err);
	free(acts);
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
	c.request = request;
	c.dry_run = dry_run;
	cycle_params(cfg, &c.params);

	if (db != NULL && state_load(db, &c.prev, err, sizeof(err)) == -1) {
		log_warnx("%s", err);
		goto done;
	}
	if (db != NULL && !dry_run && state_next_cycle_id(db, &c.cycle_id, err,
	    sizeof(err)) == -1)
		log_warnx("%s", err);	/* only FA_CYCLE_ID goes without */

	c.checks = util_xcalloc(cfg->nchecks ? cfg->nchecks : 1,
	    sizeof(*c.checks));
	c.nfailed = checks_run(cfg, c.checks);
	cycle_log_checks(&c);

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

	cycle_run_actions(&c);
	cycle_run_canary(&c, db);
	/* issue 18 items 4 and 5 (branch partial): after the actions. */
	cycle_check_layout(&c, db);
	cycle_check_secondaries(&c);
	decide_settle(&c.prev, &c.in, &c.plan, &c.report, &next, &oc, &reason);
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
	}

	if (next.state != c.prev.state)
		log_info("state %s -> %s: %s", site_state_str(c.prev.state),
		    site_state_str(next.state), reason);
	if (oc == OUTCOME_NOOP && exit_code == FA_EXIT_OK)
		log_debug("primary %s, state %s: %s",
		    primary_status_str(next.status), site_state_str(next.state),
		    reason);
	else if (exit_code == FA_EXIT_OK)
		log_info("%s: primary %s, state %s: %s", cycle_outcome_str(oc),
		    primary_status_str(next.status), site_state_str(next.state),
		    reason);
	else
		log_warnx("%s: primary %s (%d failed check%s), state %s: %s",
		    cycle_outcome_str(oc), primary_status_str(next.status),
		    c.nfailed, c.nfailed == 1 ? "" : "s",
		    site_state_str(next.state), reason);
	if (request != REQUEST_CYCLE)
		printf("%s: %s (state %s)\n", cycle_outcome_str(oc), reason,
		    site_state_str(next.state));

	if (cycle_record(&c, db, started_at, started_mono, &next, oc, reason,
	    exit_code) == -1) {
		exit_code = FA_EXIT_RUNTIME;
		goto done;
	}
	/* The cycle is stored: now what may wait or fail on its own. */
	cycle_prune(cfg, db);
	(void)notify_deliver(cfg, db);

done:
	if (c.have_view)
		dns_view_free(&c.view);
	free(c.actions);
	free(c.checks);
	free(c.votes);
	free(c.spares);
	return exit_code;
}
