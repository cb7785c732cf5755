/*
 * dnsquery.c: the small DNS client every method shares: send a message and
 * take the right reply (UDP, TCP fallback), read A/AAAA and SOA serials,
 * address sets.
 *
 * ldns's ldns_udp_send() takes the first datagram from anyone and neither it
 * nor ldns_tcp_send() checks the reply's ID; so we send with
 * ldns_udp_bgsend2()/ldns_tcp_bgsend2(), read with ldns_udp_read_wire()/
 * ldns_tcp_read_wire_timeout(), and check source, ID and QR ourselves.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <stdarg.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/rand.h>

#include "agent/lib/util.h"
#include "dnsupdate/dnsupdate_impl.h"

uint16_t
dns_random_id(void)
{
	uint16_t id;

	if (RAND_bytes((unsigned char *)&id, sizeof(id)) != 1)
		id = (uint16_t)(util_mono_ms() ^ (util_wall_ms() >> 3));
	return id;
}

const char *
dns_rcode_str(int rcode, char *buf, size_t buflen)
{
	static const char *names[] = { "NOERROR", "FORMERR", "SERVFAIL",
	    "NXDOMAIN", "NOTIMP", "REFUSED", "YXDOMAIN", "YXRRSET", "NXRRSET",
	    "NOTAUTH", "NOTZONE" };

	if (rcode >= 0 && (size_t)rcode < FA_ARRAY_SIZE(names))
		return names[rcode];
	util_msg(buf, buflen, "RCODE%d", rcode);
	return buf;
}

static struct timeval
ms_to_tv(int64_t ms)
{
	struct timeval tv;

	if (ms < 0)
		ms = 0;
	tv.tv_sec = (time_t)(ms / 1000);
	tv.tv_usec = (suseconds_t)((ms % 1000) * 1000);
	return tv;
}

static bool
same_peer(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	const struct sockaddr_in *a4, *b4;
	const struct sockaddr_in6 *a6, *b6;

	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET) {
		a4 = (const struct sockaddr_in *)a;
		b4 = (const struct sockaddr_in *)b;
		return a4->sin_port == b4->sin_port &&
		    a4->sin_addr.s_addr == b4->sin_addr.s_addr;
	}
	if (a->ss_family == AF_INET6) {
		a6 = (const struct sockaddr_in6 *)a;
		b6 = (const struct sockaddr_in6 *)b;
		return a6->sin6_port == b6->sin6_port &&
		    memcmp(&a6->sin6_addr, &b6->sin6_addr, 16) == 0;
	}
	return false;
}

/* Our reply: at least a header, our ID, the QR bit. */
static bool
reply_is_ours(const uint8_t *msg, const uint8_t *r, size_t rlen)
{
	return rlen >= LDNS_HEADER_SIZE && r[0] == msg[0] && r[1] == msg[1] &&
	    LDNS_QR_WIRE(r);
}

/*
 * One UDP try until deadline.  *tc set when the answer is truncated.  err
 * says what happened to this attempt, without the server's name
 * (dns_exchange() joins the attempts), with budget as the time it was
 * given.  *nsent counts the copies that left.
 */
static enum dns_status
exchange_udp(const struct dns_server *srv, ldns_buffer *qbin,
    int64_t deadline_ms, int64_t budget, uint8_t **reply, size_t *replylen,
    bool *tc, int *nsent, char *err, size_t errlen)
{
	struct sockaddr_storage from;
	socklen_t fromlen;
	struct pollfd pfd;
	uint8_t *r;
	size_t rlen;
	int fd, n;
	enum dns_status st = DNS_ERR_TIMEOUT;

	*tc = false;
	fd = ldns_udp_bgsend2(qbin, &srv->ss, srv->sslen,
	    ms_to_tv(util_ms_left(deadline_ms)));
	if (fd == -1) {
		util_msg(err, errlen, "cannot send over UDP: %s",
		    strerror(errno));
		return DNS_ERR_NETWORK;
	}
	(*nsent)++;
	for (;;) {
		pfd.fd = fd;
		pfd.events = POLLIN;
		pfd.revents = 0;
		n = poll(&pfd, 1, (int)util_ms_left(deadline_ms));
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			util_msg(err, errlen, "no answer over UDP in %lld ms",
			    (long long)budget);
			st = DNS_ERR_TIMEOUT;
			break;
		}
		fromlen = sizeof(from);
		memset(&from, 0, sizeof(from));
		r = ldns_udp_read_wire(fd, &rlen, &from, &fromlen);
		if (r == NULL) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			util_msg(err, errlen, "UDP: %s", strerror(errno));
			st = DNS_ERR_NETWORK;
			break;
		}
		if (!same_peer(&from, &srv->ss) ||
		    !reply_is_ours(ldns_buffer_begin(qbin), r, rlen)) {
			/* Someone else's, or spoofed: keep waiting. */
			free(r);
			continue;
		}
		if (LDNS_TC_WIRE(r)) {
			free(r);
			*tc = true;
			util_msg(err, errlen, "answer over UDP truncated");
			st = DNS_ERR_NETWORK;
			break;
		}
		*reply = r;
		*replylen = rlen;
		st = DNS_OK;
		break;
	}
	close(fd);
	return st;
}

