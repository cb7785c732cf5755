#!/bin/sh
# 72-silent-ipv6.t: t/71-silent.t's silent outage on an IPv6-only network
# (issue 16): the hosts have only fd77:6::/64 addresses, no IPv4 at all,
#
#     primary fd77:6::10    backup fd77:6::20    dns fd77:6::53
#     spare1  fd77:6::31    spare2 fd77:6::32
#
# and every address in the configs is written as a literal IPv6 address in
# brackets ([dns] server = [fd77:6::53], http://[fd77:6::10]/health, the
# spares' URLs).  Short timeouts are allowed here (the defaults are t/71's
# subject), so the test is quick: the backup's check and quorum timeouts
# 2 s, its DNS timeout 2 s and verify_timeout 3 s; the spares probe every
# second with a 1 s check timeout.  fail_after and recover_after stay at
# their defaults (3).
#
# Scenarios, as in t/71-silent.t (t/lib/silent.sh):
#   outage    the primary goes silent -> FAILOVER in cycle fail_after;
#             it comes back -> FAILBACK after recover_after
#   lost      the master's answers to the failover's UPDATEs are dropped
#             (over IPv6, UDP and TCP) -> state and DNS agree within one
#             cycle after healing; the primary's return brings DNS back
#   lost-all  the same, and once the master has answered the UPDATE it
#             sends the backup nothing more (no read-back possible): the
#             cycle ends FAILED, one cycle after healing it is ACTIVE
#
# Needs root (network namespaces); it never skips.
FA_TOP=$(cd "$(dirname "$0")/.." && pwd)
NETNS_FAMILY=6
. "$FA_TOP/t/lib/silent.sh"

SPARE_CHECK="timeout       = 1s"
SPARE_VOTE="interval = 1s"
BACKUP_CHECK="timeout       = 2s"
BACKUP_QUORUM="timeout     = 2s"
BACKUP_DNS="timeout        = 2s
verify_timeout = 3s"

silent_setup
is "$(netns_exec backup ip -4 addr show dev eth0)" "" \
    "the backup's eth0 has no IPv4 address"
like "$(netns_exec backup ip -6 addr show dev eth0)" 'inet6 fd77:6::20/64' \
    "the backup's eth0 has fd77:6::20/64"
silent_spares_start

silent_outage outage
silent_lost_answer lost
silent_lost_answer lost-all all

silent_teardown

done_testing
