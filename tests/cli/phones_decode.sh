#!/usr/bin/env bash
# End-to-end test of decoding a phone model (hark train --units phones): 'hark eval' decodes
# greedily and scores the phones as a phone error rate against the phonemized reference;
# 'hark transcribe' writes words (by default a beam search over the model's lexicon); phrase
# lists, the model's own phrases, intent grammars and an LM beam search give words too.
source "$(dirname "$0")/lib/common.sh"
corpus=$src/samples/manifest.tsv
wav=$src/samples/7_theo_0.wav

# A model that learns the five sample recordings by heart (a second or so).
run_rc 0 train --train "$corpus" -o "$tmp/p.hark" --sample-rate 8000 --hidden 32 --layers 1 \
  --stack 2 --batch 5 --epochs 150 --lr 0.01 --warmup 10 --units phones -q

# transcribe: the words of the model's lexicon, not phones, with or without --beam.
run_rc 0 transcribe -m "$tmp/p.hark" "$wav"
[ "$out" = "seven" ] || fail "default transcript of a phone model: '$out', want 'seven'"
run_rc 0 transcribe -m "$tmp/p.hark" --beam 4 "$wav"
[ "$out" = "seven" ] || fail "--beam 4 transcript of a phone model: '$out', want 'seven'"
# The model stores its training word counts: --lm-weight and --word-bonus weight that prior,
# without --lm (a character model refuses them: decode_options.sh).
run_rc 0 transcribe -m "$tmp/p.hark" --lm-weight 0.3 --word-bonus 0.5 "$wav"
[ "$out" = "seven" ] || fail "--lm-weight with the word prior: '$out', want 'seven'"
# listen without a grammar: final and partials are lexicon words, never phones.
run_rc 0 listen --no-speak --json --no-grammar --intents none --min-confidence 0 -m "$tmp/p.hark" \
  --input "$wav"
expect_line "$out" '"type":"final","text":"seven"'
if grep '"type":"partial"' <<<"$out" | grep -Ev '"text":"(seven)?"'; then
  fail "a partial that is not the word: $out"
fi
# eval --calibrate fits the confidences of that same search (words, not phones): with one
# reference made wrong, exactly one word error.
{ awk -F'\t' -v d="$src/samples" '!/^#/ && NF { print d "/" $1 "\t" $2 }' "$corpus"
  printf '%s\tnine\n' "$wav"; } >"$tmp/mixed.tsv"
run_rc 0 eval -m "$tmp/p.hark" --calibrate -o "$tmp/pc.hark" --json "$tmp/mixed.tsv"
expect_line "$out" '"word_errors":1[,}]'
# eval, greedy: phones, scored as PER.
run_rc 0 eval -m "$tmp/p.hark" "$corpus"
expect_line "$out" '^PER +0\.00% \(0 errors / 19 phones'
if grep -q '^CER' <<<"$out"; then fail "greedy phone eval shows a CER: $out"; fi
run_rc 0 eval -m "$tmp/p.hark" --json "$corpus"
expect_line "$out" '"per":0[,}]'
expect_line "$out" '"units":"phones"'

# Phrase lists (as a grammar, and the model's training phrases): words, scored as words.
printf 'zero\none\ntwo\nthree\nfour\nfive\nsix\nseven\neight\nnine\n' >"$tmp/digits.txt"
run_rc 0 eval -m "$tmp/p.hark" --phrases "$tmp/digits.txt" "$corpus"
expect_line "$out" '^WER +0\.00% \(0 errors / 5 words\)'
expect_line "$out" '^CER +0\.00% \(0 errors / 22 characters\)'
run_rc 0 eval -m "$tmp/p.hark" --closed "$corpus"
expect_line "$out" '^WER +0\.00%'
run_rc 0 transcribe -m "$tmp/p.hark" --phrases "$tmp/digits.txt" "$wav"
expect_line "$out" "^seven\s*$"

# An intent grammar: words, intent and slot.
printf '[Digit]\nsay (zero | three | five | seven | nine){digit}\n(zero | three | five | seven | nine){digit}\n' \
  >"$tmp/digits.ini"
run_rc 0 transcribe -m "$tmp/p.hark" --intents "$tmp/digits.ini" "$wav"
expect_line "$out" $'^seven\tDigit\tdigit=seven'

# An LM beam search: the lexicon is the LM's words, pronounced; homophones go to the LM.
{ printf '\\data\\\nngram 1=14\n\n\\1-grams:\n-1.0\t</s>\n-99\t<s>\n-2.0\t<unk>\n'
  for w in zero one two three four five six seven eight nine; do printf -- '-1.1\t%s\n' "$w"; done
  printf -- '-3.0\tsevin\n\n\\end\\\n'; } >"$tmp/digits.arpa"
run_rc 0 eval -m "$tmp/p.hark" --lm "$tmp/digits.arpa" "$corpus"
expect_line "$out" '^WER +0\.00% \(0 errors / 5 words\)'
run_rc 0 transcribe -m "$tmp/p.hark" --lm "$tmp/digits.arpa" --hotword "nine:3" "$wav"
[ "$out" = "seven" ] || fail "LM decoding: '$out'"
echo "phones_decode: all checks passed"
