/*
 * util.c: small helpers shared by every module (see util.h).
 */
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <arpa/inet.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agent/lib/log.h"
#include "agent/lib/util.h"

/*
 * strtonum(3) semantics with a stricter grammar: an optional '-' and decimal
 * digits, nothing else (no white space, no '+', no hex).  On error *out is
 * left alone and *errstr (when errstr is not NULL) says why.
 */
int
util_number_parse(const char *s, long long minval, long long maxval,
    long long *out, const char **errstr)
{
	const char	*p;
	char		*end;
	long long	 v;
	const char	*err = NULL;

	if (s == NULL || minval > maxval) {
		err = "invalid";
		goto done;
	}
	p = s;
	if (*p == '-')
		p++;
	if (!isdigit((unsigned char)*p)) {
		err = "invalid";
		goto done;
	}
	for (; *p != '\0'; p++)
		if (!isdigit((unsigned char)*p)) {
			err = "invalid";
			goto done;
		}
	errno = 0;
	v = strtoll(s, &end, 10);
	if (*end != '\0')
		err = "invalid";
	else if ((errno == ERANGE && v == LLONG_MIN) || v < minval)
		err = "too small";
	else if ((errno == ERANGE && v == LLONG_MAX) || v > maxval)
		err = "too large";
	else
		*out = v;
done:
	if (errstr != NULL)
		*errstr = err;
	return err == NULL ? 0 : -1;
}

/*
 * Durations: DIGITS [ "." DIGITS ] [ "ms" | "s" | "m" | "h" | "d" ], no sign, no
 * exponent, no white space.  Computed in integers so "0.1s" is exactly 100ms;
 * a value finer than a millisecond is refused rather than rounded.
 */
int
util_duration_parse(const char *s, int64_t *ms_out, const char **errstr)
{
	const char	*p, *unit;
	int64_t		 ipart = 0, frac = 0, fscale = 1, mult, ms, fms;
	int		 fdigits = 0;
	const char	*err = NULL;

	if (s == NULL || *s == '\0') {
		err = "empty";
		goto done;
	}
	p = s;
	if (*p == '-') {
		err = "must not be negative";
		goto done;
	}
	if (!isdigit((unsigned char)*p)) {
		err = "not a number";
		goto done;
	}
	for (; isdigit((unsigned char)*p); p++) {
		if (__builtin_mul_overflow(ipart, 10, &ipart) ||
		    __builtin_add_overflow(ipart, *p - '0', &ipart)) {
			err = "too large";
			goto done;
		}
	}
	if (*p == '.') {
		p++;
		if (!isdigit((unsigned char)*p)) {
			err = "digits expected after '.'";
			goto done;
		}
		for (; isdigit((unsigned char)*p); p++) {
			if (++fdigits > 9) {
				err = "too many decimals";
				goto done;
			}
			frac = frac * 10 + (*p - '0');
			fscale *= 10;
		}
	}
	unit = p;
	if (strcmp(unit, "") == 0 || strcmp(unit, "s") == 0)
		mult = 1000;
	else if (strcmp(unit, "ms") == 0)
		mult = 1;
	else if (strcmp(unit, "m") == 0)
		mult = 60 * 1000;
	else if (strcmp(unit, "h") == 0)
		mult = 3600 * 1000;
	else if (strcmp(unit, "d") == 0)
		mult = 86400 * 1000;	/* history_keep = 90d */
	else {
		err = "unknown unit";
		goto done;
	}
	if (__builtin_mul_overflow(ipart, mult, &ms)) {
		err = "too large";
		goto done;
	}
	/* frac < 10^9 and mult <= 8.64e7: the product fits in 63 bits. */
	if ((frac * mult) % fscale != 0) {
		err = "finer than a millisecond";
		goto done;
	}
	fms = frac * mult / fscale;
	if (__builtin_add_overflow(ms, fms, &ms)) {
		err = "too large";
		goto done;
	}
	*ms_out = ms;
done:
	if (errstr != NULL)
		*errstr = err;
	return err == NULL ? 0 : -1;
}

