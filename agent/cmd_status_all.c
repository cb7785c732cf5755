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

/* One instance as a JSON object: its name, role, and status or error. */
static json_t *
status_all_one(const char *dir, const char *file)
{
	struct diag_list	 diags;
	struct config		*cfg = NULL;
	struct state_db		*db = NULL;
	json_t			*o, *st = NULL;
	char			 path[4096], err[512];
	size_t			 len = strlen(file) - 5;

	o = json_pack("{s:s%, s:s}", "instance", file, len, "config", "");
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	json_object_set_new(o, "config", json_string(path));
	memset(&diags, 0, sizeof(diags));
	if (config_load_flags(path, CONFIG_LOAD_NO_SECRETS, &cfg,
	    &diags) == -1) {
		json_object_set_new(o, "error", json_string(diags.n > 0 ?
		    diags.items[0].msg : "configuration error"));
		goto done;
	}
	json_object_set_new(o, "role", json_string(
	    site_role_str(cfg->agent.role)));
	if (cfg->agent.state_db == NULL)
		goto done;
	if (state_open(cfg->agent.state_db, true, &db, err,
	    sizeof(err)) == -1 ||
	    (st = state_status_json(db, 0, err, sizeof(err))) == NULL) {
		json_object_set_new(o, "error", json_string(err));
		goto done;
	}
	json_object_set(o, "state", json_object_get(st, "state"));
	json_object_set(o, "state_since", json_object_get(st, "state_since"));
	json_object_set(o, "primary_status",
	    json_object_get(st, "primary_status"));
	json_object_set(o, "last_cycle", json_object_get(st, "last_cycle"));
done:
	json_decref(st);
	if (db != NULL)
		state_close(db);
	config_free(cfg);
	diag_clear(&diags);
	return o;
}

static void
status_all_print(const json_t *o)
{
	const json_t	*lc = json_object_get(o, "last_cycle");
	char		 when[64];

	if (json_object_get(o, "error") != NULL) {
		printf("%-16s %s\n", json_string_value(json_object_get(o,
		    "instance")), json_string_value(json_object_get(o,
		    "error")));
		return;
	}
	if (json_object_get(o, "state") == NULL) {
		printf("%-16s %s (no state database)\n",
		    json_string_value(json_object_get(o, "instance")),
		    json_string_value(json_object_get(o, "role")));
		return;
	}
	when[0] = '\0';
	if (json_is_object(lc))
		util_time_format(json_integer_value(json_object_get(lc,
		    "started_at")), when, sizeof(when));
	printf("%-16s %-8s primary %-8s last cycle %s %s\n",
	    json_string_value(json_object_get(o, "instance")),
	    json_string_value(json_object_get(o, "state")),
	    json_string_value(json_object_get(o, "primary_status")),
	    json_is_object(lc) ? json_string_value(json_object_get(lc,
	    "outcome")) : "none", when);
}

int
cmd_status_all(const struct cmd_ctx *ctx, bool as_json)
{
	char	*copy, *dir, **files;
	json_t	*arr;
	size_t	 i, n;
	int	 rc = FA_EXIT_OK;

	copy = util_xstrdup(ctx->config_path);
	dir = dirname(copy);
	if ((files = status_all_configs(dir, &n)) == NULL && n == 0) {
		fprintf(stderr, "failover-agent: no *.conf in %s\n", dir);
		free(copy);
		return FA_EXIT_CONFIG;
	}
	arr = json_array();
	for (i = 0; i < n; i++) {
		json_t *o = status_all_one(dir, files[i]);

		if (json_object_get(o, "error") != NULL)
			rc = FA_EXIT_RUNTIME;
		json_array_append_new(arr, o);
		free(files[i]);
	}
	free(files);
	if (as_json) {
		json_dumpf(arr, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
		printf("\n");
	} else
		for (i = 0; i < json_array_size(arr); i++)
			status_all_print(json_array_get(arr, i));
	json_decref(arr);
	free(copy);
	return rc;
}
