#!/usr/bin/env bash
# Streaming training data: a manifest of over 200 hours (the longest LJSpeech clips named again
# and again; no audio is copied) trains a few steps with a peak RSS within 10% of the same run
# on a 1-hour manifest, because audio is read from disk batch by batch and memory keeps about
# 70 bytes per utterance (durations, file offsets, the batch plan). Skips (77) without the
# shared LJSpeech data.
source "$(dirname "$0")/lib/common.sh"
rss=${HARK_PEAK_RSS:?HARK_PEAK_RSS must name the peak_rss helper (ctest sets it)}
diff_tool=${HARK_MODEL_DIFF:?HARK_MODEL_DIFF must name the model_diff helper (ctest sets it)}
# AddressSanitizer keeps freed memory in quarantine, so peak RSS there measures the sanitizer.
libs=$(ldd "$hark" 2>/dev/null || true)
if grep -q libasan <<<"$libs"; then
  echo "skip: peak RSS is not meaningful in an AddressSanitizer build"; exit 77
fi
lj=$shared/data/ljspeech
[ -f "$lj/metadata.csv" ] || { echo "skip: no LJSpeech in $shared/data"; exit 77; }

# Three clips of about 10 s (LJ002-0003, -0013, -0137), with their transcripts.
for id in LJ002-0003 LJ002-0013 LJ002-0137; do
  [ -f "$lj/wavs/$id.flac" ] || { echo "skip: $lj/wavs/$id.flac is missing"; exit 77; }
  grep "^$id|" "$lj/metadata.csv" | cut -d'|' -f3 | sed "s|^|$lj/wavs/$id.flac\t|"
done >"$tmp/three.tsv"
[ "$(wc -l <"$tmp/three.tsv")" -eq 3 ] || fail "LJSpeech metadata lacks the three clips"
# 1 hour = 361 lines, 200 hours = 72001 lines of about 10 s each.
repeat() { awk -v n="$1" '{ a[NR] = $0 } END { for (i = 0; i < n; i++) print a[i % NR + 1] }' "$tmp/three.tsv"; }
repeat 361 >"$tmp/h1.tsv"
repeat 72001 >"$tmp/h200.tsv"

args=(--sample-rate 16000 --hidden 128 --layers 3 --stack 2 --batch 8 --epochs 1 --max-steps 3
      --checkpoint-every 0 -q)
k1=$("$rss" "$hark" train --train "$tmp/h1.tsv" "${args[@]}" -o "$tmp/h1.hark" 2>"$tmp/err1") \
  || fail "1-hour run failed: $(cat "$tmp/err1")"
k200=$("$rss" "$hark" train --train "$tmp/h200.tsv" "${args[@]}" -o "$tmp/h200.hark" 2>"$tmp/err200") \
  || fail "200-hour run failed: $(cat "$tmp/err200")"
[ "$("$diff_tool" "$tmp/h200.hark.ckpt")" -eq 3 ] || fail "the 200-hour run did not take 3 steps"
# The whole manifest was indexed: the provenance says over 200 hours.
hours=$(grep -ao 'train_hours[^0-9]*[0-9.]*' "$tmp/h200.hark" | grep -o '[0-9.]*$' | head -1)
awk -v h="$hours" 'BEGIN { exit !(h >= 200) }' || fail "provenance says $hours hours, want >= 200"
echo "peak RSS: 1 hour $k1 KB, 200 hours $k200 KB"
awk -v a="$k1" -v b="$k200" 'BEGIN { exit !(b <= 1.10 * a) }' \
  || fail "peak RSS grew with the corpus: $k1 KB for 1 hour, $k200 KB for 200 hours"
echo "train_stream: all checks passed"
