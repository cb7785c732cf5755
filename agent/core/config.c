/*
 * config.c: load and validate the INI configuration of SPEC §3 (see config.h).
 *
 * Two passes.  The first reads the file with libinih and collects sections
 * and "key = value" entries, each with its line number.  The second checks
 * every section and fills struct config.  Every problem is collected with its
 * line, sorted by line, and appended to the caller's diag list as
 * "FILE:LINE: message" (or "FILE: message" for what is missing as a whole),
 * so one run of config-test shows them all.
 *
 * Why our own line reader in front of inih: Debian's inih is built without
 * INI_HANDLER_LINENO, so the handler is not told the line; inih reports only
 * the first syntax error; its inline-comment, multi-line and line-length
 * behaviour are build options (runtime variables in Debian's build only).
 * The reader below counts lines, reports syntax errors itself, strips
 * "; comments" itself, and hands inih only well-formed, left-trimmed lines,
 * so the result is the same whatever options inih was built with.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <arpa/inet.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <curl/curl.h>
#include <ini.h>

#include "agent/core/config.h"
#include "agent/lib/log.h"
#include "agent/lib/util.h"
#include "quorum/quorum.h"
#include "dnsupdate/method/httptmpl.h"

#define CFG_NAME_MAX	63	/* agent and check names */
#define CFG_DNAME_MAX	253	/* a name in text, without the final dot */
#define CFG_KEY_MAX	64
#define CFG_LATER	"not supported by this version yet"
#define CFG_VOTE_LISTEN	"0.0.0.0:8053, [::]:8053"	/* SPEC §3 */
#define CFG_NUM_MAX	1000	/* need, max_up: far above any real count */
#define CFG_HISTORY_KEEP_DEFAULT_MS	(90LL * 86400 * 1000)
#define CFG_HISTORY_KEEP_MIN_MS		(86400LL * 1000)

/* One "key = value" line of a section. */
struct pentry {
	char	*key;
	char	*value;
	int	 line;
};

/* One [section] as written, with its entries in file order. */
struct psection {
	char		*name;
	char		*ident;		/* name used to find duplicates */
	int		 line;
	bool		 duplicate;	/* a second [x]: reported, not read */
	size_t		 n;
	struct pentry	*entries;
};

/* A problem found, kept until the end to be sorted by line. */
struct pdiag {
	int	 line;			/* 0: about the file as a whole */
	size_t	 seq;
	bool	 is_error;
	char	*msg;
};

struct cfg_ctx {
	const char		*path;
	char			*dir;		/* absolute directory of path */
	FILE			*f;
	int			 lineno;
	char			*raw;
	size_t			 rawcap;
	char			*long_value;	/* too long for inih */

	struct psection		*secs;
	size_t			 nsecs;
	ssize_t			 cur;		/* index in secs, or -1 */
	bool			 cur_broken;	/* after a bad [header line */

	struct pdiag		*diags;
	size_t			 ndiags;

	struct config		*cfg;
	/* What the cross-section checks need. */
	const struct psection	*agent, *primary, *backup, *dns;
	const struct psection	*quorum, *vote;
	const struct psection	*virtualmin, *powerdns, *exec;
	const struct psection	*cloudflare, *ovh, *http;
	unsigned		 http_uses;	/* HTTPTMPL_USES_* of [http] */
	bool			 dns_method_ok;
	int			 hold_down_line;
	int			*records_line;	/* per zone: its records line */
	bool			 hold_down_ok;
	bool			 dns_ttl_ok;
	/* CONFIG_LOAD_*; the config file's mode; [hooks] notify's line. */
	unsigned		 flags;
	mode_t			 file_mode;
	int			 notify_secret_line;
};

/* Are secret files and programs judged in this load (config.h)? */
#define CFG_JUDGE_FILES(c)	(((c)->flags & CONFIG_LOAD_NO_SECRETS) == 0)

/* ------------------------------------------------------------------------ */
/* Diagnostics */

void
diag_add(struct diag_list *dl, bool is_error, const char *fmt, ...)
{
	va_list		 ap;
	struct diag	*d;

	dl->items = util_xreallocarray(dl->items, dl->n + 1,
	    sizeof(*dl->items));
	d = &dl->items[dl->n++];
	d->is_error = is_error;
	va_start(ap, fmt);
	vsnprintf(d->msg, sizeof(d->msg), fmt, ap);
	va_end(ap);
	if (is_error)
		dl->nerrors++;
}

void
diag_clear(struct diag_list *dl)
{
	free(dl->items);
	dl->items = NULL;
	dl->n = 0;
	dl->nerrors = 0;
}

/* strlcat(3), which glibc before 2.38 lacks: append, truncate, terminate. */
static void
cfg_strlcat(char *dst, const char *src, size_t size)
{
	size_t	len = strnlen(dst, size);

	if (len + 1 >= size)
		return;
	snprintf(dst + len, size - len, "%s", src);
}

static char *
cfg_vasprintf(const char *fmt, va_list ap)
{
	va_list	 ap2;
	int	 len;
	char	*s;

	va_copy(ap2, ap);
	len = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (len < 0)
		fatalx("vsnprintf failed");
	s = util_xcalloc(1, (size_t)len + 1);
	vsnprintf(s, (size_t)len + 1, fmt, ap);
	return s;
}

static char *
cfg_asprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *
cfg_asprintf(const char *fmt, ...)
{
	va_list	 ap;
	char	*s;

	va_start(ap, fmt);
	s = cfg_vasprintf(fmt, ap);
	va_end(ap);
	return s;
}

static void
pdiag(struct cfg_ctx *c, int line, bool is_error, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void
pdiag(struct cfg_ctx *c, int line, bool is_error, const char *fmt, ...)
{
	va_list		 ap;
	struct pdiag	*d;

	c->diags = util_xreallocarray(c->diags, c->ndiags + 1,
	    sizeof(*c->diags));
	d = &c->diags[c->ndiags];
	d->line = line;
	d->seq = c->ndiags++;
	d->is_error = is_error;
	va_start(ap, fmt);
	d->msg = cfg_vasprintf(fmt, ap);
	va_end(ap);
}

#define perr(c, line, ...)	pdiag((c), (line), true, __VA_ARGS__)
#define pwarn(c, line, ...)	pdiag((c), (line), false, __VA_ARGS__)

/* File order; problems about the file as a whole (line 0) last. */
static int
pdiag_cmp(const void *a, const void *b)
{
	const struct pdiag	*x = a, *y = b;
	long			 lx = x->line > 0 ? x->line : INT_MAX;
	long			 ly = y->line > 0 ? y->line : INT_MAX;

	if (lx != ly)
		return lx < ly ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Sort, hand over to the caller's list, return how many were errors. */
static size_t
pdiag_flush(struct cfg_ctx *c, struct diag_list *dl)
{
	size_t	i, nerr = 0;

	if (c->ndiags > 1)
		qsort(c->diags, c->ndiags, sizeof(*c->diags), pdiag_cmp);
	for (i = 0; i < c->ndiags; i++) {
		struct pdiag *d = &c->diags[i];

		if (d->line > 0)
			diag_add(dl, d->is_error, "%s:%d: %s", c->path, d->line,
			    d->msg);
		else
			diag_add(dl, d->is_error, "%s: %s", c->path, d->msg);
		if (d->is_error)
			nerr++;
		free(d->msg);
	}
	free(c->diags);
	c->diags = NULL;
	c->ndiags = 0;
	return nerr;
}

/* ------------------------------------------------------------------------ */
/* Pass 1: lines, sections, entries */

/* The identity of a section for duplicate detection: zone names fold case. */
static char *
section_ident(const char *name)
{
	char	*id = util_xstrdup(name);
	size_t	 len;

	if (strncmp(id, "zone:", 5) == 0) {
		for (char *p = id + 5; *p != '\0'; p++)
			*p = (char)tolower((unsigned char)*p);
		len = strlen(id);
		if (len > 5 && id[len - 1] == '.')
			id[len - 1] = '\0';
	}
	return id;
}

static void
section_begin(struct cfg_ctx *c, const char *name, int line)
{
	struct psection	*s;
	char		*ident = section_ident(name);
	size_t		 i;

	c->secs = util_xreallocarray(c->secs, c->nsecs + 1, sizeof(*c->secs));
	s = &c->secs[c->nsecs];
	memset(s, 0, sizeof(*s));
	s->name = util_xstrdup(name);
	s->ident = ident;
	s->line = line;
	for (i = 0; i < c->nsecs; i++) {
		if (!c->secs[i].duplicate &&
		    strcmp(c->secs[i].ident, ident) == 0) {
			perr(c, line, "duplicate section [%s] (first at line"
			    " %d)", name, c->secs[i].line);
			s->duplicate = true;
			break;
		}
	}
	c->cur = (ssize_t)c->nsecs++;
	c->cur_broken = false;
}

/*
 * The inih handler: one call per "key = value" line, right after our reader
 * returned that line, so c->lineno is its line.
 */
#if INI_HANDLER_LINENO
static int
cfg_ini_handler(void *user, const char *section, const char *name,
    const char *value, int lineno)
#else
static int
cfg_ini_handler(void *user, const char *section, const char *name,
    const char *value)
#endif
{
	struct cfg_ctx	*c = user;
	struct psection	*s;
	size_t		 i;

	(void)section;	/* ours is not truncated at 50 characters */
#if INI_HANDLER_LINENO
	(void)lineno;
#endif
	if (c->long_value != NULL)
		value = c->long_value;
	if (c->cur < 0) {
		if (!c->cur_broken)
			perr(c, c->lineno, "key '%s' is outside of any"
			    " [section]", name);
		goto done;
	}
	s = &c->secs[c->cur];
	if (s->duplicate)
		goto done;
	for (i = 0; i < s->n; i++) {
		/* [http] takes one "header = Name: value" line per header. */
		if (strcmp(name, "header") == 0 && strcmp(s->name, "http") == 0)
			break;
		if (strcmp(s->entries[i].key, name) == 0) {
			perr(c, c->lineno, "duplicate key '%s' in [%s] (first"
			    " at line %d)", name, s->name, s->entries[i].line);
			goto done;
		}
	}
	s->entries = util_xreallocarray(s->entries, s->n + 1,
	    sizeof(*s->entries));
	s->entries[s->n].key = util_xstrdup(name);
	s->entries[s->n].value = util_xstrdup(value);
	s->entries[s->n].line = c->lineno;
	s->n++;
done:
	free(c->long_value);
	c->long_value = NULL;
	return 1;	/* problems are in c->diags; keep parsing */
}

/*
 * Cut a "; comment" off: a ';' after white space starts one (inih's rule),
 * so "a;b" in a URL stays whole.
 */
static void
strip_inline_comment(char *s)
{
	for (char *p = s; *p != '\0'; p++) {
		if (*p == ';' && p > s && isspace((unsigned char)p[-1])) {
			*p = '\0';
			return;
		}
	}
}

/*
 * The ini_reader: read one line of the file, count it, and give inih either
 * a blank line (comments, section headers, which we handle here, and lines
 * with errors) or a left-trimmed, comment-free "key=value" line that fits its
 * buffer.  Left-trimming also means inih never sees a continuation line.
 */
static char *
cfg_ini_reader(char *str, int num, void *stream)
{
	struct cfg_ctx	*c = stream;
	ssize_t		 n;
	char		*line, *end, *sep;
	size_t		 len, keylen;

	if (num < 2)
		return NULL;
	/* Set by the previous line only if inih did not call the handler. */
	free(c->long_value);
	c->long_value = NULL;
	if ((n = getline(&c->raw, &c->rawcap, c->f)) == -1)
		return NULL;
	c->lineno++;
	str[0] = '\n';
	str[1] = '\0';

	line = c->raw;
	if ((size_t)n != strlen(line)) {
		perr(c, c->lineno, "NUL byte in line");
		return str;
	}
	if (c->lineno == 1 && strncmp(line, "\xEF\xBB\xBF", 3) == 0)
		line += 3;	/* UTF-8 byte order mark */
	while (isspace((unsigned char)*line))
		line++;
	if (*line == ';' || *line == '#' || *line == '\0')
		return str;
	strip_inline_comment(line);
	util_trim(line);

	if (*line == '[') {
		if ((end = strchr(line, ']')) == NULL) {
			perr(c, c->lineno, "missing ']' in section header");
			c->cur = -1;
			c->cur_broken = true;
			return str;
		}
		if (end[1] != '\0')
			perr(c, c->lineno, "unexpected text after ']'");
		*end = '\0';
		util_trim(line + 1);
		if (line[1] == '\0') {
			perr(c, c->lineno, "empty section name");
			c->cur = -1;
			c->cur_broken = true;
			return str;
		}
		section_begin(c, line + 1, c->lineno);
		return str;
	}

	/* inih splits at the first '=' or ':' (Python configparser style). */
	sep = line + strcspn(line, "=:");
	if (*sep == '\0') {
		perr(c, c->lineno, "expected 'key = value' or '[section]'");
		return str;
	}
	keylen = (size_t)(sep - line);
	while (keylen > 0 && isspace((unsigned char)line[keylen - 1]))
		keylen--;
	if (keylen == 0) {
		perr(c, c->lineno, "missing key name before '%c'", *sep);
		return str;
	}
	if (keylen > CFG_KEY_MAX) {
		perr(c, c->lineno, "key name longer than %d characters",
		    CFG_KEY_MAX);
		return str;
	}
	len = strlen(line);
	if (len + 2 <= (size_t)num) {
		memcpy(str, line, len);
		memcpy(str + len, "\n", 2);
		return str;
	}
	/* Too long for inih's line buffer: pass the key, keep the value. */
	if (keylen + 3 > (size_t)num) {
		perr(c, c->lineno, "line too long");
		return str;
	}
	c->long_value = util_xstrdup(sep + 1);
	util_trim(c->long_value);
	memcpy(str, line, keylen);
	memcpy(str + keylen, "=\n", 3);
	return str;
}

/* ------------------------------------------------------------------------ */
/* Value helpers for pass 2 */

static const struct pentry *
sec_get(const struct psection *s, const char *key)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->entries[i].key, key) == 0)
			return &s->entries[i];
	return NULL;
}

static bool
in_list(const char *const *list, const char *s)
{
	for (; list != NULL && *list != NULL; list++)
		if (strcmp(*list, s) == 0)
			return true;
	return false;
}

/*
 * Report every key of s that is neither in keys nor in other (the keys of
 * another check type, which get their own message) as unknown; keys in later
 * are SPEC keys a later version will read.
 */
static void
sec_check_keys(struct cfg_ctx *c, const struct psection *s,
    const char *const *keys, const char *const *later,
    const char *const *other, const char *other_what)
{
	for (size_t i = 0; i < s->n; i++) {
		const struct pentry *e = &s->entries[i];

		if (in_list(keys, e->key))
			continue;
		if (in_list(other, e->key))
			perr(c, e->line, "key '%s' does not apply to %s",
			    e->key, other_what);
		else if (in_list(later, e->key))
			perr(c, e->line, "unknown key '%s' in [%s] (%s)",
			    e->key, s->name, CFG_LATER);
		else
			perr(c, e->line, "unknown key '%s' in [%s]", e->key,
			    s->name);
	}
}

