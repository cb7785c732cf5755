/*
 * rfc2136.c: the rfc2136 method: DNS UPDATE (RFC 2136) signed with TSIG
 * (RFC 8945), sent to [dns] server or to the zone's SOA MNAME.
 *
 * One UPDATE per zone holds every record of the zone that changes.  Its
 * prerequisites pin each record's A and AAAA sets to what we read just
 * before (a record that changed meanwhile makes the whole UPDATE fail with
 * NXRRSET/YXRRSET, and dnsupdate.c re-reads); the update section replaces the
 * sets.  The reply must carry a TSIG that verifies against our request's MAC,
 * with a time within the fudge of our clock: ldns checks neither the ID nor
 * the time, so we do.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/core/config.h"
#include "agent/core/confdesc.h"
#include "agent/lib/log.h"
#include "agent/lib/util.h"
#include "dnsupdate/dnsupdate_impl.h"
#include "dnsupdate/tsigkey.h"

/*
 * [dns] server and port; without a server, the zone's SOA MNAME found
 * through the discovery resolver ([dns] resolver, else /etc/resolv.conf),
 * and its address through that same resolver when [dns] resolver is set
 * (a test or private resolver also knows the MNAME's address), else with
 * getaddrinfo() (which also reads /etc/hosts; it has no timeout of its
 * own).  The text then names both: "ns1.example.com (192.0.2.53#53)".
 */
static enum dns_status
rfc2136_server(const struct config *cfg, const struct cfg_zone *zone,
    int64_t deadline_ms, struct dns_server *out, char *err, size_t errlen)
{
	struct dns_server res[4];
	struct addrset addrs;
	char mname[256], host[NI_MAXHOST], text[sizeof(out->text)];
	size_t n, nres;
	enum dns_status st;

	if (cfg->dns.server != NULL)
		return dns_server_resolve(cfg->dns.server, cfg->dns.port, out,
		    err, errlen);
	st = dns_discovery_servers(cfg, res, FA_ARRAY_SIZE(res), &nres, err,
	    errlen);
	if (st != DNS_OK)
		return st;
	st = dns_discover_mname(res, nres, zone->name, deadline_ms, mname,
	    sizeof(mname), err, errlen);
	if (st != DNS_OK)
		return st;
	n = strlen(mname);
	if (n > 1 && mname[n - 1] == '.')
		mname[n - 1] = '\0';
	if (cfg->dns.resolver != NULL) {
		st = dns_discover_addrs(res, nres, mname, deadline_ms, &addrs,
		    err, errlen);
		if (st != DNS_OK)
			return st;
		/* Sorted: IPv4 first. */
		dns_server_from_addr(&addrs.addr[0], cfg->dns.port, out);
	} else if ((st = dns_server_resolve(mname, cfg->dns.port, out, err,
	    errlen)) != DNS_OK)
		return st;
	if (getnameinfo((struct sockaddr *)&out->ss, out->sslen, host,
	    sizeof(host), NULL, 0, NI_NUMERICHOST) != 0)
		snprintf(host, sizeof(host), "?");
	util_msg(text, sizeof(text), "%s (%s#%u)", mname, host,
	    (unsigned)cfg->dns.port);
	memcpy(out->text, text, sizeof(out->text));
	return DNS_OK;
}

/* One RR: owner, type, class, ttl and, when addr is set, its address. */
static ldns_rr *
rr_make(const ldns_rdf *owner, ldns_rr_type type, ldns_rr_class class,
    uint32_t ttl, const struct addrset_addr *addr)
{
	ldns_rr *rr;
	ldns_rdf *rd;

	if ((rr = ldns_rr_new()) == NULL)
		return NULL;
	ldns_rr_set_owner(rr, ldns_rdf_clone(owner));
	ldns_rr_set_type(rr, type);
	ldns_rr_set_class(rr, class);
	ldns_rr_set_ttl(rr, ttl);
	if (addr != NULL) {
		rd = ldns_rdf_new_frm_data(type == LDNS_RR_TYPE_A ?
		    LDNS_RDF_TYPE_A : LDNS_RDF_TYPE_AAAA,
		    type == LDNS_RR_TYPE_A ? 4 : 16, &addr->a);
		if (rd == NULL || !ldns_rr_push_rdf(rr, rd)) {
			ldns_rdf_deep_free(rd);
			ldns_rr_free(rr);
			return NULL;
		}
	}
	return rr;
}

