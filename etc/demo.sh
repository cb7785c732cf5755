#!/bin/sh
# demo.sh: one failover and one failback, narrated, against a throw-away BIND
# and a stand-in primary on 127.0.0.1.  Run by `make demo` (which installs the
# Debian packages and builds first); not interactive.  Every process it
# starts is stopped, by PID, when it ends, however it ends.
FA_TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$FA_TOP/t/lib/scenario.sh"

say() {
	echo
	echo "== $*"
}

# run ARGS...: show the command as a person would type it, run it, show
# its exit code.
run() {
	echo "\$ failover-agent $*"
	fa "$@"
	echo "(exit $?)"
}

show_dns() {
	echo "\$ dig @127.0.0.1 -p $DNS_PORT ... (what the world sees)"
	for n in example.com www.example.com www.example.org; do
		printf '  %-18s A %-15s AAAA %s\n' "$n" "$(dig_a "$n")" \
		    "$(dig_aaaa "$n")"
	done
}

for p in named tsig-keygen dig nsupdate python3 ss; do
	if ! command -v "$p" > /dev/null 2>&1; then
		echo "demo: $p is missing: run sh t/lib/deps.sh --install" >&2
		exit 1
	fi
done
if [ ! -x "$FA" ]; then
	echo "demo: no failover-agent binary at $FA: run make" >&2
	exit 1
fi

say "setting up: a BIND named on 127.0.0.1#PORT serving example.com and
   example.org (updates allowed for the TSIG key fa-key), and a stand-in
   primary web server on 127.0.0.1 answering GET /health with 200 OK"
if ! scenario_setup; then
	echo "demo: could not start named or the primary (see above)" >&2
	exit 1
fi
echo "   named on port $DNS_PORT, primary on port $PRIMARY_PORT, files in $SC_DIR"
echo "   the primary's addresses: $PRIMARY_A, $PRIMARY_AAAA"
echo "   the backup's addresses:  $BACKUP_A, $BACKUP_AAAA"
echo "   (documentation addresses: nothing real is pointed anywhere)"

say "the backup site's config (fail_after 3, recover_after 3; ttl 1 and
   hold_down 2s to keep the demo short: production would use 60 and 900)"
sed -e '/^;/d' -e '/^$/d' "$CONF" | sed 's/^/   /'

say "first, as after any change to the config: config-test"
run config-test

say "the backup's cron runs \`failover-agent check\` every minute (here: by hand)"
run check
run status
show_dns

say "the primary stops"
primary_stop "$SC_DIR/primary"
for i in 1 2 3; do
	say "cron, minute $i after the outage: check (exit 1: the probe failed)"
	run check
	echo "   primary: $(status_field 'd["primary_status"]'), this site: $(status_field 'd["state"]')"
done
say "fail_after (3) failed cycles: the backup repointed every record with a
   TSIG-signed RFC 2136 UPDATE, conditional on the old addresses"
run status
show_dns

say "the primary returns"
primary_start "$SC_DIR/primary" "$PRIMARY_PORT"
for i in 1 2 3; do
	say "cron, minute $i after the recovery: check"
	run check
	echo "   primary: $(status_field 'd["primary_status"]'), this site: $(status_field 'd["state"]')"
done
if [ "$(status_field 'd["state"]')" = STANDBY ]; then
	say "recover_after (3) good cycles and hold_down (2s here) since the
   failover had passed: the backup pointed every record back at the primary"
else
	say "recover_after (3) good cycles, but failback also waits for hold_down
   since the failover (2s here) so the records cannot flap; cron keeps calling"
	check_until_state STANDBY 50 ||
	    echo "   (still not failed back after 50 cycles: see history below)"
	echo "   last outcome: $(status_field 'd["last_cycle"]["outcome"]')"
fi
run status
show_dns

say "what happened, newest first"
run history

say "done: stopping named and the primary, removing $SC_DIR"
