# netns.sh: a small simulated network of separate hosts for partition tests,
# made of Linux network namespaces (ip netns), veth pairs and one bridge.
# POSIX sh; needs root (CAP_SYS_ADMIN and CAP_NET_ADMIN), iproute2 and nft
# (Debian packages iproute2, nftables).  Source it, then:
#
#   netns_setup || bail_out "cannot create network namespaces: $NETNS_ERROR"
#
# Topology (every name starts with NETNS_PREFIX, default "fa<PID>-", so that
# runs side by side never meet):
#
#     primary 198.18.0.10   backup 198.18.0.20   dns 198.18.0.53
#     spare1  198.18.0.31   spare2 198.18.0.32
#        each: lo up, eth0 = one end of a veth pair, the other end (named
#        after the host) a port of bridge br0 in the namespace "sw".
#
# 198.18.0.0/15 is the RFC 2544 benchmarking range: not routed anywhere, and
# here it exists only inside these namespaces.  With NETNS_FAMILY=6 (set
# before netns_setup) the network is IPv6-only instead: the same hosts get
# fd77:6::10, ::20, ::31, ::32, ::53 in fd77:6::/64 (a unique local prefix,
# RFC 4193), without duplicate address detection so they are usable at
# once, and no IPv4 address at all (lo keeps 127.0.0.1, as on any host).
# Nothing is created in the caller's namespace (veth pairs are made inside
# the namespaces), so deleting the namespaces deletes every link.
#
# Faults.  Every cut is silent, the way a dead uplink or a powered-off site
# looks from outside: nft rules in the bridge family (table bridge fa_cut,
# chain cuts on the forward hook) in the switch namespace drop the frames
# on the wire.  Nobody refuses, nobody answers with ICMP, no sender sees a
# local error: a connection attempt just waits for its timeout.  ARP and
# IPv6 neighbour discovery always pass, as they would with a router in front
# of the dead site: the senders' kernels keep resolving the address, so they
# never turn the silence into a quick "no route to host" of their own.  The
# rules match ports of the bridge (and, for DNS answers, bytes of the DNS
# header), so they work alike for IPv4 and IPv6.  Every drop rule counts
# what it dropped (netns_dropped).
#
# Functions:
#   netns_setup            create the namespaces, the bridge, the links;
#                          set NETNS_DIR (a fresh directory for pid files and
#                          logs, removed at teardown; FA_KEEP=1 keeps it) and
#                          install traps (EXIT, HUP, INT, TERM, PIPE) that
#                          run netns_teardown.  Non-zero with NETNS_ERROR set
#                          (why, in words) if namespaces cannot be made.
#   netns_ns HOST          the namespace's name
#   netns_addr HOST        the host's address (IPv4, or IPv6 with
#                          NETNS_FAMILY=6)
#   netns_hostport HOST PORT  "ADDR:PORT" or "[ADDR]:PORT", as URLs and
#                          listen addresses write it
#   netns_exec HOST CMD... run CMD in HOST's namespace (foreground)
#   netns_spawn HOST NAME CMD...  run CMD in the background in HOST's
#                          namespace, stdin /dev/null, stdout and stderr to
#                          $NETNS_DIR/NAME.log; its PID in NETNS_PID and
#                          $NETNS_DIR/pids/NAME (killed at teardown)
#   netns_kill NAME        stop a netns_spawn'ed process (TERM, then KILL
#                          after ~5 s) and wait until it is gone; returns
#                          its exit status (0: it stopped cleanly on TERM)
#   netns_track NAME PID   have netns_teardown stop PID too (a process that
#                          another library started in a namespace, e.g.
#                          named_start); netns_untrack NAME once it is gone
#   netns_uplink_down HOST / netns_uplink_up HOST
#                          ip link set eth0 down / up in HOST's namespace
#                          (the host itself knows: its sends fail at once);
#                          up waits (polling) until the link and its route
#                          are back
#   netns_cut A B          silently drop every IP packet between A and B,
#                          both directions
#   netns_cut_oneway A B   drop only what A sends to B (B -> A still arrives)
#   netns_uncut A B        undo netns_cut / netns_cut_oneway between A and B
#   netns_silence HOST     HOST is gone for everyone (a powered-off site, a
#                          dead uplink): every IP packet to or from it is
#                          dropped on the bridge; its own view is that
#                          nobody answers either
#   netns_unsilence HOST   HOST is back
#   netns_drop_update_answers [HOST [PORT]]
#                          drop only the DNS answers to UPDATE messages
#                          (opcode 5, RFC 2136 section 2.2) that HOST (default
#                          dns) sends from PORT (default 53), over UDP and
#                          TCP: the server applies the UPDATE, its answer
#                          never arrives.  Queries and their answers pass.
#   netns_pass_update_answers [HOST]   undo it
#   netns_drop_after_update [HOST [PORT]]
#                          the same, and from the moment HOST has answered
#                          an UPDATE, everything it sends to that asker is
#                          dropped too (the asker cannot read the records
#                          back: the outcome stays unknown); ARP and
#                          neighbour discovery still pass
#   netns_pass_after_update [HOST]     undo it
#   netns_dropped TAG      packets dropped so far by the rules of one fault:
#                          TAG is "silence HOST", "cut A B" (one direction),
#                          "update-answers HOST" or "after-update HOST"; 0
#                          if there are none
#   netns_heal             remove every cut and bring every uplink up
#   netns_teardown         kill every process started in the namespaces (the
#                          tracked PIDs with TERM, then whatever `ip netns
#                          pids` still finds in them with KILL), delete the
#                          namespaces and with them every link; remove
#                          NETNS_DIR.  Idempotent.  A PID is signalled only
#                          while `ip netns identify` places it in one of our
#                          namespaces: a stale PID may be someone else's now.

