#!/usr/bin/env bash
# capture file / sink file: round trips, bad input, positions and resume.
source "$(dirname "$0")/lib.sh"
require_tool zstd python3 cmp

gen() { sluice capture generate --no-control --seed "${2:-7}" --count "$1"; }

test_round_trip_is_byte_identical() {
  gen 20000 >in.ndjson
  sluice capture file in.ndjson | sluice sink file out.ndjson
  cmp in.ndjson out.ndjson
}

test_round_trip_through_zstd() {
  gen 20000 >in.ndjson
  zstd -q in.ndjson -o in.ndjson.zst
  sluice capture file in.ndjson.zst | sluice sink file out.ndjson.zst
  zstd -dcq out.ndjson.zst >back.ndjson
  cmp in.ndjson back.ndjson
  # Compression is recognised by its magic bytes, also on stdin and under any name.
  cp in.ndjson.zst disguised.log
  sluice capture file disguised.log | sluice sink file out2.ndjson
  cmp in.ndjson out2.ndjson
  zstd -qc in.ndjson | sluice capture file - | sluice sink file out3.ndjson --compress none
  cmp in.ndjson out3.ndjson
}

test_zstd_sink_closes_a_frame_per_checkpoint() {
  gen 5000 >in.ndjson
  sluice capture file in.ndjson --checkpoint-interval 1ms --checkpoint c.json \
    | sluice sink file out.zst --checkpoint c.json
  zstd -dcq out.zst | cmp - in.ndjson
  frames=$(python3 - <<'PY'
data = open("out.zst", "rb").read()
print(data.count(b"\x28\xb5\x2f\xfd"))
PY
)
  [ "$frames" -ge 2 ] || fail "expected several zstd frames, found $frames"
}

test_several_files_are_read_in_order() {
  gen 100 1 >a.ndjson
  gen 100 2 >b.ndjson
  sluice capture file a.ndjson b.ndjson | sluice sink file out.ndjson
  cat a.ndjson b.ndjson | cmp - out.ndjson
}

test_format_lines_wraps_text() {
  printf 'plain\nwith "quotes" and \\ backslash\ttab\n\x01ctrl\nünïcödé ✓\nlast' >in.txt
  sluice capture file --format lines in.txt | sluice sink file out.ndjson
  python3 - <<'PY'
import json
want = [json.dumps({"data": l}, ensure_ascii=False) for l in open("in.txt", encoding="utf-8").read().split("\n")]
got = open("out.ndjson", encoding="utf-8").read().splitlines()
assert [json.loads(g) for g in got] == [json.loads(w) for w in want], (got, want)
PY
}

test_accepted_input_variants_are_normalised() {
  printf '\xef\xbb\xbf{"a":1}\r\n\n   \n{"b":2}\r\n{"c":"\xc3\xa9"}' >in.ndjson
  printf '{"a":1}\n{"b":2}\n{"c":"\xc3\xa9"}\n' >want.ndjson
  sluice capture file in.ndjson | sluice sink file out.ndjson
  cmp want.ndjson out.ndjson
}

# bad_case NAME REASON-REGEX: in.ndjson holds good, bad, good lines.
bad_case() {
  local name=$1 reason=$2
  expect_exit 65 sluice capture file "$name.ndjson" >out 2>err
  expect_contains err "^sluice capture file: error: .*$name.ndjson:2: $reason"
  expect_contains out '"abort":\{"exit":65,"stage":"capture file"'
  sluice capture file --on-error skip "$name.ndjson" >skipped 2>err
  [ "$(events_of skipped | wc -l)" = 2 ] || fail "$name: skip must keep the 2 good lines"
  expect_contains err "$name.ndjson:2: ($reason).*\(skipped"
  sluice capture file --on-error "dead-letter:$name.dead" "$name.ndjson" >/dev/null 2>&1
  python3 - "$name" <<'PY'
import json, sys
name = sys.argv[1]
rows = [json.loads(l) for l in open(name + ".dead")]
assert len(rows) == 1 and rows[0]["line"] == 2 and rows[0]["source"].endswith(name + ".ndjson"), name
raw = open(name + ".ndjson", "rb").read().split(b"\n")[1]
if "raw" in rows[0]:
    assert rows[0]["raw"].encode() == raw, name + ": raw differs"
else:
    import base64
    assert base64.b64decode(rows[0]["raw_base64"]) == raw, name + ": raw_base64 differs"
PY
}

