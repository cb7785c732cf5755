#!/bin/sh
# 87-notify.t: [hooks] notify (issue 6), against a real BIND and a local
# webhook receiver (t/lib/webhook.py) that records every POST:
#   - the first cycle's transition (UNKNOWN -> STANDBY, "reconciled") is
#     POSTed as JSON with every documented key;
#   - the failover while the webhook answers 500: DNS moves all the same,
#     the notification stays queued (status: pending, the error);
#   - an https webhook whose certificate does not verify: not delivered,
#     the TLS error kept;
#   - the webhook answers 200 again: the failover notification is
#     delivered on the next cycle, once, with the cycle's id; later cycles
#     send nothing more;
#   - a webhook that hangs: the failback is done and recorded, the POST
#     gives up at its 5 s deadline, the next cycle delivers it;
#   - the URL's token never reaches a log line, history or status.
FA_TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$FA_TOP/t/lib/scenario.sh"
scenario_require
command -v openssl > /dev/null 2>&1 ||
    bail_out "missing program: openssl (install it: sh t/lib/deps.sh --install)"
scenario_setup || bail_out "scenario setup (named, primary, config)"

WH=$SC_DIR/webhook
mkdir "$WH" "$WH-tls"
WH_PIDS=
notify_cleanup() {
	for _p in $WH_PIDS; do
		kill "$_p" 2> /dev/null
		wait "$_p" 2> /dev/null
	done
	scenario_cleanup
}
trap notify_cleanup EXIT

# webhook_start DIR PORT [CERT KEY]
webhook_start() {
	python3 "$FA_TOP/t/lib/webhook.py" "$2" "$1" ${3:+"$3"} ${4:+"$4"} \
	    > "$1/log" 2>&1 < /dev/null &
	WH_PIDS="$WH_PIDS $!"
	_w=0
	until [ -s "$1/webhook.pid" ] && port_listening "$2"; do
		_w=$((_w + 1))
		[ $_w -lt 100 ] || return 1
		sleep 0.05
	done
}

scenario_port WH_PORT || bail_out "port"
scenario_port WH_TLS_PORT || bail_out "port"
webhook_start "$WH" "$WH_PORT" || bail_out "the webhook receiver did not start"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 \
    -keyout "$WH-tls/key.pem" -out "$WH-tls/cert.pem" > /dev/null 2>&1 ||
    bail_out "openssl req"
webhook_start "$WH-tls" "$WH_TLS_PORT" "$WH-tls/cert.pem" "$WH-tls/key.pem" ||
    bail_out "the TLS webhook receiver did not start"

TOKEN=tok3n-s3cret
URL="http://127.0.0.1:$WH_PORT/hook?token=$TOKEN"
notify_to() {
	SC_EXTRA="
[hooks]
notify = $1"
	scenario_write_conf
	chmod 600 "$CONF"	# a token in it makes it a secret (issue 11)
}
notify_to "$URL"

# Issue 11: the token makes the config file a secret, mode 600 like a key.
chmod 644 "$CONF"
run_fa config-test
is "$FA_RC" 2 "a notify token in a 0644 config: config-test exit 2"
like "$FA_ERR" "^$CONF:[0-9]+: notify holds a token, so $CONF is a secret: it must not be readable by group or others \\(mode 0644\\); run: chmod 600 $CONF" \
    "FILE:LINE, why and the fix"
unlike "$FA_ERR" "$TOKEN" "without the token"
chmod 600 "$CONF"

LOGS=$SC_DIR/all-logs
check() {
	run_fa check
	printf '%s\n' "$FA_ERR" >> "$LOGS"
}

# req EXPR: a Python expression on r, the list of recorded requests.
req() {
	python3 -c '
import json, sys
r = [json.loads(l) for l in open(sys.argv[1])] if __import__("os").path.exists(sys.argv[1]) else []
v = eval(sys.argv[2])
print(v if isinstance(v, str) else json.dumps(v))
' "$WH/requests.jsonl" "$1"
}

# --- the first transition ----------------------------------------------------
check
is "$FA_RC" 0 "first check"
is "$(req 'len(r)')" 1 "one POST"
is "$(req 'r[0]["content_type"]')" application/json "Content-Type: application/json"
is "$(req 'r[0]["path"]')" "/hook?token=$TOKEN" "to the URL as configured"
is "$(req 'sorted(r[0]["body"].keys())')" \
    '["addresses", "at", "cycle_id", "event", "from", "reason", "records", "site", "to"]' \
    "the body's keys"
