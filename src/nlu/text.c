/* text.c - the one text normalisation used by template expansion, classifier training and
 * recognition (so that "What's 25 + 3?" and the template "what is (1..99) plus (1..99)" meet in
 * the same words), English number words in both directions, and reading a whole text file. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hark/nlu.h"
#include "nlu/nlu_internal.h"

static const char *const small_words[20] = {
    "zero",    "one",     "two",       "three",    "four",     "five",    "six",
    "seven",   "eight",   "nine",      "ten",      "eleven",   "twelve",  "thirteen",
    "fourteen", "fifteen", "sixteen",  "seventeen", "eighteen", "nineteen"};
static const char *const tens_words[10] = {"",      "",      "twenty",  "thirty", "forty",
                                           "fifty", "sixty", "seventy", "eighty", "ninety"};

/* A growing output buffer that refuses to overflow `cap`. */
typedef struct outbuf {
    char *p;
    size_t len, cap;
    int overflow;
} outbuf;

static void out_raw(outbuf *o, const char *s, size_t n)
{
    if (o->len + n + 1 > o->cap) {
        o->overflow = 1;
        return;
    }
    memcpy(o->p + o->len, s, n);
    o->len += n;
    o->p[o->len] = '\0';
}

/* Append a word, separated from the previous one by a single space. */
static void out_word(outbuf *o, const char *s, size_t n)
{
    if (n == 0)
        return;
    if (o->len > 0)
        out_raw(o, " ", 1);
    out_raw(o, s, n);
}

static void out_words(outbuf *o, const char *s) { out_word(o, s, strlen(s)); }

static void spell_below_thousand(outbuf *o, int n)
{
    if (n >= 100) {
        out_words(o, small_words[n / 100]);
        out_words(o, "hundred");
        n %= 100;
        if (n == 0)
            return;
    }
    if (n < 20) {
        out_words(o, small_words[n]);
        return;
    }
    out_words(o, tens_words[n / 10]);
    if (n % 10)
        out_words(o, small_words[n % 10]);
}

static void spell_number(outbuf *o, long long n)
{
    if (n < 0) {
        out_words(o, "minus");
        n = -n;
    }
    if (n == 0) {
        out_words(o, "zero");
        return;
    }
    static const struct {
        long long scale;
        const char *name;
    } scales[] = {{1000000000LL, "billion"}, {1000000LL, "million"}, {1000LL, "thousand"}};
    for (size_t i = 0; i < sizeof scales / sizeof scales[0]; i++) {
        if (n >= scales[i].scale) {
            spell_below_thousand(o, (int)(n / scales[i].scale));
            out_words(o, scales[i].name);
            n %= scales[i].scale;
        }
    }
    if (n > 0)
        spell_below_thousand(o, (int)n);
}

hark_status hark_nlu_number_to_words(long long n, char *out, size_t cap)
{
    if (!out || cap == 0)
        return hark_error(HARK_ERR_INVALID_ARG, "number_to_words: no output buffer");
    if (n <= -1000000000000LL || n >= 1000000000000LL)
        return hark_error(HARK_ERR_INVALID_ARG, "number_to_words: %lld is out of range", n);
    out[0] = '\0';
    outbuf o = {out, 0, cap, 0};
    spell_number(&o, n);
    if (o.overflow)
        return hark_error(HARK_ERR_INVALID_ARG, "number_to_words: buffer too small for %lld", n);
    return HARK_OK;
}

static int word_value(const char *w, size_t n)
{
    for (int i = 0; i < 20; i++)
        if (strlen(small_words[i]) == n && !memcmp(small_words[i], w, n))
            return i;
    for (int i = 2; i < 10; i++)
        if (strlen(tens_words[i]) == n && !memcmp(tens_words[i], w, n))
            return 10 * i;
    if (n == 2 && !memcmp(w, "oh", 2))
        return 0;
    return -1;
}

