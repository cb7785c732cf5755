/*
 * test_apimethods.c: the pure parts of the provider API methods: the
 * [http] templates (placeholders allowed where, escaping per context,
 * expansion), RFC 6901 pointers, OVH's request signature (against values
 * computed from the documented formula with Python's hashlib, as
 * python-ovh does) and its rule paths, Cloudflare's error envelope, the
 * names of a record, the secret scrubbed from messages; then the 429
 * handling against a server forked here: Retry-After read (seconds and an
 * HTTP date), waited for and the request sent again when it ends before
 * the deadline, not waited for when it does not.
 */
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agent/lib/log.h"
#include "agent/lib/util.h"
#include "dnsupdate/method/apimethod.h"
#include "agent/lib/http.h"
#include "dnsupdate/method/httptmpl.h"
#include "t/unit/fakehttp.h"
#include "t/unit/tap.h"

static char	tmpdir[256];

/* ---- templates ---- */

static void
check_ok(const char *t, enum httptmpl_where w, unsigned want_uses,
    const char *name)
{
	char		err[256] = "";
	unsigned	uses = 0;

	if (!ok(httptmpl_check(t, w, &uses, err, sizeof(err)) == 0, "%s",
	    name))
		printf("#   %s\n", err);
	is_int(uses, want_uses, "%s: uses", name);
}

static void
check_bad(const char *t, enum httptmpl_where w, const char *want,
    const char *name)
{
	char	err[256] = "";

	ok(httptmpl_check(t, w, NULL, err, sizeof(err)) == -1, "%s: refused",
	    name);
	if (!ok(strstr(err, want) != NULL, "%s: says '%s'", name, want))
		printf("#   got '%s'\n", err);
}

static void
test_check(void)
{
	check_ok("https://desec.io/api/v1/domains/{zone}/rrsets/{subname}..."
	    "/{type}/", HTTPTMPL_URL, 0, "deSEC url");
	check_ok("{\"subname\": \"{subname}\", \"type\": \"{type}\", \"ttl\": "
	    "{ttl}, \"records\": {addresses}}", HTTPTMPL_BODY_RECORD,
	    HTTPTMPL_USES_ADDRESSES, "deSEC body: JSON braces are text");
	check_ok("{records}", HTTPTMPL_BODY_ZONE, HTTPTMPL_USES_RECORDS,
	    "per zone body");
	check_ok("Token {secret}", HTTPTMPL_HEADER, HTTPTMPL_USES_SECRET,
	    "header with the secret");
	check_ok("{\"a\": \"{address}\"}", HTTPTMPL_RECORD,
	    HTTPTMPL_USES_ADDRESS, "record template with {address}");
	check_ok("{ {} {A} {a1} }", HTTPTMPL_BODY_RECORD, 0,
	    "braces around nothing or not lower-case letters are text");
	check_bad("https://x/{secret}", HTTPTMPL_URL, "{secret} is allowed in "
	    "a header only, not in the url", "secret in the url");
	check_bad("{\"k\": \"{secret}\"}", HTTPTMPL_BODY_RECORD, "{secret} is "
	    "allowed in a header only", "secret in the body");
	check_bad("https://x/{name}", HTTPTMPL_URL_ZONE, "{name} is not known "
	    "in the url of per = zone", "record placeholder per zone");
	check_bad("{records}", HTTPTMPL_BODY_RECORD, "{records} belongs in the "
	    "body of per = zone", "records per record");
	check_bad("[{records}, {records}]", HTTPTMPL_BODY_ZONE, "{records} "
	    "more than once", "records twice");
	check_bad("Bearer {zone}", HTTPTMPL_HEADER, "a header takes {secret} "
	    "only", "zone in a header");
	check_bad("https://x/{zone}", HTTPTMPL_TEST_URL, "test_url takes no "
	    "placeholder", "placeholder in test_url");
	check_bad("https://x/{zonename}", HTTPTMPL_URL, "unknown placeholder "
	    "{zonename}", "unknown placeholder");
}

