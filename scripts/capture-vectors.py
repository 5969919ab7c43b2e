#!/usr/bin/env python3
"""Captures the opening bytes of real Telnet peers into tests/vectors/*.hex.

Run once (after scripts/setup-peers.sh) to refresh the vectors the engine's tests replay:

    target/peers-venv/bin/python scripts/capture-vectors.py

Servers are read by a raw socket (passive: it never answers; or after one scripted answer).
Clients connect to a one-shot capture server that sends DO TTYPE, DO NAWS, WILL ECHO,
WILL SGA, DO NEW_ENVIRON, then SB TTYPE SEND and SB NEW_ENVIRON SEND to clients that agree.
Everything listens on 127.0.0.1 only. Each vector file holds one hex line per direction chunk,
prefixed with '<' (from the peer) or '>' (from the capture tool).
"""
import os
import shutil
import socket
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "tests", "vectors")
VENV_BIN = os.path.dirname(sys.executable)
PORT = int(os.environ.get("CAPTURE_PORT", "17300"))


def free_port():
    global PORT
    PORT += 1
    return PORT


def wait_listening(port, secs=10):
    deadline = time.time() + secs
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port}")


def read_for(sock, secs):
    sock.settimeout(0.1)
    data = b""
    deadline = time.time() + secs
    while time.time() < deadline:
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            continue
        if not chunk:
            break
        data += chunk
    return data


def save(name, chunks):
    path = os.path.join(OUT, name + ".hex")
    with open(path, "w") as f:
        for direction, data in chunks:
            f.write(direction + " " + data.hex(" ") + "\n")
    print(f"wrote {path}: {sum(len(d) for _, d in chunks)} bytes")


def capture_server(name, argv, port, scripted_reply=None, secs=2.5, env=None):
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    try:
        wait_listening(port)
        # wait_listening opened and closed one connection; give the server a moment to reap it
        time.sleep(0.3)
        sock = socket.create_connection(("127.0.0.1", port))
        first = read_for(sock, 0.8 if scripted_reply else secs)
        chunks = [("<", first)]
        if scripted_reply:
            sock.sendall(scripted_reply)
            chunks.append((">", scripted_reply))
            chunks.append(("<", read_for(sock, secs)))
        sock.close()
        save(name, chunks)
    finally:
        proc.terminate()
        proc.wait()


OFFERS = bytes.fromhex("fffd18 fffd1f fffb01 fffb03 fffd27".replace(" ", ""))


def capture_client(name, start_client, secs=4.0):
    port = free_port()
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", port))
    listener.listen(1)
    listener.settimeout(10)
    stop = start_client(port)
    try:
        conn, _ = listener.accept()
        conn.sendall(OFFERS)
        chunks = [(">", OFFERS)]
        got = read_for(conn, 1.5)
        chunks.append(("<", got))
        follow = b""
        if b"\xff\xfb\x18" in got:
            follow += b"\xff\xfa\x18\x01\xff\xf0"
        if b"\xff\xfb\x27" in got:
            follow += b"\xff\xfa\x27\x01\xff\xf0"
        if follow:
            conn.sendall(follow)
            chunks.append((">", follow))
            chunks.append(("<", read_for(conn, secs - 1.5)))
        conn.close()
        save(name, chunks)
    finally:
        stop()
        listener.close()


def tmux_client(session, command):
    def start(port):
        subprocess.run(
            ["tmux", "new-session", "-d", "-s", session, "-x", "80", "-y", "24",
             f"TERM=xterm {command} 127.0.0.1 {port}"],
            check=True,
        )
        return lambda: subprocess.run(["tmux", "kill-session", "-t", session],
                                      stderr=subprocess.DEVNULL)
    return start


def piped_client(argv_fn):
    def start(port):
        proc = subprocess.Popen(argv_fn(port), stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, env={**os.environ, "TERM": "xterm"})
        def stop():
            proc.kill()
            proc.wait()
        return stop
    return start


def main():
    os.makedirs(OUT, exist_ok=True)
    tl3 = os.path.join(VENV_BIN, "telnetlib3-server")
    port = free_port()
    capture_server("telnetlib3-server-passive", [tl3, "127.0.0.1", str(port)], port, secs=2.5)
    port = free_port()
    capture_server("telnetlib3-server-will-ttype", [tl3, "127.0.0.1", str(port)], port,
                   scripted_reply=b"\xff\xfb\x18", secs=2.5)

    issue = os.path.join(OUT, "..", "..", "target", "busybox-issue")
    with open(issue, "w") as f:
        f.write("busybox-telnetd ready\n")
    port = free_port()
    capture_server("busybox-telnetd-passive",
                   ["busybox", "telnetd", "-F", "-b", f"127.0.0.1:{port}", "-l", "/bin/sh",
                    "-f", issue], port, secs=1.5)

    port = free_port()
    capture_server("inetutils-telnetd-passive",
                   ["socat", f"TCP-LISTEN:{port},bind=127.0.0.1,reuseaddr,fork",
                    "EXEC:/usr/sbin/telnetd -h -E /bin/sh,nofork"], port, secs=1.5)

    capture_client("inetutils-telnet-client", tmux_client("capture-telnet", "telnet"))
    capture_client("busybox-telnet-client", tmux_client("capture-bbtelnet", "busybox telnet"))
    tl3c = os.path.join(VENV_BIN, "telnetlib3-client")
    capture_client("telnetlib3-client", piped_client(lambda p: [tl3c, "127.0.0.1", str(p)]))
    stdlib = ("import telnetlib,sys,time; t=telnetlib.Telnet('127.0.0.1', int(sys.argv[1]));"
              "[(t.read_very_eager(), time.sleep(0.05)) for _ in range(60)]")
    capture_client("stdlib-telnetlib-client",
                   piped_client(lambda p: [sys.executable, "-W", "ignore", "-c", stdlib, str(p)]))


if __name__ == "__main__":
    if not shutil.which("tmux"):
        sys.exit("tmux is needed")
    main()
