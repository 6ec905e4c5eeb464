#!/usr/bin/python3
"""The measurements and the Markdown of models/recipes/eval.sh (run it through that script, which
prepares the grammar files, the LM and the held-out sets): every figure of the general-model issue
for one or more hark models and for Debian's PocketSphinx on exactly the same files.

  evaluate.py --hark BIN --model M [--model M ...] --data DATA --work WORK --sets SETS
              [--lm ARPA] --fsg FSG --intents INI [--limit N] [--repeats R] [--out FILE.md]

SETS is a folder of manifests written by eval.sh: fsdd_george.tsv, fsdd_test.tsv, sc_test.tsv,
lj_dev.tsv and, when present, wake_heldout.tsv and digit_strings.tsv (path<TAB>reference),
assistant.tsv (path<TAB>sentence<TAB>intent<TAB>slots<TAB>voice) and oos.tsv
(path<TAB>sentence<TAB>voice), plus digits.txt, commands.txt and wake.txt (phrase lists).
PocketSphinx results do not depend on the hark model: they are kept in WORK/ps/ and reused by
later runs on the same files (delete the folder to measure again).

RTF = CPU seconds (user + system) of the whole process, model loading included, over the audio
seconds of the set, median of R runs (PocketSphinx: one run, its 16 kHz conversion not timed);
'hark RTF' is the one hark reports itself (features + network + decoding, no file reading)."""
import argparse
import hashlib
import json
import os
import platform
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import peer_sphinx as ps  # noqa: E402

A = None  # the parsed arguments
COMMANDS = []  # (what, command) in order, paths replaced by placeholders


def shown(cmd):
    """A command for the report: machine paths replaced by the names the report explains (a model
    outside the repository by its file name)."""
    subs = [(A.work, "$WORK"), (A.sets, "$SETS"), (A.data, "$DATA"), (A.repo + "/", "")]
    subs += [(os.path.dirname(os.path.abspath(m)) + "/", "") for m in A.model
             if not os.path.abspath(m).startswith(A.repo + "/")]
    subs.append((os.path.expanduser("~"), "~"))
    out = []
    for a in cmd:
        a = str(a)
        if a == A.hark:
            a = "hark"
        for k, v in subs:
            a = a.replace(k, v)
        out.append(a)
    return " ".join(out)


def note(what, cmd):
    s = shown(cmd)
    if (what, s) not in COMMANDS:
        COMMANDS.append((what, s))


def read_tsv(path):
    with open(path) as fh:
        return [l.rstrip("\n").split("\t") for l in fh if l.strip()]


def subset(rows):
    if not A.limit or len(rows) <= A.limit:
        return rows
    step = len(rows) / A.limit
    return [rows[int(i * step)] for i in range(A.limit)]


def duration(paths):
    r = subprocess.run(["soxi", "-T", "-D"] + paths, capture_output=True, text=True, check=True)
    return float(r.stdout.split()[-1])


# ---- hark --------------------------------------------------------------------------------------
def units_of(model):
    """A .hark file's units ("chars" or "phones"): its JSON header's metadata."""
    with open(model, "rb") as fh:
        n = int.from_bytes(fh.read(8), "little")
        meta = json.loads(fh.read(n)).get("__metadata__", {})
    return meta.get("units", "chars")


# A phone model's greedy output is phones: its open-vocabulary rows decode the words of its
# lexicon instead (hark's default for phone models: weighted by the word counts the model stores,
# if any), and its greedy row is scored as PER.
LEXICON_WORDS = "open: words of the model's lexicon, weighted by their training counts (beam 16)"
GREEDY_PHONES = "greedy phones (CER column: PER)"


def hark_eval(model, manifest, opts, what):
    """hark eval --json, R times: its figures, median process CPU time and median own RTF."""
    cmd = [A.hark, "eval", "-m", model, "--json"] + opts + [manifest]
    note(what, cmd)
    cpus, rtfs = [], []
    for _ in range(A.repeats):
        r, cpu = ps.timed(cmd)
        res = json.loads(r.stdout)
        cpus.append(cpu)
        rtfs.append(res["rtf"])
    res["cpu"] = statistics.median(cpus)
    res["own_rtf"] = statistics.median(rtfs)
    return res


