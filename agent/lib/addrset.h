/*
 * addrset.h: the one address-set API: the A and AAAA values of a site, of
 * a record as DNS or a provider shows it.  A set holds at most ADDRSET_MAX
 * distinct addresses, each kept as binary and as canonical inet_ntop(3)
 * text, sorted (IPv4 first, then by bytes): two sets holding the same
 * addresses are the same bytes, whatever order they were built in.
 * Everything here works on caller storage: nothing to free.
 */
#ifndef FA_LIB_ADDRSET_H
#define FA_LIB_ADDRSET_H

#include <stdbool.h>
#include <stddef.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#define ADDRSET_MAX		16

/* One address: both as text (canonical inet_ntop form) and binary. */
struct addrset_addr {
	int	 family;			/* AF_INET or AF_INET6 */
	char	 text[INET6_ADDRSTRLEN];
	union {
		struct in_addr	v4;
		struct in6_addr	v6;
	} a;
};

struct addrset {
	size_t			n;
	struct addrset_addr	addr[ADDRSET_MAX];
};

/* The one order of addresses: IPv4 first, then by their bytes (memcmp). */
int	addrset_cmp(const struct addrset_addr *, const struct addrset_addr *);

/*
 * Parse "a, b, c" (inet_pton(3) each, canonical text kept, a duplicate
 * after canonicalisation refused, sorted) into out.  Returns 0, or -1
 * with *errstr (may be NULL) pointing to a per-thread message valid until
 * the next call in the same thread; out is then empty.
 */
int	addrset_parse(const char *s, struct addrset *out, const char **errstr);

/* The addresses of one family (AF_INET/AF_INET6) of in, in out. */
void	addrset_family(const struct addrset *in, int family,
	    struct addrset *out);

/* The same addresses, whatever the order the two sets hold them in. */
bool	addrset_equal(const struct addrset *, const struct addrset *);

/*
 * "192.0.2.10, 2001:db8::10" in buf (cut to fit), or empty ("" or
 * "(none)", as the caller's message wants) for a set without addresses.
 */
void	addrset_format(const struct addrset *, char *buf, size_t len,
	    const char *empty);

/*
 * Add one address (binary, family AF_INET/AF_INET6), kept sorted; one
 * already there is not added twice.  Returns 0, or -1 when the set is
 * full.
 */
int	addrset_add(struct addrset *, int family, const void *addr);

/*
 * Add one address given as text (as an API lists it) of that family.
 * Returns 0, or -1 when text is NULL, not an address of that family, or
 * the set is full.
 */
int	addrset_add_text(struct addrset *, int family, const char *text);

#endif
