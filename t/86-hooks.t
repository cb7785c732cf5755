#!/bin/sh
# 86-hooks.t: hooks end to end (issue 6), against a real BIND.
#   - a before_failover hook exiting 1 aborts the failover: DNS untouched,
#     the state stays STANDBY, history shows the hook, its exit status and
#     what it printed;
#   - a hook that prints its environment gets exactly PATH and the
#     documented FA_* variables with the right values (FA_CYCLE_ID is the
#     cycle history shows), and nothing of ours: no HOME, no variable of
#     the agent's environment, no secret;
#   - an after_failover hook that ignores SIGTERM and hangs is stopped at
#     [hooks] timeout (TERM, then KILL: its whole process group), and the
#     failure is recorded;
#   - a before_failback hook that cannot run (its interpreter does not
#     exist) counts as failed: no failback, the reason in history;
#   - after_failback sees the failback's values;
#   - issue 11: a 12 kB FA_RECORDS reaches the hook whole; what a hook
#     prints is shown escaped by status and history (no ESC byte reaches the
#     terminal), JSON-escaped by --json; a hook in a group-writable
#     directory is refused at its FILE:LINE.
FA_TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$FA_TOP/t/lib/scenario.sh"
scenario_require
scenario_setup || bail_out "scenario setup (named, primary, config)"

# hook NAME BODY: an executable script $SC_DIR/hooks/NAME.
mkdir -m 755 "$SC_DIR/hooks"
hook() {
	printf '#!/bin/sh\n%s\n' "$2" > "$SC_DIR/hooks/$1"
	chmod 755 "$SC_DIR/hooks/$1"
}
hooks_conf() {
	SC_EXTRA="
[hooks]
$1
timeout = 1s"
	scenario_write_conf
}

# The agent runs with things in its environment a hook must not see.
check_env() {
	HOME=/root FA_LEAK=leaked SECRET_TOKEN=hunter2 MYSQL_PWD=hunter3 \
	    run_fa check
}

# env_of FILE: the variables a hook saw, sorted, one per line, without
# PWD (which /bin/sh sets by itself).
env_of() {
	grep -v '^PWD=' "$1" | sort
}

MANAGED="example.com. www.example.com. www.example.org."

# --- before_failover says no -------------------------------------------------
hook no 'echo "maintenance window: no failover"; exit 1'
hooks_conf "before_failover = $SC_DIR/hooks/no"
run_fa check
is "$(status_field 'd["state"]')" STANDBY "first check: STANDBY"
primary_stop "$SC_DIR/primary"
check_env
check_env
check_env
is "$FA_RC" 1 "the failover cycle: exit 1"
is "$(status_field 'd["state"]')" STANDBY "before_failover exit 1: still STANDBY"
is "$(dig_a www.example.com)" "$PRIMARY_A" "DNS untouched"
is "$(history_field '[a["kind"] for a in d["cycles"][0]["actions"]]')" \
    '["hook before_failover"]' "history: the hook is the only action"
is "$(history_field 'd["cycles"][0]["actions"][0]["result"]')" failed \
    "history: it failed"
like "$(history_field 'd["cycles"][0]["actions"][0]["detail"]')" \
    "^exit 1: maintenance window: no failover" \
    "history: exit status and what it printed"
like "$(fa history -n 1 2>&1)" "hook before_failover $SC_DIR/hooks/no: failed: exit 1: maintenance window" \
    "history (human) shows it"

