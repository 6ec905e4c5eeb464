#!/usr/bin/python3
"""Calibrate a model's grammar thresholds on dev data (never the test split).

  calibrate.py HARK MODEL GRAMMAR SETS [--target 0.01] [--write]

Decodes under GRAMMAR, with rejection and the noise floor off, the in-grammar dev recordings
SETS/iso_dev.tsv and SETS/digits_dev/manifest.tsv (FSDD training takes 45-49, which the digits
recipe holds out of training), the out-of-grammar SETS/reject_dev.tsv (Speech Commands validation
words that are not digits) and SETS/silence_dev.tsv (its validation _silence_ clips), then picks
  - the noise floor: the highest transcript confidence (at most 0.5) that at most half of
    --target of the in-grammar recordings fall below (they would get no intent);
  - the rejection threshold on the per-speech-frame gap: among thresholds (0 to 2 by 0.001) that
    with that floor wrongly reject at most --target of the in-grammar recordings, those with
    the fewest dev errors (wrong rejections plus wrong acceptances, as rates), and of them the
    middle of the widest run, for the most margin on both sides.
Prints both and the dev rates they give; --write stores them in the model's metadata
("grammar_min_confidence", "grammar_reject").
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SET_META = os.path.join(HERE, "..", "..", "models", "recipes", "set_meta.py")


def decode(hark, model, grammar, manifest):
    """(transcript confidence, gap or None) per recording."""
    paths = [l.split("\t")[0] for l in open(manifest) if l.strip()]
    out = []
    for i in range(0, len(paths), 200):
        r = subprocess.run([hark, "transcribe", "-m", model, "--intents", grammar, "--reject", "-1",
                            "-f", "json"] + paths[i:i + 200], capture_output=True, text=True,
                           check=True)
        for line in r.stdout.splitlines():
            o = json.loads(line)
            out.append((o["confidence"], None if o["intent"] is None else o["intent"]["gap"]))
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
    with tempfile.TemporaryDirectory() as tmp:
        raw = os.path.join(tmp, "model.hark")
        shutil.copy(a.model, raw)
        subprocess.run([sys.executable, SET_META, raw, "grammar_min_confidence=0"], check=True)
        inside = decode(a.hark, raw, a.grammar, os.path.join(a.sets, "iso_dev.tsv"))
        inside += decode(a.hark, raw, a.grammar, os.path.join(a.sets, "digits_dev", "manifest.tsv"))
        outside = decode(a.hark, raw, a.grammar, os.path.join(a.sets, "reject_dev.tsv"))
        noise = decode(a.hark, raw, a.grammar, os.path.join(a.sets, "silence_dev.tsv"))
    confs = sorted(c for c, _ in inside)
    floor = min(0.5, confs[int(a.target / 2 * len(confs))] - 1e-4)
    floor = round(max(floor, 0.0), 4)
    def accepted(c, g, thr):
        return g is not None and c >= floor and g <= thr

    def cost(thr):
        fr = sum(not accepted(c, g, thr) for c, g in inside) / len(inside)
        fa = sum(accepted(c, g, thr) for c, g in outside) / len(outside)
        return fr, fr + fa

    # The thresholds with the fewest dev errors (wrong rejections + wrong acceptances, as rates)
    # among those within the target; the middle of the widest run of them, for the most margin
    # on both sides.
    grid = [i / 1000 for i in range(0, 2001)]
    costs = [cost(t) for t in grid]
    ok = [i for i, (fr, _) in enumerate(costs) if fr <= a.target] or list(range(len(grid)))
    best = min(costs[i][1] for i in ok)
    runs, run = [], []
    for i in ok:
        if costs[i][1] <= best + 1e-12 and (not run or i == run[-1] + 1):
            run.append(i)
        elif costs[i][1] <= best + 1e-12:
            runs.append(run)
            run = [i]
    runs.append(run)
    widest = max(runs, key=len)
    thr = grid[widest[len(widest) // 2]]
    accepted_at = lambda c, g: accepted(c, g, thr)

    false_rej = sum(not accepted_at(c, g) for c, g in inside) / len(inside)
    rejected = sum(not accepted_at(c, g) for c, g in outside) / len(outside)
    silent = sum(g is None or c < floor for c, g in noise) / len(noise)
    print(f"noise floor {floor}, threshold {thr}; dev: in-grammar wrongly rejected "
          f"{100 * false_rej:.1f}% of {len(inside)}, out-of-grammar rejected {100 * rejected:.1f}% "
          f"of {len(outside)}, silence without intent {100 * silent:.1f}% of {len(noise)}")
    if a.write:
        subprocess.run([sys.executable, SET_META, a.model, f"grammar_reject={thr}",
                        f"grammar_min_confidence={floor}"], check=True)


if __name__ == "__main__":
    main()
