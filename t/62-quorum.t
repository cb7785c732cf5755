#!/bin/sh
# 62-quorum.t: the quorum in the product (issue 3), on loopback, against a
# real BIND: a backup with two spares, each a real `failover-agent
# vote-server` started from its own spare config, probing the primary with
# its own check.
#
#   - both spares see the primary down -> FAILOVER, both "down" votes in
#     history and status;
#   - a spare that still sees the primary down vetoes the automatic
#     failback (HELD), until it sees it up -> FAILBACK;
#   - the spares see a second stand-in primary up -> PARTITION, DNS
#     unchanged, exit 1;
#   - both spares stopped -> ISOLATED, DNS unchanged, both abstain
#     "no-answer"; a secret that cannot be loaded -> every spare abstains;
#   - a spare with another secret abstains "bad-signature"; with need = 1
#     the other spare's vote carries the failover;
#   - `failover` is refused without a quorum, `failover --force` skips it;
#   - vote-server on a backup config exits 2; SIGTERM stops it with exit 0;
#   - config-test says which spares answer;
#   - each spare probes on its own clock (interval 0.2s) and its own
#     `status` (text and --json) shows its latest verdict and probe times;
#   - two spares that cannot probe (unknown) with need = 2 -> UNCONFIRMED,
#     DNS unchanged.
# Every process is stopped by PID on exit (scenario_cleanup).
FA_TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$FA_TOP/t/lib/scenario.sh"
scenario_require curl
scenario_setup || bail_out "scenario setup (named, primary, config)"

# backup_quorum NEED MAX_UP: the backup's config with [quorum] and the two
# spares paris and nyc at their current URLs.
backup_quorum() {
	quorum_conf "$1" "max_up      = $2"
}

# The last cycle's fields, from history --json.
last() {
	history_field "d['cycles'][0]$1"
}

# "SPARE:VERDICT-OR-REASON ..." of the last cycle, in the order asked.
last_votes() {
	history_field '" ".join(v["spare"] + ":" + (v["verdict"] if v["valid"] else "abstained-" + v["reason"]) for v in d["cycles"][0]["votes"])'
}

# check_until_outcome OUTCOME MAX: run check until the last cycle's outcome
# is OUTCOME (polling a window such as hold_down), at most MAX cycles.
# FA_RC is the exit code of the last check.
check_until_outcome() {
	_co_i=0
	while :; do
		run_fa check
		[ "$(last "['outcome']")" = "$1" ] && return 0
		_co_i=$((_co_i + 1))
		[ $_co_i -lt "$2" ] || return 1
		sleep 0.2
	done
}

# spare_sees NAME VERDICT: poll the spare's own `status --json` (its latest
# probe, written by vote-server) until it says VERDICT; at most 10 s.
spare_sees() {
	_sv_i=0
	while [ $_sv_i -lt 100 ]; do
		[ "$(FA_LOG_STDERR=1 "$FA" -c "$(spare_conf "$1")" status --json \
		    2> /dev/null | json_eval 'd["probe"]["verdict"]' 2> /dev/null)" = "$2" ] &&
		    return 0
		sleep 0.1
		_sv_i=$((_sv_i + 1))
	done
	return 1
}

vote_key "$SC_DIR/vote.key" || bail_out "vote key"
vote_key "$SC_DIR/wrong.key" || bail_out "wrong key"

# --- vote-server refuses a backup's config --------------------------------
run_fa vote-server
is "$FA_RC" 2 "vote-server with a backup config: exit 2"
like "$FA_ERR" "vote-server needs role = spare" "and says it needs role = spare"

# --- two spares, both watching the primary --------------------------------
spare_start paris "$PRIMARY_PORT" || bail_out "spare paris did not start"
pass "spare paris answers /v1/health"
spare_start nyc "$PRIMARY_PORT" || bail_out "spare nyc did not start"
pass "spare nyc answers /v1/health"
backup_quorum 2 0

