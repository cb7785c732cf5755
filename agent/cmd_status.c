/*
 * cmd_status.c: status and history (failover-agent(8), COMMANDS).  status reads
 * the store
 * into one struct (state.h: struct site_status), adds what needs the
 * config, the lock or DNS, and renders it as text here, as JSON
 * (state_status_to_json()) or for Nagios (cmd_nagios.c): the views can
 * never disagree.  history prints the store's JSON or renders it.
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

/* A text field of the status or of history: "" for none. */
#define S(s)	((s) != NULL ? (s) : "")

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

/* The same for one string of the status struct (NULL stays NULL). */
static void
text_escape(char **s)
{
	char	*e;

	if (*s == NULL)
		return;
	e = util_text_escape(*s);
	free(*s);
	*s = e;
}

static void
text_escape_notes(struct status_note *n, size_t count)
{
	size_t	i;

	for (i = 0; i < count; i++) {
		text_escape(&n[i].target);
		text_escape(&n[i].detail);
	}
}

static void
text_escape_cycle(struct status_cycle *c)
{
	size_t	i;

	text_escape(&c->kind);
	text_escape(&c->message);
	text_escape(&c->quorum);
	text_escape(&c->quorum_stored);
	text_escape(&c->tally);
	for (i = 0; i < c->nchecks; i++) {
		text_escape(&c->checks[i].name);
		text_escape(&c->checks[i].type);
		text_escape(&c->checks[i].outcome);
		text_escape(&c->checks[i].detail);
	}
}

/* text_escape_tree() for the status struct: every string it holds. */
static void
text_escape_status(struct site_status *s)
{
	size_t	i;

	text_escape_cycle(&s->last_cycle);
	text_escape_cycle(&s->votes_cycle);
	for (i = 0; i < s->nrecords; i++) {
		text_escape(&s->records[i].zone);
		text_escape(&s->records[i].owner);
		text_escape(&s->records[i].addrs);
		text_escape(&s->records[i].holds);
		text_escape(&s->records[i].why);
	}
	text_escape(&s->records_error);
	for (i = 0; i < s->nvotes; i++) {
		text_escape(&s->votes[i].spare);
		text_escape(&s->votes[i].url);
		text_escape(&s->votes[i].voter);
		text_escape(&s->votes[i].verdict);
		text_escape(&s->votes[i].reason);
		text_escape(&s->votes[i].detail);
	}
	text_escape_notes(&s->canary, 1);
	text_escape(&s->verify_direction);
	text_escape_notes(s->lagging, s->nlagging);
	text_escape_notes(&s->failed_since, 1);
	text_escape(&s->notify_last_error);
	text_escape(&s->intent.kind);
	text_escape(&s->intent.direction);
	text_escape(&s->intent.records);
	text_escape(&s->intent.reason);
	text_escape_notes(s->quorum_canary, s->nquorum_canary);
	text_escape_notes(s->layout_warnings, s->nlayout_warnings);
	text_escape_notes(s->stale, s->nstale);
	for (i = 0; i < s->ntransitions; i++)
		text_escape(&s->transitions[i].reason);
	text_escape_notes(s->failing, s->nfailing);
}

/*
 * An open intent whose lock nobody holds was interrupted.  When the lock
 * file cannot be read (it is the service user's, mode 600, and this is the
 * monitoring user), its age decides: no move takes longer than this.
 */
#define STATUS_INTENT_MAX_S	(15 * 60)

static void
status_annotate_intent(const struct config *cfg, struct site_status *s,
    int64_t now)
{
	struct status_intent	*in = &s->intent;
	long long		 age;
	int			 held;

	if (!s->has_intent)
		return;
	held = state_lock_held(cfg->agent.state_db);
	age = now - in->opened_at;
	in->running = held;
	in->interrupted = held == 0 || (held == -1 &&
	    age > STATUS_INTENT_MAX_S &&
	    age * 1000 > 3 * cfg->agent.interval_ms);
}

/*
 * Per configured spare, the newest evidence that a signed vote goes
 * through: its last [quorum] canary, or its vote in the last round that
 * asked the spares, whichever is newer.  A spare never asked yet counts
 * as neither passing nor failing.
 */
