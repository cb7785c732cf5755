/*
 * test_config.c: a good configuration parses to the right values; each bad
 * one is refused with the right "FILE:LINE: message"; the shipped example
 * parses once its files exist.
 *
 * Every bad case is the good file with one change, so the line numbers below
 * are those of GOOD (shown in its comments).
 */
#include <sys/stat.h>

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/check/check.h"
#include "agent/check/check_impl.h"
#include "agent/core/confdesc.h"
#include "dnsupdate/method/cloudflare.h"
#include "dnsupdate/method/exec.h"
#include "dnsupdate/method/httptmpl.h"
#include "dnsupdate/method/ovh.h"
#include "dnsupdate/method/powerdns.h"
#include "dnsupdate/method/virtualmin.h"
#include "agent/core/config.h"
#include "quorum/quorum.h"
#include "agent/lib/log.h"
#include "agent/lib/util.h"
#include "t/unit/tap.h"

/* A method's own section, as its module read it (cfg->method_conf). */
#define PDNS_CONF(c)	((const struct cfg_powerdns *)(c)->method_conf)
#define VM_CONF(c)	((const struct cfg_virtualmin *)(c)->method_conf)
#define EXEC_CONF(c)	((const struct cfg_exec *)(c)->method_conf)
#define CF_CONF(c)	((const struct cfg_cloudflare *)(c)->method_conf)
#define OVH_CONF(c)	((const struct cfg_ovh *)(c)->method_conf)
#define HTTP_CONF(c)	((const struct cfg_http *)(c)->method_conf)


static char	tmpdir[PATH_MAX];
static int	nfiles;

static const char GOOD[] =
	"# failover-agent test config\n"			/*  1 */
	"[agent]\n"						/*  2 */
	"name = backup-test   ; this site\n"			/*  3 */
	"role = backup\n"					/*  4 */
	"state_db = state.db\n"					/*  5 */
	"fail_after = 4\n"					/*  6 */
	"recover_after = 2\n"					/*  7 */
	"failback = manual\n"					/*  8 */
	"hold_down = 15m\n"					/*  9 */
	"interval = 0.5\n"					/* 10 */
	"\n"							/* 11 */
	"[site:primary]\n"					/* 12 */
	"address = 192.0.2.10, 2001:DB8:0::10\n"		/* 13 */
	"[site:backup]\n"					/* 14 */
	"address = 2001:db8:1::20,198.51.100.20\n"		/* 15 */
	"\n"							/* 16 */
	"[check:web]\n"						/* 17 */
	"type = http\n"						/* 18 */
	"url = https://www.example.com/health;x=1\n"		/* 19 */
	"expect_status = 204\n"					/* 20 */
	"expect_body = OK\n"					/* 21 */
	"timeout = 2s\n"					/* 22 */
	"[check:ssh]\n"						/* 23 */
	"\ttype = tcp\n"					/* 24 */
	"host = 192.0.2.10\n"					/* 25 */
	"port = 22\n"						/* 26 */
	"\n"							/* 27 */
	"[quorum]\n"						/* 28 */
	"secret_file = @DIR@/vote.key\n"			/* 29 */
	"[dns]\n"						/* 30 */
	"method = rfc2136\n"					/* 31 */
	"server = 127.0.0.1\n"					/* 32 */
	"port = 5353\n"						/* 33 */
	"tsig_key_file = @DIR@/tsig.key\n"			/* 34 */
	"ttl = 300\n"						/* 35 */
	"verify = all\n"					/* 36 */
	"timeout = 3s\n"					/* 37 */
	"verify_timeout = 1m\n"					/* 38 */
	"[zone:Example.COM.]\n"					/* 39 */
	"records = @, www, Shop.example.com.\n"			/* 40 */
	"[zone:example.org]\n"					/* 41 */
	"records = www, *.dev, *\n"				/* 42 */
	"[hooks]\n"						/* 43 */
	"before_failover = @DIR@/hook\n"			/* 44 */
	"after_failback = @DIR@/hook\n"				/* 45 */
	"timeout = 10s\n"					/* 46 */
	"[spare:paris]\n"					/* 47 */
	"url = http://127.0.0.1:8053\n"				/* 48 */
	"[spare:nyc]\n"						/* 49 */
	"url = https://spare2.example.org:8053/fa\n";		/* 50 */

/* A fresh copy of s with the first "from" replaced by "to" (must exist). */
static char *
replace(const char *s, const char *from, const char *to)
{
	const char	*at = strstr(s, from);
	size_t		 len;
	char		*r;

	if (at == NULL) {
		fprintf(stderr, "test bug: '%s' not found\n", from);
		exit(2);
	}
	len = strlen(s) - strlen(from) + strlen(to);
	r = util_xcalloc(1, len + 1);
	memcpy(r, s, (size_t)(at - s));
	strcat(r, to);
	strcat(r, at + strlen(from));
	return r;
}

/* A fresh copy of s with every @DIR@ replaced by the temp dir. */
static char *
dir_expand(const char *s)
{
	char	*t = util_xstrdup(s), *n;

	while (strstr(t, "@DIR@") != NULL) {
		n = replace(t, "@DIR@", tmpdir);
		free(t);
		t = n;
	}
	return t;
}

/* Write text (with @DIR@ replaced) to a new file; return its path. */
static char *
write_conf(const char *text)
{
	char	*path, *t = dir_expand(text);
	FILE	*f;

	if (asprintf(&path, "%s/conf%d.ini", tmpdir, ++nfiles) == -1)
		fatal("asprintf");
	if ((f = fopen(path, "w")) == NULL)
		fatal("%s", path);
	fputs(t, f);
	fclose(f);
	free(t);
	return path;
}

static void
write_file(const char *name, const char *content, mode_t mode)
{
	char	path[PATH_MAX + 64];
	FILE	*f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	if ((f = fopen(path, "w")) == NULL)
		fatal("%s", path);
	fputs(content, f);
	fclose(f);
	if (chmod(path, mode) == -1)
		fatal("chmod %s", path);
}

static void
dump_diags(const struct diag_list *dl)
{
	for (size_t i = 0; i < dl->n; i++)
		printf("#   %s: %s\n", dl->items[i].is_error ? "error" :
		    "warning", dl->items[i].msg);
}

/*
 * Is there a diag of that kind starting with "PATH:LINE: " (or "PATH: " when
 * line is 0) and containing want?
 */
static bool
has_diag(const struct diag_list *dl, const char *path, int line, bool error,
    const char *want)
{
	char	prefix[PATH_MAX + 32];

	if (line > 0)
		snprintf(prefix, sizeof(prefix), "%s:%d: ", path, line);
	else
		snprintf(prefix, sizeof(prefix), "%s: ", path);
	for (size_t i = 0; i < dl->n; i++)
		if (dl->items[i].is_error == error &&
		    strncmp(dl->items[i].msg, prefix, strlen(prefix)) == 0 &&
		    strstr(dl->items[i].msg + strlen(prefix), want) != NULL)
			return true;
	return false;
}

/* GOOD with another [dns] method and its section appended (line 51 on). */
static char *
with_method(const char *method, const char *section)
{
	char	*a, *b, m[64];

	snprintf(m, sizeof(m), "method = %s", method);
	a = replace(GOOD, "method = rfc2136", m);
	b = util_xcalloc(1, strlen(a) + strlen(section) + 1);
	strcpy(b, a);
	strcat(b, section);
	free(a);
	return b;
}

/* Load text; expect success with exactly nwarn warnings, return the config. */
static struct config *
good_case(const char *name, const char *text, size_t nwarn, char **pathp,
    struct diag_list *dl)
{
	struct config	*cfg = NULL;

	*pathp = write_conf(text);
	memset(dl, 0, sizeof(*dl));
	if (!ok(config_load(*pathp, &cfg, dl) == 0 && cfg != NULL,
	    "%s: loads", name))
		dump_diags(dl);
	if (!ok(dl->n == nwarn, "%s: %zu warning(s)", name, nwarn))
		dump_diags(dl);
	return cfg;
}

/* Free what good_case() made (and the file); cfg may be NULL. */
static void
good_case_end(struct config *cfg, char *path, struct diag_list *dl)
{
	config_free(cfg);
	diag_clear(dl);
	unlink(path);
	free(path);
}

/*
 * Load text; expect refusal with the diag "PATH:LINE: ...want..." (line 0:
 * "PATH: ...") and, when only, no other error.
 */
static void
bad_text(const char *name, const char *text, int line, const char *want,
    bool only)
{
	char			*path = write_conf(text);
	struct config		*cfg = (struct config *)1;
	struct diag_list	 dl = { 0 };

	ok(config_load(path, &cfg, &dl) == -1 && cfg == NULL, "%s: refused",
	    name);
	if (!ok(has_diag(&dl, path, line, true, want), "%s: FILE:%d: ...%s...",
	    name, line, want) || (only && dl.nerrors != 1))
		dump_diags(&dl);
	if (only)
		is_int(dl.nerrors, 1, "%s: exactly one error", name);
	diag_clear(&dl);
	unlink(path);
	free(path);
}

/*
 * A refused case, one line of data. Without method: the table's good text
 * with the first from replaced by to. With method: GOOD with that [dns]
 * method and section appended, from replaced by to in the section first.
 */
struct bad_def {
	const char	*name;
	const char	*method;	/* NULL: the good text's own */
	const char	*section;	/* with method; NULL: none */
	const char	*from, *to;	/* NULL from: no change */
	int		 line;		/* of the diag; 0: about the file */
	const char	*msg;		/* @DIR@ is the temp dir */
	bool		 many;		/* other errors may come too */
};

static void
bad_run(const char *good, const struct bad_def *c)
{
	const char	*base = c->method == NULL ? good :
			    c->section != NULL ? c->section : "";
	char		*t, *text, *msg = dir_expand(c->msg);

	t = c->from != NULL ? replace(base, c->from, c->to) :
	    util_xstrdup(base);
	if (c->method != NULL) {
		text = with_method(c->method, t);
		free(t);
	} else
		text = t;
	bad_text(c->name, text, c->line, msg, !c->many);
	free(text);
	free(msg);
}

static void
bad_table(const char *good, const struct bad_def *c, size_t n)
{
	for (size_t i = 0; i < n; i++)
		bad_run(good, &c[i]);
}

/* The keys of an http or a tcp check, as its type's module keeps them. */
static const struct cfg_check_http *
http_of(const struct cfg_check *ck)
{
	return ck->conf;
}

static const struct cfg_check_tcp *
tcp_of(const struct cfg_check *ck)
{
	return ck->conf;
}

static void
test_good(void)
{
	char			*path = write_conf(GOOD), want[PATH_MAX + 64];
	struct config		*cfg = NULL;
	struct diag_list	 dl = { 0 };
	char			 buf[256];

	if (!ok(config_load(path, &cfg, &dl) == 0 && cfg != NULL,
	    "good config loads")) {
		dump_diags(&dl);
		exit(tap_done());
	}
	is_int(dl.n, 0, "no diagnostics for the good config");
	dump_diags(&dl);

	is_str(cfg->path, path, "path kept");
	is_str(cfg->agent.name, "backup-test", "name, inline comment cut");
	is_int(cfg->agent.role, ROLE_BACKUP, "role");
	snprintf(want, sizeof(want), "%s/state.db", tmpdir);
	is_str(cfg->agent.state_db, want,
	    "relative state_db is relative to the config directory");
	is_int(cfg->agent.fail_after, 4, "fail_after");
	is_int(cfg->agent.recover_after, 2, "recover_after");
	is_int(cfg->agent.failback, FAILBACK_MANUAL, "failback");
	is_int(cfg->agent.hold_down_ms, 900000, "hold_down 15m");
	is_int(cfg->agent.interval_ms, 500, "interval 0.5");

	addrset_format(&cfg->primary, buf, sizeof(buf), "");
	is_str(buf, "192.0.2.10, 2001:db8::10", "primary canonical, sorted");
	addrset_format(&cfg->backup, buf, sizeof(buf), "");
	is_str(buf, "198.51.100.20, 2001:db8:1::20", "backup sorted v4 first");

	is_int(cfg->nchecks, 2, "two checks");
	is_str(cfg->checks[0].name, "web", "check web");
	is_int(cfg->checks[0].line, 17, "check web line");
	is_str(check_type_str(cfg->checks[0].type), "http", "web is http");
	is_str(http_of(&cfg->checks[0])->url,
	    "https://www.example.com/health;x=1",
	    "url keeps a ';' not after white space");
	is_int(http_of(&cfg->checks[0])->expect_status, 204, "expect_status");
	is_str(http_of(&cfg->checks[0])->expect_body, "OK", "expect_body");
	ok(http_of(&cfg->checks[0])->ca_file == NULL, "no ca_file");
	is_int(cfg->checks[0].timeout_ms, 2000, "web timeout");
	is_str(cfg->checks[1].name, "ssh", "check ssh");
	is_str(check_type_str(cfg->checks[1].type), "tcp",
	    "ssh is tcp (indented key)");
	is_str(tcp_of(&cfg->checks[1])->host, "192.0.2.10", "tcp host");
	is_int(tcp_of(&cfg->checks[1])->port, 22, "tcp port");
	is_int(cfg->checks[1].timeout_ms, 5000, "default check timeout");

	ok(cfg->has_quorum, "[quorum] noted");
	snprintf(want, sizeof(want), "%s/vote.key", tmpdir);
	is_str(cfg->quorum.secret_file, want, "secret_file");
	is_int(cfg->quorum.line, 28, "quorum line");
	is_int(cfg->quorum.need, 1, "need defaults to 1");
	is_int(cfg->quorum.max_up, 0, "max_up defaults to 0");
	is_int(cfg->quorum.timeout_ms, 5000, "quorum timeout defaults to 5s");
	is_int(cfg->nspares, 2, "two spares");
	is_str(cfg->spares[0].name, "paris", "spare paris, in file order");
	is_str(cfg->spares[0].url, "http://127.0.0.1:8053", "paris url");
	is_int(cfg->spares[0].line, 47, "paris line");
	is_str(cfg->spares[1].name, "nyc", "spare nyc");
	is_str(cfg->spares[1].url, "https://spare2.example.org:8053/fa",
	    "nyc url (https, with a prefix)");
	ok(!cfg->has_vote, "no [vote] on a backup");
	is_int(cfg->vote.nlisten, 2, "[vote] listen default even if absent");
	is_str(dns_method_str(cfg->dns.method), "rfc2136", "method");
	is_str(cfg->dns.server, "127.0.0.1", "server");
	is_int(cfg->dns.port, 5353, "dns port");
	snprintf(want, sizeof(want), "%s/tsig.key", tmpdir);
	is_str(cfg->dns.tsig_key_file, want, "tsig_key_file");
	is_int(cfg->dns.ttl, 300, "ttl");
	is_int(cfg->dns.verify, DNS_VERIFY_ALL, "verify");
	is_int(cfg->dns.timeout_ms, 3000, "dns timeout");
	is_int(cfg->dns.verify_timeout_ms, 60000, "verify_timeout");
	is_int(cfg->dns.line, 30, "dns line");

	is_int(cfg->nzones, 2, "two zones");
	is_str(cfg->zones[0].name, "example.com.", "zone name canonical");
	is_int(cfg->zones[0].line, 39, "zone line");
	is_int(cfg->zones[0].nrecords, 3, "three records");
	is_str(cfg->zones[0].records[0], "example.com.", "@ is the apex");
	is_str(cfg->zones[0].records[1], "www.example.com.", "relative name");
	is_str(cfg->zones[0].records[2], "shop.example.com.",
	    "absolute name, lower case");
	is_str(cfg->zones[1].name, "example.org.", "second zone");
	is_str(cfg->zones[1].records[1], "*.dev.example.org.", "wildcard");
	is_str(cfg->zones[1].records[2], "*.example.org.", "wildcard '*'");

	snprintf(want, sizeof(want), "%s/hook", tmpdir);
	is_str(cfg->hooks.before_failover, want, "before_failover");
	ok(cfg->hooks.after_failover == NULL, "after_failover unset");
	is_str(cfg->hooks.after_failback, want, "after_failback");
	is_int(cfg->hooks.timeout_ms, 10000, "hooks timeout");

	good_case_end(cfg, path, &dl);
}

