#!/bin/sh
# 60-vote.t: the vote protocol of quorum/PROTOCOL.md on loopback.
#
# Real vote servers (build/t/test_vote_server serve: vote_server_run() with a
# probe whose verdict and probe count the test controls through files) are
# asked by curl, with requests signed here by the openssl CLI, not by our
# code: every rejection of quorum/PROTOCOL.md §4, /v1/health, probes on the spare's own
# clock (a vote is answered at once while a probe is under way, "unknown"
# before the first; a burst costs no probe), max_age, then by our client
# (test_vote_server ask: vote_client_ask() + quorum_tally()) against good,
# wrong-secret, stopped, hanging, redirecting, oversized, stale, misnamed
# and TLS spares, and vote_client_health().  Under attack: a signed vote is
# answered while 250 slowloris connections are open (t/lib/slowclient.py,
# from 127.0.0.3), which the server closes at its request deadline; a peer
# outside [vote] allow is refused when it connects.
#
# Needs curl, openssl, jq, ss.  Ports: free ones are picked with ss; a
# server that cannot bind exits 3 and is started again on another port.
# Readiness is polled (curl /v1/health), never slept for.

B=${FA_BUILD:-build}
DRV=$B/t/test_vote_server
export FA_LOG_STDERR=1

for tool in curl openssl jq ss; do
	if ! command -v $tool >/dev/null 2>&1; then
		echo "Bail out! $tool is needed by this test"
		exit 1
	fi
done
if [ ! -x "$DRV" ]; then
	echo "Bail out! $DRV is not built (make tests)"
	exit 1
fi