hark_status hark_nlu_words_to_number(const char *words, long long *out)
{
    if (!words || !out)
        return hark_error(HARK_ERR_INVALID_ARG, "words_to_number: NULL argument");
    const char *s = words;
    while (*s == ' ')
        s++;
    /* Plain digits: "25". */
    if (isdigit((unsigned char)*s) || (*s == '-' && isdigit((unsigned char)s[1]))) {
        char *end;
        long long v = strtoll(s, &end, 10);
        while (*end == ' ')
            end++;
        if (*end)
            return hark_error(HARK_ERR_FORMAT, "'%s' is not a number", words);
        *out = v;
        return HARK_OK;
    }
    /* total: finished thousands groups; group: the part below the current scale word. */
    long long total = 0, group = 0, last_scale = 0;
    int sign = 1, any = 0, hundred = 0, last_unit = -1;
    size_t n;
    for (const char *w; (w = nlu_next_word(&s, &n));) {
        int v = word_value(w, n);
        long long scale = 0;
        if (n == 8 && !memcmp(w, "thousand", 8))
            scale = 1000LL;
        else if (n == 7 && !memcmp(w, "million", 7))
            scale = 1000000LL;
        else if (n == 7 && !memcmp(w, "billion", 7))
            scale = 1000000000LL;
        if (v >= 0) {
            /* "twenty five" is one number; "five twenty" and "five five" are not. */
            if (last_unit >= 0 && !(last_unit >= 20 && last_unit % 10 == 0 && v > 0 && v < 10))
                goto bad;
            group += v;
            last_unit = v;
            any = 1;
        } else if (n == 7 && !memcmp(w, "hundred", 7)) {
            if (hundred || group > 99)
                goto bad;
            if (group == 0)
                group = 1; /* "hundred" after "a" or alone */
            group *= 100;
            hundred = 1;
            last_unit = -1;
            any = 1;
        } else if (scale) {
            if (group > 999 || (last_scale && scale >= last_scale))
                goto bad;
            total += (group ? group : 1) * scale;
            group = 0;
            hundred = 0;
            last_scale = scale;
            last_unit = -1;
            any = 1;
        } else if (n == 3 && !memcmp(w, "and", 3) && any && last_unit < 0) {
            /* "one hundred and five" */
        } else if (n == 1 && w[0] == 'a' && !any) {
            /* "a hundred", "a thousand": the next word must be a scale. */
        } else if (!any && sign == 1 && ((n == 5 && !memcmp(w, "minus", 5)) ||
                                         (n == 8 && !memcmp(w, "negative", 8)))) {
            sign = -1;
        } else {
            goto bad;
        }
    }
    if (!any)
        goto bad;
    *out = sign * (total + group);
    return HARK_OK;
bad:
    return hark_error(HARK_ERR_FORMAT, "'%s' is not a number", words);
}

/* "21st" -> "twenty first": spell the number, then make its last word an ordinal. */
static void spell_ordinal(outbuf *o, long long v)
{
    static const struct {
        const char *card, *ord;
    } irregular[] = {{"one", "first"}, {"two", "second"}, {"three", "third"}, {"five", "fifth"},
                     {"eight", "eighth"}, {"nine", "ninth"}, {"twelve", "twelfth"}};
    size_t start = o->len;
    spell_number(o, v);
    if (o->overflow)
        return;
    char *last = strrchr(o->p + start, ' ');
    last = last ? last + 1 : o->p + start;
    char word[32];
    snprintf(word, sizeof word, "%s", last);
    o->len = (size_t)(last - o->p);
    o->p[o->len] = '\0';
    for (size_t i = 0; i < sizeof irregular / sizeof irregular[0]; i++) {
        if (!strcmp(word, irregular[i].card)) {
            out_raw(o, irregular[i].ord, strlen(irregular[i].ord));
            return;
        }
    }
    size_t n = strlen(word);
    if (n && word[n - 1] == 'y') { /* twenty -> twentieth */
        out_raw(o, word, n - 1);
        out_raw(o, "ieth", 4);
    } else {
        out_raw(o, word, n);
        out_raw(o, "th", 2);
    }
}

/* Contractions as recognisers and people write them; the longer forms are what templates use. */
static const struct {
    const char *from, *to;
} contractions[] = {
    {"can't", "can not"},   {"cannot", "can not"}, {"won't", "will not"},   {"shan't", "shall not"},
    {"ain't", "is not"},    {"let's", "let us"},   {"what's", "what is"},   {"it's", "it is"},
    {"that's", "that is"},  {"there's", "there is"}, {"here's", "here is"}, {"how's", "how is"},
    {"where's", "where is"}, {"who's", "who is"},  {"when's", "when is"},   {"he's", "he is"},
    {"she's", "she is"},    {"i'm", "i am"},       {"gonna", "going to"},   {"wanna", "want to"},
    {"gimme", "give me"},   {"o'clock", "o'clock"}, {"y'all", "you all"},
};

