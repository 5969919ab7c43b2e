"""A miniboa server that says what it received: each line comes back as
"echo: LINE [HEX]", where HEX is the line's bytes as they arrived (miniboa decodes input as
cp1252, its default, so encoding the line again gives the bytes back). "quit" disconnects.

    python miniboa_echo.py PORT

On connect it asks what miniboa's own examples ask: DO SGA, WILL ECHO, DO NAWS, DO TTYPE. It
never offers WILL SGA, so a Debian-style client stays in line mode. miniboa echoes every byte it
receives while ECHO is on.
"""
import sys

from miniboa import TelnetServer

clients = []


def on_connect(client):
    client.request_do_sga()
    client.request_will_echo()
    client.request_naws()
    client.request_terminal_type()
    client.send("miniboa ready\n> ")
    clients.append(client)


def on_disconnect(client):
    if client in clients:
        clients.remove(client)
    client.sock.close()


def main():
    port = int(sys.argv[1])
    server = TelnetServer(
        port=port,
        address="127.0.0.1",
        on_connect=on_connect,
        on_disconnect=on_disconnect,
        timeout=0.02,
    )
    while True:
        server.poll()
        for client in list(clients):
            if getattr(client, "quitting", False):
                if not client.send_pending:
                    client.deactivate()  # after "bye" has gone out
                continue
            while client.active and client.cmd_ready:
                line = client.get_command()
                if line == "quit":
                    client.send("bye\n")
                    client.quitting = True
                    break
                raw = line.encode("cp1252", "replace").hex(" ")
                client.send(f"echo: {line} [{raw}]\n> ")


if __name__ == "__main__":
    main()
