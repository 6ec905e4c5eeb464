#!/usr/bin/env bash
# End-to-end test of 'hark features': --help lists every option with its default; text and .npy
# output have the right shape; resampling, standard input, raw PCM and the streaming path agree;
# bad files get one error line and exit 1, bad usage exits 2.
source "$(dirname "$0")/lib/common.sh"
wav8=$src/tests/data/audio/fsdd_3_jackson_7.wav   # 3910 samples at 8 kHz
flac16=$src/tests/data/audio/sc_yes_022cd682.flac # 16000 samples at 16 kHz

# shape FILE: "ROWSxCOLS" of a text feature file (every row must have the same width)
shape() { awk '{ if (NR == 1) w = NF; else if (NF != w) { print "ragged"; exit } } END { print NR "x" w }' "$1"; }

# ---- help: every option, each with a default -------------------------------------------------
run_rc 0 features --help
for opt in --format --output --model --stream --bench --raw-format --raw-rate --raw-channels \
           --sample-rate --frame-length --frame-shift --dither --dither-seed --input-scale \
           --preemphasis --remove-dc --window --fft-size --mel-bins --low-freq --high-freq \
           --use-energy --raw-energy --energy-floor --ceps --lifter --deltas --delta-window \
           --cmvn --cmvn-variance; do
  line=$(grep -- "$opt " "$tmp/out" | head -1) || fail "--help does not list $opt"
  # the default may be on the option's line or the next one
  grep -A1 -- "$opt " "$tmp/out" | grep -q "default" || fail "--help gives no default for $opt: $line"
done

# ---- text output ----------------------------------------------------------------------------
run_rc 0 features "$flac16"
[ "$(shape "$tmp/out")" = "98x39" ] || fail "16 kHz, 1 s: shape $(shape "$tmp/out"), want 98x39"
[ -z "$err" ] || fail "unexpected stderr: $err"
cp "$tmp/out" "$tmp/batch.txt"

# The 8 kHz file is resampled to 16 kHz first: 7820 samples -> 47 frames.
run_rc 0 features "$wav8"
[ "$(shape "$tmp/out")" = "47x39" ] || fail "8 kHz resampled: shape $(shape "$tmp/out")"
# At its own rate without deltas: 13 cepstra, (3910 - 200) / 80 + 1 = 47 frames.
run_rc 0 features --sample-rate 8000 --deltas 0 "$wav8"
[ "$(shape "$tmp/out")" = "47x13" ] || fail "8 kHz native: shape $(shape "$tmp/out")"
run_rc 0 features --deltas 1 --ceps 20 --mel-bins 40 --window hamming "$flac16"
[ "$(shape "$tmp/out")" = "98x40" ] || fail "20 ceps + deltas: shape $(shape "$tmp/out")"

# Utterance CMVN: every column has mean ~0.
run_rc 0 features --cmvn utterance "$flac16"
awk '{ for (i = 1; i <= NF; i++) s[i] += $i } END { for (i = 1; i <= NF; i++) if (s[i] / NR > 1e-3 || s[i] / NR < -1e-3) { print "column " i " mean " s[i] / NR; exit 1 } }' \
  "$tmp/out" || fail "utterance CMVN leaves a non-zero mean"

# The streaming extractor, the whole-file path and standard input agree exactly.
run_rc 0 features --stream 333 "$flac16"
cmp -s "$tmp/out" "$tmp/batch.txt" || fail "--stream 333 differs from the whole-file path"
set +e
"$hark" features - <"$flac16" >"$tmp/stdin.txt" 2>"$tmp/err"
rc=$?
set -e
[ "$rc" -eq 0 ] || fail "reading standard input exited $rc: $(cat "$tmp/err")"
cmp -s "$tmp/stdin.txt" "$tmp/batch.txt" || fail "standard input differs from the file"

