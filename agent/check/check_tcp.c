/*
 * check_tcp.c: the tcp check (type = tcp), after relayd's check_tcp.c.
 *
 * The check passes when a TCP connection to host:port is established; it is
 * closed at once without sending anything.  The connect is our own
 * non-blocking socket, waited on by the engine's curl_multi_poll() as an
 * extra struct curl_waitfd, and its result read with getsockopt(SO_ERROR).
 * We do not let curl connect for us (CURLOPT_CONNECT_ONLY): this is the one
 * check that proves the engine's extra-fd path, which checks without a curl
 * transfer (mysql, dns) need, and SO_ERROR gives the exact errno.
 *
 * A host given as an address (the usual case: the primary's IP) needs no
 * resolver.  A host name is resolved with getaddrinfo() in prepare(), which
 * BLOCKS, bounded only by the resolver's own settings (resolv.conf timeout
 * and attempts).  The engine runs prepare() before any deadline starts, so a
 * slow resolver lengthens the cycle but cannot make another check time out.
 *
 * Every address of the host is tried at once (up to CHECK_WAITFD_MAX), and
 * the first connection established wins: a dead IPv6 route must not eat the
 * whole timeout before the IPv4 address is tried.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/check/check.h"
#include "agent/check/check_impl.h"
#include "agent/core/confdesc.h"
#include "agent/lib/log.h"
#include "agent/lib/util.h"

/* The keys of a tcp check, as its config part (below) read them. */
static const struct cfg_check_tcp *
tcp_conf(const struct cfg_check *ck)
{
	return ck->conf;
}

struct tcp_conn {
	int			 fd;		/* -1 once finished */
	int			 err;		/* errno of a failed connect */
	struct sockaddr_storage	 ss;
	socklen_t		 sslen;
	char			 name[96];	/* "[::1]:80" */
};

struct tcp_state {
	size_t		 n;
	size_t		 pending;
	struct tcp_conn	 conn[CHECK_WAITFD_MAX];
};

