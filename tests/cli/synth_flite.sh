#!/usr/bin/env bash
# End-to-end test of 'hark synth' with flite voices (--engines, --flite-voices, --stretch): the
# options and their defaults in --help, usage errors (exit 2) for unknown engines and bad
# stretches, an unknown flite voice refused before anything is written, a mixed corpus whose
# voice column names flite voices as flite-NAME, which 'hark data' lists and filters by speaker,
# and the same files from the same seed in two fresh processes.
source "$(dirname "$0")/lib/common.sh"
# ---- usage ----------------------------------------------------------------------------------
run_rc 0 synth --help
for word in '--engines LIST' 'default espeak' '--flite-voices LIST' 'default kal,kal16,awb,rms,slt' \
            '--stretch MIN:MAX' 'default 0\.8:1\.3' 'flite-VOICE'; do
  expect_line "$out" "$word"
done
printf 'turn on the light\nwhat time is it\n' >"$tmp/s.txt"
run_rc 2 synth --sentences "$tmp/s.txt" -o "$tmp/x" --engines espeak,festival
expect_line "$err" "unknown engine 'festival'"
[ "$(wc -l <<<"$err")" -eq 1 ] || fail "more than one line for a bad engine: $err"
run_rc 2 synth --sentences "$tmp/s.txt" -o "$tmp/x" --engines ,
expect_line "$err" 'engine list is empty'
run_rc 2 synth --sentences "$tmp/s.txt" -o "$tmp/x" --stretch 1.3:0.8
expect_line "$err" '--stretch: MIN must not exceed MAX'
run_rc 2 synth --sentences "$tmp/s.txt" -o "$tmp/x" --stretch 0.1:1
expect_line "$err" '--stretch expects a number from 0\.2 to 5'
run_rc 2 synth --sentences "$tmp/s.txt" -o "$tmp/x" --stretch fast
run_rc 1 synth --sentences "$tmp/s.txt" -o "$tmp/x" --engines flite --flite-voices kal,nobody
expect_line "$err" "flite has no voice 'nobody'"
[ ! -e "$tmp/x" ] || fail "a refused run left $tmp/x"

# ---- a mixed corpus -------------------------------------------------------------------------
run_rc 0 synth -q --sentences "$tmp/s.txt" --engines espeak,flite --voices en-us --variants none \
  --per-sentence 8 --seed 3 -o "$tmp/a"
run_rc 0 data --list "$tmp/a/manifest.tsv"
[ "$(wc -l <<<"$out")" -eq 16 ] || fail "data --list: $(wc -l <<<"$out") lines, want 16"
expect_line "$out" $'\twhat time is it\ten-us$'
expect_line "$out" $'\tturn on the light\tflite-(kal|kal16|awb|rms|slt)$'
! grep -Evq $'\t(en-us|flite-(kal|kal16|awb|rms|slt))$' <<<"$out" || fail "unexpected voice in: $out"
# the voice names work in a speaker filter (no ':' in them)
flite_n=$(grep -c $'\tflite-' <<<"$out")
run_rc 0 data --list "$tmp/a/manifest.tsv:speaker!=en-us"
[ "$(wc -l <<<"$out")" -eq "$flite_n" ] || fail "speaker!=en-us kept $(wc -l <<<"$out"), want $flite_n"
# the same seed in a fresh process: the same files, byte for byte
run_rc 0 synth -q --sentences "$tmp/s.txt" --engines espeak,flite --voices en-us --variants none \
  --per-sentence 8 --seed 3 -o "$tmp/b"
diff -r "$tmp/a" "$tmp/b" >/dev/null || fail "two runs with --seed 3 differ"
# flite alone, one voice, a narrow stretch: kal renders at 8 kHz, resampled to --rate
run_rc 0 synth -q --sentences "$tmp/s.txt" --engines flite --flite-voices kal --stretch 1:1 \
  --rate 22050 -o "$tmp/c"
run_rc 0 data --speakers "$tmp/c/manifest.tsv"
expect_line "$out" 'flite-kal'
run_rc 0 features --sample-rate 22050 "$tmp/c/wav/000000_00.wav"
echo ok
