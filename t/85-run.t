#!/bin/sh
# 85-run.t: `failover-agent run`, the service loop (issue 6), against a real
# BIND and the stand-in primary, with interval = 0.2s:
#   - it cycles on its own; a `check` meanwhile exits 75 (the lock is held
#     for the whole run);
#   - SIGHUP with a broken config: still running, the log names FILE:LINE,
#     and the old config stays in force (the broken one's fail_after = 1
#     would have failed over at once);
#   - SIGHUP with fail_after = 3: takes effect, the primary being down, the
#     next cycle fails over (status --json polled until ACTIVE);
#   - SIGTERM while that failover's before_failover hook is still running:
#     the cycle is finished (hook complete, DNS moved, cycle recorded) and
#     only then does run exit 0; the database is whole (integrity_check,
#     one check row per cycle, the log's last cycle is the database's);
#   - the failover cycle overran the interval: "ticks skipped" at debug;
#   - run again, the primary back: failback, then SIGINT stops it (exit 0).
# Every process is stopped by PID on exit.
FA_TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$FA_TOP/t/lib/scenario.sh"
scenario_require
scenario_setup || bail_out "scenario setup (named, primary, config)"

RUN_PID=
run_cleanup() {
	if [ -n "$RUN_PID" ]; then
		kill -KILL "$RUN_PID" 2> /dev/null
		wait "$RUN_PID" 2> /dev/null
		RUN_PID=
	fi
	scenario_cleanup
}
trap run_cleanup EXIT

# set_conf KEY VALUE [FILE]: rewrite "KEY = ..." in the config.
set_conf() {
	sed -i "s|^$1 *=.*|$1 = $2|" "${3:-$CONF}"
}

# run_start: `run` in the background, debug log in $RUN_LOG.
RUN_LOG=$SC_DIR/run.log
run_start() {
	: > "$RUN_LOG"
	FA_LOG_STDERR=1 "$FA" -v -c "$CONF" run >> "$RUN_LOG" 2>&1 \
	    < /dev/null &
	RUN_PID=$!
}

# run_wait: wait for run to exit; RUN_RC is its exit status.
run_wait() {
	wait "$RUN_PID"
	RUN_RC=$?
	RUN_PID=
}

# poll MAX CMD...: until CMD succeeds, at most MAX times 0.1s.
poll() {
	_p_max=$1
	shift
	_p_i=0
	until "$@"; do
		_p_i=$((_p_i + 1))
		[ $_p_i -lt "$_p_max" ] || return 1
		sleep 0.1
	done
	return 0
}

last_id() { status_field 'd["last_cycle"]["id"] if d["last_cycle"] else 0'; }
cycles_past() { [ "$(last_id)" -ge "$1" ] 2> /dev/null; }
state_is() { [ "$(status_field 'd["state"]')" = "$1" ]; }
log_has() { grep -q -- "$1" "$RUN_LOG"; }
streak_past() { [ "$(status_field 'd["fail_streak"]')" -ge "$1" ] 2> /dev/null; }
alive() { kill -0 "$RUN_PID" 2> /dev/null; }

# A before_failover hook that marks its start, takes a second, marks its end.
cat > "$SC_DIR/before" <<EOF
#!/bin/sh
: > "$SC_DIR/hook.started"
sleep 1
: > "$SC_DIR/hook.done"
EOF
chmod 755 "$SC_DIR/before"
SC_EXTRA="
[hooks]
before_failover = $SC_DIR/before
timeout = 10s"
scenario_write_conf
set_conf interval 0.2
set_conf fail_after 1000

# --- it runs ----------------------------------------------------------------
run_start
poll 100 cycles_past 3
ok $? "run cycles by itself (3 cycles recorded)"
is "$(status_field 'd["state"]')" STANDBY "state STANDBY"
like "$(cat "$RUN_LOG")" "run: started with $CONF: a cycle every 200ms" \
    "the log says what it runs"

run_fa check
is "$FA_RC" 75 "check while run holds the lock: exit 75"
like "$FA_ERR" "another failover-agent run \\(pid $RUN_PID\\) holds" \
    "check names the run that holds the lock"

