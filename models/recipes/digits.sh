#!/usr/bin/env bash
# Rebuild models/digits.hark: a bidirectional GRU CTC model of the spoken digits "zero".."nine",
# trained on the Free Spoken Digit Dataset's own training split (takes 5-49 of its five speakers,
# 8 kHz), then measured on its test split (takes 0-4). About 2 minutes on one core.
#
#   models/recipes/digits.sh            (uses build/hark, or $HARK_BIN; data in ../shared/data)
#   THREADS=2 models/recipes/digits.sh
#
# Data: FSDD by Zohar Jackson and contributors, CC BY-SA 4.0 (credit it with the model).
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
data=$(cd "${HARK_DATA:-$repo/../shared/data}" && pwd)
hark=${HARK_BIN:-}
if [ -z "$hark" ]; then
  for cand in "$repo"/build/hark "$repo"/build-*/hark; do
    [ -x "$cand" ] && { hark=$cand; break; }
  done
fi
[ -x "${hark:-}" ] || { echo "digits.sh: build hark first (or set HARK_BIN)" >&2; exit 1; }
[ -d "$data/fsdd" ] || { echo "digits.sh: $data/fsdd not found (set HARK_DATA)" >&2; exit 1; }
out=${OUT:-$repo/models/digits.hark}

# The architecture and schedule of the shipped model. Speed perturbation and SpecAugment make it
# hold up on voices it never heard (see bench/accuracy, leave-one-speaker-out).
DIGITS_ARGS=(--sample-rate 8000 --cell gru --layers 2 --hidden 128 --stack 2 --bidirectional
             --dropout 0.1 --epochs 30 --batch 16 --lr 0.002 --warmup 200 --seed 1)
if [ "${1:-}" = "--print-args" ]; then echo "${DIGITS_ARGS[@]}"; exit 0; fi

nice "$hark" train --train "$data/fsdd:train" "${DIGITS_ARGS[@]}" --threads "${THREADS:-1}" \
  --checkpoint-every 0 -o "$out"
rm -f "$out.ckpt"
"$hark" eval -m "$out" "$data/fsdd:test"
