/*
 * dnsupdate.c: reading the managed records, planning the change, applying
 * it and verifying it, whatever the method (see dnsupdate.h for the flow and
 * dnsupdate_impl.h for the method interface).
 *
 * Records are read from the server the method updates (for rfc2136: [dns]
 * server, or the zone's SOA MNAME), over plain DNS without recursion, so a
 * resolver's cache never hides what the server holds.  A record is ours
 * when every type (A, AAAA) it publishes holds exactly one site's addresses
 * of that type (all of them the same site's, or part-way; see classify());
 * any other content is a conflict that we report and never touch.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agent/core/config.h"
#include "agent/core/confdesc.h"
#include "agent/lib/log.h"
#include "agent/lib/util.h"
#include "dnsupdate/dnsupdate.h"
#include "dnsupdate/dnsupdate_impl.h"
#include "dnsupdate/method/methods.h"

/* Between two verify polls: short enough to notice quickly, kind to the server. */
#define VERIFY_POLL_MS	250

static const char *dns_status_names[DNS_STATUS_MAX] = {
	[DNS_OK] = "ok",
	[DNS_UNCHANGED] = "unchanged",
	[DNS_CONFLICT] = "conflict",
	[DNS_ERR_TIMEOUT] = "timeout",
	[DNS_ERR_NETWORK] = "network",
	[DNS_ERR_NOTAUTH] = "notauth",
	[DNS_ERR_NOTZONE] = "notzone",
	[DNS_ERR_REFUSED] = "refused",
	[DNS_ERR_BADSIG] = "badsig",
	[DNS_ERR_BADKEY] = "badkey",
	[DNS_ERR_BADTIME] = "badtime",
	[DNS_ERR_NXRRSET] = "nxrrset",
	[DNS_ERR_YXRRSET] = "yxrrset",
	[DNS_ERR_SERVFAIL] = "servfail",
	[DNS_ERR_FORMERR] = "formerr",
	[DNS_ERR_BAD_REPLY] = "bad-reply",
	[DNS_ERR_KEY] = "key",
	[DNS_ERR_VERIFY] = "verify-failed",
	[DNS_ERR_LAGGING] = "lagging",
	[DNS_ERR_INTERNAL] = "internal",
	[DNS_ERR_UNKNOWN] = "unknown-outcome",
};

const char *
dns_status_str(enum dns_status st)
{
	if ((int)st < 0 || st >= DNS_STATUS_MAX || dns_status_names[st] == NULL)
		return "internal";
	return dns_status_names[st];
}

/* The method [dns] method names: its entry of cfg_methods (registry.c). */
static const struct dnsupdate_method *
method_of(const struct config *cfg)
{
	const struct cfg_method	*m = cfg->dns.method;

	return m != NULL ? m->ops : cfg_methods[0]->ops;
}

const struct dnsupdate_method *
dnsupdate_method_for(const struct config *cfg)
{
	return method_of(cfg);
}

enum dns_status
dns_zone_server(const struct config *cfg, const struct cfg_zone *z,
    int64_t deadline_ms, struct dns_server *out, char *err, size_t errlen)
{
	return method_of(cfg)->server(cfg, z, deadline_ms, out, err, errlen);
}

static const struct {
	int		 family;
	const char	*type;		/* "A" */
	const char	*ip;		/* "IPv4" */
} fams[] = {
	{ AF_INET, "A", "IPv4" },
	{ AF_INET6, "AAAA", "IPv6" },
};

static bool
addr_in(const struct addrset *set, const struct addrset_addr *a)
{
	size_t	i;

	for (i = 0; i < set->n; i++)
		if (set->addr[i].family == a->family &&
		    memcmp(&set->addr[i].a, &a->a, a->family == AF_INET ?
		    4 : 16) == 0)
			return true;
	return false;
}

static bool
addr_subset(const struct addrset *a, const struct addrset *b)
{
	size_t	i;

	for (i = 0; i < a->n; i++)
		if (!addr_in(b, &a->addr[i]))
			return false;
	return true;
}

/*
 * What is wrong with rf, one family (type) of a record, that is neither
 * empty nor exactly one site's set of that family: "A 203.0.113.9 is
 * neither site's address", "A 192.0.2.10 is only part of the primary's A
 * set (192.0.2.10, 192.0.2.11)", or a mix of both sites'.  The agent moves
 * whole families, so part of a family cannot be told apart from a change
 * made by hand.
 */
static void
family_problem(const char *type, const struct addrset *rf,
    const struct addrset *pf, const struct addrset *bf, char *buf,
    size_t len)
{
	struct addrset		 foreign;
	char			 ab[512], sb[512];
	size_t			 i;

	memset(&foreign, 0, sizeof(foreign));
	for (i = 0; i < rf->n; i++)
		if (!addr_in(pf, &rf->addr[i]) && !addr_in(bf, &rf->addr[i]))
			foreign.addr[foreign.n++] = rf->addr[i];
	addrset_format(rf, ab, sizeof(ab), "(none)");
	if (foreign.n > 0) {
		addrset_format(&foreign, ab, sizeof(ab), "(none)");
		util_msg(buf, len, "%s %s %s neither site's address%s", type,
		    ab, foreign.n == 1 ? "is" : "are",
		    foreign.n == 1 ? "" : "es");
	} else if (addr_subset(rf, pf)) {
		addrset_format(pf, sb, sizeof(sb), "(none)");
		util_msg(buf, len, "%s %s is only part of the primary's %s set "
		    "(%s)", type, ab, type, sb);
	} else if (addr_subset(rf, bf)) {
		addrset_format(bf, sb, sizeof(sb), "(none)");
		util_msg(buf, len, "%s %s is only part of the backup's %s set "
		    "(%s)", type, ab, type, sb);
	} else
		util_msg(buf, len, "%s %s mixes the primary's and the backup's "
		    "addresses", type, ab);
}

/*
 * A record holding one site's addresses of some type and nothing of a type
 * that site has, where the other site has nothing of that type either: our
 * own move to the other site deleted that type, and the move back stopped
 * before creating it again (a provider API that writes A and AAAA in two
 * requests).  That is part-way (MIXED, finished by the next move), not the
 * operator's choice of types, which the move could not have produced.
 */
