#!/usr/bin/env bash
# embed.sh - the embedding example (examples/embed_listener.c) compiles against the installed
# library with pkg-config and, run on a shipped recording, prints the transcript, the intent the
# grammar read off it and the reply: another program can embed the assistant through include/hark.
source "$(dirname "$0")/lib/common.sh"
build=${HARK_BUILD_DIR:?}
prefix=$tmp/prefix
cmake --install "$build" --prefix "$prefix" >"$tmp/install.log" 2>&1 || fail "cmake --install failed: $(cat "$tmp/install.log")"
[ -e "$prefix/include/hark/listener.h" ] || fail "hark/listener.h is not installed"
pc=$(dirname "$(find "$prefix" -name hark.pc | head -1)")
san=()
grep -q '^HARK_SANITIZE:BOOL=ON' "$build/CMakeCache.txt" && san=(-fsanitize=address,undefined)
PKG_CONFIG_PATH=$pc cc -std=c11 -Wall -Wextra -pedantic -Werror "${san[@]}" \
  "$src/examples/embed_listener.c" -o "$tmp/embed" $(PKG_CONFIG_PATH=$pc pkg-config --cflags --libs hark) \
  || fail "examples/embed_listener.c does not build against the installed library"
printf '[Digit]\n(zero | one | two | three | four | five | six | seven | eight | nine){digit}\n' >"$tmp/digits.ini"
set +e
LD_LIBRARY_PATH=$pc/.. "$tmp/embed" "$src/models/digits.hark" "$tmp/digits.ini" "$src/samples/7_theo_0.wav" >"$tmp/out" 2>"$tmp/err"
rc=$?
set -e
[ "$rc" = 0 ] || fail "the example exited $rc: $(cat "$tmp/err")"
grep -q '^heard "seven" at ' "$tmp/out" || fail "no transcript: $(cat "$tmp/out")"
grep -q '^intent: Digit (1 slots) for "seven"' "$tmp/out" || fail "no intent: $(cat "$tmp/out")"
grep -q '^1 utterance(s)$' "$tmp/out" || fail "no count: $(cat "$tmp/out")"
set +e
LD_LIBRARY_PATH=$pc/.. "$tmp/embed" "$src/models/digits.hark" "$tmp/missing.ini" "$src/samples/7_theo_0.wav" >/dev/null 2>"$tmp/err"
rc=$?
set -e
[ "$rc" = 1 ] && grep -q "missing.ini" "$tmp/err" || fail "missing intent file: rc $rc, $(cat "$tmp/err")"
echo "the embedding example builds against the installed library and runs"
