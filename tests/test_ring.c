/* test_ring.c - the SPSC ring buffer: capacity rounding, wrap-around, whole-write drops and
 * overrun counts single-threaded, then a producer and a consumer thread racing with random chunk
 * sizes while every sample's sequence number is checked. */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "testutil.h"

static void test_bad_capacity(void **state)
{
    (void)state;
    assert_null(hark_ring_create(0));
    assert_string_not_equal(hark_last_error(), "");
    assert_null(hark_ring_create(((size_t)1 << 30) + 1));
}

static void test_capacity_rounds_up(void **state)
{
    (void)state;
    size_t want[] = {1, 2, 3, 5, 64, 65, 1000, 4096};
    size_t got[] = {1, 2, 4, 8, 64, 128, 1024, 4096};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        hark_ring *r = hark_ring_create(want[i]);
        assert_non_null(r);
        assert_int_equal(hark_ring_capacity(r), got[i]);
        assert_int_equal(hark_ring_available(r), 0);
        hark_ring_free(r);
    }
    hark_ring_free(NULL);
}

static void test_empty_read_and_zero_write(void **state)
{
    (void)state;
    hark_ring *r = hark_ring_create(8);
    float out[8] = {0};
    assert_int_equal(hark_ring_read(r, out, 8), 0);
    assert_int_equal(hark_ring_write(r, out, 0), 1);
    assert_int_equal(hark_ring_available(r), 0);
    assert_int_equal(hark_ring_overruns(r), 0);
    hark_ring_free(r);
}

static void test_fill_exactly_then_overrun(void **state)
{
    (void)state;
    hark_ring *r = hark_ring_create(8);
    float x[9], out[9];
    for (int i = 0; i < 9; i++)
        x[i] = (float)i;
    assert_int_equal(hark_ring_write(r, x, 8), 1);
    assert_int_equal(hark_ring_available(r), 8);
    /* Full: a one-sample write is dropped whole and counted. */
    assert_int_equal(hark_ring_write(r, x, 1), 0);
    assert_int_equal(hark_ring_overruns(r), 1);
    assert_int_equal(hark_ring_dropped(r), 1);
    assert_int_equal(hark_ring_available(r), 8);
    assert_int_equal(hark_ring_read(r, out, 9), 8);
    for (int i = 0; i < 8; i++)
        assert_true(out[i] == (float)i);
    /* Bigger than the whole ring: never fits, even empty. */
    assert_int_equal(hark_ring_write(r, x, 9), 0);
    assert_int_equal(hark_ring_overruns(r), 2);
    assert_int_equal(hark_ring_dropped(r), 10);
    assert_int_equal(hark_ring_available(r), 0);
    hark_ring_free(r);
}

static void test_partial_fit_is_dropped_whole(void **state)
{
    (void)state;
    hark_ring *r = hark_ring_create(8);
    float x[6] = {1, 2, 3, 4, 5, 6}, out[8];
    assert_int_equal(hark_ring_write(r, x, 6), 1);
    /* 2 free, 3 asked: nothing is written, so interleaved frames never split. */
    assert_int_equal(hark_ring_write(r, x, 3), 0);
    assert_int_equal(hark_ring_available(r), 6);
    assert_int_equal(hark_ring_write(r, x, 2), 1);
    assert_int_equal(hark_ring_read(r, out, 8), 8);
    float want[8] = {1, 2, 3, 4, 5, 6, 1, 2};
    assert_memory_equal(out, want, sizeof want);
    hark_ring_free(r);
}

static void test_wrap_around(void **state)
{
    (void)state;
    /* Many writes and reads of sizes coprime with the capacity cross the end of the storage at
     * every offset; the sequence must come out intact. */
    hark_ring *r = hark_ring_create(16);
    float chunk[7], out[16];
    float next_in = 0, next_out = 0;
    for (int round = 0; round < 1000; round++) {
        size_t nw = 1 + (size_t)(round % 7);
        for (size_t i = 0; i < nw; i++)
            chunk[i] = next_in + (float)i;
        if (hark_ring_write(r, chunk, nw))
            next_in += (float)nw;
        size_t nr = hark_ring_read(r, out, 1 + (size_t)(round % 5));
        for (size_t i = 0; i < nr; i++) {
            assert_true(out[i] == next_out);
            next_out += 1;
        }
        assert_true(hark_ring_available(r) <= 16);
    }
    size_t nr;
    while ((nr = hark_ring_read(r, out, 16)) > 0)
        for (size_t i = 0; i < nr; i++, next_out += 1)
            assert_true(out[i] == next_out);
    assert_true(next_out == next_in);
    hark_ring_free(r);
}

