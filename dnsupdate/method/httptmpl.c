/*
 * httptmpl.c: the http method ([dns] method = http, section [http]): for a
 * provider without a method of its own, a request written by the
 * administrator as templates (httptmpl.h): method, url, headers, a JSON
 * body; one request per changed name and type (per = record) or one per
 * zone holding them all (per = zone, the body's {records}).
 *
 * The provider's answer is judged by the configured rule: its status is
 * one of success_status (default: any 2xx) and, when
 * success_json_pointer is set, the JSON value at that pointer (RFC 6901)
 * equals success_json_value.  A 429 with Retry-After is waited for inside
 * the deadline (RFC 6585 §4); a longer one fails the zone for this cycle.
 *
 * A template cannot read the provider's records, so right before the
 * first request each record is read again through DNS (methods.h), and
 * the change is confirmed through DNS by dnsupdate.c.  With per = record
 * the requests of a zone go one after the other: when one fails, the
 * message names what was changed and what was not, zp->changed says the
 * zone is half-done (the site becomes FAILED), and the next cycle reads
 * DNS and finishes.
 *
 * Providers count requests: deSEC allows 2/s, 15/min, 100/h and 300/day
 * RRset writes per domain (its "Rate Limits" documentation, scope
 * dns_api_per_domain_expensive), and its per-RRset URL changes an RRset
 * that exists but answers 404 to one that does not ("Modifying an
 * RRset"; only POST and the bulk endpoint create).  So per = zone (one
 * bulk request, atomic, creating and deleting RRsets) is the form to use
 * where the API has one; its config check (below) warns when rate_limit
 * says a per = record move cannot fit.
 *
 * The secret (secret_file, first line) is read right before the requests,
 * goes into the header lines that hold {secret} and nowhere else, and is
 * wiped after: logs show those headers with "***", and any text quoted
 * from an answer has the secret replaced by "***" too.
 */
#include <sys/socket.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "agent/core/config.h"
#include "agent/core/confdesc.h"
#include "agent/lib/log.h"
#include "agent/lib/util.h"
#include "dnsupdate/method/apimethod.h"
#include "agent/lib/http.h"
#include "dnsupdate/method/httptmpl.h"
#include "dnsupdate/method/methods.h"

/* The [http] section, as read by the config (below). */
static const struct cfg_http *
ht_conf(const struct config *cfg)
{
	return cfg->method_conf;
}

#define HT_BODY_MAX	(256 * 1024)

/* ---- templates ---- */

#define W(x)	(1u << (x))
#define W_RECORD_LEVEL	(W(HTTPTMPL_URL) | W(HTTPTMPL_BODY_RECORD) | \
			    W(HTTPTMPL_RECORD))

static const struct {
	const char	*word;
	unsigned	 where;		/* W(enum httptmpl_where) bits */
	unsigned	 uses;
} ht_words[] = {
	{ "zone", W(HTTPTMPL_URL) | W(HTTPTMPL_URL_ZONE) |
	    W(HTTPTMPL_BODY_RECORD) | W(HTTPTMPL_BODY_ZONE) |
	    W(HTTPTMPL_RECORD), 0 },
	{ "fqdn", W_RECORD_LEVEL, 0 },
	{ "name", W_RECORD_LEVEL, 0 },
	{ "subname", W_RECORD_LEVEL, 0 },
	{ "type", W_RECORD_LEVEL, 0 },
	{ "address", W_RECORD_LEVEL, HTTPTMPL_USES_ADDRESS },
	{ "addresses", W_RECORD_LEVEL, HTTPTMPL_USES_ADDRESSES },
	{ "ttl", W_RECORD_LEVEL | W(HTTPTMPL_BODY_ZONE), 0 },
	{ "records", W(HTTPTMPL_BODY_ZONE), HTTPTMPL_USES_RECORDS },
	{ "secret", W(HTTPTMPL_HEADER), HTTPTMPL_USES_SECRET },
};

static const char *const ht_where_names[] = {
	[HTTPTMPL_URL] = "the url",
	[HTTPTMPL_URL_ZONE] = "the url of per = zone",
	[HTTPTMPL_HEADER] = "a header",
	[HTTPTMPL_BODY_RECORD] = "the body of per = record",
	[HTTPTMPL_BODY_ZONE] = "the body of per = zone",
	[HTTPTMPL_RECORD] = "the record template",
	[HTTPTMPL_TEST_URL] = "test_url",
};

/*
 * The placeholder at p ('{'), if it is one: its length in *n (with the
 * braces) and its word copied to word.  false for a brace that is text.
 */
static bool
ht_placeholder(const char *p, char *word, size_t wlen, size_t *n)
{
	size_t	i = 1;

	while (islower((unsigned char)p[i]))
		i++;
	if (i == 1 || p[i] != '}' || i - 1 >= wlen)
		return false;
	memcpy(word, p + 1, i - 1);
	word[i - 1] = '\0';
	*n = i + 1;
	return true;
}

static int
ht_word_index(const char *word)
{
	for (size_t i = 0; i < FA_ARRAY_SIZE(ht_words); i++)
		if (strcmp(ht_words[i].word, word) == 0)
			return (int)i;
	return -1;
}

int
httptmpl_check(const char *tmpl, enum httptmpl_where where, unsigned *uses,
    char *err, size_t errlen)
{
	const char	*p;
	char		 word[32];
	size_t		 n;
	unsigned	 u = 0;
	int		 k, nrecords = 0;

	if (uses != NULL)
		*uses = 0;
	for (p = tmpl; *p != '\0'; p++) {
		if (*p != '{' || !ht_placeholder(p, word, sizeof(word), &n))
			continue;
		if ((k = ht_word_index(word)) == -1) {
			snprintf(err, errlen, "unknown placeholder {%s} (known:"
			    " {zone} {fqdn} {name} {subname} {type} {address}"
			    " {addresses} {ttl} {records} {secret})", word);
			return -1;
		}
		if (!(ht_words[k].where & W(where))) {
			if (where == HTTPTMPL_TEST_URL)
				snprintf(err, errlen, "test_url takes no"
				    " placeholder ({%s})", word);
			else if (strcmp(word, "secret") == 0)
				snprintf(err, errlen, "{secret} is allowed in a"
				    " header only, not in %s (which shows in"
				    " logs)", ht_where_names[where]);
			else if (where == HTTPTMPL_HEADER)
				snprintf(err, errlen, "{%s} in a header: a"
				    " header takes {secret} only", word);
			else if (strcmp(word, "records") == 0)
				snprintf(err, errlen, "{records} belongs in the"
				    " body of per = zone, not in %s",
				    ht_where_names[where]);
			else
				snprintf(err, errlen, "{%s} is not known in %s:"
				    " one request carries every record of the"
				    " zone (use it in the record template)",
				    word, ht_where_names[where]);
			return -1;
		}
		if (strcmp(word, "records") == 0 && ++nrecords > 1) {
			snprintf(err, errlen, "{records} more than once");
			return -1;
		}
		u |= ht_words[k].uses;
		p += n - 1;
	}
	if (uses != NULL)
		*uses = u;
	return 0;
}