static bool
push(ldns_rr_list *l, ldns_rr *rr)
{
	if (rr == NULL)
		return false;
	if (!ldns_rr_list_push_rr(l, rr)) {
		ldns_rr_free(rr);
		return false;
	}
	return true;
}

ldns_pkt *
rfc2136_update_build(const struct dns_zone_plan *zp, uint32_t ttl)
{
	return rfc2136_update_build_part(zp, ttl, 0, zp->n);
}

ldns_pkt *
rfc2136_update_build_part(const struct dns_zone_plan *zp, uint32_t ttl,
    size_t first, size_t count)
{
	static const struct { int family; ldns_rr_type type; } fams[] = {
		{ AF_INET, LDNS_RR_TYPE_A }, { AF_INET6, LDNS_RR_TYPE_AAAA } };
	const struct dns_record_change *rc;
	struct addrset oldf, newf;
	ldns_rr_list *pr = NULL, *up = NULL;
	ldns_rdf *owner = NULL, *zrdf = NULL;
	ldns_pkt *p = NULL;
	size_t i, f, j, k = 0;
	bool okay = true;

	pr = ldns_rr_list_new();
	up = ldns_rr_list_new();
	if (pr == NULL || up == NULL)
		goto done;
	for (i = 0; i < zp->n && okay; i++) {
		rc = &zp->rec[i];
		if (rc->status != DNS_OK)
			continue;
		/* k counts the changed records: is this one in the part? */
		if (k++ < first || k > first + count)
			continue;
		if ((owner = ldns_dname_new_frm_str(rc->owner)) == NULL) {
			okay = false;
			break;
		}
		for (f = 0; f < FA_ARRAY_SIZE(fams) && okay; f++) {
			addrset_family(&rc->old_addrs, fams[f].family,
			    &oldf);
			addrset_family(&rc->new_addrs, fams[f].family,
			    &newf);
			/*
			 * A type neither the old nor the new set has (AAAA
			 * when neither site has an IPv6 address) is not part
			 * of the change: not pinned either, which keeps 1000
			 * IPv4-only records within one message.  A partial
			 * record's unpublished type is pinned absent: the
			 * plan counts on it staying so.
			 */
			if (oldf.n == 0 && newf.n == 0 && !rc->partial)
				continue;
			/*
			 * Prerequisites.  §2.4.3 "RRset does not exist":
			 * class NONE, TTL 0, no rdata.  §2.4.2 "RRset exists
			 * (value dependent)": class IN, TTL 0, every value;
			 * the server compares the whole set.
			 */
			if (oldf.n == 0)
				okay = push(pr, rr_make(owner, fams[f].type,
				    LDNS_RR_CLASS_NONE, 0, NULL));
			for (j = 0; j < oldf.n && okay; j++)
				okay = push(pr, rr_make(owner, fams[f].type,
				    LDNS_RR_CLASS_IN, 0, &oldf.addr[j]));
			if (addrset_equal(&oldf, &newf))
				continue;
			/*
			 * Update.  §2.5.2 "Delete an RRset": class ANY,
			 * TTL 0, no rdata; then §2.5.1 "Add to an RRset"
			 * for each new value, with [dns] ttl.
			 */
			okay = okay && push(up, rr_make(owner, fams[f].type,
			    LDNS_RR_CLASS_ANY, 0, NULL));
			for (j = 0; j < newf.n && okay; j++)
				okay = push(up, rr_make(owner, fams[f].type,
				    LDNS_RR_CLASS_IN, ttl, &newf.addr[j]));
		}
		ldns_rdf_deep_free(owner);
		owner = NULL;
	}
	if (!okay || ldns_rr_list_rr_count(up) == 0)
		goto done;
	if ((zrdf = ldns_dname_new_frm_str(zp->zone->name)) == NULL)
		goto done;
	/* §2.3: the zone section names the zone, type SOA, class IN. */
	p = ldns_update_pkt_new(zrdf, LDNS_RR_CLASS_IN, pr, up, NULL);
	if (p == NULL) {
		ldns_rdf_deep_free(zrdf);
		goto done;
	}
	zrdf = NULL;
	/* ldns sets RD; in an UPDATE that bit is reserved (§2.2). */
	ldns_pkt_set_rd(p, false);
	ldns_pkt_set_id(p, dns_random_id());
done:
	ldns_rdf_deep_free(owner);
	ldns_rr_list_deep_free(pr);
	ldns_rr_list_deep_free(up);
	return p;
}

