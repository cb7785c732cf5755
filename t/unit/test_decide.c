/*
 * test_decide.c: the decision engine as a table.  Each row is one situation
 * a sysadmin could describe ("standby, primary failed its third cycle, the
 * spares agree") and what must happen, including what must NOT happen.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "agent/core/decide.h"
#include "t/unit/tap.h"

#define NOW	1000000

/* The configuration a row runs under: the defaults, or one change. */
enum config {
	DEFAULTS,		/* fail_after = recover_after = 3, failback auto,
				   hold_down 900 s, [quorum] configured */
	FAILBACK_MANUAL,	/* failback = manual */
	NO_QUORUM,		/* no [quorum] */
	FAIL_AFTER_1,		/* fail_after = 1 */
	FAIL_AFTER_2,		/* fail_after = 2 */
	MYSQL_WRITABLE,		/* [mysql] promote = writable, no [quorum] */
	MYSQL_READ_ONLY,	/* [mysql] promote = read-only, no [quorum] */
	MYSQL_WRITABLE_QUORUM,	/* [mysql] promote = writable, [quorum] */
};

static void
params_for(enum config which, struct decide_params *p)
{
	memset(p, 0, sizeof(*p));
	p->fail_after = 3;
	p->recover_after = 3;
	p->failback_auto = true;
	p->hold_down_s = 900;
	p->quorum_configured = true;
	switch (which) {
	case DEFAULTS:
		break;
	case FAILBACK_MANUAL:
		p->failback_auto = false;
		break;
	case NO_QUORUM:
		p->quorum_configured = false;
		break;
	case FAIL_AFTER_1:
		p->fail_after = 1;
		break;
	case FAIL_AFTER_2:
		p->fail_after = 2;
		break;
	case MYSQL_WRITABLE:
	case MYSQL_READ_ONLY:
	case MYSQL_WRITABLE_QUORUM:
		p->quorum_configured = which == MYSQL_WRITABLE_QUORUM;
		p->mysql_configured = true;
		p->mysql_demote = which != MYSQL_READ_ONLY;
		break;
	}
}

/*
 * One situation and what must happen.  A field left out is zero: no
 * streak, never moved, a plain cycle (REQUEST_CYCLE) without --force, DNS
 * not read, the spares not asked, the databases not compared; expected:
 * NEED_NOTHING and no action.
 */
struct row {
	/* before the cycle */
	enum site_state		 was;
	int			 fails, oks;	/* fail_streak, ok_streak */
	bool			 recovering;
	int64_t			 moved_ago;	/* s since the last move, 0: never */
	enum config		 config;
	/* this cycle */
	enum decide_request	 request;
	bool			 force;
	bool			 primary_up;	/* every check passed */
	enum dns_holds		 dns;
	enum quorum_result	 quorum;
	int			 votes_down;
	enum failback_safety	 safety;
	/* expected */
	enum decide_need	 need;
	enum cycle_outcome	 want;
	enum site_state		 next;
	enum primary_status	 status;	/* rows[] only */
	int			 nactions;	/* rows[] only */
	enum action_kind	 moves;		/* the DNS action, if nactions > 0 */
	const char		*actions;	/* mysql_rows[]: action_kind_str()s
						   joined by ",", NULL: none */
	const char		*why;
};

