#!/usr/bin/env python3
"""Set the closed vocabulary ("phrases" metadata, a JSON array of strings) of a .hark model.

  set_phrases.py MODEL PHRASE...

The trainer stores the training transcripts as phrases only when there are at most 256 distinct
ones; a model trained on joined digit strings has thousands, so the digits recipe writes the
ten digit words back for 'hark transcribe --closed'. The .hark file is safetensors: an 8-byte
little-endian header length, the JSON header, then the tensor bytes (offsets relative to them),
so only the header is rewritten. The file is replaced atomically.
"""
import json
import os
import struct
import sys


def main():
    if len(sys.argv) < 3:
        sys.exit("usage: set_phrases.py MODEL PHRASE...")
    path = sys.argv[1]
    with open(path, "rb") as f:
        blob = f.read()
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + n].decode("utf-8"))
    header["__metadata__"]["phrases"] = json.dumps(sys.argv[2:], separators=(",", ":"))
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + blob[8 + n:])
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


if __name__ == "__main__":
    main()
