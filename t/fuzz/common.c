/*
 * common.c: helpers and the fake network shared by the harnesses (see
 * fuzz.h).
 */
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <arpa/inet.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ldns/ldns.h>

#include "agent/lib/http.h"
#include "t/fuzz/fuzz.h"

char *
fuzz_strndup(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (s == NULL)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* ---- a private directory ---- */

static char fuzz_dir[512];

static void
fuzz_tmpdir_remove(void)
{
	DIR		*d;
	struct dirent	*e;
	char		 p[1024];

	if (fuzz_dir[0] == '\0' || (d = opendir(fuzz_dir)) == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s", fuzz_dir, e->d_name);
		unlink(p);
	}
	closedir(d);
	rmdir(fuzz_dir);
}

const char *
fuzz_tmpdir(void)
{
	const char *t = getenv("TMPDIR");

	if (fuzz_dir[0] != '\0')
		return fuzz_dir;
	snprintf(fuzz_dir, sizeof(fuzz_dir), "%s/fa-fuzz.XXXXXX",
	    t != NULL && t[0] != '\0' ? t : "/tmp");
	if (mkdtemp(fuzz_dir) == NULL)
		abort();
	atexit(fuzz_tmpdir_remove);
	return fuzz_dir;
}

const char *
fuzz_file(const char *name, const void *data, size_t len, unsigned mode)
{
	static char	path[1024];
	int		fd;

	snprintf(path, sizeof(path), "%s/%s", fuzz_tmpdir(), name);
	unlink(path);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    mode)) == -1 || write(fd, data, len) != (ssize_t)len)
		abort();
	fchmod(fd, mode);
	close(fd);
	return path;
}

/* ---- the script ---- */

static const uint8_t	*script;
static size_t		 script_len;
static bool		 script_dns_auto;
const char		*fuzz_dns_auto_a[] = { "192.0.2.1", NULL };
const char		*fuzz_dns_auto_aaaa[] = { "2001:db8::1", NULL };

void
fuzz_script_set(const uint8_t *data, size_t size, bool dns_auto)
{
	script = data;
	script_len = size;
	script_dns_auto = dns_auto;
}

bool
fuzz_script_next(const uint8_t **chunk, size_t *len)
{
	size_t n;

	if (script_len < 2)
		return false;
	n = (size_t)script[0] << 8 | script[1];
	if (n > script_len - 2)
		n = script_len - 2;
	*chunk = script + 2;
	*len = n;
	script += 2 + n;
	script_len -= 2 + n;
	return true;
}

/* ---- DNS: ldns's network calls, as dnsquery.c uses them ---- */

static uint8_t			 q_wire[65536];
static size_t			 q_len;
static struct sockaddr_storage	 q_to;
static socklen_t		 q_tolen;

/* A readable descriptor, so that poll() returns at once. */
static int
fake_fd(const ldns_buffer *qbin, const struct sockaddr_storage *to,
    socklen_t tolen)
{
	int fd;

	q_len = ldns_buffer_position(qbin);
	if (q_len > sizeof(q_wire))
		q_len = sizeof(q_wire);
	memcpy(q_wire, ldns_buffer_begin(qbin), q_len);
	memcpy(&q_to, to, tolen < sizeof(q_to) ? tolen : sizeof(q_to));
	q_tolen = tolen;
	if ((fd = eventfd(1, EFD_CLOEXEC)) == -1)
		abort();
	return fd;
}

/* The answer the plan read: the question, AA, fuzz_dns_auto_* in it. */
static uint8_t *
auto_reply(size_t *len)
{
	ldns_pkt	*q = NULL, *r;
	ldns_rr		*qrr, *rr;
	const char	**addrs;
	char		 text[512], *owner;
	uint8_t		*wire = NULL;
	size_t		 i;

	if (ldns_wire2pkt(&q, q_wire, q_len) != LDNS_STATUS_OK)
		return NULL;
	r = ldns_pkt_clone(q);
	ldns_pkt_free(q);
	ldns_pkt_set_qr(r, true);
	ldns_pkt_set_aa(r, true);
	ldns_pkt_set_rcode(r, LDNS_RCODE_NOERROR);
	qrr = ldns_rr_list_rr(ldns_pkt_question(r), 0);
	addrs = NULL;
	if (qrr != NULL && ldns_rr_get_type(qrr) == LDNS_RR_TYPE_A)
		addrs = fuzz_dns_auto_a;
	else if (qrr != NULL && ldns_rr_get_type(qrr) == LDNS_RR_TYPE_AAAA)
		addrs = fuzz_dns_auto_aaaa;
	if (qrr != NULL && ldns_rr_get_type(qrr) == LDNS_RR_TYPE_SOA) {
		owner = ldns_rdf2str(ldns_rr_owner(qrr));
		snprintf(text, sizeof(text), "%s 60 IN SOA ns1.example.com. "
		    "hostmaster.example.com. 2026120401 3600 600 86400 60",
		    owner);
		free(owner);
		if (ldns_rr_new_frm_str(&rr, text, 0, NULL, NULL) ==
		    LDNS_STATUS_OK)
			ldns_pkt_push_rr(r, LDNS_SECTION_ANSWER, rr);
	}
	for (i = 0; addrs != NULL && addrs[i] != NULL; i++) {
		owner = ldns_rdf2str(ldns_rr_owner(qrr));
		snprintf(text, sizeof(text), "%s 1 IN %s %s", owner,
		    addrs == fuzz_dns_auto_a ? "A" : "AAAA", addrs[i]);
		free(owner);
		if (ldns_rr_new_frm_str(&rr, text, 0, NULL, NULL) ==
		    LDNS_STATUS_OK)
			ldns_pkt_push_rr(r, LDNS_SECTION_ANSWER, rr);
	}
	if (ldns_pkt2wire(&wire, r, len) != LDNS_STATUS_OK)
		wire = NULL;
	ldns_pkt_free(r);
	return wire;
}

