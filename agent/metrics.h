/*
 * metrics.h: [agent] metrics_file, the status for Prometheus (node_exporter's
 * textfile collector).
 */
#ifndef FA_METRICS_H
#define FA_METRICS_H

#include <stddef.h>

#include "agent/core/config.h"

#ifndef FA_VERSION
#define FA_VERSION	"0.1"
#endif

struct site_status;

/*
 * Write cfg->agent.metrics_file from status (state_status_load(),
 * borrowed) atomically: a temporary file beside it, fsync, rename.
 * Returns 0, or -1 with err set (the old file, if any, is left as it was).
 */
int	metrics_write(const struct config *cfg,
	    const struct site_status *status, char *err, size_t errlen);

struct vote_probe_report;

/*
 * A spare (vote-server) after each probe: votes served and refused by kind,
 * probes by verdict, the latest probe; the same atomic write.
 */
int	metrics_write_spare(const struct config *cfg,
	    const struct vote_probe_report *rep, char *err, size_t errlen);

#endif