/* Expand a lower-case word with an apostrophe; returns 1 if it wrote something. */
static int expand_contraction(outbuf *o, const char *w, size_t n)
{
    for (size_t i = 0; i < sizeof contractions / sizeof contractions[0]; i++) {
        if (strlen(contractions[i].from) == n && !memcmp(contractions[i].from, w, n)) {
            if (!strcmp(contractions[i].to, "o'clock")) {
                out_words(o, "oclock");
                return 1;
            }
            out_words(o, contractions[i].to);
            return 1;
        }
    }
    static const struct {
        const char *suffix, *word;
    } tails[] = {{"n't", "not"}, {"'ll", "will"}, {"'ve", "have"}, {"'re", "are"},
                 {"'d", "would"}, {"'m", "am"},   {"'s", ""}};
    for (size_t i = 0; i < sizeof tails / sizeof tails[0]; i++) {
        size_t sl = strlen(tails[i].suffix);
        if (n > sl && !memcmp(w + n - sl, tails[i].suffix, sl)) {
            /* "'s" after a noun is a possessive ("kitchen's light"): keep the noun. */
            out_word(o, w, n - sl);
            out_words(o, tails[i].word);
            return 1;
        }
    }
    return 0;
}

/* Emit one word token (letters, digits, apostrophes) in normal form. */
static void emit_token(outbuf *o, const char *w, size_t n)
{
    char buf[128];
    if (n == 0)
        return;
    if (n >= sizeof buf)
        n = sizeof buf - 1;
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        buf[k++] = (char)tolower((unsigned char)w[i]);
    buf[k] = '\0';
    if (memchr(buf, '\'', k)) {
        if (expand_contraction(o, buf, k))
            return;
        /* Other apostrophes ("rock'n'roll") just go. */
        size_t j = 0;
        for (size_t i = 0; i < k; i++)
            if (buf[i] != '\'')
                buf[j++] = buf[i];
        buf[j] = '\0';
        k = j;
    }
    /* Digits followed by letters: "25th", "5pm", "10min". Spell the number, keep the rest. */
    if (isdigit((unsigned char)buf[0])) {
        size_t d = 0;
        while (d < k && isdigit((unsigned char)buf[d]))
            d++;
        long long v = d <= 12 ? strtoll(buf, NULL, 10) : 0;
        const char *rest = buf + d;
        if ((!strcmp(rest, "st") || !strcmp(rest, "nd") || !strcmp(rest, "rd") ||
             !strcmp(rest, "th")) && d <= 9) {
            spell_ordinal(o, v);
            return;
        }
        if (d > 12) {
            /* Too long to say as one number: read the digits one by one. */
            for (size_t i = 0; i < d; i++)
                out_words(o, small_words[buf[i] - '0']);
        } else {
            spell_number(o, v);
        }
        if (*rest) {
            if (!strcmp(rest, "min") || !strcmp(rest, "mins"))
                rest = "minutes";
            else if (!strcmp(rest, "sec") || !strcmp(rest, "secs") || !strcmp(rest, "s"))
                rest = "seconds";
            else if (!strcmp(rest, "h") || !strcmp(rest, "hr") || !strcmp(rest, "hrs"))
                rest = "hours";
            out_words(o, rest);
        }
        return;
    }
    out_word(o, buf, k);
}

static int is_word_byte(unsigned char c) { return isalnum(c) || c == '\'' || c >= 0x80; }

