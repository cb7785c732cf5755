/*
 * registry.c: the one table of DNS methods.  [dns] method = NAME finds its
 * entry here (agent/core/confdesc.h): NAME_method, defined in the method's
 * own file with its code (struct dnsupdate_method) and the section it owns
 * (described and checked there).  Adding a method: its file, one line in
 * FA_METHODS below, the man page.
 */
#include <stddef.h>

#include "agent/core/confdesc.h"

/* The methods, the default (rfc2136) first. */
#define FA_METHODS(X)	\
	X(rfc2136)	\
	X(virtualmin)	\
	X(powerdns)	\
	X(exec)		\
	X(cloudflare)	\
	X(ovh)		\
	X(http)

#define FA_METHOD_DECLARE(n)	extern const struct cfg_method n##_method;
#define FA_METHOD_ENTRY(n)	&n##_method,

FA_METHODS(FA_METHOD_DECLARE)

const struct cfg_method *const cfg_methods[] = {
	FA_METHODS(FA_METHOD_ENTRY)
	NULL
};
