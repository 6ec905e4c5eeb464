/* mfcc_json.c - the feature configuration as JSON, for the model file's metadata: a model must
 * see at inference exactly the features it was trained on, CMVN statistics included. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "hark/features.h"

static const char *const window_names[] = {"povey", "hamming", "hann", "rectangular"};
static const char *const cmvn_names[] = {"none", "utterance", "global", "live"};

cJSON *hark_mfcc_config_to_json(const hark_mfcc_config *c)
{
    if (!c)
        return NULL;
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    char seed[32];
    snprintf(seed, sizeof seed, "%llu", (unsigned long long)c->dither_seed);
    int ok = cJSON_AddNumberToObject(o, "sample_rate", c->sample_rate) &&
             cJSON_AddNumberToObject(o, "frame_length_ms", c->frame_length_ms) &&
             cJSON_AddNumberToObject(o, "frame_shift_ms", c->frame_shift_ms) &&
             cJSON_AddNumberToObject(o, "dither", c->dither) &&
             cJSON_AddStringToObject(o, "dither_seed", seed) && /* u64 does not fit a double */
             cJSON_AddNumberToObject(o, "input_scale", c->input_scale) &&
             cJSON_AddNumberToObject(o, "preemphasis", c->preemphasis) &&
             cJSON_AddBoolToObject(o, "remove_dc", c->remove_dc) &&
             (unsigned)c->window < 4 &&
             cJSON_AddStringToObject(o, "window", window_names[c->window]) &&
             cJSON_AddNumberToObject(o, "fft_size", c->fft_size) &&
             cJSON_AddNumberToObject(o, "num_mel_bins", c->num_mel_bins) &&
             cJSON_AddNumberToObject(o, "low_freq", c->low_freq) &&
             cJSON_AddNumberToObject(o, "high_freq", c->high_freq) &&
             cJSON_AddBoolToObject(o, "use_energy", c->use_energy) &&
             cJSON_AddBoolToObject(o, "raw_energy", c->raw_energy) &&
             cJSON_AddNumberToObject(o, "energy_floor", c->energy_floor) &&
             cJSON_AddNumberToObject(o, "num_ceps", c->num_ceps) &&
             cJSON_AddNumberToObject(o, "cepstral_lifter", c->cepstral_lifter) &&
             cJSON_AddNumberToObject(o, "delta_order", c->delta_order) &&
             cJSON_AddNumberToObject(o, "delta_window", c->delta_window) &&
             (unsigned)c->cmvn < 4 && cJSON_AddStringToObject(o, "cmvn", cmvn_names[c->cmvn]) &&
             cJSON_AddBoolToObject(o, "cmvn_variance", c->cmvn_variance) &&
             cJSON_AddNumberToObject(o, "dim", hark_mfcc_dim(c));
    /* Only live CMVN uses the window, so files of the other modes stay as they were. */
    if (ok && c->cmvn == HARK_CMVN_LIVE)
        ok = cJSON_AddNumberToObject(o, "cmvn_window", c->cmvn_window) &&
             cJSON_AddNumberToObject(o, "cmvn_min_window", c->cmvn_min_window);
    if (ok && c->cmvn_dim > 0 && c->cmvn_dim <= HARK_MFCC_MAX_DIM) {
        cJSON *mean = cJSON_CreateFloatArray(c->cmvn_mean, c->cmvn_dim);
        cJSON *sd = cJSON_CreateFloatArray(c->cmvn_std, c->cmvn_dim);
        ok = mean && sd;
        if (ok) {
            cJSON_AddItemToObject(o, "cmvn_mean", mean);
            cJSON_AddItemToObject(o, "cmvn_std", sd);
        } else {
            cJSON_Delete(mean);
            cJSON_Delete(sd);
        }
    }
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

/* Field readers: absent keeps the current value, wrong type fails with the key named. Every
 * number is checked finite and within float range here, before any conversion (1e308 does
 * not fit a float, nor 1e20 an integer: converting them is undefined behaviour). */
static int get_num(const cJSON *o, const char *key, double *v)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!it)
        return 0;
    if (!cJSON_IsNumber(it) || !isfinite(it->valuedouble) || fabs(it->valuedouble) > FLT_MAX) {
        hark_error(HARK_ERR_FORMAT, "mfcc config JSON: \"%s\" is not a number in range", key);
        return -1;
    }
    *v = it->valuedouble;
    return 1;
}

static int get_int(const cJSON *o, const char *key, int *out)
{
    double v;
    int r = get_num(o, key, &v);
    if (r == 1) {
        if (v != floor(v) || v < -1e9 || v > 1e9) {
            hark_error(HARK_ERR_FORMAT, "mfcc config JSON: \"%s\" is not an integer", key);
            return -1;
        }
        *out = (int)v;
    }
    return r < 0 ? -1 : 0;
}

static int get_float(const cJSON *o, const char *key, float *out)
{
    double v;
    int r = get_num(o, key, &v);
    if (r == 1)
        *out = (float)v;
    return r < 0 ? -1 : 0;
}