static void
test_defaults(void)
{
	/* Drop every optional key: the defaults of config.h apply. */
	static const char *const optional[] = {
		"fail_after = 4\nrecover_after = 2\nfailback = manual\n"
		    "hold_down = 15m\ninterval = 0.5\n",
		"method = rfc2136\nserver = 127.0.0.1\nport = 5353\n",
		"ttl = 300\nverify = all\ntimeout = 3s\nverify_timeout = 1m\n",
		"[hooks]\nbefore_failover = @DIR@/hook\n"
		    "after_failback = @DIR@/hook\ntimeout = 10s\n",
		"role = backup\n",
		"expect_status = 204\nexpect_body = OK\ntimeout = 2s\n",
	};
	char			*text = util_xstrdup(GOOD), *t, *path;
	struct config		*cfg = NULL;
	struct diag_list	 dl = { 0 };

	for (size_t i = 0; i < FA_ARRAY_SIZE(optional); i++) {
		t = replace(text, optional[i], "");
		free(text);
		text = t;
	}
	path = write_conf(text);
	if (!ok(config_load(path, &cfg, &dl) == 0, "minimal config loads"))
		dump_diags(&dl);
	else {
		is_int(cfg->agent.role, ROLE_BACKUP, "role defaults to backup");
		is_int(cfg->agent.fail_after, 3, "fail_after default 3");
		is_int(cfg->agent.recover_after, 3, "recover_after default 3");
		is_int(cfg->agent.failback, FAILBACK_AUTO, "failback auto");
		is_int(cfg->agent.hold_down_ms, 900000, "hold_down 900s");
		is_int(cfg->agent.interval_ms, 60000, "interval 60s");
		is_int(cfg->agent.history_keep_ms, 90LL * 86400 * 1000,
		    "history_keep 90d");
		ok(cfg->hooks.notify == NULL, "no notify");
		ok(cfg->dns.server == NULL, "no server: SOA MNAME");
		is_int(cfg->dns.port, 53, "port 53");
		is_int(cfg->dns.ttl, 60, "ttl 60");
		is_int(cfg->dns.verify, DNS_VERIFY_SERVER, "verify server");
		is_int(cfg->dns.timeout_ms, 5000, "dns timeout 5s");
		is_int(cfg->dns.verify_timeout_ms, 30000, "verify 30s");
		ok(cfg->hooks.before_failover == NULL, "no hooks");
		is_int(cfg->hooks.timeout_ms, 30000, "hooks timeout 30s");
		is_int(http_of(&cfg->checks[0])->expect_status, 200,
		    "expect_status 200");
		is_int(cfg->checks[0].timeout_ms, 5000, "check timeout 5s");
	}
	free(text);
	good_case_end(cfg, path, &dl);
}

/* [agent] history_keep and [hooks] notify (issue 6), accepted. */
static void
test_ops_keys(void)
{
	static const struct {
		const char	*keep, *notify;
		int64_t		 keep_ms;
	} cases[] = {
		{ "history_keep = 30d", "notify = https://hooks.example.com/fa"
		    "?token=abc", 30LL * 86400 * 1000 },
		{ "history_keep = 0", "notify = http://127.0.0.1:8080/hook", 0 },
		{ "history_keep = 1d", "notify = http://[::1]:8080/hook",
		    86400000 },
	};
	struct config		*cfg;
	struct diag_list	 dl = { 0 };
	char			*t1, *t2, *path, line[160];
	size_t			 i;

	for (i = 0; i < FA_ARRAY_SIZE(cases); i++) {
		snprintf(line, sizeof(line), "interval = 0.5\n%s",
		    cases[i].keep);
		t1 = replace(GOOD, "interval = 0.5", line);
		snprintf(line, sizeof(line), "timeout = 10s\n%s",
		    cases[i].notify);
		t2 = replace(t1, "timeout = 10s", line);
		path = write_conf(t2);
		chmod(path, 0600);	/* a notify token makes it a secret */
		cfg = NULL;
		if (!ok(config_load(path, &cfg, &dl) == 0, "%s, %s: loads",
		    cases[i].keep, cases[i].notify))
			dump_diags(&dl);
		else {
			is_int(cfg->agent.history_keep_ms, cases[i].keep_ms,
			    "%s", cases[i].keep);
			is_str(cfg->hooks.notify, cases[i].notify +
			    strlen("notify = "), "notify URL kept as written");
		}
		config_free(cfg);
		diag_clear(&dl);
		unlink(path);
		free(path);
		free(t1);
		free(t2);
	}
}

static const struct bad_def good_edit_bad[] = {
	{ .name = "unknown section", .from = "[hooks]", .to = "[hookz]",
	    .line = 43, .msg = "unknown section [hookz]" },
	{ .name = "unknown key", .from = "expect_body = OK",
	    .to = "expect_bodyy = OK", .line = 21, .msg = "unknown key "
	    "'expect_bodyy' in [check:web]" },
	{ .name = "bad canary", .from = "verify = all", .to = "canary = soon",
	    .line = 36, .msg = "bad duration 'soon' for canary" },
	{ .name = "resolver by name", .from = "verify = all",
	    .to = "resolver = resolver.example", .line = 36, .msg = "bad "
	    "resolver 'resolver.example': not an IP address" },
	{ .name = "bad resolver port", .from = "verify = all",
	    .to = "resolver = 127.0.0.1:0", .line = 36, .msg = "bad resolver "
	    "'127.0.0.1:0': port '0' too small" },
	{ .name = "missing key", .from = "url = "
	    "https://www.example.com/health;x=1\n", .to = "", .line = 17,
	    .msg = "missing key 'url' in [check:web]" },
	{ .name = "missing name", .from = "name = backup-test   ; this site\n",
	    .to = "", .line = 2, .msg = "missing key 'name' in [agent]" },
	{ .name = "missing tsig key",
	    .from = "tsig_key_file = @DIR@/tsig.key\n", .to = "", .line = 30,
	    .msg = "missing key 'tsig_key_file' in [dns]" },
	{ .name = "bad number", .from = "fail_after = 4",
	    .to = "fail_after = 0", .line = 6,
	    .msg = "bad value '0' for fail_after: too small" },
	{ .name = "bad number text", .from = "port = 22", .to = "port = ssh",
	    .line = 26, .msg = "bad value 'ssh' for port: invalid" },
	{ .name = "bad status", .from = "expect_status = 204",
	    .to = "expect_status = 600", .line = 20, .msg = "bad value '600' "
	    "for expect_status: too large" },
	{ .name = "bad ttl", .from = "ttl = 300", .to = "ttl = 0", .line = 35,
	    .msg = "bad value '0' for ttl: too small" },
	{ .name = "bad enum", .from = "failback = manual",
	    .to = "failback = sometimes", .line = 8, .msg = "bad value "
	    "'sometimes' for failback (expected auto or manual)" },
	{ .name = "bad verify", .from = "verify = all", .to = "verify = most",
	    .line = 36, .msg = "bad value 'most' for verify (expected all, "
	    "server or none)" },
	{ .name = "method without its section", .from = "method = rfc2136",
	    .to = "method = powerdns", .line = 31, .msg = "method = powerdns "
	    "needs a [powerdns] section (url, api_key_file)" },
	{ .name = "bad check type", .from = "type = http", .to = "type = ping",
	    .line = 18, .msg = "bad value 'ping' for type (expected http, tcp, "
	    "mysql, exec or dns)" },
	{ .name = "key of another type", .from = "port = 22",
	    .to = "port = 22\nurl = http://x/", .line = 27, .msg = "key 'url' "
	    "does not apply to type tcp checks" },
	{ .name = "bad url", .from = "url = https://www.example.com/health;x=1",
	    .to = "url = ftp://www.example.com/", .line = 19,
	    .msg = "bad url 'ftp://" },
	{ .name = "bad duration", .from = "timeout = 2s", .to = "timeout = 2x",
	    .line = 22, .msg = "bad duration '2x' for timeout: unknown unit" },
	{ .name = "negative duration", .from = "interval = 0.5",
	    .to = "interval = -1", .line = 10, .msg = "bad duration '-1' for "
	    "interval: must not be negative" },
	{ .name = "bad hold_down, no echo against ttl",
	    .from = "hold_down = 15m", .to = "hold_down = soon", .line = 9,
	    .msg = "bad duration 'soon' for hold_down" },
	{ .name = "zero interval", .from = "interval = 0.5",
	    .to = "interval = 0", .line = 10,
	    .msg = "interval must be more than 0" },
	{ .name = "empty value", .from = "server = 127.0.0.1", .to = "server =",
	    .line = 32, .msg = "empty value for 'server'" },
	{ .name = "hold_down < ttl", .from = "hold_down = 15m",
	    .to = "hold_down = 30s", .line = 9, .msg = "hold_down (30s) is "
	    "shorter than [dns] ttl (300s): caches would still hold the old "
	    "answer" },
	{ .name = "hold_down 15m < ttl 3600", .from = "ttl = 300",
	    .to = "ttl = 3600", .line = 9, .msg = "hold_down (15m) is shorter "
	    "than [dns] ttl (3600s)" },

	{ .name = "loose key file", .from = "@DIR@/tsig.key",
	    .to = "@DIR@/loose.key", .line = 34, .msg = "tsig_key_file: "
	    "@DIR@/loose.key is readable by group or others (mode 0644); run: "
	    "chmod 600 @DIR@/loose.key" },
	{ .name = "group-readable key file", .from = "@DIR@/tsig.key",
	    .to = "@DIR@/group.key", .line = 34, .msg = "tsig_key_file: "
	    "@DIR@/group.key is readable by group or others (mode 0640)" },
	{ .name = "missing key file", .from = "@DIR@/tsig.key",
	    .to = "@DIR@/nokey", .line = 34,
	    .msg = "No such file or directory" },

	{ .name = "bad address", .from = "192.0.2.10, 2001",
	    .to = "192.0.2.300, 2001", .line = 13, .msg = "bad address list: "
	    "'192.0.2.300' is not an IPv4 or IPv6 address" },
	{ .name = "no address", .from = "address = 192.0.2.10, 2001:DB8:0::10",
	    .to = "; address = 192.0.2.10", .line = 12,
	    .msg = "missing key 'address' in [site:primary]" },
	{ .name = "empty address",
	    .from = "address = 192.0.2.10, 2001:DB8:0::10", .to = "address =",
	    .line = 13, .msg = "empty value for 'address'" },
	{ .name = "empty address item", .from = "2001:db8:1::20,198",
	    .to = "2001:db8:1::20,,198", .line = 15,
	    .msg = "bad address list: empty item" },
	{ .name = "address twice", .from = "2001:db8:1::20,198.51.100.20",
	    .to = "2001:db8:1::20,198.51.100.20, 2001:DB8:1:0::20", .line = 15,
	    .msg = "address 2001:db8:1::20 is listed twice" },
	{ .name = "overlapping sites", .from = "2001:db8:1::20,198.51.100.20",
	    .to = "2001:db8:1::20,198.51.100.20, 192.0.2.10", .line = 15,
	    .msg = "address 192.0.2.10 is in both [site:primary] and "
	    "[site:backup]" },
	{ .name = "missing site", .from = "[site:backup]\naddress = "
	    "2001:db8:1::20,198.51.100.20\n", .to = "", .line = 0,
	    .msg = "missing section [site:backup]" },
	{ .name = "missing dns", .from = "[dns]\n", .to = "[hookx]\n",
	    .line = 0, .msg = "missing section [dns]", .many = true },

	{ .name = "record outside zone", .from = "Shop.example.com.",
	    .to = "shop.example.net.", .line = 40, .msg = "record "
	    "shop.example.net. is outside zone example.com." },
	{ .name = "relative pitfall", .from = "@, www, Shop",
	    .to = "@, www.example.com, Shop", .line = 40, .msg = "record "
	    "'www.example.com' is relative, so it means "
	    "www.example.com.example.com." },
	{ .name = "bad record name", .from = "www, *.dev, *",
	    .to = "www, bad name, *", .line = 42,
	    .msg = "bad record name 'bad name'" },
	{ .name = "record twice in a zone", .from = "www, *.dev, *",
	    .to = "www, *.dev, *, WWW", .line = 42, .msg = "record "
	    "www.example.org. is listed twice (also in [zone:example.org.] at "
	    "line 41)" },
	{ .name = "record in two zones", .from = "[hooks]",
	    .to = "[zone:shop.example.com]\nrecords = @\n[hooks]", .line = 44,
	    .msg = "record shop.example.com. is listed twice (also in "
	    "[zone:example.com.] at line 39)" },
	{ .name = "record of a sub-zone", .from = "[hooks]",
	    .to = "[zone:www.example.com]\nrecords = mail\n[hooks]", .line = 40,
	    .msg = "record www.example.com. belongs to "
	    "[zone:www.example.com.]" },
	{ .name = "zone without records", .from = "records = www, *.dev, *\n",
	    .to = "", .line = 41, .msg = "missing key 'records' in "
	    "[zone:example.org]" },

	{ .name = "duplicate key", .from = "role = backup",
	    .to = "name = other", .line = 4, .msg = "duplicate key 'name' in "
	    "[agent] (first at line 3)" },
	{ .name = "duplicate section", .from = "[zone:example.org]",
	    .to = "[zone:EXAMPLE.org.]\nrecords=mail\n[zone:example.org]",
	    .line = 43, .msg = "duplicate section [zone:example.org] (first at "
	    "line 41)" },
	{ .name = "syntax error", .from = "\n[site:primary]",
	    .to = "\nthis line\n[site:primary]", .line = 12,
	    .msg = "expected 'key = value' or '[section]'" },
	{ .name = "bad section header", .from = "[hooks]", .to = "[hooks",
	    .line = 43, .msg = "missing ']' in section header" },
	{ .name = "key outside a section",
	    .from = "# failover-agent test config", .to = "stray = 1",
	    .line = 1, .msg = "key 'stray' is outside of any [section]" },
	{ .name = "bad check name", .from = "[check:ssh]", .to = "[check:s s]",
	    .line = 23, .msg = "bad check name 's s'" },
	{ .name = "relative hook", .from = "before_failover = @DIR@/hook",
	    .to = "before_failover = hook", .line = 44,
	    .msg = "before_failover: 'hook' is not an absolute path" },
	{ .name = "hook not executable", .from = "after_failback = @DIR@/hook",
	    .to = "after_failback = @DIR@/noexec", .line = 45,
	    .msg = "after_failback: @DIR@/noexec is not executable (mode "
	    "0644); run: chmod +x @DIR@/noexec" },
	{ .name = "notify over http elsewhere", .from = "timeout = 10s",
	    .to = "notify = http://hooks.example.com/fa", .line = 46,
	    .msg = "notify: use https:// (plain http is allowed only to a "
	    "loopback address" },
	{ .name = "notify with a password", .from = "timeout = 10s",
	    .to = "notify = https://u:pw@hooks.example.com/fa", .line = 46,
	    .msg = "notify must not hold a user name or password" },
	{ .name = "notify not a URL", .from = "timeout = 10s",
	    .to = "notify = ftp://x/", .line = 46, .msg = "bad notify URL "
	    "(expected https://HOST[:PORT]/...)" },
	{ .name = "history_keep in seconds", .from = "interval = 0.5",
	    .to = "history_keep = 90", .line = 10, .msg = "history_keep must "
	    "be at least 1d, or 0 to keep every cycle" },
	{ .name = "history_keep not a duration", .from = "interval = 0.5",
	    .to = "history_keep = forever", .line = 10,
	    .msg = "bad duration 'forever' for history_keep" },
	{ .name = "missing ca_file", .from = "expect_body = OK",
	    .to = "ca_file = nofile.pem", .line = 21, .msg = "ca_file: " },
	{ .name = "agent name not a vote name", .from = "name = backup-test",
	    .to = "name = backup/test", .line = 3, .msg = "bad name "
	    "'backup/test' (1 to 63 letters, digits, '.', '_' or '-')" },
};

