#!/bin/sh
# bench/run.sh: `make bench`.  A benchmark, not a test: it prints figures
# and asserts no timing.  It exits non-zero only when a step could not run
# (a program failed, nginx did not start), never because of a figure.
#
#   FA_BUILD=build sh bench/run.sh
#
# 1. checks: one checks_run() over BENCH_CHECKS checks that all time out
#    after BENCH_CHECK_TIMEOUT (bench_checks): the cycle's wall time against
#    the sum of the timeouts.  Parallel checks: a cycle costs about the
#    slowest check, a ratio near 1/N.
# 2. votes: bench_votes starts one vote server (vote_server_run(), two
#    epoll threads, probing every 5 s a simulated primary whose probe takes
#    50 ms) on 127.0.0.1 and drives it for BENCH_SECONDS with BENCH_CLIENTS
#    client threads, each signing every request and verifying every answer:
#    valid votes/s, p50/p99, primary probes during the run.
# 2b. votes under attack and with a silent primary, one client (a backup
#    asks one vote at a time): p50/p99 of one signed vote alone (the
#    baseline), while 1000 slowloris connections are held open (a child
#    process re-opens each one the server closes at its request deadline),
#    while 10000 are (when the hard open files limit allows), and while the
#    primary is silent (every probe lasts a 5 s check timeout) next to it
#    being up (50 ms): the ratios to the baseline.
# 2c. RSS and open descriptors of the vote server's process before, half-way
#    through and after BENCH_REQUESTS (1000000) signed votes: the replay
#    cache (2^21 nonces here, 96 MiB allocated at start) is touched at
#    random, so it is wholly resident half-way; growth after that is a leak.
# 3. nginx (one worker, `return 200 "ok"`, access log off for that location:
#    the vote server logs only refused requests) in a throw-away directory,
#    on 127.0.0.1 in the same run, loaded with the same client shape two
#    ways: bench_votes -u (the very same client code, no signing), which
#    gives the ratio, and wrk with one thread per connection and as many
#    connections as clients.  wrk cannot sign votes, and the vote server
#    lives inside bench_votes, so wrk measures nginx only: it shows how much
#    of the figure is the client's own cost.
# 4. dns: bench/bench_dns.sh repoints 1000 records across 50 zones on a
#    local BIND with failover-agent (read, one UPDATE per zone, verify),
#    with one nsupdate call per zone and with one nsupdate call per record,
#    in the same run; the ratios (its own knobs: see that file).
# 5. detection: bench/bench_detect.sh, `failover-agent run` with interval
#    0.5s and fail_after 3, two spares, a BIND primary and a Knot secondary
#    nameserver (verify = all), all on loopback: from the primary's death
#    to the backup's addresses served by every nameserver, several runs,
#    median and worst beside the floor fail_after x interval (its own
#    knobs: see that file).
#
# Knobs (environment): BENCH_CLIENTS (4), BENCH_SECONDS (5), BENCH_CHECKS
# (10), BENCH_CHECK_TIMEOUT (1s), BENCH_FRESH=1 (a new connection per
# request, as the agent does, instead of keep-alive), BENCH_REQUESTS
# (1000000; 0 skips step 2c), BENCH_NO_DNS=1 (skip steps 4 and 5, which
# start name servers).  Everything listens on
# 127.0.0.1 only; every step is bounded by `timeout`; nginx is stopped by
# its PID on exit.

set -u

B=${FA_BUILD:-build}
CLIENTS=${BENCH_CLIENTS:-4}
DURATION=${BENCH_SECONDS:-5}
NCHECKS=${BENCH_CHECKS:-10}
CHECK_TIMEOUT=${BENCH_CHECK_TIMEOUT:-1s}
FRESH=${BENCH_FRESH:-}
REQUESTS=${BENCH_REQUESTS:-1000000}