NETNS_HOSTS="primary backup spare1 spare2 dns"
NETNS_PREFIX=${NETNS_PREFIX:-fa$$-}
NETNS_DIR=
NETNS_ERROR=
NETNS_PID=
NETNS_MADE=		# namespaces created so far, for teardown
NETNS_TABLE=fa_cut	# the bridge table in "sw" that holds the cuts

NETNS_FAMILY=${NETNS_FAMILY:-4}	# 4, or 6 for the IPv6-only network

netns_addr() {
	case $NETNS_FAMILY:$1 in
	4:primary)	echo 198.18.0.10 ;;
	4:backup)	echo 198.18.0.20 ;;
	4:spare1)	echo 198.18.0.31 ;;
	4:spare2)	echo 198.18.0.32 ;;
	4:dns)		echo 198.18.0.53 ;;
	6:primary)	echo fd77:6::10 ;;
	6:backup)	echo fd77:6::20 ;;
	6:spare1)	echo fd77:6::31 ;;
	6:spare2)	echo fd77:6::32 ;;
	6:dns)		echo fd77:6::53 ;;
	*)		echo "netns_addr: unknown host $1 (NETNS_FAMILY $NETNS_FAMILY)" >&2
			return 1 ;;
	esac
}

# _netns_prefix: the hosts' network, as `ip route` shows it.
_netns_prefix() {
	if [ "$NETNS_FAMILY" = 6 ]; then
		echo fd77:6::/64
	else
		echo 198.18.0.0/24
	fi
}

netns_hostport() {
	_nhp_a=$(netns_addr "$1") || return 1
	case $_nhp_a in
	*:*)	echo "[$_nhp_a]:$2" ;;
	*)	echo "$_nhp_a:$2" ;;
	esac
}

netns_ns() {
	echo "$NETNS_PREFIX$1"
}

netns_exec() {
	_ne_ns=$(netns_ns "$1")
	shift
	ip netns exec "$_ne_ns" "$@"
}

