/*
 * fuzz_rfc2136_reply.c: the reply to a signed UPDATE as rfc2136.c judges it
 * (rfc2136_reply_check(): parse, ID/QR/opcode, the TSIG and its error, the
 * time window, the rcode).  The request is a canary UPDATE for example.com
 * signed with one of six keys (every algorithm; the first byte picks it).
 * The first byte's low bit asks the harness to sign the rest itself, once
 * parsed, over the request's MAC (the fuzzer cannot forge a MAC), with the
 * TSIG error and time offset of bytes 2-3; else the rest is the reply as
 * sent, with the request's ID put in.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dnsupdate/dnsupdate_impl.h"
#include "dnsupdate/tsigkey.h"
#include "t/fuzz/fuzz.h"

static const char *const key_texts[] = {
	"key \"fa-key.\" { algorithm hmac-md5; secret \"c2VjcmV0c2VjcmV0MTIzNA==\"; };",
	"key \"fa-key.\" { algorithm hmac-sha1; secret \"c2VjcmV0c2VjcmV0MTIzNA==\"; };",
	"key \"fa-key.\" { algorithm hmac-sha224; secret \"c2VjcmV0c2VjcmV0MTIzNA==\"; };",
	"key \"fa-key.\" { algorithm hmac-sha256; secret \"c2VjcmV0c2VjcmV0MTIzNA==\"; };",
	"key \"fa-key.\" { algorithm hmac-sha384; secret \"c2VjcmV0c2VjcmV0MTIzNA==\"; };",
	"key \"fa-key.\" { algorithm hmac-sha512; secret \"c2VjcmV0c2VjcmV0MTIzNA==\"; };",
};
#define NKEYS	(sizeof(key_texts) / sizeof(key_texts[0]))

static struct tsig_key	*keys[NKEYS];
static ldns_pkt		*requests[NKEYS];

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char	err[256];
	size_t	i;

	(void)argc;
	(void)argv;
	for (i = 0; i < NKEYS; i++) {
		if (tsig_key_parse(key_texts[i], "fuzz", &keys[i], err,
		    sizeof(err)) == -1 ||
		    (requests[i] = rfc2136_canary_build("example.com.")) ==
		    NULL)
			abort();
		ldns_pkt_set_id(requests[i], 0x1234);
		if (tsig_sign(requests[i], keys[i], TSIG_FUDGE, NULL) !=
		    LDNS_STATUS_OK)
			abort();
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct tsig_key	*key;
	const ldns_pkt		*req;
	ldns_pkt		*p = NULL, *reply = NULL;
	ldns_rr			*old;
	uint8_t			*wire = NULL;
	size_t			 len = 0;
	int64_t			 now = (int64_t)time(NULL);
	char			 msg[1024];

	if (keys[0] == NULL)
		LLVMFuzzerInitialize(NULL, NULL);
	if (size < 4)
		return 0;
	key = keys[(data[0] >> 1) % NKEYS];
	req = requests[(data[0] >> 1) % NKEYS];
	if (data[0] & 1) {
		if (dns_wire2pkt(&p, data + 4, size - 4) != LDNS_STATUS_OK)
			return 0;
		ldns_pkt_set_id(p, ldns_pkt_id(req));
		if ((old = ldns_pkt_tsig(p)) != NULL) {
			ldns_pkt_set_tsig(p, NULL);
			ldns_rr_free(old);
		}
		/* Other data: the server's clock, for BADTIME. */
		if (tsig_sign_full(p, key, TSIG_FUDGE,
		    ldns_rr_rdf(ldns_pkt_tsig(req), 3),
		    (uint64_t)(now + (int8_t)data[3] * 10), data[1],
		    data[2] & 1 ? (const uint8_t *)"\0\0\x60\0\0\0" : NULL,
		    data[2] & 1 ? 6 : 0) != LDNS_STATUS_OK ||
		    ldns_pkt2wire(&wire, p, &len) != LDNS_STATUS_OK) {
			ldns_pkt_free(p);
			free(wire);
			return 0;
		}
		ldns_pkt_free(p);
	} else {
		len = size - 4;
		if ((wire = malloc(len ? len : 1)) == NULL)
			abort();
		memcpy(wire, data + 4, len);
		if (len >= 2) {
			wire[0] = 0x12;
			wire[1] = 0x34;
		}
	}
	(void)rfc2136_reply_check(key, req, wire, len, now, "example.com",
	    "127.0.0.1#53", &reply, msg, sizeof(msg));
	ldns_pkt_free(reply);
	free(wire);
	return 0;
}
