#!/usr/bin/env bash
# capture postgres, capture poll and sink postgres against a real PostgreSQL 15
# started by tests/support/postgres.sh: snapshot and streaming, every mapped
# type through --create, replica identities, TOAST, schema changes, a snapshot
# under a live writer, the shared sink rules, bad data, and the failures an
# operator must be told about clearly. Each test has its own databases.
source "$(dirname "$0")/lib.sh"
source "$SLUICE_SOURCE_DIR/tests/support/pg_test_lib.sh"
require_tool python3 sqlite3
pg_require
pg_start

# pipe SRC_URI TGT_URI [capture flags…] -- [sink flags…]: capture | sink with the
# store in the target database, ending at the current WAL position.
pipe() {
  local src=$1 tgt=$2
  shift 2
  local cap=() snk=()
  while [ $# -gt 0 ] && [ "$1" != -- ]; do cap+=("$1"); shift; done
  [ $# -gt 0 ] && shift
  snk=("$@")
  sluice capture postgres "$src" --slot "slot_${src##*/}" --publication pub --stop-at now \
    --checkpoint "$tgt" --quiet "${cap[@]}" \
    | sluice sink postgres "$tgt" --create --checkpoint "$tgt" --quiet "${snk[@]}"
}

test_snapshot_then_stream_insert_update_delete_truncate() {
  local src tgt
  src=$(new_db s1)
  tgt=$(new_db t1)
  sql s1 "CREATE TABLE orders(id int PRIMARY KEY, amount numeric(10,2), status text);
          CREATE TABLE lines(order_id int, n int, qty int, PRIMARY KEY (order_id, n));
          INSERT INTO orders SELECT g, g * 1.5, 'new' FROM generate_series(1, 500) g;
          INSERT INTO lines SELECT g % 50, g, g FROM generate_series(1, 300) g;"
  pipe "$src" "$tgt"
  expect_same_rows s1 t1 "SELECT * FROM orders ORDER BY id"
  sql s1 "UPDATE orders SET status = 'paid' WHERE id <= 100; DELETE FROM orders WHERE id > 450;
          INSERT INTO orders VALUES (1000, 1, 'late'); TRUNCATE lines;
          INSERT INTO lines VALUES (1, 1, 9)"
  pipe "$src" "$tgt"
  expect_same_rows s1 t1 "SELECT * FROM orders ORDER BY id"
  expect_same_rows s1 t1 "SELECT * FROM lines ORDER BY 1, 2"
  # The second run resumed from the position stored in the target.
  expect_eq "$(sql t1 "SELECT count(*) FROM _sluice_checkpoints WHERE run IS NOT NULL")" 1 "store entries"

}

test_replica_identity_default_and_full_before_images() {
  local src
  src=$(new_db s2)
  sql s2 "CREATE TABLE d(id int PRIMARY KEY, v text); CREATE TABLE f(id int PRIMARY KEY, v text);
          ALTER TABLE f REPLICA IDENTITY FULL; INSERT INTO d VALUES (1, 'a'); INSERT INTO f VALUES (1, 'a')"
  sluice capture postgres "$src" --snapshot never --stop-at now --quiet >/dev/null
  sql s2 "UPDATE d SET v = 'b'; UPDATE f SET v = 'b'; UPDATE d SET id = 2; DELETE FROM d; DELETE FROM f"
  sluice capture postgres "$src" --stop-at now --quiet >out.ndjson
  events_of out.ndjson | python3 -c '
import json, sys
ev = [json.loads(l) for l in sys.stdin]
got = [(e["table"], e["op"], e["key"], e["before"], e["after"]) for e in ev]
want = [
  ("public.d", "update", {"id": 1}, None, {"id": 1, "v": "b"}),
  ("public.f", "update", {"id": 1}, {"id": 1, "v": "a"}, {"id": 1, "v": "b"}),
  ("public.d", "update", {"id": 2}, {"id": 1}, {"id": 2, "v": "b"}),
  ("public.d", "delete", {"id": 2}, {"id": 2}, None),
  ("public.f", "delete", {"id": 1}, {"id": 1, "v": "b"}, None),
]
assert got == want, got
ids = [e["id"] for e in ev]
assert len(set(ids)) == len(ids), ids
assert all(e["pos"] == e["id"].rsplit(":", 1)[0] for e in ev)
'
}

test_toasted_value_untouched_by_updates_stays_intact() {
  local src tgt
  src=$(new_db s3)
  tgt=$(new_db t3)
  sql s3 "CREATE TABLE docs(id int PRIMARY KEY, big text, n int);
          INSERT INTO docs SELECT 1, string_agg(md5(g::text), ''), 0 FROM generate_series(1, 32768) g"
  pipe "$src" "$tgt"
  sql s3 "UPDATE docs SET n = n + 1; UPDATE docs SET n = n + 1"
  sluice capture postgres "$src" --stop-at now --slot peek --quiet --snapshot never >/dev/null
  pipe "$src" "$tgt"
  expect_eq "$(sql t3 "SELECT length(big), md5(big), n FROM docs")" \
    "$(sql s3 "SELECT length(big), md5(big), n FROM docs")" "the 1 MB value"
  expect_eq "$(sql s3 "SELECT length(big) FROM docs")" 1048576 "source value size"
  sql s3 "UPDATE docs SET n = 5"
  sluice capture postgres "$src" --slot peek --stop-at now --quiet >peek.ndjson
  expect_contains peek.ndjson '"unchanged":\["big"\]'
  expect_not_contains peek.ndjson '"big":'
}

test_every_type_round_trips_through_create() {
  local src tgt
  src=$(new_db s4)
  tgt=$(new_db t4)
  sql s4 "CREATE TYPE mood AS ENUM ('sad', 'ok');
    CREATE TABLE t(id int PRIMARY KEY, n numeric(40,0), f float8, r real, b boolean, s text,
      vc varchar(10), tz timestamptz, ts timestamp, d date, tm time, tt timetz, iv interval,
      ia int[], ta text[], j jsonb, jn json, by bytea, u uuid, m mood, big bigint, sm smallint,
      nn numeric, mo money, inet_ inet);
    INSERT INTO t VALUES
      (1, 1234567890123456789012345678901234567890, 1.5e-300, 3.25, true, 'quo\"te \\ back',
       'short', '2024-11-24 01:02:03.456789+05:30', '2024-11-24 12:00:00.5', '2024-02-29',
       '23:59:59.999999', '12:00:00-02', '1 day 02:03:04', '{1,NULL,3}', '{\"a,b\",\"c\"}',
       '{\"k\": [1, 2.50, \"x\"], \"n\": null}', E'{\n  \"a\" : 1\n}', '\\x00ff10',
       'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 'ok', -9223372036854775808, 32767, 'NaN', 12.5,
       '10.0.0.1/8'),
      (2, -1, 'Infinity', '-Infinity', false, '', NULL, 'infinity', '-infinity', 'infinity', NULL,
       NULL, NULL, '{}', '{}', '[]', '\"s\"', '\\x', NULL, NULL, 0, 0, '0.000001', 0, NULL),
      (3, NULL, 'NaN', NULL, NULL, E'line\nbreak\ttab', NULL, '1999-12-31 23:00:00-08', NULL, NULL,
       NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)"
  pipe "$src" "$tgt"
  # Types come from the schema record: the same declarations where the target knows them.
  expect_eq "$(sql t4 "SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 't'::regclass
              AND attnum > 0 ORDER BY attnum" | tr '\n' ',')" \
    "integer,numeric(40,0),double precision,real,boolean,text,character varying(10),timestamp with time zone,timestamp without time zone,date,time without time zone,time with time zone,interval,integer[],text[],jsonb,json,bytea,uuid,text,bigint,smallint,numeric,money,inet," \
    "target column types"
  expect_same_rows s4 t4 "SELECT id, n, f, r, b, s, vc, tz, ts, d, tm, tt, iv, ia, ta, j, jn::jsonb, by, u,
                           m::text, big, sm, nn, mo, inet_ FROM t ORDER BY id"
  sql s4 "UPDATE t SET s = 'changed', jn = E'[1,\n 2]' WHERE id = 1; DELETE FROM t WHERE id = 3"
  pipe "$src" "$tgt"
  expect_same_rows s4 t4 "SELECT id, n, f, r, b, s, vc, tz, ts, d, tm, tt, iv, ia, ta, j, jn::jsonb, by, u,
                           m::text, big, sm, nn, mo, inet_ FROM t ORDER BY id"
}

test_add_and_drop_column_mid_stream() {
  local src tgt
  src=$(new_db s5)
  tgt=$(new_db t5)
  sql s5 "CREATE TABLE t(id int PRIMARY KEY, a text, gone int); INSERT INTO t VALUES (1, 'x', 7)"
  pipe "$src" "$tgt"
  sql s5 "ALTER TABLE t ADD COLUMN added numeric(5,2); INSERT INTO t VALUES (2, 'y', 8, 1.25);
          ALTER TABLE t DROP COLUMN gone; UPDATE t SET added = 9.5 WHERE id = 1;
          INSERT INTO t VALUES (3, 'z', 3.5)"
  sluice capture postgres "$src" --slot look --snapshot never --quiet --stop-at now >/dev/null || true
  pipe "$src" "$tgt"
  expect_same_rows s5 t5 "SELECT id, a, added FROM t ORDER BY id"
  expect_eq "$(sql t5 "SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 't'::regclass
              AND attname = 'added'")" "numeric(5,2)" "added column type"
  expect_eq "$(sql t5 "SELECT gone FROM t ORDER BY id" | tr '\n' ,)" "7,8,," "dropped column kept"
}
test_snapshot_while_a_writer_updates_and_deletes_rows() {
  local src tgt
  src=$(new_db s6)
  tgt=$(new_db t6)
  sql s6 "CREATE TABLE acct(id int PRIMARY KEY, balance bigint, note text);
          INSERT INTO acct SELECT g, 0, repeat('x', 200) FROM generate_series(1, 60000) g"
  cat >writer.sql <<'SQL'
\set id random(1, 60000)
\set other random(1, 60000)
BEGIN;
UPDATE acct SET balance = balance + 1 WHERE id = :id;
DELETE FROM acct WHERE id = :other;
INSERT INTO acct VALUES (60000 + :id, 1, 'new') ON CONFLICT (id) DO UPDATE SET balance = acct.balance - 1;
END;
SQL
  "$PG_BIN/pgbench" -n -f writer.sql -c 2 -T 4 s6 >pgbench.log 2>&1 &
  local writer=$!
  sleep 0.3
  pipe "$src" "$tgt"
  wait "$writer"
  pipe "$src" "$tgt"
  expect_same_rows s6 t6 "SELECT * FROM acct ORDER BY id"
  [ "$(sql s6 "SELECT count(*) FROM acct WHERE balance <> 0")" -gt 100 ] || fail "the writer did too little"
}

test_sink_postgres_keeps_a_row_deleted_when_an_older_update_follows() {
  local tgt
  tgt=$(new_db t7)
  cat >events.ndjson <<'EV'
{"op":"insert","table":"public.t","ts":10,"key":{"id":1},"before":null,"after":{"id":1,"v":"a"}}
{"op":"insert","table":"public.t","ts":10,"key":{"id":2},"before":null,"after":{"id":2,"v":"b"}}
{"op":"delete","table":"public.t","ts":30,"key":{"id":1},"before":{"id":1},"after":null}
EV
  cat >late.ndjson <<'EV'
{"op":"update","table":"public.t","ts":20,"key":{"id":1},"before":null,"after":{"id":1,"v":"old"}}
{"op":"update","table":"public.t","ts":5,"key":{"id":2},"before":null,"after":{"id":2,"v":"older"}}
{"op":"update","table":"public.t","ts":40,"key":{"id":2},"before":null,"after":{"id":2,"v":"newer"}}
EV
  sluice sink postgres "$tgt" --create --if-newer ts --quiet <events.ndjson
  sluice sink postgres "$tgt" --create --if-newer ts 2>sink.log <late.ndjson
  expect_eq "$(sql t7 "SELECT id, v, _sluice_order FROM t ORDER BY id" | tr '\n' ' ')" "2|newer|40 " "rows"
  expect_contains sink.log "older changes skipped"
  # The same from the same shared rules in sink sqlite.
  sluice sink sqlite t.db --table t --if-newer ts --quiet <events.ndjson
  sluice sink sqlite t.db --table t --if-newer ts --quiet <late.ndjson
  expect_eq "$(sqlite3 t.db "SELECT id, v, _sluice_order FROM t ORDER BY id" | tr '\n' ' ')" "2|newer|40 " "sqlite rows"
  # Soft deletes and ignored deletes.
  sluice sink postgres "$tgt" --table soft --create --delete-mode soft --quiet <events.ndjson
  expect_eq "$(sql t7 "SELECT id, v, _sluice_deleted FROM soft ORDER BY id" | tr '\n' ' ')" "1|a|t 2|b|f " "soft"
  sluice sink postgres "$tgt" --table kept --create --delete-mode ignore --quiet <events.ndjson
  expect_eq "$(sql t7 "SELECT count(*) FROM kept")" 2 "ignored deletes"
}

test_sink_postgres_bisects_a_batch_to_the_refused_rows() {
  local tgt
  tgt=$(new_db t8)
  sql t8 "CREATE TABLE t(id int PRIMARY KEY, qty int CHECK (qty >= 0), d date)"
  python3 -c '
import json
for i in range(1, 2001):
    qty = -1 if i in (7, 1500) else i
    d = "not a date" if i == 900 else "2024-11-24"
    print(json.dumps({"op": "insert", "table": "t", "key": {"id": i}, "after": {"id": i, "qty": qty, "d": d}}))
' >events.ndjson
  expect_exit 65 sluice sink postgres "$tgt" --quiet <events.ndjson 2>fail.log
  expect_contains fail.log 'stdin:7: postgresql: new row for relation "t" violates check constraint'
  expect_eq "$(sql t8 "SELECT count(*) FROM t")" 0 "nothing committed under fail"
  sluice sink postgres "$tgt" --on-error dead-letter:bad.ndjson --quiet <events.ndjson
  expect_eq "$(sql t8 "SELECT count(*) FROM t")" 1997 "good rows"
  expect_eq "$(python3 -c 'import json,sys; print(sorted(json.loads(l)["line"] for l in open("bad.ndjson")))')" \
    "[7, 900, 1500]" "dead-lettered lines"
  expect_contains bad.ndjson 'invalid input syntax for type date'
}

test_sink_postgres_raw_lands_each_id_once() {
  local tgt
  tgt=$(new_db t9)
  sluice capture generate --count 3000 --dup-rate 0.1 --no-control >events.ndjson
  sluice sink postgres "$tgt" --raw --table landing --quiet <events.ndjson
  sluice sink postgres "$tgt" --raw --table landing 2>again.log <events.ndjson
  expect_eq "$(sql t9 "SELECT count(*), count(DISTINCT id) FROM landing")" \
    "$(python3 -c 'import json; ids=[json.loads(l)["id"] for l in open("events.ndjson")]; print(f"{len(set(ids))}|{len(set(ids))}")')" "ids"
  expect_contains again.log "0 events landed, 3000 duplicate ids ignored"
  expect_eq "$(sql t9 "SELECT count(*) FROM landing WHERE event->>'id' <> id")" 0 "event per id"
  expect_exit 2 sluice sink postgres "$tgt" --raw </dev/null
}

test_sink_postgres_reports_bad_lines_and_keeps_good_ones() {
  local tgt
  tgt=$(new_db t10)
  printf '\xef\xbb\xbf{"op":"insert","table":"t","key":{"id":1},"after":{"id":1,"s":"a"}}\r\n' >in.ndjson
  printf '\n{"op":"insert","table":"t","key":{"id":2},"after":{"id":2}} trailing\n' >>in.ndjson
  printf '{"op":"insert","table":"t","key":{"id":3},"after":{"id":3,"s":"\xff"}}\n' >>in.ndjson
  printf '{"op":"insert","table":"t","key":{"id":4},"after":{"id":4,"s":"nul\\u0000"}}\n' >>in.ndjson
  printf '{"op":"insert","table":"t","key":{"id":5},"after":' >>in.ndjson
  printf '\n{"op":"insert","table":"t","key":{"id":6},"after":{"id":6,"s":"%s"}}' "$(head -c 2000000 /dev/zero | tr '\0' x)" >>in.ndjson
  sluice sink postgres "$tgt" --create --strict --on-error dead-letter:bad.ndjson 2>sink.log <in.ndjson
  expect_eq "$(sql t10 "SELECT id, length(s) FROM t ORDER BY id" | tr '\n' ' ')" "1|1 6|2000000 " "landed rows"
  expect_eq "$(wc -l <bad.ndjson)" 4 "dead letters"
  expect_contains bad.ndjson 'trailing content'
  expect_contains bad.ndjson 'UTF-8'
  expect_contains bad.ndjson 'unsupported Unicode escape|0x00'
  echo '{"op":"insert","table":"t","key":{"id":9},"after":{"id":9}}' | sluice sink postgres "$tgt" >/dev/null
  expect_exit 65 sluice sink postgres "$tgt" --quiet < <(printf '{"op":"insert","table":"t","after":{"id":1}}\n{"a":')
}

test_capture_explains_what_it_cannot_do() {
  local src other
  src=$(new_db s11)
  other=$(new_db s11b)
  sql s11 "CREATE TABLE t(id int PRIMARY KEY); CREATE ROLE plain LOGIN; GRANT SELECT ON t TO plain"
  # A role without REPLICATION.
  expect_exit 69 sluice capture postgres "postgresql://plain@127.0.0.1:$PGPORT/s11" --slot r1 2>priv.log
  expect_contains priv.log 'role "plain" may not use replication on .*: ALTER ROLE "plain" REPLICATION'
  # --temporary-slot cannot be resumed.
  expect_exit 2 sluice capture postgres "$src" --temporary-slot --checkpoint store.json 2>temp.log
  expect_contains temp.log 'temporary-slot cannot be combined with --checkpoint'
  # A slot in use by another capture.
  timeout 60 "$SLUICE" capture postgres "$src" --slot busy --quiet >/dev/null &
  local holder=$!
  sleep 1
  expect_exit 69 sluice capture postgres "$src" --slot busy --retries 1 2>busy.log
  expect_contains busy.log 'replication slot "busy" is in use by another process'
  kill -INT "$holder"
  wait "$holder" || true
  # A slot of another database.
  expect_exit 69 sluice capture postgres "$other" --slot busy 2>db.log
  expect_contains db.log 'slot "busy" belongs to database "s11", not "s11b"'
  # A stored position whose slot is gone.
  sluice capture postgres "$src" --slot gone --stop-at now --checkpoint store.json --quiet \
    | sluice sink file out.ndjson --checkpoint store.json --quiet
  sql s11 "SELECT pg_drop_replication_slot('gone')" >/dev/null
  expect_exit 69 sluice capture postgres "$src" --slot gone --checkpoint store.json 2>gone.log
  expect_contains gone.log 'slot "gone" is gone, so the changes after the stored position .* cannot be read'
  # wal_level below logical, on a server of its own.
  local dir env
  dir=$(mktemp -d /tmp/sluice-pg-replica.XXXXXX)
  env=$(bash "$PG_SUPPORT" start "$dir" -c wal_level=replica)
  local port
  port=$(echo "$env" | sed -n 's/^PGPORT=//p')
  expect_exit 69 sluice capture postgres "postgresql://postgres@127.0.0.1:$port/postgres" 2>wal.log || true
  bash "$PG_SUPPORT" stop "$dir"
  rm -rf "$dir"
  expect_contains wal.log 'wal_level = replica: logical decoding needs wal_level = logical'
}

test_capture_redoes_a_snapshot_interrupted_in_its_middle() {
  local src
  src=$(new_db s12)
  sql s12 "CREATE TABLE t(id int PRIMARY KEY, v text); INSERT INTO t SELECT g, 'v' FROM generate_series(1, 10) g"
  sluice capture postgres "$src" --slot redo --snapshot never --stop-at now --quiet >/dev/null
  # A store holding a barrier taken in the middle of a snapshot.
  cat >store.json <<JSON
{"version":1,"entries":[{"source":"postgres://127.0.0.1:$PGPORT/s12#redo","sink":"s","run":"r0","checkpoint":3,"pos":{"snapshot":"0/1"},"state":null,"updated":1}]}
JSON
  sluice capture postgres "$src" --slot redo --stop-at now --checkpoint store.json --drain-timeout 0 \
    >out.ndjson 2>err.log || true
  expect_contains err.log 'taken in the middle of a snapshot: starting the snapshot over'
  head -1 out.ndjson | grep -q '"resume":null' || fail "the start record must say resume null"
  expect_eq "$(events_of out.ndjson | head -1 | python3 -c 'import json,sys; e=json.load(sys.stdin); print(e["op"], e["table"])')" \
    "truncate public.t" "first event"
  expect_eq "$(events_of out.ndjson | grep -c '"op":"read"')" 10 "reads"
}

test_stream_large_transactions_arrive_whole() {
  local src
  src=$(new_db s13)
  sql s13 "CREATE TABLE t(id int PRIMARY KEY, v text)"
  local uri="$src?options=-c%20logical_decoding_work_mem%3D64kB"
  sluice capture postgres "$uri" --slot big --stream-large --snapshot never --stop-at now --quiet >/dev/null
  sql s13 "BEGIN; INSERT INTO t SELECT g, repeat('x', 100) FROM generate_series(1, 5000) g;
           SAVEPOINT a; INSERT INTO t VALUES (-1, 'rolled back'); ROLLBACK TO a;
           UPDATE t SET v = 'y' WHERE id <= 10; COMMIT"
  sluice capture postgres "$uri" --slot big --stream-large --stop-at now >out.ndjson 2>err.log
  events_of out.ndjson >events.ndjson
  expect_eq "$(wc -l <events.ndjson)" 5010 "events"
  expect_not_contains events.ndjson '"id":-1'
  expect_eq "$(python3 -c '
import json
ev = [json.loads(l) for l in open("events.ndjson")]
print(len({e["txid"] for e in ev}), [int(e["id"].rsplit(":", 1)[1]) for e in ev] == list(range(len(ev))))')" \
    "1 True" "one transaction, ids in order"
  [ "$(grep -c '"checkpoint"' out.ndjson)" -ge 1 ] || fail "no barrier"
}

test_heartbeat_advances_an_idle_slot() {
  local src
  src=$(new_db s14)
  sql s14 "CREATE TABLE t(id int PRIMARY KEY)"
  mkfifo pipe
  timeout 60 "$SLUICE" sink file out.ndjson --checkpoint store.json --quiet <pipe &
  local sink=$!
  timeout 60 "$SLUICE" capture postgres "$src" --slot idle --heartbeat 100ms --checkpoint-interval 100ms \
    --checkpoint store.json --quiet >pipe &
  local capture=$!
  sleep 1
  local first
  first=$(sql s14 "SELECT confirmed_flush_lsn FROM pg_replication_slots WHERE slot_name = 'idle'")
  sleep 1.5
  local later
  later=$(sql s14 "SELECT confirmed_flush_lsn FROM pg_replication_slots WHERE slot_name = 'idle'")
  kill -INT "$capture"
  wait "$capture"
  wait "$sink"
  [ "$(sql s14 "SELECT '$later'::pg_lsn > '$first'::pg_lsn")" = t ] ||
    fail "confirmed_flush_lsn did not move on an idle database ($first, then $later)"
}

test_capture_stops_when_acknowledgements_stall() {
  local src
  src=$(new_db s15)
  sql s15 "CREATE TABLE t(id int PRIMARY KEY)"
  # A sink registered in the store that never records anything.
  cat >store.json <<JSON
{"version":1,"entries":[{"source":"postgres://127.0.0.1:$PGPORT/s15#stall","sink":"stuck","pos":null,"state":null,"updated":1}]}
JSON
  # The publication comes before the slot (a slot cannot see a later one).
  sql s15 "CREATE PUBLICATION sluice FOR ALL TABLES"
  sql s15 "SELECT pg_create_logical_replication_slot('stall', 'pgoutput')" >/dev/null
  sql s15 "INSERT INTO t SELECT generate_series(1, 2000)"
  expect_exit 75 sluice capture postgres "$src" --slot stall --snapshot never --heartbeat 50ms \
    --max-ack-lag 1 --max-ack-stall 1s --checkpoint store.json >/dev/null 2>stall.log
  expect_contains stall.log 'holds .* of WAL .* has not moved for'
}

test_capture_poll_does_not_miss_a_transaction_open_longer_than_the_delay() {
  local src
  src=$(new_db s16)
  sql s16 "CREATE TABLE items(id serial PRIMARY KEY, name text, updated timestamptz NOT NULL DEFAULT clock_timestamp());
           INSERT INTO items(name) SELECT 'n' || g FROM generate_series(1, 20) g"
  timeout 60 "$SLUICE" capture poll "$src" --table items --timestamp-column updated \
    --incrementing-column id --interval 100ms --delay 300ms --checkpoint-interval 100ms \
    >out.ndjson 2>err.log &
  local poller=$!
  "$PG_BIN/psql" -X -q -d s16 -c "BEGIN; INSERT INTO items(name) VALUES ('long'); SELECT pg_sleep(1.5); COMMIT" &
  local long=$!
  sleep 0.3
  for i in 1 2 3 4 5; do
    sql s16 "INSERT INTO items(name) VALUES ('short$i'); UPDATE items SET name = 'changed', updated = clock_timestamp() WHERE id = $i"
    sleep 0.2
  done
  wait "$long"
  sleep 1.2
  kill -INT "$poller"
  wait "$poller"
  events_of out.ndjson >events.ndjson
  expect_contains events.ndjson '"name":"long"'
  expect_eq "$(python3 -c '
import json
ev = [json.loads(l) for l in open("events.ndjson")]
latest = {}
for e in ev:
    latest[e["key"]["id"]] = e["after"]["name"]
print(len(latest), sum(1 for v in latest.values() if v == "changed"))')" "26 5" "rows and updates seen"
  # Barriers never passed the long transaction's row before it committed.
  python3 - <<'PY'
import json
lines = [json.loads(l) for l in open("out.ndjson")]
seen_long = False
for rec in lines:
    if "$sluice" in rec:
        cp = rec["$sluice"]
        if "checkpoint" in cp and isinstance(cp.get("pos"), dict) and not seen_long:
            assert cp["pos"]["inc"] < 21, cp
    elif rec["after"]["name"] == "long":
        seen_long = True
PY
}

test_capture_poll_sqlite_resumes_from_its_checkpoint() {
  sqlite3 app.db "CREATE TABLE logs(id INTEGER PRIMARY KEY, msg TEXT, at TEXT);
                  INSERT INTO logs(msg, at) VALUES ('a', '2024-11-24 10:00:00'), ('b', '2024-11-24 10:00:01')"
  mkfifo pipe
  local round sink capture
  for round in 1 2; do
    timeout 60 "$SLUICE" sink file out.ndjson --checkpoint store.json --quiet <pipe &
    sink=$!
    timeout 60 "$SLUICE" capture poll sqlite:app.db --table logs --incrementing-column id \
      --interval 50ms --checkpoint store.json --quiet >pipe &
    capture=$!
    sleep 0.8
    kill -INT "$capture"
    wait "$capture"
    wait "$sink"
    sqlite3 app.db "INSERT INTO logs(msg, at) VALUES ('c', '2024-11-24 10:00:02')"
  done
  sqlite3 app.db "DELETE FROM logs WHERE msg = 'c' AND id > 3"
  expect_eq "$(events_of out.ndjson | python3 -c 'import json,sys; print([json.loads(l)["after"]["msg"] for l in sys.stdin])')" \
    "['a', 'b', 'c']" "each row once"
  expect_contains out.ndjson '"op":"insert"'
  expect_exit 2 sluice capture poll sqlite:app.db --table logs
  expect_exit 2 sluice capture poll sqlite:app.db --table nope --incrementing-column id
}

test_capture_reconnects_when_its_connection_is_cut() {
  local src
  src=$(new_db s18)
  sql s18 "CREATE TABLE t(id int PRIMARY KEY)"
  timeout 60 "$SLUICE" capture postgres "$src" --slot cut --snapshot never --retries 5 \
    --checkpoint-interval 100ms >out.ndjson 2>cut.log &
  local capture=$!
  local i
  for i in $(seq 1 100); do
    [ "$(sql s18 "SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'cut' AND active")" = 1 ] && break
    sleep 0.1
  done
  sql s18 "INSERT INTO t SELECT generate_series(1, 100)"
  for i in $(seq 1 100); do
    [ "$(events_of out.ndjson | wc -l)" -ge 100 ] && break
    sleep 0.1
  done
  # Cut the replication connection (and the capture's SQL session) twice.
  sql s18 "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = 's18' AND pid <> pg_backend_pid()" >/dev/null
  sql s18 "INSERT INTO t SELECT generate_series(101, 200)"
  sleep 1
  sql s18 "SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = 'cut' AND active" >/dev/null
  sql s18 "INSERT INTO t SELECT generate_series(201, 300)"
  for i in $(seq 1 150); do
    [ "$(events_of out.ndjson | wc -l)" -ge 300 ] && break
    sleep 0.1
  done
  kill -INT "$capture"
  wait "$capture" || fail "the capture exited $? after the reconnects (see cut.log: $(tr '\n' ' ' <cut.log))"
  expect_contains cut.log 'reconnect'
  # Every change once, none lost, none doubled.
  expect_eq "$(events_of out.ndjson | python3 -c 'import json,sys; print(len({json.loads(l)["id"] for l in sys.stdin}))')" 300 "distinct ids"
  expect_eq "$(events_of out.ndjson | wc -l)" 300 "events"
}

test_identifiers_that_need_quoting_round_trip() {
  local src tgt
  src=$(new_db s19)
  tgt=$(new_db t19)
  sql s19 "CREATE SCHEMA \"My Schema\";
           CREATE TABLE \"My Schema\".\"Order Items\"(\"Id\" int PRIMARY KEY, \"select\" text,
             \"amount \$\" numeric, \"quo\"\"te\" text);
           INSERT INTO \"My Schema\".\"Order Items\" VALUES (1, 'a', 1.5, 'x'), (2, 'b', 2, 'y')"
  sql t19 "CREATE SCHEMA \"My Schema\""
  pipe "$src" "$tgt"
  sql s19 "UPDATE \"My Schema\".\"Order Items\" SET \"select\" = 'c''; DROP TABLE x; --' WHERE \"Id\" = 1;
           DELETE FROM \"My Schema\".\"Order Items\" WHERE \"Id\" = 2;
           INSERT INTO \"My Schema\".\"Order Items\" VALUES (3, 'd', 3, 'z')"
  pipe "$src" "$tgt"
  expect_same_rows s19 t19 "SELECT \"Id\", \"select\", \"amount \$\", \"quo\"\"te\" FROM \"My Schema\".\"Order Items\" ORDER BY 1"
}

test_capture_no_control_writes_events_only() {
  local src
  src=$(new_db s20)
  sql s20 "CREATE TABLE t(id int PRIMARY KEY, v text); INSERT INTO t VALUES (1, 'a'), (2, 'b')"
  sluice capture postgres "$src" --slot nc --stop-at now --no-control --quiet >out.ndjson
  sql s20 "UPDATE t SET v = 'c' WHERE id = 1"
  sluice capture postgres "$src" --slot nc --stop-at now --no-control --quiet >>out.ndjson
  # No start, barrier, end or schema record: a plain stream for tools that cannot pass them.
  expect_not_contains out.ndjson '"\$sluice"'
  expect_eq "$(wc -l <out.ndjson)" 3 "events"
}

test_keepalives_are_answered_while_stdout_is_blocked() {
  local src
  src=$(new_db s21)
  sql s21 "CREATE TABLE t(id int PRIMARY KEY, v text); CREATE PUBLICATION sluice FOR ALL TABLES"
  sql s21 "SELECT pg_create_logical_replication_slot('blocked', 'pgoutput')" >/dev/null
  # More changes than the session thread's queue and the pipe hold together.
  sql s21 "INSERT INTO t SELECT g, 'v' FROM generate_series(1, 60000) g"
  # A walsender that hears nothing for 15s ends the session; stdout stays blocked for 22s.
  sql postgres "ALTER SYSTEM SET wal_sender_timeout = '15s'"
  sql postgres "SELECT pg_reload_conf()" >/dev/null
  local rc=0
  sluice capture postgres "$src" --slot blocked --snapshot never --stop-at now 2>err.log \
    | { sleep 22; cat; } >out.ndjson || rc=$?
  sql postgres "ALTER SYSTEM RESET wal_sender_timeout"
  sql postgres "SELECT pg_reload_conf()" >/dev/null
  expect_eq "$rc" 0 "exit status"
  expect_not_contains err.log 'reconnect|timeout'
  expect_eq "$(events_of out.ndjson | wc -l)" 60000 "events"
}

run_tests
