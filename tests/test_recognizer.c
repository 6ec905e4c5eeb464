/* test_recognizer.c - streaming recognition gives what whole-utterance transcription gives:
 * unidirectional nets fed in random chunks, bidirectional nets buffered to the end; recognizers
 * reset between utterances; degenerate inputs give empty transcripts, not errors. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

static hark_model *model(int bi, hark_cell cell, int stack)
{
    hark_mfcc_config fc = hark_mfcc_default_config();
    fc.sample_rate = 8000;
    /* CMVN statistics of the right size so streams are allowed; the values only scale. */
    fc.cmvn = HARK_CMVN_GLOBAL;
    fc.cmvn_dim = hark_mfcc_dim(&fc);
    for (int d = 0; d < fc.cmvn_dim; d++) {
        fc.cmvn_mean[d] = d == 0 ? 15.0f : 0.0f;
        fc.cmvn_std[d] = d == 0 ? 3.0f : 10.0f;
    }
    hark_net_config nc = hark_net_default_config();
    nc.n_input = hark_mfcc_dim(&fc);
    nc.hidden = 24;
    nc.n_layers = 2;
    nc.stack = stack;
    nc.bidirectional = bi;
    nc.cell = cell;
    nc.n_output = 29;
    hark_model *m = hark_model_create(&nc, &fc, NULL, 11);
    assert_non_null(m);
    /* Larger output weights so random nets emit plenty of symbols, not just blanks. */
    hark_net *net = hark_model_net_mut(m);
    for (int i = 0; i < hark_net_num_tensors(net); i++) {
        hark_tensor_info ti;
        assert_int_equal(hark_net_tensor(net, i, &ti), HARK_OK);
        if (strcmp(ti.name, "out.weight") == 0)
            for (size_t j = 0; j < ti.numel; j++)
                hark_net_params(net)[ti.offset + j] *= 8;
    }
    return m;
}

/* A second of a gliding tone with noise: enough structure for varied outputs. */
static float *signal(size_t n, uint64_t seed)
{
    float *x = malloc(n * sizeof *x);
    assert_non_null(x);
    uint64_t s = seed;
    for (size_t i = 0; i < n; i++) {
        double u = hark_augment_rng_uniform(&s) - 0.5;
        x[i] = (float)(0.3 * sin(0.05 * (double)i + 1e-5 * (double)i * (double)i) + 0.05 * u);
    }
    return x;
}

/* The reference the one inference path must match: whole-utterance features and one batched
 * forward, decoded greedily (what the trainer's dev evaluation does), over the audio followed by
 * `tail` seconds of silence (a streaming recognizer's finish, hark/model.h). */
static void reference(const hark_model *m, const float *x, size_t n, double tail,
                      hark_transcript *out)
{
    hark_mfcc *mf = hark_mfcc_create(hark_model_feature_config(m));
    assert_non_null(mf);
    size_t nt = (size_t)(tail * hark_model_sample_rate(m) + 0.5);
    float *padded = calloc(n + nt, sizeof *padded);
    assert_non_null(padded);
    memcpy(padded, x, n * sizeof *x);
    float *feats = NULL;
    size_t T = 0;
    assert_int_equal(hark_mfcc_compute_alloc(mf, padded, n + nt, &feats, &T), HARK_OK);
    free(padded);
    assert_true(T > 0);
    hark_net_ws *ws = hark_net_ws_create_inference(hark_model_net(m), 1, (int)T);
    assert_non_null(ws);
    int len = (int)T, out_len = 0;
    const float *lp = NULL;
    assert_int_equal(hark_net_forward(hark_model_net(m), ws, feats, &len, 1, len, 0, NULL, &lp,
                                      &out_len, NULL),
                     HARK_OK);
    const hark_net_config *nc = hark_net_get_config(hark_model_net(m));
    assert_int_equal(hark_decode_greedy(lp, out_len, nc->n_output, hark_model_alphabet(m),
                                        hark_model_frame_seconds(m), out),
                     HARK_OK);
    hark_net_ws_free(ws);
    free(feats);
    hark_mfcc_free(mf);
}

