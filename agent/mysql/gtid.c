/*
 * gtid.c: MariaDB GTID positions and MySQL GTID sets (see gtid.h).
 *
 * MariaDB: a sorted array of (domain, server, seq), one per domain and
 * server.  MySQL: a sorted array of (uuid, tag), each with sorted, disjoint,
 * non-adjacent closed intervals [lo, hi], lo >= 1.  Both kept canonical after
 * every operation, so formatting is a plain walk.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/mysql/gtid.h"
#include "agent/lib/util.h"

#define GTID_UUID_LEN	36	/* 8-4-4-4-12 */
#define GTID_TAG_MAX	32	/* MySQL 8.4: [a-z_][a-z0-9_]{0,31} */

struct gtid_mariadb {
	uint32_t	domain;
	uint32_t	server;
	uint64_t	seq;
};

struct gtid_interval {
	uint64_t	lo, hi;		/* inclusive */
};

struct gtid_sid {
	char			 uuid[GTID_UUID_LEN + 1];	/* lower case */
	char			 tag[GTID_TAG_MAX + 1];		/* "" untagged */
	size_t			 n;
	struct gtid_interval	*iv;
};

struct gtid_set {
	enum gtid_flavor	 flavor;
	size_t			 nm;
	struct gtid_mariadb	*m;
	size_t			 nsid;
	struct gtid_sid		*sid;
};

void
gtid_set_free(struct gtid_set *s)
{
	size_t	i;

	if (s == NULL)
		return;
	for (i = 0; i < s->nsid; i++)
		free(s->sid[i].iv);
	free(s->sid);
	free(s->m);
	free(s);
}

bool
gtid_set_is_empty(const struct gtid_set *s)
{
	return s == NULL || (s->nm == 0 && s->nsid == 0);
}

enum gtid_flavor
gtid_set_flavor(const struct gtid_set *s)
{
	return gtid_set_is_empty(s) ? GTID_FLAVOR_NONE : s->flavor;
}

/* ------------------------------------------------------------------------ */
/* MariaDB */

static int
mariadb_cmp(const void *a, const void *b)
{
	const struct gtid_mariadb	*x = a, *y = b;

	if (x->domain != y->domain)
		return x->domain < y->domain ? -1 : 1;
	if (x->server != y->server)
		return x->server < y->server ? -1 : 1;
	return 0;
}

static struct gtid_mariadb *
mariadb_find(const struct gtid_set *s, uint32_t domain, uint32_t server)
{
	struct gtid_mariadb	key = { domain, server, 0 };

	if (s->nm == 0)
		return NULL;
	return bsearch(&key, s->m, s->nm, sizeof(*s->m), mariadb_cmp);
}

/* Add (or raise) one entry; s stays sorted. */
static void
mariadb_add(struct gtid_set *s, const struct gtid_mariadb *g)
{
	struct gtid_mariadb	*have;
	size_t			 i;

	if ((have = mariadb_find(s, g->domain, g->server)) != NULL) {
		if (g->seq > have->seq)
			have->seq = g->seq;
		return;
	}
	s->m = util_xreallocarray(s->m, s->nm + 1, sizeof(*s->m));
	for (i = s->nm; i > 0 && mariadb_cmp(&s->m[i - 1], g) > 0; i--)
		s->m[i] = s->m[i - 1];
	s->m[i] = *g;
	s->nm++;
}

/* A whole decimal number of at most max, digits only. */
static int
parse_u64(const char *p, size_t len, uint64_t max, uint64_t *out)
{
	uint64_t	v = 0;
	size_t		i;

	if (len == 0 || len > 20)
		return -1;
	for (i = 0; i < len; i++) {
		if (!isdigit((unsigned char)p[i]))
			return -1;
		if (v > (max - (uint64_t)(p[i] - '0')) / 10)
			return -1;
		v = v * 10 + (uint64_t)(p[i] - '0');
	}
	*out = v;
	return 0;
}

