/*
 * fuzz_httptmpl.c: the http method's answers as its success rule reads
 * them (success_status, then success_json_pointer and success_json_value,
 * dnsupdate/method/httptmpl.c), one PATCH per zone built from the templates.
 * The whole method runs with the network replaced (see fuzz.h): its
 * re-check over DNS reads what the plan read, and the HTTP answers are the
 * input (chunks: 2-byte length, 2-byte status, body).  A first byte 'p'
 * runs config-test's probe (test_url) instead of an update.
 */
#include "t/fuzz/fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	bool probe = size > 0 && data[0] == 'p';

	fuzz_provider_run("http",
	    "[http]\n"
	    "method = PATCH\n"
	    "per = zone\n"
	    "url = https://127.0.0.1:8443/api/v1/domains/{zone}/rrsets/\n"
	    "header = Authorization: Token {secret}\n"
	    "body = {records}\n"
	    "record = {\"subname\": \"{subname}\", \"type\": \"{type}\", "
	    "\"ttl\": {ttl}, \"records\": {addresses}}\n"
	    "success_status = 200, 201\n"
	    "success_json_pointer = /0/ttl\n"
	    "success_json_value = 60\n"
	    "secret_file = @DIR@/secret\n"
	    "test_url = https://127.0.0.1:8443/api/v1/auth/account/\n",
	    data + (size > 0), size - (size > 0), probe);
	return 0;
}
