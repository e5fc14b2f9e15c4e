#!/usr/bin/env bash
# PostgreSQL benchmarks (issue 6), printed, never asserted: the logical decoding
# of one backlog read to the same end LSN from separate slots by (a)
# pg_recvlogical on a pgoutput slot writing the raw stream to a file, (b)
# pg_recvlogical with wal2json format-version=2, (c) sluice capture postgres
# --stop-at LSN; two backlogs (100k transactions of 3 changes, one transaction
# of 300k rows); then sink postgres rows/s and the latency from source commit
# to target commit at 5k changes/s (tests/bench/postgres_bench.py).
set -euo pipefail
: "${SLUICE:?SLUICE must name the sluice binary}"
SLUICE=$(readlink -f "$SLUICE")
HERE=$(cd "$(dirname "$0")" && pwd)
PG_SH=$HERE/../support/postgres.sh
if ! PG_BIN=$(bash "$PG_SH" bin 2>/dev/null) || [ ! -x "$PG_BIN/pg_recvlogical" ]; then
  echo "postgres: skipped (PostgreSQL 15 server binaries missing)"
  exit 0
fi
DIR=$(mktemp -d "${TMPDIR:-/tmp}/sluice-bench-pg.XXXXXX")
# The server's directory of its own: its user must be able to reach it.
PG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/sluice-bench-pgdata.XXXXXX")
trap 'bash "$PG_SH" stop "$PG_DIR"; rm -rf "$DIR" "$PG_DIR"' EXIT
# track_commit_timestamp: the latency is measured between the two commits.
env=$(bash "$PG_SH" start "$PG_DIR" -c track_commit_timestamp=on -c max_wal_size=4GB)
eval "$env"
export PGHOST PGPORT PGUSER
cd "$DIR"
python3 "$HERE/postgres_bench.py" --sluice "$SLUICE" --pg-bin "$PG_BIN" --port "$PGPORT" \
  --transactions "${BENCH_PG_TRANSACTIONS:-100000}" --big-rows "${BENCH_PG_BIG_ROWS:-300000}" \
  --latency-seconds "${BENCH_PG_LATENCY_SECONDS:-20}" --latency-rate "${BENCH_PG_LATENCY_RATE:-5000}" \
  --runs "${BENCH_RUNS:-3}"
