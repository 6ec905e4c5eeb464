#!/usr/bin/env bash
# End-to-end test of 'hark intent': text and JSON output, the state file across runs, the clock
# override, --expand, and the failure modes (bad usage -> 2, malformed intent file -> 1 with
# FILE:LINE:COLUMN on one line).
set -euo pipefail
HARK=${HARK_BIN:?}
SRC=${HARK_SOURCE_DIR:?}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# --help lists every option with its default and exits 0.
out=$("$HARK" intent --help)
for opt in --intents --json --state --no-state --now --eval --verbose --expand --max \
           --none-corpus --threshold --seed --help; do
    grep -q -- "$opt" <<<"$out" || fail "--help does not mention $opt"
done

# Text output.
out=$("$HARK" intent --no-state --now 1764000000 "What time is it?")
grep -q '^intent: *GetTime$' <<<"$out" || fail "text output: $out"
grep -q '^response: *It is [0-9]*:00 [AP]M\.$' <<<"$out" || fail "time response: $out"

# JSON output has exactly the documented keys; numbers come back as numbers.
json=$("$HARK" intent --no-state --json "set a timer for 25 minutes")
/usr/bin/python3 - "$json" <<'PY' || fail "JSON output: $json"
import json, sys
o = json.loads(sys.argv[1])
assert set(o) == {"text", "intent", "confidence", "slots", "response"}, o
assert o["intent"] == "SetTimer", o
assert o["slots"] == {"minutes": 25}, o
assert 0.5 < o["confidence"] <= 1.0, o
assert o["response"] == "Timer 1 set for 25 minutes.", o
PY
json=$("$HARK" intent --no-state --json "what's the weather in Lisbon tomorrow")
/usr/bin/python3 - "$json" <<'PY' || fail "out-of-scope JSON: $json"
import json, sys
o = json.loads(sys.argv[1])
assert o["intent"] == "none" and o["slots"] == {} and "Sorry" in o["response"], o
PY

# The device state survives between runs (and XDG_STATE_HOME is the default location).
XDG_STATE_HOME="$TMP/xdg" "$HARK" intent --json "turn on the kitchen light" >/dev/null
[ -f "$TMP/xdg/hark/state.json" ] || fail "no state file under XDG_STATE_HOME"
grep -q '"kitchen":[[:space:]]*true' "$TMP/xdg/hark/state.json" \
    || fail "state: $(cat "$TMP/xdg/hark/state.json")"
"$HARK" intent --state "$TMP/s.json" "switch on the bedroom lights" >/dev/null
"$HARK" intent --state "$TMP/s.json" "turn off the lights in the bedroom" >/dev/null
grep -q '"bedroom":[[:space:]]*false' "$TMP/s.json" || fail "state after off: $(cat "$TMP/s.json")"

# Several sentences in one run share timers; stdin works line by line.
out=$(printf 'set a timer for 2 minutes\nset a timer for 3 minutes\nlist my timers\n' |
      "$HARK" intent --no-state --json -)
[ "$(wc -l <<<"$out")" -eq 3 ] || fail "stdin: $out"
grep -q '"response":"2 timers: ' <<<"$out" || fail "timer list: $out"

# An overlong stdin line is one (rejected) sentence, not several.
out=$( (/usr/bin/python3 -c "print('blah ' * 2000)"; echo "what time is it") |
      "$HARK" intent --no-state --json -)
[ "$(wc -l <<<"$out")" -eq 2 ] || fail "long stdin line: $(cut -c1-200 <<<"$out")"
grep -q '"intent":"none"' <<<"$(head -1 <<<"$out")" || fail "long line not rejected"

# --expand lists sentences with their slots.
out=$("$HARK" intent --expand --max 3)
grep -q $'^SetTimer\tset timer for one minute\tminutes=1$' <<<"$out" || fail "expand: $out"

# Bad usage exits 2; runtime failures exit 1 with one line naming the file.
set +e
"$HARK" intent >/dev/null 2>&1; [ $? -eq 2 ] || fail "no text should exit 2"
"$HARK" intent --bogus x >/dev/null 2>&1; [ $? -eq 2 ] || fail "unknown option should exit 2"
"$HARK" intent --threshold 2 x >/dev/null 2>&1; [ $? -eq 2 ] || fail "bad threshold should exit 2"
"$HARK" intent --eval x.tsv "text" >/dev/null 2>&1
[ $? -eq 2 ] || fail "--eval with TEXT should exit 2"
err=$("$HARK" intent --intents "$SRC/tests/data/nlu/unclosed_group.ini" "hello" 2>&1 >/dev/null)
rc=$?
[ $rc -eq 1 ] || fail "malformed intent file exit $rc"
[ "$(wc -l <<<"$err")" -eq 1 ] || fail "more than one error line: $err"
grep -q 'unclosed_group.ini:3:30: expected' <<<"$err" || fail "error line: $err"
err=$("$HARK" intent --intents "$TMP/missing.ini" "hello" 2>&1 >/dev/null); rc=$?
[ $rc -eq 1 ] && grep -q 'missing.ini' <<<"$err" || fail "missing file: $rc $err"
echo '{"lights": [' >"$TMP/broken.json"
err=$("$HARK" intent --state "$TMP/broken.json" "hello" 2>&1 >/dev/null); rc=$?
[ $rc -eq 1 ] && grep -q 'broken.json' <<<"$err" || fail "broken state: $rc $err"
printf 'hello\n' >"$TMP/bad.tsv"
err=$("$HARK" intent --eval "$TMP/bad.tsv" 2>&1 >/dev/null); rc=$?
[ $rc -eq 1 ] && grep -q 'bad.tsv:1:' <<<"$err" || fail "bad eval file: $rc $err"
printf 'hello\tNoSuchIntent\n' >"$TMP/bad2.tsv"
err=$("$HARK" intent --eval "$TMP/bad2.tsv" 2>&1 >/dev/null); rc=$?
[ $rc -eq 1 ] && grep -q "unknown intent 'NoSuchIntent'" <<<"$err" \
    || fail "bad eval intent: $rc $err"
set -e
echo "intent CLI ok"
