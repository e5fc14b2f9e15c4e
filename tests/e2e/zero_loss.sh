#!/usr/bin/env bash
# Zero-loss test (DESIGN §4): SIGKILL of random stages, then an independent check.
# CHAOS_KILLS kills per configuration (make check: 5; make chaos: 200) on
# CHAOS_EVENTS generated events (200k; make chaos: 1M). The four-stage
# configurations of the same driver (dedupe and reorder) run in dedupe_reorder_kill.sh.
source "$(dirname "$0")/lib.sh"
require_tool python3

test_nothing_is_lost_or_doubled_under_sigkill() {
  sluice capture generate --no-control --count "${CHAOS_EVENTS:-200000}" --dup-rate 0.05 \
    --disorder 0.1 --keys 20000 --seed 11 >input.ndjson
  python3 "$SLUICE_SOURCE_DIR/tests/e2e/zero_loss.py" --sluice "$SLUICE" --input input.ndjson \
    --workdir . --kills "${CHAOS_KILLS:-5}" --skip "dedupe | reorder" ${CHAOS_SEED:+--seed "$CHAOS_SEED"}
}

run_tests
