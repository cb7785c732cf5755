/*
 * virtualmin.c: the virtualmin method: Virtualmin's remote API
 * ([virtualmin] url = https://HOST:10000/virtual-server/remote.cgi, user,
 * password_file, ca_file).
 *
 * remote.cgi runs one of Virtualmin's command-line programs, each CGI
 * parameter becoming "--name value" (a repeated parameter, repeated
 * options).  Per zone with changes we POST one call:
 *   program=modify-dns  domain=ZONE  json=1
 *   remove-record=OWNER. TYPE                  once per changed rrset
 *   add-record-with-ttl=OWNER. TYPE TTL ADDR   once per new address
 * modify-dns removes before it adds, whatever the order of the options, so
 * one call replaces the rrsets.  We never send ttl=: it sets the zone's
 * default TTL ($TTL), not the records'.
 *
 * What the answer is worth (Virtualmin's remote.cgi and modify-dns.pl, and
 * its "Remote API" documentation):
 *   - the HTTP status is 200 even when the program failed; Webmin itself
 *     answers 401 to a wrong user or password;
 *   - with json=1 the body is {"command", "status": "success"|"failure",
 *     "error" (the first non-blank line of the output), "full_error" or
 *     "output"};
 *   - a refusal before any program runs (the user may not use the remote
 *     API, an unknown program) is plain text "ERROR: ...", json or not;
 *   - without json the output ends with an "Exit status: N" line;
 *   - modify-dns exits 0 even when it skipped a record (one already there,
 *     a name outside the domain): "success" does not prove the change.
 * So we read all of that, and dnsupdate.c confirms the change through DNS
 * ([dns] server/port: the BIND behind Virtualmin, or the SOA MNAME).
 *
 * The remote API has no prerequisite: right before the call each record is
 * read again through DNS (methods.h).
 *
 * Names.  modify-dns removes the records whose name is exactly the one
 * given: "grep { $_->{'name'} eq $name && lc($_->{'type'}) eq lc($type) }"
 * (modify-dns.pl, virtualmin-gpl): case-sensitive, while DNS is not (RFC
 * 4343 §3).  A zone file holding "WWW.example.com." keeps its old record
 * when we remove "www.example.com. A", the new one is added beside it, and
 * modify-dns still exits 0.  So before the change we list the zone with
 * get-dns (multiline, json=1: remote.cgi's convert_remote_format() parses
 * it into "data": [{"name", "values": {"type": [...], "value": [...]}}];
 * older versions send the text as "output", which we parse the same way)
 * and send each name as the zone holds it: one remove-record per spelling
 * of that name and type, additions with the zone's spelling.  After
 * modify-dns says success we list the zone again, and a record of a
 * changed name and type that still holds an old address is named in the
 * message (the change did not happen as asked).  A Virtualmin without
 * get-dns (before 6.x) gets the names as configured, as before.
 */
#include <sys/socket.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "agent/core/config.h"
#include "agent/core/confdesc.h"
#include "dnsupdate/method/virtualmin.h"
#include "agent/lib/log.h"
#include "agent/lib/util.h"
#include "dnsupdate/method/apimethod.h"
#include "agent/lib/http.h"
#include "dnsupdate/method/methods.h"

/* The [virtualmin] section, as read by the config (below). */
static const struct cfg_virtualmin *
vm_conf(const struct config *cfg)
{
	return cfg->method_conf;
}

#define VM_BODY_MAX	(256 * 1024)
#define VM_RECS_MAX	4096	/* records of a zone we look at */

/* A growing form body: "a=1&b=2", values percent-encoded. */
struct vm_form {
	char	*buf;
	size_t	 len;
	size_t	 cap;
};

static void
vm_form_add(struct vm_form *f, const char *name, const char *value)
{
	char	*v = http_escape(value);
	size_t	 need = strlen(name) + strlen(v) + 3;

	if (f->len + need > f->cap) {
		f->cap = (f->len + need) * 2;
		f->buf = util_xreallocarray(f->buf, f->cap, 1);
	}
	f->len += (size_t)snprintf(f->buf + f->len, f->cap - f->len, "%s%s=%s",
	    f->len > 0 ? "&" : "", name, v);
	free(v);
}

