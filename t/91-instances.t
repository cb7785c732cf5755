#!/bin/sh
# 91-instances.t: several services on one backup host (issue 14): one
# config per instance in one directory, each with its own state database
# and lock; `status --all` summarises them (text and JSON), reading each
# config and database only.
FA_TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$FA_TOP/t/lib/scenario.sh"
scenario_require
scenario_setup || bail_out "scenario setup (named, primary, config)"

ETC=$SC_DIR/etc
mkdir "$ETC"
for i in shop blog; do
	sed "s|^state_db .*|state_db      = $SC_DIR/$i.db|" "$CONF" > "$ETC/$i.conf"
done
cp "$CONF" "$ETC/failover-agent.conf.example"

FA_LOG_STDERR=1 "$FA" -c "$ETC/shop.conf" check 2>/dev/null
is "$?" 0 "instance shop: a cycle"
primary_stop "$SC_DIR/primary"
FA_LOG_STDERR=1 "$FA" -c "$ETC/blog.conf" check 2>/dev/null
is "$?" 1 "instance blog: a cycle that sees the primary fail"
test -e "$SC_DIR/shop.db.lock" && test -e "$SC_DIR/blog.db.lock"
ok $? "each instance has its own database and lock"

out=$("$FA" -c "$ETC/shop.conf" status --all)
is "$?" 0 "status --all: exit 0"
is "$(echo "$out" | wc -l | tr -d ' ')" 2 "one line per *.conf (the .example is not one)"
like "$(echo "$out" | sed -n 1p)" "^blog +STANDBY +primary WARN +last cycle NOOP" \
    "blog: STANDBY, primary WARN"
like "$(echo "$out" | sed -n 2p)" "^shop +STANDBY +primary OK +last cycle NOOP" \
    "shop: STANDBY, primary OK"
json=$("$FA" -c "$ETC/blog.conf" status --all --json)
is "$(echo "$json" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(" ".join(o["instance"]+":"+o["state"]+":"+o["primary_status"] for o in d))')" \
    "blog:STANDBY:WARN shop:STANDBY:OK" "status --all --json: both, from either config's directory"

echo "[agent" > "$ETC/broken.conf"
out=$("$FA" -c "$ETC/shop.conf" status --all)
is "$?" 1 "a broken instance config: exit 1"
like "$out" "broken +.*broken.conf:1:" "... named with its FILE:LINE error; the others still shown"

done_testing
