#!/usr/bin/python3
"""Write the tiny synthetic corpora in tests/data/corpus/ that test the LibriSpeech and Common
Voice readers and manifests (the real corpora are too large to ship). The audio is short tones:
the readers only need files libsndfile opens, of known durations.

Run from the repository root:  /usr/bin/python3 tests/ref/make_corpus_fixtures.py
"""
import math
import os
import shutil
import wave

import torch
import torchaudio

ROOT = os.path.join("tests", "data", "corpus")
RATE = 8000


def tone(seconds, freq):
    n = int(round(seconds * RATE))
    return [0.3 * math.sin(2 * math.pi * freq * i / RATE) for i in range(n)]


def write_wav(path, samples):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(b"".join(int(s * 32767).to_bytes(2, "little", signed=True) for s in samples))


def write_flac(path, samples):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    torchaudio.save(path, torch.tensor([samples]), RATE, format="flac", bits_per_sample=16)


def write_text(path, lines):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write("".join(line + "\n" for line in lines))


def librispeech():
    base = os.path.join(ROOT, "librispeech")
    # split / speaker / chapter / (utterance id, duration in seconds, transcript)
    chapters = {
        ("dev-clean", "84", "121123"): [("0000", 0.25, "GO DO YOU HEAR"),
                                        ("0001", 0.50, "BUT IN LESS THAN FIVE MINUTES")],
        ("dev-clean", "174", "50561"): [("0000", 0.125, "FORGOTTEN TOO THE NAME OF GILLIAN")],
        ("test-clean", "61", "70968"): [("0000", 0.75, "HE BEGAN A CONFUSED COMPLAINT")],
    }
    for (split, spk, chap), utts in chapters.items():
        d = os.path.join(base, split, spk, chap)
        lines = []
        for k, (num, dur, text) in enumerate(utts):
            uid = f"{spk}-{chap}-{num}"
            write_flac(os.path.join(d, uid + ".flac"), tone(dur, 300 + 100 * k))
            lines.append(f"{uid} {text}")
        write_text(os.path.join(d, f"{spk}-{chap}.trans.txt"), lines)


def common_voice():
    base = os.path.join(ROOT, "common_voice")
    header = "client_id\tpath\tsentence\tup_votes\tdown_votes\tage\tgender\taccents\tlocale\tsegment"
    clips = [  # (tsv, client, clip, duration, sentence)
        ("train", "aaaa1111", "common_voice_en_1.wav", 0.25, "Hello, World!"),
        ("train", "bbbb2222", "common_voice_en_2.wav", 0.50, "It's 42 degrees in the café."),
        ("dev", "aaaa1111", "common_voice_en_3.wav", 0.125, "\u201cQuoted\u201d text \u2014 fine"),
        ("test", "cccc3333", "common_voice_en_4.wav", 0.375, "The 2nd of May, 1,500 people."),
    ]
    rows = {"train": [], "dev": [], "test": []}
    for k, (tsv, client, clip, dur, sentence) in enumerate(clips):
        write_wav(os.path.join(base, "clips", clip), tone(dur, 400 + 50 * k))
        rows[tsv].append(f"{client}\t{clip}\t{sentence}\t2\t0\t\t\t\ten\t")
    for tsv, lines in rows.items():
        write_text(os.path.join(base, tsv + ".tsv"), [header] + lines)
    write_text(os.path.join(base, "validated.tsv"),
               [header] + rows["train"] + rows["dev"] + rows["test"])


def manifest():
    # A manifest pointing at clips
    # elsewhere through relative paths, with a speaker column, a comment and CRLF line ends.
    d = os.path.join(ROOT, "manifest")
    os.makedirs(d, exist_ok=True)
    lines = ["# path<TAB>transcript<TAB>speaker",
             "../common_voice/clips/common_voice_en_1.wav\tHello world\tann",
             "../common_voice/clips/common_voice_en_2.wav\tSecond one, 2 words\tbob",
             "",
             "../librispeech/test-clean/61/70968/61-70968-0000.flac\tA FLAC file\tann"]
    with open(os.path.join(d, "list.tsv"), "w", encoding="utf-8", newline="") as f:
        f.write("".join(line + "\r\n" for line in lines))


if __name__ == "__main__":
    for sub in ("librispeech", "common_voice", "manifest", "man:ifest"):
        shutil.rmtree(os.path.join(ROOT, sub), ignore_errors=True)
    librispeech()
    common_voice()
    manifest()
