/*
 * tap.h: the few TAP helpers our C unit tests need (Test Anything Protocol,
 * read by prove).  Header-only so every test stays one file.  As with Perl's
 * Test::More, what explains a failure also goes to stderr, so that a plain
 * `prove` (CI) shows which test failed and why, not only a count.
 */
#ifndef FA_TAP_H
#define FA_TAP_H

#include <stdio.h>
#include <stdarg.h>
#include <string.h>

static int tap_n, tap_failed;

#define ok(cond, ...) tap_ok(!!(cond), __FILE__, __LINE__, __VA_ARGS__)
#define is_int(got, want, ...) do {					\
	long long g_ = (got), w_ = (want);				\
	if (!ok(g_ == w_, __VA_ARGS__))					\
		tap_diag("#   got %lld, want %lld", g_, w_);	\
} while (0)
#define is_str(got, want, ...) do {					\
	const char *g_ = (got), *w_ = (want);				\
	int same_ = (g_ && w_) ? strcmp(g_, w_) == 0 : g_ == w_;	\
	if (!ok(same_, __VA_ARGS__))					\
		tap_diag("#   got '%s', want '%s'", g_ ? g_ : "(null)",	\
		    w_ ? w_ : "(null)");				\
} while (0)

/* A line about a failure: in the TAP stream and on stderr. */
static void tap_diag(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), unused));
static void
tap_diag(const char *fmt, ...)
{
	char	buf[2048];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	printf("%s\n", buf);
	fflush(stdout);
	fprintf(stderr, "%s\n", buf);
}

static int tap_ok(int cond, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5), unused));
static int
tap_ok(int cond, const char *file, int line, const char *fmt, ...)
{
	char	name[2048];
	va_list	ap;

	tap_n++;
	va_start(ap, fmt);
	vsnprintf(name, sizeof(name), fmt, ap);
	va_end(ap);
	printf("%sok %d - %s\n", cond ? "" : "not ", tap_n, name);
	if (!cond) {
		tap_failed++;
		fflush(stdout);
		fprintf(stderr, "#   Failed test %d - %s\n", tap_n, name);
		tap_diag("#   failed at %s:%d", file, line);
	}
	return cond;
}

static int __attribute__((unused))
tap_done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif
