#!/usr/bin/env bash
# decode_options.sh - the beam-search options as rows of the shared option table: every decoding
# command lists them the same way in --help with their defaults; combinations that cannot mean
# anything are usage errors (exit 2, one line naming both options) found before any model is
# loaded, except --lm-weight / --word-bonus without --lm, whose meaning depends on the model (a
# phone model's word prior); and the decoding itself is what it was.
#
# HARK_REF_BIN (optional) names another build of hark (e.g. of the main branch): the transcripts,
# JSON and eval reports of a set of option combinations must then be the same from both.
source "$(dirname "$0")/lib/common.sh"
model=$src/models/digits.hark
[ -f "$model" ] || fail "models/digits.hark is missing (rebuild it with models/recipes/digits.sh)"
s7=$src/samples/7_theo_0.wav
nomodel=$tmp/missing.hark # a usage error must come before the model is even opened

# ---- --help: the same lines, with defaults, in transcribe, eval and listen -----------------------
# join_rows HELP: the option lines of a --help text with wrapped lines joined.
join_rows() {
  awk '/^ +(-[a-z], )?--[a-z]/ { if (l) print l; l = $0; next }
       /^      +[^ -]/ { sub(/^ +/, " "); l = l $0; next }
       { if (l) print l; l = "" } END { if (l) print l }' <<<"$1"
}
declare -A rows
for cmd in transcribe eval listen; do
  run_rc 0 "$cmd" --help
  all=$(join_rows "$out")
  grep -q '^beam search' <<<"$out" || fail "$cmd --help has no beam-search heading"
  rows[$cmd]=
  for opt in beam lm lm-weight word-bonus hotword prune-top-k prune-logprob nbest; do
    line=$(grep -E -- "^ +--$opt( |$)" <<<"$all" || true)
    if [ "$opt" = nbest ] && [ "$cmd" != transcribe ]; then
      [ -z "$line" ] || fail "$cmd --help lists --nbest, which has no output there: $line"
      continue
    fi
    [ -n "$line" ] || fail "$cmd --help lacks --$opt"
    grep -q '(default: ' <<<"$line" || fail "$cmd --help: --$opt without a default: $line"
    rows[$cmd]+=$line$'\n'
  done
done
[ "${rows[eval]}" = "${rows[listen]}" ] || fail "eval and listen describe the beam options differently"
[ "$(grep -v -- '--nbest' <<<"${rows[transcribe]}")" = "$(sed '/^$/d' <<<"${rows[eval]}")" ] ||
  fail "transcribe and eval describe the beam options differently"
expect_line "${rows[transcribe]}" '--beam N .*\(default: greedy decoding; 16 when .*\) \(range 1\.\.4096\)'
expect_line "${rows[transcribe]}" '--lm-weight W .*\(default: 0\.5\) \(range 0\.\.100\)'
expect_line "${rows[transcribe]}" '--word-bonus B .*\(default: 1\) \(range -100\.\.100\)'
expect_line "${rows[transcribe]}" '--hotword WORD\[:BOOST\] .*\(default: none\) \(repeatable\)'
expect_line "${rows[transcribe]}" '--nbest N .*\(default: 1\) \(range 1\.\.4096\)'
expect_line "${rows[transcribe]}" '--prune-top-k K .*\(default: 12\)'
expect_line "${rows[transcribe]}" '--prune-logprob L .*\(default: -12\) \(range <= 0\)'