static bool
moved_away(const struct config *cfg, const struct addrset *a,
    bool primary)
{
	const struct addrset *site = primary ? &cfg->primary : &cfg->backup;
	const struct addrset *other = primary ? &cfg->backup : &cfg->primary;
	struct addrset		 rf, sf, of;
	size_t			 f;

	for (f = 0; f < FA_ARRAY_SIZE(fams); f++) {
		addrset_family(a, fams[f].family, &rf);
		addrset_family(site, fams[f].family, &sf);
		addrset_family(other, fams[f].family, &of);
		if (rf.n == 0 && sf.n > 0 && of.n == 0)
			return true;
	}
	return false;
}

/*
 * Classify one record's A+AAAA set a, family by family (failover-agent.conf(5),
 * [site:primary]; the original design is silent
 * on records that publish part of a site's set; see dns_record_view):
 *   - exactly the primary's (backup's) whole set: PRIMARY (BACKUP);
 *   - every family it publishes exactly the primary's (backup's) set of
 *     that family, some family of that site not published: PRIMARY
 *     (BACKUP), *partial;
 *   - one family the primary's and the other the backup's: MIXED, a move
 *     part-way (a method that changes A and AAAA in two requests stopped
 *     between them): finishing either move is safe;
 *   - anything else: OTHER, and why names what differs, owner first.
 * A family whose set is the same at both sites (a shared address) says
 * nothing about which site a record follows.
 */
static enum dns_holds
classify(const struct config *cfg, const char *owner,
    const struct addrset *a, bool *partial, char *why, size_t whylen)
{
	struct addrset		 rf, pf, bf;
	char			 prob[400], sb[512];
	size_t			 f, np = 0, nb = 0, nboth = 0, nother = 0;
	bool			 isp, isb;

	*partial = false;
	why[0] = '\0';
	if (addrset_equal(a, &cfg->primary))
		return DNS_HOLDS_PRIMARY;
	if (addrset_equal(a, &cfg->backup))
		return DNS_HOLDS_BACKUP;
	for (f = 0; f < FA_ARRAY_SIZE(fams); f++) {
		addrset_family(a, fams[f].family, &rf);
		addrset_family(&cfg->primary, fams[f].family, &pf);
		addrset_family(&cfg->backup, fams[f].family, &bf);
		if (rf.n == 0)
			continue;
		isp = addrset_equal(&rf, &pf);
		isb = addrset_equal(&rf, &bf);
		if (isp && isb)
			nboth++;
		else if (isp)
			np++;
		else if (isb)
			nb++;
		else {
			family_problem(fams[f].type, &rf, &pf, &bf, prob,
			    sizeof(prob));
			if (nother++ == 0)
				util_msg(why, whylen, "%s %s", owner, prob);
			else
				util_msg_append(why, whylen, "; %s", prob);
		}
	}
	if (nother > 0)
		return DNS_HOLDS_OTHER;
	if (np > 0 && nb > 0)
		return DNS_HOLDS_MIXED;
	if (np > 0 || nb > 0) {
		if (moved_away(cfg, a, np > 0))
			return DNS_HOLDS_MIXED;
		*partial = true;
		return np > 0 ? DNS_HOLDS_PRIMARY : DNS_HOLDS_BACKUP;
	}
	if (nboth > 0) {
		addrset_format(a, sb, sizeof(sb), "(none)");
		util_msg(why, whylen, "%s publishes only %s, which both sites "
		    "share: nothing tells which site it follows", owner, sb);
	} else
		util_msg(why, whylen, "%s has no A or AAAA record", owner);
	return DNS_HOLDS_OTHER;
}

const char *
dns_record_holds_str(const struct dns_record_view *rv)
{
	if (rv->partial && rv->holds == DNS_HOLDS_PRIMARY)
		return "primary-partial";
	if (rv->partial && rv->holds == DNS_HOLDS_BACKUP)
		return "backup-partial";
	return dns_holds_str(rv->holds);
}

/*
 * The move of a record that holds (a part of) one site's set: the other
 * site's addresses of every family it publishes (its whole set when the
 * record holds the whole of from).  false when to has no address of a
 * family the record publishes: a move never drops a family the operator
 * published, so that record is left alone; why says so.
 */
static bool
partial_target(const struct dns_record_view *rv, const struct addrset *to,
    const char *toname, struct addrset *out, char *why, size_t whylen)
{
	struct addrset		 rf, tf;
	char			 ab[512];
	size_t			 f, i;

	if (!rv->partial) {
		*out = *to;
		return true;
	}
	memset(out, 0, sizeof(*out));
	for (f = 0; f < FA_ARRAY_SIZE(fams); f++) {
		addrset_family(&rv->addrs, fams[f].family, &rf);
		if (rf.n == 0)
			continue;
		addrset_family(to, fams[f].family, &tf);
		if (tf.n == 0) {
			addrset_format(&rf, ab, sizeof(ab), "(none)");
			util_msg(why, whylen, "%s publishes %s %s, but "
			    "[site:%s] has no %s address: the move would drop "
			    "that type, so the record is left alone (give "
			    "[site:%s] an %s address, or remove the %s "
			    "record)", rv->owner, fams[f].type, ab, toname,
			    fams[f].ip, toname, fams[f].ip, fams[f].type);
			return false;
		}
		for (i = 0; i < tf.n; i++)
			(void)addrset_add(out, tf.addr[i].family,
			    &tf.addr[i].a);
	}
	return true;
}

/* One zone of dns_view_read(), on its own slice of the view. */
struct view_job {
	const struct config		*cfg;
	const struct dnsupdate_method	*m;
	struct dns_view			*out;
	size_t				*first;		/* per zone: its first record */
	char				(*error)[256];	/* per zone: its first error */
	struct dns_dead			 dead;		/* servers that did not answer */
};

