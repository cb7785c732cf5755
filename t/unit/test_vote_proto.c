/*
 * test_vote_proto.c: the vote protocol core (quorum/PROTOCOL.md) and the quorum
 * rule
 * (failover-agent(8), THE QUORUM): HMAC-SHA256 against RFC 4231, the canonical
 * string, the
 * signed request, the shared secret file, response verification with each
 * field tampered, the tally as a table, listen addresses.
 *
 * Expected MACs other than RFC 4231's were computed with the openssl CLI,
 * not with this code:
 *   printf 'GET\n/v1/vote\n...' | openssl dgst -sha256 -hmac KEY
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/lib/log.h"
#include "agent/lib/util.h"
#include "quorum/quorum.h"
#include "t/unit/tap.h"

#define KEY64	"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define NONCE	"00112233445566778899aabbccddeeff"
#define QUERY	"target=primary&from=backup-ovh&ts=1700000000&nonce=" NONCE
/* openssl dgst -sha256 -hmac KEY64 over "GET\n/v1/vote\n" QUERY */
#define QUERY_MAC \
	"0a029dfb1c069d243742bc0db5b0e07a41a22a6918e9f87213bb9e7b4fec9e32"

static char tmpdir[PATH_MAX];

static void
write_file(const char *path, const char *content, size_t len, mode_t mode)
{
	FILE	*f;

	unlink(path);
	if ((f = fopen(path, "w")) == NULL)
		fatal("fopen %s", path);
	if (fwrite(content, 1, len, f) != len)
		fatal("fwrite %s", path);
	if (fclose(f) != 0)
		fatal("fclose %s", path);
	if (chmod(path, mode) == -1)
		fatal("chmod %s", path);
}

/* ---------------------------------------------------------------------- */

static void
test_rfc4231(void)
{
	static const char *const case7 = "This is a test using a larger than"
	    " block-size key and a larger than block-size data. The key needs"
	    " to be hashed before being used by the HMAC algorithm.";
	unsigned char	key[131], data[50];
	char		hex[VOTE_MAC_HEX_LEN + 1];
	size_t		i;

	/* Test case 1 (RFC 4231 section 4.2). */
	memset(key, 0x0b, 20);
	ok(vote_hmac_hex(key, 20, "Hi There", 8, hex) == 0, "rfc4231 1 runs");
	is_str(hex, "b0344c61d8db38535ca8afceaf0bf12b"
	    "881dc200c9833da726e9376c2e32cff7", "rfc4231 case 1");
	/* Test case 2: a key shorter than the output. */
	vote_hmac_hex("Jefe", 4, "what do ya want for nothing?", 28, hex);
	is_str(hex, "5bdcc146bf60754e6a042426089575c7"
	    "5a003f089d2739839dec58b964ec3843", "rfc4231 case 2");
	/* Test case 3: 0xaa * 20 over 0xdd * 50. */
	memset(key, 0xaa, 20);
	memset(data, 0xdd, 50);
	vote_hmac_hex(key, 20, data, 50, hex);
	is_str(hex, "773ea91e36800e46854db8ebd09181a7"
	    "2959098b3ef8c122d9635514ced565fe", "rfc4231 case 3");
	/* Test case 4: 0x01..0x19 over 0xcd * 50. */
	for (i = 0; i < 25; i++)
		key[i] = (unsigned char)(i + 1);
	memset(data, 0xcd, 50);
	vote_hmac_hex(key, 25, data, 50, hex);
	is_str(hex, "82558a389a443c0ea4cc819899f2083a"
	    "85f0faa3e578f8077a2e3ff46729665b", "rfc4231 case 4");
	/* Test case 6: a key longer than the block, hashed first. */
	memset(key, 0xaa, 131);
	vote_hmac_hex(key, 131,
	    "Test Using Larger Than Block-Size Key - Hash Key First", 54, hex);
	is_str(hex, "60e431591ee0b67f0d8a26aacbf5b77f"
	    "8e0bc6213728c5140546040f0ee37f54", "rfc4231 case 6");
	/* Test case 7: long key and long data. */
	vote_hmac_hex(key, 131, case7, strlen(case7), hex);
	is_str(hex, "9b09ffa71b942fcb27635fbcd5b0e944"
	    "bfdc63644f0713938a7f51535c3a35e2", "rfc4231 case 7");
}

