/*
 * ovh.c: the ovh method: the OVHcloud API v1 ([ovh] endpoint, default
 * https://eu.api.ovh.com/1.0; application_key_file,
 * application_secret_file, consumer_key_file, ca_file).
 *
 * Every request but GET /auth/time is signed the way OVH documents it
 * ("First Steps with the OVHcloud APIs", and the reference clients, e.g.
 * python-ovh's Client.raw_call()):
 *   X-Ovh-Application: AK
 *   X-Ovh-Consumer:    CK
 *   X-Ovh-Timestamp:   the server's time (our clock + the delta measured
 *                      with GET /auth/time, kept for the run)
 *   X-Ovh-Signature:   "$1$" + SHA1_HEX(AS+"+"+CK+"+"+METHOD+"+"+URL+"+"+
 *                      BODY+"+"+TIMESTAMP), URL the full URL as sent (query
 *                      included), BODY the exact bytes sent ("" if none).
 *
 * Per zone with changes (the DNS API of /domain/zone):
 *   GET  /domain/zone/ZONE/record?fieldType=A&subDomain=www   -> [ids]
 *   GET  /domain/zone/ZONE/record/ID     -> {id, fieldType, subDomain,
 *                                            target, ttl, zone}
 *   then per changed name and type, what OVH holds now is compared with
 *   what DNS showed (nothing sent on a difference: a conflict), and
 *   PUT    /domain/zone/ZONE/record/ID  {"target", "ttl"}   a record moved
 *   DELETE /domain/zone/ZONE/record/ID                      one too many
 *   POST   /domain/zone/ZONE/record     {"fieldType", "subDomain",
 *                                        "target", "ttl"}   one missing
 *   POST   /domain/zone/ZONE/refresh    what makes OVH publish the zone:
 *                                       until then DNS serves the old one;
 *                                       sent as python-ovh sends a call
 *                                       without arguments: the body "{}"
 *                                       as application/json, signed as
 *                                       sent (client.py call(): "if data
 *                                       is not None: ... Content-type:
 *                                       application/json ... body =
 *                                       json.dumps(data)").  Never an
 *                                       empty body with libcurl's default
 *                                       form content type, which no
 *                                       reference client sends.
 * OVH has no batch call: the requests of a zone go one after the other.
 * When one fails half-way, the zone is refreshed all the same (so DNS
 * shows what OVH holds, and the next cycle reads the truth), the message
 * names what was and was not changed, and zp->changed makes the site
 * FAILED until the next cycle finishes.  A record that OVH already holds
 * with the new address but DNS does not show (a refresh that failed
 * before) is not sent again: the zone is only refreshed.
 *
 * Errors are {"errorCode", "httpCode", "message"} (or {"message"}):
 * 400 INVALID_SIGNATURE, 403 INVALID_KEY (application key),
 * INVALID_CREDENTIAL / NOT_CREDENTIAL (consumer key), NOT_GRANTED_CALL
 * (the consumer key's rules do not allow the call), 404 (no such zone or
 * record).  OVH does not document how far X-Ovh-Timestamp may be from its
 * clock, nor the error for it; /auth/time makes the question moot, and any
 * time-related refusal makes the delta be read again next time.
 */
#include <sys/socket.h>
#include <arpa/inet.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "agent/core/config.h"
#include "agent/core/confdesc.h"
#include "dnsupdate/method/ovh.h"
#include "agent/lib/log.h"
#include "agent/lib/util.h"
#include "dnsupdate/method/apimethod.h"
#include "agent/lib/http.h"
#include "dnsupdate/method/methods.h"

/* The [ovh] section, as read by the config (below). */
static const struct cfg_ovh *
ovh_conf(const struct config *cfg)
{
	return cfg->method_conf;
}

#define OVH_BODY_MAX		(1024 * 1024)
#define OVH_RECORDS_MAX		(ADDRSET_MAX * 2)

/* Server time minus ours, measured once per run (python-ovh does too). */
static long long	ovh_delta;
static bool		ovh_delta_known;
static pthread_mutex_t	ovh_delta_lock = PTHREAD_MUTEX_INITIALIZER;