static void
status_annotate_spares(const struct config *cfg, struct site_status *s)
{
	const struct status_note	*qc;
	const struct status_vote	*v;
	struct status_note		*f;
	long long			 at, best_at;
	bool				 found, ok;
	size_t				 i, j;
	char				 detail[400];

	if (!cfg->has_quorum || cfg->nspares == 0)
		return;
	for (i = 0; i < cfg->nspares; i++) {
		const char *name = cfg->spares[i].name;

		found = false;
		best_at = -1;
		ok = true;
		for (j = 0; j < s->nquorum_canary; j++) {
			qc = &s->quorum_canary[j];
			if (strcmp(S(qc->target), name) != 0)
				continue;
			found = true;
			best_at = qc->at;
			ok = qc->ok;
			snprintf(detail, sizeof(detail), "%s", S(qc->detail));
		}
		at = s->has_votes_cycle ? s->votes_cycle.started_at : 0;
		for (j = 0; j < s->nvotes; j++) {
			v = &s->votes[j];
			if (strcmp(S(v->spare), name) != 0 || at < best_at)
				continue;
			found = true;
			best_at = at;
			ok = v->valid;
			snprintf(detail, sizeof(detail), "%s%s%s", S(v->reason),
			    S(v->detail)[0] ? ": " : "", S(v->detail));
		}
		if (!found || ok)
			continue;
		s->failing = util_xreallocarray(s->failing, s->nfailing + 1,
		    sizeof(*s->failing));
		f = &s->failing[s->nfailing++];
		memset(f, 0, sizeof(*f));
		f->target = util_xstrdup(name);
		f->at = best_at;
		f->cycle_id = STATUS_NULL;
		f->detail = util_xstrdup(detail);
	}
	s->has_quorum_check = true;
	s->quorum_need = cfg->quorum.need;
	s->quorum_spares = (int)cfg->nspares;
}

void
cmd_status_annotate(const struct config *cfg, struct site_status *s,
    int64_t now)
{
	if (cfg->agent.role != ROLE_BACKUP)
		return;
	s->annotated = true;
	status_annotate_intent(cfg, s, now);
	s->no_quorum = !cfg->has_quorum && !cfg->agent.quorum_none;
	status_annotate_spares(cfg, s);
}

/*
 * Replace the records with what DNS holds right now.  If DNS cannot be
 * read, the stored view stays, with the error.
 */
static void
status_records_live(const struct config *cfg, struct site_status *s)
{
	struct dns_view		 view;
	struct status_record	*r;
	char			 addrs[512];
	size_t			 i;

	memset(&view, 0, sizeof(view));
	if (dns_view_read(cfg, &view) == -1) {
		s->records_source = STATUS_RECORDS_LIVE_FAILED;
		s->records_error = util_xstrdup(view.error);
		dns_view_free(&view);
		return;
	}
	state_status_records_free(s);
	s->records = util_xcalloc(view.n ? view.n : 1, sizeof(*s->records));
	for (i = 0; i < view.n; i++) {
		r = &s->records[s->nrecords++];
		addrset_format(&view.rec[i].addrs, addrs, sizeof(addrs), "");
		r->zone = util_xstrdup(view.rec[i].zone->name);
		r->owner = util_xstrdup(view.rec[i].owner);
		r->addrs = util_xstrdup(addrs);
		r->holds = util_xstrdup(dns_record_holds_str(&view.rec[i]));
		r->seen_at = util_wall_ms() / 1000;
		/* A conflict says what differs (issue 10). */
		if (view.rec[i].why[0] != '\0')
			r->why = util_xstrdup(view.rec[i].why);
	}
	s->records_source = STATUS_RECORDS_LIVE;
	dns_view_free(&view);
}

/* One vote: "down (checked ...)" or "abstained: no-answer: detail". */
static void
print_vote(const char *indent, const char *spare, bool valid,
    const char *verdict, const char *voter, long long checked_at,
    const char *reason, const char *detail)
{
	printf("%svote %s: ", indent, spare);
	if (valid) {
		printf("%s", verdict);
		if (strcmp(voter, spare) != 0)
			printf(" (voter %s)", voter);
		print_time(", checked ", checked_at);
	} else
		printf("abstained: %s%s%s", reason, detail[0] ? ": " : "",
		    detail);
	printf("\n");
}

/*
 * The last votes (failover-agent(8), COMMANDS) and the tally of the cycle that
 * asked.
 */
