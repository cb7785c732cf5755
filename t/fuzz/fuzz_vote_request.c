/*
 * fuzz_vote_request.c: a vote request as the spare's server sees it once
 * libmicrohttpd has split it: the method, the raw request target (query
 * string as sent) and the header lines, through the server's own handler
 * (vsrv_uri_cb, vsrv_handle twice as MHD calls it, vsrv_completed_cb) with
 * its size, syntax, MAC, clock, target and replay checks and the signed
 * answer.  quorum/vote_server.c is included for its static handler; the
 * four libmicrohttpd calls that need a live connection are replaced below
 * (the executable's definitions win over the library's), responses are
 * real MHD responses.
 *
 * Input: "METHOD TARGET" on the first line, then "Name: value" lines.  In
 * TARGET, "@NOW@" becomes the current UNIX time; a header value "@SIGN@"
 * becomes "FA-HMAC-SHA256 " and the right MAC of the query (the fuzzer
 * cannot forge one), so the checks behind the MAC are reached too.
 */
#include "quorum/vote_server.c"
#include "t/fuzz/fuzz.h"

#define FUZZ_HEADERS_MAX	32

struct fuzz_conn {
	size_t		 n;
	const char	*name[FUZZ_HEADERS_MAX];
	const char	*value[FUZZ_HEADERS_MAX];
	unsigned	 status;		/* queued, 0: none */
};

int
MHD_get_connection_values(struct MHD_Connection *connection,
    enum MHD_ValueKind kind, MHD_KeyValueIterator iterator,
    void *iterator_cls)
{
	struct fuzz_conn	*c = (struct fuzz_conn *)(void *)connection;
	size_t			 i;

	if (kind != MHD_HEADER_KIND)
		return 0;
	for (i = 0; i < c->n; i++)
		if (iterator != NULL && iterator(iterator_cls, kind,
		    c->name[i], c->value[i]) != MHD_YES)
			break;
	return (int)i;
}

enum MHD_Result
MHD_queue_response(struct MHD_Connection *connection, unsigned int status,
    struct MHD_Response *response)
{
	struct fuzz_conn *c = (struct fuzz_conn *)(void *)connection;

	if (response == NULL || c->status != 0)
		abort();	/* MHD refuses a second response */
	c->status = status;
	return MHD_YES;
}

void
MHD_suspend_connection(struct MHD_Connection *connection)
{
	(void)connection;
}

const union MHD_ConnectionInfo *
MHD_get_connection_info(struct MHD_Connection *connection,
    enum MHD_ConnectionInfoType info_type, ...)
{
	static struct sockaddr_in	sin;
	static union MHD_ConnectionInfo	ci;

	(void)connection;
	if (info_type != MHD_CONNECTION_INFO_CLIENT_ADDRESS)
		return NULL;
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(0x7f000001);
	ci.client_addr = (struct sockaddr *)&sin;
	return &ci;
}

static const char fuzz_secret[] = "0123456789abcdef0123456789abcdef";

