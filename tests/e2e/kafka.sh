#!/usr/bin/env bash
# capture kafka and sink kafka against a librdkafka mock cluster run as its own
# process (tests/support/kafka.sh), with kcat as the independent client: round
# trips both ways, every kind of value, mirrors, resumes, offsets, a consumer
# group losing a member, brokers going away, and the refusals of DESIGN §2.
source "$(dirname "$0")/lib.sh"
require_tool kcat python3 sqlite3 setsid

KAFKA_SH=$SLUICE_SOURCE_DIR/tests/support/kafka.sh
SLUICE_BUILD_DIR=$(cd "${SLUICE_BUILD_DIR:-$(dirname "$SLUICE")}" && pwd)
export SLUICE SLUICE_BUILD_DIR
if [ ! -x "$SLUICE_BUILD_DIR/tests/support/kafka_mock" ]; then
  [ "${CI:-}" = true ] && { echo "FAIL: kafka_mock is not built" >&2; exit 1; }
  echo "SKIP: kafka_mock is not built" >&2
  exit 125
fi
KAFKA_STATE=$SUITE_DIR/kafka
eval "$(bash "$KAFKA_SH" start "$KAFKA_STATE")"
trap 'bash "$KAFKA_SH" stop "$KAFKA_STATE"; rm -rf "$SUITE_DIR"' EXIT
B=$KAFKA_BROKERS
# Group members: rejoin quickly after a member dies (NOTES.md).
GROUP_X=(-X session.timeout.ms=3000 -X heartbeat.interval.ms=300)

topic() { bash "$KAFKA_SH" topic "$KAFKA_STATE" "$1" "$2"; }
kc() { timeout 60 kcat -b "$B" -q "$@"; }
committed() { bash "$KAFKA_SH" offsets "$KAFKA_STATE" "$1" "$2"; }

# sorted_values FILE: the events of FILE (control records dropped), sorted.
sorted_events() { events_of "$1" | LC_ALL=C sort; }

test_sluice_to_sluice_round_trip_keeps_every_event_and_per_key_order() {
  topic rt1 8
  sluice capture generate --count 5000 --dup-rate 0.05 --no-control >in.ndjson
  sluice capture file in.ndjson | sluice sink kafka -b "$B" -t rt1 --key key.order_id 2>sink.err
  expect_contains sink.err '5000 messages delivered'
  sluice capture kafka -b "$B" -t rt1 -e >out.ndjson 2>cap.err
  expect_files_eq <(sorted_events out.ndjson) <(LC_ALL=C sort in.ndjson)
  # One key's events stay in order: they share a partition.
  python3 - in.ndjson out.ndjson <<'PY'
import json, sys
def by_key(path):
    out = {}
    for l in open(path):
        e = json.loads(l)
        if "$sluice" in e:
            continue
        out.setdefault(e["key"]["order_id"], []).append(l)
    return out
a, b = by_key(sys.argv[1]), by_key(sys.argv[2])
assert a == b, "per-key order differs"
PY
  head -n 1 out.ndjson | grep -q '"start"' || fail "no start record"
  expect_contains out.ndjson '"end"'
}

test_sink_kafka_to_kcat_carries_keys_headers_and_timestamps() {
  topic kh1 4
  cat >in.ndjson <<'EOF'
{"id":1,"k":"alpha","h":{"trace":"t-1","n":5},"v":"x"}
{"id":2,"k":{"a":1},"h":{"trace":"t-2"},"v":"é"}
{"id":3,"v":"no key"}
EOF
  sluice capture file in.ndjson | sluice sink kafka -b "$B" -t kh1 --key k --headers h
  kc -C -t kh1 -e -f '%k|%h|%s\n' | LC_ALL=C sort >got.txt
  cat >want.txt <<'EOF'
alpha|trace=t-1,n=5|{"id":1,"k":"alpha","h":{"trace":"t-1","n":5},"v":"x"}
{"a":1}|trace=t-2|{"id":2,"k":{"a":1},"h":{"trace":"t-2"},"v":"é"}
||{"id":3,"v":"no key"}
EOF
  expect_files_eq got.txt <(LC_ALL=C sort want.txt)
  # An envelope sets the message timestamp.
  topic kh2 1
  echo '{"data":{"a":1},"kafka":{"key":"k","ts":1700000000123}}' \
    | sluice sink kafka -b "$B" -t kh2 --format envelope
  expect_eq "$(kc -C -t kh2 -e -f '%T %k %s\n')" '1700000000123 k {"a":1}'
}

