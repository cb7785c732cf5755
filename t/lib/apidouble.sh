# apidouble.sh: start and stop a provider API double (t/lib/*_double.py)
# for an integration test.  POSIX sh; source it after scenario.sh, then:
#
#   double_start DIR SCRIPT   make a self-signed certificate for 127.0.0.1 in
#                             DIR (cert.pem, key.pem: the agent's ca_file),
#                             pick a port (DIR/port), start SCRIPT with DIR
#                             as its state directory and wait, polling, until
#                             it answers over HTTPS.  DIR must already hold
#                             the double's files (dns, token, ...).
#                             Non-zero, with the double's log on stderr as
#                             "# " lines, if it does not come up.
#   double_stop DIR           stop it by its PID and wait for it.
#   double_url DIR            https://127.0.0.1:PORT
#   double_calls DIR EXPR     evaluate a Python expression over c, the calls
#                             logged since the last `: > DIR/calls.log`;
#                             strings print as they are, others as JSON.
#   agent_argv_while_busy DIR ARGS...
#                             run `fa ARGS` in the background with DIR/delay
#                             set to 2 s, wait until a request reached the
#                             double (DIR/seen), print the agent's argv
#                             (from /proc) while it waits for the answer,
#                             then let it finish (FA_RC, FA_ERR).

double_start() {
	_ds_dir=$1
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
