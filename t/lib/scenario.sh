# scenario.sh: one throw-away world for an integration test or the demo: a
# BIND named and a stand-in primary on 127.0.0.1, and a failover-agent config
# pointing at them, all in a fresh directory removed on exit.  POSIX sh.
#
#   FA_TOP=$(cd "$(dirname "$0")/.." && pwd)   # the top of the tree
#   . "$FA_TOP/t/lib/scenario.sh"
#   scenario_require [PROGRAM...]   fail (TAP) unless every program is there
#   scenario_setup || bail_out "scenario setup"
#
# After scenario_setup:
#   SC_DIR        the directory (named/, primary/, the config, the database)
#   FA            the failover-agent binary (absolute): $FA_BUILD/failover-agent
#   CONF          the config file;  STATE_DB its state database
#   DNS_PORT PRIMARY_PORT KEY_FILE
#   PRIMARY_A PRIMARY_AAAA BACKUP_A BACKUP_AAAA   the two sites' addresses
#
# The zones: example.com (@ and www managed) and example.org (www managed;
# its @ holds the primary's addresses too but is not managed: it must never
# change).  TTL 1, hold_down 2s (config.c wants hold_down >= ttl),
# fail_after 3, recover_after 3, failback auto, one http check with a 1s
# timeout, verify = server.  scenario_write_conf rewrites the config; set
# one of these first to change one thing (empty: the default):
#   SC_CHECK_URL SC_CHECK_TIMEOUT   the http check
#   SC_KEY_FILE                     [dns] tsig_key_file
#   SC_STATE_DB                     [agent] state_db
#   SC_FAILBACK                     auto | manual
#   SC_DNS_METHOD                   [dns] method (default rfc2136; the
#                                   other methods' sections go in SC_EXTRA)
#   SC_DNS_EXTRA                    lines appended to [dns]
#   SC_VERIFY                       [dns] verify (default server)
#   SC_DNS_SERVER                   [dns] server (default 127.0.0.1; "-"
#                                   leaves it out: the SOA MNAME)
#   SC_EXTRA                        text appended (more sections)
#   SC_AGENT_EXTRA                  lines appended to [agent]
#
# Helpers:
#   fa ARGS...          "$FA" -c "$CONF" ARGS with logs on stderr
#   run_fa ARGS...      the same, capturing FA_OUT, FA_ERR and FA_RC
#   dig_a NAME, dig_aaaa NAME     the answer from our named, sorted, one line
#   dig_ttl NAME TYPE   the TTL of that rrset
#   soa_serial ZONE
#   dns_points_at WHO A AAAA    TAP: every managed record (SC_MANAGED)
#                       answers exactly A and AAAA; WHO labels the tests
#                       (SC_DIG_NOTE, when set, is added to their names)
#   status_field EXPR   evaluate a Python expression on d = status --json
#   history_field EXPR  the same on d = history -n 1000 --json
#   history_transitions "FROM->TO FROM->TO ...", oldest first
#   check_until_state STATE MAX   until status says STATE, run `check`, at
#                       most MAX cycles, pausing 0.2s between them (polling
#                       a time window such as hold_down, never a fixed wait);
#                       no cycle at all if the state is already STATE
#   check_until_err ERE MAX   run `check` (with SC_CHECK_OPTS) until its
#                       stderr matches ERE, at most MAX cycles 0.2s apart;
#                       0 on a match, 1 if none; FA_* hold the last run
#   last_actions        the newest cycle's action details, " | " between
#   failover_by_checks WHO  stop the primary, three `check` runs; TAP: the
#                       state is ACTIVE and DNS at the backup
#   ns2_start DIR [PRIMARY] [SERIAL A AAAA]   knotd on 127.0.0.2 (verify =
#                       all): PRIMARY's secondary, or a copy that lags
#   scenario_setup_ns2  scenario_setup with ns2 the secondary of named
#   dig2 SERVER NAME TYPE   the answer of 127.0.0.1 or 127.0.0.2, one line
#   nsupdate_by_hand ZONE LINES   what a person does with nsupdate and the
#                       real key: "update ..." LINES sent to our named
#   pick_port           a free TCP+UDP port on 127.0.0.1
#
# Spares (issue 3): real `failover-agent vote-server` processes, each in
# $SC_DIR/spare-NAME/ (its config, log, port and PID):
#   vote_key FILE       write a fresh shared secret (64 hex digits, mode 600)
#   spare_start NAME CHECK_PORT [KEY]   (re)write NAME's config (role spare,
#                       one http check of 127.0.0.1:CHECK_PORT/health, the
#                       secret KEY, default $SC_DIR/vote.key, interval
#                       0.2s, state_db spare-NAME/state.db) and start it;
#                       the same port as its last run, else a free one;
#                       polls until its log says it listens, its first
#                       probe is done and /v1/health answers.  Non-zero if
#                       it does not come up.  SPARE_CHECK_URL replaces the
#                       check's url, SPARE_CHECK_EXTRA adds lines to it.
#   spare_stop NAME     SIGTERM by PID and wait; returns its exit status
#   spare_url NAME      http://127.0.0.1:PORT
#   spare_conf NAME     the path of its config
#   quorum_conf NEED [LINES]   the backup's config with [quorum] (need NEED,
#                       LINES) and the spares paris and nyc
# scenario_cleanup stops every spare still running, and every API double
# (t/lib/apidouble.sh) started in $SC_DIR.

