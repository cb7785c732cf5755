#!/bin/sh
# 90-mysql.t: issue 5 against two real MariaDB servers (GTID replication
# primary -> replica, the replica being the backup site's own database),
# real BIND and the stand-in web primary: config-test reads the grants; the
# mysql check sees a healthy replica, a stopped IO or SQL thread, lag, and
# counts "too many connections" as up; a failover waits for the relay log
# (a lock held on the replica while the primary wrote), then promotes the
# replica and moves DNS; writes on the promoted backup make the failback
# UNSAFE, naming their GTIDs, until `failback --force`, which puts the
# backup back to read_only; promote = read-only keeps it read-only and tells
# the hooks.
FA_TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$FA_TOP/t/lib/scenario.sh"
. "$FA_TOP/t/lib/mariadb.sh"
scenario_require
mariadb_require
scenario_setup || bail_out "scenario setup (named, primary, config)"

DBP=$SC_DIR/db-primary
DBR=$SC_DIR/db-replica
LOCKER_PID=
HOLDER_PID=
AGENT_PID=
mysql_test_cleanup() {
	for _p in $LOCKER_PID $HOLDER_PID $AGENT_PID; do
		kill "$_p" 2>/dev/null
		wait "$_p" 2>/dev/null
	done
	mariadb_cleanup "$DBP" "$DBR"
	scenario_cleanup
}
trap mysql_test_cleanup EXIT

scenario_port DBP_PORT || bail_out "no port"
scenario_port DBR_PORT || bail_out "no port"
mariadb_start "$DBP" "$DBP_PORT" 1 || bail_out "primary mariadbd"
mariadb_start "$DBR" "$DBR_PORT" 2 || bail_out "replica mariadbd"

# Users and data are made on the primary only and reach the replica through
# replication: a write made on the replica itself would be a transaction
# the primary lacks.
mariadb_sql "$DBP" "
CREATE USER repl@'127.0.0.1' IDENTIFIED BY 'replpw';
GRANT REPLICATION SLAVE ON *.* TO repl@'127.0.0.1';
CREATE USER monitor@'127.0.0.1' IDENTIFIED BY 'monpw';
GRANT SLAVE MONITOR ON *.* TO monitor@'127.0.0.1';
CREATE USER bare@'127.0.0.1' IDENTIFIED BY 'monpw';
CREATE USER failover@'localhost' IDENTIFIED BY 'fopw';
GRANT SLAVE MONITOR, READ_ONLY ADMIN, REPLICATION SLAVE ADMIN ON *.* TO failover@'localhost';
CREATE DATABASE shop;
CREATE TABLE shop.orders (id INT AUTO_INCREMENT PRIMARY KEY, note VARCHAR(64)) ENGINE=InnoDB;
INSERT INTO shop.orders (note) VALUES ('first');" ||
    bail_out "primary: users and data"
mariadb_sql "$DBR" "
CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=$DBP_PORT,
    MASTER_USER='repl', MASTER_PASSWORD='replpw', MASTER_USE_GTID=slave_pos,
    MASTER_CONNECT_RETRY=1;
SET GLOBAL read_only = ON;
START SLAVE;" || bail_out "replica: CHANGE MASTER"
mariadb_until "$DBR" "SELECT COUNT(*) FROM shop.orders" 1 ||
    bail_out "the replica does not replicate"
is "$(mariadb_sql "$DBR" "SELECT @@gtid_binlog_state")" \
    "$(mariadb_sql "$DBP" "SELECT @@gtid_binlog_state")" \
    "the replica holds what the primary wrote, nothing of its own"

printf 'monpw\n' > "$SC_DIR/monitor.pw"
printf 'fopw\n' > "$SC_DIR/failover.pw"
chmod 600 "$SC_DIR/monitor.pw" "$SC_DIR/failover.pw"
cat > "$SC_DIR/hook.sh" <<EOF
#!/bin/sh
echo "\$FA_EVENT FA_READ_ONLY=\$FA_READ_ONLY" >> "$SC_DIR/hook.log"
EOF
chmod 755 "$SC_DIR/hook.sh"

