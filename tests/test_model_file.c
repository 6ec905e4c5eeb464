/* test_model_file.c - the .hark model file: round trips (GRU/LSTM, uni/bi), atomic writes, and a
 * clear refusal of every kind of bad file, each crafted from a good one. */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "testutil.h"

static hark_model *small_model(hark_cell cell, int bi, uint64_t seed)
{
    hark_mfcc_config fc = hark_mfcc_default_config();
    fc.sample_rate = 8000;
    hark_mfcc_stats st;
    hark_mfcc_stats_init(&st, hark_mfcc_dim(&fc));
    float frame[HARK_MFCC_MAX_DIM];
    for (int t = 0; t < 10; t++) {
        for (int d = 0; d < hark_mfcc_dim(&fc); d++)
            frame[d] = (float)(t * d % 7) - 2.5f;
        hark_mfcc_stats_add(&st, frame, 1);
    }
    assert_int_equal(hark_mfcc_stats_apply(&st, &fc), HARK_OK);
    hark_net_config nc = hark_net_default_config();
    nc.n_input = hark_mfcc_dim(&fc);
    nc.hidden = 8;
    nc.n_layers = 2;
    nc.cell = cell;
    nc.bidirectional = bi;
    nc.n_output = 29;
    hark_model *m = hark_model_create(&nc, &fc, NULL, seed);
    assert_non_null(m);
    return m;
}

static const char *tmp_path(const char *name)
{
    static char buf[4][512];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", tu_tmpdir(), name);
    return buf[k];
}

/* The little-endian u64 header length a .hark file starts with. */
static uint64_t header_len(const char *buf)
{
    uint64_t hlen = 0;
    for (int i = 7; i >= 0; i--)
        hlen = hlen << 8 | (unsigned char)buf[i];
    return hlen;
}

static void assert_same_model(const hark_model *a, const hark_model *b)
{
    const hark_net *na = hark_model_net(a), *nb = hark_model_net(b);
    assert_int_equal(hark_net_num_params(na), hark_net_num_params(nb));
    assert_memory_equal(hark_net_params_const(na), hark_net_params_const(nb),
                        hark_net_num_params(na) * sizeof(float));
    const hark_net_config *ca = hark_net_get_config(na), *cb = hark_net_get_config(nb);
    assert_int_equal(ca->cell, cb->cell);
    assert_int_equal(ca->bidirectional, cb->bidirectional);
    assert_int_equal(ca->n_layers, cb->n_layers);
    assert_int_equal(ca->hidden, cb->hidden);
    assert_int_equal(ca->stack, cb->stack);
    assert_string_equal(hark_model_alphabet(a), hark_model_alphabet(b));
    const hark_mfcc_config *fa = hark_model_feature_config(a), *fb = hark_model_feature_config(b);
    assert_int_equal(fa->sample_rate, fb->sample_rate);
    assert_int_equal(fa->cmvn, HARK_CMVN_GLOBAL);
    assert_int_equal(fb->cmvn, HARK_CMVN_GLOBAL);
    assert_memory_equal(fa->cmvn_mean, fb->cmvn_mean, sizeof(float) * (size_t)fa->cmvn_dim);
    assert_memory_equal(fa->cmvn_std, fb->cmvn_std, sizeof(float) * (size_t)fa->cmvn_dim);
}

static void test_round_trip(void **state)
{
    (void)state;
    for (int variant = 0; variant < 4; variant++) {
        hark_model *m = small_model(variant & 1 ? HARK_CELL_LSTM : HARK_CELL_GRU, variant >> 1,
                                    7 + (uint64_t)variant);
        assert_int_equal(hark_model_set_meta(m, "provenance", "{\"steps\":12}"), HARK_OK);
        assert_int_equal(hark_model_set_meta(m, "format", "x"), HARK_ERR_INVALID_ARG);
        const char *p = tmp_path("rt.hark");
        assert_int_equal(hark_model_save(m, p), HARK_OK);
        hark_model *l = hark_model_load(p);
        assert_non_null(l);
        assert_same_model(m, l);
        assert_string_equal(hark_model_get_meta(l, "provenance"), "{\"steps\":12}");
        assert_null(hark_model_get_meta(l, "nothing"));
        assert_int_equal(hark_model_sample_rate(l), 8000);
        /* 10 ms hop x stack 2 */
        assert_float_equal(hark_model_frame_seconds(l), 0.02, 1e-9);
        hark_model_free(m);
        hark_model_free(l);
    }
    /* The write is atomic: nothing but the model is left in the directory. */
    DIR *d = opendir(tu_tmpdir());
    assert_non_null(d);
    struct dirent *e;
    int files = 0;
    while ((e = readdir(d)))
        if (e->d_name[0] != '.') {
            files++;
            assert_string_equal(e->d_name, "rt.hark");
        }
    closedir(d);
    assert_int_equal(files, 1);
}

