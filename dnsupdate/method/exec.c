/*
 * exec.c: the exec method: a program of the administrator's ([exec]
 * program, timeout) makes the change, once per zone with changes.
 *
 * It runs through spawn_run() (agent/lib/spawn.h): no shell, its own process
 * group killed at the timeout, a clean environment, no inherited fds but
 * 0-2.  It gets:
 *   argv   PROGRAM update ZONE           (ZONE absolute: "example.com.")
 *   stdin  the plan as one JSON object:
 *          {"zone": "example.com.", "ttl": 60, "direction": "to-backup",
 *           "records": [{"name": "www.example.com.", "type": "A",
 *                        "old": ["192.0.2.10"], "new": ["198.51.100.20"]},
 *                       ...]}
 *          one entry per owner and type whose set changes ("new" may be
 *          empty: remove that rrset; "old" is what DNS held a moment ago,
 *          for a program that can make its change conditional);
 *   env    PATH=/usr/sbin:/usr/bin:/sbin:/bin, FA_METHOD=exec,
 *          FA_ZONE, FA_DIRECTION (to-backup | to-primary), FA_TTL,
 *          FA_DNS_SERVER and FA_DNS_PORT (where the agent reads and will
 *          confirm the records), FA_SITE ([agent] name).  Nothing else:
 *          no secret is passed; a program that needs one reads its own file.
 * Exit 0 means "applied"; the change is then confirmed through DNS by
 * dnsupdate.c.  Any other exit, a signal, the timeout, or a program that
 * cannot run is a failure whose message quotes the first line of its
 * output.  Right before the run each record is read again through DNS
 * (methods.h): the program only runs while they hold what the plan read.
 */
#include <sys/socket.h>
#include <netdb.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "agent/core/config.h"
#include "agent/core/confdesc.h"
#include "dnsupdate/method/exec.h"
#include "agent/lib/log.h"
#include "agent/lib/spawn.h"
#include "agent/lib/util.h"
#include "agent/lib/http.h"
#include "dnsupdate/method/methods.h"

/* The [exec] section, as read by the config (below). */
static const struct cfg_exec *
exec_conf(const struct config *cfg)
{
	return cfg->method_conf;
}

/*
 * The JSON plan of zp for the program's stdin.  Caller frees.  NULL on no
 * memory.
 */
static char *
exec_plan_json(const struct config *cfg, const struct dns_zone_plan *zp,
    const char *direction)
{
	struct method_change	*mcs = NULL;
	json_t			*root, *recs, *r, *o, *nw;
	char			*text = NULL;
	size_t			 n, i, j;

	n = method_changes(zp, &mcs);
	root = json_pack("{s:s, s:I, s:s, s:[]}", "zone", zp->zone->name,
	    "ttl", (json_int_t)cfg->dns.ttl, "direction", direction,
	    "records");
	if (root == NULL)
		goto done;
	recs = json_object_get(root, "records");
	for (i = 0; i < n; i++) {
		r = json_pack("{s:s, s:s, s:[], s:[]}", "name", mcs[i].owner,
		    "type", mcs[i].type, "old", "new");
		if (r == NULL || json_array_append_new(recs, r) == -1)
			goto done;
		o = json_object_get(r, "old");
		nw = json_object_get(r, "new");
		for (j = 0; j < mcs[i].old_addrs.n; j++)
			if (json_array_append_new(o, json_string(
			    mcs[i].old_addrs.addr[j].text)) == -1)
				goto done;
		for (j = 0; j < mcs[i].new_addrs.n; j++)
			if (json_array_append_new(nw, json_string(
			    mcs[i].new_addrs.addr[j].text)) == -1)
				goto done;
	}
	text = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
done:
	json_decref(root);
	free(mcs);
	return text;
}

/* Which way the plan goes: every changed record's new set is one site's. */
static const char *
exec_direction(const struct config *cfg, const struct dns_zone_plan *zp)
{
	for (size_t i = 0; i < zp->n; i++)
		if (zp->rec[i].status == DNS_OK)
			return addrset_equal(&zp->rec[i].new_addrs,
			    &cfg->backup) ? "to-backup" : "to-primary";
	return "to-backup";
}

static enum dns_status
exec_update(const struct config *cfg, const struct dns_server *srv,
    struct dns_zone_plan *zp, int64_t deadline_ms)
{
	const char		*dir = exec_direction(cfg, zp);
	struct spawn_result	 res;
	char			 label[256], host[NI_MAXHOST], port[NI_MAXSERV],
				 out[300], dur[32];
	char			 e_zone[300], e_dir[64], e_ttl[32], e_srv[300],
				 e_port[32], e_site[128];
	char			*env[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin",
				    "FA_METHOD=exec", e_zone, e_dir, e_ttl,
				    e_srv, e_port, e_site, NULL };
	char			*argv[] = { NULL, "update", NULL, NULL };
	char			*plan = NULL;
	enum dns_status		 st;