test_kcat_to_capture_kafka_wraps_every_kind_of_value() {
  topic kv1 1
  printf '%s\x1e' '{"a":1}' '[1, 2]' '42' 'plain text' '{"broken":' '{"a":1} trailing' \
    "$(printf '{\n  "pretty": [1,\n 2]\n}')" "$(printf 'crlf\r\nline')" "$(printf '\xef\xbb\xbf{"bom":1}')" \
    "$(printf 'nul\x01byte')" "$(printf 'bin\xff\xfe')" \
    >values.bin
  printf 'k1|{"id":"own","ts":5}' | kc -P -t kv1 -D '\x1e' -K '|' -H trace=abc -H bin=x
  kc -P -t kv1 -D '\x1e' -l values.bin
  printf 'tomb|\x1e' | kc -P -t kv1 -D '\x1e' -K '|' -Z
  sluice capture kafka -b "$B" -t kv1 -e --no-control >out.ndjson
  sluice capture kafka -b "$B" -t kv1 -e --no-control --meta >meta.ndjson
  python3 - out.ndjson meta.ndjson <<'PY'
import base64, json, sys
out = [json.loads(l) for l in open(sys.argv[1])]
meta = [json.loads(l) for l in open(sys.argv[2])]
assert out[0] == {"id": "own", "ts": 5}, out[0]
want = [
    {"a": 1},
    {"data": [1, 2]},
    {"data": 42},
    {"data": "plain text", "encoding": "text"},
    {"data": '{"broken":', "encoding": "text"},
    {"data": '{"a":1} trailing', "encoding": "text"},
    {"data": {"pretty": [1, 2]}},
    {"data": "crlf\r\nline", "encoding": "text"},
    {"data": '\ufeff{"bom":1}', "encoding": "text"},
    {"data": "nul\x01byte", "encoding": "text"},
    {"data": base64.b64encode(b"bin\xff\xfe").decode(), "encoding": "base64"},
]
got = out[1:1 + len(want)]
assert got == want, f"{got} != {want}"
m = meta[0]
assert m["id"] == "own" and m["ts"] == 5, m
k = m["kafka"]
assert k["topic"] == "kv1" and k["partition"] == 0 and k["offset"] == 0 and k["key"] == "k1", k
assert k["headers"] == [{"key": "trace", "value": "abc"}, {"key": "bin", "value": "x"}], k
assert isinstance(k["ts"], int) and k["ts"] > 1600000000000, k
m = meta[1]
assert m["id"] == "kv1/0/1" and m["ts"] == m["kafka"]["ts"] and m["a"] == 1, m
print(f"{len(out)} values checked")
PY
}

test_a_control_record_in_a_topic_is_bad_data() {
  topic cr1 1
  printf '%s\n' '{"ok":1}' '{"$sluice":{"end":{"checkpoint":1}}}' '{"ok":2}' | kc -P -t cr1
  expect_exit 65 sluice capture kafka -b "$B" -t cr1 -e --no-control 2>err >out.ndjson
  expect_contains err 'cr1/0:1: a control record from outside sluice'
  sluice capture kafka -b "$B" -t cr1 -e --no-control --on-error dead-letter:dl.ndjson >out.ndjson 2>err
  expect_eq "$(cat out.ndjson)" "$(printf '%s\n' '{"ok":1}' '{"ok":2}')"
  expect_contains dl.ndjson '"source":"cr1/0","line":1'
  expect_contains err 'bad lines: 1'
}

