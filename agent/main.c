/*
 * main.c: global options and the table of subcommands (failover-agent(8),
 * COMMANDS).
 */
#include <sys/prctl.h>

#include <curl/curl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/cmd.h"
#include "agent/core/confdesc.h"
#include "agent/lib/log.h"
#include "agent/lib/util.h"

#ifndef FA_VERSION
#define FA_VERSION	"0.1"
#endif

struct command {
	const char	*name;
	int		(*fn)(const struct cmd_ctx *, int, char **);
	const char	*usage;
	bool		 secrets;	/* reads a key: no core dump, no ptrace */
};

static const struct command commands[] = {
	{ "check", cmd_check, "check                 one cycle (for cron)", true },
	{ "run", cmd_run, "run                   a cycle every [agent] interval until SIGTERM (a service)", true },
	{ "status", cmd_status, "status [--all] [--json | --nagios]  this site's state, the primary, the records; --all: every instance", false },
	{ "history", cmd_history, "history [-n N] [--since WHEN] [--outcome NAME[,NAME]] [--json]  the last cycles", false },
	{ "failover", cmd_failover, "failover [--force] [--dry-run]  fail over now", true },
	{ "failback", cmd_failback, "failback [--force] [--dry-run]  fail back now", true },
	{ "config-test", cmd_config_test, "config-test           check the config, keys and the DNS server", true },
	{ "vote-server", cmd_vote_server, "vote-server           answer the backup's votes (role = spare), until SIGTERM", true },
};

static void __attribute__((noreturn))
usage(int code)
{
	FILE	*f = code == 0 ? stdout : stderr;
	size_t	 i;

	fprintf(f, "usage: failover-agent [-c FILE] [-v|-q] COMMAND [OPTIONS]\n");
	for (i = 0; i < FA_ARRAY_SIZE(commands); i++)
		fprintf(f, "  %s\n", commands[i].usage);
	fprintf(f, "config: -c FILE, else $%s, else %s\n", CFG_ENV_PATH,
	    CFG_DEFAULT_PATH);
	exit(code);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct cmd_ctx	 ctx;
	const char	*config = NULL;
	char		 cmdline[PATH_MAX + 64];
	size_t		 i;
	int		 ch, rc;

	memset(&ctx, 0, sizeof(ctx));
	/* '+': stop at the command, its options are its own. */
	while ((ch = getopt_long(argc, argv, "+c:vqhV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			config = optarg;
			break;
		case 'v':
			ctx.verbosity = 1;
			break;
		case 'q':
			ctx.verbosity = -1;
			break;
		case 'h':
			usage(0);
		case 'V':
			printf("failover-agent %s\n", FA_VERSION);
			return 0;
		default:
			usage(FA_EXIT_CONFIG);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		usage(FA_EXIT_CONFIG);
	/*
	 * Hidden (not in the usage): every section and key of the descriptor
	 * tables, for the documentation test (t/89-packaging.t).
	 */
	if (strcmp(argv[0], "config-keys") == 0) {
		config_keys_print(stdout);
		return fflush(stdout) == 0 ? 0 : 1;
	}

	log_init(LOG_TARGET_AUTO, ctx.verbosity);
	ctx.config_path = config_default_path(config);
	for (i = 0; i < FA_ARRAY_SIZE(commands); i++)
		if (strcmp(argv[0], commands[i].name) == 0)
			break;
	if (i == FA_ARRAY_SIZE(commands)) {
		fprintf(stderr, "failover-agent: unknown command '%s'\n",
		    argv[0]);
		usage(FA_EXIT_CONFIG);
	}
	/*
	 * Before any secret is read: a core file or a debugger attached by
	 * the same user would show the keys (and every copy is wiped after
	 * use, but a crash can come first).  Not dumpable also makes
	 * /proc/PID/ (mem, environ) root's.
	 */
	if (commands[i].secrets && prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == -1)
		fatal("prctl(PR_SET_DUMPABLE)");
	snprintf(cmdline, sizeof(cmdline), "failover-agent%s%s %s",
	    config != NULL ? " -c " : "", config != NULL ? config : "",
	    commands[i].name);
	util_command_set(cmdline);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		fatalx("libcurl failed to initialise");
	optind = 0;	/* glibc: reset getopt for the command's options */
	rc = commands[i].fn(&ctx, argc, argv);
	curl_global_cleanup();
	return rc;
}
