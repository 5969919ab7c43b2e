#!/usr/bin/env python3
"""Badly behaved stdlib telnetlib clients for tests/game_loop.rs.

    game_clients.py HOST PORT flood     # sends lines as fast as it can and never reads (its
                                        # receive buffer is small)
    game_clients.py HOST PORT idle      # never reads, never writes (until killed)
    game_clients.py HOST PORT reset     # reads until "ready", then vanishes with a TCP reset

flood and idle run until killed or until the server closes the connection; each exits 0.
"""
import socket
import struct
import sys
import time
import warnings

warnings.simplefilter("ignore")
import telnetlib  # noqa: E402 (after the filter: it is deprecated)


def main():
    host, port, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    conn = telnetlib.Telnet()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if mode == "flood":
        # A small receive window, so that what the server sends piles up on its side at once.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.settimeout(30)
    sock.connect((host, port))
    conn.sock = sock
    if mode == "flood":
        chunk = b"".join(b"flood %06d %s\r\n" % (i, b"x" * 40) for i in range(200))
        try:
            while True:
                conn.write(chunk)  # never reads: negotiation goes unanswered, output piles up
        except OSError:
            pass
    elif mode == "idle":
        while True:
            time.sleep(3600)
    elif mode == "reset":
        data = conn.read_until(b"ready", 10)
        if not data.endswith(b"ready"):
            sys.exit(f"no 'ready' from the server: {data!r}")
        conn.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        conn.close()
    else:
        sys.exit(f"unknown mode {mode}")


if __name__ == "__main__":
    main()
