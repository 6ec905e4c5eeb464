/* adam.c - the Adam optimiser (Kingma & Ba 2015) with bias correction, global gradient-norm
 * clipping (as torch.nn.utils.clip_grad_norm_) and optional decoupled weight decay (AdamW).
 * Both moment arrays are one allocation.
 *
 * Reference test: tests/test_adam.c (hand-worked step, double-precision transcription), and
 * the 10-step Adam trajectory against PyTorch in tests/test_nn_ref.c (tests/ref/nn_fixtures.py).
 * Benchmark: part of every training step in 'hark bench train' (bench/train). */
#include "hark/nn.h"

#include <math.h>
#include <stdlib.h>

struct hark_adam {
    size_t n;
    hark_adam_config cfg;
    long t;
    float *m, *v; /* v = m + n */
};

hark_adam_config hark_adam_default_config(void)
{
    hark_adam_config c = {.lr = 1e-3f, .beta1 = 0.9f, .beta2 = 0.999f, .eps = 1e-8f,
                          .weight_decay = 0.0f, .clip_norm = 5.0f};
    return c;
}

hark_adam *hark_adam_create(size_t n, const hark_adam_config *cfg)
{
    if (n == 0 || !cfg) {
        hark_error(HARK_ERR_INVALID_ARG, "adam: need n > 0 parameters and a config");
        return NULL;
    }
    if (!(cfg->beta1 >= 0.0f && cfg->beta1 < 1.0f && cfg->beta2 >= 0.0f && cfg->beta2 < 1.0f &&
          cfg->eps > 0.0f && cfg->weight_decay >= 0.0f && cfg->clip_norm >= 0.0f)) {
        hark_error(HARK_ERR_INVALID_ARG,
                   "adam: betas must be in [0, 1), eps > 0, weight decay and clip norm >= 0");
        return NULL;
    }
    hark_adam *opt = calloc(1, sizeof *opt);
    float *mem = calloc(2 * n, sizeof(float));
    if (!opt || !mem) {
        free(opt);
        free(mem);
        hark_error(HARK_ERR_NOMEM, "adam: out of memory for %zu moments", 2 * n);
        return NULL;
    }
    opt->n = n;
    opt->cfg = *cfg;
    opt->m = mem;
    opt->v = mem + n;
    return opt;
}

void hark_adam_free(hark_adam *opt)
{
    if (!opt)
        return;
    free(opt->m);
    free(opt);
}

hark_status hark_adam_step(hark_adam *opt, float *params, float *grads, float lr, float *grad_norm)
{
    if (!opt || !params || !grads)
        return hark_error(HARK_ERR_INVALID_ARG, "adam: NULL argument");
    if (!(lr >= 0.0f) || !isfinite(lr))
        return hark_error(HARK_ERR_INVALID_ARG, "adam: learning rate %g is not >= 0", (double)lr);
    size_t n = opt->n;
    double sq = 0.0;
    for (size_t i = 0; i < n; i++)
        sq += (double)grads[i] * grads[i];
    double norm = sqrt(sq);
    if (grad_norm)
        *grad_norm = (float)norm;
    if (!isfinite(norm))
        return hark_error(HARK_ERR_NUMERIC, "adam: the gradient holds a NaN or infinity; step skipped");
    const hark_adam_config *c = &opt->cfg;
    float scale = 1.0f;
    if (c->clip_norm > 0.0f) {
        double coef = c->clip_norm / (norm + 1e-6); /* torch.nn.utils.clip_grad_norm_ */
        if (coef < 1.0)
            scale = (float)coef;
    }
    opt->t++;
    float b1 = c->beta1, b2 = c->beta2;
    float bc1 = 1.0f - (float)pow(b1, (double)opt->t);
    float bc2 = 1.0f - (float)pow(b2, (double)opt->t);
    float step = lr / bc1, rbc2 = 1.0f / sqrtf(bc2), decay = 1.0f - lr * c->weight_decay;
    float *restrict m = opt->m, *restrict v = opt->v, *restrict p = params, *restrict g = grads;
    for (size_t i = 0; i < n; i++) {
        float gi = g[i] * scale;
        g[i] = gi;
        m[i] = b1 * m[i] + (1.0f - b1) * gi;
        v[i] = b2 * v[i] + (1.0f - b2) * gi * gi;
        p[i] = p[i] * decay - step * m[i] / (sqrtf(v[i]) * rbc2 + c->eps);
    }
    return HARK_OK;
}

long hark_adam_steps(const hark_adam *opt) { return opt->t; }
void hark_adam_set_steps(hark_adam *opt, long t) { opt->t = t < 0 ? 0 : t; }
float *hark_adam_m(hark_adam *opt) { return opt->m; }
float *hark_adam_v(hark_adam *opt) { return opt->v; }