static void
view_read_zone(void *ctx, size_t i)
{
	struct view_job *job = ctx;
	const struct config *cfg = job->cfg;
	const struct cfg_zone *z = &cfg->zones[i];
	struct dns_server srv;
	struct dns_record_view *rv;
	char err[512], why[256], *first_err = job->error[i];
	enum dns_status st;
	size_t j;

	err[0] = '\0';
	st = job->m->server(cfg, z, util_mono_ms() + cfg->dns.timeout_ms, &srv,
	    err, sizeof(err));
	for (j = 0; j < z->nrecords; j++) {
		rv = &job->out->rec[job->first[i] + j];
		rv->zone = z;
		rv->owner = z->records[j];
		rv->holds = DNS_HOLDS_UNREADABLE;
		rv->status = st;
		if (st != DNS_OK) {
			if (first_err[0] == '\0')
				util_msg(first_err, sizeof(job->error[i]),
				    "%s: %s", rv->owner, err);
			continue;
		}
		snprintf(rv->server, sizeof(rv->server), "%s", srv.text);
		/*
		 * Once the server did not answer (for this zone or another),
		 * do not wait for it again record after record: the view is
		 * unreadable anyway.
		 */
		if ((rv->status = dns_dead_get(&job->dead, &srv, err,
		    sizeof(err))) != DNS_OK) {
			if (first_err[0] == '\0')
				util_msg(first_err, sizeof(job->error[i]),
				    "%s", err);
			continue;
		}
		rv->status = dns_query_addrs(&srv, rv->owner,
		    util_mono_ms() + cfg->dns.timeout_ms, &rv->addrs, err,
		    sizeof(err));
		if (rv->status == DNS_ERR_TIMEOUT ||
		    rv->status == DNS_ERR_NETWORK) {
			/* The cause first: the master does not answer. */
			util_msg(why, sizeof(why), "cannot read the records "
			    "from DNS master %s: %s", srv.text, err);
			if (first_err[0] == '\0')
				util_msg(first_err, sizeof(job->error[i]), "%s",
				    why);
			dns_dead_add(&job->dead, &srv, rv->status, why);
		} else if (rv->status != DNS_OK && first_err[0] == '\0')
			util_msg(first_err, sizeof(job->error[i]), "%s: %s",
			    rv->owner, err);
	}
}

/*
 * Zones are read at once (a method that allows it), each zone's records
 * one after the other from its server; a dead server costs the zones
 * asking it at that moment one timeout, and no zone after them.
 */
int
dns_view_read(const struct config *cfg, struct dns_view *out)
{
	const struct dnsupdate_method *m = method_of(cfg);
	struct view_job job;
	size_t i, n = 0;

	memset(out, 0, sizeof(*out));
	out->overall = DNS_HOLDS_UNREADABLE;
	for (i = 0; i < cfg->nzones; i++)
		n += cfg->zones[i].nrecords;
	if (n == 0) {
		util_msg(out->error, sizeof(out->error), "no records to read");
		return -1;
	}
	out->rec = util_xcalloc(n, sizeof(*out->rec));
	out->n = n;
	memset(&job, 0, sizeof(job));
	job.cfg = cfg;
	job.m = m;
	job.out = out;
	job.first = util_xcalloc(cfg->nzones, sizeof(*job.first));
	job.error = util_xcalloc(cfg->nzones, sizeof(*job.error));
	for (i = 1; i < cfg->nzones; i++)
		job.first[i] = job.first[i - 1] + cfg->zones[i - 1].nrecords;
	dns_dead_init(&job.dead);
	dns_parallel(cfg->nzones, m->parallel ? DNS_PARALLEL_MAX : 1,
	    view_read_zone, &job);
	dns_dead_free(&job.dead);
	/* The first error in config order, whatever order the zones ran in. */
	for (i = 0; i < cfg->nzones && out->error[0] == '\0'; i++)
		if (job.error[i][0] != '\0')
			snprintf(out->error, sizeof(out->error), "%s",
			    job.error[i]);
	free(job.first);
	free(job.error);
	return dns_view_summarise(cfg, out);
}

int
dns_view_summarise(const struct config *cfg, struct dns_view *v)
{
	struct dns_record_view *rv;
	size_t k, nother = 0;
	bool all_p = true, all_b = true, any_other = false;

	v->overall = DNS_HOLDS_UNREADABLE;
	v->conflict[0] = '\0';
	if (v->n == 0)
		return -1;
	for (k = 0; k < v->n; k++) {
		rv = &v->rec[k];
		rv->partial = false;
		rv->why[0] = '\0';
		if (rv->status != DNS_OK) {
			rv->holds = DNS_HOLDS_UNREADABLE;
			continue;
		}
		rv->holds = classify(cfg, rv->owner, &rv->addrs, &rv->partial,
		    rv->why, sizeof(rv->why));
		if (rv->holds != DNS_HOLDS_OTHER)
			continue;
		if (nother++ == 0)
			util_msg(v->conflict, sizeof(v->conflict), "%s",
			    rv->why);
	}
	if (nother > 1)
		util_msg_append(v->conflict, sizeof(v->conflict), " (and %zu "
		    "more record%s)", nother - 1, nother == 2 ? "" : "s");
	for (k = 0; k < v->n; k++) {
		rv = &v->rec[k];
		if (rv->holds == DNS_HOLDS_UNREADABLE)
			return -1;
		if (rv->holds != DNS_HOLDS_PRIMARY)
			all_p = false;
		if (rv->holds != DNS_HOLDS_BACKUP)
			all_b = false;
		if (rv->holds == DNS_HOLDS_OTHER)
			any_other = true;
	}
	if (any_other)
		v->overall = DNS_HOLDS_OTHER;
	else if (all_p)
		v->overall = DNS_HOLDS_PRIMARY;
	else if (all_b)
		v->overall = DNS_HOLDS_BACKUP;
	else
		v->overall = DNS_HOLDS_MIXED;
	return 0;
}

void
dns_view_free(struct dns_view *v)
{
	if (v == NULL)
		return;
	free(v->rec);
	memset(v, 0, sizeof(*v));
}

/*
 * Per record (see struct dns_record_change for the rule): already the
 * target's (whole or partial) is unchanged; the source site's (whole or
 * partial) or part-way (MIXED) moves; anything else, or a partial record
 * the target site cannot serve, is a conflict left alone.
 */
