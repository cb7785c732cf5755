/*
 * cmd_nagios.c: `status --nagios` (failover-agent(8), MONITORING), a
 * Nagios/Icinga plugin: one
 * line "FAILOVER OK - ..." with performance data, exit 0 OK, 1 WARNING,
 * 2 CRITICAL, 3 UNKNOWN (Nagios plugin guidelines: any trouble of the
 * plugin itself, a config it cannot read included, is UNKNOWN).
 *
 * It reads only the state database, read-only (and tries a shared lock on
 * its lock file, only while a move intent is open), never the network: a
 * monitoring system polls it every minute, and it must answer at once even
 * when DNS is what is broken.
 *
 *   CRITICAL  the site is ACTIVE (failed over: DNS points at the backup),
 *             or FAILED (an action failed part-way, or DNS is in conflict);
 *             the primary at FAIL and this site unable to fail over (ERROR,
 *             UNCONFIRMED, ISOLATED twice in a row); a managed record that
 *             holds neither site's addresses; a move interrupted (an open
 *             intent, no run holding the lock); fewer spares passing the
 *             signed vote check than [quorum] need
 *   WARNING   STANDBY, but: the primary is WARN, CRITICAL or FAIL (not
 *             failed over: PARTITION, HELD, one ISOLATED, ...) or INFO
 *             (recovering); the [dns] canary failed; a nameserver lagged
 *             on the last DNS move, or serves stale data; the DNS layout
 *             cannot fail over; a failback was refused (UNSAFE); the
 *             last cycle ended in ERROR; notifications wait undelivered;
 *             or the last cycle is older than 3 x interval (cron or `run`
 *             stopped: the agent is not watching); a record that holds
 *             part of a site's set; a spare that refused our signed vote
 *             or whose answer did not verify; no [quorum] (unless [agent]
 *             quorum = none)
 *   UNKNOWN   no cycle recorded yet, or the database cannot be read
 *   OK        STANDBY, primary OK, none of the above
 *
 * It judges the status struct (state.h) that status and status --json
 * render too, with the same record and spare judgements as status
 * (cmd_status_record_level(), cmd_status_spares_short()).
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/cmd.h"
#include "agent/lib/log.h"
#include "agent/lib/util.h"
#include "state/state.h"

#define NAGIOS_OK		0
#define NAGIOS_WARNING		1
#define NAGIOS_CRITICAL		2
#define NAGIOS_UNKNOWN		3
#define NAGIOS_STALE_FACTOR	3	/* last cycle older than 3 x interval */

static const char *const nagios_words[] = { "OK", "WARNING", "CRITICAL",
    "UNKNOWN" };

/* What is wrong, most severe first when printed. */
struct nagios {
	int	level;
	char	crit[1024];
	char	warn[1536];
};

static void __attribute__((format(printf, 3, 4)))
nagios_add(struct nagios *n, int level, const char *fmt, ...)
{
	char	*buf = level == NAGIOS_CRITICAL ? n->crit : n->warn;
	size_t	 size = level == NAGIOS_CRITICAL ? sizeof(n->crit) :
		    sizeof(n->warn);
	size_t	 used = strlen(buf);
	va_list	 ap;

	if (level > n->level)
		n->level = level;
	if (used + 3 >= size)
		return;
	if (used > 0) {
		memcpy(buf + used, "; ", 3);
		used += 2;
	}
	va_start(ap, fmt);
	(void)vsnprintf(buf + used, size - used, fmt, ap);
	va_end(ap);
}

/* A text field of the status: "" for none. */
#define S(s)	((s) != NULL ? (s) : "")

/* A plugin line must stay one line: new lines and '|' would break it. */
static void
nagios_print_clean(const char *s)
{
	for (; *s != '\0'; s++)
		putchar(*s == '\n' || *s == '\r' || *s == '|' ? ' ' : *s);
}

