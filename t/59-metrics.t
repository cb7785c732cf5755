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

SC_EXTRA="" scenario_write_conf
sed -i "s|^interval      = 1|interval      = 1\nmetrics_file  = $SC_DIR/textfile/metrics.txt|" "$CONF"
run_fa config-test
is "$FA_RC" 2 "a metrics_file not ending in .prom: config error"
like "$FA_ERR" "metrics_file must end in .prom" "... saying why"

done_testing
