#!/usr/bin/python3
"""Calibrate a model's grammar thresholds on dev data (never the test split).

  calibrate.py HARK MODEL GRAMMAR SETS [--target 0.01] [--accept A] [--weights 0,1,...] [--write]

Decodes, with rejection and the noise floor off, the in-grammar dev sets:
  - SETS/iso_dev.tsv and SETS/digits_dev/manifest.tsv (FSDD training takes 45-49, which the
    digits recipe holds out of training) under GRAMMAR;
  - SETS/words_dev.tsv, when present, under the phrase list SETS/words_dev.txt: real speakers
    saying words of a closed list (the default recipe: Speech Commands validation words), so the
    thresholds hold for real voices and not only for the synthetic ones;
  - SETS/phrases_dev.tsv, when present, under the phrase list SETS/phrases_dev.txt: real speakers
    saying phrases of words the model never trained on (the default recipe: the wake-word
    recordings, when no step of the model's history trained on them). A model hears real speech
    of words it has only heard from synthetic voices, or never, far less sharply than the words
    of its real training speech (the gap of the grammar path is then several times larger), and
    every sentence of an intent file a user writes is such speech;
and under GRAMMAR the out-of-grammar SETS/reject_dev.tsv, the same real phrases (SETS/
phrases_dev.tsv, which GRAMMAR must not contain: real speech outside the grammar is heard as
unsharply, so its gap is smaller than the dev voices' sentences' and it is accepted more often)
and SETS/silence_dev.tsv (Speech Commands validation _silence_ clips), then picks
  - the noise floor: the lowest transcript confidence that gives every noise clip the grammar
    search hears something in no intent (0 when it hears silence in all of them), but never
    above the highest confidence (at most 0.5) that at most half of --target of each in-grammar
    set falls below (they would get no intent). A floor higher than the noise asks for only
    silences speech: real voices the model has not heard are heard with less confidence than
    the dev voices;
  - the rejection threshold on the per-speech-frame gap: among thresholds (0 to 4 by 0.001) that
    with that floor wrongly reject at most --target of the in-grammar recordings (the mean of the
    sets' rates, each set weighted equally), those with the fewest dev errors (that mean plus the
    out-of-grammar sets' mean wrong-acceptance rate), and of them the middle of the widest run,
    for the most margin on both sides. With --accept A, the threshold must also let at most A of
    the out-of-grammar recordings through (the mean of the sets' rates), and it is the middle of
    the widest run of thresholds that meet both bounds; where none does (real voices the model
    hears unsharply can be on the wrong side of both), the one that misses them by the least in
    proportion (the smallest larger of wrong-rejection rate / target and wrong-acceptance rate /
    A). The two bounds are the product's two promises, understood requests and refused other
    speech, so neither is traded away for the other beyond its allowance.
With --weights, the rejection score is gap + w x uncovered (the share of the speech frames
outside every word of the grammar path), and w is the weight of the list whose threshold, picked
as above, gives the fewest dev errors (mean wrong-rejection plus mean wrong-acceptance; the
smaller w on a tie).
Recordings whose best grammar path is empty (the search hears silence) are lost whatever the
thresholds, so each set's rates above count the others. Prints both and the dev rates they give;
--write stores them in the model's metadata ("grammar_min_confidence", "grammar_reject",
"grammar_uncovered_weight").
"""
import argparse
import bisect
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SET_META = os.path.join(HERE, "..", "..", "models", "recipes", "set_meta.py")


def decode(hark, model, grammar, manifest):
    """(transcript confidence, (gap, uncovered) or None) per recording; grammar: hark's option
    and file."""
    paths = [l.split("\t")[0] for l in open(manifest) if l.strip()]
    out = []
    for i in range(0, len(paths), 200):
        r = subprocess.run([hark, "transcribe", "-m", model, *grammar, "--reject", "-1",
                            "-f", "json"] + paths[i:i + 200], capture_output=True, text=True,
                           check=True)
        for line in r.stdout.splitlines():
            o = json.loads(line)
            i = o["intent"]
            out.append((o["confidence"], None if i is None or i["gap"] is None
                        else (i["gap"], i.get("uncovered", 0))))
    return out