int
ovh_signature(const char *as, const char *ck, const char *method,
    const char *url, const char *body, long long ts, char *out,
    size_t outlen)
{
	static const char	 hex[] = "0123456789abcdef";
	EVP_MD_CTX		*md;
	unsigned char		 dig[EVP_MAX_MD_SIZE];
	unsigned int		 dlen = 0, i;
	char			 tsb[32];
	const char		*parts[6];
	int			 ret = -1;

	if (outlen < 3 + 40 + 1)
		return -1;
	snprintf(tsb, sizeof(tsb), "%lld", ts);
	parts[0] = as;
	parts[1] = ck;
	parts[2] = method;
	parts[3] = url;
	parts[4] = body != NULL ? body : "";
	parts[5] = tsb;
	if ((md = EVP_MD_CTX_new()) == NULL)
		return -1;
	if (EVP_DigestInit_ex(md, EVP_sha1(), NULL) != 1)
		goto done;
	for (i = 0; i < 6; i++)
		if ((i > 0 && EVP_DigestUpdate(md, "+", 1) != 1) ||
		    EVP_DigestUpdate(md, parts[i], strlen(parts[i])) != 1)
			goto done;
	if (EVP_DigestFinal_ex(md, dig, &dlen) != 1 || dlen != 20)
		goto done;
	memcpy(out, "$1$", 3);
	for (i = 0; i < dlen; i++) {
		out[3 + 2 * i] = hex[dig[i] >> 4];
		out[3 + 2 * i + 1] = hex[dig[i] & 15];
	}
	out[3 + 2 * dlen] = '\0';
	ret = 0;
done:
	EVP_MD_CTX_free(md);
	util_wipe(dig, sizeof(dig));
	return ret;
}

bool
ovh_rule_match(const char *rule, const char *path)
{
	const char	*star = NULL, *resume = NULL;

	/*
	 * '*' matches any run of characters, '/' included (OVH's rules).
	 * Iterative, going back only to the last '*' seen: at most
	 * len(rule) * len(path) steps whatever the rule (OVH's answer)
	 * holds.  The recursive form took time exponential in the number
	 * of '*' and stack as deep as the rule is long (found by fuzz_ovh).
	 */
	while (*path != '\0') {
		if (*rule == '*') {
			star = ++rule;
			resume = path;
		} else if (*rule == *path) {
			rule++;
			path++;
		} else if (star != NULL) {
			rule = star;
			path = ++resume;
		} else
			return false;
	}
	while (*rule == '*')
		rule++;
	return *rule == '\0';
}

/*
 * GET /auth/time (not signed: python-ovh's time_delta) and keep the
 * difference with our clock for the run.  DNS_OK or an error with msg.
 */
static enum dns_status
ovh_time_delta(const struct config *cfg, const char *label,
    int64_t deadline_ms, long long *delta, char *msg, size_t msglen)
{
	struct http_req		 req;
	struct http_resp	 resp;
	json_t			*j;
	json_error_t		 jerr;
	char			 url[600], line[200];
	long long		 now;
	enum dns_status		 st = DNS_OK;

	pthread_mutex_lock(&ovh_delta_lock);
	if (ovh_delta_known) {
		*delta = ovh_delta;
		pthread_mutex_unlock(&ovh_delta_lock);
		return DNS_OK;
	}
	pthread_mutex_unlock(&ovh_delta_lock);
	snprintf(url, sizeof(url), "%s/auth/time", ovh_conf(cfg)->endpoint);
	memset(&req, 0, sizeof(req));
	req.method = "GET";
	req.url = url;
	req.ca_file = ovh_conf(cfg)->ca_file;
	req.body_max = 4096;
	req.deadline_ms = deadline_ms;
	if (api_request(&req, &resp, label, NULL) == -1) {
		util_msg(msg, msglen, "%s: OVH API at %s: %s", label,
		    ovh_conf(cfg)->endpoint, resp.error);
		st = api_fail_status(&resp, false);
		goto done;
	}
	now = util_wall_ms() / 1000;
	j = json_loadb(resp.body, resp.len, JSON_DECODE_ANY, &jerr);
	if (resp.status != 200 || !json_is_integer(j)) {
		http_first_line(resp.body, line, sizeof(line));
		util_msg(msg, msglen, "%s: OVH's GET /auth/time answered HTTP "
		    "%ld, not a time: %s", label, resp.status, line);
		st = resp.status == 429 ? DNS_ERR_REFUSED : DNS_ERR_BAD_REPLY;
		json_decref(j);
		goto done;
	}
	*delta = json_integer_value(j) - now;
	json_decref(j);
	pthread_mutex_lock(&ovh_delta_lock);
	ovh_delta = *delta;
	ovh_delta_known = true;
	pthread_mutex_unlock(&ovh_delta_lock);
	if (*delta > 5 || *delta < -5)
		log_info("%s: OVH's clock is %+llds from ours: requests are "
		    "stamped with OVH's time", label, *delta);
done:
	http_resp_free(&resp);
	return st;
}

static void
ovh_delta_forget(void)
{
	pthread_mutex_lock(&ovh_delta_lock);
	ovh_delta_known = false;
	pthread_mutex_unlock(&ovh_delta_lock);
}

