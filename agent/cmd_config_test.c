/*
 * cmd_config_test.c: config-test (failover-agent(8), COMMANDS): parse the
 * config, check the
 * files, keys and permissions, prove the DNS server takes our key, load the
 * vote secret, ask each spare for a real signed vote, and log in to every
 * MySQL server of the config to check the user's grants, compare what every
 * managed record holds now with the two sites, and warn about a DNS layout
 * that cannot fail over.  Problems are printed as FILE:LINE: message;
 * "configuration OK" when none.
 */
#include <sys/socket.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/check/check.h"
#include "agent/cmd.h"
#include "agent/mysql/mysql_local.h"
#include "agent/lib/util.h"
#include "dnsupdate/dnsupdate.h"
#include "quorum/quorum.h"

static void
diags_print(const struct diag_list *d)
{
	size_t	i;

	for (i = 0; i < d->n; i++)
		fprintf(stderr, "%s\n", d->items[i].msg);
}

/*
 * The shared secret loads the way check and vote-server will load it (one
 * line, long enough): config_load() saw only its mode.  The secret is
 * wiped at once.  Returns 0, or -1 with the problem in diags.
 */
static int
config_test_secret(const struct config *cfg, struct diag_list *diags)
{
	struct vote_secret	*secret = NULL;
	char			 err[512];

	if (!cfg->has_quorum || cfg->quorum.secret_file == NULL)
		return 0;
	if (vote_secret_load(cfg->quorum.secret_file, &secret, err,
	    sizeof(err)) == -1) {
		diag_add(diags, true, "%s:%d: [quorum] secret_file: %s",
		    cfg->path, cfg->quorum.line, err);
		return -1;
	}
	vote_secret_free(secret);
	return 0;
}

void
cmd_vote_describe(const struct vote_result *r, char *buf, size_t len)
{
	char	when[64];

	if (r->reason == VOTE_VALID) {
		util_time_format(r->vote.checked_at, when, sizeof(when));
		snprintf(buf, len, "answers and agrees on the secret (%s, "
		    "checked %s)", vote_verdict_str(r->vote.verdict), when);
	} else if (r->http_status == 401 && strstr(r->detail, "bad MAC"))
		snprintf(buf, len, "401 bad MAC: the spare holds a different "
		    "vote.key");
	else if (r->http_status == 401 && strstr(r->detail, "stale"))
		snprintf(buf, len, "401 stale timestamp: the clocks differ by "
		    "more than %d s (%s)", VOTE_TS_WINDOW, r->detail);
	else if (r->reason == VOTE_BAD_SIGNATURE && r->http_status != 401)
		snprintf(buf, len, "its answer does not verify under our "
		    "vote.key: the spare holds a different one (%s)",
		    r->detail);
	else
		snprintf(buf, len, "%s%s%s", vote_reason_str(r->reason),
		    r->detail[0] ? ": " : "", r->detail);
}

/*
 * Send each spare a real signed vote request, the one a failover sends
 * (issue 17: /v1/health alone passed with a wrong vote.key, and the day
 * of the outage every vote was refused).  A spare that refuses our MAC,
 * or whose answer does not verify under our secret, is an error; one
 * that does not answer is a warning (it may be down today, and the
 * quorum is there for exactly that).  Returns 0, or -1 with the problem
 * in diags.
 */
static int
config_test_spares(const struct config *cfg, struct diag_list *diags)
{
	struct vote_secret	*secret = NULL;
	struct vote_spare	*spares;
	struct vote_result	*res;
	char			 err[512], what[400];
	size_t			 i, n = cfg->nspares;
	int			 rc = 0;

	if (!cfg->has_quorum || n == 0 || cfg->quorum.secret_file == NULL)
		return 0;
	if (vote_secret_load(cfg->quorum.secret_file, &secret, err,
	    sizeof(err)) == -1)
		return 0;	/* config_test_secret() said why */
	spares = util_xcalloc(n, sizeof(*spares));
	res = util_xcalloc(n, sizeof(*res));
	for (i = 0; i < n; i++) {
		spares[i].name = cfg->spares[i].name;
		spares[i].url = cfg->spares[i].url;
	}
	(void)vote_client_ask(secret, cfg->agent.name, spares, n,
	    cfg->quorum.timeout_ms, res);
	vote_secret_free(secret);	/* wipes */
	for (i = 0; i < n; i++) {
		cmd_vote_describe(&res[i], what, sizeof(what));
		if (res[i].reason == VOTE_VALID)
			printf("spare %s (%s): %s\n", spares[i].name,
			    spares[i].url, what);
		else if (res[i].reason == VOTE_BAD_SIGNATURE ||
		    res[i].reason == VOTE_MALFORMED ||
		    res[i].reason == VOTE_NONCE_MISMATCH ||
		    res[i].reason == VOTE_TARGET_MISMATCH) {
			diag_add(diags, true, "%s:%d: [spare:%s] %s: %s",
			    cfg->path, cfg->spares[i].line, spares[i].name,
			    spares[i].url, what);
			rc = -1;
		} else
			diag_add(diags, false, "%s:%d: [spare:%s] %s: no "
			    "signed vote: %s", cfg->path, cfg->spares[i].line,
			    spares[i].name, spares[i].url, what);
	}
	free(res);
	free(spares);
	return rc;
}