static void
missing_key(struct cfg_ctx *c, const struct psection *s, const char *key)
{
	perr(c, s->line, "missing key '%s' in [%s]", key, s->name);
}

/*
 * A string value.  Returns the entry's value (owned by the entry), or NULL
 * when the key is absent (reported when required) or empty (reported).
 */
static const char *
get_str(struct cfg_ctx *c, const struct psection *s, const char *key,
    bool required, int *linep)
{
	const struct pentry *e = sec_get(s, key);

	if (e == NULL) {
		if (required)
			missing_key(c, s, key);
		return NULL;
	}
	if (linep != NULL)
		*linep = e->line;
	if (e->value[0] == '\0') {
		perr(c, e->line, "empty value for '%s'", key);
		return NULL;
	}
	return e->value;
}

/* An integer in [min, max]; *out keeps its default when absent or bad. */
static void
get_num(struct cfg_ctx *c, const struct psection *s, const char *key,
    long long min, long long max, long long *out)
{
	const char	*v, *errstr;
	long long	 n;
	int		 line = s->line;

	if ((v = get_str(c, s, key, false, &line)) == NULL)
		return;
	if (util_number_parse(v, min, max, &n, &errstr) == -1)
		perr(c, line, "bad value '%.64s' for %s: %s (expected a whole"
		    " number from %lld to %lld)", v, key, errstr, min, max);
	else
		*out = n;
}

/* A duration of at least min_ms; *out keeps its default when absent or bad. */
static bool
get_duration(struct cfg_ctx *c, const struct psection *s, const char *key,
    int64_t min_ms, int64_t *out, int *linep)
{
	const char	*v, *errstr;
	int64_t		 ms;
	int		 line = s->line;
	char		 buf[32];

	if ((v = get_str(c, s, key, false, &line)) == NULL)
		return false;
	if (linep != NULL)
		*linep = line;
	if (util_duration_parse(v, &ms, &errstr) == -1) {
		perr(c, line, "bad duration '%.64s' for %s: %s (seconds, or"
		    " with a unit: 0.5, 500ms, 2s, 5m, 1h)", v, key, errstr);
		return false;
	}
	if (ms < min_ms) {
		util_duration_format(min_ms, buf, sizeof(buf));
		if (min_ms == 1)
			perr(c, line, "%s must be more than 0", key);
		else
			perr(c, line, "%s must be at least %s", key, buf);
		return false;
	}
	*out = ms;
	return true;
}

struct kw {
	const char	*name;
	int		 value;
};

/*
 * One of the words in kws (stored in *out), or a word a later version will
 * accept (later), or an error listing the choices.  Returns true when *out
 * was set.
 */
static bool
get_enum(struct cfg_ctx *c, const struct psection *s, const char *key,
    const struct kw *kws, size_t nkws, const char *const *later, int *out)
{
	const char	*v;
	int		 line = s->line;
	char		 choices[128] = "";
	size_t		 i;

	if ((v = get_str(c, s, key, false, &line)) == NULL)
		return false;
	for (i = 0; i < nkws; i++) {
		if (strcmp(kws[i].name, v) == 0) {
			*out = kws[i].value;
			return true;
		}
	}
	if (in_list(later, v)) {
		perr(c, line, "%s '%s' is %s", key, v, CFG_LATER);
		return false;
	}
	for (i = 0; i < nkws; i++) {
		cfg_strlcat(choices, kws[i].name, sizeof(choices));
		if (i + 2 < nkws)
			cfg_strlcat(choices, ", ", sizeof(choices));
		else if (i + 2 == nkws)
			cfg_strlcat(choices, " or ", sizeof(choices));
	}
	perr(c, line, "bad value '%.64s' for %s (expected %s)", v, key,
	    choices);
	return false;
}

/* A relative path is taken relative to the config file's directory. */
static char *
path_resolve(struct cfg_ctx *c, const char *v)
{
	if (v[0] == '/')
		return util_xstrdup(v);
	return cfg_asprintf("%s/%s", c->dir, v);
}

/* A file that must exist and be readable (ca_file). */
static char *
get_readable_file(struct cfg_ctx *c, const struct psection *s,
    const char *key)
{
	const char	*v;
	char		*p;
	int		 line = s->line;
	struct stat	 st;

	if ((v = get_str(c, s, key, false, &line)) == NULL)
		return NULL;
	p = path_resolve(c, v);
	if (stat(p, &st) == -1)
		perr(c, line, "%s: %s: %s", key, p, strerror(errno));
	else if (!S_ISREG(st.st_mode))
		perr(c, line, "%s: %s is not a regular file", key, p);
	else if (access(p, R_OK) == -1)
		perr(c, line, "%s: cannot read %s: %s", key, p,
		    strerror(errno));
	else
		return p;
	free(p);
	return NULL;
}

/* A name that travels in votes and history: [A-Za-z0-9._-]{1,63}. */
static bool
name_valid(const char *s)
{
	size_t	len = strlen(s);

	if (len == 0 || len > CFG_NAME_MAX)
		return false;
	for (; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && strchr("._-", *s) == NULL)
			return false;
	return true;
}

/*
 * Check a domain name in text form (lower case, without the final dot):
 * labels of 1..63 letters, digits, '-' or '_', at most 253 characters; when
 * wildcard, the first label may be "*".  Returns NULL or a reason.
 */
static const char *
dname_check(const char *s, bool wildcard)
{
	const char	*label = s, *p;

	if (*s == '\0')
		return "empty name";
	if (strlen(s) > CFG_DNAME_MAX)
		return "name longer than 253 characters";
	if (wildcard && s[0] == '*' && s[1] == '\0')
		return NULL;
	if (wildcard && s[0] == '*' && s[1] == '.')
		s += 2;
	for (label = p = s;; p++) {
		if (*p == '.' || *p == '\0') {
			if (p == label)
				return "empty label";
			if (p - label > 63)
				return "label longer than 63 characters";
			if (*p == '\0')
				break;
			label = p + 1;
			if (*label == '\0')
				return "empty label";
			continue;
		}
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_')
			return "bad character (letters, digits, '-' and '_')";
	}
	return NULL;
}

static void
str_lower(char *s)
{
	for (; *s != '\0'; s++)
		*s = (char)tolower((unsigned char)*s);
}

/* ------------------------------------------------------------------------ */
/* Pass 2: one function per section kind */

static void
validate_agent(struct cfg_ctx *c, const struct psection *s)
{
	static const char *const keys[] = { "name", "role", "state_db",
	    "fail_after", "recover_after", "failback", "hold_down", "interval",
	    "history_keep", "metrics_file", "quorum", NULL };
	static const struct kw quorums[] = {
		{ "spares", 0 }, { "none", 1 } };
	static const struct kw roles[] = {
		{ "backup", ROLE_BACKUP }, { "spare", ROLE_SPARE } };
	static const struct kw failbacks[] = {
		{ "auto", FAILBACK_AUTO }, { "manual", FAILBACK_MANUAL } };
	struct cfg_agent	*a = &c->cfg->agent;
	const char		*v;
	int			 line, e;
	long long		 n;
	int64_t			 n64 = a->history_keep_ms;

	sec_check_keys(c, s, keys, NULL, NULL, NULL);
	c->agent = s;

	if (get_enum(c, s, "role", roles, FA_ARRAY_SIZE(roles), NULL, &e))
		a->role = e;
	/* The name travels in votes (from=): the protocol's rule. */
	if ((v = get_str(c, s, "name", true, &line)) != NULL) {
		if (!vote_name_valid(v))
			perr(c, line, "bad name '%.64s' (1 to %d letters,"
			    " digits, '.', '_' or '-')", v, CFG_NAME_MAX);
		else
			a->name = util_xstrdup(v);
	}
	if ((v = get_str(c, s, "state_db", a->role == ROLE_BACKUP,
	    NULL)) != NULL)
		a->state_db = path_resolve(c, v);
	/* Prometheus (issue 14): node_exporter's textfile collector. */
	if ((v = get_str(c, s, "metrics_file", false, &line)) != NULL) {
		if (strlen(v) < 6 || strcmp(v + strlen(v) - 5, ".prom") != 0)
			perr(c, line, "metrics_file must end in .prom (the"
			    " textfile collector reads only those)");
		else
			a->metrics_file = path_resolve(c, v);
	}
	n = a->fail_after;
	get_num(c, s, "fail_after", 1, 10000, &n);
	a->fail_after = (int)n;
	n = a->recover_after;
	get_num(c, s, "recover_after", 1, 10000, &n);
	a->recover_after = (int)n;
	if (get_enum(c, s, "failback", failbacks, FA_ARRAY_SIZE(failbacks),
	    NULL, &e))
		a->failback = e;
	/* A bad hold_down is reported here, not again against the ttl. */
	c->hold_down_ok = sec_get(s, "hold_down") == NULL ||
	    get_duration(c, s, "hold_down", 0, &a->hold_down_ms,
	    &c->hold_down_line);
	get_duration(c, s, "interval", 1, &a->interval_ms, NULL);
	/*
	 * A plain number is seconds: "history_keep = 90" would keep 90
	 * seconds of history.  Less than a day is surely that mistake.
	 */
	if (get_duration(c, s, "history_keep", 0, &n64, &line) && n64 != 0 &&
	    n64 < CFG_HISTORY_KEEP_MIN_MS) {
		perr(c, line, "history_keep must be at least 1d, or 0 to keep "
		    "every cycle (a plain number is seconds: 90d is 90 days)");
		a->history_keep_ms = CFG_HISTORY_KEEP_DEFAULT_MS;
	} else if (sec_get(s, "history_keep") != NULL)
		a->history_keep_ms = n64;
	/* quorum = none: a one-site set-up, said on purpose (no warning). */
	if (get_enum(c, s, "quorum", quorums, FA_ARRAY_SIZE(quorums), NULL,
	    &e))
		a->quorum_none = e == 1;
}

static void
validate_site(struct cfg_ctx *c, const struct psection *s,
    struct addrset *set)
{
	static const char *const keys[] = { "address", NULL };
	const char	*v, *errstr;
	int		 line;

	sec_check_keys(c, s, keys, NULL, NULL, NULL);
	if ((v = get_str(c, s, "address", true, &line)) == NULL)
		return;
	if (addrset_parse(v, set, &errstr) == -1)
		perr(c, line, "bad address list: %s", errstr);
}

static char *get_secret_file(struct cfg_ctx *, const struct psection *,
    const char *);

/*
 * The host[:port] of an http:// or https:// URL (RFC 3986 §3.2.2: an IPv6
 * literal in brackets), checked as every address is (util_hostport_parse):
 * "http://[fd77::1]:99999/" is refused here, not when the request fails.
 * Userinfo ("user@") is skipped.  Returns 0, or -1 with why in err.
 */
static int
url_host_check(const char *url, char *err, size_t errlen)
{
	struct util_hostport	 hp;
	const char		*a, *at;
	char			 auth[300];
	size_t			 len;

	a = strstr(url, "://");
	a = a != NULL ? a + 3 : url;
	len = strcspn(a, "/?#");
	if (len >= sizeof(auth)) {
		snprintf(err, errlen, "host too long");
		return -1;
	}
	memcpy(auth, a, len);
	auth[len] = '\0';
	at = strrchr(auth, '@');
	at = at != NULL ? at + 1 : auth;
	if (util_hostport_parse(at, 0, &hp, err, errlen) == -1)
		return -1;
	if (hp.family == AF_INET6 && at[0] != '[') {
		snprintf(err, errlen, "an IPv6 address in a URL goes in "
		    "brackets: http://[%.64s]:PORT/", hp.host);
		return -1;
	}
	return 0;
}

/*
 * A MySQL server to log in to: host (and port, default 3306) or socket,
 * user, and an optional password_file.  Shared by [check:NAME] type = mysql
 * and [mysql].  A section with neither host nor socket gets def_socket, or
 * an error when def_socket is NULL.
 */
static void
get_mysql_login(struct cfg_ctx *c, const struct psection *s,
    const char *def_socket, char **host, uint16_t *port, char **sock,
    char **user, char **password_file)
{
	struct util_hostport hp;
	const char	*v;
	char		 err[256];
	int		 line;
	long long	 n = 3306;

	memset(&hp, 0, sizeof(hp));
	if ((v = get_str(c, s, "host", false, &line)) != NULL) {
		if (v[strcspn(v, "/")] != '\0')
			perr(c, line, "bad host '%.64s' (a name or an address;"
			    " for a Unix socket use socket =)", v);
		else if (util_hostport_parse(v, 0, &hp, err,
		    sizeof(err)) == -1)
			perr(c, line, "bad host %s", err);
		else
			*host = util_xstrdup(hp.host);
	}
	if ((v = get_str(c, s, "socket", false, &line)) != NULL) {
		if (sec_get(s, "host") != NULL)
			perr(c, line, "host and socket are both set in [%s]:"
			    " keep one", s->name);
		else if (v[0] != '/')
			perr(c, line, "socket: '%.64s' is not an absolute"
			    " path", v);
		else
			*sock = util_xstrdup(v);
	}
	if (sec_get(s, "host") == NULL && sec_get(s, "socket") == NULL) {
		if (def_socket != NULL)
			*sock = util_xstrdup(def_socket);
		else
			perr(c, s->line, "missing key 'host' or 'socket' in"
			    " [%s]", s->name);
	}
	if (sec_get(s, "port") != NULL && sec_get(s, "host") == NULL)
		perr(c, sec_get(s, "port")->line, "port applies to host, not"
		    " to a socket");
	else if (sec_get(s, "port") != NULL && hp.port != 0)
		perr(c, sec_get(s, "port")->line, "port given twice: in host"
		    " and here; keep one");
	if (hp.port != 0)
		n = hp.port;
	get_num(c, s, "port", 1, 65535, &n);
	*port = (uint16_t)n;
	if ((v = get_str(c, s, "user", true, &line)) != NULL) {
		if (strlen(v) > 80 || v[strcspn(v, " \t")] != '\0')
			perr(c, line, "bad user '%.64s' (no white space, at"
			    " most 80 characters)", v);
		else
			*user = util_xstrdup(v);
	}
	if (sec_get(s, "password_file") != NULL)
		*password_file = get_secret_file(c, s, "password_file");
}

/* The mysql half of [check:NAME] (SPEC §6). */
static void
validate_check_mysql(struct cfg_ctx *c, const struct psection *s,
    struct cfg_check *ck)
{
	const char	*v;
	int		 line;
	int64_t		 ms;

	get_mysql_login(c, s, NULL, &ck->host, &ck->port, &ck->socket,
	    &ck->user, &ck->password_file);
	if ((v = get_str(c, s, "query", false, &line)) != NULL)
		ck->query = util_xstrdup(v);
	else if (sec_get(s, "query") == NULL)
		ck->query = util_xstrdup("SELECT 1");
	ck->max_lag_s = -1;
	if (get_duration(c, s, "max_lag", 0, &ms, NULL)) {
		if (ms % 1000 != 0)
			perr(c, sec_get(s, "max_lag")->line, "max_lag is in"
			    " whole seconds (Seconds_Behind_Master)");
		else
			ck->max_lag_s = ms / 1000;
	}
}

