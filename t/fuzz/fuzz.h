/*
 * fuzz.h: what every harness in t/fuzz/ shares.
 *
 * Each fuzz_NAME.c defines LLVMFuzzerTestOneInput() (libFuzzer's entry
 * point).  `make fuzz` links it with libFuzzer (clang, -fsanitize=fuzzer);
 * `make tests` links it with replay.c instead, so `make check` feeds it
 * every file of t/fuzz/corpus/NAME/ (t/15-fuzz-replay.t).  A harness keeps
 * no state between calls that changes what a call does, frees what it
 * allocates, and writes only under its own temporary directory.
 *
 * Both link against the library as an archive ($(O)/libfa.a), so a harness
 * may #include one library .c file to reach its static parsers without
 * changing them: the archive member of that file is then never pulled in.
 *
 * The network is replaced, not mocked in the code under test: common.c
 * defines ldns's low-level send/receive calls (the executable's definition
 * wins over libldns.so's) and wraps http_request() (-Wl,--wrap), so the real
 * DNS client and provider code read the fuzzer's bytes as the server's
 * answer.  What they answer comes from a script (fuzz_script_set()): the
 * input cut into chunks, each a 2-byte big-endian length and that many
 * bytes, consumed in order by whichever exchange comes next.
 */
#ifndef FA_FUZZ_H
#define FA_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int	LLVMFuzzerInitialize(int *argc, char ***argv);

/* A NUL-terminated copy of data (the caller frees); abort() on no memory. */
char	*fuzz_strndup(const uint8_t *data, size_t size);

/*
 * A private directory made once per process (mkdtemp under $TMPDIR or
 * /tmp) and removed with its files at exit.  Never NULL (abort()).
 */
const char *fuzz_tmpdir(void);

/* Write data to DIR/name with mode; returns the full path (static buffer). */
const char *fuzz_file(const char *name, const void *data, size_t len,
	    unsigned mode);

/*
 * The answers of the fake network, borrowed from data until the next call.
 * With dns_auto, DNS queries take no chunk: each is answered NOERROR AA
 * with fuzz_dns_auto_a/aaaa (and a SOA for SOA queries), so that provider
 * harnesses re-check what the plan read and give every chunk to HTTP.
 */
void	fuzz_script_set(const uint8_t *data, size_t size, bool dns_auto);
bool	fuzz_script_next(const uint8_t **chunk, size_t *len);
extern const char *fuzz_dns_auto_a[];		/* NULL-terminated */
extern const char *fuzz_dns_auto_aaaa[];

/*
 * Provider harnesses: load a config whose [dns] method is method (its
 * section in extra, where "@DIR@" stands for fuzz_tmpdir(), which holds
 * the secret files "secret" and "tsig.key", mode 0600), then send one
 * change of example.com (www and @: 192.0.2.1, 2001:db8::1 to
 * 198.51.100.1, 2001:db8:1::1) through that method's update(), and its
 * probe() (config-test) when probe; the provider's answers are the script
 * data.  The config is loaded once per process.
 */
void	fuzz_provider_run(const char *method, const char *extra,
	    const uint8_t *data, size_t size, bool probe);

#endif
