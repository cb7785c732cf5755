/*
 * vote_conf.c: the [vote] section of a spare's vote server, described and
 * checked here, next to the server that uses it (agent/core/confdesc.h):
 * listen and allow are parsed with the protocol's own address rules.
 */
#include <sys/socket.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/core/confdesc.h"
#include "agent/lib/log.h"
#include "agent/lib/util.h"
#include "quorum/quorum.h"

/*
 * Split a listen list "a, b" into cfg->vote.listen, each address checked
 * with vote_listen_parse() (numeric, with a port) and listed once.
 * Returns 0, or -1 with err set (the list is then left empty).
 */
static int
vote_listen_list(struct cfg_vote *vt, const char *list, char *err,
    size_t errlen)
{
	struct sockaddr_storage	 ss, *seen = NULL;
	unsigned		*seenlen = NULL, sslen;
	char			*copy, *item, *next;
	size_t			 i, n = 0;
	int			 rc = -1;

	copy = util_xstrdup(list);
	for (next = copy; (item = util_list_next(&next)) != NULL;) {
		if (*item == '\0') {
			snprintf(err, errlen, "empty item in the list");
			goto cleanup;
		}
		if (vote_listen_parse(item, &ss, &sslen, err, errlen) == -1)
			goto cleanup;
		for (i = 0; i < n; i++) {
			if (seenlen[i] == sslen &&
			    memcmp(&seen[i], &ss, sslen) == 0) {
				snprintf(err, errlen, "%s is listed twice",
				    item);
				goto cleanup;
			}
		}
		seen = util_xreallocarray(seen, n + 1, sizeof(*seen));
		seenlen = util_xreallocarray(seenlen, n + 1, sizeof(*seenlen));
		seen[n] = ss;
		seenlen[n] = sslen;
		n++;
		vt->listen = util_xreallocarray(vt->listen, vt->nlisten + 1,
		    sizeof(*vt->listen));
		vt->listen[vt->nlisten++] = util_xstrdup(item);
	}
	rc = 0;
cleanup:
	if (rc == -1) {
		for (i = 0; i < vt->nlisten; i++)
			free(vt->listen[i]);
		free(vt->listen);
		vt->listen = NULL;
		vt->nlisten = 0;
	}
	free(seen);
	free(seenlen);
	free(copy);
	return rc;
}

/* [vote] allow = CIDR, ...: into vt->allow.  Returns 0, or -1 with err. */
static int
vote_allow_list(struct cfg_vote *vt, const char *list, char *err,
    size_t errlen)
{
	char	*copy, *item, *next;
	int	 rc = -1;

	copy = util_xstrdup(list);
	for (next = copy; (item = util_list_next(&next)) != NULL;) {
		if (*item == '\0') {
			snprintf(err, errlen, "empty item in the list");
			goto cleanup;
		}
		vt->allow = util_xreallocarray(vt->allow, vt->nallow + 1,
		    sizeof(*vt->allow));
		if (vote_cidr_parse(item, &vt->allow[vt->nallow], err,
		    errlen) == -1)
			goto cleanup;
		vt->nallow++;
	}
	rc = 0;
cleanup:
	free(copy);
	return rc;
}

/*
 * [vote] interval, or its old name cache: interval replaced cache (a
 * verdict reused on request) when spares began to probe on their own clock;
 * cache is read as interval, with a warning at its line.
 */
static void
vote_interval_get(struct cfg_ctx *c, const struct cfg_sec *s,
    struct cfg_vote *vt)
{
	const struct cfg_entry	*ei, *ec;