void
dnsupdate_plan(const struct config *cfg, enum dns_direction dir,
    const struct dns_view *view, struct dns_plan *out)
{
	const struct addrset *want;
	const struct dns_record_view *rv;
	struct dns_zone_plan *zp;
	struct dns_record_change *rc;
	enum dns_holds to_holds, from_holds;
	const char *toname;
	size_t i, k;

	memset(out, 0, sizeof(*out));
	out->direction = dir;
	out->method = method_of(cfg)->name;
	out->primary = &cfg->primary;
	out->backup = &cfg->backup;
	want = dir == DNS_TO_BACKUP ? &cfg->backup : &cfg->primary;
	toname = dir == DNS_TO_BACKUP ? "backup" : "primary";
	to_holds = dir == DNS_TO_BACKUP ? DNS_HOLDS_BACKUP : DNS_HOLDS_PRIMARY;
	from_holds = dir == DNS_TO_BACKUP ? DNS_HOLDS_PRIMARY :
	    DNS_HOLDS_BACKUP;
	out->nzones = cfg->nzones;
	out->zones = util_xcalloc(cfg->nzones ? cfg->nzones : 1,
	    sizeof(*out->zones));
	for (i = 0; i < cfg->nzones; i++) {
		zp = &out->zones[i];
		zp->zone = &cfg->zones[i];
		zp->result = DNS_UNCHANGED;
		zp->rec = util_xcalloc(zp->zone->nrecords ?
		    zp->zone->nrecords : 1, sizeof(*zp->rec));
		if (cfg->dns.server != NULL)
			util_msg(zp->server, sizeof(zp->server), "%s#%u",
			    cfg->dns.server, (unsigned)cfg->dns.port);
		else
			util_msg(zp->server, sizeof(zp->server), "the SOA "
			    "MNAME of %s", zp->zone->name);
		for (k = 0; k < view->n; k++) {
			rv = &view->rec[k];
			if (rv->zone != zp->zone)
				continue;
			if (rv->server[0] != '\0')
				snprintf(zp->server, sizeof(zp->server), "%s",
				    rv->server);
			rc = &zp->rec[zp->n++];
			rc->owner = rv->owner;
			rc->old_addrs = rv->addrs;
			rc->new_addrs = *want;
			rc->partial = rv->partial;
			if (rv->status != DNS_OK)
				rc->status = rv->status;
			else if (rv->holds == to_holds) {
				rc->new_addrs = rv->addrs;
				rc->status = DNS_UNCHANGED;
			} else if (rv->holds == DNS_HOLDS_MIXED ||
			    (rv->holds == from_holds && partial_target(rv, want,
			    toname, &rc->new_addrs, rc->why,
			    sizeof(rc->why)))) {
				/* Part-way: only the types still to move move. */
				rc->status = DNS_OK;
				zp->nchange++;
			} else {
				if (rc->why[0] == '\0')
					util_msg(rc->why, sizeof(rc->why), "%s",
					    rv->why);
				rc->new_addrs = *want;
				rc->status = DNS_CONFLICT;
				out->nconflicts++;
			}
		}
	}
}

void
dns_plan_free(struct dns_plan *p)
{
	size_t i;

	if (p == NULL)
		return;
	for (i = 0; i < p->nzones; i++) {
		free(p->zones[i].rec);
		free(p->zones[i].ns);
	}
	free(p->zones);
	memset(p, 0, sizeof(*p));
}

/*
 * One line per record and type, e.g.
 *   www.example.com. A 192.0.2.10 -> 198.51.100.20 (rfc2136 via 127.0.0.1#5300)
 *   www.example.com. AAAA 2001:db8:1::20 (unchanged: already the backup's)
 *   www.example.com. AAAA (none: this name publishes no AAAA; kept so)
 *   ftp.example.com. A 203.0.113.5 CONFLICT: 203.0.113.5 is neither site's address; left alone
 * then a summary line.
 */
static void
print_conflict(const struct dns_plan *p, const struct dns_record_change *rc,
    size_t f, FILE *fp, bool *said)
{
	struct addrset		 oldf, pf, bf;
	char			 ob[512], prob[400];

	addrset_family(&rc->old_addrs, fams[f].family, &oldf);
	addrset_format(&oldf, ob, sizeof(ob), "(none)");
	prob[0] = '\0';
	if (p->primary != NULL && p->backup != NULL && oldf.n > 0) {
		addrset_family(p->primary, fams[f].family, &pf);
		addrset_family(p->backup, fams[f].family, &bf);
		if (!addrset_equal(&oldf, &pf) &&
		    !addrset_equal(&oldf, &bf))
			family_problem(fams[f].type, &oldf, &pf, &bf, prob,
			    sizeof(prob));
	}
	if (prob[0] != '\0') {
		/* "A 203.0.113.5 is ...": the type is already said. */
		fprintf(fp, "%s %s %s CONFLICT: %s; left alone\n", rc->owner,
		    fams[f].type, ob, prob + strlen(fams[f].type) + 1);
		*said = true;
	} else
		fprintf(fp, "%s %s %s (the record is in CONFLICT: left "
		    "alone)\n", rc->owner, fams[f].type, ob);
}