test_sink_kafka_bad_lines_follow_on_error_and_nothing_is_dropped_silently() {
  topic bl1 1
  printf '{"a":1}\n{"a":\n\n{"a":2} x\r\n\xef\xbb\xbf{"bom":1}\r\n{"bad":"\xff"}\n[1]\n{"a":3}' >in.ndjson
  expect_exit 65 sluice sink kafka -b "$B" -t bl1 <in.ndjson 2>err
  expect_contains err 'stdin:2:'
  sluice sink kafka -b "$B" -t bl1 --strict --on-error dead-letter:dl.ndjson <in.ndjson 2>err
  # Lines 2 (cut off), 4 (trailing garbage), 5 (a BOM not on the first line),
  # 6 (invalid UTF-8) and 7 (not an object); the blank line is skipped.
  expect_contains err 'bad lines: 5'
  expect_eq "$(wc -l <dl.ndjson)" 5 "dead letters"
  expect_contains dl.ndjson '"line":6,"reason":"invalid UTF-8"'
  # (The first run may or may not have sent line 1 before it failed: it
  # recorded nothing, so a replay sends it again either way.)
  expect_eq "$(kc -C -t bl1 -e | LC_ALL=C sort -u | tr '\n' ' ')" '{"a":1} {"a":3} '
  # A message librdkafka refuses (larger than message.max.bytes) is bad data too.
  python3 -c "print('{\"big\":\"' + 'x' * 2000000 + '\"}')" >big.ndjson
  expect_exit 65 sluice sink kafka -b "$B" -t bl1 <big.ndjson 2>err
  expect_contains err 'larger than message.max.bytes'
}

test_envelope_mirror_reproduces_keys_headers_timestamps_and_bytes() {
  topic mi1 3
  topic mi2 3
  printf '%s\x1e' 'a|{"x": 1}' 'b|text' "c|$(printf 'bin\xff')" "d|$(printf '{\n"p":1\n}')" >in.bin
  kc -P -t mi1 -D '\x1e' -K '|' -H h1=v1 -l in.bin
  sluice capture kafka -b "$B" -t mi1 -e --format envelope \
    | sluice sink kafka -b "$B" -t mi2 --format envelope --key kafka.key
  kc -C -t mi1 -e -f '%k %T %h %s\n' | LC_ALL=C sort >a.txt
  kc -C -t mi2 -e -f '%k %T %h %s\n' | LC_ALL=C sort >b.txt
  [ "$(wc -l <a.txt)" -ge 4 ] || fail "mi1 has only $(wc -l <a.txt) lines"
  cmp a.txt b.txt || { diff -u a.txt b.txt >&2 || true; fail "the mirror differs"; }
}

test_sink_topic_from_partition_and_compression_choices() {
  topic tf_a 2
  topic tf_b 2
  printf '%s\n' '{"t":"tf_a","n":1}' '{"t":"tf_b","n":2}' '{"t":"tf_a","n":3}' >in.ndjson
  sluice sink kafka -b "$B" --topic-from t <in.ndjson
  expect_eq "$(kc -C -t tf_a -e | LC_ALL=C sort | tr -d '\n')" '{"t":"tf_a","n":1}{"t":"tf_a","n":3}'
  expect_eq "$(kc -C -t tf_b -e | tr -d '\n')" '{"t":"tf_b","n":2}'
  echo '{"n":4}' >none.ndjson
  expect_exit 65 sluice sink kafka -b "$B" --topic-from t <none.ndjson 2>err
  expect_contains err 'topic-from: t is missing'
  expect_exit 2 sluice sink kafka -b "$B" -t tf_a --topic-from t </dev/null
  # --partition pins every message, keyed or not; every codec reads back the same.
  topic tp1 4
  for codec in zstd lz4 none; do
    seq 1 50 | sed "s/.*/{\"n\":&,\"c\":\"$codec\"}/" \
      | sluice sink kafka -b "$B" -t tp1 --partition 2 --compress "$codec" --key n
  done
  expect_eq "$(kc -C -t tp1 -e -f '%p\n' | sort -u)" 2
  expect_eq "$(kc -C -t tp1 -e | LC_ALL=C sort -u | wc -l)" 150
  expect_exit 2 sluice sink kafka -b "$B" -t tp1 --compress gzip </dev/null
  expect_exit 69 sluice sink kafka -b "$B" -t tp1 --partition 4 </dev/null 2>err
  expect_contains err 'has no partition 4'
  # The producer is idempotent unless told otherwise: librdkafka refuses acks=1 with it.
  expect_exit 2 sluice sink kafka -b "$B" -t tp1 -X acks=1 </dev/null 2>err
  expect_contains err 'idempotence'
  echo '{"n":0}' | sluice sink kafka -b "$B" -t tp1 -X acks=1 -X enable.idempotence=false
}

