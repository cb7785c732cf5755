#!/bin/sh
# 88-nagios.t: `status --nagios` (issue 6), the Nagios plugin rules: one
# line "FAILOVER STATE - ..." with performance data, exit 0 OK, 1 WARNING,
# 2 CRITICAL, 3 UNKNOWN.
#   - UNKNOWN: never ran; a database that is not one; a broken config;
#     a spare's config; a usage error;
#   - OK: STANDBY, primary OK (perfdata parsed);
#   - WARNING: primary WARN, then CRITICAL; a real [dns] canary refused
#     (a key with the wrong secret);
#   - CRITICAL: the failover (ACTIVE);
#   - then, on copies of the database edited with sqlite3 (the plugin
#     reads what the cycles wrote, so each state is written the way a
#     cycle writes it): FAILED -> CRITICAL; a lagging nameserver, a
#     refused failback (UNSAFE), a last cycle in ERROR, a notification
#     not delivered, a primary INFO, a last cycle older than 3 x interval
#     -> WARNING, each naming why.
FA_TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$FA_TOP/t/lib/scenario.sh"
scenario_require
scenario_setup || bail_out "scenario setup (named, primary, config)"

# nag [CONF]: run the plugin; NAG_OUT, NAG_RC.
nag() {
	NAG_OUT=$("$FA" -c "${1:-$CONF}" status --nagios 2> "$SC_DIR/nag.err")
	NAG_RC=$?
}

# conf_for DB: a copy of the config whose state_db is DB (printed).
conf_for() {
	_cf=$SC_DIR/conf-$(basename "$1").conf
	sed "s|^state_db *=.*|state_db = $1|" "$CONF" > "$_cf"
	echo "$_cf"
}

# variant NAME SQL: a copy of the state database with SQL applied; then
# nag on it.
variant() {
	cp "$STATE_DB" "$SC_DIR/$1.db"
	# Bring the WAL in (the copy of the main file alone may lag it).
	sqlite3 "$STATE_DB" 'PRAGMA wal_checkpoint(TRUNCATE)' > /dev/null
	cp "$STATE_DB" "$SC_DIR/$1.db"
	sqlite3 "$SC_DIR/$1.db" "$2" || fail "sqlite3 on $1"
	nag "$(conf_for "$SC_DIR/$1.db")"
}

PERF='\| fail_streak=[0-9]+;;;0 ok_streak=[0-9]+;;;0 last_cycle_age=[0-9]+s;[0-9.]+;;0 last_cycle_duration=[0-9]+ms;;;0 notify_pending=[0-9]+;;;0$'

# --- UNKNOWN -----------------------------------------------------------------
nag
is "$NAG_RC" 3 "never ran: exit 3"
like "$NAG_OUT" "^FAILOVER UNKNOWN - no state yet at $STATE_DB" \
    "never ran: UNKNOWN, no state yet"
is "$(printf '%s\n' "$NAG_OUT" | wc -l)" 1 "one line"

printf 'this is not a database, just some text that is long enough\n' \
    > "$SC_DIR/junk.db"
nag "$(conf_for "$SC_DIR/junk.db")"
is "$NAG_RC" 3 "a database that is not one: exit 3"
like "$NAG_OUT" "^FAILOVER UNKNOWN - .*junk.db" \
    "UNKNOWN naming the file"

printf '[agent]\nname = x\nfail_after = many\n' > "$SC_DIR/broken.conf"
nag "$SC_DIR/broken.conf"
is "$NAG_RC" 3 "a broken config: exit 3 (not 2, which Nagios reads CRITICAL)"
like "$NAG_OUT" "^FAILOVER UNKNOWN - configuration error: $SC_DIR/broken.conf:[0-9]+: " \
    "UNKNOWN with FILE:LINE"

vote_key "$SC_DIR/vote.key"
spare_conf_file=$SC_DIR/spare.conf
cat > "$spare_conf_file" <<EOF
[agent]
name = paris
role = spare
[check:web]
type = http
url = http://127.0.0.1:$PRIMARY_PORT/health
[quorum]
secret_file = $SC_DIR/vote.key
[vote]
listen = 127.0.0.1:1
EOF
nag "$spare_conf_file"
is "$NAG_RC" 3 "a spare's config: exit 3"
like "$NAG_OUT" "^FAILOVER UNKNOWN - .*role = spare" "UNKNOWN, says why"

