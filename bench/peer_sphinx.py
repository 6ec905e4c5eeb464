"""What hark's comparisons with PocketSphinx share (bench/recognition.py, models/recipes/eval.sh
through bench/evaluate.py): running Debian's PocketSphinx 0.8 (pocketsphinx_batch with the US
English model) on a list of recordings under a JSGF grammar, a Sphinx FSG or its n-gram LM, the
CPU time of a child process, and the scoring of transcripts (WER, CER over code points with
spaces, exact utterances) as hark's own metrics count them.

PocketSphinx's model is 16 kHz: every recording is converted with sox first (8 kHz FSDD is
upsampled; the peer cannot use the missing upper band), and the conversion is not timed."""
import os
import re
import resource
import subprocess

PS_MODEL = "/usr/share/pocketsphinx/model/en-us"
PS_HMM = os.path.join(PS_MODEL, "en-us")
PS_DICT = os.path.join(PS_MODEL, "cmudict-en-us.dict")
PS_LM = os.path.join(PS_MODEL, "en-us.lm.bin")


def cpu_children():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def timed(cmd, **kw):
    """Run cmd (check=True, output captured as text); return (CompletedProcess, CPU seconds of
    the child: user + system)."""
    c0 = cpu_children()
    r = subprocess.run(cmd, check=True, capture_output=True, text=True, **kw)
    return r, cpu_children() - c0


def words_jsgf(words, path):
    """A JSGF grammar of exactly one of `words` (or phrases: words separated by spaces)."""
    with open(path, "w") as fh:
        fh.write("#JSGF V1.0;\ngrammar words;\npublic <w> = %s;\n" % " | ".join(sorted(set(words))))


def to16k(paths, wavdir):
    """16 kHz 16-bit mono copies of paths in wavdir (kept between runs); returns their ids."""
    os.makedirs(wavdir, exist_ok=True)
    ids = []
    for i, path in enumerate(paths):
        uid = "u%05d" % i
        out = os.path.join(wavdir, uid + ".wav")
        src = out + ".src"
        if not (os.path.exists(out) and os.path.exists(src) and open(src).read() == path):
            subprocess.run(["sox", "-D", "-G", path, "-r", "16000", "-b", "16", "-c", "1", out],
                           check=True, capture_output=True)
            with open(src, "w") as fh:
                fh.write(path)
        ids.append(uid)
    return ids


def batch_command(wavdir, ctl, hyp, grammar):
    """The pocketsphinx_batch command line; grammar is ("-jsgf"|"-fsg"|"-lm", FILE[, DICT]),
    DICT a pronunciation dictionary instead of CMUdict (see dict_with)."""
    return ["pocketsphinx_batch", "-adcin", "yes", "-cepdir", wavdir, "-cepext", ".wav",
            "-ctl", ctl, grammar[0], grammar[1], "-hmm", PS_HMM,
            "-dict", grammar[2] if len(grammar) > 2 else PS_DICT,
            "-hyp", hyp, "-logfn", "/dev/null"]


def dict_with(extra, path):
    """CMUdict plus the entries of `extra` (word -> phones in its phone set), written to path."""
    with open(PS_DICT) as src, open(path, "w") as fh:
        fh.write(src.read())
        for word, phones in sorted(extra.items()):
            fh.write("%s %s\n" % (word, phones))


def decode(paths, work, grammar, wavdir=None):
    """Decode paths with PocketSphinx under grammar into work/ (16 kHz copies in wavdir, default
    work/wav16); returns (hypotheses in the order of paths, CPU seconds, the command)."""
    wavdir = wavdir or os.path.join(work, "wav16")
    ids = to16k(paths, wavdir)
    ctl, hyp = os.path.join(work, "ctl"), os.path.join(work, "hyp.txt")
    with open(ctl, "w") as fh:
        fh.write("\n".join(ids) + "\n")
    cmd = batch_command(wavdir, ctl, hyp, grammar)
    _, cpu = timed(cmd)
    got = {}
    with open(hyp) as fh:
        for line in fh:
            m = re.match(r"(.*)\((u\d+) [^)]*\)\s*$", line)
            if m:
                got[m.group(2)] = normalise(m.group(1))
    return [got.get(uid, "") for uid in ids], cpu, cmd


def normalise(text):
    """Lower case, letters, digits and apostrophes, single spaces (the peer's words have no
    other characters; alternative pronunciations like word(2) lose the marker)."""
    text = re.sub(r"\(\d+\)", "", text.lower())
    return " ".join(re.sub(r"[^a-z0-9' ]", " ", text).split())


def distance(a, b):
    """Levenshtein distance of two sequences."""
    prev = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        cur = [i]
        for j, y in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x != y)))
        prev = cur
    return prev[-1]


def score(refs, hyps):
    """{n, wer, cer, utt_acc} of hypotheses against references (both normalised)."""
    we = wn = ce = cn = right = 0
    for r, h in zip(refs, hyps):
        we += distance(r.split(), h.split())
        wn += len(r.split())
        ce += distance(r, h)
        cn += len(r)
        right += r == h
    n = len(refs)
    return {"n": n, "wer": we / max(wn, 1), "cer": ce / max(cn, 1), "utt_acc": right / max(n, 1)}