FA_SAVE=$CONF
CONF=$(spare_conf paris)
run_fa config-test
is "$FA_RC" 0 "config-test on a spare: exit 0 (the secret loads)"
like "$FA_OUT" "^configuration OK$" "config-test on a spare: configuration OK"
CONF=$FA_SAVE

# The spare's own status: its latest probe, written by vote-server.
FA_SAVE=$CONF
CONF=$(spare_conf paris)
spare_sees paris up
ok $? "spare status: paris sees the primary up"
run_fa status
is "$FA_RC" 0 "spare status: exit 0"
like "$FA_OUT" "^spare paris: sees the primary up" "spare status: the verdict"
like "$FA_OUT" "^latest probe: started [0-9-]+ [0-9:]+.*, finished .*, took [0-9]+ ms" \
    "spare status: when the probe started and finished, how long it took"
like "$FA_OUT" "^probes: [0-9]+ since vote-server started; max_age 4 s" \
    "spare status: probes done, max_age (timeout 1 s + timeout 1 s + 2)"
run_fa status --json
is "$(echo "$FA_OUT" | json_eval 'd["role"] + " " + d["probe"]["verdict"] + " " + str(d["probe"]["max_age"])')" \
    "spare up 4" "spare status --json: role, verdict, max_age"
is "$(echo "$FA_OUT" | json_eval '" ".join(sorted(d["probe"].keys()))')" \
    "checked_at detail duration_ms finished_at max_age probes verdict" \
    "spare status --json: the probe's keys"
p1=$(echo "$FA_OUT" | json_eval 'd["probe"]["probes"]')
i=0
while [ $i -lt 100 ]; do
	run_fa status --json
	[ "$(echo "$FA_OUT" | json_eval 'd["probe"]["probes"]')" -gt "$p1" ] && break
	sleep 0.1
	i=$((i + 1))
done
ok "$([ $i -lt 100 ]; echo $?)" "spare status: the spare probes on its own clock, unasked"
CONF=$FA_SAVE

run_fa config-test
is "$FA_RC" 0 "config-test on the backup: exit 0"
[ "$FA_RC" = 0 ] || diag "$FA_ERR"
like "$FA_OUT" "^spare paris \\(http://127\\.0\\.0\\.1:[0-9]+\\): answers and agrees on the secret \\(up, checked " \
    "config-test: spare paris answers a signed vote and agrees on the secret"
like "$FA_OUT" "^spare nyc \\(http://127\\.0\\.0\\.1:[0-9]+\\): answers and agrees on the secret \\(up, checked " \
    "config-test: spare nyc answers a signed vote and agrees on the secret"
unlike "$FA_ERR" "no \\[quorum\\]" "config-test: no warning about a missing [quorum]"

run_fa check
is "$FA_RC" 0 "first check, primary up: exit 0"
is "$(status_field 'd["state"]')" STANDBY "state STANDBY"
is "$(last "['votes']")" "[]" "a cycle with the primary up asks nobody"
is "$(last "['quorum']")" not-asked "its quorum: not-asked"
is "$(status_field 'd["votes_cycle"]')" null "status: no votes yet"

# --- the primary stops: both spares agree -> FAILOVER ---------------------
primary_stop "$SC_DIR/primary"
ok $? "primary stopped"
run_fa check
run_fa check
is "$(last "['votes']")" "[]" "at CRITICAL nobody is asked yet"
spare_sees paris down && spare_sees nyc down
ok $? "both spares see the primary down on their own"
run_fa check
is "$FA_RC" 1 "third failed cycle: exit 1 (the primary is down)"
is "$(last "['outcome']")" FAILOVER "third failed cycle: FAILOVER"
is "$(last "['quorum']")" confirmed "history: quorum confirmed"
is "$(last_votes)" "paris:down nyc:down" "history: both spares voted down"
is "$(last "['votes'][0]['voter']")" paris "history: the voter is the spare's own name"
like "$(last "['votes'][0]['checked_at']")" "^[0-9]{10}$" "history: checked_at is a time"
is "$(status_field '" ".join(v["spare"] + ":" + v["verdict"] for v in d["votes"])')" \
    "paris:down nyc:down" "status --json: the last votes"
