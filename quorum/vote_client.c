/*
 * vote_client.c: ask the spares for their votes (quorum/PROTOCOL.md) and tally
 * them
 * (failover-agent(8), THE QUORUM).  See quorum.h.
 *
 * All spares are asked at once, one easy handle each in one libcurl multi
 * handle, under one CLOCK_MONOTONIC deadline: the whole ask lasts at most
 * timeout_ms, whatever the number of spares.  Each request has its own
 * nonce, so an answer can only be the answer to that request.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "agent/lib/http.h"
#include "agent/lib/log.h"
#include "agent/lib/util.h"
#include "quorum/quorum.h"

#define VOTE_POLL_MAX_MS	1000	/* re-check the deadline at least this often */
#define VOTE_EXCERPT_MAX	80	/* of an error body, in the detail */

struct vote_ask {
	struct vote_result	*res;
	bool			 health;	/* GET /v1/health, not a vote */
	CURL			*easy;
	struct curl_slist	*headers;
	struct vote_request	 req;
	char			*url;
	char			 body[VOTE_BODY_MAX + 1];
	size_t			 bodylen;
	bool			 capped;	/* the body went over VOTE_BODY_MAX */
	char			 sig[VOTE_MAC_HEX_LEN + 1];
	int			 nsig;		/* X-FA-Signature headers seen */
	bool			 in_multi;
	bool			 done;
	int64_t			 start_ms;
	char			 errbuf[CURL_ERROR_SIZE];
};

