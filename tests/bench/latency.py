#!/usr/bin/env python3
"""Latency of single events through `capture generate --rate R | sink sqlite --raw`.

A poller reads the table every millisecond from its own connection; an event's
latency is the wall-clock time it first becomes visible (committed) minus its
`ts` (generate --rate stamps ts with the wall clock at which it is due).
"""
import argparse
import os
import sqlite3
import subprocess
import tempfile
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sluice", required=True)
    ap.add_argument("--rate", type=float, default=10)
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--linger", default="20ms")
    args = ap.parse_args()
    d = tempfile.mkdtemp()
    db = os.path.join(d, "lat.db")
    count = int(args.rate * args.seconds)
    cap = subprocess.Popen([args.sluice, "capture", "generate", "--rate", str(args.rate),
                            "--count", str(count), "--quiet"], stdout=subprocess.PIPE)
    snk = subprocess.Popen([args.sluice, "sink", "sqlite", db, "--table", "events", "--raw",
                            "--linger", args.linger, "--quiet"], stdin=cap.stdout)
    cap.stdout.close()
    lat = []
    last = 0
    con = None
    while snk.poll() is None or con is None:
        time.sleep(0.001)
        try:
            if con is None:
                if not os.path.exists(db):
                    continue
                con = sqlite3.connect(db, timeout=1)
            rows = con.execute("SELECT rowid, json_extract(event, '$.ts') FROM events "
                               "WHERE rowid > ?", (last,)).fetchall()
        except sqlite3.Error:
            continue
        seen = time.time() * 1000
        for rowid, ts in rows:
            last = max(last, rowid)
            lat.append(seen - ts)
    cap.wait()
    lat.sort()
    if not lat:
        print("latency generate --rate | sink sqlite: no events seen")
        return
    p = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))]
    print(f"latency generate --rate {args.rate:g} | sink sqlite (ts to visible commit, "
          f"{len(lat)} events, --linger {args.linger}): p50 {p(0.5):.1f} ms, p99 {p(0.99):.1f} ms")


if __name__ == "__main__":
    main()
