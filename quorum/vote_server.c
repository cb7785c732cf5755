/*
 * vote_server.c: a spare's side of the vote protocol (quorum/PROTOCOL.md), on
 * libmicrohttpd.  See quorum.h for the contract.
 *
 * Mode.  One MHD daemon per listen address (MHD binds one socket per
 * daemon; we make the sockets ourselves so IPv4 and IPv6 on the same port
 * coexist with IPV6_V6ONLY and a bind error names the address), each with
 * epoll and a small pool of threads (MHD_USE_EPOLL_INTERNAL_THREAD +
 * MHD_OPTION_THREAD_POOL_SIZE, 2 by default): epoll because an attacker
 * holds thousands of sockets open and select() stops at FD_SETSIZE while
 * a thread per connection costs a stack each; a pool because an answer is
 * pure CPU (an HMAC and a small JSON body) and never blocks, so one thread
 * per core is all the parallelism there is to have.
 *
 * Probes.  One prober thread runs the caller's probe every interval, on its
 * own clock: nobody waits for it.  A vote is answered at once from the
 * latest finished probe (quorum/PROTOCOL.md), so a primary that has gone silent
 * costs
 * the spare its check timeout, never the asker.
 *
 * Slow clients.  MHD's connection timeout is re-armed by every byte, so a
 * client sending one byte a second would hold a connection for ever.  We
 * track every connection (MHD_OPTION_NOTIFY_CONNECTION) with a deadline:
 * request_timeout from accept, or from the previous answer on a kept-alive
 * connection; the deadline is lifted while a whole request is being
 * answered.  The caller's thread, which wakes every VSRV_STOP_POLL_MS
 * anyway, shuts down (shutdown(2), not close: MHD still owns the fd and
 * closes it) every connection past its deadline; MHD then sees EOF and
 * closes it.  The list entry is removed in MHD's CLOSED notification, which
 * comes before MHD closes the fd, under the same lock as the sweep: a
 * number reused by a new accept is never shut down by mistake.  Peers
 * outside [vote] allow are refused in the accept policy callback, before
 * any byte is read.
 *
 * Order of the checks on GET /v1/vote: size (431/413), method and path
 * (405/404), syntax (400), then authentication (401: MAC, then the clock
 * window), then the target (404), then the replay cache (401, or 503 when
 * it is full).  Nothing about the request is interpreted before its MAC is
 * checked, except its syntax; only authenticated requests reach the nonce
 * cache, so a stranger cannot fill it.
 *
 * The replay cache remembers each accepted nonce until its request's ts
 * falls out of the ±VOTE_TS_WINDOW window: a replay is refused as long as it
 * would otherwise be accepted.  It has a fixed size.  When it is full of
 * nonces still inside their window, new requests get 503 instead of evicting
 * the oldest nonce: evicting would silently reopen the replay window for
 * that nonce, while a 503 is an honest, logged abstention that the backup
 * counts neither way (failover-agent(8), THE QUORUM).  Only holders of the
 * secret can fill
 * it, and a legitimate load (a few backups, one request per cycle) uses a
 * handful of entries; the default holds 65536, about a thousand requests a
 * second sustained.
 */
#include <sys/types.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <netdb.h>

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>
#include <openssl/rand.h>

#include "agent/lib/log.h"
#include "agent/lib/util.h"
#include "quorum/quorum.h"

#define VSRV_THREADS		2
#define VSRV_NONCE_CACHE_MAX	65536
#define VSRV_BACKLOG		16384	/* the kernel caps it at somaxconn */
#define VSRV_POOL_BYTES		(16 * 1024)	/* MHD's per-connection memory */
#define VSRV_STOP_POLL_MS	100
#define VSRV_LOG_BURST		100	/* refusals logged in a burst ... */
#define VSRV_LOG_PER_SEC	10	/* ... and then per second; the rest counted */

/* One remembered nonce; expiry 0 marks an empty slot. */
struct vsrv_nonce {
	unsigned char	nonce[VOTE_NONCE_LEN];
	int64_t		expiry;		/* wall seconds: forget after this */
};

/* Open addressing, linear probing, at most half full. */
struct vsrv_nonces {
	struct vsrv_nonce	*slots;
	size_t			 mask;		/* slots - 1, a power of two - 1 */
	size_t			 used;
	size_t			 max;
	int64_t			 last_sweep;
	uint64_t		 hkey;		/* random per process */
};

/* One open connection, for the request deadline. */
struct vsrv_conn {
	struct vsrv_conn	*next, *prev;
	int			 fd;
	int64_t			 deadline;	/* mono ms; INT64_MAX: answering */
	bool			 shut;		/* shut down by the sweep */
	char			 peer[INET6_ADDRSTRLEN + 1];
};

struct vsrv {
	const struct vote_server_params	*p;
	struct MHD_Daemon		**daemons;
	size_t				  ndaemons;
	int64_t				  request_timeout_ms;

	pthread_mutex_t			  mu;	/* everything below */
	pthread_cond_t			  cv;	/* wakes the prober to stop */
	bool				  stopping;
	enum vote_verdict		  verdict;
	int64_t				  checked_at;	/* wall s */
	struct vsrv_nonces		  nonces;
	int64_t				  log_refill_ms;	/* token bucket */
	unsigned			  log_tokens;
	unsigned long			  log_suppressed;

	pthread_mutex_t			  cmu;	/* conns */
	struct vsrv_conn		 *conns;

	/* Counters for the spare's metrics; atomics, no lock. */
	uint64_t			  served;
	uint64_t			  refused[VOTE_REFUSAL_MAX];
};

static const char *const vote_refusal_names[VOTE_REFUSAL_MAX] = {
	[VOTE_REFUSED_MALFORMED] = "malformed",
	[VOTE_REFUSED_AUTH] = "bad-auth",
	[VOTE_REFUSED_NOT_FOUND] = "not-found",
	[VOTE_REFUSED_METHOD] = "method",
	[VOTE_REFUSED_TOO_LARGE] = "too-large",
	[VOTE_REFUSED_UNAVAILABLE] = "unavailable",
	[VOTE_REFUSED_NOT_ALLOWED] = "not-allowed",
	[VOTE_REFUSED_DEADLINE] = "deadline",
	[VOTE_REFUSED_OTHER] = "other",
};

