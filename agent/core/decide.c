/*
 * decide.c: the decision engine (failover-agent(8), THE CYCLE).  Pure: see
 * decide.h.
 *
 * The order of questions is the order of the users' fears: first never act
 * on a DNS state we do not understand (conflict, unreadable), then never act
 * on our own outage (quorum), then never flap (hold_down, hysteresis), and
 * only then act.
 */
#include <string.h>

#include "agent/core/decide.h"

static const char *const action_kind_names[ACTION_KIND_MAX] = {
	[ACTION_HOOK_BEFORE_FAILOVER] = "hook before_failover",
	[ACTION_DNS_TO_BACKUP] = "dns to_backup",
	[ACTION_HOOK_AFTER_FAILOVER] = "hook after_failover",
	[ACTION_HOOK_BEFORE_FAILBACK] = "hook before_failback",
	[ACTION_DNS_TO_PRIMARY] = "dns to_primary",
	[ACTION_HOOK_AFTER_FAILBACK] = "hook after_failback",
	[ACTION_MYSQL_PROMOTE] = "mysql promote",
	[ACTION_MYSQL_DEMOTE] = "mysql demote",
};

const char *
action_kind_str(enum action_kind v)
{
	if ((unsigned)v >= ACTION_KIND_MAX || action_kind_names[v] == NULL)
		return "invalid";
	return action_kind_names[v];
}

/*
 * Hysteresis (failover-agent(8), THE CYCLE, MPP/Nagios style): one failed cycle
 * is WARN,
 * fail_after - 1 consecutive failed cycles CRITICAL, fail_after FAIL; a good
 * cycle after failures is INFO until recover_after good cycles make it OK.
 * With fail_after = 2 the single failed cycle is CRITICAL: the closer
 * threshold wins, so a person is warned as early as the config allows.
 */
static enum primary_status
decide_grade(const struct decide_state *s, const struct decide_params *p)
{
	if (s->fail_streak > 0) {
		if (s->fail_streak >= p->fail_after)
			return PRIMARY_FAIL;
		if (s->fail_streak >= p->fail_after - 1)
			return PRIMARY_CRITICAL;
		return PRIMARY_WARN;
	}
	if (s->recovering && s->ok_streak < p->recover_after)
		return PRIMARY_INFO;
	return PRIMARY_OK;
}

/* Streak counters saturate well below INT_MAX: a year of cycles is plenty. */
#define STREAK_MAX	(1 << 30)

static void
decide_count(const struct decide_state *prev, const struct decide_params *p,
    bool probes_ok, struct decide_state *next)
{
	*next = *prev;
	if (probes_ok) {
		if (next->ok_streak < STREAK_MAX)
			next->ok_streak++;
		next->fail_streak = 0;
	} else {
		if (next->fail_streak < STREAK_MAX)
			next->fail_streak++;
		next->ok_streak = 0;
		next->recovering = true;
	}
	next->status = decide_grade(next, p);
	if (next->status == PRIMARY_OK)
		next->recovering = false;
}

/*
 * hold_down (issue 10): within one boot, measured on CLOCK_BOOTTIME, which
 * no wall-clock step moves and which counts a suspend; across a reboot the
 * wall clock is all there is, and the time since boot is a floor (the move
 * came before it), so a clock set back at boot cannot stretch hold_down
 * beyond one hold_down after the boot.
 */
static int64_t
decide_since_action(const struct decide_state *s, const struct decide_input *in)
{
	int64_t	elapsed;

	if (s->last_action_boot_id[0] != '\0' && in->boot_id[0] != '\0' &&
	    strcmp(s->last_action_boot_id, in->boot_id) == 0 &&
	    in->boottime_ms >= s->last_action_boottime_ms)
		return (in->boottime_ms - s->last_action_boottime_ms) / 1000;
	elapsed = in->now - s->last_action_at;
	if (in->boot_id[0] != '\0' && elapsed < in->boottime_ms / 1000)
		elapsed = in->boottime_ms / 1000;
	return elapsed;
}

static bool
decide_held(const struct decide_state *s, const struct decide_params *p,
    const struct decide_input *in)
{
	return s->last_action_at != 0 &&
	    decide_since_action(s, in) < p->hold_down_s;
}

/* A move starts now: hold_down counts from here (both clocks). */
static void
decide_mark_action(struct decide_state *next, const struct decide_input *in)
{
	next->last_action_at = in->now;
	memcpy(next->last_action_boot_id, in->boot_id,
	    sizeof(next->last_action_boot_id));
	next->last_action_boot_id[sizeof(next->last_action_boot_id) - 1] = '\0';
	next->last_action_boottime_ms = in->boottime_ms;
}

