#!/usr/bin/env bash
# models/recipes/eval.sh in a tiny run: four files per set, models/digits.hark, no LM, six fresh
# assistant requests and out-of-scope phrases rendered by held-out voices (not the default
# recipe's cache). The report must hold every figure row and set table, for hark and
# PocketSphinx, with percentages in [0, 100] and positive real-time factors; the digits model
# under the digit grammar must get most of four FSDD test digits right, and the FSG given to
# PocketSphinx must accept sampled sentences of models/assistant.ini and reject others.
source "$(dirname "$0")/lib/common.sh"
data=$shared/data
[ -d "$data/fsdd" ] && [ -d "$data/speech_commands" ] && [ -d "$data/ljspeech" ] \
  && [ -d "$data/wake_words" ] \
  || { echo "SKIP: $data (fsdd, speech_commands, ljspeech, wake_words) not found" >&2; exit 77; }
for p in pocketsphinx_batch sox espeak-ng flite festival cc /usr/bin/python3; do
  command -v "$p" >/dev/null || { echo "SKIP: $p is not installed" >&2; exit 77; }
done
[ -d /usr/share/pocketsphinx/model/en-us ] || { echo "SKIP: pocketsphinx-en-us is not installed" >&2; exit 77; }

HARK_BIN=$hark HARK_DATA=$data MODEL=$src/models/digits.hark LIMIT=4 REPEATS=1 EXTRA=6 LM=none \
  HELDOUT=$tmp/no-heldout WORK=$tmp/work OUT=$tmp/EVAL.md NICE=0 \
  "$src/models/recipes/eval.sh" 2>"$tmp/log" || { cat "$tmp/log" >&2; fail "eval.sh failed"; }
report=$(cat "$tmp/EVAL.md")

# The summary: every figure, one column per system.
expect_line "$report" '^\| figure \| target \| digits\.hark \| PocketSphinx \|$'
for fig in 'FSDD george, digit grammar' 'FSDD test split, digit grammar' \
           'Speech Commands test, 35-word grammar' 'Speech Commands test, open' \
           'LJSpeech dev CER' 'LJSpeech dev WER with an LM' 'Assistant intent accuracy' \
           'Assistant, every slot right' 'Assistant, out-of-scope rejected' \
           'Acoustic model RTF, one thread' 'Model size'; do
  expect_line "$report" "^\| $fig"
done
expect_line "$report" '^\| Model size \| <= 10 MB \| 3\.[0-9]+ MB \| - \|$'
# The set tables, with hark's and PocketSphinx's rows.
for set in 'FSDD speaker george' 'FSDD test split' 'Speech Commands test split' 'LJSpeech dev split' \
           'Wake words: "view glass"' 'FSDD digit strings' 'Assistant requests by held-out voices'; do
  expect_line "$report" "^### $set"
done
expect_line "$report" '^\| Wake phrase held out of training'
expect_line "$report" '^\| Real speech outside the grammar rejected \(the 4 "view glass" recordings .*\| report \| [0-9.]+% \| [0-9.]+% \|$'
expect_line "$report" '^\| FSDD digit strings .*, digit-string grammar \| report \| [0-9.]+% \| [0-9.]+% \|$'
expect_line "$report" '^\| PocketSphinx \| en-us \(PocketSphinx\) \| digit-string grammar \(JSGF\) \|'
[ "$(grep -c '^| system | model | decoder | exact | WER | CER | RTF (CPU) | hark RTF |$' <<<"$report")" -eq 6 ] \
  || fail "not six transcript tables"
expect_line "$report" '^\| hark \| digits\.hark \| digit grammar \(phrase list\) \|'
expect_line "$report" '^\| PocketSphinx \| en-us \(PocketSphinx\) \| digit grammar \(JSGF\) \|'
expect_line "$report" '^\| PocketSphinx \| en-us \(PocketSphinx\) \| en-us LM \|'
expect_line "$report" '^\| hark \| digits\.hark \| grammar of assistant\.ini \|'
expect_line "$report" '^\| PocketSphinx \| en-us \(PocketSphinx\) \| grammar \(FSG'
expect_line "$report" '^hark eval -m models/digits\.hark --json --phrases '
! grep -q '/tmp/\|/work/\|/root/' <<<"$report" || fail "a machine path in the report"

