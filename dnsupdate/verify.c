/*
 * verify.c: verify = all (failover-agent(8), DNS UPDATES, Verifying a change):
 * after the server that took the update
 * serves the change, ask every authoritative nameserver of the zone until
 * each serves it too, or the verify deadline passes.
 *
 * The NS set and the nameservers' addresses come from the server that took
 * the update (it is authoritative for the zone: its NS RRset, glue from the
 * additional section, or its answer for in-zone names), then from the
 * discovery resolver for names outside the zone (discover.c).  [dns] port
 * applies to every nameserver: NS records carry no port.
 *
 * A nameserver address serves the change when it answers without recursion,
 * authoritatively (AA), with a SOA serial at least the one the update
 * produced (RFC 1982 arithmetic) and, for every changed record, exactly the
 * new A+AAAA set.  Every address is polled in its own thread, all under one
 * deadline, so a nameserver that does not answer costs the time of its own
 * queries, never the others' and never more than the deadline.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <ctype.h>
#include <stdarg.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agent/lib/util.h"
#include "dnsupdate/dnsupdate_impl.h"

/* Nameserver addresses checked per zone, at most; more are not asked. */
#define VERIFY_NS_MAX		16
/* Between two rounds on a nameserver that does not serve the change yet. */
#define VERIFY_ALL_POLL_MS	250

struct ns_name {
	char			name[256];	/* "ns2.example.com." */
	struct addrset		addrs;
};

struct verify_job {
	const struct config		*cfg;
	const struct dns_zone_plan	*zp;
	uint32_t			 want;
	bool				 have_want;
	int64_t				 deadline;	/* no round starts after it */
	int64_t				 hard;		/* no query lasts past it */
	struct dns_server		*srv;		/* per target */
	struct dns_ns_check		*res;		/* per target */
	bool				*ask;		/* per target: poll it */
};