/*
 * The largest unit that states the value exactly: 900000 -> "15m",
 * 7776000000 -> "90d", 1500 -> "1.5s", 500 -> "500ms", 0 -> "0s".  Negative values get a '-'.
 */
void
util_duration_format(int64_t ms, char *buf, size_t buflen)
{
	const char	*sign = "";
	uint64_t	 v, s;
	char		 frac[8];
	int		 i;

	if (buflen == 0)
		return;
	if (ms < 0) {
		sign = "-";
		v = (uint64_t)0 - (uint64_t)ms;
	} else
		v = (uint64_t)ms;

	if (v == 0)
		snprintf(buf, buflen, "0s");
	else if (v < 1000)
		snprintf(buf, buflen, "%s%" PRIu64 "ms", sign, v);
	else if (v % 1000 != 0) {
		snprintf(frac, sizeof(frac), "%03u", (unsigned)(v % 1000));
		for (i = 2; i > 0 && frac[i] == '0'; i--)
			frac[i] = '\0';
		snprintf(buf, buflen, "%s%" PRIu64 ".%ss", sign, v / 1000,
		    frac);
	} else {
		s = v / 1000;
		if (s % 86400 == 0)
			snprintf(buf, buflen, "%s%" PRIu64 "d", sign, s / 86400);
		else if (s % 3600 == 0)
			snprintf(buf, buflen, "%s%" PRIu64 "h", sign, s / 3600);
		else if (s % 60 == 0)
			snprintf(buf, buflen, "%s%" PRIu64 "m", sign, s / 60);
		else
			snprintf(buf, buflen, "%s%" PRIu64 "s", sign, s);
	}
}