# mysql_conf PROMOTE WAIT: the main config (web + the primary's database,
# [mysql] on the replica's socket).
mysql_conf() {
	SC_EXTRA="
[check:db]
type          = mysql
host          = 127.0.0.1
port          = $DBP_PORT
user          = monitor
password_file = $SC_DIR/monitor.pw
timeout       = 2s
[mysql]
socket        = $DBR/sock
user          = failover
password_file = $SC_DIR/failover.pw
promote       = $1
wait_to_apply = $2
timeout       = 5s
[hooks]
after_failover = $SC_DIR/hook.sh
after_failback = $SC_DIR/hook.sh
"
	scenario_write_conf
}

# A second agent, with its own config and state, whose one check watches
# the replica: the replication outcomes of the mysql check.  fail_after is
# high: it never acts.
WCONF=$SC_DIR/watch.conf
watch_conf() {
	cat > "$WCONF" <<EOF
[agent]
name = watch
state_db = $SC_DIR/watch.db
fail_after = 100
[site:primary]
address = $PRIMARY_A
[site:backup]
address = $BACKUP_A
[check:replica]
type          = mysql
host          = 127.0.0.1
port          = $DBR_PORT
user          = monitor
password_file = $SC_DIR/monitor.pw
max_lag       = 1
timeout       = 2s
[dns]
server        = 127.0.0.1
port          = $DNS_PORT
tsig_key_file = $KEY_FILE
ttl           = 1
verify        = none
[zone:example.com]
records = www
EOF
}
watch_conf
# replica_check: one cycle of the watching agent; its check's "OUTCOME: DETAIL".
replica_check() {
	FA_LOG_STDERR=1 "$FA" -c "$WCONF" check > /dev/null 2>&1
	FA_LOG_STDERR=1 "$FA" -c "$WCONF" history -n 1 --json 2>/dev/null |
	    json_eval '(lambda c: c["outcome"] + ": " + c["detail"])(d["cycles"][0]["checks"][0])'
}

# --- config-test: the grants ---------------------------------------------
mysql_conf writable 20s
run_fa config-test
is "$FA_RC" 0 "config-test: exit 0 with the documented grants"
like "$FA_OUT" "\[check:db\]: MariaDB 10\.[0-9.]+ at 127\.0\.0\.1:$DBP_PORT: grants OK" \
    "config-test: the check's user has its grants"
like "$FA_OUT" "\[mysql\]: MariaDB .* grants OK" \
    "config-test: the [mysql] user has what promotion needs"
sed "s/^user          = monitor/user          = bare/" "$CONF" > "$SC_DIR/bare.conf"
FA_LOG_STDERR=1 "$FA" -c "$SC_DIR/bare.conf" config-test > "$SC_DIR/ct.out" 2>&1
is "$?" 2 "config-test without SLAVE MONITOR: exit 2"
like "$(cat "$SC_DIR/ct.out")" "bare.conf:[0-9]+: \[check:db\]: user bare lacks SLAVE MONITOR" \
    "config-test names the missing privilege, FILE:LINE"

# --- the check: healthy, IO/SQL thread stopped, lag, busy -----------------
out=$(replica_check)
like "$out" "^ok: 127\.0\.0\.1:$DBR_PORT MariaDB .*SELECT 1 ok; replica of 127\.0\.0\.1, 0s behind" \
    "healthy replica: ok, 0s behind ($out)"

# A server that accepts and never answers: the check's own deadline ends
# it (the library's non-blocking calls wait in the checks' event loop),
# while the other mysql check of the same cycle still gets its answer.
scenario_port SILENT_PORT || bail_out "no port"
primary_start "$SC_DIR/silent" "$SILENT_PORT" silent || bail_out "silent server"
sed "s/^records = www\$/records = www\n[check:silent]\ntype = mysql\nhost = 127.0.0.1\nport = $SILENT_PORT\nuser = monitor\ntimeout = 1s/" \
    "$WCONF" > "$SC_DIR/silent.conf"
