/*
 * apimethod.c: helpers of the provider API methods (see apimethod.h).
 */
#include <sys/socket.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "agent/lib/log.h"
#include "agent/lib/util.h"
#include "dnsupdate/method/apimethod.h"

int
api_request(const struct http_req *req, struct http_resp *resp,
    const char *label, int *waits)
{
	int	rc;

	int	n = 0;

	if (waits != NULL)
		*waits = 0;
	for (;;) {
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
		dns_msg(buf, len, "rate limited by %s (HTTP 429, Retry-After "
		    "%lds, later than this cycle's deadline): nothing more was "
		    "sent; the next cycle tries again", provider,
		    resp->retry_after);
	else
		dns_msg(buf, len, "rate limited by %s (HTTP 429, no "
		    "Retry-After): nothing more was sent; the next cycle tries "
		    "again", provider);
}

void
api_owner_names(const char *owner, const char *zone, char *fqdn, char *name,
    char *subname, size_t len)
{
	size_t	ol, zl;

	method_zone_label(owner, fqdn, len);
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
	dns_msg(msg, msglen, "%s: %s holds %s for %s %s, not %s as read from "
	    "DNS: nothing sent", label, provider, nb, mc->owner, mc->type, ob);
	return DNS_ERR_YXRRSET;
}
