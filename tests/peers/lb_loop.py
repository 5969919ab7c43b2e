"""Python's stdlib telnetlib clients connecting in a loop through a load balancer while a
backend restarts (tests/load_balancer.rs).

    lb_loop.py HOST PORT THREADS SECONDS MESSAGE

Each thread, until SECONDS have passed: connects, waits for the prompt, types a line, reads
the echo, lingers a moment, types `quit` and reads to the end. A session is `served` (it
ended with the shell's Goodbye), `told` (MESSAGE, the restart notice, arrived at any point),
`refused` (no connection, or it ended before the prompt without MESSAGE) or `dropped` (it
ended after the prompt without MESSAGE). Prints `COUNT kind` per kind, and `FAIL kind why`
for each refused or dropped session.
"""

import sys
import telnetlib
import threading
import time
import warnings

warnings.filterwarnings("ignore", category=DeprecationWarning)

host, port = sys.argv[1], int(sys.argv[2])
threads, seconds, message = int(sys.argv[3]), float(sys.argv[4]), sys.argv[5].encode()
counts = {"served": 0, "told": 0, "refused": 0, "dropped": 0}
failures = []
lock = threading.Lock()


def session():
    try:
        tn = telnetlib.Telnet(host, port, 10)
    except OSError as e:
        return "refused", f"connect: {e!r}"
    seen = b""
    try:
        seen += tn.read_until(b"> ", 10)
        if message in seen:
            return "told", ""
        if not seen.endswith(b"> "):
            return "refused", f"no prompt: {seen!r}"
        tn.write(b"hello\r\n")
        seen += tn.read_until(b"hello\r\n> ", 10)
        seen += tn.read_until(message, 0.2)
        if message in seen:
            return "told", ""
        tn.write(b"quit\r\n")
        seen += tn.read_all()
        if message in seen:
            return "told", ""
        if seen.endswith(b"Goodbye!\r\n"):
            return "served", ""
        return "dropped", f"ended: {seen[-80:]!r}"
    except (OSError, EOFError) as e:
        if message in seen:
            return "told", ""
        return ("dropped" if b"> " in seen else "refused"), f"{e!r} after {seen[-80:]!r}"
    finally:
        tn.close()


def worker(deadline):
    while time.monotonic() < deadline:
        kind, why = session()
        with lock:
            counts[kind] += 1
            if why:
                failures.append(f"FAIL {kind} {why}")


deadline = time.monotonic() + seconds
pool = [threading.Thread(target=worker, args=(deadline,)) for _ in range(threads)]
for t in pool:
    t.start()
for t in pool:
    t.join()
for kind, n in counts.items():
    print(n, kind)
for line in failures:
    print(line)