test_a_permanent_delivery_error_exits_74_with_the_reason_and_records_nothing() {
  topic pe1 1
  sluice capture generate --count 200 >in.ndjson
  # The next produce request is refused for good (TOPIC_AUTHORIZATION_FAILED).
  bash "$KAFKA_SH" produce-errors "$KAFKA_STATE" 1 29
  expect_exit 74 sluice sink kafka -b "$B" -t pe1 --checkpoint c.json <in.ndjson 2>err
  expect_contains err 'delivery to pe1/0 failed: .*TOPIC_AUTHORIZATION_FAILED'
  expect_contains err 'nothing more recorded'
  python3 -c "import json; e=json.load(open('c.json'))['entries']; assert all(x.get('pos') in (None, 'null') for x in e), e"
  # The refusal is spent: a replay delivers and records everything.
  sluice sink kafka -b "$B" -t pe1 --checkpoint c.json <in.ndjson 2>err
  expect_contains err '200 messages delivered'
  expect_eq "$(kc -C -t pe1 -e | LC_ALL=C sort -u | wc -l)" 200
}

test_a_pattern_subscribes_every_matching_topic() {
  topic pat_a 2
  topic pat_b 1
  topic pax_c 1
  echo '{"t":"a"}' | kc -P -t pat_a
  echo '{"t":"b"}' | kc -P -t pat_b
  echo '{"t":"c"}' | kc -P -t pax_c
  sluice capture kafka -b "$B" -G pat1 "${GROUP_X[@]}" -t '^pat_.*' -e --no-control >out.ndjson 2>err
  expect_eq "$(LC_ALL=C sort out.ndjson | tr -d '\n')" '{"t":"a"}{"t":"b"}'
  expect_contains err 'assigned 3 partitions'
}

test_a_checkpointed_capture_resumes_where_the_sink_recorded() {
  topic cp1 4
  sluice capture generate --count 3000 --no-control >in.ndjson
  sluice capture file in.ndjson | sluice sink kafka -b "$B" -t cp1 --key key.order_id
  sluice capture kafka -b "$B" -t cp1 -c 1000 --checkpoint c.json | sluice sink file out.ndjson --checkpoint c.json
  expect_eq "$(wc -l <out.ndjson)" 1000 "events after -c 1000"
  sluice capture kafka -b "$B" -t cp1 -e --checkpoint c.json 2>err | sluice sink file out.ndjson --checkpoint c.json
  expect_contains err 'resuming after checkpoint'
  expect_files_eq <(LC_ALL=C sort out.ndjson) <(LC_ALL=C sort in.ndjson)
  python3 -c "import json; e=json.load(open('c.json'))['entries'][0]; assert sum(e['pos'].values()) == 3000, e"
}

test_offset_forms_start_where_asked() {
  topic of1 1
  seq 0 9 | sed 's/.*/{"n":&}/' | kc -P -t of1
  expect_eq "$(sluice capture kafka -b "$B" -t of1 -o 7 -e --no-control | tr -d '\n')" '{"n":7}{"n":8}{"n":9}'
  expect_eq "$(sluice capture kafka -b "$B" -t of1 -o -2 -e --no-control | tr -d '\n')" '{"n":8}{"n":9}'
  expect_eq "$(sluice capture kafka -b "$B" -t of1 -o end -e --no-control | wc -l)" 0
  expect_eq "$(sluice capture kafka -b "$B" -t of1 -c 3 --no-control | tr -d '\n')" '{"n":0}{"n":1}{"n":2}'
  expect_eq "$(sluice capture kafka -b "$B" -t of1 -p 0 -o beginning -c 1 --no-control)" '{"n":0}'
  # The mock cluster finds no offset for any timestamp: @TS starts at the end there.
  expect_eq "$(sluice capture kafka -b "$B" -t of1 -o @1000 -e --no-control | wc -l)" 0
  # A moving start is fixed at once: a checkpointed restart resumes after it.
  sluice capture kafka -b "$B" -t of1 -o end -e --checkpoint c.json | sluice sink file o.ndjson --checkpoint c.json
  echo '{"n":10}' | kc -P -t of1
  sluice capture kafka -b "$B" -t of1 -o end -e --checkpoint c.json | sluice sink file o.ndjson --checkpoint c.json
  expect_eq "$(cat o.ndjson)" '{"n":10}'
  expect_exit 2 sluice capture kafka -b "$B" -t of1 -o soon 2>err
  expect_contains err 'beginning, end, OFFSET, -N or @TIMESTAMP_MS'
  expect_exit 2 sluice capture kafka -b "$B" -t of1 -G g -o 5 2>err
  expect_exit 2 sluice capture kafka -b "$B" -t '^of' 2>err
  expect_contains err 'pattern subscribes a group'
}

