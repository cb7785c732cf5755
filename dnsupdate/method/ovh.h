/*
 * ovh.h: the [ovh] section, as ovh.c reads it at load (its
 * descriptor table); cfg->method_conf holds it when [dns] method = ovh.
 */
#ifndef FA_METHOD_OVH_H
#define FA_METHOD_OVH_H

#include <stdint.h>

/* [ovh] (method = ovh): the OVHcloud API v1, signed requests. */
#define CFG_OVH_ENDPOINT	"https://eu.api.ovh.com/1.0"
struct cfg_ovh {
	int	 line;			/* of [ovh]; 0 when absent */
	char	*endpoint;		/* default CFG_OVH_ENDPOINT, no final / */
	char	*application_key_file;	/* absolute; contents read when used */
	char	*application_secret_file;
	char	*consumer_key_file;
	char	*ca_file;		/* NULL: the system's CAs */
};

#endif