static bool program_judge(struct cfg_ctx *, int, const char *, const char *);

#define CFG_ARGV_MAX	64

/*
 * Split an exec check's command into words as sh(1) would (POSIX 2.2
 * quoting): blanks separate words; '...' is literal; in "..." a backslash
 * escapes only \ " $ ` ; outside quotes it escapes any character.  There is
 * no shell, so what a shell would expand or interpret (an unquoted
 * | & ; < > ( ) $ ` or a ~ at the start of a word) is an error rather than
 * a surprise.  Returns a NULL-terminated array (caller frees each word and
 * it), or NULL with err set.
 */
static char **
command_split(const char *v, char *err, size_t errlen)
{
	char	**argv = NULL, *w = NULL;
	size_t	  n = 0, wl = 0;
	char	  q = 0;
	bool	  inword = false;

	argv = util_xreallocarray(NULL, CFG_ARGV_MAX + 1, sizeof(*argv));
	w = util_xreallocarray(NULL, strlen(v) + 1, 1);
	for (;; v++) {
		if (q == 0 && (*v == '\0' || *v == ' ' || *v == '\t')) {
			if (inword) {
				if (n == CFG_ARGV_MAX) {
					snprintf(err, errlen, "more than %d"
					    " words", CFG_ARGV_MAX);
					goto fail;
				}
				w[wl] = '\0';
				argv[n++] = util_xstrdup(w);
				wl = 0;
				inword = false;
			}
			if (*v == '\0')
				break;
			continue;
		}
		if (*v == '\0') {
			snprintf(err, errlen, "unterminated %c quote", q);
			goto fail;
		}
		if (q == '\'') {
			if (*v == '\'')
				q = 0;
			else
				w[wl++] = *v;
		} else if (q == '"') {
			if (*v == '"')
				q = 0;
			else if (*v == '\\' && v[1] != '\0' &&
			    strchr("\\\"$`", v[1]) != NULL)
				w[wl++] = *++v;
			else if (*v == '$' || *v == '`') {
				snprintf(err, errlen, "'%c' would be expanded"
				    " by a shell, and there is none: write"
				    " \\%c", *v, *v);
				goto fail;
			} else
				w[wl++] = *v;
		} else if (*v == '\'' || *v == '"') {
			q = *v;
		} else if (*v == '\\') {
			if (v[1] == '\0') {
				snprintf(err, errlen, "a '\\' ends it");
				goto fail;
			}
			w[wl++] = *++v;
		} else if (strchr("|&;<>()$`", *v) != NULL ||
		    (*v == '~' && !inword)) {
			snprintf(err, errlen, "'%c' means something to a shell,"
			    " and there is none: quote it", *v);
			goto fail;
		} else
			w[wl++] = *v;
		inword = true;
	}
	free(w);
	if (n == 0) {
		snprintf(err, errlen, "no program");
		free(argv);
		return NULL;
	}
	argv[n] = NULL;
	return argv;
fail:
	while (n > 0)
		free(argv[--n]);
	free(argv);
	free(w);
	return NULL;
}

/* The exec half of [check:NAME]: command. */
static void
validate_check_exec(struct cfg_ctx *c, const struct psection *s,
    struct cfg_check *ck)
{
	const char	*v;
	char		 err[128], **argv;
	int		 line, i;

	if (sec_get(s, "timeout") == NULL)
		ck->timeout_ms = 10000;
	if ((v = get_str(c, s, "command", true, &line)) == NULL)
		return;
	if ((argv = command_split(v, err, sizeof(err))) == NULL) {
		perr(c, line, "bad command: %s", err);
		return;
	}
	if (!program_judge(c, line, "command", argv[0])) {
		for (i = 0; argv[i] != NULL; i++)
			free(argv[i]);
		free(argv);
		return;
	}
	ck->command = util_xstrdup(v);
	ck->argv = argv;
}

static const struct {
	const char	*name;
	uint16_t	 type;
} dns_qtypes[] = {	/* RFC 1035 3.2.2, RFC 3596, RFC 2782, RFC 8659 */
	{ "A", 1 }, { "NS", 2 }, { "CNAME", 5 }, { "SOA", 6 }, { "PTR", 12 },
	{ "MX", 15 }, { "TXT", 16 }, { "AAAA", 28 }, { "SRV", 33 },
	{ "CAA", 257 },
};

/* The dns half of [check:NAME]: server, port, name, qtype, expect. */
static void
validate_check_dns(struct cfg_ctx *c, const struct psection *s,
    struct cfg_check *ck)
{
	struct util_hostport	 hp;
	unsigned char		 addr[16];
	char			 err[256], canon[64];
	const char		*v;
	int			 line, af;
	size_t			 i;
	long long		 n;

	memset(&hp, 0, sizeof(hp));
	if ((v = get_str(c, s, "server", true, &line)) != NULL) {
		if (util_hostport_parse(v, UTIL_HP_NUMERIC, &hp, err,
		    sizeof(err)) == -1)
			perr(c, line, "bad server %s", err);
		else
			ck->server = util_xstrdup(hp.host);
	}
	if (hp.port != 0 && sec_get(s, "port") != NULL)
		perr(c, sec_get(s, "port")->line, "port given twice: in server"
		    " and here; keep one");
	n = hp.port != 0 ? hp.port : 53;
	get_num(c, s, "port", 1, 65535, &n);
	ck->port = (uint16_t)n;
	if ((v = get_str(c, s, "name", true, &line)) != NULL) {
		if (strlen(v) > 253 || v[strcspn(v, " \t")] != '\0')
			perr(c, line, "bad name '%.64s' (a domain name)", v);
		else
			ck->qname = util_xstrdup(v);
	}
	ck->qtype = 1;
	if ((v = get_str(c, s, "qtype", false, &line)) != NULL) {
		for (i = 0; i < FA_ARRAY_SIZE(dns_qtypes); i++)
			if (strcasecmp(v, dns_qtypes[i].name) == 0)
				break;
		if (i == FA_ARRAY_SIZE(dns_qtypes))
			perr(c, line, "bad qtype '%.16s' (A, AAAA, CNAME, MX,"
			    " NS, PTR, SOA, SRV, TXT or CAA)", v);
		else
			ck->qtype = dns_qtypes[i].type;
	}
	if ((v = get_str(c, s, "expect", false, &line)) == NULL)
		return;
	if (ck->qtype == 1 || ck->qtype == 28) {
		af = ck->qtype == 1 ? AF_INET : AF_INET6;
		if (inet_pton(af, v, addr) != 1 ||
		    inet_ntop(af, addr, canon, sizeof(canon)) == NULL) {
			perr(c, line, "bad expect '%.64s' (an %s address, for"
			    " qtype %s)", v, af == AF_INET ? "IPv4" : "IPv6",
			    af == AF_INET ? "A" : "AAAA");
			return;
		}
		v = canon;
	}
	ck->expect = util_xstrdup(v);
}

/* The name of an RR type number of dns_qtypes, "?" if none. */
const char *
check_qtype_str(uint16_t type)
{
	size_t	i;

	for (i = 0; i < FA_ARRAY_SIZE(dns_qtypes); i++)
		if (dns_qtypes[i].type == type)
			return dns_qtypes[i].name;
	return "?";
}

static void
validate_check(struct cfg_ctx *c, const struct psection *s, const char *name)
{
	static const char *const http_keys[] = { "type", "timeout", "url",
	    "expect_status", "expect_body", "ca_file", NULL };
	static const char *const tcp_keys[] = { "type", "timeout", "host",
	    "port", NULL };
	static const char *const mysql_keys[] = { "type", "timeout", "host",
	    "port", "socket", "user", "password_file", "query", "max_lag",
	    NULL };
	static const char *const exec_keys[] = { "type", "timeout", "command",
	    NULL };
	static const char *const dns_keys[] = { "type", "timeout", "server",
	    "port", "name", "qtype", "expect", NULL };
	static const char *const any_type[] = { "type", "timeout", "url",
	    "expect_status", "expect_body", "ca_file", "host", "port",
	    "socket", "user", "password_file", "query", "max_lag", "command",
	    "server", "name", "qtype", "expect", NULL };

	static const char *const not_mysql[] = { "url", "expect_status",
	    "expect_body", "ca_file", "command", "server", "name", "qtype",
	    "expect", NULL };
	static const char *const not_http[] = { "host", "port", "socket",
	    "user", "password_file", "query", "max_lag", "command", "server",
	    "name", "qtype", "expect", NULL };
	static const char *const not_tcp[] = { "url", "expect_status",
	    "expect_body", "ca_file", "socket", "user", "password_file",
	    "query", "max_lag", "command", "server", "name", "qtype",
	    "expect", NULL };
	static const struct kw types[] = {
		{ "http", CHECK_TYPE_HTTP }, { "tcp", CHECK_TYPE_TCP },
		{ "mysql", CHECK_TYPE_MYSQL }, { "exec", CHECK_TYPE_EXEC },
		{ "dns", CHECK_TYPE_DNS } };
	struct config		*cfg = c->cfg;
	struct cfg_check	*ck;
	const struct pentry	*te;
	struct util_hostport	 hp;
	char			 err[256];
	const char		*v;
	int			 line, e;
	long long		 n;

	if (!name_valid(name)) {
		perr(c, s->line, "bad check name '%.64s' in [%s] (1 to %d"
		    " letters, digits, '.', '_' or '-')", name, s->name,
		    CFG_NAME_MAX);
		return;
	}
	cfg->checks = util_xreallocarray(cfg->checks, cfg->nchecks + 1,
	    sizeof(*cfg->checks));
	ck = &cfg->checks[cfg->nchecks++];
	memset(ck, 0, sizeof(*ck));
	ck->name = util_xstrdup(name);
	ck->line = s->line;
	ck->timeout_ms = 5000;
	ck->expect_status = 200;

	te = sec_get(s, "type");
	if (te == NULL) {
		missing_key(c, s, "type");
		sec_check_keys(c, s, any_type, NULL, NULL, NULL);
		return;
	}
	if (!get_enum(c, s, "type", types, FA_ARRAY_SIZE(types), NULL, &e)) {
		/* Without a type only keys of no type are worth a message. */
		sec_check_keys(c, s, any_type, NULL, NULL, NULL);
		return;
	}
	ck->type = e;
	get_duration(c, s, "timeout", 1, &ck->timeout_ms, NULL);

	switch (ck->type) {
	case CHECK_TYPE_HTTP:
		sec_check_keys(c, s, http_keys, NULL, not_http,
		    "type http checks");
		if ((v = get_str(c, s, "url", true, &line)) != NULL) {
			if ((strncasecmp(v, "http://", 7) != 0 &&
			    strncasecmp(v, "https://", 8) != 0) ||
			    v[strcspn(v, ":") + 3] == '\0' ||
			    v[strcspn(v, ":") + 3] == '/')
				perr(c, line, "bad url '%.64s' (expected"
				    " http://HOST/... or https://HOST/...)", v);
			else if (v[strcspn(v, " \t")] != '\0')
				perr(c, line, "bad url '%.64s': white space",
				    v);
			else if (url_host_check(v, err, sizeof(err)) == -1)
				perr(c, line, "bad url '%.64s': %s", v, err);
			else
				ck->url = util_xstrdup(v);
		}
		n = ck->expect_status;
		get_num(c, s, "expect_status", 100, 599, &n);
		ck->expect_status = (long)n;
		if ((v = get_str(c, s, "expect_body", false, NULL)) != NULL)
			ck->expect_body = util_xstrdup(v);
		ck->ca_file = get_readable_file(c, s, "ca_file");
		break;
	case CHECK_TYPE_TCP:
		sec_check_keys(c, s, tcp_keys, NULL, not_tcp,
		    "type tcp checks");
		memset(&hp, 0, sizeof(hp));
		if ((v = get_str(c, s, "host", true, &line)) != NULL) {
			if (util_hostport_parse(v, 0, &hp, err,
			    sizeof(err)) == -1)
				perr(c, line, "bad host %s", err);
			else
				ck->host = util_xstrdup(hp.host);
		}
		if (hp.port != 0 && sec_get(s, "port") != NULL)
			perr(c, sec_get(s, "port")->line, "port given twice:"
			    " in host and here; keep one");
		else if (hp.port == 0 && sec_get(s, "port") == NULL &&
		    ck->host != NULL)
			missing_key(c, s, "port");
		n = hp.port;
		get_num(c, s, "port", 1, 65535, &n);
		ck->port = (uint16_t)n;
		break;
	case CHECK_TYPE_MYSQL:
		sec_check_keys(c, s, mysql_keys, NULL, not_mysql,
		    "type mysql checks");
		validate_check_mysql(c, s, ck);
		break;
	case CHECK_TYPE_EXEC:
		sec_check_keys(c, s, exec_keys, NULL, any_type,
		    "type exec checks");
		validate_check_exec(c, s, ck);
		break;
	case CHECK_TYPE_DNS:
		sec_check_keys(c, s, dns_keys, NULL, any_type,
		    "type dns checks");
		validate_check_dns(c, s, ck);
		break;
	}
}

/*
 * [dns] resolver: "ADDR", "ADDR:PORT", "[V6ADDR]" or "[V6ADDR]:PORT".  An
 * address, not a name: the resolver is how names get found.
 */
static void
dns_resolver_parse(struct cfg_ctx *c, int line, const char *v,
    struct cfg_dns *d)
{
	struct util_hostport	hp;
	char			err[256];

	if (util_hostport_parse(v, UTIL_HP_NUMERIC, &hp, err,
	    sizeof(err)) == -1) {
		perr(c, line, "bad resolver %s (the resolver finds names; it "
		    "cannot be one)", err);
		return;
	}
	free(d->resolver);
	d->resolver = util_xstrdup(hp.host);
	d->resolver_port = hp.port != 0 ? hp.port : 53;
}