static void
vote_result_set(struct vote_result *res, enum vote_reason reason,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void
vote_result_set(struct vote_result *res, enum vote_reason reason,
    const char *fmt, ...)
{
	va_list	ap;

	res->reason = reason;
	va_start(ap, fmt);
	vsnprintf(res->detail, sizeof(res->detail), fmt, ap);
	va_end(ap);
}

/* Keep at most VOTE_BODY_MAX bytes; one more ends the transfer. */
static size_t
vote_write(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct vote_ask	*a = arg;
	size_t		 n = size * nmemb;

	if (n > VOTE_BODY_MAX - a->bodylen) {
		a->capped = true;
		return 0;	/* CURLE_WRITE_ERROR */
	}
	memcpy(a->body + a->bodylen, ptr, n);
	a->bodylen += n;
	a->body[a->bodylen] = '\0';
	return n;
}

/*
 * Pick X-FA-Signature out of the header lines.  A second one makes the
 * answer ambiguous and is refused later (nsig > 1).  A new status line
 * (an interim 1xx answer) starts the header set over.
 */
static size_t
vote_header(char *buf, size_t size, size_t nitems, void *arg)
{
	struct vote_ask	*a = arg;
	size_t		 n = size * nitems, namelen = strlen(VOTE_SIG_HEADER);
	size_t		 i, vlen;
	const char	*v;

	if (n >= 5 && strncmp(buf, "HTTP/", 5) == 0) {
		a->nsig = 0;
		a->sig[0] = '\0';
		return n;
	}
	if (n <= namelen || strncasecmp(buf, VOTE_SIG_HEADER, namelen) != 0 ||
	    buf[namelen] != ':')
		return n;
	a->nsig++;
	v = buf + namelen + 1;
	vlen = n - namelen - 1;
	while (vlen > 0 && (*v == ' ' || *v == '\t')) {
		v++;
		vlen--;
	}
	while (vlen > 0 && isspace((unsigned char)v[vlen - 1]))
		vlen--;
	a->sig[0] = '\0';
	if (vlen == VOTE_MAC_HEX_LEN) {
		for (i = 0; i < vlen; i++)
			a->sig[i] = v[i];
		a->sig[vlen] = '\0';
	}
	return n;
}

/*
 * "http://host:port" or "https://host/prefix" + path [+ "?" + query].  The
 * spare's URL must not carry a query or a fragment of its own: the MAC covers
 * exactly our query string.
 */
static char *
vote_url(const char *base, const char *path, const char *query, char *err,
    size_t errlen)
{
	size_t	 len, i;
	char	*url;

	if (strncasecmp(base, "http://", 7) != 0 &&
	    strncasecmp(base, "https://", 8) != 0) {
		snprintf(err, errlen, "url is not http:// or https://");
		return NULL;
	}
	for (i = 0; base[i] != '\0'; i++)
		if (base[i] == '?' || base[i] == '#' ||
		    isspace((unsigned char)base[i]) ||
		    iscntrl((unsigned char)base[i])) {
			snprintf(err, errlen, "url holds a query, a fragment or"
			    " white space");
			return NULL;
		}
	len = strlen(base);
	while (len > 0 && base[len - 1] == '/')
		len--;
	if (asprintf(&url, "%.*s%s%s%s", (int)len, base, path,
	    query != NULL ? "?" : "", query != NULL ? query : "") == -1) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	return url;
}

static int
vote_ask_prepare(struct vote_ask *a, const struct vote_secret *secret,
    const char *from, int64_t timeout_ms)
{
	const struct vote_spare	*sp = a->res->spare;
	char			 err[96], *hdr = NULL;
	CURLcode		 rc = CURLE_OK;
	CURL			*e;
	long			 ms = timeout_ms < 1 ? 1 : (long)timeout_ms;

	if (a->health) {
		if ((a->url = vote_url(sp->url, VOTE_HEALTH_PATH, NULL, err,
		    sizeof(err))) == NULL) {
			vote_result_set(a->res, VOTE_INTERNAL_ERROR, "%s", err);
			return -1;
		}
	} else {
		if (vote_request_build(secret, from, util_wall_ms() / 1000,
		    NULL, &a->req) == -1) {
			vote_result_set(a->res, VOTE_INTERNAL_ERROR, "cannot"
			    " build the request (is '%s' a valid site name?)",
			    from);
			return -1;
		}
		if ((a->url = vote_url(sp->url, VOTE_PATH, a->req.query, err,
		    sizeof(err))) == NULL) {
			vote_result_set(a->res, VOTE_INTERNAL_ERROR, "%s", err);
			return -1;
		}
		if (asprintf(&hdr, "Authorization: %s",
		    a->req.authorization) == -1) {
			vote_result_set(a->res, VOTE_INTERNAL_ERROR,
			    "out of memory");
			return -1;
		}
		a->headers = curl_slist_append(NULL, hdr);
		free(hdr);
		if (a->headers == NULL) {
			vote_result_set(a->res, VOTE_INTERNAL_ERROR,
			    "out of memory");
			return -1;
		}
	}
	if ((a->easy = e = curl_easy_init()) == NULL) {
		vote_result_set(a->res, VOTE_INTERNAL_ERROR,
		    "curl_easy_init failed");
		return -1;
	}
#define VOTE_SETOPT(opt, val)	do {					\
	if (rc == CURLE_OK)						\
		rc = curl_easy_setopt(e, (opt), (val));			\
} while (0)
	rc = http_easy_setup(e, a->url, NULL, a->errbuf);
	VOTE_SETOPT(CURLOPT_PRIVATE, (void *)a);
	VOTE_SETOPT(CURLOPT_HTTPGET, 1L);
	if (a->headers != NULL)
		VOTE_SETOPT(CURLOPT_HTTPHEADER, a->headers);
	VOTE_SETOPT(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)VOTE_BODY_MAX);
	VOTE_SETOPT(CURLOPT_WRITEFUNCTION, vote_write);
	VOTE_SETOPT(CURLOPT_WRITEDATA, (void *)a);
	VOTE_SETOPT(CURLOPT_HEADERFUNCTION, vote_header);
	VOTE_SETOPT(CURLOPT_HEADERDATA, (void *)a);
	/* The loop enforces the one deadline; this stops curl there too. */
	if (rc == CURLE_OK)
		rc = http_easy_timeout(e, ms);
#undef VOTE_SETOPT
	if (rc != CURLE_OK) {
		vote_result_set(a->res, VOTE_INTERNAL_ERROR,
		    "curl_easy_setopt: %s", curl_easy_strerror(rc));
		return -1;
	}
	return 0;
}

