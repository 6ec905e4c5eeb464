/* units.c - what a model's output units are and the one way text becomes them: characters (the
 * text itself, in the alphabet) or phones (each word's pronunciation from the units' lexicon,
 * else from espeak-ng through phones.c, words joined by the space unit). Also the lexicon's
 * JSON form stored in model files, and the alphabet mapping between text and labels. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "core/util.h"
#include "model/model_internal.h"

struct hark_units {
    hark_unit_kind kind;
    char *alphabet;
    str_map lex; /* phones: word -> pronunciation (a string in the alphabet, no spaces) */
};

/* ---- the alphabet: one unit per code point ------------------------------------------------- */

int hark_alphabet_size(const char *alphabet)
{
    if (!alphabet)
        return -1;
    int n = 0;
    const char *s = alphabet;
    while (*s) {
        if (hark_utf8_next(&s) < 0)
            return -1;
        n++;
    }
    return n;
}

int32_t *hark_alphabet_codes(const char *alphabet, int *n)
{
    *n = hark_alphabet_size(alphabet);
    if (*n < 0)
        return NULL;
    int32_t *cps = malloc(((size_t)*n + 1) * sizeof *cps);
    if (!cps)
        return NULL;
    const char *s = alphabet;
    for (int i = 0; i < *n; i++)
        cps[i] = hark_utf8_next(&s);
    return cps;
}

hark_status hark_alphabet_encode(const char *alphabet, const char *text, int *labels, int cap,
                                 int *n)
{
    if (!alphabet || !text || !n || (cap > 0 && !labels))
        return hark_error(HARK_ERR_INVALID_ARG, "hark_alphabet_encode: NULL argument");
    int na;
    int32_t *cps = hark_alphabet_codes(alphabet, &na);
    if (!cps)
        return na < 0 ? hark_error(HARK_ERR_INVALID_ARG, "alphabet is not valid UTF-8")
                      : hark_error(HARK_ERR_NOMEM, "out of memory");
    int count = 0;
    const char *s = text;
    hark_status st = HARK_OK;
    while (*s) {
        const char *at = s;
        int32_t cp = hark_utf8_next(&s);
        int label = 0;
        for (int i = 0; i < na && cp >= 0; i++)
            if (cps[i] == cp) {
                label = i + 1;
                break;
            }
        if (label == 0) {
            st = cp < 0 ? hark_error(HARK_ERR_INVALID_ARG, "text is not valid UTF-8 at byte %ld",
                                     (long)(at - text))
                        : hark_error(HARK_ERR_INVALID_ARG,
                                     "character '%.*s' (U+%04X) of \"%s\" is not in the alphabet",
                                     (int)(s - at), at, (unsigned)cp, text);
            break;
        }
        if (count < cap)
            labels[count] = label;
        count++;
    }
    free(cps);
    *n = count;
    return st;
}

/* ---- hark_units ------------------------------------------------------------------------------ */

hark_units *hark_units_create(hark_unit_kind kind, const char *alphabet)
{
    if (kind != HARK_UNITS_CHARS && kind != HARK_UNITS_PHONES) {
        hark_error(HARK_ERR_INVALID_ARG, "unit kind %d is neither characters nor phones", kind);
        return NULL;
    }
    if (!alphabet)
        alphabet = kind == HARK_UNITS_PHONES ? hark_phone_alphabet() : HARK_DEFAULT_ALPHABET;
    if (hark_alphabet_size(alphabet) < 1) {
        hark_error(HARK_ERR_INVALID_ARG, "the alphabet is empty or not valid UTF-8");
        return NULL;
    }
    hark_units *u = calloc(1, sizeof *u);
    if (!u || !(u->alphabet = strdup(alphabet))) {
        free(u);
        hark_error(HARK_ERR_NOMEM, "out of memory");
        return NULL;
    }
    u->kind = kind;
    return u;
}

void hark_units_free(hark_units *u)
{
    if (!u)
        return;
    str_map_free(&u->lex);
    free(u->alphabet);
    free(u);
}

hark_units *hark_units_copy(const hark_units *src)
{
    hark_units *u = hark_units_create(src->kind, src->alphabet);
    for (size_t i = 0; u && i < src->lex.cap; i++)
        if (src->lex.keys[i] && str_map_put(&u->lex, src->lex.keys[i], src->lex.vals[i])) {
            hark_units_free(u);
            u = NULL;
        }
    return u;
}