# ---- npy output -------------------------------------------------------------------------------
run_rc 0 features --format npy -o "$tmp/f.npy" "$flac16"
[ "$(head -c 6 "$tmp/f.npy" | od -An -c | tr -d ' ')" = "223NUMPY" ] || fail "npy magic missing"
hlen=$(od -An -tu2 -j8 -N2 "$tmp/f.npy" | tr -d ' ')
header=$(head -c $((10 + hlen)) "$tmp/f.npy" | tail -c "$hlen")
grep -q "'descr': '<f4'" <<<"$header" || fail "npy header: $header"
grep -q "'shape': (98, 39)" <<<"$header" || fail "npy header: $header"
[ $(((10 + hlen) % 64)) -eq 0 ] || fail "npy data not 64-byte aligned"
size=$(stat -c %s "$tmp/f.npy")
[ "$size" -eq $((10 + hlen + 98 * 39 * 4)) ] || fail "npy size $size"
# The first float of the data is the first number of the text output.
first=$(od -An -tf4 -j$((10 + hlen)) -N4 "$tmp/f.npy" | tr -d ' ')
awk -v a="$first" -v b="$(awk 'NR == 1 { print $1 }' "$tmp/batch.txt")" \
  'BEGIN { d = a - b; exit (d < 1e-4 && d > -1e-4) ? 0 : 1 }' || fail "npy $first vs text"
run_rc 0 features --format npy "$flac16" # to stdout
cmp -s "$tmp/out" "$tmp/f.npy" || fail "npy on stdout differs from -o"

# ---- raw PCM ----------------------------------------------------------------------------------
head -c 32000 /dev/urandom >"$tmp/noise.raw"
run_rc 0 features --raw-format s16 --raw-rate 16000 "$tmp/noise.raw"
[ "$(shape "$tmp/out")" = "98x39" ] || fail "raw s16: shape $(shape "$tmp/out")"
head -c 32001 /dev/urandom >"$tmp/odd.raw"
run_rc 1 features --raw-format s16 "$tmp/odd.raw"
grep -q "odd.raw" <<<"$err" || fail "raw error does not name the file: $err"

# ---- bad files: exit 1, one line naming the file ------------------------------------------------
printf 'not audio\n' >"$tmp/text.wav"
: >"$tmp/empty.wav"
head -c 5000 "$src/tests/data/audio/fsdd_3_jackson_7.wav" >"$tmp/cut.wav"
head -c 100 "$src/tests/data/audio/fsdd_3_jackson_7.wav" >"$tmp/short.wav"
for f in "$tmp/missing.wav" "$tmp" "$tmp/text.wav" "$tmp/empty.wav" "$tmp/cut.wav"; do
  run_rc 1 features "$f"
  [ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "$f: not one error line: $err"
  grep -qF "$f" <<<"$err" || fail "$f: error does not name the file: $err"
  [ ! -s "$tmp/out" ] || fail "$f: output despite the error"
done
run_rc 1 features "$tmp/short.wav" # a header claiming more than 100 bytes
grep -q truncated <<<"$err" || fail "short.wav: $err"

# ---- bad usage: exit 2 ------------------------------------------------------------------------
run_rc 2 features
run_rc 2 features --window kaiser "$flac16"
run_rc 2 features --format xml "$flac16"
run_rc 2 features --ceps 30 "$flac16"          # more cepstra than mel bins
run_rc 2 features --cmvn global "$flac16"      # global statistics need a model
run_rc 2 features --frame-length abc "$flac16"
run_rc 2 features --no-such-option "$flac16"
run_rc 2 features "$flac16" "$wav8"

# ---- a model's own configuration (when a trained model is shipped) ----------------------------
for model in "$src/models/default.hark" "$src/models/digits.hark"; do
  [ -f "$model" ] || continue
  run_rc 0 features -m "$model" "$flac16"
  [ "$(shape "$tmp/out")" != "ragged" ] || fail "-m $model: ragged output"
done
run_rc 1 features -m "$tmp/text.wav" "$flac16"  # not a model

# ---- timing mode (used by bench/features) -------------------------------------------------------
run_rc 0 features --bench 2 "$wav8"
for key in audio_seconds frames mfcc_median_s load_resample_median_s mfcc_rtf; do
  grep -q "^$key " "$tmp/out" || fail "--bench does not print $key"
done
echo "features.sh: all passed"
