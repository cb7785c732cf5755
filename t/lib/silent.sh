# silent.sh: the world of the silent-outage tests (t/71-silent.t over IPv4,
# t/72-silent-ipv6.t on an IPv6-only network): real processes in the
# network namespaces of t/lib/netns.sh,
#
#     primary   stand-in web server (t/lib/primary.py) on :80
#     backup    failover-agent check, one cycle per call, as cron runs it
#     spare1    failover-agent vote-server (port 8053 by default)
#     spare2    failover-agent vote-server
#     dns       BIND named on :53, the master of example.com and example.org
#
# and the scenarios both tests run.  An outage here is silent: the bridge
# drops the primary's packets (netns_silence), nobody refuses or answers.
#
# Source it with FA_TOP set and NETNS_FAMILY chosen (it sources tap.sh,
# named.sh, primary.sh, netns.sh and nsview.sh, and sets FA, the binary of
# FA_BUILD),
# then call silent_setup and silent_spares_start; silent_teardown at the
# end.
# Knobs, read when a config is written (empty: the key is left out, so the
# shipped default applies):
#   SPARE_CHECK     extra lines for the spares' [check:web] (e.g. a timeout)
#   SPARE_VOTE      lines for the spares' [vote] section
#   BACKUP_AGENT    extra lines for the backup's [agent]
#   BACKUP_CHECK    extra lines for the backup's [check:web]
#   BACKUP_QUORUM   extra lines for the backup's [quorum]
#   BACKUP_DNS      extra lines for the backup's [dns]
# Scenarios (each asserts what a user would look at: dig at the master, the
# history rows, status, the exit code):
#   silent_outage LABEL      the primary goes silent: FAILOVER after
#                            fail_after cycles; then it comes back: FAILBACK
#                            after recover_after cycles
#   silent_lost_answer LABEL the same outage, but the master's answers to
#                            the failover's UPDATEs are dropped: stored state
#                            and DNS agree within one cycle after the path
#                            heals; the primary's return brings DNS back

. "$FA_TOP/t/lib/tap.sh"
. "$FA_TOP/t/lib/named.sh"
. "$FA_TOP/t/lib/primary.sh"
. "$FA_TOP/t/lib/netns.sh"
. "$FA_TOP/t/lib/nsview.sh"