static void
test_bad(void)
{
	bad_table(GOOD, good_edit_bad, FA_ARRAY_SIZE(good_edit_bad));
}

/* [quorum], [spare:*] and [vote] (issue 3); lines as in GOOD. */
#define SECRET_LINE	"secret_file = @DIR@/vote.key\n"

static const struct bad_def quorum_bad[] = {
	{ .name = "need above the spares", .from = SECRET_LINE,
	    .to = SECRET_LINE "need = 3\n", .line = 30, .msg = "need = 3 but "
	    "there are only 2 [spare:NAME] sections: it could never be met" },
	{ .name = "need negative", .from = SECRET_LINE, .to = SECRET_LINE
	    "need = -1\n", .line = 30,
	    .msg = "bad value '-1' for need: too small" },
	{ .name = "need not a number", .from = SECRET_LINE, .to = SECRET_LINE
	    "need = two\n", .line = 30,
	    .msg = "bad value 'two' for need: invalid" },
	{ .name = "need_down 0", .from = SECRET_LINE, .to = SECRET_LINE
	    "need_down = 0\n", .line = 30,
	    .msg = "bad value '0' for need_down: too small" },
	{ .name = "need_down above need", .from = SECRET_LINE, .to = SECRET_LINE
	    "need_down = 2\n", .line = 30,
	    .msg = "need_down = 2 is more than need = 1" },
	{ .name = "max_up negative", .from = SECRET_LINE, .to = SECRET_LINE
	    "max_up = -2\n", .line = 30,
	    .msg = "bad value '-2' for max_up: too small" },
	{ .name = "quorum timeout zero", .from = SECRET_LINE, .to = SECRET_LINE
	    "timeout = 0\n", .line = 30, .msg = "timeout must be more than 0" },
	{ .name = "quorum timeout bad", .from = SECRET_LINE, .to = SECRET_LINE
	    "timeout = soon\n", .line = 30,
	    .msg = "bad duration 'soon' for timeout" },
	{ .name = "quorum unknown key", .from = SECRET_LINE, .to = SECRET_LINE
	    "secret = abc\n", .line = 30,
	    .msg = "unknown key 'secret' in [quorum]" },
	{ .name = "missing secret_file", .from = SECRET_LINE, .to = "\n",
	    .line = 28, .msg = "missing key 'secret_file' in [quorum]" },
	{ .name = "loose secret file", .from = "@DIR@/vote.key",
	    .to = "@DIR@/loose.key", .line = 29, .msg = "secret_file: "
	    "@DIR@/loose.key is readable by group or others (mode 0644); run: "
	    "chmod 600 @DIR@/loose.key" },
	{ .name = "missing secret file", .from = "@DIR@/vote.key",
	    .to = "@DIR@/novote.key", .line = 29, .msg = "secret_file: " },
	{ .name = "quorum without spares", .from = "[spare:paris]\nurl = "
	    "http://127.0.0.1:8053\n[spare:nyc]\nurl = "
	    "https://spare2.example.org:8053/fa\n", .to = "", .line = 28,
	    .msg = "[quorum] without any [spare:NAME] section: add the spares "
	    "to ask" },
	{ .name = "spares without quorum", .from = "[quorum]\n" SECRET_LINE,
	    .to = "\n\n", .line = 47, .msg = "[spare:paris]: spares are asked "
	    "only with a [quorum] section" },

	{ .name = "bad spare name", .from = "[spare:nyc]", .to = "[spare:n y]",
	    .line = 49, .msg = "bad spare name 'n y' in [spare:n y]" },
	{ .name = "spare url scheme", .from = "url = https://spare2",
	    .to = "url = ftp://spare2", .line = 50, .msg = "bad url "
	    "'ftp://spare2.example.org:8053/fa': expected http://HOST:PORT or "
	    "https://HOST:PORT" },
	{ .name = "spare url without host",
	    .from = "url = https://spare2.example.org:8053/fa",
	    .to = "url = http:///v1", .line = 50,
	    .msg = "bad url 'http:///v1': no host" },
	{ .name = "spare url with a query", .from = "8053/fa\n",
	    .to = "8053/fa?x=1\n", .line = 50,
	    .msg = "no query or fragment allowed" },
	{ .name = "spare without url", .from = "url = "
	    "https://spare2.example.org:8053/fa\n", .to = "", .line = 49,
	    .msg = "missing key 'url' in [spare:nyc]" },
	{ .name = "spare url twice",
	    .from = "url = https://spare2.example.org:8053/fa",
	    .to = "url = HTTP://127.0.0.1:8053/", .line = 50, .msg = "url "
	    "HTTP://127.0.0.1:8053/ is also the url of [spare:paris] (line "
	    "47): one spare must not count twice" },
	{ .name = "spare unknown key", .from = "8053/fa\n",
	    .to = "8053/fa\nweight = 2\n", .line = 51,
	    .msg = "unknown key 'weight' in [spare:nyc]" },

	/* [vote] is checked even on a backup (which warns it is unused). */
	{ .name = "listen without port", .from = "8053/fa\n",
	    .to = "8053/fa\n[vote]\nlisten = 0.0.0.0\n", .line = 52,
	    .msg = "bad listen address list: '0.0.0.0': no port (ADDRESS:PORT, "
	    "or [IPV6]:PORT)" },
	{ .name = "listen name", .from = "8053/fa\n",
	    .to = "8053/fa\n[vote]\nlisten = localhost:8053\n", .line = 52,
	    .msg = "'localhost:8053': not an IP address" },
	{ .name = "listen IPv6 without brackets", .from = "8053/fa\n",
	    .to = "8053/fa\n[vote]\nlisten = ::1:8053\n", .line = 52,
	    .msg = "bad listen address list: '::1:8053'" },
	{ .name = "listen twice", .from = "8053/fa\n",
	    .to = "8053/fa\n[vote]\nlisten = 127.0.0.1:8053, [::1]:8053, "
	    "127.0.0.1:8053\n", .line = 52,
	    .msg = "127.0.0.1:8053 is listed twice" },
	{ .name = "listen empty item", .from = "8053/fa\n",
	    .to = "8053/fa\n[vote]\nlisten = 127.0.0.1:8053,,[::1]:8053\n",
	    .line = 52, .msg = "empty item in the list" },
	{ .name = "listen port 0", .from = "8053/fa\n",
	    .to = "8053/fa\n[vote]\nlisten = 127.0.0.1:0\n", .line = 52,
	    .msg = "'127.0.0.1:0': port '0' too small" },
	{ .name = "vote cache", .from = "8053/fa\n",
	    .to = "8053/fa\n[vote]\ncache = -1\n", .line = 52,
	    .msg = "bad duration '-1' for cache" },
	{ .name = "vote unknown key", .from = "8053/fa\n",
	    .to = "8053/fa\n[vote]\nport = 8053\n", .line = 52,
	    .msg = "unknown key 'port' in [vote]" },
};

static void
test_bad_quorum(void)
{
	bad_table(GOOD, quorum_bad, FA_ARRAY_SIZE(quorum_bad));
}

/* Load text; expect it to load with exactly nwarn warnings, and no more. */
static void
good_text(const char *name, const char *text, size_t nwarn)
{
	struct diag_list	 dl;
	struct config		*cfg;
	char			*path;

	cfg = good_case(name, text, nwarn, &path, &dl);
	good_case_end(cfg, path, &dl);
}

/*
 * A case that loads with one warning: the good text (GOOD when NULL) with
 * from replaced by to; the warning "PATH:LINE: ...msg...", asserted as what.
 */
struct warn_def {
	const char	*name, *from, *to;
	int		 line;
	const char	*msg, *what;
};

static void
warn_table(const char *good, const struct warn_def *c, size_t n)
{
	struct diag_list	 dl;
	struct config		*cfg;
	char			*text, *path;

	for (size_t i = 0; i < n; i++) {
		text = replace(good != NULL ? good : GOOD, c[i].from, c[i].to);
		cfg = good_case(c[i].name, text, 1, &path, &dl);
		ok(has_diag(&dl, path, c[i].line, false, c[i].msg), "%s",
		    c[i].what);
		good_case_end(cfg, path, &dl);
		free(text);
	}
}

/*
 * A refused text, its assertions named by hand: refused, then the error
 * "PATH:LINE: ...msg..." (line 0: "PATH: ...") as where, then, when one is
 * set, exactly one error.
 */
struct refused_def {
	const char	*text, *refused;
	int		 line;
	const char	*msg, *where, *one;
};

static void
refused_table(const struct refused_def *c, size_t n)
{
	struct diag_list	 dl = { 0 };
	struct config		*cfg = NULL;
	char			*path;

	for (size_t i = 0; i < n; i++) {
		path = write_conf(c[i].text);
		ok(config_load(path, &cfg, &dl) == -1, "%s", c[i].refused);
		ok(has_diag(&dl, path, c[i].line, true, c[i].msg), "%s",
		    c[i].where);
		if (c[i].one != NULL)
			is_int(dl.nerrors, 1, "%s", c[i].one);
		good_case_end(NULL, path, &dl);
	}
}

/*
 * [dns] canary and resolver (failover-agent.conf(5), [dns]; resolver is ours,
 * for discovery).
 */
#define SSH_CHECK	"\ttype = tcp\nhost = 192.0.2.10\nport = 22\n"	/* 24-26 */

static const struct bad_def exec_dns_bad[] = {
	{ .name = "exec: relative command", .from = SSH_CHECK,
	    .to = "type = exec\ncommand = check_tcp -H x\n", .line = 25,
	    .msg = "command: 'check_tcp' is not an absolute path" },
	{ .name = "exec: not executable", .from = SSH_CHECK,
	    .to = "type = exec\ncommand = @DIR@/noexec\n", .line = 25,
	    .msg = "noexec is not executable" },
	{ .name = "exec: missing program", .from = SSH_CHECK, .to = "type = "
	    "exec\ncommand = /nonexistent/check_x -v\n", .line = 25,
	    .msg = "command: /nonexistent/check_x: No such file or directory" },
	{ .name = "exec: unterminated quote", .from = SSH_CHECK,
	    .to = "type = exec\ncommand = @DIR@/hook 'x\n", .line = 25,
	    .msg = "bad command: unterminated ' quote" },
	{ .name = "exec: shell operator", .from = SSH_CHECK, .to = "type = "
	    "exec\ncommand = @DIR@/hook > /tmp/x\n", .line = 25, .msg = "bad "
	    "command: '>' means something to a shell, and there is none" },
	{ .name = "exec: $ in double quotes", .from = SSH_CHECK, .to = "type = "
	    "exec\ncommand = @DIR@/hook \"$HOME\"\n", .line = 25,
	    .msg = "bad command: '$' would be expanded" },
	{ .name = "exec: no command", .from = SSH_CHECK, .to = "type = exec\n",
	    .line = 23, .msg = "missing key 'command' in [check:ssh]" },
	{ .name = "exec: key of another type", .from = SSH_CHECK, .to = "type "
	    "= exec\ncommand = @DIR@/hook\nhost = x\n", .line = 26,
	    .msg = "key 'host' does not apply to type exec checks" },
	{ .name = "dns: missing name", .from = SSH_CHECK, .to = "type = "
	    "dns\nserver = 192.0.2.10\nport = 5353\n", .line = 23,
	    .msg = "missing key 'name' in [check:ssh]" },
	{ .name = "dns: server a name", .from = SSH_CHECK, .to = "type = "
	    "dns\nserver = ns1.example.com\nname = www.example.com\n",
	    .line = 25, .msg = "bad server" },
	{ .name = "dns: port twice", .from = SSH_CHECK, .to = "type = "
	    "dns\nserver = 192.0.2.10:53\nport = 53\nname = www.example.com\n",
	    .line = 26, .msg = "port given twice" },
	{ .name = "dns: bad qtype", .from = SSH_CHECK, .to = "type = "
	    "dns\nserver = 192.0.2.10\nname = www.example.com\nqtype = ANY\n",
	    .line = 27, .msg = "bad qtype 'ANY'" },
	{ .name = "dns: expect not an address", .from = SSH_CHECK, .to = "type "
	    "= dns\nserver = 192.0.2.10\nname = www.example.com\nexpect = "
	    "2001:db8::1\n", .line = 27, .msg = "bad expect '2001:db8::1' (an "
	    "IPv4 address, for qtype A)" },
	{ .name = "dns: key of another type", .from = SSH_CHECK, .to = "type = "
	    "dns\nserver = 192.0.2.10\nname = www.example.com\ncommand = "
	    "/bin/x\n", .line = 27, .msg = "key 'command' does not apply to "
	    "type dns checks" },
	{ .name = "tcp: a dns key", .from = SSH_CHECK, .to = SSH_CHECK
	    "qtype = A\n", .line = 27, .msg = "key 'qtype' does not apply to "
	    "type tcp checks" },
};

