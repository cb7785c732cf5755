/*
 * check_http.c: the http check (type = http), after relayd's check_http.
 *
 * One GET of the configured URL as a curl easy handle in the cycle's multi
 * handle.  The check passes when the answer's status is expect_status and,
 * if expect_body is set, the body contains it.  Deliberately:
 *   - TLS is verified (peer and host name), against ca_file if given;
 *   - redirects are not followed: a 302 to a maintenance page is not "up";
 *   - no proxy, even if http_proxy is set in the environment: a proxy's
 *     answer says nothing about the primary;
 *   - only http and https URLs are allowed (no file://, no gopher://);
 *   - at most CHECK_HTTP_BODY_MAX bytes of body are read: the status and the
 *     start of the body are what we judge, and a huge or endless page must
 *     not cost memory or time.
 */
#include <errno.h>
#include <stdio.h>
#include <strings.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "agent/check/check.h"
#include "agent/check/check_impl.h"
#include "agent/core/confdesc.h"
#include "agent/lib/http.h"
#include "agent/lib/log.h"
#include "agent/lib/util.h"

#define CHECK_HTTP_BODY_MAX	(64 * 1024)
#define HTTP_EXCERPT_MAX	40

/* The keys of an http check, as its config part (below) read them. */
static const struct cfg_check_http *
http_conf(const struct cfg_check *ck)
{
	return ck->conf;
}

struct http_state {
	CURL	*easy;
	bool	 in_multi;
	char	*body;		/* NULL when expect_body is not set */
	size_t	 bodylen;	/* bytes received (stored if body != NULL) */
	bool	 capped;	/* we stopped reading at CHECK_HTTP_BODY_MAX */
	char	 errbuf[CURL_ERROR_SIZE];
};

/* curl write callback: keep the first CHECK_HTTP_BODY_MAX bytes, then stop. */
static size_t
http_write(char *data, size_t size, size_t nmemb, void *arg)
{
	struct http_state	*st = arg;
	size_t			 len = size * nmemb;
	size_t			 room = CHECK_HTTP_BODY_MAX - st->bodylen;

	if (len > room) {
		if (st->body != NULL)
			memcpy(st->body + st->bodylen, data, room);
		st->bodylen += room;
		st->capped = true;
		return 0;	/* ends the transfer with CURLE_WRITE_ERROR */
	}
	if (st->body != NULL)
		memcpy(st->body + st->bodylen, data, len);
	st->bodylen += len;
	return len;
}

/*
 * What a failed transfer says about the primary.  os_errno is
 * CURLINFO_OS_ERRNO, the errno of the failed connect/send/recv.  Problems
 * of our own making (a bad ca_file, a bad URL, no memory) are internal.
 */
static enum check_outcome
http_outcome(CURLcode code, long os_errno, bool connected)
{
	if (http_curl_tls_failed(code))
		return CHECK_TLS_FAILED;
	switch (code) {
	case CURLE_OPERATION_TIMEDOUT:
		return CHECK_TIMEOUT;
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
		return CHECK_RESOLVE_FAILED;
	case CURLE_COULDNT_CONNECT:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
		if (os_errno == 0)
			return CHECK_UNREACHABLE;
		return check_outcome_from_errno((int)os_errno);
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CRL_BADFILE:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_ENGINE_NOTFOUND:
	case CURLE_SSL_ENGINE_SETFAILED:
	case CURLE_SSL_ENGINE_INITFAILED:
	case CURLE_OUT_OF_MEMORY:
	case CURLE_FAILED_INIT:
	case CURLE_URL_MALFORMAT:
	case CURLE_NOT_BUILT_IN:
	case CURLE_BAD_FUNCTION_ARGUMENT:
	case CURLE_WRITE_ERROR:
		return CHECK_INTERNAL_ERROR;
	case CURLE_UNSUPPORTED_PROTOCOL:
		/* Before connecting: our URL; after: e.g. an HTTP/0.9 answer. */
		return connected ? CHECK_PROTOCOL_ERROR : CHECK_INTERNAL_ERROR;
	default:	/* GOT_NOTHING, WEIRD_SERVER_REPLY, PARTIAL_FILE, ... */
		return CHECK_PROTOCOL_ERROR;
	}
}