# _netns_add NAME: create one namespace and remember it for teardown.
_netns_add() {
	_na_err=$(ip netns add "$NETNS_PREFIX$1" 2>&1) || {
		NETNS_ERROR="ip netns add $NETNS_PREFIX$1: ${_na_err:-failed}"
		return 1
	}
	NETNS_MADE="$NETNS_MADE $NETNS_PREFIX$1"
	return 0
}

# _netns_run CMD...: run a setup command; on failure NETNS_ERROR says which
# command and what it printed.
_netns_run() {
	_nr_err=$("$@" 2>&1) || {
		NETNS_ERROR="$*: ${_nr_err:-failed}"
		return 1
	}
	return 0
}

netns_setup() {
	NETNS_DIR=$(mktemp -d "${TMPDIR:-/tmp}/fa-netns.XXXXXX") || {
		NETNS_ERROR="mktemp failed"
		return 1
	}
	mkdir "$NETNS_DIR/pids" || return 1
	trap netns_teardown EXIT
	trap 'exit 129' HUP
	trap 'exit 130' INT
	trap 'exit 143' TERM
	trap 'exit 141' PIPE
	case $NETNS_FAMILY in
	4|6)	;;
	*)	NETNS_ERROR="NETNS_FAMILY is $NETNS_FAMILY, not 4 or 6"
		return 1 ;;
	esac
	for _ns_p in ip nft; do
		if ! command -v "$_ns_p" > /dev/null 2>&1; then
			NETNS_ERROR="no $_ns_p program (Debian packages iproute2, nftables: sh t/lib/deps.sh --install)"
			return 1
		fi
	done
	# Let ip itself say why it cannot (no privilege, no /run/netns, a
	# kernel without namespaces); add the likely cause.
	if ! _netns_add sw; then
		[ "$(id -u)" = 0 ] || NETNS_ERROR="$NETNS_ERROR (not root: uid $(id -u); ip netns needs CAP_SYS_ADMIN and CAP_NET_ADMIN)"
		return 1
	fi
	_ns_sw=$(netns_ns sw)
	_netns_run ip -n "$_ns_sw" link set lo up || return 1
	# STP off and no forwarding delay: a port forwards as soon as it is up.
	# No multicast snooping either: neighbour solicitations are flooded
	# to every port, whatever MLD reports were or were not seen.
	_netns_run ip -n "$_ns_sw" link add br0 type bridge stp_state 0 \
	    forward_delay 0 mcast_snooping 0 || return 1
	_netns_run ip -n "$_ns_sw" link set br0 up || return 1
	for _ns_h in $NETNS_HOSTS; do
		_netns_add "$_ns_h" || return 1
		_ns_n=$(netns_ns "$_ns_h")
		_netns_run ip -n "$_ns_n" link set lo up || return 1
		if [ "$NETNS_FAMILY" = 6 ]; then
			# Usable at once: no duplicate address detection
			# (nodad below; accept_dad for the link-local one).
			_netns_run ip netns exec "$_ns_n" sysctl -qw \
			    net.ipv6.conf.default.accept_dad=0 || return 1
		fi
		# Both ends are born inside the namespaces: nothing ever
		# appears in the caller's namespace.
		_netns_run ip -n "$_ns_n" link add eth0 type veth \
		    peer name "$_ns_h" netns "$_ns_sw" || return 1
		_netns_run ip -n "$_ns_sw" link set "$_ns_h" master br0 up ||
		    return 1
		if [ "$NETNS_FAMILY" = 6 ]; then
			_netns_run ip -n "$_ns_n" -6 addr add \
			    "$(netns_addr "$_ns_h")/64" dev eth0 nodad || return 1
		else
			_netns_run ip -n "$_ns_n" addr add \
			    "$(netns_addr "$_ns_h")/24" dev eth0 || return 1
		fi
		_netns_run ip -n "$_ns_n" link set eth0 up || return 1
	done
	for _ns_h in $NETNS_HOSTS; do
		_netns_link_wait "$_ns_h" || {
			NETNS_ERROR="eth0 of $_ns_h did not come up"
			return 1
		}
	done
	return 0
}

