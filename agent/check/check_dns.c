/*
 * check_dns.c: the dns check (type = dns): ask server:port for name/qtype
 * with one UDP query (RFC 1035 4.2.1), over TCP (RFC 1035 4.2.2, RFC 7766)
 * only if the answer came back truncated (TC).
 *
 * The primary is down, as far as this check sees, on: no answer before the
 * deadline; an ICMP port unreachable (CHECK_REFUSED); any RCODE but
 * NOERROR (CHECK_DNS_RCODE), NXDOMAIN included: the name is one the primary
 * serves, so a server that no longer knows it is as broken as one that
 * says SERVFAIL or REFUSED; a NOERROR answer without a record of qtype, or
 * without one that matches expect (CHECK_DNS_MISMATCH).  expect matches an
 * A/AAAA record when the addresses are equal, any other type when its
 * rdata, as text (ldns's presentation format), contains expect, ignoring
 * case.
 *
 * The query has a random ID from OpenSSL (RFC 5452 9.2).  A datagram from
 * another address, with another ID, without QR, or about another question
 * is ignored and the wait goes on (the socket is connected, so the kernel
 * already drops most of them).  RD is set, so the server may be a
 * resolver as well as the primary's own nameserver.
 *
 * Both sockets are non-blocking and waited on by the engine; nothing here
 * blocks.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <ldns/ldns.h>
#include <openssl/rand.h>

#include "agent/check/check.h"
#include "agent/check/check_impl.h"
#include "agent/core/confdesc.h"
#include "agent/lib/log.h"
#include "agent/lib/util.h"

/* The keys of a dns check, as its config part (below) read them. */
static const struct cfg_check_dns *
dns_conf(const struct cfg_check *ck)
{
	return ck->conf;
}

#define DNS_TCP_MAX	65535

struct dns_state {
	int			 fd;
	bool			 tcp;
	bool			 connecting;	/* tcp: connect() in progress */
	struct sockaddr_storage	 ss;
	socklen_t		 sslen;
	char			 peer[80];	/* "192.0.2.10:53" */
	uint16_t		 id;
	ldns_rdf		*qname;
	uint8_t			*q;		/* the query, wire format */
	size_t			 qlen;
	size_t			 sent;		/* tcp: bytes of len+query sent */
	uint8_t			*in;		/* tcp: 2 + answer */
	size_t			 inlen;
};

static void
dns_release(struct check_run *run)
{
	struct dns_state	*st = run->state;

	if (st == NULL)
		return;
	if (st->fd != -1)
		close(st->fd);
	ldns_rdf_deep_free(st->qname);
	free(st->q);
	free(st->in);
	free(st);
	run->state = NULL;
}