/* Numbers kept as metadata text (the grammar thresholds): the value, or NAN when the entry is
 * absent, empty, has trailing text or is not finite. */
static void test_meta_number(void **state)
{
    (void)state;
    hark_model *m = small_model(HARK_CELL_GRU, 0, 3);
    static const char *const bad[] = {"", "x", "1.5x", "1.5 ", "nan", "inf", "-inf", "1e999"};
    assert_true(isnan(hark_model_get_meta_number(m, "grammar_reject")));
    assert_int_equal(hark_model_set_meta(m, "grammar_reject", "2.216"), HARK_OK);
    assert_float_equal(hark_model_get_meta_number(m, "grammar_reject"), 2.216, 1e-12);
    assert_int_equal(hark_model_set_meta(m, "w", "-4"), HARK_OK);
    assert_float_equal(hark_model_get_meta_number(m, "w"), -4.0, 0);
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        assert_int_equal(hark_model_set_meta(m, "w", bad[i]), HARK_OK);
        assert_true(isnan(hark_model_get_meta_number(m, "w")));
    }
    hark_model_free(m);
}

static void test_layout_is_safetensors(void **state)
{
    (void)state;
    hark_model *m = small_model(HARK_CELL_GRU, 1, 3);
    const char *p = tmp_path("layout.hark");
    assert_int_equal(hark_model_save(m, p), HARK_OK);
    size_t len;
    unsigned char *buf = (unsigned char *)tu_read_file(p, &len);
    assert_non_null(buf);
    uint64_t hlen = header_len((const char *)buf);
    assert_int_equal(hlen % 8, 0); /* data 8-byte aligned */
    assert_int_equal(len, 8 + hlen + 4 * hark_net_num_params(hark_model_net(m)));
    cJSON *h = cJSON_ParseWithLength((const char *)buf + 8, hlen);
    assert_non_null(h);
    cJSON *md = cJSON_GetObjectItem(h, "__metadata__");
    assert_string_equal(cJSON_GetObjectItem(md, "format")->valuestring, "hark");
    assert_string_equal(cJSON_GetObjectItem(md, "format_version")->valuestring, "1");
    assert_non_null(cJSON_GetObjectItem(md, "features"));
    assert_non_null(cJSON_GetObjectItem(md, "architecture"));
    assert_string_equal(cJSON_GetObjectItem(md, "alphabet")->valuestring,
                        " 'abcdefghijklmnopqrstuvwxyz");
    /* Every value in __metadata__ is a string, as safetensors requires. */
    cJSON *kv;
    cJSON_ArrayForEach(kv, md) assert_true(cJSON_IsString(kv));
    /* The output layer's bias is where its offsets say, in little-endian float32. */
    cJSON *ob = cJSON_GetObjectItem(h, "out.bias");
    assert_non_null(ob);
    assert_string_equal(cJSON_GetObjectItem(ob, "dtype")->valuestring, "F32");
    size_t b = (size_t)cJSON_GetArrayItem(cJSON_GetObjectItem(ob, "data_offsets"), 0)->valuedouble;
    const hark_net *net = hark_model_net(m);
    for (int i = 0; i < hark_net_num_tensors(net); i++) {
        hark_tensor_info ti;
        assert_int_equal(hark_net_tensor(net, i, &ti), HARK_OK);
        if (strcmp(ti.name, "out.bias") == 0) {
            float v;
            memcpy(&v, buf + 8 + hlen + b, 4);
            assert_true(v == hark_net_params_const(net)[ti.offset]);
        }
    }
    cJSON_Delete(h);
    free(buf);
    hark_model_free(m);
}

/* Rewrite a good file's header with `edit` (and optionally cut the data) into a new file. */
typedef void (*header_edit)(cJSON *h);

