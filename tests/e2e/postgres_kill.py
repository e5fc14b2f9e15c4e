#!/usr/bin/env python3
"""Kill test of PostgreSQL CDC (issue 6): nothing lost, nothing doubled.

Two pipelines run against a live pgbench workload of inserts, updates and
deletes on the source database, with their checkpoints in the target database:

  main: capture postgres (--snapshot initial) | transform | dedupe | sink postgres --create
  raw:  capture postgres --snapshot never      | sink postgres --raw

A driver SIGKILLs a random stage at random moments and restarts the pipeline,
CHAOS_KILLS times in all, at least 3 of them while the main pipeline is still
in its snapshot (the sink has recorded no streaming position yet). A sampler
checks throughout that the main slot's confirmed_flush_lsn never passes the
position the sink committed. Then the workload stops, both pipelines run to
the same end LSN, and the checks, independent of sluice:

  - the target tables equal the source tables (EXCEPT both ways, through postgres_fdw);
  - the --raw table holds exactly the change ids a test_decoding slot saw for the
    same LSN range (commit LSNs from pg_walinspect, indexes counted per transaction);
  - no sample saw confirmed_flush_lsn past the recorded position.
"""
import argparse
import json
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time


def lsn(text):
    hi, lo = text.split("/")
    return (int(hi, 16) << 32) | int(lo, 16)


def fmt_lsn(v):
    return f"{v >> 32:X}/{v & 0xFFFFFFFF:X}"


class Db:
    def __init__(self, psql, name):
        self.psql, self.name = psql, name

    def run(self, sql, check=True):
        out = subprocess.run([self.psql, "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-d", self.name,
                              "-c", sql], capture_output=True, text=True, timeout=120)
        if check and out.returncode != 0:
            raise SystemExit(f"psql {self.name}: {out.stderr.strip()} in: {sql[:200]}")
        return out.stdout.strip()

    def rows(self, sql):
        text = self.run(sql)
        return [line.split("|") for line in text.splitlines()] if text else []


class Pipeline:
    """A chain of sluice processes connected by pipes."""

    def __init__(self, name, commands, log):
        self.name, self.commands, self.log = name, commands, log
        self.procs = []

    def start(self, extra_capture=()):
        self.procs = []
        prev = None
        for i, cmd in enumerate(self.commands):
            if i == 0:
                cmd = cmd + list(extra_capture)
            p = subprocess.Popen(cmd, stdin=prev.stdout if prev else subprocess.DEVNULL,
                                 stdout=subprocess.PIPE if i + 1 < len(self.commands) else subprocess.DEVNULL,
                                 stderr=self.log)
            if prev:
                prev.stdout.close()
            self.procs.append(p)
            prev = p

    def alive(self):
        return self.procs and all(p.poll() is None for p in self.procs)

    def wait(self, timeout):
        codes = []
        deadline = time.monotonic() + timeout
        for p in self.procs:
            try:
                codes.append(p.wait(timeout=max(0.1, deadline - time.monotonic())))
            except subprocess.TimeoutExpired:
                for q in self.procs:
                    q.kill()
                raise SystemExit(f"{self.name}: a stage hung (see {self.log.name})")
        return codes


