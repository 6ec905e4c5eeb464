#!/usr/bin/python3
"""Word-time accuracy on joined recordings whose boundaries are known.

  bench/timestamps.py [--hark BIN] [--model MODEL] [--corpus fsdd|sc]
                      [--decoder grammar|greedy|beam] [--intents FILE] [--n N] [--seed S]
                      [--data DIR] [--tol SECONDS] [--keep DIR]

Builds N files of 3-6 digits with known word spans, decodes them with
`hark transcribe --format json` and counts the word boundaries (each word's start and end) that
lie within --tol seconds (default 0.1) of the truth. Two independent sets (--corpus):

  fsdd  FSDD test-split recordings (takes 0-4) of one speaker each, joined with 100-400 ms of
        digital silence (as bench/grammar/make_sets.py does). FSDD recordings are trimmed to the
        spoken digit, so a recording's first and last samples are the word's edges.
  sc    Speech Commands digit clips held out of training (testing_list.txt and
        validation_list.txt: the digits model trains on the rest), many speakers, 16 kHz, with
        their own background noise kept around the word: each clip is cut to its word's span
        plus 100-300 ms of the clip's own audio on each side (as far as the clip allows), and the
        cuts are joined over one background noise (a held-out _silence_ clip, looped, as loud as
        the loudest clip's own noise; --no-bed: none, so the noise steps at each join). The
        word's span in a clip comes from an independent recogniser: a
        PocketSphinx forced alignment (pocketsphinx_continuous -jsgf with the one word, -time yes,
        en-us acoustic model); skipped when PocketSphinx is not installed.

--decoder: grammar (default: under --intents, the digit-string grammar), greedy, or beam
(`--beam 16`, free spelling). Files whose decoded words do not match the digits one-to-one are
reported and left out of the boundary count (their words have no truth to compare with).
"""
import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import wave

import numpy as np

DIGITS = "zero one two three four five six seven eight nine".split()
SPEAKERS = ["george", "jackson", "lucas", "nicolas", "theo", "yweweler"]
FSDD_RATE = 8000
SC_RATE = 16000


def read_wav(path, rate):
    with wave.open(path, "rb") as w:
        assert w.getframerate() == rate and w.getsampwidth() == 2 and w.getnchannels() == 1, path
        return np.frombuffer(w.readframes(w.getnframes()), np.int16)


def write_wav(path, x, rate):
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(x.astype(np.int16).tobytes())


def build_fsdd(data, out, n, rng):
    fsdd = os.path.join(data, "fsdd")
    speakers = [s for s in SPEAKERS if os.path.exists(os.path.join(fsdd, f"0_{s}_0.wav"))]
    files = []
    for i in range(n):
        spk = rng.choice(speakers)
        digits = [rng.randrange(10) for _ in range(rng.randint(3, 6))]
        parts = [np.zeros(int(FSDD_RATE * rng.uniform(0.1, 0.3)), np.int16)]
        pos = len(parts[0])
        spans = []
        for j, d in enumerate(digits):
            x = read_wav(os.path.join(fsdd, f"{d}_{spk}_{rng.randrange(5)}.wav"), FSDD_RATE)
            spans.append((pos / FSDD_RATE, (pos + len(x)) / FSDD_RATE))
            parts.append(x)
            pos += len(x)
            gap = np.zeros(int(FSDD_RATE * (rng.uniform(0.1, 0.4) if j + 1 < len(digits)
                                            else rng.uniform(0.1, 0.3))), np.int16)
            parts.append(gap)
            pos += len(gap)
        path = os.path.join(out, f"ts{i:04d}.wav")
        write_wav(path, np.concatenate(parts), FSDD_RATE)
        files.append((path, [DIGITS[d] for d in digits], spans))
    return files


def read_flac(path):
    raw = subprocess.run(["sox", path, "-t", "raw", "-r", str(SC_RATE), "-e", "signed", "-b", "16",
                          "-c", "1", "-"], capture_output=True, check=True).stdout
    return np.frombuffer(raw, np.int16)


def align_word(wav, word, tmp):
    """The word's (start, end) in seconds in wav, by PocketSphinx forced alignment, or None."""
    gram = os.path.join(tmp, "word.gram")
    with open(gram, "w") as f:
        f.write(f"#JSGF V1.0;\ngrammar w;\npublic <s> = {word};\n")
    res = subprocess.run(["pocketsphinx_continuous", "-infile", wav, "-jsgf", gram,
                          "-time", "yes"], capture_output=True, text=True)
    for line in res.stdout.splitlines():
        f = line.split()
        if len(f) == 4 and f[0] == word:
            return float(f[1]), float(f[2]) + 0.01  # the last 10 ms frame's start -> its end
    return None


def sc_clips(sc, tmp):
    """(samples, word, start, end) of every held-out digit clip that PocketSphinx aligns."""
    clips = []
    for listname in ("testing_list.txt", "validation_list.txt"):
        with open(os.path.join(sc, listname)) as f:
            rel = sorted(l.strip() for l in f if l.strip().split("/")[0] in DIGITS)
        for r in rel:
            word = r.split("/")[0]
            x = read_flac(os.path.join(sc, r))
            wav = os.path.join(tmp, "clip.wav")
            write_wav(wav, x, SC_RATE)
            span = align_word(wav, word, tmp)
            if span and span[1] > span[0]:
                clips.append((x, word, span[0], span[1]))
    return clips


def sc_backgrounds(sc):
    """The test split's _silence_ clips (background noise, no speech) as float arrays."""
    with open(os.path.join(sc, "testing_list.txt")) as f:
        rel = sorted(l.strip() for l in f if l.startswith("_silence_/"))
    return [read_flac(os.path.join(sc, r)).astype(np.float64) for r in rel]


