#!/usr/bin/env bash
# sluice dedupe and sluice reorder through real processes: generated data
# checked by an independent script, saved state across restarts, bad input,
# late events, sequence mode, barriers that a quiet source must not freeze.
# The SIGKILL test of these stages is in dedupe_reorder_kill.sh.
source "$(dirname "$0")/lib.sh"
require_tool python3 sqlite3 mkfifo

# check_once_in_order INPUT OUTPUT [sorted|cut|any]: OUTPUT's events are exactly
# the distinct events of INPUT (the first line of each id), each once; `sorted`:
# in event-time order; `cut`: in order between checkpoint barriers (an event
# never overtakes the barrier it came after). Control records are well formed.
check_once_in_order() {
  python3 - "$@" <<'PY'
import json, sys
inp, out, mode = sys.argv[1], sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else "sorted"
first = {}
for raw in open(inp, "rb").read().split(b"\n"):
    if raw:
        ev = json.loads(raw)
        first.setdefault(ev["id"], raw)
events, segments, controls = [], [[]], []
for raw in open(out, "rb").read().split(b"\n"):
    if not raw:
        continue
    obj = json.loads(raw)
    if list(obj) == ["$sluice"]:
        controls.append(obj["$sluice"])
        if "checkpoint" in obj["$sluice"]:
            segments.append([])
        continue
    events.append(raw)
    segments[-1].append(obj["ts"])
ids = [json.loads(e)["id"] for e in events]
assert len(ids) == len(set(ids)), f"{len(ids) - len(set(ids))} duplicate ids in the output"
assert sorted(events) == sorted(first.values()), \
    f"{len(events)} events out, {len(first)} distinct in; missing {len(set(first.values()) - set(events))}"
if mode == "sorted":
    ts = [t for s in segments for t in s]
    bad = sum(1 for a, b in zip(ts, ts[1:]) if b < a)
    assert bad == 0, f"{bad} events out of time order"
elif mode == "cut":
    for i, s in enumerate(segments):
        bad = sum(1 for a, b in zip(s, s[1:]) if b < a)
        assert bad == 0, f"{bad} events out of time order between barriers {i} and {i + 1}"
kinds = [next(iter(c)) for c in controls if next(iter(c)) != "watermark"]
if kinds:
    assert kinds[0] == "start" and kinds[-1] == "end", kinds[:3] + kinds[-3:]
    nums = [c["checkpoint"] for c in controls if "checkpoint" in c]
    assert nums == sorted(nums) and len(nums) == len(set(nums)), "barriers out of order"
marks = [c["watermark"] for c in controls if "watermark" in c]
assert marks == sorted(marks), "watermarks go back"
print(f"{len(events)} distinct events once each, {len(segments) - 1} barriers, {len(marks)} watermarks")
PY
}

gen() { # COUNT [FLAGS…]: generated events with duplicates and disorder, no control records
  local n=$1
  shift
  sluice capture generate --no-control --count "$n" --dup-rate 0.05 --disorder 0.1 \
    --max-lateness 2s "$@"
}

test_generated_events_come_out_once_each_in_time_order() {
  gen 200000 >in.ndjson
  sluice capture generate --count 200000 --dup-rate 0.05 --disorder 0.1 --max-lateness 2s \
    | sluice dedupe --key id 2>dedupe.err | sluice reorder --time ts --lateness 2s >out.ndjson 2>reorder.err
  # Barriers come every second of wall clock: when one fell inside the run, events
  # are in order between barriers (none overtakes one); otherwise entirely.
  if [ "$(grep -c '"checkpoint"' out.ndjson)" -gt 1 ]; then
    check_once_in_order in.ndjson out.ndjson cut
  else
    check_once_in_order in.ndjson out.ndjson sorted
  fi
  expect_contains dedupe.err 'duplicates dropped'
  expect_contains reorder.err ' 0 late events'
  gen 200000 | sluice dedupe | sluice reorder --lateness 2s >plain.ndjson
  check_once_in_order in.ndjson plain.ndjson sorted
}

test_frequent_barriers_cut_the_stream_and_keep_every_event_once() {
  gen 100000 --seed 5 >in.ndjson
  sluice capture generate --count 100000 --dup-rate 0.05 --disorder 0.1 --max-lateness 2s \
    --seed 5 --checkpoint-interval 5ms \
    | sluice dedupe | sluice reorder --lateness 2s >out.ndjson
  check_once_in_order in.ndjson out.ndjson cut
}