static const char *craft(const char *good, const char *name, header_edit edit, long cut)
{
    size_t len;
    char *buf = tu_read_file(good, &len);
    assert_non_null(buf);
    uint64_t hlen = header_len(buf);
    cJSON *h = cJSON_ParseWithLength(buf + 8, hlen);
    assert_non_null(h);
    if (edit)
        edit(h);
    char *js = cJSON_PrintUnformatted(h);
    size_t nj = strlen(js), data = len - 8 - hlen - (size_t)cut;
    size_t outlen = 8 + nj + data;
    char *out = malloc(outlen);
    assert_non_null(out);
    for (int i = 0; i < 8; i++)
        out[i] = (char)((uint64_t)nj >> (8 * i));
    memcpy(out + 8, js, nj);
    memcpy(out + 8 + nj, buf + 8 + hlen, data);
    const char *p = tmp_path(name);
    assert_int_equal(tu_write_file(p, out, outlen), 0);
    free(out);
    free(js);
    cJSON_Delete(h);
    free(buf);
    return p;
}

static void set_meta(cJSON *h, const char *key, const char *value)
{
    cJSON *md = cJSON_GetObjectItem(h, "__metadata__");
    cJSON_ReplaceItemInObject(md, key, cJSON_CreateString(value));
}

static void edit_version(cJSON *h) { set_meta(h, "format_version", "2"); }
static void edit_format(cJSON *h) { set_meta(h, "format", "gguf"); }
static void edit_arch_hidden(cJSON *h)
{
    cJSON *md = cJSON_GetObjectItem(h, "__metadata__");
    cJSON *a = cJSON_Parse(cJSON_GetObjectItem(md, "architecture")->valuestring);
    cJSON_ReplaceItemInObject(a, "hidden", cJSON_CreateNumber(9));
    char *s = cJSON_PrintUnformatted(a);
    set_meta(h, "architecture", s);
    free(s);
    cJSON_Delete(a);
}
/* Set one number in the architecture (or, with arch_in_features, the feature configuration)
 * metadata JSON: which and to what come from these globals, as header_edit takes no arguments. */
static const char *num_key;
static double num_value;
static int num_in_features;
static void edit_meta_number(cJSON *h)
{
    const char *which = num_in_features ? "features" : "architecture";
    cJSON *md = cJSON_GetObjectItem(h, "__metadata__");
    cJSON *a = cJSON_Parse(cJSON_GetObjectItem(md, which)->valuestring);
    cJSON_DeleteItemFromObject(a, num_key);
    cJSON_AddItemToObject(a, num_key, cJSON_CreateNumber(num_value));
    char *s = cJSON_PrintUnformatted(a);
    set_meta(h, which, s);
    free(s);
    cJSON_Delete(a);
}
static void edit_offsets_huge(cJSON *h)
{
    cJSON *offs = cJSON_GetObjectItem(cJSON_GetObjectItem(h, "out.bias"), "data_offsets");
    cJSON_ReplaceItemInArray(offs, 1, cJSON_CreateNumber(1e20));
}
static void edit_cmvn_huge(cJSON *h)
{
    cJSON *md = cJSON_GetObjectItem(h, "__metadata__");
    cJSON *a = cJSON_Parse(cJSON_GetObjectItem(md, "features")->valuestring);
    cJSON_ReplaceItemInArray(cJSON_GetObjectItem(a, "cmvn_mean"), 0, cJSON_CreateNumber(1e308));
    char *s = cJSON_PrintUnformatted(a);
    set_meta(h, "features", s);
    free(s);
    cJSON_Delete(a);
}
static void edit_arch_garbage(cJSON *h) { set_meta(h, "architecture", "{\"cell\": 3"); }
static void edit_offsets(cJSON *h)
{
    cJSON *offs = cJSON_GetObjectItem(cJSON_GetObjectItem(h, "out.bias"), "data_offsets");
    double b = cJSON_GetArrayItem(offs, 0)->valuedouble + 1e6;
    double e = cJSON_GetArrayItem(offs, 1)->valuedouble + 1e6;
    cJSON_ReplaceItemInArray(offs, 0, cJSON_CreateNumber(b));
    cJSON_ReplaceItemInArray(offs, 1, cJSON_CreateNumber(e));
}
static void edit_negative_offset(cJSON *h)
{
    cJSON *offs = cJSON_GetObjectItem(cJSON_GetObjectItem(h, "out.bias"), "data_offsets");
    cJSON_ReplaceItemInArray(offs, 0, cJSON_CreateNumber(-4));
}
static void edit_shape(cJSON *h)
{
    cJSON *shape = cJSON_GetObjectItem(cJSON_GetObjectItem(h, "out.weight"), "shape");
    cJSON_ReplaceItemInArray(shape, 0, cJSON_CreateNumber(30));
}
static void edit_dtype(cJSON *h)
{
    cJSON_ReplaceItemInObject(cJSON_GetObjectItem(h, "out.bias"), "dtype", cJSON_CreateString("F16"));
}
static void edit_drop_tensor(cJSON *h) { cJSON_DeleteItemFromObject(h, "out.bias"); }
static void edit_extra_tensor(cJSON *h)
{
    cJSON_AddItemToObject(h, "stray", cJSON_Duplicate(cJSON_GetObjectItem(h, "out.bias"), 1));
}
static void edit_no_alphabet(cJSON *h)
{
    cJSON_DeleteItemFromObject(cJSON_GetObjectItem(h, "__metadata__"), "alphabet");
}
static void edit_short_alphabet(cJSON *h) { set_meta(h, "alphabet", "abc"); }

