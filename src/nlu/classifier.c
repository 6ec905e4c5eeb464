/* classifier.c - the intent classifier: hashed word uni/bigram and character 3/4-gram features
 * (the character n-grams, taken before vocabulary snapping, keep a misheard word close to the
 * right one), multinomial logistic regression trained with lazy Adam (only the rows of features
 * present in a batch move, which keeps training on thousands of sentences well under a second),
 * and temperature scaling so that the softmax output is a calibrated probability.
 * Single-threaded by design. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hark/nlu.h"
#include "nlu/nlu_internal.h"

struct nlu_clf {
    uint32_t dim;
    int classes;
    float *w; /* [dim][classes]: a feature's weights for every class are contiguous */
    float *b; /* [classes] */
};

/* FNV-1a with a final avalanche, salted per feature family so "ab" the word and "ab" the
 * character gram land in different buckets. */
static uint32_t hash_bytes(uint32_t salt, const char *s, size_t n, uint32_t h)
{
    return nlu_fnv1a(s, n, h ? h : NLU_FNV_BASIS ^ (salt * 0x9E3779B1u));
}

static uint32_t finish(uint32_t h)
{
    h ^= h >> 16;
    h *= 0x85EBCA6Bu;
    h ^= h >> 13;
    h *= 0xC2B2AE35u;
    h ^= h >> 16;
    return h;
}

static void add_feat(nlu_feats *f, uint32_t h, uint32_t dim, float v)
{
    if (f->n >= NLU_MAX_FEATS)
        return;
    f->idx[f->n] = finish(h) & (dim - 1);
    f->val[f->n] = v;
    f->n++;
}

void nlu_featurize(const char *words, const char *chars, uint32_t dim, nlu_feats *out)
{
    out->n = 0;
    /* Word boundaries; at most 48 words are looked at. */
    const char *ws[50];
    size_t wl[50];
    int nw = 0;
    ws[nw] = "<s>";
    wl[nw++] = 3;
    for (const char *p = words; nw < 49 && (ws[nw] = nlu_next_word(&p, &wl[nw]));)
        nw++;
    ws[nw] = "</s>";
    wl[nw++] = 4;
    for (int i = 1; i < nw - 1; i++)
        add_feat(out, hash_bytes(1, ws[i], wl[i], 0), dim, 1.0f);
    for (int i = 0; i + 1 < nw; i++) {
        uint32_t h = hash_bytes(2, ws[i], wl[i], 0);
        h = hash_bytes(2, " ", 1, h);
        add_feat(out, hash_bytes(2, ws[i + 1], wl[i + 1], h), dim, 1.0f);
    }
    /* Character grams over " text " (spaces included, so word edges count). */
    char padded[260];
    size_t n = 0;
    padded[n++] = ' ';
    for (const char *q = chars; *q && n + 2 < sizeof padded; q++)
        padded[n++] = *q;
    padded[n++] = ' ';
    for (int g = 3; g <= 4; g++)
        for (size_t i = 0; i + (size_t)g <= n; i++)
            add_feat(out, hash_bytes((uint32_t)(10 + g), padded + i, (size_t)g, 0), dim, 0.5f);
    float ss = 0;
    for (int i = 0; i < out->n; i++)
        ss += out->val[i] * out->val[i];
    float inv = ss > 0 ? 1.0f / sqrtf(ss) : 0;
    for (int i = 0; i < out->n; i++)
        out->val[i] *= inv;
}

void nlu_softmax(float *z, int n, float temperature)
{
    float mx = z[0];
    for (int i = 1; i < n; i++)
        if (z[i] > mx)
            mx = z[i];
    float sum = 0;
    for (int i = 0; i < n; i++) {
        z[i] = expf((z[i] - mx) / temperature);
        sum += z[i];
    }
    for (int i = 0; i < n; i++)
        z[i] /= sum;
}

void nlu_clf_logits(const nlu_clf *c, const nlu_feats *x, float *z)
{
    int C = c->classes;
    memcpy(z, c->b, (size_t)C * sizeof *z);
    for (int i = 0; i < x->n; i++) {
        const float *w = c->w + (size_t)x->idx[i] * (size_t)C;
        float v = x->val[i];
        for (int k = 0; k < C; k++)
            z[k] += v * w[k];
    }
}

uint32_t nlu_clf_dim(const nlu_clf *c) { return c->dim; }

void nlu_clf_free(nlu_clf *c)
{
    if (!c)
        return;
    free(c->w);
    free(c->b);
    free(c);
}