# --- the environment; a hook that hangs --------------------------------------
hook env "env > $SC_DIR/env.before"
hook hang "echo \$\$ > $SC_DIR/hang.pid
trap '' TERM
sleep 30 &
echo \$! > $SC_DIR/hang-child.pid
while :; do sleep 1; done"
hooks_conf "before_failover = $SC_DIR/hooks/env
after_failover = $SC_DIR/hooks/hang"
check_env
is "$(dig_a www.example.com)" "$BACKUP_A" "the failover went ahead: DNS points at the backup"
id=$(history_field 'd["cycles"][0]["id"]')
is "$(env_of "$SC_DIR/env.before")" "$(sort <<EOF
FA_BACKUP_ADDRESSES=$BACKUP_A, $BACKUP_AAAA
FA_CYCLE_ID=$id
FA_EVENT=before_failover
FA_PRIMARY_ADDRESSES=$PRIMARY_A, $PRIMARY_AAAA
FA_READ_ONLY=0
FA_REASON=primary at FAIL (no quorum configured)
FA_RECORDS=$MANAGED
FA_SITE=backup-test
FA_STATE_FROM=STANDBY
FA_STATE_TO=ACTIVE
PATH=/usr/sbin:/usr/bin:/sbin:/bin
EOF
)" "before_failover's environment: PATH and the FA_* variables, right values, nothing else"
secret=$(sed -n 's/.*secret "\([^"]*\)".*/\1/p' "$KEY_FILE")
isnt "$secret" "" "(the TSIG secret was read for the next test)"
grep -qF -e "$secret" -e hunter -e leaked -e HOME= "$SC_DIR/env.before"
isnt $? 0 "no HOME, nothing of the agent's environment, no TSIG secret"

a=$(history_field '[a for a in d["cycles"][0]["actions"] if a["kind"] == "hook after_failover"][0]')
like "$a" '"result": "failed"' "the hanging after_failover hook: failed"
like "$a" "timed out after 1s, killed with SIGKILL" \
    "history: timed out at [hooks] timeout, KILLed after ignoring TERM"
hang=$(cat "$SC_DIR/hang.pid")
child=$(cat "$SC_DIR/hang-child.pid")
kill -0 "$hang" 2> /dev/null
isnt $? 0 "the hook is gone"
kill -0 "$child" 2> /dev/null
isnt $? 0 "and so is its child (its process group was killed)"

# --- a hook that cannot run ---------------------------------------------------
printf '#!/nonexistent/interpreter\n' > "$SC_DIR/hooks/broken"
chmod 755 "$SC_DIR/hooks/broken"
hook envback "env > $SC_DIR/env.after"
hooks_conf "before_failback = $SC_DIR/hooks/broken
after_failback = $SC_DIR/hooks/envback"
check_env
primary_start "$SC_DIR/primary" "$PRIMARY_PORT"
ok $? "primary back"
# recover_after 3 and hold_down 2s, then the failback is tried.
i=0
while [ "$(history_field '[a["kind"] for a in d["cycles"][0]["actions"]]')" != '["hook before_failback"]' ]; do
	[ $i -lt 60 ] || break
	[ $i -eq 0 ] || sleep 0.2
	check_env
	i=$((i + 1))
done
is "$(history_field '[a["kind"] for a in d["cycles"][0]["actions"]]')" \
    '["hook before_failback"]' "the failback was tried: its before hook ran"
is "$(history_field 'd["cycles"][0]["actions"][0]["result"]')" failed \
    "a hook that cannot run counts as failed"
like "$(history_field 'd["cycles"][0]["actions"][0]["detail"]')" \
    "No such file or directory" "history: why it could not run"
is "$(dig_a www.example.com)" "$BACKUP_A" "no failback: DNS still at the backup"
test -e "$SC_DIR/env.after"
isnt $? 0 "after_failback did not run"

hooks_conf "after_failback = $SC_DIR/hooks/envback"
check_until_state STANDBY 30
ok $? "without the broken hook the failback happens"
is "$(dig_a www.example.com)" "$PRIMARY_A" "DNS at the primary again"
id=$(history_field '[c["id"] for c in d["cycles"] if c["outcome"] == "FAILBACK"][0]')
is "$(env_of "$SC_DIR/env.after" | grep -E '^FA_(EVENT|STATE_FROM|STATE_TO|CYCLE_ID|REASON)=')" \
    "$(sort <<EOF
