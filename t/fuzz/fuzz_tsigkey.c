/*
 * fuzz_tsigkey.c: a BIND key file (dnsupdate/tsigkey.c), as tsig_key_load()
 * parses it once read; a key that parses is then used to sign a query, the
 * way rfc2136.c uses it, and must sign it (abort() otherwise: a key that
 * loads but cannot sign would fail only at failover time).
 */
#include <stdlib.h>

#include "dnsupdate/tsigkey.h"
#include "t/fuzz/fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tsig_key	*key = NULL;
	ldns_pkt	*q;
	char		*text, err[512];

	text = fuzz_strndup(data, size);
	if (tsig_key_parse(text, "fuzz.key", &key, err, sizeof(err)) == 0) {
		(void)tsig_key_wire_algorithm(key);
		(void)tsig_key_ldns_native(key);
		q = ldns_pkt_query_new(ldns_dname_new_frm_str("example.com."),
		    LDNS_RR_TYPE_SOA, LDNS_RR_CLASS_IN, 0);
		/* A key that loads must sign: else the update fails late. */
		if (q != NULL && tsig_sign(q, key, 300, NULL) != LDNS_STATUS_OK)
			abort();
		ldns_pkt_free(q);
	}
	tsig_key_free(key);
	free(text);
	return 0;
}
