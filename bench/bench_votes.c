/*
 * bench_votes.c: signed votes per second against one vote server on
 * loopback.  Not a test (no pass/fail).
 *
 *   bench_votes [-c CLIENTS] [-d SECONDS] [-p PROBE_MS] [-C CACHE_MS]
 *               [-t SERVER_THREADS] [-n NONCE_MAX] [-f] [-u URL]
 *
 * Starts vote_server_run() in this process on 127.0.0.1 (a free port),
 * with a probe that takes PROBE_MS (a simulated primary; default 50 ms) and
 * counts its calls, then runs CLIENTS threads (default 4) for SECONDS
 * (default 5).  Each client signs its own requests (vote_request_build(): a
 * fresh nonce and HMAC each time), sends them one after the other on its own
 * connection (keep-alive; -f: a fresh connection per request, like the
 * agent), and verifies every answer (vote_response_verify()).  Prints valid
 * votes per second, p50/p99/max latency of a request (sign + round trip +
 * verify), what was refused, and how many times the primary was probed.
 * Exits 1 when nothing was measured (no valid answer at all).
 *
 * The replay cache must hold every nonce of the last minute: the default
 * NONCE_MAX here is 2^21 (about 35000 requests a second for a minute), far
 * above the server's default of 65536; when it fills, the server answers
 * 503 and those show up as refused.
 *
 * -u URL: no vote server and no signing: the same clients send a plain GET
 * to URL (another server on loopback, e.g. nginx answering a static 200)
 * and count each 200 as "ok", so that bench/run.sh compares both servers
 * with one client.  Latency is then the round trip alone.
 *
 * Build (from the top of the tree; add -fsanitize=address,undefined to
 * check it, drop -O2 to debug):
 *   cc -std=c11 -D_GNU_SOURCE -Wall -Wextra -Wstrict-prototypes \
 *      -Wmissing-prototypes -Wshadow -Wpointer-arith -Wcast-qual -Werror \
 *      -O2 -I. $(pkg-config --cflags libcurl jansson libcrypto libmicrohttpd) \
 *      -o build/bench_votes bench/bench_votes.c quorum/vote_proto.c \
 *      quorum/vote_client.c quorum/vote_server.c agent/util.c agent/log.c \
 *      $(pkg-config --libs libcurl jansson libcrypto libmicrohttpd) -lpthread
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/rand.h>

#include "agent/log.h"
#include "agent/util.h"
#include "quorum/quorum.h"

struct bench {
	struct vote_secret	*secret;
	char			 base[64];	/* http://127.0.0.1:PORT */
	int64_t			 end_ms;	/* monotonic */
	long long		 probe_ms;
	atomic_ulong		 probes;
	bool			 fresh;
	const char		*plain_url;	/* -u: plain GET, no server */
	long long		 clients, cache_ms, threads, nonce_max;
};

struct client {
	struct bench	*b;
	pthread_t	 thread;
	uint32_t	*lat_us;
	size_t		 nlat, cap;
	unsigned long	 valid, refused, errors;
	unsigned long	 by_status[600];
	char		 body[VOTE_BODY_MAX + 1];
	size_t		 bodylen;
	bool		 capped;
	char		 sig[VOTE_MAC_HEX_LEN + 1];
};

static volatile sig_atomic_t	server_stop;

