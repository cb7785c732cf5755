/*
 * cloudflare.c: the cloudflare method: Cloudflare's API v4 ([cloudflare]
 * api_token_file, api_url, ca_file).
 *
 * Per zone with changes:
 *   GET  {api}/zones?name=ZONE                  the zone's id (kept for the
 *                                               run: see cf_zone_id())
 *   GET  {api}/zones/ID/dns_records?type=T&name=FQDN&per_page=100
 *                                               per changed name and type:
 *                                               what Cloudflare holds now,
 *                                               each record's id
 *   POST {api}/zones/ID/dns_records/batch       one call: {"deletes": [{id}],
 *                                               "patches": [{id, content,
 *                                               ttl}], "posts": [{name, type,
 *                                               content, ttl, proxied}]}
 * The token travels as "Authorization: Bearer TOKEN" only.
 *
 * What is followed (Cloudflare's API reference and DNS documentation):
 *   - every answer is the envelope {"success", "errors": [{"code",
 *     "message", "error_chain"?}], "messages", "result", "result_info"?};
 *     success:false and each error become one plain message;
 *   - "Batch DNS Records" (POST /zones/{zone_id}/dns_records/batch): the
 *     lists run in the order deletes, patches, puts, posts, in one database
 *     transaction: "If any of the individual action fails, no changes are
 *     applied and the API returns the first error it encountered" (DNS
 *     docs, "Batch record changes").  So a zone is all or nothing; across
 *     zones (one batch each, one zone after another) a later zone can fail
 *     after an earlier one moved, which makes the site FAILED until the
 *     next cycle finishes;
 *   - a record's ttl: 1 means automatic, else 60 to 86400 (30 for
 *     Enterprise zones): checked against [dns] ttl below, at load;
 *   - rate limits: 1200 requests per 5 minutes per token; a throttled call
 *     is answered 429 with Retry-After (seconds), waited for here only when
 *     it ends inside the cycle's deadline (apimethod.h);
 *   - a proxied record is answered in DNS with Cloudflare's own addresses:
 *     it can never hold ours, so it is a conflict, left alone;
 *   - an invalid token: 401 {"code": 1000, "Invalid API Token"} from
 *     /user/tokens/verify; elsewhere 400 with 6003/6111 ("Invalid request
 *     headers", "Invalid format for Authorization header") or 403 with
 *     10000 ("Authentication error") or 9109 ("Invalid access token");
 *   - account-owned tokens ("Account API tokens" in Cloudflare's
 *     fundamentals documentation) are not user tokens: /user/tokens/verify
 *     answers them 401 like an invalid token; they are verified at
 *     GET /accounts/{account_id}/tokens/verify ("Verify Token", account
 *     API reference).  So config-test does not stop at that 401: the zone
 *     look-ups prove the token, and the account endpoint (the account id
 *     comes with each zone: "account": {"id", "name"}) says it is active;
 *   - GET /zones ("List Zones") takes name=, status= and account.id=; a
 *     zone's status is one of initializing, pending, active, moved ("Zone
 *     statuses", DNS documentation), and only an active zone is served by
 *     Cloudflare.  One name can be listed more than once: a pending copy
 *     added in a second account while the first one is active, or the same
 *     name in two accounts the token reaches.  We take the one active zone
 *     of that exact name (in [cloudflare] account_id when set) and refuse
 *     a name with several, naming their ids.  The status is filtered here,
 *     not with status=active in the query, so that a zone that is there
 *     but pending gets a message of its own rather than "not found".
 *
 * The zone's id is looked up once per process and kept in memory: for
 * `check` from cron that is once per cycle, for `run` once per process
 * (forgotten when Cloudflare answers that the id is unknown).  It is not
 * kept in the state database: one GET per zone and cycle is far inside
 * the rate limit, and a stale id would cost a failover.
 */
#include <sys/socket.h>
#include <arpa/inet.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "agent/core/config.h"
#include "agent/core/confdesc.h"
#include "dnsupdate/method/cloudflare.h"
#include "agent/lib/log.h"
#include "agent/lib/util.h"
#include "dnsupdate/method/apimethod.h"
#include "agent/lib/http.h"
#include "dnsupdate/method/methods.h"

/* The [cloudflare] section, as read by the config (below). */
static const struct cfg_cloudflare *
cf_conf(const struct config *cfg)
{
	return cfg->method_conf;
}

#define CF_BODY_MAX		(2 * 1024 * 1024)
#define CF_ZONES_CACHED		64
#define CF_ID_MAX		64	/* Cloudflare ids: 32 hex digits */
#define CF_RECORDS_MAX		(ADDRSET_MAX * 2)

