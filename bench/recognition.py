#!/usr/bin/python3
"""Recognition benchmark: hark against PocketSphinx on the same recordings, in the same run.

The peer is Debian's PocketSphinx 0.8 (pocketsphinx_batch) with its US English acoustic model and
a JSGF grammar holding exactly the test vocabulary, i.e. the peer is told the closed set of words,
as hark's model is by its training. PocketSphinx's model is 16 kHz, so 8 kHz FSDD audio is
upsampled for it with sox (it cannot use the missing upper band, which the table notes).

    bench/recognition.py [--build build] [--digits-model models/digits.hark]
                         [--commands-model models/commands.hark] [--repeats 3]

Prints a markdown table: utterance accuracy and real-time factor (median of the repeats) for both.
"""
import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import json

import peer_sphinx

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
SHARED = os.path.join(os.path.dirname(REPO), "shared", "data")
DIGITS = "zero one two three four five six seven eight nine".split()


def fsdd_test():
    d = os.path.join(SHARED, "fsdd")
    out = []
    for f in sorted(os.listdir(d)):
        m = re.match(r"(\d)_(\w+)_(\d+)\.wav$", f)
        if m and int(m.group(3)) < 5:
            out.append((os.path.join(d, f), DIGITS[int(m.group(1))]))
    return out


def commands_test():
    d = os.path.join(SHARED, "speech_commands")
    out = []
    with open(os.path.join(d, "testing_list.txt")) as fh:
        for line in fh:
            rel = line.strip()
            if not rel or rel.startswith("_silence_"):
                continue
            out.append((os.path.join(d, rel), rel.split("/")[0]))
    return out


def duration(files):
    total = 0.0
    for path, _ in files:
        info = subprocess.run(["soxi", "-D", path], capture_output=True, text=True, check=True)
        total += float(info.stdout)
    return total


def run_pocketsphinx(files, words, tmp):
    peer_sphinx.words_jsgf(words, os.path.join(tmp, "g.gram"))
    t0 = time.perf_counter()
    hyps, _, _ = peer_sphinx.decode([p for p, _ in files], tmp, ("-jsgf", os.path.join(tmp, "g.gram")))
    elapsed = time.perf_counter() - t0
    correct = sum(1 for h, (_, ref) in zip(hyps, files) if h == ref)
    return correct / len(files), elapsed


def run_hark(files, model, build, tmp, closed=False):
    manifest = os.path.join(tmp, "manifest.tsv")
    with open(manifest, "w") as fh:
        for path, ref in files:
            fh.write("%s\t%s\n" % (path, ref))
    t0 = time.perf_counter()
    cmd = [os.path.join(build, "hark"), "eval", "-m", model, manifest, "--json"]
    if closed:
        cmd.append("--closed")  # the model's own phrases: a closed vocabulary like the peer's grammar
    r = subprocess.run(cmd, check=True, capture_output=True, text=True)
    elapsed = time.perf_counter() - t0
    res = json.loads(r.stdout)
    return res["utt_acc"], elapsed


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default=os.path.join(REPO, "build"))
    ap.add_argument("--digits-model", default=os.path.join(REPO, "models", "digits.hark"))
    ap.add_argument("--commands-model", default=os.path.join(REPO, "models", "commands.hark"))
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    if not shutil.which("pocketsphinx_batch"):
        sys.exit("bench/recognition: install the peer first: apt-get install pocketsphinx pocketsphinx-en-us sox")
    env_threads = os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    sets = [("FSDD test (8 kHz)", fsdd_test(), args.digits_model),
            ("Speech Commands test, 35 words (16 kHz)", commands_test(), args.commands_model)]
    print("| corpus | files | audio s | hark acc (open) | hark acc (closed) | PocketSphinx acc (grammar) "
          "| hark RTF | PocketSphinx RTF | speed ratio |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name, files, model in sets:
        if not os.path.exists(model):
            print("| %s | model %s missing | | | | | | | |" % (name, os.path.relpath(model, REPO)))
            continue
        audio = duration(files)
        words = [w for _, w in files]
        h_times, p_times = [], []
        with tempfile.TemporaryDirectory() as tmp:
            for _ in range(args.repeats):
                h_acc, ht = run_hark(files, model, args.build, tmp)
                p_acc, pt = run_pocketsphinx(files, words, tmp)
                h_times.append(ht)
                p_times.append(pt)
            c_acc, _ = run_hark(files, model, args.build, tmp, closed=True)
        h, p = statistics.median(h_times), statistics.median(p_times)
        print("| %s | %d | %.0f | %.1f%% | %.1f%% | %.1f%% | %.4f | %.4f | %.1fx |" % (
            name, len(files), audio, 100 * h_acc, 100 * c_acc, 100 * p_acc, h / audio, p / audio, p / h))
    print("\nRTF = processing seconds / audio seconds of the open-vocabulary hark run and of the peer, "
          "median of %d runs (whole command, incl. model loading), OPENBLAS_NUM_THREADS=%s; "
          "PocketSphinx time excludes the sox conversion (bench/peer_sphinx.py, kept between repeats)." % (
              args.repeats, env_threads))


if __name__ == "__main__":
    main()
