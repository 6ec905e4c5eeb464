#!/bin/bash
# listen_assistant.sh - the assistant's main job through a virtual microphone (tests/pulse/pulse.sh):
# spoken requests, rendered at test time by espeak-ng's en-gb-x-gbcwmd voice (held out of the
# general model's training, models/recipes/default.sh), are played into the sink while
# 'hark listen --json --no-speak' with models/default.hark decodes under the grammar of
# models/assistant.ini. Every request must end as one utterance (a final, or a "rejected"
# event), at least MIN_RIGHT of them with the request's intent and slots as 'hark intent' reads
# them from the request's text (a wrong slot value counts as not understood), and no request may
# be answered as another intent: a miss is allowed only as "none" or a rejection. Partials come
# from the grammar search, so every word of every partial is a word of the intent file (or a
# number word its ranges spell out).
# Skips (exit 77) when PulseAudio cannot start or espeak-ng is missing.
set -u
here=$(cd "$(dirname "$0")" && pwd)
src=${HARK_SOURCE_DIR:-$here/../..}
HARK=${HARK_BIN:?HARK_BIN must point to the hark program}
model=${ASSISTANT_MODEL:-$src/models/default.hark}
intents=$src/models/assistant.ini
MIN_RIGHT=${MIN_RIGHT:-4}

fail() { echo "FAIL: $*" >&2; [ -n "${out:-}" ] && [ -f "$out" ] && grep -v '"partial"' "$out" >&2; exit 1; }
[ -f "$model" ] && [ -f "$intents" ] || fail "no $model or $intents"
command -v espeak-ng >/dev/null || { echo "SKIP: espeak-ng not installed"; exit 77; }

. "$src/tests/pulse/pulse.sh"
pulse_test_start

# Six requests of six intents, phrasings as a user would say them (each is in the intent file's
# language, so the grammar can hold it).
requests=("what time is it" "set a timer for five minutes" "turn on the lights"
          "what is seven plus five" "make it louder" "can you tell me the date")
for i in "${!requests[@]}"; do
    espeak-ng -v en-gb-x-gbcwmd -w "$PULSE_DIR/r$i.wav" "${requests[$i]}" || fail "espeak-ng"
done

"$HARK" listen -m "$model" --intents "$intents" --json --no-speak >"$out" 2>"$err" &
hpid=$!
for _ in $(seq 1 600); do
    grep -q '"type":"ready"' "$out" 2>/dev/null && break
    kill -0 "$hpid" 2>/dev/null || { cat "$err" >&2; fail "hark listen exited before ready"; }
    sleep 0.2
done
grep -q '"type":"ready"' "$out" || fail "hark listen not ready within 120 s"
sleep 0.5
for i in "${!requests[@]}"; do
    pulse_play "$PULSE_DIR/r$i.wav" || fail "paplay"
    sleep 1
done
n=${#requests[@]}
for _ in $(seq 1 300); do
    [ "$(grep -c '"type":"\(intent\|rejected\)"' "$out")" -ge "$n" ] && break
    sleep 0.1
done
kill -INT "$hpid"
for _ in $(seq 1 300); do kill -0 "$hpid" 2>/dev/null || break; sleep 0.1; done
kill -0 "$hpid" 2>/dev/null && { kill -9 "$hpid"; fail "hark listen did not stop on Ctrl-C"; }
wait "$hpid"
rc=$?
hpid=""
[ "$rc" = 0 ] || { cat "$err" >&2; fail "hark listen exited $rc"; }

# One line per utterance: the intent event's name and slots, or "rejected".
sed -n -e 's/^{"type":"intent","name":"\([^"]*\)","confidence":[^,]*,"slots":\({[^}]*}\).*/\1 \2/p' \
    -e 's/^{"type":"rejected".*/rejected/p' "$out" >"$PULSE_DIR/got.txt"
[ "$(wc -l <"$PULSE_DIR/got.txt")" = "$n" ] ||
    fail "expected $n utterances, got $(wc -l <"$PULSE_DIR/got.txt"): $(tr '\n' ';' <"$PULSE_DIR/got.txt")"
right=0
i=0
while read -r name slots; do
    want=$("$HARK" intent -i "$intents" --json "${requests[$i]}" |
        sed -n 's/.*"intent":"\([^"]*\)".*"slots":\({[^}]*}\).*/\1 \2/p')
    got="$name${slots:+ $slots}"
    echo "'${requests[$i]}': $got (want $want)"
    if [ "$got" = "$want" ]; then
        right=$((right + 1))
    elif [ "$name" != none ] && [ "$name" != rejected ] && [ "$name" != "${want%% *}" ]; then
        fail "'${requests[$i]}' answered as $got, not $want"
    fi
    i=$((i + 1))
done <"$PULSE_DIR/got.txt"
[ "$right" -ge "$MIN_RIGHT" ] || fail "only $right of $n requests understood (want >= $MIN_RIGHT)"

# Partials: words of the grammar, never the model's raw units.
{ tr 'A-Z' 'a-z' <"$intents" | tr -cs "a-z'" '\n'
  printf '%s\n' zero one two three four five six seven eight nine ten eleven twelve thirteen \
    fourteen fifteen sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy \
    eighty ninety hundred thousand; } | sort -u >"$PULSE_DIR/vocab.txt"
sed -n 's/^{"type":"partial","text":"\([^"]*\)".*/\1/p' "$out" >"$PULSE_DIR/partials.txt"
[ -s "$PULSE_DIR/partials.txt" ] || fail "no partial transcripts"
stray=$(tr ' ' '\n' <"$PULSE_DIR/partials.txt" | sed '/^$/d' | sort -u | comm -23 - "$PULSE_DIR/vocab.txt")
[ -z "$stray" ] || fail "partial words outside the intent file's vocabulary: $(echo $stray)"
echo "ok: $right/$n spoken requests understood through the virtual microphone"