static int64_t
util_clock_ms(clockid_t clk)
{
	struct timespec	ts;

	if (clock_gettime(clk, &ts) == -1)
		fatal("clock_gettime");
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
util_mono_ms(void)
{
	return util_clock_ms(CLOCK_MONOTONIC);
}

int64_t
util_wall_ms(void)
{
	return util_clock_ms(CLOCK_REALTIME);
}

/*
 * Counts a suspend, and no wall-clock step moves it (issue 10: hold_down
 * must not shrink when someone sets the clock).
 */
int64_t
util_boottime_ms(void)
{
	return util_clock_ms(CLOCK_BOOTTIME);
}

void
util_boot_id(char *buf, size_t len)
{
	FILE	*fp;
	size_t	 n;

	buf[0] = '\0';
	if ((fp = fopen("/proc/sys/kernel/random/boot_id", "re")) == NULL)
		return;
	if (fgets(buf, (int)len, fp) == NULL)
		buf[0] = '\0';
	fclose(fp);
	n = strlen(buf);
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		buf[--n] = '\0';
}

int64_t
util_ms_left(int64_t deadline_ms)
{
	int64_t	left = deadline_ms - util_mono_ms();

	return left > 0 ? left : 0;
}

/* The command line a refusal suggests running as another user. */
static char	util_command[PATH_MAX + 64] = "failover-agent";

void
util_command_set(const char *command_line)
{
	snprintf(util_command, sizeof(util_command), "%s", command_line);
}

/* "failover-agent (uid 106)", or "uid 106" for a uid without a name. */
static void
util_user_format(uid_t uid, char *buf, size_t buflen)
{
	struct passwd	*pw;

	if ((pw = getpwuid(uid)) != NULL)
		snprintf(buf, buflen, "%s (uid %u)", pw->pw_name,
		    (unsigned)uid);
	else
		snprintf(buf, buflen, "uid %u", (unsigned)uid);
}

/* "...: run it as that user: runuser -u NAME -- failover-agent CMD" */
static void
util_run_as_hint(uid_t uid, char *buf, size_t buflen)
{
	struct passwd	*pw;

	if ((pw = getpwuid(uid)) != NULL)
		snprintf(buf, buflen, "run it as that user: runuser -u %s --"
		    " %s", pw->pw_name, util_command);
	else
		snprintf(buf, buflen, "run it as that user (uid %u)",
		    (unsigned)uid);
}

/*
 * The permission test shared by util_secret_file_check() and
 * util_secret_read() (the latter runs it on the open descriptor, so the file
 * checked is the file read).  Like ssh, a secret readable or writable by
 * group or others is refused.  Its owner matters only when the reader is not
 * root: then it must be this user or root (another ordinary user could
 * replace it); root is judged by the mode alone, so the documented commands
 * work as root on the service user's files.
 */
static int
util_secret_stat_check(const char *path, const struct stat *st, char *err,
    size_t errlen)
{
	const char	*what;
	char		 who[96], hint[PATH_MAX + 160];
	unsigned	 mode = (unsigned)(st->st_mode & 07777);

	if (S_ISLNK(st->st_mode)) {
		snprintf(err, errlen, "%s is a symbolic link: name the file"
		    " itself", path);
		return -1;
	}
	if (!S_ISREG(st->st_mode)) {
		snprintf(err, errlen, "%s is not a regular file", path);
		return -1;
	}
	if ((st->st_mode & (S_IRGRP | S_IWGRP | S_IROTH | S_IWOTH)) != 0) {
		if ((st->st_mode & (S_IRGRP | S_IROTH)) != 0 &&
		    (st->st_mode & (S_IWGRP | S_IWOTH)) != 0)
			what = "readable and writable";
		else if ((st->st_mode & (S_IRGRP | S_IROTH)) != 0)
			what = "readable";
		else
			what = "writable";
		snprintf(err, errlen, "%s is %s by group or others (mode %04o);"
		    " run: chmod 600 %s", path, what, mode, path);
		return -1;
	}
	if (geteuid() != 0 && st->st_uid != geteuid() && st->st_uid != 0) {
		util_user_format(st->st_uid, who, sizeof(who));
		util_run_as_hint(st->st_uid, hint, sizeof(hint));
		snprintf(err, errlen, "%s is owned by %s: %s", path, who, hint);
		return -1;
	}
	return 0;
}

/* "PATH: cannot read: Permission denied (owned by X): run it as ..." */
static void
util_secret_eaccess(const char *path, int errnum, const struct stat *st,
    char *err, size_t errlen)
{
	char	who[96], hint[PATH_MAX + 160];

	if (errnum != EACCES || st == NULL || st->st_uid == geteuid()) {
		snprintf(err, errlen, "%s: cannot read: %s", path,
		    strerror(errnum));
		return;
	}
	util_user_format(st->st_uid, who, sizeof(who));
	util_run_as_hint(st->st_uid, hint, sizeof(hint));
	snprintf(err, errlen, "%s: cannot read: %s (owned by %s): %s", path,
	    strerror(errnum), who, hint);
}

/*
 * lstat path (a symbolic link is refused: the secret is opened with
 * O_NOFOLLOW), run the permission test and make sure this process can read
 * it.  Never opens the file, so a FIFO or a device cannot block it.  The
 * message names the path and the fix, never the contents.
 */
int
util_secret_file_check(const char *path, char *err, size_t errlen)
{
	struct stat	st;

	if (lstat(path, &st) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (util_secret_stat_check(path, &st, err, errlen) == -1)
		return -1;
	if (access(path, R_OK) == -1) {
		util_secret_eaccess(path, errno, &st, err, errlen);
		return -1;
	}
	return 0;
}

/*
 * Open without following a link and without blocking (a FIFO or a device
 * in place of the file must not hang the agent: it is refused by the
 * fstat() test below), check the descriptor, read at most maxlen bytes (a
 * longer file is an error, not silently cut).  On error nothing is
 * allocated and what was read is wiped.
 */
int
util_secret_read(const char *path, size_t maxlen, char **out, size_t *outlen,
    char *err, size_t errlen)
{
	struct stat	 st;
	char		*buf = NULL;
	size_t		 len = 0;
	ssize_t		 n;
	int		 fd, rc = -1;

	*out = NULL;
	if (outlen != NULL)
		*outlen = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW |
	    O_NONBLOCK)) == -1) {
		if (errno == ELOOP)
			snprintf(err, errlen, "%s is a symbolic link: name the"
			    " file itself", path);
		else if (errno == EACCES && lstat(path, &st) == 0)
			util_secret_eaccess(path, EACCES, &st, err, errlen);
		else
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto cleanup;
	}
	if (util_secret_stat_check(path, &st, err, errlen) == -1)
		goto cleanup;
	/* Room for one byte more than allowed, to tell a long file. */
	buf = util_xcalloc(1, maxlen + 2);
	while (len <= maxlen) {
		n = read(fd, buf + len, maxlen + 1 - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			goto cleanup;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len > maxlen) {
		snprintf(err, errlen, "%s is larger than %zu bytes", path,
		    maxlen);
		goto cleanup;
	}
	buf[len] = '\0';
	*out = buf;
	buf = NULL;
	if (outlen != NULL)
		*outlen = len;
	rc = 0;
cleanup:
	if (buf != NULL)
		util_secret_free(buf, maxlen + 2);
	close(fd);
	return rc;
}

