#!/bin/sh
# 55-config-test.t: config-test on a good config, and the errors a person
# makes: an unknown key, hold_down shorter than ttl, a bad duration, a key
# file others can read, quorum = none beside a [quorum] section.  A good
# config says the DNS check passed.  Errors are FILE:LINE: message and exit 2, for
# config-test and for check alike.
FA_TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$FA_TOP/t/lib/scenario.sh"
scenario_require
scenario_setup || bail_out "scenario setup (named, primary, config)"

run_fa config-test
is "$FA_RC" 0 "config-test on the scenario's config: exit 0"
[ "$FA_RC" = 0 ] || diag "$FA_ERR"
like "$FA_OUT" "^configuration OK$" "it prints configuration OK"
like "$FA_ERR" "quorum" "it warns that no [quorum] is configured"
like "$FA_ERR" "\\[agent\\] quorum = none" "and how to say it is on purpose"
like "$FA_OUT" "^DNS check passed: method rfc2136 answers for zones example\\.com\\., example\\.org\\." \
    "it says the DNS check passed"
test ! -e "$STATE_DB"
ok $? "config-test does not create the state database"

GOOD=$CONF

# quorum = none and a [quorum] section contradict each other.
vote_key "$SC_DIR/vote.key"
SC_AGENT_EXTRA="quorum = none"
SC_EXTRA="
[quorum]
secret_file = $SC_DIR/vote.key
[spare:paris]
url = http://127.0.0.1:1"
scenario_write_conf
run_fa config-test
is "$FA_RC" 2 "quorum = none with a [quorum] section: exit 2"
like "$FA_ERR" "failover-agent.conf:[0-9]+: quorum = none, but there is a \\[quorum\\] section at line [0-9]+" \
    "FILE:LINE: names both"
SC_AGENT_EXTRA=
SC_EXTRA=
scenario_write_conf

# bad_conf NAME SED: a copy of the good config edited by SED, in $BAD.
bad_conf() {
	BAD=$SC_DIR/$1.conf
	sed "$2" "$GOOD" > "$BAD"
}

# line_of FILE TEXT: the number of the first line holding TEXT.
line_of() {
	grep -nF -- "$2" "$1" | head -n 1 | cut -d: -f1
}

# refused WHAT: config-test and check both exit 2 with "$BAD:$LINE:".
refused() {
	CONF=$BAD
	run_fa config-test
	is "$FA_RC" 2 "$1: config-test exits 2"
	printf '%s\n' "$FA_ERR" | grep -qF -- "$BAD:$LINE:"
	ok $? "$1: the message starts with FILE:LINE: ($BAD:$LINE:)"
	[ "$FA_RC" = 2 ] || diag "$FA_ERR"
	unlike "$FA_OUT" "configuration OK" "$1: no configuration OK"
	run_fa check
	is "$FA_RC" 2 "$1: check exits 2 too"
	CONF=$GOOD
}

bad_conf unknown-key '/^fail_after/a\
flap_guard    = 5'
LINE=$(line_of "$BAD" flap_guard)
refused "unknown key flap_guard in [agent]"
like "$FA_ERR" "flap_guard" "the message names the key"

bad_conf unknown-section '$a\
[zone-typo:example.net]\
records = www'
LINE=$(line_of "$BAD" "[zone-typo:example.net]")
refused "unknown section [zone-typo:example.net]"

bad_conf hold-down 's/^hold_down .*/hold_down     = 500ms/'
LINE=$(line_of "$BAD" "hold_down")
refused "hold_down 500ms shorter than ttl 1"

bad_conf duration 's/^timeout .*/timeout       = 5 parsecs/'
LINE=$(line_of "$BAD" "5 parsecs")
refused "bad duration '5 parsecs'"

cp "$KEY_FILE" "$SC_DIR/loose.key"
chmod 644 "$SC_DIR/loose.key"
bad_conf loose-key "s|^tsig_key_file .*|tsig_key_file = $SC_DIR/loose.key|"
LINE=$(line_of "$BAD" "loose.key")
refused "a key file with mode 644"
like "$FA_ERR" "loose\.key" "the message names the key file"
like "$FA_ERR" "group|others|0?644" "the message says why (readable by others)"

chmod 600 "$SC_DIR/loose.key"
CONF=$BAD
run_fa config-test
is "$FA_RC" 0 "the same key file after chmod 600: config-test exit 0"
CONF=$GOOD

done_testing