/* The first line of an error body, printable characters only, cut short. */
static void
vote_excerpt(const struct vote_ask *a, char *buf, size_t buflen)
{
	size_t	i, j = 0;

	for (i = 0; i < a->bodylen && j + 1 < buflen && j < VOTE_EXCERPT_MAX;
	    i++) {
		if (a->body[i] == '\n' || a->body[i] == '\r')
			break;
		buf[j++] = isprint((unsigned char)a->body[i]) ? a->body[i] :
		    '?';
	}
	buf[j] = '\0';
}

static bool
vote_curl_tls_error(CURLcode code)
{
	/* A CA file or certificate of ours that fails counts here too. */
	switch (code) {
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CRL_BADFILE:
	case CURLE_SSL_ENGINE_NOTFOUND:
	case CURLE_SSL_ENGINE_SETFAILED:
	case CURLE_SSL_ENGINE_INITFAILED:
		return true;
	case CURLE_USE_SSL_FAILED:	/* STARTTLS only: never for http */
		return false;
	default:
		return http_curl_tls_failed(code);
	}
}

/* The transfer ended: judge the answer. */
static void
vote_ask_done(struct vote_ask *a, const struct vote_secret *secret,
    CURLcode code)
{
	struct vote_result	*res = a->res;
	char			 excerpt[VOTE_EXCERPT_MAX + 1];
	const char		*why;

	a->done = true;
	res->elapsed_ms = util_mono_ms() - a->start_ms;
	why = a->errbuf[0] != '\0' ? a->errbuf : curl_easy_strerror(code);
	if (code == CURLE_FILESIZE_EXCEEDED ||
	    (code == CURLE_WRITE_ERROR && a->capped)) {
		vote_result_set(res, VOTE_TOO_LARGE, "answer over %d bytes",
		    VOTE_BODY_MAX);
		return;
	}
	if (vote_curl_tls_error(code)) {
		vote_result_set(res, VOTE_TLS_FAILED, "%s", why);
		return;
	}
	switch (code) {
	case CURLE_OK:
		break;
	case CURLE_OUT_OF_MEMORY:
	case CURLE_FAILED_INIT:
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_URL_MALFORMAT:
	case CURLE_BAD_FUNCTION_ARGUMENT:
		vote_result_set(res, VOTE_INTERNAL_ERROR, "%s", why);
		return;
	default:
		vote_result_set(res, VOTE_NO_ANSWER, "%s", why);
		return;
	}
	curl_easy_getinfo(a->easy, CURLINFO_RESPONSE_CODE, &res->http_status);
	if (a->health) {
		vote_excerpt(a, excerpt, sizeof(excerpt));
		if (res->http_status == 200 && strcmp(excerpt, "ok") == 0)
			vote_result_set(res, VOTE_VALID, "ok");
		else
			vote_result_set(res, VOTE_HTTP_STATUS, "HTTP %ld%s%s",
			    res->http_status, excerpt[0] != '\0' ? ": " : "",
			    excerpt);
		return;
	}
	if (res->http_status != 200) {
		/*
		 * 401: the spare did not accept our request's MAC (another
		 * secret, a clock more than 30 s off, a replay): the signature
		 * exchange failed, and the spare's words say which.
		 */
		vote_excerpt(a, excerpt, sizeof(excerpt));
		vote_result_set(res, res->http_status == 401 ?
		    VOTE_BAD_SIGNATURE : VOTE_HTTP_STATUS, "HTTP %ld%s%s",
		    res->http_status, excerpt[0] != '\0' ? ": " : "", excerpt);
		return;
	}
	if (a->nsig > 1) {
		vote_result_set(res, VOTE_BAD_SIGNATURE, "%d %s headers",
		    a->nsig, VOTE_SIG_HEADER);
		return;
	}
	res->reason = vote_response_verify(secret, &a->req,
	    a->nsig == 1 ? a->sig : NULL, a->body, a->bodylen, &res->vote,
	    res->detail, sizeof(res->detail));
}

