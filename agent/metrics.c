/*
 * metrics.c: [agent] metrics_file (issue 14): after every cycle, what
 * `status --json` shows, in the text format node_exporter's textfile
 * collector reads (Prometheus exposition format 0.0.4).  Written from the
 * status struct that status --json renders, so the two can never
 * disagree, to a temporary file in the same directory and renamed over the
 * old one: the collector never reads half a file.
 *
 * Every metric is a gauge named failover_agent_*; times are Unix seconds
 * (*_timestamp_seconds), durations seconds; an enumerated value (the
 * site's state, the primary's status) is one series per value, 1 for the
 * current one, so a query never has to parse a label.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/core/config.h"
#include "agent/core/decide.h"
#include "agent/metrics.h"
#include "agent/lib/util.h"
#include "quorum/quorum.h"
#include "state/state.h"

/* A label value: backslash, double quote and newline escaped. */
static void
metrics_label(FILE *fp, const char *s)
{
	for (; s != NULL && *s != '\0'; s++) {
		if (*s == '\\' || *s == '"')
			fprintf(fp, "\\%c", *s);
		else if (*s == '\n')
			fputs("\\n", fp);
		else
			fputc(*s, fp);
	}
}

static void
metrics_head(FILE *fp, const char *name, const char *help)
{
	fprintf(fp, "# HELP failover_agent_%s %s\n# TYPE failover_agent_%s"
	    " gauge\n", name, help, name);
}

static void
metrics_value(FILE *fp, const char *name, double v)
{
	fprintf(fp, "failover_agent_%s %.17g\n", name, v);
}

/* An integer of the status as a value: 0 for a NULL column. */
static double
num(int64_t v)
{
	return v == STATUS_NULL ? 0 : (double)v;
}

/* One series per value of an enumeration, 1 for the current one (-1: none). */
static void
metrics_enum(FILE *fp, const char *name, const char *label, const char *help,
    const char *(*str)(int), int max, int current)
{
	int	i;

	metrics_head(fp, name, help);
	for (i = 0; i < max; i++)
		fprintf(fp, "failover_agent_%s{%s=\"%s\"} %d\n", name, label,
		    str(i), i == current);
}

static const char *
state_name(int i)
{
	return site_state_str((enum site_state)i);
}

static const char *
status_name(int i)
{
	return primary_status_str((enum primary_status)i);
}

static const char *
outcome_name(int i)
{
	return cycle_outcome_str((enum cycle_outcome)i);
}

static void
metrics_votes(FILE *fp, const struct site_status *st)
{
	const struct status_vote	*v;
	size_t				 i;
	int				 up = 0, down = 0, unknown = 0;
	int				 abstained = 0;

	for (i = 0; i < st->nvotes; i++) {
		v = &st->votes[i];
		if (!v->valid)
			abstained++;
		else if (v->verdict != NULL && strcmp(v->verdict, "up") == 0)
			up++;
		else if (v->verdict != NULL && strcmp(v->verdict, "down") == 0)
			down++;
		else
			unknown++;
	}
	metrics_head(fp, "votes", "The spares' votes of the last cycle that"
	    " asked them, by verdict (abstained: no valid answer).");
	fprintf(fp, "failover_agent_votes{verdict=\"up\"} %d\n"
	    "failover_agent_votes{verdict=\"down\"} %d\n"
	    "failover_agent_votes{verdict=\"unknown\"} %d\n"
	    "failover_agent_votes{verdict=\"abstained\"} %d\n", up, down,
	    unknown, abstained);
	metrics_head(fp, "votes_timestamp_seconds", "When the spares were"
	    " last asked (0: never).");
	metrics_value(fp, "votes_timestamp_seconds", st->has_votes_cycle ?
	    num(st->votes_cycle.started_at) : 0);
}

