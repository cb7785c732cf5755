#!/bin/sh
# 70-partition.t: the quorum (failover-agent(8), THE QUORUM) on a simulated network of five
# hosts, each in its own network namespace made here (t/lib/netns.sh):
#
#     primary 198.18.0.10   stand-in web server (t/lib/primary.py) on :80
#     backup  198.18.0.20   failover-agent check (this test runs the cycles)
#     spare1  198.18.0.31   failover-agent vote-server on :8053
#     spare2  198.18.0.32   failover-agent vote-server on :8053
#     dns     198.18.0.53   BIND named on :53, the zones example.com, .org
#
# all on one bridge.  Faults are real network faults: a host's link set
# down, silent nft drops on the bridge between two hosts, a stopped
# server.  The DNS record data stays documentation addresses (192.0.2.10 /
# 198.51.100.20 ...).
#
# Scenarios, each from a fresh state database, healed links, DNS holding the
# primary's addresses, both spares up with the right secret:
#   a  primary really down                -> FAILOVER after fail_after cycles
#   b  the backup's own uplink down        -> ISOLATED, no DNS update tried
#   c  only backup <-> primary cut         -> PARTITION (the spares see it up)
#   d  one spare down, need = 1            -> FAILOVER
#   e  both spares down                    -> ISOLATED
#   f  a spare with the wrong secret       -> it abstains (bad-signature):
#                                             need = 2 ISOLATED, need = 1 FAILOVER
#   g  primary flapping every cycle        -> at most one FAILOVER/FAILBACK
#                                             per hold_down
# Each asserts the DNS answer (dig from the dns host), the outcome (and the
# votes) in `history --json`, and the exit code.
#
# Needs root (network namespaces); a machine where they cannot be made fails
# this test with the reason: it never skips.
FA_TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$FA_TOP/t/lib/tap.sh"
. "$FA_TOP/t/lib/named.sh"
. "$FA_TOP/t/lib/primary.sh"
. "$FA_TOP/t/lib/netns.sh"
. "$FA_TOP/t/lib/nsview.sh"

