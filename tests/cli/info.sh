#!/usr/bin/env bash
# hark info: what a model file holds, read back from it. The shipped models' units, network,
# features, thresholds and training record come out as they are stored (the JSON cross-checked
# against the file's own header); a fine-tuned model shows the whole chain of its bases; a
# model without a record or thresholds says so; bad files and options are refused.
source "$(dirname "$0")/lib/common.sh"
py=$(command -v /usr/bin/python3 || command -v python3 || true)

run_rc 0 info --help
expect_line "$out" '^usage: hark info'
run_rc 2 info --bogus
run_rc 1 info "$tmp/missing.hark"
expect_line "$err" '^hark info: .*missing\.hark'
printf 'not a model\n' >"$tmp/text.hark"
run_rc 1 info "$tmp/text.hark"
expect_line "$err" '^hark info: .*text\.hark'
# One bad file among good ones: the good ones are still described, the exit code says failure.
run_rc 1 info "$src/models/digits.hark" "$tmp/missing.hark"
expect_line "$out" '^  units: +chars, 25 and the blank$'

run_rc 0 info "$src/models/digits.hark"
expect_line "$out" 'digits\.hark \([0-9.]+ MB\)$'
expect_line "$out" '^  network: +GRU, 3 bidirectional layers of 128, 3 frames stacked .*decodes whole utterances$'
expect_line "$out" '^  features: +8000 Hz, 25 ms frames every 10 ms, 23 mel bins, 13 cepstra, .*\(39 per frame\), CMVN global$'
expect_line "$out" '^  phrases: +10 training phrases'
expect_line "$out" '^  grammar: +calibrated: rejects above 0\.203 nats per speech frame, noise floor 0\.5$'
expect_line "$out" '^  trained .*: 10 epochs, .*dev CER'

run_rc 0 info "$src/models/default.hark"
expect_line "$out" '^  units: +phones, 41 and the blank; lexicon of [0-9]+ words, with their training counts$'
expect_line "$out" '^  network: +GRU, [0-9]+ unidirectional layers of [0-9]+, .*; streams'
expect_line "$out" '^  trained .*dev PER'

# A fine-tuned model's chain of records, newest first, each base one level deeper; a source given
# twice is shown once with its count.
meta=$src/models/recipes/set_meta.py
if [ -n "$py" ]; then
  cp "$src/models/digits.hark" "$tmp/ft.hark"
  "$py" "$meta" "$tmp/ft.hark" 'provenance={"train":"new.tsv\nnew.tsv","epochs":4,"dev_cer":0.25}' \
    'base_provenance={"train":"mid.tsv","epochs":9,"base":{"train":"old.tsv","epochs":79}}' \
    grammar_uncovered_weight=4
  run_rc 0 info "$tmp/ft.hark"
  expect_line "$out" '^  trained \(no date\): 4 epochs; dev CER 25\.0%$'
  expect_line "$out" '^    data: new\.tsv \(x 2\)$'
  expect_line "$out" '^    fine-tuned from a model trained \(no date\): 9 epochs$'
  expect_line "$out" '^      data: mid\.tsv$'
  expect_line "$out" '^      fine-tuned from a model trained \(no date\): 79 epochs$'
  expect_line "$out" '^        data: old\.tsv$'
  expect_line "$out" 'rejects above 0\.203 nats per speech frame \(gap \+ 4 x the uncovered share\)'
  # More distinct sources than it lists: the first 256, counted, and how many more.
  many=$(for i in $(seq 0 299); do printf 's%d.tsv\\n' "$i"; done)
  "$py" "$meta" "$tmp/ft.hark" "provenance={\"train\":\"${many}s0.tsv\"}"
  run_rc 0 info "$tmp/ft.hark"
  expect_line "$out" '^    data: s0\.tsv \(x 2\)$'
  expect_line "$out" '^    data: s255\.tsv$'
  expect_line "$out" '^    data: \(44 more\)$'
  ! grep -q 's256\.tsv' <<<"$out" || fail "listed more than 256 sources"
fi

# A model without a training record or thresholds (the digits model with them taken out).
if [ -n "$py" ]; then
  "$py" - "$src/models/digits.hark" "$tmp/bare.hark" <<'PY'
import json, struct, sys
b = open(sys.argv[1], "rb").read()
(n,) = struct.unpack("<Q", b[:8])
h = json.loads(b[8:8 + n])
for k in ("provenance", "base_provenance", "grammar_reject", "grammar_min_confidence"):
    h["__metadata__"].pop(k, None)
t = json.dumps(h, separators=(",", ":")).encode()
t += b" " * (-len(t) % 8)
open(sys.argv[2], "wb").write(struct.pack("<Q", len(t)) + t + b[8 + n:])
PY
  run_rc 0 info "$tmp/bare.hark"
  expect_line "$out" '^  grammar: +not calibrated'
  expect_line "$out" '^  trained: +no training record$'

  # --json: one object per model, its fields as the file's header stores them.
  run_rc 0 info --json "$src/models/default.hark" "$src/models/digits.hark"
  [ "$(wc -l <<<"$out")" -eq 2 ] || fail "--json printed $(wc -l <<<"$out") lines for 2 models"
  printf '%s\n' "$out" >"$tmp/info.jsonl"
  "$py" - "$tmp/info.jsonl" <<'PY' || fail "--json does not match the model files"
import json, math, os, struct, sys
for line in open(sys.argv[1]):
    o = json.loads(line)
    b = open(o["file"], "rb").read()
    (n,) = struct.unpack("<Q", b[:8])
    h = json.loads(b[8:8 + n])
    meta = h["__metadata__"]
    arch = json.loads(meta["architecture"])
    assert o["bytes"] == os.path.getsize(o["file"]), o["bytes"]
    assert o["units"] == meta.get("units", "chars"), o["units"]
    net = o["network"]
    assert (net["layers"], net["hidden"]) == (arch["layers"], arch["hidden"]), (net, arch)
    assert (net["stack"], o["outputs"]) == (arch["stack"], arch["n_output"]), (net, arch)
    params = sum(math.prod(t["shape"]) for k, t in h.items() if k != "__metadata__")
    assert net["parameters"] == params, (net["parameters"], params)
    assert o["grammar"]["reject"] == float(meta["grammar_reject"])
    assert o["provenance"] == json.loads(meta["provenance"])
    if o["units"] == "phones":
        assert net["streaming"] and o["word_counts"] and o["lexicon_words"] > 1000
        base = meta.get("base_provenance")
        assert o["base_provenance"] == (json.loads(base) if base else None)
    else:
        assert not net["streaming"] and o["base_provenance"] is None and o["phrases"] == 10
PY
fi
echo ok