def hark_transcribe(model, paths, opts, what, repeats=None):
    """hark transcribe -f json over paths (R times, or repeats): the JSON objects in order, median
    CPU."""
    cmd = [A.hark, "transcribe", "-m", model, "-f", "json"] + opts + ["--"] + paths
    note(what, [A.hark, "transcribe", "-m", model, "-f", "json"] + opts + ["FILES..."])
    cpus = []
    for _ in range(repeats or A.repeats):
        r, cpu = ps.timed(cmd)
        cpus.append(cpu)
    objs = [json.loads(l) for l in r.stdout.splitlines() if l.strip()]
    by_file = {o["file"]: o for o in objs}
    return [by_file.get(p, {"text": "", "intent": None}) for p in paths], statistics.median(cpus)


def classify(texts, what):
    """hark's text intent classifier on each text: the JSON objects in order."""
    cmd = [A.hark, "intent", "-i", A.intents, "--no-state", "-j", "-"]
    note(what, cmd)
    said = [t for t in texts if t.strip()]  # nothing heard: no intent (the classifier skips it)
    r = subprocess.run(cmd, input="".join(t + "\n" for t in said), capture_output=True,
                       text=True, check=True)
    objs = [json.loads(l) for l in r.stdout.splitlines() if l.strip()]
    if len(objs) != len(said):
        sys.exit("evaluate: hark intent gave %d answers for %d sentences" % (len(objs), len(said)))
    it = iter(objs)
    return [next(it) if t.strip() else {"intent": None} for t in texts]


# ---- PocketSphinx ------------------------------------------------------------------------------
def file_key(arg):
    """What a PocketSphinx argument contributes to the cache key: a file's contents (size and
    time for files over 8 MB, the LM), so an edited grammar is decoded again; else the text."""
    if not os.path.isfile(arg):
        return arg
    st = os.stat(arg)
    if st.st_size > 8 << 20:
        return "%s:%d:%d" % (arg, st.st_size, int(st.st_mtime))
    with open(arg, "rb") as fh:
        return hashlib.sha1(fh.read()).hexdigest()


def sphinx(name, paths, grammar, what):
    """PocketSphinx hypotheses and CPU seconds for paths, cached by the files and the grammar
    (its files' contents, not only their names)."""
    key = hashlib.sha1(("\n".join(paths) + repr([file_key(str(g)) for g in grammar]))
                       .encode()).hexdigest()[:12]
    work = os.path.join(A.work, "ps", "%s-%s" % (name, key))
    os.makedirs(work, exist_ok=True)
    cache = os.path.join(work, "result.json")
    wav = os.path.join(A.work, "ps", "wav16-" + name + "-" + hashlib.sha1("\n".join(paths).encode()).hexdigest()[:8])
    cmd = ps.batch_command(wav, os.path.join(work, "ctl"), os.path.join(work, "hyp.txt"), grammar)
    note(what, cmd)
    if os.path.exists(cache):
        with open(cache) as fh:
            c = json.load(fh)
        return c["hyps"], c["cpu"]
    hyps, cpu, _ = ps.decode(paths, work, grammar, wavdir=wav)
    with open(cache, "w") as fh:
        json.dump({"hyps": hyps, "cpu": cpu}, fh)
    return hyps, cpu


# ---- the sets ----------------------------------------------------------------------------------
def transcript_set(name, title, decoders):
    """A set of path<TAB>reference: each decoder's WER, CER, exact utterances and RTFs."""
    rows = subset(read_tsv(os.path.join(A.sets, name + ".tsv")))
    manifest = os.path.join(A.work, name + ".tsv")
    with open(manifest, "w") as fh:
        fh.writelines("%s\t%s\n" % (r[0], r[1]) for r in rows)
    paths, refs = [r[0] for r in rows], [ps.normalise(r[1]) for r in rows]
    audio = duration(paths)
    out = []
    for label, kind, arg in decoders:
        if kind == "ps":
            hyps, cpu = sphinx(name, paths, arg, "PocketSphinx, %s, %s" % (title, label))
            s = ps.score(refs, hyps)
            out.append(("PocketSphinx", label, s, cpu / audio, None))
            continue
        for model in A.model:
            runs = [(label, arg)]
            if label == "greedy" and units_of(model) == "phones":
                runs = [(GREEDY_PHONES, arg), (LEXICON_WORDS, arg + ["--beam", "16"])]
            for lab, a in runs:
                res = hark_eval(model, manifest, a, "hark, %s, %s" % (title, lab))
                out.append((os.path.basename(model), lab, res, res["cpu"] / audio, res["own_rtf"]))
    return {"title": title, "n": len(rows), "audio": audio, "rows": out}