const char *
vote_refusal_str(enum vote_refusal r)
{
	if ((unsigned)r >= VOTE_REFUSAL_MAX)
		return "other";
	return vote_refusal_names[r];
}

static void
vsrv_count_refusal(struct vsrv *srv, enum vote_refusal r, uint64_t n)
{
	__atomic_add_fetch(&srv->refused[r], n, __ATOMIC_RELAXED);
}

static enum vote_refusal
vsrv_refusal_of(unsigned status)
{
	switch (status) {
	case 400:
		return VOTE_REFUSED_MALFORMED;
	case 401:
		return VOTE_REFUSED_AUTH;
	case 404:
		return VOTE_REFUSED_NOT_FOUND;
	case 405:
		return VOTE_REFUSED_METHOD;
	case 413:
	case 431:
		return VOTE_REFUSED_TOO_LARGE;
	case 503:
		return VOTE_REFUSED_UNAVAILABLE;
	default:
		return VOTE_REFUSED_OTHER;
	}
}

/* Per request: made by the URI callback, freed when MHD completes it. */
struct vsrv_req {
	struct vsrv		*srv;
	struct MHD_Connection	*conn;
	char			*uri;		/* raw request target, NULL if oversized */
	size_t			 urilen;
	bool			 started;	/* the first call (headers) is done */
	char			 nonce[VOTE_NONCE_HEX_LEN + 1];
};

/* The request's parameters, pointing into a copy of its query string. */
struct vsrv_query {
	char		*target, *from, *ts, *nonce;
	int64_t		 ts_val;
};

/* ---------------------------------------------------------------------- */
/* Replay cache. */

static void
vsrv_nonces_init(struct vsrv_nonces *c, size_t max)
{
	size_t	n = 16;

	while (n < 2 * max)
		n <<= 1;
	c->slots = util_xcalloc(n, sizeof(*c->slots));
	c->mask = n - 1;
	c->max = max;
	c->used = 0;
	c->last_sweep = 0;
	if (RAND_bytes((unsigned char *)&c->hkey, sizeof(c->hkey)) != 1)
		c->hkey = (uint64_t)util_mono_ms() * 0x9e3779b97f4a7c15ULL;
}

static size_t
vsrv_nonce_hash(const struct vsrv_nonces *c, const unsigned char *n)
{
	uint64_t	h;

	memcpy(&h, n, sizeof(h));
	h ^= c->hkey;
	h *= 0x9e3779b97f4a7c15ULL;
	h ^= h >> 31;
	return (size_t)h & c->mask;
}

/* Rebuild the table without the nonces whose window has passed. */
static void
vsrv_nonces_sweep(struct vsrv_nonces *c, int64_t now)
{
	struct vsrv_nonce	*old = c->slots;
	size_t			 i, j;

	c->slots = util_xcalloc(c->mask + 1, sizeof(*c->slots));
	c->used = 0;
	for (i = 0; i <= c->mask; i++) {
		if (old[i].expiry == 0 || old[i].expiry < now)
			continue;
		j = vsrv_nonce_hash(c, old[i].nonce);
		while (c->slots[j].expiry != 0)
			j = (j + 1) & c->mask;
		c->slots[j] = old[i];
		c->used++;
	}
	free(old);
	c->last_sweep = now;
}

/*
 * Remember nonce until expiry.  Returns 0 if it was new (now remembered), 1
 * if it is a replay, -1 if the cache is full of live nonces (sweeping at
 * most once a second, so a full cache does not cost a rebuild per request).
 */
static int
vsrv_nonces_add(struct vsrv_nonces *c, const unsigned char *nonce,
    int64_t expiry, int64_t now)
{
	size_t	i;
	bool	swept = false;

again:
	i = vsrv_nonce_hash(c, nonce);
	while (c->slots[i].expiry != 0) {
		if (memcmp(c->slots[i].nonce, nonce, VOTE_NONCE_LEN) == 0) {
			if (c->slots[i].expiry >= now)
				return 1;
			c->slots[i].expiry = expiry;	/* long gone: reuse */
			return 0;
		}
		i = (i + 1) & c->mask;
	}
	if (c->used >= c->max) {
		if (swept || c->last_sweep == now)
			return -1;
		vsrv_nonces_sweep(c, now);
		swept = true;
		goto again;
	}
	memcpy(c->slots[i].nonce, nonce, VOTE_NONCE_LEN);
	c->slots[i].expiry = expiry;
	c->used++;
	return 0;
}

/* ---------------------------------------------------------------------- */
/* Listen addresses. */

int
vote_listen_parse(const char *s, void *ssp, unsigned *sslen, char *err,
    size_t errlen)
{
	struct sockaddr_storage	*ss = ssp;
	struct sockaddr_in	*sin = ssp;
	struct sockaddr_in6	*sin6 = ssp;
	struct util_hostport	 hp;

	/* Written as every address is (util.h); numeric, with a port. */
	memset(ss, 0, sizeof(*ss));
	if (util_hostport_parse(s, UTIL_HP_NUMERIC | UTIL_HP_PORT_REQUIRED,
	    &hp, err, errlen) == -1)
		return -1;
	if (hp.family == AF_INET6) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(hp.port);
		(void)inet_pton(AF_INET6, hp.host, &sin6->sin6_addr);
		*sslen = sizeof(*sin6);
	} else {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(hp.port);
		(void)inet_pton(AF_INET, hp.host, &sin->sin_addr);
		*sslen = sizeof(*sin);
	}
	return 0;
}

