/* test_train_reader.c - the streaming side of training (src/train/dataset.c and reader.c): a
 * corpus indexed into durations and on-disk records, the reader thread's batches in plan order
 * with rank slices that tile each batch, reproducible augmentation, an audio file that vanished
 * after indexing reported by name, and a reader stopped early without a hang. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"
#include "train/train_internal.h"

#define RATE 8000
#define N_UTTS 10

static char dir[512], manifest[600];

static void write_tone(const char *path, double seconds, double hz)
{
    size_t n = (size_t)(seconds * RATE);
    float *x = malloc(n * sizeof *x);
    assert_non_null(x);
    for (size_t i = 0; i < n; i++)
        x[i] = (float)(0.3 * sin(2 * 3.14159265 * hz * (double)i / RATE));
    assert_int_equal(hark_audio_write_wav(path, x, n, RATE, HARK_SAMPLE_S16), HARK_OK);
    free(x);
}

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "%s", tu_tmpdir());
    snprintf(manifest, sizeof manifest, "%s/m.tsv", dir);
    FILE *f = fopen(manifest, "w");
    assert_non_null(f);
    for (int i = 0; i < N_UTTS; i++) {
        char path[700];
        snprintf(path, sizeof path, "%s/u%d.wav", dir, i);
        write_tone(path, 0.2 + 0.05 * i, 300 + 50 * i);
        fprintf(f, "u%d.wav\t%s\n", i, i % 2 ? "ab" : "ba b");
    }
    fclose(f);
    return 0;
}

static hark_mfcc_config feat(void)
{
    hark_mfcc_config c = hark_mfcc_default_config();
    c.sample_rate = RATE;
    c.num_ceps = 13;
    c.delta_order = 0;
    c.cmvn = HARK_CMVN_NONE;
    return c;
}

static void test_dataset_index(void **state)
{
    (void)state;
    hark_mfcc_config fc = feat();
    train_dataset d;
    assert_int_equal(train_dataset_open(&d, manifest, &fc, 0, NULL, NULL, 0), HARK_OK);
    assert_int_equal(d.n, N_UTTS);
    assert_string_equal(d.charset, " ab");
    assert_int_equal(d.n_phrases, 2);
    assert_string_equal(d.phrases[0], "ab");
    assert_true(fabs(d.total_seconds - (0.2 * N_UTTS + 0.05 * 45)) < 0.01);
    char *buf = NULL;
    size_t cap = 0;
    const char *path, *text;
    assert_int_equal(train_dataset_get(&d, 3, &buf, &cap, &path, &text), HARK_OK);
    assert_non_null(strstr(path, "u3.wav"));
    assert_string_equal(text, "ab");
    assert_int_equal(train_dataset_get(&d, N_UTTS, &buf, &cap, &path, &text), HARK_ERR_INVALID_ARG);
    free(buf);
    train_dataset_close(&d);
    /* max_duration leaves the long ones out; a transcript outside the alphabet names its file. */
    assert_int_equal(train_dataset_open(&d, manifest, &fc, 0.31, NULL, NULL, 0), HARK_OK);
    assert_int_equal(d.n, 3);
    train_dataset_close(&d);
    assert_int_not_equal(train_dataset_open(&d, manifest, &fc, 0, " a", NULL, 0), HARK_OK);
    assert_non_null(strstr(hark_last_error(), ".wav"));
    assert_int_not_equal(train_dataset_open(&d, "/nonexistent/m.tsv", &fc, 0, NULL, NULL, 0), HARK_OK);
}

typedef struct fixture {
    hark_train_config cfg;
    hark_mfcc_config fc;
    train_dataset d;
    hark_batcher *plan;
    train_augmenter aug;
} fixture;

static void fixture_open(fixture *fx, int augment)
{
    fx->cfg = hark_train_default_config();
    fx->cfg.gain_db = 6;
    fx->cfg.specaugment = 1;
    fx->fc = feat();
    assert_int_equal(train_dataset_open(&fx->d, manifest, &fx->fc, 0, NULL, NULL, 0), HARK_OK);
    double secs[N_UTTS];
    for (size_t i = 0; i < fx->d.n; i++)
        secs[i] = fx->d.seconds[i];
    hark_batch_params bp = hark_batch_default_params();
    bp.max_utts = 3;
    fx->plan = hark_batcher_new(secs, fx->d.n, &bp);
    assert_non_null(fx->plan);
    hark_batcher_plan(fx->plan, 5, 1);
    assert_int_equal(train_augmenter_init(&fx->aug, &fx->cfg, &fx->fc, augment), HARK_OK);
}

static void fixture_close(fixture *fx)
{
    train_augmenter_free(&fx->aug);
    hark_batcher_free(fx->plan);
    train_dataset_close(&fx->d);
}

