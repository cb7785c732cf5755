/*
 * bench_votes.c: signed votes per second against one vote server on
 * loopback.  Not a test (no pass/fail).
 *
 *   bench_votes [-c CLIENTS] [-d SECONDS] [-N REQUESTS] [-p PROBE_MS]
 *               [-i INTERVAL_MS] [-t SERVER_THREADS] [-n NONCE_MAX]
 *               [-s SLOW] [-r] [-f] [-u URL]
 *
 * Starts vote_server_run() in this process on 127.0.0.1 (a free port),
 * probing every INTERVAL_MS (default 5000) with a probe that takes PROBE_MS
 * (a simulated primary; default 50 ms; a silent primary is a probe as long
 * as its check timeout, e.g. -p 5000) and counts its calls, then runs
 * CLIENTS threads (default 4) for SECONDS (default 5), or until REQUESTS
 * requests were sent in all (-N).  SERVER_THREADS is the server's thread
 * pool (default 2).  -s SLOW: a child process holds SLOW slowloris
 * connections open meanwhile (one byte every 500 ms, never a whole
 * request; each one the server closes is opened again), from 127.0.0.2.
 * -r: the process's RSS and open descriptors once the server is up, after
 * half of the -N requests (the replay cache, allocated once and touched at
 * random, is then wholly in memory: what grows after that is a leak) and
 * after the run (the server lives in this process); latencies are not
 * kept then.  Each client signs its own requests (vote_request_build(): a
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
 *      quorum/vote_client.c quorum/vote_server.c agent/lib/util.c agent/lib/log.c \
 *      $(pkg-config --libs libcurl jansson libcrypto libmicrohttpd) -lpthread
 */
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
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

#include "agent/lib/log.h"
#include "agent/lib/util.h"
#include "quorum/quorum.h"

