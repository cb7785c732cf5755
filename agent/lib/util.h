/*
 * util.h: small helpers shared by every module: strtonum-style number parsing,
 * durations, the monotonic clock, secret files and wiping.
 */
#ifndef FA_UTIL_H
#define FA_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#define FA_ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* Exit codes of failover-agent(8), EXIT STATUS. */
#define FA_EXIT_OK		0
#define FA_EXIT_RUNTIME		1
#define FA_EXIT_CONFIG		2
#define FA_EXIT_LOCKED		75

/*
 * Parse a whole decimal integer in [minval, maxval], like OpenBSD strtonum(3).
 * Returns 0 and stores the value, or -1 with *errstr set to "invalid",
 * "too small" or "too large".  Leading/trailing garbage is invalid.
 */
int	util_number_parse(const char *s, long long minval, long long maxval,
	    long long *out, const char **errstr);

/*
 * Parse a duration: plain seconds ("60", "0.5"), or a number with a unit
 * "ms", "s", "m", "h", "d" ("500ms", "2s", "5m", "1h", "0.5s", "90d").  Stores
 * milliseconds.  Returns 0, or -1 with *errstr set to a short reason.
 * Negative values are invalid.
 */
int	util_duration_parse(const char *s, int64_t *ms_out, const char **errstr);

/* Format milliseconds the way a person writes them ("500ms", "2s", "5m"). */
void	util_duration_format(int64_t ms, char *buf, size_t buflen);

/*
 * An address as the config writes it, the same in every key ([dns] server
 * and resolver, [vote] listen, spare and check URLs, check hosts): HOST,
 * HOST:PORT, [IPV6] or [IPV6]:PORT, or a bare IPv6 literal (no port: its
 * colons would be ambiguous).  HOST is an IPv4 literal or a DNS name (an
 * all-numeric name must be an IPv4 literal).  The caller says what it allows
 * with flags.  Fills *out (host without brackets; port 0 when none given).
 * Returns 0, or -1 with a plain reason in err (the caller adds FILE:LINE).
 */
#define UTIL_HP_NUMERIC		0x01	/* an IP literal, no name */
#define UTIL_HP_PORT_REQUIRED	0x02
#define UTIL_HP_NO_PORT		0x04

struct util_hostport {
	char		host[256];	/* "2001:db8::53", "ns1.example.com" */
	uint16_t	port;		/* 0: none given */
	int		family;		/* AF_INET(6), AF_UNSPEC: a name */
};

int	util_hostport_parse(const char *s, unsigned flags,
	    struct util_hostport *out, char *err, size_t errlen);

/* CLOCK_MONOTONIC and CLOCK_REALTIME in milliseconds. */
int64_t	util_mono_ms(void);
int64_t	util_wall_ms(void);

/* CLOCK_BOOTTIME in milliseconds: since boot, suspend included. */
int64_t	util_boottime_ms(void);
/* This boot's id (/proc/sys/kernel/random/boot_id), "" when unknown. */
void	util_boot_id(char *buf, size_t len);

/* Milliseconds left until deadline (monotonic), never negative. */
int64_t	util_ms_left(int64_t deadline_ms);

/*
 * Check that a file holding a secret is a regular file (not a symbolic
 * link, a FIFO or a device: it is never opened here) not readable or
 * writable by group or others (like ssh with a private key), and, unless
 * this process is root, owned by this user or root.  Returns 0, or -1 with
 * a message in err ("... is readable by group or others (mode 0644); run:
 * chmod 600 ...", "... is owned by NAME (uid N): run it as that user:
 * runuser -u NAME -- failover-agent COMMAND").
 */
int	util_secret_file_check(const char *path, char *err, size_t errlen);

/*
 * The command line a refusal suggests running as another user
 * ("failover-agent -c FILE check" -> "runuser -u NAME -- failover-agent -c
 * FILE check").  main() sets it.
 */
void	util_command_set(const char *command_line);

/*
 * A program the agent runs (a hook, the exec method's program): it and
 * every directory above it up to / must belong to root or to this
 * process's user and not be writable by group or others (a root-owned
 * sticky directory such as /tmp excepted), as sshd requires of
 * AuthorizedKeysCommand.  Returns 0, or -1 with a message naming the
 * offending path and the fix.
 */
int	util_program_check(const char *path, char *err, size_t errlen);

/*
 * Read a whole secret file (after util_secret_file_check; opened with
 * O_NOFOLLOW | O_NONBLOCK and checked again on the descriptor) into a fresh
 * NUL-terminated buffer the caller frees with util_secret_free().  At most
 * maxlen bytes.  Returns 0, or -1 with err set.  The message never contains
 * the file's contents.
 */
int	util_secret_read(const char *path, size_t maxlen, char **out,
	    size_t *outlen, char *err, size_t errlen);
void	util_secret_free(char *secret, size_t len);

/*
 * Stored text made safe for a terminal (status and history print hook
 * output, provider and server messages): C0 controls, DEL, C1 controls and
 * the bidirectional overrides become "\x1b" or "\u202e", a byte that is
 * not UTF-8 becomes "\xff", a backslash "\\"; printable UTF-8 stays as
 * it is.  Returns a fresh string the caller frees; never NULL.
 */
char	*util_text_escape(const char *in);

/*
 * The one way to build a bounded message: snprintf into buf (len bytes),
 * cut when it does not fit (a long server name or zone must not break the
 * build with -Wformat-truncation, and a cut message is fine).  buf NULL or
 * len 0: nothing.  util_msg_append() adds to what buf holds, the same way.
 */
void	util_msg(char *buf, size_t len, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
void	util_msg_append(char *buf, size_t len, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

/* explicit_bzero: a wipe the compiler may not remove. */
void	util_wipe(void *p, size_t len);

/* strdup that aborts via fatal() on ENOMEM. */
char	*util_xstrdup(const char *s);
void	*util_xcalloc(size_t n, size_t size);
void	*util_xreallocarray(void *p, size_t n, size_t size);

/* Trim leading/trailing white space in place; returns s. */
char	*util_trim(char *s);
/*
 * The next item of a comma-separated list in a writable buffer: *cur points
 * at the rest of the list (set it to the buffer first; NULL after the last
 * item).  The item is cut at its comma and trimmed in place; an empty item
 * comes back as "" for the caller to refuse.  Returns NULL when the list is
 * done.
 */
char	*util_list_next(char **cur);

/* Format a UNIX time (seconds) as "2026-11-22 03:01:26" local time. */
void	util_time_format(int64_t unix_s, char *buf, size_t buflen);

/*
 * Parse a point in time: local "YYYY-MM-DD", "YYYY-MM-DD HH:MM",
 * "YYYY-MM-DD HH:MM:SS" (or with 'T' for the space, as util_time_format
 * and ISO 8601 write it), or "@UNIX_SECONDS".  Returns 0 and *out (UNIX
 * seconds), or -1 with *errstr set.
 */
int	util_time_parse(const char *s, int64_t *out, const char **errstr);

#endif