static const struct row rows[] = {
/* Hysteresis on STANDBY: WARN, CRITICAL, then FAIL asks the spares. */
{ .was = SITE_STANDBY, .oks = 10,
  .primary_up = true,
  .want = OUTCOME_NOOP, .next = SITE_STANDBY, .status = PRIMARY_OK,
  .why = "standby, primary OK stays OK, nothing to do" },
{ .was = SITE_STANDBY, .oks = 10,
  .primary_up = false,
  .want = OUTCOME_NOOP, .next = SITE_STANDBY, .status = PRIMARY_WARN,
  .why = "standby, first failed cycle is WARN, no failover" },
{ .was = SITE_STANDBY, .fails = 1, .recovering = true,
  .primary_up = false,
  .want = OUTCOME_NOOP, .next = SITE_STANDBY, .status = PRIMARY_CRITICAL,
  .why = "standby, fail_after-1 failed cycles is CRITICAL, no failover" },
{ .was = SITE_STANDBY, .fails = 2, .recovering = true,
  .primary_up = false,
  .need = NEED_VOTES, .want = OUTCOME_NOOP, .next = SITE_STANDBY, .status = PRIMARY_FAIL,
  .why = "standby, fail_after failed cycles is FAIL and asks for votes" },
{ .was = SITE_STANDBY, .fails = 2, .recovering = true,
  .primary_up = false, .quorum = QUORUM_CONFIRMED,
  .want = OUTCOME_FAILOVER, .next = SITE_ACTIVE, .status = PRIMARY_FAIL,
  .nactions = 3, .moves = ACTION_DNS_TO_BACKUP,
  .why = "standby, FAIL + spares confirm: failover" },
{ .was = SITE_STANDBY, .fails = 5, .recovering = true,
  .primary_up = false, .quorum = QUORUM_ISOLATED,
  .want = OUTCOME_ISOLATED, .next = SITE_STANDBY, .status = PRIMARY_FAIL,
  .why = "standby, FAIL + too few spares: ISOLATED, no failover" },
{ .was = SITE_STANDBY, .fails = 5, .recovering = true,
  .primary_up = false, .quorum = QUORUM_PARTITION,
  .want = OUTCOME_PARTITION, .next = SITE_STANDBY, .status = PRIMARY_FAIL,
  .why = "standby, FAIL + spares see it up: PARTITION, no failover" },
{ .was = SITE_STANDBY, .fails = 2, .recovering = true, .config = NO_QUORUM,
  .primary_up = false,
  .want = OUTCOME_FAILOVER, .next = SITE_ACTIVE, .status = PRIMARY_FAIL,
  .nactions = 3, .moves = ACTION_DNS_TO_BACKUP,
  .why = "standby, FAIL without [quorum]: failover without votes" },
{ .was = SITE_STANDBY, .fails = 2, .recovering = true, .moved_ago = 100, .config = NO_QUORUM,
  .primary_up = false,
  .want = OUTCOME_HELD, .next = SITE_STANDBY, .status = PRIMARY_FAIL,
  .why = "standby, FAIL inside hold_down after a failback: HELD, no failover" },
{ .was = SITE_STANDBY, .fails = 2, .recovering = true, .moved_ago = 900, .config = NO_QUORUM,
  .primary_up = false,
  .want = OUTCOME_FAILOVER, .next = SITE_ACTIVE, .status = PRIMARY_FAIL,
  .nactions = 3, .moves = ACTION_DNS_TO_BACKUP,
  .why = "standby, FAIL once hold_down has passed: failover" },
{ .was = SITE_STANDBY, .oks = 10, .config = FAIL_AFTER_1,
  .primary_up = false,
  .need = NEED_VOTES, .want = OUTCOME_NOOP, .next = SITE_STANDBY, .status = PRIMARY_FAIL,
  .why = "fail_after = 1: the first failed cycle is FAIL" },
{ .was = SITE_STANDBY, .oks = 10, .config = FAIL_AFTER_2,
  .primary_up = false,
  .want = OUTCOME_NOOP, .next = SITE_STANDBY, .status = PRIMARY_CRITICAL,
  .why = "fail_after = 2: the first failed cycle is CRITICAL" },
{ .was = SITE_STANDBY, .fails = 2, .recovering = true,
  .primary_up = true,
  .want = OUTCOME_NOOP, .next = SITE_STANDBY, .status = PRIMARY_INFO,
  .why = "standby, good cycle after failures is INFO" },
{ .was = SITE_STANDBY, .oks = 2, .recovering = true,
  .primary_up = true,
  .want = OUTCOME_NOOP, .next = SITE_STANDBY, .status = PRIMARY_OK,
  .why = "standby, recover_after good cycles make it OK again" },
{ .was = SITE_STANDBY, .oks = 2, .recovering = true,
  .primary_up = false,
  .want = OUTCOME_NOOP, .next = SITE_STANDBY, .status = PRIMARY_WARN,
  .why = "standby, a failure while recovering restarts the count at WARN" },

/* ACTIVE: no failover from ACTIVE, failback only when earned. */
{ .was = SITE_ACTIVE, .fails = 9, .recovering = true, .moved_ago = 2000,
  .primary_up = false,
  .want = OUTCOME_NOOP, .next = SITE_ACTIVE, .status = PRIMARY_FAIL,
  .why = "active, primary still failing: stay, no second failover" },
{ .was = SITE_ACTIVE, .fails = 9, .recovering = true, .moved_ago = 2000,
  .primary_up = true,
  .want = OUTCOME_NOOP, .next = SITE_ACTIVE, .status = PRIMARY_INFO,
  .why = "active, primary good once: INFO, no failback yet" },
{ .was = SITE_ACTIVE, .oks = 2, .recovering = true, .moved_ago = 2000,
  .primary_up = true,
  .need = NEED_VOTES, .want = OUTCOME_NOOP, .next = SITE_ACTIVE, .status = PRIMARY_OK,
  .why = "active, primary OK for recover_after, hold_down passed: ask the spares first" },
{ .was = SITE_ACTIVE, .oks = 2, .recovering = true, .moved_ago = 2000,
  .primary_up = true, .quorum = QUORUM_PARTITION,
  .want = OUTCOME_FAILBACK, .next = SITE_STANDBY, .status = PRIMARY_OK,
  .nactions = 3, .moves = ACTION_DNS_TO_PRIMARY,
  .why = "active, primary OK, no spare sees it down: failback" },
{ .was = SITE_ACTIVE, .oks = 2, .recovering = true, .moved_ago = 2000,
  .primary_up = true, .quorum = QUORUM_ISOLATED,
  .want = OUTCOME_FAILBACK, .next = SITE_STANDBY, .status = PRIMARY_OK,
  .nactions = 3, .moves = ACTION_DNS_TO_PRIMARY,
  .why = "active, primary OK, spares unreachable: failback (no veto)" },
{ .was = SITE_ACTIVE, .oks = 2, .recovering = true, .moved_ago = 2000,
  .primary_up = true, .quorum = QUORUM_CONFIRMED, .votes_down = 1,
  .want = OUTCOME_HELD, .next = SITE_ACTIVE, .status = PRIMARY_OK,
  .why = "active, primary OK to us but a spare sees it down: failback vetoed" },
{ .was = SITE_ACTIVE, .oks = 2, .recovering = true, .moved_ago = 2000, .config = NO_QUORUM,
  .primary_up = true,
  .want = OUTCOME_FAILBACK, .next = SITE_STANDBY, .status = PRIMARY_OK,
  .nactions = 3, .moves = ACTION_DNS_TO_PRIMARY,
  .why = "active, primary OK without [quorum]: failback without votes" },
{ .was = SITE_ACTIVE, .oks = 2, .recovering = true, .moved_ago = 899,
  .primary_up = true,
  .want = OUTCOME_HELD, .next = SITE_ACTIVE, .status = PRIMARY_OK,
  .why = "active, primary OK but inside hold_down: HELD, no failback" },
{ .was = SITE_ACTIVE, .oks = 2, .recovering = true, .moved_ago = 2000, .config = FAILBACK_MANUAL,
  .primary_up = true,
  .want = OUTCOME_WAITING, .next = SITE_ACTIVE, .status = PRIMARY_OK,
  .why = "active, failback = manual: WAITING, no failback" },
{ .was = SITE_ACTIVE, .oks = 2, .recovering = true, .moved_ago = 2000,
  .primary_up = false,
  .want = OUTCOME_NOOP, .next = SITE_ACTIVE, .status = PRIMARY_WARN,
  .why = "active, primary fails one cycle during recovery: no failback" },

/* UNKNOWN: first run reads DNS and never corrects a foreign address. */
{ .was = SITE_UNKNOWN,
  .primary_up = true,
  .need = NEED_DNS, .want = OUTCOME_NOOP, .next = SITE_UNKNOWN, .status = PRIMARY_OK,
  .why = "unknown, first run must read DNS before anything" },
{ .was = SITE_UNKNOWN,
  .primary_up = true, .dns = DNS_HOLDS_PRIMARY,
  .want = OUTCOME_NOOP, .next = SITE_STANDBY, .status = PRIMARY_OK,
  .why = "unknown, DNS at primary: STANDBY" },
{ .was = SITE_UNKNOWN,
  .primary_up = true, .dns = DNS_HOLDS_BACKUP,
  .want = OUTCOME_NOOP, .next = SITE_ACTIVE, .status = PRIMARY_OK,
  .why = "unknown, DNS at backup: ACTIVE, and no immediate failback" },
{ .was = SITE_UNKNOWN,
  .primary_up = false, .dns = DNS_HOLDS_OTHER,
  .want = OUTCOME_CONFLICT, .next = SITE_FAILED, .status = PRIMARY_WARN,
  .why = "unknown, DNS holds a foreign address: FAILED + CONFLICT, no action" },
{ .was = SITE_UNKNOWN,
  .primary_up = true, .dns = DNS_HOLDS_UNREADABLE,
  .want = OUTCOME_ERROR, .next = SITE_UNKNOWN, .status = PRIMARY_OK,
  .why = "unknown, DNS unreadable: stays UNKNOWN, ERROR" },
{ .was = SITE_UNKNOWN, .config = FAIL_AFTER_1,
  .primary_up = false, .dns = DNS_HOLDS_PRIMARY,
  .need = NEED_VOTES, .want = OUTCOME_NOOP, .next = SITE_STANDBY, .status = PRIMARY_FAIL,
  .why = "unknown at primary, primary already at FAIL: votes first" },

/* FAILED: reconcile from what DNS holds. */
{ .was = SITE_FAILED, .oks = 5, .moved_ago = 100,
  .primary_up = true, .dns = DNS_HOLDS_PRIMARY,
  .want = OUTCOME_NOOP, .next = SITE_STANDBY, .status = PRIMARY_OK,
  .why = "failed, DNS now all at primary: STANDBY" },
{ .was = SITE_FAILED, .fails = 5, .recovering = true, .moved_ago = 100,
  .primary_up = false, .dns = DNS_HOLDS_BACKUP,
  .want = OUTCOME_NOOP, .next = SITE_ACTIVE, .status = PRIMARY_FAIL,
  .why = "failed, DNS now all at backup: ACTIVE" },
{ .was = SITE_FAILED, .fails = 5, .recovering = true, .moved_ago = 100,
  .primary_up = false, .dns = DNS_HOLDS_MIXED, .quorum = QUORUM_CONFIRMED,
  .want = OUTCOME_FAILOVER, .next = SITE_ACTIVE, .status = PRIMARY_FAIL,
  .nactions = 3, .moves = ACTION_DNS_TO_BACKUP,
  .why = "failed, split DNS, primary at FAIL, spares agree: finish failover (no hold_down)" },
{ .was = SITE_FAILED, .fails = 5, .recovering = true, .moved_ago = 100,
  .primary_up = false, .dns = DNS_HOLDS_MIXED,
  .need = NEED_VOTES, .want = OUTCOME_NOOP, .next = SITE_FAILED, .status = PRIMARY_FAIL,
  .why = "failed, split DNS, primary at FAIL, spares not asked yet: votes" },
{ .was = SITE_FAILED, .oks = 5, .recovering = true, .moved_ago = 2000,
  .primary_up = true, .dns = DNS_HOLDS_MIXED, .quorum = QUORUM_CONFIRMED, .votes_down = 2,
  .want = OUTCOME_HELD, .next = SITE_FAILED, .status = PRIMARY_OK,
  .why = "failed, split DNS, primary recovered, a spare sees it down: vetoed" },
{ .was = SITE_FAILED, .oks = 5, .recovering = true, .moved_ago = 2000,
  .primary_up = true, .dns = DNS_HOLDS_MIXED, .quorum = QUORUM_PARTITION,
  .want = OUTCOME_FAILBACK, .next = SITE_STANDBY, .status = PRIMARY_OK,
  .nactions = 3, .moves = ACTION_DNS_TO_PRIMARY,
  .why = "failed, split DNS, primary recovered, hold_down passed: finish failback" },
{ .was = SITE_FAILED, .oks = 5, .recovering = true, .moved_ago = 100,
  .primary_up = true, .dns = DNS_HOLDS_MIXED,
  .want = OUTCOME_HELD, .next = SITE_FAILED, .status = PRIMARY_OK,
  .why = "failed, split DNS, primary recovered inside hold_down: HELD" },
{ .was = SITE_FAILED, .oks = 5, .recovering = true, .moved_ago = 100,
  .primary_up = false, .dns = DNS_HOLDS_MIXED,
  .want = OUTCOME_NOOP, .next = SITE_FAILED, .status = PRIMARY_WARN,
  .why = "failed, split DNS, primary only WARN: wait" },
{ .was = SITE_FAILED, .fails = 5, .recovering = true, .moved_ago = 100, .config = NO_QUORUM,
  .primary_up = false, .dns = DNS_HOLDS_OTHER,
  .want = OUTCOME_CONFLICT, .next = SITE_FAILED, .status = PRIMARY_FAIL,
  .why = "failed, foreign address still there: CONFLICT, never corrected" },
{ .was = SITE_FAILED, .fails = 5, .recovering = true, .moved_ago = 100, .config = NO_QUORUM,
  .request = REQUEST_FAILOVER, .force = true, .primary_up = false, .dns = DNS_HOLDS_OTHER,
  .want = OUTCOME_CONFLICT, .next = SITE_FAILED, .status = PRIMARY_FAIL,
  .why = "failed, foreign address, even a forced manual failover is refused" },

/* Manual requests. */
{ .was = SITE_STANDBY, .oks = 10,
  .request = REQUEST_FAILOVER, .primary_up = true,
  .need = NEED_VOTES, .want = OUTCOME_NOOP, .next = SITE_STANDBY, .status = PRIMARY_OK,
  .why = "manual failover from standby asks the spares first" },
{ .was = SITE_STANDBY, .oks = 10,
  .request = REQUEST_FAILOVER, .primary_up = true, .quorum = QUORUM_PARTITION,
  .want = OUTCOME_PARTITION, .next = SITE_STANDBY, .status = PRIMARY_OK,
  .why = "manual failover refused when the spares see the primary up" },
{ .was = SITE_STANDBY, .oks = 10, .moved_ago = 10,
  .request = REQUEST_FAILOVER, .force = true, .primary_up = true,
  .want = OUTCOME_FAILOVER, .next = SITE_ACTIVE, .status = PRIMARY_OK,
  .nactions = 3, .moves = ACTION_DNS_TO_BACKUP,
  .why = "manual failover --force skips the quorum and hold_down" },
{ .was = SITE_STANDBY, .oks = 10, .config = NO_QUORUM,
  .request = REQUEST_FAILOVER, .primary_up = true,
  .want = OUTCOME_FAILOVER, .next = SITE_ACTIVE, .status = PRIMARY_OK,
  .nactions = 3, .moves = ACTION_DNS_TO_BACKUP,
  .why = "manual failover without [quorum]: goes ahead" },
{ .was = SITE_ACTIVE, .fails = 5, .recovering = true, .config = NO_QUORUM,
  .request = REQUEST_FAILOVER, .primary_up = false,
  .want = OUTCOME_NOOP, .next = SITE_ACTIVE, .status = PRIMARY_FAIL,
  .why = "manual failover when already active: nothing" },
{ .was = SITE_ACTIVE, .fails = 5, .recovering = true, .config = FAILBACK_MANUAL,
  .request = REQUEST_FAILBACK, .primary_up = false,
  .want = OUTCOME_REFUSED, .next = SITE_ACTIVE, .status = PRIMARY_FAIL,
  .why = "manual failback into a failing primary is refused" },
{ .was = SITE_ACTIVE, .fails = 5, .recovering = true, .config = FAILBACK_MANUAL,
  .request = REQUEST_FAILBACK, .force = true, .primary_up = false,
  .want = OUTCOME_FAILBACK, .next = SITE_STANDBY, .status = PRIMARY_FAIL,
  .nactions = 3, .moves = ACTION_DNS_TO_PRIMARY,
  .why = "manual failback --force goes ahead even into a failing primary" },
{ .was = SITE_ACTIVE, .oks = 1, .recovering = true, .moved_ago = 10, .config = FAILBACK_MANUAL,
  .request = REQUEST_FAILBACK, .primary_up = true,
  .want = OUTCOME_FAILBACK, .next = SITE_STANDBY, .status = PRIMARY_INFO,
  .nactions = 3, .moves = ACTION_DNS_TO_PRIMARY,
  .why = "manual failback with a healthy primary ignores hold_down" },
{ .was = SITE_STANDBY, .oks = 10,
  .request = REQUEST_FAILBACK, .primary_up = true,
  .want = OUTCOME_NOOP, .next = SITE_STANDBY, .status = PRIMARY_OK,
  .why = "manual failback when already standby: nothing" },
};

