#!/bin/sh
# 22-check-types.t: the exec and dns check types in a real cycle, as the
# user reads them in `history --json`: Debian's Nagios plugin check_tcp
# against a port that listens (ok) and one that does not (critical); small
# plugins that exit 1, 2 and 3 (warning, critical, unknown; the detail is
# the first line before '|'); one that ignores SIGTERM and sleeps past its
# timeout (unknown, its whole process group killed); dns against a real
# BIND: the expected A passes, a wrong expect fails naming both addresses,
# a silent UDP port times out.  A command that does not exist is refused
# at config load with FILE:LINE.  Spares whose plugin says UNKNOWN,
# WARNING, CRITICAL see the primary unknown, up, down.
FA_TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$FA_TOP/t/lib/scenario.sh"
scenario_require
PLUGINS=/usr/lib/nagios/plugins
[ -x "$PLUGINS/check_tcp" ] || bail_out "$PLUGINS/check_tcp missing: apt-get install monitoring-plugins-basic (t/lib/deps.sh)"
scenario_setup || bail_out "scenario setup (named, primary, config)"

P="$SC_DIR/plugins"
mkdir -m 700 "$P"
# plugin NAME EXIT LINE: a plugin printing LINE (and a second line) that
# exits EXIT.
plugin() {
	printf '#!/bin/sh\necho "%s"\necho "second line"\nexit %s\n' "$3" "$2" > "$P/$1"
	chmod 700 "$P/$1"
}
plugin warn 1 'DISK WARNING - 85% used | used=85%;80;90'
plugin crit 2 'DISK CRITICAL - 95% used|used=95%;80;90'
plugin unk 3 'UNKNOWN - cannot read /proc/x'
cat > "$P/hang" <<EOF
#!/bin/sh
trap '' TERM
sleep 60 &
echo \$! > "$SC_DIR/hang-child.pid"
echo \$\$ > "$SC_DIR/hang.pid"
wait
EOF
chmod 700 "$P/hang"

CLOSED=$(pick_port)
SILENT=$(pick_port)
# A UDP socket that reads nothing and answers nothing: a silent nameserver.
python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", int(sys.argv[1])))
time.sleep(120)' "$SILENT" &
SILENT_PID=$!
i=0
while [ -z "$(ss -Hlnu "sport = :$SILENT")" ] && [ $i -lt 100 ]; do
	sleep 0.05; i=$((i + 1))
done
trap 'kill $SILENT_PID 2>/dev/null; scenario_cleanup' EXIT

SC_EXTRA="
[check:tcp-up]
type    = exec
command = $PLUGINS/check_tcp -H 127.0.0.1 -p $PRIMARY_PORT -t 3
[check:tcp-down]
type    = exec
command = '$PLUGINS/check_tcp' -H 127.0.0.1 -p \"$CLOSED\" -t 3
[check:warn]
type    = exec
command = $P/warn
[check:crit]
type    = exec
command = $P/crit --some 'quoted arg'
[check:unk]
type    = exec
command = $P/unk
[check:hang]
type    = exec
command = $P/hang
timeout = 500ms
[check:ns-ok]
type    = dns
server  = 127.0.0.1
port    = $DNS_PORT
name    = www.example.com
qtype   = A
expect  = $PRIMARY_A
[check:ns-aaaa]
type    = dns
server  = 127.0.0.1:$DNS_PORT
name    = www.example.com
qtype   = aaaa
expect  = $PRIMARY_AAAA
[check:ns-wrong]
type    = dns
server  = 127.0.0.1
port    = $DNS_PORT
name    = www.example.com
expect  = 192.0.2.99
[check:ns-nx]
type    = dns
server  = 127.0.0.1
port    = $DNS_PORT
name    = nothere.example.com
[check:ns-silent]
type    = dns
server  = 127.0.0.1
port    = $SILENT
name    = www.example.com
timeout = 500ms
"
scenario_write_conf

run_fa config-test
is "$FA_RC" 0 "config-test accepts exec and dns checks"
[ "$FA_RC" = 0 ] || diag "$FA_OUT $FA_ERR"

run_fa check
[ -n "$FA_ERR" ] && diag "$(printf '%s' "$FA_ERR" | grep -E 'check (hang|ns-)' | head -5)"

