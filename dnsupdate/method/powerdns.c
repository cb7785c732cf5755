/*
 * powerdns.c: the powerdns method: the PowerDNS Authoritative server's HTTP
 * API ([powerdns] url = .../api/v1/servers/localhost, api_key_file).
 *
 * Per zone with changes: GET {url}/zones/{zone} to read the rrsets the
 * server holds right now, refuse to go on if a record we change no longer
 * holds what the plan read (the API has no prerequisites: see methods.h),
 * then one PATCH {url}/zones/{zone} holding an rrset per changed owner and
 * type, "changetype": "REPLACE" with the new addresses and [dns] ttl, or
 * "DELETE" when the new set of that type is empty.  The key travels in the
 * X-API-Key header only.  PowerDNS answers 204 to a PATCH it applied; the
 * change is then confirmed through DNS by dnsupdate.c ([dns] server/port
 * name PowerDNS's DNS listener).
 *
 * The API as followed here: PowerDNS Authoritative "Zones" endpoint
 * (GET/PATCH /api/v1/servers/{server_id}/zones/{zone_id}, RRSet objects
 * with name, type, ttl, changetype, records[].content/disabled), errors as
 * {"error": "..."} with 401 (bad key), 404 (no such zone), 422 (the change
 * is invalid).
 *
 * The SOA serial.  PowerDNS bumps it on an API change only as the zone's
 * SOA-EDIT-API metadata says: "If not set during zone creation, a
 * SOA-EDIT-API metadata record is created and set to DEFAULT.  If this
 * record is removed from the backend, the default behaviour is to not do
 * any SOA editing based on this setting" (PowerDNS docs, "Per zone
 * settings: Domain Metadata", SOA-EDIT-API).  Zones loaded by SQL, the
 * bind backend or an older pdnsutil have none: the serial stays, and
 * secondaries, which transfer on a higher serial only (RFC 1996 §4.7,
 * RFC 1034 §4.3.5), never see the change.  The zone GET says it:
 * "soa_edit_api" is "" then.  For such a zone we put the zone's SOA, its
 * serial plus one (RFC 1982 §3.1), in the same PATCH: one transaction on
 * PowerDNS's side (its zone PATCH applies every rrset or none), and an
 * SOA given in the PATCH is taken as sent when SOA-EDIT-API is empty
 * (pdns ws-auth.cc patchZone: increaseSOARecord() edits it only for a
 * set kind).  With SOA-EDIT-API set we never touch the SOA: PowerDNS
 * does.  config-test warns about such zones and names the fix
 * (pdnsutil set-meta ZONE SOA-EDIT-API DEFAULT).
 */
#include <sys/socket.h>
#include <arpa/inet.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "agent/core/config.h"
#include "agent/core/confdesc.h"
#include "dnsupdate/method/powerdns.h"
#include "agent/lib/log.h"
#include "agent/lib/util.h"
#include "dnsupdate/method/apimethod.h"
#include "agent/lib/http.h"
#include "dnsupdate/method/methods.h"

/* The [powerdns] section, as read by the config (below). */
static const struct cfg_powerdns *
pdns_conf(const struct config *cfg)
{
	return cfg->method_conf;
}

/* A zone's JSON with every rrset; a 1000-record zone is about 200 KB. */
#define PDNS_BODY_MAX		(8 * 1024 * 1024)

/* The "error" of a PowerDNS error body, else its first line. */
static void
pdns_error_text(const struct http_resp *r, char *out, size_t outlen)
{
	json_t		*j, *e;
	json_error_t	 jerr;

	out[0] = '\0';
	j = json_loadb(r->body, r->len, 0, &jerr);
	if (j != NULL && json_is_object(j) &&
	    json_is_string(e = json_object_get(j, "error")))
		http_first_line(json_string_value(e), out, outlen);
	else
		http_first_line(r->body, out, outlen);
	json_decref(j);
	if (out[0] == '\0')
		snprintf(out, outlen, "no error text");
}

