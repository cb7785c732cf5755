# pdns.sh: start and stop a throw-away PowerDNS Authoritative server
# (Debian's pdns-server with pdns-backend-sqlite3) for integration tests.
# POSIX sh; source it, then:
#
#   pdns_start DIR DNS_PORT API_PORT ZONE...
#                  create DIR/pdns.db from the schema the package ships,
#                  write DIR/pdns.conf (gsqlite3, DNS on 127.0.0.1#DNS_PORT,
#                  the HTTP API on 127.0.0.1:API_PORT with the key in
#                  DIR/api.key, mode 600), start pdns_server in the
#                  foreground (no guardian, no daemon, no syslog, no
#                  security poll: nothing leaves the host) and wait, polling,
#                  until the API answers; then create each ZONE through the
#                  API with the same records as named.sh (NAMED_RECORDS,
#                  NAMED_A, NAMED_AAAA; TTL 300) and wait until DNS serves
#                  its SOA.  Non-zero (the server's log as "# " lines) if it
#                  does not come up.
#   pdns_stop DIR  stop it by its PID and wait until it is gone.
#   pdns_api DIR METHOD PATH [BODY]
#                  curl the API (PATH after /api/v1/servers/localhost) with
#                  the key; prints the body, then the HTTP status on a line
#                  of its own.
#
# Needs pdns_server, sqlite3, curl and dig.

pdns_schema() {
	for _ps_f in /usr/share/pdns-backend-sqlite3/schema/schema.sqlite3.sql \
	    /usr/share/doc/pdns-backend-sqlite3/schema.sqlite3.sql; do
		if [ -f "$_ps_f" ]; then
			echo "$_ps_f"
			return 0
		fi
	done
	return 1
}