FA=${FA_BUILD:-build}/failover-agent
case $FA in
/*)	;;
*)	FA=$FA_TOP/$FA ;;
esac

PRIMARY_A=192.0.2.10
PRIMARY_AAAA=2001:db8::10
BACKUP_A=198.51.100.20
BACKUP_AAAA=2001:db8:1::20
MANAGED="example.com www.example.com www.example.org"
FAIL_AFTER=3		# the shipped defaults of fail_after and recover_after:
RECOVER_AFTER=3		# the configs never set them
SPARE_CHECK=${SPARE_CHECK:-}
SPARE_VOTE=${SPARE_VOTE:-}
BACKUP_AGENT=${BACKUP_AGENT:-}
BACKUP_CHECK=${BACKUP_CHECK:-}
BACKUP_QUORUM=${BACKUP_QUORUM:-}
BACKUP_DNS=${BACKUP_DNS:-}

# silent_setup: the programs, the namespaces, named, the primary, the
# shared secret.  Bails out (never skips) when something is missing.
silent_setup() {
	for _p in named tsig-keygen dig nsupdate python3 curl ss openssl; do
		command -v "$_p" > /dev/null 2>&1 ||
		    bail_out "missing program $_p (sh t/lib/deps.sh --install)"
	done
	[ -x "$FA" ] ||
	    bail_out "no failover-agent binary at $FA (run make, or set FA_BUILD)"
	netns_setup || bail_out "cannot create network namespaces: $NETNS_ERROR"
	T=$NETNS_DIR
	IP_PRIMARY=$(netns_addr primary)
	IP_DNS=$(netns_addr dns)
	# How the address is written in a URL or [dns] server: in brackets
	# when it is IPv6 (failover-agent.conf(5), DESCRIPTION: an address is written one way everywhere).
	case $IP_DNS in
	*:*)	DNS_SERVER="[$IP_DNS]" ;;
	*)	DNS_SERVER=$IP_DNS ;;
	esac
	PRIMARY_URL=http://$(netns_hostport primary 80)/health
	export FA_LOG_STDERR=1

	mkdir "$T/named" "$T/primary" || bail_out "mkdir"
	NAMED_KEYS="fa-key:hmac-sha256"
	NAMED_RECORDS="@ www"
	NAMED_A=$PRIMARY_A
	NAMED_AAAA=$PRIMARY_AAAA
	NAMED_LISTEN=$IP_DNS
	NAMED_EXEC="ip netns exec $(netns_ns dns)"
	named_start "$T/named" 53 example.com example.org ||
	    bail_out "named did not start in the dns namespace"
	netns_track named "$(cat "$T/named/named.bgpid")"
	KEY_FILE=$T/named/fa-key.key

	PRIMARY_LISTEN=$IP_PRIMARY
	PRIMARY_EXEC="ip netns exec $(netns_ns primary)"
	primary_start "$T/primary" 80 ||
	    bail_out "the stand-in primary did not start"
	netns_track primary "$(cat "$T/primary/primary.bgpid")"

	(umask 077 && openssl rand -hex 32 > "$T/vote.key") ||
	    bail_out "openssl rand"
}

# spare_start NAME: a vote-server in NAME's namespace with NAME's config
# (SPARE_CHECK, SPARE_VOTE); wait, polling /v1/health from the spare
# itself, until it answers.
spare_start() {
	{
		echo "; written by $0"
		echo "[agent]"
		echo "name     = $1"
		echo "role     = spare"
		echo "state_db = $T/$1.db"
		echo
		echo "[check:web]"
		echo "type          = http"
		echo "url           = $PRIMARY_URL"
		echo "expect_status = 200"
		echo "expect_body   = OK"
		[ -z "$SPARE_CHECK" ] || printf '%s\n' "$SPARE_CHECK"
		echo
		echo "[quorum]"
		echo "secret_file = $T/vote.key"
		# Empty unless SPARE_VOTE: a spare needs the section, its keys
		# keep their defaults (listen on every address, port 8053).
		echo
		echo "[vote]"
		[ -z "$SPARE_VOTE" ] || printf '%s\n' "$SPARE_VOTE"
	} > "$T/$1.conf"
	netns_spawn "$1" "$1" "$FA" -c "$T/$1.conf" vote-server
	_ss_url=http://$(netns_hostport "$1" 8053)/v1/health
	_ss_i=0
	until [ "$(netns_exec "$1" curl -s -m 1 "$_ss_url" 2>/dev/null)" = ok ]
	do
		if ! kill -0 "$NETNS_PID" 2>/dev/null; then
			diag "vote-server on $1 exited; its log:"
			diag "$(cat "$T/$1.log")"
			return 1
		fi
		_ss_i=$((_ss_i + 1))
		[ $_ss_i -lt 200 ] ||
		    { diag "vote-server on $1 never answered"; return 1; }
		sleep 0.05
	done
	return 0
}

# write_conf NAME: the backup's config and a fresh state database for
# scenario NAME.  hold_down and ttl are set because hold_down's default
# (900 s, the least time between two moves, not a timeout) would make every
# failback wait 15 minutes, and hold_down may not be shorter than the ttl
# (default 60 s).  No timeout, interval, fail_after or recover_after key:
# those keep their shipped defaults unless the BACKUP_* knobs add them.
write_conf() {
	STATE_DB=$T/state-$1.db
	CONF=$T/backup-$1.conf
	rm -f "$STATE_DB"
	{
		echo "; written by $0, scenario $1"
		echo "[agent]"
		echo "name      = backup"
		echo "role      = backup"
		echo "state_db  = $STATE_DB"
		echo "hold_down = 5s"
		[ -z "$BACKUP_AGENT" ] || printf '%s\n' "$BACKUP_AGENT"
		echo
		echo "[site:primary]"
		echo "address = $PRIMARY_A, $PRIMARY_AAAA"
		echo "[site:backup]"
		echo "address = $BACKUP_A, $BACKUP_AAAA"
		echo
		echo "[check:web]"
		echo "type          = http"
		echo "url           = $PRIMARY_URL"
		echo "expect_status = 200"
		echo "expect_body   = OK"
		[ -z "$BACKUP_CHECK" ] || printf '%s\n' "$BACKUP_CHECK"
		echo
		echo "[quorum]"
		echo "secret_file = $T/vote.key"
		[ -z "$BACKUP_QUORUM" ] || printf '%s\n' "$BACKUP_QUORUM"
		echo
		echo "[spare:spare1]"
		echo "url = http://$(netns_hostport spare1 8053)"
		echo "[spare:spare2]"
		echo "url = http://$(netns_hostport spare2 8053)"
		echo
		echo "[dns]"
		echo "method        = rfc2136"
		echo "server        = $DNS_SERVER"
		echo "tsig_key_file = $KEY_FILE"
		echo "ttl           = 5"
		[ -z "$BACKUP_DNS" ] || printf '%s\n' "$BACKUP_DNS"
		echo
		echo "[zone:example.com]"
		echo "records = @, www"
		echo "[zone:example.org]"
		echo "records = www"
	} > "$CONF"
}

# check: one cycle on the backup host, as cron starts it; FA_RC, FA_ERR.
check() {
	netns_exec backup "$FA" -c "$CONF" check > "$T/fa.out" 2> "$T/fa.err"
	FA_RC=$?
	FA_ERR=$(cat "$T/fa.err")
}

# silent_spares_start: the vote servers on spare1 and spare2; bails out if
# one does not start.
silent_spares_start() {
	spare_start spare1 || bail_out "vote-server on spare1"
	spare_start spare2 || bail_out "vote-server on spare2"
}

# silent_teardown: TAP: the vote servers stop cleanly on SIGTERM, and
# teardown leaves no namespace behind.
silent_teardown() {
	for _st_s in spare1 spare2; do
		netns_kill "$_st_s"
		is "$?" 0 "$_st_s: vote-server stopped cleanly on SIGTERM"
	done
	_st_prefix=$NETNS_PREFIX
	netns_teardown
	is "$(ip netns list | grep -c "^$_st_prefix")" 0 \
	    "teardown: no namespace left"
}

# dns_points_at LABEL A AAAA: every managed record holds exactly A and AAAA.
dns_points_at() {
	for _n in $MANAGED; do
		is "$(answer "$_n" A)" "$2" "$1: dig $_n A"
		is "$(answer "$_n" AAAA)" "$3" "$1: dig $_n AAAA"
	done
}

# dns_reset: DNS back to the primary's addresses if a scenario changed it,
# the way a person would (nsupdate with the key, sent from the dns host).
dns_reset() {
	for _z in example.com example.org; do
		{
			echo "server $IP_DNS 53"
			echo "zone $_z"
			if [ $_z = example.com ]; then
				_names="$_z www.$_z"
			else
				_names="www.$_z"
			fi
			for _n in $_names; do
				echo "update delete $_n A"
				echo "update delete $_n AAAA"
				echo "update add $_n 5 A $PRIMARY_A"
				echo "update add $_n 5 AAAA $PRIMARY_AAAA"
			done
			echo "send"
		} | netns_exec dns nsupdate -k "$KEY_FILE" || return 1
	done
	[ "$(answer www.example.com A)" = "$PRIMARY_A" ]
}

# reset NAME: the start of every scenario: no cut, DNS on the primary, a
# fresh state database, then one cycle with everything up: STANDBY, exit 0.
# The spares keep running from one scenario to the next.
reset() {
	note "--- scenario $1"
	netns_heal || bail_out "netns_heal"
	dns_reset || bail_out "could not reset DNS with nsupdate"
	write_conf "$1"
	check
	if [ "$FA_RC" != 0 ] ||
	    [ "$(hist 'c["state_after"]')" != STANDBY ]; then
		diag "$FA_ERR"
		bail_out "scenario $1: the first cycle, all up, is not a STANDBY exit 0"
	fi
}

# cycle_line: the cycle just run, in one word for the diagnostics:
# OUTCOME/state_after/exit(duration ms, votes).
cycle_line() {
	hist '"%s/%s/%s(%sms%s)" % (c["outcome"], c["state_after"], c["exit_code"], c["duration_ms"], (" " + votes(c)) if c.get("votes") else "")'
}

# fail_cycles N LABEL: N cycles with the primary silent that must each fail
# (exit 1) without deciding anything yet: state STANDBY.
fail_cycles() {
	_fc_i=1
	_fc_bad=
	_fc_seen=
	while [ $_fc_i -le "$1" ]; do
		check
		_fc_seen="$_fc_seen $(cycle_line)"
		[ "$FA_RC" = 1 ] || _fc_bad="$_fc_bad cycle $_fc_i exit $FA_RC;"
		[ "$(hist 'c["state_after"]')" = STANDBY ] ||
		    _fc_bad="$_fc_bad cycle $_fc_i state $(hist 'c["state_after"]');"
		_fc_i=$((_fc_i + 1))
	done
	is "$_fc_bad" "" "$2: $1 failed cycles exit 1 and stay STANDBY" ||
	    diag "cycles:$_fc_seen"
}

# failover_phase LABEL: the primary goes silent; cycles are run one after
# the other, as cron would with a short period, until one is a FAILOVER
# (at most fail_after + 4): it must be cycle number fail_after, confirmed
# by both spares, and DNS at the master must then hold the backup's
# addresses.
failover_phase() {
	netns_silence primary
	ok $? "$1: the primary's host is silent (its packets dropped on the bridge)"
	_fp_n=0
	_fp_seen=
	while [ $_fp_n -lt $((FAIL_AFTER + 4)) ]; do
		check
		_fp_n=$((_fp_n + 1))
		_fp_seen="$_fp_seen $(cycle_line)"
		[ "$(hist 'c["outcome"]')" = FAILOVER ] && break
	done
	note "$1: cycles since the primary went silent:$_fp_seen"
	is "$(hist 'c["outcome"]') in cycle $_fp_n" \
	    "FAILOVER in cycle $FAIL_AFTER" \
	    "$1: FAILOVER in cycle fail_after ($FAIL_AFTER) of the silent primary" ||
	    diag "cycles:$_fp_seen" "last stderr: $FA_ERR"
	is "$(hist '" ".join(x["outcome"] for x in reversed(d["cycles"][:'"$_fp_n"']) if x["outcome"] in ("ISOLATED", "PARTITION", "UNCONFIRMED", "ERROR")) or "none"')" \
	    none "$1: no ISOLATED, PARTITION, UNCONFIRMED or ERROR cycle on the way"
	is "$(hist 'votes(c)')" "spare1:down spare2:down" \
	    "$1: history: both spares saw the primary down (valid votes)"
	is "$(hist 'c["quorum"]')" confirmed "$1: history: quorum confirmed"
	is "$FA_RC/$(hist 'c["exit_code"]')/$(hist 'c["state_after"]')" \
	    "1/1/ACTIVE" "$1: the FAILOVER cycle exits 1 (shell and history), state ACTIVE"
	is "$(fa_status 'd["state"]')" ACTIVE "$1: status says ACTIVE"
	dns_points_at "$1: after the failover" "$BACKUP_A" "$BACKUP_AAAA"
}

# failback_phase LABEL: the primary comes back; cycles are run (cron-like,
# one a second, polling history after each; at most 90) until one is a
# FAILBACK.  It must come after at least recover_after good cycles, be
# allowed by the spares with failback words (never "confirmed" or
# "partition"), and DNS at the master must then hold the primary's
# addresses again.
failback_phase() {
	netns_heal
	ok $? "$1: the primary's host is back"
	if [ "$(fa_status 'd["state"]')" != ACTIVE ]; then
		# Nothing to fail back: the failover's assertions said why.
		fail "$1: failback: not ACTIVE, so no failback to wait for"
		return 1
	fi
	_fb_n=0
	_fb_seen=
	while [ $_fb_n -lt 90 ]; do
		check
		_fb_n=$((_fb_n + 1))
		_fb_seen="$_fb_seen $(cycle_line)"
		[ "$(hist 'c["outcome"]')" = FAILBACK ] && break
		sleep 1		# the cron period, shortened
	done
	note "$1: cycles since the primary came back:$_fb_seen"
	is "$(hist 'c["outcome"]')" FAILBACK \
	    "$1: FAILBACK within $_fb_n cycles of the primary's return" ||
	    diag "cycles:$_fb_seen" "last stderr: $FA_ERR"
	ok "$([ "$_fb_n" -ge "$RECOVER_AFTER" ]; echo $?)" \
	    "$1: not before recover_after ($RECOVER_AFTER) good cycles (it came in cycle $_fb_n)"
	is "$(hist 'c["quorum"]')" failback-allowed \
	    "$1: history: the FAILBACK cycle's quorum is failback-allowed"
	is "$(hist '" ".join(sorted(set("%s:%s" % (x["outcome"], x["quorum"]) for x in d["cycles"] if x["state_before"] == "ACTIVE" and x["quorum"] in ("confirmed", "partition")))) or "none"')" \
	    none "$1: history: no cycle from ACTIVE says confirmed or partition"
	is "$(hist 'c["state_after"]')/$(fa_status 'd["state"]')" \
	    STANDBY/STANDBY "$1: state STANDBY (history and status)"
	dns_points_at "$1: after the failback" "$PRIMARY_A" "$PRIMARY_AAAA"
}

# silent_outage LABEL: reset, failover_phase, failback_phase.
silent_outage() {
	reset "$1"
	failover_phase "$1"
	failback_phase "$1"
}

# silent_lost_answer LABEL [all]: the primary goes silent; fail_after - 1
# cycles decide nothing; then the master's answers to UPDATE messages are
# dropped (queries still pass) and cycles run until one tries to move (at
# most 4).  The master applies the UPDATE, its answer never arrives.  That
# cycle must not record "nothing was changed": its state is ACTIVE (the
# records were read back) or FAILED (they could not be: unknown outcome).
# With "all", from the moment the master has answered the UPDATE (the
# answer is dropped) everything it sends the backup is dropped too, so the
# records cannot be read back: the state must be FAILED.
# Then the path heals and ONE cycle later status says ACTIVE, as DNS
# holds.  Then the primary returns and the failback brings DNS back to it.
silent_lost_answer() {
	reset "$1"
	netns_silence primary
	ok $? "$1: the primary's host is silent"
	fail_cycles $((FAIL_AFTER - 1)) "$1"
	if [ "${2:-}" = all ]; then
		_la_tag="after-update dns"
		netns_drop_after_update dns
		ok $? "$1: the master's answers to UPDATEs, and all it sends the backup after one, are dropped from now on"
	else
		_la_tag="update-answers dns"
		netns_drop_update_answers dns
		ok $? "$1: the master's answers to UPDATEs are dropped from now on"
	fi
	_la_n=0
	_la_seen=
	while [ $_la_n -lt 4 ]; do
		check
		_la_n=$((_la_n + 1))
		_la_seen="$_la_seen $(cycle_line)"
		case $(hist 'c["outcome"]') in
		ISOLATED|PARTITION|UNCONFIRMED)	;;
		*)	break ;;
		esac
	done
	note "$1: cycles with the answers dropped:$_la_seen"
	_la_dropped=$(netns_dropped "$_la_tag")
	ok "$([ "${_la_dropped:-0}" -gt 0 ]; echo $?)" \
	    "$1: the bridge dropped the master's answers ($_la_dropped packets)" ||
	    diag "cycles:$_la_seen"
	dns_points_at "$1: the master applied the UPDATE" "$BACKUP_A" "$BACKUP_AAAA"
	_la_first=$(hist 'c["state_after"]')
	if [ "${2:-}" = all ]; then
		is "$_la_first" FAILED \
		    "$1: the cycle whose answers were all lost ends FAILED (unknown outcome)" ||
		    diag "last stderr: $FA_ERR"
	else
		like "$_la_first" '^(ACTIVE|FAILED)$' \
		    "$1: the cycle whose answer was lost ends ACTIVE or FAILED, not STANDBY ($_la_first)" ||
		    diag "last stderr: $FA_ERR"
	fi
	unlike "$(hist 'json.dumps(c)')" 'nothing was changed' \
	    "$1: history does not say that nothing was changed"
	if [ "$_la_first" = FAILED ]; then
		# The unknown outcome names each attempt that went unanswered.
		like "$(hist 'json.dumps(c)')" 'UDP' \
		    "$1: history names the unanswered UDP attempt"
	fi
	if [ "${2:-}" = all ]; then
		netns_pass_after_update dns
	else
		netns_pass_update_answers dns
	fi
	ok $? "$1: the path heals (the master's answers pass again)"
	check
	note "$1: the cycle after healing: $(cycle_line)"
	is "$(fa_status 'd["state"]')" ACTIVE \
	    "$1: one cycle after healing, status says ACTIVE (it was $_la_first)"
	is "$(hist 'c["state_after"]')" ACTIVE \
	    "$1: history: that cycle ends ACTIVE"
	dns_points_at "$1: DNS agrees" "$BACKUP_A" "$BACKUP_AAAA"
	failback_phase "$1"
}