static void
sleep_ms(int64_t ms)
{
	struct timespec ts;

	ts.tv_sec = (time_t)(ms / 1000);
	ts.tv_nsec = (long)(ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

static int
ns_name_cmp(const void *a, const void *b)
{
	return strcmp(((const struct ns_name *)a)->name,
	    ((const struct ns_name *)b)->name);
}

/*
 * The zone's NS names, sorted, with the addresses the same answer carries
 * as glue, from upd (which must answer authoritatively).
 */
static enum dns_status
ns_set_read(const struct config *cfg, const struct dns_server *upd,
    const char *zone, struct ns_name *names, size_t max, size_t *n,
    char *err, size_t errlen)
{
	ldns_pkt *r = NULL;
	ldns_rdf *zrdf = NULL;
	ldns_rr_list *an, *ad;
	ldns_rr *rr;
	char *s, rb[16];
	size_t i, j, k;
	enum dns_status st;

	*n = 0;
	st = dns_query(upd, zone, LDNS_RR_TYPE_NS, false,
	    util_mono_ms() + cfg->dns.timeout_ms, &r, err, errlen);
	if (st != DNS_OK)
		return st;
	if (ldns_pkt_get_rcode(r) != LDNS_RCODE_NOERROR || !ldns_pkt_aa(r)) {
		util_msg(err, errlen, "%s did not answer authoritatively for "
		    "the NS set of %s (%s%s)", upd->text, zone,
		    dns_rcode_str(ldns_pkt_get_rcode(r), rb, sizeof(rb)),
		    ldns_pkt_aa(r) ? "" : ", no AA bit");
		st = DNS_ERR_NOTAUTH;
		goto done;
	}
	if ((zrdf = ldns_dname_new_frm_str(zone)) == NULL) {
		st = DNS_ERR_INTERNAL;
		goto done;
	}
	an = ldns_pkt_answer(r);
	for (i = 0; i < ldns_rr_list_rr_count(an) && *n < max; i++) {
		rr = ldns_rr_list_rr(an, i);
		if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_NS ||
		    ldns_rr_rd_count(rr) != 1 ||
		    ldns_dname_compare(ldns_rr_owner(rr), zrdf) != 0)
			continue;
		if ((s = ldns_rdf2str(ldns_rr_rdf(rr, 0))) == NULL)
			continue;
		for (k = 0; s[k] != '\0'; k++)
			s[k] = (char)tolower((unsigned char)s[k]);
		memset(&names[*n], 0, sizeof(names[*n]));
		util_msg(names[*n].name, sizeof(names[*n].name), "%s", s);
		free(s);
		/* Glue (RFC 1034 §4.3.2): addresses of this name, if given. */
		ad = ldns_pkt_additional(r);
		for (j = 0; j < ldns_rr_list_rr_count(ad); j++) {
			ldns_rr *g = ldns_rr_list_rr(ad, j);

			if ((ldns_rr_get_type(g) != LDNS_RR_TYPE_A &&
			    ldns_rr_get_type(g) != LDNS_RR_TYPE_AAAA) ||
			    ldns_rr_rd_count(g) != 1 ||
			    ldns_dname_compare(ldns_rr_owner(g),
			    ldns_rr_rdf(rr, 0)) != 0)
				continue;
			(void)addrset_add(&names[*n].addrs,
			    ldns_rr_get_type(g) == LDNS_RR_TYPE_A ? AF_INET :
			    AF_INET6, ldns_rdf_data(ldns_rr_rdf(g, 0)));
		}
		(*n)++;
	}
	if (*n == 0) {
		util_msg(err, errlen, "%s holds no NS records for %s",
		    upd->text, zone);
		st = DNS_ERR_BAD_REPLY;
	}
	/* Servers rotate the RRset: sort, so reports read the same each time. */
	qsort(names, *n, sizeof(*names), ns_name_cmp);
done:
	ldns_rdf_deep_free(zrdf);
	ldns_pkt_free(r);
	return st;
}

/* getaddrinfo(): every address of name (the system resolver, /etc/hosts). */
static enum dns_status
system_addrs(const char *name, struct addrset *out, char *err,
    size_t errlen)
{
	struct addrinfo hints, *res = NULL, *ai;
	int r;

	memset(out, 0, sizeof(*out));
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_DGRAM;
	if ((r = getaddrinfo(name, NULL, &hints, &res)) != 0) {
		util_msg(err, errlen, "cannot resolve %s: %s", name,
		    gai_strerror(r));
		return DNS_ERR_NETWORK;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if (ai->ai_family == AF_INET)
			(void)addrset_add(out, AF_INET,
			    &((struct sockaddr_in *)ai->ai_addr)->sin_addr);
		else if (ai->ai_family == AF_INET6)
			(void)addrset_add(out, AF_INET6,
			    &((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr);
	}
	freeaddrinfo(res);
	return out->n > 0 ? DNS_OK : DNS_ERR_NETWORK;
}

/*
 * Addresses of a nameserver that came without glue: upd's authoritative
 * answer (an in-zone name), then the discovery resolver.
 */
static enum dns_status
ns_addrs_find(const struct config *cfg, const struct dns_server *upd,
    struct ns_name *ns, char *err, size_t errlen)
{
	struct dns_server res[4];
	size_t nres;
	char label[256];
	enum dns_status st;

	st = dns_query_addrs(upd, ns->name, util_mono_ms() +
	    cfg->dns.timeout_ms, &ns->addrs, err, errlen);
	if (st == DNS_OK && ns->addrs.n > 0)
		return DNS_OK;
	dns_name_label(ns->name, label, sizeof(label));
	if (cfg->dns.resolver == NULL)
		return system_addrs(label, &ns->addrs, err, errlen);
	st = dns_discovery_servers(cfg, res, FA_ARRAY_SIZE(res), &nres, err,
	    errlen);
	if (st != DNS_OK)
		return st;
	return dns_discover_addrs(res, nres, ns->name, util_mono_ms() +
	    cfg->dns.timeout_ms, &ns->addrs, err, errlen);
}

/*
 * Can this host reach addr at all?  A UDP connect() sends nothing and fails
 * at once without a route (an IPv6 nameserver seen from an IPv4-only host).
 */
static int
route_check(const struct dns_server *srv, char *err, size_t errlen)
{
	int fd, e;

	if ((fd = socket(srv->ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0)) ==
	    -1) {
		util_msg(err, errlen, "%s", strerror(errno));
		return -1;
	}
	if (connect(fd, (const struct sockaddr *)&srv->ss, srv->sslen) == -1) {
		e = errno;
		close(fd);
		util_msg(err, errlen, "%s", strerror(e));
		return -1;
	}
	close(fd);
	return 0;
}

/*
 * "no answer: " before a transport error that does not say so itself
 * (dns_exchange() names each attempt: "no answer over UDP in 1000 ms; ...").
 */
static const char *
no_answer_prefix(enum dns_status st, const char *err)
{
	if (st != DNS_ERR_TIMEOUT && st != DNS_ERR_NETWORK)
		return "";
	return strncmp(err, "no answer", 9) == 0 ? "" : "no answer: ";
}

/*
 * One round on one nameserver address: SOA serial, then every changed
 * record.  Returns true when it serves the change; else detail says why.
 */
static bool
verify_round(struct verify_job *job, size_t i)
{
	const struct config *cfg = job->cfg;
	const struct dns_zone_plan *zp = job->zp;
	const struct dns_server *srv = &job->srv[i];
	struct dns_ns_check *res = &job->res[i];
	const struct dns_record_change *rc;
	struct addrset got;
	char err[400], gb[256], wb[256];
	int64_t qdl;
	size_t j;
	int cmp;
	enum dns_status st;

	qdl = util_mono_ms() + cfg->dns.timeout_ms;
	if (qdl > job->hard)
		qdl = job->hard;
	st = dns_query_serial(srv, zp->zone->name, qdl, &res->serial, err,
	    sizeof(err));
	if (st != DNS_OK) {
		util_msg(res->detail, sizeof(res->detail), "%s%s",
		    no_answer_prefix(st, err), err);
		return false;
	}
	res->have_serial = true;
	if (job->have_want) {
		cmp = dns_serial_cmp(res->serial, job->want);
		if (cmp == -1 || cmp == 2) {
			util_msg(res->detail, sizeof(res->detail), "serial %u "
			    "%s %u", (unsigned)res->serial, cmp == -1 ? "<" :
			    "is 2^31 away from", (unsigned)job->want);
			return false;
		}
	}
	for (j = 0; j < zp->n; j++) {
		rc = &zp->rec[j];
		if (rc->status != DNS_OK)
			continue;
		qdl = util_mono_ms() + cfg->dns.timeout_ms;
		if (qdl > job->hard)
			qdl = job->hard;
		st = dns_query_addrs(srv, rc->owner, qdl, &got, err,
		    sizeof(err));
		if (st != DNS_OK) {
			util_msg(res->detail, sizeof(res->detail), "%s%s",
			    no_answer_prefix(st, err), err);
			return false;
		}
		if (!addrset_equal(&got, &rc->new_addrs)) {
			addrset_format(&got, gb, sizeof(gb), "(none)");
			addrset_format(&rc->new_addrs, wb, sizeof(wb),
			    "(none)");
			util_msg(res->detail, sizeof(res->detail), "serial %u, "
			    "but %s serves %s, not %s", (unsigned)res->serial,
			    rc->owner, gb, wb);
			return false;
		}
	}
	if (res->have_serial)
		util_msg(res->detail, sizeof(res->detail), "serves the change "
		    "(serial %u)", (unsigned)res->serial);
	return true;
}

static void
verify_target(void *ctx, size_t i)
{
	struct verify_job *job = ctx;
	struct dns_ns_check *res = &job->res[i];
	int64_t left;

	if (!job->ask[i])
		return;
	for (;;) {
		if (verify_round(job, i)) {
			res->ok = true;
			return;
		}
		/*
		 * Another round only with time for it: one started at the
		 * deadline would replace a real answer ("serial 1 < 3") by a
		 * timeout of its own making.
		 */
		left = util_ms_left(job->deadline);
		if (left <= VERIFY_ALL_POLL_MS)
			return;
		sleep_ms(VERIFY_ALL_POLL_MS);
	}
}

/*
 * The nameserver addresses of zone, from upd (see ns_set_read() and
 * ns_addrs_find()), into srv[] / res[] (name, label) / ask[] (false: not to
 * be asked, res[].detail says why), at most VERIFY_NS_MAX.  An address this
 * host has no route to counts as fine (res[].ok) while another address of
 * the same nameserver is asked.  DNS_OK, or the error reading the NS set
 * with a message in err.
 */
static enum dns_status
ns_targets(const struct config *cfg, const struct dns_server *upd,
    const char *zone, struct dns_server *srv, struct dns_ns_check *res,
    bool *ask, size_t *ntp, char *err, size_t errlen)
{
	struct ns_name names[VERIFY_NS_MAX];
	char label[256], rerr[128], aerr[400];
	size_t nnames = 0, nt = 0, i, j, k, reachable, first;
	enum dns_status st;

	*ntp = 0;
	st = ns_set_read(cfg, upd, zone, names, VERIFY_NS_MAX, &nnames, err,
	    errlen);
	if (st != DNS_OK)
		return st;
	for (i = 0; i < nnames && nt < VERIFY_NS_MAX; i++) {
		dns_name_label(names[i].name, label, sizeof(label));
		if (names[i].addrs.n == 0 &&
		    ns_addrs_find(cfg, upd, &names[i], aerr, sizeof(aerr)) !=
		    DNS_OK) {
			/* A nameserver nobody can find cannot serve anything. */
			memset(&srv[nt], 0, sizeof(srv[nt]));
			util_msg(res[nt].name, sizeof(res[nt].name), "%s",
			    names[i].name);
			util_msg(res[nt].label, sizeof(res[nt].label), "%s",
			    label);
			util_msg(res[nt].detail, sizeof(res[nt].detail), "no "
			    "address: %s", aerr);
			ask[nt++] = false;
			continue;
		}
		first = nt;
		reachable = 0;
		for (j = 0; j < names[i].addrs.n && nt < VERIFY_NS_MAX; j++) {
			dns_server_from_addr(&names[i].addrs.addr[j],
			    cfg->dns.port, &srv[nt]);
			/* The same address under two names: asked once. */
			for (k = 0; k < nt; k++)
				if (srv[k].sslen == srv[nt].sslen &&
				    memcmp(&srv[k].ss, &srv[nt].ss,
				    srv[nt].sslen) == 0)
					break;
			if (k < nt) {
				reachable++;
				continue;
			}
			util_msg(res[nt].name, sizeof(res[nt].name), "%s",
			    names[i].name);
			util_msg(res[nt].label, sizeof(res[nt].label), "%s "
			    "(%s)", label, srv[nt].text);
			ask[nt] = route_check(&srv[nt], rerr, sizeof(rerr)) == 0;
			if (!ask[nt])
				util_msg(res[nt].detail, sizeof(res[nt].detail),
				    "not asked: no route from this host (%s)",
				    rerr);
			else
				reachable++;
			nt++;
		}
		/*
		 * An address this host has no route to (IPv6 seen from an
		 * IPv4-only backup) is not held against the nameserver while
		 * another of its addresses is asked; with none, it lags.
		 */
		for (k = first; k < nt; k++)
			if (!ask[k])
				res[k].ok = reachable > 0;
	}
	*ntp = nt;
	return DNS_OK;
}

enum dns_status
dns_verify_all(const struct config *cfg, const struct dns_server *upd,
    struct dns_zone_plan *zp, uint32_t want_serial, bool have_serial,
    int64_t deadline_ms, char *why, size_t whylen)
{
	struct dns_server srv[VERIFY_NS_MAX];
	struct dns_ns_check *res;
	struct verify_job job;
	char err[400];
	bool ask[VERIFY_NS_MAX];
	size_t nt = 0, i, nbad = 0;
	int64_t floor;
	enum dns_status st;

	why[0] = '\0';
	free(zp->ns);
	zp->ns = NULL;
	zp->nns = 0;
	res = util_xcalloc(VERIFY_NS_MAX, sizeof(*res));
	st = ns_targets(cfg, upd, zp->zone->name, srv, res, ask, &nt, err,
	    sizeof(err));
	if (st != DNS_OK) {
		free(res);
		util_msg(why, whylen, "cannot read the NS set: %s", err);
		return st;
	}

	memset(&job, 0, sizeof(job));
	job.cfg = cfg;
	job.zp = zp;
	job.want = want_serial;
	job.have_want = have_serial;
	job.deadline = deadline_ms;
	/* Even when the deadline is (nearly) gone, one real round. */
	floor = util_mono_ms() + cfg->dns.timeout_ms;
	job.hard = deadline_ms > floor ? deadline_ms : floor;
	job.srv = srv;
	job.res = res;
	job.ask = ask;
	dns_parallel(nt, VERIFY_NS_MAX, verify_target, &job);

	for (i = 0; i < nt; i++) {
		if (res[i].ok)
			continue;
		nbad++;
		util_msg_append(why, whylen, "%s%s: %s",
		    why[0] ? "; " : "", res[i].label, res[i].detail);
	}
	zp->ns = res;
	zp->nns = nt;
	return nbad == 0 ? DNS_OK : DNS_ERR_LAGGING;
}

/* ---- layouts that cannot fail over (issue 18) ---- */

/* srv's address as a cfg_addr (text without the port). */
static void
server_addr(const struct dns_server *srv, struct addrset_addr *a)
{
	memset(a, 0, sizeof(*a));
	a->family = srv->ss.ss_family;
	if (a->family == AF_INET)
		a->a.v4 = ((const struct sockaddr_in *)&srv->ss)->sin_addr;
	else if (a->family == AF_INET6)
		a->a.v6 = ((const struct sockaddr_in6 *)&srv->ss)->sin6_addr;
	if ((a->family != AF_INET && a->family != AF_INET6) ||
	    inet_ntop(a->family, &a->a, a->text, sizeof(a->text)) == NULL)
		a->text[0] = '\0';
}

static bool
addr_is_primary(const struct config *cfg, const struct addrset_addr *a)
{
	size_t	i;

	for (i = 0; i < cfg->primary.n; i++)
		if (cfg->primary.addr[i].family == a->family &&
		    memcmp(&cfg->primary.addr[i].a, &a->a, a->family ==
		    AF_INET ? 4 : 16) == 0)
			return true;
	return false;
}

static void __attribute__((format(printf, 2, 3)))
layout_add(struct dns_layout *out, const char *fmt, ...)
{
	char	buf[sizeof(out->warning[0])];
	va_list	ap;
	size_t	i;

	va_start(ap, fmt);
	(void)vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	for (i = 0; i < out->n; i++)
		if (strcmp(out->warning[i], buf) == 0)
			return;		/* [dns] server: said once */
	if (out->n < DNS_LAYOUT_MAX)
		memcpy(out->warning[out->n++], buf, sizeof(buf));
}

#define LAYOUT_MASTER_FIX "what works: a hidden master or a DNS provider at " \
	"another site (the backup's, or a third), or method = virtualmin or " \
	"powerdns with the backup's own master (see INSTALL, \"Where the DNS " \
	"master lives\")"

void
dnsupdate_layout_check(const struct config *cfg, struct dns_layout *out)
{
	struct dns_server	 srv, nsrv[VERIFY_NS_MAX];
	struct dns_ns_check	*res;
	struct addrset_addr	 a;
	char			 err[400], list[400], label[256];
	bool			 ask[VERIFY_NS_MAX], all;
	size_t			 z, i, nt;

	memset(out, 0, sizeof(*out));
	res = util_xcalloc(VERIFY_NS_MAX, sizeof(*res));
	for (z = 0; z < cfg->nzones; z++) {
		const struct cfg_zone *zone = &cfg->zones[z];

		dns_name_label(zone->name, label, sizeof(label));
		if (dns_zone_server(cfg, zone, util_mono_ms() +
		    cfg->dns.timeout_ms, &srv, err, sizeof(err)) != DNS_OK)
			continue;	/* config-test's probe says why */
		server_addr(&srv, &a);
		if (a.text[0] != '\0' && addr_is_primary(cfg, &a)) {
			if (cfg->dns.server != NULL)
				layout_add(out, "[dns] server %s is one of "
				    "[site:primary]'s addresses (%s): when the "
				    "primary's site is down the DNS master is "
				    "too, and no failover can be written; %s",
				    cfg->dns.server, a.text, LAYOUT_MASTER_FIX);
			else
				layout_add(out, "%s: the DNS master %s (the "
				    "zone's SOA MNAME) is one of "
				    "[site:primary]'s addresses: when the "
				    "primary's site is down the master is too, "
				    "and no failover can be written; %s", label,
				    srv.text, LAYOUT_MASTER_FIX);
		}
		memset(res, 0, VERIFY_NS_MAX * sizeof(*res));
		if (ns_targets(cfg, &srv, zone->name, nsrv, res, ask, &nt, err,
		    sizeof(err)) != DNS_OK || nt == 0)
			continue;
		all = true;
		list[0] = '\0';
		for (i = 0; i < nt && all; i++) {
			if (nsrv[i].sslen == 0) {
				all = false;	/* no address found */
				break;
			}
			server_addr(&nsrv[i], &a);
			all = a.text[0] != '\0' && addr_is_primary(cfg, &a);
			util_msg_append(list, sizeof(list), "%s%s",
			    list[0] ? ", " : "", res[i].label);
		}
		if (all)
			layout_add(out, "%s: every nameserver of the zone (%s) "
			    "is at [site:primary]'s addresses: when the "
			    "primary's site is down nobody answers for the "
			    "zone, and resolvers never see a failover; what "
			    "works: a nameserver at another site (the "
			    "backup's, or a DNS provider) in the zone's NS "
			    "set and at the parent", label, list);
	}
	free(res);
}

/* ---- verify = all between moves: stale secondaries (issue 18) ---- */

struct stale_job {
	const struct config	*cfg;
	const char		*zone;
	uint32_t		 master;	/* the master's serial */
	int64_t			 deadline;	/* no round starts after it */
	struct dns_server	*srv;		/* per target */
	struct dns_ns_check	*res;		/* per target: ok = current */
	bool			*ask;
	bool			*behind;	/* per target: answered, older */
};

/*
 * Ask one address for the zone's serial until it is at least the master's
 * or the deadline passes.  behind: it answered, with an older serial.
 */
static void
stale_target(void *ctx, size_t i)
{
	struct stale_job *job = ctx;
	struct dns_ns_check *res = &job->res[i];
	char err[400];
	int cmp;

	if (!job->ask[i])
		return;
	for (;;) {
		if (dns_query_serial(&job->srv[i], job->zone, util_mono_ms() +
		    job->cfg->dns.timeout_ms, &res->serial, err,
		    sizeof(err)) != DNS_OK) {
			/* No answer: it serves nothing stale.  Not listed. */
			job->behind[i] = false;
			util_msg(res->detail, sizeof(res->detail), "%s", err);
			return;
		}
		res->have_serial = true;
		cmp = dns_serial_cmp(res->serial, job->master);
		if (cmp == 0 || cmp == 1) {
			res->ok = true;
			job->behind[i] = false;
			return;
		}
		job->behind[i] = true;
		if (util_ms_left(job->deadline) <= VERIFY_ALL_POLL_MS)
			return;
		sleep_ms(VERIFY_ALL_POLL_MS);
	}
}

/*
 * NOTIFY (RFC 1996 §3.7): opcode NOTIFY, AA set, the zone's SOA as the
 * question, unsigned.  A secondary answers NOERROR when it takes it (it
 * then asks its master, §3.11), else NOTAUTH or REFUSED: it accepts NOTIFY
 * only from its masters or an allow-notify list.  Says what it answered.
 */
static void
notify_send(const struct config *cfg, const struct dns_server *srv,
    const char *zone, char *out, size_t outlen)
{
	ldns_pkt *q = NULL, *r = NULL;
	uint8_t *wire = NULL, *reply = NULL;
	size_t len = 0, rlen = 0;
	char err[400], rb[16];
	bool tcp;
	enum dns_status st;

	q = ldns_pkt_query_new(ldns_dname_new_frm_str(zone), LDNS_RR_TYPE_SOA,
	    LDNS_RR_CLASS_IN, LDNS_AA);
	if (q == NULL) {
		util_msg(out, outlen, "no NOTIFY sent: out of memory");
		return;
	}
	ldns_pkt_set_opcode(q, LDNS_PACKET_NOTIFY);
	ldns_pkt_set_id(q, dns_random_id());
	if (ldns_pkt2wire(&wire, q, &len) != LDNS_STATUS_OK) {
		util_msg(out, outlen, "no NOTIFY sent: cannot build it");
		goto done;
	}
	st = dns_exchange(srv, wire, len, util_mono_ms() + cfg->dns.timeout_ms,
	    &reply, &rlen, &tcp, NULL, err, sizeof(err));
	if (st != DNS_OK) {
		util_msg(out, outlen, "NOTIFY sent, no answer: %s", err);
		goto done;
	}
	if (ldns_wire2pkt(&r, reply, rlen) != LDNS_STATUS_OK) {
		util_msg(out, outlen, "NOTIFY sent, the answer does not parse");
		goto done;
	}
	if (ldns_pkt_get_rcode(r) == LDNS_RCODE_NOERROR)
		util_msg(out, outlen, "NOTIFY sent and taken");
	else
		util_msg(out, outlen, "NOTIFY sent and refused (%s): it takes "
		    "NOTIFY from its masters only", dns_rcode_str(
		    ldns_pkt_get_rcode(r), rb, sizeof(rb)));
done:
	ldns_pkt_free(r);
	ldns_pkt_free(q);
	free(wire);
	free(reply);
}

/* One zone: the master's serial, then every nameserver's, at once. */
static int
secondaries_zone(const struct config *cfg, const struct cfg_zone *zone,
    struct dns_secondaries *out)
{
	struct dns_server master, srv[VERIFY_NS_MAX];
	struct addrset_addr ma, ta;
	struct dns_ns_check *res;
	struct stale_job job;
	struct dns_secondary *s;
	char err[400], label[256], note[200], dur[32];
	bool ask[VERIFY_NS_MAX], behind[VERIFY_NS_MAX];
	uint32_t mserial;
	size_t nt = 0, i;
	int rc = -1;

	dns_name_label(zone->name, label, sizeof(label));
	res = util_xcalloc(VERIFY_NS_MAX, sizeof(*res));
	if (dns_zone_server(cfg, zone, util_mono_ms() + cfg->dns.timeout_ms,
	    &master, err, sizeof(err)) != DNS_OK ||
	    dns_query_serial(&master, zone->name, util_mono_ms() +
	    cfg->dns.timeout_ms, &mserial, err, sizeof(err)) != DNS_OK ||
	    ns_targets(cfg, &master, zone->name, srv, res, ask, &nt, err,
	    sizeof(err)) != DNS_OK) {
		util_msg_append(out->error, sizeof(out->error), "%s%s: %s",
		    out->error[0] ? "; " : "", label, err);
		goto done;
	}
	util_duration_format(cfg->dns.timeout_ms, dur, sizeof(dur));
	server_addr(&master, &ma);
	for (i = 0; i < nt; i++) {
		behind[i] = false;
		server_addr(&srv[i], &ta);
		/* The master itself: current by definition. */
		if (ask[i] && ta.family == ma.family &&
		    strcmp(ta.text, ma.text) == 0 &&
		    srv[i].sslen == master.sslen)
			ask[i] = false;
	}
	memset(&job, 0, sizeof(job));
	job.cfg = cfg;
	job.zone = zone->name;
	job.master = mserial;
	job.deadline = util_mono_ms() + cfg->dns.timeout_ms;
	job.srv = srv;
	job.res = res;
	job.ask = ask;
	job.behind = behind;
	dns_parallel(nt, VERIFY_NS_MAX, stale_target, &job);
	for (i = 0; i < nt; i++) {
		if (!behind[i])
			continue;
		notify_send(cfg, &srv[i], zone->name, note, sizeof(note));
		out->stale = util_xreallocarray(out->stale, out->n + 1,
		    sizeof(*out->stale));
		s = &out->stale[out->n++];
		memset(s, 0, sizeof(*s));
		s->zone = zone;
		util_msg(s->label, sizeof(s->label), "%s", res[i].label);
		s->serial = res[i].serial;
		s->master_serial = mserial;
		util_msg(s->detail, sizeof(s->detail), "%s serves %s with "
		    "serial %u, the master (%s) %u: stale data, still behind "
		    "after %s; %s", res[i].label, label,
		    (unsigned)res[i].serial, master.text, (unsigned)mserial,
		    dur, note);
	}
	rc = 0;
done:
	free(res);
	return rc;
}

struct secondaries_job {
	const struct config	*cfg;
	struct dns_secondaries	*per;		/* per zone */
	int			*rc;		/* per zone */
};

static void
secondaries_one(void *ctx, size_t z)
{
	struct secondaries_job *job = ctx;

	job->rc[z] = secondaries_zone(job->cfg, &job->cfg->zones[z],
	    &job->per[z]);
}

int
dnsupdate_check_secondaries(const struct config *cfg,
    struct dns_secondaries *out)
{
	struct secondaries_job	 job;
	size_t			 z, i;
	int			 rc = 0;

	memset(out, 0, sizeof(*out));
	if (cfg->nzones == 0)
		return 0;
	job.cfg = cfg;
	job.per = util_xcalloc(cfg->nzones, sizeof(*job.per));
	job.rc = util_xcalloc(cfg->nzones, sizeof(*job.rc));
	dns_parallel(cfg->nzones, DNS_PARALLEL_MAX, secondaries_one, &job);
	/* In config order, whatever order the zones ran in. */
	for (z = 0; z < cfg->nzones; z++) {
		if (job.rc[z] == -1) {
			rc = -1;
			util_msg_append(out->error, sizeof(out->error), "%s%s",
			    out->error[0] ? "; " : "", job.per[z].error);
		}
		for (i = 0; i < job.per[z].n; i++) {
			out->stale = util_xreallocarray(out->stale, out->n + 1,
			    sizeof(*out->stale));
			out->stale[out->n++] = job.per[z].stale[i];
		}
		dns_secondaries_free(&job.per[z]);
	}
	free(job.per);
	free(job.rc);
	return rc;
}

void
dns_secondaries_free(struct dns_secondaries *s)
{
	if (s == NULL)
		return;
	free(s->stale);
	memset(s, 0, sizeof(*s));
}
