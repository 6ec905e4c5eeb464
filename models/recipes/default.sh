#!/usr/bin/env bash
# Rebuild the general English acoustic model (models/default.hark candidate) from nothing:
# a streaming (unidirectional GRU) character CTC model trained on the train splits of every real
# corpus in ../shared/data plus synthetic speech from espeak-ng, flite and festival voices, with
# heavy augmentation. docs/model.md describes the data mix, the held-out sets and the figures.
#
#   models/recipes/default.sh              run every stage not yet done, then stop
#   STAGE=text models/recipes/default.sh   run up to and including one stage
#
# Stages (each caches its output under $CACHE and is marked done only when complete, so a killed
# run resumes where it stopped; none takes longer than 3 hours on a 2-core machine):
#   text      sentences: assistant requests, numbers and dates, LJSpeech train transcripts,
#             broad English phrases (words of Debian's wamerican list), balanced by count
#   plan      a voice and speaking style for every rendering (training and held-out voices)
#   render    WAVs + manifest.tsv of the training voices (JOBS processes side by side)
#   heldout   WAVs + manifest.tsv of the held-out voices (evaluation only)
#   corpora   the real training/dev manifests and the noise folder (train-split noise only)
#   train     hark train, in slices of at most TRAIN_SLICE (default 2.5h) with checkpoints:
#             run the recipe again to continue; done when the epochs or patience run out
#   eval      hark eval on every held-out set; figures in $CACHE/eval/*.txt
#
# Held out of all training (evaluation only): FSDD speaker george and the FSDD test split,
# Speech Commands test split (validation is the dev set), LJSpeech dev split, the wake_words
# folder view_glass (no speaker ids are published, so speakers may recur: it measures unseen
# words), synthetic voices flite slt + festival cmu_us_slt_arctic_hts (one speaker), espeak-ng
# accent en-gb-x-gbcwmd and espeak-ng variants f3 m6 steph2 edward2 Annie.
#
# Environment: HARK_BIN (default build/hark), HARK_DATA (../shared/data), HARK_CACHE
# (~/.cache/hark; this recipe uses $HARK_CACHE/default), OUT (the model, default
# $CACHE/default.hark; copy it to models/default.hark to ship it), JOBS (rendering processes, 2),
# THREADS (training threads, 1), SEED (1), SCALE (multiplies the amount of synthetic text, 1),
# TRAIN_SLICE (timeout(1) duration of one training run, 2.5h), NICE (niceness, 19).
#
# Data and voices, with licences: see docs/model.md (FSDD CC BY-SA 4.0, Speech Commands CC BY 4.0,
# LJSpeech public domain, wake_words Apache-2.0, espeak-ng GPL-3, flite and festival voices
# BSD-style/free licences as listed there).
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
lib=$repo/models/recipes/lib
data=$(cd "${HARK_DATA:-$repo/../shared/data}" && pwd)
cache=${HARK_CACHE:-$HOME/.cache/hark}/default
out=${OUT:-$cache/default.hark}
jobs=${JOBS:-2}
seed=${SEED:-1}
scale=${SCALE:-1}
nice=${NICE:-19}
hark=${HARK_BIN:-}
if [ -z "$hark" ]; then
  for cand in "$repo"/build/hark "$repo"/build-*/hark; do
    [ -x "$cand" ] && { hark=$cand; break; }
  done
fi
[ -x "${hark:-}" ] || { echo "default.sh: build hark first (or set HARK_BIN)" >&2; exit 1; }
for d in fsdd speech_commands ljspeech wake_words; do
  [ -d "$data/$d" ] || { echo "default.sh: $data/$d not found (set HARK_DATA)" >&2; exit 1; }
done
for p in espeak-ng flite text2wave; do
  command -v "$p" >/dev/null || { echo "default.sh: $p not found (apt-get install espeak-ng flite festival festvox-kallpc16k festvox-kdlpc16k festvox-us-slt-hts)" >&2; exit 1; }
done
[ -r /usr/share/dict/american-english ] || { echo "default.sh: /usr/share/dict/american-english not found (apt-get install wamerican)" >&2; exit 1; }
mkdir -p "$cache"
run() { nice -n "$nice" "$@"; }
log() { echo "default.sh: $*" >&2; }
done_p() { [ -e "$cache/$1.done" ]; }
mark() { date -u +%FT%TZ >"$cache/$1.done"; }
last=${STAGE:-eval}
after() { [ "$1" = "$last" ] && { log "stopping after stage $1 (STAGE=$last)"; exit 0; }; return 0; }

