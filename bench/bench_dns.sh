#!/bin/sh
# bench/bench_dns.sh: repointing 1000 records across 50 zones on a local
# BIND, three ways, in the same run, against the same named:
#
#   agent       failover-agent failover: read every record (A and AAAA) from
#               the server, one conditional UPDATE per zone (zones in
#               parallel), then verify = server: every record read back.
#   batch       nsupdate, one call per zone: the same conditional change
#               (prerequisites on the old A and AAAA sets, delete, add) in
#               one UPDATE per zone, zones one after another; no read, no
#               verify.
#   per-record  nsupdate, one call per record: the same change, 1000
#               UPDATEs.
#
# Each moves the 1000 records from the primary's addresses to the backup's;
# between two, the records are put back (not timed).  After each, one dig
# (batch mode) counts the records holding the backup's addresses: a run
# whose count is not 1000 is reported as failed, not as a figure.  The
# agent's failback is timed too.  A benchmark, not a test: nothing here
# asserts a timing.
#
#   FA_BUILD=build sh bench/bench_dns.sh
#
# Knobs: BENCH_DNS_ZONES (50), BENCH_DNS_RECORDS (20 per zone).  named
# listens on 127.0.0.1 only and is stopped by its PID on exit.
# Last line, for bench/run.sh:
#   dns-summary: RECORDS ZONES AGENT_S BACK_S BATCH_S PERREC_S

set -u

