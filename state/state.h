/*
 * state.h: the SQLite store.  Schema versioned with PRAGMA user_version and
 * migrated forward on open; WAL mode; one transaction per cycle, so a run
 * killed at any point leaves the database as it was after the last complete
 * cycle.  A separate lock file (STATE_DB.lock, flock) keeps two runs apart.
 *
 * Read side (failover-agent(8), COMMANDS): status comes back as one struct
 * (struct
 * site_status) that the CLI renders as text, JSON (state_status_to_json(),
 * stable keys) or a Nagios line; history as a jansson object with stable
 * keys, printed as JSON or rendered as text.
 */
#ifndef FA_STATE_H
#define FA_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "agent/core/vocab.h"
#include "quorum/quorum.h"

struct state_db;

/*
 * Open (creating if needed, with its directory's permissions as they are)
 * and migrate path.  Returns 0 and *out, or -1 with err set; *out is then
 * NULL.  read_only opens an existing database without migrating or creating
 * (for status/history); a missing file is then an error "no state yet".
 */
int	state_open(const char *path, bool read_only, struct state_db **out,
	    char *err, size_t errlen);
void	state_close(struct state_db *);

/*
 * Take the run lock beside path (path + ".lock") without waiting.  Returns 0
 * with *fd_out holding it, 1 if another process holds it (err then reads
 * "another failover-agent run (pid N) holds PATH.lock"), -1 with err on
 * other errors.  Released by state_lock_release() or process exit.
 */
int	state_lock_acquire(const char *path, int *fd_out, char *err, size_t errlen);
void	state_lock_release(int fd);

/*
 * Does a run hold the lock beside path now?  For status, which must not
 * take it (nor write the lock file): opens it read-only and tries a shared
 * lock, released at once.  Returns 1 held, 0 free (or no lock file), -1
 * cannot tell (the file cannot be opened: another user's 0600 lock file).
 */
int	state_lock_held(const char *path);

/* Last stored state, or the initial one (SITE_UNKNOWN, streaks 0). */
int	state_load(struct state_db *, struct decide_state *out, char *err,
	    size_t errlen);

struct transition_record {
	int64_t		 at;		/* wall seconds */
	enum site_state	 from, to;
	const char	*reason;
};

enum action_result { ACTION_RESULT_OK, ACTION_RESULT_FAILED, ACTION_RESULT_SKIPPED };
const char *action_result_str(enum action_result);

struct action_record {
	int64_t			 at;
	const char		*kind;		/* "hook before_failover", "dns to_backup", ... */
	const char		*target;	/* zone, hook path, ... (never a secret) */
	enum action_result	 result;
	const char		*detail;
};

/* One check's result as history keeps it (strings borrowed). */
struct check_record {
	const char		*name;		/* the config's [check:NAME] */
	const char		*type;		/* "http", "tcp", ... */
	enum check_outcome	 outcome;
	const char		*detail;	/* "HTTP 503"; may be NULL */
	int64_t			 elapsed_ms;
};

/* What each managed record was seen holding, for status. */
struct record_seen {
	const char	*zone;
	const char	*owner;
	const char	*addrs;		/* "192.0.2.10, 2001:db8::10" or "" */
	const char	*holds;		/* dns_holds_str() */
};

/*
 * One spare's answer to this cycle's question, or why it abstained
 * (failover-agent(8),
 * THE QUORUM).  voter, verdict and checked_at mean something only when
 * reason is VOTE_VALID (they are stored as NULL otherwise).
 */
struct vote_record {
	const char		*spare;		/* the config's [spare:NAME] */
	const char		*url;
	enum vote_reason	 reason;	/* VOTE_VALID: the vote counts */
	const char		*voter;		/* the name the spare signed */
	enum vote_verdict	 verdict;
	int64_t			 checked_at;	/* when the spare probed */
	const char		*detail;	/* why not, in words; may be NULL */
	int64_t			 elapsed_ms;
};

/*
 * A move a cycle committed to before its first outside action
 * (failover-agent(8), Moves that survive interruption,
 * "Moves survive interruption").  Loaded ones own records and reason;
 * state_intent_clear() frees them.
 */
struct state_intent {
	int64_t		 id;
	int64_t		 opened_at;	/* wall seconds: hold_down counts from it */
	char		 boot_id[40];	/* the boot it was opened in */
	int64_t		 boottime_ms;	/* CLOCK_BOOTTIME then */
	int64_t		 cycle_id;	/* the cycle that opened it */
	char		 kind[16];	/* "check", "failover", "failback" */
	bool		 to_backup;	/* failover; false: failback */
	char		*records;	/* "www.example.com. shop.example.com." */
	char		*reason;
};