/*
 * One TCP try until deadline: connect, send, read one answer.  err and
 * *nsent as for exchange_udp().
 */
static enum dns_status
exchange_tcp(const struct dns_server *srv, ldns_buffer *qbin,
    int64_t deadline_ms, int64_t budget, uint8_t **reply, size_t *replylen,
    int *nsent, char *err, size_t errlen)
{
	uint8_t *r;
	size_t rlen = 0;
	int fd;

	errno = 0;
	fd = ldns_tcp_bgsend2(qbin, &srv->ss, srv->sslen,
	    ms_to_tv(util_ms_left(deadline_ms)));
	if (fd == -1) {
		if (util_ms_left(deadline_ms) == 0 || errno == 0) {
			util_msg(err, errlen, "no TCP connection in %lld ms",
			    (long long)budget);
			return DNS_ERR_TIMEOUT;
		}
		util_msg(err, errlen, "no TCP connection: %s",
		    strerror(errno));
		return DNS_ERR_NETWORK;
	}
	(*nsent)++;
	r = ldns_tcp_read_wire_timeout(fd, &rlen,
	    ms_to_tv(util_ms_left(deadline_ms)));
	close(fd);
	if (r == NULL) {
		if (util_ms_left(deadline_ms) == 0) {
			util_msg(err, errlen, "no answer over TCP in %lld ms",
			    (long long)budget);
			return DNS_ERR_TIMEOUT;
		}
		util_msg(err, errlen, "the TCP connection closed without an "
		    "answer");
		return DNS_ERR_NETWORK;
	}
	if (!reply_is_ours(ldns_buffer_begin(qbin), r, rlen)) {
		free(r);
		util_msg(err, errlen, "an answer over TCP with another "
		    "message ID");
		return DNS_ERR_BAD_REPLY;
	}
	*reply = r;
	*replylen = rlen;
	return DNS_OK;
}

enum dns_status
dns_exchange(const struct dns_server *srv, const uint8_t *msg, size_t len,
    int64_t deadline_ms, uint8_t **reply, size_t *replylen, bool *used_tcp,
    int *nsent, char *err, size_t errlen)
{
	ldns_buffer *qbin;
	enum dns_status st;
	int64_t udp_deadline, total;
	char udperr[128] = "", tcperr[128];
	bool tc = false;
	int dummy;

	if (nsent == NULL)
		nsent = &dummy;
	*reply = NULL;
	*replylen = 0;
	*used_tcp = false;
	*nsent = 0;
	if (len > UINT16_MAX) {
		util_msg(err, errlen, "message too large (%zu bytes)", len);
		return DNS_ERR_INTERNAL;
	}
	if ((qbin = ldns_buffer_new(len)) == NULL) {
		util_msg(err, errlen, "out of memory");
		return DNS_ERR_INTERNAL;
	}
	ldns_buffer_write(qbin, msg, len);

	/*
	 * The split is planned up front, so messages say "1000 ms" twice;
	 * the caller armed the deadline a moment ago: 1999 ms left reads
	 * as 2000.
	 */
	total = util_ms_left(deadline_ms);
	if (total >= 100)
		total = (total + 5) / 10 * 10;
	if (len <= DNS_UDP_MAX) {
		/* Leave TCP half of the time if UDP gets nothing. */
		udp_deadline = util_mono_ms() + total / 2;
		st = exchange_udp(srv, qbin, udp_deadline, total / 2, reply,
		    replylen, &tc, nsent, udperr, sizeof(udperr));
		if (st == DNS_OK)
			goto done;
		total -= total / 2;
	}
	*used_tcp = true;
	st = exchange_tcp(srv, qbin, deadline_ms, total, reply, replylen,
	    nsent, tcperr, sizeof(tcperr));
	/* Every attempt, not only the last: "no answer over UDP ...; ...". */
	if (st != DNS_OK)
		util_msg(err, errlen, "%s%s%s", udperr, udperr[0] ? "; " : "",
		    tcperr);
done:
	ldns_buffer_free(qbin);
	return st;
}

