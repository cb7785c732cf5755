/*
 * http.c: the HTTP client of the API methods (see http.h for the rules
 * every request follows).
 *
 * One easy handle per request, curl_easy_perform() bounded by the time left
 * until the caller's deadline: a method sends one request at a time per
 * zone, so there is nothing to multiplex here.  libcurl keeps copies of the
 * request headers in its own buffers while it sends them; we cannot wipe
 * those, so the secret lives in as few places as we control: one header
 * line that we build, and wipe before freeing.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>
#include <openssl/evp.h>

#include "agent/lib/log.h"
#include "agent/lib/util.h"
#include "agent/lib/http.h"

#define HTTP_USER_AGENT		"failover-agent"
#define HTTP_SECRET_MAX		4096	/* bytes of a secret file */

struct http_sink {
	char	*buf;
	size_t	 len;
	size_t	 max;
	bool	 capped;
};

/* curl write callback: keep the first max bytes, then stop the transfer. */
static size_t
http_write(char *data, size_t size, size_t nmemb, void *arg)
{
	struct http_sink	*s = arg;
	size_t			 n = size * nmemb;

	if (n > s->max - s->len) {
		memcpy(s->buf + s->len, data, s->max - s->len);
		s->len = s->max;
		s->capped = true;
		return 0;	/* CURLE_WRITE_ERROR */
	}
	memcpy(s->buf + s->len, data, n);
	s->len += n;
	return n;
}

/*
 * One header line of an answer (data, n bytes, no NUL needed): keep
 * Retry-After (RFC 9110 §10.2.3: delay-seconds or an HTTP-date) as seconds
 * from now, capped at a day, in *ra; a status line ("HTTP/", a new response
 * after a 100) sets it back to -1; any other line, or a value we cannot
 * read, leaves it alone.  Pure but for the clock; split from the curl
 * callback so that t/fuzz/fuzz_retry_after.c can call it.
 */
void
http_header_retry_after(const char *data, size_t n, long *ra)
{
	size_t		 i;
	char		 v[128];
	const char	*errstr;
	long long	 secs;
	time_t		 when;

	if (n > 12 && strncasecmp(data, "Retry-After:", 12) == 0) {
		for (i = 12; i < n && (data[i] == ' ' || data[i] == '\t'); i++)
			;
		snprintf(v, sizeof(v), "%.*s", (int)(n - i), data + i);
		v[strcspn(v, "\r\n")] = '\0';
		if (util_number_parse(v, 0, 86400, &secs, &errstr) == 0)
			*ra = (long)secs;
		else if ((when = curl_getdate(v, NULL)) != -1)
			*ra = when <= time(NULL) ? 0 :
			    (long)(when - time(NULL) > 86400 ? 86400 :
			    when - time(NULL));
	} else if (n >= 5 && strncmp(data, "HTTP/", 5) == 0)
		*ra = -1;	/* a new response (after a 100): start again */
}

/*
 * curl header callback: Retry-After as seconds from now in *arg, -1 when
 * absent or not readable (http_header_retry_after()).  libcurl's
 * CURLINFO_RETRY_AFTER says 0 both for "0" and for no header at all,
 * which a caller that waits must tell apart.
 */
static size_t
http_header_cb(char *data, size_t size, size_t nmemb, void *arg)
{
	http_header_retry_after(data, size * nmemb, arg);
	return size * nmemb;
}

bool
http_curl_tls_failed(CURLcode code)
{
	switch (code) {
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
	case CURLE_SSL_SHUTDOWN_FAILED:
	case CURLE_USE_SSL_FAILED:
		return true;
	default:
		return false;
	}
}

static enum http_fail
http_fail_of(CURLcode code)
{
	if (http_curl_tls_failed(code))
		return HTTP_FAIL_TLS;
	switch (code) {
	case CURLE_OPERATION_TIMEDOUT:
		return HTTP_FAIL_TIMEOUT;
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CRL_BADFILE:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_OUT_OF_MEMORY:
	case CURLE_FAILED_INIT:
	case CURLE_URL_MALFORMAT:
	case CURLE_NOT_BUILT_IN:
	case CURLE_BAD_FUNCTION_ARGUMENT:
	case CURLE_UNSUPPORTED_PROTOCOL:
		return HTTP_FAIL_INTERNAL;
	default:
		return HTTP_FAIL_NETWORK;
	}
}

/*
 * Copy the caller's header lines and add ours ("Expect:" turns off the
 * 100-continue round trip a larger body would cost).  The copy may hold a
 * secret: freed with http_headers_free().  NULL on no memory.
 */
