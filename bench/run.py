#!/usr/bin/env python3
"""Runs the benchmark harness in one sitting and prints (and writes) the table.

    scripts/bench.sh [--quick] [--tls-only]

Servers (each its own process, started fresh for each measurement):
  ironboa   examples/bench_server.rs ironboa: BlockingTelnetServer, readline + send, default
            configuration (also with --never-send-ga, and with --delayed and --no-coalesce)
  ceiling   examples/bench_server.rs raw: std::net thread-per-connection, no Telnet
  telnetlib3  bench/tl3_echo_server.py: telnetlib3.sync.BlockingTelnetServer
  miniboa   bench/miniboa_echo_server.py: miniboa.TelnetServer
  ironboa --tls  the ironboa server speaking TELNETS (ServerConfig::tls)
  TLS ceiling  examples/bench_server.rs raw-tls: rustls StreamOwned thread-per-connection, no
            Telnet (the TLS section; --tls-only runs that section alone)
The load generator is examples/bench_loadgen.rs. Every figure is the median of REPEATS runs,
taken in rounds: one run of each server compared, then the next round, so a load that comes and
goes on a shared machine falls on all of them alike.
"""
import os
import statistics
import subprocess
import sys
import time
from functools import partial

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Cargo's target directory: CARGO_TARGET_DIR when set (relative to ROOT, as cargo takes it).
TARGET = os.path.join(ROOT, os.environ.get("CARGO_TARGET_DIR") or "target")
EXAMPLES = os.path.join(TARGET, "release", "examples")
PYTHON = os.path.join(os.environ.get("IRONBOA_PEERS_VENV") or os.path.join(ROOT, "target", "peers-venv"),
                      "bin", "python")
QUICK = "--quick" in sys.argv
TLS_ONLY = "--tls-only" in sys.argv
REPEATS = 1 if QUICK else 3
RT_SECONDS = "1" if QUICK else "3"
# The write-delay measurement: connections, and requests on each (one every 250 ms).
DELAY_CONNS, DELAY_REQUESTS = (4, 10) if QUICK else (8, 40)

# Echo round-trip rows: (label, server kind, server flags).
RT_SERVERS = [("ironboa", "ironboa", ()), ("ironboa, never_send_ga", "ironboa", ("--never-send-ga",)),
              ("ceiling", "ceiling", ())]
# Write-delay rows: (label, server kind, coalesce_delay shown, server flags).
DELAY_SERVERS = [("ironboa", "ironboa", "2 ms (default)", ("--delayed",)),
                 ("ironboa", "ironboa", "0", ("--delayed", "--no-coalesce")),
                 ("ceiling", "ceiling", "n/a", ("--delayed",))]


class Server:
    def __init__(self, kind, *flags):
        if kind in ("ironboa", "ceiling", "tls ceiling"):
            mode = {"ironboa": "ironboa", "ceiling": "raw", "tls ceiling": "raw-tls"}[kind]
            argv = [os.path.join(EXAMPLES, "bench_server"), mode, "127.0.0.1:0", *flags]
        elif kind == "game":
            argv = [os.path.join(EXAMPLES, "game_loop_bench"), "serve", "127.0.0.1:0"]
        else:
            port = free_port()
            script = {"telnetlib3": "tl3_echo_server.py", "miniboa": "miniboa_echo_server.py"}[kind]
            argv = [PYTHON, "-W", "ignore", os.path.join(ROOT, "bench", script), str(port)]
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        line = self.proc.stdout.readline()
        self.addr = line.strip().split()[-1]
        time.sleep(0.2)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.proc.kill()
        self.proc.wait()


def free_port():
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def loadgen(*args):
    out = subprocess.run([os.path.join(EXAMPLES, "bench_loadgen"), *map(str, args)],
                         capture_output=True, text=True, timeout=900)
    if out.returncode != 0:
        raise RuntimeError(f"bench_loadgen {' '.join(map(str, args))}: {out.stderr[-400:]}")
    return dict(kv.split("=") for kv in out.stdout.split())


