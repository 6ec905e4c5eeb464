#!/usr/bin/env bash
# lm_fixtures.sh - regenerate the language-model fixtures in tests/data/lm/ (run from the
# repository root: bash tests/ref/lm_fixtures.sh). Needs /usr/bin/python3 and sphinx_lm_eval
# (Debian sphinxbase-utils); the tests themselves need neither.
#
#  kn_corpus.txt      a synthetic corpus (a seeded word-level Markov chain, so that n-grams repeat
#                     and every order has real count-of-counts n1..n4)
#  kn_ref{2,3,4}.arpa the modified Kneser-Ney models tests/ref/kn_reference.py computes from it;
#                     test_lm builds the same orders with hark_lm_build and compares every n-gram
#  kn_tiny.txt, kn_tiny_ref3.arpa  a 9-sentence corpus whose discounts fall back to 0.5, 1, 1.5
#  sphinx_expected.tsv  ARPA<TAB>log10 P(sentence)<TAB>sentence from sphinx_lm_eval, for
#                     backoff4.arpa (hand-written) and kn_ref3.arpa
#
# What is matched with sphinx: each sentence is given to sphinx_lm_eval as "<s> words </s>", so it
# scores every word and </s> with <s> as the first context, exactly as hark_lm_begin /
# hark_lm_score / hark_lm_end do. sphinx_lm_eval reports integer log-likelihoods in base -logbase;
# with 1.00001 the rounding is below 2.2e-6 per word. The sentences use only words the model
# lists: sphinx drops an unknown word (no score) and restarts the context after it, while hark
# scores it as <unk>, so the two differ there by design.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=tests/data/lm
py=/usr/bin/python3

$py - "$out/kn_corpus.txt" <<'PY'
import random, sys
rng = random.Random(20261206)
words = ("the a cat dog sat on mat log ran to house big small red green and saw it is was "
         "there here one two three fish ate quickly slowly home").split()
# each word prefers a few followers, so bigrams and trigrams recur
follow = {w: rng.sample(words, 4) for w in words + ["<s>"]}
with open(sys.argv[1], "w") as f:
    for _ in range(260):
        w, sent = "<s>", []
        for _ in range(rng.randint(2, 9)):
            w = rng.choice(follow[w]) if rng.random() < 0.8 else rng.choice(words)
            sent.append(w)
        f.write(" ".join(sent) + "\n")
PY
printf '%s\n' "the cat sat on the mat" "the dog sat on the log" "a cat and a dog" \
  "the cat ate the fish" "the dog ate two fish" "on the mat the cat sat" "a fish on a log" \
  "the cat sat" "the dog sat" >"$out/kn_tiny.txt"
for order in 2 3 4; do
  $py tests/ref/kn_reference.py "$out/kn_corpus.txt" $order >"$out/kn_ref$order.arpa"
done
$py tests/ref/kn_reference.py "$out/kn_tiny.txt" 3 >"$out/kn_tiny_ref3.arpa"

# sphinx_lm_eval, one sentence per run (it prints only a total per run).
score() { # ARPA SENTENCE
  local s
  s=$(sphinx_lm_eval -lm "$out/$1" -logbase 1.00001 -text "<s> $2 </s>" 2>/dev/null |
      sed -n 's/^lm score: //p')
  [ -n "$s" ] || { echo "sphinx_lm_eval gave no score for '$2' on $1" >&2; exit 1; }
  printf '%s\t%.7f\t%s\n' "$1" "$($py -c "import math; print($s * math.log10(1.00001))")" "$2"
}
{
  for s in "a b c d" "a b c" "b c d" "e f" "a" "b" "f" "d a b c d a" "c d a" "a c d" "e a b c" \
           "f e d c b a" "a a a" "b c a b c d" "c a c d" "d" "e f e f" "b c" "a b" "e"; do
    score backoff4.arpa "$s"
  done
  $py - "$out/kn_corpus.txt" <<'PY' | while IFS= read -r s; do score kn_ref3.arpa "$s"; done
import random, sys
rng = random.Random(5)
lines = [l.split() for l in open(sys.argv[1]) if l.split()]
vocab = sorted({w for l in lines for w in l})
for l in rng.sample(lines, 10):          # seen sentences
    print(" ".join(l))
for _ in range(15):                      # unseen word sequences: back-off paths
    print(" ".join(rng.choice(vocab) for _ in range(rng.randint(1, 8))))
PY
} >"$out/sphinx_expected.tsv"
echo "wrote $out/sphinx_expected.tsv ($(wc -l <"$out/sphinx_expected.tsv") sentences)"
