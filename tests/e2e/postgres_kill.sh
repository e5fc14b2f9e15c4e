#!/usr/bin/env bash
# Kill test of PostgreSQL CDC (tests/e2e/postgres_kill.py): capture postgres |
# transform | dedupe | sink postgres and a --raw pipeline under a live pgbench
# workload, SIGKILLed CHAOS_KILLS times (make check: 5, at least 3 during the
# snapshot; make chaos: PG_CHAOS_KILLS, default 200), then checked against the
# source (EXCEPT both ways) and a test_decoding slot.
source "$(dirname "$0")/lib.sh"
source "$SLUICE_SOURCE_DIR/tests/support/pg_test_lib.sh"
require_tool python3
pg_require
pg_start

test_nothing_is_lost_or_doubled_when_postgres_pipelines_are_killed() {
  python3 "$SLUICE_SOURCE_DIR/tests/e2e/postgres_kill.py" --sluice "$SLUICE" --workdir . \
    --kills "${CHAOS_KILLS:-5}" --rows "${PG_CHAOS_ROWS:-60000}" ${CHAOS_SEED:+--seed "$CHAOS_SEED"}
}

run_tests
