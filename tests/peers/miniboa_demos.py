"""miniboa's hello and handler demos (hello_demo.py and handler_demo.py, which the wheel does
not ship), as its README describes them, on miniboa's own poll loop:

    python miniboa_demos.py hello PORT     # TelnetServer with its placeholder on_connect
    python miniboa_demos.py handler PORT   # on_connect lists who else is connected

Each logs "Starting server on port PORT" once it listens. tests/game_loop.rs runs them and
examples/game_loop_hello.rs and game_loop_handler.rs with the same scripted clients
(tests/peers/game_demo_clients.py) and compares what each client receives.
"""
import logging
import sys

from miniboa import TelnetServer

CLIENTS = []


def my_on_connect(client):
    """Says where the client connected from, and who else is here."""
    client.send("You connected from %s\n" % client.addrport())
    if CLIENTS:
        client.send("Also connected are:\n")
        for neighbor in CLIENTS:
            client.send("%s\n" % neighbor.addrport())
    else:
        client.send("Sadly, you are alone.\n")
    CLIENTS.append(client)


def my_on_disconnect(client):
    CLIENTS.remove(client)


def main():
    logging.basicConfig(level=logging.INFO)
    demo, port = sys.argv[1], int(sys.argv[2])
    server = TelnetServer(port=port, address="127.0.0.1")
    if demo == "handler":
        server.on_connect = my_on_connect
        server.on_disconnect = my_on_disconnect
    logging.info("Starting server on port %d. CTRL-C to interrupt.", server.port)
    while True:
        server.poll()


if __name__ == "__main__":
    main()