T=$(mktemp -d "${TMPDIR:-/tmp}/fa-vote.XXXXXX") || exit 1
PIDS=""
cleanup() {
	for p in $PIDS; do
		kill "$p" 2>/dev/null
	done
	for p in $PIDS; do
		wait "$p" 2>/dev/null
	done
	rm -rf "$T"
}
forget() {	# forget PID: stopped already, not for cleanup()
	_keep=""
	for _p in $PIDS; do
		[ "$_p" = "$1" ] || _keep="$_keep $_p"
	done
	PIDS=$_keep
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

n=0
failed=0
ok() {	# ok CONDITION-EXIT-STATUS NAME
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		failed=$((failed + 1))
	fi
}
is() {	# is GOT WANT NAME
	n=$((n + 1))
	if [ "$1" = "$2" ]; then
		echo "ok $n - $3"
	else
		echo "not ok $n - $3"
		echo "#   got '$1', want '$2'"
		failed=$((failed + 1))
	fi
}

# Ports below the usual ephemeral range (32768-60999), so no outgoing
# connection holds them; a block of 60 per process (by PID), so that runs
# side by side do not pick each other's ports, even a stopped server's.
# pick_port sets PORT (not a subshell: the next call must move on).
next_port=$((20000 + ($$ % 200) * 60))
pick_port() {
	while :; do
		next_port=$((next_port + 1))
		[ $next_port -gt 32000 ] && next_port=20001
		if [ -z "$(ss -Hltn "sport = :$next_port" 2>/dev/null)" ]; then
			PORT=$next_port
			return 0
		fi
	done
}

# wait_ready LOG PORT PID: poll until LOG says the process listens on
# 127.0.0.1:PORT (so a listener on that port is ours, not another test's)
# and, for a vote server, /v1/health answers.  Returns 0, or the process's
# exit status if it died (3: could not bind), or 1 after 10 s.
wait_ready() {
	_i=0
	while [ $_i -lt 200 ]; do
		if grep -q "listening on 127.0.0.1:$2\$" "$1" 2>/dev/null &&
		    { [ -n "$4" ] ||
		    curl -fsS -m 1 "http://127.0.0.1:$2/v1/health" >/dev/null 2>&1; }
		then
			return 0
		fi
		if ! kill -0 "$3" 2>/dev/null; then
			wait "$3"
			return $?
		fi
		sleep 0.05
		_i=$((_i + 1))
	done
	return 1
}

# start_on_port NAME WHAT ALSO HEALTH CMD ARGS...: "$DRV" CMD --listen
# 127.0.0.1:PORT (and ALSO:PORT when ALSO is set) ARGS on a free port,
# polled until it listens (HEALTH empty: and /v1/health answers), a fresh
# port when that one was taken, 10 times; sets port_NAME and pid_NAME.
# WHAT names it in the message if it never comes up.
start_on_port() {
	_name=$1
	_what=$2
	_also=$3
	_health=$4
	_cmd=$5
	shift 5
	_try=0
	while [ $_try -lt 10 ]; do
		pick_port
		_port=$PORT
		"$DRV" "$_cmd" --listen "127.0.0.1:$_port" \
		    ${_also:+--listen "$_also:$_port"} "$@" \
		    >>"$T/$_name.log" 2>&1 &
		_pid=$!
		wait_ready "$T/$_name.log" "$_port" "$_pid" $_health
		_rc=$?
		if [ $_rc -eq 0 ]; then
			PIDS="$PIDS $_pid"
			eval "port_$_name=$_port pid_$_name=$_pid"
			return 0
		fi
		kill "$_pid" 2>/dev/null && wait "$_pid"
		[ $_rc -ne 3 ] && break
		_try=$((_try + 1))
	done
	echo "# could not start $_what $_name:"
	sed 's/^/#   /' "$T/$_name.log"
	return 1
}

# start_server NAME KEYFILE VERDICT INTERVAL_MS PROBE_MS [ARGS...]: a vote
# server named NAME on 127.0.0.1 (and on $ALSO_ON, same port, when set);
# sets port_NAME and pid_NAME.
start_server() {
	_sv_name=$1
	echo "$3" >"$T/$_sv_name.verdict"
	_sv_key=$2
	_sv_interval=$4
	_sv_probe=$5
	shift 5
	start_on_port "$_sv_name" "vote server" "${ALSO_ON:-}" "" serve \
	    --secret "$_sv_key" --name "$_sv_name" \
	    --verdict-file "$T/$_sv_name.verdict" \
	    --count-file "$T/$_sv_name.count" --interval-ms "$_sv_interval" \
	    --probe-ms "$_sv_probe" "$@"
}

# start_fake NAME ARGS...: test_vote_server fake; sets port_NAME, pid_NAME.
start_fake() {
	_sv_name=$1
	shift
	start_on_port "$_sv_name" "fake server" "" nohealth fake "$@"
}

# mac KEYFILE STRING: lowercase hex HMAC-SHA256, by the openssl CLI.
mac() {
	printf '%s' "$2" | openssl dgst -sha256 -hmac "$(cat "$1")" -r |
	    cut -d' ' -f1
}
nonce() {
	openssl rand -hex 16
}
now() {
	date +%s
}

# get PORT QUERY [CURL ARGS...]: GET /v1/vote?QUERY; the status on stdout,
# the body in $T/body, the headers in $T/hdr.
get() {
	_p=$1
	_q=$2
	shift 2
	curl -sS -g -m 10 -o "$T/body" -D "$T/hdr" -w '%{http_code}' "$@" \
	    "http://127.0.0.1:$_p/v1/vote?$_q"
}
# signed PORT KEYFILE QUERY [CURL ARGS...]: get with the Authorization of
# quorum/PROTOCOL.md.
signed() {
	_sp=$1
	_sk=$2
	_sq=$3
	shift 3
	get "$_sp" "$_sq" -H "Authorization: FA-HMAC-SHA256 $(mac "$_sk" "$(printf 'GET\n/v1/vote\n%s' "$_sq")")" "$@"
}
header() {	# header NAME: its value in $T/hdr
	tr -d '\r' <"$T/hdr" | grep -i "^$1: " | head -n 1 | cut -d' ' -f2-
}
count() {	# count NAME: probes so far
	cat "$T/$1.count" 2>/dev/null || echo 0
}
# wait_probes NAME N: poll (10 s at most) until NAME has finished N probes
# and its probed callback has reported the last of them.
wait_probes() {
	_i=0
	while [ $_i -lt 200 ]; do
		if [ "$(count "$1")" -ge "$2" ] && [ "$(sed -n \
		    's/^probes \([0-9]*\) .*/\1/p' "$T/$1.count.report" \
		    2>/dev/null || echo 0)" -ge "$2" ] 2>/dev/null; then
			return 0
		fi
		sleep 0.05
		_i=$((_i + 1))
	done
	return 1
}

openssl rand -hex 32 >"$T/vote.key"
openssl rand -hex 32 >"$T/wrong.key"
chmod 600 "$T/vote.key" "$T/wrong.key"
K=$T/vote.key

# ---------------------------------------------------------------- server
start_server paris "$K" down 60000 100 || { echo "Bail out! no server"; exit 1; }
P=$port_paris

is "$(curl -sS -o "$T/body" -w '%{http_code}' "http://127.0.0.1:$P/v1/health")" 200 \
    "health: 200 without auth"
is "$(cat "$T/body")" ok "health: body ok"
is "$(curl -sS -o /dev/null -w '%{http_code}' -X POST "http://127.0.0.1:$P/v1/health")" 405 \
    "health: POST is 405"
wait_probes paris 1; ok $? "paris: its first probe, unasked"

N1=$(nonce)
TS=$(now)
Q="target=primary&from=backup-ovh&ts=$TS&nonce=$N1"
is "$(signed "$P" "$K" "$Q")" 200 "vote: signed request answered 200"
BODY=$(cat "$T/body")
SIG=$(header X-FA-Signature)
is "$SIG" "$(mac "$K" "$BODY")" "vote: X-FA-Signature is the HMAC of the body"
is "$(jq -r .voter "$T/body")" paris "vote: voter"
is "$(jq -r .target "$T/body")" primary "vote: target"
is "$(jq -r .verdict "$T/body")" down "vote: verdict from the probe"
is "$(jq -r .nonce "$T/body")" "$N1" "vote: our nonce echoed"
ok "$(jq -e '(.ts|type) == "number" and (.checked_at|type) == "number"' "$T/body" >/dev/null; echo $?)" \
    "vote: ts and checked_at are numbers"
is "$(jq -r 'keys_unsorted|join(",")' "$T/body")" \
    "voter,target,verdict,checked_at,max_age,ts,nonce" \
    "vote: exactly the fields of quorum/PROTOCOL.md §5"
is "$(jq -r .max_age "$T/body")" 63 "vote: max_age: interval 60 s + probe 0.1 s, rounded up, + 2"
is "$(jq -r .checked_at "$T/body")" \
    "$(sed -n 's/.* checked_at \([0-9]*\) .*/\1/p' "$T/paris.count.report")" \
    "vote: checked_at is when the probe started"
is "$(header Content-Type)" application/json "vote: Content-Type"
is "$(count paris)" 1 "vote: no probe of its own"

# Replay and authentication: 401.
is "$(signed "$P" "$K" "$Q")" 401 "replayed nonce: 401"
grep -q "replayed" "$T/body"; ok $? "replayed nonce: says so"
Q=target=primary\&from=backup-ovh\&ts=$(now)\&nonce=$(nonce)
GOOD=$(mac "$K" "$(printf 'GET\n/v1/vote\n%s' "$Q")")
# The same MAC with its first digit changed.
case $GOOD in
0*) BAD=1${GOOD#?} ;;
*) BAD=0${GOOD#?} ;;
esac
is "$(get "$P" "$Q" -H "Authorization: FA-HMAC-SHA256 $BAD")" 401 "bad MAC: 401"
grep -q "bad MAC" "$T/body"; ok $? "bad MAC: says so"
is "$(header WWW-Authenticate)" FA-HMAC-SHA256 "bad MAC: WWW-Authenticate"
is "$(get "$P" "$Q")" 401 "missing MAC: 401"
is "$(get "$P" "$Q" -H "Authorization: Bearer $GOOD")" 401 "another scheme: 401"
is "$(signed "$P" "$T/wrong.key" "$Q")" 401 "MAC under another secret: 401"
Q2=$(printf '%s' "$Q" | sed 's/from=backup-ovh/from=backup-evil/')
is "$(get "$P" "$Q2" -H "Authorization: FA-HMAC-SHA256 $GOOD")" 401 \
    "query changed after signing: 401"
is "$(get "$P" "$Q" -H "Authorization: FA-HMAC-SHA256 $GOOD" \
    -H "Authorization: FA-HMAC-SHA256 $GOOD")" 400 "two Authorization headers: 400"
is "$(get "$P" "$Q" -H "Authorization: FA-HMAC-SHA256 $GOOD")" 200 \
    "the same request, untouched, is fine"
OLD=$(( $(now) - 120 ))
is "$(signed "$P" "$K" "target=primary&from=backup-ovh&ts=$OLD&nonce=$(nonce)")" 401 \
    "ts 120 s old: 401"
grep -q "stale timestamp" "$T/body"; ok $? "old ts: says stale timestamp"
FUT=$(( $(now) + 120 ))
is "$(signed "$P" "$K" "target=primary&from=backup-ovh&ts=$FUT&nonce=$(nonce)")" 401 \
    "ts 120 s ahead: 401"
NEAR=$(( $(now) - 10 ))
is "$(signed "$P" "$K" "target=primary&from=backup-ovh&ts=$NEAR&nonce=$(nonce)")" 200 \
    "ts 10 s old: inside the window"

# Targets: only "primary"; nothing in a request names what to probe.
C0=$(count paris)
is "$(signed "$P" "$K" "target=secondary&from=backup-ovh&ts=$(now)&nonce=$(nonce)")" 404 \
    "unknown target: 404"
is "$(signed "$P" "$K" "target=http://198.51.100.7:8080/health&from=backup-ovh&ts=$(now)&nonce=$(nonce)")" 404 \
    "a target that looks like a URL: 404"
is "$(signed "$P" "$K" "target=http%3A%2F%2F198.51.100.7%2F&from=backup-ovh&ts=$(now)&nonce=$(nonce)")" 404 \
    "a percent-encoded URL target: 404"
is "$(get "$P" "target=http://198.51.100.7/&from=backup-ovh&ts=$(now)&nonce=$(nonce)")" 401 \
    "a URL target without a MAC: 401"
is "$(count paris)" "$C0" "refused targets cost no probe"

# Malformed: 400 (even when correctly signed).
while IFS='|' read -r what q; do
	q=$(printf '%s' "$q" | sed "s/TS/$(now)/; s/NONCE/$(nonce)/")
	is "$(signed "$P" "$K" "$q")" 400 "malformed ($what): 400"
done <<'EOF'
no nonce|target=primary&from=backup-ovh&ts=TS
no target|from=backup-ovh&ts=TS&nonce=NONCE
duplicate target|target=primary&target=primary&from=backup-ovh&ts=TS&nonce=NONCE
duplicate nonce|target=primary&from=backup-ovh&ts=TS&nonce=NONCE&nonce=NONCE
unknown parameter|target=primary&from=backup-ovh&ts=TS&nonce=NONCE&host=192.0.2.1
non-hex nonce|target=primary&from=backup-ovh&ts=TS&nonce=0123456789abcdef0123456789abcdeg
short nonce|target=primary&from=backup-ovh&ts=TS&nonce=0123456789abcdef0123456789abcde
long nonce|target=primary&from=backup-ovh&ts=TS&nonce=0123456789abcdef0123456789abcdef0
upper-case nonce|target=primary&from=backup-ovh&ts=TS&nonce=0123456789ABCDEF0123456789ABCDEF
ts not a number|target=primary&from=backup-ovh&ts=now&nonce=NONCE
negative ts|target=primary&from=backup-ovh&ts=-5&nonce=NONCE
from not a name|target=primary&from=backup%20ovh&ts=TS&nonce=NONCE
empty from|target=primary&from=&ts=TS&nonce=NONCE
parameter without =|target=primary&from=backup-ovh&ts=TS&nonce=NONCE&x
EOF
is "$(curl -sS -o /dev/null -w '%{http_code}' -H "Authorization: FA-HMAC-SHA256 $GOOD" \
    "http://127.0.0.1:$P/v1/vote")" 400 "no query string: 400"

# Oversized: 431 for the request line and headers, 413 for a body.
PAD=$(head -c 5000 /dev/zero | tr '\0' 'a')
is "$(signed "$P" "$K" "target=primary&from=backup-ovh&ts=$(now)&nonce=$(nonce)&pad=$PAD")" 431 \
    "URL over 4 KiB: 431"
is "$(signed "$P" "$K" "target=primary&from=backup-ovh&ts=$(now)&nonce=$(nonce)" -H "X-Pad: $PAD")" 431 \
    "headers over 4 KiB: 431"
BIG=$(head -c 40000 /dev/zero | tr '\0' 'a')
code=$(get "$P" "x=1" -H "X-Pad: $BIG")
case $code in 431|413|414) r=0 ;; *) r=1 ;; esac
ok $r "headers of 40 KiB refused (libmicrohttpd's own limit: $code)"
head -c 5000 /dev/zero | tr '\0' 'a' >"$T/bigbody"
is "$(signed "$P" "$K" "target=primary&from=backup-ovh&ts=$(now)&nonce=$(nonce)" \
    -X GET --data-binary @"$T/bigbody")" 413 "a 5 KiB body: 413"
