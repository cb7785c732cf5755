/*
 * http.h: the one HTTP client the API methods share (through
 * dnsupdate/method/apimethod.h), on libcurl's easy interface, and the one
 * hardened handle set-up (http_easy_setup()) that the http check and the
 * vote client use for their handles too.
 *
 * Every request: http and https only; TLS verified (peer and host name),
 * against ca_file when given; no redirects followed (an API that redirects
 * is misconfigured, and a redirect must not carry our credentials
 * elsewhere); no proxy from the environment; one CLOCK_MONOTONIC deadline
 * for connect, TLS and transfer; at most body_max bytes of answer kept.
 *
 * Secrets (an API key, a password) are read from their file right before
 * the request (http_secret_load) and wiped right after (http_secret_free,
 * http_headers_free).  They travel only in request headers that we build
 * and wipe ourselves: never in a URL, argv, a log line or a message.
 */
#ifndef FA_DNSUPDATE_HTTP_H
#define FA_DNSUPDATE_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <curl/curl.h>

/* What http_request() keeps of an answer by default: an API answer, not a
 * download. */
#define HTTP_API_BODY_MAX	(1024 * 1024)

struct http_req {
	const char		*method;	/* "GET", "POST", "PATCH" */
	const char		*url;
	const char		*ca_file;	/* NULL: the system's CAs */
	const struct curl_slist	*headers;	/* borrowed, may be NULL */
	const char		*body;		/* NULL: none */
	size_t			 bodylen;
	size_t			 body_max;	/* 0: HTTP_API_BODY_MAX */
	int64_t			 deadline_ms;	/* CLOCK_MONOTONIC, util_mono_ms() */
};

enum http_fail {
	HTTP_FAIL_NONE = 0,
	HTTP_FAIL_TIMEOUT,	/* the deadline passed */
	HTTP_FAIL_NETWORK,	/* resolve, connect, send, receive */
	HTTP_FAIL_TLS,		/* handshake or certificate verification */
	HTTP_FAIL_INTERNAL,	/* our side: bad URL, CA file, memory */
};

struct http_resp {
	long		 status;	/* HTTP status; 0 when there is no answer */
	char		*body;		/* NUL-terminated, never NULL after a call */
	size_t		 len;
	bool		 capped;	/* the answer was longer than body_max */
	long		 retry_after;	/* Retry-After in seconds (RFC 9110
					   §10.2.3, a delay or a date), -1
					   when the answer has none */
	enum http_fail	 fail;
	bool		 sent;		/* no answer (timeout, network),
					   but the request left: the server
					   may have acted on it; error says
					   "PATCH sent, no answer (...)" */
	char		 error[256];	/* why there is no answer: no secrets */
};

/*
 * The hardened set-up of every libcurl handle of ours (a check's GET, a
 * vote request, an API call), on a fresh handle e: url; http and https
 * only (no file://, no gopher://); no redirect followed (a 302 to a
 * maintenance page is not "up", and a redirect must not carry credentials
 * elsewhere); no proxy from the environment (a proxy's answer says nothing
 * about the server); TLS verified, peer and host name, against ca_file
 * (NULL: the system's CAs); our User-Agent; a new connection, never a
 * reused one; no signals (threads); curl's error text in errbuf
 * (CURL_ERROR_SIZE bytes, the caller's, living as long as e).  The caller
 * adds its callbacks and headers, and http_easy_timeout().  Returns
 * CURLE_OK, or the first option curl refused.
 */
CURLcode	http_easy_setup(CURL *e, const char *url, const char *ca_file,
		    char *errbuf);

/*
 * One deadline for connect, TLS and transfer: ms from now (less than 1 is
 * 1: 0 would mean no limit to curl).  Returns CURLE_OK or curl's refusal.
 */
CURLcode	http_easy_timeout(CURL *e, long ms);

/*
 * Whether a failed transfer failed in the TLS handshake or the
 * verification of the peer's certificate (not on our side: a CA file we
 * cannot read is not one).
 */
bool		http_curl_tls_failed(CURLcode code);

/*
 * Send req and wait for the answer until req->deadline_ms.  Returns 0 when
 * an HTTP answer came (whatever its status: the caller judges it), -1
 * otherwise with resp->fail and resp->error set.  resp is filled in every
 * case; the caller frees it with http_resp_free().  A capped answer is an
 * answer (resp->capped says it was cut).
 */
int	http_request(const struct http_req *req, struct http_resp *resp);
void	http_resp_free(struct http_resp *);

/*
 * A 429 Too Many Requests (RFC 6585 §4) that says when to come back: when
 * Retry-After seconds from now, plus reserve_ms for the request to be sent
 * again, still end before deadline_ms, sleep that long and return true
 * (the caller sends the request again, once more at most per call).
 * Otherwise return false at once: the caller fails and the next cycle
 * tries again.  A 429 without Retry-After is not waited for.
 */
bool	http_retry_wait(const struct http_resp *r, int64_t deadline_ms,
	    int64_t reserve_ms);

/*
 * One header line (n bytes, not NUL-terminated): a Retry-After value in
 * seconds (0..86400; an HTTP-date counts from now) goes to *ra, a status
 * line resets *ra to -1, anything else leaves it.  The header callback of
 * http_request() (and the fuzz harness) use it.
 */
void	http_header_retry_after(const char *data, size_t n, long *ra);

/*
 * Read a secret file (util_secret_read: the permission checks of
 * util_secret_file_check on the open file) and keep its first line without
 * the line end.  An empty first line, or one holding control characters
 * (which could split an HTTP header), is refused.  On success *secret is a
 * fresh buffer the caller gives to http_secret_free(); on error -1 with a
 * message in err that names the file, never its contents.
 */
int	http_secret_load(const char *path, char **secret, size_t *len,
	    char *err, size_t errlen);
void	http_secret_free(char *secret, size_t len);

/*
 * Append "name: value" to *list.  Returns 0, or -1 (no memory; *list is
 * unchanged).  Lists that may hold a secret are freed with
 * http_headers_free(), which wipes every line first.
 */
int	http_header_add(struct curl_slist **list, const char *name,
	    const char *value);
/* "Authorization: Basic base64(user:password)" (RFC 7617), wiped copies. */
int	http_header_basic_auth(struct curl_slist **list, const char *user,
	    const char *password);
void	http_headers_free(struct curl_slist *list);

/*
 * Percent-encode s for a URL path segment or a form value (RFC 3986
 * unreserved characters stay; everything else is %XX).  Caller frees.
 */
char	*http_escape(const char *s);

/*
 * The parts of an http:// or https:// URL that the config judges, split by
 * curl's own parser (so what is judged is what curl will send to).
 */
struct http_url {
	bool	 https;			/* else plain http */
	char	 host[256];		/* as curl read it: [::1] bracketed */
	char	 port[8];		/* "" when the scheme's default */
	bool	 userinfo;		/* a user name or a password in it */
	bool	 query;			/* a ?query */
	bool	 fragment;		/* a #fragment */
};
/*
 * Split url into *out.  Returns 0, or -1 (out zeroed) when it holds white
 * space, curl cannot parse it, it has no host, its scheme is neither http
 * nor https, or its host does not fit.
 */
int	http_url_split(const char *url, struct http_url *out);

/*
 * The first line of text that is not blank, made printable (control
 * characters become '?') and cut to fit out: for messages quoting an API.
 */
void	http_first_line(const char *text, char *out, size_t outlen);

#endif