struct bench {
	struct vote_secret	*secret;
	char			 base[64];	/* http://127.0.0.1:PORT */
	int64_t			 end_ms;	/* monotonic */
	long long		 probe_ms;
	atomic_ulong		 probes;
	bool			 fresh;
	const char		*plain_url;	/* -u: plain GET, no server */
	long long		 clients, interval_ms, threads, nonce_max;
	long long		 limit, slow;	/* -N, -s */
	atomic_llong		 sent, done;
	bool			 resources;	/* -r */
	unsigned		 port;
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
bench_probe(void *arg, char *detail, size_t detaillen)
{
	struct bench	*b = arg;
	struct timespec	 ts;

	(void)detail;
	(void)detaillen;
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

static void bench_resources(const char *);

static void
bench_latency_add(struct client *c, int64_t us)
{
	struct bench	*b = c->b;

	if (b->resources) {
		if (atomic_fetch_add(&b->done, 1) + 1 == b->limit / 2)
			bench_resources("half-way");
		return;
	}
	if (c->nlat == c->cap) {
		c->cap = c->cap == 0 ? 4096 : c->cap * 2;
		c->lat_us = util_xreallocarray(c->lat_us, c->cap,
		    sizeof(*c->lat_us));
	}
	c->lat_us[c->nlat++] = (uint32_t)us;
}

/* One more request allowed (-N), and the time not over? */
static bool
bench_go(struct bench *b)
{
	if (util_mono_ms() >= b->end_ms)
		return false;
	return b->limit == 0 || atomic_fetch_add(&b->sent, 1) < b->limit;
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
	while (b->plain_url != NULL && bench_go(b)) {
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
	while (b->plain_url == NULL && bench_go(b)) {
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

/*
 * The child of -s: hold n slowloris connections to 127.0.0.1:port from
 * 127.0.0.2, opening again each one the server closes, until SIGTERM.
 * No allocation after the fork but the one array made here.
 */
static void
bench_slow_child(unsigned port, long long n)
{
	static const char	 req[] = "GET /v1/vote?target=primary HTTP/1.1\r\n"
	    "Host: x\r\nX-Slow: ";
	struct sockaddr_in	 src, dst;
	struct pollfd		*pf;
	int64_t			 next = 0;
	long long		 i;
	size_t			*sent;
	char			 buf[512];

	pf = calloc((size_t)n, sizeof(*pf));
	sent = calloc((size_t)n, sizeof(*sent));
	if (pf == NULL || sent == NULL)
		_exit(1);
	memset(&src, 0, sizeof(src));
	src.sin_family = AF_INET;
	inet_pton(AF_INET, "127.0.0.2", &src.sin_addr);
	dst = src;
	inet_pton(AF_INET, "127.0.0.1", &dst.sin_addr);
	dst.sin_port = htons((uint16_t)port);
	for (i = 0; i < n; i++)
		pf[i].fd = -1;
	signal(SIGTERM, SIG_DFL);
	for (;;) {
		for (i = 0; i < n; i++) {
			if (pf[i].fd != -1)
				continue;
			pf[i].fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK,
			    0);
			if (pf[i].fd == -1)
				break;
			if (bind(pf[i].fd, (struct sockaddr *)&src,
			    sizeof(src)) == -1 || (connect(pf[i].fd,
			    (struct sockaddr *)&dst, sizeof(dst)) == -1 &&
			    errno != EINPROGRESS)) {
				close(pf[i].fd);
				pf[i].fd = -1;
				break;
			}
			pf[i].events = POLLIN;
			sent[i] = 0;
		}
		(void)poll(pf, (nfds_t)n, 100);
		for (i = 0; i < n; i++) {
			if (pf[i].fd == -1 || (pf[i].revents &
			    (POLLIN | POLLHUP | POLLERR)) == 0)
				continue;
			if (read(pf[i].fd, buf, sizeof(buf)) <= 0) {
				close(pf[i].fd);
				pf[i].fd = -1;
			}
		}
		if (util_mono_ms() < next)
			continue;
		next = util_mono_ms() + 500;
		for (i = 0; i < n; i++) {
			if (pf[i].fd == -1)
				continue;
			/* The request line, then one byte of a header. */
			if (write(pf[i].fd, sent[i] < sizeof(req) - 1 ?
			    req + sent[i] : "x", 1) == 1)
				sent[i]++;
		}
	}
}

/* Start the -s child; its pid. */
static pid_t
bench_slow_start(struct bench *b)
{
	pid_t	pid;

	if ((pid = fork()) == -1)
		fatal("fork");
	if (pid == 0) {
		bench_slow_child(b->port, b->slow);
		_exit(0);
	}
	return pid;
}

/* This process's resident memory (KiB) and open descriptors. */
static void
bench_resources(const char *when)
{
	FILE		*f;
	DIR		*d;
	struct dirent	*de;
	char		 line[256];
	long		 rss = -1;
	int		 nfd = 0;

	if ((f = fopen("/proc/self/status", "r")) != NULL) {
		while (fgets(line, sizeof(line), f) != NULL)
			if (strncmp(line, "VmRSS:", 6) == 0)
				rss = strtol(line + 6, NULL, 10);
		fclose(f);
	}
	if ((d = opendir("/proc/self/fd")) != NULL) {
		while ((de = readdir(d)) != NULL)
			if (de->d_name[0] != '.')
				nfd++;
		closedir(d);
		nfd--;	/* the directory itself */
	}
	printf("resources %s: rss %ld KiB, open fds %d\n", when, rss, nfd);
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

	snprintf(listen_addr, sizeof(listen_addr), "127.0.0.1:%u", b->port);
	snprintf(b->base, sizeof(b->base), "http://%s", listen_addr);
	listen[0] = listen_addr;
	memset(p, 0, sizeof(*p));
	p->listen = listen;
	p->nlisten = 1;
	p->voter = "bench-spare";
	p->secret = b->secret;
	p->interval_ms = b->interval_ms;
	p->max_age = vote_max_age(b->interval_ms, b->probe_ms);
	p->probe = bench_probe;
	p->probe_arg = b;
	/* Room for the slow connections too: the test is whether they hurt. */
	p->max_connections = (unsigned)(b->clients + b->slow) + 16;
	p->max_per_ip = (unsigned)(b->clients + b->slow) + 16;
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
	long long			 clients = 4, seconds = 5, interval_ms = 5000;
	long long			 threads = 2, nonce_max = 1 << 21;
	int64_t				 start, elapsed;
	pid_t				 slow_pid = -1;
	bool				 resources = false;
	int				 ch, i, s;

	memset(&b, 0, sizeof(b));
	b.probe_ms = 50;
	(void)resources;
	while ((ch = getopt(argc, argv, "c:d:N:p:i:t:n:s:rfu:")) != -1) {
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
		case 'i':
			interval_ms = opt_num(optarg, 1, 3600000);
			break;
		case 'N':
			b.limit = opt_num(optarg, 1, 1000000000);
			break;
		case 's':
			b.slow = opt_num(optarg, 1, 100000);
			break;
		case 'r':
			resources = b.resources = true;
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
			    " [-d seconds] [-N requests] [-p probe_ms]"
			    " [-i interval_ms] [-t server_threads]"
			    " [-n nonce_max] [-s slow] [-r] [-f] [-u url]\n");
			return 2;
		}
	}
	log_init(LOG_TARGET_STDERR, -1);
	signal(SIGPIPE, SIG_IGN);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	sa.rc = 0;
	b.clients = clients;
	b.interval_ms = interval_ms;
	b.threads = threads;
	b.nonce_max = nonce_max;
	if (b.plain_url == NULL) {
		b.port = bench_free_port();
		/* Before any thread: the child only polls its sockets. */
		if (b.slow > 0)
			slow_pid = bench_slow_start(&b);
		bench_server_start(&b, &p, &sa, &st);
		/* The first probe, so that votes say what the primary is. */
		for (i = 0; atomic_load(&b.probes) == 0 && i < 6000; i++)
			usleep(10000);
		if (b.slow > 0)
			sleep(3);	/* the slow connections pile up */
		if (resources)
			bench_resources("before");
	}

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
		if (resources)
			bench_resources("after");
		if (slow_pid != -1) {
			kill(slow_pid, SIGTERM);
			waitpid(slow_pid, NULL, 0);
		}
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
		    " %lld, interval %lld ms, probe %lld ms, replay cache %lld,"
		    " %lld slow connections\n", clients, seconds, b.fresh ?
		    "a connection per request" : "keep-alive", threads,
		    interval_ms, b.probe_ms, nonce_max, b.slow);
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