/* s with every "@NOW@" replaced by now; caller frees. */
static char *
with_now(const char *s, long long now)
{
	char	ts[32], *out, *o;
	size_t	tl, n = 0;
	const char *p;

	tl = (size_t)snprintf(ts, sizeof(ts), "%lld", now);
	for (p = s; (p = strstr(p, "@NOW@")) != NULL; p += 5)
		n++;
	out = util_xcalloc(1, strlen(s) + n * tl + 1);
	for (o = out; *s != '\0';) {
		if (strncmp(s, "@NOW@", 5) == 0) {
			memcpy(o, ts, tl);
			o += tl;
			s += 5;
		} else
			*o++ = *s++;
	}
	return out;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vote_server_params	 p;
	static struct vote_secret		*sec;
	/* The refusal log's token bucket lives as long as a real server. */
	static int64_t				 log_refill_ms;
	static unsigned				 log_tokens = VSRV_LOG_BURST;
	static unsigned long			 log_suppressed;
	struct vsrv				 srv;
	struct fuzz_conn			 conn;
	struct MHD_Connection			*mc;
	char		*text, *line, *next, *sp, *colon, *target, *url, *q;
	char		 canon[VOTE_REQUEST_MAX + 64], mac[VOTE_MAC_HEX_LEN + 1];
	char		 auth[sizeof(VOTE_AUTH_SCHEME) + VOTE_MAC_HEX_LEN + 1];
	const char	*method;
	void		*req_cls;
	size_t		 upload = 0;
	int		 i;

	if (sec == NULL) {
		if ((sec = vote_secret_new(fuzz_secret,
		    sizeof(fuzz_secret) - 1)) == NULL)
			abort();
		p.voter = "paris";
		p.secret = sec;
		p.interval_ms = 5000;
		p.max_age = 12;
	}
	text = fuzz_strndup(data, size);
	if ((next = strchr(text, '\n')) != NULL)
		*next++ = '\0';
	line = text;
	line[strcspn(line, "\r")] = '\0';
	if ((sp = strchr(line, ' ')) == NULL) {
		free(text);
		return 0;
	}
	*sp = '\0';
	method = line;
	target = with_now(sp + 1, (long long)(util_wall_ms() / 1000));
	auth[0] = '\0';
	if ((q = strchr(target, '?')) != NULL &&
	    vote_canonical_string(q + 1, canon, sizeof(canon)) != -1 &&
	    vote_mac_hex(sec, canon, strlen(canon), mac) == 0)
		snprintf(auth, sizeof(auth), "%s %s", VOTE_AUTH_SCHEME, mac);

	memset(&conn, 0, sizeof(conn));
	for (line = next; line != NULL && conn.n < FUZZ_HEADERS_MAX;
	    line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		line[strcspn(line, "\r")] = '\0';
		if ((colon = strchr(line, ':')) == NULL)
			continue;
		*colon++ = '\0';
		while (*colon == ' ')
			colon++;
		conn.name[conn.n] = line;
		conn.value[conn.n] = strcmp(colon, "@SIGN@") == 0 ? auth :
		    colon;
		conn.n++;
	}

	memset(&srv, 0, sizeof(srv));
	srv.p = &p;
	srv.log_refill_ms = log_refill_ms;
	srv.log_tokens = log_tokens;
	srv.log_suppressed = log_suppressed;
	pthread_mutex_init(&srv.mu, NULL);
	pthread_mutex_init(&srv.cmu, NULL);
	pthread_cond_init(&srv.cv, NULL);
	vsrv_nonces_init(&srv.nonces, 64);
	srv.request_timeout_ms = 2000;
	srv.verdict = VOTE_VERDICT_DOWN;
	srv.checked_at = util_wall_ms() / 1000;

	/* What MHD does: the URI callback, the handler until answered. */
	mc = (struct MHD_Connection *)(void *)&conn;
	url = util_xstrdup(target);
	url[strcspn(url, "?")] = '\0';
	req_cls = vsrv_uri_cb(&srv, target, mc);
	for (i = 0; i < 3 && conn.status == 0; i++)
		if (vsrv_handle(&srv, mc, url, method, "HTTP/1.1", NULL,
		    &upload, &req_cls) == MHD_NO)
			break;
	vsrv_completed_cb(&srv, mc, &req_cls, MHD_REQUEST_TERMINATED_COMPLETED_OK);

	log_refill_ms = srv.log_refill_ms;
	log_tokens = srv.log_tokens;
	log_suppressed = srv.log_suppressed;
	free(srv.nonces.slots);
	pthread_mutex_destroy(&srv.mu);
	pthread_mutex_destroy(&srv.cmu);
	pthread_cond_destroy(&srv.cv);
	free(url);
	free(target);
	free(text);
	return 0;
}