static struct curl_slist *
http_headers_copy(const struct curl_slist *in)
{
	struct curl_slist	*out = NULL, *t;

	for (; in != NULL; in = in->next) {
		if ((t = curl_slist_append(out, in->data)) == NULL) {
			http_headers_free(out);
			return NULL;
		}
		out = t;
	}
	if ((t = curl_slist_append(out, "Expect:")) == NULL) {
		http_headers_free(out);
		return NULL;
	}
	return t;
}

CURLcode
http_easy_setup(CURL *e, const char *url, const char *ca_file, char *errbuf)
{
	CURLcode	rc = CURLE_OK;

#define HTTP_SETOPT(opt, val)	do {					\
	if (rc == CURLE_OK)						\
		rc = curl_easy_setopt(e, (opt), (val));			\
} while (0)
	HTTP_SETOPT(CURLOPT_ERRORBUFFER, errbuf);
	HTTP_SETOPT(CURLOPT_URL, url);
#if LIBCURL_VERSION_NUM >= 0x075500	/* 7.85.0 */
	HTTP_SETOPT(CURLOPT_PROTOCOLS_STR, "http,https");
#else
	HTTP_SETOPT(CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	HTTP_SETOPT(CURLOPT_NOSIGNAL, 1L);
	HTTP_SETOPT(CURLOPT_FOLLOWLOCATION, 0L);
	HTTP_SETOPT(CURLOPT_PROXY, "");
	HTTP_SETOPT(CURLOPT_SSL_VERIFYPEER, 1L);
	HTTP_SETOPT(CURLOPT_SSL_VERIFYHOST, 2L);
	if (ca_file != NULL)
		HTTP_SETOPT(CURLOPT_CAINFO, ca_file);
	HTTP_SETOPT(CURLOPT_USERAGENT, HTTP_USER_AGENT);
	/* Every request judges a fresh connection, never a reused one. */
	HTTP_SETOPT(CURLOPT_FRESH_CONNECT, 1L);
	HTTP_SETOPT(CURLOPT_FORBID_REUSE, 1L);
#undef HTTP_SETOPT
	return rc;
}

CURLcode
http_easy_timeout(CURL *e, long ms)
{
	CURLcode	rc;

	if (ms < 1)
		ms = 1;		/* 0 would mean "no timeout" to curl */
	if ((rc = curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, ms)) != CURLE_OK)
		return rc;
	return curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, ms);
}

int
http_request(const struct http_req *req, struct http_resp *resp)
{
	struct http_sink	 sink;
	struct curl_slist	*hdrs = NULL;
	CURL			*e = NULL;
	CURLcode		 rc = CURLE_OK;
	char			 errbuf[CURL_ERROR_SIZE] = "";
	int64_t			 left;
	long			 retry_after = -1, reqsize = 0;
	int			 ret = -1;

	memset(resp, 0, sizeof(*resp));
	resp->retry_after = -1;
	memset(&sink, 0, sizeof(sink));
	sink.max = req->body_max ? req->body_max : HTTP_API_BODY_MAX;
	if ((sink.buf = malloc(sink.max + 1)) == NULL) {
		resp->fail = HTTP_FAIL_INTERNAL;
		snprintf(resp->error, sizeof(resp->error), "out of memory");
		goto done;
	}
	left = util_ms_left(req->deadline_ms);
	if (left <= 0) {
		resp->fail = HTTP_FAIL_TIMEOUT;
		snprintf(resp->error, sizeof(resp->error), "no time left for "
		    "the request");
		goto done;
	}
	if ((hdrs = http_headers_copy(req->headers)) == NULL ||
	    (e = curl_easy_init()) == NULL) {
		resp->fail = HTTP_FAIL_INTERNAL;
		snprintf(resp->error, sizeof(resp->error), "out of memory");
		goto done;
	}

#define HTTP_SETOPT(opt, val)	do {					\
	if (rc == CURLE_OK)						\
		rc = curl_easy_setopt(e, (opt), (val));			\
} while (0)
	rc = http_easy_setup(e, req->url, req->ca_file, errbuf);
	HTTP_SETOPT(CURLOPT_HTTPHEADER, hdrs);
	HTTP_SETOPT(CURLOPT_WRITEFUNCTION, http_write);
	HTTP_SETOPT(CURLOPT_WRITEDATA, (void *)&sink);
	HTTP_SETOPT(CURLOPT_HEADERFUNCTION, http_header_cb);
	HTTP_SETOPT(CURLOPT_HEADERDATA, (void *)&retry_after);
	if (rc == CURLE_OK)
		rc = http_easy_timeout(e, (long)left);
	if (req->body != NULL) {
		HTTP_SETOPT(CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)req->bodylen);
		HTTP_SETOPT(CURLOPT_POSTFIELDS, req->body);
	} else
		HTTP_SETOPT(CURLOPT_HTTPGET, 1L);
	if (strcmp(req->method, "GET") != 0 &&
	    strcmp(req->method, "POST") != 0)
		HTTP_SETOPT(CURLOPT_CUSTOMREQUEST, req->method);