static void
validate_dns(struct cfg_ctx *c, const struct psection *s)
{
	static const char *const keys[] = { "method", "server", "port",
	    "tsig_key_file", "ttl", "verify", "timeout", "verify_timeout",
	    "canary", "resolver", NULL };
	static const struct kw methods[] = {
		{ "rfc2136", DNS_METHOD_RFC2136 },
		{ "virtualmin", DNS_METHOD_VIRTUALMIN },
		{ "powerdns", DNS_METHOD_POWERDNS },
		{ "exec", DNS_METHOD_EXEC },
		{ "cloudflare", DNS_METHOD_CLOUDFLARE },
		{ "ovh", DNS_METHOD_OVH },
		{ "http", DNS_METHOD_HTTP } };
	static const struct kw verifies[] = { { "all", DNS_VERIFY_ALL },
	    { "server", DNS_VERIFY_SERVER }, { "none", DNS_VERIFY_NONE } };
	struct cfg_dns	*d = &c->cfg->dns;
	struct util_hostport hp;
	const char	*v;
	char		*p, err[PATH_MAX + 128];
	int		 line, e;
	long long	 n;
	bool		 method_ok = true;

	sec_check_keys(c, s, keys, NULL, NULL, NULL);
	memset(&hp, 0, sizeof(hp));
	c->dns = s;
	d->line = s->line;
	e = DNS_METHOD_RFC2136;
	if (sec_get(s, "method") != NULL)
		method_ok = get_enum(c, s, "method", methods,
		    FA_ARRAY_SIZE(methods), NULL, &e);
	if (method_ok)
		d->method = e;
	c->dns_method_ok = method_ok;
	if ((v = get_str(c, s, "server", false, &line)) != NULL) {
		if (util_hostport_parse(v, 0, &hp, err, sizeof(err)) == -1)
			perr(c, line, "bad server %s", err);
		else
			d->server = util_xstrdup(hp.host);
	}
	n = d->port;
	get_num(c, s, "port", 1, 65535, &n);
	d->port = (uint16_t)n;
	/* A port written in server (ADDR:PORT, [IPV6]:PORT) wins over port. */
	if (d->server != NULL && hp.port != 0)
		d->port = hp.port;
	/* The key is required by rfc2136; the other methods need none. */
	if ((v = get_str(c, s, "tsig_key_file", method_ok &&
	    d->method == DNS_METHOD_RFC2136, &line)) != NULL) {
		p = path_resolve(c, v);
		if (CFG_JUDGE_FILES(c) &&
		    util_secret_file_check(p, err, sizeof(err)) == -1) {
			perr(c, line, "tsig_key_file: %s", err);
			free(p);
		} else
			d->tsig_key_file = p;
	}
	/* A bad ttl is reported here, not again as a hold_down problem. */
	c->dns_ttl_ok = true;
	if (sec_get(s, "ttl") != NULL) {
		n = -1;
		get_num(c, s, "ttl", 1, 86400, &n);
		if (n == -1)
			c->dns_ttl_ok = false;
		else
			d->ttl = (uint32_t)n;
	}
	if (get_enum(c, s, "verify", verifies, FA_ARRAY_SIZE(verifies), NULL,
	    &e))
		d->verify = e;
	get_duration(c, s, "timeout", 1, &d->timeout_ms, NULL);
	get_duration(c, s, "verify_timeout", 1, &d->verify_timeout_ms, NULL);
	get_duration(c, s, "canary", 0, &d->canary_ms, NULL);
	if ((v = get_str(c, s, "resolver", false, &line)) != NULL)
		dns_resolver_parse(c, line, v, d);
}

/*
 * [zone:NAME] records: "@" is the apex, "www" is relative to the zone,
 * "www.example.com." is absolute and must be inside the zone.  Stored
 * absolute, lower case, with the final dot.
 */
static void
validate_zone(struct cfg_ctx *c, const struct psection *s, const char *name)
{
	static const char *const keys[] = { "records", NULL };
	struct config	*cfg = c->cfg;
	struct cfg_zone	*z;
	char		*zname, *copy = NULL, *item, *next, *abs;
	const char	*v, *why;
	size_t		 zlen, alen;
	int		 line;

	zname = util_xstrdup(name);
	str_lower(zname);
	zlen = strlen(zname);
	if (zlen > 0 && zname[zlen - 1] == '.')
		zname[--zlen] = '\0';
	if ((why = dname_check(zname, false)) != NULL) {
		perr(c, s->line, "bad zone name '%.64s' in [%s]: %s", name,
		    s->name, why);
		free(zname);
		return;
	}
	sec_check_keys(c, s, keys, NULL, NULL, NULL);

	cfg->zones = util_xreallocarray(cfg->zones, cfg->nzones + 1,
	    sizeof(*cfg->zones));
	z = &cfg->zones[cfg->nzones++];
	memset(z, 0, sizeof(*z));
	z->name = cfg_asprintf("%s.", zname);
	z->line = s->line;
	c->records_line = util_xreallocarray(c->records_line, cfg->nzones,
	    sizeof(*c->records_line));
	c->records_line[cfg->nzones - 1] = s->line;

	if ((v = get_str(c, s, "records", true, &line)) == NULL)
		goto cleanup;
	c->records_line[cfg->nzones - 1] = line;
	copy = util_xstrdup(v);
	for (item = copy; item != NULL; item = next) {
		if ((next = strchr(item, ',')) != NULL)
			*next++ = '\0';
		util_trim(item);
		str_lower(item);
		if (*item == '\0') {
			perr(c, line, "empty name in records");
			continue;
		}
		alen = strlen(item);
		if (strcmp(item, "@") == 0)
			abs = util_xstrdup(z->name);
		else if (item[alen - 1] == '.') {
			item[--alen] = '\0';
			if ((why = dname_check(item, true)) != NULL) {
				perr(c, line, "bad record name '%s.': %s",
				    item, why);
				continue;
			}
			if (!(alen == zlen && strcmp(item, zname) == 0) &&
			    !(alen > zlen + 1 &&
			    strcmp(item + alen - zlen, zname) == 0 &&
			    item[alen - zlen - 1] == '.')) {
				perr(c, line, "record %s. is outside zone %s",
				    item, z->name);
				continue;
			}
			abs = cfg_asprintf("%s.", item);
		} else {
			if ((why = dname_check(item, true)) != NULL) {
				perr(c, line, "bad record name '%s': %s", item,
				    why);
				continue;
			}
			/* Zone-file pitfall: "www.example.com" is relative */
			if ((alen == zlen && strcmp(item, zname) == 0) ||
			    (alen > zlen + 1 &&
			    strcmp(item + alen - zlen, zname) == 0 &&
			    item[alen - zlen - 1] == '.')) {
				perr(c, line, "record '%s' is relative, so it"
				    " means %s.%s; write it with a final dot"
				    " ('%s.') or relative to the zone", item,
				    item, z->name, item);
				continue;
			}
			abs = cfg_asprintf("%s.%s", item, z->name);
			if (strlen(abs) > CFG_DNAME_MAX + 1) {
				perr(c, line, "record %s is longer than 253"
				    " characters", abs);
				free(abs);
				continue;
			}
		}
		z->records = util_xreallocarray(z->records, z->nrecords + 1,
		    sizeof(*z->records));
		z->records[z->nrecords++] = abs;
	}
cleanup:
	free(copy);
	free(zname);
}

/*
 * A hook: an absolute path to an executable file nobody else may change
 * (util_program_check(): it and its directories belong to root or to us).
 * Without CFG_JUDGE_FILES (status, history) only the path is read.
 */
static char *
get_hook(struct cfg_ctx *c, const struct psection *s, const char *key)
{
	const char	*v;
	int		 line = s->line;

	if ((v = get_str(c, s, key, false, &line)) == NULL)
		return NULL;
	return program_judge(c, line, key, v) ? util_xstrdup(v) : NULL;
}

/*
 * Is v a program we may run (see get_hook)?  Reports why not at line.
 */
static bool
program_judge(struct cfg_ctx *c, int line, const char *key, const char *v)
{
	struct stat	 st;
	char		 err[PATH_MAX + 256];

	if (v[0] != '/')
		perr(c, line, "%s: '%.64s' is not an absolute path", key, v);
	else if (!CFG_JUDGE_FILES(c))
		return true;
	else if (stat(v, &st) == -1)
		perr(c, line, "%s: %s: %s", key, v, strerror(errno));
	else if (!S_ISREG(st.st_mode))
		perr(c, line, "%s: %s is not a regular file", key, v);
	else if (access(v, X_OK) == -1)
		perr(c, line, "%s: %s is not executable (mode %04o); run:"
		    " chmod +x %s", key, v, (unsigned)(st.st_mode & 07777), v);
	else if ((st.st_mode & S_IWOTH) != 0)
		perr(c, line, "%s: %s is writable by others (mode %04o); run:"
		    " chmod o-w %s", key, v, (unsigned)(st.st_mode & 07777), v);
	else if (util_program_check(v, err, sizeof(err)) == -1)
		perr(c, line, "%s: %s", key, err);
	else
		return true;
	return false;
}

static char *get_notify_url(struct cfg_ctx *, const struct psection *);

static void
validate_hooks(struct cfg_ctx *c, const struct psection *s)
{
	static const char *const keys[] = { "before_failover",
	    "after_failover", "before_failback", "after_failback", "timeout",
	    "notify", NULL };
	struct cfg_hooks *h = &c->cfg->hooks;

	sec_check_keys(c, s, keys, NULL, NULL, NULL);
	h->before_failover = get_hook(c, s, "before_failover");
	h->after_failover = get_hook(c, s, "after_failover");
	h->before_failback = get_hook(c, s, "before_failback");
	h->after_failback = get_hook(c, s, "after_failback");
	get_duration(c, s, "timeout", 1, &h->timeout_ms, NULL);
	if (sec_get(s, "notify") != NULL)
		h->notify = get_notify_url(c, s);
}

/*
 * A spare's URL: http:// or https://, a host, no white space, and no query
 * or fragment (the client appends /v1/vote?... to it).  Returns NULL or why
 * (a constant, or err).
 */
static const char *
spare_url_check(const char *v, char *err, size_t errlen)
{
	const char	*host;

	if (strncasecmp(v, "http://", 7) == 0)
		host = v + 7;
	else if (strncasecmp(v, "https://", 8) == 0)
		host = v + 8;
	else
		return "expected http://HOST:PORT or https://HOST:PORT";
	if (*host == '\0' || *host == '/' || *host == ':')
		return "no host";
	if (v[strcspn(v, " \t")] != '\0')
		return "white space";
	if (strpbrk(v, "?#") != NULL)
		return "no query or fragment allowed (/v1/vote?... is appended)";
	if (url_host_check(v, err, errlen) == -1)
		return err;
	return NULL;
}

/* Does the authority of a URL ("scheme://authority/...") hold a '@'? */
static bool
url_has_userinfo(const char *v)
{
	const char	*a;
	size_t		 n;

	if ((a = strstr(v, "://")) == NULL)
		return false;
	a += 3;
	n = strcspn(a, "/?#");
	return memchr(a, '@', n) != NULL;
}

/*
 * Does a [hooks] notify URL carry a token, making the config file a secret
 * (mode 600, like the key files)?  The rule, documented in
 * failover-agent.conf(5): a query string, or a path segment of 16
 * characters or more holding both a letter and a digit (Slack's
 * /services/T../B../XXXX, Discord's /api/webhooks/ID/TOKEN).
 */
static bool
notify_url_has_token(const char *v)
{
	const char	*p, *end;
	size_t		 n;
	bool		 alpha, digit;

	if ((p = strstr(v, "://")) == NULL)
		return false;
	p += 3;
	if (strchr(p, '?') != NULL)
		return true;
	end = p + strcspn(p, "#");
	p += strcspn(p, "/");
	while (p < end) {
		p++;
		n = strcspn(p, "/#");
		alpha = digit = false;
		for (size_t i = 0; i < n; i++) {
			alpha |= isalpha((unsigned char)p[i]) != 0;
			digit |= isdigit((unsigned char)p[i]) != 0;
		}
		if (n >= 16 && alpha && digit)
			return true;
		p += n;
	}
	return false;
}

/* Do two spare URLs name the same server?  A final '/' does not count. */
static bool
spare_url_same(const char *a, const char *b)
{
	size_t	la = strlen(a), lb = strlen(b);

	while (la > 0 && a[la - 1] == '/')
		la--;
	while (lb > 0 && b[lb - 1] == '/')
		lb--;
	return la == lb && strncasecmp(a, b, la) == 0;
}

/*
 * [quorum]: read for either role (a spare uses secret_file only).  Whether
 * secret_file is required, and need against the spares, is for
 * validate_all(), once every [spare:*] is known.
 */
static void
validate_quorum(struct cfg_ctx *c, const struct psection *s)
{
	static const char *const keys[] = { "secret_file", "need", "max_up",
	    "need_down", "timeout", "canary", NULL };
	struct cfg_quorum	*q = &c->cfg->quorum;
	const char		*v;
	char			*p, err[PATH_MAX + 128];
	int			 line;
	long long		 n;

	sec_check_keys(c, s, keys, NULL, NULL, NULL);
	c->cfg->has_quorum = true;
	c->quorum = s;
	q->line = s->line;
	/* Like the TSIG key: existence and mode now, contents when used. */
	if ((v = get_str(c, s, "secret_file", false, &line)) != NULL) {
		p = path_resolve(c, v);
		if (CFG_JUDGE_FILES(c) &&
		    util_secret_file_check(p, err, sizeof(err)) == -1) {
			perr(c, line, "secret_file: %s", err);
			free(p);
		} else
			q->secret_file = p;
	}
	n = q->need;
	get_num(c, s, "need", 0, CFG_NUM_MAX, &n);
	q->need = (int)n;
	n = q->max_up;
	get_num(c, s, "max_up", 0, CFG_NUM_MAX, &n);
	q->max_up = (int)n;
	/*
	 * need_down: 1 by default, 0 only as the consequence of need = 0 (a
	 * backup that fails over with no spare at all cannot require a
	 * "down" vote); set, it is 1..need (checked once need is known).
	 */
	n = q->need > 0 ? 1 : 0;
	get_num(c, s, "need_down", 1, CFG_NUM_MAX, &n);
	q->need_down = (int)n;
	get_duration(c, s, "timeout", 1, &q->timeout_ms, NULL);
	get_duration(c, s, "canary", 0, &q->canary_ms, NULL);
}

static void
validate_spare(struct cfg_ctx *c, const struct psection *s, const char *name)
{
	static const char *const keys[] = { "url", NULL };
	struct config		*cfg = c->cfg;
	struct cfg_spare	*sp;
	const char		*v, *why;
	char			 err[256];
	size_t			 i;
	int			 line;

	if (!vote_name_valid(name)) {
		perr(c, s->line, "bad spare name '%.64s' in [%s] (1 to %d"
		    " letters, digits, '.', '_' or '-')", name, s->name,
		    VOTE_NAME_MAX);
		return;
	}
	sec_check_keys(c, s, keys, NULL, NULL, NULL);
	if ((v = get_str(c, s, "url", true, &line)) == NULL)
		return;
	/* Not echoed: it may hold a password. */
	if (url_has_userinfo(v)) {
		perr(c, line, "url must not hold a user name or password"
		    " (user:pass@): the vote key ([quorum] secret_file)"
		    " already authenticates the backup");
		return;
	}
	if ((why = spare_url_check(v, err, sizeof(err))) != NULL) {
		perr(c, line, "bad url '%.64s': %s", v, why);
		return;
	}
	for (i = 0; i < cfg->nspares; i++) {
		if (spare_url_same(cfg->spares[i].url, v)) {
			perr(c, line, "url %.64s is also the url of"
			    " [spare:%s] (line %d): one spare must not count"
			    " twice", v, cfg->spares[i].name,
			    cfg->spares[i].line);
			return;
		}
	}
	cfg->spares = util_xreallocarray(cfg->spares, cfg->nspares + 1,
	    sizeof(*cfg->spares));
	sp = &cfg->spares[cfg->nspares++];
	sp->name = util_xstrdup(name);
	sp->url = util_xstrdup(v);
	sp->line = s->line;
}

/*
 * Split a listen list "a, b" into cfg->vote.listen, each address checked
 * with vote_listen_parse() (numeric, with a port) and listed once.
 * Returns 0, or -1 with err set (the list is then left empty).
 */
