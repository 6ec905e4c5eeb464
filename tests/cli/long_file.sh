#!/usr/bin/env bash
# long_file.sh - 'hark transcribe' on long files: a 2-minute and a 10-minute file built here from
# FSDD test-split recordings (digits) and silences of known length are cut at pauses into short
# segments and decoded with bounded memory: the peak resident set of the 10-minute run stays
# within 3 MB of the 2-minute run's (reading either file whole would cost 15 MB more for the
# samples alone), words keep their file time (each lies where its recording was put), and the
# SRT cues follow the segments.
source "$(dirname "$0")/lib/common.sh"
model=$src/models/digits.hark
fsdd=$shared/data/fsdd
[ -f "$model" ] || fail "no $model"
[ -d "$fsdd" ] || { echo "SKIP: $fsdd not present"; exit 77; }
command -v sox >/dev/null && command -v soxi >/dev/null || { echo "SKIP: sox not installed"; exit 77; }
[ -x /usr/bin/time ] || { echo "SKIP: /usr/bin/time (GNU time) not installed"; exit 77; }
words=(zero one two three four five six seven eight nine)

# build SECONDS NAME: NAME.wav of recordings and silences (0.6-1.2 s) up to SECONDS long, and
# NAME.tsv with each recording's start, end and word.
build() {
  local total=$1 name=$2 t=0 i=0 parts=() gap f d
  : >"$tmp/$name.tsv"
  mapfile -t recs < <(ls "$fsdd" | grep -E '^[0-9]_[a-z]+_[0-4]\.wav$' | sort)
  while awk -v t="$t" -v T="$total" 'BEGIN { exit !(t < T - 2) }'; do
    gap=$(awk -v i="$i" 'BEGIN { printf "%.1f", 0.6 + (i * 37 % 7) / 10 }')
    [ -f "$tmp/sil$gap.wav" ] || sox -n -r 8000 -c 1 -b 16 "$tmp/sil$gap.wav" trim 0 "$gap"
    f=$fsdd/${recs[$((i * 13 % ${#recs[@]}))]}
    d=$(soxi -D "$f")
    parts+=("$tmp/sil$gap.wav" "$f")
    t=$(awk -v t="$t" -v g="$gap" 'BEGIN { printf "%.6f", t + g }')
    printf '%s\t%s\t%s\n' "$t" "$(awk -v t="$t" -v d="$d" 'BEGIN { printf "%.6f", t + d }')" \
      "${words[$(basename "$f" | cut -c1)]}" >>"$tmp/$name.tsv"
    t=$(awk -v t="$t" -v d="$d" 'BEGIN { printf "%.6f", t + d }')
    i=$((i + 1))
  done
  sox "${parts[@]}" "$tmp/$name.wav"
}
build 120 short
build 604 long
long_s=$(soxi -D "$tmp/long.wav")
awk -v d="$long_s" 'BEGIN { exit !(d >= 600) }' || fail "the long file is only $long_s s"

# peak RSS (kB) of one transcription, its JSON in $tmp/NAME.json
peak() {
  /usr/bin/time -f %M -o "$tmp/$1.rss" "$hark" transcribe -m "$model" --closed --max-segment 1.5 \
    --format json "$tmp/$1.wav" >"$tmp/$1.json" 2>"$tmp/$1.err" || fail "transcribe $1: $(cat "$tmp/$1.err")"
  tail -n 1 "$tmp/$1.rss"
}
rss_short=$(peak short)
rss_long=$(peak long)
echo "peak RSS: 2-minute file $rss_short kB, 10-minute file $rss_long kB"
[ "$rss_long" -le $((rss_short + 3072)) ] || fail "peak RSS grows with the file: $rss_short kB for 2 minutes, $rss_long kB for 10"

# Words in file time: each word (the recording whose middle is nearest the word's middle) lies
# within its recording's span widened by the silence around it, and at least 75% of the words
# are right (the accuracy is the model's; this checks that cutting into short segments does not
# lose or misplace words).
python_free_check() {
  # the JSON's words as "word start end" lines
  sed 's/.*"words":\[\(.*\)\],"segments".*/\1/; s/},{/}\n{/g' "$tmp/long.json" |
    sed -n 's/.*"word":"\([a-z]*\)","start":\([0-9.e+-]*\),"end":\([0-9.e+-]*\).*/\1 \2 \3/p' >"$tmp/words.txt"
  awk -F'\t' 'NR == FNR { s[NR] = $1; e[NR] = $2; w[NR] = $3; n = NR; next }
    { k = 0; m = ($2 + $3) / 2
      for (i = 1; i <= n; i++) { d = m - (s[i] + e[i]) / 2; if (d < 0) d = -d
        if (!k || d < best) { k = i; best = d } }
      words++
      if (k && $2 >= s[k] - 1.3 && $3 <= e[k] + 1.3) placed++
      if (k && $1 == w[k]) right++
      ds = $2 - s[k]; de = $3 - e[k]
      if (k && ds <= 0.1 && ds >= -0.1 && de <= 0.1 && de >= -0.1) timed++ }
    END { printf "%d %d %d %d %d\n", words, placed, right, n, timed }' "$tmp/long.tsv" FS=' ' "$tmp/words.txt"
}
read -r nw placed right nrec timed < <(python_free_check)
echo "long file: $nrec recordings, $nw words, $placed in place, $right right, $timed with start and end within 100 ms"
[ "$nw" -ge $((nrec * 9 / 10)) ] || fail "only $nw words for $nrec recordings"
[ "$placed" -ge $((nw * 95 / 100)) ] || fail "only $placed of $nw words lie where their recording is"
[ "$right" -ge $((nw * 75 / 100)) ] || fail "only $right of $nw words right"
# Word times (docs/decoding.md): a recording's first and last samples are its word's edges.
[ "$timed" -ge $((nw * 9 / 10)) ] || fail "only $timed of $nw words start and end within 100 ms of their recording"
last=$(tail -n 1 "$tmp/words.txt" | cut -d' ' -f2)
awk -v l="$last" 'BEGIN { exit !(l > 550) }' || fail "the last word starts at $last s, not near the end of the file"

# SRT cues follow the segments: no cue spans more than one segment (1.5 s), times in file time.
run_rc 0 transcribe -m "$model" --closed --max-segment 1.5 --format srt "$tmp/short.wav"
cues=$(grep -c -- ' --> ' <<<"$out")
[ "$cues" -ge 40 ] || fail "only $cues SRT cues for a 2-minute file"
grep -- ' --> ' <<<"$out" | awk '{ split($1, a, /[:,]/); split($3, b, /[:,]/)
    s = a[1] * 3600 + a[2] * 60 + a[3] + a[4] / 1000; e = b[1] * 3600 + b[2] * 60 + b[3] + b[4] / 1000
    if (e - s > 1.51 || s < last - 0.001) bad++; last = s } END { exit bad > 0 }' \
  || fail "an SRT cue spans more than a segment or goes back in time"
grep -q -- '^00:01:' <<<"$out" || fail "no cue past the first minute: $(tail -n 4 <<<"$out")"
echo "long files: bounded memory, file-time words and segment cues"
