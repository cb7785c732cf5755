/*
 * apimethod.h: what the provider API methods (powerdns.c, virtualmin.c,
 * cloudflare.c, ovh.c, httptmpl.c) share on top of http.h and methods.h:
 * the request driver, the re-check of what the provider holds, the names
 * of a record as the APIs want them, and the message helpers.  The common
 * shape of cloudflare.c, ovh.c and httptmpl.c is that of powerdns.c:
 * the records read again right before the change (from the API itself
 * when it can say, else through DNS), one change per zone where the API
 * offers it, nothing sent when the API already holds the new addresses,
 * and the result confirmed through DNS by dnsupdate.c.
 *
 * Every request of an API method (powerdns.c, virtualmin.c, cloudflare.c,
 * ovh.c, httptmpl.c) goes through one driver, api_call(): the method
 * describes the request (struct api_req: what to send, which secret files,
 * how they authenticate it, how to read the provider's answer) and gets
 * one typed result.  The driver reads the secrets right before the
 * request and wipes them right after, builds the headers, sends within
 * the deadline, waits for a 429's Retry-After inside it, turns "no
 * answer" and a final 429 into one status and message, and scrubs the
 * secrets from that message.  What is left to a method is its own: URLs,
 * JSON shapes, and its judge (the status codes and error envelope).
 */
#ifndef FA_DNSUPDATE_APIMETHOD_H
#define FA_DNSUPDATE_APIMETHOD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "agent/lib/http.h"
#include "dnsupdate/method/methods.h"

/* What a request leaves for the next attempt: sent again after a 429. */
#define API_RESEND_MS	500
/* Waits for one request at most: a provider that keeps saying 429 fails. */
#define API_WAITS_MAX	3

/* One secret file of a request, and what it is for messages. */
struct api_secret {
	const char	*file;		/* NULL: none */
	const char	*what;		/* "PowerDNS API key" */
};

#define API_SECRETS_MAX	3

/* How the secrets authenticate a request. */
enum api_auth {
	API_AUTH_NONE,		/* no secret in the request */
	API_AUTH_HEADER,	/* "auth_name: SECRET" */
	API_AUTH_BEARER,	/* "Authorization: Bearer SECRET" */
	API_AUTH_BASIC,		/* Basic auth_name:SECRET (RFC 7617) */
	API_AUTH_HOOK,		/* auth_hook() writes the headers */
};

struct api_req;

/*
 * The method's headers for one attempt, with secret[i] the first line of
 * secrets[i].file (NULL when that has none): appended to *hdrs (wiped and
 * freed by the driver).  Called again for each attempt after a 429 (OVH
 * signs each with its time).  Returns DNS_OK, or the status with the
 * whole message in msg.
 */
typedef enum dns_status (*api_auth_fn)(const struct api_req *,
		    char *const secret[], struct curl_slist **hdrs, char *msg,
		    size_t msglen);

/*
 * The method's reading of an HTTP answer (any status but a final 429,
 * which the driver reads): DNS_OK for a success, else the status with the
 * whole message in msg (api_msg() starts it as the driver does).  The
 * provider's error envelope is read here; api_http_status() is the usual
 * mapping of a status code.
 */
typedef enum dns_status (*api_judge_fn)(const struct api_req *,
		    const struct http_resp *, char *msg, size_t msglen);

/* One provider request, as the method describes it. */
struct api_req {
	const char		*label;		/* starts log lines, messages */
	bool			 bare;		/* messages without the label:
						   the caller composes them */
	const char		*provider;	/* "Cloudflare": "rate limited
						   by Cloudflare" */
	const char		*api;		/* "Cloudflare API": logs and
						   "... API at BASE: error" */
	const char		*base;		/* the configured URL */
	const char		*method;	/* "GET", "POST", "PATCH" */
	const char		*url;
	const char		*ca_file;
	const char		*body;		/* NULL: none */
	const char		*content_type;	/* NULL: no such header */
	const char		*accept;	/* NULL: no such header */
	const char		*shown;		/* the headers as the debug log
						   shows them (no secret), or
						   NULL */
	size_t			 body_max;
	int64_t			 deadline_ms;
	bool			 write;		/* may change something: a
						   request that left without an
						   answer is DNS_ERR_UNKNOWN */
	struct api_secret	 secrets[API_SECRETS_MAX];
	enum api_auth		 auth;
	const char		*auth_name;	/* HEADER: the header; BASIC:
						   the user */
	api_auth_fn		 auth_hook;	/* HOOK */
	api_judge_fn		 judge;
	void			*arg;		/* the method's, for its hooks */
};

