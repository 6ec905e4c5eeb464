#!/usr/bin/env bash
# Tests of the general model recipe's helpers (models/recipes/lib): generated text is written in
# words that hark's normaliser keeps as they are, plans are reproducible and never give a training
# rendering a held-out voice (nor the reverse), render.sh writes every engine's WAVs, skips
# those already there and lists failures, and join.py joins one speaker's words with the gaps
# asked for. The recipe itself takes hours and is not run here.
source "$(dirname "$0")/lib/common.sh"
lib=$src/models/recipes/lib
dict=/usr/share/dict/american-english

# ---- text ----------------------------------------------------------------------------------------
awk -v kind=numbers -v n=500 -v seed=3 -f "$lib/gentext.awk" >"$tmp/numbers.txt"
[ "$(wc -l <"$tmp/numbers.txt")" -eq 500 ] || fail "numbers: $(wc -l <"$tmp/numbers.txt") lines, want 500"
bad=$(grep -Ev "^[a-z][a-z' ]*[a-z]$" "$tmp/numbers.txt" | head -3 || true)
[ -z "$bad" ] || fail "numbers not in plain words: $bad"
cmp -s "$tmp/numbers.txt" <(awk -v kind=numbers -v n=500 -v seed=3 -f "$lib/gentext.awk") \
  || fail "numbers differ for the same seed"
expect_line "$(cat "$tmp/numbers.txt")" ' thousand '
expect_line "$(cat "$tmp/numbers.txt")" '(january|february|march|april|may|june|july|august|september|october|november|december)'
if [ -r "$dict" ]; then
  awk -v kind=english -v n=300 -v seed=1 -f "$lib/gentext.awk" "$dict" >"$tmp/english.txt"
  [ "$(wc -l <"$tmp/english.txt")" -eq 300 ] || fail "english: wrong line count"
  bad=$(grep -Ev '^[a-z]+( [a-z]+){1,6}$' "$tmp/english.txt" | head -3 || true)
  [ -z "$bad" ] || fail "english phrases of 2-7 lower-case words expected: $bad"
  # Words come from the list as well as from the common-word list.
  rare=$(tr ' ' '\n' <"$tmp/english.txt" | sort -u | grep -cxFf "$dict" || true)
  [ "$rare" -gt 100 ] || fail "only $rare distinct dictionary words"
fi

# ---- plans ---------------------------------------------------------------------------------------
variants="m1 m2 f1 f3 m6 steph2 edward2 Annie klatt"
seq 1 3000 | awk '{ print "english\tphrase number " $1 }' >"$tmp/sent.tsv"
plan() { awk -F'\t' -v set="$1" -v seed=7 -v renders="$2" -v prefix=x -v variants="$variants" \
           -f "$lib/plan.awk" "$tmp/sent.tsv"; }
plan train 2 >"$tmp/train.tsv"
plan heldout 1 >"$tmp/held.tsv"
[ "$(wc -l <"$tmp/train.tsv")" -eq 6000 ] || fail "train plan: $(wc -l <"$tmp/train.tsv") lines, want 6000"
cmp -s "$tmp/train.tsv" <(plan train 2) || fail "plans differ for the same seed"
[ "$(cut -f1 "$tmp/train.tsv" | sort -u | wc -l)" -eq 6000 ] || fail "plan ids are not unique"
held_re='(^|\+)(en-gb-x-gbcwmd|f3|m6|steph2|edward2|Annie)(\+|$)|^slt$|^cmu_us_slt_arctic_hts$'
leak=$(cut -f3 "$tmp/train.tsv" | grep -E "$held_re" | head -3 || true)
[ -z "$leak" ] || fail "held-out voices in the training plan: $leak"
for e in espeak flite festival; do
  grep -q "	$e	" "$tmp/train.tsv" || fail "no $e rendering in the training plan"
done
odd=$(cut -f3 "$tmp/held.tsv" | grep -Ev "$held_re" | head -3 || true)
[ -z "$odd" ] || fail "training voices in the held-out plan: $odd"
# Styles within their ranges: espeak 120-220 wpm, pitch 25-75, gap 0-8; stretch 0.8-1.3.
awk -F'\t' '$2 == "espeak" && ($4 < 120 || $4 > 220 || $5 < 25 || $5 > 75 || $6 < 0 || $6 > 8) ||
            $2 != "espeak" && ($4 < 0.8 || $4 > 1.3) { print; exit 1 }' "$tmp/train.tsv" \
  || fail "a style out of range"

