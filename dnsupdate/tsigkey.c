/*
 * tsigkey.c: BIND key files, and TSIG signing/verifying (RFC 8945).
 *
 * Why some MACs are ours: ldns 1.8.3 picks the digest in
 * ldns_digest_function() (tsig.c) by comparing the algorithm name with
 * "hmac-sha512.", "hmac-shac384." (sic), "hmac-sha256.", "hmac-sha1." and
 * "hmac-md5.sig-alg.reg.int.".  So a real "hmac-sha384." never matches:
 * ldns_pkt_tsig_sign() fails with LDNS_STATUS_CRYPTO_UNKNOWN_ALGO and
 * ldns_pkt_tsig_verify() returns false (and, on that path, leaves the packet's
 * TSIG RR detached and leaked).  Passing the misspelt name would make ldns
 * compute SHA-384, but the misspelt name is both hashed and written into the
 * TSIG RR, which no server knows (BADKEY).  hmac-sha224 is not in the table
 * at all.  There is no way around it inside ldns, so for these two we build
 * the RFC 8945 §4.3.3 digest input and run OpenSSL's HMAC() ourselves; the
 * TSIG RR we build is the same ldns_rr ldns would build, so the rest of the
 * code does not care.  Tests check our code against ldns (for sha256) and
 * against BIND (for every algorithm).
 *
 * Since issue 11 our code computes every MAC, for every algorithm: ldns
 * decodes the base64 secret into a heap buffer that it frees without
 * wiping, and our decoded key is wiped right after HMAC().  ldns is still
 * the reference the tests compare with.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "agent/lib/util.h"
#include "dnsupdate/tsigkey.h"

struct tsig_alg {
	const char	*name;		/* as in BIND's key file */
	const char	*wire;		/* on the wire, RFC 8945 §6 */
	const EVP_MD	*(*md)(void);
	bool		 ldns_ok;	/* ldns 1.8.3 computes it right */
};

static const struct tsig_alg tsig_algs[] = {
	{ "hmac-md5",    "hmac-md5.sig-alg.reg.int.", EVP_md5,    true },
	{ "hmac-sha1",   "hmac-sha1.",                EVP_sha1,   true },
	{ "hmac-sha224", "hmac-sha224.",              EVP_sha224, false },
	{ "hmac-sha256", "hmac-sha256.",              EVP_sha256, true },
	{ "hmac-sha384", "hmac-sha384.",              EVP_sha384, false },
	{ "hmac-sha512", "hmac-sha512.",              EVP_sha512, true },
};

/* ------------------------------------------------------------------ */
/* Key file parsing                                                    */

enum tok_kind { TOK_EOF, TOK_WORD, TOK_STRING, TOK_LBRACE, TOK_RBRACE,
	TOK_SEMI, TOK_ERROR };

struct lexer {
	const char	*p;
	int		 line;
	const char	*tok;		/* points into the text, not copied */
	size_t		 toklen;
	int		 tokline;
};

/* Next token; comments (#, //, C style) and white space are skipped. */
static enum tok_kind
lex_next(struct lexer *lx)
{
	const char *p = lx->p;

	for (;;) {
		while (*p != '\0' && isspace((unsigned char)*p)) {
			if (*p == '\n')
				lx->line++;
			p++;
		}
		if (*p == '#' || (p[0] == '/' && p[1] == '/')) {
			while (*p != '\0' && *p != '\n')
				p++;
			continue;
		}
		if (p[0] == '/' && p[1] == '*') {
			p += 2;
			while (*p != '\0' && !(p[0] == '*' && p[1] == '/')) {
				if (*p == '\n')
					lx->line++;
				p++;
			}
			if (*p == '\0') {
				lx->p = p;
				return TOK_ERROR;
			}
			p += 2;
			continue;
		}
		break;
	}
	lx->tokline = lx->line;
	lx->tok = p;
	lx->toklen = 0;
	switch (*p) {
	case '\0':
		lx->p = p;
		return TOK_EOF;
	case '{':
		lx->p = p + 1;
		lx->toklen = 1;
		return TOK_LBRACE;
	case '}':
		lx->p = p + 1;
		lx->toklen = 1;
		return TOK_RBRACE;
	case ';':
		lx->p = p + 1;
		lx->toklen = 1;
		return TOK_SEMI;
	case '"':
		p++;
		lx->tok = p;
		while (*p != '\0' && *p != '"') {
			if (*p == '\n')
				lx->line++;
			p++;
		}
		if (*p == '\0') {
			lx->p = p;
			return TOK_ERROR;
		}
		lx->toklen = (size_t)(p - lx->tok);
		lx->p = p + 1;
		return TOK_STRING;
	default:
		while (*p != '\0' && !isspace((unsigned char)*p) &&
		    strchr("{};\"#", *p) == NULL &&
		    !(p[0] == '/' && (p[1] == '/' || p[1] == '*')))
			p++;
		lx->toklen = (size_t)(p - lx->tok);
		lx->p = p;
		return TOK_WORD;
	}
}

