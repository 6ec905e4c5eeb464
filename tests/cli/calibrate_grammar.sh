#!/usr/bin/env bash
# bench/grammar/calibrate.py, the grammar thresholds the recipes store in their models: the noise
# floor is the lowest that gives every noise clip the search hears something in no intent (0 when
# it hears silence in all), never above the in-grammar budget's bound; the rejection threshold
# lies between the in-grammar and out-of-grammar gaps. A stand-in for hark reads each
# recording's confidence and gap from its name, so every case is exact.
source "$(dirname "$0")/lib/common.sh"
command -v python3 >/dev/null || { echo "SKIP: python3 is not installed" >&2; exit 77; }
py=$(command -v /usr/bin/python3 || command -v python3)

# fake hark: 'transcribe ... FILES' prints, per FILE named c<confidence>_g<gap>.wav or
# c<confidence>_none.wav, the JSON fields calibrate.py reads; c<confidence>_g<gap>_o<gap2>.wav
# has the gap gap2 under --intents (outside that grammar) and gap under --phrases; a trailing
# _u<share> is its uncovered share under --intents (0 otherwise).
cat >"$tmp/hark" <<'FAKE'
#!/usr/bin/env bash
[ "$1" = transcribe ] || exit 2
intents=0
for a in "$@"; do [ "$a" = --intents ] && intents=1; done
for a in "$@"; do
  case $a in
    *.wav) b=$(basename "$a" .wav); c=${b#c}; c=${c%%_*}; g=${b#*_}; u=0
           case $g in *_u*) [ "$intents" = 1 ] && u=${g#*_u}; g=${g%%_u*} ;; esac
           case $g in *_o*) if [ "$intents" = 1 ]; then g=g${g#*_o}; else g=${g%%_o*}; fi ;; esac
           if [ "$g" = none ]; then echo "{\"confidence\":$c,\"intent\":null}"
           else echo "{\"confidence\":$c,\"intent\":{\"gap\":${g#g},\"uncovered\":$u}}"; fi ;;
  esac
done
FAKE
chmod +x "$tmp/hark"

sets=$tmp/sets
mkdir -p "$sets/digits_dev"
: >"$sets/digits_dev/manifest.tsv"
for i in $(seq 1 20); do printf '/x/r%02d/c0.90_g0.2.wav\trequest\n' "$i"; done >"$sets/iso_dev.tsv"
# 40 real words, confidences 0.30, 0.31, ... 0.69: the budget (half of 5%) allows one below the
# floor, so its bound is just under the second lowest, 0.31.
for i in $(seq 0 39); do printf '/x/w%02d/c0.%02d_g0.5.wav\tword\n' "$i" $((30 + i)); done >"$sets/words_dev.tsv"
echo word >"$sets/words_dev.txt"
for i in $(seq 1 20); do printf '/x/o%02d/c0.50_g3.0.wav\tother\n' "$i"; done >"$sets/reject_dev.tsv"
cp "$src/models/digits.hark" "$tmp/model.hark"

calibrate() { # SILENCE-NAMES...: print the floor and threshold calibrate.py picks
  printf '/x/s/%s\t\n' "$@" >"$sets/silence_dev.tsv"
  "$py" "$src/bench/grammar/calibrate.py" "$tmp/hark" "$tmp/model.hark" "$src/models/assistant.ini" \
    "$sets" --target 0.05 | sed -n 's/^noise floor \([0-9.]*\), threshold \([0-9.]*\);.*/\1 \2/p'
}
read -r floor thr <<<"$(calibrate c0.99_none.wav c0.95_none.wav)"
[ "$floor" = 0.0 ] || fail "noise the search hears as silence: floor $floor, want 0.0"
awk -v t="$thr" 'BEGIN { exit !(t > 0.5 && t < 3.0) }' || fail "threshold $thr not between the gaps 0.5 and 3.0"
read -r floor _ <<<"$(calibrate c0.99_none.wav c0.20_g5.0.wav)"
[ "$floor" = 0.2001 ] || fail "a noise clip heard at 0.20: floor $floor, want 0.2001"
read -r floor _ <<<"$(calibrate c0.90_g5.0.wav)"
[ "$floor" = 0.3099 ] || fail "a noise clip heard at 0.90: floor $floor, want the budget's bound 0.3099"
# Real phrases of words the model never trained on are heard less sharply (larger gaps): with them
# inside their phrase list (gap 2.0) the threshold moves above 2.0; the same recordings are
# outside the intent file's grammar (gap 3.5 there), and the out-of-grammar sentences are at 3.0.
for i in $(seq 1 20); do printf '/x/p%02d/c0.60_g2.0_o3.5.wav\tphrase\n' "$i"; done >"$sets/phrases_dev.tsv"
echo phrase >"$sets/phrases_dev.txt"
read -r _ thr <<<"$(calibrate c0.99_none.wav)"
awk -v t="$thr" 'BEGIN { exit !(t >= 2.0 && t < 3.0) }' \
  || fail "with the real phrases: threshold $thr not between their gap 2.0 and 3.0"
# --accept: the middle of the thresholds within both bounds. Half of the real phrases outside the
# grammar at 2.4, the rest at 3.5: at most 10% accepted (the mean of the two sets' rates) needs
# a threshold below 2.4, at most 5% wrongly rejected one of at least 2.0: the middle, 2.2.
bounded() { # print the threshold calibrate.py picks with --accept 0.10
  "$py" "$src/bench/grammar/calibrate.py" "$tmp/hark" "$tmp/model.hark" "$src/models/assistant.ini" \
    "$sets" --target 0.05 --accept 0.10 | sed -n 's/^noise floor [0-9.]*, threshold \([0-9.]*\);.*/\1/p'
}
for i in $(seq 1 20); do
  o=3.5; [ $((i % 2)) -eq 1 ] && o=2.4
  printf '/x/p%02d/c0.60_g2.0_o%s.wav\tphrase\n' "$i" "$o"
done >"$sets/phrases_dev.tsv"
thr=$(bounded)
awk -v t="$thr" 'BEGIN { exit !(t > 2.15 && t < 2.25) }' || fail "--accept 0.10: threshold $thr, want 2.2"
# No threshold within both (every phrase outside the grammar at 1.0, below the 2.0 inside it):
# accepting them all misses by less in proportion (mean 50% / 10% = 5) than rejecting every
# phrase (33% / 5% = 6.7): the thresholds from 2.0 up to the sentences' 3.0, middle 2.5.
for i in $(seq 1 20); do printf '/x/p%02d/c0.60_g2.0_o1.0.wav\tphrase\n' "$i"; done >"$sets/phrases_dev.tsv"
thr=$(bounded)
awk -v t="$thr" 'BEGIN { exit !(t > 2.45 && t < 2.55) }' || fail "bounds missed: threshold $thr, want 2.5"
# --weights: outside the grammar the phrases' gap (1.5) is below their gap inside it (2.0), but
# the intent file's sentence leaves 80% of their speech uncovered: weight 2 scores them
# 1.5 + 2 x 0.8 = 3.1, so a threshold between 2.0 and 3.0 separates all; weight 0 cannot.
for i in $(seq 1 20); do printf '/x/p%02d/c0.60_g2.0_o1.5_u0.8.wav\tphrase\n' "$i"; done >"$sets/phrases_dev.tsv"
out=$("$py" "$src/bench/grammar/calibrate.py" "$tmp/hark" "$tmp/model.hark" "$src/models/assistant.ini" \
  "$sets" --target 0.05 --accept 0.10 --weights 0,2)
expect_line "$out" 'uncovered weight 2$'
thr=$(sed -n 's/^noise floor [0-9.]*, threshold \([0-9.]*\);.*/\1/p' <<<"$out")
awk -v t="$thr" 'BEGIN { exit !(t >= 2.0 && t < 3.0) }' || fail "--weights 0,2: threshold $thr"
"$py" "$src/bench/grammar/calibrate.py" "$tmp/hark" "$tmp/model.hark" "$src/models/assistant.ini" \
  "$sets" --target 0.05 --accept 0.10 --weights 0,2 --write >/dev/null
grep -aq '"grammar_uncovered_weight":"2"' "$tmp/model.hark" || fail "--write did not store the weight"
rm "$sets/phrases_dev.tsv" "$sets/phrases_dev.txt"
printf '/x/s/%s\t\n' c0.90_g5.0.wav >"$sets/silence_dev.tsv"
# --write stores both in the model.
"$py" "$src/bench/grammar/calibrate.py" "$tmp/hark" "$tmp/model.hark" "$src/models/assistant.ini" \
  "$sets" --target 0.05 --write >/dev/null
grep -aq '"grammar_min_confidence":"0.3099"' "$tmp/model.hark" || fail "--write did not store the floor"
echo "calibrate_grammar: ok"
