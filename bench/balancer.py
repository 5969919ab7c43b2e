#!/usr/bin/env python3
"""Behind a load balancer: echo round trips through HAProxy (mode tcp) to two ironboa backends
that read PROXY protocol v2 headers, beside HAProxy to two raw std::net echo backends (the
ceiling: no Telnet, no header), and connections held open per backend process.

    bench/balancer.py [--quick]      (scripts/bench.sh runs it after bench/run.py)

Backends are examples/bench_server.rs (`ironboa --proxy-protocol`, `raw`) on 127.0.0.2 and
127.0.0.3; the load generator is examples/bench_loadgen.rs, against HAProxy on 127.0.0.1.
Prints the table and appends it to bench-table.md under the target directory. Skipped when haproxy is missing.
"""
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from functools import partial

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from run import EXAMPLES, QUICK, REPEATS, ROOT, RT_SECONDS, TARGET, free_port, loadgen, medians, ratio  # noqa: E402


class Backend:
    def __init__(self, kind, host, *flags):
        argv = [os.path.join(EXAMPLES, "bench_server"), kind, f"{host}:0", *flags]
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.addr = self.proc.stdout.readline().strip().split()[-1]

    def threads(self):
        try:
            return len(os.listdir(f"/proc/{self.proc.pid}/task"))
        except OSError:
            return 0

    def rss_kib(self):
        try:
            with open(f"/proc/{self.proc.pid}/status") as f:
                return next(int(l.split()[1]) for l in f if l.startswith("VmRSS:"))
        except (OSError, StopIteration):
            return 0

    def stop(self):
        self.proc.kill()
        self.proc.wait()


class Balanced:
    """HAProxy in front of two backends of `kind` (PROXY v2 headers for ironboa)."""

    def __init__(self, kind):
        flags = ("--proxy-protocol",) if kind == "ironboa" else ()
        send = " send-proxy-v2" if kind == "ironboa" else ""
        self.backends = [Backend(kind, host, *flags) for host in ("127.0.0.2", "127.0.0.3")]
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="ironboa-bench-lb-")
        servers = "".join(f"  server b{i} {b.addr}{send}\n" for i, b in enumerate(self.backends))
        config = (f"global\n  maxconn 9000\ndefaults\n  mode tcp\n  timeout connect 5s\n"
                  f"  timeout client 120s\n  timeout server 120s\n"
                  f"frontend fe\n  bind 127.0.0.1:{self.port}\n  maxconn 9000\n  default_backend be\n"
                  f"backend be\n  balance roundrobin\n{servers}")
        path = os.path.join(self.dir, "haproxy.cfg")
        with open(path, "w") as f:
            f.write(config)
        self.haproxy = subprocess.Popen(["haproxy", "-f", path, "-db"], stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL)
        import socket
        for _ in range(500):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.01)
        self.addr = f"127.0.0.1:{self.port}"

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.haproxy.kill()
        self.haproxy.wait()
        for b in self.backends:
            b.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


def hold(n):
    """Holds n connections through HAProxy to two ironboa backends; returns what each backend
    process held (its peak thread count less its idle count) and its memory."""
    with Balanced("ironboa") as lb:
        idle = [b.threads() for b in lb.backends]
        rss0 = [b.rss_kib() for b in lb.backends]
        peak = [0, 0]
        done = threading.Event()

        def watch():
            while not done.is_set():
                for i, b in enumerate(lb.backends):
                    peak[i] = max(peak[i], b.threads())
                time.sleep(0.05)

        watcher = threading.Thread(target=watch)
        watcher.start()
        try:
            result = loadgen("hold", lb.addr, n, lb.backends[0].proc.pid)
        finally:
            done.set()
            watcher.join()
        held = [p - i for p, i in zip(peak, idle)]
        return {"answered": result["answered"], "open_s": result["open_s"], "held": held,
                "rss_mib": [(b.rss_kib() - r) / 1024 for b, r in zip(lb.backends, rss0)]}


def wall():
    """The per-process thread wall from the kernel's settings: four mappings per thread."""
    with open("/proc/sys/vm/max_map_count") as f:
        maps = int(f.read())
    with open("/proc/sys/kernel/threads-max") as f:
        threads_max = int(f.read())
    with open("/proc/sys/kernel/pid_max") as f:
        pid_max = int(f.read())
    return maps, threads_max, pid_max


def main():
    if shutil.which("haproxy") is None:
        print("(haproxy not installed: no load-balancer figures)")
        return
    rt = {}
    for conns in (10, 100):
        measurements = {(kind, conns): partial(lambda k, c: balanced_rt(k, c), kind, conns)
                        for kind in ("raw", "ironboa")}
        rt.update(medians(measurements, "rps"))
        for kind in ("raw", "ironboa"):
            print(f"lb rt {kind} {conns}: {rt[(kind, conns)]}", file=sys.stderr, flush=True)
    n_hold = 2000 if QUICK else 8000
    try:
        held = hold(n_hold)
    except Exception as error:  # reported as n/a
        print(f"failed: {error}", file=sys.stderr, flush=True)
        held = None
    print(f"lb hold: {held}", file=sys.stderr, flush=True)
    maps, threads_max, pid_max = wall()

    lines = []
    p = lines.append
    p("")
    p("### Behind HAProxy: two backend processes (bench/balancer.py)")
    p("")
    p("HAProxy 2.6 `mode tcp`, `balance roundrobin`, on loopback; ironboa backends read a PROXY v2 "
      "header on every connection (`send-proxy-v2`), the ceiling's raw std::net backends get none.")
    p("")
    p("| backends | connections | round trips/s | p50 µs | p99 µs | ratio to ceiling |")
    p("| --- | ---: | ---: | ---: | ---: | ---: |")
    for kind in ("ironboa", "raw"):
        label = "2 × ironboa (PROXY v2)" if kind == "ironboa" else "2 × raw std::net (ceiling)"
        for conns in (10, 100):
            r, c = rt[(kind, conns)], rt[("raw", conns)]
            rps = "failed" if r["rps"] == "nan" else f"{float(r['rps']):,.0f}"
            p(f"| {label} | {conns} | {rps} | {r['p50_us']} | {r['p99_us']} | {ratio(r['rps'], c['rps'])} |")
    p("")
    if held:
        p(f"{n_hold} connections held through HAProxy (opened in {float(held['open_s']):.1f} s, "
          f"{held['answered']} answered a line afterwards): the backends held "
          f"{held['held'][0]} and {held['held'][1]} (one thread each), "
          f"{held['rss_mib'][0]:.0f} and {held['rss_mib'][1]:.0f} MiB more resident memory.")
    else:
        p(f"{n_hold} connections held through HAProxy: failed.")
    p("")
    p(f"The wall per process here: vm.max_map_count {maps:,} / 4 mappings per thread = "
      f"{maps // 4:,} threads (kernel.threads-max {threads_max:,}, kernel.pid_max {pid_max:,} "
      f"for the whole machine).")
    table = "\n".join(lines)
    print(table)
    with open(os.path.join(TARGET, "bench-table.md"), "a") as f:
        f.write(table + "\n")


def balanced_rt(kind, conns):
    with Balanced(kind) as lb:
        return loadgen("rt", lb.addr, conns, RT_SECONDS)


if __name__ == "__main__":
    main()
