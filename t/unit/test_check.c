/*
 * test_check.c: the check engine against real servers started here, on
 * 127.0.0.1 ephemeral ports: canned answers (t/unit/fakehttp.c), a listener
 * that never accepts, a port nobody listens on, and (when the openssl tool
 * is installed) a TLS server with a self-signed certificate.
 *
 * Outcomes only: nothing here asserts how long anything took (parallelism
 * is shown by bench/bench_checks.c, not asserted).
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#include "agent/check/check_impl.h"
#include "agent/core/confdesc.h"
#include "agent/check/check.h"
#include "agent/core/config.h"
#include "agent/lib/log.h"
#include "t/unit/fakehttp.h"
#include "t/unit/tap.h"

/*
 * A server (t/unit/fakehttp.c) that answers every request with head, then
 * bodylen bytes of body: an HTTP answer, or bytes that are not HTTP.
 */
static int
server_start(struct fakehttp *s, const char *head, const char *body,
    size_t bodylen)
{
	size_t	 hlen = strlen(head);
	char	*answer;
	int	 rc;

	if ((answer = malloc(hlen + bodylen)) == NULL)
		return -1;
	memcpy(answer, head, hlen);
	memcpy(answer + hlen, body, bodylen);
	rc = fakehttp_start_canned(s, answer, hlen + bodylen);
	free(answer);
	return rc;
}

static int
server_http(struct fakehttp *s, const char *status_line, const char *body)
{
	char	head[256];

	snprintf(head, sizeof(head), "HTTP/1.1 %s\r\nContent-Length: %zu\r\n"
	    "Content-Type: text/plain\r\nConnection: close\r\n\r\n",
	    status_line, strlen(body));
	return server_start(s, head, body, strlen(body));
}

static struct cfg_check
http_check(const char *name, const char *url, long status, const char *body,
    int64_t timeout_ms)
{
	struct cfg_check	 c;
	struct cfg_check_http	*h;

	memset(&c, 0, sizeof(c));
	c.name = (char *)(uintptr_t)name;
	c.type = &check_http_type;
	c.timeout_ms = timeout_ms;
	h = calloc(1, sizeof(*h));
	h->url = strdup(url);
	h->expect_status = status;
	h->expect_body = body != NULL ? strdup(body) : NULL;
	c.conf = h;
	return c;
}

/* The keys of an http check made by http_check(). */
static struct cfg_check_http *
http_of(struct cfg_check *c)
{
	return c->conf;
}

static struct cfg_check
tcp_check(const char *name, const char *host, uint16_t port,
    int64_t timeout_ms)
{
	struct cfg_check	 c;
	struct cfg_check_tcp	*t;

	memset(&c, 0, sizeof(c));
	c.name = (char *)(uintptr_t)name;
	c.type = &check_tcp_type;
	c.timeout_ms = timeout_ms;
	t = calloc(1, sizeof(*t));
	t->host = strdup(host);
	t->port = port;
	c.conf = t;
	return c;
}

/* Free the http and tcp checks made above. */
static void
checks_free(struct cfg_check *c, size_t n)
{
	struct cfg_check_http	*h;
	struct cfg_check_tcp	*t;
	size_t			 i;

	for (i = 0; i < n; i++) {
		if (c[i].type == &check_http_type) {
			h = c[i].conf;
			free(h->url);
			free(h->expect_body);
			free(h->ca_file);
		} else if (c[i].type == &check_tcp_type) {
			t = c[i].conf;
			free(t->host);
		}
		free(c[i].conf);
		c[i].conf = NULL;
	}
}

static int
run(struct cfg_check *checks, size_t n, struct check_result *res)
{
	struct config	cfg;

	memset(&cfg, 0, sizeof(cfg));
	cfg.checks = checks;
	cfg.nchecks = n;
	return checks_run(&cfg, res);
}

