/* test_corpus_batch.c - length bucketing (hark_batcher_*): every utterance lands in exactly one
 * batch, the size limits hold, plans are a pure function of the seed, and bucketing pads far
 * less than random batching would. */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#define N 1000

/* Deterministic durations between 0.5 and 15 s, unrelated to index order. */
static void durations(double *d, size_t n)
{
    uint64_t s = 12345;
    for (size_t i = 0; i < n; i++) {
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        d[i] = 0.5 + 14.5 * (double)(s >> 11) / 9007199254740992.0;
    }
}

/* Checks that hold for every plan; returns the padded total (sum of count x longest). */
static double check_plan(const hark_batcher *b, const double *d, size_t n,
                         const hark_batch_params *p)
{
    unsigned char *seen = calloc(n, 1);
    assert_non_null(seen);
    size_t total = 0;
    double padded = 0;
    for (size_t i = 0; i < hark_batcher_count(b); i++) {
        size_t cnt;
        const size_t *idx = hark_batcher_batch(b, i, &cnt);
        assert_non_null(idx);
        assert_true(cnt >= 1 && cnt <= p->max_utts);
        double longest = 0;
        for (size_t k = 0; k < cnt; k++) {
            assert_true(idx[k] < n);
            assert_int_equal(seen[idx[k]], 0);
            seen[idx[k]] = 1;
            if (d[idx[k]] > longest)
                longest = d[idx[k]];
            if (p->max_duration > 0)
                assert_true(d[idx[k]] <= p->max_duration);
        }
        if (p->max_seconds > 0 && cnt > 1)
            assert_true((double)cnt * longest <= p->max_seconds + 1e-9);
        padded += (double)cnt * longest;
        total += cnt;
    }
    assert_int_equal(total + hark_batcher_dropped(b), n);
    free(seen);
    size_t cnt = 99;
    assert_null(hark_batcher_batch(b, hark_batcher_count(b), &cnt));
    assert_int_equal(cnt, 0);
    return padded;
}

static void test_sorted_plan(void **state)
{
    (void)state;
    double d[N];
    durations(d, N);
    hark_batch_params p = hark_batch_default_params();
    assert_int_equal(p.max_utts, 16);
    hark_batcher *b = hark_batcher_new(d, N, &p);
    assert_non_null(b);
    /* the initial plan is the unshuffled one: batches ascend in duration */
    assert_int_equal(hark_batcher_count(b), (N + 15) / 16);
    check_plan(b, d, N, &p);
    double prev = 0;
    for (size_t i = 0; i < hark_batcher_count(b); i++) {
        size_t cnt;
        const size_t *idx = hark_batcher_batch(b, i, &cnt);
        for (size_t k = 0; k < cnt; k++) {
            assert_true(d[idx[k]] >= prev);
            prev = d[idx[k]];
        }
    }
    hark_batcher_free(b);
}

static void test_shuffled_plans(void **state)
{
    (void)state;
    double d[N];
    durations(d, N);
    hark_batch_params p = hark_batch_default_params();
    hark_batcher *b = hark_batcher_new(d, N, &p);
    assert_non_null(b);
    size_t nb = hark_batcher_plan(b, 7, 1);
    assert_int_equal(nb, hark_batcher_count(b));
    double padded = check_plan(b, d, N, &p);
    /* remember this plan */
    size_t *first = malloc(N * sizeof *first), pos = 0;
    assert_non_null(first);
    for (size_t i = 0; i < nb; i++) {
        size_t cnt;
        const size_t *idx = hark_batcher_batch(b, i, &cnt);
        memcpy(first + pos, idx, cnt * sizeof *idx);
        pos += cnt;
    }
    /* the same seed gives the same plan, after another plan in between */
    hark_batcher_plan(b, 8, 1);
    hark_batcher_plan(b, 7, 1);
    pos = 0;
    int same = 1;
    for (size_t i = 0; i < nb; i++) {
        size_t cnt;
        const size_t *idx = hark_batcher_batch(b, i, &cnt);
        same &= !memcmp(first + pos, idx, cnt * sizeof *idx);
        pos += cnt;
    }
    assert_true(same);
    /* another seed changes both the order of batches and their membership */
    hark_batcher_plan(b, 8, 1);
    check_plan(b, d, N, &p);
    size_t cnt0;
    const size_t *b0 = hark_batcher_batch(b, 0, &cnt0);
    assert_true(cnt0 != 16 || memcmp(first, b0, 16 * sizeof *b0) != 0);

    /* Bucketing pays off: random batches of 16 pad far more than the shuffled buckets. */
    double unpadded = 0;
    for (size_t i = 0; i < N; i++)
        unpadded += d[i];
    double random_padded = 0;
    for (size_t i = 0; i < N; i += 16) {
        double longest = 0;
        size_t cnt = N - i < 16 ? N - i : 16;
        for (size_t k = 0; k < cnt; k++)
            if (d[i + k] > longest)
                longest = d[i + k];
        random_padded += (double)cnt * longest;
    }
    assert_true(padded < 1.15 * unpadded);     /* jitter costs a little padding */
    assert_true(random_padded > 1.5 * unpadded); /* index order is random here */
    free(first);
    hark_batcher_free(b);
}

