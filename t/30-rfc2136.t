#!/bin/sh
# 30-rfc2136.t: the rfc2136 method against a real BIND named: start named
# with one key per TSIG algorithm and three zones, then run the C test
# program (t/unit/test_rfc2136.c) that reads, plans, applies and checks with
# dig.  Never skips: a missing program or a named that does not start fails.
FA_TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$FA_TOP/t/lib/tap.sh"
. "$FA_TOP/t/lib/named.sh"

BIN=${FA_BUILD:-build}/t/test_rfc2136
case $BIN in
/*)	;;
*)	BIN=$FA_TOP/$BIN ;;
esac

for p in named tsig-keygen dig nsupdate ss; do
	command -v "$p" > /dev/null 2>&1 ||
	    bail_out "missing $p (install: sh t/lib/deps.sh --install)"
done
[ -x "$BIN" ] || bail_out "no $BIN (run make tests)"

DIR=$(mktemp -d "${TMPDIR:-/tmp}/fa-rfc2136.XXXXXX") || bail_out "mktemp"
cleanup() {
	named_stop "$DIR/big"
	named_stop "$DIR"
	if [ -n "${FA_KEEP:-}" ]; then
		echo "# kept $DIR" >&2
	else
		rm -rf "$DIR"
	fi
}
trap cleanup EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

PORT=$(named_pick_port) || bail_out "no free port"
NAMED_KEYS="fa-key:hmac-sha256 fa-md5:hmac-md5 fa-sha1:hmac-sha1 fa-224:hmac-sha224 fa-384:hmac-sha384 fa-512:hmac-sha512"
R1000=
i=1
while [ $i -le 1000 ]; do
	R1000="$R1000 r$i"
	i=$((i + 1))
done
NAMED_RECORDS="@ www shop$R1000"
NAMED_A=192.0.2.10
NAMED_AAAA=2001:db8::10
# ns1 (the SOA MNAME) on 127.0.0.1: a config without [dns] server finds it.
NAMED_NS="ns1=127.0.0.1"
named_start "$DIR" "$PORT" example.com example.org example.net \
    split.example || bail_out "named did not start"

# A second named for a zone of 1000 IPv4-only records: one UPDATE of
# about 51 KiB, over TCP.
mkdir "$DIR/big" || bail_out "mkdir"
# The first named listens now: the next free port is another one.
BIG_PORT=$(named_pick_port) || bail_out "no free port"
NAMED_KEYS="fa-key:hmac-sha256" NAMED_RECORDS="$R1000" NAMED_AAAA=- \
    named_start "$DIR/big" "$BIG_PORT" big.example ||
    bail_out "the second named did not start"

FA_TEST_DNS_PORT=$PORT FA_TEST_NAMED_DIR=$DIR FA_TEST_BIG_PORT=$BIG_PORT \
    "$BIN"
