/* core/util.h - small helpers the library's modules share; internal, not installed. */
#ifndef HARK_CORE_UTIL_H
#define HARK_CORE_UTIL_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "hark/core.h"

/* log(exp(a) + exp(b)) without overflow; -INFINITY is the log of zero. */
static inline double util_log_add(double a, double b)
{
    if (a == -INFINITY)
        return b;
    if (b == -INFINITY)
        return a;
    return a > b ? a + log1p(exp(b - a)) : b + log1p(exp(a - b));
}

/* FNV-1a of a NUL-terminated string: keys here are short words, and this only spreads them over
 * the slots of an open-addressing table. */
static inline uint64_t util_hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

/* Make room for `need` elements of `elem` bytes in the malloc'd array whose pointer is at `arr`
 * (the address of any object pointer, NULL-initialised or not), doubling *cap from `first`
 * (or from *cap when it is not 0) until it holds them. Returns 0, or -1 when out of memory or
 * the size overflows, leaving the array and *cap as they were. */
int util_grow(void *arr, size_t *cap, size_t need, size_t elem, size_t first);

/* Seconds on the monotonic clock (CLOCK_MONOTONIC): for durations, never for dates. */
double util_now_seconds(void);
/* Processor seconds of the whole process, all threads (CLOCK_PROCESS_CPUTIME_ID): on a shared
 * machine a cost less disturbed by other processes than the wall clock. */
double util_cpu_seconds(void);

/* ---- text.c ---------------------------------------------------------------------------------- */

/* Decode one UTF-8 code point at *s, advancing *s past it. Returns the code point, or -1 for an
 * invalid sequence (then *s advances by one byte). Never reads past the terminating NUL. */
int32_t hark_utf8_next(const char **s);
/* Encode a code point into buf (at least 4 bytes); returns the number of bytes (0 if invalid). */
int hark_utf8_put(int32_t cp, char *buf);

/* qsort comparator for an array of C strings (char * or const char *), in byte order. */
int util_cmp_str_p(const void *a, const void *b);

/* Call fn(user, word) on every word of text (runs of anything but spaces), each as a
 * NUL-terminated copy; stops at the first status fn returns that is not HARK_OK and returns it.
 * HARK_ERR_INVALID_ARG when a word is 256 bytes or longer. */
hark_status util_each_word(const char *text, hark_status (*fn)(void *, const char *), void *user);

/* A string -> string hash map (both copied); keys[i] NULL marks a free slot. Zero-initialise. */
typedef struct str_map {
    char **keys, **vals;
    size_t n, cap;
} str_map;

const char *str_map_get(const str_map *m, const char *key);
/* Insert or replace. */
hark_status str_map_put(str_map *m, const char *key, const char *val);
void str_map_free(str_map *m);

/* A string -> count hash map (keys copied); keys[i] NULL marks a free slot. Zero-initialise. */
typedef struct str_count {
    char **keys;
    uint64_t *counts;
    size_t n, cap;
} str_count;

/* Add k to key's count (a new key starts at 0). */
hark_status str_count_add(str_count *m, const char *key, uint64_t k);
uint64_t str_count_get(const str_count *m, const char *key);
/* The m->n keys in byte order (malloc'd array of pointers into m), or NULL when out of memory. */
const char **str_count_sorted_keys(const str_count *m);
void str_count_free(str_count *m);

/* splitmix64: the next 64 random bits of the stream *rng (any seed), and a uniform double in
 * [0, 1) with 53 random bits. The one generator of dither, augmentation and data shuffling, so a
 * seed gives the same numbers everywhere (hark_augment_rng_* are its public names). */
uint64_t util_rng_next(uint64_t *rng);
double util_rng_uniform(uint64_t *rng);

#endif
