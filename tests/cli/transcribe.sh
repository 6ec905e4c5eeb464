#!/usr/bin/env bash
# End-to-end test of 'hark transcribe' with the shipped digits model: the shipped sample
# recordings give their digits (text, json, srt, vtt, stdin, other rates and formats), and bad
# input (a text file named .wav, an empty file, a missing file, a corrupt model) gets one error
# line and exit 1 while the other files of the batch are still transcribed.
source "$(dirname "$0")/lib/common.sh"
model=$src/models/digits.hark
[ -f "$model" ] || fail "models/digits.hark is missing (rebuild it with models/recipes/digits.sh)"

# ---- usage -----------------------------------------------------------------------------------
run_rc 0 transcribe --help
for opt in --model --format --threads; do grep -q -- "$opt" <<<"$out" || fail "--help lacks $opt"; done
run_rc 2 transcribe -m "$model"
run_rc 2 transcribe -m "$model" --format xml "$src/samples/7_theo_0.wav"
run_rc 2 transcribe -m "$model" --threads 0 "$src/samples/7_theo_0.wav"

# ---- every shipped sample gives its digit ------------------------------------------------------
while IFS=$'\t' read -r file text _; do
  case "$file" in '#'*|'') continue ;; esac
  run_rc 0 transcribe -m "$model" "$src/samples/$file"
  [ "$out" = "$text" ] || fail "$file: got '$out', want '$text'"
done <"$src/samples/manifest.tsv"

# several files: FILE<TAB>text lines, in order
run_rc 0 transcribe -m "$model" "$src/samples/0_george_2.wav" "$src/samples/9_yweweler_4.wav"
[ "$out" = "$src/samples/0_george_2.wav"$'\t'"zero"$'\n'"$src/samples/9_yweweler_4.wav"$'\t'"nine" ] \
  || fail "batch output: $out"
# -H: the same FILE<TAB>text line for one file (xargs may call with one)
run_rc 0 transcribe -m "$model" -H "$src/samples/0_george_2.wav"
[ "$out" = "$src/samples/0_george_2.wav"$'\t'"zero" ] || fail "-H output: $out"
run_rc 0 transcribe -m "$model" --with-filename "$src/samples/0_george_2.wav" "$src/samples/9_yweweler_4.wav"
[ "$(wc -l <<<"$out")" = 2 ] && grep -q $'^.*0_george_2.wav\tzero$' <<<"$out" || fail "--with-filename: $out"

# ---- formats -----------------------------------------------------------------------------------
run_rc 0 transcribe -m "$model" --format json "$src/samples/3_jackson_1.wav"
grep -q '"text":"three"' <<<"$out" || fail "json text: $out"
grep -Eq '"confidence":(0\.[0-9]+|1)' <<<"$out" || fail "json confidence: $out"
grep -q '"words":\[{"word":"three","start":' <<<"$out" || fail "json words: $out"
run_rc 0 transcribe -m "$model" --format srt "$src/samples/5_nicolas_3.wav"
[ "$(sed -n 1p <<<"$out")" = "1" ] || fail "srt cue number: $out"
grep -Eq '^00:00:0[0-9],[0-9]{3} --> 00:00:0[0-9],[0-9]{3}$' <<<"$out" || fail "srt times: $out"
[ "$(sed -n 3p <<<"$out")" = "five" ] || fail "srt text: $out"
run_rc 0 transcribe -m "$model" -f vtt "$src/samples/5_nicolas_3.wav"
[ "$(sed -n 1p <<<"$out")" = "WEBVTT" ] || fail "vtt header: $out"
grep -Eq '^00:00:0[0-9]\.[0-9]{3} --> ' <<<"$out" || fail "vtt times: $out"

# ---- standard input, and audio at another rate / format -----------------------------------------
set +e; out=$("$hark" transcribe -m "$model" - <"$src/samples/7_theo_0.wav"); rc=$?; set -e
[ "$rc" -eq 0 ] && [ "$out" = "seven" ] || fail "stdin: rc $rc, '$out'"
if command -v sox >/dev/null; then
  sox "$src/samples/9_yweweler_4.wav" -r 44100 -c 2 "$tmp/nine.flac"
  run_rc 0 transcribe -m "$model" "$tmp/nine.flac"
  [ "$out" = "nine" ] || fail "44.1 kHz stereo FLAC: '$out'"
fi

# ---- bad input: one error line each, the good files still transcribed, exit 1 -----------------
echo "this is not audio" >"$tmp/text.wav"
: >"$tmp/empty.wav"
run_rc 1 transcribe -m "$model" "$tmp/text.wav" "$src/samples/7_theo_0.wav" "$tmp/empty.wav" \
  "$tmp/missing.wav"
[ "$out" = "$src/samples/7_theo_0.wav"$'\t'"seven" ] || fail "good file in a bad batch: '$out'"
[ "$(wc -l <<<"$err")" -eq 3 ] || fail "want 3 error lines, got: $err"
grep -q "text.wav" <<<"$err" && grep -q "empty.wav" <<<"$err" && grep -q "missing.wav" <<<"$err" \
  || fail "errors must name the files: $err"

# ---- progress: on a terminal's stderr, for several files, when the transcripts go elsewhere -----
# script(1) gives the command a terminal; the bar is the only thing written to it.
if command -v script >/dev/null; then
  two="$src/samples/7_theo_0.wav $src/samples/9_yweweler_4.wav"
  on_tty() { # COMMAND: its terminal output, control characters shown
    script -qec "$1" "$tmp/tty.log" >/dev/null 2>&1 || true
    sed '/^Script done/d' "$tmp/tty.log" | cat -v
  }
  tty=$(on_tty "$hark transcribe -m $model $two >$tmp/tty.out")
  grep -q 'transcribe \[#*\]' <<<"$tty" || fail "no progress bar on a terminal: $tty"
  grep -q '2/2 files, 0 failed' <<<"$tty" || fail "the bar does not count the files: $tty"
  [ "$(wc -l <"$tmp/tty.out")" -eq 2 ] || fail "transcripts with the bar: $(cat "$tmp/tty.out")"
  tty=$(on_tty "$hark transcribe -q -m $model $two >$tmp/tty.out")
  ! grep -q 'transcribe \[' <<<"$tty" || fail "--quiet still drew the bar: $tty"
  tty=$(on_tty "$hark transcribe -m $model $two")
  ! grep -q 'transcribe \[' <<<"$tty" || fail "the bar drawn among transcripts on the terminal: $tty"
  grep -q 'seven' <<<"$tty" || fail "transcripts on the terminal: $tty"
fi

# ---- bad models ---------------------------------------------------------------------------------
run_rc 1 transcribe -m "$tmp/nope.hark" "$src/samples/7_theo_0.wav"
grep -q "nope.hark" <<<"$err" || fail "missing model message: $err"
head -c 3000 "$model" >"$tmp/cut.hark"
run_rc 1 transcribe -m "$tmp/cut.hark" "$src/samples/7_theo_0.wav"
grep -q "cut.hark" <<<"$err" || fail "truncated model message: $err"
[ "$(wc -l <<<"$err")" -eq 1 ] || fail "one error line for a bad model: $err"

# ---- the default model is found without -m -------------------------------------------------------
HARK_MODEL=$model run_rc 0 transcribe "$src/samples/0_george_2.wav"
[ "$out" = "zero" ] || fail "HARK_MODEL default: '$out'"
echo "transcribe: all checks passed"
