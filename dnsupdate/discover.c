/*
 * discover.c: finding where a zone lives when the config does not say:
 * the zone's SOA MNAME (its primary server, RFC 1035 §3.3.13) when [dns]
 * server is unset, and the addresses of nameservers that came without glue
 * (verify = all).
 *
 * Discovery asks a recursive resolver, with RD: [dns] resolver when set
 * (an address, for a resolver that is not the system's one, or for tests),
 * else the nameservers of /etc/resolv.conf.  The questions go through our
 * own client (dnsquery.c), so the reply's source, ID and question are
 * checked, which ldns_resolver_query() does not do.  Nothing else uses the
 * resolver: records are always read from, and changes sent to, the zone's
 * own servers, without recursion.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/lib/util.h"
#include "dnsupdate/dnsupdate_impl.h"

void
dns_server_from_addr(const struct addrset_addr *a, uint16_t port,
    struct dns_server *out)
{
	struct sockaddr_in *sin;
	struct sockaddr_in6 *sin6;

	memset(out, 0, sizeof(*out));
	if (a->family == AF_INET) {
		sin = (struct sockaddr_in *)&out->ss;
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		sin->sin_addr = a->a.v4;
		out->sslen = sizeof(*sin);
	} else {
		sin6 = (struct sockaddr_in6 *)&out->ss;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		sin6->sin6_addr = a->a.v6;
		out->sslen = sizeof(*sin6);
	}
	util_msg(out->text, sizeof(out->text), "%s#%u", a->text,
	    (unsigned)port);
}

/* An address rdf of resolv.conf's list as a cfg_addr. */
static int
rdf_addr(const ldns_rdf *rd, struct addrset_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (ldns_rdf_get_type(rd) == LDNS_RDF_TYPE_A &&
	    ldns_rdf_size(rd) == 4) {
		a->family = AF_INET;
		memcpy(&a->a.v4, ldns_rdf_data(rd), 4);
	} else if (ldns_rdf_get_type(rd) == LDNS_RDF_TYPE_AAAA &&
	    ldns_rdf_size(rd) == 16) {
		a->family = AF_INET6;
		memcpy(&a->a.v6, ldns_rdf_data(rd), 16);
	} else
		return -1;
	if (inet_ntop(a->family, &a->a, a->text, sizeof(a->text)) == NULL)
		return -1;
	return 0;
}

enum dns_status
dns_discovery_servers(const struct config *cfg, struct dns_server *out,
    size_t max, size_t *n, char *err, size_t errlen)
{
	ldns_resolver *res = NULL;
	ldns_rdf **ns;
	struct addrset_addr a;
	size_t i, count;

	*n = 0;
	if (max == 0)
		return DNS_ERR_INTERNAL;
	if (cfg->dns.resolver != NULL) {
		memset(&a, 0, sizeof(a));
		if (inet_pton(AF_INET, cfg->dns.resolver, &a.a.v4) == 1)
			a.family = AF_INET;
		else if (inet_pton(AF_INET6, cfg->dns.resolver, &a.a.v6) == 1)
			a.family = AF_INET6;
		else {
			util_msg(err, errlen, "[dns] resolver '%s' is not an "
			    "IP address", cfg->dns.resolver);
			return DNS_ERR_INTERNAL;
		}
		util_msg(a.text, sizeof(a.text), "%s", cfg->dns.resolver);
		dns_server_from_addr(&a, cfg->dns.resolver_port, &out[0]);
		*n = 1;
		return DNS_OK;
	}
	if (ldns_resolver_new_frm_file(&res, NULL) != LDNS_STATUS_OK) {
		util_msg(err, errlen, "cannot read /etc/resolv.conf (set [dns] "
		    "server, or [dns] resolver)");
		return DNS_ERR_NETWORK;
	}
	ns = ldns_resolver_nameservers(res);
	count = ldns_resolver_nameserver_count(res);
	for (i = 0; i < count && *n < max; i++)
		if (rdf_addr(ns[i], &a) == 0)
			dns_server_from_addr(&a, ldns_resolver_port(res),
			    &out[(*n)++]);
	ldns_resolver_deep_free(res);
	if (*n == 0) {
		util_msg(err, errlen, "no nameserver in /etc/resolv.conf (set "
		    "[dns] server, or [dns] resolver)");
		return DNS_ERR_NETWORK;
	}
	return DNS_OK;
}

/*
 * Ask resolvers one after the other (each gets an equal share of the time
 * left) until one gives an answer that is not SERVFAIL/REFUSED.  *out is
 * that answer.  err keeps the last failure.
 */
