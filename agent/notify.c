/*
 * notify.c: [hooks] notify (see notify.h).  The POST goes through the
 * shared libcurl client of agent/lib/http.c: TLS verified against the
 * system's CAs, no redirect followed, no proxy from the environment, one
 * deadline for connect, TLS and answer.
 *
 * A webhook URL often carries its token in the path or the query (Slack,
 * Mattermost, ntfy): it is treated as a secret, and only its scheme and
 * host ever reach a log line or the database.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <jansson.h>

#include "agent/lib/log.h"
#include "agent/notify.h"
#include "agent/lib/util.h"
#include "agent/lib/http.h"

const char *
notify_event(enum site_state from, enum site_state to, bool reconciled)
{
	(void)from;
	if (reconciled)
		return "reconciled";
	switch (to) {
	case SITE_ACTIVE:
		return "failover";
	case SITE_STANDBY:
		return "failback";
	case SITE_FAILED:
		return "failed";
	default:
		return "transition";
	}
}

char *
notify_body(const struct config *cfg, int64_t cycle_id, int64_t at,
    enum site_state from, enum site_state to, const char *reason,
    bool reconciled)
{
	const struct addrset *set = NULL;
	json_t	*o = NULL, *recs, *addrs;
	char	*out = NULL;
	size_t	 z, r;

	if ((o = json_object()) == NULL || (recs = json_array()) == NULL ||
	    json_object_set_new(o, "records", recs) == -1 ||
	    (addrs = json_array()) == NULL ||
	    json_object_set_new(o, "addresses", addrs) == -1)
		goto done;
	for (z = 0; z < cfg->nzones; z++)
		for (r = 0; r < cfg->zones[z].nrecords; r++)
			if (json_array_append_new(recs, json_string(
			    cfg->zones[z].records[r])) == -1)
				goto done;
	if (to == SITE_ACTIVE)
		set = &cfg->backup;
	else if (to == SITE_STANDBY)
		set = &cfg->primary;
	for (r = 0; set != NULL && r < set->n; r++)
		if (json_array_append_new(addrs,
		    json_string(set->addr[r].text)) == -1)
			goto done;
	if (json_object_set_new(o, "site", json_string(cfg->agent.name)) ==
	    -1 ||
	    json_object_set_new(o, "event", json_string(notify_event(from, to,
	    reconciled))) == -1 ||
	    json_object_set_new(o, "from", json_string(site_state_str(from))) ==
	    -1 ||
	    json_object_set_new(o, "to", json_string(site_state_str(to))) ==
	    -1 ||
	    json_object_set_new(o, "reason", json_string(reason != NULL ?
	    reason : "")) == -1 ||
	    json_object_set_new(o, "at", json_integer(at)) == -1 ||
	    json_object_set_new(o, "cycle_id", cycle_id > 0 ?
	    json_integer(cycle_id) : json_null()) == -1)
		goto done;
	out = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
done:
	json_decref(o);
	return out;
}

void
notify_url_redact(const char *url, char *out, size_t outlen)
{
	struct http_url	pu;

	if (http_url_split(url, &pu) == -1)
		snprintf(out, outlen, "(webhook)");
	else
		snprintf(out, outlen, "%s://%s%s%s/...",
		    pu.https ? "https" : "http", pu.host,
		    pu.port[0] != '\0' ? ":" : "", pu.port);
}

/*
 * One POST.  Returns 0 when the webhook answered 2xx, -1 otherwise with
 * why (never the URL's path or query) in why.
 */
static int
notify_post(const struct config *cfg, const char *body, char *why,
    size_t whylen)
{
	struct http_req		 req;
	struct http_resp	 resp;
	struct curl_slist	*headers = NULL;
	char			 line[160];
	int			 rc = -1;

	if (http_header_add(&headers, "Content-Type", "application/json") ==
	    -1 || http_header_add(&headers, "User-Agent",
	    "failover-agent") == -1) {
		snprintf(why, whylen, "out of memory");
		goto done;
	}
	memset(&req, 0, sizeof(req));
	req.method = "POST";
	req.url = cfg->hooks.notify;
	req.headers = headers;
	req.body = body;
	req.bodylen = strlen(body);
	req.body_max = 4096;		/* we read the status, not the body */
	req.deadline_ms = util_mono_ms() + CFG_NOTIFY_TIMEOUT_MS;
	if (http_request(&req, &resp) == -1)
		snprintf(why, whylen, "%s", resp.error);
	else if (resp.status < 200 || resp.status > 299) {
		http_first_line(resp.body, line, sizeof(line));
		snprintf(why, whylen, "HTTP %ld%s%s", resp.status,
		    line[0] ? ": " : "", line);
	} else
		rc = 0;
	http_resp_free(&resp);
done:
	curl_slist_free_all(headers);
	return rc;
}

int
notify_deliver(const struct config *cfg, struct state_db *db)
{
	struct notify_item	*items = NULL;
	char			 err[512], why[400], where[300];
	size_t			 n = 0, i, sent = 0;
	int			 dropped, left, rc = -1;

	if (cfg->hooks.notify == NULL) {
		/* Turned off: what was queued for it goes. */
		if (state_notify_trim(db, 0, &dropped, err, sizeof(err)) == -1)
			goto dberr;
		if (dropped > 0)
			log_info("notify: off; dropped %d queued "
			    "notification%s", dropped, dropped == 1 ? "" : "s");
		return 0;
	}
	notify_url_redact(cfg->hooks.notify, where, sizeof(where));
	if (state_notify_pending(db, NOTIFY_PER_CYCLE, &items, &n, err,
	    sizeof(err)) == -1)
		goto dberr;
	for (i = 0; i < n; i++) {
		if (notify_post(cfg, items[i].body, why, sizeof(why)) == 0) {
			if (state_notify_done(db, items[i].id, err,
			    sizeof(err)) == -1)
				goto dberr;
			sent++;
			continue;
		}
		log_warnx("notify %s: not delivered (%s); %s next cycle",
		    where, why, items[i].attempts > 0 ? "retried again" :
		    "retried");
		if (state_notify_failed(db, items[i].id, util_wall_ms() / 1000,
		    why, err, sizeof(err)) == -1)
			goto dberr;
		break;	/* the rest waits, in order */
	}
	if (sent > 0)
		log_info("notify %s: %zu notification%s delivered", where, sent,
		    sent == 1 ? "" : "s");
	if (state_notify_trim(db, NOTIFY_KEEP, &dropped, err,
	    sizeof(err)) == -1)
		goto dberr;
	if (dropped > 0)
		log_warnx("notify %s: %d undelivered notification%s dropped "
		    "(at most %d are kept)", where, dropped, dropped == 1 ?
		    "" : "s", NOTIFY_KEEP);
	left = (int)(n - sent);
	if (n == NOTIFY_PER_CYCLE && sent == n)
		left = 1;	/* maybe more behind them */
	rc = left;
	goto done;
dberr:
	log_warnx("notify: %s", err);
done:
	state_notify_free(items, n);
	return rc;
}
