/* test_trainer.c - the training loop on a tiny synthetic corpus (tone "words" written as WAV with
 * a manifest): the loss falls, a run stopped at step N (max_steps or an interrupt from the
 * callback) and resumed from its checkpoint ends with exactly the weights of an uninterrupted
 * run, and bad inputs (missing corpus, impossible labels) are reported. */
#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#define RATE 8000

static char corpus_dir[512];
static char manifest[600];

/* Each symbol is 0.12 s of its own tone, then 0.04 s of quiet. */
static void write_utt(const char *path, const char *text)
{
    size_t n = 0, cap = (strlen(text) + 2) * RATE / 4;
    float *x = calloc(cap, sizeof *x);
    assert_non_null(x);
    for (const char *p = text; *p; p++) {
        double f = *p == 'a' ? 400 : *p == 'b' ? 1500 : 0;
        size_t len = *p == ' ' ? RATE / 20 : RATE * 12 / 100;
        for (size_t i = 0; i < len && n < cap; i++, n++)
            x[n] = f > 0 ? (float)(0.4 * sin(2 * 3.14159265 * f * (double)i / RATE)) : 0.0f;
        for (size_t i = 0; i < RATE / 25 && n < cap; i++)
            x[n++] = 0;
    }
    assert_int_equal(hark_audio_write_wav(path, x, n, RATE, HARK_SAMPLE_S16), HARK_OK);
    free(x);
}

static int setup(void **state)
{
    (void)state;
    openblas_set_num_threads(1);
    snprintf(corpus_dir, sizeof corpus_dir, "%s", tu_tmpdir());
    snprintf(manifest, sizeof manifest, "%s/train.tsv", corpus_dir);
    FILE *f = fopen(manifest, "w");
    assert_non_null(f);
    uint64_t rng = 3;
    for (int i = 0; i < 24; i++) {
        char text[16] = "", path[700], name[32];
        int words = 1 + (int)(hark_augment_rng_uniform(&rng) * 3);
        for (int w = 0; w < words; w++)
            strcat(text, hark_augment_rng_uniform(&rng) < 0.5 ? (w ? " a" : "a") : (w ? " b" : "b"));
        snprintf(name, sizeof name, "u%02d.wav", i);
        snprintf(path, sizeof path, "%s/%s", corpus_dir, name);
        write_utt(path, text);
        fprintf(f, "%s\t%s\n", name, text);
    }
    fclose(f);
    return 0;
}

static hark_train_config tiny_config(const char *out)
{
    hark_train_config c = hark_train_default_config();
    c.train = manifest;
    c.output = out;
    c.feat.sample_rate = RATE;
    c.feat.num_ceps = 13;
    c.feat.delta_order = 0;
    c.net.hidden = 16;
    c.net.n_layers = 1;
    c.net.stack = 2;
    c.net.dropout = 0.1f;
    c.batch = 4;
    c.lr = 1e-2f;
    c.warmup = 4;
    c.epochs = 12;
    c.checkpoint_every = 0;
    return c;
}

typedef struct record {
    double first_epoch_loss, last_loss;
    int last_epoch;
    long steps;
    long stop_at; /* interrupt after this step (0: never) */
    int checkpoints;
} record;

static int on_progress(const hark_train_progress *p, void *user)
{
    record *r = user;
    if (p->event == HARK_TRAIN_CHECKPOINT)
        r->checkpoints++;
    if (p->event != HARK_TRAIN_STEP)
        return 0;
    if (p->epoch == 1)
        r->first_epoch_loss = p->loss;
    r->last_loss = p->loss;
    r->last_epoch = p->epoch;
    r->steps = p->step;
    assert_true(isfinite(p->loss) && p->lr > 0);
    return r->stop_at > 0 && p->step >= r->stop_at;
}

static const char *path_in(const char *name)
{
    static char buf[8][700];
    static int k;
    k = (k + 1) % 8;
    snprintf(buf[k], sizeof buf[k], "%s/%s", corpus_dir, name);
    return buf[k];
}