# pipeline OUT: capture file in.ndjson | dedupe --state | sink file OUT, all with one store.
pipeline() {
  sluice capture file in.ndjson --checkpoint c.json --drain-timeout 2s \
    | sluice dedupe --state state --checkpoint c.json --duplicates dups.ndjson "${@:2}" \
    | sluice sink file "$1" --checkpoint c.json
}

test_dedupe_state_carries_over_to_the_next_run() {
  gen 20000 --seed 3 >all.ndjson
  head -n 12000 all.ndjson >in.ndjson
  pipeline out.ndjson
  tail -n +12001 all.ndjson >>in.ndjson
  # The capture resumes after what the sink recorded; dedupe restores the keys of
  # the first run, so repeats across the two runs are dropped too.
  pipeline out.ndjson 2>err
  expect_contains err 'restored the state of checkpoint'
  check_once_in_order all.ndjson out.ndjson any
  python3 - <<'PY'
import json
lines = [l for l in open("all.ndjson", "rb").read().split(b"\n") if l]
seen, dups = set(), []
for l in lines:
    i = json.loads(l)["id"]
    if i in seen:
        dups.append(l)
    seen.add(i)
got = [l for l in open("dups.ndjson", "rb").read().split(b"\n") if l]
assert got == dups, f"{len(got)} lines in the duplicates file, {len(dups)} repeats in the input"
PY
}

test_a_second_dedupe_on_the_same_state_exits_75() {
  mkfifo hold
  sluice dedupe --state state --checkpoint c.json <hold >/dev/null 2>first.err &
  local first=$!
  exec 7>hold
  for _ in $(seq 50); do [ -e state/lock ] && break; sleep 0.1; done
  expect_exit 75 sluice dedupe --state state --checkpoint c.json </dev/null >/dev/null 2>err
  expect_contains err 'state directory state is locked by another running stage'
  exec 7>&-
  wait "$first" || true
}

test_corrupt_state_exits_65_unless_reset_state() {
  gen 5000 --seed 9 >in.ndjson
  pipeline out.ndjson
  printf '{"id":"new-1","ts":1732406500000}\n' >>in.ndjson
  for f in state/segment-*.sjl; do
    python3 - "$f" <<'PY'
import sys
p = sys.argv[1]
b = bytearray(open(p, "rb").read())
for i in range(len(b) // 2, len(b) - 9, 7):
    b[i] ^= 0x55
open(p, "wb").write(b)
PY
  done
  set +e
  pipeline out.ndjson 2>err
  codes="${PIPESTATUS[*]}"
  set -e
  case "$codes" in *65*) ;; *) fail "exit codes $codes: dedupe must exit 65 on corrupt state" ;; esac
  expect_contains err 'sluice dedupe: error: .*(corrupt|no saved state).*--reset-state'
  pipeline out.ndjson --reset-state 2>err
  expect_contains err 'starting with an empty state \(--reset-state\)'
  [ "$(grep -c new-1 out.ndjson)" = 1 ] || fail "the new event is not in the output once"
}

test_dedupe_within_forgets_old_keys_by_event_time() {
  printf '%s\n' '{"id":"a","ts":1732406400000}' '{"id":"a","ts":1732406430000}' \
    '{"id":"b","ts":1732406500000}' '{"id":"a","ts":1732406500001}' >in.ndjson
  sluice dedupe --within 1m <in.ndjson >out.ndjson 2>err
  printf '%s\n' '{"id":"a","ts":1732406400000}' '{"id":"b","ts":1732406500000}' \
    '{"id":"a","ts":1732406500001}' | cmp - out.ndjson
  expect_contains err '1 duplicates dropped, 2 keys remembered, .*expired by --within'
}

test_dedupe_max_keys_evicts_and_warns() {
  sluice capture generate --no-control --count 5000 >in.ndjson
  sluice dedupe --max-keys 640 <in.ndjson >out.ndjson 2>err
  expect_contains err 'warning: --max-keys 640 reached'
  [ "$(grep -c 'warning: --max-keys' err)" -le 4 ] || fail "eviction warnings are not rate-limited"
  cmp in.ndjson out.ndjson
}

