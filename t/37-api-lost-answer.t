#!/bin/sh
# 37-api-lost-answer.t: a provider API write that got no answer is an unknown
# outcome too (issue 16 item 2), here with method = cloudflare against
# t/lib/cloudflare_double.py (it applies what it accepts to our real BIND):
#   a. the batch is carried out, its answer lost: read back through DNS, the
#      change is there: ok, DNS at the backup, nothing sent twice;
#   b. the batch is swallowed (never carried out, never answered): DNS keeps
#      the old addresses, but behind an API that does not prove nothing
#      changed: unknown-outcome, "DNS may have changed", never "nothing
#      was changed".
FA_TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$FA_TOP/t/lib/scenario.sh"
. "$FA_TOP/t/lib/apidouble.sh"
double_scenario_setup
cloudflare_setup
SC_DNS_EXTRA="timeout = 2s
verify_timeout = 1s"
scenario_write_conf

run_fa check
is "$FA_RC" 0 "first check: exit 0"
is "$(status_field 'd["state"]')" STANDBY "STANDBY"

# --- a. carried out, the answer lost ---------------------------------------
echo "POST 1" > "$CF/lose_answer"
: > "$CF/calls.log"
run_fa failover
is "$FA_RC" 0 "a: the batch's answer lost, the change there: exit 0"
[ "$FA_RC" = 0 ] || diag "$FA_ERR"
test ! -e "$CF/lose_answer"
ok $? "a: the double lost one answer"
dns_points_at "a: BIND" "$BACKUP_A" "$BACKUP_AAAA"
is "$(status_field 'd["state"]')" ACTIVE "a: ACTIVE"
d=$(last_actions)
like "$d" "POST sent, no answer \\(.*\\): the answer was lost but the change is there \\(read back from 127\\.0\\.0\\.1#$DNS_PORT: every record holds the new addresses\\)" \
    "a: history: sent, no answer, the change is there"
unlike "$d" "nothing in example.com was changed" \
    "a: it does not say the batch changed nothing"
is "$(calls 'len([x for x in c if x["method"] == "POST"])')" 2 \
    "a: one batch per zone, none sent twice"

run_fa failback
is "$FA_RC" 0 "failback: exit 0"
dns_points_at "after the failback" "$PRIMARY_A" "$PRIMARY_AAAA"

# --- b. swallowed: DNS unchanged, but an API's DNS may lag -----------------
echo "POST 1" > "$CF/swallow"
run_fa failover
is "$FA_RC" 1 "b: no answer, DNS unchanged: exit 1"
test ! -e "$CF/swallow"
ok $? "b: the double swallowed one batch"
d=$(last_actions)
like "$d" "unknown-outcome: example\\.com: .*POST sent, no answer \\(.*\\): DNS may have changed \\(127\\.0\\.0\\.1#$DNS_PORT still serves the old addresses of every record, but DNS may show the provider's change late\\)" \
    "b: history: unknown-outcome, DNS may have changed"
unlike "$d" "example\\.com: [^|]*nothing[^|]*was changed" \
    "b: it never says nothing was changed for example.com"
is "$(dig_a www.example.com)" "$PRIMARY_A" \
    "b: BIND: example.com untouched (the double never carried it out)"

done_testing
