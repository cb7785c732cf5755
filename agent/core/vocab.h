/*
 * vocab.h: the words every layer shares.  The site's state, the primary's
 * status, a check's outcome, what DNS holds, the spares' verdict, a cycle's
 * outcome: each one enum, with its stable string form (what history, status
 * and the logs show) and, where the database is read back, its inverse.
 *
 * It depends on nothing of ours, so the store (state/), the DNS layer
 * (dnsupdate/) and the vote protocol (quorum/) can speak of outcomes
 * without including the decision engine or the check runner.  The to-string
 * functions return static text, never NULL: "invalid" (check outcomes:
 * "unknown") for a value out of range.  The *_from_str() inverses return
 * -1 for a word they do not know.
 */
#ifndef FA_VOCAB_H
#define FA_VOCAB_H

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
				   transactions the primary lacks (failover-agent(8)) */
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

/* The spares' verdict, from quorum/ (failover-agent(8), THE QUORUM). */
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

/*
 * Failback safety (failover-agent(8), MYSQL): the backup's GTIDs against the
 * primary's.
 */
enum failback_safety {
	FAILBACK_SAFETY_NOT_CHECKED = 0,	/* the engine did not ask */
	FAILBACK_SAFETY_SAFE,		/* the primary holds all the backup has */
	FAILBACK_SAFETY_UNSAFE,		/* the backup holds transactions the primary lacks */
	FAILBACK_SAFETY_UNKNOWN,	/* could not compare: counts as unsafe */
	FAILBACK_SAFETY_MAX
};

/* Outcomes are stored in history and logged by their string form. */
enum check_outcome {
	CHECK_OK = 0,
	CHECK_TIMEOUT,		/* no answer before the deadline */
	CHECK_REFUSED,		/* connection refused */
	CHECK_UNREACHABLE,	/* network/host unreachable, reset */
	CHECK_RESOLVE_FAILED,	/* name did not resolve */
	CHECK_TLS_FAILED,	/* handshake or certificate verification */
	CHECK_BAD_STATUS,	/* HTTP status other than expect_status */
	CHECK_BODY_MISMATCH,	/* expect_body not in the body */
	CHECK_PROTOCOL_ERROR,	/* malformed answer */
	CHECK_INTERNAL_ERROR,	/* our side: out of memory, socket(), ... */
	CHECK_MYSQL_CONNECT_FAILED, /* the client library could not connect */
	CHECK_ACCESS_DENIED,	/* login refused, or a statement not granted */
	CHECK_QUERY_FAILED,	/* the configured query returned an error */
	CHECK_IO_STOPPED,	/* replica: IO thread not running */
	CHECK_SQL_STOPPED,	/* replica: SQL thread not running */
	CHECK_LAGGING,		/* replica: more than max_lag behind */
	CHECK_WARNING,		/* exec: plugin exit 1; passed (up), kept as such */
	CHECK_CRITICAL,		/* exec: plugin exit 2 */
	CHECK_UNKNOWN,		/* exec: exit 3, timeout, cannot run: cannot tell */
	CHECK_DNS_RCODE,	/* dns: REFUSED, SERVFAIL, NXDOMAIN, ... */
	CHECK_DNS_MISMATCH,	/* dns: no answer, or none holding expect */
	CHECK_OUTCOME_MAX
};

const char *check_outcome_str(enum check_outcome);
/*
 * Did the check pass (the primary is up as far as it can tell)?  CHECK_OK
 * and CHECK_WARNING (a Nagios plugin's WARNING: up, but worth a look).
 */
bool	check_outcome_passed(enum check_outcome);
/*
 * Is the failure our side's, saying nothing about the primary
 * (CHECK_INTERNAL_ERROR, CHECK_UNKNOWN)?  A spare votes "unknown" on it.
 */
bool	check_outcome_cannot_tell(enum check_outcome);
/* Inverse of check_outcome_str, for reading history; -1 if unknown. */
int	check_outcome_from_str(const char *);

/* What persists between cycles: the engine computes it, state/ stores it. */
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

const char *site_state_str(enum site_state);
const char *primary_status_str(enum primary_status);
const char *cycle_outcome_str(enum cycle_outcome);
const char *dns_holds_str(enum dns_holds);
const char *quorum_result_str(enum quorum_result);
const char *failback_safety_str(enum failback_safety);
/* Inverse of the *_str functions, for reading the database; -1 if unknown. */
int	site_state_from_str(const char *);
int	primary_status_from_str(const char *);
int	cycle_outcome_from_str(const char *);

#endif
