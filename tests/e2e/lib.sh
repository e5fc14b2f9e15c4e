# Shared helpers of the e2e suites (sourced). A suite defines functions named
# test_* and ends with `run_tests`; each test runs in a fresh directory, in a
# subshell with `set -e`, and every sluice call is under `timeout`.
#
# Exit status: 0 all passed, 1 a test failed, 125 skipped (a tool is missing;
# under CI=true a missing tool is a failure instead).
set -u

: "${SLUICE:?SLUICE must name the sluice binary}"
SLUICE=$(readlink -f "$SLUICE")
SLUICE_SOURCE_DIR=${SLUICE_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
TIMEOUT=${TIMEOUT:-120}
SUITE_DIR=$(mktemp -d "${TMPDIR:-/tmp}/sluice-e2e.XXXXXX")
trap 'rm -rf "$SUITE_DIR"' EXIT

sluice() { timeout -k 5 "$TIMEOUT" "$SLUICE" "$@"; }

# require_tool NAME…: skip the suite (exit 125) unless every tool exists.
require_tool() {
  local t
  for t in "$@"; do
    if ! command -v "$t" >/dev/null 2>&1; then
      if [ "${CI:-}" = true ]; then
        echo "FAIL: required tool '$t' is missing under CI" >&2
        exit 1
      fi
      echo "SKIP: '$t' is not installed" >&2
      exit 125
    fi
  done
}

# Writes to fd 3, the test's log, so the message survives a `2>file` around the call.
fail() {
  echo "  assertion failed: $*" >&3
  exit 1
}

expect_eq() { # ACTUAL EXPECTED [WHAT]
  [ "$1" = "$2" ] || fail "${3:-value}: expected '$2', got '$1'"
}

expect_files_eq() { # A B
  diff -u "$1" "$2" >&2 || fail "$1 and $2 differ"
}

expect_contains() { # FILE PATTERN (grep -E)
  grep -Eq -- "$2" "$1" || { cat "$1" >&2; fail "$1 does not match /$2/"; }
}

expect_not_contains() { # FILE PATTERN
  ! grep -Eq -- "$2" "$1" || { cat "$1" >&2; fail "$1 matches /$2/"; }
}

expect_exit() { # CODE COMMAND…: runs COMMAND, expects exit CODE
  local want=$1 got=0
  shift
  "$@" || got=$?
  [ "$got" = "$want" ] || fail "'$*' exited $got, expected $want"
}

# Lines of a file without control records.
events_of() { grep -v '^{"\$sluice"' "$1" || true; }

run_tests() {
  local fn passed=0 failed=0 skipped=0 names start rc
  names=$(declare -F | awk '{print $3}' | grep '^test_' || true)
  for fn in $names; do
    if [ -n "${ONLY:-}" ] && [ "$fn" != "$ONLY" ]; then
      continue
    fi
    mkdir -p "$SUITE_DIR/$fn"
    start=$(date +%s%N)
    rc=0
    (cd "$SUITE_DIR/$fn" && set -e -o pipefail && "$fn") >"$SUITE_DIR/$fn.log" 2>&1 3>&2 || rc=$?
    local ms=$((($(date +%s%N) - start) / 1000000))
    local secs="$((ms / 1000)).$(printf '%03d' $((ms % 1000)))"
    if [ "$rc" = 0 ]; then
      passed=$((passed + 1))
      echo "PASS $fn (${secs}s)"
      if [ -n "${VERBOSE:-}" ]; then
        sed 's/^/    /' "$SUITE_DIR/$fn.log"
      fi
    elif [ "$rc" = 125 ]; then
      skipped=$((skipped + 1))
      echo "SKIP $fn"
    else
      failed=$((failed + 1))
      echo "FAIL $fn (exit $rc, ${secs}s)"
      sed 's/^/    /' "$SUITE_DIR/$fn.log" | tail -n 60
    fi
  done
  echo "$passed passed, $failed failed, $skipped skipped"
  [ "$failed" = 0 ]
}
