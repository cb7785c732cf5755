/*
 * test_rfc2136.c: the rfc2136 method against a real BIND named, started by
 * t/30-rfc2136.t, which passes:
 *   FA_TEST_DNS_PORT   the port named listens on (127.0.0.1)
 *   FA_TEST_NAMED_DIR  its directory, holding one key file per algorithm:
 *                      fa-key.key (hmac-sha256), fa-md5.key, fa-sha1.key,
 *                      fa-224.key, fa-384.key, fa-512.key
 * named serves example.com, example.org, example.net and split.example,
 * each with @, www, shop and r1..r1000 holding 192.0.2.10 and
 * 2001:db8::10 (the primary's), ns1 (the SOA MNAME) with glue 127.0.0.1.
 *   FA_TEST_BIG_PORT   a second named on 127.0.0.1 serving big.example:
 *                      r1..r1000 with an A record only (192.0.2.10).
 * Without those variables it prints a skip plan: run it through the .t.
 *
 * What a person would check is checked with dig (popen), not with our code.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ldns/ldns.h>

#include "agent/core/confdesc.h"
#include "agent/core/config.h"
#include "agent/lib/log.h"
#include "agent/lib/util.h"
#include "dnsupdate/dnsupdate.h"
#include "dnsupdate/dnsupdate_impl.h"
#include "dnsupdate/tsigkey.h"
#include "t/unit/tap.h"

#define PRIMARY		"192.0.2.10, 2001:db8::10"
#define BACKUP		"198.51.100.20, 2001:db8:1::20"

static const char *port, *ndir;

/* Run a shell command, return its output with the trailing newline cut. */
static void
sh(char *out, size_t outlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void
sh(char *out, size_t outlen, const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;
	FILE *p;
	size_t n = 0;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	out[0] = '\0';
	if ((p = popen(cmd, "r")) == NULL)
		return;
	n = fread(out, 1, outlen - 1, p);
	out[n] = '\0';
	pclose(p);
	while (n > 0 && (out[n - 1] == '\n' || out[n - 1] == ' '))
		out[--n] = '\0';
}

/* dig's answer for name/type, sorted, one line. */
static const char *
dig(const char *name, const char *type)
{
	static char buf[4][1024];
	static int i;

	i = (i + 1) % 4;
	sh(buf[i], sizeof(buf[i]), "dig +short +norec +time=2 +tries=2 -p %s "
	    "@127.0.0.1 %s %s | sort | tr '\\n' ' '", port, name, type);
	return buf[i];
}

static const char *
dig_ttl(const char *name, const char *type)
{
	static char buf[64];

	sh(buf, sizeof(buf), "dig +noall +answer +norec -p %s @127.0.0.1 %s %s"
	    " | awk '{ print $2 }' | sort -u | tr '\\n' ' '", port, name, type);
	return buf;
}

/* The SOA serial of zone at 127.0.0.1#p (dig), -1 if none. */
static long
serial_at(const char *p, const char *zone)
{
	char buf[256];
	long long v = 0;
	const char *e;

	sh(buf, sizeof(buf), "dig +short +norec -p %s @127.0.0.1 %s SOA | "
	    "awk '{ print $3 }'", p, zone);
	if (util_number_parse(buf, 0, 4294967295LL, &v, &e) == -1)
		return -1;
	return (long)v;
}

static long
serial(const char *zone)
{
	return serial_at(port, zone);
}

/*
 * How many of name-prefix 1..n in zone at port answer type with value: one
 * dig in batch mode (-f), one query per line.
 */
static int
dig_count(const char *p, const char *prefix, int n, const char *zone,
    const char *type, const char *value)
{
	char path[512], out[64];
	FILE *f;
	long long v = -1;
	const char *e;
	int i;

	snprintf(path, sizeof(path), "%s/dig-batch.txt", ndir);
	if ((f = fopen(path, "w")) == NULL)
		return -1;
	for (i = 1; i <= n; i++)
		fprintf(f, "%s%d.%s %s\n", prefix, i, zone, type);
	fclose(f);
	/*
	 * Over TCP: a thousand UDP queries in a row can lose a few answers on
	 * a loaded machine (CI saw 999 of 1000), and the count must be exact.
	 */
	sh(out, sizeof(out), "dig +short +norec +tcp +time=5 +tries=3 -p %s "
	    "@127.0.0.1 -f %s | grep -cx '%s'", p, path, value);
	if (util_number_parse(out, 0, 1000000, &v, &e) == -1)
		return -1;
	return (int)v;
}

/* What a person does with nsupdate and the real key. */
static int
nsupdate(const char *zone, const char *lines)
{
	char out[1024];

	sh(out, sizeof(out), "printf 'server 127.0.0.1 %s\\nzone %s\\n%s\\n"
	    "send\\n' | nsupdate -k %s/fa-key.key 2>&1; echo rc=$?", port, zone,
	    lines, ndir);
	if (strstr(out, "rc=0") == NULL) {
		printf("# nsupdate: %s\n", out);
		return -1;
	}
	return 0;
}

static char keypath[6][512];

static char *
msg_buf(void)
{
	static char buf[512];

	return buf;
}

/*
 * A config by hand: zones given as "zone.:rec rec rec" (relative names, @
 * for the apex).  Freed with cfg_free().
 */
static struct config *
cfg_new(const char *key, int nz, const char **zones)
{
	struct config *c = util_xcalloc(1, sizeof(*c));
	const char *err;
	static char buf[16384];
	char *save = NULL, *tok, *sp, name[4200];
	int i;

	c->path = util_xstrdup("test.conf");
	if (addrset_parse(PRIMARY, &c->primary, &err) == -1 ||
	    addrset_parse(BACKUP, &c->backup, &err) == -1) {
		printf("Bail out! addrset: %s\n", err);
		exit(1);
	}
	c->dns.line = 30;
	c->dns.method = cfg_method_find("rfc2136");
	c->dns.server = util_xstrdup("127.0.0.1");
	c->dns.port = (uint16_t)atoi(port);
	c->dns.tsig_key_file = util_xstrdup(key);
	c->dns.ttl = 42;
	c->dns.verify = DNS_VERIFY_SERVER;
	c->dns.timeout_ms = 5000;
	c->dns.verify_timeout_ms = 10000;
	c->nzones = (size_t)nz;
	c->zones = util_xcalloc((size_t)nz, sizeof(*c->zones));
	for (i = 0; i < nz; i++) {
		snprintf(buf, sizeof(buf), "%s", zones[i]);
		sp = strchr(buf, ':');
		*sp++ = '\0';
		c->zones[i].name = util_xstrdup(buf);
		c->zones[i].line = 40 + i;
		for (tok = strtok_r(sp, " ", &save); tok != NULL;
		    tok = strtok_r(NULL, " ", &save)) {
			if (strcmp(tok, "@") == 0)
				snprintf(name, sizeof(name), "%.300s", buf);
			else
				snprintf(name, sizeof(name), "%.300s.%.300s",
				    tok, buf);
			c->zones[i].records = util_xreallocarray(
			    c->zones[i].records, c->zones[i].nrecords + 1,
			    sizeof(char *));
			c->zones[i].records[c->zones[i].nrecords++] =
			    util_xstrdup(name);
		}
	}
	return c;
}

static void
cfg_free(struct config *c)
{
	size_t i, j;

	for (i = 0; i < c->nzones; i++) {
		for (j = 0; j < c->zones[i].nrecords; j++)
			free(c->zones[i].records[j]);
		free(c->zones[i].records);
		free(c->zones[i].name);
	}
	free(c->zones);
	free(c->dns.server);
	free(c->dns.tsig_key_file);
	free(c->dns.resolver);
	free(c->path);
	free(c);
}

/* Read, plan toward dir, apply.  Returns apply's result; plan kept in *p. */
static int
move(const struct config *c, enum dns_direction dir, struct dns_plan *p,
    struct dns_view *v)
{
	if (dns_view_read(c, v) == -1)
		printf("# view: %s\n", v->error);
	dnsupdate_plan(c, dir, v, p);
	return dnsupdate_apply(c, p);
}

static void
write_key(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f == NULL) {
		printf("Bail out! %s: %s\n", path, strerror(errno));
		exit(1);
	}
	fputs(text, f);
	fclose(f);
	chmod(path, 0600);
}