static int
vote_listen_list(struct cfg_vote *vt, const char *list, char *err,
    size_t errlen)
{
	struct sockaddr_storage	 ss, *seen = NULL;
	unsigned		*seenlen = NULL, sslen;
	char			*copy, *item, *next;
	size_t			 i, n = 0;
	int			 rc = -1;

	copy = util_xstrdup(list);
	for (item = copy; item != NULL; item = next) {
		if ((next = strchr(item, ',')) != NULL)
			*next++ = '\0';
		util_trim(item);
		if (*item == '\0') {
			snprintf(err, errlen, "empty item in the list");
			goto cleanup;
		}
		if (vote_listen_parse(item, &ss, &sslen, err, errlen) == -1)
			goto cleanup;
		for (i = 0; i < n; i++) {
			if (seenlen[i] == sslen &&
			    memcmp(&seen[i], &ss, sslen) == 0) {
				snprintf(err, errlen, "%s is listed twice",
				    item);
				goto cleanup;
			}
		}
		seen = util_xreallocarray(seen, n + 1, sizeof(*seen));
		seenlen = util_xreallocarray(seenlen, n + 1, sizeof(*seenlen));
		seen[n] = ss;
		seenlen[n] = sslen;
		n++;
		vt->listen = util_xreallocarray(vt->listen, vt->nlisten + 1,
		    sizeof(*vt->listen));
		vt->listen[vt->nlisten++] = util_xstrdup(item);
	}
	rc = 0;
cleanup:
	if (rc == -1) {
		for (i = 0; i < vt->nlisten; i++)
			free(vt->listen[i]);
		free(vt->listen);
		vt->listen = NULL;
		vt->nlisten = 0;
	}
	free(seen);
	free(seenlen);
	free(copy);
	return rc;
}

/* [vote] allow = CIDR, ...: into vt->allow.  Returns 0, or -1 with err. */
static int
vote_allow_list(struct cfg_vote *vt, const char *list, char *err,
    size_t errlen)
{
	char	*copy, *item, *next;
	int	 rc = -1;

	copy = util_xstrdup(list);
	for (item = copy; item != NULL; item = next) {
		if ((next = strchr(item, ',')) != NULL)
			*next++ = '\0';
		util_trim(item);
		if (*item == '\0') {
			snprintf(err, errlen, "empty item in the list");
			goto cleanup;
		}
		vt->allow = util_xreallocarray(vt->allow, vt->nallow + 1,
		    sizeof(*vt->allow));
		if (vote_cidr_parse(item, &vt->allow[vt->nallow], err,
		    errlen) == -1)
			goto cleanup;
		vt->nallow++;
	}
	rc = 0;
cleanup:
	free(copy);
	return rc;
}

/*
 * [vote] interval, or its old name cache: interval replaced cache (a
 * verdict reused on request) when spares began to probe on their own clock;
 * cache is read as interval, with a warning at its line.
 */
static void
vote_interval_get(struct cfg_ctx *c, const struct psection *s,
    struct cfg_vote *vt)
{
	const struct pentry	*ei, *ec;

	ei = sec_get(s, "interval");
	if ((ec = sec_get(s, "cache")) != NULL) {
		if (ei != NULL)
			perr(c, ec->line, "cache is the old name of interval,"
			    " which line %d sets: remove cache", ei->line);
		else {
			pwarn(c, ec->line, "cache is now called interval (the"
			    " spare probes every interval, whether asked or"
			    " not): rename it");
			/* cache = 0 (probe on every request): as often as 1s. */
			if (get_duration(c, s, "cache", 0, &vt->interval_ms,
			    NULL) && vt->interval_ms == 0)
				vt->interval_ms = 1000;
		}
	}
	get_duration(c, s, "interval", 1, &vt->interval_ms, NULL);
}

static void
validate_vote(struct cfg_ctx *c, const struct psection *s)
{
	static const char *const keys[] = { "listen", "interval", "cache",
	    "request_timeout", "max_connections", "max_per_ip", "allow", NULL };
	struct cfg_vote		*vt = &c->cfg->vote;
	const char		*v;
	char			 err[256];
	int			 line;
	long long		 n;

	sec_check_keys(c, s, keys, NULL, NULL, NULL);
	c->cfg->has_vote = true;
	c->vote = s;
	vt->line = s->line;
	if ((v = get_str(c, s, "listen", false, &line)) != NULL &&
	    vote_listen_list(vt, v, err, sizeof(err)) == -1)
		perr(c, line, "bad listen address list: %s", err);
	vote_interval_get(c, s, vt);
	get_duration(c, s, "request_timeout", 1, &vt->request_timeout_ms,
	    NULL);
	n = vt->max_connections;
	get_num(c, s, "max_connections", 1, 1000000, &n);
	vt->max_connections = (unsigned)n;
	n = vt->max_per_ip;
	get_num(c, s, "max_per_ip", 1, 1000000, &n);
	vt->max_per_ip = (unsigned)n;
	if ((v = get_str(c, s, "allow", false, &line)) != NULL &&
	    vote_allow_list(vt, v, err, sizeof(err)) == -1)
		perr(c, line, "bad allow list: %s", err);
}

