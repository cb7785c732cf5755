#!/bin/sh
# 81-virtualmin.t: method = virtualmin against t/lib/virtualmin_double.py, a
# stand-in for Virtualmin's remote API (HTTPS with a certificate made here,
# basic auth, HTTP 200 even on failure) that applies what it accepts to our
# real BIND with nsupdate.  Failover and failback end to end (one
# modify-dns call per zone, confirmed by dig); TLS is verified; a wrong
# password, a user without the remote API, an unknown domain, an API that
# says "success" and changes nothing, and a record changed by hand each give
# a plain message, exit 1, and never a false ACTIVE.
FA_TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$FA_TOP/t/lib/scenario.sh"
. "$FA_TOP/t/lib/apidouble.sh"
double_scenario_setup

VM=$SC_DIR/vm
mkdir "$VM"
VM_PW=$(od -An -tx1 -N12 /dev/urandom | tr -d ' \n')
echo failover > "$VM/user"
(umask 077 && echo "$VM_PW" > "$VM/password")
printf 'example.com\nexample.org\n' > "$VM/domains"
echo "$DNS_PORT $KEY_FILE" > "$VM/dns"
double_start "$VM" virtualmin_double.py || bail_out "the Virtualmin double"

VM_PWFILE=$SC_DIR/virtualmin.pw
(umask 077 && echo "$VM_PW" > "$VM_PWFILE")
VM_SECTION="[virtualmin]
url           = $(double_url "$VM")/virtual-server/remote.cgi
user          = failover
password_file = $VM_PWFILE"
SC_DNS_METHOD=virtualmin
SC_EXTRA="$VM_SECTION
ca_file       = $VM/cert.pem"
scenario_write_conf


# --- config-test: list-domains over verified TLS --------------------------
run_fa config-test
is "$FA_RC" 0 "config-test: exit 0"
like "$FA_OUT" "configuration OK" "config-test: configuration OK"
is "$(calls '" ".join(dict(x["params"])["program"] for x in c)')" \
    list-domains "config-test made one harmless call: list-domains"
SC_EXTRA=$VM_SECTION
scenario_write_conf
run_fa config-test
is "$FA_RC" 2 "without ca_file the self-signed certificate is refused: exit 2"
like "$FA_ERR" "[Cc]ertificate|SSL|TLS" "config-test says why (certificate)"
SC_EXTRA="$VM_SECTION
ca_file       = $VM/cert.pem"
scenario_write_conf

# --- failover and failback end to end -------------------------------------
run_fa check
is "$(status_field 'd["state"]')" STANDBY "first check: STANDBY"
: > "$VM/calls.log"
failover_by_checks "Virtualmin"
is "$(dig_ttl www.example.com A)" 1 "record TTL from add-record-with-ttl"
is "$(dig_a example.org)" "$PRIMARY_A" "example.org @ (not managed) untouched"
is "$(calls '" ".join(dict(x["params"])["program"] + ":" + dict(x["params"])["domain"] for x in c)')" \
    "get-dns:example.com modify-dns:example.com get-dns:example.com get-dns:example.org modify-dns:example.org get-dns:example.org" \
    "per zone: get-dns (the names as the zone spells them), one modify-dns, get-dns (what is left)"
is "$(calls '" ".join(sorted(set(x["method"] for x in c)))')" "POST" \
    "sent as POST (nothing in the URL)"
is "$(calls 'sorted(v for x in c for k, v in x["params"] if k == "remove-record" and dict(x["params"])["domain"] == "example.com")')" \
    '["example.com. A", "example.com. AAAA", "www.example.com. A", "www.example.com. AAAA"]' \
    "example.com: remove-record per owner and type"
is "$(calls 'sorted(v for x in c for k, v in x["params"] if k == "add-record-with-ttl" and dict(x["params"])["domain"] == "example.org")')" \
    "[\"www.example.org. A 1 $BACKUP_A\", \"www.example.org. AAAA 1 $BACKUP_AAAA\"]" \
    "example.org: add-record-with-ttl NAME TYPE TTL ADDR"
is "$(calls '[k for x in c for k, v in x["params"] if k == "ttl"]')" "[]" \
    "never ttl= (it would set the zone default, not the records')"
is "$(calls 'sorted(set(dict(x["params"]).get("json") for x in c))')" '["1"]' \
    "json=1 on every call"
like "$(history_field '" ".join(a["detail"] for a in d["cycles"][0]["actions"])')" \
    "says modify-dns succeeded.*verified on 127.0.0.1#$DNS_PORT" \
    "history: Virtualmin said success, and DNS confirmed it"

primary_start "$SC_DIR/primary" "$PRIMARY_PORT"
check_until_state STANDBY 60
ok $? "failback through Virtualmin: STANDBY"
dns_points_at "after the failback" "$PRIMARY_A" "$PRIMARY_AAAA"

# --- a zone file that spells a name in upper case ---------------------------
# modify-dns removes only an exact, case-sensitive name match and exits 0:
# "www.example.com. A" would leave "WWW.example.com." beside the new one.
echo "WWW.example.com." > "$VM/case"
: > "$VM/calls.log"
primary_stop "$SC_DIR/primary"
check_until_state ACTIVE 60
ok $? "failover with WWW.example.com. in the zone file: ACTIVE"
is "$(dig_a www.example.com)" "$BACKUP_A" "www.example.com A: the backup's only (the old record removed)"
is "$(dig_aaaa www.example.com)" "$BACKUP_AAAA" "www.example.com AAAA: the backup's only"
is "$(calls 'sorted(v for x in c for k, v in x["params"] if k in ("remove-record", "add-record-with-ttl") and v.lower().startswith("www.example.com."))')" \
    "[\"WWW.example.com. A\", \"WWW.example.com. A 1 $BACKUP_A\", \"WWW.example.com. AAAA\", \"WWW.example.com. AAAA 1 $BACKUP_AAAA\"]" \
    "the name sent as the zone spells it: WWW.example.com."
