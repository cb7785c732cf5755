/*
 * quorum.h: the vote protocol between a backup and its spares
 * (quorum/PROTOCOL.md) and
 * the quorum rule (failover-agent(8), THE QUORUM).
 *
 * Three parts, usable without struct config (the caller copies what it needs
 * out of its configuration):
 *   - the protocol core (vote_proto.c): the shared secret, HMAC-SHA256, the
 *     signed request, the signed response and its verification;
 *   - the client (vote_client.c): ask every spare in parallel under one
 *     deadline, then quorum_tally() the answers;
 *   - the server (vote_server.c): answer GET /v1/vote and GET /v1/health on
 *     a spare until told to stop.
 *
 * Wire format (quorum/PROTOCOL.md):
 *   GET /v1/vote?target=primary&from=NAME&ts=UNIX&nonce=32HEX
 *   Authorization: FA-HMAC-SHA256 HEX
 * where HEX = lowercase hex HMAC-SHA256(secret, "GET\n/v1/vote\n" + the query
 * string exactly as sent).  The answer is a JSON object
 *   {"voter":..,"target":..,"verdict":"up|down|unknown","checked_at":..,
 *    "max_age":..,"ts":..,"nonce":..}
 * with X-FA-Signature: HEX over the exact body bytes.  quorum/PROTOCOL.md
 * is the whole description, enough to write a spare in another language.
 *
 * Names (from=, voter) are 1..VOTE_NAME_MAX characters of [A-Za-z0-9._-]:
 * they travel in a query string unencoded, so one spelling is one MAC.
 */
#ifndef FA_QUORUM_H
#define FA_QUORUM_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "agent/core/vocab.h"	/* enum quorum_result */

#define VOTE_SECRET_MIN		32	/* characters, quorum/PROTOCOL.md §1 */
#define VOTE_SECRET_FILE_MAX	4096	/* a longer secret file is refused */
#define VOTE_MAC_LEN		32	/* HMAC-SHA256, bytes */
#define VOTE_MAC_HEX_LEN	64
#define VOTE_NONCE_LEN		16	/* bytes; 32 hex digits on the wire */
#define VOTE_NONCE_HEX_LEN	32
#define VOTE_NAME_MAX		63
#define VOTE_QUERY_MAX		256	/* fits every valid query string */
/* Seconds either side (quorum/PROTOCOL.md §4). */
#define VOTE_TS_WINDOW		30
#define VOTE_BODY_MAX		4096	/* a longer answer is refused */
#define VOTE_REQUEST_MAX	4096	/* a longer request is refused (431/413) */
#define VOTE_TARGET		"primary"	/* the only target there is */
#define VOTE_PATH		"/v1/vote"
#define VOTE_HEALTH_PATH	"/v1/health"
#define VOTE_AUTH_SCHEME	"FA-HMAC-SHA256"
#define VOTE_SIG_HEADER		"X-FA-Signature"

/* ---------------------------------------------------------------------- */
/* The shared secret. */

struct vote_secret {
	unsigned char	*key;		/* the line's bytes, no newline */
	size_t		 len;
	size_t		 size;		/* bytes allocated at key (wiped on free) */
};

/*
 * Load the shared secret from path: the file must pass
 * util_secret_file_check() (not readable or writable by group or others),
 * hold one line of at least VOTE_SECRET_MIN characters (one trailing "\n" or
 * "\r\n" is not part of the key) and nothing after it.  On success *out is a
 * fresh secret the caller frees with vote_secret_free().  Returns 0, or -1
 * with err set (the path and why; never the contents) and *out NULL.
 */
int	vote_secret_load(const char *path, struct vote_secret **out, char *err,
	    size_t errlen);

/*
 * A secret from len bytes in memory (copied), for tests and callers that
 * hold the key already.  Refuses len < VOTE_SECRET_MIN like the loader.
 * Returns NULL then.
 */
struct vote_secret *vote_secret_new(const void *key, size_t len);

/* Wipe and free; NULL is allowed. */
void	vote_secret_free(struct vote_secret *);

/* ---------------------------------------------------------------------- */
/* MACs. */

/*
 * HMAC-SHA256 (RFC 2104, FIPS 180-4) of msg under key, written to hex as 64
 * lowercase digits and a NUL.  Any key length (RFC 4231 tests use short and
 * long ones).  Returns 0, or -1 if OpenSSL failed (hex is then "").
 */
int	vote_hmac_hex(const void *key, size_t keylen, const void *msg,
	    size_t msglen, char hex[VOTE_MAC_HEX_LEN + 1]);

