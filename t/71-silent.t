#!/bin/sh
# 71-silent.t: a silent outage must fail over (issue 16), over IPv4, with
# every timeout at its shipped default.  Real processes in network
# namespaces (t/lib/netns.sh, t/lib/silent.sh):
#
#     primary 198.18.0.10   stand-in web server on :80
#     backup  198.18.0.20   failover-agent check, cycle after cycle
#     spare1  198.18.0.31   failover-agent vote-server, shipped defaults
#     spare2  198.18.0.32   failover-agent vote-server, shipped defaults
#     dns     198.18.0.53   BIND named, the master of example.com, .org
#
# The outage is what a dead uplink or a powered-off site looks like from
# outside: the bridge drops every packet to and from the primary; nothing
# is refused, no ICMP comes back, every probe waits for its timeout.  No
# config here has a timeout, interval or cache key (checks, quorum, DNS,
# the spares' probe interval: all shipped defaults).  The backup sets
# hold_down and ttl only so that a failback does not wait 15 minutes (see
# write_conf in t/lib/silent.sh).
#
# Scenarios:
#   defaults  the primary goes silent -> FAILOVER in cycle fail_after,
#             both spares confirm, dig at the master shows the backup;
#             it comes back -> FAILBACK after recover_after good cycles,
#             dig shows the primary
#   lost      the same outage, but the master's answers to the failover's
#             UPDATE messages (DNS opcode 5) are dropped: the master applies
#             it, the backup never hears so.  Within one cycle after the
#             path heals, status and DNS agree (ACTIVE); the primary's
#             return brings DNS back to it.
#
# Needs root (network namespaces); a machine where they cannot be made fails
# this test with the reason: it never skips.
FA_TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$FA_TOP/t/lib/silent.sh"

silent_setup
silent_spares_start

silent_outage defaults
silent_lost_answer lost

silent_teardown

done_testing
