#!/usr/bin/env bash
# Measure a model on every figure of the general-model issue, next to Debian's PocketSphinx on
# exactly the same files, and write the tables to docs/EVAL.md (bench/evaluate.py measures and
# writes; this script prepares the sets, the grammars and the LM). All sets are speakers and
# voices never used in training:
#   FSDD speaker george (all takes) and the FSDD test split: greedy, under the digit phrase list,
#     PocketSphinx under the same words in JSGF;
#   Speech Commands test split (35 words, _silence_ left out): greedy, with the ARPA LM, under the
#     35-word phrase list; PocketSphinx under the words in JSGF and with its en-us LM;
#   LJSpeech dev split: greedy and with the LM (models/english.arpa, built by lm.sh when missing);
#     PocketSphinx with its en-us LM;
#   wake words: the phrase the default recipe holds out of training ("view glass"), under the
#     list of the five phrases, PocketSphinx under the same list in JSGF;
#   FSDD digit strings: 300 strings of 3-6 digits, each joined from one speaker's test-split
#     recordings, greedy and under bench/grammar/digits.ini, PocketSphinx under digits.gram;
#   assistant requests by held-out synthetic voices (the default recipe's held-out renderings,
#     read only, plus fresh requests rendered here by the same held-out voices) and out-of-scope
#     sentences (the held-out broad-English phrases): hark decoding under the grammar of
#     models/assistant.ini, hark greedy + the text classifier; PocketSphinx under the same word
#     graph (bench/grammar/fsg.c writes it as a Sphinx FSG) and with its en-us LM, each followed
#     by hark's text classifier;
#   model size and real-time factors (CPU time / audio time, one thread).
#
#   models/recipes/eval.sh                          models/default.hark, writes docs/EVAL.md
#   MODEL="models/default.hark other.hark" models/recipes/eval.sh   several models, one report
#   QUICK=1 models/recipes/eval.sh                  at most 60 files per set, one run each
#
# Time on a loaded 2-core machine: about 20 minutes the first time (PocketSphinx takes most of
# it: its results do not depend on the hark model and are kept under $WORK/ps), then about 4
# minutes per hark model; QUICK=1 about 2 minutes.
#
# Environment: MODEL (default models/default.hark; a space-separated list for several), OUT
# (default docs/EVAL.md), LIMIT (files per set, 0 = all; QUICK=1 sets 60), REPEATS (hark runs
# per figure, median taken: 3; QUICK=1 sets 1), EXTRA (fresh assistant requests rendered by the
# held-out voices, 150; the default recipe's held-out set has 25 per intent of fewer intents),
# LM (default models/english.arpa; LM=none leaves the LM rows out), HELDOUT (the default recipe's
# held-out folder, default $HARK_CACHE/default/heldout, read only; missing: only fresh renderings),
# HARK_BIN, HARK_DATA (../shared/data), HARK_CACHE (~/.cache/hark; this script writes only under
# $HARK_CACHE/eval, or WORK), SEED (1: the seed of the default recipe, for its held-out sentences),
# NICE (19), PEER_LM_INTENTS (1: PocketSphinx with its en-us LM on the assistant sets too, then
# the text classifier; about 15 more minutes here, so off by default).
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
lib=$repo/models/recipes/lib
data=$(cd "${HARK_DATA:-$repo/../shared/data}" && pwd)
cache=${HARK_CACHE:-$HOME/.cache/hark}
work=${WORK:-$cache/eval}
heldout=${HELDOUT:-$cache/default/heldout}
out=${OUT:-$repo/docs/EVAL.md}
seed=${SEED:-1}
limit=${LIMIT:-0}
repeats=${REPEATS:-3}
extra=${EXTRA:-150}
py=${PYTHON:-/usr/bin/python3}
intents=$repo/models/assistant.ini
if [ -n "${QUICK:-}" ]; then limit=${LIMIT:-60}; repeats=${REPEATS:-1}; fi
. "$lib/find_hark.sh"
find_hark eval.sh
log() { echo "eval.sh: $*" >&2; }
for d in fsdd speech_commands ljspeech; do
  [ -d "$data/$d" ] || { log "$data/$d not found (set HARK_DATA)"; exit 1; }
done
for p in pocketsphinx_batch sox espeak-ng flite festival cc; do
  command -v "$p" >/dev/null || { log "$p not found (apt-get install pocketsphinx pocketsphinx-en-us sox espeak-ng flite festival festvox-us-slt-hts)"; exit 1; }
done
models=()
for m in ${MODEL:-$repo/models/default.hark}; do
  [ -f "$m" ] || { log "model $m not found"; exit 1; }
  models+=(--model "$(cd "$(dirname "$m")" && pwd)/$(basename "$m")")
done
lm=${LM:-$repo/models/english.arpa}
if [ "$lm" = none ]; then
  lm=