/*
 * [check:NAME] type = exec and type = dns (failover-agent.conf(5),
 * [check:NAME]).
 */
static void
test_exec_dns_checks(void)
{
	struct config		*cfg;
	struct diag_list	 dl;
	char			*text, *path, want[PATH_MAX + 64];

	text = replace(GOOD, SSH_CHECK, "type = exec\ncommand = @DIR@/hook"
	    " -H 'a b' \"c\\\"d\" e\\ f ''\n");
	cfg = good_case("exec check", text, 0, &path, &dl);
	if (cfg != NULL) {
		const struct cfg_check *ck = &cfg->checks[1];
		const struct cfg_check_exec *ex = ck->conf;

		is_str(check_type_str(ck->type), "exec", "exec: type");
		is_int(ck->timeout_ms, 10000, "exec: timeout defaults to 10s");
		snprintf(want, sizeof(want), "%s/hook", tmpdir);
		is_str(ex->argv[0], want, "exec: argv[0] the program");
		is_str(ex->argv[1], "-H", "exec: argv[1]");
		is_str(ex->argv[2], "a b", "exec: '...' keeps blanks");
		is_str(ex->argv[3], "c\"d", "exec: \\\" inside \"...\"");
		is_str(ex->argv[4], "e f", "exec: \\ outside quotes");
		is_str(ex->argv[5], "", "exec: '' is an empty word");
		ok(ex->argv[6] == NULL, "exec: argv ends with NULL");
	}
	good_case_end(cfg, path, &dl);
	free(text);

	text = replace(GOOD, SSH_CHECK, "type = dns\nserver = [2001:db8::53]"
	    "\nname = www.example.com\nexpect = 2001:DB8:0::10\nqtype = aaaa"
	    "\n");
	cfg = good_case("dns check", text, 0, &path, &dl);
	if (cfg != NULL) {
		const struct cfg_check *ck = &cfg->checks[1];
		const struct cfg_check_dns *d = ck->conf;

		is_str(check_type_str(ck->type), "dns", "dns: type");
		is_str(d->server, "2001:db8::53", "dns: bracketed server");
		is_int(d->port, 53, "dns: port defaults to 53");
		is_int(d->qtype, 28, "dns: qtype AAAA, any case");
		is_str(d->expect, "2001:db8::10", "dns: AAAA expect canonical");
		is_int(ck->timeout_ms, 5000, "dns: timeout defaults to 5s");
		is_str(check_qtype_str(d->qtype), "AAAA", "dns: qtype name");
	}
	good_case_end(cfg, path, &dl);
	free(text);

	bad_table(GOOD, exec_dns_bad, FA_ARRAY_SIZE(exec_dns_bad));
}

static void
test_dns_discovery(void)
{
	static const struct {
		const char	*line;
		int64_t		 canary_ms;
		const char	*resolver;
		int		 port;
	} cases[] = {
		{ "verify = all", 3600000, NULL, 53 },
		{ "canary = 0", 0, NULL, 53 },
		{ "canary = 5m", 300000, NULL, 53 },
		{ "resolver = 127.0.0.1", 3600000, "127.0.0.1", 53 },
		{ "resolver = 127.0.0.1:5300", 3600000, "127.0.0.1", 5300 },
		{ "resolver = ::1", 3600000, "::1", 53 },
		{ "resolver = [2001:db8::53]:5353", 3600000, "2001:db8::53",
		    5353 },
	};
	struct config		*cfg;
	struct diag_list	 dl;
	char			*text, *path;
	size_t			 i;

	for (i = 0; i < FA_ARRAY_SIZE(cases); i++) {
		text = replace(GOOD, "verify = all", cases[i].line);
		cfg = good_case(cases[i].line, text, 0, &path, &dl);
		if (cfg != NULL) {
			is_int(cfg->dns.canary_ms, cases[i].canary_ms,
			    "%s: canary", cases[i].line);
			is_str(cfg->dns.resolver ? cfg->dns.resolver : "(null)",
			    cases[i].resolver ? cases[i].resolver : "(null)",
			    "%s: resolver", cases[i].line);
			is_int(cfg->dns.resolver_port, cases[i].port,
			    "%s: resolver port", cases[i].line);
		}
		good_case_end(cfg, path, &dl);
		free(text);
	}
}

#define GOOD_URL	"url = https://www.example.com/health;x=1"

static const struct bad_def addresses_bad[] = {
	{ .name = "server [nonsense", .from = "server = 127.0.0.1",
	    .to = "server = [nonsense", .line = 32,
	    .msg = "bad server '[nonsense': no closing ']'" },
	{ .name = "server [::1", .from = "server = 127.0.0.1",
	    .to = "server = [::1", .line = 32,
	    .msg = "bad server '[::1': no closing ']'" },
	{ .name = "server port 99999", .from = "server = 127.0.0.1",
	    .to = "server = [fd77::1]:99999", .line = 32, .msg = "bad server "
	    "'[fd77::1]:99999': port '99999' too large" },
	{ .name = "server not v6 in brackets", .from = "server = 127.0.0.1",
	    .to = "server = [nonsense]", .line = 32, .msg = "bad server "
	    "'[nonsense]': not an IPv6 address in the brackets" },
	{ .name = "server bare v6 with port", .from = "server = 127.0.0.1",
	    .to = "server = fd77::1:99999:x", .line = 32, .msg = "not an IPv6 "
	    "address (with a port, IPv6 goes in brackets" },
	{ .name = "server bad IPv4", .from = "server = 127.0.0.1",
	    .to = "server = 10.0.0.999", .line = 32, .msg = "bad server "
	    "'10.0.0.999': not an IPv4 address nor a host name" },
	{ .name = "resolver [::1", .from = "verify = all",
	    .to = "resolver = [::1", .line = 36,
	    .msg = "bad resolver '[::1': no closing ']'" },
	{ .name = "tcp host [::1", .from = "host = 192.0.2.10\nport = 22",
	    .to = "host = [::1\nport = 22", .line = 25,
	    .msg = "bad host '[::1': no closing ']'" },
	{ .name = "tcp port twice", .from = "host = 192.0.2.10\nport = 22",
	    .to = "host = [::1]:22\nport = 22", .line = 26,
	    .msg = "port given twice" },
	{ .name = "http url [nonsense", .from = GOOD_URL,
	    .to = "url = https://[nonsense/health", .line = 19, .msg = "bad "
	    "url 'https://[nonsense/health': '[nonsense': no closing ']'" },
	{ .name = "http url bare v6", .from = GOOD_URL,
	    .to = "url = http://fd77::1/health", .line = 19, .msg = "an IPv6 "
	    "address in a URL goes in brackets" },
	{ .name = "spare url port", .from = "url = http://127.0.0.1:8053",
	    .to = "url = http://[fd77::1]:99999", .line = 48, .msg = "bad url "
	    "'http://[fd77::1]:99999': '[fd77::1]:99999': port '99999' too "
	    "large" },
};

/*
 * Addresses are written one way everywhere (issue 16): [IPV6] and
 * [IPV6]:PORT wherever an address goes; a value that can never resolve is
 * refused at its own line.
 */
static void
test_addresses(void)
{
	static const struct {
		const char	*line;
		const char	*server;
		int		 port;
	} servers[] = {
		{ "server = [2001:db8::53]", "2001:db8::53", 5353 },
		{ "server = [2001:db8::53]:5300", "2001:db8::53", 5300 },
		{ "server = 2001:db8::53", "2001:db8::53", 5353 },
		{ "server = 127.0.0.1:5301", "127.0.0.1", 5301 },
		{ "server = ns1.example.com:5302", "ns1.example.com", 5302 },
	};
	struct config		*cfg;
	struct diag_list	 dl;
	char			*text, *path;
	size_t			 i;

	for (i = 0; i < FA_ARRAY_SIZE(servers); i++) {
		text = replace(GOOD, "server = 127.0.0.1", servers[i].line);
		cfg = good_case(servers[i].line, text, 0, &path, &dl);
		if (cfg != NULL) {
			is_str(cfg->dns.server, servers[i].server, "%s: host",
			    servers[i].line);
			is_int(cfg->dns.port, servers[i].port, "%s: port (one "
			    "in server wins over port = 5353)",
			    servers[i].line);
		}
		good_case_end(cfg, path, &dl);
		free(text);
	}
	text = replace(GOOD, "host = 192.0.2.10\nport = 22",
	    "host = [::1]:2222");
	cfg = good_case("tcp host = [::1]:2222", text, 0, &path, &dl);
	if (cfg != NULL) {
		is_str(tcp_of(&cfg->checks[1])->host, "::1",
		    "tcp host: no brackets");
		is_int(tcp_of(&cfg->checks[1])->port, 2222,
		    "tcp host: its port");
	}
	good_case_end(cfg, path, &dl);
	free(text);
	text = replace(GOOD, GOOD_URL,
	    "url = http://[2001:db8::10]:8080/health");
	cfg = good_case("http url with [IPV6]:PORT", text, 0, &path, &dl);
	if (cfg != NULL)
		is_str(http_of(&cfg->checks[0])->url,
		    "http://[2001:db8::10]:8080/health",
		    "http url kept as written");
	good_case_end(cfg, path, &dl);
	free(text);
	text = replace(GOOD, "url = http://127.0.0.1:8053",
	    "url = http://[::1]:8053");
	good_text("spare url [::1]:8053", text, 0);
	free(text);
	bad_table(GOOD, addresses_bad, FA_ARRAY_SIZE(addresses_bad));
}

static const struct warn_def quorum_warn[] = {
	{ .name = "need 0", .from = SECRET_LINE, .to = SECRET_LINE "need = 0\n",
	    .line = 30, .msg = "need = 0: a backup that no spare can reach "
	    "fails over all the same", .what = "need 0: warning" },
	{ .name = "max_up 2 of 2", .from = SECRET_LINE,
	    .to = SECRET_LINE "max_up = 2\n", .line = 30, .msg = "max_up = 2 "
	    "with 2 spares: no number of \"up\" votes can stop a failover",
	    .what = "max_up 2: warning" },
	{ .name = "[vote] on a backup", .from = "8053/fa\n",
	    .to = "8053/fa\n[vote]\n", .line = 51,
	    .msg = "[vote] is read only when role = spare",
	    .what = "[vote] on a backup: warning" },
};

static void
test_quorum(void)
{
	struct config		*cfg;
	struct diag_list	 dl;
	char			*text, *path;

	text = replace(GOOD, SECRET_LINE, SECRET_LINE "need = 2\nmax_up = 1\n"
	    "timeout = 1500ms\n");
	cfg = good_case("quorum values", text, 0, &path, &dl);
	if (cfg != NULL) {
		is_int(cfg->quorum.need, 2, "need 2");
		is_int(cfg->quorum.max_up, 1, "max_up 1");
		is_int(cfg->quorum.timeout_ms, 1500, "timeout 1500ms");
	}
	good_case_end(cfg, path, &dl);
	free(text);

	warn_table(NULL, quorum_warn, FA_ARRAY_SIZE(quorum_warn));

	/* The spares' section order is kept; names may hold . _ - */
	text = replace(GOOD, "[spare:paris]", "[spare:par_is.1-a]");
	cfg = good_case("spare name characters", text, 0, &path, &dl);
	if (cfg != NULL)
		is_str(cfg->spares[0].name, "par_is.1-a", "spare name kept");
	good_case_end(cfg, path, &dl);
	free(text);
}

#define SPARE_HEAD							\
	"[agent]\nname = spare-1\nrole = spare\n"			\
	"[check:web]\ntype = tcp\nhost = 192.0.2.10\nport = 443\n"
	/* lines 1-7 */

static const struct refused_def spare_refused[] = {
	{ .text = SPARE_HEAD "[quorum]\n" SECRET_LINE
	    "[vote]\ninterval = 2s\ncache = 3s\n",
	    .refused = "interval and cache refused", .line = 12,
	    .msg = "old name of interval",
	    .where = "interval and cache: FILE:12" },
	{ .text = SPARE_HEAD "[quorum]\n" SECRET_LINE
	    "[vote]\nallow = 10.0.0.1/8\n",
	    .refused = "allow with host bits refused", .line = 11,
	    .msg = "host bits", .where = "allow: FILE:11" },
	{ .text = SPARE_HEAD "[quorum]\n" SECRET_LINE
	    "[vote]\nallow = 10.0.0.0/33\n",
	    .refused = "allow /33 refused", .line = 11,
	    .msg = "prefix length", .where = "allow /33: line" },
};

static const struct refused_def spare_refused2[] = {
	{ .text = SPARE_HEAD "[vote]\n",
	    .refused = "spare without [quorum] refused", .line = 0,
	    .msg = "missing section [quorum]: a spare needs [quorum] "
	    "secret_file", .where = "spare: [quorum] required",
	    .one = "spare without [quorum]: one error" },
	{ .text = SPARE_HEAD "[quorum]\nneed = 1\n[vote]\n",
	    .refused = "spare without secret refused", .line = 8,
	    .msg = "missing key 'secret_file' in [quorum]",
	    .where = "spare: secret_file required (FILE:8)",
	    .one = "spare without secret_file: one error" },
	{ .text = SPARE_HEAD "[quorum]\n" SECRET_LINE,
	    .refused = "spare without [vote] refused", .line = 0,
	    .msg = "missing section [vote]: a spare needs [vote]",
	    .where = "spare: [vote] required",
	    .one = "spare without [vote]: one error" },
	{ .text = "[agent]\nname = spare 1\nrole = spare\n"
	    "[check:web]\ntype = tcp\nhost = 192.0.2.10\nport = 443\n"
	    "[quorum]\n" SECRET_LINE "[vote]\n",
	    .refused = "spare with a bad name refused", .line = 2,
	    .msg = "bad name 'spare 1'",
	    .where = "spare: the name must be a vote name (FILE:2)" },
};

