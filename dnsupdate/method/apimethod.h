/*
 * apimethod.h: what the provider API methods (cloudflare.c, ovh.c,
 * httptmpl.c) share on top of http.h and methods.h: a request that honours
 * a rate limit inside the deadline, the names of a record as the APIs want
 * them, and the message helpers.  Their common shape is that of powerdns.c:
 * the records read again right before the change (from the API itself
 * when it can say, else through DNS), one change per zone where the API
 * offers it, nothing sent when the API already holds the new addresses,
 * and the result confirmed through DNS by dnsupdate.c.
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