/* "fa-key" (no trailing dot) for messages. */
static void
key_label(const struct tsig_key *key, char *buf, size_t len)
{
	dns_name_label(key->name, buf, len);
}

enum dns_status
rfc2136_reply_check(const struct tsig_key *key, const ldns_pkt *request,
    const uint8_t *wire, size_t len, int64_t now_s, const char *label,
    const char *server, ldns_pkt **reply_out, char *msg, size_t msglen)
{
	ldns_pkt *r = NULL;
	ldns_rr *tsig;
	const ldns_rr *qtsig;
	const ldns_rdf *qmac;
	char kl[256], eb[32], rb[16];
	int64_t skew, srvtime;
	int terr, rcode;
	bool verified;
	enum dns_status st = DNS_ERR_BAD_REPLY;

	if (reply_out != NULL)
		*reply_out = NULL;
	key_label(key, kl, sizeof(kl));
	qtsig = ldns_pkt_tsig(request);
	qmac = qtsig != NULL ? ldns_rr_rdf(qtsig, 3) : NULL;

	if (dns_wire2pkt(&r, wire, len) != LDNS_STATUS_OK) {
		util_msg(msg, msglen, "%s: %s sent a reply we cannot parse",
		    label, server);
		goto done;
	}
	if (ldns_pkt_id(r) != ldns_pkt_id(request) || !ldns_pkt_qr(r) ||
	    ldns_pkt_get_opcode(r) != ldns_pkt_get_opcode(request)) {
		util_msg(msg, msglen, "%s: %s sent a reply that does not "
		    "match our message (ID, QR or opcode)", label, server);
		goto done;
	}
	rcode = ldns_pkt_get_rcode(r);
	tsig = ldns_pkt_tsig(r);
	if (tsig == NULL) {
		if (rcode == LDNS_RCODE_NOERROR) {
			util_msg(msg, msglen, "%s: %s sent an unsigned reply; "
			    "its answer cannot be trusted", label, server);
			goto done;
		}
		/* An unsigned error can only make us fail: report it. */
	} else if ((terr = tsig_rr_error(tsig)) != 0) {
		/* RFC 8945 §5.3.2: a TSIG error rides on rcode NOTAUTH. */
		switch (terr) {
		case TSIG_ERR_BADSIG:
			util_msg(msg, msglen, "%s: BADSIG: the server rejected "
			    "our TSIG signature: the key's secret differs from "
			    "the server's (key '%s', %s)", label, kl,
			    key->algorithm);
			st = DNS_ERR_BADSIG;
			break;
		case TSIG_ERR_BADKEY:
			util_msg(msg, msglen, "%s: BADKEY: the server does not "
			    "know our key '%s' with algorithm %s: the key name "
			    "or algorithm differs from the server's key "
			    "statement", label, kl, key->algorithm);
			st = DNS_ERR_BADKEY;
			break;
		case TSIG_ERR_BADTIME:
			/*
			 * §5.2.3: a BADTIME reply is signed and carries the
			 * server's clock in other data (its time signed is
			 * ours, echoed).
			 */
			verified = tsig_verify(r, wire, len, key, qmac);
			srvtime = tsig_rr_other_time(tsig);
			st = DNS_ERR_BADTIME;
			if (srvtime < 0) {
				util_msg(msg, msglen, "%s: BADTIME: the server "
				    "says our clock differs from its clock by "
				    "more than the fudge (%d s); it did not say "
				    "its time%s", label, TSIG_FUDGE, verified ?
				    "" : " (reply not verified)");
				break;
			}
			skew = srvtime - now_s;
			util_msg(msg, msglen, "%s: BADTIME: the server "
			    "rejected our TSIG time: server clock differs from "
			    "ours by %lld s (fudge %d s; the server is %s); "
			    "fix the clock (NTP) here or on the server%s",
			    label, (long long)(skew < 0 ? -skew : skew),
			    TSIG_FUDGE, skew < 0 ? "behind" : "ahead",
			    verified ? "" : " (reply not verified)");
			break;
		default:
			util_msg(msg, msglen, "%s: the server answered with "
			    "TSIG error %s (key '%s', %s)", label,
			    tsig_error_str(terr, eb, sizeof(eb)), kl,
			    key->algorithm);
			st = DNS_ERR_BAD_REPLY;
			break;
		}
		goto done;
	} else {
		if (!tsig_verify(r, wire, len, key, qmac)) {
			util_msg(msg, msglen, "%s: the reply from %s has a "
			    "TSIG that does not verify with key '%s' (forged "
			    "or damaged reply?)", label, server, kl);
			goto done;
		}
		/* §5.4.3: ldns does not check the time window; we do. */
		skew = (int64_t)tsig_rr_time(tsig) - now_s;
		if (skew > TSIG_FUDGE || skew < -TSIG_FUDGE) {
			util_msg(msg, msglen, "%s: the reply from %s was "
			    "signed at a time %lld s away from our clock "
			    "(fudge %d s); check NTP", label, server,
			    (long long)(skew < 0 ? -skew : skew), TSIG_FUDGE);
			goto done;
		}
	}

	switch (rcode) {
	case LDNS_RCODE_NOERROR:
		st = DNS_OK;
		msg[0] = '\0';
		break;
	case LDNS_RCODE_NOTAUTH:
		util_msg(msg, msglen, "%s: NOTAUTH: %s is not authoritative "
		    "for the zone (is it the zone's primary server?)", label,
		    server);
		st = DNS_ERR_NOTAUTH;
		break;
	case LDNS_RCODE_REFUSED:
		if (ldns_pkt_get_opcode(request) == LDNS_PACKET_UPDATE)
			util_msg(msg, msglen, "%s: REFUSED: %s refused the "
			    "update (does it serve the zone, and does its "
			    "allow-update or update-policy allow key '%s'?)",
			    label, server, kl);
		else
			util_msg(msg, msglen, "%s: REFUSED: %s refused our "
			    "signed query (does it serve the zone?)", label,
			    server);
		st = DNS_ERR_REFUSED;
		break;
	case LDNS_RCODE_NOTIMPL:
		util_msg(msg, msglen, "%s: NOTIMP: %s does not support "
		    "dynamic updates", label, server);
		st = DNS_ERR_REFUSED;
		break;
	case LDNS_RCODE_NOTZONE:
		util_msg(msg, msglen, "%s: NOTZONE: a record we sent is not "
		    "inside the zone (check records = in [zone:%s])", label,
		    label);
		st = DNS_ERR_NOTZONE;
		break;
	case LDNS_RCODE_SERVFAIL:
		util_msg(msg, msglen, "%s: SERVFAIL: %s failed to apply the "
		    "change (see its logs)", label, server);
		st = DNS_ERR_SERVFAIL;
		break;
	case LDNS_RCODE_FORMERR:
		util_msg(msg, msglen, "%s: FORMERR: %s could not parse our "
		    "message", label, server);
		st = DNS_ERR_FORMERR;
		break;
	case LDNS_RCODE_NXRRSET:
		util_msg(msg, msglen, "%s: NXRRSET: a prerequisite failed: a "
		    "record no longer holds the addresses we read", label);
		st = DNS_ERR_NXRRSET;
		break;
	case LDNS_RCODE_YXRRSET:
		util_msg(msg, msglen, "%s: YXRRSET: a prerequisite failed: a "
		    "record we read as empty now has addresses", label);
		st = DNS_ERR_YXRRSET;
		break;
	default:
		util_msg(msg, msglen, "%s: %s answered %s", label, server,
		    dns_rcode_str(rcode, rb, sizeof(rb)));
		st = DNS_ERR_BAD_REPLY;
		break;
	}
	if (tsig == NULL && st != DNS_OK) {
		size_t n = strlen(msg);

		util_msg(msg + n, msglen - n, " (the reply was not signed)");
	}
done:
	if (reply_out != NULL && r != NULL) {
		*reply_out = r;
		r = NULL;
	}
	ldns_pkt_free(r);
	return st;
}

