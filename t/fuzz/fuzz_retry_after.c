/*
 * fuzz_retry_after.c: an answer's header lines as libcurl hands them to
 * http_request()'s header callback (one line per call, CRLF included, no
 * NUL), read by http_header_retry_after() for Retry-After.  Each line is
 * passed in a buffer of exactly its size, so an over-read is caught.
 */
#include <stdlib.h>
#include <string.h>

#include "agent/lib/http.h"
#include "t/fuzz/fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t	*p = data, *nl;
	size_t		 n;
	char		*line;
	long		 ra = -1;

	while (p < data + size) {
		nl = memchr(p, '\n', (size_t)(data + size - p));
		n = nl != NULL ? (size_t)(nl - p) + 1 : (size_t)(data + size - p);
		if ((line = malloc(n ? n : 1)) == NULL)
			abort();
		memcpy(line, p, n);
		http_header_retry_after(line, n, &ra);
		free(line);
		if (ra < -1 || ra > 86400)
			abort();	/* the contract: -1, or 0..86400 */
		p += n;
	}
	return 0;
}