is "$(status_field 'd["votes_cycle"]["quorum"]')" confirmed "status --json: votes_cycle quorum"
is "$(status_field 'd["state"]')" ACTIVE "state ACTIVE"
dns_points_at "after the failover" "$BACKUP_A" "$BACKUP_AAAA"
st=$(fa status 2>&1)
like "$st" "last votes: cycle #[0-9]+ .*\\(FAILOVER\\): quorum confirmed" \
    "status (human): the cycle that asked and its quorum"
like "$st" "vote paris: down, checked " "status (human): paris down, checked at"
like "$st" "vote nyc: down, checked " "status (human): nyc down, checked at"
like "$FA_ERR" "vote paris: down" "the cycle logged paris's vote"
like "$FA_ERR" "quorum: 2 of 2 spares answered \\(0 up, 2 down" "and the tally"
hist=$(fa history -n 1 2>&1)
like "$hist" "quorum confirmed" "history (human): the quorum"
like "$hist" "vote nyc: down" "history (human): the votes"

# --- failback vetoed while a spare still sees the primary down -----------
# nyc now watches a port where nothing listens: it keeps seeing "down".
scenario_port DEAD_PORT || bail_out "port"
spare_start nyc "$DEAD_PORT" || bail_out "spare nyc did not restart"
backup_quorum 2 0
primary_start "$SC_DIR/primary" "$PRIMARY_PORT"
ok $? "primary started again"
# recover_after good cycles, then hold_down: poll until a cycle asks.
i=0
while :; do
	run_fa check
	[ "$(last "['message']")" = "a spare still sees the primary down: failback vetoed" ] &&
	    break
	i=$((i + 1))
	[ $i -lt 60 ] || break
	sleep 0.2
done
is "$(last "['outcome']")" HELD "failback vetoed: outcome HELD"
like "$(last "['message']")" "vetoed" "the reason says vetoed"
is "$(last_votes)" "paris:up nyc:down" "history: paris up, nyc still down"
is "$(status_field 'd["state"]')" ACTIVE "vetoed: still ACTIVE"
dns_points_at "failback vetoed" "$BACKUP_A" "$BACKUP_AAAA"

spare_start nyc "$PRIMARY_PORT" || bail_out "spare nyc did not restart"
backup_quorum 2 0
run_fa check
is "$(last "['outcome']")" FAILBACK "nyc sees the primary up again: FAILBACK"
is "$(last_votes)" "paris:up nyc:up" "history: both up"
is "$(status_field 'd["state"]')" STANDBY "state STANDBY"
dns_points_at "after the failback" "$PRIMARY_A" "$PRIMARY_AAAA"

# --- PARTITION: the spares see the primary up, we do not -------------------
# A second stand-in primary stays up; the spares watch it, the backup
# watches the first one, which stops.
scenario_port PRIMARY2_PORT || bail_out "port"
primary_start "$SC_DIR/primary2" "$PRIMARY2_PORT" || bail_out "second primary"
spare_start paris "$PRIMARY2_PORT" || bail_out "spare paris did not restart"
spare_start nyc "$PRIMARY2_PORT" || bail_out "spare nyc did not restart"
backup_quorum 2 0
serial=$(soa_serial example.com)
primary_stop "$SC_DIR/primary"
check_until_outcome PARTITION 60
ok $? "the spares see the primary up: PARTITION"
is "$FA_RC" 1 "PARTITION: exit 1"
is "$(last "['quorum']")" partition "history: quorum partition"
is "$(last_votes)" "paris:up nyc:up" "history: both spares voted up"
is "$(status_field 'd["state"]')" STANDBY "PARTITION: still STANDBY"
dns_points_at "PARTITION" "$PRIMARY_A" "$PRIMARY_AAAA"
is "$(soa_serial example.com)" "$serial" "PARTITION: nothing sent (serial unchanged)"
like "$FA_ERR" "PARTITION" "PARTITION: logged"

