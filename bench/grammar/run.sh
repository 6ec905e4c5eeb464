#!/usr/bin/env bash
# bench/grammar/run.sh - the grammar figures in one run, each next to greedy decoding on the same
# model and files (docs/grammar.md has the table as measured):
#   1. digit strings: 300 sequences of 3-6 digits joined from FSDD test-split recordings of one
#      speaker each (100-400 ms gaps), models/digits.hark greedy vs under bench/grammar/digits.ini,
#      and PocketSphinx (Debian's pocketsphinx + en-us) under the same grammar in JSGF;
#   2. rejection: Speech Commands test-split words that are not digits (must be rejected), FSDD
#      test digits (must not be), Speech Commands _silence_ clips (must give no intent);
#   3. speed: decoding models/assistant.ini next to the acoustic model's time (CPU), on rendered
#      requests of the file and on LJSpeech dev recordings, with the search errors of the
#      default beam against a very wide one;
#   4. compiling a generated intent file of more than 10^12 sentences: time and peak memory.
#
#   bench/grammar/run.sh            (build/ must hold a build; data in ../shared/data)
#   SEED=2 bench/grammar/run.sh     other sequences (sets are rebuilt from the seed)
#   MODEL=FILE DEFAULT_MODEL=FILE   the digits model / the model for the assistant speed figure
# Prints a Markdown table; everything measured is kept under $WORK (default: a temporary folder).
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
data=$(cd "${HARK_DATA:-$repo/../shared/data}" && pwd)
build=${BUILD:-$repo/build}
hark=${HARK_BIN:-$build/hark}
py=${PYTHON:-/usr/bin/python3}
model=${MODEL:-$repo/models/digits.hark}
default_model=${DEFAULT_MODEL:-$repo/models/default.hark}
here=$repo/bench/grammar
[ -x "$hark" ] || { echo "run.sh: build hark first (or set HARK_BIN)" >&2; exit 1; }
work=${WORK:-$(mktemp -d "${TMPDIR:-/tmp}/hark_grammar.XXXXXX")}
mkdir -p "$work"
export OPENBLAS_NUM_THREADS=1

# Helper programs against the build tree's library.
. "$here/cc_bench.sh"
for prog in speed compile; do
  cc_bench "$build" "$here/$prog.c" "$work/$prog"
done

"$py" "$here/make_sets.py" "$data" "$work/sets" --seed "${SEED:-1}"
sets=$work/sets

# ---- 1. digit strings ----
"$hark" eval -m "$model" "$sets/digits_test/manifest.tsv" --json >"$work/digits_greedy.json" 2>/dev/null
"$hark" eval -m "$model" --intents "$here/digits.ini" "$sets/digits_test/manifest.tsv" --json \
  >"$work/digits_grammar.json" 2>/dev/null
ps_dir=$work/ps16
mkdir -p "$ps_dir"
: >"$work/ps.ctl"
while IFS=$'\t' read -r path text spk; do
  id=$(basename "$path" .wav)
  sox -D "$path" -r 16000 "$ps_dir/$id.wav"
  echo "$id" >>"$work/ps.ctl"
done <"$sets/digits_test/manifest.tsv"
ps_model=/usr/share/pocketsphinx/model/en-us
t0=$(date +%s.%N)
pocketsphinx_batch -adcin yes -cepdir "$ps_dir" -cepext .wav -ctl "$work/ps.ctl" \
  -jsgf "$here/digits.gram" -hmm "$ps_model/en-us" -dict "$ps_model/cmudict-en-us.dict" \
  -hyp "$work/ps.hyp" -logfn /dev/null
t1=$(date +%s.%N)
echo "$t0 $t1" >"$work/ps.time"

# ---- 2. rejection (threshold: the model's own, calibrated on dev data by the recipe) ----
for set in reject_test iso_test silence_test; do
  cut -f1 "$sets/$set.tsv" | xargs "$hark" transcribe -m "$model" --intents "$here/digits.ini" -f json \
    >"$work/$set.grammar.jsonl"
  cut -f1 "$sets/$set.tsv" | xargs "$hark" transcribe -m "$model" -f json >"$work/$set.greedy.jsonl"
done

# ---- 3. speed on models/assistant.ini ----
"$hark" synth --intents "$repo/models/assistant.ini" --max-per-intent 6 --seed "${SEED:-1}" -q \
  -o "$work/assistant" >/dev/null
"$hark" data --list "$data/ljspeech:dev" 2>/dev/null | head -n 60 >"$work/lj_dev.tsv" || true
"$work/speed" "$default_model" "$repo/models/assistant.ini" "$work/assistant/manifest.tsv" \
  >"$work/speed_synth.json"
if [ -s "$work/lj_dev.tsv" ]; then
  "$work/speed" "$default_model" "$repo/models/assistant.ini" "$work/lj_dev.tsv" >"$work/speed_lj.json"
fi

# ---- 4. compiling more than 10^12 sentences ----
"$py" "$here/big_intents.py" "$work/big.ini" --seed "${SEED:-1}"
"$work/compile" "$work/big.ini" >"$work/compile.json"
"$work/compile" "$repo/models/assistant.ini" >"$work/compile_assistant.json"

"$py" "$here/report.py" "$work"
echo "(measurements kept in $work)" >&2
