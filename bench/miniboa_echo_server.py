"""miniboa's TelnetServer running the benchmark's echo: 'ready', then lines back.

    python bench/miniboa_echo_server.py PORT
"""
import sys

from miniboa import TelnetServer

CLIENTS = []


def on_connect(client):
    CLIENTS.append(client)
    client.send("ready\n")


def on_disconnect(client):
    CLIENTS.remove(client)


if __name__ == "__main__":
    port = int(sys.argv[1])
    server = TelnetServer(port=port, address="127.0.0.1", on_connect=on_connect,
                          on_disconnect=on_disconnect, timeout=0.001)
    server.max_connections = 20000
    print(f"listening on 127.0.0.1:{port}", flush=True)
    while True:
        server.poll()
        for client in CLIENTS:
            if client.active and client.cmd_ready:
                client.send(client.get_command() + "\n")
