#!/usr/bin/env bash
# Watching a pipeline: --progress (through `script`, which gives a terminal),
# --log-format json, NO_COLOR, and --metrics scraped with curl while a
# pipeline runs.
source "$(dirname "$0")/lib.sh"
require_tool script python3 curl

# on_tty CMD: runs `sh -c CMD` with stderr (and stdout) on a pseudo-terminal;
# what the terminal shows goes to the file tty.out.
on_tty() {
  timeout -k 5 60 script -qec "$1" /dev/null >tty.out </dev/null
}

# free_port: a TCP port nobody listens on right now.
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# scrape PORT METRIC: the value of the one sample of METRIC (labels ignored).
scrape() {
  curl -sf "http://127.0.0.1:$1/metrics" | awk -v m="$2" '$1 ~ "^" m "[{ ]" { print $NF }'
}

# wait_for CMD…: retries CMD for up to 10 s.
wait_for() {
  local i
  for ((i = 0; i < 200; i++)); do
    "$@" && return 0
    sleep 0.05
  done
  fail "timed out waiting for: $*"
}

count_is() { # FILE N: FILE holds N event lines
  [ "$(events_of "$1" 2>/dev/null | wc -l)" = "$2" ]
}

same_bytes() { # CAPTURE_PORT SINK_PORT
  [ "$(scrape "$1" sluice_bytes_out_total)" = "$(scrape "$2" sluice_bytes_in_total)" ]
}

scrape_is() { # PORT METRIC VALUE
  [ "$(scrape "$1" "$2")" = "$3" ]
}

scrape_positive() { # PORT METRIC
  [ "$(scrape "$1" "$2")" -gt 0 ] 2>/dev/null
}

test_progress_line_is_redrawn_on_a_terminal_then_cleared_before_the_summary() {
  on_tty "'$SLUICE' capture generate --count 3000 --rate 3000 >/dev/null"
  # Redrawn in place: several frames, each starting with \r and clear-to-end.
  local frames
  frames=$(grep -o $'\r\033\\[Kcapture generate: [0-9.k]* events, [0-9.k]*/s, [0-9.]* [KM]*B, errors 0, [0-9]*s' tty.out | wc -l)
  [ "$frames" -ge 3 ] || { cat -v tty.out >&2; fail "expected at least 3 frames, got $frames"; }
  # The line is cleared, then the one summary line ends the output.
  python3 - <<'PY'
data = open("tty.out", "rb").read().decode()
summary = data.rfind("sluice capture generate: 3000 events in ")
assert summary > 0, data
assert data[:summary].endswith("\r\033[K"), repr(data[summary - 40:summary])
assert data.count("sluice capture generate: 3000 events in ") == 1
assert data[summary:].count("\n") == 1 and data.endswith("\n"), repr(data[summary:])
PY
}

test_progress_in_a_pipeline_is_drawn_by_its_last_stage() {
  on_tty "'$SLUICE' capture generate --count 2000 --rate 2000 | '$SLUICE' sink file out.ndjson"
  expect_contains tty.out $'\r\033\\[Ksink file: [0-9.k]+ in, [0-9.k]+ out, '
  # The capture writes into a pipe: it leaves the terminal's line to the sink.
  expect_not_contains tty.out $'\033\\[Kcapture generate: '
  expect_contains tty.out 'sluice capture generate: 2000 events in '
  expect_contains tty.out 'sluice sink file: 2000 events in '
  count_is out.ndjson 2000
}

test_progress_never_quiet_or_no_terminal_draw_nothing() {
  on_tty "'$SLUICE' capture generate --count 1000 --rate 2000 --progress never >/dev/null"
  expect_not_contains tty.out $'\r\033\\[K'
  expect_contains tty.out 'sluice capture generate: 1000 events in '
  on_tty "'$SLUICE' capture generate --count 1000 --rate 2000 --quiet >/dev/null"
  [ ! -s tty.out ] || { cat -v tty.out >&2; fail "--quiet printed on the terminal"; }
  # auto, stderr not a terminal: the summary only.
  sluice capture generate --count 1000 --rate 2000 >/dev/null 2>err
  expect_not_contains err $'\r'
  expect_eq "$(wc -l <err)" 1 "lines on stderr"
  expect_contains err '^sluice capture generate: 1000 events in '
}