# shift=LO:HI: flite and festival training voices only, each with a shift in the range.
awk -F'\t' -v set=train -v seed=7 -v renders=1 -v prefix=s -v variants="$variants" -v shift=250:650 \
  -f "$lib/plan.awk" "$tmp/sent.tsv" >"$tmp/shift.tsv"
[ "$(wc -l <"$tmp/shift.tsv")" -eq 3000 ] || fail "shift plan: wrong line count"
awk -F'\t' '$2 == "espeak" || $6 < 250 || $6 >= 650 { print; exit 1 }' "$tmp/shift.tsv" \
  || fail "a shifted plan line is espeak or out of 250-650 cents"
leak=$(cut -f3 "$tmp/shift.tsv" | grep -E "$held_re" | head -3 || true)
[ -z "$leak" ] || fail "held-out voices in the shifted plan: $leak"
awk -F'\t' '$2 != "espeak" && $6 != 0 { print; exit 1 }' "$tmp/train.tsv" || fail "unshifted plan has a shift"

# ---- rendering -----------------------------------------------------------------------------------
command -v espeak-ng >/dev/null && command -v flite >/dev/null && command -v festival >/dev/null \
  && command -v sox >/dev/null || { echo "SKIP: espeak-ng, flite, festival or sox is not installed" >&2; exit 77; }
printf '%s\n' "r1	espeak	en-us+m1	160	50	2	turn on the light" \
  "r2	flite	kal	1.00	100	0	what time is it" \
  "r3	festival	kal_diphone	1.10	0	0	it's ten o'clock" \
  "r4	espeak	no_such_voice	160	50	2	never rendered" \
  "r5	festival	no_such_voice	1.00	0	0	never rendered" \
  "r6	festival	kal_diphone	1.00	0	0	the quick brown fox jumps over the lazy dog by the river bank" \
  "r7	flite	kal	1.00	100	500	what time is it" \
  "r8	festival	kal_diphone	1.10	0	500	it's ten o'clock" \
  >"$tmp/plan.tsv"
