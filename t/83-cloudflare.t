#!/bin/sh
# 83-cloudflare.t: method = cloudflare against t/lib/cloudflare_double.py, a
# stand-in for Cloudflare's API v4 written from its documentation (the
# envelope, errors[], Bearer token, zones by name, records by type and name,
# the batch call all or nothing, 429 with Retry-After), over HTTPS with a
# certificate made here, applying what it accepts to our real BIND with
# nsupdate.  Failover and failback end to end (one batch per zone, confirmed
# by dig); a bad token, a rate limit inside and past the deadline, a zone
# the account does not have, a batch refused in the second zone: each has
# its own message, exit 1, an honest state, and the next cycle finishes.
FA_TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$FA_TOP/t/lib/scenario.sh"
. "$FA_TOP/t/lib/apidouble.sh"
double_scenario_setup
cloudflare_setup
# Each zone is several API requests (zone id, record ids, the batch, each a
# dig in the double) within one [dns] timeout: 5s by default, which a
# loaded CI machine under ASan has exceeded for the second zone.  Nothing
# here tests that deadline except against Retry-After: 30, still past it.
SC_DNS_EXTRA="timeout = 15s"
scenario_write_conf


# --- config-test ------------------------------------------------------------
run_fa config-test
is "$FA_RC" 0 "config-test: exit 0 (token active, zones found)"
like "$FA_OUT" "configuration OK" "config-test: configuration OK"
like "$FA_ERR$FA_OUT" "ttl = 1 is Cloudflare's automatic TTL \(300s" \
    "config-test warns that ttl = 1 means Cloudflare's automatic 300 s"
is "$(calls '" ".join(x["method"] + " " + x["path"].split("/")[1] for x in c if x["method"] != "GET")')" \
    "" "config-test changes nothing (GETs only)"
is "$(calls '[x["path"] for x in c][0]')" "/user/tokens/verify" \
    "config-test: GET /user/tokens/verify first"
is "$(calls 'sorted(x["query"].get("name") for x in c if x["path"] == "/zones")')" \
    '["example.com", "example.org"]' "config-test: each zone looked up by name"

# --- an account-owned token: 401 at /user/tokens/verify, not invalid -------
md5() {
	python3 -c 'import hashlib, sys; print(hashlib.md5(sys.argv[1].encode()).hexdigest())' "$1"
}
ACCT_TOKEN=$(od -An -tx1 -N20 /dev/urandom | tr -d ' \n')
(umask 077 && echo "$ACCT_TOKEN" > "$CF/account_token")
(umask 077 && echo "$ACCT_TOKEN" > "$TOKEN_FILE")
: > "$CF/calls.log"
run_fa config-test
is "$FA_RC" 0 "config-test with an account-owned token: exit 0 (/user/tokens/verify answers 401, the zone look-ups prove the token)"
[ "$FA_RC" = 0 ] || diag "$FA_ERR"
is "$(calls '" ".join(x["path"] for x in c if x["path"].endswith("/tokens/verify"))')" \
    "/accounts/$(md5 account:main)/tokens/verify" \
    "and /accounts/ID/tokens/verify (the zone's account) says it is active"
(umask 077 && echo "$CF_TOKEN" > "$TOKEN_FILE")
rm -f "$CF/account_token"

# --- one name, several zones: the active one, or a refusal with the ids ----
printf 'example.com pending other\nexample.com\nexample.org\n' > "$CF/zones"
run_fa config-test
is "$FA_RC" 0 "a pending copy of example.com listed first: config-test takes the active zone, exit 0"
[ "$FA_RC" = 0 ] || diag "$FA_ERR"
printf 'example.com pending other\nexample.org\n' > "$CF/zones"
run_fa config-test
is "$FA_RC" 2 "example.com only pending: exit 2"
like "$FA_ERR" "example.com: zone example.com is in the Cloudflare account of this token but not active \($(md5 zone:example.com:other) pending\)" \
    "config-test: example.com is there but not active, with its id and status"
printf 'example.com\nexample.com active other\nexample.org\n' > "$CF/zones"
run_fa config-test
is "$FA_RC" 2 "example.com active in two accounts: config-test exit 2"
like "$FA_ERR" "example.com: Cloudflare lists 2 active zones named example.com: $(md5 zone:example.com:main) \(account main\), $(md5 zone:example.com:other) \(account other\); refusing to guess which one serves it: set \[cloudflare\] account_id" \
    "config-test refuses the ambiguous name and names the ids it found"
SC_EXTRA="$SC_EXTRA
account_id     = $(md5 account:main)"
scenario_write_conf
run_fa config-test
is "$FA_RC" 0 "with [cloudflare] account_id: config-test exit 0"
is "$(calls '[x["query"].get("account.id") for x in c if x["path"] == "/zones"][-1]')" \
    "$(md5 account:main)" "the zone look-up asks for that account only"
