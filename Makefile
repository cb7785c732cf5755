# failover-agent: see README.md.  `make`, `make check`, `make check-asan`,
# `make install`, `make uninstall`, `make demo`, `make bench`, `make clean`.

PREFIX	?= /usr/local
SBINDIR	?= $(PREFIX)/sbin
MANDIR	?= $(PREFIX)/share/man
DOCDIR	?= $(PREFIX)/share/doc/failover-agent
SYSCONFDIR ?= /etc
UNITDIR	?= $(PREFIX)/lib/systemd/system
DESTDIR	?=

# Objects and test programs go under $(O); check-asan uses another one.
O	?= build
CC	?= cc
PKGS	= ldns libcurl sqlite3 inih jansson libcrypto libmicrohttpd libmariadb
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

WARN	= -Wall -Wextra -Wstrict-prototypes -Wmissing-prototypes -Wshadow \
	  -Wpointer-arith -Wcast-qual -Werror
CFLAGS	?= -O2 -g
SANITIZE ?=
ifneq ($(SANITIZE),)
CFLAGS	+= -fsanitize=address,undefined -fno-omit-frame-pointer
LDFLAGS	+= -fsanitize=address,undefined
endif
# The version: debian/changelog's, so the package and --version agree.
VERSION	?= $(shell dpkg-parsechangelog -l debian/changelog -S Version 2>/dev/null || echo 0.1)
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE $(WARN) $(CFLAGS) $(PKG_CFLAGS) -I. \
	  -DFA_VERSION='"$(VERSION)"'
LIBS	= $(PKG_LIBS) -lpthread

