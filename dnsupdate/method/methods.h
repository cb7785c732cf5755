/*
 * methods.h: what the non-DNS methods (powerdns.c, virtualmin.c, exec.c)
 * share.  None of their APIs has the prerequisites of an RFC 2136 UPDATE,
 * so each keeps the conditional semantics the same way: it reads the
 * records again right before sending (from DNS, or from the API itself),
 * refuses to send when they no longer hold what the plan read, and lets
 * dnsupdate.c re-read and judge (someone did our job, or a conflict).  The
 * window between that read and the change is as short as one request; it
 * is not closed the way a server-side prerequisite closes it.
 */
#ifndef FA_DNSUPDATE_METHODS_H
#define FA_DNSUPDATE_METHODS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dnsupdate/dnsupdate_impl.h"

/* One rrset of a changed record whose content changes: owner + type. */
struct method_change {
	const char		*owner;		/* absolute, final dot */
	const char		*type;		/* "A" or "AAAA" */
	int			 family;	/* AF_INET or AF_INET6 */
	struct addrset		 old_addrs;	/* of this type only */
	struct addrset		 new_addrs;
};

/*
 * Every rrset of zp to change, in plan order (a record's A, then its
 * AAAA), skipping records not to change (status other than DNS_OK) and
 * types whose set stays the same.  Caller frees *out.  Returns the count.
 */
/*
 * Where an API method's records are read and its change confirmed: [dns]
 * server and port (the provider's DNS listener), else the zone's SOA MNAME,
 * found the way rfc2136 finds its server.  Every API method uses this.
 */
enum dns_status method_server(const struct config *, const struct cfg_zone *,
	    int64_t deadline_ms, struct dns_server *out, char *err,
	    size_t errlen);

/*
 * config-test: the zone's SOA serial read through DNS from the method's
 * server (method_server()), each step within [dns] timeout: where every
 * change is read and confirmed.  DNS_OK, or the error with why in err.
 */
enum dns_status	method_probe_dns(const struct config *,
		    const struct cfg_zone *, char *err, size_t errlen);

size_t	method_changes(const struct dns_zone_plan *zp,
	    struct method_change **out);

/*
 * Ask srv (no recursion) for each record to change, each within one
 * [dns] timeout, and compare with what the plan read.  DNS_OK when all
 * still hold it; DNS_ERR_YXRRSET when one changed (dnsupdate.c then
 * re-reads and judges); a read error as is.  Message in msg on error.
 */
enum dns_status	method_recheck(const struct config *,
		    const struct dns_server *srv, const struct dns_zone_plan *zp,
		    char *msg, size_t msglen);


/* strcasecmp for owner names, ignoring one final dot on either side. */
bool	method_name_eq(const char *a, const char *b);

/*
 * virtualmin.c, exposed for tests: judge an HTTP 200 answer of remote.cgi
 * (JSON status, else an "ERROR:" line, else the last "Exit status: N").
 * DNS_OK when the program reported success; DNS_ERR_REFUSED when it failed
 * or was refused; DNS_ERR_BAD_REPLY when the answer says neither.  What it
 * said (first line) in why.
 */
struct http_resp;
enum dns_status	virtualmin_answer_judge(const struct http_resp *, char *why,
		    size_t whylen);

extern const struct dnsupdate_method dnsupdate_powerdns;
extern const struct dnsupdate_method dnsupdate_virtualmin;
extern const struct dnsupdate_method dnsupdate_exec;
/* The provider APIs: cloudflare.c, ovh.c, httptmpl.c (see apimethod.h). */
extern const struct dnsupdate_method dnsupdate_cloudflare;
extern const struct dnsupdate_method dnsupdate_ovh;
extern const struct dnsupdate_method dnsupdate_http;

#endif