static bool
tok_is(const struct lexer *lx, const char *word)
{
	return strlen(word) == lx->toklen &&
	    strncasecmp(lx->tok, word, lx->toklen) == 0;
}

static const struct tsig_alg *
tsig_alg_find(const char *s, size_t len)
{
	size_t i;

	/* BIND also accepts the long md5 name, with or without the dot. */
	if ((len == 24 || len == 25) &&
	    strncasecmp(s, "hmac-md5.sig-alg.reg.int.", len) == 0)
		return &tsig_algs[0];
	for (i = 0; i < FA_ARRAY_SIZE(tsig_algs); i++)
		if (strlen(tsig_algs[i].name) == len &&
		    strncasecmp(tsig_algs[i].name, s, len) == 0)
			return &tsig_algs[i];
	return NULL;
}

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/*
 * Decode base64 (white space ignored) into a fresh buffer the caller wipes
 * and frees.  Returns the length, or -1 if it is not base64 or empty.
 */
static int
b64_decode(const char *s, size_t len, unsigned char **out)
{
	char *clean = NULL;
	unsigned char *bin = NULL;
	size_t i, n = 0, pad = 0;
	int r, ret = -1;

	*out = NULL;
	clean = util_xcalloc(len + 1, 1);
	for (i = 0; i < len; i++)
		if (!isspace((unsigned char)s[i]))
			clean[n++] = s[i];
	if (n == 0 || n % 4 != 0 || n > INT32_MAX)
		goto done;
	for (i = 0; i < n; i++) {
		if (clean[i] == '=') {
			/* padding only at the end */
			if (i < n - 2)
				goto done;
			pad++;
		} else if (pad > 0 || (!isalnum((unsigned char)clean[i]) &&
		    clean[i] != '+' && clean[i] != '/'))
			goto done;
	}
	/*
	 * RFC 4648 §3.5: the bits the padding leaves over must be zero.
	 * ldns, which signs with this secret, refuses it otherwise (and
	 * leaks on that path), so refuse it here, at load.
	 */
	if (pad > 0 && ((strchr(b64_alphabet, clean[n - 1 - pad]) -
	    b64_alphabet) & (pad == 1 ? 0x03 : 0x0f)) != 0)
		goto done;
	bin = util_xcalloc(n / 4 * 3 + 1, 1);
	r = EVP_DecodeBlock(bin, (const unsigned char *)clean, (int)n);
	if (r < 0 || (size_t)r < pad || (size_t)r - pad == 0)
		goto done;
	ret = r - (int)pad;
	*out = bin;
	bin = NULL;
done:
	util_wipe(clean, len + 1);
	free(clean);
	if (bin != NULL) {
		util_wipe(bin, n / 4 * 3 + 1);
		free(bin);
	}
	return ret;
}

