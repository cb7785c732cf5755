#!/bin/sh
# 82-exec.t: method = exec.  The program (a shell script written here) gets
# "update ZONE", the plan as JSON on stdin and a clean environment, and
# applies the change to our real BIND with nsupdate, conditionally; the
# agent confirms it with DNS.  A program that fails, hangs (its process
# group is killed at [exec] timeout), is not executable, or says it worked
# and did nothing: a plain message, exit 1 (2 for the config), DNS and
# state honest.
FA_TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$FA_TOP/t/lib/scenario.sh"
scenario_require
scenario_setup || bail_out "scenario setup (named, primary, config)"

EX=$SC_DIR/exec
mkdir "$EX"
APPLY=$EX/apply.sh
# The program: records what it was given, then applies the plan with
# nsupdate, each old value as a prerequisite (RFC 2136 §2.4).
cat > "$APPLY" <<EOF
#!/bin/sh
Z=\${FA_ZONE%.}
env | sort > "$EX/env.\$Z"
echo "\$*" > "$EX/argv.\$Z"
cat > "$EX/plan.\$Z.json"
python3 - "$EX/plan.\$Z.json" > "$EX/nsupdate.\$Z" <<'PY' || exit 3
import json, os, sys
p = json.load(open(sys.argv[1]))
print("server %s %s" % (os.environ["FA_DNS_SERVER"], os.environ["FA_DNS_PORT"]))
print("zone %s" % p["zone"])
for r in p["records"]:
    if r["old"]:
        print("prereq yxrrset %s IN %s %s" % (r["name"], r["type"], r["old"][0]))
    else:
        print("prereq nxrrset %s IN %s" % (r["name"], r["type"]))
for r in p["records"]:
    print("update delete %s %s" % (r["name"], r["type"]))
    for a in r["new"]:
        print("update add %s %d %s %s" % (r["name"], p["ttl"], r["type"], a))
print("send")
PY
nsupdate -k "$KEY_FILE" "$EX/nsupdate.\$Z" || { echo "nsupdate failed"; exit 4; }
EOF
chmod 755 "$APPLY"

SC_DNS_METHOD=exec
exec_conf() {
	SC_EXTRA="[exec]
program = $1
timeout = ${2:-10s}"
	scenario_write_conf
}
exec_conf "$APPLY"

run_fa config-test
is "$FA_RC" 0 "config-test: exit 0"

# --- failover and failback end to end -------------------------------------
run_fa check
is "$(status_field 'd["state"]')" STANDBY "first check: STANDBY"
ls "$EX"/argv.* > /dev/null 2>&1
isnt $? 0 "steady state: the program never ran"
failover_by_checks "the program"
is "$(dig_ttl www.example.org AAAA)" 1 "the plan's ttl was used"
is "$(cat "$EX/argv.example.com")" "update example.com." "argv: update ZONE"
is "$(python3 -c '
import json, sys
p = json.load(open(sys.argv[1]))
print(p["zone"], p["ttl"], p["direction"], " ".join("%s/%s/%s>%s" % (r["name"], r["type"], ",".join(r["old"]), ",".join(r["new"])) for r in p["records"]))
' "$EX/plan.example.org.json")" \
    "example.org. 1 to-backup www.example.org./A/$PRIMARY_A>$BACKUP_A www.example.org./AAAA/$PRIMARY_AAAA>$BACKUP_AAAA" \
    "stdin: the plan as JSON (zone, ttl, direction, records old -> new)"
is "$(grep -c -v -E '^(PATH|PWD|FA_METHOD|FA_ZONE|FA_DIRECTION|FA_TTL|FA_DNS_SERVER|FA_DNS_PORT|FA_SITE)=' "$EX/env.example.com")" \
    0 "a clean environment: only PATH and the documented FA_* variables"
like "$(cat "$EX/env.example.com")" "FA_DNS_PORT=$DNS_PORT" \
    "FA_DNS_SERVER/FA_DNS_PORT name the server the agent verifies on"
