#!/usr/bin/env bash
# End-to-end test of 'hark synth': usage and exit codes, a small corpus from a sentence list and
# from an intent file that 'hark data' opens, reproducibility across processes, and clear errors
# for missing or malformed input and unknown voices.
source "$(dirname "$0")/lib/common.sh"
# ---- usage ----------------------------------------------------------------------------------
run_rc 0 synth --help
for word in '--sentences' '--intents' '--rate HZ' 'default 16000' '--voices' 'en-gb-scotland' \
            '--variants' '--per-sentence' '--seed' '--wpm' '--pitch' '--range' '--augment'; do
  expect_line "$out" "$word"
done
run_rc 2 synth
run_rc 2 synth -o "$tmp/x"
run_rc 2 synth --sentences a --intents b -o "$tmp/x"
run_rc 2 synth --sentences a -o "$tmp/x" extra
run_rc 2 synth --sentences a -o "$tmp/x" --rate 5
run_rc 2 synth --sentences a -o "$tmp/x" --pitch 70:20
run_rc 2 synth --bogus

# ---- a sentence list ----------------------------------------------------------------------------
printf '# digits\nzero\n\none two\r\n' >"$tmp/s.txt"
run_rc 0 synth -q --sentences "$tmp/s.txt" --rate 8000 --per-sentence 3 --seed 5 -o "$tmp/a"
[ -z "$err" ] || fail "-q printed: $err"
[ "$(wc -l <"$tmp/a/manifest.tsv")" -eq 6 ] || fail "manifest has $(wc -l <"$tmp/a/manifest.tsv") lines, want 6"
expect_line "$(cat "$tmp/a/manifest.tsv")" $'^wav/000001_02\\.wav\tone two\ten'
run_rc 0 data "$tmp/a/manifest.tsv"
expect_line "$out" '^utterances +6$'
expect_line "$out" '^characters +" enortwz" \(8\)$'
run_rc 0 features --sample-rate 8000 "$tmp/a/wav/000000_00.wav"
# the same seed in a fresh process: the same files, byte for byte; the progress bar when not -q
run_rc 0 synth --sentences "$tmp/s.txt" --rate 8000 --per-sentence 3 --seed 5 -o "$tmp/b"
expect_line "$err" '6 utterances of 2 sentences'
diff -r "$tmp/a" "$tmp/b" >/dev/null || fail "two runs with --seed 5 differ"
run_rc 0 synth -q --sentences "$tmp/s.txt" --voices en-us --variants f3 --augment -o "$tmp/c"
expect_line "$(cat "$tmp/c/manifest.tsv")" $'\ten-us\\+f3$'

# ---- repeated --train: the shipped samples and the synthetic corpus trained on together ------------
run_rc 0 train --train "$src/samples/manifest.tsv" --train "$tmp/a/manifest.tsv" -o "$tmp/m.hark" \
  --sample-rate 8000 --layers 1 --hidden 8 --stack 2 --epochs 1 --batch 4 --seed 1 -q
run_rc 0 data "$src/samples/manifest.tsv"
samples=$(sed -nE 's/^utterances +//p' <<<"$out")
# the model's provenance counts the utterances of both corpora
grep -aq "train_utterances[^0-9]*$((samples + 6))[^0-9]" "$tmp/m.hark" ||
  fail "provenance does not count $samples + 6 training utterances"
run_rc 1 train --train "$src/samples/manifest.tsv" --train "$tmp/none.tsv" -o "$tmp/n.hark" -q
expect_line "$err" 'none\.tsv'

# ---- an intent file ---------------------------------------------------------------------------
cat >"$tmp/i.ini" <<'INI'
[Lights]
turn (on | off) the light

[Time]
what time is it
INI
run_rc 0 synth -q --intents "$tmp/i.ini" --rate 8000 -o "$tmp/d"
[ "$(wc -l <"$tmp/d/manifest.tsv")" -eq 3 ] || fail "intent corpus: want 3 sentences"
expect_line "$(cat "$tmp/d/manifest.tsv")" $'\tturn off the light\t'
run_rc 0 synth -q --intents "$tmp/i.ini" --max-per-intent 1 -o "$tmp/e"
[ "$(wc -l <"$tmp/e/manifest.tsv")" -eq 2 ] || fail "--max-per-intent 1: want 2 sentences"

# ---- errors -------------------------------------------------------------------------------------
run_rc 1 synth --sentences "$tmp/missing.txt" -o "$tmp/f"
expect_line "$err" 'missing\.txt'
printf '\n# nothing\n' >"$tmp/empty.txt"
run_rc 1 synth --sentences "$tmp/empty.txt" -o "$tmp/f"
expect_line "$err" 'no sentences'
printf 'one\n?!?\n' >"$tmp/wordless.txt"
run_rc 1 synth --sentences "$tmp/wordless.txt" -o "$tmp/f"
expect_line "$err" 'wordless\.txt:2'
printf 'bad \xff byte\n' >"$tmp/utf.txt"
run_rc 1 synth --sentences "$tmp/utf.txt" -o "$tmp/f"
expect_line "$err" 'invalid UTF-8'
printf '[Broken\nx\n' >"$tmp/bad.ini"
run_rc 1 synth --intents "$tmp/bad.ini" -o "$tmp/f"
expect_line "$err" 'bad\.ini'
run_rc 1 synth --sentences "$tmp/s.txt" --voices en,xx-nope -o "$tmp/f"
expect_line "$err" "no voice 'xx-nope'"
run_rc 1 synth --sentences "$tmp/s.txt" --variants m1,nope -o "$tmp/f"
expect_line "$err" "no variant 'nope'"
[ ! -e "$tmp/f" ] || fail "a failed run left $tmp/f"
run_rc 1 synth --sentences "$tmp/s.txt" -o "$tmp/no/such/dir"
expect_line "$err" 'cannot create'
echo ok
