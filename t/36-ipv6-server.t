#!/bin/sh
# 36-ipv6-server.t: addresses are written one way everywhere (issue 16 item
# 3).  A real BIND listening on [::1] only: `server = [::1]:PORT` (its port
# wins over [dns] port) and `server = [::1]` with port = PORT pass
# config-test, read DNS and fail over; `server = [nonsense` and friends are
# refused by config-test, and by every command, at their own line, exit 2.
FA_TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$FA_TOP/t/lib/scenario.sh"
scenario_require
scenario_setup || bail_out "scenario setup (named, primary, config)"

mkdir "$SC_DIR/named6" || bail_out "mkdir"
scenario_port PORT6 || bail_out "no port"
NAMED_LISTEN=::1 named_start "$SC_DIR/named6" "$PORT6" example.com \
    example.org || bail_out "named on [::1]#$PORT6 did not start"

dig6() {
	dig +norec +time=2 +tries=2 -p "$PORT6" @::1 "$@"
}
dig6_a() {
	dig6 +short "$1" A | sort | tr '\n' ' ' | sed 's/ $//'
}

SC_KEY_FILE=$SC_DIR/named6/fa-key.key

# [dns] port stays the IPv4 named's: the port in server must win.
SC_DNS_SERVER="[::1]:$PORT6"
scenario_write_conf
run_fa config-test
is "$FA_RC" 0 "server = [::1]:PORT: config-test exit 0"
[ "$FA_RC" = 0 ] || diag "$FA_ERR"

run_fa check
is "$FA_RC" 0 "check reads DNS from [::1]: exit 0"
[ "$FA_RC" = 0 ] || diag "$FA_ERR"
is "$(status_field 'd["state"]')" STANDBY "state STANDBY"

run_fa failover
is "$FA_RC" 0 "failover through [::1]: exit 0"
[ "$FA_RC" = 0 ] || diag "$FA_ERR"
is "$(dig6_a www.example.com)" "$BACKUP_A" "dig @::1: www.example.com A is the backup's"
is "$(dig6_a www.example.org)" "$BACKUP_A" "dig @::1: www.example.org A is the backup's"
is "$(dig_a www.example.com)" "$PRIMARY_A" \
    "the IPv4 named at [dns] port was not touched"
like "$(history_field '" | ".join(a["detail"] for a in d["cycles"][0]["actions"])')" \
    "::1#$PORT6 took the update" "history names ::1#$PORT6"
is "$(status_field 'd["state"]')" ACTIVE "state ACTIVE"

# [::1] without a port: [dns] port applies.
SC_DNS_SERVER="[::1]"
DNS_PORT_SAVED=$DNS_PORT
DNS_PORT=$PORT6
scenario_write_conf
DNS_PORT=$DNS_PORT_SAVED
run_fa config-test
is "$FA_RC" 0 "server = [::1] with port = PORT: config-test exit 0"
[ "$FA_RC" = 0 ] || diag "$FA_ERR"
run_fa failback
is "$FA_RC" 0 "failback through [::1]: exit 0"
[ "$FA_RC" = 0 ] || diag "$FA_ERR"
is "$(dig6_a www.example.com)" "$PRIMARY_A" "dig @::1: back at the primary"

# Values that can never resolve: refused at their own line, exit 2.
for bad in "[nonsense" "[::1" "[fd77::1]:99999"; do
	SC_DNS_SERVER=$bad
	scenario_write_conf
	line=$(grep -n '^server' "$CONF" | cut -d: -f1)
	run_fa config-test
	is "$FA_RC" 2 "server = $bad: config-test exit 2"
	like "$FA_OUT$FA_ERR" "$(basename "$CONF"):$line: bad server" \
	    "server = $bad: refused at its line ($line)"
	unlike "$FA_OUT$FA_ERR" "cannot resolve" \
	    "server = $bad: not reported later as a resolve failure"
	run_fa check
	is "$FA_RC" 2 "server = $bad: check refuses it too, exit 2"
done

done_testing