/* A growing string. */
struct ht_buf {
	char	*s;
	size_t	 len;
	size_t	 cap;
};

static void
ht_put(struct ht_buf *b, const char *s, size_t n)
{
	char	*t;

	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		t = util_xcalloc(1, b->cap);
		if (b->s != NULL) {
			memcpy(t, b->s, b->len);
			util_wipe(b->s, b->len);  /* may hold the secret */
			free(b->s);
		}
		b->s = t;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static void
ht_puts(struct ht_buf *b, const char *s)
{
	ht_put(b, s, strlen(s));
}

/* s as the inside of a JSON string (no quotes). */
static int
ht_put_json_string(struct ht_buf *b, const char *s)
{
	json_t	*j = json_string(s);
	char	*t;
	size_t	 n;

	if (j == NULL)
		return -1;		/* not UTF-8: never our values */
	t = json_dumps(j, JSON_ENCODE_ANY);
	json_decref(j);
	if (t == NULL)
		return -1;
	n = strlen(t);
	ht_put(b, t + 1, n - 2);
	free(t);
	return 0;
}

static void
ht_put_url(struct ht_buf *b, const char *s)
{
	char	*e = http_escape(s);

	ht_puts(b, e);
	free(e);
}

char *
httptmpl_expand(const char *tmpl, enum httptmpl_where where,
    const struct httptmpl_vars *v, char *err, size_t errlen)
{
	struct ht_buf	 b = { NULL, 0, 0 };
	const char	*p, *val;
	char		 word[32], num[32];
	size_t		 n, i;
	bool		 url = where == HTTPTMPL_URL ||
			    where == HTTPTMPL_URL_ZONE ||
			    where == HTTPTMPL_TEST_URL;
	bool		 json = where == HTTPTMPL_BODY_RECORD ||
			    where == HTTPTMPL_BODY_ZONE ||
			    where == HTTPTMPL_RECORD;

	ht_put(&b, "", 0);
	for (p = tmpl; *p != '\0'; p++) {
		if (*p != '{' || !ht_placeholder(p, word, sizeof(word), &n)) {
			ht_put(&b, p, 1);
			continue;
		}
		p += n - 1;
		val = NULL;
		if (strcmp(word, "zone") == 0)
			val = v->zone;
		else if (strcmp(word, "fqdn") == 0)
			val = v->fqdn;
		else if (strcmp(word, "name") == 0)
			val = v->name;
		else if (strcmp(word, "subname") == 0)
			val = v->subname;
		else if (strcmp(word, "type") == 0)
			val = v->type;
		else if (strcmp(word, "address") == 0)
			val = v->addrs != NULL && v->addrs->n > 0 ?
			    v->addrs->addr[0].text : "";
		else if (strcmp(word, "secret") == 0)
			val = v->secret != NULL ? v->secret : "***";
		else if (strcmp(word, "ttl") == 0) {
			snprintf(num, sizeof(num), "%u", (unsigned)v->ttl);
			ht_puts(&b, num);
			continue;
		} else if (strcmp(word, "records") == 0) {
			ht_puts(&b, v->records != NULL ? v->records : "[]");
			continue;
		} else if (strcmp(word, "addresses") == 0) {
			ht_puts(&b, json ? "[" : "");
			for (i = 0; v->addrs != NULL && i < v->addrs->n; i++) {
				if (i > 0)
					ht_puts(&b, ",");
				if (json) {
					ht_puts(&b, "\"");
					ht_puts(&b, v->addrs->addr[i].text);
					ht_puts(&b, "\"");
				} else
					ht_put_url(&b, v->addrs->addr[i].text);
			}
			ht_puts(&b, json ? "]" : "");
			continue;
		}
		if (val == NULL) {
			snprintf(err, errlen, "internal: no value for {%s}",
			    word);
			goto fail;
		}
		if (url)
			ht_put_url(&b, val);
		else if (json) {
			if (ht_put_json_string(&b, val) == -1) {
				snprintf(err, errlen, "{%s}: a value JSON "
				    "cannot hold", word);
				goto fail;
			}
		} else
			ht_puts(&b, val);
	}
	return b.s;
fail:
	util_wipe(b.s, b.len);
	free(b.s);
	return NULL;
}

void
httptmpl_sample(struct httptmpl_vars *v, struct addrset *addrs)
{
	memset(v, 0, sizeof(*v));
	memset(addrs, 0, sizeof(*addrs));
	(void)addrset_add_text(addrs, AF_INET, "198.51.100.20");
	v->zone = "example.com";
	v->fqdn = "www.example.com";
	v->name = "www";
	v->subname = "www";
	v->type = "A";
	v->addrs = addrs;
	v->ttl = 60;
	v->records = "[]";
}

json_t *
httptmpl_json_pointer(json_t *root, const char *pointer)
{
	const char	*p = pointer, *end;
	char		 tok[256];
	size_t		 n, i, j;
	long long	 idx;
	const char	*errstr;
	json_t		*cur = root;

	if (*p == '\0')
		return root;
	if (*p != '/')
		return NULL;
	while (*p == '/' && cur != NULL) {
		p++;
		end = p + strcspn(p, "/");
		n = (size_t)(end - p);
		if (n >= sizeof(tok))
			return NULL;
		/* RFC 6901 §4: ~1 is '/', ~0 is '~', in that order. */
		for (i = 0, j = 0; i < n; i++) {
			if (p[i] == '~') {
				if (i + 1 < n && p[i + 1] == '1')
					tok[j++] = '/';
				else if (i + 1 < n && p[i + 1] == '0')
					tok[j++] = '~';
				else
					return NULL;
				i++;
			} else
				tok[j++] = p[i];
		}
		tok[j] = '\0';
		if (json_is_object(cur))
			cur = json_object_get(cur, tok);
		else if (json_is_array(cur)) {
			/* An index: "0", or digits without a leading 0. */
			if (j == 0 || (tok[0] == '0' && j > 1) ||
			    util_number_parse(tok, 0, 1000000, &idx,
			    &errstr) == -1)
				return NULL;
			cur = json_array_get(cur, (size_t)idx);
		} else
			return NULL;
		p = end;
	}
	return cur;
}

/* ---- the method ---- */

/* A zone's request context (the secret is api_call()'s, see ht_auth()). */
struct ht_ctx {
	const struct config	*cfg;
	char			 shown[1024];	/* headers for logs, *** */
	char			 host[256];	/* of the url, for messages */
	bool			 ctype;		/* [http] header sets them */
	bool			 accept;
	const char		*secret;	/* during api_call() only */
	bool			 unknown;	/* whether it was applied is
						   not known */
};

/* "https://desec.io/api/..." -> "desec.io" for messages. */
static void
ht_host(const char *url, char *out, size_t len)
{
	const char	*p = strstr(url, "://");

	p = p != NULL ? p + 3 : url;
	snprintf(out, len, "%.*s", (int)strcspn(p, "/?#"), p);
}

/* The context of a zone's requests: the host, the headers as logged. */
static void
ht_ctx_init(struct ht_ctx *x, const struct config *cfg)
{
	const struct cfg_http	*h = ht_conf(cfg);
	struct httptmpl_vars	 v;
	char			 err[512], *val;
	size_t			 i;

	memset(x, 0, sizeof(*x));
	x->cfg = cfg;
	ht_host(h->url, x->host, sizeof(x->host));
	memset(&v, 0, sizeof(v));
	for (i = 0; i < h->nheaders; i++) {
		/* For logs: the template, {secret} as ***. */
		if ((val = httptmpl_expand(h->headers[i].value,
		    HTTPTMPL_HEADER, &v, err, sizeof(err))) != NULL) {
			util_msg_append(x->shown, sizeof(x->shown), "%s%s: %s",
			    i > 0 ? "; " : "", h->headers[i].name, val);
			free(val);
		}
		if (strcasecmp(h->headers[i].name, "Content-Type") == 0)
			x->ctype = true;
		if (strcasecmp(h->headers[i].name, "Accept") == 0)
			x->accept = true;
	}
}

/*
 * api_call()'s auth hook: the [http] header lines, {secret} (secret[0],
 * NULL without secret_file) in place.
 */
static enum dns_status
ht_auth(const struct api_req *req, char *const secret[],
    struct curl_slist **hdrs, char *msg, size_t msglen)
{
	struct ht_ctx		*x = req->arg;
	const struct cfg_http	*h = ht_conf(x->cfg);
	struct httptmpl_vars	 v;
	char			 err[512], *val;
	size_t			 i;

	x->secret = secret[0];
	memset(&v, 0, sizeof(v));
	v.secret = secret[0];
	for (i = 0; i < h->nheaders; i++) {
		val = httptmpl_expand(h->headers[i].value, HTTPTMPL_HEADER, &v,
		    err, sizeof(err));
		if (val == NULL || http_header_add(hdrs, h->headers[i].name,
		    val) == -1) {
			if (val != NULL) {
				util_wipe(val, strlen(val));
				free(val);
			}
			api_msg(req, msg, msglen, "[http] header %s: %s",
			    h->headers[i].name, val == NULL ? err :
			    "out of memory");
			return DNS_ERR_INTERNAL;
		}
		util_wipe(val, strlen(val));
		free(val);
	}
	return DNS_OK;
}

/* One request as [http] describes it; the caller sets what varies. */
static struct api_req
ht_req(struct ht_ctx *x, const char *label, const char *method,
    const char *url, const char *body, int64_t deadline_ms,
    api_judge_fn judge)
{
	const struct cfg_http	*h = ht_conf(x->cfg);

	return (struct api_req){ .label = label, .bare = true,
	    .provider = x->host, .api = "http", .base = h->url,
	    .method = method, .url = url, .ca_file = h->ca_file, .body = body,
	    .content_type = h->body != NULL && !x->ctype ?
	    "application/json" : NULL, .accept = x->accept ? NULL :
	    "application/json", .shown = x->shown, .body_max = HT_BODY_MAX,
	    .deadline_ms = deadline_ms, .write = true,
	    .secrets = { { h->secret_file, "[http] secret" } },
	    .auth = API_AUTH_HOOK, .auth_hook = ht_auth, .judge = judge,
	    .arg = x };
}

/* Is status one of success_status (default: any 2xx)? */
static bool
ht_status_ok(const struct cfg_http *h, long status)
{
	size_t	i;

	if (h->nstatus == 0)
		return status >= 200 && status < 300;
	for (i = 0; i < h->nstatus; i++)
		if (status == h->success_status[i])
			return true;
	return false;
}

/*
 * Is resp a success by [http]'s rule?  false with why (a plain reason,
 * the secret scrubbed) when not.
 */
static bool
ht_success(const struct ht_ctx *x, const struct http_resp *resp, char *why,
    size_t whylen)
{
	const struct cfg_http	*h = ht_conf(x->cfg);
	json_t			*j = NULL, *got, *want = NULL;
	json_error_t		 jerr;
	char			 line[300], *gs = NULL;
	bool			 ok = false;

	why[0] = '\0';
	http_first_line(resp->body, line, sizeof(line));
	api_scrub(line, x->secret);
	if (!(ok = ht_status_ok(h, resp->status))) {
		util_msg(why, whylen, "HTTP %ld%s%s", resp->status,
		    line[0] ? ": " : "", line);
		return false;
	}
	if (h->success_json_pointer == NULL)
		return true;
	ok = false;
	if ((j = json_loadb(resp->body, resp->len, JSON_DECODE_ANY,
	    &jerr)) == NULL) {
		util_msg(why, whylen, "HTTP %ld, but the answer is not JSON "
		    "(success_json_pointer %s): %s", resp->status,
		    h->success_json_pointer, line[0] ? line : "(empty)");
		goto done;
	}
	want = json_loads(h->success_json_value, JSON_DECODE_ANY, &jerr);
	if ((got = httptmpl_json_pointer(j, h->success_json_pointer)) ==
	    NULL) {
		util_msg(why, whylen, "HTTP %ld, but the answer has nothing at "
		    "%s: %s", resp->status, h->success_json_pointer, line);
		goto done;
	}
	if (want != NULL && json_equal(got, want)) {
		ok = true;
		goto done;
	}
	gs = json_dumps(got, JSON_ENCODE_ANY | JSON_COMPACT);
	if (gs != NULL)
		api_scrub(gs, x->secret);
	util_msg(why, whylen, "HTTP %ld, but %s is %.100s, not %s: %s",
	    resp->status, h->success_json_pointer, gs != NULL ? gs : "?",
	    h->success_json_value, line);
done:
	free(gs);
	json_decref(want);
	json_decref(j);
	return ok;
}

/*
 * The provider's answer by [http]'s rule: DNS_OK for a success, else the
 * status with why (no label) in msg.
 */
static enum dns_status
ht_judge(const struct api_req *req, const struct http_resp *resp,
    char *msg, size_t msglen)
{
	struct ht_ctx		*x = req->arg;
	const struct cfg_http	*h = ht_conf(x->cfg);
	enum dns_status		 st;

	if (ht_success(x, resp, msg, msglen))
		return DNS_OK;
	if (h->success_json_pointer != NULL && resp->status >= 200 &&
	    resp->status < 300 && ht_status_ok(h, resp->status)) {
		/* A success status with an answer that says otherwise. */
		x->unknown = true;
		return DNS_ERR_BAD_REPLY;
	}
	st = api_http_status(resp->status);
	if (st == DNS_ERR_BADKEY)
		util_msg_append(msg, msglen, " (the "
		    "provider refused the credentials: check [http] "
		    "secret_file and the header that holds {secret})");
	else if (st == DNS_ERR_NOTAUTH)
		util_msg_append(msg, msglen, " (the "
		    "provider does not know this zone or name: check the "
		    "zone and [http] url)");
	return st;
}

/*
 * One request: method url [body] (api_call()).  DNS_OK when the rule says
 * success; else the error with why (no label) in why, *local when nothing
 * was sent (the secret, the headers).
 */
static enum dns_status
ht_send(struct ht_ctx *x, const char *url, const char *body,
    const char *label, int64_t deadline_ms, bool *unknown, bool *local,
    char *why, size_t whylen)
{
	struct api_req		req;
	struct api_result	res;

	x->unknown = false;
	req = ht_req(x, label, ht_conf(x->cfg)->method, url, body, deadline_ms,
	    ht_judge);
	api_call(&req, &res, why, whylen);
	x->secret = NULL;
	api_result_free(&res);
	*unknown = x->unknown || res.status == DNS_ERR_UNKNOWN;
	*local = res.local;
	return res.status;
}

static void
ht_vars(struct httptmpl_vars *v, const struct config *cfg,
    const struct dns_zone_plan *zp, const struct method_change *mc,
    char *zone, char *fqdn, char *name, char *subname, size_t len)
{
	memset(v, 0, sizeof(*v));
	dns_name_label(zp->zone->name, zone, len);
	v->zone = zone;
	v->ttl = cfg->dns.ttl;
	if (mc == NULL)
		return;
	api_owner_names(mc->owner, zp->zone->name, fqdn, name, subname, len);
	v->fqdn = fqdn;
	v->name = name;
	v->subname = subname;
	v->type = mc->type;
	v->addrs = &mc->new_addrs;
}

/* "www.example.com. A" of every change from first on, for messages. */
static void
ht_list(const struct method_change *mcs, size_t first, size_t n, char *buf,
    size_t len)
{
	size_t	i;

	buf[0] = '\0';
	for (i = first; i < n; i++)
		util_msg_append(buf, len, "%s%s %s",
		    i > first ? ", " : "", mcs[i].owner, mcs[i].type);
}

/* per = zone: the body's {records}, a JSON array. NULL with err on error. */
static char *
ht_records(const struct config *cfg, const struct dns_zone_plan *zp,
    const struct method_change *mcs, size_t n, char *err, size_t errlen)
{
	struct httptmpl_vars	 v;
	struct ht_buf		 b = { NULL, 0, 0 };
	char			 zone[256], fqdn[256], name[256], sub[256];
	char			*item;
	size_t			 i;

	ht_puts(&b, "[");
	for (i = 0; i < n; i++) {
		ht_vars(&v, cfg, zp, &mcs[i], zone, fqdn, name, sub,
		    sizeof(zone));
		if ((item = httptmpl_expand(ht_conf(cfg)->record,
		    HTTPTMPL_RECORD, &v, err, errlen)) == NULL) {
			free(b.s);
			return NULL;
		}
		if (i > 0)
			ht_puts(&b, ",");
		ht_puts(&b, item);
		free(item);
	}
	ht_puts(&b, "]");
	return b.s;
}

static enum dns_status
ht_update(const struct config *cfg, const struct dns_server *srv,
    struct dns_zone_plan *zp, int64_t deadline_ms)
{
	const struct cfg_http	*h = ht_conf(cfg);
	struct method_change	*mcs = NULL;
	struct httptmpl_vars	 v;
	struct ht_ctx		 x;
	char			 label[256], fqdn[256], name[256], sub[256];
	char			 err[512], why[512], done[512], left[512];
	char			*url = NULL, *body = NULL, *recs = NULL;
	size_t			 n, i, ndone = 0;
	bool			 unknown = false, local = false;
	enum dns_status		 st;

	dns_name_label(zp->zone->name, label, sizeof(label));
	st = method_recheck(cfg, srv, zp, zp->message, sizeof(zp->message));
	if (st != DNS_OK)
		return st;
	n = method_changes(zp, &mcs);
	ht_ctx_init(&x, cfg);

	if (h->per_zone) {
		ht_vars(&v, cfg, zp, NULL, label, fqdn, name, sub,
		    sizeof(label));
		if ((recs = ht_records(cfg, zp, mcs, n, err, sizeof(err))) ==
		    NULL) {
			st = DNS_ERR_INTERNAL;
			util_msg(zp->message, sizeof(zp->message), "%s: %s",
			    label, err);
			goto done;
		}
		v.records = recs;
		if ((url = httptmpl_expand(h->url, HTTPTMPL_URL_ZONE, &v, err,
		    sizeof(err))) == NULL || (body = httptmpl_expand(h->body,
		    HTTPTMPL_BODY_ZONE, &v, err, sizeof(err))) == NULL) {
			st = DNS_ERR_INTERNAL;
			util_msg(zp->message, sizeof(zp->message), "%s: %s",
			    label, err);
			goto done;
		}
		st = ht_send(&x, url, body, label, deadline_ms, &unknown,
		    &local, why, sizeof(why));
		if (local)	/* nothing sent: the secret, the headers */
			util_msg(zp->message, sizeof(zp->message), "%s: %s",
			    label, why);
		else if (st == DNS_OK)
			util_msg(zp->message, sizeof(zp->message), "%s: %s "
			    "took the change of %zu record%s in one %s request",
			    label, x.host, zp->nchange, zp->nchange == 1 ?
			    "" : "s", h->method);
		else if (unknown) {
			/* The site is FAILED; the next cycle reads DNS. */
			zp->changed = true;
			util_msg(zp->message, sizeof(zp->message), "%s: %s %s "
			    "at %s: %s; whether it was applied is not known: "
			    "the next cycle reads DNS", label, h->method, url,
			    x.host, why);
		} else
			util_msg(zp->message, sizeof(zp->message), "%s: %s %s "
			    "at %s: %s; nothing was changed", label, h->method,
			    url, x.host, why);
		goto done;
	}

	for (i = 0; i < n; i++) {
		ht_vars(&v, cfg, zp, &mcs[i], label, fqdn, name, sub,
		    sizeof(label));
		free(url);
		free(body);
		body = NULL;
		if ((url = httptmpl_expand(h->url, HTTPTMPL_URL, &v, err,
		    sizeof(err))) == NULL || (h->body != NULL &&
		    (body = httptmpl_expand(h->body, HTTPTMPL_BODY_RECORD, &v,
		    err, sizeof(err))) == NULL)) {
			st = DNS_ERR_INTERNAL;
			local = false;
			util_msg(why, sizeof(why), "%s", err);
		} else
			st = ht_send(&x, url, body, label, deadline_ms,
			    &unknown, &local, why, sizeof(why));
		if (st == DNS_ERR_NOTAUTH && mcs[i].old_addrs.n == 0)
			/* deSEC's RRset detail view: no RRset, no write. */
			util_msg_append(why, sizeof(why),
			    "; %s %s did not exist: a URL naming one record "
			    "set may change it but not create it (deSEC "
			    "answers 404 so): use per = zone", mcs[i].owner,
			    mcs[i].type);
		if (st != DNS_OK)
			break;
		ndone++;
	}
	if (unknown)
		util_msg_append(why, sizeof(why), "; "
		    "whether it was applied is not known");
	if (st == DNS_OK) {
		util_msg(zp->message, sizeof(zp->message), "%s: %s took the "
		    "change of %zu record%s (%zu %s request%s)", label, x.host,
		    zp->nchange, zp->nchange == 1 ? "" : "s", n, h->method,
		    n == 1 ? "" : "s");
		goto done;
	}
	if (local && ndone == 0) {
		/* Nothing sent: the secret, the headers. */
		util_msg(zp->message, sizeof(zp->message), "%s: %s", label,
		    why);
		goto done;
	}
	ht_list(mcs, 0, ndone, done, sizeof(done));
	ht_list(mcs, ndone, n, left, sizeof(left));
	if (ndone == 0 && !unknown)
		util_msg(zp->message, sizeof(zp->message), "%s: %s %s at %s: "
		    "%s; nothing was changed", label, h->method, url != NULL ?
		    url : "(no url)", x.host, why);
	else {
		/* Half-done: the site is FAILED and the next cycle finishes. */
		zp->changed = true;
		util_msg(zp->message, sizeof(zp->message), "%s: stopped "
		    "half-way: changed %s; not changed: %s (%s %s: %s); the "
		    "next cycle reads DNS and finishes", label,
		    ndone > 0 ? done : "nothing for sure", left, h->method,
		    url != NULL ? url : "(no url)", why);
	}
done:
	free(url);
	free(recs);
	if (body != NULL)
		util_wipe(body, strlen(body));
	free(body);
	free(mcs);
	return st;
}

/* config-test's reading of test_url's answer: any 2xx. */
static enum dns_status
ht_probe_judge(const struct api_req *req, const struct http_resp *resp,
    char *msg, size_t msglen)
{
	char	line[300];

	if (resp->status >= 200 && resp->status <= 299)
		return DNS_OK;
	http_first_line(resp->body, line, sizeof(line));
	api_msg(req, msg, msglen, "HTTP %ld%s%s%s", resp->status,
	    line[0] ? ": " : "", line, resp->status == 401 ||
	    resp->status == 403 ? " (the provider refused the credentials)" :
	    "");
	return api_http_status(resp->status);
}

/*
 * config-test: GET test_url with the headers (the secret in place) proves
 * the URL, TLS and the credentials, when set; then each zone's SOA through
 * DNS, where every change will be confirmed.
 */
static int
ht_probe(const struct config *cfg, struct diag_list *diags)
{
	const struct cfg_http	*h = ht_conf(cfg);
	const struct cfg_zone	*z;
	struct ht_ctx		 x;
	struct api_req		 req;
	struct api_result	 res;
	char			 msg[512], err[512], label[256];
	size_t			 i;
	int			 ret = 0;

	if (h->test_url == NULL)
		diag_add(diags, false, "%s:%d: [http] has no test_url: "
		    "config-test cannot prove the provider takes the "
		    "credentials (a failover will)", cfg->path, h->line);
	else {
		ht_ctx_init(&x, cfg);
		req = ht_req(&x, "config-test", "GET", h->test_url, NULL,
		    util_mono_ms() + cfg->dns.timeout_ms, ht_probe_judge);
		if (api_call(&req, &res, msg, sizeof(msg)) != DNS_OK) {
			if (res.local)
				diag_add(diags, true, "%s:%d: config-test: %s",
				    cfg->path, h->line, msg);
			else
				diag_add(diags, true, "%s:%d: [http] test_url "
				    "%s: %s", cfg->path, h->line, h->test_url,
				    msg);
			ret = -1;
		}
		api_result_free(&res);
	}
	for (i = 0; i < cfg->nzones; i++) {
		z = &cfg->zones[i];
		dns_name_label(z->name, label, sizeof(label));
		if (method_probe_dns(cfg, z, err, sizeof(err)) != DNS_OK) {
			diag_add(diags, true, "%s:%d: %s: reading the zone "
			    "through DNS failed (set [dns] server and port to "
			    "the provider's nameserver): %s", cfg->path,
			    cfg->dns.line, label, err);
			ret = -1;
		}
	}
	return ret;
}

const struct dnsupdate_method dnsupdate_http = {
	.name = "http",
	.server = method_server,
	.update = ht_update,
	.probe = ht_probe,
	/* One zone after another: most providers rate-limit per account. */
	.parallel = false,
};

/* ---- [http]: its keys (agent/core/confdesc.h) ---- */

/*
 * A URL template of [http] once expanded with sample values: http or https,
 * a host, no user or password; plain http to a loopback address only (the
 * request carries a secret in a header).  A query is allowed (some APIs
 * take their parameters there), never the secret ({secret} is refused in a
 * URL, which shows in logs).
 */
static void
http_url_check(struct cfg_ctx *c, int line, const char *key, const char *url)
{
	struct http_url	pu;

	if (http_url_split(url, &pu) == -1)
		cfg_error(c, line, "bad %s '%.80s' (expected"
		    " https://HOST[:PORT]/...)", key, url);
	else if (pu.userinfo)
		cfg_error(c, line, "%s must not hold a user name or password"
		    " (they would show in logs); put the secret in a header"
		    " with {secret}", key);
	else if (!pu.https && !cfg_host_is_loopback(pu.host))
		cfg_error(c, line, "%s: http:// would send the secret to %s in"
		    " clear text; use https:// (plain http is allowed only to a"
		    " loopback address: 127.0.0.1, ::1, localhost)", key,
		    pu.host);
}

/*
 * Check the template of key at where, and, for a URL or a body, what it
 * expands to with sample values (a URL that curl takes, a body that is
 * JSON).  Returns a copy of the template, or NULL (reported).  *uses gets
 * what it uses.
 */
static char *
get_http_template(struct cfg_ctx *c, const struct cfg_sec *s,
    const char *key, enum httptmpl_where where, bool required, unsigned *uses)
{
	struct httptmpl_vars	 v;
	struct addrset	 sample;
	json_error_t		 jerr;
	json_t			*j;
	const char		*t;
	char			*x, err[256];
	int			 line = s->line;

	*uses = 0;
	if ((t = cfg_get_str(c, s, key, required, &line)) == NULL)
		return NULL;
	if (httptmpl_check(t, where, uses, err, sizeof(err)) == -1) {
		cfg_error(c, line, "%s: %s", key, err);
		return NULL;
	}
	httptmpl_sample(&v, &sample);
	v.records = "[]";
	if ((x = httptmpl_expand(t, where, &v, err, sizeof(err))) == NULL) {
		cfg_error(c, line, "%s: %s", key, err);
		return NULL;
	}
	if (where == HTTPTMPL_URL || where == HTTPTMPL_URL_ZONE ||
	    where == HTTPTMPL_TEST_URL)
		http_url_check(c, line, key, x);
	else if (where == HTTPTMPL_BODY_RECORD ||
	    where == HTTPTMPL_BODY_ZONE || where == HTTPTMPL_RECORD) {
		if ((j = json_loads(x, JSON_DECODE_ANY, &jerr)) == NULL)
			cfg_error(c, line, "%s is not JSON once expanded (%s,"
			    " at character %d of: %.120s)", key, jerr.text,
			    jerr.position, x);
		json_decref(j);
	}
	free(x);
	return util_xstrdup(t);
}

/* header = Name: value, as many as needed (in file order). */
static void
get_http_headers(struct cfg_ctx *c, const struct cfg_sec *s,
    struct cfg_http *h, unsigned *uses)
{
	const struct cfg_entry	*e;
	const char		*colon, *p;
	char			*name, err[256];
	unsigned		 u;
	size_t			 i, n;

	*uses = 0;
	for (i = 0; i < s->n; i++) {
		e = &s->entries[i];
		if (strcmp(e->key, "header") != 0)
			continue;
		if (h->nheaders == CFG_HTTP_HEADERS_MAX) {
			cfg_error(c, e->line, "more than %d header lines",
			    CFG_HTTP_HEADERS_MAX);
			return;
		}
		colon = strchr(e->value, ':');
		n = colon != NULL ? (size_t)(colon - e->value) : 0;
		while (n > 0 && isspace((unsigned char)e->value[n - 1]))
			n--;
		/* RFC 9110 §5.1: a field name is a token. */
		for (p = e->value; colon != NULL && p < e->value + n; p++)
			if (!isalnum((unsigned char)*p) &&
			    strchr("!#$%&'*+-.^_`|~", *p) == NULL)
				break;
		if (colon == NULL || n == 0 || p < e->value + n) {
			cfg_error(c, e->line, "bad header '%.64s' (expected"
			    " 'header = Name: value')", e->value);
			continue;
		}
		for (p = colon + 1; isspace((unsigned char)*p); p++)
			;
		if (httptmpl_check(p, HTTPTMPL_HEADER, &u, err,
		    sizeof(err)) == -1) {
			cfg_error(c, e->line, "header: %s", err);
			continue;
		}
		*uses |= u;
		name = util_xcalloc(1, n + 1);
		memcpy(name, e->value, n);
		h->headers[h->nheaders].name = name;
		h->headers[h->nheaders].value = util_xstrdup(p);
		h->headers[h->nheaders].line = e->line;
		h->nheaders++;
	}
}

/*
 * rate_limit = 2/s, 15/min, 100/h, 300/d: the provider's documented limits
 * on the requests of one zone (deSEC's per-domain write limits, for
 * instance), N per s, min, h or d; each unit once.
 */
static void
get_http_rate(struct cfg_ctx *c, const struct cfg_sec *s, struct cfg_http *h)
{
	static const struct { const char *u; uint32_t secs; } units[] = {
		{ "s", 1 }, { "min", 60 }, { "h", 3600 }, { "d", 86400 } };
	const char	*v;
	char		*dup, *tok, *save = NULL, *slash;
	int		 line = s->line;
	const char	*errstr;
	size_t		 u, k;
	long long	 n;

	if ((v = cfg_get_str(c, s, "rate_limit", false, &line)) == NULL)
		return;
	dup = util_xstrdup(v);
	for (tok = strtok_r(dup, ", \t", &save); tok != NULL;
	    tok = strtok_r(NULL, ", \t", &save)) {
		if ((slash = strchr(tok, '/')) == NULL)
			goto bad;
		*slash++ = '\0';
		for (u = 0; u < FA_ARRAY_SIZE(units); u++)
			if (strcmp(slash, units[u].u) == 0)
				break;
		if (u == FA_ARRAY_SIZE(units) || util_number_parse(tok, 1,
		    1000000, &n, &errstr) == -1)
			goto bad;
		for (k = 0; k < h->nrate; k++)
			if (h->rate[k].window_s == units[u].secs)
				goto bad;
		h->rate[h->nrate].n = (uint32_t)n;
		h->rate[h->nrate++].window_s = units[u].secs;
	}
	free(dup);
	if (h->nrate == 0)
		cfg_error(c, line, "rate_limit is empty");
	return;
bad:
	free(dup);
	h->nrate = 0;
	cfg_error(c, line, "bad rate_limit '%.60s' (expected N/s, N/min, N/h,"
	    " N/d, each unit once: \"2/s, 15/min, 100/h, 300/d\")", v);
}

/* success_status = 200, 204: HTTP statuses, 100 to 599. */
static void
get_http_statuses(struct cfg_ctx *c, const struct cfg_sec *s,
    struct cfg_http *h)
{
	const char	*v, *errstr;
	char		*copy, *tok, *save;
	long long	 n;
	int		 line = s->line;

	if ((v = cfg_get_str(c, s, "success_status", false, &line)) == NULL)
		return;
	copy = util_xstrdup(v);
	for (tok = strtok_r(copy, ", \t", &save); tok != NULL;
	    tok = strtok_r(NULL, ", \t", &save)) {
		if (util_number_parse(tok, 100, 599, &n, &errstr) == -1) {
			cfg_error(c, line, "bad HTTP status '%.32s' in"
			    " success_status: %s (100 to 599)", tok, errstr);
			break;
		}
		if (h->nstatus == CFG_HTTP_STATUS_MAX) {
			cfg_error(c, line, "more than %d statuses in"
			    " success_status", CFG_HTTP_STATUS_MAX);
			break;
		}
		h->success_status[h->nstatus++] = (long)n;
	}
	if (h->nstatus == 0 && tok == NULL)
		cfg_error(c, line, "success_status lists no status");
	free(copy);
}

static void
ht_conf_validate(struct cfg_ctx *c, const struct cfg_sec *s, void *conf)
{
	static const char *const methods[] = { "GET", "POST", "PUT", "PATCH",
	    "DELETE" };
	struct cfg_http		*h = conf;
	const struct cfg_entry	*e;
	const char		*v;
	char			*m;
	unsigned		 uh = 0, uu = 0, ub = 0, ur = 0, ut = 0;
	json_error_t		 jerr;
	json_t			*j;
	int			 line = s->line;
	size_t			 i;

	h->line = s->line;
	if ((v = cfg_get_str(c, s, "method", false, &line)) != NULL) {
		m = util_xstrdup(v);
		for (char *p = m; *p != '\0'; p++)
			*p = (char)toupper((unsigned char)*p);
		for (i = 0; i < FA_ARRAY_SIZE(methods); i++)
			if (strcmp(methods[i], m) == 0)
				break;
		if (i == FA_ARRAY_SIZE(methods)) {
			cfg_error(c, line, "bad method '%.32s' (expected GET,"
			    " POST, PUT, PATCH or DELETE)", v);
			free(m);
		} else
			h->method = m;
	}
	h->url = get_http_template(c, s, "url", h->per_zone ?
	    HTTPTMPL_URL_ZONE : HTTPTMPL_URL, false, &uu);
	get_http_headers(c, s, h, &uh);
	h->body = get_http_template(c, s, "body", h->per_zone ?
	    HTTPTMPL_BODY_ZONE : HTTPTMPL_BODY_RECORD, h->per_zone, &ub);
	if (h->per_zone) {
		h->record = get_http_template(c, s, "record", HTTPTMPL_RECORD,
		    true, &ur);
		if (h->body != NULL && !(ub & HTTPTMPL_USES_RECORDS))
			cfg_error(c, cfg_sec_get(s, "body")->line, "per = zone:"
			    " the body must hold {records} (the changed"
			    " records, each written with the record template)");
	} else if ((e = cfg_sec_get(s, "record")) != NULL)
		cfg_error(c, e->line, "record applies to per = zone only");
	h->test_url = get_http_template(c, s, "test_url", HTTPTMPL_TEST_URL,
	    false, &ut);
	get_http_statuses(c, s, h);
	h->success_json_pointer = (v = cfg_get_str(c, s, "success_json_pointer",
	    false, &line)) != NULL ? util_xstrdup(v) : NULL;
	if (v != NULL && v[0] != '/')
		cfg_error(c, line, "success_json_pointer '%.64s' is not a JSON"
		    " pointer (RFC 6901: /key/0/key)", v);
	if ((v = cfg_get_str(c, s, "success_json_value", false,
	    &line)) != NULL) {
		if ((j = json_loads(v, JSON_DECODE_ANY, &jerr)) == NULL)
			cfg_error(c, line, "success_json_value must be JSON"
			    " (true, 1, \"ok\"): %s", jerr.text);
		else
			h->success_json_value = util_xstrdup(v);
		json_decref(j);
	}
	if ((cfg_sec_get(s, "success_json_pointer") == NULL) !=
	    (cfg_sec_get(s, "success_json_value") == NULL))
		cfg_error(c, s->line, "success_json_pointer and"
		    " success_json_value go together");
	if (cfg_sec_get(s, "secret_file") != NULL) {
		h->secret_file = cfg_get_secret_file(c, s, "secret_file");
		if (!(uh & HTTPTMPL_USES_SECRET))
			cfg_error(c, cfg_sec_get(s, "secret_file")->line,
			    "secret_file is set but no header holds {secret}");
	} else if (uh & HTTPTMPL_USES_SECRET)
		cfg_error(c, s->line, "a header holds {secret} but [http] has"
		    " no secret_file");
	get_http_rate(c, s, h);
	h->uses = uu | ub | ur;
	(void)ut;
}

/*
 * per = record sends one request per changed name and type: a move of a
 * zone takes (its records) x (the address families of the sites)
 * requests.  More than a rate_limit allows, and the provider answers 429
 * half-way: warn, and say what per = zone would cost (one request).
 */
static void
validate_http_rate(struct cfg_ctx *c, const struct cfg_http *h)
{
	const struct config	*cfg = cfg_config(c);
	struct addrset	 p, b;
	const char		*unit;
	size_t			 i, k, nfam = 0, need;
	int			 fam;

	if (h->per_zone || h->nrate == 0)
		return;
	for (fam = AF_INET; fam != -1; fam = fam == AF_INET ? AF_INET6 : -1) {
		addrset_family(&cfg->primary, fam, &p);
		addrset_family(&cfg->backup, fam, &b);
		if (p.n > 0 || b.n > 0)
			nfam++;
	}
	for (i = 0; i < cfg->nzones; i++) {
		need = cfg->zones[i].nrecords * nfam;
		for (k = 0; k < h->nrate; k++) {
			if (need <= h->rate[k].n)
				continue;
			unit = h->rate[k].window_s == 1 ? "second" :
			    h->rate[k].window_s == 60 ? "minute" :
			    h->rate[k].window_s == 3600 ? "hour" : "day";
			cfg_warn(c, cfg->zones[i].line, "with per = record a"
			    " move of %s takes %zu requests, more than [http]"
			    " rate_limit allows (%u per %s): the provider will"
			    " answer 429 half-way%s; per = zone takes one"
			    " request per zone", cfg->zones[i].name, need,
			    (unsigned)h->rate[k].n, unit,
			    h->rate[k].window_s == 1 ? " and the move waits for "
			    "Retry-After" : " and the zone stays half-moved "
			    "until a later cycle");
			break;
		}
	}
}

/*
 * {address} writes one address: each site must have at most one address
 * of each type, and both the same count (else a move would empty it).
 */
static void
validate_http_sites(struct cfg_ctx *c, const struct cfg_http *h)
{
	const struct config	*cfg = cfg_config(c);
	struct addrset	 p, b;
	int			 fam;

	if (!(h->uses & HTTPTMPL_USES_ADDRESS))
		return;
	for (fam = AF_INET; fam != -1; fam = fam == AF_INET ? AF_INET6 : -1) {
		addrset_family(&cfg->primary, fam, &p);
		addrset_family(&cfg->backup, fam, &b);
		if (p.n > 1 || b.n > 1 || p.n != b.n) {
			cfg_error(c, h->line, "[http] uses {address}, which"
			    " holds one address, but [site:primary] has %zu"
			    " and [site:backup] %zu %s address%s: use"
			    " {addresses} (a JSON array)", p.n, b.n,
			    fam == AF_INET ? "IPv4" : "IPv6",
			    p.n + b.n == 1 ? "" : "es");
			return;
		}
	}
}

static void
ht_conf_validate_all(struct cfg_ctx *c, void *conf)
{
	validate_http_sites(c, conf);
	validate_http_rate(c, conf);
}

static void
ht_conf_free(void *conf)
{
	struct cfg_http	*h = conf;

	for (size_t k = 0; k < h->nheaders; k++) {
		free(h->headers[k].name);
		free(h->headers[k].value);
	}
	h->nheaders = 0;
}

static const struct cfg_kw ht_pers[] = { { "record", 0 }, { "zone", 1 } };

#define K_AT(m)	CFG_AT(struct cfg_http, m)
static const struct cfg_key ht_keys[] = {
	{ .name = "method", .type = CFG_T_CUSTOM, .flags = CFG_F_REQUIRED |
	  CFG_F_OWNED, K_AT(method), .doc = "GET, POST, PUT, PATCH or DELETE" },
	{ .name = "url", .type = CFG_T_CUSTOM, .flags = CFG_F_REQUIRED |
	  CFG_F_OWNED, K_AT(url), .doc = "the URL template" },
	{ .name = "header", .type = CFG_T_CUSTOM, .flags = CFG_F_MULTI,
	  .doc = "Name: value template, one line per header" },
	{ .name = "body", .type = CFG_T_CUSTOM, .flags = CFG_F_OWNED,
	  K_AT(body), .doc = "the JSON body template" },
	{ .name = "per", .type = CFG_T_ENUM, K_AT(per_zone), .def = 0,
	  CFG_KWS(ht_pers), .doc = "one request per record or per zone" },
	{ .name = "record", .type = CFG_T_CUSTOM, .flags = CFG_F_OWNED,
	  K_AT(record), .doc = "per = zone: one {records} item" },
	{ .name = "success_status", .type = CFG_T_CUSTOM,
	  .doc = "the statuses of success (any 2xx)" },
	{ .name = "success_json_pointer", .type = CFG_T_CUSTOM,
	  .flags = CFG_F_OWNED, K_AT(success_json_pointer),
	  .doc = "where in the answer success is said (RFC 6901)" },
	{ .name = "success_json_value", .type = CFG_T_CUSTOM,
	  .flags = CFG_F_OWNED, K_AT(success_json_value),
	  .doc = "what it must be there (JSON)" },
	{ .name = "secret_file", .type = CFG_T_CUSTOM, .flags = CFG_F_OWNED,
	  K_AT(secret_file), .doc = "the {secret} of the headers" },
	{ .name = "test_url", .type = CFG_T_CUSTOM, .flags = CFG_F_OWNED,
	  K_AT(test_url), .doc = "config-test GETs it" },
	{ .name = "ca_file", .type = CFG_T_FILE, K_AT(ca_file),
	  .doc = "a CA bundle instead of the system's" },
	{ .name = "rate_limit", .type = CFG_T_CUSTOM,
	  .doc = "the provider's limits: N/s, N/min, N/h, N/d" },
	{ .name = NULL }
};
#undef K_AT

static const struct cfg_section_desc http_section = {
	.name = "http",
	.doc = "a templated HTTP request (method = http)",
	.keys = ht_keys,
	.size = sizeof(struct cfg_http),
	.validate = ht_conf_validate,
	.validate_all = ht_conf_validate_all,
	.free = ht_conf_free,
};

/* [dns] method = http (registry.c). */
const struct cfg_method http_method = {
	.name = "http",
	.ops = &dnsupdate_http,
	.section = &http_section,
};
