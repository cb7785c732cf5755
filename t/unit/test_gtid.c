/*
 * test_gtid.c: MariaDB positions and MySQL GTID sets: parse, format,
 * merge, subtract (what the backup holds that the primary lacks), with gaps,
 * several domains, servers and UUIDs, tags, empty sets and malformed input.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/mysql/gtid.h"
#include "t/unit/tap.h"

#define U1	"3e11fa47-71ca-11e1-9e33-c80aa9429562"
#define U2	"4f22ab58-82db-22f2-af44-d91bb0530673"

static char fbuf[4096];

/* parse + format, or "ERROR: reason" */
static const char *
canon(const char *in)
{
	struct gtid_set	*s;
	char		 err[256];

	if (gtid_set_parse(in, &s, err, sizeof(err)) == -1) {
		snprintf(fbuf, sizeof(fbuf), "ERROR: %s", err);
		return fbuf;
	}
	gtid_set_format(s, fbuf, sizeof(fbuf));
	gtid_set_free(s);
	return fbuf;
}

/* a - b formatted, or "ERROR: reason" */
static const char *
minus(const char *a, const char *b)
{
	struct gtid_set	*sa = NULL, *sb = NULL, *d = NULL;
	char		 err[256];

	if (gtid_set_parse(a, &sa, err, sizeof(err)) == -1 ||
	    gtid_set_parse(b, &sb, err, sizeof(err)) == -1 ||
	    gtid_set_subtract(sa, sb, &d, err, sizeof(err)) == -1)
		snprintf(fbuf, sizeof(fbuf), "ERROR: %s", err);
	else
		gtid_set_format(d, fbuf, sizeof(fbuf));
	gtid_set_free(sa);
	gtid_set_free(sb);
	gtid_set_free(d);
	return fbuf;
}

static const char *
merged(const char *a, const char *b)
{
	struct gtid_set	*sa = NULL, *sb = NULL;
	char		 err[256];

	if (gtid_set_parse(a, &sa, err, sizeof(err)) == -1 ||
	    gtid_set_parse(b, &sb, err, sizeof(err)) == -1 ||
	    gtid_set_merge(sa, sb, err, sizeof(err)) == -1)
		snprintf(fbuf, sizeof(fbuf), "ERROR: %s", err);
	else
		gtid_set_format(sa, fbuf, sizeof(fbuf));
	gtid_set_free(sa);
	gtid_set_free(sb);
	return fbuf;
}

static int
is_error(const char *s)
{
	return strncmp(s, "ERROR: ", 7) == 0;
}

