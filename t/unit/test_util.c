/*
 * test_util.c: numbers, durations, secret files, wiping, trimming.
 */
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agent/lib/log.h"
#include "agent/lib/util.h"
#include "t/unit/tap.h"

static char tmpdir[PATH_MAX];

static void
write_file(const char *path, const char *content, mode_t mode)
{
	FILE	*f;

	if ((f = fopen(path, "w")) == NULL)
		fatal("fopen %s", path);
	fputs(content, f);
	if (fclose(f) != 0)
		fatal("fclose %s", path);
	if (chmod(path, mode) == -1)
		fatal("chmod %s", path);
}

static void
test_numbers(void)
{
	long long	 v = 0;
	const char	*errstr = NULL;

	ok(util_number_parse("42", 1, 100, &v, &errstr) == 0 && v == 42,
	    "number 42");
	is_str(errstr, NULL, "no errstr on success");
	ok(util_number_parse("-5", -10, 10, &v, &errstr) == 0 && v == -5,
	    "number -5");
	ok(util_number_parse("0", 1, 10, &v, &errstr) == -1, "0 below min");
	is_str(errstr, "too small", "0 below min: too small");
	ok(util_number_parse("11", 1, 10, &v, &errstr) == -1, "11 above max");
	is_str(errstr, "too large", "11 above max: too large");
	ok(util_number_parse("99999999999999999999", 0, LLONG_MAX, &v,
	    &errstr) == -1, "overflow");
	is_str(errstr, "too large", "overflow: too large");
	ok(util_number_parse("-99999999999999999999", LLONG_MIN, 0, &v,
	    &errstr) == -1, "underflow");
	is_str(errstr, "too small", "underflow: too small");
	const char *bad[] = { "", "-", "1x", " 1", "1 ", "+1", "0x10", "1.0",
	    "1e3" };
	for (size_t i = 0; i < FA_ARRAY_SIZE(bad); i++) {
		v = 7;
		ok(util_number_parse(bad[i], 0, 10000, &v, &errstr) == -1 &&
		    errstr != NULL && strcmp(errstr, "invalid") == 0 && v == 7,
		    "number '%s' invalid, value untouched", bad[i]);
	}
	ok(util_number_parse(NULL, 0, 1, &v, &errstr) == -1, "NULL invalid");
	ok(util_number_parse("5", 10, 1, &v, &errstr) == -1,
	    "min > max invalid");
}

static void
test_durations(void)
{
	static const struct {
		const char	*in;
		int64_t		 ms;
	} good[] = {
		{ "60", 60000 }, { "0.5", 500 }, { "500ms", 500 },
		{ "2s", 2000 }, { "5m", 300000 }, { "1h", 3600000 },
		{ "0.5s", 500 }, { "0", 0 }, { "0.001", 1 }, { "1.5m", 90000 },
		{ "900", 900000 }, { "0.25h", 900000 }, { "0ms", 0 },
		{ "90d", 7776000000LL }, { "1d", 86400000 },
		{ "0.5d", 43200000 }, { "365d", 31536000000LL },
	};
	static const char *bad[] = {
		"", "-1", "5x", "1e3", ".5", "5.", "1.5ms", "0.0001s",
		" 5", "5 ", "5 s", "5S", "s", "ms", "1h30m", "+1", "0x10",
		"99999999999999999999", "9223372036854775807h",
		"5000000000000h", "1.0000000001s", "1D", "d", "1dd",
		"200000000000000d",
	};
	int64_t		 ms;
	const char	*errstr;
	char		 buf[32];
	int		 rc;

	for (size_t i = 0; i < FA_ARRAY_SIZE(good); i++) {
		ms = -1;
		errstr = "unset";
		ok(util_duration_parse(good[i].in, &ms, &errstr) == 0 &&
		    ms == good[i].ms && errstr == NULL,
		    "duration '%s' = %lld ms", good[i].in,
		    (long long)good[i].ms);
	}
	for (size_t i = 0; i < FA_ARRAY_SIZE(bad); i++) {
		ms = 12345;
		errstr = NULL;
		rc = util_duration_parse(bad[i], &ms, &errstr);
		ok(rc == -1 && errstr != NULL && ms == 12345,
		    "duration '%s' refused (%s)", bad[i],
		    errstr ? errstr : "no reason");
	}
	util_duration_parse("-1", &ms, &errstr);
	is_str(errstr, "must not be negative", "-1: reason");
	util_duration_parse("99999999999999999999", &ms, &errstr);
	is_str(errstr, "too large", "overflow: reason");

	static const struct {
		int64_t		 ms;
		const char	*out;
	} fmt[] = {
		{ 0, "0s" }, { 500, "500ms" }, { 1000, "1s" }, { 1500, "1.5s" },
		{ 1250, "1.25s" }, { 1001, "1.001s" }, { 30000, "30s" },
		{ 60000, "1m" }, { 90000, "90s" }, { 300000, "5m" },
		{ 900000, "15m" }, { 3600000, "1h" }, { 7200000, "2h" },
		{ 86400000, "1d" }, { 7776000000LL, "90d" }, { 90000000, "25h" },
		{ -2000, "-2s" },
	};
	for (size_t i = 0; i < FA_ARRAY_SIZE(fmt); i++) {
		util_duration_format(fmt[i].ms, buf, sizeof(buf));
		is_str(buf, fmt[i].out, "format %lld ms", (long long)fmt[i].ms);
	}
	/* Whatever is formatted parses back to the same value. */
	for (size_t i = 0; i < FA_ARRAY_SIZE(fmt); i++) {
		if (fmt[i].ms < 0)
			continue;
		util_duration_format(fmt[i].ms, buf, sizeof(buf));
		ok(util_duration_parse(buf, &ms, &errstr) == 0 &&
		    ms == fmt[i].ms, "'%s' round-trips", buf);
	}
}

