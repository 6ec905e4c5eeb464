#!/bin/bash
# listen_input.sh - 'hark listen --input': recordings played through the live path (resampling,
# endpointing, recognition, intents) without a sound server, and every fault the command must
# survive with one clear line and a clean exit: bad usage, missing model or file, no input device,
# an unknown device, stdout closed mid-stream, Ctrl-C.
set -u
here=$(cd "$(dirname "$0")" && pwd)
src=${HARK_SOURCE_DIR:-$here/../..}
shared=${HARK_SHARED_DIR:-$src/../shared}
HARK=${HARK_BIN:?HARK_BIN must point to the hark program}
model=$src/models/digits.hark
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
[ -f "$model" ] || fail "no $model"
L=("$HARK" listen -m "$model" --no-speak)

# Run a command with a time limit; its status in $rc (124 when it hung). The limits only catch
# hangs: they are far above the time each step takes alone, since under ctest -j on a small
# machine 'hark listen' may wait seconds for a core while it loads the model and the intents.
run() { timeout -k 2 "$@"; rc=$?; }

# ---- usage ----
run 60 "$HARK" listen --help >"$tmp/help" || true
[ "$rc" = 0 ] || fail "--help exited $rc"
for opt in --model --intents --device --rate --input --fast --no-speak --json --max-seconds \
    --min-confidence --threshold --min-speech --trailing-silence --max-utterance --pre-roll \
    --closed --voice; do
    grep -q -- "$opt" "$tmp/help" || fail "--help does not list $opt"
done
grep -q "trailing-silence MS silence that ends an utterance (default: 160)" "$tmp/help" || fail "--help does not give the trailing-silence default"
run 60 "$HARK" listen --bogus 2>"$tmp/err"
[ "$rc" = 2 ] || fail "unknown option: status $rc"
run 60 "${L[@]}" --fast 2>"$tmp/err"
[ "$rc" = 2 ] && grep -q -- "--fast" "$tmp/err" || fail "--fast without --input: status $rc"
run 60 "${L[@]}" --trailing-silence 5 2>"$tmp/err"
[ "$rc" = 2 ] && grep -q "trailing-silence" "$tmp/err" || fail "bad --trailing-silence: $rc"
run 60 "${L[@]}" stray-arg 2>"$tmp/err"
[ "$rc" = 2 ] || fail "stray argument: status $rc"

# ---- missing and bad files ----
run 60 "$HARK" listen -m "$tmp/nope.hark" --no-speak --input x.wav 2>"$tmp/err"
[ "$rc" = 1 ] && grep -q "nope.hark" "$tmp/err" || fail "missing model: status $rc, $(cat "$tmp/err")"
[ "$(wc -l <"$tmp/err")" = 1 ] || fail "missing model: more than one error line"
run 60 "${L[@]}" --input "$tmp/nope.wav" 2>"$tmp/err"
[ "$rc" = 1 ] && grep -q "nope.wav" "$tmp/err" || fail "missing input: status $rc"
echo "not audio" >"$tmp/text.wav"
run 60 "${L[@]}" --input "$tmp/text.wav" 2>"$tmp/err"
[ "$rc" = 1 ] && grep -q "text.wav" "$tmp/err" || fail "text file as input: status $rc"

# ---- recordings through the live path ----
fsdd=$shared/data/fsdd
if [ -d "$fsdd" ]; then
    words=(zero one two three four five six seven eight nine)
    right=0
    for d in 0 3 5 8; do
        f=$fsdd/${d}_jackson_$d.wav
        run 120 "${L[@]}" --closed --json --fast --input "$f" >"$tmp/out" 2>"$tmp/err"
        [ "$rc" = 0 ] || fail "listen --input $f: status $rc: $(cat "$tmp/err")"
        final=$(grep '"type":"final"' "$tmp/out")
        [ "$(echo "$final" | grep -c .)" = 1 ] || fail "$f: expected one final, got: $final"
        text=$(echo "$final" | sed -n 's/.*"text":"\([^"]*\)".*/\1/p')
        [ "$text" = "${words[$d]}" ] && right=$((right + 1))
        echo "$final" | grep -q '"start":[0-9.e-]*,"end":[0-9.e-]*,"confidence":0\.[0-9]' ||
            echo "$final" | grep -q '"confidence":1[,}]' || fail "$f: final lacks times/confidence: $final"
        grep -q '"type":"intent","name":"[A-Za-z]*","confidence":[0-9.e-]*,"slots":{' "$tmp/out" ||
            fail "$f: no intent event with name, confidence and slots"
        grep -q '"type":"response","text":"' "$tmp/out" || fail "$f: no response event"
        tail -n 1 "$tmp/out" | grep -q '"type":"summary"' || fail "$f: no summary last"
    done
    [ "$right" -ge 3 ] || fail "only $right of 4 digits right through --input"
    # Without --json on a pipe: one "> text" line per utterance and the reply.
    run 120 "${L[@]}" --closed --fast --input "$fsdd/7_theo_1.wav" >"$tmp/out" 2>"$tmp/err"
    [ "$rc" = 0 ] && grep -q '^> seven$' "$tmp/out" || fail "text output: $(cat "$tmp/out")"
    # 'none' runs without the NLU: finals only.
    run 120 "${L[@]}" --closed --json --fast --intents none --input "$fsdd/7_theo_1.wav" >"$tmp/out"
    [ "$rc" = 0 ] && ! grep -q '"type":"intent"' "$tmp/out" || fail "--intents none still gives intents"