void
dns_plan_print(const struct dns_plan *p, FILE *fp)
{
	const struct dns_zone_plan *zp;
	const struct dns_record_change *rc;
	struct addrset oldf, newf;
	const char *to = p->direction == DNS_TO_BACKUP ? "backup" : "primary";
	char ob[512], nb[512];
	size_t i, j, f, nchange = 0, nsame = 0, nother = 0;
	bool said;

	for (i = 0; i < p->nzones; i++) {
		zp = &p->zones[i];
		for (j = 0; j < zp->n; j++) {
			rc = &zp->rec[j];
			switch (rc->status) {
			case DNS_OK:
				nchange++;
				break;
			case DNS_UNCHANGED:
				nsame++;
				break;
			default:
				nother++;
				break;
			}
			said = false;
			for (f = 0; f < FA_ARRAY_SIZE(fams); f++) {
				addrset_family(&rc->old_addrs,
				    fams[f].family, &oldf);
				addrset_family(&rc->new_addrs,
				    fams[f].family, &newf);
				if (rc->status == DNS_CONFLICT) {
					print_conflict(p, rc, f, fp, &said);
					continue;
				}
				if (oldf.n == 0 && newf.n == 0) {
					if (rc->partial)
						fprintf(fp, "%s %s (none: this "
						    "name publishes no %s; kept "
						    "so)\n", rc->owner,
						    fams[f].type, fams[f].type);
					continue;
				}
				addrset_format(&oldf, ob, sizeof(ob), "(none)");
				addrset_format(&newf, nb, sizeof(nb), "(none)");
				fprintf(fp, "%s %s ", rc->owner, fams[f].type);
				if (rc->status == DNS_OK &&
				    !addrset_equal(&oldf, &newf))
					fprintf(fp, "%s -> %s (%s via %s)\n", ob,
					    nb, p->method, zp->server);
				else if (rc->status == DNS_OK)
					fprintf(fp, "%s (unchanged: the same at "
					    "both sites)\n", ob);
				else if (rc->status == DNS_UNCHANGED)
					fprintf(fp, "%s (unchanged: already the "
					    "%s's)\n", ob, to);
				else
					fprintf(fp, "? (could not read: %s; "
					    "left alone)\n",
					    dns_status_str(rc->status));
			}
			/* why starts with the owner. */
			if (rc->status == DNS_CONFLICT && !said &&
			    rc->why[0] != '\0')
				fprintf(fp, "CONFLICT: %s\n", rc->why);
		}
	}
	fprintf(fp, "plan: to the %s via %s: %zu record%s to change, %zu "
	    "unchanged, %zu in conflict or unread (left alone)\n", to,
	    p->method, nchange, nchange == 1 ? "" : "s", nsame, nother);
}

/*
 * Poll srv until every changed record of zp serves exactly its new
 * addresses, or deadline_ms passes (then at most one [dns] timeout more for
 * the round under way).  Then read the SOA serial.  On failure says which
 * record still serves what.
 */
static enum dns_status
verify_on_server(const struct config *cfg, const struct dns_server *srv,
    struct dns_zone_plan *zp, int64_t deadline_ms, char *why, size_t whylen)
{
	const struct dns_record_change *rc;
	struct addrset got;
	struct timespec ts;
	char err[512], gb[512], wb[512];
	int64_t left;
	size_t i;
	bool all;
	enum dns_status st;

	for (;;) {
		all = true;
		why[0] = '\0';
		for (i = 0; i < zp->n && all; i++) {
			rc = &zp->rec[i];
			if (rc->status != DNS_OK)
				continue;
			/*
			 * Each query gets its own [dns] timeout: the verify
			 * deadline only decides whether another round starts,
			 * so the last round still gives a real answer.
			 */
			st = dns_query_addrs(srv, rc->owner,
			    util_mono_ms() + cfg->dns.timeout_ms, &got, err,
			    sizeof(err));
			if (st != DNS_OK) {
				util_msg(why, whylen, "%s: %s", rc->owner, err);
				all = false;
			} else if (!addrset_equal(&got, &rc->new_addrs)) {
				addrset_format(&got, gb, sizeof(gb), "(none)");
				addrset_format(&rc->new_addrs, wb,
				    sizeof(wb), "(none)");
				util_msg(why, whylen, "%s still serves %s, not "
				    "%s", rc->owner, gb, wb);
				all = false;
			}
		}
		if (all)
			break;
		left = util_ms_left(deadline_ms);
		if (left == 0)
			return DNS_ERR_VERIFY;
		if (left > VERIFY_POLL_MS)
			left = VERIFY_POLL_MS;
		ts.tv_sec = 0;
		ts.tv_nsec = (long)left * 1000000L;
		while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
			;
	}
	st = dns_query_serial(srv, zp->zone->name,
	    util_mono_ms() + cfg->dns.timeout_ms, &zp->serial, err,
	    sizeof(err));
	if (st != DNS_OK)
		zp->serial = 0;		/* unknown; the records are right */
	return DNS_OK;
}

/*
 * A prerequisite failed: re-read the records we meant to change.  If each
 * already holds its new addresses someone did our job: DNS_OK.  Otherwise
 * keep st and say what each record holds now.
 */
static enum dns_status
recheck_after_prereq(const struct config *cfg, const struct dns_server *srv,
    struct dns_zone_plan *zp, enum dns_status st)
{
	const struct dns_record_change *rc;
	struct addrset got;
	char err[512], gb[512], label[256], what[512] = "";
	enum dns_status rs;
	size_t i;
	bool all = true;

	dns_name_label(zp->zone->name, label, sizeof(label));
	for (i = 0; i < zp->n; i++) {
		rc = &zp->rec[i];
		if (rc->status != DNS_OK)
			continue;
		rs = dns_query_addrs(srv, rc->owner,
		    util_mono_ms() + cfg->dns.timeout_ms, &got, err,
		    sizeof(err));
		if (rs != DNS_OK) {
			all = false;
			util_msg_append(what, sizeof(what), "%s%s: %s",
			    what[0] ? "; " : "", rc->owner, err);
			continue;
		}
		if (addrset_equal(&got, &rc->new_addrs))
			continue;
		all = false;
		addrset_format(&got, gb, sizeof(gb), "(none)");
		util_msg_append(what, sizeof(what), "%s%s now holds %s",
		    what[0] ? "; " : "", rc->owner, gb);
	}
	if (all) {
		util_msg(zp->message, sizeof(zp->message), "%s: already done "
		    "by someone else: every record already holds the wanted "
		    "addresses (the server answered %s to our conditional "
		    "update)", label, st == DNS_ERR_NXRRSET ? "NXRRSET" :
		    "YXRRSET");
		(void)dns_query_serial(srv, zp->zone->name,
		    util_mono_ms() + cfg->dns.timeout_ms, &zp->serial, err,
		    sizeof(err));
		return DNS_OK;
	}
	util_msg(zp->message, sizeof(zp->message), "%s: %s: conflict: the "
	    "records changed since we read them, so %s and they are left "
	    "alone: %s", label, st == DNS_ERR_NXRRSET ? "NXRRSET" : "YXRRSET",
	    zp->changed ? "the rest of the change was not applied" :
	    "nothing was changed", what);
	return st;
}

/* What the changed records of a zone hold, read back after a lost answer. */
enum readback {
	READBACK_NEW,		/* every one its new addresses */
	READBACK_OLD,		/* every one its old addresses */
	READBACK_PART,		/* each its old or its new, not all the same */
	READBACK_OTHER,		/* one holds something else */
	READBACK_UNREAD,	/* one could not be read in time */
};