is "$(signed "$P" "$K" "target=primary&from=backup-ovh&ts=$(now)&nonce=$(nonce)" \
    -X GET --data-binary x)" 413 "any body: 413"
is "$(curl -sS -o /dev/null -w '%{http_code}' "http://127.0.0.1:$P/v1/health")" 200 \
    "still serving after the oversized requests"

# Other paths and methods.
is "$(curl -sS -o /dev/null -w '%{http_code}' "http://127.0.0.1:$P/")" 404 "/: 404"
is "$(curl -sS -o /dev/null -w '%{http_code}' "http://127.0.0.1:$P/v1/vote/?$Q")" 404 "/v1/vote/: 404"
is "$(curl -sS -o /dev/null -w '%{http_code}' "http://127.0.0.1:$P/v1/votes")" 404 "/v1/votes: 404"
is "$(curl -sS -o /dev/null -w '%{http_code}' -X POST "http://127.0.0.1:$P/v1/vote?$Q")" 405 \
    "POST /v1/vote: 405"
is "$(curl -sS -o /dev/null -D "$T/hdr" -w '%{http_code}' -X DELETE "http://127.0.0.1:$P/v1/vote")" 405 \
    "DELETE /v1/vote: 405"
is "$(header Allow)" GET "405 says Allow: GET"
is "$(curl -sS -I -o /dev/null -w '%{http_code}' "http://127.0.0.1:$P/v1/health")" 200 "HEAD /v1/health: 200"