def middle_of_widest_run(grid, idx):
    """grid at the middle of the longest run of consecutive indices in idx (sorted), the first
    such run on a tie: the threshold with the most margin on both sides."""
    runs, run = [], [idx[0]]
    for i in idx[1:]:
        if i == run[-1] + 1:
            run.append(i)
        else:
            runs.append(run)
            run = [i]
    runs.append(run)
    widest = max(runs, key=len)
    return grid[widest[len(widest) // 2]]


def fewest_errors(grid, cost, target):
    """The thresholds with the fewest dev errors among those within the target (the in-grammar
    sets' mean wrong-rejection rate); the middle of the widest run of them, for the most margin on
    both sides. cost(t): (mean wrong-rejection rate, that plus the wrong-acceptance rate)."""
    costs = [cost(t) for t in grid]
    ok = [i for i, (fr, _) in enumerate(costs) if fr <= target] or list(range(len(grid)))
    best = min(costs[i][1] for i in ok)
    return middle_of_widest_run(grid, [i for i in ok if costs[i][1] <= best + 1e-12])


def within_bounds(grid, rates, target, accept):
    """The middle of the widest run of thresholds whose dev rates (mean wrong-rejection, mean
    wrong-acceptance) = rates(t) are within target and accept; when none is, of those with the
    smallest max(wrong-rejection / target, wrong-acceptance / accept)."""
    r = [rates(t) for t in grid]
    ok = [i for i, (fr, fa) in enumerate(r) if fr <= target and fa <= accept]
    if not ok:
        miss = [max(fr / target, fa / accept) for fr, fa in r]
        least = min(miss)
        ok = [i for i, m in enumerate(miss) if m <= least + 1e-12]
    return middle_of_widest_run(grid, ok)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("hark")
    ap.add_argument("model")
    ap.add_argument("grammar")
    ap.add_argument("sets")
    ap.add_argument("--target", type=float, default=0.01)
    ap.add_argument("--accept", type=float, default=None)
    ap.add_argument("--weights", default="0")
    ap.add_argument("--write", action="store_true")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        raw = os.path.join(tmp, "model.hark")
        shutil.copy(a.model, raw)
        subprocess.run([sys.executable, SET_META, raw, "grammar_min_confidence=0"], check=True)
        gram = ["--intents", a.grammar]
        inside = {"in-grammar requests": decode(a.hark, raw, gram,
                                                os.path.join(a.sets, "iso_dev.tsv"))
                  + decode(a.hark, raw, gram, os.path.join(a.sets, "digits_dev", "manifest.tsv"))}
        words = os.path.join(a.sets, "words_dev.tsv")
        if os.path.exists(words):
            inside["real words"] = decode(a.hark, raw,
                                          ["--phrases", os.path.join(a.sets, "words_dev.txt")],
                                          words)
        phrases = os.path.join(a.sets, "phrases_dev.tsv")
        if os.path.exists(phrases):
            inside["real phrases"] = decode(a.hark, raw,
                                            ["--phrases", os.path.join(a.sets, "phrases_dev.txt")],
                                            phrases)
        inside = {k: v for k, v in inside.items() if v}
        outside = {"out-of-grammar sentences": decode(a.hark, raw, gram,
                                                      os.path.join(a.sets, "reject_dev.tsv"))}
        if os.path.exists(phrases):
            outside["real phrases outside it"] = decode(a.hark, raw, gram, phrases)
        outside = {k: v for k, v in outside.items() if v}
        noise = decode(a.hark, raw, gram, os.path.join(a.sets, "silence_dev.tsv"))
    # Recordings the grammar search itself hears as silence (an empty best path) are lost whatever
    # the thresholds; the target bounds the losses the thresholds add.
    heard = {k: [(c, g) for c, g in v if g is not None] for k, v in inside.items()}
    heard = {k: v for k, v in heard.items() if v}
    most = 0.5
    for v in heard.values():
        confs = sorted(c for c, _ in v)
        most = min(most, confs[int(a.target / 2 * len(confs))] - 1e-4)
    noisy = [c for c, g in noise if g is not None]
    floor = round(max(min(most, max(noisy) + 1e-4 if noisy else 0.0), 0.0), 4)

    def scored(v, w):
        """The scores (gap + w x uncovered) of the recordings above the floor, sorted, and the
        count of all (the others are never accepted)."""
        return sorted(g[0] + w * g[1] for c, g in v if g is not None and c >= floor), len(v)

    def share_at_most(sv, thr):
        return bisect.bisect_right(sv[0], thr) / sv[1]

    grid = [i / 1000 for i in range(0, 4001)]

    def pick(w):
        """The threshold for weight w, and its dev error (mean wrong-rejection + mean
        wrong-acceptance)."""
        ins = [scored(v, w) for v in heard.values()]
        outs = [scored(v, w) for v in outside.values()]

        def rates(thr):
            fr = sum(1 - share_at_most(sv, thr) for sv in ins) / len(ins)
            return fr, sum(share_at_most(sv, thr) for sv in outs) / len(outs)

        def cost(thr):
            fr, fa = rates(thr)
            return fr, fr + fa

        if a.accept is None:
            thr = fewest_errors(grid, cost, a.target)
        else:
            thr = within_bounds(grid, rates, a.target, a.accept)
        return thr, cost(thr)[1]

    weights = sorted(float(x) for x in a.weights.split(","))
    picks = [(pick(w), w) for w in weights]
    (thr, _), weight = min(picks, key=lambda p: (round(p[0][1], 9), p[1]))
    if len(picks) > 1:
        print("uncovered weights (threshold, dev errors): " + ", ".join(
            f"{w:g} ({t}, {100 * e:.2f}%)" for (t, e), w in picks))

    def accepted(c, g, thr):
        return g is not None and c >= floor and g[0] + weight * g[1] <= thr

    def false_rej(v, thr):
        return sum(not accepted(c, g, thr) for c, g in v) / len(v)

    def false_acc_set(v, thr):
        return sum(accepted(c, g, thr) for c, g in v) / len(v)

    rejected = ", ".join(f"{k}: {100 * (1 - false_acc_set(v, thr)):.1f}% of {len(v)} rejected"
                         for k, v in outside.items())
    silent = sum(g is None or c < floor for c, g in noise) / len(noise)
    wrong = ", ".join(f"{k}: {100 * false_rej(v, thr):.1f}% of {len(v)} not accepted "
                      f"({len(v) - len(heard.get(k, []))} heard as silence)"
                      for k, v in inside.items())
    print(f"noise floor {floor}, threshold {thr}; dev: {wrong}, {rejected}, silence without "
          f"intent {100 * silent:.1f}% of {len(noise)}; uncovered weight {weight:g}")
    if a.write:
        subprocess.run([sys.executable, SET_META, a.model, f"grammar_reject={thr}",
                        f"grammar_min_confidence={floor}",
                        f"grammar_uncovered_weight={weight:g}"], check=True)


if __name__ == "__main__":
    main()