test_a_missing_topic_and_partition_are_clear_errors() {
  expect_exit 69 sluice capture kafka -b "$B" -t no_such_topic -e 2>err
  expect_contains err 'topic "no_such_topic" does not exist'
  expect_exit 69 sluice sink kafka -b "$B" -t no_such_topic </dev/null 2>err
  expect_contains err 'topic "no_such_topic" does not exist'
  topic mp1 2
  expect_exit 69 sluice capture kafka -b "$B" -t mp1 -p 5 -e 2>err
  expect_contains err 'has no partition 5'
}

test_unreachable_brokers_are_retried_then_exit_69() {
  expect_exit 69 sluice capture kafka -b 127.0.0.1:1 -t x --retries 1 2>err
  expect_contains err 'retry 1/1'
  expect_contains err 'stayed unreachable after 1 retries'
  expect_exit 69 sluice sink kafka -b 127.0.0.1:1 -t x --retries 0 </dev/null 2>err
}

test_properties_sluice_owns_and_secrets_on_argv_are_refused() {
  expect_exit 2 sluice capture kafka -b "$B" -t x -X enable.auto.commit=true 2>err
  expect_contains err 'enable.auto.commit is owned by sluice'
  expect_exit 2 sluice capture kafka -b "$B" -t x -X enable.partition.eof=false 2>err
  expect_contains err 'use -e'
  expect_exit 2 sluice capture kafka -b "$B" -t x -X group.id=g 2>err
  expect_contains err 'use -G'
  expect_exit 2 sluice sink kafka -b "$B" -t x -X sasl.password=hunter2 </dev/null 2>err
  expect_contains err 'sasl.password is a secret'
  expect_contains err 'SLUICE_KAFKA_SASL_PASSWORD'
  expect_not_contains err hunter2
  expect_exit 2 sluice sink kafka -b "$B" -t x -X no.such.property=1 </dev/null 2>err
  expect_contains err 'no.such.property'
  expect_exit 2 sluice sink kafka -t x </dev/null 2>err
  expect_contains err 'name the brokers with -b'
  # From a file or the environment, secrets are taken (and never shown).
  topic pf1 1
  printf '# kafka\nbootstrap.servers=%s\nsasl.password=hunter2\nclient.id=from-file\n' "$B" >k.properties
  echo '{"a":1}' | sluice sink kafka -F k.properties -t pf1 2>err
  expect_not_contains err hunter2
  echo '{"a":2}' | SLUICE_KAFKA_SASL_PASSWORD=hunter2 sluice sink kafka -b "$B" -t pf1
  expect_eq "$(kc -C -t pf1 -e | tr -d '\n')" '{"a":1}{"a":2}'
  printf 'enable.auto.commit=true\n' >bad.properties
  expect_exit 2 sluice capture kafka -b "$B" -t pf1 -F bad.properties 2>err
  expect_contains err 'bad.properties:1: enable.auto.commit is owned by sluice'
}

test_a_closed_stdout_ends_the_capture_quietly() {
  topic cs1 1
  seq 1 1000 | sed 's/.*/{"n":&}/' | kc -P -t cs1
  expect_eq "$(sluice capture kafka -b "$B" -t cs1 -e --no-control 2>err | head -n 1)" '{"n":1}'
  expect_not_contains err 'error'
}

# lag PORT: the source lag the capture serves on --metrics, if any yet.
lag() {
  curl -sf "http://127.0.0.1:$1/metrics" | awk '/^sluice_source_lag\{.*unit="messages"/ { print $NF }'
}

