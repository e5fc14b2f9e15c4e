#!/usr/bin/env bash
# sluice checkpoint show|set|reset against the stores real pipelines leave (a
# file, sqlite:DB, postgresql://…): what a rerun resumes from after set/reset,
# the run lock that refuses changes while a pipeline runs (and --force), a stale
# sink whose removal unblocks the capture, PostgreSQL slot lag on a real server
# and Kafka consumer lag plus group offsets on the mock cluster (checked with
# tests/support/kafka_offsets, an independent client).
source "$(dirname "$0")/lib.sh"
source "$SLUICE_SOURCE_DIR/tests/support/pg_test_lib.sh"
require_tool python3 sqlite3 kcat
pg_require

KAFKA_SH=$SLUICE_SOURCE_DIR/tests/support/kafka.sh
SLUICE_BUILD_DIR=$(cd "${SLUICE_BUILD_DIR:-$(dirname "$SLUICE")}" && pwd)
export SLUICE SLUICE_BUILD_DIR
if [ ! -x "$SLUICE_BUILD_DIR/tests/support/kafka_mock" ]; then
  [ "${CI:-}" = true ] && { echo "FAIL: kafka_mock is not built" >&2; exit 1; }
  echo "SKIP: kafka_mock is not built" >&2
  exit 125
fi
pg_start
KAFKA_STATE=$SUITE_DIR/kafka
eval "$(bash "$KAFKA_SH" start "$KAFKA_STATE")"
trap 'bash "$KAFKA_SH" stop "$KAFKA_STATE"; bash "$PG_SUPPORT" stop "$PG_DIR"; rm -rf "$PG_DIR" "$SUITE_DIR"' EXIT
B=$KAFKA_BROKERS
# Group members: rejoin quickly after a member dies (NOTES.md).
GROUP_X=(-X session.timeout.ms=3000 -X heartbeat.interval.ms=300)

# lines N [FROM]: N events {"id":FROM…}.
lines() { seq "${2:-1}" $((${2:-1} + $1 - 1)) | sed 's/.*/{"id":&}/'; }

# json_field FILE SINK FIELD: a field of SINK's entry in `show --format json` output.
json_field() {
  python3 -c '
import json, sys
for l in open(sys.argv[1]):
    e = json.loads(l)
    if e["sink"] == sys.argv[2]:
        v = e
        for k in sys.argv[3].split("."):
            v = v[k]
        print(json.dumps(v, separators=(",", ":")) if not isinstance(v, str) else v)
' "$@"
}

# two_sinks STORE [capture flags…]: capture file in.ndjson into a file sink
# (id "f") and a sqlite sink (id "s"), both recording in STORE.
two_sinks() {
  local store=$1
  shift
  sluice capture file in.ndjson --source-id src --checkpoint "$store" "$@" 2>cap.err \
    | tee >(sluice sink sqlite out.db --table t --raw --checkpoint "$store" --sink-id s 2>s.err) \
    | sluice sink file out.ndjson --checkpoint "$store" --sink-id f 2>f.err
}

# wait_registered STORE SINK: waits (up to 10 s) until SINK shows in STORE.
wait_registered() {
  local i
  for ((i = 0; i < 200; i++)); do
    sluice checkpoint show "$1" --sink-id "$2" --format json >reg.json 2>/dev/null || true
    [ -s reg.json ] && return 0
    sleep 0.05
  done
  fail "$2 never registered in $1"
}

# start_follow STORE: capture file --follow app.log | sink file, in the background.
start_follow() {
  mkfifo pipe
  "$SLUICE" capture file --follow app.log --source-id live --checkpoint "$1" >pipe 2>follow.err &
  FOLLOW=$!
  "$SLUICE" sink file live.ndjson --checkpoint "$1" --sink-id live <pipe 2>live.err &
  LIVE=$!
  wait_registered "$1" live
}

stop_follow() {
  kill -TERM "$FOLLOW"
  wait "$FOLLOW" || fail "the capture exited $?"
  wait "$LIVE" || fail "the sink exited $?"
}