def slots_of(s):
    return dict(kv.split("=", 1) for kv in s.split(",") if kv) if s else {}


def intent_scores(refs, got, oos_got, engines, oengines):
    """Intent accuracy over in-scope requests, every slot right over requests with slots (and
    the intent right), out-of-scope sentences rejected (intent none or no intent); the first and
    the last also per synthesis engine (engines, oengines: one per request, per sentence)."""
    right = slots_right = with_slots = 0
    by = {}
    for (intent, slots), g, e in zip(refs, got, engines):
        gi = (g or {}).get("intent") or "none"
        gs = {k: str(v) for k, v in ((g or {}).get("slots") or {}).items()}
        right += gi == intent
        b = by.setdefault(e, [0, 0, 0, 0])
        b[0] += gi == intent
        b[1] += 1
        if slots:
            with_slots += 1
            slots_right += gi == intent and gs == slots
    rejected = 0
    for g, e in zip(oos_got, oengines):
        r = ((g or {}).get("intent") or "none") == "none"
        rejected += r
        b = by.setdefault(e, [0, 0, 0, 0])
        b[2] += r
        b[3] += 1
    return {"intent": right / max(len(refs), 1), "slots": slots_right / max(with_slots, 1),
            "n": len(refs), "n_slots": with_slots, "oos": rejected / max(len(oos_got), 1),
            "n_oos": len(oos_got), "by_engine": by}


def assistant_set():
    rows = subset(read_tsv(os.path.join(A.sets, "assistant.tsv")))
    oos = subset(read_tsv(os.path.join(A.sets, "oos.tsv")))
    paths, opaths = [r[0] for r in rows], [r[0] for r in oos]
    refs = [(r[2], slots_of(r[3] if len(r) > 3 else "")) for r in rows]
    eng = [r[4].split(":")[0] if len(r) > 4 else "?" for r in rows]
    oeng = [r[2].split(":")[0] if len(r) > 2 else "?" for r in oos]
    audio = duration(paths + opaths)
    out = []
    title = "assistant requests"
    for model in A.model:
        name = os.path.basename(model)
        got, cpu1 = hark_transcribe(model, paths, ["--intents", A.intents],
                                    "hark, %s, grammar of the intent file" % title)
        ogot, cpu2 = hark_transcribe(model, opaths, ["--intents", A.intents],
                                     "hark, out-of-scope sentences, grammar of the intent file")
        out.append((name, "grammar of " + os.path.basename(A.intents),
                    intent_scores(refs, [g.get("intent") for g in got],
                                  [g.get("intent") for g in ogot], eng, oeng),
                    (cpu1 + cpu2) / audio))
        # The same search never rejecting: what the rejection threshold costs in scope.
        got, cpu1 = hark_transcribe(model, paths, ["--intents", A.intents, "--reject", "-1"],
                                    "hark, %s, grammar of the intent file, never rejecting" % title)
        label = "grammar of %s, never rejecting (--reject -1)" % os.path.basename(A.intents)
        out.append((name, label,
                    intent_scores(refs, [g.get("intent") for g in got], [], eng, []),
                    cpu1 / duration(paths)))
        # No decoder option: greedy, or for a phone model its lexicon's words.
        open_ = LEXICON_WORDS if units_of(model) == "phones" else "greedy"
        got, cpu1 = hark_transcribe(model, paths, [], "hark, %s, %s" % (title, open_))
        ogot, cpu2 = hark_transcribe(model, opaths, [], "hark, out-of-scope sentences, %s" % open_)
        cls = classify([g["text"] for g in got + ogot], "text classifier on the transcripts")
        out.append((name, open_ + ", then text classifier",
                    intent_scores(refs, cls[:len(got)], cls[len(got):], eng, oeng), (cpu1 + cpu2) / audio))
    peers = [("grammar (FSG of the intent file's word graph), then hark's text classifier",
              ("-fsg", A.fsg))]
    if A.peer_lm_intents:  # about 0.4 CPU seconds per audio second: opt-in
        peers.append(("en-us LM, then hark's text classifier", ("-lm", ps.PS_LM)))
    for label, grammar in peers:
        hyps, cpu1 = sphinx("assistant", paths, grammar, "PocketSphinx, %s, %s" % (title, label))
        ohyps, cpu2 = sphinx("oos", opaths, grammar, "PocketSphinx, out-of-scope, %s" % label)
        cls = classify(hyps + ohyps, "text classifier on the transcripts")
        out.append(("PocketSphinx", label, intent_scores(refs, cls[:len(hyps)], cls[len(hyps):], eng, oeng),
                    (cpu1 + cpu2) / audio))
    voices = [r[4] for r in rows if len(r) > 4] + [r[2] for r in oos if len(r) > 2]
    return {"title": title, "n": len(rows), "n_oos": len(oos), "audio": audio, "rows": out,
            "voices": voices}