/* vote_hmac_hex() under the shared secret. */
int	vote_mac_hex(const struct vote_secret *, const void *msg, size_t msglen,
	    char hex[VOTE_MAC_HEX_LEN + 1]);

/*
 * Does hex (exactly 64 hex digits, either case; NUL-terminated) carry the
 * MAC of msg under the secret?  The comparison of the MACs is constant-time
 * (CRYPTO_memcmp).  false for anything malformed.
 */
bool	vote_mac_check(const struct vote_secret *, const void *msg,
	    size_t msglen, const char *hex);

/*
 * The canonical string a request's MAC covers: "GET\n/v1/vote\n" followed
 * by query, exactly.  Writes it to buf (NUL-terminated) and returns its
 * length, or -1 if buflen is too small.
 */
int	vote_canonical_string(const char *query, char *buf, size_t buflen);

/* ---------------------------------------------------------------------- */
/* Values. */

enum vote_verdict {
	VOTE_VERDICT_UP = 0,
	VOTE_VERDICT_DOWN,
	VOTE_VERDICT_UNKNOWN,	/* the spare could not tell */
	VOTE_VERDICT_MAX
};

/* "up", "down", "unknown"; the inverse returns -1 for anything else. */
const char *vote_verdict_str(enum vote_verdict);
int	vote_verdict_from_str(const char *);

/* 1..VOTE_NAME_MAX characters of [A-Za-z0-9._-]. */
bool	vote_name_valid(const char *);

/* Why an answer does or does not count; stored and logged by name. */
enum vote_reason {
	VOTE_VALID = 0,		/* "valid": a vote that counts */
	VOTE_NO_ANSWER,		/* "no-answer": refused, unreachable, timed out */
	VOTE_TLS_FAILED,	/* "tls-failed": handshake or certificate */
	VOTE_HTTP_STATUS,	/* "http-status": not 200 (nor 401): 503, 302, ... */
	VOTE_TOO_LARGE,		/* "too-large": body over VOTE_BODY_MAX */
	/*
	 * "bad-signature": a missing or wrong X-FA-Signature, or a 401: the
	 * spare refused our MAC (another secret, clock over 30 s off, replay;
	 * the detail quotes the spare's reason).
	 */
	VOTE_BAD_SIGNATURE,
	VOTE_MALFORMED,		/* "malformed": not the object of PROTOCOL.md §5 */
	VOTE_NONCE_MISMATCH,	/* "nonce-mismatch": not the answer to our request */
	VOTE_TARGET_MISMATCH,	/* "target-mismatch" */
	VOTE_DUPLICATE_VOTER,	/* "duplicate-voter": a voter already counted */
	VOTE_INTERNAL_ERROR,	/* "internal-error": our side (bad URL, memory) */
	/*
	 * "stale": ts - checked_at > max_age, both from the spare's clock:
	 * its prober is stuck or far behind, the verdict is old news.
	 */
	VOTE_STALE,
	/* "voter-mismatch": the signed voter is not the [spare:NAME] asked */
	VOTE_VOTER_MISMATCH,
	VOTE_REASON_MAX
};

const char *vote_reason_str(enum vote_reason);
int	vote_reason_from_str(const char *);

/* ---------------------------------------------------------------------- */
/* The request (client side). */

struct vote_request {
	int64_t	ts;				/* UNIX seconds */
	char	nonce[VOTE_NONCE_HEX_LEN + 1];
	char	query[VOTE_QUERY_MAX];		/* as sent, without '?' */
	/* the Authorization header's value: "FA-HMAC-SHA256 HEX" */
	char	authorization[sizeof(VOTE_AUTH_SCHEME) + VOTE_MAC_HEX_LEN + 1];
};

/*
 * Build a signed request from this site (from, a valid name) at wall time ts.
 * nonce is NULL for a fresh random one (RAND_bytes), or 32 lowercase hex
 * digits (tests).  Fills *out; nothing to free.  Returns 0, or -1 if from or
 * nonce is invalid or the random generator or HMAC failed (*out is then
 * wiped).
 */
int	vote_request_build(const struct vote_secret *, const char *from,
	    int64_t ts, const char *nonce, struct vote_request *out);

/* ---------------------------------------------------------------------- */
/* The response. */

