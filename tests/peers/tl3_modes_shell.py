"""A telnetlib3-server shell that switches a client from line mode to character mode mid-session,
to see that no key typed across the switch is lost.

    PYTHONPATH=tests/peers telnetlib3-server --shell=tl3_modes_shell.shell 127.0.0.1 PORT

It starts by withdrawing the ECHO and SGA that telnetlib3 negotiated (WONT ECHO, WONT SGA: a
Debian-style client goes to line mode and echoes locally) and prompts "line> ". When a line
"go" arrives it offers WILL SGA and WILL ECHO (character mode), prompts "char> " and from then
on echoes each character it receives; every line it receives, in either mode, is reported as
"got: LINE [HEX]" with the line's bytes in hex.
"""
from telnetlib3.telopt import ECHO, SGA, WILL, WONT


async def shell(reader, writer):
    writer.iac(WONT, ECHO)
    writer.iac(WONT, SGA)
    writer.write("line> ")
    line = ""
    character_mode = False
    previous = ""
    while True:
        ch = await reader.read(1)
        if not ch:
            break
        if ch in "\r\n" or (ch == "\x00" and previous == "\r"):
            ending_pair = previous == "\r" and ch in "\n\x00"
            previous = ch
            if ending_pair:
                continue  # the second half of CR LF / CR NUL
            if character_mode:
                writer.write("\r\n")
            raw = line.encode("utf-8", "surrogateescape").hex(" ")
            writer.write(f"got: {line} [{raw}]\r\n")
            if line == "quit":
                break
            if line == "go" and not character_mode:
                character_mode = True
                writer.iac(WILL, SGA)
                writer.iac(WILL, ECHO)
            writer.write("char> " if character_mode else "line> ")
            line = ""
            continue
        previous = ch
        line += ch
        if character_mode:
            writer.write(ch)
    writer.close()