/* One "DOMAIN-SERVER-SEQ" item. */
static int
mariadb_parse_item(struct gtid_set *s, const char *item, char *err,
    size_t errlen)
{
	const char		*d1, *d2;
	uint64_t		 domain, server, seq;
	struct gtid_mariadb	 g;

	if ((d1 = strchr(item, '-')) == NULL ||
	    (d2 = strchr(d1 + 1, '-')) == NULL ||
	    strchr(d2 + 1, '-') != NULL) {
		util_msg(err, errlen, "'%.64s' is not DOMAIN-SERVER-SEQ", item);
		return -1;
	}
	if (parse_u64(item, (size_t)(d1 - item), UINT32_MAX, &domain) == -1 ||
	    parse_u64(d1 + 1, (size_t)(d2 - d1 - 1), UINT32_MAX,
	    &server) == -1 ||
	    parse_u64(d2 + 1, strlen(d2 + 1), UINT64_MAX, &seq) == -1) {
		util_msg(err, errlen, "'%.64s' is not DOMAIN-SERVER-SEQ (whole"
		    " numbers: domain and server up to 4294967295)", item);
		return -1;
	}
	g.domain = (uint32_t)domain;
	g.server = (uint32_t)server;
	g.seq = seq;
	mariadb_add(s, &g);
	return 0;
}

/* ------------------------------------------------------------------------ */
/* MySQL */

static int
sid_cmp(const void *a, const void *b)
{
	const struct gtid_sid	*x = a, *y = b;
	int			 c;

	if ((c = strcmp(x->uuid, y->uuid)) != 0)
		return c;
	return strcmp(x->tag, y->tag);
}

static struct gtid_sid *
sid_find(const struct gtid_set *s, const char *uuid, const char *tag)
{
	struct gtid_sid	key;

	if (s->nsid == 0)
		return NULL;
	memset(&key, 0, sizeof(key));
	snprintf(key.uuid, sizeof(key.uuid), "%s", uuid);
	snprintf(key.tag, sizeof(key.tag), "%s", tag);
	return bsearch(&key, s->sid, s->nsid, sizeof(*s->sid), sid_cmp);
}

/* The (uuid, tag) entry of s, created empty if absent; s stays sorted. */
static struct gtid_sid *
sid_get(struct gtid_set *s, const char *uuid, const char *tag)
{
	struct gtid_sid	*have, key;
	size_t		 i;

	if ((have = sid_find(s, uuid, tag)) != NULL)
		return have;
	memset(&key, 0, sizeof(key));
	snprintf(key.uuid, sizeof(key.uuid), "%s", uuid);
	snprintf(key.tag, sizeof(key.tag), "%s", tag);
	s->sid = util_xreallocarray(s->sid, s->nsid + 1, sizeof(*s->sid));
	for (i = s->nsid; i > 0 && sid_cmp(&s->sid[i - 1], &key) > 0; i--)
		s->sid[i] = s->sid[i - 1];
	s->sid[i] = key;
	s->nsid++;
	return &s->sid[i];
}

/*
 * Add [lo, hi] to the sorted, disjoint intervals of sid, merging overlapping
 * and adjacent ones (1-5 and 6-9 are 1-9).
 */
static void
sid_add(struct gtid_sid *sid, uint64_t lo, uint64_t hi)
{
	size_t	i, j, k;

	/* First interval that could touch [lo, hi]: its hi + 1 >= lo. */
	for (i = 0; i < sid->n; i++)
		if (sid->iv[i].hi == UINT64_MAX || sid->iv[i].hi + 1 >= lo)
			break;
	/* Swallow every interval that starts at or before hi + 1. */
	for (j = i; j < sid->n; j++) {
		if (hi != UINT64_MAX && sid->iv[j].lo > hi + 1)
			break;
		if (sid->iv[j].lo < lo)
			lo = sid->iv[j].lo;
		if (sid->iv[j].hi > hi)
			hi = sid->iv[j].hi;
	}
	if (j == i) {	/* touches nothing: insert at i */
		sid->iv = util_xreallocarray(sid->iv, sid->n + 1,
		    sizeof(*sid->iv));
		memmove(&sid->iv[i + 1], &sid->iv[i],
		    (sid->n - i) * sizeof(*sid->iv));
		sid->n++;
	} else {	/* [i, j) become one */
		for (k = j; k < sid->n; k++)
			sid->iv[i + 1 + k - j] = sid->iv[k];
		sid->n -= j - i - 1;
	}
	sid->iv[i].lo = lo;
	sid->iv[i].hi = hi;
}

