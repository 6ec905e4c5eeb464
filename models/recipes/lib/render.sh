#!/usr/bin/env bash
# render.sh - render one share of a synthetic-speech plan (models/recipes/lib/plan.awk) to WAVs
# with the espeak-ng, flite and festival command-line programs.
#
#   render.sh PLAN OUTDIR K N      renders the plan lines i with i % N == K into OUTDIR/wav/ID.wav
#
# Several shares run side by side (K = 0..N-1) without touching each other's files. A WAV is
# written under a temporary name and renamed when complete, and lines whose WAV exists are
# skipped, so an interrupted run resumes where it stopped. espeak-ng and flite run once per
# utterance (they start in milliseconds); festival takes about a second to start, so a share's
# festival lines go to one festival process (a Scheme script, voices switched only on change).
# A flite or festival line with a shift (P3, cents) is pitch-shifted by sox after rendering.
# Failures are listed in OUTDIR/failed.K and do not stop the share.
set -uo pipefail
plan=$1 out=$2 k=$3 n=$4
mkdir -p "$out/wav"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/hark_render.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
: >"$out/failed.$k"
fail() { printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" >>"$out/failed.$k"; }

# Festival: a renderer that survives a failing utterance, then one call per line.
cat >"$tmp/festival.scm" <<'SCM'
(define (hark_render voice path stretch text)
  (if (not (equal? voice hark_voice))
      (begin (eval (list (intern (string-append "voice_" voice)))) (set! hark_voice voice)))
  (Parameter.set 'Duration_Stretch stretch)
  (let ((utt (eval (list 'Utterance 'Text text)))) ; Utterance does not evaluate its arguments
    (utt.synth utt)
    (utt.save.wave utt path 'riff)))
(define (hark_try voice path stretch text)
  (unwind-protect (hark_render voice path stretch text) (format t "failed %s\n" path)))
(set! hark_voice "")
SCM
: >"$tmp/festival.lines"
# Move a finished rendering into place, first shifted by CENTS (0: as it is).
place() { # PART ID CENTS
  if [ "${3:-0}" != 0 ]; then
    sox "$1" "$1.shift.wav" pitch "$3" && mv "$1.shift.wav" "$1" || return 1
  fi
  mv "$1" "$out/wav/$2.wav"
}

i=-1
while IFS=$'\t' read -r id engine voice p1 p2 p3 text; do
  i=$((i + 1))
  [ $((i % n)) -eq "$k" ] || continue
  [ -s "$out/wav/$id.wav" ] && continue
  part=$tmp/$id.wav
  case $engine in
    espeak) espeak-ng -v "$voice" -s "$p1" -p "$p2" -g "$p3" -w "$part" -- "$text" ;;
    flite) flite -voice "$voice" --setf duration_stretch="$p1" --setf int_f0_target_mean="$p2" \
             -t "$text" -o "$part" ;;
    festival) # Scheme strings: escape backslashes and quotes
      esc=${text//\\/\\\\}
      printf '%s\t(hark_try "%s" "%s" %s "%s")\n' "$voice" "$voice" "$part" "$p1" "${esc//\"/\\\"}" \
        >>"$tmp/festival.lines"
      printf '%s\t%s\t%s\n' "$id" "$voice" "$p3" >>"$tmp/festival.ids"
      continue ;;
    *) false ;;
  esac >/dev/null 2>"$tmp/err" && [ -s "$part" ] \
    && place "$part" "$id" "$([ "$engine" = flite ] && echo "$p3" || echo 0)" 2>>"$tmp/err" \
    || fail "$id" "$engine" "$voice" "$(head -c 200 "$tmp/err" | tr '\n' ' ')"
done <"$plan"

[ -s "$tmp/festival.lines" ] || exit 0
sort -s -t $'\t' -k1,1 "$tmp/festival.lines" | cut -f2- >>"$tmp/festival.scm"
festival -b "$tmp/festival.scm" >"$tmp/festival.log" 2>&1
while IFS=$'\t' read -r id voice cents; do
  [ -s "$tmp/$id.wav" ] && place "$tmp/$id.wav" "$id" "$cents" 2>"$tmp/err" \
    || fail "$id" festival "$voice" "no output $(head -c 200 "$tmp/err" | tr '\n' ' ')"
done <"$tmp/festival.ids"
