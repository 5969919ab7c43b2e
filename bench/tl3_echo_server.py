"""telnetlib3's BlockingTelnetServer running the benchmark's echo: 'ready', then lines back.

    python bench/tl3_echo_server.py PORT
"""
import sys

from telnetlib3.sync import BlockingTelnetServer


def handler(conn):
    conn.write("ready\r\n")
    while True:
        try:
            line = conn.readline(timeout=600)
        except Exception:
            break
        if not line:
            break
        conn.write(line.rstrip("\r\n") + "\r\n")
    conn.close()


if __name__ == "__main__":
    port = int(sys.argv[1])
    server = BlockingTelnetServer("127.0.0.1", port, handler=handler)
    print(f"listening on 127.0.0.1:{port}", flush=True)
    server.serve_forever()