# outcome NAME: "outcome: detail" of check NAME in the last cycle.
outcome() {
	history_field "next(c['outcome'] + ': ' + c['detail'] for c in d['cycles'][0]['checks'] if c['name'] == '$1')"
}
like "$(outcome tcp-up)" "^ok: TCP OK" "check_tcp on a listening port: ok, its first line"
like "$(outcome tcp-down)" "^critical: .*(refused|Connection)" "check_tcp on a closed port: critical"
is "$(outcome warn)" "warning: DISK WARNING - 85% used" "exit 1: warning, the first line before |"
is "$(outcome crit)" "critical: DISK CRITICAL - 95% used" "exit 2: critical"
is "$(outcome unk)" "unknown: UNKNOWN - cannot read /proc/x" "exit 3: unknown"
like "$(outcome hang)" "^unknown: timed out after 500ms, process group killed with SIGKILL" \
    "a plugin that ignores SIGTERM past its timeout: unknown, killed"
# Its background child was in its group: it must be gone (polled: init
# reaps it a moment after SIGKILL).
child=$(cat "$SC_DIR/hang-child.pid" 2>/dev/null)
ok "$([ -n "$child" ]; echo $?)" "the hanging plugin started a child ($child)"
i=0
while [ -n "$child" ] && kill -0 "$child" 2>/dev/null && [ $i -lt 50 ]; do
	sleep 0.1; i=$((i + 1))
done
kill -0 "$child" 2>/dev/null
isnt "$?" 0 "its background child was killed with the group"

like "$(outcome ns-ok)" "^ok: www.example.com A: $PRIMARY_A\$" "dns: the expected A passes"
like "$(outcome ns-aaaa)" "^ok: www.example.com AAAA: $PRIMARY_AAAA" "dns: AAAA, server ADDR:PORT, qtype in lower case"
is "$(outcome ns-wrong)" "dns-mismatch: www.example.com A is $PRIMARY_A at 127.0.0.1:$DNS_PORT, not 192.0.2.99" \
    "dns: a wrong expect fails, naming what was there"
is "$(outcome ns-nx)" "dns-rcode: 127.0.0.1:$DNS_PORT answered NXDOMAIN for nothere.example.com A" \
    "dns: NXDOMAIN is down"
is "$(outcome ns-silent)" "timeout: www.example.com A: no answer from 127.0.0.1:$SILENT within 500ms" \
    "dns: a silent server times out"

# A spare whose plugin says UNKNOWN could not tell: it votes unknown, not
# down; one whose plugin says WARNING sees the primary up.
SPARE_CHECK_EXTRA="
[check:plug]
type    = exec
command = $P/unk"
spare_start blind "$PRIMARY_PORT" || bail_out "spare blind"
like "$(cat "$SC_DIR/spare-blind/spare.log")" \
    "the primary is seen unknown: check plug: unknown: UNKNOWN - cannot read /proc/x" \
    "spare: a plugin's UNKNOWN makes the verdict unknown"
spare_stop blind
SPARE_CHECK_EXTRA="
[check:plug]
type    = exec
command = $P/warn"
spare_start warned "$PRIMARY_PORT" || bail_out "spare warned"
like "$(cat "$SC_DIR/spare-warned/spare.log")" "the primary is seen up" \
    "spare: a plugin's WARNING still sees the primary up"
spare_stop warned
SPARE_CHECK_EXTRA="
[check:plug]
type    = exec
command = $P/crit"
spare_start crit "$PRIMARY_PORT" || bail_out "spare crit"
like "$(cat "$SC_DIR/spare-crit/spare.log")" \
    "the primary is seen down: check plug: critical: DISK CRITICAL - 95% used" \
    "spare: a plugin's CRITICAL sees it down"
spare_stop crit
unset SPARE_CHECK_EXTRA

# A program that does not exist: refused at load, with FILE:LINE.
SC_EXTRA="
[check:gone]
type    = exec
command = $P/no-such-plugin -H 127.0.0.1
"
scenario_write_conf
line=$(grep -n '^command = .*no-such-plugin' "$CONF" | cut -d: -f1)
run_fa config-test
isnt "$FA_RC" 0 "config-test refuses a command that does not exist"
like "$FA_ERR$FA_OUT" "$CONF:$line: command: $P/no-such-plugin: No such file" "with FILE:LINE and the cause"

SC_EXTRA="
[check:shell]
type    = exec
command = $P/warn | grep x
"
scenario_write_conf
run_fa config-test
like "$FA_ERR$FA_OUT" "bad command: '\\|' means something to a shell" "an unquoted | is refused: there is no shell"

kill $SILENT_PID 2>/dev/null
done_testing