/*
 * Read zp's changed records back from srv, again and again until they can
 * be read (with wait_new: until they hold the new addresses) or
 * deadline_ms passes (the first round always gets one [dns] timeout); a
 * round stops at the first record that cannot be read.  what gets why the
 * verdict is READBACK_OTHER or READBACK_UNREAD.
 */
static enum readback
read_back(const struct config *cfg, const struct dns_server *srv,
    const struct dns_zone_plan *zp, bool wait_new, int64_t deadline_ms,
    char *what, size_t whatlen)
{
	const struct dns_record_change *rc;
	struct addrset got;
	struct timespec ts;
	char err[512], gb[512];
	int64_t qdl, left;
	size_t i, nnew, nold, nchanged;
	bool first = true;
	enum dns_status st;
	enum readback last = READBACK_UNREAD;	/* of the last whole round */

	for (;;) {
		nnew = nold = nchanged = 0;
		what[0] = '\0';
		for (i = 0; i < zp->n; i++) {
			rc = &zp->rec[i];
			if (rc->status != DNS_OK)
				continue;
			nchanged++;
			qdl = util_mono_ms() + cfg->dns.timeout_ms;
			if (!first && qdl > deadline_ms)
				qdl = deadline_ms;
			st = dns_query_addrs(srv, rc->owner, qdl, &got, err,
			    sizeof(err));
			if (st != DNS_OK) {
				util_msg(what, whatlen, "cannot read the "
				    "records back from %s: %s", srv->text,
				    err);
				break;
			}
			if (addrset_equal(&got, &rc->new_addrs))
				nnew++;
			else if (addrset_equal(&got, &rc->old_addrs))
				nold++;
			else {
				addrset_format(&got, gb, sizeof(gb), "(none)");
				util_msg(what, whatlen, "%s now holds %s, "
				    "neither the old nor the new addresses",
				    rc->owner, gb);
				return READBACK_OTHER;
			}
		}
		if (i == zp->n)
			last = nnew == nchanged ? READBACK_NEW :
			    nold == nchanged ? READBACK_OLD : READBACK_PART;
		else if (last != READBACK_UNREAD)
			return last;	/* a later round cut short */
		/* wait_new: DNS may lag; only the new addresses end early. */
		if (last == READBACK_NEW || (last != READBACK_UNREAD &&
		    !wait_new))
			return last;
		first = false;
		left = util_ms_left(deadline_ms);
		if (left == 0)
			return last;
		if (left > VERIFY_POLL_MS)
			left = VERIFY_POLL_MS;
		ts.tv_sec = 0;
		ts.tv_nsec = (long)left * 1000000L;
		while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
			;
	}
}

/*
 * The method sent zp's change and no answer said what became of it
 * (zp->maybe_changed; st its error): read the records back within what is
 * left of the zone's deadline.  Every record at its new addresses: the
 * change is there, DNS_OK (zp->changed).  Every one at its old addresses:
 * st, nothing was changed.  Some of each: st, changed in part.  Otherwise
 * DNS_ERR_UNKNOWN: DNS may have changed, zp->maybe_changed stays.  A failed
 * prerequisite on a resent copy (NXRRSET/YXRRSET) whose records can be
 * read and do not hold the change goes to recheck_after_prereq() as any
 * other.
 */
static enum dns_status
after_lost_answer(const struct config *cfg, const struct dnsupdate_method *m,
    const struct dns_server *srv, struct dns_zone_plan *zp,
    enum dns_status st, int64_t deadline_ms)
{
	char what[512], label[256];
	bool prereq = st == DNS_ERR_NXRRSET || st == DNS_ERR_YXRRSET;
	/*
	 * Only an rfc2136 master is the records' truth at once; behind an
	 * API (or a program) DNS may show a change later.
	 */
	bool master = m == &dnsupdate_rfc2136;
	enum readback rb;

	dns_name_label(zp->zone->name, label, sizeof(label));
	rb = read_back(cfg, srv, zp, !master, deadline_ms, what, sizeof(what));
	if (!master && (rb == READBACK_OLD || rb == READBACK_PART)) {
		util_msg(what, sizeof(what), "%s still serves the old "
		    "addresses of %s, but DNS may show the provider's change "
		    "late", srv->text, rb == READBACK_OLD ? "every record" :
		    "some records");
		rb = READBACK_OTHER;
	}
	if (rb == READBACK_NEW) {
		zp->changed = true;
		zp->maybe_changed = false;
		if (prereq)
			util_msg(zp->message, sizeof(zp->message), "%s: %s "
			    "took the update of %zu record%s: the answer to "
			    "its first copy was lost, so it was sent again, "
			    "and the second copy's prerequisite failed (%s) "
			    "because the first had landed: every record holds "
			    "the new addresses", label, srv->text, zp->nchange,
			    zp->nchange == 1 ? "" : "s",
			    dns_status_str(st));
		else
			util_msg_append(zp->message, sizeof(zp->message), ": "
			    "the answer was %s but the change is there (read "
			    "back from %s: every record holds the new "
			    "addresses)", st == DNS_ERR_BAD_REPLY ?
			    "not to be trusted" : "lost", srv->text);
		(void)dns_query_serial(srv, zp->zone->name, util_mono_ms() +
		    cfg->dns.timeout_ms, &zp->serial, what, sizeof(what));
		return DNS_OK;
	}
	if (prereq && rb != READBACK_UNREAD) {
		/* Not ours: someone else changed the records. */
		zp->maybe_changed = false;
		return recheck_after_prereq(cfg, srv, zp, st);
	}
	switch (rb) {
	case READBACK_OLD:
		zp->maybe_changed = false;
		util_msg_append(zp->message, sizeof(zp->message), ": %s (read "
		    "back from %s: every record still holds the old addresses)",
		    zp->changed ? "the rest of the change was not applied" :
		    "nothing was changed", srv->text);
		return st;
	case READBACK_PART:
		zp->maybe_changed = false;
		zp->changed = true;
		util_msg_append(zp->message, sizeof(zp->message), ": the "
		    "change was applied in part (read back from %s: some "
		    "records hold the new addresses, the others the old)",
		    srv->text);
		return st;
	default:
		zp->maybe_changed = true;
		util_msg_append(zp->message, sizeof(zp->message), ": DNS may "
		    "have changed (%s)", what);
		return DNS_ERR_UNKNOWN;
	}
}