/* The X-Ovh-* headers of one attempt.  -1: no memory or no OpenSSL. */
static int
ovh_headers(const char *ak, const char *as, const char *ck,
    const char *method, const char *url, const char *body, long long delta,
    struct curl_slist **hdrs)
{
	char		sig[64], ts[32];
	long long	now = util_wall_ms() / 1000 + delta;
	int		ret = -1;

	snprintf(ts, sizeof(ts), "%lld", now);
	if (ovh_signature(as, ck, method, url, body, now, sig,
	    sizeof(sig)) == -1)
		goto done;
	if (http_header_add(hdrs, "X-Ovh-Application", ak) == -1 ||
	    http_header_add(hdrs, "X-Ovh-Consumer", ck) == -1 ||
	    http_header_add(hdrs, "X-Ovh-Timestamp", ts) == -1 ||
	    http_header_add(hdrs, "X-Ovh-Signature", sig) == -1)
		goto done;
	ret = 0;
done:
	util_wipe(sig, sizeof(sig));
	return ret;
}

/* What one signed call carries to its hooks. */
struct ovh_call_ctx {
	const struct config	*cfg;
	const char		*path;
	long long		 delta;		/* OVH's clock minus ours */
	json_t			*json;		/* on success: the answer */
};

/*
 * api_call()'s auth hook: signed with the three keys (secret[0..2]) and
 * OVH's time, again for each attempt (the timestamp is part of it).
 */
static enum dns_status
ovh_sign(const struct api_req *req, char *const secret[],
    struct curl_slist **hdrs, char *msg, size_t msglen)
{
	struct ovh_call_ctx	*x = req->arg;
	enum dns_status		 st;

	st = ovh_time_delta(x->cfg, req->label, req->deadline_ms, &x->delta,
	    msg, msglen);
	if (st != DNS_OK)
		return st;
	if (ovh_headers(secret[0], secret[1], secret[2], req->method,
	    req->url, req->body, x->delta, hdrs) == -1) {
		api_msg(req, msg, msglen, "cannot sign the request");
		return DNS_ERR_INTERNAL;
	}
	return DNS_OK;
}

/*
 * OVH's answer: DNS_OK for a 2xx one (its JSON kept), else
 * {"errorCode", "message"} as one message.
 */
static enum dns_status
ovh_judge(const struct api_req *req, const struct http_resp *resp,
    char *msg, size_t msglen)
{
	struct ovh_call_ctx	*x = req->arg;
	const char		*method = req->method, *path = x->path;
	json_t			*j;
	json_error_t		 jerr;
	const char		*code = NULL, *text = NULL;
	char			 etext[300];
	enum dns_status		 st;

	j = json_loadb(resp->body, resp->len, JSON_DECODE_ANY, &jerr);
	if (resp->status >= 200 && resp->status < 300) {
		if (j == NULL && resp->len > 0) {
			api_msg(req, msg, msglen, "OVH answered %s %s with "
			    "HTTP %ld but no JSON", method, path,
			    resp->status);
			return DNS_ERR_BAD_REPLY;
		}
		x->json = j;
		return DNS_OK;
	}
	if (json_is_object(j)) {
		code = json_string_value(json_object_get(j, "errorCode"));
		text = json_string_value(json_object_get(j, "message"));
	}
	if (text != NULL)
		http_first_line(text, etext, sizeof(etext));
	else
		http_first_line(resp->body, etext, sizeof(etext));
	if (code == NULL)
		code = "";
	if (strcmp(code, "INVALID_SIGNATURE") == 0) {
		api_msg(req, msg, msglen, "OVH refused the request's signature "
		    "(HTTP %ld INVALID_SIGNATURE: %s); check [ovh] "
		    "application_secret_file and consumer_key_file",
		    resp->status, etext);
		st = DNS_ERR_BADSIG;
	} else if (strstr(code, "TIME") != NULL) {
		api_msg(req, msg, msglen, "OVH refused the request's timestamp "
		    "(HTTP %ld %s: %s), stamped with OVH's time from "
		    "/auth/time (our clock %+llds); it is measured again next "
		    "time", resp->status, code, etext, -x->delta);
		ovh_delta_forget();
		st = DNS_ERR_BADTIME;
	} else if (strcmp(code, "INVALID_KEY") == 0) {
		api_msg(req, msg, msglen, "OVH does not know the application "
		    "key (HTTP %ld INVALID_KEY: %s); check [ovh] "
		    "application_key_file", resp->status, etext);
		st = DNS_ERR_BADKEY;
	} else if (strcmp(code, "INVALID_CREDENTIAL") == 0 ||
	    strcmp(code, "NOT_CREDENTIAL") == 0) {
		api_msg(req, msg, msglen, "OVH refused the consumer key (HTTP "
		    "%ld %s: %s); check [ovh] consumer_key_file (a consumer "
		    "key must be validated, and may have expired)",
		    resp->status, code, etext);
		st = DNS_ERR_BADKEY;
	} else if (strcmp(code, "NOT_GRANTED_CALL") == 0) {
		api_msg(req, msg, msglen, "the OVH consumer key may not call %s "
		    "%s (HTTP %ld NOT_GRANTED_CALL: %s); grant it GET, PUT, "
		    "POST and DELETE on /domain/zone/ZONE/* (see INSTALL)",
		    method, path, resp->status, etext);
		st = DNS_ERR_REFUSED;
	} else if (resp->status == 404 && strncmp(path, "/domain/zone/", 13) ==
	    0 && strstr(path, "/record/") == NULL) {
		/* The zone itself (not a record that vanished). */
		api_msg(req, msg, msglen, "zone %.*s is not in this OVH account "
		    "(%s %s: HTTP 404: %s)", (int)strcspn(path + 13, "/?"),
		    path + 13, method, path, etext);
		st = DNS_ERR_NOTAUTH;
	} else if (resp->status == 404) {
		api_msg(req, msg, msglen, "OVH: %s %s: not found (HTTP 404: %s)",
		    method, path, etext);
		st = DNS_ERR_NOTAUTH;
	} else {
		api_msg(req, msg, msglen, "OVH refused %s %s (HTTP %ld%s%s: %s)",
		    method, path, resp->status, code[0] ? " " : "", code, etext);
		st = api_http_status(resp->status);
	}
	json_decref(j);
	return st;
}

