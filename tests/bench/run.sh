#!/usr/bin/env bash
# `make bench`: runs every benchmark script of tests/bench in turn. Each prints
# `name: value unit (ratio vs peer)` lines; none asserts a timing.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
status=0
for script in "$here"/*.sh; do
  [ "$(basename "$script")" = run.sh ] && continue
  echo "== $(basename "$script" .sh)"
  bash "$script" || status=1
done
exit $status