check_show_after_a_pipeline() {
  local store=$1
  lines 10 >in.ndjson
  two_sinks "$store"
  sluice checkpoint show "$store" >table.txt
  expect_contains table.txt '^SOURCE +SINK +RUN +CHECKPOINT +POS +STATE +AGE +LAG$'
  expect_contains table.txt '^src +f +[0-9a-f]{16} +[0-9]+ +\{.*\} +\{.*\} +[0-9]+s +-$'
  expect_contains table.txt '^src +s +[0-9a-f]{16} '
  expect_eq "$(wc -l <table.txt)" 3 "table lines"
  sluice checkpoint show "$store" --format json >all.json
  expect_eq "$(wc -l <all.json)" 2 "entries"
  # Both sinks recorded the final barrier of the one run, at the same position.
  expect_eq "$(json_field all.json f run)" "$(json_field all.json s run)" "run"
  expect_eq "$(json_field all.json f pos)" "$(json_field all.json s pos)" "pos"
  expect_eq "$(json_field all.json f lag)" null "lag of a file"
  sluice checkpoint show "$store" --sink-id s --format json >s.json
  expect_eq "$(wc -l <s.json)" 1 "entries of sink s"
  sluice checkpoint show "$store" --source-id nothing >none.txt
  expect_eq "$(wc -l <none.txt)" 1 "an unknown source shows the header only"
}

test_show_lists_both_sinks_of_a_pipeline_in_a_file_store() {
  check_show_after_a_pipeline state/app.ckpt
}

test_show_lists_both_sinks_of_a_pipeline_in_a_sqlite_store() {
  check_show_after_a_pipeline sqlite:out.db
  expect_eq "$(sqlite3 out.db 'SELECT count(*) FROM t')" 10
}

test_reset_makes_the_next_run_start_from_the_beginning() {
  lines 10 >in.ndjson
  two_sinks app.ckpt
  two_sinks app.ckpt # resumes at the end: nothing more
  expect_eq "$(events_of out.ndjson | wc -l)" 10 "events after a rerun"
  sluice checkpoint reset app.ckpt --source-id src --format json >removed.json 2>reset.err
  expect_eq "$(wc -l <removed.json)" 2 "removed entries"
  expect_contains reset.err 'removed 2 entries from app.ckpt'
  expect_eq "$(sluice checkpoint show app.ckpt --format json | wc -l)" 0 "entries left"
  two_sinks app.ckpt
  expect_contains cap.err 'starting from the beginning'
  expect_eq "$(events_of out.ndjson | wc -l)" 20 "events after the reset"
  expect_eq "$(sqlite3 out.db 'SELECT count(*) FROM t')" 10 "rows (upserted by id)"
}

test_set_moves_the_position_back_and_the_capture_resumes_there() {
  lines 5 >in.ndjson
  two_sinks app.ckpt
  sluice checkpoint show app.ckpt --format json >five.json
  local pos5
  pos5=$(json_field five.json f pos)
  lines 5 6 >>in.ndjson
  two_sinks app.ckpt
  expect_files_eq <(events_of out.ndjson) in.ndjson
  sluice checkpoint set app.ckpt --source-id src --pos "$pos5" --format json >set.json
  expect_eq "$(wc -l <set.json)" 2 "entries set"
  expect_eq "$(json_field set.json f checkpoint)" 0 "checkpoint of a set entry"
  expect_eq "$(json_field set.json f run)" "$(json_field set.json s run)" "one barrier"
  two_sinks app.ckpt
  expect_contains cap.err "resuming after checkpoint 0 of run $(json_field set.json f run)"
  # Events 6 to 10 again, after the file sink went back to its recorded size.
  expect_files_eq <(events_of out.ndjson) <(cat in.ndjson; lines 5 6)
  # One sink alone can be set; a position that is not JSON is a usage error.
  sluice checkpoint set app.ckpt --source-id src --sink-id s --pos "$pos5" >/dev/null
  expect_exit 2 sluice checkpoint set app.ckpt --source-id src --pos '{"offset":' 2>bad.err
  expect_contains bad.err 'not a JSON value'
  expect_exit 2 sluice checkpoint set app.ckpt --source-id nope --pos 1 2>none.err
  expect_contains none.err 'no entry for source nope'
}