elif [ ! -f "$lm" ]; then
  log "$lm missing: building it with models/recipes/lm.sh (about a minute)"
  OUT=$lm HARK_BIN=$hark nice -n "${NICE:-19}" "$repo/models/recipes/lm.sh" >&2
fi
mkdir -p "$work"
export OPENBLAS_NUM_THREADS=1
run() { nice -n "${NICE:-19}" "$@"; }

# ---- the grammar of the intent file for PocketSphinx ------------------------------------------
. "$repo/bench/grammar/cc_bench.sh"
cc_bench "$(dirname "$hark")" "$repo/bench/grammar/fsg.c" "$work/fsg"
"$work/fsg" "$intents" >"$work/assistant.fsg"

# ---- the sets: manifests path<TAB>reference ----------------------------------------------------
sets=$work/sets
rm -rf "$sets" && mkdir -p "$sets"
list() { "$hark" data --list --no-durations "$data/$1" | awk -F'\t' '$2 != "" { print $1 "\t" $2 }'; }
list fsdd:speaker=george >"$sets/fsdd_george.tsv"
list fsdd:test >"$sets/fsdd_test.tsv"
list speech_commands:test >"$sets/sc_test.tsv"
list ljspeech:dev >"$sets/lj_dev.tsv"
# Wake words: the phrase the default recipe holds out of training, under the list of all five
# phrases (its speakers are not held out: the corpus names none).
if [ -f "$data/wake_words/manifest.tsv" ]; then
  awk -F'\t' -v root="$data/wake_words" '$2 == "view glass" { print root "/" $1 "\t" $2 }' \
    "$data/wake_words/manifest.tsv" >"$sets/wake_heldout.tsv"
  cut -f2 "$data/wake_words/manifest.tsv" | sort -u >"$sets/wake.txt"
fi
# Digit strings: real speakers saying several words in a row, under a grammar. 300 strings of 3-6
# digits, each joined from one speaker's FSDD test-split recordings (bench/grammar/make_sets.py,
# the set of the grammar figures in docs/grammar.md), decoded under bench/grammar/digits.ini.
run "$py" "$repo/bench/grammar/make_sets.py" "$data" "$work/grammar_sets" --seed "$seed" \
  --train-seqs 0
cut -f1,2 "$work/grammar_sets/digits_test/manifest.tsv" >"$sets/digit_strings.tsv"
printf '%s\n' zero one two three four five six seven eight nine >"$sets/digits.txt"
find "$data/speech_commands" -mindepth 1 -maxdepth 1 -type d ! -name '_*' -printf '%f\n' \
  | sort >"$sets/commands.txt"

