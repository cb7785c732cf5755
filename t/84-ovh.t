#!/bin/sh
# 84-ovh.t: method = ovh against t/lib/ovh_double.py, a stand-in for the
# OVHcloud API v1 written from its documentation and python-ovh: every call
# signed ("$1$" + SHA-1 over secret, consumer key, method, URL, body and
# timestamp) and checked, /auth/time, records by fieldType/subDomain, and a
# zone published to our real BIND only on POST .../refresh.  The double's
# clock runs an hour ahead, so only a client that corrects its timestamps
# with /auth/time gets through.  Failover and failback end to end; the
# double refuses a wrong signature and a stale timestamp; a wrong secret, a
# wrong consumer key, a rate limit inside and past the deadline, a zone not
# in the account, a write that fails half-way through a zone: each has its
# own message, exit 1, an honest state, and the next cycle finishes.
FA_TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$FA_TOP/t/lib/scenario.sh"
. "$FA_TOP/t/lib/apidouble.sh"
double_scenario_setup

OVH=$SC_DIR/ovh
mkdir "$OVH"
rnd() {
	od -An -tx1 -N"$1" /dev/urandom | tr -d ' \n'
}
AK=$(rnd 8)
AS=$(rnd 16)
CK=$(rnd 16)
(umask 077 && echo "$AK" > "$OVH/ak" && echo "$AS" > "$OVH/as" &&
    echo "$CK" > "$OVH/ck")
printf 'example.com\nexample.org\n' > "$OVH/zones"
printf 'example.com @ www\nexample.org www\n' > "$OVH/names"
echo 3600 > "$OVH/skew"
echo "$DNS_PORT $KEY_FILE" > "$OVH/dns"
double_start "$OVH" ovh_double.py || bail_out "the OVH double"
URL=$(double_url "$OVH")/1.0

for k in ak as ck; do
	(umask 077 && cp "$OVH/$k" "$SC_DIR/ovh.$k")
done
SC_DNS_METHOD=ovh
SC_EXTRA="[ovh]
endpoint                = $URL
application_key_file    = $SC_DIR/ovh.ak
application_secret_file = $SC_DIR/ovh.as
consumer_key_file       = $SC_DIR/ovh.ck
ca_file                 = $OVH/cert.pem"
scenario_write_conf

# ovh_raw METHOD PATH TIMESTAMP [SECRET]: one request signed here the way
# OVH documents it; prints "HTTP-STATUS BODY".
ovh_raw() {
	python3 - "$1" "$URL$2" "$3" "${4:-$AS}" "$AK" "$CK" "$OVH/cert.pem" <<'EOF'
import hashlib, ssl, sys, urllib.request, urllib.error
method, url, ts, as_, ak, ck, ca = sys.argv[1:8]
sig = "$1$" + hashlib.sha1("+".join([as_, ck, method, url, "", ts]).encode()).hexdigest()
req = urllib.request.Request(url, method=method, headers={
    "X-Ovh-Application": ak, "X-Ovh-Consumer": ck, "X-Ovh-Timestamp": ts,
    "X-Ovh-Signature": sig})
ctx = ssl.create_default_context(cafile=ca)
try:
    r = urllib.request.urlopen(req, context=ctx)
    print(r.status, r.read().decode())
except urllib.error.HTTPError as e:
    print(e.code, e.read().decode())
EOF
}

# --- the double checks what OVH checks --------------------------------------
server_time=$(curl -s --cacert "$OVH/cert.pem" "$URL/auth/time")
now=$(date +%s)
is "$((server_time - now > 3590 && server_time - now < 3610))" 1 \
    "GET /auth/time: the double's clock is an hour ahead"
like "$(ovh_raw GET /auth/currentCredential "$server_time")" \
    '^200 .*"status": "validated"' "a request signed as documented, with the server's time: 200"
like "$(ovh_raw GET /auth/currentCredential "$now")" \
    '^400 .*QUERY_TIME_OUT' "the same with our own clock (an hour off): refused"
like "$(ovh_raw GET /auth/currentCredential "$server_time" wrong-secret)" \
    '^400 .*INVALID_SIGNATURE.*Invalid signature' "a wrong signature: 400 INVALID_SIGNATURE"

# --- config-test ------------------------------------------------------------
: > "$OVH/calls.log"
run_fa config-test
is "$FA_RC" 0 "config-test: exit 0 (keys valid, rules granted, zones found)"
like "$FA_OUT" "configuration OK" "config-test: configuration OK"
is "$(calls '" ".join(x["method"] + " " + x["path"] for x in c)')" \
    "GET /auth/currentCredential GET /domain/zone/example.com GET /domain/zone/example.org" \
    "config-test: the credential, then each zone (GETs only)"
printf 'GET /*\nPUT /domain/zone/example.com/*\n' > "$OVH/rules"
run_fa config-test
is "$FA_RC" 2 "config-test with a consumer key that may not write: exit 2"
like "$FA_ERR" "example.com: the OVH consumer key may not call POST /domain/zone/example.com/record, DELETE /domain/zone/example.com/record/1, POST /domain/zone/example.com/refresh" \
    "config-test names the calls the key's rules do not grant"