/* A zone's SOA serial as seen by a cycle. */
struct zone_serial {
	const char	*zone;
	uint32_t	 serial;
};

/* A condition that needs a person (issue 10 item 8). */
struct condition {
	const char	*name;		/* "dns-key", "conflict", ... */
	const char	*detail;	/* what a person reads */
	int64_t		 since;		/* 0: now (a new one) */
};

/*
 * Commit intent in its own transaction (before the first action), closing
 * every intent still open as "reconciled" (this cycle read DNS after
 * finding it).  Sets intent->id.  Returns 0, or -1 with err set: then
 * nothing is stored and the caller must not act.
 */
int	state_intent_open(struct state_db *, struct state_intent *intent,
	    char *err, size_t errlen);

/*
 * The newest open intent into *out (state_intent_clear() it).  Returns 0
 * when there is one, 1 when none is open, -1 with err set.
 */
int	state_intent_load_open(struct state_db *, struct state_intent *out,
	    char *err, size_t errlen);
void	state_intent_clear(struct state_intent *);

/* zone's last seen serial: 0 with *serial set, 1 when none, -1 on error. */
int	state_zone_serial_load(struct state_db *, const char *zone,
	    uint32_t *serial, char *err, size_t errlen);

/*
 * The stored conditions, into a fresh array of *n (names and details
 * allocated; state_conditions_free()).  Returns 0 or -1 with err set.
 */
int	state_conditions_load(struct state_db *, struct condition **out,
	    size_t *n, char *err, size_t errlen);
void	state_conditions_free(struct condition *, size_t n);

struct cycle_record {
	const char			*kind;		/* "check", "failover", "failback" */
	int64_t				 started_at;	/* wall seconds */
	int64_t				 duration_ms;
	enum cycle_outcome		 outcome;
	enum primary_status		 status;
	enum site_state			 state_before, state_after;
	const char			*message;
	int				 exit_code;
	size_t				 nchecks;
	const struct check_record	*checks;
	size_t				 ntransitions;
	const struct transition_record	*transitions;
	size_t				 nactions;
	const struct action_record	*actions;
	size_t				 nrecords;	/* 0: DNS not read this cycle */
	const struct record_seen	*records;
	enum quorum_result		 quorum;	/* QUORUM_NOT_ASKED unless asked */
	size_t				 nvotes;	/* 0: the spares were not asked */
	const struct vote_record	*votes;
	/*
	 * [hooks] notify: per transition, the JSON body to POST, queued in
	 * notify_pending in the cycle's transaction (NULL, or a NULL entry:
	 * not notified).
	 */
	const char *const		*notify_bodies;
	/*
	 * Issue 10.  intent_close: non-NULL closes every open intent with
	 * that word ("completed", "aborted", "reconciled"); NULL leaves an
	 * open one open (the outcome of a change is unknown: the next cycle
	 * reads DNS first).  serials: each zone's SOA serial seen this
	 * cycle (stored for the next one).  conditions: when have_conditions,
	 * the conditions that need a person now, replacing the stored ones
	 * (each keeps its "since" while it lasts).
	 */
	const char			*intent_close;
	size_t				 nserials;
	const struct zone_serial	*serials;
	bool				 have_conditions;
	size_t				 nconditions;
	const struct condition		*conditions;
};

/*
 * Store one cycle and the new state in one transaction.  Returns 0 or -1
 * with err set (then nothing of this cycle is stored).
 */
int	state_record_cycle(struct state_db *, const struct cycle_record *,
	    const struct decide_state *new_state, char *err, size_t errlen);

/*
 * When the last action of kind (e.g. "canary") was recorded, in wall
 * seconds.  Returns 0 with *at set, 1 when there is none yet, -1 with err
 * set.
 */
int	state_last_action_at(struct state_db *, const char *kind, int64_t *at,
	    char *err, size_t errlen);

/*
 * When a spare was last asked for a signed vote: its last "quorum canary"
 * action, or the last round that asked the spares if it was in it (wall
 * seconds; 0: never).  Returns 0, or -1 with err set.
 */
int	state_spare_last_asked(struct state_db *, const char *spare,
	    int64_t *at, char *err, size_t errlen);

