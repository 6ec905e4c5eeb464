/* decode_calib.c - confidence calibration (Platt scaling of the raw confidence's logit, fitted
 * by Newton's method; its JSON form in the model metadata), the expected calibration error, and
 * the "WORD[:BOOST]" hotword syntax. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "hark/decode.h"

static double logit(double r)
{
    if (r < 1e-6)
        r = 1e-6;
    if (r > 1 - 1e-6)
        r = 1 - 1e-6;
    return log(r / (1 - r));
}

static double sigmoid(double z) { return z >= 0 ? 1 / (1 + exp(-z)) : exp(z) / (1 + exp(z)); }

float hark_calibration_apply(const hark_calibration *c, float raw)
{
    if (!c || isnan(raw))
        return raw;
    return (float)sigmoid(c->a * logit(raw) + c->b);
}

hark_status hark_calibration_fit(const float *raw, const int *correct, size_t n,
                                 hark_calibration *out)
{
    if (!raw || !correct || !out || n < 2)
        return hark_error(HARK_ERR_INVALID_ARG, "calibration needs at least 2 utterances");
    size_t pos = 0;
    for (size_t i = 0; i < n; i++)
        pos += correct[i] != 0;
    if (pos == 0 || pos == n)
        return hark_error(HARK_ERR_INVALID_ARG, "calibration needs both right and wrong "
                          "utterances (%zu of %zu right)", pos, n);
    /* Newton's method on the mean log loss plus a small ridge term pulling (a, b) towards the
     * identity (1, 0), which keeps the Hessian invertible when the raw confidences are all
     * alike or the data are separable; steps are clipped so that a flat loss cannot throw the
     * parameters far. */
    const double ridge = 1e-3, max_step = 2.0;
    double a = 1, b = 0;
    for (int it = 0; it < 200; it++) {
        double ga = ridge * (a - 1), gb = ridge * b, haa = ridge, hab = 0, hbb = ridge;
        for (size_t i = 0; i < n; i++) {
            double x = logit(raw[i]), p = sigmoid(a * x + b), y = correct[i] != 0;
            double w = p * (1 - p);
            ga += (p - y) * x / (double)n;
            gb += (p - y) / (double)n;
            haa += w * x * x / (double)n;
            hab += w * x / (double)n;
            hbb += w / (double)n;
        }
        double det = haa * hbb - hab * hab;
        if (!(det > 0))
            break;
        double da = (hbb * ga - hab * gb) / det, db = (haa * gb - hab * ga) / det;
        double len = fabs(da) + fabs(db);
        if (len > max_step) {
            da *= max_step / len;
            db *= max_step / len;
        }
        a -= da;
        b -= db;
        if (len < 1e-9)
            break;
    }
    if (!isfinite(a) || !isfinite(b))
        return hark_error(HARK_ERR_NUMERIC, "calibration fit did not converge");
    out->a = (float)a;
    out->b = (float)b;
    return HARK_OK;
}

double hark_calibration_ece(const float *conf, const int *correct, size_t n, int bins)
{
    if (!conf || !correct || n == 0 || bins < 1)
        return 0;
    double *sc = calloc((size_t)bins, sizeof *sc), *sy = calloc((size_t)bins, sizeof *sy);
    size_t *cnt = calloc((size_t)bins, sizeof *cnt);
    double ece = 0;
    if (sc && sy && cnt) {
        for (size_t i = 0; i < n; i++) {
            int b = (int)(conf[i] * bins);
            b = b < 0 ? 0 : b >= bins ? bins - 1 : b;
            sc[b] += conf[i];
            sy[b] += correct[i] != 0;
            cnt[b]++;
        }
        for (int b = 0; b < bins; b++)
            if (cnt[b])
                ece += fabs(sy[b] - sc[b]) / (double)n;
    }
    free(sc);
    free(sy);
    free(cnt);
    return ece;
}

char *hark_calibration_format(const hark_calibration *c)
{
    if (!c)
        return NULL;
    char buf[128];
    snprintf(buf, sizeof buf, "{\"method\":\"platt\",\"a\":%.9g,\"b\":%.9g}", (double)c->a,
             (double)c->b);
    return strdup(buf);
}

hark_status hark_calibration_parse(const char *json, hark_calibration *out)
{
    if (!json || !out)
        return hark_error(HARK_ERR_INVALID_ARG, "hark_calibration_parse: NULL argument");
    cJSON *o = cJSON_Parse(json);
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(o, "method");
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(o, "a");
    const cJSON *b = cJSON_GetObjectItemCaseSensitive(o, "b");
    hark_status st = HARK_OK;
    if (!cJSON_IsString(m) || strcmp(m->valuestring, "platt") != 0 || !cJSON_IsNumber(a)
        || !cJSON_IsNumber(b) || !isfinite(a->valuedouble) || !isfinite(b->valuedouble))
        st = hark_error(HARK_ERR_FORMAT, "model metadata 'calibration' is not "
                        "{\"method\":\"platt\",\"a\":NUMBER,\"b\":NUMBER}");
    else
        *out = (hark_calibration){(float)a->valuedouble, (float)b->valuedouble};
    cJSON_Delete(o);
    return st;
}

hark_status hark_hotword_parse(const char *spec, char *buf, size_t cap, float *boost)
{
    if (!spec || !buf || cap == 0 || !boost)
        return hark_error(HARK_ERR_INVALID_ARG, "hark_hotword_parse: NULL argument");
    const char *colon = strrchr(spec, ':');
    const char *end = colon ? colon : spec + strlen(spec);
    *boost = HARK_HOTWORD_DEFAULT_BOOST;
    if (colon) {
        char *e = NULL;
        errno = 0;
        double v = strtod(colon + 1, &e);
        if (e == colon + 1 || *e != '\0' || errno || !(v > 0 && v <= 100))
            return hark_error(HARK_ERR_INVALID_ARG, "hotword '%s': the boost after ':' must be a "
                              "number in (0, 100]", spec);
        *boost = (float)v;
    }
    while (spec < end && isspace((unsigned char)*spec))
        spec++;
    while (end > spec && isspace((unsigned char)end[-1]))
        end--;
    size_t len = (size_t)(end - spec);
    if (len == 0)
        return hark_error(HARK_ERR_INVALID_ARG, "hotword '%s' names no word", spec);
    if (len >= cap)
        return hark_error(HARK_ERR_INVALID_ARG, "hotword '%.*s' is too long", (int)len, spec);
    /* Single spaces between words, as transcripts are written. */
    size_t k = 0;
    for (size_t i = 0; i < len; i++) {
        char ch = spec[i];
        if (isspace((unsigned char)ch)) {
            if (k > 0 && buf[k - 1] != ' ')
                buf[k++] = ' ';
        } else {
            buf[k++] = ch;
        }
    }
    buf[k] = '\0';
    return HARK_OK;
}