/* What came of one request. */
struct api_result {
	enum dns_status	 status;
	bool		 answered;	/* resp holds an HTTP answer */
	bool		 local;		/* failed before anything was sent
					   (a secret, the headers) */
	struct http_resp resp;		/* the last answer: api_result_free() */
};

/*
 * Send req (see the top), waiting for a 429's Retry-After inside the
 * deadline (api_request()).  Returns res->status: DNS_OK when req->judge
 * says so, else the error with the whole message in msg ("LABEL: ..."
 * unless req->bare): a secret that cannot be read (DNS_ERR_KEY), no
 * answer (api_fail_status()), a final 429 (DNS_ERR_REFUSED,
 * api_rate_limited()), or the judge's.  res->resp holds the last answer
 * in every case: the caller frees it with api_result_free().
 */
enum dns_status	api_call(const struct api_req *req, struct api_result *res,
		    char *msg, size_t msglen);
void		api_result_free(struct api_result *);

/* The message of req: "LABEL: " (unless req->bare), then fmt. */
void	api_msg(const struct api_req *req, char *msg, size_t msglen,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/*
 * The usual reading of an HTTP error status: 401 and 403 DNS_ERR_BADKEY,
 * 404 DNS_ERR_NOTAUTH, 5xx DNS_ERR_SERVFAIL, anything else
 * DNS_ERR_REFUSED.
 */
enum dns_status	api_http_status(long status);

/*
 * http_request(), sent again while the answer is 429 with a Retry-After
 * that ends before req->deadline_ms (less API_RESEND_MS), API_WAITS_MAX
 * times at most: RFC 6585 §4.
 * label starts the log line of each wait.  *waits (may be NULL) counts
 * them.  Returns what http_request() returns; resp holds the last answer
 * (the caller frees it).
 */
int	api_request(const struct http_req *req, struct http_resp *resp,
	    const char *label, int *waits);

/*
 * The status of a request that got no answer (resp->fail).  A request
 * that may change something (write) and left (resp->sent) is
 * DNS_ERR_UNKNOWN: the provider may have applied it, and dnsupdate.c reads
 * the records back (issue 16).
 */
enum dns_status	api_fail_status(const struct http_resp *resp,
		    bool write);

/*
 * "rate limited by PROVIDER (HTTP 429, Retry-After 30s, later than this
 * cycle's deadline): nothing more was sent; the next cycle tries again",
 * or without the Retry-After part when the answer had none.
 */
void	api_rate_limited(const struct http_resp *resp, const char *provider,
	    char *buf, size_t len);

/*
 * The names of owner ("www.example.com.") in zone ("example.com."):
 * fqdn "www.example.com", name "www" ("@" at the apex), subname "www" (""
 * at the apex).  Each buffer at least 256 bytes.
 */
void	api_owner_names(const char *owner, const char *zone, char *fqdn,
	    char *name, char *subname, size_t len);

/*
 * The provider's own records read right before the change (the APIs have
 * no prerequisites: methods.h): now, what provider holds for mc's owner
 * and type.  DNS_OK when it holds what DNS showed (mc->old_addrs): send
 * the change.  When done is not NULL, also DNS_OK with *done set when it
 * already holds the new addresses (changed there, DNS lags: nothing to
 * send for mc).  Otherwise DNS_ERR_YXRRSET with "LABEL: PROVIDER holds X
 * for OWNER TYPE, not Y as read from DNS: nothing sent" in msg
 * (dnsupdate.c re-reads and judges).
 */
enum dns_status	api_recheck(const char *provider, const char *label,
		    const struct method_change *mc, const struct addrset *now,
		    bool *done, char *msg, size_t msglen);

/* Replace every occurrence of secret in msg by "***" (in place). */
void	api_scrub(char *msg, const char *secret);

/* ---- exposed for t/unit/test_apimethods.c ---- */

/*
 * OVH's signature of one request: "$1$" + hex SHA-1 of AS+CK+METHOD+URL+
 * BODY+TIMESTAMP joined with '+' (out: at least 44 bytes).  Returns 0, or
 * -1 when OpenSSL fails.
 */
int	ovh_signature(const char *as, const char *ck, const char *method,
	    const char *url, const char *body, long long ts, char *out,
	    size_t outlen);

/*
 * OVH's rule paths ("/domain/zone/" then "*", or a whole path)
 * match a request path with '*' standing for any characters.
 */
bool	ovh_rule_match(const char *rule, const char *path);

/*
 * Cloudflare's envelope: "CODE MESSAGE; CODE MESSAGE" from errors[] (and
 * each error_chain[] after its error), else the first line of the body.
 * Sets *auth when one of the codes says the token was refused, *first to
 * the first error's code (0: none).
 */
void	cloudflare_errors_text(const char *body, size_t len, char *out,
	    size_t outlen, bool *auth, long long *first);

#endif
