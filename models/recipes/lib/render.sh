#!/usr/bin/env bash
# render.sh - render one share of a synthetic-speech plan (models/recipes/lib/plan.awk) to WAVs
# with the espeak-ng, flite and festival command-line programs.
#
#   render.sh PLAN OUTDIR K N      renders the plan lines i with i % N == K into OUTDIR/wav/ID.wav
#
# Several shares run side by side (K = 0..N-1) without touching each other's files. A WAV is
# written under a temporary name and renamed when complete, and lines whose WAV exists are
# skipped, so an interrupted run resumes where it stopped. Failures are listed in
# OUTDIR/failed.K and do not stop the share.
set -uo pipefail
plan=$1 out=$2 k=$3 n=$4
mkdir -p "$out/wav"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/hark_render.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
: >"$out/failed.$k"
i=-1
while IFS=$'\t' read -r id engine voice p1 p2 p3 text; do
  i=$((i + 1))
  [ $((i % n)) -eq "$k" ] || continue
  wav=$out/wav/$id.wav
  [ -s "$wav" ] && continue
  part=$tmp/$id.wav
  case $engine in
    espeak) espeak-ng -v "$voice" -s "$p1" -p "$p2" -g "$p3" -w "$part" -- "$text" ;;
    flite) flite -voice "$voice" --setf duration_stretch="$p1" --setf int_f0_target_mean="$p2" \
             -t "$text" -o "$part" ;;
    festival) printf '%s\n' "$text" >"$tmp/text.txt"
              text2wave -eval "(voice_$voice)" -eval "(Parameter.set 'Duration_Stretch $p1)" \
                -o "$part" "$tmp/text.txt" ;;
    *) false ;;
  esac >/dev/null 2>"$tmp/err" && [ -s "$part" ] && mv "$part" "$wav" \
    || printf '%s\t%s\t%s\t%s\n' "$id" "$engine" "$voice" "$(head -c 200 "$tmp/err" | tr '\n' ' ')" >>"$out/failed.$k"
done <"$plan"