int
tsig_key_parse(const char *text, const char *path, struct tsig_key **out,
    char *err, size_t errlen)
{
	struct lexer lx;
	struct tsig_key *k = NULL;
	const struct tsig_alg *alg = NULL;
	char *name = NULL, *secret = NULL;
	size_t secretlen = 0, i;
	unsigned char *bin = NULL;
	int binlen, nkeys = 0, keyline = 0;
	enum tok_kind t;
	ldns_rdf *dname = NULL;

	*out = NULL;
	memset(&lx, 0, sizeof(lx));
	lx.p = text;
	lx.line = 1;

	for (;;) {
		t = lex_next(&lx);
		if (t == TOK_EOF)
			break;
		if (t == TOK_ERROR) {
			snprintf(err, errlen, "%s:%d: unterminated string or "
			    "comment", path, lx.tokline);
			goto fail;
		}
		if (t != TOK_WORD || !tok_is(&lx, "key")) {
			snprintf(err, errlen, "%s:%d: expected 'key \"NAME\" "
			    "{ ... };' (the format tsig-keygen writes)", path,
			    lx.tokline);
			goto fail;
		}
		if (++nkeys > 1) {
			snprintf(err, errlen, "%s:%d: more than one key in the "
			    "file; keep only the one to use", path, lx.tokline);
			goto fail;
		}
		keyline = lx.tokline;
		t = lex_next(&lx);
		if (t != TOK_WORD && t != TOK_STRING) {
			snprintf(err, errlen, "%s:%d: key name expected after "
			    "'key'", path, lx.tokline);
			goto fail;
		}
		if (lx.toklen == 0 || lx.toklen > 253) {
			snprintf(err, errlen, "%s:%d: bad key name", path,
			    lx.tokline);
			goto fail;
		}
		name = util_xcalloc(lx.toklen + 2, 1);
		for (i = 0; i < lx.toklen; i++)
			name[i] = (char)tolower((unsigned char)lx.tok[i]);
		if (name[lx.toklen - 1] != '.')
			name[lx.toklen] = '.';
		if ((dname = ldns_dname_new_frm_str(name)) == NULL) {
			snprintf(err, errlen, "%s:%d: bad key name '%s'", path,
			    lx.tokline, name);
			goto fail;
		}
		ldns_rdf_deep_free(dname);
		dname = NULL;
		if (lex_next(&lx) != TOK_LBRACE) {
			snprintf(err, errlen, "%s:%d: '{' expected after the key "
			    "name", path, lx.tokline);
			goto fail;
		}
		for (;;) {
			t = lex_next(&lx);
			if (t == TOK_RBRACE)
				break;
			if (t != TOK_WORD) {
				snprintf(err, errlen, "%s:%d: 'algorithm', "
				    "'secret' or '}' expected", path,
				    lx.tokline);
				goto fail;
			}
			if (tok_is(&lx, "algorithm")) {
				t = lex_next(&lx);
				if (t != TOK_WORD && t != TOK_STRING) {
					snprintf(err, errlen, "%s:%d: algorithm "
					    "name expected", path, lx.tokline);
					goto fail;
				}
				if ((alg = tsig_alg_find(lx.tok, lx.toklen))
				    == NULL) {
					snprintf(err, errlen, "%s:%d: unsupported "
					    "algorithm '%.*s' (use hmac-sha256; "
					    "also hmac-sha1, hmac-sha224, "
					    "hmac-sha384, hmac-sha512, hmac-md5)",
					    path, lx.tokline,
					    (int)(lx.toklen > 40 ? 40 :
					    lx.toklen), lx.tok);
					goto fail;
				}
			} else if (tok_is(&lx, "secret")) {
				t = lex_next(&lx);
				if (t != TOK_STRING && t != TOK_WORD) {
					snprintf(err, errlen, "%s:%d: secret "
					    "expected (a quoted base64 string)",
					    path, lx.tokline);
					goto fail;
				}
				if (secret != NULL) {
					snprintf(err, errlen, "%s:%d: secret "
					    "given twice", path, lx.tokline);
					goto fail;
				}
				/* Keep the text without white space. */
				secret = util_xcalloc(lx.toklen + 1, 1);
				for (i = 0; i < lx.toklen; i++)
					if (!isspace((unsigned char)lx.tok[i]))
						secret[secretlen++] = lx.tok[i];
				binlen = b64_decode(secret, secretlen, &bin);
				if (binlen < 0) {
					snprintf(err, errlen, "%s:%d: the secret "
					    "is not valid base64 (or is empty)",
					    path, lx.tokline);
					goto fail;
				}
				util_wipe(bin, (size_t)binlen);
				free(bin);
				bin = NULL;
			} else {
				snprintf(err, errlen, "%s:%d: unknown statement "
				    "'%.*s' in key (expected algorithm, secret)",
				    path, lx.tokline,
				    (int)(lx.toklen > 40 ? 40 : lx.toklen),
				    lx.tok);
				goto fail;
			}
			if (lex_next(&lx) != TOK_SEMI) {
				snprintf(err, errlen, "%s:%d: ';' expected",
				    path, lx.tokline);
				goto fail;
			}
		}
		if (lex_next(&lx) != TOK_SEMI) {
			snprintf(err, errlen, "%s:%d: ';' expected after '}'",
			    path, lx.tokline);
			goto fail;
		}
	}
	if (nkeys == 0) {
		snprintf(err, errlen, "%s: no key found (expected the output of "
		    "tsig-keygen: key \"NAME\" { algorithm ...; secret ...; };)",
		    path);
		goto fail;
	}
	if (alg == NULL) {
		snprintf(err, errlen, "%s:%d: key '%s' has no algorithm", path,
		    keyline, name);
		goto fail;
	}
	if (secret == NULL) {
		snprintf(err, errlen, "%s:%d: key '%s' has no secret", path,
		    keyline, name);
		goto fail;
	}

	k = util_xcalloc(1, sizeof(*k));
	k->path = util_xstrdup(path);
	k->name = name;
	name = NULL;
	k->alg = alg;
	k->algorithm = alg->name;
	k->secret = secret;
	k->secretlen = secretlen;
	secret = NULL;
	*out = k;
	return 0;

fail:
	free(name);
	if (secret != NULL) {
		util_wipe(secret, secretlen);
		free(secret);
	}
	return -1;
}