/* Judge a 200 answer of remote.cgi: see methods.h. */
enum dns_status
virtualmin_answer_judge(const struct http_resp *r, char *why, size_t whylen)
{
	json_t		*j;
	json_error_t	 jerr;
	const char	*status, *text, *line, *p;
	long		 exitst = -1;
	char		*end;
	enum dns_status	 st = DNS_ERR_BAD_REPLY;

	why[0] = '\0';
	j = json_loadb(r->body, r->len, 0, &jerr);
	if (j != NULL && json_is_object(j)) {
		status = json_string_value(json_object_get(j, "status"));
		if (status != NULL && strcmp(status, "success") == 0)
			st = DNS_OK;
		else if (status != NULL && strcmp(status, "failure") == 0) {
			st = DNS_ERR_REFUSED;
			if ((text = json_string_value(json_object_get(j,
			    "error"))) == NULL &&
			    (text = json_string_value(json_object_get(j,
			    "full_error"))) == NULL)
				text = json_string_value(json_object_get(j,
				    "output"));
			http_first_line(text, why, whylen);
		} else
			snprintf(why, whylen, "a JSON answer without a "
			    "status of success or failure");
		json_decref(j);
		return st;
	}
	json_decref(j);

	/* Plain text: "ERROR: ..." from remote.cgi, or "Exit status: N". */
	for (line = r->body; line != NULL && *line != '\0';
	    line = (p = strchr(line, '\n')) != NULL ? p + 1 : NULL) {
		while (*line == ' ' || *line == '\t')
			line++;
		if (strncmp(line, "ERROR:", 6) == 0) {
			http_first_line(line, why, whylen);
			return DNS_ERR_REFUSED;
		}
		if (strncmp(line, "Exit status:", 12) == 0) {
			exitst = strtol(line + 12, &end, 10);
			if (end == line + 12 || exitst < 0)
				exitst = -1;
		}
	}
	if (exitst == 0)
		return DNS_OK;
	if (exitst > 0) {
		http_first_line(r->body, why, whylen);
		return DNS_ERR_REFUSED;
	}
	http_first_line(r->body, why, whylen);
	if (why[0] == '\0')
		snprintf(why, whylen, "an empty answer");
	return DNS_ERR_BAD_REPLY;
}

/*
 * remote.cgi's answer: Webmin's 401/403 for the user, any other non-200
 * status, else what the program said (virtualmin_answer_judge()).
 */
static enum dns_status
vm_judge(const struct api_req *req, const struct http_resp *resp, char *msg,
    size_t msglen)
{
	char		why[300];
	enum dns_status	st;

	if (resp->status == 401 || resp->status == 403) {
		api_msg(req, msg, msglen, "Virtualmin refused user '%s' and its "
		    "password (%ld); check [virtualmin] user and password_file",
		    req->auth_name, resp->status);
		return DNS_ERR_BADKEY;
	}
	if (resp->status != 200) {
		http_first_line(resp->body, why, sizeof(why));
		api_msg(req, msg, msglen, "Virtualmin answered HTTP %ld: %s",
		    resp->status, why[0] ? why : "(no text)");
		return resp->status >= 500 ? DNS_ERR_SERVFAIL :
		    DNS_ERR_BAD_REPLY;
	}
	/* HTTP 200 says nothing: remote.cgi says 200 to failures too. */
	st = virtualmin_answer_judge(resp, why, sizeof(why));
	if (st == DNS_ERR_REFUSED)
		api_msg(req, msg, msglen, "Virtualmin refused the change: %s",
		    why[0] ? why : "(no error text)");
	else if (st != DNS_OK)
		api_msg(req, msg, msglen, "Virtualmin's answer is neither "
		    "success nor failure: %s", why);
	return st;
}