# The log: each refusal with the peer and why, never a secret or a MAC.
grep -q "refused 127.0.0.1: 401 bad MAC" "$T/paris.log"; ok $? "log: bad MAC refusal with the peer"
grep -q "refused 127.0.0.1: 401 replayed nonce" "$T/paris.log"; ok $? "log: replay refusal"
grep -q "refused 127.0.0.1: 404 unknown target" "$T/paris.log"; ok $? "log: unknown target refusal"
grep -q "refused 127.0.0.1: 431" "$T/paris.log"; ok $? "log: oversized refusal"
grep -q "refused 127.0.0.1: 400 malformed" "$T/paris.log"; ok $? "log: malformed refusal"
grep -qF "$(cat "$K")" "$T/paris.log"; ok $((!$?)) "log: the secret never appears"
grep -qF "$GOOD" "$T/paris.log"; ok $((!$?)) "log: no MAC appears"
grep -qF "$SIG" "$T/paris.log"; ok $((!$?)) "log: no signature appears"

# Every listen address is served (two here; IPv6 needs no more code, but
# tests send traffic to 127.0.0.0/8 only).
ALSO_ON=127.0.0.2 start_server twoaddr "$K" up 60000 0 || { echo "Bail out! no server"; exit 1; }
is "$(curl -sS -m 5 "http://127.0.0.2:$port_twoaddr/v1/health")" ok \
    "listen on two addresses: the second one answers"