/* A listening socket on addr, or -1 (logged). */
static int
vsrv_listen(const char *addr)
{
	struct sockaddr_storage	ss;
	unsigned		sslen;
	char			err[160];
	int			fd, on = 1;

	if (vote_listen_parse(addr, &ss, &sslen, err, sizeof(err)) == -1) {
		log_warnx("vote-server: listen %s", err);
		return -1;
	}
	if ((fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1) {
		log_warn("vote-server: socket for %s", addr);
		return -1;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == -1 ||
	    (ss.ss_family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6,
	    IPV6_V6ONLY, &on, sizeof(on)) == -1)) {
		log_warn("vote-server: setsockopt for %s", addr);
		close(fd);
		return -1;
	}
	if (bind(fd, (struct sockaddr *)&ss, sslen) == -1) {
		log_warn("vote-server: bind %s", addr);
		close(fd);
		return -1;
	}
	if (listen(fd, VSRV_BACKLOG) == -1) {
		log_warn("vote-server: listen %s", addr);
		close(fd);
		return -1;
	}
	return fd;
}

/* ---------------------------------------------------------------------- */
/* Responses. */

/* The numeric address of sa (NULL allowed: "?"). */
static void
vsrv_addr_str(const struct sockaddr *sa, char *buf, size_t buflen)
{
	socklen_t	salen;

	snprintf(buf, buflen, "?");
	if (sa == NULL)
		return;
	salen = sa->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6) :
	    sizeof(struct sockaddr_in);
	if (getnameinfo(sa, salen, buf, (socklen_t)buflen, NULL, 0,
	    NI_NUMERICHOST) != 0)
		snprintf(buf, buflen, "?");
}

static void
vsrv_peer(struct MHD_Connection *conn, char *buf, size_t buflen)
{
	const union MHD_ConnectionInfo	*ci;

	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	vsrv_addr_str(ci != NULL ? ci->client_addr : NULL, buf, buflen);
}

/*
 * Queue a plain-text answer.  header/value add one header (Allow,
 * WWW-Authenticate, Retry-After) when not NULL.
 */
static enum MHD_Result
vsrv_reply(struct MHD_Connection *conn, unsigned status, const char *text,
    const char *header, const char *value)
{
	struct MHD_Response	*resp;
	enum MHD_Result		 ret;
	char			 buf[256];
	int			 n;

	n = snprintf(buf, sizeof(buf), "%s\n", text);
	if (n < 0 || (size_t)n >= sizeof(buf))
		n = (int)sizeof(buf) - 1;
	resp = MHD_create_response_from_buffer((size_t)n, buf,
	    MHD_RESPMEM_MUST_COPY);
	if (resp == NULL)
		return MHD_NO;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
	    "text/plain; charset=utf-8");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL,
	    "no-store");
	if (header != NULL)
		MHD_add_response_header(resp, header, value);
	ret = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

/*
 * Log one line "vote-server: refused PEER: WHAT" through a token bucket
 * (VSRV_LOG_BURST lines, refilled at VSRV_LOG_PER_SEC): every refusal of
 * ordinary use is logged while a flood cannot flood syslog; the lines left
 * out are counted in the next one.  Callers pass only fixed words, numbers,
 * addresses and validated names: never a MAC or the secret.
 */
static void
vsrv_log_refusal(struct vsrv *srv, const char *peer, const char *what)
{
	int64_t		now = util_mono_ms(), add;
	unsigned long	suppressed = 0;
	bool		log_it;

	pthread_mutex_lock(&srv->mu);
	add = (now - srv->log_refill_ms) * VSRV_LOG_PER_SEC / 1000;
	if (add > 0) {
		srv->log_tokens = add >= VSRV_LOG_BURST ? VSRV_LOG_BURST :
		    (unsigned)(srv->log_tokens + add > VSRV_LOG_BURST ?
		    VSRV_LOG_BURST : srv->log_tokens + add);
		srv->log_refill_ms = now;
	}
	if ((log_it = srv->log_tokens > 0))
		srv->log_tokens--;
	if (log_it) {
		suppressed = srv->log_suppressed;
		srv->log_suppressed = 0;
	} else
		srv->log_suppressed++;
	pthread_mutex_unlock(&srv->mu);
	if (!log_it)
		return;
	if (suppressed > 0)
		log_warnx("vote-server: refused %s: %s (and %lu refusals not"
		    " logged)", peer, what, suppressed);
	else
		log_warnx("vote-server: refused %s: %s", peer, what);
}

/* Log a refusal (vsrv_log_refusal) and answer it with status. */
static enum MHD_Result
vsrv_refuse(struct vsrv *srv, struct MHD_Connection *conn, unsigned status,
    const char *header, const char *value, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

static enum MHD_Result
vsrv_refuse(struct vsrv *srv, struct MHD_Connection *conn, unsigned status,
    const char *header, const char *value, const char *fmt, ...)
{
	char		why[160], line[176], peer[INET6_ADDRSTRLEN + 1];
	va_list		ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	vsrv_count_refusal(srv, vsrv_refusal_of(status), 1);
	vsrv_peer(conn, peer, sizeof(peer));
	snprintf(line, sizeof(line), "%u %s", status, why);
	vsrv_log_refusal(srv, peer, line);
	return vsrv_reply(conn, status, why, header, value);
}

/* 200 with the signed vote. */
static enum MHD_Result
vsrv_reply_vote(struct vsrv *srv, struct vsrv_req *r, enum vote_verdict v,
    int64_t checked_at)
{
	struct MHD_Response	*resp;
	enum MHD_Result		 ret;
	char			*body = NULL;
	size_t			 len;
	char			 sig[VOTE_MAC_HEX_LEN + 1];

	if (vote_response_build(srv->p->secret, srv->p->voter, VOTE_TARGET, v,
	    checked_at, srv->p->max_age, util_wall_ms() / 1000, r->nonce,
	    &body, &len, sig) == -1) {
		log_warnx("vote-server: cannot build an answer");
		return vsrv_reply(r->conn, MHD_HTTP_INTERNAL_SERVER_ERROR,
		    "internal error", NULL, NULL);
	}
	/* MUST_FREE: MHD free()s body, malloc()ed by vote_response_build(). */
	resp = MHD_create_response_from_buffer(len, body,
	    MHD_RESPMEM_MUST_FREE);
	if (resp == NULL) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
	    "application/json");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL,
	    "no-store");
	MHD_add_response_header(resp, VOTE_SIG_HEADER, sig);
	ret = MHD_queue_response(r->conn, MHD_HTTP_OK, resp);
	MHD_destroy_response(resp);
	if (ret == MHD_YES)
		__atomic_add_fetch(&srv->served, 1, __ATOMIC_RELAXED);
	return ret;
}

