/*
 * cmd_nagios.c: `status --nagios` (SPEC §2), a Nagios/Icinga plugin: one
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
 *             on the last DNS move; a failback was refused (UNSAFE); the
 *             last cycle ended in ERROR; notifications wait undelivered;
 *             or the last cycle is older than 3 x interval (cron or `run`
 *             stopped: the agent is not watching); a record that holds
 *             part of a site's set; a spare that refused our signed vote
 *             or whose answer did not verify; no [quorum] (unless [agent]
 *             quorum = none)
 *   UNKNOWN   no cycle recorded yet, or the database cannot be read
 *   OK        STANDBY, primary OK, none of the above
 *
 * Keys another module may add to the status object ("failback_refused",
 * "warnings") are honoured when present and ignored when absent.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

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

static const char *
jstr(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s != NULL ? s : "";
}

static long long
jint(const json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

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
nagios_cannot_fail_over(const json_t *lc)
{
	const char	*oc = jstr(lc, "outcome");

	return strcmp(oc, "ERROR") == 0 || strcmp(oc, "UNCONFIRMED") == 0 ||
	    (strcmp(oc, "ISOLATED") == 0 &&
	    strcmp(jstr(lc, "previous_outcome"), "ISOLATED") == 0);
}

/* An open move intent nobody finishes (issue 10); one under way is fine. */
static void
nagios_judge_intent(const json_t *st, struct nagios *n)
{
	const json_t	*in = json_object_get(st, "intent");
	char		 when[64];

	if (!json_is_object(in) ||
	    !json_is_true(json_object_get(in, "interrupted")))
		return;
	util_time_format(jint(in, "opened_at"), when, sizeof(when));
	nagios_add(n, NAGIOS_CRITICAL, "a failover/failback was interrupted "
	    "(started %s): the next cycle reconciles from DNS", when);
}

/*
 * Records as last seen (issue 17): one that holds neither site's
 * addresses is CRITICAL while STANDBY too (a hand-made change waits there
 * for the next outage); one that holds part of a site's set, or anything
 * this plugin does not know, WARNING.
 */
static void
nagios_judge_records(const json_t *st, struct nagios *n)
{
	const json_t	*v;
	const char	*h, *addrs;
	size_t		 i;

	json_array_foreach(json_object_get(st, "records"), i, v) {
		h = jstr(v, "holds");
		addrs = jstr(v, "addrs")[0] ? jstr(v, "addrs") : "nothing";
		if (strcmp(h, "primary") == 0 || strcmp(h, "backup") == 0 ||
		    strcmp(h, "not-read") == 0 || strcmp(h, "unreadable") == 0)
			continue;
		if (strcmp(h, "other") == 0)
			nagios_add(n, NAGIOS_CRITICAL, "%s holds %s, neither "
			    "site's addresses", jstr(v, "owner"), addrs);
		else
			nagios_add(n, NAGIOS_WARNING, "%s holds %s (%s), not a "
			    "site's whole set", jstr(v, "owner"), addrs, h);
	}
}

/*
 * The quorum path (issue 17): a spare whose signed vote failed (refused
 * our MAC, or its answer does not verify) is WARNING; fewer spares left
 * than need, CRITICAL.  Without [quorum], WARNING every time unless
 * [agent] quorum = none says it is on purpose (issue 10).
 */
static void
nagios_judge_spares(const json_t *st, struct nagios *n)
{
	const json_t	*qc = json_object_get(st, "quorum_check");
	const json_t	*fl = json_object_get(qc, "failing");
	const json_t	*v;
	char		 when[64];
	size_t		 i;

	if (json_is_true(json_object_get(st, "no_quorum")))
		nagios_add(n, NAGIOS_WARNING, "no spares: this agent cannot "
		    "tell its own outage from the primary's");
	if (!json_is_object(qc))
		return;
	if (jint(qc, "spares") - (long long)json_array_size(fl) <
	    jint(qc, "need"))
		nagios_add(n, NAGIOS_CRITICAL, "only %lld of %lld spares pass "
		    "the signed vote check, need %lld: a failover cannot be "
		    "confirmed", jint(qc, "spares") -
		    (long long)json_array_size(fl), jint(qc, "spares"),
		    jint(qc, "need"));
	json_array_foreach(fl, i, v) {
		util_time_format(jint(v, "at"), when, sizeof(when));
		nagios_add(n, NAGIOS_WARNING, "spare %s: signed vote failed at "
		    "%s: %s", jstr(v, "spare"), when, jstr(v, "detail"));
	}
}

