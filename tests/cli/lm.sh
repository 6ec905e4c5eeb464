#!/usr/bin/env bash
# End-to-end test of 'hark lm': usage and exit codes, building a model from text normalised as
# transcripts are, evaluating it, and one-line errors for bad files and arguments.
source "$(dirname "$0")/lib/common.sh"
# ---- usage ----------------------------------------------------------------------------------
run_rc 0 lm --help
for word in 'hark lm build' 'hark lm eval' '--order N' 'default: 3' '-o, --output' \
            '--per-sentence' '--no-normalize' 'Kneser-Ney'; do
  expect_line "$out" "$word"
done
run_rc 0 lm build --help
run_rc 2 lm
run_rc 2 lm frobnicate
expect_line "$err" "unknown subcommand 'frobnicate'"
run_rc 2 lm build "$tmp/none.txt"
expect_line "$err" "missing -o FILE.arpa"
run_rc 2 lm build -o "$tmp/x.arpa"
expect_line "$err" "missing TEXT"
run_rc 2 lm build --order 6 -o "$tmp/x.arpa" "$src/tests/data/lm/kn_tiny.txt"
expect_line "$err" "--order expects an integer from 1 to 5"
run_rc 2 lm eval "$tmp/x.arpa"
run_rc 2 lm build --bogus -o "$tmp/x.arpa" a

# ---- build: text is normalised as transcripts are ------------------------------------------
printf 'The cat sat on the mat.\n\nThe dog ate 2 fish!\r\nCAFÉ au lait\n' >"$tmp/text.txt"
run_rc 0 lm build "$tmp/text.txt" -o "$tmp/m.arpa" --order 2
grep -q $'\tcafe\t' "$tmp/m.arpa" || fail "accents not folded: $(cat "$tmp/m.arpa")"
grep -q $'\ttwo\t' "$tmp/m.arpa" || fail "numbers not spelled out"
grep -q $'\tthe cat' "$tmp/m.arpa" || fail "case not folded"
! grep -q 'The\|mat\.' "$tmp/m.arpa" || fail "raw text in the model"
expect_line "$(head -3 "$tmp/m.arpa")" '^ngram 1=1[0-9]$'
# several files and standard input; the output is replaced atomically (no temporary left)
printf 'a cat\n' | "$hark" lm build "$tmp/text.txt" - -o "$tmp/m.arpa" || fail "build from stdin failed"
[ "$(ls "$tmp" | grep -c tmp)" -eq 0 ] || fail "temporary file left: $(ls "$tmp")"

# ---- eval --------------------------------------------------------------------------------
printf 'the cat sat on the mat\nthe zebra\n' >"$tmp/test.txt"
run_rc 0 lm eval --per-sentence "$tmp/m.arpa" "$tmp/test.txt"
expect_line "$out" '^sentences +2$'
expect_line "$out" '^words +8$'
expect_line "$out" '^OOVs +1$'
expect_line "$out" '^perplexity +[0-9.]+$'
expect_line "$out" $'^-[0-9.]+\tthe zebra$'
# the totals agree with the per-sentence lines
sum=$(grep -P '^-[0-9.]+\t' <<<"$out" | cut -f1 | paste -sd+ | bc -l)
total=$(sed -n 's/^log10 prob *//p' <<<"$out")
awk -v a="$sum" -v b="$total" 'BEGIN { exit !(a - b < 1e-5 && b - a < 1e-5) }' ||
  fail "per-sentence sum $sum != total $total"
# the committed sphinx_lm_eval figures, through the CLI
ref=$src/tests/data/lm
grep $'^backoff4.arpa\t' "$ref/sphinx_expected.tsv" | cut -f3 >"$tmp/s.txt"
run_rc 0 lm eval --no-normalize --per-sentence "$ref/backoff4.arpa" "$tmp/s.txt"
paste <(grep $'^backoff4.arpa\t' "$ref/sphinx_expected.tsv" | cut -f2) \
      <(grep -P '^-[0-9.]+\t' <<<"$out" | cut -f1) |
  awk '{ d = $1 - $2; if (d < 0) d = -d; if (d > 1e-4) { print "differs: " $0; bad = 1 } } END { exit bad }' ||
  fail "hark lm eval differs from sphinx_lm_eval"

# ---- errors: one line naming the file and the reason -------------------------------------
run_rc 1 lm eval "$tmp/nothing.arpa" "$tmp/test.txt"
expect_line "$err" "^hark lm eval: .*nothing.arpa: No such file or directory$"
printf '\\data\\\nngram 1=2\n\n\\1-grams:\n-1 a\n\\end\\\n' >"$tmp/bad.arpa"
run_rc 1 lm eval "$tmp/bad.arpa" "$tmp/test.txt"
expect_line "$err" "bad.arpa:6: the .1-grams: section holds 1 n-grams, .data. promises 2$"
[ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "error is not one line: $err"
run_rc 1 lm eval "$tmp/m.arpa" "$tmp/missing.txt"
expect_line "$err" "missing.txt: No such file"
run_rc 1 lm build "$tmp/missing.txt" -o "$tmp/y.arpa"
[ ! -e "$tmp/y.arpa" ] || fail "a failed build left an output file"
printf '\n  \n' >"$tmp/blank.txt"
run_rc 1 lm build "$tmp/blank.txt" -o "$tmp/y.arpa"
expect_line "$err" "no words"
run_rc 1 lm build "$tmp/text.txt" -o "$tmp/no/such/dir.arpa"
expect_line "$err" "no/such/dir.arpa"
echo "hark lm: all checks passed"
