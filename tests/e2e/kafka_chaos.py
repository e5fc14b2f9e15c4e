#!/usr/bin/env python3
"""Kafka kill test: checkpointed group pipelines under SIGKILL, then independent checks.

Two chains read the same input topic, each as its own consumer group, while a
producer keeps writing generated events (with duplicates) into it:

  dedupe: capture kafka -G G1 | dedupe | sink sqlite --raw      (file store)
  kafka:  capture kafka -G G2 | sink kafka -t OUT               (file store)

For each chain a driver starts the pipeline, SIGKILLs a random stage at a
random moment, restarts it, and repeats --kills times; halfway it deletes the
chain's local checkpoint store (and dedupe's state) before the restart, so the
group's committed offsets alone say where to resume. Throughout, a sampler
reads the group's committed offsets (tests/support/kafka_offsets) and then the
store: a committed offset may never exceed the highest offset the sink ever
recorded for that partition. At the end each chain runs with -e to the end of
the input, and the checks read the input topic with kcat: the raw table holds
exactly the input's ids, and the output topic holds every input event
(duplicates there are counted and reported, not hidden).
"""
import argparse
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time


def kcat_lines(brokers, topic):
    out = subprocess.run(["kcat", "-b", brokers, "-q", "-C", "-t", topic, "-e"],
                         capture_output=True, timeout=300, check=True).stdout
    return [l for l in out.split(b"\n") if l]