"$FA" -c "$CONF" status --nagios --bogus > /dev/null 2>&1
is "$?" 3 "a usage error: exit 3"

# --- OK ----------------------------------------------------------------------
run_fa check
is "$FA_RC" 0 "first check"
nag
is "$NAG_RC" 0 "STANDBY, primary OK: exit 0"
like "$NAG_OUT" "^FAILOVER OK - STANDBY since .*, primary OK, last cycle #1 [0-9]+s ago \\(NOOP\\) $PERF" \
    "OK line with perfdata"
like "$NAG_OUT" "fail_streak=0;;;0 ok_streak=[0-9]+;;;0 last_cycle_age=[0-9]+s;3;;0" \
    "perfdata: streaks, and the age with its warning threshold (3 x 1s)"

# --- a real canary refused ---------------------------------------------------
(umask 077 && tsig-keygen -a hmac-sha256 fa-key > "$SC_DIR/wrong.key")
SC_KEY_FILE=$SC_DIR/wrong.key
SC_STATE_DB=$SC_DIR/real-canary.db
scenario_write_conf
run_fa check
is "$FA_RC" 1 "a first cycle with a key of the wrong secret: exit 1 (the canary)"
nag
is "$NAG_RC" 1 "the refused canary: exit 1"
like "$NAG_OUT" "^FAILOVER WARNING - DNS canary failed at .*BADSIG" \
    "WARNING: the canary, BADSIG"
unset SC_KEY_FILE SC_STATE_DB
scenario_write_conf

# --- WARNING: the primary fails ---------------------------------------------
primary_stop "$SC_DIR/primary"
run_fa check
nag
is "$NAG_RC" 1 "primary WARN: exit 1"
like "$NAG_OUT" "^FAILOVER WARNING - primary WARN \\(1 failed cycle, fail_after 3\\) $PERF" \
    "WARNING: primary WARN"
like "$NAG_OUT" "fail_streak=1;" "perfdata: fail_streak=1"
run_fa check
nag
is "$NAG_RC" 1 "primary CRITICAL: exit 1 (the site is not failed over)"
like "$NAG_OUT" "^FAILOVER WARNING - primary CRITICAL \\(2 failed cycles" \
    "WARNING: primary CRITICAL"

# A copy of this moment for the variants below.
sqlite3 "$STATE_DB" 'PRAGMA wal_checkpoint(TRUNCATE)' > /dev/null
cp "$STATE_DB" "$SC_DIR/standby.db"

# --- CRITICAL: failed over ---------------------------------------------------
run_fa check
is "$(status_field 'd["state"]')" ACTIVE "the third failed cycle fails over"
nag
is "$NAG_RC" 2 "ACTIVE: exit 2"
like "$NAG_OUT" "^FAILOVER CRITICAL - failed over: DNS points at the backup since .* \\(primary at FAIL.*\\); primary FAIL $PERF" \
    "CRITICAL: failed over, why, the primary's status"

# --- the variants ------------------------------------------------------------
variant failed "UPDATE agent_state SET state = 'FAILED';
    UPDATE cycles SET message = 'DNS holds 203.0.113.9 at www.example.com.' WHERE id = (SELECT max(id) FROM cycles)"
is "$NAG_RC" 2 "FAILED: exit 2"
like "$NAG_OUT" "^FAILOVER CRITICAL - FAILED since .*: DNS holds 203.0.113.9" \
    "CRITICAL: FAILED with the last cycle's message"

variant lagging "INSERT INTO actions (cycle_id, at, kind, target, result, detail)
    SELECT max(id), strftime('%s'), 'dns verify', 'example.com.', 'failed', 'ns2.example.com. (127.0.0.2): serial 1, wants 2' FROM cycles"
is "$NAG_RC" 2 "ACTIVE with a lagging nameserver: still CRITICAL"
like "$NAG_OUT" "1 nameserver did not serve the last change in time \\(example.com. ns2.example.com. \\(127.0.0.2\\): serial 1, wants 2\\)" \
    "and the lagging nameserver is named too"

