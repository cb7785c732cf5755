/*
 * tsigkey.h: the TSIG key (RFC 8945) read from a BIND key file, and signing
 * and verifying DNS messages with it.
 *
 * The key file is what `tsig-keygen -a ALG NAME` writes:
 *
 *	key "NAME" {
 *		algorithm hmac-sha256;
 *		secret "BASE64";
 *	};
 *
 * The MAC is computed by our own code with OpenSSL per RFC 8945 §4.3.3,
 * for every algorithm: ldns 1.8.3 cannot do hmac-sha224 (absent from its
 * digest table) nor hmac-sha384 (its table spells the name
 * "hmac-shac384."), and where it can (hmac-md5, hmac-sha1, hmac-sha256,
 * hmac-sha512) it leaves an unwiped copy of the decoded secret in the heap.
 * The decoded key is wiped right after use.  Callers see one interface.
 */
#ifndef FA_TSIGKEY_H
#define FA_TSIGKEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ldns/ldns.h>

#define TSIG_FUDGE	300	/* seconds, RFC 8945 §10 recommends 300 */
#define TSIG_KEY_FILE_MAX	4096

/* TSIG RR error field values, RFC 8945 §5.3. */
#define TSIG_ERR_BADSIG		16
#define TSIG_ERR_BADKEY		17
#define TSIG_ERR_BADTIME	18
#define TSIG_ERR_BADTRUNC	22

struct tsig_alg;

struct tsig_key {
	char			*path;		/* the key file, for messages */
	char			*name;		/* absolute, lower case: "fa-key." */
	const char		*algorithm;	/* normalised: "hmac-sha256" */
	const struct tsig_alg	*alg;		/* private */
	char			*secret;	/* base64 text; wiped by tsig_key_free() */
	size_t			 secretlen;
};

/*
 * Load a BIND key file: check its permissions (util_secret_file_check), read
 * it (util_secret_read), parse it, wipe the read buffer.  Returns 0 and a key
 * the caller frees with tsig_key_free(), or -1 with *out NULL and a message in
 * err that names the file and never contains the secret.
 */
int	tsig_key_load(const char *path, struct tsig_key **out, char *err,
	    size_t errlen);

/*
 * Parse key-file text (already read).  path is only used in messages.  The
 * text is not modified; the caller wipes it.  Same results as tsig_key_load().
 */
int	tsig_key_parse(const char *text, const char *path, struct tsig_key **out,
	    char *err, size_t errlen);

/* Wipe the secret and free everything.  NULL is fine. */
void	tsig_key_free(struct tsig_key *);

/* The key's algorithm name as it goes on the wire: "hmac-sha256.". */
const char *tsig_key_wire_algorithm(const struct tsig_key *);

/*
 * True when ldns could compute the MAC (false: hmac-sha224, hmac-sha384):
 * tests compare our MACs with ldns's for those.
 */
bool	tsig_key_ldns_native(const struct tsig_key *);

/*
 * Sign pkt (RFC 8945 §4.2): adds a TSIG RR with time signed = now, the given
 * fudge, error 0, no other data; query_mac is the request's MAC rdf (size +
 * MAC) when signing a response, NULL for a request.  Returns an ldns status.
 * The TSIG RR stays owned by pkt; ldns_rr_rdf(ldns_pkt_tsig(pkt), 3) is the
 * MAC to pass to tsig_verify() for the reply.
 */
ldns_status tsig_sign(ldns_pkt *pkt, const struct tsig_key *, uint16_t fudge,
	    const ldns_rdf *query_mac);

/*
 * Like tsig_sign(), with every TSIG field given: time_signed (UNIX seconds),
 * error, and other data (NULL/0 for none).  Lets tests play the server side
 * (a BADTIME reply carries the server's clock in other data, RFC 8945 §5.2.3).
 * Always computes the MAC with our own code, whatever the algorithm.
 */
ldns_status tsig_sign_full(ldns_pkt *pkt, const struct tsig_key *,
	    uint16_t fudge, const ldns_rdf *query_mac, uint64_t time_signed,
	    uint16_t error, const uint8_t *other, uint16_t otherlen);

/*
 * Verify the TSIG of a reply (RFC 8945 §5.3/§5.4): pkt is wire parsed with
 * ldns_wire2pkt; request_mac is the MAC of our request.  Checks that the TSIG
 * RR names our key and algorithm and that its MAC is right.  It does not look
 * at the error field or the time: callers do (see rfc2136.c).  Returns true
 * when the MAC is correct.
 */
bool	tsig_verify(ldns_pkt *pkt, const uint8_t *wire, size_t wirelen,
	    const struct tsig_key *, const ldns_rdf *request_mac);

/* What tsig_verify() runs after the name and algorithm check. */
bool	tsig_verify_own(ldns_pkt *pkt, const uint8_t *wire, size_t wirelen,
	    const struct tsig_key *, const ldns_rdf *request_mac);

/* 48-bit TSIG time signed of a TSIG RR (RFC 8945 §4.2), 0 if malformed. */
uint64_t tsig_rr_time(const ldns_rr *tsig);
/* The error field, -1 if malformed. */
int	tsig_rr_error(const ldns_rr *tsig);
/* Other data as a 48-bit time (BADTIME: the server's clock); -1 if absent. */
int64_t	tsig_rr_other_time(const ldns_rr *tsig);

/* "BADSIG", "BADKEY", "BADTIME", "BADTRUNC" or "error 42". */
const char *tsig_error_str(int error, char *buf, size_t buflen);

#endif