static void
test_times(void)
{
	static const struct {
		const char	*in;
		int64_t		 t;
	} good[] = {
		{ "2026-11-22 03:01:26", 1795316486 },
		{ "2026-11-22T03:01:26", 1795316486 },
		{ "2026-11-22 03:01", 1795316460 },
		{ "2026-11-22", 1795305600 },
		{ "@1700000000", 1700000000 },
		{ "2024-02-29", 1709164800 },
	};
	static const char *bad[] = { "", "yesterday", "2026-02-31",
	    "2026-11-22 25:00", "2026-11-22 03:01:26 ", "22/11/2026", "@",
	    "@-5", "@12x", "2026-13-01", "2025-02-29" };
	const char	*errstr;
	int64_t		 t;
	char		 buf[64];
	size_t		 i;

	setenv("TZ", "UTC", 1);
	tzset();
	for (i = 0; i < FA_ARRAY_SIZE(good); i++) {
		t = -1;
		ok(util_time_parse(good[i].in, &t, &errstr) == 0 &&
		    t == good[i].t, "time '%s' = %lld (got %lld)", good[i].in,
		    (long long)good[i].t, (long long)t);
	}
	for (i = 0; i < FA_ARRAY_SIZE(bad); i++) {
		errstr = NULL;
		ok(util_time_parse(bad[i], &t, &errstr) == -1 &&
		    errstr != NULL, "time '%s' refused (%s)", bad[i],
		    errstr ? errstr : "no reason");
	}
	/* What status and history print, --since reads back. */
	util_time_format(1795316486, buf, sizeof(buf));
	ok(util_time_parse(buf, &t, &errstr) == 0 && t == 1795316486,
	    "'%s' round-trips", buf);
}

