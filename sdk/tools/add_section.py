#!/usr/bin/env python3
"""Appends an `ember.udf` custom section (the signatures of
docs/wasm-udf-abi.md) to a WebAssembly module, for toolchains that cannot
emit one themselves (Go, AssemblyScript).

    add_section.py in.wasm signatures.txt out.wasm

A custom section may come anywhere after the header, so appending one to
the end of a valid module keeps it valid."""
import sys


def leb128(n: int) -> bytes:
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def main() -> None:
    src, sig, dst = sys.argv[1:4]
    module = open(src, "rb").read()
    if module[:4] != b"\0asm":
        sys.exit(f"{src}: not a WebAssembly module")
    text = open(sig, "rb").read()
    name = b"ember.udf"
    payload = leb128(len(name)) + name + text
    with open(dst, "wb") as f:
        f.write(module + b"\x00" + leb128(len(payload)) + payload)


if __name__ == "__main__":
    main()