static void
vote_ask_free(struct vote_ask *a, CURLM *multi)
{
	if (a->easy != NULL) {
		if (a->in_multi)
			curl_multi_remove_handle(multi, a->easy);
		curl_easy_cleanup(a->easy);
	}
	curl_slist_free_all(a->headers);	/* a MAC: not secret */
	free(a->url);
	util_wipe(&a->req, sizeof(a->req));
}

/* Drain curl's "transfer done" messages. */
static void
vote_loop_messages(CURLM *multi, const struct vote_secret *secret)
{
	CURLMsg		*msg;
	struct vote_ask	*a;
	char		*priv;
	int		 left;

	while ((msg = curl_multi_info_read(multi, &left)) != NULL) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		if (curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE,
		    &priv) != CURLE_OK || priv == NULL)
			continue;
		a = (struct vote_ask *)(void *)priv;
		if (!a->done)
			vote_ask_done(a, secret, msg->data.result);
	}
}

/*
 * One voter, one vote: when two spares answer with the same voter name
 * (the same host listed twice, or two spares sharing a name), only the first
 * in configuration order counts.
 */
static void
vote_dedup(struct vote_result *results, size_t n)
{
	size_t	i, j;

	for (i = 0; i < n; i++) {
		if (results[i].reason != VOTE_VALID)
			continue;
		for (j = 0; j < i; j++) {
			if (results[j].reason != VOTE_VALID ||
			    strcmp(results[j].vote.voter,
			    results[i].vote.voter) != 0)
				continue;
			vote_result_set(&results[i], VOTE_DUPLICATE_VOTER,
			    "voter '%s' already counted for spare '%s'",
			    results[i].vote.voter, results[j].spare->name);
			memset(&results[i].vote, 0, sizeof(results[i].vote));
			break;
		}
	}
}

/*
 * A verified vote counts only if the spare asked signed it and its verdict
 * is not older than its max_age (vote_judge()); otherwise it abstains with
 * that reason, and its history row says so.
 */
static void
vote_judge_all(struct vote_result *results, size_t n, int64_t timeout_ms)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		if (results[i].reason != VOTE_VALID)
			continue;
		results[i].reason = vote_judge(&results[i].vote,
		    results[i].spare->name, timeout_ms, results[i].detail,
		    sizeof(results[i].detail));
		if (results[i].reason != VOTE_VALID)
			memset(&results[i].vote, 0, sizeof(results[i].vote));
	}
}

/*
 * The event loop shared by vote_client_ask() and vote_client_health():
 * every spare at once, one deadline.
 */
static int
vote_client_run(const struct vote_secret *secret, const char *from,
    const struct vote_spare *spares, size_t nspares, int64_t timeout_ms,
    struct vote_result *results, bool health)
{
	struct vote_ask	*asks = NULL;
	CURLM		*multi = NULL;
	CURLMcode	 mc;
	int64_t		 deadline, left;
	size_t		 i;
	int		 running = 0, nvalid = 0;

	for (i = 0; i < nspares; i++) {
		memset(&results[i], 0, sizeof(results[i]));
		results[i].spare = &spares[i];
		results[i].reason = VOTE_NO_ANSWER;
	}
	if (nspares == 0)
		return 0;
	deadline = util_mono_ms() + (timeout_ms > 0 ? timeout_ms : 0);
	asks = util_xcalloc(nspares, sizeof(*asks));
	if ((multi = curl_multi_init()) == NULL) {
		for (i = 0; i < nspares; i++)
			vote_result_set(&results[i], VOTE_INTERNAL_ERROR,
			    "curl_multi_init failed");
		goto cleanup;
	}
	for (i = 0; i < nspares; i++) {
		asks[i].res = &results[i];
		asks[i].health = health;
		asks[i].start_ms = util_mono_ms();
		if (vote_ask_prepare(&asks[i], secret, from, timeout_ms) == -1) {
			asks[i].done = true;
			continue;
		}
		if ((mc = curl_multi_add_handle(multi, asks[i].easy)) !=
		    CURLM_OK) {
			vote_result_set(&results[i], VOTE_INTERNAL_ERROR,
			    "curl_multi_add_handle: %s", curl_multi_strerror(mc));
			asks[i].done = true;
			continue;
		}
		asks[i].in_multi = true;
	}

