#!/bin/sh
# 59-stale-secondary.t: a secondary that comes back stale after a failback
# is noticed (issue 18 item 5), against a real BIND primary (ns1 =
# 127.0.0.1) and Knot DNS (ns2 = 127.0.0.2), verify = all.
#
# The story: ns2 (a secondary at the primary's site) follows the failover,
# then goes down with that site; the failback is verified on ns1, with ns2
# named as not answering; ns2 comes back with the zone it had (the
# failover's serial and the backup's addresses) and does not transfer.
# Each STANDBY cycle then compares every nameserver's serial with the
# master's: ns2 is reported as stale (a "dns stale" history row per zone,
# status stale_nameservers, a WARNING line in status, exit 1) and is sent
# a NOTIFY.  Once ns2 serves the master's serial again, the report clears.
FA_TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$FA_TOP/t/lib/scenario.sh"

scenario_require knotd
SC_VERIFY=all
SC_DNS_EXTRA="timeout = 1s
verify_timeout = 3s"

serial_at() {	# serial_at SERVER ZONE
	dig +short +norec +time=1 +tries=1 -p "$DNS_PORT" "@$1" "$2" SOA |
	    awk '{ print $3 }'
}
scenario_setup_ns2

run_fa check
is "$FA_RC" 0 "STANDBY, ns2 current: exit 0"
is "$(status_field 'd["stale_nameservers"]')" "[]" \
    "status --json: no stale nameserver"

# --- failover: ns2 follows ----------------------------------------------------
primary_stop "$SC_DIR/primary"
check_until_state ACTIVE 10
ok $? "failed over"
i=0
while [ "$(dig2 127.0.0.2 www.example.org A)" != "$BACKUP_A" ] &&
    [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
is "$(dig2 127.0.0.2 www.example.org A)" "$BACKUP_A" "ns2 follows the failover"
fo_com=$(serial_at 127.0.0.1 example.com)
fo_org=$(serial_at 127.0.0.1 example.org)
is "$(serial_at 127.0.0.2 example.com)" "$fo_com" \
    "ns2 at the failover's serial ($fo_com)"

# --- ns2 goes down with the primary's site; the failback ------------------------
knot_stop "$SC_DIR/ns2"
primary_start "$SC_DIR/primary" "$PRIMARY_PORT"
ok $? "primary back"
check_until_state STANDBY 60
ok $? "failed back (verified on ns1; ns2 does not answer)"
is "$(dig2 127.0.0.1 www.example.com A)" "$PRIMARY_A" "ns1 serves the primary's"

# --- ns2 back with its old zone ----------------------------------------------------
# Both zones at the failover's serial is close enough: example.org's
# serial moved the same way.
[ "$fo_com" = "$fo_org" ] || diag "serials differ: $fo_com $fo_org"
ns2_start stale "" "$fo_com" "$BACKUP_A" "$BACKUP_AAAA" ||
    bail_out "the stale ns2 did not start"
is "$(dig2 127.0.0.2 www.example.com A)" "$BACKUP_A" \
    "ns2 is back, serving the failover's addresses"
run_fa check
is "$FA_RC" 1 "a STANDBY cycle with a stale ns2: exit 1"
like "$FA_ERR" "dns stale example\\.com\\.: ns2\\.example\\.com \\(127\\.0\\.0\\.2#$DNS_PORT\\) serves example\\.com with serial $fo_com, the master \\(127\\.0\\.0\\.1#$DNS_PORT\\) [0-9]+: stale data" \
    "the log names ns2, its serial and the master's"
is "$(status_field 'len(d["stale_nameservers"])')" 2 \
    "status --json: stale_nameservers lists ns2 for both zones"
is "$(status_field '" ".join(sorted(s["zone"] for s in d["stale_nameservers"]))')" \
    "example.com. example.org." "status --json: ... by zone"
like "$(status_field 'd["stale_nameservers"][0]["detail"]')" \
    "^ns2\\.example\\.com \\(127\\.0\\.0\\.2#$DNS_PORT\\) serves .* still behind after 1s; NOTIFY sent" \
    "status --json: the detail says how long it was given and that a NOTIFY was sent"
note "$(status_field 'd["stale_nameservers"][0]["detail"]')"
is "$(history_field '[a["result"] for a in d["cycles"][0]["actions"]
    if a["kind"] == "dns stale"]')" '["failed", "failed"]' \
    "history: one failed \"dns stale\" row per zone"
run_fa status
like "$FA_OUT" "WARNING: a nameserver serves stale data: ns2\\.example\\.com" \
    "status (text): a WARNING line names ns2"
run_fa status --nagios
is "$FA_RC" 1 "status --nagios: WARNING (exit 1)"
like "$FA_OUT" "nameservers? serves? stale data: ns2\\.example\\.com" \
    "status --nagios: names the stale nameserver"
is "$(status_field 'd["state"]')" STANDBY "the state stays STANDBY"
is "$(dig2 127.0.0.1 www.example.com A)" "$PRIMARY_A" \
    "nothing sent: ns1 unchanged"

# --- ns2 fixed: a real secondary again ------------------------------------------
knot_stop "$SC_DIR/stale"
ns2_start ns2b 127.0.0.1 || bail_out "the secondary did not start again"
is "$(dig2 127.0.0.2 www.example.com A)" "$PRIMARY_A" "ns2 transferred the zone"
run_fa check
is "$FA_RC" 0 "ns2 current again: exit 0"
is "$(status_field 'd["stale_nameservers"]')" "[]" \
    "status --json: the report cleared"
run_fa status --nagios
unlike "$FA_OUT" "stale data" "status --nagios: the warning cleared"

done_testing