/* "localhost", 127.0.0.0/8 or ::1 (curl gives IPv6 hosts in brackets). */
static bool
host_is_loopback(const char *host)
{
	struct in_addr	 a4;
	struct in6_addr	 a6;
	char		 buf[INET6_ADDRSTRLEN + 2];
	size_t		 n = strlen(host);

	if (strcasecmp(host, "localhost") == 0 ||
	    strcasecmp(host, "localhost.") == 0)
		return true;
	if (inet_pton(AF_INET, host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (n >= 2 && host[0] == '[' && host[n - 1] == ']' &&
	    n - 2 < sizeof(buf)) {
		memcpy(buf, host + 1, n - 2);
		buf[n - 2] = '\0';
		if (inet_pton(AF_INET6, buf, &a6) == 1)
			return IN6_IS_ADDR_LOOPBACK(&a6);
	}
	return false;
}

/*
 * The url of an API that gets a secret: http or https, a host, no user
 * name or password in it (they come from their own keys, never a URL that
 * ends up in logs), no query or fragment.  Plain http only to a loopback
 * address: anywhere else the secret would cross the network in clear text.
 * Returns a copy without the final '/', or NULL (reported).
 */
static char *
get_api_url(struct cfg_ctx *c, const struct psection *s, const char *key)
{
	const char	*v;
	char		*scheme = NULL, *host = NULL, *user = NULL,
			*pass = NULL, *query = NULL, *frag = NULL, *out = NULL;
	CURLU		*u;
	size_t		 n;
	int		 line = s->line;

	if ((v = get_str(c, s, key, true, &line)) == NULL)
		return NULL;
	if ((u = curl_url()) == NULL)
		fatalx("curl_url: out of memory");
	if (v[strcspn(v, " \t")] != '\0') {
		perr(c, line, "bad %s '%.64s': white space", key, v);
		goto done;
	}
	if (curl_url_set(u, CURLUPART_URL, v, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0)) {
		perr(c, line, "bad %s '%.64s' (expected https://HOST[:PORT]/...)",
		    key, v);
		goto done;
	}
	(void)curl_url_get(u, CURLUPART_USER, &user, 0);
	(void)curl_url_get(u, CURLUPART_PASSWORD, &pass, 0);
	(void)curl_url_get(u, CURLUPART_QUERY, &query, 0);
	(void)curl_url_get(u, CURLUPART_FRAGMENT, &frag, 0);
	if (user != NULL || pass != NULL) {
		perr(c, line, "%s must not hold a user name or password (they"
		    " would show in logs); use the section's own keys", key);
		goto done;
	}
	if (query != NULL || frag != NULL) {
		perr(c, line, "%s must not have a ?query or #fragment", key);
		goto done;
	}
	if (strcmp(scheme, "http") == 0 && !host_is_loopback(host)) {
		perr(c, line, "%s: http:// would send the credentials to %s in"
		    " clear text; use https:// (plain http is allowed only to"
		    " a loopback address: 127.0.0.1, ::1, localhost)", key,
		    host);
		goto done;
	}
	out = util_xstrdup(v);
	n = strlen(out);
	while (n > 0 && out[n - 1] == '/')
		out[--n] = '\0';
done:
	curl_free(scheme);
	curl_free(host);
	curl_free(user);
	curl_free(pass);
	curl_free(query);
	curl_free(frag);
	curl_url_cleanup(u);
	return out;
}

/*
 * [hooks] notify: the webhook every transition is POSTed to.  https, or
 * plain http to a loopback address only (a relay on this host): the body
 * says which site failed over, and a forged or read one misleads people.
 * No user or password in it (they would show wherever the URL does); a
 * query is allowed, since many webhooks carry their token there, which is
 * why the agent never logs more of this URL than its scheme and host.
 * Returns a copy, or NULL (reported).
 */
static char *
get_notify_url(struct cfg_ctx *c, const struct psection *s)
{
	const char	*v;
	char		*scheme = NULL, *host = NULL, *user = NULL,
			*pass = NULL, *out = NULL;
	CURLU		*u;
	int		 line = s->line;

	if ((v = get_str(c, s, "notify", true, &line)) == NULL)
		return NULL;
	if ((u = curl_url()) == NULL)
		fatalx("curl_url: out of memory");
	if (v[strcspn(v, " \t")] != '\0' ||
	    curl_url_set(u, CURLUPART_URL, v, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0)) {
		perr(c, line, "bad notify URL (expected "
		    "https://HOST[:PORT]/...)");
		goto done;
	}
	(void)curl_url_get(u, CURLUPART_USER, &user, 0);
	(void)curl_url_get(u, CURLUPART_PASSWORD, &pass, 0);
	if (user != NULL || pass != NULL) {
		perr(c, line, "notify must not hold a user name or password");
		goto done;
	}
	if (strcmp(scheme, "http") == 0 && !host_is_loopback(host)) {
		perr(c, line, "notify: use https:// (plain http is allowed only"
		    " to a loopback address: 127.0.0.1, ::1, localhost)");
		goto done;
	}
	if (notify_url_has_token(v))
		c->notify_secret_line = line;
	out = util_xstrdup(v);
done:
	curl_free(scheme);
	curl_free(host);
	curl_free(user);
	curl_free(pass);
	curl_url_cleanup(u);
	return out;
}

/* A secret file: absolute (or relative to the config), mode 600 or less. */
static char *
get_secret_file(struct cfg_ctx *c, const struct psection *s, const char *key)
{
	const char	*v;
	char		*p, err[PATH_MAX + 128];
	int		 line = s->line;

	if ((v = get_str(c, s, key, true, &line)) == NULL)
		return NULL;
	p = path_resolve(c, v);
	if (CFG_JUDGE_FILES(c) &&
	    util_secret_file_check(p, err, sizeof(err)) == -1) {
		perr(c, line, "%s: %s", key, err);
		free(p);
		return NULL;
	}
	return p;
}

static void
validate_virtualmin(struct cfg_ctx *c, const struct psection *s)
{
	static const char *const keys[] = { "url", "user", "password_file",
	    "ca_file", NULL };
	struct cfg_virtualmin	*vm = &c->cfg->virtualmin;
	const char		*v;
	int			 line;

	sec_check_keys(c, s, keys, NULL, NULL, NULL);
	vm->line = s->line;
	vm->url = get_api_url(c, s, "url");
	if ((v = get_str(c, s, "user", true, &line)) != NULL) {
		/* RFC 7617 §2: a user-id holding ':' cannot be sent. */
		if (v[strcspn(v, ":\t ")] != '\0')
			perr(c, line, "bad user '%.64s': no ':' or white space",
			    v);
		else
			vm->user = util_xstrdup(v);
	}
	vm->password_file = get_secret_file(c, s, "password_file");
	vm->ca_file = get_readable_file(c, s, "ca_file");
}

static void
validate_powerdns(struct cfg_ctx *c, const struct psection *s)
{
	static const char *const keys[] = { "url", "api_key_file", "ca_file",
	    NULL };
	struct cfg_powerdns	*pd = &c->cfg->powerdns;

	sec_check_keys(c, s, keys, NULL, NULL, NULL);
	pd->line = s->line;
	pd->url = get_api_url(c, s, "url");
	pd->api_key_file = get_secret_file(c, s, "api_key_file");
	pd->ca_file = get_readable_file(c, s, "ca_file");
}

static void
validate_exec(struct cfg_ctx *c, const struct psection *s)
{
	static const char *const keys[] = { "program", "timeout", NULL };
	struct cfg_exec	*ex = &c->cfg->exec;

	sec_check_keys(c, s, keys, NULL, NULL, NULL);
	ex->line = s->line;
	if (sec_get(s, "program") == NULL)
		missing_key(c, s, "program");
	else
		ex->program = get_hook(c, s, "program");
	get_duration(c, s, "timeout", 1, &ex->timeout_ms, NULL);
}

/* ------------------------------------------------------------------------ */
/* [cloudflare], [ovh], [http]: the registrar and DNS-provider APIs */

/* An optional API base URL (get_api_url's rules), else def. */
static char *
get_api_base(struct cfg_ctx *c, const struct psection *s, const char *key,
    const char *def)
{
	if (sec_get(s, key) == NULL)
		return util_xstrdup(def);
	return get_api_url(c, s, key);
}

static void
validate_cloudflare(struct cfg_ctx *c, const struct psection *s)
{
	static const char *const keys[] = { "api_token_file", "api_url",
	    "ca_file", "account_id", NULL };
	struct cfg_cloudflare	*cf = &c->cfg->cloudflare;
	const char		*v;
	int			 line = s->line;
	size_t			 n;

	sec_check_keys(c, s, keys, NULL, NULL, NULL);
	cf->line = s->line;
	cf->api_url = get_api_base(c, s, "api_url", CFG_CLOUDFLARE_API);
	cf->api_token_file = get_secret_file(c, s, "api_token_file");
	cf->ca_file = get_readable_file(c, s, "ca_file");
	/* Cloudflare's ids are 32 hex digits; it goes into a URL query. */
	if ((v = get_str(c, s, "account_id", false, &line)) != NULL) {
		n = strspn(v, "0123456789abcdefABCDEF");
		if (n == 0 || n > 64 || v[n] != '\0')
			perr(c, line, "account_id '%.40s' is not a Cloudflare "
			    "account id (hex digits)", v);
		else
			cf->account_id = util_xstrdup(v);
	}
}

static void
validate_ovh(struct cfg_ctx *c, const struct psection *s)
{
	static const char *const keys[] = { "endpoint",
	    "application_key_file", "application_secret_file",
	    "consumer_key_file", "ca_file", NULL };
	struct cfg_ovh	*o = &c->cfg->ovh;

	sec_check_keys(c, s, keys, NULL, NULL, NULL);
	o->line = s->line;
	o->endpoint = get_api_base(c, s, "endpoint", CFG_OVH_ENDPOINT);
	o->application_key_file = get_secret_file(c, s,
	    "application_key_file");
	o->application_secret_file = get_secret_file(c, s,
	    "application_secret_file");
	o->consumer_key_file = get_secret_file(c, s, "consumer_key_file");
	o->ca_file = get_readable_file(c, s, "ca_file");
}

/*
 * A URL template of [http] once expanded with sample values: http or https,
 * a host, no user or password; plain http to a loopback address only (the
 * request carries a secret in a header).  A query is allowed (some APIs
 * take their parameters there), never the secret ({secret} is refused in a
 * URL, which shows in logs).
 */
static void
http_url_check(struct cfg_ctx *c, int line, const char *key, const char *url)
{
	char	*scheme = NULL, *host = NULL, *user = NULL, *pass = NULL;
	CURLU	*u;

	if ((u = curl_url()) == NULL)
		fatalx("curl_url: out of memory");
	if (url[strcspn(url, " \t")] != '\0' ||
	    curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0)) {
		perr(c, line, "bad %s '%.80s' (expected https://HOST[:PORT]/...)",
		    key, url);
		goto done;
	}
	(void)curl_url_get(u, CURLUPART_USER, &user, 0);
	(void)curl_url_get(u, CURLUPART_PASSWORD, &pass, 0);
	if (user != NULL || pass != NULL)
		perr(c, line, "%s must not hold a user name or password (they"
		    " would show in logs); put the secret in a header with"
		    " {secret}", key);
	else if (strcmp(scheme, "http") == 0 && !host_is_loopback(host))
		perr(c, line, "%s: http:// would send the secret to %s in clear"
		    " text; use https:// (plain http is allowed only to a"
		    " loopback address: 127.0.0.1, ::1, localhost)", key, host);
done:
	curl_free(scheme);
	curl_free(host);
	curl_free(user);
	curl_free(pass);
	curl_url_cleanup(u);
}

/*
 * Check the template of key at where, and, for a URL or a body, what it
 * expands to with sample values (a URL that curl takes, a body that is
 * JSON).  Returns a copy of the template, or NULL (reported).  *uses gets
 * what it uses.
 */
static char *
get_http_template(struct cfg_ctx *c, const struct psection *s,
    const char *key, enum httptmpl_where where, bool required, unsigned *uses)
{
	struct httptmpl_vars	 v;
	struct addrset		 sample;
	json_error_t		 jerr;
	json_t			*j;
	const char		*t;
	char			*x, err[256];
	int			 line = s->line;

	*uses = 0;
	if ((t = get_str(c, s, key, required, &line)) == NULL)
		return NULL;
	if (httptmpl_check(t, where, uses, err, sizeof(err)) == -1) {
		perr(c, line, "%s: %s", key, err);
		return NULL;
	}
	httptmpl_sample(&v, &sample);
	v.records = "[]";
	if ((x = httptmpl_expand(t, where, &v, err, sizeof(err))) == NULL) {
		perr(c, line, "%s: %s", key, err);
		return NULL;
	}
	if (where == HTTPTMPL_URL || where == HTTPTMPL_URL_ZONE ||
	    where == HTTPTMPL_TEST_URL)
		http_url_check(c, line, key, x);
	else if (where == HTTPTMPL_BODY_RECORD ||
	    where == HTTPTMPL_BODY_ZONE || where == HTTPTMPL_RECORD) {
		if ((j = json_loads(x, JSON_DECODE_ANY, &jerr)) == NULL)
			perr(c, line, "%s is not JSON once expanded (%s, at"
			    " character %d of: %.120s)", key, jerr.text,
			    jerr.position, x);
		json_decref(j);
	}
	free(x);
	return util_xstrdup(t);
}

/* header = Name: value, as many as needed (in file order). */
static void
get_http_headers(struct cfg_ctx *c, const struct psection *s,
    unsigned *uses)
{
	struct cfg_http		*h = &c->cfg->http;
	const struct pentry	*e;
	const char		*colon, *p;
	char			*name, err[256];
	unsigned		 u;
	size_t			 i, n;

	*uses = 0;
	for (i = 0; i < s->n; i++) {
		e = &s->entries[i];
		if (strcmp(e->key, "header") != 0)
			continue;
		if (h->nheaders == CFG_HTTP_HEADERS_MAX) {
			perr(c, e->line, "more than %d header lines",
			    CFG_HTTP_HEADERS_MAX);
			return;
		}
		colon = strchr(e->value, ':');
		n = colon != NULL ? (size_t)(colon - e->value) : 0;
		while (n > 0 && isspace((unsigned char)e->value[n - 1]))
			n--;
		/* RFC 9110 §5.1: a field name is a token. */
		for (p = e->value; colon != NULL && p < e->value + n; p++)
			if (!isalnum((unsigned char)*p) &&
			    strchr("!#$%&'*+-.^_`|~", *p) == NULL)
				break;
		if (colon == NULL || n == 0 || p < e->value + n) {
			perr(c, e->line, "bad header '%.64s' (expected"
			    " 'header = Name: value')", e->value);
			continue;
		}
		for (p = colon + 1; isspace((unsigned char)*p); p++)
			;
		if (httptmpl_check(p, HTTPTMPL_HEADER, &u, err,
		    sizeof(err)) == -1) {
			perr(c, e->line, "header: %s", err);
			continue;
		}
		*uses |= u;
		name = util_xcalloc(1, n + 1);
		memcpy(name, e->value, n);
		h->headers[h->nheaders].name = name;
		h->headers[h->nheaders].value = util_xstrdup(p);
		h->headers[h->nheaders].line = e->line;
		h->nheaders++;
	}
}

/*
 * rate_limit = 2/s, 15/min, 100/h, 300/d: the provider's documented limits
 * on the requests of one zone (deSEC's per-domain write limits, for
 * instance), N per s, min, h or d; each unit once.
 */
static void
get_http_rate(struct cfg_ctx *c, const struct psection *s)
{
	static const struct { const char *u; uint32_t secs; } units[] = {
		{ "s", 1 }, { "min", 60 }, { "h", 3600 }, { "d", 86400 } };
	struct cfg_http	*h = &c->cfg->http;
	const char	*v;
	char		*dup, *tok, *save = NULL, *slash;
	int		 line = s->line;
	const char	*errstr;
	size_t		 u, k;
	long long	 n;

	if ((v = get_str(c, s, "rate_limit", false, &line)) == NULL)
		return;
	dup = util_xstrdup(v);
	for (tok = strtok_r(dup, ", \t", &save); tok != NULL;
	    tok = strtok_r(NULL, ", \t", &save)) {
		if ((slash = strchr(tok, '/')) == NULL)
			goto bad;
		*slash++ = '\0';
		for (u = 0; u < FA_ARRAY_SIZE(units); u++)
			if (strcmp(slash, units[u].u) == 0)
				break;
		if (u == FA_ARRAY_SIZE(units) || util_number_parse(tok, 1,
		    1000000, &n, &errstr) == -1)
			goto bad;
		for (k = 0; k < h->nrate; k++)
			if (h->rate[k].window_s == units[u].secs)
				goto bad;
		h->rate[h->nrate].n = (uint32_t)n;
		h->rate[h->nrate++].window_s = units[u].secs;
	}
	free(dup);
	if (h->nrate == 0)
		perr(c, line, "rate_limit is empty");
	return;
bad:
	free(dup);
	h->nrate = 0;
	perr(c, line, "bad rate_limit '%.60s' (expected N/s, N/min, N/h,"
	    " N/d, each unit once: \"2/s, 15/min, 100/h, 300/d\")", v);
}

/* success_status = 200, 204: HTTP statuses, 100 to 599. */
static void
get_http_statuses(struct cfg_ctx *c, const struct psection *s)
{
	struct cfg_http	*h = &c->cfg->http;
	const char	*v, *errstr;
	char		*copy, *tok, *save;
	long long	 n;
	int		 line = s->line;

	if ((v = get_str(c, s, "success_status", false, &line)) == NULL)
		return;
	copy = util_xstrdup(v);
	for (tok = strtok_r(copy, ", \t", &save); tok != NULL;
	    tok = strtok_r(NULL, ", \t", &save)) {
		if (util_number_parse(tok, 100, 599, &n, &errstr) == -1) {
			perr(c, line, "bad HTTP status '%.32s' in"
			    " success_status: %s (100 to 599)", tok, errstr);
			break;
		}
		if (h->nstatus == CFG_HTTP_STATUS_MAX) {
			perr(c, line, "more than %d statuses in"
			    " success_status", CFG_HTTP_STATUS_MAX);
			break;
		}
		h->success_status[h->nstatus++] = (long)n;
	}
	if (h->nstatus == 0 && tok == NULL)
		perr(c, line, "success_status lists no status");
	free(copy);
}

static void
validate_http(struct cfg_ctx *c, const struct psection *s)
{
	static const char *const keys[] = { "method", "url", "header", "body",
	    "per", "record", "success_status", "success_json_pointer",
	    "success_json_value", "secret_file", "test_url", "ca_file",
	    "rate_limit", NULL };
	static const char *const methods[] = { "GET", "POST", "PUT", "PATCH",
	    "DELETE", NULL };
	static const struct kw pers[] = { { "record", 0 }, { "zone", 1 } };
	struct cfg_http		*h = &c->cfg->http;
	const struct pentry	*e;
	const char		*v;
	char			*m;
	unsigned		 uh = 0, uu = 0, ub = 0, ur = 0, ut = 0;
	json_error_t		 jerr;
	json_t			*j;
	int			 line = s->line, per = 0;

	sec_check_keys(c, s, keys, NULL, NULL, NULL);
	h->line = s->line;
	if ((v = get_str(c, s, "method", true, &line)) != NULL) {
		m = util_xstrdup(v);
		for (char *p = m; *p != '\0'; p++)
			*p = (char)toupper((unsigned char)*p);
		if (!in_list(methods, m)) {
			perr(c, line, "bad method '%.32s' (expected GET, POST,"
			    " PUT, PATCH or DELETE)", v);
			free(m);
		} else
			h->method = m;
	}
	if (get_enum(c, s, "per", pers, FA_ARRAY_SIZE(pers), NULL, &per))
		h->per_zone = per == 1;
	h->url = get_http_template(c, s, "url", h->per_zone ?
	    HTTPTMPL_URL_ZONE : HTTPTMPL_URL, true, &uu);
	get_http_headers(c, s, &uh);
	h->body = get_http_template(c, s, "body", h->per_zone ?
	    HTTPTMPL_BODY_ZONE : HTTPTMPL_BODY_RECORD, h->per_zone, &ub);
	if (h->per_zone) {
		h->record = get_http_template(c, s, "record", HTTPTMPL_RECORD,
		    true, &ur);
		if (h->body != NULL && !(ub & HTTPTMPL_USES_RECORDS))
			perr(c, sec_get(s, "body")->line, "per = zone: the body"
			    " must hold {records} (the changed records, each"
			    " written with the record template)");
	} else if ((e = sec_get(s, "record")) != NULL)
		perr(c, e->line, "record applies to per = zone only");
	h->test_url = get_http_template(c, s, "test_url", HTTPTMPL_TEST_URL,
	    false, &ut);
	get_http_statuses(c, s);
	h->success_json_pointer = (v = get_str(c, s, "success_json_pointer",
	    false, &line)) != NULL ? util_xstrdup(v) : NULL;
	if (v != NULL && v[0] != '/')
		perr(c, line, "success_json_pointer '%.64s' is not a JSON"
		    " pointer (RFC 6901: /key/0/key)", v);
	if ((v = get_str(c, s, "success_json_value", false, &line)) != NULL) {
		if ((j = json_loads(v, JSON_DECODE_ANY, &jerr)) == NULL)
			perr(c, line, "success_json_value must be JSON (true,"
			    " 1, \"ok\"): %s", jerr.text);
		else
			h->success_json_value = util_xstrdup(v);
		json_decref(j);
	}
	if ((sec_get(s, "success_json_pointer") == NULL) !=
	    (sec_get(s, "success_json_value") == NULL))
		perr(c, s->line, "success_json_pointer and success_json_value"
		    " go together");
	if (sec_get(s, "secret_file") != NULL) {
		h->secret_file = get_secret_file(c, s, "secret_file");
		if (!(uh & HTTPTMPL_USES_SECRET))
			perr(c, sec_get(s, "secret_file")->line, "secret_file"
			    " is set but no header holds {secret}");
	} else if (uh & HTTPTMPL_USES_SECRET)
		perr(c, s->line, "a header holds {secret} but [http] has no"
		    " secret_file");
	h->ca_file = get_readable_file(c, s, "ca_file");
	get_http_rate(c, s);
	c->http_uses = uu | ub | ur;
	(void)ut;
}

/*
 * per = record sends one request per changed name and type: a move of a
 * zone takes (its records) x (the address families of the sites)
 * requests.  More than a rate_limit allows, and the provider answers 429
 * half-way: warn, and say what per = zone would cost (one request).
 */
static void
validate_http_rate(struct cfg_ctx *c)
{
	const struct config	*cfg = c->cfg;
	const struct cfg_http	*h = &cfg->http;
	struct addrset		 p, b;
	const char		*unit;
	size_t			 i, k, nfam = 0, need;
	int			 fam;

	if (h->per_zone || h->nrate == 0)
		return;
	for (fam = AF_INET; fam != -1; fam = fam == AF_INET ? AF_INET6 : -1) {
		addrset_family(&cfg->primary, fam, &p);
		addrset_family(&cfg->backup, fam, &b);
		if (p.n > 0 || b.n > 0)
			nfam++;
	}
	for (i = 0; i < cfg->nzones; i++) {
		need = cfg->zones[i].nrecords * nfam;
		for (k = 0; k < h->nrate; k++) {
			if (need <= h->rate[k].n)
				continue;
			unit = h->rate[k].window_s == 1 ? "second" :
			    h->rate[k].window_s == 60 ? "minute" :
			    h->rate[k].window_s == 3600 ? "hour" : "day";
			pwarn(c, cfg->zones[i].line, "with per = record a move "
			    "of %s takes %zu requests, more than [http] "
			    "rate_limit allows (%u per %s): the provider will "
			    "answer 429 half-way%s; per = zone takes one "
			    "request per zone", cfg->zones[i].name, need,
			    (unsigned)h->rate[k].n, unit,
			    h->rate[k].window_s == 1 ? " and the move waits for "
			    "Retry-After" : " and the zone stays half-moved "
			    "until a later cycle");
			break;
		}
	}
}

/*
 * {address} writes one address: each site must have at most one address
 * of each type, and both the same count (else a move would empty it).
 */
static void
validate_http_sites(struct cfg_ctx *c)
{
	const struct config	*cfg = c->cfg;
	struct addrset		 p, b;
	int			 fam;

	if (!(c->http_uses & HTTPTMPL_USES_ADDRESS))
		return;
	for (fam = AF_INET; fam != -1; fam = fam == AF_INET ? AF_INET6 : -1) {
		addrset_family(&cfg->primary, fam, &p);
		addrset_family(&cfg->backup, fam, &b);
		if (p.n > 1 || b.n > 1 || p.n != b.n) {
			perr(c, c->cfg->http.line, "[http] uses {address}, which"
			    " holds one address, but [site:primary] has %zu"
			    " and [site:backup] %zu %s address%s: use"
			    " {addresses} (a JSON array)", p.n, b.n,
			    fam == AF_INET ? "IPv4" : "IPv6",
			    p.n + b.n == 1 ? "" : "es");
			return;
		}
	}
}

/*
 * Cloudflare's TTL: 1 means automatic, else 60 to 86400 (30 on Enterprise
 * zones, which this version does not tell apart).  Automatic is 300 s for
 * a DNS-only record: a hold_down shorter than that is worth a warning.
 */
static void
validate_cloudflare_ttl(struct cfg_ctx *c)
{
	const struct pentry	*e = sec_get(c->dns, "ttl");
	const struct config	*cfg = c->cfg;
	char			 hb[32];

	if (!c->dns_ttl_ok)
		return;
	if (cfg->dns.ttl != 1 && cfg->dns.ttl < 60) {
		perr(c, e != NULL ? e->line : c->dns->line, "ttl = %u is not a"
		    " Cloudflare TTL: 1 (automatic) or 60 to 86400",
		    (unsigned)cfg->dns.ttl);
		return;
	}
	if (cfg->dns.ttl == 1 && c->hold_down_ok &&
	    cfg->agent.hold_down_ms < 300 * 1000) {
		util_duration_format(cfg->agent.hold_down_ms, hb, sizeof(hb));
		pwarn(c, e != NULL ? e->line : c->dns->line, "ttl = 1 is"
		    " Cloudflare's automatic TTL (300s for a DNS-only"
		    " record), longer than hold_down (%s): caches may hold the"
		    " old answer after a move", hb);
	}
}

/*
 * The section of [dns] method: required and read in full.  The sections of
 * the other methods may stay in the file (unused, with a warning); only
 * their key names are checked.
 */
static void
validate_dns_method(struct cfg_ctx *c)
{
	static const struct {
		enum dns_method	 m;
		const char	*name;
		const char	*keys;
	} ms[] = {
		{ DNS_METHOD_VIRTUALMIN, "virtualmin", "url, user,"
		    " password_file" },
		{ DNS_METHOD_POWERDNS, "powerdns", "url, api_key_file" },
		{ DNS_METHOD_EXEC, "exec", "program" },
		{ DNS_METHOD_CLOUDFLARE, "cloudflare", "api_token_file" },
		{ DNS_METHOD_OVH, "ovh", "application_key_file,"
		    " application_secret_file, consumer_key_file" },
		{ DNS_METHOD_HTTP, "http", "method, url" },
	};
	static const char *const any[] = { "url", "user", "password_file",
	    "api_key_file", "ca_file", "program", "timeout", "api_token_file",
	    "api_url", "endpoint", "application_key_file",
	    "application_secret_file", "consumer_key_file", "method", "header",
	    "body", "per", "record", "success_status", "success_json_pointer",
	    "success_json_value", "secret_file", "test_url", NULL };
	enum dns_method		 m = c->cfg->dns.method;
	const struct pentry	*me;
	const struct psection	*secs[] = { c->virtualmin, c->powerdns,
				    c->exec, c->cloudflare, c->ovh, c->http },
				*s;
	size_t			 i;

	if (c->dns == NULL || !c->dns_method_ok)
		return;
	/* An API's or a program's "done" is confirmed through DNS, always. */
	if (m != DNS_METHOD_RFC2136 && c->cfg->dns.verify == DNS_VERIFY_NONE) {
		me = sec_get(c->dns, "verify");
		perr(c, me != NULL ? me->line : c->dns->line, "verify = none is"
		    " not allowed with method = %s: its answer alone is not"
		    " trusted, the change is confirmed through DNS (use server"
		    " or all)", dns_method_str(m));
	}
	for (i = 0; i < FA_ARRAY_SIZE(ms); i++) {
		s = secs[i];
		if (ms[i].m == m && s == NULL) {
			me = sec_get(c->dns, "method");
			perr(c, me != NULL ? me->line : c->dns->line, "method ="
			    " %s needs a [%s] section (%s)", ms[i].name,
			    ms[i].name, ms[i].keys);
		} else if (ms[i].m == m) {
			if (m == DNS_METHOD_VIRTUALMIN)
				validate_virtualmin(c, s);
			else if (m == DNS_METHOD_POWERDNS)
				validate_powerdns(c, s);
			else if (m == DNS_METHOD_CLOUDFLARE)
				validate_cloudflare(c, s);
			else if (m == DNS_METHOD_OVH)
				validate_ovh(c, s);
			else if (m == DNS_METHOD_HTTP)
				validate_http(c, s);
			else
				validate_exec(c, s);
		} else if (s != NULL) {
			sec_check_keys(c, s, any, NULL, NULL, NULL);
			pwarn(c, s->line, "[%s] is not used: [dns] method is %s",
			    ms[i].name, dns_method_str(m));
		}
	}
	if (m == DNS_METHOD_CLOUDFLARE)
		validate_cloudflare_ttl(c);
	else if (m == DNS_METHOD_HTTP && c->http != NULL) {
		validate_http_sites(c);
		validate_http_rate(c);
	}
}

/*
 * [mysql]: the backup's own replica (SPEC §6).  wait_to_apply is -1
 * (forever), 0 (do not wait) or a duration.
 */
static void
validate_mysql(struct cfg_ctx *c, const struct psection *s)
{
	static const char *const keys[] = { "socket", "host", "port", "user",
	    "password_file", "promote", "wait_to_apply", "timeout",
	    "primary_check", NULL };
	static const struct kw promotes[] = {
		{ "writable", MYSQL_PROMOTE_WRITABLE },
		{ "read-only", MYSQL_PROMOTE_READ_ONLY },
		{ "none", MYSQL_PROMOTE_NONE } };
	struct cfg_mysql	*m = &c->cfg->mysql;
	const char		*v;
	int			 e, line;

	sec_check_keys(c, s, keys, NULL, NULL, NULL);
	c->cfg->has_mysql = true;
	m->line = s->line;
	get_mysql_login(c, s, "/run/mysqld/mysqld.sock", &m->host, &m->port,
	    &m->socket, &m->user, &m->password_file);
	if (get_enum(c, s, "promote", promotes, FA_ARRAY_SIZE(promotes), NULL,
	    &e))
		m->promote = e;
	if ((v = get_str(c, s, "wait_to_apply", false, &line)) != NULL &&
	    strcmp(v, "-1") == 0)
		m->wait_to_apply_ms = -1;
	else
		get_duration(c, s, "wait_to_apply", 0, &m->wait_to_apply_ms,
		    NULL);
	get_duration(c, s, "timeout", 1, &m->timeout_ms, NULL);
	if ((v = get_str(c, s, "primary_check", false, &line)) != NULL)
		m->primary_check = util_xstrdup(v);
}

/*
 * Failback safety reads the primary's GTIDs through a [check:NAME] of type
 * mysql: primary_check names it, or the only one there is is taken.
 */
static void
validate_mysql_primary(struct cfg_ctx *c)
{
	struct config		*cfg = c->cfg;
	const struct psection	*s = NULL;
	const struct pentry	*e;
	size_t			 i, n = 0, found = 0;

	if (!cfg->has_mysql)
		return;
	for (i = 0; i < c->nsecs; i++)
		if (!c->secs[i].duplicate && strcmp(c->secs[i].name, "mysql") == 0)
			s = &c->secs[i];
	if (s == NULL)
		return;
	for (i = 0; i < cfg->nchecks; i++) {
		if (cfg->checks[i].type != CHECK_TYPE_MYSQL)
			continue;
		n++;
		if (cfg->mysql.primary_check == NULL ||
		    strcmp(cfg->checks[i].name, cfg->mysql.primary_check) == 0)
			found = i + 1;
	}
	if ((e = sec_get(s, "primary_check")) != NULL) {
		if (cfg->mysql.primary_check != NULL && found == 0)
			perr(c, e->line, "primary_check: no [check:%s] of type"
			    " mysql", cfg->mysql.primary_check);
	} else if (n == 0)
		perr(c, s->line, "[mysql] needs a [check:NAME] of type mysql"
		    " on the primary's database: failback compares its GTIDs"
		    " with this replica's (SPEC §6)");
	else if (n > 1)
		perr(c, s->line, "[mysql]: %zu checks of type mysql; say which"
		    " one reads the primary's database with primary_check ="
		    " NAME", n);
	if (found > 0)
		cfg->mysql.primary_check_index = found - 1;
}

/* Sections of SPEC §3 that this version does not read yet. */
static bool
section_later(const char *name)
{
	static const char *const later[] = { NULL };

	return in_list(later, name);
}

static void
validate_section(struct cfg_ctx *c, const struct psection *s)
{
	const char	*n = s->name;

	if (s->duplicate)
		return;
	if (strcmp(n, "agent") == 0)
		validate_agent(c, s);
	else if (strcmp(n, "site:primary") == 0) {
		c->primary = s;
		validate_site(c, s, &c->cfg->primary);
	} else if (strcmp(n, "site:backup") == 0) {
		c->backup = s;
		validate_site(c, s, &c->cfg->backup);
	} else if (strncmp(n, "check:", 6) == 0)
		validate_check(c, s, n + 6);
	else if (strcmp(n, "dns") == 0)
		validate_dns(c, s);
	else if (strncmp(n, "zone:", 5) == 0)
		validate_zone(c, s, n + 5);
	else if (strcmp(n, "hooks") == 0)
		validate_hooks(c, s);
	else if (strcmp(n, "quorum") == 0)
		validate_quorum(c, s);
	else if (strncmp(n, "spare:", 6) == 0)
		validate_spare(c, s, n + 6);
	else if (strcmp(n, "vote") == 0)
		validate_vote(c, s);
	else if (strcmp(n, "virtualmin") == 0)
		c->virtualmin = s;	/* read once [dns] method is known */
	else if (strcmp(n, "powerdns") == 0)
		c->powerdns = s;
	else if (strcmp(n, "exec") == 0)
		c->exec = s;
	else if (strcmp(n, "cloudflare") == 0)
		c->cloudflare = s;
	else if (strcmp(n, "ovh") == 0)
		c->ovh = s;
	else if (strcmp(n, "http") == 0)
		c->http = s;
	else if (strcmp(n, "mysql") == 0)
		validate_mysql(c, s);
	else if (section_later(n))
		perr(c, s->line, "unknown section [%s] (%s)", n, CFG_LATER);
	else
		perr(c, s->line, "unknown section [%s]", n);
}

static bool
zone_has(const struct cfg_zone *z, const char *record)
{
	for (size_t i = 0; i < z->nrecords; i++)
		if (strcmp(z->records[i], record) == 0)
			return true;
	return false;
}

/*
 * Every record once, and in the most specific configured zone (an UPDATE for
 * a name of a delegated sub-zone would be refused as NOTZONE).  A record
 * listed in both zones gets only the "listed twice" message.
 */
static void
validate_records(struct cfg_ctx *c)
{
	const struct config	*cfg = c->cfg;
	size_t			 zi, ri, zj, rj, rlen, zlen;

	for (zi = 0; zi < cfg->nzones; zi++) {
		const struct cfg_zone *z = &cfg->zones[zi];

		for (ri = 0; ri < z->nrecords; ri++) {
			const char *r = z->records[ri];
			bool dup = false;

			for (zj = 0; zj <= zi && !dup; zj++) {
				const struct cfg_zone *y = &cfg->zones[zj];
				size_t end = zj == zi ? ri : y->nrecords;

				for (rj = 0; rj < end; rj++) {
					if (strcmp(y->records[rj], r) != 0)
						continue;
					perr(c, c->records_line[zi], "record %s"
					    " is listed twice (also in"
					    " [zone:%s] at line %d)", r,
					    y->name, y->line);
					dup = true;
					break;
				}
			}
			if (dup)
				continue;
			/* A record of a sub-zone belongs to that zone. */
			rlen = strlen(r);
			for (zj = 0; zj < cfg->nzones; zj++) {
				const char *y = cfg->zones[zj].name;

				zlen = strlen(y);
				if (zj == zi || zlen <= strlen(z->name) ||
				    zlen > rlen)
					continue;
				if (strcmp(r + rlen - zlen, y) == 0 &&
				    (rlen == zlen ||
				    r[rlen - zlen - 1] == '.') &&
				    !zone_has(&cfg->zones[zj], r))
					perr(c, c->records_line[zi], "record %s"
					    " belongs to [zone:%s] (line %d),"
					    " not to %s", r, y,
					    cfg->zones[zj].line, z->name);
			}
		}
	}
}

/*
 * role = spare (SPEC §3): its checks, [quorum] secret_file and [vote]; any
 * other section is allowed and unused.
 */
static void
validate_spare_role(struct cfg_ctx *c)
{
	const struct config	*cfg = c->cfg;

	if (!cfg->has_quorum)
		perr(c, 0, "missing section [quorum]: a spare needs [quorum]"
		    " secret_file, the secret it shares with the backup");
	else if (sec_get(c->quorum, "secret_file") == NULL)
		missing_key(c, c->quorum, "secret_file");
	if (!cfg->has_vote)
		perr(c, 0, "missing section [vote]: a spare needs [vote], where"
		    " vote-server listens (an empty [vote] takes the defaults:"
		    " listen = %s, interval = 5s)", CFG_VOTE_LISTEN);
}

/*
 * role = backup: without [quorum] it cannot tell its own outage from the
 * primary's (a warning: a one-site setup is legal); with it, a secret and
 * spares enough to meet need.
 */
static void
validate_backup_quorum(struct cfg_ctx *c)
{
	const struct config	*cfg = c->cfg;
	const struct cfg_quorum	*q = &cfg->quorum;
	const struct pentry	*e;
	size_t			 ns = cfg->nspares;

	if (cfg->has_vote)
		pwarn(c, c->vote->line, "[vote] is read only when role ="
		    " spare (by vote-server); this site is a backup");
	if (cfg->has_quorum && cfg->agent.quorum_none) {
		e = sec_get(c->agent, "quorum");
		perr(c, e != NULL ? e->line : q->line, "quorum = none, but"
		    " there is a [quorum] section at line %d: remove one of"
		    " them", q->line);
		return;
	}
	if (!cfg->has_quorum) {
		if (ns > 0)
			perr(c, cfg->spares[0].line, "[spare:%s]: spares are"
			    " asked only with a [quorum] section (secret_file,"
			    " need)", cfg->spares[0].name);
		else if (!cfg->agent.quorum_none)
			pwarn(c, 0, "no [quorum] section: the agent cannot"
			    " tell its own network outage from the primary's;"
			    " add spares (see failover-agent.conf(5)), or say"
			    " [agent] quorum = none if that is on purpose");
		return;
	}
	if (sec_get(c->quorum, "secret_file") == NULL)
		missing_key(c, c->quorum, "secret_file");
	if (ns == 0) {
		perr(c, q->line, "[quorum] without any [spare:NAME] section:"
		    " add the spares to ask (or remove [quorum])");
		return;
	}
	if ((size_t)q->need > ns) {
		e = sec_get(c->quorum, "need");
		perr(c, e != NULL ? e->line : q->line, "need = %d but there"
		    " %s only %zu [spare:NAME] section%s: it could never be"
		    " met", q->need, ns == 1 ? "is" : "are", ns,
		    ns == 1 ? "" : "s");
	}
	if ((e = sec_get(c->quorum, "need_down")) != NULL &&
	    q->need_down > q->need)
		perr(c, e->line, "need_down = %d is more than need = %d: a"
		    " \"down\" vote is a valid answer, so need_down must be"
		    " from 1 to need", q->need_down, q->need);
	if (q->need == 0) {
		e = sec_get(c->quorum, "need");
		pwarn(c, e != NULL ? e->line : q->line, "need = 0: a backup"
		    " that no spare can reach fails over all the same");
	}
	if ((size_t)q->max_up >= ns) {
		e = sec_get(c->quorum, "max_up");
		pwarn(c, e != NULL ? e->line : q->line, "max_up = %d with %zu"
		    " spare%s: no number of \"up\" votes can stop a failover"
		    " (PARTITION is never found)", q->max_up, ns,
		    ns == 1 ? "" : "s");
	}
}

/* [vote] listen when absent: the SPEC's default. */
static void
vote_defaults(struct config *cfg)
{
	char	err[128];

	if (cfg->vote.nlisten == 0 &&
	    vote_listen_list(&cfg->vote, CFG_VOTE_LISTEN, err,
	    sizeof(err)) == -1)
		fatalx("internal: default listen list: %s", err);
}

static void
validate_all(struct cfg_ctx *c)
{
	struct config	*cfg = c->cfg;
	size_t		 i, j;
	bool		 backup_role;
	char		 hb[32];

	for (i = 0; i < c->nsecs; i++)
		validate_section(c, &c->secs[i]);
	vote_defaults(cfg);

	if (c->agent == NULL)
		perr(c, 0, "missing section [agent]");
	backup_role = cfg->agent.role == ROLE_BACKUP;
	if (cfg->nchecks == 0)
		perr(c, 0, "no [check:NAME] section: at least one check is"
		    " needed");
	if (!backup_role) {
		validate_spare_role(c);
		return;
	}

	if (c->primary == NULL)
		perr(c, 0, "missing section [site:primary]");
	if (c->backup == NULL)
		perr(c, 0, "missing section [site:backup]");
	if (c->dns == NULL)
		perr(c, 0, "missing section [dns]");
	if (cfg->nzones == 0)
		perr(c, 0, "no [zone:NAME] section: at least one zone is"
		    " needed");
	validate_backup_quorum(c);
	validate_mysql_primary(c);

	/* The two sites must not share an address. */
	if (cfg->primary.n > 0 && cfg->backup.n > 0) {
		for (i = 0; i < cfg->backup.n; i++)
			for (j = 0; j < cfg->primary.n; j++)
				if (addrset_cmp(&cfg->backup.addr[i],
				    &cfg->primary.addr[j]) == 0)
					perr(c, sec_get(c->backup,
					    "address")->line, "address %s is"
					    " in both [site:primary] and"
					    " [site:backup]",
					    cfg->backup.addr[i].text);
		for (int fam = AF_INET; fam != -1;
		    fam = fam == AF_INET ? AF_INET6 : -1) {
			struct addrset p, b;

			addrset_family(&cfg->primary, fam, &p);
			addrset_family(&cfg->backup, fam, &b);
			if (p.n > 0 && b.n == 0)
				pwarn(c, c->backup->line, "[site:primary] has"
				    " %s addresses and [site:backup] none: a"
				    " failover removes the %s records",
				    fam == AF_INET ? "IPv4" : "IPv6",
				    fam == AF_INET ? "A" : "AAAA");
		}
	}

	validate_records(c);
	validate_dns_method(c);

	/* Caches keep the old answer for ttl seconds (SPEC §3). */
	if (c->agent != NULL && c->dns != NULL && c->dns_ttl_ok &&
	    c->hold_down_ok &&
	    cfg->agent.hold_down_ms < (int64_t)cfg->dns.ttl * 1000) {
		util_duration_format(cfg->agent.hold_down_ms, hb, sizeof(hb));
		perr(c, c->hold_down_line > 0 ? c->hold_down_line :
		    c->agent->line, "hold_down (%s) is shorter than [dns] ttl"
		    " (%us): caches would still hold the old answer", hb,
		    (unsigned)cfg->dns.ttl);
	}
}

/* ------------------------------------------------------------------------ */

static void
config_defaults(struct config *cfg)
{
	cfg->agent.role = ROLE_BACKUP;
	cfg->agent.fail_after = 3;
	cfg->agent.recover_after = 3;
	cfg->agent.failback = FAILBACK_AUTO;
	cfg->agent.hold_down_ms = 900 * 1000;
	cfg->agent.interval_ms = 60 * 1000;
	cfg->agent.history_keep_ms = CFG_HISTORY_KEEP_DEFAULT_MS;
	cfg->dns.method = DNS_METHOD_RFC2136;
	cfg->dns.port = 53;
	cfg->dns.ttl = 60;
	cfg->dns.verify = DNS_VERIFY_SERVER;
	cfg->dns.timeout_ms = 5000;
	cfg->dns.verify_timeout_ms = 30000;
	cfg->dns.canary_ms = 3600 * 1000;
	cfg->dns.resolver_port = 53;
	cfg->hooks.timeout_ms = 30000;
	cfg->exec.timeout_ms = 30000;
	cfg->quorum.need = 1;
	cfg->quorum.max_up = 0;
	cfg->quorum.timeout_ms = 5000;
	cfg->quorum.canary_ms = 3600 * 1000;
	cfg->quorum.need_down = 1;
	cfg->vote.interval_ms = VOTE_INTERVAL_DEFAULT_MS;
	cfg->vote.request_timeout_ms = VOTE_REQUEST_TIMEOUT_DEFAULT_MS;
	cfg->vote.max_connections = VOTE_MAX_CONNECTIONS_DEFAULT;
	cfg->vote.max_per_ip = VOTE_MAX_PER_IP_DEFAULT;
	cfg->mysql.port = 3306;
	cfg->mysql.wait_to_apply_ms = 30000;
	cfg->mysql.timeout_ms = 10000;
}

/* The absolute directory of path, for relative paths in the file. */
static char *
config_dir(const char *path)
{
	char	*copy = util_xstrdup(path), *slash, *real;

	if ((slash = strrchr(copy, '/')) == NULL) {
		free(copy);
		copy = util_xstrdup(".");
	} else if (slash == copy)
		slash[1] = '\0';
	else
		*slash = '\0';
	if ((real = realpath(copy, NULL)) != NULL) {
		free(copy);
		return real;
	}
	return copy;
}

static void
ctx_free(struct cfg_ctx *c)
{
	for (size_t i = 0; i < c->nsecs; i++) {
		for (size_t j = 0; j < c->secs[i].n; j++) {
			free(c->secs[i].entries[j].key);
			free(c->secs[i].entries[j].value);
		}
		free(c->secs[i].entries);
		free(c->secs[i].name);
		free(c->secs[i].ident);
	}
	free(c->secs);
	for (size_t i = 0; i < c->ndiags; i++)
		free(c->diags[i].msg);
	free(c->diags);
	free(c->raw);
	free(c->long_value);
	free(c->dir);
	free(c->records_line);
}

/*
 * Parse and validate path.  Everything found goes to diags, sorted by line;
 * *out is set only when there is no error (warnings allowed).
 */
int
config_load(const char *path, struct config **out, struct diag_list *diags)
{
	return config_load_flags(path, 0, out, diags);
}

int
config_load_flags(const char *path, unsigned flags, struct config **out,
    struct diag_list *diags)
{
	struct cfg_ctx	 c;
	struct stat	 st;
	int		 rc = -1, r, fd;

	*out = NULL;
	memset(&c, 0, sizeof(c));
	c.path = path;
	c.flags = flags;
	c.cur = -1;
	c.cfg = util_xcalloc(1, sizeof(*c.cfg));
	c.cfg->path = util_xstrdup(path);
	config_defaults(c.cfg);

	/* O_NONBLOCK: a FIFO in place of the file must not hang a cron job. */
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY |
	    O_NONBLOCK)) == -1 || (c.f = fdopen(fd, "r")) == NULL) {
		diag_add(diags, true, "%s: cannot open: %s", path,
		    strerror(errno));
		if (fd != -1)
			close(fd);
		goto cleanup;
	}
	if (fstat(fileno(c.f), &st) == -1) {
		diag_add(diags, true, "%s: %s", path, strerror(errno));
		goto cleanup;
	}
	if (!S_ISREG(st.st_mode)) {
		diag_add(diags, true, "%s: not a regular file", path);
		goto cleanup;
	}
	c.file_mode = st.st_mode;
	c.dir = config_dir(path);
	r = ini_parse_stream(cfg_ini_reader, &c, cfg_ini_handler, &c);
	if (ferror(c.f))
		perr(&c, 0, "read error: %s", strerror(errno));
	fclose(c.f);
	c.f = NULL;
	if (r == -2)
		fatalx("ini_parse_stream: out of memory");
	/* Our reader hands inih only well-formed lines: r > 0 is a surprise. */
	if (r > 0 && c.ndiags == 0)
		perr(&c, r, "syntax error");

	validate_all(&c);
	/* A token in the file makes the file a secret (failover-agent.conf(5)). */
	if (c.notify_secret_line > 0 && CFG_JUDGE_FILES(&c) &&
	    (c.file_mode & (S_IRGRP | S_IWGRP | S_IROTH | S_IWOTH)) != 0)
		perr(&c, c.notify_secret_line, "notify holds a token, so %s"
		    " is a secret: it must not be readable by group or others"
		    " (mode %04o); run: chmod 600 %s", path,
		    (unsigned)(c.file_mode & 07777), path);
	if (pdiag_flush(&c, diags) == 0) {
		*out = c.cfg;
		c.cfg = NULL;
		rc = 0;
	}
