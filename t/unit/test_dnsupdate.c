/*
 * test_dnsupdate.c: the parts of dnsupdate/ that need no server: status
 * names, classifying a view, the plan and its --dry-run print, the UPDATE
 * message we build (RFC 2136 sections), and judging crafted replies: TSIG
 * errors (BADTIME with the measured skew, which a real BIND only shows with
 * a wrong clock), forged or stale replies, every rcode.  And the transport
 * against a fake server on 127.0.0.1 (a forked child): replies from another
 * port or with another ID are dropped, TC falls back to TCP, silence is a
 * timeout.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ldns/ldns.h>

#include "agent/core/confdesc.h"
#include "agent/core/config.h"
#include "agent/lib/util.h"
#include "dnsupdate/dnsupdate.h"
#include "dnsupdate/dnsupdate_impl.h"
#include "dnsupdate/tsigkey.h"
#include "t/unit/tap.h"

static struct addrset
set(const char *s)
{
	struct addrset a;
	const char *err;

	memset(&a, 0, sizeof(a));
	if (*s != '\0' && addrset_parse(s, &a, &err) == -1) {
		printf("Bail out! addrset '%s': %s\n", s, err);
		exit(1);
	}
	return a;
}

static struct tsig_key *
key(const char *text)
{
	struct tsig_key *k = NULL;
	char err[512];

	if (tsig_key_parse(text, "test.key", &k, err, sizeof(err)) == -1) {
		printf("Bail out! key: %s\n", err);
		exit(1);
	}
	return k;
}

static void
write48(uint8_t *p, uint64_t v)
{
	p[0] = (uint8_t)(v >> 40);
	p[1] = (uint8_t)(v >> 32);
	p[2] = (uint8_t)(v >> 24);
	p[3] = (uint8_t)(v >> 16);
	p[4] = (uint8_t)(v >> 8);
	p[5] = (uint8_t)v;
}

/*
 * A reply to req as a server would build it: same ID and zone section,
 * rcode, then (if signer) a TSIG over req's MAC with the given time, error
 * and other data.  Returns wire (caller frees).
 */
static uint8_t *
reply(const ldns_pkt *req, int rcode, const struct tsig_key *signer,
    const ldns_rdf *mac, uint64_t t, uint16_t error, int64_t other,
    uint16_t id_delta, size_t *len)
{
	ldns_pkt *r = ldns_pkt_new();
	uint8_t *wire = NULL, od[6];

	ldns_pkt_set_id(r, (uint16_t)(ldns_pkt_id(req) + id_delta));
	ldns_pkt_set_qr(r, true);
	ldns_pkt_set_opcode(r, ldns_pkt_get_opcode(req));
	ldns_pkt_set_rcode(r, (uint8_t)rcode);
	ldns_pkt_push_rr(r, LDNS_SECTION_QUESTION, ldns_rr_clone(
	    ldns_rr_list_rr(ldns_pkt_question(req), 0)));
	if (signer != NULL) {
		if (other >= 0)
			write48(od, (uint64_t)other);
		tsig_sign_full(r, signer, TSIG_FUDGE, mac, t, error,
		    other >= 0 ? od : NULL, other >= 0 ? 6 : 0);
	}
	ldns_pkt2wire(&wire, r, len);
	ldns_pkt_free(r);
	return wire;
}

/* Judge a crafted reply; returns the status, message in msg. */
static enum dns_status
judge(const struct tsig_key *k, const ldns_pkt *req, int rcode,
    const struct tsig_key *signer, bool over_mac, int64_t toff,
    uint16_t error, int64_t other_off, uint16_t id_delta, char *msg,
    size_t msglen)
{
	int64_t now = util_wall_ms() / 1000;
	const ldns_rdf *mac = ldns_rr_rdf(ldns_pkt_tsig(req), 3);
	uint8_t *w;
	size_t len = 0;
	enum dns_status st;

	w = reply(req, rcode, signer, over_mac ? mac : NULL,
	    (uint64_t)(now + toff), error,
	    other_off == INT64_MIN ? -1 : now + other_off, id_delta, &len);
	st = rfc2136_reply_check(k, req, w, len, now, "example.com",
	    "127.0.0.1#53", NULL, msg, msglen);
	free(w);
	return st;
}

static void
rr_strings(ldns_rr_list *l, char *buf, size_t len)
{
	size_t i, n;
	char *s;

	buf[0] = '\0';
	for (i = 0; i < ldns_rr_list_rr_count(l); i++) {
		s = ldns_rr2str(ldns_rr_list_rr(l, i));
		n = strlen(buf);
		snprintf(buf + n, len - n, "%s", s ? s : "?");
		free(s);
	}
}


/* ---- a fake DNS server, forked, on 127.0.0.1 ---- */

static int
bind_lo(int type, uint16_t port)
{
	struct sockaddr_in sin;
	int fd, one = 1;

	if ((fd = socket(AF_INET, type, 0)) == -1)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    (type == SOCK_STREAM && listen(fd, 4) == -1)) {
		close(fd);
		return -1;
	}
	return fd;
}

static uint16_t
port_of(int fd)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);

	getsockname(fd, (struct sockaddr *)&sin, &len);
	return ntohs(sin.sin_port);
}

/* UDP and TCP on the same port: *udp, *tcp, returns the port or 0. */
static uint16_t
fake_sockets(int *udp, int *tcp)
{
	int i;
	uint16_t port;

	for (i = 0; i < 50; i++) {
		if ((*udp = bind_lo(SOCK_DGRAM, 0)) == -1)
			return 0;
		port = port_of(*udp);
		if ((*tcp = bind_lo(SOCK_STREAM, port)) != -1)
			return port;
		close(*udp);
	}
	return 0;
}

/* The query turned into an answer: QR, AA, rcode, sections as asked. */
static size_t
fake_answer(const uint8_t *q, size_t len, uint8_t *out, int rcode, bool tc)
{
	memcpy(out, q, len);
	out[2] |= 0x84;			/* QR, AA */
	if (tc)
		out[2] |= 0x02;
	out[3] = (uint8_t)((out[3] & 0xf0) | rcode);
	return len;
}

static struct tsig_key *fake_key;	/* the child signs its UPDATE replies */

/*
 * Any other name: an UPDATE gets a NOERROR signed with fake_key (the change
 * is not applied); an A query gets 192.0.2.10, an authoritative answer; any
 * other query NODATA.  Returns the answer's length, 0 for none.
 */
