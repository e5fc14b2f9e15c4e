#!/usr/bin/env bash
# examples/: the systemd unit's pipeline and the tmux recipe run against a real
# PostgreSQL from tests/support (killed, restarted, stopped as systemd and tmux
# would), and the CI data check passes good data and fails bad data with line
# numbers.
source "$(dirname "$0")/lib.sh"
source "$SLUICE_SOURCE_DIR/tests/support/pg_test_lib.sh"
require_tool python3 openssl tmux setsid
pg_require
pg_start

EXAMPLES=$SLUICE_SOURCE_DIR/examples
UNIT=$EXAMPLES/systemd/sluice-orders.service
export PATH="$(dirname "$SLUICE"):$PATH"

# unit_value KEY: every value of KEY in the unit's [Service] section, one a line,
# continuation lines joined.
unit_value() {
  python3 - "$UNIT" "$1" <<'EOF'
import sys
path, key = sys.argv[1], sys.argv[2]
section, pending = None, ""
for raw in open(path, encoding="utf-8"):
    line = pending + raw.rstrip("\n")
    if line.endswith("\\"):
        pending = line[:-1] + " "
        continue
    pending = ""
    if line.startswith("[") and line.endswith("]"):
        section = line[1:-1]
    elif section == "Service" and "=" in line and not line.lstrip().startswith("#"):
        k, v = line.split("=", 1)
        if k.strip() == key:
            print(v.strip())
EOF
}

# source_db NAME: a shop database with orders and customers, 100 orders in it.
source_db() {
  local uri
  uri=$(new_db "$1")
  sql "$1" "CREATE TABLE orders (id int PRIMARY KEY, email text, amount numeric(12,2), status text)"
  sql "$1" "CREATE TABLE customers (id int PRIMARY KEY, name text)"
  add_orders "$1" 1 100
  echo "$uri"
}

# add_orders DB FROM TO: orders FROM..TO, and a customer for each.
add_orders() {
  sql "$1" "INSERT INTO orders SELECT i, 'user' || i || '@example.com', i * 1.5, 'new'
            FROM generate_series($2, $3) i;
            INSERT INTO customers SELECT i, 'customer ' || i FROM generate_series($2, $3) i"
}

# secrets DIR: the unit's credential files (trust authentication ignores the
# passwords, but the files must be read).
secrets() {
  mkdir -p "$1"
  printf 'unused' >"$1/source-password"
  printf 'unused' >"$1/target-password"
  printf 's3cret-hash-key' >"$1/hash-key"
}

# wait_for SECONDS COMMAND…: until COMMAND succeeds, or fail.
wait_for() {
  local deadline=$((SECONDS + $1))
  shift
  until "$@"; do
    [ $SECONDS -lt $deadline ] || fail "timed out waiting for: $*"
    sleep 0.2
  done
}

count_is() { [ "$(sql "$1" "SELECT count(*) FROM $2" 2>/dev/null)" = "$3" ]; }
# bumped_is DB N: N orders of the target carry the last update of the test.
bumped_is() { [ "$(sql "$1" "SELECT count(*) FROM public.orders WHERE id > 240 AND amount = id * 1.5 + 1")" = "$2" ]; }

# expect_target_matches SRC TGT: the target's orders are the source's, e-mails
# hashed with the key as `openssl dgst -sha256 -hmac` does; customers equal.
expect_target_matches() {
  local id email amount status
  rows "$1" "SELECT id, email, amount, status FROM orders ORDER BY id" >source.rows
  : >expected.rows
  while IFS=$'\t' read -r id email amount status; do
    email=$(printf '%s' "$email" | openssl dgst -sha256 -hmac 's3cret-hash-key' | sed 's/.*= //')
    printf '%s\t%s\t%s\t%s\n' "$id" "$email" "$amount" "$status" >>expected.rows
  done <source.rows
  rows "$2" "SELECT id, email, amount, status FROM public.orders ORDER BY id" >target.rows
  diff -u expected.rows target.rows >&2 || fail "target orders differ from the source's"
  expect_same_rows "$1" "$2" "SELECT id, name FROM customers ORDER BY id"
}

test_systemd_unit_restarts_only_what_a_restart_can_fix() {
  expect_eq "$(unit_value Restart)" "on-failure" "Restart"
  local prevent
  prevent=" $(unit_value RestartPreventExitStatus) "
  [[ "$prevent" == *" 2 "* && "$prevent" == *" 65 "* ]] || fail "RestartPreventExitStatus lacks 2 or 65: $prevent"
  unit_value ExecStart | grep -q "^/bin/bash -c '.*set -o pipefail;" || fail "ExecStart is not one pipefail pipeline"
  unit_value StateDirectory | grep -q . || fail "no StateDirectory"
  expect_eq "$(unit_value LoadCredential | wc -l)" 3 "credentials"
  expect_eq "$(unit_value StandardError)" "journal" "StandardError"
  # No secret reaches argv or the environment file.
  ! grep -qiE 'password=|:[^/@]+@' "$EXAMPLES/systemd/sluice-orders.env" || fail "a password in the environment file"
  unit_value ExecStart | grep -qF -- '--password-file "$$CREDENTIALS_DIRECTORY/' || fail "passwords not from credentials"
}