static enum dns_status
ask_resolvers(const struct dns_server *res, size_t n, const char *name,
    ldns_rr_type type, int64_t deadline_ms, ldns_pkt **out, char *err,
    size_t errlen)
{
	ldns_pkt *r = NULL;
	char rb[16], why[256];
	int64_t sub;
	size_t i;
	int rc;
	enum dns_status st = DNS_ERR_NETWORK;

	*out = NULL;
	util_msg(err, errlen, "no resolver to ask");
	for (i = 0; i < n; i++) {
		sub = util_mono_ms() + util_ms_left(deadline_ms) /
		    (int64_t)(n - i);
		st = dns_query(&res[i], name, type, true, sub, &r, why,
		    sizeof(why));
		if (st != DNS_OK) {
			util_msg(err, errlen, "resolver %s: %s", res[i].text,
			    why);
			continue;
		}
		rc = ldns_pkt_get_rcode(r);
		if (rc == LDNS_RCODE_NOERROR || rc == LDNS_RCODE_NXDOMAIN) {
			*out = r;
			return DNS_OK;
		}
		util_msg(err, errlen, "resolver %s answered %s for %s",
		    res[i].text, dns_rcode_str(rc, rb, sizeof(rb)), name);
		st = rc == LDNS_RCODE_REFUSED ? DNS_ERR_REFUSED :
		    DNS_ERR_SERVFAIL;
		ldns_pkt_free(r);
		r = NULL;
	}
	return st;
}

enum dns_status
dns_discover_mname(const struct dns_server *res, size_t n, const char *zone,
    int64_t deadline_ms, char *out, size_t outlen, char *err, size_t errlen)
{
	ldns_pkt *r = NULL;
	ldns_rdf *zrdf;
	ldns_rr_list *an;
	ldns_rr *rr;
	char *s;
	size_t i;
	enum dns_status st;

	out[0] = '\0';
	if ((zrdf = ldns_dname_new_frm_str(zone)) == NULL) {
		util_msg(err, errlen, "bad zone name '%s'", zone);
		return DNS_ERR_INTERNAL;
	}
	st = ask_resolvers(res, n, zone, LDNS_RR_TYPE_SOA, deadline_ms, &r,
	    err, errlen);
	if (st != DNS_OK) {
		util_msg_append(err, errlen, " (looking "
		    "for the SOA MNAME of %s; set [dns] server)", zone);
		goto done;
	}
	st = DNS_ERR_BAD_REPLY;
	if (ldns_pkt_get_rcode(r) == LDNS_RCODE_NXDOMAIN) {
		util_msg(err, errlen, "the resolver says %s does not exist "
		    "(NXDOMAIN); set [dns] server", zone);
		st = DNS_ERR_NOTZONE;
		goto done;
	}
	util_msg(err, errlen, "the resolver found no SOA for %s (is it a zone "
	    "apex?); set [dns] server", zone);
	an = ldns_pkt_answer(r);
	for (i = 0; i < ldns_rr_list_rr_count(an); i++) {
		rr = ldns_rr_list_rr(an, i);
		if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_SOA ||
		    ldns_rr_rd_count(rr) < 1 ||
		    ldns_dname_compare(ldns_rr_owner(rr), zrdf) != 0)
			continue;
		/* RFC 1035 §3.3.13: MNAME, the zone's primary server. */
		if ((s = ldns_rdf2str(ldns_rr_rdf(rr, 0))) == NULL)
			break;
		util_msg(out, outlen, "%s", s);
		free(s);
		err[0] = '\0';
		st = DNS_OK;
		break;
	}
done:
	ldns_pkt_free(r);
	ldns_rdf_deep_free(zrdf);
	return st;
}

enum dns_status
dns_discover_addrs(const struct dns_server *res, size_t n, const char *name,
    int64_t deadline_ms, struct addrset *out, char *err, size_t errlen)
{
	static const ldns_rr_type types[] = { LDNS_RR_TYPE_A,
	    LDNS_RR_TYPE_AAAA };
	ldns_pkt *r = NULL;
	ldns_rr_list *an;
	ldns_rr *rr;
	size_t t, i;
	enum dns_status st = DNS_OK;

	memset(out, 0, sizeof(*out));
	for (t = 0; t < FA_ARRAY_SIZE(types); t++) {
		st = ask_resolvers(res, n, name, types[t], deadline_ms, &r,
		    err, errlen);
		if (st != DNS_OK)
			return st;
		/*
		 * The answer to our own question: a recursive resolver puts
		 * the CNAME chain first, then the addresses of its end.
		 */
		an = ldns_pkt_answer(r);
		for (i = 0; i < ldns_rr_list_rr_count(an); i++) {
			rr = ldns_rr_list_rr(an, i);
			if (ldns_rr_get_type(rr) != types[t] ||
			    ldns_rr_rd_count(rr) != 1)
				continue;
			(void)addrset_add(out, types[t] == LDNS_RR_TYPE_A ?
			    AF_INET : AF_INET6, ldns_rdf_data(ldns_rr_rdf(rr,
			    0)));
		}
		ldns_pkt_free(r);
		r = NULL;
	}
	if (out->n == 0) {
		util_msg(err, errlen, "the resolver knows no address (A or "
		    "AAAA) for %s", name);
		return DNS_ERR_NETWORK;
	}
	return DNS_OK;
}