/* The zone ids looked up during this run. */
static struct {
	char	zone[256];
	char	id[CF_ID_MAX];
} cf_zones[CF_ZONES_CACHED];
static size_t		cf_nzones;
static pthread_mutex_t	cf_zones_lock = PTHREAD_MUTEX_INITIALIZER;

/* Error codes that mean the token itself was refused. */
static bool
cf_auth_code(long long code)
{
	return code == 1000 || code == 1001 || code == 6003 || code == 6111 ||
	    code == 9106 || code == 9109 || code == 10000 || code == 10001;
}

void
cloudflare_errors_text(const char *body, size_t len, char *out,
    size_t outlen, bool *auth, long long *first)
{
	json_t		*j, *errs, *e, *chain, *c;
	json_error_t	 jerr;
	const char	*m;
	size_t		 i, k;
	long long	 code;

	out[0] = '\0';
	*auth = false;
	*first = 0;
	j = json_loadb(body, len, 0, &jerr);
	errs = j != NULL ? json_object_get(j, "errors") : NULL;
	json_array_foreach(errs, i, e) {
		code = json_integer_value(json_object_get(e, "code"));
		m = json_string_value(json_object_get(e, "message"));
		if (cf_auth_code(code))
			*auth = true;
		if (*first == 0)
			*first = code;
		util_msg_append(out, outlen, "%s%lld %s",
		    out[0] ? "; " : "", code, m != NULL ? m : "(no message)");
		chain = json_object_get(e, "error_chain");
		json_array_foreach(chain, k, c) {
			code = json_integer_value(json_object_get(c, "code"));
			m = json_string_value(json_object_get(c, "message"));
			if (cf_auth_code(code))
				*auth = true;
			util_msg_append(out, outlen,
			    " (%lld %s)", code, m != NULL ? m : "");
		}
	}
	json_decref(j);
	if (out[0] == '\0')
		http_first_line(body, out, outlen);
	if (out[0] == '\0')
		snprintf(out, outlen, "no error text");
	/* Control characters from the API must not reach a log line. */
	for (char *p = out; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20)
			*p = '?';
}

/* What cf_judge() needs of the call, and where it puts the result. */
struct cf_call_ctx {
	const char	*path;
	json_t		*result;	/* on success: the envelope's "result" */
};

/*
 * Cloudflare's envelope: DNS_OK for a 2xx answer with success:true (its
 * "result" kept), else errors[] as one message.
 */
static enum dns_status
cf_judge(const struct api_req *req, const struct http_resp *resp, char *msg,
    size_t msglen)
{
	struct cf_call_ctx	*x = req->arg;
	json_t			*j, *res;
	json_error_t		 jerr;
	char			 etext[400];
	long long		 code = 0;
	bool			 authcode = false;
	enum dns_status		 st;

	j = json_loadb(resp->body, resp->len, 0, &jerr);
	if (resp->status >= 200 && resp->status < 300 && j != NULL &&
	    json_is_true(json_object_get(j, "success"))) {
		res = json_object_get(j, "result");
		x->result = json_incref(res != NULL ? res : json_null());
		json_decref(j);
		return DNS_OK;
	}
	cloudflare_errors_text(resp->body, resp->len, etext, sizeof(etext),
	    &authcode, &code);
	if (resp->status == 401 || authcode) {
		api_msg(req, msg, msglen, "Cloudflare refused the API token "
		    "(HTTP %ld: %s); check [cloudflare] api_token_file and the "
		    "token's permissions (Zone Read and DNS Edit on the zone)",
		    resp->status, etext);
		st = DNS_ERR_BADKEY;
	} else if (resp->status >= 200 && resp->status < 300) {
		api_msg(req, msg, msglen, "Cloudflare answered HTTP %ld with "
		    "%s: %s", resp->status, j == NULL ? "no JSON" :
		    "success false", etext);
		st = j == NULL ? DNS_ERR_BAD_REPLY : DNS_ERR_REFUSED;
	} else if (code == 7003 || code == 7000) {
		/* "Could not route to /zones/ID/...": the zone id is stale. */
		api_msg(req, msg, msglen, "Cloudflare does not know the zone id "
		    "any more (HTTP %ld: %s); it is looked up again next time",
		    resp->status, etext);
		st = DNS_ERR_NOTAUTH;
	} else {
		api_msg(req, msg, msglen, "Cloudflare refused %s %s (HTTP %ld): "
		    "%s", req->method, x->path, resp->status, etext);
		st = api_http_status(resp->status);
	}
	json_decref(j);
	return st;
}