static void stream_equals_whole(int bi, hark_cell cell, int stack)
{
    hark_model *m = model(bi, cell, stack);
    size_t n = 8000 + 1234;
    float *x = signal(n, 5);
    hark_transcript whole = {0}, streamed = {0};
    hark_transcript ref = {0};
    reference(m, x, n, bi ? 0 : HARK_RECOGNIZER_TAIL_SECONDS, &ref);
    assert_int_equal(hark_model_transcribe_samples(m, x, n, &whole), HARK_OK);
    assert_true(strlen(whole.text) > 0); /* otherwise the comparison proves little */
    assert_string_equal(whole.text, ref.text);
    assert_float_equal(whole.confidence, ref.confidence, 1e-4);
    /* The tail is not audio: the duration is the samples', and every word lies inside them. */
    assert_float_equal(whole.duration, (double)n / 8000, 1e-9);
    assert_true(whole.n_words > 0);
    for (size_t i = 0; i < whole.n_words; i++)
        assert_true(whole.words[i].start <= whole.words[i].end &&
                    whole.words[i].end <= whole.duration);
    assert_true(whole.end <= whole.duration);
    hark_transcript_clear(&ref);
    hark_recognizer *r = hark_recognizer_create(m);
    assert_non_null(r);
    assert_int_equal(hark_recognizer_is_streaming(r), !bi);
    for (int round = 0; round < 3; round++) {
        uint64_t rng = 100 + (uint64_t)round;
        size_t at = 0;
        char partial[256];
        while (at < n) {
            size_t chunk = 1 + (size_t)(hark_augment_rng_uniform(&rng) * 900);
            if (chunk > n - at)
                chunk = n - at;
            assert_int_equal(hark_recognizer_push(r, x + at, chunk), HARK_OK);
            assert_int_equal(hark_recognizer_partial(r, partial, sizeof partial), HARK_OK);
            at += chunk;
        }
        assert_int_equal(hark_recognizer_finish(r, &streamed), HARK_OK);
        assert_string_equal(streamed.text, whole.text);
        assert_float_equal(streamed.confidence, whole.confidence, 1e-4);
        assert_int_equal(streamed.n_words, whole.n_words);
        assert_float_equal(streamed.duration, (double)n / 8000, 1e-9);
        /* finish resets: the next round starts from nothing */
        assert_int_equal(hark_recognizer_partial(r, partial, sizeof partial), HARK_OK);
        assert_string_equal(partial, "");
    }
    hark_transcript_clear(&whole);
    hark_transcript_clear(&streamed);
    hark_recognizer_free(r);
    free(x);
    hark_model_free(m);
}

static void test_unidirectional_gru(void **state)
{
    (void)state;
    stream_equals_whole(0, HARK_CELL_GRU, 3);
}

static void test_unidirectional_lstm(void **state)
{
    (void)state;
    stream_equals_whole(0, HARK_CELL_LSTM, 2);
}

static void test_bidirectional(void **state)
{
    (void)state;
    stream_equals_whole(1, HARK_CELL_GRU, 2);
}

/* A buffered (bidirectional) recognizer's partial is the greedy transcript of the audio so far:
 * with everything pushed it equals the whole-utterance result; it is refreshed only after 0.2 s
 * of new audio. */
static void test_bidirectional_partials(void **state)
{
    (void)state;
    hark_model *m = model(1, HARK_CELL_GRU, 2);
    size_t n = 8000 + 1234;
    float *x = signal(n, 5);
    hark_transcript whole = {0};
    assert_int_equal(hark_model_transcribe_samples(m, x, n, &whole), HARK_OK);
    assert_true(strlen(whole.text) > 0);
    hark_recognizer *r = hark_recognizer_create(m);
    assert_non_null(r);
    char p[256], again[256];
    assert_int_equal(hark_recognizer_partial(r, p, sizeof p), HARK_OK);
    assert_string_equal(p, "");
    assert_int_equal(hark_recognizer_push(r, x, n), HARK_OK);
    assert_int_equal(hark_recognizer_partial(r, p, sizeof p), HARK_OK);
    assert_string_equal(p, whole.text);
    /* 0.1 s more: not yet re-decoded, the same partial comes back */
    float *quiet = calloc(800, sizeof *quiet);
    assert_non_null(quiet);
    assert_int_equal(hark_recognizer_push(r, quiet, 800), HARK_OK);
    assert_int_equal(hark_recognizer_partial(r, again, sizeof again), HARK_OK);
    assert_string_equal(again, p);
    hark_recognizer_reset(r);
    assert_int_equal(hark_recognizer_partial(r, p, sizeof p), HARK_OK);
    assert_string_equal(p, "");
    free(quiet);
    hark_transcript_clear(&whole);
    hark_recognizer_free(r);
    free(x);
    hark_model_free(m);
}

/* Reserving buffers for long utterances changes no result, for streaming and buffered
 * recognizers alike, and a bad length is refused. */