/* A printable excerpt of the body for the detail (no control characters). */
static void
http_excerpt(const struct http_state *st, char *buf, size_t buflen)
{
	size_t	i, n = st->bodylen;

	if (n > buflen - 1)
		n = buflen - 1;
	if (n > HTTP_EXCERPT_MAX)
		n = HTTP_EXCERPT_MAX;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)st->body[i];

		buf[i] = (c < 0x20 || c >= 0x7f) ? '?' : (char)c;
	}
	buf[n] = '\0';
}

static void
http_release(struct check_run *run)
{
	struct http_state	*st = run->state;

	if (st == NULL)
		return;
	if (st->in_multi)
		curl_multi_remove_handle(check_loop_multi(run->loop), st->easy);
	if (st->easy != NULL)
		curl_easy_cleanup(st->easy);
	free(st->body);
	free(st);
	run->state = NULL;
}

/*
 * Build the easy handle.  Every option matters (the TLS ones most), so a
 * failure to set any of them ends the check as an internal error rather
 * than running a weaker check.
 */
static void
http_prepare(struct check_run *run)
{
	const struct cfg_check_http *c = http_conf(run->cfg);
	struct http_state	*st;
	CURL			*e;
	CURLcode		 rc = CURLE_OK;

	if (c->url == NULL) {
		check_done(run, CHECK_INTERNAL_ERROR, "no url");
		return;
	}
	if ((st = calloc(1, sizeof(*st))) == NULL) {
		check_done(run, CHECK_INTERNAL_ERROR, "out of memory");
		return;
	}
	run->state = st;
	if (c->expect_body != NULL &&
	    (st->body = malloc(CHECK_HTTP_BODY_MAX)) == NULL) {
		check_done(run, CHECK_INTERNAL_ERROR, "out of memory");
		return;
	}
	if ((st->easy = e = curl_easy_init()) == NULL) {
		check_done(run, CHECK_INTERNAL_ERROR, "curl_easy_init failed");
		return;
	}

#define HTTP_SETOPT(opt, val)	do {					\
	if (rc == CURLE_OK)						\
		rc = curl_easy_setopt(e, (opt), (val));			\
} while (0)
	rc = http_easy_setup(e, c->url, c->ca_file, st->errbuf);
	HTTP_SETOPT(CURLOPT_PRIVATE, (void *)run);
	HTTP_SETOPT(CURLOPT_WRITEFUNCTION, http_write);
	HTTP_SETOPT(CURLOPT_WRITEDATA, (void *)st);
#undef HTTP_SETOPT
	if (rc != CURLE_OK)
		check_done(run, CHECK_INTERNAL_ERROR, "curl_easy_setopt: %s",
		    curl_easy_strerror(rc));
}

/* The deadline is armed: give curl the time left and join the loop. */
static void
http_start(struct check_run *run)
{
	struct http_state	*st = run->state;
	long			 ms = (long)util_ms_left(run->deadline_ms);
	CURLMcode		 mc;

	if (http_easy_timeout(st->easy, ms) != CURLE_OK) {
		check_done(run, CHECK_INTERNAL_ERROR, "cannot set timeout");
		return;
	}
	mc = curl_multi_add_handle(check_loop_multi(run->loop), st->easy);
	if (mc != CURLM_OK) {
		check_done(run, CHECK_INTERNAL_ERROR, "curl_multi_add_handle: %s",
		    curl_multi_strerror(mc));
		return;
	}
	st->in_multi = true;
}