# _netns_link_wait HOST: poll (about 5 s at most) until HOST's eth0 is up
# and its connected route to the hosts' network is back.
_netns_link_wait() {
	_nw_ns=$(netns_ns "$1")
	_nw_i=0
	while :; do
		if ip -n "$_nw_ns" -o link show dev eth0 2>/dev/null |
		    grep -q 'state UP' &&
		    [ -n "$(ip -n "$_nw_ns" -"$NETNS_FAMILY" route show \
		    "$(_netns_prefix)" dev eth0 2>/dev/null)" ]; then
			return 0
		fi
		_nw_i=$((_nw_i + 1))
		[ $_nw_i -lt 100 ] || return 1
		sleep 0.05
	done
}

netns_spawn() {
	_nsp_host=$1
	_nsp_name=$2
	shift 2
	_nsp_ns=$(netns_ns "$_nsp_host")
	# ip netns exec execs the command itself: $! is its PID.
	ip netns exec "$_nsp_ns" "$@" > "$NETNS_DIR/$_nsp_name.log" 2>&1 \
	    < /dev/null &
	NETNS_PID=$!
	echo "$NETNS_PID" > "$NETNS_DIR/pids/$_nsp_name"
}

netns_track() {
	echo "$2" > "$NETNS_DIR/pids/$1"
}

netns_untrack() {
	rm -f "$NETNS_DIR/pids/$1"
}

# _netns_ours PID: is PID alive in one of our namespaces?  Teardown signals
# only those: a PID written down long ago may belong to someone else now.
_netns_ours() {
	for _no_n in $(ip netns identify "$1" 2>/dev/null); do
		case $_no_n in
		"$NETNS_PREFIX"*)	return 0 ;;
		esac
	done
	return 1
}

# _netns_stop_pid PID: TERM, poll until gone (the shell reaps its own
# children as they exit), KILL after about 5 s.  Returns the process's exit
# status when it is a child of this shell (143 = died of the TERM, 137 = of
# the KILL), 0 for another process once gone, 1 if it would not die.
_netns_stop_pid() {
	kill "$1" 2>/dev/null
	_nk_i=0
	while kill -0 "$1" 2>/dev/null; do
		_nk_i=$((_nk_i + 1))
		if [ $_nk_i -eq 100 ]; then
			kill -9 "$1" 2>/dev/null
		elif [ $_nk_i -ge 200 ]; then
			echo "# netns: process $1 does not die" >&2
			return 1
		fi
		sleep 0.05
	done
	wait "$1" 2>/dev/null
	_nk_rc=$?
	[ $_nk_rc = 127 ] && return 0	# not our child
	return $_nk_rc
}

netns_kill() {
	[ -f "$NETNS_DIR/pids/$1" ] || return 0
	_nk_pid=$(cat "$NETNS_DIR/pids/$1")
	rm -f "$NETNS_DIR/pids/$1"
	if ! _netns_ours "$_nk_pid"; then
		# Gone already: its exit status, if it was our child.
		wait "$_nk_pid" 2>/dev/null
		return $?
	fi
	_netns_stop_pid "$_nk_pid"
}

netns_uplink_down() {
	ip -n "$(netns_ns "$1")" link set eth0 down
}

netns_uplink_up() {
	ip -n "$(netns_ns "$1")" link set eth0 up || return 1
	_netns_link_wait "$1"
}

# _netns_nft ARGS...: nft in the switch namespace.
_netns_nft() {
	ip netns exec "$(netns_ns sw)" nft "$@"
}

