/*
 * cloudflare.h: the [cloudflare] section, as cloudflare.c reads it at load (its
 * descriptor table); cfg->method_conf holds it when [dns] method = cloudflare.
 */
#ifndef FA_METHOD_CLOUDFLARE_H
#define FA_METHOD_CLOUDFLARE_H

#include <stdint.h>

/* [cloudflare] (method = cloudflare): the Cloudflare API v4. */
#define CFG_CLOUDFLARE_API	"https://api.cloudflare.com/client/v4"
struct cfg_cloudflare {
	int	 line;			/* of [cloudflare]; 0 when absent */
	char	*api_url;		/* default CFG_CLOUDFLARE_API, no final / */
	char	*api_token_file;	/* absolute; contents read when used */
	char	*ca_file;		/* NULL: the system's CAs */
	char	*account_id;		/* NULL: any account the token sees */
};

#endif