#undef HTTP_SETOPT
	if (rc != CURLE_OK) {
		resp->fail = HTTP_FAIL_INTERNAL;
		snprintf(resp->error, sizeof(resp->error), "curl_easy_setopt: "
		    "%s", curl_easy_strerror(rc));
		goto done;
	}

	rc = curl_easy_perform(e);
	if (rc == CURLE_WRITE_ERROR && sink.capped)
		rc = CURLE_OK;		/* we stopped it: judge what we have */
	if (rc != CURLE_OK) {
		resp->fail = http_fail_of(rc);
		/*
		 * Did the request leave?  Then the server may have acted on
		 * it though no answer came (a lost answer, issue 16).
		 */
		if (curl_easy_getinfo(e, CURLINFO_REQUEST_SIZE, &reqsize) ==
		    CURLE_OK && reqsize > 0 && (resp->fail ==
		    HTTP_FAIL_TIMEOUT || resp->fail == HTTP_FAIL_NETWORK))
			resp->sent = true;
		/* curl's messages name the host and the reason, never headers. */
		snprintf(resp->error, sizeof(resp->error), "%.200s",
		    errbuf[0] != '\0' ? errbuf : curl_easy_strerror(rc));
		if (resp->sent)
			snprintf(resp->error, sizeof(resp->error), "%s sent, "
			    "no answer (%.200s)", req->method, errbuf[0] !=
			    '\0' ? errbuf : curl_easy_strerror(rc));
		else if (resp->fail == HTTP_FAIL_TIMEOUT)
			snprintf(resp->error, sizeof(resp->error), "no answer "
			    "in time (%.200s)", errbuf[0] != '\0' ? errbuf :
			    curl_easy_strerror(rc));
		goto done;
	}
	curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &resp->status);
	if (resp->status == 429)
		resp->retry_after = retry_after;
	ret = 0;
done:
	if (sink.buf != NULL)
		sink.buf[sink.len] = '\0';
	else if ((sink.buf = calloc(1, 1)) == NULL)
		abort();	/* the contract says body is never NULL */
	resp->body = sink.buf;
	resp->len = sink.len;
	resp->capped = sink.capped;
	if (e != NULL)
		curl_easy_cleanup(e);
	http_headers_free(hdrs);
	return ret;
}