static void test_limits(void **state)
{
    (void)state;
    double d[N];
    durations(d, N);
    hark_batch_params p = hark_batch_default_params();
    p.max_utts = 64;
    p.max_seconds = 60;  /* padded seconds per batch */
    p.max_duration = 12; /* leave out the longest */
    hark_batcher *b = hark_batcher_new(d, N, &p);
    assert_non_null(b);
    size_t dropped = 0;
    for (size_t i = 0; i < N; i++)
        dropped += d[i] > 12;
    for (uint64_t seed = 0; seed < 4; seed++) {
        hark_batcher_plan(b, seed, seed & 1);
        assert_int_equal(hark_batcher_dropped(b), dropped);
        check_plan(b, d, N, &p);
    }
    hark_batcher_free(b);

    /* an utterance longer than max_seconds still gets a batch of its own */
    double big[3] = {1, 100, 2};
    p = hark_batch_default_params();
    p.max_seconds = 10;
    b = hark_batcher_new(big, 3, &p);
    assert_non_null(b);
    assert_int_equal(hark_batcher_count(b), 2);
    size_t cnt;
    const size_t *idx = hark_batcher_batch(b, 1, &cnt);
    assert_int_equal(cnt, 1);
    assert_int_equal(idx[0], 1);
    hark_batcher_free(b);

    /* unknown durations (-1) sort first in index order; an empty batcher has no batches */
    double unk[4] = {-1, 3, -1, 1};
    p = hark_batch_default_params();
    p.max_utts = 2;
    b = hark_batcher_new(unk, 4, &p);
    idx = hark_batcher_batch(b, 0, &cnt);
    assert_int_equal(cnt, 2);
    assert_int_equal(idx[0], 0);
    assert_int_equal(idx[1], 2);
    hark_batcher_free(b);
    b = hark_batcher_new(NULL, 0, NULL);
    assert_non_null(b);
    assert_int_equal(hark_batcher_plan(b, 1, 1), 0);
    hark_batcher_free(b);
}

static void test_bad_params(void **state)
{
    (void)state;
    double d[2] = {1, 2};
    hark_batch_params p = hark_batch_default_params();
    p.max_utts = 0;
    assert_null(hark_batcher_new(d, 2, &p));
    assert_non_null(strstr(hark_last_error(), "max_utts"));
    p = hark_batch_default_params();
    p.jitter = 2;
    assert_null(hark_batcher_new(d, 2, &p));
    p = hark_batch_default_params();
    p.max_seconds = -1;
    assert_null(hark_batcher_new(d, 2, &p));
    assert_null(hark_batcher_new(NULL, 2, NULL));
    assert_int_equal(hark_batcher_count(NULL), 0);
    assert_int_equal(hark_batcher_plan(NULL, 0, 0), 0);
    hark_batcher_free(NULL);
}

static void test_from_corpus(void **state)
{
    (void)state;
    hark_corpus *c = hark_corpus_open(tu_src("tests/data/corpus/librispeech"));
    assert_non_null(c);
    hark_batch_params p = hark_batch_default_params();
    p.max_utts = 3;
    hark_batcher *b = hark_batcher_from_corpus(c, &p);
    assert_non_null(b);
    assert_int_equal(hark_batcher_count(b), 2);
    size_t cnt;
    const size_t *idx = hark_batcher_batch(b, 1, &cnt);
    assert_int_equal(cnt, 1); /* the longest alone: 0.75 s */
    assert_true(hark_corpus_get(c, idx[0])->duration == 0.75);
    hark_batcher_free(b);
    hark_corpus_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sorted_plan), cmocka_unit_test(test_shuffled_plans),
        cmocka_unit_test(test_limits),      cmocka_unit_test(test_bad_params),
        cmocka_unit_test(test_from_corpus),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