/* Run decide() on the row's situation; prev as it was before. */
static void
decide_row(const struct row *r, struct decide_state *prev,
    struct decide_result *out)
{
	struct decide_params	p;
	struct decide_input	in;

	memset(prev, 0, sizeof(*prev));
	prev->state = r->was;
	prev->state_since = NOW - 5000;
	prev->fail_streak = r->fails;
	prev->ok_streak = r->oks;
	prev->recovering = r->recovering;
	prev->last_action_at = r->moved_ago ? NOW - r->moved_ago : 0;
	params_for(r->config, &p);
	memset(&in, 0, sizeof(in));
	in.now = NOW;
	in.request = r->request;
	in.force = r->force;
	in.probes_ok = r->primary_up;
	in.dns = r->dns;
	in.quorum = r->quorum;
	in.votes_down = r->votes_down;
	in.failback_safety = r->safety;
	decide(prev, &p, &in, out);
	printf("# %s\n", r->why);
	is_int(out->need, r->need, "need");
	is_str(cycle_outcome_str(out->outcome), cycle_outcome_str(r->want),
	    "outcome (%s)", out->reason ? out->reason : "");
	is_str(site_state_str(out->next.state), site_state_str(r->next),
	    "next state");
}

static void
run_row(const struct row *r)
{
	struct decide_state	prev;
	struct decide_result	out;
	enum action_kind	dns_action = ACTION_KIND_MAX;
	int			i;

	decide_row(r, &prev, &out);
	for (i = 0; i < out.nactions; i++)
		if (out.actions[i] == ACTION_DNS_TO_BACKUP ||
		    out.actions[i] == ACTION_DNS_TO_PRIMARY)
			dns_action = out.actions[i];
	is_str(primary_status_str(out.next.status),
	    primary_status_str(r->status), "primary status");
	is_int(out.nactions, r->nactions, "number of actions");
	if (r->nactions > 0)
		is_str(action_kind_str(dns_action), action_kind_str(r->moves),
		    "DNS direction");
	ok(out.reason != NULL, "a reason is given");
	if (out.outcome == OUTCOME_FAILOVER || out.outcome == OUTCOME_FAILBACK)
		is_int(out.next.last_action_at, NOW, "the action starts hold_down");
	else
		is_int(out.next.last_action_at, prev.last_action_at,
		    "no action, hold_down clock untouched");
}