enum dns_status
dns_server_resolve(const char *host, uint16_t port, struct dns_server *out,
    char *err, size_t errlen)
{
	struct addrinfo hints, *res = NULL;
	char portstr[8];
	int r;

	memset(out, 0, sizeof(*out));
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_DGRAM;
	hints.ai_flags = AI_NUMERICSERV;
	util_msg(portstr, sizeof(portstr), "%u", (unsigned)port);
	if ((r = getaddrinfo(host, portstr, &hints, &res)) != 0) {
		util_msg(err, errlen, "cannot resolve DNS server %s: %s", host,
		    gai_strerror(r));
		return DNS_ERR_NETWORK;
	}
	if (res->ai_addrlen > sizeof(out->ss)) {
		freeaddrinfo(res);
		util_msg(err, errlen, "DNS server %s: odd address", host);
		return DNS_ERR_INTERNAL;
	}
	memcpy(&out->ss, res->ai_addr, res->ai_addrlen);
	out->sslen = res->ai_addrlen;
	freeaddrinfo(res);
	util_msg(out->text, sizeof(out->text), "%s#%u", host, (unsigned)port);
	return DNS_OK;
}

/* Skip the name at *pos (labels, maybe ending in a pointer); false if cut. */
static bool
wire_skip_name(const uint8_t *w, size_t len, size_t *pos)
{
	while (*pos < len) {
		if ((w[*pos] & 0xc0) == 0xc0) {
			*pos += 2;
			return *pos <= len;
		}
		if (w[*pos] & 0xc0)
			return false;	/* RFC 6891 §5: no extended labels */
		if (w[*pos] == 0) {
			(*pos)++;
			return true;
		}
		*pos += 1 + (size_t)w[*pos];
	}
	return false;
}

/*
 * ldns_wire2pkt(), refusing a message whose TSIG RR is not the one last
 * record of the additional section, as RFC 8945 §5.1 requires.  ldns 1.8.3
 * keeps only the last TSIG it reads and leaks the others, and leaks the
 * TSIG it has read when a record after it fails to parse (both found by
 * fuzz_rfc2136_reply).  Counted on the wire, before ldns parses; a message
 * cut short without a TSIG is left to ldns to refuse.  Same results as
 * ldns_wire2pkt() otherwise.
 */
ldns_status
dns_wire2pkt(ldns_pkt **out, const uint8_t *wire, size_t len)
{
	size_t	pos = LDNS_HEADER_SIZE, i, n, rr, tsigs = 0, tsig_at = 0;

	*out = NULL;
	if (len < LDNS_HEADER_SIZE)
		return ldns_wire2pkt(out, wire, len);
	for (i = 0; i < LDNS_QDCOUNT(wire); i++)
		if (!wire_skip_name(wire, len, &pos) || (pos += 4) > len)
			return ldns_wire2pkt(out, wire, len);
	n = (size_t)LDNS_ANCOUNT(wire) + LDNS_NSCOUNT(wire) +
	    LDNS_ARCOUNT(wire);
	for (rr = 0; rr < n; rr++) {
		if (!wire_skip_name(wire, len, &pos) || pos + 10 > len)
			break;
		if (rr >= n - LDNS_ARCOUNT(wire) &&
		    ldns_read_uint16(wire + pos) == LDNS_RR_TYPE_TSIG) {
			if (++tsigs > 1)
				return LDNS_STATUS_WIRE_RDATA_ERR;
			tsig_at = rr;
		}
		pos += 10 + ldns_read_uint16(wire + pos + 8);
	}
	/* A TSIG not last, or followed by a record cut short. */
	if (tsigs == 1 && (tsig_at != n - 1 || rr < n || pos > len))
		return LDNS_STATUS_WIRE_RDATA_ERR;
	return ldns_wire2pkt(out, wire, len);
}

