#!/usr/bin/env bash
# Operability benchmarks (printed, never asserted): latency of a lone line
# through capture file --follow | sink file.
set -euo pipefail
: "${SLUICE:?SLUICE must name the sluice binary}"
here=$(cd "$(dirname "$0")" && pwd)
python3 "$here/follow_latency.py" --sluice "$(readlink -f "$SLUICE")" --count "${BENCH_APPENDS:-1000}"