static void
plan_text(const struct dns_plan *p, char *buf, size_t len)
{
	FILE *f = fmemopen(buf, len, "w");

	if (f == NULL) {
		buf[0] = '\0';
		return;
	}
	dns_plan_print(p, f);
	fclose(f);
}

int
main(void)
{
	static const char *two[] = { "example.com.:@ www shop",
	    "example.org.:www" };
	static const char *org[] = { "example.org.:www" };
	static const char *com[] = { "example.com.:www shop" };
	static const char *unserved[] = { "unserved.example.:www" };
	static const char *algs[][2] = { { "fa-md5", "hmac-md5" },
	    { "fa-sha1", "hmac-sha1" }, { "fa-224", "hmac-sha224" },
	    { "fa-key", "hmac-sha256" }, { "fa-384", "hmac-sha384" },
	    { "fa-512", "hmac-sha512" } };
	struct config *c;
	struct dns_view v;
	struct dns_plan p;
	struct diag_list dl;
	char want[512], buf[8192], badkey[512], nokey[512], big[4096];
	char mname[256], err[512];
	long s1, s2;
	size_t i;
	int r;

	port = getenv("FA_TEST_DNS_PORT");
	ndir = getenv("FA_TEST_NAMED_DIR");
	if (port == NULL || ndir == NULL) {
		printf("1..0 # SKIP run via t/30-rfc2136.t\n");
		return 0;
	}
	log_init(LOG_TARGET_STDERR, -1);
	for (i = 0; i < FA_ARRAY_SIZE(algs); i++)
		snprintf(keypath[i], sizeof(keypath[i]), "%s/%s.key", ndir,
		    algs[i][0]);

	/* 1. Read: everything holds the primary's addresses. */
	c = cfg_new(keypath[3], 2, two);
	r = dns_view_read(c, &v);
	is_int(r, 0, "view read");
	is_int(v.overall, DNS_HOLDS_PRIMARY, "overall: primary");
	is_int(v.n, 4, "four records read");
	for (i = 0; i < v.n; i++)
		ok(v.rec[i].holds == DNS_HOLDS_PRIMARY &&
		    v.rec[i].status == DNS_OK, "%s: primary", v.rec[i].owner);
	snprintf(want, sizeof(want), "127.0.0.1#%s", port);
	is_str(v.rec[0].server, want, "read from [dns] server#port");

	/* 2. The plan, as --dry-run prints it. */
	dnsupdate_plan(c, DNS_TO_BACKUP, &v, &p);
	is_int(p.zones[0].nchange, 3, "example.com: 3 records to change");
	is_int(p.zones[1].nchange, 1, "example.org: 1 record to change");
	is_int(p.nconflicts, 0, "no conflicts");
	plan_text(&p, buf, sizeof(buf));
	snprintf(want, sizeof(want), "www.example.com. A 192.0.2.10 -> "
	    "198.51.100.20 (rfc2136 via 127.0.0.1#%s)\n", port);
	ok(strstr(buf, want) != NULL, "plan line for www A");
	snprintf(want, sizeof(want), "www.example.com. AAAA 2001:db8::10 -> "
	    "2001:db8:1::20 (rfc2136 via 127.0.0.1#%s)\n", port);
	ok(strstr(buf, want) != NULL, "plan line for www AAAA");
	if (strstr(buf, want) == NULL)
		printf("# plan:\n%s", buf);
	dns_plan_free(&p);
	dns_view_free(&v);

	/* 3. Apply to the backup; dig shows it, serial bumped. */
	s1 = serial("example.com");
	r = move(c, DNS_TO_BACKUP, &p, &v);
	is_int(r, 0, "apply to backup");
	is_int(p.zones[0].result, DNS_OK, "example.com: ok");
	is_int(p.zones[1].result, DNS_OK, "example.org: ok");
	ok(p.zones[0].changed, "example.com: changed");
	ok(strstr(p.zones[0].message, "verified") != NULL,
	    "message says verified: %s", p.zones[0].message);
	s2 = serial("example.com");
	ok(s2 > s1, "example.com serial bumped (%ld -> %ld)", s1, s2);
	is_int(p.zones[0].serial, s2, "serial recorded as dig sees it");
	is_str(dig("www.example.com", "A"), "198.51.100.20", "dig www A");
	is_str(dig("www.example.com", "AAAA"), "2001:db8:1::20",
	    "dig www AAAA");
	is_str(dig("example.com", "A"), "198.51.100.20", "dig @ A");
	is_str(dig("www.example.org", "AAAA"), "2001:db8:1::20",
	    "dig www.example.org AAAA");
	is_str(dig_ttl("www.example.com", "A"), "42", "TTL is [dns] ttl");
	is_str(dig_ttl("shop.example.com", "AAAA"), "42", "TTL of AAAA too");
	is_str(dig("r1.example.com", "A"), "192.0.2.10",
	    "an unmanaged record is untouched");
	dns_plan_free(&p);
	dns_view_free(&v);

	/* 4. Again: nothing sent, serial unchanged. */
	s1 = serial("example.com");
	r = move(c, DNS_TO_BACKUP, &p, &v);
	is_int(v.overall, DNS_HOLDS_BACKUP, "view now: backup");
	is_int(r, 0, "apply again");
	is_int(p.zones[0].result, DNS_UNCHANGED, "example.com: unchanged");
	is_int(p.zones[1].result, DNS_UNCHANGED, "example.org: unchanged");
	ok(!p.zones[0].changed, "not changed");
	is_int(serial("example.com"), s1, "serial not changed");
	plan_text(&p, buf, sizeof(buf));
	ok(strstr(buf, "www.example.com. A 198.51.100.20 (unchanged: already "
	    "the backup's)") != NULL, "plan marks unchanged records");
	dns_plan_free(&p);
	dns_view_free(&v);
	cfg_free(c);

	/* 5. Wrong secret: BADSIG, nothing changed. */
	snprintf(badkey, sizeof(badkey), "%s/wrong-secret.key", ndir);
	write_key(badkey, "key \"fa-key\" {\n\talgorithm hmac-sha256;\n\t"
	    "secret \"c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmU=\";\n};\n");
	c = cfg_new(badkey, 1, org);
	r = move(c, DNS_TO_PRIMARY, &p, &v);
	is_int(r, -1, "wrong secret: apply fails");
	is_int(p.zones[0].result, DNS_ERR_BADSIG, "wrong secret: BADSIG");
	ok(strstr(p.zones[0].message, ": UPDATE refused: BADSIG: the server "
	    "rejected our TSIG signature: the key's secret differs from the "
	    "server's (key 'fa-key', hmac-sha256)") != NULL, "message: %s",
	    p.zones[0].message);
	ok(strstr(p.zones[0].message, "c2VjcmV0") == NULL,
	    "the secret is not in the message");
	ok(!p.zones[0].changed, "not changed");
	is_str(dig("www.example.org", "A"), "198.51.100.20",
	    "www.example.org still the backup's");
	dns_plan_free(&p);
	dns_view_free(&v);
	memset(&dl, 0, sizeof(dl));
	is_int(dnsupdate_probe(c, &dl), -1, "probe with the wrong secret fails");
	ok(dl.nerrors == 1 && strstr(dl.items[0].msg, "BADSIG") != NULL &&
	    strncmp(dl.items[0].msg, "test.conf:40: ", 14) == 0,
	    "probe: FILE:LINE: ... BADSIG: %s", dl.n ? dl.items[0].msg : "");
	diag_clear(&dl);
	cfg_free(c);

	/* 6. A key the server does not know: BADKEY. */
	snprintf(nokey, sizeof(nokey), "%s/unknown.key", ndir);
	write_key(nokey, "key \"nobody\" {\n\talgorithm hmac-sha256;\n\t"
	    "secret \"c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmU=\";\n};\n");
	c = cfg_new(nokey, 1, org);
	r = move(c, DNS_TO_PRIMARY, &p, &v);
	is_int(r, -1, "unknown key: apply fails");
	is_int(p.zones[0].result, DNS_ERR_BADKEY, "unknown key: BADKEY");
	ok(strstr(p.zones[0].message, "BADKEY") != NULL &&
	    strstr(p.zones[0].message, "'nobody'") != NULL, "message: %s",
	    p.zones[0].message);
	dns_plan_free(&p);
	dns_view_free(&v);
	memset(&dl, 0, sizeof(dl));
	is_int(dnsupdate_probe(c, &dl), -1, "probe with an unknown key fails");
	ok(dl.nerrors == 1 && strstr(dl.items[0].msg, "BADKEY") != NULL,
	    "probe says BADKEY: %s", dl.n ? dl.items[0].msg : "");
	diag_clear(&dl);
	cfg_free(c);

	/* 7. A record changed by hand to a third address: conflict. */
	if (nsupdate("example.com", "update delete shop.example.com A\n"
	    "update add shop.example.com 300 A 192.0.2.99") == -1)
		ok(0, "nsupdate by hand");
	c = cfg_new(keypath[3], 1, com);
	r = dns_view_read(c, &v);
	is_int(v.overall, DNS_HOLDS_OTHER, "a record by hand: view is OTHER");
	dnsupdate_plan(c, DNS_TO_PRIMARY, &v, &p);
	is_int(p.nconflicts, 1, "one conflict planned");
	is_int(p.zones[0].nchange, 1, "www still to change");
	plan_text(&p, buf, sizeof(buf));
	ok(strstr(buf, "shop.example.com. A 192.0.2.99 CONFLICT") != NULL,
	    "plan marks the conflict");
	if (strstr(buf, "CONFLICT") == NULL)
		printf("# plan:\n%s", buf);
	r = dnsupdate_apply(c, &p);
	is_int(r, -1, "apply with a conflict returns -1");
	is_int(p.zones[0].result, DNS_CONFLICT, "zone result: conflict");
	ok(p.zones[0].changed, "the other record was changed");
	ok(strstr(p.zones[0].message, "left alone (conflict): "
	    "shop.example.com. A 192.0.2.99 is neither site's address") !=
	    NULL, "message names exactly what differs: %s",
	    p.zones[0].message);
	is_str(dig("shop.example.com", "A"), "192.0.2.99",
	    "the conflicting record is left alone");
	is_str(dig("www.example.com", "A"), "192.0.2.10",
	    "www.example.com back to the primary");
	dns_plan_free(&p);
	dns_view_free(&v);

	/* 8. Changed between read and update: the prerequisite catches it. */
	static const char *www[] = { "example.com.:www" };
	cfg_free(c);
	c = cfg_new(keypath[3], 1, www);
	dns_view_read(c, &v);
	dnsupdate_plan(c, DNS_TO_BACKUP, &v, &p);
	nsupdate("example.com", "update delete www.example.com A\n"
	    "update add www.example.com 300 A 192.0.2.77");
	s1 = serial("example.com");
	r = dnsupdate_apply(c, &p);
	is_int(r, -1, "changed meanwhile: apply fails");
	is_int(p.zones[0].result, DNS_ERR_NXRRSET,
	    "value-dependent prerequisite: NXRRSET");
	ok(strstr(p.zones[0].message, "conflict") != NULL &&
	    strstr(p.zones[0].message, "192.0.2.77") != NULL,
	    "message: %s", p.zones[0].message);
	is_str(dig("www.example.com", "A"), "192.0.2.77", "left alone");
	is_int(serial("example.com"), s1, "nothing applied");
	dns_plan_free(&p);
	dns_view_free(&v);

	/* 9. ... or someone already did it: success. */
	nsupdate("example.com", "update delete www.example.com A\n"
	    "update add www.example.com 300 A 192.0.2.10");
	dns_view_read(c, &v);
	dnsupdate_plan(c, DNS_TO_BACKUP, &v, &p);
	nsupdate("example.com", "update delete www.example.com A\n"
	    "update delete www.example.com AAAA\n"
	    "update add www.example.com 300 A 198.51.100.20\n"
	    "update add www.example.com 300 AAAA 2001:db8:1::20");
	r = dnsupdate_apply(c, &p);
	is_int(r, 0, "done by someone else: apply succeeds");
	is_int(p.zones[0].result, DNS_OK, "result ok");
	ok(strstr(p.zones[0].message, "already done by someone else") != NULL,
	    "message: %s", p.zones[0].message);
	ok(!p.zones[0].changed, "we did not change it");
	dns_plan_free(&p);
	dns_view_free(&v);

	/* 10. An empty AAAA set: "RRset does not exist" prerequisite. */
	nsupdate("example.com", "update delete www.example.com AAAA");
	dns_view_read(c, &v);
	nsupdate("example.com",
	    "update add www.example.com 300 AAAA 2001:db8::77");
	/* the backup's A only: backup-partial, its AAAA pinned absent */
	dnsupdate_plan(c, DNS_TO_PRIMARY, &v, &p);
	is_int(p.zones[0].rec[0].status, DNS_OK,
	    "the backup's A only: partial, its A moves");
	r = dnsupdate_apply(c, &p);
	is_int(p.zones[0].result, DNS_ERR_YXRRSET,
	    "rrset-does-not-exist prerequisite: YXRRSET");
	is_str(dig("www.example.com", "AAAA"), "2001:db8::77", "left alone");
	dns_plan_free(&p);
	dns_view_free(&v);
	cfg_free(c);

	/* 11. Every algorithm BIND knows, each with its own key. */
	for (i = 0; i < FA_ARRAY_SIZE(algs); i++) {
		c = cfg_new(keypath[i], 1, org);
		/* www.example.org holds the backup's: alternate from there */
		r = move(c, i % 2 ? DNS_TO_BACKUP : DNS_TO_PRIMARY, &p, &v);
		is_int(r, 0, "%s: apply", algs[i][1]);
		is_int(p.zones[0].result, DNS_OK, "%s: result ok (%s)",
		    algs[i][1], p.zones[0].message);
		is_str(dig("www.example.org", "A"), i % 2 ? "198.51.100.20" :
		    "192.0.2.10", "%s: dig shows it", algs[i][1]);
		memset(&dl, 0, sizeof(dl));
		is_int(dnsupdate_probe(c, &dl), 0, "%s: probe ok",
		    algs[i][1]);
		if (dl.n > 0)
			printf("# %s\n", dl.items[0].msg);
		diag_clear(&dl);
		dns_plan_free(&p);
		dns_view_free(&v);
		cfg_free(c);
	}

	/* 12. A zone the server does not serve. */
	c = cfg_new(keypath[3], 1, unserved);
	r = dns_view_read(c, &v);
	is_int(r, -1, "unserved zone: view unreadable");
	is_int(v.overall, DNS_HOLDS_UNREADABLE, "overall: unreadable");
	ok(strstr(v.error, "refused") != NULL || strstr(v.error,
	    "not authoritative") != NULL, "view error: %s", v.error);
	/* Force a plan as if it had been read, to see the server's answer. */
	dnsupdate_plan(c, DNS_TO_BACKUP, &v, &p);
	p.zones[0].rec[0].status = DNS_OK;
	p.zones[0].rec[0].old_addrs = c->primary;
	p.zones[0].nchange = 1;
	r = dnsupdate_apply(c, &p);
	is_int(r, -1, "unserved zone: apply fails");
	ok(p.zones[0].result == DNS_ERR_NOTAUTH ||
	    p.zones[0].result == DNS_ERR_REFUSED, "NOTAUTH or REFUSED (%s)",
	    dns_status_str(p.zones[0].result));
	ok(strstr(p.zones[0].message, "unserved.example: UPDATE refused: "
	    "NOTAUTH: ") != NULL || strstr(p.zones[0].message,
	    "unserved.example: UPDATE refused: REFUSED: ") != NULL,
	    "message: %s", p.zones[0].message);
	dns_plan_free(&p);
	dns_view_free(&v);
	memset(&dl, 0, sizeof(dl));
	is_int(dnsupdate_probe(c, &dl), -1, "probe of an unserved zone fails");
	ok(dl.n == 1, "probe: %s", dl.n ? dl.items[0].msg : "");
	diag_clear(&dl);
	cfg_free(c);

	/* 13. Sixty records in one zone: one message, over TCP. */
	snprintf(big, sizeof(big), "example.net.:");
	for (i = 1; i <= 60; i++)
		snprintf(big + strlen(big), sizeof(big) - strlen(big), "r%zu ",
		    i);
	{
		const char *bz[] = { big };

		c = cfg_new(keypath[3], 1, bz);
	}
	s1 = serial("example.net");
	r = move(c, DNS_TO_BACKUP, &p, &v);
	is_int(r, 0, "60 records: apply");
	is_int(p.zones[0].nchange, 60, "60 changes in one zone");
	ok(strstr(p.zones[0].message, "over TCP") != NULL, "sent over TCP: %s",
	    p.zones[0].message);
	is_str(dig("r1.example.net", "A"), "198.51.100.20", "r1 changed");
	is_str(dig("r60.example.net", "AAAA"), "2001:db8:1::20", "r60 changed");
	is_int(serial("example.net"), s1 + 1, "one UPDATE: serial + 1");
	dns_plan_free(&p);
	dns_view_free(&v);
	cfg_free(c);

	/* 14. Nobody listening: a network error, not a hang. */
	c = cfg_new(keypath[3], 1, org);
	c->dns.port = 9;	/* discard: nothing listens on 127.0.0.1 */
	c->dns.timeout_ms = 1000;
	r = dns_view_read(c, &v);
	is_int(r, -1, "dead server: view unreadable");
	ok(v.rec[0].status == DNS_ERR_NETWORK ||
	    v.rec[0].status == DNS_ERR_TIMEOUT, "network or timeout (%s): %s",
	    dns_status_str(v.rec[0].status), v.error);
	dns_view_free(&v);
	memset(&dl, 0, sizeof(dl));
	is_int(dnsupdate_probe(c, &dl), -1, "probe of a dead server fails");
	ok(dl.n == 1 && strstr(dl.items[0].msg, "127.0.0.1#9") != NULL,
	    "probe names the server: %s", dl.n ? dl.items[0].msg : "");
	diag_clear(&dl);
	cfg_free(c);

	/*
	 * 15. The SOA MNAME lookup (used when [dns] server is unset), asked
	 * of named as a resolver would be; then a config without server
	 * and with [dns] resolver: reads, updates and verifies at the MNAME
	 * (ns1.example.org has glue 127.0.0.1 in the test zones).
	 */
	{
		struct dns_server res;

		if (dns_server_resolve("127.0.0.1", (uint16_t)atoi(port), &res,
		    err, sizeof(err)) != DNS_OK)
			ok(0, "resolve: %s", err);
		is_int(dns_discover_mname(&res, 1, "example.org.",
		    util_mono_ms() + 5000, mname, sizeof(mname), err,
		    sizeof(err)), DNS_OK, "SOA MNAME found: %s", err);
		is_str(mname, "ns1.example.org.", "MNAME of example.org");
		is_int(dns_discover_mname(&res, 1, "unserved.example.",
		    util_mono_ms() + 5000, mname, sizeof(mname), err,
		    sizeof(err)) == DNS_OK, 0, "no MNAME for a zone the "
		    "resolver does not know: %s", err);
	}
	c = cfg_new(keypath[3], 1, org);
	free(c->dns.server);
	c->dns.server = NULL;
	c->dns.resolver = util_xstrdup("127.0.0.1");
	c->dns.resolver_port = (uint16_t)atoi(port);
	r = move(c, DNS_TO_PRIMARY, &p, &v);
	snprintf(want, sizeof(want), "ns1.example.org (127.0.0.1#%s)", port);
	is_str(v.rec[0].server, want, "no [dns] server: read at the MNAME");
	is_int(r, 0, "no [dns] server: apply at the MNAME (%s)",
	    p.zones[0].message);
	ok(strstr(p.zones[0].message, want) != NULL, "the message names "
	    "the MNAME and its address: %s", p.zones[0].message);
	is_str(dig("www.example.org", "A"), "192.0.2.10",
	    "no [dns] server: dig shows the change");
	memset(&dl, 0, sizeof(dl));
	is_int(dnsupdate_probe(c, &dl), 0, "no [dns] server: probe ok");
	diag_clear(&dl);
	dns_plan_free(&p);
	dns_view_free(&v);
	/* The resolver does not answer: a clear error naming the zone. */
	c->dns.resolver_port = 9;
	c->dns.timeout_ms = 1000;
	r = dns_view_read(c, &v);
	is_int(r, -1, "resolver silent: view unreadable");
	ok(strstr(v.error, "SOA MNAME of example.org.") != NULL &&
	    strstr(v.error, "set [dns] server") != NULL, "error: %s", v.error);
	dns_view_free(&v);
	cfg_free(c);

	/*
	 * 16. BADTIME from the real server, without faking the system clock:
	 * sign a query as a host whose clock is 1000 s slow would (time
	 * signed = now - 1000) and judge the reply with that same slow
	 * "now".  Then a good reply judged by a clock 400 s off is refused.
	 */
	for (i = 3; i <= 4; i++) {
		struct tsig_key *k = NULL;
		struct dns_server srv;
		ldns_pkt *q = NULL;
		uint8_t *w = NULL, *rw = NULL;
		size_t wl = 0, rl = 0;
		int64_t now = util_wall_ms() / 1000;
		long long skew = 0;
		const char *e, *by;
		char num[32];
		bool tcp;
		enum dns_status st;

		if (tsig_key_load(keypath[i], &k, err, sizeof(err)) == -1 ||
		    dns_server_resolve("127.0.0.1", (uint16_t)atoi(port), &srv,
		    err, sizeof(err)) != DNS_OK) {
			ok(0, "setup: %s", err);
			tsig_key_free(k);
			continue;
		}
		ldns_pkt_query_new_frm_str(&q, "example.org.",
		    LDNS_RR_TYPE_SOA, LDNS_RR_CLASS_IN, 0);
		ldns_pkt_set_id(q, dns_random_id());
		tsig_sign_full(q, k, TSIG_FUDGE, NULL, (uint64_t)(now - 1000),
		    0, NULL, 0);
		ldns_pkt2wire(&w, q, &wl);
		st = dns_exchange(&srv, w, wl, util_mono_ms() + 5000, &rw, &rl,
		    &tcp, NULL, err, sizeof(err));
		is_int(st, DNS_OK, "%s: BIND answers a request signed 1000 s "
		    "ago", algs[i][1]);
		st = rfc2136_reply_check(k, q, rw, rl, now - 1000, "example.org",
		    srv.text, NULL, msg_buf(), 512);
		is_int(st, DNS_ERR_BADTIME, "%s: BADTIME from BIND", algs[i][1]);
		by = strstr(msg_buf(), "differs from ours by ");
		if (by != NULL) {
			snprintf(num, sizeof(num), "%s", by + 21);
			num[strcspn(num, " ")] = '\0';
			if (util_number_parse(num, 0, 100000, &skew, &e) == -1)
				skew = -1;
		}
		ok(skew >= 999 && skew <= 1001 &&
		    strstr(msg_buf(), "(fudge 300 s; the server is ahead)") &&
		    strstr(msg_buf(), "not verified") == NULL,
		    "%s: measured skew, reply verified: %s", algs[i][1],
		    msg_buf());
		free(rw);
		rw = NULL;
		ldns_pkt_free(q);
		free(w);
		w = NULL;

		/* A good reply, judged by a clock 400 s fast. */
		ldns_pkt_query_new_frm_str(&q, "example.org.",
		    LDNS_RR_TYPE_SOA, LDNS_RR_CLASS_IN, 0);
		ldns_pkt_set_id(q, dns_random_id());
		tsig_sign(q, k, TSIG_FUDGE, NULL);
		ldns_pkt2wire(&w, q, &wl);
		st = dns_exchange(&srv, w, wl, util_mono_ms() + 5000, &rw, &rl,
		    &tcp, NULL, err, sizeof(err));
		st = rfc2136_reply_check(k, q, rw, rl, util_wall_ms() / 1000,
		    "example.org", srv.text, NULL, msg_buf(), 512);
		is_int(st, DNS_OK, "%s: signed SOA query: good reply",
		    algs[i][1]);
		st = rfc2136_reply_check(k, q, rw, rl,
		    util_wall_ms() / 1000 + 400, "example.org", srv.text, NULL,
		    msg_buf(), 512);
		ok(st == DNS_ERR_BAD_REPLY && strstr(msg_buf(), "s away from "
		    "our clock") != NULL, "%s: reply time outside the fudge "
		    "refused: %s", algs[i][1], msg_buf());
		free(rw);
		ldns_pkt_free(q);
		free(w);
		tsig_key_free(k);
	}

	/*
	 * 17. Several zones in one run: each zone's UPDATE is sent in its
	 * own thread; every zone ends right, each with its own message.
	 */
	{
		static const char *three[] = { "example.com.:r70 r71",
		    "example.org.:www", "example.net.:r61 r62 r63" };

		c = cfg_new(keypath[3], 3, three);
		r = move(c, DNS_TO_BACKUP, &p, &v);
		is_int(r, 0, "three zones at once: apply");
		for (i = 0; i < 3; i++)
			ok(p.zones[i].result == DNS_OK && strncmp(
			    p.zones[i].message, c->zones[i].name,
			    strlen(c->zones[i].name) - 1) == 0,
			    "zone %zu: %s", i, p.zones[i].message);
		is_str(dig("r71.example.com", "AAAA"), "2001:db8:1::20",
		    "example.com changed");
		is_str(dig("r63.example.net", "A"), "198.51.100.20",
		    "example.net changed");
		dns_plan_free(&p);
		dns_view_free(&v);

		/* 18. The canary: accepted by every zone, nothing changes. */
		s1 = serial("example.com");
		s2 = serial("example.net");
		r = dnsupdate_canary(c, buf, sizeof(buf));
		is_int(r, 0, "canary accepted: %s", buf);
		ok(strstr(buf, "3 zones accept the canary: ") == buf &&
		    strstr(buf, "example.org: 127.0.0.1#") != NULL &&
		    strstr(buf, "accepts our signed UPDATE (key 'fa-key', "
		    "hmac-sha256)") != NULL, "canary message: %s", buf);
		is_int(serial("example.com"), s1, "canary: serial unchanged");
		is_int(serial("example.net"), s2, "canary: serial unchanged "
		    "(another zone)");
		cfg_free(c);
	}
	c = cfg_new(badkey, 1, org);
	s1 = serial("example.org");
	r = dnsupdate_canary(c, buf, sizeof(buf));
	is_int(r, -1, "canary with the wrong secret fails");
	ok(strstr(buf, "the canary failed for 1 of 1 zone: example.org: "
	    "BADSIG") == buf, "canary says BADSIG: %s", buf);
	is_int(serial("example.org"), s1, "failed canary: serial unchanged");
	cfg_free(c);
	for (i = 0; i < FA_ARRAY_SIZE(algs); i++) {
		c = cfg_new(keypath[i], 1, org);
		r = dnsupdate_canary(c, buf, sizeof(buf));
		ok(r == 0 && strstr(buf, algs[i][1]) != NULL,
		    "%s: canary accepted: %s", algs[i][1], buf);
		cfg_free(c);
	}

	/*
	 * 19. 1000 records with an IPv4 address only (FA_TEST_BIG_PORT:
	 * zone big.example, r1..r1000 holding 192.0.2.10): one UPDATE,
	 * over TCP (about 51 KiB), serial + 1.
	 */
	if (getenv("FA_TEST_BIG_PORT") != NULL) {
		const char *bport = getenv("FA_TEST_BIG_PORT");
		static char bigz[16384];
		const char *bz[] = { bigz };
		const char *e4;

		snprintf(bigz, sizeof(bigz), "big.example.:");
		for (i = 1; i <= 1000; i++)
			snprintf(bigz + strlen(bigz), sizeof(bigz) -
			    strlen(bigz), "r%zu ", i);
		char bkey[600];

		snprintf(bkey, sizeof(bkey), "%s/big/fa-key.key", ndir);
		c = cfg_new(bkey, 1, bz);
		c->dns.port = (uint16_t)atoi(bport);
		if (addrset_parse("192.0.2.10", &c->primary, &e4) == -1
		    || addrset_parse("198.51.100.20", &c->backup,
		    &e4) == -1)
			ok(0, "addrset: %s", e4);
		s1 = serial_at(bport, "big.example");
		r = move(c, DNS_TO_BACKUP, &p, &v);
		is_int(r, 0, "1000 records: apply: %s", p.zones[0].message);
		is_int(p.zones[0].nchange, 1000, "1000 changes in one zone");
		ok(strstr(p.zones[0].message, "took the update of 1000 records "
		    "(over TCP)") != NULL, "one UPDATE over TCP: %s",
		    p.zones[0].message);
		is_int(serial_at(bport, "big.example"), s1 + 1,
		    "one UPDATE: serial + 1");
		is_int(dig_count(bport, "r", 1000, "big.example", "A",
		    "198.51.100.20"), 1000, "dig: all 1000 hold the backup's");
		is_int(dig_count(bport, "r", 1000, "big.example", "A",
		    "192.0.2.10"), 0, "dig: none holds the primary's");
		{
			char bb[64];

			sh(bb, sizeof(bb), "dig +short +norec -p %s @127.0.0.1 "
			    "r777.big.example A", bport);
			is_str(bb, "198.51.100.20", "dig a sample: r777");
		}
		dns_plan_free(&p);
		dns_view_free(&v);
		cfg_free(c);
	} else
		ok(0, "FA_TEST_BIG_PORT is not set: the 1000-record zone was "
		    "not tested");

	/*
	 * 20. 1000 records with A and AAAA (about 130 KiB of change): more
	 * than one DNS message holds, so it goes in 3 UPDATEs, each
	 * conditional on its own records; serial + 3.
	 */
	{
		static char bigz[16384];
		const char *bz[] = { bigz };

		snprintf(bigz, sizeof(bigz), "split.example.:");
		for (i = 1; i <= 1000; i++)
			snprintf(bigz + strlen(bigz), sizeof(bigz) -
			    strlen(bigz), "r%zu ", i);
		c = cfg_new(keypath[3], 1, bz);
		s1 = serial("split.example");
		r = move(c, DNS_TO_BACKUP, &p, &v);
		is_int(r, 0, "1000 dual-stack records: apply: %s",
		    p.zones[0].message);
		ok(strstr(p.zones[0].message, "took the update of 1000 records "
		    "in 3 UPDATEs") != NULL, "split in 3 UPDATEs: %s",
		    p.zones[0].message);
		is_int(serial("split.example"), s1 + 3, "serial + 3");
		is_int(dig_count(port, "r", 1000, "split.example", "AAAA",
		    "2001:db8:1::20"), 1000, "dig: all 1000 AAAA are the "
		    "backup's");
		is_int(dig_count(port, "r", 1000, "split.example", "A",
		    "198.51.100.20"), 1000, "dig: all 1000 A are the backup's");
		dns_plan_free(&p);
		dns_view_free(&v);
		cfg_free(c);
	}

	return tap_done();
}