for v in "$CLIENTS" "$DURATION" "$NCHECKS"; do
	case $v in
	''|*[!0-9]*|0) echo "bench: BENCH_CLIENTS, BENCH_SECONDS and" \
	    "BENCH_CHECKS are positive integers (got '$v')" >&2; exit 2 ;;
	esac
done
for p in "$B/bench/bench_checks" "$B/bench/bench_votes"; do
	[ -x "$p" ] || { echo "bench: $p is missing: run make bench" >&2; exit 2; }
done
NGINX=$(command -v nginx 2>/dev/null || echo /usr/sbin/nginx)
[ -x "$NGINX" ] || { echo "bench: nginx is missing (apt-get install nginx-light)" >&2; exit 2; }
command -v wrk >/dev/null 2>&1 || { echo "bench: wrk is missing (apt-get install wrk)" >&2; exit 2; }
command -v curl >/dev/null 2>&1 || { echo "bench: curl is missing (apt-get install curl)" >&2; exit 2; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/fa-bench.XXXXXX") || exit 1
nginx_pid=
failed=0

nginx_stop() {
	[ -n "$nginx_pid" ] || return 0
	kill -TERM "$nginx_pid" 2>/dev/null
	i=0
	while kill -0 "$nginx_pid" 2>/dev/null && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	kill -0 "$nginx_pid" 2>/dev/null && kill -KILL "$nginx_pid" 2>/dev/null
	wait "$nginx_pid" 2>/dev/null
	nginx_pid=
}
cleanup() {
	nginx_stop
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

if [ -n "$FRESH" ]; then
	shape="a new connection per request"
	bv_fresh=-f
	wrk_close="Connection: close"
else
	shape="keep-alive"
	bv_fresh=
	wrk_close="Connection: keep-alive"
fi

# wrk prints 123.45us, 1.23ms, 1.01s, 2.00m: in ms.
to_ms() {
	awk -v v="$1" 'BEGIN {
		n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
		if (u == "us") n /= 1000; else if (u == "s") n *= 1000
		else if (u == "m") n *= 60000
		printf "%.3f", n }'
}
ratio() {
	awk -v x="$1" -v y="$2" 'BEGIN {
		if (y + 0 > 0) printf "%.2f", x / y; else printf "n/a" }'
}

echo "== make bench: $(date -u '+%Y-%m-%d %H:%M UTC'), $(uname -srm)," \
    "$(nproc) CPUs, $CLIENTS clients, $DURATION s per run, $shape"

# -- 1. checks --------------------------------------------------------------
echo
echo "== checks: $NCHECKS checks timing out after $CHECK_TIMEOUT, in one cycle"
if timeout 120 "$B/bench/bench_checks" "$NCHECKS" "$CHECK_TIMEOUT" \
    >"$tmp/checks.out" 2>"$tmp/checks.err"; then
	cat "$tmp/checks.out"
else
	cat "$tmp/checks.out"
	echo "bench: bench_checks failed (not every check timed out?):" >&2
	tail -n 5 "$tmp/checks.err" >&2
	failed=1
fi
checks_line=$(sed -n 's/^checks_run: //p' "$tmp/checks.out")

# -- 2. votes ---------------------------------------------------------------
echo
echo "== vote server: signed votes (bench_votes -c $CLIENTS -d $DURATION${bv_fresh:+ $bv_fresh})"
v_rps= v_p50= v_p99= v_probes= v_valid=
if timeout $((DURATION + 60)) "$B/bench/bench_votes" -c "$CLIENTS" \
    -d "$DURATION" $bv_fresh >"$tmp/votes.out" 2>"$tmp/votes.err"; then
	cat "$tmp/votes.out"
	v_valid=$(sed -n 's/^votes: *\([0-9]*\) valid.*/\1/p' "$tmp/votes.out")
	v_rps=$(sed -n 's/^votes: .* valid, \([0-9]*\)\/s.*/\1/p' "$tmp/votes.out")
	v_p50=$(sed -n 's/^latency: *p50 \([0-9.]*\) ms.*/\1/p' "$tmp/votes.out")
	v_p99=$(sed -n 's/^latency: .*p99 \([0-9.]*\) ms.*/\1/p' "$tmp/votes.out")
	v_probes=$(sed -n 's/^probes: *\([0-9]*\) .*/\1/p' "$tmp/votes.out")
