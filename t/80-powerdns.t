#!/bin/sh
# 80-powerdns.t: method = powerdns against a real pdns_server (sqlite
# backend, API on loopback) started here: config-test proves the key; the
# failover and the failback go through the API, one PATCH per zone, and are
# confirmed by dig against PowerDNS; a wrong key, an unknown zone and a
# record changed by hand each give a plain message and change nothing.
FA_TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$FA_TOP/t/lib/scenario.sh"
. "$FA_TOP/t/lib/pdns.sh"
scenario_require
for p in pdns_server curl; do
	command -v "$p" > /dev/null 2>&1 || [ -x "/usr/sbin/$p" ] ||
	    bail_out "missing $p (install pdns-server pdns-backend-sqlite3 curl: sh t/lib/deps.sh --install)"
done
PATH=$PATH:/usr/sbin
pdns_schema > /dev/null ||
    bail_out "no PowerDNS sqlite schema (install pdns-backend-sqlite3)"
scenario_setup || bail_out "scenario setup (named, primary, config)"
trap 'pdns_stop "$SC_DIR/pdns"; scenario_cleanup' EXIT

mkdir "$SC_DIR/pdns"
scenario_port PDNS_DNS || bail_out "no port"
scenario_port PDNS_API || bail_out "no port"
pdns_start "$SC_DIR/pdns" "$PDNS_DNS" "$PDNS_API" example.com example.org ||
    bail_out "pdns_server did not start"
# example.org as a zone loaded by SQL (or the bind backend, or an older
# pdnsutil) holds it: no SOA-EDIT-API metadata, so PowerDNS itself leaves
# the serial alone on API changes.
sqlite3 "$SC_DIR/pdns/pdns.db" "DELETE FROM domainmetadata WHERE kind = 'SOA-EDIT-API' AND domain_id = (SELECT id FROM domains WHERE name = 'example.org')" ||
    bail_out "cannot drop example.org's SOA-EDIT-API"
is "$(pdns_api "$SC_DIR/pdns" GET /zones/example.org. | head -n 1 | python3 -c 'import json, sys; print(repr(json.load(sys.stdin)["soa_edit_api"]))')" \
    "''" "example.org has no SOA-EDIT-API (the API says \"\")"
# From here on every dig of scenario.sh asks PowerDNS.
DNS_PORT=$PDNS_DNS
PDNS_KEY=$SC_DIR/pdns.key
(umask 077 && cp "$SC_DIR/pdns/api.key" "$PDNS_KEY")
SC_DNS_METHOD=powerdns
SC_EXTRA="[powerdns]
url          = http://127.0.0.1:$PDNS_API/api/v1/servers/localhost
api_key_file = $PDNS_KEY"
scenario_write_conf

SC_DIG_NOTE="dig @PowerDNS"

run_fa config-test
is "$FA_RC" 0 "config-test: exit 0 (the key works, the zones exist)"
like "$FA_OUT" "configuration OK" "config-test says configuration OK"
like "$FA_ERR$FA_OUT" "example.org: the zone has no SOA-EDIT-API, so PowerDNS does not bump its SOA serial on API changes.*pdnsutil set-meta example.org SOA-EDIT-API DEFAULT" \
    "config-test warns about example.org's missing SOA-EDIT-API and names the fix"
unlike "$FA_ERR$FA_OUT" "example.com: the zone has no SOA-EDIT-API" \
    "no such warning for example.com (SOA-EDIT-API DEFAULT)"

serial_com=$(soa_serial example.com)
serial_org=$(soa_serial example.org)
run_fa check
is "$FA_RC" 0 "first check: exit 0"
is "$(status_field 'd["state"]')" STANDBY "PowerDNS holds the primary's: STANDBY"
run_fa check
is "$(soa_serial example.com)" "$serial_com" "steady state: nothing sent"

# --- failover through the API ---------------------------------------------
primary_stop "$SC_DIR/primary"
for i in 1 2 3; do
	run_fa check
done
is "$FA_RC" 1 "failed cycle 3: exit 1 (the primary is down)"
is "$(status_field 'd["last_cycle"]["outcome"]')" FAILOVER "outcome FAILOVER"
is "$(status_field 'd["state"]')" ACTIVE "state ACTIVE"
[ "$(status_field 'd["state"]')" = ACTIVE ] || diag "$FA_ERR"
dns_points_at "after the failover" "$BACKUP_A" "$BACKUP_AAAA"
is "$(dig_ttl www.example.com A)" 1 "the new rrset has [dns] ttl"
is "$(dig_a example.org)" "$PRIMARY_A" "example.org @ (not managed) untouched"
like "$(history_field '" ".join(a["detail"] for a in d["cycles"][0]["actions"])')" \
    "PowerDNS at http://127.0.0.1:$PDNS_API/api/v1/servers/localhost took the change" \
    "history: PowerDNS took the change"
like "$(history_field '" ".join(a["detail"] for a in d["cycles"][0]["actions"])')" \
    "verified on 127.0.0.1#$PDNS_DNS" "history: and it was verified through DNS"
new_serial=$(soa_serial example.com)
isnt "$new_serial" "$serial_com" "example.com serial moved (SOA-EDIT-API)"
new_serial_org=$(soa_serial example.org)
is "$new_serial_org" "$((serial_org + 1))" \
    "example.org (no SOA-EDIT-API): serial bumped by one, in the same PATCH: secondaries see the change"
like "$(history_field '" ".join(a["detail"] for a in d["cycles"][0]["actions"])')" \
    "example.org: PowerDNS at .* took the change of 1 record \(HTTP 204\) with the SOA serial $serial_org -> $new_serial_org set by us \(the zone has no SOA-EDIT-API\)" \
    "history: example.org's serial set by us, said so"
