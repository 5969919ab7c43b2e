"""A telnetlib3-server shell that reports what it learned about the client, then echoes lines.

    PYTHONPATH=tests/peers telnetlib3-server --shell=tl3_report_shell.shell 127.0.0.1 PORT
"""


async def shell(reader, writer):
    info = writer.get_extra_info
    writer.write(f"TERM={info('TERM')} cols={info('cols')} rows={info('rows')} USER={info('USER')}\r\n")
    writer.write("> ")
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
                writer.write(f"echo: {line}\r\n> ")
            line = ""
            continue
        line += ch
    writer.close()
