/* text.c - transcript normalisation for ASR and UTF-8 validation.
 *
 * The acoustic model's alphabet is a-z, apostrophe and space, so every transcript a corpus
 * hands to training or evaluation goes through hark_text_normalize: accents are folded to their
 * base letter, numbers are spelled out as the speaker would most likely have read them, and
 * everything else becomes a word boundary. The output is written snprintf-style so callers can
 * size buffers with a first call. */
#include "hark/corpus.h"
#include "hark/nlu.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* ---- output with snprintf semantics ---------------------------------------------------- */

typedef struct emitter {
    char *out;
    size_t cap, len;
    int sep;        /* a word boundary is pending (written as one space before the next letter) */
    int apos;       /* an apostrophe is pending: written only if a letter follows directly */
    int in_word;    /* the last thing written is a letter (or number word) with no boundary since */
} emitter;

static void em_byte(emitter *e, char ch)
{
    if (e->len + 1 < e->cap)
        e->out[e->len] = ch;
    e->len++;
}

static void em_boundary(emitter *e)
{
    e->sep = 1;
    e->apos = 0;
    e->in_word = 0;
}

static void em_letter(emitter *e, char ch)
{
    if (e->sep && e->len > 0)
        em_byte(e, ' ');
    else if (e->apos)
        em_byte(e, '\'');
    e->sep = 0;
    e->apos = 0;
    e->in_word = 1;
    em_byte(e, ch);
}

static void em_word(emitter *e, const char *w)
{
    em_boundary(e);
    for (; *w; w++)
        em_letter(e, *w);
}

/* ---- numbers ------------------------------------------------------------------------- */

static const char *const ones[10] = {"zero", "one", "two",   "three", "four",
                                     "five", "six", "seven", "eight", "nine"};

/* Longest digit string spelled as a cardinal (hark_nlu_number_to_words takes |n| < 10^12);
 * longer ones are read digit by digit. */
#define MAX_CARDINAL_DIGITS 12

/* The ordinal of a cardinal's last word ("twenty" -> "twentieth"), into buf[32]. */
static const char *ordinal_of(const char *word, char *buf)
{
    static const char *const irregular[][2] = {{"one", "first"},   {"two", "second"},
                                               {"three", "third"}, {"five", "fifth"},
                                               {"eight", "eighth"}, {"nine", "ninth"},
                                               {"twelve", "twelfth"}};
    for (size_t i = 0; i < sizeof irregular / sizeof irregular[0]; i++)
        if (!strcmp(word, irregular[i][0]))
            return irregular[i][1];
    size_t n = strlen(word);
    if (n >= 2 && word[n - 1] == 'y') /* twenty -> twentieth */
        snprintf(buf, 32, "%.*sieth", (int)(n - 1), word);
    else
        snprintf(buf, 32, "%sth", word);
    return buf;
}

static int is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
static int is_alpha(unsigned char c) { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; }

/* Spell the number starting at s (a digit) and return the bytes consumed. Handles thousands
 * separators ("1,000"), a decimal part ("3.5"), and ordinal suffixes ("2nd"). */
static size_t emit_number(emitter *e, const char *s)
{
    size_t i = 0, nd = 0;
    while (is_digit((unsigned char)s[i]))
        i++, nd++;
    /* "1,000,000": commas followed by exactly three digits group thousands. */
    if (nd <= 3)
        while (s[i] == ',' && is_digit((unsigned char)s[i + 1]) &&
               is_digit((unsigned char)s[i + 2]) && is_digit((unsigned char)s[i + 3]) &&
               !is_digit((unsigned char)s[i + 4]))
            i += 4, nd += 3;
    size_t int_end = i, dec_start = 0, dec_len = 0;
    if (s[i] == '.' && is_digit((unsigned char)s[i + 1])) {
        dec_start = i + 1;
        while (is_digit((unsigned char)s[dec_start + dec_len]))
            dec_len++;
        i = dec_start + dec_len;
    }
    int ordinal = 0;
    if (!dec_len && is_alpha((unsigned char)s[i]) && is_alpha((unsigned char)s[i + 1]) &&
        !is_alpha((unsigned char)s[i + 2])) {
        char a = (char)(s[i] | 0x20), b = (char)(s[i + 1] | 0x20);
        if ((a == 's' && b == 't') || (a == 'n' && b == 'd') || (a == 'r' && b == 'd') ||
            (a == 't' && b == 'h')) {
            ordinal = 1;
            i += 2;
        }
    }

    char buf[32], words[256];
    if (nd <= MAX_CARDINAL_DIGITS && !(nd > 1 && s[0] == '0')) {
        long long v = 0;
        for (size_t j = 0; j < int_end; j++)
            if (is_digit((unsigned char)s[j]))
                v = v * 10 + (s[j] - '0');
        /* one speller for the whole library: the NLU's, so "105" reads the same everywhere */
        if (hark_nlu_number_to_words(v, words, sizeof words) != HARK_OK)
            words[0] = '\0'; /* cannot happen below 10^12 with this buffer */
        const char *ord = NULL;
        if (ordinal) { /* "twenty one" -> "twenty first": the last word changes */
            char *last = strrchr(words, ' ');
            ord = ordinal_of(last ? last + 1 : words, buf);
            *(last ? last : words) = '\0';
        }
        for (char *w = words, *save = NULL; (w = strtok_r(w, " ", &save)); w = NULL)
            em_word(e, w);
        if (ord)
            em_word(e, ord);
    } else {
        /* A code, a phone number, "007": digit by digit, streamed since it can be any length. */
        size_t last = int_end;
        while (!is_digit((unsigned char)s[last - 1]))
            last--;
        for (size_t j = 0; j < last; j++)
            if (is_digit((unsigned char)s[j]))
                em_word(e, ordinal && j == last - 1 ? ordinal_of(ones[s[j] - '0'], buf)
                                                    : ones[s[j] - '0']);
    }
    if (dec_len) {
        em_word(e, "point");
        for (size_t k = 0; k < dec_len; k++)
            em_word(e, ones[s[dec_start + k] - '0']);
    }
    /* A number is a word of its own ("10am" -> "ten am"), yet "1990's" keeps its apostrophe:
     * leave a boundary pending but remember we are still in a word. */
    e->sep = 1;
    e->in_word = 1;
    return i;
}

