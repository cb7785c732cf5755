/*
 * dnsupdate_impl.h: what the dnsupdate/ files share, not for callers (they
 * use dnsupdate.h).
 *
 * A method (rfc2136 today; virtualmin, powerdns, exec later) is a struct
 * dnsupdate_method: where a zone's records are read from, how one zone's
 * changes are sent, and how config-test proves the method works.  Reading,
 * planning, conflict handling and verifying are the same for every method and
 * live in dnsupdate.c, on top of the small DNS client below (dnsquery.c).
 */
#ifndef FA_DNSUPDATE_IMPL_H
#define FA_DNSUPDATE_IMPL_H

#include <sys/types.h>
#include <sys/socket.h>

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <ldns/ldns.h>

#include "dnsupdate/dnsupdate.h"

/* Classic DNS limit over UDP without EDNS (RFC 1035 §4.2.1). */
#define DNS_UDP_MAX	512

/* A server to ask: its address, and how plans and messages name it. */
struct dns_server {
	struct sockaddr_storage	 ss;
	socklen_t		 sslen;
	char			 text[256];	/* "127.0.0.1#5300", "ns1.example.com#53" */
};

struct dnsupdate_method {
	const char	*name;			/* "rfc2136" */

	/*
	 * Where zone's records are read from and changes sent, resolved
	 * before deadline_ms (monotonic).  DNS_OK, or an error status with a
	 * plain message in err.
	 */
	enum dns_status	(*server)(const struct config *, const struct cfg_zone *,
			    int64_t deadline_ms, struct dns_server *out,
			    char *err, size_t errlen);

	/*
	 * Send zp's changes (its records with status DNS_OK), conditional on
	 * their old values, as one change; wait for the answer.  Returns
	 * DNS_OK when the server took it; otherwise the error, with a plain
	 * message in zp->message.  DNS_ERR_NXRRSET/YXRRSET mean a
	 * prerequisite failed: the caller re-reads the records.
	 */
	enum dns_status	(*update)(const struct config *, const struct dns_server *,
			    struct dns_zone_plan *zp, int64_t deadline_ms);

	/* config-test: see dnsupdate_probe(). */
	int		(*probe)(const struct config *, struct diag_list *);

	/*
	 * Optional (NULL: the method has none): the canary of
	 * failover-agent(8), DNS UPDATES, The canary, a
	 * signed change that changes nothing, sent to srv for zone.  DNS_OK
	 * when the server accepted it; else the error with a plain message
	 * in msg.
	 */
	enum dns_status	(*canary)(const struct config *, const struct dns_server *,
			    const struct cfg_zone *, int64_t deadline_ms,
			    char *msg, size_t msglen);

	/*
	 * true: server(), update() and canary() may run for several zones at
	 * once, each in its own thread (DNS_PARALLEL_MAX at most), each with
	 * its own zone plan.  false (the default): one zone after another.
	 */
	bool		 parallel;
};

extern const struct dnsupdate_method dnsupdate_rfc2136;

/* The method [dns] method names. */
const struct dnsupdate_method *dnsupdate_method_for(const struct config *);

/* ---- dnsquery.c: a small DNS client on ldns's low-level network calls ---- */

/* A random 16-bit message ID from OpenSSL's CSPRNG. */
uint16_t	dns_random_id(void);

/*
 * Send one message and return the raw reply (caller frees *reply with
 * free()).  Over TCP when the message is larger than DNS_UDP_MAX; else over
 * UDP, then TCP when UDP gets no answer in half the time left or the answer
 * is truncated (TC).  Only a reply from the server's address and port with
 * our ID and the QR bit is taken (ldns checks neither); others are dropped
 * while waiting.  Returns DNS_OK, DNS_ERR_TIMEOUT, DNS_ERR_NETWORK or
 * DNS_ERR_BAD_REPLY with a message in err that names every attempt and not
 * the server (the caller does): "no answer over UDP in 1000 ms; no TCP
 * connection in 1000 ms".  *used_tcp says how it went; *nsent (may be NULL)
 * counts the copies that left (a datagram sent, a TCP connection that took
 * it): with no answer, the server may have acted on any of them, and a
 * second copy may find the first one's effect.
 */
enum dns_status	dns_exchange(const struct dns_server *, const uint8_t *msg,
		    size_t len, int64_t deadline_ms, uint8_t **reply,
		    size_t *replylen, bool *used_tcp, int *nsent, char *err,
		    size_t errlen);

