#!/usr/bin/env python3
"""Latency of a lone line through `capture file --follow | sink file`.

A line is appended to the followed file; the time until the sink's output file
has grown by it is that line's latency. Repeated with a pause between lines so
that each travels alone; p50 and p99 are printed.
"""
import argparse
import os
import subprocess
import tempfile
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sluice", required=True)
    ap.add_argument("--count", type=int, default=1000)
    args = ap.parse_args()
    d = tempfile.mkdtemp()
    log, out = os.path.join(d, "app.log"), os.path.join(d, "out.ndjson")
    open(log, "w").close()
    cap = subprocess.Popen([args.sluice, "capture", "file", "--follow", log, "--quiet"],
                           stdout=subprocess.PIPE)
    snk = subprocess.Popen([args.sluice, "sink", "file", out, "--quiet"], stdin=cap.stdout)
    cap.stdout.close()
    time.sleep(0.5)
    lat = []
    size = os.path.getsize(out) if os.path.exists(out) else 0
    with open(log, "a", buffering=1) as f:
        for i in range(args.count):
            line = '{"n":%d,"msg":"a lone event"}\n' % i
            t0 = time.perf_counter()
            f.write(line)
            want = size + len(line)
            deadline = t0 + 5
            while time.perf_counter() < deadline:
                try:
                    if os.path.getsize(out) >= want:
                        break
                except OSError:
                    pass
            lat.append((time.perf_counter() - t0) * 1000)
            size = want
            time.sleep(0.002)
    cap.terminate()
    snk.wait(timeout=30)
    cap.wait(timeout=30)
    lat.sort()
    p = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))]
    print(f"latency capture file --follow | sink file ({len(lat)} appends): "
          f"p50 {p(0.5):.2f} ms, p99 {p(0.99):.2f} ms (goal p50 < 1 ms)")


if __name__ == "__main__":
    main()