/* The next DNS answer, with the query's ID (the fuzzer cannot guess it). */
static uint8_t *
next_reply(size_t *len)
{
	const uint8_t	*c;
	size_t		 n;
	uint8_t		*r;

	/* No answer: an error that is not EAGAIN, or dnsquery.c polls on. */
	errno = ECONNREFUSED;
	if (script_dns_auto)
		return auto_reply(len);
	if (!fuzz_script_next(&c, &n))
		return NULL;
	if ((r = malloc(n ? n : 1)) == NULL)
		abort();
	memcpy(r, c, n);
	if (n >= 2 && q_len >= 2) {
		r[0] = q_wire[0];
		r[1] = q_wire[1];
	}
	*len = n;
	return r;
}

int
ldns_udp_bgsend2(ldns_buffer *qbin, const struct sockaddr_storage *to,
    socklen_t tolen, struct timeval timeout)
{
	(void)timeout;
	return fake_fd(qbin, to, tolen);
}

int
ldns_tcp_bgsend2(ldns_buffer *qbin, const struct sockaddr_storage *to,
    socklen_t tolen, struct timeval timeout)
{
	(void)timeout;
	return fake_fd(qbin, to, tolen);
}

uint8_t *
ldns_udp_read_wire(int sockfd, size_t *size, struct sockaddr_storage *fr,
    socklen_t *frlen)
{
	(void)sockfd;
	if (fr != NULL && frlen != NULL) {
		memcpy(fr, &q_to, q_tolen < *frlen ? q_tolen : *frlen);
		*frlen = q_tolen;
	}
	return next_reply(size);
}

uint8_t *
ldns_tcp_read_wire_timeout(int sockfd, size_t *size, struct timeval timeout)
{
	(void)sockfd;
	(void)timeout;
	return next_reply(size);
}

/* ---- HTTP: http_request() (-Wl,--wrap=http_request) ---- */

int	__wrap_http_request(const struct http_req *, struct http_resp *);

/*
 * A chunk is one answer: 2 bytes of status (big-endian, taken modulo 600),
 * then the body.  No chunk left: a network failure.  Retry-After is never
 * set (its parser has its own harness; a wait would only slow the fuzzer).
 */
int
__wrap_http_request(const struct http_req *req, struct http_resp *resp)
{
	const uint8_t	*c;
	size_t		 n, max = req->body_max ? req->body_max : HTTP_API_BODY_MAX;

	memset(resp, 0, sizeof(*resp));
	resp->retry_after = -1;
	if (!fuzz_script_next(&c, &n) || n < 2) {
		resp->fail = HTTP_FAIL_NETWORK;
		snprintf(resp->error, sizeof(resp->error), "fuzz: no answer");
		if ((resp->body = calloc(1, 1)) == NULL)
			abort();
		return -1;
	}
	resp->status = (long)((c[0] << 8 | c[1]) % 600);
	c += 2;
	n -= 2;
	if (n > max) {
		n = max;
		resp->capped = true;
	}
	resp->body = fuzz_strndup(c, n);
	resp->len = n;
	return 0;
}

/* ---- provider harnesses ---- */

#include "agent/core/config.h"
#include "agent/lib/util.h"
#include "dnsupdate/dnsupdate_impl.h"
#include "dnsupdate/method/methods.h"

static const char provider_conf[] =
	"[agent]\n"
	"name = backup-fuzz\n"
	"role = backup\n"
	"state_db = @DIR@/state.db\n"
	"[site:primary]\n"
	"address = 192.0.2.1, 2001:db8::1\n"
	"[site:backup]\n"
	"address = 198.51.100.1, 2001:db8:1::1\n"
	"[check:web]\n"
	"type = tcp\n"
	"host = 127.0.0.1\n"
	"port = 9\n"
	"[dns]\n"
	"method = %s\n"
	"server = 127.0.0.1\n"
	"port = 5300\n"
	"tsig_key_file = @DIR@/tsig.key\n"
	"ttl = 60\n"
	"verify = server\n"
	"[zone:example.com]\n"
	"records = @, www\n"
	"%s\n";