/*
 * "; left alone (conflict): ftp.example.com. A 203.0.113.5 is neither
 * site's address"
 */
static void
append_left_alone(struct dns_zone_plan *zp)
{
	const struct dns_record_change *rc;
	char b[512];
	size_t i;
	bool first = true;

	for (i = 0; i < zp->n; i++) {
		rc = &zp->rec[i];
		if (rc->status == DNS_OK || rc->status == DNS_UNCHANGED)
			continue;
		addrset_format(&rc->old_addrs, b, sizeof(b), "(none)");
		if (rc->status == DNS_CONFLICT && rc->why[0] != '\0')
			util_msg_append(zp->message, sizeof(zp->message),
			    "%s%s", first ? "; left alone (conflict): " : ", ",
			    rc->why);
		else if (rc->status == DNS_CONFLICT)
			util_msg_append(zp->message, sizeof(zp->message),
			    "%s%s holds %s, not ours", first ?
			    "; left alone (conflict): " : ", ", rc->owner, b);
		else
			util_msg_append(zp->message, sizeof(zp->message),
			    "%s%s could not be read (%s)", first ?
			    "; left alone: " : ", ", rc->owner,
			    dns_status_str(rc->status));
		first = false;
	}
}

/*
 * Verify zp's change per [dns] verify, on srv (the server that took it)
 * and, with verify = all, on every nameserver of the zone, all under one
 * deadline.  Appends to zp->message; returns DNS_OK, DNS_ERR_VERIFY (srv
 * itself does not serve it: nobody knows what DNS holds) or DNS_ERR_LAGGING
 * (srv serves it; not every nameserver does).
 */
static enum dns_status
apply_verify(const struct config *cfg, const struct dns_server *srv,
    struct dns_zone_plan *zp)
{
	int64_t deadline = util_mono_ms() + cfg->dns.verify_timeout_ms;
	char why[512], dur[32], list[400] = "";
	size_t i;
	enum dns_status st;

	util_duration_format(cfg->dns.verify_timeout_ms, dur, sizeof(dur));
	if (cfg->dns.verify == DNS_VERIFY_NONE) {
		util_msg_append(zp->message, sizeof(zp->message),
		    "; not verified ([dns] verify = none)");
		return DNS_OK;
	}
	st = verify_on_server(cfg, srv, zp, deadline, why, sizeof(why));
	if (st != DNS_OK) {
		util_msg_append(zp->message, sizeof(zp->message), "; but not "
		    "verified: after %s %s", dur, why);
		return st;
	}
	if (cfg->dns.verify == DNS_VERIFY_SERVER) {
		util_msg_append(zp->message, sizeof(zp->message), "; verified "
		    "on %s, serial %u", srv->text, (unsigned)zp->serial);
		return DNS_OK;
	}
	st = dns_verify_all(cfg, srv, zp, zp->serial, zp->serial != 0,
	    deadline, why, sizeof(why));
	if (st == DNS_OK) {
		for (i = 0; i < zp->nns; i++)
			util_msg_append(list, sizeof(list), "%s%s", i ? ", "
			    "" : "", zp->ns[i].label);
		util_msg_append(zp->message, sizeof(zp->message), "; verified "
		    "on every nameserver of the zone (%s), serial %u", list,
		    (unsigned)zp->serial);
		return DNS_OK;
	}
	if (zp->nns == 0)
		util_msg_append(zp->message, sizeof(zp->message), "; verified "
		    "on %s (serial %u), but the other nameservers could not be "
		    "checked: %s", srv->text, (unsigned)zp->serial, why);
	else
		util_msg_append(zp->message, sizeof(zp->message), "; verified "
		    "on %s (serial %u), but after %s not every nameserver "
		    "serves it: %s", srv->text, (unsigned)zp->serial, dur, why);
	return DNS_ERR_LAGGING;
}

struct apply_job {
	const struct config		*cfg;
	const struct dnsupdate_method	*m;
	struct dns_plan			*plan;
	int				*ret;		/* per zone: 0 or -1 */
};

/* One zone of dnsupdate_apply(): send, recheck or verify; fill zp. */
static void
apply_zone(void *ctx, size_t i)
{
	struct apply_job *job = ctx;
	const struct config *cfg = job->cfg;
	struct dns_zone_plan *zp = &job->plan->zones[i];
	struct dns_server srv;
	char label[256], err[512];
	int64_t deadline;
	enum dns_status st, worst_other;
	size_t j, nbad;

	job->ret[i] = 0;
	dns_name_label(zp->zone->name, label, sizeof(label));
	zp->serial = 0;
	zp->changed = false;
	zp->maybe_changed = false;
	zp->message[0] = '\0';
	free(zp->ns);
	zp->ns = NULL;
	zp->nns = 0;
	nbad = 0;
	worst_other = DNS_CONFLICT;
	for (j = 0; j < zp->n; j++) {
		if (zp->rec[j].status != DNS_OK &&
		    zp->rec[j].status != DNS_UNCHANGED) {
			if (nbad == 0 && zp->rec[j].status != DNS_CONFLICT)
				worst_other = zp->rec[j].status;
			nbad++;
		}
	}

	if (zp->nchange == 0) {
		/*
		 * Nothing sent: no serial churn (failover-agent(8), THE CYCLE).
		 */
		if (nbad == 0) {
			zp->result = DNS_UNCHANGED;
			util_msg(zp->message, sizeof(zp->message), "%s: "
			    "nothing to send: every record already holds the "
			    "wanted addresses", label);
		} else {
			zp->result = worst_other;
			util_msg(zp->message, sizeof(zp->message), "%s: "
			    "nothing sent", label);
			append_left_alone(zp);
			job->ret[i] = -1;
		}
		return;
	}

	st = job->m->server(cfg, zp->zone, util_mono_ms() + cfg->dns.timeout_ms,
	    &srv, err, sizeof(err));
	if (st != DNS_OK) {
		zp->result = st;
		util_msg(zp->message, sizeof(zp->message), "%s: %s", label,
		    err);
		append_left_alone(zp);
		job->ret[i] = -1;
		return;
	}
	snprintf(zp->server, sizeof(zp->server), "%s", srv.text);

	/*
	 * The zone's deadline: the change, then its verification.  A lost
	 * answer is read back within what is left of it.
	 */
	deadline = util_mono_ms() + cfg->dns.timeout_ms +
	    cfg->dns.verify_timeout_ms;
	st = job->m->update(cfg, &srv, zp, util_mono_ms() + cfg->dns.timeout_ms);
	if (st == DNS_ERR_UNKNOWN)
		zp->maybe_changed = true;	/* an API write, no answer */
	if (st != DNS_OK && zp->maybe_changed) {
		st = after_lost_answer(cfg, job->m, &srv, zp, st, deadline);
		if (st == DNS_OK)
			st = apply_verify(cfg, &srv, zp);
	} else if (st == DNS_ERR_NXRRSET || st == DNS_ERR_YXRRSET)
		st = recheck_after_prereq(cfg, &srv, zp, st);
	else if (st == DNS_OK) {
		zp->changed = true;
		st = apply_verify(cfg, &srv, zp);
	}
	zp->result = st;
	if ((st == DNS_OK || st == DNS_ERR_LAGGING) && nbad > 0) {
		zp->result = worst_other;
		append_left_alone(zp);
	}
	if (zp->result != DNS_OK && zp->result != DNS_UNCHANGED)
		job->ret[i] = -1;
	log_debug("dnsupdate: %s: %s", dns_status_str(zp->result),
	    zp->message);
}