struct vote {
	char			voter[VOTE_NAME_MAX + 1];
	enum vote_verdict	verdict;
	int64_t			checked_at;	/* when its probe started, UNIX s */
	int64_t			ts;		/* when the spare answered */
	/*
	 * The oldest ts - checked_at a healthy spare shows (vote_max_age()),
	 * seconds; -1 when the answer had none
	 * (a spare older than max_age: see vote_judge()).
	 */
	int64_t			max_age;
};

/*
 * A spare that does not send max_age (written before it existed) probed on
 * request with a verdict cache of 5 s: its answers are judged with
 * VOTE_MAX_AGE_LEGACY plus the asker's own vote timeout.
 */
#define VOTE_MAX_AGE_LEGACY	5

/*
 * Build the signed answer to a request (server side, and tests): the compact
 * JSON body of quorum/PROTOCOL.md §5 in a fresh buffer (*body, *bodylen; the
 * caller
 * free()s it) and its signature in sig.  Returns 0, or -1 (out of memory,
 * HMAC failure, an invalid voter name) with *body NULL.
 */
int	vote_response_build(const struct vote_secret *, const char *voter,
	    const char *target, enum vote_verdict, int64_t checked_at,
	    int64_t max_age, int64_t ts, const char *nonce, char **body,
	    size_t *bodylen, char sig[VOTE_MAC_HEX_LEN + 1]);

/*
 * Verify the answer to req: sig is the X-FA-Signature header's value (NULL
 * when absent), body/bodylen the exact bytes received.  In this order: the
 * size (VOTE_TOO_LARGE), the signature over the exact bytes
 * (VOTE_BAD_SIGNATURE), the JSON shape (VOTE_MALFORMED: an object without
 * duplicate keys, voter a valid name, verdict one of up/down/unknown,
 * checked_at and ts non-negative integers, max_age a non-negative integer
 * when present (out->max_age is -1 when absent), target and nonce strings),
 * the nonce (VOTE_NONCE_MISMATCH) and the target (VOTE_TARGET_MISMATCH).
 * Who signed and how old the verdict is are vote_judge()'s.  Unknown
 * extra keys are allowed (they are signed).  On VOTE_VALID *out holds the
 * vote; otherwise *out is zeroed and detail (may be NULL) says what was
 * wrong, in words safe to log.
 */
enum vote_reason vote_response_verify(const struct vote_secret *,
	    const struct vote_request *req, const char *sig, const char *body,
	    size_t bodylen, struct vote *out, char *detail, size_t detaillen);

/*
 * Does a verified vote count for the spare that was asked?  Pure.  In this
 * order: the signed voter must be asked_name (VOTE_VOTER_MISMATCH: a spare
 * answering with another spare's name, or a URL that leads to another
 * spare, must not count for the one configured); then the age of its
 * verdict, ts - checked_at, both from the spare's own clock (so skew
 * between sites does not matter), must not exceed its max_age
 * (VOTE_STALE).  A vote without max_age (v->max_age < 0) is judged against
 * VOTE_MAX_AGE_LEGACY + ceil(timeout_ms / 1000).  Returns VOTE_VALID or the
 * reason, with detail (may be NULL) in words safe to log.
 */
enum vote_reason vote_judge(const struct vote *v, const char *asked_name,
	    int64_t timeout_ms, char *detail, size_t detaillen);

/* ---------------------------------------------------------------------- */
/* The client. */

struct vote_spare {
	const char	*name;		/* the config's [spare:NAME] */
	const char	*url;		/* http(s)://host[:port][/prefix] */
};

struct vote_result {
	const struct vote_spare	*spare;		/* borrowed from the caller */
	enum vote_reason	 reason;	/* VOTE_VALID: vote counts */
	struct vote		 vote;		/* valid when reason == VOTE_VALID */
	long			 http_status;	/* 0 when none */
	char			 detail[160];	/* "HTTP 401: stale timestamp", ... */
	int64_t			 elapsed_ms;
};

/*
 * Ask every spare at once (one libcurl multi handle) for a vote on
 * VOTE_TARGET, each with its own fresh nonce, all under ONE monotonic
 * deadline of timeout_ms.  from is this site's name.  results must have room
 * for nspares entries and is filled in the order of spares.  Each answer is
 * checked with vote_response_verify() and vote_judge() (voter and age: an
 * abstention with VOTE_VOTER_MISMATCH or VOTE_STALE whose detail names
 * the voter or the ages); a second valid vote from a voter
 * already counted becomes VOTE_DUPLICATE_VOTER, so one spare listed twice
 * cannot count twice.  https is verified (peer and host), redirects are not
 * followed, only http and https are allowed, bodies over VOTE_BODY_MAX are
 * cut off.  Never fails as a whole: a problem on our side is a
 * VOTE_INTERNAL_ERROR result.  Returns the number of valid votes.
 *
 * libcurl: like checks_run(), the caller has called curl_global_init() once
 * before any thread exists.
 */