/* decide_settle: what is stored when actions fail. */
static void
test_settle(void)
{
	struct decide_state	prev, st;
	struct decide_params	p;
	struct decide_input	in;
	struct decide_result	plan;
	struct decide_report	rep;
	enum cycle_outcome	oc;
	const char		*why;

	memset(&prev, 0, sizeof(prev));
	prev.state = SITE_STANDBY;
	prev.state_since = 5;
	prev.fail_streak = 2;
	prev.recovering = true;
	params_for(NO_QUORUM, &p);
	memset(&in, 0, sizeof(in));
	in.now = NOW;
	decide(&prev, &p, &in, &plan);
	is_str(cycle_outcome_str(plan.outcome), "FAILOVER", "settle: plan is a failover");

	memset(&rep, 0, sizeof(rep));
	decide_settle(&prev, &in, &plan, &rep, &st, &oc, &why);
	is_str(site_state_str(st.state), "ACTIVE", "all actions done: ACTIVE");
	is_str(cycle_outcome_str(oc), "FAILOVER", "all actions done: FAILOVER");

	rep.ndone = 0;
	rep.failed = true;
	decide_settle(&prev, &in, &plan, &rep, &st, &oc, &why);
	is_str(site_state_str(st.state), "STANDBY", "before hook failed: stays STANDBY");
	is_int(st.state_since, 5, "before hook failed: state_since unchanged");
	is_int(st.last_action_at, 0, "before hook failed: hold_down not started");
	is_str(cycle_outcome_str(oc), "ERROR", "before hook failed: ERROR");
	ok(strstr(why, "before_failover hook failed") != NULL, "reason names the hook");
	is_int(st.fail_streak, 3, "before hook failed: the probe count is kept");

	rep.ndone = 1;
	rep.dns_changed = false;
	decide_settle(&prev, &in, &plan, &rep, &st, &oc, &why);
	is_str(site_state_str(st.state), "STANDBY", "DNS failed, nothing changed: STANDBY");
	is_str(cycle_outcome_str(oc), "ERROR", "DNS failed, nothing changed: ERROR");

	rep.dns_changed = true;
	decide_settle(&prev, &in, &plan, &rep, &st, &oc, &why);
	is_str(site_state_str(st.state), "FAILED", "DNS failed part-way: FAILED");
	is_int(st.last_action_at, NOW, "DNS failed part-way: hold_down starts");
	ok(strstr(why, "part-way") != NULL, "reason says part-way");

	rep.ndone = 2;
	decide_settle(&prev, &in, &plan, &rep, &st, &oc, &why);
	is_str(site_state_str(st.state), "ACTIVE", "after hook failed: DNS moved, ACTIVE");
	is_str(cycle_outcome_str(oc), "FAILOVER", "after hook failed: still a FAILOVER");
	ok(strstr(why, "after_failover hook failed") != NULL, "reason names the after hook");
}

