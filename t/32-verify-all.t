#!/bin/sh
# 32-verify-all.t: [dns] verify = all against a real BIND primary and a
# real secondary fed by NOTIFY and IXFR (Knot DNS).
#
# NS records name hosts and carry no port, and [dns] port applies to every
# nameserver, so both servers listen on the same port, on two loopback
# addresses (all of 127/8 is local on Linux): ns1 = 127.0.0.1 (BIND, the
# primary, which takes the updates), ns2 = 127.0.0.2 (knotd: named only
# listens on addresses configured on an interface, and lo carries only
# 127.0.0.1; knotd binds the address it is given).  The zones hold NS
# records for both, with glue.
#
# A: both serve the change -> verified on every nameserver, exit 0.
# B: ns2 frozen (SIGSTOP: the kernel still queues its UDP and accepts TCP,
#    nobody answers) -> reported as lagging with its name, not hung on; the
#    move went through at the primary, so the state follows and the after
#    hook runs, and the cycle exits 1; once thawed, ns2 catches up.
# C: ns2 stopped -> the same, "no answer".
# D: a stale ns2 (the zone at serial 1: transfers broken) -> "serial 1 < N",
#    even though it holds the addresses the failback wants.
# E: an ns2 with a higher serial but the old addresses -> named by record.
FA_TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$FA_TOP/t/lib/scenario.sh"

scenario_require knotd
SC_VERIFY=all
SC_DNS_EXTRA="timeout = 1s
verify_timeout = 3s"

scenario_setup_ns2

# After hooks: they run only when the move went on.
cat > "$SC_DIR/hook.sh" <<'EOF'
#!/bin/sh
echo "$FA_EVENT" >> "${0%/*}/hook.log"
EOF
chmod 755 "$SC_DIR/hook.sh"
SC_EXTRA="[hooks]
after_failover = $SC_DIR/hook.sh
after_failback = $SC_DIR/hook.sh"
scenario_write_conf

NS2_PID=$(cat "$SC_DIR/ns2/knot.bgpid")
is "$(dig2 127.0.0.2 www.example.com A)" "$PRIMARY_A" \
    "ns2 serves the zone, transferred from ns1"
is "$(dig2 127.0.0.1 example.com NS)" "ns1.example.com. ns2.example.com." \
    "the NS set names both"

run_fa check
is "$FA_RC" 0 "first cycle: exit 0"
is "$(status_field 'd["state"]')" STANDBY "first cycle: STANDBY"

# -- A: both serve the change --------------------------------------------
run_fa failover
is "$FA_RC" 0 "A: failover: exit 0 (every nameserver serves the change)"
for s in 127.0.0.1 127.0.0.2; do
	is "$(dig2 $s www.example.com A)" "$BACKUP_A" "A: $s: www A"
	is "$(dig2 $s www.example.com AAAA)" "$BACKUP_AAAA" "A: $s: www AAAA"
	is "$(dig2 $s www.example.org A)" "$BACKUP_A" "A: $s: example.org"
done
like "$(history_field '[a["detail"] for a in d["cycles"][0]["actions"]
    if a["kind"] == "dns to_backup"][0]')" \
    "verified on every nameserver of the zone \(ns1\.example\.com \(127\.0\.0\.1#$DNS_PORT\), ns2\.example\.com \(127\.0\.0\.2#$DNS_PORT\)\), serial [0-9]+" \
    "A: history: verified on ns1 and ns2, named with their addresses"
is "$(status_field 'len(d["verify"]["lagging"])')" 0 \
    "A: status --json: verify.lagging is empty"
run_fa status
like "$FA_OUT" "last change: cycle #[0-9]+ to_backup at .*: verified, every nameserver served it" \
    "A: status says every nameserver served the last change, and which"
is "$(cat "$SC_DIR/hook.log")" "after_failover" "A: the after hook ran"

# -- B: ns2 frozen -------------------------------------------------------
kill -STOP "$NS2_PID"
run_fa failback
is "$FA_RC" 1 "B: failback with ns2 frozen: exit 1"
like "$FA_ERR" "ns2\.example\.com \(127\.0\.0\.2#$DNS_PORT\): no answer" \
    "B: the log names ns2 and says it did not answer"
