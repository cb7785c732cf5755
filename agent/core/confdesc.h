/*
 * confdesc.h: the descriptor tables of the configuration, and what a module
 * that owns a section (a DNS method, a check type, the vote server) may use
 * of the loader (agent/core/config.c).
 *
 * A section is described by a table of keys: name, type, where the value is
 * stored (offsetof in the section's struct), default, bounds, one line of
 * documentation.  The loader drives everything from it: defaults, unknown
 * keys, required keys, parsing and range checks with FILE:LINE errors, and
 * config_free().  What one key cannot say alone (two keys that go together,
 * a key needed only with another) is the section's validate hook; what
 * needs other sections too is its validate_all hook.
 *
 * The loader names no module and includes no module's header: the DNS
 * methods are found through cfg_methods[] (dnsupdate/method/registry.c),
 * the check types through cfg_check_types[] (agent/check/check.c), [vote]
 * through cfg_vote_section (quorum/vote_conf.c).
 */
#ifndef FA_CONFDESC_H
#define FA_CONFDESC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "agent/core/config.h"

struct cfg_ctx;			/* one load, opaque */

/* One "key = value" line of a section, as written. */
struct cfg_entry {
	char	*key;
	char	*value;
	int	 line;
};

/* One [section] as written, with its entries in file order. */
struct cfg_sec {
	char			*name;
	char			*ident;		/* to find duplicates */
	int			 line;
	bool			 duplicate;	/* a second [x]: not read */
	size_t			 n;
	struct cfg_entry	*entries;
};

/* A word of an enumerated key and the value stored for it. */
struct cfg_kw {
	const char	*name;
	int		 value;
};

enum cfg_type {
	CFG_T_STR,		/* char *: a non-empty string, copied */
	CFG_T_PATH,		/* char *: relative to the config's directory */
	CFG_T_SECRET,		/* char *: a secret file, mode 600 or less */
	CFG_T_FILE,		/* char *: a readable regular file (ca_file) */
	CFG_T_PROGRAM,		/* char *: an absolute path to a safe program */
	CFG_T_API_URL,		/* char *: an API's URL (it gets a secret) */
	CFG_T_NUM,		/* an integer field (1, 2, 4 or 8 bytes) */
	CFG_T_DURATION,		/* int64_t milliseconds */
	CFG_T_ENUM,		/* an integer field: the value of one of kws */
	CFG_T_ADDRS,		/* struct addrset: "a, b, c" (addrset_parse) */
	CFG_T_CUSTOM,		/* read by the section's validate hook */
};

#define CFG_F_REQUIRED	0x1	/* missing: "missing key 'K' in [S]" */
#define CFG_F_OWNED	0x2	/* CFG_T_CUSTOM: a char * freed with it */
#define CFG_F_MULTI	0x4	/* may be given on many lines ([http] header) */

/*
 * One key.  off/size: the field in the section's struct (CFG_T_CUSTOM:
 * only to be freed, with CFG_F_OWNED, or given def).  min/max: bounds of a
 * number; min of a duration (1: "must be more than 0").  def: the default
 * of a number, a duration, an enum or a CFG_T_CUSTOM number; def_str: of a
 * CFG_T_STR or CFG_T_API_URL string, copied when the key is absent.  The
 * string fields (char *) belong to the section's struct: config_free()
 * frees them through the table.
 */
struct cfg_key {
	const char		*name;
	enum cfg_type		 type;
	unsigned		 flags;
	size_t			 off;
	size_t			 size;
	long long		 min, max;
	long long		 def;
	const char		*def_str;
	const struct cfg_kw	*kws;
	size_t			 nkws;
	const char		*doc;
};

/* The .off and .size of a field, for the tables. */
#define CFG_AT(type, member) \
	.off = offsetof(type, member), .size = sizeof(((type *)0)->member)
#define CFG_KWS(a)	.kws = (a), .nkws = sizeof(a) / sizeof((a)[0])

/*
 * A section a module owns.  keys ends with { .name = NULL }.  conf is the
 * module's struct of size bytes, zeroed, then given the keys' defaults.
 */
struct cfg_section_desc {
	const char		*name;		/* "powerdns" */
	const char		*doc;
	const struct cfg_key	*keys;
	size_t			 size;
	/* After the keys were read: the checks between keys.  May be NULL. */
	void	(*validate)(struct cfg_ctx *, const struct cfg_sec *,
		    void *conf);
	/*
	 * Once every section is read: a method's when it is the one chosen
	 * and its section was read; [vote]'s on every load (its default
	 * listen list).  May be NULL.
	 */
	void	(*validate_all)(struct cfg_ctx *, void *conf);
	/* What the keys do not free (an array of headers).  May be NULL. */
	void	(*free)(void *conf);
};

