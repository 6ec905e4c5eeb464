#!/usr/bin/env bash
# options.sh - the shared, table-driven option parser: one name per setting in every command
# (old spellings kept as aliases), every option's default in --help, bad values refused with
# exit 2 and a line naming the option.
source "$(dirname "$0")/lib/common.sh"
model=$src/models/digits.hark
wav=$src/samples/7_theo_0.wav

# Every option line of these commands' --help shows a default ('train' keeps its own lines for
# the network and optimiser; its feature options come from the shared table, checked below).
for cmd in transcribe eval listen features; do
  run_rc 0 "$cmd" --help
  opts=$(grep -E '^ +(-[a-z], )?--[a-z]' <<<"$out" | grep -v -- '--help' || true)
  [ -n "$opts" ] || fail "$cmd --help lists no options"
  # an option's help may wrap: join continuation lines (indented 28) before checking
  joined=$(awk '/^ +(-[a-z], )?--[a-z]/ { if (l) print l; l = $0; next }
                /^      +[^ -]/ { l = l " " $0; next }
                { if (l) print l; l = "" } END { if (l) print l }' <<<"$out" | grep -v -- '--help')
  while IFS= read -r line; do
    grep -q '(default' <<<"$line" || fail "$cmd --help: no default in: $line"
  done <<<"$joined"
done

# The same feature setting has the same name in 'train' and 'features'; the old names still work.
run_rc 0 train --help
grep -q -- '--ceps N' <<<"$out" && grep -q -- '(also --num-ceps)' <<<"$out" || fail "train --help: --ceps"
grep -q -- '--mel-bins N' <<<"$out" || fail "train --help: --mel-bins"
run_rc 0 features --ceps 20 --mel-bins 40 "$wav"
a=$out
run_rc 0 features --num-ceps 20 --num-mel-bins 40 "$wav"
[ "$out" = "$a" ] || fail "--num-ceps/--num-mel-bins are not aliases of --ceps/--mel-bins"
[ "$(head -n 1 <<<"$a" | wc -w)" = 60 ] || fail "--ceps 20 with deltas should give 60 columns"
run_rc 2 train --train x --output y --ceps 0
grep -q -- '--ceps' <<<"$err" || fail "train --ceps 0: $err"
run_rc 2 train --train x --output y --num-ceps abc
grep -q -- '--ceps' <<<"$err" || fail "train --num-ceps abc: $err"
run_rc 2 features --window bogus "$wav"
grep -q -- "--window: unknown value 'bogus'" <<<"$err" || fail "features --window bogus: $err"

# Decoding options are shared by transcribe and eval.
run_rc 2 transcribe -m "$model" --threads 0 "$wav"
grep -q -- '--threads' <<<"$err" || fail "transcribe --threads 0: $err"
run_rc 2 eval -m "$model" --threads x "$src/samples/manifest.tsv"
run_rc 2 transcribe -m "$model" --max-segment 0.1 "$wav"
grep -q -- '--max-segment' <<<"$err" || fail "transcribe --max-segment 0.1: $err"
run_rc 0 transcribe -m "$model" --closed --max-segment 2 "$wav"
[ "$out" = seven ] || fail "transcribe --closed: '$out'"
run_rc 2 transcribe -m "$model" --speech-margin 20000 "$wav"
grep -q -- '--speech-margin' <<<"$err" || fail "transcribe --speech-margin 20000: $err"
for m in -1 0 250; do
  run_rc 0 transcribe -m "$model" --closed --speech-margin "$m" "$wav"
  [ "$out" = seven ] || fail "transcribe --speech-margin $m: '$out'"
done
run_rc 0 eval -m "$model" --closed --speech-margin -1 "$src/samples/manifest.tsv"
# Short options of a table work as the long ones.
run_rc 2 listen -m "$model" --no-speak --trailing-silence 5
run_rc 1 listen -m "$tmp/none.hark" -i none --no-speak --input "$wav"
grep -q "none.hark" <<<"$err" || fail "listen -m: $err"
echo "options: one table, defaults in every --help, aliases and bad values handled"