/* ---------------------------------------------------------------------- */
/* Requests. */

struct vsrv_headers {
	size_t		 bytes;		/* "Name: value\r\n" summed */
	int		 nauth;
	const char	*auth;
	bool		 body;		/* Content-Length > 0 or chunked */
};

static enum MHD_Result
vsrv_header_cb(void *cls, enum MHD_ValueKind kind, const char *key,
    const char *value)
{
	struct vsrv_headers	*h = cls;

	(void)kind;
	if (value == NULL)
		value = "";
	h->bytes += strlen(key) + strlen(value) + 4;
	if (strcasecmp(key, MHD_HTTP_HEADER_AUTHORIZATION) == 0) {
		h->nauth++;
		h->auth = value;
	} else if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) == 0) {
		if (strcmp(value, "0") != 0)
			h->body = true;
	} else if (strcasecmp(key, MHD_HTTP_HEADER_TRANSFER_ENCODING) == 0)
		h->body = true;
	return MHD_YES;
}

static bool
vsrv_lower_hex(const char *s, size_t len)
{
	size_t	i;

	for (i = 0; i < len; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return s[len] == '\0';
}

/* 32 lowercase hex digits (checked by vsrv_query_parse) to 16 bytes. */
static void
vsrv_nonce_decode(const char *hex, unsigned char raw[VOTE_NONCE_LEN])
{
	size_t		i;
	unsigned	hi, lo;

	for (i = 0; i < VOTE_NONCE_LEN; i++) {
		hi = (unsigned)(hex[2 * i] <= '9' ? hex[2 * i] - '0' :
		    hex[2 * i] - 'a' + 10);
		lo = (unsigned)(hex[2 * i + 1] <= '9' ? hex[2 * i + 1] - '0' :
		    hex[2 * i + 1] - 'a' + 10);
		raw[i] = (unsigned char)(hi << 4 | lo);
	}
}

/*
 * Split q (a private copy of the query string) into the four parameters.
 * Strict: each exactly once, nothing else, no empty value.  Values are taken
 * as sent, not percent-decoded: the MAC covers these bytes, and valid
 * values never need encoding.  Returns NULL, or a reason for the 400.
 */
static const char *
vsrv_query_parse(char *q, struct vsrv_query *out)
{
	char		*part, *save = NULL, *eq, **slot;
	const char	*errstr;
	long long	 v;

	memset(out, 0, sizeof(*out));
	if (*q == '\0')
		return "empty query string";
	for (part = strtok_r(q, "&", &save); part != NULL;
	    part = strtok_r(NULL, "&", &save)) {
		if ((eq = strchr(part, '=')) == NULL)
			return "a parameter without '='";
		*eq = '\0';
		if (strcmp(part, "target") == 0)
			slot = &out->target;
		else if (strcmp(part, "from") == 0)
			slot = &out->from;
		else if (strcmp(part, "ts") == 0)
			slot = &out->ts;
		else if (strcmp(part, "nonce") == 0)
			slot = &out->nonce;
		else
			return "unknown parameter";
		if (*slot != NULL)
			return "duplicate parameter";
		if (eq[1] == '\0')
			return "empty parameter";
		*slot = eq + 1;
	}
	if (out->target == NULL || out->from == NULL || out->ts == NULL ||
	    out->nonce == NULL)
		return "missing parameter (need target, from, ts, nonce)";
	if (!vote_name_valid(out->from))
		return "from is not a valid name";
	if (util_number_parse(out->ts, 0, INT64_MAX, &v, &errstr) == -1)
		return "ts is not a UNIX time";
	out->ts_val = (int64_t)v;
	if (strlen(out->nonce) != VOTE_NONCE_HEX_LEN ||
	    !vsrv_lower_hex(out->nonce, VOTE_NONCE_HEX_LEN))
		return "nonce is not 32 lowercase hex digits";
	return NULL;
}

/* "FA-HMAC-SHA256 HEX": the scheme is case-insensitive (RFC 9110 11.1). */
static const char *
vsrv_auth_mac(const char *auth)
{
	size_t	n = strlen(VOTE_AUTH_SCHEME);

	if (strncasecmp(auth, VOTE_AUTH_SCHEME, n) != 0 || auth[n] != ' ')
		return NULL;
	auth += n;
	while (*auth == ' ')
		auth++;
	return auth;
}

/*
 * An authenticated request gets the latest finished probe's verdict, at
 * once (quorum/PROTOCOL.md): never a wait for the primary.
 */
static enum MHD_Result
vsrv_verdict(struct vsrv *srv, struct vsrv_req *r)
{
	enum vote_verdict	v;
	int64_t			checked_at;

	pthread_mutex_lock(&srv->mu);
	v = srv->verdict;
	checked_at = srv->checked_at;
	pthread_mutex_unlock(&srv->mu);
	return vsrv_reply_vote(srv, r, v, checked_at);
}

static enum MHD_Result
vsrv_vote(struct vsrv *srv, struct vsrv_req *r, const char *query,
    const struct vsrv_headers *h)
{
	struct vsrv_query	 q;
	unsigned char		 raw[VOTE_NONCE_LEN];
	char			*copy = NULL, canon[VOTE_REQUEST_MAX + 64];
	const char		*why, *mac;
	int64_t			 now, skew;
	enum MHD_Result		 ret;
	int			 seen;

	copy = util_xstrdup(query);
	if ((why = vsrv_query_parse(copy, &q)) != NULL) {
		ret = vsrv_refuse(srv, r->conn, MHD_HTTP_BAD_REQUEST, NULL,
		    NULL, "malformed: %s", why);
		goto cleanup;
	}
	if (h->nauth > 1) {
		ret = vsrv_refuse(srv, r->conn, MHD_HTTP_BAD_REQUEST, NULL,
		    NULL, "malformed: more than one Authorization header");
		goto cleanup;
	}
	if (h->nauth == 0) {
		ret = vsrv_refuse(srv, r->conn, MHD_HTTP_UNAUTHORIZED,
		    MHD_HTTP_HEADER_WWW_AUTHENTICATE, VOTE_AUTH_SCHEME,
		    "no Authorization header");
		goto cleanup;
	}
	if ((mac = vsrv_auth_mac(h->auth)) == NULL) {
		ret = vsrv_refuse(srv, r->conn, MHD_HTTP_UNAUTHORIZED,
		    MHD_HTTP_HEADER_WWW_AUTHENTICATE, VOTE_AUTH_SCHEME,
		    "Authorization is not " VOTE_AUTH_SCHEME);
		goto cleanup;
	}
	if (vote_canonical_string(query, canon, sizeof(canon)) == -1 ||
	    !vote_mac_check(srv->p->secret, canon, strlen(canon), mac)) {
		ret = vsrv_refuse(srv, r->conn, MHD_HTTP_UNAUTHORIZED,
		    MHD_HTTP_HEADER_WWW_AUTHENTICATE, VOTE_AUTH_SCHEME,
		    "bad MAC (from=%s; different secret?)", q.from);
		goto cleanup;
	}
	now = util_wall_ms() / 1000;
	skew = q.ts_val - now;
	if (skew > VOTE_TS_WINDOW || skew < -VOTE_TS_WINDOW) {
		ret = vsrv_refuse(srv, r->conn, MHD_HTTP_UNAUTHORIZED,
		    MHD_HTTP_HEADER_WWW_AUTHENTICATE, VOTE_AUTH_SCHEME,
		    "stale timestamp: %lld s %s this clock (from=%s; allowed"
		    " %d s)", (long long)(skew < 0 ? -skew : skew),
		    skew < 0 ? "behind" : "ahead of", q.from, VOTE_TS_WINDOW);
		goto cleanup;
	}
	if (strcmp(q.target, VOTE_TARGET) != 0) {
		ret = vsrv_refuse(srv, r->conn, MHD_HTTP_NOT_FOUND, NULL, NULL,
		    "unknown target (from=%s; only '%s' exists)", q.from,
		    VOTE_TARGET);
		goto cleanup;
	}
	vsrv_nonce_decode(q.nonce, raw);
	pthread_mutex_lock(&srv->mu);
	seen = vsrv_nonces_add(&srv->nonces, raw, q.ts_val + VOTE_TS_WINDOW,
	    now);
	pthread_mutex_unlock(&srv->mu);
	if (seen == 1) {
		ret = vsrv_refuse(srv, r->conn, MHD_HTTP_UNAUTHORIZED,
		    MHD_HTTP_HEADER_WWW_AUTHENTICATE, VOTE_AUTH_SCHEME,
		    "replayed nonce (from=%s)", q.from);
		goto cleanup;
	}
	if (seen == -1) {
		ret = vsrv_refuse(srv, r->conn, MHD_HTTP_SERVICE_UNAVAILABLE,
		    MHD_HTTP_HEADER_RETRY_AFTER, "5", "replay cache full"
		    " (%zu nonces in the last %d s; from=%s)",
		    srv->nonces.max, 2 * VOTE_TS_WINDOW, q.from);
		goto cleanup;
	}
	memcpy(r->nonce, q.nonce, sizeof(r->nonce));
	ret = vsrv_verdict(srv, r);
cleanup:
	free(copy);
	return ret;
}

/*
 * The connection's deadline entry (NULL if MHD had none for it).  Set
 * deadline to now + request_timeout, or INT64_MAX while a whole request is
 * being answered.
 */
static void
vsrv_conn_deadline(struct vsrv *srv, struct MHD_Connection *conn,
    bool answering)
{
	const union MHD_ConnectionInfo	*ci;
	struct vsrv_conn		*c;

	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	if (ci == NULL || (c = ci->socket_context) == NULL)
		return;
	pthread_mutex_lock(&srv->cmu);
	c->deadline = answering ? INT64_MAX : util_mono_ms() +
	    srv->request_timeout_ms;
	pthread_mutex_unlock(&srv->cmu);
}

/*
 * MHD calls this once the headers are in, then once the (empty) body is.
 * Oversized requests and requests with a
 * body are refused on the first call, before the body is read (MHD then
 * closes the connection); every other answer is queued on the second call,
 * so the connection can be kept alive.
 */
static enum MHD_Result
vsrv_handle(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload_data,
    size_t *upload_data_size, void **req_cls)
{
	struct vsrv		*srv = cls;
	struct vsrv_req		*r = *req_cls;
	struct vsrv_headers	 h;
	const char		*query;
	size_t			 pathlen, size;

	(void)url;
	(void)upload_data;
	if (r == NULL)
		return MHD_NO;
	r->conn = conn;
	if (*upload_data_size != 0) {	/* not reached: refused on the first call */
		*upload_data_size = 0;
		return MHD_YES;
	}

	memset(&h, 0, sizeof(h));
	MHD_get_connection_values(conn, MHD_HEADER_KIND, vsrv_header_cb, &h);
	/* The request line plus the header lines, as sent (about). */
	size = strlen(method) + 1 + r->urilen + 1 + strlen(version) + 2 +
	    h.bytes + 2;
	if (r->uri == NULL || size > VOTE_REQUEST_MAX)
		return vsrv_refuse(srv, conn,
		    MHD_HTTP_REQUEST_HEADER_FIELDS_TOO_LARGE, NULL, NULL,
		    "request of %zu bytes, over %d", size, VOTE_REQUEST_MAX);
	if (h.body)
		return vsrv_refuse(srv, conn, MHD_HTTP_CONTENT_TOO_LARGE, NULL,
		    NULL, "a request body (none is allowed)");
	if (!r->started) {
		r->started = true;
		vsrv_conn_deadline(srv, conn, true);
		return MHD_YES;
	}

	query = strchr(r->uri, '?');
	pathlen = query != NULL ? (size_t)(query - r->uri) : r->urilen;
	if (pathlen == strlen(VOTE_HEALTH_PATH) &&
	    strncmp(r->uri, VOTE_HEALTH_PATH, pathlen) == 0) {
		if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 &&
		    strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
			return vsrv_refuse(srv, conn,
			    MHD_HTTP_METHOD_NOT_ALLOWED, MHD_HTTP_HEADER_ALLOW,
			    "GET, HEAD", "method not allowed");
		return vsrv_reply(conn, MHD_HTTP_OK, "ok", NULL, NULL);
	}
	if (pathlen != strlen(VOTE_PATH) ||
	    strncmp(r->uri, VOTE_PATH, pathlen) != 0)
		return vsrv_refuse(srv, conn, MHD_HTTP_NOT_FOUND, NULL, NULL,
		    "no such path");
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0)
		return vsrv_refuse(srv, conn, MHD_HTTP_METHOD_NOT_ALLOWED,
		    MHD_HTTP_HEADER_ALLOW, "GET", "method not allowed");
	if (query == NULL)
		return vsrv_refuse(srv, conn, MHD_HTTP_BAD_REQUEST, NULL, NULL,
		    "malformed: no query string");
	return vsrv_vote(srv, r, query + 1, &h);
}