static void
test_expand(void)
{
	struct httptmpl_vars	 v;
	struct addrset		 two;
	char			 err[256], *x;

	memset(&two, 0, sizeof(two));
	(void)addrset_add_text(&two, AF_INET, "198.51.100.21");
	(void)addrset_add_text(&two, AF_INET, "198.51.100.20");
	memset(&v, 0, sizeof(v));
	v.zone = "example.com";
	v.fqdn = "www.example.com";
	v.name = "@";
	v.subname = "";
	v.type = "A";
	v.addrs = &two;
	v.ttl = 300;
	x = httptmpl_expand("https://api/{zone}/{name}/{type}?ips={addresses}"
	    "&t={ttl}", HTTPTMPL_URL, &v, err, sizeof(err));
	is_str(x, "https://api/example.com/%40/A?ips=198.51.100.20,"
	    "198.51.100.21&t=300", "url: values percent-encoded, addresses "
	    "sorted and joined with commas");
	free(x);
	x = httptmpl_expand("{\"n\": \"{subname}\", \"r\": {addresses}, "
	    "\"ttl\": {ttl}, \"one\": \"{address}\"}", HTTPTMPL_BODY_RECORD,
	    &v, err, sizeof(err));
	is_str(x, "{\"n\": \"\", \"r\": [\"198.51.100.20\",\"198.51.100.21\"], "
	    "\"ttl\": 300, \"one\": \"198.51.100.20\"}",
	    "body: a JSON array, a number, strings escaped inside the quotes");
	free(x);
	v.fqdn = "we\"ird\\.example.com";
	x = httptmpl_expand("\"{fqdn}\"", HTTPTMPL_BODY_RECORD, &v, err,
	    sizeof(err));
	is_str(x, "\"we\\\"ird\\\\.example.com\"", "body: quote and backslash "
	    "JSON-escaped");
	free(x);
	x = httptmpl_expand("https://api/{fqdn}", HTTPTMPL_URL, &v, err,
	    sizeof(err));
	is_str(x, "https://api/we%22ird%5C.example.com", "url: the same value "
	    "percent-encoded");
	free(x);
	v.secret = "s3cr3t";
	x = httptmpl_expand("Token {secret}", HTTPTMPL_HEADER, &v, err,
	    sizeof(err));
	is_str(x, "Token s3cr3t", "header: the secret as it is");
	free(x);
	v.secret = NULL;
	x = httptmpl_expand("Token {secret}", HTTPTMPL_HEADER, &v, err,
	    sizeof(err));
	is_str(x, "Token ***", "header for logs: *** without the secret");
	free(x);
	memset(&two, 0, sizeof(two));
	v.records = "[{\"a\":1},{\"a\":2}]";
	x = httptmpl_expand("{\"rrsets\": {records}, \"ttl\": {ttl}}",
	    HTTPTMPL_BODY_ZONE, &v, err, sizeof(err));
	is_str(x, "{\"rrsets\": [{\"a\":1},{\"a\":2}], \"ttl\": 300}",
	    "per zone: {records} inserted as JSON");
	free(x);
	x = httptmpl_expand("{\"r\": {addresses}, \"one\": \"{address}\"}",
	    HTTPTMPL_RECORD, &v, err, sizeof(err));
	is_str(x, "{\"r\": [], \"one\": \"\"}", "an emptied type: [] and \"\"");
	free(x);
}

static void
test_pointer(void)
{
	json_error_t	 e;
	json_t		*j = json_loads("{\"success\": true, \"a/b\": "
	    "{\"m~n\": "
	    "[10, {\"x\": \"ok\"}]}, \"\": 5}", 0, &e);

	ok(httptmpl_json_pointer(j, "") == j, "pointer '': the document");
	ok(json_is_true(httptmpl_json_pointer(j, "/success")), "/success");
	is_str(json_string_value(httptmpl_json_pointer(j, "/a~1b/m~0n/1/x")),
	    "ok", "~1 is '/', ~0 is '~', array index");
	is_int(json_integer_value(httptmpl_json_pointer(j, "/a~1b/m~0n/0")),
	    10, "index 0");
	is_int(json_integer_value(httptmpl_json_pointer(j, "/")), 5,
	    "'/' is the key \"\" (RFC 6901 §5)");
	ok(httptmpl_json_pointer(j, "/a~1b/m~0n/01") == NULL,
	    "a leading zero is not an index");
	ok(httptmpl_json_pointer(j, "/a~1b/m~0n/2") == NULL, "past the end");
	ok(httptmpl_json_pointer(j, "/nope") == NULL, "absent key");
	ok(httptmpl_json_pointer(j, "/a~2b") == NULL, "~2 is not an escape");
	ok(httptmpl_json_pointer(j, "success") == NULL, "no leading /");
	json_decref(j);
}

/* ---- OVH, Cloudflare, names ---- */