/*
 * One signed call: method on {endpoint}{path} (escaped) with body (NULL:
 * none; a POST without arguments sends "{}" as JSON, like python-ovh),
 * the three keys read now and wiped after (api_call()).  DNS_OK for a 2xx
 * answer, *out (may be NULL; caller json_decref()s) its JSON.  Otherwise
 * the error with a plain message starting with label in msg.
 */
static enum dns_status
ovh_call(const struct config *cfg, const char *label, const char *method,
    const char *path, const char *body, int64_t deadline_ms, json_t **out,
    char *msg, size_t msglen)
{
	const struct cfg_ovh	*o = ovh_conf(cfg);
	struct ovh_call_ctx	 x = { cfg, path, 0, NULL };
	struct api_result	 res;
	char			 url[1200];

	if (out != NULL)
		*out = NULL;
	if (body == NULL && strcmp(method, "POST") == 0)
		body = "{}";	/* python-ovh: json.dumps({}) */
	snprintf(url, sizeof(url), "%s%s", o->endpoint, path);
	api_call(&(struct api_req){ .label = label, .provider = "OVH",
	    .api = "OVH API", .base = o->endpoint, .method = method,
	    .url = url, .ca_file = o->ca_file, .body = body,
	    .content_type = body != NULL && body[0] != '\0' ?
	    "application/json" : NULL, .accept = "application/json",
	    .body_max = OVH_BODY_MAX, .deadline_ms = deadline_ms,
	    .write = strcmp(method, "GET") != 0, .secrets = {
	    { o->application_key_file, "OVH application key" },
	    { o->application_secret_file, "OVH application secret" },
	    { o->consumer_key_file, "OVH consumer key" } },
	    .auth = API_AUTH_HOOK, .auth_hook = ovh_sign, .judge = ovh_judge,
	    .arg = &x }, &res, msg, msglen);
	api_result_free(&res);
	if (out != NULL)
		*out = x.json;
	else
		json_decref(x.json);
	return res.status;
}

/* One record as OVH holds it. */
struct ovh_record {
	long long	id;
	char		target[64];
};

/*
 * The records of subdomain sub and mc's type in zone: ids listed, then
 * each read (the list is only ids).  DNS_OK, or an error with msg.
 */