static void
test_mac_check(void)
{
	struct vote_secret	*s = vote_secret_new(KEY64, 64);
	char			 canon[512], upper[VOTE_MAC_HEX_LEN + 1];
	char			 wrong[VOTE_MAC_HEX_LEN + 1];
	size_t			 i;
	int			 n;

	ok(s != NULL, "secret from 64 bytes");
	ok(vote_secret_new(KEY64, 31) == NULL, "a 31-byte secret is refused");
	n = vote_canonical_string(QUERY, canon, sizeof(canon));
	is_str(canon, "GET\n/v1/vote\n" QUERY, "canonical string");
	is_int(n, strlen("GET\n/v1/vote\n" QUERY), "canonical length");
	is_int(vote_canonical_string(QUERY, canon, 20), -1,
	    "canonical string: short buffer refused");
	n = vote_canonical_string(QUERY, canon, sizeof(canon));
	ok(vote_mac_check(s, canon, (size_t)n, QUERY_MAC),
	    "MAC check: openssl's MAC accepted");
	for (i = 0; i < VOTE_MAC_HEX_LEN; i++)
		upper[i] = (char)(QUERY_MAC[i] >= 'a' ? QUERY_MAC[i] - 32 :
		    QUERY_MAC[i]);
	upper[VOTE_MAC_HEX_LEN] = '\0';
	ok(vote_mac_check(s, canon, (size_t)n, upper),
	    "MAC check: upper-case hex accepted");
	memcpy(wrong, QUERY_MAC, sizeof(wrong));
	wrong[63] = wrong[63] == '0' ? '1' : '0';
	ok(!vote_mac_check(s, canon, (size_t)n, wrong),
	    "MAC check: last digit changed refused");
	ok(!vote_mac_check(s, canon, (size_t)n - 1, QUERY_MAC),
	    "MAC check: message one byte shorter refused");
	ok(!vote_mac_check(s, canon, (size_t)n, QUERY_MAC "0"),
	    "MAC check: 65 digits refused");
	wrong[63] = '\0';
	ok(!vote_mac_check(s, canon, (size_t)n, wrong),
	    "MAC check: 63 digits refused");
	ok(!vote_mac_check(s, canon, (size_t)n, NULL), "MAC check: NULL");
	ok(!vote_mac_check(s, canon, (size_t)n, "zz029dfb1c069d243742bc0db5b0e0"
	    "7a41a22a6918e9f87213bb9e7b4fec9e32"), "MAC check: non-hex refused");
	vote_secret_free(s);
}

static void
test_request(void)
{
	struct vote_secret	*s = vote_secret_new(KEY64, 64);
	struct vote_request	 a, b;
	char			 canon[512];
	size_t			 i;
	bool			 hex = true;
	char			 name64[65];

	ok(vote_request_build(s, "backup-ovh", 1700000000, NONCE, &a) == 0,
	    "request: built");
	is_str(a.query, QUERY, "request: query string");
	is_str(a.authorization, "FA-HMAC-SHA256 " QUERY_MAC,
	    "request: Authorization matches openssl's MAC");
	is_str(a.nonce, NONCE, "request: nonce kept");
	is_int(a.ts, 1700000000, "request: ts kept");
	vote_canonical_string(a.query, canon, sizeof(canon));
	ok(vote_mac_check(s, canon, strlen(canon),
	    a.authorization + strlen("FA-HMAC-SHA256 ")),
	    "request: MAC over the canonical string");

	ok(vote_request_build(s, "paris", 1700000001, NULL, &a) == 0 &&
	    vote_request_build(s, "paris", 1700000001, NULL, &b) == 0,
	    "request: random nonces");
	for (i = 0; i < VOTE_NONCE_HEX_LEN; i++)
		if (!((a.nonce[i] >= '0' && a.nonce[i] <= '9') ||
		    (a.nonce[i] >= 'a' && a.nonce[i] <= 'f')))
			hex = false;
	ok(hex && strlen(a.nonce) == VOTE_NONCE_HEX_LEN,
	    "request: random nonce is 32 lowercase hex digits");
	ok(strcmp(a.nonce, b.nonce) != 0, "request: two nonces differ");
	ok(strstr(a.query, a.nonce) != NULL, "request: nonce in the query");

	memset(name64, 'a', 64);
	name64[64] = '\0';
	const char *bad_from[] = { "", "a b", "a&b", "a=b", "caf\xc3\xa9",
	    name64 };
	for (i = 0; i < FA_ARRAY_SIZE(bad_from); i++)
		ok(vote_request_build(s, bad_from[i], 1, NULL, &a) == -1 &&
		    a.query[0] == '\0', "request: from '%s' refused",
		    bad_from[i]);
	name64[63] = '\0';
	ok(vote_request_build(s, name64, 1, NULL, &a) == 0,
	    "request: a 63-character name is fine");
	const char *bad_nonce[] = { "", "0011", NONCE "0",
	    "00112233445566778899AABBCCDDEEFF", "0011223344556677889gaabbccddeeff" };
	for (i = 0; i < FA_ARRAY_SIZE(bad_nonce); i++)
		ok(vote_request_build(s, "paris", 1, bad_nonce[i], &a) == -1,
		    "request: nonce '%s' refused", bad_nonce[i]);
	ok(vote_request_build(s, "paris", -1, NULL, &a) == -1,
	    "request: negative ts refused");
	vote_secret_free(s);
}