/* PowerDNS's answer: 2xx, else its status and {"error": "..."}. */
static enum dns_status
pdns_judge(const struct api_req *req, const struct http_resp *resp,
    char *msg, size_t msglen)
{
	const char	*zone = *(const char **)req->arg;
	char		 etext[300];

	if (resp->status >= 200 && resp->status < 300)
		return DNS_OK;
	pdns_error_text(resp, etext, sizeof(etext));
	switch (resp->status) {
	case 401:
	case 403:
		api_msg(req, msg, msglen, "PowerDNS refused the API key (%ld); "
		    "check [powerdns] api_key_file against the server's "
		    "api-key", resp->status);
		return DNS_ERR_BADKEY;
	case 404:
		api_msg(req, msg, msglen, "zone %s not found on the PowerDNS "
		    "server (404: %s)", zone, etext);
		return DNS_ERR_NOTAUTH;
	case 422:
		api_msg(req, msg, msglen, "PowerDNS rejected the change (422): "
		    "%s", etext);
		return DNS_ERR_REFUSED;
	default:
		api_msg(req, msg, msglen, "PowerDNS answered HTTP %ld: %s",
		    resp->status, etext);
		return resp->status >= 500 ? DNS_ERR_SERVFAIL :
		    DNS_ERR_BAD_REPLY;
	}
}

/*
 * One API call: method on {url}/zones/{zone}, the key in X-API-Key
 * (api_call() reads it now and wipes it after).  DNS_OK for a 2xx answer
 * (resp holds it; caller frees), else the error with a plain message in
 * msg.
 */
static enum dns_status
pdns_call(const struct config *cfg, const char *method, const char *zone,
    const char *body, int64_t deadline_ms, struct http_resp *resp, char *msg,
    size_t msglen)
{
	const struct cfg_powerdns	*pd = pdns_conf(cfg);
	struct api_result		 res;
	char				*zid, *url, label[256];
	const char			*zarg = zone;
	size_t				 ulen;

	dns_name_label(zone, label, sizeof(label));
	/* The zone id is the name with its final dot ("example.com."). */
	zid = http_escape(zone);
	ulen = strlen(pd->url) + strlen(zid) + sizeof("/zones/");
	url = util_xcalloc(1, ulen);
	snprintf(url, ulen, "%s/zones/%s", pd->url, zid);
	api_call(&(struct api_req){ .label = label, .provider = "PowerDNS",
	    .api = "PowerDNS API", .base = pd->url, .method = method,
	    .url = url, .ca_file = pd->ca_file, .body = body,
	    .content_type = body != NULL ? "application/json" : NULL,
	    .accept = "application/json", .body_max = PDNS_BODY_MAX,
	    .deadline_ms = deadline_ms, .write = strcmp(method, "GET") != 0,
	    .secrets = { { pd->api_key_file, "PowerDNS API key" } },
	    .auth = API_AUTH_HEADER, .auth_name = "X-API-Key",
	    .judge = pdns_judge, .arg = &zarg }, &res, msg,
	    msglen);
	free(url);
	free(zid);
	if (res.status != DNS_OK)
		api_result_free(&res);
	*resp = res.resp;
	return res.status;
}

/*
 * The enabled addresses of owner/type in a zone's rrsets (GET answer), in
 * *out.  *disabled tells whether the rrset also holds disabled records
 * (which a REPLACE would delete: we leave such an rrset alone).  Returns 0,
 * or -1 when the JSON is not what the API documents.
 */
static int
pdns_rrset_addrs(json_t *rrsets, const struct method_change *mc,
    struct addrset *out, bool *disabled)
{
	json_t		*rs, *recs, *r, *c, *d;
	const char	*name, *type;
	unsigned char	 bin[16];
	size_t		 i, j;

	memset(out, 0, sizeof(*out));
	*disabled = false;
	json_array_foreach(rrsets, i, rs) {
		name = json_string_value(json_object_get(rs, "name"));
		type = json_string_value(json_object_get(rs, "type"));
		if (name == NULL || type == NULL)
			return -1;
		if (strcmp(type, mc->type) != 0 ||
		    !method_name_eq(name, mc->owner))
			continue;
		if (!json_is_array(recs = json_object_get(rs, "records")))
			return -1;
		json_array_foreach(recs, j, r) {
			c = json_object_get(r, "content");
			d = json_object_get(r, "disabled");
			if (!json_is_string(c) || inet_pton(mc->family,
			    json_string_value(c), bin) != 1)
				return -1;
			if (json_is_true(d)) {
				*disabled = true;
				continue;
			}
			if (addrset_add(out, mc->family, bin) == -1)
				return -1;
		}
	}
	return 0;
}

/*
 * The PATCH body: {"rrsets": [{"name", "type", "ttl", "changetype":
 * "REPLACE", "records": [{"content", "disabled": false}, ...]}, ...]}, or
 * {"name", "type", "changetype": "DELETE"} for an emptied type, then the
 * SOA when soa->bump (pdns_soa_plan()).  Caller frees.  NULL on no memory.
 */
