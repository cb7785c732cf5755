#!/bin/sh
# 15-fuzz-replay.t: every fuzz harness (t/fuzz/fuzz_NAME.c), linked with the
# replay driver instead of libFuzzer, runs over its seed corpus
# t/fuzz/corpus/NAME/: the inputs that once crashed a parser stay fixed
# (make check-asan runs this under ASan and UBSan too).  A harness without a
# corpus, or a corpus without a harness, fails.
FA_TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$FA_TOP/t/lib/tap.sh"
B=${FA_BUILD:-build}
case $B in /*) ;; *) B=$FA_TOP/$B ;; esac

n=0
for src in "$FA_TOP"/t/fuzz/fuzz_*.c; do
	name=${src##*/fuzz_}
	name=${name%.c}
	n=$((n + 1))
	bin=$B/fuzz/replay_$name
	dir=$FA_TOP/t/fuzz/corpus/$name
	[ -x "$bin" ] || bail_out "no $bin (make tests)"
	count=$(find "$dir" -type f 2>/dev/null | wc -l)
	if [ "$count" -eq 0 ]; then
		fail "$name: a seed corpus in t/fuzz/corpus/$name"
		continue
	fi
	out=$("$bin" "$dir" 2>&1 > /dev/null)
	rc=$?
	ok $rc "$name: $count inputs replayed, no crash, leak or UB"
	[ $rc -eq 0 ] || diag "$(printf '%s\n' "$out" | tail -n 30)"
done
for dir in "$FA_TOP"/t/fuzz/corpus/*/; do
	name=$(basename "$dir")
	[ -f "$FA_TOP/t/fuzz/fuzz_$name.c" ]
	ok $? "corpus $name has its harness t/fuzz/fuzz_$name.c"
done
# Every parser of outside input has one (issue 11); none disappears.
for name in config tsigkey vote_request vote_response rfc2136_reply \
    dns_answers gtid powerdns virtualmin cloudflare ovh httptmpl \
    retry_after; do
	[ -f "$FA_TOP/t/fuzz/fuzz_$name.c" ]
	ok $? "harness $name exists"
done
done_testing
