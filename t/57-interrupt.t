#!/bin/sh
# 57-interrupt.t: moves that survive interruption (issue 10), against a real
# BIND.  The agent is SIGKILLed at every step of a failover and of a
# failback: after its intent is committed (before the before hook), during
# the before hook, after DNS moved, during the after hook, and just before
# the final write.  Each step is reached deterministically: the hooks write
# their PID and wait, and FA_TEST_PAUSE_AT makes the agent stop itself
# (SIGSTOP) at a named point.  Then the world moves on (the primary returns
# after a killed failover; it dies again after a killed failback) and:
#   - the very next cycle stores what DNS holds (the state is the truth
#     again within one cycle), with a transition that says the last cycle
#     was interrupted;
#   - within a few cycles DNS and the state agree and are right;
#   - PRAGMA integrity_check is ok.
# Also: SIGTERM during a manual failover lets the move finish and be
# recorded (exit 0); a record changed by hand while ACTIVE is noticed on
# the next cycle (drift); a full state disk during a move exits 1 with a
# message that says DNS changed and the store did not, and the next cycle
# reconciles.
FA_TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$FA_TOP/t/lib/scenario.sh"
scenario_require
scenario_setup || bail_out "scenario setup (named, primary, config)"

mkdir -m 755 "$SC_DIR/hooks"
# Each hook records that it ran; when $SC_DIR/hang-NAME exists it writes
# its PID (its own process group: spawn makes it the leader) and waits.
for h in before_failover after_failover before_failback after_failback; do
	cat > "$SC_DIR/hooks/$h" <<EOF
#!/bin/sh
echo "\$FA_EVENT" >> "$SC_DIR/hooks.log"
if [ -e "$SC_DIR/hang-$h" ]; then
	echo \$\$ > "$SC_DIR/hookpid"
	exec sleep 60
fi
exit 0
EOF
	chmod 755 "$SC_DIR/hooks/$h"
done
SC_EXTRA="
[hooks]
before_failover = $SC_DIR/hooks/before_failover
after_failover  = $SC_DIR/hooks/after_failover
before_failback = $SC_DIR/hooks/before_failback
after_failback  = $SC_DIR/hooks/after_failback
timeout         = 90s"
scenario_write_conf

holds() {
	case "$(dig_a www.example.com)" in
	"$PRIMARY_A")	echo STANDBY ;;
	"$BACKUP_A")	echo ACTIVE ;;
	*)		echo "OTHER($(dig_a www.example.com))" ;;
	esac
}

integrity() {
	sqlite3 "$STATE_DB" 'PRAGMA integrity_check'
}

# run_until_stopped STEP HANG: run `check` in the background until one of
# them stops: at FA_TEST_PAUSE_AT=STEP (process state T), or, with HANG
# (a hook name), when that hook has written its PID.  Then SIGKILL the
# agent (and the hook's group).  At most 12 cycles.  0 when killed.
run_until_stopped() {
	_step=$1
	_hang=$2
	rm -f "$SC_DIR/hookpid" "$SC_DIR"/hang-*
	[ -n "$_hang" ] && : > "$SC_DIR/hang-$_hang"
	_n=0
	while [ $_n -lt 12 ]; do
		_n=$((_n + 1))
		FA_LOG_STDERR=1 FA_TEST_PAUSE_AT=$_step "$FA" -c "$CONF" check \
		    2>> "$SC_DIR/agent.log" &
		_pid=$!
		_w=0
		while kill -0 $_pid 2>/dev/null; do
			if [ -n "$_hang" ] && [ -s "$SC_DIR/hookpid" ]; then
				break
			fi
			case "$(ps -o stat= -p $_pid 2>/dev/null)" in
			T*)	break ;;
			esac
			_w=$((_w + 1))
			[ $_w -lt 600 ] || break
			sleep 0.05
		done
		if kill -0 $_pid 2>/dev/null; then
			kill -KILL $_pid
			wait $_pid 2>/dev/null
			if [ -s "$SC_DIR/hookpid" ]; then
				kill -KILL -"$(cat "$SC_DIR/hookpid")" \
				    2>/dev/null
			fi
			rm -f "$SC_DIR/hookpid" "$SC_DIR"/hang-*
			return 0
		fi
		wait $_pid
		sleep 0.2
	done
	rm -f "$SC_DIR"/hang-*
	return 1
}

# after_kill WHAT: the next cycle stores what DNS holds and says why.
after_kill() {
	run_fa check
	_dns=$(holds)
	is "$(status_field 'd["state"]')" "$_dns" \
	    "$1: one cycle later the state is what DNS holds ($_dns)"
	like "$(history_field '" ".join(t["reason"] or "" for t in d["cycles"][0]["transitions"])')" \
	    "interrupted" "$1: its transition says the last cycle was interrupted"
	is "$(sqlite3 "$STATE_DB" 'SELECT count(*) FROM intents WHERE closed_at IS NULL')" \
	    0 "$1: no intent left open"
}

settle() {
	check_until_state "$1" 40
	ok $? "$2: settles at $1"
	is "$(holds)" "$1" "$2: DNS agrees ($1)"
	is "$(integrity)" ok "$2: integrity_check ok"
}

run_fa check
is "$(status_field 'd["state"]')" STANDBY "start: STANDBY"