/*
 * The raw request target, before MHD splits and decodes it: the MAC covers
 * the query string exactly as sent.  An oversized one is not copied; the
 * handler refuses it.
 */
static void *
vsrv_uri_cb(void *cls, const char *uri, struct MHD_Connection *conn)
{
	struct vsrv_req	*r;

	r = util_xcalloc(1, sizeof(*r));
	r->srv = cls;
	r->conn = conn;
	r->urilen = strlen(uri);
	if (r->urilen <= VOTE_REQUEST_MAX)
		r->uri = util_xstrdup(uri);
	return r;
}

static void
vsrv_completed_cb(void *cls, struct MHD_Connection *conn, void **req_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct vsrv	*srv = cls;
	struct vsrv_req	*r = *req_cls;

	(void)toe;
	/* A kept-alive connection has request_timeout for its next request. */
	vsrv_conn_deadline(srv, conn, false);
	if (r == NULL)
		return;
	free(r->uri);
	free(r);
	*req_cls = NULL;
}

/* MHD's own messages (a client that breaks HTTP, ...): debug only. */
static void
vsrv_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char	msg[256];
	size_t	len;

	(void)cls;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	len = strlen(msg);
	while (len > 0 && msg[len - 1] == '\n')
		msg[--len] = '\0';
	log_debug("vote-server: libmicrohttpd: %s", msg);
}