pdns_api() {
	_pa_dir=$1
	_pa_port=$(cat "$_pa_dir/api.port")
	# The key goes through a header file, never argv (ps shows argv).
	printf 'X-API-Key: %s\n' "$(cat "$_pa_dir/api.key")" > "$_pa_dir/api.hdr"
	if [ $# -ge 4 ]; then
		printf '%s' "$4" | curl -s -o "$_pa_dir/api.out" \
		    -w '%{http_code}' -H "@$_pa_dir/api.hdr" \
		    -H 'Content-Type: application/json' -X "$2" \
		    --data-binary @- \
		    "http://127.0.0.1:$_pa_port/api/v1/servers/localhost$3" \
		    > "$_pa_dir/api.code"
	else
		curl -s -o "$_pa_dir/api.out" -w '%{http_code}' \
		    -H "@$_pa_dir/api.hdr" -X "$2" \
		    "http://127.0.0.1:$_pa_port/api/v1/servers/localhost$3" \
		    > "$_pa_dir/api.code"
	fi
	_pa_rc=$?
	rm -f "$_pa_dir/api.hdr"
	cat "$_pa_dir/api.out" 2>/dev/null
	echo
	cat "$_pa_dir/api.code" 2>/dev/null
	echo
	return $_pa_rc
}

# pdns_zone_json ZONE: the POST body creating ZONE with named.sh's records.
pdns_zone_json() {
	_pz_zone=$1
	printf '{"name": "%s.", "kind": "Native", "nameservers": ["ns1.%s."],' \
	    "$_pz_zone" "$_pz_zone"
	printf ' "rrsets": ['
	_pz_sep=
	for _pz_r in ${NAMED_RECORDS:-@ www shop}; do
		if [ "$_pz_r" = @ ]; then
			_pz_name=$_pz_zone.
		else
			_pz_name=$_pz_r.$_pz_zone.
		fi
		printf '%s{"name": "%s", "type": "A", "ttl": 300, "changetype": "REPLACE", "records": [{"content": "%s", "disabled": false}]}' \
		    "$_pz_sep" "$_pz_name" "${NAMED_A:-192.0.2.10}"
		printf ', {"name": "%s", "type": "AAAA", "ttl": 300, "changetype": "REPLACE", "records": [{"content": "%s", "disabled": false}]}' \
		    "$_pz_name" "${NAMED_AAAA:-2001:db8::10}"
		_pz_sep=", "
	done
	printf ']}\n'
}

pdns_start() {
	_pd_dir=$1
	_pd_dns=$2
	_pd_api=$3
	shift 3
	if [ ! -d "$_pd_dir" ] || [ $# -lt 1 ]; then
		echo "# pdns_start: usage: pdns_start DIR DNS_PORT API_PORT ZONE..." >&2
		return 2
	fi
	_pd_schema=$(pdns_schema) || {
		echo "# pdns_start: no schema.sqlite3.sql (install pdns-backend-sqlite3)" >&2
		return 1
	}
	rm -f "$_pd_dir/pdns.db"
	sqlite3 "$_pd_dir/pdns.db" < "$_pd_schema" || return 1
	(umask 077 && od -An -tx1 -N16 /dev/urandom | tr -d ' \n' \
	    > "$_pd_dir/api.key") || return 1
	echo "$_pd_api" > "$_pd_dir/api.port"
	cat > "$_pd_dir/pdns.conf" <<EOF
launch=gsqlite3
gsqlite3-database=$_pd_dir/pdns.db
local-address=127.0.0.1
local-port=$_pd_dns
webserver=yes
webserver-address=127.0.0.1
webserver-port=$_pd_api
webserver-allow-from=127.0.0.0/8
api=yes
api-key=$(cat "$_pd_dir/api.key")
guardian=no
daemon=no
socket-dir=$_pd_dir
disable-syslog=yes
security-poll-suffix=
receiver-threads=1
distributor-threads=1
loglevel=4
EOF
	chmod 600 "$_pd_dir/pdns.conf"
	pdns_server --config-dir="$_pd_dir" > "$_pd_dir/pdns.log" 2>&1 &
	echo $! > "$_pd_dir/pdns.bgpid"
	_pd_i=0
	until [ "$(pdns_api "$_pd_dir" GET "" 2>/dev/null | tail -n 1)" = 200 ]; do
		if ! kill -0 "$(cat "$_pd_dir/pdns.bgpid")" 2>/dev/null; then
			echo "# pdns_server exited; its log:" >&2
			sed 's/^/# /' "$_pd_dir/pdns.log" >&2
			return 1
		fi
		_pd_i=$((_pd_i + 1))
		if [ $_pd_i -ge 200 ]; then
			echo "# the PowerDNS API did not answer; its log:" >&2
			sed 's/^/# /' "$_pd_dir/pdns.log" >&2
			pdns_stop "$_pd_dir"
			return 1
		fi
		sleep 0.1
	done
	for _pd_z in "$@"; do
		_pd_code=$(pdns_api "$_pd_dir" POST /zones \
		    "$(pdns_zone_json "$_pd_z")" | tail -n 1)
		if [ "$_pd_code" != 201 ]; then
			echo "# creating zone $_pd_z through the API: HTTP $_pd_code:" \
			    "$(cat "$_pd_dir/api.out")" >&2
			pdns_stop "$_pd_dir"
			return 1
		fi
		_pd_i=0
		until [ -n "$(dig +short +norec +time=1 +tries=1 -p "$_pd_dns" \
		    @127.0.0.1 "$_pd_z" SOA 2>/dev/null)" ]; do
			_pd_i=$((_pd_i + 1))
			if [ $_pd_i -ge 200 ]; then
				echo "# PowerDNS does not serve $_pd_z over DNS" >&2
				pdns_stop "$_pd_dir"
				return 1
			fi
			sleep 0.1
		done
	done
	return 0
}

pdns_stop() {
	_pt_dir=$1
	[ -f "$_pt_dir/pdns.bgpid" ] || return 0
	_pt_pid=$(cat "$_pt_dir/pdns.bgpid")
	rm -f "$_pt_dir/pdns.bgpid"
	kill "$_pt_pid" 2>/dev/null || return 0
	_pt_i=0
	while kill -0 "$_pt_pid" 2>/dev/null; do
		_pt_i=$((_pt_i + 1))
		if [ $_pt_i -ge 100 ]; then
			kill -9 "$_pt_pid" 2>/dev/null
			break
		fi
		sleep 0.1
	done
	wait "$_pt_pid" 2>/dev/null
	return 0
}