static int get_bool(const cJSON *o, const char *key, int *out)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!it)
        return 0;
    if (cJSON_IsBool(it))
        *out = cJSON_IsTrue(it) ? 1 : 0;
    else if (cJSON_IsNumber(it))
        *out = it->valuedouble != 0;
    else {
        hark_error(HARK_ERR_FORMAT, "mfcc config JSON: \"%s\" is not a boolean", key);
        return -1;
    }
    return 0;
}

static int get_enum(const cJSON *o, const char *key, const char *const *names, int n, int *out)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!it)
        return 0;
    for (int i = 0; cJSON_IsString(it) && i < n; i++) {
        if (!strcmp(it->valuestring, names[i])) {
            *out = i;
            return 0;
        }
    }
    hark_error(HARK_ERR_FORMAT, "mfcc config JSON: \"%s\" has an unknown value", key);
    return -1;
}

static int get_array(const cJSON *o, const char *key, float *out, int *n)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!it)
        return 0;
    int size = cJSON_GetArraySize(it);
    if (!cJSON_IsArray(it) || size > HARK_MFCC_MAX_DIM) {
        hark_error(HARK_ERR_FORMAT, "mfcc config JSON: \"%s\" is not an array of at most %d "
                   "numbers", key, HARK_MFCC_MAX_DIM);
        return -1;
    }
    int i = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, it)
    {
        if (!cJSON_IsNumber(e) || !isfinite(e->valuedouble) || fabs(e->valuedouble) > FLT_MAX) {
            hark_error(HARK_ERR_FORMAT, "mfcc config JSON: \"%s\"[%d] is not a finite number",
                       key, i);
            return -1;
        }
        out[i++] = (float)e->valuedouble;
    }
    *n = size;
    return 0;
}

hark_status hark_mfcc_config_from_json(const cJSON *o, hark_mfcc_config *cfg)
{
    if (!o || !cfg)
        return hark_error(HARK_ERR_INVALID_ARG, "mfcc config JSON: NULL argument");
    if (!cJSON_IsObject(o))
        return hark_error(HARK_ERR_FORMAT, "mfcc config JSON: not an object");
    hark_mfcc_config c = hark_mfcc_default_config();
    int window = (int)c.window, cmvn = (int)c.cmvn;
    int n_mean = 0, n_std = 0;
    if (get_int(o, "sample_rate", &c.sample_rate) || get_float(o, "frame_length_ms", &c.frame_length_ms) ||
        get_float(o, "frame_shift_ms", &c.frame_shift_ms) || get_float(o, "dither", &c.dither) ||
        get_float(o, "input_scale", &c.input_scale) || get_float(o, "preemphasis", &c.preemphasis) ||
        get_bool(o, "remove_dc", &c.remove_dc) || get_enum(o, "window", window_names, 4, &window) ||
        get_int(o, "fft_size", &c.fft_size) || get_int(o, "num_mel_bins", &c.num_mel_bins) ||
        get_float(o, "low_freq", &c.low_freq) || get_float(o, "high_freq", &c.high_freq) ||
        get_bool(o, "use_energy", &c.use_energy) || get_bool(o, "raw_energy", &c.raw_energy) ||
        get_float(o, "energy_floor", &c.energy_floor) || get_int(o, "num_ceps", &c.num_ceps) ||
        get_float(o, "cepstral_lifter", &c.cepstral_lifter) ||
        get_int(o, "delta_order", &c.delta_order) || get_int(o, "delta_window", &c.delta_window) ||
        get_enum(o, "cmvn", cmvn_names, 4, &cmvn) || get_bool(o, "cmvn_variance", &c.cmvn_variance) ||
        get_int(o, "cmvn_window", &c.cmvn_window) ||
        get_int(o, "cmvn_min_window", &c.cmvn_min_window) ||
        get_array(o, "cmvn_mean", c.cmvn_mean, &n_mean) || get_array(o, "cmvn_std", c.cmvn_std, &n_std))
        return HARK_ERR_FORMAT;
    const cJSON *seed = cJSON_GetObjectItemCaseSensitive(o, "dither_seed");
    if (cJSON_IsString(seed)) {
        char *end;
        c.dither_seed = strtoull(seed->valuestring, &end, 10);
        if (*end || end == seed->valuestring)
            return hark_error(HARK_ERR_FORMAT, "mfcc config JSON: \"dither_seed\" is not an integer");
    } else if (cJSON_IsNumber(seed) && seed->valuedouble >= 0 && seed->valuedouble < 0x1p64 &&
               seed->valuedouble == floor(seed->valuedouble)) {
        c.dither_seed = (uint64_t)seed->valuedouble;
    } else if (seed) {
        return hark_error(HARK_ERR_FORMAT, "mfcc config JSON: \"dither_seed\" is not an integer");
    }
    if (n_mean != n_std)
        return hark_error(HARK_ERR_FORMAT, "mfcc config JSON: cmvn_mean has %d values, cmvn_std %d",
                          n_mean, n_std);
    c.window = (hark_window)window;
    c.cmvn = (hark_cmvn_mode)cmvn;
    c.cmvn_dim = n_mean;
    if (hark_mfcc_config_validate(&c) != HARK_OK)
        return hark_error(HARK_ERR_FORMAT, "%s", hark_last_error());
    *cfg = c;
    return HARK_OK;
}