# Assistant requests: intent and slots of each sentence, as the intent file's sampler drew them.
refs() { # PER_INTENT SEED -> INTENT<TAB>SENTENCE<TAB>SLOTS
  "$hark" intent -i "$intents" --sample "$1" --seed "$2"
}
# The default recipe's held-out renderings (read only): its sentences were drawn with seed+1000,
# 25 per intent. Its festival lines are rendered again here (once, under $work/refestival) from
# its plan: until render.sh was fixed, every festival rendering said the word "text".
: >"$work/heldout.tsv"
if [ -s "$heldout/manifest.tsv" ]; then
  awk -F'\t' -v root="$heldout" '{ print root "/" $1 "\t" $2 "\t" $3 }' "$heldout/manifest.tsv" \
    >"$work/heldout.tsv"
  plan=$(dirname "$heldout")/plan/heldout.tsv
  if [ -s "$plan" ] && grep -qP '\tfestival\t' "$plan"; then
    grep -P '\tfestival\t' "$plan" >"$work/refestival.plan"
    run "$lib/render.sh" "$work/refestival.plan" "$work/refestival" 0 1
    awk -F'\t' -v OFS='\t' -v fix="$work/refestival" 'FILENAME == ARGV[1] { ok["wav/" $1 ".wav"] = 1; next }
        { f = $1; sub(/.*\/wav\//, "wav/", f) }
        $3 ~ /^festival/ && (f in ok) { $1 = fix "/" f } { print }' \
      "$work/refestival.plan" "$work/heldout.tsv" >"$work/heldout.fixed"
    mv "$work/heldout.fixed" "$work/heldout.tsv"
  fi
  refs 25 $((seed + 1000)) >"$work/heldout.refs"
fi
# Fresh requests and out-of-scope phrases, rendered by the held-out voices (plan.awk set=heldout):
# requests found in no training text of the default recipe and in no held-out sentence.
fresh=$work/fresh-$extra-$seed # the plan depends on both
mkdir -p "$fresh"
if [ "$extra" -gt 0 ]; then
  trained=$(dirname "$heldout")/text/assistant.tsv
  # Draw a few times more than needed per intent, drop the sentences already seen, then keep
  # EXTRA of them in a seeded random order (every intent keeps its share).
  refs $(( extra / 4 + 1 )) $((seed + 3000)) \
    | awk -F'\t' 'FILENAME == ARGV[1] { seen[$2] = 1; next } !($2 in seen) { seen[$2] = 1; print }' \
      <(cat "$trained" "$work/heldout.tsv" 2>/dev/null | awk -F'\t' '{ print "x\t" $2 }') - \
    | awk -v seed="$seed" 'BEGIN { srand(seed) } { printf "%.9f\t%s\n", rand(), $0 }' \
    | sort -k1,1 | cut -f2- | head -n "$extra" >"$fresh/requests.refs"
  awk -v kind=english -v n="$extra" -v seed=$((seed + 3000)) -f "$lib/gentext.awk" \
    /usr/share/dict/american-english >"$fresh/oos.txt"
  { awk -F'\t' '{ print "assistant\t" $2 }' "$fresh/requests.refs"
    awk '{ print "english\t" $0 }' "$fresh/oos.txt"; } \
    | awk -F'\t' -v set=heldout -v seed=$((seed + 3000)) -v renders=1 -v prefix=ev -v variants= \
        -f "$lib/plan.awk" >"$fresh/plan.tsv"
  run "$lib/render.sh" "$fresh/plan.tsv" "$fresh" 0 1
  awk -F'\t' -v root="$fresh" '{ f = root "/wav/" $1 ".wav"
      if ((getline junk < f) >= 0) { close(f); print f "\t" $7 "\t" $2 ":" $3 } }' \
    "$fresh/plan.tsv" >>"$work/heldout.tsv"
  cat "$fresh/requests.refs" >>"$work/heldout.refs"
fi
# assistant.tsv: path, sentence, intent, slots, voice; oos.tsv: path, sentence, voice.
awk -F'\t' 'FILENAME == ARGV[1] { intent[$2] = $1; slots[$2] = $3; next }
    $1 ~ /_assistant\.wav$/ && ($2 in intent) { print $1 "\t" $2 "\t" intent[$2] "\t" slots[$2] "\t" $3 }' \
  "$work/heldout.refs" "$work/heldout.tsv" >"$sets/assistant.tsv"
awk -F'\t' '$1 ~ /_english\.wav$/ { print $1 "\t" $2 "\t" $3 }' "$work/heldout.tsv" >"$sets/oos.tsv"
[ -s "$sets/assistant.tsv" ] || rm -f "$sets/assistant.tsv"
log "sets: $(wc -l "$sets"/*.tsv | awk '$2 != "total" { sub(/.*\//, "", $2); printf "%s %s, ", $2, $1 }')"

run "$py" "$repo/bench/evaluate.py" --hark "$hark" "${models[@]}" --data "$data" --work "$work" \
  --sets "$sets" ${lm:+--lm "$lm"} --fsg "$work/assistant.fsg" --intents "$intents" \
  --limit "$limit" --repeats "$repeats" --out "$work/report.md" --json "$work/report.json" \
  ${PEER_LM_INTENTS:+--peer-lm-intents}
{ cat <<'EOF'
# Evaluation: hark next to PocketSphinx on held-out speakers and voices

Written by `models/recipes/eval.sh` (see its header for the sets and options); the tables below are
as measured. Every set holds speakers or voices never used in training. PocketSphinx is Debian's
0.8 (pocketsphinx + pocketsphinx-en-us: US English acoustic model, CMU dictionary, en-us LM),
decoding the same files converted to 16 kHz; under a grammar it is given exactly the words or
sentences hark is given (the assistant's grammar as the word graph hark compiles from
models/assistant.ini, written as a Sphinx FSG by bench/grammar/fsg.c). "exact" = utterances
transcribed exactly; RTF (CPU) = CPU seconds of the whole process (model loading included) over
audio seconds, one thread; "hark RTF" = the factor hark reports (features + network + decoding).
The assistant's slots count as right when the intent and every slot value are right, over the
requests that have slots; out-of-scope sentences count as rejected when the intent is none.
Real speech outside the grammar: the held-out real "view glass" recordings, none of them a
request, decoded under the assistant's grammar (PocketSphinx: its FSG, then hark's text
classifier); rejected when the intent is none or there is none. Grammar rows "never rejecting"
decode with --reject -1, as PocketSphinx decodes under a grammar.
In the commands, $DATA is the shared data folder, $SETS and $WORK the manifests and files this
script writes under ~/.cache/hark/eval.

The assistant set: the default recipe's held-out renderings (requests drawn from
models/assistant.ini with a seed used for no training text, 25 per intent, minus any sentence of
the training text; broad-English phrases as out-of-scope sentences) plus EXTRA fresh requests and
phrases rendered here by the same held-out voices (espeak-ng accent en-gb-x-gbcwmd with any
variant, flite slt, festival cmu_us_slt_arctic_hts; plan.awk's held-out list). The recipe's
festival renderings are rendered again here: the renderer used for them made festival say the
word "text" for every sentence (fixed in models/recipes/lib/render.sh).

EOF
  cat "$work/report.md"; } >"$out"
log "wrote $out"