/* Judge the status object; fills n.  now is wall seconds. */
static void
nagios_judge(const struct config *cfg, const json_t *st, int64_t now,
    struct nagios *n, long long *age)
{
	const json_t	*lc = json_object_get(st, "last_cycle");
	const json_t	*tr0 = json_array_get(json_object_get(st,
			    "transitions"), 0);
	const json_t	*cy = json_object_get(st, "canary");
	const json_t	*vf = json_object_get(st, "verify");
	const json_t	*nt = json_object_get(st, "notify");
	const json_t	*fr = json_object_get(st, "failback_refused");
	const json_t	*vc = json_object_get(st, "votes_cycle");
	const json_t	*v, *lag;
	const char	*tally;
	const char	*state = jstr(st, "state");
	const char	*ps = jstr(st, "primary_status");
	char		 since[64], when[64], stale[32];
	long long	 end, ok_streak = jint(st, "ok_streak");
	size_t		 i;

	/* The spares' words, when the last cycle is the one that asked. */
	tally = jint(vc, "id") == jint(lc, "id") ? jstr(vc, "tally") : "";
	util_time_format(jint(st, "state_since"), since, sizeof(since));
	end = jint(lc, "started_at") + (jint(lc, "duration_ms") + 999) / 1000;
	*age = now > end ? now - end : 0;

	if (strcmp(state, "ACTIVE") == 0)
		nagios_add(n, NAGIOS_CRITICAL, "failed over: DNS points at the "
		    "backup since %s (%s); primary %s%s%s", since,
		    tr0 != NULL && strcmp(jstr(tr0, "to"), "ACTIVE") == 0 ?
		    jstr(tr0, "reason") : jstr(lc, "message"), ps,
		    strcmp(jstr(lc, "outcome"), "WAITING") == 0 ?
		    ", waiting for `failover-agent failback`" : tally[0] ?
		    "; " : "", strcmp(jstr(lc, "outcome"), "WAITING") == 0 ?
		    "" : tally);
	else if (strcmp(state, "FAILED") == 0)
		nagios_add(n, NAGIOS_CRITICAL, "FAILED since %s: %s", since,
		    jstr(lc, "message"));

