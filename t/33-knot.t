#!/bin/sh
# 33-knot.t: the rfc2136 method against Knot DNS (knotd), with every TSIG
# algorithm of failover-agent.conf(5), [dns] tsig_key_file (hmac-md5, sha1, sha224, sha256, sha384, sha512),
# through the real binary: config-test's signed query, a failover and a
# failback (UPDATEs signed with that key, replies verified), and the canary
# (accepted, serial unchanged).  ldns 1.8.3 cannot sign hmac-sha224 or
# hmac-sha384 (dnsupdate/tsigkey.h): those two go through our own MAC code,
# and a second server's implementation checks it here.  Never skips.
FA_TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$FA_TOP/t/lib/scenario.sh"

scenario_require
command -v knotd > /dev/null 2>&1 ||
    bail_out "missing knotd (install: sh t/lib/deps.sh --install)"
scenario_setup || bail_out "scenario setup"

# knotd on its own port, the scenario's zones and records, one key per
# algorithm; the agent's config points at it.
ALGS="hmac-md5 hmac-sha1 hmac-sha224 hmac-sha256 hmac-sha384 hmac-sha512"
scenario_port KNOT_PORT || bail_out "no port for knotd"
mkdir "$SC_DIR/knot" || bail_out "mkdir"
KNOT_KEYS=
for a in $ALGS; do
	KNOT_KEYS="$KNOT_KEYS k-${a#hmac-}:$a"
done
knot_start "$SC_DIR/knot" "$KNOT_PORT" example.com example.org ||
    bail_out "knotd did not start"
DNS_PORT=$KNOT_PORT		# dig_a, soa_serial and the config follow it

kdig() {
	dig +short +norec +time=2 +tries=2 -p "$KNOT_PORT" @127.0.0.1 "$@" |
	    sort | tr '\n' ' ' | sed 's/ $//'
}

is "$(kdig www.example.com A)" "$PRIMARY_A" "knotd serves the zone"

n=0
for a in $ALGS; do
	n=$((n + 1))
	SC_KEY_FILE=$SC_DIR/knot/k-${a#hmac-}.key
	SC_STATE_DB=$SC_DIR/state-$n.db
	scenario_write_conf

	run_fa config-test
	is "$FA_RC" 0 "$a: config-test: Knot answers our signed query"
	[ "$FA_RC" = 0 ] || diag "$FA_OUT" "$FA_ERR"

	# The first cycle sends the canary: accepted, nothing changes.
	s1=$(soa_serial example.com)
	run_fa check
	is "$FA_RC" 0 "$a: check (with the canary): exit 0"
	is "$(status_field 'd["canary"]["ok"]')" true "$a: canary accepted"
	like "$(status_field 'd["canary"]["message"]')" \
	    "accepts our signed UPDATE \(key 'k-${a#hmac-}', $a\)" \
	    "$a: canary message names the key and algorithm"
	is "$(soa_serial example.com)" "$s1" "$a: canary: serial unchanged"

	run_fa failover
	is "$FA_RC" 0 "$a: failover: exit 0"
	is "$(kdig www.example.com A)" "$BACKUP_A" "$a: www.example.com A"
	is "$(kdig www.example.org AAAA)" "$BACKUP_AAAA" \
	    "$a: www.example.org AAAA"
	is "$(soa_serial example.com)" "$((s1 + 1))" \
	    "$a: one UPDATE for example.com: serial + 1"
	run_fa failback
	is "$FA_RC" 0 "$a: failback: exit 0"
	is "$(kdig example.com AAAA)" "$PRIMARY_AAAA" "$a: back to the primary"
done

# A key Knot does not know, and a wrong secret: the canary says so.
sed 's/secret ".*"/secret "c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmU="/' \
    "$SC_DIR/knot/k-sha256.key" > "$SC_DIR/wrong.key"
chmod 600 "$SC_DIR/wrong.key"
SC_KEY_FILE=$SC_DIR/wrong.key
SC_STATE_DB=$SC_DIR/state-wrong.db
scenario_write_conf
s1=$(soa_serial example.com)
run_fa check
is "$FA_RC" 1 "wrong secret: the canary fails the cycle (exit 1)"
is "$(status_field 'd["canary"]["ok"]')" false "wrong secret: canary failed"
like "$(status_field 'd["canary"]["message"]')" "example.com: BADSIG" \
    "wrong secret: BADSIG named"
is "$(soa_serial example.com)" "$s1" "wrong secret: serial unchanged"

done_testing