static void test_reserve(void **state)
{
    (void)state;
    for (int bidi = 0; bidi < 2; bidi++) {
        hark_model *m = model(bidi, HARK_CELL_GRU, 2);
        size_t n = 8000 + 777;
        float *x = signal(n, 7);
        hark_transcript plain = {0}, reserved = {0};
        hark_recognizer *a = hark_recognizer_create(m), *b = hark_recognizer_create(m);
        assert_non_null(a);
        assert_non_null(b);
        assert_int_equal(hark_recognizer_reserve(b, 3.0), HARK_OK);
        assert_int_equal(hark_recognizer_reserve(b, 1.0), HARK_OK); /* smaller: nothing to do */
        assert_int_equal(hark_recognizer_reserve(b, -1.0), HARK_ERR_INVALID_ARG);
        assert_int_equal(hark_recognizer_reserve(b, NAN), HARK_ERR_INVALID_ARG);
        assert_int_equal(hark_recognizer_reserve(NULL, 1.0), HARK_ERR_INVALID_ARG);
        assert_int_equal(hark_recognizer_push(a, x, n), HARK_OK);
        assert_int_equal(hark_recognizer_push(b, x, n), HARK_OK);
        assert_int_equal(hark_recognizer_finish(a, &plain), HARK_OK);
        assert_int_equal(hark_recognizer_finish(b, &reserved), HARK_OK);
        assert_string_equal(plain.text, reserved.text);
        assert_true(fabsf(plain.confidence - reserved.confidence) < 1e-6f);
        hark_transcript_clear(&plain);
        hark_transcript_clear(&reserved);
        hark_recognizer_free(a);
        hark_recognizer_free(b);
        free(x);
        hark_model_free(m);
    }
}

static void test_partials_grow(void **state)
{
    (void)state;
    hark_model *m = model(0, HARK_CELL_GRU, 1);
    hark_recognizer *r = hark_recognizer_create(m);
    assert_non_null(r);
    float *x = signal(8000, 9);
    char p1[512], p2[512];
    assert_int_equal(hark_recognizer_push(r, x, 4000), HARK_OK);
    assert_int_equal(hark_recognizer_partial(r, p1, sizeof p1), HARK_OK);
    assert_true(strlen(p1) > 0);
    assert_int_equal(hark_recognizer_push(r, x + 4000, 4000), HARK_OK);
    assert_int_equal(hark_recognizer_partial(r, p2, sizeof p2), HARK_OK);
    assert_true(strlen(p2) >= strlen(p1));
    /* A tiny buffer truncates, never overflows. */
    char tiny[3];
    assert_int_equal(hark_recognizer_partial(r, tiny, sizeof tiny), HARK_OK);
    assert_true(strlen(tiny) <= 2);
    /* reset drops what was pushed */
    hark_recognizer_reset(r);
    assert_int_equal(hark_recognizer_partial(r, p1, sizeof p1), HARK_OK);
    assert_string_equal(p1, "");
    free(x);
    hark_recognizer_free(r);
    hark_model_free(m);
}

static void test_degenerate_inputs(void **state)
{
    (void)state;
    for (int bi = 0; bi < 2; bi++) {
        hark_model *m = model(bi, HARK_CELL_GRU, 2);
        hark_recognizer *r = hark_recognizer_create(m);
        assert_non_null(r);
        hark_transcript t = {0};
        /* Nothing pushed, and less than one frame: empty transcripts. */
        assert_int_equal(hark_recognizer_finish(r, &t), HARK_OK);
        assert_string_equal(t.text, "");
        float few[50] = {0};
        assert_int_equal(hark_recognizer_push(r, few, 50), HARK_OK);
        assert_int_equal(hark_recognizer_finish(r, &t), HARK_OK);
        assert_string_equal(t.text, "");
        assert_int_equal(hark_model_transcribe_samples(m, few, 50, &t), HARK_OK);
        assert_string_equal(t.text, "");
        assert_int_equal(hark_recognizer_push(r, NULL, 10), HARK_ERR_INVALID_ARG);
        hark_transcript_clear(&t);
        hark_recognizer_free(r);
        hark_model_free(m);
    }
    assert_null(hark_recognizer_create(NULL));
}

