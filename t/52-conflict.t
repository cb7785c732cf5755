#!/bin/sh
# 52-conflict.t: a record a person changed by hand to an address the agent
# does not manage is never "corrected": not on a first run (UNKNOWN: the
# site is FAILED with a conflict), not during a failover.
FA_TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$FA_TOP/t/lib/scenario.sh"
scenario_require
scenario_setup || bail_out "scenario setup (named, primary, config)"

FOREIGN=203.0.113.7

run_fa check
is "$FA_RC" 0 "first check: exit 0"
is "$(status_field 'd["state"]')" STANDBY "state STANDBY"

nsupdate_by_hand example.com "update delete www.example.com. A
update add www.example.com. 300 A $FOREIGN"
ok $? "nsupdate by hand: www.example.com A $FOREIGN"
is "$(dig_a www.example.com)" "$FOREIGN" "dig shows the hand-made record"
serial=$(soa_serial example.com)

# --- a first run (UNKNOWN) that finds the foreign address -----------------
SC_STATE_DB=$SC_DIR/fresh.db
scenario_write_conf
run_fa check
is "$FA_RC" 1 "first run from UNKNOWN with a foreign address: exit 1"
like "$FA_ERR" "[Cc]onflict|CONFLICT|does not manage" \
    "its message says conflict"
is "$(status_field 'd["state"]')" FAILED "state FAILED"
is "$(status_field 'd["last_cycle"]["outcome"]')" CONFLICT "outcome CONFLICT"
is "$(status_field 'd["last_cycle"]["message"]')" \
    "conflict: www.example.com. A $FOREIGN is neither site's address; left alone: fix the record or the config" \
    "the cycle's message names exactly what differs"
is "$(status_field '[r["holds"] for r in d["records"] if r["owner"] == "www.example.com."][0]')" \
    other "status shows www.example.com holding an address it does not manage"
is "$(dig_a www.example.com)" "$FOREIGN" "the foreign record is left alone"
is "$(soa_serial example.com)" "$serial" "nothing sent to example.com"
run_fa check
is "$FA_RC" 1 "the next cycle: still the conflict, exit 1"
is "$(status_field 'd["last_cycle"]["outcome"]')" CONFLICT \
    "the next cycle's outcome is CONFLICT again"
is "$(dig_a www.example.com)" "$FOREIGN" "the foreign record is still left alone"
is "$(history_transitions)" "UNKNOWN->FAILED" \
    "history: one transition UNKNOWN->FAILED"

# --- a failover that finds it ---------------------------------------------
SC_STATE_DB=
scenario_write_conf
primary_stop "$SC_DIR/primary"
ok $? "primary stopped"
run_fa check
is "$FA_RC" 1 "failed cycle 1: exit 1"
run_fa check
is "$FA_RC" 1 "failed cycle 2: exit 1"
run_fa check
is "$FA_RC" 1 "failed cycle 3, failover meets the conflict: exit 1"
like "$FA_ERR" "[Cc]onflict|CONFLICT" "the run's message says conflict"
is "$(dig_a www.example.com)" "$FOREIGN" \
    "www.example.com A still holds the hand-made address"
is "$(dig_aaaa www.example.com)" "$PRIMARY_AAAA" \
    "www.example.com AAAA (same owner) not touched either"
isnt "$(status_field 'd["state"]')" ACTIVE "the site does not claim ACTIVE"
like "$(status_field 'd["last_cycle"]["outcome"]')" '^(ERROR|CONFLICT)$' \
    "the cycle's outcome is ERROR or CONFLICT"
like "$(fa history -n 1 2>&1)" "[Cc]onflict|CONFLICT" \
    "history (human) says conflict"
like "$(history_field '" ".join(a["detail"] for a in d["cycles"][0]["actions"])')" \
    "[Cc]onflict|CONFLICT" "history --json: the DNS action's detail says conflict"
like "$(history_field '" ".join(a["detail"] for a in d["cycles"][0]["actions"])')" \
    "www\\.example\\.com\\. A $FOREIGN is neither site's address" \
    "history --json: ... and names exactly what differs"
is "$(sqlite3 "$STATE_DB" 'PRAGMA integrity_check')" ok \
    "the database passes integrity_check"

done_testing