static void
test_secret_file(void)
{
	struct vote_secret	*s = NULL;
	char			 path[PATH_MAX + 32], err[512];

	snprintf(path, sizeof(path), "%s/vote.key", tmpdir);
	write_file(path, KEY64 "\n", 65, 0600);
	ok(vote_secret_load(path, &s, err, sizeof(err)) == 0, "secret: loads");
	ok(s != NULL && s->len == 64 && memcmp(s->key, KEY64, 64) == 0,
	    "secret: the line without its newline");
	vote_secret_free(s);

	write_file(path, KEY64 "\r\n", 66, 0600);
	ok(vote_secret_load(path, &s, err, sizeof(err)) == 0 && s->len == 64,
	    "secret: CRLF stripped");
	vote_secret_free(s);

	write_file(path, KEY64, 64, 0400);
	ok(vote_secret_load(path, &s, err, sizeof(err)) == 0 && s->len == 64,
	    "secret: no newline at all, mode 0400");
	vote_secret_free(s);

	write_file(path, "0123456789abcdef0123456789abcde\n", 32, 0600);
	ok(vote_secret_load(path, &s, err, sizeof(err)) == -1 && s == NULL,
	    "secret: 31 characters refused");
	ok(strstr(err, "fewer than 32") != NULL, "secret: says why (%s)", err);
	ok(strstr(err, "0123456789abcde") == NULL,
	    "secret: the message does not show the secret");

	write_file(path, KEY64 "\n", 65, 0644);
	ok(vote_secret_load(path, &s, err, sizeof(err)) == -1,
	    "secret: mode 0644 refused");
	ok(strstr(err, "chmod 600") != NULL, "secret: says the fix (%s)", err);

	write_file(path, KEY64 "\n" KEY64 "\n", 130, 0600);
	ok(vote_secret_load(path, &s, err, sizeof(err)) == -1 &&
	    strstr(err, "more than one line") != NULL,
	    "secret: two lines refused (%s)", err);
	ok(strstr(err, KEY64) == NULL, "secret: not in the message");

	snprintf(path, sizeof(path), "%s/missing.key", tmpdir);
	ok(vote_secret_load(path, &s, err, sizeof(err)) == -1,
	    "secret: missing file refused (%s)", err);
	vote_secret_free(NULL);
}

static void
test_names(void)
{
	int	i;

	for (i = 0; i < VOTE_VERDICT_MAX; i++)
		is_int(vote_verdict_from_str(vote_verdict_str(i)), i,
		    "verdict %s round trip", vote_verdict_str(i));
	is_int(vote_verdict_from_str("UP"), -1, "verdict: case matters");
	is_int(vote_verdict_from_str(NULL), -1, "verdict: NULL");
	for (i = 0; i < VOTE_REASON_MAX; i++)
		is_int(vote_reason_from_str(vote_reason_str(i)), i,
		    "reason %s round trip", vote_reason_str(i));
	is_str(vote_reason_str(VOTE_NO_ANSWER), "no-answer", "no-answer");
	is_str(vote_reason_str(VOTE_HTTP_STATUS), "http-status", "http-status");
	is_str(vote_reason_str(VOTE_BAD_SIGNATURE), "bad-signature",
	    "bad-signature");
	is_str(vote_reason_str(VOTE_NONCE_MISMATCH), "nonce-mismatch",
	    "nonce-mismatch");
	is_str(vote_reason_str(VOTE_TARGET_MISMATCH), "target-mismatch",
	    "target-mismatch");
	is_str(vote_reason_str(VOTE_MALFORMED), "malformed", "malformed");
	is_str(vote_reason_str(VOTE_REASON_MAX), "invalid", "out of range");
	ok(vote_name_valid("backup-ovh") && vote_name_valid("spare_1.paris"),
	    "names: letters, digits, '.', '_', '-'");
	ok(!vote_name_valid(NULL) && !vote_name_valid("") &&
	    !vote_name_valid("a/b") && !vote_name_valid("a%20b"),
	    "names: empty, '/', '%%' refused");
}

/* ---------------------------------------------------------------------- */
/* Responses. */

struct tamper {
	const char		*what;
	const char		*body;		/* signed with the right secret */
	enum vote_reason	 want;
};