static void
status_print_votes(const struct config *cfg, const struct site_status *s)
{
	const struct status_cycle	*vc = &s->votes_cycle;
	const struct status_note	*qc;
	const struct status_vote	*v;
	size_t				 i;

	/* Each spare's last [quorum] canary: does a signed vote go through? */
	for (i = 0; i < s->nquorum_canary; i++) {
		qc = &s->quorum_canary[i];
		printf("quorum canary %s: %s", S(qc->target), qc->ok ? "ok" :
		    "FAILED");
		print_time(" at ", qc->at);
		printf(": %s\n", S(qc->detail));
	}
	if (!s->has_votes_cycle) {
		printf("votes: none yet%s\n", cfg->has_quorum ? "" :
		    " (no [quorum] configured)");
		return;
	}
	printf("last votes: cycle #%lld", (long long)vc->id);
	print_time(" at ", vc->started_at);
	printf(" (%s): %s\n", cycle_outcome_str(vc->outcome), S(vc->tally)[0] ?
	    S(vc->tally) : S(vc->quorum));
	for (i = 0; i < s->nvotes; i++) {
		v = &s->votes[i];
		print_vote("  ", S(v->spare), v->valid, S(v->verdict),
		    S(v->voter), v->checked_at, S(v->reason), S(v->detail));
	}
}

/*
 * The [dns] canary's last result, and the nameservers that did not serve
 * the last DNS move in time (verify = all).
 */
static void
status_print_dns(const struct config *cfg, const struct site_status *s)
{
	const struct status_note	*fs = &s->failed_since;
	size_t				 i;

	if (s->has_canary) {
		printf("canary: %s", s->canary.ok ? "ok" : "FAILED");
		print_time(" at ", s->canary.at);
		printf(": %s\n", S(s->canary.detail));
	} else if (cfg->dns.canary_ms == 0)
		printf("canary: off ([dns] canary = 0)\n");
	else
		printf("canary: none yet\n");
	if (!s->has_verify)
		return;
	if (s->verify_cycle_id > 0) {
		printf("last change: cycle #%lld %s",
		    (long long)s->verify_cycle_id, S(s->verify_direction));
		print_time(" at ", s->verify_at);
		if (s->nlagging > 0)
			printf(": %zu nameserver%s did not serve it in time:\n",
			    s->nlagging, s->nlagging == 1 ? "" : "s");
		else if (cfg->dns.verify == DNS_VERIFY_ALL)
			printf(": verified, every nameserver served it\n");
		else if (cfg->dns.verify == DNS_VERIFY_SERVER)
			printf(": verified, the server that took it serves "
			    "it\n");
		else
			printf(": not verified (verify = none)\n");
		for (i = 0; i < s->nlagging; i++)
			printf("  %s %s\n", S(s->lagging[i].target),
			    S(s->lagging[i].detail));
	} else
		printf("last change: none in history\n");
	if (s->has_failed_since) {
		printf("WARNING: a DNS move failed since: cycle #%lld",
		    fs->cycle_id == STATUS_NULL ? 0LL :
		    (long long)fs->cycle_id);
		print_time(" at ", fs->at);
		printf(": %s: %s (not verified)\n", S(fs->target),
		    S(fs->detail));
	}
}

/*
 * What a record holds, as a person must hear it: CRITICAL when it holds
 * neither site's addresses ("other"), WARNING for part of a site's set or
 * anything else this build does not know, OK for a site's whole set or a
 * record not read.  The text status and Nagios judge alike.
 */
enum status_level
cmd_status_record_level(const char *holds)
{
	if (strcmp(holds, "other") == 0)
		return STATUS_LEVEL_CRITICAL;
	if (strcmp(holds, "primary") == 0 || strcmp(holds, "backup") == 0 ||
	    strcmp(holds, "not-read") == 0 || strcmp(holds, "unreadable") == 0)
		return STATUS_LEVEL_OK;
	return STATUS_LEVEL_WARNING;
}

/*
 * Fewer spares pass the signed vote check than [quorum] need (needs
 * cmd_status_annotate()).
 */
bool
cmd_status_spares_short(const struct site_status *s)
{
	return s->has_quorum_check && (long long)s->quorum_spares -
	    (long long)s->nfailing < s->quorum_need;
}

/*
 * What needs a person, said near the top: an interrupted move, no spares,
 * spares that refuse our signed votes, records that hold neither site's
 * set.  The same judgements as status --nagios (cmd_status_annotate()).
 */
