#!/usr/bin/env bash
# Benchmarks of the foundation (printed, never asserted): each line is
# `name: value unit (ratio vs peer)`, measured in the same run on the same
# generated data (1M events by default, ~300 MB, read from the page cache).
set -euo pipefail
: "${SLUICE:?SLUICE must name the sluice binary}"
SLUICE=$(readlink -f "$SLUICE")
HERE=$(cd "$(dirname "$0")" && pwd)
EVENTS=${BENCH_EVENTS:-1000000}
RUNS=${BENCH_RUNS:-3}
DIR=$(mktemp -d "${TMPDIR:-/tmp}/sluice-bench.XXXXXX")
trap 'rm -rf "$DIR"' EXIT
cd "$DIR"

now_ns() { date +%s%N; }
# best CMD: the fastest of $RUNS runs of `bash -c CMD`, in seconds.
best() {
  local i t0 t best=""
  for ((i = 0; i < RUNS; i++)); do
    t0=$(now_ns)
    bash -c "$1" >/dev/null
    t=$(( $(now_ns) - t0 ))
    if [ -z "$best" ] || [ "$t" -lt "$best" ]; then best=$t; fi
  done
  python3 -c "print($best / 1e9)"
}
line() { python3 -c "import sys; print(sys.argv[1])" "$1"; }

"$SLUICE" capture generate --no-control --count "$EVENTS" --dup-rate 0.05 --disorder 0.1 >events.ndjson
BYTES=$(stat -c %s events.ndjson)
cat events.ndjson >/dev/null
echo "data: $EVENTS events, $((BYTES / 1000000)) MB, mean $((BYTES / EVENTS)) bytes"

# 1. The pipe's ceiling against capture file | sink file -.
t_cat=$(best "cat events.ndjson | cat >/dev/null")
t_pass=$(best "'$SLUICE' capture file events.ndjson --quiet | '$SLUICE' sink file - --quiet >/dev/null")
python3 - "$BYTES" "$t_cat" "$t_pass" <<'PY'
import sys
b, cat, s = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
print(f"cat | cat: {b / cat / 1e6:.0f} MB/s")
print(f"capture file | sink file -: {b / s / 1e6:.0f} MB/s ({cat / s:.2f}x vs cat | cat; goal >= 0.5x)")
PY

# 2. The generator alone.
t_gen=$(best "'$SLUICE' capture generate --rate 0 --count $EVENTS --quiet >/dev/null")
python3 -c "import sys; print(f'capture generate --rate 0: {$EVENTS / $t_gen:,.0f} events/s ({$BYTES / $t_gen / 1e6:.0f} MB/s)')"

# 3. sink sqlite --upsert.
t_up=$(best "rm -f up.db*; '$SLUICE' capture file events.ndjson --quiet | '$SLUICE' sink sqlite up.db --table orders --upsert key.order_id --quiet")
t_raw=$(best "rm -f raw.db*; '$SLUICE' capture file events.ndjson --quiet | '$SLUICE' sink sqlite raw.db --table events --raw --quiet")
python3 -c "print(f'sink sqlite --upsert: {$EVENTS / $t_up:,.0f} rows/s (goal >= 100,000)')"
python3 -c "print(f'sink sqlite --raw: {$EVENTS / $t_raw:,.0f} rows/s')"

# 4. Latency of a lone event: generate --rate 10 | sink sqlite, from ts to visible commit.
for linger in 20ms 0; do
  python3 "$HERE/latency.py" --sluice "$SLUICE" --rate 10 --seconds "${BENCH_LATENCY_SECONDS:-30}" \
    --linger "$linger"
done