is "$(signed "$port_twoaddr" "$K" "target=primary&from=a&ts=$(now)&nonce=$(nonce)")" 200 \
    "listen on two addresses: the first one votes"
grep -q "listening on 127.0.0.2:$port_twoaddr" "$T/twoaddr.log"; ok $? "both addresses logged"

# A full replay cache refuses (503) rather than forget a nonce early.
start_server tiny "$K" up 60000 0 --nonce-max 2 || { echo "Bail out! no server"; exit 1; }
is "$(signed "$port_tiny" "$K" "target=primary&from=a&ts=$(now)&nonce=$(nonce)")" 200 \
    "replay cache of 2: first nonce"
is "$(signed "$port_tiny" "$K" "target=primary&from=a&ts=$(now)&nonce=$(nonce)")" 200 \
    "replay cache of 2: second nonce"
is "$(signed "$port_tiny" "$K" "target=primary&from=a&ts=$(now)&nonce=$(nonce)")" 503 \
    "replay cache full: 503"
is "$(header Retry-After)" 5 "replay cache full: Retry-After"
grep -q "503 replay cache full" "$T/tiny.log"; ok $? "replay cache full: logged"

# ---------------------------------------------------------------- probes
# Before the first probe has finished (it takes 10 min here): "unknown", at
# once, with max_age.
start_server first "$K" down 60000 600000 || { echo "Bail out! no server"; exit 1; }
is "$(signed "$port_first" "$K" "target=primary&from=backup-ovh&ts=$(now)&nonce=$(nonce)")" 200 \
    "no probe finished yet: 200"
is "$(jq -r .verdict "$T/body")" unknown "no probe finished yet: unknown"
ok "$([ -e "$T/first.count.probing" ] && [ "$(count first)" -eq 0 ]; echo $?)" \
    "no probe finished yet: answered while the probe runs"

# On its own clock: probes without any request, every interval.
start_server clock "$K" up 100 0 || { echo "Bail out! no server"; exit 1; }
wait_probes clock 3; ok $? "interval 100 ms: three probes, nobody asked"
echo down >"$T/clock.verdict"
C=$(count clock)
wait_probes clock $((C + 2)); ok $? "interval: probing goes on"
is "$(signed "$port_clock" "$K" "target=primary&from=a&ts=$(now)&nonce=$(nonce)")" 200 \
    "interval: vote 200"
is "$(jq -r .verdict "$T/body")" down "interval: the latest probe's verdict"

# A slow primary: the first probe (3 s) has finished, the second is under
# way; a burst of 20 votes is answered from the first, none waits for the
# second (the probe count is the same after every answer).
start_server lyon "$K" up 200 3000 --max-per-ip 32 || { echo "Bail out! no server"; exit 1; }
wait_probes lyon 1; ok $? "slow primary: first probe done"
echo down >"$T/lyon.verdict"
# Sign all 20 first, then fire them together.
i=0
while [ $i -lt 20 ]; do
	q="target=primary&from=backup-ovh&ts=$(now)&nonce=$(nonce)"
	echo "$q $(mac "$K" "$(printf 'GET\n/v1/vote\n%s' "$q")")" >"$T/burst.$i.req"
	i=$((i + 1))
done
BURST=""
i=0
while [ $i -lt 20 ]; do
	read -r q m <"$T/burst.$i.req"
	curl -sS -g -m 10 -o "$T/burst.$i.json" -w '%{http_code}\n' \
	    -H "Authorization: FA-HMAC-SHA256 $m" \
	    "http://127.0.0.1:$port_lyon/v1/vote?$q" >"$T/burst.$i.code" &
	BURST="$BURST $!"
	i=$((i + 1))
done
for p in $BURST; do
	wait "$p"
