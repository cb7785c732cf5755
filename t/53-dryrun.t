#!/bin/sh
# 53-dryrun.t: `failover --dry-run` prints the plan (each record old -> new,
# the method, the server), exits 0 and changes nothing: not DNS, not the
# serial, not the state, not history.  When the move would not happen (the
# spares see the primary up) it still prints the plan, what stops it and
# what --force would do; the real `failover` then names --force.
FA_TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$FA_TOP/t/lib/scenario.sh"
scenario_require
scenario_setup || bail_out "scenario setup (named, primary, config)"

ARROW='(->|→)'
serial_com=$(soa_serial example.com)
serial_org=$(soa_serial example.org)

# plan_shows TEXT OWNER_ERE FROM TO: TEXT has OWNER's FROM -> TO.
plan_shows() {
	like "$1" "$2.*$3.*$ARROW.*$4" "plan: $5"
}

# unchanged WHEN: DNS and serials as named started with them.
unchanged() {
	dns_points_at "$1, unchanged" "$PRIMARY_A" "$PRIMARY_AAAA"
	is "$(soa_serial example.com)" "$serial_com" "$1: example.com serial unchanged"
	is "$(soa_serial example.org)" "$serial_org" "$1: example.org serial unchanged"
}

# --- before the first cycle: no database yet ---------------------------------
run_fa failover --dry-run
is "$FA_RC" 0 "failover --dry-run before any cycle: exit 0"
[ "$FA_RC" = 0 ] || diag "$FA_ERR"
like "$FA_OUT" "dry run" "it says it is a dry run"
test ! -e "$STATE_DB"
ok $? "no state database was created"
unchanged "first dry run"

# --- from STANDBY -------------------------------------------------------------
run_fa check
is "$FA_RC" 0 "a real check: exit 0"
is "$(status_field 'd["state"]')" STANDBY "state STANDBY"
ncycles=$(history_field 'len(d["cycles"])')
is "$ncycles" 1 "history holds that one cycle"

run_fa failover --dry-run
is "$FA_RC" 0 "failover --dry-run: exit 0"
[ "$FA_RC" = 0 ] || diag "$FA_ERR"
out=$FA_OUT
note "$out"
plan_shows "$out" 'www\.example\.com\.? .*A' "$PRIMARY_A" "$BACKUP_A" \
    "www.example.com A 192.0.2.10 -> 198.51.100.20"
plan_shows "$out" 'www\.example\.com\.? .*AAAA' "$PRIMARY_AAAA" "$BACKUP_AAAA" \
    "www.example.com AAAA 2001:db8::10 -> 2001:db8:1::20"
plan_shows "$out" '(^|[^.a-z])example\.com\.? .*A' "$PRIMARY_A" "$BACKUP_A" \
    "example.com A (the apex)"
plan_shows "$out" '(^|[^.a-z])example\.com\.? .*AAAA' "$PRIMARY_AAAA" \
    "$BACKUP_AAAA" "example.com AAAA (the apex)"
plan_shows "$out" 'www\.example\.org\.? .*A' "$PRIMARY_A" "$BACKUP_A" \
    "www.example.org A"
plan_shows "$out" 'www\.example\.org\.? .*AAAA' "$PRIMARY_AAAA" "$BACKUP_AAAA" \
    "www.example.org AAAA"
like "$out" "rfc2136" "plan names the method"
like "$out" "127\.0\.0\.1#$DNS_PORT" "plan names the server and port"
unlike "$out" '(^|[^.a-z])example\.org\.? .*(->|→)' \
    "example.org @ (not managed) is not in the plan"

unchanged "after failover --dry-run"
is "$(status_field 'd["state"]')" STANDBY "state still STANDBY"
is "$(history_field 'len(d["cycles"])')" "$ncycles" \
    "no history row added by the dry run"

# --- a move the spares would stop: the plan, what stops it, --force ----------
command -v curl > /dev/null 2>&1 ||
    bail_out "missing program: curl (install it: sh t/lib/deps.sh --install)"
vote_key "$SC_DIR/vote.key" || bail_out "vote key"
spare_start paris "$PRIMARY_PORT" || bail_out "spare paris did not start"
SC_EXTRA="
[quorum]
secret_file = $SC_DIR/vote.key
need        = 1
[spare:paris]
url = $(spare_url paris)"
scenario_write_conf
run_fa failover --dry-run
is "$FA_RC" 0 "failover --dry-run, the spare sees the primary up: exit 0"
like "$FA_OUT" "plan: PARTITION: spares see the primary up" "the plan: PARTITION"
like "$FA_OUT" "what stops it: spares see the primary up" "what would stop it"
like "$FA_OUT" "with --force .*: FAILOVER: manual failover \\(--force: quorum skipped\\)" \
    "and what --force would do"
plan_shows "$FA_OUT" 'www\.example\.com\.? .*A' "$PRIMARY_A" "$BACKUP_A" \
    "the --force plan, record by record"
unchanged "after a dry run the spares would stop"
run_fa failover
is "$FA_RC" 1 "failover with a healthy primary: exit 1"
like "$FA_OUT" "PARTITION: spares see the primary up" "it answers PARTITION"
like "$FA_OUT" "failover --force skips the spares' vote" "and names --force"
unchanged "after the refused failover"
run_fa failback --dry-run
like "$FA_OUT" "plan: NOOP: already failed back" "failback --dry-run from STANDBY: nothing to do"
like "$FA_OUT" "what stops it: already failed back" "and says so"
spare_stop paris
SC_EXTRA=
scenario_write_conf
ncycles=$(history_field 'len(d["cycles"])')

# --- the primary down makes no difference to a dry run ------------------------
primary_stop "$SC_DIR/primary"
run_fa failover --dry-run
is "$FA_RC" 0 "failover --dry-run with the primary down: exit 0"
unchanged "after a dry run with the primary down"
is "$(status_field 'd["primary_status"]')" OK \
    "the dry run did not count as a failed cycle (status still OK)"
is "$(history_field 'len(d["cycles"])')" "$ncycles" "still no history row added"

done_testing