def real_oos_set():
    """Real speakers outside the grammar: the held-out wake-phrase recordings decoded under the
    intent file's grammar, none of which is a request. The share rejected (intent none, or no
    intent at all) per model, and PocketSphinx's under the FSG of the same grammar then the text
    classifier."""
    paths = [r[0] for r in subset(read_tsv(os.path.join(A.sets, "wake_heldout.tsv")))]
    none = lambda g: ((g or {}).get("intent") or "none") == "none"
    out = {}
    for model in A.model:
        got, _ = hark_transcribe(model, paths, ["--intents", A.intents],
                                 "hark, real speech outside the grammar (\"view glass\"), grammar "
                                 "of the intent file", repeats=1)  # no time reported: one run
        out[os.path.basename(model)] = sum(none(g.get("intent")) for g in got) / max(len(got), 1)
    hyps, _ = sphinx("wake_heldout", paths, ("-fsg", A.fsg),
                     "PocketSphinx, real speech outside the grammar, FSG of the intent file")
    cls = classify(hyps, "text classifier on the transcripts")
    out["PocketSphinx"] = sum(none(c) for c in cls) / max(len(cls), 1)
    out["n"] = len(paths)
    return out


# ---- the report --------------------------------------------------------------------------------
def pct(x):
    return "%.1f%%" % (100 * x)


def voice_counts(voices):
    """engine:voice[+variant] labels summed per engine and voice, the variants counted."""
    files, variants = {}, {}
    for v in voices:
        base, _, var = v.partition("+")
        files[base] = files.get(base, 0) + 1
        variants.setdefault(base, set()).add(var or "none")
    return ", ".join("%s (%d%s)" % (b, n, ", %d variants" % len(variants[b]) if len(variants[b]) > 1 else "")
                     for b, n in sorted(files.items()))


def machine():
    model = cores = "?"
    try:
        for line in subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines():
            k, _, v = line.partition(":")
            if k.strip() == "Model name":
                model = v.strip()
            if k.strip() == "CPU(s)":
                cores = v.strip()
    except OSError:
        pass
    load = os.getloadavg()[0]
    return "%s, %s CPUs (%s), load average %.2f at the start" % (model, cores, platform.machine(), load)


def transcript_table(s, md):
    md.append("### %s (%d files, %.0f s of audio)\n" % (s["title"], s["n"], s["audio"]))
    md.append("| system | model | decoder | exact | WER | CER | RTF (CPU) | hark RTF |")
    md.append("|---|---|---|---|---|---|---|---|")
    for model, label, r, rtf, own in s["rows"]:
        md.append("| %s | %s | %s | %s | %s | %s | %.4f | %s |" % (
            "PocketSphinx" if model == "PocketSphinx" else "hark",
            "en-us (PocketSphinx)" if model == "PocketSphinx" else model, label,
            pct(r["utt_acc"]), pct(r["wer"]), pct(r["cer"]), rtf,
            "-" if own is None else "%.4f" % own))
    md.append("")


