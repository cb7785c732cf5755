/*
 * addrset.c: address sets (see addrset.h).
 */
#include <sys/socket.h>
#include <arpa/inet.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/lib/addrset.h"
#include "agent/lib/util.h"

int
addrset_cmp(const struct addrset_addr *x, const struct addrset_addr *y)
{
	if (x->family != y->family)
		return x->family == AF_INET ? -1 : 1;
	if (x->family == AF_INET)
		return memcmp(&x->a.v4, &y->a.v4, sizeof(x->a.v4));
	return memcmp(&x->a.v6, &y->a.v6, sizeof(x->a.v6));
}

static int
addrset_qsort_cmp(const void *a, const void *b)
{
	return addrset_cmp(a, b);
}

/*
 * Split s at commas, parse each item with inet_pton(3), keep the canonical
 * inet_ntop(3) text, refuse duplicates (after canonicalisation, so
 * "2001:DB8::1" and "2001:db8:0::1" are one), sort (IPv4 first).  out is
 * zeroed first, so equal sets are equal bytes too.
 */
int
addrset_parse(const char *s, struct addrset *out, const char **errstr)
{
	static _Thread_local char	 err[128];
	char				*copy, *item, *next;
	struct addrset_addr		 a;
	int				 rc = -1;
	size_t				 i;

	memset(out, 0, sizeof(*out));
	copy = util_xstrdup(s);
	if (*util_trim(copy) == '\0') {
		snprintf(err, sizeof(err), "no address");
		goto cleanup;
	}
	for (next = copy; (item = util_list_next(&next)) != NULL;) {
		if (*item == '\0') {
			snprintf(err, sizeof(err), "empty item in address "
			    "list");
			goto cleanup;
		}
		memset(&a, 0, sizeof(a));
		if (inet_pton(AF_INET, item, &a.a.v4) == 1)
			a.family = AF_INET;
		else if (inet_pton(AF_INET6, item, &a.a.v6) == 1)
			a.family = AF_INET6;
		else {
			snprintf(err, sizeof(err), "'%.64s' is not an IPv4 or "
			    "IPv6 address", item);
			goto cleanup;
		}
		if (inet_ntop(a.family, &a.a, a.text, sizeof(a.text)) == NULL) {
			snprintf(err, sizeof(err), "'%.64s': %s", item,
			    strerror(errno));
			goto cleanup;
		}
		for (i = 0; i < out->n; i++) {
			if (addrset_cmp(&out->addr[i], &a) == 0) {
				snprintf(err, sizeof(err), "address %s is "
				    "listed twice", a.text);
				goto cleanup;
			}
		}
		if (out->n == ADDRSET_MAX) {
			snprintf(err, sizeof(err), "more than %d addresses",
			    ADDRSET_MAX);
			goto cleanup;
		}
		out->addr[out->n++] = a;
	}
	qsort(out->addr, out->n, sizeof(out->addr[0]), addrset_qsort_cmp);
	rc = 0;
cleanup:
	free(copy);
	if (rc == -1)
		memset(out, 0, sizeof(*out));
	if (errstr != NULL)
		*errstr = rc == -1 ? err : NULL;
	return rc;
}

void
addrset_family(const struct addrset *in, int family, struct addrset *out)
{
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < in->n; i++)
		if (in->addr[i].family == family)
			out->addr[out->n++] = in->addr[i];
}

bool
addrset_equal(const struct addrset *a, const struct addrset *b)
{
	size_t	i, j;

	if (a->n != b->n)
		return false;
	for (i = 0; i < a->n; i++) {
		for (j = 0; j < b->n; j++)
			if (addrset_cmp(&a->addr[i], &b->addr[j]) == 0)
				break;
		if (j == b->n)
			return false;
	}
	return true;
}

void
addrset_format(const struct addrset *set, char *buf, size_t len,
    const char *empty)
{
	size_t	i, off = 0;
	int	n;

	if (len == 0)
		return;
	buf[0] = '\0';
	if (set->n == 0) {
		snprintf(buf, len, "%s", empty);
		return;
	}
	for (i = 0; i < set->n && off < len; i++) {
		n = snprintf(buf + off, len - off, "%s%s", i ? ", " : "",
		    set->addr[i].text);
		if (n < 0)
			break;
		off += (size_t)n;
	}
}

int
addrset_add(struct addrset *set, int family, const void *addr)
{
	struct addrset_addr	a;
	size_t			i;

	memset(&a, 0, sizeof(a));
	a.family = family;
	memcpy(&a.a, addr, family == AF_INET ? 4 : 16);
	if (inet_ntop(family, &a.a, a.text, sizeof(a.text)) == NULL)
		return -1;
	for (i = 0; i < set->n; i++) {
		if (addrset_cmp(&set->addr[i], &a) == 0)
			return 0;	/* already there */
		if (addrset_cmp(&set->addr[i], &a) > 0)
			break;
	}
	if (set->n >= ADDRSET_MAX)
		return -1;
	memmove(&set->addr[i + 1], &set->addr[i],
	    (set->n - i) * sizeof(set->addr[0]));
	set->addr[i] = a;
	set->n++;
	return 0;
}

int
addrset_add_text(struct addrset *set, int family, const char *text)
{
	unsigned char	bin[16];

	if (text == NULL || inet_pton(family, text, bin) != 1)
		return -1;
	return addrset_add(set, family, bin);
}
