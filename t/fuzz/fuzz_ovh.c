/*
 * fuzz_ovh.c: the OVH API's answers (/auth/time, record ids, records, refresh).
 * The whole method runs (dnsupdate/method/ovh.c) with the network replaced (see
 * fuzz.h): its re-check over DNS reads what the plan read, and the
 * provider's HTTP answers are the input (chunks: 2-byte length, 2-byte
 * status, body).  A first byte 'p' runs config-test's probe instead of an
 * update.
 */
/* Included for its process-wide clock offset, reset before each run. */
#include "dnsupdate/method/ovh.c"
#include "t/fuzz/fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	bool probe = size > 0 && data[0] == 'p';

	ovh_delta_forget();	/* every run asks /auth/time */
	fuzz_provider_run("ovh",
	    "[ovh]\n"
	    "endpoint = https://127.0.0.1:8443/1.0\n"
	    "application_key_file = @DIR@/secret\n"
	    "application_secret_file = @DIR@/secret\n"
	    "consumer_key_file = @DIR@/secret\n",
	    data + (size > 0), size - (size > 0), probe);
	return 0;
}
