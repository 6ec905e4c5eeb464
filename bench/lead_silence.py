#!/usr/bin/python3
"""bench/lead_silence.py - what silence before a word costs, and what decoding from the speech
span (hark transcribe/eval --speech-margin) gives back. Dev data only.

usage: bench/lead_silence.py [--hark PATH] [--model M]... [--data DIR] [--n 300] [--seed 1]

Takes --n Speech Commands validation words (real speakers; the default recipe's dev set) and
writes four versions of each: as recorded, and after 1.3 s of digital silence, of faint noise
(RMS 3 in 16-bit steps, a quiet room through a good microphone) and of steady noise (RMS 100, a
fan). Each is decoded under a grammar of the validation split's words with rejection off, with the whole file
(--speech-margin -1) and from the speech span (--speech-margin 250, the default). With
--wake, the wake-word corpus's "smart mirror" recordings (the default recipe's dev phrase) are
decoded the same two ways under the grammar of the corpus's five phrases. Prints a markdown
table of the share right.
"""
import argparse
import json
import os
import random
import subprocess
import sys
import tempfile

import torch
import torchaudio

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
LEAD = 1.3  # seconds, about the lead-in of the wake-word corpus's 3-second recordings
KINDS = [("as recorded", None), ("1.3 s digital silence", 0.0), ("1.3 s faint noise", 3.0),
         ("1.3 s steady noise", 100.0)]


def run(cmd):
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"lead_silence.py: {' '.join(cmd)} failed: {r.stderr.strip()}")
    return r.stdout


def accuracy(hark, model, manifest, phrases, margin):
    out = run([hark, "eval", "-m", model, "--phrases", phrases, "--reject", "-1",
               "--speech-margin", str(margin), "--json", manifest])
    return json.loads(out)["utt_acc"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--hark", default=os.path.join(REPO, "build", "hark"))
    ap.add_argument("--model", action="append", help="models (default: models/default.hark)")
    ap.add_argument("--data", default=os.path.join(REPO, "..", "shared", "data"))
    ap.add_argument("--n", type=int, default=300)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--wake", action="store_true", help="also the wake-word dev phrase")
    a = ap.parse_args()
    models = a.model or [os.path.join(REPO, "models", "default.hark")]
    rows = run([a.hark, "data", "--list", "--no-durations",
                os.path.join(a.data, "speech_commands") + ":validation"]).splitlines()
    rows = [r.split("\t")[:2] for r in rows if len(r.split("\t")) >= 2 and r.split("\t")[1]]
    words = sorted({t for _, t in rows})
    random.Random(a.seed).shuffle(rows)
    rows = rows[:a.n]
    tmp = tempfile.mkdtemp(prefix="hark-lead-")
    gen = torch.Generator().manual_seed(a.seed)
    with open(os.path.join(tmp, "words.txt"), "w") as f:
        f.write("\n".join(words) + "\n")
    sets = []
    for k, (name, rms) in enumerate(KINDS):
        d = os.path.join(tmp, str(k))
        os.makedirs(d)
        man = os.path.join(tmp, f"{k}.tsv")
        with open(man, "w") as f:
            for i, (path, text) in enumerate(rows):
                if rms is None:
                    f.write(f"{path}\t{text}\n")
                    continue
                x, sr = torchaudio.load(path)
                pad = torch.randn(1, int(LEAD * sr), generator=gen) * rms / 32768
                out = os.path.join(d, f"{i}.wav")
                torchaudio.save(out, torch.cat([pad, x[:1]], 1), sr, encoding="PCM_S",
                                bits_per_sample=16)
                f.write(f"{out}\t{text}\n")
        sets.append((f"Speech Commands validation, {name}", man, os.path.join(tmp, "words.txt")))
    if a.wake:
        wake = os.path.join(a.data, "wake_words")
        names = sorted(n for n in os.listdir(wake) if os.path.isdir(os.path.join(wake, n)))
        with open(os.path.join(tmp, "wake.txt"), "w") as f:
            f.write("\n".join(n.replace("_", " ") for n in names) + "\n")
        man = os.path.join(tmp, "wake.tsv")
        d = os.path.join(wake, "smart_mirror")
        with open(man, "w") as f:
            for n in sorted(os.listdir(d)):
                f.write(f"{os.path.join(d, n)}\tsmart mirror\n")
        sets.append(("\"smart mirror\" (wake-word corpus), 5 phrases", man,
                     os.path.join(tmp, "wake.txt")))
    print(f"{len(rows)} Speech Commands validation words (seed {a.seed}), grammar of "
          f"{len(words)} words, rejection off; share right\n")
    for model in models:
        print(f"model {model}\n")
        print("| set | whole file | speech span (250 ms margin) |")
        print("|---|---|---|")
        for name, man, ph in sets:
            whole = accuracy(a.hark, model, man, ph, -1)
            span = accuracy(a.hark, model, man, ph, 250)
            print(f"| {name} | {100 * whole:.1f}% | {100 * span:.1f}% |")
        print()
    subprocess.run(["rm", "-rf", tmp])


if __name__ == "__main__":
    main()