/*
 * One call: method on {api_url}{path} (path already escaped), the token
 * as a Bearer (api_call() reads it now and wipes it after).  DNS_OK when
 * the answer is 2xx with success:true; *out (caller json_decref()s) gets
 * the envelope's "result".  Otherwise the error with a plain message,
 * starting with label, in msg.
 */
static enum dns_status
cf_call(const struct config *cfg, const char *label, const char *method,
    const char *path, const char *body, int64_t deadline_ms, json_t **out,
    char *msg, size_t msglen)
{
	const struct cfg_cloudflare	*cf = cf_conf(cfg);
	struct cf_call_ctx		 x = { path, NULL };
	struct api_result		 res;
	char				*url;
	size_t				 ulen;

	ulen = strlen(cf->api_url) + strlen(path) + 1;
	url = util_xcalloc(1, ulen);
	snprintf(url, ulen, "%s%s", cf->api_url, path);
	api_call(&(struct api_req){ .label = label, .provider = "Cloudflare",
	    .api = "Cloudflare API", .base = cf->api_url, .method = method,
	    .url = url, .ca_file = cf->ca_file, .body = body,
	    .content_type = body != NULL ? "application/json" : NULL,
	    .accept = "application/json", .body_max = CF_BODY_MAX,
	    .deadline_ms = deadline_ms, .write = strcmp(method, "GET") != 0,
	    .secrets = { { cf->api_token_file, "Cloudflare API token" } },
	    .auth = API_AUTH_BEARER, .judge = cf_judge, .arg = &x }, &res, msg,
	    msglen);
	api_result_free(&res);
	free(url);
	*out = x.result;
	return res.status;
}

static bool
cf_zone_cached(const char *zone, char *id, size_t idlen)
{
	bool	found = false;

	pthread_mutex_lock(&cf_zones_lock);
	for (size_t i = 0; i < cf_nzones && !found; i++)
		if (strcmp(cf_zones[i].zone, zone) == 0) {
			snprintf(id, idlen, "%s", cf_zones[i].id);
			found = true;
		}
	pthread_mutex_unlock(&cf_zones_lock);
	return found;
}

static void
cf_zone_remember(const char *zone, const char *id)
{
	pthread_mutex_lock(&cf_zones_lock);
	if (cf_nzones < CF_ZONES_CACHED) {
		snprintf(cf_zones[cf_nzones].zone, sizeof(cf_zones[0].zone),
		    "%s", zone);
		snprintf(cf_zones[cf_nzones].id, sizeof(cf_zones[0].id), "%s",
		    id);
		cf_nzones++;
	}
	pthread_mutex_unlock(&cf_zones_lock);
}

/* Cloudflare said the id is unknown: look it up again next time. */
static void
cf_zone_forget(const char *zone)
{
	pthread_mutex_lock(&cf_zones_lock);
	for (size_t i = 0; i < cf_nzones; i++)
		if (strcmp(cf_zones[i].zone, zone) == 0) {
			cf_zones[i] = cf_zones[--cf_nzones];
			break;
		}
	pthread_mutex_unlock(&cf_zones_lock);
}

/*
 * GET /zones?name=ZONE[&account.id=ID]: the id of the one active zone of
 * that name in id, its account's id in acct (may be NULL).  DNS_OK;
 * DNS_ERR_NOTAUTH when there is none, none active, or several (the message
 * says which, with the ids); or another error.  Message in msg.
 */