done
C_AFTER=$(count lyon)
is "$(cat "$T"/burst.*.code | sort | uniq -c | sed 's/^ *//')" "20 200" "burst: 20 answers, all 200"
is "$(cat "$T"/burst.*.json | jq -r .verdict | sort | uniq -c | sed 's/^ *//')" "20 up" \
    "burst: 20 votes up, from the finished probe"
is "$C_AFTER" 1 "burst: answered while the second probe ran (still 1 probe done)"
# The second probe read "up" as it started; the third reads "down".
wait_probes lyon 3; ok $? "slow primary: the third probe ends"
is "$(signed "$port_lyon" "$K" "target=primary&from=backup-ovh&ts=$(now)&nonce=$(nonce)")" 200 \
    "after the third probe: 200"
is "$(jq -r .verdict "$T/body")" down "after the third probe: its verdict"

# ---------------------------------------------------------------- client
start_server nyc "$T/wrong.key" down 60000 0 || { echo "Bail out! no server"; exit 1; }
start_server oslo "$K" down 60000 0 || { echo "Bail out! no server"; exit 1; }
kill "$pid_oslo"
wait "$pid_oslo"
is "$?" 0 "a vote server stops cleanly on SIGTERM"
forget "$pid_oslo"
grep -q "vote-server: stopping" "$T/oslo.log"; ok $? "and says so"

ask() {	# ask NEED MAX_UP TIMEOUT_MS NAME=URL...
	_need=$1 _max=$2 _to=$3
	shift 3
	"$DRV" ask --secret "$K" --from backup-ovh --timeout-ms "$_to" \
	    --need "$_need" --max-up "$_max" "$@" >"$T/ask.out" 2>"$T/ask.err"
}
spare() {	# spare NAME: "REASON VERDICT VOTER" from the last ask
	sed -n "s/^spare $1 \([^ ]*\) \([^ ]*\) \([^ ]*\) .*/\1 \2 \3/p" "$T/ask.out"
}
tally() {
	sed -n 's/^tally \([^ ]*\).*/\1/p' "$T/ask.out"
}

U_PARIS=http://127.0.0.1:$port_paris
U_NYC=http://127.0.0.1:$port_nyc
U_OSLO=http://127.0.0.1:$port_oslo
U_TWO=http://127.0.0.1:$port_twoaddr

ask 1 0 3000 paris=$U_PARIS nyc=$U_NYC oslo=$U_OSLO
is "$(spare paris)" "valid down paris" "client: paris votes down"
is "$(spare nyc)" "bad-signature - -" "client: wrong secret abstains (bad-signature)"
grep -q "^spare nyc .* 401 | HTTP 401: bad MAC" "$T/ask.out"
ok $? "client: ... because nyc refused our MAC (HTTP 401: bad MAC)"
is "$(spare oslo)" "no-answer - -" "client: stopped spare abstains (no-answer)"
is "$(tally)" confirmed "client: need 1, one down vote: CONFIRMED"
grep -q "^down_votes 1$" "$T/ask.out"; ok $? "client: one down vote (veto count)"
sed 's/^/# /' "$T/ask.out"

ask 2 0 3000 paris=$U_PARIS nyc=$U_NYC oslo=$U_OSLO
is "$(tally)" isolated "client: need 2, one valid answer: ISOLATED"

ask 2 0 3000 paris=$U_PARIS twoaddr=$U_TWO nyc=$U_NYC oslo=$U_OSLO
is "$(spare twoaddr)" "valid up twoaddr" "client: twoaddr votes up"
is "$(tally)" partition "client: need 2, max_up 0, one up: PARTITION"
ask 2 1 3000 paris=$U_PARIS twoaddr=$U_TWO nyc=$U_NYC oslo=$U_OSLO
is "$(tally)" confirmed "client: max_up 1, one up: CONFIRMED"

ask 2 0 3000 paris=$U_PARIS paris2=$U_PARIS/
is "$(spare paris2)" "voter-mismatch - -" "client: paris's answer does not count for paris2"
is "$(tally)" isolated "client: so need 2 is not met"
grep -q "^spare paris2 voter-mismatch .*signed by voter 'paris', not by 'paris2'" "$T/ask.out"
ok $? "client: voter-mismatch names both"

# need_down: two spares that could not probe (unknown), need 2.
start_server blind1 "$K" unknown 60000 0 || { echo "Bail out! no server"; exit 1; }
start_server blind2 "$K" unknown 60000 0 || { echo "Bail out! no server"; exit 1; }
wait_probes blind1 1 && wait_probes blind2 1; ok $? "blind spares probed"
ask 2 0 3000 blind1=http://127.0.0.1:$port_blind1 blind2=http://127.0.0.1:$port_blind2
is "$(spare blind1)" "valid unknown blind1" "client: unknown is a valid answer"
is "$(tally)" unconfirmed "client: two unknown, need 2: UNCONFIRMED"