static void
test_secret_files(void)
{
	char	 p600[PATH_MAX + 16], p644[PATH_MAX + 16], p640[PATH_MAX + 16];
	char	 p620[PATH_MAX + 16], pnone[PATH_MAX + 16], want[PATH_MAX * 3];
	char	 err[PATH_MAX * 3];
	char	*secret = NULL;
	size_t	 len = 0;

	snprintf(p600, sizeof(p600), "%s/k600", tmpdir);
	snprintf(p644, sizeof(p644), "%s/k644", tmpdir);
	snprintf(p640, sizeof(p640), "%s/k640", tmpdir);
	snprintf(p620, sizeof(p620), "%s/k620", tmpdir);
	snprintf(pnone, sizeof(pnone), "%s/missing", tmpdir);
	write_file(p600, "s3cret-value\n", 0600);
	write_file(p644, "s3cret-value\n", 0644);
	write_file(p640, "s3cret-value\n", 0640);
	write_file(p620, "s3cret-value\n", 0620);

	ok(util_secret_file_check(p600, err, sizeof(err)) == 0,
	    "mode 0600 accepted");
	ok(util_secret_file_check(p644, err, sizeof(err)) == -1,
	    "mode 0644 refused");
	snprintf(want, sizeof(want), "%s is readable by group or others "
	    "(mode 0644); run: chmod 600 %s", p644, p644);
	is_str(err, want, "0644 message");
	ok(util_secret_file_check(p640, err, sizeof(err)) == -1,
	    "mode 0640 refused");
	snprintf(want, sizeof(want), "%s is readable by group or others "
	    "(mode 0640); run: chmod 600 %s", p640, p640);
	is_str(err, want, "0640 message");
	ok(util_secret_file_check(p620, err, sizeof(err)) == -1 &&
	    strstr(err, "writable by group or others (mode 0620)") != NULL,
	    "mode 0620 refused as writable: %s", err);
	ok(util_secret_file_check(pnone, err, sizeof(err)) == -1 &&
	    strstr(err, "No such file") != NULL, "missing file: %s", err);
	ok(util_secret_file_check(tmpdir, err, sizeof(err)) == -1 &&
	    strstr(err, "not a regular file") != NULL, "directory: %s", err);

	ok(util_secret_read(p600, 64, &secret, &len, err, sizeof(err)) == 0 &&
	    len == 13 && secret != NULL && strcmp(secret, "s3cret-value\n") == 0,
	    "secret read");
	util_secret_free(secret, len);
	secret = NULL;
	ok(util_secret_read(p600, 5, &secret, &len, err, sizeof(err)) == -1 &&
	    secret == NULL && strstr(err, "larger than 5 bytes") != NULL &&
	    strstr(err, "s3cret") == NULL, "too long secret refused: %s", err);
	ok(util_secret_read(p600, 13, &secret, &len, err, sizeof(err)) == 0 &&
	    len == 13, "secret of exactly maxlen bytes accepted");
	util_secret_free(secret, len);
	secret = NULL;
	ok(util_secret_read(p644, 64, &secret, &len, err, sizeof(err)) == -1 &&
	    secret == NULL && strstr(err, "chmod 600") != NULL &&
	    strstr(err, "s3cret") == NULL,
	    "loose secret not read, message without contents");

	unlink(p600);
	unlink(p644);
	unlink(p640);
	unlink(p620);
}

static void
test_wipe_trim(void)
{
	char	buf[16], zero[16], s[32];

	memset(buf, 'x', sizeof(buf));
	memset(zero, 0, sizeof(zero));
	util_wipe(buf, sizeof(buf));
	ok(memcmp(buf, zero, sizeof(buf)) == 0, "wipe zeroes the buffer");
	util_wipe(NULL, 10);
	ok(1, "wipe NULL is harmless");

	strcpy(s, "  \t hello world \n");
	is_str(util_trim(s), "hello world", "trim both ends");
	strcpy(s, "   ");
	is_str(util_trim(s), "", "trim all space");
	strcpy(s, "x");
	is_str(util_trim(s), "x", "trim nothing");
}

/* util_list_next: "a, b,,c ," as the config lists are written. */
static void
test_list_next(void)
{
	char	 s[32], *cur, *item;
	char	 got[64] = "";
	int	 n = 0;

	strcpy(s, " a, b ,,c ,");
	for (cur = s; (item = util_list_next(&cur)) != NULL; n++) {
		strcat(got, "[");
		strcat(got, item);
		strcat(got, "]");
	}
	is_str(got, "[a][b][][c][]", "list: items trimmed, empty ones kept "
	    "for the caller to refuse");
	ok(n == 5, "list: five items");
	strcpy(s, "one");
	cur = s;
	is_str(util_list_next(&cur), "one", "list of one: the item");
	ok(cur == NULL && util_list_next(&cur) == NULL, "list of one: then "
	    "done");
}

static void
test_misc(void)
{
	char	 buf[64];
	int64_t	 a, b;
	char	*p;
	int	*ip;

	a = util_mono_ms();
	b = util_mono_ms();
	ok(a > 0 && b >= a, "monotonic clock does not go back");
	ok(util_wall_ms() > (int64_t)1600000000 * 1000, "wall clock is sane");
	is_int(util_ms_left(util_mono_ms() - 1000), 0, "past deadline: 0 left");
	ok(util_ms_left(util_mono_ms() + 3600000) > 0, "future deadline");

	setenv("TZ", "UTC", 1);
	tzset();
	util_time_format(1795143686, buf, sizeof(buf));
	is_str(buf, "2026-11-20 03:01:26", "time format");

	p = util_xstrdup("abc");
	is_str(p, "abc", "xstrdup");
	free(p);
	ip = util_xcalloc(4, sizeof(*ip));
	ok(ip[3] == 0, "xcalloc zeroes");
	ip = util_xreallocarray(ip, 8, sizeof(*ip));
	ip[7] = 1;
	ok(ip[7] == 1, "xreallocarray grows");
	free(ip);
}