static int64_t
now_us(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static enum vote_verdict
bench_probe(void *arg)
{
	struct bench	*b = arg;
	struct timespec	 ts;

	ts.tv_sec = b->probe_ms / 1000;
	ts.tv_nsec = (b->probe_ms % 1000) * 1000000L;
	nanosleep(&ts, NULL);		/* a primary that takes probe_ms */
	atomic_fetch_add(&b->probes, 1);
	return VOTE_VERDICT_DOWN;
}

static size_t
bench_write(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct client	*c = arg;
	size_t		 n = size * nmemb;

	if (n > VOTE_BODY_MAX - c->bodylen) {
		c->capped = true;
		return 0;
	}
	memcpy(c->body + c->bodylen, ptr, n);
	c->bodylen += n;
	return n;
}

static size_t
bench_header(char *buf, size_t size, size_t nitems, void *arg)
{
	struct client	*c = arg;
	size_t		 n = size * nitems, k = strlen(VOTE_SIG_HEADER);

	if (n >= k + 2 + VOTE_MAC_HEX_LEN &&
	    strncasecmp(buf, VOTE_SIG_HEADER, k) == 0 && buf[k] == ':') {
		memcpy(c->sig, buf + k + 2, VOTE_MAC_HEX_LEN);
		c->sig[VOTE_MAC_HEX_LEN] = '\0';
	}
	return n;
}

static void
bench_latency_add(struct client *c, int64_t us)
{
	if (c->nlat == c->cap) {
		c->cap = c->cap == 0 ? 4096 : c->cap * 2;
		c->lat_us = util_xreallocarray(c->lat_us, c->cap,
		    sizeof(*c->lat_us));
	}
	c->lat_us[c->nlat++] = (uint32_t)us;
}

static void *
bench_client(void *arg)
{
	struct client		*c = arg;
	struct bench		*b = c->b;
	struct vote_request	 req;
	struct vote		 v;
	struct curl_slist	*hdrs;
	char			 url[VOTE_QUERY_MAX + 96], auth[160];
	CURL			*e;
	CURLcode		 rc;
	long			 status;
	int64_t			 t0;

	if ((e = curl_easy_init()) == NULL)
		fatalx("curl_easy_init");
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_PROXY, "");
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, 10000L);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, bench_write);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, (void *)c);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, bench_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, (void *)c);
	if (b->fresh) {
		curl_easy_setopt(e, CURLOPT_FRESH_CONNECT, 1L);
		curl_easy_setopt(e, CURLOPT_FORBID_REUSE, 1L);
	}
	while (util_mono_ms() < b->end_ms && b->plain_url != NULL) {
		t0 = now_us();
		curl_easy_setopt(e, CURLOPT_URL, b->plain_url);
		c->bodylen = 0;
		c->capped = false;
		rc = curl_easy_perform(e);
		status = 0;
		curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
		if (rc != CURLE_OK) {
			c->errors++;
			continue;
		}
		if (status >= 0 && status < 600)
			c->by_status[status]++;
		if (status != 200) {
			c->refused++;
			continue;
		}
		c->valid++;
		bench_latency_add(c, now_us() - t0);
	}
	while (util_mono_ms() < b->end_ms && b->plain_url == NULL) {
		t0 = now_us();
		if (vote_request_build(b->secret, "bench", util_wall_ms() /
		    1000, NULL, &req) == -1)
			fatalx("vote_request_build");
		snprintf(url, sizeof(url), "%s%s?%s", b->base, VOTE_PATH,
		    req.query);
		snprintf(auth, sizeof(auth), "Authorization: %s",
		    req.authorization);
		hdrs = curl_slist_append(NULL, auth);
		curl_easy_setopt(e, CURLOPT_URL, url);
		curl_easy_setopt(e, CURLOPT_HTTPHEADER, hdrs);
		c->bodylen = 0;
		c->capped = false;
		c->sig[0] = '\0';
		rc = curl_easy_perform(e);
		curl_slist_free_all(hdrs);
		status = 0;
		curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
		if (rc != CURLE_OK) {
			c->errors++;
			continue;
		}
		if (status >= 0 && status < 600)
			c->by_status[status]++;
		if (status != 200) {
			c->refused++;
			continue;
		}
		if (vote_response_verify(b->secret, &req, c->sig[0] != '\0' ?
		    c->sig : NULL, c->body, c->bodylen, &v, NULL, 0) !=
		    VOTE_VALID) {
			c->errors++;
			continue;
		}
		c->valid++;
		bench_latency_add(c, now_us() - t0);
	}
	curl_easy_cleanup(e);
	return NULL;
}

struct server_arg {
	struct vote_server_params	*p;
	int				 rc;
};

static void *
bench_server(void *arg)
{
	struct server_arg	*sa = arg;

	sa->rc = vote_server_run(sa->p, &server_stop);
	return NULL;
}

