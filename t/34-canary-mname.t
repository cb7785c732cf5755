#!/bin/sh
# 34-canary-mname.t: [dns] canary and a config without [dns] server, with
# the real binary against a real BIND named.
#
# Without server, the agent sends its changes to the zone's SOA MNAME, found
# through a resolver: here [dns] resolver points at the test named (which
# answers for its own zones; ns1, the MNAME, has glue 127.0.0.1), because
# the system resolver cannot be pointed at a test server.
#
# The canary: a signed UPDATE holding only a prerequisite, at most once per
# [dns] canary, in a cycle that moves no record.  It changes nothing (the
# SOA serial stays), shows in status (human and JSON) and history, and a
# refused one makes the cycle exit 1.
FA_TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$FA_TOP/t/lib/scenario.sh"

scenario_require
NAMED_NS="ns1=127.0.0.1"
scenario_setup || bail_out "scenario setup"
SC_DNS_SERVER=-
SC_DNS_EXTRA="resolver = 127.0.0.1:$DNS_PORT"
scenario_write_conf
MNAME="ns1.example.com (127.0.0.1#$DNS_PORT)"

canaries() {	# canary actions in history, oldest first: "ok failed ..."
	history_field '" ".join(a["result"] for c in reversed(d["cycles"])
	    for a in c["actions"] if a["kind"] == "canary")'
}

# -- no [dns] server: the SOA MNAME ------------------------------------------
run_fa config-test
is "$FA_RC" 0 "config-test without [dns] server: OK"
[ "$FA_RC" = 0 ] || diag "$FA_OUT" "$FA_ERR"
run_fa failover --dry-run
like "$FA_OUT" "www\.example\.com\. A $PRIMARY_A -> $BACKUP_A \(rfc2136 via ns1\.example\.com \(127\.0\.0\.1#$DNS_PORT\)\)" \
    "dry run: the plan goes to the MNAME, named with its address"

# -- the canary ------------------------------------------------------------
s_com=$(soa_serial example.com)
s_org=$(soa_serial example.org)
run_fa check
is "$FA_RC" 0 "first cycle: exit 0"
is "$(canaries)" "ok" "history: one canary, ok"
is "$(status_field 'd["canary"]["ok"]')" true "status --json: canary ok"
like "$(status_field 'd["canary"]["message"]')" \
    "^2 zones accept the canary: example.com: ns1\.example\.com \(127\.0\.0\.1#$DNS_PORT\) accepts our signed UPDATE \(key 'fa-key', hmac-sha256\)" \
    "status --json: the canary went to the MNAME, with our key"
ok "$([ "$(status_field 'd["canary"]["at"]')" -gt 0 ]; echo $?)" \
    "status --json: the canary's time"
is "$(soa_serial example.com)" "$s_com" "canary: example.com serial unchanged"
is "$(soa_serial example.org)" "$s_org" "canary: example.org serial unchanged"
run_fa status
like "$FA_OUT" "canary: ok at [0-9-]+ [0-9:]+: 2 zones accept the canary" \
    "status: the canary line"
unlike "$FA_OUT" "WARNING.*canary" "status: no canary warning (no spares is one, on purpose here)"

run_fa check
is "$FA_RC" 0 "second cycle: exit 0"
is "$(canaries)" "ok" "second cycle: no second canary within the hour"

# A cycle that moves records sends no canary (the move proves more).
run_fa failover
is "$FA_RC" 0 "failover at the MNAME: exit 0"
is "$(dig_a www.example.com)" "$BACKUP_A" "dig: www.example.com moved"
like "$(history_field '[a["detail"] for a in d["cycles"][0]["actions"]
    if a["kind"] == "dns to_backup"][0]')" \
    "example\.com: $(echo "$MNAME" | sed 's/[().]/\\&/g') took the update" \
    "history: the update went to the MNAME"
is "$(canaries)" "ok" "failover: no canary"
run_fa failback
is "$FA_RC" 0 "failback: exit 0"

# -- canary = 0: none ----------------------------------------------------------
SC_STATE_DB=$SC_DIR/off.db
SC_DNS_EXTRA="resolver = 127.0.0.1:$DNS_PORT
canary = 0"
scenario_write_conf
run_fa check
is "$FA_RC" 0 "canary = 0: exit 0"
is "$(canaries)" "" "canary = 0: no canary"
is "$(status_field 'd["canary"]')" "null" "canary = 0: status --json: null"
run_fa status
like "$FA_OUT" "canary: off \(\[dns\] canary = 0\)" "canary = 0: status says off"

# -- a short interval: again once it has passed ------------------------------
SC_STATE_DB=$SC_DIR/short.db
SC_DNS_EXTRA="resolver = 127.0.0.1:$DNS_PORT
canary = 1s"
scenario_write_conf
run_fa check
i=0
while [ "$(canaries)" = ok ] && [ $i -lt 50 ]; do
	sleep 0.2
	fa check 2> /dev/null
	i=$((i + 1))
done
is "$(canaries)" "ok ok" "canary = 1s: a second canary once a second has passed"
is "$(history_field '(lambda t: t[1] - t[0] >= 1)([a["at"] for c in
    reversed(d["cycles"]) for a in c["actions"] if a["kind"] == "canary"])')" \
    true "canary = 1s: the two are at least 1 s apart"

# -- a wrong secret: the canary fails, loudly ------------------------------------
sed 's/secret ".*"/secret "c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmU="/' \
    "$KEY_FILE" > "$SC_DIR/wrong.key"
chmod 600 "$SC_DIR/wrong.key"
SC_KEY_FILE=$SC_DIR/wrong.key
SC_STATE_DB=$SC_DIR/wrong.db
SC_DNS_EXTRA="resolver = 127.0.0.1:$DNS_PORT"
scenario_write_conf
s_com=$(soa_serial example.com)
run_fa check
is "$FA_RC" 1 "wrong secret: the canary fails the cycle: exit 1"
like "$FA_ERR" "canary: the canary failed for 2 of 2 zones: example\.com: BADSIG" \
    "wrong secret: the log says BADSIG"
is "$(canaries)" "failed" "wrong secret: history: the canary failed"
is "$(status_field 'd["canary"]["ok"]')" false "wrong secret: status --json"
is "$(status_field 'd["state"]')" STANDBY \
    "wrong secret: the state is not touched by a canary"
run_fa status
like "$FA_OUT" "WARNING: the DNS canary failed" "wrong secret: status warns"
like "$FA_OUT" "canary: FAILED at [0-9-]+ [0-9:]+: the canary failed for 2 of 2 zones" \
    "wrong secret: status: the canary line"
is "$(soa_serial example.com)" "$s_com" "wrong secret: serial unchanged"
run_fa history
like "$FA_OUT" "canary dns: failed: the canary failed for 2 of 2 zones" \
    "wrong secret: history shows the canary as an action"

# -- a resolver that does not answer: a clear message ------------------------------
SC_KEY_FILE=
SC_STATE_DB=$SC_DIR/nores.db
SC_DNS_EXTRA="resolver = 127.0.0.1:9
timeout = 1s"
scenario_write_conf
run_fa config-test
is "$FA_RC" 2 "silent resolver: config-test fails"
like "$FA_OUT$FA_ERR" "looking for the SOA MNAME of example\.com\.; set \[dns\] server" \
    "silent resolver: config-test says what it was looking for"

done_testing