/*
 * POST form to remote.cgi with basic auth (api_call() reads the password
 * now and wipes it after).  DNS_OK when the program said success; else
 * the error with a plain message (starting with label) in msg.  resp
 * holds the answer in every case (caller frees).
 */
static enum dns_status
vm_call(const struct config *cfg, const char *label, const char *form,
    int64_t deadline_ms, struct http_resp *resp, char *msg, size_t msglen)
{
	const struct cfg_virtualmin	*vm = vm_conf(cfg);
	struct api_result		 res;

	api_call(&(struct api_req){ .label = label, .provider = "Virtualmin",
	    .api = "Virtualmin", .base = vm->url, .method = "POST",
	    .url = vm->url, .ca_file = vm->ca_file, .body = form,
	    .content_type = "application/x-www-form-urlencoded",
	    .body_max = VM_BODY_MAX, .deadline_ms = deadline_ms, .write = true,
	    .secrets = { { vm->password_file, "Virtualmin password" } },
	    .auth = API_AUTH_BASIC, .auth_name = vm->user,
	    .judge = vm_judge }, &res, msg, msglen);
	*resp = res.resp;
	return res.status;
}

/* One record as get-dns lists it, its name spelled as the zone holds it. */
struct vm_rec {
	char	name[256];
	char	type[16];
	char	value[64];
};

struct vm_recs {
	struct vm_rec	*r;
	size_t		 n;
};

static void
vm_recs_add(struct vm_recs *rs, const char *name, const char *type,
    const char *value)
{
	struct vm_rec	*r;

	if (name == NULL || type == NULL || value == NULL ||
	    rs->n == VM_RECS_MAX)
		return;
	rs->r = util_xreallocarray(rs->r, rs->n + 1, sizeof(*rs->r));
	r = &rs->r[rs->n++];
	snprintf(r->name, sizeof(r->name), "%s", name);
	snprintf(r->type, sizeof(r->type), "%s", type);
	snprintf(r->value, sizeof(r->value), "%s", value);
}

/*
 * get-dns --multiline as text: a record's name alone on a line, then
 * indented "Type: A", "Value: 192.0.2.10" lines (get-dns.pl).
 */
static void
vm_recs_parse_text(const char *out, struct vm_recs *rs)
{
	char		 name[256] = "", type[16] = "", line[512];
	const char	*p = out, *nl;
	size_t		 len;

	while (p != NULL && *p != '\0') {
		nl = strchr(p, '\n');
		len = nl != NULL ? (size_t)(nl - p) : strlen(p);
		snprintf(line, sizeof(line), "%.*s", (int)len, p);
		line[strcspn(line, "\r")] = '\0';
		p = nl != NULL ? nl + 1 : NULL;
		if (line[0] != '\0' && !isspace((unsigned char)line[0])) {
			snprintf(name, sizeof(name), "%.255s", line);
			type[0] = '\0';
		} else if (sscanf(line, " Type: %15s", type) == 1)
			continue;
		else if (strncmp(line + strspn(line, " \t"), "Value: ", 7) ==
		    0 && name[0] != '\0' && type[0] != '\0')
			vm_recs_add(rs, name, type, line + strspn(line, " \t") +
			    7);
	}
}

/*
 * The zone's records (A and AAAA are all we use) from get-dns.  DNS_OK, or
 * the error with msg (then rs is empty).
 */
static enum dns_status
vm_records(const struct config *cfg, const char *label, int64_t deadline_ms,
    struct vm_recs *rs, char *msg, size_t msglen)
{
	struct vm_form	 form = { NULL, 0, 0 };
	struct http_resp resp;
	json_t		*j = NULL, *data, *d, *vals, *t, *v;
	json_error_t	 jerr;
	const char	*out;
	size_t		 i, k;
	enum dns_status	 st;