/*
 * Log in as [mysql] says (or as a mysql check, with its own login) and read
 * SHOW GRANTS: what is missing is named.  A check's server that cannot be
 * reached is a warning (the primary may be down today); a refused login or
 * a missing privilege is an error, as is a [mysql] server that cannot be
 * reached (it is this site's own).  Returns 0 or -1.
 */
static int
config_test_mysql_one(const struct config *cfg, const struct cfg_mysql *m,
    const char *what, int line, bool own, struct diag_list *diags)
{
	struct mysql_local	*l = NULL;
	char			 err[600], missing[600];
	bool			 on;
	int			 rc = -1;

	if (mysql_local_open(m, &l, err, sizeof(err)) == -1) {
		bool denied = strstr(err, "Access denied") != NULL;

		diag_add(diags, own || denied, "%s:%d: %s: cannot log in: %s",
		    cfg->path, line, what, err);
		return own || denied ? -1 : 0;
	}
	if (mysql_local_grants(l, own ? m->promote : MYSQL_PROMOTE_NONE,
	    missing, sizeof(missing), err, sizeof(err)) == -1) {
		diag_add(diags, true, "%s:%d: %s: %s", cfg->path, line, what,
		    err);
		goto done;
	}
	if (missing[0] != '\0') {
		diag_add(diags, true, "%s:%d: %s: user %s lacks %s (see"
		    " INSTALL, section 6)", cfg->path, line, what,
		    m->user, missing);
		goto done;
	}
	if (own && mysql_local_log_bin(l, &on, err, sizeof(err)) == 0 && !on)
		diag_add(diags, false, "%s:%d: %s: log_bin is OFF: writes made"
		    " after a promotion carry no GTID, so the failback safety"
		    " check cannot see them", cfg->path, line, what);
	printf("%s: %s: grants OK\n", what, mysql_local_name(l));
	rc = 0;
done:
	mysql_local_close(l);
	return rc;
}

static int
config_test_mysql(const struct config *cfg, struct diag_list *diags)
{
	struct cfg_mysql	 m;
	char			 what[96];
	size_t			 i;
	int			 rc = 0;

	for (i = 0; i < cfg->nchecks; i++) {
		const struct cfg_check *c = &cfg->checks[i];
		const struct cfg_check_mysql *mc;

		if ((mc = check_mysql_conf(c)) == NULL)
			continue;
		memset(&m, 0, sizeof(m));
		m.host = mc->host;
		m.port = mc->port;
		m.socket = mc->socket;
		m.user = mc->user;
		m.password_file = mc->password_file;
		m.timeout_ms = c->timeout_ms;
		snprintf(what, sizeof(what), "[check:%s]", c->name);
		if (config_test_mysql_one(cfg, &m, what, c->line, false,
		    diags) == -1)
			rc = -1;
	}
	if (cfg->agent.role == ROLE_BACKUP && cfg->has_mysql &&
	    config_test_mysql_one(cfg, &cfg->mysql, "[mysql]", cfg->mysql.line,
	    true, diags) == -1)
		rc = -1;
	return rc;
}

/* Say that the DNS check passed, and for what (issue 17: it never did). */
static void
config_test_dns_ok(const struct config *cfg)
{
	size_t	i;

	printf("DNS check passed: method %s answers for %s", dns_method_str(
	    cfg->dns.method), cfg->nzones == 1 ? "zone" : "zones");
	for (i = 0; i < cfg->nzones; i++)
		printf("%s %s", i > 0 ? "," : "", cfg->zones[i].name);
	printf(strcmp(dns_method_str(cfg->dns.method), "rfc2136") == 0 ?
	    " with a correctly "
	    "signed reply (the TSIG key is accepted)\n" : "\n");
}

/* "A" / "AAAA" / "A and AAAA": the types set publishes. */
static const char *
types_of(const struct addrset *set)
{
	struct addrset		 v4, v6;

	addrset_family(set, AF_INET, &v4);
	addrset_family(set, AF_INET6, &v6);
	if (v4.n > 0 && v6.n > 0)
		return "A and AAAA";
	return v4.n > 0 ? "A" : v6.n > 0 ? "AAAA" : "nothing";
}

/*
 * Every managed record against the two sites, now, so that a surprise
 * comes at set-up rather than during an outage (issue 10): a record that
 * matches neither site is a warning naming what differs (a move would
 * leave it alone as a conflict); a partial record (part of a site's set,
 * see dnsupdate.h) is a note saying what a move does with it, and a
 * warning when the other site cannot serve it.  Nothing here is an error:
 * DNS may be mid-change by hand today.
 */