"$lib/render.sh" "$tmp/plan.tsv" "$tmp/rendered" 0 1
# A shift keeps the length and changes the sound (sox pitch).
for p in r2:r7 r3:r8; do
  a=$tmp/rendered/wav/${p%:*}.wav b=$tmp/rendered/wav/${p#*:}.wav
  [ -s "$b" ] || fail "${p#*:}.wav (shifted) not rendered"
  ! cmp -s "$a" "$b" || fail "${p#*:}.wav is not shifted"
  awk -v a="$(soxi -D "$a")" -v b="$(soxi -D "$b")" 'BEGIN { exit !(b > 0.97 * a && b < 1.03 * a) }' \
    || fail "${p#*:}.wav: shifting changed the length"
done
for id in r1 r2 r3 r6; do [ -s "$tmp/rendered/wav/$id.wav" ] || fail "$id.wav not rendered"; done
# festival says the sentence (a long one takes longer), not a fixed word
[ "$(stat -c %s "$tmp/rendered/wav/r6.wav")" -gt $((2 * $(stat -c %s "$tmp/rendered/wav/r3.wav"))) ] \
  || fail "festival renderings of a short and a long sentence are about as long"
[ ! -e "$tmp/rendered/wav/r4.wav" ] && [ ! -e "$tmp/rendered/wav/r5.wav" ] || fail "a failed rendering left a file"
expect_line "$(cat "$tmp/rendered/failed.0")" '^r4	espeak	no_such_voice'
expect_line "$(cat "$tmp/rendered/failed.0")" '^r5	festival	no_such_voice'
# A second run keeps what exists (resume) and renders only what is missing.
touch -d '2001-01-01' "$tmp/rendered/wav/r1.wav"
rm "$tmp/rendered/wav/r2.wav"
"$lib/render.sh" "$tmp/plan.tsv" "$tmp/rendered" 0 1
[ "$(stat -c %Y "$tmp/rendered/wav/r1.wav")" -lt 1000000000 ] || fail "an existing WAV was rendered again"
[ -s "$tmp/rendered/wav/r2.wav" ] || fail "a missing WAV was not rendered on resume"
run_rc 0 features "$tmp/rendered/wav/r3.wav"

# ---- joined recordings ---------------------------------------------------------------------------
# Two speakers, a's three words 0.2/0.3/0.4 s long at 8 kHz, b's two at 16 kHz: every utterance is
# one speaker's 2-3 different words, as long as its words plus the gaps between them.
mkdir -p "$tmp/words"
for w in a:one:0.2 a:two:0.3 a:three:0.4 b:yes:0.25 b:no:0.35; do
  IFS=: read -r spk word len <<<"$w"
  rate=$([ "$spk" = a ] && echo 8000 || echo 16000)
  sox -n -r "$rate" -c 1 -b 16 "$tmp/words/$spk-$word.wav" synth "$len" sine 300 vol 0.5
  printf '%s	%s	%s
' "$tmp/words/$spk-$word.wav" "$word" "$spk" >>"$tmp/words.tsv"
done
join() { "${PYTHON:-/usr/bin/python3}" "$lib/join.py" "$tmp/words.tsv" "$1" --n 12 --words 2:3 \
           --gap 0.1:0.2 --seed "$2" --prefix j; }
join "$tmp/j1" 5
join "$tmp/j2" 5
join "$tmp/j3" 6
[ "$(wc -l <"$tmp/j1/manifest.tsv")" -eq 12 ] || fail "join: $(wc -l <"$tmp/j1/manifest.tsv") lines, want 12"
cmp -s "$tmp/j1/manifest.tsv" "$tmp/j2/manifest.tsv" || fail "join: the same seed gave other utterances"
! cmp -s "$tmp/j1/manifest.tsv" "$tmp/j3/manifest.tsv" || fail "join: another seed gave the same utterances"
while IFS=$'\t' read -r path text spk; do
  n=$(wc -w <<<"$text")
  [ "$n" -ge 2 ] && [ "$n" -le 3 ] || fail "join: '$text' is not 2-3 words"
  [ "$(tr ' ' '\n' <<<"$text" | sort -u | wc -l)" -eq "$n" ] || fail "join: '$text' repeats a word"
  words=0
  for w in $text; do
    [ -e "$tmp/words/$spk-$w.wav" ] || fail "join: '$w' is not a word of speaker $spk"
    words=$(awk -v a="$words" -v b="$(soxi -D "$tmp/words/$spk-$w.wav")" 'BEGIN { print a + b }')
  done
  [ "$(soxi -r "$tmp/j1/$path")" -eq "$([ "$spk" = a ] && echo 8000 || echo 16000)" ] \
    || fail "join: $path is not at its speaker's rate"
  awk -v d="$(soxi -D "$tmp/j1/$path")" -v w="$words" -v n="$n" \
    'BEGIN { exit !(d >= w + 0.1 * (n - 1) - 0.002 && d <= w + 0.2 * (n - 1) + 0.002) }' \
    || fail "join: $path lasts $(soxi -D "$tmp/j1/$path") s for words of $words s and $((n - 1)) gaps"
done <"$tmp/j1/manifest.tsv"
grep -q '	b$' "$tmp/j1/manifest.tsv" && grep -q '	a$' "$tmp/j1/manifest.tsv" \
  || fail "join: not both speakers"
# ---- dev figures (lib/devcheck.sh) --------------------------------------------------------------
# A cache laid out as the recipe's, with the sample digits as every dev set: the digits model gets
# each of them right, and a wrong reference is counted wrong.
c=$tmp/cache
mkdir -p "$c/corpora" "$c/joined/dev/wav"
grep -v '^#' "$src/samples/manifest.tsv" | while IFS=$'\t' read -r f text spk; do
  cp "$src/samples/$f" "$c/joined/dev/wav/$f"
  printf 'wav/%s\t%s\t%s\n' "$f" "$text" "$spk" >>"$c/joined/dev/manifest.tsv"
  printf '%s\t%s\twake\n' "$src/samples/$f" "$text" >>"$c/corpora/wake_dev.tsv"
  printf '%s\t%s\t%s\n' "$src/samples/$f" "$text" "$spk" >>"$c/joined/dev.tsv"
done
: >"$c/corpora/wake_train.tsv"
: >"$c/corpora/wake_heldout.tsv"
awk -F'\t' -v r="$c/joined/dev" '{ print r "/" $1 "\t" $2 "\t" $3 }' "$c/joined/dev/manifest.tsv" >>"$c/joined/dev.tsv"
report=$("$lib/devcheck.sh" "$hark" "$src/models/digits.hark" "$c")
expect_line "$report" '^dev PER \(no wake phrase\): 0\.00%$'
expect_line "$report" '^joined validation sequences, word-sequence grammar: 100\.0% of 5 right$'
expect_line "$report" '^wake-word dev phrase "smart mirror", 5-phrase grammar: 100\.0% of 5 right$'
sed -i '1s/\tzero\t/\tnine\t/' "$c/corpora/wake_dev.tsv"
report=$("$lib/devcheck.sh" "$hark" "$src/models/digits.hark" "$c")
expect_line "$report" '^wake-word dev phrase "smart mirror", 5-phrase grammar: 80\.0% of 5 right$'

echo "recipe_default: ok"