/*
 * failover-agent(8), THE CYCLE: before_failover hook, local MySQL promotion
 * (with
 * [mysql]), DNS, after_failover hook.  The database is promoted before DNS
 * moves, so the first client sent to the backup finds it writable.
 */
static void
plan_failover(struct decide_result *out, const struct decide_params *p,
    const struct decide_input *in, const char *reason)
{
	out->outcome = OUTCOME_FAILOVER;
	out->reason = reason;
	out->nactions = 0;
	out->actions[out->nactions++] = ACTION_HOOK_BEFORE_FAILOVER;
	if (p->mysql_configured)
		out->actions[out->nactions++] = ACTION_MYSQL_PROMOTE;
	out->actions[out->nactions++] = ACTION_DNS_TO_BACKUP;
	out->actions[out->nactions++] = ACTION_HOOK_AFTER_FAILOVER;
	out->next.state = SITE_ACTIVE;
	out->next.state_since = in->now;
	decide_mark_action(&out->next, in);
}

/*
 * The mirror image; with promote = writable the local database goes back to
 * read_only right after DNS moved: clients still sent to the backup by
 * caches get an error instead of writing where nobody will read.
 */
static void
plan_failback(struct decide_result *out, const struct decide_params *p,
    const struct decide_input *in, const char *reason)
{
	out->outcome = OUTCOME_FAILBACK;
	out->reason = reason;
	out->nactions = 0;
	out->actions[out->nactions++] = ACTION_HOOK_BEFORE_FAILBACK;
	out->actions[out->nactions++] = ACTION_DNS_TO_PRIMARY;
	if (p->mysql_configured && p->mysql_demote)
		out->actions[out->nactions++] = ACTION_MYSQL_DEMOTE;
	out->actions[out->nactions++] = ACTION_HOOK_AFTER_FAILBACK;
	out->next.state = SITE_STANDBY;
	out->next.state_since = in->now;
	decide_mark_action(&out->next, in);
}

/*
 * The quorum gate before any failover that is not forced (failover-agent(8),
 * THE QUORUM).
 * Returns true when the failover may go ahead; otherwise out says why not
 * (or that votes are needed first).
 */
static bool
decide_quorum_allows(const struct decide_params *p,
    const struct decide_input *in, struct decide_result *out)
{
	if (!p->quorum_configured)
		return true;	/* config-test warns about this setup */
	switch (in->quorum) {
	case QUORUM_NOT_ASKED:
		out->need = NEED_VOTES;
		out->reason = "primary at FAIL: asking the spares";
		return false;
	case QUORUM_ISOLATED:
		out->outcome = OUTCOME_ISOLATED;
		out->reason = "too few spares answered: this site is probably the one cut off; not failing over";
		return false;
	case QUORUM_PARTITION:
		out->outcome = OUTCOME_PARTITION;
		out->reason = "spares see the primary up: the fault is between us and the primary; not failing over";
		return false;
	case QUORUM_UNCONFIRMED:
		out->outcome = OUTCOME_UNCONFIRMED;
		out->reason = "fewer spares than need_down see the primary down: nobody independent confirms the outage; not failing over";
		return false;
	case QUORUM_CONFIRMED:
	case QUORUM_NOT_CONFIGURED:
	case QUORUM_FAILBACK_ALLOWED:
	case QUORUM_FAILBACK_VETOED:
	case QUORUM_MAX:
		break;
	}
	return true;
}

/*
 * Before an automatic failback: one spare that still sees the primary down
 * vetoes it, so we do not fail back into a primary that only we can reach
 * (issue 3).  Too few answers do not block it: our own checks saw the
 * primary healthy for recover_after cycles, and failing back is what an
 * unreachable backup would want anyway.  Returns true when the failback may
 * go ahead.
 */
static bool
decide_failback_allowed(const struct decide_params *p,
    const struct decide_input *in, struct decide_result *out)
{
	if (!p->quorum_configured)
		return true;
	if (in->quorum == QUORUM_NOT_ASKED) {
		out->need = NEED_VOTES;
		out->votes_for_failback = true;
		out->reason = "primary OK: asking the spares before failing back";
		return false;
	}
	if (in->quorum == QUORUM_FAILBACK_VETOED || in->votes_down > 0) {
		out->outcome = OUTCOME_HELD;
		out->reason = "failback vetoed: a spare still sees the primary down";
		return false;
	}
	return true;
}

