# mariadb.sh: throw-away MariaDB servers for integration tests, from
# Debian's mariadb-server, on 127.0.0.1 in fresh directories.  POSIX sh;
# source it (after tap.sh), then:
#
#   mariadb_require             fail (bail_out) unless mariadbd,
#                               mariadb-install-db and mariadb are there
#   mariadb_start DIR PORT ID   the first time: mariadb-install-db into
#                               DIR/data; then start mariadbd (--no-defaults,
#                               its own datadir, socket, pid file and tmpdir
#                               in DIR, server_id ID, binary log with
#                               log_slave_updates, as root with --user=root)
#                               and wait, polling, until it answers.
#                               Non-zero (its error log as "# " lines) if
#                               it does not come up.
#   mariadb_stop DIR            SIGTERM by PID; wait until it is gone
#   mariadb_kill DIR            SIGKILL by PID (a crash); wait until gone
#   mariadb_sql DIR SQL         run SQL as root over DIR/sock; tab-separated
#                               rows without headers on stdout
#   mariadb_until DIR SQL WANT [TRIES]   run SQL every 0.1s until it prints
#                               WANT, at most TRIES times (default 300)
#   mariadb_field DIR NAME      one field of SHOW SLAVE STATUS
#   mariadb_cleanup DIR...      stop whatever was started in each DIR
#
# Readiness is always polled; nothing here sleeps a fixed time to wait.

mariadb_require() {
	_mr_missing=
	for _mr_p in mariadbd mariadb-install-db mariadb; do
		command -v "$_mr_p" > /dev/null 2>&1 || [ -x "/usr/sbin/$_mr_p" ] ||
		    _mr_missing="$_mr_missing $_mr_p"
	done
	if [ -n "$_mr_missing" ]; then
		bail_out "missing programs:$_mr_missing (install mariadb-server and mariadb-client: sh t/lib/deps.sh --install)"
	fi
}

_mariadbd() {
	if command -v mariadbd > /dev/null 2>&1; then
		echo mariadbd
	else
		echo /usr/sbin/mariadbd
	fi
}

mariadb_sql() {
	mariadb --no-defaults -S "$1/sock" -uroot -N -B -e "$2"
}

mariadb_start() {
	_ms_dir=$1
	_ms_port=$2
	_ms_id=$3
	mkdir -p "$_ms_dir/tmp" || return 1
	if [ ! -d "$_ms_dir/data/mysql" ]; then
		mariadb-install-db --no-defaults --datadir="$_ms_dir/data" \
		    --user=root --auth-root-authentication-method=normal \
		    --skip-test-db > "$_ms_dir/install.log" 2>&1 || {
			echo "# mariadb-install-db failed:" >&2
			sed 's/^/# /' "$_ms_dir/install.log" >&2
			return 1
		}
	fi
	rm -f "$_ms_dir/pid"
	# stdout and stderr to a file: a server holding the test's stdout
	# would keep prove waiting.
	"$(_mariadbd)" --no-defaults --user=root \
	    --datadir="$_ms_dir/data" --socket="$_ms_dir/sock" \
	    --pid-file="$_ms_dir/pid" --tmpdir="$_ms_dir/tmp" \
	    --port="$_ms_port" --bind-address=127.0.0.1 --skip-name-resolve \
	    --server-id="$_ms_id" --log-bin="$_ms_dir/binlog" \
	    --log-slave-updates --log-error="$_ms_dir/error.log" \
	    --innodb-buffer-pool-size=16M --slave-net-timeout=5 \
	    > "$_ms_dir/stdout.log" 2>&1 < /dev/null &
	echo $! > "$_ms_dir/bgpid"
	echo "$_ms_port" > "$_ms_dir/port"
	_ms_i=0
	until mariadb_sql "$_ms_dir" "SELECT 1" > /dev/null 2>&1; do
		if ! kill -0 "$(cat "$_ms_dir/bgpid")" 2>/dev/null; then
			echo "# mariadbd exited; its error log:" >&2
			sed 's/^/# /' "$_ms_dir/error.log" >&2
			rm -f "$_ms_dir/bgpid"
			return 1
		fi
		_ms_i=$((_ms_i + 1))
		if [ $_ms_i -ge 600 ]; then
			echo "# mariadbd did not answer in $_ms_dir" >&2
			mariadb_kill "$_ms_dir"
			return 1
		fi
		sleep 0.1
	done
	return 0
}

# _mariadb_signal DIR SIGNAL: signal the server, wait until it is gone.
_mariadb_signal() {
	[ -f "$1/bgpid" ] || return 0
	_mg_pid=$(cat "$1/bgpid")
	rm -f "$1/bgpid"
	kill "-$2" "$_mg_pid" 2>/dev/null
	_mg_i=0
	while kill -0 "$_mg_pid" 2>/dev/null; do
		_mg_i=$((_mg_i + 1))
		if [ $_mg_i -eq 300 ]; then
			kill -9 "$_mg_pid" 2>/dev/null
		elif [ $_mg_i -ge 600 ]; then
			echo "# mariadbd $_mg_pid did not stop" >&2
			return 1
		fi
		sleep 0.05
	done
	wait "$_mg_pid" 2>/dev/null
	return 0
}

mariadb_stop() {
	_mariadb_signal "$1" TERM
}

mariadb_kill() {
	_mariadb_signal "$1" KILL
}

mariadb_until() {
	_mu_i=0
	while [ "$(mariadb_sql "$1" "$2" 2>/dev/null)" != "$3" ]; do
		_mu_i=$((_mu_i + 1))
		[ $_mu_i -lt "${4:-300}" ] || return 1
		sleep 0.1
	done
	return 0
}

mariadb_field() {
	mariadb --no-defaults -S "$1/sock" -uroot -e "SHOW SLAVE STATUS\G" \
	    2>/dev/null | sed -n "s/^ *$2: //p"
}

mariadb_cleanup() {
	for _mc_d in "$@"; do
		[ -n "$_mc_d" ] && mariadb_stop "$_mc_d"
	done
	return 0
}