	(void)deadline_ms;	/* the program has [exec] timeout */
	dns_name_label(zp->zone->name, label, sizeof(label));
	st = method_recheck(cfg, srv, zp, zp->message, sizeof(zp->message));
	if (st != DNS_OK)
		return st;
	if ((plan = exec_plan_json(cfg, zp, dir)) == NULL) {
		util_msg(zp->message, sizeof(zp->message), "%s: cannot build "
		    "the plan", label);
		return DNS_ERR_INTERNAL;
	}
	if (getnameinfo((const struct sockaddr *)&srv->ss, srv->sslen, host,
	    sizeof(host), port, sizeof(port), NI_NUMERICHOST |
	    NI_NUMERICSERV) != 0) {
		snprintf(host, sizeof(host), "?");
		snprintf(port, sizeof(port), "?");
	}
	util_msg(e_zone, sizeof(e_zone), "FA_ZONE=%s", zp->zone->name);
	util_msg(e_dir, sizeof(e_dir), "FA_DIRECTION=%s", dir);
	util_msg(e_ttl, sizeof(e_ttl), "FA_TTL=%u", (unsigned)cfg->dns.ttl);
	util_msg(e_srv, sizeof(e_srv), "FA_DNS_SERVER=%s", host);
	util_msg(e_port, sizeof(e_port), "FA_DNS_PORT=%s", port);
	util_msg(e_site, sizeof(e_site), "FA_SITE=%s",
	    cfg->agent.name != NULL ? cfg->agent.name : "");
	argv[0] = (char *)(uintptr_t)exec_conf(cfg)->program;
	argv[2] = (char *)(uintptr_t)zp->zone->name;

	log_debug("%s: exec %s update %s, plan %s", label, argv[0],
	    zp->zone->name, plan);
	if (spawn_run(argv, env, plan, strlen(plan), exec_conf(cfg)->timeout_ms,
	    &res) == 0) {
		util_msg(zp->message, sizeof(zp->message), "%s: %s applied the "
		    "change of %zu record%s (exit 0)", label, argv[0],
		    zp->nchange, zp->nchange == 1 ? "" : "s");
		free(plan);
		return DNS_OK;
	}
	free(plan);
	http_first_line(res.output, out, sizeof(out));
	switch (res.outcome) {
	case SPAWN_TIMEOUT:
		util_duration_format(exec_conf(cfg)->timeout_ms, dur, sizeof(dur));
		util_msg(zp->message, sizeof(zp->message), "%s: %s did not "
		    "finish within [exec] timeout (%s); its process group was "
		    "killed%s%s", label, argv[0], dur, out[0] ? ": " : "", out);
		/* It may have made the change before it was killed. */
		zp->maybe_changed = true;
		return DNS_ERR_TIMEOUT;
	case SPAWN_CANNOT_RUN:
		util_msg(zp->message, sizeof(zp->message), "%s: cannot run %s: "
		    "%s", label, argv[0], res.detail);
		return DNS_ERR_INTERNAL;
	default:
		util_msg(zp->message, sizeof(zp->message), "%s: %s failed "
		    "(%s)%s%s", label, argv[0], res.detail, out[0] ? ": " : "",
		    out);
		return DNS_ERR_REFUSED;
	}
}

/*
 * config-test: the program was checked when the config was read (absolute,
 * a regular file, executable, not writable by others); check again (it may
 * have changed since) and that each zone can be read through DNS, where
 * every change will be confirmed.  The program is not run: running it
 * could change DNS.
 */
static int
exec_probe(const struct config *cfg, struct diag_list *diags)
{
	const struct cfg_zone	*z;
	char			 err[512], label[256];
	size_t			 i;
	int			 ret = 0;

	if (access(exec_conf(cfg)->program, X_OK) == -1) {
		diag_add(diags, true, "%s:%d: program: cannot run %s: %s",
		    cfg->path, exec_conf(cfg)->line, exec_conf(cfg)->program,
		    strerror(errno));
		ret = -1;
	}
	for (i = 0; i < cfg->nzones; i++) {
		z = &cfg->zones[i];
		dns_name_label(z->name, label, sizeof(label));
		if (method_probe_dns(cfg, z, err, sizeof(err)) != DNS_OK) {
			diag_add(diags, true, "%s:%d: %s: reading the zone "
			    "through DNS failed (the change of %s is confirmed "
			    "there; set [dns] server and port): %s", cfg->path,
			    cfg->dns.line, label, exec_conf(cfg)->program, err);
			ret = -1;
		}
	}
	return ret;
}

const struct dnsupdate_method dnsupdate_exec = {
	.name = "exec",
	.server = method_server,
	.update = exec_update,
	.probe = exec_probe,
	/* One zone after another: the program need not be reentrant. */
	.parallel = false,
};

/* ---- [exec]: its keys (agent/core/confdesc.h) ---- */

static void
exec_conf_validate(struct cfg_ctx *c, const struct cfg_sec *s, void *conf)
{
	struct cfg_exec	*ex = conf;

	(void)c;
	ex->line = s->line;
}

#define K_AT(m)	CFG_AT(struct cfg_exec, m)
static const struct cfg_key exec_keys[] = {
	{ .name = "program", .type = CFG_T_PROGRAM, .flags = CFG_F_REQUIRED,
	  K_AT(program), .doc = "the program run once per zone with changes" },
	{ .name = "timeout", .type = CFG_T_DURATION, K_AT(timeout_ms),
	  .min = 1, .def = 30000, .doc = "how long it may run" },
	{ .name = NULL }
};
#undef K_AT

static const struct cfg_section_desc exec_section = {
	.name = "exec",
	.doc = "a program that changes the records (method = exec)",
	.keys = exec_keys,
	.size = sizeof(struct cfg_exec),
	.validate = exec_conf_validate,
};

/* [dns] method = exec (registry.c). */
const struct cfg_method exec_method = {
	.name = "exec",
	.ops = &dnsupdate_exec,
	.section = &exec_section,
};
