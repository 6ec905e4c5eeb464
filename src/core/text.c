/* text.c - UTF-8 code points and a string -> string hash map (open addressing, at most half
 * full): text helpers the modules share (see core/util.h). */
#include <stdlib.h>
#include <string.h>

#include "core/util.h"

int32_t hark_utf8_next(const char **s)
{
    const unsigned char *p = (const unsigned char *)*s;
    if (p[0] < 0x80) {
        *s += 1;
        return p[0];
    }
    int len = (p[0] & 0xE0) == 0xC0 ? 2 : (p[0] & 0xF0) == 0xE0 ? 3 : (p[0] & 0xF8) == 0xF0 ? 4 : 0;
    if (len == 0) {
        *s += 1;
        return -1;
    }
    int32_t cp = p[0] & (0x7F >> len);
    for (int i = 1; i < len; i++) {
        if ((p[i] & 0xC0) != 0x80) { /* also stops at the NUL */
            *s += 1;
            return -1;
        }
        cp = (cp << 6) | (p[i] & 0x3F);
    }
    /* Overlong forms and surrogates are not valid UTF-8. */
    static const int32_t min_cp[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < min_cp[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
        *s += 1;
        return -1;
    }
    *s += len;
    return cp;
}

int hark_utf8_put(int32_t cp, char *buf)
{
    unsigned char *b = (unsigned char *)buf;
    if (cp < 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    if (cp < 0x80) {
        b[0] = (unsigned char)cp;
        return 1;
    }
    if (cp < 0x800) {
        b[0] = (unsigned char)(0xC0 | (cp >> 6));
        b[1] = (unsigned char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        b[0] = (unsigned char)(0xE0 | (cp >> 12));
        b[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        b[2] = (unsigned char)(0x80 | (cp & 0x3F));
        return 3;
    }
    b[0] = (unsigned char)(0xF0 | (cp >> 18));
    b[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
    b[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    b[3] = (unsigned char)(0x80 | (cp & 0x3F));
    return 4;
}

int util_cmp_str_p(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

hark_status util_each_word(const char *text, hark_status (*fn)(void *, const char *), void *user)
{
    char word[256];
    const char *s = text;
    while (*s) {
        s += strspn(s, " ");
        size_t len = strcspn(s, " ");
        if (len == 0)
            break;
        if (len >= sizeof word)
            return hark_error(HARK_ERR_INVALID_ARG, "a word of \"%.60s\" is longer than %zu bytes",
                              text, sizeof word - 1);
        memcpy(word, s, len);
        word[len] = '\0';
        s += len;
        hark_status st = fn(user, word);
        if (st != HARK_OK)
            return st;
    }
    return HARK_OK;
}

/* The slot of key in an open-addressing table of cap (a power of two) keys, or the free slot
 * where it would go. */
static size_t key_slot(char *const *keys, size_t cap, const char *key)
{
    size_t mask = cap - 1, i = (size_t)util_hash_str(key) & mask;
    while (keys[i] && strcmp(keys[i], key) != 0)
        i = (i + 1) & mask;
    return i;
}

static size_t map_slot(const str_map *m, const char *key) { return key_slot(m->keys, m->cap, key); }

const char *str_map_get(const str_map *m, const char *key)
{
    if (m->cap == 0)
        return NULL;
    size_t i = map_slot(m, key);
    return m->keys[i] ? m->vals[i] : NULL;
}

/* Keep an open-addressing table (keys, and values of `elem` bytes each) at most half full before
 * one more key goes in: double its capacity (from 64) and move every entry. */
static hark_status table_make_room(char ***keys, void **vals, size_t elem, size_t *cap, size_t n)
{
    if (2 * (n + 1) <= *cap)
        return HARK_OK;
    size_t nc = *cap ? 2 * *cap : 64;
    char **nk = calloc(nc, sizeof *nk);
    char *nv = calloc(nc, elem);
    if (!nk || !nv) {
        free(nk);
        free(nv);
        return hark_error(HARK_ERR_NOMEM, "out of memory");
    }
    const char *ov = *vals;
    for (size_t i = 0; i < *cap; i++)
        if ((*keys)[i]) {
            size_t j = key_slot(nk, nc, (*keys)[i]);
            nk[j] = (*keys)[i];
            memcpy(nv + j * elem, ov + i * elem, elem);
        }
    free(*keys);
    free(*vals);
    *keys = nk;
    *vals = nv;
    *cap = nc;
    return HARK_OK;
}

static hark_status map_rehash(str_map *m)
{
    void *vals = m->vals;
    hark_status st = table_make_room(&m->keys, &vals, sizeof *m->vals, &m->cap, m->n);
    m->vals = vals;
    return st;
}

hark_status str_map_put(str_map *m, const char *key, const char *val)
{
    if (map_rehash(m) != HARK_OK)
        return HARK_ERR_NOMEM;
    size_t i = map_slot(m, key);
    char *v = strdup(val), *k = m->keys[i] ? m->keys[i] : strdup(key);
    if (!v || !k) {
        free(v);
        if (!m->keys[i])
            free(k);
        return hark_error(HARK_ERR_NOMEM, "out of memory");
    }
    if (!m->keys[i])
        m->n++;
    free(m->vals[i]);
    m->keys[i] = k;
    m->vals[i] = v;
    return HARK_OK;
}

void str_map_free(str_map *m)
{
    for (size_t i = 0; i < m->cap; i++) {
        free(m->keys[i]);
        free(m->vals[i]);
    }
    free(m->keys);
    free(m->vals);
    memset(m, 0, sizeof *m);
}

/* ---- str_count ---- */

static hark_status count_rehash(str_count *m)
{
    void *counts = m->counts;
    hark_status st = table_make_room(&m->keys, &counts, sizeof *m->counts, &m->cap, m->n);
    m->counts = counts;
    return st;
}

hark_status str_count_add(str_count *m, const char *key, uint64_t k)
{
    if (count_rehash(m) != HARK_OK)
        return HARK_ERR_NOMEM;
    size_t i = key_slot(m->keys, m->cap, key);
    if (!m->keys[i]) {
        if (!(m->keys[i] = strdup(key)))
            return hark_error(HARK_ERR_NOMEM, "out of memory");
        m->n++;
    }
    m->counts[i] += k;
    return HARK_OK;
}

uint64_t str_count_get(const str_count *m, const char *key)
{
    if (m->cap == 0)
        return 0;
    size_t i = key_slot(m->keys, m->cap, key);
    return m->keys[i] ? m->counts[i] : 0;
}

const char **str_count_sorted_keys(const str_count *m)
{
    const char **keys = malloc((m->n ? m->n : 1) * sizeof *keys);
    if (!keys)
        return NULL;
    size_t k = 0;
    for (size_t i = 0; i < m->cap; i++)
        if (m->keys[i])
            keys[k++] = m->keys[i];
    qsort(keys, k, sizeof *keys, util_cmp_str_p);
    return keys;
}

void str_count_free(str_count *m)
{
    for (size_t i = 0; i < m->cap; i++)
        free(m->keys[i]);
    free(m->keys);
    free(m->counts);
    memset(m, 0, sizeof *m);
}
