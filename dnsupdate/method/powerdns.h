/*
 * powerdns.h: the [powerdns] section as dnsupdate/method/powerdns.c reads it; the
 * config holds it in cfg->method_conf when [dns] method = powerdns.
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