test_dedupe_keys_on_several_paths_and_exact_keys() {
  printf '%s\n' '{"t":"a","k":{"id":1}}' '{"t":"b","k":{"id":1}}' '{"k":{"id":1},"t":"a"}' >in.ndjson
  sluice dedupe --key t --key k.id <in.ndjson >out1.ndjson
  sluice dedupe --key t,k.id --exact <in.ndjson >out2.ndjson
  head -n 2 in.ndjson | cmp - out1.ndjson
  cmp out1.ndjson out2.ndjson
}

# bad_input STAGE…: good, bad, good lines through the stage under each policy.
bad_input() {
  local g='{"id":"g1","ts":1732406400000}' h='{"id":"g2","ts":1732406400001}' name
  printf '%s\n{"a":}\n%s\n' "$g" "$h" >malformed.ndjson
  printf '%s\n{"a":1} x\n%s\n' "$g" "$h" >trailing.ndjson
  printf '%s\n{"a":"\xff\xfe"}\n%s\n' "$g" "$h" >utf8.ndjson
  printf '%s\n{"a":"x\x00y"}\n%s\n' "$g" "$h" >nul.ndjson
  printf '%s\n{"id":"x"\n%s\n' "$g" "$h" >cutoff.ndjson
  printf '%s\n{"other":1}\n%s\n' "$g" "$h" >missing.ndjson
  python3 -c "import sys; sys.stdout.write('$g\n' + '{\"a\":' * 3000 + '1' + '}' * 3000 + '\n$h\n')" >deep.ndjson
  for name in malformed trailing utf8 nul cutoff missing deep; do
    expect_exit 65 sluice "$@" <"$name.ndjson" >out 2>err
    expect_contains err "^sluice $1: error: stdin:2: "
    sluice "$@" --on-error skip <"$name.ndjson" >out 2>err
    printf '%s\n%s\n' "$g" "$h" | cmp - out || fail "$name: skip must keep the good lines"
    sluice "$@" --on-error dead-letter:dead.ndjson <"$name.ndjson" >/dev/null 2>&1
  done
  [ "$(wc -l <dead.ndjson)" = 7 ] || fail "dead letters: $(wc -l <dead.ndjson), expected 7"
  # Accepted variants: a BOM, CRLF, blank lines, a last line without its newline.
  printf '\xef\xbb\xbf%s\r\n\n  \n%s' "$g" "$h" | sluice "$@" >out
  printf '%s\n%s\n' "$g" "$h" | cmp - out
}

test_dedupe_handles_bad_and_odd_input() {
  bad_input dedupe
}

test_reorder_handles_bad_and_odd_input() {
  bad_input reorder --lateness 1s
}

test_a_100mb_line_passes_through_both() {
  python3 -c "
import sys
sys.stdout.write('{\"id\":\"s1\",\"ts\":1732406400000}\n{\"id\":\"big\",\"ts\":1732406400002,\"x\":\"' + 'x' * (100 << 20) + '\"}\n{\"id\":\"s2\",\"ts\":1732406400001}\n')" >big.ndjson
  sluice dedupe <big.ndjson | sluice reorder --lateness 1s >out.ndjson
  python3 - <<'PY'
lines = open("big.ndjson", "rb").read().split(b"\n")
want = b"\n".join([lines[0], lines[2], lines[1]]) + b"\n"
assert open("out.ndjson", "rb").read() == want, "the 100 MB line did not pass intact and in order"
PY
}

test_closed_pipe_and_closed_stdout() {
  gen 100000 >in.ndjson
  set +e
  sluice dedupe <in.ndjson 2>err1 | head -1 >/dev/null
  c1="${PIPESTATUS[*]}"
  sluice reorder --lateness 2s <in.ndjson 2>err2 | head -1 >/dev/null
  c2="${PIPESTATUS[*]}"
  set -e
  expect_eq "$c1 / $c2" "0 0 / 0 0" "exit codes with head"
  expect_exit 74 sluice dedupe <in.ndjson >&- 2>err
  expect_exit 74 sluice reorder --lateness 1s <in.ndjson >&- 2>err
}