/*
 * A DNS method: [dns] method = name.  Each method's file defines one,
 * NAME_method, listed in dnsupdate/method/registry.c.
 */
struct dnsupdate_method;	/* dnsupdate/dnsupdate_impl.h */
struct cfg_method {
	const char			*name;
	const struct dnsupdate_method	*ops;
	/* Its own [name] section, required with it; NULL: none (rfc2136). */
	const struct cfg_section_desc	*section;
	/*
	 * It speaks DNS UPDATE: [dns] tsig_key_file is required, and its
	 * answer is trusted (verify = none allowed).
	 */
	bool				 dns_update;
};
/* Every method, the default first; ends with NULL. */
extern const struct cfg_method *const cfg_methods[];
/* The method named name, or NULL. */
const struct cfg_method *cfg_method_find(const char *name);

/*
 * A check type: [check:NAME] type = name.  Its keys are stored in its own
 * struct of conf_size bytes (more than 0), which cfg_check.conf holds:
 * zeroed, given the keys' defaults, read, validated, and freed through
 * keys and free.
 */
struct check_ops;		/* agent/check/check_impl.h */
struct cfg_check_type {
	const char		*name;
	const struct check_ops	*ops;
	const struct cfg_key	*keys;		/* besides type and timeout */
	size_t			 conf_size;
	int64_t			 timeout_ms;	/* the default timeout */
	void	(*validate)(struct cfg_ctx *, const struct cfg_sec *,
		    struct cfg_check *);
	/* What the keys do not free in cfg_check.conf.  May be NULL. */
	void	(*free)(struct cfg_check *);
};
/* Every check type; ends with NULL. */
extern const struct cfg_check_type *const cfg_check_types[];

/* [vote], the vote server's section (quorum/vote_conf.c): cfg->vote. */
extern const struct cfg_section_desc cfg_vote_section;
/* [vote] listen when the key is absent (failover-agent.conf(5), [vote]). */
#define CFG_VOTE_LISTEN_DEFAULT	"0.0.0.0:8053, [::]:8053"

/* ---- for the validate hooks ---- */

void	cfg_error(struct cfg_ctx *, int line, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
void	cfg_warn(struct cfg_ctx *, int line, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
/* The entry of key in s, or NULL. */
const struct cfg_entry *cfg_sec_get(const struct cfg_sec *, const char *key);
/* The first section named name that is not a duplicate, or NULL. */
const struct cfg_sec *cfg_section(struct cfg_ctx *, const char *name);
/* The config being filled. */
struct config *cfg_config(struct cfg_ctx *);
/* Were [dns] ttl and [agent] hold_down read without an error? */
bool	cfg_ttl_ok(struct cfg_ctx *);
bool	cfg_hold_down_ok(struct cfg_ctx *);

/*
 * A string value: the entry's, or NULL when absent (reported as missing
 * when required) or empty (reported).  *linep (may be NULL) gets its line.
 */
const char *cfg_get_str(struct cfg_ctx *, const struct cfg_sec *,
	    const char *key, bool required, int *linep);
/* An integer in [min, max]; *out keeps its value when absent or bad. */
void	cfg_get_num(struct cfg_ctx *, const struct cfg_sec *, const char *key,
	    long long min, long long max, long long *out);
/* A duration of at least min_ms: true when *out was set. */
bool	cfg_get_duration(struct cfg_ctx *, const struct cfg_sec *,
	    const char *key, int64_t min_ms, int64_t *out, int *linep);
/* A secret file (required): the resolved path, or NULL (reported). */
char	*cfg_get_secret_file(struct cfg_ctx *, const struct cfg_sec *,
	    const char *key);
/*
 * A MySQL server to log in to: host (and port, default 3306) or socket,
 * user (required), an optional password_file; with neither host nor socket,
 * def_socket, or an error when it is NULL.
 */
void	cfg_get_mysql_login(struct cfg_ctx *, const struct cfg_sec *,
	    const char *def_socket, char **host, uint16_t *port, char **sock,
	    char **user, char **password_file);
/* Is v a program we may run?  Reports why not at line. */
bool	cfg_program_judge(struct cfg_ctx *, int line, const char *key,
	    const char *v);
/* "localhost", 127.0.0.0/8 or [::1]. */
bool	cfg_host_is_loopback(const char *host);
/* The host[:port] of an http(s) URL, checked.  0, or -1 with err. */
int	cfg_url_host_check(const char *url, char *err, size_t errlen);

/*
 * Every key of every section, for `failover-agent config-keys` (the
 * documentation test): one "SECTION KEY TYPE DOC" line per key.
 */
void	config_keys_print(FILE *);

#endif
