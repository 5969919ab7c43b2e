"""Python's stdlib telnetlib clients through a load balancer (tests/load_balancer.rs).

    lb_clients.py HOST PORT COUNT THREADS

Each client connects from its own loopback source address (127.0.1.1, 127.0.1.2, ...), so the
server can only know it from the PROXY header, waits for the greeting (which names the address the
server sees) and the prompt, types a line, reads the
echo and hangs up. One line per client on stdout: `ok SRC_IP:SRC_PORT`, or `fail SRC_IP:... why`.
"""

import socket
import sys
import telnetlib
import warnings
from concurrent.futures import ThreadPoolExecutor

warnings.filterwarnings("ignore", category=DeprecationWarning)

host, port, count, threads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])


def client(i):
    source = f"127.0.1.{i % 250 + 1}"
    try:
        sock = socket.create_connection((host, port), timeout=20, source_address=(source, 0))
    except OSError as e:
        return f"fail {source}:0 connect {e}"
    src = "%s:%d" % sock.getsockname()
    tn = telnetlib.Telnet()
    tn.sock, tn.host, tn.port, tn.timeout = sock, host, port, 20
    try:
        got = tn.read_until(b"> ", 20)
        if not got.endswith(b"> "):
            return f"fail {src} no prompt {got!r}"
        if f"Welcome to ironboa, {src}!".encode() not in got:
            return f"fail {src} greeted as someone else {got!r}"
        tn.write(f"client {i}\r\n".encode())
        got = tn.read_until(b"> ", 20)
        if f"client {i}".encode() not in got:
            return f"fail {src} no echo {got!r}"
        return f"ok {src}"
    except (OSError, EOFError) as e:
        return f"fail {src} {e!r}"
    finally:
        tn.close()


with ThreadPoolExecutor(threads) as pool:
    for line in pool.map(client, range(count)):
        print(line, flush=True)
