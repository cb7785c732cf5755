#!/bin/sh
# 54-lock.t: one run at a time per state database.  A second run while one
# holds the lock exits 75 at once with a one-line message (cron overlap is
# normal, not an error worth mail).
#
# Run 1 is made slow deterministically: its check talks to a listener that
# accepts TCP and never answers, with a long timeout, and it holds the lock
# until the test stops that listener (which closes the connection: the check
# then fails at once).  No sleep decides the order: the test polls the lock
# file until it holds run 1's PID.
FA_TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$FA_TOP/t/lib/scenario.sh"
scenario_require
scenario_setup || bail_out "scenario setup (named, primary, config)"

scenario_port SILENT_PORT || bail_out "a free port for the silent listener"
primary_start "$SC_DIR/silent" "$SILENT_PORT" silent ||
    bail_out "the silent listener starts"
SC_CHECK_URL=http://127.0.0.1:$SILENT_PORT/health
SC_CHECK_TIMEOUT=30s
scenario_write_conf
LOCK=$STATE_DB.lock

FA_LOG_STDERR=1 "$FA" -c "$CONF" check > "$SC_DIR/run1.out" \
    2> "$SC_DIR/run1.err" &
run1=$!

i=0
while [ "$(cat "$LOCK" 2>/dev/null)" != "$run1" ]; do
	i=$((i + 1))
	if ! kill -0 "$run1" 2>/dev/null || [ $i -ge 400 ]; then
		diag "run 1 never took the lock; its stderr:" \
		    "$(cat "$SC_DIR/run1.err")"
		break
	fi
	sleep 0.05
done
is "$(cat "$LOCK" 2>/dev/null)" "$run1" "run 1 holds the lock (its PID is in $LOCK)"
flock -n "$LOCK" true
isnt $? 0 "the lock file is flock()ed"

run_fa check
is "$FA_RC" 75 "run 2 (check) while run 1 holds the lock: exit 75"
is "$(printf '%s\n' "$FA_ERR" | wc -l)" 1 "its message is one line"
like "$FA_ERR" "another failover-agent run \(pid $run1\)" \
    "the message names the other run's PID"
is "$FA_OUT" "" "nothing on stdout"

run_fa failover
is "$FA_RC" 75 "a manual failover while run 1 holds the lock: exit 75"
kill -0 "$run1" 2>/dev/null
ok $? "run 1 is still running"

# Let run 1 finish: its check fails (the connection closes), exit 1.
primary_stop "$SC_DIR/silent"
ok $? "silent listener stopped"
wait "$run1"
is $? 1 "run 1 finishes: its check failed, exit 1"
is "$(history_field 'len(d["cycles"])')" 1 \
    "one cycle recorded: run 1's; the refused runs left no row"
is "$(cat "$LOCK")" "" "run 1 cleared its PID from the lock file"

run_fa check
isnt "$FA_RC" 75 "after run 1, the next run takes the lock (exit $FA_RC)"
is "$(history_field 'len(d["cycles"])')" 2 "and records its cycle"

done_testing