def rms(x):
    return float(np.sqrt(np.mean(np.square(x.astype(np.float64))))) if len(x) else 0.0


def build_sc(data, out, n, rng, bed=True):
    if not shutil.which("pocketsphinx_continuous") or not shutil.which("sox"):
        sys.exit("timestamps.py: --corpus sc needs pocketsphinx_continuous and sox")
    sc = os.path.join(data, "speech_commands")
    clips = sc_clips(sc, out)
    if not clips:
        sys.exit("timestamps.py: no Speech Commands digit clip could be aligned")
    beds = [b for b in sc_backgrounds(sc) if rms(b) > 1.0] if bed else []
    files = []
    for i in range(n):
        parts, spans, words, pos, noise = [], [], [], 0, 1.0
        for _ in range(rng.randint(3, 6)):
            x, word, s, e = rng.choice(clips)
            a = max(0, int((s - rng.uniform(0.1, 0.3)) * SC_RATE))
            b = min(len(x), int((e + rng.uniform(0.1, 0.3)) * SC_RATE))
            spans.append((pos / SC_RATE + s - a / SC_RATE, pos / SC_RATE + e - a / SC_RATE))
            parts.append(x[a:b])
            words.append(word)
            pos += b - a
            noise = max(noise, rms(np.concatenate([x[:int(s * SC_RATE)], x[int(e * SC_RATE):]])))
        y = np.concatenate(parts).astype(np.float64)
        if beds:
            # Clips of different sessions joined make steps in the background noise at each
            # join, which one recording does not have: one background under the whole file at
            # the loudest clip's own noise level makes it one room again (steps of 3 dB at most).
            g = rng.choice(beds)
            g = np.tile(g, len(y) // len(g) + 1)[:len(y)]
            y += g * (noise / rms(g))
        path = os.path.join(out, f"sc{i:04d}.wav")
        write_wav(path, np.clip(np.round(y), -32768, 32767), SC_RATE)
        files.append((path, words, spans))
    return files


def pct(x, q):
    x = sorted(x)
    return x[min(len(x) - 1, int(len(x) * q))]


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    repo = os.path.dirname(here)
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--hark", default=os.path.join(repo, "build", "hark"))
    ap.add_argument("--model", default=os.path.join(repo, "models", "digits.hark"))
    ap.add_argument("--corpus", choices=("fsdd", "sc"), default="fsdd")
    ap.add_argument("--decoder", choices=("grammar", "greedy", "beam"), default="grammar")
    ap.add_argument("--intents", default=os.path.join(here, "grammar", "digits.ini"),
                    help="the grammar of --decoder grammar")
    ap.add_argument("--data", default=os.path.join(repo, "..", "shared", "data"))
    ap.add_argument("--n", type=int, default=100)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--tol", type=float, default=0.1)
    ap.add_argument("--no-bed", action="store_true",
                    help="sc: no common background under the joined clips")
    ap.add_argument("--keep", help="write the files (and truth.json) here and keep them")
    a = ap.parse_args()

    out = a.keep or tempfile.mkdtemp(prefix="hark_ts.")
    os.makedirs(out, exist_ok=True)
    if a.corpus == "fsdd":
        files = build_fsdd(a.data, out, a.n, random.Random(a.seed))
    else:
        files = build_sc(a.data, out, a.n, random.Random(a.seed), bed=not a.no_bed)
    if a.keep:
        with open(os.path.join(out, "truth.json"), "w") as f:
            json.dump([{"file": p, "words": w, "spans": s} for p, w, s in files], f)
    cmd = [a.hark, "transcribe", "-m", a.model, "--format", "json"]
    cmd += {"grammar": ["--intents", a.intents], "greedy": [], "beam": ["--beam", "16"]}[a.decoder]
    res = subprocess.run(cmd + [f[0] for f in files], capture_output=True, text=True)
    if res.returncode != 0:
        sys.exit(f"timestamps.py: hark failed: {res.stderr.strip()}")
    got = {}
    for line in res.stdout.splitlines():
        if line.strip():
            o = json.loads(line)
            got[o["file"]] = o

    matched = 0
    err = {"start": [], "end": []}  # signed: hark's time minus the truth
    for path, words, spans in files:
        hyp = got.get(path, {}).get("words", [])
        if [w["word"] for w in hyp] != words:
            continue
        matched += 1
        for w, (s, e) in zip(hyp, spans):
            err["start"].append(w["start"] - s)
            err["end"].append(w["end"] - e)
    if not a.keep:
        shutil.rmtree(out)
    both = [abs(x) for x in err["start"] + err["end"]]
    if not both:
        sys.exit("timestamps.py: no file decoded to its digits; nothing to compare")
    within = lambda xs: sum(abs(x) <= a.tol for x in xs)
    ms = lambda x: f"{1000 * x:+.0f}"
    tol = f"{a.tol * 1000:.0f} ms"
    print(f"| files decoded word for word | {matched} of {len(files)} |")
    print(f"| word boundaries within {tol} | {within(both)} of {len(both)} "
          f"({100.0 * within(both) / len(both):.1f}%) |")
    for k in ("start", "end"):
        print(f"| word {k}s within {tol} | {100.0 * within(err[k]) / len(err[k]):.1f}% "
              f"(signed error median {ms(pct(err[k], 0.5))} ms, "
              f"10th/90th percentile {ms(pct(err[k], 0.1))} / {ms(pct(err[k], 0.9))} ms) |")
    print(f"| boundary error, median / 90th percentile | {1000 * pct(both, 0.5):.0f} / "
          f"{1000 * pct(both, 0.9):.0f} ms |")


if __name__ == "__main__":
    main()