: "${FA_TOP:=$(pwd)}"
. "$FA_TOP/t/lib/tap.sh"
. "$FA_TOP/t/lib/named.sh"
. "$FA_TOP/t/lib/knot.sh"
. "$FA_TOP/t/lib/primary.sh"

PRIMARY_A=192.0.2.10
PRIMARY_AAAA=2001:db8::10
BACKUP_A=198.51.100.20
BACKUP_AAAA=2001:db8:1::20

FA=${FA_BUILD:-build}/failover-agent
case $FA in
/*)	;;
*)	FA=$FA_TOP/$FA ;;
esac

SC_DIR=
SC_PORTS=

# Every program the scenarios run, and the PROGRAMs a test names.  A
# missing one is a failed test with the fix in the message, never a skip.
scenario_require() {
	_sr_missing=
	for _sr_p in named tsig-keygen dig nsupdate python3 sqlite3 ss flock \
	    "$@"; do
		command -v "$_sr_p" > /dev/null 2>&1 ||
		    _sr_missing="$_sr_missing $_sr_p"
	done
	if [ -n "$_sr_missing" ]; then
		bail_out "missing programs:$_sr_missing (install them: sh t/lib/deps.sh --install)"
	fi
	if [ ! -x "$FA" ]; then
		bail_out "no failover-agent binary at $FA (run make, or set FA_BUILD)"
	fi
}

pick_port() {
	python3 - "$SC_PORTS" <<'EOF'
import socket, sys
used = set(sys.argv[1].split())
for _ in range(100):
    t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    t.bind(("127.0.0.1", 0))
    port = t.getsockname()[1]
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        u.bind(("127.0.0.1", port))
    except OSError:
        continue
    finally:
        u.close()
        t.close()
    if str(port) not in used:
        print(port)
        sys.exit(0)
sys.exit(1)
EOF
}

# scenario_port VAR: pick a port nobody in this scenario uses yet.
scenario_port() {
	_sp_p=$(pick_port) || return 1
	SC_PORTS="$SC_PORTS $_sp_p"
	eval "$1=\$_sp_p"
}

scenario_write_conf() {
	cat > "$CONF" <<EOF
; written by t/lib/scenario.sh
[agent]
name          = backup-test
role          = backup
state_db      = ${SC_STATE_DB:-$STATE_DB}
fail_after    = 3
recover_after = 3
failback      = ${SC_FAILBACK:-auto}
hold_down     = 2s
interval      = 1
${SC_AGENT_EXTRA:-}

[site:primary]
address = $PRIMARY_A, $PRIMARY_AAAA
[site:backup]
address = $BACKUP_A, $BACKUP_AAAA

[check:web]
type          = http
url           = ${SC_CHECK_URL:-http://127.0.0.1:$PRIMARY_PORT/health}
expect_status = 200
expect_body   = OK
timeout       = ${SC_CHECK_TIMEOUT:-1s}

[dns]
method        = ${SC_DNS_METHOD:-rfc2136}
$([ "${SC_DNS_SERVER:-}" = - ] || echo "server        = ${SC_DNS_SERVER:-127.0.0.1}")
port          = $DNS_PORT
tsig_key_file = ${SC_KEY_FILE:-$KEY_FILE}
ttl           = 1
verify        = ${SC_VERIFY:-server}
${SC_DNS_EXTRA:-}

[zone:example.com]
records = @, www
[zone:example.org]
records = www
${SC_EXTRA:-}
EOF
}

scenario_setup() {
	SC_DIR=$(mktemp -d "${TMPDIR:-/tmp}/fa-test.XXXXXX") || return 1
	trap scenario_cleanup EXIT
	trap 'exit 129' HUP
	trap 'exit 130' INT
	trap 'exit 143' TERM
	trap 'exit 141' PIPE	# e.g. demo.sh | head: clean up all the same
	mkdir "$SC_DIR/named" || return 1
	scenario_port DNS_PORT || return 1
	scenario_port PRIMARY_PORT || return 1
	NAMED_KEYS="fa-key:hmac-sha256"
	NAMED_RECORDS="@ www"
	NAMED_A=$PRIMARY_A
	NAMED_AAAA=$PRIMARY_AAAA
	named_start "$SC_DIR/named" "$DNS_PORT" example.com example.org ||
	    return 1
	KEY_FILE=$SC_DIR/named/fa-key.key
	primary_start "$SC_DIR/primary" "$PRIMARY_PORT" || return 1
	CONF=$SC_DIR/failover-agent.conf
	STATE_DB=$SC_DIR/state.db
	scenario_write_conf
}

vote_key() {
	python3 -c 'import secrets; print(secrets.token_hex(32))' > "$1" &&
	    chmod 600 "$1"
}

spare_url() {
	echo "http://127.0.0.1:$(cat "$SC_DIR/spare-$1/port")"
}

spare_conf() {
	echo "$SC_DIR/spare-$1/spare.conf"
}

# _spare_write NAME CHECK_PORT KEY PORT
_spare_write() {
	cat > "$SC_DIR/spare-$1/spare.conf" <<EOF
; written by t/lib/scenario.sh: spare $1
[agent]
name = $1
role = spare
state_db = $SC_DIR/spare-$1/state.db
${SPARE_AGENT_EXTRA:-}

[check:web]
type          = http
url           = ${SPARE_CHECK_URL:-http://127.0.0.1:$2/health}
expect_status = 200
expect_body   = OK
timeout       = 1s
${SPARE_CHECK_EXTRA:-}

[quorum]
secret_file = $3

[vote]
listen = 127.0.0.1:$4
interval = 0.2s
EOF
}

spare_start() {
	_ss_dir=$SC_DIR/spare-$1
	_ss_key=${3:-$SC_DIR/vote.key}
	mkdir -p "$_ss_dir" || return 1
	[ -f "$_ss_dir/spare.pid" ] && spare_stop "$1"
	[ -f "$SC_DIR/vote.key" ] || vote_key "$SC_DIR/vote.key" || return 1
	_ss_try=0
	while [ $_ss_try -lt 5 ]; do
		_ss_try=$((_ss_try + 1))
		if [ ! -f "$_ss_dir/port" ]; then
			scenario_port _ss_port || return 1
			echo "$_ss_port" > "$_ss_dir/port"
		fi
		_ss_port=$(cat "$_ss_dir/port")
		_spare_write "$1" "$2" "$_ss_key" "$_ss_port"
		: > "$_ss_dir/spare.log"
		FA_LOG_STDERR=1 "$FA" -c "$_ss_dir/spare.conf" vote-server \
		    >> "$_ss_dir/spare.log" 2>&1 < /dev/null &
		echo $! > "$_ss_dir/spare.pid"
		_ss_i=0
		while [ $_ss_i -lt 200 ]; do
			if grep -q "listening on 127.0.0.1:$_ss_port\$" \
			    "$_ss_dir/spare.log" &&
			    grep -q "vote-server: the primary is seen" \
			    "$_ss_dir/spare.log" &&
			    [ "$(curl -sS -m 1 \
			    "http://127.0.0.1:$_ss_port/v1/health" \
			    2> /dev/null)" = ok ]; then
				return 0
			fi
			kill -0 "$(cat "$_ss_dir/spare.pid")" 2> /dev/null ||
			    break
			sleep 0.05
			_ss_i=$((_ss_i + 1))
		done
		spare_stop "$1"
		echo "# spare $1 did not come up on port $_ss_port; its log:" >&2
		sed 's/^/#   /' "$_ss_dir/spare.log" >&2
		# The port was taken meanwhile: try another one.
		rm -f "$_ss_dir/port"
	done
	return 1
}

spare_stop() {
	_st_pf=$SC_DIR/spare-$1/spare.pid
	[ -f "$_st_pf" ] || return 0
	_st_pid=$(cat "$_st_pf")
	rm -f "$_st_pf"
	kill "$_st_pid" 2> /dev/null
	wait "$_st_pid"
}

# Stop everything this scenario started, by PID, and remove the directory.
# Runs on every exit, failed or not.  FA_KEEP=1 keeps the directory.
scenario_cleanup() {
	[ -n "$SC_DIR" ] && [ -d "$SC_DIR" ] || return 0
	# API doubles started by double_start (t/lib/apidouble.sh).
	for _sc_pf in "$SC_DIR"/*/double.bgpid; do
		[ -f "$_sc_pf" ] && double_stop "${_sc_pf%/double.bgpid}"
	done
	for _sc_pf in "$SC_DIR"/*/primary.bgpid; do
		[ -f "$_sc_pf" ] && primary_stop "${_sc_pf%/primary.bgpid}"
	done
	for _sc_pf in "$SC_DIR"/spare-*/spare.pid; do
		[ -f "$_sc_pf" ] || continue
		_sc_n=${_sc_pf%/spare.pid}
		spare_stop "${_sc_n##*/spare-}"
	done
	# $SC_DIR/named, and any other named or knotd a test started there.
	for _sc_pf in "$SC_DIR"/*/named.bgpid; do
		[ -f "$_sc_pf" ] && named_stop "${_sc_pf%/named.bgpid}"
	done
	for _sc_pf in "$SC_DIR"/*/knot.bgpid; do
		[ -f "$_sc_pf" ] && knot_stop "${_sc_pf%/knot.bgpid}"
	done
	if [ -n "${FA_KEEP:-}" ]; then
		echo "# kept $SC_DIR" >&2
	else
		rm -rf "$SC_DIR"
	fi
	SC_DIR=
}

