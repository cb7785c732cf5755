/*
 * test_tsigkey.c: BIND key files as tsig-keygen writes them, the refusals,
 * and our TSIG MAC code against ldns's (the part BIND itself checks is in
 * t/30-rfc2136.t).
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ldns/ldns.h>

#include "agent/lib/util.h"
#include "dnsupdate/tsigkey.h"
#include "t/unit/tap.h"

static char dir[256];

static void
write_file(const char *name, const char *text, mode_t mode, char *path,
    size_t pathlen)
{
	FILE *f;

	snprintf(path, pathlen, "%s/%s", dir, name);
	if ((f = fopen(path, "w")) == NULL) {
		printf("Bail out! cannot write %s: %s\n", path, strerror(errno));
		exit(1);
	}
	fputs(text, f);
	fclose(f);
	chmod(path, mode);
}

/* The secret "..." text of a key file, for comparisons. */
static void
file_secret(const char *path, char *out, size_t outlen)
{
	char buf[4096], *p, *q;
	FILE *f;
	size_t n;

	out[0] = '\0';
	if ((f = fopen(path, "r")) == NULL)
		return;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	if ((p = strstr(buf, "secret \"")) == NULL)
		return;
	p += 8;
	if ((q = strchr(p, '"')) == NULL)
		return;
	*q = '\0';
	snprintf(out, outlen, "%s", p);
}

/* Load path expecting failure; the message must not hold the secret. */
static void
refused(const char *name, const char *text, mode_t mode, const char *want,
    const char *what)
{
	char path[512], err[512];
	struct tsig_key *k = (struct tsig_key *)1;
	int r;

	write_file(name, text, mode, path, sizeof(path));
	err[0] = '\0';
	r = tsig_key_load(path, &k, err, sizeof(err));
	ok(r == -1 && k == NULL, "%s: refused", what);
	ok(strstr(err, want) != NULL, "%s: message says '%s'", what, want);
	if (strstr(err, want) == NULL)
		printf("#   message: %s\n", err);
	ok(strstr(err, "c2VjcmV0") == NULL && strstr(err, "QUJD") == NULL,
	    "%s: message does not contain the secret", what);
	ok(strstr(err, path) != NULL, "%s: message names the file", what);
}

static ldns_pkt *
query_new(void)
{
	ldns_pkt *p = NULL;

	if (ldns_pkt_query_new_frm_str(&p, "www.example.com.", LDNS_RR_TYPE_A,
	    LDNS_RR_CLASS_IN, 0) != LDNS_STATUS_OK)
		return NULL;
	ldns_pkt_set_id(p, 4242);
	return p;
}

/* Sign a query and a response to it; check each verifies both ways. */
static void
mac_roundtrip(const struct tsig_key *k, const struct tsig_key *wrong)
{
	ldns_pkt *q = query_new(), *r = NULL, *parsed = NULL;
	uint8_t *wire = NULL, *rwire = NULL;
	size_t len = 0, rlen = 0;
	ldns_rdf *qmac;
	ldns_status st;
	bool native = tsig_key_ldns_native(k);

	st = tsig_sign(q, k, TSIG_FUDGE, NULL);
	is_int(st, LDNS_STATUS_OK, "%s: tsig_sign a query", k->algorithm);
	if (st != LDNS_STATUS_OK)
		goto done;
	ldns_pkt2wire(&wire, q, &len);
	ldns_wire2pkt(&parsed, wire, len);
	ok(tsig_verify_own(parsed, wire, len, k, NULL),
	    "%s: our code verifies the signed query", k->algorithm);
	ok(tsig_verify(parsed, wire, len, k, NULL),
	    "%s: tsig_verify verifies the signed query", k->algorithm);
	if (native)
		ok(ldns_pkt_tsig_verify(parsed, wire, len, k->name, k->secret,
		    NULL), "%s: ldns verifies it too", k->algorithm);
	ok(!tsig_verify(parsed, wire, len, wrong, NULL),
	    "%s: another key does not verify it", k->algorithm);
	wire[2] ^= 0x01;	/* flip the RD bit: same size, still parses */
	ldns_pkt_free(parsed);
	parsed = NULL;
	ldns_wire2pkt(&parsed, wire, len);
	ok(parsed != NULL && !tsig_verify(parsed, wire, len, k, NULL),
	    "%s: a changed bit fails", k->algorithm);
	ldns_pkt_free(parsed);
	parsed = NULL;

	/* A response signed (by our own code) over the request MAC. */
	qmac = ldns_rr_rdf(ldns_pkt_tsig(q), 3);
	r = query_new();
	ldns_pkt_set_qr(r, true);
	st = tsig_sign_full(r, k, TSIG_FUDGE, qmac,
	    (uint64_t)(util_wall_ms() / 1000), 0, NULL, 0);
	is_int(st, LDNS_STATUS_OK, "%s: tsig_sign_full a response",
	    k->algorithm);
	ldns_pkt2wire(&rwire, r, &rlen);
	ldns_wire2pkt(&parsed, rwire, rlen);
	ok(tsig_verify(parsed, rwire, rlen, k, qmac),
	    "%s: the response verifies against the request MAC", k->algorithm);
	if (native)
		ok(ldns_pkt_tsig_verify(parsed, rwire, rlen, k->name,
		    k->secret, qmac), "%s: ldns agrees with our MAC",
		    k->algorithm);
	ok(!tsig_verify(parsed, rwire, rlen, k, NULL),
	    "%s: but not without it", k->algorithm);
done:
	ldns_pkt_free(parsed);
	ldns_pkt_free(q);
	ldns_pkt_free(r);
	free(wire);
	free(rwire);
}