static enum dns_status
ovh_records(const struct config *cfg, const char *label, const char *zone,
    const char *sub, const struct method_change *mc, int64_t deadline_ms,
    struct ovh_record *recs, size_t max, size_t *n, struct addrset *addrs,
    char *msg, size_t msglen)
{
	json_t		*ids = NULL, *id, *r = NULL;
	const char	*ft, *sd, *target;
	char		*ez, *es, path[800];
	size_t		 i;
	enum dns_status	 st;

	*n = 0;
	memset(addrs, 0, sizeof(*addrs));
	ez = http_escape(zone);
	es = http_escape(sub);
	snprintf(path, sizeof(path), "/domain/zone/%s/record?fieldType=%s&"
	    "subDomain=%s", ez, mc->type, es);
	free(es);
	st = ovh_call(cfg, label, "GET", path, NULL, deadline_ms, &ids, msg,
	    msglen);
	if (st != DNS_OK)
		goto done;
	if (!json_is_array(ids)) {
		st = DNS_ERR_BAD_REPLY;
		util_msg(msg, msglen, "%s: OVH's record list for %s %s is not "
		    "a list of ids", label, mc->owner, mc->type);
		goto done;
	}
	json_array_foreach(ids, i, id) {
		if (!json_is_integer(id)) {
			st = DNS_ERR_BAD_REPLY;
			util_msg(msg, msglen, "%s: OVH's record list for %s %s "
			    "holds something else than ids", label, mc->owner,
			    mc->type);
			goto done;
		}
		snprintf(path, sizeof(path), "/domain/zone/%s/record/%lld", ez,
		    (long long)json_integer_value(id));
		json_decref(r);
		r = NULL;
		st = ovh_call(cfg, label, "GET", path, NULL, deadline_ms, &r,
		    msg, msglen);
		if (st != DNS_OK)
			goto done;
		ft = json_string_value(json_object_get(r, "fieldType"));
		sd = json_string_value(json_object_get(r, "subDomain"));
		target = json_string_value(json_object_get(r, "target"));
		/* The filters are OVH's: check them (the apex is ""). */
		if (ft != NULL && strcasecmp(ft, mc->type) != 0)
			continue;
		if (sd != NULL && strcasecmp(sd, sub) != 0)
			continue;
		if (target == NULL || *n == max ||
		    addrset_add_text(addrs, mc->family, target) == -1) {
			st = DNS_ERR_BAD_REPLY;
			util_msg(msg, msglen, "%s: OVH sent a record of %s %s "
			    "we cannot read", label, mc->owner, mc->type);
			goto done;
		}
		recs[*n].id = (long long)json_integer_value(id);
		snprintf(recs[*n].target, sizeof(recs[*n].target), "%s",
		    target);
		(*n)++;
	}
done:
	json_decref(r);
	json_decref(ids);
	free(ez);
	return st;
}

/* One request of a zone's change, for sending and for the message. */
struct ovh_op {
	const char	*method;	/* PUT, DELETE, POST */
	long long	 id;		/* PUT, DELETE */
	const struct method_change *mc;
	char		 from[64];	/* PUT, DELETE: the target it held */
	char		 to[64];	/* PUT, POST: the new target */
};

static bool
ovh_target_is(int family, const char *target, const char *canon)
{
	struct addrset		one;

	memset(&one, 0, sizeof(one));
	return addrset_add_text(&one, family, target) == 0 &&
	    strcmp(one.addr[0].text, canon) == 0;
}

static bool
ovh_target_in(const struct addrset *set, int family, const char *target)
{
	for (size_t i = 0; i < set->n; i++)
		if (ovh_target_is(family, target, set->addr[i].text))
			return true;
	return false;
}

/* The requests that move mc from recs to its new addresses. */
static size_t
ovh_plan(const struct method_change *mc, const struct ovh_record *recs,
    size_t nrecs, struct ovh_op *ops, size_t max)
{
	const char		*add[ADDRSET_MAX];
	const struct ovh_record	*chg[OVH_RECORDS_MAX];
	size_t			 nadd = 0, nchg = 0, i, k, n = 0;
	bool			 held;

	for (i = 0; i < mc->new_addrs.n; i++) {
		held = false;
		for (k = 0; k < nrecs; k++)
			if (ovh_target_is(mc->family, recs[k].target,
			    mc->new_addrs.addr[i].text))
				held = true;
		if (!held)
			add[nadd++] = mc->new_addrs.addr[i].text;
	}
	for (k = 0; k < nrecs; k++)
		if (!ovh_target_in(&mc->new_addrs, mc->family, recs[k].target))
			chg[nchg++] = &recs[k];
	for (i = 0; i < nchg && n < max; i++, n++) {
		memset(&ops[n], 0, sizeof(ops[n]));
		ops[n].method = i < nadd ? "PUT" : "DELETE";
		ops[n].id = chg[i]->id;
		ops[n].mc = mc;
		snprintf(ops[n].from, sizeof(ops[n].from), "%s",
		    chg[i]->target);
		if (i < nadd)
			snprintf(ops[n].to, sizeof(ops[n].to), "%s", add[i]);
	}
	for (k = nchg; k < nadd && n < max; k++, n++) {
		memset(&ops[n], 0, sizeof(ops[n]));
		ops[n].method = "POST";
		ops[n].mc = mc;
		snprintf(ops[n].to, sizeof(ops[n].to), "%s", add[k]);
	}
	return n;
}