static void
test_response(void)
{
	struct vote_secret	*s = vote_secret_new(KEY64, 64);
	struct vote_secret	*other = vote_secret_new(KEY64 "x", 65);
	struct vote_request	 req;
	struct vote		 v;
	char			*body = NULL, sig[VOTE_MAC_HEX_LEN + 1];
	char			 sig2[VOTE_MAC_HEX_LEN + 1], detail[160];
	char			*copy, big[VOTE_BODY_MAX + 2];
	size_t			 len, i;
	enum vote_reason	 r;

	vote_request_build(s, "backup-ovh", 1700000000, NONCE, &req);
	ok(vote_response_build(s, "paris", "primary", VOTE_VERDICT_DOWN,
	    1699999990, 15, 1700000001, NONCE, &body, &len, sig) == 0,
	    "response: built");
	is_str(body, "{\"voter\":\"paris\",\"target\":\"primary\","
	    "\"verdict\":\"down\",\"checked_at\":1699999990,"
	    "\"max_age\":15,\"ts\":1700000001,\"nonce\":\"" NONCE "\"}",
	    "response: the body of quorum/PROTOCOL.md §5");
	vote_hmac_hex(KEY64, 64, body, len, sig2);
	is_str(sig, sig2, "response: signature is the HMAC of the body");

	r = vote_response_verify(s, &req, sig, body, len, &v, detail,
	    sizeof(detail));
	is_str(vote_reason_str(r), "valid", "response: verifies");
	is_str(v.voter, "paris", "response: voter");
	is_int(v.verdict, VOTE_VERDICT_DOWN, "response: verdict");
	is_int(v.checked_at, 1699999990, "response: checked_at");
	is_int(v.ts, 1700000001, "response: ts");
	is_int(v.max_age, 15, "response: max_age");
	for (i = 0; i < VOTE_MAC_HEX_LEN; i++)
		sig2[i] = (char)(sig[i] >= 'a' ? sig[i] - 32 : sig[i]);
	r = vote_response_verify(s, &req, sig2, body, len, &v, NULL, 0);
	is_str(vote_reason_str(r), "valid", "response: upper-case signature");

	/* The signature: missing, wrong secret, cut, body changed. */
	r = vote_response_verify(s, &req, NULL, body, len, &v, detail,
	    sizeof(detail));
	is_str(vote_reason_str(r), "bad-signature", "no signature");
	ok(v.voter[0] == '\0' && v.checked_at == 0, "refused: vote zeroed");
	vote_mac_hex(other, body, len, sig2);
	r = vote_response_verify(s, &req, sig2, body, len, &v, detail,
	    sizeof(detail));
	is_str(vote_reason_str(r), "bad-signature",
	    "signature under another secret (%s)", detail);
	memcpy(sig2, sig, sizeof(sig2));
	sig2[40] = '\0';
	r = vote_response_verify(s, &req, sig2, body, len, &v, NULL, 0);
	is_str(vote_reason_str(r), "bad-signature", "signature cut short");
	r = vote_response_verify(s, &req, "", body, len, &v, NULL, 0);
	is_str(vote_reason_str(r), "bad-signature", "empty signature");
	copy = util_xstrdup(body);
	memcpy(strstr(copy, "\"down\""), "\"up\"  ", 6);	/* still JSON */
	r = vote_response_verify(s, &req, sig, copy, strlen(copy), &v, NULL,
	    0);
	is_str(vote_reason_str(r), "bad-signature", "verdict changed, old"
	    " signature");
	free(copy);
	r = vote_response_verify(s, &req, sig, body, len - 1, &v, NULL, 0);
	is_str(vote_reason_str(r), "bad-signature", "body cut, old signature");
	copy = util_xstrdup(body);
	copy[len - 2] = 'f';	/* a byte of the nonce */
	r = vote_response_verify(s, &req, sig, copy, len, &v, NULL, 0);
	is_str(vote_reason_str(r), "bad-signature", "nonce byte flipped, old"
	    " signature");
	free(copy);

	/* Each field wrong, re-signed with the right secret. */
	static const struct tamper tampered[] = {
	    { "nonce of another request",
	      "{\"voter\":\"paris\",\"target\":\"primary\",\"verdict\":\"down\","
	      "\"checked_at\":1,\"ts\":2,\"nonce\":"
	      "\"ffeeddccbbaa99887766554433221100\"}", VOTE_NONCE_MISMATCH },
	    { "nonce upper-case",
	      "{\"voter\":\"paris\",\"target\":\"primary\",\"verdict\":\"down\","
	      "\"checked_at\":1,\"ts\":2,\"nonce\":"
	      "\"00112233445566778899AABBCCDDEEFF\"}", VOTE_NONCE_MISMATCH },
	    { "another target",
	      "{\"voter\":\"paris\",\"target\":\"backup\",\"verdict\":\"down\","
	      "\"checked_at\":1,\"ts\":2,\"nonce\":\"" NONCE "\"}",
	      VOTE_TARGET_MISMATCH },
	    { "a URL as target",
	      "{\"voter\":\"paris\",\"target\":\"http://192.0.2.1/\","
	      "\"verdict\":\"up\",\"checked_at\":1,\"ts\":2,"
	      "\"nonce\":\"" NONCE "\"}", VOTE_TARGET_MISMATCH },
	    { "verdict maybe",
	      "{\"voter\":\"paris\",\"target\":\"primary\",\"verdict\":\"maybe\","
	      "\"checked_at\":1,\"ts\":2,\"nonce\":\"" NONCE "\"}",
	      VOTE_MALFORMED },
	    { "verdict UP",
	      "{\"voter\":\"paris\",\"target\":\"primary\",\"verdict\":\"UP\","
	      "\"checked_at\":1,\"ts\":2,\"nonce\":\"" NONCE "\"}",
	      VOTE_MALFORMED },
	    { "verdict a number",
	      "{\"voter\":\"paris\",\"target\":\"primary\",\"verdict\":1,"
	      "\"checked_at\":1,\"ts\":2,\"nonce\":\"" NONCE "\"}",
	      VOTE_MALFORMED },
	    { "verdict missing",
	      "{\"voter\":\"paris\",\"target\":\"primary\","
	      "\"checked_at\":1,\"ts\":2,\"nonce\":\"" NONCE "\"}",
	      VOTE_MALFORMED },
	    { "voter missing",
	      "{\"target\":\"primary\",\"verdict\":\"down\","
	      "\"checked_at\":1,\"ts\":2,\"nonce\":\"" NONCE "\"}",
	      VOTE_MALFORMED },
	    { "voter not a name",
	      "{\"voter\":\"par is\",\"target\":\"primary\",\"verdict\":\"down\","
	      "\"checked_at\":1,\"ts\":2,\"nonce\":\"" NONCE "\"}",
	      VOTE_MALFORMED },
	    { "target missing",
	      "{\"voter\":\"paris\",\"verdict\":\"down\","
	      "\"checked_at\":1,\"ts\":2,\"nonce\":\"" NONCE "\"}",
	      VOTE_MALFORMED },
	    { "nonce missing",
	      "{\"voter\":\"paris\",\"target\":\"primary\",\"verdict\":\"down\","
	      "\"checked_at\":1,\"ts\":2}", VOTE_MALFORMED },
	    { "checked_at a string",
	      "{\"voter\":\"paris\",\"target\":\"primary\",\"verdict\":\"down\","
	      "\"checked_at\":\"1\",\"ts\":2,\"nonce\":\"" NONCE "\"}",
	      VOTE_MALFORMED },
	    { "checked_at missing",
	      "{\"voter\":\"paris\",\"target\":\"primary\",\"verdict\":\"down\","
	      "\"ts\":2,\"nonce\":\"" NONCE "\"}", VOTE_MALFORMED },
	    { "ts negative",
	      "{\"voter\":\"paris\",\"target\":\"primary\",\"verdict\":\"down\","
	      "\"checked_at\":1,\"ts\":-2,\"nonce\":\"" NONCE "\"}",
	      VOTE_MALFORMED },
	    { "ts a float",
	      "{\"voter\":\"paris\",\"target\":\"primary\",\"verdict\":\"down\","
	      "\"checked_at\":1,\"ts\":2.5,\"nonce\":\"" NONCE "\"}",
	      VOTE_MALFORMED },
	    { "two verdicts",
	      "{\"voter\":\"paris\",\"target\":\"primary\",\"verdict\":\"down\","
	      "\"verdict\":\"up\",\"checked_at\":1,\"ts\":2,"
	      "\"nonce\":\"" NONCE "\"}", VOTE_MALFORMED },
	    { "an array", "[\"paris\",\"primary\",\"down\"]", VOTE_MALFORMED },
	    { "not JSON", "down", VOTE_MALFORMED },
	    { "empty", "", VOTE_MALFORMED },
	    { "an extra key is fine",
	      "{\"voter\":\"paris\",\"target\":\"primary\",\"verdict\":\"up\","
	      "\"checked_at\":1,\"ts\":2,\"nonce\":\"" NONCE "\","
	      "\"note\":\"x\"}", VOTE_VALID },
	};
	for (i = 0; i < FA_ARRAY_SIZE(tampered); i++) {
		const struct tamper *t = &tampered[i];

		vote_mac_hex(s, t->body, strlen(t->body), sig2);
		r = vote_response_verify(s, &req, sig2, t->body,
		    strlen(t->body), &v, detail, sizeof(detail));
		is_str(vote_reason_str(r), vote_reason_str(t->want),
		    "%s -> %s (%s)", t->what, vote_reason_str(t->want),
		    detail);
	}

	/* Size: refused before anything else. */
	memset(big, ' ', sizeof(big));
	memcpy(big, body, len);
	big[VOTE_BODY_MAX + 1] = '\0';
	vote_mac_hex(s, big, VOTE_BODY_MAX + 1, sig2);
	r = vote_response_verify(s, &req, sig2, big, VOTE_BODY_MAX + 1, &v,
	    NULL, 0);
	is_str(vote_reason_str(r), "too-large", "a body over 4 KiB");
	vote_mac_hex(s, big, VOTE_BODY_MAX, sig2);
	r = vote_response_verify(s, &req, sig2, big, VOTE_BODY_MAX, &v, NULL,
	    0);
	is_str(vote_reason_str(r), "valid", "a body of exactly 4 KiB"
	    " (trailing white space)");

	ok(vote_response_build(s, "par is", "primary", VOTE_VERDICT_UP, 1, 10,
	    2, NONCE, &copy, &len, sig2) == -1 && copy == NULL,
	    "response: invalid voter name refused");
	free(body);
	vote_secret_free(s);
	vote_secret_free(other);
}

