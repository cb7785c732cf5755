#!/bin/sh
# 92-deb.t: the Debian package (issue 14), built from a copy of the tree
# with `make deb`, checked by lintian (no error, no warning: each is fixed
# or overridden with a reason in debian/), installed on this machine, used,
# removed and purged:
#   - the packaged binary prints the changelog's version and passes
#     config-test on a config written here;
#   - the system user failover-agent and /var/lib/failover-agent (700,
#     its own) exist; /etc/failover-agent holds the examples and no config,
#     so the units' ConditionPathExists keeps them from starting;
#   - the template units verify with an instance;
#   - remove keeps the state, purge removes it.
# Needs root (dpkg -i); .ci/run is root.
FA_TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$FA_TOP/t/lib/tap.sh"
cd "$FA_TOP" || bail_out "cd $FA_TOP"
[ "$(id -u)" = 0 ] || bail_out "92-deb.t installs a package: run it as root"
for p in dpkg-buildpackage lintian dh systemd-analyze; do
	command -v "$p" > /dev/null 2>&1 ||
	    bail_out "missing program: $p (sh t/lib/deps.sh --install)"
done
TMP=$(mktemp -d "${TMPDIR:-/tmp}/fa-deb.XXXXXX") || bail_out "mktemp"
cleanup() {
	dpkg --purge failover-agent > /dev/null 2>&1
	rm -rf "$TMP"
}
trap cleanup EXIT
# Not ours to replace: a failover-agent installed by hand stays.
if dpkg -s failover-agent > /dev/null 2>&1; then
	bail_out "failover-agent is installed on this machine already"
fi

VERSION=$(dpkg-parsechangelog -l debian/changelog -S Version)
make deb O="$TMP/b" > "$TMP/build.log" 2>&1
ok $? "make deb builds (log: build.log)" || tail -20 "$TMP/build.log" | sed 's/^/# /'
DEB=$TMP/b/deb/failover-agent_${VERSION}_$(dpkg --print-architecture).deb
test -f "$DEB"
ok $? "it gives $(basename "$DEB")"

out=$(lintian --fail-on error,warning "$DEB" 2>&1 | grep -v '^running with root')
is "$out" "" "lintian: nothing to say (errors and warnings fixed or overridden)"
deps=$(dpkg-deb -f "$DEB" Depends)
like "$deps" "libldns3.*libmicrohttpd12|libmicrohttpd12.*libldns3" \
    "Depends comes from \${shlibs:Depends} ($deps)"

dpkg -i "$DEB" > "$TMP/install.log" 2>&1
ok $? "dpkg -i" || sed 's/^/# /' "$TMP/install.log"
is "$(/usr/sbin/failover-agent --version)" "failover-agent $VERSION" \
    "--version prints the package's version"
id failover-agent > /dev/null 2>&1
ok $? "the system user failover-agent exists"
is "$(stat -c '%a %U' /var/lib/failover-agent)" "700 failover-agent" \
    "/var/lib/failover-agent: 700, the agent's"
is "$(stat -c '%a %U:%G' /etc/failover-agent)" "750 root:failover-agent" \
    "/etc/failover-agent: 750 root:failover-agent"
is "$(ls /etc/failover-agent)" "failover-agent.conf.example" \
    "/etc/failover-agent: the example, no active config"
test -e /usr/lib/systemd/system/failover-agent@.service &&
    test -e /usr/lib/systemd/system/failover-vote@.service
ok $? "the template units are installed"
grep -q '^ConditionPathExists=/etc/failover-agent/failover-agent.conf$' \
    /usr/lib/systemd/system/failover-agent.service
ok $? "failover-agent.service starts only once a config exists"

# A spare's config (no DNS, no network at config-test) written here.
mkdir -p "$TMP/etc"
python3 -c 'import secrets; print(secrets.token_hex(32))' > "$TMP/etc/vote.key"
chmod 600 "$TMP/etc/vote.key"
cat > "$TMP/etc/shop.conf" <<EOC
[agent]
name     = spare-shop
role     = spare
state_db = $TMP/spare.db
[check:web]
type    = tcp
host    = 127.0.0.1
port    = 9
timeout = 1
[quorum]
secret_file = $TMP/etc/vote.key
[vote]
listen = 127.0.0.1:18053
EOC
/usr/sbin/failover-agent -c "$TMP/etc/shop.conf" config-test > "$TMP/ct.out" 2>&1
is "$?" 0 "the packaged binary: config-test on a spare's config" ||
    sed 's/^/# /' "$TMP/ct.out"

mkdir "$TMP/units"
for u in failover-agent@.service failover-agent@.timer \
    failover-agent-run@.service failover-vote@.service; do
	cp "/usr/lib/systemd/system/$u" "$TMP/units/$(echo "$u" | sed 's/@/@shop/')"
done
out=$(cd "$TMP/units" && systemd-analyze verify --man=no \
    failover-agent@shop.service failover-agent@shop.timer \
    failover-agent-run@shop.service failover-vote@shop.service 2>&1)
is "$?:$out" "0:" "systemd-analyze verify: the template units with an instance"

: > /var/lib/failover-agent/state.db
dpkg -r failover-agent > /dev/null 2>&1
ok $? "dpkg -r"
test -e /var/lib/failover-agent/state.db
ok $? "remove keeps the state"
test -e /usr/sbin/failover-agent
ok $(( ! $? )) "... and removes the binary"
dpkg --purge failover-agent > /dev/null 2>&1
ok $? "dpkg --purge"
test -e /var/lib/failover-agent
ok $(( ! $? )) "purge removes the state"

done_testing