static enum dns_status
cf_zone_lookup(const struct config *cfg, const char *zone,
    int64_t deadline_ms, char *id, size_t idlen, char *acct, size_t acctlen,
    char *msg, size_t msglen)
{
	json_t		*res = NULL, *z;
	char		*e, *ea = NULL, path[700], found[400], other[400];
	const char	*zid, *name, *status, *aid, *aname;
	size_t		 i, nactive = 0, nother = 0;
	enum dns_status	 st;

	found[0] = other[0] = '\0';
	e = http_escape(zone);
	if (cf_conf(cfg)->account_id != NULL)
		ea = http_escape(cf_conf(cfg)->account_id);
	snprintf(path, sizeof(path), "/zones?name=%s&per_page=50%s%s", e,
	    ea != NULL ? "&account.id=" : "", ea != NULL ? ea : "");
	free(e);
	free(ea);
	st = cf_call(cfg, zone, "GET", path, NULL, deadline_ms, &res, msg,
	    msglen);
	if (st != DNS_OK)
		return st;
	if (!json_is_array(res))
		goto bad;
	json_array_foreach(res, i, z) {
		zid = json_string_value(json_object_get(z, "id"));
		name = json_string_value(json_object_get(z, "name"));
		status = json_string_value(json_object_get(z, "status"));
		aid = json_string_value(json_object_get(json_object_get(z,
		    "account"), "id"));
		aname = json_string_value(json_object_get(json_object_get(z,
		    "account"), "name"));
		if (zid == NULL || strlen(zid) >= idlen ||
		    zid[strcspn(zid, "/?#&% ")] != '\0')
			goto bad;
		if (name != NULL && !method_name_eq(name, zone))
			continue;	/* not ours: a filter the API ignored */
		if (status != NULL && strcmp(status, "active") != 0) {
			util_msg_append(other, sizeof(other), "%s%s %s",
			    nother++ > 0 ? ", " : "", zid, status);
			continue;
		}
		if (nactive++ == 0) {
			snprintf(id, idlen, "%s", zid);
			if (acct != NULL)
				snprintf(acct, acctlen, "%s", aid != NULL &&
				    aid[strcspn(aid, "/?#&% ")] == '\0' ? aid :
				    "");
		}
		util_msg_append(found, sizeof(found),
		    "%s%s (account %s)", nactive > 1 ? ", " : "", zid,
		    aname != NULL ? aname : aid != NULL ? aid : "?");
	}
	json_decref(res);
	if (nactive == 1)
		return DNS_OK;
	if (nactive > 1)
		util_msg(msg, msglen, "%s: Cloudflare lists %zu active zones "
		    "named %s: %s; refusing to guess which one serves it: set "
		    "[cloudflare] account_id to the account that does", zone,
		    nactive, zone, found);
	else if (nother > 0)
		util_msg(msg, msglen, "%s: zone %s is in the Cloudflare "
		    "account of this token but not active (%s): Cloudflare "
		    "does not serve it (yet)", zone, zone, other);
	else
		util_msg(msg, msglen, "%s: zone %s is not in the Cloudflare "
		    "account of this token (GET /zones?name=%s found none): "
		    "check the zone's name and that the token may read it "
		    "(Zone Read)", zone, zone, zone);
	return DNS_ERR_NOTAUTH;
bad:
	util_msg(msg, msglen, "%s: Cloudflare's answer to GET /zones has no "
	    "zone id we can use", zone);
	json_decref(res);
	return DNS_ERR_BAD_REPLY;
}

/*
 * The id of zone (its label, "example.com") in id, from this run's cache
 * or cf_zone_lookup().
 */
static enum dns_status
cf_zone_id(const struct config *cfg, const char *zone, int64_t deadline_ms,
    char *id, size_t idlen, char *msg, size_t msglen)
{
	enum dns_status	st;

	if (cf_zone_cached(zone, id, idlen))
		return DNS_OK;
	st = cf_zone_lookup(cfg, zone, deadline_ms, id, idlen, NULL, 0, msg,
	    msglen);
	if (st == DNS_OK)
		cf_zone_remember(zone, id);
	return st;
}

/* One record as Cloudflare holds it. */
struct cf_record {
	char			 id[CF_ID_MAX];
	char			 content[64];
	bool			 proxied;
};

/*
 * The records of fqdn/type in zone id: at most max in recs, count in *n,
 * the addresses in *addrs.  DNS_OK, or an error with msg.
 */
static enum dns_status
cf_records(const struct config *cfg, const char *label, const char *zid,
    const char *fqdn, const struct method_change *mc, int64_t deadline_ms,
    struct cf_record *recs, size_t max, size_t *n, struct addrset *addrs,
    char *msg, size_t msglen)
{
	json_t		*res = NULL, *r;
	const char	*id, *content, *name, *type;
	char		*e, path[700];
	size_t		 i;
	enum dns_status	 st;

	*n = 0;
	memset(addrs, 0, sizeof(*addrs));
	e = http_escape(fqdn);
	snprintf(path, sizeof(path), "/zones/%s/dns_records?type=%s&name=%s&"
	    "per_page=100", zid, mc->type, e);
	free(e);
	st = cf_call(cfg, label, "GET", path, NULL, deadline_ms, &res, msg,
	    msglen);
	if (st != DNS_OK)
		return st;
	if (!json_is_array(res)) {
		st = DNS_ERR_BAD_REPLY;
		goto bad;
	}
	json_array_foreach(res, i, r) {
		id = json_string_value(json_object_get(r, "id"));
		content = json_string_value(json_object_get(r, "content"));
		name = json_string_value(json_object_get(r, "name"));
		type = json_string_value(json_object_get(r, "type"));
		if (name != NULL && type != NULL && (!method_name_eq(name,
		    fqdn) || strcmp(type, mc->type) != 0))
			continue;	/* not ours: a filter the API ignored */
		if (id == NULL || content == NULL || strlen(id) >= CF_ID_MAX ||
		    id[strcspn(id, "/?#&% ")] != '\0' || *n == max ||
		    addrset_add_text(addrs, mc->family, content) == -1) {
			st = DNS_ERR_BAD_REPLY;
			goto bad;
		}
		snprintf(recs[*n].id, sizeof(recs[*n].id), "%s", id);
		snprintf(recs[*n].content, sizeof(recs[*n].content), "%s",
		    content);
		recs[*n].proxied = json_is_true(json_object_get(r, "proxied"));
		(*n)++;
	}
	json_decref(res);
	return DNS_OK;
bad:
	util_msg(msg, msglen, "%s: Cloudflare sent records of %s %s we cannot "
	    "read", label, mc->owner, mc->type);
	json_decref(res);
	return st;
}

