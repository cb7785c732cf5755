#!/bin/sh
# 85-httptmpl.t: method = http, the templated request, configured as the
# deSEC example of failover-agent.conf(5) and tested against t/lib/desec_double.py, a
# stand-in for deSEC's DNS API written from its documentation ("Token"
# header, RRsets by subname and type, bulk PATCH all or nothing, 401/404/429
# shapes), over HTTPS with a certificate made here, applying what it accepts
# to our real BIND with nsupdate.  Per record: failover and failback end to
# end, the secret shown as *** in debug logs; a rate limit inside and past
# the deadline; a wrong token; a zone the account lacks; a write refused
# half-way through a zone.  Per zone: one bulk PATCH per zone, the JSON
# pointer rule met and not met.
FA_TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$FA_TOP/t/lib/scenario.sh"
. "$FA_TOP/t/lib/apidouble.sh"
double_scenario_setup

DS=$SC_DIR/desec
mkdir "$DS"
TOKEN=$(od -An -tx1 -N14 /dev/urandom | tr -d ' \n')
(umask 077 && echo "$TOKEN" > "$DS/token")
printf 'example.com\nexample.org\n' > "$DS/domains"
echo 1 > "$DS/minimum_ttl"		# deSEC lowers it on request
echo "$DNS_PORT $KEY_FILE" > "$DS/dns"
# deSEC's per-domain write limits (2/s 15/min 100/h 300/d) are the
# double's default; the sections that are not about them raise them, the
# ones that are (below) take them away again.
RELAXED="1000/s 1000/min 1000/h 1000/d"
echo "$RELAXED" > "$DS/limits"
double_start "$DS" desec_double.py || bail_out "the deSEC double"
API=$(double_url "$DS")/api/v1
HOST=127.0.0.1:$(cat "$DS/port")
SECRET_FILE=$SC_DIR/desec.token
(umask 077 && echo "$TOKEN" > "$SECRET_FILE")

