#!/usr/bin/python3
"""kn_reference.py - an independent, deliberately plain implementation of interpolated modified
Kneser-Ney smoothing, to check hark's C builder (src/model/lm_build.c) against.

Usage: kn_reference.py CORPUS.txt ORDER > MODEL.arpa
CORPUS has one sentence per line, words separated by white space (already normalised); empty
lines are skipped.

Method: S. F. Chen and J. Goodman, "An empirical study of smoothing techniques for language
modeling", Harvard TR-10-98 (1998), section 3. The conventions hark documents, restated:
  * the highest order counts n-grams in the text; a lower-order n-gram counts the distinct words
    seen right before it in the text (its continuation count), unless it starts with <s>, which
    nothing precedes: then its count in the text;
  * per order, from the count-of-counts n1..n4 (the unigram <s> left out):
    Y = n1/(n1+2 n2), D1 = 1-2Y n2/n1, D2 = 2-3Y n3/n2, D3+ = 3-4Y n4/n3, and if any is
    undefined or not strictly between 0 and its count, 0.5, 1, 1.5 for that order;
  * p(w|h) = (c(hw) - D(c(hw))) / c(h.) + gamma(h) p(w|h minus its oldest word),
    gamma(h) = (D1 N1(h.) + D2 N2(h.) + D3+ N3+(h.)) / c(h.), and the unigrams interpolate with
    1/|V|, V = every word but <s>, plus <unk>;
  * the ARPA back-off weight of h is gamma(h); <s> is written with log10 probability -99.
Probabilities are computed from scratch for each n-gram by recursion over the orders, with
Python's double precision; nothing is shared with the C code.
"""
import math
import sys
from collections import defaultdict


def read_sentences(path):
    with open(path, encoding="utf-8") as f:
        return [["<s>"] + line.split() + ["</s>"] for line in f if line.split()]


def text_counts(sents, k):
    """How often each k-gram occurs in the text."""
    c = defaultdict(int)
    for s in sents:
        for i in range(len(s) - k + 1):
            c[tuple(s[i:i + k])] += 1
    return c


def continuation_counts(sents, k):
    """For each k-gram not starting with <s>: the number of distinct words right before it."""
    before = defaultdict(set)
    for s in sents:
        for i in range(1, len(s) - k + 1):
            before[tuple(s[i:i + k])].add(s[i - 1])
    return {g: len(ws) for g, ws in before.items()}


def kn_counts(sents, order):
    counts = {}
    for k in range(1, order + 1):
        raw = text_counts(sents, k)
        if k == order:
            counts[k] = dict(raw)
            continue
        cont = continuation_counts(sents, k)
        counts[k] = {g: (raw[g] if g[0] == "<s>" else cont[g]) for g in raw}
    return counts


def discounts(counts_k, k):
    n = [0] * 5
    for g, c in counts_k.items():
        if k == 1 and g == ("<s>",):
            continue
        if c <= 4:
            n[c] += 1
    try:
        y = n[1] / (n[1] + 2 * n[2])
        d = [0.0, 1 - 2 * y * n[2] / n[1], 2 - 3 * y * n[3] / n[2], 3 - 4 * y * n[4] / n[3]]
    except ZeroDivisionError:
        return [0.0, 0.5, 1.0, 1.5]
    if all(0 < d[c] < c for c in (1, 2, 3)):
        return d
    return [0.0, 0.5, 1.0, 1.5]


def build(sents, order):
    counts = kn_counts(sents, order)
    disc = {k: discounts(counts[k], k) for k in counts}
    vocab = {g[0] for g in counts[1]} - {"<s>"}
    vocab.add("<unk>")

    def history_stats(k, h):
        """c(h.), N1(h.), N2(h.), N3+(h.) over the k-grams h w."""
        cs = [c for g, c in counts[k].items() if g[:-1] == h and g != ("<s>",)]
        return sum(cs), sum(c == 1 for c in cs), sum(c == 2 for c in cs), sum(c >= 3 for c in cs)

    stats = {}

    def gamma(k, h):
        if (k, h) not in stats:
            stats[(k, h)] = history_stats(k, h)
        total, n1, n2, n3 = stats[(k, h)]
        d = disc[k]
        return (d[1] * n1 + d[2] * n2 + d[3] * n3) / total

    def prob(g):
        k = len(g)
        h = g[:-1]
        if (k, h) not in stats:
            stats[(k, h)] = history_stats(k, h)
        total = stats[(k, h)][0]
        c = counts[k].get(g, 0)
        own = (c - disc[k][min(c, 3)]) / total if c else 0.0
        lower = 1.0 / len(vocab) if k == 1 else prob(g[1:])
        return own + gamma(k, h) * lower

    contexts = {k: {g[:-1] for g in counts[k]} for k in range(2, order + 1)}
    model = {}
    for k in range(1, order + 1):
        grams = dict(counts[k])
        if k == 1:
            grams.setdefault(("<unk>",), 0)
        for g in grams:
            p = -99.0 if g == ("<s>",) else math.log10(prob(g))
            bo = math.log10(gamma(k + 1, g)) if k < order and g in contexts[k + 1] else None
            model[g] = (p, bo)
    return model


def write_arpa(model, order, out):
    out.write("\\data\\\n")
    for k in range(1, order + 1):
        out.write("ngram %d=%d\n" % (k, sum(len(g) == k for g in model)))
    for k in range(1, order + 1):
        out.write("\n\\%d-grams:\n" % k)
        for g in sorted(g for g in model if len(g) == k):
            p, bo = model[g]
            line = "%.6f\t%s" % (p, " ".join(g))
            if bo is not None:
                line += "\t%.6f" % bo
            out.write(line + "\n")
    out.write("\n\\end\\\n")


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: kn_reference.py CORPUS.txt ORDER > MODEL.arpa")
    order = int(sys.argv[2])
    write_arpa(build(read_sentences(sys.argv[1]), order), order, sys.stdout)


if __name__ == "__main__":
    main()
