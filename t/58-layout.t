#!/bin/sh
# 58-layout.t: DNS layouts that cannot fail over (issue 18 item 4), against
# a real BIND.  The primary's site is 127.0.0.1 here, so [dns] server =
# 127.0.0.1 is the primary's own address, and the zones' only nameserver
# (ns1, glue 127.0.0.1) is too: config-test warns of both, with what works
# instead; the first cycle (then one an hour) records them, and status
# shows them (layout_warnings, and a WARNING line).
# The usual layout (a master and a nameserver elsewhere) gets no warning.
FA_TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$FA_TOP/t/lib/scenario.sh"
scenario_require

PRIMARY_A=127.0.0.1
NAMED_NS="ns1=127.0.0.1"
scenario_setup || bail_out "scenario setup (named, primary, config)"

run_fa config-test
is "$FA_RC" 0 "config-test, the master at the primary's address: exit 0 (warnings)"
like "$FA_ERR" "\\[dns\\] server 127\\.0\\.0\\.1 is one of \\[site:primary\\]'s addresses \\(127\\.0\\.0\\.1\\): when the primary's site is down the DNS master is too, and no failover can be written; what works: a hidden master or a DNS provider at another site" \
    "config-test: [dns] server at the primary's site, and what works instead"
like "$FA_ERR" "powerdns with the backup's own master \\(see INSTALL" \
    "... names the virtualmin/powerdns alternative and INSTALL"
is "$(printf '%s\n' "$FA_ERR" | grep -c '\[dns\] server 127.0.0.1 is one of')" 1 \
    "the [dns] server warning is given once, not once per zone"
like "$FA_ERR" "example\\.com: every nameserver of the zone \\(ns1\\.example\\.com \\(127\\.0\\.0\\.1#$DNS_PORT\\)\\) is at \\[site:primary\\]'s addresses" \
    "config-test: every nameserver of example.com at the primary's addresses"
like "$FA_ERR" "example\\.org: every nameserver of the zone" \
    "... and of example.org"
like "$FA_OUT" "configuration OK" "still configuration OK (warnings only)"

run_fa check
is "$FA_RC" 0 "check: exit 0"
is "$(status_field 'len(d["layout_warnings"])')" 3 \
    "status --json: three layout_warnings (the master, two zones' NS sets)"
like "$(status_field 'd["layout_warnings"][0]["detail"]')" \
    "^\\[dns\\] server 127\\.0\\.0\\.1 is one of \\[site:primary\\]'s addresses" \
    "status --json: the master's warning first"
run_fa status
like "$FA_OUT" "WARNING: this layout cannot fail over: \\[dns\\] server 127\\.0\\.0\\.1 is one of" \
    "status (text): a WARNING line"
run_fa status --nagios
is "$FA_RC" 1 "status --nagios: WARNING (exit 1)"
like "$FA_OUT" "this layout cannot fail over: \\[dns\\] server 127\\.0\\.0\\.1 is one of" \
    "status --nagios: names the layout that cannot fail over"
is "$(history_field '[a["result"] for a in d["cycles"][0]["actions"]
    if a["kind"] == "dns layout"]')" '["failed", "failed", "failed"]' \
    "history: one failed \"dns layout\" row per warning"
run_fa check
is "$(history_field '[a["kind"] for a in d["cycles"][0]["actions"]
    if a["kind"] == "dns layout"]')" '[]' \
    "the next cycle does not check again (hourly)"
is "$(status_field 'len(d["layout_warnings"])')" 3 \
    "status --json: still the three warnings of the last check"

# --- without [dns] server: the SOA MNAME (found through [dns] resolver) ------
SC_DNS_SERVER=-
SC_DNS_EXTRA="resolver = 127.0.0.1:$DNS_PORT"
scenario_write_conf
run_fa config-test
is "$FA_RC" 0 "config-test, the SOA MNAME at the primary's address: exit 0"
like "$FA_ERR" "example\\.com: the DNS master ns1\\.example\\.com \\(127\\.0\\.0\\.1#$DNS_PORT\\) \\(the zone's SOA MNAME\\) is one of \\[site:primary\\]'s addresses: when the primary's site is down the master is too" \
    "config-test: the MNAME of example.com at the primary's site"
like "$FA_ERR" "example\\.org: the DNS master ns1\\.example\\.org" \
    "... and of example.org"
SC_DNS_SERVER=
SC_DNS_EXTRA=

# --- the usual layout: no warning ------------------------------------------
scenario_cleanup
PRIMARY_A=192.0.2.10
NAMED_NS=
scenario_setup || bail_out "scenario setup (the usual layout)"
run_fa config-test
is "$FA_RC" 0 "the usual layout: config-test exit 0"
unlike "$FA_ERR" "site:primary\\]'s addresses" "the usual layout: no layout warning"
run_fa check
is "$(status_field 'd["layout_warnings"]')" "[]" \
    "the usual layout: status --json layout_warnings is []"
run_fa status --nagios
unlike "$FA_OUT" "layout" "the usual layout: status --nagios says nothing of it"
is "$(history_field '[a["result"] for a in d["cycles"][0]["actions"]
    if a["kind"] == "dns layout"]')" '["ok"]' \
    "the usual layout: history: one ok \"dns layout\" row"

done_testing