/* What the PATCH also carries for a zone without SOA-EDIT-API. */
struct pdns_soa {
	bool		bump;		/* put the SOA below in the PATCH */
	char		name[256];	/* the apex as PowerDNS names it */
	char		content[600];	/* with the serial plus one */
	json_int_t	ttl;
	uint32_t	serial_old;
	uint32_t	serial_new;
};

/*
 * From the zone GET: does PowerDNS bump the serial itself (soa_edit_api
 * set)?  When not, fill soa with the zone's SOA, serial plus one (RFC
 * 1982 §3.1: addition modulo 2^32).  Returns 0, or -1 when the zone has no
 * SOA rrset we can read (then nothing is sent: a zone without SOA is
 * broken, and PowerDNS would refuse the PATCH anyway).
 */
static int
pdns_soa_plan(json_t *zone, const char *zname, struct pdns_soa *soa)
{
	json_t		*rs, *r;
	const char	*kind, *name, *type, *content;
	char		 mname[256], rname[256], *end;
	unsigned long	 serial;
	size_t		 i;
	int		 off = 0;

	memset(soa, 0, sizeof(*soa));
	kind = json_string_value(json_object_get(zone, "soa_edit_api"));
	if (kind != NULL && kind[0] != '\0')
		return 0;		/* PowerDNS edits the SOA itself */
	json_array_foreach(json_object_get(zone, "rrsets"), i, rs) {
		name = json_string_value(json_object_get(rs, "name"));
		type = json_string_value(json_object_get(rs, "type"));
		if (name == NULL || type == NULL || strcmp(type, "SOA") != 0 ||
		    !method_name_eq(name, zname))
			continue;
		r = json_array_get(json_object_get(rs, "records"), 0);
		content = json_string_value(json_object_get(r, "content"));
		if (content == NULL || !json_is_integer(json_object_get(rs,
		    "ttl")) || sscanf(content, "%255s %255s %n", mname, rname,
		    &off) != 2 || off == 0)
			return -1;
		serial = strtoul(content + off, &end, 10);
		if (end == content + off || *end != ' ' || serial > UINT32_MAX)
			return -1;
		soa->bump = true;
		snprintf(soa->name, sizeof(soa->name), "%s", name);
		soa->ttl = json_integer_value(json_object_get(rs, "ttl"));
		soa->serial_old = (uint32_t)serial;
		soa->serial_new = (uint32_t)(serial + 1);  /* wraps: RFC 1982 */
		if ((size_t)snprintf(soa->content, sizeof(soa->content),
		    "%s %s %u%s", mname, rname, soa->serial_new, end) >=
		    sizeof(soa->content))
			return -1;
		return 0;
	}
	return -1;
}

static char *
pdns_patch_body(const struct method_change *mcs, size_t n, uint32_t ttl,
    const struct pdns_soa *soa)
{
	json_t	*root, *rrsets, *rs, *recs;
	char	*text = NULL;
	size_t	 i, j;

	root = json_object();
	rrsets = json_array();
	if (root == NULL || rrsets == NULL ||
	    json_object_set_new(root, "rrsets", rrsets) == -1)
		goto done;
	for (i = 0; i < n; i++) {
		if (mcs[i].new_addrs.n == 0)
			rs = json_pack("{s:s, s:s, s:s}", "name", mcs[i].owner,
			    "type", mcs[i].type, "changetype", "DELETE");
		else
			rs = json_pack("{s:s, s:s, s:I, s:s, s:[]}", "name",
			    mcs[i].owner, "type", mcs[i].type, "ttl",
			    (json_int_t)ttl, "changetype", "REPLACE",
			    "records");
		if (rs == NULL || json_array_append_new(rrsets, rs) == -1)
			goto done;
		recs = json_object_get(rs, "records");
		for (j = 0; j < mcs[i].new_addrs.n; j++)
			if (json_array_append_new(recs, json_pack("{s:s, s:b}",
			    "content", mcs[i].new_addrs.addr[j].text,
			    "disabled", 0)) == -1)
				goto done;
	}
	if (soa->bump && json_array_append_new(rrsets, json_pack("{s:s, s:s, "
	    "s:I, s:s, s:[{s:s, s:b}]}", "name", soa->name, "type", "SOA",
	    "ttl", soa->ttl, "changetype", "REPLACE", "records", "content",
	    soa->content, "disabled", 0)) == -1)
		goto done;
	text = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
done:
	json_decref(root);
	return text;
}

