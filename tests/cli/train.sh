#!/usr/bin/env bash
# End-to-end test of 'hark train': usage errors, a tiny training run on the shipped samples that
# writes a loadable model, Ctrl-C (SIGINT) stopping with a checkpoint, and --resume finishing.
source "$(dirname "$0")/lib/common.sh"
pid=
on_exit='[ -n "$pid" ] && kill "$pid" 2>/dev/null || true'
corpus=$src/samples/manifest.tsv
tiny=(--sample-rate 8000 --hidden 12 --layers 1 --stack 3 --batch 5 --threads 1)

run_rc 0 train --help
for opt in --train --dev --output --cell --layers --hidden --bidirectional --unidirectional \
           --stack --dropout --epochs --batch --lr --warmup --clip --seed --threads \
           --checkpoint-every --checkpoint --resume --new-dev --patience --noise --snr --speed --gain --lead-silence \
           --specaugment --sample-rate --cmvn --cmvn-window --cmvn-min-window; do
  grep -q -- "$opt" <<<"$out" || fail "--help lacks $opt"
done
run_rc 2 train -o "$tmp/x.hark"
run_rc 2 train --train "$corpus"
run_rc 2 train --train "$corpus" -o "$tmp/x.hark" --cell rnn
run_rc 2 train --train "$corpus" -o "$tmp/x.hark" --speed 1.2:0.9
run_rc 2 train --train "$corpus" -o "$tmp/x.hark" --layers 0
run_rc 2 train --train "$corpus" -o "$tmp/x.hark" --lead-silence 9
run_rc 1 train --train "$tmp/none.tsv" -o "$tmp/x.hark" "${tiny[@]}"
grep -q "none.tsv" <<<"$err" || fail "missing corpus message: $err"

# A short run with a dev set: the model loads and transcribes; progress shows dev figures.
run_rc 0 train --train "$corpus" --dev "$corpus" -o "$tmp/m.hark" "${tiny[@]}" --epochs 3 \
  --unidirectional --cell lstm --specaugment --speed 0.9:1.1 --gain 3 --lead-silence 1
grep -q "dev CER" <<<"$err" || fail "no dev figures in the progress: $err"
run_rc 0 transcribe -m "$tmp/m.hark" "$src/samples/7_theo_0.wav"

# Live CMVN: stored in the model with its windows; the model streams (listen's path) and
# transcribes; bad windows are usage errors.
run_rc 0 train --train "$corpus" -o "$tmp/l.hark" "${tiny[@]}" --epochs 1 --unidirectional \
  --cmvn live --cmvn-window 300 --cmvn-min-window 50 -q
run_rc 0 features -m "$tmp/l.hark" "$src/samples/7_theo_0.wav"
batch=$out
run_rc 0 features -m "$tmp/l.hark" --stream 333 "$src/samples/7_theo_0.wav"
[ "$out" = "$batch" ] || fail "live CMVN: streamed features differ from the whole-file ones"
run_rc 0 transcribe -m "$tmp/l.hark" "$src/samples/7_theo_0.wav"
# (the feature configuration is JSON inside the model's JSON header: its quotes are escaped)
grep -qF 'cmvn\":\"live' "$tmp/l.hark" || fail "the model does not record live CMVN"
grep -qF 'cmvn_window\":300' "$tmp/l.hark" || fail "the model does not record the window"
run_rc 2 train --train "$corpus" -o "$tmp/x.hark" --cmvn sliding
run_rc 2 train --train "$corpus" -o "$tmp/x.hark" --cmvn-window 0
run_rc 2 train --train "$corpus" -o "$tmp/x.hark" "${tiny[@]}" --cmvn live --cmvn-window 10 \
  --cmvn-min-window 20
grep -q "cmvn_min_window" <<<"$err" || fail "min window above the window: $err"

# Ctrl-C: the run stops cleanly with a checkpoint, and --resume takes it to the end.
"$hark" train --train "$corpus" -o "$tmp/c.hark" "${tiny[@]}" --epochs 100000 \
  --checkpoint "$tmp/c.ckpt" >"$tmp/c.out" 2>"$tmp/c.err" &
pid=$!
# (up to 60 s for the first progress line: under ctest -j the start can be slow)
for _ in $(seq 600); do grep -q "train" "$tmp/c.err" 2>/dev/null && break; sleep 0.1; done
sleep 0.5
kill -INT "$pid"
set +e; wait "$pid"; rc=$?; set -e
pid=
[ "$rc" -eq 1 ] || fail "interrupted training exited $rc, want 1: $(cat "$tmp/c.err")"
step=$(sed -n 's/.*interrupted at step \([0-9]*\).*/\1/p' "$tmp/c.err")
[ -n "$step" ] || fail "no interruption message: $(cat "$tmp/c.err")"
[ -s "$tmp/c.ckpt" ] || fail "no checkpoint after Ctrl-C"
run_rc 0 transcribe -m "$tmp/c.ckpt" "$src/samples/7_theo_0.wav"
run_rc 0 train --train "$corpus" -o "$tmp/c.hark" "${tiny[@]}" --epochs 100000 \
  --max-steps $((step + 20)) --checkpoint "$tmp/c.ckpt" --resume "$tmp/c.ckpt" -q
[ -s "$tmp/c.hark" ] || fail "no model after resuming"
# --new-dev: a checkpoint taken inside epoch 2 carries the best dev CER of epoch 1, measured on
# the first dev set (one take under a 20-word transcript: CER below 100%). Resumed with another
# dev set (the takes themselves, on which the untrained model scores 200%), epoch 2 stays behind
# that old best, unless --new-dev forgets it.
grep -v '^#' "$corpus" | sed "s|^|$src/samples/|" >"$tmp/takes.tsv"
for _ in 1 2 3 4 5 6; do cat "$tmp/takes.tsv"; done >"$tmp/takes6.tsv"
awk -F'\t' 'NR == 1 { s = "zero one two three four five six seven eight nine"; print $1 "\t" s " " s }' \
  "$tmp/takes.tsv" >"$tmp/long.tsv"
run_rc 0 train --train "$tmp/takes6.tsv" --dev "$tmp/long.tsv" -o "$tmp/n.hark" "${tiny[@]}" \
  --epochs 3 --max-steps 9 --checkpoint "$tmp/n0.ckpt"
for new in "" --new-dev; do
  cp "$tmp/n0.ckpt" "$tmp/n.ckpt"
  run_rc 0 train --train "$tmp/takes6.tsv" --dev "$tmp/takes.tsv" -o "$tmp/n.hark" "${tiny[@]}" \
    --epochs 2 --checkpoint "$tmp/n.ckpt" --resume "$tmp/n.ckpt" $new
  want=$([ -n "$new" ] && echo 2 || echo 1)
  grep -q "epoch 2: .*best CER [0-9.]*% at epoch $want)" <<<"$err" \
    || fail "resumed ${new:-without --new-dev}: best should be epoch $want: $(tr '\r' '\n' <<<"$err" | grep '^epoch')"
done
run_rc 2 train --train "$corpus" -o "$tmp/n.hark" "${tiny[@]}" --new-dev
run_rc 1 train --train "$corpus" -o "$tmp/d.hark" "${tiny[@]}" --resume "$tmp/m.hark"
grep -q "checkpoint" <<<"$err" || fail "resuming from a model: $err"
echo "train: all checks passed"
