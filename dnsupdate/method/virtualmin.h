/*
 * virtualmin.h: the [virtualmin] section, as virtualmin.c reads it at load (its
 * descriptor table); cfg->method_conf holds it when [dns] method = virtualmin.
 */
#ifndef FA_METHOD_VIRTUALMIN_H
#define FA_METHOD_VIRTUALMIN_H

#include <stdint.h>

/* [virtualmin] (method = virtualmin): Virtualmin's remote API. */
struct cfg_virtualmin {
	int	 line;			/* of [virtualmin]; 0 when absent */
	char	*url;			/* .../virtual-server/remote.cgi */
	char	*user;
	char	*password_file;		/* absolute; contents read when used */
	char	*ca_file;		/* NULL: the system's CAs */
};

#endif
