#!/usr/bin/env bash
# capture file --follow: tail -F semantics, rotation, copytruncate, resume
# through rotated (and compressed) files, and a kill test with a live writer.
source "$(dirname "$0")/lib.sh"
require_tool python3 zstd

# wait_lines FILE N: waits (up to 10 s) until FILE holds N event lines.
wait_lines() {
  local i
  for ((i = 0; i < 1000; i++)); do
    [ "$(events_of "$1" | wc -l)" -ge "$2" ] && return 0
    sleep 0.01
  done
  fail "$1 holds $(events_of "$1" | wc -l) event lines, expected $2"
}

# start_follow ARGS…: capture file --follow in the background, output in out.ndjson.
start_follow() {
  "$SLUICE" capture file --follow "$@" >out.ndjson 2>err &
  FOLLOWER=$!
  sleep 0.3
}

stop_follow() {
  kill -TERM "$FOLLOWER"
  wait "$FOLLOWER" || fail "the follower exited $?"
}

test_follow_reads_appends_and_holds_a_last_line_until_its_newline() {
  start_follow app.log
  echo '{"n":1}' >>app.log
  wait_lines out.ndjson 1
  printf '{"n":2}\n{"n":' >>app.log
  wait_lines out.ndjson 2
  sleep 0.2
  [ "$(events_of out.ndjson | wc -l)" = 2 ] || fail "a line without its newline was emitted"
  printf '3}\n' >>app.log
  wait_lines out.ndjson 3
  stop_follow
  events_of out.ndjson | cmp - <(printf '{"n":1}\n{"n":2}\n{"n":3}\n')
  expect_contains out.ndjson '"end"'
}

test_follow_survives_rotation_and_copytruncate() {
  echo '{"n":1}' >app.log
  start_follow app.log
  wait_lines out.ndjson 1
  mv app.log app.log.1
  echo '{"n":2}' >>app.log.1 # written to the old file after the rename
  echo '{"n":3}' >app.log
  wait_lines out.ndjson 3
  echo '{"n":4}' >>app.log
  wait_lines out.ndjson 4
  : >app.log # copytruncate
  sleep 0.1
  echo '{"n":5}' >>app.log
  wait_lines out.ndjson 5
  stop_follow
  events_of out.ndjson | cmp - <(for n in 1 2 3 4 5; do echo "{\"n\":$n}"; done)
  expect_contains err 'truncated'
}

# follow_until ERR N: capture file --follow app.log | sink file out.ndjson with the
# store c.json (the capture's stderr in ERR) until out.ndjson holds N events, then
# SIGTERM and a clean end.
follow_until() {
  sluice capture file --follow app.log --checkpoint c.json 2>"$1" \
    | sluice sink file out.ndjson --checkpoint c.json &
  local pipeline=$!
  wait_lines out.ndjson "$2"
  pkill -TERM -f "capture file --follow app.log --checkpoint c.json"
  wait "$pipeline"
}

test_resume_finds_the_checkpointed_file_among_rotated_and_compressed_siblings() {
  for n in 1 2 3; do echo "{\"n\":$n}"; done >app.log
  follow_until err1 3
  # While it was down: more lines, then two rotations, the older one compressed.
  echo '{"n":4}' >>app.log
  mv app.log app.log.2
  echo '{"n":5}' >app.log
  touch -d '1 minute ago' app.log.2
  zstd -q --rm app.log.2
  touch -d '1 minute ago' app.log.2.zst
  mv app.log app.log.1
  echo '{"n":6}' >app.log
  follow_until err2 6
  expect_contains err2 'rotated: resuming in .*app.log.2.zst'
  cmp out.ndjson <(for n in 1 2 3 4 5 6; do echo "{\"n\":$n}"; done)
}

test_a_restart_before_the_first_checkpoint_reads_what_was_rotated_meanwhile() {
  for n in 1 2 3; do echo "{\"n\":$n}"; done >app.log
  # No barrier comes for a minute: the sink registers but records nothing.
  sluice capture file --follow app.log --checkpoint c.json --checkpoint-interval 60s 2>err1 \
    | sluice sink file out.ndjson --checkpoint c.json 2>err1s &
  local pipeline=$!
  wait_lines out.ndjson 3
  mv app.log app.log.1
  echo '{"n":4}' >app.log
  pkill -KILL -f "capture file --follow app.log --checkpoint c.json --checkpoint-interval 60s"
  wait "$pipeline" || true
  expect_contains err1s 'input ended without an end record'
  follow_until err2 4
  expect_contains err2 'has recorded nothing yet'
  expect_contains err2 'reading its 1 rotated file first'
  cmp out.ndjson <(for n in 1 2 3 4; do echo "{\"n\":$n}"; done)
}

test_follow_needs_files() {
  expect_exit 2 sluice capture file --follow 2>err
  expect_exit 2 sluice capture file --follow - 2>err
  expect_contains err 'cannot be followed'
}

test_followed_files_survive_sigkill_with_a_live_writer() {
  python3 "$SLUICE_SOURCE_DIR/tests/e2e/follow_kill.py" --sluice "$SLUICE" --workdir . \
    --lines "${FOLLOW_LINES:-20000}" --kills "${CHAOS_KILLS:-5}"
}

run_tests