like "$(cat "$EX/env.example.com")" "FA_DIRECTION=to-backup" "FA_DIRECTION"
like "$(history_field '" ".join(a["detail"] for a in d["cycles"][0]["actions"])')" \
    "applied the change.*verified on 127.0.0.1#$DNS_PORT" \
    "history: the program applied it, DNS confirmed it"

primary_start "$SC_DIR/primary" "$PRIMARY_PORT"
check_until_state STANDBY 60
ok $? "failback through the program: STANDBY"
dns_points_at "after the failback" "$PRIMARY_A" "$PRIMARY_AAAA"
like "$(cat "$EX/env.example.org")" "FA_DIRECTION=to-primary" \
    "FA_DIRECTION=to-primary on failback"

# --- a program that fails -------------------------------------------------
FAILING=$EX/failing.sh
printf '#!/bin/sh\necho "the registrar said no" >&2\nexit 3\n' > "$FAILING"
chmod 755 "$FAILING"
exec_conf "$FAILING"
primary_stop "$SC_DIR/primary"
check_until_err "failed \(exit 3\): the registrar said no" 60
ok $? "its exit status and first line of output are in the message"
is "$FA_RC" 1 "exit 1"
isnt "$(status_field 'd["state"]')" ACTIVE "not ACTIVE"
is "$(dig_a www.example.com)" "$PRIMARY_A" "DNS unchanged"

# --- a program that hangs: its process group is killed ---------------------
HANGING=$EX/hanging.sh
printf '#!/bin/sh\nsleep 60 &\necho $! > "%s/child.pid"\nwait\n' "$EX" > "$HANGING"
chmod 755 "$HANGING"
exec_conf "$HANGING" 500ms
check_until_err "did not finish within \[exec\] timeout \(500ms\); its process group was killed" 60
ok $? "the run says it did not finish within [exec] timeout"
is "$FA_RC" 1 "exit 1"
child=$(cat "$EX/child.pid" 2> /dev/null)
isnt "$child" "" "the program had started a child"
kill -0 "$child" 2> /dev/null
isnt $? 0 "the child (same process group) is gone too"

# --- a program that says it worked and did nothing --------------------------
LYING=$EX/lying.sh
printf '#!/bin/sh\ncat > /dev/null\nexit 0\n' > "$LYING"
chmod 755 "$LYING"
exec_conf "$LYING"
SC_DNS_EXTRA="verify_timeout = 1s"
exec_conf "$LYING"
check_until_err "not verified" 60
ok $? "exit 0 without a change: the run says not verified"
is "$FA_RC" 1 "exit 1"
isnt "$(status_field 'd["state"]')" ACTIVE "not ACTIVE on the program's word alone"
SC_DNS_EXTRA=

# --- a program that is not executable ---------------------------------------
chmod 644 "$FAILING"
exec_conf "$FAILING"
run_fa config-test
is "$FA_RC" 2 "config-test: exit 2"
like "$FA_ERR" "program: $FAILING is not executable \(mode 0644\)" \
    "config-test: FILE:LINE: program: ... is not executable"
run_fa check
is "$FA_RC" 2 "check with that config: exit 2 (a config error)"

# --- a record changed by hand: a conflict, the program never sees it ---------
exec_conf "$APPLY"
primary_start "$SC_DIR/primary" "$PRIMARY_PORT"
check_until_state STANDBY 60
ok $? "STANDBY again"
rm -f "$EX"/plan.*
nsupdate_by_hand example.com "update delete www.example.com. A
update add www.example.com. 300 A 203.0.113.7"
primary_stop "$SC_DIR/primary"
check_until_err "[Cc]onflict" 60
ok $? "the failover's run says conflict"
is "$(dig_a www.example.com)" 203.0.113.7 "the hand-made record is left alone"
is "$(python3 -c '
import json, sys
print(" ".join(r["name"] + "/" + r["type"] for r in json.load(open(sys.argv[1]))["records"]))
' "$EX/plan.example.com.json")" "example.com./A example.com./AAAA" \
    "the program was given only the records without conflict"
isnt "$(status_field 'd["state"]')" ACTIVE "not ACTIVE"

done_testing
