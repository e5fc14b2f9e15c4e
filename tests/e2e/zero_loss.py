#!/usr/bin/env python3
"""Zero-loss test: `capture file --checkpoint C | sink … --checkpoint C` under SIGKILL.

For every configuration (store: a file or sqlite:DB; sink: sqlite --upsert,
sqlite --raw, file) a driver starts the pipeline, kills a random stage with
SIGKILL at a random moment, restarts it, and repeats CHAOS_KILLS times; then it
lets the pipeline finish and checks the end state independently of sluice:
the file sink's output equals the input byte for byte, the raw table holds
exactly the input's ids, and the upsert table equals the state computed here
with Python's sqlite3 by applying every input event in order. At least a third
of the kills must land while the sink holds events past its last recorded
barrier (checked from outside just before the kill, and logged).
"""
import argparse
import bisect
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time

CONFIGS = [(store, sink) for store in ("file", "sqlite") for sink in ("upsert", "raw", "file")]


class Input:
    """The input file, with what the checks need to know about each line."""

    def __init__(self, path):
        self.path = path
        self.data = open(path, "rb").read()
        self.ends = []          # byte offset after each line
        self.version_sum = []   # sum of the live rows' versions after each line (upsert state)
        self.events = []
        live = {}
        total = 0
        pos = 0
        for raw in self.data.split(b"\n")[:-1]:
            pos += len(raw) + 1
            ev = json.loads(raw)
            self.events.append(ev)
            key = ev["key"]["order_id"]
            total -= live.pop(key, 0)
            if ev["op"] != "delete":
                live[key] = ev["after"]["version"]
                total += live[key]
            self.ends.append(pos)
            self.version_sum.append(total)

    def lines_before(self, offset):
        return bisect.bisect_right(self.ends, offset)


def expected_upsert_rows(events):
    rows = {}
    for ev in events:
        key = ev["key"]["order_id"]
        if ev["op"] == "delete":
            rows.pop(key, None)
        elif ev["op"] in ("insert", "update", "read"):
            row = rows.setdefault(key, {})
            row.update(ev["after"])
            row["order_id"] = key
    return rows


def cell(v):
    """A value as the sink stores it (objects and arrays as JSON text)."""
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, (dict, list)):
        return ("json", v)
    return v


def norm_db_cell(v):
    if isinstance(v, str) and v[:1] in ("{", "["):
        try:
            return ("json", json.loads(v))
        except ValueError:
            return v
    return v