/*
 * MHD_OPTION_NOTIFY_CONNECTION: track each connection from accept to
 * close for the request deadline.  CLOSED comes before MHD closes the fd
 * (libmicrohttpd 0.9.75, MHD_cleanup_connections), so once the entry is
 * unlinked under cmu the sweep can no longer touch that fd number.
 */
static void
vsrv_notify_conn(void *cls, struct MHD_Connection *conn, void **socket_ctx,
    enum MHD_ConnectionNotificationCode code)
{
	struct vsrv			*srv = cls;
	struct vsrv_conn		*c;
	const union MHD_ConnectionInfo	*ci;

	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		c = util_xcalloc(1, sizeof(*c));
		ci = MHD_get_connection_info(conn,
		    MHD_CONNECTION_INFO_CONNECTION_FD);
		c->fd = ci != NULL ? ci->connect_fd : -1;
		vsrv_peer(conn, c->peer, sizeof(c->peer));
		c->deadline = util_mono_ms() + srv->request_timeout_ms;
		pthread_mutex_lock(&srv->cmu);
		c->next = srv->conns;
		if (c->next != NULL)
			c->next->prev = c;
		srv->conns = c;
		pthread_mutex_unlock(&srv->cmu);
		*socket_ctx = c;
		return;
	}
	if ((c = *socket_ctx) == NULL)
		return;
	pthread_mutex_lock(&srv->cmu);
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		srv->conns = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	pthread_mutex_unlock(&srv->cmu);
	free(c);
	*socket_ctx = NULL;
}

/*
 * Shut down every connection past its deadline (see the top of the file).
 * The log lines go out after the lock is released.
 */
static void
vsrv_sweep(struct vsrv *srv)
{
	struct vsrv_conn	*c;
	char			 peers[8][INET6_ADDRSTRLEN + 1], what[96];
	char			 more[32];
	int64_t			 now = util_mono_ms();
	size_t			 n = 0, i;

	pthread_mutex_lock(&srv->cmu);
	for (c = srv->conns; c != NULL; c = c->next) {
		if (c->shut || c->deadline > now || c->fd < 0)
			continue;
		(void)shutdown(c->fd, SHUT_RDWR);
		c->shut = true;
		if (n < FA_ARRAY_SIZE(peers))
			memcpy(peers[n], c->peer, sizeof(peers[n]));
		n++;
	}
	pthread_mutex_unlock(&srv->cmu);
	if (n > 0)
		vsrv_count_refusal(srv, VOTE_REFUSED_DEADLINE, n);
	snprintf(what, sizeof(what), "closed: no whole request within %lld ms",
	    (long long)srv->request_timeout_ms);
	for (i = 0; i < n && i < FA_ARRAY_SIZE(peers); i++)
		vsrv_log_refusal(srv, peers[i], what);
	if (n > FA_ARRAY_SIZE(peers)) {
		snprintf(more, sizeof(more), "%zu more peers",
		    n - FA_ARRAY_SIZE(peers));
		vsrv_log_refusal(srv, more, what);
	}
}

/*
 * MHD_AcceptPolicyCallback: [vote] allow, before a byte is read.  With no
 * allow list every peer is accepted.
 */