static void test_loss_falls(void **state)
{
    (void)state;
    hark_train_config c = tiny_config(path_in("fall.hark"));
    record r = {0};
    assert_int_equal(hark_train(&c, on_progress, &r), HARK_OK);
    assert_int_equal(r.last_epoch, 12);
    assert_int_equal(r.steps, 12 * 6);
    /* The mean loss of the last epoch is well under the first's. */
    assert_true(r.last_loss < 0.5 * r.first_epoch_loss);
    hark_model *m = hark_model_load(c.output);
    assert_non_null(m);
    /* The alphabet is the transcripts' characters; provenance says what was done. */
    assert_string_equal(hark_model_alphabet(m), " ab");
    assert_non_null(strstr(hark_model_get_meta(m, "provenance"), "\"steps\":72"));
    assert_int_equal(hark_model_feature_config(m)->cmvn, HARK_CMVN_GLOBAL);
    hark_model_free(m);
}

/* Live CMVN: learns as well, stores its windows and the std of the sliding-mean-normalised
 * features (smaller than the raw features' global std: the utterances' own offsets are gone). A
 * global-CMVN checkpoint resumed with live CMVN switches to it and keeps it. */
static void test_live_cmvn(void **state)
{
    (void)state;
    hark_train_config c = tiny_config(path_in("live.hark"));
    c.feat.cmvn = HARK_CMVN_LIVE;
    c.feat.cmvn_window = 50;
    c.feat.cmvn_min_window = 10;
    record r = {0};
    assert_int_equal(hark_train(&c, on_progress, &r), HARK_OK);
    assert_true(r.last_loss < 0.5 * r.first_epoch_loss);
    hark_train_config g = tiny_config(path_in("live_g.hark"));
    g.max_steps = 3;
    g.checkpoint = path_in("live_g.ckpt");
    assert_int_equal(hark_train(&g, NULL, NULL), HARK_OK);
    hark_model *ml = hark_model_load(c.output), *mg = hark_model_load(g.output);
    assert_non_null(ml);
    assert_non_null(mg);
    const hark_mfcc_config *fl = hark_model_feature_config(ml), *fg = hark_model_feature_config(mg);
    assert_int_equal(fl->cmvn, HARK_CMVN_LIVE);
    assert_int_equal(fl->cmvn_window, 50);
    assert_int_equal(fl->cmvn_min_window, 10);
    assert_int_equal(fg->cmvn, HARK_CMVN_GLOBAL);
    assert_true(fl->cmvn_std[0] < fg->cmvn_std[0]); /* c0, the log energy: each file's level */
    hark_model_free(mg);

    /* Resume the global run with live CMVN: the features switch, the statistics are the live
     * run's (same data, same seed), the steps go on. */
    g.resume = g.checkpoint;
    g.max_steps = 6;
    g.feat.cmvn = HARK_CMVN_LIVE;
    g.feat.cmvn_window = 50;
    g.feat.cmvn_min_window = 10;
    record rs = {0};
    assert_int_equal(hark_train(&g, on_progress, &rs), HARK_OK);
    assert_int_equal(rs.steps, 6);
    mg = hark_model_load(g.output);
    assert_non_null(mg);
    fg = hark_model_feature_config(mg);
    assert_int_equal(fg->cmvn, HARK_CMVN_LIVE);
    assert_memory_equal(fg->cmvn_std, fl->cmvn_std, 13 * sizeof(float));
    hark_model_free(mg);
    /* Resumed again without asking: still live. */
    g.feat.cmvn = HARK_CMVN_NONE;
    g.max_steps = 8;
    assert_int_equal(hark_train(&g, NULL, NULL), HARK_OK);
    mg = hark_model_load(g.output);
    assert_non_null(mg);
    assert_int_equal(hark_model_feature_config(mg)->cmvn, HARK_CMVN_LIVE);
    hark_model_free(mg);
    hark_model_free(ml);
}

static void assert_same_weights(const char *a, const char *b)
{
    hark_model *ma = hark_model_load(a), *mb = hark_model_load(b);
    assert_non_null(ma);
    assert_non_null(mb);
    size_t n = hark_net_num_params(hark_model_net(ma));
    assert_int_equal(n, hark_net_num_params(hark_model_net(mb)));
    assert_memory_equal(hark_net_params_const(hark_model_net(ma)),
                        hark_net_params_const(hark_model_net(mb)), n * sizeof(float));
    hark_model_free(ma);
    hark_model_free(mb);
}

