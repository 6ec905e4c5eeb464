#!/usr/bin/env bash
# Dev figures of a model, for choosing between models (never the held-out sets):
#   devcheck.sh HARK MODEL CACHE
# CACHE is the default recipe's cache folder ($HARK_CACHE/default) after its joined stage. Prints
#   - the greedy PER (character models: CER) on the dev set without the wake-word phrase (Speech
#     Commands validation words, the synthetic dev sentences, the joined validation sequences);
#   - the joined validation sequences (real voices, 2-4 words) right under a grammar of any 1-4 of
#     the Speech Commands words they use;
#   - the wake-word dev phrase "smart mirror" (crowd-sourced voices and microphones) right under a
#     grammar of the corpus's five phrases (a measure of phrases the model never heard only for a
#     model not trained on it: the default recipe's since 2026-12-07).
set -euo pipefail
hark=$1 model=$2 cache=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
j=$cache/joined
awk -F'\t' -v w="$cache/corpora/wake_dev.tsv" 'FILENAME == w { skip[$1] = 1; next } !($1 in skip)' \
  "$cache/corpora/wake_dev.tsv" "$j/dev.tsv" >"$tmp/dev.tsv"
per=$("$hark" eval -m "$model" --json "$tmp/dev.tsv" 2>/dev/null \
      | "${PYTHON:-/usr/bin/python3}" -c 'import json, sys; print(json.load(sys.stdin)["cer"])' \
      || true)
[ -n "$per" ] || { echo "devcheck.sh: hark eval failed on $tmp/dev.tsv" >&2; exit 1; }
awk -v p="$per" 'BEGIN { printf "dev PER (no wake phrase): %.2f%%\n", 100 * p }'
# A grammar of 1-4 of the sequences' words.
words=$(cut -f2 "$j/dev/manifest.tsv" | tr ' ' '\n' | sort -u | paste -sd'|' | sed 's/|/ | /g')
printf '[Words]\nw = (%s)\n<w> [<w>] [<w>] [<w>]\n' "$words" >"$tmp/seq.ini"
score() { # MANIFEST(abs path, text) GRAMMAR-OPTION FILE LABEL
  cut -f1 "$1" | xargs "$hark" transcribe -m "$model" "$2" "$3" --format text -H 2>/dev/null \
    | cut -f2,3 | paste <(cut -f2 "$1") - \
    | awk -F'\t' -v l="$4" '{ n++; if ($2 == $1 && $3 != "none") c++ }
        END { printf "%s: %.1f%% of %d right\n", l, n ? 100 * c / n : 0, n }'
}
awk -F'\t' -v r="$j/dev" '{ print r "/" $1 "\t" $2 }' "$j/dev/manifest.tsv" >"$tmp/seq.tsv"
score "$tmp/seq.tsv" --intents "$tmp/seq.ini" "joined validation sequences, word-sequence grammar"
cut -f2 "$cache/corpora/wake_train.tsv" "$cache/corpora/wake_dev.tsv" "$cache/corpora/wake_heldout.tsv" \
  | sort -u >"$tmp/wake.txt"
score "$cache/corpora/wake_dev.tsv" --phrases "$tmp/wake.txt" "wake-word dev phrase \"smart mirror\", 5-phrase grammar"