static char *
url(const char *scheme, const char *host, uint16_t port, const char *path)
{
	char	buf[256];

	snprintf(buf, sizeof(buf), "%s://%s:%u%s", scheme, host,
	    (unsigned)port, path);
	return strdup(buf);
}

#define OUTCOME(res, want, name) \
	is_str(check_outcome_str((res).outcome), check_outcome_str(want), \
	    "%s: %s (%s)", name, check_outcome_str(want), (res).detail)

static void
test_outcome_strings(void)
{
	int	i, bad = 0;

	is_str(check_outcome_str(CHECK_OK), "ok", "CHECK_OK is \"ok\"");
	is_str(check_outcome_str(CHECK_RESOLVE_FAILED), "resolve-failed",
	    "CHECK_RESOLVE_FAILED is \"resolve-failed\"");
	is_str(check_outcome_str(CHECK_INTERNAL_ERROR), "internal-error",
	    "CHECK_INTERNAL_ERROR is \"internal-error\"");
	is_str(check_outcome_str(CHECK_WARNING), "warning",
	    "CHECK_WARNING is \"warning\"");
	is_str(check_outcome_str(CHECK_CRITICAL), "critical",
	    "CHECK_CRITICAL is \"critical\"");
	is_str(check_outcome_str(CHECK_UNKNOWN), "unknown",
	    "CHECK_UNKNOWN is \"unknown\"");
	for (i = 0; i < CHECK_OUTCOME_MAX; i++)
		if (check_outcome_from_str(check_outcome_str(i)) != i)
			bad++;
	is_int(bad, 0, "every outcome string reads back as its outcome");
	is_int(check_outcome_from_str("OK"), -1, "strings are case-sensitive");
	is_int(check_outcome_from_str("nonsense"), -1, "unknown string: -1");
	is_str(check_outcome_str(CHECK_OUTCOME_MAX), "unknown",
	    "out-of-range outcome prints as unknown");
}

