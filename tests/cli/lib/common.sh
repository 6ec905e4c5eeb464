# common.sh - sourced by the end-to-end tests in tests/cli/ (ctest runs each *.sh there; this
# folder is not globbed). Sets strict mode, $hark, $src, $shared and a temporary $tmp removed at
# exit (a test may set $on_exit to a command run first), and the helpers below.
set -euo pipefail
hark=${HARK_BIN:?HARK_BIN must name the hark program (ctest sets it)}
src=${HARK_SOURCE_DIR:?HARK_SOURCE_DIR must name the repository (ctest sets it)}
shared=${HARK_SHARED_DIR:-$src/../shared}
tmp=$(mktemp -d)
on_exit=
trap 'eval "$on_exit"; rm -rf "$tmp"' EXIT

# fail MESSAGE: the test fails with MESSAGE on stderr.
fail() { echo "FAIL: $*" >&2; exit 1; }

# expect_line OUTPUT REGEX: some line of OUTPUT matches the extended regex.
expect_line() { grep -Eq -- "$2" <<<"$1" || fail "no line matching /$2/ in:"$'\n'"$1"; }

# run_rc EXPECTED_RC ARGS...: run hark ARGS, check its exit code; stdout and stderr are kept in
# $out and $err (and in $tmp/out, $tmp/err).
run_rc() {
  local want=$1; shift
  set +e
  "$hark" "$@" >"$tmp/out" 2>"$tmp/err"
  local rc=$?
  set -e
  out=$(cat "$tmp/out"); err=$(cat "$tmp/err")
  [ "$rc" -eq "$want" ] || fail "hark $* exited $rc, want $want; stderr: $err"
}