# A primary gone silent: every probe of this spare lasts its whole check
# timeout (3 s here, longer than its 1 s interval); a backup that waits
# only 2 s still gets a valid, fresh vote, whenever it asks.
start_server silent "$K" down 1000 3000 || { echo "Bail out! no server"; exit 1; }
wait_probes silent 2; ok $? "silent primary: two 3 s probes done"
for i in 1 2 3; do
	ask 1 0 2000 silent=http://127.0.0.1:$port_silent
	is "$(spare silent)" "valid down silent" "silent primary: vote $i within a 2 s timeout, not stale"
	sleep 1	# not a wait for anything: votes at different ages
done
is "$(sed -n 's/.* max_age \([0-9]*\)$/\1/p' "$T/silent.count.report")" 8 \
    "silent primary: max_age = max(1 s, 3 s) + 3 s + 2"
kill "$pid_silent"
wait "$pid_silent"
is "$?" 0 "silent primary: the spare stops cleanly during a probe"
forget "$pid_silent"

# Stale: a spare whose probe started longer ago than its max_age (0 here,
# with probes of 1.5 s: ts - checked_at is at least 1).
start_server stale "$K" down 100 1500 --max-age 0 || { echo "Bail out! no server"; exit 1; }
wait_probes stale 1; ok $? "stale spare probed"
ask 1 0 3000 stale=http://127.0.0.1:$port_stale paris=$U_PARIS
is "$(spare stale)" "stale - -" "client: a vote older than its max_age abstains (stale)"
grep -q "^spare stale stale .*over max_age 0 s" "$T/ask.out"; ok $? "client: stale says why"
is "$(tally)" confirmed "client: paris alone confirms"

# Answers a vote server never gives.
start_fake hang --hang || { echo "Bail out! no fake"; exit 1; }
start_fake redirect --status 302 --location "$U_PARIS/v1/vote" || { echo "Bail out! no fake"; exit 1; }
start_fake big --status 200 --body-bytes 5000 || { echo "Bail out! no fake"; exit 1; }
C0=$(count paris)
ask 1 0 1000 hang=http://127.0.0.1:$port_hang redirect=http://127.0.0.1:$port_redirect \
    big=http://127.0.0.1:$port_big paris=$U_PARIS
is "$(spare hang)" "no-answer - -" "client: a spare that never answers: no-answer at the deadline"
is "$(spare redirect)" "http-status - -" "client: a redirect is not followed (http-status)"
is "$(spare big)" "too-large - -" "client: a body over 4 KiB: too-large"
is "$(spare paris)" "valid down paris" "client: a slow spare does not hold the others back"
is "$(count paris)" "$C0" "client: paris answered from its latest probe"
is "$(tally)" confirmed "client: tally with one valid answer of four, need 1"
sed 's/^/# /' "$T/ask.out"

# Health, for config-test: which spares answer /v1/health (no secret).
"$DRV" health --timeout-ms 1000 paris=$U_PARIS oslo=$U_OSLO \
    redirect=http://127.0.0.1:$port_redirect big=http://127.0.0.1:$port_big \
    nyc=$U_NYC/ >"$T/health.out" 2>&1
hs() {
	sed -n "s/^spare $1 \([^ ]*\) .*/\1/p" "$T/health.out"
}
is "$(hs paris)" valid "health: paris answers"
is "$(hs nyc)" valid "health: nyc answers (no secret involved)"
is "$(hs oslo)" no-answer "health: stopped oslo does not"
is "$(hs redirect)" http-status "health: a redirect is not ok"
is "$(hs big)" too-large "health: a 5000-byte answer is not ok"
is "$(sed -n 's/^answered //p' "$T/health.out")" 2 "health: two of five answer"

# https: the certificate is verified.
openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=localhost -days 1 \
    -keyout "$T/tls.key" -out "$T/tls.crt" >/dev/null 2>&1
# s_server prints ACCEPT once it listens; it exits if the port is taken.
TLS_PORT=""
for _t in 1 2 3 4 5; do
	pick_port
	: >"$T/tls.log"
	openssl s_server -accept "127.0.0.1:$PORT" -cert "$T/tls.crt" \
	    -key "$T/tls.key" -www >"$T/tls.log" 2>&1 &
	TLS_PID=$!
	i=0
	while [ $i -lt 200 ] && kill -0 $TLS_PID 2>/dev/null &&
	    ! grep -q ACCEPT "$T/tls.log"; do
		sleep 0.05
		i=$((i + 1))
	done
	if grep -q ACCEPT "$T/tls.log" && kill -0 $TLS_PID 2>/dev/null; then
		TLS_PORT=$PORT
		PIDS="$PIDS $TLS_PID"
		break
	fi
	kill $TLS_PID 2>/dev/null
	wait $TLS_PID
done
ok "$([ -n "$TLS_PORT" ]; echo $?)" "an https server with a self-signed certificate"
ask 1 0 3000 tls=https://127.0.0.1:$TLS_PORT
is "$(spare tls)" "tls-failed - -" "client: a self-signed https spare is refused (tls-failed)"