def best(s, label_part, model, key="utt_acc"):
    vals = [r[key] for m, label, r, *_ in s["rows"] if m == model and label_part in label]
    return vals[0] if vals else None


def summary(sets, asst, real_oos, sizes, md):
    names = [os.path.basename(m) for m in A.model] + ["PocketSphinx"]
    md.append("| figure | target | " + " | ".join(names) + " |")
    md.append("|---|---|" + "---|" * len(names))

    def row(fig, target, fn):
        md.append("| %s | %s | %s |" % (fig, target, " | ".join(fn(n) for n in names)))

    def acc(setname, part, key="utt_acc", psp=None):
        def f(n):
            s = sets.get(setname)
            if not s:
                return "-"
            if n == "PocketSphinx" and psp:
                v = best(s, psp, n, key)
            elif part == "greedy":  # the open row: a phone model's lexicon words
                v = best(s, LEXICON_WORDS, n, key)
                v = best(s, "greedy", n, key) if v is None else v
            else:
                v = best(s, part, n, key)
            return "-" if v is None else pct(v)
        return f
    row("FSDD george, digit grammar", ">= 95%", acc("fsdd_george", "digit"))
    row("FSDD george, digit grammar, never rejecting (as PocketSphinx)", "-",
        acc("fsdd_george", "never rejecting", psp="JSGF"))
    row("FSDD test split, digit grammar", ">= 98%", acc("fsdd_test", "digit"))
    row("Speech Commands test, 35-word grammar", ">= 92%", acc("sc_test", "35-word"))
    row("Speech Commands test, 35-word grammar, never rejecting (as PocketSphinx)", "-",
        acc("sc_test", "never rejecting", psp="JSGF"))
    row("Speech Commands test, open (greedy; phone models: lexicon words / PocketSphinx en-us LM)",
        ">= 85%", acc("sc_test", "greedy", psp="en-us LM"))
    row("LJSpeech dev CER, open (greedy; phone models: lexicon words / PocketSphinx: en-us LM)",
        "<= 15%", acc("lj_dev", "greedy", "cer", psp="en-us LM"))
    row("LJSpeech dev PER, greedy phones (phone models)", "-",
        lambda n: (lambda v: "-" if v is None else pct(v))(
            sets.get("lj_dev") and best(sets["lj_dev"], GREEDY_PHONES, n, "cer")))
    row("LJSpeech dev WER with an LM", "report", acc("lj_dev", "LM", "wer"))
    if "wake_heldout" in sets:
        row("Wake phrase held out of training (\"view glass\"), 5-phrase grammar", "report",
            acc("wake_heldout", "5-phrase"))
        row("Wake phrase held out of training (\"view glass\"), 5-phrase grammar, never rejecting "
            "(as PocketSphinx)", "report", acc("wake_heldout", "never rejecting", psp="JSGF"))
    if "digit_strings" in sets:
        row("FSDD digit strings (3-6 digits joined, test split), digit-string grammar", "report",
            acc("digit_strings", "digit-string"))
    if asst:
        def a(key, part):
            def f(n):
                v = [r[key] for m, label, r, _ in asst["rows"] if m == n and part in label]
                return pct(v[0]) if v else "-"
            return f
        row("Assistant intent accuracy (grammar)", ">= 97%", a("intent", "gram"))
        row("Assistant, every slot right (grammar)", ">= 95%", a("slots", "gram"))
        row("Assistant, out-of-scope rejected (grammar)", ">= 90%", a("oos", "gram"))
    if real_oos:
        row("Real speech outside the grammar rejected (the %d \"view glass\" recordings under the "
            "assistant's grammar)" % real_oos["n"], "report",
            lambda n: pct(real_oos[n]) if n in real_oos else "-")
    rtf = sets.get("lj_dev")
    row("Acoustic model RTF, one thread (LJSpeech dev, greedy; hark's own)", "<= 0.02",
        lambda n: "-" if n == "PocketSphinx" else
        "%.4f" % next(own for m, label, r, _, own in rtf["rows"]
                      if m == n and label.startswith("greedy"))
        if rtf else "-")
    row("Model size", "<= 10 MB", lambda n: sizes.get(n, "-"))
    md.append("")