/* ---------------------------------------------------------------------- */
/* The tally. */

/*
 * One letter a spare: u/d/? a valid up/down/unknown vote; x no answer;
 * B a bad signature and D a duplicate voter, both carrying a verdict that
 * must not count (up and down).
 */
static size_t
results_from(const char *spec, struct vote_result *res, size_t max)
{
	size_t	n;

	for (n = 0; spec[n] != '\0' && n < max; n++) {
		memset(&res[n], 0, sizeof(res[n]));
		res[n].reason = VOTE_VALID;
		switch (spec[n]) {
		case 'u':
			res[n].vote.verdict = VOTE_VERDICT_UP;
			break;
		case 'd':
			res[n].vote.verdict = VOTE_VERDICT_DOWN;
			break;
		case '?':
			res[n].vote.verdict = VOTE_VERDICT_UNKNOWN;
			break;
		case 'x':
			res[n].reason = VOTE_NO_ANSWER;
			break;
		case 'B':
			res[n].reason = VOTE_BAD_SIGNATURE;
			res[n].vote.verdict = VOTE_VERDICT_UP;
			break;
		case 'D':
			res[n].reason = VOTE_DUPLICATE_VOTER;
			res[n].vote.verdict = VOTE_VERDICT_DOWN;
			break;
		case 'S':
			res[n].reason = VOTE_STALE;
			res[n].vote.verdict = VOTE_VERDICT_DOWN;
			break;
		}
	}
	return n;
}