/* A port that was free a moment ago (the kernel's pick for port 0). */
static unsigned
bench_free_port(void)
{
	struct sockaddr_in	sin;
	socklen_t		len = sizeof(sin);
	int			fd;

	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		fatal("socket");
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) == -1)
		fatal("bind");
	close(fd);
	return ntohs(sin.sin_port);
}

static bool
bench_ready(const char *base)
{
	char	 url[128];
	CURL	*e;
	long	 status = 0;

	snprintf(url, sizeof(url), "%s%s", base, VOTE_HEALTH_PATH);
	if ((e = curl_easy_init()) == NULL)
		return false;
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
	curl_easy_setopt(e, CURLOPT_PROXY, "");
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, 500L);
	if (curl_easy_perform(e) == CURLE_OK)
		curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(e);
	return status == 200;
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t	x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static long long
opt_num(const char *s, long long min, long long max)
{
	const char	*errstr;
	long long	 v;

	if (util_number_parse(s, min, max, &v, &errstr) == -1)
		fatalx("bench_votes: %s: %s", s, errstr);
	return v;
}

/*
 * A random secret in b->secret, and vote_server_run() on a thread (*st) on
 * 127.0.0.1 at a free port (b->base), with bounds sized for the clients;
 * returns once /v1/health answers.  p and *sa must outlive the server.
 */
static void
bench_server_start(struct bench *b, struct vote_server_params *p,
    struct server_arg *sa, pthread_t *st)
{
	/* static: they must outlive the server */
	static char		 listen_addr[32];
	static const char	*listen[1];
	unsigned char		 raw[32];
	char			 key[65];
	size_t			 k;
	int			 i;

	/* A random secret, as hex like `openssl rand -hex 32`. */
	if (RAND_bytes(raw, sizeof(raw)) != 1)
		fatalx("RAND_bytes");
	for (k = 0; k < sizeof(raw); k++)
		snprintf(key + 2 * k, 3, "%02x", raw[k]);
	b->secret = vote_secret_new(key, 64);
	util_wipe(key, sizeof(key));

	snprintf(listen_addr, sizeof(listen_addr), "127.0.0.1:%u",
	    bench_free_port());
	snprintf(b->base, sizeof(b->base), "http://%s", listen_addr);
	listen[0] = listen_addr;
	memset(p, 0, sizeof(*p));
	p->listen = listen;
	p->nlisten = 1;
	p->voter = "bench-spare";
	p->secret = b->secret;
	p->cache_ms = b->cache_ms;
	p->probe = bench_probe;
	p->probe_arg = b;
	p->max_connections = (unsigned)b->clients + 16;
	p->max_per_ip = (unsigned)b->clients + 16;
	p->nonce_cache_max = (size_t)b->nonce_max;
	p->threads = (unsigned)b->threads;
	sa->p = p;
	if (pthread_create(st, NULL, bench_server, sa) != 0)
		fatalx("pthread_create");
	for (i = 0; !bench_ready(b->base); i++) {
		if (i == 100 || sa->rc != 0)
			fatalx("bench_votes: the vote server did not come up");
		usleep(20000);
	}
}

