#!/bin/sh
# bench/bench_detect.sh: detection time in service mode.  From the moment
# the primary dies to the moment EVERY authoritative nameserver serves the
# backup's addresses for every managed record, with
#
#   failover-agent run, [agent] interval = 0.5s, fail_after = 3
#   two spares (failover-agent vote-server), [quorum] need = 2
#   a primary nameserver (BIND, 127.0.0.1) and a secondary (Knot DNS,
#   127.0.0.2) fed by NOTIFY and IXFR, [dns] verify = all
#
# all on loopback (t/lib/scenario.sh's world).  A poller (Python, stdlib
# only) stops the stand-in primary itself (SIGTERM, the clock starts just
# before) and then asks both nameservers, every 5 ms, for the A and AAAA
# records of every managed name, until both serve the backup's addresses
# everywhere: that is the time a client could see.  Then the primary is
# started again and the agent fails back (not timed) before the next run.
#
# The floor is fail_after x interval (1.5 s): the agent cannot know sooner
# without trusting fewer failed cycles.  The primary dies at a random point
# of an interval, so the third failed cycle starts between (fail_after - 1)
# x interval and fail_after x interval after the death: a run can end below
# the floor, by up to one interval.
#
#   FA_BUILD=build sh bench/bench_detect.sh
#
# Knobs: BENCH_DETECT_RUNS (7).  Last line, for bench/run.sh:
#   detect-summary: RUNS FLOOR_S MEDIAN_S WORST_S BEST_S
# A benchmark, not a test: it asserts no timing; it exits non-zero only
# when a step could not run.  Every process it starts is stopped by PID.

set -u

FA_TOP=$(cd "$(dirname "$0")/.." && pwd)
RUNS=${BENCH_DETECT_RUNS:-7}
INTERVAL=0.5
FAIL_AFTER=3
case $RUNS in
''|*[!0-9]*|0) echo "bench_detect: BENCH_DETECT_RUNS is a positive integer" >&2
	exit 2 ;;
esac
for p in named knotd dig tsig-keygen python3 curl ss; do
	command -v "$p" > /dev/null 2>&1 || {
		echo "bench_detect: missing $p (sh t/lib/deps.sh --install)" >&2
		exit 2
	}
done

. "$FA_TOP/t/lib/scenario.sh"
. "$FA_TOP/t/lib/knot.sh"
[ -x "$FA" ] || { echo "bench_detect: no $FA (run make)" >&2; exit 2; }

RUN_PID=
detect_cleanup() {
	if [ -n "$RUN_PID" ]; then
		kill -TERM "$RUN_PID" 2> /dev/null
		wait "$RUN_PID" 2> /dev/null
	fi
	[ -n "$SC_DIR" ] && [ -f "$SC_DIR/ns2/knot.bgpid" ] &&
	    knot_stop "$SC_DIR/ns2"
	scenario_cleanup
}

NAMED_NS="ns1=127.0.0.1 ns2=127.0.0.2"
NAMED_NOTIFY=127.0.0.2
SC_VERIFY=all
SC_DNS_EXTRA="timeout = 1s
verify_timeout = 5s
canary = 0"
scenario_setup > /dev/null || { echo "bench_detect: setup failed" >&2; exit 1; }
trap detect_cleanup EXIT
mkdir -p "$SC_DIR/ns2"
(
	KNOT_LISTEN=127.0.0.2
	KNOT_SECONDARY_OF=127.0.0.1
	knot_start "$SC_DIR/ns2" "$DNS_PORT" example.com example.org
) || { echo "bench_detect: the secondary did not start" >&2; exit 1; }
spare_start paris "$PRIMARY_PORT" && spare_start nyc "$PRIMARY_PORT" ||
    { echo "bench_detect: a spare did not start" >&2; exit 1; }
SC_EXTRA="
[quorum]
secret_file = $SC_DIR/vote.key
need        = 2
max_up      = 0
timeout     = 2s
[spare:paris]
url = $(spare_url paris)
[spare:nyc]
url = $(spare_url nyc)"
scenario_write_conf
sed -i "s/^interval .*/interval = $INTERVAL/; s/^fail_after .*/fail_after = $FAIL_AFTER/" "$CONF"

cat > "$SC_DIR/poll.py" <<'EOF'
# poll.py PORT WANT_A WANT_AAAA PIDFILE|- SERVER... -- NAME...: SIGTERM the
# process in PIDFILE (unless -), then query every SERVER for every NAME's A
# and AAAA every 5 ms until all answer exactly WANT_A and WANT_AAAA;
# print the seconds from the kill until every server did, and until the
# first SERVER did.  Gives up after 60 s (exit 1).
import os, random, signal, socket, struct, sys, time

args = sys.argv[1:]
port, want_a, want_aaaa, pidfile = int(args[0]), args[1], args[2], args[3]
sep = args.index("--")
servers, names = args[4:sep], args[sep + 1:]

def query(name, qtype):
    qid = random.randrange(65536)
    q = struct.pack(">HHHHHH", qid, 0, 1, 0, 0, 0)
    for label in name.rstrip(".").split("."):
        q += bytes([len(label)]) + label.encode()
    return qid, q + b"\0" + struct.pack(">HH", qtype, 1)

def skip_name(m, i):
    while True:
        n = m[i]
        if n == 0:
            return i + 1
        if n & 0xC0:
            return i + 2
        i += n + 1