is "$(dig2 127.0.0.1 www.example.com A)" "$PRIMARY_A" \
    "B: ns1 (the primary) serves the change"
is "$(status_field 'd["state"]')" STANDBY \
    "B: state STANDBY: the move applied at the primary, the state follows"
is "$(tail -n 1 "$SC_DIR/hook.log")" "after_failback" \
    "B: the after hook ran all the same"
is "$(status_field '" ".join(sorted(l["zone"] for l in d["verify"]["lagging"]))')" \
    "example.com. example.org." "B: status --json: both zones lag at ns2"
like "$(status_field 'd["verify"]["lagging"][0]["detail"]')" \
    "^ns2\.example\.com \(127\.0\.0\.2#$DNS_PORT\): no answer" \
    "B: status --json: the lagging detail names ns2"
run_fa status
like "$FA_OUT" "last change: cycle #[0-9]+ to_primary at .*: 2 nameservers did not serve it in time" \
    "B: status says two lag"
like "$FA_OUT" "  example.com. ns2.example.com \(127.0.0.2#$DNS_PORT\): no answer" \
    "B: status lists ns2 for example.com"
is "$(history_field '[a["result"] for a in d["cycles"][0]["actions"]
    if a["kind"] == "dns to_primary"]')" '["failed", "failed"]' \
    "B: history: the DNS actions failed (lagging)"
like "$(history_field '[a["detail"] for a in d["cycles"][0]["actions"]
    if a["kind"] == "dns to_primary"][0]')" \
    "^lagging: .*but after 3s not every nameserver serves it: ns2" \
    "B: history: the action says what lags"
is "$(history_field 'd["cycles"][0]["exit_code"]')" 1 "B: history: exit 1"
kill -CONT "$NS2_PID"
i=0
while [ "$(dig2 127.0.0.2 www.example.org A)" != "$PRIMARY_A" ] &&
    [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
is "$(dig2 127.0.0.2 www.example.org A)" "$PRIMARY_A" \
    "B: thawed, ns2 catches up (NOTIFY/IXFR)"

# -- C: ns2 stopped ------------------------------------------------------
knot_stop "$SC_DIR/ns2"
run_fa failover
is "$FA_RC" 1 "C: failover with ns2 stopped: exit 1"
is "$(status_field 'd["state"]')" ACTIVE "C: state ACTIVE"
like "$(status_field 'd["verify"]["lagging"][0]["detail"]')" \
    "^ns2\.example\.com \(127\.0\.0\.2#$DNS_PORT\): no answer" \
    "C: status --json: ns2 does not answer"
is "$(dig2 127.0.0.1 example.com AAAA)" "$BACKUP_AAAA" "C: ns1 serves it"

# -- D: a stale ns2 (serial 1, the primary's addresses) --------------------
ns2_start stale || bail_out "the stale ns2 did not start"
run_fa failback
is "$FA_RC" 1 "D: failback with a stale ns2: exit 1"
like "$(status_field 'd["verify"]["lagging"][0]["detail"]')" \
    "^ns2\.example\.com \(127\.0\.0\.2#$DNS_PORT\): serial 1 < [0-9]+$" \
    "D: serial 1 < the updated serial, though ns2 holds the wanted addresses"
is "$(status_field 'd["state"]')" STANDBY "D: state STANDBY"
knot_stop "$SC_DIR/stale"

# -- E: an ns2 ahead in serial, with the old addresses ---------------------
ns2_start ahead "" 1000 || bail_out "the serial-1000 ns2 did not start"
run_fa failover
is "$FA_RC" 1 "E: failover with ns2 at serial 1000: exit 1"
like "$(status_field '" | ".join(l["detail"] for l in d["verify"]["lagging"])')" \
    "ns2\.example\.com \(127\.0\.0\.2#$DNS_PORT\): serial 1000, but (www\.)?example\.com\. serves $PRIMARY_A, $PRIMARY_AAAA, not $BACKUP_A, $BACKUP_AAAA" \
    "E: the record it still serves the old way is named"

# -- verify = server ignores the other nameservers --------------------------
SC_VERIFY=server
scenario_write_conf
run_fa failback
is "$FA_RC" 0 "verify = server: ns2 is not asked: exit 0"
is "$(status_field 'len(d["verify"]["lagging"])')" 0 \
    "verify = server: nothing lagging recorded"

done_testing
