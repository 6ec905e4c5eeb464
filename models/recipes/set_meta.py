#!/usr/bin/env python3
"""Set string metadata entries of a .hark model.

  set_meta.py MODEL KEY=VALUE...
  set_meta.py MODEL --paths DIR=NAME...

The second form makes the model's record of where it was trained portable: in every metadata
value (the trainer's "provenance" and "base_provenance" name the corpora by the paths they were
given), each DIR, a folder of the building machine such as the data folder or the recipe's cache,
becomes NAME (e.g. $HARK_DATA), so a shipped model names no folder of the machine that built it.
The recipes run it on every model they write.

The first form writes entries the trainer does not, e.g. for the digits recipe: "phrases" (the closed
vocabulary of 'hark transcribe --closed', a JSON array of strings; the trainer stores the training
transcripts only when there are at most 256 distinct ones, and joined digit strings are thousands)
and "grammar_reject" (the rejection threshold of grammar decoding, calibrated on a dev set by
bench/grammar/calibrate.py). The .hark file is safetensors: an 8-byte little-endian header length,
the JSON header (with a "__metadata__" map of strings), then the tensor bytes at offsets relative
to their start, so only the header is rewritten. The file is replaced atomically.
"""
import json
import os
import re
import struct
import sys


def relative(value, dirs):
    """value with each folder of dirs (DIR, NAME pairs) written as its NAME; a folder is replaced
    only where its path ends or goes on ('/', ':' of a split, or the end of the value or of a JSON
    string or list item: a newline, '"', '\\' or ','), never inside a longer name."""
    for d, name in dirs:
        value = re.sub(re.escape(d.rstrip("/")) + r'(?=[/:\n"\\,]|\Z)', lambda _: name, value)
    return value


def main():
    usage = "usage: set_meta.py MODEL KEY=VALUE... | set_meta.py MODEL --paths DIR=NAME..."
    paths = len(sys.argv) > 2 and sys.argv[2] == "--paths"
    pairs = sys.argv[3:] if paths else sys.argv[2:]
    if len(sys.argv) < 3 or not pairs or any("=" not in a for a in pairs):
        sys.exit(usage)
    path = sys.argv[1]
    with open(path, "rb") as f:
        blob = f.read()
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + n].decode("utf-8"))
    meta = header["__metadata__"]
    if paths:
        dirs = [kv.split("=", 1) for kv in pairs]
        if any(not d.strip("/") for d, _ in dirs):
            sys.exit("set_meta.py: --paths needs folders other than /")
        for key in meta:
            meta[key] = relative(meta[key], dirs)
    else:
        for kv in pairs:
            key, value = kv.split("=", 1)
            meta[key] = value
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