/* s with every "@DIR@" replaced by the private directory; caller frees. */
static char *
with_dir(const char *s)
{
	const char	*dir = fuzz_tmpdir(), *p;
	size_t		 n = 0, dl = strlen(dir);
	char		*out, *o;

	for (p = s; (p = strstr(p, "@DIR@")) != NULL; p += 5)
		n++;
	if ((out = malloc(strlen(s) + n * dl + 1)) == NULL)
		abort();
	for (o = out; *s != '\0';) {
		if (strncmp(s, "@DIR@", 5) == 0) {
			memcpy(o, dir, dl);
			o += dl;
			s += 5;
		} else
			*o++ = *s++;
	}
	*o = '\0';
	return out;
}

static struct config *
provider_config(const char *method, const char *extra)
{
	static struct config	*cfg;
	static const char	 key[] = "key \"fa-key.\" {\n"
	    "\talgorithm hmac-sha256;\n"
	    "\tsecret \"c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0MTIzNDU2Nzg=\";\n};\n";
	struct diag_list	 diags = { 0 };
	char			*text, *conf;
	size_t			 i, len;

	if (cfg != NULL)
		return cfg;
	fuzz_file("tsig.key", key, sizeof(key) - 1, 0600);
	fuzz_file("secret", "fuzz-secret-token\n", 18, 0600);
	len = sizeof(provider_conf) + strlen(method) + strlen(extra);
	if ((text = malloc(len)) == NULL)
		abort();
	snprintf(text, len, provider_conf, method, extra);
	conf = with_dir(text);
	if (config_load(fuzz_file("fa.conf", conf, strlen(conf), 0600), &cfg,
	    &diags) == -1) {
		for (i = 0; i < diags.n; i++)
			fprintf(stderr, "fuzz: %s\n", diags.items[i].msg);
		abort();
	}
	diag_clear(&diags);
	free(text);
	free(conf);
	return cfg;
}

void
fuzz_provider_run(const char *method, const char *extra, const uint8_t *data,
    size_t size, bool probe)
{
	const struct dnsupdate_method	*m = NULL;
	struct config			*cfg = provider_config(method, extra);
	struct dns_zone_plan		 zp;
	struct dns_record_change	 rec[2];
	struct dns_server		 srv;
	struct diag_list		 diags = { 0 };
	struct addrset_addr		 a;
	size_t				 i;
	enum dns_status			 st;

	if (strcmp(method, "powerdns") == 0)
		m = &dnsupdate_powerdns;
	else if (strcmp(method, "virtualmin") == 0)
		m = &dnsupdate_virtualmin;
	else if (strcmp(method, "cloudflare") == 0)
		m = &dnsupdate_cloudflare;
	else if (strcmp(method, "ovh") == 0)
		m = &dnsupdate_ovh;
	else if (strcmp(method, "http") == 0)
		m = &dnsupdate_http;
	else
		abort();
	memset(&a, 0, sizeof(a));
	a.family = AF_INET;
	a.a.v4.s_addr = htonl(0x7f000001);
	dns_server_from_addr(&a, 5300, &srv);
	memset(&zp, 0, sizeof(zp));
	memset(rec, 0, sizeof(rec));
	zp.zone = &cfg->zones[0];
	zp.n = cfg->zones[0].nrecords < 2 ? cfg->zones[0].nrecords : 2;
	zp.rec = rec;
	for (i = 0; i < zp.n; i++) {
		rec[i].owner = cfg->zones[0].records[i];
		rec[i].old_addrs = cfg->primary;
		rec[i].new_addrs = cfg->backup;
		rec[i].status = DNS_OK;
	}
	zp.nchange = zp.n;
	fuzz_script_set(data, size, true);
	if (probe)
		st = m->probe(cfg, &diags) == 0 ? DNS_OK : DNS_ERR_REFUSED;
	else
		st = m->update(cfg, &srv, &zp, util_mono_ms() + 2000);
	fuzz_script_set(NULL, 0, false);
	/* FUZZ_VERBOSE=1: what the method concluded, to write seeds. */
	if (getenv("FUZZ_VERBOSE") != NULL) {
		fprintf(stderr, "fuzz: %s %s: %s: %s\n", method,
		    probe ? "probe" : "update", dns_status_str(st),
		    zp.message);
		for (i = 0; i < diags.n; i++)
			fprintf(stderr, "fuzz:   %s\n", diags.items[i].msg);
	}
	diag_clear(&diags);
}