primary_start "$SC_DIR/primary" "$PRIMARY_PORT"
check_until_state STANDBY 60
ok $? "failback with the upper-case name: STANDBY"
dns_points_at "after the failback (upper-case name)" "$PRIMARY_A" "$PRIMARY_AAAA"
rm -f "$VM/case"

# --- a wrong password -------------------------------------------------------
(umask 077 && echo "wrong-password-42" > "$VM_PWFILE")
primary_stop "$SC_DIR/primary"
check_until_err "Virtualmin refused user 'failover' and its password \(401\)" 60
ok $? "the failover's run says Virtualmin refused the user and password (401)"
is "$FA_RC" 1 "exit 1"
isnt "$(status_field 'd["state"]')" ACTIVE "not ACTIVE"
is "$(dig_a www.example.com)" "$PRIMARY_A" "DNS unchanged"
all=$(cat "$SC_DIR/fa.err"; fa history -n 1000 --json 2>&1)
unlike "$all" "wrong-password-42" "the password is not in logs or history"
unlike "$all" "$VM_PW" "nor is the real one"
(umask 077 && echo "$VM_PW" > "$VM_PWFILE")

# --- a user without the right to use the remote API: "ERROR:", HTTP 200 ---
touch "$VM/noremote"
run_fa config-test
is "$FA_RC" 2 "config-test, user without remote API: exit 2"
like "$FA_ERR" "ERROR: You are not allowed to use the remote API" \
    "config-test quotes remote.cgi's ERROR: line"
check_until_err "Virtualmin refused the change: ERROR: You are not allowed" 60
ok $? "a failover says Virtualmin refused the change: ERROR: ..."
is "$FA_RC" 1 "exit 1"
is "$(dig_a www.example.com)" "$PRIMARY_A" "DNS unchanged"
rm -f "$VM/noremote"

# --- "success" that changed nothing: DNS says otherwise ---------------------
touch "$VM/lie"
SC_DNS_EXTRA="verify_timeout = 1s"
scenario_write_conf
check_until_err "Virtualmin at .* says modify-dns succeeded, but the zone still holds .*www.example.com. A $PRIMARY_A" 60
ok $? "the double says success without changing anything: the run names what the zone still holds"
is "$FA_RC" 1 "exit 1"
isnt "$(status_field 'd["state"]')" ACTIVE "not ACTIVE on the API's word alone"
is "$(dig_a www.example.com)" "$PRIMARY_A" "DNS still holds the primary's"
rm -f "$VM/lie"
SC_DNS_EXTRA=
scenario_write_conf

# --- a record changed by hand: a conflict, left alone -----------------------
primary_start "$SC_DIR/primary" "$PRIMARY_PORT"
check_until_state STANDBY 60
ok $? "STANDBY again"
nsupdate_by_hand example.com "update delete www.example.com. A
update add www.example.com. 300 A 203.0.113.7"
primary_stop "$SC_DIR/primary"
check_until_err "[Cc]onflict" 60
ok $? "the failover's run says conflict"
is "$FA_RC" 1 "exit 1"
is "$(dig_a www.example.com)" 203.0.113.7 "the hand-made record is left alone"
is "$(dig_aaaa www.example.com)" "$PRIMARY_AAAA" "its AAAA too"
is "$(dig_a www.example.org)" "$BACKUP_A" "example.org (no conflict) moved"
isnt "$(status_field 'd["state"]')" ACTIVE "not ACTIVE"
nsupdate_by_hand example.com "update delete www.example.com. A
update add www.example.com. 300 A $PRIMARY_A"

# --- an unknown domain: HTTP 200 and "failure" ------------------------------
primary_start "$SC_DIR/primary" "$PRIMARY_PORT"
nsupdate_by_hand example.com "update delete example.com. A
update delete example.com. AAAA
update add example.com. 300 A $PRIMARY_A
update add example.com. 300 AAAA $PRIMARY_AAAA"
nsupdate_by_hand example.org "update delete www.example.org. A
update delete www.example.org. AAAA
update add www.example.org. 300 A $PRIMARY_A
update add www.example.org. 300 AAAA $PRIMARY_AAAA"
check_until_state STANDBY 60
ok $? "DNS put back by hand: STANDBY"
echo example.com > "$VM/domains"
run_fa config-test
is "$FA_RC" 2 "config-test with a zone Virtualmin does not manage: exit 2"
like "$FA_ERR" "example.org is not a domain that Virtualmin user 'failover' manages" \
    "config-test names the zone"
primary_stop "$SC_DIR/primary"
check_until_err "Virtualmin refused the change: Domain example.org does not exist" 60
ok $? "the failover's run says Virtualmin refused the change: Domain example.org does not exist"
is "$FA_RC" 1 "exit 1"
is "$(dig_a www.example.org)" "$PRIMARY_A" "example.org unchanged"
isnt "$(status_field 'd["state"]')" ACTIVE "not ACTIVE"

done_testing