FA=${FA_BUILD:-build}/failover-agent
case $FA in
/*)	;;
*)	FA=$FA_TOP/$FA ;;
esac

PRIMARY_A=192.0.2.10
PRIMARY_AAAA=2001:db8::10
BACKUP_A=198.51.100.20
BACKUP_AAAA=2001:db8:1::20
MANAGED="example.com www.example.com www.example.org"
VOTE_PORT=8053

for _p in named tsig-keygen dig nsupdate python3 curl ss openssl; do
	command -v "$_p" > /dev/null 2>&1 ||
	    bail_out "missing program $_p (sh t/lib/deps.sh --install)"
done
[ -x "$FA" ] || bail_out "no failover-agent binary at $FA (run make, or set FA_BUILD)"

netns_setup || bail_out "cannot create network namespaces: $NETNS_ERROR"
T=$NETNS_DIR
IP_PRIMARY=$(netns_addr primary)
IP_DNS=$(netns_addr dns)
export FA_LOG_STDERR=1

# --- the servers ------------------------------------------------------------

mkdir "$T/named" "$T/primary" || bail_out "mkdir"
NAMED_KEYS="fa-key:hmac-sha256"
NAMED_RECORDS="@ www"
NAMED_A=$PRIMARY_A
NAMED_AAAA=$PRIMARY_AAAA
NAMED_LISTEN=$IP_DNS
NAMED_EXEC="ip netns exec $(netns_ns dns)"
named_start "$T/named" 53 example.com example.org ||
    bail_out "named did not start in the dns namespace"
netns_track named "$(cat "$T/named/named.bgpid")"
KEY_FILE=$T/named/fa-key.key

PRIMARY_LISTEN=$IP_PRIMARY
PRIMARY_EXEC="ip netns exec $(netns_ns primary)"
# spares_probed_since T0: spares probe on their own clock (every 0.2 s
# here); wait until each running spare's own status shows a probe that
# started after T0 (UNIX seconds), so that the next vote sees the change
# just made; at most 3 s per spare (a stopped one never catches up).
spares_probed_since() {
	for _sp in spare1 spare2; do
		[ -f "$T/$_sp.conf" ] || continue
		_w=0
		while [ $_w -lt 60 ]; do
			_ca=$("$FA" -c "$T/$_sp.conf" status --json 2> /dev/null |
			    python3 -c 'import json, sys
print((json.load(sys.stdin).get("probe") or {}).get("checked_at", 0))' \
			    2> /dev/null)
			[ "${_ca:-0}" -gt "$1" ] && break
			sleep 0.05
			_w=$((_w + 1))
		done
	done
}
primary_up() {
	[ -f "$T/primary/primary.bgpid" ] && return 0
	primary_start "$T/primary" 80 || return 1
	netns_track primary "$(cat "$T/primary/primary.bgpid")"
	spares_probed_since "$(date +%s)"
}
primary_down() {
	primary_stop "$T/primary" && netns_untrack primary || return 1
	spares_probed_since "$(date +%s)"
}
primary_up || bail_out "the stand-in primary did not start"

# The shared secret, and another one for the spare that does not share it.
(umask 077 && openssl rand -hex 32 > "$T/vote.key" &&
    openssl rand -hex 32 > "$T/wrong.key") || bail_out "openssl rand"

# spare_start NAME SECRET_FILE: a vote-server in NAME's namespace, its own
# check of the primary every 0.2 s (primary_up and primary_down wait for a
# probe after the change, so a scenario never sees the last one's
# verdict); wait, polling /v1/health from the spare itself, until it
# answers.
spare_start() {
	_ip=$(netns_addr "$1")
	cat > "$T/$1.conf" <<EOF
; written by t/70-partition.t
[agent]
name     = $1
role     = spare
state_db = $T/$1.db

[check:web]
type          = http
url           = http://$IP_PRIMARY/health
expect_status = 200
expect_body   = OK
timeout       = 1s

[quorum]
secret_file = $2

[vote]
listen = $_ip:$VOTE_PORT
interval = 0.2s
EOF
	netns_spawn "$1" "$1" "$FA" -c "$T/$1.conf" vote-server
	_i=0
	until [ "$(netns_exec "$1" curl -s -m 1 \
	    "http://$_ip:$VOTE_PORT/v1/health" 2>/dev/null)" = ok ]; do
		if ! kill -0 "$NETNS_PID" 2>/dev/null; then
			diag "vote-server on $1 exited; its log:"
			diag "$(cat "$T/$1.log")"
			return 1
		fi
		_i=$((_i + 1))
		[ $_i -lt 200 ] || { diag "vote-server on $1 never answered"; return 1; }
		sleep 0.05
	done
	echo "$2" > "$T/$1.secret"
	return 0
}

# spare_restart NAME SECRET_FILE: the same with another secret.
spare_restart() {
	netns_kill "$1"
	spare_start "$1" "$2"
}

spare_start spare1 "$T/vote.key" || bail_out "vote-server on spare1"
spare_start spare2 "$T/vote.key" || bail_out "vote-server on spare2"

# --- the backup -------------------------------------------------------------

# write_conf NAME: the backup's config and a fresh state database for
# scenario NAME.  Knobs: NEED MAX_UP FAIL_AFTER RECOVER_AFTER HOLD_DOWN.
write_conf() {
	STATE_DB=$T/state-$1.db
	CONF=$T/backup-$1.conf
	cat > "$CONF" <<EOF
; written by t/70-partition.t, scenario $1
[agent]
name          = backup
role          = backup
state_db      = $STATE_DB
fail_after    = ${FAIL_AFTER:-3}
recover_after = ${RECOVER_AFTER:-3}
failback      = auto
hold_down     = ${HOLD_DOWN:-2s}
interval      = 1

[site:primary]
address = $PRIMARY_A, $PRIMARY_AAAA
[site:backup]
address = $BACKUP_A, $BACKUP_AAAA

[check:web]
type          = http
url           = http://$IP_PRIMARY/health
expect_status = 200
expect_body   = OK
timeout       = 1s

[quorum]
secret_file = $T/vote.key
need        = ${NEED:-2}
max_up      = ${MAX_UP:-0}
timeout     = 2s

[spare:spare1]
url = http://$(netns_addr spare1):$VOTE_PORT
[spare:spare2]
url = http://$(netns_addr spare2):$VOTE_PORT

[dns]
method        = rfc2136
server        = $IP_DNS
port          = 53
tsig_key_file = $KEY_FILE
ttl           = 1
verify        = server
timeout       = 2s

[zone:example.com]
records = @, www
[zone:example.org]
records = www
EOF
}

# check: one cycle on the backup host; FA_RC, FA_ERR.
check() {
	netns_exec backup "$FA" -c "$CONF" check > "$T/fa.out" 2> "$T/fa.err"
	FA_RC=$?
	FA_ERR=$(cat "$T/fa.err")
}

serials() {
	echo "$(dig_at +short example.com SOA | awk '{ print $3 }')/$(dig_at +short example.org SOA | awk '{ print $3 }')"
}

# dns_points_at LABEL A AAAA: every managed record holds exactly A and AAAA.
dns_points_at() {
	for _n in $MANAGED; do
		is "$(answer "$_n" A)" "$2" "$1: $_n A"
		is "$(answer "$_n" AAAA)" "$3" "$1: $_n AAAA"
	done
}

# dns_reset: DNS back to the primary's addresses if a scenario changed it,
# the way a person would (nsupdate with the key, sent from the dns host).
dns_reset() {
	[ "$(answer www.example.com A)" = "$PRIMARY_A" ] &&
	    [ "$(answer www.example.org A)" = "$PRIMARY_A" ] &&
	    [ "$(answer example.com AAAA)" = "$PRIMARY_AAAA" ] && return 0
	for _z in example.com example.org; do
		{
			echo "server $IP_DNS 53"
			echo "zone $_z"
			if [ $_z = example.com ]; then _names="$_z www.$_z"; else _names="www.$_z"; fi
			for _n in $_names; do
				echo "update delete $_n A"
				echo "update delete $_n AAAA"
				echo "update add $_n 1 A $PRIMARY_A"
				echo "update add $_n 1 AAAA $PRIMARY_AAAA"
			done
			echo "send"
		} | netns_exec dns nsupdate -k "$KEY_FILE" || return 1
	done
	[ "$(answer www.example.com A)" = "$PRIMARY_A" ]
}

# reset NAME: the start of every scenario: links healed, the primary and
# both spares up with the right secret, DNS on the primary, a fresh state
# database, then one cycle with everything up: STANDBY, exit 0.
reset() {
	note "--- scenario $1"
	netns_heal || bail_out "netns_heal"
	primary_up || bail_out "primary did not restart"
	for _s in spare1 spare2; do
		if [ "$(cat "$T/$_s.secret")" != "$T/vote.key" ]; then
			spare_restart "$_s" "$T/vote.key" ||
			    bail_out "vote-server on $_s"
		fi
	done
	dns_reset || bail_out "could not reset DNS with nsupdate"
	write_conf "$1"
	check
	if [ "$FA_RC" != 0 ] ||
	    [ "$(hist 'c["state_after"]')" != STANDBY ]; then
		diag "$FA_ERR"
		bail_out "scenario $1: the first cycle, all up, is not a STANDBY exit 0"
	fi
	SERIALS=$(serials)
}

# fail_cycles N LABEL: N cycles that must each fail (exit 1) without
# deciding anything yet: state STANDBY, no votes asked.
fail_cycles() {
	_i=1
	_bad=
	while [ $_i -le "$1" ]; do
		check
		[ "$FA_RC" = 1 ] || _bad="$_bad cycle $_i exit $FA_RC;"
		[ "$(hist 'c["state_after"]')" = STANDBY ] ||
		    _bad="$_bad cycle $_i state $(hist 'c["state_after"]');"
		_i=$((_i + 1))
	done
	is "$_bad" "" "$2: $1 failed cycles exit 1 and stay STANDBY"
}

# outcome WANT RC LABEL: the cycle just run ended with outcome WANT and exit
# status RC, as the shell saw it and as history stored it.  The agent's log
# is shown when it did not.
outcome() {
	is "$FA_RC/$(hist '"%s/%s" % (c["outcome"], c["exit_code"])')" \
	    "$2/$1/$2" "$3: outcome $1, exit $2 (the shell's and history's)" ||
	    diag "$FA_ERR"
}

# ============================================================================
# a: the primary really down.  Its server stops; fail_after (3) cycles later
# both spares confirm (down, down) and DNS moves to the backup.
reset a
primary_down
ok $? "a: the primary's web server stopped"
fail_cycles 2 "a"
is "$(answer www.example.com A)" "$PRIMARY_A" "a: after 2 cycles DNS unchanged"
check
outcome FAILOVER 1 "a: cycle 3 (fail_after)"
is "$(hist 'c["primary_status"]')" FAIL "a: cycle 3: primary FAIL"
is "$(hist 'votes(c)')" "spare1:down spare2:down" \
    "a: history: both spares voted down, validly"
is "$(hist 'c["state_after"]')" ACTIVE "a: state ACTIVE"
dns_points_at "a: after the failover" "$BACKUP_A" "$BACKUP_AAAA"

# ============================================================================
# b: the backup's own uplink down.  Everything else is fine; the backup sees
# nothing at all.  It must not act: ISOLATED, and no DNS update tried.
reset b
netns_uplink_down backup
ok $? "b: the backup's uplink is down"
fail_cycles 2 "b"
check
outcome ISOLATED 1 "b: cycle 3"
is "$(hist 'c["primary_status"]')" FAIL "b: cycle 3: the backup sees the primary FAIL"
is "$(hist 'votes(c)')" "spare1:no-answer spare2:no-answer" \
    "b: history: neither spare answered"
check
outcome ISOLATED 1 "b: cycle 4"
is "$(hist 'dns_actions(d)')" 0 "b: history: no DNS action in any cycle"
is "$(hist 'c["state_after"]')" STANDBY "b: state still STANDBY"
netns_uplink_up backup
ok $? "b: the backup's uplink is back"
dns_points_at "b: after healing" "$PRIMARY_A" "$PRIMARY_AAAA"
is "$(serials)" "$SERIALS" "b: SOA serials unchanged (nothing was sent)"
check
is "$FA_RC:$(hist 'c["state_after"]')" "0:STANDBY" \
    "b: the next cycle, healed: exit 0, STANDBY"

# ============================================================================
# c: only the path between the backup and the primary is cut (silent nft
# drops on the bridge, both ways).  The spares still reach the primary
# and vote up: PARTITION, DNS unchanged.  Then the same with a one-way cut:
# the primary's packets to the backup are lost (its SYN-ACKs never come).
reset c
netns_cut backup primary
ok $? "c: backup <-> primary cut"
fail_cycles 2 "c"
check
outcome PARTITION 1 "c: cycle 3"
is "$(hist 'votes(c)')" "spare1:up spare2:up" \
    "c: history: both spares voted up, validly"
is "$(fa_status 'votes(d)')" "spare1:up spare2:up" \
    "c: status --json: the same votes"
is "$(hist 'dns_actions(d)')" 0 "c: history: no DNS action"
is "$(hist 'c["state_after"]')" STANDBY "c: state still STANDBY"
dns_points_at "c: partition" "$PRIMARY_A" "$PRIMARY_AAAA"
is "$(serials)" "$SERIALS" "c: SOA serials unchanged"

reset c-oneway
netns_cut_oneway primary backup
ok $? "c-oneway: primary -> backup cut, backup -> primary still open"
fail_cycles 2 "c-oneway"
check
outcome PARTITION 1 "c-oneway: cycle 3"
is "$(hist 'votes(c)')" "spare1:up spare2:up" \
    "c-oneway: history: both spares voted up"
dns_points_at "c-oneway: partition" "$PRIMARY_A" "$PRIMARY_AAAA"
is "$(serials)" "$SERIALS" "c-oneway: SOA serials unchanged"

# ============================================================================
# d: one spare unreachable (its uplink down), need = 1, the primary down:
# the other spare's vote is enough.
NEED=1
reset d
netns_uplink_down spare1
ok $? "d: spare1's uplink is down"
primary_down
ok $? "d: the primary's web server stopped"
fail_cycles 2 "d"
check
outcome FAILOVER 1 "d: cycle 3"
is "$(hist 'votes(c)')" "spare1:no-answer spare2:down" \
    "d: history: spare1 abstained (no answer), spare2 voted down"
dns_points_at "d: after the failover" "$BACKUP_A" "$BACKUP_AAAA"

# ============================================================================
# e: both spares unreachable, the primary down: nobody confirms, even with
# need = 1: ISOLATED, DNS unchanged.
NEED=1
reset e
netns_uplink_down spare1 && netns_uplink_down spare2
ok $? "e: both spares' uplinks are down"
primary_down
ok $? "e: the primary's web server stopped"
fail_cycles 2 "e"
check
outcome ISOLATED 1 "e: cycle 3"
is "$(hist 'votes(c)')" "spare1:no-answer spare2:no-answer" \
    "e: history: both abstained (no answer)"
is "$(hist 'dns_actions(d)')" 0 "e: history: no DNS action"
dns_points_at "e: isolated" "$PRIMARY_A" "$PRIMARY_AAAA"
is "$(serials)" "$SERIALS" "e: SOA serials unchanged"

# ============================================================================
# f: spare2 holds another secret.  Its vote is refused (bad-signature) and
# abstains: with need = 2 that leaves one valid vote -> ISOLATED; the same
# situation with need = 1 -> FAILOVER.
NEED=2
reset f
spare_restart spare2 "$T/wrong.key"
ok $? "f: spare2 restarted with the wrong secret"
primary_down
ok $? "f: the primary's web server stopped"
fail_cycles 2 "f"
check
outcome ISOLATED 1 "f: need = 2, cycle 3"
is "$(hist 'votes(c)')" "spare1:down spare2:bad-signature" \
    "f: history: spare2's vote abstains with reason bad-signature"
dns_points_at "f: need = 2" "$PRIMARY_A" "$PRIMARY_AAAA"
is "$(serials)" "$SERIALS" "f: need = 2: SOA serials unchanged"
# Same database (write_conf keeps the name), same faults; only need changes.
NEED=1
write_conf f
check
outcome FAILOVER 1 "f: need = 1, cycle 4"
is "$(hist 'votes(c)')" "spare1:down spare2:bad-signature" \
    "f: need = 1: spare2 still abstains; spare1's down is enough"
dns_points_at "f: need = 1" "$BACKUP_A" "$BACKUP_AAAA"

# ============================================================================
# g: the primary flaps every cycle (down, up, down, up, ...).  fail_after =
# recover_after = 1 so that every flap counts; hold_down 1h, far longer than
# the test: at most one FAILOVER or FAILBACK in all those cycles.
NEED=2
FAIL_AFTER=1
RECOVER_AFTER=1
HOLD_DOWN=1h
reset g
_i=1
_starts=ok
_rcs=
while [ $_i -le 8 ]; do
	if [ $((_i % 2)) = 1 ]; then
		primary_down || _starts="stop failed at cycle $_i"
	else
		primary_up || _starts="start failed at cycle $_i"
	fi
	check
	_rcs="$_rcs$FA_RC"
	_i=$((_i + 1))
done
is "$_starts" ok "g: the primary stopped and started 8 times"
is "$(hist '" ".join(c["outcome"] for c in reversed(d["cycles"][:8]) if c["outcome"] in ("FAILOVER", "FAILBACK")) or "none"')" \
    FAILOVER "g: history: exactly one FAILOVER (and no FAILBACK) in 8 flapping cycles"
is "$(hist 'd["cycles"][7]["outcome"]')" \
    FAILOVER "g: history: the failover was the first failed cycle"
is "$(hist 'sum(1 for c in d["cycles"][:8] if c["outcome"] == "HELD")')" 4 \
    "g: history: each of the 4 good cycles was HELD by hold_down"
is "$_rcs" 10101010 "g: exit 1 for each failed cycle, 0 for each good one"
is "$(hist 'c["state_after"]')" ACTIVE "g: still ACTIVE"
dns_points_at "g: after flapping" "$BACKUP_A" "$BACKUP_AAAA"
FAIL_AFTER=
RECOVER_AFTER=
HOLD_DOWN=

# ============================================================================
# The vote servers stop cleanly on SIGTERM (exit 0), and the teardown
# leaves nothing behind.
netns_heal
for _s in spare1 spare2; do
	netns_kill "$_s"
	is "$?" 0 "$_s: vote-server stopped cleanly on SIGTERM"
done
_prefix=$NETNS_PREFIX
_pids=$(for _n in $NETNS_MADE; do ip netns pids "$_n"; done | tr '\n' ' ')
netns_teardown
is "$(ip netns list | grep -c "^$_prefix")" 0 "teardown: no namespace left"
_left=
for _p in $_pids; do
	kill -0 "$_p" 2>/dev/null && _left="$_left $_p"
done
is "$_left" "" "teardown: no process left"

done_testing
