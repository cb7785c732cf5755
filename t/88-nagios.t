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
#     -> WARNING, each naming why;
#   - no [quorum]: WARNING every time, until [agent] quorum = none;
#   - drift while STANDBY: a record that holds neither site's addresses
#     -> CRITICAL, part of a site's set (or an unknown holds) -> WARNING;
#   - the primary at FAIL and the site unable to fail over (ERROR,
#     UNCONFIRMED, ISOLATED twice) -> CRITICAL; PARTITION, one ISOLATED
#     -> WARNING;
#   - an open move intent: CRITICAL while no run holds the lock, normal
#     while one does (flock); status and --json show it;
#   - status: the last change made and its verification, a failed move
#     since shown as such, a failed attempt never as verified;
#   - failback tallies in text, JSON and Nagios, new rows and old ones.
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

# --- no spares: WARNING until the config says it is on purpose -------------
run_fa check
is "$FA_RC" 0 "first check"
nag
is "$NAG_RC" 1 "no [quorum]: exit 1"
like "$NAG_OUT" "^FAILOVER WARNING - no spares: this agent cannot tell its own outage from the primary's $PERF" \
    "WARNING: no spares, every time"
run_fa status
like "$FA_OUT" "WARNING: no spares: this agent cannot tell its own outage from the primary's" \
    "status says it too"
SC_AGENT_EXTRA="quorum = none"
scenario_write_conf
run_fa config-test
unlike "$FA_ERR" "no \\[quorum\\] section" "quorum = none: config-test does not warn"
run_fa status
unlike "$FA_OUT" "no spares" "quorum = none: status does not warn"

# --- OK ----------------------------------------------------------------------
nag
is "$NAG_RC" 0 "STANDBY, primary OK: exit 0"
like "$NAG_OUT" "^FAILOVER OK - STANDBY since .*, primary OK, last cycle #[0-9]+ [0-9]+s ago \\(NOOP\\) $PERF" \
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

# --- drift while STANDBY (issue 17): records as a cycle stores them ---------
standby_variant other "UPDATE records_seen SET addrs = '203.0.113.9', holds = 'other'
    WHERE owner = 'www.example.com.'"
is "$NAG_RC" 2 "a record that holds neither site's addresses, STANDBY: exit 2"
like "$NAG_OUT" "^FAILOVER CRITICAL - www.example.com. holds 203.0.113.9, neither site's addresses" \
    "CRITICAL names the record and what it holds"

standby_variant partial "UPDATE records_seen SET addrs = '192.0.2.10', holds = 'primary-partial'
    WHERE owner = 'www.example.com.'"
is "$NAG_RC" 1 "a record that holds part of the primary's set: exit 1"
like "$NAG_OUT" "^FAILOVER WARNING - www.example.com. holds 192.0.2.10 \\(primary-partial\\), not a site's whole set" \
    "WARNING names the record, what it holds and how"

standby_variant strange "UPDATE records_seen SET holds = 'something-new'
    WHERE owner = 'www.example.com.'"
is "$NAG_RC" 1 "a holds value this plugin does not know: WARNING, not OK"

# --- the primary at FAIL and this site cannot fail over (issue 18) ----------
# fail_variant NAME OUTCOME [PREVIOUS]: the primary at FAIL, STANDBY, the
# last cycle ended OUTCOME (the one before it PREVIOUS, default NOOP).
fail_variant() {
	standby_variant "$1" "UPDATE agent_state SET primary_status = 'FAIL',
	    fail_streak = 4; UPDATE cycles SET outcome = '${3:-NOOP}';
	    INSERT INTO cycles (kind, started_at, duration_ms, outcome,
	    primary_status, state_before, state_after, message, exit_code,
	    quorum) VALUES ('check', strftime('%s'), 5, '$2', 'FAIL',
	    'STANDBY', 'STANDBY', 'the reason of $2', 1, 'not-asked')"
}
fail_variant error ERROR
is "$NAG_RC" 2 "primary FAIL, last cycle ERROR: exit 2"
like "$NAG_OUT" "^FAILOVER CRITICAL - primary FAIL \\(4 failed cycles\\) and this site cannot fail over: ERROR: the reason of ERROR" \
    "CRITICAL: the primary is down and the site cannot fail over, and why"
