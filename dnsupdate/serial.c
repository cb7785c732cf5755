/*
 * serial.c: each zone's SOA serial, for drift (issue 10 item 2): a cycle
 * that sees a serial move since the last one reads the records again, so a
 * change made by hand, by another tool or by a move whose cycle was killed
 * is noticed within a cycle.  One query per zone, zones at once.
 */
#include <string.h>

#include "agent/lib/util.h"
#include "dnsupdate/dnsupdate_impl.h"

struct serial_job {
	const struct config		*cfg;
	const struct dnsupdate_method	*m;
	struct dns_zone_serial		*out;
};

static void
serial_read_zone(void *ctx, size_t i)
{
	struct serial_job	*job = ctx;
	const struct config	*cfg = job->cfg;
	struct dns_zone_serial	*zs = &job->out[i];
	struct dns_server	 srv;
	int64_t			 deadline = util_mono_ms() + cfg->dns.timeout_ms;

	zs->zone = &cfg->zones[i];
	if (job->m->server(cfg, zs->zone, deadline, &srv, zs->error,
	    sizeof(zs->error)) != DNS_OK)
		return;
	if (dns_query_serial(&srv, zs->zone->name, deadline, &zs->serial,
	    zs->error, sizeof(zs->error)) == DNS_OK) {
		zs->have = true;
		zs->error[0] = '\0';
	}
}

size_t
dns_serials_read(const struct config *cfg, struct dns_zone_serial *out)
{
	struct serial_job	job;
	size_t			i, n = 0;

	memset(out, 0, cfg->nzones * sizeof(*out));
	job.cfg = cfg;
	job.m = dnsupdate_method_for(cfg);
	job.out = out;
	dns_parallel(cfg->nzones, job.m->parallel ? DNS_PARALLEL_MAX : 1,
	    serial_read_zone, &job);
	for (i = 0; i < cfg->nzones; i++)
		if (out[i].have)
			n++;
	return n;
}