static size_t
fake_dns(const uint8_t *q, size_t len, uint8_t *out, size_t outlen)
{
	ldns_pkt *req = NULL, *r = NULL;
	ldns_rr *qrr, *a = NULL;
	uint8_t *w = NULL;
	size_t wl = 0;

	if (ldns_wire2pkt(&req, q, len) != LDNS_STATUS_OK)
		return 0;
	r = ldns_pkt_new();
	ldns_pkt_set_id(r, ldns_pkt_id(req));
	ldns_pkt_set_qr(r, true);
	ldns_pkt_set_aa(r, true);
	ldns_pkt_set_opcode(r, ldns_pkt_get_opcode(req));
	qrr = ldns_rr_list_rr(ldns_pkt_question(req), 0);
	if (qrr != NULL)
		ldns_pkt_push_rr(r, LDNS_SECTION_QUESTION, ldns_rr_clone(qrr));
	if (ldns_pkt_get_opcode(req) == LDNS_PACKET_UPDATE &&
	    ldns_pkt_tsig(req) != NULL)
		tsig_sign_full(r, fake_key, TSIG_FUDGE,
		    ldns_rr_rdf(ldns_pkt_tsig(req), 3),
		    (uint64_t)(util_wall_ms() / 1000), 0, NULL, 0);
	else if (qrr != NULL && ldns_rr_get_type(qrr) == LDNS_RR_TYPE_A) {
		a = ldns_rr_new_frm_type(LDNS_RR_TYPE_A);
		ldns_rr_set_owner(a, ldns_rdf_clone(ldns_rr_owner(qrr)));
		ldns_rr_set_ttl(a, 60);
		ldns_rr_set_rdf(a, ldns_rdf_new_frm_str(LDNS_RDF_TYPE_A,
		    "192.0.2.10"), 0);
		ldns_pkt_push_rr(r, LDNS_SECTION_ANSWER, a);
	}
	ldns_pkt2wire(&w, r, &wl);
	if (wl > outlen)
		wl = 0;
	if (wl > 0)
		memcpy(out, w, wl);
	free(w);
	ldns_pkt_free(r);
	ldns_pkt_free(req);
	return wl;
}

/*
 * Serve until killed.  The first label of the question picks the trick:
 *   wrongid.  first a right-ID NOERROR from another port, then a wrong-ID
 *             NOERROR, then the real answer: REFUSED
 *   tc.       UDP answers truncated; TCP answers REFUSED
 *   other     see fake_dns(): an UPDATE is "taken" but never served
 */
static void __attribute__((noreturn))
fake_serve(int udp, int tcp)
{
	struct sockaddr_storage from;
	socklen_t fromlen;
	struct pollfd pfd[2];
	uint8_t q[1024], a[1100], lenb[2];
	ssize_t n;
	size_t alen;
	int other, c;

	other = bind_lo(SOCK_DGRAM, 0);
	for (;;) {
		pfd[0].fd = udp;
		pfd[0].events = POLLIN;
		pfd[1].fd = tcp;
		pfd[1].events = POLLIN;
		if (poll(pfd, 2, -1) == -1)
			continue;
		if (pfd[0].revents & POLLIN) {
			fromlen = sizeof(from);
			n = recvfrom(udp, q, sizeof(q), 0,
			    (struct sockaddr *)&from, &fromlen);
			if (n < 12 + 9)
				continue;
			if (memcmp(q + 12, "\007wrongid", 8) == 0) {
				alen = fake_answer(q, (size_t)n, a, 0, false);
				sendto(other, a, alen, 0,
				    (struct sockaddr *)&from, fromlen);
				a[0] ^= 0xff;
				sendto(udp, a, alen, 0,
				    (struct sockaddr *)&from, fromlen);
				alen = fake_answer(q, (size_t)n, a, 5, false);
				sendto(udp, a, alen, 0,
				    (struct sockaddr *)&from, fromlen);
			} else if (memcmp(q + 12, "\002tc", 3) == 0) {
				alen = fake_answer(q, (size_t)n, a, 0, true);
				sendto(udp, a, alen, 0,
				    (struct sockaddr *)&from, fromlen);
			} else if ((alen = fake_dns(q, (size_t)n, a,
			    sizeof(a))) > 0)
				sendto(udp, a, alen, 0,
				    (struct sockaddr *)&from, fromlen);
		}
		if (pfd[1].revents & POLLIN) {
			if ((c = accept(tcp, NULL, NULL)) == -1)
				continue;
			if (recv(c, lenb, 2, MSG_WAITALL) == 2 &&
			    (n = recv(c, q, (size_t)(lenb[0] << 8 | lenb[1]),
			    MSG_WAITALL)) >= 12) {
				alen = fake_answer(q, (size_t)n, a + 2, 5,
				    false);
				a[0] = (uint8_t)(alen >> 8);
				a[1] = (uint8_t)alen;
				send(c, a, alen + 2, 0);
			}
			close(c);
		}
	}
}

/*
 * An UPDATE sent to a server that never answers, nor answers the reads
 * back (issue 16): not "nothing changed" but DNS_ERR_UNKNOWN, maybe_changed,
 * a message naming the server, each attempt, and the failed read.
 */
static void
lost_update(struct config *c, int qudp, uint16_t qport)
{
	struct dns_plan	 p;
	struct dns_view	 v;
	char		 want[256], buf[512];
	int		 rc;

	c->nzones = 1;
	c->dns.verify_timeout_ms = 400;
	memset(&v, 0, sizeof(v));
	v.n = 1;
	v.rec = util_xcalloc(1, sizeof(*v.rec));
	v.rec[0].zone = &c->zones[0];
	v.rec[0].owner = c->zones[0].records[0];
	v.rec[0].addrs = c->primary;
	v.rec[0].status = DNS_OK;
	v.rec[0].holds = DNS_HOLDS_PRIMARY;
	dnsupdate_plan(c, DNS_TO_BACKUP, &v, &p);
	is_int((int)p.zones[0].nchange, 1, "lost answer: one change planned");
	rc = dnsupdate_apply(c, &p);
	is_int(rc, -1, "lost answer, nothing readable: apply fails");
	is_int(p.zones[0].result, DNS_ERR_UNKNOWN, "unknown-outcome (%s)",
	    dns_status_str(p.zones[0].result));
	ok(p.zones[0].maybe_changed && !p.zones[0].changed,
	    "maybe_changed, not changed");
	snprintf(want, sizeof(want), "dead.example: UPDATE sent to "
	    "127.0.0.1#%u, no answer (no answer over UDP in 200 ms; no ",
	    (unsigned)qport);
	ok(strncmp(p.zones[0].message, want, strlen(want)) == 0 &&
	    strstr(p.zones[0].message, "): DNS may have changed (cannot read "
	    "the records back from 127.0.0.1#") != NULL &&
	    strstr(p.zones[0].message, "nothing was changed") == NULL,
	    "message: %s", p.zones[0].message);
	while (recv(qudp, buf, sizeof(buf), MSG_DONTWAIT) > 0)
		;
	dns_plan_free(&p);
	dns_view_free(&v);
}