static void
test_tally(void)
{
	static const struct {
		const char		*votes;
		int			 need, max_up, need_down;
		enum quorum_result	 want;
		const char		*why;
	} rows[] = {
	    { "",	1, 0, 1, QUORUM_ISOLATED,	"no spares, need 1" },
	    { "",	0, 0, 0, QUORUM_CONFIRMED,	"no spares, need 0" },
	    { "xx",	1, 0, 1, QUORUM_ISOLATED,	"0 answers" },
	    { "xx",	0, 0, 0, QUORUM_CONFIRMED,	"0 answers, need 0" },
	    { "dx",	1, 0, 1, QUORUM_CONFIRMED,	"need exactly met" },
	    { "dx",	2, 0, 1, QUORUM_ISOLATED,	"one short of need" },
	    { "dd",	2, 0, 1, QUORUM_CONFIRMED,	"both down" },
	    { "ud",	2, 0, 1, QUORUM_PARTITION,	"max_up 0 exceeded" },
	    { "ud",	2, 1, 1, QUORUM_CONFIRMED,	"max_up exactly met" },
	    { "uud",	2, 1, 1, QUORUM_PARTITION,	"max_up 1 exceeded" },
	    { "uud",	3, 2, 1, QUORUM_CONFIRMED,	"max_up 2 exactly met" },
	    { "uu",	3, 0, 1, QUORUM_ISOLATED,	"isolation decided first" },
	    { "ux",	2, 0, 1, QUORUM_ISOLATED,	"up but too few answers" },
	    { "??",	2, 0, 1, QUORUM_UNCONFIRMED, "unknown: an answer, no down" },
	    { "?x",	2, 0, 1, QUORUM_ISOLATED,	"one unknown is one answer" },
	    { "?u",	2, 0, 1, QUORUM_PARTITION,	"unknown is not up" },
	    { "??u",	2, 1, 1, QUORUM_UNCONFIRMED, "unknown is not up" },
	    { "BBd",	1, 0, 1, QUORUM_CONFIRMED,	"bad signatures abstain" },
	    { "BBd",	2, 0, 1, QUORUM_ISOLATED,	"bad signatures are no answer" },
	    { "Bdd",	2, 0, 1, QUORUM_CONFIRMED,	"a forged up is not up" },
	    { "dD",	2, 0, 1, QUORUM_ISOLATED,	"a duplicate voter counts once" },
	    { "ddd",	3, 0, 1, QUORUM_CONFIRMED,	"three of three" },
	    { "?d",	2, 0, 1, QUORUM_CONFIRMED,	"one down of need_down 1" },
	    { "?d",	2, 0, 2, QUORUM_UNCONFIRMED,	"one down of need_down 2" },
	    { "dd?",	2, 0, 2, QUORUM_CONFIRMED,	"need_down 2 met" },
	    { "??",	2, 1, 1, QUORUM_UNCONFIRMED,	"two unknown, need 2" },
	    { "u?",	2, 1, 1, QUORUM_UNCONFIRMED,	"up tolerated, no down" },
	    { "Bd",	1, 0, 1, QUORUM_CONFIRMED,	"a forged vote is no down" },
	    { "Sd?",	2, 0, 2, QUORUM_UNCONFIRMED,	"a stale down abstains" },
	    { "dddu",	3, 0, 1, QUORUM_PARTITION,	"one up of four, max_up 0" },
	};
	struct vote_result	res[8];
	struct quorum_count	c;
	size_t			i, n;

	for (i = 0; i < FA_ARRAY_SIZE(rows); i++) {
		n = results_from(rows[i].votes, res, FA_ARRAY_SIZE(res));
		is_str(quorum_result_str(quorum_tally(res, n, rows[i].need,
		    rows[i].max_up, rows[i].need_down)),
		    quorum_result_str(rows[i].want),
		    "tally '%s' need %d max_up %d need_down %d: %s (%s)",
		    rows[i].votes, rows[i].need, rows[i].max_up,
		    rows[i].need_down,
		    quorum_result_str(rows[i].want), rows[i].why);
	}
	n = results_from("ud?xBDdd", res, FA_ARRAY_SIZE(res));
	quorum_count(res, n, &c);
	ok(c.valid == 5 && c.up == 1 && c.down == 3 && c.unknown == 1,
	    "count: valid 5, up 1, down 3, unknown 1 (got %d %d %d %d)",
	    c.valid, c.up, c.down, c.unknown);
	is_int(quorum_down_votes(res, n), 3, "veto: three valid down votes");
	n = results_from("uu?xD", res, FA_ARRAY_SIZE(res));
	is_int(quorum_down_votes(res, n), 0,
	    "veto: a duplicate's down does not veto");
}