test_bad_input_is_reported_with_file_and_line() {
  g='{"ok":1}'
  printf '%s\n{"a":}\n%s\n' "$g" "$g" >malformed.ndjson
  printf '%s\n{"a":1} x\n%s\n' "$g" "$g" >trailing.ndjson
  printf '%s\n{"a":"\xff\xfe"}\n%s\n' "$g" "$g" >utf8.ndjson
  printf '%s\n{"a":"x\x00y"}\n%s\n' "$g" "$g" >nul.ndjson
  printf '%s\n[1,2]\n%s\n' "$g" "$g" >array.ndjson
  printf '%s\n{"a":01}\n%s\n' "$g" "$g" >number.ndjson
  printf '%s\n{"a":"\\q"}\n%s\n' "$g" "$g" >escape.ndjson
  printf '%s\n{"$sluice":{"checkpoint":1}}\n%s\n' "$g" "$g" >forged.ndjson
  python3 -c "import sys; sys.stdout.write('$g\n' + '{\"a\":' * 3000 + '1' + '}' * 3000 + '\n$g\n')" >deep.ndjson
  bad_case malformed 'invalid'
  bad_case trailing 'trailing content'
  bad_case utf8 'invalid UTF-8'
  bad_case nul 'invalid|unescaped'
  bad_case array 'not a JSON object'
  bad_case number 'invalid number'
  bad_case escape 'invalid string'
  bad_case forged 'a control record'
  bad_case deep 'nesting too deep'
}

test_cut_off_last_line_is_bad_data() {
  printf '{"a":1}\n{"a":' >cut.ndjson
  expect_exit 65 sluice capture file cut.ndjson >out 2>err
  expect_contains err 'cut.ndjson:2: .*(cut off|incomplete|invalid)'
  printf '{"a":1}\n{"a":2}' >nonl.ndjson
  sluice capture file nonl.ndjson --no-control >out
  printf '{"a":1}\n{"a":2}\n' | cmp - out
}

test_a_100mb_line_passes_or_is_bad_data_by_limit() {
  python3 -c "
import sys
sys.stdout.write('{\"small\":1}\n{\"big\":\"' + 'x' * (100 << 20) + '\"}\n{\"small\":2}\n')" >big.ndjson
  sluice capture file big.ndjson | sluice sink file out.ndjson
  cmp big.ndjson out.ndjson
  expect_exit 65 sluice capture file --max-line-size 1MiB big.ndjson >/dev/null 2>err
  expect_contains err 'big.ndjson:2: line longer than --max-line-size'
  sluice capture file --max-line-size 1MiB --on-error skip big.ndjson --no-control >out 2>/dev/null
  printf '{"small":1}\n{"small":2}\n' | cmp - out
}

test_head_closes_the_pipe_quietly() {
  gen 200000 >in.ndjson
  set +e
  sluice capture file in.ndjson 2>err | head -1 >/dev/null
  codes="${PIPESTATUS[*]}"
  set -e
  expect_eq "$codes" "0 0" "exit codes"
  [ ! -s err ] || fail "stderr not empty: $(cat err)"
}

test_closed_stdout_is_an_io_error() {
  gen 10 >in.ndjson
  expect_exit 74 sluice capture file in.ndjson 2>err >&-
  expect_contains err 'stdout'
}

test_checkpoint_resumes_after_the_last_recorded_position() {
  gen 3000 >in.ndjson
  sluice capture file in.ndjson --checkpoint c.json | sluice sink file out.ndjson --checkpoint c.json
  cmp in.ndjson out.ndjson
  # Nothing new: the second run emits no event and the output stays the same.
  sluice capture file in.ndjson --checkpoint c.json 2>err | sluice sink file out.ndjson --checkpoint c.json
  expect_contains err 'resuming after checkpoint'
  cmp in.ndjson out.ndjson
  # Appended lines are read from the recorded offset on.
  gen 500 9 >>in.ndjson
  sluice capture file in.ndjson --checkpoint c.json | sluice sink file out.ndjson --checkpoint c.json
  cmp in.ndjson out.ndjson
}

test_a_replaced_file_is_read_from_its_beginning() {
  gen 100 >in.ndjson
  sluice capture file in.ndjson --checkpoint c.json | sluice sink file out.ndjson --checkpoint c.json
  cp in.ndjson old.ndjson
  gen 50 3 >new.ndjson
  mv new.ndjson in.ndjson
  sluice capture file in.ndjson --checkpoint c.json 2>err | sluice sink file out.ndjson --checkpoint c.json
  expect_contains err 'is not the file checkpointed'
  cat old.ndjson in.ndjson | cmp - out.ndjson
}

test_sink_truncates_an_unrecorded_tail() {
  gen 1000 >in.ndjson
  sluice capture file in.ndjson --checkpoint c.json | sluice sink file out.ndjson --checkpoint c.json
  printf '{"torn":' >>out.ndjson
  sluice capture file in.ndjson --checkpoint c.json | sluice sink file out.ndjson --checkpoint c.json
  cmp in.ndjson out.ndjson
}

