/*
 * apimethod.c: helpers of the provider API methods (see apimethod.h).
 */
#include <sys/socket.h>
#include <arpa/inet.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "agent/lib/log.h"
#include "agent/lib/util.h"
#include "dnsupdate/method/apimethod.h"

/*
 * The one 429 loop: http_request(), sent again while the answer is 429
 * with a Retry-After that ends inside the deadline, API_WAITS_MAX times at
 * most.  prepare (may be NULL) sets req's headers before each attempt and
 * returns 0, or -1 to stop (then api_loop() returns -2, resp empty).
 */
static int
api_loop(struct http_req *req, int (*prepare)(void *, struct http_req *),
    void *arg, struct http_resp *resp, const char *label, int *waits)
{
	int	rc, n = 0;

	if (waits != NULL)
		*waits = 0;
	for (;;) {
		if (prepare != NULL && prepare(arg, req) == -1) {
			memset(resp, 0, sizeof(*resp));
			return -2;
		}
		rc = http_request(req, resp);
		if (rc == -1 || n == API_WAITS_MAX ||
		    !http_retry_wait(resp, req->deadline_ms, API_RESEND_MS))
			return rc;
		n++;
		/* http_retry_wait() slept: the 429 said when to come back. */
		log_info("%s: rate limited (HTTP 429): waited %lds as "
		    "Retry-After asked, sending again", label,
		    resp->retry_after);
		if (waits != NULL)
			(*waits)++;
		http_resp_free(resp);
	}
}

int
api_request(const struct http_req *req, struct http_resp *resp,
    const char *label, int *waits)
{
	struct http_req	r = *req;

	return api_loop(&r, NULL, NULL, resp, label, waits);
}

void
api_msg(const struct api_req *req, char *msg, size_t msglen,
    const char *fmt, ...)
{
	va_list	ap;
	size_t	n = 0;

	if (msglen == 0)
		return;
	msg[0] = '\0';
	if (!req->bare && req->label != NULL)
		util_msg(msg, msglen, "%s: ", req->label);
	n = strlen(msg);
	va_start(ap, fmt);
	(void)vsnprintf(msg + n, msglen - n, fmt, ap);
	va_end(ap);
}

enum dns_status
api_http_status(long status)
{
	if (status == 401 || status == 403)
		return DNS_ERR_BADKEY;
	if (status == 404)
		return DNS_ERR_NOTAUTH;
	return status >= 500 ? DNS_ERR_SERVFAIL : DNS_ERR_REFUSED;
}

/* One attempt's headers: the driver's part of api_call(). */
struct api_attempt {
	const struct api_req	*req;
	char *const		*secret;
	struct curl_slist	*hdrs;		/* hold secrets: wiped */
	int			 tries;		/* attempts prepared */
	enum dns_status		 st;
	char			*msg;
	size_t			 msglen;
};

static int
api_attempt_headers(void *arg, struct http_req *hr)
{
	struct api_attempt	*a = arg;
	const struct api_req	*req = a->req;
	char			*v = NULL;
	size_t			 vlen = 0;
	int			 rc = 0;

	a->tries++;
	http_headers_free(a->hdrs);
	a->hdrs = NULL;
	hr->headers = NULL;
	switch (req->auth) {
	case API_AUTH_NONE:
		break;
	case API_AUTH_HEADER:
		rc = http_header_add(&a->hdrs, req->auth_name, a->secret[0]);
		break;
	case API_AUTH_BEARER:
		vlen = strlen(a->secret[0]) + sizeof("Bearer ");
		v = util_xcalloc(1, vlen);
		snprintf(v, vlen, "Bearer %s", a->secret[0]);
		rc = http_header_add(&a->hdrs, "Authorization", v);
		util_wipe(v, vlen);
		free(v);
		break;
	case API_AUTH_BASIC:
		rc = http_header_basic_auth(&a->hdrs, req->auth_name,
		    a->secret[0]);
		break;
	case API_AUTH_HOOK:
		a->st = req->auth_hook(req, a->secret, &a->hdrs, a->msg,
		    a->msglen);
		if (a->st != DNS_OK)
			return -1;
		break;
	}
	if (rc == -1 || (req->accept != NULL && http_header_add(&a->hdrs,
	    "Accept", req->accept) == -1) || (req->content_type != NULL &&
	    http_header_add(&a->hdrs, "Content-Type", req->content_type) ==
	    -1)) {
		api_msg(req, a->msg, a->msglen, "out of memory");
		a->st = DNS_ERR_INTERNAL;
		return -1;
	}
	hr->headers = a->hdrs;
	return 0;
}