	memset(rs, 0, sizeof(*rs));
	vm_form_add(&form, "program", "get-dns");
	vm_form_add(&form, "domain", label);
	vm_form_add(&form, "multiline", "");
	vm_form_add(&form, "json", "1");
	st = vm_call(cfg, label, form.buf, deadline_ms, &resp, msg, msglen);
	free(form.buf);
	if (st != DNS_OK)
		goto done;
	j = json_loadb(resp.body, resp.len, 0, &jerr);
	data = json_object_get(j, "data");
	json_array_foreach(data, i, d) {
		vals = json_object_get(d, "values");
		t = json_array_get(json_object_get(vals, "type"), 0);
		json_array_foreach(json_object_get(vals, "value"), k, v)
			vm_recs_add(rs, json_string_value(json_object_get(d,
			    "name")), json_string_value(t),
			    json_string_value(v));
	}
	if (!json_is_array(data) &&
	    (out = json_string_value(json_object_get(j, "output"))) != NULL)
		vm_recs_parse_text(out, rs);
	else if (!json_is_array(data)) {
		util_msg(msg, msglen, "%s: Virtualmin's get-dns answer lists "
		    "no records", label);
		st = DNS_ERR_BAD_REPLY;
	}
done:
	json_decref(j);
	http_resp_free(&resp);
	return st;
}

/*
 * Add mc to form: "remove-record" once per spelling of its name that the
 * zone holds with that type (the configured name when rs holds none), and
 * "add-record-with-ttl" per new address with the zone's spelling of the
 * name (any type), else the configured one.
 */
static void
vm_form_changes(struct vm_form *form, const struct method_change *mc,
    const struct vm_recs *rs, uint32_t ttl)
{
	const char	*spell = mc->owner, *sent[16];
	char		 v[512];
	size_t		 i, j, nsent = 0;

	for (i = 0; i < rs->n; i++) {
		if (!method_name_eq(rs->r[i].name, mc->owner))
			continue;
		if (spell == mc->owner)
			spell = rs->r[i].name;	/* the zone's spelling */
		if (strcasecmp(rs->r[i].type, mc->type) != 0 ||
		    mc->old_addrs.n == 0)
			continue;
		for (j = 0; j < nsent; j++)
			if (strcmp(sent[j], rs->r[i].name) == 0)
				break;
		if (j < nsent || nsent == FA_ARRAY_SIZE(sent))
			continue;
		sent[nsent++] = rs->r[i].name;
		snprintf(v, sizeof(v), "%s %s", rs->r[i].name, mc->type);
		vm_form_add(form, "remove-record", v);
	}
	if (mc->old_addrs.n > 0 && nsent == 0) {
		snprintf(v, sizeof(v), "%s %s", mc->owner, mc->type);
		vm_form_add(form, "remove-record", v);
	}
	for (j = 0; j < mc->new_addrs.n; j++) {
		snprintf(v, sizeof(v), "%s %s %u %s", spell, mc->type,
		    (unsigned)ttl, mc->new_addrs.addr[j].text);
		vm_form_add(form, "add-record-with-ttl", v);
	}
}

/*
 * After a success: what the zone still holds of the changed names and
 * types that is not a new address, listed in left ("WWW.example.com. A
 * 192.0.2.10, ...").  *newseen tells whether a new address is there.
 */
static void
vm_leftovers(const struct method_change *mcs, size_t n,
    const struct vm_recs *rs, char *left, size_t leftlen, bool *newseen)
{
	struct addrset		one;
	size_t			i, k, a;
	bool			isnew;

	left[0] = '\0';
	*newseen = false;
	for (i = 0; i < n; i++)
		for (k = 0; k < rs->n; k++) {
			if (!method_name_eq(rs->r[k].name, mcs[i].owner) ||
			    strcasecmp(rs->r[k].type, mcs[i].type) != 0)
				continue;
			memset(&one, 0, sizeof(one));
			if (addrset_add_text(&one, mcs[i].family,
			    rs->r[k].value) == -1)
				continue;
			isnew = false;
			for (a = 0; a < mcs[i].new_addrs.n; a++)
				if (strcmp(mcs[i].new_addrs.addr[a].text,
				    one.addr[0].text) == 0)
					isnew = true;
			if (isnew) {
				*newseen = true;
				continue;
			}
			util_msg_append(left, leftlen,
			    "%s%s %s %s", left[0] != '\0' ? ", " : "",
			    rs->r[k].name, rs->r[k].type, rs->r[k].value);
		}
}