/*
 * Before any failback that is not forced, with [mysql]: the backup's
 * database must not hold transactions the primary lacks (failover-agent(8),
 * MYSQL), or the
 * failback would throw them away.  A comparison that could not be made
 * counts as unsafe: a person decides (failback --force).  Returns true when
 * the failback may go ahead.
 */
static bool
decide_failback_safe(const struct decide_params *p,
    const struct decide_input *in, struct decide_result *out)
{
	if (!p->mysql_configured || in->force)
		return true;
	switch (in->failback_safety) {
	case FAILBACK_SAFETY_NOT_CHECKED:
		out->need = NEED_FAILBACK_SAFETY;
		out->reason = "comparing the databases' GTIDs before failing back";
		return false;
	case FAILBACK_SAFETY_UNSAFE:
		out->outcome = OUTCOME_UNSAFE;
		out->reason = "the backup's database holds transactions the primary lacks: not failing back (failback --force overrides)";
		return false;
	case FAILBACK_SAFETY_UNKNOWN:
	case FAILBACK_SAFETY_MAX:
		out->outcome = OUTCOME_UNSAFE;
		out->reason = "the databases' GTIDs could not be compared: not failing back (failback --force overrides)";
		return false;
	case FAILBACK_SAFETY_SAFE:
		break;
	}
	return true;
}

/*
 * An interrupted move (an intent still open) was a move all the same:
 * hold_down counts from when it started, whatever it got to do.
 */
static void
decide_action_from_intent(const struct decide_intent *intent,
    struct decide_state *st)
{
	st->last_action_at = intent->opened_at;
	memcpy(st->last_action_boot_id, intent->boot_id,
	    sizeof(st->last_action_boot_id));
	st->last_action_boot_id[sizeof(st->last_action_boot_id) - 1] = '\0';
	st->last_action_boottime_ms = intent->boottime_ms;
}

static void
decide_reconcile_intent(const struct decide_input *in,
    struct decide_result *out)
{
	out->interrupted = true;
	decide_action_from_intent(&in->intent, &out->next);
}

/*
 * From UNKNOWN or FAILED, after an interrupted move, or when a zone's
 * serial moved (drift), decide what DNS says we are.  Returns false when
 * the cycle ends here (need DNS, conflict, unreadable).
 */
static bool
decide_reconcile(const struct decide_state *prev, const struct decide_input *in,
    struct decide_result *out)
{
	bool	must = prev->state == SITE_UNKNOWN || prev->state == SITE_FAILED ||
		    in->intent.open;

	out->reconciled = prev->state;
	if (!must && !in->dns_drift)
		return true;
	/*
	 * Drift only: follow DNS when it holds one site's addresses; a record
	 * set to a third address (or one part-way) is shown in status and
	 * Nagios, and left alone by the next move as a conflict, while the
	 * other records still fail over.
	 */
	if (!must && in->dns != DNS_HOLDS_PRIMARY &&
	    in->dns != DNS_HOLDS_BACKUP && in->dns != DNS_HOLDS_NOT_READ)
		return true;
	if (in->intent.open && in->dns != DNS_HOLDS_NOT_READ)
		decide_reconcile_intent(in, out);
	if (out->interrupted && in->dns == DNS_HOLDS_UNREADABLE)
		out->interrupted = false;	/* not known yet: still open */

	switch (in->dns) {
	case DNS_HOLDS_NOT_READ:
		out->need = NEED_DNS;
		out->reason = "reading what DNS holds";
		return false;
	case DNS_HOLDS_PRIMARY:
		out->reconciled = SITE_STANDBY;
		break;
	case DNS_HOLDS_BACKUP:
		out->reconciled = SITE_ACTIVE;
		break;
	case DNS_HOLDS_MIXED:
		/* Part-way between the two: only finishing one direction fixes it. */
		out->reconciled = SITE_FAILED;
		break;
	case DNS_HOLDS_OTHER:
		out->reconciled = SITE_FAILED;
		out->outcome = OUTCOME_CONFLICT;
		out->reason = "DNS holds addresses this agent does not manage: left alone; fix the records or the config";
		break;
	case DNS_HOLDS_UNREADABLE:
	case DNS_HOLDS_MAX:
		out->outcome = OUTCOME_ERROR;
		if (!in->intent.open) {
			out->reason = "could not read what DNS holds: state unchanged, retried next cycle";
			return false;
		}
		/* The stored state may be a lie: say we do not know. */
		out->reconciled = SITE_FAILED;
		out->next.state = SITE_FAILED;
		out->next.state_since = in->now;
		out->reason = "a move was interrupted and DNS cannot be read: state unknown until DNS answers";
		return false;
	}
	if (out->reconciled != prev->state) {
		out->next.state = out->reconciled;
		out->next.state_since = in->now;
	}
	return out->outcome != OUTCOME_CONFLICT;
}

