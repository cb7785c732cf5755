/*
 * cmd_config_test.c: config-test (SPEC §2): parse the config, check the
 * files, keys and permissions, prove the DNS server takes our key, load the
 * vote secret, and say which spares answer.  Problems are printed as
 * FILE:LINE: message; "configuration OK" when none.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "util.h"
#include "dnsupdate/dnsupdate.h"
#include "quorum/quorum.h"

static void
diags_print(const struct diag_list *d)
{
	size_t	i;

	for (i = 0; i < d->n; i++)
		fprintf(stderr, "%s\n", d->items[i].msg);
}

/*
 * The shared secret loads the way check and vote-server will load it (one
 * line, long enough): config_load() saw only its mode.  The secret is
 * wiped at once.  Returns 0, or -1 with the problem in diags.
 */
static int
config_test_secret(const struct config *cfg, struct diag_list *diags)
{
	struct vote_secret	*secret = NULL;
	char			 err[512];

	if (!cfg->has_quorum || cfg->quorum.secret_file == NULL)
		return 0;
	if (vote_secret_load(cfg->quorum.secret_file, &secret, err,
	    sizeof(err)) == -1) {
		diag_add(diags, true, "%s:%d: [quorum] secret_file: %s",
		    cfg->path, cfg->quorum.line, err);
		return -1;
	}
	vote_secret_free(secret);
	return 0;
}

/*
 * Which spares answer GET /v1/health right now (no secret involved).  One
 * that does not is a warning, not an error: it may be down today, and the
 * quorum is there for exactly that.
 */
static void
config_test_spares(const struct config *cfg)
{
	struct vote_spare	*spares;
	struct vote_result	*res;
	size_t			 i, n = cfg->nspares;

	if (!cfg->has_quorum || n == 0)
		return;
	spares = util_xcalloc(n, sizeof(*spares));
	res = util_xcalloc(n, sizeof(*res));
	for (i = 0; i < n; i++) {
		spares[i].name = cfg->spares[i].name;
		spares[i].url = cfg->spares[i].url;
	}
	(void)vote_client_health(spares, n, cfg->quorum.timeout_ms, res);
	for (i = 0; i < n; i++) {
		if (res[i].reason == VOTE_VALID)
			printf("spare %s (%s): answers\n", spares[i].name,
			    spares[i].url);
		else
			fprintf(stderr, "spare %s (%s): no answer: %s%s%s\n",
			    spares[i].name, spares[i].url,
			    vote_reason_str(res[i].reason),
			    res[i].detail[0] ? ": " : "", res[i].detail);
	}
	free(res);
	free(spares);
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
	if ((cfg->agent.role == ROLE_BACKUP &&
	    dnsupdate_probe(cfg, &diags) == -1) ||
	    config_test_secret(cfg, &diags) == -1) {
		diags_print(&diags);
		rc = FA_EXIT_CONFIG;
		goto done;
	}
	diags_print(&diags);	/* warnings */
	if (cfg->agent.role == ROLE_BACKUP)
		config_test_spares(cfg);
	printf("configuration OK\n");
	rc = FA_EXIT_OK;
done:
	diag_clear(&diags);
	config_free(cfg);
	return rc;
}
