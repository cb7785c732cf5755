/*
 * httptmpl.h: the templates of the http method ([http] section): a URL,
 * headers and a JSON body holding placeholders, expanded per record (per =
 * record) or per zone (per = zone).  httptmpl.c reads and checks the
 * section (httptmpl_check()) when the config is loaded, and expands them.
 *
 * A placeholder is '{' + lower-case letters + '}'.  Any other brace is
 * text (a JSON object's braces stay braces: no JSON key can be unquoted).
 *
 *   {zone}      example.com            (no final dot)
 *   {fqdn}      www.example.com        (no final dot)
 *   {name}      www, or @ at the apex
 *   {subname}   www, or empty at the apex
 *   {type}      A or AAAA
 *   {address}   198.51.100.20          (only when each site has at most
 *                                       one address of each type)
 *   {addresses} ["198.51.100.20"] in a body (a JSON array, [] when the
 *               new set of that type is empty), 198.51.100.20,... in a URL
 *   {ttl}       [dns] ttl, a JSON number
 *   {records}   per = zone, in the body: a JSON array of the `record`
 *               template expanded once per changed name and type
 *   {secret}    in a header only: the first line of secret_file
 *
 * Values are percent-encoded in a URL (RFC 3986 §2.3 unreserved stay),
 * JSON-escaped in a body (the template supplies the quotes around string
 * values: "{name}"), and inserted as they are in a header.
 */
#ifndef FA_DNSUPDATE_HTTPTMPL_H
#define FA_DNSUPDATE_HTTPTMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "agent/core/config.h"

/* [http] (method = http): a templated request (dnsupdate/method/httptmpl.h). */
#define CFG_HTTP_HEADERS_MAX	16
#define CFG_HTTP_STATUS_MAX	16
struct cfg_http_header {
	char	*name;			/* "Authorization" */
	char	*value;			/* template: "Token {secret}" */
	int	 line;
};
struct cfg_http {
	int			 line;	/* of [http]; 0 when absent */
	char			*method;	/* "PUT", upper case */
	char			*url;		/* template */
	size_t			 nheaders;
	struct cfg_http_header	 headers[CFG_HTTP_HEADERS_MAX];
	char			*body;		/* JSON template, NULL: none */
	bool			 per_zone;	/* per = zone (default record) */
	char			*record;	/* per = zone: one {records} item */
	size_t			 nstatus;	/* 0: any 2xx is success */
	long			 success_status[CFG_HTTP_STATUS_MAX];
	char			*success_json_pointer;	/* RFC 6901, or NULL */
	char			*success_json_value;	/* JSON text, with the pointer */
	char			*secret_file;	/* absolute, or NULL */
	char			*test_url;	/* config-test GETs it, or NULL */
	char			*ca_file;	/* NULL: the system's CAs */
	unsigned		 uses;	/* HTTPTMPL_USES_* of url, body, record */
	size_t			 nrate;		/* rate_limit: 0 when unset */
	struct cfg_http_rate {
		uint32_t	 n;		/* requests ... */
		uint32_t	 window_s;	/* ... per that many seconds */
	}			 rate[4];	/* s, min, h, d at most */
};


/* Where a template is used: which placeholders it may hold. */
enum httptmpl_where {
	HTTPTMPL_URL,		/* per = record url */
	HTTPTMPL_URL_ZONE,	/* per = zone url: {zone} only */
	HTTPTMPL_HEADER,	/* a header value: {secret} only */
	HTTPTMPL_BODY_RECORD,	/* per = record body */
	HTTPTMPL_BODY_ZONE,	/* per = zone body: {zone}, {ttl}, {records} */
	HTTPTMPL_RECORD,	/* per = zone: one item of {records} */
	HTTPTMPL_TEST_URL,	/* test_url: no placeholder */
};

/* What a template uses (httptmpl_check's *uses). */
#define HTTPTMPL_USES_ADDRESS	0x01u
#define HTTPTMPL_USES_ADDRESSES	0x02u
#define HTTPTMPL_USES_RECORDS	0x04u
#define HTTPTMPL_USES_SECRET	0x08u

/* The values of one expansion; unused ones may be NULL. */
struct httptmpl_vars {
	const char			*zone;		/* "example.com" */
	const char			*fqdn;		/* "www.example.com" */
	const char			*name;		/* "www" or "@" */
	const char			*subname;	/* "www" or "" */
	const char			*type;		/* "A" */
	const struct addrset		*addrs;		/* of that type only */
	uint32_t			 ttl;
	const char			*records;	/* JSON array text */
	const char			*secret;	/* NULL: "***" */
};

/*
 * Check tmpl for use at where: every placeholder known and allowed there,
 * {records} at most once.  *uses (may be NULL) gets the HTTPTMPL_USES_*
 * bits.  Returns 0, or -1 with a plain message in err.
 */
int	httptmpl_check(const char *tmpl, enum httptmpl_where where,
	    unsigned *uses, char *err, size_t errlen);

/*
 * Expand tmpl (checked) with v.  Returns a fresh string the caller frees
 * (with util_wipe first when it may hold the secret), or NULL with a
 * message in err (a value the context cannot hold, no memory).
 */
char	*httptmpl_expand(const char *tmpl, enum httptmpl_where where,
	    const struct httptmpl_vars *v, char *err, size_t errlen);

/*
 * Sample values for checking a template at config load: zone example.com,
 * www, A, one documentation address, ttl 60.
 */
void	httptmpl_sample(struct httptmpl_vars *v, struct addrset *addrs);

/*
 * RFC 6901: the value at pointer ("" is the whole document, "/a/0/b~1c"
 * reads key "a", index 0, key "b/c") in root, borrowed; NULL when absent
 * or when pointer is not a JSON pointer.
 */
json_t	*httptmpl_json_pointer(json_t *root, const char *pointer);

#endif