/*
 * Sign request with key, send it, judge the reply.  On DNS_OK *reply_out
 * (if given) is the parsed reply.  msg gets a message on error; when no
 * answer came, "LABEL: no answer from SRV (ATTEMPTS)"; *nsent counts the
 * copies that left (dns_exchange()).
 */
static enum dns_status
signed_exchange(const struct tsig_key *key, const struct dns_server *srv,
    ldns_pkt *request, int64_t deadline_ms, const char *label,
    ldns_pkt **reply_out, bool *used_tcp, int *nsent, char *msg,
    size_t msglen)
{
	uint8_t *wire = NULL, *rwire = NULL;
	size_t len = 0, rlen = 0;
	char err[256];
	ldns_status ls;
	enum dns_status st;

	if (reply_out != NULL)
		*reply_out = NULL;
	*used_tcp = false;
	*nsent = 0;
	if ((ls = tsig_sign(request, key, TSIG_FUDGE, NULL)) !=
	    LDNS_STATUS_OK) {
		util_msg(msg, msglen, "%s: cannot sign with key '%s' (%s): %s",
		    label, key->name, key->algorithm,
		    ldns_get_errorstr_by_id(ls));
		return DNS_ERR_KEY;
	}
	if (ldns_pkt2wire(&wire, request, &len) != LDNS_STATUS_OK) {
		util_msg(msg, msglen, "%s: cannot build the message", label);
		return DNS_ERR_INTERNAL;
	}
	log_debug("%s: sending a signed %s (%zu bytes, key '%s', %s) to %s",
	    label, ldns_pkt_get_opcode(request) == LDNS_PACKET_UPDATE ?
	    "UPDATE" : "query", len, key->name, key->algorithm, srv->text);
	st = dns_exchange(srv, wire, len, deadline_ms, &rwire, &rlen,
	    used_tcp, nsent, err, sizeof(err));
	if (st != DNS_OK) {
		util_msg(msg, msglen, "%s: no answer from %s (%s)", label,
		    srv->text, err);
		goto done;
	}
	st = rfc2136_reply_check(key, request, rwire, rlen,
	    util_wall_ms() / 1000, label, srv->text, reply_out, msg, msglen);
done:
	free(wire);
	free(rwire);
	return st;
}

