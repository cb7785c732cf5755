/*
 * cmd_status_all.c: `status --all` (issue 14): one line per instance for a
 * backup host that watches several primaries, one config each in the
 * directory of the config file (/etc/failover-agent/NAME.conf, the
 * template units' instances).  Reads each config and its state database
 * only, as `status` does: no probe, no secret.
 */
#include <dirent.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/cmd.h"
#include "agent/lib/log.h"
#include "agent/lib/util.h"
#include "state/state.h"

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The *.conf files of dir, sorted; *n of them in a fresh array. */
static char **
status_all_configs(const char *dir, size_t *n)
{
	DIR		*d;
	struct dirent	*e;
	char		**v = NULL;
	size_t		 len, cap = 0;

	*n = 0;
	if ((d = opendir(dir)) == NULL)
		return NULL;
	while ((e = readdir(d)) != NULL) {
		len = strlen(e->d_name);
		if (len <= 5 || e->d_name[0] == '.' ||
		    strcmp(e->d_name + len - 5, ".conf") != 0)
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			v = util_xreallocarray(v, cap, sizeof(*v));
		}
		v[(*n)++] = util_xstrdup(e->d_name);
	}
	closedir(d);
	if (*n > 0)
		qsort(v, *n, sizeof(*v), name_cmp);
	return v;
}

/* One instance: its config, and its status or why there is none. */
struct instance {
	char			 name[256];	/* the file, less ".conf" */
	char			 config[4096];
	const char		*role;		/* NULL: config not loaded */
	char			 error[512];	/* "": none */
	bool			 has_status;	/* false: no state_db */
	struct site_status	 st;
};

/* Read one instance's config and its status, as `status` does. */
static void
status_all_one(const char *dir, const char *file, struct instance *in)
{
	struct diag_list	 diags;
	struct config		*cfg = NULL;
	struct state_db		*db = NULL;

	memset(in, 0, sizeof(*in));
	state_status_empty(&in->st);
	snprintf(in->name, sizeof(in->name), "%.*s", (int)(strlen(file) - 5),
	    file);
	snprintf(in->config, sizeof(in->config), "%s/%s", dir, file);
	memset(&diags, 0, sizeof(diags));
	if (config_load_flags(in->config, CONFIG_LOAD_NO_SECRETS, &cfg,
	    &diags) == -1) {
		snprintf(in->error, sizeof(in->error), "%s", diags.n > 0 ?
		    diags.items[0].msg : "configuration error");
		goto done;
	}
	in->role = site_role_str(cfg->agent.role);
	if (cfg->agent.state_db == NULL)
		goto done;
	if (state_open(cfg->agent.state_db, true, &db, in->error,
	    sizeof(in->error)) == -1 ||
	    state_status_load(db, 0, &in->st, in->error,
	    sizeof(in->error)) == -1) {
		if (in->error[0] == '\0')
			snprintf(in->error, sizeof(in->error), "cannot read "
			    "the state database");
		goto done;
	}
	in->has_status = true;
done:
	if (db != NULL)
		state_close(db);
	config_free(cfg);
	diag_clear(&diags);
}

/*
 * One instance as JSON: instance, config, and role, state, state_since,
 * primary_status and last_cycle as status --json shows them, or error.
 */
static json_t *
status_all_json(const struct instance *in)
{
	json_t	*o, *st;

	o = json_pack("{s:s, s:s}", "instance", in->name, "config",
	    in->config);
	if (o == NULL)
		return NULL;
	if (in->role != NULL)
		json_object_set_new(o, "role", json_string(in->role));
	if (in->error[0] != '\0')
		json_object_set_new(o, "error", json_string(in->error));
	if (!in->has_status)
		return o;
	if ((st = state_status_to_json(&in->st)) == NULL) {
		json_decref(o);
		return NULL;
	}
	json_object_set(o, "state", json_object_get(st, "state"));
	json_object_set(o, "state_since", json_object_get(st, "state_since"));
	json_object_set(o, "primary_status",
	    json_object_get(st, "primary_status"));
	json_object_set(o, "last_cycle", json_object_get(st, "last_cycle"));
	json_decref(st);
	return o;
}

static void
status_all_print(const struct instance *in)
{
	const struct site_status	*st = &in->st;
	char				 when[64];

	if (in->error[0] != '\0') {
		printf("%-16s %s\n", in->name, in->error);
		return;
	}
	if (!in->has_status) {
		printf("%-16s %s (no state database)\n", in->name, in->role);
		return;
	}
	when[0] = '\0';
	if (st->has_last_cycle)
		util_time_format(st->last_cycle.started_at, when,
		    sizeof(when));
	printf("%-16s %-8s primary %-8s last cycle %s %s\n", in->name,
	    site_state_str(st->state), primary_status_str(st->primary_status),
	    st->has_last_cycle ? cycle_outcome_str(st->last_cycle.outcome) :
	    "none", when);
}

int
cmd_status_all(const struct cmd_ctx *ctx, bool as_json)
{
	struct instance	 in;
	char		*copy, *dir, **files;
	json_t		*arr;
	size_t		 i, n;
	int		 rc = FA_EXIT_OK;

	copy = util_xstrdup(ctx->config_path);
	dir = dirname(copy);
	if ((files = status_all_configs(dir, &n)) == NULL && n == 0) {
		fprintf(stderr, "failover-agent: no *.conf in %s\n", dir);
		free(copy);
		return FA_EXIT_CONFIG;
	}
	if ((arr = json_array()) == NULL)
		fatalx("out of memory");
	for (i = 0; i < n; i++) {
		status_all_one(dir, files[i], &in);
		if (in.error[0] != '\0')
			rc = FA_EXIT_RUNTIME;
		if (as_json) {
			if (json_array_append_new(arr,
			    status_all_json(&in)) == -1)
				fatalx("out of memory");
		} else
			status_all_print(&in);
		state_status_free(&in.st);
		free(files[i]);
	}
	free(files);
	if (as_json)
		cmd_json_print(arr);
	json_decref(arr);
	free(copy);
	return rc;
}