static enum MHD_Result
vsrv_accept_policy(void *cls, const struct sockaddr *addr, socklen_t addrlen)
{
	struct vsrv	*srv = cls;
	char		 peer[INET6_ADDRSTRLEN + 1];

	(void)addrlen;
	if (srv->p->nallow == 0 ||
	    vote_cidr_match(srv->p->allow, srv->p->nallow, addr))
		return MHD_YES;
	vsrv_count_refusal(srv, VOTE_REFUSED_NOT_ALLOWED, 1);
	vsrv_addr_str(addr, peer, sizeof(peer));
	vsrv_log_refusal(srv, peer, "connection: not in [vote] allow");
	return MHD_NO;
}

/* ---------------------------------------------------------------------- */
/* Allowed networks. */

int
vote_cidr_parse(const char *s, struct vote_cidr *out, char *err,
    size_t errlen)
{
	char		 host[INET6_ADDRSTRLEN + 2];
	const char	*slash, *errstr;
	long long	 pn;
	size_t		 hlen, i, nbytes;
	unsigned	 max, bits;

	memset(out, 0, sizeof(*out));
	slash = strchr(s, '/');
	hlen = slash != NULL ? (size_t)(slash - s) : strlen(s);
	if (hlen >= 2 && s[0] == '[' && s[hlen - 1] == ']') {
		s++;
		hlen -= 2;
	}
	if (hlen == 0 || hlen >= sizeof(host)) {
		snprintf(err, errlen, "'%.64s': not an address", s);
		return -1;
	}
	memcpy(host, s, hlen);
	host[hlen] = '\0';
	if (inet_pton(AF_INET, host, out->addr) == 1) {
		out->family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, host, out->addr) == 1) {
		out->family = AF_INET6;
		max = 128;
	} else {
		snprintf(err, errlen, "'%s': not an IPv4 or IPv6 address",
		    host);
		return -1;
	}
	out->prefix = max;
	if (slash != NULL) {
		if (util_number_parse(slash + 1, 0, max, &pn, &errstr) == -1) {
			snprintf(err, errlen, "'%s/%.16s': prefix length %s"
			    " (0 to %u)", host, slash + 1, errstr, max);
			return -1;
		}
		out->prefix = (unsigned)pn;
	}
	nbytes = max / 8;
	for (i = 0; i < nbytes; i++) {
		bits = out->prefix > i * 8 ? out->prefix - (unsigned)i * 8 : 0;
		if (bits >= 8)
			continue;
		if ((out->addr[i] & (0xffu >> bits)) != 0) {
			snprintf(err, errlen, "'%s/%u': host bits set beyond"
			    " the prefix (a typo in the mask?)", host,
			    out->prefix);
			return -1;
		}
	}
	return 0;
}

bool
vote_cidr_match(const struct vote_cidr *allow, size_t n, const void *sap)
{
	const struct sockaddr	*sa = sap;
	const unsigned char	*a;
	unsigned		 full, rest;
	size_t			 i;

	if (sa == NULL)
		return false;
	if (sa->sa_family == AF_INET)
		a = (const unsigned char *)
		    &((const struct sockaddr_in *)sap)->sin_addr;
	else if (sa->sa_family == AF_INET6)
		a = (const unsigned char *)
		    &((const struct sockaddr_in6 *)sap)->sin6_addr;
	else
		return false;
	for (i = 0; i < n; i++) {
		if (allow[i].family != sa->sa_family)
			continue;
		full = allow[i].prefix / 8;
		rest = allow[i].prefix % 8;
		if (memcmp(a, allow[i].addr, full) != 0)
			continue;
		if (rest != 0 && ((a[full] ^ allow[i].addr[full]) &
		    (0xffu << (8 - rest)) & 0xffu) != 0)
			continue;
		return true;
	}
	return false;
}

/* ---------------------------------------------------------------------- */
/* The prober. */

/*
 * Probe every interval_ms on the monotonic clock, whether or not anyone
 * asks; publish each verdict under mu, then report it (p->probed) outside
 * every lock, so a slow disk never holds up a vote.
 */
static void *
vsrv_prober(void *arg)
{
	struct vsrv			*srv = arg;
	const struct vote_server_params	*p = srv->p;
	struct vote_probe_report	 rep;
	struct timespec			 ts;
	int64_t				 start, start_wall, next;
	int				 k;

	memset(&rep, 0, sizeof(rep));
	pthread_mutex_lock(&srv->mu);
	while (!srv->stopping) {
		pthread_mutex_unlock(&srv->mu);

		start = util_mono_ms();
		start_wall = util_wall_ms() / 1000;
		rep.detail[0] = '\0';
		rep.verdict = p->probe(p->probe_arg, rep.detail,
		    sizeof(rep.detail));
		if ((unsigned)rep.verdict >= VOTE_VERDICT_MAX)
			rep.verdict = VOTE_VERDICT_UNKNOWN;
		rep.checked_at = start_wall;
		rep.finished_at = util_wall_ms() / 1000;
		rep.duration_ms = util_mono_ms() - start;
		rep.max_age = p->max_age;
		rep.probes++;
		rep.verdicts[rep.verdict]++;
		rep.votes_served = __atomic_load_n(&srv->served,
		    __ATOMIC_RELAXED);
		for (k = 0; k < VOTE_REFUSAL_MAX; k++)
			rep.refused[k] = __atomic_load_n(&srv->refused[k],
			    __ATOMIC_RELAXED);
		log_debug("vote-server: probed the primary: %s (%lld ms)",
		    vote_verdict_str(rep.verdict), (long long)rep.duration_ms);

		pthread_mutex_lock(&srv->mu);
		srv->verdict = rep.verdict;
		srv->checked_at = rep.checked_at;
		pthread_mutex_unlock(&srv->mu);
		if (p->probed != NULL)
			p->probed(p->probed_arg, &rep);

		next = start + p->interval_ms;
		ts.tv_sec = (time_t)(next / 1000);
		ts.tv_nsec = (long)(next % 1000) * 1000000L;
		pthread_mutex_lock(&srv->mu);
		while (!srv->stopping && util_mono_ms() < next)
			if (pthread_cond_timedwait(&srv->cv, &srv->mu, &ts) ==
			    ETIMEDOUT)
				break;
	}
	pthread_mutex_unlock(&srv->mu);
	return NULL;
}