/* One cycle holding every kind of answer, judged in config order. */
static void
test_mixed_cycle(void)
{
	struct fakehttp	 up, down, other, redirect, big, bigok;
	struct check_result	 res[10];
	struct cfg_check	 c[10];
	uint16_t		 closed_port;
	int			 closed_fd, nfailed;
	char			*u, *bigbody;
	size_t			 i, bigsize = 100 * 1024;

	closed_fd = fakehttp_socket(&closed_port, -1);	/* bound, not listening */
	bigbody = malloc(bigsize);
	memset(bigbody, 'x', bigsize);
	if (server_http(&up, "200 OK", "OK") == -1 ||
	    server_http(&down, "503 Service Unavailable", "down") == -1 ||
	    server_http(&other, "200 OK", "maintenance") == -1 ||
	    server_start(&redirect, "HTTP/1.1 302 Found\r\nLocation: /health2"
	    "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", "",
	    0) == -1 ||
	    closed_fd == -1) {
		ok(0, "start test servers: %s", strerror(errno));
		return;
	}
	/* 100 KiB of body: more than the check reads. */
	memcpy(bigbody, "OK", 2);
	if (server_start(&bigok, "HTTP/1.1 200 OK\r\nContent-Length: 102400\r\n"
	    "Connection: close\r\n\r\n", bigbody, bigsize) == -1) {
		ok(0, "start big server");
		return;
	}
	memcpy(bigbody, "xx", 2);
	memcpy(bigbody + bigsize - 2, "OK", 2);	/* beyond what we read */
	if (server_start(&big, "HTTP/1.1 200 OK\r\nContent-Length: 102400\r\n"
	    "Connection: close\r\n\r\n", bigbody, bigsize) == -1) {
		ok(0, "start big server");
		return;
	}

	u = url("http", "127.0.0.1", up.port, "/health");
	c[0] = http_check("web", u, 200, "OK", 5000);
	free(u);
	u = url("http", "127.0.0.1", down.port, "/health");
	c[1] = http_check("down", u, 200, "OK", 5000);
	free(u);
	u = url("http", "127.0.0.1", other.port, "/health");
	c[2] = http_check("other", u, 200, "OK", 5000);
	free(u);
	u = url("http", "127.0.0.1", closed_port, "/health");
	c[3] = http_check("closed", u, 200, NULL, 5000);
	free(u);
	c[4] = tcp_check("tcp-open", "127.0.0.1", up.port, 5000);
	c[5] = tcp_check("tcp-closed", "127.0.0.1", closed_port, 5000);
	u = url("http", "127.0.0.1", redirect.port, "/health");
	c[6] = http_check("redirect", u, 200, NULL, 5000);
	free(u);
	u = url("http", "127.0.0.1", big.port, "/");
	c[7] = http_check("big-late", u, 200, "OK", 5000);
	free(u);
	u = url("http", "127.0.0.1", bigok.port, "/");
	c[8] = http_check("big-early", u, 200, "OK", 5000);
	free(u);
	/* a name from /etc/hosts: the resolver path without the network */
	c[9] = tcp_check("tcp-name", "localhost", up.port, 5000);

	nfailed = run(c, 10, res);

	for (i = 0; i < 10; i++)
		if (res[i].check != &c[i])
			break;
	is_int(i, 10, "results are in config order and point at their check");
	OUTCOME(res[0], CHECK_OK, "200 with the expected body");
	is_str(res[0].detail, "HTTP 200", "ok detail names the status");
	OUTCOME(res[1], CHECK_BAD_STATUS, "503");
	is_str(res[1].detail, "HTTP 503, want 200",
	    "bad-status detail says what came and what was wanted");
	OUTCOME(res[2], CHECK_BODY_MISMATCH, "200 without the expected body");
	ok(strstr(res[2].detail, "maintenance") != NULL,
	    "body-mismatch detail shows the start of the body: %s",
	    res[2].detail);
	OUTCOME(res[3], CHECK_REFUSED, "http to a closed port");
	OUTCOME(res[4], CHECK_OK, "tcp to an open port");
	OUTCOME(res[5], CHECK_REFUSED, "tcp to a closed port");
	ok(strstr(res[5].detail, "refused") != NULL,
	    "tcp refused detail says so: %s", res[5].detail);
	OUTCOME(res[6], CHECK_BAD_STATUS, "302 is not followed");
	OUTCOME(res[7], CHECK_BODY_MISMATCH,
	    "expected body beyond the first 64 KiB");
	OUTCOME(res[8], CHECK_OK, "expected body at the start of a 100 KiB page");
	OUTCOME(res[9], CHECK_OK, "tcp to a host name (localhost)");
	is_int(nfailed, 6, "checks_run returns the number of failed checks");

	checks_free(c, 10);
	fakehttp_stop(&up);
	fakehttp_stop(&down);
	fakehttp_stop(&other);
	fakehttp_stop(&redirect);
	fakehttp_stop(&big);
	fakehttp_stop(&bigok);
	close(closed_fd);
	free(bigbody);
}

/*
 * Timeouts: three http checks against a listener that never accepts (the
 * kernel completes the handshake, nobody ever answers), and one tcp check
 * whose SYN is dropped because that listener's accept queue is full.
 */