static void
transport_tests(struct tsig_key *k)
{
	struct dns_server srv, quiet;
	struct addrset got;
	ldns_pkt *q = NULL;
	uint8_t *w = NULL, *r = NULL;
	size_t wl = 0, rl = 0;
	char err[512];
	uint16_t port, qport;
	int udp, tcp, qudp, qtcp, status, nsent;
	bool tcpused = false;
	pid_t pid;
	enum dns_status st;

	if ((port = fake_sockets(&udp, &tcp)) == 0 ||
	    (qport = fake_sockets(&qudp, &qtcp)) == 0) {
		ok(0, "fake server sockets: %s", strerror(errno));
		return;
	}
	fake_key = k;
	fflush(stdout);
	if ((pid = fork()) == -1) {
		ok(0, "fork: %s", strerror(errno));
		return;
	}
	if (pid == 0)
		fake_serve(udp, tcp);
	close(udp);
	close(tcp);
	dns_server_resolve("127.0.0.1", port, &srv, err, sizeof(err));

	st = dns_query_addrs(&srv, "wrongid.example.", util_mono_ms() + 4000,
	    &got, err, sizeof(err));
	ok(st == DNS_ERR_REFUSED, "a reply from another port and one with "
	    "another ID are dropped; the real one (REFUSED) is taken: %s (%s)",
	    dns_status_str(st), err);

	ldns_pkt_query_new_frm_str(&q, "tc.example.", LDNS_RR_TYPE_A,
	    LDNS_RR_CLASS_IN, 0);
	ldns_pkt_set_id(q, dns_random_id());
	ldns_pkt2wire(&w, q, &wl);
	st = dns_exchange(&srv, w, wl, util_mono_ms() + 4000, &r, &rl,
	    &tcpused, NULL, err, sizeof(err));
	ok(st == DNS_OK && tcpused && rl >= 12 && (r[3] & 0x0f) == 5,
	    "a truncated UDP answer: asked again over TCP (%s)", err);
	free(r);
	r = NULL;

	/*
	 * A server that says it took the UPDATE but keeps serving the old
	 * address: verify = server fails after verify_timeout.
	 */
	{
		static char *recs[] = { "www.stale.example." };
		struct cfg_zone z;
		struct config c;
		struct dns_view v;
		struct dns_plan p;
		char kp[] = "/tmp/fa-test-key.XXXXXX";
		int kfd;

		memset(&z, 0, sizeof(z));
		z.name = "stale.example.";
		z.nrecords = 1;
		z.records = recs;
		memset(&c, 0, sizeof(c));
		c.path = "test.conf";
		c.primary = set("192.0.2.10");
		c.backup = set("198.51.100.20");
		c.dns.method = cfg_method_find("rfc2136");
		c.dns.server = "127.0.0.1";
		c.dns.port = port;
		c.dns.ttl = 60;
		c.dns.verify = DNS_VERIFY_SERVER;
		c.dns.timeout_ms = 2000;
		c.dns.verify_timeout_ms = 600;
		c.nzones = 1;
		c.zones = &z;
		static const char kt[] = "key fa-key { algorithm hmac-sha256; "
		    "secret \"c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0\"; };\n";

		if ((kfd = mkstemp(kp)) == -1 || write(kfd, kt, strlen(kt)) !=
		    (ssize_t)strlen(kt)) {
			ok(0, "key file: %s", strerror(errno));
		} else {
			close(kfd);
			c.dns.tsig_key_file = kp;
			is_int(dns_view_read(&c, &v), 0, "fake: view read");
			is_int(v.overall, DNS_HOLDS_PRIMARY, "fake: primary");
			dnsupdate_plan(&c, DNS_TO_BACKUP, &v, &p);
			is_int(dnsupdate_apply(&c, &p), -1,
			    "taken but not served: apply fails");
			is_int(p.zones[0].result, DNS_ERR_VERIFY,
			    "verify-failed");
			ok(p.zones[0].changed, "the server did take it");
			ok(strstr(p.zones[0].message, "but not verified: after "
			    "600ms www.stale.example. still serves 192.0.2.10, "
			    "not 198.51.100.20") != NULL, "message: %s",
			    p.zones[0].message);
			c.dns.verify = DNS_VERIFY_NONE;
			is_int(dnsupdate_apply(&c, &p), 0,
			    "verify = none: ok");
			ok(strstr(p.zones[0].message, "not verified ([dns] "
			    "verify = none)") != NULL, "message: %s",
			    p.zones[0].message);
			dns_plan_free(&p);
			dns_view_free(&v);
			unlink(kp);
		}
	}

	/*
	 * A dead server and 20 zones (read 8 at a time): once one zone's
	 * thread found it dead, the zones after it do not ask again.  At
	 * most the first 8 queries reach it, not 20.  The same for the
	 * canary.
	 */
	{
		static char *rec1[] = { "www.dead.example." };
		struct cfg_zone dz[20];
		struct config c;
		struct dns_view v;
		char msg[2048], kp[] = "/tmp/fa-test-key.XXXXXX";
		static const char kt[] = "key fa-key { algorithm hmac-sha256; "
		    "secret \"c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0\"; };\n";
		size_t i, nq;
		int kfd, rc;

		memset(dz, 0, sizeof(dz));
		for (i = 0; i < 20; i++) {
			dz[i].name = "dead.example.";
			dz[i].nrecords = 1;
			dz[i].records = rec1;
		}
		memset(&c, 0, sizeof(c));
		c.path = "test.conf";
		c.primary = set("192.0.2.10");
		c.backup = set("198.51.100.20");
		c.dns.method = cfg_method_find("rfc2136");
		c.dns.server = "127.0.0.1";
		c.dns.port = qport;
		c.dns.timeout_ms = 400;
		c.nzones = 20;
		c.zones = dz;
		is_int(dns_view_read(&c, &v), -1, "dead server, 20 zones: "
		    "unreadable");
		for (i = 0, nq = 0; i < v.n; i++)
			if (v.rec[i].status == DNS_ERR_TIMEOUT ||
			    v.rec[i].status == DNS_ERR_NETWORK)
				nq++;
		is_int(nq, 20, "every record unreadable, as timeout or network");
		/* TCP: connected while the backlog (4) lasts, then not. */
		snprintf(msg, sizeof(msg), "cannot read the records from DNS "
		    "master 127.0.0.1#%u: no answer over UDP in 200 ms; no ",
		    (unsigned)qport);
		ok(strncmp(v.error, msg, strlen(msg)) == 0 &&
		    (strcmp(v.error + strlen(msg), "TCP connection in 200 ms")
		    == 0 || strcmp(v.error + strlen(msg), "answer over TCP in "
		    "200 ms") == 0), "the view's error names the master and "
		    "each attempt: %s", v.error);
		for (nq = 0; recv(qudp, msg, sizeof(msg), MSG_DONTWAIT) > 0;)
			nq++;
		ok(nq >= 1 && nq <= DNS_PARALLEL_MAX, "the dead server was "
		    "asked %zu times for 20 zones (at most %d: the zones "
		    "under way when it was found dead)", nq, DNS_PARALLEL_MAX);
		dns_view_free(&v);
		if ((kfd = mkstemp(kp)) == -1 || write(kfd, kt, strlen(kt)) !=
		    (ssize_t)strlen(kt))
			ok(0, "key file: %s", strerror(errno));
		else {
			close(kfd);
			c.dns.tsig_key_file = kp;
			rc = dnsupdate_canary(&c, msg, sizeof(msg));
			ok(rc == -1 && strstr(msg, "the canary failed for 20 of "
			    "20 zones: dead.example: ") == msg, "canary to a dead "
			    "server: %.120s", msg);
			for (nq = 0; recv(qudp, msg, sizeof(msg),
			    MSG_DONTWAIT) > 0;)
				nq++;
			ok(nq >= 1 && nq <= DNS_PARALLEL_MAX, "the canary asked "
			    "it %zu times for 20 zones", nq);
			lost_update(&c, qudp, qport);
			unlink(kp);
		}
	}

	/* Sockets nobody serves: UDP silent, TCP never accepted. */
	dns_server_resolve("127.0.0.1", qport, &quiet, err, sizeof(err));
	st = dns_exchange(&quiet, w, wl, util_mono_ms() + 600, &r, &rl,
	    &tcpused, &nsent, err, sizeof(err));
	ok(st == DNS_ERR_TIMEOUT && r == NULL, "a silent server: timeout (%s)",
	    err);
	ok((strcmp(err, "no answer over UDP in 300 ms; no TCP connection in "
	    "300 ms") == 0 && nsent == 1) || (strcmp(err, "no answer over UDP "
	    "in 300 ms; no answer over TCP in 300 ms") == 0 && nsent == 2),
	    "the message names both attempts, not the server (the caller "
	    "does), and the copies that left (%d): %s", nsent, err);
	free(r);
	free(w);
	ldns_pkt_free(q);
	close(qudp);
	close(qtcp);
	kill(pid, SIGTERM);
	waitpid(pid, &status, 0);
}

