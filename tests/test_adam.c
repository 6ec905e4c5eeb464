/* test_adam.c - Adam with bias correction, global-norm clipping and decoupled weight decay:
 * the first step worked by hand, several steps against a double-precision transcription of the
 * update rule, clipping, the checkpoint accessors and the refusal of NaN gradients. */
#include "testutil.h"

#include <math.h>
#include <string.h>

/* First step: m_hat = g and v_hat = g^2, so every parameter moves by lr * g / (|g| + eps). */
static void test_first_step(void **state)
{
    (void)state;
    hark_adam_config cfg = hark_adam_default_config();
    cfg.clip_norm = 0.0f;
    hark_adam *opt = hark_adam_create(3, &cfg);
    assert_non_null(opt);
    float p[3] = {1.0f, -2.0f, 0.5f}, g[3] = {0.3f, -4.0f, 0.0f}, norm;
    assert_int_equal(hark_adam_step(opt, p, g, 0.01f, &norm), HARK_OK);
    assert_float_equal(norm, sqrt(0.09 + 16.0), 1e-6);
    assert_float_equal(p[0], 1.0f - 0.01f * 0.3f / (0.3f + 1e-8f), 1e-6);
    assert_float_equal(p[1], -2.0f + 0.01f, 1e-6);
    assert_float_equal(p[2], 0.5f, 0.0);
    assert_int_equal(hark_adam_steps(opt), 1);
    hark_adam_free(opt);
}

/* Ten steps against the update rule written out in double. */
static void test_trajectory(void **state)
{
    (void)state;
    enum { N = 5 };
    hark_adam_config cfg = {.lr = 0.0f, .beta1 = 0.8f, .beta2 = 0.95f, .eps = 1e-6f,
                            .weight_decay = 0.1f, .clip_norm = 1.5f};
    hark_adam *opt = hark_adam_create(N, &cfg);
    assert_non_null(opt);
    float p[N] = {0.1f, -0.2f, 0.3f, -0.4f, 0.5f};
    double P[N], M[N] = {0}, Vv[N] = {0};
    for (int i = 0; i < N; i++)
        P[i] = p[i];
    for (int t = 1; t <= 10; t++) {
        float g[N];
        double G[N], sq = 0;
        for (int i = 0; i < N; i++) {
            g[i] = (float)(sin(t * (i + 1.0)) * (i + 1));
            G[i] = g[i];
            sq += G[i] * G[i];
        }
        double norm = sqrt(sq), coef = 1.5 / (norm + 1e-6);
        float lr = 0.05f / t, got_norm;
        assert_int_equal(hark_adam_step(opt, p, g, lr, &got_norm), HARK_OK);
        assert_float_equal(got_norm, norm, 1e-5 * norm);
        for (int i = 0; i < N; i++) {
            double gi = G[i] * (coef < 1 ? coef : 1);
            assert_float_equal(g[i], gi, 1e-6); /* clipped in place */
            M[i] = 0.8 * M[i] + 0.2 * gi;
            Vv[i] = 0.95 * Vv[i] + 0.05 * gi * gi;
            double mh = M[i] / (1 - pow(0.8, t)), vh = Vv[i] / (1 - pow(0.95, t));
            P[i] = P[i] * (1 - (double)lr * 0.1) - lr * mh / (sqrt(vh) + 1e-6);
            assert_float_equal(p[i], P[i], 1e-5);
        }
    }
    assert_int_equal(hark_adam_steps(opt), 10);
    for (int i = 0; i < N; i++) {
        assert_float_equal(hark_adam_m(opt)[i], M[i], 1e-5);
        assert_float_equal(hark_adam_v(opt)[i], Vv[i], 1e-5);
    }
    hark_adam_free(opt);
}

/* Restoring the step count and moments (a checkpoint) continues the same trajectory. */
static void test_resume(void **state)
{
    (void)state;
    hark_adam_config cfg = hark_adam_default_config();
    hark_adam *a = hark_adam_create(2, &cfg), *b = hark_adam_create(2, &cfg);
    assert_non_null(a);
    assert_non_null(b);
    float pa[2] = {1, 2}, pb[2], g[2];
    for (int t = 0; t < 3; t++) {
        g[0] = 0.1f * t + 0.2f;
        g[1] = -0.3f;
        assert_int_equal(hark_adam_step(a, pa, g, 1e-2f, NULL), HARK_OK);
    }
    memcpy(pb, pa, sizeof pb);
    hark_adam_set_steps(b, hark_adam_steps(a));
    memcpy(hark_adam_m(b), hark_adam_m(a), 2 * sizeof(float));
    memcpy(hark_adam_v(b), hark_adam_v(a), 2 * sizeof(float));
    float ga[2] = {0.5f, 0.25f}, gb[2] = {0.5f, 0.25f};
    assert_int_equal(hark_adam_step(a, pa, ga, 1e-2f, NULL), HARK_OK);
    assert_int_equal(hark_adam_step(b, pb, gb, 1e-2f, NULL), HARK_OK);
    assert_memory_equal(pa, pb, sizeof pa);
    hark_adam_free(a);
    hark_adam_free(b);
}

static void test_nan_and_bad_args(void **state)
{
    (void)state;
    hark_adam_config cfg = hark_adam_default_config();
    hark_adam *opt = hark_adam_create(3, &cfg);
    assert_non_null(opt);
    float p[3] = {1, 2, 3}, g[3] = {0.1f, NAN, 0.2f}, norm;
    assert_int_equal(hark_adam_step(opt, p, g, 1e-3f, &norm), HARK_ERR_NUMERIC);
    assert_true(p[0] == 1 && p[1] == 2 && p[2] == 3);
    assert_int_equal(hark_adam_steps(opt), 0);
    g[1] = INFINITY;
    assert_int_equal(hark_adam_step(opt, p, g, 1e-3f, &norm), HARK_ERR_NUMERIC);
    assert_true(p[0] == 1);
    assert_int_equal(hark_adam_step(opt, p, NULL, 1e-3f, &norm), HARK_ERR_INVALID_ARG);
    g[1] = 0.0f;
    assert_int_equal(hark_adam_step(opt, p, g, -1.0f, &norm), HARK_ERR_INVALID_ARG);
    hark_adam_free(opt);
    assert_null(hark_adam_create(0, &cfg));
    cfg.beta1 = 1.0f;
    assert_null(hark_adam_create(3, &cfg));
    assert_true(strstr(hark_last_error(), "adam") != NULL);
    hark_adam_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_first_step),
        cmocka_unit_test(test_trajectory),
        cmocka_unit_test(test_resume),
        cmocka_unit_test(test_nan_and_bad_args),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