/* Augmentation on, so the RNG state must survive the checkpoint too. */
static hark_train_config aug_config(const char *out)
{
    hark_train_config c = tiny_config(out);
    c.epochs = 3;
    c.speed_min = 0.9f;
    c.speed_max = 1.1f;
    c.gain_db = 6;
    c.tilt = 0.5f;
    c.specaugment = 1;
    c.spec.time_width = 3;
    c.spec.freq_width = 2;
    return c;
}

static void test_resume_is_exact(void **state)
{
    (void)state;
    /* 2N steps in one go... */
    hark_train_config a = aug_config(path_in("a.hark"));
    a.max_steps = 10;
    assert_int_equal(hark_train(&a, NULL, NULL), HARK_OK);
    /* ...equals N steps, then N more from the checkpoint (N = 7 crosses an epoch boundary). */
    hark_train_config b = aug_config(path_in("b.hark"));
    b.max_steps = 7;
    b.checkpoint = path_in("b.ckpt");
    assert_int_equal(hark_train(&b, NULL, NULL), HARK_OK);
    b.max_steps = 10;
    b.resume = b.checkpoint;
    assert_int_equal(hark_train(&b, NULL, NULL), HARK_OK);
    assert_same_weights(a.output, b.output);
    /* A different seed really gives different weights (the comparison can fail). */
    hark_train_config d = aug_config(path_in("d.hark"));
    d.max_steps = 10;
    d.seed = 2;
    assert_int_equal(hark_train(&d, NULL, NULL), HARK_OK);
    hark_model *ma = hark_model_load(a.output), *md = hark_model_load(d.output);
    assert_non_null(ma);
    assert_non_null(md);
    assert_memory_not_equal(hark_net_params_const(hark_model_net(ma)),
                            hark_net_params_const(hark_model_net(md)),
                            hark_net_num_params(hark_model_net(ma)) * sizeof(float));
    hark_model_free(ma);
    hark_model_free(md);
}

/* Rooms, telephone line and VTLP on top: still exact across a checkpoint, recorded in the
 * provenance, and they change what is learnt. */
static void test_room_phone_vtlp(void **state)
{
    (void)state;
    hark_train_config a = aug_config(path_in("rpv_a.hark"));
    a.vtlp = 0.1f;
    a.reverb_prob = 0.5f;
    a.telephone_prob = 0.3f;
    a.max_steps = 8;
    assert_int_equal(hark_train(&a, NULL, NULL), HARK_OK);
    hark_train_config b = a;
    b.output = path_in("rpv_b.hark");
    b.checkpoint = path_in("rpv_b.ckpt");
    b.max_steps = 5;
    assert_int_equal(hark_train(&b, NULL, NULL), HARK_OK);
    b.max_steps = 8;
    b.resume = b.checkpoint;
    assert_int_equal(hark_train(&b, NULL, NULL), HARK_OK);
    assert_same_weights(a.output, b.output);
    hark_model *m = hark_model_load(a.output);
    assert_non_null(m);
    assert_non_null(strstr(hark_model_get_meta(m, "provenance"), "\"reverb_prob\":0.5"));
    hark_model_free(m);
    hark_train_config plain = aug_config(path_in("rpv_p.hark"));
    plain.max_steps = 8;
    assert_int_equal(hark_train(&plain, NULL, NULL), HARK_OK);
    hark_model *ma = hark_model_load(a.output), *mp = hark_model_load(plain.output);
    assert_non_null(ma);
    assert_non_null(mp);
    assert_memory_not_equal(hark_net_params_const(hark_model_net(ma)),
                            hark_net_params_const(hark_model_net(mp)),
                            hark_net_num_params(hark_model_net(ma)) * sizeof(float));
    hark_model_free(ma);
    hark_model_free(mp);
    /* Out-of-range settings are refused before any work. */
    a.vtlp = 0.9f;
    a.max_steps = 1;
    assert_int_equal(hark_train(&a, NULL, NULL), HARK_ERR_INVALID_ARG);
}

