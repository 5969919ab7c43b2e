"""Prints telnetlib3's retro codecs' decoding of all 256 bytes, one line per byte:

    <codec> <byte hex> <code points in hex, space-separated, or - when strict decoding fails>

Run once with the peers venv's Python to (re)make telnetlib3-retro.txt beside it:

    target/peers-venv/bin/python tests/vectors/telnetlib3_retro_tables.py \
        > tests/vectors/telnetlib3-retro.txt

tests/retro_codecs.rs compares ironboa's codecs with this file.
"""

import codecs

import telnetlib3  # noqa: F401  (registers atascii, petscii, atarist)

print(f"# telnetlib3 {telnetlib3.__version__}")
for name in ("atascii", "petscii", "atarist"):
    codecs.lookup(name)
    for byte in range(256):
        try:
            text = bytes([byte]).decode(name)
            points = " ".join(f"{ord(c):04X}" for c in text) or "(empty)"
        except UnicodeDecodeError:
            points = "-"
        print(f"{name} {byte:02X} {points}")