FA_LOG_STDERR=1 "$FA" -c "$SC_DIR/silent.conf" check > /dev/null 2>&1
out=$(FA_LOG_STDERR=1 "$FA" -c "$SC_DIR/silent.conf" history -n 1 --json 2>/dev/null |
    json_eval '" / ".join(c["name"] + ": " + c["outcome"] + ": " + c["detail"] for c in d["cycles"][0]["checks"])')
like "$out" "silent: timeout: 127\.0\.0\.1:$SILENT_PORT: connect: no answer within 1s" \
    "a server that never answers: timeout, from the check's deadline"
like "$out" "replica: ok: " "the other mysql check of the cycle: ok"
primary_stop "$SC_DIR/silent"

mariadb_sql "$DBR" "STOP SLAVE IO_THREAD"
mariadb_until "$DBR" "SELECT COUNT(*) FROM information_schema.processlist WHERE command = 'Slave_IO'" 0 ||
    diag "the IO thread did not stop"
out=$(replica_check)
like "$out" "^io-thread-stopped: replication IO thread No" \
    "IO thread stopped: the check fails with that reason ($out)"
mariadb_sql "$DBR" "START SLAVE IO_THREAD"

mariadb_sql "$DBR" "STOP SLAVE SQL_THREAD"
out=$(replica_check)
like "$out" "^sql-thread-stopped: replication SQL thread No" \
    "SQL thread stopped: the check fails with that reason ($out)"
mariadb_sql "$DBR" "START SLAVE SQL_THREAD"

# Too many connections: MariaDB's smallest max_connections is 10; monitor
# holds them all (root, which has CONNECTION ADMIN, still gets in).  One
# client at a time, each polled until it is in (a client refused while our
# own polling connection held a slot is started again).
mariadb_sql "$DBR" "SET GLOBAL max_connections = 10"
HOLDER_PID=
monitors() {
	mariadb_sql "$DBR" "SELECT COUNT(*) FROM information_schema.processlist WHERE user = 'monitor'"
}
tries=0
while [ "$(monitors)" -lt 10 ] && [ $tries -lt 100 ]; do
	tries=$((tries + 1))
	before=$(monitors)
	mariadb --no-defaults -h127.0.0.1 -P"$DBR_PORT" -umonitor -pmonpw \
	    -e "SELECT SLEEP(60)" > /dev/null 2>&1 &
	HOLDER_PID="$HOLDER_PID $!"
	i=0
	while [ "$(monitors)" -le "$before" ] && kill -0 $! 2>/dev/null &&
	    [ $i -lt 100 ]; do
		i=$((i + 1)); sleep 0.05
	done
done
is "$(monitors)" 10 "monitor holds every connection the replica allows"
out=$(replica_check)
like "$out" "^ok: up but refusing logins: Too many connections" \
    "too many connections proves the server alive: counted as up ($out)"
mariadb_sql "$DBR" "SELECT CONCAT('KILL ', id, ';') FROM information_schema.processlist WHERE user = 'monitor'" > "$SC_DIR/kill.sql"
mariadb --no-defaults -S "$DBR/sock" -uroot < "$SC_DIR/kill.sql"
for p in $HOLDER_PID; do
	wait "$p" 2>/dev/null
done
HOLDER_PID=
mariadb_sql "$DBR" "SET GLOBAL max_connections = 151"

# --- steady state for the backup --------------------------------------------
mariadb_until "$DBR" "SELECT COUNT(*) FROM information_schema.processlist WHERE command = 'Slave_IO'" 1 ||
    diag "the IO thread did not restart"
