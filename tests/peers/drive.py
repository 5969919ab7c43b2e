#!/usr/bin/env python3
"""Drives a Telnet server with a real Python client, one step per argument.

    drive.py LIB HOST PORT STEP...

LIB is "stdlib" (Python's telnetlib, which refuses every option) or "tl3" (telnetlib3.sync's
TelnetConnection, TERM=xterm-256color, 100x40). Steps:

    until:TEXT     read until TEXT arrives (5 s); prints the text read
    write:TEXT     write TEXT; backslash escapes (\\r, \\n, \\xNN, \\u...) are interpreted
    info:NAME      tl3 only: prints get_extra_info(NAME)
    all:A|B|...    read until every one of the texts has arrived (10 s); prints the text read
    eof            read until the server closes (5 s); prints the text read
    sleep:SECS     sleep
    close          close the connection

Each result is one line on stdout: the step's verb, a tab, and the text as hex of its UTF-8
(easy to parse without a JSON library). Any failure exits non-zero with the error on stderr.
"""
import codecs
import sys
import time
import warnings

warnings.simplefilter("ignore")


def unescape(text):
    return codecs.decode(text.encode("latin-1", "backslashreplace"), "unicode_escape")


def emit(verb, text):
    if text is None:
        text = ""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    print(f"{verb}\t{str(text).encode('utf-8').hex()}", flush=True)


def main():
    lib, host, port, *steps = sys.argv[1:]
    port = int(port)
    if lib == "stdlib":
        import telnetlib

        conn = telnetlib.Telnet(host, port, timeout=10)
        read_until = lambda s: conn.read_until(s.encode("utf-8"), 5).decode("utf-8", "replace")
        write = lambda s: conn.write(s.encode("utf-8"))
        read_all = lambda: conn.read_all().decode("utf-8", "replace")
        info = None
    elif lib == "tl3":
        from telnetlib3.sync import TelnetConnection

        conn = TelnetConnection(host, port, timeout=10, encoding="utf8",
                                term="xterm-256color", cols=100, rows=40)
        conn.connect()
        read_until = lambda s: conn.read_until(s, 5)
        write = conn.write

        def read_all():
            out = ""
            deadline = time.time() + 5
            while time.time() < deadline:
                try:
                    chunk = conn.read_some(timeout=1)
                except (EOFError, ConnectionError):
                    return out
                except Exception:
                    continue
                if not chunk:
                    return out
                out += chunk if isinstance(chunk, str) else chunk.decode("utf-8", "replace")
            raise TimeoutError("server did not close")

        info = conn.get_extra_info
    else:
        sys.exit(f"unknown lib {lib}")

    for step in steps:
        verb, _, arg = step.partition(":")
        if verb == "until":
            emit("until", read_until(unescape(arg)))
        elif verb == "all":
            wanted = [unescape(w) for w in arg.split("|")]
            seen = ""
            deadline = time.time() + 10
            while not all(w in seen for w in wanted):
                if time.time() > deadline:
                    sys.exit(f"timed out waiting for {wanted!r}; got {seen!r}")
                for w in wanted:
                    if w not in seen:
                        chunk = read_until(w)
                        seen += chunk.decode("utf-8", "replace") if isinstance(chunk, bytes) else chunk
                        break
            emit("all", seen)
        elif verb == "write":
            write(unescape(arg))
        elif verb == "info":
            emit("info", info(arg))
        elif verb == "eof":
            emit("eof", read_all())
        elif verb == "sleep":
            time.sleep(float(arg))
        elif verb == "close":
            conn.close()
        else:
            sys.exit(f"unknown step {step}")


if __name__ == "__main__":
    main()