test_metrics_show_the_consumer_lag_until_caught_up() {
  topic lg1 2
  seq 1 3000 | sed 's/.*/{"n":&}/' | kc -P -t lg1
  local port
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  sluice capture kafka -b "$B" -t lg1 -p 0 -p 1 -o beginning --metrics "$port" --no-control 2>err \
    >out.ndjson &
  local i
  for i in $(seq 1 100); do
    [ "$(events_of out.ndjson 2>/dev/null | wc -l)" = 3000 ] && [ "$(lag "$port")" = 0 ] && break
    sleep 0.1
  done
  expect_eq "$(lag "$port")" 0 "lag once caught up"
  pkill -INT -f -- "--metrics $port" || true
  wait || true
  expect_eq "$(wc -l <out.ndjson)" 3000 "events"
}

test_group_commits_only_what_the_sink_recorded_and_resumes_from_it() {
  topic gc1 4
  sluice capture generate --count 2000 --no-control >in.ndjson
  sluice capture file in.ndjson | sluice sink kafka -b "$B" -t gc1 --key key.order_id
  sluice capture kafka -b "$B" -t gc1 -G gc1 "${GROUP_X[@]}" -c 800 --checkpoint c.json 2>err \
    | sluice sink sqlite t.db --table ev --raw --checkpoint c.json
  expect_contains err 'assigned 4 partitions'
  python3 - c.json "$(committed gc1 gc1)" <<'PY'
import json, sys
rec = json.load(open(sys.argv[1]))["entries"][0]["pos"]
com = json.loads(sys.argv[2])
assert com == rec, f"committed {com} != recorded {rec}"
assert sum(rec.values()) == 800, rec
PY
  # Without the local store the group's committed offsets carry on.
  rm c.json
  sluice capture kafka -b "$B" -t gc1 -G gc1 "${GROUP_X[@]}" -e --checkpoint c2.json 2>err \
    | sluice sink sqlite t.db --table ev --raw --checkpoint c2.json
  expect_contains err '[1-4] from the group.s committed offsets'
  expect_eq "$(sqlite3 t.db 'SELECT count(*) FROM ev')" 2000
  expect_eq "$(sqlite3 t.db 'SELECT count(DISTINCT id) FROM ev')" \
    "$(python3 -c "import json; print(len({json.loads(l)['id'] for l in open('in.ndjson')}))")"
}

test_a_blocked_stdout_pauses_the_partitions_and_keeps_the_group_membership() {
  topic bp1 8
  sluice capture generate --count 40000 --no-control >in.ndjson
  sluice sink kafka -b "$B" -t bp1 --key key.order_id <in.ndjson
  # Stdout blocks for twice max.poll.interval.ms: the read queue fills up, the
  # session pauses the partitions and keeps polling, so the member is never
  # dropped (which would show as a revoke, a lost assignment or a second join).
  sluice capture kafka -b "$B" -t bp1 -G bp1 "${GROUP_X[@]}" -X max.poll.interval.ms=4000 -e \
    --no-control 2>err | (sleep 8 && cat) >out.ndjson
  expect_eq "$(wc -l <out.ndjson)" 40000 "events read"
  expect_eq "$(grep -c 'assigned' err)" 1 "assignments"
  expect_not_contains err 'lost|revoked|poll interval|not record'
}

# member NAME: starts a group member pipeline in the background (pid in NAME.pid).
start_member() {
  local name=$1
  setsid bash -c 'exec "$SLUICE" capture kafka -b "$0" -t gm1 -G gm1 -X session.timeout.ms=3000 \
      -X heartbeat.interval.ms=300 --checkpoint-interval 100ms --checkpoint "$1.json" 2>"$1.cap.err" \
      | "$SLUICE" sink file "$1.ndjson" --checkpoint "$1.json" 2>"$1.sink.err"' "$B" "$name" &
  echo $! >"$name.pid"
}

lines_in() { cat "$@" 2>/dev/null | grep -vc '^{"\$sluice"' || true; }