static void
test_ovh(void)
{
	char	sig[64];

	/*
	 * The guide's example keys (AS, CK) and the formula "$1$" +
	 * SHA1_HEX(AS+"+"+CK+"+"+METHOD+"+"+QUERY+"+"+BODY+"+"+TSTAMP), the
	 * expected values from Python:
	 *   hashlib.sha1("+".join([...]).encode()).hexdigest()
	 */
	ok(ovh_signature("EXEgWIz07P0HYwtQDs7cNIqCiQaWSuHF",
	    "MtSwSrPpNjqfVSmJhLbPyr2i45lSwPU1", "GET",
	    "https://eu.api.ovh.com/1.0/domain/zone/example.com/record?"
	    "fieldType=A&subDomain=www", "", 1366560945, sig,
	    sizeof(sig)) == 0, "ovh_signature GET");
	is_str(sig, "$1$9a4f4cd6b84578973fb9c0fb2db99a6788564952",
	    "GET: empty body, the query in the URL");
	ok(ovh_signature("AS", "CK", "PUT", "https://eu.api.ovh.com/1.0/"
	    "domain/zone/example.com/record/42", "{\"target\":"
	    "\"198.51.100.20\",\"ttl\":60}", 1700000000, sig,
	    sizeof(sig)) == 0, "ovh_signature PUT");
	is_str(sig, "$1$4ddbb2e3c5f232e2f0f73acd6dc77ba3d42fae50",
	    "PUT: the body as sent is signed");
	ok(ovh_signature("a", "b", "GET", "u", NULL, 1, sig, 10) == -1,
	    "a buffer too small is refused");

	ok(ovh_rule_match("/domain/zone/*",
	    "/domain/zone/example.com/record/1"),
	    "/domain/zone/* covers a record");
	ok(ovh_rule_match("/*", "/auth/currentCredential"), "/* covers all");
	ok(ovh_rule_match("/domain/zone/example.com/refresh",
	    "/domain/zone/example.com/refresh"), "an exact path");
	ok(!ovh_rule_match("/domain/zone/example.org/*",
	    "/domain/zone/example.com/record"), "another zone's rule");
	ok(!ovh_rule_match("/domain/zone/example.com/record",
	    "/domain/zone/example.com/record/1"), "no '*': exact only");
}

static void
test_cloudflare(void)
{
	char		out[400];
	bool		auth;
	long long	code;
	const char *b1 = "{\"success\":false,\"errors\":[{\"code\":6003,"
	    "\"message\":\"Invalid request headers\",\"error_chain\":[{\"code\""
	    ":6111,\"message\":\"Invalid format for Authorization header\"}]}],"
	    "\"messages\":[],\"result\":null}";
	const char *b2 = "{\"success\":false,\"errors\":[{\"code\":81057,"
	    "\"message\":\"Record already exists.\"},{\"code\":1004,\"message\""
	    ":\"DNS Validation Error\"}],\"messages\":[],\"result\":null}";

	cloudflare_errors_text(b1, strlen(b1), out, sizeof(out), &auth, &code);
	is_str(out, "6003 Invalid request headers (6111 Invalid format for "
	    "Authorization header)", "errors[] and error_chain in one line");
	ok(auth, "6003/6111: the token was refused");
	is_int(code, 6003, "the first code");
	cloudflare_errors_text(b2, strlen(b2), out, sizeof(out), &auth, &code);
	is_str(out, "81057 Record already exists.; 1004 DNS Validation Error",
	    "every error, in order");
	ok(!auth, "81057: not about the token");
	cloudflare_errors_text("<html>\n502 Bad Gateway", 22, out, sizeof(out),
	    &auth, &code);
	is_str(out, "<html>", "not JSON: the first line");
	b2 = "{\"errors\":[{\"code\":10000,\"message\":"
	    "\"Authentication\\nerror\"}]}";
	cloudflare_errors_text(b2, strlen(b2), out, sizeof(out), &auth, &code);
	is_str(out, "10000 Authentication?error", "control characters made "
	    "harmless");
	ok(auth, "10000: the token was refused");
}

static void
test_names(void)
{
	char	f[256], n[256], s[256], m[128];

	api_owner_names("www.example.com.", "example.com.", f, n, s, 256);
	is_str(f, "www.example.com", "fqdn without the dot");
	is_str(n, "www", "name relative");
	is_str(s, "www", "subname relative");
	api_owner_names("Example.COM.", "example.com.", f, n, s, 256);
	is_str(n, "@", "apex: name @");
	is_str(s, "", "apex: subname empty");
	api_owner_names("a.b.example.com.", "example.com.", f, n, s, 256);
	is_str(s, "a.b", "a deeper name");
	api_owner_names("wwwexample.com.", "example.com.", f, n, s, 256);
	is_str(s, "wwwexample.com", "not a label boundary: not inside");

	snprintf(m, sizeof(m), "token abc123 refused: abc123!");
	api_scrub(m, "abc123");
	is_str(m, "token *** refused: ***!", "every copy of the secret");
	snprintf(m, sizeof(m), "x**y");
	api_scrub(m, "*");
	is_str(m, "x**y", "a secret made of stars does not loop");
	snprintf(m, sizeof(m), "ab");
	api_scrub(m, "ab");
	is_str(m, "**", "a short secret: as many stars, never more");
}