static enum dns_status
pdns_update(const struct config *cfg, const struct dns_server *srv,
    struct dns_zone_plan *zp, int64_t deadline_ms)
{
	struct method_change	*mcs = NULL;
	struct http_resp	 resp;
	struct addrset		 now;
	struct pdns_soa		 soa;
	json_t			*zone = NULL, *rrsets;
	json_error_t		 jerr;
	char			 label[256], *body = NULL;
	size_t			 n, i;
	bool			 disabled;
	enum dns_status		 st;

	(void)srv;
	memset(&resp, 0, sizeof(resp));
	dns_name_label(zp->zone->name, label, sizeof(label));
	n = method_changes(zp, &mcs);

	/* What the server holds now, from the API itself. */
	st = pdns_call(cfg, "GET", zp->zone->name, NULL, deadline_ms, &resp,
	    zp->message, sizeof(zp->message));
	if (st != DNS_OK)
		goto done;
	zone = json_loadb(resp.body, resp.len, 0, &jerr);
	if (resp.capped || zone == NULL ||
	    !json_is_array(rrsets = json_object_get(zone, "rrsets"))) {
		util_msg(zp->message, sizeof(zp->message), "%s: PowerDNS sent "
		    "a zone we cannot read%s", label, resp.capped ?
		    " (larger than we read)" : "");
		st = DNS_ERR_BAD_REPLY;
		goto done;
	}
	for (i = 0; i < n; i++) {
		if (pdns_rrset_addrs(rrsets, &mcs[i], &now, &disabled) == -1) {
			util_msg(zp->message, sizeof(zp->message), "%s: "
			    "PowerDNS sent an rrset of %s %s we cannot read",
			    label, mcs[i].owner, mcs[i].type);
			st = DNS_ERR_BAD_REPLY;
			goto done;
		}
		if (disabled) {
			util_msg(zp->message, sizeof(zp->message), "%s: %s %s "
			    "holds disabled records in PowerDNS, which the "
			    "change would delete: nothing sent", label,
			    mcs[i].owner, mcs[i].type);
			st = DNS_CONFLICT;
			goto done;
		}
		/* PowerDNS is the DNS server: "new already" is not lag. */
		if ((st = api_recheck("PowerDNS", label, &mcs[i], &now, NULL,
		    zp->message, sizeof(zp->message))) != DNS_OK)
			goto done;
	}
	http_resp_free(&resp);
	if (pdns_soa_plan(zone, zp->zone->name, &soa) == -1) {
		util_msg(zp->message, sizeof(zp->message), "%s: the zone has "
		    "no SOA-EDIT-API and PowerDNS sent no SOA we can read to "
		    "bump its serial ourselves: nothing sent", label);
		st = DNS_ERR_BAD_REPLY;
		goto done;
	}

	if ((body = pdns_patch_body(mcs, n, cfg->dns.ttl, &soa)) == NULL) {
		util_msg(zp->message, sizeof(zp->message), "%s: cannot build "
		    "the change", label);
		st = DNS_ERR_INTERNAL;
		goto done;
	}
	st = pdns_call(cfg, "PATCH", zp->zone->name, body, deadline_ms, &resp,
	    zp->message, sizeof(zp->message));
	if (st == DNS_OK && soa.bump)
		util_msg(zp->message, sizeof(zp->message), "%s: PowerDNS at %s "
		    "took the change of %zu record%s (HTTP %ld) with the SOA "
		    "serial %u -> %u set by us (the zone has no SOA-EDIT-API)",
		    label, pdns_conf(cfg)->url, zp->nchange, zp->nchange == 1 ?
		    "" : "s", resp.status, soa.serial_old, soa.serial_new);
	else if (st == DNS_OK)
		util_msg(zp->message, sizeof(zp->message), "%s: PowerDNS at %s "
		    "took the change of %zu record%s (HTTP %ld)", label,
		    pdns_conf(cfg)->url, zp->nchange,
		    zp->nchange == 1 ? "" : "s", resp.status);
done:
	http_resp_free(&resp);
	json_decref(zone);
	free(body);
	free(mcs);
	return st;
}

/*
 * config-test: warn when the zone (GET answer in resp) has no
 * SOA-EDIT-API: PowerDNS will not bump the serial of our changes (we do,
 * see the top of this file), so say how to let PowerDNS do it.
 */