fa() {
	FA_LOG_STDERR=1 "$FA" -c "$CONF" "$@"
}

run_fa() {
	FA_LOG_STDERR=1 "$FA" -c "$CONF" "$@" > "$SC_DIR/fa.out" \
	    2> "$SC_DIR/fa.err"
	FA_RC=$?
	FA_OUT=$(cat "$SC_DIR/fa.out")
	FA_ERR=$(cat "$SC_DIR/fa.err")
	return 0
}

_dig() {
	dig +norec +time=2 +tries=2 -p "$DNS_PORT" @127.0.0.1 "$@"
}

dig_a() {
	_dig +short "$1" A | sort | tr '\n' ' ' | sed 's/ $//'
}

dig_aaaa() {
	_dig +short "$1" AAAA | sort | tr '\n' ' ' | sed 's/ $//'
}

dig_ttl() {
	_dig +noall +answer "$1" "$2" | awk '{ print $2 }' | sort -u |
	    tr '\n' ' ' | sed 's/ $//'
}

nsupdate_by_hand() {
	printf 'server 127.0.0.1 %s\nzone %s\n%s\nsend\n' "$DNS_PORT" "$1" "$2" |
	    nsupdate -k "$KEY_FILE"
}

SC_MANAGED="example.com www.example.com www.example.org"