/* ---- 429 against t/unit/fakehttp.c ---- */

static struct fakehttp	server;

/*
 * /once: 429 Retry-After: 1 the first time, then 200 (a file counts);
 * /long: Retry-After: 30; /date: an HTTP date; /bare: none; else 503.
 */
static void
serve(int fd, const struct fakehttp_req *req, void *arg)
{
	char	counter[300];
	int	cf;

	(void)arg;
	if (strcmp(req->path, "/once") == 0) {
		snprintf(counter, sizeof(counter), "%s/once", tmpdir);
		cf = open(counter, O_WRONLY | O_CREAT | O_EXCL, 0600);
		if (cf != -1) {
			close(cf);
			fakehttp_reply(fd, "429 Too Many Requests",
			    "Retry-After: 1\r\n", "{}", 2);
		} else
			fakehttp_reply(fd, "200 OK", NULL, "{\"ok\":true}", 11);
	} else if (strcmp(req->path, "/long") == 0)
		fakehttp_reply(fd, "429 Too Many Requests",
		    "Retry-After: 30\r\n", "{}", 2);
	else if (strcmp(req->path, "/date") == 0)
		fakehttp_reply(fd, "429 Too Many Requests",
		    "Retry-After: Fri, 31 Dec 1999 23:59:59 GMT\r\n", "{}", 2);
	else if (strcmp(req->path, "/bare") == 0)
		fakehttp_reply(fd, "429 Too Many Requests", NULL, "{}", 2);
	else
		fakehttp_reply(fd, "503 Service Unavailable",
		    "Retry-After: 5\r\n", "{}", 2);
}

static void
get(const char *path, int64_t budget_ms, struct http_resp *resp, int *waits,
    int *rc)
{
	struct http_req	req;
	char		url[128];

	snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", server.port, path);
	memset(&req, 0, sizeof(req));
	req.method = "GET";
	req.url = url;
	req.deadline_ms = util_mono_ms() + budget_ms;
	*rc = api_request(&req, resp, "test", waits);
}

static void
test_rate_limit(void)
{
	struct http_resp	resp;
	int			waits, rc;

	if (fakehttp_start(&server, serve, NULL) == -1)
		fatal("fakehttp_start");
	get("/long", 5000, &resp, &waits, &rc);
	is_int(rc, 0, "/long: an answer");
	is_int(resp.status, 429, "/long: 429");
	is_int(resp.retry_after, 30, "Retry-After: 30 read");
	is_int(waits, 0, "30 s is past the deadline: not waited for");
	http_resp_free(&resp);

	get("/once", 5000, &resp, &waits, &rc);
	is_int(resp.status, 200, "/once: 429 Retry-After: 1, then 200");
	is_int(waits, 1, "one wait, one request sent again");
	is_int(resp.retry_after, -1, "a 200 has no Retry-After");
	http_resp_free(&resp);

	get("/date", 5000, &resp, &waits, &rc);
	is_int(resp.status, 429, "/date: 429");
	ok(resp.retry_after >= 0, "Retry-After as an HTTP date is read");
	http_resp_free(&resp);

	get("/bare", 5000, &resp, &waits, &rc);
	is_int(resp.retry_after, -1, "429 without Retry-After: -1");
	is_int(waits, 0, "and not waited for");
	ok(!http_retry_wait(&resp, util_mono_ms() + 5000, 0),
	    "http_retry_wait: no Retry-After, no wait");
	http_resp_free(&resp);

	get("/other", 5000, &resp, &waits, &rc);
	is_int(resp.status, 503, "503 with Retry-After");
	is_int(resp.retry_after, -1, "only a 429's Retry-After counts");
	http_resp_free(&resp);
	fakehttp_stop(&server);
}

int
main(void)
{
	char	path[300];

	log_init(LOG_TARGET_STDERR, 0);
	snprintf(tmpdir, sizeof(tmpdir), "%s/fa-api.XXXXXX",
	    getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(tmpdir) == NULL)
		fatal("mkdtemp");
	test_check();
	test_expand();
	test_pointer();
	test_ovh();
	test_cloudflare();
	test_names();
	test_rate_limit();
	snprintf(path, sizeof(path), "%s/once", tmpdir);
	unlink(path);
	rmdir(tmpdir);
	return tap_done();
}