static void
decide_manual_failover(const struct decide_params *p,
    const struct decide_input *in, struct decide_result *out)
{
	if (out->reconciled == SITE_ACTIVE) {
		out->reason = "already failed over: DNS points at the backup";
		return;
	}
	if (!in->force && !decide_quorum_allows(p, in, out)) {
		if (out->need == NEED_NOTHING && out->outcome == OUTCOME_NOOP)
			out->outcome = OUTCOME_REFUSED;
		return;
	}
	plan_failover(out, p, in, in->force ?
	    "manual failover (--force: quorum skipped)" : "manual failover");
}

static void
decide_manual_failback(const struct decide_params *p,
    const struct decide_input *in, struct decide_result *out)
{
	if (out->reconciled == SITE_STANDBY) {
		out->reason = "already failed back: DNS points at the primary";
		return;
	}
	if (!in->force && !in->probes_ok) {
		out->outcome = OUTCOME_REFUSED;
		out->reason = "the primary fails its checks: not failing back into it (--force overrides)";
		return;
	}
	if (!decide_failback_safe(p, in, out))
		return;
	plan_failback(out, p, in, in->force ?
	    "manual failback (--force)" : "manual failback");
}

static void
decide_cycle_standby(const struct decide_params *p, const struct decide_input *in,
    struct decide_result *out)
{
	if (out->next.status != PRIMARY_FAIL) {
		out->reason = out->next.status == PRIMARY_OK ?
		    "primary OK" : "primary not at FAIL yet";
		return;
	}
	if (decide_held(&out->next, p, in)) {
		out->outcome = OUTCOME_HELD;
		out->reason = "primary at FAIL but hold_down since the last failover/failback has not passed";
		return;
	}
	if (!decide_quorum_allows(p, in, out))
		return;
	plan_failover(out, p, in, p->quorum_configured ?
	    "primary at FAIL and the spares agree" :
	    "primary at FAIL (no quorum configured)");
}

static void
decide_cycle_active(const struct decide_params *p, const struct decide_input *in,
    struct decide_result *out)
{
	if (out->next.ok_streak < p->recover_after) {
		out->reason = out->next.fail_streak > 0 ?
		    "primary still failing: staying failed over" :
		    "primary recovering: waiting for recover_after good cycles";
		return;
	}
	if (!p->failback_auto) {
		out->outcome = OUTCOME_WAITING;
		out->reason = "primary OK; failback = manual: waiting for `failover-agent failback`";
		return;
	}
	if (decide_held(&out->next, p, in)) {
		out->outcome = OUTCOME_HELD;
		out->reason = "primary OK but hold_down since the failover has not passed";
		return;
	}
	if (!decide_failback_safe(p, in, out) ||
	    !decide_failback_allowed(p, in, out))
		return;
	plan_failback(out, p, in, "primary OK for recover_after cycles");
}

/* FAILED with DNS split between the sites: finish whichever way is right. */
static void
decide_cycle_failed(const struct decide_params *p, const struct decide_input *in,
    struct decide_result *out)
{
	if (out->next.status == PRIMARY_FAIL) {
		/* Finishing a failover already decided: no hold_down. */
		if (!decide_quorum_allows(p, in, out))
			return;
		plan_failover(out, p, in,
		    "DNS split between primary and backup, primary at FAIL: finishing the failover");
		return;
	}
	if (out->next.ok_streak >= p->recover_after && p->failback_auto) {
		if (decide_held(&out->next, p, in)) {
			out->outcome = OUTCOME_HELD;
			out->reason = "DNS split between primary and backup; hold_down has not passed";
			return;
		}
		if (!decide_failback_safe(p, in, out) ||
		    !decide_failback_allowed(p, in, out))
			return;
		plan_failback(out, p, in,
		    "DNS split between primary and backup, primary OK: finishing the failback");
		return;
	}
	out->reason = "DNS split between primary and backup: waiting for the primary's status to settle, or run failover/failback";
}

