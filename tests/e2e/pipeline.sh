#!/usr/bin/env bash
# Whole pipelines through real processes: generate | sink sqlite, signals, exits.
source "$(dirname "$0")/lib.sh"
require_tool python3 setsid

# check_upsert DB INPUT: the table equals Python's replay of INPUT's events.
check_upsert() {
  python3 - "$1" "$2" <<'PY'
import json, sqlite3, sys
sys.path.insert(0, __import__("os").environ["SLUICE_SOURCE_DIR"] + "/tests/e2e")
from zero_loss import expected_upsert_rows, cell, norm_db_cell
events = [json.loads(l) for l in open(sys.argv[2])]
want = {k: {n: cell(v) for n, v in r.items() if v is not None} for k, r in expected_upsert_rows(events).items()}
cur = sqlite3.connect(sys.argv[1]).execute("SELECT * FROM orders")
names = [d[0] for d in cur.description]
got = {}
for r in cur:
    row = {n: norm_db_cell(v) for n, v in zip(names, r) if v is not None}
    got[row["order_id"]] = row
assert got == want, f"{len(got)} rows vs {len(want)} expected"
print(f"{len(got)} rows match")
PY
}

test_generate_to_sqlite_upsert_rows_and_values() {
  sluice capture generate --no-control --count 20000 --dup-rate 0.05 --disorder 0.1 --keys 3000 >in.ndjson
  sluice capture generate --count 20000 --dup-rate 0.05 --disorder 0.1 --keys 3000 \
    | sluice sink sqlite direct.db --table orders --upsert key.order_id
  check_upsert direct.db in.ndjson
  sluice capture file in.ndjson | sluice sink sqlite viafile.db --table orders --upsert key.order_id
  check_upsert viafile.db in.ndjson
}

test_generate_to_sqlite_raw_holds_each_id_once() {
  sluice capture generate --no-control --count 20000 --dup-rate 0.05 --keys 3000 >in.ndjson
  sluice capture file in.ndjson | sluice sink sqlite raw.db --table events --raw
  want=$(python3 -c "import json; print(len({json.loads(l)['id'] for l in open('in.ndjson')}))")
  got=$(sqlite3 raw.db 'SELECT count(*) FROM events')
  expect_eq "$got" "$want" "raw rows"
}

test_sqlite_store_records_in_the_sink_transaction() {
  sluice capture generate --count 5000 --checkpoint sqlite:t.db \
    | sluice sink sqlite t.db --table orders --upsert key.order_id --checkpoint sqlite:t.db
  got=$(sqlite3 t.db "SELECT json_extract(pos, '\$') FROM _sluice_checkpoints WHERE run IS NOT NULL")
  case "$got" in *:5000) ;; *) fail "recorded pos '$got' is not after event 5000" ;; esac
  # A second run resumes at the end and adds nothing.
  sluice capture generate --count 5000 --checkpoint sqlite:t.db 2>err \
    | sluice sink sqlite t.db --table orders --upsert key.order_id --checkpoint sqlite:t.db
  expect_contains err 'resuming after checkpoint'
}

test_sigterm_to_the_process_group_drains_and_records_the_final_barrier() {
  # No `timeout` inside: it moves its child to another process group. A watchdog
  # kills the group instead if the pipeline hangs.
  setsid bash -c 'trap "" TERM
    "$SLUICE" capture generate --rate 3000 --start-ts 1732406400000 \
      --checkpoint c.json 2>cap.err \
      | "$SLUICE" sink sqlite t.db --table orders --upsert key.order_id --checkpoint c.json 2>sink.err
    echo "${PIPESTATUS[*]}" >codes' &
  local leader=$!
  (sleep 60 && kill -KILL -- "-$leader") 2>/dev/null &
  local watchdog=$!
  sleep 1.5
  kill -TERM -- "-$leader"
  wait "$leader" || true
  kill "$watchdog" 2>/dev/null || true
  expect_eq "$(cat codes)" "0 0" "exit codes after SIGTERM"
  n=$(python3 -c "import json; e=json.load(open('c.json'))['entries'][0]; print(e['pos'].split(':')[1])")
  [ "$n" -gt 0 ] || fail "no events recorded"
  sluice capture generate --no-control --count "$n" --start-ts 1732406400000 >in.ndjson
  check_upsert t.db in.ndjson
  expect_contains cap.err 'signal received'
}

test_sigkill_of_the_capture_makes_downstream_exit_75() {
  setsid bash -c 'sh -c "echo \$\$ >cap.pid; exec \"$SLUICE\" capture generate --rate 2000" \
      | timeout 30 "$SLUICE" sink file out.ndjson 2>sink.err
    echo "${PIPESTATUS[*]}" >codes' &
  local leader=$!
  sleep 0.7
  kill -KILL "$(cat cap.pid)"
  wait "$leader" || true
  expect_eq "$(cat codes)" "137 75" "exit codes"
  expect_contains sink.err 'without an end record'
}

test_bad_data_exit_65_reaches_the_last_stage() {
  set +e
  printf '{"a":1}\n{"a":\n' | sluice capture file 2>/dev/null | sluice sink file out.ndjson 2>err
  codes="${PIPESTATUS[*]}"
  set -e
  expect_eq "$codes" "0 65 65" "exit codes"
  expect_contains err 'stopped: upstream capture file exited 65'
}

test_head_after_generate_exits_quietly() {
  set +e
  sluice capture generate 2>err | head -1 >first
  codes="${PIPESTATUS[*]}"
  set -e
  expect_eq "$codes" "0 0" "exit codes"
  [ ! -s err ] || fail "stderr: $(cat err)"
  expect_contains first '"start"'
}

run_tests