def main():
    global A
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--hark", required=True)
    ap.add_argument("--model", action="append", required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--sets", required=True)
    ap.add_argument("--lm")
    ap.add_argument("--fsg", required=True)
    ap.add_argument("--intents", required=True)
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--out")
    ap.add_argument("--json")
    ap.add_argument("--peer-lm-intents", action="store_true",
                    help="also PocketSphinx with its en-us LM on the assistant sets (slow)")
    A = ap.parse_args()
    A.repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    for k in ("work", "sets", "data"):
        setattr(A, k, os.path.abspath(getattr(A, k)))
    os.makedirs(A.work, exist_ok=True)
    t0 = time.time()
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    where = machine()
    lm = [("with LM (english.arpa, beam 16)", "hark", ["--lm", A.lm])] if A.lm else []
    digits = os.path.join(A.sets, "digits.txt")
    commands = os.path.join(A.sets, "commands.txt")
    djsgf, cjsgf = os.path.join(A.work, "digits.gram"), os.path.join(A.work, "commands.gram")
    ps.words_jsgf(open(digits).read().split(), djsgf)
    ps.words_jsgf(open(commands).read().split(), cjsgf)
    plan = [
        ("fsdd_george", "FSDD speaker george, all takes (8 kHz)",
         [("greedy", "hark", []), ("digit grammar (phrase list)", "hark", ["--phrases", digits]),
          ("digit grammar, never rejecting (--reject -1), as PocketSphinx", "hark",
           ["--phrases", digits, "--reject", "-1"]),
          ("digit grammar (JSGF)", "ps", ("-jsgf", djsgf))]),
        ("fsdd_test", "FSDD test split, takes 0-4 (8 kHz)",
         [("greedy", "hark", []), ("digit grammar (phrase list)", "hark", ["--phrases", digits]),
          ("digit grammar (JSGF)", "ps", ("-jsgf", djsgf))]),
        ("sc_test", "Speech Commands test split, 35 words",
         [("greedy", "hark", [])] + lm +
         [("35-word grammar (phrase list)", "hark", ["--phrases", commands]),
          ("35-word grammar, never rejecting (--reject -1), as PocketSphinx", "hark",
           ["--phrases", commands, "--reject", "-1"]),
          ("35-word grammar (JSGF)", "ps", ("-jsgf", cjsgf)), ("en-us LM", "ps", ("-lm", ps.PS_LM))]),
        ("lj_dev", "LJSpeech dev split",
         [("greedy", "hark", [])] + lm + [("en-us LM", "ps", ("-lm", ps.PS_LM))]),
    ]
    wake = os.path.join(A.sets, "wake.txt")
    if os.path.exists(os.path.join(A.sets, "wake_heldout.tsv")):
        wjsgf, wdict = os.path.join(A.work, "wake.gram"), os.path.join(A.work, "wake.dict")
        ps.words_jsgf([l.strip() for l in open(wake) if l.strip()], wjsgf)
        # "snowboy" is the one word of the five phrases CMUdict lacks (hark's espeak-ng says it).
        ps.dict_with({"snowboy": "S N OW B OY"}, wdict)
        plan.append(
            ("wake_heldout", "Wake words: \"view glass\", the phrase held out of training (its "
             "speakers are not: the corpus names none)",
             [("greedy", "hark", []),
              ("5-phrase grammar (phrase list)", "hark", ["--phrases", wake]),
              ("5-phrase grammar, never rejecting (--reject -1), as PocketSphinx", "hark",
               ["--phrases", wake, "--reject", "-1"]),
              ("5-phrase grammar (JSGF)", "ps", ("-jsgf", wjsgf, wdict))]))
    if os.path.exists(os.path.join(A.sets, "digit_strings.tsv")):
        grammar = os.path.join(A.repo, "bench", "grammar")
        plan.append(
            ("digit_strings", "FSDD digit strings: 3-6 digits, each string joined from one "
             "speaker's test-split recordings with 0.1-0.4 s gaps (8 kHz)",
             [("greedy", "hark", []),
              ("digit-string grammar (intent file)", "hark",
               ["--intents", os.path.join(grammar, "digits.ini")]),
              ("digit-string grammar (JSGF)", "ps", ("-jsgf", os.path.join(grammar, "digits.gram")))]))
    sets = {}
    for name, title, decoders in plan:
        print("evaluate: %s" % title, file=sys.stderr)
        sets[name] = transcript_set(name, title, decoders)
    asst = None
    if os.path.exists(os.path.join(A.sets, "assistant.tsv")):
        print("evaluate: assistant requests", file=sys.stderr)
        asst = assistant_set()
    real_oos = None
    if asst and os.path.exists(os.path.join(A.sets, "wake_heldout.tsv")):
        print("evaluate: real speech outside the grammar", file=sys.stderr)
        real_oos = real_oos_set()
    sizes = {os.path.basename(m): "%.2f MB" % (os.path.getsize(m) / 1e6) for m in A.model}
    md = ["## %s" % ", ".join(os.path.basename(m) for m in A.model), "",
          "Measured %s on %s; %s, OPENBLAS_NUM_THREADS=1, nice 19; %.0f s in all%s." % (
              started, where, "median of %d runs" % A.repeats if A.repeats > 1 else "one run",
              time.time() - t0, ", at most %d files per set" % A.limit if A.limit else ""), ""]
    for m in A.model:
        md.append("- %s: %s" % (os.path.basename(m), shown([m])))
    md.append("")
    summary(sets, asst, real_oos, sizes, md)
    for name, _, _ in plan:
        transcript_table(sets[name], md)
    if asst:
        md.append("### Assistant requests by held-out voices (%d requests, %d out-of-scope "
                  "sentences, %.0f s of audio)\n" % (asst["n"], asst["n_oos"], asst["audio"]))
        md.append("Voices (files): %s.\n" % voice_counts(asst["voices"]))
        md.append("| system | model | decoder | intent right | every slot right | out-of-scope rejected | RTF (CPU) |")
        md.append("|---|---|---|---|---|---|---|")
        for model, label, r, rtf in asst["rows"]:
            md.append("| %s | %s | %s | %s (%d) | %s (%d) | %s | %.4f |" % (
                "PocketSphinx" if model == "PocketSphinx" else "hark",
                "en-us (PocketSphinx)" if model == "PocketSphinx" else model, label,
                pct(r["intent"]), r["n"], pct(r["slots"]), r["n_slots"],
                "%s (%d)" % (pct(r["oos"]), r["n_oos"]) if r["n_oos"] else "-", rtf))
        md.append("")
        engines = sorted({e for x in asst["rows"] for e in x[2]["by_engine"]})
        md.append("By synthesis engine: intent right (requests) / out-of-scope rejected (sentences):\n")
        md.append("| system | model | decoder | " + " | ".join(engines) + " |")
        md.append("|---|---|---|" + "---|" * len(engines))
        for model, label, r, _ in asst["rows"]:
            cells = []
            for e in engines:
                b = r["by_engine"].get(e, [0, 0, 0, 0])
                cells.append("%s / %s" % ("%s (%d)" % (pct(b[0] / b[1]), b[1]) if b[1] else "-",
                                          "%s (%d)" % (pct(b[2] / b[3]), b[3]) if b[3] else "-"))
            md.append("| %s | %s | %s | %s |" % (
                "PocketSphinx" if model == "PocketSphinx" else "hark",
                "en-us (PocketSphinx)" if model == "PocketSphinx" else model, label.split(", then")[0],
                " | ".join(cells)))
        md.append("")
    md.append("### Commands\n")
    md.append("```")
    for what, cmd in COMMANDS:
        md.append("# " + what)
        md.append(cmd)
    md.append("```\n")
    text = "\n".join(md) + "\n"
    if A.out:
        with open(A.out, "w") as fh:
            fh.write(text)
    else:
        sys.stdout.write(text)
    if A.json:
        with open(A.json, "w") as fh:
            json.dump({"sets": sets, "assistant": asst, "sizes": sizes}, fh, indent=1)


if __name__ == "__main__":
    main()
