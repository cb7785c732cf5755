# knot.sh: start and stop a throw-away Knot DNS server (knotd) for
# integration tests.  POSIX sh.  Source t/lib/named.sh first: the zone files
# are written by named_zone_file, so NAMED_RECORDS, NAMED_A, NAMED_AAAA,
# NAMED_NS and NAMED_SERIAL apply to Knot's zones too.  Then:
#
#   knot_start DIR PORT ZONE...   write DIR/knot.conf, the zone files and
#                                 the TSIG keys, start knotd in the
#                                 foreground (in the background of this
#                                 shell) on KNOT_LISTEN#PORT, and wait
#                                 (polling dig) until every zone answers
#                                 its SOA.  Returns non-zero, with knotd's
#                                 log on stderr as "# " lines, if it does
#                                 not come up.
#   knot_stop DIR                 stop the knotd started in DIR, by its PID.
#
# Knobs (environment, read by knot_start):
#   KNOT_KEYS      "NAME:ALGORITHM ..." keys made with tsig-keygen, written
#                  to DIR/NAME.key (BIND format, mode 600: what the agent
#                  and nsupdate read) and allowed to update every zone.
#                  Default "fa-key:hmac-sha256".
#   KNOT_LISTEN    the IPv4 address knotd listens on (and is polled at).
#                  Default 127.0.0.1.  Unlike named, knotd binds the address
#                  it is given, so any of 127/8 works without configuring
#                  it on lo.
#   KNOT_SECONDARY_OF  an IPv4 address: the zones are secondaries of the
#                  server there (same PORT): transferred at start (AXFR,
#                  then IXFR), refreshed on its NOTIFY.  No keys, no
#                  updates.
#
# Everything (config, zone files, journal and timer databases, control
# socket, log) lives in DIR, which should be fresh per test.

knot_start() {
	_ks_dir=$1
	_ks_port=$2
	shift 2
	if [ ! -d "$_ks_dir" ] || [ $# -lt 1 ]; then
		echo "# knot_start: usage: knot_start DIR PORT ZONE..." >&2
		return 2
	fi
	_ks_listen=${KNOT_LISTEN:-127.0.0.1}
	{
		printf 'server:\n    rundir: "%s"\n' "$_ks_dir"
		printf '    listen: %s@%s\n' "$_ks_listen" "$_ks_port"
		printf 'log:\n  - target: stderr\n    any: info\n'
		printf 'database:\n    storage: "%s"\n' "$_ks_dir"
	} > "$_ks_dir/knot.conf"
	_ks_acl=
	if [ -z "${KNOT_SECONDARY_OF:-}" ]; then
		printf 'key:\n' >> "$_ks_dir/knot.conf"
		for _ks_k in ${KNOT_KEYS:-fa-key:hmac-sha256}; do
			_ks_name=${_ks_k%%:*}
			_ks_alg=${_ks_k#*:}
			(umask 077 && tsig-keygen -a "$_ks_alg" "$_ks_name" \
			    > "$_ks_dir/$_ks_name.key") || return 1
			chmod 600 "$_ks_dir/$_ks_name.key"
			_ks_secret=$(sed -n 's/.*secret "\(.*\)".*/\1/p' \
			    "$_ks_dir/$_ks_name.key")
			printf '  - id: %s\n    algorithm: %s\n    secret: %s\n' \
			    "$_ks_name" "$_ks_alg" "$_ks_secret" \
			    >> "$_ks_dir/knot.conf"
			_ks_acl="$_ks_acl${_ks_acl:+, }upd-$_ks_name"
		done
		printf 'acl:\n' >> "$_ks_dir/knot.conf"
		for _ks_k in ${KNOT_KEYS:-fa-key:hmac-sha256}; do
			printf '  - id: upd-%s\n    key: %s\n    action: update\n' \
			    "${_ks_k%%:*}" "${_ks_k%%:*}" >> "$_ks_dir/knot.conf"
		done
	else
		{
			printf 'remote:\n  - id: primary\n'
			printf '    address: %s@%s\n' "$KNOT_SECONDARY_OF" \
			    "$_ks_port"
			printf 'acl:\n  - id: notify-from-primary\n'
			printf '    address: %s\n    action: notify\n' \
			    "$KNOT_SECONDARY_OF"
		} >> "$_ks_dir/knot.conf"
		_ks_acl=notify-from-primary
	fi
	{
		# Updates stay in the journal; the zone files are ours.
		printf 'template:\n  - id: default\n    storage: "%s"\n' \
		    "$_ks_dir"
		printf '    zonefile-sync: -1\n    journal-content: all\n'
		printf 'zone:\n'
		for _ks_z in "$@"; do
			printf '  - domain: %s\n' "$_ks_z"
			printf '    file: "%s/%s.zone"\n' "$_ks_dir" "$_ks_z"
			printf '    acl: [ %s ]\n' "$_ks_acl"
			[ -n "${KNOT_SECONDARY_OF:-}" ] &&
			    printf '    master: primary\n'
		done
	} >> "$_ks_dir/knot.conf"
	for _ks_z in "$@"; do
		if [ -n "${KNOT_SECONDARY_OF:-}" ]; then
			rm -f "$_ks_dir/$_ks_z.zone"
		else
			named_zone_file "$_ks_z" > "$_ks_dir/$_ks_z.zone"
		fi
	done
	knotd -c "$_ks_dir/knot.conf" > "$_ks_dir/knot.log" 2>&1 < /dev/null &
	echo $! > "$_ks_dir/knot.bgpid"
	# Poll: every zone must answer a real SOA (bounded, about 20 s).
	_ks_i=0
	for _ks_z in "$@"; do
		while :; do
			if ! kill -0 "$(cat "$_ks_dir/knot.bgpid")" 2>/dev/null; then
				echo "# knotd exited; its log:" >&2
				sed 's/^/# /' "$_ks_dir/knot.log" >&2
				return 1
			fi
			_ks_soa=$(dig +short +norec +time=1 +tries=1 \
			    -p "$_ks_port" "@$_ks_listen" "$_ks_z" SOA 2>/dev/null)
			case $_ks_soa in
			*hostmaster*) break ;;
			esac
			_ks_i=$((_ks_i + 1))
			if [ $_ks_i -ge 200 ]; then
				echo "# knotd did not answer for $_ks_z; its log:" >&2
				sed 's/^/# /' "$_ks_dir/knot.log" >&2
				knot_stop "$_ks_dir"
				return 1
			fi
			sleep 0.1
		done
	done
	return 0
}

knot_stop() {
	_kt_dir=$1
	[ -f "$_kt_dir/knot.bgpid" ] || return 0
	_kt_pid=$(cat "$_kt_dir/knot.bgpid")
	rm -f "$_kt_dir/knot.bgpid"
	# A test may have stopped it (SIGSTOP): TERM waits for a CONT.
	kill -CONT "$_kt_pid" 2>/dev/null
	kill "$_kt_pid" 2>/dev/null || return 0
	_kt_i=0
	while kill -0 "$_kt_pid" 2>/dev/null; do
		_kt_i=$((_kt_i + 1))
		if [ $_kt_i -ge 100 ]; then
			kill -9 "$_kt_pid" 2>/dev/null
			break
		fi
		sleep 0.1
	done
	wait "$_kt_pid" 2>/dev/null
	return 0
}
