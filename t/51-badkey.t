#!/bin/sh
# 51-badkey.t: a TSIG key with the right name and the wrong secret.  When the
# failover is due the update is refused with BADSIG: the run says so and
# exits 1, the site does not claim ACTIVE, DNS is untouched, the database is
# intact and history keeps the failed cycle.  config-test finds it first.
FA_TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$FA_TOP/t/lib/scenario.sh"
scenario_require
scenario_setup || bail_out "scenario setup (named, primary, config)"

run_fa check
is "$FA_RC" 0 "first check with the right key: exit 0"
is "$(status_field 'd["state"]')" STANDBY "state STANDBY"
serial=$(soa_serial example.com)

# Same key name and algorithm, another secret.
(umask 077 && tsig-keygen -a hmac-sha256 fa-key > "$SC_DIR/wrong.key")
ok $? "a key file named fa-key with another secret"
cmp -s "$SC_DIR/wrong.key" "$KEY_FILE"
isnt $? 0 "its secret differs from the server's"
SC_KEY_FILE=$SC_DIR/wrong.key
scenario_write_conf

run_fa config-test
isnt "$FA_RC" 0 "config-test with the wrong key exits non-zero"
like "$FA_ERR" "BADSIG" "config-test names BADSIG"
unlike "$FA_OUT" "configuration OK" "config-test does not say configuration OK"

primary_stop "$SC_DIR/primary"
ok $? "primary stopped"
run_fa check
is "$FA_RC" 1 "failed cycle 1: exit 1"
run_fa check
is "$FA_RC" 1 "failed cycle 2: exit 1"
run_fa check
is "$FA_RC" 1 "failed cycle 3, failover due and refused: exit 1"
like "$FA_ERR" "BADSIG" "the failed failover's message names BADSIG"
secret=$(sed -n 's/.*secret "\([^"]*\)".*/\1/p' "$SC_DIR/wrong.key")
isnt "$secret" "" "(the wrong key's secret was read for the next test)"
printf '%s\n' "$FA_ERR" | grep -qF -- "$secret"
isnt $? 0 "the secret is not in the message"

state=$(status_field 'd["state"]')
isnt "$state" ACTIVE "status --json: state is not ACTIVE ($state)"
is "$(status_field 'd["primary_status"]')" FAIL "the primary is at FAIL"
is "$(status_field 'd["last_cycle"]["outcome"]')" ERROR \
    "the last cycle's outcome is ERROR"
dns_points_at "unchanged" "$PRIMARY_A" "$PRIMARY_AAAA"
is "$(soa_serial example.com)" "$serial" "example.com serial unchanged"

is "$(sqlite3 "$STATE_DB" 'PRAGMA integrity_check')" ok \
    "the database passes PRAGMA integrity_check"
is "$(history_field 'd["cycles"][0]["outcome"]')" ERROR \
    "history --json: the newest cycle is the ERROR one"
like "$(history_field 'd["cycles"][0]["message"]')" "DNS update failed" \
    "history --json: its message says the DNS update failed"
like "$(history_field '" ".join(a["detail"] for a in d["cycles"][0]["actions"])')" \
    "BADSIG" "history --json: its action detail names BADSIG"
like "$(fa history -n 1 2>&1)" "BADSIG" "history (human) shows BADSIG"
is "$(history_field 'len(d["cycles"])')" 4 "four cycles recorded, none lost"

# The next cycle tries again (and fails again): no half-written state.
run_fa check
is "$FA_RC" 1 "the next cycle retries and fails again: exit 1"
like "$FA_ERR" "BADSIG" "again BADSIG"
isnt "$(status_field 'd["state"]')" ACTIVE "still not ACTIVE"

done_testing