static void
test_spare_role(void)
{
	struct config		*cfg;
	struct diag_list	 dl;
	char			*path, want[PATH_MAX + 64];

	cfg = good_case("spare", SPARE_HEAD "[quorum]\n" SECRET_LINE
	    "[vote]\nlisten = 127.0.0.1:8053, [::1]:9053\ninterval = 2s\n"
	    "request_timeout = 1.5s\nmax_connections = 10000\nmax_per_ip = 50\n"
	    "allow = 192.0.2.0/24, [2001:db8::]/32, 10.1.2.3\n", 0,
	    &path, &dl);
	if (cfg != NULL) {
		is_int(cfg->agent.role, ROLE_SPARE, "role spare");
		ok(cfg->agent.state_db == NULL, "a spare needs no state_db");
		snprintf(want, sizeof(want), "%s/vote.key", tmpdir);
		is_str(cfg->quorum.secret_file, want, "spare secret_file");
		ok(cfg->has_vote, "has_vote");
		is_int(cfg->vote.nlisten, 2, "two listen addresses");
		is_str(cfg->vote.listen[0], "127.0.0.1:8053", "listen 0");
		is_str(cfg->vote.listen[1], "[::1]:9053", "listen 1");
		is_int(cfg->vote.interval_ms, 2000, "interval 2s");
		is_int(cfg->vote.request_timeout_ms, 1500,
		    "request_timeout 1.5s");
		is_int(cfg->vote.max_connections, 10000, "max_connections");
		is_int(cfg->vote.max_per_ip, 50, "max_per_ip");
		is_int(cfg->vote.nallow, 3, "allow: three networks");
		if (cfg->vote.nallow == 3) {
			is_int(cfg->vote.allow[1].prefix, 32, "allow: /32");
			is_int(cfg->vote.allow[2].prefix, 32,
			    "allow: an address alone is /32");
		}
	}
	good_case_end(cfg, path, &dl);

	cfg = good_case("spare, empty [vote]", SPARE_HEAD "[quorum]\n"
	    SECRET_LINE "[vote]\n", 0, &path, &dl);
	if (cfg != NULL) {
		is_int(cfg->vote.nlisten, 2, "default: two listen addresses");
		is_str(cfg->vote.listen[0], "0.0.0.0:8053", "default IPv4");
		is_str(cfg->vote.listen[1], "[::]:8053", "default IPv6");
		is_int(cfg->vote.interval_ms, 5000, "default interval 5s");
		is_int(cfg->vote.request_timeout_ms, 2000,
		    "default request_timeout 2s");
		is_int(cfg->vote.max_connections, 4096,
		    "default max_connections");
		is_int(cfg->vote.max_per_ip, 256, "default max_per_ip");
		is_int(cfg->vote.nallow, 0, "default: no allow list");
	}
	good_case_end(cfg, path, &dl);

	/* cache: the old name of interval, read with a warning at its line. */
	cfg = good_case("spare, cache alias", SPARE_HEAD "[quorum]\n"
	    SECRET_LINE "[vote]\ncache = 3s\n", 1, &path, &dl);
	if (cfg != NULL)
		is_int(cfg->vote.interval_ms, 3000, "cache 3s is interval 3s");
	ok(has_diag(&dl, path, 11, false, "cache is now called interval"),
	    "cache alias: warned at FILE:11");
	good_case_end(cfg, path, &dl);

	cfg = good_case("spare, cache 0", SPARE_HEAD "[quorum]\n" SECRET_LINE
	    "[vote]\ncache = 0\n", 1, &path, &dl);
	if (cfg != NULL)
		is_int(cfg->vote.interval_ms, 1000, "cache 0: probe every 1s");
	good_case_end(cfg, path, &dl);

	refused_table(spare_refused, FA_ARRAY_SIZE(spare_refused));

	/* Other sections are allowed and unused: no need/spare rule. */
	good_text("spare with a backup's sections", SPARE_HEAD "[quorum]\n"
	    SECRET_LINE "need = 5\n[vote]\n[spare:x]\n"
	    "url = http://127.0.0.1:1\n[hooks]\ntimeout = 1s\n", 0);

	refused_table(spare_refused2, FA_ARRAY_SIZE(spare_refused2));
}

/* Several problems are all reported, in file order. */
static void
test_many(void)
{
	char			*t1 = replace(GOOD, "fail_after = 4", "fail_after = x");
	char			*t2 = replace(t1, "[hooks]", "[hookz]");
	char			*path = write_conf(t2);
	struct config		*cfg = NULL;
	struct diag_list	 dl = { 0 };
	char			 p6[PATH_MAX + 16], p43[PATH_MAX + 16];

	ok(config_load(path, &cfg, &dl) == -1, "two errors: refused");
	is_int(dl.nerrors, 2, "both reported");
	snprintf(p6, sizeof(p6), "%s:6: ", path);
	snprintf(p43, sizeof(p43), "%s:43: ", path);
	ok(dl.n >= 2 && strncmp(dl.items[0].msg, p6, strlen(p6)) == 0 &&
	    strncmp(dl.items[1].msg, p43, strlen(p43)) == 0, "in file order");
	diag_clear(&dl);
	free(t1);
	free(t2);
	unlink(path);
	free(path);

	ok(config_load(tmpdir, &cfg, &dl) == -1 && cfg == NULL,
	    "directory refused");
	ok(dl.n == 1 && strstr(dl.items[0].msg, ": not a regular file") != NULL,
	    "directory message");
	diag_clear(&dl);
	ok(config_load("/nonexistent/fa.conf", &cfg, &dl) == -1 && cfg == NULL,
	    "missing file refused");
	ok(dl.n == 1 && strcmp(dl.items[0].msg, "/nonexistent/fa.conf: cannot"
	    " open: No such file or directory") == 0, "missing file message");
	diag_clear(&dl);
}

static const struct refused_def spare_no_check = {
	.text = "[agent]\nname = spare-1\nrole = spare\n"
	    "[quorum]\nsecret_file = @DIR@/vote.key\n[vote]\n",
	.refused = "spare without checks refused", .line = 0,
	.msg = "no [check:NAME] section", .where = "spare: checks required"
};

static void
test_warnings(void)
{
	char			*text, *t2, *path;
	struct config		*cfg = NULL;
	struct diag_list	 dl = { 0 };

	text = replace(GOOD, "[quorum]\n" SECRET_LINE, "");
	t2 = replace(text, "[spare:paris]\nurl = http://127.0.0.1:8053\n"
	    "[spare:nyc]\nurl = https://spare2.example.org:8053/fa\n", "");
	free(text);
	text = t2;
	path = write_conf(text);
	ok(config_load(path, &cfg, &dl) == 0 && cfg != NULL,
	    "no [quorum]: loads");
	is_int(dl.n, 1, "no [quorum]: one warning");
	ok(!cfg->has_quorum, "has_quorum false");
	is_int(dl.nerrors, 0, "no error");
	ok(has_diag(&dl, path, 0, false, "no [quorum] section: the agent cannot"
	    " tell its own network outage from the primary's; add spares"),
	    "no [quorum]: warning");
	free(text);
	good_case_end(cfg, path, &dl);

	text = replace(GOOD, "2001:db8:1::20,198", "198");
	path = write_conf(text);
	ok(config_load(path, &cfg, &dl) == 0, "backup without IPv6 loads");
	ok(has_diag(&dl, path, 14, false, "[site:primary] has IPv6 addresses"
	    " and [site:backup] none: a failover removes the AAAA records"),
	    "family warning");
	free(text);
	good_case_end(cfg, path, &dl);

	/* A spare needs [agent], its checks, [quorum] secret_file, [vote]. */
	path = write_conf("[agent]\nname = spare-1\nrole = spare\n"
	    "[check:web]\ntype = tcp\nhost = 192.0.2.10\nport = 443\n"
	    "[quorum]\nsecret_file = @DIR@/vote.key\n[vote]\n");
	ok(config_load(path, &cfg, &dl) == 0 && cfg != NULL, "spare loads");
	is_int(dl.n, 0, "spare: no diagnostics");
	dump_diags(&dl);
	if (cfg != NULL)
		is_int(cfg->agent.role, ROLE_SPARE, "role spare");
	good_case_end(cfg, path, &dl);

	refused_table(&spare_no_check, 1);
}

/* A value longer than inih's line buffer (200 bytes in Debian's build). */
static void
test_long_line(void)
{
	char			 recs[2048] = "records = @";
	char			*text, *path;
	struct config		*cfg = NULL;
	struct diag_list	 dl = { 0 };
	char			 name[32];

	for (int i = 0; i < 100; i++) {
		snprintf(name, sizeof(name), ", host%d", i);
		strcat(recs, name);
	}
	strcat(recs, "   ; a comment\n");
	text = replace(GOOD, "records = www, *.dev, *\n", recs);
	path = write_conf(text);
	if (!ok(config_load(path, &cfg, &dl) == 0, "long line loads"))
		dump_diags(&dl);
	else {
		is_int(cfg->zones[1].nrecords, 101, "every record of the line");
		is_str(cfg->zones[1].records[100], "host99.example.org.",
		    "the last one, comment cut");
		/* The next line is still counted right. */
		is_int(cfg->dns.line, 30, "dns line");
	}
	free(text);
	good_case_end(cfg, path, &dl);
}

static void
test_addrset(void)
{
	struct addrset		 a, b, v6;
	const char		*errstr;
	char			 buf[256];

	ok(addrset_parse("2001:db8::1, 192.0.2.2,192.0.2.1", &a,
	    &errstr) == 0, "parse");
	addrset_format(&a, buf, sizeof(buf), "");
	is_str(buf, "192.0.2.1, 192.0.2.2, 2001:db8::1", "sorted");
	ok(addrset_parse("192.0.2.1, 2001:DB8:0:0::1 ,192.0.2.2", &b,
	    &errstr) == 0, "parse another order");
	ok(addrset_equal(&a, &b), "equal sets");
	ok(memcmp(&a, &b, sizeof(a)) == 0, "equal sets are equal bytes");
	addrset_family(&a, AF_INET6, &v6);
	is_int(v6.n, 1, "one IPv6");
	is_str(v6.addr[0].text, "2001:db8::1", "IPv6 text");
	ok(!addrset_equal(&a, &v6), "different sets");
	ok(addrset_parse("192.0.2.1, fe80::1%eth0", &a, &errstr) == -1,
	    "scoped address refused");
	is_str(errstr, "'fe80::1%eth0' is not an IPv4 or IPv6 address",
	    "errstr names the item");
	ok(addrset_parse("", &a, &errstr) == -1 && a.n == 0,
	    "empty refused");
	ok(addrset_parse("192.0.2.1, 192.0.2.01", &a, &errstr) == -1,
	    "leading zero refused or duplicate");
}

static void
test_default_path(void)
{
	unsetenv(CFG_ENV_PATH);
	is_str(config_default_path(NULL), CFG_DEFAULT_PATH, "default path");
	setenv(CFG_ENV_PATH, "/tmp/x.conf", 1);
	is_str(config_default_path(NULL), "/tmp/x.conf", "env path");
	is_str(config_default_path("/a.conf"), "/a.conf", "explicit wins");
	unsetenv(CFG_ENV_PATH);
	is_str(site_role_str(ROLE_SPARE), "spare", "role str");
	is_str(dns_verify_str(DNS_VERIFY_ALL), "all", "verify str");
	is_str(dns_method_str(cfg_method_find("rfc2136")), "rfc2136", "method str");
	is_str(check_type_str(&check_tcp_type), "tcp", "type str");
}

static const struct bad_def methods_bad[] = {
	{ .name = "http to another host", .method = "powerdns",
	    .section = "[powerdns]\n"
	    "url = http://pdns.example.net:8081/api/v1/servers/localhost\n"
	    "api_key_file = @DIR@/vote.key\n",
	    .line = 52, .msg = "url: http:// would send "
	    "the credentials to pdns.example.net in clear text; use https://" },
	{ .name = "http to ::1", .method = "powerdns",
	    .section = "[powerdns]\n"
	    "url = http://[::2]:8081/api/v1/servers/localhost\n"
	    "api_key_file = @DIR@/vote.key\n",
	    .line = 52, .msg = "plain http is allowed only "
	    "to a loopback address" },
};

static const struct bad_def methods_bad2[] = {
	{ .name = "credentials in the url", .method = "virtualmin",
	    .section = "[virtualmin]\n"
	    "url = https://root:secret@vm.example.com:10000/virtual-server/"
	    "remote.cgi\n"
	    "user = u\n"
	    "password_file = @DIR@/vote.key\n",
	    .line = 52, .msg = "url "
	    "must not hold a user name or password" },
	{ .name = "query in the url", .method = "virtualmin",
	    .section = "[virtualmin]\n"
	    "url = https://vm.example.com/remote.cgi?program=x\n"
	    "user = u\n"
	    "password_file = @DIR@/vote.key\n",
	    .line = 52,
	    .msg = "url must not have a ?query" },
	{ .name = "not an http url", .method = "powerdns",
	    .section = "[powerdns]\n"
	    "url = ftp://pdns.example.net/\n"
	    "api_key_file = @DIR@/vote.key\n",
	    .line = 52, .msg = "bad url 'ftp://pdns.example.net/' (expected "
	    "https://" },
	{ .name = "missing api_key_file", .method = "powerdns",
	    .section = "[powerdns]\n"
	    "url = https://pdns.example.net/api/v1/servers/localhost\n",
	    .line = 51,
	    .msg = "missing key 'api_key_file' in [powerdns]" },
	{ .name = "loose api key", .method = "powerdns",
	    .section = "[powerdns]\n"
	    "url = https://pdns.example.net/api/v1/servers/localhost\n"
	    "api_key_file = @DIR@/loose.key\n",
	    .line = 53, .msg = "api_key_file: "
	    "@DIR@/loose.key is readable by group or others (mode 0644)" },
	{ .name = "loose password", .method = "virtualmin",
	    .section = "[virtualmin]\n"
	    "url = https://vm.example.com:10000/virtual-server/remote.cgi\n"
	    "user = u\n"
	    "password_file = @DIR@/group.key\n",
	    .line = 54,
	    .msg = "password_file: @DIR@/group.key is readable by group or "
	    "others" },
	{ .name = "missing user", .method = "virtualmin",
	    .section = "[virtualmin]\n"
	    "url = https://vm.example.com:10000/virtual-server/remote.cgi\n"
	    "password_file = @DIR@/vote.key\n",
	    .line = 51,
	    .msg = "missing key 'user' in [virtualmin]" },
	{ .name = "user with a colon", .method = "virtualmin",
	    .section = "[virtualmin]\n"
	    "url = https://vm.example.com:10000/virtual-server/remote.cgi\n"
	    "user = a:b\n"
	    "password_file = @DIR@/vote.key\n",
	    .line = 53,
	    .msg = "bad user 'a:b': no ':' or white space" },
	{ .name = "missing program", .method = "exec",
	    .section = "[exec]\n"
	    "timeout = 5s\n",
	    .line = 51,
	    .msg = "missing key 'program' in [exec]" },
	{ .name = "relative program", .method = "exec",
	    .section = "[exec]\n"
	    "program = hook\n",
	    .line = 52,
	    .msg = "program: 'hook' is not an absolute path" },
	{ .name = "program not executable", .method = "exec",
	    .section = "[exec]\n"
	    "program = @DIR@/noexec\n",
	    .line = 52,
	    .msg = "program: @DIR@/noexec is not executable (mode 0644); run: "
	    "chmod +x @DIR@/noexec" },
	{ .name = "bad exec timeout", .method = "exec",
	    .section = "[exec]\n"
	    "program = @DIR@/hook\n"
	    "timeout = 0\n",
	    .line = 53, .msg = "timeout must be more than 0" },
	{ .name = "unknown key in [exec]", .method = "exec",
	    .section = "[exec]\n"
	    "program = @DIR@/hook\n"
	    "args = -v\n",
	    .line = 53,
	    .msg = "unknown key 'args' in [exec]" },
	{ .name = "method = exec without [exec]", .method = "exec", .line = 31,
	    .msg = "method = exec needs a [exec] section (program)" },
};