test_a_group_member_killed_loses_nothing_and_a_revoke_commits_first() {
  topic gm1 8
  sluice capture generate --count 20000 --no-control >in.ndjson
  head -n 10000 in.ndjson | sluice sink kafka -b "$B" -t gm1 --key key.order_id
  start_member a
  for _ in $(seq 1 150); do
    [ "$(committed gm1 gm1 | python3 -c 'import json,sys; print(sum(json.load(sys.stdin).values()))')" = 10000 ] && break
    sleep 0.1
  done
  # b joins: a gives up half its partitions in a cooperative revoke, after its
  # sink recorded them. (a is idle here: a commit racing a rebalance makes
  # librdkafka drop the assignment as lost, which replays but loses nothing.)
  start_member b
  for _ in $(seq 1 150); do
    grep -q 'assigned [1-9]' b.cap.err 2>/dev/null && break
    sleep 0.1
  done
  expect_contains a.cap.err 'revoked [0-9]+ partitions after their barrier was recorded'
  tail -n +10001 in.ndjson | sluice sink kafka -b "$B" -t gm1 --key key.order_id
  sleep 0.5
  # Kill all of member a: its partitions go to b after the session timeout,
  # from the offsets a committed.
  kill -KILL -- "-$(cat a.pid)"
  local want
  want=$(LC_ALL=C sort -u in.ndjson | wc -l)
  for _ in $(seq 1 300); do
    [ "$(cat a.ndjson b.ndjson | grep -v '^{"\$sluice"' | LC_ALL=C sort -u | wc -l)" -ge "$want" ] && break
    sleep 0.1
  done
  kill -TERM -- "-$(cat b.pid)"
  for _ in $(seq 1 100); do kill -0 "$(cat b.pid)" 2>/dev/null || break; sleep 0.1; done
  expect_contains b.cap.err 'from the group.s committed offsets'
  missing=$(comm -23 <(LC_ALL=C sort -u in.ndjson) <(cat a.ndjson b.ndjson | LC_ALL=C sort -u) | wc -l)
  expect_eq "$missing" 0 "events lost"
  echo "duplicates: $(($(lines_in a.ndjson b.ndjson) - want))"
}

test_sink_with_brokers_down_retries_then_exits_69_without_recording_unsent_events() {
  topic bd1 4
  setsid bash -c '"$SLUICE" capture generate --rate 3000 --checkpoint c.json --checkpoint-interval 50ms \
      2>cap.err | "$SLUICE" sink kafka -b "$0" -t bd1 --checkpoint c.json --retries 2 2>sink.err
    echo "${PIPESTATUS[*]}" >codes' "$B" &
  local leader=$!
  (sleep 60 && kill -KILL -- "-$leader") 2>/dev/null &
  local watchdog=$!
  sleep 1.5
  bash "$KAFKA_SH" down "$KAFKA_STATE"
  wait "$leader" || true
  kill "$watchdog" 2>/dev/null || true
  bash "$KAFKA_SH" up "$KAFKA_STATE"
  expect_eq "$(cut -d' ' -f2 codes)" 69 "sink exit code"
  expect_contains sink.err 'retry 2/2'
  expect_contains sink.err 'stayed unreachable after 2 retries'
  # Every event up to the recorded position is in the topic: generated events
  # carry their number in "pos".
  recorded=$(python3 -c "import json; print(json.load(open('c.json'))['entries'][0]['pos'].split(':')[1])")
  [ "$recorded" -gt 0 ] || fail "nothing recorded before the brokers went down"
  kc -C -t bd1 -e >got.ndjson
  python3 - got.ndjson "$recorded" <<'PY'
import json, sys
seen = {int(json.loads(l)["pos"].split(":")[1]) for l in open(sys.argv[1])}
missing = [n for n in range(1, int(sys.argv[2]) + 1) if n not in seen]
assert not missing, f"{len(missing)} recorded events are not in the topic, e.g. {missing[:5]}"
print(f"{sys.argv[2]} recorded events all in the topic ({len(seen)} there)")
PY
}

test_capture_with_brokers_down_retries_then_exits_69() {
  topic bd2 2
  echo '{"a":1}' | kc -P -t bd2
  setsid bash -c '"$SLUICE" capture kafka -b "$0" -t bd2 --retries 1 >out.ndjson 2>cap.err; echo $? >code' "$B" &
  local leader=$!
  for _ in $(seq 1 100); do grep -q '"a":1' out.ndjson 2>/dev/null && break; sleep 0.1; done
  bash "$KAFKA_SH" down "$KAFKA_STATE"
  wait "$leader" || true
  bash "$KAFKA_SH" up "$KAFKA_STATE"
  expect_eq "$(cat code)" 69 "capture exit code"
  expect_contains cap.err 'unreachable: retry 1/1'
  expect_contains out.ndjson '"abort":\{"exit":69'
}

run_tests