static void
set_drop_empty_sids(struct gtid_set *s)
{
	size_t	i, j = 0;

	for (i = 0; i < s->nsid; i++) {
		if (s->sid[i].n == 0) {
			free(s->sid[i].iv);
			continue;
		}
		s->sid[j++] = s->sid[i];
	}
	s->nsid = j;
}

static bool
uuid_valid(const char *p, size_t len)
{
	size_t	i;

	if (len != GTID_UUID_LEN)
		return false;
	for (i = 0; i < len; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (p[i] != '-')
				return false;
		} else if (!isxdigit((unsigned char)p[i]))
			return false;
	}
	return true;
}

static bool
tag_valid(const char *p, size_t len)
{
	size_t	i;

	if (len == 0 || len > GTID_TAG_MAX)
		return false;
	if (!isalpha((unsigned char)p[0]) && p[0] != '_')
		return false;
	for (i = 1; i < len; i++)
		if (!isalnum((unsigned char)p[i]) && p[i] != '_')
			return false;
	return true;
}

/* One "UUID[:TAG]:N[-M][:...]" item. */
static int
mysql_parse_item(struct gtid_set *s, const char *item, char *err,
    size_t errlen)
{
	struct gtid_sid	*sid;
	const char	*p, *end, *dash;
	char		 uuid[GTID_UUID_LEN + 1], tag[GTID_TAG_MAX + 1] = "";
	uint64_t	 lo, hi;
	size_t		 len, i, nint = 0;

	p = strchr(item, ':');
	if (!uuid_valid(item, (size_t)(p - item))) {
		util_msg(err, errlen, "'%.64s' does not start with a UUID"
		    " (8-4-4-4-12 hex digits)", item);
		return -1;
	}
	for (i = 0; i < GTID_UUID_LEN; i++)
		uuid[i] = (char)tolower((unsigned char)item[i]);
	uuid[GTID_UUID_LEN] = '\0';

	for (p++;; p = end + 1) {
		end = p + strcspn(p, ":");
		len = (size_t)(end - p);
		if (len == 0) {
			util_msg(err, errlen, "'%.64s': empty interval", item);
			return -1;
		}
		if (isdigit((unsigned char)*p)) {
			dash = memchr(p, '-', len);
			if (dash == NULL) {
				if (parse_u64(p, len, UINT64_MAX, &lo) == -1)
					goto bad_interval;
				hi = lo;
			} else if (parse_u64(p, (size_t)(dash - p), UINT64_MAX,
			    &lo) == -1 || parse_u64(dash + 1,
			    (size_t)(end - dash - 1), UINT64_MAX, &hi) == -1)
				goto bad_interval;
			if (lo == 0 || hi < lo)
				goto bad_interval;
			sid = sid_get(s, uuid, tag);
			sid_add(sid, lo, hi);
			nint++;
		} else if (tag_valid(p, len)) {
			if (*tag != '\0' && nint == 0) {
				util_msg(err, errlen, "'%.64s': tag %s has no"
				    " interval", item, tag);
				return -1;
			}
			for (i = 0; i < len; i++)
				tag[i] = (char)tolower((unsigned char)p[i]);
			tag[len] = '\0';
			nint = 0;
		} else {
			util_msg(err, errlen, "'%.64s': '%.*s' is neither an"
			    " interval (N or N-M) nor a tag", item,
			    (int)(len > 40 ? 40 : len), p);
			return -1;
		}
		if (*end == '\0')
			break;
	}
	if (nint == 0) {
		util_msg(err, errlen, "'%.64s': no interval after %s", item,
		    *tag ? "the tag" : "the UUID");
		return -1;
	}
	return 0;

bad_interval:
	util_msg(err, errlen, "'%.64s': '%.*s' is not an interval (N or N-M,"
	    " 1 <= N <= M)", item, (int)(len > 40 ? 40 : len), p);
	return -1;
}