/*
 * Zones are worked on at once when the method allows it (DNS_PARALLEL_MAX
 * at a time), each with one UPDATE in flight at most.
 */
int
dnsupdate_apply(const struct config *cfg, struct dns_plan *plan)
{
	const struct dnsupdate_method *m = method_of(cfg);
	struct apply_job job;
	size_t i;
	int ret = 0;

	memset(&job, 0, sizeof(job));
	job.cfg = cfg;
	job.m = m;
	job.plan = plan;
	job.ret = util_xcalloc(plan->nzones ? plan->nzones : 1,
	    sizeof(*job.ret));
	dns_parallel(plan->nzones, m->parallel ? DNS_PARALLEL_MAX : 1,
	    apply_zone, &job);
	for (i = 0; i < plan->nzones; i++)
		if (job.ret[i] == -1)
			ret = -1;
	free(job.ret);
	return ret;
}

struct canary_job {
	const struct config		*cfg;
	const struct dnsupdate_method	*m;
	enum dns_status			*st;		/* per zone */
	char				(*msg)[512];	/* per zone */
	struct dns_dead			 dead;		/* servers that did not answer */
};

static void
canary_zone(void *ctx, size_t i)
{
	struct canary_job *job = ctx;
	const struct config *cfg = job->cfg;
	const struct cfg_zone *z = &cfg->zones[i];
	struct dns_server srv;
	char label[256], err[512];

	dns_name_label(z->name, label, sizeof(label));
	job->st[i] = job->m->server(cfg, z, util_mono_ms() +
	    cfg->dns.timeout_ms, &srv, err, sizeof(err));
	if (job->st[i] != DNS_OK) {
		util_msg(job->msg[i], sizeof(job->msg[i]), "%s: %s", label,
		    err);
		return;
	}
	/* A server that did not answer another zone's canary: not again. */
	if ((job->st[i] = dns_dead_get(&job->dead, &srv, err, sizeof(err))) !=
	    DNS_OK) {
		util_msg(job->msg[i], sizeof(job->msg[i]), "%s: %s", label,
		    err);
		return;
	}
	job->st[i] = job->m->canary(cfg, &srv, z, util_mono_ms() +
	    cfg->dns.timeout_ms, job->msg[i], sizeof(job->msg[i]));
	if (job->st[i] == DNS_ERR_TIMEOUT || job->st[i] == DNS_ERR_NETWORK) {
		/* The message without its "zone: " for the others. */
		const char *w = job->msg[i];
		size_t n = strlen(label);

		if (strncmp(w, label, n) == 0 && w[n] == ':' && w[n + 1] == ' ')
			w += n + 2;
		dns_dead_add(&job->dead, &srv, job->st[i], w);
	}
}

int
dnsupdate_canary(const struct config *cfg, char *msg, size_t msglen)
{
	const struct dnsupdate_method *m = method_of(cfg);
	struct canary_job job;
	size_t i, nbad = 0, shown = 0;

	msg[0] = '\0';
	if (m->canary == NULL) {
		util_msg(msg, msglen, "method %s has no canary", m->name);
		return 1;
	}
	if (cfg->nzones == 0) {
		util_msg(msg, msglen, "no zone to send a canary to");
		return -1;
	}
	memset(&job, 0, sizeof(job));
	job.cfg = cfg;
	job.m = m;
	job.st = util_xcalloc(cfg->nzones, sizeof(*job.st));
	job.msg = util_xcalloc(cfg->nzones, sizeof(*job.msg));
	dns_dead_init(&job.dead);
	dns_parallel(cfg->nzones, m->parallel ? DNS_PARALLEL_MAX : 1,
	    canary_zone, &job);
	dns_dead_free(&job.dead);
	for (i = 0; i < cfg->nzones; i++)
		if (job.st[i] != DNS_OK)
			nbad++;
	if (nbad > 0)
		util_msg(msg, msglen, "the canary failed for %zu of %zu "
		    "zone%s: ", nbad, cfg->nzones, cfg->nzones == 1 ? "" : "s");
	else if (cfg->nzones > 1)
		util_msg(msg, msglen, "%zu zones accept the canary: ",
		    cfg->nzones);
	for (i = 0; i < cfg->nzones; i++) {
		/* Failures only, when there are some: they are the news. */
		if (nbad > 0 && job.st[i] == DNS_OK)
			continue;
		util_msg_append(msg, msglen, "%s%s", shown++ ? "; " : "",
		    job.msg[i]);
	}
	free(job.st);
	free(job.msg);
	return nbad > 0 ? -1 : 0;
}

int
dnsupdate_probe(const struct config *cfg, struct diag_list *diags)
{
	return method_of(cfg)->probe(cfg, diags);
}