enum dns_status
dns_query(const struct dns_server *srv, const char *name, ldns_rr_type type,
    bool rd, int64_t deadline_ms, ldns_pkt **out, char *err, size_t errlen)
{
	ldns_pkt *q = NULL, *r = NULL;
	ldns_rdf *qname = NULL;
	ldns_rr *qrr;
	uint8_t *wire = NULL, *rwire = NULL;
	size_t wirelen = 0, rlen = 0;
	bool tcp;
	enum dns_status st = DNS_ERR_INTERNAL;

	*out = NULL;
	if ((qname = ldns_dname_new_frm_str(name)) == NULL) {
		util_msg(err, errlen, "bad name '%s'", name);
		return DNS_ERR_INTERNAL;
	}
	if ((q = ldns_pkt_query_new(ldns_rdf_clone(qname), type,
	    LDNS_RR_CLASS_IN, rd ? LDNS_RD : 0)) == NULL) {
		util_msg(err, errlen, "out of memory");
		goto done;
	}
	ldns_pkt_set_id(q, dns_random_id());
	if (ldns_pkt2wire(&wire, q, &wirelen) != LDNS_STATUS_OK) {
		util_msg(err, errlen, "cannot build the query for %s", name);
		goto done;
	}
	st = dns_exchange(srv, wire, wirelen, deadline_ms, &rwire, &rlen, &tcp,
	    NULL, err, errlen);
	if (st != DNS_OK)
		goto done;
	if (dns_wire2pkt(&r, rwire, rlen) != LDNS_STATUS_OK) {
		util_msg(err, errlen, "%s sent an answer we cannot parse",
		    srv->text);
		st = DNS_ERR_BAD_REPLY;
		goto done;
	}
	qrr = ldns_rr_list_rr(ldns_pkt_question(r), 0);
	if (ldns_pkt_get_opcode(r) != LDNS_PACKET_QUERY || (qrr != NULL &&
	    (ldns_dname_compare(ldns_rr_owner(qrr), qname) != 0 ||
	    ldns_rr_get_type(qrr) != type)) || (qrr == NULL &&
	    ldns_pkt_get_rcode(r) == LDNS_RCODE_NOERROR)) {
		util_msg(err, errlen, "%s answered another question",
		    srv->text);
		st = DNS_ERR_BAD_REPLY;
		goto done;
	}
	*out = r;
	r = NULL;
	st = DNS_OK;
done:
	ldns_pkt_free(q);
	ldns_pkt_free(r);
	ldns_rdf_deep_free(qname);
	free(wire);
	free(rwire);
	return st;
}

/* Map the rcode of a query answer; DNS_OK for NOERROR/NXDOMAIN with AA. */
static enum dns_status
query_rcode(const struct dns_server *srv, const ldns_pkt *r, const char *name,
    char *err, size_t errlen)
{
	char buf[16];
	int rc = ldns_pkt_get_rcode(r);

	switch (rc) {
	case LDNS_RCODE_NOERROR:
	case LDNS_RCODE_NXDOMAIN:
		if (!ldns_pkt_aa(r)) {
			util_msg(err, errlen, "%s is not authoritative for %s "
			    "(answer without the AA bit)", srv->text, name);
			return DNS_ERR_NOTAUTH;
		}
		return DNS_OK;
	case LDNS_RCODE_REFUSED:
		util_msg(err, errlen, "%s refused the query for %s (does it "
		    "serve this zone?)", srv->text, name);
		return DNS_ERR_REFUSED;
	case LDNS_RCODE_SERVFAIL:
		util_msg(err, errlen, "%s answered SERVFAIL for %s", srv->text,
		    name);
		return DNS_ERR_SERVFAIL;
	case LDNS_RCODE_NOTAUTH:
		util_msg(err, errlen, "%s is not authoritative for %s",
		    srv->text, name);
		return DNS_ERR_NOTAUTH;
	case LDNS_RCODE_FORMERR:
		util_msg(err, errlen, "%s answered FORMERR for %s", srv->text,
		    name);
		return DNS_ERR_FORMERR;
	default:
		util_msg(err, errlen, "%s answered %s for %s", srv->text,
		    dns_rcode_str(rc, buf, sizeof(buf)), name);
		return DNS_ERR_BAD_REPLY;
	}
}