/* ------------------------------------------------------------------------ */

int
gtid_set_parse(const char *text, struct gtid_set **out, char *err,
    size_t errlen)
{
	struct gtid_set	*s;
	char		*copy, *item, *next;
	enum gtid_flavor fl;
	int		 rc = -1;

	*out = NULL;
	s = util_xcalloc(1, sizeof(*s));
	copy = util_xstrdup(text != NULL ? text : "");
	if (*util_trim(copy) == '\0') {
		rc = 0;		/* the empty set */
		goto done;
	}
	for (next = copy; (item = util_list_next(&next)) != NULL;) {
		if (*item == '\0') {
			util_msg(err, errlen, "empty item in GTID list");
			goto done;
		}
		if (strspn(item, "0123456789ABCDEFabcdef-:_"
		    "GHIJKLMNOPQRSTUVWXYZghijklmnopqrstuvwxyz") !=
		    strlen(item)) {
			util_msg(err, errlen, "'%.64s': unexpected character",
			    item);
			goto done;
		}
		fl = strchr(item, ':') != NULL ? GTID_FLAVOR_MYSQL :
		    GTID_FLAVOR_MARIADB;
		if (s->flavor != GTID_FLAVOR_NONE && s->flavor != fl) {
			util_msg(err, errlen, "'%.64s': MariaDB and MySQL GTIDs"
			    " mixed in one list", item);
			goto done;
		}
		s->flavor = fl;
		if ((fl == GTID_FLAVOR_MYSQL ? mysql_parse_item(s, item, err,
		    errlen) : mariadb_parse_item(s, item, err, errlen)) == -1)
			goto done;
	}
	rc = 0;
done:
	free(copy);
	if (rc == -1) {
		gtid_set_free(s);
		return -1;
	}
	*out = s;
	return 0;
}

/* The flavor the result of an operation on a and b takes, or -1. */
static int
flavor_of_pair(const struct gtid_set *a, const struct gtid_set *b, char *err,
    size_t errlen)
{
	enum gtid_flavor	fa = gtid_set_flavor(a), fb = gtid_set_flavor(b);

	if (fa != GTID_FLAVOR_NONE && fb != GTID_FLAVOR_NONE && fa != fb) {
		util_msg(err, errlen, "a MariaDB GTID position and a MySQL"
		    " GTID set cannot be compared");
		return -1;
	}
	return fa != GTID_FLAVOR_NONE ? (int)fa : (int)fb;
}

int
gtid_set_merge(struct gtid_set *a, const struct gtid_set *b, char *err,
    size_t errlen)
{
	int	fl;
	size_t	i, k;

	if ((fl = flavor_of_pair(a, b, err, errlen)) == -1)
		return -1;
	if (gtid_set_is_empty(b))
		return 0;
	a->flavor = (enum gtid_flavor)fl;
	for (i = 0; i < b->nm; i++)
		mariadb_add(a, &b->m[i]);
	for (i = 0; i < b->nsid; i++) {
		struct gtid_sid *sid = sid_get(a, b->sid[i].uuid,
		    b->sid[i].tag);

		for (k = 0; k < b->sid[i].n; k++)
			sid_add(sid, b->sid[i].iv[k].lo, b->sid[i].iv[k].hi);
	}
	return 0;
}