static train_reader *start(fixture *fx, int rank, int ranks, int depth)
{
    train_reader_config rc = {.data = &fx->d, .plan = fx->plan, .first = 0,
                              .end = hark_batcher_count(fx->plan), .rank = rank, .ranks = ranks,
                              .alphabet = " ab", .aug = &fx->aug, .seed = 9, .depth = depth};
    train_reader *r = train_reader_start(&rc);
    assert_non_null(r);
    return r;
}

/* Batches come in plan order; the two ranks' slices tile every batch; padding is zero. */
static void test_reader_slices(void **state)
{
    (void)state;
    /* One fixture per reader: an augmenter's scratch belongs to the one thread that uses it. */
    fixture fx, fy;
    fixture_open(&fx, 0);
    fixture_open(&fy, 0);
    train_reader *r0 = start(&fx, 0, 2, 1), *r1 = start(&fy, 1, 2, 3);
    size_t count = 0;
    for (;;) {
        train_batch *a, *b;
        assert_int_equal(train_reader_next(r0, &a), HARK_OK);
        assert_int_equal(train_reader_next(r1, &b), HARK_OK);
        assert_true((a == NULL) == (b == NULL));
        if (!a)
            break;
        size_t Bg;
        hark_batcher_batch(fx.plan, count, &Bg);
        assert_int_equal(a->index, count);
        assert_int_equal(b->index, count);
        assert_int_equal((size_t)(a->B + b->B), Bg);
        assert_int_equal(b->first, (size_t)a->B);
        const char *text = a->texts;
        for (int u = 0; u < a->B; u++, text += strlen(text) + 1) {
            assert_true(a->lengths[u] >= 1 && a->lengths[u] <= a->T);
            assert_int_equal(a->tlen[u], (int)strlen(text)); /* one label per character */
            for (int t = a->lengths[u]; t < a->T; t++)
                assert_true(a->x[((size_t)u * a->T + t) * 13] == 0.0f);
        }
        train_reader_release(r0, a);
        train_reader_release(r1, b);
        count++;
    }
    assert_int_equal(count, hark_batcher_count(fx.plan));
    train_reader_stop(r0);
    train_reader_stop(r1);
    fixture_close(&fx);
    fixture_close(&fy);
}

/* Augmented batches depend on the seed and position only: two readers agree bit for bit. */
static void test_reader_reproducible(void **state)
{
    (void)state;
    fixture fa, fb, fc;
    fixture_open(&fa, 1);
    fixture_open(&fb, 1);
    fixture_open(&fc, 0);
    train_reader *ra = start(&fa, 0, 1, 2), *rb = start(&fb, 0, 1, 1), *rc = start(&fc, 0, 1, 1);
    train_batch *a, *b, *c;
    int differs_from_clean = 0;
    while (train_reader_next(ra, &a) == HARK_OK && a) {
        assert_int_equal(train_reader_next(rb, &b), HARK_OK);
        assert_int_equal(train_reader_next(rc, &c), HARK_OK);
        assert_non_null(b);
        assert_non_null(c);
        assert_int_equal(a->B, b->B);
        assert_int_equal(a->T, b->T);
        size_t n = (size_t)a->B * a->T * 13;
        assert_memory_equal(a->x, b->x, n * sizeof(float));
        assert_memory_equal(a->tlen, b->tlen, (size_t)a->B * sizeof(int));
        /* ...and the augmentation really changed something (the test can fail). */
        differs_from_clean |= a->T != c->T || memcmp(a->x, c->x, n * sizeof(float)) != 0;
        train_reader_release(ra, a);
        train_reader_release(rb, b);
        train_reader_release(rc, c);
    }
    assert_true(differs_from_clean);
    train_reader_stop(ra);
    train_reader_stop(rb);
    train_reader_stop(rc);
    fixture_close(&fa);
    fixture_close(&fb);
    fixture_close(&fc);
}

/* A file that vanished after indexing: the batch holding it fails with its name. Stopping a
 * reader whose queue is full does not hang. */
static void test_reader_errors(void **state)
{
    (void)state;
    fixture fx;
    fixture_open(&fx, 0);
    train_reader *r = start(&fx, 0, 1, 1);
    struct timespec pause = {0, 100000000};
    nanosleep(&pause, NULL); /* the queue fills and the thread waits */
    train_reader_stop(r);
    char path[700];
    snprintf(path, sizeof path, "%s/u7.wav", dir);
    assert_int_equal(unlink(path), 0);
    r = start(&fx, 0, 1, 2);
    train_batch *b;
    hark_status st;
    while ((st = train_reader_next(r, &b)) == HARK_OK && b)
        train_reader_release(r, b);
    assert_int_not_equal(st, HARK_OK);
    assert_non_null(b);
    assert_non_null(strstr(hark_last_error(), "u7.wav"));
    train_reader_release(r, b);
    train_reader_stop(r);
    fixture_close(&fx);
    write_tone(path, 0.2 + 0.05 * 7, 300 + 50 * 7);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dataset_index),
        cmocka_unit_test(test_reader_slices),
        cmocka_unit_test(test_reader_reproducible),
        cmocka_unit_test(test_reader_errors),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
