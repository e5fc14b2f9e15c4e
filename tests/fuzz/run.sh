#!/usr/bin/env bash
# Runs every libFuzzer target of a fuzz build for a bounded number of inputs
# (`make fuzz`): BUILD_DIR [RUNS] [TARGET…]. Seeds come from
# tests/fuzz/corpus/<target>; what a run finds is kept in BUILD_DIR/corpus/<target>.
# Fails on the first crash or sanitizer report (libFuzzer exits non-zero and
# writes the input to BUILD_DIR/crash-<target>-*).
set -uo pipefail
build=${1:?usage: run.sh BUILD_DIR [RUNS] [TARGET...]}
runs=${2:-300000}
shift $(($# >= 2 ? 2 : 1))
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(expr_parser line_reader)
here=$(cd "$(dirname "$0")" && pwd)
status=0
for target in "${targets[@]}"; do
  corpus="$build/corpus/$target"
  mkdir -p "$corpus"
  echo "== fuzz_$target: $runs inputs"
  rc=0
  "$build/fuzz_$target" -runs="$runs" -max_len=4096 -print_final_stats=1 \
    -artifact_prefix="$build/crash-$target-" "$corpus" "$here/corpus/$target" >"$build/$target.log" 2>&1 || rc=$?
  grep -E "^(stat::number_of_executed_units|==[0-9]+==ERROR|SUMMARY|Done)" "$build/$target.log" || true
  if [ "$rc" != 0 ]; then
    echo "fuzz_$target failed (exit $rc): see $build/$target.log"
    status=1
  fi
done
exit $status