/* ---- UTF-8 ----------------------------------------------------------------------------- */

/* Decode one code point at s (n bytes available). Returns its length, or 0 if invalid. */
static size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
    if (n == 0)
        return 0;
    unsigned char c = s[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    size_t len;
    uint32_t v, min;
    if ((c & 0xE0) == 0xC0) {
        len = 2, v = c & 0x1F, min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
        len = 3, v = c & 0x0F, min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
        len = 4, v = c & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        v = (v << 6) | (s[i] & 0x3F);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
        return 0;
    *cp = v;
    return len;
}

int hark_text_valid_utf8(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        uint32_t cp;
        size_t k = utf8_decode(p + i, len - i, &cp);
        if (!k)
            return 0;
        i += k;
    }
    return 1;
}

/* The ASCII letters a Latin-1 / Latin Extended-A letter folds to, or NULL (not a letter). */
static const char *fold_latin(uint32_t cp)
{
    /* U+00C0..U+00FF; "" marks the two symbols (multiplication and division signs). */
    static const char *const latin1[64] = {
        "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i",  "i",
        "d", "n", "o", "o", "o", "o", "o",  "",  "o", "u", "u", "u", "u", "y", "th", "ss",
        "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i",  "i",
        "d", "n", "o", "o", "o", "o", "o",  "",  "o", "u", "u", "u", "u", "y", "th", "y"};
    /* Latin Extended-A comes in runs of one base letter. */
    static const struct { uint16_t last; const char *base; } ext_a[] = {
        {0x0105, "a"}, {0x010D, "c"}, {0x0111, "d"}, {0x011B, "e"}, {0x0123, "g"},
        {0x0127, "h"}, {0x0131, "i"}, {0x0133, "ij"}, {0x0135, "j"}, {0x0138, "k"},
        {0x0142, "l"}, {0x014B, "n"}, {0x0151, "o"}, {0x0153, "oe"}, {0x0159, "r"},
        {0x0161, "s"}, {0x0167, "t"}, {0x0173, "u"}, {0x0175, "w"}, {0x0178, "y"},
        {0x017E, "z"}, {0x017F, "s"}};
    if (cp >= 0xC0 && cp <= 0xFF)
        return latin1[cp - 0xC0][0] ? latin1[cp - 0xC0] : NULL;
    if (cp >= 0x100 && cp <= 0x17F)
        for (size_t i = 0; i < sizeof ext_a / sizeof ext_a[0]; i++)
            if (cp <= ext_a[i].last)
                return ext_a[i].base;
    return NULL;
}

/* ---- the normaliser ------------------------------------------------------------------- */

/* An apostrophe directly after a word (or a number: "1990's") is kept if a letter follows. */
static void on_apostrophe(emitter *e)
{
    if (e->in_word && !e->apos) {
        e->sep = 0;
        e->apos = 1;
        return;
    }
    em_boundary(e);
}

size_t hark_text_normalize(const char *in, char *out, size_t cap)
{
    emitter e = {out, cap, 0, 0, 0, 0};
    if (!in)
        in = "";
    const unsigned char *s = (const unsigned char *)in;
    size_t n = strlen(in), i = 0;
    while (i < n) {
        unsigned char c = s[i];
        if (c < 0x80) {
            if (is_alpha(c)) {
                em_letter(&e, (char)(c | 0x20));
                i++;
            } else if (is_digit(c)) {
                em_boundary(&e);
                i += emit_number(&e, in + i);
            } else if (c == '\'') {
                on_apostrophe(&e);
                i++;
            } else if (c == '%' || c == '&') { /* symbols that are read aloud */
                em_word(&e, c == '%' ? "percent" : "and");
                em_boundary(&e);
                i++;
            } else {
                em_boundary(&e);
                i++;
            }
            continue;
        }
        uint32_t cp;
        size_t k = utf8_decode(s + i, n - i, &cp);
        if (!k) { /* invalid byte: a boundary, then resynchronise on the next byte */
            em_boundary(&e);
            i++;
            continue;
        }
        i += k;
        const char *fold = fold_latin(cp);
        if (fold) {
            for (; *fold; fold++)
                em_letter(&e, *fold);
        } else if (cp == 0x2019 || cp == 0x2018 || cp == 0x02BC) {
            on_apostrophe(&e);
        } else {
            em_boundary(&e);
        }
    }
    if (cap > 0)
        out[e.len < cap ? e.len : cap - 1] = '\0';
    return e.len;
}
