#!/usr/bin/env bash
# The README's first command installs every package CI installs (.ci/packages), and .ci/run
# really takes its test command from the README.
set -euo pipefail
src=${HARK_SOURCE_DIR:?}
install_line=$(sed -n '/<!-- install-command -->/{n;n;p;q}' "$src/README.md")
test_line=$(sed -n '/<!-- test-command -->/{n;n;p;q}' "$src/README.md")
[ -n "$install_line" ] || { echo "README: no install command"; exit 1; }
[ -n "$test_line" ] || { echo "README: no test command"; exit 1; }
pkgs=$(sed -n 's/^HARK_PACKAGES="\(.*\)"$/\1/p' "$src/.ci/packages")
[ -n "$pkgs" ] || { echo ".ci/packages: no HARK_PACKAGES line"; exit 1; }
for p in $pkgs; do
  case " $install_line " in *" $p "*) ;; *) echo "README install command lacks package $p"; exit 1;; esac
done
grep -q 'ctest' <<<"$test_line" || { echo "README test command does not run ctest"; exit 1; }
grep -Eq 'ctest .*-j' <<<"$test_line" || { echo "README test command does not run ctest in parallel"; exit 1; }
# The first command ends by running the assistant on the shipped sample requests: that part runs
# here with the built hark, and must print each request it heard and an answer for each.
demo=$(sed -n 's/.*&& \.\/build\/hark \(.*\)$/\1/p' <<<"$install_line")
[ -n "$demo" ] || { echo "README install command does not end by running ./build/hark"; exit 1; }
read -ra demo_args <<<"$demo"
out=$(cd "$src" && "${HARK_BIN:?}" "${demo_args[@]}") || { echo "README demo failed: hark $demo"; exit 1; }
heard=$(grep -c '^> ' <<<"$out" || true)
answered=$(grep -c '^  \[' <<<"$out" || true)
[ "$heard" -ge 6 ] && [ "$answered" = "$heard" ] ||
  { echo "README demo: $heard utterances heard, $answered answered:"; echo "$out"; exit 1; }
echo "README commands consistent with .ci/packages; the demo heard and answered $heard requests"