static void expect_reject(const char *path, hark_status status, const char *needle)
{
    hark_clear_error();
    hark_model *m = hark_model_load(path);
    if (m) {
        hark_model_free(m);
        fail_msg("%s loaded but should have been refused (%s)", path, needle);
    }
    const char *msg = hark_last_error();
    if (!strstr(msg, needle) || !strstr(msg, path))
        fail_msg("message \"%s\" lacks \"%s\" or the path", msg, needle);
    (void)status;
}

/* A small good model saved under the temporary directory; its path in out. */
static void save_good(const char *name, char *out, size_t cap)
{
    hark_model *m = small_model(HARK_CELL_GRU, 1, 5);
    snprintf(out, cap, "%s", tmp_path(name));
    assert_int_equal(hark_model_save(m, out), HARK_OK);
    hark_model_free(m);
}

static void test_bad_files(void **state)
{
    (void)state;
    char good[512];
    save_good("good.hark", good, sizeof good);
    hark_model *m;

    const char *missing = tmp_path("missing.hark");
    expect_reject(missing, HARK_ERR_IO, "No such file");
    const char *empty = tmp_path("empty.hark");
    assert_int_equal(tu_write_file(empty, "", 0), 0);
    expect_reject(empty, HARK_ERR_FORMAT, "too short");
    const char *text = tmp_path("text.hark");
    const char *t = "this is a text file, not a model at all\n";
    assert_int_equal(tu_write_file(text, t, strlen(t)), 0);
    expect_reject(text, HARK_ERR_FORMAT, "not a hark model");
    /* A header length beyond the file. */
    const char *longhdr = tmp_path("longhdr.hark");
    char lh[16] = {(char)0x00, (char)0x10, 0, 0, 0, 0, 0, 0, '{', '}'};
    assert_int_equal(tu_write_file(longhdr, lh, 10), 0);
    expect_reject(longhdr, HARK_ERR_FORMAT, "truncated");
    /* Broken JSON in a header of the right length. */
    const char *badjson = tmp_path("badjson.hark");
    char bj[] = "\x0a\0\0\0\0\0\0\0{\"a\": [1,}";
    assert_int_equal(tu_write_file(badjson, bj, sizeof bj - 1), 0);
    expect_reject(badjson, HARK_ERR_FORMAT, "not valid JSON");

    expect_reject(craft(good, "version.hark", edit_version, 0), HARK_ERR_VERSION, "newer");
    assert_non_null(strstr(hark_last_error(), "version 2"));
    expect_reject(craft(good, "format.hark", edit_format, 0), HARK_ERR_FORMAT, "not a hark model");
    expect_reject(craft(good, "trunc.hark", NULL, 100), HARK_ERR_FORMAT, "truncated");
    expect_reject(craft(good, "offsets.hark", edit_offsets, 0), HARK_ERR_FORMAT, "out.bias");
    expect_reject(craft(good, "negoff.hark", edit_negative_offset, 0), HARK_ERR_FORMAT,
                  "data_offsets");
    expect_reject(craft(good, "shape.hark", edit_shape, 0), HARK_ERR_FORMAT, "shape");
    /* More hidden units than the file has weights for: refused before allocating. */
    expect_reject(craft(good, "arch.hark", edit_arch_hidden, 0), HARK_ERR_FORMAT,
                  "needs 27692 bytes of weights");
    expect_reject(craft(good, "archjson.hark", edit_arch_garbage, 0), HARK_ERR_FORMAT,
                  "architecture");
    expect_reject(craft(good, "dtype.hark", edit_dtype, 0), HARK_ERR_FORMAT, "F16");
    expect_reject(craft(good, "drop.hark", edit_drop_tensor, 0), HARK_ERR_FORMAT, "missing");
    expect_reject(craft(good, "extra.hark", edit_extra_tensor, 0), HARK_ERR_FORMAT, "tensors");
    expect_reject(craft(good, "noalpha.hark", edit_no_alphabet, 0), HARK_ERR_FORMAT, "alphabet");
    expect_reject(craft(good, "shortalpha.hark", edit_short_alphabet, 0), HARK_ERR_FORMAT,
                  "alphabet");
    /* Fewer hidden units than the file's tensors: the shapes do not match. */
    num_key = "hidden", num_value = 7, num_in_features = 0;
    expect_reject(craft(good, "arch7.hark", edit_meta_number, 0), HARK_ERR_FORMAT, "shape");
    /* The unedited rewrite still loads: the crafting itself is not what fails. */
    m = hark_model_load(craft(good, "same.hark", NULL, 0));
    assert_non_null(m);
    hark_model_free(m);
    /* A directory is not a model. */
    expect_reject(tu_tmpdir(), HARK_ERR_IO, "");
}