int
tsig_key_load(const char *path, struct tsig_key **out, char *err,
    size_t errlen)
{
	char *text = NULL;
	size_t len = 0;
	int ret;

	*out = NULL;
	if (util_secret_file_check(path, err, errlen) == -1)
		return -1;
	if (util_secret_read(path, TSIG_KEY_FILE_MAX, &text, &len, err,
	    errlen) == -1)
		return -1;
	ret = tsig_key_parse(text, path, out, err, errlen);
	util_secret_free(text, len);
	return ret;
}

void
tsig_key_free(struct tsig_key *k)
{
	if (k == NULL)
		return;
	if (k->secret != NULL) {
		util_wipe(k->secret, k->secretlen);
		free(k->secret);
	}
	free(k->name);
	free(k->path);
	free(k);
}

const char *
tsig_key_wire_algorithm(const struct tsig_key *k)
{
	return k->alg->wire;
}

bool
tsig_key_ldns_native(const struct tsig_key *k)
{
	return k->alg->ldns_ok;
}

/* ------------------------------------------------------------------ */
/* TSIG fields                                                         */

uint64_t
tsig_rr_time(const ldns_rr *tsig)
{
	const ldns_rdf *rd;
	const uint8_t *d;

	if (tsig == NULL || ldns_rr_rd_count(tsig) < 7)
		return 0;
	rd = ldns_rr_rdf(tsig, 1);
	if (ldns_rdf_size(rd) != 6)
		return 0;
	d = ldns_rdf_data(rd);
	return ((uint64_t)d[0] << 40) | ((uint64_t)d[1] << 32) |
	    ((uint64_t)d[2] << 24) | ((uint64_t)d[3] << 16) |
	    ((uint64_t)d[4] << 8) | (uint64_t)d[5];
}

int
tsig_rr_error(const ldns_rr *tsig)
{
	const ldns_rdf *rd;

	if (tsig == NULL || ldns_rr_rd_count(tsig) < 7)
		return -1;
	rd = ldns_rr_rdf(tsig, 5);
	if (ldns_rdf_size(rd) != 2)
		return -1;
	return ldns_rdf2native_int16(rd);
}

int64_t
tsig_rr_other_time(const ldns_rr *tsig)
{
	const ldns_rdf *rd;
	const uint8_t *d;

	if (tsig == NULL || ldns_rr_rd_count(tsig) < 7)
		return -1;
	rd = ldns_rr_rdf(tsig, 6);
	/* INT16_DATA: 2-byte length, then the data: a 48-bit time */
	if (ldns_rdf_size(rd) != 8)
		return -1;
	d = ldns_rdf_data(rd);
	if (d[0] != 0 || d[1] != 6)
		return -1;
	d += 2;
	return (int64_t)(((uint64_t)d[0] << 40) | ((uint64_t)d[1] << 32) |
	    ((uint64_t)d[2] << 24) | ((uint64_t)d[3] << 16) |
	    ((uint64_t)d[4] << 8) | (uint64_t)d[5]);
}

