#!/usr/bin/python3
"""Calibrate the grammar rejection threshold of a model on dev data (never the test split).

  calibrate.py HARK MODEL GRAMMAR SETS [--target 0.01] [--write]

Decodes, under GRAMMAR with rejection off, the in-grammar dev recordings SETS/iso_dev.tsv and
SETS/digits_dev/manifest.tsv (FSDD training takes 45-49, which the digits recipe holds out) and
the out-of-grammar SETS/reject_dev.tsv (Speech Commands validation words that are not digits),
and picks the smallest threshold on the per-speech-frame gap that wrongly rejects at most
--target of the in-grammar dev recordings. Prints the threshold and the dev rates it gives;
--write stores it in the model's "grammar_reject" metadata.
"""
import argparse
import json
import math
import os
import subprocess
import sys


def gaps(hark, model, grammar, manifest):
    paths = [l.split("\t")[0] for l in open(manifest) if l.strip()]
    out = []
    for i in range(0, len(paths), 200):
        r = subprocess.run([hark, "transcribe", "-m", model, "--intents", grammar, "--reject", "-1",
                            "-f", "json"] + paths[i:i + 200], capture_output=True, text=True,
                           check=True)
        for line in r.stdout.splitlines():
            o = json.loads(line)
            out.append(None if o["intent"] is None else o["intent"]["gap"])
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("hark")
    ap.add_argument("model")
    ap.add_argument("grammar")
    ap.add_argument("sets")
    ap.add_argument("--target", type=float, default=0.01)
    ap.add_argument("--write", action="store_true")
    a = ap.parse_args()
    inside = gaps(a.hark, a.model, a.grammar, os.path.join(a.sets, "iso_dev.tsv"))
    inside += gaps(a.hark, a.model, a.grammar, os.path.join(a.sets, "digits_dev", "manifest.tsv"))
    outside = gaps(a.hark, a.model, a.grammar, os.path.join(a.sets, "reject_dev.tsv"))
    heard = sorted(g for g in inside if g is not None)
    k = max(0, math.ceil((1 - a.target) * len(inside)) - 1 - (len(inside) - len(heard)))
    thr = round(heard[min(k, len(heard) - 1)] + 1e-4, 4)
    false_rej = sum(1 for g in inside if g is None or g > thr) / len(inside)
    rejected = sum(1 for g in outside if g is None or g > thr) / len(outside)
    print(f"threshold {thr}  dev: in-grammar wrongly rejected {100 * false_rej:.1f}% of "
          f"{len(inside)}, out-of-grammar rejected {100 * rejected:.1f}% of {len(outside)}")
    if a.write:
        here = os.path.dirname(os.path.abspath(__file__))
        subprocess.run([sys.executable, os.path.join(here, "..", "..", "models", "recipes",
                                                     "set_meta.py"), a.model,
                        f"grammar_reject={thr}"], check=True)


if __name__ == "__main__":
    main()
