/*
 * registry.c: the one table of DNS methods.  [dns] method = NAME finds its
 * entry here (agent/core/confdesc.h): the method's code (struct
 * dnsupdate_method) and the section it owns, described and checked in its
 * own file.  Adding a method: its file, one line below, the man page.
 */
#include <stdbool.h>
#include <stddef.h>

#include "agent/core/confdesc.h"
#include "dnsupdate/dnsupdate_impl.h"
#include "dnsupdate/method/methods.h"

extern const struct cfg_section_desc virtualmin_section;
extern const struct cfg_section_desc powerdns_section;
extern const struct cfg_section_desc exec_section;
extern const struct cfg_section_desc cloudflare_section;
extern const struct cfg_section_desc ovh_section;
extern const struct cfg_section_desc http_section;

/* The default (rfc2136) first; only DNS UPDATE's answer is trusted. */
const struct cfg_method cfg_methods[] = {
	{ "rfc2136", &dnsupdate_rfc2136, NULL, true },
	{ "virtualmin", &dnsupdate_virtualmin, &virtualmin_section, false },
	{ "powerdns", &dnsupdate_powerdns, &powerdns_section, false },
	{ "exec", &dnsupdate_exec, &exec_section, false },
	{ "cloudflare", &dnsupdate_cloudflare, &cloudflare_section, false },
	{ "ovh", &dnsupdate_ovh, &ovh_section, false },
	{ "http", &dnsupdate_http, &http_section, false },
	{ NULL, NULL, NULL, false }
};