/*
 * What `status` shows (failover-agent(8), COMMANDS), read in one snapshot of
 * the database and
 * rendered three ways: text and Nagios (agent/cmd_status.c,
 * agent/cmd_nagios.c) and JSON (state_status_to_json(), whose keys are
 * failover-agent(8), COMMANDS's).  Everything is owned by the struct:
 * state_status_free()
 * frees it.  A text column that was NULL is a NULL pointer; an integer
 * column that may be NULL uses STATUS_NULL.  The loader fills what the
 * database holds; the command adds what needs the config, the lock or the
 * network (the live records, the judgements of intent and spares).
 */
#define STATUS_NULL	INT64_MIN

/* A row of cycles: last_cycle, or the one whose votes are shown. */
struct status_cycle {
	int64_t			 id;
	char			*kind;		/* "check", "failover", "failback" */
	int64_t			 started_at;
	int64_t			 duration_ms;
	enum cycle_outcome	 outcome;
	enum primary_status	 primary_status;
	enum site_state		 state_before, state_after;
	char			*message;
	int64_t			 exit_code;
	/*
	 * The spares' verdict in the direction asked (issue 16; NULL for a
	 * cycle recorded before votes were stored); quorum_stored the word
	 * stored when it differs, tally what a person reads (votes_cycle
	 * only; NULL when none).
	 */
	char			*quorum;
	char			*quorum_stored;
	char			*tally;
	/* last_cycle only: its checks, and the outcome of the cycle before. */
	size_t			 nchecks;
	struct status_check {
		char		*name, *type, *outcome, *detail;
		int64_t		 elapsed_ms;
	}			*checks;
	bool			 has_previous;
	enum cycle_outcome	 previous_outcome;
};

/* What a managed record holds: as last seen, or live from DNS. */
struct status_record {
	char		*zone, *owner;
	char		*addrs;		/* "192.0.2.10, 2001:db8::10" or "" */
	char		*holds;		/* dns_holds_str(), "primary-partial", ... */
	int64_t		 seen_at;
	char		*why;		/* live only: what differs; NULL */
};

/* One vote of the most recent cycle that asked the spares. */
struct status_vote {
	char		*spare, *url;
	char		*voter;		/* NULL: abstained */
	char		*verdict;	/* "up", "down", ...; NULL: abstained */
	int64_t		 checked_at;	/* STATUS_NULL: abstained */
	bool		 valid;
	char		*reason;	/* vote_reason_str() */
	char		*detail;
	int64_t		 elapsed_ms;
	int64_t		 cycle_id;
};

/* An action row shown on its own: a canary, a lagging nameserver, ... */
struct status_note {
	int64_t		 at;
	int64_t		 cycle_id;	/* STATUS_NULL when not read */
	char		*target;	/* zone or spare; NULL when not read */
	bool		 ok;
	char		*detail;
};

struct site_status {
	/*
	 * false: there is no database (a site that never ran): the JSON
	 * then has the smaller key set of that case.
	 */
	bool			 stored;
	enum site_state		 state;
	int64_t			 state_since;	/* STATUS_NULL: not stored */
	enum primary_status	 primary_status;
	int64_t			 fail_streak, ok_streak;
	bool			 recovering;
	int64_t			 last_action_at;

	bool			 has_last_cycle;
	struct status_cycle	 last_cycle;

	size_t			 nrecords;
	struct status_record	*records;
	enum {
		STATUS_RECORDS_STORED,	/* as the last cycle saw them */
		STATUS_RECORDS_LIVE,	/* read from DNS now */
		STATUS_RECORDS_LIVE_FAILED /* DNS could not be read now */
	}			 records_source;
	char			*records_error;	/* LIVE_FAILED: why */

	bool			 has_votes_cycle;
	struct status_cycle	 votes_cycle;
	size_t			 nvotes;
	struct status_vote	*votes;

	/* The last [dns] canary: at, ok, detail (JSON "message"). */
	bool			 has_canary;
	struct status_note	 canary;

	/*
	 * The last change that was made (issue 18): cycle_id, at and
	 * direction (NULL, STATUS_NULL when no change was ever made but a
	 * move failed); the nameservers that did not serve it in time
	 * (target: zone); the newest failed move after it.
	 */
	bool			 has_verify;
	int64_t			 verify_move_id;	/* its action row */
	int64_t			 verify_cycle_id, verify_at;
	char			*verify_direction;
	size_t			 nlagging;
	struct status_note	*lagging;
	bool			 has_failed_since;
	struct status_note	 failed_since;