static const struct warn_def unused_pdns = {
	.name = "unused section", .from = "[hooks]\n", .to = "[powerdns]\n"
	    "url = https://pdns.example.net/api/v1/servers/localhost\n"
	    "[hooks]\n", .line = 43, .msg = "[powerdns] is not used: [dns] "
	    "method is rfc2136",
	.what = "unused [powerdns]: warning at its line"
};

/* [dns] method = virtualmin | powerdns | exec and their sections. */
static void
test_methods(void)
{
	struct config		*cfg;
	struct diag_list	 dl;
	char			*path, *text, *t, want[PATH_MAX * 3];

	/* powerdns: http to loopback allowed, final '/' dropped, no TSIG key. */
	text = with_method("powerdns", "[powerdns]\n"		/* 51 */
	    "url = http://127.0.0.1:8081/api/v1/servers/localhost/\n"
	    "api_key_file = @DIR@/vote.key\n");
	t = replace(text, "tsig_key_file = @DIR@/tsig.key\n", "");
	cfg = good_case("powerdns", t, 0, &path, &dl);
	if (cfg != NULL) {
		is_str(dns_method_str(cfg->dns.method), "powerdns", "method powerdns");
		is_str(PDNS_CONF(cfg)->url,
		    "http://127.0.0.1:8081/api/v1/servers/localhost",
		    "powerdns url without the final /");
		snprintf(want, sizeof(want), "%s/vote.key", tmpdir);
		is_str(PDNS_CONF(cfg)->api_key_file, want, "api_key_file");
		ok(PDNS_CONF(cfg)->ca_file == NULL, "no ca_file");
		ok(cfg->dns.tsig_key_file == NULL, "no TSIG key needed");
		is_int(PDNS_CONF(cfg)->line, 50, "[powerdns] line (one line less)");
	}
	good_case_end(cfg, path, &dl);
	free(t);
	free(text);

	/* virtualmin over https, with a ca_file. */
	text = with_method("virtualmin", "[virtualmin]\n"
	    "url = https://backup.example.com:10000/virtual-server/remote.cgi\n"
	    "user = failover\n"
	    "password_file = @DIR@/vote.key\n"
	    "ca_file = @DIR@/hook\n");
	cfg = good_case("virtualmin", text, 0, &path, &dl);
	if (cfg != NULL) {
		is_str(dns_method_str(cfg->dns.method), "virtualmin",
		    "method virtualmin");
		is_str(VM_CONF(cfg)->url, "https://backup.example.com:10000/"
		    "virtual-server/remote.cgi", "virtualmin url");
		is_str(VM_CONF(cfg)->user, "failover", "virtualmin user");
		snprintf(want, sizeof(want), "%s/hook", tmpdir);
		is_str(VM_CONF(cfg)->ca_file, want, "virtualmin ca_file");
		is_str(dns_method_str(cfg->dns.method), "virtualmin",
		    "method str virtualmin");
	}
	good_case_end(cfg, path, &dl);
	free(text);

	/* exec, default and explicit timeout. */
	text = with_method("exec", "[exec]\nprogram = @DIR@/hook\n");
	cfg = good_case("exec", text, 0, &path, &dl);
	if (cfg != NULL) {
		snprintf(want, sizeof(want), "%s/hook", tmpdir);
		is_str(EXEC_CONF(cfg)->program, want, "exec program");
		is_int(EXEC_CONF(cfg)->timeout_ms, 30000, "exec timeout 30s");
		is_str(dns_method_str(cfg->dns.method), "exec",
		    "method str exec");
	}
	good_case_end(cfg, path, &dl);
	free(text);
	text = with_method("exec", "[exec]\nprogram = @DIR@/hook\n"
	    "timeout = 500ms\n");
	cfg = good_case("exec timeout", text, 0, &path, &dl);
	if (cfg != NULL)
		is_int(EXEC_CONF(cfg)->timeout_ms, 500, "exec timeout 500ms");
	good_case_end(cfg, path, &dl);
	free(text);

	/* The section of another method: a warning, not an error. */
	warn_table(NULL, &unused_pdns, 1);

	bad_table(GOOD, methods_bad, FA_ARRAY_SIZE(methods_bad));
	text = with_method("powerdns", "[powerdns]\n"
	    "url = http://[::1]:8081/api/v1/servers/localhost\n"
	    "api_key_file = @DIR@/vote.key\n");
	good_text("http to [::1]", text, 0);
	free(text);
	text = with_method("virtualmin", "[virtualmin]\n"
	    "url = http://LocalHost:10000/virtual-server/remote.cgi\n"
	    "user = u\npassword_file = @DIR@/vote.key\n");
	good_text("http to localhost", text, 0);
	free(text);
	bad_table(GOOD, methods_bad2, FA_ARRAY_SIZE(methods_bad2));
	text = with_method("exec", "[exec]\nprogram = @DIR@/hook\n");
	t = replace(text, "verify = all", "verify = none");
	path = write_conf(t);
	memset(&dl, 0, sizeof(dl));
	cfg = (struct config *)1;
	ok(config_load(path, &cfg, &dl) == -1 && cfg == NULL,
	    "verify = none with exec: refused");
	if (!ok(has_diag(&dl, path, 36, true, "verify = none is not allowed "
	    "with method = exec: its answer alone is not trusted"),
	    "verify = none with exec: FILE:36: message"))
		dump_diags(&dl);
	diag_clear(&dl);
	unlink(path);
	free(path);
	free(t);
	free(text);
}

/* A deSEC-style [http] section (line 51 on), each key on its own line. */
static const char HTTP_DESEC[] =
	"[http]\n"						/* 51 */
	"method = put\n"					/* 52 */
	"url = https://desec.io/api/v1/domains/{zone}/rrsets/{subname}..."
	    "/{type}/\n"					/* 53 */
	"header = Authorization: Token {secret}\n"		/* 54 */
	"header = X-Note: failover ; a comment\n"		/* 55 */
	"body = {\"subname\": \"{subname}\", \"type\": \"{type}\", "
	    "\"ttl\": {ttl}, \"records\": {addresses}}\n"	/* 56 */
	"success_status = 200, 201,204\n"			/* 57 */
	"success_json_pointer = /type\n"			/* 58 */
	"success_json_value = \"A\"\n"				/* 59 */
	"secret_file = @DIR@/vote.key\n"			/* 60 */
	"test_url = https://desec.io/api/v1/auth/account/\n";	/* 61 */

static const struct bad_def cloudflare_bad[] = {
	{ .name = "method = cloudflare without [cloudflare]",
	    .method = "cloudflare", .line = 31, .msg = "method = cloudflare "
	    "needs a [cloudflare] section (api_token_file)" },
	{ .name = "missing api_token_file", .method = "cloudflare",
	    .section = "[cloudflare]\n"
	    "ca_file = @DIR@/hook\n",
	    .line = 51,
	    .msg = "missing key 'api_token_file' in [cloudflare]" },
	{ .name = "loose api token", .method = "cloudflare",
	    .section = "[cloudflare]\n"
	    "api_token_file = @DIR@/loose.key\n",
	    .line = 52, .msg = "api_token_file: @DIR@/loose.key is readable by "
	    "group or others (mode 0644)" },
	{ .name = "cloudflare api_url over http elsewhere",
	    .method = "cloudflare", .section = "[cloudflare]\n"
	    "api_token_file = @DIR@/vote.key\n"
	    "api_url = http://api.cloudflare.com/client/v4\n",
	    .line = 53, .msg = "api_url: http:// would send the credentials to "
	    "api.cloudflare.com in clear text" },
	{ .name = "unknown key in [cloudflare]", .method = "cloudflare",
	    .section = "[cloudflare]\n"
	    "api_token_file = @DIR@/vote.key\n"
	    "zone_id = 0123\n",
	    .line = 53,
	    .msg = "unknown key 'zone_id' in [cloudflare]" },
};

static const struct bad_def ovh_bad[] = {
	{ .name = "missing consumer_key_file", .method = "ovh",
	    .section = "[ovh]\n"
	    "application_key_file = @DIR@/vote.key\n"
	    "application_secret_file = @DIR@/vote.key\n",
	    .line = 51, .msg = "missing key 'consumer_key_file' in [ovh]" },
	{ .name = "group-readable application secret", .method = "ovh",
	    .section = "[ovh]\n"
	    "application_key_file = @DIR@/vote.key\n"
	    "application_secret_file = @DIR@/group.key\n"
	    "consumer_key_file = @DIR@/vote.key\n",
	    .line = 53,
	    .msg = "application_secret_file: @DIR@/group.key is readable by "
	    "group or others" },
	{ .name = "method = ovh without [ovh]", .method = "ovh", .line = 31,
	    .msg = "method = ovh needs a [ovh] section (application_key_file, "
	    "application_secret_file, consumer_key_file)" },
};

static const struct bad_def unused_ovh_bad[] = {
	{ .name = "unused [ovh], unknown key", .from = "[hooks]\n",
	    .to = "[ovh]\nconsumer_key = x\n[hooks]\n", .line = 44,
	    .msg = "unknown key 'consumer_key' in [ovh]", .many = true },
};

static const struct bad_def http_bad[] = {
	{ .name = "method = http without [http]", .method = "http", .line = 31,
	    .msg = "method = http needs a [http] section (method, url)" },
	{ .name = "secret in the url", .method = "http", .section = HTTP_DESEC,
	    .from = "{subname}.../{type}/", .to = "{type}/?k={secret}",
	    .line = 53, .msg = "url: {secret} is allowed in a header only, not "
	    "in the url (which shows in logs)" },
	{ .name = "unknown placeholder", .method = "http",
	    .section = HTTP_DESEC, .from = "{subname}...", .to = "{sub}",
	    .line = 53, .msg = "url: unknown placeholder {sub}" },
	{ .name = "body not JSON", .method = "http", .section = HTTP_DESEC,
	    .from = "{addresses}}", .to = "{addresses}", .line = 56,
	    .msg = "body is not JSON once expanded" },
	{ .name = "bad header name", .method = "http", .section = HTTP_DESEC,
	    .from = "header = X-Note: failover",
	    .to = "header = X Note: failover", .line = 55, .msg = "bad header "
	    "'X Note: failover' (expected 'header = Name: value')" },
	{ .name = "secret_file without {secret}", .method = "http",
	    .section = HTTP_DESEC, .from = "Token {secret}", .to = "Token abc",
	    .line = 60, .msg = "secret_file is set but no header holds "
	    "{secret}" },
	{ .name = "{secret} without secret_file", .method = "http",
	    .section = HTTP_DESEC, .from = "secret_file = @DIR@/vote.key\n",
	    .to = "", .line = 51, .msg = "a header holds {secret} but [http] "
	    "has no secret_file" },
	{ .name = "bad http method", .method = "http", .section = HTTP_DESEC,
	    .from = "method = put", .to = "method = fetch", .line = 52,
	    .msg = "bad method 'fetch' (expected GET, POST, PUT, PATCH or "
	    "DELETE)" },
	{ .name = "bad success_status", .method = "http", .section = HTTP_DESEC,
	    .from = "200, 201,204", .to = "200, 2000", .line = 57, .msg = "bad "
	    "HTTP status '2000' in success_status: too large (100 to 599)" },
	{ .name = "pointer without value", .method = "http",
	    .section = HTTP_DESEC, .from = "success_json_value = \"A\"\n",
	    .to = "", .line = 51, .msg = "success_json_pointer and "
	    "success_json_value go together" },
	{ .name = "value not JSON", .method = "http", .section = HTTP_DESEC,
	    .from = "= \"A\"", .to = "= A", .line = 59,
	    .msg = "success_json_value must be JSON (true, 1, \"ok\")" },
	{ .name = "not a JSON pointer", .method = "http", .section = HTTP_DESEC,
	    .from = "= /type", .to = "= type", .line = 58,
	    .msg = "success_json_pointer 'type' is not a JSON pointer (RFC "
	    "6901" },
	{ .name = "http url to another host", .method = "http",
	    .section = HTTP_DESEC, .from = "https://desec.io/api/v1/domains",
	    .to = "http://desec.io/api/v1/domains", .line = 53, .msg = "url: "
	    "http:// would send the secret to desec.io in clear text" },
	{ .name = "placeholder in test_url", .method = "http",
	    .section = HTTP_DESEC, .from = "test_url = "
	    "https://desec.io/api/v1/auth/account/",
	    .to = "test_url = https://desec.io/{zone}", .line = 61,
	    .msg = "test_url: test_url takes no placeholder ({zone})" },
};

static const struct bad_def http_zone_bad[] = {
	{ .name = "per zone without {records}", .method = "http",
	    .section = "[http]\n"
	    "method = PATCH\n"
	    "per = zone\n"
	    "url = https://x.example/{zone}\n"
	    "body = []\n"
	    "record = {}\n",
	    .line = 55,
	    .msg = "per = zone: the body must hold {records}" },
	{ .name = "per zone with a record placeholder in the url",
	    .method = "http", .section = "[http]\n"
	    "method = PATCH\n"
	    "per = zone\n"
	    "url = https://x.example/{zone}/{name}\n"
	    "body = {records}\n"
	    "record = {}\n",
	    .line = 54, .msg = "url: {name} is not "
	    "known in the url of per = zone" },
	{ .name = "record with per = record", .method = "http",
	    .section = "[http]\n"
	    "method = PUT\n"
	    "url = https://x.example/{fqdn}\n"
	    "record = {}\n",
	    .line = 54,
	    .msg = "record applies to per = zone only" },
	{ .name = "missing url", .method = "http",
	    .section = "[http]\n"
	    "method = PUT\n",
	    .line = 51,
	    .msg = "missing key 'url' in [http]" },
};

static const struct warn_def cf_auto_ttl = {
	.name = "cloudflare ttl 1, hold_down 2m", .from = "hold_down = 15m",
	.to = "hold_down = 2m", .line = 35, .msg = "ttl = 1 is Cloudflare's "
	    "automatic TTL (300s for a DNS-only record), longer than "
	    "hold_down (2m)",
	.what = "automatic TTL longer than hold_down: a warning at [dns] ttl"
};

static const struct warn_def unused_warn[] = {
	/* An unused section of another method: a warning at its line. */
	{ .name = "unused [ovh]", .from = "[hooks]\n",
	    .to = "[ovh]\nconsumer_key_file = x\n[hooks]\n", .line = 43,
	    .msg = "[ovh] is not used: [dns] method is rfc2136",
	    .what = "unused [ovh]: warning at its line" },
	/* Checked against its own keys: [http] rate_limit is one of them. */
	{ .name = "unused [http] with rate_limit", .from = "[hooks]\n",
	    .to = "[http]\nrate_limit = 2/s\n[hooks]\n", .line = 43,
	    .msg = "[http] is not used: [dns] method is rfc2136",
	    .what = "unused [http]: warning at its line" },
};