static void test_closed_vocabulary(void **state)
{
    (void)state;
    hark_model *m = model(1, HARK_CELL_GRU, 2);
    hark_recognizer *r = hark_recognizer_create(m);
    assert_non_null(r);
    float *x = signal(8000, 21);
    const char *phrases[] = {"yes", "no", "stop", ""};
    assert_int_equal(hark_recognizer_set_phrases(r, phrases, 4), HARK_OK);
    hark_transcript t = {0};
    assert_int_equal(hark_recognizer_push(r, x, 8000), HARK_OK);
    assert_int_equal(hark_recognizer_finish(r, &t), HARK_OK);
    int found = 0;
    for (int i = 0; i < 4; i++)
        found |= strcmp(t.text, phrases[i]) == 0;
    assert_true(found);
    assert_true(t.confidence >= 0.25f && t.confidence <= 1.0f); /* the best of four */
    /* Outside the alphabet: refused, and the previous list stays in force. */
    const char *bad[] = {"Yes!"};
    assert_int_equal(hark_recognizer_set_phrases(r, bad, 1), HARK_ERR_INVALID_ARG);
    /* Back to open vocabulary: the greedy transcript of the same audio. */
    assert_int_equal(hark_recognizer_set_phrases(r, NULL, 0), HARK_OK);
    hark_transcript g = {0};
    assert_int_equal(hark_recognizer_push(r, x, 8000), HARK_OK);
    assert_int_equal(hark_recognizer_finish(r, &t), HARK_OK);
    assert_int_equal(hark_model_transcribe_samples(m, x, 8000, &g), HARK_OK);
    assert_string_equal(t.text, g.text);
    /* A fresh model has no stored phrases. */
    size_t n = 7;
    assert_null(hark_model_phrases(m, &n));
    assert_int_equal(n, 0);
    assert_int_equal(hark_model_set_meta(m, "phrases", "[\"yes\",\"no\"]"), HARK_OK);
    assert_non_null(hark_model_phrases(m, &n));
    assert_int_equal(n, 2);
    assert_int_equal(hark_model_set_meta(m, "phrases", "[\"Yes\"]"), HARK_ERR_FORMAT);
    assert_int_equal(hark_model_set_meta(m, "phrases", "{}"), HARK_ERR_FORMAT);
    hark_transcript_clear(&t);
    hark_transcript_clear(&g);
    free(x);
    hark_recognizer_free(r);
    hark_model_free(m);
}

/* A plugged-in decoder: finish names the frames it saw, advance counts them as they stream. */
typedef struct {
    int advanced, finished_T, resets;
} fake_dec;

static hark_status fake_finish(void *ctx, const float *lp, int T, int V, double fs,
                               hark_transcript *out)
{
    fake_dec *d = ctx;
    (void)lp;
    (void)V;
    (void)fs;
    d->finished_T = T;
    out->text = strdup("fake");
    return out->text ? HARK_OK : HARK_ERR_NOMEM;
}

static hark_status fake_advance(void *ctx, const float *lp, int n, int V)
{
    (void)lp;
    (void)V;
    ((fake_dec *)ctx)->advanced += n;
    return HARK_OK;
}

static hark_status fake_partial(void *ctx, char *buf, size_t cap)
{
    snprintf(buf, cap, "p%d", ((fake_dec *)ctx)->advanced);
    return HARK_OK;
}

static void fake_reset(void *ctx) { ((fake_dec *)ctx)->resets++; }

static void test_plugged_decoder(void **state)
{
    (void)state;
    for (int bi = 0; bi < 2; bi++) {
        hark_model *m = model(bi, HARK_CELL_GRU, 3);
        hark_recognizer *r = hark_recognizer_create(m);
        assert_non_null(r);
        assert_ptr_equal(hark_recognizer_model(r), m);
        fake_dec fd = {0};
        hark_recognizer_decoder d = {&fd, fake_finish, fake_advance, fake_partial, fake_reset};
        hark_recognizer_decoder half = d;
        half.partial = NULL;
        assert_int_equal(hark_recognizer_set_decoder(r, &half), HARK_ERR_INVALID_ARG);
        half = d;
        half.finish = NULL;
        assert_int_equal(hark_recognizer_set_decoder(r, &half), HARK_ERR_INVALID_ARG);
        assert_int_equal(hark_recognizer_set_decoder(r, &d), HARK_OK);
        float *x = signal(8000, 3);
        char p[64];
        assert_int_equal(hark_recognizer_push(r, x, 8000), HARK_OK);
        assert_int_equal(hark_recognizer_partial(r, p, sizeof p), HARK_OK);
        if (!bi) /* streaming: the decoder's own partial over the frames it was given */
            assert_true(p[0] == 'p' && atoi(p + 1) == fd.advanced && fd.advanced > 0);
        hark_transcript t = {0};
        int resets = fd.resets;
        assert_int_equal(hark_recognizer_finish(r, &t), HARK_OK);
        assert_string_equal(t.text, "fake");
        assert_true(fd.finished_T > 0);
        if (!bi) /* every output frame, the padded last stack included, went through advance */
            assert_int_equal(fd.advanced, fd.finished_T);
        assert_int_equal(fd.resets, resets + 1);
        /* Back to greedy. */
        assert_int_equal(hark_recognizer_set_decoder(r, NULL), HARK_OK);
        hark_transcript g = {0};
        assert_int_equal(hark_recognizer_push(r, x, 8000), HARK_OK);
        assert_int_equal(hark_recognizer_finish(r, &t), HARK_OK);
        assert_int_equal(hark_model_transcribe_samples(m, x, 8000, &g), HARK_OK);
        assert_string_equal(t.text, g.text);
        hark_transcript_clear(&t);
        hark_transcript_clear(&g);
        free(x);
        hark_recognizer_free(r);
        hark_model_free(m);
    }
}