const char *
tsig_error_str(int error, char *buf, size_t buflen)
{
	switch (error) {
	case TSIG_ERR_BADSIG:
		return "BADSIG";
	case TSIG_ERR_BADKEY:
		return "BADKEY";
	case TSIG_ERR_BADTIME:
		return "BADTIME";
	case 19:
		return "BADMODE";
	case 20:
		return "BADNAME";
	case 21:
		return "BADALG";
	case TSIG_ERR_BADTRUNC:
		return "BADTRUNC";
	default:
		snprintf(buf, buflen, "error %d", error);
		return buf;
	}
}

/* ------------------------------------------------------------------ */
/* Our own MAC (RFC 8945 §4.3)                                         */

/*
 * HMAC over: the request MAC (size + MAC, §4.3.1, responses only), the
 * message without its TSIG and with its original ID (§4.3.2), then the TSIG
 * variables (§4.3.3): key name and algorithm in canonical (lower case,
 * uncompressed) wire form, class ANY, TTL 0, time signed (48 bits), fudge,
 * error, other length and other data.  Writes at most EVP_MAX_MD_SIZE bytes
 * to mac.  Returns 0 or -1.
 */
static int
tsig_mac_compute(const struct tsig_key *k, const ldns_rdf *request_mac,
    const uint8_t *msg, size_t msglen, uint64_t time_signed, uint16_t fudge,
    uint16_t error, const uint8_t *other, uint16_t otherlen, uint8_t *mac,
    unsigned int *maclen)
{
	ldns_buffer *buf = NULL;
	ldns_rdf *name = NULL, *alg = NULL;
	unsigned char *key = NULL;
	int keylen = -1, ret = -1;

	buf = ldns_buffer_new(msglen + 512);
	name = ldns_dname_new_frm_str(k->name);
	alg = ldns_dname_new_frm_str(k->alg->wire);
	if (buf == NULL || name == NULL || alg == NULL)
		goto done;
	ldns_dname2canonical(name);
	ldns_dname2canonical(alg);
	if (request_mac != NULL)
		(void)ldns_rdf2buffer_wire(buf, request_mac);
	ldns_buffer_write(buf, msg, msglen);
	(void)ldns_rdf2buffer_wire(buf, name);
	ldns_buffer_write_u16(buf, LDNS_RR_CLASS_ANY);
	ldns_buffer_write_u32(buf, 0);
	(void)ldns_rdf2buffer_wire(buf, alg);
	ldns_buffer_write_u16(buf, (uint16_t)(time_signed >> 32));
	ldns_buffer_write_u32(buf, (uint32_t)time_signed);
	ldns_buffer_write_u16(buf, fudge);
	ldns_buffer_write_u16(buf, error);
	ldns_buffer_write_u16(buf, otherlen);
	if (otherlen > 0)
		ldns_buffer_write(buf, other, otherlen);
	if (ldns_buffer_status(buf) != LDNS_STATUS_OK)
		goto done;

	if ((keylen = b64_decode(k->secret, k->secretlen, &key)) < 0)
		goto done;
	*maclen = EVP_MAX_MD_SIZE;
	if (HMAC(k->alg->md(), key, keylen, ldns_buffer_begin(buf),
	    ldns_buffer_position(buf), mac, maclen) == NULL)
		goto done;
	ret = 0;
done:
	if (key != NULL) {
		util_wipe(key, (size_t)keylen);
		free(key);
	}
	ldns_rdf_deep_free(name);
	ldns_rdf_deep_free(alg);
	if (buf != NULL)
		ldns_buffer_free(buf);
	return ret;
}