class Chain:
    def __init__(self, args, name, root):
        self.args, self.name = args, name
        self.dir = os.path.join(root, name)
        os.makedirs(self.dir, exist_ok=True)
        self.store = os.path.join(self.dir, "store.json")
        self.state = os.path.join(self.dir, "dedupe-state")
        self.db = os.path.join(self.dir, "out.db")
        self.group = f"chaos-{name}"
        self.log = open(os.path.join(self.dir, "stderr.log"), "ab")
        self.max_recorded = {}
        self.violations = []
        self.samples = 0
        self.lock = threading.Lock()

    def commands(self, to_end):
        a, b = self.args, self.args.sluice
        cap = [b, "capture", "kafka", "-b", a.brokers, "-t", a.input_topic, "-G", self.group,
               "-X", "session.timeout.ms=3000", "-X", "heartbeat.interval.ms=300",
               "--checkpoint", self.store, "--checkpoint-interval", "100ms",
               "--drain-timeout", "5s", "--retries", "3"]
        if to_end:
            cap.append("-e")
        if self.name == "dedupe":
            stages = [cap,
                      [b, "dedupe", "--state", self.state, "--checkpoint", self.store, "--quiet"],
                      [b, "sink", "sqlite", self.db, "--table", "events", "--raw",
                       "--checkpoint", self.store, "--quiet"]]
        else:
            stages = [cap,
                      [b, "sink", "kafka", "-b", a.brokers, "-t", a.output_topic,
                       "--key", "key.order_id", "--checkpoint", self.store, "--quiet"]]
        return stages

    def start(self, to_end=False):
        procs = []
        prev = None
        stages = self.commands(to_end)
        for i, cmd in enumerate(stages):
            last = i == len(stages) - 1
            p = subprocess.Popen(cmd, stdin=prev, stdout=None if last else subprocess.PIPE,
                                 stderr=self.log)
            if prev is not None:
                prev.close()
            prev = p.stdout
            procs.append(p)
        return procs

    # -- the sampler ------------------------------------------------------------
    def recorded(self):
        try:
            doc = json.load(open(self.store))
        except (OSError, ValueError):
            return {}
        out = {}
        for e in doc.get("entries", []):
            if "run" in e and isinstance(e.get("pos"), dict):
                for k, v in e["pos"].items():
                    out[k] = max(out.get(k, -1), v)
        return out

    def sample(self):
        got = subprocess.run([self.args.offsets_tool, self.args.brokers, self.group,
                              self.args.input_topic], capture_output=True, timeout=30)
        if got.returncode != 0:
            return
        committed = json.loads(got.stdout)
        # Read after the commits: a record never shrinks, so this is a bound.
        with self.lock:
            for k, v in self.recorded().items():
                self.max_recorded[k] = max(self.max_recorded.get(k, -1), v)
            self.samples += 1
            for k, v in committed.items():
                if v > self.max_recorded.get(k, -1):
                    self.violations.append(f"{k}: committed {v} > recorded "
                                           f"{self.max_recorded.get(k)}")


    # -- the run -------------------------------------------------------------------
    def reset_local_state(self):
        # What the sink recorded last must not be lost to the sampler with the
        # file: commits made after its last look rest on it.
        for k, v in self.recorded().items():
            self.max_recorded[k] = max(self.max_recorded.get(k, -1), v)
        for p in (self.store, self.store + ".lock"):
            if os.path.exists(p):
                os.remove(p)
        shutil.rmtree(self.state, ignore_errors=True)

    def chaos(self, rnd, producing):
        kills, by_stage = 0, {}
        names = ["capture", "dedupe", "sink"] if self.name == "dedupe" else ["capture", "sink"]
        while kills < self.args.kills:
            if kills == self.args.kills // 2 and not getattr(self, "reset_done", False):
                self.reset_done = True
                print(f"  [{self.name}] deleting the local checkpoint store: the group's "
                      f"committed offsets must carry on", flush=True)
                with self.lock:
                    self.reset_local_state()
            procs = self.start()
            # Kill once the group has assigned the partitions and events flow.
            time.sleep(rnd.uniform(3.5, 3.5 + self.args.max_delay))
            victim = rnd.randrange(len(procs))
            landed = procs[victim].poll() is None
            if landed:
                procs[victim].send_signal(signal.SIGKILL)
            codes = []
            for p in procs:
                try:
                    codes.append(p.wait(timeout=60))
                except subprocess.TimeoutExpired:
                    for q in procs:
                        q.kill()
                    raise SystemExit(f"[{self.name}] a stage hung after {names[victim]} was killed")
            others = [c for i, c in enumerate(codes) if i != victim]
            if landed and codes[victim] == -signal.SIGKILL:
                bad = [c for c in others if c not in (0, 75)]
                if bad:
                    raise SystemExit(f"[{self.name}] stages exited {codes} after {names[victim]} "
                                     f"was killed (expected 0 or 75); see {self.log.name}")
                kills += 1
                by_stage[names[victim]] = by_stage.get(names[victim], 0) + 1
                print(f"  [{self.name}] kill {kills}/{self.args.kills}: {names[victim]}", flush=True)
            elif not producing.is_set():
                raise SystemExit(f"[{self.name}] the pipeline exited {codes} without a kill")
        return by_stage

    def finish(self):
        procs = self.start(to_end=True)
        codes = [p.wait(timeout=600) for p in procs]
        if any(c != 0 for c in codes):
            raise SystemExit(f"[{self.name}] final run exited {codes}; see {self.log.name}")

    def verify(self, input_lines):
        if self.name == "dedupe":
            want = {json.loads(l)["id"] for l in input_lines}
            con = sqlite3.connect(self.db)
            ids = [r[0] for r in con.execute("SELECT id FROM events")]
            missing = want - set(ids)
            if missing or len(ids) != len(set(ids)) or set(ids) != want:
                raise SystemExit(f"[dedupe] raw ids differ: {len(missing)} missing, "
                                 f"{len(set(ids) - want)} extra, {len(ids) - len(set(ids))} doubled")
            return f"{len(ids)} raw ids equal the input's {len(want)} distinct ids"
        out = kcat_lines(self.args.brokers, self.args.output_topic)
        have = set(out)
        missing = [l for l in set(input_lines) if l not in have]
        if missing:
            raise SystemExit(f"[kafka] {len(missing)} input events are missing from the output topic")
        return (f"every input event is in the output topic; {len(out)} messages for "
                f"{len(input_lines)} input events: {len(out) - len(input_lines)} duplicates")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sluice", required=True)
    ap.add_argument("--brokers", required=True)
    ap.add_argument("--offsets-tool", required=True)
    ap.add_argument("--input-topic", default="chaos_in")
    ap.add_argument("--output-topic", default="chaos_out")
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--events", type=int, default=60000)
    ap.add_argument("--rate", type=int, default=0, help="input events/s (default: spread over the kills)")
    ap.add_argument("--kills", type=int, default=5)
    ap.add_argument("--max-delay", type=float, default=2.0)
    ap.add_argument("--seed", type=int, default=int(time.time()))
    ap.add_argument("--only", default="")
    args = ap.parse_args()
    print(f"kafka kill test: seed {args.seed}, {args.kills} kills per chain, {args.events} events",
          flush=True)
    chains = [Chain(args, n, args.workdir) for n in ("dedupe", "kafka") if args.only in ("", n)]
    # Input keeps arriving through the kills: spread it over their expected time.
    rate = args.rate or max(500, int(args.events / (args.kills * (4.5 + args.max_delay / 2) + 5)))
    producing = threading.Event()
    producing.set()
    producer = subprocess.Popen(
        f"'{args.sluice}' capture generate --count {args.events} --rate {rate} --dup-rate 0.03 "
        f"--keys 5000 --no-control --quiet | '{args.sluice}' sink kafka -b '{args.brokers}' "
        f"-t {args.input_topic} --key key.order_id --quiet", shell=True)
    stop = threading.Event()

    def sampler():
        while not stop.is_set():
            for c in chains:
                c.sample()
            time.sleep(0.1)

    threads = [threading.Thread(target=sampler, daemon=True)]
    results, errors = {}, []

    def run_chain(chain, index):
        try:
            results[chain.name] = chain.chaos(random.Random(args.seed + index), producing)
        except SystemExit as e:
            errors.append(str(e))

    for i, c in enumerate(chains):
        threads.append(threading.Thread(target=run_chain, args=(c, i)))
    for t in threads:
        t.start()
    if producer.wait(timeout=3600) != 0:
        raise SystemExit("the input producer failed")
    producing.clear()
    for t in threads[1:]:
        t.join()
    if errors:
        stop.set()
        raise SystemExit("; ".join(errors))
    for c in chains:
        c.finish()
    stop.set()
    threads[0].join()
    input_lines = kcat_lines(args.brokers, args.input_topic)
    failed = False
    for c in chains:
        print(f"[{c.name}] kills by stage {results[c.name]}; {c.verify(input_lines)}; "
              f"{c.samples} samples of committed offsets, {len(c.violations)} above what the "
              f"sink recorded", flush=True)
        if c.violations:
            print(f"  FAIL: {c.violations[:5]}")
            failed = True
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
