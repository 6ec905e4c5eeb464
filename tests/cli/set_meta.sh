#!/usr/bin/env bash
# models/recipes/set_meta.py, the recipes' editor of a model's metadata: KEY=VALUE entries, and
# --paths, which writes the building machine's folders in the provenance as names such as
# $HARK_DATA. The model still loads and decodes the same after either edit, a folder is replaced
# only as a whole path component, bad arguments are refused, and no shipped model names a folder
# of the machine that built it. Also lib/trained_on.py, which reads that record.
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

# lib/trained_on.py: whether any step of a model's history (its provenance, and the records of
# the models it was fine-tuned from, nested in base_provenance) trained on a manifest.
on=$src/models/recipes/lib/trained_on.py
trained_on() { # MODEL TEXT -> the exit status
  local rc=0
  "$py" "$on" "$@" 2>/dev/null || rc=$?
  echo "$rc"
}
cp "$src/models/digits.hark" "$tmp/h.hark"
[ "$(trained_on "$tmp/h.hark" corpora/wake_)" = 1 ] || fail "trained_on: digits.hark named wake words"
base='{"train":"a/fsdd:train","base":{"train":"b/x.tsv\nc/corpora/wake_train.tsv\nd/y.tsv"}}'
"$py" "$meta" "$tmp/h.hark" 'provenance={"train":"a/fsdd:train\na/ljspeech:train"}' \
  "base_provenance=$base"
[ "$(trained_on "$tmp/h.hark" corpora/wake_)" = 0 ] || fail "trained_on: missed a base's base"
[ "$(trained_on "$tmp/h.hark" ljspeech:train)" = 0 ] || fail "trained_on: missed the model's own"
[ "$(trained_on "$tmp/h.hark" speech_commands)" = 1 ] || fail "trained_on: found a source not named"
"$py" "$meta" "$tmp/h.hark" 'base_provenance={"train":"a/fsdd:train","base":{"dev":"c/corpora/wake_train.tsv"}}'
[ "$(trained_on "$tmp/h.hark" corpora/wake_)" = 1 ] || fail "trained_on: took a dev set for training"
[ "$(trained_on "$src/README.md" x)" = 2 ] || fail "trained_on: read a text file as a model"
[ "$(trained_on "$tmp/h.hark")" = 2 ] || fail "trained_on: ran without TEXT"

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
