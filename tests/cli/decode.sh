#!/usr/bin/env bash
# End-to-end test of the beam-search options of 'hark transcribe' and 'hark eval' (--beam, --lm,
# --lm-weight, --word-bonus, --hotword, --nbest, eval --calibrate) with the shipped digits model
# and samples: the beam search gives the digits, an ARPA LM restricts the words, JSON carries the
# n-best list, calibration is fitted and stored, and bad values are refused.
source "$(dirname "$0")/lib/common.sh"
model=$src/models/digits.hark
[ -f "$model" ] || fail "models/digits.hark is missing (rebuild it with models/recipes/digits.sh)"
s7=$src/samples/7_theo_0.wav

# ---- help --------------------------------------------------------------------------------------
# (each flag's default and the bad combinations: decode_options.sh)
for sub in transcribe eval; do
  run_rc 0 $sub --help
  for opt in --beam --lm --lm-weight --word-bonus --hotword; do
    grep -q -- "$opt" <<<"$out" || fail "$sub --help lacks $opt"
  done
done
grep -q -- "--calibrate" <<<"$out" || fail "eval --help lacks --calibrate"
grep -q "ECE" <<<"$out" || fail "eval --help does not define the ECE"

# ---- the beam search gives every sample's digit ------------------------------------------------
while IFS=$'\t' read -r file text _; do
  case "$file" in '#'*|'') continue ;; esac
  run_rc 0 transcribe -m "$model" --beam 8 "$src/samples/$file"
  [ "$out" = "$text" ] || fail "$file: beam gave '$out', want '$text'"
done <"$src/samples/manifest.tsv"

run_rc 0 transcribe -m "$model" --beam 16 --nbest 3 -f json "$s7"
grep -q '"text":"seven"' <<<"$out" || fail "json text: $out"
grep -q '"words":\[{"word":"seven","start":' <<<"$out" || fail "json words: $out"
[ "$(grep -o '"posterior"' <<<"$out" | wc -l)" -eq 3 ] || fail "json n-best of 3: $out"

# ---- an LM restricts the words: one that only knows "one" and "two" ----------------------------
cat >"$tmp/lm.arpa" <<'ARPA'
\data\
ngram 1=5

\1-grams:
-0.5	</s>
-99	<s>	0
-0.5	one	0
-0.5	two	0
-2	<unk>

\end\
ARPA
run_rc 0 transcribe -m "$model" --lm "$tmp/lm.arpa" "$s7"
case "$out" in one|two|"one two"|"two one"|"") ;; *) fail "LM-constrained gave '$out'" ;; esac
run_rc 0 transcribe -m "$model" --lm "$tmp/lm.arpa" --lm-weight 0 --word-bonus 0 "$src/samples/0_george_2.wav"
case "$out" in zero) fail "a word outside the LM came out: $out" ;; esac
run_rc 0 transcribe -m "$model" --hotword "seven:2" --hotword "one two" "$s7"
[ "$out" = "seven" ] || fail "hotword run: $out"

# ---- bad values ----------------------------------------------------------------------------------
run_rc 2 transcribe -m "$model" --beam 0 "$s7"
run_rc 2 transcribe -m "$model" --beam x "$s7"
run_rc 2 transcribe -m "$model" --lm-weight -1 "$s7"
run_rc 2 transcribe -m "$model" --hotword ":3" "$s7"
run_rc 2 transcribe -m "$model" --hotword "seven:0" "$s7"
run_rc 2 transcribe -m "$model" --beam 4 --closed "$s7"
run_rc 1 transcribe -m "$model" --lm "$tmp/missing.arpa" "$s7"
grep -q "missing.arpa" <<<"$err" || fail "missing LM: error does not name the file: $err"
printf 'not an arpa file\n' >"$tmp/bad.arpa"
run_rc 1 transcribe -m "$model" --lm "$tmp/bad.arpa" "$s7"
grep -q "bad.arpa" <<<"$err" || fail "bad LM: error does not name the file: $err"
run_rc 2 transcribe -m "$model" --beam 2 --nbest 3 -f json "$s7"
# A hotword the alphabet cannot spell (the digits model has no "j").
run_rc 1 transcribe -m "$model" --hotword "jazz" "$s7"

# ---- eval: ECE, and calibration fitted on a corpus with right and wrong transcripts -------------
run_rc 0 eval -m "$model" --beam 8 --json "$src/samples/manifest.tsv"
grep -Eq '"ece":[0-9.e-]+' <<<"$out" || fail "eval --json lacks ece: $out"
run_rc 2 eval -m "$model" --calibrate "$src/samples/manifest.tsv"
run_rc 2 eval -m "$model" -o "$tmp/x.hark" "$src/samples/manifest.tsv"
while IFS=$'\t' read -r file text _; do
  case "$file" in '#'*|'') continue ;; esac
  printf '%s\t%s\n%s\tnine nine\n' "$src/samples/$file" "$text" "$src/samples/$file"
done <"$src/samples/manifest.tsv" >"$tmp/mixed.tsv"
run_rc 0 eval -m "$model" --calibrate -o "$tmp/cal.hark" --json "$tmp/mixed.tsv"
grep -q '"ece_calibrated"' <<<"$out" || fail "calibrate: $out"
[ -s "$tmp/cal.hark" ] || fail "the calibrated model was not written"
run_rc 0 transcribe -m "$tmp/cal.hark" --beam 4 -f json "$s7"
grep -q '"text":"seven"' <<<"$out" || fail "calibrated model: $out"
# Half the references are wrong: the calibrated confidence says so.
conf=$(grep -o '"confidence":[0-9.e-]*' <<<"$out" | head -1 | cut -d: -f2)
awk -v c="$conf" 'BEGIN { exit !(c > 0.2 && c < 0.8) }' || fail "calibrated confidence $conf"
# A corpus where everything is right has nothing to fit.
run_rc 1 eval -m "$model" --calibrate -o "$tmp/y.hark" "$src/samples/manifest.tsv"
echo ok