static void
pdns_probe_soa_edit(const struct config *cfg, const struct cfg_zone *z,
    const struct http_resp *resp, struct diag_list *diags)
{
	struct pdns_soa	 soa;
	json_t		*j;
	json_error_t	 jerr;
	char		 label[256];

	dns_name_label(z->name, label, sizeof(label));
	if ((j = json_loadb(resp->body, resp->len, 0, &jerr)) == NULL)
		return;			/* the update says it, with context */
	if (pdns_soa_plan(j, z->name, &soa) == -1)
		diag_add(diags, true, "%s:%d: %s: the zone has no SOA-EDIT-API "
		    "and no SOA we can read: a change could not bump its "
		    "serial", cfg->path, z->line, label);
	else if (soa.bump)
		diag_add(diags, false, "%s:%d: %s: the zone has no "
		    "SOA-EDIT-API, so PowerDNS does not bump its SOA serial on "
		    "API changes and secondaries would not transfer them; "
		    "failover-agent bumps the serial itself in the same PATCH. "
		    "To let PowerDNS do it: pdnsutil set-meta %s SOA-EDIT-API "
		    "DEFAULT (PowerDNS 5: pdnsutil metadata set)", cfg->path,
		    z->line, label, label);
	json_decref(j);
}

/*
 * config-test: for each zone, the harmless GET of the zone proves the URL,
 * TLS, the key and that the server has the zone; then its SOA through DNS
 * proves [dns] server/port reach the DNS side that verify will ask.
 */
static int
pdns_probe(const struct config *cfg, struct diag_list *diags)
{
	const struct cfg_zone	*z;
	struct http_resp	 resp;
	char			 msg[512], err[512], label[256];
	size_t			 i;
	int			 ret = 0;
	enum dns_status		 st;

	for (i = 0; i < cfg->nzones; i++) {
		z = &cfg->zones[i];
		dns_name_label(z->name, label, sizeof(label));
		st = pdns_call(cfg, "GET", z->name, NULL,
		    util_mono_ms() + cfg->dns.timeout_ms, &resp, msg,
		    sizeof(msg));
		if (st == DNS_OK)
			pdns_probe_soa_edit(cfg, z, &resp, diags);
		http_resp_free(&resp);
		if (st != DNS_OK) {
			diag_add(diags, true, "%s:%d: %s", cfg->path,
			    st == DNS_ERR_NOTAUTH ? z->line :
			    pdns_conf(cfg)->line, msg);
			ret = -1;
			if (st == DNS_ERR_BADKEY || st == DNS_ERR_KEY ||
			    st == DNS_ERR_NETWORK || st == DNS_ERR_TIMEOUT)
				break;		/* the same for every zone */
			continue;
		}
		if (method_probe_dns(cfg, z, err, sizeof(err)) != DNS_OK) {
			diag_add(diags, true, "%s:%d: %s: the PowerDNS API has "
			    "the zone, but reading it through DNS failed (set "
			    "[dns] server and port to PowerDNS's DNS "
			    "listener): %s", cfg->path, cfg->dns.line, label,
			    err);
			ret = -1;
		}
	}
	return ret;
}

const struct dnsupdate_method dnsupdate_powerdns = {
	.name = "powerdns",
	.server = method_server,
	.update = pdns_update,
	.probe = pdns_probe,
	/*
	 * One zone after another: with the gsqlite3 backend PowerDNS answers
	 * 500 to a PATCH that meets another one in flight (t/80-powerdns.t
	 * showed it), and a half-done failover is worse than a slower one.
	 */
	.parallel = false,
};

/* ---- [powerdns]: its keys (agent/core/confdesc.h) ---- */

static void
pdns_conf_validate(struct cfg_ctx *c, const struct cfg_sec *s, void *conf)
{
	struct cfg_powerdns	*pd = conf;

	(void)c;
	pd->line = s->line;
}

#define K_AT(m)	CFG_AT(struct cfg_powerdns, m)
static const struct cfg_key pdns_keys[] = {
	{ .name = "url", .type = CFG_T_API_URL, .flags = CFG_F_REQUIRED,
	  K_AT(url), .doc = "https://HOST:8081/api/v1/servers/localhost" },
	{ .name = "api_key_file", .type = CFG_T_SECRET,
	  .flags = CFG_F_REQUIRED, K_AT(api_key_file),
	  .doc = "the API key (a secret file)" },
	{ .name = "ca_file", .type = CFG_T_FILE, K_AT(ca_file),
	  .doc = "a CA bundle instead of the system's" },
	{ .name = NULL }
};
#undef K_AT

static const struct cfg_section_desc powerdns_section = {
	.name = "powerdns",
	.doc = "the PowerDNS HTTP API (method = powerdns)",
	.keys = pdns_keys,
	.size = sizeof(struct cfg_powerdns),
	.validate = pdns_conf_validate,
};

/* [dns] method = powerdns (registry.c). */
const struct cfg_method powerdns_method = {
	.name = "powerdns",
	.ops = &dnsupdate_powerdns,
	.section = &powerdns_section,
};
