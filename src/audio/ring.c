/* ring.c - the lock-free single-producer/single-consumer float queue between the PortAudio
 * callback and the reader.
 *
 * Two free-running indices (head written only by the producer, tail only by the consumer) are
 * masked by the power-of-two capacity; unsigned wrap-around keeps head - tail the fill level.
 * The producer publishes samples with a release store of head and the consumer sees them after an
 * acquire load, and symmetrically for the space the consumer frees. Overruns are counted in
 * relaxed atomics: they are statistics, not synchronisation. */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "hark/capture.h"

/* Keep the two indices on separate cache lines so producer and consumer do not false-share. */
#define RING_LINE 64

struct hark_ring {
    _Alignas(RING_LINE) atomic_size_t head; /* next write position (producer) */
    _Alignas(RING_LINE) atomic_size_t tail; /* next read position (consumer) */
    _Alignas(RING_LINE) atomic_uint_fast64_t overruns;
    atomic_uint_fast64_t dropped;
    size_t mask;
    float *data;
};

hark_ring *hark_ring_create(size_t min_capacity)
{
    if (min_capacity == 0 || min_capacity > ((size_t)1 << 30)) {
        hark_error(HARK_ERR_INVALID_ARG, "ring buffer: capacity %zu out of range 1..2^30",
                   min_capacity);
        return NULL;
    }
    size_t cap = 1;
    while (cap < min_capacity)
        cap <<= 1;
    hark_ring *ring = aligned_alloc(RING_LINE, sizeof *ring);
    if (!ring) {
        hark_error(HARK_ERR_NOMEM, "ring buffer: out of memory");
        return NULL;
    }
    ring->data = calloc(cap, sizeof *ring->data);
    if (!ring->data) {
        free(ring);
        hark_error(HARK_ERR_NOMEM, "ring buffer: out of memory for %zu samples", cap);
        return NULL;
    }
    atomic_init(&ring->head, 0);
    atomic_init(&ring->tail, 0);
    atomic_init(&ring->overruns, 0);
    atomic_init(&ring->dropped, 0);
    ring->mask = cap - 1;
    return ring;
}

void hark_ring_free(hark_ring *ring)
{
    if (!ring)
        return;
    free(ring->data);
    free(ring);
}

size_t hark_ring_capacity(const hark_ring *ring) { return ring->mask + 1; }

/* Copy n floats between the linear buffer and the ring at masked position pos, in at most two
 * pieces around the end of the storage. */
static void copy_in(hark_ring *ring, size_t pos, const float *x, size_t n)
{
    size_t at = pos & ring->mask, first = ring->mask + 1 - at;
    if (first > n)
        first = n;
    memcpy(ring->data + at, x, first * sizeof *x);
    memcpy(ring->data, x + first, (n - first) * sizeof *x);
}

static void copy_out(const hark_ring *ring, size_t pos, float *out, size_t n)
{
    size_t at = pos & ring->mask, first = ring->mask + 1 - at;
    if (first > n)
        first = n;
    memcpy(out, ring->data + at, first * sizeof *out);
    memcpy(out + first, ring->data, (n - first) * sizeof *out);
}

int hark_ring_write(hark_ring *ring, const float *x, size_t n)
{
    size_t head = atomic_load_explicit(&ring->head, memory_order_relaxed);
    /* Acquire: the consumer's reads of the slots it freed happen before we overwrite them. */
    size_t tail = atomic_load_explicit(&ring->tail, memory_order_acquire);
    size_t free_slots = ring->mask + 1 - (head - tail);
    if (n > free_slots) {
        atomic_fetch_add_explicit(&ring->overruns, 1, memory_order_relaxed);
        atomic_fetch_add_explicit(&ring->dropped, n, memory_order_relaxed);
        return 0;
    }
    if (n == 0)
        return 1;
    copy_in(ring, head, x, n);
    atomic_store_explicit(&ring->head, head + n, memory_order_release);
    return 1;
}

size_t hark_ring_available(const hark_ring *ring)
{
    size_t head = atomic_load_explicit(&((hark_ring *)ring)->head, memory_order_acquire);
    size_t tail = atomic_load_explicit(&((hark_ring *)ring)->tail, memory_order_relaxed);
    return head - tail;
}

size_t hark_ring_read(hark_ring *ring, float *out, size_t max)
{
    size_t tail = atomic_load_explicit(&ring->tail, memory_order_relaxed);
    /* Acquire: the producer's sample stores are visible before we copy them. */
    size_t head = atomic_load_explicit(&ring->head, memory_order_acquire);
    size_t n = head - tail;
    if (n > max)
        n = max;
    if (n == 0)
        return 0;
    copy_out(ring, tail, out, n);
    atomic_store_explicit(&ring->tail, tail + n, memory_order_release);
    return n;
}

uint64_t hark_ring_overruns(const hark_ring *ring)
{
    return atomic_load_explicit(&((hark_ring *)ring)->overruns, memory_order_relaxed);
}

uint64_t hark_ring_dropped(const hark_ring *ring)
{
    return atomic_load_explicit(&((hark_ring *)ring)->dropped, memory_order_relaxed);
}