# _netns_rules TAG RULE...: add RULEs (each the rule's match and verdict,
# without "counter" and "comment") to the cut chain, each counting what it
# drops and commented TAG; a RULE "set:NAME" makes the set NAME of MAC
# addresses instead.  The table is made on first use: the chain
# accepts by default and first lets ARP and neighbour discovery through
# (see "Faults" above).
_netns_rules() {
	_nr_tag=$1
	shift
	{
		if ! _netns_nft list table bridge "$NETNS_TABLE" \
		    > /dev/null 2>&1; then
			echo "add table bridge $NETNS_TABLE"
			echo "add chain bridge $NETNS_TABLE cuts { type filter hook forward priority 0; policy accept; }"
			echo "add rule bridge $NETNS_TABLE cuts ether type arp accept"
			echo "add rule bridge $NETNS_TABLE cuts icmpv6 type { nd-router-solicit, nd-router-advert, nd-neighbor-solicit, nd-neighbor-advert, nd-redirect } accept"
		fi
		for _nr_r in "$@"; do
			case $_nr_r in
			set:*)	# A set of MAC addresses, before its rules.
				echo "add set bridge $NETNS_TABLE ${_nr_r#set:} { type ether_addr; }"
				continue ;;
			esac
			# The verdict goes last, after the counter.
			echo "add rule bridge $NETNS_TABLE cuts ${_nr_r% drop} counter drop comment \"$_nr_tag\""
		done
	} | _netns_nft -f -
}

# _netns_handles TAG: the handles of the rules commented TAG.
_netns_handles() {
	_netns_nft -a list chain bridge "$NETNS_TABLE" cuts 2>/dev/null |
	    grep -F "comment \"$1\" " | sed -n 's/.*# handle \([0-9]*\)$/\1/p'
}

# _netns_rules_del TAG: delete the rules commented TAG.
_netns_rules_del() {
	for _nd_h in $(_netns_handles "$1"); do
		_netns_nft delete rule bridge "$NETNS_TABLE" cuts handle "$_nd_h" ||
		    return 1
	done
	return 0
}

# The bridge port of each host carries its name: a rule on ports covers
# both families and every address the host has.
_netns_ether_ip='ether type { ip, ip6 }'

netns_cut() {
	netns_cut_oneway "$1" "$2" && netns_cut_oneway "$2" "$1"
}

netns_cut_oneway() {
	netns_addr "$1" > /dev/null && netns_addr "$2" > /dev/null || return 1
	_netns_rules "cut $1 $2" \
	    "iifname \"$1\" oifname \"$2\" $_netns_ether_ip drop"
}

netns_uncut() {
	_netns_rules_del "cut $1 $2" && _netns_rules_del "cut $2 $1"
}

netns_silence() {
	netns_addr "$1" > /dev/null || return 1
	_netns_rules "silence $1" \
	    "iifname \"$1\" $_netns_ether_ip drop" \
	    "oifname \"$1\" $_netns_ether_ip drop"
}

netns_unsilence() {
	_netns_rules_del "silence $1"
}

# netns_drop_update_answers: the DNS header (RFC 1035 section 4.1.1)
# follows the UDP header (8 bytes), or over TCP the TCP header and the
# two-byte length (RFC 1035 section 4.2.2).  Its third byte holds QR (0x80)
# and the opcode (0x78): an answer (QR 1) to an UPDATE (opcode 5) has
# 0xa8 under the mask 0xf8.  nft 1.0.6 cannot add the TCP header's length
# (data offset) to an offset, so there is one rule per possible data
# offset, 5 to 15 words: the flags byte is at byte doff * 4 + 4 of the
# segment.  This sees an answer whose length field starts a segment, as
# BIND writes it (length and message in one write); an answer that began
# in the middle of a segment would pass.  The server retransmits a dropped
# segment and every copy is dropped alike, so the asker sees no answer.
netns_drop_update_answers() {
	_netns_update_answers update-answers "" "${1:-dns}" "${2:-53}"
}

netns_pass_update_answers() {
	_netns_rules_del "update-answers ${1:-dns}"
}

# netns_drop_after_update: a set (after_update_HOST) of the askers HOST
# has answered an UPDATE; the answer adds its destination MAC address to
# it, and everything HOST sends to a MAC address in the set is dropped.
netns_drop_after_update() {
	_na_h=${1:-dns}
	netns_addr "$_na_h" > /dev/null || return 1
	_na_set=after_update_$_na_h
	_netns_update_answers after-update "add @$_na_set { ether daddr }" \
	    "$_na_h" "${2:-53}" "set:$_na_set" \
	    "iifname \"$_na_h\" ether daddr @$_na_set $_netns_ether_ip drop"
}