run_fa check
is "$FA_RC" 0 "backup: first check, both databases healthy: exit 0"
is "$(status_field 'd["state"]')" STANDBY "backup: STANDBY"
like "$(history_field 'd["cycles"][0]["checks"][1]["detail"]')" "not a replica" \
    "the check on the primary's database: ok, not a replica"

# --- lag on purpose, then the primary dies ----------------------------------
# A second connection on the replica holds a lock on the table, so the SQL
# thread cannot apply what the primary writes.
mariadb --no-defaults -S "$DBR/sock" -uroot \
    -e "LOCK TABLES shop.orders WRITE; SELECT SLEEP(120)" > /dev/null 2>&1 &
LOCKER_PID=$!
mariadb_until "$DBR" "SELECT COUNT(*) FROM information_schema.processlist WHERE info = 'SELECT SLEEP(120)'" 1 ||
    diag "the lock holder did not start"
mariadb_sql "$DBP" "INSERT INTO shop.orders (note) VALUES ('second'), ('third');
INSERT INTO shop.orders (note) VALUES ('fourth');"
want_pos=$(mariadb_sql "$DBP" "SELECT @@gtid_binlog_pos")
i=0
while [ "$(mariadb_field "$DBR" Gtid_IO_Pos)" != "$want_pos" ] && [ $i -lt 100 ]; do
	i=$((i + 1)); sleep 0.1
done
is "$(mariadb_field "$DBR" Gtid_IO_Pos)" "$want_pos" \
    "the replica received everything ($want_pos)"
isnt "$(mariadb_sql "$DBR" "SELECT @@gtid_slave_pos")" "$want_pos" \
    "but has not applied it: the lag is real"
# Seconds_Behind_Master grows by itself: poll until it passes max_lag.
i=0
while out=$(replica_check); [ $i -lt 50 ]; do
	case $out in lagging:*) break ;; esac
	i=$((i + 1)); sleep 0.2
done
like "$out" "^lagging: replica [0-9]+s behind its source \(max_lag 1s\)" \
    "a replica further behind than max_lag: lagging ($out)"

mariadb_kill "$DBP"
ok $? "primary database killed"
primary_stop "$SC_DIR/primary"
run_fa check
is "$FA_RC" 1 "failed cycle 1: exit 1"
like "$(history_field 'd["cycles"][0]["checks"][1]["outcome"]')" "mysql-connect-failed" \
    "the database check says mysql-connect-failed"
run_fa check
is "$(status_field 'd["primary_status"]')" CRITICAL "failed cycle 2: CRITICAL"

# The third failed cycle fails over; the promotion waits for the lock.
FA_LOG_STDERR=1 "$FA" -c "$CONF" check > "$SC_DIR/fo.out" 2> "$SC_DIR/fo.err" &
AGENT_PID=$!
i=0
until grep -qs "waiting for the relay log to be applied" "$SC_DIR/fo.err"; do
	i=$((i + 1)); [ $i -lt 200 ] || break; sleep 0.05
done
like "$(cat "$SC_DIR/fo.err")" "waiting for the relay log to be applied: received $want_pos" \
    "the failover waits for the relay log"
is "$(dig_a www.example.com)" "$PRIMARY_A" "while it waits, DNS has not moved"
is "$(mariadb_sql "$DBR" "SELECT @@read_only")" 1 "while it waits, the replica is still read-only"
mariadb_sql "$DBR" "$(mariadb_sql "$DBR" "SELECT CONCAT('KILL ', id) FROM information_schema.processlist WHERE info = 'SELECT SLEEP(120)'")"
wait "$LOCKER_PID" 2>/dev/null
LOCKER_PID=
wait "$AGENT_PID"
rc=$?
AGENT_PID=
is "$rc" 1 "failover cycle: exit 1 (the primary fails its checks)"
is "$(status_field 'd["state"]')" ACTIVE "failed over: ACTIVE"
is "$(status_field 'd["last_cycle"]["outcome"]')" FAILOVER "outcome FAILOVER"
is "$(dig_a www.example.com)" "$BACKUP_A" "DNS moved to the backup"
is "$(mariadb_sql "$DBR" "SELECT COUNT(*) FROM shop.orders")" 4 \
    "the replica applied every row the primary wrote before it died"