/* Does content (as Cloudflare wrote it) hold the address canon? */
static bool
cf_content_is(int family, const char *content, const char *canon)
{
	struct addrset		one;

	memset(&one, 0, sizeof(one));
	return addrset_add_text(&one, family, content) == 0 &&
	    strcmp(one.addr[0].text, canon) == 0;
}

static bool
cf_addr_in(const struct addrset *set, int family, const char *text)
{
	struct addrset		one;

	memset(&one, 0, sizeof(one));
	if (addrset_add_text(&one, family, text) == -1)
		return false;
	for (size_t i = 0; i < set->n; i++)
		if (set->addr[i].family == family &&
		    strcmp(set->addr[i].text, one.addr[0].text) == 0)
			return true;
	return false;
}

/*
 * Add mc's change to the batch: records already holding a new address
 * stay; the others are patched to the remaining new addresses, deleted
 * when there are more of them, and new ones posted when there are fewer.
 */
static int
cf_batch_add(json_t *deletes, json_t *patches, json_t *posts,
    const struct method_change *mc, const char *fqdn,
    const struct cf_record *recs, size_t nrecs, uint32_t ttl)
{
	const char	*add[ADDRSET_MAX];
	const struct cf_record *chg[CF_RECORDS_MAX];
	size_t		 nadd = 0, nchg = 0, i, k;
	bool		 held;

	for (i = 0; i < mc->new_addrs.n; i++) {
		held = false;
		for (k = 0; k < nrecs; k++)
			if (cf_content_is(mc->family, recs[k].content,
			    mc->new_addrs.addr[i].text))
				held = true;
		if (!held)
			add[nadd++] = mc->new_addrs.addr[i].text;
	}
	for (k = 0; k < nrecs; k++)
		if (!cf_addr_in(&mc->new_addrs, mc->family, recs[k].content))
			chg[nchg++] = &recs[k];
	for (i = 0; i < nchg && i < nadd; i++)
		if (json_array_append_new(patches, json_pack("{s:s, s:s, s:I}",
		    "id", chg[i]->id, "content", add[i], "ttl",
		    (json_int_t)ttl)) == -1)
			return -1;
	for (; i < nchg; i++)
		if (json_array_append_new(deletes, json_pack("{s:s}", "id",
		    chg[i]->id)) == -1)
			return -1;
	for (k = nchg; k < nadd; k++)
		if (json_array_append_new(posts, json_pack("{s:s, s:s, s:s, "
		    "s:I, s:b}", "name", fqdn, "type", mc->type, "content",
		    add[k], "ttl", (json_int_t)ttl, "proxied", 0)) == -1)
			return -1;
	return 0;
}

static enum dns_status
cf_update(const struct config *cfg, const struct dns_server *srv,
    struct dns_zone_plan *zp, int64_t deadline_ms)
{
	struct method_change	*mcs = NULL;
	struct cf_record	 recs[CF_RECORDS_MAX];
	struct addrset		 now;
	json_t			*batch = NULL, *del, *pat, *pos, *res = NULL;
	char			 label[256], zid[CF_ID_MAX], fqdn[256];
	char			 name[256], sub[256], path[300];
	char			*body = NULL;
	size_t			 n, i, nrecs, nsame = 0;
	bool			 same;
	enum dns_status		 st;