/* The wire size of part first..first + count - 1 (unsigned); 0 on error. */
static size_t
part_size(const struct dns_zone_plan *zp, uint32_t ttl, size_t first,
    size_t count)
{
	ldns_pkt *p;
	uint8_t *wire = NULL;
	size_t len = 0;

	if ((p = rfc2136_update_build_part(zp, ttl, first, count)) == NULL)
		return 0;
	if (ldns_pkt2wire(&wire, p, &len) != LDNS_STATUS_OK)
		len = 0;
	free(wire);
	ldns_pkt_free(p);
	return len;
}

/*
 * Split zp's changes into as few UPDATEs as fit RFC2136_UPDATE_MAX each:
 * start from the whole size over the limit, add a part until each fits.
 * Returns the number of parts (part i holds changed records i * per to
 * i * per + per - 1), or 0 when a message cannot be built or one record
 * alone does not fit.
 */
static size_t
update_parts(const struct dns_zone_plan *zp, uint32_t ttl, size_t *per)
{
	size_t nparts, i, len;
	bool fits;

	if ((len = part_size(zp, ttl, 0, zp->nchange)) == 0)
		return 0;
	for (nparts = len / RFC2136_UPDATE_MAX + 1; nparts <= zp->nchange;
	    nparts++) {
		*per = (zp->nchange + nparts - 1) / nparts;
		fits = true;
		for (i = 0; i * *per < zp->nchange && fits; i++) {
			if ((len = part_size(zp, ttl, i * *per, *per)) == 0)
				return 0;
			fits = len <= RFC2136_UPDATE_MAX;
		}
		if (fits)
			return (zp->nchange + *per - 1) / *per;
	}
	return 0;
}