netns_pass_after_update() {
	_netns_rules_del "after-update ${1:-dns}" &&
	    _netns_nft delete set bridge "$NETNS_TABLE" "after_update_${1:-dns}"
}

# _netns_update_answers KIND STATEMENT HOST PORT [RULE...]: the rules that
# drop HOST's answers to UPDATEs, each running STATEMENT (may be empty)
# before it drops, after the RULEs; tagged "KIND HOST".
_netns_update_answers() {
	_nu_k=$1
	_nu_s=$2
	_nu_h=$3
	_nu_p=$4
	shift 4
	netns_addr "$_nu_h" > /dev/null || return 1
	set -- "$@" "iifname \"$_nu_h\" udp sport $_nu_p @th,80,8 & 0xf8 == 0xa8 $_nu_s drop"
	_nu_d=5
	while [ $_nu_d -le 15 ]; do
		set -- "$@" "iifname \"$_nu_h\" tcp sport $_nu_p tcp doff $_nu_d @th,$(((_nu_d * 4 + 4) * 8)),8 & 0xf8 == 0xa8 $_nu_s drop"
		_nu_d=$((_nu_d + 1))
	done
	_netns_rules "$_nu_k $_nu_h" "$@"
}

netns_dropped() {
	_netns_nft list chain bridge "$NETNS_TABLE" cuts 2>/dev/null |
	    grep -F "comment \"$1\"" |
	    sed -n 's/.* counter packets \([0-9]*\) bytes.*/\1/p' |
	    awk '{ n += $1 } END { print n + 0 }'
}

netns_heal() {
	_nh_rc=0
	if _netns_nft list table bridge "$NETNS_TABLE" > /dev/null 2>&1; then
		_netns_nft delete table bridge "$NETNS_TABLE" || _nh_rc=1
	fi
	for _nh_h in $NETNS_HOSTS; do
		netns_uplink_up "$_nh_h" || _nh_rc=1
	done
	return $_nh_rc
}

netns_teardown() {
	if [ -n "$NETNS_DIR" ] && [ -d "$NETNS_DIR/pids" ]; then
		# TERM to all first (they stop in parallel), then wait for each.
		_nt_live=
		for _nt_f in "$NETNS_DIR"/pids/*; do
			[ -f "$_nt_f" ] || continue
			_nt_p=$(cat "$_nt_f")
			rm -f "$_nt_f"
			_netns_ours "$_nt_p" || continue
			kill "$_nt_p" 2>/dev/null
			_nt_live="$_nt_live $_nt_p"
		done
		for _nt_p in $_nt_live; do
			_netns_stop_pid "$_nt_p"
		done
	fi
	# Whatever is still inside (a command cut short by a signal, a
	# grandchild): only processes in our own namespaces, by PID.
	for _nt_ns in $NETNS_MADE; do
		for _nt_p in $(ip netns pids "$_nt_ns" 2>/dev/null); do
			kill -9 "$_nt_p" 2>/dev/null
		done
	done
	for _nt_ns in $NETNS_MADE; do
		_nt_i=0
		while [ -n "$(ip netns pids "$_nt_ns" 2>/dev/null)" ] &&
		    [ $_nt_i -lt 100 ]; do
			_nt_i=$((_nt_i + 1))
			sleep 0.05
		done
		ip netns del "$_nt_ns" 2>/dev/null ||
		    echo "# netns: could not delete namespace $_nt_ns" >&2
	done
	NETNS_MADE=
	if [ -n "$NETNS_DIR" ] && [ -d "$NETNS_DIR" ]; then
		if [ -n "${FA_KEEP:-}" ]; then
			echo "# kept $NETNS_DIR" >&2
		else
			rm -rf "$NETNS_DIR"
		fi
	fi
	NETNS_DIR=
}