/* "www.example.com. A 192.0.2.10 -> 198.51.100.20" */
static void
ovh_op_text(const struct ovh_op *op, char *buf, size_t len)
{
	if (strcmp(op->method, "PUT") == 0)
		util_msg(buf, len, "%s %s %s -> %s", op->mc->owner,
		    op->mc->type, op->from, op->to);
	else if (strcmp(op->method, "DELETE") == 0)
		util_msg(buf, len, "%s %s %s removed", op->mc->owner,
		    op->mc->type, op->from);
	else
		util_msg(buf, len, "%s %s %s added", op->mc->owner,
		    op->mc->type, op->to);
}

static enum dns_status
ovh_send_op(const struct config *cfg, const char *label, const char *ez,
    const char *sub, const struct ovh_op *op, int64_t deadline_ms, char *msg,
    size_t msglen)
{
	json_t		*b = NULL;
	char		 path[600], *body = NULL;
	enum dns_status	 st;

	if (strcmp(op->method, "POST") == 0) {
		snprintf(path, sizeof(path), "/domain/zone/%s/record", ez);
		b = json_pack("{s:s, s:s, s:s, s:I}", "fieldType",
		    op->mc->type, "subDomain", sub, "target", op->to, "ttl",
		    (json_int_t)cfg->dns.ttl);
	} else {
		snprintf(path, sizeof(path), "/domain/zone/%s/record/%lld", ez,
		    op->id);
		if (strcmp(op->method, "PUT") == 0)
			b = json_pack("{s:s, s:I}", "target", op->to, "ttl",
			    (json_int_t)cfg->dns.ttl);
	}
	if (b != NULL && (body = json_dumps(b, JSON_COMPACT |
	    JSON_PRESERVE_ORDER)) == NULL) {
		json_decref(b);
		util_msg(msg, msglen, "%s: out of memory", label);
		return DNS_ERR_INTERNAL;
	}
	st = ovh_call(cfg, label, op->method, path, body, deadline_ms, NULL, msg,
	    msglen);
	json_decref(b);
	free(body);
	return st;
}

static enum dns_status
ovh_update(const struct config *cfg, const struct dns_server *srv,
    struct dns_zone_plan *zp, int64_t deadline_ms)
{
	struct method_change	*mcs = NULL;
	struct ovh_record	 recs[OVH_RECORDS_MAX];
	struct ovh_op		*ops = NULL;
	struct addrset		 now;
	char			 label[256], fqdn[256], name[256];
	char			(*subs)[256] = NULL;
	char			 one[200], done[700];
	char			 left[700], why[700], rmsg[512], path[600];
	char			*ez = NULL;
	size_t			 n, i, k, nrecs, nops = 0, maxops, ndone = 0;
	size_t			 npending = 0;
	bool			 same;
	enum dns_status		 st, rst = DNS_OK;

	(void)srv;
	dns_name_label(zp->zone->name, label, sizeof(label));
	n = method_changes(zp, &mcs);
	maxops = n * OVH_RECORDS_MAX + 1;
	ops = util_xcalloc(maxops, sizeof(*ops));
	subs = util_xcalloc(n + 1, sizeof(*subs));
	ez = http_escape(label);

	/* What OVH holds now, record by record: no prerequisites there. */
	for (i = 0; i < n; i++) {
		api_owner_names(mcs[i].owner, zp->zone->name, fqdn, name,
		    subs[i], sizeof(fqdn));
		st = ovh_records(cfg, label, label, subs[i], &mcs[i],
		    deadline_ms, recs, FA_ARRAY_SIZE(recs), &nrecs, &now,
		    zp->message, sizeof(zp->message));
		if (st != DNS_OK)
			goto done;
		if ((st = api_recheck("OVH", label, &mcs[i], &now, &same,
		    zp->message, sizeof(zp->message))) != DNS_OK)
			goto done;
		if (same) {
			npending++;	/* changed, not published yet */
			continue;
		}
		k = ovh_plan(&mcs[i], recs, nrecs, ops + nops, maxops - nops);
		for (size_t j = nops; j < nops + k; j++)
			ops[j].mc = &mcs[i];
		nops += k;
	}