def medians(measurements, key):
    """Runs each of `measurements` (name: function) REPEATS times, a round of all of them at a
    time, and returns each one's median run by `key`."""
    runs = {name: [] for name in measurements}
    for _ in range(REPEATS):
        for name, fn in measurements.items():
            try:
                runs[name].append(fn())
            except Exception as error:  # a server that failed the load: reported as n/a
                print(f"failed: {error}", file=sys.stderr, flush=True)
    result = {}
    for name, done in runs.items():
        if not done:
            result[name] = {key: "nan", "rps": "nan", "p50_us": "n/a", "p99_us": "n/a", "max_us": "n/a",
                            "seconds": "nan"}
            continue
        done.sort(key=lambda r: float(r[key]))
        result[name] = done[len(done) // 2]
    return result


def have_python_peers():
    return os.path.exists(PYTHON) and subprocess.run(
        [PYTHON, "-c", "import telnetlib3, miniboa"], capture_output=True).returncode == 0


def main():
    if TLS_ONLY:
        write_tls_table(tls_figures())
        return
    kinds = ["ironboa", "ceiling"] + (["telnetlib3", "miniboa"] if have_python_peers() else [])
    rt_servers = RT_SERVERS + [(kind, kind, ()) for kind in kinds[2:]]
    rt = {}
    for conns in (1, 10, 100):
        def one(kind, flags, conns=conns):
            with Server(kind, *flags) as s:
                return loadgen("rt", s.addr, conns, RT_SECONDS)
        rt.update(medians({(label, conns): partial(one, kind, flags) for label, kind, flags in rt_servers}, "rps"))
        for label, _, _ in rt_servers:
            print(f"rt {label} {conns}: {rt[(label, conns)]}", file=sys.stderr, flush=True)

    def one(kind, flags):
        with Server(kind, *flags) as s:
            return loadgen("delay", s.addr, DELAY_CONNS, DELAY_REQUESTS)
    found = medians({i: partial(one, kind, flags) for i, (_, kind, _, flags) in enumerate(DELAY_SERVERS)}, "p50_us")
    delays = [(label, coalesce, found[i]) for i, (label, _, coalesce, _) in enumerate(DELAY_SERVERS)]
    for label, coalesce, d in delays:
        print(f"delay {label} coalesce_delay={coalesce}: {d}", file=sys.stderr, flush=True)

    streams = {}
    for dense in (False, True):
        def one(kind, dense=dense):
            with Server(kind, "--binary") as s:
                extra = (["--raw"] if kind == "ceiling" else []) + (["--dense"] if dense else [])
                return loadgen("stream", s.addr, 128 if QUICK else 512, *extra)
        streams.update(medians({(kind, dense): partial(one, kind) for kind in ("ironboa", "ceiling")}, "mibps"))
        for kind in ("ironboa", "ceiling"):
            print(f"stream {kind} dense={dense}: {streams[(kind, dense)]}", file=sys.stderr, flush=True)

    held = {}
    n_hold = 1000 if QUICK else 10000
    for kind in ("ironboa", "ceiling"):
        try:
            with Server(kind) as s:
                held[kind] = loadgen("hold", s.addr, n_hold, s.proc.pid)
        except Exception as error:  # reported as n/a; the other measurements still run
            print(f"failed: {error}", file=sys.stderr, flush=True)
            held[kind] = None
        print(f"hold {kind}: {held[kind]}", file=sys.stderr, flush=True)

    def one(kind):
        with Server(kind) as s:
            return loadgen("accept", s.addr, 1000)
    accepts = medians({kind: partial(one, kind) for kind in kinds}, "seconds")
    for kind in kinds:
        print(f"accept {kind}: {accepts[kind]}", file=sys.stderr, flush=True)

    with Server("ironboa", "--binary") as s:
        flat = loadgen("flat", s.addr, 256 if QUICK else 1024, s.proc.pid)
    print(f"flat: {flat}", file=sys.stderr, flush=True)

    # miniboa's game loop: GameServer's poll() against miniboa's own, the same load (clients
    # opened one after another: miniboa listens with a backlog of 5).
    games = {}
    game_kinds = ["game"] + (["miniboa"] if "miniboa" in kinds else [])
    for conns in ((10, 100) if QUICK else (10, 100, 1000)):
        def one(kind, conns=conns):
            with Server(kind) as s:
                out = subprocess.run([os.path.join(EXAMPLES, "game_loop_bench"), "load", s.addr,
                                      str(conns), RT_SECONDS],
                                     capture_output=True, text=True, timeout=900)
                if out.returncode != 0:
                    raise RuntimeError(out.stderr[-400:])
                return dict(kv.split("=") for kv in out.stdout.split())
        games.update(medians({(kind, conns): partial(one, kind) for kind in game_kinds}, "round_trips_per_s"))
        for kind in game_kinds:
            print(f"game {kind} {conns}: {games[(kind, conns)]}", file=sys.stderr, flush=True)

    write_table(kinds, rt_servers, rt, delays, streams, held, n_hold, accepts, flat, games)
    write_tls_table(tls_figures(), append=True)
    mccp_section()


def ratio(value, ceiling):
    try:
        r = float(value) / float(ceiling)
    except (TypeError, ValueError, ZeroDivisionError):
        return "n/a"
    return "n/a" if r != r else f"{r:.2f}"  # NaN: a failed measurement


def write_table(kinds, rt_servers, rt, delays, streams, held, n_hold, accepts, flat, games):
    lines = []
    p = lines.append
    p(f"Measured {time.strftime('%Y-%m-%d')} on {os.cpu_count()} cores, loopback; median of {REPEATS} runs"
      f"{' (quick run)' if QUICK else ''}.")
    p("")
    p("### Echo round trips (a 50-byte line out, the same line back)")
    p("")
    p("| server | connections | round trips/s | p50 µs | p99 µs | ratio to ceiling |")
    p("| --- | ---: | ---: | ---: | ---: | ---: |")
    for label, _, _ in rt_servers:
        for conns in (1, 10, 100):
            r = rt[(label, conns)]
            c = rt[("ceiling", conns)]
            rps = "failed" if r["rps"] == "nan" else f"{float(r['rps']):,.0f}"
            p(f"| {label} | {conns} | {rps} | {r['p50_us']} | {r['p99_us']} | {ratio(r['rps'], c['rps'])} |")
    p("")
    p("### A write that no read follows (the handler sleeps 200 ms after each reply)")
    p("")
    p(f"Time from sending a line to receiving its reply; {DELAY_CONNS} connections, {DELAY_REQUESTS} requests "
      f"each, one every 250 ms.")
    p("")
    p("| server | coalesce_delay | requests | p50 µs | p99 µs | max µs |")
    p("| --- | --- | ---: | ---: | ---: | ---: |")
    for label, coalesce, d in delays:
        p(f"| {label} | {coalesce} | {d.get('samples', 'failed')} | {d['p50_us']} | {d['p99_us']} | {d['max_us']} |")
    p("")
    p("### One connection in BINARY mode, data echoed back and verified")
    p("")
    p("| server | data | MiB/s | ratio to ceiling |")
    p("| --- | --- | ---: | ---: |")
    for dense in (False, True):
        label = "IAC 1 byte in 8, CR/LF/NUL 1 in 8" if dense else "random bytes (IAC, CR, NUL 1 in 256 each)"
        for kind in ("ironboa", "ceiling"):
            v = streams[(kind, dense)]["mibps"]
            p(f"| {kind} | {label} | {float(v):,.0f} | {ratio(v, streams[('ceiling', dense)]['mibps'])} |")
    p("")
    p("### Connections held open at once (idle, then each answers a line)")
    p("")
    p("| server | connections | answered | server RSS before | after | per connection | ratio to ceiling |")
    p("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for kind in ("ironboa", "ceiling"):
        h = held[kind]
        if h is None:
            p(f"| {kind} | {n_hold} | failed | n/a | n/a | n/a | n/a |")
            continue
        p(f"| {kind} | {h['connections']} | {h['answered']} | {int(h['rss_before_kib']) // 1024} MiB | "
          f"{int(h['rss_after_kib']) // 1024} MiB | {h['per_connection_kib']} KiB | "
          f"{ratio(h['per_connection_kib'], (held['ceiling'] or {}).get('per_connection_kib'))} |")
    p("")
    p("### Accepting and negotiating 1,000 new connections (10 client threads)")
    p("")
    p("| server | seconds | ratio to ceiling (time) |")
    p("| --- | ---: | ---: |")
    for kind in kinds:
        secs = accepts[kind]["seconds"]
        shown = "failed" if secs == "nan" else f"{float(secs):.3f}"
        p(f"| {kind} | {shown} | {ratio(secs, accepts['ceiling']['seconds'])} |")
    p("")
    p("### Memory while data streams through one connection (ironboa, BINARY)")
    p("")
    p(f"{flat['mib']} MiB at {flat['mibps']} MiB/s: server RSS {int(flat['rss_start_kib']) // 1024} MiB at the start, "
      f"{int(flat['rss_peak_kib']) // 1024} MiB at the peak, {int(flat['rss_end_kib']) // 1024} MiB at the end.")
    p("")
    p("### miniboa's game loop: lines through one game thread's poll()")
    p("")
    p("Each client sends a line and waits for it back; the game thread echoes it at its next poll.")
    p("")
    p("| server | connections | round trips/s | Enter to reply p50 µs | p99 µs |")
    p("| --- | ---: | ---: | ---: | ---: |")
    for (kind, conns), g in sorted(games.items()):
        label = "ironboa GameServer" if kind == "game" else "miniboa"
        rps = g.get("round_trips_per_s", "nan")
        shown = "failed" if rps == "nan" else f"{float(rps):,.0f}"
        p(f"| {label} | {conns} | {shown} | {g.get('rtt_p50_us', 'n/a')} | {g.get('rtt_p99_us', 'n/a')} |")
    table = "\n".join(lines)
    print(table)
    with open(os.path.join(TARGET, "bench-table.md"), "w") as f:
        f.write(table + "\n")



# TELNETS: the ironboa server with TLS beside the TLS ceiling (bench_server raw-tls, rustls with
# no Telnet), the same certificate, the load generator speaking TLS (rustls, full handshakes).
TLS_KINDS = ("ironboa --tls", "tls ceiling")
TLS_RT_CONNS = 10
TLS_STREAM_MIB = 128 if QUICK else 512
TLS_HANDSHAKES = 200 if QUICK else 500
TLS_HANDSHAKE_PARALLEL = (1, 4)
TLS_HOLD = 1000
# The TLS runs are short: five rounds of each (one in a quick run).
TLS_REPEATS = 1 if QUICK else 5


def tls_server(kind, tls_dir, *flags):
    return Server("ironboa" if kind == "ironboa --tls" else "tls ceiling", "--tls", tls_dir, *flags)


def cpu_seconds(pid):
    """The CPU time (user and system) a process has used so far, all its threads included."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def tls_rounds(run, key):
    """Runs `run(kind)` for ironboa and the ceiling, one of each a round, TLS_REPEATS rounds.
    Returns each kind's median run by `key`, and the ratio (ironboa over the ceiling) in each
    round both completed: on a shared machine the spread of those says how far to trust it."""
    runs = {kind: [] for kind in TLS_KINDS}
    within = []
    for _ in range(TLS_REPEATS):
        done = {}
        for kind in TLS_KINDS:
            try:
                done[kind] = run(kind)
                runs[kind].append(done[kind])
            except Exception as error:  # a failed run: reported as n/a
                print(f"failed: {error}", file=sys.stderr, flush=True)
        if len(done) == len(TLS_KINDS):
            within.append(ratio(*(done[kind][key] for kind in TLS_KINDS)))
    result = {}
    for kind, done in runs.items():
        done.sort(key=lambda r: float(r[key]))
        result[kind] = done[len(done) // 2] if done else {key: "nan"}
    return result, within


def tls_figures():
    """Every TLS figure, each taken in rounds. Returns figure name: ({kind: median run},
    [ratio within each round])."""
    tls_dir = os.path.join(TARGET, "bench-tls")
    loadgen("cert", tls_dir)
    figures = {}

    # Beside each rate, the server's CPU time for the work: on a shared machine the rate moves
    # with everyone else's load, the CPU time far less.
    def rt(kind):
        with tls_server(kind, tls_dir) as s:
            result = loadgen("rt", s.addr, TLS_RT_CONNS, RT_SECONDS, "--tls", tls_dir)
            result["cpu_us_per_rt"] = str(cpu_seconds(s.proc.pid) * 1e6 / int(result["samples"]))
            return result
    figures["rt"] = tls_rounds(rt, "rps")

    def stream(kind):
        with tls_server(kind, tls_dir, "--binary") as s:
            extra = ["--raw"] if kind == "tls ceiling" else []
            result = loadgen("stream", s.addr, TLS_STREAM_MIB, *extra, "--tls", tls_dir)
            result["cpu_ms_per_mib"] = str(cpu_seconds(s.proc.pid) * 1e3 / TLS_STREAM_MIB)
            return result
    figures["stream"] = tls_rounds(stream, "mibps")

    for parallel in TLS_HANDSHAKE_PARALLEL:
        def handshakes(kind, parallel=parallel):
            with tls_server(kind, tls_dir) as s:
                result = loadgen("handshakes", s.addr, TLS_HANDSHAKES, parallel, "--tls", tls_dir)
                result["cpu_us_per_handshake"] = str(cpu_seconds(s.proc.pid) * 1e6 / TLS_HANDSHAKES)
                return result
        figures[("handshakes", parallel)] = tls_rounds(handshakes, "per_s")

    def hold(kind):
        with tls_server(kind, tls_dir) as s:
            return loadgen("hold", s.addr, TLS_HOLD, s.proc.pid, "--tls", tls_dir)
    figures["hold"] = tls_rounds(hold, "per_connection_kib")
    for name, (by_kind, within) in figures.items():
        for kind, result in by_kind.items():
            print(f"tls {name} {kind}: {result}", file=sys.stderr, flush=True)
        print(f"tls {name} ratio in each round: {within}", file=sys.stderr, flush=True)
    return figures


def write_tls_table(figures, append=False):
    lines = []
    p = lines.append
    if not append:
        p(f"Measured {time.strftime('%Y-%m-%d')} on {os.cpu_count()} cores, loopback"
          f"{' (quick run)' if QUICK else ''}.")
    p("")
    p("### TELNETS: ironboa with TLS beside a rustls echo server with no Telnet (the TLS ceiling)")
    p("")
    p(f"Median of {TLS_REPEATS} runs of each, taken in rounds (one run of each server, then the next "
      "round); the ratio is ironboa's median over the ceiling's, and beside it the lowest and highest "
      "ratio within one round.")
    p("")
    p("| figure | ironboa --tls | TLS ceiling | ratio to ceiling | within a round |")
    p("| --- | ---: | ---: | ---: | ---: |")

    def row(label, name, key, fmt, spread=True):
        by_kind, within = figures[name]
        ours, ceiling = (by_kind[kind].get(key, "nan") for kind in TLS_KINDS)
        shown = [("failed" if v in ("nan", "n/a") else fmt(float(v))) for v in (ours, ceiling)]
        known = sorted(float(r) for r in within if r != "n/a")
        span = f"{known[0]:.2f} to {known[-1]:.2f}" if spread and known else ""
        p(f"| {label} | {shown[0]} | {shown[1]} | {ratio(ours, ceiling)} | {span} |")
    row(f"echo round trips/s, {TLS_RT_CONNS} connections", "rt", "rps", lambda v: f"{v:,.0f}")
    row(f"echo p50 µs, {TLS_RT_CONNS} connections (in the median run)", "rt", "p50_us",
        lambda v: f"{v:.0f}", spread=False)
    row("echo: server CPU µs per round trip (in the median run; lower is better)", "rt", "cpu_us_per_rt",
        lambda v: f"{v:.1f}", spread=False)
    row(f"one BINARY connection, MiB/s ({TLS_STREAM_MIB} MiB, random bytes)", "stream", "mibps",
        lambda v: f"{v:,.0f}")
    row("BINARY: server CPU ms per MiB (in the median run; lower is better)", "stream", "cpu_ms_per_mib",
        lambda v: f"{v:.2f}", spread=False)
    for parallel in TLS_HANDSHAKE_PARALLEL:
        row(f"handshakes/s, {parallel} at a time (connect, handshake, greeting, one echo, close)",
            ("handshakes", parallel), "per_s", lambda v: f"{v:,.0f}")
    row("4 at a time: server CPU µs per connection (in the median run; lower is better)", ("handshakes", 4),
        "cpu_us_per_handshake", lambda v: f"{v:.0f}", spread=False)
    row("1 at a time: connect and handshake, p50 µs (in the median run)", ("handshakes", 1),
        "handshake_p50_us", lambda v: f"{v:.0f}", spread=False)
    row("1 at a time: handshake done to greeting, p50 µs (in the median run)", ("handshakes", 1),
        "greeting_p50_us", lambda v: f"{v:.0f}", spread=False)
    row(f"resident KiB per idle TLS connection, {TLS_HOLD:,} connections (lower is better)", "hold",
        "per_connection_kib", lambda v: f"{v:.1f}")
    table = "\n".join(lines)
    print(table)
    with open(os.path.join(TARGET, "bench-table.md"), "a" if append else "w") as f:
        f.write(table + "\n")


def mccp_section():
    """MCCP2 (examples/mccp_bench.rs, built with the mccp feature): bulk and line-by-line MiB/s
    beside flate2 alone, the ratio kept, and server RSS per idle connection at 1,000
    connections, compressed (MCCP2 only; MCCP2 and MCCP3) beside plain. Appended to the table."""
    bench = os.path.join(EXAMPLES, "mccp_bench")
    if not os.path.exists(bench):
        print("(mccp_bench not built: no MCCP figures)")
        return

    def run(*args):
        out = subprocess.run([bench, *map(str, args)], capture_output=True, text=True, timeout=900)
        if out.returncode != 0:
            raise RuntimeError(f"mccp_bench {' '.join(map(str, args))}: {out.stderr[-400:]}")
        return dict(kv.split("=") for kv in out.stdout.split())

    def hold(mode):
        proc = subprocess.Popen([bench, "serve", "127.0.0.1:0", mode], stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, text=True)
        try:
            addr = proc.stdout.readline().strip().split()[-1]
            return run("hold", addr, 1000, proc.pid)
        finally:
            proc.kill()
            proc.wait()

    bulk = medians({"bulk": partial(run, "bulk", 16 if QUICK else 64)}, "mccp2_mibps")["bulk"]
    modes = ("refuse", "offer-mccp2", "offer")
    held = medians({mode: partial(hold, mode) for mode in modes}, "per_connection_kib")
    lines = []
    p = lines.append
    p("")
    p("### MCCP2 compression (examples/mccp_bench.rs)")
    p("")
    p(f"One connection, ironboa server to ironboa client over loopback, {bulk.get('mib')} MiB of generated MUD "
      f"output (rooms, chatter, combat, prompts, colour codes); flate2 alone compresses the same text "
      f"memory to memory (zlib-rs backend, level 6, 32 KiB window, one stream, a sync flush per write).")
    p("")
    p("| writes of | plain MiB/s | MCCP2 MiB/s | MCCP2 ratio | flate2 alone MiB/s | flate2 ratio |")
    p("| --- | ---: | ---: | ---: | ---: | ---: |")
    p(f"| 64 KiB | {bulk.get('plain_mibps')} | {bulk.get('mccp2_mibps')} | {bulk.get('mccp2_ratio')} | "
      f"{bulk.get('flate2_mibps')} | {bulk.get('flate2_ratio')} |")
    p(f"| 80 bytes ({bulk.get('lines_mib')} MiB) | {bulk.get('lines_plain_mibps')} | {bulk.get('lines_mccp2_mibps')} | "
      f"{bulk.get('lines_mccp2_ratio')} | {bulk.get('lines_flate2_mibps')} | {bulk.get('lines_flate2_ratio')} |")
    p("")
    p("| 1,000 idle connections, each greeted with 600 bytes | server RSS per connection | more than plain |")
    p("| --- | ---: | ---: |")
    base = held["refuse"].get("per_connection_kib")
    for mode, label in zip(modes, ("plain (refused)", "MCCP2", "MCCP2 and MCCP3")):
        v = held[mode].get("per_connection_kib")
        try:
            more = f"{float(v) - float(base):.1f} KiB"
        except (TypeError, ValueError):
            more = "n/a"
        p(f"| {label} | {v} KiB | {more} |")
    table = "\n".join(lines)
    print(table)
    with open(os.path.join(ROOT, "target", "bench-table.md"), "a") as f:
        f.write(table + "\n")


if __name__ == "__main__":
    main()