printf 'example.com\nexample.org\n' > "$CF/zones"

# --- failover and failback end to end ---------------------------------------
run_fa check
is "$(status_field 'd["state"]')" STANDBY "first check: STANDBY"
: > "$CF/calls.log"
run_fa check
is "$(calls 'len(c)')" 0 "steady state: no API call at all"
failover_by_checks "Cloudflare"
is "$(dig_ttl www.example.com A)" 300 \
    "ttl = 1 is automatic: Cloudflare serves 300"
is "$(dig_a example.org)" "$PRIMARY_A" "example.org @ (not managed) untouched"
is "$(calls '" ".join(x["path"].split("/")[-1] for x in c if x["path"].endswith("/batch"))')" \
    "batch batch" "one batch call per zone"
is "$(calls 'sorted((x["body"]["patches"][i]["content"], x["body"]["patches"][i]["ttl"]) for x in c if x["path"].endswith("/batch") for i in range(len(x["body"]["patches"])))')" \
    "[[\"$BACKUP_A\", 1], [\"$BACKUP_A\", 1], [\"$BACKUP_A\", 1], [\"$BACKUP_AAAA\", 1], [\"$BACKUP_AAAA\", 1], [\"$BACKUP_AAAA\", 1]]" \
    "each record patched in place with the new address and ttl 1 (automatic)"
is "$(calls 'sum(len(x["body"]["deletes"]) + len(x["body"]["posts"]) for x in c if x["path"].endswith("/batch"))')" \
    0 "nothing deleted, nothing posted"
is "$(calls 'sorted(x["query"]["type"] + " " + x["query"]["name"] for x in c if x["path"].endswith("/dns_records"))')" \
    '["A example.com", "A www.example.com", "A www.example.org", "AAAA example.com", "AAAA www.example.com", "AAAA www.example.org"]' \
    "each record's id looked up by type and name before the batch"
like "$(last_actions)" \
    "example.com: Cloudflare took the change of 2 records in one batch \(4 patched, 0 deleted, 0 added\).*verified on 127.0.0.1#$DNS_PORT" \
    "history: Cloudflare took the batch, and DNS confirmed it"

primary_start "$SC_DIR/primary" "$PRIMARY_PORT"
check_until_state STANDBY 60
ok $? "failback through Cloudflare: STANDBY"
dns_points_at "after the failback" "$PRIMARY_A" "$PRIMARY_AAAA"

# --- rate limited: 429 with Retry-After: 1, honoured inside the deadline ----
echo "1 1" > "$CF/ratelimit"
: > "$CF/calls.log"
primary_stop "$SC_DIR/primary"
check_until_state ACTIVE 60
ok $? "a 429 with Retry-After: 1 is waited for: the failover goes on, ACTIVE"
dns_points_at "after the rate-limited failover" "$BACKUP_A" "$BACKUP_AAAA"
is "$(calls 'sum(1 for x in c if x["path"] == "/zones")')" 3 \
    "the refused request was sent again (2 zones + 1 repeat)"
[ -f "$CF/ratelimit" ]
is $? 1 "the double's 429 was used up"

# --- rate limited past the deadline: fails now, the next cycle succeeds ---
primary_start "$SC_DIR/primary" "$PRIMARY_PORT"
echo "1 30" > "$CF/ratelimit"
check_until_err "rate limited by Cloudflare \(HTTP 429, Retry-After 30s, later than this cycle's deadline\): nothing more was sent; the next cycle tries again" 60
ok $? "Retry-After: 30 is past the deadline: the failback fails with its own message"
is "$FA_RC" 1 "that cycle: exit 1"
is "$(dig_a www.example.com)" "$BACKUP_A" "example.com (rate limited) not changed"
is "$(dig_a www.example.org)" "$PRIMARY_A" "example.org (after the 429 ran out) moved" ||
    diag "that cycle: $FA_ERR | history: $(last_actions)"
is "$(status_field 'd["state"]')" FAILED "half the zones moved: FAILED"
check_until_state STANDBY 60
ok $? "a later cycle (hold_down passed) finishes the failback: STANDBY"
dns_points_at "after the delayed failback" "$PRIMARY_A" "$PRIMARY_AAAA"

# --- a bad token --------------------------------------------------------------
(umask 077 && echo "not-the-token-0123456789abcdef" > "$TOKEN_FILE")
run_fa config-test
is "$FA_RC" 2 "config-test with a wrong token: exit 2"
like "$FA_ERR" "Cloudflare refused the API token \(HTTP 401: 1000 Invalid API Token\)" \
    "config-test: Cloudflare refused the API token (HTTP 401: 1000 Invalid API Token)"
