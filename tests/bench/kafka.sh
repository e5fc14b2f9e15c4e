#!/usr/bin/env bash
# Kafka benchmarks (issue 7), printed, never asserted: `capture file | sink kafka`
# against `kcat -P -l`, `capture kafka -e` against `kcat -C -e` (explicit
# partitions; the group mode beside it), on the same generated events (1M by
# default, ~300 MB) and the same mock cluster (128 partitions), in MB/s and
# events/s, with the client's and the mock broker's CPU time (on 2 cores the
# broker is part of the bottleneck); then the latency of a lone event from a
# producer's stdin to a consumer's stdout, sluice against kcat.
set -euo pipefail
: "${SLUICE:?SLUICE must name the sluice binary}"
SLUICE=$(readlink -f "$SLUICE")
HERE=$(cd "$(dirname "$0")" && pwd)
export SLUICE SLUICE_BUILD_DIR=${SLUICE_BUILD_DIR:-$(dirname "$SLUICE")}
EVENTS=${BENCH_EVENTS:-1000000}
RUNS=${BENCH_RUNS:-3}
PARTITIONS=${BENCH_KAFKA_PARTITIONS:-128}
if ! command -v kcat >/dev/null || [ ! -x "$SLUICE_BUILD_DIR/tests/support/kafka_mock" ]; then
  echo "kafka: skipped (kcat or tests/support/kafka_mock missing)"
  exit 0
fi
DIR=$(mktemp -d "${TMPDIR:-/tmp}/sluice-bench-kafka.XXXXXX")
KAFKA_SH=$HERE/../support/kafka.sh
eval "$(bash "$KAFKA_SH" start "$DIR/kafka")"
trap 'bash "$KAFKA_SH" stop "$DIR/kafka"; rm -rf "$DIR"' EXIT
cd "$DIR"

"$SLUICE" capture generate --no-control --count "$EVENTS" --dup-rate 0.05 --disorder 0.1 >events.ndjson
cat events.ndjson >/dev/null
echo "data: $EVENTS events, $(($(stat -c %s events.ndjson) / 1000000)) MB; mock cluster of 3 brokers, $PARTITIONS partitions per topic"

python3 "$HERE/kafka_bench.py" --sluice "$SLUICE" --brokers "$KAFKA_BROKERS" --broker-pid "$KAFKA_PID" \
  --kafka-sh "$KAFKA_SH" --kafka-dir "$DIR/kafka" --events-file events.ndjson --events "$EVENTS" \
  --runs "$RUNS" --partitions "$PARTITIONS" --latency-seconds "${BENCH_LATENCY_SECONDS:-10}"