else
	cat "$tmp/votes.out"
	echo "bench: bench_votes failed:" >&2
	tail -n 5 "$tmp/votes.err" >&2
	failed=1
fi

# -- 2b. votes under attack, and with a silent primary -------------------------
# bv NAME ARGS...: one bench_votes run; sets NAME_p50, NAME_p99, NAME_rps.
bv() {
	_n=$1
	shift
	echo
	echo "== vote server: $_n (bench_votes $*)"
	if timeout $((DURATION + 90)) "$B/bench/bench_votes" "$@" \
	    >"$tmp/$_n.out" 2>"$tmp/$_n.err"; then
		cat "$tmp/$_n.out"
		eval "${_n}_rps=\$(sed -n 's/^votes: .* valid, \([0-9]*\)\/s.*/\1/p' \"\$tmp/\$_n.out\")"
		eval "${_n}_p50=\$(sed -n 's/^latency: *p50 \([0-9.]*\) ms.*/\1/p' \"\$tmp/\$_n.out\")"
		eval "${_n}_p99=\$(sed -n 's/^latency: .*p99 \([0-9.]*\) ms.*/\1/p' \"\$tmp/\$_n.out\")"
	else
		cat "$tmp/$_n.out"
		echo "bench: bench_votes $* failed:" >&2
		tail -n 5 "$tmp/$_n.err" >&2
		failed=1
	fi
}
one_p50= one_p99= slow1k_p50= slow1k_p99= slow10k_p50= slow10k_p99=
silent_p50= silent_p99=
bv one -c 1 -d "$DURATION" $bv_fresh
bv slow1k -c 1 -d "$DURATION" -s 1000 $bv_fresh
# 10000 sockets in each process (the server's, the child's) and a margin.
if [ "$(ulimit -Hn)" = unlimited ] || [ "$(ulimit -Hn)" -ge 10500 ]; then
	bv slow10k -c 1 -d "$DURATION" -s 10000 $bv_fresh
else
	echo "== vote server: 10000 slow connections skipped: hard open files" \
	    "limit $(ulimit -Hn)"
fi
bv silent -c 1 -d "$DURATION" -p 5000 $bv_fresh

# -- 2c. RSS and descriptors over many requests -------------------------------
r_before= r_half= r_after=
if [ "$REQUESTS" -gt 0 ]; then
	echo
	echo "== vote server: $REQUESTS signed votes (bench_votes -c $CLIENTS -N $REQUESTS -r)"
	if timeout 900 "$B/bench/bench_votes" -c "$CLIENTS" -d 800 \
	    -N "$REQUESTS" -r >"$tmp/long.out" 2>"$tmp/long.err"; then
		cat "$tmp/long.out"
		r_before=$(sed -n 's/^resources before: //p' "$tmp/long.out")
		r_half=$(sed -n 's/^resources half-way: //p' "$tmp/long.out")
		r_after=$(sed -n 's/^resources after: //p' "$tmp/long.out")
	else
		cat "$tmp/long.out"
		echo "bench: bench_votes -N failed:" >&2
		tail -n 5 "$tmp/long.err" >&2
		failed=1
	fi
fi

# -- 3. nginx ---------------------------------------------------------------
# A port the kernel does not hand out as ephemeral is not guaranteed free:
# try a few, and know it is our nginx by a token only it serves.
token=$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
port=
for try in 1 2 3 4 5; do
	p=$(shuf -i 20000-29999 -n 1)
	cat >"$tmp/nginx.conf" <<EOF
