#!/usr/bin/env bash
# Rebuild models/english.arpa: a general English 3-gram language model for dictation
# ('hark transcribe --lm'), estimated by 'hark lm build' (interpolated modified Kneser-Ney) from
#   - the LJSpeech training split's transcripts (never its dev split: the last 10% of clips),
#   - English text from Debian packages, fetched with 'apt-get download' and unpacked into the
#     cache with dpkg-deb (nothing is installed on the system):
#       wordnet-base   WordNet 3.0 glosses and example sentences  (WordNet 3.0 licence, permissive)
#       dict-gcide     GNU Collaborative International Dictionary of English: definitions and
#                      quotations, mostly from Webster's 1913                 (GPL-2+)
#       fortunes       fortune-mod's English fortune files, ascii-art left out (BSD, as packaged)
#       dict-devil     Ambrose Bierce, The Devil's Dictionary                  (public domain)
# The model itself is not committed (tens of MB): this recipe rebuilds it in about a minute.
# Any line whose letters equal those of an LJSpeech dev transcript is dropped from the text.
#
#   models/recipes/lm.sh                 (uses build/hark, or $HARK_BIN; data in ../shared/data)
#   ORDER=N     n-gram order (default: 3)
#   VOCAB=N     keep the N most frequent words, the rest count as <unk> (default: 64000)
#   PRUNE=C     drop 3-grams seen at most C times (default: 1; 0 keeps all: about 3x larger)
#   OUT=FILE    the ARPA file to write (default: models/english.arpa)
#   CACHE=DIR   downloads and extracted text (default: .cache/lm in the repository); delete it
#               to fetch again
#
# At the end it prints the model's size, its load time, its perplexity on the LJSpeech dev
# transcripts and the time one score takes ('hark lm eval').
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
data=$(cd "${HARK_DATA:-$repo/../shared/data}" && pwd)
. "$repo/models/recipes/lib/find_hark.sh"
find_hark lm.sh
[ -f "$data/ljspeech/metadata.csv" ] || { echo "lm.sh: $data/ljspeech not found (set HARK_DATA)" >&2; exit 1; }
order=${ORDER:-3}
vocab=${VOCAB:-64000}
prune=${PRUNE:-1}
out=${OUT:-$repo/models/english.arpa}
cache=${CACHE:-$repo/.cache/lm}
text=$cache/text
mkdir -p "$cache/deb" "$cache/root" "$text"

# ---- fetch and unpack the Debian packages (once) -------------------------------------------
packages=(wordnet-base dict-gcide fortunes dict-devil)
for p in "${packages[@]}"; do
  if ! ls "$cache/deb/${p}"_*.deb >/dev/null 2>&1; then
    (cd "$cache/deb" && apt-get download "$p")
  fi
  [ -e "$cache/root/.$p" ] || { dpkg-deb -x "$cache"/deb/"${p}"_*.deb "$cache/root" && touch "$cache/root/.$p"; }
done
share=$cache/root/usr/share

# One sentence per line: break after . ! ? when a capital or quote follows; keep lines of at
# least three words.
split_sentences() {
  sed -E "s/([.!?][\"')]*) +([A-Z\"'(])/\\1\\n\\2/g" | awk 'NF >= 3'
}

# ---- extract text (once per source) ---------------------------------------------------------
if [ ! -s "$text/wordnet.txt" ]; then
  # data.* lines: "offset lexfile pos count words... | gloss; "example"; "example""
  for pos in noun verb adj adv; do
    grep -av '^  ' "$share/wordnet/data.$pos" | awk -F' [|] ' 'NF > 1 { print $2 }'
  done | tr ';' '\n' | sed 's/"//g' | awk 'NF >= 3' >"$text/wordnet.txt.tmp"
  mv "$text/wordnet.txt.tmp" "$text/wordnet.txt"
