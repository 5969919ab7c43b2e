#!/usr/bin/env python3
"""Stdlib telnetlib clients (A, B, C) that play one scripted session with a server behaving as
one of miniboa's demos, then print everything each one received.

    game_demo_clients.py HOST PORT [chat|hello|handler]

Each step waits for the text it expects (10 s), so the script runs the same against miniboa's
demo and against a port of it. The scripts:

* chat (the default): A, B and C join in turn; each says something (C three lines in one
  packet, B with spaces around); B says "BYE" and reads to the end; A vanishes (closes its
  socket without a word); C says "shutdown" and reads to the end;
* hello: A and B join and are greeted;
* handler: A joins alone; B joins and is told A is there.

Output: one line per client, its name, a tab, and what it received as hex of its bytes, with
each client's "ip:port" replaced by <A>, <B> or <C>. Any failure exits non-zero with the error
and the transcripts so far on stderr.
"""
import sys
import warnings

warnings.simplefilter("ignore")
import telnetlib  # noqa: E402 (after the filter: it is deprecated)

TIMEOUT = 10


class Client:
    def __init__(self, name, host, port):
        self.name = name
        self.conn = telnetlib.Telnet(host, port, timeout=TIMEOUT)
        ip, local_port = self.conn.sock.getsockname()[:2]
        self.addrport = f"{ip}:{local_port}".encode()
        self.received = b""

    def expect(self, text):
        data = self.conn.read_until(text, TIMEOUT)
        self.received += data
        if not data.endswith(text):
            fail(f"{self.name} waited for {text!r} and got {data!r}")

    def say(self, text):
        self.conn.write(text)

    def read_to_end(self):
        self.received += self.conn.read_all()

    def vanish(self):
        self.conn.close()


CLIENTS = []


def fail(message):
    print(message, file=sys.stderr)
    for client in CLIENTS:
        print(f"{client.name}: {client.received!r}", file=sys.stderr)
    sys.exit(1)


def chat(host, port):
    def join(name):
        client = Client(name, host, port)
        CLIENTS.append(client)
        client.expect(b"Welcome to the Chat Server, " + client.addrport + b".\r\n")
        for other in CLIENTS[:-1]:
            other.expect(client.addrport + b" joins the conversation.\r\n")
        return client

    def says(speaker, listeners, msg):
        speaker.expect(b"You say '" + msg + b"'\r\n")
        for listener in listeners:
            listener.expect(speaker.addrport + b" says '" + msg + b"'\r\n")

    a = join("A")
    b = join("B")
    c = join("C")

    a.say(b"hello everyone\r\n")
    says(a, [b, c], b"hello everyone")

    b.say(b"   Hi A, spaces around   \r\n")
    says(b, [a, c], b"Hi A, spaces around")

    c.say(b"one\r\ntwo\r\nthree\r\n")
    for msg in (b"one", b"two", b"three"):
        says(c, [a, b], msg)

    b.say(b"BYE\r\n")
    for listener in (a, c):
        listener.expect(b.addrport + b" says 'BYE'\r\n")
    b.read_to_end()
    for listener in (a, c):
        listener.expect(b.addrport + b" leaves the conversation.\r\n")

    a.vanish()
    c.expect(a.addrport + b" leaves the conversation.\r\n")

    c.say(b"shutdown\r\n")
    c.read_to_end()


def hello(host, port):
    for name in ("A", "B"):
        client = Client(name, host, port)
        CLIENTS.append(client)
        client.expect(b"Hello, my friend. Stay awhile and listen.\r\n")


def handler(host, port):
    a = Client("A", host, port)
    CLIENTS.append(a)
    a.expect(b"You connected from " + a.addrport + b"\r\nSadly, you are alone.\r\n")
    b = Client("B", host, port)
    CLIENTS.append(b)
    b.expect(b"You connected from " + b.addrport + b"\r\nAlso connected are:\r\n"
             + a.addrport + b"\r\n")


def main():
    host, port = sys.argv[1], int(sys.argv[2])
    script = sys.argv[3] if len(sys.argv) > 3 else "chat"
    {"chat": chat, "hello": hello, "handler": handler}[script](host, port)

    for client in CLIENTS:
        text = client.received
        for other in CLIENTS:
            text = text.replace(other.addrport, b"<" + other.name.encode() + b">")
        print(f"{client.name}\t{text.hex()}", flush=True)


if __name__ == "__main__":
    main()
