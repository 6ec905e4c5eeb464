#!/bin/bash
# devices.sh - 'hark devices': usage, the listing without any sound server, and through a private
# PulseAudio server (tests/pulse/pulse.sh), where the virtual microphone must be the default input
# and be found again by index and by name in JSON.
set -u
here=$(cd "$(dirname "$0")" && pwd)
src=${HARK_SOURCE_DIR:-$here/../..}
HARK=${HARK_BIN:?HARK_BIN must point to the hark program}
fail() { echo "FAIL: $*" >&2; exit 1; }

"$HARK" devices --help | grep -q -- "--json" || fail "--help"
"$HARK" devices --bogus 2>/dev/null
[ $? = 2 ] || fail "unknown option must exit 2"
"$HARK" devices extra 2>/dev/null
[ $? = 2 ] || fail "stray argument must exit 2"

# No sound server: still a clean listing (maybe empty), status 0, nothing from ALSA/JACK on stderr.
tmp=$(mktemp -d)
mkdir -p "$tmp/home"
printf 'pcm.!default { type pulse }\nctl.!default { type pulse }\n' >"$tmp/home/.asoundrc"
env HOME="$tmp/home" PULSE_SERVER="unix:$tmp/none" "$HARK" devices >"$tmp/out" 2>"$tmp/err" ||
    fail "devices without a server: status $?"
head -n 1 "$tmp/out" | grep -q "index.*name.*rate" || fail "no header: $(cat "$tmp/out")"
[ ! -s "$tmp/err" ] || fail "host API noise on stderr: $(head -n 3 "$tmp/err")"
rm -rf "$tmp"

. "$src/tests/pulse/pulse.sh"
if ! pulse_start; then
    echo "ok (PulseAudio cannot start here: $PULSE_WHY; virtual-device part skipped)"
    pulse_stop
    exit 0
fi
trap pulse_stop EXIT
out=$("$HARK" devices --json) || fail "devices --json: status $?"
def=$(echo "$out" | grep '"default_input":true')
[ "$(echo "$def" | grep -c .)" = 1 ] || fail "expected one default input: $out"
echo "$def" | grep -q '"input_channels":[1-9]' || fail "default input has no channels: $def"
echo "$def" | grep -q '"default_rate":[1-9][0-9]*' || fail "no default rate: $def"
"$HARK" devices | grep -q '^ *[0-9]\+\* ' || fail "text listing does not mark the default"
echo "ok"