run_fa check
is "$(soa_serial example.com)" "$new_serial" "ACTIVE, DNS right: nothing sent"

# --- failback -------------------------------------------------------------
primary_start "$SC_DIR/primary" "$PRIMARY_PORT"
check_until_state STANDBY 60
ok $? "failback through the API: STANDBY"
dns_points_at "after the failback" "$PRIMARY_A" "$PRIMARY_AAAA"
is "$(history_transitions)" "UNKNOWN->STANDBY STANDBY->ACTIVE ACTIVE->STANDBY" \
    "history: the three transitions"

# --- a wrong API key --------------------------------------------------------
GOOD_KEY=$(cat "$PDNS_KEY")
(umask 077 && echo "not-the-key-0123456789" > "$PDNS_KEY")
run_fa config-test
is "$FA_RC" 2 "config-test with a wrong key: exit 2"
like "$FA_ERR" "PowerDNS refused the API key \(401\)" "config-test: plain message"
primary_stop "$SC_DIR/primary"
check_until_err "PowerDNS refused the API key \(401\)" 60
ok $? "the failover's run says PowerDNS refused the API key (401)"
is "$FA_RC" 1 "failover with a wrong key: exit 1"
isnt "$(status_field 'd["state"]')" ACTIVE "the site does not claim ACTIVE"
is "$(dig_a www.example.com)" "$PRIMARY_A" "DNS unchanged"
all=$(cat "$SC_DIR/fa.err"; fa history -n 1000 --json 2>&1; fa status --json 2>&1)
unlike "$all" "not-the-key-0123456789" "the key is not in logs, status or history"
unlike "$all" "$GOOD_KEY" "nor is the real key"
(umask 077 && printf '%s\n' "$GOOD_KEY" > "$PDNS_KEY")

# --- an unknown zone --------------------------------------------------------
SC_EXTRA="$SC_EXTRA
[zone:example.net]
records = www"
scenario_write_conf
run_fa config-test
is "$FA_RC" 2 "config-test with a zone PowerDNS does not have: exit 2"
like "$FA_ERR" "zone example.net. not found on the PowerDNS server \(404" \
    "config-test: zone example.net. not found on the PowerDNS server (404)"
run_fa check
is "$FA_RC" 1 "a cycle with that zone: exit 1"
is "$(dig_a www.example.com)" "$PRIMARY_A" "nothing changed"
SC_EXTRA="[powerdns]
url          = http://127.0.0.1:$PDNS_API/api/v1/servers/localhost
api_key_file = $PDNS_KEY"
scenario_write_conf

# --- a record changed by hand: a conflict, left alone ----------------------
primary_start "$SC_DIR/primary" "$PRIMARY_PORT"
check_until_state STANDBY 60
ok $? "back to STANDBY with the right key"
code=$(pdns_api "$SC_DIR/pdns" PATCH /zones/example.com. '{"rrsets": [{"name": "www.example.com.", "type": "A", "ttl": 300, "changetype": "REPLACE", "records": [{"content": "203.0.113.7", "disabled": false}]}]}' | tail -n 1)
is "$code" 204 "a person sets www.example.com A 203.0.113.7 through the API"
code=$(pdns_api "$SC_DIR/pdns" PATCH /zones/example.org. "{\"rrsets\": [{\"name\": \"www.example.org.\", \"type\": \"A\", \"ttl\": 300, \"changetype\": \"REPLACE\", \"records\": [{\"content\": \"$PRIMARY_A\", \"disabled\": false}, {\"content\": \"203.0.113.8\", \"disabled\": true}]}]}" | tail -n 1)
is "$code" 204 "and adds a disabled www.example.org A 203.0.113.8 (DNS does not serve it)"
is "$(dig_a www.example.org)" "$PRIMARY_A" "DNS serves only the primary's for www.example.org"
serial=$(soa_serial example.com)
primary_stop "$SC_DIR/primary"
check_until_err "[Cc]onflict" 60
ok $? "the failover's run says conflict"
is "$FA_RC" 1 "failover meets the conflict: exit 1"
is "$(dig_a www.example.com)" 203.0.113.7 "the hand-made record is left alone"
is "$(dig_aaaa www.example.com)" "$PRIMARY_AAAA" "its AAAA is not touched either"
is "$(dig_a example.com)" "$BACKUP_A" "example.com @ (no conflict) moved"
like "$FA_ERR" "www.example.org. A holds disabled records in PowerDNS, which the change would delete: nothing sent" \
    "the API's read shows what DNS does not: a disabled record, left alone"
is "$(dig_a www.example.org)" "$PRIMARY_A" "www.example.org not changed"
like "$(pdns_api "$SC_DIR/pdns" GET /zones/example.org. | head -n 1)" \
    '"content": "203.0.113.8", "disabled": true' "the disabled record is still there"
isnt "$(status_field 'd["state"]')" ACTIVE "the site does not claim ACTIVE"

# --- the fix config-test names: SOA-EDIT-API back, the warning gone ----------
pdnsutil --config-dir="$SC_DIR/pdns" set-meta example.org SOA-EDIT-API DEFAULT \
    > "$SC_DIR/pdnsutil.out" 2>&1
is $? 0 "pdnsutil set-meta example.org SOA-EDIT-API DEFAULT (config-test's advice)" ||
    diag "$(cat "$SC_DIR/pdnsutil.out")"
run_fa config-test
unlike "$FA_ERR$FA_OUT" "SOA-EDIT-API" "config-test: no SOA-EDIT-API warning any more"

done_testing