/* The transfer ended: judge it. */
static void
http_curl_done(struct check_run *run, CURLcode code)
{
	const struct cfg_check_http *c = http_conf(run->cfg);
	struct http_state	*st = run->state;
	long			 status = 0, os_errno = 0;
	char			 excerpt[HTTP_EXCERPT_MAX + 1], *ip;

	if (code == CURLE_WRITE_ERROR && st->capped)
		code = CURLE_OK;	/* we stopped it: judge what we have */
	if (code != CURLE_OK) {
		curl_easy_getinfo(st->easy, CURLINFO_OS_ERRNO, &os_errno);
		if (curl_easy_getinfo(st->easy, CURLINFO_PRIMARY_IP, &ip) !=
		    CURLE_OK)
			ip = NULL;
		check_done(run, http_outcome(code, os_errno,
		    ip != NULL && ip[0] != '\0'), "%s",
		    st->errbuf[0] != '\0' ? st->errbuf :
		    curl_easy_strerror(code));
		return;
	}
	curl_easy_getinfo(st->easy, CURLINFO_RESPONSE_CODE, &status);
	if (status != c->expect_status) {
		check_done(run, CHECK_BAD_STATUS, "HTTP %ld, want %ld", status,
		    c->expect_status);
		return;
	}
	if (c->expect_body != NULL && (st->bodylen < strlen(c->expect_body) ||
	    memmem(st->body, st->bodylen, c->expect_body,
	    strlen(c->expect_body)) == NULL)) {
		http_excerpt(st, excerpt, sizeof(excerpt));
		check_done(run, CHECK_BODY_MISMATCH,
		    "HTTP %ld, body lacks \"%s\"%s: \"%s%s\"", status,
		    c->expect_body, st->capped ? " in its first 64 KiB" : "",
		    excerpt, st->bodylen > HTTP_EXCERPT_MAX ? "..." : "");
		return;
	}
	check_done(run, CHECK_OK, "HTTP %ld", status);
}

const struct check_ops check_http_ops = {
	.name = "http",
	.prepare = http_prepare,
	.start = http_start,
	.curl_done = http_curl_done,
	.release = http_release,
};

/* ---- [check:NAME] type = http: its keys (agent/core/confdesc.h) ---- */

#define K_AT(m)	CFG_AT(struct cfg_check_http, m)
static const struct cfg_key http_keys[] = {
	{ .name = "url", .type = CFG_T_CUSTOM, .flags = CFG_F_REQUIRED |
	  CFG_F_OWNED, K_AT(url), .doc = "the URL to GET: http(s)://HOST/..." },
	{ .name = "expect_status", .type = CFG_T_NUM, K_AT(expect_status),
	  .min = 100, .max = 599, .def = 200, .doc = "the status expected" },
	{ .name = "expect_body", .type = CFG_T_STR, K_AT(expect_body),
	  .doc = "a string the body must hold" },
	{ .name = "ca_file", .type = CFG_T_FILE, K_AT(ca_file),
	  .doc = "a CA bundle instead of the system's" },
	{ .name = NULL }
};
#undef K_AT

static void
http_conf_validate(struct cfg_ctx *c, const struct cfg_sec *s,
    struct cfg_check *ck)
{
	struct cfg_check_http	*h = ck->conf;
	const char		*v;
	char			 err[256];
	int			 line;

	if ((v = cfg_get_str(c, s, "url", false, &line)) == NULL)
		return;
	if ((strncasecmp(v, "http://", 7) != 0 &&
	    strncasecmp(v, "https://", 8) != 0) ||
	    v[strcspn(v, ":") + 3] == '\0' ||
	    v[strcspn(v, ":") + 3] == '/')
		cfg_error(c, line, "bad url '%.64s' (expected http://HOST/..."
		    " or https://HOST/...)", v);
	else if (v[strcspn(v, " \t")] != '\0')
		cfg_error(c, line, "bad url '%.64s': white space", v);
	else if (cfg_url_host_check(v, err, sizeof(err)) == -1)
		cfg_error(c, line, "bad url '%.64s': %s", v, err);
	else
		h->url = util_xstrdup(v);
}

const struct cfg_check_type check_http_type = {
	.name = "http",
	.ops = &check_http_ops,
	.keys = http_keys,
	.conf_size = sizeof(struct cfg_check_http),
	.timeout_ms = 5000,
	.validate = http_conf_validate,
};
