/* test_ctc.c - CTC loss and gradient on cases worked out by hand or by enumerating every path:
 * repeated labels that need a blank between them, labels too long for the input (+inf, zero
 * gradient, no NaN), a single frame, the empty label, 2000-frame inputs with closed-form
 * answers, padded batches, and bad arguments. */
#include "testutil.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn/nn_internal.h"

static void random_logprobs(float *lp, int rows, int V, uint64_t seed)
{
    uint64_t rng = seed;
    for (int i = 0; i < rows * V; i++)
        lp[i] = 3.0f * nn_rand_uniform(&rng);
    nn_log_softmax(lp, lp, rows, V);
}

/* Sum over all V^T paths that collapse (merge repeats, drop blanks) to lab: the loss and the
 * gradient softmax - posterior, in double. */
static double enumerate(const float *lp, int T, int V, const int *lab, int L, double *grad)
{
    int path[16];
    double total = 0.0;
    double post[16 * 8] = {0};
    long n = 1;
    for (int t = 0; t < T; t++)
        n *= V;
    for (long code = 0; code < n; code++) {
        long c = code;
        double logp = 0.0;
        for (int t = 0; t < T; t++) {
            path[t] = (int)(c % V);
            c /= V;
            logp += lp[t * V + path[t]];
        }
        int out[16], m = 0;
        for (int t = 0; t < T; t++)
            if (path[t] != 0 && (t == 0 || path[t] != path[t - 1]))
                out[m++] = path[t];
        if (m != L || (L && memcmp(out, lab, (size_t)L * sizeof(int))))
            continue;
        double p = exp(logp);
        total += p;
        for (int t = 0; t < T; t++)
            post[t * V + path[t]] += p;
    }
    for (int t = 0; t < T; t++)
        for (int v = 0; v < V; v++)
            grad[t * V + v] = exp(lp[t * V + v]) - (total > 0 ? post[t * V + v] / total : 0.0);
    return -log(total);
}

static void check_against_enumeration(int T, const int *lab, int L, uint64_t seed)
{
    enum { V = 3 };
    float lp[8 * V], g[8 * V], loss;
    double eg[8 * V];
    random_logprobs(lp, T, V, seed);
    int in_len = T;
    assert_int_equal(hark_ctc_loss(lp, 1, T, V, &in_len, lab, &L, &loss, g), HARK_OK);
    double want = enumerate(lp, T, V, lab, L, eg);
    assert_true(isfinite(want));
    assert_float_equal(loss, want, 1e-5 * fmax(1.0, fabs(want)));
    for (int i = 0; i < T * V; i++)
        assert_float_equal(g[i], eg[i], 1e-5);
}

static void test_enumeration(void **state)
{
    (void)state;
    int l11[] = {1, 1}, l12[] = {1, 2}, l121[] = {1, 2, 1}, l2[] = {2};
    check_against_enumeration(5, l11, 2, 1);  /* repeated label: needs a blank between */
    check_against_enumeration(3, l11, 2, 2);  /* exactly enough frames: one path */
    check_against_enumeration(5, l12, 2, 3);
    check_against_enumeration(6, l121, 3, 4);
    check_against_enumeration(4, l2, 1, 5);
    check_against_enumeration(4, NULL, 0, 6); /* all blank */
}

static void test_single_frame(void **state)
{
    (void)state;
    float lp[4] = {logf(0.5f), logf(0.25f), logf(0.125f), logf(0.125f)}, g[4], loss;
    int in_len = 1, lab = 2, L = 1;
    assert_int_equal(hark_ctc_loss(lp, 1, 1, 4, &in_len, &lab, &L, &loss, g), HARK_OK);
    assert_float_equal(loss, logf(8.0f), 1e-6);
    float want[4] = {0.5f, 0.25f, 0.125f - 1.0f, 0.125f};
    for (int v = 0; v < 4; v++)
        assert_float_equal(g[v], want[v], 1e-6);
    L = 0; /* empty label: the blank is the only path */
    assert_int_equal(hark_ctc_loss(lp, 1, 1, 4, &in_len, NULL, &L, &loss, g), HARK_OK);
    assert_float_equal(loss, logf(2.0f), 1e-6);
    assert_float_equal(g[0], -0.5f, 1e-6);
}