	(void)srv;
	dns_name_label(zp->zone->name, label, sizeof(label));
	n = method_changes(zp, &mcs);
	batch = json_pack("{s:[], s:[], s:[]}", "deletes", "patches", "posts");
	if (batch == NULL) {
		st = DNS_ERR_INTERNAL;
		util_msg(zp->message, sizeof(zp->message), "%s: out of memory",
		    label);
		goto done;
	}
	del = json_object_get(batch, "deletes");
	pat = json_object_get(batch, "patches");
	pos = json_object_get(batch, "posts");

	st = cf_zone_id(cfg, label, deadline_ms, zid, sizeof(zid),
	    zp->message, sizeof(zp->message));
	if (st != DNS_OK)
		goto done;

	/* What Cloudflare holds now: the API has no prerequisites. */
	for (i = 0; i < n; i++) {
		api_owner_names(mcs[i].owner, zp->zone->name, fqdn, name, sub,
		    sizeof(fqdn));
		st = cf_records(cfg, label, zid, fqdn, &mcs[i], deadline_ms,
		    recs, FA_ARRAY_SIZE(recs), &nrecs, &now, zp->message,
		    sizeof(zp->message));
		if (st == DNS_ERR_NOTAUTH)
			cf_zone_forget(label);
		if (st != DNS_OK)
			goto done;
		for (size_t k = 0; k < nrecs; k++)
			if (recs[k].proxied) {
				util_msg(zp->message, sizeof(zp->message),
				    "%s: %s %s is proxied by Cloudflare (DNS "
				    "answers with Cloudflare's addresses, "
				    "never ours): left alone, nothing sent",
				    label, mcs[i].owner, mcs[i].type);
				st = DNS_CONFLICT;
				goto done;
			}
		if ((st = api_recheck("Cloudflare", label, &mcs[i], &now,
		    &same, zp->message, sizeof(zp->message))) != DNS_OK)
			goto done;
		if (same) {
			nsame++;	/* already changed there: DNS lags */
			continue;
		}
		if (cf_batch_add(del, pat, pos, &mcs[i], fqdn, recs, nrecs,
		    cfg->dns.ttl) == -1) {
			st = DNS_ERR_INTERNAL;
			util_msg(zp->message, sizeof(zp->message), "%s: out of "
			    "memory", label);
			goto done;
		}
	}
	if (nsame == n) {
		util_msg(zp->message, sizeof(zp->message), "%s: Cloudflare "
		    "already holds the new addresses (DNS had not shown them "
		    "yet): nothing sent", label);
		st = DNS_OK;
		goto done;
	}

	/* One batch: a single transaction on Cloudflare's side. */
	if ((body = json_dumps(batch, JSON_COMPACT | JSON_PRESERVE_ORDER)) ==
	    NULL) {
		st = DNS_ERR_INTERNAL;
		util_msg(zp->message, sizeof(zp->message), "%s: cannot build "
		    "the batch", label);
		goto done;
	}
	snprintf(path, sizeof(path), "/zones/%s/dns_records/batch", zid);
	st = cf_call(cfg, label, "POST", path, body, deadline_ms, &res,
	    zp->message, sizeof(zp->message));
	if (st == DNS_ERR_NOTAUTH)
		cf_zone_forget(label);
	if (st == DNS_OK)
		util_msg(zp->message, sizeof(zp->message), "%s: Cloudflare "
		    "took the change of %zu record%s in one batch (%zu "
		    "patched, %zu deleted, %zu added)", label, zp->nchange,
		    zp->nchange == 1 ? "" : "s", json_array_size(pat),
		    json_array_size(del), json_array_size(pos));
	else if (zp->message[0] != '\0' && st != DNS_ERR_UNKNOWN)
		util_msg_append(zp->message, sizeof(zp->message), "; the batch "
		    "is all or nothing: nothing in %s was changed", label);
done:
	json_decref(res);
	json_decref(batch);
	free(body);
	free(mcs);
	return st;
}

/*
 * config-test, for an account-owned token that /user/tokens/verify
 * refused (umsg): GET /accounts/{acct}/tokens/verify, acct the account of
 * a zone the token could look up.  The look-up already proved the token
 * works; this says whether it is active.  Returns 0, or -1 (diag added).
 */