/*
 * Issue 11: a secret path that is a link, a FIFO or a device is refused
 * without blocking; issue 17: root judges a secret by its mode, anyone else
 * also by its owner, and the refusal says whom to run as.
 */
static void
test_secret_hostile(void)
{
	char	 fifo[PATH_MAX + 16], link[PATH_MAX + 16], key[PATH_MAX + 16];
	char	 err[PATH_MAX * 3], want[PATH_MAX * 3], buf[1024];
	char	*secret = NULL;
	size_t	 len = 0;
	ssize_t	 n;
	pid_t	 pid;
	int	 p[2], status;

	snprintf(fifo, sizeof(fifo), "%s/fifo", tmpdir);
	snprintf(link, sizeof(link), "%s/link", tmpdir);
	snprintf(key, sizeof(key), "%s/key", tmpdir);
	write_file(key, "s3cret-value\n", 0600);
	ok(mkfifo(fifo, 0600) == 0, "a FIFO in place of a key");
	alarm(10);	/* a read that blocks fails the test, not hangs it */
	ok(util_secret_file_check(fifo, err, sizeof(err)) == -1 &&
	    strstr(err, "not a regular file") != NULL, "check: %s", err);
	ok(util_secret_read(fifo, 64, &secret, &len, err, sizeof(err)) == -1 &&
	    secret == NULL && strstr(err, "not a regular file") != NULL,
	    "read: refused without blocking: %s", err);
	ok(util_secret_read("/dev/zero", 64, &secret, &len, err,
	    sizeof(err)) == -1 && strstr(err, "not a regular file") != NULL,
	    "a device: %s", err);
	alarm(0);
	ok(symlink(key, link) == 0, "a link to a good key");
	ok(util_secret_file_check(link, err, sizeof(err)) == -1 &&
	    strstr(err, "is a symbolic link") != NULL, "check: %s", err);
	ok(util_secret_read(link, 64, &secret, &len, err, sizeof(err)) == -1 &&
	    strstr(err, "is a symbolic link") != NULL, "read: %s", err);

	if (geteuid() != 0) {
		printf("ok %d # skip not root: cannot give files away\n",
		    ++tap_n);
		goto done;
	}
	/* Root: the mode decides, whoever owns it. */
	ok(chown(key, 65534, 65534) == 0, "the key belongs to uid 65534");
	ok(util_secret_file_check(key, err, sizeof(err)) == 0,
	    "root may use it (mode 0600)");
	/* Anyone else: its own or root's, and told whom to run as. */
	util_command_set("failover-agent check");
	chmod(tmpdir, 0711);
	ok(pipe(p) == 0, "pipe");
	if ((pid = fork()) == 0) {
		close(p[0]);
		if (setresgid(1, 1, 1) == -1 || setresuid(1, 1, 1) == -1)
			_exit(3);
		if (util_secret_file_check(key, err, sizeof(err)) == 0)
			snprintf(err, sizeof(err), "accepted");
		n = write(p[1], err, strlen(err));
		if (util_secret_read(key, 64, &secret, &len, err,
		    sizeof(err)) == 0)
			snprintf(err, sizeof(err), "read");
		n += write(p[1], "\n", 1);
		n += write(p[1], err, strlen(err));
		_exit(n > 0 ? 0 : 4);
	}
	close(p[1]);
	len = 0;
	while (len < sizeof(buf) - 1 &&
	    (n = read(p[0], buf + len, sizeof(buf) - 1 - len)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
	close(p[0]);
	waitpid(pid, &status, 0);
	chmod(tmpdir, 0700);
	snprintf(want, sizeof(want), "%s is owned by nobody (uid 65534): run"
	    " it as that user: runuser -u nobody -- failover-agent check", key);
	ok(strncmp(buf, want, strlen(want)) == 0,
	    "as uid 1: refused, naming the user to run as: %s", buf);
	ok(strstr(buf, "\n") != NULL && strstr(strchr(buf, '\n'),
	    "runuser -u nobody -- failover-agent check") != NULL,
	    "reading it says the same: %s", strchr(buf, '\n') != NULL ?
	    strchr(buf, '\n') + 1 : "");
	util_command_set("failover-agent");
done:
	unlink(fifo);
	unlink(link);
	unlink(key);
}

/* Issue 11: the programs the agent runs, checked like sshd does. */
static void
test_program_check(void)
{
	char	 d[PATH_MAX + 16], prog[PATH_MAX + 32], link[PATH_MAX + 16];
	char	 err[PATH_MAX * 3], want[PATH_MAX * 3];

	ok(util_program_check("/bin/sh", err, sizeof(err)) == 0,
	    "/bin/sh (a link on merged /usr) is fine");
	ok(util_program_check("bin/sh", err, sizeof(err)) == -1 &&
	    strstr(err, "not an absolute path") != NULL, "relative: %s", err);
	snprintf(d, sizeof(d), "%s/hooks", tmpdir);
	snprintf(prog, sizeof(prog), "%s/hook", d);
	snprintf(link, sizeof(link), "%s/hook-link", tmpdir);
	ok(mkdir(d, 0755) == 0, "a hooks directory");
	write_file(prog, "#!/bin/sh\n", 0755);
	ok(util_program_check(prog, err, sizeof(err)) == 0,
	    "a hook of ours under /tmp (root's and sticky)");
	chmod(prog, 0775);
	snprintf(want, sizeof(want), "%s is writable by its group (mode 0775);"
	    " run: chmod go-w %s", prog, prog);
	ok(util_program_check(prog, err, sizeof(err)) == -1 &&
	    strcmp(err, want) == 0, "group-writable hook: %s", err);
	chmod(prog, 0755);
	chmod(d, 0757);
	snprintf(want, sizeof(want), "%s is writable by others (mode 0757);"
	    " run: chmod go-w %s", d, d);
	ok(util_program_check(prog, err, sizeof(err)) == -1 &&
	    strcmp(err, want) == 0, "in a directory others may write: %s",
	    err);
	ok(symlink(prog, link) == 0 &&
	    util_program_check(link, err, sizeof(err)) == -1 &&
	    strcmp(err, want) == 0, "through a link, the target's"
	    " directory counts: %s", err);
	chmod(d, 0755);
	ok(util_program_check(link, err, sizeof(err)) == 0,
	    "fixed: the link is fine");
	if (geteuid() == 0 && chown(prog, 65534, 65534) == 0)
		ok(util_program_check(prog, err, sizeof(err)) == -1 &&
		    strstr(err, "is owned by nobody (uid 65534), neither root"
		    " nor the user the agent runs as") != NULL,
		    "another user's hook: %s", err);
	else
		printf("ok %d # skip not root: cannot give files away\n",
		    ++tap_n);
	unlink(link);
	unlink(prog);
	rmdir(d);
}

/* Issue 11: stored text printed to a terminal. */
static void
test_text_escape(void)
{
	static const struct {
		const char	*in, *want, *what;
	} cases[] = {
		{ "plain text: ok", "plain text: ok", "plain text unchanged" },
		{ "\x1b]0;pwned\x07\x1b[2J", "\\x1b]0;pwned\\x07\\x1b[2J",
		    "ESC and BEL escaped" },
		{ "line 1\nline 2\r\tx", "line 1\\x0aline 2\\x0d\\x09x",
		    "newline, CR and tab escaped" },
		{ "del\x7f", "del\\x7f", "DEL escaped" },
		{ "caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x98\x80",
		    "caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x98\x80",
		    "printable UTF-8 kept" },
		{ "csi\xc2\x9b" "31m", "csi\\u009b31m", "C1 CSI escaped" },
		{ "abc\xe2\x80\xae" "cba", "abc\\u202ecba",
		    "bidi override escaped" },
		{ "bad\xff\xc3", "bad\\xff\\xc3", "invalid bytes escaped" },
		{ "\xc0\xaf", "\\xc0\\xaf", "overlong form escaped" },
		{ "\xed\xa0\x80", "\\xed\\xa0\\x80", "surrogate escaped" },
		{ "a\\x1b", "a\\\\x1b", "a backslash doubled: no look-alike" },
		{ "", "", "empty" },
	};
	char	*e;
	size_t	 i;

	for (i = 0; i < FA_ARRAY_SIZE(cases); i++) {
		e = util_text_escape(cases[i].in);
		is_str(e, cases[i].want, "%s", cases[i].what);
		free(e);
	}
}

/* One address syntax everywhere (issue 16): util_hostport_parse(). */
static void
test_hostport(void)
{
	static const struct {
		const char	*in;
		unsigned	 flags;
		const char	*host;		/* NULL: refused */
		int		 port, family;
		const char	*why;		/* part of the reason */
	} cases[] = {
		{ "[2001:db8::53]", 0, "2001:db8::53", 0, AF_INET6, NULL },
		{ "[2001:db8::53]:5353", 0, "2001:db8::53", 5353, AF_INET6,
		    NULL },
		{ "2001:db8::53", 0, "2001:db8::53", 0, AF_INET6, NULL },
		{ "::1", UTIL_HP_NUMERIC, "::1", 0, AF_INET6, NULL },
		{ "192.0.2.53", 0, "192.0.2.53", 0, AF_INET, NULL },
		{ "192.0.2.53:53", 0, "192.0.2.53", 53, AF_INET, NULL },
		{ "ns1.example.com", 0, "ns1.example.com", 0, AF_UNSPEC, NULL },
		{ "ns1.example.com.:5300", 0, "ns1.example.com.", 5300,
		    AF_UNSPEC, NULL },
		{ "localhost", 0, "localhost", 0, AF_UNSPEC, NULL },
		{ "[::]:8053", UTIL_HP_NUMERIC | UTIL_HP_PORT_REQUIRED, "::",
		    8053, AF_INET6, NULL },
		{ "[nonsense", 0, NULL, 0, 0, "no closing ']'" },
		{ "[::1", 0, NULL, 0, 0, "no closing ']'" },
		{ "[fd77::1]:99999", 0, NULL, 0, 0, "port '99999' too large" },
		{ "[fd77::1]:0", 0, NULL, 0, 0, "port '0' too small" },
		{ "[fd77::1]x", 0, NULL, 0, 0, "after ']' only :PORT" },
		{ "[192.0.2.1]", 0, NULL, 0, 0, "not an IPv6 address" },
		{ "fd77::1:99999:x", 0, NULL, 0, 0, "IPv6 goes in brackets" },
		{ "10.0.0.999", 0, NULL, 0, 0, "not an IPv4 address" },
		{ "bad host", 0, NULL, 0, 0, "nor a host name" },
		{ "a..b", 0, NULL, 0, 0, "nor a host name" },
		{ "", 0, NULL, 0, 0, "empty" },
		{ "ns1.example.com", UTIL_HP_NUMERIC, NULL, 0, 0,
		    "not an IP address" },
		{ "127.0.0.1", UTIL_HP_PORT_REQUIRED, NULL, 0, 0, "no port" },
		{ "127.0.0.1:22", UTIL_HP_NO_PORT, NULL, 0, 0, "no port here" },
		{ "127.0.0.1:x", 0, NULL, 0, 0, "port 'x' invalid" },
	};
	struct util_hostport	hp;
	char			err[256];
	size_t			i;
	int			rc;

	for (i = 0; i < FA_ARRAY_SIZE(cases); i++) {
		err[0] = '\0';
		rc = util_hostport_parse(cases[i].in, cases[i].flags, &hp, err,
		    sizeof(err));
		if (cases[i].host == NULL) {
			ok(rc == -1 && strstr(err, cases[i].why) != NULL,
			    "'%s' refused: %s", cases[i].in, err);
			continue;
		}
		ok(rc == 0 && strcmp(hp.host, cases[i].host) == 0 &&
		    hp.port == cases[i].port && hp.family == cases[i].family,
		    "'%s' -> host '%s' port %d (%s)", cases[i].in, hp.host,
		    hp.port, err);
	}
}

int
main(void)
{
	const char	*base = getenv("TMPDIR");

	log_init(LOG_TARGET_STDERR, 0);
	snprintf(tmpdir, sizeof(tmpdir), "%s/fa-test-util.XXXXXX",
	    base && *base ? base : "/tmp");
	if (mkdtemp(tmpdir) == NULL)
		fatal("mkdtemp");

	test_numbers();
	test_durations();
	test_times();
	test_secret_files();
	test_secret_hostile();
	test_program_check();
	test_text_escape();
	test_wipe_trim();
	test_list_next();
	test_misc();
	test_hostport();

	rmdir(tmpdir);
	return tap_done();
}