/* Labels that cannot fit: +inf, a zero gradient and never a NaN, while the other utterances of
 * the batch are unaffected. */
static void test_infeasible(void **state)
{
    (void)state;
    enum { T = 3, V = 4 };
    float lp[2 * T * V], g[2 * T * V], loss[2];
    random_logprobs(lp, 2 * T, V, 7);
    int in_len[2] = {2, 3}, lab[] = {1, 1, 2}, L[2] = {2, 1}; /* "1 1" needs 3 frames, has 2 */
    assert_int_equal(hark_ctc_loss(lp, 2, T, V, in_len, lab, L, loss, g), HARK_OK);
    assert_true(isinf(loss[0]) && loss[0] > 0);
    for (int i = 0; i < T * V; i++)
        assert_true(g[i] == 0.0f);
    assert_true(isfinite(loss[1]));
    for (int i = T * V; i < 2 * T * V; i++)
        assert_false(isnan(g[i]));
    /* four labels in three frames */
    int lab4[] = {1, 2, 3, 1}, L4 = 4, n3 = 3;
    assert_int_equal(hark_ctc_loss(lp, 1, T, V, &n3, lab4, &L4, loss, g), HARK_OK);
    assert_true(isinf(loss[0]));
    /* a path of probability zero (log-prob -inf) everywhere for the label: +inf, no NaN */
    float hard[2 * 3] = {0.0f, -INFINITY, -INFINITY, 0.0f, -INFINITY, -INFINITY};
    int lab1 = 1, L1 = 1, n2 = 2;
    assert_int_equal(hark_ctc_loss(hard, 1, 2, 3, &n2, &lab1, &L1, loss, g), HARK_OK);
    assert_true(isinf(loss[0]));
    for (int i = 0; i < 6; i++)
        assert_true(g[i] == 0.0f);
}

/* 2000 frames with closed forms: a uniform distribution over V symbols and the one-label target
 * has T(T+1)/2 alignments (blanks, at least one label, blanks), so
 * loss = T log V - log(T(T+1)/2); the empty target has exactly one path. */
static void test_long_input(void **state)
{
    (void)state;
    enum { T = 2000, V = 5 };
    float *lp = malloc(sizeof(float) * T * V), *g = malloc(sizeof(float) * T * V), loss;
    assert_non_null(lp);
    assert_non_null(g);
    for (int i = 0; i < T * V; i++)
        lp[i] = -logf((float)V);
    int in_len = T, lab = 3, L = 1;
    assert_int_equal(hark_ctc_loss(lp, 1, T, V, &in_len, &lab, &L, &loss, g), HARK_OK);
    double want = T * log((double)V) - log(T * (T + 1.0) / 2.0);
    assert_float_equal(loss, want, 1e-5 * want);
    for (int t = 0; t < T; t++) { /* each row of softmax - posterior sums to zero */
        double s = 0.0;
        for (int v = 0; v < V; v++) {
            assert_true(isfinite(g[t * V + v]));
            s += g[t * V + v];
        }
        assert_true(fabs(s) < 1e-5);
    }
    random_logprobs(lp, T, V, 9);
    L = 0;
    double blank = 0.0;
    for (int t = 0; t < T; t++)
        blank -= lp[t * V];
    assert_int_equal(hark_ctc_loss(lp, 1, T, V, &in_len, NULL, &L, &loss, g), HARK_OK);
    assert_float_equal(loss, blank, 1e-5 * blank);
    /* a long label on random outputs stays finite */
    int labs[200];
    for (int i = 0; i < 200; i++)
        labs[i] = 1 + i % (V - 1);
    L = 200;
    assert_int_equal(hark_ctc_loss(lp, 1, T, V, &in_len, labs, &L, &loss, g), HARK_OK);
    assert_true(isfinite(loss) && loss > 0);
    for (int i = 0; i < T * V; i++)
        assert_true(isfinite(g[i]));
    free(lp);
    free(g);
}

