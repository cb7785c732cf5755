#!/bin/sh
# 89-packaging.t: what `make install` puts on a machine (issue 6).
#   - the man pages pass `mandoc -Tlint` (warnings and worse) and
#     `groff -mdoc -ww -z` without a word;
#   - failover-agent(8) names every command of `failover-agent --help`, and
#     failover-agent.conf(5) every section and key of the config's
#     descriptor tables (`failover-agent config-keys`);
#   - the systemd units pass `systemd-analyze verify`, carry the hardening
#     (a dedicated user, NoNewPrivileges, ProtectSystem=strict, no
#     capability, ...) and systemd rates their exposure OK;
#   - the cron.d file is a valid line running `check` as failover-agent;
#   - `make install DESTDIR=... PREFIX=/usr` installs the binary, the man
#     pages, the units (naming /usr/sbin/failover-agent), the examples.
FA_TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$FA_TOP/t/lib/tap.sh"
cd "$FA_TOP" || bail_out "cd $FA_TOP"

B=${FA_BUILD:-build}
case $B in /*) ;; *) B=$FA_TOP/$B ;; esac
FA=$B/failover-agent
[ -x "$FA" ] || bail_out "no failover-agent binary at $FA (run make)"
for p in mandoc groff systemd-analyze make; do
	command -v "$p" > /dev/null 2>&1 ||
	    bail_out "missing program: $p (install it: sh t/lib/deps.sh --install)"
done
TMP=$(mktemp -d "${TMPDIR:-/tmp}/fa-pkg.XXXXXX") || bail_out "mktemp"
trap 'rm -rf "$TMP"' EXIT

MAN8=man/failover-agent.8
MAN5=man/failover-agent.conf.5

# --- man pages ----------------------------------------------------------------
for m in $MAN8 $MAN5; do
	out=$(mandoc -Tlint -Wwarning "$m" 2>&1)
	rc=$?
	is "$rc:$out" "0:" "mandoc -Tlint -Wwarning $m: nothing to say"
	out=$(groff -mdoc -ww -z "$m" 2>&1)
	rc=$?
	is "$rc:$out" "0:" "groff -mdoc -ww -z $m: nothing to say"
done

# Every command of the usage text is a .Cm in failover-agent(8).
cmds=$("$FA" --help | sed -n 's/^  \([a-z-]*\).*/\1/p')
isnt "$cmds" "" "(the commands of failover-agent --help were read)"
missing=
for c in $cmds; do
	c_man=$(printf '%s' "$c" | sed 's/-/\\\\-/g')
	grep -q "^\\.Cm $c_man\\( \\|\$\\)" "$MAN8" || missing="$missing $c"
done
is "$missing" "" "failover-agent.8 describes every command ($(echo $cmds))"
for o in json nagios since outcome force dry-run; do
	o_man=$(printf '%s' "$o" | sed 's/-/\\\\-/g')
	grep -q "Fl \\\\-$o_man" "$MAN8" || missing="$missing --$o"
done
is "$missing" "" "and every option"
for x in 0 1 2 75; do
	grep -q "^\\.It $x\$" "$MAN8" || missing="$missing $x"
done
is "$missing" "" "and every exit status (EXIT STATUS: 0 1 2 75)"

# Every key of every section, from the loader's descriptor tables: the
# hidden command config-keys prints "SECTION KEY TYPE DOC" for each.
desc=$("$FA" config-keys)
is "$?" 0 "failover-agent config-keys"
undoc=$(printf '%s\n' "$desc" | awk 'NF < 4 { print "[" $1 "] " $2 }')
is "$undoc" "" "every key of the tables has its line of documentation"
twice=$(printf '%s\n' "$desc" | awk '{ print $1, $2 }' | sort | uniq -d)
is "$twice" "" "no key is described twice in a section"
keys=$(printf '%s\n' "$desc" | awk '{ print $2 }' | sort -u)
isnt "$keys" "" "(the descriptor tables' keys were read: $(echo $keys | wc -w))"
missing=
for k in $keys; do
	grep -q "^\\.It Cm \\(.*[ ,]\\)\\?$k\\( \\|\$\\|,\\)" "$MAN5" ||
	    missing="$missing $k"
done
is "$missing" "" "failover-agent.conf.5 documents every key of the descriptor tables" ||
    diag "add an '.It Cm KEY No = ...' item for each to man/failover-agent.conf.5"
# [check:NAME] and [check:TYPE] are one .Ss; [zone:], [spare:] lose the ':'.
sections=$(printf '%s\n' "$desc" | awk '{ print $1 }' |
    sed 's/^check:.*/check/; s/:$//' | sort -u)
missing=
for s in $sections; do
	grep -q "^\\.Ss \\[$s" "$MAN5" ||
	    grep -q "^\\.Ss .*\\[$s" "$MAN5" || missing="$missing [$s]"
done
is "$missing" "" "and every section ($(echo $sections))" ||
    diag "add a '.Ss [SECTION]' to man/failover-agent.conf.5"

