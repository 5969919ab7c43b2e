"""A telnetlib3-server shell that shows, for each line, the characters it decoded.

    PYTHONPATH=tests/peers telnetlib3-server --encoding cp437 --force-binary \
        --shell=tl3_encoding_shell.shell 127.0.0.1 PORT

Each line comes back as `echo: <line> [<code points in hex>]`, so a test sees both what the
server decoded and that it encodes it back the same; `quit` leaves.
"""


async def shell(reader, writer):
    writer.write(f"charset={writer.get_extra_info('charset')}\r\n> ")
    line = ""
    while True:
        ch = await reader.read(1)
        if not ch:
            break
        if ch in "\r\n":
            if line == "quit":
                writer.write("bye\r\n")
                break
            if line:
                points = " ".join(f"{ord(c):04X}" for c in line)
                writer.write(f"echo: {line} [{points}]\r\n> ")
            line = ""
            continue
        line += ch
    writer.close()
