#!/usr/bin/env python3
"""PostgreSQL benchmarks of issue 6 (run by tests/bench/postgres.sh), printed, never asserted.

1. Logical decoding of one backlog, read to the same end LSN from separate slots
   created before it: (a) pg_recvlogical on a pgoutput slot, raw stream to a
   file; (b) pg_recvlogical with wal2json format-version=2; (c) sluice capture
   postgres --stop-at LSN to a file. Two backlogs: N transactions of 3 changes
   (insert, update, insert) and one transaction of M rows. Each reader reads
   each backlog RUNS times from slots of its own, in rotating order; the
   fastest run counts.
2. sink postgres rows/s: the events (c) wrote for the first backlog, into an
   empty database with --create.
3. Latency from source commit to target commit (track_commit_timestamp) of
   capture postgres | sink postgres, with the checkpoint store in the target,
   while pgbench writes 5-row transactions at RATE changes/s.
"""
import argparse
import os
import signal
import subprocess
import sys
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sluice", required=True)
    ap.add_argument("--pg-bin", required=True)
    ap.add_argument("--port", required=True)
    ap.add_argument("--transactions", type=int, default=100000)
    ap.add_argument("--big-rows", type=int, default=300000)
    ap.add_argument("--latency-seconds", type=int, default=20)
    ap.add_argument("--latency-rate", type=int, default=5000)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    psql = os.path.join(args.pg_bin, "psql")
    port = args.port

    def sql(db, text):
        out = subprocess.run([psql, "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-d", db, "-c", text],
                             capture_output=True, text=True)
        if out.returncode != 0:
            sys.exit(f"psql {db}: {out.stderr.strip()}")
        return out.stdout.strip()

    def uri(db):
        return f"postgresql://postgres@127.0.0.1:{port}/{db}"

    for db in ("bench", "sinkdb", "lat_src", "lat_tgt"):
        subprocess.run([os.path.join(args.pg_bin, "createdb"), db], check=True)
    sql("bench", """
        CREATE TABLE orders(id bigserial PRIMARY KEY, customer int NOT NULL, amount numeric(12,2),
          status text, updated timestamptz NOT NULL DEFAULT now());
        CREATE TABLE history(hid bigserial PRIMARY KEY, order_id bigint, note text);
        CREATE PUBLICATION pub FOR TABLE orders, history;
        CREATE PROCEDURE load(n int) LANGUAGE plpgsql AS $$
        DECLARE o bigint;
        BEGIN
          FOR i IN 1..n LOOP
            INSERT INTO orders(customer, amount, status) VALUES (i % 1000, i * 0.01, 'new')
              RETURNING id INTO o;
            UPDATE orders SET status = 'paid', amount = amount + 1 WHERE id = o;
            INSERT INTO history(order_id, note) VALUES (o, md5(i::text));
            COMMIT;
          END LOOP;
        END $$;""")

    # RUNS slots per reader and backlog, read in rotating order; the best run counts
    # (the machine is shared, so a single run is noisy).
    def slots(suffix):
        for r in range(args.runs):
            for name, plugin in (("a", "pgoutput"), ("b", "wal2json"), ("c", "pgoutput")):
                sql("bench", f"SELECT pg_create_logical_replication_slot('{name}{suffix}_{r}', '{plugin}')")

    slots("1")
    sql("bench", f"CALL load({args.transactions})")
    end1 = sql("bench", "SELECT pg_current_wal_lsn()")
    slots("2")
    sql("bench", f"INSERT INTO orders(customer, amount, status) SELECT g % 1000, g * 0.01, 'bulk' "
                 f"FROM generate_series(1, {args.big_rows}) g")
    end2 = sql("bench", "SELECT pg_current_wal_lsn()")
    wal = sql("bench", f"SELECT pg_size_pretty(pg_wal_lsn_diff('{end2}', "
                       f"(SELECT min(restart_lsn) FROM pg_replication_slots)))")
    print(f"data: backlog 1 = {args.transactions} transactions of 3 changes (end {end1}), "
          f"backlog 2 = one transaction of {args.big_rows} rows (end {end2}); {wal} of WAL; "
          f"best of {args.runs} runs per reader", flush=True)

    conninfo = f"host=127.0.0.1 port={port} user=postgres dbname=bench"

    def timed(cmd, out_path):
        t0 = time.monotonic()
        with open(out_path, "wb") as out:
            subprocess.run(cmd, stdout=out, stderr=subprocess.PIPE, check=True)
        return time.monotonic() - t0

    recv = os.path.join(args.pg_bin, "pg_recvlogical")
    results = {}
    for suffix, end, changes, label in (("1", end1, 3 * args.transactions, "3-change transactions"),
                                        ("2", end2, args.big_rows, "one large transaction")):
        readers = {
            "a": lambda r: timed([recv, "-d", conninfo, "--slot", f"a{suffix}_{r}", "--start", "-E", end,
                                  "--no-loop", "-o", "proto_version=1", "-o", "publication_names=pub",
                                  "-f", f"a{suffix}.out"], os.devnull),
            "b": lambda r: timed([recv, "-d", conninfo, "--slot", f"b{suffix}_{r}", "--start", "-E", end,
                                  "--no-loop", "-o", "format-version=2", "-f", f"b{suffix}.out"], os.devnull),
            "c": lambda r: timed([args.sluice, "capture", "postgres", uri("bench"), "--slot", f"c{suffix}_{r}",
                                  "--publication", "pub", "--snapshot", "never", "--stop-at", end,
                                  "--no-control", "--quiet"], f"c{suffix}.ndjson"),
        }
        best = {}
        order = ["a", "b", "c"]
        for r in range(args.runs):
            for name in order[r % 3:] + order[:r % 3]:
                t = readers[name](r)
                best[name] = min(best.get(name, t), t)
        a, b, c = best["a"], best["b"], best["c"]
        with open(f"c{suffix}.ndjson", "rb") as f:
            got = sum(1 for _ in f)
        results[suffix] = (a, b, c)
        ra, rb, rc = changes / a, changes / b, changes / c
        note = "" if got == changes else f"  (sluice wrote {got} events, expected {changes})"
        print(f"pg_recvlogical pgoutput raw, {label}: {ra:,.0f} changes/s", flush=True)
        print(f"pg_recvlogical wal2json format 2, {label}: {rb:,.0f} changes/s "
              f"({rb / ra:.2f}x pgoutput raw)", flush=True)
        print(f"sluice capture postgres, {label}: {rc:,.0f} changes/s "
              f"({rc / ra:.2f}x pgoutput raw, {rc / rb:.2f}x wal2json){note}", flush=True)

    # 2. sink postgres rows/s on the events of backlog 1.
    with open("c1.ndjson", "rb") as f:
        events = sum(1 for _ in f)
    t0 = time.monotonic()
    with open("c1.ndjson", "rb") as f:
        subprocess.run([args.sluice, "sink", "postgres", uri("sinkdb"), "--create", "--quiet"],
                       stdin=f, check=True)
    t = time.monotonic() - t0
    rows = sql("sinkdb", "SELECT (SELECT count(*) FROM orders) + (SELECT count(*) FROM history)")
    print(f"sink postgres, {events} upserts of 3-change transactions: {events / t:,.0f} rows/s "
          f"({events / t / 50000:.2f}x the 50k goal; {rows} rows landed)", flush=True)

    latency(args, sql, uri)


