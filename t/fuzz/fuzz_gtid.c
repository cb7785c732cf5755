/*
 * fuzz_gtid.c: GTID sets as the databases print them (agent/mysql/gtid.c).  The
 * input is two sets separated by the first '|' (the primary's and the
 * backup's); each is parsed, and when both parse they are merged,
 * subtracted and printed, as the failback check does.
 */
#include <stdlib.h>
#include <string.h>

#include "agent/mysql/gtid.h"
#include "t/fuzz/fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gtid_set	*a = NULL, *b = NULL, *d = NULL;
	char		*text, *bar, err[256], buf[512];

	text = fuzz_strndup(data, size);
	if ((bar = strchr(text, '|')) != NULL)
		*bar++ = '\0';
	if (gtid_set_parse(text, &a, err, sizeof(err)) == 0) {
		gtid_set_format(a, buf, sizeof(buf));
		gtid_set_format(a, buf, 8);
		(void)gtid_set_is_empty(a);
		(void)gtid_set_flavor(a);
	}
	if (bar != NULL && a != NULL &&
	    gtid_set_parse(bar, &b, err, sizeof(err)) == 0) {
		if (gtid_set_subtract(a, b, &d, err, sizeof(err)) == 0) {
			gtid_set_format(d, buf, sizeof(buf));
			gtid_set_free(d);
			d = NULL;
		}
		if (gtid_set_subtract(b, a, &d, err, sizeof(err)) == 0)
			gtid_set_format(d, buf, sizeof(buf));
		if (gtid_set_merge(a, b, err, sizeof(err)) == 0)
			gtid_set_format(a, buf, sizeof(buf));
	}
	gtid_set_free(a);
	gtid_set_free(b);
	gtid_set_free(d);
	free(text);
	return 0;
}