fi
if [ ! -s "$text/gcide.txt" ]; then
  # Entries start at column 0 with the headword; their indented body lines are joined into
  # paragraphs, which end at blank lines and at source tags like "[1913 Webster]". Bracketed
  # etymologies, {cross-reference} braces and "--Author." attributions are removed.
  zcat "$share/dictd/gcide.dict.dz" | sed -n '/^ Begin file 1 of 26/,$p' | awk '
    function flush() { if (p != "") print p; p = "" }
    /^ *\[[^]]*\] *$/ || /^ *$/ || /^[^ ]/ { flush(); next }
    { sub(/^ +/, ""); p = p " " $0 }
    END { flush() }' |
    sed -E 's/\[[^]]*\]//g; s/\{([^}]*)\}/\1/g; s/ --[A-Z][^ ]*( [A-Z][^ ]*)*\.?//g' |
    split_sentences >"$text/gcide.txt.tmp"
  mv "$text/gcide.txt.tmp" "$text/gcide.txt"
fi
if [ ! -s "$text/fortunes.txt" ]; then
  # Fortunes are separated by "%" lines; attribution lines ("-- Someone") are left out.
  for f in "$share"/games/fortunes/*; do
    case $f in *.dat|*.u8|*/ascii-art) continue ;; esac
    [ -f "$f" ] || continue
    awk '/^%$/ { if (p != "") print p; p = ""; next }
         /^[ \t]*--/ { next }
         { p = p " " $0 }
         END { if (p != "") print p }' "$f"
  done | split_sentences >"$text/fortunes.txt.tmp"
  mv "$text/fortunes.txt.tmp" "$text/fortunes.txt"
fi
if [ ! -s "$text/devil.txt" ]; then
  zcat "$share/dictd/devil.dict.dz" | awk '
    /^ *$/ { if (p != "") print p; p = ""; next }
    { p = p " " $0 }
    END { if (p != "") print p }' | sed -E 's/^ *[A-Z][A-Z ,.-]*, [a-z.]+ +//' |
    split_sentences >"$text/devil.txt.tmp"
  mv "$text/devil.txt.tmp" "$text/devil.txt"
fi

# ---- LJSpeech: training transcripts in, dev transcripts out ---------------------------------
"$hark" data --list --no-durations "$data/ljspeech:train" | cut -f2 >"$text/ljspeech_train.txt"
"$hark" data --list --no-durations "$data/ljspeech:dev" | cut -f2 >"$cache/ljspeech_dev.txt"
# Letters-only keys of the dev sentences; a text line with the same key is dropped.
drop_dev() {
  awk 'function key(s) { s = tolower(s); gsub(/[^a-z]/, "", s); return s }
       NR == FNR { dev[key($0)] = 1; next }
       !(key($0) in dev) { print; next }
       { dropped++ }
       END { if (dropped) printf "lm.sh: dropped %d line(s) equal to dev transcripts\n", dropped > "/dev/stderr" }' \
    "$cache/ljspeech_dev.txt" "$1"
}
sources=(ljspeech_train wordnet gcide fortunes devil)
files=()
for s in "${sources[@]}"; do
  drop_dev "$text/$s.txt" >"$cache/$s.clean.txt"
  files+=("$cache/$s.clean.txt")
  printf 'lm.sh: %-15s %8d lines %9d words\n' "$s" "$(wc -l <"$cache/$s.clean.txt")" \
    "$(wc -w <"$cache/$s.clean.txt")"
done

# ---- build and measure ----------------------------------------------------------------------
mkdir -p "$(dirname "$out")"
start=$(date +%s)
"$hark" lm build --order "$order" --vocab "$vocab" --prune "$prune" -o "$out" "${files[@]}"
end=$(date +%s)
printf 'lm.sh: built %s in %d s (%s)\n' "$out" "$((end - start))" "$(du -h "$out" | cut -f1)"
"$hark" lm eval "$out" "$cache/ljspeech_dev.txt"
