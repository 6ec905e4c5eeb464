#!/usr/bin/python3
"""Join one speaker's single-word recordings into utterances of several words.

  join.py MANIFEST OUTDIR --n N [--words 2:4] [--gap 0.1:0.4] [--seed S] [--prefix P]

MANIFEST holds path<TAB>transcript<TAB>speaker lines (absolute paths, as `hark data --list`
writes them). Each utterance takes one speaker at random (in proportion to their recordings),
2-4 of their recordings with different transcripts where they have them, and joins them with sox
with 0.1-0.4 s of silence between them. OUTDIR receives wav/PREFIXNNNNNN.wav and manifest.tsv
(path relative to OUTDIR, the transcripts joined by spaces, the speaker).

Why: every real corpus here but LJSpeech (one speaker) is one word per recording, so a network
learns that real recordings hold one word: it hears the first word of a sequence and little
after it. Joined recordings show it real voices saying several words in a row.
"""
import argparse
import os
import random
import subprocess
import sys
from collections import defaultdict


def span(s):
    lo, hi = (float(v) for v in s.split(":"))
    if not 0 <= lo <= hi:
        raise argparse.ArgumentTypeError(f"expected MIN:MAX with 0 <= MIN <= MAX, got {s}")
    return lo, hi


def rate_of(path):
    r = subprocess.run(["soxi", "-r", path], capture_output=True, text=True, check=True)
    return int(r.stdout.strip())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("manifest")
    ap.add_argument("outdir")
    ap.add_argument("--n", type=int, required=True)
    ap.add_argument("--words", type=span, default=(2, 4))
    ap.add_argument("--gap", type=span, default=(0.1, 0.4))
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--prefix", default="join")
    a = ap.parse_args()
    by_speaker = defaultdict(list)
    for line in open(a.manifest, encoding="utf-8"):
        f = line.rstrip("\n").split("\t")
        if len(f) >= 3 and f[1] and f[2]:
            by_speaker[f[2]].append((f[0], f[1]))
    speakers = sorted(s for s, v in by_speaker.items() if len(v) >= 2)
    if not speakers:
        sys.exit(f"join.py: no speaker of {a.manifest} has two recordings")
    weights = [len(by_speaker[s]) for s in speakers]
    rng = random.Random(a.seed)
    os.makedirs(os.path.join(a.outdir, "wav"), exist_ok=True)
    rates = {}
    lines = []
    for i in range(a.n):
        spk = rng.choices(speakers, weights)[0]
        clips = by_speaker[spk][:]
        rng.shuffle(clips)
        k = rng.randint(int(a.words[0]), int(a.words[1]))
        chosen, seen = [], set()
        for path, text in clips:  # different words first, then repeats if the speaker has few
            if text not in seen:
                chosen.append((path, text))
                seen.add(text)
        chosen += [c for c in clips if c not in chosen]
        chosen = chosen[:k]
        # One speaker's recordings share a rate; the gaps are made at it.
        rate = rates.setdefault(spk, rate_of(chosen[0][0]))
        files = []
        for j, (path, _) in enumerate(chosen):
            if j:
                files.append(gap_file(a.outdir, rate, round(rng.uniform(*a.gap), 3)))
            files.append(path)
        name = f"wav/{a.prefix}{i:06d}.wav"
        subprocess.run(["sox", "-D", *files, "-c", "1", "-b", "16", os.path.join(a.outdir, name)],
                       check=True)
        lines.append(f"{name}\t{' '.join(t for _, t in chosen)}\t{spk}\n")
    with open(os.path.join(a.outdir, "manifest.tsv.part"), "w", encoding="utf-8") as f:
        f.writelines(lines)
    os.replace(os.path.join(a.outdir, "manifest.tsv.part"), os.path.join(a.outdir, "manifest.tsv"))


def gap_file(outdir, rate, seconds):
    path = os.path.join(outdir, "gaps", f"{rate}_{int(round(seconds * 1000))}.wav")
    if not os.path.exists(path):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        subprocess.run(["sox", "-n", "-r", str(rate), "-c", "1", "-b", "16", path, "trim", "0",
                        str(seconds)], check=True)
    return path


if __name__ == "__main__":
    main()