FA_TOP=$(cd "$(dirname "$0")/.." && pwd)
B=${FA_BUILD:-build}
case $B in
/*)	;;
*)	B=$FA_TOP/$B ;;
esac
FA=$B/failover-agent
NZ=${BENCH_DNS_ZONES:-50}
NR=${BENCH_DNS_RECORDS:-20}
P4=192.0.2.10 P6=2001:db8::10 B4=198.51.100.20 B6=2001:db8:1::20

for p in named nsupdate dig tsig-keygen ss; do
	command -v "$p" > /dev/null 2>&1 || {
		echo "bench_dns: missing $p (sh t/lib/deps.sh --install)" >&2
		exit 2
	}
done
[ -x "$FA" ] || { echo "bench_dns: no $FA (run make)" >&2; exit 2; }

. "$FA_TOP/t/lib/named.sh"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/fa-bench-dns.XXXXXX") || exit 1
cleanup() {
	named_stop "$tmp/named"
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

ZONES=
i=1
while [ $i -le "$NZ" ]; do
	ZONES="$ZONES $(printf 'z%02d.example' $i)"
	i=$((i + 1))
done
RECS=
i=1
while [ $i -le "$NR" ]; do
	RECS="$RECS r$i"
	i=$((i + 1))
done
NTOTAL=$((NZ * NR))

mkdir "$tmp/named" || exit 1
PORT=$(named_pick_port) || { echo "bench_dns: no free port" >&2; exit 1; }
# shellcheck disable=SC2086
NAMED_RECORDS=$RECS NAMED_A=$P4 NAMED_AAAA=$P6 NAMED_NS="ns1=127.0.0.1" \
    named_start "$tmp/named" "$PORT" $ZONES || {
	echo "bench_dns: named did not start" >&2
	exit 1
}
KEY=$tmp/named/fa-key.key

# The agent's config: every zone, every record; a tcp check on named's
# port (it passes: a manual failover/failback needs no failing primary).
{
	cat <<EOF
[agent]
name      = bench
state_db  = $tmp/state.db
hold_down = 60
[site:primary]
address = $P4, $P6
[site:backup]
address = $B4, $B6
[check:dns]
type = tcp
host = 127.0.0.1
port = $PORT
timeout = 2
[dns]
method        = rfc2136
server        = 127.0.0.1
port          = $PORT
tsig_key_file = $KEY
ttl           = 60
verify        = server
canary        = 0
EOF
	for z in $ZONES; do
		printf '[zone:%s]\nrecords = %s\n' "$z" \
		    "$(echo $RECS | sed 's/ /, /g')"
	done
} > "$tmp/fa.conf"

now() {
	date +%s.%N
}
secs() {	# secs START END
	awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'
}
ratio() {
	awk -v x="$1" -v y="$2" 'BEGIN {
		if (y + 0 > 0) printf "%.1f", x / y; else printf "n/a" }'
}

# How many records hold the backup's A and AAAA: one dig, every question.
count_backup() {
	: > "$tmp/q"
	for z in $ZONES; do
		for r in $RECS; do
			printf '%s.%s A\n%s.%s AAAA\n' "$r" "$z" "$r" "$z" \
			    >> "$tmp/q"
		done
	done
	dig +short +norec +time=2 +tries=2 -p "$PORT" @127.0.0.1 -f "$tmp/q" \
	    > "$tmp/a"
	a=$(grep -cx "$B4" "$tmp/a")
	aaaa=$(grep -cx "$B6" "$tmp/a")
	[ "$a" -lt "$aaaa" ] && echo "$a" || echo "$aaaa"
}

# nsupdate input for records of zone z moving from (f4, f6) to (t4, t6).
nsupdate_lines() {	# z f4 f6 t4 t6 RECORD...
	_z=$1 _f4=$2 _f6=$3 _t4=$4 _t6=$5
	shift 5
	printf 'server 127.0.0.1 %s\nzone %s\n' "$PORT" "$_z"
	for _r in "$@"; do
		printf 'prereq yxrrset %s.%s A %s\n' "$_r" "$_z" "$_f4"
		printf 'prereq yxrrset %s.%s AAAA %s\n' "$_r" "$_z" "$_f6"
		printf 'update delete %s.%s A\n' "$_r" "$_z"
		printf 'update delete %s.%s AAAA\n' "$_r" "$_z"
		printf 'update add %s.%s 60 A %s\n' "$_r" "$_z" "$_t4"
		printf 'update add %s.%s 60 AAAA %s\n' "$_r" "$_z" "$_t6"
	done
	printf 'send\n'
}

batch() {	# f4 f6 t4 t6: one nsupdate per zone
	for z in $ZONES; do
		# shellcheck disable=SC2086
		nsupdate_lines "$z" "$@" $RECS | nsupdate -k "$KEY" ||
		    return 1
	done
}

per_record() {	# f4 f6 t4 t6: one nsupdate per record
	for z in $ZONES; do
		for r in $RECS; do
			nsupdate_lines "$z" "$@" "$r" | nsupdate -k "$KEY" ||
			    return 1
		done
	done
}

failed=0
check_moved() {	# WHAT
	n=$(count_backup)
	if [ "$n" != "$NTOTAL" ]; then
		echo "bench_dns: $1: $n of $NTOTAL records hold the backup's" \
		    "addresses" >&2
		failed=1
	fi
}

echo "$NTOTAL records (A and AAAA each) in $NZ zones on BIND $(named -v |
    awk '{ print $2 }'), 127.0.0.1"

t0=$(now)
FA_LOG_STDERR=1 "$FA" -q -c "$tmp/fa.conf" failover > "$tmp/fa.out" \
    2> "$tmp/fa.err" || { echo "bench_dns: failover failed:" >&2;
	tail -n 5 "$tmp/fa.err" >&2; failed=1; }
t1=$(now)
check_moved "agent failover"
agent=$(secs "$t0" "$t1")
echo "agent failover (read, $NZ UPDATEs, verify every record): $agent s"

t0=$(now)
FA_LOG_STDERR=1 "$FA" -q -c "$tmp/fa.conf" failback > "$tmp/fa.out" \
    2> "$tmp/fa.err" || { echo "bench_dns: failback failed:" >&2;
	tail -n 5 "$tmp/fa.err" >&2; failed=1; }
t1=$(now)
back=$(secs "$t0" "$t1")
echo "agent failback (the same, back):                $back s"

t0=$(now)
batch "$P4" "$P6" "$B4" "$B6" || failed=1
t1=$(now)
check_moved "nsupdate per zone"
bat=$(secs "$t0" "$t1")
echo "nsupdate, one call per zone ($NZ UPDATEs, no read, no verify): $bat s"
batch "$B4" "$B6" "$P4" "$P6" || failed=1

t0=$(now)
per_record "$P4" "$P6" "$B4" "$B6" || failed=1
t1=$(now)
check_moved "nsupdate per record"
per=$(secs "$t0" "$t1")
echo "nsupdate, one call per record ($NTOTAL UPDATEs): $per s"

echo "ratios: nsupdate per zone / agent $(ratio "$bat" "$agent")," \
    "nsupdate per record / agent $(ratio "$per" "$agent")"
echo "dns-summary: $NTOTAL $NZ $agent $back $bat $per"
exit $failed
