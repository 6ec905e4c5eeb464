#!/usr/bin/python3
"""Corrupt the text column of an intent TSV the way a noisy recogniser or typist would: each
character, with probability --rate, is replaced by a random letter, deleted, doubled with a
random letter, or swapped with the next one. Seeded, so the corrupted set is reproducible.

usage: bench/nlu_corrupt.py [--rate 0.10] [--seed 1] FILE.tsv > NOISY.tsv
"""
import argparse
import random
import string
import sys


def corrupt(text, rate, rng):
    out = []
    chars = list(text)
    i = 0
    while i < len(chars):
        c = chars[i]
        if rng.random() >= rate:
            out.append(c)
            i += 1
            continue
        op = rng.random()
        letter = rng.choice(string.ascii_lowercase)
        if op < 0.4:
            out.append(letter)            # substitution
        elif op < 0.65:
            pass                          # deletion
        elif op < 0.85:
            out.append(c)
            out.append(letter)            # insertion
        elif i + 1 < len(chars):
            out.append(chars[i + 1])      # transposition
            out.append(c)
            i += 1
        else:
            out.append(letter)
        i += 1
    return "".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("tsv")
    ap.add_argument("--rate", type=float, default=0.10, help="fraction of characters corrupted")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    n = changed = 0
    with open(args.tsv, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                print(line)
                continue
            text, rest = line.split("\t", 1)
            noisy = corrupt(text, args.rate, rng)
            n += len(text)
            changed += sum(1 for a, b in zip(text, noisy) if a != b) + abs(len(text) - len(noisy))
            print(f"{noisy}\t{rest}")
    print(f"# corrupted {changed} of {n} characters (rate {args.rate}, seed {args.seed})",
          file=sys.stderr)


if __name__ == "__main__":
    main()
