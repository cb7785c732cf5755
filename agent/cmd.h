/*
 * cmd.h: the subcommands of failover-agent (failover-agent(8), COMMANDS). 
 * main.c holds the
 * table; each command parses its own options and returns an exit code
 * (FA_EXIT_* of util.h).
 */
#ifndef FA_CMD_H
#define FA_CMD_H

#include <stdbool.h>

#include <jansson.h>

#include "agent/core/config.h"
#include "agent/core/decide.h"

struct site_status;

struct cmd_ctx {
	const char	*config_path;	/* resolved: -c, $FAILOVER_AGENT_CONF or default */
	int		 verbosity;
};

/*
 * Load the config for a command, printing every diagnostic to stderr.
 * Returns 0 and *out, or FA_EXIT_CONFIG.
 */
int	cmd_config_load(const struct cmd_ctx *, struct config **out);
/*
 * The same for status and history, which read the config and the state
 * only: CONFIG_LOAD_NO_SECRETS (no secret file or program is looked at).
 */
int	cmd_config_load_public(const struct cmd_ctx *, struct config **out);

int	cmd_check(const struct cmd_ctx *, int argc, char **argv);
int	cmd_run(const struct cmd_ctx *, int argc, char **argv);
int	cmd_failover(const struct cmd_ctx *, int argc, char **argv);
int	cmd_failback(const struct cmd_ctx *, int argc, char **argv);
int	cmd_status(const struct cmd_ctx *, int argc, char **argv);
/* status --nagios: one plugin line on stdout; returns 0, 1, 2 or 3. */
int	cmd_status_nagios(const struct cmd_ctx *);
/* status --all: every instance's config in the config file's directory. */
int	cmd_status_all(const struct cmd_ctx *, bool as_json);
/*
 * What status, --json and --nagios judge alike, added to the status
 * (state_status_load()) of a backup from the config and the lock, at
 * wall time now (nothing for another role):
 *   intent.running      1 while a run holds the lock, 0 when none does,
 *                       -1 when the lock file cannot be read
 *   intent.interrupted  nobody is finishing the move (CRITICAL)
 *   no_quorum           no [quorum] and not [agent] quorum = none
 *   failing             with [quorum] and spares (has_quorum_check): per
 *                       configured spare its newest signed-vote evidence
 *                       (a [quorum] canary or a real round) that failed
 * Never fails (out of memory is fatal).
 */
void	cmd_status_annotate(const struct config *, struct site_status *,
	    int64_t now);

/* How much a finding of the status weighs; the values are Nagios's. */
enum status_level {
	STATUS_LEVEL_OK = 0,
	STATUS_LEVEL_WARNING = 1,
	STATUS_LEVEL_CRITICAL = 2,
};
/*
 * A record that holds "other" (neither site's addresses) is CRITICAL,
 * part of a site's set or anything else unknown WARNING; a site's whole
 * set, or a record not read, OK.
 */
enum status_level cmd_status_record_level(const char *holds);
/* Fewer spares pass the signed vote check than [quorum] need. */
bool	cmd_status_spares_short(const struct site_status *);
/* --json: j on stdout, indented, keys sorted, and a newline. */
void	cmd_json_print(const json_t *j);
/*
 * One spare's answer to a signed vote request in the words config-test
 * and the [quorum] canary use: "answers and agrees on the secret (up,
 * checked ...)", "401 bad MAC: the spare holds a different vote.key",
 * "401 stale timestamp: ...", "no-answer: ...".  Written to buf.
 */
struct vote_result;
void	cmd_vote_describe(const struct vote_result *, char *buf, size_t len);
int	cmd_history(const struct cmd_ctx *, int argc, char **argv);
int	cmd_config_test(const struct cmd_ctx *, int argc, char **argv);
int	cmd_vote_server(const struct cmd_ctx *, int argc, char **argv);

/*
 * One cycle (check) or one manual request, end to end: lock, load state,
 * probe, decide, act, record.  dry_run prints the plan and changes nothing
 * (no lock, no DNS change, no history row).  Returns the exit code.
 */
int	cycle_execute(const struct config *, enum decide_request, bool force,
	    bool dry_run);

struct state_db;

/*
 * The same cycle on a state database the caller opened (read-write) and
 * whose run lock it holds: cycle_execute() takes the lock, opens the
 * database, calls this, and lets go; `run` holds both for its whole life
 * and calls this once per interval.  db may be NULL only for a dry run.
 * After the cycle's transaction: history_keep pruning, then the [hooks]
 * notify POSTs.  Returns the cycle's exit code.
 */
int	cycle_execute_locked(const struct config *, struct state_db *db,
	    enum decide_request, bool force, bool dry_run);

#endif