	for (;;) {
		if ((mc = curl_multi_perform(multi, &running)) != CURLM_OK) {
			log_warnx("votes: curl_multi_perform: %s",
			    curl_multi_strerror(mc));
			break;
		}
		vote_loop_messages(multi, secret);
		if (running == 0 || (left = util_ms_left(deadline)) == 0)
			break;
		if (left > VOTE_POLL_MAX_MS)
			left = VOTE_POLL_MAX_MS;
		if ((mc = curl_multi_poll(multi, NULL, 0, (int)left, NULL)) !=
		    CURLM_OK) {
			log_warnx("votes: curl_multi_poll: %s",
			    curl_multi_strerror(mc));
			break;
		}
	}

	for (i = 0; i < nspares; i++) {
		if (asks[i].done)
			continue;
		results[i].elapsed_ms = util_mono_ms() - asks[i].start_ms;
		vote_result_set(&results[i], VOTE_NO_ANSWER, "no answer within"
		    " %lldms", (long long)(timeout_ms > 0 ? timeout_ms : 0));
	}
	if (!health) {
		vote_judge_all(results, nspares, timeout_ms);
		vote_dedup(results, nspares);
	}
	for (i = 0; i < nspares; i++) {
		if (results[i].reason == VOTE_VALID)
			nvalid++;
		if (health)
			log_debug("spare %s health: %s: %s", spares[i].name,
			    vote_reason_str(results[i].reason),
			    results[i].detail);
		else if (results[i].reason == VOTE_VALID)
			log_debug("vote from spare %s: %s (voter %s, checked"
			    " at %lld)", spares[i].name,
			    vote_verdict_str(results[i].vote.verdict),
			    results[i].vote.voter,
			    (long long)results[i].vote.checked_at);
		else
			log_debug("spare %s abstains: %s: %s", spares[i].name,
			    vote_reason_str(results[i].reason),
			    results[i].detail);
	}
cleanup:
	if (asks != NULL) {
		for (i = 0; i < nspares; i++)
			vote_ask_free(&asks[i], multi);
		free(asks);
	}
	if (multi != NULL)
		curl_multi_cleanup(multi);
	return nvalid;
}

int
vote_client_ask(const struct vote_secret *secret, const char *from,
    const struct vote_spare *spares, size_t nspares, int64_t timeout_ms,
    struct vote_result *results)
{
	return vote_client_run(secret, from, spares, nspares, timeout_ms,
	    results, false);
}

int
vote_client_health(const struct vote_spare *spares, size_t nspares,
    int64_t timeout_ms, struct vote_result *results)
{
	return vote_client_run(NULL, NULL, spares, nspares, timeout_ms,
	    results, true);
}

/* ---------------------------------------------------------------------- */

void
quorum_count(const struct vote_result *results, size_t n,
    struct quorum_count *out)
{
	size_t	i;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < n; i++) {
		if (results[i].reason != VOTE_VALID)
			continue;
		out->valid++;
		switch (results[i].vote.verdict) {
		case VOTE_VERDICT_UP:
			out->up++;
			break;
		case VOTE_VERDICT_DOWN:
			out->down++;
			break;
		default:
			out->unknown++;
			break;
		}
	}
}

enum quorum_result
quorum_tally(const struct vote_result *results, size_t n, int need,
    int max_up, int need_down)
{
	struct quorum_count	c;

	quorum_count(results, n, &c);
	if (c.valid < need)
		return QUORUM_ISOLATED;
	if (c.up > max_up)
		return QUORUM_PARTITION;
	if (c.down < need_down)
		return QUORUM_UNCONFIRMED;
	return QUORUM_CONFIRMED;
}

int
quorum_down_votes(const struct vote_result *results, size_t n)
{
	struct quorum_count	c;

	quorum_count(results, n, &c);
	return c.down;
}