for step in intent:- none:before_failover dns:- none:after_failover record:-; do
	pause=${step%%:*}
	hang=${step#*:}
	[ "$hang" = - ] && hang=
	label="failover killed at $pause${hang:+ ($hang)}"
	primary_stop "$SC_DIR/primary"
	run_until_stopped "$pause" "$hang"
	ok $? "$label"
	primary_start "$SC_DIR/primary" "$PRIMARY_PORT"
	after_kill "$label"
	settle STANDBY "primary back after: $label"
done

# The failback's turn: from a settled ACTIVE, the primary returns, the
# failback is killed; then the primary dies again.
for step in intent:- none:before_failback dns:- none:after_failback record:-; do
	pause=${step%%:*}
	hang=${step#*:}
	[ "$hang" = - ] && hang=
	label="failback killed at $pause${hang:+ ($hang)}"
	primary_stop "$SC_DIR/primary"
	settle ACTIVE "before: $label"
	primary_start "$SC_DIR/primary" "$PRIMARY_PORT"
	run_until_stopped "$pause" "$hang"
	ok $? "$label"
	primary_stop "$SC_DIR/primary"
	after_kill "$label"
	settle ACTIVE "primary dead again after: $label"
	primary_start "$SC_DIR/primary" "$PRIMARY_PORT"
	settle STANDBY "primary back after: $label"
done

# --- SIGTERM during a manual failover: the move finishes and is recorded --
rm -f "$SC_DIR/hookpid"
: > "$SC_DIR/hang-after_failover"
SC_EXTRA=$(printf '%s\n' "$SC_EXTRA" | sed 's/timeout         = 90s/timeout         = 3s/')
scenario_write_conf
FA_LOG_STDERR=1 "$FA" -c "$CONF" failover --force > "$SC_DIR/manual.out" 2> "$SC_DIR/manual.err" &
pid=$!
i=0
while [ ! -s "$SC_DIR/hookpid" ] && [ $i -lt 400 ]; do
	sleep 0.05
	i=$((i + 1))
done
kill -TERM $pid
wait $pid
rc=$?
rm -f "$SC_DIR/hang-after_failover"
is "$rc" 1 "SIGTERM during a manual failover: the run ends as the cycle did (exit 1: the hanging after hook timed out)"
like "$(cat "$SC_DIR/manual.err")" "finishing the cycle under way" \
    "it says it finishes the cycle first"
is "$(status_field 'd["state"]')" ACTIVE "the failover finished and was recorded: ACTIVE"
is "$(holds)" ACTIVE "DNS points at the backup"
is "$(history_field 'd["cycles"][0]["kind"]')" failover "history: the manual failover is recorded"

# --- drift: a record changed by hand while ACTIVE is noticed next cycle ---
nsupdate_by_hand example.com "update delete www.example.com. A
update add www.example.com. 1 A $PRIMARY_A
update delete www.example.com. AAAA
update add www.example.com. 1 AAAA $PRIMARY_AAAA
update delete example.com. A
update add example.com. 1 A $PRIMARY_A
update delete example.com. AAAA
update add example.com. 1 AAAA $PRIMARY_AAAA"
nsupdate_by_hand example.org "update delete www.example.org. A
update add www.example.org. 1 A $PRIMARY_A
update delete www.example.org. AAAA
update add www.example.org. 1 AAAA $PRIMARY_AAAA"
run_fa check
is "$(status_field 'd["state"]')" STANDBY \
    "a failback made by hand while ACTIVE: the next cycle follows DNS (STANDBY)"
like "$(history_field '" ".join(t["reason"] or "" for t in d["cycles"][0]["transitions"])')" \
    "serial moved" "its transition says the zone's serial moved"
nsupdate_by_hand example.com "update delete www.example.com. A
update add www.example.com. 1 A 203.0.113.9"
run_fa check
is "$(status_field 'd["state"]')" STANDBY "a third address set by hand while STANDBY: the state stands"
is "$(status_field '[r["holds"] for r in d["records"] if r["owner"] == "www.example.com."][0]')" \
    other "... and status shows the record holding an address the agent does not manage, at once"
nsupdate_by_hand example.com "update delete www.example.com. A
update add www.example.com. 1 A $PRIMARY_A"
settle STANDBY "the record put back"

# --- a full disk for the state directory during a move --------------------
if mkdir "$SC_DIR/small" && mount -t tmpfs -o size=2m tmpfs "$SC_DIR/small"; then
	SMALL_DB=$SC_DIR/small/state.db
	cp "$STATE_DB" "$SMALL_DB"
	SC_STATE_DB=$SMALL_DB
	# The after hook fills the disk: the intent is in, the final write
	# cannot be.
	cat > "$SC_DIR/hooks/after_failover" <<EOF
#!/bin/sh
dd if=/dev/zero of="$SC_DIR/small/fill" bs=64k 2>/dev/null
exit 0
EOF
	scenario_write_conf
	STATE_DB=$SMALL_DB
	run_fa failover --force
	is "$FA_RC" 1 "full disk during a failover: exit 1"
	like "$FA_ERR" "DNS changed and the store did not" \
	    "the message says DNS changed and the store did not"
	is "$(holds)" ACTIVE "DNS did move"
	rm -f "$SC_DIR/small/fill"
	like "$(fa status --nagios 2>&1)" "CRITICAL|interrupted" \
	    "status --nagios says it while the intent is open"
	run_fa check
	is "$(status_field 'd["state"]')" ACTIVE \
	    "space again: the next cycle reconciles from the open intent (ACTIVE)"
	is "$(integrity)" ok "integrity_check ok after the full disk"
	umount "$SC_DIR/small"
else
	fail "cannot mount a small tmpfs for the full-disk case (needs root)"
fi

done_testing