enum dns_status
api_call(const struct api_req *req, struct api_result *res, char *msg,
    size_t msglen)
{
	struct api_attempt	 a;
	struct http_req		 hr;
	char			*secret[API_SECRETS_MAX] = { NULL };
	size_t			 secretlen[API_SECRETS_MAX] = { 0 }, i;
	char			 err[512];
	int			 rc;
	enum dns_status		 st;

	memset(res, 0, sizeof(*res));
	memset(&a, 0, sizeof(a));
	if (msglen > 0)
		msg[0] = '\0';
	/* Read right before the request, wiped right after (http.h). */
	for (i = 0; i < API_SECRETS_MAX; i++) {
		if (req->secrets[i].file == NULL)
			continue;
		if (http_secret_load(req->secrets[i].file, &secret[i],
		    &secretlen[i], err, sizeof(err)) == -1) {
			api_msg(req, msg, msglen, "cannot read the %s: %s",
			    req->secrets[i].what, err);
			res->local = true;
			st = DNS_ERR_KEY;
			goto done;
		}
	}
	memset(&hr, 0, sizeof(hr));
	hr.method = req->method;
	hr.url = req->url;
	hr.ca_file = req->ca_file;
	hr.body = req->body;
	hr.bodylen = req->body != NULL ? strlen(req->body) : 0;
	hr.body_max = req->body_max;
	hr.deadline_ms = req->deadline_ms;
	a.req = req;
	a.secret = secret;
	a.msg = msg;
	a.msglen = msglen;
	log_debug("%s: %s: %s %s%s%s%s%s%s", req->label, req->api,
	    req->method, req->url, req->shown != NULL ? " (" : "",
	    req->shown != NULL ? req->shown : "", req->shown != NULL ? ")" :
	    "", req->body != NULL ? ": " : "", req->body != NULL ? req->body :
	    "");
	rc = api_loop(&hr, api_attempt_headers, &a, &res->resp, req->label,
	    NULL);
	if (rc == -2) {
		/* After a 429, the first attempt left: not local then. */
		res->local = a.tries == 1;
		st = a.st;
	} else if (rc == -1) {
		if (req->bare)
			util_msg(msg, msglen, "%s", res->resp.error);
		else
			util_msg(msg, msglen, "%s: %s at %s: %s", req->label,
			    req->api, req->base, res->resp.error);
		st = api_fail_status(&res->resp, req->write);
	} else if (res->resp.status == 429) {
		res->answered = true;
		api_rate_limited(&res->resp, req->provider, err, sizeof(err));
		api_msg(req, msg, msglen, "%s", err);
		st = DNS_ERR_REFUSED;
	} else {
		res->answered = true;
		st = req->judge(req, &res->resp, msg, msglen);
	}
done:
	/* Text quoted from an answer may echo a secret. */
	for (i = 0; i < API_SECRETS_MAX; i++) {
		api_scrub(msg, secret[i]);
		http_secret_free(secret[i], secretlen[i]);
	}
	http_headers_free(a.hdrs);
	res->status = st;
	return st;
}

void
api_result_free(struct api_result *res)
{
	http_resp_free(&res->resp);
}

enum dns_status
api_fail_status(const struct http_resp *resp, bool write)
{
	if (write && resp->sent)
		return DNS_ERR_UNKNOWN;
	switch (resp->fail) {
	case HTTP_FAIL_TIMEOUT:
		return DNS_ERR_TIMEOUT;
	case HTTP_FAIL_INTERNAL:
		return DNS_ERR_INTERNAL;
	default:
		return DNS_ERR_NETWORK;
	}
}

void
api_rate_limited(const struct http_resp *resp, const char *provider,
    char *buf, size_t len)
{
	if (resp->retry_after >= 0)
		util_msg(buf, len, "rate limited by %s (HTTP 429, Retry-After "
		    "%lds, later than this cycle's deadline): nothing more was "
		    "sent; the next cycle tries again", provider,
		    resp->retry_after);
	else
		util_msg(buf, len, "rate limited by %s (HTTP 429, no "
		    "Retry-After): nothing more was sent; the next cycle tries "
		    "again", provider);
}

void
api_owner_names(const char *owner, const char *zone, char *fqdn, char *name,
    char *subname, size_t len)
{
	size_t	ol, zl;

	dns_name_label(owner, fqdn, len);
	ol = strlen(fqdn);
	zl = strlen(zone);
	if (zl > 0 && zone[zl - 1] == '.')
		zl--;
	if (method_name_eq(owner, zone)) {
		snprintf(name, len, "@");
		subname[0] = '\0';
		return;
	}
	/* owner is inside zone (config.c made sure): "www" of "www.zone". */
	if (ol > zl + 1 && strncasecmp(fqdn + ol - zl, zone, zl) == 0 &&
	    fqdn[ol - zl - 1] == '.') {
		snprintf(name, len, "%.*s", (int)(ol - zl - 1), fqdn);
		snprintf(subname, len, "%s", name);
		return;
	}
	snprintf(name, len, "%s", fqdn);
	snprintf(subname, len, "%s", fqdn);
}

void
api_scrub(char *msg, const char *secret)
{
	size_t	 sl, rl, rest;
	char	*p, *from = msg;

	if (secret == NULL || (sl = strlen(secret)) == 0)
		return;
	rl = sl >= 3 ? 3 : sl;		/* never longer than what it hides */
	while ((p = strstr(from, secret)) != NULL) {
		rest = strlen(p + sl);
		memcpy(p, "***", rl);
		memmove(p + rl, p + sl, rest + 1);
		from = p + rl;
	}
}

enum dns_status
api_recheck(const char *provider, const char *label,
    const struct method_change *mc, const struct addrset *now, bool *done,
    char *msg, size_t msglen)
{
	char	nb[512], ob[512];

	if (done != NULL)
		*done = addrset_equal(now, &mc->new_addrs);
	if ((done != NULL && *done) || addrset_equal(now, &mc->old_addrs))
		return DNS_OK;
	addrset_format(now, nb, sizeof(nb), "(none)");
	addrset_format(&mc->old_addrs, ob, sizeof(ob), "(none)");
	util_msg(msg, msglen, "%s: %s holds %s for %s %s, not %s as read from "
	    "DNS: nothing sent", label, provider, nb, mc->owner, mc->type, ob);
	return DNS_ERR_YXRRSET;
}