static void test_interrupt_checkpoints(void **state)
{
    (void)state;
    hark_train_config a = aug_config(path_in("ia.hark"));
    a.max_steps = 9;
    assert_int_equal(hark_train(&a, NULL, NULL), HARK_OK);
    /* The callback asks to stop after step 4 (what Ctrl-C does in the CLI). */
    hark_train_config b = aug_config(path_in("ib.hark"));
    b.max_steps = 9;
    record r = {.stop_at = 4};
    assert_int_equal(hark_train(&b, on_progress, &r), HARK_ERR_INTERRUPTED);
    assert_non_null(strstr(hark_last_error(), "ib.hark.ckpt"));
    assert_int_equal(r.steps, 4);
    assert_int_equal(r.checkpoints, 1);
    /* The checkpoint is a usable model too. */
    hark_model *m = hark_model_load(path_in("ib.hark.ckpt"));
    assert_non_null(m);
    hark_model_free(m);
    b.resume = path_in("ib.hark.ckpt");
    assert_int_equal(hark_train(&b, NULL, NULL), HARK_OK);
    assert_same_weights(a.output, b.output);
    /* A plain model is not a checkpoint. */
    hark_train_config c = aug_config(path_in("ic.hark"));
    c.resume = a.output;
    assert_int_equal(hark_train(&c, NULL, NULL), HARK_ERR_FORMAT);
    assert_non_null(strstr(hark_last_error(), "checkpoint"));
}

/* Fine-tuning (init): the run starts from the base model's weights (its first loss is far below a
 * fresh model's), keeps its network and CMVN statistics whatever the config says, counts its own
 * steps, keeps the base's provenance, and really trains. */
static void test_init_fine_tunes(void **state)
{
    (void)state;
    hark_train_config base = tiny_config(path_in("base.hark"));
    assert_int_equal(hark_train(&base, NULL, NULL), HARK_OK);
    hark_train_config fresh = tiny_config(path_in("fresh.hark"));
    fresh.max_steps = 1;
    record rf = {0};
    assert_int_equal(hark_train(&fresh, on_progress, &rf), HARK_OK);

    hark_train_config ft = tiny_config(path_in("ft.hark"));
    ft.init = base.output;
    ft.net.hidden = 32;            /* not used: the base's network is kept */
    ft.feat.sample_rate = 16000;   /* nor its features */
    ft.max_steps = 1;
    record r1 = {0};
    assert_int_equal(hark_train(&ft, on_progress, &r1), HARK_OK);
    assert_int_equal(r1.steps, 1);
    assert_true(r1.last_loss < 0.5 * rf.last_loss);
    ft.max_steps = 3;
    assert_int_equal(hark_train(&ft, NULL, NULL), HARK_OK);

    hark_model *mb = hark_model_load(base.output), *mf = hark_model_load(ft.output);
    assert_non_null(mb);
    assert_non_null(mf);
    size_t n = hark_net_num_params(hark_model_net(mb));
    assert_int_equal(hark_net_num_params(hark_model_net(mf)), n);
    assert_int_equal(hark_net_get_config(hark_model_net(mf))->hidden, 16);
    const hark_mfcc_config *fb = hark_model_feature_config(mb), *ff = hark_model_feature_config(mf);
    assert_int_equal(ff->sample_rate, RATE);
    assert_memory_equal(ff->cmvn_mean, fb->cmvn_mean, 13 * sizeof(float));
    assert_memory_not_equal(hark_net_params_const(hark_model_net(mb)),
                            hark_net_params_const(hark_model_net(mf)), n * sizeof(float));
    assert_string_equal(hark_model_alphabet(mf), " ab");
    assert_non_null(strstr(hark_model_get_meta(mf, "provenance"), "\"steps\":3,"));
    const char *bp = hark_model_get_meta(mf, "base_provenance");
    assert_non_null(bp);
    assert_non_null(strstr(bp, "\"steps\":72,"));
    assert_null(hark_model_get_meta(mf, "checkpoint"));
    hark_model_free(mb);
    hark_model_free(mf);

    /* A fine-tune of the fine-tune keeps the whole chain. */
    hark_train_config ft2 = tiny_config(path_in("ft2.hark"));
    ft2.init = ft.output;
    ft2.max_steps = 1;
    assert_int_equal(hark_train(&ft2, NULL, NULL), HARK_OK);
    hark_model *m2 = hark_model_load(ft2.output);
    assert_non_null(m2);
    bp = hark_model_get_meta(m2, "base_provenance");
    assert_non_null(bp);
    assert_non_null(strstr(bp, "\"steps\":3,"));
    assert_non_null(strstr(bp, "\"base\":{"));
    assert_non_null(strstr(bp, "\"steps\":72,"));
    hark_model_free(m2);

    /* Not with resume; a missing base is reported by name. */
    ft2.resume = ft.checkpoint ? ft.checkpoint : path_in("ft.hark.ckpt");
    assert_int_equal(hark_train(&ft2, NULL, NULL), HARK_ERR_INVALID_ARG);
    ft2.resume = NULL;
    ft2.init = path_in("no-such-model.hark");
    assert_int_not_equal(hark_train(&ft2, NULL, NULL), HARK_OK);
    assert_non_null(strstr(hark_last_error(), "no-such-model.hark"));
}

