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
