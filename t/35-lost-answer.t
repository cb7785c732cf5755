#!/bin/sh
# 35-lost-answer.t: an UPDATE whose answer is lost is an unknown outcome,
# not "nothing changed" (issue 16 item 2).  A proxy (t/lib/dnsproxy.py)
# between the agent and a real BIND loses what each case needs, on a switch:
#   a. BIND applies the UPDATE, its answers (UDP, then the TCP copy) are
#      lost: read back, the change is there: ok, DNS at the backup.
#   b. the UPDATEs never reach BIND: read back, nothing changed: a plain
#      failure that says so.
#   c. the answer over UDP is lost, the copy resent over TCP fails its
#      prerequisite because the first copy landed: success, not a conflict.
#   d. the path dies as the UPDATE lands: the answer and every read back
#      are lost: unknown-outcome, "DNS may have changed".
FA_TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$FA_TOP/t/lib/scenario.sh"
scenario_require
scenario_setup || bail_out "scenario setup (named, primary, config)"

PX=$SC_DIR/proxy
mkdir "$PX" || bail_out "mkdir $PX"
echo pass > "$PX/mode"
: > "$PX/log"
python3 "$FA_TOP/t/lib/dnsproxy.py" 127.0.0.1 "$DNS_PORT" "$PX/mode" \
    "$PX/log" "$PX/port" 2> "$PX/err" &
PROXY_PID=$!
i=0
while [ ! -s "$PX/port" ] && [ $i -lt 100 ] &&
    kill -0 "$PROXY_PID" 2> /dev/null; do
	sleep 0.05
	i=$((i + 1))
done
[ -s "$PX/port" ] || bail_out "dnsproxy did not start: $(cat "$PX/err")"
PROXY_PORT=$(cat "$PX/port")
trap 'kill "$PROXY_PID" 2> /dev/null; wait "$PROXY_PID" 2> /dev/null;
    scenario_cleanup' EXIT

# The agent talks to the proxy; dig (dig_a, soa_serial) to BIND itself.
# [dns] timeout 2s: 1000 ms over UDP, 1000 ms over TCP.
SC_DNS_EXTRA="timeout = 2s
verify_timeout = 2s"
real_port=$DNS_PORT
DNS_PORT=$PROXY_PORT
scenario_write_conf
DNS_PORT=$real_port

# The messages, as regular expressions.
SRV="127\\.0\\.0\\.1#$PROXY_PORT"
BOTH="\\(no answer over UDP in 1000 ms; no answer over TCP in 1000 ms\\)"

# back_to_primary WHO: DNS at the primary again through a clean path.
back_to_primary() {
	echo pass > "$PX/mode"
	run_fa failback
	is "$FA_RC" 0 "$1: failback through a clean path: exit 0"
	[ "$FA_RC" = 0 ] || diag "$FA_ERR"
	dns_points_at "$1: after the failback" "$PRIMARY_A" "$PRIMARY_AAAA"
	: > "$PX/log"
}

run_fa check
is "$FA_RC" 0 "first check through the proxy: exit 0"
[ "$FA_RC" = 0 ] || diag "$FA_ERR"
is "$(status_field 'd["state"]')" STANDBY "state STANDBY"

# --- a. BIND applies it, every answer to it is lost -----------------------
echo drop-update-answers > "$PX/mode"
run_fa failover
is "$FA_RC" 0 "a: the answer lost, the change there: exit 0"
[ "$FA_RC" = 0 ] || diag "$FA_ERR"
like "$(cat "$PX/log")" "drop udp answer opcode 5" \
    "a: the proxy dropped the answer over UDP"
like "$(cat "$PX/log")" "drop tcp answer opcode 5" \
    "a: and the answer to the copy over TCP"
dns_points_at "a: BIND" "$BACKUP_A" "$BACKUP_AAAA"
is "$(status_field 'd["state"]')" ACTIVE "a: state ACTIVE"
d=$(last_actions)
like "$d" "UPDATE sent to $SRV, no answer $BOTH: the answer was lost but the change is there" \
    "a: history names both attempts and says the change is there"
unlike "$d" "nothing was changed" "a: it does not say nothing changed"
back_to_primary a

# --- b. the UPDATEs never arrive ------------------------------------------
serial=$(soa_serial example.com)
echo drop-update > "$PX/mode"
run_fa failover
is "$FA_RC" 1 "b: the UPDATE lost on the way: exit 1"
like "$(cat "$PX/log")" "drop udp request opcode 5" \
    "b: the proxy dropped the UPDATE itself"
dns_points_at "b: BIND" "$PRIMARY_A" "$PRIMARY_AAAA"
is "$(soa_serial example.com)" "$serial" "b: serial unchanged"
d=$(last_actions)
like "$d" "timeout: example\\.com: UPDATE sent to $SRV, no answer $BOTH: nothing was changed \\(read back from $SRV: every record still holds the old addresses\\)" \
    "b: history: nothing was changed, known by reading back"
unlike "$d" "unknown-outcome" "b: not an unknown outcome"
is "$(status_field 'd["state"]')" STANDBY "b: still STANDBY"

# --- c. the UDP answer lost, the TCP copy fails its prerequisite -----------
echo drop-udp-update-answers > "$PX/mode"
: > "$PX/log"
run_fa failover
is "$FA_RC" 0 "c: the resent copy failed its prerequisite: exit 0"
[ "$FA_RC" = 0 ] || diag "$FA_ERR"
is "$(sort -u "$PX/log")" "drop udp answer opcode 5" \
    "c: only answers over UDP were dropped (one per zone)"
dns_points_at "c: BIND" "$BACKUP_A" "$BACKUP_AAAA"
is "$(status_field 'd["state"]')" ACTIVE "c: state ACTIVE"
d=$(last_actions)
like "$d" "example\\.com: $SRV took the update of 2 records: the answer to its first copy was lost, so it was sent again, and the second copy's prerequisite failed \\(nxrrset\\) because the first had landed" \
    "c: history says what happened"
unlike "$d" "conflict" "c: no conflict"
back_to_primary c

# --- d. the path dies as the UPDATE lands ----------------------------------
echo blackout-after-update > "$PX/mode"
run_fa failover
is "$FA_RC" 1 "d: unknown outcome: exit 1"
like "$(cat "$PX/log")" "drop udp answer opcode 5" \
    "d: the proxy dropped the UPDATE's answer"
like "$(cat "$PX/log")" "drop (udp|tcp) answer opcode 0" \
    "d: and the reads back"
dns_points_at "d: BIND (it took the change)" "$BACKUP_A" "$BACKUP_AAAA"
d=$(last_actions)
like "$d" "unknown-outcome: example\\.com: UPDATE sent to $SRV, no answer $BOTH: DNS may have changed \\(cannot read the records back from $SRV: no answer over UDP" \
    "d: history: unknown-outcome, DNS may have changed"
unlike "$d" "nothing was changed" "d: it does not say nothing changed"

done_testing