static void test_dev_keeps_best(void **state)
{
    (void)state;
    hark_train_config c = tiny_config(path_in("dev.hark"));
    c.dev = manifest;
    c.epochs = 4;
    record r = {0};
    assert_int_equal(hark_train(&c, on_progress, &r), HARK_OK);
    hark_model *m = hark_model_load(c.output);
    assert_non_null(m);
    assert_non_null(strstr(hark_model_get_meta(m, "provenance"), "dev_cer"));
    hark_model_free(m);
}

static void test_bad_inputs(void **state)
{
    (void)state;
    hark_train_config c = tiny_config(path_in("bad.hark"));
    c.train = path_in("no-such-manifest.tsv");
    assert_int_not_equal(hark_train(&c, NULL, NULL), HARK_OK);
    assert_non_null(strstr(hark_last_error(), "no-such-manifest.tsv"));
    c = tiny_config(NULL);
    assert_int_equal(hark_train(&c, NULL, NULL), HARK_ERR_INVALID_ARG);
    c = tiny_config(path_in("bad.hark"));
    c.batch = 0;
    assert_int_equal(hark_train(&c, NULL, NULL), HARK_ERR_INVALID_ARG);
    /* A transcript longer than its audio has frames cannot be aligned: skipped and counted. */
    char impossible[700];
    snprintf(impossible, sizeof impossible, "%s/impossible.tsv", corpus_dir);
    write_utt(path_in("short.wav"), "a");
    FILE *f = fopen(impossible, "w");
    assert_non_null(f);
    fprintf(f, "short.wav\ta b a b a b a b a b a b a b a b a b\nu00.wav\ta\nu01.wav\tb\n");
    fclose(f);
    c = tiny_config(path_in("skip.hark"));
    c.train = impossible;
    c.epochs = 2;
    c.batch = 1;
    hark_train_progress last;
    memset(&last, 0, sizeof last);
    assert_int_equal(hark_train(&c, (hark_train_callback)NULL, NULL), HARK_OK);
    hark_model *m = hark_model_load(c.output);
    assert_non_null(m);
    /* The weights stayed finite. */
    const float *p = hark_net_params_const(hark_model_net(m));
    for (size_t i = 0; i < hark_net_num_params(hark_model_net(m)); i++)
        assert_true(isfinite(p[i]));
    hark_model_free(m);
}

typedef struct losses {
    double loss[64];
    long n;
} losses;

static int record_losses(const hark_train_progress *p, void *user)
{
    losses *l = user;
    if (p->event == HARK_TRAIN_STEP && l->n < 64)
        l->loss[l->n++] = p->loss;
    return 0;
}

/* Two data-parallel worker threads give what one gives, step by step, up to float summation
 * order (each thread's gradient is a GEMM over half the batch; the halves are added after):
 * 1e-5 relative on the losses, 1e-5 absolute on the weights. Dropout and augmentation are on:
 * both draw per utterance, so the split does not change them. */
