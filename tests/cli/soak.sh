#!/bin/bash
# soak.sh - a one-minute version of bench/soak: 'hark listen --json --no-speak' on the virtual
# microphone (tests/pulse/pulse.sh) hears a repeating mix of digital silence, Speech Commands
# words and noise-only stretches (recorded noise clips and generated white/pink/brown noise).
# Fails on any capture overrun, any transcript during noise or silence, CPU on silence above 5% of
# a core (20% in a sanitizer build), fewer than half the words right, or hark not stopping
# cleanly. RSS growth is reported but only judged by the long soak (bench/soak --minutes 30).
# Skips (exit 77) when PulseAudio cannot start or ../shared/data is missing.
set -u
here=$(cd "$(dirname "$0")" && pwd)
src=${HARK_SOURCE_DIR:-$here/../..}
build=${HARK_BUILD_DIR:-}
cpu=5
if [ -n "$build" ] && grep -q '^HARK_SANITIZE:BOOL=ON' "$build/CMakeCache.txt" 2>/dev/null; then
    cpu=20
fi
"$src/bench/soak" --minutes 1 --hark "${HARK_BIN:?HARK_BIN must point to the hark program}" \
    --model "$src/models/commands.hark" --max-silence-cpu "$cpu" --min-right 50