/* Issue 13: header numbers that do not fit the integers (or floats) they become, weights that
 * are not finite, and a 2 KB file claiming a huge network. */
static void test_hostile_numbers(void **state)
{
    (void)state;
    char good[512];
    save_good("good2.hark", good, sizeof good);
    static const struct {
        const char *key;
        double value;
        int features;
        const char *needle;
    } cases[] = {
        {"hidden", 1e308, 0, "architecture needs integer"},
        {"n_input", 1e20, 0, "architecture needs integer"},
        {"layers", -1e20, 0, "architecture needs integer"},
        {"hidden", 8.5, 0, "architecture needs integer"},
        {"dropout", 1e308, 0, "dropout"},
        {"sample_rate", 1e20, 1, "\"sample_rate\" is not an integer"},
        {"fft_size", -1e308, 1, "\"fft_size\" is not a number in range"},
        {"frame_length_ms", 1e308, 1, "\"frame_length_ms\" is not a number in range"},
        {"dither_seed", 1e20, 1, "\"dither_seed\" is not an integer"},
        /* Valid JSON, invalid configuration: the message names the reason, not "" (it used to
         * be formatted into the buffer it was read from). */
        {"sample_rate", 5, 1, "sample_rate 5 outside 1000..384000"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        num_key = cases[i].key;
        num_value = cases[i].value;
        num_in_features = cases[i].features;
        expect_reject(craft(good, "num.hark", edit_meta_number, 0), HARK_ERR_FORMAT,
                      cases[i].needle);
    }
    expect_reject(craft(good, "offs.hark", edit_offsets_huge, 0), HARK_ERR_FORMAT,
                  "malformed data_offsets");
    expect_reject(craft(good, "cmvn.hark", edit_cmvn_huge, 0), HARK_ERR_FORMAT,
                  "\"cmvn_mean\"[0] is not a finite number");

    /* 8192 hidden units in a 2 KB file: refused at once, before gigabytes are allocated. */
    num_key = "hidden", num_value = 8192, num_in_features = 0;
    const char *big = craft(good, "big.hark", edit_meta_number, 0);
    double t0 = tu_cpu_seconds();
    expect_reject(big, HARK_ERR_FORMAT, "(gru, layers 2, hidden 8192) needs");
    assert_true(tu_cpu_seconds() - t0 < 2.0 * HARK_TEST_CPU_SCALE);

    /* NaN and infinite weights, as the first and as the last float of the data. */
    size_t len;
    char *img = tu_read_file(good, &len);
    assert_non_null(img);
    uint64_t hlen = header_len(img);
    static const uint32_t bad_bits[] = {0x7FC00000u, 0xFF800000u, 0x7F800001u};
    static const char *const bad_name[] = {"NaN", "an infinite value", "NaN"};
    const char *path = tmp_path("nan.hark");
    for (int k = 0; k < 3; k++) {
        for (int last = 0; last < 2; last++) {
            size_t off = last ? len - 4 : 8 + (size_t)hlen;
            char *copy = malloc(len);
            assert_non_null(copy);
            memcpy(copy, img, len);
            for (int b = 0; b < 4; b++)
                copy[off + (size_t)b] = (char)(bad_bits[k] >> (8 * b)); /* little-endian */
            assert_int_equal(tu_write_file(path, copy, len), 0);
            free(copy);
            expect_reject(path, HARK_ERR_FORMAT, bad_name[k]);
        }
    }
    free(img);
}

static void test_save_errors(void **state)
{
    (void)state;
    hark_model *m = small_model(HARK_CELL_GRU, 0, 1);
    assert_int_equal(hark_model_save(m, "/nonexistent-dir/x.hark"), HARK_ERR_IO);
    assert_non_null(strstr(hark_last_error(), "/nonexistent-dir/x.hark"));
    assert_int_equal(hark_model_save(m, NULL), HARK_ERR_INVALID_ARG);
    hark_model_free(m);
    /* Mismatched shapes never make a model. */
    hark_mfcc_config fc = hark_mfcc_default_config();
    hark_net_config nc = hark_net_default_config();
    nc.n_input = 13;
    assert_null(hark_model_create(&nc, &fc, NULL, 1));
    nc.n_input = 39;
    nc.n_output = 5;
    assert_null(hark_model_create(&nc, &fc, NULL, 1));
    assert_non_null(strstr(hark_last_error(), "alphabet"));
}

/* Any safetensors reader can open a model: here plain json + numpy with Debian's python (the
 * test skips where that is not installed; hark itself never needs python). */
static void test_numpy_reads_it(void **state)
{
    (void)state;
    if (access("/usr/bin/python3", X_OK) != 0
        || system("/usr/bin/python3 -c 'import numpy' >/dev/null 2>&1") != 0)
        skip();
    hark_model *m = small_model(HARK_CELL_LSTM, 1, 9);
    const char *p = tmp_path("numpy.hark");
    assert_int_equal(hark_model_save(m, p), HARK_OK);
    const hark_net *net = hark_model_net(m);
    hark_tensor_info ti;
    int k = hark_net_num_tensors(net) - 1;
    assert_int_equal(hark_net_tensor(net, k, &ti), HARK_OK);
    char cmd[2048];
    snprintf(cmd, sizeof cmd,
             "/usr/bin/python3 -c '\n"
             "import json, struct, sys, numpy as np\n"
             "b = open(sys.argv[1], \"rb\").read()\n"
             "n = struct.unpack(\"<Q\", b[:8])[0]\n"
             "h = json.loads(b[8:8 + n])\n"
             "t = h[sys.argv[2]]\n"
             "s, e = t[\"data_offsets\"]\n"
             "a = np.frombuffer(b[8 + n + s:8 + n + e], dtype=\"<f4\").reshape(t[\"shape\"])\n"
             "assert h[\"__metadata__\"][\"format\"] == \"hark\"\n"
             "print(\"%%.9g %%d\" %% (float(a.flat[0]), a.size))\n"
             "' %s %s",
             p, ti.name);
    FILE *f = popen(cmd, "r");
    assert_non_null(f);
    double first = 0;
    long size = 0;
    int got = fscanf(f, "%lf %ld", &first, &size);
    assert_int_equal(pclose(f), 0);
    assert_int_equal(got, 2);
    assert_int_equal(size, (long)ti.numel);
    assert_float_equal(first, hark_net_params_const(net)[ti.offset], 1e-9);
    hark_model_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_meta_number),
        cmocka_unit_test(test_layout_is_safetensors),
        cmocka_unit_test(test_bad_files),
        cmocka_unit_test(test_hostile_numbers),
        cmocka_unit_test(test_save_errors),
        cmocka_unit_test(test_numpy_reads_it),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