void
decide(const struct decide_state *prev, const struct decide_params *p,
    const struct decide_input *in, struct decide_result *out)
{
	memset(out, 0, sizeof(*out));
	out->outcome = OUTCOME_NOOP;
	decide_count(prev, p, in->probes_ok, &out->next);

	if (!decide_reconcile(prev, in, out))
		return;

	switch (in->request) {
	case REQUEST_FAILOVER:
		decide_manual_failover(p, in, out);
		return;
	case REQUEST_FAILBACK:
		decide_manual_failback(p, in, out);
		return;
	case REQUEST_CYCLE:
		break;
	}

	switch (out->reconciled) {
	case SITE_STANDBY:
		decide_cycle_standby(p, in, out);
		break;
	case SITE_ACTIVE:
		decide_cycle_active(p, in, out);
		break;
	case SITE_FAILED:
		decide_cycle_failed(p, in, out);
		break;
	case SITE_UNKNOWN:
	case SITE_STATE_MAX:
		/* decide_reconcile() never leaves us here. */
		out->outcome = OUTCOME_ERROR;
		out->reason = "internal: state not reconciled";
		break;
	}
}

static bool
action_is_dns(enum action_kind k)
{
	return k == ACTION_DNS_TO_BACKUP || k == ACTION_DNS_TO_PRIMARY;
}

/*
 * A move that did not start (its before hook or promotion said no, or DNS
 * refused it whole) is no move: hold_down counts from the one before, or
 * from the interrupted move this cycle found.
 */
static void
decide_restore_action(const struct decide_state *prev,
    const struct decide_input *in, const struct decide_result *plan,
    struct decide_state *st)
{
	st->last_action_at = prev->last_action_at;
	memcpy(st->last_action_boot_id, prev->last_action_boot_id,
	    sizeof(st->last_action_boot_id));
	st->last_action_boottime_ms = prev->last_action_boottime_ms;
	if (plan->interrupted)
		decide_action_from_intent(&in->intent, st);
}

void
decide_settle(const struct decide_state *prev, const struct decide_input *in,
    const struct decide_result *plan, const struct decide_report *rep,
    struct decide_state *out_state, enum cycle_outcome *out_outcome,
    const char **out_reason)
{
	enum action_kind	 failed_kind;
	bool			 dns_done = false, promoted = false;
	int			 i;

	*out_state = plan->next;
	*out_outcome = plan->outcome;
	*out_reason = plan->reason;
	if (!rep->failed || rep->ndone >= plan->nactions)
		return;

	for (i = 0; i < rep->ndone; i++) {
		if (action_is_dns(plan->actions[i]))
			dns_done = true;
		if (plan->actions[i] == ACTION_MYSQL_PROMOTE)
			promoted = true;
	}
	failed_kind = plan->actions[rep->ndone];

	if (dns_done) {
		/* DNS moved; only what follows it failed.  The site did change. */
		if (failed_kind == ACTION_MYSQL_DEMOTE)
			*out_reason = "failed back, but putting the local database back to read_only failed: it still takes writes";
		else
			*out_reason = plan->outcome == OUTCOME_FAILOVER ?
			    "failed over, but the after_failover hook failed" :
			    "failed back, but the after_failback hook failed";
		return;
	}

	/* Nothing of the move is done: we stay where the cycle started... */
	out_state->state = plan->reconciled;
	out_state->state_since = plan->reconciled != prev->state ?
	    in->now : prev->state_since;
	decide_restore_action(prev, in, plan, out_state);
	*out_outcome = OUTCOME_ERROR;
	if (failed_kind == ACTION_MYSQL_PROMOTE) {
		*out_reason = "promoting the local database failed: failover aborted";
		return;
	}
	if (!action_is_dns(failed_kind)) {
		*out_reason = failed_kind == ACTION_HOOK_BEFORE_FAILOVER ?
		    "before_failover hook failed: failover aborted" :
		    "before_failback hook failed: failback aborted";
		return;
	}
	if (!rep->dns_changed && rep->dns_maybe_changed) {
		/* Sent, never answered: only reading DNS will tell. */
		out_state->state = SITE_FAILED;
		out_state->state_since = in->now;
		decide_mark_action(out_state, in);
		*out_reason = "DNS update sent, no answer: DNS may have changed; reading DNS next cycle";
		return;
	}
	if (!rep->dns_changed) {
		/* A promoted database stays promoted: say so, it matters. */
		*out_reason = promoted ?
		    "DNS update failed; DNS unchanged, but the local database was already promoted" :
		    "DNS update failed; nothing was changed";
		return;
	}
	/* ...unless DNS changed part-way: then nobody knows where we are. */
	out_state->state = SITE_FAILED;
	out_state->state_since = in->now;
	decide_mark_action(out_state, in);
	*out_reason = "DNS update failed part-way: some records changed; reconciling next cycle";
}
