#!/usr/bin/python3
"""The Markdown table of bench/grammar/run.sh from what it measured in WORK.

  report.py WORK
"""
import json
import os
import sys

DIGITS = set("zero one two three four five six seven eight nine".split())


def load(path):
    with open(path) as f:
        return json.load(f)


def lines(path):
    with open(path) as f:
        return [json.loads(l) for l in f if l.strip()]


def in_grammar(text):
    w = text.split()
    return 1 <= len(w) <= 6 and all(x in DIGITS for x in w)


def pct(x):
    return f"{100 * x:.1f}%"


def main():
    work = sys.argv[1]
    rows = []
    g = load(os.path.join(work, "digits_greedy.json"))
    d = load(os.path.join(work, "digits_grammar.json"))
    refs = {}
    with open(os.path.join(work, "sets", "digits_test", "manifest.tsv")) as f:
        for l in f:
            p, t = l.rstrip("\n").split("\t")[:2]
            refs[os.path.basename(p)[:-4]] = t
    hyps = {}
    with open(os.path.join(work, "ps.hyp")) as f:
        for l in f:
            words, _, rest = l.rstrip("\n").rpartition(" (")
            hyps[rest.split()[0]] = " ".join(words.split())
    ps_acc = sum(hyps.get(k) == v for k, v in refs.items()) / len(refs)
    t0, t1 = map(float, open(os.path.join(work, "ps.time")).read().split())
    ps_rtf = (t1 - t0) / g["audio_seconds"]
    rows.append(("Digit strings: sequence accuracy (300, FSDD test)", ">= 95%, > greedy",
                 pct(g["utt_acc"]), pct(d["utt_acc"]), pct(ps_acc)))
    rows.append(("Digit strings: RTF (features + network + decoding)", "-",
                 f"{g['rtf']:.4f}", f"{d['rtf']:.4f} (grammar search {d['decode_rtf']:.5f})",
                 f"{ps_rtf:.4f}"))

    def rates(name):
        gr = lines(os.path.join(work, f"{name}.grammar.jsonl"))
        gd = lines(os.path.join(work, f"{name}.greedy.jsonl"))
        rej = sum(o["intent"] is None or o["intent"]["intent"] == "none" for o in gr) / len(gr)
        silent = sum(o["intent"] is None for o in gr) / len(gr)
        g_rej = sum(not in_grammar(o["text"]) for o in gd) / len(gd)
        g_silent = sum(o["text"] == "" for o in gd) / len(gd)
        return rej, silent, g_rej, g_silent, len(gr)

    rej, _, g_rej, _, n = rates("reject_test")
    rows.append((f"Speech Commands non-digit words rejected ({n}, test)", ">= 95%",
                 pct(g_rej) + " (not a digit string)", pct(rej), "-"))
    rej, _, g_rej, _, n = rates("iso_test")
    rows.append((f"FSDD test digits wrongly rejected ({n})", "<= 2%",
                 pct(g_rej) + " (not a digit string)", pct(rej), "-"))
    _, silent, _, g_silent, n = rates("silence_test")
    rows.append((f"Speech Commands _silence_ clips with no intent ({n}, test)", "all",
                 pct(g_silent) + " (empty text)", pct(silent), "-"))
    for name, label in (("speed_synth", "requests of the file rendered by espeak-ng"),
                        ("speed_lj", "LJSpeech dev recordings")):
        path = os.path.join(work, f"{name}.json")
        if os.path.exists(path):
            s = load(path)
            label = f"{label}, {s['files']} files, {s['audio_seconds']:.0f} s"
            rows.append((f"assistant.ini search / acoustic model CPU time ({label})", "<= 10%",
                         "-", f"{pct(s['grammar_share_of_am'])} ({s['grammar_seconds']:.3f} s / "
                         f"{s['am_seconds']:.3f} s; search errors {s['search_errors']}/"
                         f"{s['files']})", "-"))
    c = load(os.path.join(work, "compile.json"))
    rows.append((f"Compile {c['sentences']:.2g} sentences ({c['intents']} intents)",
                 "< 1 s, < 50 MB", "-",
                 f"{c['parse_seconds'] + c['compile_seconds'] + c['expand_seconds']:.3f} s, "
                 f"{c['peak_rss_mb']:.1f} MB peak ({c['arcs']} arcs, {c['states']} states)", "-"))
    print("| figure | target | greedy | grammar | PocketSphinx (JSGF) |")
    print("|---|---|---|---|---|")
    for r in rows:
        print("| " + " | ".join(r) + " |")


if __name__ == "__main__":
    main()
