#!/usr/bin/env bash
# Overhead of watching a pipeline (printed, never asserted): the 1M-event
# pass-through `capture file F | sink file -` to /dev/null, plain (the peer),
# with --metrics on both stages and with --progress always on both stages
# (the live line drawn to /dev/null). Goal: less than 2% slower than plain.
set -euo pipefail
: "${SLUICE:?SLUICE must name the sluice binary}"
SLUICE=$(readlink -f "$SLUICE")
EVENTS=${BENCH_EVENTS:-1000000}
RUNS=${BENCH_RUNS:-5}
DIR=$(mktemp -d "${TMPDIR:-/tmp}/sluice-bench.XXXXXX")
trap 'rm -rf "$DIR"' EXIT
cd "$DIR"

now_ns() { date +%s%N; }
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

"$SLUICE" capture generate --no-control --count "$EVENTS" --quiet >events.ndjson
BYTES=$(stat -c %s events.ndjson)
cat events.ndjson >/dev/null
echo "data: $EVENTS events, $((BYTES / 1000000)) MB"

# The three variants run interleaved (each first in turn), RUNS rounds, so drift in the machine's
# load hits them alike; each keeps its fastest run, in wall time and in CPU
# time (user + system of both stages, steadier on a shared machine).
python3 - "$SLUICE" "$EVENTS" "$BYTES" "$RUNS" <<'PY'
import resource, socket, subprocess, sys, time
sluice, events, size, runs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]

def flags(name):
    if name == "plain":
        return "--progress never"
    if name == "metrics":
        return f"--progress never --metrics {free_port()}"
    return "--progress always"

best = {}
names = ["plain", "metrics", "progress"]
for r in range(runs):
    for name in names[r % 3:] + names[:r % 3]: # each goes first in turn
        cmd = (f"'{sluice}' capture file events.ndjson {flags(name)} 2>/dev/null | "
               f"'{sluice}' sink file - {flags(name)} 2>/dev/null >/dev/null")
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.monotonic()
        subprocess.run(["bash", "-c", cmd], check=True)
        wall = time.monotonic() - t0
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        w, c = best.get(name, (wall, cpu))
        best[name] = (min(w, wall), min(c, cpu))

pw, pc = best["plain"]
print(f"pass-through plain: {events / pw:,.0f} events/s ({size / pw / 1e6:.0f} MB/s, {pc:.2f} s CPU)")
for name, shown in (("metrics", "--metrics"), ("progress", "--progress always")):
    w, c = best[name]
    print(f"pass-through {shown}: {events / w:,.0f} events/s ({pw / w:.3f}x vs plain; "
          f"wall {(w / pw - 1) * 100:+.1f}%, goal < 2%)")
    print(f"pass-through {shown} CPU: {c:.2f} s ({c / pc:.3f}x vs plain; {(c / pc - 1) * 100:+.1f}%)")
PY