ldns_status
tsig_sign_full(ldns_pkt *pkt, const struct tsig_key *k, uint16_t fudge,
    const ldns_rdf *query_mac, uint64_t time_signed, uint16_t error,
    const uint8_t *other, uint16_t otherlen)
{
	uint8_t *wire = NULL, mac[EVP_MAX_MD_SIZE + 2], ts[6];
	uint8_t *od = NULL;
	size_t wirelen;
	unsigned int maclen = 0;
	ldns_rr *rr = NULL;
	ldns_rdf *rd;
	ldns_status st = LDNS_STATUS_ERR;

	if (ldns_pkt_tsig(pkt) != NULL)
		return LDNS_STATUS_ERR;
	if (ldns_pkt2wire(&wire, pkt, &wirelen) != LDNS_STATUS_OK)
		goto done;
	if (tsig_mac_compute(k, query_mac, wire, wirelen, time_signed, fudge,
	    error, other, otherlen, mac + 2, &maclen) == -1)
		goto done;
	mac[0] = (uint8_t)(maclen >> 8);
	mac[1] = (uint8_t)maclen;

	if ((rr = ldns_rr_new()) == NULL) {
		st = LDNS_STATUS_MEM_ERR;
		goto done;
	}
	ldns_rr_set_owner(rr, ldns_dname_new_frm_str(k->name));
	ldns_rr_set_class(rr, LDNS_RR_CLASS_ANY);
	ldns_rr_set_type(rr, LDNS_RR_TYPE_TSIG);
	ldns_rr_set_ttl(rr, 0);
	ts[0] = (uint8_t)(time_signed >> 40);
	ts[1] = (uint8_t)(time_signed >> 32);
	ts[2] = (uint8_t)(time_signed >> 24);
	ts[3] = (uint8_t)(time_signed >> 16);
	ts[4] = (uint8_t)(time_signed >> 8);
	ts[5] = (uint8_t)time_signed;
	od = util_xcalloc((size_t)otherlen + 2, 1);
	od[0] = (uint8_t)(otherlen >> 8);
	od[1] = (uint8_t)otherlen;
	if (otherlen > 0)
		memcpy(od + 2, other, otherlen);
	/* Same rdata layout as ldns_pkt_tsig_sign() builds. */
	if ((rd = ldns_dname_new_frm_str(k->alg->wire)) == NULL ||
	    !ldns_rr_push_rdf(rr, rd))
		goto done;
	if ((rd = ldns_rdf_new_frm_data(LDNS_RDF_TYPE_TSIGTIME, 6, ts)) == NULL
	    || !ldns_rr_push_rdf(rr, rd))
		goto done;
	if ((rd = ldns_native2rdf_int16(LDNS_RDF_TYPE_INT16, fudge)) == NULL ||
	    !ldns_rr_push_rdf(rr, rd))
		goto done;
	if ((rd = ldns_rdf_new_frm_data(LDNS_RDF_TYPE_INT16_DATA, maclen + 2,
	    mac)) == NULL || !ldns_rr_push_rdf(rr, rd))
		goto done;
	if ((rd = ldns_native2rdf_int16(LDNS_RDF_TYPE_INT16,
	    ldns_pkt_id(pkt))) == NULL || !ldns_rr_push_rdf(rr, rd))
		goto done;
	if ((rd = ldns_native2rdf_int16(LDNS_RDF_TYPE_INT16, error)) == NULL ||
	    !ldns_rr_push_rdf(rr, rd))
		goto done;
	if ((rd = ldns_rdf_new_frm_data(LDNS_RDF_TYPE_INT16_DATA,
	    (size_t)otherlen + 2, od)) == NULL || !ldns_rr_push_rdf(rr, rd))
		goto done;
	ldns_pkt_set_tsig(pkt, rr);
	rr = NULL;
	st = LDNS_STATUS_OK;
done:
	free(od);
	ldns_rr_free(rr);
	free(wire);
	return st;
}

ldns_status
tsig_sign(ldns_pkt *pkt, const struct tsig_key *k, uint16_t fudge,
    const ldns_rdf *query_mac)
{
	/*
	 * Never ldns_pkt_tsig_sign(), even where its MAC is right: it decodes
	 * the secret into a buffer it frees without wiping (ldns 1.8.3
	 * tsig.c, ldns_tsig_mac_new), a copy of the key left in the heap.
	 * Ours is wiped (tsig_mac_compute).
	 */
	return tsig_sign_full(pkt, k, fudge, query_mac,
	    (uint64_t)(util_wall_ms() / 1000), 0, NULL, 0);
}