static void
nagios_unknown(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void
nagios_unknown(const char *fmt, ...)
{
	char	buf[1024];
	va_list	ap;

	va_start(ap, fmt);
	(void)vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	printf("FAILOVER UNKNOWN - ");
	nagios_print_clean(buf);
	printf("\n");
}

/*
 * The primary is at FAIL and this site cannot fail over (issue 18): the
 * last cycle ended in ERROR or UNCONFIRMED, or ISOLATED twice in a row
 * (once may be one lost packet).  PARTITION and HELD stay warnings: the
 * spares see the primary up, or the move only waits.
 */
static bool
nagios_cannot_fail_over(const struct status_cycle *lc)
{
	return lc->outcome == OUTCOME_ERROR ||
	    lc->outcome == OUTCOME_UNCONFIRMED ||
	    (lc->outcome == OUTCOME_ISOLATED && lc->has_previous &&
	    lc->previous_outcome == OUTCOME_ISOLATED);
}

/* An open move intent nobody finishes (issue 10); one under way is fine. */
static void
nagios_judge_intent(const struct site_status *st, struct nagios *n)
{
	char	when[64];

	if (!st->has_intent || !st->intent.interrupted)
		return;
	util_time_format(st->intent.opened_at, when, sizeof(when));
	nagios_add(n, NAGIOS_CRITICAL, "a failover/failback was interrupted "
	    "(started %s): the next cycle reconciles from DNS", when);
}

/*
 * Records as last seen (issue 17): one that holds neither site's
 * addresses is CRITICAL while STANDBY too (a hand-made change waits there
 * for the next outage); one that holds part of a site's set, or anything
 * this plugin does not know, WARNING (cmd_status_record_level()).
 */
static void
nagios_judge_records(const struct site_status *st, struct nagios *n)
{
	const struct status_record	*r;
	const char			*addrs;
	size_t				 i;

	for (i = 0; i < st->nrecords; i++) {
		r = &st->records[i];
		addrs = S(r->addrs)[0] ? r->addrs : "nothing";
		switch (cmd_status_record_level(S(r->holds))) {
		case STATUS_LEVEL_OK:
			break;
		case STATUS_LEVEL_CRITICAL:
			nagios_add(n, NAGIOS_CRITICAL, "%s holds %s, neither "
			    "site's addresses", S(r->owner), addrs);
			break;
		case STATUS_LEVEL_WARNING:
			nagios_add(n, NAGIOS_WARNING, "%s holds %s (%s), not a "
			    "site's whole set", S(r->owner), addrs,
			    S(r->holds));
			break;
		}
	}
}

/*
 * The quorum path (issue 17): a spare whose signed vote failed (refused
 * our MAC, or its answer does not verify) is WARNING; fewer spares left
 * than need, CRITICAL.  Without [quorum], WARNING every time unless
 * [agent] quorum = none says it is on purpose (issue 10).
 */
static void
nagios_judge_spares(const struct site_status *st, struct nagios *n)
{
	char	when[64];
	size_t	i;

	if (st->no_quorum)
		nagios_add(n, NAGIOS_WARNING, "no spares: this agent cannot "
		    "tell its own outage from the primary's");
	if (!st->has_quorum_check)
		return;
	if (cmd_status_spares_short(st))
		nagios_add(n, NAGIOS_CRITICAL, "only %lld of %d spares pass "
		    "the signed vote check, need %d: a failover cannot be "
		    "confirmed", (long long)st->quorum_spares -
		    (long long)st->nfailing, st->quorum_spares,
		    st->quorum_need);
	for (i = 0; i < st->nfailing; i++) {
		util_time_format(st->failing[i].at, when, sizeof(when));
		nagios_add(n, NAGIOS_WARNING, "spare %s: signed vote failed at "
		    "%s: %s", S(st->failing[i].target), when,
		    S(st->failing[i].detail));
	}
}

/*
 * The site's state and the primary's status: CRITICAL failed over or
 * FAILED; WARNING the primary not OK while STANDBY (CRITICAL at FAIL when
 * this site cannot fail over).  tally: the spares' words when the last
 * cycle is the one that asked, or "".
 */
static void
nagios_judge_state(const struct config *cfg, const struct site_status *st,
    const char *tally, struct nagios *n)
{
	const struct status_cycle	*lc = &st->last_cycle;
	const char			*ps;
	bool				 waiting;
	char				 since[64];

	ps = primary_status_str(st->primary_status);
	waiting = lc->outcome == OUTCOME_WAITING;
	util_time_format(st->state_since, since, sizeof(since));
	if (st->state == SITE_ACTIVE)
		nagios_add(n, NAGIOS_CRITICAL, "failed over: DNS points at the "
		    "backup since %s (%s); primary %s%s%s", since,
		    st->ntransitions > 0 && st->transitions[0].to ==
		    SITE_ACTIVE ? S(st->transitions[0].reason) :
		    S(lc->message), ps, waiting ?
		    ", waiting for `failover-agent failback`" : tally[0] ?
		    "; " : "", waiting ? "" : tally);
	else if (st->state == SITE_FAILED)
		nagios_add(n, NAGIOS_CRITICAL, "FAILED since %s: %s", since,
		    S(lc->message));
	if (st->state != SITE_STANDBY)
		return;
	if (st->primary_status == PRIMARY_INFO)
		nagios_add(n, NAGIOS_WARNING, "primary INFO: recovering (%lld "
		    "of %d good cycles)", (long long)st->ok_streak,
		    cfg->agent.recover_after);
	else if (st->primary_status == PRIMARY_FAIL)
		nagios_add(n, nagios_cannot_fail_over(lc) ? NAGIOS_CRITICAL :
		    NAGIOS_WARNING, "primary FAIL (%lld failed cycles) %s: %s: "
		    "%s%s%s", (long long)st->fail_streak,
		    nagios_cannot_fail_over(lc) ?
		    "and this site cannot fail over" : "but not failed over",
		    cycle_outcome_str(lc->outcome), S(lc->message), tally[0] ?
		    "; " : "", tally);
	else if (st->primary_status != PRIMARY_OK)
		nagios_add(n, NAGIOS_WARNING, "primary %s (%lld failed cycle%s, "
		    "fail_after %d)", ps, (long long)st->fail_streak,
		    st->fail_streak == 1 ? "" : "s", cfg->agent.fail_after);
}

/*
 * What the DNS side says: a failback refused (UNSAFE), the last cycle in
 * ERROR, the canary refused, nameservers that lagged on the last change
 * or serve stale data, a layout that cannot fail over, notifications
 * undelivered.
 */
static void
nagios_judge_dns(const struct site_status *st, struct nagios *n)
{
	const struct status_cycle	*lc = &st->last_cycle;
	char				 when[64];

	if (lc->outcome == OUTCOME_UNSAFE)
		nagios_add(n, NAGIOS_WARNING, "failback refused: %s",
		    S(lc->message));
	if (lc->outcome == OUTCOME_ERROR)
		nagios_add(n, NAGIOS_WARNING, "last cycle ERROR: %s",
		    S(lc->message));
	if (st->has_canary && !st->canary.ok) {
		util_time_format(st->canary.at, when, sizeof(when));
		nagios_add(n, NAGIOS_WARNING, "DNS canary failed at %s: %s "
		    "(a failover would fail too)", when, S(st->canary.detail));
	}
	if (st->nlagging > 0)
		nagios_add(n, NAGIOS_WARNING, "%zu nameserver%s did not serve "
		    "the last change in time (%s %s%s)", st->nlagging,
		    st->nlagging == 1 ? "" : "s", S(st->lagging[0].target),
		    S(st->lagging[0].detail), st->nlagging > 1 ? ", ..." : "");
	/* What text status shows as WARNING: the failover itself at risk. */
	if (st->nlayout_warnings > 0)
		nagios_add(n, NAGIOS_WARNING, "this layout cannot fail over: "
		    "%s%s", S(st->layout_warnings[0].detail),
		    st->nlayout_warnings > 1 ? " (and more: see status)" : "");
	if (st->nstale > 0)
		nagios_add(n, NAGIOS_WARNING, "%zu nameserver%s serve%s stale "
		    "data: %s", st->nstale, st->nstale == 1 ? "" : "s",
		    st->nstale == 1 ? "s" : "", S(st->stale[0].detail));
	if (st->notify_pending > 0)
		nagios_add(n, NAGIOS_WARNING, "%lld notification%s not "
		    "delivered%s%s", (long long)st->notify_pending,
		    st->notify_pending == 1 ? "" : "s",
		    S(st->notify_last_error)[0] ? ": " : "",
		    S(st->notify_last_error));
}

/*
 * When the last cycle ended, from its start and duration: the agent
 * stopped watching when that is older than NAGIOS_STALE_FACTOR x interval.
 */
static long long
nagios_age(const struct site_status *st, int64_t now)
{
	const struct status_cycle	*lc = &st->last_cycle;
	long long			 end;

	end = lc->started_at + (lc->duration_ms + 999) / 1000;
	return now > end ? now - end : 0;
}

/* Judge the status (of a site with a last cycle); fills n. */
static void
nagios_judge(const struct config *cfg, const struct site_status *st,
    long long age, struct nagios *n)
{
	const char	*tally;
	char		 stale[32];

	/* The spares' words, when the last cycle is the one that asked. */
	tally = st->has_votes_cycle && st->votes_cycle.id ==
	    st->last_cycle.id ? S(st->votes_cycle.tally) : "";
	nagios_judge_state(cfg, st, tally, n);
	nagios_judge_dns(st, n);
	nagios_judge_intent(st, n);
	nagios_judge_records(st, n);
	nagios_judge_spares(st, n);
	if (age * 1000 > NAGIOS_STALE_FACTOR * cfg->agent.interval_ms) {
		util_duration_format(cfg->agent.interval_ms, stale,
		    sizeof(stale));
		nagios_add(n, NAGIOS_WARNING, "stale: the last cycle ended %llds"
		    " ago, more than %d x interval (%s): is cron or `run` still"
		    " running?", age, NAGIOS_STALE_FACTOR, stale);
	}
}

static void
nagios_print(const struct config *cfg, const struct site_status *st,
    const struct nagios *n, long long age)
{
	const struct status_cycle	*lc = &st->last_cycle;
	char				 since[64], warn_s[32];

	printf("FAILOVER %s - ", nagios_words[n->level]);
	if (n->level == NAGIOS_OK) {
		util_time_format(st->state_since, since, sizeof(since));
		printf("STANDBY since %s, primary OK, last cycle #%lld %llds ago "
		    "(%s)", since, (long long)lc->id, age,
		    cycle_outcome_str(lc->outcome));
	} else {
		nagios_print_clean(n->crit);
		if (n->crit[0] != '\0' && n->warn[0] != '\0')
			printf("; ");
		nagios_print_clean(n->warn);
	}
	/* Perfdata: 'label'=value[UOM];[warn];[crit];[min];[max] */
	snprintf(warn_s, sizeof(warn_s), "%.3g", (double)(NAGIOS_STALE_FACTOR *
	    cfg->agent.interval_ms) / 1000.0);
	printf(" | fail_streak=%lld;;;0 ok_streak=%lld;;;0 "
	    "last_cycle_age=%llds;%s;;0 last_cycle_duration=%lldms;;;0 "
	    "notify_pending=%lld;;;0\n", (long long)st->fail_streak,
	    (long long)st->ok_streak, age, warn_s,
	    (long long)lc->duration_ms, (long long)st->notify_pending);
}

int
cmd_status_nagios(const struct cmd_ctx *ctx)
{
	struct config		*cfg = NULL;
	struct state_db		*db = NULL;
	struct diag_list	 diags;
	struct nagios		 n;
	struct site_status	 st;
	char			 err[512];
	long long		 age = 0;
	int64_t			 now;
	size_t			 i;
	int			 rc = NAGIOS_UNKNOWN;

	memset(&diags, 0, sizeof(diags));
	memset(&n, 0, sizeof(n));
	state_status_empty(&st);
	if (config_load_flags(ctx->config_path, CONFIG_LOAD_NO_SECRETS,
	    &cfg, &diags) == -1) {
		for (i = 0; i < diags.n; i++)
			if (diags.items[i].is_error)
				break;
		nagios_unknown("configuration error: %s%s", i < diags.n ?
		    diags.items[i].msg : ctx->config_path, diags.nerrors > 1 ?
		    " (and more: run failover-agent config-test)" : "");
		goto done;
	}
	if (cfg->agent.role != ROLE_BACKUP) {
		nagios_unknown("%s: role = %s: status --nagios watches a "
		    "backup (a spare keeps no state)", ctx->config_path,
		    site_role_str(cfg->agent.role));
		goto done;
	}
	if (state_open(cfg->agent.state_db, true, &db, err,
	    sizeof(err)) == -1) {
		nagios_unknown("%s", err);
		goto done;
	}
	if (state_status_load(db, 1, &st, err, sizeof(err)) == -1) {
		nagios_unknown("%s", err);
		goto done;
	}
	if (!st.has_last_cycle || st.state == SITE_UNKNOWN) {
		nagios_unknown("no cycle recorded yet in %s (never ran: is "
		    "cron or `failover-agent run` set up?)",
		    cfg->agent.state_db);
		goto done;
	}
	now = util_wall_ms() / 1000;
	cmd_status_annotate(cfg, &st, now);
	age = nagios_age(&st, now);
	nagios_judge(cfg, &st, age, &n);
	nagios_print(cfg, &st, &n, age);
	rc = n.level;
done:
	fflush(stdout);
	state_status_free(&st);
	if (db != NULL)
		state_close(db);
	config_free(cfg);
	diag_clear(&diags);
	return rc;
}