/*
 * An UPDATE that got no good answer, after nsent copies left (RFC 2136 §3.8
 * lets a client resend; the server may have applied a copy whose answer was
 * lost).  Sets zp->maybe_changed when a copy may have landed: no answer, an
 * answer we cannot trust, or a failed prerequisite on a second copy (the
 * first one may be what changed the records); dnsupdate.c then reads the
 * records back.  Rewrites msg to say what was sent and what came back.
 */
static void
update_failed(const struct dns_server *srv, const char *label,
    enum dns_status st, int nsent, struct dns_zone_plan *zp, char *msg,
    size_t msglen)
{
	char why[512], head[512];
	size_t n;

	/* signed_exchange() wrote "LABEL: no answer from SRV (ATTEMPTS)". */
	util_msg(head, sizeof(head), "%s: no answer from %s ", label,
	    srv->text);
	n = strlen(head);
	util_msg(why, sizeof(why), "%s", strncmp(msg, head, n) == 0 ? msg + n :
	    msg);
	switch (st) {
	case DNS_ERR_TIMEOUT:
	case DNS_ERR_NETWORK:
		if (nsent == 0) {
			util_msg(msg, msglen, "%s: the UPDATE could not be "
			    "sent to %s %s: nothing was changed", label,
			    srv->text, why);
			break;
		}
		zp->maybe_changed = true;
		util_msg(msg, msglen, "%s: UPDATE sent to %s, no answer %s",
		    label, srv->text, why);
		break;
	case DNS_ERR_BAD_REPLY:
		zp->maybe_changed = nsent > 0;
		break;
	case DNS_ERR_NXRRSET:
	case DNS_ERR_YXRRSET:
		zp->maybe_changed = nsent > 1;
		break;
	case DNS_ERR_NOTAUTH:
	case DNS_ERR_NOTZONE:
	case DNS_ERR_REFUSED:
	case DNS_ERR_BADSIG:
	case DNS_ERR_BADKEY:
	case DNS_ERR_BADTIME:
	case DNS_ERR_SERVFAIL:
	case DNS_ERR_FORMERR:
		/* "LABEL: BADSIG: ..." -> "LABEL: UPDATE refused: BADSIG: .." */
		if (strncmp(msg, label, strlen(label)) == 0 &&
		    strncmp(msg + strlen(label), ": ", 2) == 0) {
			util_msg(why, sizeof(why), "%s",
			    msg + strlen(label) + 2);
			util_msg(msg, msglen, "%s: UPDATE %s: %s", label,
			    st == DNS_ERR_SERVFAIL || st == DNS_ERR_FORMERR ?
			    "failed" : "refused", why);
		}
		break;
	default:
		break;
	}
}

/*
 * One UPDATE for the zone's changes; a change too large for one DNS message
 * (about 480 records with A and AAAA, 1100 with A only) goes in several,
 * one after the other, each conditional on its own records' old values: RFC
 * 2136 has no transaction across messages.  A part that fails stops the
 * rest; zp->changed then says whether earlier parts were applied.
 */
static enum dns_status
rfc2136_update(const struct config *cfg, const struct dns_server *srv,
    struct dns_zone_plan *zp, int64_t deadline_ms)
{
	struct tsig_key *key = NULL;
	ldns_pkt *p = NULL;
	char label[256], err[512], msg[512];
	size_t nparts, per = 0, i;
	bool tcp = false, any_tcp = false;
	int nsent;
	enum dns_status st = DNS_ERR_INTERNAL;

