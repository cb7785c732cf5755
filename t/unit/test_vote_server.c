/*
 * test_vote_server.c: not a TAP test by itself, the driver of t/60-vote.t.
 *
 *   test_vote_server serve --listen ADDR [--listen ADDR...] --secret FILE
 *       --name NAME --verdict-file FILE --count-file FILE
 *       [--interval-ms N] [--max-age S (default: interval + probe, in s,
 *       rounded up)] [--probe-ms N] [--max-per-ip N]
 *       [--max-conn N] [--request-timeout-ms N] [--allow CIDR]...
 *       [--nonce-max N]
 *     Run vote_server_run() until SIGTERM/SIGINT.  Each probe reads its
 *     verdict from --verdict-file ("up", "down", "unknown"), takes
 *     --probe-ms (a slow primary; FILE.probing, FILE being --count-file,
 *     exists from its start), then writes the number of probes so far to
 *     --count-file.  FILE.report holds the last probe report ("probes N
 *     verdict V checked_at T max_age S") written by the probed callback.
 *     Exit 0 after a clean stop, 3 if it could not start (the test then
 *     tries another port).
 *
 *   test_vote_server ask --secret FILE --from NAME --timeout-ms N
 *       --need N --max-up N [--need-down N] NAME=URL...
 *     Run vote_client_ask() and quorum_tally(); print one line per spare
 *       spare NAME REASON VERDICT VOTER HTTP_STATUS | DETAIL
 *     then "tally RESULT valid=N up=N down=N unknown=N" and "down_votes N".
 *
 *   test_vote_server health --timeout-ms N NAME=URL...
 *     Run vote_client_health(); print "spare NAME REASON HTTP_STATUS |
 *     DETAIL" per spare, then "answered N".
 *
 *   test_vote_server fake --listen IPv4:PORT --status N [--location URL]
 *       [--body-bytes N] [--hang]
 *     A minimal HTTP responder (t/unit/fakehttp.c) for answers a vote
 *     server never gives: a redirect, an oversized body, or (--hang)
 *     accepting and never answering.  Until SIGTERM.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "agent/lib/log.h"
#include "agent/lib/util.h"
#include "quorum/quorum.h"
#include "t/unit/fakehttp.h"

static volatile sig_atomic_t	stop;

struct probe_state {
	const char	*verdict_file;
	const char	*count_file;
	long long	 probe_ms;
	unsigned long	 count;
};

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void
usage(void)
{
	fprintf(stderr, "usage: test_vote_server serve|ask|health|fake ...\n");
	exit(2);
}

static long long
num(const char *s, long long min, long long max)
{
	const char	*errstr;
	long long	 v;

	if (util_number_parse(s, min, max, &v, &errstr) == -1)
		fatalx("number %s: %s", s, errstr);
	return v;
}

/* Sleep ms in small steps, so a stop request is not held up by a probe. */
static void
nap(long long ms)
{
	struct timespec	ts;
	int64_t		end = util_mono_ms() + ms;

	while (!stop && util_mono_ms() < end) {
		ts.tv_sec = 0;
		ts.tv_nsec = 10 * 1000000L;
		nanosleep(&ts, NULL);
	}
}

static enum vote_verdict
probe(void *arg, char *detail, size_t detaillen)
{
	struct probe_state	*ps = arg;
	char			 buf[32] = "", tmp[PATH_MAX];
	FILE			*f;
	int			 v;

	if ((f = fopen(ps->verdict_file, "r")) != NULL) {
		if (fgets(buf, sizeof(buf), f) == NULL)
			buf[0] = '\0';
		fclose(f);
	}
	util_trim(buf);
	/* FILE.probing exists while a probe runs: the test can wait for it. */
	snprintf(tmp, sizeof(tmp), "%s.probing", ps->count_file);
	if ((f = fopen(tmp, "w")) != NULL)
		fclose(f);
	nap(ps->probe_ms);
	ps->count++;
	/* Written before the probe returns, so before any answer uses it. */
	snprintf(tmp, sizeof(tmp), "%s.tmp", ps->count_file);
	if ((f = fopen(tmp, "w")) == NULL)
		fatal("%s", tmp);
	fprintf(f, "%lu\n", ps->count);
	if (fclose(f) != 0 || rename(tmp, ps->count_file) == -1)
		fatal("%s", ps->count_file);
	snprintf(detail, detaillen, "from %s", ps->verdict_file);
	if ((v = vote_verdict_from_str(buf)) == -1)
		return VOTE_VERDICT_UNKNOWN;
	return (enum vote_verdict)v;
}