# run_unit DIR: runs the unit's ExecStart as systemd would, in its own session
# (so it can be signalled as a cgroup), with the environment file's variables
# pointed at the test servers; sets UNIT_PID to the session leader's PID.
run_unit() {
  local dir=$1 exec_start
  exec_start=$(unit_value ExecStart | sed 's/\$\$/$/g') # systemd's $$ is a $
  (
    cd "$dir/state"
    set -a
    . "$EXAMPLES/systemd/sluice-orders.env"
    SOURCE_URI=$SRC TARGET_URI=$TGT SLOT=orders_slot
    TABLES=public.orders,public.customers
    CREDENTIALS_DIRECTORY=$dir/credentials STATE_DIRECTORY=$dir/state
    set +a
    eval "exec setsid $exec_start" >>"$dir/journal" 2>&1
  ) &
  UNIT_PID=$!
}

# stop_unit PID SIGNAL: signals every process of the session, as systemd's
# KillMode=control-group does, and sets UNIT_STATUS to the pipeline's exit status.
stop_unit() {
  UNIT_STATUS=0
  pkill "-$2" -s "$1" || true
  wait "$1" || UNIT_STATUS=$?
}

test_systemd_pipeline_survives_a_kill_and_stops_cleanly() {
  local dir=$PWD/unit
  mkdir -p "$dir/state"
  secrets "$dir/credentials"
  SRC=$(source_db shop1)
  TGT=$(new_db warehouse1)
  run_unit "$dir"
  trap 'pkill -KILL -s "$UNIT_PID" 2>/dev/null || true' EXIT # a failed check stops it too
  wait_for 60 count_is warehouse1 public.orders 100
  add_orders shop1 101 200
  sql shop1 "UPDATE orders SET status = 'paid' WHERE id % 3 = 0; DELETE FROM orders WHERE id % 10 = 0"
  sleep 0.5
  # A crash: systemd would restart it (Restart=on-failure); nothing is lost.
  stop_unit "$UNIT_PID" KILL
  expect_eq "$UNIT_STATUS" 137 "exit status after SIGKILL"
  add_orders shop1 201 250
  run_unit "$dir"
  wait_for 60 count_is warehouse1 public.orders "$(sql shop1 'SELECT count(*) FROM orders')"
  sql shop1 "UPDATE orders SET amount = amount + 1 WHERE id > 240"
  wait_for 30 bumped_is warehouse1 10
  # systemctl stop: SIGTERM to every process; the pipeline drains and exits 0.
  stop_unit "$UNIT_PID" TERM
  expect_eq "$UNIT_STATUS" 0 "exit status after SIGTERM"
  expect_target_matches shop1 warehouse1
  [ ! -s "$dir/state/dead-letters.ndjson" ] || fail "dead letters: $(cat "$dir/state/dead-letters.ndjson")"
  ! grep -q 's3cret' "$dir/journal" || fail "the hash key reached the logs"
  # The slot was acknowledged up to what the sink committed.
  [ "$(sql shop1 "SELECT confirmed_flush_lsn IS NOT NULL FROM pg_replication_slots WHERE slot_name = 'orders_slot'")" = t ] \
    || fail "the slot was never acknowledged"
}

test_tmux_recipe_runs_the_pipeline_and_stops_on_ctrl_c() {
  local dir=$PWD/tmux
  mkdir -p "$dir/state"
  secrets "$dir/secrets"
  SRC=$(source_db shop2)
  TGT=$(new_db warehouse2)
  cat >"$dir/orders.env" <<EOF
SOURCE_URI=$SRC
TARGET_URI=$TGT
SLOT=orders_tmux
TABLES=public.orders,public.customers
EOF
  export TMUX_TMPDIR=$dir # a tmux server of this test only, gone when the test ends
  trap 'tmux kill-server 2>/dev/null || true' EXIT
  SECRETS_DIRECTORY=$dir/secrets STATE_DIRECTORY=$dir/state SLUICE=$SLUICE \
    bash "$EXAMPLES/tmux/sluice-tmux.sh" "$dir/orders.env" orders >"$dir/out"
  expect_contains "$dir/out" "tmux attach -t orders"
  wait_for 60 count_is warehouse2 public.orders 100
  add_orders shop2 101 150
  wait_for 60 count_is warehouse2 public.orders 150
  tmux send-keys -t orders:pipeline C-c
  wait_for 30 grep -qs 'exit 0' "$dir/state/exits.log"
  expect_target_matches shop2 warehouse2
  # The store window shows the source's entry (`sluice checkpoint show`).
  wait_for 15 store_window_shows "#orders_tmux"
}

store_window_shows() { tmux capture-pane -p -t orders:store | grep -q "$1"; }

test_ci_data_check_passes_good_data_and_names_bad_lines() {
  sluice capture generate --count 20000 --no-control --quiet >orders.ndjson
  SLUICE=$SLUICE bash "$EXAMPLES/ci/check-orders.sh" orders.ndjson
  # A negative amount on an order that is not a delete: the event's line.
  local line
  line=$(grep -n '"op":"update"' orders.ndjson | sed -n 100p | cut -d: -f1)
  sed "${line}s/\"amount\":[0-9.]*/\"amount\":-3/" orders.ndjson >bad-amount.ndjson
  expect_exit 65 env SLUICE="$SLUICE" bash "$EXAMPLES/ci/check-orders.sh" bad-amount.ndjson 2>err
  expect_contains err "stdin:$line: assertion failed: after.amount >= 0"
  # A line that is not JSON: the file's name and line.
  sed '700s/$/ x/' orders.ndjson >bad-json.ndjson
  expect_exit 65 env SLUICE="$SLUICE" bash "$EXAMPLES/ci/check-orders.sh" bad-json.ndjson 2>err
  expect_contains err "bad-json.ndjson:700: "
  # Several files: the second file's line is named.
  expect_exit 65 env SLUICE="$SLUICE" bash "$EXAMPLES/ci/check-orders.sh" orders.ndjson bad-json.ndjson 2>err
  expect_contains err "bad-json.ndjson:700: "
}

run_tests