class Config:
    def __init__(self, args, inp, store, sink, root):
        self.args, self.inp, self.store, self.sink = args, inp, store, sink
        self.dir = os.path.join(root, f"{store}-{sink}")
        os.makedirs(self.dir, exist_ok=True)
        self.db = os.path.join(self.dir, "target.db")
        self.out = os.path.join(self.dir, "out.ndjson")
        if store == "file":
            self.spec = os.path.join(self.dir, "store.json")
        elif sink == "file":
            self.spec = "sqlite:" + os.path.join(self.dir, "store.db")
        else:
            self.spec = "sqlite:" + self.db   # same database: one transaction
        self.name = f"{store} store, sink {'sqlite --' + sink if sink != 'file' else 'file'}"
        self.log = open(os.path.join(self.dir, "stderr.log"), "ab")

    def commands(self):
        b = self.args.sluice
        cap = [b, "capture", "file", self.inp.path, "--checkpoint", self.spec,
               "--checkpoint-interval", "50ms", "--drain-timeout", "2s", "--quiet"]
        if self.sink == "file":
            snk = [b, "sink", "file", self.out]
        else:
            snk = [b, "sink", "sqlite", self.db, "--table", "orders"]
            snk += ["--raw"] if self.sink == "raw" else ["--upsert", "key.order_id"]
        snk += ["--checkpoint", self.spec, "--quiet"]
        return cap, snk

    def start(self):
        cap, snk = self.commands()
        c = subprocess.Popen(cap, stdout=subprocess.PIPE, stderr=self.log)
        s = subprocess.Popen(snk, stdin=c.stdout, stderr=self.log)
        c.stdout.close()
        return {"capture": c, "sink": s}

    # -- what the store says --------------------------------------------------
    def recorded(self):
        """(offset, state) the sink recorded, or None."""
        try:
            if self.spec.startswith("sqlite:"):
                con = sqlite3.connect("file:" + self.spec[7:] + "?mode=ro", uri=True, timeout=5)
                try:
                    r = con.execute("SELECT pos, state FROM _sluice_checkpoints "
                                    "WHERE run IS NOT NULL").fetchone()
                finally:
                    con.close()
                if r is None:
                    return None
                pos, state = json.loads(r[0]), json.loads(r[1])
            else:
                doc = json.load(open(self.spec))
                es = [e for e in doc["entries"] if "run" in e]
                if not es:
                    return None
                pos, state = es[0]["pos"], es[0]["state"]
            return pos["offset"], state
        except (OSError, ValueError, sqlite3.Error):
            return None

    def sink_state(self):
        """(what the sink holds, what it would hold at its recorded position), or None."""
        rec = self.recorded()
        offset, state = rec if rec else (0, {"size": 0})
        n = self.inp.lines_before(offset)
        try:
            if self.sink == "file":
                return os.path.getsize(self.out), (state or {}).get("size", 0)
            con = sqlite3.connect("file:" + self.db + "?mode=ro", uri=True, timeout=1)
            try:
                if self.sink == "raw":
                    return con.execute("SELECT count(*) FROM orders").fetchone()[0], n
                # Sum of the live rows' versions: differs from the state at the recorded
                # position as soon as a later change is committed.
                got = con.execute("SELECT coalesce(sum(version), 0) FROM orders").fetchone()[0]
                return got, (self.inp.version_sum[n - 1] if n else 0)
            finally:
                con.close()
        except (OSError, sqlite3.Error):
            return None

    def holds_unrecorded(self, baseline):
        """True when the sink has committed, in this run (its holdings moved since
        `baseline`), events past its last recorded barrier."""
        now = self.sink_state()
        return now is not None and now[0] != now[1] and now[0] != baseline

    # -- the run ----------------------------------------------------------------
    def progress(self):
        rec = self.recorded()
        return rec[0] if rec else 0

    def chaos(self):
        rnd = random.Random(self.seed)
        # Bytes per second the pipeline moves, learnt from the attempts so far: kills
        # must land before the input runs out, whatever the machine's speed.
        speed = 50e6
        kills, held, by_stage = 0, 0, {"capture": 0, "sink": 0}
        attempts = 0
        while kills < self.args.kills:
            attempts += 1
            if attempts > self.args.kills * 20:
                raise SystemExit(f"{self.name}: could not land {self.args.kills} kills")
            done_before = self.progress()
            remaining = max(len(self.inp.data) - done_before, 1)
            window = min(self.args.max_delay,
                         remaining / speed / (self.args.kills - kills + 1))
            baseline = (self.sink_state() or (None,))[0]
            procs = self.start()
            t0 = time.monotonic()
            victim = rnd.choice(["capture", "sink"])
            if kills % 2 == 0:  # every other kill waits for unrecorded events
                # Aimed: wait until the sink holds events past its last barrier.
                deadline = t0 + 5
                while time.monotonic() < deadline and procs[victim].poll() is None:
                    if self.holds_unrecorded(baseline):
                        break
                    time.sleep(0.002)
            else:
                time.sleep(rnd.uniform(0, window))
            was_holding = self.holds_unrecorded(baseline)
            landed = procs[victim].poll() is None
            if landed:
                procs[victim].send_signal(signal.SIGKILL)
            at = time.monotonic() - t0
            codes = {}
            moved = self.progress() - done_before
            if at > 0.05 and moved > 0:
                speed = 0.5 * speed + 0.5 * (moved / at)
            for name, p in procs.items():
                try:
                    codes[name] = p.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    for q in procs.values():
                        q.kill()
                    raise SystemExit(f"{self.name}: {name} hung after {victim} was killed")
            other = "sink" if victim == "capture" else "capture"
            if landed:
                if codes[victim] != -signal.SIGKILL:
                    # It exited by itself just before the signal.
                    landed = False
                elif codes[other] not in (0, 75):
                    raise SystemExit(f"{self.name}: {other} exited {codes[other]} after "
                                     f"{victim} was killed (expected 75 or 0); see {self.log.name}")
            if not landed:
                if codes != {"capture": 0, "sink": 0}:
                    raise SystemExit(f"{self.name}: pipeline exited {codes} without a kill")
                # The input ran out before the kills did: check this end state, then
                # start the configuration over.
                print(f"  input exhausted after {kills} kills: {self.verify()}; starting over",
                      flush=True)
                self.reset()
                continue
            kills += 1
            by_stage[victim] += 1
            held += was_holding
            print(f"  kill {kills}/{self.args.kills}: {victim} at {at * 1000:.0f} ms "
                  f"(sink held unrecorded events: {'yes' if was_holding else 'no'})", flush=True)
        procs = self.start()
        codes = {n: p.wait(timeout=600) for n, p in procs.items()}
        if codes != {"capture": 0, "sink": 0}:
            raise SystemExit(f"{self.name}: final run exited {codes}; see {self.log.name}")
        return kills, held, by_stage

    def reset(self):
        for path in (self.out, self.db, self.db + "-wal", self.db + "-shm", self.spec,
                     self.spec + ".lock"):
            path = path[7:] if path.startswith("sqlite:") else path
            for p in (path, path + "-wal", path + "-shm"):
                if os.path.exists(p):
                    os.remove(p)

    def verify(self):
        if self.sink == "file":
            got = open(self.out, "rb").read()
            if got != self.inp.data:
                raise SystemExit(f"{self.name}: output differs from input "
                                 f"({len(got)} vs {len(self.inp.data)} bytes)")
            return "output equals input byte for byte"
        con = sqlite3.connect(self.db)
        if self.sink == "raw":
            ids = [r[0] for r in con.execute("SELECT id FROM orders")]
            want = {e["id"] for e in self.inp.events}
            if len(ids) != len(set(ids)) or set(ids) != want:
                raise SystemExit(f"{self.name}: raw ids differ: {len(set(ids))} stored, "
                                 f"{len(want)} in the input")
            bad = con.execute("SELECT count(*) FROM orders WHERE json_extract(event, '$.id') != id"
                              ).fetchone()[0]
            if bad:
                raise SystemExit(f"{self.name}: {bad} raw rows hold another event than their id")
            return f"{len(ids)} raw ids equal the input's ids"
        want = expected_upsert_rows(self.inp.events)
        cur = con.execute("SELECT * FROM orders")
        names = [d[0] for d in cur.description]
        got = {}
        for r in cur:
            row = {n: norm_db_cell(v) for n, v in zip(names, r) if v is not None}
            got[row["order_id"]] = row
        want_cells = {k: {n: cell(v) for n, v in row.items() if v is not None} for k, row in want.items()}
        if got != want_cells:
            missing = set(want_cells) - set(got)
            extra = set(got) - set(want_cells)
            diff = [k for k in set(got) & set(want_cells) if got[k] != want_cells[k]][:3]
            raise SystemExit(f"{self.name}: upsert table differs: {len(missing)} missing, "
                             f"{len(extra)} extra, rows differing e.g. {diff}")
        return f"{len(got)} upserted rows equal Python's replay of the input"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sluice", required=True)
    ap.add_argument("--input", required=True)
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--kills", type=int, default=5)
    ap.add_argument("--seed", type=int, default=int(time.time()))
    ap.add_argument("--max-delay", type=float, default=0.5)
    ap.add_argument("--only", default="")
    args = ap.parse_args()
    print(f"zero-loss: seed {args.seed}, {args.kills} kills per configuration", flush=True)
    inp = Input(args.input)
    failed = False
    for index, (store, sink) in enumerate(CONFIGS):
        cfg = Config(args, inp, store, sink, args.workdir)
        cfg.seed = args.seed + index
        if args.only and args.only not in cfg.name:
            continue
        print(f"[{cfg.name}]", flush=True)
        start = time.monotonic()
        kills, held, by_stage = cfg.chaos()
        result = cfg.verify()
        print(f"  {kills} kills (capture {by_stage['capture']}, sink {by_stage['sink']}), "
              f"{held} while the sink held unrecorded events; {result} "
              f"({time.monotonic() - start:.1f}s)", flush=True)
        if held * 3 < kills:
            print(f"  FAIL: fewer than a third of the kills hit the sink holding unrecorded events")
            failed = True
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