static void
test_timeouts(void)
{
	struct check_result	 res[4];
	struct cfg_check	 c[4];
	struct sockaddr_in	 sin;
	uint16_t		 silent_port, full_port;
	int			 silent_fd, full_fd, filler, nfailed;
	char			*u;
	size_t			 i;

	silent_fd = fakehttp_socket(&silent_port, 16);
	full_fd = fakehttp_socket(&full_port, 0);
	filler = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons(full_port);
	/* With backlog 0, one queued connection fills the accept queue. */
	if (silent_fd == -1 || full_fd == -1 || filler == -1 ||
	    connect(filler, (struct sockaddr *)&sin, sizeof(sin)) == -1) {
		ok(0, "set up silent listeners: %s", strerror(errno));
		return;
	}

	u = url("http", "127.0.0.1", silent_port, "/");
	c[0] = http_check("slow1", u, 200, NULL, 1000);
	c[1] = http_check("slow2", u, 200, NULL, 1000);
	c[2] = http_check("slow3", u, 200, NULL, 1000);
	free(u);
	c[3] = tcp_check("tcp-silent", "127.0.0.1", full_port, 1000);

	nfailed = run(c, 4, res);
	for (i = 0; i < 3; i++)
		OUTCOME(res[i], CHECK_TIMEOUT, "http to a server that never answers");
	OUTCOME(res[3], CHECK_TIMEOUT, "tcp whose SYN is never answered");
	is_int(nfailed, 4, "all four count as failed");

	checks_free(c, 4);
	close(filler);
	close(full_fd);
	close(silent_fd);
}

static void
test_resolve_and_config_errors(void)
{
	struct check_result	 res[3];
	struct cfg_check	 c[3];
	char			 label[64 + 1], buf[128];

	/*
	 * A 64-octet label is not a valid DNS name (RFC 1035 §2.3.4): the
	 * resolver fails it locally, no query leaves the host.
	 */
	memset(label, 'a', 64);
	label[64] = '\0';
	snprintf(buf, sizeof(buf), "http://%s.invalid/", label);
	c[0] = http_check("http-noname", buf, 200, NULL, 5000);
	snprintf(buf, sizeof(buf), "%s.invalid", label);
	c[1] = tcp_check("tcp-noname", buf, 80, 5000);
	c[2] = http_check("file-url", "file:///etc/hostname", 200, NULL, 5000);

	run(c, 3, res);
	OUTCOME(res[0], CHECK_RESOLVE_FAILED, "http to a name that cannot resolve");
	OUTCOME(res[1], CHECK_RESOLVE_FAILED, "tcp to a name that cannot resolve");
	OUTCOME(res[2], CHECK_INTERNAL_ERROR, "file:// URL is refused");
	checks_free(c, 3);
}

/* https to a plain listener that answers a TLS hello with HTTP garbage. */
static void
test_tls_plain(void)
{
	struct fakehttp	 plain;
	struct check_result	 res[2];
	struct cfg_check	 c[2];
	char			*u;

	if (server_start(&plain, "HTTP/1.1 400 Bad Request\r\n"
	    "Content-Length: 0\r\nConnection: close\r\n\r\n", "",
	    0) == -1) {
		ok(0, "start plain server");
		return;
	}
	u = url("https", "127.0.0.1", plain.port, "/");
	c[0] = http_check("tls-plain", u, 200, NULL, 5000);
	c[1] = http_check("bad-ca", u, 200, NULL, 5000);
	http_of(&c[1])->ca_file = strdup("/nonexistent/ca.pem");
	free(u);
	run(c, 2, res);
	OUTCOME(res[0], CHECK_TLS_FAILED, "https against a plain HTTP server");
	/* Our own mistake, not the primary's: it must fail, never pass. */
	OUTCOME(res[1], CHECK_INTERNAL_ERROR, "a ca_file that does not exist");
	checks_free(c, 2);
	fakehttp_stop(&plain);
}

/* A garbage answer to an HTTP request. */
static void
test_protocol_error(void)
{
	struct fakehttp	 junk;
	struct check_result	 res[1];
	struct cfg_check	 c[1];
	char			*u;

	if (server_start(&junk, "SSH-2.0-OpenSSH_9.2\r\n", "", 0) == -1) {
		ok(0, "start junk server");
		return;
	}
	u = url("http", "127.0.0.1", junk.port, "/");
	c[0] = http_check("junk", u, 200, NULL, 5000);
	free(u);
	run(c, 1, res);
	OUTCOME(res[0], CHECK_PROTOCOL_ERROR, "http answered by a non-HTTP server");
	checks_free(c, 1);
	fakehttp_stop(&junk);
}