# Every .c under the four module folders, at any depth (ARCHITECTURE.md).
SRC_DIRS = agent dnsupdate quorum state
LIB_SRCS = $(filter-out agent/main.c,$(shell find $(SRC_DIRS) -name '*.c' | sort))
LIB_OBJS = $(LIB_SRCS:%.c=$(O)/%.o)
MAIN_OBJ = $(O)/agent/main.o
TEST_SRCS = $(wildcard t/unit/test_*.c)
TEST_BINS = $(TEST_SRCS:t/unit/%.c=$(O)/t/%)
HDRS	= $(shell find $(SRC_DIRS) -name '*.h') $(wildcard t/unit/*.h)

all: failover-agent

failover-agent: $(O)/failover-agent
	cp $< $@

$(O)/failover-agent: $(MAIN_OBJ) $(LIB_OBJS)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

$(O)/%.o: %.c $(HDRS) | pkgcheck
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

# Every test program links the unit tests' HTTP server (t/unit/fakehttp.c).
$(O)/t/%: t/unit/%.c t/unit/fakehttp.c $(LIB_OBJS) $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< t/unit/fakehttp.c $(LIB_OBJS) \
	  $(LIBS)

# The fuzz harnesses (t/fuzz/fuzz_NAME.c) linked with the replay driver:
# t/15-fuzz-replay.t feeds them their corpus t/fuzz/corpus/NAME/.
FUZZ_SRCS = $(wildcard t/fuzz/fuzz_*.c)
FUZZ_NAMES = $(FUZZ_SRCS:t/fuzz/fuzz_%.c=%)
REPLAY_BINS = $(FUZZ_NAMES:%=$(O)/fuzz/replay_%)
# An archive, so that a harness may #include a library .c file (t/fuzz/fuzz.h)
FUZZ_LIB = $(O)/fuzz/libfa.a
FUZZ_WRAP = -Wl,--wrap=http_request

$(FUZZ_LIB): $(LIB_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@
	$(AR) rcs $@ $(LIB_OBJS)

$(O)/fuzz/replay_%: t/fuzz/fuzz_%.c t/fuzz/replay.c t/fuzz/common.c \
	    t/fuzz/fuzz.h $(FUZZ_LIB) $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) $(FUZZ_WRAP) -o $@ $< t/fuzz/replay.c \
	  t/fuzz/common.c $(FUZZ_LIB) $(LIBS)

tests: $(O)/failover-agent $(TEST_BINS) $(REPLAY_BINS)

# Say which library is missing instead of a wall of compiler errors.
pkgcheck:
	@for p in $(PKGS); do pkg-config --exists $$p || { \
	  echo "missing: $$p (see INSTALL, or run: sh t/lib/deps.sh --install)" >&2; exit 1; }; done

check: tests
	FA_BUILD=$(O) prove -r t/

check-asan:
	$(MAKE) O=build-asan SANITIZE=1 tests
	FA_BUILD=build-asan ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 prove -r t/

# `make fuzz`: every harness built with clang's libFuzzer, ASan and UBSan,
# the library too (in build-fuzz: its objects need the fuzzer's coverage
# instrumentation).  `make fuzz FUZZ_SECONDS=N` then runs each harness N
# seconds from its seed corpus (new inputs go to build-fuzz/corpus/NAME,
# never into the tree) and fails on the first crash, leak or UB report
# (the input is left in build-fuzz/crash-NAME-*).
FUZZ_O	= build-fuzz
FUZZ_CC	= clang
FUZZ_SAN = -fsanitize=address,undefined -fno-sanitize-recover=all \
	  -fno-omit-frame-pointer
FUZZ_SECONDS ?=
# `make fuzz FUZZ_RUNS=N`: N inputs each, from a fixed seed, instead of a
# time: the same inputs every time, so CI's brief run is reproducible (a
# timed run finds what its speed lets it reach).
FUZZ_RUNS ?=
FUZZ_LIMIT = $(if $(FUZZ_RUNS),-runs=$(FUZZ_RUNS) -seed=1,-max_total_time=$(FUZZ_SECONDS))
FUZZ_BINS = $(FUZZ_NAMES:%=$(FUZZ_O)/fuzz/fuzz_%)

fuzz:
	$(MAKE) O=$(FUZZ_O) CC=$(FUZZ_CC) \
	  CFLAGS="-O1 -g -fsanitize=fuzzer-no-link $(FUZZ_SAN)" fuzz-bins
ifneq ($(FUZZ_SECONDS)$(FUZZ_RUNS),)
	@set -e; for n in $(FUZZ_NAMES); do \
	  mkdir -p $(FUZZ_O)/corpus/$$n; \
	  echo "fuzz: $$n ($(FUZZ_LIMIT))"; \
	  $(FUZZ_O)/fuzz/fuzz_$$n $(FUZZ_LIMIT) \
	    -timeout=60 -rss_limit_mb=2048 -print_final_stats=1 \
	    -artifact_prefix=$(FUZZ_O)/crash-$$n- \
	    $(FUZZ_O)/corpus/$$n t/fuzz/corpus/$$n 2>$(FUZZ_O)/fuzz-$$n.log \
	    || { tail -n 60 $(FUZZ_O)/fuzz-$$n.log; \
	      echo "fuzz: $$n failed (log: $(FUZZ_O)/fuzz-$$n.log)" >&2; \
	      exit 1; }; \
	  grep -E '^#[0-9]+.*DONE|stat::number_of_executed_units' \
	    $(FUZZ_O)/fuzz-$$n.log | tail -n 2; \
	done
endif

fuzz-bins: $(FUZZ_BINS)

$(FUZZ_O)/fuzz/fuzz_%: t/fuzz/fuzz_%.c t/fuzz/common.c t/fuzz/fuzz.h \
	    $(FUZZ_LIB) $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -fsanitize=fuzzer $(FUZZ_SAN) $(FUZZ_WRAP) -o $@ \
	  $< t/fuzz/common.c $(FUZZ_LIB) $(LIBS)

# `make check-valgrind`: integration tests with the agent (and the test
# drivers in $(O)/t) run under valgrind memcheck: build-valgrind holds
# wrappers of the same names that exec valgrind on the normal build, so the
# tests need no change (exec keeps the PID they signal).  A memory error or
# a leak "definitely lost" fails the run (exit 99, and the logs in
# build-valgrind/vg/ are checked).  A subset, as memcheck is 20-50 times
# slower: one failover and failback end to end, config-test, the dry run,
# status and history, the vote server and client, the quorum, a provider
# API method.  Not t/86-hooks.t: memcheck cannot survive a failed execve()
# in a forked child ("EXEC FAILED"), which that test provokes on purpose.
VG_TESTS ?= t/50-failover.t t/55-config-test.t t/53-dryrun.t \
	  t/41-history.t t/88-nagios.t t/60-vote.t t/62-quorum.t t/85-httptmpl.t
VALGRIND = valgrind --error-exitcode=99 --leak-check=full \
	  --errors-for-leak-kinds=definite --show-leak-kinds=definite \
	  --track-fds=no --log-file=$(CURDIR)/build-valgrind/vg/%p.log

check-valgrind: tests
	@command -v valgrind > /dev/null || { echo "missing: valgrind" \
	  "(sh t/lib/deps.sh --install)" >&2; exit 1; }
	rm -rf build-valgrind
	mkdir -p build-valgrind/t build-valgrind/vg
	@for b in failover-agent $(TEST_BINS:$(O)/%=%); do \
	  printf '#!/bin/sh\nexec %s %s "$$@"\n' '$(VALGRIND)' \
	    "$(CURDIR)/$(O)/$$b" > build-valgrind/$$b && \
	  chmod +x build-valgrind/$$b || exit 1; done
	FA_BUILD=build-valgrind prove $(VG_TESTS)
	@bad=$$(grep -lE 'definitely lost: [1-9]|ERROR SUMMARY: [1-9]' \
	  build-valgrind/vg/*.log); if [ -n "$$bad" ]; then \
	  echo "check-valgrind: memcheck errors or leaks in:" $$bad >&2; \
	  exit 1; fi; \
	echo "check-valgrind: $$(ls build-valgrind/vg | wc -l) processes," \
	  "no memcheck error, nothing definitely lost"

# Packages first: the build itself needs them.  The sub-make re-reads
# pkg-config once they are there.
demo:
	sh t/lib/deps.sh --install && $(MAKE) failover-agent && FA_BUILD=$(O) sh etc/demo.sh

# `make bench`: a benchmark, not a test (nothing in it asserts a timing).
# Needs nginx (the static 200 it is compared with) and wrk: installed with
# apt-get when root, else named and make stops.  nginx lives in /usr/sbin,
# outside a user's PATH.
BENCH_SRCS = $(wildcard bench/*.c)
BENCH_BINS = $(BENCH_SRCS:bench/%.c=$(O)/bench/%)

$(O)/bench/%: bench/%.c $(LIB_OBJS) $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(LIB_OBJS) $(LIBS)

bench-deps:
	@m=""; \
	{ command -v nginx || test -x /usr/sbin/nginx; } >/dev/null 2>&1 || \
	  m="nginx-light"; \
	command -v wrk >/dev/null 2>&1 || m="$${m:+$$m }wrk"; \
	test -z "$$m" && exit 0; \
	if [ "$$(id -u)" = 0 ]; then \
	  echo "make bench: installing $$m"; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get install -y $$m || { apt-get update && apt-get install -y $$m; }; \
	else \
	  echo "make bench: missing $$m; as root: apt-get install -y $$m" >&2; \
	  exit 1; \
	fi

bench: bench-deps $(BENCH_BINS) $(O)/failover-agent
	FA_BUILD=$(O) sh bench/run.sh

# The systemd units (in UNITDIR) and the cron file (an example) name the
# binary where it was installed.
UNITS	= failover-agent.service failover-agent.timer \
	  failover-agent@.service failover-agent@.timer \
	  failover-agent-run@.service failover-vote@.service \
	  failover-agent-run.service failover-vote.service

install: failover-agent
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(SYSCONFDIR)/failover-agent
	install -m 0755 failover-agent $(DESTDIR)$(SBINDIR)/failover-agent
	install -m 0644 etc/failover-agent.conf.example \
	  $(DESTDIR)$(SYSCONFDIR)/failover-agent/failover-agent.conf.example
	install -d $(DESTDIR)$(DOCDIR)/examples
	install -m 0644 README.md INSTALL $(DESTDIR)$(DOCDIR)/
	install -m 0644 etc/failover-agent.conf.example \
	  etc/failover-agent-spare.conf.example $(DESTDIR)$(DOCDIR)/examples/
	install -d $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(MANDIR)/man5
	install -m 0644 man/failover-agent.8 $(DESTDIR)$(MANDIR)/man8/
	install -m 0644 man/failover-agent.conf.5 $(DESTDIR)$(MANDIR)/man5/
	install -d $(DESTDIR)$(UNITDIR)
	for f in $(UNITS); do \
	  sed 's|/usr/local/sbin/failover-agent|$(SBINDIR)/failover-agent|g' \
	    etc/$$f > $(DESTDIR)$(UNITDIR)/$$f && \
	  chmod 0644 $(DESTDIR)$(UNITDIR)/$$f || exit 1; done
	sed 's|/usr/local/sbin/failover-agent|$(SBINDIR)/failover-agent|g' \
	  etc/failover-agent.cron > $(DESTDIR)$(DOCDIR)/examples/failover-agent.cron
	chmod 0644 $(DESTDIR)$(DOCDIR)/examples/failover-agent.cron

# `make deb`: the Debian package, built from a copy of the tree (so the
# package build's clean never touches this tree's build directories); the
# .deb ends in $(O)/deb/.
deb:
	rm -rf $(O)/deb && mkdir -p $(O)/deb/src
	tar --exclude='./build*' --exclude=./.git --exclude=./failover-agent \
	  -cf - . | tar -xf - -C $(O)/deb/src
	cd $(O)/deb/src && dpkg-buildpackage -us -uc -b
	@ls $(O)/deb/*.deb
# Exactly what install put in place; the configuration and the state stay
# (Debian's remove, not purge): /etc/failover-agent keeps the config and
# its keys, and goes only when nothing else is left in it.
uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/failover-agent
	rm -f $(DESTDIR)$(SYSCONFDIR)/failover-agent/failover-agent.conf.example
	-rmdir $(DESTDIR)$(SYSCONFDIR)/failover-agent 2>/dev/null
	rm -f $(DESTDIR)$(DOCDIR)/README.md $(DESTDIR)$(DOCDIR)/INSTALL
	rm -f $(DESTDIR)$(DOCDIR)/examples/failover-agent.conf.example \
	  $(DESTDIR)$(DOCDIR)/examples/failover-agent-spare.conf.example \
	  $(DESTDIR)$(DOCDIR)/examples/failover-agent.cron
	-rmdir $(DESTDIR)$(DOCDIR)/examples $(DESTDIR)$(DOCDIR) 2>/dev/null
	rm -f $(DESTDIR)$(MANDIR)/man8/failover-agent.8 \
	  $(DESTDIR)$(MANDIR)/man5/failover-agent.conf.5
	for f in $(UNITS); do rm -f $(DESTDIR)$(UNITDIR)/$$f; done

clean:
	rm -rf build build-asan build-fuzz build-valgrind failover-agent

.PHONY: all tests check check-asan demo bench bench-deps install uninstall clean \
	deb pkgcheck fuzz fuzz-bins check-valgrind