is "$(mariadb_sql "$DBR" "SELECT @@read_only")" 0 "promoted: read_only OFF"
is "$(mariadb_field "$DBR" Slave_IO_Running) $(mariadb_field "$DBR" Slave_SQL_Running)" \
    "No No" "promoted: replication stopped"
acts=$(history_field '"\n".join(a["kind"] + " | " + a["result"] + " | " + a["detail"] for a in d["cycles"][0]["actions"])')
like "$acts" "mysql wait_to_apply \| ok \| relay log applied after waiting" \
    "history: the wait and its result"
like "$acts" "mysql promote \| ok \| GTID position at failover $want_pos; promote = writable: replication stopped, read_only OFF" \
    "history: the replica's GTID position at failover, and the promotion"
like "$(history_field '" ".join(a["kind"] for a in d["cycles"][0]["actions"])')" \
    "mysql wait_to_apply mysql promote dns to_backup" \
    "history: promotion before DNS"
like "$(cat "$SC_DIR/hook.log")" "after_failover FA_READ_ONLY=0" \
    "promote = writable: the hook gets FA_READ_ONLY=0"

# --- writes on the backup, the primary returns: failback refused -------------
mariadb_sql "$DBR" "INSERT INTO shop.orders (note) VALUES ('taken at the backup')"
backup_gtid=$(mariadb_sql "$DBR" "SELECT @@gtid_binlog_pos")
like "$backup_gtid" "^0-2-[0-9]+$" "the backup's own write has its own GTID ($backup_gtid)"
mariadb_start "$DBP" "$DBP_PORT" 1 || bail_out "primary mariadbd restart"
primary_start "$SC_DIR/primary" "$PRIMARY_PORT" || bail_out "web primary restart"
i=0
while [ "$(status_field 'd["last_cycle"]["outcome"]')" != UNSAFE ] && [ $i -lt 60 ]; do
	fa check 2>/dev/null
	i=$((i + 1))
	[ "$(status_field 'd["last_cycle"]["outcome"]')" = UNSAFE ] || sleep 0.2
done
is "$(status_field 'd["last_cycle"]["outcome"]')" UNSAFE \
    "primary OK again: the failback is refused as UNSAFE"
is "$(status_field 'd["state"]')" ACTIVE "refused: the state stays ACTIVE"
is "$(dig_a www.example.com)" "$BACKUP_A" "refused: DNS stays at the backup"
like "$(status_field 'd["last_cycle"]["message"]')" \
    "backup holds $backup_gtid that the primary lacks" \
    "the message names the GTIDs the primary lacks"
like "$(fa status 2>&1)" "WARNING: failback refused: .*$backup_gtid" \
    "status shows a WARNING line naming them"
run_fa check
is "$FA_RC" 0 "a cycle that waits for a person exits 0"
run_fa failback
is "$FA_RC" 1 "failback without --force: exit 1"
like "$FA_OUT" "^UNSAFE: .*$backup_gtid" "failback without --force says UNSAFE and which GTIDs"
is "$(status_field 'd["state"]')" ACTIVE "still ACTIVE"
run_fa failback --dry-run
like "$FA_OUT" "failback safety: the backup holds $backup_gtid that the primary lacks" \
    "failback --dry-run shows the comparison"
like "$FA_OUT" "plan: UNSAFE: " "and the refusal"