static void
status_print_warnings(const struct site_status *s)
{
	const struct status_intent	*in = &s->intent;
	const struct status_record	*r;
	size_t				 i;

	if (s->has_intent) {
		print_time(in->interrupted ?
		    "\nCRITICAL: a failover/failback was interrupted (started " :
		    "\na move is under way (started ", in->opened_at);
		printf("; %s %s)%s", S(in->kind), S(in->direction),
		    in->interrupted ? ": the next cycle reconciles from DNS" :
		    "");
	}
	if (s->no_quorum)
		printf("\nWARNING: no spares: this agent cannot tell its own "
		    "outage from the primary's (add [quorum], or say [agent] "
		    "quorum = none)");
	for (i = 0; i < s->nfailing; i++) {
		printf("\nWARNING: spare %s: signed vote failed",
		    S(s->failing[i].target));
		print_time(" at ", s->failing[i].at);
		printf(": %s", S(s->failing[i].detail));
	}
	if (cmd_status_spares_short(s))
		printf("\nCRITICAL: fewer spares than need = %d pass: a "
		    "failover could not be confirmed", s->quorum_need);
	for (i = 0; i < s->nrecords; i++) {
		r = &s->records[i];
		switch (cmd_status_record_level(S(r->holds))) {
		case STATUS_LEVEL_OK:
			break;
		case STATUS_LEVEL_CRITICAL:
			printf("\nCRITICAL: %s holds neither site's addresses: "
			    "%s", S(r->owner), S(r->addrs)[0] ? r->addrs :
			    "(none)");
			break;
		case STATUS_LEVEL_WARNING:
			printf("\nWARNING: %s holds %s: %s", S(r->owner),
			    S(r->holds), S(r->addrs)[0] ? r->addrs : "(none)");
			break;
		}
	}
}

/* The last cycle and its checks. */
static void
status_print_cycle(const struct site_status *s)
{
	const struct status_cycle	*lc = &s->last_cycle;
	const struct status_check	*ck;
	size_t				 i;

	if (!s->has_last_cycle) {
		printf("last cycle: none yet\n");
		return;
	}
	printf("last cycle: #%lld %s", (long long)lc->id, S(lc->kind));
	print_time(" at ", lc->started_at);
	printf(": %s, exit %lld: %s\n", cycle_outcome_str(lc->outcome),
	    (long long)lc->exit_code, S(lc->message));
	for (i = 0; i < lc->nchecks; i++) {
		ck = &lc->checks[i];
		printf("  check %s: %s%s%s (%lld ms)\n", S(ck->name),
		    S(ck->outcome), S(ck->detail)[0] ? ": " : "",
		    S(ck->detail), (long long)ck->elapsed_ms);
	}
}

