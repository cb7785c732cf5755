/*
 * test_decide.c: the decision engine as a table.  Each row is one situation
 * a sysadmin could describe ("standby, primary failed its third cycle, the
 * spares agree") and what must happen, including what must NOT happen.
 */
#include <stdio.h>
#include <string.h>

#include "agent/core/decide.h"
#include "t/unit/tap.h"

#define NOW	1000000

enum { P_DEFAULT, P_MANUAL, P_NOQUORUM, P_FA1, P_FA2 };

static void
params_for(int which, struct decide_params *p)
{
	memset(p, 0, sizeof(*p));
	p->fail_after = 3;
	p->recover_after = 3;
	p->failback_auto = true;
	p->hold_down_s = 900;
	p->quorum_configured = true;
	switch (which) {
	case P_MANUAL:
		p->failback_auto = false;
		break;
	case P_NOQUORUM:
		p->quorum_configured = false;
		break;
	case P_FA1:
		p->fail_after = 1;
		break;
	case P_FA2:
		p->fail_after = 2;
		break;
	}
}

struct row {
	const char		*what;
	/* previous state */
	enum site_state		 state;
	int			 fail_streak, ok_streak;
	int			 recovering;
	int64_t			 last_action_ago;	/* 0 = never */
	int			 params;
	/* input */
	enum decide_request	 request;
	int			 force;
	int			 probes_ok;
	enum dns_holds		 dns;
	enum quorum_result	 quorum;
	int			 votes_down;
	/* expected */
	enum decide_need	 need;
	enum cycle_outcome	 outcome;
	enum site_state		 next_state;
	enum primary_status	 status;
	int			 nactions;
	enum action_kind	 first_dns_action;	/* checked when nactions > 0 */
};

#define NO_ACTION	ACTION_KIND_MAX

