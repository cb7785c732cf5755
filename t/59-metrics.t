#!/bin/sh
# 59-metrics.t: [agent] metrics_file (issue 14), against a real BIND.  After
# a failover and after a failback the file holds what `status --json` shows
# (state, primary status, failures in a row, the last cycle and move), in a
# valid Prometheus text exposition (t/lib/promcheck.py checks the format's
# rules as promtool does), and it is replaced atomically (no temporary file
# left beside it).
FA_TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$FA_TOP/t/lib/scenario.sh"
scenario_require
scenario_setup || bail_out "scenario setup (named, primary, config)"

PROM=$SC_DIR/textfile/failover-agent.prom
mkdir "$SC_DIR/textfile"
SC_EXTRA="" scenario_write_conf
sed -i "s|^interval      = 1|interval      = 1\nmetrics_file  = $PROM|" "$CONF"

get() {
	python3 "$FA_TOP/t/lib/promcheck.py" "$PROM" --get "$1"
}
same_as_status() {
	is "$(get 'failover_agent_state{state="'"$(status_field 'd["state"]')"'"}')" 1 \
	    "$1: the state series of status's state is 1"
	is "$(get 'failover_agent_primary_status{status="'"$(status_field 'd["primary_status"]')"'"}')" 1 \
	    "$1: the primary_status series of status's is 1"
	is "$(get failover_agent_primary_consecutive_failures)" \
	    "$(status_field 'd["fail_streak"]')" "$1: failures in a row as status"
	is "$(get failover_agent_last_cycle_timestamp_seconds)" \
	    "$(status_field 'd["last_cycle"]["started_at"]')" "$1: last cycle time as status"
	is "$(get failover_agent_last_move_timestamp_seconds)" \
	    "$(status_field 'd["last_action_at"]')" "$1: last move time as status"
	is "$(get 'failover_agent_last_cycle_outcome{outcome="'"$(status_field 'd["last_cycle"]["outcome"]')"'"}')" 1 \
	    "$1: the last outcome as status"
	out=$(python3 "$FA_TOP/t/lib/promcheck.py" "$PROM")
	is "$?:$out" "0:" "$1: a valid exposition"
	is "$(ls "$SC_DIR/textfile")" failover-agent.prom \
	    "$1: nothing but the file in its directory (renamed into place)"
}

run_fa check
test -s "$PROM"
ok $? "the first cycle writes the file"
same_as_status "STANDBY"
like "$(get 'failover_agent_info{version="'"$("$FA" --version | cut -d' ' -f2)"'",role="backup",site="backup-test"}')" \
    "^1$" "the info metric has the version, role and site"

primary_stop "$SC_DIR/primary"
check_until_state ACTIVE 10
ok $? "failover"
same_as_status "after the failover"
is "$(get 'failover_agent_state{state="ACTIVE"}')" 1 "ACTIVE is 1"
is "$(get 'failover_agent_state{state="STANDBY"}')" 0 "STANDBY is 0"

primary_start "$SC_DIR/primary" "$PRIMARY_PORT"
check_until_state STANDBY 30
ok $? "failback"
same_as_status "after the failback"

# A spare writes its own: votes served, refusals by kind, probes.
vote_key "$SC_DIR/vote.key"
SPARE_AGENT_EXTRA="metrics_file = $SC_DIR/textfile/spare.prom" \
    spare_start paris "$PRIMARY_PORT"
ok $? "a spare with a metrics_file"
SPROM=$SC_DIR/textfile/spare.prom
i=0
while [ ! -s "$SPROM" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
curl -s -o /dev/null "$(spare_url paris)/v1/vote?target=primary"
curl -s -o /dev/null "$(spare_url paris)/v1/vote?target=primary&from=x&ts=1&nonce=00000000000000000000000000000000" \
    -H "Authorization: FA-HMAC-SHA256 00"
SC_EXTRA="
[quorum]
secret_file = $SC_DIR/vote.key
need = 1
[spare:paris]
url = $(spare_url paris)" scenario_write_conf
run_fa config-test
like "$FA_OUT" "answers and agrees" "the backup's config-test asks the spare for a signed vote"
# Wait for a probe after those requests: the file is written per probe.
n0=$(python3 "$FA_TOP/t/lib/promcheck.py" "$SPROM" --get 'failover_agent_probes_total{verdict="up"}')
i=0
while [ "$(python3 "$FA_TOP/t/lib/promcheck.py" "$SPROM" --get 'failover_agent_probes_total{verdict="up"}')" = "$n0" ] &&
    [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
out=$(python3 "$FA_TOP/t/lib/promcheck.py" "$SPROM")
is "$?:$out" "0:" "the spare's file is a valid exposition"
sget() {
	python3 "$FA_TOP/t/lib/promcheck.py" "$SPROM" --get "$1"
}
is "$(sget failover_agent_votes_served_total)" 1 "votes served: the one signed vote"
is "$(sget 'failover_agent_votes_refused_total{reason="malformed"}')" 1 \
    "refused: the request without its parameters (400)"
is "$(sget 'failover_agent_votes_refused_total{reason="bad-auth"}')" 1 \
    "refused: the request with a wrong MAC (401)"
is "$(sget 'failover_agent_probe_verdict{verdict="up"}')" 1 "the latest probe says up"
spare_stop paris

SC_EXTRA="" scenario_write_conf
sed -i "s|^interval      = 1|interval      = 1\nmetrics_file  = $SC_DIR/textfile/metrics.txt|" "$CONF"
run_fa config-test
is "$FA_RC" 2 "a metrics_file not ending in .prom: config error"
like "$FA_ERR" "metrics_file must end in .prom" "... saying why"

done_testing