/* The probed callback: FILE.report, renamed into place. */
static void
probed(void *arg, const struct vote_probe_report *rep)
{
	struct probe_state	*ps = arg;
	char			 tmp[PATH_MAX], path[PATH_MAX];
	FILE			*f;

	snprintf(tmp, sizeof(tmp), "%s.report.tmp", ps->count_file);
	snprintf(path, sizeof(path), "%s.report", ps->count_file);
	if ((f = fopen(tmp, "w")) == NULL)
		fatal("%s", tmp);
	fprintf(f, "probes %llu verdict %s checked_at %lld max_age %lld\n",
	    (unsigned long long)rep->probes, vote_verdict_str(rep->verdict),
	    (long long)rep->checked_at, (long long)rep->max_age);
	if (fclose(f) != 0 || rename(tmp, path) == -1)
		fatal("%s", path);
}

static void
signals(void)
{
	struct sigaction	sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

static struct vote_secret *
secret(const char *path)
{
	struct vote_secret	*s;
	char			 err[512];

	if (path == NULL)
		usage();
	if (vote_secret_load(path, &s, err, sizeof(err)) == -1)
		fatalx("%s", err);
	return s;
}

static int
cmd_serve(int argc, char **argv)
{
	struct vote_server_params	 p;
	struct probe_state		 ps;
	struct vote_secret		*s = NULL;
	struct vote_cidr		 allow[8];
	const char			*listen[8], *secret_file = NULL;
	char				 err[160];
	int				 i, rc;

	memset(&p, 0, sizeof(p));
	memset(&ps, 0, sizeof(ps));
	p.interval_ms = 5000;
	p.max_age = -1;		/* default: vote_max_age(interval, probe) */
	for (i = 0; i < argc; i++) {
		if (i + 1 >= argc)
			usage();
		if (strcmp(argv[i], "--listen") == 0) {
			if (p.nlisten >= FA_ARRAY_SIZE(listen))
				usage();
			listen[p.nlisten++] = argv[++i];
		} else if (strcmp(argv[i], "--secret") == 0)
			secret_file = argv[++i];
		else if (strcmp(argv[i], "--name") == 0)
			p.voter = argv[++i];
		else if (strcmp(argv[i], "--verdict-file") == 0)
			ps.verdict_file = argv[++i];
		else if (strcmp(argv[i], "--count-file") == 0)
			ps.count_file = argv[++i];
		else if (strcmp(argv[i], "--interval-ms") == 0)
			p.interval_ms = num(argv[++i], 1, 86400000);
		else if (strcmp(argv[i], "--max-age") == 0)
			p.max_age = num(argv[++i], 0, 86400);
		else if (strcmp(argv[i], "--request-timeout-ms") == 0)
			p.request_timeout_ms = num(argv[++i], 1, 600000);
		else if (strcmp(argv[i], "--max-conn") == 0)
			p.max_connections = (unsigned)num(argv[++i], 1, 100000);
		else if (strcmp(argv[i], "--allow") == 0) {
			if (p.nallow >= FA_ARRAY_SIZE(allow))
				usage();
			if (vote_cidr_parse(argv[++i], &allow[p.nallow], err,
			    sizeof(err)) == -1)
				fatalx("--allow %s", err);
			p.nallow++;
		}
		else if (strcmp(argv[i], "--probe-ms") == 0)
			ps.probe_ms = num(argv[++i], 0, 600000);
		else if (strcmp(argv[i], "--max-per-ip") == 0)
			p.max_per_ip = (unsigned)num(argv[++i], 1, 100000);
		else if (strcmp(argv[i], "--nonce-max") == 0)
			p.nonce_cache_max = (size_t)num(argv[++i], 1, 1 << 24);
		else
			usage();
	}
	if (p.nlisten == 0 || p.voter == NULL || ps.verdict_file == NULL ||
	    ps.count_file == NULL)
		usage();
	if (p.max_age < 0)
		p.max_age = vote_max_age(p.interval_ms, ps.probe_ms);
	s = secret(secret_file);
	p.listen = listen;
	p.secret = s;
	p.probe = probe;
	p.probe_arg = &ps;
	p.probed = probed;
	p.probed_arg = &ps;
	p.allow = allow;
	signals();
	rc = vote_server_run(&p, &stop);
	vote_secret_free(s);
	return rc == 0 ? 0 : 3;
}

/* NAME=URL as spares[*n]; -1 if arg is not one, or spares is full. */
static int
spare_arg(char *arg, struct vote_spare *spares, size_t max, size_t *n)
{
	char	*eq;

	if ((eq = strchr(arg, '=')) == NULL || *n >= max)
		return -1;
	*eq = '\0';
	spares[*n].name = arg;
	spares[*n].url = eq + 1;
	(*n)++;
	return 0;
}

static int
cmd_health(int argc, char **argv)
{
	struct vote_spare	 spares[16];
	struct vote_result	 res[16];
	long long		 timeout_ms = 2000;
	size_t			 n = 0, i;
	int			 a, answered;

	for (a = 0; a < argc; a++) {
		if (strcmp(argv[a], "--timeout-ms") == 0 && a + 1 < argc)
			timeout_ms = num(argv[++a], 0, 600000);
		else if (spare_arg(argv[a], spares, FA_ARRAY_SIZE(spares),
		    &n) == -1)
			usage();
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	answered = vote_client_health(spares, n, timeout_ms, res);
	for (i = 0; i < n; i++)
		printf("spare %s %s %ld | %s\n", spares[i].name,
		    vote_reason_str(res[i].reason), res[i].http_status,
		    res[i].detail);
	printf("answered %d\n", answered);
	curl_global_cleanup();
	return 0;
}

static int
cmd_ask(int argc, char **argv)
{
	struct vote_spare	 spares[16];
	struct vote_result	 res[16];
	struct quorum_count	 c;
	struct vote_secret	*s;
	const char		*secret_file = NULL, *from = NULL;
	long long		 timeout_ms = 2000, need = 1, max_up = 0;
	long long		 need_down = 1;
	size_t			 n = 0, i;
	int			 a;

	for (a = 0; a < argc; a++) {
		if (strncmp(argv[a], "--", 2) == 0 && a + 1 >= argc)
			usage();
		if (strcmp(argv[a], "--secret") == 0)
			secret_file = argv[++a];
		else if (strcmp(argv[a], "--from") == 0)
			from = argv[++a];
		else if (strcmp(argv[a], "--timeout-ms") == 0)
			timeout_ms = num(argv[++a], 0, 600000);
		else if (strcmp(argv[a], "--need") == 0)
			need = num(argv[++a], 0, 100);
		else if (strcmp(argv[a], "--max-up") == 0)
			max_up = num(argv[++a], 0, 100);
		else if (strcmp(argv[a], "--need-down") == 0)
			need_down = num(argv[++a], 0, 100);
		else if (spare_arg(argv[a], spares, FA_ARRAY_SIZE(spares),
		    &n) == -1)
			usage();
	}
	if (from == NULL)
		usage();
	s = secret(secret_file);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	vote_client_ask(s, from, spares, n, timeout_ms, res);
	for (i = 0; i < n; i++)
		printf("spare %s %s %s %s %ld | %s\n", spares[i].name,
		    vote_reason_str(res[i].reason),
		    res[i].reason == VOTE_VALID ?
		    vote_verdict_str(res[i].vote.verdict) : "-",
		    res[i].reason == VOTE_VALID ? res[i].vote.voter : "-",
		    res[i].http_status, res[i].detail);
	quorum_count(res, n, &c);
	printf("tally %s valid=%d up=%d down=%d unknown=%d\n",
	    quorum_result_str(quorum_tally(res, n, (int)need, (int)max_up,
	    (int)need_down)),
	    c.valid, c.up, c.down, c.unknown);
	printf("down_votes %d\n", quorum_down_votes(res, n));
	vote_secret_free(s);
	curl_global_cleanup();
	return 0;
}

struct fake_answer {
	long		 status;
	const char	*location;
	long long	 body_bytes;
	bool		 hang;
};

/* Each request: the answer of --status, --location, --body-bytes, --hang. */
static void
fake_serve(int fd, const struct fakehttp_req *req, void *arg)
{
	const struct fake_answer	*a = arg;
	char				 status[32], location[1024];
	char				*body;

	(void)req;
	if (a->hang) {
		fakehttp_hang(fd);
		return;
	}
	snprintf(status, sizeof(status), "%ld Test", a->status);
	if (a->location != NULL)
		snprintf(location, sizeof(location), "Location: %s\r\n",
		    a->location);
	body = util_xcalloc(1, (size_t)a->body_bytes + 1);
	memset(body, 'x', (size_t)a->body_bytes);
	if (fakehttp_reply(fd, status, a->location != NULL ? location : NULL,
	    body, (size_t)a->body_bytes) == -1)
		log_debug("fake: short write");
	free(body);
}

static int
cmd_fake(int argc, char **argv)
{
	struct sockaddr_storage	 ss;
	struct fake_answer	 a = { .status = 200 };
	struct fakehttp		 fh;
	unsigned		 sslen;
	const char		*addr = NULL;
	char			 err[160];
	int			 i, fd, on = 1;

	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--hang") == 0) {
			a.hang = true;
			continue;
		}
		if (i + 1 >= argc)
			usage();
		if (strcmp(argv[i], "--listen") == 0)
			addr = argv[++i];
		else if (strcmp(argv[i], "--status") == 0)
			a.status = (long)num(argv[++i], 100, 599);
		else if (strcmp(argv[i], "--location") == 0)
			a.location = argv[++i];
		else if (strcmp(argv[i], "--body-bytes") == 0)
			a.body_bytes = num(argv[++i], 0, 1 << 20);
		else
			usage();
	}
	if (addr == NULL)
		usage();
	if (vote_listen_parse(addr, &ss, &sslen, err, sizeof(err)) == -1)
		fatalx("%s", err);
	signals();
	if ((fd = socket(ss.ss_family, SOCK_STREAM, 0)) == -1)
		fatal("socket");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	if (bind(fd, (struct sockaddr *)&ss, sslen) == -1) {
		log_warn("bind %s", addr);
		return 3;
	}
	if (listen(fd, 16) == -1)
		fatal("listen");
	memset(&fh, 0, sizeof(fh));
	if (fakehttp_start_fd(&fh, fd, fake_serve, &a) == -1)
		fatal("fakehttp_start_fd");
	close(fd);
	log_info("fake: listening on %s", addr);
	while (!stop)
		poll(NULL, 0, 100);
	fakehttp_stop(&fh);
	return 0;
}

int
main(int argc, char **argv)
{
	log_init(LOG_TARGET_STDERR, getenv("FA_DEBUG") != NULL ? 1 : 0);
	if (argc < 2)
		usage();
	if (strcmp(argv[1], "serve") == 0)
		return cmd_serve(argc - 2, argv + 2);
	if (strcmp(argv[1], "ask") == 0)
		return cmd_ask(argc - 2, argv + 2);
	if (strcmp(argv[1], "health") == 0)
		return cmd_health(argc - 2, argv + 2);
	if (strcmp(argv[1], "fake") == 0)
		return cmd_fake(argc - 2, argv + 2);
	usage();
}
