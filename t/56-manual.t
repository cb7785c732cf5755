#!/bin/sh
# 56-manual.t: a person's `failover` and `failback`: they move DNS now,
# are recorded in history as such, and failback refuses to point DNS at a
# primary that fails its checks unless --force.
FA_TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$FA_TOP/t/lib/scenario.sh"
scenario_require
scenario_setup || bail_out "scenario setup (named, primary, config)"

run_fa check
is "$FA_RC" 0 "first check: exit 0"
is "$(status_field 'd["state"]')" STANDBY "state STANDBY"

# --- failover with the primary up (no [quorum]: nothing to ask) -------------
run_fa failover
is "$FA_RC" 0 "failover with the primary up: exit 0"
[ "$FA_RC" = 0 ] || diag "$FA_ERR"
like "$FA_OUT" "FAILOVER" "it prints the outcome"
dns_points_at "after failover" "$BACKUP_A" "$BACKUP_AAAA"
is "$(status_field 'd["state"]')" ACTIVE "state ACTIVE"
is "$(history_field 'd["cycles"][0]["kind"]')" failover \
    "history: the cycle's kind is failover"
is "$(history_field 'd["cycles"][0]["outcome"]')" FAILOVER \
    "history: its outcome is FAILOVER"

run_fa failover
is "$FA_RC" 0 "failover again: exit 0 (already done)"
like "$FA_OUT" "already" "it says it is already done"
is "$(status_field 'd["state"]')" ACTIVE "still ACTIVE"

# --- failback with the primary up ---------------------------------------------
run_fa failback
is "$FA_RC" 0 "failback with the primary up: exit 0"
[ "$FA_RC" = 0 ] || diag "$FA_ERR"
dns_points_at "after failback" "$PRIMARY_A" "$PRIMARY_AAAA"
is "$(status_field 'd["state"]')" STANDBY "state STANDBY"
is "$(history_field 'd["cycles"][0]["kind"]')" failback \
    "history: the cycle's kind is failback"

# --- failback into a primary that is down: refused, unless --force -------------
run_fa failover
is "$FA_RC" 0 "failover again: exit 0"
is "$(status_field 'd["state"]')" ACTIVE "state ACTIVE"
primary_stop "$SC_DIR/primary"
ok $? "primary stopped"

run_fa failback
is "$FA_RC" 1 "failback with the primary down: exit 1"
like "$FA_OUT$FA_ERR" "REFUSED" "it says REFUSED"
like "$FA_OUT$FA_ERR" "--force" "it says --force overrides"
dns_points_at "after the refused failback" "$BACKUP_A" "$BACKUP_AAAA"
is "$(status_field 'd["state"]')" ACTIVE "still ACTIVE"
is "$(history_field 'd["cycles"][0]["outcome"]')" REFUSED \
    "history: the refused failback is recorded as REFUSED"

# A manual action that succeeds exits 0 even though the primary's probe
# failed: the operator asked for it and got it.
run_fa failback --force
is "$FA_RC" 0 "failback --force did what was asked: exit 0 even with the primary down"
like "$FA_OUT" "FAILBACK" "failback --force goes: it prints FAILBACK"
dns_points_at "after failback --force" "$PRIMARY_A" "$PRIMARY_AAAA"
is "$(status_field 'd["state"]')" STANDBY "state STANDBY"
is "$(history_field 'd["cycles"][0]["kind"]')" failback \
    "history: kind failback"
is "$(history_transitions)" \
    "UNKNOWN->STANDBY STANDBY->ACTIVE ACTIVE->STANDBY STANDBY->ACTIVE ACTIVE->STANDBY" \
    "history: every transition, in order"

done_testing