/*
 * A real TLS server (openssl s_server) with a self-signed certificate for
 * IP 127.0.0.1: untrusted without ca_file, trusted with it, and still
 * refused under a name the certificate does not carry.
 */
static pid_t
tls_server_start(const char *dir, uint16_t *port, int *outfd)
{
	struct pollfd	 pfd;
	char		 cert[512], key[512], buf[512], *p;
	size_t		 have = 0;
	ssize_t		 n;
	int		 fds[2];
	pid_t		 pid;

	*port = 0;
	*outfd = -1;
	snprintf(cert, sizeof(cert), "%s/cert.pem", dir);
	snprintf(key, sizeof(key), "%s/key.pem", dir);
	if (pipe(fds) == -1)
		return -1;
	if ((pid = fork()) == 0) {
		int null = open("/dev/null", O_RDWR);

		dup2(null, 0);
		dup2(fds[1], 1);
		dup2(null, 2);
		close(fds[0]);
		execlp("openssl", "openssl", "s_server", "-www",
		    "-accept", "127.0.0.1:0", "-cert", cert, "-key", key,
		    (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	/*
	 * It prints "ACCEPT 127.0.0.1:PORT" once it listens.  The pipe stays
	 * open until it is killed, so it never dies of SIGPIPE.
	 */
	pfd.fd = fds[0];
	pfd.events = POLLIN;
	while (have < sizeof(buf) - 1 && poll(&pfd, 1, 10000) == 1) {
		if ((n = read(fds[0], buf + have, sizeof(buf) - 1 - have)) <= 0)
			break;
		have += (size_t)n;
		buf[have] = '\0';
		if ((p = strstr(buf, "ACCEPT 127.0.0.1:")) != NULL &&
		    strchr(p, '\n') != NULL) {
			*port = (uint16_t)strtoul(p + 17, NULL, 10);
			break;
		}
	}
	*outfd = fds[0];
	return pid;
}

static void
test_tls_real(void)
{
	struct check_result	 res[3];
	struct cfg_check	 c[3];
	char			 dir[] = "/tmp/fa-test-check.XXXXXX", cmd[1024];
	char			 cert[512], *u;
	uint16_t		 port = 0;
	pid_t			 pid = -1;
	int			 rc, outfd = -1;

	if (mkdtemp(dir) == NULL) {
		ok(0, "mkdtemp");
		return;
	}
	snprintf(cmd, sizeof(cmd), "openssl req -x509 -newkey ec "
	    "-pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 "
	    "-subj /CN=failover-agent-test -addext subjectAltName=IP:127.0.0.1 "
	    "-keyout %s/key.pem -out %s/cert.pem >/dev/null 2>&1", dir, dir);
	rc = system(cmd);
	if (rc != 0) {
		/* Say it, never skip silently. */
		printf("ok %d # SKIP openssl(1) cannot make a certificate "
		    "(exit %d): self-signed TLS not tested\n", ++tap_n, rc);
		goto out;
	}
	pid = tls_server_start(dir, &port, &outfd);
	if (pid == -1 || port == 0) {
		ok(0, "openssl s_server did not start");
		goto kill;
	}
	snprintf(cert, sizeof(cert), "%s/cert.pem", dir);

	u = url("https", "127.0.0.1", port, "/");
	c[0] = http_check("tls-untrusted", u, 200, NULL, 5000);
	c[1] = http_check("tls-trusted", u, 200, NULL, 5000);
	http_of(&c[1])->ca_file = strdup(cert);
	free(u);
	u = url("https", "localhost", port, "/");
	c[2] = http_check("tls-wrong-name", u, 200, NULL, 5000);
	http_of(&c[2])->ca_file = strdup(cert);
	free(u);

	/* s_server serves one connection at a time: one check per cycle. */
	run(&c[0], 1, &res[0]);
	run(&c[1], 1, &res[1]);
	run(&c[2], 1, &res[2]);
	OUTCOME(res[0], CHECK_TLS_FAILED, "self-signed certificate, no ca_file");
	OUTCOME(res[1], CHECK_OK, "self-signed certificate trusted by ca_file");
	OUTCOME(res[2], CHECK_TLS_FAILED,
	    "certificate for 127.0.0.1 reached as localhost");
	checks_free(c, 3);
kill:
	if (pid > 0) {
		kill(pid, SIGTERM);
		waitpid(pid, NULL, 0);
	}
	if (outfd != -1)
		close(outfd);
out:
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", dir);
}

static struct cfg_check
exec_check(const char *name, const char *dir, const char *prog,
    int64_t timeout_ms)
{
	struct cfg_check	c;
	struct cfg_check_exec	*ex;
	char			path[512];

	memset(&c, 0, sizeof(c));
	c.name = (char *)(uintptr_t)name;
	c.type = &check_exec_type;
	c.timeout_ms = timeout_ms;
	snprintf(path, sizeof(path), "%s/%s", dir, prog);
	ex = calloc(1, sizeof(*ex));
	ex->argv = calloc(3, sizeof(*ex->argv));
	ex->argv[0] = strdup(path);
	ex->argv[1] = strdup("an argument");
	c.conf = ex;
	return c;
}

static void
write_script(const char *dir, const char *name, const char *body)
{
	char	path[512];
	FILE	*f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "w")) == NULL)
		return;
	fprintf(f, "#!/bin/sh\n%s", body);
	fclose(f);
	chmod(path, 0700);
}

