/*
 * test_http.c: the HTTP client of the API methods (agent/lib/http.c) and
 * the judging of Virtualmin's answers.
 *
 * Secret files (first line only, CRLF, empty, control characters, loose
 * mode), the headers we build (basic auth as RFC 7617 says), escaping,
 * first-line quoting; then requests against a small server forked here on
 * 127.0.0.1: what is sent (method, headers, body), a redirect not
 * followed, a body capped, a server that never answers (timeout at the
 * deadline), nobody listening, TLS against a plain server.  Then every
 * shape of remote.cgi answer.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#include "agent/lib/log.h"
#include "agent/lib/util.h"
#include "agent/lib/http.h"
#include "dnsupdate/method/methods.h"
#include "t/unit/fakehttp.h"
#include "t/unit/tap.h"

static char	tmpdir[256];

static char *
write_file(const char *name, const char *content, mode_t mode)
{
	static char	path[512];
	FILE		*f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	unlink(path);
	if ((f = fopen(path, "w")) == NULL)
		fatal("%s", path);
	fputs(content, f);
	fclose(f);
	chmod(path, mode);
	return path;
}

static void
test_secret(void)
{
	char	*s = NULL, err[512];
	size_t	 len;

	ok(http_secret_load(write_file("k1", "s3cret\nsecond line\n", 0600),
	    &s, &len, err, sizeof(err)) == 0, "secret: loads");
	is_str(s, "s3cret", "secret: the first line, without its newline");
	http_secret_free(s, len);
	ok(http_secret_load(write_file("k2", "abc\r\n", 0600), &s, &len, err,
	    sizeof(err)) == 0, "secret with CRLF: loads");
	is_str(s, "abc", "secret: CR dropped too");
	http_secret_free(s, len);
	ok(http_secret_load(write_file("k3", "nonl", 0600), &s, &len, err,
	    sizeof(err)) == 0 && strcmp(s, "nonl") == 0,
	    "secret without a newline");
	http_secret_free(s, len);
	ok(http_secret_load(write_file("k4", "\nlater\n", 0600), &s, &len,
	    err, sizeof(err)) == -1 && s == NULL, "empty first line refused");
	ok(strstr(err, "the first line is empty") != NULL, "  says why: %s",
	    err);
	ok(http_secret_load(write_file("k5", "a\tb\n", 0600), &s, &len, err,
	    sizeof(err)) == -1, "control character refused (header split)");
	ok(strstr(err, "control character") != NULL && strstr(err, "a\tb") ==
	    NULL, "  says why, without the contents: %s", err);
	ok(http_secret_load(write_file("k6", "pw-in-a-loose-file\n", 0644), &s,
	    &len, err, sizeof(err)) == -1, "a file readable by others refused");
	ok(strstr(err, "readable by group or others") != NULL &&
	    strstr(err, "pw-in-a-loose-file") == NULL,
	    "  says why, without the contents: %s", err);
	ok(http_secret_load("/nonexistent/key", &s, &len, err, sizeof(err)) ==
	    -1, "a missing file refused");
}

static void
test_helpers(void)
{
	struct curl_slist	*h = NULL;
	char			*e, buf[16];

	ok(http_header_basic_auth(&h, "Aladdin", "open sesame") == 0,
	    "basic auth header built");
	/* RFC 7617 §2's own example. */
	is_str(h != NULL ? h->data : NULL,
	    "Authorization: Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==",
	    "basic auth: RFC 7617 example");
	ok(http_header_add(&h, "X-API-Key", "k") == 0 && h->next != NULL &&
	    strcmp(h->next->data, "X-API-Key: k") == 0, "a header line");
	http_headers_free(h);

	e = http_escape("www.example.com. A 60 2001:db8::1");
	is_str(e, "www.example.com.%20A%2060%202001%3Adb8%3A%3A1",
	    "escape: spaces and colons");
	free(e);
	e = http_escape("a&b=c+d/é");
	is_str(e, "a%26b%3Dc%2Bd%2F%C3%A9", "escape: &, =, +, /, UTF-8");
	free(e);

	http_first_line("\n  \r\n  Domain x does not exist  \nusage\n", buf,
	    sizeof(buf));
	is_str(buf, "Domain x does n", "first line: blank lines skipped, cut");
	http_first_line("a\x01" "b", buf, sizeof(buf));
	is_str(buf, "a?b", "first line: control characters shown as ?");
	http_first_line("", buf, sizeof(buf));
	is_str(buf, "", "first line of nothing");
}

/* ---- requests against t/unit/fakehttp.c on 127.0.0.1 ---- */