static void
config_test_records(const struct config *cfg, struct diag_list *diags)
{
	struct dns_view			 view;
	struct dns_plan			 plan[2];
	const struct dns_record_view	*rv;
	const struct dns_record_change	*rc;
	char				 ab[512];
	const char			*site, *other;
	size_t				 i, z, k, d;

	memset(&view, 0, sizeof(view));
	if (dns_view_read(cfg, &view) == -1 && view.n == 0) {
		diag_add(diags, false, "%s: cannot read the managed records to "
		    "compare them with the sites: %s", cfg->path, view.error);
		dns_view_free(&view);
		return;
	}
	dnsupdate_plan(cfg, DNS_TO_BACKUP, &view, &plan[0]);
	dnsupdate_plan(cfg, DNS_TO_PRIMARY, &view, &plan[1]);
	for (i = 0; i < view.n; i++) {
		rv = &view.rec[i];
		addrset_format(&rv->addrs, ab, sizeof(ab), "");
		switch (rv->holds) {
		case DNS_HOLDS_UNREADABLE:
			diag_add(diags, false, "%s:%d: %s: cannot read it: %s",
			    cfg->path, rv->zone->line, rv->owner,
			    dns_status_str(rv->status));
			break;
		case DNS_HOLDS_OTHER:
			diag_add(diags, false, "%s:%d: %s (it holds %s): it "
			    "matches neither site, so a failover or failback "
			    "would leave it alone as a conflict", cfg->path,
			    rv->zone->line, rv->why, ab[0] ? ab : "nothing");
			break;
		case DNS_HOLDS_MIXED:
			diag_add(diags, false, "%s:%d: %s holds one site's A "
			    "and the other's AAAA (%s): part-way between the "
			    "sites; the next move finishes it", cfg->path,
			    rv->zone->line, rv->owner, ab);
			break;
		case DNS_HOLDS_PRIMARY:
		case DNS_HOLDS_BACKUP:
			if (!rv->partial)
				break;
			site = rv->holds == DNS_HOLDS_PRIMARY ? "primary" :
			    "backup";
			other = rv->holds == DNS_HOLDS_PRIMARY ? "backup" :
			    "primary";
			printf("note: %s publishes %s only, the %s's (%s): it "
			    "counts as the %s's, and a move gives it the %s's "
			    "%s only, never adding a type\n", rv->owner,
			    types_of(&rv->addrs), site, ab, site, other,
			    types_of(&rv->addrs));
			/* The move it would get: refused? */
			d = rv->holds == DNS_HOLDS_PRIMARY ? 0 : 1;
			for (z = 0; z < plan[d].nzones; z++)
				for (k = 0; k < plan[d].zones[z].n; k++) {
					rc = &plan[d].zones[z].rec[k];
					if (rc->owner == rv->owner &&
					    rc->status == DNS_CONFLICT)
						diag_add(diags, false, "%s:%d: "
						    "%s", cfg->path,
						    rv->zone->line, rc->why);
				}
			break;
		default:
			break;
		}
	}
	dns_plan_free(&plan[0]);
	dns_plan_free(&plan[1]);
	dns_view_free(&view);
}

/* dnsupdate_layout_check(): each warning as one line. */
static void
config_test_layout(const struct config *cfg, struct diag_list *diags)
{
	struct dns_layout	 lay;
	size_t			 i;

	dnsupdate_layout_check(cfg, &lay);
	for (i = 0; i < lay.n; i++)
		diag_add(diags, false, "%s:%d: %s", cfg->path, cfg->dns.line,
		    lay.warning[i]);
}

int
cmd_config_test(const struct cmd_ctx *ctx, int argc, char **argv)
{
	struct diag_list	 diags;
	struct config		*cfg = NULL;
	bool			 bad = false;
	int			 rc;

	(void)argv;
	if (argc != 1) {
		fprintf(stderr, "usage: failover-agent config-test\n");
		return FA_EXIT_CONFIG;
	}
	memset(&diags, 0, sizeof(diags));
	if (config_load(ctx->config_path, &cfg, &diags) == -1) {
		diags_print(&diags);
		rc = FA_EXIT_CONFIG;
		goto done;
	}
	/* A key the server does not take is a config error too. */
	if (cfg->agent.role == ROLE_BACKUP) {
		if (dnsupdate_probe(cfg, &diags) == -1)
			bad = true;
		else
			config_test_dns_ok(cfg);
	}
	if (config_test_secret(cfg, &diags) == -1 ||
	    (cfg->agent.role == ROLE_BACKUP &&
	    config_test_spares(cfg, &diags) == -1) ||
	    config_test_mysql(cfg, &diags) == -1)
		bad = true;
	/* Warnings only: what the records hold, a layout that cannot fail over. */
	if (cfg->agent.role == ROLE_BACKUP) {
		config_test_records(cfg, &diags);
		config_test_layout(cfg, &diags);
	}
	diags_print(&diags);
	if (bad) {
		rc = FA_EXIT_CONFIG;
		goto done;
	}
	printf("configuration OK\n");
	rc = FA_EXIT_OK;
done:
	diag_clear(&diags);
	config_free(cfg);
	return rc;
}
