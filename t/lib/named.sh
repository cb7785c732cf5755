# named.sh: start and stop a throw-away BIND named for integration tests.
# POSIX sh; source it, then:
#
#   named_start DIR PORT ZONE...   write DIR/named.conf, the zone files and
#                                  the TSIG keys, start named on 127.0.0.1#PORT
#                                  and wait (polling dig) until every zone
#                                  answers.  Returns non-zero (named's log on
#                                  stderr as "# " lines) if it does not come up.
#   named_stop DIR                 stop the named started in DIR, by its PID.
#   named_pick_port                print a free port (UDP and TCP) near a
#                                  value derived from $$.
#
# Knobs (environment, read by named_start):
#   NAMED_KEYS     "NAME:ALGORITHM ..." keys to create with tsig-keygen, each
#                  written to DIR/NAME.key (mode 600) and allowed to update
#                  every zone.  Default "fa-key:hmac-sha256".
#   NAMED_RECORDS  owner names (relative, "@" for the apex) that get an A and
#                  an AAAA record.  Default "@ www shop".
#   NAMED_A, NAMED_AAAA  their values.  Default 192.0.2.10 and 2001:db8::10;
#                  NAMED_AAAA=- writes no AAAA records.
#   NAMED_NS       the zones' nameservers, "NAME=IPV4 ...": an NS record for
#                  each NAME and its glue A record.  The first is the SOA
#                  MNAME.  Default "ns1=192.0.2.53".
#   NAMED_SERIAL   the zones' SOA serial.  Default 1.
#   NAMED_NOTIFY   IPv4 addresses of secondaries: named sends them NOTIFY at
#                  PORT as soon as a zone changes, and lets 127.0.0.0/8
#                  transfer the zones (IXFR).  Default none (no NOTIFY, no
#                  transfers).
#   NAMED_SECONDARY_OF  an IPv4 address: the zones are secondaries of the
#                  named there (same PORT), loaded by zone transfer instead
#                  of from zone files; no keys, no updates.  named_start then
#                  waits for every zone to be transferred.
#   NAMED_LISTEN   the address named listens on (and is polled at): IPv4,
#                  or IPv6 ("::1": then IPv6 only).  Default 127.0.0.1.
#   NAMED_EXEC     a command prefix for named and the polling dig, e.g.
#                  "ip netns exec NS" to run them in a network namespace
#                  (t/lib/netns.sh).  Default none.  named_stop needs no
#                  prefix: it signals the PID.
#
# Everything (config, zones, journals, pid file, session key, log) lives in
# DIR, which should be fresh per test: journals never leak between runs.
# named runs as the current user, in the foreground (-g) in the background of
# this shell; as root it would otherwise try to switch to the "bind" user only
# when given -u, so no -u is passed.

named_pick_port() {
	_np_p=$((20000 + $$ % 20000))
	_np_i=0
	while [ $_np_i -lt 200 ]; do
		if [ -z "$(ss -Hlntu "sport = :$_np_p" 2>/dev/null)" ]; then
			echo "$_np_p"
			return 0
		fi
		_np_p=$((_np_p + 1))
		_np_i=$((_np_i + 1))
	done
	return 1
}

# named_zone_file ZONE: the zone's records on stdout.
named_zone_file() {
	_nz_zone=$1
	printf '$TTL 300\n'
	_nz_m=${NAMED_NS:-ns1=192.0.2.53}
	_nz_m=${_nz_m%%=*}
	printf '@ IN SOA %s.%s. hostmaster.%s. %s 3600 600 86400 300\n' \
	    "$_nz_m" "$_nz_zone" "$_nz_zone" "${NAMED_SERIAL:-1}"
	for _nz_ns in ${NAMED_NS:-ns1=192.0.2.53}; do
		printf '@ IN NS %s.%s.\n' "${_nz_ns%%=*}" "$_nz_zone"
		printf '%s IN A %s\n' "${_nz_ns%%=*}" "${_nz_ns#*=}"
	done
	for _nz_r in ${NAMED_RECORDS:-@ www shop}; do
		printf '%s IN A %s\n' "$_nz_r" "${NAMED_A:-192.0.2.10}"
		[ "${NAMED_AAAA:-}" = - ] ||
		    printf '%s IN AAAA %s\n' "$_nz_r" \
		    "${NAMED_AAAA:-2001:db8::10}"
	done
}

