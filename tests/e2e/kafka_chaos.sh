#!/usr/bin/env bash
# Kafka kill test (issue 7): capture kafka -G | dedupe | sink sqlite --raw and
# capture kafka -G | sink kafka under SIGKILL of random stages, with the local
# store deleted halfway; the group's committed offsets are sampled throughout.
# CHAOS_KILLS kills per chain (make check: 5); KAFKA_CHAOS_EVENTS input events.
source "$(dirname "$0")/lib.sh"
require_tool kcat python3 sqlite3

KAFKA_SH=$SLUICE_SOURCE_DIR/tests/support/kafka.sh
SLUICE_BUILD_DIR=$(cd "${SLUICE_BUILD_DIR:-$(dirname "$SLUICE")}" && pwd)
export SLUICE SLUICE_BUILD_DIR
if [ ! -x "$SLUICE_BUILD_DIR/tests/support/kafka_mock" ]; then
  [ "${CI:-}" = true ] && { echo "FAIL: kafka_mock is not built" >&2; exit 1; }
  echo "SKIP: kafka_mock is not built" >&2
  exit 125
fi

test_group_pipelines_lose_nothing_under_sigkill() {
  eval "$(bash "$KAFKA_SH" start kafka chaos_in:32 chaos_out:32)"
  trap 'bash "$KAFKA_SH" stop kafka' EXIT
  python3 "$SLUICE_SOURCE_DIR/tests/e2e/kafka_chaos.py" --sluice "$SLUICE" --brokers "$KAFKA_BROKERS" \
    --offsets-tool "$SLUICE_BUILD_DIR/tests/support/kafka_offsets" --workdir . \
    --kills "${CHAOS_KILLS:-5}" --events "${KAFKA_CHAOS_EVENTS:-40000}" \
    ${CHAOS_SEED:+--seed "$CHAOS_SEED"}
}

run_tests
