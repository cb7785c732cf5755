/*
 * gtid.h: GTID sets of MariaDB and MySQL, parsed, compared and printed, for
 * the failback safety check (failover-agent(8), MYSQL).  Pure: no I/O, no
 * database.
 *
 * Two notations, told apart by their shape:
 *
 *   MariaDB  "0-1-100,0-2-103,1-1-7": a list of DOMAIN-SERVER-SEQ, as in
 *            gtid_binlog_state, gtid_slave_pos, gtid_current_pos.  A list is a
 *            position, not a set: it names the last transaction seen from each
 *            server in each replication domain.  Entry d-s-n of A is "held"
 *            by B when B has an entry d-s-m with m >= n; so A's entries that
 *            B does not hold are the transactions (up to n) that server s
 *            wrote in domain d which B never saw.  Comparing per server, not
 *            only per domain, is what catches a split brain at the same
 *            sequence number (0-1-101 on the old primary, 0-2-101 on the
 *            promoted backup).
 *   MySQL    "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5:7-9,UUID2:1-3", as in
 *            gtid_executed: real sets of transaction numbers per source UUID,
 *            gaps allowed; MySQL 8.4 tags ("UUID:tag:1-3") are kept apart
 *            from the untagged numbers of the same UUID.
 *
 * An empty string is the empty set, which compares with either notation.
 */
#ifndef FA_GTID_H
#define FA_GTID_H

#include <stdbool.h>
#include <stddef.h>

enum gtid_flavor {
	GTID_FLAVOR_NONE = 0,	/* the empty set */
	GTID_FLAVOR_MARIADB,
	GTID_FLAVOR_MYSQL,
};

struct gtid_set;

/*
 * Parse text (white space, including new lines, allowed around items) into a
 * new set the caller frees with gtid_set_free().  Returns 0, or -1 with a
 * short reason in err (naming the bad item) and *out NULL.
 */
int	gtid_set_parse(const char *text, struct gtid_set **out, char *err,
	    size_t errlen);

/*
 * Add every transaction of b to a (MariaDB: per domain and server, the higher
 * sequence number wins).  Returns 0, or -1 with err set when the two are of
 * different flavors (a is then unchanged).
 */
int	gtid_set_merge(struct gtid_set *a, const struct gtid_set *b, char *err,
	    size_t errlen);

/*
 * What a holds that b lacks, as a new set in *out (freed by the caller).
 * Returns 0, or -1 with err set when the flavors differ.
 */
int	gtid_set_subtract(const struct gtid_set *a, const struct gtid_set *b,
	    struct gtid_set **out, char *err, size_t errlen);

bool	gtid_set_is_empty(const struct gtid_set *);
enum gtid_flavor gtid_set_flavor(const struct gtid_set *);

/*
 * The set in its database's notation, items joined by ",", sorted (MariaDB:
 * by domain, then server; MySQL: by UUID, untagged first, then tag).
 * Returns the length the whole text needs, like snprintf(3): a return >= len
 * means buf holds a truncated text.  "" for the empty set.
 */
size_t	gtid_set_format(const struct gtid_set *, char *buf, size_t len);

void	gtid_set_free(struct gtid_set *);

#endif
