/* test_audio.c - audio loading in every format libsndfile writes, channel mixing, resampling on
 * load, raw PCM, memory images, WAV writing, and every kind of bad input (generated here in a
 * temporary directory): each must fail with the right status and a message naming the file. */
#include "testutil.h"

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sndfile.h>

#define PI 3.14159265358979323846

static const char *tmp_path(const char *name)
{
    static char buf[4][512];
    static int slot;
    char *b = buf[slot++ & 3];
    snprintf(b, sizeof buf[0], "%s/%s", tu_tmpdir(), name);
    return b;
}

static float *sine(size_t n, double freq, int rate, double amp)
{
    float *x = malloc(n * sizeof *x);
    for (size_t i = 0; i < n; i++)
        x[i] = (float)(amp * sin(2 * PI * freq * (double)i / rate));
    return x;
}

/* Write interleaved frames with libsndfile directly (independent of hark's writer). */
static void sf_write_file(const char *path, int format, int rate, int channels, const float *x,
                          size_t frames)
{
    SF_INFO info = {.samplerate = rate, .channels = channels, .format = format};
    SNDFILE *sf = sf_open(path, SFM_WRITE, &info);
    assert_non_null(sf);
    assert_int_equal(sf_writef_float(sf, x, (sf_count_t)frames), (sf_count_t)frames);
    sf_close(sf);
}

static void expect_error(const char *path, hark_status want, const char *word)
{
    float *x = (float *)1;
    size_t n = 99;
    hark_status st = hark_audio_load(path, 16000, &x, &n, NULL);
    if (st != want || !strstr(hark_last_error(), word) || !strstr(hark_last_error(), path))
        fail_msg("%s: status %d (want %d), message '%s' (want '%s' and the path)", path, st, want,
                 hark_last_error(), word);
    assert_null(x);
    assert_int_equal(n, 0);
    /* One line. */
    assert_null(strchr(hark_last_error(), '\n'));
}

