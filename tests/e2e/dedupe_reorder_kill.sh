#!/usr/bin/env bash
# Kill test of issue 5 (DESIGN §4): `capture file --checkpoint C | dedupe --state S
# --checkpoint C | reorder --lateness 2s | sink file OUT --checkpoint C`, and the
# same into `sink sqlite --raw` (store in the sink's database), under SIGKILL of
# every stage, most of them of reorder and sink while a barrier is held back;
# after each kill the pipeline restarts, and at the end an independent check
# (tests/e2e/zero_loss.py, the foundation's driver) finds each distinct input
# event exactly once in the output. CHAOS_KILLS kills per configuration (make
# check: 5; make chaos: 200) on CHAOS_EVENTS generated events (200k; make chaos: 1M).
source "$(dirname "$0")/lib.sh"
require_tool python3

test_each_distinct_event_arrives_once_under_sigkill_of_any_stage() {
  sluice capture generate --no-control --count "${CHAOS_EVENTS:-200000}" --dup-rate 0.05 \
    --disorder 0.1 --max-lateness 2s --keys 20000 --seed 11 >input.ndjson
  python3 "$SLUICE_SOURCE_DIR/tests/e2e/zero_loss.py" --sluice "$SLUICE" --input input.ndjson \
    --workdir . --kills "${CHAOS_KILLS:-5}" --only "dedupe | reorder" \
    ${CHAOS_SEED:+--seed "$CHAOS_SEED"}
}

run_tests
