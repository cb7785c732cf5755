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

enum site_state {
	SITE_UNKNOWN = 0,	/* never ran */
	SITE_STANDBY,		/* DNS points at the primary */
	SITE_ACTIVE,		/* DNS points at the backup */
	SITE_FAILED,		/* an action failed part-way, or DNS is in conflict */
	SITE_STATE_MAX
};

enum primary_status {
	PRIMARY_OK = 0,
	PRIMARY_INFO,		/* good again, not yet recover_after cycles */
	PRIMARY_WARN,		/* failed, fewer than fail_after - 1 cycles */
	PRIMARY_CRITICAL,	/* failed fail_after - 1 cycles */
	PRIMARY_FAIL,		/* failed fail_after cycles or more */
	PRIMARY_STATUS_MAX
};

enum cycle_outcome {
	OUTCOME_NOOP = 0,	/* nothing to do */
	OUTCOME_ISOLATED,	/* too few spares answered: we are probably cut off */
	OUTCOME_PARTITION,	/* spares see the primary up: our path is cut */
	OUTCOME_FAILOVER,
	OUTCOME_FAILBACK,
	OUTCOME_HELD,		/* hold_down keeps us from acting yet */
	OUTCOME_WAITING,	/* primary healthy, failback = manual: waiting for a person */
	OUTCOME_REFUSED,	/* a manual request the engine turned down */
	OUTCOME_CONFLICT,	/* DNS holds addresses we do not manage */
	OUTCOME_ERROR,		/* an action or a DNS read failed */
	OUTCOME_UNSAFE,		/* failback refused: the backup's database holds
				   transactions the primary lacks (SPEC §6) */
	OUTCOME_UNCONFIRMED,	/* spares answered, fewer than need_down saw the
				   primary down: nobody independent confirms it */
	OUTCOME_MAX
};

/* What the managed records hold, as read from DNS. */
enum dns_holds {
	DNS_HOLDS_NOT_READ = 0,	/* the engine did not ask */
	DNS_HOLDS_PRIMARY,	/* every record: exactly the primary's addresses */
	DNS_HOLDS_BACKUP,	/* every record: exactly the backup's addresses */
	DNS_HOLDS_MIXED,	/* each record is primary or backup, not all the same */
	DNS_HOLDS_OTHER,	/* some record holds something we do not manage */
	DNS_HOLDS_UNREADABLE,	/* the server could not be asked */
	DNS_HOLDS_MAX
};

/* The spares' verdict, from quorum/ (SPEC §1 step 4). */
enum quorum_result {
	QUORUM_NOT_ASKED = 0,
	QUORUM_NOT_CONFIGURED,	/* no [quorum]: we cannot tell our outage from the primary's */
	QUORUM_ISOLATED,	/* fewer than need valid answers */
	QUORUM_PARTITION,	/* more than max_up say up */
	QUORUM_CONFIRMED,	/* the spares agree the primary is down */
	QUORUM_UNCONFIRMED,	/* enough answers, fewer than need_down "down" */
	/* Asked before a failback (the other direction, other words): */
	QUORUM_FAILBACK_ALLOWED,	/* no valid "down" vote */
	QUORUM_FAILBACK_VETOED,		/* a spare still sees the primary down */
	QUORUM_MAX
};

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

/* Failback safety (SPEC §6): the backup's GTIDs against the primary's. */
enum failback_safety {
	FAILBACK_SAFETY_NOT_CHECKED = 0,	/* the engine did not ask */
	FAILBACK_SAFETY_SAFE,		/* the primary holds all the backup has */
	FAILBACK_SAFETY_UNSAFE,		/* the backup holds transactions the primary lacks */
	FAILBACK_SAFETY_UNKNOWN,	/* could not compare: counts as unsafe */
	FAILBACK_SAFETY_MAX
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

/* What persists between cycles (a row in SQLite). */
struct decide_state {
	enum site_state		state;
	int64_t			state_since;	/* wall seconds */
	enum primary_status	status;
	int			fail_streak;	/* consecutive failed cycles */
	int			ok_streak;	/* consecutive good cycles */
	bool			recovering;	/* failed since the last OK status */
	int64_t			last_action_at;	/* wall seconds of the last failover/failback, 0 never */
	/*
	 * The same moment on CLOCK_BOOTTIME, and the boot it belongs to
	 * (/proc/sys/kernel/random/boot_id; "" unknown): within one boot,
	 * hold_down is measured on that clock, which no wall-clock step
	 * moves.
	 */
	char			last_action_boot_id[40];
	int64_t			last_action_boottime_ms;
};

struct decide_params {
	int			fail_after;
	int			recover_after;
	bool			failback_auto;
	int64_t			hold_down_s;
	bool			quorum_configured;
	bool			mysql_configured;	/* [mysql]: promotion, failback safety */
	bool			mysql_demote;		/* [mysql] promote = writable */
};

/* A move that a cycle committed to and did not close (SPEC §1). */
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

const char *site_state_str(enum site_state);
const char *primary_status_str(enum primary_status);
const char *cycle_outcome_str(enum cycle_outcome);
const char *dns_holds_str(enum dns_holds);
const char *quorum_result_str(enum quorum_result);
const char *action_kind_str(enum action_kind);
const char *failback_safety_str(enum failback_safety);
/* Inverse of the *_str functions, for reading the database; -1 if unknown. */
int	site_state_from_str(const char *);
int	primary_status_from_str(const char *);
int	cycle_outcome_from_str(const char *);

#endif
