# find_hark.sh - sourced by the recipes: sets $hark to the hark program, $HARK_BIN when given,
# else the first built one under the repository ($repo/build/hark, then $repo/build-*/hark), and
# stops the recipe with a message naming it ($1) when there is none. Needs $repo set.
find_hark() {
  hark=${HARK_BIN:-}
  if [ -z "$hark" ]; then
    for cand in "$repo"/build/hark "$repo"/build-*/hark; do
      [ -x "$cand" ] && { hark=$cand; break; }
    done
  fi
  [ -x "${hark:-}" ] || { echo "$1: build hark first (or set HARK_BIN)" >&2; exit 1; }
}