hark_unit_kind hark_units_kind(const hark_units *u) { return u->kind; }
const char *hark_units_alphabet(const hark_units *u) { return u->alphabet; }
size_t hark_units_lexicon_size(const hark_units *u) { return u->lex.n; }

const char *hark_units_lexicon_next(const hark_units *u, size_t *pos)
{
    if (!u || !pos)
        return NULL;
    for (; *pos < u->lex.cap; (*pos)++)
        if (u->lex.keys[*pos])
            return u->lex.keys[(*pos)++];
    return NULL;
}

const char *hark_units_pronunciation(const hark_units *u, const char *word)
{
    return u && word ? str_map_get(&u->lex, word) : NULL;
}

hark_status hark_units_set_pronunciation(hark_units *u, const char *word, const char *phones)
{
    if (!u || !word || !phones)
        return hark_error(HARK_ERR_INVALID_ARG, "hark_units_set_pronunciation: NULL argument");
    if (!*word || strpbrk(word, " \t\n\r"))
        return hark_error(HARK_ERR_INVALID_ARG, "lexicon word \"%s\" is empty or holds spaces",
                          word);
    int n = 0;
    hark_status st = hark_alphabet_encode(u->alphabet, phones, NULL, 0, &n);
    if (st == HARK_OK && (n == 0 || strchr(phones, ' ')))
        st = hark_error(HARK_ERR_INVALID_ARG, "empty pronunciation or one with a space");
    if (st != HARK_OK) {
        char why[400];
        snprintf(why, sizeof why, "%s", hark_last_error());
        return hark_error(st, "the pronunciation of \"%s\": %s", word, why);
    }
    return str_map_put(&u->lex, word, phones);
}

/* The pronunciation of one word: the lexicon's, else espeak-ng's (cached per process), checked
 * against the alphabet. *out is malloc'd. */
static hark_status word_phones(const hark_units *u, const char *word, char **out)
{
    const char *known = str_map_get(&u->lex, word);
    if (known) {
        *out = strdup(known);
        return *out ? HARK_OK : hark_error(HARK_ERR_NOMEM, "out of memory");
    }
    hark_status st = phones_of_word(word, out);
    int n = 0;
    if (st == HARK_OK && hark_alphabet_encode(u->alphabet, *out, NULL, 0, &n) != HARK_OK) {
        char why[400];
        snprintf(why, sizeof why, "%s", hark_last_error());
        free(*out);
        *out = NULL;
        st = hark_error(HARK_ERR_INVALID_ARG, "the pronunciation of \"%s\" does not fit this "
                        "model's phones: %s", word, why);
    }
    return st;
}

static hark_status learn_word(void *user, const char *word)
{
    hark_units *u = user;
    if (str_map_get(&u->lex, word))
        return HARK_OK;
    char *ph = NULL;
    hark_status st = word_phones(u, word, &ph);
    if (st == HARK_OK)
        st = str_map_put(&u->lex, word, ph);
    free(ph);
    return st;
}

hark_status hark_units_learn(hark_units *u, const char *text)
{
    if (!u || !text)
        return hark_error(HARK_ERR_INVALID_ARG, "hark_units_learn: NULL argument");
    return u->kind == HARK_UNITS_PHONES ? util_each_word(text, learn_word, u) : HARK_OK;
}

typedef struct spell_buf {
    const hark_units *u;
    char *s;
    size_t n, cap;
} spell_buf;

static hark_status spell_word(void *user, const char *word)
{
    spell_buf *b = user;
    char *ph = NULL;
    hark_status st = word_phones(b->u, word, &ph);
    if (st != HARK_OK)
        return st;
    size_t k = strlen(ph);
    if (util_grow(&b->s, &b->cap, b->n + k + 2, 1, 64) != 0) {
        free(ph);
        return hark_error(HARK_ERR_NOMEM, "out of memory");
    }
    if (b->n > 0)
        b->s[b->n++] = ' ';
    memcpy(b->s + b->n, ph, k + 1);
    b->n += k;
    free(ph);
    return HARK_OK;
}

