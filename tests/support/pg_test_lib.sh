# Helpers of the PostgreSQL e2e suites and benchmarks (sourced after
# tests/e2e/lib.sh): one throwaway server per suite from tests/support/postgres.sh,
# stopped by PID when the suite exits, and small wrappers around psql.
PG_SUPPORT=$SLUICE_SOURCE_DIR/tests/support/postgres.sh

# pg_require: skip the suite (exit 125) unless the PostgreSQL server binaries exist.
pg_require() {
  if ! PG_BIN=$(bash "$PG_SUPPORT" bin 2>/dev/null); then
    if [ "${CI:-}" = true ]; then
      echo "FAIL: PostgreSQL server binaries are missing under CI" >&2
      exit 1
    fi
    echo "SKIP: PostgreSQL server binaries are not installed (postgresql-15)" >&2
    exit 125
  fi
  export PG_BIN
}

# pg_start [-c name=value …]: starts the suite's server; sets PGHOST, PGPORT, PGUSER.
pg_start() {
  local env
  # Its own directory under /tmp: the server's user must be able to reach it.
  PG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/sluice-pg.XXXXXX")
  trap 'bash "$PG_SUPPORT" stop "$PG_DIR"; rm -rf "$PG_DIR" "$SUITE_DIR"' EXIT
  env=$(bash "$PG_SUPPORT" start "$PG_DIR" "$@") || { echo "cannot start PostgreSQL" >&2; exit 1; }
  eval "$env"
  export PGHOST PGPORT PGUSER PG_PID PG_DIR
  export PGDATABASE=postgres
}

# sql DB SQL…: runs SQL in DB, printing unaligned rows.
sql() {
  local db=$1
  shift
  "$PG_BIN/psql" -X -q -At -v ON_ERROR_STOP=1 -d "$db" -c "$*"
}

# new_db NAME: creates database NAME and prints its URI.
new_db() {
  "$PG_BIN/createdb" "$1"
  echo "postgresql://postgres@127.0.0.1:$PGPORT/$1"
}

# rows DB QUERY: the query's rows as COPY text, for diff.
rows() {
  "$PG_BIN/psql" -X -q -At -v ON_ERROR_STOP=1 -d "$1" -c "COPY ($2) TO STDOUT"
}

# expect_same_rows SRC_DB TGT_DB QUERY: both databases give the same rows.
expect_same_rows() {
  rows "$1" "$3" >source.rows
  rows "$2" "$3" >target.rows
  diff -u source.rows target.rows >&2 || fail "$2 differs from $1 for: $3"
}
