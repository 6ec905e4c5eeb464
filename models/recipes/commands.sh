#!/usr/bin/env bash
# Rebuild models/commands.hark: a bidirectional GRU CTC model of the 35 Speech Commands words
# (yes no up down left right on off stop go, the digits, and 15 more), trained on the dataset's
# `train` split with the `validation` split choosing the best epoch, then measured on `test`.
# Augmentation for voices and rooms it never heard: background noise from the training split's
# own _silence_ clips (never the validation/test ones), speed perturbation, gain, SpecAugment.
#
#   models/recipes/commands.sh          (uses build/hark, or $HARK_BIN; data in ../shared/data)
#   OUT=/tmp/c.hark THREADS=2 models/recipes/commands.sh
#
# Data: Speech Commands v0.02 by Pete Warden (Google), CC BY 4.0 (credit it with the model).
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
data=$(cd "${HARK_DATA:-$repo/../shared/data}" && pwd)
sc=$data/speech_commands
. "$repo/models/recipes/lib/find_hark.sh"
find_hark commands.sh
[ -d "$sc" ] || { echo "commands.sh: $sc not found (set HARK_DATA)" >&2; exit 1; }
out=${OUT:-$repo/models/commands.hark}

# Noise folder: links to the _silence_ clips of the training split only.
noise=$(mktemp -d "${TMPDIR:-/tmp}/speech_commands_silence_train.XXXXXX")
trap 'rm -rf "$noise"' EXIT
for f in "$sc"/_silence_/*.flac; do
  rel=_silence_/$(basename "$f")
  grep -qxF "$rel" "$sc/validation_list.txt" "$sc/testing_list.txt" || ln -s "$f" "$noise/"
done

COMMANDS_ARGS=(--sample-rate 16000 --cell gru --layers 3 --hidden 160 --stack 3 --bidirectional
               --dropout 0.15 --epochs 40 --batch 32 --lr 0.002 --warmup 300 --patience 10
               --seed 1 --noise "$noise" --snr 0:20 --noise-prob 0.5 --speed 0.9:1.1 --gain 6
               --specaugment)
nice "$hark" train --train "$sc:train" --dev "$sc:validation" "${COMMANDS_ARGS[@]}" \
  --threads "${THREADS:-1}" --checkpoint-every 0 -o "$out"
rm -f "$out.ckpt"
# Its provenance names the corpora by the folders given: write the data folder as $HARK_DATA and
# the temporary noise folder by what it holds.
"${PYTHON:-/usr/bin/python3}" "$repo/models/recipes/set_meta.py" "$out" --paths "$data=\$HARK_DATA" \
  "$noise=speech_commands_train_silence"
"$hark" eval -m "$out" --closed --skip-empty "$sc:test"