# --- SIGHUP with a broken config --------------------------------------------
# run reads $RUN_CONF again; status reads a good copy meanwhile (the same
# state database).
RUN_CONF=$CONF
cp "$RUN_CONF" "$SC_DIR/good.conf"
CONF=$SC_DIR/good.conf
set_conf fail_after 1 "$RUN_CONF"
printf '[agent\n' >> "$RUN_CONF"
bad_line=$(wc -l < "$RUN_CONF")
kill -HUP "$RUN_PID"
poll 100 log_has "keeping the configuration in force"
ok $? "SIGHUP with a broken config: refused"
like "$(cat "$RUN_LOG")" "reload: $RUN_CONF:$bad_line: " \
    "the log names the broken line ($RUN_CONF:$bad_line)"
ok "$(alive; echo $?)" "run is still running"
n=$(last_id)
poll 100 cycles_past $((n + 3))
ok $? "and still cycling"

primary_stop "$SC_DIR/primary"
ok $? "primary stopped"
poll 150 streak_past 4
ok $? "four failed cycles in a row"
is "$(status_field 'd["state"]')" STANDBY \
    "still STANDBY: the old fail_after (1000) is in force, not the broken file's 1"
is "$(dig_a www.example.com)" "$PRIMARY_A" "DNS unchanged"

# --- SIGHUP with a good config: fail_after 3 ---------------------------------
cp "$SC_DIR/good.conf" "$RUN_CONF"
CONF=$RUN_CONF
set_conf fail_after 3
kill -HUP "$RUN_PID"
poll 100 log_has "run: reloaded $CONF"
ok $? "SIGHUP with fail_after = 3: reloaded"

# The next cycle fails over; its before_failover hook takes a second.
poll 100 test -e "$SC_DIR/hook.started"
ok $? "the failover started (its before_failover hook runs)"
kill -TERM "$RUN_PID"
run_wait
is "$RUN_RC" 0 "SIGTERM during the failover: run exits 0"
ok "$(test -e "$SC_DIR/hook.done"; echo $?)" \
    "but only after the cycle: the hook ran to its end"
is "$(status_field 'd["state"]')" ACTIVE \
    "status --json: ACTIVE (the failover cycle was completed and recorded)"
is "$(status_field 'd["last_cycle"]["outcome"]')" FAILOVER \
    "the last cycle is the FAILOVER"
is "$(dig_a www.example.com)" "$BACKUP_A" "DNS points at the backup"
is "$(sqlite3 "$STATE_DB" 'PRAGMA integrity_check')" ok \
    "integrity_check: ok"
is "$(sqlite3 "$STATE_DB" 'SELECT count(*) = max(id) FROM cycles')" 1 \
    "cycle ids without a gap"
is "$(sqlite3 "$STATE_DB" 'SELECT count(*) FROM cycles WHERE id NOT IN (SELECT cycle_id FROM check_results)')" 0 \
    "every cycle has its check result"
max=$(sqlite3 "$STATE_DB" 'SELECT max(id) FROM cycles')
like "$(cat "$RUN_LOG")" "run: SIGTERM: stopping after [0-9]+ cycles \\(the last is #$max in history\\)" \
    "the log's last cycle (#$max) is the database's last"
like "$(cat "$RUN_LOG")" "longer than the interval \\(200ms\\): the next one starts now \\([0-9]+ ticks? skipped\\)" \
    "the overrun is logged (debug): ticks skipped, no overlap"

run_fa check
is "$FA_RC" 1 "after run, check takes the lock again (exit 1: primary down)"

# --- run again: the primary is back, failback; SIGINT ------------------------
primary_start "$SC_DIR/primary" "$PRIMARY_PORT"
ok $? "primary started again"
run_start
poll 200 state_is STANDBY
ok $? "run fails back by itself (status --json polled until STANDBY)"
is "$(dig_a www.example.com)" "$PRIMARY_A" "DNS points at the primary again"
kill -INT "$RUN_PID"
run_wait
is "$RUN_RC" 0 "SIGINT: run exits 0"
like "$(cat "$RUN_LOG")" "run: SIGINT: stopping after" "the log says why"

# --- run refuses what check refuses -----------------------------------------
printf 'garbage\n' > "$SC_DIR/bad.conf"
FA_LOG_STDERR=1 "$FA" -c "$SC_DIR/bad.conf" run > /dev/null 2>&1
is "$?" 2 "run with a broken config: exit 2"
FA_LOG_STDERR=1 "$FA" -c "$CONF" run extra > /dev/null 2>&1
is "$?" 2 "run with an argument: exit 2"

done_testing