# --- UNCONFIRMED: both spares answer, neither can probe ---------------------
# Their check is https with a ca_file that holds no certificate: curl fails
# on its own side (internal-error), so each spare says "unknown".
printf 'not a certificate\n' > "$SC_DIR/notacert.pem"
SPARE_CHECK_URL=https://127.0.0.1:$PRIMARY2_PORT/health \
SPARE_CHECK_EXTRA="ca_file = $SC_DIR/notacert.pem" \
    spare_start paris "$PRIMARY2_PORT" || bail_out "spare paris did not restart"
SPARE_CHECK_URL=https://127.0.0.1:$PRIMARY2_PORT/health \
SPARE_CHECK_EXTRA="ca_file = $SC_DIR/notacert.pem" \
    spare_start nyc "$PRIMARY2_PORT" || bail_out "spare nyc did not restart"
backup_quorum 2 0
spare_sees paris unknown && spare_sees nyc unknown
ok $? "both spares answer unknown (they cannot probe)"
run_fa check
is "$(last "['outcome']")" UNCONFIRMED "two unknown votes, need 2: UNCONFIRMED"
is "$(last "['quorum']")" unconfirmed "history: quorum unconfirmed"
is "$(last_votes)" "paris:unknown nyc:unknown" "history: both voted unknown"
is "$(status_field 'd["state"]')" STANDBY "UNCONFIRMED: still STANDBY"
dns_points_at "UNCONFIRMED" "$PRIMARY_A" "$PRIMARY_AAAA"
is "$(soa_serial example.com)" "$serial" "UNCONFIRMED: nothing sent"

# --- ISOLATED: no spare answers --------------------------------------------
spare_stop paris
is "$?" 0 "spare paris stops on SIGTERM with exit 0"
spare_stop nyc
is "$?" 0 "spare nyc stops on SIGTERM with exit 0"
like "$(cat "$SC_DIR/spare-nyc/spare.log")" "vote-server: stopping" "and says so"
run_fa check
is "$FA_RC" 1 "both spares stopped: exit 1"
is "$(last "['outcome']")" ISOLATED "both spares stopped: ISOLATED"
is "$(last "['quorum']")" isolated "history: quorum isolated"
is "$(last_votes)" "paris:abstained-no-answer nyc:abstained-no-answer" \
    "history: both abstained no-answer"
dns_points_at "ISOLATED" "$PRIMARY_A" "$PRIMARY_AAAA"
is "$(soa_serial example.com)" "$serial" "ISOLATED: nothing sent"
like "$(fa status 2>&1)" "vote paris: abstained: no-answer" \
    "status (human): the abstention and its reason"

run_fa config-test
is "$FA_RC" 0 "config-test with both spares down: exit 0 (a warning)"
like "$FA_ERR" ":[0-9]+: \\[spare:paris\\] http://127\\.0\\.0\\.1:[0-9]+: no signed vote: no-answer" \
    "config-test: paris does not answer (a warning at its line)"
like "$FA_OUT" "^configuration OK$" "config-test: configuration OK all the same"

# A secret that cannot be loaded (too short): every spare abstains, no crash.
printf 'tooshortsecretXYZ\n' > "$SC_DIR/short.key"
chmod 600 "$SC_DIR/short.key"
sed "s|^secret_file = .*|secret_file = $SC_DIR/short.key|" "$CONF" > "$SC_DIR/short.conf"
FA_SAVE=$CONF
CONF=$SC_DIR/short.conf
run_fa check
is "$FA_RC" 1 "a secret that cannot be loaded: exit 1"
is "$(last "['outcome']")" ISOLATED "a secret that cannot be loaded: ISOLATED"
is "$(last_votes)" "paris:abstained-internal-error nyc:abstained-internal-error" \
    "every spare abstains (internal-error)"