test_reorder_late_events_are_emitted_dropped_or_dead_lettered() {
  printf '%s\n' '{"ts":1732406410000}' '{"ts":1732406405000}' '{"ts":1732406411000}' >in.ndjson
  sluice reorder --lateness 1s <in.ndjson >emit.ndjson 2>err
  expect_contains err 'warning: stdin:2: late: event time 1732406405000 is 4000 ms below the watermark'
  expect_contains err '1 late events \(emitted\)'
  printf '%s\n' '{"ts":1732406405000}' '{"ts":1732406410000}' '{"ts":1732406411000}' | cmp - emit.ndjson
  sluice reorder --lateness 1s --late drop <in.ndjson >drop.ndjson 2>/dev/null
  printf '%s\n' '{"ts":1732406410000}' '{"ts":1732406411000}' | cmp - drop.ndjson
  sluice reorder --lateness 1s --late dead-letter:late.ndjson <in.ndjson >dead.ndjson 2>/dev/null
  cmp drop.ndjson dead.ndjson
  expect_contains late.ndjson '^\{"source":"stdin","line":2,"reason":"late: .*","raw":"\{\\"ts\\":1732406405000\}"\}$'
}

test_reorder_sequence_mode_orders_partitions_and_reports_gaps() {
  printf '%s\n' '{"p":"a","n":1}' '{"p":"b","n":5}' '{"p":"a","n":3}' '{"p":"a","n":2}' \
    '{"p":"b","n":7}' '{"p":"a","n":4}' >in.ndjson
  sluice reorder --seq n --partition p --gap-timeout 100ms <in.ndjson >out.ndjson 2>err
  printf '%s\n' '{"p":"a","n":1}' '{"p":"b","n":5}' '{"p":"a","n":2}' '{"p":"a","n":3}' \
    '{"p":"a","n":4}' '{"p":"b","n":7}' | cmp - out.ndjson
  expect_contains err 'partition b: sequence gap: 6 missing \(the input ended\)'
  expect_contains err '1 gaps skipped \(1 numbers missing\)'
}

test_a_quiet_source_does_not_hold_a_barrier_in_reorder() {
  # One event and a barrier, then silence: with --idle-timeout at its default
  # (--lateness, as barriers flow) the barrier comes out well before the end.
  {
    printf '%s\n' '{"$sluice":{"start":{"source":"s","run":"r","resume":null,"pos":null}}}' \
      '{"ts":1732406400000}' '{"ts":1732406401000}' \
      '{"$sluice":{"checkpoint":1,"source":"s","run":"r","pos":1}}'
    sleep 4
    printf '%s\n' '{"$sluice":{"end":{"checkpoint":1}}}'
  } | sluice reorder --lateness 1s | while IFS= read -r line; do
    printf '%s %s\n' "$(date +%s%N)" "$line"
  done >timed.txt
  python3 - <<'PY'
rows = [l.split(" ", 1) for l in open("timed.txt").read().splitlines()]
t0 = int(rows[0][0])
when = {r[1]: (int(r[0]) - t0) / 1e9 for r in rows}
barrier = next(t for l, t in when.items() if '"checkpoint":1,' in l)
end = next(t for l, t in when.items() if '"end"' in l)
assert barrier < end - 1, f"the barrier came at {barrier:.1f}s, the end at {end:.1f}s"
assert any('"watermark":1732406401000' in l for l in when), "no watermark reached the last event"
PY
}

test_usage_errors_exit_2() {
  expect_exit 2 sluice reorder </dev/null
  expect_exit 2 sluice reorder --partition p --lateness 1s </dev/null
  expect_exit 2 sluice reorder --seq n --lateness 1s </dev/null
  expect_exit 2 sluice reorder --lateness 1s --max-buffer 0 </dev/null
  expect_exit 2 sluice reorder --lateness 1s --late keep </dev/null
  expect_exit 2 sluice dedupe --state s </dev/null
  expect_exit 2 sluice dedupe --reset-state </dev/null
  expect_exit 2 sluice dedupe --key 'items[*].id' </dev/null
  expect_exit 2 sluice dedupe --within 0s </dev/null
  expect_exit 2 sluice dedupe --max-keys 0 </dev/null 2>err
  expect_contains err 'sluice dedupe: error: '
}

run_tests