/*
 * exec checks in the engine, beside a tcp check: Nagios exit codes, the
 * detail, what is not a plugin's answer, a program gone since config load
 * (unknown: it cannot tell), output larger than what is kept, and the
 * environment (PATH only) and arguments it gets.
 */
static void
test_exec(void)
{
	struct check_result	 res[10];
	struct cfg_check	 c[10];
	char			 dir[] = "/tmp/fa-test-check.XXXXXX";
	uint16_t		 port;
	int			 lfd, nfailed;
	size_t			 i;

	if (mkdtemp(dir) == NULL || (lfd = fakehttp_socket(&port, 16)) == -1) {
		ok(0, "set up: %s", strerror(errno));
		return;
	}
	write_script(dir, "ok", "echo 'OK - all good|t=1'\n");
	write_script(dir, "warn", "echo '  WARNING - slow  '; exit 1\n");
	write_script(dir, "exit4", "echo 'what'; exit 4\n");
	write_script(dir, "quiet", "exit 2\n");
	write_script(dir, "big", "i=0; while [ $i -lt 2000 ]; do echo "
	    "'CRITICAL line of output'; i=$((i+1)); done; exit 2\n");
	write_script(dir, "env", "echo \"$# [$1] $(env | grep -v '^PWD=' |"
	    " sort | tr '\\n' ' ')\" >&2\n");
	write_script(dir, "selfkill", "kill -9 $$\n");
	c[0] = exec_check("ok", dir, "ok", 5000);
	c[1] = exec_check("warn", dir, "warn", 5000);
	c[2] = exec_check("exit4", dir, "exit4", 5000);
	c[3] = exec_check("quiet", dir, "quiet", 5000);
	c[4] = exec_check("gone", dir, "gone", 5000);
	c[5] = exec_check("big", dir, "big", 5000);
	c[6] = exec_check("env", dir, "env", 5000);
	c[7] = exec_check("selfkill", dir, "selfkill", 5000);
	c[8] = tcp_check("tcp", "127.0.0.1", port, 5000);
	write_script(dir, "sleep", "exec sleep 10\n");
	c[9] = exec_check("sleep", dir, "sleep", 200);

	nfailed = run(c, 10, res);
	OUTCOME(res[0], CHECK_OK, "exit 0");
	is_str(res[0].detail, "OK - all good", "the first line, before |");
	OUTCOME(res[1], CHECK_WARNING, "exit 1");
	is_str(res[1].detail, "WARNING - slow", "blanks trimmed");
	OUTCOME(res[2], CHECK_UNKNOWN, "exit 4 is no plugin answer");
	is_str(res[2].detail, "exit 4 (not a plugin's 0-3): what",
	    "exit 4: said so");
	OUTCOME(res[3], CHECK_CRITICAL, "exit 2 without output");
	is_str(res[3].detail, "(no output)", "no output: said so");
	OUTCOME(res[4], CHECK_UNKNOWN, "a program gone since load");
	ok(strncmp(res[4].detail, "cannot run ", 11) == 0 &&
	    strstr(res[4].detail, "/gone: exec: No such file") != NULL,
	    "it cannot run: exec's errno (%s)", res[4].detail);
	OUTCOME(res[5], CHECK_CRITICAL, "40 kB of output is read to the end");
	is_str(res[5].detail, "CRITICAL line of output", "its first line");
	OUTCOME(res[6], CHECK_OK, "env");
	is_str(res[6].detail, "1 [an argument] PATH=/usr/sbin:/usr/bin:/sbin:"
	    "/bin", "one argument as given; PATH is the environment"
	    " (sh adds PWD)");
	OUTCOME(res[7], CHECK_UNKNOWN, "killed by a signal");
	ok(strncmp(res[7].detail, "killed by signal 9", 18) == 0,
	    "the signal said (%s)", res[7].detail);
	OUTCOME(res[8], CHECK_OK, "a tcp check beside them");
	OUTCOME(res[9], CHECK_UNKNOWN, "past its timeout");
	is_str(res[9].detail, "timed out after 200ms, process group stopped"
	    " with SIGTERM", "SIGTERM was enough");
	is_int(nfailed, 6, "warning passes; unknown and critical do not");
	ok(check_outcome_passed(CHECK_WARNING) &&
	    !check_outcome_passed(CHECK_UNKNOWN) &&
	    check_outcome_cannot_tell(CHECK_UNKNOWN) &&
	    !check_outcome_cannot_tell(CHECK_CRITICAL),
	    "warning passes; unknown cannot tell; critical can");

	for (i = 0; i < 10; i++) {
		struct cfg_check_exec	*ex;
		char			 path[512];

		if (i == 8)
			continue;	/* the tcp check */
		snprintf(path, sizeof(path), "%s/%s", dir, c[i].name);
		(void)unlink(path);	/* "gone" never existed */
		ex = c[i].conf;
		free(ex->argv[0]);
		free(ex->argv[1]);
		free(ex->argv);
		free(ex);
	}
	checks_free(c + 8, 1);
	close(lfd);
	if (rmdir(dir) == -1)
		ok(0, "rmdir %s: %s", dir, strerror(errno));
}

