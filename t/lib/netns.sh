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
# here it exists only inside these namespaces.  Nothing is created in the
# caller's namespace (veth pairs are made inside the namespaces), so deleting
# the namespaces deletes every link.
#
# Functions:
#   netns_setup            create the namespaces, the bridge, the links;
#                          set NETNS_DIR (a fresh directory for pid files and
#                          logs, removed at teardown; FA_KEEP=1 keeps it) and
#                          install traps (EXIT, HUP, INT, TERM, PIPE) that
#                          run netns_teardown.  Non-zero with NETNS_ERROR set
#                          (why, in words) if namespaces cannot be made.
#   netns_ns HOST          the namespace's name
#   netns_addr HOST        the host's address
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
#                          ip link set eth0 down / up in HOST's namespace;
#                          up waits (polling) until the link and its route
#                          are back
#   netns_cut A B          drop every IPv4 packet between A and B, both
#                          directions, by nft rules in A's namespace
#   netns_cut_oneway A B   drop only what A sends to B (B -> A still arrives)
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
NETNS_TABLE=fa_cut	# the nft table that holds the cuts

netns_addr() {
	case $1 in
	primary)	echo 198.18.0.10 ;;
	backup)		echo 198.18.0.20 ;;
	spare1)		echo 198.18.0.31 ;;
	spare2)		echo 198.18.0.32 ;;
	dns)		echo 198.18.0.53 ;;
	*)		echo "netns_addr: unknown host $1" >&2; return 1 ;;
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
	_netns_run ip -n "$_ns_sw" link add br0 type bridge stp_state 0 \
	    forward_delay 0 || return 1
	_netns_run ip -n "$_ns_sw" link set br0 up || return 1
	for _ns_h in $NETNS_HOSTS; do
		_netns_add "$_ns_h" || return 1
		_ns_n=$(netns_ns "$_ns_h")
		_netns_run ip -n "$_ns_n" link set lo up || return 1
		# Both ends are born inside the namespaces: nothing ever
		# appears in the caller's namespace.
		_netns_run ip -n "$_ns_n" link add eth0 type veth \
		    peer name "$_ns_h" netns "$_ns_sw" || return 1
		_netns_run ip -n "$_ns_sw" link set "$_ns_h" master br0 up ||
		    return 1
		_netns_run ip -n "$_ns_n" addr add "$(netns_addr "$_ns_h")/24" \
		    dev eth0 || return 1
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
# and its connected route to 198.18.0.0/24 is back.
_netns_link_wait() {
	_nw_ns=$(netns_ns "$1")
	_nw_i=0
	while :; do
		if ip -n "$_nw_ns" -o link show dev eth0 2>/dev/null |
		    grep -q 'state UP' &&
		    [ -n "$(ip -n "$_nw_ns" route show 198.18.0.0/24 dev eth0 2>/dev/null)" ]; then
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

# _netns_cut_rules A B BOTH: the nft table in A's namespace (created on first
# use: input and output chains that accept by default), then the drops.
_netns_cut_rules() {
	_nc_b=$(netns_addr "$2") || return 1
	{
		echo "add table inet $NETNS_TABLE"
		echo "add chain inet $NETNS_TABLE out { type filter hook output priority 0; policy accept; }"
		echo "add chain inet $NETNS_TABLE in { type filter hook input priority 0; policy accept; }"
		echo "add rule inet $NETNS_TABLE out ip daddr $_nc_b drop"
		[ "$3" = both ] &&
		    echo "add rule inet $NETNS_TABLE in ip saddr $_nc_b drop"
	} | ip netns exec "$(netns_ns "$1")" nft -f -
}

netns_cut() {
	_netns_cut_rules "$1" "$2" both
}

netns_cut_oneway() {
	_netns_cut_rules "$1" "$2" oneway
}

netns_heal() {
	_nh_rc=0
	for _nh_h in $NETNS_HOSTS; do
		_nh_ns=$(netns_ns "$_nh_h")
		if ip netns exec "$_nh_ns" nft list table inet "$NETNS_TABLE" \
		    > /dev/null 2>&1; then
			ip netns exec "$_nh_ns" nft delete table inet \
			    "$NETNS_TABLE" || _nh_rc=1
		fi
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