/* Who signed, and how old the verdict is (quorum/PROTOCOL.md §6). */
static void
test_judge(void)
{
	struct vote_secret	*s = vote_secret_new(KEY64, 64);
	struct vote_request	 req;
	struct vote		 v;
	char			*body = NULL, sig[VOTE_MAC_HEX_LEN + 1];
	char			 detail[160];
	size_t			 len;

	memset(&v, 0, sizeof(v));
	snprintf(v.voter, sizeof(v.voter), "paris");
	v.verdict = VOTE_VERDICT_DOWN;
	v.checked_at = 1000;
	v.ts = 1010;
	v.max_age = 10;
	is_str(vote_reason_str(vote_judge(&v, "paris", 5000, detail,
	    sizeof(detail))), "valid", "judge: age 10 = max_age 10: valid");
	v.ts = 1011;
	is_str(vote_reason_str(vote_judge(&v, "paris", 5000, detail,
	    sizeof(detail))), "stale", "judge: age 11 > max_age 10: stale");
	ok(strstr(detail, "11 s") != NULL, "judge: stale: the age (%s)",
	    detail);
	v.ts = 990;	/* the answer before the probe: its clock stepped */
	is_str(vote_reason_str(vote_judge(&v, "paris", 5000, NULL, 0)),
	    "valid", "judge: a negative age is not stale");
	v.ts = 1010;
	is_str(vote_reason_str(vote_judge(&v, "lyon", 5000, detail,
	    sizeof(detail))), "voter-mismatch",
	    "judge: signed by paris, asked lyon");
	ok(strstr(detail, "'paris'") != NULL, "judge: mismatch: voter (%s)",
	    detail);
	v.ts = 1040;	/* stale too: the voter is judged first */
	is_str(vote_reason_str(vote_judge(&v, "lyon", 5000, NULL, 0)),
	    "voter-mismatch", "judge: voter before age");
	/* No max_age (an older spare): 5 s + the asker's timeout. */
	v.max_age = -1;
	v.ts = 1000 + VOTE_MAX_AGE_LEGACY + 2;
	is_str(vote_reason_str(vote_judge(&v, "paris", 1500, NULL, 0)),
	    "valid", "judge: legacy spare, age 7 <= 5 + 2");
	v.ts++;
	is_str(vote_reason_str(vote_judge(&v, "paris", 1500, NULL, 0)),
	    "stale", "judge: legacy spare, age 8 > 5 + 2");

	is_int(vote_max_age(5000, 5000), 12, "max_age: 5 s + 5 s + 2");
	is_int(vote_max_age(5000, 30000), 62,
	    "max_age: 30 s + 30 s + 2 (a 30 s probe delays the next)");
	is_int(vote_max_age(1500, 200), 4, "max_age: rounded up, + 2");

	/* An answer without max_age verifies, with max_age -1. */
	vote_request_build(s, "backup", 1700000000, NONCE, &req);
	body = util_xstrdup("{\"voter\":\"paris\",\"target\":\"primary\","
	    "\"verdict\":\"up\",\"checked_at\":1,\"ts\":2,\"nonce\":\""
	    NONCE "\"}");
	len = strlen(body);
	vote_mac_hex(s, body, len, sig);
	is_str(vote_reason_str(vote_response_verify(s, &req, sig, body, len, &v,
	    NULL, 0)), "valid", "no max_age: still a valid answer");
	is_int(v.max_age, -1, "no max_age: -1");
	free(body);
	body = util_xstrdup("{\"voter\":\"paris\",\"target\":\"primary\","
	    "\"verdict\":\"up\",\"checked_at\":1,\"max_age\":\"10\","
	    "\"ts\":2,\"nonce\":\"" NONCE "\"}");
	len = strlen(body);
	vote_mac_hex(s, body, len, sig);
	is_str(vote_reason_str(vote_response_verify(s, &req, sig, body, len, &v,
	    NULL, 0)), "malformed", "max_age a string: malformed");
	free(body);
	vote_secret_free(s);
}

/* The worked example of quorum/PROTOCOL.md, byte for byte. */
static void
test_protocol_example(void)
{
	static const char	 key[] = "00112233445566778899aabbccddeeff"
	    "00112233445566778899aabbccddeeff";
	struct vote_secret	*s = vote_secret_new(key, 64);
	struct vote_request	 req;
	struct vote		 v;
	char			*body = NULL, sig[VOTE_MAC_HEX_LEN + 1];
	size_t			 len;

	ok(vote_request_build(s, "backup-ovh", 1764849600,
	    "0f1e2d3c4b5a69788796a5b4c3d2e1f0", &req) == 0, "PROTOCOL.md: request");
	is_str(req.query, "target=primary&from=backup-ovh&ts=1764849600"
	    "&nonce=0f1e2d3c4b5a69788796a5b4c3d2e1f0", "PROTOCOL.md: query");
	is_str(req.authorization, "FA-HMAC-SHA256 345ca86efc40dc6ed4027d2864f7"
	    "e4a9ef19feee6d5015a5560625ac66b65ef7", "PROTOCOL.md: request MAC");
	ok(vote_response_build(s, "paris", "primary", VOTE_VERDICT_DOWN,
	    1764849597, 10, 1764849600, req.nonce, &body, &len, sig) == 0,
	    "PROTOCOL.md: response");
	is_str(body, "{\"voter\":\"paris\",\"target\":\"primary\","
	    "\"verdict\":\"down\",\"checked_at\":1764849597,\"max_age\":10,"
	    "\"ts\":1764849600,\"nonce\":\"0f1e2d3c4b5a69788796a5b4c3d2e1f0\"}",
	    "PROTOCOL.md: response body");
	is_str(sig, "e5d3b954276e6d882e962220cc911b9f02e3a7fddf686a62709695464df"
	    "220da", "PROTOCOL.md: response signature");
	is_str(vote_reason_str(vote_response_verify(s, &req, sig, body, len, &v,
	    NULL, 0)), "valid", "PROTOCOL.md: verifies");
	is_str(vote_reason_str(vote_judge(&v, "paris", 5000, NULL, 0)), "valid",
	    "PROTOCOL.md: age 3 s of max_age 10: counts");
	free(body);
	vote_secret_free(s);
}

