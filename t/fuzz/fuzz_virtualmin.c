/*
 * fuzz_virtualmin.c: Virtualmin remote.cgi's answers (JSON or text, exit status).
 * The whole method runs (dnsupdate/method/virtualmin.c) with the network replaced (see
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

	fuzz_provider_run("virtualmin",
	    "[virtualmin]\n"
	    "url = https://127.0.0.1:10000/virtual-server/remote.cgi\n"
	    "user = root\n"
	    "password_file = @DIR@/secret\n",
	    data + (size > 0), size - (size > 0), probe);
	return 0;
}