/*
 * [mysql] (issue 5): promotion between the before hook and DNS, demotion
 * after DNS on failback with promote = writable, and the failback safety
 * gate: asked before the spares, refused when unsafe or unknown, skipped by
 * --force.
 */
static const struct row mysql_rows[] = {
{ .was = SITE_STANDBY, .fails = 2, .recovering = true, .config = MYSQL_WRITABLE,
  .primary_up = false,
  .want = OUTCOME_FAILOVER, .next = SITE_ACTIVE,
  .actions = "hook before_failover,mysql promote,dns to_backup,hook after_failover",
  .why = "mysql: standby, FAIL: promote between the before hook and DNS" },
{ .was = SITE_STANDBY, .fails = 2, .recovering = true, .config = MYSQL_READ_ONLY,
  .primary_up = false,
  .want = OUTCOME_FAILOVER, .next = SITE_ACTIVE,
  .actions = "hook before_failover,mysql promote,dns to_backup,hook after_failover",
  .why = "mysql read-only: the promotion action is there too (it waits and records)" },
{ .was = SITE_STANDBY, .oks = 10, .recovering = true, .config = MYSQL_WRITABLE_QUORUM,
  .request = REQUEST_FAILOVER, .force = true, .primary_up = true,
  .want = OUTCOME_FAILOVER, .next = SITE_ACTIVE,
  .actions = "hook before_failover,mysql promote,dns to_backup,hook after_failover",
  .why = "mysql: manual failover --force promotes too" },
{ .was = SITE_ACTIVE, .oks = 2, .recovering = true, .moved_ago = 2000, .config = MYSQL_WRITABLE,
  .primary_up = true,
  .need = NEED_FAILBACK_SAFETY, .want = OUTCOME_NOOP, .next = SITE_ACTIVE,
  .why = "mysql: active, primary OK: compare GTIDs first" },
{ .was = SITE_ACTIVE, .oks = 2, .recovering = true, .moved_ago = 2000, .config = MYSQL_WRITABLE,
  .primary_up = true, .safety = FAILBACK_SAFETY_SAFE,
  .want = OUTCOME_FAILBACK, .next = SITE_STANDBY,
  .actions = "hook before_failback,dns to_primary,mysql demote,hook after_failback",
  .why = "mysql: active, safe: failback, read_only back on right after DNS" },
{ .was = SITE_ACTIVE, .oks = 2, .recovering = true, .moved_ago = 2000, .config = MYSQL_READ_ONLY,
  .primary_up = true, .safety = FAILBACK_SAFETY_SAFE,
  .want = OUTCOME_FAILBACK, .next = SITE_STANDBY,
  .actions = "hook before_failback,dns to_primary,hook after_failback",
  .why = "mysql read-only: safe failback has nothing to demote" },
{ .was = SITE_ACTIVE, .oks = 2, .recovering = true, .moved_ago = 2000, .config = MYSQL_WRITABLE,
  .primary_up = true, .safety = FAILBACK_SAFETY_UNSAFE,
  .want = OUTCOME_UNSAFE, .next = SITE_ACTIVE,
  .why = "mysql: active, the backup holds transactions the primary lacks: UNSAFE, stays ACTIVE" },
{ .was = SITE_ACTIVE, .oks = 2, .recovering = true, .moved_ago = 2000, .config = MYSQL_WRITABLE,
  .primary_up = true, .safety = FAILBACK_SAFETY_UNKNOWN,
  .want = OUTCOME_UNSAFE, .next = SITE_ACTIVE,
  .why = "mysql: active, GTIDs could not be compared: UNSAFE, stays ACTIVE" },
{ .was = SITE_ACTIVE, .oks = 2, .recovering = true, .moved_ago = 2000, .config = MYSQL_WRITABLE_QUORUM,
  .primary_up = true,
  .need = NEED_FAILBACK_SAFETY, .want = OUTCOME_NOOP, .next = SITE_ACTIVE,
  .why = "mysql + quorum: GTIDs are compared before the spares are asked" },
{ .was = SITE_ACTIVE, .oks = 2, .recovering = true, .moved_ago = 2000, .config = MYSQL_WRITABLE_QUORUM,
  .primary_up = true, .safety = FAILBACK_SAFETY_SAFE,
  .need = NEED_VOTES, .want = OUTCOME_NOOP, .next = SITE_ACTIVE,
  .why = "mysql + quorum: safe, then the spares" },
{ .was = SITE_ACTIVE, .oks = 2, .recovering = true, .moved_ago = 100, .config = MYSQL_WRITABLE,
  .primary_up = true,
  .want = OUTCOME_HELD, .next = SITE_ACTIVE,
  .why = "mysql: inside hold_down the GTIDs are not even read" },
{ .was = SITE_ACTIVE, .fails = 3, .recovering = true, .moved_ago = 2000, .config = MYSQL_WRITABLE,
  .primary_up = false,
  .want = OUTCOME_NOOP, .next = SITE_ACTIVE,
  .why = "mysql: primary still failing: no comparison" },
{ .was = SITE_ACTIVE, .oks = 1, .recovering = true, .moved_ago = 10, .config = MYSQL_WRITABLE,
  .request = REQUEST_FAILBACK, .primary_up = true,
  .need = NEED_FAILBACK_SAFETY, .want = OUTCOME_NOOP, .next = SITE_ACTIVE,
  .why = "mysql: manual failback compares first" },
{ .was = SITE_ACTIVE, .oks = 1, .recovering = true, .moved_ago = 10, .config = MYSQL_WRITABLE,
  .request = REQUEST_FAILBACK, .primary_up = true, .safety = FAILBACK_SAFETY_UNSAFE,
  .want = OUTCOME_UNSAFE, .next = SITE_ACTIVE,
  .why = "mysql: manual failback, unsafe: UNSAFE" },
{ .was = SITE_ACTIVE, .oks = 1, .recovering = true, .moved_ago = 10, .config = MYSQL_WRITABLE,
  .request = REQUEST_FAILBACK, .force = true, .primary_up = true,
  .want = OUTCOME_FAILBACK, .next = SITE_STANDBY,
  .actions = "hook before_failback,dns to_primary,mysql demote,hook after_failback",
  .why = "mysql: manual failback --force does not compare and fails back" },
{ .was = SITE_ACTIVE, .oks = 1, .recovering = true, .moved_ago = 10, .config = MYSQL_WRITABLE,
  .request = REQUEST_FAILBACK, .force = true, .primary_up = true, .safety = FAILBACK_SAFETY_UNSAFE,
  .want = OUTCOME_FAILBACK, .next = SITE_STANDBY,
  .actions = "hook before_failback,dns to_primary,mysql demote,hook after_failback",
  .why = "mysql: manual failback --force overrides unsafe" },
{ .was = SITE_ACTIVE, .fails = 5, .recovering = true, .moved_ago = 10, .config = MYSQL_WRITABLE,
  .request = REQUEST_FAILBACK, .primary_up = false,
  .want = OUTCOME_REFUSED, .next = SITE_ACTIVE,
  .why = "mysql: manual failback into a failing primary is refused before any comparison" },
{ .was = SITE_FAILED, .oks = 5, .recovering = true, .moved_ago = 2000, .config = MYSQL_WRITABLE,
  .primary_up = true, .dns = DNS_HOLDS_MIXED,
  .need = NEED_FAILBACK_SAFETY, .want = OUTCOME_NOOP, .next = SITE_FAILED,
  .why = "mysql: failed, split DNS, primary OK: compare before finishing the failback" },
{ .was = SITE_FAILED, .oks = 5, .recovering = true, .moved_ago = 2000, .config = MYSQL_WRITABLE,
  .primary_up = true, .dns = DNS_HOLDS_MIXED, .safety = FAILBACK_SAFETY_UNSAFE,
  .want = OUTCOME_UNSAFE, .next = SITE_FAILED,
  .why = "mysql: failed, split DNS, unsafe: stays FAILED, UNSAFE" },
};

