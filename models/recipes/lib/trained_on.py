#!/usr/bin/env python3
"""Whether a model's history trained on a manifest.

  trained_on.py MODEL TEXT

Exits 0 when a training source of the model, or of any model it was fine-tuned from, contains
TEXT (e.g. "corpora/wake_train"), 1 when none does, 2 on a bad call or a file that is not a
.hark model. The trainer records its sources in the metadata entry "provenance" (a JSON object
whose "train" is one source per line); `hark train --init` keeps the base model's record in
"base_provenance", and that record's "base" holds the record of the model before it, and so on.
A resumed run records only its last resume's sources.

A recipe asks this before it counts recordings as speech the model never heard: a dev set of
"unheard" real speech is only that if no step of the model's history trained on it.
"""
import json
import struct
import sys


def sources(record):
    """Every training source named by a provenance record and the records nested in it."""
    while isinstance(record, dict):
        yield from str(record.get("train", "")).splitlines()
        record = record.get("base")


def main():
    if len(sys.argv) != 3 or not sys.argv[2]:
        print("usage: trained_on.py MODEL TEXT", file=sys.stderr)
        sys.exit(2)
    try:
        with open(sys.argv[1], "rb") as f:
            (n,) = struct.unpack("<Q", f.read(8))
            if n > 1 << 28:
                raise ValueError(f"a header of {n} bytes")
            meta = json.loads(f.read(n).decode("utf-8"))["__metadata__"]
        records = [json.loads(meta[k]) for k in ("provenance", "base_provenance") if k in meta]
    except (OSError, ValueError, KeyError, struct.error) as e:
        print(f"trained_on.py: {sys.argv[1]}: not a .hark model ({e})", file=sys.stderr)
        sys.exit(2)
    sys.exit(0 if any(sys.argv[2] in s for r in records for s in sources(r)) else 1)


if __name__ == "__main__":
    main()
