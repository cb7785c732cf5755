/*
 * cmd_cycle.c: the commands that run a cycle: check, failover, failback.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "log.h"
#include "util.h"

/* Load with config_load_flags(flags); diagnostics to stderr. */
static int
cmd_config_load_flags(const struct cmd_ctx *ctx, unsigned flags,
    struct config **out)
{
	struct diag_list	 diags;
	size_t			 i;
	int			 rc;

	memset(&diags, 0, sizeof(diags));
	rc = config_load_flags(ctx->config_path, flags, out, &diags);
	for (i = 0; i < diags.n; i++)
		if (diags.items[i].is_error || ctx->verbosity > 0)
			fprintf(stderr, "%s\n", diags.items[i].msg);
	diag_clear(&diags);
	return rc == 0 ? 0 : FA_EXIT_CONFIG;
}

int
cmd_config_load(const struct cmd_ctx *ctx, struct config **out)
{
	return cmd_config_load_flags(ctx, 0, out);
}

int
cmd_config_load_public(const struct cmd_ctx *ctx, struct config **out)
{
	return cmd_config_load_flags(ctx, CONFIG_LOAD_NO_SECRETS, out);
}

static int
cmd_backup_config(const struct cmd_ctx *ctx, struct config **cfg)
{
	int	rc;

	if ((rc = cmd_config_load(ctx, cfg)) != 0)
		return rc;
	if ((*cfg)->agent.role != ROLE_BACKUP) {
		fprintf(stderr, "failover-agent: %s: this command needs role = "
		    "backup (this is a %s)\n", ctx->config_path,
		    site_role_str((*cfg)->agent.role));
		config_free(*cfg);
		*cfg = NULL;
		return FA_EXIT_CONFIG;
	}
	return 0;
}

int
cmd_check(const struct cmd_ctx *ctx, int argc, char **argv)
{
	struct config	*cfg;
	int		 rc;

	(void)argv;
	if (argc != 1) {
		fprintf(stderr, "usage: failover-agent check\n");
		return FA_EXIT_CONFIG;
	}
	if ((rc = cmd_backup_config(ctx, &cfg)) != 0)
		return rc;
	rc = cycle_execute(cfg, REQUEST_CYCLE, false, false);
	config_free(cfg);
	return rc;
}

static int
cmd_manual(const struct cmd_ctx *ctx, int argc, char **argv,
    enum decide_request request)
{
	static const struct option longopts[] = {
		{ "force", no_argument, NULL, 'f' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 }
	};
	struct config	*cfg;
	bool		 force = false, dry_run = false;
	int		 ch, rc;

	while ((ch = getopt_long(argc, argv, "fn", longopts, NULL)) != -1) {
		switch (ch) {
		case 'f':
			force = true;
			break;
		case 'n':
			dry_run = true;
			break;
		default:
			goto usage;
		}
	}
	if (optind != argc)
		goto usage;
	if ((rc = cmd_backup_config(ctx, &cfg)) != 0)
		return rc;
	rc = cycle_execute(cfg, request, force, dry_run);
	config_free(cfg);
	return rc;
usage:
	fprintf(stderr, "usage: failover-agent %s [--force] [--dry-run]\n",
	    argv[0]);
	return FA_EXIT_CONFIG;
}

int
cmd_failover(const struct cmd_ctx *ctx, int argc, char **argv)
{
	return cmd_manual(ctx, argc, argv, REQUEST_FAILOVER);
}

int
cmd_failback(const struct cmd_ctx *ctx, int argc, char **argv)
{
	return cmd_manual(ctx, argc, argv, REQUEST_FAILBACK);
}