# ---- text: one DOMAIN<TAB>TEXT line per sentence ------------------------------------------------
# Counts (times SCALE) keep the domains' audio roughly balanced: numbers and phrases are short,
# LJSpeech lines long (about 6.5 s) and there are only 310 of them in the train split.
stage_text() {
  local d=$cache/text
  rm -rf "$d" && mkdir -p "$d"
  "$hark" intent -i "$repo/models/assistant.ini" --sample $((40 * scale)) --seed "$seed" \
    | cut -f2 | awk '{print "assistant\t" $0}' >"$d/assistant.tsv"
  awk -v kind=numbers -v n=$((1000 * scale)) -v seed="$seed" -f "$lib/gentext.awk" \
    | awk '{print "numbers\t" $0}' >"$d/numbers.tsv"
  awk -v kind=english -v n=$((1500 * scale)) -v seed="$seed" -f "$lib/gentext.awk" \
    /usr/share/dict/american-english | awk '{print "english\t" $0}' >"$d/english.tsv"
  # LJSpeech train split only (hark's convention: the last 10 %, rounded up, of the clips in ID
  # order are dev): never a dev sentence, not even as synthetic speech.
  "$hark" data --list --no-durations "$data/ljspeech:train" | cut -f2 \
    | awk '{print "ljspeech\t" $0}' >"$d/ljspeech.tsv"
  # Held-out evaluation text: assistant phrasings not in the training text (another seed, then
  # every sentence also drawn for training removed), and fresh phrases and numbers.
  "$hark" intent -i "$repo/models/assistant.ini" --sample 25 --seed $((seed + 1000)) \
    | cut -f2 | awk '{print "assistant\t" $0}' | grep -vxFf "$d/assistant.tsv" >"$d/heldout.tsv"
  awk -v kind=english -v n=150 -v seed=$((seed + 1000)) -f "$lib/gentext.awk" \
    /usr/share/dict/american-english | awk '{print "english\t" $0}' >>"$d/heldout.tsv"
  awk -v kind=numbers -v n=150 -v seed=$((seed + 1000)) -f "$lib/gentext.awk" \
    | awk '{print "numbers\t" $0}' >>"$d/heldout.tsv"
  wc -l "$d"/*.tsv >&2
}

# ---- plan: voices and styles ----------------------------------------------------------------
variants() {
  espeak-ng --voices=variant | awk 'NR > 1 { for (i = 1; i <= NF; i++) if ($i ~ /^!v\//) {
    sub(/^!v\//, "", $i); if ($(i + 1) == "" || $(i + 1) ~ /^\(/) print $i } }' | sort -u | tr '\n' ' '
}
stage_plan() {
  local d=$cache/plan v
  rm -rf "$d" && mkdir -p "$d"
  v=$(variants)
  # LJSpeech lines twice, the shorter domains three times: about an hour of audio each.
  { awk -F'\t' -v seed="$seed" -v renders=2 -v prefix=lj -v set=train -v variants="$v" \
      -f "$lib/plan.awk" "$cache/text/ljspeech.tsv"
    cat "$cache/text/assistant.tsv" "$cache/text/numbers.tsv" "$cache/text/english.tsv" \
      | awk -F'\t' -v seed=$((seed + 1)) -v renders=3 -v prefix=tr -v set=train -v variants="$v" \
          -f "$lib/plan.awk"; } >"$d/train.tsv"
  awk -F'\t' -v seed=$((seed + 2)) -v renders=1 -v prefix=ho -v set=heldout -v variants="$v" \
    -f "$lib/plan.awk" "$cache/text/heldout.tsv" >"$d/heldout.tsv"
  wc -l "$d"/*.tsv >&2
}

# ---- render: WAVs in parallel shares, then the manifest --------------------------------------
render() { # PLAN OUTDIR
  local plan=$1 dir=$2 k pids=()
  mkdir -p "$dir"
  for ((k = 0; k < jobs; k++)); do
    run "$lib/render.sh" "$plan" "$dir" "$k" "$jobs" & pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p"; done
  local failed total
  failed=$(cat "$dir"/failed.* | wc -l)
  total=$(wc -l <"$plan")
  log "$dir: $((total - failed)) of $total rendered, $failed failed (listed in $dir/failed.*)"
  [ "$failed" -le $((total / 100)) ] || { log "too many failed renderings"; return 1; }
  awk -F'\t' -v dir="$dir" '{ f = "wav/" $1 ".wav";
      if ((getline junk < (dir "/" f)) >= 0) { close(dir "/" f); print f "\t" $7 "\t" $2 ":" $3 } }' \
    "$plan" >"$dir/manifest.tsv.part"
  mv "$dir/manifest.tsv.part" "$dir/manifest.tsv"
}
stage_render() { render "$cache/plan/train.tsv" "$cache/synth"; }
stage_heldout() { render "$cache/plan/heldout.tsv" "$cache/heldout"; }

# ---- corpora: real training data, dev set, noise ---------------------------------------------
stage_corpora() {
  local d=$cache/corpora f rel
  rm -rf "$d" && mkdir -p "$d/noise"
  # Training-split _silence_ clips only (never validation or test) as the noise source.
  for f in "$data"/speech_commands/_silence_/*.flac; do
    rel=_silence_/$(basename "$f")
    grep -qxF "$rel" "$data/speech_commands/validation_list.txt" \
      "$data/speech_commands/testing_list.txt" || ln -s "$f" "$d/noise/"
  done
  # wake_words: every keyword but view_glass (held out), paths made absolute.
  awk -F'\t' -v root="$data/wake_words" '$1 !~ /^view_glass\// { print root "/" $1 "\t" $2 "\twake" }' \
    "$data/wake_words/manifest.tsv" >"$d/wake_train.tsv"
  # Dev (model selection): Speech Commands validation speakers + 300 training-voice renderings
  # of LJSpeech train text would leak; use Speech Commands validation only.
  "$hark" data --list "$data/speech_commands:validation" >"$d/dev.tsv"
}

# ---- train -------------------------------------------------------------------------------------
TRAIN_ARGS=(--sample-rate 16000 --cell gru --layers 3 --hidden 256 --unidirectional --stack 3
            --dropout 0.1 --epochs 12 --batch 24 --lr 0.0015 --warmup 500 --patience 4
            --max-duration 11 --seed "$seed"
            --speed 0.9:1.1 --gain 8 --tilt 0.5 --specaugment
            --noise "$cache/corpora/noise" --snr 0:25 --noise-prob 0.4)
stage_train() {
  local d=$cache/train ckpt rc=0
  mkdir -p "$d"
  ckpt=$d/model.ckpt
  local resume=()
  [ -s "$ckpt" ] && resume=(--resume "$ckpt") && log "resuming from $ckpt"
  run timeout -s INT "${TRAIN_SLICE:-2.5h}" "$hark" train \
    --train "$data/fsdd:train,speaker!=george" \
    --train "$data/speech_commands:train" \
    --train "$data/ljspeech:train" \
    --train "$cache/corpora/wake_train.tsv" \
    --train "$cache/synth/manifest.tsv" \
    --dev "$cache/corpora/dev.tsv" \
    "${TRAIN_ARGS[@]}" ${EXTRA_TRAIN_ARGS:-} --threads "${THREADS:-1}" \
    --checkpoint "$ckpt" --checkpoint-every 100 "${resume[@]}" -o "$d/best.hark" -q || rc=$?
  if [ "$rc" -eq 124 ]; then
    log "training slice ended (checkpoint $ckpt); run the recipe again to continue"
    exit 0
  fi
  [ "$rc" -eq 0 ] || return "$rc"
  cp "$d/best.hark" "$out"
}

# ---- eval: held-out real speakers and voices ---------------------------------------------------
stage_eval() {
  local d=$cache/eval m=${MODEL:-$out}
  mkdir -p "$d"
  local sets=("fsdd_george:$data/fsdd:speaker=george" "fsdd_test:$data/fsdd:test"
              "sc_test:$data/speech_commands:test" "ljspeech_dev:$data/ljspeech:dev"
              "heldout_voices:$cache/heldout/manifest.tsv")
  local s
  for s in "${sets[@]}"; do
    run "$hark" eval -m "$m" --skip-empty "${s#*:}" >"$d/${s%%:*}.txt" 2>&1 || true
    log "${s%%:*}: $(grep -m3 -E 'CER|WER|utterance|RTF' "$d/${s%%:*}.txt" | tr '\n' ' ')"
  done
}

for s in text plan render heldout corpora train eval; do
  if ! done_p "$s" || [ "$s" = eval ]; then
    log "stage $s"
    "stage_$s"
    mark "$s"
  fi
  after "$s"
done
