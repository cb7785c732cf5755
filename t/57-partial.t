#!/bin/sh
# 57-partial.t: records that publish part of a site's set (issue 10 item 7)
# against a real BIND.  www.example.com has the primary's A and no AAAA
# while [site:primary] lists an IPv6 address too: it is the primary's
# ("primary-partial"), it fails over and back keeping its one type, and
# config-test says so at set-up.  A third-party address is a conflict whose
# message names exactly what differs, and config-test warns of it first.  A
# partial record the other site cannot serve is refused, and config-test
# says so too.
FA_TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$FA_TOP/t/lib/scenario.sh"
scenario_require
scenario_setup || bail_out "scenario setup (named, primary, config)"

holds() {
	status_field "[r[\"holds\"] for r in d[\"records\"] if r[\"owner\"] == \"$1\"][0]"
}

nsupdate_by_hand example.com "update delete www.example.com. AAAA"
ok $? "nsupdate by hand: www.example.com keeps its A, loses its AAAA"
is "$(dig_aaaa www.example.com)" "" "dig: www.example.com has no AAAA"

# --- config-test at set-up --------------------------------------------------
run_fa config-test
is "$FA_RC" 0 "config-test with a partial record: exit 0"
like "$FA_OUT" "note: www\\.example\\.com\\. publishes A only, the primary's \\($PRIMARY_A\\)" \
    "config-test notes the partial record"
like "$FA_OUT" "a move gives it the backup's A only" \
    "... and says what a move does with it"
unlike "$FA_ERR" "matches neither site" "no record reported as neither site's"
like "$FA_OUT" "configuration OK" "configuration OK"

# --- steady state -------------------------------------------------------------
run_fa check
is "$FA_RC" 0 "first check: exit 0"
is "$(status_field 'd["state"]')" STANDBY \
    "a partial primary record counts as the primary's: STANDBY, not FAILED"
is "$(holds www.example.com.)" primary-partial \
    "status: www.example.com holds primary-partial"
is "$(holds example.com.)" primary "status: the apex holds primary"

# --- failover keeps the family --------------------------------------------
primary_stop "$SC_DIR/primary"
ok $? "primary stopped"
run_fa check
run_fa check
run_fa check
is "$FA_RC" 1 "failed cycle 3 (failover): exit 1 (the primary is down)"
is "$(status_field 'd["last_cycle"]["outcome"]')" FAILOVER "outcome FAILOVER"
is "$(status_field 'd["state"]')" ACTIVE "state ACTIVE"
is "$(dig_a www.example.com)" "$BACKUP_A" "www.example.com A: the backup's"
is "$(dig_aaaa www.example.com)" "" \
    "www.example.com AAAA: still none (no type added)"
is "$(dig_a example.com)" "$BACKUP_A" "apex A: the backup's"
is "$(dig_aaaa example.com)" "$BACKUP_AAAA" "apex AAAA: the backup's"
is "$(holds www.example.com.)" backup-partial \
    "status: www.example.com holds backup-partial"

# --- failback keeps it too ------------------------------------------------
primary_start "$SC_DIR/primary" "$PRIMARY_PORT"
ok $? "primary back"
check_until_state STANDBY 60
ok $? "failed back within 60 cycles"
is "$(dig_a www.example.com)" "$PRIMARY_A" "www.example.com A: the primary's"
is "$(dig_aaaa www.example.com)" "" "www.example.com AAAA: still none"
is "$(dig_aaaa example.com)" "$PRIMARY_AAAA" "apex AAAA: the primary's"
is "$(holds www.example.com.)" primary-partial \
    "status: www.example.com holds primary-partial again"

# --- a third-party address ---------------------------------------------------
nsupdate_by_hand example.org "update delete www.example.org. A
update add www.example.org. 300 A 203.0.113.9"
ok $? "nsupdate by hand: www.example.org A 203.0.113.9"
run_fa config-test
is "$FA_RC" 0 "config-test with a third-party address: exit 0 (a warning)"
like "$FA_ERR" "www\\.example\\.org\\. A 203\\.0\\.113\\.9 is neither site's address \\(it holds 203\\.0\\.113\\.9, $PRIMARY_AAAA\\): it matches neither site" \
    "config-test names the record and what it holds"
run_fa status
like "$FA_OUT" "www\\.example\\.org\\. +203\\.0\\.113\\.9, $PRIMARY_AAAA +other
    www\\.example\\.org\\. A 203\\.0\\.113\\.9 is neither site's address" \
    "status (text): the record, other, and what differs below it"
is "$(status_field '[r["why"] for r in d["records"] if r["owner"] == "www.example.org."][0]')" \
    "www.example.org. A 203.0.113.9 is neither site's address" \
    "status --json: the record's why"
serial_org=$(soa_serial example.org)
primary_stop "$SC_DIR/primary"
# fail_after cycles, then as many as hold_down (since the failback) takes.
i=0
while [ $i -lt 60 ]; do
	run_fa check
	case $(status_field 'd["last_cycle"]["outcome"]') in
	NOOP|HELD)	sleep 0.2 ;;
	*)		break ;;
	esac
	i=$((i + 1))
done
is "$FA_RC" 1 "the failover meets the conflict: exit 1"
like "$(history_field '" ".join(a["detail"] for a in d["cycles"][0]["actions"])')" \
    "left alone \\(conflict\\): www\\.example\\.org\\. A 203\\.0\\.113\\.9 is neither site's address" \
    "history: the conflict names exactly what differs"
unlike "$(history_field '" ".join(a["detail"] for a in d["cycles"][0]["actions"])')" \
    "not ours|does not manage" "history: no claim that the record is not ours"
is "$(dig_a www.example.org)" 203.0.113.9 "the third-party address is left alone"
is "$(soa_serial example.org)" "$serial_org" "nothing sent to example.org"
is "$(dig_a www.example.com)" "$BACKUP_A" \
    "the partial www.example.com moved all the same"
is "$(dig_aaaa www.example.com)" "" "... still without AAAA"

# --- a partial record the other site cannot serve -----------------------------
# The AAAA only, and a backup without IPv6: a failover would drop the type.
SC_STATE_DB=$SC_DIR/nov6.db
scenario_write_conf
sed "s/^address = $BACKUP_A, $BACKUP_AAAA\$/address = $BACKUP_A/" "$CONF" \
    > "$CONF.new" && mv "$CONF.new" "$CONF"
nsupdate_by_hand example.com "update delete www.example.com. A
update add www.example.com. 300 AAAA $PRIMARY_AAAA"
ok $? "nsupdate by hand: www.example.com AAAA only"
nsupdate_by_hand example.org "update delete www.example.org. A
update add www.example.org. 300 A $PRIMARY_A"
nsupdate_by_hand example.com "update delete example.com. A
update delete example.com. AAAA
update add example.com. 300 A $PRIMARY_A
update add example.com. 300 AAAA $PRIMARY_AAAA"
run_fa config-test
is "$FA_RC" 0 "config-test, AAAA only and a backup without IPv6: exit 0"
like "$FA_ERR" "www\\.example\\.com\\. publishes AAAA $PRIMARY_AAAA, but \\[site:backup\\] has no IPv6 address" \
    "config-test warns that the move would be refused"

done_testing
