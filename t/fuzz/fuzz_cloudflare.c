/*
 * fuzz_cloudflare.c: Cloudflare API v4's answers (the envelope, errors[], zones, records, the batch).
 * The whole method runs (dnsupdate/method/cloudflare.c) with the network replaced (see
 * fuzz.h): its re-check over DNS reads what the plan read, and the
 * provider's HTTP answers are the input (chunks: 2-byte length, 2-byte
 * status, body).  A first byte 'p' runs config-test's probe instead of an
 * update.
 */
/* Included for its process-wide zone id cache, reset before each run. */
#include "dnsupdate/method/cloudflare.c"
#include "t/fuzz/fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	bool probe = size > 0 && data[0] == 'p';

	cf_nzones = 0;	/* the zone id cache: every run looks it up */
	fuzz_provider_run("cloudflare",
	    "[cloudflare]\n"
	    "api_url = https://127.0.0.1:8443/client/v4\n"
	    "api_token_file = @DIR@/secret\n",
	    data + (size > 0), size - (size > 0), probe);
	return 0;
}