like "$(last "['votes'][0]['detail']")" "cannot load the shared secret" \
    "the abstention says why"
unlike "$FA_ERR" "tooshortsecretXYZ" "the secret is not logged"
like "$FA_ERR" "cannot load the shared secret" "the cycle logged why"
run_fa config-test
is "$FA_RC" 2 "config-test: a secret that cannot be loaded is an error"
like "$FA_ERR" "short\\.conf:[0-9]+: \\[quorum\\] secret_file: " "as FILE:LINE: message"
CONF=$FA_SAVE

# --- a spare with another secret abstains; need = 1 still fails over -------
spare_start paris "$PRIMARY_PORT" || bail_out "spare paris did not restart"
spare_start nyc "$PRIMARY_PORT" "$SC_DIR/wrong.key" || bail_out "spare nyc did not restart"
backup_quorum 1 0
check_until_outcome FAILOVER 60
ok $? "need = 1, paris down, nyc with another secret: FAILOVER"
is "$(last_votes)" "paris:down nyc:abstained-bad-signature" \
    "history: nyc abstained bad-signature"
like "$(last "['votes'][1]['detail']")" "401" "the detail says the spare refused our MAC"
dns_points_at "failover with need = 1" "$BACKUP_A" "$BACKUP_AAAA"
grep -q "refused 127.0.0.1: 401 bad MAC" "$SC_DIR/spare-nyc/spare.log"
ok $? "nyc logged the refused request"

# --- failover without quorum is refused; --force skips asking -------------
run_fa failback --force
is "$(status_field 'd["state"]')" STANDBY "failback --force: STANDBY"
spare_stop paris
spare_stop nyc
ncycles=$(history_field 'len(d["cycles"])')
run_fa failover --dry-run
like "$FA_OUT" "^vote paris: abstained: no-answer" "failover --dry-run: asks and shows each vote"
like "$FA_OUT" "^quorum: isolated$" "failover --dry-run: shows the tally"
like "$FA_OUT" "^plan: ISOLATED: " "failover --dry-run: the plan is ISOLATED"
is "$(history_field 'len(d["cycles"])')" "$ncycles" "failover --dry-run: no history row"
run_fa failover
is "$FA_RC" 1 "failover without an answering spare: exit 1"
like "$FA_OUT" "^ISOLATED: too few spares answered" "failover: not done (ISOLATED), and why"
is "$(last "['outcome']")" ISOLATED "failover: history says ISOLATED"
is "$(last_votes)" "paris:abstained-no-answer nyc:abstained-no-answer" \
    "failover: the spares were asked"
dns_points_at "failover refused" "$PRIMARY_A" "$PRIMARY_AAAA"
run_fa failover --force
is "$FA_RC" 0 "failover --force did what was asked: exit 0 even with the primary down"
like "$FA_OUT" "^FAILOVER: manual failover \(--force: quorum skipped\)" \
    "failover --force: FAILOVER, the quorum skipped"
is "$(last "['outcome']")" FAILOVER "failover --force: history says FAILOVER"
is "$(last "['votes']")" "[]" "failover --force: nobody asked"
is "$(last "['quorum']")" not-asked "failover --force: quorum not-asked"
dns_points_at "failover --force" "$BACKUP_A" "$BACKUP_AAAA"

is "$(sqlite3 "$STATE_DB" 'PRAGMA integrity_check')" ok \
    "the state database passes integrity_check"
grep -l "Sanitizer\|runtime error" "$SC_DIR"/spare-*/spare.log > /dev/null 2>&1
ok $((!$?)) "no sanitizer report in the spares' logs"

done_testing