/* a's intervals minus b's (both sorted and disjoint) into out. */
static void
sid_subtract(const struct gtid_sid *a, const struct gtid_sid *b,
    struct gtid_sid *out)
{
	size_t		i, j = 0;
	uint64_t	lo, hi;

	for (i = 0; i < a->n; i++) {
		lo = a->iv[i].lo;
		hi = a->iv[i].hi;
		/* Skip b's intervals wholly below lo. */
		while (b != NULL && j < b->n && b->iv[j].hi < lo)
			j++;
		while (b != NULL && j < b->n && b->iv[j].lo <= hi) {
			if (b->iv[j].lo > lo)
				sid_add(out, lo, b->iv[j].lo - 1);
			if (b->iv[j].hi >= hi)
				goto next;	/* the rest is covered */
			lo = b->iv[j].hi + 1;
			j++;
		}
		sid_add(out, lo, hi);
next:
		;
	}
}

int
gtid_set_subtract(const struct gtid_set *a, const struct gtid_set *b,
    struct gtid_set **out, char *err, size_t errlen)
{
	struct gtid_set		*d;
	struct gtid_mariadb	*have;
	int			 fl;
	size_t			 i;

	*out = NULL;
	if ((fl = flavor_of_pair(a, b, err, errlen)) == -1)
		return -1;
	d = util_xcalloc(1, sizeof(*d));
	d->flavor = (enum gtid_flavor)fl;
	if (a != NULL) {
		for (i = 0; i < a->nm; i++) {
			have = b != NULL ? mariadb_find(b, a->m[i].domain,
			    a->m[i].server) : NULL;
			if (have == NULL || have->seq < a->m[i].seq)
				mariadb_add(d, &a->m[i]);
		}
		for (i = 0; i < a->nsid; i++) {
			const struct gtid_sid *bs = b != NULL ?
			    sid_find(b, a->sid[i].uuid, a->sid[i].tag) : NULL;

			sid_subtract(&a->sid[i], bs, sid_get(d,
			    a->sid[i].uuid, a->sid[i].tag));
		}
		set_drop_empty_sids(d);
	}
	*out = d;
	return 0;
}

/* Append to buf like snprintf at offset *used, counting what did not fit. */
static void
fmt_append(char *buf, size_t len, size_t *used, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void
fmt_append(char *buf, size_t len, size_t *used, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	va_start(ap, fmt);
	if (*used < len)
		n = vsnprintf(buf + *used, len - *used, fmt, ap);
	else
		n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n > 0)
		*used += (size_t)n;
}

size_t
gtid_set_format(const struct gtid_set *s, char *buf, size_t len)
{
	size_t	used = 0, i, k;

	if (len > 0)
		buf[0] = '\0';
	if (s == NULL)
		return 0;
	for (i = 0; i < s->nm; i++)
		fmt_append(buf, len, &used, "%s%" PRIu32 "-%" PRIu32 "-%"
		    PRIu64, i ? "," : "", s->m[i].domain, s->m[i].server,
		    s->m[i].seq);
	for (i = 0; i < s->nsid; i++) {
		const struct gtid_sid *sid = &s->sid[i];

		/* The same UUID again (another tag) continues the item. */
		if (i > 0 && strcmp(s->sid[i - 1].uuid, sid->uuid) == 0)
			fmt_append(buf, len, &used, ":%s", sid->tag);
		else
			fmt_append(buf, len, &used, "%s%s%s%s", i ? "," : "",
			    sid->uuid, *sid->tag ? ":" : "", sid->tag);
		for (k = 0; k < sid->n; k++) {
			if (sid->iv[k].lo == sid->iv[k].hi)
				fmt_append(buf, len, &used, ":%" PRIu64,
				    sid->iv[k].lo);
			else
				fmt_append(buf, len, &used, ":%" PRIu64 "-%"
				    PRIu64, sid->iv[k].lo, sid->iv[k].hi);
		}
	}
	return used;
}
