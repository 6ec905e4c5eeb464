#!/usr/bin/env bash
# End-to-end test of 'hark train --units phones': a tiny phone model trains on the shipped samples,
# its file records the units, the lexicon of the training words (and of --lexicon-words) and the
# training words' counts,
# reports the dev phone error rate, transcribes into phones, resumes as a phone model, and is
# fine-tuned with --init.
source "$(dirname "$0")/lib/common.sh"
corpus=$src/samples/manifest.tsv
tiny=(--sample-rate 8000 --hidden 12 --layers 1 --stack 3 --batch 5 --threads 1)

# The header's JSON (the file starts with its 8-byte length).
header() { head -c 200000 "$1" | tr -d '\000' | tr ',' '\n'; }

run_rc 0 train --help
grep -q -- "--units chars|phones" <<<"$out" || fail "--help lacks --units"
grep -q -- "--lexicon-words" <<<"$out" || fail "--help lacks --lexicon-words"
run_rc 2 train --train "$corpus" -o "$tmp/x.hark" --units syllables
grep -q "units" <<<"$err" || fail "bad --units message: $err"
printf 'zebra\nHello World\n' >"$tmp/words.txt"
run_rc 1 train --train "$corpus" -o "$tmp/x.hark" "${tiny[@]}" --lexicon-words "$tmp/words.txt"
grep -q "phone" <<<"$err" || fail "--lexicon-words with characters: $err"
run_rc 1 train --train "$corpus" -o "$tmp/x.hark" "${tiny[@]}" --units phones \
  --lexicon-words "$tmp/none.txt"
grep -q "none.txt" <<<"$err" || fail "missing word list message: $err"

run_rc 0 train --train "$corpus" --dev "$corpus" -o "$tmp/p.hark" "${tiny[@]}" --epochs 2 \
  --units phones --lexicon-words "$tmp/words.txt" --checkpoint "$tmp/p.ckpt" \
  --checkpoint-every 1
grep -q "dev PER" <<<"$err" || fail "no dev phone error rate in the progress: $err"
h=$(header "$tmp/p.hark")
grep -q '"units":"phones"' <<<"$h" || fail "no units key in the model"
# Training words (seven, zero...) and the extra list's words, lower-cased, with their phones.
for w in 'seven\\":\\"sɛvən' 'zero\\"' 'zebra\\"' 'hello\\":\\"həlo' 'world\\"'; do
  grep -q "$w" <<<"$h" || fail "the lexicon lacks $w: $(grep lexicon <<<"$h" | head -c 300)"