static void
metrics_dns(FILE *fp, const struct site_status *st)
{
	size_t	i;

	metrics_head(fp, "dns_lagging", "A nameserver that did not serve the"
	    " last change in time (verify = all), 1 per nameserver.");
	for (i = 0; i < st->nlagging; i++) {
		fputs("failover_agent_dns_lagging{zone=\"", fp);
		metrics_label(fp, st->lagging[i].target);
		fputs("\",nameserver=\"", fp);
		metrics_label(fp, st->lagging[i].detail);
		fputs("\"} 1\n", fp);
	}
	metrics_head(fp, "dns_lagging_nameservers", "How many nameservers"
	    " lag behind the last change.");
	metrics_value(fp, "dns_lagging_nameservers", (double)st->nlagging);
	metrics_head(fp, "canary_ok", "The last [dns] canary: 1 accepted, 0"
	    " refused, -1 none yet.");
	metrics_value(fp, "canary_ok", st->has_canary ? st->canary.ok : -1);
	metrics_head(fp, "canary_timestamp_seconds", "When the last canary"
	    " was sent (0: never).");
	metrics_value(fp, "canary_timestamp_seconds", st->has_canary ?
	    num(st->canary.at) : 0);
	metrics_head(fp, "record", "What each managed record held when last"
	    " read (holds: primary, backup, mixed, other, ...).");
	for (i = 0; i < st->nrecords; i++) {
		fputs("failover_agent_record{owner=\"", fp);
		metrics_label(fp, st->records[i].owner);
		fputs("\",holds=\"", fp);
		metrics_label(fp, st->records[i].holds);
		fputs("\"} 1\n", fp);
	}
}

/* The info metric: version, role, site. */
static void
metrics_info(FILE *fp, const struct config *cfg)
{
	metrics_head(fp, "info", "This agent: its version, role and site"
	    " name.");
	fprintf(fp, "failover_agent_info{version=\"");
	metrics_label(fp, FA_VERSION);
	fprintf(fp, "\",role=\"%s\",site=\"", site_role_str(cfg->agent.role));
	metrics_label(fp, cfg->agent.name);
	fputs("\"} 1\n", fp);
}

/* The body of the file. */
static void
metrics_print(FILE *fp, const struct config *cfg, const struct site_status *st)
{
	const struct status_cycle	*last = &st->last_cycle;
	bool				 has = st->has_last_cycle;

	metrics_info(fp, cfg);
	metrics_enum(fp, "state", "state", "This site's state (1 for the"
	    " current one).", state_name, SITE_STATE_MAX, st->state);
	metrics_head(fp, "state_since_timestamp_seconds", "Since when the"
	    " site is in its state.");
	metrics_value(fp, "state_since_timestamp_seconds",
	    num(st->state_since));
	metrics_enum(fp, "primary_status", "status", "The primary's status"
	    " (1 for the current one).", status_name, PRIMARY_STATUS_MAX,
	    st->primary_status);
	metrics_head(fp, "primary_consecutive_failures", "Failed cycles in a"
	    " row.");
	metrics_value(fp, "primary_consecutive_failures",
	    num(st->fail_streak));
	metrics_head(fp, "last_cycle_timestamp_seconds", "When the last cycle"
	    " started.");
	metrics_value(fp, "last_cycle_timestamp_seconds", has ?
	    num(last->started_at) : 0);
	metrics_head(fp, "last_cycle_duration_seconds", "How long the last"
	    " cycle took.");
	metrics_value(fp, "last_cycle_duration_seconds", has ?
	    num(last->duration_ms) / 1000.0 : 0);
	metrics_head(fp, "last_cycle_exit_code", "The last cycle's exit code.");
	metrics_value(fp, "last_cycle_exit_code", has ? num(last->exit_code) :
	    0);
	metrics_enum(fp, "last_cycle_outcome", "outcome", "The last cycle's"
	    " outcome (1 for it).", outcome_name, OUTCOME_MAX, has ?
	    (int)last->outcome : -1);
	metrics_head(fp, "last_move_timestamp_seconds", "When the last"
	    " failover or failback started (0: never).");
	metrics_value(fp, "last_move_timestamp_seconds",
	    num(st->last_action_at));
	metrics_votes(fp, st);
	metrics_dns(fp, st);
	metrics_head(fp, "notify_pending", "[hooks] notify POSTs not"
	    " delivered yet.");
	metrics_value(fp, "notify_pending", num(st->notify_pending));
}

/* A metrics body printer, for metrics_file_write(). */
typedef void (*metrics_print_fn)(FILE *, const struct config *,
    const void *arg);

static void
metrics_print_status(FILE *fp, const struct config *cfg, const void *arg)
{
	metrics_print(fp, cfg, arg);
}

/*
 * The file handling of both writers: a temporary file beside the target,
 * fsync, rename.
 */