static void
test_mariadb(void)
{
	struct gtid_set	*s;
	char		 err[128];

	is_str(canon("0-1-100"), "0-1-100", "mariadb: one entry");
	is_str(canon(" 1-2-7 ,\n0-1-100,0-3-5 "), "0-1-100,0-3-5,1-2-7",
	    "mariadb: white space and new lines; sorted by domain, server");
	is_str(canon("0-1-5,0-1-9,0-1-7"), "0-1-9",
	    "mariadb: one entry per domain and server, the highest wins");
	is_str(canon("4294967295-4294967295-18446744073709551615"),
	    "4294967295-4294967295-18446744073709551615",
	    "mariadb: the largest domain, server and sequence number");
	ok(is_error(canon("4294967296-1-1")), "mariadb: domain too large");
	ok(is_error(canon("0-1-18446744073709551616")), "mariadb: seq too large");
	ok(is_error(canon("0-1")), "mariadb: two parts is an error");
	ok(is_error(canon("0-1-2-3")), "mariadb: four parts is an error");
	ok(is_error(canon("0--2")), "mariadb: empty server is an error");
	ok(is_error(canon("a-1-2")), "mariadb: letters are an error");
	ok(is_error(canon("0-1-+2")), "mariadb: a sign is an error");
	ok(is_error(canon("0-1-2,,0-1-3")), "mariadb: empty item is an error");
	ok(is_error(canon("0-1-2;")), "mariadb: stray character is an error");
	ok(strstr(canon("0-1-x"), "0-1-x") != NULL,
	    "mariadb: the error names the bad item");

	/* The backup's own writes after promotion, as gtid_binlog_state. */
	is_str(minus("0-1-100,0-2-103", "0-1-100"), "0-2-103",
	    "mariadb: promoted backup wrote as server 2: the primary lacks 0-2-103");
	is_str(minus("0-1-100", "0-1-105"), "",
	    "mariadb: backup behind the primary: nothing missing");
	is_str(minus("0-1-105", "0-1-100"), "0-1-105",
	    "mariadb: backup ahead on the same server: missing on the primary");
	is_str(minus("0-2-101", "0-1-101"), "0-2-101",
	    "mariadb: split brain at the same seq is caught (other server)");
	is_str(minus("0-1-100,1-1-50", "0-1-100"), "1-1-50",
	    "mariadb: a domain the primary never saw");
	is_str(minus("0-1-100,1-1-50", "0-1-200,1-1-50,2-9-1"), "",
	    "mariadb: several domains, all held");
	is_str(minus("0-2-50", "0-1-80,0-2-50"), "",
	    "mariadb: the primary replicated from the backup before (its slave_pos)");
	is_str(minus("", "0-1-5"), "", "mariadb: empty minus anything is empty");
	is_str(minus("0-1-5", ""), "0-1-5", "mariadb: anything minus empty is itself");

	is_str(merged("0-1-80", "0-2-50,0-1-70"), "0-1-80,0-2-50",
	    "mariadb: merge of binlog state and slave pos");

	ok(gtid_set_parse("", &s, err, sizeof(err)) == 0, "empty string parses");
	ok(gtid_set_is_empty(s), "and is the empty set");
	is_int(gtid_set_flavor(s), GTID_FLAVOR_NONE, "of no flavor");
	gtid_set_free(s);
	ok(gtid_set_parse(" \n ", &s, err, sizeof(err)) == 0 &&
	    gtid_set_is_empty(s), "white space only is the empty set");
	gtid_set_free(s);
	ok(gtid_set_parse("0-1-1", &s, err, sizeof(err)) == 0 &&
	    gtid_set_flavor(s) == GTID_FLAVOR_MARIADB, "flavor MariaDB");
	gtid_set_free(s);
}

