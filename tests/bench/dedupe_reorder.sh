#!/usr/bin/env bash
# Benchmarks of sluice dedupe and sluice reorder (issue 5), printed, never
# asserted: `name: value unit (ratio vs peer)`, measured in the same run on the
# same generated data (1M events by default: 5% duplicates, 10% late by up to
# 2 s), stdin from the file (page cache), stdout to /dev/null, for sluice and
# the peers alike. Times are the best of $BENCH_RUNS; peak RSS is GNU time's %M
# (for a pipeline, its largest process). The bytes-per-key figure feeds 10M
# distinct keys through dedupe: (peak RSS - RSS with one key) / keys.
set -euo pipefail
: "${SLUICE:?SLUICE must name the sluice binary}"
SLUICE=$(readlink -f "$SLUICE")
EVENTS=${BENCH_EVENTS:-1000000}
KEYS=${BENCH_KEYS:-10000000}
RUNS=${BENCH_RUNS:-3}
TIME=/usr/bin/time
[ -x "$TIME" ] || { echo "GNU time is missing: make deps-bench (Debian package time)" >&2; exit 1; }
command -v gawk >/dev/null || { echo "gawk is missing: make deps-bench" >&2; exit 1; }
DIR=$(mktemp -d "${TMPDIR:-/tmp}/sluice-bench.XXXXXX")
trap 'rm -rf "$DIR"' EXIT
cd "$DIR"

# measure NAME CMD: runs `bash -c CMD` $RUNS times; sets NAME_s (best seconds)
# and NAME_kib (largest peak RSS).
measure() {
  local name=$1 cmd=$2 i best="" rss=0 t m
  for ((i = 0; i < RUNS; i++)); do
    "$TIME" -f '%e %M' -o time.out bash -c "$cmd" >/dev/null
    read -r t m <time.out
    if [ -z "$best" ] || python3 -c "import sys; sys.exit(not $t < $best)"; then best=$t; fi
    [ "$m" -gt "$rss" ] && rss=$m
  done
  printf -v "${name}_s" '%s' "$best"
  printf -v "${name}_kib" '%s' "$rss"
}

"$SLUICE" capture generate --count "$EVENTS" --dup-rate 0.05 --disorder 0.1 --max-lateness 2s \
  --no-control >events.ndjson 2>/dev/null
BYTES=$(stat -c %s events.ndjson)
cat events.ndjson >/dev/null
DISTINCT=$(LC_ALL=C gawk 'match($0,/"id":"[^"]*"/){k=substr($0,RSTART+6,RLENGTH-7)} !seen[k]++' \
  events.ndjson | wc -l)
echo "data: $EVENTS events ($DISTINCT distinct ids), $((BYTES / 1000000)) MB, mean $((BYTES / EVENTS)) bytes"

# 1. dedupe against awk's !seen[k]++, which keeps every key forever.
measure dedupe "'$SLUICE' dedupe --key id -q <events.ndjson"
measure awk "LC_ALL=C gawk 'match(\$0,/\"id\":\"[^\"]*\"/){k=substr(\$0,RSTART+6,RLENGTH-7)} !seen[k]++' <events.ndjson"

# 2. reorder against decorate + stable numeric sort + cut, which sorts the whole input.
measure reorder "'$SLUICE' reorder --time ts --lateness 2s -q <events.ndjson"
measure sort "LC_ALL=C gawk 'match(\$0,/\"ts\":[0-9]+/){print substr(\$0,RSTART+5,RLENGTH-5) \"\\t\" \$0}' <events.ndjson | LC_ALL=C sort -s -n | cut -f2-"

# 3. Memory per remembered key: 10M distinct keys, then one.
"$TIME" -f '%M' -o keys.out bash -c "'$SLUICE' capture generate --count $KEYS --no-control 2>/dev/null \
  | '$SLUICE' dedupe -q >/dev/null"
"$TIME" -f '%M' -o base.out bash -c "'$SLUICE' capture generate --count 1 --no-control 2>/dev/null \
  | '$SLUICE' dedupe -q >/dev/null"

python3 - "$EVENTS" "$BYTES" "$DISTINCT" "$KEYS" "$dedupe_s" "$dedupe_kib" "$awk_s" "$awk_kib" \
  "$reorder_s" "$reorder_kib" "$sort_s" "$sort_kib" "$(cat keys.out)" "$(cat base.out)" <<'PY'
import sys
events, size, distinct, keys = (int(a) for a in sys.argv[1:5])
d_s, d_k, a_s, a_k, r_s, r_k, s_s, s_k = (float(a) for a in sys.argv[5:13])
peak, base = int(sys.argv[13]), int(sys.argv[14])
mib = lambda kib: kib / 1024
print(f"dedupe: {events / d_s:,.0f} events/s, {size / d_s / 1e6:.0f} MB/s "
      f"({a_s / d_s:.2f}x vs gawk !seen[k]++; goal >= 3x)")
print(f"dedupe peak RSS: {mib(d_k):.1f} MiB ({d_k / a_k:.2f} of gawk's {mib(a_k):.1f} MiB; goal <= 0.25)")
print(f"dedupe memory: {(peak - base) * 1024 / keys:.1f} bytes per key at {keys:,} distinct keys "
      f"(peak {mib(peak):.0f} MiB, one key {mib(base):.1f} MiB; goal <= 32)")
print(f"reorder --lateness 2s: {events / r_s:,.0f} events/s, {size / r_s / 1e6:.0f} MB/s "
      f"({s_s / r_s:.2f}x vs decorate | sort -s -n | cut; goal >= 5x)")
print(f"reorder peak RSS: {mib(r_k):.1f} MiB (sort pipeline {mib(s_k):.0f} MiB; goal <= 64 MiB, "
      f"independent of input length)")
PY
