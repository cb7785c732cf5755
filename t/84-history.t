#!/bin/sh
# 84-history.t: history filters and history_keep (issue 6), end to end:
#   - history --outcome NAME[,NAME] (any case), --since DURATION and
#     --since TIME, with -n and --json; bad values exit 2 and say why;
#   - [agent] history_keep: a cycle prunes the cycles older than that
#     (with their checks and actions) and keeps every transition, whose
#     cycle_id becomes null; status still shows them.
FA_TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$FA_TOP/t/lib/scenario.sh"
scenario_require
scenario_setup || bail_out "scenario setup (named, primary, config)"

# outcomes ARGS...: the outcomes history --json lists, oldest first.
outcomes() {
	fa history --json "$@" 2> /dev/null |
	    json_eval '" ".join(c["outcome"] for c in reversed(d["cycles"]))'
}

run_fa check
run_fa check
primary_stop "$SC_DIR/primary"
run_fa check
run_fa check
run_fa check
is "$(status_field 'd["state"]')" ACTIVE "five cycles, the last a failover"
is "$(outcomes)" "NOOP NOOP NOOP NOOP FAILOVER" "history: all five"

is "$(outcomes --outcome FAILOVER)" FAILOVER "--outcome FAILOVER"
is "$(outcomes --outcome failover,noop -n 2)" "NOOP FAILOVER" \
    "--outcome failover,noop -n 2: any case, the newest two"
is "$(outcomes --outcome FAILBACK)" "" "--outcome FAILBACK: none"
like "$(fa history --outcome FAILOVER 2>&1)" "^#5 .* FAILOVER " \
    "the human form filters too"
run_fa history --outcome sideways
is "$FA_RC" 2 "--outcome with an unknown name: exit 2"
like "$FA_ERR" "unknown outcome 'SIDEWAYS'; one of: NOOP ISOLATED PARTITION FAILOVER FAILBACK" \
    "and the names it knows"

# Two days back for the first two cycles.
sqlite3 "$STATE_DB" "UPDATE cycles SET started_at = started_at - 172800 WHERE id <= 2"
is "$(outcomes --since 1d)" "NOOP NOOP FAILOVER" "--since 1d: the last day's cycles"
is "$(outcomes --since 3d)" "NOOP NOOP NOOP NOOP FAILOVER" "--since 3d: all"
t3=$(sqlite3 "$STATE_DB" "SELECT started_at FROM cycles WHERE id = 3")
is "$(outcomes --since "@$t3")" "NOOP NOOP FAILOVER" "--since @UNIX"
is "$(outcomes --since "$(date -d "@$t3" '+%Y-%m-%d %H:%M:%S')")" \
    "NOOP NOOP FAILOVER" "--since 'YYYY-MM-DD HH:MM:SS' (local time)"
is "$(outcomes --since "@$((t3 + 86400))")" "" "--since tomorrow: none"
is "$(outcomes --since 3d --outcome noop -n 1)" NOOP \
    "--since, --outcome and -n together"
run_fa history --since last-tuesday
is "$FA_RC" 2 "--since with neither a duration nor a time: exit 2"
like "$FA_ERR" "not a duration .* nor a time" "and says what it expects"

# --- history_keep ---------------------------------------------------------------
transitions=$(sqlite3 "$STATE_DB" "SELECT count(*) FROM transitions")
is "$transitions" 2 "two transitions so far (UNKNOWN->STANDBY in cycle 1)"
SC_EXTRA="" scenario_write_conf
sed -i 's/^interval .*/interval = 1\nhistory_keep = 1d/' "$CONF"
run_fa check
is "$(sqlite3 "$STATE_DB" "SELECT group_concat(id) FROM cycles")" "3,4,5,6" \
    "history_keep 1d: the cycles older than a day are pruned"
is "$(sqlite3 "$STATE_DB" "SELECT count(*) FROM check_results WHERE cycle_id <= 2")" 0 \
    "with their check results"
is "$(sqlite3 "$STATE_DB" "SELECT count(*) FROM transitions")" "$transitions" \
    "every transition is kept"
is "$(status_field '[t["from"] + "->" + t["to"] + ":" + str(t["cycle_id"]) for t in d["transitions"]]')" \
    '["STANDBY->ACTIVE:5", "UNKNOWN->STANDBY:None"]' \
    "status lists them; the pruned cycle's is null"
is "$(sqlite3 "$STATE_DB" 'PRAGMA integrity_check')" ok "integrity_check: ok"

done_testing