static void test_threads_match(void **state)
{
    (void)state;
    hark_train_config a = aug_config(path_in("th1.hark"));
    a.net.n_layers = 2; /* dropout acts between layers */
    a.net.dropout = 0.2f;
    a.max_steps = 20;
    a.epochs = 4;
    hark_train_config b = a;
    b.output = path_in("th2.hark");
    b.threads = 2;
    losses la = {0}, lb = {0};
    assert_int_equal(hark_train(&a, record_losses, &la), HARK_OK);
    assert_int_equal(hark_train(&b, record_losses, &lb), HARK_OK);
    assert_int_equal(la.n, 20);
    assert_int_equal(lb.n, 20);
    for (long i = 0; i < la.n; i++)
        assert_true(fabs(la.loss[i] - lb.loss[i]) <= 1e-5 * fabs(la.loss[i]));
    hark_model *ma = hark_model_load(a.output), *mb = hark_model_load(b.output);
    assert_non_null(ma);
    assert_non_null(mb);
    const float *pa = hark_net_params_const(hark_model_net(ma));
    const float *pb = hark_net_params_const(hark_model_net(mb));
    for (size_t i = 0; i < hark_net_num_params(hark_model_net(ma)); i++)
        assert_true(fabsf(pa[i] - pb[i]) <= 1e-5f);
    hark_model_free(ma);
    hark_model_free(mb);
    /* The same thread count twice is bit-exact (the sum does not depend on scheduling). */
    hark_train_config c = b;
    c.output = path_in("th3.hark");
    assert_int_equal(hark_train(&c, NULL, NULL), HARK_OK);
    assert_same_weights(b.output, c.output);
}

static int record_cer(const hark_train_progress *p, void *user)
{
    if (p->event == HARK_TRAIN_EVAL)
        *(double *)user = p->dev_cer;
    return 0;
}

/* Dev evaluation split over 2 threads scores as 1 thread does (the weights differ only in the
 * last bits, so the greedy transcripts agree). */
static void test_threads_evaluate(void **state)
{
    (void)state;
    hark_train_config a = tiny_config(path_in("ev1.hark"));
    a.dev = manifest;
    a.epochs = 3;
    hark_train_config b = a;
    b.output = path_in("ev2.hark");
    b.threads = 2;
    double ca = -1, cb = -1;
    assert_int_equal(hark_train(&a, record_cer, &ca), HARK_OK);
    assert_int_equal(hark_train(&b, record_cer, &cb), HARK_OK);
    assert_true(ca >= 0 && ca < 1);
    assert_true(fabs(ca - cb) <= 0.01);
}

static int count_skips(const hark_train_progress *p, void *user)
{
    *(long *)user = p->skipped;
    return 0;
}

static void test_skips_reported(void **state)
{
    (void)state;
    char impossible[700];
    snprintf(impossible, sizeof impossible, "%s/impossible2.tsv", corpus_dir);
    write_utt(path_in("short2.wav"), "a");
    FILE *f = fopen(impossible, "w");
    assert_non_null(f);
    fprintf(f, "short2.wav\ta b a b a b a b a b a b a b a b a b\nu00.wav\ta\n");
    fclose(f);
    hark_train_config c = tiny_config(path_in("skip2.hark"));
    c.train = impossible;
    c.epochs = 3;
    c.batch = 2;
    long skipped = 0;
    assert_int_equal(hark_train(&c, count_skips, &skipped), HARK_OK);
    assert_int_equal(skipped, 3); /* once per epoch */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_loss_falls),
        cmocka_unit_test(test_resume_is_exact),
        cmocka_unit_test(test_live_cmvn),
        cmocka_unit_test(test_room_phone_vtlp),
        cmocka_unit_test(test_interrupt_checkpoints),
        cmocka_unit_test(test_init_fine_tunes),
        cmocka_unit_test(test_dev_keeps_best),
        cmocka_unit_test(test_bad_inputs),
        cmocka_unit_test(test_skips_reported),
        cmocka_unit_test(test_threads_match),
        cmocka_unit_test(test_threads_evaluate),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