def latency(args, sql, uri):
    psql_bin = args.pg_bin
    sql("lat_src", "CREATE TABLE lat(id bigserial PRIMARY KEY, v int, note text); "
                   "CREATE PUBLICATION latpub FOR TABLE lat")
    sql("lat_tgt", "CREATE TABLE lat(id bigint PRIMARY KEY, v int, note text)")
    log = open("latency.log", "wb")
    cap = subprocess.Popen([args.sluice, "capture", "postgres", uri("lat_src"), "--slot", "lat",
                            "--publication", "latpub", "--snapshot", "never", "--checkpoint",
                            uri("lat_tgt"), "--quiet"], stdout=subprocess.PIPE, stderr=log)
    snk = subprocess.Popen([args.sluice, "sink", "postgres", uri("lat_tgt"), "--checkpoint",
                            uri("lat_tgt"), "--quiet"], stdin=cap.stdout, stderr=log)
    cap.stdout.close()
    deadline = time.monotonic() + 30
    while sql("lat_src", "SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'lat' AND active") != "1":
        if time.monotonic() > deadline:
            sys.exit("latency: the capture did not start (see latency.log)")
        time.sleep(0.1)
    with open("lat.sql", "w") as f:
        f.write("INSERT INTO lat(v, note) SELECT g, 'latency probe' FROM generate_series(1, 5) g;\n")
    tps = max(1, args.latency_rate // 5)
    t0 = time.monotonic()
    subprocess.run([os.path.join(psql_bin, "pgbench"), "-n", "-f", "lat.sql", "-c", "2", "-j", "2",
                    "-R", str(tps), "-T", str(args.latency_seconds), "lat_src"],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    elapsed = time.monotonic() - t0
    want = sql("lat_src", "SELECT count(*) FROM lat")
    deadline = time.monotonic() + 60
    while sql("lat_tgt", "SELECT count(*) FROM lat") != want and time.monotonic() < deadline:
        time.sleep(0.2)
    cap.send_signal(signal.SIGINT)
    cap.wait(30)
    snk.wait(30)
    q = "COPY (SELECT id, (extract(epoch FROM pg_xact_commit_timestamp(xmin)) * 1e6)::bigint FROM lat) TO STDOUT"
    src = dict(line.split("\t") for line in sql("lat_src", q).splitlines())
    tgt = dict(line.split("\t") for line in sql("lat_tgt", q).splitlines())
    lat = sorted((int(tgt[k]) - int(v)) / 1000.0 for k, v in src.items() if k in tgt)
    if not lat:
        print("end-to-end latency: no rows landed (see latency.log)")
        return

    def pct(p):
        return lat[min(len(lat) - 1, int(p / 100.0 * len(lat)))]
    rate = int(want) / elapsed
    print(f"end-to-end latency, source commit to target commit at {rate:,.0f} changes/s "
          f"({len(lat)} of {want} rows landed): p50 {pct(50):.1f} ms, p99 {pct(99):.1f} ms "
          f"(goal p99 < 100 ms), max {lat[-1]:.1f} ms", flush=True)


if __name__ == "__main__":
    main()