named_start() {
	_ns_dir=$1
	_ns_port=$2
	shift 2
	if [ ! -d "$_ns_dir" ] || [ $# -lt 1 ]; then
		echo "# named_start: usage: named_start DIR PORT ZONE..." >&2
		return 2
	fi
	_ns_allow=
	: > "$_ns_dir/keys.conf"
	for _ns_k in ${NAMED_KEYS:-fa-key:hmac-sha256}; do
		_ns_name=${_ns_k%%:*}
		_ns_alg=${_ns_k#*:}
		(umask 077 && tsig-keygen -a "$_ns_alg" "$_ns_name" \
		    > "$_ns_dir/$_ns_name.key") || return 1
		chmod 600 "$_ns_dir/$_ns_name.key"
		printf 'include "%s/%s.key";\n' "$_ns_dir" "$_ns_name" \
		    >> "$_ns_dir/keys.conf"
		_ns_allow="$_ns_allow key \"$_ns_name\";"
	done
	{
		printf 'include "%s/keys.conf";\n' "$_ns_dir"
		printf 'options {\n'
		printf '\tdirectory "%s";\n' "$_ns_dir"
		printf '\tpid-file "%s/named.pid";\n' "$_ns_dir"
		printf '\tsession-keyfile "%s/session.key";\n' "$_ns_dir"
		printf '\tmanaged-keys-directory "%s";\n' "$_ns_dir"
		case ${NAMED_LISTEN:-127.0.0.1} in
		*:*)	# IPv6 only
			printf '\tlisten-on { none; };\n'
			printf '\tlisten-on-v6 port %s { %s; };\n' \
			    "$_ns_port" "$NAMED_LISTEN" ;;
		*)	printf '\tlisten-on port %s { %s; };\n' "$_ns_port" \
			    "${NAMED_LISTEN:-127.0.0.1}"
			printf '\tlisten-on-v6 { none; };\n' ;;
		esac
		printf '\trecursion no;\n'
		printf '\tdnssec-validation no;\n'
		if [ -n "${NAMED_NOTIFY:-}" ]; then
			# At once, to these only (NS names have no port).
			printf '\tnotify explicit;\n\tnotify-delay 0;\n'
			printf '\talso-notify {'
			for _ns_a in $NAMED_NOTIFY; do
				printf ' %s port %s;' "$_ns_a" "$_ns_port"
			done
			printf ' };\n\tallow-transfer { 127.0.0.0/8; };\n'
		else
			printf '\tnotify no;\n'
			printf '\tallow-transfer { none; };\n'
		fi
		printf '};\n'
		printf 'controls { };\n'
		for _ns_z in "$@"; do
			if [ -n "${NAMED_SECONDARY_OF:-}" ]; then
				printf 'zone "%s" {\n\ttype secondary;\n' "$_ns_z"
				printf '\tprimaries { %s port %s; };\n' \
				    "$NAMED_SECONDARY_OF" "$_ns_port"
				printf '\tfile "%s/%s.zone";\n};\n' "$_ns_dir" \
				    "$_ns_z"
				continue
			fi
			printf 'zone "%s" {\n\ttype primary;\n' "$_ns_z"
			printf '\tfile "%s/%s.zone";\n' "$_ns_dir" "$_ns_z"
			printf '\tallow-update {%s };\n};\n' "$_ns_allow"
		done
	} > "$_ns_dir/named.conf"
	for _ns_z in "$@"; do
		rm -f "$_ns_dir/$_ns_z.zone.jnl"
		if [ -n "${NAMED_SECONDARY_OF:-}" ]; then
			rm -f "$_ns_dir/$_ns_z.zone"
			continue
		fi
		named_zone_file "$_ns_z" > "$_ns_dir/$_ns_z.zone"
	done
	# NAMED_EXEC is a word list on purpose ("ip netns exec NS").
	# shellcheck disable=SC2086
	${NAMED_EXEC:-} named -g -c "$_ns_dir/named.conf" \
	    > "$_ns_dir/named.log" 2>&1 < /dev/null &
	echo $! > "$_ns_dir/named.bgpid"
	# Poll: every zone must answer its SOA (bounded, about 20 s).
	_ns_i=0
	for _ns_z in "$@"; do
		while :; do
			if ! kill -0 "$(cat "$_ns_dir/named.bgpid")" 2>/dev/null; then
				echo "# named exited; its log:" >&2
				sed 's/^/# /' "$_ns_dir/named.log" >&2
				return 1
			fi
			# shellcheck disable=SC2086
			_ns_soa=$(${NAMED_EXEC:-} dig +short +norec +time=1 \
			    +tries=1 -p "$_ns_port" @"${NAMED_LISTEN:-127.0.0.1}" \
			    "$_ns_z" SOA 2>/dev/null)
			# A real SOA: dig prints ";; communications error"
			# on stdout while named is not listening yet.
			case $_ns_soa in
			*hostmaster*) break ;;
			esac
			_ns_i=$((_ns_i + 1))
			if [ $_ns_i -ge 200 ]; then
				echo "# named did not answer for $_ns_z; its log:" >&2
				sed 's/^/# /' "$_ns_dir/named.log" >&2
				named_stop "$_ns_dir"
				return 1
			fi
			sleep 0.1
		done
	done
	return 0
}

named_stop() {
	_nt_dir=$1
	[ -f "$_nt_dir/named.bgpid" ] || return 0
	_nt_pid=$(cat "$_nt_dir/named.bgpid")
	rm -f "$_nt_dir/named.bgpid"
	# A test may have stopped it (SIGSTOP): TERM waits for a CONT.
	kill -CONT "$_nt_pid" 2>/dev/null
	kill "$_nt_pid" 2>/dev/null || return 0
	_nt_i=0
	while kill -0 "$_nt_pid" 2>/dev/null; do
		_nt_i=$((_nt_i + 1))
		if [ $_nt_i -ge 100 ]; then
			kill -9 "$_nt_pid" 2>/dev/null
			break
		fi
		sleep 0.1
	done
	wait "$_nt_pid" 2>/dev/null
	return 0
}