check_refusal_while_running() {
  local store=$1
  echo '{"n":1}' >app.log
  start_follow "$store"
  sluice checkpoint show "$store" >table.txt # reading never waits
  expect_contains table.txt '^live +live '
  expect_exit 75 sluice checkpoint reset "$store" --source-id live 2>refused.err
  expect_contains refused.err "lock of ${store//./\\.}.*use --force"
  expect_exit 75 sluice checkpoint set "$store" --source-id live --pos null 2>refused2.err
  sluice checkpoint reset "$store" --source-id live --force >/dev/null 2>forced.err
  expect_contains forced.err 'warning: .*--force'
  stop_follow
  # Nothing holds the lock any more.
  sluice checkpoint reset "$store" --all >/dev/null
}

test_set_and_reset_refuse_while_a_pipeline_runs_with_a_file_store() {
  check_refusal_while_running app.ckpt
  [ -e app.ckpt.run.lock ] || fail "no run lock beside the store"
}

test_set_and_reset_refuse_while_a_pipeline_runs_with_a_sqlite_store() {
  check_refusal_while_running sqlite:state.db
}

test_removing_a_stale_sink_unblocks_the_capture() {
  lines 3 >in.ndjson
  sluice capture file in.ndjson --source-id src --checkpoint app.ckpt \
    | tee >(sluice sink file old.ndjson --checkpoint app.ckpt --sink-id old) \
    | sluice sink file new.ndjson --checkpoint app.ckpt --sink-id new
  lines 3 4 >>in.ndjson
  # The old sink no longer runs: the capture waits for it in vain.
  local rc=0
  sluice capture file in.ndjson --source-id src --checkpoint app.ckpt --drain-timeout 500ms \
    2>cap.err | sluice sink file new.ndjson --checkpoint app.ckpt --sink-id new || rc=$?
  expect_eq "$rc" 75 "exit of the capture waiting for a stale sink"
  sluice checkpoint reset app.ckpt --sink-id old >/dev/null
  lines 3 7 >>in.ndjson
  sluice capture file in.ndjson --source-id src --checkpoint app.ckpt --drain-timeout 500ms \
    2>cap.err | sluice sink file new.ndjson --checkpoint app.ckpt --sink-id new
  expect_files_eq <(events_of new.ndjson | sort -u) <(sort -u in.ndjson)
  expect_eq "$(sluice checkpoint show app.ckpt --format json | wc -l)" 1 "entries left"
}

test_usage_errors() {
  expect_exit 2 sluice checkpoint reset app.ckpt 2>err
  expect_contains err 'reset needs --source-id, --sink-id or --all'
  expect_exit 2 sluice checkpoint set app.ckpt --source-id a 2>err
  expect_exit 2 sluice checkpoint show app.ckpt --format yaml 2>err
  expect_exit 2 sluice checkpoint set app.ckpt --source-id a --pos 1 -G g 2>err
  expect_contains err 'needs the brokers'
  expect_exit 2 sluice checkpoint frobnicate 2>err
  # A store that does not exist yet shows no entries and is not created.
  sluice checkpoint show missing.ckpt >out.txt
  expect_eq "$(wc -l <out.txt)" 1 "lines"
  [ ! -e missing.ckpt ] || fail "show created the store"
}

