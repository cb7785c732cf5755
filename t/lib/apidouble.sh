# apidouble.sh: start and stop a provider API double (t/lib/*_double.py)
# for an integration test.  POSIX sh; source it after scenario.sh, then:
#
#   double_require            bail out unless openssl and curl are there
#   double_scenario_setup     scenario_require, double_require,
#                             scenario_setup (bail out if it fails) and
#                             the EXIT trap: scenario_cleanup (it stops
#                             the doubles too)
#   double_start DIR SCRIPT   make a self-signed certificate for 127.0.0.1 in
#                             DIR (cert.pem, key.pem: the agent's ca_file),
#                             pick a port (DIR/port), start SCRIPT with DIR
#                             as its state directory and wait, polling, until
#                             it answers over HTTPS.  DIR must already hold
#                             the double's files (dns, token, ...).
#                             Non-zero, with the double's log on stderr as
#                             "# " lines, if it does not come up.
#                             DIR becomes DOUBLE_DIR (for calls).
#                             scenario_cleanup stops it.
#   double_stop DIR           stop it by its PID and wait for it.
#   double_url DIR            https://127.0.0.1:PORT
#   double_calls DIR EXPR     evaluate a Python expression over c, the calls
#                             logged since the last `: > DIR/calls.log`;
#                             strings print as they are, others as JSON.
#   calls EXPR                double_calls "$DOUBLE_DIR" EXPR: the double
#                             started last.
#   cloudflare_setup          t/lib/cloudflare_double.py in CF=$SC_DIR/cf
#                             for example.com and example.org, applying to
#                             our named; a fresh token CF_TOKEN, also in
#                             TOKEN_FILE (the agent's); SC_DNS_METHOD and
#                             SC_EXTRA (the [cloudflare] section) set for
#                             scenario_write_conf.  Bails out if it fails.
#   agent_argv_while_busy DIR ARGS...
#                             run `fa ARGS` in the background with DIR/delay
#                             set to 2 s, wait until a request reached the
#                             double (DIR/seen), print the agent's argv
#                             (from /proc) while it waits for the answer,
#                             then let it finish (FA_RC, FA_ERR).

double_require() {
	for _dr_p in openssl curl; do
		command -v "$_dr_p" > /dev/null 2>&1 ||
		    bail_out "missing $_dr_p (sh t/lib/deps.sh --install)"
	done
}

double_scenario_setup() {
	scenario_require
	double_require
	scenario_setup || bail_out "scenario setup (named, primary, config)"
	trap scenario_cleanup EXIT
}

double_start() {
	_ds_dir=$1
	DOUBLE_DIR=$_ds_dir
	_ds_script=$2
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 \
	    -addext subjectAltName=IP:127.0.0.1 -keyout "$_ds_dir/key.pem" \
	    -out "$_ds_dir/cert.pem" > "$_ds_dir/openssl.log" 2>&1 || {
		diag "openssl could not make a certificate:" \
		    "$(cat "$_ds_dir/openssl.log")"
		return 1
	}
	scenario_port _ds_port || return 1
	echo "$_ds_port" > "$_ds_dir/port"
	rm -f "$_ds_dir/double.pid"
	python3 "$FA_TOP/t/lib/$_ds_script" "$_ds_port" "$_ds_dir/cert.pem" \
	    "$_ds_dir/key.pem" "$_ds_dir" > "$_ds_dir/double.log" 2>&1 &
	echo $! > "$_ds_dir/double.bgpid"
	_ds_i=0
	until [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 \
	    --cacert "$_ds_dir/cert.pem" "https://127.0.0.1:$_ds_port/")" != \
	    000 ]; do
		if ! kill -0 "$(cat "$_ds_dir/double.bgpid")" 2> /dev/null; then
			diag "the double $_ds_script exited:" \
			    "$(cat "$_ds_dir/double.log")"
			return 1
		fi
		_ds_i=$((_ds_i + 1))
		if [ $_ds_i -ge 200 ]; then
			diag "the double $_ds_script does not answer"
			return 1
		fi
		sleep 0.1
	done
	: > "$_ds_dir/calls.log"
	return 0
}

double_stop() {
	[ -f "$1/double.bgpid" ] || return 0
	_dx_pid=$(cat "$1/double.bgpid")
	rm -f "$1/double.bgpid"
	kill "$_dx_pid" 2> /dev/null
	wait "$_dx_pid" 2> /dev/null
	return 0
}

double_url() {
	echo "https://127.0.0.1:$(cat "$1/port")"
}

double_calls() {
	python3 -c '
import json, sys
c = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
v = eval(sys.argv[2])
print(v if isinstance(v, str) else json.dumps(v))
' "$1/calls.log" "$2"
}

calls() {
	double_calls "$DOUBLE_DIR" "$1"
}

cloudflare_setup() {
	CF=$SC_DIR/cf
	mkdir "$CF"
	CF_TOKEN=$(od -An -tx1 -N20 /dev/urandom | tr -d ' \n')
	(umask 077 && echo "$CF_TOKEN" > "$CF/token")
	printf 'example.com\nexample.org\n' > "$CF/zones"
	echo "$DNS_PORT $KEY_FILE" > "$CF/dns"
	double_start "$CF" cloudflare_double.py ||
	    bail_out "the Cloudflare double"
	TOKEN_FILE=$SC_DIR/cloudflare.token
	(umask 077 && echo "$CF_TOKEN" > "$TOKEN_FILE")
	SC_DNS_METHOD=cloudflare
	SC_EXTRA="[cloudflare]
api_token_file = $TOKEN_FILE
api_url        = $(double_url "$CF")/client/v4
ca_file        = $CF/cert.pem"
}

agent_argv_while_busy() {
	_aa_dir=$1
	shift
	rm -f "$_aa_dir/seen"
	echo 2 > "$_aa_dir/delay"
	FA_LOG_STDERR=1 "$FA" -c "$CONF" "$@" > "$SC_DIR/fa.out" \
	    2> "$SC_DIR/fa.err" &
	_aa_pid=$!
	_aa_i=0
	while [ ! -f "$_aa_dir/seen" ] && [ $_aa_i -lt 200 ]; do
		sleep 0.05
		_aa_i=$((_aa_i + 1))
	done
	tr '\0' ' ' < "/proc/$_aa_pid/cmdline" 2> /dev/null
	echo
	rm -f "$_aa_dir/delay"
	wait "$_aa_pid"
	FA_RC=$?
	FA_ERR=$(cat "$SC_DIR/fa.err")
}
