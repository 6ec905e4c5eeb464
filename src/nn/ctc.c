/* ctc.c - connectionist temporal classification loss and its gradient (Graves et al. 2006),
 * computed per utterance with the alpha-beta recursions in log space, in double precision so
 * that thousands of frames neither underflow nor lose the small differences the gradient needs.
 *
 * With the extended label sequence l' = (blank, l1, blank, l2, ..., blank) of length S = 2L+1:
 *   alpha[t][s]: log-probability of all prefixes of paths ending in l'_s at frame t (emission
 *                at t included); beta[t][s]: of all suffixes after frame t starting from l'_s
 *                (emission at t excluded). Then alpha+beta summed over s is the path total, and
 *   dL/dz[t][k] = softmax(z)[t][k] - sum_{s: l'_s = k} exp(alpha[t][s] + beta[t][s] - log p). */
#include "hark/nn.h"

#include "core/util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Frames a label sequence needs: one per label plus a blank between each equal neighbours. */
static int ctc_min_frames(const int *lab, int L)
{
    int need = L;
    for (int i = 1; i < L; i++)
        need += lab[i] == lab[i - 1];
    return need;
}

static int has_nan(const float *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (isnan(x[i]))
            return 1;
    return 0;
}

/* l'_s for s in 0..2L */
static inline int ext_label(const int *lab, int s) { return s & 1 ? lab[s >> 1] : 0; }

/* May l'_s be reached from l'_{s-2} (skipping the blank between two different labels)? */
static inline int can_skip(const int *lab, int s) { return (s & 1) && s >= 3 && lab[s >> 1] != lab[(s >> 1) - 1]; }

static double ctc_one(const float *lp, int T, int V, const int *lab, int L, double *alpha,
                      double *beta, double *acc, float *grad)
{
    int S = 2 * L + 1;
    for (int i = 0; i < T * S; i++)
        alpha[i] = beta[i] = -INFINITY;
    alpha[0] = lp[0];
    if (L > 0)
        alpha[1] = lp[lab[0]];
    for (int t = 1; t < T; t++) {
        const double *ap = alpha + (size_t)(t - 1) * S;
        double *a = alpha + (size_t)t * S;
        const float *lpt = lp + (size_t)t * V;
        for (int s = 0; s < S; s++) {
            double v = ap[s];
            if (s >= 1)
                v = util_log_add(v, ap[s - 1]);
            if (can_skip(lab, s))
                v = util_log_add(v, ap[s - 2]);
            a[s] = v == -INFINITY ? v : v + lpt[ext_label(lab, s)];
        }
    }
    double *blast = beta + (size_t)(T - 1) * S;
    blast[S - 1] = 0.0;
    if (L > 0)
        blast[S - 2] = 0.0;
    for (int t = T - 2; t >= 0; t--) {
        const double *bn = beta + (size_t)(t + 1) * S;
        double *bt = beta + (size_t)t * S;
        const float *lpn = lp + (size_t)(t + 1) * V;
        for (int s = 0; s < S; s++) {
            double v = bn[s] + lpn[ext_label(lab, s)];
            if (s + 1 < S)
                v = util_log_add(v, bn[s + 1] + lpn[ext_label(lab, s + 1)]);
            if (s + 2 < S && can_skip(lab, s + 2))
                v = util_log_add(v, bn[s + 2] + lpn[ext_label(lab, s + 2)]);
            bt[s] = v;
        }
    }
    const double *alast = alpha + (size_t)(T - 1) * S;
    double logp = L > 0 ? util_log_add(alast[S - 1], alast[S - 2]) : alast[0];
    if (!isfinite(logp)) /* no path of nonzero probability */
        return -INFINITY;
    if (!grad)
        return logp;
    for (int t = 0; t < T; t++) {
        const double *a = alpha + (size_t)t * S, *bt = beta + (size_t)t * S;
        for (int v = 0; v < V; v++)
            acc[v] = -INFINITY;
        for (int s = 0; s < S; s++) {
            int k = ext_label(lab, s);
            acc[k] = util_log_add(acc[k], a[s] + bt[s]);
        }
        const float *lpt = lp + (size_t)t * V;
        float *g = grad + (size_t)t * V;
        for (int v = 0; v < V; v++)
            g[v] = (float)(exp((double)lpt[v]) - exp(acc[v] - logp));
    }
    return logp;
}

hark_status hark_ctc_loss(const float *logprobs, int B, int T, int V, const int *in_lengths,
                          const int *targets, const int *target_lengths, float *losses,
                          float *dlogits)
{
    if (!logprobs || !in_lengths || !target_lengths || !losses || B < 1 || T < 1 || V < 2)
        return hark_error(HARK_ERR_INVALID_ARG, "ctc: bad arguments (B=%d T=%d V=%d)", B, T, V);
    int maxL = 0;
    size_t total = 0;
    for (int b = 0; b < B; b++) {
        if (in_lengths[b] < 1 || in_lengths[b] > T)
            return hark_error(HARK_ERR_INVALID_ARG, "ctc: input length %d of utterance %d not in 1..%d",
                              in_lengths[b], b, T);
        if (target_lengths[b] < 0)
            return hark_error(HARK_ERR_INVALID_ARG, "ctc: negative target length for utterance %d", b);
        maxL = target_lengths[b] > maxL ? target_lengths[b] : maxL;
        total += (size_t)target_lengths[b];
    }
    if (total > 0 && !targets)
        return hark_error(HARK_ERR_INVALID_ARG, "ctc: NULL targets");
    for (size_t i = 0; i < total; i++)
        if (targets[i] < 1 || targets[i] >= V)
            return hark_error(HARK_ERR_INVALID_ARG, "ctc: label %d at position %zu not in 1..%d",
                              targets[i], i, V - 1);
    size_t S = 2 * (size_t)maxL + 1;
    double *mem = malloc((2 * (size_t)T * S + (size_t)V) * sizeof(double));
    if (!mem)
        return hark_error(HARK_ERR_NOMEM, "ctc: out of memory for %d frames x %zu states", T, S);
    double *alpha = mem, *beta = mem + (size_t)T * S, *acc = beta + (size_t)T * S;
    const int *lab = targets;
    int bad = -1;
    for (int b = 0; b < B; b++) {
        int Tb = in_lengths[b], L = target_lengths[b];
        const float *lp = logprobs + (size_t)b * T * V;
        float *g = dlogits ? dlogits + (size_t)b * T * V : NULL;
        if (g)
            memset(g, 0, (size_t)T * V * sizeof(float));
        double logp = -INFINITY;
        if (has_nan(lp, (size_t)Tb * V))
            logp = NAN;
        else if (ctc_min_frames(lab, L) <= Tb)
            logp = ctc_one(lp, Tb, V, lab, L, alpha, beta, acc, g);
        if (!isfinite(logp) && g) /* no alignment (or NaN input): leave no gradient */
            memset(g, 0, (size_t)T * V * sizeof(float));
        if (isnan(logp) && bad < 0)
            bad = b;
        losses[b] = logp == -INFINITY ? INFINITY : (float)-logp;
        lab += L;
    }
    free(mem);
    if (bad >= 0)
        return hark_error(HARK_ERR_NUMERIC, "ctc: the log-probabilities of utterance %d hold a NaN", bad);
    return HARK_OK;
}