cleanup:
	if (c.f != NULL)
		fclose(c.f);
	config_free(c.cfg);
	ctx_free(&c);
	return rc;
}

void
config_free(struct config *cfg)
{
	size_t	i, j;

	if (cfg == NULL)
		return;
	free(cfg->path);
	free(cfg->agent.name);
	free(cfg->agent.state_db);
	free(cfg->agent.metrics_file);
	for (i = 0; i < cfg->nchecks; i++) {
		free(cfg->checks[i].name);
		free(cfg->checks[i].url);
		free(cfg->checks[i].expect_body);
		free(cfg->checks[i].ca_file);
		free(cfg->checks[i].host);
		free(cfg->checks[i].socket);
		free(cfg->checks[i].user);
		free(cfg->checks[i].password_file);
		free(cfg->checks[i].query);
		free(cfg->checks[i].command);
		if (cfg->checks[i].argv != NULL)
			for (j = 0; cfg->checks[i].argv[j] != NULL; j++)
				free(cfg->checks[i].argv[j]);
		free(cfg->checks[i].argv);
		free(cfg->checks[i].server);
		free(cfg->checks[i].qname);
		free(cfg->checks[i].expect);
	}
	free(cfg->checks);
	free(cfg->mysql.socket);
	free(cfg->mysql.host);
	free(cfg->mysql.user);
	free(cfg->mysql.password_file);
	free(cfg->mysql.primary_check);
	free(cfg->dns.server);
	free(cfg->dns.tsig_key_file);
	free(cfg->dns.resolver);
	for (i = 0; i < cfg->nzones; i++) {
		for (j = 0; j < cfg->zones[i].nrecords; j++)
			free(cfg->zones[i].records[j]);
		free(cfg->zones[i].records);
		free(cfg->zones[i].name);
	}
	free(cfg->zones);
	free(cfg->hooks.before_failover);
	free(cfg->hooks.after_failover);
	free(cfg->hooks.before_failback);
	free(cfg->hooks.after_failback);
	free(cfg->hooks.notify);
	free(cfg->quorum.secret_file);
	free(cfg->virtualmin.url);
	free(cfg->virtualmin.user);
	free(cfg->virtualmin.password_file);
	free(cfg->virtualmin.ca_file);
	free(cfg->powerdns.url);
	free(cfg->powerdns.api_key_file);
	free(cfg->cloudflare.api_url);
	free(cfg->cloudflare.api_token_file);
	free(cfg->cloudflare.ca_file);
	free(cfg->cloudflare.account_id);
	free(cfg->ovh.endpoint);
	free(cfg->ovh.application_key_file);
	free(cfg->ovh.application_secret_file);
	free(cfg->ovh.consumer_key_file);
	free(cfg->ovh.ca_file);
	free(cfg->http.method);
	free(cfg->http.url);
	for (size_t k = 0; k < cfg->http.nheaders; k++) {
		free(cfg->http.headers[k].name);
		free(cfg->http.headers[k].value);
	}
	free(cfg->http.body);
	free(cfg->http.record);
	free(cfg->http.success_json_pointer);
	free(cfg->http.success_json_value);
	free(cfg->http.secret_file);
	free(cfg->http.test_url);
	free(cfg->http.ca_file);
	free(cfg->powerdns.ca_file);
	free(cfg->exec.program);
	for (i = 0; i < cfg->nspares; i++) {
		free(cfg->spares[i].name);
		free(cfg->spares[i].url);
	}
	free(cfg->spares);
	for (i = 0; i < cfg->vote.nlisten; i++)
		free(cfg->vote.listen[i]);
	free(cfg->vote.allow);
	free(cfg->vote.listen);
	free(cfg);
}