test_postgres_store_and_slot_lag() {
  local src st
  src=$(new_db cs1)
  st=$(new_db cst1)
  sql cs1 "CREATE TABLE t(id int PRIMARY KEY, v text); CREATE PUBLICATION pub FOR ALL TABLES;
           INSERT INTO t SELECT g, 'x' FROM generate_series(1, 50) g"
  sluice capture postgres "$src" --slot cs1 --publication pub --stop-at now --checkpoint "$st" \
    --source-id pg 2>cap.err | sluice sink file out.ndjson --checkpoint "$st" --sink-id f
  expect_eq "$(events_of out.ndjson | wc -l)" 50 "events"
  sql cs1 "INSERT INTO t SELECT g, repeat('y', 200) FROM generate_series(51, 550) g"
  local pos before after lag
  sluice checkpoint show "$st" --format json >st.json
  pos=$(json_field st.json f pos)
  before=$(sql cs1 "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '$pos')::bigint")
  SLUICE_SOURCE_URI=$src sluice checkpoint show "$st" --format json >lag.json
  after=$(sql cs1 "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '$pos')::bigint")
  lag=$(json_field lag.json f lag.total)
  expect_eq "$(json_field lag.json f lag.unit)" bytes "lag unit"
  [ "$lag" -gt 100000 ] && [ "$lag" -ge "$before" ] && [ "$lag" -le "$after" ] \
    || fail "slot lag $lag is not between $before and $after"
  sluice checkpoint show "$st" --source-uri "$src" >table.txt
  expect_contains table.txt "^pg +f .* $lag bytes$"
  # The PostgreSQL store: locked while a pipeline runs, then reset.
  echo '{"n":1}' >app.log
  start_follow "$st"
  expect_exit 75 sluice checkpoint reset "$st" --source-id pg 2>refused.err
  expect_contains refused.err "lock of postgres://127.0.0.1:$PGPORT/cst1.*--force"
  stop_follow
  sluice checkpoint reset "$st" --source-id pg >/dev/null
  expect_eq "$(sql cst1 "SELECT count(*) FROM _sluice_checkpoints WHERE source = 'pg'")" 0 "pg entries"
  sluice capture postgres "$src" --slot cs1 --publication pub --stop-at now --checkpoint "$st" \
    --source-id pg 2>cap.err | sluice sink file out2.ndjson --checkpoint "$st" --sink-id f
  expect_contains cap.err 'starting from the beginning'
}

test_kafka_lag_and_group_offsets() {
  bash "$KAFKA_SH" topic "$KAFKA_STATE" ck1 2
  lines 20 | kcat -b "$B" -q -P -t ck1
  local id="kafka://$B/ck1?group=ck1"
  sluice capture kafka -b "$B" -t ck1 -G ck1 "${GROUP_X[@]}" -e --checkpoint app.ckpt 2>cap.err \
    | sluice sink file out.ndjson --checkpoint app.ckpt --sink-id f
  expect_eq "$(events_of out.ndjson | wc -l)" 20 "events"
  lines 6 21 | kcat -b "$B" -q -P -t ck1
  sluice checkpoint show app.ckpt -b "$B" --format json >lag.json
  expect_eq "$(json_field lag.json f source)" "$id" "source id"
  expect_eq "$(json_field lag.json f lag.unit)" messages "lag unit"
  expect_eq "$(json_field lag.json f lag.total)" 6 "consumer lag"
  python3 - lag.json <<'PY'
import json, sys
e = json.loads(open(sys.argv[1]).readline())
hw = {k: e["pos"][k] + e["lag"]["parts"][k] for k in e["pos"]}
assert sum(hw.values()) == 26, hw
PY
  # Rewind partition 0 to its start, in the store and in the group.
  local pos
  pos=$(python3 -c 'import json,sys; p=json.loads(sys.argv[1]); p["ck1/0"]=0; print(json.dumps(p))' \
    "$(json_field lag.json f pos)")
  sluice checkpoint set app.ckpt --source-id "$id" --pos "$pos" -G ck1 -b "$B" \
    "${GROUP_X[@]}" --timeout 30s >/dev/null 2>set.err || { cat set.err >&2; fail "set exited $?"; }
  expect_contains set.err 'committed the offsets of group ck1'
  python3 - "$pos" "$(bash "$KAFKA_SH" offsets "$KAFKA_STATE" ck1 ck1)" <<'PY'
import json, sys
assert json.loads(sys.argv[1]) == json.loads(sys.argv[2]), sys.argv[1:]
PY
  local p1
  p1=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["ck1/1"])' "$pos")
  sluice capture kafka -b "$B" -t ck1 -G ck1 "${GROUP_X[@]}" -e --checkpoint app.ckpt 2>cap.err \
    | sluice sink file out.ndjson --checkpoint app.ckpt --sink-id f
  # Partition 0 from its start again, partition 1 from where it was, and the 6 new.
  expect_eq "$(events_of out.ndjson | wc -l)" $((20 + 26 - p1)) "events after the rewind"
  expect_eq "$(sluice checkpoint show app.ckpt -b "$B" --format json | python3 -c \
    'import json,sys; print(json.loads(sys.stdin.readline())["lag"]["total"])')" 0 "lag after"
}

run_tests
