/*
 * cmd_cycle.c: the commands that run a cycle: check, failover, failback.
 */
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "agent/cmd.h"
#include "agent/lib/log.h"
#include "agent/lib/spawn.h"
#include "agent/lib/util.h"

/*
 * failover-agent(8), SIGNALS: check, failover and failback hold SIGTERM, SIGINT
 * and SIGHUP
 * until the cycle under way has finished and been recorded (every step of
 * it is bounded), then exit as usual: a stop or a reboot never leaves a move
 * half done and unrecorded.  The signals are blocked in every thread and
 * taken by one thread with sigwait().  A second SIGINT from a terminal
 * (a person pressing Ctrl-C again) aborts at once: the running hook's
 * process group is ended with us, and the move's intent stays open for the
 * next cycle to reconcile.
 */
static sigset_t	cmd_held;

static void *
cmd_signal_thread(void *arg)
{
	bool	tty = isatty(STDIN_FILENO) == 1;
	int	sig, n = 0;

	(void)arg;
	for (;;) {
		if (sigwait(&cmd_held, &sig) != 0)
			continue;
		if (++n > 1 && sig == SIGINT && tty) {
			log_warnx("interrupted again: stopping now; a move under"
			    " way stays open and the next cycle reconciles it"
			    " from DNS");
			spawn_abort();
			_exit(130);
		}
		if (n == 1)
			log_warnx("%s: finishing the cycle under way first%s",
			    strsignal(sig), tty ? " (Ctrl-C again to abort"
			    " at once)" : "");
	}
	return NULL;
}

/* Block the stop signals here and in every thread started after. */
static void
cmd_hold_signals(void)
{
	pthread_t	tid;

	sigemptyset(&cmd_held);
	sigaddset(&cmd_held, SIGTERM);
	sigaddset(&cmd_held, SIGINT);
	sigaddset(&cmd_held, SIGHUP);
	if (pthread_sigmask(SIG_BLOCK, &cmd_held, NULL) != 0)
		return;
	if (pthread_create(&tid, NULL, cmd_signal_thread, NULL) == 0)
		pthread_detach(tid);
}

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
	cmd_hold_signals();
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
	if (!dry_run)
		cmd_hold_signals();
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
