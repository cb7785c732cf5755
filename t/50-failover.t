#!/bin/sh
# 50-failover.t: the whole story of issue 2 against a real BIND: steady
# state, the primary stops, fail_after cycles later DNS points at the backup,
# the primary returns, recover_after cycles and hold_down later DNS points at
# the primary again, and history tells it in order.
FA_TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$FA_TOP/t/lib/scenario.sh"
scenario_require
scenario_setup || bail_out "scenario setup (named, primary, config)"

serial_com=$(soa_serial example.com)
serial_org=$(soa_serial example.org)
isnt "$serial_com" "" "named serves example.com (serial $serial_com)"

# --- steady state -------------------------------------------------------
run_fa check
is "$FA_RC" 0 "first check, primary up: exit 0"
is "$(status_field 'd["state"]')" STANDBY \
    "first check reads DNS: it holds the primary's addresses, state STANDBY"
is "$(status_field 'd["primary_status"]')" OK "primary OK"
rc=0
for i in 1 2 3 4; do
	run_fa check
	[ "$FA_RC" = 0 ] || rc=$FA_RC
done
is "$rc" 0 "four more checks exit 0"
is "$(status_field 'd["state"]')" STANDBY "still STANDBY"
dns_points_at "steady state" "$PRIMARY_A" "$PRIMARY_AAAA"
is "$(soa_serial example.com)" "$serial_com" \
    "steady state: example.com serial unchanged (nothing sent)"
is "$(soa_serial example.org)" "$serial_org" \
    "steady state: example.org serial unchanged (nothing sent)"

# --- the primary stops ----------------------------------------------------
primary_stop "$SC_DIR/primary"
ok $? "primary stopped"

run_fa check
is "$FA_RC" 1 "failed cycle 1: exit 1"
is "$(status_field 'd["primary_status"]')" WARN "failed cycle 1: primary WARN"
is "$(status_field 'd["state"]')" STANDBY "failed cycle 1: still STANDBY"
is "$(dig_a www.example.com)" "$PRIMARY_A" "failed cycle 1: DNS unchanged"

run_fa check
is "$FA_RC" 1 "failed cycle 2: exit 1"
is "$(status_field 'd["primary_status"]')" CRITICAL \
    "failed cycle 2 (fail_after - 1): primary CRITICAL"
is "$(status_field 'd["state"]')" STANDBY "failed cycle 2: still STANDBY"
is "$(dig_a www.example.com)" "$PRIMARY_A" "failed cycle 2: DNS unchanged"
is "$(soa_serial example.com)" "$serial_com" "failed cycle 2: serial unchanged"

run_fa check
is "$FA_RC" 1 "failed cycle 3: exit 1 (the primary is down)"
[ "$FA_RC" = 1 ] || diag "$FA_ERR"
is "$(status_field 'd["primary_status"]')" FAIL \
    "failed cycle 3 (fail_after): primary FAIL"
is "$(status_field 'd["last_cycle"]["outcome"]')" FAILOVER \
    "failed cycle 3: outcome FAILOVER"
is "$(status_field 'd["state"]')" ACTIVE "status --json: state ACTIVE"
like "$(fa status 2>&1)" "ACTIVE" "status (human) says ACTIVE"
dns_points_at "after the failover" "$BACKUP_A" "$BACKUP_AAAA"
is "$(dig_ttl www.example.com A)" 1 "the new A rrset has the configured ttl"
is "$(dig_ttl example.com AAAA)" 1 "the new AAAA rrset has the configured ttl"
is "$(dig_a example.org)" "$PRIMARY_A" \
    "example.org @ (not managed) still holds the primary's address"
new_com=$(soa_serial example.com)
new_org=$(soa_serial example.org)
isnt "$new_com" "$serial_com" "example.com serial changed with the update"
isnt "$new_org" "$serial_org" "example.org serial changed with the update"

run_fa check
is "$FA_RC" 1 "failed cycle 4: exit 1"
is "$(status_field 'd["state"]')" ACTIVE "failed cycle 4: stays ACTIVE"
is "$(soa_serial example.com)" "$new_com" \
    "failed cycle 4: nothing sent (serial unchanged)"

# --- the primary returns --------------------------------------------------
primary_start "$SC_DIR/primary" "$PRIMARY_PORT"
ok $? "primary started again"

run_fa check
is "$FA_RC" 0 "good cycle 1: exit 0"
is "$(status_field 'd["primary_status"]')" INFO "good cycle 1: primary INFO"
is "$(status_field 'd["state"]')" ACTIVE "good cycle 1: still ACTIVE"
run_fa check
is "$FA_RC" 0 "good cycle 2: exit 0"
is "$(status_field 'd["primary_status"]')" INFO "good cycle 2: primary INFO"
is "$(status_field 'd["state"]')" ACTIVE "good cycle 2: still ACTIVE"
dns_points_at "before recover_after" "$BACKUP_A" "$BACKUP_AAAA"

run_fa check
is "$FA_RC" 0 "good cycle 3 (recover_after): exit 0"
is "$(status_field 'd["primary_status"]')" OK "good cycle 3: primary OK"
like "$(status_field 'd["last_cycle"]["outcome"]')" '^(FAILBACK|HELD)$' \
    "good cycle 3: failback, or held by hold_down"

# hold_down (2s) is a time window: poll cycles until the failback happens.
check_until_state STANDBY 60
ok $? "after hold_down a cycle fails back: state STANDBY"
is "$(status_field 'd["last_cycle"]["outcome"]')" FAILBACK \
    "the cycle that changed the state is a FAILBACK"
dns_points_at "after the failback" "$PRIMARY_A" "$PRIMARY_AAAA"
is "$(dig_ttl www.example.org A)" 1 "failback rrset has the configured ttl"

# --- history ----------------------------------------------------------------
is "$(history_transitions)" \
    "UNKNOWN->STANDBY STANDBY->ACTIVE ACTIVE->STANDBY" \
    "history --json: the three transitions, in order"
is "$(history_field '" ".join(c["outcome"] for c in reversed(d["cycles"]) if c["outcome"] in ("FAILOVER", "FAILBACK"))')" \
    "FAILOVER FAILBACK" "history --json: one FAILOVER cycle, one FAILBACK cycle"
hist=$(fa history -n 1000 2>&1)
like "$hist" "UNKNOWN -> STANDBY" "history shows UNKNOWN -> STANDBY"
like "$hist" "STANDBY -> ACTIVE" "history shows STANDBY -> ACTIVE"
like "$hist" "ACTIVE -> STANDBY" "history shows ACTIVE -> STANDBY"
is "$(sqlite3 "$STATE_DB" 'PRAGMA integrity_check')" ok \
    "the state database passes integrity_check"

done_testing