static void
run_mysql_row(const struct row *r)
{
	struct decide_state	prev;
	struct decide_result	out;
	char			acts[256] = "";
	int			i;

	decide_row(r, &prev, &out);
	for (i = 0; i < out.nactions; i++) {
		if (i > 0)
			strcat(acts, ",");
		strcat(acts, action_kind_str(out.actions[i]));
	}
	is_str(acts, r->actions != NULL ? r->actions : "", "actions in order");
	ok(out.reason != NULL, "a reason is given");
	if (out.outcome == OUTCOME_UNSAFE) {
		ok(strstr(out.reason, "--force") != NULL,
		    "the reason says how to override");
		is_int(out.next.last_action_at, prev.last_action_at,
		    "refused: hold_down clock untouched");
	}
}

/* decide_settle with the mysql actions. */
static void
test_settle_mysql(void)
{
	struct decide_state	prev, st;
	struct decide_params	p;
	struct decide_input	in;
	struct decide_result	plan;
	struct decide_report	rep;
	enum cycle_outcome	oc;
	const char		*why;

	memset(&prev, 0, sizeof(prev));
	prev.state = SITE_STANDBY;
	prev.state_since = 5;
	prev.fail_streak = 2;
	prev.recovering = true;
	params_for(MYSQL_WRITABLE, &p);
	memset(&in, 0, sizeof(in));
	in.now = NOW;
	decide(&prev, &p, &in, &plan);
	is_int(plan.nactions, 4, "settle mysql: failover plan of 4 actions");

	memset(&rep, 0, sizeof(rep));
	rep.failed = true;
	rep.ndone = 1;
	decide_settle(&prev, &in, &plan, &rep, &st, &oc, &why);
	is_str(site_state_str(st.state), "STANDBY", "promotion failed: stays STANDBY");
	is_str(cycle_outcome_str(oc), "ERROR", "promotion failed: ERROR");
	ok(strstr(why, "promoting the local database failed") != NULL,
	    "promotion failed: the reason says so (%s)", why);
	is_int(st.last_action_at, 0, "promotion failed: hold_down not started");

	rep.ndone = 2;
	rep.dns_changed = false;
	decide_settle(&prev, &in, &plan, &rep, &st, &oc, &why);
	is_str(site_state_str(st.state), "STANDBY", "DNS failed after promotion: STANDBY");
	ok(strstr(why, "already promoted") != NULL,
	    "DNS failed after promotion: the reason warns the database is promoted");

	/* Failback: DNS moved, then read_only could not be set back. */
	prev.state = SITE_ACTIVE;
	prev.fail_streak = 0;
	prev.ok_streak = 5;
	prev.last_action_at = NOW - 5000;
	in.probes_ok = true;
	in.failback_safety = FAILBACK_SAFETY_SAFE;
	decide(&prev, &p, &in, &plan);
	is_str(cycle_outcome_str(plan.outcome), "FAILBACK", "settle mysql: failback plan");
	rep.ndone = 2;
	rep.dns_changed = true;
	decide_settle(&prev, &in, &plan, &rep, &st, &oc, &why);
	is_str(site_state_str(st.state), "STANDBY", "demote failed: DNS moved, STANDBY");
	is_str(cycle_outcome_str(oc), "FAILBACK", "demote failed: still a FAILBACK");
	ok(strstr(why, "read_only") != NULL, "demote failed: the reason names read_only");
	is_str(failback_safety_str(FAILBACK_SAFETY_UNSAFE), "unsafe", "safety names");
}