enum dns_status
dns_query_addrs(const struct dns_server *srv, const char *owner,
    int64_t deadline_ms, struct addrset *out, char *err, size_t errlen)
{
	static const ldns_rr_type types[] = { LDNS_RR_TYPE_A,
	    LDNS_RR_TYPE_AAAA };
	ldns_pkt *r = NULL;
	ldns_rdf *qname;
	ldns_rr_list *an;
	ldns_rr *rr;
	const ldns_rdf *rd;
	size_t t, i;
	enum dns_status st = DNS_OK;

	memset(out, 0, sizeof(*out));
	if ((qname = ldns_dname_new_frm_str(owner)) == NULL) {
		util_msg(err, errlen, "bad name '%s'", owner);
		return DNS_ERR_INTERNAL;
	}
	for (t = 0; t < FA_ARRAY_SIZE(types) && st == DNS_OK; t++) {
		st = dns_query(srv, owner, types[t], false, deadline_ms, &r,
		    err, errlen);
		if (st != DNS_OK)
			break;
		if ((st = query_rcode(srv, r, owner, err, errlen)) != DNS_OK)
			break;
		an = ldns_pkt_answer(r);
		for (i = 0; i < ldns_rr_list_rr_count(an); i++) {
			rr = ldns_rr_list_rr(an, i);
			/* A CNAME chain is not an address we manage. */
			if (ldns_rr_get_type(rr) != types[t] ||
			    ldns_dname_compare(ldns_rr_owner(rr), qname) != 0 ||
			    ldns_rr_rd_count(rr) != 1)
				continue;
			rd = ldns_rr_rdf(rr, 0);
			if (addrset_add(out, types[t] == LDNS_RR_TYPE_A ?
			    AF_INET : AF_INET6, ldns_rdf_data(rd)) == -1) {
				util_msg(err, errlen, "%s holds more than %d "
				    "addresses", owner, ADDRSET_MAX);
				st = DNS_ERR_BAD_REPLY;
				break;
			}
		}
		ldns_pkt_free(r);
		r = NULL;
	}
	ldns_pkt_free(r);
	ldns_rdf_deep_free(qname);
	return st;
}

enum dns_status
dns_query_serial(const struct dns_server *srv, const char *zone,
    int64_t deadline_ms, uint32_t *serial, char *err, size_t errlen)
{
	ldns_pkt *r = NULL;
	ldns_rr_list *an;
	ldns_rr *rr;
	size_t i;
	enum dns_status st;

	*serial = 0;
	st = dns_query(srv, zone, LDNS_RR_TYPE_SOA, false, deadline_ms, &r,
	    err, errlen);
	if (st != DNS_OK)
		return st;
	if ((st = query_rcode(srv, r, zone, err, errlen)) != DNS_OK)
		goto done;
	an = ldns_pkt_answer(r);
	st = DNS_ERR_BAD_REPLY;
	util_msg(err, errlen, "%s has no SOA for %s", srv->text, zone);
	for (i = 0; i < ldns_rr_list_rr_count(an); i++) {
		rr = ldns_rr_list_rr(an, i);
		if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_SOA &&
		    ldns_rr_rd_count(rr) == 7) {
			*serial = ldns_rdf2native_int32(ldns_rr_rdf(rr, 2));
			err[0] = '\0';
			st = DNS_OK;
			break;
		}
	}
done:
	ldns_pkt_free(r);
	return st;
}


void
dns_name_label(const char *name, char *buf, size_t len)
{
	size_t	n;

	util_msg(buf, len, "%s", name);
	n = strlen(buf);
	if (n > 1 && buf[n - 1] == '.')
		buf[n - 1] = '\0';
}