def stage_names(commands):
    return [f"{c[1]} {c[2]}" if c[1] in ("capture", "sink") else c[1] for c in commands]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sluice", required=True)
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--kills", type=int, default=5)
    ap.add_argument("--rows", type=int, default=60000)
    ap.add_argument("--rate", type=int, default=300)
    ap.add_argument("--seed", type=int, default=int(time.time()))
    args = ap.parse_args()
    rnd = random.Random(args.seed)
    kills_needed = max(args.kills, 3)
    print(f"postgres kill test: seed {args.seed}, {kills_needed} kills, {args.rows} rows, "
          f"workload {args.rate} tps", flush=True)
    pg_bin = os.environ["PG_BIN"]
    psql = os.path.join(pg_bin, "psql")
    port = os.environ["PGPORT"]
    os.chdir(args.workdir)
    for db in ("src", "tgt"):
        subprocess.run([os.path.join(pg_bin, "createdb"), db], check=True)
    src, tgt = Db(psql, "src"), Db(psql, "tgt")
    src_uri = f"postgresql://postgres@127.0.0.1:{port}/src"
    tgt_uri = f"postgresql://postgres@127.0.0.1:{port}/tgt"

    src.run(f"""CREATE TABLE accounts(aid int PRIMARY KEY, bid int NOT NULL, abalance int NOT NULL,
                  filler text);
                CREATE TABLE history(hid bigserial PRIMARY KEY, aid int NOT NULL, delta int NOT NULL,
                  mtime timestamptz NOT NULL DEFAULT now());
                INSERT INTO accounts SELECT g, g % 10, 0, repeat('f', 80) FROM generate_series(1, {args.rows}) g;
                INSERT INTO history(aid, delta) SELECT g, 1 FROM generate_series(1, {args.rows // 10}) g;
                CREATE EXTENSION pg_walinspect;
                CREATE PUBLICATION pub FOR ALL TABLES;""")
    # Slots read the same LSN range from here on: test_decoding is the reference.
    td_start = lsn(src.run("SELECT lsn FROM pg_create_logical_replication_slot('td', 'test_decoding')"))
    src.run("SELECT pg_create_logical_replication_slot('raw', 'pgoutput')")
    with open("workload.sql", "w") as f:
        f.write(f"""\\set aid random(1, {args.rows})
\\set other random(1, {args.rows})
\\set delta random(-500, 500)
BEGIN;
UPDATE accounts SET abalance = abalance + :delta WHERE aid = :aid;
INSERT INTO history(aid, delta) VALUES (:aid, :delta);
DELETE FROM history WHERE hid = (SELECT min(hid) FROM history WHERE aid = :other);
INSERT INTO accounts VALUES ({args.rows} + :other, 1, :delta, 'new') ON CONFLICT (aid) DO UPDATE
  SET abalance = accounts.abalance - 1;
END;
""")
    log = open("stderr.log", "ab")
    workload = subprocess.Popen([os.path.join(pg_bin, "pgbench"), "-n", "-f", "workload.sql", "-c", "2",
                                 "-R", str(args.rate), "-T", "3600", "src"],
                                stdout=subprocess.DEVNULL, stderr=open("pgbench.log", "w"))
    b = args.sluice
    common = ["--checkpoint", tgt_uri, "--quiet"]
    main_cmds = [
        [b, "capture", "postgres", src_uri, "--slot", "main", "--publication", "pub",
         "--checkpoint-interval", "100ms", "--drain-timeout", "10s", "--heartbeat", "200ms",
         "--retries", "10"] + common,
        # Truncates must pass: a redone snapshot starts each table with one.
        [b, "transform", "--where", 'table != "public.not_replicated"', "--quiet"],
        [b, "dedupe", "--key", "id", "--state", "dedupe-state"] + common,
        [b, "sink", "postgres", tgt_uri, "--create", "--sink-id", "main-sink"] + common,
    ]
    raw_cmds = [
        [b, "capture", "postgres", src_uri, "--slot", "raw", "--publication", "pub",
         "--snapshot", "never", "--checkpoint-interval", "100ms", "--heartbeat", "200ms",
         "--retries", "10"] + common,
        [b, "sink", "postgres", tgt_uri, "--raw", "--table", "raw_events", "--sink-id", "raw-sink"] + common,
    ]
    main = Pipeline("main", main_cmds, log)
    raw = Pipeline("raw", raw_cmds, log)

    def recorded(sink):
        r = tgt.run(f"SELECT pos FROM _sluice_checkpoints WHERE sink = '{sink}'", check=False)
        return json.loads(r) if r and not r.startswith("ERROR") else None

    # The sampler: confirmed_flush_lsn read first, then the recorded position.
    violations, samples = [], [0]
    stop_sampling = threading.Event()

    def sample():
        while not stop_sampling.is_set():
            out = subprocess.run([psql, "-X", "-q", "-At", "-d", "tgt", "-c",
                                  "SELECT slot_name || '=' || confirmed_flush_lsn FROM pg_replication_slots "
                                  "WHERE slot_name IN ('main', 'raw')",
                                  "-c", "SELECT sink || '=' || pos FROM _sluice_checkpoints"],
                                 capture_output=True, text=True)
            lines = out.stdout.splitlines()
            confirmed = {l.split("=", 1)[0]: lsn(l.split("=", 1)[1]) for l in lines if l.startswith(("main=", "raw="))}
            stored = {}
            for l in lines:
                if l.startswith(("main-sink=", "raw-sink=")):
                    pos = json.loads(l.split("=", 1)[1])
                    if isinstance(pos, str):
                        stored[l.split("-", 1)[0]] = lsn(pos)
            for slot in ("main", "raw"):
                if slot in confirmed and slot in stored:
                    samples[0] += 1
                    if confirmed[slot] > stored[slot]:
                        violations.append(f"{slot}: confirmed_flush_lsn {fmt_lsn(confirmed[slot])} "
                                          f"past the recorded {fmt_lsn(stored[slot])}")
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()

    def in_snapshot():
        pos = recorded("main-sink")
        return not isinstance(pos, str)

    kills = {"snapshot": 0, "streaming": 0}
    last_snapshot = [None]
    by_stage = {}
    main.start()
    raw.start()
    attempts = 0
    while kills["snapshot"] + kills["streaming"] < kills_needed:
        attempts += 1
        if attempts > kills_needed * 30:
            raise SystemExit("could not land the kills")
        snapshot_phase = kills["snapshot"] < 3
        if snapshot_phase:
            # Let this run's snapshot get going (the sink records a barrier of a new
            # snapshot), then strike at a random moment.
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and main.alive():
                pos = recorded("main-sink")
                if isinstance(pos, dict) and pos != last_snapshot[0]:
                    last_snapshot[0] = pos
                    break
                time.sleep(0.02)
            time.sleep(rnd.uniform(0.0, 0.4))
            target = main
            if not in_snapshot():
                print("  snapshot finished before the kill: starting it over", flush=True)
                for p in main.procs:
                    p.kill()
                main.wait(30)
                # Registered with nothing recorded (not deleted: a capture that started
                # before the sink registered again would resume from the slot instead).
                tgt.run("UPDATE _sluice_checkpoints SET run = NULL, checkpoint = NULL, pos = 'null' "
                        "WHERE sink = 'main-sink'")
                main.start()
                continue
        else:
            # Streaming kills strike after the snapshot (a short run would otherwise
            # land them all in snapshots redone by the earlier kills).
            deadline = time.monotonic() + 120
            while in_snapshot() and main.alive() and time.monotonic() < deadline:
                time.sleep(0.05)
            time.sleep(rnd.uniform(0.2, 2.0))
            target = rnd.choice([main, main, raw])
        if not target.alive():
            codes = target.wait(30)
            raise SystemExit(f"{target.name} stopped by itself: {codes}; see {log.name}")
        names = stage_names(target.commands)
        victim = rnd.randrange(len(target.procs))
        during = "snapshot" if target is main and in_snapshot() else "streaming"
        target.procs[victim].send_signal(signal.SIGKILL)
        codes = target.wait(60)
        if codes[victim] != -signal.SIGKILL:
            raise SystemExit(f"{target.name}: {names[victim]} exited {codes[victim]} before the kill")
        others = [c for i, c in enumerate(codes) if i != victim]
        if any(c not in (0, 75, -signal.SIGPIPE) for c in others):
            raise SystemExit(f"{target.name}: after {names[victim]} was killed the others exited {codes}; "
                             f"see {log.name}")
        kills[during] += 1
        by_stage[names[victim]] = by_stage.get(names[victim], 0) + 1
        print(f"  kill {sum(kills.values())}/{kills_needed}: {target.name} {names[victim]} during the "
              f"{during} (others exited {others})", flush=True)
        target.start()

    # The end: stop the workload, then both pipelines run to the same end LSN.
    time.sleep(1)
    workload.send_signal(signal.SIGINT)
    workload.wait(timeout=60)
    end = src.run("SELECT pg_current_wal_lsn()")
    for p in main.procs + raw.procs:
        p.kill()
    main.wait(30)
    raw.wait(30)
    main.start(["--stop-at", end])
    raw.start(["--stop-at", end])
    for pipe in (main, raw):
        codes = pipe.wait(600)
        if codes != [0] * len(codes):
            raise SystemExit(f"{pipe.name}: the final run exited {codes}; see {log.name}")
    stop_sampling.set()
    sampler.join()

    failed = False
    # 1. Target equals source, EXCEPT both ways.
    tgt.run(f"""CREATE EXTENSION postgres_fdw;
                CREATE SERVER source FOREIGN DATA WRAPPER postgres_fdw
                  OPTIONS (host '127.0.0.1', port '{port}', dbname 'src');
                CREATE USER MAPPING FOR postgres SERVER source OPTIONS (user 'postgres');
                CREATE SCHEMA mirror;
                IMPORT FOREIGN SCHEMA public LIMIT TO (accounts, history) FROM SERVER source INTO mirror;""")
    for table in ("accounts", "history"):
        missing = tgt.run(f"SELECT count(*) FROM (SELECT * FROM mirror.{table} EXCEPT SELECT * FROM public.{table}) x")
        extra = tgt.run(f"SELECT count(*) FROM (SELECT * FROM public.{table} EXCEPT SELECT * FROM mirror.{table}) x")
        count = tgt.run(f"SELECT count(*) FROM public.{table}")
        ok = missing == "0" and extra == "0"
        failed |= not ok
        print(f"  {table}: {count} rows; source EXCEPT target: {missing}, target EXCEPT source: {extra}"
              f"{'' if ok else '  <-- FAIL'}", flush=True)

    # 2. The raw ids against test_decoding and pg_walinspect.
    changes = src.rows(f"SELECT xid, data FROM pg_logical_slot_peek_changes('td', '{end}', NULL)")
    commits = dict(src.rows(f"SELECT xid, start_lsn FROM pg_get_wal_records_info('{fmt_lsn(td_start)}', "
                            f"'{end}') WHERE resource_manager = 'Transaction' AND record_type = 'COMMIT'"))
    want, index, xid = set(), 0, None
    for row_xid, data in changes:
        if data.startswith("BEGIN"):
            index, xid = 0, row_xid
        elif data.startswith("table "):
            if not re.match(r"table \S+: (INSERT|UPDATE|DELETE):", data):
                raise SystemExit(f"unexpected test_decoding change: {data[:80]}")
            want.add(f"{commits[xid]}:{index}")
            index += 1
    got = tgt.run("SELECT id FROM raw_events").splitlines()
    ok = len(got) == len(set(got)) and set(got) == want
    failed |= not ok
    print(f"  raw: {len(got)} ids landed, test_decoding saw {len(want)} changes"
          f"{'' if ok else f'  <-- FAIL: {len(want - set(got))} missing, {len(set(got) - want)} extra'}",
          flush=True)

    # 3. confirmed_flush_lsn never passed what the sinks had committed.
    failed |= bool(violations) or samples[0] == 0
    print(f"  confirmed_flush_lsn sampled {samples[0]} times: "
          f"{'never past the committed position' if not violations else violations[:3]}", flush=True)
    print(f"  kills: {kills['snapshot']} during the snapshot, {kills['streaming']} while streaming; "
          f"by stage {by_stage}", flush=True)
    if kills["snapshot"] < 3:
        print("  FAIL: fewer than 3 kills during the snapshot")
        failed = True
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