/* ---- two threads --------------------------------------------------------------------------- */

typedef struct {
    hark_ring *ring;
    long total;           /* samples the producer tries to send */
    unsigned seed;
    long sent;            /* samples accepted */
    long attempts_dropped;
    atomic_int done;
    int slow_consumer;    /* consumer sleeps now and then, to force overruns */
} stress;

/* Samples carry their sequence number modulo 2^24 (exact in a float); dropped writes leave gaps
 * that the producer records, so the consumer can check order and completeness. */
static void *producer(void *arg)
{
    stress *s = arg;
    float chunk[512];
    unsigned seed = s->seed;
    long seq = 0;
    long attempts = 0;
    while (attempts < s->total) {
        size_t n = 1 + (size_t)(rand_r(&seed) % 512);
        for (size_t i = 0; i < n; i++)
            chunk[i] = (float)((seq + (long)i) & 0xFFFFFF);
        if (hark_ring_write(s->ring, chunk, n)) {
            seq += (long)n;
            s->sent += (long)n;
        } else {
            s->attempts_dropped += (long)n;
        }
        attempts += (long)n;
        if (rand_r(&seed) % 64 == 0)
            sched_yield();
    }
    atomic_store(&s->done, 1);
    return NULL;
}

static void run_stress(long total, size_t capacity, int slow_consumer, unsigned seed,
                       long *received_out, stress *s)
{
    memset(s, 0, sizeof *s);
    s->ring = hark_ring_create(capacity);
    assert_non_null(s->ring);
    s->total = total;
    s->seed = seed;
    s->slow_consumer = slow_consumer;
    atomic_init(&s->done, 0);
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, producer, s), 0);
    float buf[700];
    unsigned cseed = seed * 31u + 7u;
    long received = 0;
    for (;;) {
        int finished = atomic_load(&s->done);
        size_t n = hark_ring_read(s->ring, buf, 1 + (size_t)(rand_r(&cseed) % 700));
        for (size_t i = 0; i < n; i++) {
            /* Only accepted writes reach us, in order, so the sequence is gap-free. */
            if (buf[i] != (float)((received + (long)i) & 0xFFFFFF))
                fail_msg("sample %ld is %g, expected %ld", received + (long)i, (double)buf[i],
                         (received + (long)i) & 0xFFFFFF);
        }
        received += (long)n;
        if (n == 0 && finished && hark_ring_available(s->ring) == 0)
            break;
        if (slow_consumer && rand_r(&cseed) % 16 == 0) {
            struct timespec ts = {0, 200000};
            nanosleep(&ts, NULL);
        }
    }
    assert_int_equal(pthread_join(th, NULL), 0);
    *received_out = received;
}

static void test_threads_fast_consumer(void **state)
{
    (void)state;
    stress s;
    long received;
    run_stress(20 * 1000 * 1000, 1 << 16, 0, 1234u, &received, &s);
    assert_int_equal(received, s.sent);
    assert_int_equal(hark_ring_dropped(s.ring), (uint64_t)s.attempts_dropped);
    assert_true(s.sent + s.attempts_dropped >= s.total);
    hark_ring_free(s.ring);
}

static void test_threads_overruns_counted(void **state)
{
    (void)state;
    /* A small ring and a consumer that naps: writes get dropped, and the counters must account
     * for exactly the samples that never arrived. */
    stress s;
    long received;
    run_stress(4 * 1000 * 1000, 1024, 1, 99u, &received, &s);
    assert_int_equal(received, s.sent);
    assert_true(hark_ring_overruns(s.ring) > 0);
    assert_int_equal(hark_ring_dropped(s.ring), (uint64_t)s.attempts_dropped);
    assert_int_equal((long)hark_ring_dropped(s.ring) + received, s.sent + s.attempts_dropped);
    hark_ring_free(s.ring);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bad_capacity),
        cmocka_unit_test(test_capacity_rounds_up),
        cmocka_unit_test(test_empty_read_and_zero_write),
        cmocka_unit_test(test_fill_exactly_then_overrun),
        cmocka_unit_test(test_partial_fit_is_dropped_whole),
        cmocka_unit_test(test_wrap_around),
        cmocka_unit_test(test_threads_fast_consumer),
        cmocka_unit_test(test_threads_overruns_counted),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