/* Strings round-trip: history is read back by name. */
static void
test_names(void)
{
	int	i;

	for (i = 0; i < SITE_STATE_MAX; i++)
		is_int(site_state_from_str(site_state_str(i)), i, "state %s", site_state_str(i));
	for (i = 0; i < PRIMARY_STATUS_MAX; i++)
		is_int(primary_status_from_str(primary_status_str(i)), i, "status %s", primary_status_str(i));
	for (i = 0; i < OUTCOME_MAX; i++)
		is_int(cycle_outcome_from_str(cycle_outcome_str(i)), i, "outcome %s", cycle_outcome_str(i));
	is_int(site_state_from_str("bogus"), -1, "unknown name is -1");
	is_str(site_state_str(99), "invalid", "out of range prints invalid");
}


/* An interrupted move (issue 10): read DNS first, follow it, hold_down from the intent. */
static void
test_intent(void)
{
	struct decide_state	prev;
	struct decide_params	p;
	struct decide_input	in;
	struct decide_result	out;

	memset(&prev, 0, sizeof(prev));
	prev.state = SITE_STANDBY;
	prev.ok_streak = 10;
	params_for(DEFAULTS, &p);
	memset(&in, 0, sizeof(in));
	in.now = NOW;
	in.probes_ok = true;
	in.intent.open = true;
	in.intent.to_backup = true;
	in.intent.opened_at = NOW - 60;
	decide(&prev, &p, &in, &out);
	is_int(out.need, NEED_DNS, "intent open, STANDBY: read DNS before anything");

	in.dns = DNS_HOLDS_BACKUP;
	decide(&prev, &p, &in, &out);
	is_str(site_state_str(out.reconciled), "ACTIVE",
	    "intent open, DNS holds the backup: the state follows (ACTIVE)");
	ok(out.interrupted, "... and the cycle knows it was interrupted");
	is_int(out.next.last_action_at, NOW - 60,
	    "... hold_down counts from the intent");
	is_str(cycle_outcome_str(out.outcome), "HELD",
	    "... so the primary being OK does not fail back inside hold_down");

	in.dns = DNS_HOLDS_PRIMARY;
	prev.state = SITE_ACTIVE;
	in.intent.to_backup = false;
	decide(&prev, &p, &in, &out);
	is_str(site_state_str(out.next.state), "STANDBY",
	    "failback intent, DNS holds the primary: STANDBY");

	in.dns = DNS_HOLDS_UNREADABLE;
	decide(&prev, &p, &in, &out);
	is_str(site_state_str(out.next.state), "FAILED",
	    "intent open, DNS unreadable: FAILED (the stored state may be a lie)");
	is_str(cycle_outcome_str(out.outcome), "ERROR", "... ERROR");
	ok(!out.interrupted, "... not reconciled: the intent stays open");
	is_int(out.nactions, 0, "... and nothing is done");

	/* Drift: a moved serial read DNS; unreadable then changes nothing. */
	memset(&in, 0, sizeof(in));
	in.now = NOW;
	in.probes_ok = true;
	in.dns_drift = true;
	prev.state = SITE_ACTIVE;
	prev.fail_streak = 0;
	decide(&prev, &p, &in, &out);
	is_int(out.need, NEED_DNS, "serial moved: read DNS");
	in.dns = DNS_HOLDS_PRIMARY;
	decide(&prev, &p, &in, &out);
	is_str(site_state_str(out.next.state), "STANDBY",
	    "ACTIVE, someone failed back by hand: STANDBY");
	in.dns = DNS_HOLDS_OTHER;
	decide(&prev, &p, &in, &out);
	is_str(site_state_str(out.next.state), "ACTIVE",
	    "a third address set by hand: the state stands (status shows the"
	    " record, a move leaves it alone)");
	in.dns = DNS_HOLDS_UNREADABLE;
	decide(&prev, &p, &in, &out);
	is_str(site_state_str(out.next.state), "ACTIVE",
	    "serial moved but the records unreadable: the stored state stands");
}