	if (strcmp(state, "STANDBY") == 0) {
		if (strcmp(ps, "INFO") == 0)
			nagios_add(n, NAGIOS_WARNING, "primary INFO: "
			    "recovering (%lld of %d good cycles)", ok_streak,
			    cfg->agent.recover_after);
		else if (strcmp(ps, "FAIL") == 0)
			nagios_add(n, nagios_cannot_fail_over(lc) ?
			    NAGIOS_CRITICAL : NAGIOS_WARNING, "primary FAIL "
			    "(%lld failed cycles) %s: %s: %s%s%s",
			    jint(st, "fail_streak"), nagios_cannot_fail_over(lc)
			    ? "and this site cannot fail over" :
			    "but not failed over", jstr(lc, "outcome"),
			    jstr(lc, "message"), tally[0] ? "; " : "", tally);
		else if (strcmp(ps, "OK") != 0)
			nagios_add(n, NAGIOS_WARNING, "primary %s (%lld failed"
			    " cycle%s, fail_after %d)", ps,
			    jint(st, "fail_streak"), jint(st, "fail_streak") ==
			    1 ? "" : "s", cfg->agent.fail_after);
	}
	if (strcmp(jstr(lc, "outcome"), "UNSAFE") == 0)
		nagios_add(n, NAGIOS_WARNING, "failback refused: %s",
		    jstr(lc, "message"));
	else if (json_is_true(fr) || (json_is_object(fr) &&
	    !json_is_false(json_object_get(fr, "refused"))))
		nagios_add(n, NAGIOS_WARNING, "failback refused%s%s",
		    json_is_object(fr) ? ": " : "", json_is_object(fr) ?
		    jstr(fr, "message") : "");
	if (strcmp(jstr(lc, "outcome"), "ERROR") == 0)
		nagios_add(n, NAGIOS_WARNING, "last cycle ERROR: %s",
		    jstr(lc, "message"));
	if (json_is_object(cy) && json_is_false(json_object_get(cy, "ok"))) {
		util_time_format(jint(cy, "at"), when, sizeof(when));
		nagios_add(n, NAGIOS_WARNING, "DNS canary failed at %s: %s "
		    "(a failover would fail too)", when, jstr(cy, "message"));
	}
	lag = json_object_get(vf, "lagging");
	if (json_array_size(lag) > 0) {
		v = json_array_get(lag, 0);
		nagios_add(n, NAGIOS_WARNING, "%zu nameserver%s did not serve "
		    "the last change in time (%s %s%s)", json_array_size(lag),
		    json_array_size(lag) == 1 ? "" : "s", jstr(v, "zone"),
		    jstr(v, "detail"), json_array_size(lag) > 1 ? ", ..." :
		    "");
	}
	if (jint(nt, "pending") > 0)
		nagios_add(n, NAGIOS_WARNING, "%lld notification%s not "
		    "delivered%s%s", jint(nt, "pending"), jint(nt, "pending") ==
		    1 ? "" : "s", jstr(nt, "last_error")[0] ? ": " : "",
		    jstr(nt, "last_error"));
	json_array_foreach(json_object_get(st, "warnings"), i, v) {
		if (json_is_string(v))
			nagios_add(n, NAGIOS_WARNING, "%s",
			    json_string_value(v));
		else if (json_is_object(v))
			nagios_add(n, NAGIOS_WARNING, "%s", jstr(v, "message"));
	}
	nagios_judge_intent(st, n);
	nagios_judge_records(st, n);
	nagios_judge_spares(st, n);
	if (*age * 1000 > NAGIOS_STALE_FACTOR * cfg->agent.interval_ms) {
		util_duration_format(cfg->agent.interval_ms, stale,
		    sizeof(stale));
		nagios_add(n, NAGIOS_WARNING, "stale: the last cycle ended %llds"
		    " ago, more than %d x interval (%s): is cron or `run` still"
		    " running?", *age, NAGIOS_STALE_FACTOR, stale);
	}
}

static void
nagios_print(const struct config *cfg, const json_t *st, const struct nagios
    *n, long long age)
{
	const json_t	*lc = json_object_get(st, "last_cycle");
	char		 since[64], warn_s[32];

	printf("FAILOVER %s - ", nagios_words[n->level]);
	if (n->level == NAGIOS_OK) {
		util_time_format(jint(st, "state_since"), since, sizeof(since));
		printf("STANDBY since %s, primary OK, last cycle #%lld %llds ago "
		    "(%s)", since, jint(lc, "id"), age, jstr(lc, "outcome"));
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
	    "notify_pending=%lld;;;0\n", jint(st, "fail_streak"),
	    jint(st, "ok_streak"), age, warn_s, jint(lc, "duration_ms"),
	    jint(json_object_get(st, "notify"), "pending"));
}

int
cmd_status_nagios(const struct cmd_ctx *ctx)
{
	struct config		*cfg = NULL;
	struct state_db		*db = NULL;
	struct diag_list	 diags;
	struct nagios		 n;
	json_t			*st = NULL;
	char			 err[512];
	long long		 age = 0;
	size_t			 i;
	int			 rc = NAGIOS_UNKNOWN;

	memset(&diags, 0, sizeof(diags));
	memset(&n, 0, sizeof(n));
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
	if ((st = state_status_json(db, 1, err, sizeof(err))) == NULL) {
		nagios_unknown("%s", err);
		goto done;
	}
	if (!json_is_object(json_object_get(st, "last_cycle")) ||
	    strcmp(jstr(st, "state"), "UNKNOWN") == 0) {
		nagios_unknown("no cycle recorded yet in %s (never ran: is "
		    "cron or `failover-agent run` set up?)",
		    cfg->agent.state_db);
		goto done;
	}
	cmd_status_annotate(cfg, st, util_wall_ms() / 1000);
	nagios_judge(cfg, st, util_wall_ms() / 1000, &n, &age);
	nagios_print(cfg, st, &n, age);
	rc = n.level;
done:
	fflush(stdout);
	json_decref(st);
	if (db != NULL)
		state_close(db);
	config_free(cfg);
	diag_clear(&diags);
	return rc;
}