primary_stop "$SC_DIR/primary"
check_until_err "Cloudflare refused the API token \(HTTP 403: 10000 Authentication error\); check \[cloudflare\] api_token_file" 60
ok $? "the failover's run: Cloudflare refused the API token (HTTP 403: 10000 Authentication error)"
is "$FA_RC" 1 "exit 1"
isnt "$(status_field 'd["state"]')" ACTIVE "not ACTIVE"
is "$(dig_a www.example.com)" "$PRIMARY_A" "DNS unchanged"
agent_argv_while_busy "$CF" config-test > "$SC_DIR/argv"
argv=$(cat "$SC_DIR/argv")
like "$argv" "config-test" "the agent's argv read while its request is in flight"
all=$(printf '%s\n' "$argv"; cat "$SC_DIR/fa.err"; fa history -n 1000 --json 2>&1; fa status --json 2>&1; cat "$CF/calls.log")
unlike "$all" "not-the-token-0123456789abcdef" \
    "the token is in no log, history, status, argv, or request logged"
unlike "$all" "$CF_TOKEN" "nor is the real one"
(umask 077 && echo "$CF_TOKEN" > "$TOKEN_FILE")
primary_start "$SC_DIR/primary" "$PRIMARY_PORT"
check_until_state STANDBY 60
ok $? "the right token again: STANDBY"

# --- a zone the account does not have ---------------------------------------
echo example.com > "$CF/zones"
run_fa config-test
is "$FA_RC" 2 "config-test with a zone Cloudflare does not have: exit 2"
like "$FA_ERR" "example.org: zone example.org is not in the Cloudflare account of this token \(GET /zones\?name=example.org found none\)" \
    "config-test: zone example.org is not in the Cloudflare account"
primary_stop "$SC_DIR/primary"
check_until_err "zone example.org is not in the Cloudflare account" 60
ok $? "the failover's run says so too"
is "$FA_RC" 1 "exit 1"
is "$(status_field 'd["state"]')" FAILED "example.com moved, example.org did not: FAILED"
is "$(dig_a www.example.com)" "$BACKUP_A" "example.com moved"
is "$(dig_a www.example.org)" "$PRIMARY_A" "example.org not"
printf 'example.com\nexample.org\n' > "$CF/zones"
run_fa check
is "$(status_field 'd["state"]')" ACTIVE "the zone back in the account: the next cycle finishes, ACTIVE"
dns_points_at "after the finish" "$BACKUP_A" "$BACKUP_AAAA"

# --- a batch refused in the second zone: FAILED, then finished -------------
primary_start "$SC_DIR/primary" "$PRIMARY_PORT"
echo "example.org 1" > "$CF/fail_batch"
check_until_err "example.org: Cloudflare refused POST /zones/[0-9a-f]+/dns_records/batch \(HTTP 400\): 1004 DNS Validation Error; the batch is all or nothing: nothing in example.org was changed" 60
ok $? "the second zone's batch refused: its own message, nothing in it changed"
is "$FA_RC" 1 "exit 1"
is "$(status_field 'd["state"]')" FAILED "half the zones moved: FAILED"
like "$(last_actions)" "example.com: Cloudflare took the change of 2 records in one batch" \
    "history: example.com was changed"
like "$(last_actions)" "nothing in example.org was changed" \
    "history: example.org was not"
is "$(dig_a www.example.com)" "$PRIMARY_A" "example.com back at the primary"
is "$(dig_a www.example.org)" "$BACKUP_A" "example.org still at the backup"
check_until_state STANDBY 60
ok $? "a later cycle reads DNS and finishes (after hold_down): STANDBY"
dns_points_at "after the reconciliation" "$PRIMARY_A" "$PRIMARY_AAAA"
like "$(history_transitions)" "ACTIVE->FAILED FAILED->STANDBY$" \
    "history: ACTIVE -> FAILED -> STANDBY"

# --- a record changed by hand: a conflict, left alone -----------------------
nsupdate_by_hand example.com "update delete www.example.com. A
update add www.example.com. 300 A 203.0.113.7"
: > "$CF/calls.log"
primary_stop "$SC_DIR/primary"
check_until_err "[Cc]onflict" 60
ok $? "the failover's run says conflict"
is "$(dig_a www.example.com)" 203.0.113.7 "the hand-made record is left alone"
is "$(dig_a www.example.org)" "$BACKUP_A" "example.org (no conflict) moved"
isnt "$(status_field 'd["state"]')" ACTIVE "not ACTIVE"

done_testing