int	vote_client_ask(const struct vote_secret *, const char *from,
	    const struct vote_spare *spares, size_t nspares, int64_t timeout_ms,
	    struct vote_result *results);

/*
 * GET /v1/health of every spare, at once, under one deadline (for
 * config-test: "which spares answer?").  No secret involved.  Fills results
 * like vote_client_ask(): reason VOTE_VALID (detail "ok") when the spare
 * answered 200 "ok"; else no-answer, tls-failed, http-status, too-large or
 * internal-error with the detail.  Returns the number that answered.
 */
int	vote_client_health(const struct vote_spare *spares, size_t nspares,
	    int64_t timeout_ms, struct vote_result *results);

struct quorum_count {
	int	valid;		/* answers that count (VOTE_VALID) */
	int	up;
	int	down;
	int	unknown;
};

/* Count the valid votes of results[0..n). Pure. */
void	quorum_count(const struct vote_result *results, size_t n,
	    struct quorum_count *out);

/*
 * failover-agent(8), THE QUORUM, pure: fewer than need valid answers ->
 * QUORUM_ISOLATED;
 * else more than max_up "up" votes -> QUORUM_PARTITION; else fewer than
 * need_down "down" votes -> QUORUM_UNCONFIRMED (the others said unknown:
 * nobody independent saw the outage); else QUORUM_CONFIRMED.  An "unknown"
 * verdict is a valid answer that is neither up nor down: it proves we reach
 * that spare, never that the primary is down.  Abstentions (any reason
 * other than VOTE_VALID) count neither way.
 */
enum quorum_result quorum_tally(const struct vote_result *results, size_t n,
	    int need, int max_up, int need_down);

/*
 * The valid "down" votes among results[0..n): a failback is vetoed while a
 * spare still sees the primary down (the caller decides how many veto).
 */
int	quorum_down_votes(const struct vote_result *results, size_t n);

/* ---------------------------------------------------------------------- */
/* The server. */

/*
 * How the spare sees the primary: called on the server's prober thread, one
 * call at a time, never on an HTTP thread, every interval.  Must return
 * within a bounded time (the real one runs checks_run(), whose checks all
 * have timeouts; a timeout counts as down).  Return VOTE_VERDICT_UNKNOWN
 * when the spare cannot tell.  detail (detaillen bytes, "" on entry) may
 * say why, for the spare's own status.
 */
typedef enum vote_verdict (*vote_probe_fn)(void *arg, char *detail,
	    size_t detaillen);

/* What a spare refused, by kind, for its metrics (issue 14). */
enum vote_refusal {
	VOTE_REFUSED_MALFORMED = 0,	/* 400 */
	VOTE_REFUSED_AUTH,		/* 401: MAC, clock, replay */
	VOTE_REFUSED_NOT_FOUND,		/* 404 */
	VOTE_REFUSED_METHOD,		/* 405 */
	VOTE_REFUSED_TOO_LARGE,		/* 413, 431 */
	VOTE_REFUSED_UNAVAILABLE,	/* 503 */
	VOTE_REFUSED_NOT_ALLOWED,	/* [vote] allow, at accept */
	VOTE_REFUSED_DEADLINE,		/* no whole request in time */
	VOTE_REFUSED_OTHER,
	VOTE_REFUSAL_MAX
};

/* "malformed", "bad-auth", ..., as metrics label them. */
const char *vote_refusal_str(enum vote_refusal);

/* One finished probe, as the prober saw it. */
struct vote_probe_report {
	enum vote_verdict	verdict;
	int64_t			checked_at;	/* wall s, when it started */
	int64_t			finished_at;	/* wall s */
	int64_t			duration_ms;
	int64_t			max_age;	/* s, as announced */
	uint64_t		probes;		/* finished since start */
	char			detail[160];
	/* Since the server started, when the probe finished: */
	uint64_t		votes_served;	/* signed votes answered */
	uint64_t		refused[VOTE_REFUSAL_MAX];
	uint64_t		verdicts[VOTE_VERDICT_MAX];	/* probes by verdict */
};

/*
 * Called on the prober thread after each probe, outside every lock of the
 * server (votes are never held up by it): the spare writes its state here.
 */
