/*
 * vote_proto.c: the vote protocol core of quorum/PROTOCOL.md (see quorum.h):
 * the
 * shared secret, HMAC-SHA256 (RFC 2104) with OpenSSL, the signed request,
 * the signed response and its verification.  No I/O besides reading the
 * secret file; no clock reads (callers pass the time).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "agent/lib/log.h"
#include "agent/lib/util.h"
#include "quorum/quorum.h"

#define VOTE_CANON_PREFIX	"GET\n" VOTE_PATH "\n"

static const char *const vote_verdict_names[VOTE_VERDICT_MAX] = {
	[VOTE_VERDICT_UP] = "up",
	[VOTE_VERDICT_DOWN] = "down",
	[VOTE_VERDICT_UNKNOWN] = "unknown",
};

static const char *const vote_reason_names[VOTE_REASON_MAX] = {
	[VOTE_VALID] = "valid",
	[VOTE_NO_ANSWER] = "no-answer",
	[VOTE_TLS_FAILED] = "tls-failed",
	[VOTE_HTTP_STATUS] = "http-status",
	[VOTE_TOO_LARGE] = "too-large",
	[VOTE_BAD_SIGNATURE] = "bad-signature",
	[VOTE_MALFORMED] = "malformed",
	[VOTE_NONCE_MISMATCH] = "nonce-mismatch",
	[VOTE_TARGET_MISMATCH] = "target-mismatch",
	[VOTE_DUPLICATE_VOTER] = "duplicate-voter",
	[VOTE_INTERNAL_ERROR] = "internal-error",
	[VOTE_STALE] = "stale",
	[VOTE_VOTER_MISMATCH] = "voter-mismatch",
};

const char *
vote_verdict_str(enum vote_verdict v)
{
	if ((unsigned)v >= VOTE_VERDICT_MAX)
		return "invalid";
	return vote_verdict_names[v];
}

int
vote_verdict_from_str(const char *s)
{
	int	i;

	if (s == NULL)
		return -1;
	for (i = 0; i < VOTE_VERDICT_MAX; i++)
		if (strcmp(s, vote_verdict_names[i]) == 0)
			return i;
	return -1;
}

const char *
vote_reason_str(enum vote_reason r)
{
	if ((unsigned)r >= VOTE_REASON_MAX)
		return "invalid";
	return vote_reason_names[r];
}

int
vote_reason_from_str(const char *s)
{
	int	i;

	if (s == NULL)
		return -1;
	for (i = 0; i < VOTE_REASON_MAX; i++)
		if (strcmp(s, vote_reason_names[i]) == 0)
			return i;
	return -1;
}

bool
vote_name_valid(const char *s)
{
	size_t	i;

	if (s == NULL || *s == '\0')
		return false;
	for (i = 0; s[i] != '\0'; i++) {
		if (i >= VOTE_NAME_MAX)
			return false;
		if (!isalnum((unsigned char)s[i]) && s[i] != '.' &&
		    s[i] != '_' && s[i] != '-')
			return false;
	}
	return true;
}

/* ---------------------------------------------------------------------- */

/*
 * The file holds one line; its bytes without the line end are the key.
 * Anything after the first line end is refused rather than ignored: a
 * second line is a pasting mistake, and the other site may read it
 * differently.
 */
int
vote_secret_load(const char *path, struct vote_secret **out, char *err,
    size_t errlen)
{
	struct vote_secret	*s = NULL;
	char			*buf = NULL;
	size_t			 len = 0, keylen;
	char			*nl;
	int			 rc = -1;

	*out = NULL;
	if (util_secret_file_check(path, err, errlen) == -1)
		goto cleanup;
	if (util_secret_read(path, VOTE_SECRET_FILE_MAX, &buf, &len, err,
	    errlen) == -1)
		goto cleanup;
	keylen = len;
	if ((nl = memchr(buf, '\n', len)) != NULL) {
		if ((size_t)(nl - buf) != len - 1) {
			snprintf(err, errlen, "%s: holds more than one line",
			    path);
			goto cleanup;
		}
		keylen = (size_t)(nl - buf);
		if (keylen > 0 && buf[keylen - 1] == '\r')
			keylen--;
	}
	if (memchr(buf, '\0', keylen) != NULL) {
		snprintf(err, errlen, "%s: holds a NUL byte", path);
		goto cleanup;
	}
	if (keylen < VOTE_SECRET_MIN) {
		snprintf(err, errlen, "%s: the secret is %zu characters, fewer"
		    " than %d (make one with: openssl rand -hex 32)", path,
		    keylen, VOTE_SECRET_MIN);
		goto cleanup;
	}
	s = util_xcalloc(1, sizeof(*s));
	s->key = (unsigned char *)buf;
	s->len = keylen;
	s->size = len;
	buf = NULL;
	*out = s;
	rc = 0;
cleanup:
	util_secret_free(buf, len);
	return rc;
}