is "$(req '" ".join([r[0]["body"][k] for k in ("site", "event", "from", "to")])')" \
    "backup-test reconciled UNKNOWN STANDBY" "site, event, from, to"
is "$(req 'r[0]["body"]["records"]')" \
    '["example.com.", "www.example.com.", "www.example.org."]' "records"
is "$(req 'r[0]["body"]["addresses"]')" "[\"$PRIMARY_A\", \"$PRIMARY_AAAA\"]" \
    "addresses: where the records point now"
is "$(req 'r[0]["body"]["at"] == '"$(status_field 'd["transitions"][0]["at"]')")" \
    true "at: the transition's time"
is "$(status_field 'd["notify"]["pending"]')" 0 "status: nothing pending"

# --- the failover while the webhook answers 500 ------------------------------
echo 500 > "$WH/mode"
primary_stop "$SC_DIR/primary"
check
check
check
is "$(status_field 'd["state"]')" ACTIVE "failover with the webhook failing"
is "$(dig_a www.example.com)" "$BACKUP_A" "DNS moved all the same"
is "$(req 'len(r)')" 2 "the failover was POSTed once"
is "$(req 'r[1]["status"]')" 500 "and answered 500"
is "$(status_field 'd["notify"]["pending"]')" 1 "status: 1 pending"
like "$(status_field 'd["notify"]["last_error"]')" "^HTTP 500: oops" \
    "status: the webhook's answer"
like "$(cat "$LOGS")" "notify http://127.0.0.1:$WH_PORT/...: not delivered \\(HTTP 500: oops\\)" \
    "the log says so, with the scheme and host only"

# --- https that does not verify ------------------------------------------------
notify_to "https://127.0.0.1:$WH_TLS_PORT/hook?token=$TOKEN"
check
is "$(status_field 'd["notify"]["pending"]')" 1 "a self-signed https webhook: still pending"
like "$(status_field 'd["notify"]["last_error"]')" "[Cc]ertificate|SSL|TLS" \
    "the TLS error is kept"
test -s "$WH-tls/requests.jsonl"
isnt $? 0 "the unverified server got no request"

# --- delivered next cycle, once ---------------------------------------------------
echo 200 > "$WH/mode"
notify_to "$URL"
check
is "$(status_field 'd["notify"]["pending"]')" 0 "the webhook answers again: delivered"
is "$(req 'len(r)')" 3 "one more POST"
is "$(req '[x["body"]["event"] for x in r if x["status"] == 200]')" \
    '["reconciled", "failover"]' "each event delivered once, in order"
failover_id=$(history_field '[c["id"] for c in d["cycles"] if c["outcome"] == "FAILOVER"][0]')
is "$(req '" ".join(str(r[2]["body"][k]) for k in ("from", "to", "cycle_id"))')" \
    "STANDBY ACTIVE $failover_id" "from, to, and the failover's cycle id"
is "$(req 'r[2]["body"]["addresses"]')" "[\"$BACKUP_A\", \"$BACKUP_AAAA\"]" \
    "addresses: the backup's"
check
is "$(req 'len(r)')" 3 "a cycle without a transition sends nothing"

# --- a webhook that hangs ---------------------------------------------------------
echo hang > "$WH/mode"
primary_start "$SC_DIR/primary" "$PRIMARY_PORT"
check_until_state STANDBY 60
ok $? "failback with the webhook hanging"
printf '%s\n' "$FA_ERR" >> "$LOGS"
is "$(dig_a www.example.com)" "$PRIMARY_A" "DNS moved back"
is "$(status_field 'd["notify"]["pending"]')" 1 "the failback notification is pending"
like "$(status_field 'd["notify"]["last_error"]')" "[Tt]ime" \
    "given up at its deadline"
echo 200 > "$WH/mode"
check
is "$(status_field 'd["notify"]["pending"]')" 0 "delivered on the next cycle"
is "$(req '[x["body"]["event"] for x in r if x["status"] == 200 and x["mode"] == "200"]')" \
    '["reconciled", "failover", "failback"]' "every transition delivered, once"

# --- the token ------------------------------------------------------------------------
all="$(cat "$LOGS") $(fa history -n 100 --json 2>&1) $(fa status --json 2>&1)"
case $all in
*"$TOKEN"*)	fail "the URL's token leaked into a log, history or status" ;;
*)		pass "the URL's token is in no log line, history or status" ;;
esac

done_testing