static int
cf_probe_account_token(const struct config *cfg, const char *acct,
    const char *umsg, struct diag_list *diags)
{
	json_t		*res = NULL;
	const char	*status;
	char		 path[300], msg[600];
	int		 ret = 0;
	enum dns_status	 st;

	snprintf(path, sizeof(path), "/accounts/%s/tokens/verify", acct);
	st = cf_call(cfg, "config-test", "GET", path, NULL,
	    util_mono_ms() + cfg->dns.timeout_ms, &res, msg, sizeof(msg));
	status = json_string_value(json_object_get(res, "status"));
	if (st != DNS_OK) {
		diag_add(diags, false, "%s:%d: the token reads the zones but "
		    "neither /user/tokens/verify nor %s says it is active "
		    "(%s; %s)", cfg->path, cf_conf(cfg)->line, path, umsg,
		    msg);
	} else if (status == NULL || strcmp(status, "active") != 0) {
		diag_add(diags, true, "%s:%d: the Cloudflare API token (owned "
		    "by account %s) is %s, not active", cfg->path,
		    cf_conf(cfg)->line, acct, status != NULL ? status :
		    "of no known status");
		ret = -1;
	} else
		log_info("config-test: the Cloudflare API token is owned by "
		    "account %s (/user/tokens/verify does not know it): "
		    "active", acct);
	json_decref(res);
	return ret;
}

/*
 * config-test: GET /user/tokens/verify proves a user token valid and
 * active.  It answers 401 to an account-owned token too, so a 401 there
 * does not stop us: each zone must be found by name (the one active zone
 * of that name) and its records readable, which proves any token; for an
 * account-owned token /accounts/{id}/tokens/verify then says whether it is
 * active.  Then each zone's SOA through DNS, where changes are confirmed.
 */
static int
cf_probe(const struct config *cfg, struct diag_list *diags)
{
	const struct cfg_zone	*z;
	json_t			*res = NULL;
	char			 msg[600], umsg[600], err[512], label[256];
	char			 zid[CF_ID_MAX], acct[CF_ID_MAX], path[300];
	const char		*status;
	size_t			 i;
	int			 ret = 0;
	bool			 user_refused = false, acct_done = false;
	enum dns_status		 st;

	umsg[0] = '\0';
	st = cf_call(cfg, "config-test", "GET", "/user/tokens/verify", NULL,
	    util_mono_ms() + cfg->dns.timeout_ms, &res, msg, sizeof(msg));
	status = json_string_value(json_object_get(res, "status"));
	if (st == DNS_OK && (status == NULL || strcmp(status, "active") != 0)) {
		diag_add(diags, true, "%s:%d: the Cloudflare API token is %s, "
		    "not active", cfg->path, cf_conf(cfg)->line,
		    status != NULL ? status : "of no known status");
		ret = -1;
	} else if (st == DNS_ERR_BADKEY && strstr(msg, "HTTP 401") != NULL) {
		/* Invalid, or owned by an account: the zones will tell. */
		user_refused = true;
		snprintf(umsg, sizeof(umsg), "%s", msg);
	} else if (st == DNS_ERR_KEY || st == DNS_ERR_NETWORK ||
	    st == DNS_ERR_TIMEOUT || st == DNS_ERR_INTERNAL) {
		diag_add(diags, true, "%s:%d: %s", cfg->path,
		    cf_conf(cfg)->line, msg);
		json_decref(res);
		return -1;
	}
	json_decref(res);
	res = NULL;
	for (i = 0; i < cfg->nzones; i++) {
		z = &cfg->zones[i];
		dns_name_label(z->name, label, sizeof(label));
		acct[0] = '\0';
		st = cf_zone_lookup(cfg, label, util_mono_ms() +
		    cfg->dns.timeout_ms, zid, sizeof(zid), acct, sizeof(acct),
		    msg, sizeof(msg));
		if (st == DNS_OK) {
			snprintf(path, sizeof(path), "/zones/%s/dns_records?"
			    "per_page=1", zid);
			st = cf_call(cfg, label, "GET", path, NULL,
			    util_mono_ms() + cfg->dns.timeout_ms, &res, msg,
			    sizeof(msg));
			json_decref(res);
			res = NULL;
		}
		if (st == DNS_ERR_BADKEY && user_refused) {
			/* Refused here too: the 401 meant an invalid token. */
			diag_add(diags, true, "%s:%d: %s", cfg->path,
			    cf_conf(cfg)->line, umsg);
			ret = -1;
			break;
		}
		if (st != DNS_OK) {
			diag_add(diags, true, "%s:%d: %s", cfg->path,
			    st == DNS_ERR_NOTAUTH ? z->line :
			    cf_conf(cfg)->line, msg);
			ret = -1;
			if (st == DNS_ERR_BADKEY || st == DNS_ERR_KEY ||
			    st == DNS_ERR_NETWORK || st == DNS_ERR_TIMEOUT)
				break;		/* the same for every zone */
			continue;
		}
		if (user_refused && !acct_done && acct[0] != '\0') {
			acct_done = true;
			if (cf_probe_account_token(cfg, acct, umsg,
			    diags) == -1)
				ret = -1;
		}
		if (method_probe_dns(cfg, z, err, sizeof(err)) != DNS_OK) {
			diag_add(diags, true, "%s:%d: %s: Cloudflare has the "
			    "zone, but reading it through DNS failed (set "
			    "[dns] server to one of the zone's Cloudflare "
			    "nameservers, or leave it unset for the SOA "
			    "MNAME): %s", cfg->path, cfg->dns.line, label, err);
			ret = -1;
		}
	}
	return ret;
}

