#!/usr/bin/env bash
# End-to-end test of 'hark data': usage and exit codes, the shipped samples manifest, the
# committed fixture corpora, malformed input, and (when ../shared is present) the real corpora's
# counts as their READMEs state them.
source "$(dirname "$0")/lib/common.sh"
# ---- usage ----------------------------------------------------------------------------------
run_rc 0 data --help
for word in 'CORPUS\[:SPLIT\]' '--json' '--transcripts' '--speakers' '--list' '--no-durations' \
            'takes 5-49' 'validation' 'speaker!=' 'Common Voice' 'LibriSpeech' 'last .:.'; do
  expect_line "$out" "$word"
done
run_rc 2 data
expect_line "$err" "missing CORPUS"
run_rc 2 data a b
run_rc 2 data --bogus "$src/samples/manifest.tsv"
run_rc 2 data --list --json "$src/samples/manifest.tsv"

# ---- the shipped samples ---------------------------------------------------------------------
run_rc 0 data "$src/samples/manifest.tsv"
expect_line "$out" '^utterances +5$'
expect_line "$out" '^speakers +5$'
expect_line "$out" '^characters +"efhinorstvz" \(11\)$'
expect_line "$out" '^longest +/.*/samples/0_george_2\.wav \(0\.67 s\)$'
for f in "$src"/samples/*.wav; do
  grep -q "^$(basename "$f")	" "$src/samples/manifest.tsv" || fail "samples/manifest.tsv lacks $f"
done
run_rc 0 data --json "$src/samples/manifest.tsv"
expect_line "$out" '"utterances":[[:space:]]*5,'
expect_line "$out" '"layout":[[:space:]]*"manifest"'
expect_line "$out" '"seconds":[[:space:]]*2\.3'
run_rc 0 data --list "$src/samples/manifest.tsv"
[ "$(wc -l <<<"$out")" -eq 5 ] || fail "--list printed $(wc -l <<<"$out") lines, want 5"
expect_line "$out" $'/samples/7_theo_0\\.wav\tseven\ttheo$'
# --list output is itself a manifest that opens to the same corpus
printf '%s\n' "$out" >"$tmp/relist.tsv"
run_rc 0 data "$tmp/relist.tsv"
expect_line "$out" '^utterances +5$'

# ---- committed fixtures ------------------------------------------------------------------------
run_rc 0 data "$src/tests/data/corpus/librispeech:dev-clean"
expect_line "$out" 'librispeech\)$'
expect_line "$out" '^utterances +3$'
expect_line "$out" '^speakers +2$'
run_rc 0 data --speakers "$src/tests/data/corpus/librispeech:dev-clean"
expect_line "$out" '^by speaker +2 distinct$'
expect_line "$out" '^ +2 +0\.8 s  84$'
expect_line "$out" '^ +1 +0\.1 s  174$'
run_rc 0 data --transcripts "$src/tests/data/corpus/common_voice"
expect_line "$out" '^utterances +4$'
expect_line "$out" '^ +1  it.s forty two degrees in the cafe$'
run_rc 0 data --no-durations "$src/tests/data/corpus/common_voice:dev"
expect_line "$out" '^duration +not read'

# ---- errors: one line naming the file and the reason --------------------------------------
run_rc 2 data "$src/tests/data/corpus/librispeech:nope"
expect_line "$err" "^hark data: .*unknown split 'nope' \(this corpus has: dev-clean, test-clean\)$"
[ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "error is not one line: $err"
mkdir "$tmp/empty"
run_rc 1 data "$tmp/empty"
expect_line "$err" "$tmp/empty: unknown corpus layout"
run_rc 1 data "$tmp/nothing"
expect_line "$err" "nothing: No such file or directory"
printf 'a.wav\tfine\n' >"$tmp/m.tsv"
run_rc 1 data "$tmp/m.tsv"
expect_line "$err" "$tmp/m.tsv:1: audio file .*a\.wav"
printf '%s/samples/7_theo_0.wav no tab\n' "$src" >"$tmp/m.tsv"
run_rc 1 data "$tmp/m.tsv"
expect_line "$err" "m.tsv:1: no tab"

# ---- the real corpora (counts from their READMEs) -------------------------------------------
if [ ! -d "$shared/data/fsdd" ]; then
  echo "SKIP: $shared/data absent; the shared-corpus checks did not run"
  exit 0
fi
d=$shared/data
check() { # SPEC UTTERANCES SPEAKERS
  run_rc 0 data "$1"
  expect_line "$out" "^utterances +$2( |\$)"
  expect_line "$out" "^speakers +$3\$"
}
check "$d/fsdd" 2500 5
check "$d/fsdd:train" 2250 5
check "$d/fsdd:test" 250 5
check "$d/fsdd:train,speaker!=theo" 1800 4
check "$d/fsdd:speaker=theo" 500 1
check "$d/speech_commands" 4057 197
check "$d/speech_commands:train" 2995 147
check "$d/speech_commands:validation" 482 20
check "$d/speech_commands:test" 580 30
check "$d/ljspeech" 345 1
check "$d/ljspeech:train" 310 1
check "$d/ljspeech:dev" 35 1
run_rc 0 data "$d/ljspeech"
expect_line "$out" '^duration +0\.621 h \(2237\.0 s\)$'
run_rc 0 data --json --transcripts "$d/speech_commands"
expect_line "$out" '"yes":[[:space:]]*334'
expect_line "$out" '"":[[:space:]]*408'
run_rc 0 data --json --speakers "$d/fsdd:test"
for s in george jackson nicolas theo yweweler; do expect_line "$out" "\"$s\":[[:space:]]*50"; done
run_rc 2 data "$d/fsdd:speaker=nobody"
expect_line "$err" "no speaker 'nobody'"
echo "hark data: all checks passed"
