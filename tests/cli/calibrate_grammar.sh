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
# c<confidence>_none.wav, the JSON fields calibrate.py reads.
cat >"$tmp/hark" <<'FAKE'
#!/usr/bin/env bash
[ "$1" = transcribe ] || exit 2
for a in "$@"; do
  case $a in
    *.wav) b=$(basename "$a" .wav); c=${b#c}; c=${c%%_*}; g=${b##*_}
           if [ "$g" = none ]; then echo "{\"confidence\":$c,\"intent\":null}"
           else echo "{\"confidence\":$c,\"intent\":{\"gap\":${g#g}}}"; fi ;;
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
# --write stores both in the model.
"$py" "$src/bench/grammar/calibrate.py" "$tmp/hark" "$tmp/model.hark" "$src/models/assistant.ini" \
  "$sets" --target 0.05 --write >/dev/null
grep -aq '"grammar_min_confidence":"0.3099"' "$tmp/model.hark" || fail "--write did not store the floor"
echo "calibrate_grammar: ok"