printf 'GET /domain/*\nPUT /domain/*\nPOST /domain/*\nDELETE /domain/*\n' > "$OVH/rules"
run_fa config-test
is "$FA_RC" 0 "rules without /auth: config-test still passes (the zones prove the keys)"
like "$FA_ERR$FA_OUT" "the OVH consumer key may not call GET /auth/currentCredential \(HTTP 403 NOT_GRANTED_CALL: This call has not been granted\).*the consumer key's rules are not checked" \
    "and warns that the rules could not be read"
rm -f "$OVH/rules"

# --- failover and failback end to end ---------------------------------------
run_fa check
is "$(status_field 'd["state"]')" STANDBY "first check: STANDBY"
: > "$OVH/calls.log"
failover_by_checks "OVH"
is "$(dig_ttl www.example.com A)" 1 "the records have [dns] ttl"
is "$(dig_a example.org)" "$PRIMARY_A" "example.org @ (not managed) untouched"
is "$(calls 'sorted(x["query"]["fieldType"] + " [" + x["query"]["subDomain"] + "]" for x in c if x["path"].endswith("/record") and x["method"] == "GET")')" \
    '["A []", "A [www]", "A [www]", "AAAA []", "AAAA [www]", "AAAA [www]"]' \
    "records found by fieldType and subDomain (the apex is the empty subDomain)"
is "$(calls 'sorted(x["body"]["target"] for x in c if x["method"] == "PUT")')" \
    "[\"$BACKUP_A\", \"$BACKUP_A\", \"$BACKUP_A\", \"$BACKUP_AAAA\", \"$BACKUP_AAAA\", \"$BACKUP_AAAA\"]" \
    "each record PUT with its new target"
is "$(calls 'sorted(set(x["body"]["ttl"] for x in c if x["method"] == "PUT"))')" \
    "[1]" "and [dns] ttl"
is "$(calls '" ".join(x["path"] for x in c if x["method"] == "POST")')" \
    "/domain/zone/example.com/refresh /domain/zone/example.org/refresh" \
    "each zone refreshed once (what makes OVH publish it)"
is "$(calls '[x["body"] for x in c if x["path"].endswith("/refresh")]')" "[{}, {}]" \
    "each refresh sent as python-ovh sends it: {} as JSON (the double refuses an empty form)"
is "$(calls '[x["method"] for x in c if "/example.com/" in x["path"]][-1]')" POST \
    "example.com: the refresh comes after its changes"
like "$(last_actions)" \
    "example.com: OVH took the change of 2 records \(4 requests\) and refreshed the zone.*verified on 127.0.0.1#$DNS_PORT" \
    "history: OVH took the change and DNS confirmed it"

primary_start "$SC_DIR/primary" "$PRIMARY_PORT"
check_until_state STANDBY 60
ok $? "failback through OVH: STANDBY"
dns_points_at "after the failback" "$PRIMARY_A" "$PRIMARY_AAAA"

# --- rate limited: inside the deadline, then past it -------------------------
echo "1 1" > "$OVH/ratelimit"
: > "$OVH/calls.log"
primary_stop "$SC_DIR/primary"
check_until_state ACTIVE 60
ok $? "a 429 with Retry-After: 1 is waited for: the failover goes on, ACTIVE"
is "$(calls 'c[0]["path"] == c[1]["path"] and c[0]["query"] == c[1]["query"]')" \
    true "the refused request was signed and sent again"
[ -f "$OVH/ratelimit" ]
is $? 1 "the double's 429 was used up"
primary_start "$SC_DIR/primary" "$PRIMARY_PORT"
echo "1 30" > "$OVH/ratelimit"
check_until_err "rate limited by OVH \(HTTP 429, Retry-After 30s, later than this cycle's deadline\): nothing more was sent; the next cycle tries again" 60
ok $? "Retry-After: 30 is past the deadline: the failback fails with its own message"
is "$FA_RC" 1 "that cycle: exit 1"
is "$(dig_a www.example.com)" "$BACKUP_A" "example.com (rate limited) not changed"
check_until_state STANDBY 60
ok $? "a later cycle finishes the failback: STANDBY"
dns_points_at "after the delayed failback" "$PRIMARY_A" "$PRIMARY_AAAA"

# --- bad credentials ------------------------------------------------------------
(umask 077 && echo "not-the-secret-0123456789" > "$SC_DIR/ovh.as")
run_fa config-test
is "$FA_RC" 2 "config-test with a wrong application secret: exit 2"
like "$FA_ERR" "OVH refused the request's signature \(HTTP 400 INVALID_SIGNATURE: Invalid signature\); check \[ovh\] application_secret_file" \
    "config-test: OVH refused the signature"