# dns_points_at LABEL A AAAA: every managed record holds exactly A and
# AAAA (dig at $DNS_PORT); SC_DIG_NOTE, when set, ends each test's name
# in parentheses (which server was asked).
dns_points_at() {
	for _dp_n in $SC_MANAGED; do
		is "$(dig_a "$_dp_n")" "$2" \
		    "$1: $_dp_n A${SC_DIG_NOTE:+ ($SC_DIG_NOTE)}"
		is "$(dig_aaaa "$_dp_n")" "$3" \
		    "$1: $_dp_n AAAA${SC_DIG_NOTE:+ ($SC_DIG_NOTE)}"
	done
}

soa_serial() {
	_dig +short "$1" SOA | awk '{ print $3 }'
}

# Evaluate a Python expression on d, the JSON document on stdin; prints
# strings as they are, anything else as JSON.
json_eval() {
	python3 -c '
import json, sys
d = json.load(sys.stdin)
v = eval(sys.argv[1])
print(v if isinstance(v, str) else json.dumps(v))
' "$1"
}

status_field() {
	fa status --json 2> /dev/null | json_eval "$1"
}

history_field() {
	fa history -n 1000 --json 2> /dev/null | json_eval "$1"
}

history_transitions() {
	history_field '" ".join(t["from"] + "->" + t["to"]
	    for c in reversed(d["cycles"]) for t in c["transitions"])'
}