struct vote_secret *
vote_secret_new(const void *key, size_t len)
{
	struct vote_secret	*s;

	if (key == NULL || len < VOTE_SECRET_MIN)
		return NULL;
	s = util_xcalloc(1, sizeof(*s));
	s->key = util_xcalloc(1, len);
	memcpy(s->key, key, len);
	s->len = len;
	s->size = len;
	return s;
}

void
vote_secret_free(struct vote_secret *s)
{
	if (s == NULL)
		return;
	util_secret_free((char *)s->key, s->size);
	util_wipe(s, sizeof(*s));
	free(s);
}

/* ---------------------------------------------------------------------- */

static void
vote_hex_encode(const unsigned char *in, size_t len, char *out)
{
	static const char	digits[] = "0123456789abcdef";
	size_t			i;

	for (i = 0; i < len; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 0xf];
	}
	out[2 * len] = '\0';
}

static int
vote_hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Exactly 2 * len hex digits then NUL, else -1. */
static int
vote_hex_decode(const char *hex, unsigned char *out, size_t len)
{
	size_t	i;
	int	hi, lo;

	for (i = 0; i < len; i++) {
		if ((hi = vote_hex_digit((unsigned char)hex[2 * i])) == -1 ||
		    (lo = vote_hex_digit((unsigned char)hex[2 * i + 1])) == -1)
			return -1;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return hex[2 * len] == '\0' ? 0 : -1;
}

static int
vote_hmac_raw(const void *key, size_t keylen, const void *msg, size_t msglen,
    unsigned char mac[VOTE_MAC_LEN])
{
	static const unsigned char	 empty;
	unsigned int			 maclen = 0;

	if (keylen > INT32_MAX)
		return -1;
	/* OpenSSL 3 takes a NULL key as "reuse the previous one". */
	if (HMAC(EVP_sha256(), keylen > 0 ? key : &empty, (int)keylen,
	    msglen > 0 ? msg : &empty, msglen, mac, &maclen) == NULL ||
	    maclen != VOTE_MAC_LEN)
		return -1;
	return 0;
}

int
vote_hmac_hex(const void *key, size_t keylen, const void *msg, size_t msglen,
    char hex[VOTE_MAC_HEX_LEN + 1])
{
	unsigned char	mac[VOTE_MAC_LEN];

	hex[0] = '\0';
	if (vote_hmac_raw(key, keylen, msg, msglen, mac) == -1)
		return -1;
	vote_hex_encode(mac, sizeof(mac), hex);
	return 0;
}

int
vote_mac_hex(const struct vote_secret *s, const void *msg, size_t msglen,
    char hex[VOTE_MAC_HEX_LEN + 1])
{
	return vote_hmac_hex(s->key, s->len, msg, msglen, hex);
}

/*
 * Compare the raw MACs with CRYPTO_memcmp: the time taken says nothing about
 * how many leading bytes of a forged MAC were right.
 */
bool
vote_mac_check(const struct vote_secret *s, const void *msg, size_t msglen,
    const char *hex)
{
	unsigned char	want[VOTE_MAC_LEN], got[VOTE_MAC_LEN];

	if (hex == NULL || vote_hex_decode(hex, got, sizeof(got)) == -1)
		return false;
	if (vote_hmac_raw(s->key, s->len, msg, msglen, want) == -1)
		return false;
	return CRYPTO_memcmp(want, got, sizeof(want)) == 0;
}

int
vote_canonical_string(const char *query, char *buf, size_t buflen)
{
	int	n;

	n = snprintf(buf, buflen, "%s%s", VOTE_CANON_PREFIX, query);
	if (n < 0 || (size_t)n >= buflen)
		return -1;
	return n;
}

/* ---------------------------------------------------------------------- */

static bool
vote_nonce_valid(const char *s)
{
	size_t	i;

	for (i = 0; i < VOTE_NONCE_HEX_LEN; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return s[VOTE_NONCE_HEX_LEN] == '\0';
}

/*
 * The query string is built in one fixed order; the server does not care
 * about the order, it signs and checks the bytes.
 */
int
vote_request_build(const struct vote_secret *s, const char *from, int64_t ts,
    const char *nonce, struct vote_request *out)
{
	unsigned char	 raw[VOTE_NONCE_LEN];
	char		 canon[VOTE_QUERY_MAX + sizeof(VOTE_CANON_PREFIX)];
	char		 mac[VOTE_MAC_HEX_LEN + 1];
	int		 n, rc = -1;

	memset(out, 0, sizeof(*out));
	if (!vote_name_valid(from) || ts < 0)
		goto cleanup;
	if (nonce == NULL) {
		if (RAND_bytes(raw, sizeof(raw)) != 1)
			goto cleanup;
		vote_hex_encode(raw, sizeof(raw), out->nonce);
	} else {
		if (!vote_nonce_valid(nonce))
			goto cleanup;
		memcpy(out->nonce, nonce, VOTE_NONCE_HEX_LEN + 1);
	}
	out->ts = ts;
	n = snprintf(out->query, sizeof(out->query),
	    "target=%s&from=%s&ts=%lld&nonce=%s", VOTE_TARGET, from,
	    (long long)ts, out->nonce);
	if (n < 0 || (size_t)n >= sizeof(out->query))
		goto cleanup;
	if (vote_canonical_string(out->query, canon, sizeof(canon)) == -1)
		goto cleanup;
	if (vote_mac_hex(s, canon, strlen(canon), mac) == -1)
		goto cleanup;
	snprintf(out->authorization, sizeof(out->authorization), "%s %s",
	    VOTE_AUTH_SCHEME, mac);
	rc = 0;
cleanup:
	util_wipe(raw, sizeof(raw));
	if (rc == -1)
		util_wipe(out, sizeof(*out));
	return rc;
}

/* ---------------------------------------------------------------------- */

/*
 * The body of quorum/PROTOCOL.md, compact, in this key order (PROTOCOL.md §5).
 */
#define VOTE_BODY_FMT	"{\"voter\":\"%s\",\"target\":\"%s\",\"verdict\":\"%s\","\
	"\"checked_at\":%lld,\"max_age\":%lld,\"ts\":%lld,\"nonce\":\"%s\"}"

int
vote_response_build(const struct vote_secret *s, const char *voter,
    const char *target, enum vote_verdict verdict, int64_t checked_at,
    int64_t max_age, int64_t ts, const char *nonce, char **body,
    size_t *bodylen, char sig[VOTE_MAC_HEX_LEN + 1])
{
	char	*text = NULL;
	int	 n, rc = -1;

	*body = NULL;
	*bodylen = 0;
	sig[0] = '\0';
	if (!vote_name_valid(voter) || (unsigned)verdict >= VOTE_VERDICT_MAX ||
	    max_age < 0)
		goto cleanup;
	/*
	 * Written directly, cheaper than a jansson object per vote: every
	 * value is a validated name, a fixed word, hex digits or a number,
	 * none needs JSON escaping.
	 */
	if (!vote_name_valid(target) || !vote_nonce_valid(nonce))
		goto cleanup;
	n = snprintf(NULL, 0, VOTE_BODY_FMT, voter, target,
	    vote_verdict_str(verdict), (long long)checked_at,
	    (long long)max_age, (long long)ts, nonce);
	if (n < 0)
		goto cleanup;
	text = util_xcalloc(1, (size_t)n + 1);
	snprintf(text, (size_t)n + 1, VOTE_BODY_FMT, voter, target,
	    vote_verdict_str(verdict), (long long)checked_at,
	    (long long)max_age, (long long)ts, nonce);
	if (vote_mac_hex(s, text, strlen(text), sig) == -1)
		goto cleanup;
	*bodylen = strlen(text);
	*body = text;
	text = NULL;
	rc = 0;
cleanup:
	free(text);
	return rc;
}

/* A string member, or NULL if missing or not a string. */
static const char *
vote_json_str(json_t *obj, const char *key)
{
	json_t	*v = json_object_get(obj, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* A non-negative integer member, -1 if missing or not one. */
static int64_t
vote_json_time(json_t *obj, const char *key)
{
	json_t	*v = json_object_get(obj, key);

	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return -1;
	return (int64_t)json_integer_value(v);
}

#define VOTE_FAIL(r, ...) do {						\
	reason = (r);							\
	if (detail != NULL)						\
		snprintf(detail, detaillen, __VA_ARGS__);		\
	goto cleanup;							\
} while (0)

/*
 * The signature is checked first, over the exact bytes received, so nothing
 * unauthenticated is parsed beyond the size check.  JSON_REJECT_DUPLICATES:
 * a body with two "verdict" keys must not mean different things to
 * different parsers.
 */
enum vote_reason
vote_response_verify(const struct vote_secret *s,
    const struct vote_request *req, const char *sig, const char *body,
    size_t bodylen, struct vote *out, char *detail, size_t detaillen)
{
	enum vote_reason	 reason = VOTE_VALID;
	json_t			*obj = NULL;
	json_error_t		 jerr;
	const char		*voter, *target, *verdict, *nonce;
	int64_t			 checked_at, ts, max_age = -1;
	int			 v;

	memset(out, 0, sizeof(*out));
	if (detail != NULL && detaillen > 0)
		detail[0] = '\0';
	if (bodylen > VOTE_BODY_MAX)
		VOTE_FAIL(VOTE_TOO_LARGE, "body of %zu bytes, over %d", bodylen,
		    VOTE_BODY_MAX);
	if (sig == NULL)
		VOTE_FAIL(VOTE_BAD_SIGNATURE, "no %s header", VOTE_SIG_HEADER);
	if (!vote_mac_check(s, body, bodylen, sig))
		VOTE_FAIL(VOTE_BAD_SIGNATURE, "%s does not match the body"
		    " (different secret?)", VOTE_SIG_HEADER);

	obj = json_loadb(body, bodylen, JSON_REJECT_DUPLICATES, &jerr);
	if (obj == NULL)
		VOTE_FAIL(VOTE_MALFORMED, "not JSON: %s", jerr.text);
	if (!json_is_object(obj))
		VOTE_FAIL(VOTE_MALFORMED, "not a JSON object");
	if ((voter = vote_json_str(obj, "voter")) == NULL ||
	    !vote_name_valid(voter))
		VOTE_FAIL(VOTE_MALFORMED, "voter missing or not a valid name");
	if ((target = vote_json_str(obj, "target")) == NULL)
		VOTE_FAIL(VOTE_MALFORMED, "target missing");
	if ((nonce = vote_json_str(obj, "nonce")) == NULL)
		VOTE_FAIL(VOTE_MALFORMED, "nonce missing");
	if ((verdict = vote_json_str(obj, "verdict")) == NULL ||
	    (v = vote_verdict_from_str(verdict)) == -1)
		VOTE_FAIL(VOTE_MALFORMED, "verdict missing or not one of up,"
		    " down, unknown");
	if ((checked_at = vote_json_time(obj, "checked_at")) == -1)
		VOTE_FAIL(VOTE_MALFORMED, "checked_at missing or not a time");
	if ((ts = vote_json_time(obj, "ts")) == -1)
		VOTE_FAIL(VOTE_MALFORMED, "ts missing or not a time");
	/* Optional: a spare older than max_age does not send it. */
	if (json_object_get(obj, "max_age") != NULL &&
	    (max_age = vote_json_time(obj, "max_age")) == -1)
		VOTE_FAIL(VOTE_MALFORMED, "max_age not a number of seconds");
	if (strcmp(nonce, req->nonce) != 0)
		VOTE_FAIL(VOTE_NONCE_MISMATCH, "the answer is not to our"
		    " request (nonce differs)");
	if (strcmp(target, VOTE_TARGET) != 0)
		VOTE_FAIL(VOTE_TARGET_MISMATCH, "the answer is about another"
		    " target");

	snprintf(out->voter, sizeof(out->voter), "%s", voter);
	out->verdict = (enum vote_verdict)v;
	out->checked_at = checked_at;
	out->ts = ts;
	out->max_age = max_age;
cleanup:
	json_decref(obj);
	return reason;
}

enum vote_reason
vote_judge(const struct vote *v, const char *asked_name, int64_t timeout_ms,
    char *detail, size_t detaillen)
{
	enum vote_reason	reason = VOTE_VALID;
	int64_t			max_age = v->max_age, age;

	if (detail != NULL && detaillen > 0)
		detail[0] = '\0';
	if (strcmp(v->voter, asked_name) != 0)
		VOTE_FAIL(VOTE_VOTER_MISMATCH, "signed by voter '%s', not by"
		    " '%s' (the URL leads to another spare, or two spares"
		    " share a name)", v->voter, asked_name);
	if (max_age < 0)
		max_age = VOTE_MAX_AGE_LEGACY +
		    (timeout_ms > 0 ? (timeout_ms + 999) / 1000 : 0);
	age = v->ts - v->checked_at;
	if (age > max_age)
		VOTE_FAIL(VOTE_STALE, "%s verdict probed %lld s before its"
		    " answer, over max_age %lld s (is its prober stuck?)",
		    vote_verdict_str(v->verdict), (long long)age,
		    (long long)max_age);
cleanup:
	return reason;
}

/*
 * Probes do not overlap: one that takes its whole timeout T delays the
 * next, so a vote can be answered from a probe that started
 * max(interval, T) + T ago (the next probe started late and is still
 * running).  Plus a second because ts and checked_at are whole seconds,
 * and a second for a check that overruns its timeout by a little.
 */
int64_t
vote_max_age(int64_t interval_ms, int64_t max_check_timeout_ms)
{
	int64_t	ms;

	if (interval_ms < 0)
		interval_ms = 0;
	if (max_check_timeout_ms < 0)
		max_check_timeout_ms = 0;
	ms = (interval_ms > max_check_timeout_ms ? interval_ms :
	    max_check_timeout_ms) + max_check_timeout_ms;
	return (ms + 999) / 1000 + 2;
}
