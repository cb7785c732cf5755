/*
 * fuzz_config.c: the whole configuration file through config_load(): the
 * INI reader, every section's keys, validation, the [http] templates.  The
 * input is written to a memfd and loaded as /proc/self/fd/N (a regular
 * file, no disk).  Paths it names (key files, state_db) are only checked
 * by the loader, never read or written.
 */
#include <sys/mman.h>

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "agent/core/config.h"
#include "agent/lib/log.h"
#include "t/fuzz/fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config		*cfg = NULL;
	struct diag_list	 diags = { 0 };
	char			 path[64];
	int			 fd;

	if ((fd = memfd_create("fuzz.conf", MFD_CLOEXEC)) == -1)
		abort();
	if (size > 0 && write(fd, data, size) != (ssize_t)size)
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if (config_load(path, &cfg, &diags) == 0)
		config_free(cfg);
	diag_clear(&diags);
	close(fd);
	return 0;
}