/*
 * A nameserver on 127.0.0.1 that answers over UDP first with a wrong ID
 * (to be ignored), then truncated (TC), and over TCP with one A record
 * 192.0.2.77 (RFC 1035 4.1: the question copied, a pointer to it as the
 * answer's owner).
 */
struct tc_server {
	int		 udp, tcp;
	uint16_t	 port;
	pthread_t	 thr;
	bool		 tcp_used;
};

static void *
tc_server_main(void *arg)
{
	struct tc_server	*ts = arg;
	struct sockaddr_storage	 from;
	socklen_t		 fromlen = sizeof(from);
	uint8_t			 q[512], a[600];
	static const uint8_t	 rr[] = { 0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60,
				    0, 4, 192, 0, 2, 77 };
	ssize_t			 n;
	size_t			 len, got;
	int			 c;

	n = recvfrom(ts->udp, q, sizeof(q), 0, (struct sockaddr *)&from,
	    &fromlen);
	if (n < 12)
		return NULL;
	memcpy(a, q, (size_t)n);
	a[0] ^= 0xff;			/* another ID: must be ignored */
	a[2] |= 0x80;
	(void)sendto(ts->udp, a, (size_t)n, 0, (struct sockaddr *)&from,
	    fromlen);
	a[0] = q[0];
	a[2] |= 0x82;			/* QR, TC */
	(void)sendto(ts->udp, a, (size_t)n, 0, (struct sockaddr *)&from,
	    fromlen);
	if ((c = accept(ts->tcp, NULL, NULL)) == -1)
		return NULL;
	ts->tcp_used = true;
	for (got = 0; got < 2 || got < 2 + (size_t)((q[0] << 8) | q[1]);
	    got += (size_t)n)
		if ((n = read(c, q + got, sizeof(q) - got)) <= 0)
			break;
	len = got - 2;
	memcpy(a + 2, q + 2, len);
	a[4] |= 0x84;			/* QR, AA */
	a[9] = 1;			/* ANCOUNT */
	memcpy(a + 2 + len, rr, sizeof(rr));
	len += sizeof(rr);
	a[0] = (uint8_t)(len >> 8);
	a[1] = (uint8_t)len;
	(void)write(c, a, len + 2);
	close(c);
	return NULL;
}