	/* One request after another: OVH has no batch call. */
	done[0] = '\0';
	for (i = 0; i < nops; i++) {
		size_t mi = (size_t)(ops[i].mc - mcs);

		st = ovh_send_op(cfg, label, ez, subs[mi], &ops[i], deadline_ms,
		    why, sizeof(why));
		if (st != DNS_OK)
			break;
		ovh_op_text(&ops[i], one, sizeof(one));
		util_msg_append(done, sizeof(done),
		    "%s%s", ndone > 0 ? ", " : "", one);
		ndone++;
	}
	/* Publish what OVH holds, whole or half: DNS must tell the truth. */
	if (ndone > 0 || npending > 0 || st == DNS_ERR_UNKNOWN) {
		snprintf(path, sizeof(path), "/domain/zone/%s/refresh", ez);
		rst = ovh_call(cfg, label, "POST", path, NULL, deadline_ms, NULL,
		    rmsg, sizeof(rmsg));
	}
	if (st == DNS_OK && rst == DNS_OK) {
		util_msg(zp->message, sizeof(zp->message), "%s: OVH took the "
		    "change of %zu record%s (%zu request%s%s) and refreshed "
		    "the zone", label, zp->nchange, zp->nchange == 1 ? "" : "s",
		    nops, nops == 1 ? "" : "s", npending > 0 ? ", some changed "
		    "there before and not yet published" : "");
		goto done;
	}
	if (st == DNS_OK) {
		/* Every record changed at OVH, none published. */
		zp->changed = ndone > 0;
		util_msg(zp->message, sizeof(zp->message), "%s: OVH took the "
		    "records' change (%s) but the zone refresh failed, so DNS "
		    "still serves the old records: %s; the next cycle "
		    "refreshes again", label, ndone > 0 ? done : "made before",
		    rmsg);
		st = rst;
		goto done;
	}
	left[0] = '\0';
	for (k = i; k < nops; k++) {
		ovh_op_text(&ops[k], one, sizeof(one));
		util_msg_append(left, sizeof(left),
		    "%s%s", k > i ? ", " : "", one);
	}
	if (ndone == 0 && npending == 0 && st != DNS_ERR_UNKNOWN)
		util_msg(zp->message, sizeof(zp->message), "%s; nothing was "
		    "changed", why);
	else {
		/* Half-done: the site is FAILED; the next cycle finishes. */
		zp->changed = true;
		util_msg(zp->message, sizeof(zp->message), "%s: OVH stopped "
		    "half-way: changed %s; not changed: %s (%s); %s; the next "
		    "cycle reads DNS and finishes", label, ndone > 0 ? done :
		    "nothing now", left, why, rst == DNS_OK ? "the zone was "
		    "refreshed, so DNS shows what OVH holds" : "the zone "
		    "refresh failed too");
	}
done:
	free(ez);
	free(subs);
	free(ops);
	free(mcs);
	return st;
}

/*
 * config-test: /auth/time (the clock), GET /auth/currentCredential (the
 * three keys, signed: a validated consumer key) and its rules against the
 * calls a change needs, GET /domain/zone/ZONE for each zone, then the
 * zone's SOA through DNS.
 */
