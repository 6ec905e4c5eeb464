#!/usr/bin/env bash
# 'cmake --install' into a temporary prefix gives a working program (finding its shipped models
# from the relocated prefix), the static and shared libraries, the headers and a hark.pc with
# which a C11 program compiles and links against libhark.
source "$(dirname "$0")/lib/common.sh"
build=${HARK_BUILD_DIR:?}
prefix=$tmp/prefix
cmake --install "$build" --prefix "$prefix" >"$tmp/install.log" 2>&1 || fail "cmake --install failed: $(cat "$tmp/install.log")"
for f in bin/hark include/hark.h include/hark/nn.h share/hark/digits.hark share/hark/assistant.ini; do
  [ -e "$prefix/$f" ] || fail "not installed: $f"
done
libdir=$(dirname "$(find "$prefix" -name hark.pc | head -1)")/..
[ -e "$libdir/libhark.a" ] || fail "libhark.a not installed"
[ -e "$libdir/libhark.so" ] || fail "libhark.so not installed"

# The installed program finds its models under PREFIX/share/hark.
out=$(cd "$tmp" && HARK_MODEL= "$prefix/bin/hark" transcribe -m "$prefix/share/hark/digits.hark" "$src/samples/7_theo_0.wav")
[ "$out" = seven ] || fail "installed hark transcribed '$out', want 'seven'"
out=$(cd "$tmp" && "$prefix/bin/hark" intent --no-state --json "what time is it")
grep -q '"intent":"GetTime"' <<<"$out" || fail "installed hark did not find assistant.ini: $out"
# It reads its own prefix only, never the source tree it was built from (that path is baked in
# for the build tree's program alone): without the prefix's copy the file is not found.
rm "$prefix/share/hark/assistant.ini"
datadir=$(sed -n 's/^CMAKE_INSTALL_PREFIX:PATH=//p' "$build/CMakeCache.txt")/share/hark
if [ ! -e "$datadir/assistant.ini" ]; then
  set +e
  (cd "$tmp" && "$prefix/bin/hark" intent --no-state --json "what time is it") >"$tmp/out" 2>"$tmp/err"
  rc=$?
  set -e
  [ "$rc" = 1 ] && grep -q "assistant.ini not found" "$tmp/err" ||
    fail "installed hark without its assistant.ini: status $rc, $(cat "$tmp/out" "$tmp/err")"
fi

# A program built with pkg-config against the installed library.
cat >"$tmp/use.c" <<'C'
#include <hark.h>
#include <stdio.h>
#include <string.h>
int main(void)
{
    hark_mfcc_config c = hark_mfcc_default_config();
    printf("%s %d\n", hark_version(), c.num_ceps);
    return strcmp(hark_strerror(HARK_OK), "success") != 0;
}
C
# A sanitizer build's libhark needs the sanitizer runtimes in the program too.
san=()
grep -q '^HARK_SANITIZE:BOOL=ON' "$build/CMakeCache.txt" && san=(-fsanitize=address,undefined)
export PKG_CONFIG_PATH=$(dirname "$(find "$prefix" -name hark.pc | head -1)")
cc -std=c11 -Wall -Wextra -pedantic -Werror "${san[@]}" "$tmp/use.c" -o "$tmp/use" $(pkg-config --cflags --libs hark) \
  || fail "a program using hark.pc does not build"
LD_LIBRARY_PATH=$libdir "$tmp/use" >"$tmp/use.out" || fail "the program linked against libhark failed"
grep -Eq '^[0-9]+\.[0-9]+\.[0-9]+ 13$' "$tmp/use.out" || fail "unexpected output: $(cat "$tmp/use.out")"
echo "install tree, hark.pc and relocated data lookup all work"