nlu_clf *nlu_clf_train(const nlu_example *ex, size_t n, int C, const nlu_train_params *p)
{
    nlu_clf *c = NULL;
    nlu_feats *X = NULL;
    float *m = NULL, *v = NULL, *g = NULL, *mb = NULL, *vb = NULL, *gb = NULL;
    uint32_t *touched = NULL;
    unsigned char *mark = NULL;
    size_t *order = NULL;
    if (!ex || n == 0 || C < 2 || !p || p->dim == 0 || (p->dim & (p->dim - 1))) {
        hark_error(HARK_ERR_INVALID_ARG, "classifier: need examples, >= 2 classes and a "
                   "power-of-two dimension");
        return NULL;
    }
    const uint32_t D = p->dim;
    size_t DC = (size_t)D * (size_t)C;
    c = calloc(1, sizeof *c);
    if (!c)
        goto nomem;
    c->dim = D;
    c->classes = C;
    c->w = calloc(DC, sizeof *c->w);
    c->b = calloc((size_t)C, sizeof *c->b);
    m = calloc(DC, sizeof *m);
    v = calloc(DC, sizeof *v);
    g = calloc(DC, sizeof *g);
    mb = calloc((size_t)C, sizeof *mb);
    vb = calloc((size_t)C, sizeof *vb);
    gb = calloc((size_t)C, sizeof *gb);
    mark = calloc(D, 1);
    X = malloc(n * sizeof *X);
    order = malloc(n * sizeof *order);
    int batch = p->batch > 0 ? p->batch : 32;
    touched = malloc((size_t)batch * NLU_MAX_FEATS * sizeof *touched);
    if (!c->w || !c->b || !m || !v || !g || !mb || !vb || !gb || !mark || !X || !order || !touched)
        goto nomem;
    for (size_t i = 0; i < n; i++) {
        if (ex[i].label < 0 || ex[i].label >= C) {
            hark_error(HARK_ERR_INVALID_ARG, "classifier: label %d out of range", ex[i].label);
            goto fail;
        }
        nlu_featurize(ex[i].words, ex[i].chars, D, &X[i]);
        order[i] = i;
    }
    uint64_t rng = p->seed ? p->seed : 1;
    const float b1 = 0.9f, b2 = 0.999f, eps = 1e-8f, lr = p->lr > 0 ? p->lr : 0.05f;
    float b1t = 1, b2t = 1;
    float z[256];
    if (C > 256) {
        hark_error(HARK_ERR_INVALID_ARG, "classifier: at most 256 classes");
        goto fail;
    }
    for (int epoch = 0; epoch < p->epochs; epoch++) {
        for (size_t i = n - 1; i > 0; i--) {
            size_t j = (size_t)(nlu_rand(&rng) % (i + 1));
            size_t t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        for (size_t s = 0; s < n; s += (size_t)batch) {
            size_t e = s + (size_t)batch < n ? s + (size_t)batch : n;
            size_t nt = 0;
            float scale = 1.0f / (float)(e - s);
            memset(gb, 0, (size_t)C * sizeof *gb);
            for (size_t bi = s; bi < e; bi++) {
                const nlu_feats *x = &X[order[bi]];
                nlu_clf_logits(c, x, z);
                nlu_softmax(z, C, 1.0f);
                z[ex[order[bi]].label] -= 1.0f; /* dLoss/dlogits of cross-entropy */
                for (int k = 0; k < C; k++)
                    gb[k] += z[k] * scale;
                for (int i = 0; i < x->n; i++) {
                    uint32_t f = x->idx[i];
                    if (!mark[f]) {
                        mark[f] = 1;
                        touched[nt++] = f;
                    }
                    float *gr = g + (size_t)f * (size_t)C;
                    float vs = x->val[i] * scale;
                    for (int k = 0; k < C; k++)
                        gr[k] += vs * z[k];
                }
            }
            b1t *= b1;
            b2t *= b2;
            float a = lr * sqrtf(1 - b2t) / (1 - b1t);
            for (size_t ti = 0; ti < nt; ti++) {
                size_t off = (size_t)touched[ti] * (size_t)C;
                for (int k = 0; k < C; k++) {
                    float gr = g[off + k] + p->l2 * c->w[off + k];
                    m[off + k] = b1 * m[off + k] + (1 - b1) * gr;
                    v[off + k] = b2 * v[off + k] + (1 - b2) * gr * gr;
                    c->w[off + k] -= a * m[off + k] / (sqrtf(v[off + k]) + eps);
                    g[off + k] = 0;
                }
                mark[touched[ti]] = 0;
            }
            for (int k = 0; k < C; k++) {
                mb[k] = b1 * mb[k] + (1 - b1) * gb[k];
                vb[k] = b2 * vb[k] + (1 - b2) * gb[k] * gb[k];
                c->b[k] -= a * mb[k] / (sqrtf(vb[k]) + eps);
            }
        }
    }
    for (size_t i = 0; i < DC; i++)
        if (!isfinite(c->w[i])) {
            hark_error(HARK_ERR_NUMERIC, "classifier: training diverged");
            goto fail;
        }
    goto done;
nomem:
    hark_error(HARK_ERR_NOMEM, "classifier: out of memory");
fail:
    nlu_clf_free(c);
    c = NULL;
done:
    free(X);
    free(m);
    free(v);
    free(g);
    free(mb);
    free(vb);
    free(gb);
    free(mark);
    free(order);
    free(touched);
    return c;
}

static double nll_at(const float *logits, const int *labels, size_t n, int k, double T)
{
    double sum = 0;
    for (size_t i = 0; i < n; i++) {
        const float *z = logits + i * (size_t)k;
        double mx = z[0];
        for (int j = 1; j < k; j++)
            if (z[j] > mx)
                mx = z[j];
        double s = 0;
        for (int j = 0; j < k; j++)
            s += exp((z[j] - mx) / T);
        sum += -((z[labels[i]] - mx) / T - log(s));
    }
    return sum / (double)n;
}

float nlu_fit_temperature(const float *logits, const int *labels, size_t n, int k)
{
    if (n == 0)
        return 1.0f;
    /* The NLL is unimodal in log T: golden-section search over T in [0.05, 20]. */
    double lo = log(0.05), hi = log(20.0);
    const double phi = 0.6180339887498949;
    double x1 = hi - phi * (hi - lo), x2 = lo + phi * (hi - lo);
    double f1 = nll_at(logits, labels, n, k, exp(x1)), f2 = nll_at(logits, labels, n, k, exp(x2));
    for (int it = 0; it < 40; it++) {
        if (f1 < f2) {
            hi = x2;
            x2 = x1;
            f2 = f1;
            x1 = hi - phi * (hi - lo);
            f1 = nll_at(logits, labels, n, k, exp(x1));
        } else {
            lo = x1;
            x1 = x2;
            f1 = f2;
            x2 = lo + phi * (hi - lo);
            f2 = nll_at(logits, labels, n, k, exp(x2));
        }
    }
    return (float)exp(0.5 * (lo + hi));
}