/* Ready-made features (what the trainer holds) give what the samples give (the samples followed
 * by the streaming tail of silence, which features do not get); hark_recognizer_decode of
 * posteriors computed elsewhere gives what finish gives; samples and features do not mix. */
static void test_features_and_decode(void **state)
{
    (void)state;
    for (int bi = 0; bi < 2; bi++) {
        hark_model *m = model(bi, HARK_CELL_GRU, 2);
        size_t tail = bi ? 0 : (size_t)(HARK_RECOGNIZER_TAIL_SECONDS * 8000 + 0.5);
        float *x = calloc(9000 + tail, sizeof *x), *speech = signal(9000, 8);
        assert_non_null(x);
        memcpy(x, speech, 9000 * sizeof *x);
        free(speech);
        hark_transcript a = {0}, b = {0}, c = {0};
        assert_int_equal(hark_model_transcribe_samples(m, x, 9000, &a), HARK_OK);
        hark_mfcc *mf = hark_mfcc_create(hark_model_feature_config(m));
        float *feats = NULL;
        size_t T = 0;
        assert_int_equal(hark_mfcc_compute_alloc(mf, x, 9000 + tail, &feats, &T), HARK_OK);
        hark_recognizer *r = hark_recognizer_create(m);
        assert_non_null(r);
        assert_int_equal(hark_recognizer_push_features(r, feats, T / 2), HARK_OK);
        assert_int_equal(hark_recognizer_push(r, x, 10), HARK_ERR_INVALID_ARG);
        assert_int_equal(hark_recognizer_push_features(r, feats + (T / 2) * (size_t)hark_mfcc_dim(hark_model_feature_config(m)), T - T / 2), HARK_OK);
        assert_int_equal(hark_recognizer_finish(r, &b), HARK_OK);
        assert_string_equal(b.text, a.text);
        assert_float_equal(b.confidence, a.confidence, 1e-4);
        /* After finish, samples are welcome again. */
        assert_int_equal(hark_recognizer_push(r, x, 10), HARK_OK);
        assert_int_equal(hark_recognizer_push_features(r, feats, 1), HARK_ERR_INVALID_ARG);
        hark_recognizer_reset(r);
        /* decode() of the reference forward's posteriors. */
        hark_net_ws *ws = hark_net_ws_create_inference(hark_model_net(m), 1, (int)T);
        int len = (int)T, out_len = 0;
        const float *lp = NULL;
        assert_int_equal(hark_net_forward(hark_model_net(m), ws, feats, &len, 1, len, 0, NULL,
                                          &lp, &out_len, NULL),
                         HARK_OK);
        assert_int_equal(hark_recognizer_decode(r, lp, out_len, &c), HARK_OK);
        assert_string_equal(c.text, a.text);
        assert_int_equal(hark_recognizer_decode(r, NULL, 3, &c), HARK_ERR_INVALID_ARG);
        hark_net_ws_free(ws);
        hark_transcript_clear(&a);
        hark_transcript_clear(&b);
        hark_transcript_clear(&c);
        free(feats);
        hark_mfcc_free(mf);
        free(x);
        hark_recognizer_free(r);
        hark_model_free(m);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unidirectional_gru),
        cmocka_unit_test(test_plugged_decoder),
        cmocka_unit_test(test_features_and_decode),
        cmocka_unit_test(test_unidirectional_lstm),
        cmocka_unit_test(test_bidirectional),
        cmocka_unit_test(test_bidirectional_partials),
        cmocka_unit_test(test_partials_grow),
        cmocka_unit_test(test_reserve),
        cmocka_unit_test(test_degenerate_inputs),
        cmocka_unit_test(test_closed_vocabulary),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