static void
tcp_addr_name(const struct sockaddr *sa, socklen_t salen, char *buf,
    size_t buflen)
{
	char	host[80], serv[8];

	if (getnameinfo(sa, salen, host, sizeof(host), serv, sizeof(serv),
	    NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
		snprintf(buf, buflen, "?");
		return;
	}
	if (sa->sa_family == AF_INET6)
		snprintf(buf, buflen, "[%s]:%s", host, serv);
	else
		snprintf(buf, buflen, "%s:%s", host, serv);
}

static void
tcp_release(struct check_run *run)
{
	struct tcp_state	*st = run->state;
	size_t			 i;

	if (st == NULL)
		return;
	for (i = 0; i < st->n; i++)
		if (st->conn[i].fd != -1)
			close(st->conn[i].fd);
	free(st);
	run->state = NULL;
}

/* Resolve the host (see the top of the file for when this blocks). */
static void
tcp_prepare(struct check_run *run)
{
	const struct cfg_check_tcp *c = tcp_conf(run->cfg);
	struct tcp_state	*st;
	struct addrinfo		 hints, *res = NULL, *ai;
	char			 port[8];
	int			 gai;

	if (c->host == NULL) {
		check_done(run, CHECK_INTERNAL_ERROR, "no host");
		return;
	}
	if ((st = calloc(1, sizeof(*st))) == NULL) {
		check_done(run, CHECK_INTERNAL_ERROR, "out of memory");
		return;
	}
	run->state = st;

	snprintf(port, sizeof(port), "%u", (unsigned)c->port);
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_protocol = IPPROTO_TCP;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	gai = getaddrinfo(c->host, port, &hints, &res);
	if (gai == EAI_NONAME) {
		log_debug("check %s: resolving %s", run->cfg->name,
		    c->host);
		hints.ai_flags = AI_NUMERICSERV;
		gai = getaddrinfo(c->host, port, &hints, &res);
	}
	if (gai != 0) {
		if (gai == EAI_MEMORY)
			check_done(run, CHECK_INTERNAL_ERROR, "resolve %s: %s",
			    c->host, gai_strerror(gai));
		else
			check_done(run, CHECK_RESOLVE_FAILED, "resolve %s: %s",
			    c->host, gai == EAI_SYSTEM ? strerror(errno) :
			    gai_strerror(gai));
		return;
	}
	for (ai = res; ai != NULL && st->n < CHECK_WAITFD_MAX;
	    ai = ai->ai_next) {
		struct tcp_conn *cn = &st->conn[st->n];

		if (ai->ai_addrlen > sizeof(cn->ss))
			continue;
		memcpy(&cn->ss, ai->ai_addr, ai->ai_addrlen);
		cn->sslen = ai->ai_addrlen;
		cn->fd = -1;
		tcp_addr_name(ai->ai_addr, ai->ai_addrlen, cn->name,
		    sizeof(cn->name));
		st->n++;
	}
	freeaddrinfo(res);
	if (st->n == 0)
		check_done(run, CHECK_RESOLVE_FAILED, "resolve %s: no address",
		    c->host);
}

/*
 * Every address failed.  Report a refusal if there was one (the host is up,
 * the service is not: the most telling answer), else the first failure.
 */
static void
tcp_fail(struct check_run *run)
{
	struct tcp_state	*st = run->state;
	struct tcp_conn		*cn = &st->conn[0];
	size_t			 i;
	char			 more[48] = "";

	for (i = 0; i < st->n; i++)
		if (st->conn[i].err == ECONNREFUSED) {
			cn = &st->conn[i];
			break;
		}
	if (st->n > 1)
		snprintf(more, sizeof(more), " (all %zu addresses failed)",
		    st->n);
	check_done(run, check_outcome_from_errno(cn->err), "connect to %s: %s%s",
	    cn->name, strerror(cn->err), more);
}

static void
tcp_connected(struct check_run *run, struct tcp_conn *cn)
{
	check_done(run, CHECK_OK, "connected to %s", cn->name);
}

static void
tcp_conn_failed(struct check_run *run, struct tcp_conn *cn, int err)
{
	struct tcp_state	*st = run->state;

	cn->err = err;
	close(cn->fd);
	cn->fd = -1;
	st->pending--;
	if (st->pending == 0)
		tcp_fail(run);
}

/* Start a non-blocking connect to every address. */
static void
tcp_start(struct check_run *run)
{
	struct tcp_state	*st = run->state;
	struct tcp_conn		*cn;
	size_t			 i;

	for (i = 0; i < st->n; i++) {
		cn = &st->conn[i];
		cn->fd = socket(cn->ss.ss_family,
		    SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
		if (cn->fd == -1) {
			cn->err = errno;
			continue;
		}
		if (connect(cn->fd, (struct sockaddr *)&cn->ss, cn->sslen) ==
		    0) {
			tcp_connected(run, cn);
			return;
		}
		if (errno == EINPROGRESS) {
			st->pending++;
			continue;
		}
		cn->err = errno;
		close(cn->fd);
		cn->fd = -1;
	}
	if (st->pending == 0)
		tcp_fail(run);
}

static size_t
tcp_waitfds(struct check_run *run, struct curl_waitfd *w, size_t room)
{
	struct tcp_state	*st = run->state;
	size_t			 i, n = 0;

	for (i = 0; i < st->n && n < room; i++) {
		if (st->conn[i].fd == -1)
			continue;
		w[n].fd = st->conn[i].fd;
		/* connect completion, success or failure, is writability */
		w[n].events = CURL_WAIT_POLLOUT;
		w[n].revents = 0;
		n++;
	}
	return n;
}

/* A connecting socket became writable: read how the connect ended. */
static void
tcp_ready(struct check_run *run, curl_socket_t fd, short revents)
{
	struct tcp_state	*st = run->state;
	struct tcp_conn		*cn = NULL;
	struct sockaddr_storage	 peer;
	socklen_t		 len;
	size_t			 i;
	int			 err = 0;

	(void)revents;
	for (i = 0; i < st->n; i++)
		if (st->conn[i].fd == fd)
			cn = &st->conn[i];
	if (cn == NULL)
		return;
	len = sizeof(err);
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1)
		err = errno;
	if (err != 0) {
		tcp_conn_failed(run, cn, err);
		return;
	}
	/* Belt and braces: a spurious wake-up leaves it still connecting. */
	len = sizeof(peer);
	if (getpeername(fd, (struct sockaddr *)&peer, &len) == -1) {
		if (errno != ENOTCONN)
			tcp_conn_failed(run, cn, errno);
		return;
	}
	tcp_connected(run, cn);
}

static void
tcp_expire(struct check_run *run)
{
	struct tcp_state	*st = run->state;
	const char		*name = "?";
	size_t			 i;
	char			 limit[32];

	for (i = 0; i < st->n; i++)
		if (st->conn[i].fd != -1) {
			name = st->conn[i].name;
			break;
		}
	util_duration_format(run->cfg->timeout_ms, limit, sizeof(limit));
	check_done(run, CHECK_TIMEOUT, "connect to %s: no answer within %s",
	    name, limit);
}

const struct check_ops check_tcp_ops = {
	.name = "tcp",
	.prepare = tcp_prepare,
	.start = tcp_start,
	.waitfds = tcp_waitfds,
	.ready = tcp_ready,
	.expire = tcp_expire,
	.release = tcp_release,
};

/* ---- [check:NAME] type = tcp: its keys (agent/core/confdesc.h) ---- */

static const struct cfg_key tcp_keys[] = {
	{ .name = "host", .type = CFG_T_CUSTOM, .flags = CFG_F_REQUIRED |
	  CFG_F_OWNED, CFG_AT(struct cfg_check_tcp, host),
	  .doc = "HOST or HOST:PORT to connect to" },
	{ .name = "port", .type = CFG_T_CUSTOM,
	  .doc = "the port, unless in host" },
	{ .name = NULL }
};

static void
tcp_conf_validate(struct cfg_ctx *c, const struct cfg_sec *s,
    struct cfg_check *chk)
{
	struct cfg_check_tcp	*ck = chk->conf;
	struct util_hostport	 hp;
	const char		*v;
	char			 err[256];
	int			 line;
	long long		 n;

	memset(&hp, 0, sizeof(hp));
	if ((v = cfg_get_str(c, s, "host", false, &line)) != NULL) {
		if (util_hostport_parse(v, 0, &hp, err, sizeof(err)) == -1)
			cfg_error(c, line, "bad host %s", err);
		else
			ck->host = util_xstrdup(hp.host);
	}
	if (hp.port != 0 && cfg_sec_get(s, "port") != NULL)
		cfg_error(c, cfg_sec_get(s, "port")->line, "port given twice:"
		    " in host and here; keep one");
	else if (hp.port == 0 && cfg_sec_get(s, "port") == NULL &&
	    ck->host != NULL)
		cfg_error(c, s->line, "missing key 'port' in [%s]", s->name);
	n = hp.port;
	cfg_get_num(c, s, "port", 1, 65535, &n);
	ck->port = (uint16_t)n;
}

const struct cfg_check_type check_tcp_type = {
	.name = "tcp",
	.ops = &check_tcp_ops,
	.keys = tcp_keys,
	.conf_size = sizeof(struct cfg_check_tcp),
	.timeout_ms = 5000,
	.validate = tcp_conf_validate,
};