/* [dns] method = cloudflare | ovh | http and their sections. */
static void
test_provider_methods(void)
{
	struct config		*cfg;
	struct diag_list	 dl;
	char			*path, *text, *t, *u, want[PATH_MAX * 3];

	/* cloudflare: the default API, no TSIG key needed. */
	text = with_method("cloudflare", "[cloudflare]\n"	/* 51 */
	    "api_token_file = @DIR@/vote.key\n");
	t = replace(text, "tsig_key_file = @DIR@/tsig.key\n", "");
	cfg = good_case("cloudflare", t, 0, &path, &dl);
	if (cfg != NULL) {
		is_str(dns_method_str(cfg->dns.method), "cloudflare",
		    "method cloudflare");
		is_str(dns_method_str(cfg->dns.method), "cloudflare",
		    "method str cloudflare");
		is_str(CF_CONF(cfg)->api_url,
		    "https://api.cloudflare.com/client/v4", "default api_url");
		snprintf(want, sizeof(want), "%s/vote.key", tmpdir);
		is_str(CF_CONF(cfg)->api_token_file, want, "api_token_file");
		ok(CF_CONF(cfg)->ca_file == NULL, "no ca_file");
		is_int(CF_CONF(cfg)->line, 50, "[cloudflare] line");
	}
	good_case_end(cfg, path, &dl);
	free(t);
	free(text);
	text = with_method("cloudflare", "[cloudflare]\n"
	    "api_token_file = @DIR@/vote.key\n"
	    "api_url = http://127.0.0.1:8443/client/v4/\n"
	    "ca_file = @DIR@/hook\n");
	cfg = good_case("cloudflare api_url", text, 0, &path, &dl);
	if (cfg != NULL)
		is_str(CF_CONF(cfg)->api_url, "http://127.0.0.1:8443/client/v4",
		    "api_url (a test double) without the final /");
	good_case_end(cfg, path, &dl);
	free(text);

	/* Cloudflare's TTLs: 1 (automatic) or 60 to 86400. */
	text = with_method("cloudflare", "[cloudflare]\n"
	    "api_token_file = @DIR@/vote.key\n");
	t = replace(text, "ttl = 300", "ttl = 30");
	bad_text("cloudflare ttl 30", t, 35, "ttl = 30 is not a Cloudflare "
	    "TTL: 1 (automatic) or 60 to 86400", true);
	free(t);
	t = replace(text, "ttl = 300", "ttl = 60");
	good_text("cloudflare ttl 60", t, 0);
	free(t);
	t = replace(text, "ttl = 300", "ttl = 1");
	good_text("cloudflare ttl 1, hold_down 15m", t, 0);
	warn_table(t, &cf_auto_ttl, 1);
	free(t);
	free(text);
	bad_table(GOOD, cloudflare_bad, FA_ARRAY_SIZE(cloudflare_bad));

	/* ovh: the three key files, the default endpoint. */
	text = with_method("ovh", "[ovh]\n"			/* 51 */
	    "application_key_file = @DIR@/vote.key\n"
	    "application_secret_file = @DIR@/vote.key\n"
	    "consumer_key_file = @DIR@/vote.key\n");
	cfg = good_case("ovh", text, 0, &path, &dl);
	if (cfg != NULL) {
		is_str(dns_method_str(cfg->dns.method), "ovh", "method ovh");
		is_str(dns_method_str(cfg->dns.method), "ovh", "method str ovh");
		is_str(OVH_CONF(cfg)->endpoint, "https://eu.api.ovh.com/1.0",
		    "default endpoint");
		snprintf(want, sizeof(want), "%s/vote.key", tmpdir);
		is_str(OVH_CONF(cfg)->consumer_key_file, want, "consumer_key_file");
	}
	good_case_end(cfg, path, &dl);
	free(text);
	text = with_method("ovh", "[ovh]\n"
	    "endpoint = https://ca.api.ovh.com/1.0/\n"
	    "application_key_file = @DIR@/vote.key\n"
	    "application_secret_file = @DIR@/vote.key\n"
	    "consumer_key_file = @DIR@/vote.key\n");
	cfg = good_case("ovh endpoint", text, 0, &path, &dl);
	if (cfg != NULL)
		is_str(OVH_CONF(cfg)->endpoint, "https://ca.api.ovh.com/1.0",
		    "endpoint without the final /");
	good_case_end(cfg, path, &dl);
	free(text);
	bad_table(GOOD, ovh_bad, FA_ARRAY_SIZE(ovh_bad));

	/* Unused sections of other methods: a warning at their line. */
	warn_table(NULL, unused_warn, FA_ARRAY_SIZE(unused_warn));
	bad_table(GOOD, unused_ovh_bad, FA_ARRAY_SIZE(unused_ovh_bad));

	/* http, per record: a deSEC-style section. */
	text = with_method("http", HTTP_DESEC);
	cfg = good_case("http deSEC", text, 0, &path, &dl);
	if (cfg != NULL) {
		is_str(dns_method_str(cfg->dns.method), "http", "method http");
		is_str(HTTP_CONF(cfg)->method, "PUT", "method upper-cased");
		ok(!HTTP_CONF(cfg)->per_zone, "per = record by default");
		is_int(HTTP_CONF(cfg)->nheaders, 2, "two header lines");
		is_str(HTTP_CONF(cfg)->headers[0].name, "Authorization",
		    "header 1 name");
		is_str(HTTP_CONF(cfg)->headers[0].value, "Token {secret}",
		    "header 1 value: the template");
		is_int(HTTP_CONF(cfg)->headers[0].line, 54, "header 1 line");
		is_str(HTTP_CONF(cfg)->headers[1].value, "failover",
		    "header 2: the comment cut off");
		is_int(HTTP_CONF(cfg)->nstatus, 3, "three statuses");
		is_int(HTTP_CONF(cfg)->success_status[2], 204, "the third is 204");
		is_str(HTTP_CONF(cfg)->success_json_pointer, "/type", "pointer");
		is_str(HTTP_CONF(cfg)->success_json_value, "\"A\"", "value (JSON)");
		ok(HTTP_CONF(cfg)->secret_file != NULL, "secret_file");
		is_str(HTTP_CONF(cfg)->test_url,
		    "https://desec.io/api/v1/auth/account/", "test_url");
	}
	good_case_end(cfg, path, &dl);
	free(text);

	/* http, per zone: {records} and the record template. */
	text = with_method("http", "[http]\n"
	    "method = PATCH\n"
	    "per = zone\n"
	    "url = https://desec.io/api/v1/domains/{zone}/rrsets/\n"
	    "header = Authorization: Token {secret}\n"
	    "body = {records}\n"
	    "record = {\"subname\": \"{subname}\", \"type\": \"{type}\", "
	    "\"ttl\": {ttl}, \"records\": {addresses}}\n"
	    "secret_file = @DIR@/vote.key\n");
	cfg = good_case("http per zone", text, 0, &path, &dl);
	if (cfg != NULL) {
		ok(HTTP_CONF(cfg)->per_zone, "per = zone");
		is_int(HTTP_CONF(cfg)->nstatus, 0, "no success_status: any 2xx");
	}
	good_case_end(cfg, path, &dl);
	free(text);

	bad_table(GOOD, http_bad, FA_ARRAY_SIZE(http_bad));
	t = replace(HTTP_DESEC, "{addresses}}", "[\"{address}\"]}");
	text = with_method("http", t);
	good_text("{address}, one address of each type", text, 0);
	u = replace(text, "address = 2001:db8:1::20,198.51.100.20",
	    "address = 2001:db8:1::20,198.51.100.20, 198.51.100.21");
	bad_text("{address} with two IPv4 at the backup", u, 51, "[http] uses "
	    "{address}, which holds one address, but [site:primary] has 1 and "
	    "[site:backup] 2 IPv4 addresses: use {addresses}", true);
	free(u);
	free(text);
	free(t);
	bad_table(GOOD, http_zone_bad, FA_ARRAY_SIZE(http_zone_bad));
}

/*
 * The text of etc/FILE under $FA_SRCDIR (or .), its /etc/failover-agent/
 * paths moved to @DIR@; NULL (the ok "WHAT at PATH" failed) if unreadable.
 */
static char *
example_read(const char *file, const char *what)
{
	const char	*src = getenv("FA_SRCDIR");
	char		 epath[PATH_MAX], *text, *t;
	FILE		*f;
	long		 len;

	snprintf(epath, sizeof(epath), "%s/etc/%s", src != NULL ? src : ".",
	    file);
	if (!ok((f = fopen(epath, "r")) != NULL, "%s at %s", what, epath))
		return NULL;
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	text = util_xcalloc(1, (size_t)len + 1);
	if (fread(text, 1, (size_t)len, f) != (size_t)len)
		fatal("fread");
	fclose(f);
	while (strstr(text, "/etc/failover-agent/") != NULL) {
		t = replace(text, "/etc/failover-agent/", "@DIR@/");
		free(text);
		text = t;
	}
	return text;
}

/* The shipped example, its /etc and /var/lib paths moved to the temp dir. */
static void
test_example(void)
{
	char			 dir[PATH_MAX + 8];
	char			*text, *t, *path;
	struct config		*cfg = NULL;
	struct diag_list	 dl = { 0 };
	static const char *hooks[] = { "before-failover", "after-failover",
	    "before-failback", "after-failback" };

	if ((text = example_read("failover-agent.conf.example",
	    "example")) == NULL)
		return;
	t = replace(text, "/var/lib/failover-agent/", "@DIR@/");
	free(text);
	text = t;

	snprintf(dir, sizeof(dir), "%s/hooks", tmpdir);
	mkdir(dir, 0755);
	for (size_t i = 0; i < FA_ARRAY_SIZE(hooks); i++) {
		snprintf(dir, sizeof(dir), "hooks/%s", hooks[i]);
		write_file(dir, "#!/bin/sh\nexit 0\n", 0755);
	}
	path = write_conf(text);
	ok(config_load(path, &cfg, &dl) == 0 && cfg != NULL,
	    "the example config loads");
	is_int(dl.nerrors, 0, "example: no error");
	is_int(dl.n, 0, "example: no diagnostic (it has a [quorum])");
	dump_diags(&dl);
	if (cfg != NULL) {
		is_str(cfg->agent.name, "backup-ovh", "example name");
		is_int(cfg->nspares, 2, "example spares");
		is_int(cfg->quorum.need, 1, "example need");
		is_int(cfg->quorum.max_up, 0, "example max_up");
		is_int(cfg->agent.hold_down_ms, 900000, "example hold_down");
		is_int(cfg->nzones, 2, "example zones");
		is_int(cfg->zones[0].nrecords, 3, "example records");
		is_int(cfg->dns.verify, DNS_VERIFY_SERVER,
		    "example verify (server, as INSTALL shows)");
		ok(cfg->hooks.before_failover == NULL &&
		    cfg->hooks.after_failback == NULL,
		    "example: no hook named (the scripts do not exist yet)");
		is_int(cfg->quorum.canary_ms, 3600000, "example quorum canary");
		is_int(cfg->dns.ttl, 60, "example ttl");
	}
	good_case_end(cfg, path, &dl);
	free(text);
	for (size_t i = 0; i < FA_ARRAY_SIZE(hooks); i++) {
		snprintf(dir, sizeof(dir), "%s/hooks/%s", tmpdir, hooks[i]);
		unlink(dir);
	}
	snprintf(dir, sizeof(dir), "%s/hooks", tmpdir);
	rmdir(dir);
}

/* The shipped spare example, its /etc paths moved to the temp dir. */
static void
test_example_spare(void)
{
	char			*text, *path;
	struct config		*cfg = NULL;
	struct diag_list	 dl = { 0 };

	if ((text = example_read("failover-agent-spare.conf.example",
	    "spare example")) == NULL)
		return;
	path = write_conf(text);
	ok(config_load(path, &cfg, &dl) == 0 && cfg != NULL,
	    "the spare example loads");
	is_int(dl.n, 0, "spare example: no diagnostic");
	dump_diags(&dl);
	if (cfg != NULL) {
		is_int(cfg->agent.role, ROLE_SPARE, "spare example: role spare");
		is_int(cfg->nchecks, 2, "spare example: its checks");
		is_int(cfg->vote.nlisten, 2, "spare example: two listen addresses");
		is_int(cfg->vote.interval_ms, 5000,
		    "spare example: interval 5s");
	}
	good_case_end(cfg, path, &dl);
	free(text);
}

/* GOOD with a mysql check and [mysql] after its line 50. */
static const char MYSQL_TAIL[] =
	"[check:db]\n"						/* 51 */
	"type = mysql\n"					/* 52 */
	"host = 192.0.2.10\n"					/* 53 */
	"user = monitor\n"					/* 54 */
	"password_file = @DIR@/mysql.pw\n"			/* 55 */
	"max_lag = 30\n"					/* 56 */
	"[mysql]\n"						/* 57 */
	"user = failover\n"					/* 58 */
	"promote = read-only\n"					/* 59 */
	"wait_to_apply = -1\n";					/* 60 */

/* Load GOOD + MYSQL_TAIL with one change; *cfg on success. */
static int
mysql_load(const char *from, const char *to, struct config **cfg,
    struct diag_list *dl, char **pathp)
{
	char	*base, *text;
	int	 rc;

	if (asprintf(&base, "%s%s", GOOD, MYSQL_TAIL) == -1)
		fatal("asprintf");
	text = from != NULL ? replace(base, from, to) : util_xstrdup(base);
	*pathp = write_conf(text);
	rc = config_load(*pathp, cfg, dl);
	free(text);
	free(base);
	return rc;
}