fi

noise=$shared/data/speech_commands/_silence_
if [ -d "$noise" ]; then
    for f in $(ls "$noise"/*.flac | sort | head -n 8); do
        run 120 "${L[@]}" --closed --json --fast --intents none --input "$f" >"$tmp/out" 2>"$tmp/err"
        [ "$rc" = 0 ] || fail "noise $f: status $rc"
        ! grep -q '"type":"final"' "$tmp/out" || fail "noise clip $f gave an utterance"
    done
fi

lj=$shared/data/ljspeech/wavs/LJ001-0001.flac
if [ -f "$lj" ]; then
    # --max-seconds stops the stream at that point of the audio.
    run 120 "${L[@]}" --json --fast --intents none --max-seconds 1.5 --input "$lj" >"$tmp/out" 2>"$tmp/err"
    [ "$rc" = 0 ] || fail "--max-seconds: status $rc"
    grep -q '"type":"summary","seconds":1\.5[0-9]*,' "$tmp/out" || fail "--max-seconds 1.5: $(tail -n 1 "$tmp/out")"
    # English read to the digit model, accepted only when certain: every utterance comes out as
    # a "rejected" event (text, confidence, end of speech), none as a final, and the summary
    # counts them.
    run 120 "${L[@]}" --json --fast --intents none --min-confidence 1 --max-seconds 4 --input "$lj" \
        >"$tmp/out" 2>"$tmp/err"
    [ "$rc" = 0 ] || fail "--min-confidence 1: status $rc"
    n=$(grep -c '^{"type":"rejected","text":"[a-z ]*","confidence":0\.[0-9e-]*,"speech_end":[0-9.]*}$' "$tmp/out")
    [ "$n" -ge 1 ] && ! grep -q '"type":"final"' "$tmp/out" || fail "no rejected events: $(cat "$tmp/out")"
    grep -q "\"utterances\":0,\"rejected\":$n," "$tmp/out" || fail "summary does not count $n rejections"

    # Ctrl-C at real-time pace, once hark is hearing the sentence (its first partial): a clean
    # stop, status 0 (within 10 s, a hang guard; alone it takes a fraction of a second).
    "${L[@]}" --json --input "$lj" >"$tmp/out" 2>"$tmp/err" &
    pid=$!
    for _ in $(seq 1 600); do
        grep -q '"type":"partial"' "$tmp/out" 2>/dev/null && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -INT "$pid"
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then kill -9 "$pid"; fail "Ctrl-C did not stop hark listen"; fi
    wait "$pid"
    rc=$?
    [ "$rc" = 0 ] && grep -q "interrupted" "$tmp/err" || fail "Ctrl-C: status $rc, $(cat "$tmp/err")"

    # stdout closed while listening: the reader is gone before the first event.
    ( "${L[@]}" --json --input "$lj" 2>"$tmp/err"; echo $? >"$tmp/rc" ) | true
    for _ in $(seq 1 600); do [ -s "$tmp/rc" ] && break; sleep 0.1; done
    [ "$(cat "$tmp/rc")" = 0 ] || fail "closed stdout: status $(cat "$tmp/rc")"
    grep -q "standard output closed" "$tmp/err" || fail "closed stdout: no message: $(cat "$tmp/err")"
fi

# ---- no input device: PulseAudio pointed nowhere, ALSA defaulting to it ----
mkdir -p "$tmp/home"
printf 'pcm.!default { type pulse }\nctl.!default { type pulse }\n' >"$tmp/home/.asoundrc"
nodev=(env HOME="$tmp/home" PULSE_SERVER="unix:$tmp/no-such-socket" XDG_RUNTIME_DIR="$tmp")
if ! "${nodev[@]}" "$HARK" devices | grep -q '\*'; then
    run 120 "${nodev[@]}" "${L[@]}" 2>"$tmp/err"
    [ "$rc" = 1 ] || fail "no input device: status $rc"
    grep -q "hark listen: no default audio input device" "$tmp/err" || fail "no device: $(cat "$tmp/err")"
    run 120 "${nodev[@]}" "${L[@]}" --device "no such mic" 2>"$tmp/err"
    [ "$rc" = 1 ] && grep -q "no such mic" "$tmp/err" || fail "unknown device: status $rc"
    run 120 "${nodev[@]}" "${L[@]}" --device 99 2>"$tmp/err"
    [ "$rc" = 1 ] && grep -q "99" "$tmp/err" || fail "device index 99: status $rc"
fi
echo "ok"
