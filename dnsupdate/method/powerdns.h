/*
 * powerdns.h: the [powerdns] section, as powerdns.c reads it at load (its
 * descriptor table); cfg->method_conf holds it when [dns] method = powerdns.
 */
#ifndef FA_METHOD_POWERDNS_H
#define FA_METHOD_POWERDNS_H

#include <stdint.h>

/* [powerdns] (method = powerdns): the PowerDNS Authoritative HTTP API. */
struct cfg_powerdns {
	int	 line;			/* of [powerdns]; 0 when absent */
	char	*url;			/* .../api/v1/servers/localhost, no final / */
	char	*api_key_file;		/* absolute; contents read when used */
	char	*ca_file;		/* NULL: the system's CAs */
};

#endif
