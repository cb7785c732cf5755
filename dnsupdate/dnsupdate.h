/*
 * dnsupdate.h: reading and repointing the managed records, whatever the
 * method.  The method (rfc2136.c today; virtualmin.c, powerdns.c, exec.c
 * later) sits behind struct dnsupdate_method in dnsupdate_impl.h; callers only
 * see this file.
 *
 * The flow of a failover or failback:
 *   dns_view_read()   ask the server what each managed record holds;
 *   dnsupdate_plan()  decide per record: change (old -> new), already right,
 *                     or conflict (holds something that is not one
 *                     site's addresses, or a partial record the other
 *                     site cannot serve);
 *   dnsupdate_apply() send one change per zone holding every record of that
 *                     zone that needs it, conditional on the old values, then
 *                     verify per [dns] verify.
 * Nothing is sent for a zone whose records are already right.
 */
#ifndef FA_DNSUPDATE_H
#define FA_DNSUPDATE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "agent/core/config.h"
#include "agent/core/vocab.h"

enum dns_status {
	DNS_OK = 0,		/* changed (and verified if asked) */
	DNS_UNCHANGED,		/* already held the wanted addresses: nothing sent */
	DNS_CONFLICT,		/* a record holds an address we do not manage */
	DNS_ERR_TIMEOUT,	/* no answer before the deadline */
	DNS_ERR_NETWORK,	/* could not send/connect */
	DNS_ERR_NOTAUTH,	/* server not authoritative for the zone */
	DNS_ERR_NOTZONE,
	DNS_ERR_REFUSED,	/* update refused (policy) */
	DNS_ERR_BADSIG,		/* TSIG: the server says our signature is wrong */
	DNS_ERR_BADKEY,		/* TSIG: the server does not know our key/algorithm */
	DNS_ERR_BADTIME,	/* TSIG: clocks differ by more than fudge */
	DNS_ERR_NXRRSET,	/* prerequisite failed: rrset absent */
	DNS_ERR_YXRRSET,	/* prerequisite failed: rrset present / differs */
	DNS_ERR_SERVFAIL,
	DNS_ERR_FORMERR,
	DNS_ERR_BAD_REPLY,	/* wrong ID, unsigned or badly signed reply */
	DNS_ERR_KEY,		/* could not load the TSIG key */
	DNS_ERR_VERIFY,		/* the change did not show on the server(s) in time */
	DNS_ERR_LAGGING,	/* verify = all: the server that took the change
				   serves it, some other nameservers of the zone
				   did not in time (see dns_zone_plan.ns) */
	DNS_ERR_INTERNAL,
	DNS_ERR_UNKNOWN,	/* the change was sent, no answer came and the
				   records read back do not settle it (cannot
				   be read, hold something else, or behind an
				   API still the old addresses): DNS may have
				   changed (dns_zone_plan.maybe_changed) */
	DNS_STATUS_MAX
};

const char *dns_status_str(enum dns_status);

/*
 * One managed record (owner name, A and AAAA together) as read from DNS.
 *
 * A record is a site's when every family (A, AAAA) it publishes holds
 * exactly that site's addresses of that family.  It is "partial" when it
 * publishes fewer families than the site has (www has the primary's A and
 * no AAAA while [site:primary] lists an IPv6 address too): holds is then
 * PRIMARY or BACKUP all the same, so the overall view and the decision
 * engine see that site's, and partial says so for the plan, status
 * ("primary-partial") and config-test.
 */
struct dns_record_view {
	const struct cfg_zone	*zone;		/* borrowed from the config */
	const char		*owner;		/* borrowed, absolute */
	struct addrset		 addrs;		/* A and AAAA values found */
	enum dns_holds		 holds;		/* PRIMARY, BACKUP, MIXED (part-way),
						   OTHER or UNREADABLE */
	bool			 partial;	/* PRIMARY/BACKUP: not every family
						   of the site's set is published */
	enum dns_status		 status;	/* DNS_OK, or why it could not be read */
	char			 server[256];	/* where it was read: "127.0.0.1#5300" */
	char			 why[256];	/* OTHER: what differs, e.g.
						   "www.example.com. A 203.0.113.9 is
						   neither site's address"; else "" */
};

struct dns_view {
	size_t			 n;
	struct dns_record_view	*rec;		/* every record of every zone, config order */
	enum dns_holds		 overall;	/* summary, see vocab.h */
	char			 error[256];	/* first read error, "" if none */
	char			 conflict[512];	/* OTHER: the first record's why,
						   "(and N more)"; "" if none */
};

