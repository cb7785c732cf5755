#!/bin/sh
# deps.sh: the Debian packages that building, testing and the demo need.
#
#   sh t/lib/deps.sh --check     list what is missing; exit 1 if anything is
#   sh t/lib/deps.sh --install   nothing to do if all are there; as root,
#                                apt-get install the missing ones; otherwise
#                                print them and the command to run, exit 1
#   sh t/lib/deps.sh --list      print the whole list, one per line
#
# Debian 12 (bookworm) names; Ubuntu 22.04 and later use the same ones.

PACKAGES="
build-essential
pkg-config
libldns-dev
libcurl4-openssl-dev
libsqlite3-dev
libinih-dev
libjansson-dev
libssl-dev
libmicrohttpd-dev
libmariadb-dev
default-libmysqlclient-dev
bind9
bind9-utils
bind9-dnsutils
monitoring-plugins-basic
knot
pdns-server
pdns-backend-sqlite3
curl
openssl
sqlite3
mariadb-server
mariadb-client
python3
perl
procps
iproute2
nftables
ca-certificates
util-linux
mandoc
groff-base
systemd
debhelper
lintian
dpkg-dev
clang
libclang-rt-14-dev
valgrind
"

installed() {
	[ "$(dpkg-query -W -f='${db:Status-Abbrev}' "$1" 2>/dev/null)" = "ii " ]
}

missing() {
	for p in $PACKAGES; do
		installed "$p" || echo "$p"
	done
}

usage() {
	echo "usage: sh t/lib/deps.sh --check | --install | --list" >&2
	exit 2
}

[ $# -eq 1 ] || usage
case $1 in
--list)
	for p in $PACKAGES; do echo "$p"; done
	exit 0
	;;
--check|--install)
	;;
*)
	usage
	;;
esac

if ! command -v dpkg-query > /dev/null 2>&1; then
	echo "deps.sh: no dpkg-query: not a Debian system; install the" \
	    "equivalents of:" $PACKAGES >&2
	exit 1
fi

MISSING=$(missing | tr '\n' ' ' | sed 's/ $//')
if [ -z "$MISSING" ]; then
	echo "deps.sh: every package needed is installed"
	exit 0
fi

if [ "$1" = --check ]; then
	echo "deps.sh: missing Debian packages: $MISSING"
	exit 1
fi

if [ "$(id -u)" != 0 ]; then
	echo "deps.sh: missing Debian packages: $MISSING" >&2
	echo "deps.sh: install them as root with:" >&2
	echo "  apt-get update && apt-get install -y $MISSING" >&2
	exit 1
fi

echo "deps.sh: installing: $MISSING"
export DEBIAN_FRONTEND=noninteractive
# shellcheck disable=SC2086
apt-get update && apt-get install -y $MISSING || {
	echo "deps.sh: apt-get failed" >&2
	exit 1
}
STILL=$(missing | tr '\n' ' ' | sed 's/ $//')
if [ -n "$STILL" ]; then
	echo "deps.sh: still missing after apt-get: $STILL" >&2
	exit 1
fi
echo "deps.sh: done"