int
main(void)
{
	static const char *algs[] = { "hmac-md5", "hmac-sha1", "hmac-sha224",
	    "hmac-sha256", "hmac-sha384", "hmac-sha512" };
	struct tsig_key *keys[FA_ARRAY_SIZE(algs)], *k, *other;
	char path[512], cmd[1024], err[512], secret[256];
	const char *tmp;
	size_t i;
	ldns_pkt *p;

	tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	snprintf(dir, sizeof(dir), "%s/fa-tsigkey.XXXXXX", tmp);
	if (mkdtemp(dir) == NULL) {
		printf("Bail out! mkdtemp: %s\n", strerror(errno));
		return 1;
	}

	/* Real tsig-keygen output, every algorithm. */
	for (i = 0; i < FA_ARRAY_SIZE(algs); i++) {
		snprintf(path, sizeof(path), "%s/%s.key", dir, algs[i]);
		snprintf(cmd, sizeof(cmd), "umask 077; tsig-keygen -a %s "
		    "Key-%s > '%s'", algs[i], algs[i], path);
		if (system(cmd) != 0) {
			printf("Bail out! tsig-keygen failed (bind9-utils "
			    "installed?)\n");
			return 1;
		}
		keys[i] = NULL;
		err[0] = '\0';
		ok(tsig_key_load(path, &keys[i], err, sizeof(err)) == 0,
		    "tsig-keygen -a %s: loads", algs[i]);
		if (keys[i] == NULL) {
			printf("#   %s\n", err);
			return 1;
		}
		snprintf(cmd, sizeof(cmd), "key-%s.", algs[i]);
		is_str(keys[i]->name, cmd, "%s: name lower case, absolute",
		    algs[i]);
		is_str(keys[i]->algorithm, algs[i], "%s: algorithm", algs[i]);
		file_secret(path, secret, sizeof(secret));
		is_str(keys[i]->secret, secret, "%s: secret as in the file",
		    algs[i]);
	}
	is_str(tsig_key_wire_algorithm(keys[0]), "hmac-md5.sig-alg.reg.int.",
	    "hmac-md5 goes on the wire under its long name");
	is_str(tsig_key_wire_algorithm(keys[4]), "hmac-sha384.",
	    "hmac-sha384 goes on the wire as hmac-sha384.");

	/* Layout variations BIND accepts. */
	write_file("var1.key",
	    "# made by hand\n"
	    "// a comment\n"
	    "/* a\n   block */ key fa-key{algorithm HMAC-SHA512;secret\n"
	    "  \"c2VjcmV0c2VjcmV0\n c2VjcmV0\";} ;\n", 0600, path,
	    sizeof(path));
	k = NULL;
	ok(tsig_key_load(path, &k, err, sizeof(err)) == 0,
	    "comments, unquoted name, odd white space: loads");
	if (k != NULL) {
		is_str(k->name, "fa-key.", "unquoted name");
		is_str(k->algorithm, "hmac-sha512", "algorithm normalised");
		is_str(k->secret, "c2VjcmV0c2VjcmV0c2VjcmV0",
		    "white space inside the secret dropped");
	} else
		printf("#   %s\n", err);
	tsig_key_free(k);
	write_file("var2.key", "key \"old.example.\" { algorithm "
	    "hmac-md5.sig-alg.reg.int; secret \"c2VjcmV0\"; };", 0400, path,
	    sizeof(path));
	k = NULL;
	ok(tsig_key_load(path, &k, err, sizeof(err)) == 0,
	    "one line, long md5 name, mode 0400: loads");
	if (k != NULL) {
		is_str(k->name, "old.example.", "absolute name kept");
		is_str(k->algorithm, "hmac-md5", "long md5 name normalised");
	}
	tsig_key_free(k);

	/* Refusals. */
	refused("nosecret.key", "key \"a\" { algorithm hmac-sha256; };\n",
	    0600, "has no secret", "missing secret");
	refused("noalg.key", "key \"a\" { secret \"c2VjcmV0\"; };\n", 0600,
	    "has no algorithm", "missing algorithm");
	refused("badalg.key", "key \"a\" {\n algorithm hmac-sha3;\n"
	    " secret \"c2VjcmV0\";\n};\n", 0600,
	    ":2: unsupported algorithm 'hmac-sha3'", "bad algorithm");
	refused("trunc.key", "key \"a\" { algorithm hmac-sha256-128; "
	    "secret \"c2VjcmV0\"; };\n", 0600, "unsupported algorithm",
	    "truncated algorithm");
	refused("badb64.key", "key \"a\" { algorithm hmac-sha256; "
	    "secret \"c2VjcmV0!QUJD\"; };\n", 0600, "not valid base64",
	    "bad base64");
	refused("empty.key", "# nothing\n", 0600, "no key found",
	    "no key at all");
	refused("two.key", "key a { algorithm hmac-sha256; secret "
	    "\"c2VjcmV0\"; };\nkey b { algorithm hmac-sha256; secret "
	    "\"QUJD\"; };\n", 0600, "more than one key", "two keys");
	refused("junk.key", "key \"a\" { algorithm hmac-sha256; secret "
	    "\"c2VjcmV0\"; owner x; };\n", 0600, "unknown statement 'owner'",
	    "unknown statement");
	refused("unterminated.key", "key \"a\" { algorithm hmac-sha256; "
	    "secret \"c2VjcmV0; };\n", 0600, "unterminated",
	    "unterminated string");
	refused("loose.key", "key \"a\" { algorithm hmac-sha256; secret "
	    "\"c2VjcmV0\"; };\n", 0644, "readable by group or others",
	    "mode 0644");
	refused("gw.key", "key \"a\" { algorithm hmac-sha256; secret "
	    "\"c2VjcmV0\"; };\n", 0620, "writable by group or others",
	    "mode 0620");
	k = (struct tsig_key *)1;
	snprintf(path, sizeof(path), "%s/missing.key", dir);
	ok(tsig_key_load(path, &k, err, sizeof(err)) == -1 && k == NULL &&
	    strstr(err, "missing.key") != NULL, "missing file: refused, named");

	/* Our MAC code, against ldns where ldns can, for every algorithm. */
	for (i = 0; i < FA_ARRAY_SIZE(algs); i++)
		mac_roundtrip(keys[i], keys[(i + 1) % FA_ARRAY_SIZE(algs)]);

	/* Same algorithm, other secret: must not verify. */
	write_file("other.key", "key \"key-hmac-sha384\" { algorithm "
	    "hmac-sha384; secret \"c2VjcmV0c2VjcmV0\"; };\n", 0600, path,
	    sizeof(path));
	other = NULL;
	if (tsig_key_load(path, &other, err, sizeof(err)) == 0) {
		uint8_t *wire = NULL;
		size_t len = 0;
		ldns_pkt *parsed = NULL;

		p = query_new();
		tsig_sign(p, keys[4], TSIG_FUDGE, NULL);
		ldns_pkt2wire(&wire, p, &len);
		ldns_wire2pkt(&parsed, wire, len);
		ok(!tsig_verify(parsed, wire, len, other, NULL),
		    "hmac-sha384: same name, other secret: does not verify");
		ldns_pkt_free(parsed);
		ldns_pkt_free(p);
		free(wire);
	} else
		ok(0, "other.key loads: %s", err);
	tsig_key_free(other);

	for (i = 0; i < FA_ARRAY_SIZE(algs); i++)
		tsig_key_free(keys[i]);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", dir);
	return tap_done();
}
