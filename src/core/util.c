/* util.c - small helpers the modules share (see core/util.h). */
#include "core/util.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int util_grow(void *arr, size_t *cap, size_t need, size_t elem, size_t first)
{
    if (need <= *cap)
        return 0;
    size_t nc = *cap ? *cap : (first ? first : 1);
    while (nc < need) {
        if (nc > SIZE_MAX / 2)
            return -1;
        nc *= 2;
    }
    if (elem && nc > SIZE_MAX / elem)
        return -1;
    /* The pointer is copied in and out with memcpy so that any object pointer type can be
     * passed without casting it to void ** (which the aliasing rules do not allow). */
    void *p;
    memcpy(&p, arr, sizeof p);
    void *np = realloc(p, nc * elem);
    if (!np)
        return -1;
    memcpy(arr, &np, sizeof np);
    *cap = nc;
    return 0;
}

double util_now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

double util_cpu_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

uint64_t util_rng_next(uint64_t *rng)
{
    uint64_t z = (*rng += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

double util_rng_uniform(uint64_t *rng)
{
    return (double)(util_rng_next(rng) >> 11) * (1.0 / 9007199254740992.0); /* 53 bits */
}