	dns_name_label(zp->zone->name, label, sizeof(label));
	if (tsig_key_load(cfg->dns.tsig_key_file, &key, err, sizeof(err)) ==
	    -1) {
		util_msg(zp->message, sizeof(zp->message), "%s: cannot use the "
		    "TSIG key: %s", label, err);
		return DNS_ERR_KEY;
	}
	if ((nparts = update_parts(zp, cfg->dns.ttl, &per)) == 0) {
		util_msg(zp->message, sizeof(zp->message), "%s: cannot build "
		    "the UPDATE message", label);
		goto done;
	}
	for (i = 0; i < nparts; i++) {
		if ((p = rfc2136_update_build_part(zp, cfg->dns.ttl, i * per,
		    per)) == NULL) {
			util_msg(zp->message, sizeof(zp->message), "%s: cannot "
			    "build the UPDATE message", label);
			st = DNS_ERR_INTERNAL;
			goto done;
		}
		st = signed_exchange(key, srv, p, deadline_ms, label, NULL,
		    &tcp, &nsent, msg, sizeof(msg));
		ldns_pkt_free(p);
		p = NULL;
		any_tcp = any_tcp || tcp;
		if (st != DNS_OK) {
			update_failed(srv, label, st, nsent, zp, msg,
			    sizeof(msg));
			if (nparts == 1)
				util_msg(zp->message, sizeof(zp->message), "%s",
				    msg);
			else
				util_msg(zp->message, sizeof(zp->message), "%s "
				    "(UPDATE %zu of %zu; %s)", msg, i + 1,
				    nparts, i > 0 ? "the earlier ones were "
				    "applied" : zp->maybe_changed ? "the "
				    "others were not sent" : "nothing was "
				    "applied");
			goto done;
		}
		if (i + 1 < nparts) {
			/* The server applied this part: say so if a later one fails. */
			zp->changed = true;
			/* One deadline per exchange, re-armed. */
			deadline_ms = util_mono_ms() + cfg->dns.timeout_ms;
		}
	}
	if (nparts == 1)
		util_msg(zp->message, sizeof(zp->message), "%s: %s took the "
		    "update of %zu record%s (over %s)", label, srv->text,
		    zp->nchange, zp->nchange == 1 ? "" : "s",
		    any_tcp ? "TCP" : "UDP");
	else
		util_msg(zp->message, sizeof(zp->message), "%s: %s took the "
		    "update of %zu records in %zu UPDATEs (too large for one "
		    "DNS message; over %s)", label, srv->text, zp->nchange,
		    nparts, any_tcp ? "TCP" : "UDP");
done:
	ldns_pkt_free(p);
	tsig_key_free(key);
	return st;
}

ldns_pkt *
rfc2136_canary_build(const char *zone)
{
	ldns_rr_list *pr = NULL, *up = NULL;
	ldns_rdf *zrdf = NULL, *owner = NULL;
	ldns_rr *rr;
	ldns_pkt *p = NULL;

	/* ldns wants an update list, even an empty one. */
	if ((zrdf = ldns_dname_new_frm_str(zone)) == NULL ||
	    (owner = ldns_dname_new_frm_str(zone)) == NULL ||
	    (pr = ldns_rr_list_new()) == NULL ||
	    (up = ldns_rr_list_new()) == NULL)
		goto done;
	/* §2.4.1 "RRset exists (value independent)": class ANY, TTL 0. */
	if ((rr = rr_make(owner, LDNS_RR_TYPE_SOA, LDNS_RR_CLASS_ANY, 0,
	    NULL)) == NULL || !push(pr, rr))
		goto done;
	p = ldns_update_pkt_new(zrdf, LDNS_RR_CLASS_IN, pr, up, NULL);
	if (p == NULL)
		goto done;
	zrdf = NULL;
	ldns_pkt_set_rd(p, false);
	ldns_pkt_set_id(p, dns_random_id());
done:
	ldns_rdf_deep_free(zrdf);
	ldns_rdf_deep_free(owner);
	ldns_rr_list_deep_free(pr);
	ldns_rr_list_deep_free(up);
	return p;
}

/*
 * The canary: the same key, transport and reply checks as a real change,
 * so whatever would break a failover (key, algorithm, clock, permission to
 * update the zone at all, the server being the zone's primary) breaks it.
 * What it cannot show: a per-name update-policy that refuses the records
 * themselves (there is no record in it to judge).
 */