	/* [hooks] notify POSTs not delivered yet. */
	int64_t			 notify_pending;
	int64_t			 notify_oldest_at;	/* STATUS_NULL: none */
	int64_t			 notify_attempts;	/* STATUS_NULL: none */
	char			*notify_last_error;

	/* The open move intent (issue 10). */
	bool			 has_intent;
	struct status_intent {
		int64_t		 id, opened_at;
		char		*kind, *direction, *records, *reason;
		int64_t		 cycle_id;	/* STATUS_NULL: none */
		/* Judged by the command (annotated): */
		int		 running;	/* 1, 0, -1: cannot tell */
		bool		 interrupted;
	}			 intent;

	/* Per spare, its last [quorum] canary (target: spare), newest first. */
	size_t			 nquorum_canary;
	struct status_note	*quorum_canary;
	/* The last layout check's findings (detail, at). */
	size_t			 nlayout_warnings;
	struct status_note	*layout_warnings;
	/* The last cycle's "dns stale" actions (target: zone). */
	size_t			 nstale;
	struct status_note	*stale;

	/* The last ntransitions, newest first. */
	size_t			 ntransitions;
	struct status_transition {
		int64_t		 at;
		enum site_state	 from, to;
		char		*reason;
		int64_t		 cycle_id;	/* STATUS_NULL: its cycle was pruned */
	}			*transitions;

	/*
	 * Judged by the command from the config (cmd_status_annotate()),
	 * for a backup: annotated says these and intent.running/interrupted
	 * are filled.  no_quorum: no [quorum] and not [agent] quorum = none.
	 * has_quorum_check: [quorum] with spares; failing: per configured
	 * spare its newest signed-vote evidence that failed (target: spare).
	 */
	bool			 annotated;
	bool			 no_quorum;
	bool			 has_quorum_check;
	int			 quorum_need, quorum_spares;
	size_t			 nfailing;
	struct status_note	*failing;
};

/*
 * Read the status into *out (state_status_free() it, also after an
 * error), with the last ntransitions transitions (all if negative).
 * Returns 0, or -1 with err set.
 */
int	state_status_load(struct state_db *, int ntransitions,
	    struct site_status *out, char *err, size_t errlen);
/* The status of a site without a database: UNKNOWN, nothing in it. */
void	state_status_empty(struct site_status *out);
void	state_status_free(struct site_status *);
/* Free the records alone (nrecords 0), for a caller that reads them live. */
void	state_status_records_free(struct site_status *);

/*
 * The status as failover-agent(8), COMMANDS's object: keys "state",
 * "state_since",
 * "primary_status", "fail_streak", "ok_streak", "recovering",
 * "last_action_at", "last_cycle" (object with its "checks" and
 * "previous_outcome", or null), "records" (array, as last seen; live:
 * "records_live" true, each with "why" when it differs; DNS unreadable:
 * "records_live" false and "records_error"), "votes" (array: the votes of
 * the most recent cycle that asked the spares, each with spare, url,
 * voter, verdict, checked_at, valid (boolean), reason, detail, elapsed_ms
 * and cycle_id), "votes_cycle" (that cycle, with its "quorum" result in
 * the direction asked and its "tally" in words, or null), "canary" (the
 * last [dns] canary: {at, ok, message}, or null), "verify" (the last
 * change that was made: {cycle_id, at, direction, lagging: [{zone,
 * detail}]: the nameservers that did not serve it in time, failed_since:
 * the newest failed move after it, {cycle_id, at, zone, detail} or null};
 * cycle_id null when no change was ever made but a move failed; null when
 * neither), "notify" ({pending, oldest_at, attempts, last_error}: the
 * [hooks] notify POSTs not delivered yet; pending 0 and nulls when none),
 * "intent" (the open move intent {id, opened_at, kind, direction,
 * records, reason, cycle_id}, and when annotated "running" (null: cannot
 * tell) and "interrupted", or null), "quorum_canary" (per spare the last
 * [quorum] canary: [{spare, at, cycle_id, ok, detail}]),
 * "layout_warnings" ([{detail, at}]: the DNS layouts that cannot fail
 * over found by the last "dns layout" check, [] when none),
 * "stale_nameservers" ([{zone, detail, at}]: the last cycle's "dns
 * stale" actions), "transitions" (newest first; a transition whose cycle
 * was pruned has cycle_id null); when annotated "no_quorum" and
 * "quorum_check" ({need, spares, failing: [{spare, at, detail}]}).  Bytes
 * that are not UTF-8 read as '?'.  New reference, or NULL (out of memory).
 */
