#!/usr/bin/env python3
"""Kill test for `capture file --follow | sink file`, with a live writer.

A writer appends numbered lines to app.log and rotates it now and then (rename
to app.log.1, the previous app.log.1 compressed to app.log.2.zst, older ones
moved up to app.log.3.zst and on, a new app.log). Meanwhile the pipeline runs
with a file checkpoint store, and random stages are SIGKILLed and restarted.
When the writer is done and the output has caught up, the pipeline is stopped
with SIGTERM; the output must hold every line written exactly once, in order.
"""
import argparse
import json
import os
import random
import signal
import subprocess
import threading
import time


def writer(workdir, lines, done):
    log = os.path.join(workdir, "app.log")
    rnd = random.Random(7)
    n = 0
    while n < lines:
        with open(log, "a") as f:
            for _ in range(rnd.randint(1, 50)):
                if n >= lines:
                    break
                f.write(json.dumps({"n": n, "pad": "x" * rnd.randint(0, 80)}) + "\n")
                n += 1
        time.sleep(0.004)
        if rnd.random() < 0.02:
            one, two = log + ".1", log + ".2"
            if os.path.exists(one):
                # Older generations move up (app.log.2.zst to app.log.3.zst, …) and are
                # kept: removing one could drop lines no run has read yet (a run killed
                # before its first checkpoint and a slow restart take longer than the
                # first rotations), a loss no reader could prevent.
                top = 2
                while os.path.exists(f"{log}.{top}.zst"):
                    top += 1
                for k in range(top - 1, 1, -1):
                    os.rename(f"{log}.{k}.zst", f"{log}.{k + 1}.zst")
                os.rename(one, two)
                subprocess.run(["zstd", "-q", "--rm", two], check=True)
            os.rename(log, one)
    done.set()


def start(args, workdir, log):
    cap = subprocess.Popen([args.sluice, "capture", "file", "--follow", "app.log", "--checkpoint",
                            "c.json", "--checkpoint-interval", "50ms", "--drain-timeout", "2s",
                            "--quiet"], cwd=workdir, stdout=subprocess.PIPE, stderr=log)
    snk = subprocess.Popen([args.sluice, "sink", "file", "out.ndjson", "--checkpoint", "c.json",
                            "--quiet"], cwd=workdir, stdin=cap.stdout, stderr=log)
    cap.stdout.close()
    return {"capture": cap, "sink": snk}


def count_lines(path):
    try:
        with open(path, "rb") as f:
            return sum(1 for _ in f)
    except OSError:
        return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sluice", required=True)
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--lines", type=int, default=20000)
    ap.add_argument("--kills", type=int, default=5)
    ap.add_argument("--seed", type=int, default=int(time.time()))
    args = ap.parse_args()
    rnd = random.Random(args.seed)
    log = open(os.path.join(args.workdir, "stderr.log"), "ab")
    open(os.path.join(args.workdir, "app.log"), "a").close()
    done = threading.Event()
    threading.Thread(target=writer, args=(args.workdir, args.lines, done), daemon=True).start()
    out = os.path.join(args.workdir, "out.ndjson")
    for k in range(args.kills):
        procs = start(args, args.workdir, log)
        time.sleep(rnd.uniform(0.05, 0.4))
        victim = rnd.choice(["capture", "sink"])
        procs[victim].send_signal(signal.SIGKILL)
        codes = {n: p.wait(timeout=30) for n, p in procs.items()}
        other = "sink" if victim == "capture" else "capture"
        if codes[other] not in (0, 75):
            raise SystemExit(f"{other} exited {codes[other]} after {victim} was killed")
        print(f"kill {k + 1}/{args.kills}: {victim}, {count_lines(out)} lines out", flush=True)
    procs = start(args, args.workdir, log)
    done.wait(timeout=120)
    deadline = time.time() + 60
    while count_lines(out) < args.lines and time.time() < deadline:
        time.sleep(0.05)
    procs["capture"].send_signal(signal.SIGTERM)
    codes = {n: p.wait(timeout=30) for n, p in procs.items()}
    if codes != {"capture": 0, "sink": 0}:
        raise SystemExit(f"final run exited {codes}")
    got = [json.loads(l)["n"] for l in open(out)]
    if got != list(range(args.lines)):
        missing = sorted(set(range(args.lines)) - set(got))[:5]
        dup = len(got) - len(set(got))
        raise SystemExit(f"{len(got)} lines out of {args.lines}: missing e.g. {missing}, "
                         f"{dup} doubled")
    print(f"{args.lines} lines written through rotations, {args.kills} kills: each line out "
          f"exactly once, in order")


if __name__ == "__main__":
    main()