# --- failback --force ------------------------------------------------------
run_fa failback --force
is "$FA_RC" 0 "failback --force: exit 0"
like "$FA_OUT" "^FAILBACK: " "failback --force fails back"
is "$(status_field 'd["state"]')" STANDBY "STANDBY"
is "$(dig_a www.example.com)" "$PRIMARY_A" "DNS back at the primary"
is "$(mariadb_sql "$DBR" "SELECT @@read_only")" 1 "the backup is read_only again"
like "$(history_field '"\n".join(a["kind"] + " | " + a["detail"] for a in d["cycles"][0]["actions"])')" \
    "mysql demote \| read_only ON again; replication left stopped: re-point it at the primary by hand; the backup holds $backup_gtid that the primary lacks" \
    "history: the demotion, and the GTIDs the forced failback left behind"
like "$(cat "$SC_DIR/hook.log")" "after_failback FA_READ_ONLY=0" "the after_failback hook ran"

# --- wait_to_apply = -1 never promotes a replica that cannot apply --------
# The backup replicates again, but only receives: its SQL thread is stopped.
# (The primary's row gets an id of its own: the backup's own row took the
# next one, and applying a clash would stop the SQL thread for good.)
mariadb_sql "$DBR" "START SLAVE IO_THREAD"
mariadb_sql "$DBP" "INSERT INTO shop.orders (id, note) VALUES (100, 'after the failback')"
want_pos=$(mariadb_sql "$DBP" "SELECT @@gtid_binlog_pos")
i=0
while [ "$(mariadb_field "$DBR" Gtid_IO_Pos)" != "$want_pos" ] && [ $i -lt 100 ]; do
	i=$((i + 1)); sleep 0.1
done
is "$(mariadb_field "$DBR" Gtid_IO_Pos)" "$want_pos" "the backup received $want_pos, SQL thread stopped"
mysql_conf writable -1
run_fa failover --force
is "$FA_RC" 1 "wait_to_apply = -1, SQL thread stopped: failover --force fails, exit 1"
like "$FA_OUT" "^ERROR: promoting the local database failed: failover aborted" \
    "the failover is aborted before DNS"
is "$(status_field 'd["state"]')" STANDBY "aborted: still STANDBY"
is "$(dig_a www.example.com)" "$PRIMARY_A" "aborted: DNS untouched"
is "$(mariadb_sql "$DBR" "SELECT @@read_only")" 1 "aborted: the backup still read-only"
like "$(history_field '"\n".join(a["kind"] + " | " + a["result"] + " | " + a["detail"] for a in d["cycles"][0]["actions"])')" \
    "mysql wait_to_apply \| failed \| SQL thread not running \(No\): it cannot apply the relay log; received $want_pos.*wait_to_apply = -1: not promoting" \
    "history says why"
mariadb_sql "$DBR" "START SLAVE SQL_THREAD"
mariadb_until "$DBR" "SELECT COUNT(*) FROM shop.orders WHERE note = 'after the failback'" 1 ||
    diag "the backup did not catch up"

# --- promote = read-only -----------------------------------------------------
mysql_conf read-only 0
run_fa failover --force
is "$FA_RC" 0 "promote = read-only: failover --force, exit 0"
is "$(status_field 'd["state"]')" ACTIVE "read-only failover: ACTIVE"
is "$(mariadb_sql "$DBR" "SELECT @@read_only")" 1 "read-only failover: the database stays read-only"
like "$(history_field '"\n".join(a["kind"] + " | " + a["detail"] for a in d["cycles"][0]["actions"])')" \
    "mysql promote \| GTID position at failover [-0-9,]+; promote = read-only: read_only ON" \
    "history: read-only promotion"
like "$(tail -n 1 "$SC_DIR/hook.log")" "after_failover FA_READ_ONLY=1" \
    "the hooks are told FA_READ_ONLY=1"
run_fa failback --force
is "$(status_field 'd["state"]')" STANDBY "read-only: failback --force"
unlike "$(history_field '" ".join(a["kind"] for a in d["cycles"][0]["actions"])')" \
    "mysql demote" "read-only: nothing to demote on failback"

is "$(sqlite3 "$STATE_DB" 'PRAGMA integrity_check')" ok \
    "the state database passes integrity_check"
done_testing