FA_CYCLE_ID=$id
FA_EVENT=after_failback
FA_REASON=primary OK for recover_after cycles
FA_STATE_FROM=ACTIVE
FA_STATE_TO=STANDBY
EOF
)" "after_failback's environment: the failback's values"

# --- issue 11: values passed whole, stored text escaped, unsafe hooks refused --
# 300 more records: FA_RECORDS is about 12 kB, far above the old 3.8 kB cut.
long="www"
want_recs="example.com. www.example.com. www.example.org."
i=0
while [ $i -lt 300 ]; do
	long="$long, record-with-a-long-name-$i"
	want_recs="$want_recs record-with-a-long-name-$i.example.org."
	i=$((i + 1))
done
hook loud "env > $SC_DIR/env.loud
printf '\\033]0;pwned\\007\\033[31mred\\033[0m and \\342\\234\\223 ok\\n'
exit 1"
hooks_conf "before_failover = $SC_DIR/hooks/loud"
sed -i "s/^records = www\$/records = $long/" "$CONF"
run_fa config-test
is "$FA_RC" 0 "300 records more: config-test exit 0"
[ "$FA_RC" = 0 ] || diag "$FA_ERR"
primary_stop "$SC_DIR/primary"
# fail_after 3, then hold_down (2s) since the failback.
i=0
while [ ! -e "$SC_DIR/env.loud" ] && [ $i -lt 60 ]; do
	[ $i -eq 0 ] || sleep 0.2
	check_env
	i=$((i + 1))
done
is "$(history_field 'd["cycles"][0]["actions"][0]["kind"]')" \
    "hook before_failover" "the failover cycle ran the hook"
recs=$(sed -n 's/^FA_RECORDS=//p' "$SC_DIR/env.loud")
is "${#recs}" "${#want_recs}" "FA_RECORDS is whole: ${#want_recs} bytes"
is "$recs" "$want_recs" "and holds every record, in order"
hist=$(fa history -n 1 2>&1)
like "$hist" 'failed: exit 1: \\x1b\]0;pwned\\x07\\x1b\[31mred\\x1b\[0m and ✓ ok' \
    "history (text): the hook's escape sequences shown escaped, UTF-8 kept"
printf '%s' "$hist" | grep -q "$(printf '\033')"
isnt $? 0 "history (text): no ESC byte reaches the terminal"
fa status 2>&1 | grep -q "$(printf '\033')"
isnt $? 0 "status (text): no ESC byte either"
like "$(fa history -n 1 --json)" '\\u001[bB]\]0;pwned\\u0007' \
    "history --json: JSON escapes, as JSON does"
primary_start "$SC_DIR/primary" "$PRIMARY_PORT"
ok $? "primary back"

# A hook in a directory its group may write: refused at its line, by every
# command that runs hooks; status still works (it runs none).
mkdir -m 775 "$SC_DIR/gw"
printf '#!/bin/sh\nexit 0\n' > "$SC_DIR/gw/hook"
chmod 755 "$SC_DIR/gw/hook"
hooks_conf "before_failover = $SC_DIR/gw/hook"
line=$(grep -n '^before_failover' "$CONF" | cut -d: -f1)
run_fa config-test
is "$FA_RC" 2 "hook in a group-writable directory: config-test exit 2"
like "$FA_ERR" "^$CONF:$line: before_failover: $SC_DIR/gw is writable by its group \\(mode 0775\\); run: chmod go-w $SC_DIR/gw" \
    "FILE:LINE, the directory and the fix"
run_fa check
is "$FA_RC" 2 "check refuses it too"
run_fa status
is "$FA_RC" 0 "status does not judge hooks: exit 0"
chmod 755 "$SC_DIR/gw"
run_fa config-test
is "$FA_RC" 0 "chmod go-w: config-test exit 0"
[ "$FA_RC" = 0 ] || diag "$FA_ERR"

done_testing