hark_status hark_units_spell(const hark_units *u, const char *text, char **out)
{
    if (!u || !text || !out)
        return hark_error(HARK_ERR_INVALID_ARG, "hark_units_spell: NULL argument");
    *out = NULL;
    if (u->kind == HARK_UNITS_CHARS) {
        int n = 0;
        hark_status st = hark_alphabet_encode(u->alphabet, text, NULL, 0, &n);
        if (st == HARK_OK && !(*out = strdup(text)))
            st = hark_error(HARK_ERR_NOMEM, "out of memory");
        return st;
    }
    spell_buf b = {.u = u};
    hark_status st = util_each_word(text, spell_word, &b);
    if (st == HARK_OK && !b.s && !(b.s = calloc(1, 1)))
        st = hark_error(HARK_ERR_NOMEM, "out of memory");
    if (st != HARK_OK) {
        free(b.s);
        return st;
    }
    *out = b.s;
    return HARK_OK;
}

hark_status hark_units_encode(const hark_units *u, const char *text, int *labels, int cap, int *n)
{
    if (u && u->kind == HARK_UNITS_CHARS)
        return hark_alphabet_encode(u->alphabet, text, labels, cap, n);
    char *spelled = NULL;
    hark_status st = hark_units_spell(u, text, &spelled);
    if (st == HARK_OK)
        st = hark_alphabet_encode(u->alphabet, spelled, labels, cap, n);
    free(spelled);
    return st;
}

/* ---- The lexicon in the model file: a JSON object word -> pronunciation, words sorted ------- */

char *units_lexicon_json(const hark_units *u)
{
    const char **keys = malloc((u->lex.n ? u->lex.n : 1) * sizeof *keys);
    cJSON *o = cJSON_CreateObject();
    char *json = NULL;
    if (!keys || !o)
        goto done;
    size_t k = 0;
    for (size_t i = 0; i < u->lex.cap; i++)
        if (u->lex.keys[i])
            keys[k++] = u->lex.keys[i];
    qsort(keys, k, sizeof *keys, util_cmp_str_p);
    for (size_t i = 0; i < k; i++)
        if (!cJSON_AddStringToObject(o, keys[i], str_map_get(&u->lex, keys[i])))
            goto done;
    json = cJSON_PrintUnformatted(o);
done:
    if (!json)
        hark_error(HARK_ERR_NOMEM, "out of memory");
    free(keys);
    cJSON_Delete(o);
    return json;
}

hark_status units_lexicon_parse(hark_units *u, const char *json)
{
    cJSON *o = cJSON_Parse(json);
    if (!cJSON_IsObject(o)) {
        cJSON_Delete(o);
        return hark_error(HARK_ERR_FORMAT, "metadata 'lexicon' is not a JSON object");
    }
    str_map old = u->lex;
    memset(&u->lex, 0, sizeof u->lex);
    hark_status st = HARK_OK;
    const cJSON *v;
    cJSON_ArrayForEach(v, o)
    {
        if (!cJSON_IsString(v))
            st = hark_error(HARK_ERR_FORMAT, "metadata 'lexicon': \"%s\" is not a string",
                            v->string);
        else
            st = hark_units_set_pronunciation(u, v->string, v->valuestring);
        if (st != HARK_OK)
            break;
    }
    cJSON_Delete(o);
    if (st != HARK_OK) {
        char why[400];
        snprintf(why, sizeof why, "%s", hark_last_error());
        str_map_free(&u->lex);
        u->lex = old;
        return hark_error(HARK_ERR_FORMAT, "metadata 'lexicon': %s", why);
    }
    str_map_free(&old);
    return HARK_OK;
}

hark_status units_set_kind(hark_units *u, const char *name)
{
    if (strcmp(name, "chars") == 0)
        u->kind = HARK_UNITS_CHARS;
    else if (strcmp(name, "phones") == 0 && strchr(u->alphabet, ' '))
        u->kind = HARK_UNITS_PHONES;
    else
        return hark_error(HARK_ERR_FORMAT, "metadata 'units' is \"%s\", not \"chars\" or "
                          "\"phones\" (with a space unit in the alphabet)", name);
    return HARK_OK;
}

const char *hark_unit_kind_name(hark_unit_kind kind)
{
    return kind == HARK_UNITS_PHONES ? "phones" : "chars";
}