static void
status_print(const struct config *cfg, const struct site_status *s)
{
	const struct status_record	*r;
	size_t				 i;

	printf("site %s: %s", cfg->agent.name, site_state_str(s->state));
	print_time(" since ", s->state_since);
	printf("\nprimary: %s", primary_status_str(s->primary_status));
	if (s->fail_streak > 0)
		printf(" (%lld failed cycle%s in a row, fail_after %d)",
		    (long long)s->fail_streak, s->fail_streak == 1 ? "" : "s",
		    cfg->agent.fail_after);
	/* A failback waiting for a person must not hide below the fold. */
	if (s->has_last_cycle && s->last_cycle.outcome == OUTCOME_UNSAFE)
		printf("\nWARNING: failback refused: %s",
		    S(s->last_cycle.message));
	for (i = 0; i < s->nlayout_warnings; i++)
		printf("\nWARNING: this layout cannot fail over: %s",
		    S(s->layout_warnings[i].detail));
	for (i = 0; i < s->nstale; i++)
		printf("\nWARNING: a nameserver serves stale data: %s",
		    S(s->stale[i].detail));
	if (s->has_canary && !s->canary.ok)
		printf("\nWARNING: the DNS canary failed: a failover would fail "
		    "too (see canary: below)");
	status_print_warnings(s);
	printf("\nrecords (%s):\n", s->records_source == STATUS_RECORDS_LIVE ?
	    "live from DNS" : "as last seen");
	if (s->records_source == STATUS_RECORDS_LIVE_FAILED)
		printf("  DNS could not be read now: %s\n",
		    S(s->records_error));
	for (i = 0; i < s->nrecords; i++) {
		r = &s->records[i];
		printf("  %-32s %-40s %s\n", S(r->owner), S(r->addrs)[0] ?
		    r->addrs : "(none)", S(r->holds));
		if (S(r->why)[0] != '\0')
			printf("    %s\n", r->why);
	}
	status_print_cycle(s);
	status_print_votes(cfg, s);
	status_print_dns(cfg, s);
	if (s->notify_pending > 0)
		printf("notify: %lld notification%s not delivered yet (%lld "
		    "attempt%s for the oldest): %s\n",
		    (long long)s->notify_pending, s->notify_pending == 1 ? "" :
		    "s", s->notify_attempts == STATUS_NULL ? 0LL :
		    (long long)s->notify_attempts, s->notify_attempts == 1 ?
		    "" : "s", S(s->notify_last_error)[0] ?
		    s->notify_last_error : "not tried yet");
	printf("transitions:%s\n", s->ntransitions ? "" : " none yet");
	for (i = 0; i < s->ntransitions; i++) {
		print_time("  ", s->transitions[i].at);
		printf("  %s -> %s: %s\n", site_state_str(
		    s->transitions[i].from), site_state_str(
		    s->transitions[i].to), S(s->transitions[i].reason));
	}
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
	if (as_json)
		cmd_json_print(st);
	else if (json_is_null(pr)) {
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

/*
 * --json: the object as failover-agent(8), COMMANDS shows it, keys sorted, one
 * final newline.
 */
void
cmd_json_print(const json_t *j)
{
	json_dumpf(j, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
	printf("\n");
}

/*
 * What status and history begin with: the config (no secret), and for a
 * spare its own view instead (status_spare()).  Returns 1 with *rc when
 * the command is done, 0 to go on with *cfg (config_free() it).
 */
static int
store_cmd_begin(const struct cmd_ctx *ctx, bool as_json, struct config **cfg,
    int *rc)
{
	if ((*rc = cmd_config_load_public(ctx, cfg)) != 0)
		return 1;
	if ((*cfg)->agent.role != ROLE_SPARE)
		return 0;
	*rc = status_spare(*cfg, as_json);
	config_free(*cfg);
	*cfg = NULL;
	return 1;
}

/*
 * status of a backup or primary: the stored status (that of a site that
 * never ran when there is no database yet), the records live from DNS on
 * a backup, the judgements of cmd_status_annotate(); printed as JSON or
 * text.  Returns an exit code.
 */
static int
status_site(const struct config *cfg, bool as_json)
{
	struct state_db		*db = NULL;
	struct site_status	 s;
	json_t			*j;
	char			 err[512];
	int			 rc = FA_EXIT_RUNTIME;

	if (state_open(cfg->agent.state_db, true, &db, err, sizeof(err)) == -1) {
		log_debug("%s", err);
		state_status_empty(&s);
	} else if (state_status_load(db, 5, &s, err, sizeof(err)) == -1) {
		log_warnx("%s", err);
		goto done;
	}
	if (cfg->agent.role == ROLE_BACKUP)
		status_records_live(cfg, &s);
	cmd_status_annotate(cfg, &s, util_wall_ms() / 1000);
	if (as_json) {
		if ((j = state_status_to_json(&s)) == NULL)
			fatalx("out of memory");
		cmd_json_print(j);
		json_decref(j);
	} else {
		text_escape_status(&s);
		status_print(cfg, &s);
	}
	rc = FA_EXIT_OK;
done:
	state_status_free(&s);
	if (db != NULL)
		state_close(db);
	return rc;
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
	if (store_cmd_begin(ctx, as_json, &cfg, &rc) == 1)
		return rc;
	rc = status_site(cfg, as_json);
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
			print_vote("    ", jstr(v, "spare"),
			    json_is_true(json_object_get(v, "valid")),
			    jstr(v, "verdict"), jstr(v, "voter"),
			    jint(v, "checked_at"), jstr(v, "reason"),
			    jstr(v, "detail"));
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
	if (store_cmd_begin(ctx, as_json, &cfg, &rc) == 1)
		return rc;
	rc = FA_EXIT_RUNTIME;
	if (state_open(cfg->agent.state_db, true, &db, err, sizeof(err)) == -1) {
		fprintf(stderr, "failover-agent: %s\n", err);
		goto done;
	}
	if ((h = state_history_query(db, &q, err, sizeof(err))) == NULL) {
		fprintf(stderr, "failover-agent: %s\n", err);
		goto done;
	}
	if (as_json)
		cmd_json_print(h);
	else {
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