SC_DNS_METHOD=http
PER_RECORD="[http]
method         = PUT
url            = $API/domains/{zone}/rrsets/{subname}.../{type}/
header         = Authorization: Token {secret}
body           = {\"subname\": \"{subname}\", \"type\": \"{type}\", \"ttl\": {ttl}, \"records\": {addresses}}
success_status = 200, 204
secret_file    = $SECRET_FILE
test_url       = $API/auth/account/
rate_limit     = 2/s, 15/min, 100/h, 300/d
ca_file        = $DS/cert.pem"
PER_ZONE="[http]
method         = PATCH
per            = zone
url            = $API/domains/{zone}/rrsets/
header         = Authorization: Token {secret}
body           = {records}
record         = {\"subname\": \"{subname}\", \"type\": \"{type}\", \"ttl\": {ttl}, \"records\": {addresses}}
success_status = 200
success_json_pointer = /0/ttl
success_json_value   = 1
secret_file    = $SECRET_FILE
test_url       = $API/auth/account/
rate_limit     = 2/s, 15/min, 100/h, 300/d
ca_file        = $DS/cert.pem"
SC_EXTRA=$PER_RECORD
scenario_write_conf


# --- config-test --------------------------------------------------------------
run_fa config-test
is "$FA_RC" 0 "config-test: exit 0 (test_url answers 200 with the token)"
like "$FA_OUT" "configuration OK" "config-test: configuration OK"
is "$(calls '" ".join(x["method"] + " " + x["path"] for x in c)')" \
    "GET /auth/account/" "config-test: one GET of test_url, nothing else"
like "$FA_ERR$FA_OUT" "with per = record a move of example.com. takes 4 requests, more than \[http\] rate_limit allows \(2 per second\)" \
    "config-test warns: per = record needs more requests per move than deSEC's 2/s"
unlike "$FA_ERR$FA_OUT" "a move of example.org. takes" \
    "no warning for example.org (2 requests: within every limit)"

# --- per record: failover and failback end to end ---------------------------
run_fa check
is "$(status_field 'd["state"]')" STANDBY "first check: STANDBY"
: > "$DS/calls.log"
primary_stop "$SC_DIR/primary"
run_fa check
run_fa check
SC_CHECK_OPTS=-v
check_until_err "took the change" 1
ok $? "the failover cycle (with -v)"
SC_CHECK_OPTS=
is "$(status_field 'd["state"]')" ACTIVE "failover through the templated requests: ACTIVE"
[ "$(status_field 'd["state"]')" = ACTIVE ] || diag "$FA_ERR"
dns_points_at "after the failover" "$BACKUP_A" "$BACKUP_AAAA"
is "$(dig_ttl www.example.com AAAA)" 1 "[dns] ttl from {ttl}"
is "$(calls '" ".join(sorted(x["method"] + " " + x["path"] for x in c))')" \
    "PUT /domains/example.com/rrsets/.../A/ PUT /domains/example.com/rrsets/.../AAAA/ PUT /domains/example.com/rrsets/www.../A/ PUT /domains/example.com/rrsets/www.../AAAA/ PUT /domains/example.org/rrsets/www.../A/ PUT /domains/example.org/rrsets/www.../AAAA/" \
    "one PUT per name and type, the url expanded ({subname}... at the apex)"
is "$(calls '[[x["body"]["subname"], x["body"]["type"], x["body"]["ttl"], x["body"]["records"]] for x in c if x["path"] == "/domains/example.org/rrsets/www.../A/"]')" \
    "[[\"www\", \"A\", 1, [\"$BACKUP_A\"]]]" \
    "the body expanded: {subname}, {type}, {ttl}, {addresses}"
like "$FA_ERR" "http: PUT $API/domains/example.com/rrsets/www.../A/ \(Authorization: Token \*\*\*\)" \
    "the debug log shows the request with {secret} as ***"
unlike "$FA_ERR" "$TOKEN" "and never the token"
like "$(last_actions)" "example.com: $HOST took the change of 2 records \(4 PUT requests\).*verified on 127.0.0.1#$DNS_PORT" \
    "history: the provider took it, DNS confirmed it"
primary_start "$SC_DIR/primary" "$PRIMARY_PORT"
check_until_state STANDBY 60
ok $? "failback: STANDBY"
dns_points_at "after the failback" "$PRIMARY_A" "$PRIMARY_AAAA"

# --- rate limited: inside the deadline, then past it -------------------------
echo "1 1" > "$DS/ratelimit"
: > "$DS/calls.log"
primary_stop "$SC_DIR/primary"
check_until_state ACTIVE 60
ok $? "a 429 with Retry-After: 1 is waited for: ACTIVE"
is "$(calls 'c[0]["path"] == c[1]["path"]')" true \
    "the throttled request was sent again"
primary_start "$SC_DIR/primary" "$PRIMARY_PORT"
echo "1 30" > "$DS/ratelimit"
check_until_err "rate limited by $HOST \(HTTP 429, Retry-After 30s, later than this cycle's deadline\)" 60
ok $? "Retry-After: 30 is past the deadline: its own message"
is "$FA_RC" 1 "exit 1"
is "$(dig_a example.com)" "$BACKUP_A" "the throttled record not changed"
check_until_state STANDBY 60
ok $? "a later cycle finishes: STANDBY"
dns_points_at "after the delayed failback" "$PRIMARY_A" "$PRIMARY_AAAA"

# --- a wrong token ----------------------------------------------------------------
(umask 077 && echo "wrong-token-0123456789abcdef" > "$SECRET_FILE")
run_fa config-test
is "$FA_RC" 2 "config-test with a wrong token: exit 2"
like "$FA_ERR" "test_url $API/auth/account/: HTTP 401: \{\"detail\": \"Invalid token.\"\} \(the provider refused the credentials\)" \
    "config-test quotes the provider's 401"
primary_stop "$SC_DIR/primary"
check_until_err "HTTP 401: \{\"detail\": \"Invalid token.\"\} \(the provider refused the credentials: check \[http\] secret_file" 60
ok $? "the failover's run: the provider refused the credentials (401)"
is "$FA_RC" 1 "exit 1"
isnt "$(status_field 'd["state"]')" ACTIVE "not ACTIVE"
is "$(dig_a www.example.com)" "$PRIMARY_A" "DNS unchanged"
agent_argv_while_busy "$DS" config-test > "$SC_DIR/argv"
like "$(cat "$SC_DIR/argv")" "config-test" "the agent's argv read while its request is in flight"
all=$(cat "$SC_DIR/argv" "$SC_DIR/fa.err"; fa history -n 1000 --json 2>&1; fa status --json 2>&1; cat "$DS/calls.log")
unlike "$all" "wrong-token-0123456789abcdef" \
    "the token is in no log, history, status, argv, or request logged"
unlike "$all" "$TOKEN" "nor is the real one"
(umask 077 && echo "$TOKEN" > "$SECRET_FILE")
primary_start "$SC_DIR/primary" "$PRIMARY_PORT"
check_until_state STANDBY 60
ok $? "the right token again: STANDBY"

# --- a zone the account lacks ----------------------------------------------------
echo example.com > "$DS/domains"
primary_stop "$SC_DIR/primary"
check_until_err "example.org: PUT $API/domains/example.org/rrsets/www.../A/ at $HOST: HTTP 404: \{\"detail\": \"Not found.\"\} \(the provider does not know this zone or name" 60
ok $? "the zone the provider lacks: HTTP 404, its own message" || diag "$FA_ERR"
is "$FA_RC" 1 "exit 1"
is "$(status_field 'd["state"]')" FAILED "example.com moved, example.org not: FAILED"
printf 'example.com\nexample.org\n' > "$DS/domains"
run_fa check
is "$(status_field 'd["state"]')" ACTIVE "the zone back: the next cycle finishes, ACTIVE"
dns_points_at "after the finish" "$BACKUP_A" "$BACKUP_AAAA"

# --- a write refused half-way through a zone --------------------------------
echo "AAAA 1" > "$DS/fail_write"
primary_start "$SC_DIR/primary" "$PRIMARY_PORT"
check_until_err "example.com: stopped half-way" 60
ok $? "a PUT refused half-way through example.com: its own message"
like "$FA_ERR" "example.com: stopped half-way: changed example.com. A; not changed: example.com. AAAA, www.example.com. A, www.example.com. AAAA \(PUT $API/domains/example.com/rrsets/.../AAAA/: HTTP 500: \{\"detail\": \"A server error occurred.\"\}\); the next cycle reads DNS and finishes" \
    "the message names what was changed and what was not"
is "$(status_field 'd["state"]')" FAILED "half-done: FAILED"
is "$(dig_a example.com)" "$PRIMARY_A" "example.com A moved"
is "$(dig_aaaa example.com)" "$BACKUP_AAAA" "example.com AAAA not"
check_until_state STANDBY 60
ok $? "a later cycle reads DNS and finishes: STANDBY"
dns_points_at "after the reconciliation" "$PRIMARY_A" "$PRIMARY_AAAA"

# --- per record against deSEC's real limits and a missing RRset ------------
# The commonest case: the backup has no IPv6, so the failover deletes the
# AAAA records and the failback must create them again.  deSEC's per-RRset
# URL answers 404 to a PUT of an RRset that does not exist.
rm -f "$DS/limits"		# deSEC's own: 2/s 15/min 100/h 300/d
backup_v4_only() {
	sed -i "s/^address = $BACKUP_A, $BACKUP_AAAA\$/address = $BACKUP_A/" "$CONF"
}
backup_v4_only
: > "$DS/calls.log"
primary_stop "$SC_DIR/primary"
check_until_state ACTIVE 60
ok $? "per record, backup without IPv6: the failover deletes the AAAA records: ACTIVE" || diag "$FA_ERR"
is "$(dig_aaaa www.example.org)" "" "www.example.org AAAA deleted"
is "$(calls 'any(c[i]["method"] == "PUT" and c[i]["path"] == c[i + 1]["path"] for i in range(len(c) - 1))')" \
    true "example.com's 4 PUTs meet deSEC's 2/s: one answered 429, sent again after Retry-After"
primary_start "$SC_DIR/primary" "$PRIMARY_PORT"
check_until_err "AAAA did not exist: a URL naming one record set may change it but not create it \(deSEC answers 404 so\): use per = zone" 60
ok $? "per record, the failback must create the AAAA: deSEC's 404, and the message says per = zone" || diag "$FA_ERR"
like "$FA_ERR" "PUT $API/domains/example.com/rrsets/[.a-z]*/AAAA/( at $HOST)?: HTTP 404: \{\"detail\": \"Not found.\"\}" \
    "the 404 of the PUT to the missing RRset is quoted"
isnt "$(status_field 'd["state"]')" STANDBY "not STANDBY: the AAAA records are missing"

# The man page's form: per = zone, one bulk request that creates RRsets.
SC_EXTRA=$PER_ZONE
scenario_write_conf
backup_v4_only
check_until_state STANDBY 60
ok $? "per zone (the deSEC example of failover-agent.conf(5)): the bulk PATCH creates the AAAA records: STANDBY" || diag "$FA_ERR"
dns_points_at "per zone, the AAAA records created again" "$PRIMARY_A" "$PRIMARY_AAAA"
scenario_write_conf

# --- per zone: one bulk PATCH per zone, the JSON pointer rule ----------------
run_fa config-test
is "$FA_RC" 0 "per zone: config-test exit 0"
unlike "$FA_ERR$FA_OUT" "rate_limit allows" "per zone: no rate_limit warning (one request per zone)"
: > "$DS/calls.log"
primary_stop "$SC_DIR/primary"
check_until_state ACTIVE 60
ok $? "per zone: failover, ACTIVE"
dns_points_at "per zone, after the failover" "$BACKUP_A" "$BACKUP_AAAA"
is "$(calls '" ".join(x["method"] + " " + x["path"] for x in c)')" \
    "PATCH /domains/example.com/rrsets/ PATCH /domains/example.org/rrsets/" \
    "one PATCH per zone"
is "$(calls 'sorted((r["subname"], r["type"]) for r in c[0]["body"])')" \
    '[["", "A"], ["", "AAAA"], ["www", "A"], ["www", "AAAA"]]' \
    "example.com's {records}: every changed name and type"
like "$(last_actions)" "example.com: $HOST took the change of 2 records in one PATCH request" \
    "history: one request per zone"
sed -i 's/^success_json_value   = 1$/success_json_value   = 2/' "$CONF"
primary_start "$SC_DIR/primary" "$PRIMARY_PORT"
check_until_err "HTTP 200, but /0/ttl is 1, not 2" 60
ok $? "an answer that fails the JSON pointer rule: its own message"
like "$FA_ERR" "whether it was applied is not known" \
    "and it says the change may have been applied"
is "$(status_field 'd["state"]')" FAILED "an unknown outcome: FAILED, not STANDBY"
sed -i 's/^success_json_value   = 2$/success_json_value   = 1/' "$CONF"
check_until_state STANDBY 60
ok $? "the next cycle reads DNS (the provider had applied it): STANDBY"
dns_points_at "per zone, after the failback" "$PRIMARY_A" "$PRIMARY_AAAA"

done_testing