typedef void (*vote_probed_fn)(void *arg, const struct vote_probe_report *);

/* An allowed network: [vote] allow = CIDR, ... */
struct vote_cidr {
	int		family;		/* AF_INET or AF_INET6 */
	unsigned char	addr[16];	/* network byte order, host bits zero */
	unsigned	prefix;		/* 0..32 or 0..128 */
};

/*
 * Parse "A.B.C.D[/N]" or "IPv6[/N]" (an IPv6 address may be in brackets;
 * without /N the whole address).  Host bits set beyond the prefix are an
 * error (a typo in a mask must not widen or narrow it silently).  Returns
 * 0, or -1 with err set.
 */
int	vote_cidr_parse(const char *s, struct vote_cidr *out, char *err,
	    size_t errlen);

/* Is the address sa (a struct sockaddr *) inside one of allow[0..n)? */
bool	vote_cidr_match(const struct vote_cidr *allow, size_t n,
	    const void *sa);

struct vote_server_params {
	const char *const	*listen;	/* "0.0.0.0:8053", "[::]:8053" */
	size_t			 nlisten;
	const char		*voter;		/* this spare's name */
	const struct vote_secret *secret;
	int64_t			 interval_ms;	/* probe every [5000] */
	int64_t			 max_age;	/* s, announced in every vote */
	vote_probe_fn		 probe;
	void			*probe_arg;
	vote_probed_fn		 probed;	/* may be NULL */
	void			*probed_arg;
	const struct vote_cidr	*allow;		/* NULL/0: everyone */
	size_t			 nallow;
	/* Bounds; 0 means the default in brackets. */
	unsigned		 max_connections;	/* per address [4096] */
	unsigned		 max_per_ip;		/* per address [256] */
	int64_t			 request_timeout_ms;	/* from accept [2000] */
	size_t			 nonce_cache_max;	/* nonces remembered [65536] */
	unsigned		 threads;		/* per address [2] */
};

#define VOTE_INTERVAL_DEFAULT_MS	5000
#define VOTE_REQUEST_TIMEOUT_DEFAULT_MS	2000
#define VOTE_MAX_CONNECTIONS_DEFAULT	4096
#define VOTE_MAX_PER_IP_DEFAULT		256

/*
 * max_age for an interval and the largest check timeout T, in seconds:
 * max(interval, T) + T, rounded up, plus 2 (whole-second timestamps, a
 * check a little over its timeout).  The original design said interval + T
 * (failover-agent.conf(5), [vote] interval): that holds
 * only while T <= interval, since a probe that lasts T delays the next.
 */
int64_t	vote_max_age(int64_t interval_ms, int64_t max_check_timeout_ms);

/*
 * Parse a listen address: "IPv4:PORT" or "[IPv6]:PORT", numeric only, port
 * 1..65535.  Writes a struct sockaddr_in or sockaddr_in6 to ss (a struct
 * sockaddr_storage *, void here to spare callers the socket headers) and its
 * length.  Returns 0, or -1 with err set.
 */
int	vote_listen_parse(const char *s, void *ss, unsigned *sslen, char *err,
	    size_t errlen);

/*
 * Serve the vote protocol on every address of params until *stop becomes
 * non-zero (a signal handler sets it; SIGINT, SIGTERM and SIGHUP are
 * blocked in the server's own threads so they reach the caller's thread and
 * end the wait at once; otherwise the flag is seen within 100 ms).
 *
 * The prober thread runs params->probe every interval_ms (the next one
 * starts interval_ms after the previous one started, or at once if it took
 * longer), whether or not anyone asks.  Every vote is answered at once with
 * the latest finished probe's verdict and start time (checked_at), and
 * max_age; "unknown" (checked_at: when the server started) until the first
 * probe has finished.  A request must arrive whole within
 * request_timeout_ms of its connection's accept (or of the previous answer
 * on a kept-alive connection), or the connection is closed; a peer outside
 * allow is refused at accept.  Every refusal is logged with the peer's
 * address and why (never the secret or a MAC), rate-limited.  The soft
 * RLIMIT_NOFILE is raised to the hard one.  params and everything it
 * points to must outlive the call.  A stop waits for a probe under way
 * (bounded by its checks' timeouts).
 *
 * Returns 0 after a clean stop, or -1 if it could not start (an address that
 * does not parse or bind, out of resources), logged.
 */
int	vote_server_run(const struct vote_server_params *,
	    volatile sig_atomic_t *stop);

#endif
