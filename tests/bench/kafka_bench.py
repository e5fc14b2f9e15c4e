#!/usr/bin/env python3
"""The measurements of tests/bench/kafka.sh (see there). Each command runs
--runs times on a fresh topic (the mock keeps every topic in memory and drops
old messages past its per-partition limit, so topics are never reused); the
fastest run is reported with its client CPU time (the children's rusage) and
the mock broker's CPU time (from /proc/PID/stat)."""
import argparse
import os
import resource
import subprocess
import sys
import threading
import time

TICK = os.sysconf("SC_CLK_TCK")


def broker_cpu(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # utime + stime


class Bench:
    def __init__(self, args):
        self.args = args
        self.size = os.path.getsize(args.events_file)
        self.topics = 0

    def topic(self, prefix):
        self.topics += 1
        name = f"{prefix}_{self.topics}"
        subprocess.run(["bash", self.args.kafka_sh, "topic", self.args.kafka_dir, name,
                        str(self.args.partitions)], check=True)
        return name

    def run(self, cmd):
        """(seconds, client cpu seconds, broker cpu seconds) of one shell command."""
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        b0 = broker_cpu(self.args.broker_pid)
        t0 = time.monotonic()
        subprocess.run(cmd, shell=True, check=True, stdout=subprocess.DEVNULL)
        t = time.monotonic() - t0
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        client = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        return t, client, broker_cpu(self.args.broker_pid) - b0

    def best(self, make_cmd, prefix=None):
        results = []
        for _ in range(self.args.runs):
            cmd = make_cmd(self.topic(prefix)) if prefix else make_cmd()
            results.append(self.run(cmd))
        return min(results)

    def line(self, name, result, peer=None, peer_name=""):
        t, client, broker = result
        mbs = self.size / t / 1e6
        evs = self.args.events / t
        text = (f"{name}: {mbs:.0f} MB/s, {evs:,.0f} events/s; client CPU {client:.2f} s "
                f"({client / self.args.events * 1e6:.2f} us/event), broker CPU {broker:.2f} s")
        if peer:
            text += f" ({peer[0] / t:.2f}x vs {peer_name}; client CPU {client / peer[1]:.2f}x)"
        print(text, flush=True)


def latency(args, producer, consumer, n, rate):
    """p50/p99 ms from writing an event to a producer's stdin to reading it on a consumer's stdout."""
    con = subprocess.Popen("exec " + consumer, shell=True, stdout=subprocess.PIPE, bufsize=0)
    got = {}

    def reader():
        buf = b""
        while True:
            chunk = con.stdout.read1(65536) if hasattr(con.stdout, "read1") else con.stdout.read(1)
            if not chunk:
                return
            now = time.time()
            buf += chunk
            *lines, buf = buf.split(b"\n")
            for l in lines:
                if l.startswith(b'{"lat":'):
                    got[int(l[7:l.index(b",")])] = now

    th = threading.Thread(target=reader, daemon=True)
    th.start()
    time.sleep(3)  # the consumer is at the end of the partitions
    pro = subprocess.Popen("exec " + producer, shell=True, stdin=subprocess.PIPE, bufsize=0)
    sent = {}
    for i in range(n):
        sent[i] = time.time()
        pro.stdin.write(b'{"lat":%d,"pad":"%s"}\n' % (i, b"x" * 250))
        time.sleep(1 / rate)
    time.sleep(2)
    pro.stdin.close()
    pro.wait()
    con.terminate()
    con.wait()
    lat = sorted((got[i] - sent[i]) * 1000 for i in sent if i in got)
    if not lat:
        return None
    p = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))]
    return p(0.5), p(0.99), len(lat)


def main():
    ap = argparse.ArgumentParser()
    for a in ("--sluice", "--brokers", "--broker-pid", "--kafka-sh", "--kafka-dir", "--events-file"):
        ap.add_argument(a, required=True)
    ap.add_argument("--events", type=int, required=True)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--partitions", type=int, default=128)
    ap.add_argument("--latency-seconds", type=float, default=10)
    args = ap.parse_args()
    s, b, f = args.sluice, args.brokers, args.events_file
    bench = Bench(args)

    # Produce. kcat's keyless produce is sticky: spread it like sluice's (NOTES.md).
    kcat_p = bench.best(lambda t: f"kcat -b {b} -P -t {t} -l {f} -X sticky.partitioning.linger.ms=0",
                        "p_kcat")
    bench.line("kcat -P -l", kcat_p)
    sluice_p = bench.best(lambda t: f"'{s}' capture file {f} -q | '{s}' sink kafka -b {b} -t {t} -q",
                          "p_sluice")
    bench.line("capture file | sink kafka (lz4)", sluice_p, kcat_p, "kcat -P (goal >= 1.2x)")
    for algo in ("zstd", "none"):
        r = bench.best(lambda t: f"'{s}' capture file {f} -q | '{s}' sink kafka -b {b} -t {t} "
                                 f"--compress {algo} -q", f"p_{algo}")
        bench.line(f"capture file | sink kafka --compress {algo}", r, kcat_p, "kcat -P")

    # Consume one topic produced by kcat (uncompressed, as a kcat user would have it).
    source = bench.topic("c_source")
    subprocess.run(f"kcat -b {b} -P -t {source} -l {f} -X sticky.partitioning.linger.ms=0",
                   shell=True, check=True)
    kcat_c = bench.best(lambda: f"kcat -b {b} -C -t {source} -e -q -o beginning")
    bench.line("kcat -C -e", kcat_c)
    sluice_c = bench.best(lambda: f"'{s}' capture kafka -b {b} -t {source} -e --no-control -q")
    bench.line("capture kafka -e (explicit partitions)", sluice_c, kcat_c, "kcat -C (goal >= 1.0x)")
    groups = iter(range(10 ** 6))
    group_c = bench.best(lambda: f"'{s}' capture kafka -b {b} -t {source} -G bench{next(groups)} -e "
                                 f"--no-control -q -X session.timeout.ms=6000")
    bench.line("capture kafka -G -e (group, ~3 s of it the group's first join)", group_c, kcat_c,
               "kcat -C")

    # Latency of a lone event.
    n = int(args.latency_seconds * 20)
    for name, producer, consumer in (
        ("sink kafka -> capture kafka",
         f"'{s}' sink kafka -b {b} -t {{t}} -q", f"'{s}' capture kafka -b {b} -t {{t}} -o end --no-control -q"),
        ("kcat -P -> kcat -C",
         f"kcat -b {b} -P -t {{t}}", f"kcat -b {b} -C -t {{t}} -o end -u -q"),
        ("kcat -P -> kcat -C -X fetch.wait.max.ms=10",
         f"kcat -b {b} -P -t {{t}}",
         f"kcat -b {b} -C -t {{t}} -o end -u -q -X fetch.wait.max.ms=10"),
    ):
        t = bench.topic("lat")
        r = latency(args, producer.format(t=t), consumer.format(t=t), n, 20)
        if r is None:
            print(f"latency {name}: no events seen")
        else:
            print(f"latency {name} (a lone event, stdin to stdout, {r[2]} events): "
                  f"p50 {r[0]:.1f} ms, p99 {r[1]:.1f} ms", flush=True)


if __name__ == "__main__":
    sys.exit(main())