	ei = cfg_sec_get(s, "interval");
	if ((ec = cfg_sec_get(s, "cache")) != NULL) {
		if (ei != NULL)
			cfg_error(c, ec->line, "cache is the old name of"
			    " interval, which line %d sets: remove cache",
			    ei->line);
		else {
			cfg_warn(c, ec->line, "cache is now called interval"
			    " (the spare probes every interval, whether asked"
			    " or not): rename it");
			/* cache = 0 (probe on every request): as often as 1s. */
			if (cfg_get_duration(c, s, "cache", 0, &vt->interval_ms,
			    NULL) && vt->interval_ms == 0)
				vt->interval_ms = 1000;
		}
	}
	cfg_get_duration(c, s, "interval", 1, &vt->interval_ms, NULL);
}

/* [vote]: listen, interval (or cache) and allow; the rest is in the table. */
static void
vote_conf_validate(struct cfg_ctx *c, const struct cfg_sec *s, void *conf)
{
	struct cfg_vote		*vt = conf;
	const char		*v;
	char			 err[256];
	int			 line;

	if ((v = cfg_get_str(c, s, "listen", false, &line)) != NULL &&
	    vote_listen_list(vt, v, err, sizeof(err)) == -1)
		cfg_error(c, line, "bad listen address list: %s", err);
	vote_interval_get(c, s, vt);
	if ((v = cfg_get_str(c, s, "allow", false, &line)) != NULL &&
	    vote_allow_list(vt, v, err, sizeof(err)) == -1)
		cfg_error(c, line, "bad allow list: %s", err);
}

/*
 * [vote] listen when absent: the default of failover-agent.conf(5), [vote]. 
 * Run for every load.
 */
static void
vote_conf_defaults(struct cfg_ctx *c, void *conf)
{
	struct cfg_vote	*vt = conf;
	char		 err[128];

	(void)c;
	if (vt->nlisten == 0 &&
	    vote_listen_list(vt, CFG_VOTE_LISTEN_DEFAULT, err,
	    sizeof(err)) == -1)
		fatalx("internal: default listen list: %s", err);
}

static void
vote_conf_free(void *conf)
{
	struct cfg_vote	*vt = conf;

	for (size_t i = 0; i < vt->nlisten; i++)
		free(vt->listen[i]);
	free(vt->listen);
	free(vt->allow);
	vt->listen = NULL;
	vt->allow = NULL;
	vt->nlisten = vt->nallow = 0;
}

#define V_AT(m)	CFG_AT(struct cfg_vote, m)
static const struct cfg_key vote_keys[] = {
	{ .name = "listen", .type = CFG_T_CUSTOM,
	  .doc = "addresses to listen on (default " CFG_VOTE_LISTEN_DEFAULT ")" },
	{ .name = "interval", .type = CFG_T_CUSTOM, V_AT(interval_ms),
	  .def = VOTE_INTERVAL_DEFAULT_MS, .doc = "probe every" },
	{ .name = "cache", .type = CFG_T_CUSTOM,
	  .doc = "the old name of interval" },
	{ .name = "request_timeout", .type = CFG_T_DURATION,
	  V_AT(request_timeout_ms), .min = 1,
	  .def = VOTE_REQUEST_TIMEOUT_DEFAULT_MS,
	  .doc = "a whole request, from accept" },
	{ .name = "max_connections", .type = CFG_T_NUM, V_AT(max_connections),
	  .min = 1, .max = 1000000, .def = VOTE_MAX_CONNECTIONS_DEFAULT,
	  .doc = "per listen address" },
	{ .name = "max_per_ip", .type = CFG_T_NUM, V_AT(max_per_ip), .min = 1,
	  .max = 1000000, .def = VOTE_MAX_PER_IP_DEFAULT,
	  .doc = "per listen address and client" },
	{ .name = "allow", .type = CFG_T_CUSTOM,
	  .doc = "the networks that may ask (CIDR list)" },
	{ .name = NULL }
};
#undef V_AT

const struct cfg_section_desc cfg_vote_section = {
	.name = "vote",
	.doc = "the vote server of a spare",
	.keys = vote_keys,
	.size = sizeof(struct cfg_vote),
	.validate = vote_conf_validate,
	.validate_all = vote_conf_defaults,
	.free = vote_conf_free,
};
