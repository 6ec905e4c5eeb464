#!/usr/bin/env bash
# Rebuild models/digits.hark: a bidirectional GRU CTC model of the spoken digits "zero".."nine",
# trained on the Free Spoken Digit Dataset's own training split (takes 5-49 of its five speakers,
# 8 kHz), then measured on its test split (takes 0-4). A few minutes on one core.
#
#   models/recipes/digits.sh            (uses build/hark, or $HARK_BIN; data in ../shared/data)
#   THREADS=2 models/recipes/digits.sh
#
# bench/accuracy runs this same recipe for the leave-one-speaker-out figure, through
#   TRAIN=SPEC   training corpus relative to the data folder (default: fsdd:train)
#   TEST=SPEC    corpus measured at the end (default: fsdd:test; "none" skips it)
#   OUT=FILE     the model to write (default: models/digits.hark)
#   SEED=N       seed of the training run and the synthesis (default: 1)
#   SYNTH=N      also train on N espeak-ng renderings of each digit word (default: 0, none)
#   SYNTH_ARGS=  more 'hark synth' options for them (e.g. "--augment --variants m1,f2")
#   SEQS=N       also train on N digit strings (2-6 digits, 100-400 ms apart) joined from the
#                training takes, so the model hears digits said one after another (default:
#                1500 with the default TRAIN, else 0). With SEQS > 0 the training takes 45-49 are
#                held out as the dev set (bench/grammar calibrates its rejection on them).
#                The training split of Speech Commands (35 words, other speakers, 16 kHz) is
#                added too: a model that can spell words other than digits lets decoding under a
#                digit grammar tell them apart (rejection compares with the unconstrained path).
#
# Augmentation makes the model hold up on voices it never heard: speed perturbation, gain,
# random spectral tilt (other microphones), background noise from the training split of Speech
# Commands' _silence_ clips (if ../shared/data/speech_commands is there), SpecAugment.
#
# Data: FSDD by Zohar Jackson and contributors, CC BY-SA 4.0 (credit it with the model).
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
data=$(cd "${HARK_DATA:-$repo/../shared/data}" && pwd)
. "$repo/models/recipes/lib/find_hark.sh"
find_hark digits.sh
[ -d "$data/fsdd" ] || { echo "digits.sh: $data/fsdd not found (set HARK_DATA)" >&2; exit 1; }
out=${OUT:-$repo/models/digits.hark}
train=$data/${TRAIN:-fsdd:train}
test=${TEST:-fsdd:test}
seqs=${SEQS:-$([ -z "${TRAIN:-}" ] && echo 1500 || echo 0)}

work=$(mktemp -d "${TMPDIR:-/tmp}/hark_digits.XXXXXX")
trap 'rm -rf "$work"' EXIT

# Digit strings: isolated takes 5-44 plus joined sequences of them; takes 45-49 (joined) are dev.
seq_args=()
if [ "$seqs" -gt 0 ]; then
  "${PYTHON:-/usr/bin/python3}" "$repo/bench/grammar/make_sets.py" "$data" "$work/sets" --seed "${SEED:-1}" \
    --train-seqs "$seqs" --only-train
  train=$work/sets/iso_train.tsv
  seq_args=(--train "$work/sets/digits_train/manifest.tsv" --dev "$work/sets/digits_dev/manifest.tsv")
  [ -d "$data/speech_commands" ] && seq_args+=(--train "$data/speech_commands:train")
fi

# Synthetic speakers: SYNTH=N renders each digit word N times with espeak-ng voices (random
# voice, variant, rate and pitch; deterministic with the seed) and trains on them too.
synth=${SYNTH:-0}
synth_args=()
if [ "$synth" -gt 0 ]; then
  printf '%s\n' zero one two three four five six seven eight nine >"$work/digits.txt"
  "$hark" synth --sentences "$work/digits.txt" --rate 8000 --per-sentence "$synth" --seed "${SEED:-1}" \
    -o "$work/synth" ${QUIET:+-q} ${SYNTH_ARGS:-}
  synth_args=(--train "$work/synth/manifest.tsv")
fi

noise_args=()
sc=$data/speech_commands
if [ -d "$sc/_silence_" ]; then
  noise=$work/noise
  mkdir "$noise"
  for f in "$sc"/_silence_/*.flac; do
    rel=_silence_/$(basename "$f")
    grep -qxF "$rel" "$sc/validation_list.txt" "$sc/testing_list.txt" || ln -s "$f" "$noise/"
  done
  noise_args=(--noise "$noise" --snr 0:20 --noise-prob 0.6)
fi

nice "$hark" train --train "$train" "${seq_args[@]}" "${synth_args[@]}" -o "$out" --threads "${THREADS:-1}" --checkpoint-every 0 \
  --sample-rate 8000 --cell gru --layers 3 --hidden 128 --stack 3 --bidirectional --dropout 0.1 \
  --epochs ${EPOCHS:-40} --batch 16 --lr 0.002 --warmup 200 --seed "${SEED:-1}" \
  --speed 0.85:1.15 --gain 6 --tilt 0.6 --specaugment "${noise_args[@]}" ${QUIET:+-q}
rm -f "$out.ckpt"
# The closed vocabulary (--closed) stays the ten words: joined strings are too many to list.
# The grammar rejection threshold and noise floor are calibrated on the dev sets (never the
# test split).
if [ "$seqs" -gt 0 ]; then
  "${PYTHON:-/usr/bin/python3}" "$repo/models/recipes/set_meta.py" "$out" \
    'phrases=["zero","one","two","three","four","five","six","seven","eight","nine"]'
  "${PYTHON:-/usr/bin/python3}" "$repo/bench/grammar/calibrate.py" "$hark" "$out" \
    "$repo/bench/grammar/digits.ini" "$work/sets" --write
fi
[ "$test" = none ] || "$hark" eval -m "$out" "$data/$test"