# Bad spare URLs are our problem, said as such.
ask 1 0 1000 ftp=ftp://127.0.0.1:21 query=http://127.0.0.1:1/?x=1
is "$(spare ftp)" "internal-error - -" "client: ftp:// refused"
is "$(spare query)" "internal-error - -" "client: a URL with a query refused"
ask 1 0 1000
is "$(tally)" isolated "client: no spares, need 1: ISOLATED"

# Stopping while a probe runs: the server exits cleanly.
is "$(curl -sS -m 5 "http://127.0.0.1:$port_first/v1/health")" ok \
    "slow spare: /v1/health answers during the probe"
kill "$pid_first"
wait "$pid_first"
is "$?" 0 "slow spare: stops cleanly during a probe"
forget "$pid_first"

# ---------------------------------------------------------------- attack
# 250 slowloris connections from 127.0.0.3 (one byte every 0.3 s, never a
# whole request; max_per_ip raised so that every one of them is accepted
# and held): a signed vote from 127.0.0.1 is still answered, and the server
# closes each slow connection at its request deadline (1 s from accept).
start_server siege "$K" down 60000 0 --max-per-ip 1000 --max-conn 2000 \
    --request-timeout-ms 1000 || { echo "Bail out! no server"; exit 1; }
wait_probes siege 1
python3 t/lib/slowclient.py --source 127.0.0.3 --host 127.0.0.1 \
    --port "$port_siege" --count 250 --every 0.3 --state "$T/slow.state" \
    >"$T/slowclient.log" 2>&1 &
SLOW_PID=$!
PIDS="$PIDS $SLOW_PID"
i=0
while [ $i -lt 200 ] && ! grep -q "^opened 250 " "$T/slow.state" 2>/dev/null; do
	sleep 0.05
	i=$((i + 1))
done
grep -q "^opened 250 " "$T/slow.state"; ok $? "slowloris: 250 connections open"
is "$(signed "$port_siege" "$K" "target=primary&from=backup-ovh&ts=$(now)&nonce=$(nonce)" \
    --interface 127.0.0.1)" 200 "slowloris: a signed vote is answered meanwhile"
is "$(jq -r .verdict "$T/body")" down "slowloris: with the verdict"
i=0
while [ $i -lt 200 ] && ! grep -q "closed 250$" "$T/slow.state"; do
	sleep 0.05
	i=$((i + 1))
done
grep -q "closed 250$" "$T/slow.state"; ok $? "slowloris: every slow connection closed by the server ($(cat "$T/slow.state"))"
grep -q "refused 127.0.0.3: closed: no whole request within 1000 ms" "$T/siege.log"
ok $? "slowloris: logged with the peer"
kill "$SLOW_PID"
wait "$SLOW_PID"
forget "$SLOW_PID"

# Idle keep-alive: a connection left open after its answer is closed by the
# server (its next request is due within the deadline too).
python3 - "$port_siege" >"$T/idle.out" 2>&1 <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])),
                             source_address=("127.0.0.1", 0))
s.sendall(b"GET /v1/health HTTP/1.1\r\nHost: x\r\n\r\n")
buf = b""
while b"\r\n\r\nok" not in buf:
    buf += s.recv(4096)
s.settimeout(10)
print("closed" if s.recv(4096) == b"" else "data")
PY
is "$(cat "$T/idle.out")" closed "idle keep-alive: closed by the server after its answer"

# [vote] allow: only 127.0.0.1/32 may connect; 127.0.0.2 is refused at
# accept, with a log line.
start_server fenced "$K" up 60000 0 --allow 127.0.0.1/32 || { echo "Bail out! no server"; exit 1; }
is "$(curl -sS -m 5 --interface 127.0.0.1 "http://127.0.0.1:$port_fenced/v1/health")" ok \
    "allow: 127.0.0.1 is let in"
is "$(curl -s -m 5 -o /dev/null -w '%{http_code}' --interface 127.0.0.2 \
    "http://127.0.0.1:$port_fenced/v1/health")" 000 "allow: 127.0.0.2 is refused (no HTTP answer)"
grep -q "refused 127.0.0.2: connection: not in \[vote\] allow" "$T/fenced.log"
ok $? "allow: the refusal is logged with the peer"

# Every server stops cleanly (under ASan: no leak, no error) and logged
# nothing alarming.
for s in paris lyon clock nyc twoaddr tiny blind1 blind2 stale siege fenced; do
	eval "p=\$pid_$s"
	kill "$p"
	wait "$p"
	is "$?" 0 "$s stops cleanly"
	forget "$p"
done
grep -l "Sanitizer\|runtime error" "$T"/*.log >/dev/null 2>&1
ok $((!$?)) "no sanitizer report in the servers' logs"

echo "1..$n"
[ $failed -eq 0 ]