static void test_formats(void **state)
{
    (void)state;
    const size_t n = 8000;
    float *x = sine(n, 440, 16000, 0.5);
    const struct {
        const char *name;
        int format;
        double tol; /* max |error| */
    } cases[] = {
        {"u8.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_U8, 1.0 / 64},
        {"s16.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16, 1.0 / 16384},
        {"s24.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_24, 1e-6},
        {"s32.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_32, 1e-6},
        {"f32.wav", SF_FORMAT_WAV | SF_FORMAT_FLOAT, 0},
        {"f64.wav", SF_FORMAT_WAV | SF_FORMAT_DOUBLE, 1e-7},
        {"s16.flac", SF_FORMAT_FLAC | SF_FORMAT_PCM_16, 1.0 / 16384},
        {"s24.flac", SF_FORMAT_FLAC | SF_FORMAT_PCM_24, 1e-6},
        {"s16.aiff", SF_FORMAT_AIFF | SF_FORMAT_PCM_16, 1.0 / 16384},
        {"vorbis.ogg", SF_FORMAT_OGG | SF_FORMAT_VORBIS, -1}, /* lossy: checked by RMS error */
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        const char *p = tmp_path(cases[c].name);
        sf_write_file(p, cases[c].format, 16000, 1, x, n);
        float *y;
        size_t m;
        int rate;
        assert_int_equal(hark_audio_load(p, 0, &y, &m, &rate), HARK_OK);
        assert_int_equal(rate, 16000);
        assert_int_equal(m, n);
        if (cases[c].tol >= 0) {
            if (!(tu_max_abs_diff(y, x, n) <= cases[c].tol))
                fail_msg("%s: max error %g > %g", cases[c].name, tu_max_abs_diff(y, x, n),
                         cases[c].tol);
        } else {
            double e = 0;
            for (size_t i = 0; i < n; i++)
                e += ((double)y[i] - x[i]) * ((double)y[i] - x[i]);
            assert_true(sqrt(e / (double)n) < 0.02);
        }
        hark_audio_info info;
        assert_int_equal(hark_audio_info_read(p, &info), HARK_OK);
        assert_int_equal(info.sample_rate, 16000);
        assert_int_equal(info.channels, 1);
        assert_int_equal(info.frames, n);
        assert_true(fabs(info.duration - 0.5) < 1e-9);
        assert_true(strlen(info.format) > 3);
        free(y);
    }
    free(x);
}

static void test_channels_mixed_to_mono(void **state)
{
    (void)state;
    const size_t n = 1000;
    for (int ch = 2; ch <= 6; ch += 4) {
        float *x = malloc(n * (size_t)ch * sizeof *x), *want = malloc(n * sizeof *want);
        for (size_t i = 0; i < n; i++) {
            double s = 0;
            for (int c = 0; c < ch; c++) {
                float v = (float)(0.1 * (c + 1) * sin(0.01 * (double)i * (c + 1)));
                x[i * (size_t)ch + (size_t)c] = v;
                s += v;
            }
            want[i] = (float)(s / ch);
        }
        const char *p = tmp_path("multi.wav");
        sf_write_file(p, SF_FORMAT_WAV | SF_FORMAT_FLOAT, 22050, ch, x, n);
        float *y;
        size_t m;
        assert_int_equal(hark_audio_load(p, 0, &y, &m, NULL), HARK_OK);
        assert_int_equal(m, n);
        assert_true(tu_max_abs_diff(y, want, n) < 1e-6);
        free(y);
        free(x);
        free(want);
    }
}

/* Loading with a target rate resamples with soxr: a 1 kHz tone stays a 1 kHz tone. */
static void test_resample_on_load(void **state)
{
    (void)state;
    const int rates[] = {8000, 22050, 44100, 48000};
    for (size_t r = 0; r < 4; r++) {
        size_t n = (size_t)rates[r]; /* one second */
        float *x = sine(n, 1000, rates[r], 0.5);
        const char *p = tmp_path("rate.wav");
        sf_write_file(p, SF_FORMAT_WAV | SF_FORMAT_FLOAT, rates[r], 1, x, n);
        float *y;
        size_t m;
        int orig;
        assert_int_equal(hark_audio_load(p, 16000, &y, &m, &orig), HARK_OK);
        assert_int_equal(orig, rates[r]);
        assert_int_equal(m, 16000);
        float *want = sine(m, 1000, 16000, 0.5);
        /* Ignore the filter's edge transients. */
        double err = tu_max_abs_diff(y + 200, want + 200, m - 400);
        if (!(err < 2e-3))
            fail_msg("%d -> 16000 Hz: max error %g", rates[r], err);
        free(want);
        free(y);
        free(x);
    }
}

/* The streaming resampler in random chunks gives what the whole-signal resampler gives. */
static void test_streaming_resampler(void **state)
{
    (void)state;
    const int pairs[][2] = {{8000, 16000}, {44100, 16000}, {16000, 8000}, {16000, 16000}};
    for (size_t p = 0; p < 4; p++) {
        int in_rate = pairs[p][0], out_rate = pairs[p][1];
        size_t n = (size_t)in_rate * 2 + 37;
        float *x = sine(n, 300, in_rate, 0.3);
        for (size_t i = 0; i < n; i++)
            x[i] += (float)(0.1 * sin(0.37 * (double)i));
        float *whole;
        size_t n_whole;
        assert_int_equal(hark_audio_resample(x, n, in_rate, out_rate, &whole, &n_whole), HARK_OK);
        assert_int_equal(n_whole, (size_t)llround((double)n * out_rate / in_rate));
        for (uint64_t seed = 1; seed <= 3; seed++) {
            hark_resampler *r = hark_resampler_create(in_rate, out_rate);
            assert_non_null(r);
            float *acc = malloc((n_whole + 64) * sizeof *acc);
            size_t have = 0;
            const float *out;
            size_t n_out;
            for (size_t i = 0; i < n;) {
                size_t c = 1 + (size_t)(hark_augment_rng_uniform(&seed) * 3000);
                if (c > n - i)
                    c = n - i;
                assert_int_equal(hark_resampler_process(r, x + i, c, &out, &n_out), HARK_OK);
                assert_true(have + n_out <= n_whole + 64);
                memcpy(acc + have, out, n_out * sizeof *acc);
                have += n_out;
                i += c;
            }
            assert_int_equal(hark_resampler_flush(r, &out, &n_out), HARK_OK);
            size_t take = n_out < n_whole + 64 - have ? n_out : n_whole + 64 - have;
            memcpy(acc + have, out, take * sizeof *acc);
            have += take;
            assert_true(have + 1 >= n_whole && have <= n_whole + 1);
            size_t cmp = have < n_whole ? have : n_whole;
            double err = tu_max_abs_diff(acc, whole, cmp);
            if (!(err < 1e-5))
                fail_msg("%d -> %d Hz chunked differs from whole by %g", in_rate, out_rate, err);
            /* After flush, process is refused until reset. */
            assert_int_equal(hark_resampler_process(r, x, 10, &out, &n_out), HARK_ERR_INVALID_ARG);
            hark_resampler_reset(r);
            assert_int_equal(hark_resampler_process(r, x, 10, &out, &n_out), HARK_OK);
            hark_resampler_free(r);
            free(acc);
        }
        free(whole);
        free(x);
    }
    assert_null(hark_resampler_create(100, 16000));
    assert_null(hark_resampler_create(16000, 1e6));
    float *o;
    size_t no;
    float one = 0;
    assert_int_equal(hark_audio_resample(&one, 1, 16000, 50, &o, &no), HARK_ERR_INVALID_ARG);
}

static void test_raw_pcm(void **state)
{
    (void)state;
    const size_t n = 1000;
    short s16[1000];
    unsigned char be[2000];
    float want[1000];
    for (size_t i = 0; i < n; i++) {
        s16[i] = (short)(10000 * sin(0.05 * (double)i));
        want[i] = (float)s16[i] / 32768.0f;
        be[2 * i] = (unsigned char)((unsigned short)s16[i] >> 8);
        be[2 * i + 1] = (unsigned char)((unsigned short)s16[i] & 0xff);
    }
    const char *p = tmp_path("le.raw"), *q = tmp_path("be.raw");
    assert_int_equal(tu_write_file(p, s16, sizeof s16), 0);
    assert_int_equal(tu_write_file(q, be, sizeof be), 0);
    hark_audio_raw raw = {16000, 1, HARK_SAMPLE_S16, 0};
    float *y;
    size_t m;
    assert_int_equal(hark_audio_load_raw(p, &raw, 0, &y, &m), HARK_OK);
    assert_int_equal(m, n);
    assert_true(tu_max_abs_diff(y, want, n) == 0);
    free(y);
    raw.big_endian = 1;
    assert_int_equal(hark_audio_load_raw(q, &raw, 0, &y, &m), HARK_OK);
    assert_true(tu_max_abs_diff(y, want, n) == 0);
    free(y);
    /* The same bytes read as stereo: half as many frames, each the mean of a pair. */
    raw = (hark_audio_raw){16000, 2, HARK_SAMPLE_S16, 0};
    assert_int_equal(hark_audio_load_raw(p, &raw, 0, &y, &m), HARK_OK);
    assert_int_equal(m, n / 2);
    assert_true(fabsf(y[3] - 0.5f * (want[6] + want[7])) < 1e-6f);
    free(y);
    /* Resampled on load. */
    raw = (hark_audio_raw){8000, 1, HARK_SAMPLE_S16, 0};
    assert_int_equal(hark_audio_load_raw(p, &raw, 16000, &y, &m), HARK_OK);
    assert_int_equal(m, 2 * n);
    free(y);
    /* s24 data of 2000 bytes is not whole frames; nor is stereo s16 of 2001 bytes. */
    raw = (hark_audio_raw){16000, 1, HARK_SAMPLE_S24, 0};
    float *z = (float *)1;
    assert_int_equal(hark_audio_load_raw(p, &raw, 0, &z, &m), HARK_ERR_FORMAT);
    assert_non_null(strstr(hark_last_error(), "whole number"));
    assert_null(z);
    raw = (hark_audio_raw){100, 1, HARK_SAMPLE_S16, 0};
    assert_int_equal(hark_audio_load_raw(p, &raw, 0, &z, &m), HARK_ERR_INVALID_ARG);
    raw = (hark_audio_raw){16000, 0, HARK_SAMPLE_S16, 0};
    assert_int_equal(hark_audio_load_raw(p, &raw, 0, &z, &m), HARK_ERR_INVALID_ARG);
    assert_int_equal(hark_audio_load_raw(p, NULL, 0, &z, &m), HARK_ERR_INVALID_ARG);

    hark_sample_format f;
    assert_int_equal(hark_audio_parse_sample_format("f32", &f), HARK_OK);
    assert_int_equal(f, HARK_SAMPLE_F32);
    assert_int_equal(hark_audio_parse_sample_format("mp3", &f), HARK_ERR_INVALID_ARG);
}

static void test_memory_image(void **state)
{
    (void)state;
    const char *path = tu_src("tests/data/audio/fsdd_3_jackson_7.wav");
    size_t len;
    char *img = tu_read_file(path, &len);
    assert_non_null(img);
    float *a, *b;
    size_t na, nb;
    int ra, rb;
    assert_int_equal(hark_audio_load(path, 16000, &a, &na, &ra), HARK_OK);
    assert_int_equal(hark_audio_load_memory(img, len, "clip", NULL, 16000, &b, &nb, &rb), HARK_OK);
    assert_int_equal(na, nb);
    assert_int_equal(ra, 8000);
    assert_int_equal(rb, 8000);
    assert_memory_equal(a, b, na * sizeof *a);
    free(a);
    free(b);
    /* Half an image is a truncated file, named by the caller's name. */
    assert_int_equal(hark_audio_load_memory(img, len / 2, "clip", NULL, 0, &b, &nb, NULL),
                     HARK_ERR_FORMAT);
    assert_non_null(strstr(hark_last_error(), "clip: truncated"));
    assert_int_equal(hark_audio_load_memory(img, 0, "clip", NULL, 0, &b, &nb, NULL), HARK_ERR_FORMAT);
    free(img);
}

static int has_tmp_leftovers(void)
{
    DIR *d = opendir(tu_tmpdir());
    struct dirent *e;
    int found = 0;
    while (d && (e = readdir(d)) != NULL)
        found |= strstr(e->d_name, ".tmp-") != NULL;
    if (d)
        closedir(d);
    return found;
}

static void test_write_wav(void **state)
{
    (void)state;
    const size_t n = 500;
    float *x = sine(n, 300, 16000, 0.9);
    x[10] = 1.5f;   /* beyond full scale: saturates */
    x[11] = -1.5f;
    const char *p = tmp_path("out16.wav"), *q = tmp_path("outf.wav");
    assert_int_equal(hark_audio_write_wav(p, x, n, 16000, HARK_SAMPLE_S16), HARK_OK);
    assert_int_equal(hark_audio_write_wav(q, x, n, 16000, HARK_SAMPLE_F32), HARK_OK);
    float *y;
    size_t m;
    int rate;
    assert_int_equal(hark_audio_load(p, 0, &y, &m, &rate), HARK_OK);
    assert_int_equal(m, n);
    assert_int_equal(rate, 16000);
    float *yf;
    assert_int_equal(hark_audio_load(q, 0, &yf, &m, NULL), HARK_OK);
    assert_memory_equal(yf, x, n * sizeof *x); /* float is written as is, 1.5 included */
    free(yf);
    assert_true(fabsf(y[10] - 32767.0f / 32768.0f) < 1e-6f);
    assert_true(fabsf(y[11] + 1.0f) < 1e-6f);
    x[10] = y[10];
    x[11] = y[11];
    assert_true(tu_max_abs_diff(y, x, n) <= 1.0 / 32768);
    hark_audio_info info;
    assert_int_equal(hark_audio_info_read(p, &info), HARK_OK);
    assert_non_null(strstr(info.format, "16 bit"));
    free(y);
    assert_false(has_tmp_leftovers());

    assert_int_equal(hark_audio_write_wav("/nonexistent-dir/x.wav", x, n, 16000, HARK_SAMPLE_S16),
                     HARK_ERR_IO);
    assert_non_null(strstr(hark_last_error(), "/nonexistent-dir/x.wav"));
    assert_int_equal(hark_audio_write_wav(p, x, n, 50, HARK_SAMPLE_S16), HARK_ERR_INVALID_ARG);
    assert_int_equal(hark_audio_write_wav(p, x, n, 16000, HARK_SAMPLE_S24), HARK_ERR_INVALID_ARG);
    free(x);
}

/* Byte offset of a RIFF chunk's size field. */
static size_t chunk_at(const unsigned char *b, size_t len, const char *id)
{
    for (size_t i = 12; i + 8 <= len; i++)
        if (!memcmp(b + i, id, 4))
            return i + 4;
    fail_msg("no %s chunk", id);
    return 0;
}

static void put_u32(unsigned char *p, unsigned v)
{
    p[0] = (unsigned char)v, p[1] = (unsigned char)(v >> 8), p[2] = (unsigned char)(v >> 16),
    p[3] = (unsigned char)(v >> 24);
}

static int warnings;
static void count_warn(hark_log_level lvl, const char *msg, void *ud)
{
    (void)msg;
    (void)ud;
    warnings += lvl == HARK_LOG_WARN;
}

/* Finite float samples near FLT_MAX come out of the resampler infinite: refused, not passed
 * on (found by fuzzing: tests/fuzz/audio/crashes/). Unresampled, they load as they are. */
static void test_huge_float_samples(void **state)
{
    (void)state;
    const size_t n = 2000;
    float *x = malloc(n * sizeof *x);
    assert_non_null(x);
    for (size_t i = 0; i < n; i++)
        x[i] = (i % 2 ? -3e38f : 3e38f);
    const char *p = tmp_path("huge.wav");
    assert_int_equal(hark_audio_write_wav(p, x, n, 44100, HARK_SAMPLE_F32), HARK_OK);
    free(x);
    expect_error(p, HARK_ERR_FORMAT, "too large to resample to 16000 Hz");
    float *y = NULL;
    size_t ny = 0;
    assert_int_equal(hark_audio_load(p, 0, &y, &ny, NULL), HARK_OK);
    assert_int_equal(ny, n);
    free(y);
}

static void test_bad_inputs(void **state)
{
    (void)state;
    /* A good 16-bit WAV to damage. */
    const size_t n = 4000;
    float *x = sine(n, 440, 16000, 0.5);
    const char *good = tmp_path("good.wav");
    assert_int_equal(hark_audio_write_wav(good, x, n, 16000, HARK_SAMPLE_S16), HARK_OK);
    free(x);
    size_t len;
    unsigned char *img = (unsigned char *)tu_read_file(good, &len);
    const size_t data = chunk_at(img, len, "data"), fmt = chunk_at(img, len, "fmt ");

    expect_error(tmp_path("missing.wav"), HARK_ERR_IO, "No such file");
    expect_error(tu_tmpdir(), HARK_ERR_IO, "directory");

    const char *p = tmp_path("empty.wav");
    assert_int_equal(tu_write_file(p, "", 0), 0);
    expect_error(p, HARK_ERR_FORMAT, "empty file");

    p = tmp_path("text.wav");
    const char *text = "This is not audio.\nJust a text file renamed to .wav\n";
    assert_int_equal(tu_write_file(p, text, strlen(text)), 0);
    expect_error(p, HARK_ERR_FORMAT, "not an audio file");

    p = tmp_path("garbage.wav");
    unsigned char junk[3000];
    uint64_t seed = 1;
    for (size_t i = 0; i < sizeof junk; i++)
        junk[i] = (unsigned char)hark_augment_rng_next(&seed);
    assert_int_equal(tu_write_file(p, junk, sizeof junk), 0);
    expect_error(p, HARK_ERR_FORMAT, p);

    p = tmp_path("truncated.wav"); /* cut in the middle of the audio */
    assert_int_equal(tu_write_file(p, img, len / 2), 0);
    expect_error(p, HARK_ERR_FORMAT, "truncated");

    p = tmp_path("header_only.wav"); /* header promising 8000 bytes, no audio at all */
    assert_int_equal(tu_write_file(p, img, data + 4), 0);
    expect_error(p, HARK_ERR_FORMAT, "truncated");

    p = tmp_path("cut_header.wav"); /* cut inside the fmt chunk */
    assert_int_equal(tu_write_file(p, img, fmt + 10), 0);
    expect_error(p, HARK_ERR_FORMAT, p);

    p = tmp_path("odd_byte.wav"); /* one byte of a 2-byte sample */
    assert_int_equal(tu_write_file(p, img, data + 5), 0);
    expect_error(p, HARK_ERR_FORMAT, "truncated");

    unsigned char *mod = malloc(len);
    p = tmp_path("zero.wav"); /* a well-formed file with zero samples */
    memcpy(mod, img, data + 4);
    put_u32(mod + data, 0);
    put_u32(mod + 4, (unsigned)(data + 4 - 8));
    assert_int_equal(tu_write_file(p, mod, data + 4), 0);
    expect_error(p, HARK_ERR_FORMAT, "no audio samples");

    const unsigned absurd[] = {100, 999, 384001, 1000000, 4000000000u};
    for (size_t i = 0; i < 5; i++) {
        p = tmp_path(i < 4 ? "rate.wav" : "rate_overflow.wav");
        memcpy(mod, img, len);
        put_u32(mod + fmt + 8, absurd[i]);      /* sample rate */
        put_u32(mod + fmt + 12, absurd[i] * 2); /* byte rate */
        assert_int_equal(tu_write_file(p, mod, len), 0);
        /* 4e9 Hz does not even fit libsndfile's int: it refuses the header itself. */
        expect_error(p, HARK_ERR_FORMAT, i < 4 ? "absurd sample rate" : p);
    }

    /* A streaming writer's placeholder length (0xFFFFFFFF) is read to the end, with a warning. */
    p = tmp_path("unknown_length.wav");
    memcpy(mod, img, len);
    put_u32(mod + data, 0xFFFFFFFFu);
    assert_int_equal(tu_write_file(p, mod, len), 0);
    warnings = 0;
    hark_set_log_callback(count_warn, NULL);
    float *y;
    size_t m;
    hark_status st = hark_audio_load(p, 0, &y, &m, NULL);
    hark_set_log_callback(NULL, NULL);
    assert_int_equal(st, HARK_OK);
    assert_int_equal(m, n);
    assert_int_equal(warnings, 1);
    free(y);

    /* Bad arguments. */
    assert_int_equal(hark_audio_load(good, 50, &y, &m, NULL), HARK_ERR_INVALID_ARG);
    assert_int_equal(hark_audio_load(NULL, 0, &y, &m, NULL), HARK_ERR_INVALID_ARG);
    hark_audio_info info;
    assert_int_equal(hark_audio_info_read(tmp_path("truncated.wav"), &info), HARK_ERR_FORMAT);
    assert_int_equal(hark_audio_info_read(tmp_path("text.wav"), &info), HARK_ERR_FORMAT);
    assert_int_equal(hark_audio_info_read(tmp_path("missing.wav"), &info), HARK_ERR_IO);
    free(mod);
    free(img);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_formats),
        cmocka_unit_test(test_channels_mixed_to_mono),
        cmocka_unit_test(test_resample_on_load),
        cmocka_unit_test(test_streaming_resampler),
        cmocka_unit_test(test_raw_pcm),
        cmocka_unit_test(test_memory_image),
        cmocka_unit_test(test_write_wav),
        cmocka_unit_test(test_bad_inputs),
        cmocka_unit_test(test_huge_float_samples),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
