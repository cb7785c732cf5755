/*
 * fuzz_dns_answers.c: the answers of DNS queries as the agent reads them,
 * through the real DNS client (dnsquery.c) with the network replaced (see
 * fuzz.h): the first byte picks the reader, the rest is the script of
 * answers (2-byte length, then the message; the harness puts in the
 * query's ID).
 *
 *   0  dns_query_addrs()     a record's A and AAAA, as the view reads them
 *   1  dns_query_serial()    the zone's SOA serial (verify, the plan)
 *   2  ns_set_read()         the NS set and glue (verify = all, verify.c)
 *   3  dns_discover_mname()  the SOA MNAME through resolvers (discover.c)
 *   4  dns_discover_addrs()  a name's addresses through resolvers
 */
#include <stdlib.h>
#include <string.h>

#include "dnsupdate/verify.c"
#include "t/fuzz/fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct config	cfg;
	struct dns_server	srv[2];
	struct addrset		addrs;
	struct addrset_addr	a;
	struct ns_name		names[8];
	char			err[512], mname[256];
	uint32_t		serial;
	size_t			n;
	int64_t			deadline;

	if (size < 1)
		return 0;
	cfg.dns.timeout_ms = 1000;
	memset(&a, 0, sizeof(a));
	a.family = AF_INET;
	a.a.v4.s_addr = htonl(0x7f000001);
	dns_server_from_addr(&a, 5300, &srv[0]);
	a.a.v4.s_addr = htonl(0x7f000002);
	dns_server_from_addr(&a, 53, &srv[1]);
	fuzz_script_set(data + 1, size - 1, false);
	deadline = util_mono_ms() + 1000;
	switch (data[0] % 5) {
	case 0:
		(void)dns_query_addrs(&srv[0], "www.example.com.", deadline,
		    &addrs, err, sizeof(err));
		break;
	case 1:
		(void)dns_query_serial(&srv[0], "example.com.", deadline,
		    &serial, err, sizeof(err));
		break;
	case 2:
		(void)ns_set_read(&cfg, &srv[0], "example.com.", names,
		    FA_ARRAY_SIZE(names), &n, err, sizeof(err));
		break;
	case 3:
		(void)dns_discover_mname(srv, 2, "example.com.", deadline,
		    mname, sizeof(mname), err, sizeof(err));
		break;
	case 4:
		(void)dns_discover_addrs(srv, 2, "ns1.example.com.", deadline,
		    &addrs, err, sizeof(err));
		break;
	}
	fuzz_script_set(NULL, 0, false);
	return 0;
}