static int
tc_server_start(struct tc_server *ts)
{
	struct sockaddr_in	sin;
	socklen_t		len = sizeof(sin);

	memset(ts, 0, sizeof(*ts));
	ts->udp = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ts->tcp = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (ts->udp == -1 || ts->tcp == -1 ||
	    bind(ts->tcp, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    getsockname(ts->tcp, (struct sockaddr *)&sin, &len) == -1 ||
	    bind(ts->udp, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(ts->tcp, 4) == -1)
		return -1;
	ts->port = ntohs(sin.sin_port);
	return pthread_create(&ts->thr, NULL, tc_server_main, ts) == 0 ? 0 : -1;
}

static struct cfg_check
dns_check(const char *name, uint16_t port, const char *expect)
{
	struct cfg_check	c;
	struct cfg_check_dns	*d;

	memset(&c, 0, sizeof(c));
	c.name = (char *)(uintptr_t)name;
	c.type = &check_dns_type;
	c.timeout_ms = 5000;
	d = calloc(1, sizeof(*d));
	d->server = strdup("127.0.0.1");
	d->port = port;
	d->qname = strdup("www.example.com");
	d->qtype = 1;
	d->expect = expect != NULL ? strdup(expect) : NULL;
	c.conf = d;
	return c;
}

/* A truncated UDP answer is asked again over TCP; a wrong ID is ignored. */
static void
test_dns_truncated(void)
{
	struct tc_server	 ts;
	struct check_result	 res[1];
	struct cfg_check	 c[1];
	struct cfg_check_dns	*d;

	if (tc_server_start(&ts) == -1) {
		ok(0, "set up the truncating server: %s", strerror(errno));
		return;
	}
	c[0] = dns_check("tc", ts.port, "192.0.2.77");
	run(c, 1, res);
	OUTCOME(res[0], CHECK_OK, "dns: TC over UDP, then TCP");
	is_str(res[0].detail, "www.example.com A: 192.0.2.77",
	    "dns: the TCP answer judged");
	ok(ts.tcp_used, "dns: TCP was used");
	pthread_join(ts.thr, NULL);
	close(ts.udp);
	close(ts.tcp);
	d = c[0].conf;
	free(d->server);
	free(d->qname);
	free(d->expect);
	free(d);
}

static void
test_empty(void)
{
	struct check_result	res[1];

	is_int(run(NULL, 0, res), 0, "no checks: nothing failed");
}

int
main(void)
{
	log_init(LOG_TARGET_STDERR, 0);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		printf("Bail out! curl_global_init\n");
		return 1;
	}
	test_outcome_strings();
	test_empty();
	test_mixed_cycle();
	test_timeouts();
	test_resolve_and_config_errors();
	test_tls_plain();
	test_protocol_error();
	test_tls_real();
	test_exec();
	test_dns_truncated();
	curl_global_cleanup();
	return tap_done();
}