static int
ovh_probe(const struct config *cfg, struct diag_list *diags)
{
	static const struct { const char *method, *suffix; } need[] = {
		{ "GET", "/record" }, { "GET", "/record/1" },
		{ "PUT", "/record/1" }, { "POST", "/record" },
		{ "DELETE", "/record/1" }, { "POST", "/refresh" } };
	const struct cfg_zone	*z;
	json_t			*cred = NULL, *rules, *r;
	char			 msg[600], err[512], label[256], path[600];
	char			 missing[400], *ez;
	const char		*status, *rm, *rp;
	long long		 delta;
	size_t			 i, k, ri;
	bool			 granted;
	int			 ret = 0;
	enum dns_status		 st;

	st = ovh_time_delta(cfg, "config-test", util_mono_ms() +
	    cfg->dns.timeout_ms, &delta, msg, sizeof(msg));
	if (st == DNS_OK)
		st = ovh_call(cfg, "config-test", "GET",
		    "/auth/currentCredential", NULL, util_mono_ms() +
		    cfg->dns.timeout_ms, &cred, msg, sizeof(msg));
	if (st == DNS_ERR_REFUSED && strstr(msg, "NOT_GRANTED_CALL") != NULL) {
		/* Rules that do not cover /auth: the zones below still prove
		 * the keys; the rules cannot be read. */
		diag_add(diags, false, "%s:%d: %s; the consumer key's rules "
		    "are not checked", cfg->path, ovh_conf(cfg)->line, msg);
	} else if (st != DNS_OK) {
		diag_add(diags, true, "%s:%d: %s", cfg->path,
		    ovh_conf(cfg)->line, msg);
		ret = -1;
		goto done;
	}
	status = json_string_value(json_object_get(cred, "status"));
	if (cred != NULL && (status == NULL ||
	    strcmp(status, "validated") != 0)) {
		diag_add(diags, true, "%s:%d: the OVH consumer key is %s, not "
		    "validated (open its validationUrl once)", cfg->path,
		    ovh_conf(cfg)->line, status != NULL ? status : "of no known "
		    "status");
		ret = -1;
	}
	rules = json_object_get(cred, "rules");
	for (i = 0; i < cfg->nzones; i++) {
		z = &cfg->zones[i];
		dns_name_label(z->name, label, sizeof(label));
		ez = http_escape(label);
		missing[0] = '\0';
		for (k = 0; json_is_array(rules) && k < FA_ARRAY_SIZE(need);
		    k++) {
			snprintf(path, sizeof(path), "/domain/zone/%s%s", ez,
			    need[k].suffix);
			granted = false;
			json_array_foreach(rules, ri, r) {
				rm = json_string_value(json_object_get(r,
				    "method"));
				rp = json_string_value(json_object_get(r,
				    "path"));
				if (rm != NULL && rp != NULL &&
				    strcmp(rm, need[k].method) == 0 &&
				    ovh_rule_match(rp, path))
					granted = true;
			}
			if (!granted)
				util_msg_append(missing, sizeof(missing),
				    "%s%s %s", missing[0] ? ", " : "",
				    need[k].method, path);
		}
		if (missing[0] != '\0') {
			diag_add(diags, true, "%s:%d: %s: the OVH consumer key "
			    "may not call %s (grant GET, PUT, POST and DELETE "
			    "on /domain/zone/%s/*)", cfg->path, z->line, label,
			    missing, label);
			ret = -1;
		}
		snprintf(path, sizeof(path), "/domain/zone/%s", ez);
		free(ez);
		st = ovh_call(cfg, label, "GET", path, NULL, util_mono_ms() +
		    cfg->dns.timeout_ms, NULL, msg, sizeof(msg));
		if (st != DNS_OK) {
			diag_add(diags, true, "%s:%d: %s", cfg->path,
			    st == DNS_ERR_NOTAUTH ? z->line :
			    ovh_conf(cfg)->line, msg);
			ret = -1;
			continue;
		}
		if (method_probe_dns(cfg, z, err, sizeof(err)) != DNS_OK) {
			diag_add(diags, true, "%s:%d: %s: OVH has the zone, "
			    "but reading it through DNS failed (set [dns] "
			    "server to one of its OVH nameservers, or leave it "
			    "unset for the SOA MNAME): %s", cfg->path,
			    cfg->dns.line,
			    label, err);
			ret = -1;
		}
	}
done:
	json_decref(cred);
	return ret;
}

const struct dnsupdate_method dnsupdate_ovh = {
	.name = "ovh",
	.server = method_server,
	.update = ovh_update,
	.probe = ovh_probe,
	/* One zone after another: one set of keys, one rate limit. */
	.parallel = false,
};

/* ---- [ovh]: its keys (agent/core/confdesc.h) ---- */

static void
ovh_conf_validate(struct cfg_ctx *c, const struct cfg_sec *s, void *conf)
{
	struct cfg_ovh	*o = conf;

	(void)c;
	o->line = s->line;
}

#define K_AT(m)	CFG_AT(struct cfg_ovh, m)
static const struct cfg_key ovh_keys[] = {
	{ .name = "endpoint", .type = CFG_T_API_URL, K_AT(endpoint),
	  .def_str = CFG_OVH_ENDPOINT, .doc = "the API's base URL" },
	{ .name = "application_key_file", .type = CFG_T_SECRET,
	  .flags = CFG_F_REQUIRED, K_AT(application_key_file),
	  .doc = "the application key (a secret file)" },
	{ .name = "application_secret_file", .type = CFG_T_SECRET,
	  .flags = CFG_F_REQUIRED, K_AT(application_secret_file),
	  .doc = "the application secret (a secret file)" },
	{ .name = "consumer_key_file", .type = CFG_T_SECRET,
	  .flags = CFG_F_REQUIRED, K_AT(consumer_key_file),
	  .doc = "the consumer key (a secret file)" },
	{ .name = "ca_file", .type = CFG_T_FILE, K_AT(ca_file),
	  .doc = "a CA bundle instead of the system's" },
	{ .name = NULL }
};
#undef K_AT

static const struct cfg_section_desc ovh_section = {
	.name = "ovh",
	.doc = "the OVHcloud API v1 (method = ovh)",
	.keys = ovh_keys,
	.size = sizeof(struct cfg_ovh),
	.validate = ovh_conf_validate,
};

/* [dns] method = ovh (registry.c). */
const struct cfg_method ovh_method = {
	.name = "ovh",
	.ops = &dnsupdate_ovh,
	.section = &ovh_section,
};
