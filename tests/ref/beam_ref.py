"""Reference CTC prefix beam search (Graves & Jaitly 2014; Hannun et al. 2014), written for
clarity rather than speed, and the fixture test_decode_beam.c compares hark's decoder with.

Hypotheses are tuples of units (1..V-1; blank = 0) kept in a dict with their blank / non-blank
log probabilities. Everything that is not acoustic (word-bigram LM times a weight, a word bonus, a
hotword bonus) is a function of the prefix, added when ranking. Words are runs of units between
the separator (unit 1, the alphabet's space). In lexicon mode a word may only be spelled as a
lexicon word. A hotword (one phrase here, which cannot overlap itself) earns boost / length per
unit while a prefix ends in a partial spelling of it that began at a word start, its whole boost
for each complete occurrence followed by a word boundary or by the end, and nothing otherwise.

Regenerate (from the repository root):
    /usr/bin/python3 tests/ref/beam_ref.py tests/ref/beam_ref.hkfx
"""
import math
import sys

import numpy as np

import hkfx

ALPHABET = " ab"          # unit 1 = space (separator), 2 = 'a', 3 = 'b'
V = len(ALPHABET) + 1
SEP = 1
LEXICON = ["a", "ab", "ba", "bab"]   # word ids 1..4 for the LM; 0 is <s>
LN10 = math.log(10)
NEG = -math.inf


def logadd(a, b):
    if a == NEG:
        return b
    if b == NEG:
        return a
    m = max(a, b)
    return m + math.log1p(math.exp(-abs(a - b)))


def words_of(prefix):
    """The words of a unit sequence: (complete words, the unfinished last word or '')."""
    text = "".join(ALPHABET[u - 1] for u in prefix)
    parts = text.split(" ")
    return [w for w in parts[:-1] if w], parts[-1]


def hotword_bonus(prefix, hot, final):
    """The hotword's bonus in a prefix; hot: (phrase units, boost) or None."""
    if hot is None:
        return 0.0
    phrase, boost = hot
    n = len(phrase)
    total = 0.0
    for i, u in enumerate(prefix):
        if u == SEP or (i > 0 and prefix[i - 1] != SEP):
            continue  # not a word start
        seg = prefix[i:i + n]
        if seg == phrase:
            if i + n == len(prefix) or prefix[i + n] == SEP:
                total += boost
        elif i + len(seg) == len(prefix) and seg == phrase[:len(seg)] and not final:
            total += boost / n * len(seg)
    return total


def ext_score(prefix, mode, final, hot=None):
    """Non-acoustic score of a prefix, or None when the prefix is not allowed.
    mode: None (free spelling) or (lm (5x5 log10 table), weight, bonus)."""
    if mode is None:
        return hotword_bonus(prefix, hot, final)
    lm, weight, bonus = mode
    done, last = words_of(prefix)
    if last and not any(w.startswith(last) for w in LEXICON):
        return None
    if final and last:
        done = done + [last]
        last = ""
    total, prev = 0.0, 0
    for w in done:
        if w not in LEXICON:
            return None
        wid = LEXICON.index(w) + 1
        total += weight * LN10 * lm[prev][wid - 1] + bonus
        prev = wid
    if final:
        total += weight * LN10 * lm[prev][4]
    return total + hotword_bonus(prefix, hot, final)


def beam_search(lp, beam, top_k, thresh, mode, hot=None):
    """Returns the final hypotheses as (score, acoustic, prefix), best first."""
    T = lp.shape[0]
    hyps = {(): (0.0, NEG)}
    for t in range(T):
        row = lp[t]
        units = [u for u in range(1, V) if row[u] >= thresh]
        units.sort(key=lambda u: -row[u])
        if top_k:
            units = units[:top_k]
        nxt = {}

        def add(prefix, pb, pnb):
            ob, onb = nxt.get(prefix, (NEG, NEG))
            nxt[prefix] = (logadd(ob, pb), logadd(onb, pnb))

        for prefix, (pb, pnb) in hyps.items():
            p = logadd(pb, pnb)
            add(prefix, p + row[0], NEG)
            if prefix:
                add(prefix, NEG, pnb + row[prefix[-1]])
            for u in units:
                new = prefix + (u,)
                if ext_score(new, mode, False, hot) is None:
                    continue
                contrib = (pb if prefix and u == prefix[-1] else p) + row[u]
                add(new, NEG, contrib)
        ranked = []
        for prefix, (pb, pnb) in nxt.items():
            a = logadd(pb, pnb)
            if a > NEG:
                ranked.append((a + ext_score(prefix, mode, False, hot), prefix))
        ranked.sort(key=lambda x: -x[0])
        hyps = {prefix: nxt[prefix] for _, prefix in ranked[:beam]}
    finals = []
    for prefix, (pb, pnb) in hyps.items():
        e = ext_score(prefix, mode, True, hot)
        if e is not None:
            a = logadd(pb, pnb)
            finals.append((a + e, a, prefix))
    finals.sort(key=lambda x: -x[0])
    return finals


