#!/bin/sh
# 89-nobody.t: the agent needs no privilege (issue 6).  As the user nobody
# (setpriv: its uid and gid, no supplementary group, a bare environment),
# with a state directory and a TSIG key owned by nobody (mode 700 and 600)
# as INSTALL, section 7, sets them up for the user failover-agent:
#   - the first check reads DNS and creates the database, owned by nobody,
#     mode 600;
#   - the primary stops: three checks later the failover is done, as
#     nobody, and DNS points at the backup;
#   - status --nagios works as nobody (CRITICAL);
#   - a key that nobody cannot read is refused with a plain message;
#   - issue 17: root may use nobody's key (judged by its mode); a
#     monitoring user (daemon, group read on the state) runs status,
#     status --nagios and history, which open no secret file, and is told
#     to run check as nobody (runuser -u nobody --);
#   - issue 11: a command that reads a key (run) is not dumpable.
# Switching users needs root: as another user this test fails (it never
# skips).
FA_TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$FA_TOP/t/lib/scenario.sh"
scenario_require
[ "$(id -u)" = 0 ] ||
    bail_out "this test switches to the user nobody: run it as root"
command -v setpriv > /dev/null 2>&1 ||
    bail_out "missing program: setpriv (install it: sh t/lib/deps.sh --install)"
getent passwd nobody > /dev/null && getent group nogroup > /dev/null ||
    bail_out "no user nobody or group nogroup"
scenario_setup || bail_out "scenario setup (named, primary, config)"

# nobody may pass through the test directory, and no further.
chmod 711 "$SC_DIR"
U=$SC_DIR/agent
mkdir -m 700 "$U"
cp "$KEY_FILE" "$U/tsig.key"
chmod 600 "$U/tsig.key"
chown -R nobody:nogroup "$U"
SC_KEY_FILE=$U/tsig.key
SC_STATE_DB=$U/state.db
scenario_write_conf
chmod 644 "$CONF"

# as_nobody ARGS...: the agent as nobody; NB_RC, NB_OUT, NB_ERR.
as_nobody() {
	setpriv --reuid=nobody --regid=nogroup --clear-groups \
	    env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin FA_LOG_STDERR=1 \
	    "$FA" -c "$CONF" "$@" > "$SC_DIR/nb.out" 2> "$SC_DIR/nb.err"
	NB_RC=$?
	NB_OUT=$(cat "$SC_DIR/nb.out")
	NB_ERR=$(cat "$SC_DIR/nb.err")
}

is "$(setpriv --reuid=nobody --regid=nogroup --clear-groups id -u)" 65534 \
    "(setpriv makes us nobody)"

as_nobody check
is "$NB_RC" 0 "first check as nobody: exit 0"
[ "$NB_RC" = 0 ] || diag "$NB_ERR"
is "$(stat -c '%U %a' "$U/state.db")" "nobody 600" \
    "the database is nobody's, mode 600"
is "$(stat -c '%U' "$U/state.db.lock")" nobody "and so is its lock file"
as_nobody status --json
like "$NB_OUT" '"state": "STANDBY"' "status as nobody: STANDBY"

primary_stop "$SC_DIR/primary"
as_nobody check
as_nobody check
as_nobody check
is "$NB_RC" 1 "the third failed cycle as nobody: exit 1 (primary down)"
as_nobody status --json
like "$NB_OUT" '"state": "ACTIVE"' "failed over as nobody: ACTIVE"
is "$(dig_a www.example.com)" "$BACKUP_A" "DNS points at the backup"
is "$(dig_aaaa www.example.com)" "$BACKUP_AAAA" "AAAA too"
as_nobody status --nagios
is "$NB_RC" 2 "status --nagios as nobody: CRITICAL (exit 2)"
like "$NB_OUT" "^FAILOVER CRITICAL - failed over" "the plugin line"
is "$(sqlite3 "$U/state.db" 'PRAGMA integrity_check')" ok "integrity_check: ok"

# --- issue 17: privileges that match the job ---------------------------------
# Root judges a secret by its mode: nobody's key (600) is fine for root.
run_fa config-test
is "$FA_RC" 0 "config-test as root with nobody's key (mode 600): exit 0"
[ "$FA_RC" = 0 ] || diag "$FA_ERR"
unlike "$FA_ERR" "owned by" "no complaint about the owner"
run_fa status --json
like "$FA_OUT" '"state": "ACTIVE"' "status as root"

# The monitoring user (daemon here): group read on the state directory and
# files, no access to the key.  status and history open no secret file.
chmod 750 "$U"
chmod 640 "$U/state.db" "$U/state.db-wal" "$U/state.db-shm"
as_monitor() {
	setpriv --reuid=daemon --regid=nogroup --clear-groups \
	    env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin FA_LOG_STDERR=1 \
	    "$FA" -c "$CONF" "$@" > "$SC_DIR/mon.out" 2> "$SC_DIR/mon.err"
	MON_RC=$?
	MON_OUT=$(cat "$SC_DIR/mon.out")
	MON_ERR=$(cat "$SC_DIR/mon.err")
}
as_monitor status --nagios
is "$MON_RC" 2 "status --nagios as the monitoring user: CRITICAL (exit 2), not UNKNOWN"
like "$MON_OUT" "^FAILOVER CRITICAL - failed over" "the plugin line"
as_monitor status --json
like "$MON_OUT" '"state": "ACTIVE"' "status --json as the monitoring user"
as_monitor status
is "$MON_RC" 0 "status (text) as the monitoring user: exit 0"
as_monitor history -n 3
is "$MON_RC" 0 "history as the monitoring user: exit 0"
like "$MON_OUT" "FAILOVER" "and it shows the failover"
as_monitor check
is "$MON_RC" 2 "check as the monitoring user: refused (exit 2)"
like "$MON_ERR" "tsig_key_file: $U/tsig.key is owned by nobody \\(uid 65534\\): run it as that user: runuser -u nobody -- failover-agent -c $CONF check" \
    "the refusal says which user should run it, and how"

# A command that reads a key cannot be dumped or traced: its /proc entries
# belong to root (PR_SET_DUMPABLE 0), even when it runs as nobody.
setpriv --reuid=nobody --regid=nogroup --clear-groups \
    env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin FA_LOG_STDERR=1 \
    "$FA" -c "$CONF" run > "$SC_DIR/run.out" 2>&1 &
run_pid=$!
i=0
while [ "$(cat "$U/state.db.lock" 2> /dev/null)" != "$run_pid" ] && [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
is "$(cat "$U/state.db.lock" 2> /dev/null)" "$run_pid" "(run as nobody holds the lock)"
is "$(stat -c %U "/proc/$run_pid/status" 2> /dev/null)" root \
    "run as nobody is not dumpable: its /proc entries are root's"
kill "$run_pid"
wait "$run_pid"
as_nobody status --json
is "$NB_RC" 0 "after run: status as nobody still works"

# A key nobody cannot read (root's, mode 600).
cp "$KEY_FILE" "$SC_DIR/root.key"
chmod 600 "$SC_DIR/root.key"
SC_KEY_FILE=$SC_DIR/root.key
scenario_write_conf
chmod 644 "$CONF"
as_nobody config-test
isnt "$NB_RC" 0 "config-test as nobody with root's key: refused"
like "$NB_ERR$NB_OUT" "root.key.*([Pp]ermission denied)" \
    "and says the key cannot be read"

done_testing
