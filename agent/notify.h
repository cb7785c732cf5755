/*
 * notify.h: [hooks] notify, a JSON POST of every transition to a webhook
 * (issue 6).
 *
 * The body of each transition is built during the cycle and queued in the
 * state database in the cycle's own transaction (state.h: notify_bodies),
 * so a transition and its notification are stored together or not at all.
 * Only after that transaction, when the DNS work is over, does
 * notify_deliver() POST what is queued, oldest first: a webhook that is
 * slow or down never delays a failover, and what it missed is sent again
 * at the next cycle, in order.
 */
#ifndef FA_NOTIFY_H
#define FA_NOTIFY_H

#include <stdbool.h>
#include <stdint.h>

#include "agent/core/config.h"
#include "agent/core/decide.h"
#include "state/state.h"

/* At most this many POSTs per cycle, and this many kept queued. */
#define NOTIFY_PER_CYCLE	20
#define NOTIFY_KEEP		100

/*
 * The event name of a transition: "reconciled" (the state was read from
 * DNS, nothing moved), "failover" (to ACTIVE), "failback" (to STANDBY),
 * "failed" (to FAILED), "transition" otherwise.
 */
const char *notify_event(enum site_state from, enum site_state to,
	    bool reconciled);

/*
 * The JSON body of one transition: {"site", "event", "from", "to",
 * "reason", "at" (UNIX seconds), "cycle_id", "records": ["www.example.com.",
 * ...] (every managed record), "addresses": what they point at now (the
 * backup's for ACTIVE, the primary's for STANDBY, [] otherwise)}.  Returns
 * a string the caller frees with free(), or NULL (no memory).
 */
char	*notify_body(const struct config *, int64_t cycle_id, int64_t at,
	    enum site_state from, enum site_state to, const char *reason,
	    bool reconciled);

/*
 * POST the queued notifications to cfg->hooks.notify, oldest first, each
 * bounded by CFG_NOTIFY_TIMEOUT_MS; a 2xx answer deletes it from the
 * queue; the first failure is recorded on it (status shows it) and ends
 * the round, so the order is kept and a dead webhook costs one timeout per
 * cycle.  The queue is then trimmed to NOTIFY_KEEP (older ones are dropped,
 * with a warning).  Without notify configured, whatever is queued is
 * dropped.  Returns how many are still queued, or -1 when the database
 * could not be read or written (logged).
 */
int	notify_deliver(const struct config *, struct state_db *);

/* "https://hooks.example.com:8443/...": a webhook URL fit for a log line. */
void	notify_url_redact(const char *url, char *out, size_t outlen);

#endif
