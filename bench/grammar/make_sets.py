#!/usr/bin/python3
"""Build the grammar benchmark sets from the shared data, reproducibly (seeded).

  make_sets.py DATA OUT [--seed N]

DATA is the shared data folder (fsdd/, speech_commands/); OUT receives:
  digits_test/     300 sequences of 3-6 digits joined from FSDD test-split recordings (takes 0-4)
                   of one speaker each, 100-400 ms of silence between digits; manifest.tsv
  digits_dev/      the same from takes 45-49 of the training split (held out of the retrained
                   digits model), for calibrating the rejection threshold
  digits_train/    joined sequences (2-6 digits) from takes 5-44, for training the digits model
                   (--train-seqs N, default 1500; --only-train makes just the training sets)
  iso_dev.tsv      FSDD takes 45-49, isolated digits (calibration: must be accepted)
  iso_train.tsv    FSDD takes 5-44, isolated digits (training)
  iso_test.tsv     FSDD takes 0-4 (the test split), isolated digits (must be accepted)
  reject_test.tsv  Speech Commands test-split clips of words other than digits
  reject_dev.tsv   the same from the validation split (calibration)
  silence_test.tsv Speech Commands test-split _silence_ clips (must give no intent)
  silence_dev.tsv  the same from the validation split (calibration of the noise floor)
Manifests are path<TAB>transcript[<TAB>speaker] with absolute paths.
"""
import argparse
import os
import random
import wave

import numpy as np

DIGITS = "zero one two three four five six seven eight nine".split()
SPEAKERS = ["george", "jackson", "nicolas", "theo", "yweweler"]
RATE = 8000


def read_wav(path):
    with wave.open(path, "rb") as w:
        assert w.getframerate() == RATE and w.getsampwidth() == 2 and w.getnchannels() == 1
        return np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16)


def write_wav(path, x):
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(x.astype(np.int16).tobytes())


def joined(fsdd, out, n, takes, lo, hi, rng, prefix):
    os.makedirs(out, exist_ok=True)
    rows = []
    for i in range(n):
        spk = rng.choice(SPEAKERS)
        k = rng.randint(lo, hi)
        digits = [rng.randrange(10) for _ in range(k)]
        parts = [np.zeros(int(RATE * rng.uniform(0.1, 0.3)), np.int16)]
        for j, d in enumerate(digits):
            parts.append(read_wav(os.path.join(fsdd, f"{d}_{spk}_{rng.choice(takes)}.wav")))
            gap = rng.uniform(0.1, 0.4) if j + 1 < k else rng.uniform(0.1, 0.3)
            parts.append(np.zeros(int(RATE * gap), np.int16))
        path = os.path.join(out, f"{prefix}{i:04d}.wav")
        write_wav(path, np.concatenate(parts))
        rows.append((path, " ".join(DIGITS[d] for d in digits), spk))
    write_manifest(os.path.join(out, "manifest.tsv"), rows)


def isolated(fsdd, path, takes):
    rows = [(os.path.join(fsdd, f"{d}_{s}_{t}.wav"), DIGITS[d], s)
            for s in SPEAKERS for d in range(10) for t in takes]
    write_manifest(path, rows)


def commands(sc, listname, path, want):
    with open(os.path.join(sc, listname)) as f:
        rel = [l.strip() for l in f if l.strip()]
    rows = []
    for r in rel:
        word = r.split("/")[0]
        if want(word):
            spk = os.path.basename(r).split("_")[0]
            rows.append((os.path.join(sc, r), "" if word == "_silence_" else word, spk))
    write_manifest(path, rows)


def write_manifest(path, rows):
    with open(path, "w") as f:
        for r in rows:
            f.write("\t".join(r) + "\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("data")
    ap.add_argument("out")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--train-seqs", type=int, default=1500)
    ap.add_argument("--only-train", action="store_true",
                    help="only the training and dev sets (no test set: what the digits recipe uses)")
    a = ap.parse_args()
    fsdd = os.path.join(a.data, "fsdd")
    sc = os.path.join(a.data, "speech_commands")
    os.makedirs(a.out, exist_ok=True)
    test_takes, dev_takes, train_takes = range(0, 5), range(45, 50), range(5, 45)
    joined(fsdd, os.path.join(a.out, "digits_dev"), 200, list(dev_takes), 3, 6,
           random.Random(a.seed + 1000), "dev")
    joined(fsdd, os.path.join(a.out, "digits_train"), a.train_seqs, list(train_takes), 2, 6,
           random.Random(a.seed + 2000), "train")
    isolated(fsdd, os.path.join(a.out, "iso_train.tsv"), train_takes)
    isolated(fsdd, os.path.join(a.out, "iso_dev.tsv"), dev_takes)
    other = lambda w: w not in DIGITS and w != "_silence_"
    commands(sc, "validation_list.txt", os.path.join(a.out, "reject_dev.tsv"), other)
    commands(sc, "validation_list.txt", os.path.join(a.out, "silence_dev.tsv"),
             lambda w: w == "_silence_")
    if a.only_train:
        return
    joined(fsdd, os.path.join(a.out, "digits_test"), 300, list(test_takes), 3, 6,
           random.Random(a.seed), "test")
    isolated(fsdd, os.path.join(a.out, "iso_test.tsv"), test_takes)
    commands(sc, "testing_list.txt", os.path.join(a.out, "reject_test.tsv"), other)
    commands(sc, "testing_list.txt", os.path.join(a.out, "silence_test.tsv"),
             lambda w: w == "_silence_")


if __name__ == "__main__":
    main()