static struct fakehttp	server;

/*
 * /slow never answers, /big is 3 MiB of body, /redirect a 302 elsewhere;
 * anything else (/echo) gets the request back as the body.
 */
static void
serve(int fd, const struct fakehttp_req *req, void *arg)
{
	char	*big;
	size_t	 bigsz = 3 * 1024 * 1024;

	(void)arg;
	if (strncmp(req->path, "/slow", 5) == 0) {
		fakehttp_hang(fd);
	} else if (strncmp(req->path, "/big", 4) == 0) {
		if ((big = malloc(bigsz)) == NULL)
			return;
		memset(big, 'x', bigsz);
		fakehttp_reply(fd, "200 OK", NULL, big, bigsz);
		free(big);
	} else if (strncmp(req->path, "/redirect", 9) == 0)
		fakehttp_reply(fd, "302 Found",
		    "Location: http://127.0.0.1:1/elsewhere\r\n", "", 0);
	else
		fakehttp_reply(fd, "200 OK", NULL, req->raw, req->len);
}

static void
req_init(struct http_req *r, const char *path, char *url, size_t urllen,
    int64_t ms)
{
	memset(r, 0, sizeof(*r));
	snprintf(url, urllen, "http://127.0.0.1:%d%s", server.port, path);
	r->method = "GET";
	r->url = url;
	r->deadline_ms = util_mono_ms() + ms;
}

static void
test_requests(void)
{
	struct http_req		 r;
	struct http_resp	 resp;
	struct curl_slist	*h = NULL;
	char			 url[128];
	int			 rc;

	if (fakehttp_start(&server, serve, NULL) == -1)
		fatal("fakehttp_start");

	req_init(&r, "/echo", url, sizeof(url), 5000);
	http_header_add(&h, "X-API-Key", "the-key");
	r.method = "PATCH";
	r.headers = h;
	r.body = "{\"rrsets\": []}";
	r.bodylen = strlen(r.body);
	rc = http_request(&r, &resp);
	is_int(rc, 0, "echo: an answer");
	is_int(resp.status, 200, "echo: 200");
	ok(strncmp(resp.body, "PATCH /echo HTTP/1.1\r\n", 22) == 0,
	    "PATCH sent as PATCH");
	ok(strstr(resp.body, "\r\nX-API-Key: the-key\r\n") != NULL,
	    "our header sent");
	ok(strstr(resp.body, "\r\n\r\n{\"rrsets\": []}") != NULL,
	    "the body sent");
	ok(strcasestr(resp.body, "Expect:") == NULL, "no Expect: 100-continue");
	http_resp_free(&resp);
	http_headers_free(h);

	req_init(&r, "/redirect", url, sizeof(url), 5000);
	rc = http_request(&r, &resp);
	ok(rc == 0 && resp.status == 302, "a redirect is an answer (302), "
	    "not followed");
	http_resp_free(&resp);

	req_init(&r, "/big", url, sizeof(url), 10000);
	r.body_max = 1000;
	rc = http_request(&r, &resp);
	ok(rc == 0 && resp.status == 200, "a huge body: still an answer");
	ok(resp.capped && resp.len == 1000 && strlen(resp.body) == 1000,
	    "  capped at body_max (%zu bytes kept)", resp.len);
	http_resp_free(&resp);

	req_init(&r, "/slow", url, sizeof(url), 300);
	rc = http_request(&r, &resp);
	ok(rc == -1 && resp.fail == HTTP_FAIL_TIMEOUT,
	    "a server that never answers: timeout (%s)", resp.error);
	ok(resp.body != NULL && resp.len == 0, "  body empty, not NULL");
	http_resp_free(&resp);

	snprintf(url, sizeof(url), "https://127.0.0.1:%d/echo", server.port);
	r.url = url;
	r.deadline_ms = util_mono_ms() + 5000;
	rc = http_request(&r, &resp);
	ok(rc == -1 && resp.fail == HTTP_FAIL_TLS,
	    "https to a plain server: a TLS failure (%s)", resp.error);
	http_resp_free(&resp);

	fakehttp_stop(&server);

	req_init(&r, "/echo", url, sizeof(url), 5000);
	rc = http_request(&r, &resp);
	ok(rc == -1 && resp.fail == HTTP_FAIL_NETWORK,
	    "nobody listening: a network failure (%s)", resp.error);
	http_resp_free(&resp);

	req_init(&r, "/echo", url, sizeof(url), 0);
	rc = http_request(&r, &resp);
	ok(rc == -1 && resp.fail == HTTP_FAIL_TIMEOUT,
	    "no time left: timeout before sending");
	http_resp_free(&resp);
}