/*
 * Ask server (no recursion) for owner's A and AAAA records and store both in
 * *out, sorted.  NXDOMAIN and NODATA give an empty set.  The answer must be
 * authoritative (AA).  Returns DNS_OK or an error with a message in err.
 */
enum dns_status	dns_query_addrs(const struct dns_server *, const char *owner,
		    int64_t deadline_ms, struct addrset *out, char *err,
		    size_t errlen);

/* The SOA serial of zone at server (authoritative answer). */
enum dns_status	dns_query_serial(const struct dns_server *, const char *zone,
		    int64_t deadline_ms, uint32_t *serial, char *err,
		    size_t errlen);

/* Resolve "host" (IP literal or name, getaddrinfo) and port into *out. */
enum dns_status	dns_server_resolve(const char *host, uint16_t port,
		    struct dns_server *out, char *err, size_t errlen);

/* The "NOERROR", "NXRRSET", ... name of an rcode. */
const char	*dns_rcode_str(int rcode, char *buf, size_t buflen);

/*
 * ldns_wire2pkt() for a message from the network: one that holds more than
 * one TSIG RR (RFC 8945 §5.1; ldns 1.8.3 leaks all but the last) is refused
 * with LDNS_STATUS_WIRE_RDATA_ERR.  Caller frees *out.
 */
ldns_status	dns_wire2pkt(ldns_pkt **out, const uint8_t *wire, size_t len);

/*
 * The answer of server (no recursion, or with RD when rd) to name/type,
 * parsed, after checking it answers that question.  The rcode is not
 * judged: the caller looks.  Caller frees *out.  When no answer came, err
 * is dns_exchange()'s (the attempts, not the server's name).
 */
enum dns_status	dns_query(const struct dns_server *, const char *name,
		    ldns_rr_type type, bool rd, int64_t deadline_ms,
		    ldns_pkt **out, char *err, size_t errlen);

/* ---- dnspool.c ---- */

/* Zones (and nameservers of a zone) worked on at once, at most. */
#define DNS_PARALLEL_MAX	8

/*
 * Call fn(ctx, i) for every i in [0, n), at most maxthreads at a time, and
 * return when all are done.  fn must only write what belongs to its i.
 */
void	dns_parallel(size_t n, size_t maxthreads,
	    void (*fn)(void *ctx, size_t i), void *ctx);

/*
 * Servers found dead (no answer, or unreachable) by one zone's thread, so
 * that the other zones of the same run do not wait for them again: a dead
 * server costs about one timeout per run, not one per zone.  Shared by the
 * threads of one dns_parallel() call; init before, free after.
 */
#define DNS_DEAD_MAX	16
struct dns_dead {
	pthread_mutex_t	 lock;
	size_t		 n;
	char		 text[DNS_DEAD_MAX][256];	/* dns_server.text */
	enum dns_status	 st[DNS_DEAD_MAX];
	char		 why[DNS_DEAD_MAX][256];
};
void	dns_dead_init(struct dns_dead *);
void	dns_dead_free(struct dns_dead *);
/* Mark srv dead with st and why (a plain message). */
void	dns_dead_add(struct dns_dead *, const struct dns_server *,
	    enum dns_status st, const char *why);
/* DNS_OK when srv is not known dead; else its status, with why copied. */
enum dns_status	dns_dead_get(struct dns_dead *, const struct dns_server *,
		    char *why, size_t whylen);

/*
 * RFC 1982 serial number comparison: -1 if a < b, 0 if equal, 1 if a > b,
 * 2 when undefined (exactly 2^31 apart).
 */
int	dns_serial_cmp(uint32_t a, uint32_t b);

/* ---- discovery: where a zone lives, through a resolver ---- */

/*
 * The resolvers used to discover a zone's SOA MNAME and the addresses of
 * names (MNAME, nameservers without glue): [dns] resolver when set, else
 * the nameservers of /etc/resolv.conf.  Fills out[0..*n) (at most max).
 * DNS_OK, or an error with a plain message in err.
 */
enum dns_status	dns_discovery_servers(const struct config *,
		    struct dns_server *out, size_t max, size_t *n, char *err,
		    size_t errlen);

/*
 * The SOA MNAME of zone ("ns1.example.com.") asked of resolvers (with RD),
 * one after the other until one answers, within deadline_ms.
 */
enum dns_status	dns_discover_mname(const struct dns_server *resolvers,
		    size_t n, const char *zone, int64_t deadline_ms, char *out,
		    size_t outlen, char *err, size_t errlen);

/* The A and AAAA addresses of name asked of resolvers (with RD). */
enum dns_status	dns_discover_addrs(const struct dns_server *resolvers,
		    size_t n, const char *name, int64_t deadline_ms,
		    struct addrset *out, char *err, size_t errlen);