fail_variant unconfirmed UNCONFIRMED
is "$NAG_RC" 2 "primary FAIL, UNCONFIRMED: exit 2"
fail_variant isolated1 ISOLATED
is "$NAG_RC" 1 "primary FAIL, ISOLATED once: exit 1 (one lost answer)"
fail_variant isolated2 ISOLATED ISOLATED
is "$NAG_RC" 2 "primary FAIL, ISOLATED twice in a row: exit 2"
like "$NAG_OUT" "^FAILOVER CRITICAL - primary FAIL .* cannot fail over: ISOLATED" \
    "CRITICAL: ISOLATED"
fail_variant partition PARTITION
is "$NAG_RC" 1 "primary FAIL, PARTITION: stays exit 1"
like "$NAG_OUT" "^FAILOVER WARNING - primary FAIL \\(4 failed cycles\\) but not failed over: PARTITION" \
    "WARNING: PARTITION"

# --- an open move intent (issue 10) -----------------------------------------
INTENT="INSERT INTO intents (opened_at, kind, direction, records, reason)
    VALUES (strftime('%s') - 30, 'failover', 'to_backup', 'www.example.com.', 'primary at FAIL')"
standby_variant intent "$INTENT"
is "$NAG_RC" 2 "an open intent, no run holding the lock: exit 2"
like "$NAG_OUT" "^FAILOVER CRITICAL - a failover/failback was interrupted \\(started [0-9-]+ [0-9:]+\\): the next cycle reconciles from DNS" \
    "CRITICAL: interrupted, when, what happens next"
ICONF=$(conf_for "$SC_DIR/intent.db")
"$FA" -c "$ICONF" status --json > "$SC_DIR/intent.json"
is "$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["intent"]["direction"], d["intent"]["running"], d["intent"]["interrupted"])' "$SC_DIR/intent.json")" \
    "to_backup False True" "status --json: intent, not running, interrupted"
like "$("$FA" -c "$ICONF" status 2> /dev/null)" "CRITICAL: a failover/failback was interrupted \\(started " \
    "status says it"
# A run holds the lock: the move is under way, which is normal.
out=$(flock -x "$SC_DIR/intent.db.lock" "$FA" -c "$ICONF" status --nagios)
rc=$?
is "$rc" 0 "the same intent while a run holds the lock: exit 0"
unlike "$out" "interrupted" "and nothing about an interruption"
is "$(status_field 'd["intent"]')" null "status --json: intent null when none is open"

# --- the verification of the last change that was made (issue 18) ---------
standby_variant verified "INSERT INTO actions (cycle_id, at, kind, target, result, detail)
    VALUES (1, strftime('%s') - 60, 'dns to_primary', 'example.com.', 'ok', 'took it')"
VCONF=$(conf_for "$SC_DIR/verified.db")
like "$("$FA" -c "$VCONF" status 2> /dev/null)" "last change: cycle #1 to_primary at .*: verified" \
    "status: the last change, its cycle, verified"
standby_variant failedsince "INSERT INTO actions (cycle_id, at, kind, target, result, detail)
    VALUES (1, strftime('%s') - 60, 'dns to_primary', 'example.com.', 'ok', 'took it'),
    (2, strftime('%s'), 'dns to_backup', 'dns', 'failed', 'could not read DNS: no answer')"
FCONF=$(conf_for "$SC_DIR/failedsince.db")
st=$("$FA" -c "$FCONF" status 2> /dev/null)
like "$st" "last change: cycle #1 to_primary" "status: the last change is still cycle #1"
like "$st" "WARNING: a DNS move failed since: cycle #2 at .*: dns: could not read DNS: no answer \\(not verified\\)" \
    "status: the failed attempt since, shown as such"
is "$("$FA" -c "$FCONF" status --json | python3 -c 'import json,sys; d=json.load(sys.stdin)["verify"]; print(d["cycle_id"], d["failed_since"]["cycle_id"])')" \
    "1 2" "status --json: verify of cycle 1, failed_since cycle 2"