int
main(int argc, char **argv)
{
	struct vote_server_params	 p;
	struct server_arg		 sa;
	struct bench			 b;
	struct client			*cl;
	pthread_t			 st;
	uint32_t			*all;
	size_t				 nall = 0;
	unsigned long			 valid = 0, refused = 0, errors = 0;
	unsigned long			 by_status[600];
	long long			 clients = 4, seconds = 5, cache_ms = 5000;
	long long			 threads = 1, nonce_max = 1 << 21;
	int64_t				 start, elapsed;
	int				 ch, i, s;

	memset(&b, 0, sizeof(b));
	b.probe_ms = 50;
	while ((ch = getopt(argc, argv, "c:d:p:C:t:n:fu:")) != -1) {
		switch (ch) {
		case 'c':
			clients = opt_num(optarg, 1, 1024);
			break;
		case 'd':
			seconds = opt_num(optarg, 1, 3600);
			break;
		case 'p':
			b.probe_ms = opt_num(optarg, 0, 60000);
			break;
		case 'C':
			cache_ms = opt_num(optarg, 0, 3600000);
			break;
		case 't':
			threads = opt_num(optarg, 1, 64);
			break;
		case 'n':
			nonce_max = opt_num(optarg, 1, 1 << 26);
			break;
		case 'f':
			b.fresh = true;
			break;
		case 'u':
			if (strncmp(optarg, "http://", 7) != 0)
				fatalx("bench_votes: -u takes an http:// URL");
			b.plain_url = optarg;
			break;
		default:
			fprintf(stderr, "usage: bench_votes [-c clients]"
			    " [-d seconds] [-p probe_ms] [-C cache_ms]"
			    " [-t server_threads] [-n nonce_max] [-f]"
			    " [-u url]\n");
			return 2;
		}
	}
	log_init(LOG_TARGET_STDERR, -1);
	signal(SIGPIPE, SIG_IGN);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	sa.rc = 0;
	b.clients = clients;
	b.cache_ms = cache_ms;
	b.threads = threads;
	b.nonce_max = nonce_max;
	if (b.plain_url == NULL)
		bench_server_start(&b, &p, &sa, &st);

	cl = util_xcalloc((size_t)clients, sizeof(*cl));
	start = util_mono_ms();
	b.end_ms = start + seconds * 1000;
	for (i = 0; i < clients; i++) {
		cl[i].b = &b;
		if (pthread_create(&cl[i].thread, NULL, bench_client,
		    &cl[i]) != 0)
			fatalx("pthread_create");
	}
	memset(by_status, 0, sizeof(by_status));
	for (i = 0; i < clients; i++) {
		pthread_join(cl[i].thread, NULL);
		valid += cl[i].valid;
		refused += cl[i].refused;
		errors += cl[i].errors;
		nall += cl[i].nlat;
		for (s = 0; s < 600; s++)
			by_status[s] += cl[i].by_status[s];
	}
	elapsed = util_mono_ms() - start;
	if (b.plain_url == NULL) {
		server_stop = 1;
		pthread_join(st, NULL);
	}

	all = util_xcalloc(nall + 1, sizeof(*all));
	for (nall = 0, i = 0; i < clients; i++) {
		if (cl[i].nlat > 0)	/* lat_us is NULL then */
			memcpy(all + nall, cl[i].lat_us,
			    cl[i].nlat * sizeof(*all));
		nall += cl[i].nlat;
		free(cl[i].lat_us);
	}
	qsort(all, nall, sizeof(*all), cmp_u32);

	if (b.plain_url != NULL) {
		printf("bench_votes: %lld clients, %lld s, %s, plain GET %s\n",
		    clients, seconds, b.fresh ? "a connection per request" :
		    "keep-alive", b.plain_url);
		printf("requests: %lu ok, %.0f/s; %lu refused; %lu errors\n",
		    valid, elapsed > 0 ? valid * 1000.0 / (double)elapsed :
		    0.0, refused, errors);
	} else {
		printf("bench_votes: %lld clients, %lld s, %s, server threads"
		    " %lld, cache %lld ms, probe %lld ms, replay cache %lld\n",
		    clients, seconds, b.fresh ? "a connection per request" :
		    "keep-alive", threads, cache_ms, b.probe_ms, nonce_max);
		printf("votes:    %lu valid, %.0f/s; %lu refused; %lu errors\n",
		    valid, elapsed > 0 ? valid * 1000.0 / (double)elapsed :
		    0.0, refused, errors);
	}
	for (s = 0; s < 600; s++)
		if (s != 200 && by_status[s] > 0)
			printf("          HTTP %d: %lu\n", s, by_status[s]);
	if (nall > 0)
		printf("latency:  p50 %.3f ms, p99 %.3f ms, max %.3f ms\n",
		    all[nall / 2] / 1000.0, all[(nall * 99) / 100] / 1000.0,
		    all[nall - 1] / 1000.0);
	if (b.plain_url == NULL)
		printf("probes:   %lu of the primary for %lu valid votes\n",
		    (unsigned long)atomic_load(&b.probes), valid);
	free(all);
	free(cl);
	vote_secret_free(b.secret);
	curl_global_cleanup();
	/* Nothing measured (no server, every answer refused): say so. */
	return sa.rc == 0 && valid > 0 ? 0 : 1;
}