const char *
config_default_path(const char *explicit_path)
{
	const char	*env;

	if (explicit_path != NULL && *explicit_path != '\0')
		return explicit_path;
	if ((env = getenv(CFG_ENV_PATH)) != NULL && *env != '\0')
		return env;
	return CFG_DEFAULT_PATH;
}

const char *
site_role_str(enum site_role r)
{
	switch (r) {
	case ROLE_BACKUP:
		return "backup";
	case ROLE_SPARE:
		return "spare";
	}
	return "unknown";
}

const char *
dns_method_str(enum dns_method m)
{
	switch (m) {
	case DNS_METHOD_RFC2136:
		return "rfc2136";
	case DNS_METHOD_VIRTUALMIN:
		return "virtualmin";
	case DNS_METHOD_POWERDNS:
		return "powerdns";
	case DNS_METHOD_EXEC:
		return "exec";
	case DNS_METHOD_CLOUDFLARE:
		return "cloudflare";
	case DNS_METHOD_OVH:
		return "ovh";
	case DNS_METHOD_HTTP:
		return "http";
	}
	return "unknown";
}

const char *
dns_verify_str(enum dns_verify v)
{
	switch (v) {
	case DNS_VERIFY_NONE:
		return "none";
	case DNS_VERIFY_SERVER:
		return "server";
	case DNS_VERIFY_ALL:
		return "all";
	}
	return "unknown";
}

const char *
check_type_str(enum check_type t)
{
	switch (t) {
	case CHECK_TYPE_HTTP:
		return "http";
	case CHECK_TYPE_TCP:
		return "tcp";
	case CHECK_TYPE_MYSQL:
		return "mysql";
	case CHECK_TYPE_EXEC:
		return "exec";
	case CHECK_TYPE_DNS:
		return "dns";
	}
	return "unknown";
}

const char *
mysql_promote_str(enum mysql_promote p)
{
	switch (p) {
	case MYSQL_PROMOTE_WRITABLE:
		return "writable";
	case MYSQL_PROMOTE_READ_ONLY:
		return "read-only";
	case MYSQL_PROMOTE_NONE:
		return "none";
	}
	return "unknown";
}