cp "$SC_DIR/standby.db" "$STATE_DB.standby"
STANDBY_DB=$STATE_DB.standby
# standby_variant NAME SQL: the same on the STANDBY copy (primary CRITICAL
# there; each SQL sets the primary OK first, so only its own warning shows).
standby_variant() {
	cp "$STANDBY_DB" "$SC_DIR/$1.db"
	sqlite3 "$SC_DIR/$1.db" "UPDATE agent_state SET primary_status = 'OK',
	    fail_streak = 0; UPDATE cycles SET started_at = strftime('%s'),
	    duration_ms = 5; $2" || fail "sqlite3 on $1"
	nag "$(conf_for "$SC_DIR/$1.db")"
}

standby_variant plain ""
is "$NAG_RC" 0 "the STANDBY copy with the primary OK: exit 0 (the variants' baseline)"

standby_variant lag "INSERT INTO actions (cycle_id, at, kind, target, result, detail)
    VALUES (1, strftime('%s'), 'dns to_primary', 'example.com.', 'ok', 'took it'),
    (1, strftime('%s'), 'dns verify', 'example.com.', 'failed', 'ns2.example.com. (127.0.0.2): no answer')"
is "$NAG_RC" 1 "a nameserver lagged on the last move: exit 1"
like "$NAG_OUT" "^FAILOVER WARNING - 1 nameserver did not serve the last change in time \\(example.com. ns2.example.com. \\(127.0.0.2\\): no answer\\) $PERF" \
    "WARNING names the nameserver"

standby_variant canary "INSERT INTO actions (cycle_id, at, kind, target, result, detail)
    VALUES (1, strftime('%s'), 'canary', 'dns', 'failed', 'example.com: BADSIG')"
is "$NAG_RC" 1 "a failed canary: exit 1"
like "$NAG_OUT" "^FAILOVER WARNING - DNS canary failed at .*: example.com: BADSIG \\(a failover would fail too\\)" \
    "WARNING: the canary's message"

standby_variant unsafe "UPDATE agent_state SET state = 'STANDBY';
    UPDATE cycles SET outcome = 'UNSAFE', message = 'failback refused: the backup holds 0-1-7' WHERE id = (SELECT max(id) FROM cycles)"
is "$NAG_RC" 1 "a refused failback: exit 1"
like "$NAG_OUT" "^FAILOVER WARNING - failback refused: failback refused: the backup holds 0-1-7" \
    "WARNING: failback refused, which transactions"

standby_variant error "UPDATE cycles SET outcome = 'ERROR', message = 'DNS could not be read' WHERE id = (SELECT max(id) FROM cycles)"
is "$NAG_RC" 1 "a last cycle in ERROR: exit 1"
like "$NAG_OUT" "^FAILOVER WARNING - last cycle ERROR: DNS could not be read" \
    "WARNING: the error"

standby_variant notify "INSERT INTO notify_pending (created_at, body, attempts, last_attempt_at, last_error)
    VALUES (strftime('%s'), '{}', 2, strftime('%s'), 'HTTP 500: oops')"
is "$NAG_RC" 1 "a notification not delivered: exit 1"
like "$NAG_OUT" "^FAILOVER WARNING - 1 notification not delivered: HTTP 500: oops .*notify_pending=1;;;0$" \
    "WARNING, and notify_pending=1 in perfdata"

standby_variant info "UPDATE agent_state SET primary_status = 'INFO', ok_streak = 1"
is "$NAG_RC" 1 "primary INFO (recovering): exit 1"
like "$NAG_OUT" "^FAILOVER WARNING - primary INFO: recovering \\(1 of 3 good cycles\\)" \
    "WARNING: recovering"

standby_variant stale "UPDATE cycles SET started_at = strftime('%s') - 600"
is "$NAG_RC" 1 "a last cycle 10 minutes old with interval 1s: exit 1"
like "$NAG_OUT" "^FAILOVER WARNING - stale: the last cycle ended (59[0-9]|6[0-9][0-9])s ago, more than 3 x interval \\(1s\\)" \
    "WARNING: stale, how old"
like "$NAG_OUT" "last_cycle_age=(59[0-9]|6[0-9][0-9])s;3;;0" "perfdata: the age"

done_testing