# ---- inconsistent combinations: exit 2, one line naming both, before the model is loaded -------
# usage CMD ARGS... -- MESSAGE-REGEX
usage() {
  local args=() a
  while [ "$1" != -- ]; do args+=("$1"); shift; done
  run_rc 2 "${args[@]}"
  [ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "hark ${args[*]}: not one line: $err"
  grep -Eq -- "$2" <<<"$err" || fail "hark ${args[*]}: '$err' does not match /$2/"
}
printf 'seven\n' >"$tmp/p.txt"
T=(transcribe -m "$nomodel")
usage "${T[@]}" --beam 2 --nbest 3 -f json "$s7" -- '^hark transcribe: --nbest 3 is larger than --beam 2$'
usage "${T[@]}" --nbest 20 -f json "$s7" -- '--nbest 20 is larger than --beam 16 \(its default\)'
usage "${T[@]}" --beam 4 --nbest 2 "$s7" -- '--nbest has no effect without --format json'
usage "${T[@]}" --nbest 2 -f srt "$s7" -- '--nbest has no effect without --format json'
usage "${T[@]}" --lm "$tmp/x.arpa" --intents "$tmp/x.ini" "$s7" -- '--intents and --lm exclude each other'
usage "${T[@]}" --hotword seven --closed "$s7" -- '--closed and --hotword exclude each other'
usage "${T[@]}" --phrases "$tmp/p.txt" --intents "$tmp/x.ini" "$s7" -- '--phrases and --intents exclude'
usage "${T[@]}" --closed --prune-top-k 4 "$s7" -- '--closed and --prune-top-k exclude each other'
usage "${T[@]}" --reject 1 "$s7" -- '--reject has no effect without --intents or --phrases'
usage "${T[@]}" --closed --reject 1 "$s7" -- '--reject has no effect without --intents or --phrases'
usage "${T[@]}" --hotword x --reject 1 "$s7" -- '--reject has no effect without --intents or --phrases'
E=(eval -m "$nomodel")
usage "${E[@]}" --calibrate -o "$tmp/c.hark" --intents "$tmp/x.ini" "$tmp/c.tsv" -- '--intents and --calibrate exclude'
usage "${E[@]}" --closed --beam 4 "$tmp/c.tsv" -- '--closed and --beam exclude each other'
usage "${E[@]}" --phrases "$tmp/p.txt" --hotword seven "$tmp/c.tsv" -- '--phrases and --hotword exclude'
run_rc 2 "${E[@]}" --nbest 2 "$tmp/c.tsv" # eval prints no n-best list
L=(listen -m "$nomodel" --no-speak --input "$s7")
usage "${L[@]}" --closed --hotword seven -- '--closed and --hotword exclude each other'
usage "${L[@]}" --no-grammar --lm "$tmp/x.arpa" -- '--no-grammar and --lm exclude each other'
usage "${L[@]}" --closed --no-grammar -- '--closed and --no-grammar exclude each other'
usage "${L[@]}" --reject 1 --beam 4 -- '--reject and --beam exclude each other'
usage "${L[@]}" --reject 1 --closed -- '--reject and --closed exclude each other'
usage "${L[@]}" --reject 1 -i none -- '--reject has no effect with --intents none'
run_rc 2 "${L[@]}" --nbest 2
# --lm-weight and --word-bonus weight an LM, or a phone model's word prior: with a character
# model and no --lm they are refused once the model is read (exit 1, before any audio).
printf '%s\t%s\n' "$s7" seven >"$tmp/c7.tsv"
nolm() { run_rc 1 "$@"; grep -q -- "--$lmopt has no effect without --lm" <<<"$err" ||
         fail "hark $*: stderr lacks the --$lmopt error: $err"; }
lmopt=lm-weight nolm transcribe -m "$model" --lm-weight 1 "$s7"
lmopt=word-bonus nolm transcribe -m "$model" --beam 4 --word-bonus 2 "$s7"
lmopt=lm-weight nolm eval -m "$model" --lm-weight 2 --hotword seven "$tmp/c7.tsv"
lmopt=lm-weight nolm listen -m "$model" --no-speak --input "$s7" --beam 4 --lm-weight 1
# Bad values of the rows themselves name the option.
usage "${T[@]}" --prune-top-k -1 "$s7" -- '--prune-top-k'
usage "${T[@]}" --prune-logprob 1 "$s7" -- '--prune-logprob'
usage "${T[@]}" --hotword "seven:0" "$s7" -- '--hotword'
hw=(); for i in $(seq 65); do hw+=(--hotword "w$i"); done
usage "${T[@]}" "${hw[@]}" "$s7" -- 'at most 64 --hotword options'

# ---- what the options mean has not changed --------------------------------------------------------
cat >"$tmp/lm.arpa" <<'ARPA'
\data\
ngram 1=6

\1-grams:
-0.5	</s>
-99	<s>	0
-0.6	seven	0
-0.7	zero	0
-0.7	five	0
-2	<unk>

\end\
ARPA
files=()
while IFS=$'\t' read -r file _; do
  case "$file" in '#'*|'') continue ;; esac
  files+=("$src/samples/$file")