static void
test_cidr(void)
{
	struct vote_cidr	 c[3];
	struct sockaddr_in	 sin;
	struct sockaddr_in6	 sin6;
	char			 err[160];
	size_t			 i;

	ok(vote_cidr_parse("127.0.0.1/32", &c[0], err, sizeof(err)) == 0 &&
	    c[0].family == AF_INET && c[0].prefix == 32, "cidr 127.0.0.1/32");
	ok(vote_cidr_parse("[2001:db8::]/32", &c[1], err, sizeof(err)) == 0 &&
	    c[1].family == AF_INET6 && c[1].prefix == 32,
	    "cidr [2001:db8::]/32");
	ok(vote_cidr_parse("10.0.0.0/9", &c[2], err, sizeof(err)) == 0,
	    "cidr 10.0.0.0/9");
	const char *bad[] = { "10.0.0.1/8", "10.0.0.0/33", "10.0.0.0/",
	    "2001:db8::1/32", "::/129", "example.com", "", "/8", "10.0.0.0/8x",
	    "10.128.0.0/8" };
	for (i = 0; i < FA_ARRAY_SIZE(bad); i++)
		ok(vote_cidr_parse(bad[i], &c[0], err, sizeof(err)) == -1,
		    "cidr '%s' refused (%s)", bad[i], err);
	vote_cidr_parse("127.0.0.1/32", &c[0], err, sizeof(err));

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	inet_pton(AF_INET, "127.0.0.1", &sin.sin_addr);
	ok(vote_cidr_match(c, 3, &sin), "match 127.0.0.1 in 127.0.0.1/32");
	inet_pton(AF_INET, "127.0.0.2", &sin.sin_addr);
	ok(!vote_cidr_match(c, 3, &sin), "127.0.0.2 not in the list");
	inet_pton(AF_INET, "10.127.255.255", &sin.sin_addr);
	ok(vote_cidr_match(c, 3, &sin), "10.127.255.255 in 10.0.0.0/9");
	inet_pton(AF_INET, "10.128.0.0", &sin.sin_addr);
	ok(!vote_cidr_match(c, 3, &sin), "10.128.0.0 not in 10.0.0.0/9");
	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	inet_pton(AF_INET6, "2001:db8:ffff::1", &sin6.sin6_addr);
	ok(vote_cidr_match(c, 3, &sin6), "2001:db8:ffff::1 in 2001:db8::/32");
	inet_pton(AF_INET6, "2001:db9::1", &sin6.sin6_addr);
	ok(!vote_cidr_match(c, 3, &sin6), "2001:db9::1 not in it");
	inet_pton(AF_INET6, "::ffff:127.0.0.1", &sin6.sin6_addr);
	ok(!vote_cidr_match(c, 3, &sin6), "an IPv6 peer never matches IPv4");
}

static void
test_listen(void)
{
	struct sockaddr_storage	 ss;
	struct sockaddr_in	*sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&ss;
	unsigned		 len;
	char			 err[160];
	size_t			 i;

	ok(vote_listen_parse("0.0.0.0:8053", &ss, &len, err, sizeof(err)) ==
	    0 && ss.ss_family == AF_INET && ntohs(sin->sin_port) == 8053 &&
	    len == sizeof(*sin), "listen 0.0.0.0:8053");
	ok(vote_listen_parse("[::]:8053", &ss, &len, err, sizeof(err)) == 0 &&
	    ss.ss_family == AF_INET6 && ntohs(sin6->sin6_port) == 8053 &&
	    len == sizeof(*sin6), "listen [::]:8053");
	ok(vote_listen_parse("[2001:db8::1]:65535", &ss, &len, err,
	    sizeof(err)) == 0, "listen [2001:db8::1]:65535");
	ok(vote_listen_parse("127.0.0.1:18053", &ss, &len, err, sizeof(err)) ==
	    0 && sin->sin_addr.s_addr == htonl(0x7f000001),
	    "listen 127.0.0.1:18053");
	const char *bad[] = { "127.0.0.1", "127.0.0.1:0", "127.0.0.1:65536",
	    ":8053", "::1:8053", "[::1]8053", "[::1]:", "[zz::1]:80",
	    "localhost:80", "256.0.0.1:80", "127.0.0.1:80x", "[::1:80",
	    "127.0.0.1:-1" };
	for (i = 0; i < FA_ARRAY_SIZE(bad); i++)
		ok(vote_listen_parse(bad[i], &ss, &len, err, sizeof(err)) == -1,
		    "listen '%s' refused (%s)", bad[i], err);
}

int
main(void)
{
	char	cmd[PATH_MAX + 16];

	log_init(LOG_TARGET_STDERR, -1);
	snprintf(tmpdir, sizeof(tmpdir), "%s/fa-vote-XXXXXX",
	    getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(tmpdir) == NULL)
		fatal("mkdtemp");
	test_rfc4231();
	test_mac_check();
	test_request();
	test_secret_file();
	test_names();
	test_response();
	test_tally();
	test_judge();
	test_protocol_example();
	test_cidr();
	test_listen();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", tmpdir);
	return tap_done();
}