# --- systemd units ----------------------------------------------------------------
UNITS="failover-agent.service failover-agent.timer failover-agent-run.service failover-vote.service"
mkdir "$TMP/units"
for u in $UNITS; do
	[ -f "etc/$u" ] || fail "etc/$u exists"
	# Verified against this build's binary (ExecStart must exist).
	sed "s|/usr/local/sbin/failover-agent|$FA|" "etc/$u" > "$TMP/units/$u"
done
out=$(cd "$TMP/units" && systemd-analyze verify --man=no $UNITS 2>&1)
rc=$?
is "$rc:$out" "0:" "systemd-analyze verify: nothing to say"
for u in failover-agent.service failover-agent-run.service failover-vote.service; do
	missing=
	for line in User=failover-agent Group=failover-agent NoNewPrivileges=yes \
	    ProtectSystem=strict ReadWritePaths=/var/lib/failover-agent \
	    ProtectHome=yes PrivateTmp=yes CapabilityBoundingSet= \
	    "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK" \
	    SystemCallFilter=@system-service StateDirectory=failover-agent; do
		grep -qx -- "$line" "etc/$u" || missing="$missing '$line'"
	done
	is "$missing" "" "$u: the hardening lines"
	out=$(cd "$TMP/units" && systemd-analyze security --offline=yes \
	    --threshold=25 "$u" 2>&1)
	ok $? "$u: systemd-analyze security: exposure at most 2.5 ($(printf '%s\n' "$out" | sed -n 's/.*Overall exposure level for [^:]*: //p'))"
done
grep -q '^ExecStart=/usr/local/sbin/failover-agent check$' etc/failover-agent.service
ok $? "failover-agent.service runs check"
grep -q '^SuccessExitStatus=75$' etc/failover-agent.service
ok $? "a cycle that finds another one running (75) is not a failure"
grep -q '^ExecStart=/usr/local/sbin/failover-agent run$' etc/failover-agent-run.service
ok $? "failover-agent-run.service runs run"
grep -q '^ExecReload=/bin/kill -HUP \$MAINPID$' etc/failover-agent-run.service
ok $? "systemctl reload sends SIGHUP"
grep -q 'vote-server$' etc/failover-vote.service
ok $? "failover-vote.service runs vote-server"

# --- cron ---------------------------------------------------------------------------
line=$(grep -v '^#' etc/failover-agent.cron | grep -v '^[A-Z]*=' | grep -v '^$')
is "$(printf '%s\n' "$line" | wc -l)" 1 "the cron.d file has one job"
set -f
set -- $line
set +f
is "$#" 8 "five time fields, a user, the command and check"
is "$1 $2 $3 $4 $5" "*/1 * * * *" "every minute"
is "$6" failover-agent "as the user failover-agent"
is "$7 $8" "/usr/local/sbin/failover-agent check" "failover-agent check"

# --- make install -------------------------------------------------------------------
D=$TMP/stage
out=$(make -s install O="$B" DESTDIR="$D" PREFIX=/usr 2>&1)
ok $? "make install DESTDIR=... PREFIX=/usr" || diag "$out"
for f in usr/sbin/failover-agent usr/share/man/man8/failover-agent.8 \
    usr/share/man/man5/failover-agent.conf.5 \
    etc/failover-agent/failover-agent.conf.example \
    usr/share/doc/failover-agent/examples/failover-agent.conf.example \
    usr/share/doc/failover-agent/examples/failover-agent-spare.conf.example \
    usr/share/doc/failover-agent/examples/failover-agent.cron \
    usr/share/doc/failover-agent/README.md; do
	test -f "$D/$f"
	ok $? "installed: /$f"
done
for u in $UNITS; do
	test -f "$D/usr/lib/systemd/system/$u"
	ok $? "installed: /usr/lib/systemd/system/$u"
done
grep -q '^ExecStart=/usr/sbin/failover-agent run$' \
    "$D/usr/lib/systemd/system/failover-agent-run.service"
ok $? "the installed unit names /usr/sbin/failover-agent"
grep -q ' /usr/sbin/failover-agent check$' \
    "$D/usr/share/doc/failover-agent/examples/failover-agent.cron"
ok $? "so does the installed cron example"
is "$(stat -c %a "$D/usr/sbin/failover-agent")" 755 "the binary is 755"
is "$(stat -c %a "$D/usr/share/man/man8/failover-agent.8")" 644 "man pages 644"
out=$(make -s install O="$B" DESTDIR="$TMP/unit2" PREFIX=/opt/fa \
    UNITDIR=/etc/systemd/system 2>&1)
ok $? "make install UNITDIR=/etc/systemd/system" || diag "$out"
test -f "$TMP/unit2/etc/systemd/system/failover-agent.timer" &&
    test -f "$TMP/unit2/opt/fa/share/man/man5/failover-agent.conf.5"
ok $? "UNITDIR and MANDIR follow the variables"

done_testing