def text_of(prefix):
    return " ".join(w for w in "".join(ALPHABET[u - 1] for u in prefix).split(" ") if w)


def nbest(finals, n):
    """Fold hypotheses of equal text into the best one, keep n."""
    out = []
    for score, ac, prefix in finals:
        t = text_of(prefix)
        if all(t != o[2] for o in out):
            out.append((score, ac, t))
    return out[:n]


def random_logprobs(rng, T, peaky):
    x = rng.normal(size=(T, V)) * peaky
    x -= x.max(axis=1, keepdims=True)
    return x - np.log(np.exp(x).sum(axis=1, keepdims=True))


def main(path):
    rng = np.random.default_rng(20261206)
    # Everything the C side reads is float32: search with the rounded values too.
    lm = np.log10(rng.dirichlet(np.ones(5), size=5)).astype(np.float32).astype(np.float64)
    arrays = {"lm": lm}
    cases = [  # T, beam, top_k, threshold, lexicon+LM?, weight, bonus, peakiness[, hotword]
        (8, 4, 0, -1e30, False, 0, 0, 1.0),
        (10, 8, 2, -1e30, False, 0, 0, 2.0),
        (12, 3, 0, -3.0, False, 0, 0, 3.0),
        (10, 8, 0, -1e30, True, 0.5, 1.0, 2.0),
        (14, 6, 2, -1e30, True, 1.5, -0.5, 2.5),
        (12, 16, 0, -6.0, True, 0.8, 2.0, 1.5),
        (20, 5, 3, -1e30, True, 0.3, 0.5, 3.0),
        (16, 10, 0, -1e30, False, 0, 0, 2.5),
        # long enough for the C search to collect its dead prefix nodes several times
        (400, 8, 0, -1e30, False, 0, 0, 3.0),
        (300, 8, 3, -1e30, True, 0.5, 1.0, 3.0),
        # hotwords: one word, a phrase, under the LM, and long
        (12, 8, 0, -1e30, False, 0, 0, 1.5, ("ab", 2.5)),
        (14, 10, 0, -1e30, False, 0, 0, 1.5, ("ba ab", 4.0)),
        (14, 8, 0, -1e30, True, 0.5, 1.0, 1.5, ("bab", 3.0)),
        (200, 8, 0, -1e30, False, 0, 0, 2.0, ("abb", 1.5)),
    ]
    arrays["n_cases"] = [len(cases)]
    for i, case in enumerate(cases):
        T, beam, k, th, lex, w, b, pk = case[:8]
        hot_text, boost = case[8] if len(case) > 8 else ("", 0.0)
        hot = (tuple(ALPHABET.index(c) + 1 for c in hot_text),
               float(np.float32(boost))) if hot_text else None
        lp = random_logprobs(rng, T, pk).astype(np.float32).astype(np.float64)
        mode = (lm, w, b) if lex else None
        best = nbest(beam_search(lp, beam, k, th, mode, hot), 3)
        arrays[f"c{i}.lp"] = lp
        arrays[f"c{i}.params"] = [beam, k, max(th, -1e30), 1 if lex else 0, w, b, boost]
        arrays[f"c{i}.hotword"] = [ord(c) for c in hot_text] + [-1]
        arrays[f"c{i}.scores"] = [s for s, _, _ in best]
        arrays[f"c{i}.acoustic"] = [a for _, a, _ in best]
        codes = []
        for _, _, t in best:
            codes += [ord(c) for c in t] + [-1]
        arrays[f"c{i}.texts"] = codes if codes else [-1]
    hkfx.write(path, arrays)


if __name__ == "__main__":
    main(sys.argv[1])
