#!/bin/sh
# 58-attention.t: under cron, stderr is what gets mailed and syslog is read
# by nobody (issue 10 item 8).  A condition that needs a person (here: the
# DNS server refuses our key) is written to stderr when it starts and when
# it clears, never once per cycle; routine lines stay in syslog only.
FA_TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$FA_TOP/t/lib/scenario.sh"
scenario_require
scenario_setup || bail_out "scenario setup (named, primary, config)"

# As cron runs it: stderr is a file, not a terminal, so logs go to syslog.
cron_check() {
	"$FA" -c "$CONF" check > "$SC_DIR/cron.out" 2> "$SC_DIR/cron.err"
	CRON_RC=$?
	CRON_ERR=$(cat "$SC_DIR/cron.err")
}

cron_check
is "$CRON_RC" 0 "a quiet cycle: exit 0"
is "$CRON_ERR" "" "a quiet cycle mails nothing"

(umask 077 && tsig-keygen -a hmac-sha256 fa-key > "$SC_DIR/wrong.key")
SC_KEY_FILE=$SC_DIR/wrong.key
scenario_write_conf
primary_stop "$SC_DIR/primary"
cron_check
cron_check
is "$CRON_ERR" "" "the primary failing (not yet FAIL) mails nothing"
cron_check
is "$CRON_RC" 1 "the failover refused for the key: exit 1"
like "$CRON_ERR" "needs attention: .*(BADSIG|badsig)" \
    "the refused key is on stderr (mailed) when it starts"
cron_check
is "$CRON_RC" 1 "the next cycle fails the same way: exit 1"
unlike "$CRON_ERR" "needs attention" "... and mails nothing again"

SC_KEY_FILE=
scenario_write_conf
cron_check
is "$CRON_RC" 1 "the right key again: the failover goes through (exit 1: the primary is down)"
like "$CRON_ERR" "cleared: .*(BADSIG|badsig)" "the clearing is on stderr once"
is "$(status_field 'd["state"]')" ACTIVE "ACTIVE"
cron_check
is "$CRON_ERR" "" "then quiet again"

done_testing
