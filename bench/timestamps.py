#!/usr/bin/python3
"""Word-time accuracy on joined recordings whose boundaries are known.

  bench/timestamps.py [--hark BIN] [--model MODEL] [--intents FILE] [--n N] [--seed S]
                      [--data DIR] [--tol SECONDS] [--keep DIR]

Builds N files of 3-6 FSDD test-split digits (takes 0-4) of one speaker each, joined with
100-400 ms of silence (as bench/grammar/make_sets.py does), remembers where each recording was
put, decodes them with `hark transcribe --format json` (under the digit grammar by default) and
counts the word boundaries (each word's start and end) that lie within --tol seconds (default
0.1) of the truth. The truth is the recording's span in the joined file: FSDD recordings are
trimmed to the spoken digit, so a recording's first and last samples are the word's edges.
Files whose decoded words do not match the digits one-to-one are reported and left out of the
boundary count (their words have no truth to compare with).
"""
import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import wave

import numpy as np

DIGITS = "zero one two three four five six seven eight nine".split()
SPEAKERS = ["george", "jackson", "lucas", "nicolas", "theo", "yweweler"]
RATE = 8000


def read_wav(path):
    with wave.open(path, "rb") as w:
        assert w.getframerate() == RATE and w.getsampwidth() == 2 and w.getnchannels() == 1, path
        return np.frombuffer(w.readframes(w.getnframes()), np.int16)


def write_wav(path, x):
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(x.astype(np.int16).tobytes())


def build(fsdd, out, n, rng):
    speakers = [s for s in SPEAKERS if os.path.exists(os.path.join(fsdd, f"0_{s}_0.wav"))]
    files = []
    for i in range(n):
        spk = rng.choice(speakers)
        digits = [rng.randrange(10) for _ in range(rng.randint(3, 6))]
        parts = [np.zeros(int(RATE * rng.uniform(0.1, 0.3)), np.int16)]
        pos = len(parts[0])
        spans = []
        for j, d in enumerate(digits):
            x = read_wav(os.path.join(fsdd, f"{d}_{spk}_{rng.randrange(5)}.wav"))
            spans.append((pos / RATE, (pos + len(x)) / RATE))
            parts.append(x)
            pos += len(x)
            gap = np.zeros(int(RATE * (rng.uniform(0.1, 0.4) if j + 1 < len(digits)
                                       else rng.uniform(0.1, 0.3))), np.int16)
            parts.append(gap)
            pos += len(gap)
        path = os.path.join(out, f"ts{i:04d}.wav")
        write_wav(path, np.concatenate(parts))
        files.append((path, [DIGITS[d] for d in digits], spans))
    return files


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    repo = os.path.dirname(here)
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--hark", default=os.path.join(repo, "build", "hark"))
    ap.add_argument("--model", default=os.path.join(repo, "models", "digits.hark"))
    ap.add_argument("--intents", default=os.path.join(here, "grammar", "digits.ini"),
                    help="grammar to decode under; 'none' for greedy decoding")
    ap.add_argument("--data", default=os.path.join(repo, "..", "shared", "data"))
    ap.add_argument("--n", type=int, default=100)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--tol", type=float, default=0.1)
    ap.add_argument("--keep", help="write the files here and keep them")
    a = ap.parse_args()

    out = a.keep or tempfile.mkdtemp(prefix="hark_ts.")
    os.makedirs(out, exist_ok=True)
    files = build(os.path.join(a.data, "fsdd"), out, a.n, random.Random(a.seed))
    cmd = [a.hark, "transcribe", "-m", a.model, "--format", "json"]
    if a.intents != "none":
        cmd += ["--intents", a.intents]
    res = subprocess.run(cmd + [f[0] for f in files], capture_output=True, text=True)
    if res.returncode != 0:
        sys.exit(f"timestamps.py: hark failed: {res.stderr.strip()}")
    got = {}
    for line in res.stdout.splitlines():
        if line.strip():
            o = json.loads(line)
            got[o["file"]] = o

    within = total = matched = 0
    errors = []
    for path, words, spans in files:
        hyp = got.get(path, {}).get("words", [])
        if [w["word"] for w in hyp] != words:
            continue
        matched += 1
        for w, (s, e) in zip(hyp, spans):
            for t, truth in ((w["start"], s), (w["end"], e)):
                total += 1
                errors.append(abs(t - truth))
                within += abs(t - truth) <= a.tol
    if not a.keep:
        for f in files:
            os.remove(f[0])
        os.rmdir(out)
    if total == 0:
        sys.exit("timestamps.py: no file decoded to its digits; nothing to compare")
    errors.sort()
    print(f"| files decoded word for word | {matched} of {len(files)} |")
    print(f"| word boundaries within {a.tol * 1000:.0f} ms | {within} of {total} "
          f"({100.0 * within / total:.1f}%) |")
    print(f"| boundary error, median / 90th percentile | {1000 * errors[len(errors) // 2]:.0f} / "
          f"{1000 * errors[int(len(errors) * 0.9)]:.0f} ms |")


if __name__ == "__main__":
    main()
