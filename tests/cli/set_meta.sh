#!/usr/bin/env bash
# models/recipes/set_meta.py, the recipes' editor of a model's metadata: KEY=VALUE entries, and
# --paths, which writes the building machine's folders in the provenance as names such as
# $HARK_DATA. The model still loads and decodes the same after either edit, a folder is replaced
# only as a whole path component, bad arguments are refused, and no shipped model names a folder
# of the machine that built it.
source "$(dirname "$0")/lib/common.sh"
command -v python3 >/dev/null || { echo "SKIP: python3 is not installed" >&2; exit 77; }
py=$(command -v /usr/bin/python3 || command -v python3)
meta=$src/models/recipes/set_meta.py
wav=$shared/data/fsdd/0_george_0.wav
[ -f "$wav" ] || { echo "SKIP: $wav not found" >&2; exit 77; }

# header KEY: the value of metadata entry KEY of $tmp/m.hark (safetensors: 8-byte length, JSON).
header() {
  "$py" - "$tmp/m.hark" "$1" <<'PY'
import json, struct, sys
b = open(sys.argv[1], "rb").read()
(n,) = struct.unpack("<Q", b[:8])
print(json.loads(b[8:8 + n])["__metadata__"].get(sys.argv[2], ""))
PY
}

cp "$src/models/digits.hark" "$tmp/m.hark"
run_rc 0 transcribe -m "$tmp/m.hark" "$wav"
before=$out

prov='{"train":"/srv/corpora/fsdd:train\n/srv/corpora2/x.tsv\n/home/u/.cache/hark/default/synth/manifest.tsv","dev":"/srv/corpora"}'
"$py" "$meta" "$tmp/m.hark" "provenance=$prov" "note=kept"
[ "$(header provenance)" = "$prov" ] || fail "KEY=VALUE did not store the provenance"
[ "$(header note)" = kept ] || fail "KEY=VALUE did not store a second entry"

"$py" "$meta" "$tmp/m.hark" --paths '/srv/corpora=$HARK_DATA' '/home/u/.cache/hark/=$HARK_CACHE'
want='{"train":"$HARK_DATA/fsdd:train\n/srv/corpora2/x.tsv\n$HARK_CACHE/default/synth/manifest.tsv","dev":"$HARK_DATA"}'
got=$(header provenance)
[ "$got" = "$want" ] || fail "--paths wrote $got, want $want"
[ "$(header note)" = kept ] || fail "--paths changed an entry without the folders"
run_rc 0 transcribe -m "$tmp/m.hark" "$wav"
[ "$out" = "$before" ] || fail "the edited model decodes differently: '$out', was '$before'"

# Bad arguments are refused and leave the model as it was.
cp "$tmp/m.hark" "$tmp/keep.hark"
for args in "" "--paths" "--paths /srv" "--paths /=ROOT" "novalue"; do
  # shellcheck disable=SC2086 # the cases are word lists
  if "$py" "$meta" "$tmp/m.hark" $args 2>/dev/null; then fail "set_meta.py accepted '$args'"; fi
done
cmp -s "$tmp/m.hark" "$tmp/keep.hark" || fail "a refused edit changed the model"

# The shipped models record their training data by portable names, not by this or any other
# machine's folders.
for m in "$src"/models/*.hark; do
  cp "$m" "$tmp/m.hark"
  for key in provenance base_provenance; do
    v=$(header "$key")
    if grep -Eq '/(root|home|work|tmp|srv|mnt)/' <<<"$v"; then
      fail "$(basename "$m"): $key names a machine folder: $(grep -Eo '/(root|home|work|tmp|srv|mnt)/[^"\\]*' <<<"$v" | head -n 1)"
    fi
  done
done
echo ok