/*
 * One step of util_program_check(): st (of what) must belong to root or to
 * this process's user and be writable by nobody else.  A directory owned by
 * root with the sticky bit (/tmp) is accepted though writable by all: there
 * only a file's owner may rename or remove it.
 */
static int
util_program_stat_check(const char *what, const struct stat *st, char *err,
    size_t errlen)
{
	char		 who[96];
	unsigned	 mode = (unsigned)(st->st_mode & 07777);

	if (st->st_uid != 0 && st->st_uid != geteuid()) {
		util_user_format(st->st_uid, who, sizeof(who));
		snprintf(err, errlen, "%s is owned by %s, neither root nor the"
		    " user the agent runs as; run: chown root %s", what, who,
		    what);
		return -1;
	}
	if ((st->st_mode & (S_IWGRP | S_IWOTH)) == 0)
		return 0;
	if (S_ISDIR(st->st_mode) && st->st_uid == 0 &&
	    (st->st_mode & S_ISVTX) != 0)
		return 0;
	snprintf(err, errlen, "%s is writable by %s (mode %04o); run: chmod"
	    " go-w %s", what, (st->st_mode & S_IWOTH) != 0 ? "others" :
	    "its group", mode, what);
	return -1;
}

/* Every directory from path's parent up to /, as path names them. */
static int
util_program_dirs_check(const char *path, char *err, size_t errlen)
{
	struct stat	 st;
	char		*dir, *slash;
	int		 rc = -1;

	dir = util_xstrdup(path);
	for (;;) {
		if ((slash = strrchr(dir, '/')) == NULL)
			break;
		if (slash == dir)
			slash[1] = '\0';
		else
			*slash = '\0';
		if (stat(dir, &st) == -1) {
			snprintf(err, errlen, "%s: %s", dir, strerror(errno));
			goto cleanup;
		}
		if (util_program_stat_check(dir, &st, err, errlen) == -1)
			goto cleanup;
		if (strcmp(dir, "/") == 0)
			break;
	}
	rc = 0;
cleanup:
	free(dir);
	return rc;
}

/*
 * What sshd asks of AuthorizedKeysCommand: the program a hook or the exec
 * method names, and every directory above it, belong to root or to the
 * agent's user and are not writable by group or others; otherwise someone
 * else could make the agent run their code.  Both the path as written and
 * the file it resolves to (through symbolic links) are checked.
 */
