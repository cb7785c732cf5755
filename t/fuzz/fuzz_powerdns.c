/*
 * fuzz_powerdns.c: the PowerDNS API's answers (a zone's JSON, errors).
 * The whole method runs (dnsupdate/method/powerdns.c) with the network replaced (see
 * fuzz.h): its re-check over DNS reads what the plan read, and the
 * provider's HTTP answers are the input (chunks: 2-byte length, 2-byte
 * status, body).  A first byte 'p' runs config-test's probe instead of an
 * update.
 */
#include "t/fuzz/fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	bool probe = size > 0 && data[0] == 'p';

	fuzz_provider_run("powerdns",
	    "[powerdns]\n"
	    "url = http://127.0.0.1:8081/api/v1/servers/localhost\n"
	    "api_key_file = @DIR@/secret\n",
	    data + (size > 0), size - (size > 0), probe);
	return 0;
}
