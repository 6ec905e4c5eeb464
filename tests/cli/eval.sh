#!/usr/bin/env bash
# End-to-end test of 'hark eval': the JSON keys and values on the shipped samples with the
# shipped digits model, the text report, and bad usage/input.
source "$(dirname "$0")/lib/common.sh"
model=$src/models/digits.hark
[ -f "$model" ] || fail "models/digits.hark is missing"

run_rc 0 eval --help
for opt in --model --json --worst --skip-empty --threads; do
  grep -q -- "$opt" <<<"$out" || fail "--help lacks $opt"
done
run_rc 2 eval -m "$model"
run_rc 2 eval -m "$model" "$src/samples/manifest.tsv" extra
run_rc 2 eval -m "$model" --worst x "$src/samples/manifest.tsv"

# JSON: one object with the required keys; the five samples are all right.
run_rc 0 eval -m "$model" --json "$src/samples/manifest.tsv"
[ "$(wc -l <<<"$out")" -eq 1 ] || fail "one JSON line expected: $out"
for key in '"n":5' '"wer":0' '"cer":0' '"utt_acc":1' '"rtf":' '"speakers":' '"confusions":'; do
  grep -q -- "$key" <<<"$out" || fail "JSON lacks $key: $out"
done
grep -Eq '"rtf":0\.[0-9]+' <<<"$out" || fail "rtf should be a positive fraction: $out"

# Text: the figures, per-speaker lines.
run_rc 0 eval -m "$model" "$src/samples/manifest.tsv"
for word in WER CER RTF 'utterances +100.00% right' theo; do
  grep -Eq -- "$word" <<<"$out" || fail "text report lacks $word: $out"
done

# A manifest whose transcripts are wrong shows errors, the worst list and the confusions.
sed 's/\tseven\t/\tnine\t/' "$src/samples/manifest.tsv" | sed "s|^\([0-9]\)|$src/samples/\1|" >"$tmp/wrong.tsv"
run_rc 0 eval -m "$model" --json "$tmp/wrong.tsv"
grep -q '"utt_acc":0.8' <<<"$out" || fail "one of five wrong: $out"
grep -q '"ref":"nine","hyp":"seven","count":1' <<<"$out" || fail "confusion nine->seven: $out"
run_rc 0 eval -m "$model" "$tmp/wrong.tsv"
grep -q "worst utterances" <<<"$out" && grep -q "nine -> seven" <<<"$out" || fail "text report: $out"

# Bad corpus and bad model: one error line, exit 1.
run_rc 1 eval -m "$model" "$tmp/no-such-corpus"
grep -q "no-such-corpus" <<<"$err" || fail "missing corpus message: $err"
echo "not a model" >"$tmp/bad.hark"
run_rc 1 eval -m "$tmp/bad.hark" "$src/samples/manifest.tsv"
grep -q "bad.hark" <<<"$err" || fail "bad model message: $err"
echo "eval: all checks passed"