check_until_state() {
	_cu_want=$1
	_cu_max=$2
	_cu_i=0
	while [ "$(status_field 'd["state"]')" != "$_cu_want" ]; do
		[ $_cu_i -lt "$_cu_max" ] || return 1
		[ $_cu_i -eq 0 ] || sleep 0.2
		fa check 2> /dev/null
		_cu_i=$((_cu_i + 1))
	done
	return 0
}

# check_until_err ERE MAX: run `check` (with the options in SC_CHECK_OPTS,
# if any) until its stderr matches ERE, at most MAX cycles, 0.2s apart
# (hold_down is a time window: poll, never wait).  0 on a match, 1 if MAX
# cycles went by without one; FA_RC, FA_OUT and FA_ERR hold the last run.
check_until_err() {
	_ce_i=0
	while [ $_ce_i -lt "$2" ]; do
		[ $_ce_i -eq 0 ] || sleep 0.2
		run_fa ${SC_CHECK_OPTS:-} check
		printf '%s\n' "$FA_ERR" | grep -Eq "$1" && return 0
		_ce_i=$((_ce_i + 1))
	done
	return 1
}

# last_actions: the details of every action of the newest cycle in the
# history, on one line, " | " between them.
last_actions() {
	history_field \
	    '" | ".join(a["detail"] for a in d["cycles"][0]["actions"])'
}

# failover_by_checks WHO: stop the primary, run `check` three times (the
# default fail_after), then TAP: "failover through WHO: ACTIVE" (with the
# last run's stderr if not) and every managed record at the backup.
failover_by_checks() {
	primary_stop "$SC_DIR/primary"
	for _fc_i in 1 2 3; do
		run_fa check
	done
	is "$(status_field 'd["state"]')" ACTIVE "failover through $1: ACTIVE"
	[ "$(status_field 'd["state"]')" = ACTIVE ] || diag "$FA_ERR"
	dns_points_at "after the failover" "$BACKUP_A" "$BACKUP_AAAA"
}

# ns2_start DIR [PRIMARY] [SERIAL A AAAA]: a second nameserver, knotd on
# 127.0.0.2 at the same port, in $SC_DIR/DIR: the secondary of PRIMARY
# (zones transferred, knot_start waits until both are there), or without
# PRIMARY a copy of the zones at SERIAL (default 1) holding A and AAAA
# (default the primary's) that transfers nothing.  In a subshell: the
# knobs stay there; knotd is found again by its PID file.
ns2_start() {
	mkdir -p "$SC_DIR/$1" &&
	(
		KNOT_LISTEN=127.0.0.2
		KNOT_SECONDARY_OF=${2:-}
		NAMED_SERIAL=${3:-1}
		NAMED_A=${4:-$PRIMARY_A}
		NAMED_AAAA=${5:-$PRIMARY_AAAA}
		knot_start "$SC_DIR/$1" "$DNS_PORT" example.com example.org
	)
}

# scenario_setup_ns2: scenario_setup with ns2 in the zones' NS set and
# notified by named, then ns2 (ns2_start) its secondary.  The port is
# picked free on 127.0.0.1; on 127.0.0.2 a socket of another test (a
# transfer's TIME-WAIT) may hold it: then a fresh world, 3 times, then
# bail out.
scenario_setup_ns2() {
	NAMED_NS="ns1=127.0.0.1 ns2=127.0.0.2"
	NAMED_NOTIFY=127.0.0.2
	_s2_tries=0
	until scenario_setup && ns2_start ns2 127.0.0.1; do
		scenario_cleanup
		_s2_tries=$((_s2_tries + 1))
		[ $_s2_tries -lt 3 ] ||
		    bail_out "scenario setup (named, knotd on 127.0.0.2)"
		note "port taken on 127.0.0.2: again with another port"
	done
}

# dig2 SERVER NAME TYPE: the answer of SERVER (at $DNS_PORT), sorted, one
# line.
dig2() {
	dig +short +norec +time=1 +tries=1 -p "$DNS_PORT" "@$1" "$2" "$3" |
	    sort | tr '\n' ' ' | sed 's/ $//'
}

# quorum_conf NEED [LINES]: write the config with [quorum] (secret_file
# $SC_DIR/vote.key, need NEED, timeout 3s, and LINES) and the spares paris
# and nyc at their current URLs (spare_start).
quorum_conf() {
	SC_EXTRA="
[quorum]
secret_file = $SC_DIR/vote.key
need        = $1
timeout     = 3s
${2:-}
[spare:paris]
url = $(spare_url paris)
[spare:nyc]
url = $(spare_url nyc)"
	scenario_write_conf
}