static enum dns_status
rfc2136_canary(const struct config *cfg, const struct dns_server *srv,
    const struct cfg_zone *zone, int64_t deadline_ms, char *msg,
    size_t msglen)
{
	struct tsig_key *key = NULL;
	ldns_pkt *p = NULL;
	char label[256], err[512], kl[256];
	bool tcp;
	int nsent;
	enum dns_status st;

	dns_name_label(zone->name, label, sizeof(label));
	if (tsig_key_load(cfg->dns.tsig_key_file, &key, err, sizeof(err)) ==
	    -1) {
		util_msg(msg, msglen, "%s: cannot use the TSIG key: %s", label,
		    err);
		return DNS_ERR_KEY;
	}
	if ((p = rfc2136_canary_build(zone->name)) == NULL) {
		util_msg(msg, msglen, "%s: cannot build the canary UPDATE",
		    label);
		st = DNS_ERR_INTERNAL;
		goto done;
	}
	st = signed_exchange(key, srv, p, deadline_ms, label, NULL, &tcp,
	    &nsent, msg, msglen);
	if (st == DNS_OK) {
		key_label(key, kl, sizeof(kl));
		util_msg(msg, msglen, "%s: %s accepts our signed UPDATE (key "
		    "'%s', %s)", label, srv->text, kl, key->algorithm);
	}
done:
	ldns_pkt_free(p);
	tsig_key_free(key);
	return st;
}

/*
 * config-test: a TSIG-signed SOA query per zone; the reply must be a signed,
 * verified, authoritative answer holding the zone's SOA.
 */
static int
rfc2136_probe(const struct config *cfg, struct diag_list *diags)
{
	struct tsig_key *key = NULL;
	struct dns_server srv;
	ldns_pkt *q = NULL, *r = NULL;
	ldns_rdf *zrdf;
	const struct cfg_zone *z;
	char label[256], msg[512], err[512];
	int64_t deadline;
	size_t i;
	bool tcp;
	int nsent;
	int ret = 0;
	enum dns_status st;

	if (tsig_key_load(cfg->dns.tsig_key_file, &key, err, sizeof(err)) ==
	    -1) {
		diag_add(diags, true, "%s:%d: tsig_key_file: %s", cfg->path,
		    cfg->dns.line, err);
		return -1;
	}
	for (i = 0; i < cfg->nzones; i++) {
		z = &cfg->zones[i];
		dns_name_label(z->name, label, sizeof(label));
		deadline = util_mono_ms() + cfg->dns.timeout_ms;
		st = rfc2136_server(cfg, z, deadline, &srv, err, sizeof(err));
		if (st != DNS_OK) {
			diag_add(diags, true, "%s:%d: %s: %s", cfg->path,
			    z->line, label, err);
			ret = -1;
			continue;
		}
		zrdf = ldns_dname_new_frm_str(z->name);
		if (zrdf == NULL || (q = ldns_pkt_query_new(zrdf,
		    LDNS_RR_TYPE_SOA, LDNS_RR_CLASS_IN, 0)) == NULL) {
			ldns_rdf_deep_free(zrdf);
			diag_add(diags, true, "%s:%d: %s: cannot build a query",
			    cfg->path, z->line, label);
			ret = -1;
			continue;
		}
		ldns_pkt_set_id(q, dns_random_id());
		st = signed_exchange(key, &srv, q, deadline, label, &r, &tcp,
		    &nsent, msg, sizeof(msg));
		if (st == DNS_OK && (!ldns_pkt_aa(r) ||
		    ldns_rr_list_rr_count(ldns_pkt_answer(r)) == 0)) {
			util_msg(msg, sizeof(msg), "%s: %s answered the signed "
			    "SOA query but is not authoritative for the zone",
			    label, srv.text);
			st = DNS_ERR_NOTAUTH;
		}
		if (st != DNS_OK) {
			diag_add(diags, true, "%s:%d: %s", cfg->path, z->line,
			    msg);
			ret = -1;
		}
		ldns_pkt_free(q);
		ldns_pkt_free(r);
		q = NULL;
		r = NULL;
	}
	tsig_key_free(key);
	return ret;
}

const struct dnsupdate_method dnsupdate_rfc2136 = {
	.name = "rfc2136",
	.server = rfc2136_server,
	.update = rfc2136_update,
	.probe = rfc2136_probe,
	.canary = rfc2136_canary,
	.parallel = true,
};

/* [dns] method = rfc2136, the default (registry.c): no section of its own. */
const struct cfg_method rfc2136_method = {
	.name = "rfc2136",
	.ops = &dnsupdate_rfc2136,
	.dns_update = true,
};
