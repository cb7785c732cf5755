#!/bin/sh
# 63-quorum-canary.t: the quorum path is checked before it is needed
# (issue 17), on loopback, against a real BIND and two real vote-servers:
#   - config-test sends each spare a real signed vote request: with the
#     right vote.key each "answers and agrees on the secret"; a spare that
#     holds another vote.key makes it exit 2, naming the spare and "401 bad
#     MAC: the spare holds a different vote.key";
#   - [quorum] canary: each cycle that asks no spare asks at most one, the
#     one asked longest ago, at most every `canary`; a "quorum canary"
#     action row per ask, target the spare;
#   - a spare whose key is changed later is WARNING in status --nagios
#     (named, with the refusal) and in status; with need = 2 one failing
#     spare is CRITICAL (fewer than need can pass);
#   - canary = 0 asks nobody.
FA_TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$FA_TOP/t/lib/scenario.sh"
scenario_require curl
scenario_setup || bail_out "scenario setup (named, primary, config)"

vote_key "$SC_DIR/vote.key" || bail_out "vote key"
vote_key "$SC_DIR/wrong.key" || bail_out "wrong key"

# backup_quorum NEED CANARY
backup_quorum() {
	quorum_conf "$1" "canary      = $2"
}

# canaries: "TARGET:RESULT ..." of every quorum canary, oldest first.
canaries() {
	history_field '" ".join(a["target"] + ":" + a["result"] for c in reversed(d["cycles"]) for a in c["actions"] if a["kind"] == "quorum canary")'
}

nag() {
	NAG_OUT=$("$FA" -c "$CONF" status --nagios 2> /dev/null)
	NAG_RC=$?
}

spare_start paris "$PRIMARY_PORT" || bail_out "spare paris did not start"
spare_start nyc "$PRIMARY_PORT" || bail_out "spare nyc did not start"
backup_quorum 1 1h

# --- config-test: a real signed vote per spare ------------------------------
run_fa config-test
is "$FA_RC" 0 "config-test, both spares hold our vote.key: exit 0"
like "$FA_OUT" "^spare paris \\(http://127\\.0\\.0\\.1:[0-9]+\\): answers and agrees on the secret" \
    "paris answers and agrees on the secret"
like "$FA_OUT" "^spare nyc \\(http://127\\.0\\.0\\.1:[0-9]+\\): answers and agrees on the secret" \
    "nyc answers and agrees on the secret"
like "$FA_OUT" "^DNS check passed: method rfc2136 answers for zones example\\.com\\., example\\.org\\. with a correctly signed reply" \
    "config-test says the DNS check passed"

spare_start nyc "$PRIMARY_PORT" "$SC_DIR/wrong.key" || bail_out "nyc (wrong key)"
run_fa config-test
is "$FA_RC" 2 "nyc holds another vote.key: config-test exits 2"
like "$FA_ERR" ":[0-9]+: \\[spare:nyc\\] http://127\\.0\\.0\\.1:[0-9]+: 401 bad MAC: the spare holds a different vote.key" \
    "naming the spare, its line and the mismatch"
unlike "$FA_OUT" "configuration OK" "no configuration OK"
like "$FA_OUT" "^spare paris .*: answers and agrees on the secret" "paris still agrees"

# --- the canary: one spare per cycle, the one asked longest ago -------------
spare_start nyc "$PRIMARY_PORT" || bail_out "nyc (right key again)"
run_fa check
is "$FA_RC" 0 "first cycle: exit 0"
is "$(canaries)" "paris:ok" "the first cycle asks one spare: paris"
is "$(history_field 'd["cycles"][0]["votes"]')" "[]" "a canary is no vote of the cycle"
run_fa check
is "$(canaries)" "paris:ok nyc:ok" "the second asks the other one: nyc"
run_fa check
is "$(canaries)" "paris:ok nyc:ok" "the third asks nobody: both were asked less than 1h ago"
nag
is "$NAG_RC" 0 "both spares passed: OK"
run_fa status
like "$FA_OUT" "quorum canary paris: ok at .*: answers and agrees on the secret" \
    "status shows each spare's last canary"

# nyc's key changes later: the next canary to ask it finds out.
spare_start nyc "$PRIMARY_PORT" "$SC_DIR/wrong.key" || bail_out "nyc (wrong key)"
backup_quorum 1 1s
i=0
while [ "$(canaries | tr ' ' '\n' | grep -c '^nyc:failed$')" = 0 ] && [ $i -lt 20 ]; do
	run_fa check
	i=$((i + 1))
	sleep 0.3
done
like "$(canaries)" "nyc:failed" "with canary = 1s, a later cycle asks nyc again and records the refusal"
is "$(history_field '[a["detail"] for c in d["cycles"] for a in c["actions"] if a["kind"] == "quorum canary" and a["target"] == "nyc"][0]')" \
    "401 bad MAC: the spare holds a different vote.key" "the action says why"
nag
is "$NAG_RC" 1 "need 1, one spare refuses our MAC: WARNING"
like "$NAG_OUT" "^FAILOVER WARNING - spare nyc: signed vote failed at .*: 401 bad MAC: the spare holds a different vote.key" \
    "WARNING names the spare and the refusal"
run_fa status
like "$FA_OUT" "WARNING: spare nyc: signed vote failed at .*: 401 bad MAC" "status names it too"
is "$(status_field '[s["spare"] for s in d["quorum_check"]["failing"]]')" '["nyc"]' \
    "status --json: quorum_check.failing names nyc"

backup_quorum 2 1h
nag
is "$NAG_RC" 2 "need 2, one of 2 spares fails: CRITICAL"
like "$NAG_OUT" "^FAILOVER CRITICAL - only 1 of 2 spares pass the signed vote check, need 2" \
    "CRITICAL: fewer than need spares pass"

# --- canary = 0: nobody is asked --------------------------------------------
backup_quorum 1 0
n=$(canaries | wc -w)
run_fa check
run_fa check
is "$(canaries | wc -w)" "$n" "canary = 0: no cycle asks a spare"

done_testing
