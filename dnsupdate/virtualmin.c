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
 */
#include <sys/socket.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "../agent/config.h"
#include "../agent/log.h"
#include "../agent/util.h"
#include "apimethod.h"
#include "http.h"
#include "methods.h"

#define VM_BODY_MAX	(256 * 1024)

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
 * POST form to remote.cgi with basic auth (the password read now, wiped
 * after).  DNS_OK when the program said success; else the error with a
 * plain message (starting with label) in msg.
 */
static enum dns_status
vm_call(const struct config *cfg, const char *label, const char *form,
    int64_t deadline_ms, struct http_resp *resp, char *msg, size_t msglen)
{
	const struct cfg_virtualmin	*vm = &cfg->virtualmin;
	struct curl_slist		*hdrs = NULL;
	struct http_req			 req;
	char				*pw = NULL, err[512], why[300];
	size_t				 pwlen = 0;
	enum dns_status			 st = DNS_ERR_INTERNAL;

	memset(resp, 0, sizeof(*resp));
	if (http_secret_load(vm->password_file, &pw, &pwlen, err,
	    sizeof(err)) == -1) {
		dns_msg(msg, msglen, "%s: cannot read the Virtualmin password: "
		    "%s", label, err);
		return DNS_ERR_KEY;
	}
	if (http_header_basic_auth(&hdrs, vm->user, pw) == -1 ||
	    http_header_add(&hdrs, "Content-Type",
	    "application/x-www-form-urlencoded") == -1) {
		dns_msg(msg, msglen, "%s: out of memory", label);
		goto done;
	}
	http_secret_free(pw, pwlen);
	pw = NULL;

	memset(&req, 0, sizeof(req));
	req.method = "POST";
	req.url = vm->url;
	req.ca_file = vm->ca_file;
	req.headers = hdrs;
	req.body = form;
	req.bodylen = strlen(form);
	req.body_max = VM_BODY_MAX;
	req.deadline_ms = deadline_ms;
	log_debug("%s: Virtualmin remote API: POST %s: %s", label, vm->url,
	    form);
	if (http_request(&req, resp) == -1) {
		dns_msg(msg, msglen, "%s: Virtualmin at %s: %s", label,
		    vm->url, resp->error);
		st = api_fail_status(resp, true);
		goto done;
	}
	if (resp->status == 401 || resp->status == 403) {
		dns_msg(msg, msglen, "%s: Virtualmin refused user '%s' and its "
		    "password (%ld); check [virtualmin] user and password_file",
		    label, vm->user, resp->status);
		st = DNS_ERR_BADKEY;
		goto done;
	}
	if (resp->status != 200) {
		http_first_line(resp->body, why, sizeof(why));
		dns_msg(msg, msglen, "%s: Virtualmin answered HTTP %ld: %s",
		    label, resp->status, why[0] ? why : "(no text)");
		st = resp->status >= 500 ? DNS_ERR_SERVFAIL : DNS_ERR_BAD_REPLY;
		goto done;
	}
	/* HTTP 200 says nothing: remote.cgi says 200 to failures too. */
	st = virtualmin_answer_judge(resp, why, sizeof(why));
	if (st == DNS_ERR_REFUSED)
		dns_msg(msg, msglen, "%s: Virtualmin refused the change: %s",
		    label, why[0] ? why : "(no error text)");
	else if (st != DNS_OK)
		dns_msg(msg, msglen, "%s: Virtualmin's answer is neither success "
		    "nor failure: %s", label, why);
done:
	http_secret_free(pw, pwlen);
	http_headers_free(hdrs);
	return st;
}

static enum dns_status
vm_update(const struct config *cfg, const struct dns_server *srv,
    struct dns_zone_plan *zp, int64_t deadline_ms)
{
	struct method_change	*mcs = NULL;
	struct http_resp	 resp;
	struct vm_form		 form = { NULL, 0, 0 };
	char			 label[256], v[512];
	size_t			 n, i, j;
	enum dns_status		 st;

	memset(&resp, 0, sizeof(resp));
	method_zone_label(zp->zone->name, label, sizeof(label));
	st = method_recheck(cfg, srv, zp, zp->message, sizeof(zp->message));
	if (st != DNS_OK)
		return st;
	n = method_changes(zp, &mcs);

	vm_form_add(&form, "program", "modify-dns");
	vm_form_add(&form, "domain", label);
	vm_form_add(&form, "json", "1");
	for (i = 0; i < n; i++) {
		if (mcs[i].old_addrs.n > 0) {
			snprintf(v, sizeof(v), "%s %s", mcs[i].owner,
			    mcs[i].type);
			vm_form_add(&form, "remove-record", v);
		}
		for (j = 0; j < mcs[i].new_addrs.n; j++) {
			snprintf(v, sizeof(v), "%s %s %u %s", mcs[i].owner,
			    mcs[i].type, (unsigned)cfg->dns.ttl,
			    mcs[i].new_addrs.addr[j].text);
			vm_form_add(&form, "add-record-with-ttl", v);
		}
	}
	st = vm_call(cfg, label, form.buf, deadline_ms, &resp, zp->message,
	    sizeof(zp->message));
	if (st == DNS_OK)
		dns_msg(zp->message, sizeof(zp->message), "%s: Virtualmin at %s "
		    "says modify-dns succeeded for %zu record%s", label,
		    cfg->virtualmin.url, zp->nchange, zp->nchange == 1 ? "" :
		    "s");
	http_resp_free(&resp);
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
	struct dns_server	 srv;
	json_t			*j = NULL, *data, *d;
	json_error_t		 jerr;
	char			 msg[512], err[512], label[256];
	uint32_t		 serial;
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
		    cfg->virtualmin.line, msg);
		http_resp_free(&resp);
		return -1;
	}
	j = json_loadb(resp.body, resp.len, 0, &jerr);
	data = j != NULL ? json_object_get(j, "data") : NULL;
	if (!json_is_array(data)) {
		diag_add(diags, true, "%s:%d: Virtualmin's list-domains answer "
		    "has no list of domains", cfg->path, cfg->virtualmin.line);
		ret = -1;
		goto done;
	}
	for (i = 0; i < cfg->nzones; i++) {
		z = &cfg->zones[i];
		method_zone_label(z->name, label, sizeof(label));
		found = false;
		json_array_foreach(data, k, d)
			if (json_is_string(d) &&
			    method_name_eq(json_string_value(d), label))
				found = true;
		if (!found) {
			diag_add(diags, true, "%s:%d: %s is not a domain that "
			    "Virtualmin user '%s' manages (list-domains)",
			    cfg->path, z->line, label, cfg->virtualmin.user);
			ret = -1;
			continue;
		}
		st = method_server(cfg, z, util_mono_ms() + cfg->dns.timeout_ms,
		    &srv, err, sizeof(err));
		if (st == DNS_OK)
			st = dns_query_serial(&srv, z->name,
			    util_mono_ms() + cfg->dns.timeout_ms, &serial, err,
			    sizeof(err));
		if (st != DNS_OK) {
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