/* Each utterance of a padded batch gives what it gives alone, whatever the padding holds. */
static void test_padded_batch(void **state)
{
    (void)state;
    enum { B = 3, T = 6, V = 4 };
    float lp[B * T * V], g[B * T * V], loss[B], g1[T * V], l1;
    random_logprobs(lp, B * T, V, 11);
    int in_len[B] = {6, 2, 4}, lab[] = {1, 2, 3, 3, 1, 2}, L[B] = {3, 1, 2};
    assert_int_equal(hark_ctc_loss(lp, B, T, V, in_len, lab, L, loss, g), HARK_OK);
    int off = 0;
    for (int b = 0; b < B; b++) {
        assert_int_equal(hark_ctc_loss(lp + b * T * V, 1, in_len[b], V, &in_len[b], lab + off,
                                       &L[b], &l1, g1), HARK_OK);
        assert_float_equal(loss[b], l1, 1e-6);
        for (int i = 0; i < in_len[b] * V; i++)
            assert_float_equal(g[b * T * V + i], g1[i], 1e-7);
        for (int i = in_len[b] * V; i < T * V; i++)
            assert_true(g[b * T * V + i] == 0.0f);
        off += L[b];
    }
}

static void test_bad_args(void **state)
{
    (void)state;
    float lp[2 * 3] = {0}, loss;
    int n = 2, lab = 1, L = 1, bad = 3, zero = 0;
    assert_int_equal(hark_ctc_loss(NULL, 1, 2, 3, &n, &lab, &L, &loss, NULL), HARK_ERR_INVALID_ARG);
    assert_int_equal(hark_ctc_loss(lp, 1, 2, 3, &n, &bad, &L, &loss, NULL), HARK_ERR_INVALID_ARG);
    assert_int_equal(hark_ctc_loss(lp, 1, 2, 3, &n, &zero, &L, &loss, NULL), HARK_ERR_INVALID_ARG);
    assert_int_equal(hark_ctc_loss(lp, 1, 2, 3, &bad, &lab, &L, &loss, NULL), HARK_ERR_INVALID_ARG);
    assert_int_equal(hark_ctc_loss(lp, 1, 2, 3, &zero, &lab, &L, &loss, NULL), HARK_ERR_INVALID_ARG);
    assert_int_equal(hark_ctc_loss(lp, 1, 2, 3, &n, NULL, &L, &loss, NULL), HARK_ERR_INVALID_ARG);
    assert_int_equal(hark_ctc_loss(lp, 1, 2, 1, &n, &lab, &L, &loss, NULL), HARK_ERR_INVALID_ARG);
    assert_true(strstr(hark_last_error(), "ctc") != NULL);
    /* a NaN input: NaN loss for that utterance only, no gradient, HARK_ERR_NUMERIC */
    float two[2 * 2 * 3], g[2 * 2 * 3], losses[2];
    for (int i = 0; i < 12; i++)
        two[i] = -logf(3.0f);
    two[7] = NAN;
    int il[2] = {2, 2}, tg[2] = {1, 2}, tl[2] = {1, 1};
    assert_int_equal(hark_ctc_loss(two, 2, 2, 3, il, tg, tl, losses, g), HARK_ERR_NUMERIC);
    assert_true(isfinite(losses[0]));
    assert_true(isnan(losses[1]));
    for (int i = 6; i < 12; i++)
        assert_true(g[i] == 0.0f);
    assert_true(strstr(hark_last_error(), "NaN") != NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_enumeration),
        cmocka_unit_test(test_single_frame),
        cmocka_unit_test(test_infeasible),
        cmocka_unit_test(test_long_input),
        cmocka_unit_test(test_padded_batch),
        cmocka_unit_test(test_bad_args),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