test_progress_always_draws_into_a_file_and_counts_duplicates() {
  sluice capture generate --count 3000 --rate 3000 --dup-rate 0.2 --no-control 2>/dev/null |
    sluice dedupe --key key --progress always >/dev/null 2>err
  expect_contains err $'\r\033\\[Kdedupe: [0-9.k]+ in, [0-9.k]+ out, .*duplicates [1-9]'
  expect_contains err $'\r\033\\[Ksluice dedupe: 3000 events in, '
}

test_log_format_json_writes_one_object_per_line_with_fields() {
  printf '{"a":1}\nnot json\n{"a":2}\n' >in.ndjson
  sluice capture file in.ndjson --log-format json --on-error skip 2>cap.err |
    sluice sink file out.ndjson --log-format json 2>sink.err
  expect_exit 65 sluice capture file in.ndjson --log-format json 2>fail.err >/dev/null
  expect_exit 2 sluice sink file out.ndjson --log-format json --linger nonsense 2>usage.err </dev/null
  python3 - <<'PY'
import json
def lines(path):
    out = [json.loads(l) for l in open(path, encoding="utf-8")]
    for o in out:
        assert set(["ts", "level", "stage", "msg"]) <= set(o), o
        assert o["ts"].endswith("Z") and "T" in o["ts"], o
    return out
cap = lines("cap.err")
assert [o["level"] for o in cap] == ["warning", "info"], cap
assert cap[0]["stage"] == "capture file" and "in.ndjson:2" in cap[0]["msg"], cap[0]
assert cap[1]["events_out"] == 2 and cap[1]["bad_lines"] == 1 and cap[1]["checkpoints"] >= 1, cap[1]
sink = lines("sink.err")
assert sink[-1]["stage"] == "sink file" and sink[-1]["events_out"] == 2, sink
assert sink[-1]["msg"].startswith("2 events in "), sink
fail = lines("fail.err")
assert fail[-1]["level"] == "error" and "in.ndjson:2" in fail[-1]["msg"], fail
usage = lines("usage.err")
assert usage[-1]["level"] == "error" and "--linger" in usage[-1]["msg"], usage
PY
}

test_warnings_are_coloured_on_a_terminal_unless_no_color() {
  printf '{"a":1}\nnot json\n' >in.ndjson
  on_tty "'$SLUICE' capture file in.ndjson --on-error skip --progress never >/dev/null"
  expect_contains tty.out $'sluice capture file: \033\\[33mwarning: \033\\[0m'
  expect_not_contains tty.out $'\033\\[[0-9;]*msluice capture file: 2 events'
  on_tty "NO_COLOR=1 '$SLUICE' capture file in.ndjson --on-error skip --progress never >/dev/null"
  expect_contains tty.out 'sluice capture file: warning: in.ndjson:2'
  expect_not_contains tty.out $'\033'
  # Not a terminal: no colour either.
  sluice capture file in.ndjson --on-error skip >/dev/null 2>err
  expect_not_contains err $'\033'
}