/*
 * How status and history name what a record holds: dns_holds_str(), or
 * "primary-partial" / "backup-partial" for a partial record.  Static text.
 */
const char	*dns_record_holds_str(const struct dns_record_view *);

/*
 * Read every managed record from the DNS server the method updates (for
 * rfc2136: [dns] server, or the zone's SOA MNAME), without recursion, each
 * record (its A and AAAA queries) within one [dns] timeout; once a server
 * does not answer, its remaining records are not asked, so a dead server
 * costs one timeout, not one per record.  Fills *out (caller frees with
 * dns_view_free()).  Returns 0
 * when every record was read, -1 otherwise (out->overall is then
 * DNS_HOLDS_UNREADABLE and out->error says why).
 */
int	dns_view_read(const struct config *, struct dns_view *out);
void	dns_view_free(struct dns_view *);

enum dns_direction { DNS_TO_BACKUP, DNS_TO_PRIMARY };

/*
 * One record's move.  A record holding a site's whole set gets the other
 * site's whole set.  A partial record keeps the operator's choice of
 * families: each family it publishes gets the other site's addresses of
 * that family, and a family it does not publish stays unpublished; when
 * the other site has no address of a family it publishes, the record is
 * left alone (DNS_CONFLICT, why says so) rather than losing that family.
 */
struct dns_record_change {
	const char		*owner;		/* borrowed */
	struct addrset		 old_addrs;	/* what the record holds now */
	struct addrset		 new_addrs;	/* what it will hold */
	enum dns_status		 status;	/* DNS_OK to change, DNS_UNCHANGED, DNS_CONFLICT,
						   or why it could not be read (left alone) */
	bool			 partial;	/* a partial record (see dns_record_view) */
	char			 why[256];	/* DNS_CONFLICT: what differs or why
						   the move is refused, owner first */
};

/* verify = all: what one nameserver address of the zone served. */
struct dns_ns_check {
	char		 name[256];	/* "ns2.example.com." */
	char		 label[320];	/* "ns2.example.com (127.0.0.2#5301)" */
	bool		 ok;		/* serves the change */
	uint32_t	 serial;	/* last SOA serial seen, if have_serial */
	bool		 have_serial;
	char		 detail[512];	/* "serial 2 < 3", "no answer: ...", or
					   "serves the change (serial 3)" */
};

struct dns_zone_plan {
	const struct cfg_zone		*zone;
	char				 server[256];	/* "127.0.0.1#5300", for the plan print */
	size_t				 n;
	struct dns_record_change	*rec;
	size_t				 nchange;	/* records with status DNS_OK */
	/* filled by dnsupdate_apply(): */
	enum dns_status			 result;
	char				 message[512];	/* plain text for logs and history */
	uint32_t			 serial;	/* SOA serial after the change, 0 unknown */
	bool				 changed;	/* the server took the change */
	bool				 maybe_changed;	/* sent, outcome unknown
							   (DNS_ERR_UNKNOWN) */
	size_t				 nns;		/* verify = all: nameserver */
	struct dns_ns_check		*ns;		/*   addresses checked */
};

struct dns_plan {
	enum dns_direction	 direction;
	const char		*method;	/* "rfc2136" */
	const struct addrset	*primary;	/* borrowed from the config, */
	const struct addrset	*backup;	/*   for dns_plan_print() */
	size_t			 nzones;
	struct dns_zone_plan	*zones;
	size_t			 nconflicts;
};

/*
 * Build the plan for moving every record to direction's addresses, from a
 * view read just before.  Pure: no I/O.  Caller frees with dns_plan_free().
 */
void	dnsupdate_plan(const struct config *, enum dns_direction,
	    const struct dns_view *, struct dns_plan *out);
void	dns_plan_free(struct dns_plan *);

/* Print the plan the way --dry-run shows it: "www.example.com. A 192.0.2.10 -> 198.51.100.20 (rfc2136 via 127.0.0.1#5300)". */
void	dns_plan_print(const struct dns_plan *, FILE *);