primary_stop "$SC_DIR/primary"
check_until_err "OVH refused the request's signature \(HTTP 400 INVALID_SIGNATURE" 60
ok $? "the failover's run says OVH refused the signature"
is "$FA_RC" 1 "exit 1"
isnt "$(status_field 'd["state"]')" ACTIVE "not ACTIVE"
is "$(dig_a www.example.com)" "$PRIMARY_A" "DNS unchanged"
cp "$OVH/as" "$SC_DIR/ovh.as"
(umask 077 && echo "not-the-consumer-key-42" > "$SC_DIR/ovh.ck")
check_until_err "OVH refused the consumer key \(HTTP 403 INVALID_CREDENTIAL: This credential does not exist\)" 60
ok $? "a wrong consumer key: OVH refused the consumer key (HTTP 403 INVALID_CREDENTIAL)"
isnt "$(status_field 'd["state"]')" ACTIVE "not ACTIVE"
agent_argv_while_busy "$OVH" config-test > "$SC_DIR/argv"
like "$(cat "$SC_DIR/argv")" "config-test" "the agent's argv read while its request is in flight"
all=$(cat "$SC_DIR/argv" "$SC_DIR/fa.err"; fa history -n 1000 --json 2>&1; fa status --json 2>&1; cat "$OVH/calls.log")
unlike "$all" "not-the-secret-0123456789|not-the-consumer-key-42" \
    "the wrong keys are in no log, history, status, argv, or request logged"
unlike "$all" "$AS|$CK" "nor are the real secret and consumer key"
cp "$OVH/ck" "$SC_DIR/ovh.ck"
primary_start "$SC_DIR/primary" "$PRIMARY_PORT"
check_until_state STANDBY 60
ok $? "the right keys again: STANDBY"

# --- a zone not in the account ------------------------------------------------
echo example.com > "$OVH/zones"
run_fa config-test
is "$FA_RC" 2 "config-test with a zone OVH does not have: exit 2"
like "$FA_ERR" "example.org: zone example.org is not in this OVH account \(GET /domain/zone/example.org: HTTP 404: This service does not exist\)" \
    "config-test: zone example.org is not in this OVH account"
primary_stop "$SC_DIR/primary"
check_until_err "zone example.org is not in this OVH account" 60
ok $? "the failover's run says so too"
is "$FA_RC" 1 "exit 1"
is "$(status_field 'd["state"]')" FAILED "example.com moved, example.org did not: FAILED"
printf 'example.com\nexample.org\n' > "$OVH/zones"
run_fa check
is "$(status_field 'd["state"]')" ACTIVE "the zone back: the next cycle finishes, ACTIVE"
dns_points_at "after the finish" "$BACKUP_A" "$BACKUP_AAAA"

# --- a write that fails half-way through a zone ------------------------------
primary_start "$SC_DIR/primary" "$PRIMARY_PORT"
echo "AAAA 1" > "$OVH/fail_write"
: > "$OVH/calls.log"
check_until_err "example.com: OVH stopped half-way" 60
ok $? "a PUT refused half-way through example.com: its own message"
like "$FA_ERR" "OVH stopped half-way: changed example.com. A $BACKUP_A -> $PRIMARY_A; not changed: example.com. AAAA $BACKUP_AAAA -> $PRIMARY_AAAA, www.example.com. A $BACKUP_A -> $PRIMARY_A, www.example.com. AAAA $BACKUP_AAAA -> $PRIMARY_AAAA \(example.com: OVH refused PUT /domain/zone/example.com/record/[0-9]+ \(HTTP 500: Internal server error\)\); the zone was refreshed, so DNS shows what OVH holds; the next cycle reads DNS and finishes" \
    "the message names what was changed and what was not"
is "$FA_RC" 1 "exit 1"
is "$(status_field 'd["state"]')" FAILED "half-done: FAILED"
is "$(dig_a example.com)" "$PRIMARY_A" "example.com A moved (and published by the refresh)"
is "$(dig_aaaa example.com)" "$BACKUP_AAAA" "example.com AAAA not"
is "$(dig_a www.example.org)" "$PRIMARY_A" "example.org moved entirely"
is "$(status_field '[r["holds"] for r in d["records"] if r["owner"] == "example.com."][0]')" \
    mixed "status: example.com. is part-way (mixed), not a conflict"
check_until_state STANDBY 60
ok $? "a later cycle reads DNS and finishes: STANDBY"
dns_points_at "after the reconciliation" "$PRIMARY_A" "$PRIMARY_AAAA"

# --- a record changed at OVH but not published: a conflict, left alone -----
: > "$OVH/calls.log"
nsupdate_by_hand example.com "update delete www.example.com. A
update add www.example.com. 300 A 203.0.113.7"
primary_stop "$SC_DIR/primary"
check_until_err "[Cc]onflict" 60
ok $? "a record changed by hand: the failover's run says conflict"
is "$(dig_a www.example.com)" 203.0.113.7 "the hand-made record is left alone"
is "$(dig_a www.example.org)" "$BACKUP_A" "example.org (no conflict) moved"
isnt "$(status_field 'd["state"]')" ACTIVE "not ACTIVE"

done_testing