test_stdin_and_stdout_cannot_hold_positions() {
  expect_exit 2 sluice capture file - --checkpoint c.json </dev/null 2>err
  expect_contains err 'cannot be replayed'
  expect_exit 2 sluice capture file --checkpoint c.json </dev/null 2>err
  expect_exit 2 sluice sink file - --checkpoint c.json </dev/null 2>err
  expect_contains err 'cannot hold a position'
  echo '{}' >in.ndjson
  expect_exit 2 sluice capture file in.ndjson --checkpoint c.json --no-control 2>err
  expect_contains err 'no-control'
}

test_a_second_sink_on_the_same_file_exits_75() {
  mkfifo feed
  (sleep 3 >feed) &
  sluice sink file out.ndjson <feed &
  sleep 0.5
  expect_exit 75 sluice sink file out.ndjson </dev/null 2>err
  expect_contains err 'locked'
  wait
}

test_sink_strict_validates_fully() {
  printf '{"a":"\\q"}\n' >bad.ndjson
  sluice sink file out.ndjson <bad.ndjson
  expect_exit 65 sluice sink file --strict out2.ndjson <bad.ndjson 2>err
  expect_contains err 'stdin:1: invalid string'
}

test_eof_without_end_record_exits_75() {
  printf '%s\n{"a":1}\n' '{"$sluice":{"start":{"source":"x","run":"r1","resume":null,"pos":null}}}' >in
  expect_exit 75 sluice sink file out.ndjson <in 2>err
  expect_contains err 'without an end record'
}

test_abort_record_stops_the_sink_with_its_code() {
  printf '%s\n{"a":1}\n%s\n' '{"$sluice":{"start":{"source":"x","run":"r1","resume":null,"pos":null}}}' \
    '{"$sluice":{"abort":{"exit":65,"stage":"capture file","reason":"in:2: bad"}}}' >in
  expect_exit 65 sluice sink file out.ndjson <in 2>err
  expect_contains err 'stopped: upstream capture file exited 65'
}

test_sink_rotates_files_by_size_and_age() {
  gen 30000 >in.ndjson
  sluice capture file in.ndjson --checkpoint c.json --checkpoint-interval 50ms \
    | sluice sink file 'out-%Y%m%dT%H%M%S.ndjson' --rotate-size 100KiB --checkpoint c.json
  cat out-*.ndjson | cmp - in.ndjson
  expect_exit 2 sluice sink file out.ndjson --rotate-size 1MiB </dev/null 2>err
  expect_contains err 'strftime'
  expect_exit 2 sluice sink file - --rotate-interval 1s </dev/null 2>err
  # By age, zstd, without a store: every file is a complete zstd stream.
  (for i in 1 2 3; do gen 1000 "$i"; sleep 1.1; done) | sluice capture file \
    | sluice sink file 'age-%H%M%S.ndjson.zst' --rotate-interval 1s --linger 10ms
  [ "$(ls age-*.ndjson.zst | wc -l)" -ge 2 ] || fail "no rotation by age"
  for f in age-*.ndjson.zst; do zstd -tq "$f"; done
  (for i in 1 2 3; do gen 1000 "$i"; done) | cmp - <(for f in age-*.ndjson.zst; do zstd -dcq "$f"; done)
}

test_rotating_sink_loses_and_doubles_nothing_under_sigkill() {
  local args=(--count 200000 --rate 60000 --start-ts 1732406400000)
  local i victim
  for i in 1 2 3 4 5; do
    "$SLUICE" capture generate "${args[@]}" --checkpoint c.json --checkpoint-interval 50ms \
      --drain-timeout 2s 2>>err | "$SLUICE" sink file 'out-%Y%m%dT%H%M%S.ndjson' \
      --rotate-size 1MiB --checkpoint c.json 2>>err &
    sleep "0.$((RANDOM % 9 + 1))"
    victim=$([ $((RANDOM % 2)) = 0 ] && echo "capture generate" || echo "sink file out-")
    pkill -KILL -f "$SLUICE $victim" || true
    wait || true
  done
  sluice capture generate "${args[@]}" --checkpoint c.json \
    | sluice sink file 'out-%Y%m%dT%H%M%S.ndjson' --rotate-size 1MiB --checkpoint c.json
  [ "$(ls out-*.ndjson | wc -l)" -ge 2 ] || fail "no rotation happened"
  sluice capture generate "${args[@]}" --no-control >want.ndjson
  cat out-*.ndjson | cmp - want.ndjson
}

run_tests