int
util_program_check(const char *path, char *err, size_t errlen)
{
	struct stat	 st;
	char		*real = NULL;
	int		 rc = -1;

	if (path[0] != '/') {
		snprintf(err, errlen, "%s is not an absolute path", path);
		return -1;
	}
	if ((real = realpath(path, NULL)) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (stat(real, &st) == -1) {
		snprintf(err, errlen, "%s: %s", real, strerror(errno));
		goto cleanup;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s is not a regular file", path);
		goto cleanup;
	}
	if (util_program_stat_check(real, &st, err, errlen) == -1 ||
	    util_program_dirs_check(real, err, errlen) == -1 ||
	    (strcmp(real, path) != 0 &&
	    util_program_dirs_check(path, err, errlen) == -1))
		goto cleanup;
	rc = 0;
cleanup:
	free(real);
	return rc;
}

/*
 * Length of the valid UTF-8 sequence at p (RFC 3629 §4: no overlong form,
 * no surrogate, nothing above U+10FFFF) and its code point, or 0.
 */
static size_t
util_utf8_decode(const unsigned char *p, uint32_t *cp)
{
	size_t		 n, i;
	uint32_t	 c, min;

	if (p[0] < 0x80) {
		*cp = p[0];
		return 1;
	}
	if ((p[0] & 0xe0) == 0xc0) {
		n = 2;
		c = p[0] & 0x1f;
		min = 0x80;
	} else if ((p[0] & 0xf0) == 0xe0) {
		n = 3;
		c = p[0] & 0x0f;
		min = 0x800;
	} else if ((p[0] & 0xf8) == 0xf0) {
		n = 4;
		c = p[0] & 0x07;
		min = 0x10000;
	} else
		return 0;
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)	/* also stops at the NUL */
			return 0;
		c = (c << 6) | (p[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return n;
}

/*
 * A code point a terminal may act on rather than show: C0 controls and DEL
 * (ESC starts every escape sequence), C1 controls (U+009B is CSI on some
 * terminals), and the bidirectional overrides and isolates that reorder
 * what is shown (U+202A-U+202E, U+2066-U+2069).
 */
static bool
util_text_unsafe(uint32_t c)
{
	return c < 0x20 || c == 0x7f || (c >= 0x80 && c <= 0x9f) ||
	    (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
}

char *
util_text_escape(const char *in)
{
	const unsigned char	*p = (const unsigned char *)in;
	char			*out, *o;
	size_t			 n;
	uint32_t		 c;

	/* At most 6 bytes of output ("\u202e") per byte of input. */
	out = o = util_xcalloc(strlen(in) * 6 + 1, 1);
	while (*p != '\0') {
		if ((n = util_utf8_decode(p, &c)) == 0) {
			o += sprintf(o, "\\x%02x", *p);
			p++;
		} else if (c == '\\') {
			*o++ = '\\';
			*o++ = '\\';
			p++;
		} else if (util_text_unsafe(c)) {
			o += c < 0x80 ? sprintf(o, "\\x%02x", (unsigned)c) :
			    sprintf(o, "\\u%04x", (unsigned)c);
			p += n;
		} else {
			memcpy(o, p, n);
			o += n;
			p += n;
		}
	}
	*o = '\0';
	return out;
}

/* Wipe len bytes (pass the length util_secret_read() gave) and free. */
void
util_secret_free(char *secret, size_t len)
{
	if (secret == NULL)
		return;
	util_wipe(secret, len);
	free(secret);
}

void
util_wipe(void *p, size_t len)
{
	if (p != NULL && len > 0)
		explicit_bzero(p, len);
}

char *
util_xstrdup(const char *s)
{
	char	*p;

	if ((p = strdup(s)) == NULL)
		fatal("strdup");
	return p;
}

/* calloc that never returns NULL, even for a zero size. */
void *
util_xcalloc(size_t n, size_t size)
{
	void	*p;

	if (n == 0 || size == 0)
		n = size = 1;
	if ((p = calloc(n, size)) == NULL)
		fatal("calloc");
	return p;
}

/* reallocarray with overflow check that never returns NULL. */
void *
util_xreallocarray(void *p, size_t n, size_t size)
{
	void	*np;

	if (n == 0 || size == 0)
		n = size = 1;
	if ((np = reallocarray(p, n, size)) == NULL)
		fatal("reallocarray");
	return np;
}

char *
util_trim(char *s)
{
	char	*start = s, *end;
	size_t	 len;

	while (isspace((unsigned char)*start))
		start++;
	len = strlen(start);
	end = start + len;
	while (end > start && isspace((unsigned char)end[-1]))
		end--;
	len = (size_t)(end - start);
	memmove(s, start, len);
	s[len] = '\0';
	return s;
}

char *
util_list_next(char **cur)
{
	char	*item = *cur, *comma;

	if (item == NULL)
		return NULL;
	if ((comma = strchr(item, ',')) != NULL) {
		*comma = '\0';
		*cur = comma + 1;
	} else
		*cur = NULL;
	return util_trim(item);
}

void
util_time_format(int64_t unix_s, char *buf, size_t buflen)
{
	struct tm	tm;
	time_t		t = (time_t)unix_s;

	if (buflen == 0)
		return;
	if (localtime_r(&t, &tm) == NULL ||
	    strftime(buf, buflen, "%Y-%m-%d %H:%M:%S", &tm) == 0)
		snprintf(buf, buflen, "%" PRId64, unix_s);
}

int
util_time_parse(const char *s, int64_t *out, const char **errstr)
{
	static const char *const formats[] = { "%Y-%m-%d %H:%M:%S",
	    "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M",
	    "%Y-%m-%d" };
	struct tm	 tm;
	const char	*end;
	long long	 v;
	time_t		 t;
	size_t		 i;
	int		 y, m, d;

	*errstr = NULL;
	if (s == NULL || *s == '\0') {
		*errstr = "empty";
		return -1;
	}
	if (s[0] == '@') {
		if (util_number_parse(s + 1, 0, INT64_MAX / 1000, &v,
		    errstr) == -1)
			return -1;
		*out = v;
		return 0;
	}
	for (i = 0; i < FA_ARRAY_SIZE(formats); i++) {
		memset(&tm, 0, sizeof(tm));
		end = strptime(s, formats[i], &tm);
		if (end == NULL || *end != '\0')
			continue;
		tm.tm_isdst = -1;	/* local time, whatever DST says */
		y = tm.tm_year;
		m = tm.tm_mon;
		d = tm.tm_mday;
		/* mktime() would take February 31 for March 3. */
		if ((t = mktime(&tm)) == (time_t)-1 || tm.tm_year != y ||
		    tm.tm_mon != m || tm.tm_mday != d) {
			*errstr = "not a valid date";
			return -1;
		}
		*out = (int64_t)t;
		return 0;
	}
	*errstr = "expected YYYY-MM-DD[ HH:MM[:SS]] or @UNIX_SECONDS";
	return -1;
}

/* A DNS name as a host (RFC 1123 §2.1 letters, digits, '-', plus '_'). */
static bool
hostname_ok(const char *h)
{
	size_t	 n = strlen(h), lab = 0, i;
	bool	 alldigits = true;

	if (n == 0 || n > 253 || h[0] == '.' || h[0] == '-')
		return false;
	for (i = 0; i < n; i++) {
		if (h[i] == '.') {
			if (lab == 0 && i + 1 != n)
				return false;	/* an empty label */
			lab = 0;
			continue;
		}
		if (!isalnum((unsigned char)h[i]) && h[i] != '-' &&
		    h[i] != '_')
			return false;
		if (!isdigit((unsigned char)h[i]))
			alldigits = false;
		if (++lab > 63)
			return false;
	}
	/* "10.0.0.999" is a bad IPv4 address, not a name. */
	return !alldigits;
}

int
util_hostport_parse(const char *s, unsigned flags, struct util_hostport *out,
    char *err, size_t errlen)
{
	unsigned char	 bin[16];
	const char	*portstr = NULL, *close, *colon, *errstr;
	long long	 pn;
	size_t		 len;

	memset(out, 0, sizeof(*out));
	out->family = AF_UNSPEC;
	if (s == NULL || *s == '\0') {
		snprintf(err, errlen, "empty address");
		return -1;
	}
	if (s[0] == '[') {
		if ((close = strchr(s, ']')) == NULL) {
			snprintf(err, errlen, "'%.64s': no closing ']' (IPv6 "
			    "in brackets: [2001:db8::53] or "
			    "[2001:db8::53]:5353)", s);
			return -1;
		}
		len = (size_t)(close - s - 1);
		if (len < sizeof(out->host)) {
			memcpy(out->host, s + 1, len);
			out->host[len] = '\0';
		}
		if (len >= sizeof(out->host) ||
		    inet_pton(AF_INET6, out->host, bin) != 1) {
			snprintf(err, errlen, "'%.64s': not an IPv6 address in "
			    "the brackets", s);
			return -1;
		}
		out->family = AF_INET6;
		if (close[1] == ':')
			portstr = close + 2;
		else if (close[1] != '\0') {
			snprintf(err, errlen, "'%.64s': after ']' only :PORT",
			    s);
			return -1;
		}
	} else if ((colon = strchr(s, ':')) != NULL && strchr(colon + 1,
	    ':') != NULL) {
		/* Several colons: a bare IPv6 literal, which has no port. */
		if (strlen(s) >= sizeof(out->host) ||
		    inet_pton(AF_INET6, s, bin) != 1) {
			snprintf(err, errlen, "'%.64s': not an IPv6 address "
			    "(with a port, IPv6 goes in brackets: "
			    "[2001:db8::53]:5353)", s);
			return -1;
		}
		snprintf(out->host, sizeof(out->host), "%s", s);
		out->family = AF_INET6;
	} else {
		len = colon != NULL ? (size_t)(colon - s) : strlen(s);
		if (len >= sizeof(out->host)) {
			snprintf(err, errlen, "'%.64s': name too long", s);
			return -1;
		}
		memcpy(out->host, s, len);
		out->host[len] = '\0';
		if (colon != NULL)
			portstr = colon + 1;
		if (inet_pton(AF_INET, out->host, bin) == 1)
			out->family = AF_INET;
		else if (!hostname_ok(out->host)) {
			snprintf(err, errlen, "'%.64s': not an IPv4 address "
			    "nor a host name", s);
			return -1;
		}
	}
	if ((flags & UTIL_HP_NUMERIC) && out->family == AF_UNSPEC) {
		snprintf(err, errlen, "'%.64s': not an IP address", s);
		return -1;
	}
	if (portstr != NULL) {
		if (flags & UTIL_HP_NO_PORT) {
			snprintf(err, errlen, "'%.64s': no port here (it has "
			    "its own key)", s);
			return -1;
		}
		if (util_number_parse(portstr, 1, 65535, &pn, &errstr) == -1) {
			snprintf(err, errlen, "'%.64s': port '%.16s' %s (1 to "
			    "65535)", s, portstr, errstr);
			return -1;
		}
		out->port = (uint16_t)pn;
	} else if (flags & UTIL_HP_PORT_REQUIRED) {
		snprintf(err, errlen, "'%.64s': no port (ADDRESS:PORT, or "
		    "[IPV6]:PORT)", s);
		return -1;
	}
	return 0;
}

void
util_msg(char *buf, size_t len, const char *fmt, ...)
{
	va_list	ap;

	if (buf == NULL || len == 0)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

void
util_msg_append(char *buf, size_t len, const char *fmt, ...)
{
	va_list	ap;
	size_t	n;

	if (buf == NULL || len == 0 || (n = strnlen(buf, len)) + 1 >= len)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(buf + n, len - n, fmt, ap);
	va_end(ap);
}