static const struct bad_def mysql_conf_bad[] = {
	{ .name = "check without user", .from = "user = monitor\n", .to = "",
	    .line = 51, .msg = "missing key 'user' in [check:db]" },
	{ .name = "check without host or socket",
	    .from = "host = 192.0.2.10\nuser", .to = "user", .line = 51,
	    .msg = "missing key 'host' or 'socket' in [check:db]" },
	{ .name = "relative socket",
	    .from = "host = 192.0.2.10\nuser = monitor",
	    .to = "socket = run/s\nuser = monitor", .line = 53,
	    .msg = "socket: 'run/s' is not an absolute path" },
	{ .name = "port with a socket",
	    .from = "host = 192.0.2.10\nuser = monitor", .to = "socket = "
	    "/run/s\nport = 3306\nuser = monitor", .line = 54,
	    .msg = "port applies to host, not to a socket" },
	{ .name = "loose password file", .from = "@DIR@/mysql.pw",
	    .to = "@DIR@/mysql-loose.pw", .line = 55,
	    .msg = "readable by group or others" },
	{ .name = "fractional max_lag", .from = "max_lag = 30",
	    .to = "max_lag = 1.5", .line = 56,
	    .msg = "max_lag is in whole seconds" },
	{ .name = "http key in a mysql check", .from = "max_lag = 30",
	    .to = "url = http://x/", .line = 56, .msg = "key 'url' does not "
	    "apply to type mysql checks" },
	{ .name = "mysql key in a tcp check", .from = "port = 22",
	    .to = "port = 22\nuser = x", .line = 27, .msg = "key 'user' does "
	    "not apply to type tcp checks" },
	{ .name = "bad promote", .from = "promote = read-only",
	    .to = "promote = readonly", .line = 59, .msg = "bad value "
	    "'readonly' for promote (expected writable, read-only or none)" },
	{ .name = "bad wait_to_apply", .from = "wait_to_apply = -1",
	    .to = "wait_to_apply = -2", .line = 60,
	    .msg = "bad duration '-2' for wait_to_apply" },
	{ .name = "unknown key", .from = "wait_to_apply = -1",
	    .to = "wait_to_aply = 3", .line = 60,
	    .msg = "unknown key 'wait_to_aply' in [mysql]" },
	{ .name = "[mysql] without a mysql check", .from = "type = mysql\nhost "
	    "= 192.0.2.10\nuser = monitor\npassword_file = "
	    "@DIR@/mysql.pw\nmax_lag = 30\n", .to = "type = tcp\nhost = "
	    "192.0.2.10\nport = 3306\n\n\n", .line = 57, .msg = "[mysql] needs "
	    "a [check:NAME] of type mysql" },
	{ .name = "primary_check names no mysql check",
	    .from = "promote = read-only", .to = "primary_check = ssh",
	    .line = 59, .msg = "primary_check: no [check:ssh] of type mysql" },
	{ .name = "two mysql checks, no primary_check", .from = "[mysql]",
	    .to = "[check:db2]\ntype = mysql\nsocket = /run/s\nuser = "
	    "u\n[mysql]", .line = 61,
	    .msg = "2 checks of type mysql; say which one" },
};

static void
test_mysql(void)
{
	struct config		*cfg = NULL;
	struct diag_list	 dl = { 0 };
	char			*path, *good, p[PATH_MAX + 16];
	const struct cfg_check	*db;
	const struct cfg_check_mysql *my;
	static const struct cfg_check_mysql no_mysql;

	write_file("mysql.pw", "secret\n", 0600);
	write_file("mysql-loose.pw", "secret\n", 0644);
	ok(mysql_load(NULL, NULL, &cfg, &dl, &path) == 0 && cfg != NULL,
	    "mysql: check and [mysql] load");
	dump_diags(&dl);
	if (cfg != NULL) {
		db = &cfg->checks[2];
		is_str(check_type_str(db->type), "mysql", "mysql: type");
		is_str(check_type_str(db->type), "mysql", "mysql: type name");
		ok((my = check_mysql_conf(db)) != NULL &&
		    check_mysql_conf(&cfg->checks[0]) == NULL,
		    "mysql: its keys through check_mysql_conf(), only for it");
		if (my == NULL)
			my = &no_mysql;
		is_str(my->host, "192.0.2.10", "mysql: host");
		is_int(my->port, 3306, "mysql: port defaults to 3306");
		is_str(my->socket, NULL, "mysql: no socket with a host");
		is_str(my->user, "monitor", "mysql: user");
		snprintf(p, sizeof(p), "%s/mysql.pw", tmpdir);
		is_str(my->password_file, p, "mysql: password_file");
		is_str(my->query, "SELECT 1",
		    "mysql: query defaults to SELECT 1");
		is_int(my->max_lag_s, 30, "mysql: max_lag");
		is_int(db->timeout_ms, 5000, "mysql: timeout defaults to 5s");
		ok(cfg->has_mysql, "[mysql] present");
		is_str(cfg->mysql.socket, "/run/mysqld/mysqld.sock",
		    "[mysql] socket defaults to Debian's");
		is_str(cfg->mysql.host, NULL, "[mysql] no host");
		is_str(cfg->mysql.user, "failover", "[mysql] user");
		is_str(cfg->mysql.password_file, NULL,
		    "[mysql] no password_file (unix_socket login)");
		is_int(cfg->mysql.promote, MYSQL_PROMOTE_READ_ONLY,
		    "[mysql] promote = read-only");
		is_str(mysql_promote_str(cfg->mysql.promote), "read-only",
		    "[mysql] promote name");
		is_int(cfg->mysql.wait_to_apply_ms, -1, "[mysql] wait_to_apply -1");
		is_int(cfg->mysql.timeout_ms, 10000, "[mysql] timeout 10s");
		is_int(cfg->mysql.primary_check_index, 2,
		    "[mysql] the only mysql check reads the primary's GTIDs");
	}
	good_case_end(cfg, path, &dl);
	cfg = NULL;

	ok(mysql_load("max_lag = 30\n", "max_lag = 30\nsocket = "
	    "/run/mysqld/m.sock\nquery = DO 1\ntimeout = 2\n", &cfg, &dl,
	    &path) == -1, "mysql: host and socket refused");
	ok(has_diag(&dl, path, 57, true, "host and socket are both set"),
	    "mysql: host and socket: FILE:57");
	good_case_end(cfg, path, &dl);
	cfg = NULL;

	ok(mysql_load("wait_to_apply = -1\n", "wait_to_apply = 0\n"
	    "promote = none\n", &cfg, &dl, &path) == -1,
	    "duplicate key refused");
	diag_clear(&dl);
	unlink(path);
	free(path);

	ok(mysql_load("promote = read-only\nwait_to_apply = -1\n",
	    "host = 127.0.0.1\nport = 3307\npassword_file = @DIR@/mysql.pw\n"
	    "wait_to_apply = 2m\ntimeout = 3s\n", &cfg, &dl, &path) == 0 &&
	    cfg != NULL, "[mysql] over TCP loads");
	if (cfg != NULL) {
		is_str(cfg->mysql.host, "127.0.0.1", "[mysql] host");
		is_str(cfg->mysql.socket, NULL, "[mysql] no default socket with host");
		is_int(cfg->mysql.port, 3307, "[mysql] port");
		is_int(cfg->mysql.promote, MYSQL_PROMOTE_WRITABLE,
		    "[mysql] promote defaults to writable");
		is_int(cfg->mysql.wait_to_apply_ms, 120000, "[mysql] wait_to_apply 2m");
		is_int(cfg->mysql.timeout_ms, 3000, "[mysql] timeout 3s");
	}
	good_case_end(cfg, path, &dl);
	cfg = NULL;

	if (asprintf(&good, "%s%s", GOOD, MYSQL_TAIL) == -1)
		fatal("asprintf");
	bad_table(good, mysql_conf_bad, FA_ARRAY_SIZE(mysql_conf_bad));
	free(good);

	snprintf(p, sizeof(p), "%s/mysql.pw", tmpdir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/mysql-loose.pw", tmpdir);
	unlink(p);
}

/*
 * Issue 11 and 17 hardening: a notify token makes the file a secret; a
 * spare URL never carries a password; hooks as sshd wants
 * AuthorizedKeysCommand; CONFIG_LOAD_NO_SECRETS (status, history) looks at
 * no secret file and no program.
 */
static int
load_text(const char *text, mode_t mode, unsigned flags, char **pathp,
    struct diag_list *dl)
{
	struct config	*cfg = NULL;
	int		 rc;

	*pathp = write_conf(text);
	chmod(*pathp, mode);
	rc = config_load_flags(*pathp, flags, &cfg, dl);
	config_free(cfg);
	return rc;
}

/* What load_check() expects: rc, and each msg as an error at its line. */
struct load_def {
	mode_t		 mode;
	unsigned	 flags;
	int		 rc;
	int		 line, line2;
	const char	*msg, *msg2;	/* NULL: none */
};

/* Load text as load_text() does; true if it went as d says. */
static bool
load_check(const char *text, const struct load_def *d)
{
	struct diag_list	 dl = { 0 };
	char			*path;
	bool			 as_said;

	as_said = load_text(text, d->mode, d->flags, &path, &dl) == d->rc &&
	    (d->msg == NULL || has_diag(&dl, path, d->line, true, d->msg)) &&
	    (d->msg2 == NULL || has_diag(&dl, path, d->line2, true, d->msg2));
	if (!as_said)
		dump_diags(&dl);
	diag_clear(&dl);
	unlink(path);
	free(path);
	return as_said;
}

static void
test_harden(void)
{
	static const char *const tokens[] = {
		"notify = https://hooks.example.com/fa?token=abc",
		"notify = https://hooks.slack.com/services/T0123ABCD/B0123ABCD/"
		    "Xk2mP9qR7sT4vW1yZ3aB5cD8",
		"notify = https://discord.com/api/webhooks/1234567890123456/"
		    "abcDEF123ghiJKL456",
	};
	struct diag_list	 dl = { 0 };
	char			*text, *t2, *path, want[PATH_MAX * 3], d[PATH_MAX + 16];
	size_t			 i;

	for (i = 0; i < FA_ARRAY_SIZE(tokens); i++) {
		text = replace(GOOD, "timeout = 10s", tokens[i]);
		ok(load_check(text, &(const struct load_def){ .mode = 0644,
		    .rc = -1, .line = 46, .msg = "notify holds a token, so",
		    .line2 = 46, .msg2 = "(mode 0644); run: chmod 600" }),
		    "%s in a 0644 file: refused at its line", tokens[i]);
		ok(load_check(text, &(const struct load_def){ .mode = 0600 }),
		    "the same in a 0600 file: loads");
		ok(load_check(text, &(const struct load_def){ .mode = 0640,
		    .flags = CONFIG_LOAD_NO_SECRETS }),
		    "0640, for status (no secrets): loads");
		free(text);
	}
	text = replace(GOOD, "timeout = 10s",
	    "notify = https://hooks.example.com/failover-agent/notify");
	ok(load_check(text, &(const struct load_def){ .mode = 0644 }),
	    "a notify URL without a token: 0644 is fine");
	free(text);

	text = replace(GOOD, "url = http://127.0.0.1:8053",
	    "url = http://fa:s3cr3tpw@127.0.0.1:8053");
	ok(load_text(text, 0644, 0, &path, &dl) == -1 &&
	    has_diag(&dl, path, 48, true, "url must not hold a user name or"
	    " password (user:pass@)"), "spare url with user:pass@: refused");
	for (i = 0; i < dl.n; i++)
		ok(strstr(dl.items[i].msg, "s3cr3tpw") == NULL,
		    "the password is not echoed");
	diag_clear(&dl);
	unlink(path);
	free(path);
	free(text);

	/* A hook in a directory its group may write. */
	snprintf(d, sizeof(d), "%s/gw", tmpdir);
	mkdir(d, 0700);
	chmod(d, 0770);
	write_file("gw/hook", "#!/bin/sh\nexit 0\n", 0755);
	text = replace(GOOD, "before_failover = @DIR@/hook",
	    "before_failover = @DIR@/gw/hook");
	snprintf(want, sizeof(want), "before_failover: %s is writable by its"
	    " group (mode 0770); run: chmod go-w %s", d, d);
	ok(load_check(text, &(const struct load_def){ .mode = 0644, .rc = -1,
	    .line = 44, .msg = want }),
	    "hook in a group-writable directory: refused");
	ok(load_check(text, &(const struct load_def){ .mode = 0644,
	    .flags = CONFIG_LOAD_NO_SECRETS }),
	    "the same for status: the hook is not judged");
	chmod(d, 0755);
	ok(load_check(text, &(const struct load_def){ .mode = 0644 }),
	    "chmod go-w the directory: loads");
	/* Owned by another ordinary user (root can give it away). */
	snprintf(want, sizeof(want), "%s/gw/hook", tmpdir);
	if (geteuid() == 0 && chown(want, 65534, 65534) == 0) {
		ok(load_check(text, &(const struct load_def){ .mode = 0644,
		    .rc = -1, .line = 44, .msg = "uid 65534), neither root"
		    " nor the user the agent runs as" }),
		    "hook owned by uid 65534: refused");
	} else
		printf("ok %d # skip not root: cannot chown\n", ++tap_n);
	unlink(want);
	rmdir(d);
	free(text);

	/* A FIFO in place of the config: refused, not waited on. */
	snprintf(d, sizeof(d), "%s/fifo.conf", tmpdir);
	ok(mkfifo(d, 0600) == 0, "a FIFO as the config file");
	alarm(10);
	{
		struct config	*cfg = NULL;

		ok(config_load(d, &cfg, &dl) == -1 && cfg == NULL &&
		    has_diag(&dl, d, 0, true, "not a regular file"),
		    "refused without blocking");
	}
	alarm(0);
	diag_clear(&dl);
	unlink(d);

	/* No secret file is looked at for status: a loose key, a missing hook. */
	text = replace(GOOD, "@DIR@/tsig.key", "@DIR@/loose.key");
	t2 = replace(text, "after_failback = @DIR@/hook",
	    "after_failback = @DIR@/no-such-hook");
	ok(load_check(t2, &(const struct load_def){ .mode = 0644, .rc = -1,
	    .line = 34, .msg = "readable by group or others",
	    .line2 = 45, .msg2 = "no-such-hook" }),
	    "a loose key and a missing hook: refused for check");
	ok(load_check(t2, &(const struct load_def){ .mode = 0644,
	    .flags = CONFIG_LOAD_NO_SECRETS }),
	    "and loaded for status, which reads neither");
	free(t2);
	free(text);
}

int
main(void)
{
	const char	*base = getenv("TMPDIR");
	char		 p[PATH_MAX + 32];
	static const char *files[] = { "tsig.key", "loose.key", "group.key",
	    "hook", "noexec", "vote.key" };

	log_init(LOG_TARGET_STDERR, 0);
	snprintf(tmpdir, sizeof(tmpdir), "%s/fa-test-config.XXXXXX",
	    base && *base ? base : "/tmp");
	if (mkdtemp(tmpdir) == NULL)
		fatal("mkdtemp");
	write_file("tsig.key", "key \"k\" { algorithm hmac-sha256; "
	    "secret \"c2VjcmV0\"; };\n", 0600);
	write_file("loose.key", "x\n", 0644);
	write_file("group.key", "x\n", 0640);
	write_file("hook", "#!/bin/sh\nexit 0\n", 0755);
	write_file("noexec", "#!/bin/sh\nexit 0\n", 0644);
	write_file("vote.key", "0123456789abcdef0123456789abcdef"
	    "0123456789abcdef0123456789abcdef\n", 0600);

	test_good();
	test_defaults();
	test_ops_keys();
	test_bad();
	test_bad_quorum();
	test_quorum();
	test_dns_discovery();
	test_exec_dns_checks();
	test_addresses();
	test_spare_role();
	test_many();
	test_warnings();
	test_long_line();
	test_addrset();
	test_default_path();
	test_example();
	test_example_spare();
	test_methods();
	test_provider_methods();
	test_mysql();
	test_harden();

	for (size_t i = 0; i < FA_ARRAY_SIZE(files); i++) {
		snprintf(p, sizeof(p), "%s/%s", tmpdir, files[i]);
		unlink(p);
	}
	if (rmdir(tmpdir) == -1)
		printf("# rmdir %s: %s\n", tmpdir, strerror(errno));
	return tap_done();
}