bool
http_retry_wait(const struct http_resp *r, int64_t deadline_ms,
    int64_t reserve_ms)
{
	struct timespec	ts;
	int64_t		wait_ms;

	if (r->status != 429 || r->retry_after < 0)
		return false;
	wait_ms = (int64_t)r->retry_after * 1000;
	if (util_ms_left(deadline_ms) <= wait_ms + reserve_ms)
		return false;
	ts.tv_sec = (time_t)(wait_ms / 1000);
	ts.tv_nsec = (long)(wait_ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
	return true;
}

void
http_resp_free(struct http_resp *resp)
{
	if (resp == NULL)
		return;
	free(resp->body);
	resp->body = NULL;
	resp->len = 0;
}

int
http_secret_load(const char *path, char **secret, size_t *len, char *err,
    size_t errlen)
{
	char	*buf = NULL;
	size_t	 n = 0, i;

	*secret = NULL;
	*len = 0;
	if (util_secret_read(path, HTTP_SECRET_MAX, &buf, &n, err, errlen) ==
	    -1)
		return -1;
	/* The first line: "pass\n" and "pass\r\n" both mean "pass". */
	for (i = 0; i < n && buf[i] != '\n'; i++)
		;
	if (i > 0 && buf[i - 1] == '\r')
		i--;
	if (i == 0) {
		snprintf(err, errlen, "%s: the first line is empty", path);
		util_secret_free(buf, n);
		return -1;
	}
	for (size_t j = 0; j < i; j++) {
		if (iscntrl((unsigned char)buf[j])) {
			snprintf(err, errlen, "%s: the first line holds a "
			    "control character", path);
			util_secret_free(buf, n);
			return -1;
		}
	}
	/* Wipe what follows the first line, and keep the buffer's size. */
	util_wipe(buf + i, n - i);
	*secret = buf;
	*len = n;
	return 0;
}

void
http_secret_free(char *secret, size_t len)
{
	if (secret != NULL)
		util_secret_free(secret, len);
}

int
http_header_add(struct curl_slist **list, const char *name,
    const char *value)
{
	struct curl_slist	*t;
	size_t			 n = strlen(name) + strlen(value) + 3;
	char			*line;

	if ((line = malloc(n)) == NULL)
		return -1;
	snprintf(line, n, "%s: %s", name, value);
	t = curl_slist_append(*list, line);
	util_wipe(line, n);
	free(line);
	if (t == NULL)
		return -1;
	*list = t;
	return 0;
}

int
http_header_basic_auth(struct curl_slist **list, const char *user,
    const char *password)
{
	size_t	 plen = strlen(user) + 1 + strlen(password);
	size_t	 blen = 4 * ((plen + 2) / 3) + 1;
	char	*plain = NULL, *b64 = NULL, *value = NULL;
	size_t	 vlen = blen + sizeof("Basic ");
	int	 ret = -1;

	if ((plain = malloc(plen + 1)) == NULL ||
	    (b64 = malloc(blen)) == NULL || (value = malloc(vlen)) == NULL)
		goto done;
	snprintf(plain, plen + 1, "%s:%s", user, password);
	/* RFC 7617 §2: base64 of user-id ":" password. */
	EVP_EncodeBlock((unsigned char *)b64, (const unsigned char *)plain,
	    (int)plen);
	snprintf(value, vlen, "Basic %s", b64);
	ret = http_header_add(list, "Authorization", value);
done:
	if (plain != NULL)
		util_wipe(plain, plen + 1);
	if (b64 != NULL)
		util_wipe(b64, blen);
	if (value != NULL)
		util_wipe(value, vlen);
	free(plain);
	free(b64);
	free(value);
	return ret;
}

void
http_headers_free(struct curl_slist *list)
{
	struct curl_slist	*l;

	for (l = list; l != NULL; l = l->next)
		if (l->data != NULL)
			util_wipe(l->data, strlen(l->data));
	curl_slist_free_all(list);
}

char *
http_escape(const char *s)
{
	static const char	 hex[] = "0123456789ABCDEF";
	size_t			 n = strlen(s), i, j = 0;
	char			*out = util_xcalloc(3 * n + 1, 1);

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		/* RFC 3986 §2.3 unreserved. */
		if (isalnum(c) || c == '-' || c == '.' || c == '_' ||
		    c == '~')
			out[j++] = (char)c;
		else {
			out[j++] = '%';
			out[j++] = hex[c >> 4];
			out[j++] = hex[c & 15];
		}
	}
	out[j] = '\0';
	return out;
}

void
http_first_line(const char *text, char *out, size_t outlen)
{
	const char	*p = text, *end;
	size_t		 n, i;

	if (outlen == 0)
		return;
	out[0] = '\0';
	if (text == NULL)
		return;
	while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
		p++;
	if (*p == '\0')
		return;
	end = p + strcspn(p, "\r\n");
	n = (size_t)(end - p);
	while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
		n--;
	if (n > outlen - 1)
		n = outlen - 1;
	for (i = 0; i < n; i++)
		out[i] = iscntrl((unsigned char)p[i]) ? '?' : p[i];
	out[n] = '\0';
}

int
http_url_split(const char *url, struct http_url *out)
{
	CURLU	*u;
	char	*scheme = NULL, *host = NULL, *port = NULL, *user = NULL;
	char	*pass = NULL, *query = NULL, *frag = NULL;
	int	 rc = -1;

	memset(out, 0, sizeof(*out));
	if (url[strcspn(url, " \t")] != '\0')
		return -1;
	if ((u = curl_url()) == NULL)
		fatalx("curl_url: out of memory");
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0) ||
	    strlen(host) >= sizeof(out->host))
		goto done;
	(void)curl_url_get(u, CURLUPART_PORT, &port, 0);
	(void)curl_url_get(u, CURLUPART_USER, &user, 0);
	(void)curl_url_get(u, CURLUPART_PASSWORD, &pass, 0);
	(void)curl_url_get(u, CURLUPART_QUERY, &query, 0);
	(void)curl_url_get(u, CURLUPART_FRAGMENT, &frag, 0);
	out->https = strcmp(scheme, "https") == 0;
	snprintf(out->host, sizeof(out->host), "%s", host);
	if (port != NULL && strlen(port) < sizeof(out->port))
		snprintf(out->port, sizeof(out->port), "%s", port);
	out->userinfo = user != NULL || pass != NULL;
	out->query = query != NULL;
	out->fragment = frag != NULL;
	rc = 0;
done:
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_free(user);
	curl_free(pass);
	curl_free(query);
	curl_free(frag);
	curl_url_cleanup(u);
	return rc;
}