/* The TSIG RR names our key and our algorithm and has all 7 fields. */
static bool
tsig_rr_matches(const ldns_rr *tsig, const struct tsig_key *k)
{
	ldns_rdf *name = NULL, *alg = NULL;
	bool ok = false;

	if (tsig == NULL || ldns_rr_rd_count(tsig) != 7)
		return false;
	name = ldns_dname_new_frm_str(k->name);
	alg = ldns_dname_new_frm_str(k->alg->wire);
	if (name != NULL && alg != NULL &&
	    ldns_dname_compare(ldns_rr_owner(tsig), name) == 0 &&
	    ldns_rdf_get_type(ldns_rr_rdf(tsig, 0)) == LDNS_RDF_TYPE_DNAME &&
	    ldns_dname_compare(ldns_rr_rdf(tsig, 0), alg) == 0)
		ok = true;
	ldns_rdf_deep_free(name);
	ldns_rdf_deep_free(alg);
	return ok;
}

bool
tsig_verify_own(ldns_pkt *pkt, const uint8_t *wire, size_t wirelen,
    const struct tsig_key *k, const ldns_rdf *request_mac)
{
	const ldns_rr *tsig = ldns_pkt_tsig(pkt);
	const ldns_rdf *macrd, *otherrd;
	uint8_t *msg = NULL, mac[EVP_MAX_MD_SIZE];
	unsigned int maclen = 0;
	size_t pos = LDNS_HEADER_SIZE, tsigpos;
	uint16_t counts[4];
	unsigned int s, i;
	ldns_rr *rr;
	bool ok = false;

	if (!tsig_rr_matches(tsig, k) || wirelen < LDNS_HEADER_SIZE)
		return false;
	counts[0] = LDNS_QDCOUNT(wire);
	counts[1] = LDNS_ANCOUNT(wire);
	counts[2] = LDNS_NSCOUNT(wire);
	counts[3] = LDNS_ARCOUNT(wire);
	if (counts[3] == 0)
		return false;
	counts[3]--;		/* the TSIG RR is the last one */
	for (s = 0; s < 4; s++) {
		for (i = 0; i < counts[s]; i++) {
			if (ldns_wire2rr(&rr, wire, wirelen, &pos,
			    s == 0 ? LDNS_SECTION_QUESTION :
			    LDNS_SECTION_ANSWER) != LDNS_STATUS_OK)
				return false;
			ldns_rr_free(rr);
		}
	}
	tsigpos = pos;
	if (ldns_wire2rr(&rr, wire, wirelen, &pos, LDNS_SECTION_ADDITIONAL) !=
	    LDNS_STATUS_OK)
		return false;
	if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_TSIG || pos != wirelen) {
		ldns_rr_free(rr);
		return false;
	}
	ldns_rr_free(rr);

	/* §4.3.2: the message as it was before the TSIG was added. */
	msg = util_xcalloc(tsigpos, 1);
	memcpy(msg, wire, tsigpos);
	ldns_write_uint16(msg + 10, counts[3]);
	ldns_write_uint16(msg, ldns_rdf2native_int16(ldns_rr_rdf(tsig, 4)));

	otherrd = ldns_rr_rdf(tsig, 6);
	macrd = ldns_rr_rdf(tsig, 3);
	if (ldns_rdf_size(otherrd) < 2 || ldns_rdf_size(macrd) < 2)
		goto done;
	if (tsig_mac_compute(k, request_mac, msg, tsigpos, tsig_rr_time(tsig),
	    ldns_rdf2native_int16(ldns_rr_rdf(tsig, 2)),
	    (uint16_t)tsig_rr_error(tsig), ldns_rdf_data(otherrd) + 2,
	    (uint16_t)(ldns_rdf_size(otherrd) - 2), mac, &maclen) == -1)
		goto done;
	if (ldns_rdf_size(macrd) - 2 == maclen &&
	    CRYPTO_memcmp(ldns_rdf_data(macrd) + 2, mac, maclen) == 0)
		ok = true;
done:
	free(msg);
	return ok;
}

bool
tsig_verify(ldns_pkt *pkt, const uint8_t *wire, size_t wirelen,
    const struct tsig_key *k, const ldns_rdf *request_mac)
{
	/*
	 * Check name and algorithm first: ldns only hashes what the reply
	 * says, and on an algorithm it does not know it leaves the packet's
	 * TSIG RR detached (leaked).
	 */
	if (!tsig_rr_matches(ldns_pkt_tsig(pkt), k))
		return false;
	/* Not ldns_pkt_tsig_verify(): see tsig_sign() (the key copy). */
	return tsig_verify_own(pkt, wire, wirelen, k, request_mac);
}