static enum dns_status
judge(const char *body, char *why, size_t whylen)
{
	struct http_resp	r;

	memset(&r, 0, sizeof(r));
	r.status = 200;
	r.body = (char *)(uintptr_t)body;
	r.len = strlen(body);
	return virtualmin_answer_judge(&r, why, whylen);
}

static void
test_virtualmin_answers(void)
{
	char	why[256];

	is_int(judge("{\"command\": \"modify-dns\", \"status\": \"success\", "
	    "\"output\": \"Updating server x ..\\n.. done\\n\"}", why,
	    sizeof(why)), DNS_OK, "json success");
	is_int(judge("{\"command\": \"modify-dns\", \"status\": \"failure\", "
	    "\"error\": \"Domain example.net does not exist\", \"full_error\": "
	    "\"Domain example.net does not exist\\n\\nusage\"}", why,
	    sizeof(why)), DNS_ERR_REFUSED, "json failure");
	is_str(why, "Domain example.net does not exist", "  its error");
	is_int(judge("{\"status\": \"failure\", \"full_error\": \"\\n  "
	    "first\\nsecond\"}", why, sizeof(why)), DNS_ERR_REFUSED,
	    "json failure without error");
	is_str(why, "first", "  first line of full_error");
	is_int(judge("{\"command\": \"modify-dns\"}", why, sizeof(why)),
	    DNS_ERR_BAD_REPLY, "json without a status: neither");
	is_int(judge("ERROR: You are not allowed to use the remote API\n", why,
	    sizeof(why)), DNS_ERR_REFUSED, "plain ERROR: (json or not)");
	is_str(why, "ERROR: You are not allowed to use the remote API",
	    "  the ERROR: line");
	is_int(judge("Updating server example.com ..\n.. done\n\nExit status: "
	    "0\n", why, sizeof(why)), DNS_OK, "plain, Exit status: 0");
	is_int(judge("Domain example.net does not exist\n\nusage...\n\nExit "
	    "status: 1\n", why, sizeof(why)), DNS_ERR_REFUSED,
	    "plain, Exit status: 1");
	is_str(why, "Domain example.net does not exist", "  the first line");
	is_int(judge("<html>Login to Webmin</html>\n", why, sizeof(why)),
	    DNS_ERR_BAD_REPLY, "a login page: neither success nor failure");
	is_int(judge("", why, sizeof(why)), DNS_ERR_BAD_REPLY,
	    "an empty answer: neither");
}

/* http_url_split: what the config judges of a URL, as curl reads it. */
static void
test_url_split(void)
{
	struct http_url	pu;

	ok(http_url_split("https://api.example.net:8443/v1?x=1#f", &pu) == 0 &&
	    pu.https && strcmp(pu.host, "api.example.net") == 0 &&
	    strcmp(pu.port, "8443") == 0 && pu.query && pu.fragment &&
	    !pu.userinfo, "url: https, host, port, query, fragment");
	ok(http_url_split("http://[::1]/x", &pu) == 0 && !pu.https &&
	    strcmp(pu.host, "[::1]") == 0 && pu.port[0] == '\0' &&
	    !pu.query, "url: http to [::1], no port");
	ok(http_url_split("https://u:p@example.net/", &pu) == 0 &&
	    pu.userinfo, "url: user and password seen");
	ok(http_url_split("ftp://example.net/", &pu) == -1,
	    "url: ftp refused");
	ok(http_url_split("https://exa mple.net/", &pu) == -1,
	    "url: white space refused");
	ok(http_url_split("https://", &pu) == -1, "url: no host refused");
}

int
main(void)
{
	const char	*base = getenv("TMPDIR");

	log_init(LOG_TARGET_STDERR, 0);
	signal(SIGPIPE, SIG_IGN);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		printf("Bail out! curl_global_init\n");
		return 1;
	}
	snprintf(tmpdir, sizeof(tmpdir), "%s/fa-test-http.XXXXXX",
	    base && *base ? base : "/tmp");
	if (mkdtemp(tmpdir) == NULL)
		fatal("mkdtemp");
	test_secret();
	test_helpers();
	test_url_split();
	test_requests();
	test_virtualmin_answers();
	for (int i = 1; i <= 6; i++) {
		char p[300];

		snprintf(p, sizeof(p), "%s/k%d", tmpdir, i);
		unlink(p);
	}
	rmdir(tmpdir);
	curl_global_cleanup();
	return tap_done();
}
