/*
 * decide.h: the decision engine.  A pure function: previous state + this
 * cycle's probe results + what DNS holds + votes + request + config + clock
 * in, new state + outcome + a list of actions out.  No I/O, no clock reads,
 * no allocation: everything it needs is in its arguments, so it is tested as
 * a table (t/unit/test_decide.c).
 *
 * Running a cycle is two calls:
 *   1. decide()  plans the cycle.  It may answer "need" = DNS, VOTES or
 *      FAILBACK_SAFETY first: the caller reads DNS, asks the spares or
 *      compares the databases' GTIDs and calls decide() again with that
 *      input filled in.
 *   2. decide_settle() takes the plan and what really happened when the
 *      actions ran, and gives the state to store.
 */
#ifndef FA_DECIDE_H
#define FA_DECIDE_H

#include <stdbool.h>
#include <stdint.h>

#include "agent/core/vocab.h"

enum decide_request {
	REQUEST_CYCLE = 0,	/* check / run */
	REQUEST_FAILOVER,	/* failover-agent failover */
	REQUEST_FAILBACK,	/* failover-agent failback */
};

enum decide_need {
	NEED_NOTHING = 0,
	NEED_DNS,		/* read what DNS holds, then call again */
	NEED_VOTES,		/* ask the spares, then call again */
	NEED_FAILBACK_SAFETY,	/* compare the databases' GTIDs, then call again */
};

enum action_kind {
	ACTION_HOOK_BEFORE_FAILOVER,
	ACTION_DNS_TO_BACKUP,		/* repoint + verify */
	ACTION_HOOK_AFTER_FAILOVER,
	ACTION_HOOK_BEFORE_FAILBACK,
	ACTION_DNS_TO_PRIMARY,		/* repoint + verify */
	ACTION_HOOK_AFTER_FAILBACK,
	ACTION_MYSQL_PROMOTE,		/* [mysql]: wait for the relay log, promote */
	ACTION_MYSQL_DEMOTE,		/* [mysql] promote = writable: read_only back on */
	ACTION_KIND_MAX
};

#define DECIDE_MAX_ACTIONS	8

struct decide_params {
	int			fail_after;
	int			recover_after;
	bool			failback_auto;
	int64_t			hold_down_s;
	bool			quorum_configured;
	bool			mysql_configured;	/* [mysql]: promotion, failback safety */
	bool			mysql_demote;		/* [mysql] promote = writable */
};

/*
 * A move that a cycle committed to and did not close (failover-agent(8), Moves
 * that survive interruption).
 */
struct decide_intent {
	bool			open;
	enum decide_request	kind;		/* what asked for it */
	bool			to_backup;	/* failover; false: failback */
	int64_t			opened_at;	/* wall seconds */
	char			boot_id[40];	/* as in decide_state */
	int64_t			boottime_ms;
};

struct decide_input {
	int64_t			now;		/* wall seconds */
	char			boot_id[40];	/* this boot, "" unknown */
	int64_t			boottime_ms;	/* CLOCK_BOOTTIME now */
	struct decide_intent	intent;		/* an interrupted move, if any */
	bool			dns_drift;	/* a zone's SOA serial moved since
						   the last cycle: read DNS */
	enum decide_request	request;
	bool			force;		/* --force */
	bool			probes_ok;	/* every check passed this cycle */
	enum dns_holds		dns;		/* DNS_HOLDS_NOT_READ unless asked */
	enum quorum_result	quorum;		/* QUORUM_NOT_ASKED unless asked */
	int			votes_down;	/* valid "down" votes, when asked */
	enum failback_safety	failback_safety; /* NOT_CHECKED unless asked */
};

struct decide_result {
	enum decide_need	need;
	bool			votes_for_failback; /* NEED_VOTES before a failback */
	struct decide_state	next;		/* state if every action succeeds */
	enum site_state		reconciled;	/* state after reading DNS, before acting */
	bool			interrupted;	/* reconciled from an open intent */
	enum cycle_outcome	outcome;
	const char		*reason;	/* static text for history and logs */
	int			nactions;
	enum action_kind	actions[DECIDE_MAX_ACTIONS];
};

/* What happened when the actions ran. */
struct decide_report {
	int	 ndone;			/* actions completed, in order */
	bool	 failed;		/* action ndone failed */
	bool	 dns_changed;		/* some record was changed before the failure */
	bool	 dns_maybe_changed;	/* a change was sent, its outcome unknown */
};

void	decide(const struct decide_state *prev, const struct decide_params *,
	    const struct decide_input *, struct decide_result *out);

/*
 * The state to store after running plan->actions: plan->next if all
 * succeeded; the reconciled state if an action failed before any DNS change
 * (e.g. before_failover hook said no); SITE_FAILED if DNS changed part-way.
 * Updates outcome and reason accordingly.
 */
void	decide_settle(const struct decide_state *prev,
	    const struct decide_input *, const struct decide_result *plan,
	    const struct decide_report *, struct decide_state *out_state,
	    enum cycle_outcome *out_outcome, const char **out_reason);

/* "dns to_backup", "hook before_failover", ...; "invalid" for a bad value. */
const char *action_kind_str(enum action_kind);

#endif