static enum dns_status
vm_update(const struct config *cfg, const struct dns_server *srv,
    struct dns_zone_plan *zp, int64_t deadline_ms)
{
	struct method_change	*mcs = NULL;
	struct http_resp	 resp;
	struct vm_form		 form = { NULL, 0, 0 };
	struct vm_recs		 rs = { NULL, 0 };
	char			 label[256], err[512], left[600];
	size_t			 n, i;
	bool			 listed, newseen;
	enum dns_status		 st;

	memset(&resp, 0, sizeof(resp));
	dns_name_label(zp->zone->name, label, sizeof(label));
	st = method_recheck(cfg, srv, zp, zp->message, sizeof(zp->message));
	if (st != DNS_OK)
		return st;
	n = method_changes(zp, &mcs);

	/* The names as the zone file spells them (see the top). */
	listed = vm_records(cfg, label, deadline_ms, &rs, err,
	    sizeof(err)) == DNS_OK;
	if (!listed)
		log_info("%s: get-dns failed, names sent as configured: %s",
		    label, err);
	vm_form_add(&form, "program", "modify-dns");
	vm_form_add(&form, "domain", label);
	vm_form_add(&form, "json", "1");
	for (i = 0; i < n; i++)
		vm_form_changes(&form, &mcs[i], &rs, cfg->dns.ttl);
	st = vm_call(cfg, label, form.buf, deadline_ms, &resp, zp->message,
	    sizeof(zp->message));
	http_resp_free(&resp);
	if (st != DNS_OK || !listed)
		goto done;

	/* "success" does not prove the change: what is left of the old? */
	free(rs.r);
	if (vm_records(cfg, label, deadline_ms, &rs, err, sizeof(err)) !=
	    DNS_OK) {
		log_info("%s: get-dns after the change failed (DNS will tell): "
		    "%s", label, err);
		goto done;
	}
	vm_leftovers(mcs, n, &rs, left, sizeof(left), &newseen);
	if (left[0] != '\0') {
		zp->changed = newseen;
		util_msg(zp->message, sizeof(zp->message), "%s: Virtualmin at "
		    "%s says modify-dns succeeded, but the zone still holds %s "
		    "(modify-dns removes only an exact, case-sensitive name "
		    "match): the next cycle reads DNS and tries again", label,
		    vm_conf(cfg)->url, left);
		st = DNS_ERR_VERIFY;
	}
done:
	if (st == DNS_OK)
		util_msg(zp->message, sizeof(zp->message), "%s: Virtualmin at "
		    "%s says modify-dns succeeded for %zu record%s", label,
		    vm_conf(cfg)->url, zp->nchange, zp->nchange == 1 ? "" :
		    "s");
	free(rs.r);
	free(form.buf);
	free(mcs);
	return st;
}

/*
 * config-test: one harmless call, list-domains with json=1 and name-only,
 * proves the URL, TLS, the user and password and the right to use the
 * remote API; each zone must be one of the domains listed.  Then each
 * zone's SOA through DNS, where the change will be confirmed.
 */