/* A dns_server for a binary address and port; text is "ADDR#PORT". */
void	dns_server_from_addr(const struct addrset_addr *, uint16_t port,
	    struct dns_server *out);

/* ---- verify.c: verify = all ---- */

/*
 * Verify = all (failover-agent(8), DNS UPDATES, Verifying a change): find the
 * NS set of zp's zone by asking upd, the
 * server that took the update, and each nameserver's addresses (glue, then
 * upd, then the discovery resolvers); then ask every address, all at once,
 * without recursion, until each answers authoritatively with a SOA serial
 * at least want_serial (RFC 1982; not checked when !have_serial) and every
 * changed record's exact new A+AAAA set, or deadline_ms passes (a first
 * round always gets [dns] timeout).  Fills zp->ns / zp->nns (one entry per
 * nameserver address, freed by dns_plan_free()).  Returns DNS_OK when every
 * one serves the change; DNS_ERR_LAGGING when some do not (why says which);
 * another error when the NS set could not be found.
 */
enum dns_status	dns_verify_all(const struct config *,
		    const struct dns_server *upd, struct dns_zone_plan *zp,
		    uint32_t want_serial, bool have_serial, int64_t deadline_ms,
		    char *why, size_t whylen);

/* ---- dnsupdate.c internals, exposed for tests ---- */

/* The server zone's records are read from and changes sent to (the method's). */
enum dns_status	dns_zone_server(const struct config *, const struct cfg_zone *,
		    int64_t deadline_ms, struct dns_server *out, char *err,
		    size_t errlen);

/*
 * Classify each record read (status DNS_OK) as PRIMARY (its A+AAAA set is
 * exactly cfg->primary), BACKUP (exactly cfg->backup) or OTHER (anything
 * else, an empty set included); unread ones are UNREADABLE.  Then the
 * overall verdict: UNREADABLE if any is, else OTHER if any is, else PRIMARY
 * or BACKUP if all agree, else MIXED.  Returns 0, or -1 when unreadable.
 */
int	dns_view_summarise(const struct config *, struct dns_view *);

/* ---- rfc2136.c internals, exposed for t/unit/test_rfc2136.c ---- */

struct tsig_key;

/*
 * Build the UPDATE message of zp (RFC 2136 §2): zone section, prerequisites
 * and updates for every record with status DNS_OK, unsigned, with a random
 * ID.  Caller frees with ldns_pkt_free().  NULL on error.
 */
ldns_pkt	*rfc2136_update_build(const struct dns_zone_plan *zp, uint32_t ttl);

/*
 * Judge a reply to request (which we signed with key): parse it, check ID,
 * opcode and question, the TSIG (name, algorithm, MAC over request's MAC,
 * time within TSIG_FUDGE of now_s), decode a TSIG error (BADTIME: the clock
 * skew), map the rcode.  label starts the message ("example.com").  Returns
 * DNS_OK for a good NOERROR reply, else the status with a plain message in
 * msg.  *reply_out (may be NULL) gets the parsed reply, caller frees.
 */
enum dns_status	rfc2136_reply_check(const struct tsig_key *key,
		    const ldns_pkt *request, const uint8_t *wire, size_t len,
		    int64_t now_s, const char *label, const char *server,
		    ldns_pkt **reply_out, char *msg, size_t msglen);

/*
 * The same for part of zp: only its changed records (status DNS_OK) number
 * first to first + count - 1, counted in plan order.  NULL on error or when
 * that part changes nothing.
 */
ldns_pkt	*rfc2136_update_build_part(const struct dns_zone_plan *zp,
		    uint32_t ttl, size_t first, size_t count);

/*
 * Largest UPDATE we send before its TSIG: a DNS message over TCP holds
 * 65535 bytes (RFC 1035 §4.2.2), and the TSIG RR needs room (key name up
 * to 255, algorithm name, a MAC up to 64 bytes).  A zone whose change is
 * larger goes in several UPDATEs.
 */
#define RFC2136_UPDATE_MAX	(65535 - 1024)

/*
 * The canary UPDATE for zone (RFC 2136 §2.4.1): one prerequisite "the
 * zone's SOA RRset exists" (class ANY, type SOA, TTL 0, no rdata), no
 * update, unsigned, random ID.  Caller frees.  NULL on error.
 */
ldns_pkt	*rfc2136_canary_build(const char *zone);

/* A name without its final dot, for messages ("." stays "."). */
void	dns_name_label(const char *name, char *buf, size_t len);

#endif