static int
metrics_file_write(const struct config *cfg, metrics_print_fn print,
    const void *arg, char *err, size_t errlen)
{
	char	*tmp = NULL;
	FILE	*fp = NULL;
	int	 fd = -1, rc = -1;

	if (asprintf(&tmp, "%s.tmp.%ld", cfg->agent.metrics_file,
	    (long)getpid()) == -1) {
		tmp = NULL;
		snprintf(err, errlen, "out of memory");
		goto done;
	}
	/* 0644: the collector runs as another user; nothing in it is secret. */
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW |
	    O_CLOEXEC, 0644)) == -1 || (fp = fdopen(fd, "w")) == NULL) {
		snprintf(err, errlen, "cannot write %s: %s", tmp,
		    strerror(errno));
		goto done;
	}
	fd = -1;
	print(fp, cfg, arg);
	if (fflush(fp) == EOF || fsync(fileno(fp)) == -1 || ferror(fp)) {
		snprintf(err, errlen, "cannot write %s: %s", tmp,
		    strerror(errno));
		goto done;
	}
	if (fclose(fp) == EOF) {
		fp = NULL;
		snprintf(err, errlen, "cannot write %s: %s", tmp,
		    strerror(errno));
		goto done;
	}
	fp = NULL;
	if (rename(tmp, cfg->agent.metrics_file) == -1) {
		snprintf(err, errlen, "cannot rename %s to %s: %s", tmp,
		    cfg->agent.metrics_file, strerror(errno));
		goto done;
	}
	rc = 0;
done:
	if (fp != NULL)
		fclose(fp);
	if (fd != -1)
		close(fd);
	if (rc == -1 && tmp != NULL)
		(void)unlink(tmp);
	free(tmp);
	return rc;
}

int
metrics_write(const struct config *cfg, const struct site_status *status,
    char *err,
    size_t errlen)
{
	return metrics_file_write(cfg, metrics_print_status, status, err,
	    errlen);
}

/* A spare's own: votes served, refusals by kind, its probes. */
static void
metrics_print_spare(FILE *fp, const struct config *cfg, const void *arg)
{
	const struct vote_probe_report	*rep = arg;
	int				 i;

	metrics_info(fp, cfg);
	fprintf(fp, "# HELP failover_agent_votes_served_total Signed votes"
	    " answered since the vote server started.\n"
	    "# TYPE failover_agent_votes_served_total counter\n"
	    "failover_agent_votes_served_total %llu\n",
	    (unsigned long long)rep->votes_served);
	fprintf(fp, "# HELP failover_agent_votes_refused_total Requests and"
	    " connections refused since the vote server started, by why.\n"
	    "# TYPE failover_agent_votes_refused_total counter\n");
	for (i = 0; i < VOTE_REFUSAL_MAX; i++)
		fprintf(fp, "failover_agent_votes_refused_total{reason=\"%s\"}"
		    " %llu\n", vote_refusal_str((enum vote_refusal)i),
		    (unsigned long long)rep->refused[i]);
	fprintf(fp, "# HELP failover_agent_probes_total Probes of the primary"
	    " since the vote server started, by verdict.\n"
	    "# TYPE failover_agent_probes_total counter\n");
	for (i = 0; i < VOTE_VERDICT_MAX; i++)
		fprintf(fp, "failover_agent_probes_total{verdict=\"%s\"} %llu\n",
		    vote_verdict_str((enum vote_verdict)i),
		    (unsigned long long)rep->verdicts[i]);
	metrics_head(fp, "probe_verdict", "The latest probe's verdict (1 for"
	    " it).");
	for (i = 0; i < VOTE_VERDICT_MAX; i++)
		fprintf(fp, "failover_agent_probe_verdict{verdict=\"%s\"} %d\n",
		    vote_verdict_str((enum vote_verdict)i), i == (int)rep->verdict);
	metrics_head(fp, "probe_timestamp_seconds", "When the latest probe"
	    " started (its checked_at).");
	metrics_value(fp, "probe_timestamp_seconds", (double)rep->checked_at);
	metrics_head(fp, "probe_duration_seconds", "How long the latest probe"
	    " took.");
	metrics_value(fp, "probe_duration_seconds", rep->duration_ms / 1000.0);
	metrics_head(fp, "probe_max_age_seconds", "The max_age this spare"
	    " announces with its votes.");
	metrics_value(fp, "probe_max_age_seconds", (double)rep->max_age);
}

int
metrics_write_spare(const struct config *cfg,
    const struct vote_probe_report *rep, char *err, size_t errlen)
{
	return metrics_file_write(cfg, metrics_print_spare, rep, err, errlen);
}