static int
vm_probe(const struct config *cfg, struct diag_list *diags)
{
	const struct cfg_zone	*z;
	struct http_resp	 resp;
	struct vm_form		 form = { NULL, 0, 0 };
	json_t			*j = NULL, *data, *d;
	json_error_t		 jerr;
	char			 msg[512], err[512], label[256];
	size_t			 i, k;
	bool			 found;
	int			 ret = 0;
	enum dns_status		 st;

	vm_form_add(&form, "program", "list-domains");
	vm_form_add(&form, "json", "1");
	vm_form_add(&form, "name-only", "");
	st = vm_call(cfg, "config-test", form.buf,
	    util_mono_ms() + cfg->dns.timeout_ms, &resp, msg, sizeof(msg));
	free(form.buf);
	if (st != DNS_OK) {
		diag_add(diags, true, "%s:%d: %s", cfg->path,
		    vm_conf(cfg)->line, msg);
		http_resp_free(&resp);
		return -1;
	}
	j = json_loadb(resp.body, resp.len, 0, &jerr);
	data = j != NULL ? json_object_get(j, "data") : NULL;
	if (!json_is_array(data)) {
		diag_add(diags, true, "%s:%d: Virtualmin's list-domains answer "
		    "has no list of domains", cfg->path, vm_conf(cfg)->line);
		ret = -1;
		goto done;
	}
	for (i = 0; i < cfg->nzones; i++) {
		z = &cfg->zones[i];
		dns_name_label(z->name, label, sizeof(label));
		found = false;
		json_array_foreach(data, k, d)
			if (json_is_string(d) &&
			    method_name_eq(json_string_value(d), label))
				found = true;
		if (!found) {
			diag_add(diags, true, "%s:%d: %s is not a domain that "
			    "Virtualmin user '%s' manages (list-domains)",
			    cfg->path, z->line, label, vm_conf(cfg)->user);
			ret = -1;
			continue;
		}
		if (method_probe_dns(cfg, z, err, sizeof(err)) != DNS_OK) {
			diag_add(diags, true, "%s:%d: %s: Virtualmin has the "
			    "domain, but reading it through DNS failed (set "
			    "[dns] server and port to its DNS server): %s",
			    cfg->path, cfg->dns.line, label, err);
			ret = -1;
		}
	}
done:
	json_decref(j);
	http_resp_free(&resp);
	return ret;
}

const struct dnsupdate_method dnsupdate_virtualmin = {
	.name = "virtualmin",
	.server = method_server,
	.update = vm_update,
	.probe = vm_probe,
	/*
	 * One zone after another: each call is a Perl process on the
	 * Virtualmin host, often a small one.
	 */
	.parallel = false,
};

/* ---- [virtualmin]: its keys (agent/core/confdesc.h) ---- */

static void
vm_conf_validate(struct cfg_ctx *c, const struct cfg_sec *s, void *conf)
{
	struct cfg_virtualmin	*vm = conf;
	const struct cfg_entry	*e;

	vm->line = s->line;
	/* RFC 7617 §2: a user-id holding ':' cannot be sent. */
	if (vm->user != NULL && vm->user[strcspn(vm->user, ":\t ")] != '\0') {
		e = cfg_sec_get(s, "user");
		cfg_error(c, e->line, "bad user '%.64s': no ':' or white space",
		    vm->user);
		free(vm->user);
		vm->user = NULL;
	}
}

#define K_AT(m)	CFG_AT(struct cfg_virtualmin, m)
static const struct cfg_key vm_keys[] = {
	{ .name = "url", .type = CFG_T_API_URL, .flags = CFG_F_REQUIRED,
	  K_AT(url), .doc = "https://HOST:10000/virtual-server/remote.cgi" },
	{ .name = "user", .type = CFG_T_STR, .flags = CFG_F_REQUIRED,
	  K_AT(user), .doc = "the Virtualmin user" },
	{ .name = "password_file", .type = CFG_T_SECRET,
	  .flags = CFG_F_REQUIRED, K_AT(password_file),
	  .doc = "its password (a secret file)" },
	{ .name = "ca_file", .type = CFG_T_FILE, K_AT(ca_file),
	  .doc = "a CA bundle instead of the system's" },
	{ .name = NULL }
};
#undef K_AT

static const struct cfg_section_desc virtualmin_section = {
	.name = "virtualmin",
	.doc = "Virtualmin's remote API (method = virtualmin)",
	.keys = vm_keys,
	.size = sizeof(struct cfg_virtualmin),
	.validate = vm_conf_validate,
};

/* [dns] method = virtualmin (registry.c). */
const struct cfg_method virtualmin_method = {
	.name = "virtualmin",
	.ops = &dnsupdate_virtualmin,
	.section = &virtualmin_section,
};