static const struct row rows[] = {
/* Hysteresis on STANDBY: WARN, CRITICAL, then FAIL asks the spares. */
{ "standby, primary OK stays OK, nothing to do",
  SITE_STANDBY, 0, 10, 0, 0, P_DEFAULT, REQUEST_CYCLE, 0, 1, DNS_HOLDS_NOT_READ, QUORUM_NOT_ASKED, 0,
  NEED_NOTHING, OUTCOME_NOOP, SITE_STANDBY, PRIMARY_OK, 0, NO_ACTION },
{ "standby, first failed cycle is WARN, no failover",
  SITE_STANDBY, 0, 10, 0, 0, P_DEFAULT, REQUEST_CYCLE, 0, 0, DNS_HOLDS_NOT_READ, QUORUM_NOT_ASKED, 0,
  NEED_NOTHING, OUTCOME_NOOP, SITE_STANDBY, PRIMARY_WARN, 0, NO_ACTION },
{ "standby, fail_after-1 failed cycles is CRITICAL, no failover",
  SITE_STANDBY, 1, 0, 1, 0, P_DEFAULT, REQUEST_CYCLE, 0, 0, DNS_HOLDS_NOT_READ, QUORUM_NOT_ASKED, 0,
  NEED_NOTHING, OUTCOME_NOOP, SITE_STANDBY, PRIMARY_CRITICAL, 0, NO_ACTION },
{ "standby, fail_after failed cycles is FAIL and asks for votes",
  SITE_STANDBY, 2, 0, 1, 0, P_DEFAULT, REQUEST_CYCLE, 0, 0, DNS_HOLDS_NOT_READ, QUORUM_NOT_ASKED, 0,
  NEED_VOTES, OUTCOME_NOOP, SITE_STANDBY, PRIMARY_FAIL, 0, NO_ACTION },
{ "standby, FAIL + spares confirm: failover",
  SITE_STANDBY, 2, 0, 1, 0, P_DEFAULT, REQUEST_CYCLE, 0, 0, DNS_HOLDS_NOT_READ, QUORUM_CONFIRMED, 0,
  NEED_NOTHING, OUTCOME_FAILOVER, SITE_ACTIVE, PRIMARY_FAIL, 3, ACTION_DNS_TO_BACKUP },
{ "standby, FAIL + too few spares: ISOLATED, no failover",
  SITE_STANDBY, 5, 0, 1, 0, P_DEFAULT, REQUEST_CYCLE, 0, 0, DNS_HOLDS_NOT_READ, QUORUM_ISOLATED, 0,
  NEED_NOTHING, OUTCOME_ISOLATED, SITE_STANDBY, PRIMARY_FAIL, 0, NO_ACTION },
{ "standby, FAIL + spares see it up: PARTITION, no failover",
  SITE_STANDBY, 5, 0, 1, 0, P_DEFAULT, REQUEST_CYCLE, 0, 0, DNS_HOLDS_NOT_READ, QUORUM_PARTITION, 0,
  NEED_NOTHING, OUTCOME_PARTITION, SITE_STANDBY, PRIMARY_FAIL, 0, NO_ACTION },
{ "standby, FAIL without [quorum]: failover without votes",
  SITE_STANDBY, 2, 0, 1, 0, P_NOQUORUM, REQUEST_CYCLE, 0, 0, DNS_HOLDS_NOT_READ, QUORUM_NOT_ASKED, 0,
  NEED_NOTHING, OUTCOME_FAILOVER, SITE_ACTIVE, PRIMARY_FAIL, 3, ACTION_DNS_TO_BACKUP },
{ "standby, FAIL inside hold_down after a failback: HELD, no failover",
  SITE_STANDBY, 2, 0, 1, 100, P_NOQUORUM, REQUEST_CYCLE, 0, 0, DNS_HOLDS_NOT_READ, QUORUM_NOT_ASKED, 0,
  NEED_NOTHING, OUTCOME_HELD, SITE_STANDBY, PRIMARY_FAIL, 0, NO_ACTION },
{ "standby, FAIL once hold_down has passed: failover",
  SITE_STANDBY, 2, 0, 1, 900, P_NOQUORUM, REQUEST_CYCLE, 0, 0, DNS_HOLDS_NOT_READ, QUORUM_NOT_ASKED, 0,
  NEED_NOTHING, OUTCOME_FAILOVER, SITE_ACTIVE, PRIMARY_FAIL, 3, ACTION_DNS_TO_BACKUP },
{ "fail_after = 1: the first failed cycle is FAIL",
  SITE_STANDBY, 0, 10, 0, 0, P_FA1, REQUEST_CYCLE, 0, 0, DNS_HOLDS_NOT_READ, QUORUM_NOT_ASKED, 0,
  NEED_VOTES, OUTCOME_NOOP, SITE_STANDBY, PRIMARY_FAIL, 0, NO_ACTION },
{ "fail_after = 2: the first failed cycle is CRITICAL",
  SITE_STANDBY, 0, 10, 0, 0, P_FA2, REQUEST_CYCLE, 0, 0, DNS_HOLDS_NOT_READ, QUORUM_NOT_ASKED, 0,
  NEED_NOTHING, OUTCOME_NOOP, SITE_STANDBY, PRIMARY_CRITICAL, 0, NO_ACTION },
{ "standby, good cycle after failures is INFO",
  SITE_STANDBY, 2, 0, 1, 0, P_DEFAULT, REQUEST_CYCLE, 0, 1, DNS_HOLDS_NOT_READ, QUORUM_NOT_ASKED, 0,
  NEED_NOTHING, OUTCOME_NOOP, SITE_STANDBY, PRIMARY_INFO, 0, NO_ACTION },
{ "standby, recover_after good cycles make it OK again",
  SITE_STANDBY, 0, 2, 1, 0, P_DEFAULT, REQUEST_CYCLE, 0, 1, DNS_HOLDS_NOT_READ, QUORUM_NOT_ASKED, 0,
  NEED_NOTHING, OUTCOME_NOOP, SITE_STANDBY, PRIMARY_OK, 0, NO_ACTION },
{ "standby, a failure while recovering restarts the count at WARN",
  SITE_STANDBY, 0, 2, 1, 0, P_DEFAULT, REQUEST_CYCLE, 0, 0, DNS_HOLDS_NOT_READ, QUORUM_NOT_ASKED, 0,
  NEED_NOTHING, OUTCOME_NOOP, SITE_STANDBY, PRIMARY_WARN, 0, NO_ACTION },

/* ACTIVE: no failover from ACTIVE, failback only when earned. */
{ "active, primary still failing: stay, no second failover",
  SITE_ACTIVE, 9, 0, 1, 2000, P_DEFAULT, REQUEST_CYCLE, 0, 0, DNS_HOLDS_NOT_READ, QUORUM_NOT_ASKED, 0,
  NEED_NOTHING, OUTCOME_NOOP, SITE_ACTIVE, PRIMARY_FAIL, 0, NO_ACTION },
{ "active, primary good once: INFO, no failback yet",
  SITE_ACTIVE, 9, 0, 1, 2000, P_DEFAULT, REQUEST_CYCLE, 0, 1, DNS_HOLDS_NOT_READ, QUORUM_NOT_ASKED, 0,
  NEED_NOTHING, OUTCOME_NOOP, SITE_ACTIVE, PRIMARY_INFO, 0, NO_ACTION },
{ "active, primary OK for recover_after, hold_down passed: ask the spares first",
  SITE_ACTIVE, 0, 2, 1, 2000, P_DEFAULT, REQUEST_CYCLE, 0, 1, DNS_HOLDS_NOT_READ, QUORUM_NOT_ASKED, 0,
  NEED_VOTES, OUTCOME_NOOP, SITE_ACTIVE, PRIMARY_OK, 0, NO_ACTION },
{ "active, primary OK, no spare sees it down: failback",
  SITE_ACTIVE, 0, 2, 1, 2000, P_DEFAULT, REQUEST_CYCLE, 0, 1, DNS_HOLDS_NOT_READ, QUORUM_PARTITION, 0,
  NEED_NOTHING, OUTCOME_FAILBACK, SITE_STANDBY, PRIMARY_OK, 3, ACTION_DNS_TO_PRIMARY },
{ "active, primary OK, spares unreachable: failback (no veto)",
  SITE_ACTIVE, 0, 2, 1, 2000, P_DEFAULT, REQUEST_CYCLE, 0, 1, DNS_HOLDS_NOT_READ, QUORUM_ISOLATED, 0,
  NEED_NOTHING, OUTCOME_FAILBACK, SITE_STANDBY, PRIMARY_OK, 3, ACTION_DNS_TO_PRIMARY },
{ "active, primary OK to us but a spare sees it down: failback vetoed",
  SITE_ACTIVE, 0, 2, 1, 2000, P_DEFAULT, REQUEST_CYCLE, 0, 1, DNS_HOLDS_NOT_READ, QUORUM_CONFIRMED, 1,
  NEED_NOTHING, OUTCOME_HELD, SITE_ACTIVE, PRIMARY_OK, 0, NO_ACTION },
{ "active, primary OK without [quorum]: failback without votes",
  SITE_ACTIVE, 0, 2, 1, 2000, P_NOQUORUM, REQUEST_CYCLE, 0, 1, DNS_HOLDS_NOT_READ, QUORUM_NOT_ASKED, 0,
  NEED_NOTHING, OUTCOME_FAILBACK, SITE_STANDBY, PRIMARY_OK, 3, ACTION_DNS_TO_PRIMARY },
{ "active, primary OK but inside hold_down: HELD, no failback",
  SITE_ACTIVE, 0, 2, 1, 899, P_DEFAULT, REQUEST_CYCLE, 0, 1, DNS_HOLDS_NOT_READ, QUORUM_NOT_ASKED, 0,
  NEED_NOTHING, OUTCOME_HELD, SITE_ACTIVE, PRIMARY_OK, 0, NO_ACTION },
{ "active, failback = manual: WAITING, no failback",
  SITE_ACTIVE, 0, 2, 1, 2000, P_MANUAL, REQUEST_CYCLE, 0, 1, DNS_HOLDS_NOT_READ, QUORUM_NOT_ASKED, 0,
  NEED_NOTHING, OUTCOME_WAITING, SITE_ACTIVE, PRIMARY_OK, 0, NO_ACTION },
{ "active, primary fails one cycle during recovery: no failback",
  SITE_ACTIVE, 0, 2, 1, 2000, P_DEFAULT, REQUEST_CYCLE, 0, 0, DNS_HOLDS_NOT_READ, QUORUM_NOT_ASKED, 0,
  NEED_NOTHING, OUTCOME_NOOP, SITE_ACTIVE, PRIMARY_WARN, 0, NO_ACTION },

/* UNKNOWN: first run reads DNS and never corrects a foreign address. */
{ "unknown, first run must read DNS before anything",
  SITE_UNKNOWN, 0, 0, 0, 0, P_DEFAULT, REQUEST_CYCLE, 0, 1, DNS_HOLDS_NOT_READ, QUORUM_NOT_ASKED, 0,
  NEED_DNS, OUTCOME_NOOP, SITE_UNKNOWN, PRIMARY_OK, 0, NO_ACTION },
{ "unknown, DNS at primary: STANDBY",
  SITE_UNKNOWN, 0, 0, 0, 0, P_DEFAULT, REQUEST_CYCLE, 0, 1, DNS_HOLDS_PRIMARY, QUORUM_NOT_ASKED, 0,
  NEED_NOTHING, OUTCOME_NOOP, SITE_STANDBY, PRIMARY_OK, 0, NO_ACTION },
{ "unknown, DNS at backup: ACTIVE, and no immediate failback",
  SITE_UNKNOWN, 0, 0, 0, 0, P_DEFAULT, REQUEST_CYCLE, 0, 1, DNS_HOLDS_BACKUP, QUORUM_NOT_ASKED, 0,
  NEED_NOTHING, OUTCOME_NOOP, SITE_ACTIVE, PRIMARY_OK, 0, NO_ACTION },
{ "unknown, DNS holds a foreign address: FAILED + CONFLICT, no action",
  SITE_UNKNOWN, 0, 0, 0, 0, P_DEFAULT, REQUEST_CYCLE, 0, 0, DNS_HOLDS_OTHER, QUORUM_NOT_ASKED, 0,
  NEED_NOTHING, OUTCOME_CONFLICT, SITE_FAILED, PRIMARY_WARN, 0, NO_ACTION },
{ "unknown, DNS unreadable: stays UNKNOWN, ERROR",
  SITE_UNKNOWN, 0, 0, 0, 0, P_DEFAULT, REQUEST_CYCLE, 0, 1, DNS_HOLDS_UNREADABLE, QUORUM_NOT_ASKED, 0,
  NEED_NOTHING, OUTCOME_ERROR, SITE_UNKNOWN, PRIMARY_OK, 0, NO_ACTION },
{ "unknown at primary, primary already at FAIL: votes first",
  SITE_UNKNOWN, 0, 0, 0, 0, P_FA1, REQUEST_CYCLE, 0, 0, DNS_HOLDS_PRIMARY, QUORUM_NOT_ASKED, 0,
  NEED_VOTES, OUTCOME_NOOP, SITE_STANDBY, PRIMARY_FAIL, 0, NO_ACTION },

/* FAILED: reconcile from what DNS holds. */
{ "failed, DNS now all at primary: STANDBY",
  SITE_FAILED, 0, 5, 0, 100, P_DEFAULT, REQUEST_CYCLE, 0, 1, DNS_HOLDS_PRIMARY, QUORUM_NOT_ASKED, 0,
  NEED_NOTHING, OUTCOME_NOOP, SITE_STANDBY, PRIMARY_OK, 0, NO_ACTION },
{ "failed, DNS now all at backup: ACTIVE",
  SITE_FAILED, 5, 0, 1, 100, P_DEFAULT, REQUEST_CYCLE, 0, 0, DNS_HOLDS_BACKUP, QUORUM_NOT_ASKED, 0,
  NEED_NOTHING, OUTCOME_NOOP, SITE_ACTIVE, PRIMARY_FAIL, 0, NO_ACTION },
{ "failed, split DNS, primary at FAIL, spares agree: finish failover (no hold_down)",
  SITE_FAILED, 5, 0, 1, 100, P_DEFAULT, REQUEST_CYCLE, 0, 0, DNS_HOLDS_MIXED, QUORUM_CONFIRMED, 0,
  NEED_NOTHING, OUTCOME_FAILOVER, SITE_ACTIVE, PRIMARY_FAIL, 3, ACTION_DNS_TO_BACKUP },
{ "failed, split DNS, primary at FAIL, spares not asked yet: votes",
  SITE_FAILED, 5, 0, 1, 100, P_DEFAULT, REQUEST_CYCLE, 0, 0, DNS_HOLDS_MIXED, QUORUM_NOT_ASKED, 0,
  NEED_VOTES, OUTCOME_NOOP, SITE_FAILED, PRIMARY_FAIL, 0, NO_ACTION },
{ "failed, split DNS, primary recovered, a spare sees it down: vetoed",
  SITE_FAILED, 0, 5, 1, 2000, P_DEFAULT, REQUEST_CYCLE, 0, 1, DNS_HOLDS_MIXED, QUORUM_CONFIRMED, 2,
  NEED_NOTHING, OUTCOME_HELD, SITE_FAILED, PRIMARY_OK, 0, NO_ACTION },
{ "failed, split DNS, primary recovered, hold_down passed: finish failback",
  SITE_FAILED, 0, 5, 1, 2000, P_DEFAULT, REQUEST_CYCLE, 0, 1, DNS_HOLDS_MIXED, QUORUM_PARTITION, 0,
  NEED_NOTHING, OUTCOME_FAILBACK, SITE_STANDBY, PRIMARY_OK, 3, ACTION_DNS_TO_PRIMARY },
{ "failed, split DNS, primary recovered inside hold_down: HELD",
  SITE_FAILED, 0, 5, 1, 100, P_DEFAULT, REQUEST_CYCLE, 0, 1, DNS_HOLDS_MIXED, QUORUM_NOT_ASKED, 0,
  NEED_NOTHING, OUTCOME_HELD, SITE_FAILED, PRIMARY_OK, 0, NO_ACTION },
{ "failed, split DNS, primary only WARN: wait",
  SITE_FAILED, 0, 5, 1, 100, P_DEFAULT, REQUEST_CYCLE, 0, 0, DNS_HOLDS_MIXED, QUORUM_NOT_ASKED, 0,
  NEED_NOTHING, OUTCOME_NOOP, SITE_FAILED, PRIMARY_WARN, 0, NO_ACTION },
{ "failed, foreign address still there: CONFLICT, never corrected",
  SITE_FAILED, 5, 0, 1, 100, P_NOQUORUM, REQUEST_CYCLE, 0, 0, DNS_HOLDS_OTHER, QUORUM_NOT_ASKED, 0,
  NEED_NOTHING, OUTCOME_CONFLICT, SITE_FAILED, PRIMARY_FAIL, 0, NO_ACTION },
{ "failed, foreign address, even a forced manual failover is refused",
  SITE_FAILED, 5, 0, 1, 100, P_NOQUORUM, REQUEST_FAILOVER, 1, 0, DNS_HOLDS_OTHER, QUORUM_NOT_ASKED, 0,
  NEED_NOTHING, OUTCOME_CONFLICT, SITE_FAILED, PRIMARY_FAIL, 0, NO_ACTION },

/* Manual requests. */
{ "manual failover from standby asks the spares first",
  SITE_STANDBY, 0, 10, 0, 0, P_DEFAULT, REQUEST_FAILOVER, 0, 1, DNS_HOLDS_NOT_READ, QUORUM_NOT_ASKED, 0,
  NEED_VOTES, OUTCOME_NOOP, SITE_STANDBY, PRIMARY_OK, 0, NO_ACTION },
{ "manual failover refused when the spares see the primary up",
  SITE_STANDBY, 0, 10, 0, 0, P_DEFAULT, REQUEST_FAILOVER, 0, 1, DNS_HOLDS_NOT_READ, QUORUM_PARTITION, 0,
  NEED_NOTHING, OUTCOME_PARTITION, SITE_STANDBY, PRIMARY_OK, 0, NO_ACTION },
{ "manual failover --force skips the quorum and hold_down",
  SITE_STANDBY, 0, 10, 0, 10, P_DEFAULT, REQUEST_FAILOVER, 1, 1, DNS_HOLDS_NOT_READ, QUORUM_NOT_ASKED, 0,
  NEED_NOTHING, OUTCOME_FAILOVER, SITE_ACTIVE, PRIMARY_OK, 3, ACTION_DNS_TO_BACKUP },
{ "manual failover without [quorum]: goes ahead",
  SITE_STANDBY, 0, 10, 0, 0, P_NOQUORUM, REQUEST_FAILOVER, 0, 1, DNS_HOLDS_NOT_READ, QUORUM_NOT_ASKED, 0,
  NEED_NOTHING, OUTCOME_FAILOVER, SITE_ACTIVE, PRIMARY_OK, 3, ACTION_DNS_TO_BACKUP },
{ "manual failover when already active: nothing",
  SITE_ACTIVE, 5, 0, 1, 0, P_NOQUORUM, REQUEST_FAILOVER, 0, 0, DNS_HOLDS_NOT_READ, QUORUM_NOT_ASKED, 0,
  NEED_NOTHING, OUTCOME_NOOP, SITE_ACTIVE, PRIMARY_FAIL, 0, NO_ACTION },
{ "manual failback into a failing primary is refused",
  SITE_ACTIVE, 5, 0, 1, 0, P_MANUAL, REQUEST_FAILBACK, 0, 0, DNS_HOLDS_NOT_READ, QUORUM_NOT_ASKED, 0,
  NEED_NOTHING, OUTCOME_REFUSED, SITE_ACTIVE, PRIMARY_FAIL, 0, NO_ACTION },
{ "manual failback --force goes ahead even into a failing primary",
  SITE_ACTIVE, 5, 0, 1, 0, P_MANUAL, REQUEST_FAILBACK, 1, 0, DNS_HOLDS_NOT_READ, QUORUM_NOT_ASKED, 0,
  NEED_NOTHING, OUTCOME_FAILBACK, SITE_STANDBY, PRIMARY_FAIL, 3, ACTION_DNS_TO_PRIMARY },
{ "manual failback with a healthy primary ignores hold_down",
  SITE_ACTIVE, 0, 1, 1, 10, P_MANUAL, REQUEST_FAILBACK, 0, 1, DNS_HOLDS_NOT_READ, QUORUM_NOT_ASKED, 0,
  NEED_NOTHING, OUTCOME_FAILBACK, SITE_STANDBY, PRIMARY_INFO, 3, ACTION_DNS_TO_PRIMARY },
{ "manual failback when already standby: nothing",
  SITE_STANDBY, 0, 10, 0, 0, P_DEFAULT, REQUEST_FAILBACK, 0, 1, DNS_HOLDS_NOT_READ, QUORUM_NOT_ASKED, 0,
  NEED_NOTHING, OUTCOME_NOOP, SITE_STANDBY, PRIMARY_OK, 0, NO_ACTION },
};