done <"$src/samples/manifest.tsv"
[ "${#files[@]}" -ge 3 ] || fail "samples/manifest.tsv lists fewer than 3 files"
cases=(
  "--beam 8 --hotword seven:2 --hotword one_two -f json"
  "--beam 16 --nbest 3 -f json"
  "--hotword seven"
  "--lm $tmp/lm.arpa --lm-weight 0.8 --word-bonus 0.5 -f json"
  "--beam 4 -f json"
)
# run_case BIN ARGS: transcribe every sample ('one_two' stands for the phrase "one two").
run_case() {
  local bin=$1 a=() w; shift
  for w in $1; do a+=("${w//_/ }"); done
  "$bin" transcribe -m "$model" "${a[@]}" "${files[@]}"
}
# The search turned on by a hotword alone is the one of --beam 16; the hotwords' order on the
# command line does not matter.
a=$(run_case "$hark" "--hotword seven:2 --hotword one_two -f json")
b=$(run_case "$hark" "--beam 16 --hotword one_two --hotword seven:2 -f json")
[ "$a" = "$b" ] || fail "--hotword alone is not --beam 16 --hotword"$'\n'"$a"$'\n'"$b"
grep -q '"nbest"' <<<"$a" || fail "--hotword did not turn the beam search on: $a"
# Every occurrence of a repeatable row counts, not only the last: a strong hotword given second
# turns "seven" into "one".
run_rc 0 transcribe -m "$model" --hotword seven:1 "$s7"
[ "$out" = seven ] || fail "--hotword seven:1: '$out'"
run_rc 0 transcribe -m "$model" --hotword seven:1 --hotword one:50 "$s7"
[ "$out" = one ] || fail "--hotword one:50 given second was dropped: '$out'"
run_rc 0 transcribe -m "$model" --hotword one:50 --hotword seven:1 "$s7"
[ "$out" = one ] || fail "--hotword one:50 given first was dropped: '$out'"
# A tighter beam with pruning turned off runs (a different search, a valid result).
run_rc 0 transcribe -m "$model" --beam 2 --prune-top-k 0 --prune-logprob -1000 "$s7"
[ "$out" = seven ] || fail "--prune-top-k 0: '$out'"

# same A B: the two outputs are equal, except that decimal numbers may differ by a relative 1e-4
# (another build's compiler flags, e.g. the sanitizer build's, change the last digits).
same() {
  [ -n "$1" ] && [ "$(wc -l <<<"$1")" = "$(wc -l <<<"$2")" ] || return 1
  paste -d '\n' <(printf '%s\n' "$1") <(printf '%s\n' "$2") | awk '
    function split_nums(line, nums,    n, re) {
      n = 0; re = "-?[0-9]+\\.[0-9]+([eE][-+]?[0-9]+)?"
      while (match(line, re)) {
        nums[++n] = substr(line, RSTART, RLENGTH) + 0
        line = substr(line, 1, RSTART - 1) "#" substr(line, RSTART + RLENGTH)
      }
      nums[0] = n; return line
    }
    NR % 2 == 1 { a = split_nums($0, x); next }
    {
      b = split_nums($0, y)
      if (a != b || x[0] != y[0]) exit 1
      for (i = 1; i <= x[0]; i++) {
        d = x[i] - y[i]; d = d < 0 ? -d : d
        m = x[i] < 0 ? -x[i] : x[i]; if (m < 1) m = 1
        if (d > 1e-4 * m) exit 1
      }
    }'
}
same '{"x":1.5,"t":"a"}' '{"x":1.500001,"t":"a"}' || fail "same: rounding noise counted"
! same '{"x":1.5,"t":"a"}' '{"x":1.6,"t":"a"}' || fail "same: a changed number passed"
! same '{"x":1.5,"t":"a"}' '{"x":1.5,"t":"b"}' || fail "same: changed text passed"

ref=${HARK_REF_BIN:-}
if [ -z "$ref" ]; then
  echo "decode_options: no HARK_REF_BIN: outputs not compared with another build"
else
  [ -x "$ref" ] || fail "HARK_REF_BIN=$ref is not a program"
  for c in "${cases[@]}"; do
    a=$(run_case "$hark" "$c") || fail "transcribe $c failed"
    b=$(run_case "$ref" "$c") || fail "reference transcribe $c failed"
    same "$a" "$b" || fail "transcribe $c differs from $ref:"$'\n'"$a"$'\n'"$b"
  done
  # eval: the same report, less the timings
  untimed() { sed -E 's/"(rtf|acoustic_seconds|search_seconds|decode_rtf)":[^,}]*,?//g; /^RTF/d'; }
  for c in "--beam 8 --hotword seven --json" "--lm $tmp/lm.arpa --beam 4" "--closed --json"; do
    a=$("$hark" eval -m "$model" $c "$src/samples/manifest.tsv" 2>"$tmp/eval.err" | untimed)
    b=$("$ref" eval -m "$model" $c "$src/samples/manifest.tsv" 2>"$tmp/eval.err" | untimed)
    same "$a" "$b" || fail "eval $c differs from $ref:"$'\n'"$a"$'\n'"$b"
  done
  # listen, dictation: the same finals
  finals() { grep '"type":"final"' | sed -E 's/,"emitted":[^,}]*//'; }
  for c in "--lm $tmp/lm.arpa" "--beam 4"; do
    a=$("$hark" listen -m "$model" -i none --no-speak --fast --json $c --input "$s7" | finals)
    b=$("$ref" listen -m "$model" -i none --no-speak --fast --json $c --input "$s7" | finals)
    same "$a" "$b" || fail "listen $c differs from $ref:"$'\n'"$a"$'\n'"$b"
  done
  echo "decode_options: ${#cases[@]} transcribe, 3 eval and 2 listen runs match $ref"
fi
echo "decode_options: help rows, usage errors and unchanged decoding checked"
