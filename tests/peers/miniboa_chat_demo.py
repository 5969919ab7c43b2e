"""miniboa's chat demo (chat_demo.py, which the wheel does not ship), as its README describes
it: a chat room on miniboa's own poll loop. Everyone hears what each client types ("You say
..." to the speaker), "bye" leaves, "shutdown" stops the server, and clients idle for five
minutes are kicked.

    python miniboa_chat_demo.py PORT

tests/game_loop.rs runs it and examples/game_loop_chat.rs with the same scripted clients
(tests/peers/game_chat_script.py) and compares what each client receives.
"""
import logging
import sys

from miniboa import TelnetServer

IDLE_TIMEOUT = 300
CLIENT_LIST = []
SERVER_RUN = True


def on_connect(client):
    """A new connection: tell the room, then welcome the newcomer."""
    logging.info("Opened connection to %s", client.addrport())
    broadcast("{} joins the conversation.\n".format(client.addrport()))
    CLIENT_LIST.append(client)
    client.send("Welcome to the Chat Server, {}.\n".format(client.addrport()))


def on_disconnect(client):
    """A lost connection: take it off the list, then tell the room."""
    logging.info("Lost connection to %s", client.addrport())
    CLIENT_LIST.remove(client)
    broadcast("{} leaves the conversation.\n".format(client.addrport()))


def kick_idle():
    """Deactivates clients that have not typed for IDLE_TIMEOUT seconds."""
    for client in CLIENT_LIST:
        if client.idle() > IDLE_TIMEOUT:
            logging.info("Kicking idle client %s", client.addrport())
            client.active = False


def process_clients():
    """One waiting line per active client, per pass of the loop."""
    for client in CLIENT_LIST:
        if client.active and client.cmd_ready:
            chat(client)


def broadcast(msg):
    for client in CLIENT_LIST:
        client.send(msg)


def chat(client):
    """Repeats the client's line to everyone, and acts on 'bye' and 'shutdown'."""
    global SERVER_RUN
    msg = client.get_command()
    logging.info("%s says '%s'", client.addrport(), msg)
    for guest in CLIENT_LIST:
        if guest != client:
            guest.send("{} says '{}'\n".format(client.addrport(), msg))
        else:
            guest.send("You say '{}'\n".format(msg))
    cmd = msg.lower()
    if cmd == "bye":
        client.active = False
    elif cmd == "shutdown":
        SERVER_RUN = False


def main():
    logging.basicConfig(level=logging.INFO)
    port = int(sys.argv[1])
    server = TelnetServer(port=port, address="127.0.0.1", on_connect=on_connect,
                          on_disconnect=on_disconnect, timeout=0.05)
    logging.info("Listening for connections on port %d. CTRL-C to break.", server.port)
    while SERVER_RUN:
        server.poll()
        kick_idle()
        process_clients()
    logging.info("Server shutdown.")


if __name__ == "__main__":
    main()
