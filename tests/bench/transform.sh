#!/usr/bin/env bash
# Benchmarks of sluice transform (printed, never asserted), each against its
# peer in the same run on the same generated data (1M events by default): the
# harness is the same for sluice and the peers, stdin from the file (in the page
# cache) and stdout to /dev/null. Each figure is the best of BENCH_RUNS runs
# (the slow peers: of BENCH_PEER_RUNS runs).
set -euo pipefail
: "${SLUICE:?SLUICE must name the sluice binary}"
SLUICE=$(readlink -f "$SLUICE")
EVENTS=${BENCH_EVENTS:-1000000}
RUNS=${BENCH_RUNS:-3}
PEER_RUNS=${BENCH_PEER_RUNS:-1}
for tool in jq gojq mlr python3; do
  command -v "$tool" >/dev/null || { echo "transform: $tool is missing (make deps-bench)"; exit 1; }
done
DIR=$(mktemp -d "${TMPDIR:-/tmp}/sluice-bench.XXXXXX")
trap 'rm -rf "$DIR"' EXIT
cd "$DIR"

now_ns() { date +%s%N; }
# best N CMD: the fastest of N runs of `bash -c CMD <events.ndjson >/dev/null`, in seconds.
best() {
  local i t0 t best=""
  for ((i = 0; i < $1; i++)); do
    t0=$(now_ns)
    bash -c "$2" <events.ndjson >/dev/null
    t=$(($(now_ns) - t0))
    if [ -z "$best" ] || [ "$t" -lt "$best" ]; then best=$t; fi
  done
  python3 -c "print($best / 1e9)"
}

"$SLUICE" capture generate --no-control --count "$EVENTS" --dup-rate 0.05 --disorder 0.1 -q >events.ndjson
BYTES=$(stat -c %s events.ndjson)
cat events.ndjson >/dev/null
echo "data: $EVENTS events, $((BYTES / 1000000)) MB, mean $((BYTES / EVENTS)) bytes"

S="'$SLUICE' transform -q"
WHERE="--where 'after.amount > 100' --select id,ts,amount=after.amount,country=after.customer.country"
JQ='select(.after.amount > 100) | {id, ts, amount: .after.amount, country: .after.customer.country}'
export BENCH_KEY=bench-key
HASH="--hash after.customer.email --hash-key-env BENCH_KEY"
MLR='$after["customer"]["email"] = sha256($after["customer"]["email"])'

t_fp=$(best "$RUNS" "$S $WHERE")
t_fp_strict=$(best "$RUNS" "$S --strict $WHERE")
t_jq=$(best "$PEER_RUNS" "jq -c '$JQ'")
t_gojq=$(best "$PEER_RUNS" "gojq -c '$JQ'")
t_hash=$(best "$RUNS" "$S $HASH")
t_hash_strict=$(best "$RUNS" "$S --strict $HASH")
t_mlr=$(best "$PEER_RUNS" "mlr --ijsonl --ojsonl put '$MLR'")
t_pass=$(best "$RUNS" "$S")
t_pass_strict=$(best "$RUNS" "$S --strict")
t_cat=$(best "$RUNS" "cat | cat")

python3 - "$BYTES" "$t_fp" "$t_fp_strict" "$t_jq" "$t_gojq" "$t_hash" "$t_hash_strict" "$t_mlr" \
  "$t_pass" "$t_pass_strict" "$t_cat" <<'PY'
import sys
b = int(sys.argv[1])
fp, fps, jq, gojq, h, hs, mlr, p, ps, cat = map(float, sys.argv[2:])
mb = lambda t: b / t / 1e6
print(f"jq filter+project: {mb(jq):.0f} MB/s; gojq: {mb(gojq):.0f} MB/s; mlr put sha256: {mb(mlr):.0f} MB/s; cat | cat: {mb(cat):.0f} MB/s")
for name, t, note in [("", fp, "; goal >= 25x jq"), (" --strict", fps, "")]:
    print(f"transform filter+project{name}: {mb(t):.0f} MB/s ({jq / t:.1f}x vs jq, {gojq / t:.1f}x vs gojq{note})")
for name, t, note in [("", h, "; goal >= 20x"), (" --strict", hs, "")]:
    print(f"transform --hash{name}: {mb(t):.0f} MB/s ({mlr / t:.1f}x vs mlr{note})")
for name, t, note in [("", p, "; goal >= 0.5x"), (" --strict", ps, "")]:
    print(f"transform pass-through{name}: {mb(t):.0f} MB/s ({cat / t:.2f}x vs cat | cat{note})")
PY
