/*
 * config.c: load and validate the INI configuration of failover-agent.conf(5)
 * (see config.h).
 *
 * Two passes.  The first reads the file with libinih and collects sections
 * and "key = value" entries, each with its line number.  The second checks
 * every section and fills struct config, driven by descriptor tables
 * (confdesc.h): the core's sections are found in core_sections[] below, the
 * check types' keys and the DNS methods' sections are their modules' own
 * (cfg_check_types[], cfg_methods[]).  Every problem is collected with its
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

#include <ini.h>

#include "agent/core/config.h"
#include "agent/core/confdesc.h"
#include "agent/lib/http.h"
#include "agent/lib/log.h"
#include "agent/lib/util.h"

#define CFG_NAME_MAX	63	/* agent and check names */
#define CFG_DNAME_MAX	253	/* a name in text, without the final dot */
#define CFG_KEY_MAX	64
#define CFG_NUM_MAX	1000	/* need, max_up: far above any real count */
#define CFG_HISTORY_KEEP_DEFAULT_MS	(90LL * 86400 * 1000)
#define CFG_HISTORY_KEEP_MIN_MS		(86400LL * 1000)

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

	struct cfg_sec		*secs;
	size_t			 nsecs;
	ssize_t			 cur;		/* index in secs, or -1 */
	bool			 cur_broken;	/* after a bad [header line */

	struct pdiag		*diags;
	size_t			 ndiags;

	struct config		*cfg;
	/* What the cross-section checks need. */
	const struct cfg_sec	*agent, *primary, *backup, *dns;
	const struct cfg_sec	*quorum, *vote;
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
    __attribute__((format(printf, 1, 0)));
static char *
cfg_vasprintf(const char *fmt, va_list ap)
{
	char	*s;

	if (vasprintf(&s, fmt, ap) == -1)
		fatalx("vasprintf: out of memory");
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

/* Keep a problem found at line (0: the file as a whole) for the end. */
static void
pdiag_add(struct cfg_ctx *c, int line, bool is_error, char *msg)
{
	struct pdiag	*d;

	c->diags = util_xreallocarray(c->diags, c->ndiags + 1,
	    sizeof(*c->diags));
	d = &c->diags[c->ndiags];
	d->line = line;
	d->seq = c->ndiags++;
	d->is_error = is_error;
	d->msg = msg;
}

void
cfg_error(struct cfg_ctx *c, int line, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	pdiag_add(c, line, true, cfg_vasprintf(fmt, ap));
	va_end(ap);
}

void
cfg_warn(struct cfg_ctx *c, int line, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	pdiag_add(c, line, false, cfg_vasprintf(fmt, ap));
	va_end(ap);
}

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
	struct cfg_sec	*s;
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
			cfg_error(c, line, "duplicate section [%s] (first at"
			    " line %d)", name, c->secs[i].line);
			s->duplicate = true;
			break;
		}
	}
	c->cur = (ssize_t)c->nsecs++;
	c->cur_broken = false;
}

static bool key_multi(const char *, const char *);

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
	struct cfg_sec	*s;
	size_t		 i;

	(void)section;	/* ours is not truncated at 50 characters */
#if INI_HANDLER_LINENO
	(void)lineno;
#endif
	if (c->long_value != NULL)
		value = c->long_value;
	if (c->cur < 0) {
		if (!c->cur_broken)
			cfg_error(c, c->lineno, "key '%s' is outside of any"
			    " [section]", name);
		goto done;
	}
	s = &c->secs[c->cur];
	if (s->duplicate)
		goto done;
	for (i = 0; i < s->n; i++) {
		/* [http] takes one "header = Name: value" line per header. */
		if (key_multi(s->name, name))
			break;
		if (strcmp(s->entries[i].key, name) == 0) {
			cfg_error(c, c->lineno, "duplicate key '%s' in [%s]"
			    " (first at line %d)", name, s->name,
			    s->entries[i].line);
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
		cfg_error(c, c->lineno, "NUL byte in line");
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
			cfg_error(c, c->lineno, "missing ']' in section"
			    " header");
			c->cur = -1;
			c->cur_broken = true;
			return str;
		}
		if (end[1] != '\0')
			cfg_error(c, c->lineno, "unexpected text after ']'");
		*end = '\0';
		util_trim(line + 1);
		if (line[1] == '\0') {
			cfg_error(c, c->lineno, "empty section name");
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
		cfg_error(c, c->lineno, "expected 'key = value' or"
		    " '[section]'");
		return str;
	}
	keylen = (size_t)(sep - line);
	while (keylen > 0 && isspace((unsigned char)line[keylen - 1]))
		keylen--;
	if (keylen == 0) {
		cfg_error(c, c->lineno, "missing key name before '%c'", *sep);
		return str;
	}
	if (keylen > CFG_KEY_MAX) {
		cfg_error(c, c->lineno, "key name longer than %d characters",
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
		cfg_error(c, c->lineno, "line too long");
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

const struct cfg_entry *
cfg_sec_get(const struct cfg_sec *s, const char *key)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->entries[i].key, key) == 0)
			return &s->entries[i];
	return NULL;
}

/* The descriptor of key name in a table, or NULL. */
static const struct cfg_key *
key_find(const struct cfg_key *keys, const char *name)
{
	for (; keys != NULL && keys->name != NULL; keys++)
		if (strcmp(keys->name, name) == 0)
			return keys;
	return NULL;
}

static bool check_key_any(const char *);

/*
 * Report every key of s that is in neither keys nor more as unknown; with
 * other_what ("type http checks"), a key of another check type gets its own
 * message.
 */
static void
sec_check_keys(struct cfg_ctx *c, const struct cfg_sec *s,
    const struct cfg_key *keys, const struct cfg_key *more,
    const char *other_what)
{
	for (size_t i = 0; i < s->n; i++) {
		const struct cfg_entry *e = &s->entries[i];

		if (key_find(keys, e->key) != NULL ||
		    key_find(more, e->key) != NULL)
			continue;
		if (other_what != NULL && check_key_any(e->key))
			cfg_error(c, e->line, "key '%s' does not apply to %s",
			    e->key, other_what);
		else
			cfg_error(c, e->line, "unknown key '%s' in [%s]",
			    e->key, s->name);
	}
}

static void
missing_key(struct cfg_ctx *c, const struct cfg_sec *s, const char *key)
{
	cfg_error(c, s->line, "missing key '%s' in [%s]", key, s->name);
}

/*
 * A string value.  Returns the entry's value (owned by the entry), or NULL
 * when the key is absent (reported when required) or empty (reported).
 */
const char *
cfg_get_str(struct cfg_ctx *c, const struct cfg_sec *s, const char *key,
    bool required, int *linep)
{
	const struct cfg_entry *e = cfg_sec_get(s, key);

	if (e == NULL) {
		if (required)
			missing_key(c, s, key);
		return NULL;
	}
	if (linep != NULL)
		*linep = e->line;
	if (e->value[0] == '\0') {
		cfg_error(c, e->line, "empty value for '%s'", key);
		return NULL;
	}
	return e->value;
}

/* An integer in [min, max]; *out keeps its default when absent or bad. */
void
cfg_get_num(struct cfg_ctx *c, const struct cfg_sec *s, const char *key,
    long long min, long long max, long long *out)
{
	const char	*v, *errstr;
	long long	 n;
	int		 line = s->line;

	if ((v = cfg_get_str(c, s, key, false, &line)) == NULL)
		return;
	if (util_number_parse(v, min, max, &n, &errstr) == -1)
		cfg_error(c, line, "bad value '%.64s' for %s: %s (expected a"
		    " whole number from %lld to %lld)", v, key, errstr, min,
		    max);
	else
		*out = n;
}

/* A duration of at least min_ms; *out keeps its default when absent or bad. */
bool
cfg_get_duration(struct cfg_ctx *c, const struct cfg_sec *s, const char *key,
    int64_t min_ms, int64_t *out, int *linep)
{
	const char	*v, *errstr;
	int64_t		 ms;
	int		 line = s->line;
	char		 buf[32];

	if ((v = cfg_get_str(c, s, key, false, &line)) == NULL)
		return false;
	if (linep != NULL)
		*linep = line;
	if (util_duration_parse(v, &ms, &errstr) == -1) {
		cfg_error(c, line, "bad duration '%.64s' for %s: %s (seconds,"
		    " or with a unit: 0.5, 500ms, 2s, 5m, 1h)", v, key, errstr);
		return false;
	}
	if (ms < min_ms) {
		util_duration_format(min_ms, buf, sizeof(buf));
		if (min_ms == 1)
			cfg_error(c, line, "%s must be more than 0", key);
		else
			cfg_error(c, line, "%s must be at least %s", key, buf);
		return false;
	}
	*out = ms;
	return true;
}

/*
 * One of the words in kws (stored in *out), or an error listing the
 * choices.  Returns true when *out was set.
 */
