# cc_bench.sh - sourced by bench/grammar/run.sh and models/recipes/eval.sh (which set $repo):
# `cc_bench BUILD SRC OUT` compiles a one-file C helper against the build tree's static libhark.
cc_bench() {
  local libs
  libs=$(pkg-config --libs portaudio-2.0 fftw3f openblas sndfile soxr libcjson espeak-ng)
  # shellcheck disable=SC2086 # the library flags are separate words
  # A sanitizer build's library needs the sanitizer runtime: tried second.
  cc -O2 -I "$repo/include" -o "$3" "$2" "$1/libhark.a" $libs -lm -lpthread 2>/dev/null \
    || cc -O2 -fsanitize=address,undefined -I "$repo/include" -o "$3" "$2" "$1/libhark.a" $libs -lm -lpthread
}