worker_processes 1;
daemon off;
pid $tmp/nginx.pid;
error_log $tmp/error.log;
events { worker_connections 512; }
http {
	access_log $tmp/access.log;
	server {
		listen 127.0.0.1:$p;
		location = / { access_log off; return 200 "ok"; }
		location = /ready { return 200 "$token"; }
	}
}
EOF
	: >"$tmp/error.log"
	"$NGINX" -p "$tmp/" -c "$tmp/nginx.conf" >"$tmp/nginx.out" 2>&1 &
	nginx_pid=$!
	i=0
	while [ $i -lt 100 ]; do
		if [ "$(curl -s --noproxy '*' --max-time 1 \
		    "http://127.0.0.1:$p/ready" 2>/dev/null)" = "$token" ]; then
			port=$p
			break
		fi
		kill -0 "$nginx_pid" 2>/dev/null || break
		grep -q 'bind() to .* failed' "$tmp/error.log" && break
		sleep 0.1
		i=$((i + 1))
	done
	[ -n "$port" ] && break
	nginx_stop
done

n_rps= n_p50= n_p99= w_rps= w_p50= w_p99=
if [ -z "$port" ]; then
	echo "bench: nginx did not start:" >&2
	tail -n 5 "$tmp/error.log" "$tmp/nginx.out" >&2
	failed=1
else
	url="http://127.0.0.1:$port/"
	echo
	echo "== nginx static 200, same client (bench_votes -c $CLIENTS -d $DURATION${bv_fresh:+ $bv_fresh} -u $url)"
	if timeout $((DURATION + 60)) "$B/bench/bench_votes" -c "$CLIENTS" \
	    -d "$DURATION" $bv_fresh -u "$url" >"$tmp/plain.out" \
	    2>"$tmp/plain.err"; then
		cat "$tmp/plain.out"
		n_rps=$(sed -n 's/^requests: .* ok, \([0-9]*\)\/s.*/\1/p' "$tmp/plain.out")
		n_p50=$(sed -n 's/^latency: *p50 \([0-9.]*\) ms.*/\1/p' "$tmp/plain.out")
		n_p99=$(sed -n 's/^latency: .*p99 \([0-9.]*\) ms.*/\1/p' "$tmp/plain.out")
	else
		cat "$tmp/plain.out"
		echo "bench: bench_votes -u failed:" >&2
		tail -n 5 "$tmp/plain.err" >&2
		failed=1
	fi

	echo
	echo "== nginx static 200, wrk (wrk -t $CLIENTS -c $CLIENTS -d ${DURATION}s --latency)"
	if timeout $((DURATION + 60)) wrk -t "$CLIENTS" -c "$CLIENTS" \
	    -d "${DURATION}s" --latency -H "$wrk_close" "$url" \
	    >"$tmp/wrk.out" 2>&1; then
		cat "$tmp/wrk.out"
		w_rps=$(awk '/^Requests\/sec:/ { printf "%.0f", $2 }' "$tmp/wrk.out")
		w_p50=$(to_ms "$(awk '$1 == "50%" { print $2 }' "$tmp/wrk.out")")
		w_p99=$(to_ms "$(awk '$1 == "99%" { print $2 }' "$tmp/wrk.out")")
	else
		cat "$tmp/wrk.out"
		echo "bench: wrk failed" >&2
		failed=1
	fi
	nginx_stop
fi

# -- 4. dns ----------------------------------------------------------------
d_line=
t_line=
if [ -n "${BENCH_NO_DNS:-}" ]; then
	echo
	echo "== dns, detection: skipped (BENCH_NO_DNS)"
else
echo
echo "== dns: 1000 records in 50 zones, failover-agent vs nsupdate (bench/bench_dns.sh)"
if timeout 600 sh "$(dirname "$0")/bench_dns.sh" >"$tmp/dns.out" \
    2>"$tmp/dns.err"; then
	grep -v '^dns-summary:' "$tmp/dns.out"
	d_line=$(sed -n 's/^dns-summary: //p' "$tmp/dns.out")
else
	grep -v '^dns-summary:' "$tmp/dns.out"
	echo "bench: bench_dns.sh failed:" >&2
	tail -n 5 "$tmp/dns.err" >&2
	failed=1
fi

# -- 5. detection -----------------------------------------------------------
echo
echo "== detection: the primary dies -> every nameserver serves the backup (bench/bench_detect.sh)"
if timeout 900 sh "$(dirname "$0")/bench_detect.sh" >"$tmp/detect.out" \
    2>"$tmp/detect.err"; then
	grep -v '^detect-summary:' "$tmp/detect.out"
	t_line=$(sed -n 's/^detect-summary: //p' "$tmp/detect.out")
else
	grep -v '^detect-summary:' "$tmp/detect.out"
	echo "bench: bench_detect.sh failed:" >&2
	tail -n 5 "$tmp/detect.err" >&2
	failed=1
fi
fi

# -- summary ----------------------------------------------------------------
echo
echo "== summary ($CLIENTS clients, $shape, ${DURATION} s each, 127.0.0.1, $(nproc) CPUs)"
echo "checks:      ${checks_line:-n/a}"
echo "vote-server: ${v_rps:-n/a} req/s, nginx static 200: ${n_rps:-n/a} req/s," \
    "ratio $(ratio "${v_rps:-0}" "${n_rps:-0}")  (same client: bench_votes)"
echo "  vote-server (signed + verified): p50 ${v_p50:-n/a} ms, p99 ${v_p99:-n/a} ms;" \
    "primary probes: ${v_probes:-n/a} for ${v_valid:-n/a} votes"
echo "  nginx static 200 (bench_votes -u): p50 ${n_p50:-n/a} ms, p99 ${n_p99:-n/a} ms"
echo "  nginx static 200 (wrk): ${w_rps:-n/a} req/s, p50 ${w_p50:-n/a} ms," \
    "p99 ${w_p99:-n/a} ms; vote-server/wrk-nginx ratio $(ratio "${v_rps:-0}" "${w_rps:-0}")"
echo "  one vote at a time: p50 ${one_p50:-n/a} ms, p99 ${one_p99:-n/a} ms;" \
    "with 1000 slow connections p99 ${slow1k_p99:-n/a} ms (ratio" \
    "$(ratio "${slow1k_p99:-0}" "${one_p99:-0}")); with 10000 p99" \
    "${slow10k_p99:-n/a} ms (ratio $(ratio "${slow10k_p99:-0}" "${one_p99:-0}"))"
echo "  primary silent (5 s probes): p50 ${silent_p50:-n/a} ms, p99" \
    "${silent_p99:-n/a} ms; up: p50 ${one_p50:-n/a}, p99 ${one_p99:-n/a}" \
    "(p99 ratio $(ratio "${silent_p99:-0}" "${one_p99:-0}"))"
echo "  $REQUESTS votes: before ${r_before:-n/a}; half-way (the replay" \
    "cache in memory) ${r_half:-n/a}; after ${r_after:-n/a}"
if [ -n "$d_line" ]; then
	# shellcheck disable=SC2086
	set -- $d_line
	echo "dns:         $1 records in $2 zones: failover-agent $3 s" \
	    "(failback $4 s), nsupdate per zone $5 s (ratio $(ratio "$5" "$3"))," \
	    "per record $6 s (ratio $(ratio "$6" "$3"))"
else
	echo "dns:         n/a"
fi
if [ -n "$t_line" ]; then
	# shellcheck disable=SC2086
	set -- $t_line
	echo "detection:   $1 runs, floor $2 s: median $3 s (ratio" \
	    "$(ratio "$3" "$2")), worst $4 s (ratio $(ratio "$4" "$2"))," \
	    "best $5 s"
else
	echo "detection:   n/a"
fi
exit $failed
