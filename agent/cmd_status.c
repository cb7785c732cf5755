/*
 * cmd_status.c: status and history (SPEC §2).  Both read the store as JSON
 * (state.h) and either print it or render it for a person, so the two views
 * can never disagree.
 */
#include <ctype.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "agent/cmd.h"
#include "agent/lib/log.h"
#include "agent/lib/util.h"
#include "dnsupdate/dnsupdate.h"
#include "state/state.h"

static const char *
jstr(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

static long long
jint(const json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

static void
print_time(const char *label, long long t)
{
	char	buf[64];

	if (t <= 0) {
		printf("%s-", label);
		return;
	}
	util_time_format(t, buf, sizeof(buf));
	printf("%s%s", label, buf);
}

/*
 * Escape every string of a tree for the text renderers (util_text_escape):
 * hook output, provider, MySQL and DNS messages are stored as received,
 * and an escape sequence among them must not reach the terminal.  --json
 * prints the tree as it is (jansson escapes control characters itself).
 */
static void
text_escape_tree(json_t *j)
{
	const char	*key;
	json_t		*v;
	size_t		 i;
	char		*e;

	if (json_is_string(j)) {
		e = util_text_escape(json_string_value(j));
		if (strcmp(e, json_string_value(j)) != 0)
			json_string_set(j, e);
		free(e);
	} else if (json_is_object(j)) {
		json_object_foreach(j, key, v)
			text_escape_tree(v);
	} else if (json_is_array(j)) {
		json_array_foreach(j, i, v)
			text_escape_tree(v);
	}
}

/*
 * An open intent whose lock nobody holds was interrupted.  When the lock
 * file cannot be read (it is the service user's, mode 600, and this is the
 * monitoring user), its age decides: no move takes longer than this.
 */
#define STATUS_INTENT_MAX_S	(15 * 60)

static void
status_annotate_intent(const struct config *cfg, json_t *st, int64_t now)
{
	json_t		*in = json_object_get(st, "intent");
	long long	 age;
	int		 held;

	if (!json_is_object(in))
		return;
	held = state_lock_held(cfg->agent.state_db);
	age = now - jint(in, "opened_at");
	json_object_set_new(in, "running", held == -1 ? json_null() :
	    json_boolean(held == 1));
	json_object_set_new(in, "interrupted", json_boolean(held == 0 ||
	    (held == -1 && age > STATUS_INTENT_MAX_S &&
	    age * 1000 > 3 * cfg->agent.interval_ms)));
}

/*
 * Per configured spare, the newest evidence that a signed vote goes
 * through: its last [quorum] canary, or its vote in the last round that
 * asked the spares, whichever is newer.  A spare never asked yet counts
 * as neither passing nor failing.
 */
static void
status_annotate_spares(const struct config *cfg, json_t *st)
{
	const json_t	*vc = json_object_get(st, "votes_cycle");
	const json_t	*v, *best;
	json_t		*failing, *qc;
	long long	 at, best_at;
	bool		 ok;
	size_t		 i, j;
	char		 detail[400];

	if (!cfg->has_quorum || cfg->nspares == 0)
		return;
	failing = json_array();
	for (i = 0; i < cfg->nspares; i++) {
		const char *name = cfg->spares[i].name;

		best = NULL;
		best_at = -1;
		ok = true;
		json_array_foreach(json_object_get(st, "quorum_canary"), j, v)
			if (strcmp(jstr(v, "spare"), name) == 0) {
				best = v;
				best_at = jint(v, "at");
				ok = json_is_true(json_object_get(v, "ok"));
				snprintf(detail, sizeof(detail), "%s",
				    jstr(v, "detail"));
			}
		at = jint(vc, "started_at");
		json_array_foreach(json_object_get(st, "votes"), j, v)
			if (strcmp(jstr(v, "spare"), name) == 0 &&
			    at >= best_at) {
				best = v;
				best_at = at;
				ok = json_is_true(json_object_get(v, "valid"));
				snprintf(detail, sizeof(detail), "%s%s%s",
				    jstr(v, "reason"), jstr(v, "detail")[0] ?
				    ": " : "", jstr(v, "detail"));
			}
		if (best == NULL || ok)
			continue;
		json_array_append_new(failing, json_pack("{s:s, s:I, s:s}",
		    "spare", name, "at", (json_int_t)best_at, "detail",
		    detail));
	}
	qc = json_pack("{s:i, s:i, s:o}", "need", cfg->quorum.need, "spares",
	    (int)cfg->nspares, "failing", failing);
	json_object_set_new(st, "quorum_check", qc);
}

void
cmd_status_annotate(const struct config *cfg, json_t *st, int64_t now)
{
	if (cfg->agent.role != ROLE_BACKUP)
		return;
	status_annotate_intent(cfg, st, now);
	json_object_set_new(st, "no_quorum", json_boolean(!cfg->has_quorum &&
	    !cfg->agent.quorum_none));
	status_annotate_spares(cfg, st);
}

/*
 * Replace "records" with what DNS holds right now.  If DNS cannot be read,
 * the stored view stays and "records_live" says false with the error.
 */
static void
status_records_live(const struct config *cfg, json_t *st)
{
	struct dns_view	 view;
	json_t		*arr;
	char		 addrs[512];
	size_t		 i;

	memset(&view, 0, sizeof(view));
	if (dns_view_read(cfg, &view) == -1) {
		json_object_set_new(st, "records_live", json_false());
		json_object_set_new(st, "records_error",
		    json_string(view.error));
		dns_view_free(&view);
		return;
	}
	arr = json_array();
	for (i = 0; i < view.n; i++) {
		json_t	*r;

		config_addrset_format(&view.rec[i].addrs, addrs, sizeof(addrs));
		r = json_pack("{s:s,s:s,s:s,s:s,s:I}",
		    "zone", view.rec[i].zone->name, "owner", view.rec[i].owner,
		    "addrs", addrs, "holds", dns_record_holds_str(&view.rec[i]),
		    "seen_at", (json_int_t)(util_wall_ms() / 1000));
		/* A conflict says what differs (issue 10). */
		if (r != NULL && view.rec[i].why[0] != '\0')
			json_object_set_new(r, "why",
			    json_string(view.rec[i].why));
		json_array_append_new(arr, r);
	}
	json_object_set_new(st, "records", arr);
	json_object_set_new(st, "records_live", json_true());
	dns_view_free(&view);
}

/* One vote: "down (checked ...)" or "abstained: no-answer: detail". */
static void
print_vote(const char *indent, const json_t *v)
{
	printf("%svote %s: ", indent, jstr(v, "spare"));
	if (json_is_true(json_object_get(v, "valid"))) {
		printf("%s", jstr(v, "verdict"));
		if (strcmp(jstr(v, "voter"), jstr(v, "spare")) != 0)
			printf(" (voter %s)", jstr(v, "voter"));
		print_time(", checked ", jint(v, "checked_at"));
	} else
		printf("abstained: %s%s%s", jstr(v, "reason"),
		    jstr(v, "detail")[0] ? ": " : "", jstr(v, "detail"));
	printf("\n");
}

/* The last votes (SPEC §2) and the tally of the cycle that asked. */
static void
status_print_votes(const struct config *cfg, const json_t *st)
{
	const json_t	*vc = json_object_get(st, "votes_cycle");
	const json_t	*v;
	size_t		 i;

	/* Each spare's last [quorum] canary: does a signed vote go through? */
	json_array_foreach(json_object_get(st, "quorum_canary"), i, v) {
		printf("quorum canary %s: %s", jstr(v, "spare"),
		    json_is_true(json_object_get(v, "ok")) ? "ok" : "FAILED");
		print_time(" at ", jint(v, "at"));
		printf(": %s\n", jstr(v, "detail"));
	}
	if (!json_is_object(vc)) {
		printf("votes: none yet%s\n", cfg->has_quorum ? "" :
		    " (no [quorum] configured)");
		return;
	}
	printf("last votes: cycle #%lld", jint(vc, "id"));
	print_time(" at ", jint(vc, "started_at"));
	printf(" (%s): %s\n", jstr(vc, "outcome"), jstr(vc, "tally")[0] ?
	    jstr(vc, "tally") : jstr(vc, "quorum"));
	json_array_foreach(json_object_get(st, "votes"), i, v)
		print_vote("  ", v);
}

/*
 * The [dns] canary's last result, and the nameservers that did not serve
 * the last DNS move in time (verify = all).
 */
static void
status_print_dns(const struct config *cfg, const json_t *st)
{
	const json_t	*cy = json_object_get(st, "canary");
	const json_t	*vf = json_object_get(st, "verify");
	const json_t	*lag, *v, *fs;
	size_t		 i;

	if (json_is_object(cy)) {
		printf("canary: %s", json_is_true(json_object_get(cy, "ok")) ?
		    "ok" : "FAILED");
		print_time(" at ", jint(cy, "at"));
		printf(": %s\n", jstr(cy, "message"));
	} else if (cfg->dns.canary_ms == 0)
		printf("canary: off ([dns] canary = 0)\n");
	else
		printf("canary: none yet\n");
	if (!json_is_object(vf))
		return;
	lag = json_object_get(vf, "lagging");
	fs = json_object_get(vf, "failed_since");
	if (jint(vf, "cycle_id") > 0) {
		printf("last change: cycle #%lld %s", jint(vf, "cycle_id"),
		    jstr(vf, "direction"));
		print_time(" at ", jint(vf, "at"));
		if (json_array_size(lag) > 0)
			printf(": %zu nameserver%s did not serve it in time:\n",
			    json_array_size(lag), json_array_size(lag) == 1 ?
			    "" : "s");
		else if (cfg->dns.verify == DNS_VERIFY_ALL)
			printf(": verified, every nameserver served it\n");
		else if (cfg->dns.verify == DNS_VERIFY_SERVER)
			printf(": verified, the server that took it serves "
			    "it\n");
		else
			printf(": not verified (verify = none)\n");
		json_array_foreach(lag, i, v)
			printf("  %s %s\n", jstr(v, "zone"), jstr(v, "detail"));
	} else
		printf("last change: none in history\n");
	if (json_is_object(fs)) {
		printf("WARNING: a DNS move failed since: cycle #%lld",
		    jint(fs, "cycle_id"));
		print_time(" at ", jint(fs, "at"));
		printf(": %s: %s (not verified)\n", jstr(fs, "zone"),
		    jstr(fs, "detail"));
	}
}

/*
 * What needs a person, said near the top: an interrupted move, no spares,
 * spares that refuse our signed votes, records that hold neither site's
 * set.  The same judgements as status --nagios (cmd_status_annotate()).
 */
static void
status_print_warnings(const json_t *st)
{
	const json_t	*in = json_object_get(st, "intent");
	const json_t	*qc = json_object_get(st, "quorum_check");
	const json_t	*v;
	const char	*h;
	size_t		 i;

	if (json_is_object(in)) {
		print_time(json_is_true(json_object_get(in, "interrupted")) ?
		    "\nCRITICAL: a failover/failback was interrupted (started " :
		    "\na move is under way (started ", jint(in, "opened_at"));
		printf("; %s %s)%s", jstr(in, "kind"), jstr(in, "direction"),
		    json_is_true(json_object_get(in, "interrupted")) ?
		    ": the next cycle reconciles from DNS" : "");
	}
	if (json_is_true(json_object_get(st, "no_quorum")))
		printf("\nWARNING: no spares: this agent cannot tell its own "
		    "outage from the primary's (add [quorum], or say [agent] "
		    "quorum = none)");
	json_array_foreach(json_object_get(qc, "failing"), i, v) {
		printf("\nWARNING: spare %s: signed vote failed", jstr(v,
		    "spare"));
		print_time(" at ", jint(v, "at"));
		printf(": %s", jstr(v, "detail"));
	}
	if (json_is_object(qc) && jint(qc, "spares") - (long long)
	    json_array_size(json_object_get(qc, "failing")) < jint(qc, "need"))
		printf("\nCRITICAL: fewer spares than need = %lld pass: a "
		    "failover could not be confirmed", jint(qc, "need"));
	json_array_foreach(json_object_get(st, "records"), i, v) {
		h = jstr(v, "holds");
		if (strcmp(h, "other") == 0)
			printf("\nCRITICAL: %s holds neither site's addresses: "
			    "%s", jstr(v, "owner"), jstr(v, "addrs")[0] ?
			    jstr(v, "addrs") : "(none)");
		else if (strcmp(h, "primary") != 0 && strcmp(h, "backup") != 0
		    && strcmp(h, "not-read") != 0 &&
		    strcmp(h, "unreadable") != 0)
			printf("\nWARNING: %s holds %s: %s", jstr(v, "owner"),
			    h, jstr(v, "addrs")[0] ? jstr(v, "addrs") :
			    "(none)");
	}
}

static void
status_print(const struct config *cfg, const json_t *st)
{
	const json_t	*lc = json_object_get(st, "last_cycle");
	const json_t	*v, *nt;
	size_t		 i;

	printf("site %s: %s", cfg->agent.name, jstr(st, "state"));
	print_time(" since ", jint(st, "state_since"));
	printf("\nprimary: %s", jstr(st, "primary_status"));
	if (jint(st, "fail_streak") > 0)
		printf(" (%lld failed cycle%s in a row, fail_after %d)",
		    jint(st, "fail_streak"), jint(st, "fail_streak") == 1 ?
		    "" : "s", cfg->agent.fail_after);
	/* A failback waiting for a person must not hide below the fold. */
	if (json_is_object(lc) && strcmp(jstr(lc, "outcome"), "UNSAFE") == 0)
		printf("\nWARNING: failback refused: %s", jstr(lc, "message"));
	json_array_foreach(json_object_get(st, "layout_warnings"), i, v)
		printf("\nWARNING: this layout cannot fail over: %s",
		    jstr(v, "detail"));
	json_array_foreach(json_object_get(st, "stale_nameservers"), i, v)
		printf("\nWARNING: a nameserver serves stale data: %s",
		    jstr(v, "detail"));
	if (json_is_false(json_object_get(json_object_get(st, "canary"), "ok")))
		printf("\nWARNING: the DNS canary failed: a failover would fail "
		    "too (see canary: below)");
	status_print_warnings(st);
	printf("\nrecords (%s):\n", json_is_true(json_object_get(st,
	    "records_live")) ? "live from DNS" : "as last seen");
	if (json_object_get(st, "records_error") != NULL)
		printf("  DNS could not be read now: %s\n",
		    jstr(st, "records_error"));
	json_array_foreach(json_object_get(st, "records"), i, v) {
		printf("  %-32s %-40s %s\n", jstr(v, "owner"),
		    jstr(v, "addrs")[0] ? jstr(v, "addrs") : "(none)",
		    jstr(v, "holds"));
		if (jstr(v, "why")[0] != '\0')
			printf("    %s\n", jstr(v, "why"));
	}
	if (json_is_object(lc)) {
		printf("last cycle: #%lld %s", jint(lc, "id"), jstr(lc, "kind"));
		print_time(" at ", jint(lc, "started_at"));
		printf(": %s, exit %lld: %s\n", jstr(lc, "outcome"),
		    jint(lc, "exit_code"), jstr(lc, "message"));
		json_array_foreach(json_object_get(lc, "checks"), i, v)
			printf("  check %s: %s%s%s (%lld ms)\n", jstr(v, "name"),
			    jstr(v, "outcome"), jstr(v, "detail")[0] ? ": " : "",
			    jstr(v, "detail"), jint(v, "elapsed_ms"));
	} else
		printf("last cycle: none yet\n");
	status_print_votes(cfg, st);
	status_print_dns(cfg, st);
	nt = json_object_get(st, "notify");
	if (jint(nt, "pending") > 0)
		printf("notify: %lld notification%s not delivered yet (%lld "
		    "attempt%s for the oldest): %s\n", jint(nt, "pending"),
		    jint(nt, "pending") == 1 ? "" : "s", jint(nt, "attempts"),
		    jint(nt, "attempts") == 1 ? "" : "s",
		    jstr(nt, "last_error")[0] ? jstr(nt, "last_error") :
		    "not tried yet");
	printf("transitions:%s\n", json_array_size(json_object_get(st,
	    "transitions")) ? "" : " none yet");
	json_array_foreach(json_object_get(st, "transitions"), i, v) {
		print_time("  ", jint(v, "at"));
		printf("  %s -> %s: %s\n", jstr(v, "from"), jstr(v, "to"),
		    jstr(v, "reason"));
	}
}

/* The status of a site that never ran: same keys, nothing in them. */
static json_t *
status_empty(void)
{
	return json_pack("{s:s,s:n,s:s,s:n,s:[],s:[],s:n,s:[],s:i,s:i,s:n,"
	    "s:n,s:n,s:[]}",
	    "state", "UNKNOWN", "state_since", "primary_status", "OK",
	    "last_cycle", "records", "votes", "votes_cycle", "transitions",
	    "fail_streak", 0, "ok_streak", 0, "canary", "verify", "intent",
	    "quorum_canary");
}

/*
 * role = spare: the vote server's latest probe, as it wrote it to its
 * state_db (state_spare_probe_json), in JSON or for a person.  A probe
 * older than max_age means no vote-server is probing now.  Returns an exit
 * code.
 */
static int
status_spare(const struct config *cfg, bool as_json)
{
	struct state_db	*db = NULL;
	json_t		*st = NULL, *pr = NULL;
	char		 err[512] = "";
	long long	 age;

	if (cfg->agent.state_db == NULL)
		snprintf(err, sizeof(err), "no [agent] state_db: vote-server"
		    " records its probes only there");
	else if (state_open(cfg->agent.state_db, true, &db, err,
	    sizeof(err)) == 0 && (pr = state_spare_probe_json(db, err,
	    sizeof(err))) == NULL) {
		log_warnx("%s", err);
		state_close(db);
		return FA_EXIT_RUNTIME;
	}
	if (pr == NULL)
		pr = json_null();
	st = json_pack("{s:s, s:s, s:O, s:s?}", "site", cfg->agent.name,
	    "role", "spare", "probe", pr, "error",
	    json_is_null(pr) && err[0] != '\0' ? err : NULL);
	if (st == NULL)
		fatalx("out of memory");
	if (as_json) {
		json_dumpf(st, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
		printf("\n");
	} else if (json_is_null(pr)) {
		printf("spare %s: no probe recorded yet%s%s\n", cfg->agent.name,
		    err[0] != '\0' ? ": " : " (is vote-server running?)",
		    err);
	} else {
		printf("spare %s: sees the primary %s", cfg->agent.name,
		    jstr(pr, "verdict"));
		if (jstr(pr, "detail")[0] != '\0')
			printf(" (%s)", jstr(pr, "detail"));
		print_time("\nlatest probe: started ", jint(pr, "checked_at"));
		print_time(", finished ", jint(pr, "finished_at"));
		printf(", took %lld ms\nprobes: %lld since vote-server started;"
		    " max_age %lld s\n", jint(pr, "duration_ms"),
		    jint(pr, "probes"), jint(pr, "max_age"));
		age = (long long)(util_wall_ms() / 1000) -
		    jint(pr, "checked_at");
		if (age > jint(pr, "max_age"))
			printf("WARNING: this probe started %lld s ago, more"
			    " than max_age: is vote-server running?\n", age);
	}
	json_decref(pr);
	json_decref(st);
	if (db != NULL)
		state_close(db);
	return FA_EXIT_OK;
}

int
cmd_status(const struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "nagios", no_argument, NULL, 'N' },
		{ "all", no_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 }
	};
	struct config	*cfg = NULL;
	struct state_db	*db = NULL;
	json_t		*st = NULL;
	char		 err[512];
	bool		 as_json = false, nagios = false, all = false;
	int		 ch, rc;

	while ((ch = getopt_long(argc, argv, "j", longopts, NULL)) != -1) {
		if (ch == 'a')
			all = true;
		else if (ch == 'N')
			nagios = true;
		else if (ch == 'j')
			as_json = true;
		else
			goto usage;
	}
	if (optind != argc || (nagios && as_json) || (all && nagios))
		goto usage;
	if (all)
		return cmd_status_all(ctx, as_json);
	/* The plugin's own rules: every trouble is UNKNOWN (exit 3). */
	if (nagios)
		return cmd_status_nagios(ctx);
	if ((rc = cmd_config_load_public(ctx, &cfg)) != 0)
		return rc;
	if (cfg->agent.role == ROLE_SPARE) {
		rc = status_spare(cfg, as_json);
		goto done;
	}
	rc = FA_EXIT_RUNTIME;
	if (state_open(cfg->agent.state_db, true, &db, err, sizeof(err)) == -1) {
		log_debug("%s", err);
		st = status_empty();
	} else if ((st = state_status_json(db, 5, err, sizeof(err))) == NULL) {
		log_warnx("%s", err);
		goto done;
	}
	if (cfg->agent.role == ROLE_BACKUP)
		status_records_live(cfg, st);
	cmd_status_annotate(cfg, st, util_wall_ms() / 1000);
	if (as_json) {
		json_dumpf(st, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
		printf("\n");
	} else {
		text_escape_tree(st);
		status_print(cfg, st);
	}
	rc = FA_EXIT_OK;
done:
	json_decref(st);
	if (db != NULL)
		state_close(db);
	config_free(cfg);
	return rc;
usage:
	fprintf(stderr, "usage: failover-agent status [--all] [--json | --nagios]\n");
	/* A Nagios plugin's usage error is UNKNOWN too. */
	return nagios ? 3 : FA_EXIT_CONFIG;
}

static void
history_print(const json_t *h)
{
	const json_t	*c, *v;
	size_t		 i, j;

	json_array_foreach(json_object_get(h, "cycles"), i, c) {
		printf("#%lld", jint(c, "id"));
		print_time(" ", jint(c, "started_at"));
		printf(" %-8s %-9s primary %-8s %s -> %s  exit %lld  %s\n",
		    jstr(c, "kind"), jstr(c, "outcome"),
		    jstr(c, "primary_status"), jstr(c, "state_before"),
		    jstr(c, "state_after"), jint(c, "exit_code"),
		    jstr(c, "message"));
		json_array_foreach(json_object_get(c, "checks"), j, v)
			if (strcmp(jstr(v, "outcome"), "ok") != 0)
				printf("    check %s: %s: %s\n", jstr(v, "name"),
				    jstr(v, "outcome"), jstr(v, "detail"));
		if (json_array_size(json_object_get(c, "votes")) > 0)
			printf("    %s\n", jstr(c, "tally")[0] ? jstr(c, "tally")
			    : jstr(c, "quorum"));
		json_array_foreach(json_object_get(c, "votes"), j, v)
			print_vote("    ", v);
		json_array_foreach(json_object_get(c, "actions"), j, v)
			printf("    %s %s: %s: %s\n", jstr(v, "kind"),
			    jstr(v, "target"), jstr(v, "result"),
			    jstr(v, "detail"));
		json_array_foreach(json_object_get(c, "transitions"), j, v)
			printf("    transition %s -> %s: %s\n", jstr(v, "from"),
			    jstr(v, "to"), jstr(v, "reason"));
	}
}

/*
 * --since: a duration back from now ("2h", "7d", "90m", plain seconds) or
 * a point in time (util_time_parse: "2026-11-22 03:00", "@UNIX").
 */
static int
history_since_parse(const char *arg, int64_t *since)
{
	const char	*errstr, *terr;
	int64_t		 ms;

	if (util_duration_parse(arg, &ms, &errstr) == 0) {
		*since = util_wall_ms() / 1000 - ms / 1000;
		return 0;
	}
	if (util_time_parse(arg, since, &terr) == 0)
		return 0;
	fprintf(stderr, "failover-agent: history --since %s: not a duration "
	    "(%s; e.g. 90m, 2h, 7d) nor a time (%s)\n", arg, errstr, terr);
	return -1;
}

/* --outcome NAME[,NAME...]: names as history shows them, any case. */
static int
history_outcomes_parse(const char *arg, enum cycle_outcome *out, size_t *n)
{
	char	*copy = util_xstrdup(arg), *word, *save = NULL, *p;
	int	 v, rc = -1, i;

	for (word = strtok_r(copy, ",", &save); word != NULL;
	    word = strtok_r(NULL, ",", &save)) {
		word = util_trim(word);
		for (p = word; *p != '\0'; p++)
			*p = (char)toupper((unsigned char)*p);
		if ((v = cycle_outcome_from_str(word)) == -1) {
			fprintf(stderr, "failover-agent: history --outcome: "
			    "unknown outcome '%s'; one of:", word);
			for (i = 0; i < OUTCOME_MAX; i++)
				fprintf(stderr, " %s", cycle_outcome_str(i));
			fprintf(stderr, "\n");
			goto done;
		}
		if (*n < OUTCOME_MAX)
			out[(*n)++] = (enum cycle_outcome)v;
	}
	if (*n == 0) {
		fprintf(stderr, "failover-agent: history --outcome: no outcome "
		    "named\n");
		goto done;
	}
	rc = 0;
done:
	free(copy);
	return rc;
}

int
cmd_history(const struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "since", required_argument, NULL, 'S' },
		{ "outcome", required_argument, NULL, 'O' },
		{ NULL, 0, NULL, 0 }
	};
	struct config		*cfg = NULL;
	struct state_db		*db = NULL;
	struct history_query	 q;
	enum cycle_outcome	 outcomes[OUTCOME_MAX];
	json_t			*h = NULL;
	const char		*errstr;
	char			 err[512];
	long long		 n = -1;
	bool			 as_json = false;
	int			 ch, rc;

	memset(&q, 0, sizeof(q));
	q.outcomes = outcomes;
	while ((ch = getopt_long(argc, argv, "n:j", longopts, NULL)) != -1) {
		switch (ch) {
		case 'n':
			if (util_number_parse(optarg, 1, 1000000, &n,
			    &errstr) == -1) {
				fprintf(stderr, "failover-agent: history -n %s: "
				    "%s\n", optarg, errstr);
				return FA_EXIT_CONFIG;
			}
			break;
		case 'j':
			as_json = true;
			break;
		case 'S':
			if (history_since_parse(optarg, &q.since) == -1)
				return FA_EXIT_CONFIG;
			break;
		case 'O':
			if (history_outcomes_parse(optarg, outcomes,
			    &q.noutcomes) == -1)
				return FA_EXIT_CONFIG;
			break;
		default:
			goto usage;
		}
	}
	/* The last 20 by default; everything since --since unless -n. */
	q.limit = n > 0 ? (int)n : q.since > 0 ? -1 : 20;
	if (optind != argc)
		goto usage;
	if ((rc = cmd_config_load_public(ctx, &cfg)) != 0)
		return rc;
	if (cfg->agent.role == ROLE_SPARE) {
		rc = status_spare(cfg, as_json);
		goto done;
	}
	rc = FA_EXIT_RUNTIME;
	if (state_open(cfg->agent.state_db, true, &db, err, sizeof(err)) == -1) {
		fprintf(stderr, "failover-agent: %s\n", err);
		goto done;
	}
	if ((h = state_history_query(db, &q, err, sizeof(err))) == NULL) {
		fprintf(stderr, "failover-agent: %s\n", err);
		goto done;
	}
	if (as_json) {
		json_dumpf(h, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
		printf("\n");
	} else {
		text_escape_tree(h);
		history_print(h);
	}
	rc = FA_EXIT_OK;
done:
	json_decref(h);
	if (db != NULL)
		state_close(db);
	config_free(cfg);
	return rc;
usage:
	fprintf(stderr, "usage: failover-agent history [-n N] [--since "
	    "DURATION|TIME] [--outcome NAME[,NAME...]] [--json]\n");
	return FA_EXIT_CONFIG;
}
