#!/usr/bin/env bash
# The figures issue 5 asks of the default assistant on the hand-written held-out set
# tests/data/intent_eval.tsv, clean and with 10% of characters corrupted (bench/nlu_corrupt.py,
# seeded). Timings are measured by bench/nlu, not here.
set -euo pipefail
HARK=${HARK_BIN:?}
SRC=${HARK_SOURCE_DIR:?}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
EVAL="$SRC/tests/data/intent_eval.tsv"

check() { # json, python condition, label
    /usr/bin/python3 -c "import json,sys; o=json.loads(sys.argv[1]); assert $2, o" "$1" \
        || { echo "FAIL: $3: $1" >&2; exit 1; }
}
n=$(grep -v '^#' "$EVAL" | grep -c $'\t')
oos=$(grep -v '^#' "$EVAL" | grep -c $'\tnone$')
[ "$n" -ge 250 ] && [ "$oos" -ge 60 ] || { echo "FAIL: eval set too small ($n, $oos)" >&2; exit 1; }

clean=$("$HARK" intent --eval "$EVAL" --json)
check "$clean" 'o["intent_accuracy"] >= 0.95' "in-scope accuracy"
check "$clean" 'o["out_of_scope_rejected"] >= 0.90' "out-of-scope rejection"
check "$clean" 'o["in_scope_rejected"] <= 0.05' "in-scope false rejection"
check "$clean" 'o["slot_accuracy"] >= 0.95' "slot accuracy"

/usr/bin/python3 "$SRC/bench/nlu_corrupt.py" --rate 0.10 --seed 1 "$EVAL" >"$TMP/noisy.tsv"
noisy=$("$HARK" intent --eval "$TMP/noisy.tsv" --json)
check "$noisy" 'o["intent_accuracy"] >= 0.90' "in-scope accuracy with 10% corrupted characters"

# The text report has the confusion matrix.
"$HARK" intent --eval "$EVAL" | grep -q '^confusion matrix' \
    || { echo "FAIL: no confusion matrix" >&2; exit 1; }
echo "eval ok: $clean"
echo "noisy:   $noisy"