json_t	*state_status_to_json(const struct site_status *);

/* state_status_load() + state_status_to_json(). */
json_t	*state_status_json(struct state_db *, int ntransitions, char *err,
	    size_t errlen);

/*
 * What history shows: the newest `limit` cycles (all if negative) that
 * started at or after `since` (wall seconds; 0: no bound) and whose
 * outcome is one of outcomes[0 .. noutcomes-1] (noutcomes 0: any).
 */
struct history_query {
	int				 limit;
	int64_t				 since;
	size_t				 noutcomes;
	const enum cycle_outcome	*outcomes;
};

/*
 * state_history_json() with filters: the same object, only the cycles
 * that match.  Every query reads through an index (cycles by id, by
 * started_at, by outcome), so a year of one-minute cycles costs what a
 * day does.  New reference, or NULL with err set.
 */
json_t	*state_history_query(struct state_db *, const struct history_query *,
	    char *err, size_t errlen);

/*
 * [agent] history_keep: delete at most `limit` cycles that started before
 * `before` (wall seconds), oldest first, with their checks, votes and
 * actions, in one transaction.  Transitions stay, their cycle_id set to
 * NULL: what happened to the site is never forgotten.  *deleted counts the
 * cycles deleted.  Returns 0, or -1 with err set (nothing deleted).
 */
int	state_prune(struct state_db *, int64_t before, int limit, int *deleted,
	    char *err, size_t errlen);

/*
 * The id the next state_record_cycle() will give its cycle (history's #N),
 * for the hooks' FA_CYCLE_ID.  Exact while the caller holds the run lock
 * (no other writer); if that cycle then fails to be recorded, the id goes
 * to the next one.  Returns 0, or -1 with err set.
 */
int	state_next_cycle_id(struct state_db *, int64_t *id, char *err,
	    size_t errlen);

/* A queued [hooks] notify POST (notify_pending), oldest first. */
struct notify_item {
	int64_t	 id;
	int64_t	 created_at;
	int	 attempts;
	char	*body;			/* the JSON, NUL-terminated */
};

/*
 * At most max queued notifications, oldest first, into a fresh array the
 * caller frees with state_notify_free().  Returns 0 (*n may be 0), or -1
 * with err set.
 */
int	state_notify_pending(struct state_db *, int max, struct notify_item **out,
	    size_t *n, char *err, size_t errlen);
void	state_notify_free(struct notify_item *, size_t n);

/* Delivered: the row goes.  Returns 0, or -1 with err set. */
int	state_notify_done(struct state_db *, int64_t id, char *err,
	    size_t errlen);
/* Not delivered: attempts + 1, when and why kept for status. */
int	state_notify_failed(struct state_db *, int64_t id, int64_t at,
	    const char *why, char *err, size_t errlen);
/*
 * Keep the newest `keep` queued notifications, delete older ones (a
 * webhook down for days must not grow the database without end); keep 0
 * empties the queue.  *dropped counts them.  Returns 0, or -1 with err set.
 */
int	state_notify_trim(struct state_db *, int keep, int *dropped, char *err,
	    size_t errlen);

/*
 * History: {"cycles": [...]}, the last n cycles (all if n is negative),
 * newest first, each with its quorum result ("quorum": "not-asked",
 * "confirmed", ...; null for cycles recorded before votes were stored; in
 * the direction asked, with "tally" in words, for a cycle that asked),
 * checks, votes, actions and transitions.  New reference, or NULL with err
 * set.
 */
json_t	*state_history_json(struct state_db *, int n, char *err, size_t errlen);

/*
 * A spare's latest finished probe (vote-server, role = spare): replace the
 * one row of spare_probe with rep.  Called on the vote server's prober
 * thread, never while a vote waits.  Returns 0, or -1 with err set.
 */
int	state_spare_probe_write(struct state_db *,
	    const struct vote_probe_report *rep, char *err, size_t errlen);

/*
 * That row as {"verdict", "checked_at", "finished_at", "duration_ms",
 * "max_age", "probes", "detail"} (detail null when none), JSON null when no
 * probe was written yet; NULL with err set on error.  The caller
 * json_decref()s it.
 */
json_t	*state_spare_probe_json(struct state_db *, char *err, size_t errlen);

#endif