const struct dnsupdate_method dnsupdate_cloudflare = {
	.name = "cloudflare",
	.server = method_server,
	.update = cf_update,
	.probe = cf_probe,
	/* One zone after another: one rate limit per token, and a batch
	 * that fails leaves the zones after it untouched. */
	.parallel = false,
};

/* ---- [cloudflare]: its keys (agent/core/confdesc.h) ---- */

static void
cf_conf_validate(struct cfg_ctx *c, const struct cfg_sec *s, void *conf)
{
	struct cfg_cloudflare	*cf = conf;
	const char		*v;
	int			 line = s->line;
	size_t			 n;

	cf->line = s->line;
	/* Cloudflare's ids are 32 hex digits; it goes into a URL query. */
	if ((v = cfg_get_str(c, s, "account_id", false, &line)) != NULL) {
		n = strspn(v, "0123456789abcdefABCDEF");
		if (n == 0 || n > 64 || v[n] != '\0')
			cfg_error(c, line, "account_id '%.40s' is not a"
			    " Cloudflare account id (hex digits)", v);
		else
			cf->account_id = util_xstrdup(v);
	}
}

/*
 * Cloudflare's TTL: 1 means automatic, else 60 to 86400 (30 on Enterprise
 * zones, which this version does not tell apart).  Automatic is 300 s for
 * a DNS-only record: a hold_down shorter than that is worth a warning.
 */
static void
cf_conf_validate_all(struct cfg_ctx *c, void *conf)
{
	const struct cfg_sec	*dns = cfg_section(c, "dns");
	const struct cfg_entry	*e = cfg_sec_get(dns, "ttl");
	const struct config	*cfg = cfg_config(c);
	char			 hb[32];

	(void)conf;
	if (!cfg_ttl_ok(c))
		return;
	if (cfg->dns.ttl != 1 && cfg->dns.ttl < 60) {
		cfg_error(c, e != NULL ? e->line : dns->line, "ttl = %u is not"
		    " a Cloudflare TTL: 1 (automatic) or 60 to 86400",
		    (unsigned)cfg->dns.ttl);
		return;
	}
	if (cfg->dns.ttl == 1 && cfg_hold_down_ok(c) &&
	    cfg->agent.hold_down_ms < 300 * 1000) {
		util_duration_format(cfg->agent.hold_down_ms, hb, sizeof(hb));
		cfg_warn(c, e != NULL ? e->line : dns->line, "ttl = 1 is"
		    " Cloudflare's automatic TTL (300s for a DNS-only"
		    " record), longer than hold_down (%s): caches may hold the"
		    " old answer after a move", hb);
	}
}

#define K_AT(m)	CFG_AT(struct cfg_cloudflare, m)
static const struct cfg_key cf_keys[] = {
	{ .name = "api_url", .type = CFG_T_API_URL, K_AT(api_url),
	  .def_str = CFG_CLOUDFLARE_API, .doc = "the API's base URL" },
	{ .name = "api_token_file", .type = CFG_T_SECRET,
	  .flags = CFG_F_REQUIRED, K_AT(api_token_file),
	  .doc = "the API token (a secret file)" },
	{ .name = "ca_file", .type = CFG_T_FILE, K_AT(ca_file),
	  .doc = "a CA bundle instead of the system's" },
	{ .name = "account_id", .type = CFG_T_CUSTOM, .flags = CFG_F_OWNED,
	  K_AT(account_id), .doc = "the account whose zones to look in" },
	{ .name = NULL }
};
#undef K_AT

static const struct cfg_section_desc cloudflare_section = {
	.name = "cloudflare",
	.doc = "the Cloudflare API v4 (method = cloudflare)",
	.keys = cf_keys,
	.size = sizeof(struct cfg_cloudflare),
	.validate = cf_conf_validate,
	.validate_all = cf_conf_validate_all,
};

/* [dns] method = cloudflare (registry.c). */
const struct cfg_method cloudflare_method = {
	.name = "cloudflare",
	.ops = &dnsupdate_cloudflare,
	.section = &cloudflare_section,
};