int
main(void)
{
	static const char *names[] = { "ok", "unchanged", "conflict",
	    "timeout", "network", "notauth", "notzone", "refused", "badsig",
	    "badkey", "badtime", "nxrrset", "yxrrset", "servfail", "formerr",
	    "bad-reply", "key", "verify-failed", "lagging", "internal",
	    "unknown-outcome" };
	struct config cfg;
	struct cfg_zone zones[2];
	char *recs0[] = { "example.com.", "www.example.com.", "ftp.example.com.",
	    "mail.example.com." };
	char *recs1[] = { "www.example.org." };
	struct dns_view v;
	struct dns_record_view rv[5];
	struct dns_plan p;
	struct dns_zone_plan zp;
	struct dns_record_change rc[3];
	struct tsig_key *k256, *k384, *kother;
	ldns_pkt *req, *parsed = NULL;
	uint8_t *wire = NULL;
	size_t len = 0, i;
	char buf[8192], msg[512];
	FILE *f;
	enum dns_status st;

	/* Status names are stable: they are stored in the history. */
	is_int(FA_ARRAY_SIZE(names), DNS_STATUS_MAX, "one name per status");
	for (i = 0; i < FA_ARRAY_SIZE(names); i++)
		is_str(dns_status_str((enum dns_status)i), names[i],
		    "dns_status_str(%zu)", i);
	is_str(dns_status_str(DNS_STATUS_MAX), "internal", "out of range");

	/*
	 * RFC 1982 serial arithmetic (verify = all): a secondary at serial
	 * 4294967295 is behind one at 0 after the wrap, and 2^31 apart is
	 * undefined (RFC 1982 §3.2): never "at least".
	 */
	is_int(dns_serial_cmp(3, 3), 0, "serial 3 = 3");
	is_int(dns_serial_cmp(2, 3), -1, "serial 2 < 3");
	is_int(dns_serial_cmp(3, 2), 1, "serial 3 > 2");
	is_int(dns_serial_cmp(4294967295u, 0), -1, "serial 2^32-1 < 0 (wrap)");
	is_int(dns_serial_cmp(0, 4294967295u), 1, "serial 0 > 2^32-1 (wrap)");
	is_int(dns_serial_cmp(4294967290u, 5), -1, "serial 2^32-6 < 5 (wrap)");
	is_int(dns_serial_cmp(2026112201u, 2026112202u), -1,
	    "date serials: 2026112201 < 2026112202");
	is_int(dns_serial_cmp(1, 2147483648u), -1, "1 < 2^31 (distance "
	    "2^31-1)");
	is_int(dns_serial_cmp(2, 2147483648u + 3), 1, "2 > 2^31+3 (distance "
	    "2^31+1: the wrap makes 2 later)");
	is_int(dns_serial_cmp(1, 2147483647u), -1, "1 < 2^31-1 (distance "
	    "2^31-2)");
	is_int(dns_serial_cmp(0, 2147483648u), 2, "0 and 2^31: undefined");
	is_int(dns_serial_cmp(2147483648u, 0), 2, "2^31 and 0: undefined");
	is_int(dns_serial_cmp(0, 2147483647u), -1, "0 < 2^31-1");
	is_int(dns_serial_cmp(0, 2147483649u), 1, "0 > 2^31+1 (wrap)");

	/* Address sets compare whatever their order. */
	{
		struct addrset a = set("192.0.2.10, 2001:db8::10"), b;
		struct in_addr in;
		struct in6_addr in6;

		memset(&b, 0, sizeof(b));
		inet_pton(AF_INET6, "2001:db8::10", &in6);
		inet_pton(AF_INET, "192.0.2.10", &in);
		addrset_add(&b, AF_INET6, &in6);
		addrset_add(&b, AF_INET, &in);
		addrset_add(&b, AF_INET, &in);
		ok(addrset_equal(&a, &b), "same set, built in another order");
		is_int(b.n, 2, "duplicates kept once");
		addrset_format(&b, buf, sizeof(buf), "(none)");
		is_str(buf, "192.0.2.10, 2001:db8::10", "formatted, A first");
		b.n = 1;
		ok(!addrset_equal(&a, &b), "a subset is not the same");
		b.n = 0;
		addrset_format(&b, buf, sizeof(buf), "(none)");
		is_str(buf, "(none)", "empty set formatted");
	}

	/* A config by hand. */
	memset(&cfg, 0, sizeof(cfg));
	cfg.path = "test.conf";
	cfg.primary = set("192.0.2.10, 2001:db8::10");
	cfg.backup = set("198.51.100.20, 2001:db8::10");	/* same AAAA */
	cfg.dns.method = cfg_method_find("rfc2136");
	cfg.dns.server = "192.0.2.53";
	cfg.dns.port = 53;
	cfg.dns.ttl = 60;
	memset(zones, 0, sizeof(zones));
	zones[0].name = "example.com.";
	zones[0].nrecords = 4;
	zones[0].records = recs0;
	zones[1].name = "example.org.";
	zones[1].nrecords = 1;
	zones[1].records = recs1;
	cfg.nzones = 2;
	cfg.zones = zones;

	/* Classifying a view. */
	memset(rv, 0, sizeof(rv));
	memset(&v, 0, sizeof(v));
	v.n = 5;
	v.rec = rv;
	for (i = 0; i < 4; i++) {
		rv[i].zone = &zones[0];
		rv[i].owner = recs0[i];
		rv[i].addrs = cfg.primary;
		snprintf(rv[i].server, sizeof(rv[i].server), "192.0.2.53#53");
	}
	rv[4].zone = &zones[1];
	rv[4].owner = recs1[0];
	rv[4].addrs = cfg.primary;
	is_int(dns_view_summarise(&cfg, &v), 0, "all primary: readable");
	is_int(v.overall, DNS_HOLDS_PRIMARY, "all primary: PRIMARY");
	for (i = 0; i < 5; i++)
		rv[i].addrs = cfg.backup;
	dns_view_summarise(&cfg, &v);
	is_int(v.overall, DNS_HOLDS_BACKUP, "all backup: BACKUP");
	rv[1].addrs = cfg.primary;
	dns_view_summarise(&cfg, &v);
	is_int(v.overall, DNS_HOLDS_MIXED, "some each: MIXED");
	rv[2].addrs = set("192.0.2.10");
	dns_view_summarise(&cfg, &v);
	is_int(rv[2].holds, DNS_HOLDS_PRIMARY, "primary's A only: PRIMARY");
	ok(rv[2].partial, "primary's A only: partial");
	is_str(dns_record_holds_str(&rv[2]), "primary-partial",
	    "primary's A only: shown as primary-partial");
	is_int(v.overall, DNS_HOLDS_MIXED, "a partial primary among backup "
	    "and primary records: MIXED");
	rv[2].addrs = set("203.0.113.9, 2001:db8::10");
	dns_view_summarise(&cfg, &v);
	is_int(rv[2].holds, DNS_HOLDS_OTHER, "a third-party A: OTHER");
	is_str(rv[2].why, "ftp.example.com. A 203.0.113.9 is neither site's "
	    "address", "the conflict names exactly what differs");
	is_str(v.conflict, rv[2].why, "the view's conflict: that record");
	is_int(v.overall, DNS_HOLDS_OTHER, "one other: OTHER");
	rv[2].addrs = set("");
	dns_view_summarise(&cfg, &v);
	is_int(rv[2].holds, DNS_HOLDS_OTHER, "no addresses at all: OTHER");
	rv[3].status = DNS_ERR_TIMEOUT;
	is_int(dns_view_summarise(&cfg, &v), -1, "one unread: -1");
	is_int(v.overall, DNS_HOLDS_UNREADABLE, "one unread: UNREADABLE");

	/*
	 * Part-way (a method that moved a record's A but not yet its AAAA):
	 * each type one site's set is MIXED, and the plan moves what is left.
	 */
	{
		struct config		c2 = cfg;
		struct dns_plan		p2;

		c2.backup = set("198.51.100.20, 2001:db8:1::20");
		for (i = 0; i < 5; i++) {
			rv[i].status = DNS_OK;
			rv[i].addrs = c2.primary;
		}
		rv[1].addrs = set("198.51.100.20, 2001:db8::10");
		rv[2].addrs = set("198.51.100.20, 2001:db8::99");
		dns_view_summarise(&c2, &v);
		is_int(rv[1].holds, DNS_HOLDS_MIXED, "backup's A, primary's AAAA: "
		    "part-way, MIXED");
		is_int(rv[2].holds, DNS_HOLDS_OTHER, "backup's A, a foreign AAAA: "
		    "OTHER");
		rv[2].addrs = c2.backup;
		dns_view_summarise(&c2, &v);
		is_int(v.overall, DNS_HOLDS_MIXED, "a part-way record: MIXED");
		dnsupdate_plan(&c2, DNS_TO_BACKUP, &v, &p2);
		is_int(p2.zones[0].rec[1].status, DNS_OK, "part-way: to change");
		is_int(p2.zones[0].nchange, 3, "part-way and primary records "
		    "change, the backup's one not");
		dns_plan_free(&p2);
		dnsupdate_plan(&c2, DNS_TO_PRIMARY, &v, &p2);
		is_int(p2.zones[0].rec[1].status, DNS_OK, "part-way: to change "
		    "back as well");
		dns_plan_free(&p2);
		rv[1].status = rv[2].status = DNS_OK;
		rv[3].status = DNS_ERR_TIMEOUT;
	}

	/*
	 * Records that publish part of a site's set (issue 10 item 7): the
	 * site's all the same, and a move keeps their families.
	 */
	{
		struct config		c3 = cfg;
		struct dns_plan		p3;
		char			pb[4096];
		FILE			*pf;

		c3.backup = set("198.51.100.20, 2001:db8:1::20");
		for (i = 0; i < 5; i++) {
			rv[i].status = DNS_OK;
			rv[i].addrs = c3.primary;
		}
		rv[1].addrs = set("192.0.2.10");
		is_int(dns_view_summarise(&c3, &v), 0, "partial: readable");
		is_int(rv[1].holds, DNS_HOLDS_PRIMARY, "www with the primary's "
		    "A and no AAAA: the primary's");
		ok(rv[1].partial, "... partial");
		ok(!rv[0].partial, "the apex with the whole set: not partial");
		is_str(rv[1].why, "", "... no conflict text");
		is_int(v.overall, DNS_HOLDS_PRIMARY, "the view: PRIMARY");
		dnsupdate_plan(&c3, DNS_TO_BACKUP, &v, &p3);
		is_int(p3.nconflicts, 0, "to the backup: no conflict");
		is_int(p3.zones[0].rec[1].status, DNS_OK, "www: to change");
		addrset_format(&p3.zones[0].rec[1].new_addrs, buf,
		    sizeof(buf), "(none)");
		is_str(buf, "198.51.100.20", "www gets the backup's A only: no "
		    "AAAA added");
		addrset_format(&p3.zones[0].rec[0].new_addrs, buf,
		    sizeof(buf), "(none)");
		is_str(buf, "198.51.100.20, 2001:db8:1::20", "the apex gets the "
		    "whole set");
		pf = fmemopen(pb, sizeof(pb), "w");
		dns_plan_print(&p3, pf);
		fclose(pf);
		ok(strstr(pb, "www.example.com. A 192.0.2.10 -> 198.51.100.20 "
		    "(rfc2136 via 192.0.2.53#53)\nwww.example.com. AAAA (none: "
		    "this name publishes no AAAA; kept so)\n") != NULL,
		    "the dry-run print says the AAAA stays unpublished");
		dns_plan_free(&p3);

		/* Failed over: the backup's A only is the backup's. */
		rv[0].addrs = c3.backup;
		rv[1].addrs = set("198.51.100.20");
		for (i = 2; i < 5; i++)
			rv[i].addrs = c3.backup;
		dns_view_summarise(&c3, &v);
		is_int(rv[1].holds, DNS_HOLDS_BACKUP, "the backup's A only: the "
		    "backup's");
		is_str(dns_record_holds_str(&rv[1]), "backup-partial",
		    "... shown as backup-partial");
		is_int(v.overall, DNS_HOLDS_BACKUP, "the view: BACKUP");
		dnsupdate_plan(&c3, DNS_TO_PRIMARY, &v, &p3);
		addrset_format(&p3.zones[0].rec[1].new_addrs, buf,
		    sizeof(buf), "(none)");
		is_str(buf, "192.0.2.10", "back: the primary's A only");
		dns_plan_free(&p3);
		dnsupdate_plan(&c3, DNS_TO_BACKUP, &v, &p3);
		is_int(p3.zones[0].rec[1].status, DNS_UNCHANGED, "to the backup "
		    "again: unchanged");
		dns_plan_free(&p3);
		rv[1].addrs = set("2001:db8:1::20");
		dns_view_summarise(&c3, &v);
		is_str(dns_record_holds_str(&rv[1]), "backup-partial",
		    "the backup's AAAA only: backup-partial");

		/* What differs, named. */
		rv[1].addrs = set("192.0.2.10, 198.51.100.20");
		dns_view_summarise(&c3, &v);
		is_str(rv[1].why, "www.example.com. A 192.0.2.10, 198.51.100.20 "
		    "mixes the primary's and the backup's addresses",
		    "both sites' A in one set: named");
		rv[1].addrs = set("");
		rv[2].addrs = set("203.0.113.9, 203.0.113.10, 2001:db8::99");
		dns_view_summarise(&c3, &v);
		is_str(rv[1].why, "www.example.com. has no A or AAAA record",
		    "an empty record: named");
		is_str(rv[2].why, "ftp.example.com. A 203.0.113.9, 203.0.113.10 "
		    "are neither site's addresses; AAAA 2001:db8::99 is neither "
		    "site's address", "two types, three foreign addresses");
		is_str(v.conflict, "www.example.com. has no A or AAAA record "
		    "(and 1 more record)", "the view names the first and counts "
		    "the rest");
		dnsupdate_plan(&c3, DNS_TO_PRIMARY, &v, &p3);
		is_str(p3.zones[0].rec[2].why, rv[2].why, "the plan's conflict "
		    "carries the text");
		dns_plan_free(&p3);
		c3.primary = set("192.0.2.10, 192.0.2.11, 2001:db8::10");
		rv[1].addrs = set("192.0.2.10, 2001:db8::10");
		dns_view_summarise(&c3, &v);
		is_int(rv[1].holds, DNS_HOLDS_OTHER, "one of the primary's two "
		    "A: OTHER (families move whole)");
		is_str(rv[1].why, "www.example.com. A 192.0.2.10 is only part of "
		    "the primary's A set (192.0.2.10, 192.0.2.11)",
		    "... named");

		/* A backup without IPv6. */
		c3.primary = cfg.primary;
		c3.backup = set("198.51.100.20");
		for (i = 0; i < 5; i++)
			rv[i].addrs = c3.primary;
		rv[1].addrs = set("2001:db8::10");
		rv[2].addrs = set("192.0.2.10");
		dns_view_summarise(&c3, &v);
		ok(rv[2].holds == DNS_HOLDS_MIXED && !rv[2].partial, "the "
		    "primary's A only, the backup without IPv6: part-way (our "
		    "failover deleted the AAAA, the failback has not made it "
		    "again), not the operator's choice");
		dnsupdate_plan(&c3, DNS_TO_BACKUP, &v, &p3);
		is_int(p3.zones[0].rec[1].status, DNS_CONFLICT, "AAAA only, the "
		    "backup has no IPv6 address: refused");
		is_str(p3.zones[0].rec[1].why, "www.example.com. publishes AAAA "
		    "2001:db8::10, but [site:backup] has no IPv6 address: the "
		    "move would drop that type, so the record is left alone "
		    "(give [site:backup] an IPv6 address, or remove the AAAA "
		    "record)", "... and says why");
		is_int(p3.zones[0].rec[2].status, DNS_OK, "A only: moves");
		is_int(p3.nconflicts, 1, "one refused");
		pf = fmemopen(pb, sizeof(pb), "w");
		dns_plan_print(&p3, pf);
		fclose(pf);
		ok(strstr(pb, "\nCONFLICT: www.example.com. publishes AAAA "
		    "2001:db8::10, but [site:backup] has no IPv6 address") !=
		    NULL, "the dry-run print says why the move is refused");
		{
			/* rfc2136: the unpublished AAAA is pinned absent. */
			ldns_pkt	*u;
			ldns_pkt	*up = NULL;
			uint8_t		*w = NULL;
			size_t		 wl = 0;

			/* Partial needs a backup with IPv6 (above: part-way). */
			c3.backup = set("198.51.100.20, 2001:db8:1::20");
			dns_view_summarise(&c3, &v);
			dns_plan_free(&p3);
			dnsupdate_plan(&c3, DNS_TO_BACKUP, &v, &p3);
			ok(rv[2].partial, "the primary's A only, the backup with"
			    " IPv6: primary-partial");
			p3.zones[0].rec[1].status = DNS_CONFLICT;
			u = rfc2136_update_build(&p3.zones[0], 60);
			ok(u != NULL, "partial: update built");
			ldns_pkt2wire(&w, u, &wl);
			ldns_wire2pkt(&up, w, wl);
			rr_strings(ldns_pkt_answer(up), buf, sizeof(buf));
			ok(strstr(buf, "ftp.example.com.\t0\tIN\tA\t192.0.2.10\n"
			    "ftp.example.com.\t0\tNONE\tAAAA\t\\# 0\n") != NULL,
			    "partial: its A pinned, its AAAA pinned absent "
			    "(§2.4.3): %s", buf);
			rr_strings(ldns_pkt_authority(up), buf, sizeof(buf));
			ok(strstr(buf, "ftp.example.com.\t0\tANY\tAAAA") == NULL,
			    "partial: no AAAA update");
			ldns_pkt_free(up);
			ldns_pkt_free(u);
			free(w);
		}
		dns_plan_free(&p3);
		for (i = 0; i < 5; i++)
			rv[i].addrs = cfg.primary;
	}

	/* The plan: apex backup already, www primary, ftp empty, mail unread. */
	rv[0].addrs = cfg.backup;
	rv[1].addrs = cfg.primary;
	rv[2].addrs = set("192.0.2.99");
	rv[3].status = DNS_ERR_TIMEOUT;
	rv[4].addrs = cfg.primary;
	dns_view_summarise(&cfg, &v);
	dnsupdate_plan(&cfg, DNS_TO_BACKUP, &v, &p);
	is_str(p.method, "rfc2136", "method named");
	is_int(p.nzones, 2, "two zones");
	is_int(p.zones[0].nchange, 1, "example.com: one to change");
	is_int(p.zones[0].rec[0].status, DNS_UNCHANGED, "apex: unchanged");
	is_int(p.zones[0].rec[1].status, DNS_OK, "www: change");
	is_int(p.zones[0].rec[2].status, DNS_CONFLICT, "ftp: conflict");
	is_int(p.zones[0].rec[3].status, DNS_ERR_TIMEOUT, "mail: unread");
	is_int(p.nconflicts, 1, "one conflict");
	is_str(p.zones[0].server, "192.0.2.53#53", "server from the view");
	f = fmemopen(buf, sizeof(buf), "w");
	dns_plan_print(&p, f);
	fclose(f);
	is_str(buf,
	    "example.com. A 198.51.100.20 (unchanged: already the backup's)\n"
	    "example.com. AAAA 2001:db8::10 (unchanged: already the backup's)\n"
	    "www.example.com. A 192.0.2.10 -> 198.51.100.20 (rfc2136 via "
	    "192.0.2.53#53)\n"
	    "www.example.com. AAAA 2001:db8::10 (unchanged: the same at both "
	    "sites)\n"
	    "ftp.example.com. A 192.0.2.99 CONFLICT: 192.0.2.99 is neither "
	    "site's address; left alone\n"
	    "ftp.example.com. AAAA (none) (the record is in CONFLICT: left "
	    "alone)\n"
	    "mail.example.com. A ? (could not read: timeout; left alone)\n"
	    "mail.example.com. AAAA ? (could not read: timeout; left alone)\n"
	    "www.example.org. A 192.0.2.10 -> 198.51.100.20 (rfc2136 via "
	    "192.0.2.53#53)\n"
	    "www.example.org. AAAA 2001:db8::10 (unchanged: the same at both "
	    "sites)\n"
	    "plan: to the backup via rfc2136: 2 records to change, 1 "
	    "unchanged, 2 in conflict or unread (left alone)\n",
	    "the --dry-run print");

	/* The UPDATE message (RFC 2136 §2). */
	memset(&zp, 0, sizeof(zp));
	memset(rc, 0, sizeof(rc));
	zp.zone = &zones[0];
	zp.n = 3;
	zp.rec = rc;
	rc[0].owner = "www.example.com.";
	rc[0].old_addrs = cfg.primary;
	rc[0].new_addrs = cfg.backup;
	rc[0].status = DNS_OK;
	rc[1].owner = "ftp.example.com.";
	rc[1].old_addrs = set("192.0.2.10");
	rc[1].new_addrs = set("198.51.100.20, 2001:db8:1::20");
	rc[1].status = DNS_OK;
	rc[2].owner = "mail.example.com.";
	rc[2].status = DNS_CONFLICT;
	zp.nchange = 2;
	req = rfc2136_update_build(&zp, 60);
	ok(req != NULL, "update built");
	ldns_pkt2wire(&wire, req, &len);
	ldns_wire2pkt(&parsed, wire, len);
	ok(parsed != NULL, "it parses back");
	is_int(ldns_pkt_get_opcode(parsed), LDNS_PACKET_UPDATE, "opcode UPDATE");
	ok(!ldns_pkt_rd(parsed), "RD clear (§2.2: reserved in UPDATE)");
	rr_strings(ldns_pkt_question(parsed), buf, sizeof(buf));
	is_str(buf, "example.com.\tIN\tSOA\n", "zone section");
	rr_strings(ldns_pkt_answer(parsed), buf, sizeof(buf));
	is_str(buf,
	    "www.example.com.\t0\tIN\tA\t192.0.2.10\n"
	    "www.example.com.\t0\tIN\tAAAA\t2001:db8::10\n"
	    "ftp.example.com.\t0\tIN\tA\t192.0.2.10\n"
	    "ftp.example.com.\t0\tNONE\tAAAA\t\\# 0\n",
	    "prerequisites: exact old sets (§2.4.2), empty AAAA (§2.4.3)");
	rr_strings(ldns_pkt_authority(parsed), buf, sizeof(buf));
	is_str(buf,
	    "www.example.com.\t0\tANY\tA\t\\# 0\n"
	    "www.example.com.\t60\tIN\tA\t198.51.100.20\n"
	    "ftp.example.com.\t0\tANY\tA\t\\# 0\n"
	    "ftp.example.com.\t60\tIN\tA\t198.51.100.20\n"
	    "ftp.example.com.\t0\tANY\tAAAA\t\\# 0\n"
	    "ftp.example.com.\t60\tIN\tAAAA\t2001:db8:1::20\n",
	    "updates: delete rrset (§2.5.2), add with ttl (§2.5.1); "
	    "unchanged AAAA untouched; conflict left out");
	ldns_pkt_free(parsed);
	parsed = NULL;
	free(wire);
	wire = NULL;

	/*
	 * Sites without IPv6: AAAA is not part of the change, so it is not
	 * pinned (keeps 1000 IPv4-only records in one message).  And parts:
	 * the second changed record alone.
	 */
	{
		struct dns_zone_plan z4 = zp;
		struct dns_record_change r4[2];
		ldns_pkt *p4;

		memset(r4, 0, sizeof(r4));
		r4[0].owner = "a.example.com.";
		r4[0].old_addrs = set("192.0.2.10");
		r4[0].new_addrs = set("198.51.100.20");
		r4[0].status = DNS_OK;
		r4[1] = r4[0];
		r4[1].owner = "b.example.com.";
		z4.rec = r4;
		z4.n = 2;
		z4.nchange = 2;
		p4 = rfc2136_update_build_part(&z4, 60, 1, 1);
		ok(p4 != NULL, "part 2 of 2 built");
		rr_strings(ldns_pkt_answer(p4), buf, sizeof(buf));
		is_str(buf, "b.example.com.\t0\tIN\tA\t192.0.2.10\n",
		    "IPv4 only: the A set pinned, AAAA not; only part 2's "
		    "record");
		rr_strings(ldns_pkt_authority(p4), buf, sizeof(buf));
		is_str(buf, "b.example.com.\t0\tANY\tA\t\\# 0\n"
		    "b.example.com.\t60\tIN\tA\t198.51.100.20\n",
		    "IPv4 only: part 2's update");
		ldns_pkt_free(p4);
		ok(rfc2136_update_build_part(&z4, 60, 2, 1) == NULL,
		    "a part past the end changes nothing: NULL");
	}

	/* The canary: §2.4.1 "SOA RRset exists", no update. */
	{
		ldns_pkt *cy = rfc2136_canary_build("example.com.");

		ok(cy != NULL, "canary built");
		is_int(ldns_pkt_get_opcode(cy), LDNS_PACKET_UPDATE,
		    "canary: opcode UPDATE");
		ok(!ldns_pkt_rd(cy), "canary: RD clear");
		rr_strings(ldns_pkt_question(cy), buf, sizeof(buf));
		is_str(buf, "example.com.\tIN\tSOA\n", "canary: zone section");
		rr_strings(ldns_pkt_answer(cy), buf, sizeof(buf));
		is_str(buf, "example.com.\t0\tANY\tSOA\t\\# 0\n",
		    "canary: one prerequisite, the zone's SOA exists");
		is_int(ldns_rr_list_rr_count(ldns_pkt_authority(cy)), 0,
		    "canary: no update");
		ldns_pkt_free(cy);
	}

	/* Crafted replies. */
	k256 = key("key fa-key { algorithm hmac-sha256; secret "
	    "\"c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0\"; };");
	k384 = key("key fa-key { algorithm hmac-sha384; secret "
	    "\"c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0\"; };");
	kother = key("key fa-key { algorithm hmac-sha256; secret "
	    "\"b3RoZXJvdGhlcm90aGVyb3RoZXJvdGhlcg==\"; };");
	tsig_sign(req, k256, TSIG_FUDGE, NULL);

	st = judge(k256, req, LDNS_RCODE_NOERROR, k256, true, 0, 0, INT64_MIN,
	    0, msg, sizeof(msg));
	is_int(st, DNS_OK, "a good signed NOERROR reply: ok (%s)", msg);

	st = judge(k256, req, LDNS_RCODE_NOTAUTH, k256, true, 0,
	    TSIG_ERR_BADTIME, 412, 0, msg, sizeof(msg));
	is_int(st, DNS_ERR_BADTIME, "BADTIME");
	ok(strstr(msg, "example.com: BADTIME: the server rejected our TSIG "
	    "time: server clock differs from ours by 412 s (fudge 300 s; the "
	    "server is ahead)") != NULL, "BADTIME message with the skew: %s",
	    msg);
	ok(strstr(msg, "not verified") == NULL, "the BADTIME reply verified");
	st = judge(k256, req, LDNS_RCODE_NOTAUTH, k256, true, 0,
	    TSIG_ERR_BADTIME, -3600, 0, msg, sizeof(msg));
	ok(st == DNS_ERR_BADTIME && strstr(msg, "differs from ours by 3600 s "
	    "(fudge 300 s; the server is behind)") != NULL,
	    "server behind: %s", msg);
	st = judge(k256, req, LDNS_RCODE_NOTAUTH, k256, true, 0,
	    TSIG_ERR_BADTIME, INT64_MIN, 0, msg, sizeof(msg));
	ok(st == DNS_ERR_BADTIME && strstr(msg, "did not say its time") != NULL,
	    "BADTIME without the server's time: %s", msg);

	st = judge(k256, req, LDNS_RCODE_NOTAUTH, k256, false, 0,
	    TSIG_ERR_BADSIG, INT64_MIN, 0, msg, sizeof(msg));
	is_int(st, DNS_ERR_BADSIG, "BADSIG");
	ok(strstr(msg, "example.com: BADSIG: the server rejected our TSIG "
	    "signature: the key's secret differs from the server's (key "
	    "'fa-key', hmac-sha256)") != NULL, "BADSIG message: %s", msg);
	st = judge(k256, req, LDNS_RCODE_NOTAUTH, k256, false, 0,
	    TSIG_ERR_BADKEY, INT64_MIN, 0, msg, sizeof(msg));
	is_int(st, DNS_ERR_BADKEY, "BADKEY");
	ok(strstr(msg, "BADKEY") && strstr(msg, "'fa-key'"), "%s", msg);

	st = judge(k256, req, LDNS_RCODE_NOERROR, k256, true, 0, 0, INT64_MIN,
	    1, msg, sizeof(msg));
	is_int(st, DNS_ERR_BAD_REPLY, "another ID: bad reply (%s)", msg);
	st = judge(k256, req, LDNS_RCODE_NOERROR, NULL, false, 0, 0,
	    INT64_MIN, 0, msg, sizeof(msg));
	ok(st == DNS_ERR_BAD_REPLY && strstr(msg, "unsigned") != NULL,
	    "an unsigned NOERROR is not trusted: %s", msg);
	st = judge(k256, req, LDNS_RCODE_REFUSED, NULL, false, 0, 0,
	    INT64_MIN, 0, msg, sizeof(msg));
	ok(st == DNS_ERR_REFUSED && strstr(msg, "(the reply was not signed)"),
	    "an unsigned REFUSED is reported as such: %s", msg);
	st = judge(k256, req, LDNS_RCODE_NOERROR, kother, true, 0, 0,
	    INT64_MIN, 0, msg, sizeof(msg));
	ok(st == DNS_ERR_BAD_REPLY && strstr(msg, "does not verify") != NULL,
	    "signed with another secret: %s", msg);
	st = judge(k256, req, LDNS_RCODE_NOERROR, k256, false, 0, 0,
	    INT64_MIN, 0, msg, sizeof(msg));
	is_int(st, DNS_ERR_BAD_REPLY, "not signed over our request's MAC");
	st = judge(k256, req, LDNS_RCODE_NOERROR, k384, true, 0, 0,
	    INT64_MIN, 0, msg, sizeof(msg));
	is_int(st, DNS_ERR_BAD_REPLY, "signed with another algorithm");
	st = judge(k256, req, LDNS_RCODE_NOERROR, k256, true, 400, 0,
	    INT64_MIN, 0, msg, sizeof(msg));
	ok(st == DNS_ERR_BAD_REPLY && strstr(msg, "400 s away") != NULL,
	    "signed 400 s in the future: refused (%s)", msg);
	st = judge(k256, req, LDNS_RCODE_NOERROR, k256, true, -299, 0,
	    INT64_MIN, 0, msg, sizeof(msg));
	is_int(st, DNS_OK, "signed 299 s ago: within the fudge");

	{
		static const struct { int rcode; enum dns_status st;
		    const char *word; } map[] = {
			{ LDNS_RCODE_NOTAUTH, DNS_ERR_NOTAUTH, "NOTAUTH" },
			{ LDNS_RCODE_REFUSED, DNS_ERR_REFUSED, "REFUSED" },
			{ LDNS_RCODE_NOTZONE, DNS_ERR_NOTZONE, "NOTZONE" },
			{ LDNS_RCODE_SERVFAIL, DNS_ERR_SERVFAIL, "SERVFAIL" },
			{ LDNS_RCODE_FORMERR, DNS_ERR_FORMERR, "FORMERR" },
			{ LDNS_RCODE_NXRRSET, DNS_ERR_NXRRSET, "NXRRSET" },
			{ LDNS_RCODE_YXRRSET, DNS_ERR_YXRRSET, "YXRRSET" },
			{ LDNS_RCODE_NOTIMPL, DNS_ERR_REFUSED, "NOTIMP" },
			{ LDNS_RCODE_YXDOMAIN, DNS_ERR_BAD_REPLY, "YXDOMAIN" },
		};

		for (i = 0; i < FA_ARRAY_SIZE(map); i++) {
			st = judge(k256, req, map[i].rcode, k256, true, 0, 0,
			    INT64_MIN, 0, msg, sizeof(msg));
			ok(st == map[i].st && strstr(msg, map[i].word) != NULL,
			    "%s -> %s: %s", map[i].word,
			    dns_status_str(map[i].st), msg);
		}
	}
	ldns_pkt_free(req);

	/* The same through our own MAC code (hmac-sha384). */
	req = rfc2136_update_build(&zp, 60);
	tsig_sign(req, k384, TSIG_FUDGE, NULL);
	st = judge(k384, req, LDNS_RCODE_NOERROR, k384, true, 0, 0, INT64_MIN,
	    0, msg, sizeof(msg));
	is_int(st, DNS_OK, "hmac-sha384: a good reply verifies (%s)", msg);
	st = judge(k384, req, LDNS_RCODE_NOTAUTH, k384, true, 0,
	    TSIG_ERR_BADTIME, 1000, 0, msg, sizeof(msg));
	ok(st == DNS_ERR_BADTIME && strstr(msg, "by 1000 s") != NULL &&
	    strstr(msg, "not verified") == NULL,
	    "hmac-sha384: BADTIME verified, skew: %s", msg);
	ldns_pkt_free(req);

	transport_tests(k256);

	tsig_key_free(k256);
	tsig_key_free(k384);
	tsig_key_free(kother);
	dns_plan_free(&p);
	return tap_done();
}
