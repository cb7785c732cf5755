/*
 * methods.c: helpers of the powerdns, virtualmin and exec methods (see
 * methods.h for the conditional semantics they share).
 */
#include <sys/socket.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "agent/core/config.h"
#include "agent/lib/util.h"
#include "dnsupdate/method/methods.h"

size_t
method_changes(const struct dns_zone_plan *zp, struct method_change **out)
{
	static const struct { int family; const char *type; } fams[] = {
		{ AF_INET, "A" }, { AF_INET6, "AAAA" } };
	const struct dns_record_change	*rc;
	struct method_change		*mc;
	size_t				 i, f, n = 0;

	*out = util_xcalloc(zp->n * 2 + 1, sizeof(**out));
	for (i = 0; i < zp->n; i++) {
		rc = &zp->rec[i];
		if (rc->status != DNS_OK)
			continue;
		for (f = 0; f < FA_ARRAY_SIZE(fams); f++) {
			mc = &(*out)[n];
			addrset_family(&rc->old_addrs, fams[f].family,
			    &mc->old_addrs);
			addrset_family(&rc->new_addrs, fams[f].family,
			    &mc->new_addrs);
			if (addrset_equal(&mc->old_addrs, &mc->new_addrs))
				continue;
			mc->owner = rc->owner;
			mc->type = fams[f].type;
			mc->family = fams[f].family;
			n++;
		}
	}
	return n;
}

enum dns_status
method_recheck(const struct config *cfg, const struct dns_server *srv,
    const struct dns_zone_plan *zp, char *msg, size_t msglen)
{
	const struct dns_record_change	*rc;
	struct addrset			 got;
	char				 label[256], err[512], gb[512], ob[512];
	size_t				 i;
	enum dns_status			 st;

	dns_name_label(zp->zone->name, label, sizeof(label));
	for (i = 0; i < zp->n; i++) {
		rc = &zp->rec[i];
		if (rc->status != DNS_OK)
			continue;
		st = dns_query_addrs(srv, rc->owner,
		    util_mono_ms() + cfg->dns.timeout_ms, &got, err,
		    sizeof(err));
		if (st != DNS_OK) {
			util_msg(msg, msglen, "%s: reading %s again before the "
			    "change: %s", label, rc->owner, err);
			return st;
		}
		if (!addrset_equal(&got, &rc->old_addrs)) {
			addrset_format(&got, gb, sizeof(gb), "(none)");
			addrset_format(&rc->old_addrs, ob, sizeof(ob),
			    "(none)");
			util_msg(msg, msglen, "%s: %s now holds %s, not %s as "
			    "read a moment ago: nothing sent", label,
			    rc->owner, gb, ob);
			return DNS_ERR_YXRRSET;
		}
	}
	return DNS_OK;
}

bool
method_name_eq(const char *a, const char *b)
{
	size_t	la = strlen(a), lb = strlen(b);

	if (la > 1 && a[la - 1] == '.')
		la--;
	if (lb > 1 && b[lb - 1] == '.')
		lb--;
	return la == lb && strncasecmp(a, b, la) == 0;
}

enum dns_status
method_server(const struct config *cfg, const struct cfg_zone *zone,
    int64_t deadline_ms, struct dns_server *out, char *err, size_t errlen)
{
	return dnsupdate_rfc2136.server(cfg, zone, deadline_ms, out, err,
	    errlen);
}

enum dns_status
method_probe_dns(const struct config *cfg, const struct cfg_zone *z,
    char *err, size_t errlen)
{
	struct dns_server	srv;
	uint32_t		serial;
	enum dns_status		st;

	st = method_server(cfg, z, util_mono_ms() + cfg->dns.timeout_ms, &srv,
	    err, errlen);
	if (st == DNS_OK)
		st = dns_query_serial(&srv, z->name, util_mono_ms() +
		    cfg->dns.timeout_ms, &serial, err, errlen);
	return st;
}
