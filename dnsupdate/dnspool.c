/*
 * dnspool.c: running one job per zone (or per nameserver) at once, with a
 * bound on how many run together, and RFC 1982 serial number arithmetic.
 *
 * Why threads rather than one event loop: every job is a short sequence of
 * blocking exchanges (read, UPDATE, verify), each under its own deadline,
 * and the code that does them (dnsquery.c, rfc2136.c) is already written
 * that way and tested.  A job shares nothing writable with the others: each
 * gets its own slot of the caller's array, and the config is read-only.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "agent/lib/log.h"
#include "agent/lib/util.h"
#include "dnsupdate/dnsupdate_impl.h"

struct pool {
	pthread_mutex_t	  lock;
	size_t		  next;		/* next job to hand out */
	size_t		  n;
	void		(*fn)(void *, size_t);
	void		 *ctx;
};

static void *
pool_worker(void *arg)
{
	struct pool *p = arg;
	size_t i;

	for (;;) {
		pthread_mutex_lock(&p->lock);
		i = p->next < p->n ? p->next++ : p->n;
		pthread_mutex_unlock(&p->lock);
		if (i == p->n)
			return NULL;
		p->fn(p->ctx, i);
	}
}

void
dns_parallel(size_t n, size_t maxthreads, void (*fn)(void *ctx, size_t i),
    void *ctx)
{
	struct pool p;
	pthread_t *tids;
	size_t i, nthreads, started = 0;
	int e;

	if (n == 0)
		return;
	nthreads = maxthreads < n ? maxthreads : n;
	if (nthreads <= 1) {
		for (i = 0; i < n; i++)
			fn(ctx, i);
		return;
	}
	memset(&p, 0, sizeof(p));
	pthread_mutex_init(&p.lock, NULL);
	p.n = n;
	p.fn = fn;
	p.ctx = ctx;
	tids = util_xcalloc(nthreads, sizeof(*tids));
	for (i = 0; i < nthreads; i++) {
		if ((e = pthread_create(&tids[i], NULL, pool_worker, &p)) != 0) {
			/* The jobs still all run: on the threads we have. */
			log_debug("dns_parallel: thread %zu: %s", i, strerror(e));
			break;
		}
		started++;
	}
	if (started == 0)
		(void)pool_worker(&p);
	for (i = 0; i < started; i++)
		pthread_join(tids[i], NULL);
	free(tids);
	pthread_mutex_destroy(&p.lock);
}

void
dns_dead_init(struct dns_dead *d)
{
	memset(d, 0, sizeof(*d));
	pthread_mutex_init(&d->lock, NULL);
}

void
dns_dead_free(struct dns_dead *d)
{
	pthread_mutex_destroy(&d->lock);
}

void
dns_dead_add(struct dns_dead *d, const struct dns_server *srv,
    enum dns_status st, const char *why)
{
	size_t i;

	pthread_mutex_lock(&d->lock);
	for (i = 0; i < d->n; i++)
		if (strcmp(d->text[i], srv->text) == 0)
			break;
	if (i == d->n && d->n < DNS_DEAD_MAX) {
		util_msg(d->text[i], sizeof(d->text[i]), "%s", srv->text);
		d->st[i] = st;
		util_msg(d->why[i], sizeof(d->why[i]), "%s", why);
		d->n++;
	}
	pthread_mutex_unlock(&d->lock);
}

enum dns_status
dns_dead_get(struct dns_dead *d, const struct dns_server *srv, char *why,
    size_t whylen)
{
	enum dns_status st = DNS_OK;
	size_t i;

	pthread_mutex_lock(&d->lock);
	for (i = 0; i < d->n; i++)
		if (strcmp(d->text[i], srv->text) == 0) {
			st = d->st[i];
			util_msg(why, whylen, "%s", d->why[i]);
			break;
		}
	pthread_mutex_unlock(&d->lock);
	return st;
}

/*
 * RFC 1982 §3.2: s1 < s2 when (s1 < s2 and s2 - s1 < 2^31) or (s1 > s2 and
 * s1 - s2 > 2^31); a distance of exactly 2^31 is undefined.
 */
int
dns_serial_cmp(uint32_t a, uint32_t b)
{
	uint32_t d = b - a;		/* modulo 2^32 */

	if (a == b)
		return 0;
	if (d == UINT32_C(0x80000000))
		return 2;
	return d < UINT32_C(0x80000000) ? -1 : 1;
}
