/*
 * fuzz_vote_response.c: a spare's answer as the backup's client sees it
 * (vote_response_verify(): the X-FA-Signature header and the body).  The
 * input is the header's value, a new line, then the body.  A first byte
 * 's' asks the harness to sign the body itself (the fuzzer cannot forge an
 * HMAC), so the JSON checks behind the signature are reached too.
 */
#include <stdlib.h>
#include <string.h>

#include "quorum/quorum.h"
#include "t/fuzz/fuzz.h"

static const char fuzz_secret[] = "0123456789abcdef0123456789abcdef";

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vote_secret	*sec;
	struct vote_request	 req;
	struct vote		 v;
	char			*text, *nl, *sig, *body, mac[VOTE_MAC_HEX_LEN + 1];
	char			 detail[256];
	size_t			 bodylen;
	bool			 sign;

	sign = size > 0 && data[0] == 's';
	text = fuzz_strndup(data, size);
	sig = text + (sign ? 1 : 0);
	if ((nl = memchr(text, '\n', size)) != NULL) {
		*nl = '\0';
		body = nl + 1;
		bodylen = size - (size_t)(body - text);
	} else {
		body = text + size;
		bodylen = 0;
	}
	if ((sec = vote_secret_new(fuzz_secret, sizeof(fuzz_secret) - 1)) ==
	    NULL)
		abort();
	/* The nonce and time of the seeds: they are what a real answer has. */
	if (vote_request_build(sec, "backup1", 1767225600,
	    "00112233445566778899aabbccddeeff", &req) == -1)
		abort();
	if (sign) {
		if (vote_mac_hex(sec, body, bodylen, mac) == -1)
			abort();
		sig = mac;
	}
	(void)vote_response_verify(sec, &req, nl != NULL ? sig : NULL, body,
	    bodylen, &v, detail, sizeof(detail));
	vote_secret_free(sec);
	free(text);
	return 0;
}