/* hold_down on CLOCK_BOOTTIME within a boot (issue 10 item 6). */
static void
test_hold_down_clock(void)
{
	struct decide_state	prev;
	struct decide_params	p;
	struct decide_input	in;
	struct decide_result	out;

	memset(&prev, 0, sizeof(prev));
	prev.state = SITE_STANDBY;
	prev.fail_streak = 5;
	prev.recovering = true;
	prev.last_action_at = NOW - 100;
	snprintf(prev.last_action_boot_id, sizeof(prev.last_action_boot_id),
	    "boot-a");
	prev.last_action_boottime_ms = 50000;
	params_for(NO_QUORUM, &p);
	memset(&in, 0, sizeof(in));
	in.probes_ok = false;
	snprintf(in.boot_id, sizeof(in.boot_id), "boot-a");

	/* The wall clock jumped a day ahead; 100 s passed on boottime. */
	in.now = NOW + 86400;
	in.boottime_ms = 150000;
	decide(&prev, &p, &in, &out);
	is_str(cycle_outcome_str(out.outcome), "HELD",
	    "wall clock forward a day, 100 s really passed: still HELD");

	/* The wall clock went back; 1000 s passed on boottime. */
	in.now = NOW - 86400;
	in.boottime_ms = 1050000;
	decide(&prev, &p, &in, &out);
	is_str(cycle_outcome_str(out.outcome), "FAILOVER",
	    "wall clock back a day, 1000 s really passed: hold_down is over");
	is_str(out.next.last_action_boot_id, "boot-a",
	    "the move records its boot");
	is_int(out.next.last_action_boottime_ms, 1050000,
	    "... and its boottime");

	/* Another boot: the wall clock, floored by the time since boot. */
	snprintf(in.boot_id, sizeof(in.boot_id), "boot-b");
	in.now = NOW - 86400;
	in.boottime_ms = 1000000;
	decide(&prev, &p, &in, &out);
	is_str(cycle_outcome_str(out.outcome), "FAILOVER",
	    "after a reboot with the clock set back: up 1000 s, hold_down over");
	in.boottime_ms = 10000;
	decide(&prev, &p, &in, &out);
	is_str(cycle_outcome_str(out.outcome), "HELD",
	    "after a reboot 10 s ago with the clock set back: HELD");
}

/* Quorum words per direction, need_down, and the unknown DNS outcome. */
static void
test_quorum_and_unknown(void)
{
	struct decide_state	prev, st;
	struct decide_params	p;
	struct decide_input	in;
	struct decide_result	out;
	struct decide_report	rep;
	enum cycle_outcome	oc;
	const char		*why;

	memset(&prev, 0, sizeof(prev));
	prev.state = SITE_STANDBY;
	prev.fail_streak = 5;
	prev.recovering = true;
	params_for(DEFAULTS, &p);
	memset(&in, 0, sizeof(in));
	in.now = NOW;
	in.quorum = QUORUM_UNCONFIRMED;
	decide(&prev, &p, &in, &out);
	is_str(cycle_outcome_str(out.outcome), "UNCONFIRMED",
	    "enough spares answered, none saw it down: UNCONFIRMED");
	is_int(out.nactions, 0, "... nothing moves");

	memset(&prev, 0, sizeof(prev));
	prev.state = SITE_ACTIVE;
	prev.ok_streak = 5;
	memset(&in, 0, sizeof(in));
	in.now = NOW;
	in.probes_ok = true;
	decide(&prev, &p, &in, &out);
	is_int(out.need, NEED_VOTES, "before a failback: ask the spares");
	ok(out.votes_for_failback, "... about a failback");
	in.quorum = QUORUM_FAILBACK_VETOED;
	in.votes_down = 1;
	decide(&prev, &p, &in, &out);
	is_str(cycle_outcome_str(out.outcome), "HELD", "failback vetoed: HELD");
	ok(strstr(out.reason, "vetoed") != NULL, "... and says vetoed");
	in.quorum = QUORUM_FAILBACK_ALLOWED;
	in.votes_down = 0;
	decide(&prev, &p, &in, &out);
	is_str(cycle_outcome_str(out.outcome), "FAILBACK", "failback allowed");

	memset(&prev, 0, sizeof(prev));
	prev.state = SITE_STANDBY;
	prev.fail_streak = 5;
	prev.recovering = true;
	params_for(NO_QUORUM, &p);
	memset(&in, 0, sizeof(in));
	in.now = NOW;
	decide(&prev, &p, &in, &out);
	memset(&rep, 0, sizeof(rep));
	rep.ndone = 1;
	rep.failed = true;
	rep.dns_maybe_changed = true;
	decide_settle(&prev, &in, &out, &rep, &st, &oc, &why);
	is_str(site_state_str(st.state), "FAILED",
	    "UPDATE sent, no answer: FAILED, not 'nothing changed'");
	ok(strstr(why, "may have changed") != NULL, "... and says DNS may have changed");
	is_int(st.last_action_at, NOW, "... hold_down starts");
}

int
main(void)
{
	size_t	i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		run_row(&rows[i]);
	for (i = 0; i < sizeof(mysql_rows) / sizeof(mysql_rows[0]); i++)
		run_mysql_row(&mysql_rows[i]);
	test_settle();
	test_settle_mysql();
	test_intent();
	test_hold_down_clock();
	test_quorum_and_unknown();
	test_names();
	return tap_done();
}