hark_status hark_nlu_normalize(const char *in, char *out, size_t cap)
{
    if (!in || !out || cap == 0)
        return hark_error(HARK_ERR_INVALID_ARG, "normalize: NULL argument");
    out[0] = '\0';
    outbuf o = {out, 0, cap, 0};
    const unsigned char *s = (const unsigned char *)in;
    while (*s) {
        /* The typographic apostrophe (U+2019) is an apostrophe. */
        if (s[0] == 0xE2 && s[1] == 0x80 && (s[2] == 0x99 || s[2] == 0x98)) {
            s += 3;
            continue;
        }
        if (isdigit(*s)) {
            /* A number, possibly "1,000", "2.5" or "7:30". */
            const unsigned char *e = s;
            char digits[64];
            size_t nd = 0;
            while (*e && (isdigit(*e) || (*e == ',' && isdigit(e[1]) && isdigit(e[2]) &&
                                          isdigit(e[3]) && !isdigit(e[4])))) {
                if (*e != ',' && nd + 1 < sizeof digits)
                    digits[nd++] = (char)*e;
                e++;
            }
            if ((*e == '.' || *e == ':') && isdigit(e[1])) {
                char sep = (char)*e;
                /* Spell the integer part, then the rest. */
                const unsigned char *f = e + 1;
                while (isdigit(*f))
                    f++;
                emit_token(&o, digits, nd);
                if (sep == '.') {
                    out_words(&o, "point");
                    for (const unsigned char *q = e + 1; q < f; q++)
                        out_words(&o, small_words[*q - '0']);
                } else {
                    /* Clock time: "7:30" -> "seven thirty", "7:05" -> "seven oh five",
                     * "7:00" -> "seven oclock". */
                    long mm = strtol((const char *)e + 1, NULL, 10);
                    if (mm == 0)
                        out_words(&o, "oclock");
                    else {
                        if (mm < 10)
                            out_words(&o, "oh");
                        spell_number(&o, mm);
                    }
                }
                s = f;
                continue;
            }
            /* Letters glued to the number stay with it ("5min", "3rd"). */
            const unsigned char *t = e;
            while (*t && isalpha(*t))
                t++;
            char tok[128];
            size_t tl = 0;
            for (size_t i = 0; i < nd && tl + 1 < sizeof tok; i++)
                tok[tl++] = digits[i];
            for (const unsigned char *q = e; q < t && tl + 1 < sizeof tok; q++)
                tok[tl++] = (char)*q;
            emit_token(&o, tok, tl);
            s = t;
            continue;
        }
        if (is_word_byte(*s) && *s != '\'') {
            const unsigned char *e = s;
            while (*e && (is_word_byte(*e) ||
                          (e[0] == 0xE2 && e[1] == 0x80 && (e[2] == 0x99 || e[2] == 0x98)))) {
                if (e[0] == 0xE2 && e[1] == 0x80 && (e[2] == 0x99 || e[2] == 0x98))
                    e += 3;
                else
                    e++;
            }
            /* Copy, turning typographic apostrophes into ASCII ones. */
            char tok[128];
            size_t tl = 0;
            for (const unsigned char *q = s; q < e && tl + 1 < sizeof tok; q++) {
                if (q[0] == 0xE2 && q[1] == 0x80 && (q[2] == 0x99 || q[2] == 0x98)) {
                    tok[tl++] = '\'';
                    q += 2;
                } else {
                    tok[tl++] = (char)*q;
                }
            }
            /* A word that ends in digits ("room2") splits into word and number. */
            size_t split = tl;
            while (split > 0 && isdigit((unsigned char)tok[split - 1]))
                split--;
            if (split > 0 && split < tl) {
                emit_token(&o, tok, split);
                emit_token(&o, tok + split, tl - split);
            } else {
                emit_token(&o, tok, tl);
            }
            s = e;
            continue;
        }
        /* Arithmetic symbols are words when they stand between numbers or alone. */
        const char *sym = NULL;
        switch (*s) {
        case '+': sym = "plus"; break;
        case '*': sym = "times"; break;
        case '/': sym = "divided by"; break;
        case '%': sym = "percent"; break;
        case '=': sym = "equals"; break;
        case '-':
            /* A minus between spaces or before a number after a number: "7 - 3". */
            if ((s[1] == ' ' || isdigit(s[1])) && o.len > 0 && (s == (const unsigned char *)in ||
                                                                 s[-1] == ' ' || isdigit(s[-1])))
                sym = "minus";
            break;
        default: break;
        }
        if (s[0] == 0xC3 && s[1] == 0x97) { /* U+00D7 multiplication sign */
            sym = "times";
            s++;
        }
        if (sym)
            out_words(&o, sym);
        s++;
    }
    if (o.overflow) {
        out[0] = '\0';
        return hark_error(HARK_ERR_INVALID_ARG, "normalize: text longer than %zu bytes", cap);
    }
    return HARK_OK;
}

hark_status nlu_read_text(FILE *fp, const char *path, size_t max_mb, const char *what,
                          char **text, size_t *len)
{
    char *buf = NULL;
    size_t n = 0, cap = 0;
    *text = NULL;
    *len = 0;
    for (;;) {
        if (n + 4096 + 1 > cap) {
            cap = cap ? cap * 2 : 8192;
            if (cap > (max_mb << 20)) {
                free(buf);
                return hark_error(HARK_ERR_FORMAT, "%s: larger than %zu MB, not %s", path, max_mb,
                                  what);
            }
            char *nb = realloc(buf, cap);
            if (!nb) {
                free(buf);
                return hark_error(HARK_ERR_NOMEM, "%s: out of memory", path);
            }
            buf = nb;
        }
        size_t got = fread(buf + n, 1, cap - n - 1, fp);
        if (got == 0)
            break;
        n += got;
    }
    if (ferror(fp)) {
        int err = errno;
        free(buf);
        return hark_error(HARK_ERR_IO, "%s: %s", path, strerror(err));
    }
    buf[n] = '\0';
    *text = buf;
    *len = n;
    return HARK_OK;
}
