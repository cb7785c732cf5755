#!/bin/sh
# 73-master-at-primary.t: when a move cannot happen, say why (issue 18),
# in network namespaces with silent drops (t/lib/silent.sh).  The layout
# the origin story suggests: the zone's master lives at the primary's site,
# and the whole site goes silent, its web server and its nameserver alike.
# No RFC 2136 failover can work then, and the agent must say so plainly:
#   - each cycle that tries to move records ERROR with a message that names
#     the master and says it does not answer (not "DNS update failed");
#   - status --nagios is CRITICAL (the primary is down and this site cannot
#     fail over);
#   - status shows no verified change;
#   - the site comes back: STANDBY, DNS never moved.
# (config-test's warning that [dns] server is the primary's site is in
# t/58-layout.t; here the master has an address of its own.)  The other
# layout, a hidden master at a third site, is t/71-silent.t.
FA_TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$FA_TOP/t/lib/silent.sh"

# Short timeouts: what is asserted is the message, not the waiting.
SPARE_CHECK="timeout = 1s"
SPARE_VOTE="interval = 1s"
BACKUP_CHECK="timeout = 1s"
BACKUP_QUORUM="timeout = 2s"
BACKUP_DNS="timeout = 1s"
silent_setup
silent_spares_start

reset site
netns_silence primary
ok $? "the primary's web server is silent"
netns_silence dns
ok $? "... and so is its site's DNS master"
fail_cycles $((FAIL_AFTER - 1)) "site"
n=0
while [ $n -lt 6 ]; do
	check
	n=$((n + 1))
	[ "$(hist 'c["outcome"]')" = ERROR ] && break
done
is "$(hist 'c["outcome"]')" ERROR "the cycle that tries to fail over: ERROR ($(cycle_line))"
is "$FA_RC" 1 "... exit 1"
msg=$(hist 'c["message"]')
like "$msg" "cannot read the records from DNS master $(echo "$IP_DNS" | sed 's/\./\\./g')#53: no answer over UDP in [0-9]+ ms" \
    "its message names the master and says it does not answer: $msg"
unlike "$msg" "^DNS update failed" "... not a bare 'DNS update failed'"
check
like "$(hist 'c["message"]')" "cannot read the records from DNS master" \
    "the next cycle says the same"
is "$(hist 'c["state_after"]')" STANDBY "nothing was moved: STANDBY"

nagios=$(netns_exec backup "$FA" -c "$CONF" status --nagios 2>&1)
is "$?" 2 "status --nagios: CRITICAL (exit 2): $nagios"
like "$nagios" "^FAILOVER CRITICAL" "... and says so"
out=$(netns_exec backup "$FA" -c "$CONF" status 2>&1)
unlike "$out" "served the last change" "status: no verified change shown"
is "$(fa_status 'str(d["verify"] is None or d["verify"].get("cycle_id") is None)')" True \
    "status --json: verify names no change"

netns_unsilence dns
netns_unsilence primary
n=0
while [ $n -lt 8 ]; do
	check
	n=$((n + 1))
	[ "$FA_RC" = 0 ] && break
done
is "$FA_RC" 0 "the site is back: a quiet cycle"
is "$(hist 'c["state_after"]')" STANDBY "STANDBY"
dns_points_at "the site is back" "$PRIMARY_A" "$PRIMARY_AAAA"

for _s in spare1 spare2; do
	netns_kill "$_s"
done
done_testing
