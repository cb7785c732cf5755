/*
 * bench_checks.c: shows that checks_run() runs checks in parallel.  Not a
 * test (no pass/fail): it prints the wall time of one checks_run() over N
 * checks that all time out, against the sum of their timeouts.
 *
 *   bench_checks [N [TIMEOUT]]       default: 10 checks, 1s each
 *
 * Half the checks are http to a listener that never answers, half tcp to a
 * listener whose accept queue is full (their SYNs are dropped).  Everything
 * stays on 127.0.0.1.  A ratio near 1/N means fully parallel, 1.0 serial.
 *
 * Warnings (one per timed-out check) go to stderr: add 2>/dev/null.
 *
 * Build (from the top of the tree, same flags as the rest):
 *   cc -std=c11 -D_GNU_SOURCE -Wall -Wextra ... -I. $(pkg-config --cflags
 *      libcurl) -o build/bench_checks bench/bench_checks.c agent/check/check.c
 *      agent/check/check_http.c agent/check/check_tcp.c agent/lib/util.c agent/lib/log.c
 *      $(pkg-config --libs libcurl) -lpthread
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#include "agent/check/check.h"
#include "agent/check/check_impl.h"
#include "agent/core/config.h"
#include "agent/lib/log.h"
#include "agent/lib/util.h"

static int
bench_listener(int backlog, uint16_t *port)
{
	struct sockaddr_in	sin;
	socklen_t		len = sizeof(sin);
	int			fd;

	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(fd, backlog) == -1 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) == -1) {
		close(fd);
		return -1;
	}
	*port = ntohs(sin.sin_port);
	return fd;
}

int
main(int argc, char *argv[])
{
	struct config		 cfg;
	struct cfg_check	*checks;
	struct cfg_check_http	*http;
	struct cfg_check_tcp	*tcp;
	struct check_result	*res;
	struct sockaddr_in	 sin;
	const char		*errstr;
	long long		 n = 10;
	int64_t			 timeout_ms = 1000, t0, took, sum;
	uint16_t		 silent_port, full_port;
	int			 silent_fd, full_fd, filler, ntimeout = 0;
	char			 url[64], buf1[32], buf2[32];
	size_t			 i;

	if (argc > 1 && util_number_parse(argv[1], 1, 1000, &n, &errstr) == -1) {
		fprintf(stderr, "N is %s: %s\n", errstr, argv[1]);
		return 2;
	}
	if (argc > 2 &&
	    util_duration_parse(argv[2], &timeout_ms, &errstr) == -1) {
		fprintf(stderr, "TIMEOUT: %s: %s\n", errstr, argv[2]);
		return 2;
	}
	log_init(LOG_TARGET_STDERR, -1);
	curl_global_init(CURL_GLOBAL_DEFAULT);

	silent_fd = bench_listener(128, &silent_port);	/* never accepts */
	full_fd = bench_listener(0, &full_port);
	filler = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons(full_port);
	if (silent_fd == -1 || full_fd == -1 || filler == -1 ||
	    connect(filler, (struct sockaddr *)&sin, sizeof(sin)) == -1) {
		fprintf(stderr, "listeners: %s\n", strerror(errno));
		return 1;
	}

	checks = calloc((size_t)n, sizeof(*checks));
	res = calloc((size_t)n, sizeof(*res));
	/* Each type keeps its keys in its own struct (cfg_check.conf). */
	http = calloc(1, sizeof(*http));
	tcp = calloc(1, sizeof(*tcp));
	if (checks == NULL || res == NULL || http == NULL || tcp == NULL)
		return 1;
	snprintf(url, sizeof(url), "http://127.0.0.1:%u/", (unsigned)silent_port);
	http->url = url;
	http->expect_status = 200;
	tcp->host = (char *)(uintptr_t)"127.0.0.1";
	tcp->port = full_port;
	for (i = 0; i < (size_t)n; i++) {
		checks[i].name = (char *)(uintptr_t)(i % 2 ? "tcp" : "http");
		checks[i].timeout_ms = timeout_ms;
		if (i % 2 == 0) {
			checks[i].type = &check_http_type;
			checks[i].conf = http;
		} else {
			checks[i].type = &check_tcp_type;
			checks[i].conf = tcp;
		}
	}
	memset(&cfg, 0, sizeof(cfg));
	cfg.checks = checks;
	cfg.nchecks = (size_t)n;

	t0 = util_mono_ms();
	checks_run(&cfg, res);
	took = util_mono_ms() - t0;
	for (i = 0; i < (size_t)n; i++)
		if (res[i].outcome == CHECK_TIMEOUT)
			ntimeout++;

	sum = timeout_ms * n;
	util_duration_format(took, buf1, sizeof(buf1));
	util_duration_format(sum, buf2, sizeof(buf2));
	printf("%lld checks (http+tcp), %d timed out\n", n, ntimeout);
	printf("checks_run: %s; sum of timeouts: %s; ratio %.3f "
	    "(1.0 = serial, %.3f = fully parallel)\n", buf1, buf2,
	    (double)took / (double)sum, 1.0 / (double)n);

	close(filler);
	close(full_fd);
	close(silent_fd);
	free(tcp);
	free(http);
	free(res);
	free(checks);
	curl_global_cleanup();
	return ntimeout == n ? 0 : 1;
}