standby_variant onlyfailed "INSERT INTO actions (cycle_id, at, kind, target, result, detail)
    VALUES (1, strftime('%s'), 'dns to_backup', 'example.com.', 'failed', 'refused: NOTAUTH')"
OCONF=$(conf_for "$SC_DIR/onlyfailed.db")
st=$("$FA" -c "$OCONF" status 2> /dev/null)
like "$st" "last change: none in history" "status: a failed attempt is no change"
unlike "$st" ": verified" "and nothing reads verified"

# --- failback tallies in their own words (issue 16) -------------------------
# tally_variant NAME QUORUM STATE_BEFORE KIND VOTES: a last cycle that asked
# the spares, its votes as (spare, verdict) pairs.
tally_variant() {
	_tv_votes=
	for _tv in $5; do
		_tv_votes="$_tv_votes${_tv_votes:+,}((SELECT max(id) FROM cycles), '${_tv%%:*}', 'http://x', '${_tv%%:*}', '${_tv##*:}', strftime('%s'), 1, 'valid', NULL, 3)"
	done
	standby_variant "$1" "UPDATE agent_state SET state = 'ACTIVE';
	    INSERT INTO cycles (kind, started_at, duration_ms, outcome,
	    primary_status, state_before, state_after, message, exit_code,
	    quorum) VALUES ('$4', strftime('%s'), 5, 'HELD', 'OK', '$3',
	    'ACTIVE', 'a spare still sees the primary down: failback vetoed',
	    0, '$2');
	    INSERT INTO votes (cycle_id, spare, url, voter, verdict, checked_at,
	    valid, reason, detail, elapsed_ms) VALUES $_tv_votes"
	TCONF=$(conf_for "$SC_DIR/$1.db")
}
tally_variant vetoed failback-vetoed ACTIVE check "spare1:down spare2:up"
like "$NAG_OUT" "failback vetoed: spare1 sees the primary down" \
    "Nagios: failback vetoed, who sees the primary down"
is "$("$FA" -c "$TCONF" status --json | python3 -c 'import json,sys; d=json.load(sys.stdin)["votes_cycle"]; print(d["quorum"] + "|" + d["tally"])')" \
    "failback-vetoed|failback vetoed: spare1 sees the primary down" "status --json: quorum and tally"
like "$("$FA" -c "$TCONF" status 2> /dev/null)" "last votes: cycle #[0-9]+ .*\\(HELD\\): failback vetoed: spare1 sees the primary down" \
    "status: the tally"
h=$("$FA" -c "$TCONF" history -n 1 2> /dev/null)
like "$h" "failback vetoed: spare1 sees the primary down" "history: the tally"
unlike "$h" "confirmed|partition" "history: no failover words on a failback"

tally_variant allowed failback-allowed ACTIVE check "spare1:up spare2:up"
is "$("$FA" -c "$TCONF" status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["votes_cycle"]["tally"])')" \
    "failback allowed: 2 of 2 spares see the primary up" "status --json: failback allowed, 2 of 2"

# Rows stored before the failback words: read by the cycle's direction.
tally_variant oldveto confirmed ACTIVE check "spare1:down spare2:down"
is "$("$FA" -c "$TCONF" history -n 1 --json | python3 -c 'import json,sys; c=json.load(sys.stdin)["cycles"][0]; print(c["quorum"], c["quorum_stored"], c["tally"])')" \
    "failback-vetoed confirmed failback vetoed: spare1, spare2 see the primary down" \
    "an old failback row stored as confirmed reads as vetoed"
tally_variant oldallow partition STANDBY failback "spare1:up spare2:up"
like "$("$FA" -c "$TCONF" history -n 1 2> /dev/null)" "failback allowed: 2 of 2 spares see the primary up" \
    "an old manual failback stored as partition reads as allowed"
tally_variant failover confirmed STANDBY check "spare1:down spare2:down"
is "$("$FA" -c "$TCONF" status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["votes_cycle"]["tally"])')" \
    "quorum confirmed: 2 of 2 spares see the primary down" "a failover keeps the failover words"

done_testing