/*
 * Send the changes of plan, one message per zone with changes, then verify
 * per [dns] verify.  Fills each zone's result/message/serial/changed.
 * A change sent without an answer is read back within the zone's time
 * ([dns] timeout + verify_timeout): the new addresses are DNS_OK (changed,
 * the message says the answer was lost); an rfc2136 master still at the
 * old ones is the send's own error ("nothing was changed"); anything else
 * is DNS_ERR_UNKNOWN with maybe_changed.
 * Returns 0 if every zone ended DNS_OK or DNS_UNCHANGED, -1 otherwise.
 * Conflicting records are never touched; they make the return -1 too.
 */
int	dnsupdate_apply(const struct config *, struct dns_plan *plan);

/* A zone's SOA serial at the server its records are read from. */
struct dns_zone_serial {
	const struct cfg_zone	*zone;		/* borrowed from the config */
	bool			 have;		/* serial was read */
	uint32_t		 serial;
	char			 error[256];	/* why not, when !have */
};

/*
 * Drift (issue 10 item 2): every zone's SOA serial at the server the method
 * reads records from (the one dns_view_read() asks), zones at once, each
 * within one [dns] timeout.  out has room for cfg->nzones entries, filled
 * in config order.  Returns how many were read.  Thread-safe: the cycle
 * runs it beside the probes.
 */
size_t	dns_serials_read(const struct config *, struct dns_zone_serial *out);

/*
 * The canary (failover-agent(8), DNS UPDATES, The canary): for every zone, at
 * once, a signed UPDATE that holds
 * only a prerequisite (the zone's SOA exists) and no change, so a broken key,
 * clock or permission shows before the day a failover needs them.  The serial
 * does not move.  msg gets one line: what was checked, or every zone that
 * failed and why.  A server that does not answer one zone is not asked
 * again for the others.  Returns 0 when every zone accepted it, -1 when one did
 * not, 1 when the method has no canary (msg says so).
 */
int	dnsupdate_canary(const struct config *, char *msg, size_t msglen);

/*
 * config-test: prove the server answers a TSIG-signed query for each zone
 * with a correctly signed reply.  Returns 0, or -1 with a plain message per
 * problem appended to diags (as errors).
 */
struct diag_list;
int	dnsupdate_probe(const struct config *, struct diag_list *diags);

/*
 * Layouts that cannot fail over (issue 18): for every zone, the DNS server
 * the method updates ([dns] server, or the zone's SOA MNAME) at one of
 * [site:primary]'s addresses, or every nameserver of the zone (its NS set,
 * as that server gives it) at the primary's addresses.  When the primary's
 * site goes down, the first means no change can be written, the second that
 * nobody serves the change.  Each warning is one line that says what works
 * instead.  Asks DNS (each question within [dns] timeout); what cannot be
 * asked is left out, never guessed.  Fills *out; nothing to free.
 */
#define DNS_LAYOUT_MAX	8
struct dns_layout {
	size_t	n;
	char	warning[DNS_LAYOUT_MAX][640];
};
void	dnsupdate_layout_check(const struct config *, struct dns_layout *out);

/*
 * verify = all, between moves (issue 18): every nameserver of every zone
 * (its NS set, as the server the method updates gives it) against that
 * server's SOA serial.  A nameserver that answers with an older serial
 * (RFC 1982) is asked again until it catches up or one [dns] timeout has
 * passed; one still behind then serves stale data and is listed in
 * out->stale, after a NOTIFY (RFC 1996) asking it to fetch the zone (a
 * secondary takes NOTIFY from its masters only, so the detail says what it
 * answered).  A nameserver that does not answer serves nothing and is not
 * listed.  Every zone at once (DNS_PARALLEL_MAX at a time), each within
 * about three [dns] timeouts (master, its NS set, the rounds).
 * Returns 0 when every zone could be checked, -1 when some could not
 * (out->error names them; the stale ones found are listed all the same).
 * The caller frees with dns_secondaries_free().
 */
struct dns_secondary {
	const struct cfg_zone	*zone;		/* borrowed from the config */
	char			 label[320];	/* "ns2.example.com (127.0.0.2#53)" */
	uint32_t		 serial;	/* what it serves */
	uint32_t		 master_serial;	/* what the master serves */
	char			 detail[512];	/* one line for status and history */
};
struct dns_secondaries {
	size_t			 n;
	struct dns_secondary	*stale;
	char			 error[512];	/* "" when every zone was checked */
};
int	dnsupdate_check_secondaries(const struct config *,
	    struct dns_secondaries *out);
void	dns_secondaries_free(struct dns_secondaries *);

#endif