done
grep -q '"provenance"' <<<"$h" || fail "no provenance"
# word_counts: how often each word occurs in the training transcripts (each utterance once, the
# extra word list not at all), the word prior of the model's lexicon loop.
counts() {
  python3 - "$1" <<'PY'
import json, struct, sys
with open(sys.argv[1], "rb") as f:
    n = struct.unpack("<Q", f.read(8))[0]
    meta = json.loads(f.read(n))["__metadata__"]
wc = meta.get("word_counts")
print(" ".join(f"{w}={c}" for w, c in sorted(json.loads(wc).items())) if wc else "none")
PY
}
want=$(awk -F'\t' '!/^#/ { n = split(tolower($2), w, " "); for (i = 1; i <= n; i++) c[w[i]]++ }
                   END { for (k in c) print k "=" c[k] }' "$corpus" | LC_ALL=C sort | tr '\n' ' ')
got=$(counts "$tmp/p.hark")
[ "$got " = "$want" ] || fail "word_counts: got '$got', want '$want'"
run_rc 0 transcribe -m "$tmp/p.hark" "$src/samples/7_theo_0.wav"
# Greedy output of a phone model is phones: nothing outside the phone alphabet.
if LC_ALL=C.UTF-8 grep -q '[a-df-hj-np-z]' <<<"$(tr -d 'ptdkfvszhmnlrjwbeio ' <<<"$out")"; then
  fail "transcript of a phone model has letters that are no phones: $out"
fi

# Resuming keeps it a phone model with its lexicon (no --units needed).
run_rc 0 train --train "$corpus" -o "$tmp/r.hark" "${tiny[@]}" --epochs 3 \
  --resume "$tmp/p.ckpt" --checkpoint "$tmp/r.ckpt" -q
grep -q '"units":"phones"' <<<"$(header "$tmp/r.hark")" || fail "resumed model is not phones"
grep -q 'zebra' <<<"$(header "$tmp/r.hark")" || fail "resumed model lost the lexicon"
# Counted afresh from the data, not added to the checkpoint's counts.
[ "$(counts "$tmp/r.hark") " = "$want" ] || fail "resumed word_counts: $(counts "$tmp/r.hark")"

# Fine-tuning (--init) keeps the units, the lexicon and the base's provenance, adds the new
# data's word counts to the base's (here the same data: every count doubles), and counts steps
# from zero.
run_rc 0 train --train "$corpus" -o "$tmp/f.hark" --epochs 1 --init "$tmp/p.hark" --lr 0.001 -q
h=$(header "$tmp/f.hark")
grep -q '"units":"phones"' <<<"$h" || fail "fine-tuned model is not phones"
grep -q 'zebra' <<<"$h" || fail "fine-tuned model lost the lexicon"
grep -q 'base_provenance' <<<"$h" || fail "fine-tuned model lost its base's provenance"
twice=$(tr ' ' '\n' <<<"$want" | awk -F= 'NF == 2 { print $1 "=" 2 * $2 }' | LC_ALL=C sort | tr '\n' ' ')
[ "$(counts "$tmp/f.hark") " = "$twice" ] || fail "fine-tuned word_counts: $(counts "$tmp/f.hark")"
# A chain: fine-tuning the fine-tuned model adds to all its counts, its base's and its own data's
# (three times each), not to its base's alone.
run_rc 0 train --train "$corpus" -o "$tmp/f3.hark" --epochs 1 --init "$tmp/f.hark" --lr 0.001 -q
thrice=$(tr ' ' '\n' <<<"$want" | awk -F= 'NF == 2 { print $1 "=" 3 * $2 }' | LC_ALL=C sort | tr '\n' ' ')
[ "$(counts "$tmp/f3.hark") " = "$thrice" ] || fail "twice fine-tuned word_counts: $(counts "$tmp/f3.hark")"
# A checkpoint is a model to start from too; the network is the model's, not the options'.
run_rc 0 train --train "$corpus" -o "$tmp/f2.hark" --epochs 1 --init "$tmp/p.ckpt" -q
run_rc 2 train --train "$corpus" -o "$tmp/x.hark" --init "$tmp/p.hark" --hidden 64
grep -q -- "--hidden" <<<"$err" || fail "--init with a network option: $err"
run_rc 2 train --train "$corpus" -o "$tmp/x.hark" --init "$tmp/p.hark" --resume "$tmp/p.ckpt"
grep -q -- "--resume" <<<"$err" || fail "--init with --resume: $err"
run_rc 1 train --train "$corpus" -o "$tmp/x.hark" --init "$tmp/missing.hark"
grep -q "missing.hark" <<<"$err" || fail "--init of a missing model: $err"
run_rc 0 train --help
grep -q -- "--init MODEL" <<<"$out" || fail "--help lacks --init"

# A character model trained as before has no units key and still says CER.
run_rc 0 train --train "$corpus" --dev "$corpus" -o "$tmp/c.hark" "${tiny[@]}" --epochs 1
grep -q "dev CER" <<<"$err" || fail "character model progress: $err"
if grep -q '"units"' <<<"$(header "$tmp/c.hark")"; then fail "character model has a units key"; fi
[ "$(counts "$tmp/c.hark")" = none ] || fail "character model has word counts"
echo "train_phones: all checks passed"