/* ---------------------------------------------------------------------- */

/* Thousands of sockets need thousands of descriptors: soft up to hard. */
static void
vsrv_raise_nofile(void)
{
	struct rlimit	rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1 || rl.rlim_cur >= rl.rlim_max)
		return;
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
		log_warn("vote-server: raising the open files limit");
}

static struct MHD_Daemon *
vsrv_daemon(struct vsrv *srv, int fd)
{
	const struct vote_server_params	*p = srv->p;
	unsigned			 flags, idle_s;

	flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ERROR_LOG;
	/* MHD's own idle timeout, in whole seconds, as a second line. */
	idle_s = (unsigned)((srv->request_timeout_ms + 999) / 1000);
	return MHD_start_daemon(flags, 0, vsrv_accept_policy, srv,
	    vsrv_handle, srv,
	    MHD_OPTION_EXTERNAL_LOGGER, vsrv_mhd_log, (void *)srv,
	    MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)(p->max_connections > 0 ?
	    p->max_connections : VOTE_MAX_CONNECTIONS_DEFAULT),
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)(p->max_per_ip > 0 ?
	    p->max_per_ip : VOTE_MAX_PER_IP_DEFAULT),
	    MHD_OPTION_CONNECTION_TIMEOUT, idle_s,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)VSRV_POOL_BYTES,
	    MHD_OPTION_THREAD_POOL_SIZE, (unsigned)(p->threads > 0 ?
	    p->threads : VSRV_THREADS),
	    MHD_OPTION_STRICT_FOR_CLIENT, (int)1,
	    MHD_OPTION_URI_LOG_CALLBACK, vsrv_uri_cb, (void *)srv,
	    MHD_OPTION_NOTIFY_COMPLETED, vsrv_completed_cb, (void *)srv,
	    MHD_OPTION_NOTIFY_CONNECTION, vsrv_notify_conn, (void *)srv,
	    MHD_OPTION_END);
}

int
vote_server_run(const struct vote_server_params *p,
    volatile sig_atomic_t *stop)
{
	struct vsrv		 srv;
	struct timespec		 ts;
	pthread_condattr_t	 ca;
	sigset_t		 block, saved;
	pthread_t		 prober;
	bool			 prober_started = false, masked = false;
	size_t			 i;
	int			 fd, rc = -1;

	memset(&srv, 0, sizeof(srv));
	srv.p = p;
	srv.log_tokens = VSRV_LOG_BURST;
	srv.log_refill_ms = util_mono_ms();
	srv.request_timeout_ms = p->request_timeout_ms > 0 ?
	    p->request_timeout_ms : VOTE_REQUEST_TIMEOUT_DEFAULT_MS;
	/* Until the first probe has finished: unknown, as of our start. */
	srv.verdict = VOTE_VERDICT_UNKNOWN;
	srv.checked_at = util_wall_ms() / 1000;
	pthread_mutex_init(&srv.mu, NULL);
	pthread_mutex_init(&srv.cmu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);	/* util_mono_ms */
	pthread_cond_init(&srv.cv, &ca);
	pthread_condattr_destroy(&ca);
	if (p->nlisten == 0 || p->secret == NULL || p->probe == NULL ||
	    !vote_name_valid(p->voter) || p->interval_ms <= 0 ||
	    p->max_age < 0) {
		log_warnx("vote-server: incomplete parameters");
		goto cleanup;
	}
	vsrv_raise_nofile();
	vsrv_nonces_init(&srv.nonces, p->nonce_cache_max > 0 ?
	    p->nonce_cache_max : VSRV_NONCE_CACHE_MAX);
	srv.daemons = util_xcalloc(p->nlisten, sizeof(*srv.daemons));

	/* Our threads inherit this mask: stop signals reach the caller. */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	if (pthread_sigmask(SIG_BLOCK, &block, &saved) == 0)
		masked = true;
	if (pthread_create(&prober, NULL, vsrv_prober, &srv) != 0) {
		log_warnx("vote-server: cannot start the prober thread");
		goto cleanup;
	}
	prober_started = true;
	for (i = 0; i < p->nlisten; i++) {
		if ((fd = vsrv_listen(p->listen[i])) == -1)
			goto cleanup;
		if ((srv.daemons[i] = vsrv_daemon(&srv, fd)) == NULL) {
			log_warnx("vote-server: cannot start the HTTP server"
			    " on %s", p->listen[i]);
			close(fd);
			goto cleanup;
		}
		srv.ndaemons = i + 1;
		log_info("vote-server: %s listening on %s", p->voter,
		    p->listen[i]);
	}
	if (masked) {
		pthread_sigmask(SIG_SETMASK, &saved, NULL);
		masked = false;
	}

	while (!*stop) {
		ts.tv_sec = 0;
		ts.tv_nsec = VSRV_STOP_POLL_MS * 1000000L;
		nanosleep(&ts, NULL);	/* EINTR on a stop signal: fine */
		vsrv_sweep(&srv);
	}
	log_info("vote-server: stopping");
	rc = 0;
cleanup:
	if (masked)
		pthread_sigmask(SIG_SETMASK, &saved, NULL);
	/* HTTP first: no vote is answered while the prober winds down. */
	for (i = 0; i < srv.ndaemons; i++)
		MHD_stop_daemon(srv.daemons[i]);	/* closes its socket */
	if (prober_started) {
		/* The prober finishes the probe under way, if any. */
		pthread_mutex_lock(&srv.mu);
		srv.stopping = true;
		pthread_cond_signal(&srv.cv);
		pthread_mutex_unlock(&srv.mu);
		pthread_join(prober, NULL);
	}
	free(srv.daemons);
	free(srv.nonces.slots);
	pthread_cond_destroy(&srv.cv);
	pthread_mutex_destroy(&srv.cmu);
	pthread_mutex_destroy(&srv.mu);
	return rc;
}