static void
run_row(const struct row *r)
{
	struct decide_state	prev;
	struct decide_params	p;
	struct decide_input	in;
	struct decide_result	out;
	enum action_kind	dns_action = NO_ACTION;
	int			i;

	memset(&prev, 0, sizeof(prev));
	prev.state = r->state;
	prev.state_since = NOW - 5000;
	prev.fail_streak = r->fail_streak;
	prev.ok_streak = r->ok_streak;
	prev.recovering = r->recovering;
	prev.last_action_at = r->last_action_ago ? NOW - r->last_action_ago : 0;
	params_for(r->params, &p);
	memset(&in, 0, sizeof(in));
	in.now = NOW;
	in.request = r->request;
	in.force = r->force;
	in.probes_ok = r->probes_ok;
	in.dns = r->dns;
	in.quorum = r->quorum;
	in.votes_down = r->votes_down;

	decide(&prev, &p, &in, &out);
	for (i = 0; i < out.nactions; i++)
		if (out.actions[i] == ACTION_DNS_TO_BACKUP ||
		    out.actions[i] == ACTION_DNS_TO_PRIMARY)
			dns_action = out.actions[i];

	printf("# %s\n", r->what);
	is_int(out.need, r->need, "need");
	is_str(cycle_outcome_str(out.outcome), cycle_outcome_str(r->outcome),
	    "outcome (%s)", out.reason ? out.reason : "");
	is_str(site_state_str(out.next.state), site_state_str(r->next_state),
	    "next state");
	is_str(primary_status_str(out.next.status),
	    primary_status_str(r->status), "primary status");
	is_int(out.nactions, r->nactions, "number of actions");
	if (r->nactions > 0)
		is_str(action_kind_str(dns_action),
		    action_kind_str(r->first_dns_action), "DNS direction");
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
	params_for(P_NOQUORUM, &p);
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
enum { M_WRITABLE, M_READ_ONLY, M_WRITABLE_QUORUM };

struct mrow {
	const char		*what;
	enum site_state		 state;
	int			 fail_streak, ok_streak;
	int64_t			 last_action_ago;
	int			 params;
	enum decide_request	 request;
	int			 force, probes_ok;
	enum dns_holds		 dns;
	enum quorum_result	 quorum;
	enum failback_safety	 safety;
	/* expected */
	enum decide_need	 need;
	enum cycle_outcome	 outcome;
	enum site_state		 next_state;
	const char		*actions;	/* action_kind_str()s joined by "," */
};

static const struct mrow mrows[] = {
{ "mysql: standby, FAIL: promote between the before hook and DNS",
  SITE_STANDBY, 2, 0, 0, M_WRITABLE, REQUEST_CYCLE, 0, 0, DNS_HOLDS_NOT_READ, QUORUM_NOT_ASKED, FAILBACK_SAFETY_NOT_CHECKED,
  NEED_NOTHING, OUTCOME_FAILOVER, SITE_ACTIVE, "hook before_failover,mysql promote,dns to_backup,hook after_failover" },
{ "mysql read-only: the promotion action is there too (it waits and records)",
  SITE_STANDBY, 2, 0, 0, M_READ_ONLY, REQUEST_CYCLE, 0, 0, DNS_HOLDS_NOT_READ, QUORUM_NOT_ASKED, FAILBACK_SAFETY_NOT_CHECKED,
  NEED_NOTHING, OUTCOME_FAILOVER, SITE_ACTIVE, "hook before_failover,mysql promote,dns to_backup,hook after_failover" },
{ "mysql: manual failover --force promotes too",
  SITE_STANDBY, 0, 10, 0, M_WRITABLE_QUORUM, REQUEST_FAILOVER, 1, 1, DNS_HOLDS_NOT_READ, QUORUM_NOT_ASKED, FAILBACK_SAFETY_NOT_CHECKED,
  NEED_NOTHING, OUTCOME_FAILOVER, SITE_ACTIVE, "hook before_failover,mysql promote,dns to_backup,hook after_failover" },
{ "mysql: active, primary OK: compare GTIDs first",
  SITE_ACTIVE, 0, 2, 2000, M_WRITABLE, REQUEST_CYCLE, 0, 1, DNS_HOLDS_NOT_READ, QUORUM_NOT_ASKED, FAILBACK_SAFETY_NOT_CHECKED,
  NEED_FAILBACK_SAFETY, OUTCOME_NOOP, SITE_ACTIVE, "" },
{ "mysql: active, safe: failback, read_only back on right after DNS",
  SITE_ACTIVE, 0, 2, 2000, M_WRITABLE, REQUEST_CYCLE, 0, 1, DNS_HOLDS_NOT_READ, QUORUM_NOT_ASKED, FAILBACK_SAFETY_SAFE,
  NEED_NOTHING, OUTCOME_FAILBACK, SITE_STANDBY, "hook before_failback,dns to_primary,mysql demote,hook after_failback" },
{ "mysql read-only: safe failback has nothing to demote",
  SITE_ACTIVE, 0, 2, 2000, M_READ_ONLY, REQUEST_CYCLE, 0, 1, DNS_HOLDS_NOT_READ, QUORUM_NOT_ASKED, FAILBACK_SAFETY_SAFE,
  NEED_NOTHING, OUTCOME_FAILBACK, SITE_STANDBY, "hook before_failback,dns to_primary,hook after_failback" },
{ "mysql: active, the backup holds transactions the primary lacks: UNSAFE, stays ACTIVE",
  SITE_ACTIVE, 0, 2, 2000, M_WRITABLE, REQUEST_CYCLE, 0, 1, DNS_HOLDS_NOT_READ, QUORUM_NOT_ASKED, FAILBACK_SAFETY_UNSAFE,
  NEED_NOTHING, OUTCOME_UNSAFE, SITE_ACTIVE, "" },
{ "mysql: active, GTIDs could not be compared: UNSAFE, stays ACTIVE",
  SITE_ACTIVE, 0, 2, 2000, M_WRITABLE, REQUEST_CYCLE, 0, 1, DNS_HOLDS_NOT_READ, QUORUM_NOT_ASKED, FAILBACK_SAFETY_UNKNOWN,
  NEED_NOTHING, OUTCOME_UNSAFE, SITE_ACTIVE, "" },
{ "mysql + quorum: GTIDs are compared before the spares are asked",
  SITE_ACTIVE, 0, 2, 2000, M_WRITABLE_QUORUM, REQUEST_CYCLE, 0, 1, DNS_HOLDS_NOT_READ, QUORUM_NOT_ASKED, FAILBACK_SAFETY_NOT_CHECKED,
  NEED_FAILBACK_SAFETY, OUTCOME_NOOP, SITE_ACTIVE, "" },
{ "mysql + quorum: safe, then the spares",
  SITE_ACTIVE, 0, 2, 2000, M_WRITABLE_QUORUM, REQUEST_CYCLE, 0, 1, DNS_HOLDS_NOT_READ, QUORUM_NOT_ASKED, FAILBACK_SAFETY_SAFE,
  NEED_VOTES, OUTCOME_NOOP, SITE_ACTIVE, "" },
{ "mysql: inside hold_down the GTIDs are not even read",
  SITE_ACTIVE, 0, 2, 100, M_WRITABLE, REQUEST_CYCLE, 0, 1, DNS_HOLDS_NOT_READ, QUORUM_NOT_ASKED, FAILBACK_SAFETY_NOT_CHECKED,
  NEED_NOTHING, OUTCOME_HELD, SITE_ACTIVE, "" },
{ "mysql: primary still failing: no comparison",
  SITE_ACTIVE, 3, 0, 2000, M_WRITABLE, REQUEST_CYCLE, 0, 0, DNS_HOLDS_NOT_READ, QUORUM_NOT_ASKED, FAILBACK_SAFETY_NOT_CHECKED,
  NEED_NOTHING, OUTCOME_NOOP, SITE_ACTIVE, "" },
{ "mysql: manual failback compares first",
  SITE_ACTIVE, 0, 1, 10, M_WRITABLE, REQUEST_FAILBACK, 0, 1, DNS_HOLDS_NOT_READ, QUORUM_NOT_ASKED, FAILBACK_SAFETY_NOT_CHECKED,
  NEED_FAILBACK_SAFETY, OUTCOME_NOOP, SITE_ACTIVE, "" },
{ "mysql: manual failback, unsafe: UNSAFE",
  SITE_ACTIVE, 0, 1, 10, M_WRITABLE, REQUEST_FAILBACK, 0, 1, DNS_HOLDS_NOT_READ, QUORUM_NOT_ASKED, FAILBACK_SAFETY_UNSAFE,
  NEED_NOTHING, OUTCOME_UNSAFE, SITE_ACTIVE, "" },
{ "mysql: manual failback --force does not compare and fails back",
  SITE_ACTIVE, 0, 1, 10, M_WRITABLE, REQUEST_FAILBACK, 1, 1, DNS_HOLDS_NOT_READ, QUORUM_NOT_ASKED, FAILBACK_SAFETY_NOT_CHECKED,
  NEED_NOTHING, OUTCOME_FAILBACK, SITE_STANDBY, "hook before_failback,dns to_primary,mysql demote,hook after_failback" },
{ "mysql: manual failback --force overrides unsafe",
  SITE_ACTIVE, 0, 1, 10, M_WRITABLE, REQUEST_FAILBACK, 1, 1, DNS_HOLDS_NOT_READ, QUORUM_NOT_ASKED, FAILBACK_SAFETY_UNSAFE,
  NEED_NOTHING, OUTCOME_FAILBACK, SITE_STANDBY, "hook before_failback,dns to_primary,mysql demote,hook after_failback" },
{ "mysql: manual failback into a failing primary is refused before any comparison",
  SITE_ACTIVE, 5, 0, 10, M_WRITABLE, REQUEST_FAILBACK, 0, 0, DNS_HOLDS_NOT_READ, QUORUM_NOT_ASKED, FAILBACK_SAFETY_NOT_CHECKED,
  NEED_NOTHING, OUTCOME_REFUSED, SITE_ACTIVE, "" },
{ "mysql: failed, split DNS, primary OK: compare before finishing the failback",
  SITE_FAILED, 0, 5, 2000, M_WRITABLE, REQUEST_CYCLE, 0, 1, DNS_HOLDS_MIXED, QUORUM_NOT_ASKED, FAILBACK_SAFETY_NOT_CHECKED,
  NEED_FAILBACK_SAFETY, OUTCOME_NOOP, SITE_FAILED, "" },
{ "mysql: failed, split DNS, unsafe: stays FAILED, UNSAFE",
  SITE_FAILED, 0, 5, 2000, M_WRITABLE, REQUEST_CYCLE, 0, 1, DNS_HOLDS_MIXED, QUORUM_NOT_ASKED, FAILBACK_SAFETY_UNSAFE,
  NEED_NOTHING, OUTCOME_UNSAFE, SITE_FAILED, "" },
};

static void
mparams(int which, struct decide_params *p)
{
	params_for(which == M_WRITABLE_QUORUM ? P_DEFAULT : P_NOQUORUM, p);
	p->mysql_configured = true;
	p->mysql_demote = which != M_READ_ONLY;
}

static void
run_mrow(const struct mrow *r)
{
	struct decide_state	prev;
	struct decide_params	p;
	struct decide_input	in;
	struct decide_result	out;
	char			acts[256] = "";
	int			i;

	memset(&prev, 0, sizeof(prev));
	prev.state = r->state;
	prev.state_since = NOW - 5000;
	prev.fail_streak = r->fail_streak;
	prev.ok_streak = r->ok_streak;
	prev.recovering = true;
	prev.last_action_at = r->last_action_ago ? NOW - r->last_action_ago : 0;
	mparams(r->params, &p);
	memset(&in, 0, sizeof(in));
	in.now = NOW;
	in.request = r->request;
	in.force = r->force;
	in.probes_ok = r->probes_ok;
	in.dns = r->dns;
	in.quorum = r->quorum;
	in.failback_safety = r->safety;

	decide(&prev, &p, &in, &out);
	for (i = 0; i < out.nactions; i++) {
		if (i > 0)
			strcat(acts, ",");
		strcat(acts, action_kind_str(out.actions[i]));
	}
	printf("# %s\n", r->what);
	is_int(out.need, r->need, "need");
	is_str(cycle_outcome_str(out.outcome), cycle_outcome_str(r->outcome),
	    "outcome (%s)", out.reason ? out.reason : "");
	is_str(site_state_str(out.next.state), site_state_str(r->next_state),
	    "next state");
	is_str(acts, r->actions, "actions in order");
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
	mparams(M_WRITABLE, &p);
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
	params_for(P_DEFAULT, &p);
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
	params_for(P_NOQUORUM, &p);
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
	params_for(P_DEFAULT, &p);
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
	params_for(P_NOQUORUM, &p);
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
	for (i = 0; i < sizeof(mrows) / sizeof(mrows[0]); i++)
		run_mrow(&mrows[i]);
	test_settle();
	test_settle_mysql();
	test_intent();
	test_hold_down_clock();
	test_quorum_and_unknown();
	test_names();
	return tap_done();
}