static bool
get_enum(struct cfg_ctx *c, const struct cfg_sec *s, const char *key,
    const struct cfg_kw *kws, size_t nkws, int *out)
{
	const char	*v;
	int		 line = s->line;
	char		 choices[128] = "";
	size_t		 i;

	if ((v = cfg_get_str(c, s, key, false, &line)) == NULL)
		return false;
	for (i = 0; i < nkws; i++) {
		if (strcmp(kws[i].name, v) == 0) {
			*out = kws[i].value;
			return true;
		}
	}
	for (i = 0; i < nkws; i++) {
		cfg_strlcat(choices, kws[i].name, sizeof(choices));
		if (i + 2 < nkws)
			cfg_strlcat(choices, ", ", sizeof(choices));
		else if (i + 2 == nkws)
			cfg_strlcat(choices, " or ", sizeof(choices));
	}
	cfg_error(c, line, "bad value '%.64s' for %s (expected %s)", v, key,
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
get_readable_file(struct cfg_ctx *c, const struct cfg_sec *s,
    const char *key)
{
	const char	*v;
	char		*p;
	int		 line = s->line;
	struct stat	 st;

	if ((v = cfg_get_str(c, s, key, false, &line)) == NULL)
		return NULL;
	p = path_resolve(c, v);
	if (stat(p, &st) == -1)
		cfg_error(c, line, "%s: %s: %s", key, p, strerror(errno));
	else if (!S_ISREG(st.st_mode))
		cfg_error(c, line, "%s: %s is not a regular file", key, p);
	else if (access(p, R_OK) == -1)
		cfg_error(c, line, "%s: cannot read %s: %s", key, p,
		    strerror(errno));
	else
		return p;
	free(p);
	return NULL;
}

/* ------------------------------------------------------------------------ */
/* The descriptor-table engine (confdesc.h) */

static char	*get_api_url(struct cfg_ctx *, const struct cfg_sec *,
		    const char *, bool);
static char	*get_secret_file(struct cfg_ctx *, const struct cfg_sec *,
		    const char *, bool);
static char	*get_hook(struct cfg_ctx *, const struct cfg_sec *,
		    const char *);

/* Is the field of k a char * the section owns? */
static bool
key_owns_str(const struct cfg_key *k)
{
	switch (k->type) {
	case CFG_T_STR:
	case CFG_T_PATH:
	case CFG_T_SECRET:
	case CFG_T_FILE:
	case CFG_T_PROGRAM:
	case CFG_T_API_URL:
		return true;
	case CFG_T_CUSTOM:
		return (k->flags & CFG_F_OWNED) != 0;
	case CFG_T_NUM:
	case CFG_T_DURATION:
	case CFG_T_ENUM:
	case CFG_T_ADDRS:
		break;
	}
	return false;
}

/* Store n in a field of size bytes (bounds were checked by the caller). */
static void
field_store(void *p, size_t size, long long n)
{
	int8_t	 i8 = (int8_t)n;
	int16_t	 i16 = (int16_t)n;
	int32_t	 i32 = (int32_t)n;
	int64_t	 i64 = (int64_t)n;

	switch (size) {
	case 1:
		memcpy(p, &i8, 1);
		break;
	case 2:
		memcpy(p, &i16, 2);
		break;
	case 4:
		memcpy(p, &i32, 4);
		break;
	case 8:
		memcpy(p, &i64, 8);
		break;
	default:
		fatalx("internal: a config field of %zu bytes", size);
	}
}

/* The value of a field of size bytes, unsigned fields of 2 bytes too. */
static long long
field_load(const void *p, size_t size)
{
	uint16_t	 u16;
	int32_t		 i32;
	int64_t		 i64;
	int8_t		 i8;

	switch (size) {
	case 1:
		memcpy(&i8, p, 1);
		return i8;
	case 2:
		memcpy(&u16, p, 2);
		return u16;
	case 4:
		memcpy(&i32, p, 4);
		return i32;
	case 8:
		memcpy(&i64, p, 8);
		return i64;
	}
	fatalx("internal: a config field of %zu bytes", size);
}

/* Set a char * field, freeing what it held. */
static void
field_set_str(void *p, char *v)
{
	char	*old;

	memcpy(&old, p, sizeof(old));
	free(old);
	memcpy(p, &v, sizeof(v));
}

/* The defaults of a table's keys into conf (numbers, durations, enums). */
static void
desc_defaults(const struct cfg_key *keys, void *conf)
{
	for (const struct cfg_key *k = keys; k->name != NULL; k++) {
		if (key_owns_str(k) || k->size == 0 || k->type == CFG_T_ADDRS)
			continue;
		if (k->type != CFG_T_CUSTOM || k->def != 0)
			field_store((char *)conf + k->off, k->size, k->def);
	}
}

/*
 * Read the keys of s that a table describes into conf, in table order:
 * missing required keys, values, bounds, files.  CFG_T_CUSTOM keys are the
 * section's validate hook's (only a missing required one is reported).
 */
static void
desc_read(struct cfg_ctx *c, const struct cfg_sec *s,
    const struct cfg_key *keys, void *conf)
{
	const struct cfg_key	*k;
	const char		*v;
	const char		*errstr;
	bool			 req, present;
	void			*p;
	long long		 n;
	int64_t			 ms;
	int			 e, line;

	for (k = keys; k->name != NULL; k++) {
		p = (char *)conf + k->off;
		req = (k->flags & CFG_F_REQUIRED) != 0;
		present = cfg_sec_get(s, k->name) != NULL;
		switch (k->type) {
		case CFG_T_CUSTOM:
			if (req && !present)
				missing_key(c, s, k->name);
			break;
		case CFG_T_STR:
			if ((v = cfg_get_str(c, s, k->name, req, NULL)) != NULL)
				field_set_str(p, util_xstrdup(v));
			else if (!present && k->def_str != NULL)
				field_set_str(p, util_xstrdup(k->def_str));
			break;
		case CFG_T_PATH:
			if ((v = cfg_get_str(c, s, k->name, req, NULL)) != NULL)
				field_set_str(p, path_resolve(c, v));
			break;
		case CFG_T_SECRET:
			if (req || present)
				field_set_str(p, get_secret_file(c, s, k->name,
				    req));
			break;
		case CFG_T_FILE:
			if (req && !present)
				missing_key(c, s, k->name);
			field_set_str(p, get_readable_file(c, s, k->name));
			break;
		case CFG_T_PROGRAM:
			if (req && !present)
				missing_key(c, s, k->name);
			else
				field_set_str(p, get_hook(c, s, k->name));
			break;
		case CFG_T_API_URL:
			if (!present && k->def_str != NULL)
				field_set_str(p, util_xstrdup(k->def_str));
			else
				field_set_str(p, get_api_url(c, s, k->name,
				    req));
			break;
		case CFG_T_NUM:
			n = field_load(p, k->size);
			cfg_get_num(c, s, k->name, k->min, k->max, &n);
			field_store(p, k->size, n);
			break;
		case CFG_T_DURATION:
			if (cfg_get_duration(c, s, k->name, k->min, &ms, NULL))
				field_store(p, k->size, ms);
			break;
		case CFG_T_ENUM:
			if (get_enum(c, s, k->name, k->kws, k->nkws, &e))
				field_store(p, k->size, e);
			break;
		case CFG_T_ADDRS:
			if ((v = cfg_get_str(c, s, k->name, req, &line)) !=
			    NULL && addrset_parse(v, p, &errstr) == -1)
				cfg_error(c, line, "bad address list: %s",
				    errstr);
			break;
		}
	}
}

/* Free what the keys of a table own in conf (not conf itself). */
static void
desc_free(const struct cfg_key *keys, void *conf)
{
	for (const struct cfg_key *k = keys; k->name != NULL; k++)
		if (key_owns_str(k))
			field_set_str((char *)conf + k->off, NULL);
}

/* A section a module owns: a new conf with its defaults, or NULL. */
static void *
desc_conf_new(const struct cfg_section_desc *d)
{
	void	*conf = util_xcalloc(1, d->size);

	desc_defaults(d->keys, conf);
	return conf;
}

/* Free a module's conf. */
static void
desc_conf_free(const struct cfg_section_desc *d, void *conf)
{
	if (conf == NULL)
		return;
	if (d->free != NULL)
		d->free(conf);
	desc_free(d->keys, conf);
	free(conf);
}

/*
 * A section that may be given many times, [zone:NAME] or [spare:NAME]: an
 * array of d->size structs.  Grow arr (*n elements) by one, zeroed and
 * given the keys' defaults; returns the new array, whose last element is
 * the new one.
 */
static void *
desc_array_add(const struct cfg_section_desc *d, void *arr, size_t *n)
{
	void	*conf;

	arr = util_xreallocarray(arr, *n + 1, d->size);
	conf = (char *)arr + *n * d->size;
	memset(conf, 0, d->size);
	desc_defaults(d->keys, conf);
	(*n)++;
	return arr;
}

/* Free an array of n sections of d and what each owns. */
static void
desc_array_free(const struct cfg_section_desc *d, void *arr, size_t n)
{
	void	*conf;

	for (size_t i = 0; i < n; i++) {
		conf = (char *)arr + i * d->size;
		if (d->free != NULL)
			d->free(conf);
		desc_free(d->keys, conf);
	}
	free(arr);
}

/* Read a module's section: unknown keys, the keys, the hook. */
static void
desc_section_read(struct cfg_ctx *c, const struct cfg_sec *s,
    const struct cfg_section_desc *d, void *conf)
{
	sec_check_keys(c, s, d->keys, NULL, NULL);
	desc_read(c, s, d->keys, conf);
	if (d->validate != NULL)
		d->validate(c, s, conf);
}

struct config *
cfg_config(struct cfg_ctx *c)
{
	return c->cfg;
}

bool
cfg_ttl_ok(struct cfg_ctx *c)
{
	return c->dns_ttl_ok;
}

bool
cfg_hold_down_ok(struct cfg_ctx *c)
{
	return c->hold_down_ok;
}

const struct cfg_sec *
cfg_section(struct cfg_ctx *c, const char *name)
{
	for (size_t i = 0; i < c->nsecs; i++)
		if (!c->secs[i].duplicate && strcmp(c->secs[i].name, name) == 0)
			return &c->secs[i];
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

static const struct cfg_kw agent_roles[] = {
	{ "backup", ROLE_BACKUP }, { "spare", ROLE_SPARE } };
static const struct cfg_kw agent_failbacks[] = {
	{ "auto", FAILBACK_AUTO }, { "manual", FAILBACK_MANUAL } };
static const struct cfg_kw agent_quorums[] = { { "spares", 0 }, { "none", 1 } };

#define A_AT(m)	CFG_AT(struct cfg_agent, m)
static const struct cfg_key agent_keys[] = {
	{ .name = "role", .type = CFG_T_ENUM, A_AT(role), .def = ROLE_BACKUP,
	  CFG_KWS(agent_roles), .doc = "backup (fails over) or spare (votes)" },
	{ .name = "name", .type = CFG_T_CUSTOM, .flags = CFG_F_REQUIRED |
	  CFG_F_OWNED, A_AT(name), .doc = "this site's name, sent in votes" },
	{ .name = "state_db", .type = CFG_T_CUSTOM, .flags = CFG_F_OWNED,
	  A_AT(state_db), .doc = "the SQLite state file (role = backup)" },
	{ .name = "metrics_file", .type = CFG_T_CUSTOM, .flags = CFG_F_OWNED,
	  A_AT(metrics_file), .doc = "a Prometheus textfile (.prom)" },
	{ .name = "fail_after", .type = CFG_T_NUM, A_AT(fail_after), .min = 1,
	  .max = 10000, .def = 3, .doc = "failed cycles before a failover" },
	{ .name = "recover_after", .type = CFG_T_NUM, A_AT(recover_after),
	  .min = 1, .max = 10000, .def = 3,
	  .doc = "good cycles before a failback" },
	{ .name = "failback", .type = CFG_T_ENUM, A_AT(failback),
	  .def = FAILBACK_AUTO, CFG_KWS(agent_failbacks),
	  .doc = "auto or manual" },
	{ .name = "hold_down", .type = CFG_T_CUSTOM, A_AT(hold_down_ms),
	  .def = 900 * 1000, .doc = "least time between two moves" },
	{ .name = "interval", .type = CFG_T_DURATION, A_AT(interval_ms),
	  .min = 1, .def = 60 * 1000, .doc = "time between two cycles" },
	{ .name = "history_keep", .type = CFG_T_CUSTOM, A_AT(history_keep_ms),
	  .def = CFG_HISTORY_KEEP_DEFAULT_MS,
	  .doc = "how long history is kept (0: all)" },
	{ .name = "quorum", .type = CFG_T_ENUM, A_AT(quorum_none), .def = 0,
	  CFG_KWS(agent_quorums), .doc = "none: no spares, on purpose" },
	{ .name = NULL }
};
#undef A_AT

/* [agent]: the keys of agent_keys, and those read here. */
static void
validate_agent(struct cfg_ctx *c, const struct cfg_sec *s)
{
	struct cfg_agent	*a = &c->cfg->agent;
	const char		*v;
	int			 line;
	int64_t			 n64 = a->history_keep_ms;

	c->agent = s;
	sec_check_keys(c, s, agent_keys, NULL, NULL);
	desc_read(c, s, agent_keys, a);
	/* The name travels in votes (from=): the protocol's rule. */
	if ((v = cfg_get_str(c, s, "name", false, &line)) != NULL) {
		if (!name_valid(v))
			cfg_error(c, line, "bad name '%.64s' (1 to %d letters,"
			    " digits, '.', '_' or '-')", v, CFG_NAME_MAX);
		else
			a->name = util_xstrdup(v);
	}
	if ((v = cfg_get_str(c, s, "state_db", a->role == ROLE_BACKUP,
	    NULL)) != NULL)
		a->state_db = path_resolve(c, v);
	/* Prometheus (issue 14): node_exporter's textfile collector. */
	if ((v = cfg_get_str(c, s, "metrics_file", false, &line)) != NULL) {
		if (strlen(v) < 6 || strcmp(v + strlen(v) - 5, ".prom") != 0)
			cfg_error(c, line, "metrics_file must end in .prom (the"
			    " textfile collector reads only those)");
		else
			a->metrics_file = path_resolve(c, v);
	}
	/* A bad hold_down is reported here, not again against the ttl. */
	c->hold_down_ok = cfg_sec_get(s, "hold_down") == NULL ||
	    cfg_get_duration(c, s, "hold_down", 0, &a->hold_down_ms,
	    &c->hold_down_line);
	/*
	 * A plain number is seconds: "history_keep = 90" would keep 90
	 * seconds of history.  Less than a day is surely that mistake.
	 */
	if (cfg_get_duration(c, s, "history_keep", 0, &n64, &line) &&
	    n64 != 0 && n64 < CFG_HISTORY_KEEP_MIN_MS) {
		cfg_error(c, line, "history_keep must be at least 1d, or 0 to"
		    " keep every cycle (a plain number is seconds: 90d is 90"
		    " days)");
		a->history_keep_ms = CFG_HISTORY_KEEP_DEFAULT_MS;
	} else if (cfg_sec_get(s, "history_keep") != NULL)
		a->history_keep_ms = n64;
}

/* [site:primary] and [site:backup]: the conf is a struct addrset. */
static const struct cfg_key site_keys[] = {
	{ .name = "address", .type = CFG_T_ADDRS, .flags = CFG_F_REQUIRED,
	  .off = 0, .size = sizeof(struct addrset),
	  .doc = "the site's addresses: IPv4 and IPv6, comma-separated" },
	{ .name = NULL }
};

static void
validate_site(struct cfg_ctx *c, const struct cfg_sec *s,
    struct addrset *set)
{
	sec_check_keys(c, s, site_keys, NULL, NULL);
	desc_read(c, s, site_keys, set);
}

/*
 * The host[:port] of an http:// or https:// URL (RFC 3986 §3.2.2: an IPv6
 * literal in brackets), checked as every address is (util_hostport_parse):
 * "http://[fd77::1]:99999/" is refused here, not when the request fails.
 * Userinfo ("user@") is skipped.  Returns 0, or -1 with why in err.
 */
int
cfg_url_host_check(const char *url, char *err, size_t errlen)
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
 * A MySQL server to log in to (confdesc.h).  Shared by [check:NAME] type =
 * mysql and [mysql].
 */
void
cfg_get_mysql_login(struct cfg_ctx *c, const struct cfg_sec *s,
    const char *def_socket, char **host, uint16_t *port, char **sock,
    char **user, char **password_file)
{
	struct util_hostport hp;
	const char	*v;
	char		 err[256];
	int		 line;
	long long	 n = 3306;

	memset(&hp, 0, sizeof(hp));
	if ((v = cfg_get_str(c, s, "host", false, &line)) != NULL) {
		if (v[strcspn(v, "/")] != '\0')
			cfg_error(c, line, "bad host '%.64s' (a name or an"
			    " address; for a Unix socket use socket =)", v);
		else if (util_hostport_parse(v, 0, &hp, err,
		    sizeof(err)) == -1)
			cfg_error(c, line, "bad host %s", err);
		else
			*host = util_xstrdup(hp.host);
	}
	if ((v = cfg_get_str(c, s, "socket", false, &line)) != NULL) {
		if (cfg_sec_get(s, "host") != NULL)
			cfg_error(c, line, "host and socket are both set in"
			    " [%s]: keep one", s->name);
		else if (v[0] != '/')
			cfg_error(c, line, "socket: '%.64s' is not an absolute"
			    " path", v);
		else
			*sock = util_xstrdup(v);
	}
	if (cfg_sec_get(s, "host") == NULL && cfg_sec_get(s, "socket") == NULL) {
		if (def_socket != NULL)
			*sock = util_xstrdup(def_socket);
		else
			cfg_error(c, s->line, "missing key 'host' or 'socket'"
			    " in [%s]", s->name);
	}
	if (cfg_sec_get(s, "port") != NULL && cfg_sec_get(s, "host") == NULL)
		cfg_error(c, cfg_sec_get(s, "port")->line, "port applies to"
		    " host, not to a socket");
	else if (cfg_sec_get(s, "port") != NULL && hp.port != 0)
		cfg_error(c, cfg_sec_get(s, "port")->line, "port given twice:"
		    " in host and here; keep one");
	if (hp.port != 0)
		n = hp.port;
	cfg_get_num(c, s, "port", 1, 65535, &n);
	*port = (uint16_t)n;
	if ((v = cfg_get_str(c, s, "user", true, &line)) != NULL) {
		if (strlen(v) > 80 || v[strcspn(v, " \t")] != '\0')
			cfg_error(c, line, "bad user '%.64s' (no white space,"
			    " at most 80 characters)", v);
		else
			*user = util_xstrdup(v);
	}
	if (cfg_sec_get(s, "password_file") != NULL)
		*password_file = cfg_get_secret_file(c, s, "password_file");
}

/* The keys of every [check:NAME], whatever its type. */
static const struct cfg_key check_common_keys[] = {
	{ .name = "type", .type = CFG_T_CUSTOM, .flags = CFG_F_REQUIRED,
	  .doc = "the check type (agent/check/check.c lists them)" },
	{ .name = "timeout", .type = CFG_T_DURATION,
	  CFG_AT(struct cfg_check, timeout_ms), .min = 1,
	  .doc = "how long the check may take" },
	{ .name = NULL }
};

/* Is key a key of some check type? */
static bool
check_key_any(const char *key)
{
	const struct cfg_check_type *const *t;

	if (key_find(check_common_keys, key) != NULL)
		return true;
	for (t = cfg_check_types; *t != NULL; t++)
		if (key_find((*t)->keys, key) != NULL)
			return true;
	return false;
}

/* Unknown keys of a check without a usable type: only those of no type. */
static void
check_keys_any(struct cfg_ctx *c, const struct cfg_sec *s)
{
	for (size_t i = 0; i < s->n; i++)
		if (!check_key_any(s->entries[i].key))
			cfg_error(c, s->entries[i].line, "unknown key '%s' in"
			    " [%s]", s->entries[i].key, s->name);
}

/* type = NAME: its entry of cfg_check_types, or NULL (reported). */
static const struct cfg_check_type *
check_type_get(struct cfg_ctx *c, const struct cfg_sec *s)
{
	const struct cfg_check_type *const *t;
	const char			*v;
	char				 choices[128] = "";
	int				 line = s->line;

	if ((v = cfg_get_str(c, s, "type", false, &line)) == NULL)
		return NULL;
	for (t = cfg_check_types; *t != NULL; t++)
		if (strcmp((*t)->name, v) == 0)
			return *t;
	for (t = cfg_check_types; *t != NULL; t++) {
		cfg_strlcat(choices, (*t)->name, sizeof(choices));
		if (t[1] != NULL && t[2] != NULL)
			cfg_strlcat(choices, ", ", sizeof(choices));
		else if (t[1] != NULL)
			cfg_strlcat(choices, " or ", sizeof(choices));
	}
	cfg_error(c, line, "bad value '%.64s' for type (expected %s)", v,
	    choices);
	return NULL;
}

/* [check:NAME]: the common keys, then the type's (its own module's). */
static void
validate_check(struct cfg_ctx *c, const struct cfg_sec *s, const char *name)
{
	struct config			*cfg = c->cfg;
	struct cfg_check		*ck;
	const struct cfg_check_type	*t;
	char				 what[64];

	if (!name_valid(name)) {
		cfg_error(c, s->line, "bad check name '%.64s' in [%s] (1 to %d"
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

	if (cfg_sec_get(s, "type") == NULL)
		missing_key(c, s, "type");
	/* Without a type only keys of no type are worth a message. */
	if ((t = check_type_get(c, s)) == NULL) {
		check_keys_any(c, s);
		return;
	}
	ck->type = t;
	ck->timeout_ms = t->timeout_ms;
	ck->conf = util_xcalloc(1, t->conf_size);
	desc_defaults(t->keys, ck->conf);
	cfg_get_duration(c, s, "timeout", 1, &ck->timeout_ms, NULL);
	snprintf(what, sizeof(what), "type %s checks", t->name);
	sec_check_keys(c, s, check_common_keys, t->keys, what);
	desc_read(c, s, t->keys, ck->conf);
	if (t->validate != NULL)
		t->validate(c, s, ck);
}

/* Free a check's config. */
static void
check_conf_free(struct cfg_check *ck)
{
	free(ck->name);
	if (ck->type == NULL)
		return;
	if (ck->type->free != NULL)
		ck->type->free(ck);
	desc_free(ck->type->keys, ck->conf);
	free(ck->conf);
	ck->conf = NULL;
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
		cfg_error(c, line, "bad resolver %s (the resolver finds names;"
		    " it cannot be one)", err);
		return;
	}
	free(d->resolver);
	d->resolver = util_xstrdup(hp.host);
	d->resolver_port = hp.port != 0 ? hp.port : 53;
}

static const struct cfg_kw dns_verifies[] = { { "all", DNS_VERIFY_ALL },
    { "server", DNS_VERIFY_SERVER }, { "none", DNS_VERIFY_NONE } };

#define D_AT(m)	CFG_AT(struct cfg_dns, m)
static const struct cfg_key dns_keys[] = {
	{ .name = "method", .type = CFG_T_CUSTOM,
	  .doc = "how records are changed (dnsupdate/method/registry.c)" },
	{ .name = "server", .type = CFG_T_CUSTOM, .flags = CFG_F_OWNED,
	  D_AT(server), .doc = "the primary server (default: SOA MNAME)" },
	{ .name = "port", .type = CFG_T_NUM, D_AT(port), .min = 1,
	  .max = 65535, .def = 53, .doc = "the server's port" },
	{ .name = "tsig_key_file", .type = CFG_T_CUSTOM, .flags = CFG_F_OWNED,
	  D_AT(tsig_key_file), .doc = "the TSIG key (method rfc2136)" },
	{ .name = "ttl", .type = CFG_T_NUM, D_AT(ttl), .min = 1, .max = 86400,
	  .def = 60, .doc = "the TTL of the records written" },
	{ .name = "verify", .type = CFG_T_ENUM, D_AT(verify),
	  .def = DNS_VERIFY_SERVER, CFG_KWS(dns_verifies),
	  .doc = "who must answer the new records: all, server or none" },
	{ .name = "timeout", .type = CFG_T_DURATION, D_AT(timeout_ms),
	  .min = 1, .def = 5000, .doc = "one query or update" },
	{ .name = "verify_timeout", .type = CFG_T_DURATION,
	  D_AT(verify_timeout_ms), .min = 1, .def = 30000,
	  .doc = "how long verify polls" },
	{ .name = "canary", .type = CFG_T_DURATION, D_AT(canary_ms), .min = 0,
	  .def = 3600 * 1000, .doc = "time between two canaries (0: off)" },
	{ .name = "resolver", .type = CFG_T_CUSTOM, .flags = CFG_F_OWNED,
	  D_AT(resolver), .doc = "the resolver of discovery (an address)" },
	{ .name = NULL }
};
#undef D_AT

/* The method named name, or NULL. */
const struct cfg_method *
cfg_method_find(const char *name)
{
	for (const struct cfg_method *const *m = cfg_methods; *m != NULL; m++)
		if (strcmp((*m)->name, name) == 0)
			return *m;
	return NULL;
}

/* [dns] method: its entry of cfg_methods (the default: the first). */
static bool
dns_method_get(struct cfg_ctx *c, const struct cfg_sec *s,
    const struct cfg_method **out)
{
	const struct cfg_method *const *m;
	const char		*v;
	char			 choices[128] = "";
	int			 line = s->line;

	if ((v = cfg_get_str(c, s, "method", false, &line)) == NULL)
		return cfg_sec_get(s, "method") == NULL;
	if ((*out = cfg_method_find(v)) != NULL)
		return true;
	*out = cfg_methods[0];
	for (m = cfg_methods; *m != NULL; m++) {
		cfg_strlcat(choices, (*m)->name, sizeof(choices));
		if (m[1] != NULL && m[2] != NULL)
			cfg_strlcat(choices, ", ", sizeof(choices));
		else if (m[1] != NULL)
			cfg_strlcat(choices, " or ", sizeof(choices));
	}
	cfg_error(c, line, "bad value '%.64s' for method (expected %s)", v,
	    choices);
	return false;
}

static void
validate_dns(struct cfg_ctx *c, const struct cfg_sec *s)
{
	struct cfg_dns	*d = &c->cfg->dns;
	struct util_hostport hp;
	const char	*v, *errstr;
	char		*p, err[PATH_MAX + 128];
	int		 line;
	long long	 n;

	sec_check_keys(c, s, dns_keys, NULL, NULL);
	memset(&hp, 0, sizeof(hp));
	c->dns = s;
	d->line = s->line;
	c->dns_method_ok = dns_method_get(c, s, &d->method);
	if ((v = cfg_get_str(c, s, "server", false, &line)) != NULL) {
		if (util_hostport_parse(v, 0, &hp, err, sizeof(err)) == -1)
			cfg_error(c, line, "bad server %s", err);
		else
			d->server = util_xstrdup(hp.host);
	}
	desc_read(c, s, dns_keys, d);
	/* A port written in server (ADDR:PORT, [IPV6]:PORT) wins over port. */
	if (d->server != NULL && hp.port != 0)
		d->port = hp.port;
	/* The key is required by rfc2136; the other methods need none. */
	if ((v = cfg_get_str(c, s, "tsig_key_file", c->dns_method_ok &&
	    d->method->dns_update, &line)) != NULL) {
		p = path_resolve(c, v);
		if (CFG_JUDGE_FILES(c) &&
		    util_secret_file_check(p, err, sizeof(err)) == -1) {
			cfg_error(c, line, "tsig_key_file: %s", err);
			free(p);
		} else
			d->tsig_key_file = p;
	}
	/* A bad ttl is reported here, not again as a hold_down problem. */
	v = cfg_sec_get(s, "ttl") != NULL ? cfg_sec_get(s, "ttl")->value : NULL;
	c->dns_ttl_ok = v == NULL ||
	    util_number_parse(v, 1, 86400, &n, &errstr) == 0;
	if ((v = cfg_get_str(c, s, "resolver", false, &line)) != NULL)
		dns_resolver_parse(c, line, v, d);
}

static const struct cfg_key zone_keys[] = {
	{ .name = "records", .type = CFG_T_CUSTOM, .flags = CFG_F_REQUIRED,
	  .doc = "the names to move: @, relative or absolute" },
	{ .name = NULL }
};

/* What the keys of a zone do not free: its name, its list of records. */
static void
zone_free(void *conf)
{
	struct cfg_zone	*z = conf;

	for (size_t i = 0; i < z->nrecords; i++)
		free(z->records[i]);
	free(z->records);
	z->records = NULL;
	z->nrecords = 0;
	free(z->name);
	z->name = NULL;
}

/* [zone:NAME], one element of cfg->zones each. */
static const struct cfg_section_desc zone_section = {
	.name = "zone:",
	.doc = "a zone and the records to move in it",
	.keys = zone_keys,
	.size = sizeof(struct cfg_zone),
	.free = zone_free,
};

/*
 * [zone:NAME] records: "@" is the apex, "www" is relative to the zone,
 * "www.example.com." is absolute and must be inside the zone.  Stored
 * absolute, lower case, with the final dot.
 */
static void
validate_zone(struct cfg_ctx *c, const struct cfg_sec *s, const char *name)
{
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
		cfg_error(c, s->line, "bad zone name '%.64s' in [%s]: %s", name,
		    s->name, why);
		free(zname);
		return;
	}
	sec_check_keys(c, s, zone_keys, NULL, NULL);

	cfg->zones = desc_array_add(&zone_section, cfg->zones, &cfg->nzones);
	z = &cfg->zones[cfg->nzones - 1];
	z->name = cfg_asprintf("%s.", zname);
	z->line = s->line;
	c->records_line = util_xreallocarray(c->records_line, cfg->nzones,
	    sizeof(*c->records_line));
	c->records_line[cfg->nzones - 1] = s->line;

	if ((v = cfg_get_str(c, s, "records", true, &line)) == NULL)
		goto cleanup;
	c->records_line[cfg->nzones - 1] = line;
	copy = util_xstrdup(v);
	for (next = copy; (item = util_list_next(&next)) != NULL;) {
		str_lower(item);
		if (*item == '\0') {
			cfg_error(c, line, "empty name in records");
			continue;
		}
		alen = strlen(item);
		if (strcmp(item, "@") == 0)
			abs = util_xstrdup(z->name);
		else if (item[alen - 1] == '.') {
			item[--alen] = '\0';
			if ((why = dname_check(item, true)) != NULL) {
				cfg_error(c, line, "bad record name '%s.': %s",
				    item, why);
				continue;
			}
			if (!(alen == zlen && strcmp(item, zname) == 0) &&
			    !(alen > zlen + 1 &&
			    strcmp(item + alen - zlen, zname) == 0 &&
			    item[alen - zlen - 1] == '.')) {
				cfg_error(c, line, "record %s. is outside zone"
				    " %s", item, z->name);
				continue;
			}
			abs = cfg_asprintf("%s.", item);
		} else {
			if ((why = dname_check(item, true)) != NULL) {
				cfg_error(c, line, "bad record name '%s': %s",
				    item, why);
				continue;
			}
			/* Zone-file pitfall: "www.example.com" is relative */
			if ((alen == zlen && strcmp(item, zname) == 0) ||
			    (alen > zlen + 1 &&
			    strcmp(item + alen - zlen, zname) == 0 &&
			    item[alen - zlen - 1] == '.')) {
				cfg_error(c, line, "record '%s' is relative, so"
				    " it means %s.%s; write it with a final dot"
				    " ('%s.') or relative to the zone", item,
				    item, z->name, item);
				continue;
			}
			abs = cfg_asprintf("%s.%s", item, z->name);
			if (strlen(abs) > CFG_DNAME_MAX + 1) {
				cfg_error(c, line, "record %s is longer than"
				    " 253 characters", abs);
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
get_hook(struct cfg_ctx *c, const struct cfg_sec *s, const char *key)
{
	const char	*v;
	int		 line = s->line;

	if ((v = cfg_get_str(c, s, key, false, &line)) == NULL)
		return NULL;
	return cfg_program_judge(c, line, key, v) ? util_xstrdup(v) : NULL;
}

/*
 * Is v a program we may run (see get_hook)?  Reports why not at line.
 */
bool
cfg_program_judge(struct cfg_ctx *c, int line, const char *key, const char *v)
{
	struct stat	 st;
	char		 err[PATH_MAX + 256];

	if (v[0] != '/')
		cfg_error(c, line, "%s: '%.64s' is not an absolute path", key,
		    v);
	else if (!CFG_JUDGE_FILES(c))
		return true;
	else if (stat(v, &st) == -1)
		cfg_error(c, line, "%s: %s: %s", key, v, strerror(errno));
	else if (!S_ISREG(st.st_mode))
		cfg_error(c, line, "%s: %s is not a regular file", key, v);
	else if (access(v, X_OK) == -1)
		cfg_error(c, line, "%s: %s is not executable (mode %04o); run:"
		    " chmod +x %s", key, v, (unsigned)(st.st_mode & 07777), v);
	else if ((st.st_mode & S_IWOTH) != 0)
		cfg_error(c, line, "%s: %s is writable by others (mode %04o);"
		    " run: chmod o-w %s", key, v,
		    (unsigned)(st.st_mode & 07777), v);
	else if (util_program_check(v, err, sizeof(err)) == -1)
		cfg_error(c, line, "%s: %s", key, err);
	else
		return true;
	return false;
}

static char *get_notify_url(struct cfg_ctx *, const struct cfg_sec *);

#define H_AT(m)	CFG_AT(struct cfg_hooks, m)
static const struct cfg_key hooks_keys[] = {
	{ .name = "before_failover", .type = CFG_T_PROGRAM,
	  H_AT(before_failover), .doc = "run before a failover" },
	{ .name = "after_failover", .type = CFG_T_PROGRAM,
	  H_AT(after_failover), .doc = "run after a failover" },
	{ .name = "before_failback", .type = CFG_T_PROGRAM,
	  H_AT(before_failback), .doc = "run before a failback" },
	{ .name = "after_failback", .type = CFG_T_PROGRAM,
	  H_AT(after_failback), .doc = "run after a failback" },
	{ .name = "timeout", .type = CFG_T_DURATION, H_AT(timeout_ms),
	  .min = 1, .def = 30000, .doc = "how long a hook may run" },
	{ .name = "notify", .type = CFG_T_CUSTOM, .flags = CFG_F_OWNED,
	  H_AT(notify), .doc = "a webhook URL every transition is POSTed to" },
	{ .name = NULL }
};
#undef H_AT

static void
validate_hooks(struct cfg_ctx *c, const struct cfg_sec *s)
{
	struct cfg_hooks *h = &c->cfg->hooks;

	sec_check_keys(c, s, hooks_keys, NULL, NULL);
	desc_read(c, s, hooks_keys, h);
	if (cfg_sec_get(s, "notify") != NULL)
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
	if (cfg_url_host_check(v, err, errlen) == -1)
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
#define Q_AT(m)	CFG_AT(struct cfg_quorum, m)
static const struct cfg_key quorum_keys[] = {
	/* Like the TSIG key: existence and mode now, contents when used. */
	{ .name = "secret_file", .type = CFG_T_SECRET, Q_AT(secret_file),
	  .doc = "the key shared with the spares" },
	{ .name = "need", .type = CFG_T_NUM, Q_AT(need), .min = 0,
	  .max = CFG_NUM_MAX, .def = 1, .doc = "valid answers needed" },
	{ .name = "max_up", .type = CFG_T_NUM, Q_AT(max_up), .min = 0,
	  .max = CFG_NUM_MAX, .def = 0, .doc = "up votes tolerated" },
	{ .name = "need_down", .type = CFG_T_NUM, Q_AT(need_down), .min = 1,
	  .max = CFG_NUM_MAX, .def = 1, .doc = "down votes needed" },
	{ .name = "timeout", .type = CFG_T_DURATION, Q_AT(timeout_ms),
	  .min = 1, .def = 5000, .doc = "one deadline for every spare" },
	{ .name = "canary", .type = CFG_T_DURATION, Q_AT(canary_ms), .min = 0,
	  .def = 3600 * 1000, .doc = "one spare asked per canary (0: off)" },
	{ .name = NULL }
};
#undef Q_AT

static void
validate_quorum(struct cfg_ctx *c, const struct cfg_sec *s)
{
	struct cfg_quorum	*q = &c->cfg->quorum;

	sec_check_keys(c, s, quorum_keys, NULL, NULL);
	c->cfg->has_quorum = true;
	c->quorum = s;
	q->line = s->line;
	desc_read(c, s, quorum_keys, q);
	/*
	 * need_down: 1 by default, 0 only as the consequence of need = 0 (a
	 * backup that fails over with no spare at all cannot require a
	 * "down" vote); set, it is 1..need (checked once need is known).
	 */
	if (cfg_sec_get(s, "need_down") == NULL)
		q->need_down = q->need > 0 ? 1 : 0;
}

static const struct cfg_key spare_keys[] = {
	{ .name = "url", .type = CFG_T_CUSTOM, .flags = CFG_F_REQUIRED |
	  CFG_F_OWNED, CFG_AT(struct cfg_spare, url),
	  .doc = "the spare's vote server: http(s)://HOST:PORT" },
	{ .name = NULL }
};

/* What the keys of a spare do not free: its name. */
static void
spare_free(void *conf)
{
	struct cfg_spare	*sp = conf;

	free(sp->name);
	sp->name = NULL;
}

/* [spare:NAME], one element of cfg->spares each. */
static const struct cfg_section_desc spare_section = {
	.name = "spare:",
	.doc = "a site that votes",
	.keys = spare_keys,
	.size = sizeof(struct cfg_spare),
	.free = spare_free,
};

static void
validate_spare(struct cfg_ctx *c, const struct cfg_sec *s, const char *name)
{
	struct config		*cfg = c->cfg;
	struct cfg_spare	*sp;
	const char		*v, *why;
	char			 err[256];
	size_t			 i;
	int			 line;

	/* The name travels in votes: the protocol's rule, name_valid(). */
	if (!name_valid(name)) {
		cfg_error(c, s->line, "bad spare name '%.64s' in [%s] (1 to %d"
		    " letters, digits, '.', '_' or '-')", name, s->name,
		    CFG_NAME_MAX);
		return;
	}
	sec_check_keys(c, s, spare_keys, NULL, NULL);
	if ((v = cfg_get_str(c, s, "url", true, &line)) == NULL)
		return;
	/* Not echoed: it may hold a password. */
	if (url_has_userinfo(v)) {
		cfg_error(c, line, "url must not hold a user name or password"
		    " (user:pass@): the vote key ([quorum] secret_file)"
		    " already authenticates the backup");
		return;
	}
	if ((why = spare_url_check(v, err, sizeof(err))) != NULL) {
		cfg_error(c, line, "bad url '%.64s': %s", v, why);
		return;
	}
	for (i = 0; i < cfg->nspares; i++) {
		if (spare_url_same(cfg->spares[i].url, v)) {
			cfg_error(c, line, "url %.64s is also the url of"
			    " [spare:%s] (line %d): one spare must not count"
			    " twice", v, cfg->spares[i].name,
			    cfg->spares[i].line);
			return;
		}
	}
	cfg->spares = desc_array_add(&spare_section, cfg->spares,
	    &cfg->nspares);
	sp = &cfg->spares[cfg->nspares - 1];
	sp->name = util_xstrdup(name);
	sp->url = util_xstrdup(v);
	sp->line = s->line;
}

/* "localhost", 127.0.0.0/8 or ::1 (curl gives IPv6 hosts in brackets). */
bool
cfg_host_is_loopback(const char *host)
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
get_api_url(struct cfg_ctx *c, const struct cfg_sec *s, const char *key,
    bool required)
{
	const char	*v;
	char		*out;
	struct http_url	 pu;
	size_t		 n;
	int		 line = s->line;

	if ((v = cfg_get_str(c, s, key, required, &line)) == NULL)
		return NULL;
	if (v[strcspn(v, " \t")] != '\0') {
		cfg_error(c, line, "bad %s '%.64s': white space", key, v);
		return NULL;
	}
	if (http_url_split(v, &pu) == -1) {
		cfg_error(c, line, "bad %s '%.64s' (expected"
		    " https://HOST[:PORT]/...)", key, v);
		return NULL;
	}
	if (pu.userinfo) {
		cfg_error(c, line, "%s must not hold a user name or password"
		    " (they would show in logs); use the section's own keys",
		    key);
		return NULL;
	}
	if (pu.query || pu.fragment) {
		cfg_error(c, line, "%s must not have a ?query or #fragment",
		    key);
		return NULL;
	}
	if (!pu.https && !cfg_host_is_loopback(pu.host)) {
		cfg_error(c, line, "%s: http:// would send the credentials to"
		    " %s in clear text; use https:// (plain http is allowed"
		    " only to a loopback address: 127.0.0.1, ::1, localhost)",
		    key, pu.host);
		return NULL;
	}
	out = util_xstrdup(v);
	n = strlen(out);
	while (n > 0 && out[n - 1] == '/')
		out[--n] = '\0';
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
get_notify_url(struct cfg_ctx *c, const struct cfg_sec *s)
{
	const char	*v;
	struct http_url	 pu;
	int		 line = s->line;

	if ((v = cfg_get_str(c, s, "notify", true, &line)) == NULL)
		return NULL;
	if (http_url_split(v, &pu) == -1) {
		cfg_error(c, line, "bad notify URL (expected "
		    "https://HOST[:PORT]/...)");
		return NULL;
	}
	if (pu.userinfo) {
		cfg_error(c, line, "notify must not hold a user name or"
		    " password");
		return NULL;
	}
	if (!pu.https && !cfg_host_is_loopback(pu.host)) {
		cfg_error(c, line, "notify: use https:// (plain http is allowed"
		    " only to a loopback address: 127.0.0.1, ::1, localhost)");
		return NULL;
	}
	if (notify_url_has_token(v))
		c->notify_secret_line = line;
	return util_xstrdup(v);
}

/* A secret file: absolute (or relative to the config), mode 600 or less. */
static char *
get_secret_file(struct cfg_ctx *c, const struct cfg_sec *s, const char *key,
    bool required)
{
	const char	*v;
	char		*p, err[PATH_MAX + 128];
	int		 line = s->line;

	if ((v = cfg_get_str(c, s, key, required, &line)) == NULL)
		return NULL;
	p = path_resolve(c, v);
	if (CFG_JUDGE_FILES(c) &&
	    util_secret_file_check(p, err, sizeof(err)) == -1) {
		cfg_error(c, line, "%s: %s", key, err);
		free(p);
		return NULL;
	}
	return p;
}

char *
cfg_get_secret_file(struct cfg_ctx *c, const struct cfg_sec *s,
    const char *key)
{
	return get_secret_file(c, s, key, true);
}

/*
 * [mysql]: the backup's own replica (failover-agent(8), MYSQL).  wait_to_apply
 * is -1
 * (forever), 0 (do not wait) or a duration.
 */
static const struct cfg_kw mysql_promotes[] = {
	{ "writable", MYSQL_PROMOTE_WRITABLE },
	{ "read-only", MYSQL_PROMOTE_READ_ONLY },
	{ "none", MYSQL_PROMOTE_NONE } };

#define M_AT(m)	CFG_AT(struct cfg_mysql, m)
static const struct cfg_key mysql_keys[] = {
	{ .name = "socket", .type = CFG_T_CUSTOM, .flags = CFG_F_OWNED,
	  M_AT(socket), .doc = "the replica's Unix socket" },
	{ .name = "host", .type = CFG_T_CUSTOM, .flags = CFG_F_OWNED,
	  M_AT(host), .doc = "the replica's host, instead of socket" },
	{ .name = "port", .type = CFG_T_CUSTOM, M_AT(port), .def = 3306,
	  .doc = "the replica's port, with host" },
	{ .name = "user", .type = CFG_T_CUSTOM, .flags = CFG_F_OWNED,
	  M_AT(user), .doc = "the user to log in as (required)" },
	{ .name = "password_file", .type = CFG_T_CUSTOM, .flags = CFG_F_OWNED,
	  M_AT(password_file), .doc = "its password (a secret file)" },
	{ .name = "promote", .type = CFG_T_ENUM, M_AT(promote),
	  .def = MYSQL_PROMOTE_WRITABLE, CFG_KWS(mysql_promotes),
	  .doc = "writable, read-only or none" },
	{ .name = "wait_to_apply", .type = CFG_T_CUSTOM,
	  M_AT(wait_to_apply_ms), .def = 30000,
	  .doc = "how long to wait for the relay log (-1: forever)" },
	{ .name = "timeout", .type = CFG_T_DURATION, M_AT(timeout_ms),
	  .min = 1, .def = 10000, .doc = "connect and each query" },
	{ .name = "primary_check", .type = CFG_T_STR, M_AT(primary_check),
	  .doc = "the [check:NAME] that reads the primary's GTIDs" },
	{ .name = NULL }
};
#undef M_AT

static void
validate_mysql(struct cfg_ctx *c, const struct cfg_sec *s)
{
	struct cfg_mysql	*m = &c->cfg->mysql;
	const char		*v;
	int			 line;

	sec_check_keys(c, s, mysql_keys, NULL, NULL);
	c->cfg->has_mysql = true;
	m->line = s->line;
	cfg_get_mysql_login(c, s, "/run/mysqld/mysqld.sock", &m->host,
	    &m->port, &m->socket, &m->user, &m->password_file);
	desc_read(c, s, mysql_keys, m);
	if ((v = cfg_get_str(c, s, "wait_to_apply", false, &line)) != NULL &&
	    strcmp(v, "-1") == 0)
		m->wait_to_apply_ms = -1;
	else
		cfg_get_duration(c, s, "wait_to_apply", 0,
		    &m->wait_to_apply_ms, NULL);
}

/*
 * Failback safety reads the primary's GTIDs through a [check:NAME] of type
 * mysql: primary_check names it, or the only one there is is taken.
 */
static void
validate_mysql_primary(struct cfg_ctx *c)
{
	struct config		*cfg = c->cfg;
	const struct cfg_sec	*s = NULL;
	const struct cfg_entry	*e;
	size_t			 i, n = 0, found = 0;

	if (!cfg->has_mysql)
		return;
	if ((s = cfg_section(c, "mysql")) == NULL)
		return;
	for (i = 0; i < cfg->nchecks; i++) {
		if (strcmp(check_type_str(cfg->checks[i].type), "mysql") != 0)
			continue;
		n++;
		if (cfg->mysql.primary_check == NULL ||
		    strcmp(cfg->checks[i].name, cfg->mysql.primary_check) == 0)
			found = i + 1;
	}
	if ((e = cfg_sec_get(s, "primary_check")) != NULL) {
		if (cfg->mysql.primary_check != NULL && found == 0)
			cfg_error(c, e->line, "primary_check: no [check:%s] of"
			    " type mysql", cfg->mysql.primary_check);
	} else if (n == 0)
		cfg_error(c, s->line, "[mysql] needs a [check:NAME] of type"
		    " mysql on the primary's database: failback compares its"
		    " GTIDs with this replica's (failover-agent(8), MYSQL)");
	else if (n > 1)
		cfg_error(c, s->line, "[mysql]: %zu checks of type mysql; say"
		    " which one reads the primary's database with primary_check"
		    " = NAME", n);
	if (found > 0)
		cfg->mysql.primary_check_index = found - 1;
}

static void
read_site_primary(struct cfg_ctx *c, const struct cfg_sec *s, const char *n)
{
	(void)n;
	c->primary = s;
	validate_site(c, s, &c->cfg->primary);
}

static void
read_site_backup(struct cfg_ctx *c, const struct cfg_sec *s, const char *n)
{
	(void)n;
	c->backup = s;
	validate_site(c, s, &c->cfg->backup);
}

static void
read_vote(struct cfg_ctx *c, const struct cfg_sec *s, const char *n)
{
	(void)n;
	c->cfg->has_vote = true;
	c->vote = s;
	c->cfg->vote.line = s->line;
	desc_section_read(c, s, &cfg_vote_section, &c->cfg->vote);
}

#define SEC_PLAIN(f) \
static void \
read_##f(struct cfg_ctx *c, const struct cfg_sec *s, const char *n) \
{ \
	(void)n; \
	validate_##f(c, s); \
}
SEC_PLAIN(agent)
SEC_PLAIN(dns)
SEC_PLAIN(hooks)
SEC_PLAIN(quorum)
SEC_PLAIN(mysql)
#undef SEC_PLAIN

/*
 * The sections the core reads, found by name; a name ending in ':' is a
 * prefix ([check:NAME]) and its reader gets NAME.  The DNS methods'
 * sections come from cfg_methods[], read once [dns] method is known.
 */
static const struct cfg_core_section {
	const char		*name;
	void	(*read)(struct cfg_ctx *, const struct cfg_sec *,
		    const char *);
	const struct cfg_key	*keys;		/* NULL: [vote]'s own */
} core_sections[] = {
	{ "agent", read_agent, agent_keys },
	{ "site:primary", read_site_primary, site_keys },
	{ "site:backup", read_site_backup, site_keys },
	{ "check:", validate_check, check_common_keys },
	{ "dns", read_dns, dns_keys },
	{ "zone:", validate_zone, zone_keys },	/* zone_section */
	{ "hooks", read_hooks, hooks_keys },
	{ "quorum", read_quorum, quorum_keys },
	{ "spare:", validate_spare, spare_keys },	/* spare_section */
	{ "vote", read_vote, NULL },
	{ "mysql", read_mysql, mysql_keys },
};

static void
validate_section(struct cfg_ctx *c, const struct cfg_sec *s)
{
	const struct cfg_core_section	*cs;
	const struct cfg_method *const	*m;
	size_t				 i, len;

	if (s->duplicate)
		return;
	for (i = 0; i < FA_ARRAY_SIZE(core_sections); i++) {
		cs = &core_sections[i];
		len = strlen(cs->name);
		if (cs->name[len - 1] == ':' ? strncmp(s->name, cs->name,
		    len) == 0 : strcmp(s->name, cs->name) == 0) {
			cs->read(c, s, s->name + (cs->name[len - 1] == ':' ?
			    len : 0));
			return;
		}
	}
	/* A method's section: read once [dns] method is known. */
	for (m = cfg_methods; *m != NULL; m++)
		if ((*m)->section != NULL &&
		    strcmp((*m)->section->name, s->name) == 0)
			return;
	cfg_error(c, s->line, "unknown section [%s]", s->name);
}

/* May key appear on many lines of [section] (CFG_F_MULTI)? */
static bool
key_multi(const char *section, const char *key)
{
	const struct cfg_key		*k = NULL;
	const struct cfg_method *const	*m;

	for (m = cfg_methods; *m != NULL && k == NULL; m++)
		if ((*m)->section != NULL &&
		    strcmp((*m)->section->name, section) == 0)
			k = key_find((*m)->section->keys, key);
	return k != NULL && (k->flags & CFG_F_MULTI) != 0;
}

/*
 * The section of [dns] method: required and read in full, into
 * cfg->method_conf.  The sections of the other methods may stay in the
 * file (unused, with a warning); only their key names are checked.
 */
static void
validate_dns_method(struct cfg_ctx *c)
{
	struct config			*cfg = c->cfg;
	const struct cfg_method		*m = cfg->dns.method, *o;
	const struct cfg_method *const	*op;
	const struct cfg_section_desc	*d;
	const struct cfg_entry		*me;
	const struct cfg_sec		*s;
	const struct cfg_key		*k;
	char				 need[256] = "";

	if (c->dns == NULL || !c->dns_method_ok)
		return;
	/* An API's or a program's "done" is confirmed through DNS, always. */
	if (!m->dns_update && cfg->dns.verify == DNS_VERIFY_NONE) {
		me = cfg_sec_get(c->dns, "verify");
		cfg_error(c, me != NULL ? me->line : c->dns->line, "verify ="
		    " none is not allowed with method = %s: its answer alone is"
		    " not trusted, the change is confirmed through DNS (use"
		    " server or all)", m->name);
	}
	for (op = cfg_methods; *op != NULL; op++) {
		if ((d = (o = *op)->section) == NULL)
			continue;
		s = cfg_section(c, d->name);
		if (o == m && s == NULL) {
			for (k = d->keys; k->name != NULL; k++) {
				if (!(k->flags & CFG_F_REQUIRED))
					continue;
				if (need[0] != '\0')
					cfg_strlcat(need, ", ", sizeof(need));
				cfg_strlcat(need, k->name, sizeof(need));
			}
			me = cfg_sec_get(c->dns, "method");
			cfg_error(c, me != NULL ? me->line : c->dns->line,
			    "method = %s needs a [%s] section (%s)", m->name,
			    d->name, need);
		} else if (o == m) {
			desc_section_read(c, s, d, cfg->method_conf);
			if (d->validate_all != NULL)
				d->validate_all(c, cfg->method_conf);
		} else if (s != NULL) {
			sec_check_keys(c, s, d->keys, NULL, NULL);
			cfg_warn(c, s->line, "[%s] is not used: [dns] method is"
			    " %s", d->name, m->name);
		}
	}
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
					cfg_error(c, c->records_line[zi],
					    "record %s is listed twice (also"
					    " in [zone:%s] at line %d)", r,
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
					cfg_error(c, c->records_line[zi],
					    "record %s belongs to [zone:%s]"
					    " (line %d), not to %s", r, y,
					    cfg->zones[zj].line, z->name);
			}
		}
	}
}

/*
 * role = spare (failover-agent.conf(5), DESCRIPTION): its checks, [quorum]
 * secret_file and [vote]; any
 * other section is allowed and unused.
 */
static void
validate_spare_role(struct cfg_ctx *c)
{
	const struct config	*cfg = c->cfg;

	if (!cfg->has_quorum)
		cfg_error(c, 0, "missing section [quorum]: a spare needs"
		    " [quorum] secret_file, the secret it shares with the"
		    " backup");
	else if (cfg_sec_get(c->quorum, "secret_file") == NULL)
		missing_key(c, c->quorum, "secret_file");
	if (!cfg->has_vote)
		cfg_error(c, 0, "missing section [vote]: a spare needs [vote],"
		    " where vote-server listens (an empty [vote] takes the"
		    " defaults: listen = %s, interval = 5s)",
		    CFG_VOTE_LISTEN_DEFAULT);
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
	const struct cfg_entry	*e;
	size_t			 ns = cfg->nspares;

	if (cfg->has_vote)
		cfg_warn(c, c->vote->line, "[vote] is read only when role ="
		    " spare (by vote-server); this site is a backup");
	if (cfg->has_quorum && cfg->agent.quorum_none) {
		e = cfg_sec_get(c->agent, "quorum");
		cfg_error(c, e != NULL ? e->line : q->line, "quorum = none, but"
		    " there is a [quorum] section at line %d: remove one of"
		    " them", q->line);
		return;
	}
	if (!cfg->has_quorum) {
		if (ns > 0)
			cfg_error(c, cfg->spares[0].line, "[spare:%s]: spares"
			    " are asked only with a [quorum] section"
			    " (secret_file, need)", cfg->spares[0].name);
		else if (!cfg->agent.quorum_none)
			cfg_warn(c, 0, "no [quorum] section: the agent cannot"
			    " tell its own network outage from the primary's;"
			    " add spares (see failover-agent.conf(5)), or say"
			    " [agent] quorum = none if that is on purpose");
		return;
	}
	if (cfg_sec_get(c->quorum, "secret_file") == NULL)
		missing_key(c, c->quorum, "secret_file");
	if (ns == 0) {
		cfg_error(c, q->line, "[quorum] without any [spare:NAME]"
		    " section: add the spares to ask (or remove [quorum])");
		return;
	}
	if ((size_t)q->need > ns) {
		e = cfg_sec_get(c->quorum, "need");
		cfg_error(c, e != NULL ? e->line : q->line, "need = %d but"
		    " there %s only %zu [spare:NAME] section%s: it could never"
		    " be met", q->need, ns == 1 ? "is" : "are", ns,
		    ns == 1 ? "" : "s");
	}
	if ((e = cfg_sec_get(c->quorum, "need_down")) != NULL &&
	    q->need_down > q->need)
		cfg_error(c, e->line, "need_down = %d is more than need = %d: a"
		    " \"down\" vote is a valid answer, so need_down must be"
		    " from 1 to need", q->need_down, q->need);
	if (q->need == 0) {
		e = cfg_sec_get(c->quorum, "need");
		cfg_warn(c, e != NULL ? e->line : q->line, "need = 0: a backup"
		    " that no spare can reach fails over all the same");
	}
	if ((size_t)q->max_up >= ns) {
		e = cfg_sec_get(c->quorum, "max_up");
		cfg_warn(c, e != NULL ? e->line : q->line, "max_up = %d with"
		    " %zu spare%s: no number of \"up\" votes can stop a"
		    " failover (PARTITION is never found)", q->max_up, ns,
		    ns == 1 ? "" : "s");
	}
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
	/* [vote]'s defaults (its listen list), present or not. */
	cfg_vote_section.validate_all(c, &cfg->vote);
	/* The method's own config, its defaults until its section is read. */
	if (cfg->dns.method->section != NULL)
		cfg->method_conf = desc_conf_new(cfg->dns.method->section);

	if (c->agent == NULL)
		cfg_error(c, 0, "missing section [agent]");
	backup_role = cfg->agent.role == ROLE_BACKUP;
	if (cfg->nchecks == 0)
		cfg_error(c, 0, "no [check:NAME] section: at least one check is"
		    " needed");
	if (!backup_role) {
		validate_spare_role(c);
		return;
	}

	if (c->primary == NULL)
		cfg_error(c, 0, "missing section [site:primary]");
	if (c->backup == NULL)
		cfg_error(c, 0, "missing section [site:backup]");
	if (c->dns == NULL)
		cfg_error(c, 0, "missing section [dns]");
	if (cfg->nzones == 0)
		cfg_error(c, 0, "no [zone:NAME] section: at least one zone is"
		    " needed");
	validate_backup_quorum(c);
	validate_mysql_primary(c);

	/* The two sites must not share an address. */
	if (cfg->primary.n > 0 && cfg->backup.n > 0) {
		for (i = 0; i < cfg->backup.n; i++)
			for (j = 0; j < cfg->primary.n; j++)
				if (addrset_cmp(&cfg->backup.addr[i],
				    &cfg->primary.addr[j]) == 0)
					cfg_error(c, cfg_sec_get(c->backup,
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
				cfg_warn(c, c->backup->line, "[site:primary]"
				    " has %s addresses and [site:backup] none:"
				    " a failover removes the %s records",
				    fam == AF_INET ? "IPv4" : "IPv6",
				    fam == AF_INET ? "A" : "AAAA");
		}
	}

	validate_records(c);
	validate_dns_method(c);

	/*
	 * Caches keep the old answer for ttl seconds (failover-agent.conf(5),
	 * [agent] hold_down).
	 */
	if (c->agent != NULL && c->dns != NULL && c->dns_ttl_ok &&
	    c->hold_down_ok &&
	    cfg->agent.hold_down_ms < (int64_t)cfg->dns.ttl * 1000) {
		util_duration_format(cfg->agent.hold_down_ms, hb, sizeof(hb));
		cfg_error(c, c->hold_down_line > 0 ? c->hold_down_line :
		    c->agent->line, "hold_down (%s) is shorter than [dns] ttl"
		    " (%us): caches would still hold the old answer", hb,
		    (unsigned)cfg->dns.ttl);
	}
}

/* ------------------------------------------------------------------------ */

static void
config_defaults(struct config *cfg)
{
	desc_defaults(agent_keys, &cfg->agent);
	desc_defaults(dns_keys, &cfg->dns);
	cfg->dns.method = cfg_methods[0];
	cfg->dns.resolver_port = 53;
	desc_defaults(hooks_keys, &cfg->hooks);
	desc_defaults(quorum_keys, &cfg->quorum);
	desc_defaults(cfg_vote_section.keys, &cfg->vote);
	desc_defaults(mysql_keys, &cfg->mysql);
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
		cfg_error(&c, 0, "read error: %s", strerror(errno));
	fclose(c.f);
	c.f = NULL;
	if (r == -2)
		fatalx("ini_parse_stream: out of memory");
	/* Our reader hands inih only well-formed lines: r > 0 is a surprise. */
	if (r > 0 && c.ndiags == 0)
		cfg_error(&c, r, "syntax error");

	validate_all(&c);
	/*
	 * A token in the file makes the file a secret (failover-agent.conf(5)).
	 */
	if (c.notify_secret_line > 0 && CFG_JUDGE_FILES(&c) &&
	    (c.file_mode & (S_IRGRP | S_IWGRP | S_IROTH | S_IWOTH)) != 0)
		cfg_error(&c, c.notify_secret_line, "notify holds a token, so"
		    " %s is a secret: it must not be readable by group or"
		    " others (mode %04o); run: chmod 600 %s", path,
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
	size_t	i;

	if (cfg == NULL)
		return;
	free(cfg->path);
	desc_free(agent_keys, &cfg->agent);
	for (i = 0; i < cfg->nchecks; i++)
		check_conf_free(&cfg->checks[i]);
	free(cfg->checks);
	desc_free(mysql_keys, &cfg->mysql);
	desc_free(dns_keys, &cfg->dns);
	if (cfg->dns.method != NULL && cfg->dns.method->section != NULL)
		desc_conf_free(cfg->dns.method->section, cfg->method_conf);
	desc_array_free(&zone_section, cfg->zones, cfg->nzones);
	desc_free(hooks_keys, &cfg->hooks);
	desc_free(quorum_keys, &cfg->quorum);
	desc_array_free(&spare_section, cfg->spares, cfg->nspares);
	cfg_vote_section.free(&cfg->vote);
	desc_free(cfg_vote_section.keys, &cfg->vote);
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
dns_method_str(const struct cfg_method *m)
{
	return m != NULL ? m->name : "unknown";
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
check_type_str(const struct cfg_check_type *t)
{
	return t != NULL ? t->name : "unknown";
}

static void
keys_print(FILE *f, const char *section, const struct cfg_key *keys)
{
	static const char *const types[] = {
		[CFG_T_STR] = "string", [CFG_T_PATH] = "path",
		[CFG_T_SECRET] = "secret-file", [CFG_T_FILE] = "file",
		[CFG_T_PROGRAM] = "program", [CFG_T_API_URL] = "url",
		[CFG_T_NUM] = "number", [CFG_T_DURATION] = "duration",
		[CFG_T_ENUM] = "word", [CFG_T_ADDRS] = "addresses",
		[CFG_T_CUSTOM] = "text",
	};

	for (const struct cfg_key *k = keys; k->name != NULL; k++)
		fprintf(f, "%s %s %s %s\n", section, k->name, types[k->type],
		    k->doc != NULL ? k->doc : "");
}

/*
 * Every section and key the loader reads, from the descriptor tables:
 * "SECTION KEY TYPE DOC" lines; a section "check:" is followed by those of
 * each type as "check:TYPE".
 */
void
config_keys_print(FILE *f)
{
	const struct cfg_core_section	*cs;
	const struct cfg_check_type *const *t;
	const struct cfg_method *const	*m;
	char				 name[64];

	for (cs = core_sections; cs < core_sections +
	    FA_ARRAY_SIZE(core_sections); cs++)
		keys_print(f, cs->name, cs->keys != NULL ? cs->keys :
		    cfg_vote_section.keys);
	for (t = cfg_check_types; *t != NULL; t++) {
		snprintf(name, sizeof(name), "check:%s", (*t)->name);
		keys_print(f, name, (*t)->keys);
	}
	for (m = cfg_methods; *m != NULL; m++)
		if ((*m)->section != NULL)
			keys_print(f, (*m)->section->name, (*m)->section->keys);
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
