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

Two more configurations run four stages (issue 5): `capture file | dedupe
--state S | reorder --lateness 2s | sink file OUT` (file store) and the same
into `sink sqlite --raw` (sqlite store in the sink's database). Their input is
the generated file with event times compressed 20x, so that 2 s of lateness
holds ~40k events and barriers stay held back in reorder for a while. Kills go
to every stage in turn (CHAIN_VICTIMS: all four within five kills, three in
four at reorder or sink) at a random moment; those of reorder and sink (and
every other one) then wait until a barrier is held back (dedupe saved, in this
run, a barrier the sink has not recorded: read from outside, from the state
directory and the store). The check: the output
holds each distinct input event exactly once, nothing lost, nothing doubled;
at least half of the reorder and sink kills landed while a barrier was held.
tests/e2e/zero_loss.sh runs the two-stage configurations (--skip "dedupe |
reorder"), tests/e2e/dedupe_reorder_kill.sh the four-stage ones (--only).
"""
import argparse
import bisect
import json
import os
import random
import re
import shutil
import signal
import sqlite3
import struct
import subprocess
import sys
import time

CONFIGS = [(store, sink, False) for store in ("file", "sqlite") for sink in ("upsert", "raw", "file")]
# Four-stage pipelines: capture | dedupe --state | reorder | sink.
CONFIGS += [("file", "file", True), ("sqlite", "raw", True)]
CHAIN_STAGES = ["capture", "dedupe", "reorder", "sink"]
# Whom the four-stage kills hit, in turn: every stage within the first five kills,
# and three in four kills at reorder or sink.
CHAIN_VICTIMS = ["reorder", "sink", "dedupe", "capture", "reorder", "sink", "reorder", "sink"]
TIME_COMPRESSION = 20


def compress_times(src, dst, factor=TIME_COMPRESSION):
    """Copies src with every top-level ts moved towards the first: t0 + (ts - t0) / factor."""
    pat = re.compile(rb'"ts":(\d+)')
    lines = open(src, "rb").read().split(b"\n")[:-1]
    t0 = min(int(pat.search(l).group(1)) for l in lines)
    with open(dst, "wb") as out:
        for l in lines:
            m = pat.search(l)
            ts = t0 + (int(m.group(1)) - t0) // factor
            out.write(l[:m.start(1)] + str(ts).encode() + l[m.end(1):] + b"\n")


def journal_newest(state_dir):
    """(run, checkpoint) of the newest version dedupe saved (format: src/core/state_record.hpp)."""
    try:
        names = sorted(n for n in os.listdir(state_dir)
                       if n.startswith("segment-") and n.endswith(".sjl"))
    except OSError:
        return None
    newest = None
    for name in names:
        try:
            with open(os.path.join(state_dir, name), "rb") as f:
                while True:
                    fixed = f.read(40)
                    if len(fixed) < 40 or fixed[:4] != b"SLJ1":
                        break
                    run_len, sides_len, payload_len, _seq, checkpoint = struct.unpack("<IIQQQ", fixed[8:])
                    run = f.read(run_len)
                    if len(run) < run_len:
                        break
                    f.seek(sides_len + 8 + payload_len + 8, os.SEEK_CUR)
                    newest = (run.decode(), checkpoint)
        except OSError:
            pass
    return newest


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
    def __init__(self, args, inp, store, sink, root, chain=False):
        self.args, self.inp, self.store, self.sink, self.chain = args, inp, store, sink, chain
        self.stages = CHAIN_STAGES if chain else ["capture", "sink"]
        self.dir = os.path.join(root, f"{store}-{sink}" + ("-chain" if chain else ""))
        self.state = os.path.join(self.dir, "dedupe-state")
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
        if chain:
            self.name = f"{store} store, capture | dedupe | reorder | sink " + \
                ("sqlite --" + sink if sink != "file" else "file")
        self.log = open(os.path.join(self.dir, "stderr.log"), "ab")

    def commands(self, final=False):
        b = self.args.sluice
        # A short drain timeout while kills come (a capture whose sink was killed
        # during its drain gives up soon); the final run waits for a loaded machine.
        cap = [b, "capture", "file", self.inp.path, "--checkpoint", self.spec,
               "--checkpoint-interval", "50ms", "--drain-timeout", "60s" if final else "2s",
               "--quiet"]
        if self.sink == "file":
            snk = [b, "sink", "file", self.out]
        else:
            snk = [b, "sink", "sqlite", self.db, "--table", "orders"]
            snk += ["--raw"] if self.sink == "raw" else ["--upsert", "key.order_id"]
        snk += ["--checkpoint", self.spec, "--quiet"]
        if not self.chain:
            return cap, snk
        ded = [b, "dedupe", "--state", self.state, "--checkpoint", self.spec, "--quiet"]
        reo = [b, "reorder", "--lateness", "2s", "--quiet"]
        return cap, ded, reo, snk

    def start(self, final=False):
        procs = {}
        prev = None
        commands = self.commands(final)
        for i, (name, cmd) in enumerate(zip(self.stages, commands)):
            last = i == len(commands) - 1
            p = subprocess.Popen(cmd, stdin=prev, stdout=None if last else subprocess.PIPE,
                                 stderr=self.log)
            if prev is not None:
                prev.close()
            prev = p.stdout
            procs[name] = p
        return procs

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

    def recorded_barrier(self):
        """(run, checkpoint) the sink recorded, or None."""
        try:
            if self.spec.startswith("sqlite:"):
                con = sqlite3.connect("file:" + self.spec[7:] + "?mode=ro", uri=True, timeout=5)
                try:
                    r = con.execute("SELECT run, checkpoint FROM _sluice_checkpoints "
                                    "WHERE run IS NOT NULL").fetchone()
                finally:
                    con.close()
                return (r[0], r[1]) if r else None
            es = [e for e in json.load(open(self.spec))["entries"] if "run" in e]
            return (es[0]["run"], es[0]["checkpoint"]) if es else None
        except (OSError, ValueError, sqlite3.Error):
            return None

    def barrier_held(self, baseline):
        """True when dedupe saved, in this run (its newest version moved since
        `baseline`), a barrier the sink has not recorded: it is on its way, held back
        in reorder (where 2 s of lateness keeps it) or in a pipe."""
        newest = journal_newest(self.state)
        return newest is not None and newest != baseline and newest != self.recorded_barrier()

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
        kills, held, by_stage = 0, 0, {s: 0 for s in self.stages}
        self.aimed = {"kills": 0, "held": 0}  # kills of reorder and sink (four stages)
        attempts = 0
        while kills < self.args.kills:
            attempts += 1
            if attempts > self.args.kills * 20:
                raise SystemExit(f"{self.name}: could not land {self.args.kills} kills")
            done_before = self.progress()
            remaining = max(len(self.inp.data) - done_before, 1)
            window = min(self.args.max_delay,
                         remaining / speed / (self.args.kills - kills + 1))
            if self.chain:
                baseline = journal_newest(self.state)
                holding = lambda: self.barrier_held(baseline)
                victim = CHAIN_VICTIMS[kills % len(CHAIN_VICTIMS)]
                # Kills of reorder and sink always wait for a barrier held back.
                aim = victim in ("reorder", "sink") or kills % 2 == 0
            else:
                baseline = (self.sink_state() or (None,))[0]
                holding = lambda: self.holds_unrecorded(baseline)
                victim = rnd.choice(["capture", "sink"])
                aim = kills % 2 == 0  # every other kill waits for unrecorded events
            procs = self.start()
            t0 = time.monotonic()
            if aim and self.chain:
                # At a random moment, then as soon as a barrier is held back.
                time.sleep(rnd.uniform(0, window))
            if aim:
                # Aimed: wait until the sink holds events past its last barrier (four
                # stages: until a barrier is held back on its way to the sink).
                deadline = t0 + 5
                while time.monotonic() < deadline and procs[victim].poll() is None:
                    if holding():
                        break
                    time.sleep(0.002)
            else:
                time.sleep(rnd.uniform(0, window))
            was_holding = holding()
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
            if landed:
                if codes[victim] != -signal.SIGKILL:
                    # It exited by itself just before the signal.
                    landed = False
                for other in self.stages:
                    if landed and other != victim and codes[other] not in (0, 75):
                        raise SystemExit(f"{self.name}: {other} exited {codes[other]} after "
                                         f"{victim} was killed (expected 75 or 0); see {self.log.name}")
            if not landed:
                if any(c != 0 for c in codes.values()):
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
            if self.chain and victim in ("reorder", "sink"):
                self.aimed["kills"] += 1
                self.aimed["held"] += was_holding
            what = "a barrier held back" if self.chain else "sink held unrecorded events"
            print(f"  kill {kills}/{self.args.kills}: {victim} at {at * 1000:.0f} ms "
                  f"({what}: {'yes' if was_holding else 'no'})", flush=True)
        procs = self.start(final=True)
        codes = {n: p.wait(timeout=600) for n, p in procs.items()}
        if any(c != 0 for c in codes.values()):
            raise SystemExit(f"{self.name}: final run exited {codes}; see {self.log.name}")
        return kills, held, by_stage

    def reset(self):
        shutil.rmtree(self.state, ignore_errors=True)
        for path in (self.out, self.db, self.db + "-wal", self.db + "-shm", self.spec,
                     self.spec + ".lock"):
            path = path[7:] if path.startswith("sqlite:") else path
            for p in (path, path + "-wal", path + "-shm"):
                if os.path.exists(p):
                    os.remove(p)

    def verify_chain(self):
        """Each distinct input event exactly once (dedupe drops the input's repeats)."""
        first = {}
        for raw in self.inp.data.split(b"\n")[:-1]:
            first.setdefault(json.loads(raw)["id"], raw)
        if self.sink == "file":
            got = open(self.out, "rb").read().split(b"\n")[:-1]
            ids = [json.loads(l)["id"] for l in got]
            doubled = len(ids) - len(set(ids))
            missing = len(set(first) - set(ids))
            if doubled or missing or sorted(got) != sorted(first.values()):
                raise SystemExit(f"{self.name}: {len(got)} events out, {len(first)} distinct in: "
                                 f"{doubled} doubled, {missing} missing")
            return f"{len(got)} events, each distinct input event exactly once"
        con = sqlite3.connect(self.db)
        rows = con.execute("SELECT id, event FROM orders").fetchall()
        ids = [r[0] for r in rows]
        if len(ids) != len(set(ids)) or set(ids) != set(first):
            raise SystemExit(f"{self.name}: raw ids differ: {len(set(ids))} stored, "
                             f"{len(first)} distinct in the input")
        if any(json.loads(e)["id"] != i for i, e in rows):
            raise SystemExit(f"{self.name}: raw rows hold another event than their id")
        return f"{len(ids)} raw rows, each distinct input event exactly once"

    def verify(self):
        if self.chain:
            return self.verify_chain()
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
    ap.add_argument("--only", default="", help="run the configurations whose name has this")
    ap.add_argument("--skip", default="", help="skip the configurations whose name has this")
    args = ap.parse_args()
    print(f"zero-loss: seed {args.seed}, {args.kills} kills per configuration", flush=True)
    inp = None
    chain_inp = None
    failed = False
    for index, (store, sink, chain) in enumerate(CONFIGS):
        cfg = Config(args, None, store, sink, args.workdir, chain)
        cfg.seed = args.seed + index
        if (args.only and args.only not in cfg.name) or (args.skip and args.skip in cfg.name):
            continue
        if chain and chain_inp is None:
            path = os.path.join(args.workdir, "input-compressed.ndjson")
            compress_times(args.input, path)
            chain_inp = Input(path)
        if not chain and inp is None:
            inp = Input(args.input)
        cfg.inp = chain_inp if chain else inp
        print(f"[{cfg.name}]", flush=True)
        start = time.monotonic()
        kills, held, by_stage = cfg.chaos()
        result = cfg.verify()
        stages = ", ".join(f"{s} {by_stage[s]}" for s in cfg.stages)
        what = "a barrier was held back" if chain else "the sink held unrecorded events"
        print(f"  {kills} kills ({stages}), {held} while {what}; {result} "
              f"({time.monotonic() - start:.1f}s)", flush=True)
        if not chain and held * 3 < kills:
            print(f"  FAIL: fewer than a third of the kills hit the sink holding unrecorded events")
            failed = True
        if chain and cfg.aimed["held"] * 2 < cfg.aimed["kills"]:
            print(f"  FAIL: fewer than half of the {cfg.aimed['kills']} kills of reorder and sink "
                  f"landed while a barrier was held back")
            failed = True
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