test_metrics_are_scraped_from_a_running_pipeline() {
  local p1 p2 cap
  p1=$(free_port)
  p2=$(free_port)
  for n in $(seq 1 100); do echo "{\"n\":$n}"; done >in.ndjson
  "$SLUICE" capture file --follow in.ndjson --metrics "$p1" --checkpoint-interval 200ms 2>cap.err |
    "$SLUICE" sink file out.ndjson --metrics "127.0.0.1:$p2" 2>sink.err &
  cap=$(jobs -p | tail -1)
  CAPTURE_PID=$cap
  trap 'kill "$CAPTURE_PID" 2>/dev/null || true' EXIT # a failed check stops the pipeline too
  wait_for count_is out.ndjson 100
  wait_for scrape_is "$p1" sluice_events_out_total 100
  wait_for scrape_is "$p2" sluice_events_out_total 100
  expect_eq "$(scrape "$p2" sluice_events_in_total)" 100 "sink events in"
  # What the capture wrote (events and control records) is what the sink read.
  wait_for same_bytes "$p1" "$p2"
  [ "$(scrape "$p1" sluice_bytes_out_total)" -gt "$(stat -c %s in.ndjson)" ] || fail "capture bytes out"
  for n in $(seq 101 150); do echo "{\"n\":$n}"; done >>in.ndjson
  wait_for scrape_is "$p1" sluice_events_out_total 150
  wait_for scrape_is "$p2" sluice_events_out_total 150
  # Barriers come every 200 ms; the sink counts those it committed.
  wait_for scrape_positive "$p1" sluice_barriers_total
  wait_for scrape_positive "$p2" sluice_barriers_total
  curl -sf "http://127.0.0.1:$p1/metrics" >cap.metrics
  expect_contains cap.metrics '^# TYPE sluice_events_out_total counter$'
  expect_contains cap.metrics '^sluice_events_out_total\{stage="capture",command="capture file"\} 150$'
  expect_contains cap.metrics '^sluice_errors_total\{stage="capture",command="capture file",kind="malformed"\} 0$'
  expect_contains cap.metrics '^sluice_barriers_total\{[^}]*\} [1-9]'
  expect_contains cap.metrics '^sluice_checkpoint_age_seconds\{[^}]*\} [0-9.]+$'
  expect_contains cap.metrics '^sluice_queue_depth_bytes\{[^}]*,queue="stdout"\} [0-9]+$'
  curl -sf "http://127.0.0.1:$p2/metrics" >sink.metrics
  expect_contains sink.metrics '^sluice_queue_depth_bytes\{stage="sink",command="sink file",queue="stdin"\} [0-9]+$'
  expect_contains sink.metrics '^sluice_barriers_total\{[^}]*\} [1-9]'
  # Other paths: 404; bound to loopback only.
  expect_eq "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$p1/")" 404 "status of /"
  expect_eq "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$p1/other")" 404 "status of /other"
  python3 - "$p1" "$p2" <<'PY'
import sys
ports = {int(p) for p in sys.argv[1:]}
seen = {}
for path in ("/proc/net/tcp", "/proc/net/tcp6"):
    for line in open(path).readlines()[1:]:
        local, state = line.split()[1], line.split()[3]
        addr, port = local.split(":")
        if state == "0A" and int(port, 16) in ports:
            seen[int(port, 16)] = addr
assert set(seen) == ports, seen
assert all(a == "0100007F" for a in seen.values()), seen
PY
  kill -TERM "$cap"
  wait "$cap"
  count_is out.ndjson 150
  # The servers are gone with their stages.
  ! curl -s "http://127.0.0.1:$p1/metrics" >/dev/null || fail "the capture's server outlived it"
}

test_metrics_counts_bad_lines_by_kind() {
  local p
  p=$(free_port)
  printf '{"a":1}\nnot json\n{"a":2}\n' >in.ndjson
  (cat in.ndjson; sleep 3) | "$SLUICE" sink file out.ndjson --metrics "$p" --on-error skip 2>err &
  wait_for scrape_is "$p" sluice_events_out_total 2
  curl -sf "http://127.0.0.1:$p/metrics" >m
  expect_contains m '^sluice_errors_total\{stage="sink",command="sink file",kind="malformed"\} 1$'
  expect_contains m '^sluice_bytes_in_total\{[^}]*\} 25$'
  wait
}

test_metrics_port_in_use_or_bad_address_is_a_clear_error() {
  local p
  p=$(free_port)
  python3 -c '
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen()
open("ready", "w").close(); time.sleep(10)' "$p" &
  local holder=$!
  wait_for test -e ready
  expect_exit 69 sluice capture generate --count 1 --metrics "$p" >/dev/null 2>err
  expect_contains err "^sluice capture generate: error: --metrics 127.0.0.1:$p: cannot listen: Address already in use$"
  kill "$holder"
  expect_exit 2 sluice capture generate --count 1 --metrics 99999 >/dev/null 2>err
  expect_contains err 'invalid port'
  expect_exit 2 sluice transform --metrics ':9100' </dev/null >/dev/null 2>err
  expect_contains err 'host is empty'
}

run_tests