static void
test_mysql(void)
{
	struct gtid_set	*s;
	char		 err[128];

	is_str(canon(U1 ":1-5"), U1 ":1-5", "mysql: one interval");
	is_str(canon("3E11FA47-71CA-11E1-9E33-C80AA9429562:1-5"), U1 ":1-5",
	    "mysql: upper case UUID folded");
	is_str(canon(U1 ":1-5:7-9:11"), U1 ":1-5:7-9:11", "mysql: gaps kept");
	is_str(canon(U1 ":7-9:1-5"), U1 ":1-5:7-9", "mysql: intervals sorted");
	is_str(canon(U1 ":1-5:6-9"), U1 ":1-9", "mysql: adjacent intervals join");
	is_str(canon(U1 ":1-5:3-8:20:9"), U1 ":1-9:20",
	    "mysql: overlapping intervals join");
	is_str(canon(U2 ":1-3,\n" U1 ":1-5"), U1 ":1-5," U2 ":1-3",
	    "mysql: gtid_executed with new lines, several UUIDs, sorted");
	is_str(canon(U1 ":1-5," U1 ":6-7"), U1 ":1-7",
	    "mysql: the same UUID twice is one");
	is_str(canon(U1 ":1-5:Blue:1-3:red:4"), U1 ":1-5:blue:1-3:red:4",
	    "mysql: 8.4 tags, folded to lower case, untagged first");
	is_str(canon(U1 ":red:4:1-2"), U1 ":red:1-2:4",
	    "mysql: numbers after a tag belong to the tag");
	ok(is_error(canon(U1)), "mysql: a UUID alone is an error");
	ok(is_error(canon(U1 ":")), "mysql: an empty interval is an error");
	ok(is_error(canon(U1 ":0-5")), "mysql: transaction 0 is an error");
	ok(is_error(canon(U1 ":5-3")), "mysql: a reversed interval is an error");
	ok(is_error(canon(U1 ":1-")), "mysql: half an interval is an error");
	ok(is_error(canon(U1 ":1-2-3")), "mysql: N-M-K is an error");
	ok(is_error(canon(U1 ":red")), "mysql: a tag without numbers is an error");
	ok(is_error(canon(U1 ":red:blue:1")), "mysql: two tags in a row is an error");
	ok(is_error(canon("3e11fa47-71ca-11e1-9e33:1-5")),
	    "mysql: a short UUID is an error");
	ok(is_error(canon("3e11fa4771ca11e19e33c80aa9429562x:1")),
	    "mysql: a malformed UUID is an error");
	ok(is_error(canon(U1 ":1-5,0-1-5")),
	    "mixing MariaDB and MySQL in one list is an error");
	ok(is_error(canon(U1 ":1-99999999999999999999")),
	    "mysql: a number too large is an error");

	is_str(minus(U1 ":1-10", U1 ":1-10"), "", "mysql: equal sets: nothing missing");
	is_str(minus(U1 ":1-10", U1 ":1-20"), "", "mysql: subset: nothing missing");
	is_str(minus(U1 ":1-12", U1 ":1-10"), U1 ":11-12",
	    "mysql: the backup is two ahead");
	is_str(minus(U1 ":1-20", U1 ":1-5:8-9:15"), U1 ":6-7:10-14:16-20",
	    "mysql: the primary has gaps: each gap is missing");
	is_str(minus(U1 ":3-4:8:30-40", U1 ":1-10:35"), U1 ":30-34:36-40",
	    "mysql: gaps on both sides");
	is_str(minus(U1 ":1-10," U2 ":1-3", U1 ":1-10"), U2 ":1-3",
	    "mysql: the backup's own UUID is missing on the primary");
	is_str(minus(U1 ":1-10:blue:1-2", U1 ":1-10:blue:1"), U1 ":blue:2",
	    "mysql: tags compared apart");
	is_str(minus(U1 ":1-10:blue:1-2", U1 ":blue:1-2"), U1 ":1-10",
	    "mysql: untagged numbers are not the tag's");
	is_str(minus("", U1 ":1"), "", "mysql: empty minus anything is empty");
	is_str(minus(U1 ":1-3", ""), U1 ":1-3", "mysql: minus empty is itself");
	ok(is_error(minus(U1 ":1-3", "0-1-3")),
	    "comparing a MySQL set with a MariaDB position is an error");

	is_str(merged(U1 ":1-3:10", U1 ":4-9," U2 ":2"), U1 ":1-10," U2 ":2",
	    "mysql: merge fills a gap");
	ok(is_error(merged(U1 ":1", "0-1-1")), "merge of two flavors is an error");

	ok(gtid_set_parse(U1 ":1", &s, err, sizeof(err)) == 0 &&
	    gtid_set_flavor(s) == GTID_FLAVOR_MYSQL, "flavor MySQL");
	gtid_set_free(s);
}

static void
test_format_truncated(void)
{
	struct gtid_set	*s;
	char		 err[64], small[12];
	size_t		 need;

	if (gtid_set_parse(U1 ":1-5," U2 ":1-3", &s, err, sizeof(err)) == -1) {
		ok(0, "parse for the truncation test: %s", err);
		return;
	}
	need = gtid_set_format(s, small, sizeof(small));
	is_int(need, strlen(U1 ":1-5," U2 ":1-3"),
	    "format returns the length the whole text needs");
	is_int(strlen(small), sizeof(small) - 1, "a short buffer is filled and terminated");
	gtid_set_free(s);
}

int
main(void)
{
	test_mariadb();
	test_mysql();
	test_format_truncated();
	return tap_done();
}