def answers(m, qid, qtype):
    if len(m) < 12 or struct.unpack(">H", m[:2])[0] != qid:
        return None
    an = struct.unpack(">H", m[6:8])[0]
    i = skip_name(m, 12) + 4
    out = []
    for _ in range(an):
        i = skip_name(m, i)
        t, _c, _ttl, rdlen = struct.unpack(">HHIH", m[i:i + 10])
        i += 10
        if t == qtype:
            fam = socket.AF_INET if t == 1 else socket.AF_INET6
            out.append(socket.inet_ntop(fam, m[i:i + rdlen]))
        i += rdlen
    return " ".join(sorted(out))

def served(sock, server):
    for name in names:
        for qtype, want in ((1, want_a), (28, want_aaaa)):
            qid, q = query(name, qtype)
            sock.sendto(q, (server, port))
            try:
                while True:
                    m, _ = sock.recvfrom(4096)
                    got = answers(m, qid, qtype)
                    if got is not None:
                        break
            except socket.timeout:
                return False
            if got != want:
                return False
    return True

sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.settimeout(0.2)
first = {}
t0 = time.monotonic()
if pidfile != "-":
    os.kill(int(open(pidfile).read()), signal.SIGTERM)
while time.monotonic() - t0 < 60:
    for s in servers:
        if s not in first and served(sock, s):
            first[s] = time.monotonic() - t0
    if len(first) == len(servers):
        # The time every server served it, then the first server's.
        print("%.3f %.3f" % (max(first.values()), first[servers[0]]))
        sys.exit(0)
    time.sleep(0.005)
sys.exit(1)
EOF

NAMES="example.com www.example.com www.example.org"
# wait_served A AAAA: until both nameservers serve these everywhere.
wait_served() {
	python3 "$SC_DIR/poll.py" "$DNS_PORT" "$1" "$2" - 127.0.0.1 127.0.0.2 \
	    -- $NAMES > /dev/null
}

: > "$SC_DIR/run.log"
FA_LOG_STDERR=1 "$FA" -c "$CONF" run >> "$SC_DIR/run.log" 2>&1 < /dev/null &
RUN_PID=$!

echo "detection: run mode, interval ${INTERVAL}s, fail_after $FAIL_AFTER," \
    "2 spares (need 2), BIND primary + Knot secondary (verify = all)," \
    "127.0.0.1/127.0.0.2; $RUNS runs"
times=
i=0
failed=0
while [ $i -lt "$RUNS" ]; do
	i=$((i + 1))
	# Steady state: STANDBY, the primary up for a while (recover_after).
	n=0
	until [ "$(status_field 'd["state"]' 2> /dev/null)" = STANDBY ] &&
	    [ "$(status_field 'd["primary_status"]' 2> /dev/null)" = OK ] &&
	    wait_served "$PRIMARY_A" "$PRIMARY_AAAA"; do
		n=$((n + 1))
		[ $n -lt 300 ] || { echo "bench_detect: no steady state" >&2
			failed=1; break 2; }
		sleep 0.1
	done
	# A random phase within the interval, like a real failure.
	sleep "0.$(od -An -N1 -tu1 /dev/urandom | tr -d ' ' | cut -c1)"
	tt=$(python3 "$SC_DIR/poll.py" "$DNS_PORT" "$BACKUP_A" "$BACKUP_AAAA" \
	    "$SC_DIR/primary/primary.pid" 127.0.0.1 127.0.0.2 -- $NAMES) || {
		echo "bench_detect: run $i: not served within 60 s" >&2
		failed=1
		break
	}
	t=${tt% *}
	t1=${tt#* }
	primary_stop "$SC_DIR/primary" > /dev/null 2>&1
	# Of which the failover cycle itself: votes, UPDATE, verify = all
	# (recorded once its verify is over: a moment after the poller saw it).
	n=0
	until [ "$(status_field 'd["state"]' 2> /dev/null)" = ACTIVE ]; do
		n=$((n + 1))
		[ $n -lt 300 ] || break
		sleep 0.05
	done
	c=$(fa history --outcome FAILOVER -n 1 --json 2> /dev/null |
	    json_eval '"%.3f" % (d["cycles"][0]["duration_ms"] / 1000.0)')
	echo "run $i: $t s (floor $(awk -v t="$t" -v f="$FAIL_AFTER" \
	    -v v="$INTERVAL" 'BEGIN { printf "%.1f s, ratio %.2f", f * v, t / (f * v) }');" \
	    "the primary nameserver served it at $t1 s; the failover cycle" \
	    "took $c s)"
	times="$times $t"
	primary_start "$SC_DIR/primary" "$PRIMARY_PORT" ||
	    { echo "bench_detect: the primary did not restart" >&2; failed=1
	      break; }
done
[ -n "$times" ] || exit 1
printf '%s\n' $times | sort -n | awk -v f="$FAIL_AFTER" -v v="$INTERVAL" '
	{ t[NR] = $1 }
	END {
		med = NR % 2 ? t[(NR + 1) / 2] : (t[NR / 2] + t[NR / 2 + 1]) / 2
		floor = f * v
		printf "median %.3f s (%.2f x the floor), worst %.3f s (%.2f x), " \
		    "best %.3f s (%.2f x); floor fail_after x interval = %.1f s\n",
		    med, med / floor, t[NR], t[NR] / floor, t[1], t[1] / floor, floor
		printf "detect-summary: %d %.1f %.3f %.3f %.3f\n", NR, floor,
		    med, t[NR], t[1]
	}'
exit $failed