/* Build the query and the server's address; no deadline runs yet. */
static void
dns_prepare(struct check_run *run)
{
	const struct cfg_check_dns *c = dns_conf(run->cfg);
	struct sockaddr_in	*sin;
	struct sockaddr_in6	*sin6;
	struct dns_state	*st;
	ldns_pkt		*q = NULL;

	if ((st = calloc(1, sizeof(*st))) == NULL) {
		check_done(run, CHECK_INTERNAL_ERROR, "out of memory");
		return;
	}
	st->fd = -1;
	run->state = st;
	sin = (struct sockaddr_in *)&st->ss;
	sin6 = (struct sockaddr_in6 *)&st->ss;
	if (c->server != NULL && inet_pton(AF_INET, c->server,
	    &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(c->port);
		st->sslen = sizeof(*sin);
		snprintf(st->peer, sizeof(st->peer), "%s:%u", c->server,
		    (unsigned)c->port);
	} else if (c->server != NULL && inet_pton(AF_INET6, c->server,
	    &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(c->port);
		st->sslen = sizeof(*sin6);
		snprintf(st->peer, sizeof(st->peer), "[%s]:%u", c->server,
		    (unsigned)c->port);
	} else {
		check_done(run, CHECK_INTERNAL_ERROR, "bad server address");
		return;
	}
	if (RAND_bytes((unsigned char *)&st->id, sizeof(st->id)) != 1) {
		check_done(run, CHECK_INTERNAL_ERROR, "RAND_bytes failed");
		return;
	}
	if (c->qname == NULL ||
	    (st->qname = ldns_dname_new_frm_str(c->qname)) == NULL) {
		check_done(run, CHECK_INTERNAL_ERROR, "bad name");
		return;
	}
	if ((q = ldns_pkt_query_new(ldns_rdf_clone(st->qname),
	    (ldns_rr_type)c->qtype, LDNS_RR_CLASS_IN, LDNS_RD)) == NULL) {
		check_done(run, CHECK_INTERNAL_ERROR, "out of memory");
		return;
	}
	ldns_pkt_set_id(q, st->id);
	if (ldns_pkt2wire(&st->q, q, &st->qlen) != LDNS_STATUS_OK)
		check_done(run, CHECK_INTERNAL_ERROR, "cannot build the query");
	ldns_pkt_free(q);
}

static void
dns_fail_errno(struct check_run *run, const char *what, int err)
{
	struct dns_state	*st = run->state;

	check_done(run, check_outcome_from_errno(err), "%s %s: %s", what,
	    st->peer, strerror(err));
}

static void
dns_start(struct check_run *run)
{
	struct dns_state	*st = run->state;

	st->fd = socket(st->ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (st->fd == -1) {
		check_done(run, CHECK_INTERNAL_ERROR, "socket: %s",
		    strerror(errno));
		return;
	}
	/* Connected: the kernel drops datagrams from anyone else. */
	if (connect(st->fd, (struct sockaddr *)&st->ss, st->sslen) == -1) {
		dns_fail_errno(run, "connect to", errno);
		return;
	}
	if (send(st->fd, st->q, st->qlen, 0) != (ssize_t)st->qlen)
		dns_fail_errno(run, "send to", errno);
}

/* TC was set: the same query again over TCP (RFC 7766 5). */
static void
dns_start_tcp(struct check_run *run)
{
	struct dns_state	*st = run->state;

	close(st->fd);
	st->tcp = true;
	st->sent = 0;
	st->fd = socket(st->ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, IPPROTO_TCP);
	if (st->fd == -1) {
		check_done(run, CHECK_INTERNAL_ERROR, "socket: %s",
		    strerror(errno));
		return;
	}
	if (connect(st->fd, (struct sockaddr *)&st->ss, st->sslen) == -1) {
		if (errno != EINPROGRESS) {
			dns_fail_errno(run, "TCP connect to", errno);
			return;
		}
		st->connecting = true;
	}
}

static size_t
dns_waitfds(struct check_run *run, struct curl_waitfd *w, size_t room)
{
	struct dns_state	*st = run->state;

	if (room == 0 || st->fd == -1)
		return 0;
	w[0].fd = st->fd;
	w[0].events = st->tcp && (st->connecting || st->sent < st->qlen + 2) ?
	    CURL_WAIT_POLLOUT : CURL_WAIT_POLLIN;
	w[0].revents = 0;
	return 1;
}

/* The RR's rdata in presentation format, fields separated by a space. */
static void
dns_rdata_text(const ldns_rr *rr, char *buf, size_t len)
{
	char	*s;
	size_t	 i, off = 0;

	buf[0] = '\0';
	for (i = 0; i < ldns_rr_rd_count(rr) && off + 1 < len; i++) {
		if ((s = ldns_rdf2str(ldns_rr_rdf(rr, i))) == NULL)
			continue;
		off += (size_t)snprintf(buf + off, len - off, "%s%s",
		    i > 0 ? " " : "", s);
		free(s);
	}
}

/* Does this A/AAAA/other record hold expect (see the top)? */
static bool
dns_rr_matches(const struct cfg_check_dns *c, const ldns_rr *rr,
    const char *text)
{
	unsigned char	want[16];
	const ldns_rdf	*rd;
	size_t		 alen;
	int		 af;

	if (c->qtype != LDNS_RR_TYPE_A && c->qtype != LDNS_RR_TYPE_AAAA)
		return strcasestr(text, c->expect) != NULL;
	af = c->qtype == LDNS_RR_TYPE_A ? AF_INET : AF_INET6;
	alen = af == AF_INET ? 4 : 16;
	if (inet_pton(af, c->expect, want) != 1 || ldns_rr_rd_count(rr) != 1)
		return false;
	rd = ldns_rr_rdf(rr, 0);
	return ldns_rdf_size(rd) == alen &&
	    memcmp(ldns_rdf_data(rd), want, alen) == 0;
}

/* Judge a parsed answer to our question (see the top of the file). */
static void
dns_judge(struct check_run *run, const ldns_pkt *r)
{
	const struct cfg_check_dns *c = dns_conf(run->cfg);
	struct dns_state	*st = run->state;
	const ldns_rr_list	*an = ldns_pkt_answer(r);
	const ldns_rr		*rr;
	const char		*type = check_qtype_str(c->qtype);
	char			 text[256], seen[200] = "", *rc;
	size_t			 i, nseen = 0, off = 0;
	bool			 match = false;

	if (ldns_pkt_get_rcode(r) != LDNS_RCODE_NOERROR) {
		rc = ldns_pkt_rcode2str(ldns_pkt_get_rcode(r));
		check_done(run, CHECK_DNS_RCODE, "%s answered %s for %s %s",
		    st->peer, rc != NULL ? rc : "?", c->qname, type);
		free(rc);
		return;
	}
	for (i = 0; i < ldns_rr_list_rr_count(an); i++) {
		rr = ldns_rr_list_rr(an, i);
		if (ldns_rr_get_type(rr) != c->qtype)
			continue;
		dns_rdata_text(rr, text, sizeof(text));
		if (off < sizeof(seen))
			off += (size_t)snprintf(seen + off, sizeof(seen) - off,
			    "%s%s", nseen > 0 ? ", " : "", text);
		nseen++;
		if (c->expect == NULL || dns_rr_matches(c, rr, text))
			match = true;
	}
	if (nseen == 0)
		check_done(run, CHECK_DNS_MISMATCH, "%s has no %s record at %s"
		    " (empty answer)", c->qname, type, st->peer);
	else if (!match)
		check_done(run, CHECK_DNS_MISMATCH, "%s %s is %s at %s, not %s",
		    c->qname, type, seen, st->peer, c->expect);
	else
		check_done(run, CHECK_OK, "%s %s: %s", c->qname, type, seen);
}

/*
 * A message came: ours (ID, QR, question) and parseable?  Returns false to
 * keep waiting (UDP: someone else's datagram).
 */
static bool
dns_answer(struct check_run *run, const uint8_t *wire, size_t len)
{
	struct dns_state	*st = run->state;
	ldns_pkt		*r = NULL;
	const ldns_rr		*qrr;

	if (len < LDNS_HEADER_SIZE || LDNS_ID_WIRE(wire) != st->id ||
	    !LDNS_QR_WIRE(wire))
		return false;
	if (ldns_wire2pkt(&r, wire, len) != LDNS_STATUS_OK) {
		check_done(run, CHECK_PROTOCOL_ERROR, "%s sent an answer we"
		    " cannot parse", st->peer);
		return true;
	}
	qrr = ldns_rr_list_rr(ldns_pkt_question(r), 0);
	if (qrr == NULL || ldns_rr_get_type(qrr) != dns_conf(run->cfg)->qtype ||
	    ldns_dname_compare(ldns_rr_owner(qrr), st->qname) != 0) {
		ldns_pkt_free(r);
		return false;
	}
	if (ldns_pkt_tc(r) && !st->tcp)
		dns_start_tcp(run);
	else
		dns_judge(run, r);
	ldns_pkt_free(r);
	return true;
}

static void
dns_ready_udp(struct check_run *run)
{
	struct dns_state	*st = run->state;
	struct sockaddr_storage	 from;
	socklen_t		 fromlen;
	uint8_t			 buf[4096];
	ssize_t			 n;

	for (;;) {
		fromlen = sizeof(from);
		n = recvfrom(st->fd, buf, sizeof(buf), 0,
		    (struct sockaddr *)&from, &fromlen);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)	/* ICMP port unreachable, ... */
				dns_fail_errno(run, "query to", errno);
			return;
		}
		/* The socket is connected; checked again all the same. */
		if (fromlen != st->sslen || memcmp(&from, &st->ss,
		    st->sslen) != 0)
			continue;
		if (dns_answer(run, buf, (size_t)n))
			return;
	}
}

static void
dns_ready_tcp(struct check_run *run)
{
	struct dns_state	*st = run->state;
	uint8_t			 lenq[2];
	socklen_t		 len;
	ssize_t			 n;
	size_t			 want;
	int			 err = 0;

	if (st->connecting) {
		len = sizeof(err);
		if (getsockopt(st->fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1)
			err = errno;
		if (err != 0) {
			dns_fail_errno(run, "TCP connect to", err);
			return;
		}
		st->connecting = false;
	}
	while (st->sent < st->qlen + 2) {
		lenq[0] = (uint8_t)(st->qlen >> 8);
		lenq[1] = (uint8_t)st->qlen;
		if (st->sent < 2)
			n = send(st->fd, lenq + st->sent, 2 - st->sent,
			    MSG_NOSIGNAL);
		else
			n = send(st->fd, st->q + st->sent - 2,
			    st->qlen + 2 - st->sent, MSG_NOSIGNAL);
		if (n == -1 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n == -1) {
			dns_fail_errno(run, "TCP send to", errno);
			return;
		}
		st->sent += (size_t)n;
	}
	if (st->in == NULL && (st->in = malloc(2 + DNS_TCP_MAX)) == NULL) {
		check_done(run, CHECK_INTERNAL_ERROR, "out of memory");
		return;
	}
	for (;;) {
		want = st->inlen < 2 ? 2 : 2 + (((size_t)st->in[0] << 8) |
		    st->in[1]);
		if (st->inlen == want && want > 2) {
			if (!dns_answer(run, st->in + 2, want - 2) &&
			    !run->done)
				check_done(run, CHECK_PROTOCOL_ERROR, "%s"
				    " answered another query over TCP",
				    st->peer);
			return;
		}
		n = recv(st->fd, st->in + st->inlen, want - st->inlen, 0);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN)
			return;
		if (n == -1) {
			dns_fail_errno(run, "TCP read from", errno);
			return;
		}
		if (n == 0) {
			check_done(run, CHECK_PROTOCOL_ERROR, "%s closed the"
			    " TCP connection before answering", st->peer);
			return;
		}
		st->inlen += (size_t)n;
	}
}

static void
dns_ready(struct check_run *run, curl_socket_t fd, short revents)
{
	(void)fd;
	(void)revents;
	if (((struct dns_state *)run->state)->tcp)
		dns_ready_tcp(run);
	else
		dns_ready_udp(run);
}

static void
dns_expire(struct check_run *run)
{
	struct dns_state	*st = run->state;
	char			 limit[32];

	util_duration_format(run->cfg->timeout_ms, limit, sizeof(limit));
	check_done(run, CHECK_TIMEOUT, "%s %s: no answer from %s%s within %s",
	    dns_conf(run->cfg)->qname, check_qtype_str(dns_conf(run->cfg)->qtype),
	    st->peer,
	    st->tcp ? " over TCP" : "", limit);
}

const struct check_ops check_dns_ops = {
	.name = "dns",
	.prepare = dns_prepare,
	.start = dns_start,
	.waitfds = dns_waitfds,
	.ready = dns_ready,
	.expire = dns_expire,
	.release = dns_release,
};

/* ---- [check:NAME] type = dns: its keys (agent/core/confdesc.h) ---- */

static const struct {
	const char	*name;
	uint16_t	 type;
} dns_qtypes[] = {	/* RFC 1035 3.2.2, RFC 3596, RFC 2782, RFC 8659 */
	{ "A", 1 }, { "NS", 2 }, { "CNAME", 5 }, { "SOA", 6 }, { "PTR", 12 },
	{ "MX", 15 }, { "TXT", 16 }, { "AAAA", 28 }, { "SRV", 33 },
	{ "CAA", 257 },
};

/* server, port, name, qtype, expect. */
static void
dns_conf_validate(struct cfg_ctx *c, const struct cfg_sec *s,
    struct cfg_check *chk)
{
	struct cfg_check_dns	*ck = chk->conf;
	struct util_hostport	 hp;
	unsigned char		 addr[16];
	char			 err[256], canon[64];
	const char		*v;
	int			 line, af;
	size_t			 i;
	long long		 n;

	memset(&hp, 0, sizeof(hp));
	if ((v = cfg_get_str(c, s, "server", false, &line)) != NULL) {
		if (util_hostport_parse(v, UTIL_HP_NUMERIC, &hp, err,
		    sizeof(err)) == -1)
			cfg_error(c, line, "bad server %s", err);
		else
			ck->server = util_xstrdup(hp.host);
	}
	if (hp.port != 0 && cfg_sec_get(s, "port") != NULL)
		cfg_error(c, cfg_sec_get(s, "port")->line, "port given twice:"
		    " in server and here; keep one");
	n = hp.port != 0 ? hp.port : 53;
	cfg_get_num(c, s, "port", 1, 65535, &n);
	ck->port = (uint16_t)n;
	if ((v = cfg_get_str(c, s, "name", false, &line)) != NULL) {
		if (strlen(v) > 253 || v[strcspn(v, " \t")] != '\0')
			cfg_error(c, line, "bad name '%.64s' (a domain name)",
			    v);
		else
			ck->qname = util_xstrdup(v);
	}
	ck->qtype = 1;
	if ((v = cfg_get_str(c, s, "qtype", false, &line)) != NULL) {
		for (i = 0; i < FA_ARRAY_SIZE(dns_qtypes); i++)
			if (strcasecmp(v, dns_qtypes[i].name) == 0)
				break;
		if (i == FA_ARRAY_SIZE(dns_qtypes))
			cfg_error(c, line, "bad qtype '%.16s' (A, AAAA, CNAME,"
			    " MX, NS, PTR, SOA, SRV, TXT or CAA)", v);
		else
			ck->qtype = dns_qtypes[i].type;
	}
	if ((v = cfg_get_str(c, s, "expect", false, &line)) == NULL)
		return;
	if (ck->qtype == 1 || ck->qtype == 28) {
		af = ck->qtype == 1 ? AF_INET : AF_INET6;
		if (inet_pton(af, v, addr) != 1 ||
		    inet_ntop(af, addr, canon, sizeof(canon)) == NULL) {
			cfg_error(c, line, "bad expect '%.64s' (an %s address,"
			    " for qtype %s)", v,
			    af == AF_INET ? "IPv4" : "IPv6",
			    af == AF_INET ? "A" : "AAAA");
			return;
		}
		v = canon;
	}
	ck->expect = util_xstrdup(v);
}

/* The name of an RR type number of dns_qtypes, "?" if none. */
const char *
check_qtype_str(uint16_t type)
{
	size_t	i;

	for (i = 0; i < FA_ARRAY_SIZE(dns_qtypes); i++)
		if (dns_qtypes[i].type == type)
			return dns_qtypes[i].name;
	return "?";
}

#define K_AT(m)	CFG_AT(struct cfg_check_dns, m)
static const struct cfg_key dns_keys[] = {
	{ .name = "server", .type = CFG_T_CUSTOM, .flags = CFG_F_REQUIRED |
	  CFG_F_OWNED, K_AT(server), .doc = "the server to ask: ADDR[:PORT]" },
	{ .name = "port", .type = CFG_T_CUSTOM, .doc = "its port (53)" },
	{ .name = "name", .type = CFG_T_CUSTOM, .flags = CFG_F_REQUIRED |
	  CFG_F_OWNED, K_AT(qname), .doc = "the name to ask for" },
	{ .name = "qtype", .type = CFG_T_CUSTOM, .doc = "the type (A)" },
	{ .name = "expect", .type = CFG_T_CUSTOM, .flags = CFG_F_OWNED,
	  K_AT(expect), .doc = "the answer expected" },
	{ .name = NULL }
};
#undef K_AT

const struct cfg_check_type check_dns_type = {
	.name = "dns",
	.ops = &check_dns_ops,
	.keys = dns_keys,
	.conf_size = sizeof(struct cfg_check_dns),
	.timeout_ms = 5000,
	.validate = dns_conf_validate,
};
