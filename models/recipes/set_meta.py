#!/usr/bin/env python3
"""Set string metadata entries of a .hark model.

  set_meta.py MODEL KEY=VALUE...

Used by the digits recipe for two entries the trainer does not write: "phrases" (the closed
vocabulary of 'hark transcribe --closed', a JSON array of strings; the trainer stores the training
transcripts only when there are at most 256 distinct ones, and joined digit strings are thousands)
and "grammar_reject" (the rejection threshold of grammar decoding, calibrated on a dev set by
bench/grammar/calibrate.py). The .hark file is safetensors: an 8-byte little-endian header length,
the JSON header (with a "__metadata__" map of strings), then the tensor bytes at offsets relative
to their start, so only the header is rewritten. The file is replaced atomically.
"""
import json
import os
import struct
import sys


def main():
    if len(sys.argv) < 3 or any("=" not in a for a in sys.argv[2:]):
        sys.exit("usage: set_meta.py MODEL KEY=VALUE...")
    path = sys.argv[1]
    with open(path, "rb") as f:
        blob = f.read()
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + n].decode("utf-8"))
    for kv in sys.argv[2:]:
        key, value = kv.split("=", 1)
        header["__metadata__"][key] = value
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
