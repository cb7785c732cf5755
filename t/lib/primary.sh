# primary.sh: start and stop the stand-in primary (t/lib/primary.py) for
# integration tests.  POSIX sh; source it (FA_TOP must name the top of the
# tree), then:
#
#   primary_start DIR PORT [MODE]  start primary.py on 127.0.0.1#PORT, MODE
#                                  "http" (default: GET /health -> 200 OK) or
#                                  "silent" (accepts, never answers); wait,
#                                  polling, until it listens.  One server per
#                                  DIR (DIR/primary.pid).  Non-zero if it does
#                                  not come up.
#   primary_stop DIR               stop it by its PID and wait, polling, until
#                                  the process is gone and the port is closed.
#   port_listening PORT            true if something listens on TCP PORT.
#
# Knobs (environment, read by primary_start and remembered in DIR, so that
# primary_stop needs neither):
#   PRIMARY_LISTEN  the IPv4 or IPv6 address to listen on.  Default 127.0.0.1.
#   PRIMARY_EXEC    a command prefix for primary.py and the readiness check,
#                   e.g. "ip netns exec NS" to run it in a network namespace
#                   (t/lib/netns.sh).  Default none.

port_listening() {
	_primary_listening "${PRIMARY_EXEC:-}" "$1"
}

# _primary_listening PREFIX PORT: port_listening through a command prefix.
_primary_listening() {
	# The prefix is a word list on purpose ("ip netns exec NS").
	# shellcheck disable=SC2086
	[ -n "$($1 ss -Hlnt "sport = :$2" 2>/dev/null)" ]
}

primary_start() {
	_ps_dir=$1
	_ps_port=$2
	_ps_mode=${3:-http}
	mkdir -p "$_ps_dir" || return 1
	rm -f "$_ps_dir/primary.pid"
	# Its stdout and stderr go to a file: a server holding the caller's
	# stdout would keep prove (or a pipe) waiting after the test ended.
	# shellcheck disable=SC2086
	${PRIMARY_EXEC:-} python3 "$FA_TOP/t/lib/primary.py" "$_ps_mode" \
	    "$_ps_port" "$_ps_dir/primary.pid" "${PRIMARY_LISTEN:-127.0.0.1}" \
	    > "$_ps_dir/primary.log" 2>&1 < /dev/null &
	echo $! > "$_ps_dir/primary.bgpid"
	echo "$_ps_port" > "$_ps_dir/primary.port"
	printf '%s\n' "${PRIMARY_EXEC:-}" > "$_ps_dir/primary.exec"
	_ps_i=0
	until [ -s "$_ps_dir/primary.pid" ] && port_listening "$_ps_port"; do
		if ! kill -0 "$(cat "$_ps_dir/primary.bgpid")" 2>/dev/null; then
			echo "# primary.py exited; its log:" >&2
			sed 's/^/# /' "$_ps_dir/primary.log" >&2
			rm -f "$_ps_dir/primary.bgpid"
			return 1
		fi
		_ps_i=$((_ps_i + 1))
		if [ $_ps_i -ge 200 ]; then
			echo "# primary.py did not listen on port $_ps_port" >&2
			primary_stop "$_ps_dir"
			return 1
		fi
		sleep 0.05
	done
	return 0
}

primary_stop() {
	_pt_dir=$1
	[ -f "$_pt_dir/primary.bgpid" ] || return 0
	_pt_pid=$(cat "$_pt_dir/primary.bgpid")
	_pt_port=$(cat "$_pt_dir/primary.port")
	_pt_exec=$(cat "$_pt_dir/primary.exec" 2>/dev/null)
	rm -f "$_pt_dir/primary.bgpid"
	kill "$_pt_pid" 2>/dev/null
	_pt_i=0
	while kill -0 "$_pt_pid" 2>/dev/null ||
	    _primary_listening "$_pt_exec" "$_pt_port"; do
		_pt_i=$((_pt_i + 1))
		if [ $_pt_i -eq 100 ]; then
			kill -9 "$_pt_pid" 2>/dev/null
		elif [ $_pt_i -ge 200 ]; then
			echo "# primary on port $_pt_port did not stop" >&2
			return 1
		fi
		sleep 0.05
	done
	wait "$_pt_pid" 2>/dev/null
	rm -f "$_pt_dir/primary.pid"
	return 0
}