# Numbers in range: every percentage in [0, 100], every RTF > 0, four files per set.
/usr/bin/python3 - "$tmp/work/report.json" <<'PY' || fail "figures out of range"
import json, sys
r = json.load(open(sys.argv[1]))
for name, s in r["sets"].items():
    assert s["n"] == 4, (name, s["n"])
    for model, label, res, rtf, own in s["rows"]:
        for k in ("wer", "cer", "utt_acc"):
            assert 0 <= res[k] <= (1 if k == "utt_acc" else 5), (name, label, k, res[k])
        assert 0 < rtf < 5, (name, label, rtf)
a = r["assistant"]
assert a["n"] == 4 and a["n_oos"] == 4, a
for model, label, res, rtf in a["rows"]:
    for k in ("intent", "slots", "oos"):
        assert 0 <= res[k] <= 1, (label, k, res[k])
    assert 0 < rtf < 5, (label, rtf)
grammar = [res for m, label, res, *_ in r["sets"]["fsdd_test"]["rows"]
           if m == "digits.hark" and "grammar" in label][0]
assert grammar["utt_acc"] >= 0.75, grammar
# The digits model is trained on joined strings: it gets most of four right.
strings = [res for m, label, res, *_ in r["sets"]["digit_strings"]["rows"]
           if m == "digits.hark" and "grammar" in label][0]
assert strings["utt_acc"] >= 0.75, strings
PY
# The FSG PocketSphinx decodes under accepts the intent file's sentences and nothing else.
"$hark" intent -i "$src/models/assistant.ini" --sample 8 --seed 5 >"$tmp/sample.tsv"
printf '%s\n' 'turn on the the lights' 'hello world' 'set a timer for minutes' \
  'what time is it now please now' >"$tmp/outside.txt"
/usr/bin/python3 - "$tmp/work/assistant.fsg" "$tmp/sample.tsv" "$tmp/outside.txt" <<'PY' \
  || fail "the FSG does not hold exactly the intent file's sentences"
import sys
from collections import defaultdict
arcs = defaultdict(list)
for line in open(sys.argv[1]):
    f = line.split()
    if f and f[0] == "FINAL_STATE":
        final = int(f[1])
    if f and f[0] == "TRANSITION":
        arcs[int(f[1])].append((int(f[2]), f[4] if len(f) > 4 else None))
def closure(states):
    todo, seen = list(states), set(states)
    while todo:
        for to, w in arcs[todo.pop()]:
            if w is None and to not in seen:
                seen.add(to); todo.append(to)
    return seen
def accepts(words):
    cur = closure({0})
    for w in words:
        cur = closure({to for s in cur for to, x in arcs[s] if x == w})
    return final in cur
good = [l.split("\t")[1] for l in open(sys.argv[2]) if l.strip()]
bad = [l.strip() for l in open(sys.argv[3]) if l.strip()]
miss = [s for s in good if not accepts(s.split())]
extra = [s for s in bad if accepts(s.split())]
assert good and not miss, miss[:3]
assert not extra, extra
PY
# PocketSphinx's results are cached by the grammar's contents, not its name: an edited grammar
# file is decoded again.
"${PYTHON:-/usr/bin/python3}" - "$src/bench" "$tmp" <<'PY' || fail "PocketSphinx cache key"
import os, sys
sys.path.insert(0, sys.argv[1])
import evaluate
g = os.path.join(sys.argv[2], "key.gram")
open(g, "w").write("#JSGF V1.0; grammar g; public <s> = one;\n")
k1 = evaluate.file_key(g)
open(g, "w").write("#JSGF V1.0; grammar g; public <s> = two;\n")
assert evaluate.file_key(g) != k1
assert evaluate.file_key("-jsgf") == "-jsgf"
PY
echo "recipe_eval: ok"
