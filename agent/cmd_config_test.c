/*
 * cmd_config_test.c: config-test (SPEC §2): parse the config, check the
 * files, keys and permissions, and prove the DNS server takes our key.
 * Problems are printed as FILE:LINE: message; "configuration OK" when none.
 */
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "util.h"
#include "dnsupdate/dnsupdate.h"

static void
diags_print(const struct diag_list *d)
{
	size_t	i;

	for (i = 0; i < d->n; i++)
		fprintf(stderr, "%s\n", d->items[i].msg);
}

int
cmd_config_test(const struct cmd_ctx *ctx, int argc, char **argv)
{
	struct diag_list	 diags;
	struct config		*cfg = NULL;
	int			 rc;

	(void)argv;
	if (argc != 1) {
		fprintf(stderr, "usage: failover-agent config-test\n");
		return FA_EXIT_CONFIG;
	}
	memset(&diags, 0, sizeof(diags));
	if (config_load(ctx->config_path, &cfg, &diags) == -1) {
		diags_print(&diags);
		rc = FA_EXIT_CONFIG;
		goto done;
	}
	/* A key the server does not take is a config error too. */
	if (cfg->agent.role == ROLE_BACKUP &&
	    dnsupdate_probe(cfg, &diags) == -1) {
		diags_print(&diags);
		rc = FA_EXIT_CONFIG;
		goto done;
	}
	diags_print(&diags);	/* warnings */
	printf("configuration OK\n");
	rc = FA_EXIT_OK;
done:
	diag_clear(&diags);
	config_free(cfg);
	return rc;
}
