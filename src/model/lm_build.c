/* lm_build.c - estimating an n-gram model from sentences with interpolated modified Kneser-Ney
 * smoothing (hark_lm_build), written as an ARPA file.
 *
 * The method is that of S. F. Chen and J. Goodman, "An empirical study of smoothing techniques
 * for language modeling", Harvard TR-10-98 (1998), section 3 ("modified Kneser-Ney"):
 *  - counts: the highest order uses raw counts; a lower-order n-gram g uses its continuation
 *    count N1+(. g), the number of distinct words seen before it - except n-grams starting with
 *    <s>, which nothing can precede and which keep their raw counts (the usual convention, also
 *    KenLM's);
 *  - three discounts per order from that order's count-of-counts n1..n4:
 *    Y = n1 / (n1 + 2 n2), D1 = 1 - 2Y n2/n1, D2 = 2 - 3Y n3/n2, D3+ = 3 - 4Y n4/n3; when one
 *    comes out undefined or outside (0, c) (tiny corpora) the order uses 0.5, 1, 1.5 instead
 *    (KenLM's --discount_fallback values);
 *  - interpolation: p(w|h) = (c(hw) - D(c(hw))) / c(h.) + gamma(h) p(w|h'), h' = h without its
 *    oldest word, gamma(h) = (D1 N1(h.) + D2 N2(h.) + D3+ N3+(h.)) / c(h.); the unigrams
 *    interpolate with the uniform distribution over the vocabulary (every word but <s>, plus
 *    <unk>, which thus gets gamma/|V|).
 * Since an unseen w gets exactly gamma(h) p(w|h'), the ARPA back-off weight of h is gamma(h).
 * Empty sentences are skipped. tests/ref/kn_reference.py computes the same model independently. */
#include "model/lm_internal.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/util.h"

/* Per n-gram: its (adjusted) count, its interpolated probability, and its back-off weight
 * gamma as a context of the next order (1 when it is none). */
typedef struct kn_gram {
    uint32_t count;
    float prob;
    float bo;
} kn_gram;

/* Per context h of an order: c(h.), N1(h.), N2(h.), N3+(h.) and gamma(h). */
typedef struct kn_hist {
    uint32_t total, n1, n2, n3;
    float gamma;
} kn_hist;

typedef struct kn_builder {
    int order;
    lm_vocab vocab;
    int32_t *tok; /* every sentence as <s> w.. </s>, sentences separated by -1 */
    size_t n_tok, tok_cap;
    lm_table gram[HARK_LM_MAX_ORDER + 1]; /* gram[k]: the k-grams, value kn_gram */
    lm_table hist[HARK_LM_MAX_ORDER + 1]; /* hist[k], k >= 2: the contexts of order k, kn_hist */
    kn_hist uni_hist;                     /* the one (empty) context of the unigrams */
    double disc[HARK_LM_MAX_ORDER + 1][4]; /* disc[k][c]: D_c of order k, c = 1..3 */
    int32_t bos, eos, unk;
} kn_builder;

static void builder_free(kn_builder *b)
{
    for (int k = 0; k <= HARK_LM_MAX_ORDER; k++) {
        lm_table_free(&b->gram[k]);
        lm_table_free(&b->hist[k]);
    }
    free(b->tok);
    lm_vocab_free(&b->vocab);
}

static int push_tok(kn_builder *b, int32_t id)
{
    if (id < -1 || util_grow(&b->tok, &b->tok_cap, b->n_tok + 1, sizeof *b->tok, 1 << 16))
        return -1;
    b->tok[b->n_tok++] = id;
    return 0;
}

static int is_blank(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

/* Intern every word of every sentence into b->tok. */
static hark_status tokenize(kn_builder *b, const char *const *sentences, size_t n)
{
    static const char *const specials[3] = {"<s>", "</s>", "<unk>"};
    int32_t *ids[3] = {&b->bos, &b->eos, &b->unk};
    for (int i = 0; i < 3; i++)
        if ((*ids[i] = lm_vocab_add(&b->vocab, specials[i], strlen(specials[i]), NULL)) < 0)
            return hark_error(HARK_ERR_NOMEM, "lm build: out of memory");
    for (size_t i = 0; i < n; i++) {
        const char *s = sentences[i];
        if (!s)
            return hark_error(HARK_ERR_INVALID_ARG, "lm build: sentence %zu is NULL", i);
        size_t start = b->n_tok;
        if (push_tok(b, b->bos))
            return hark_error(HARK_ERR_NOMEM, "lm build: out of memory");
        while (*s) {
            while (is_blank(*s))
                s++;
            size_t len = 0;
            while (s[len] && !is_blank(s[len]))
                len++;
            if (len && push_tok(b, lm_vocab_add(&b->vocab, s, len, NULL)))
                return hark_error(HARK_ERR_NOMEM, "lm build: out of memory");
            s += len;
        }
        if (b->n_tok == start + 1) { /* no words: skip the sentence */
            b->n_tok = start;
            continue;
        }
        if (push_tok(b, b->eos) || push_tok(b, -1))
            return hark_error(HARK_ERR_NOMEM, "lm build: out of memory");
    }
    if (b->n_tok >= UINT32_MAX / 2)
        return hark_error(HARK_ERR_UNSUPPORTED, "lm build: more than 2^31 words of text");
    return HARK_OK;
}

/* ---- counting ---------------------------------------------------------------------------- */

/* Add the raw counts of the k-grams at every position (only those starting with <s> when
 * bos_only) to gram[k]. */
static int count_raw(kn_builder *b, int k, int bos_only)
{
    for (size_t i = 0; i + (size_t)k <= b->n_tok; i++) {
        if (bos_only && b->tok[i] != b->bos)
            continue;
        int ok = 1;
        for (int j = 0; j < k && ok; j++)
            ok = b->tok[i + (size_t)j] >= 0;
        if (!ok)
            continue;
        kn_gram *g = lm_table_insert(&b->gram[k], b->tok + i, NULL);
        if (!g)
            return -1;
        g->count++;
    }
    return 0;
}

/* Continuation counts of order k from the distinct (k+1)-grams: each adds one to its suffix. */
static int count_continuations(kn_builder *b, int k)
{
    const lm_table *up = &b->gram[k + 1];
    for (size_t s = 0; s < up->cap; s++) {
        const int32_t *key = lm_table_key(up, s);
        if (key[0] < 0)
            continue;
        kn_gram *g = lm_table_insert(&b->gram[k], key + 1, NULL);
        if (!g)
            return -1;
        g->count++;
    }
    return 0;
}

static hark_status count_all(kn_builder *b)
{
    int N = b->order;
    for (int k = 1; k <= N; k++)
        if (lm_table_init(&b->gram[k], k, sizeof(kn_gram), k == 1 ? b->vocab.n : 1 << 16))
            return hark_error(HARK_ERR_NOMEM, "lm build: out of memory");
    if (count_raw(b, N, 0))
        return hark_error(HARK_ERR_NOMEM, "lm build: out of memory");
    for (int k = N - 1; k >= 1; k--)
        if (count_raw(b, k, 1) || count_continuations(b, k))
            return hark_error(HARK_ERR_NOMEM, "lm build: out of memory");
    return HARK_OK;
}

/* ---- discounts and context statistics ----------------------------------------------------- */

/* The k-grams that take part in the distributions: all but the unigram <s>. */
static int takes_part(const kn_builder *b, int k, const int32_t *key)
{
    return key[0] >= 0 && !(k == 1 && key[0] == b->bos);
}

static void set_discounts(kn_builder *b, int k)
{
    double n[5] = {0};
    const lm_table *t = &b->gram[k];
    for (size_t s = 0; s < t->cap; s++) {
        const int32_t *key = lm_table_key(t, s);
        uint32_t c = ((const kn_gram *)lm_table_val(t, s))->count;
        if (takes_part(b, k, key) && c <= 4)
            n[c]++;
    }
    double y = n[1] + 2 * n[2] > 0 ? n[1] / (n[1] + 2 * n[2]) : NAN;
    double d[4] = {0, 1 - 2 * y * n[2] / n[1], 2 - 3 * y * n[3] / n[2], 3 - 4 * y * n[4] / n[3]};
    int ok = 1;
    for (int c = 1; c <= 3; c++)
        ok = ok && isfinite(d[c]) && d[c] > 0 && d[c] < c;
    for (int c = 1; c <= 3; c++)
        b->disc[k][c] = ok ? d[c] : 0.5 * c;
    b->disc[k][0] = 0;
}

static double discount(const kn_builder *b, int k, uint32_t c)
{
    return b->disc[k][c >= 3 ? 3 : c];
}

static void hist_add(kn_hist *h, uint32_t c)
{
    h->total += c;
    h->n1 += c == 1;
    h->n2 += c == 2;
    h->n3 += c >= 3;
}

static void hist_finish(const kn_builder *b, int k, kn_hist *h)
{
    double num = b->disc[k][1] * h->n1 + b->disc[k][2] * h->n2 + b->disc[k][3] * h->n3;
    h->gamma = h->total ? (float)(num / h->total) : 1.0f;
}

static hark_status gather_contexts(kn_builder *b, int k)
{
    const lm_table *t = &b->gram[k];
    if (k >= 2 && lm_table_init(&b->hist[k], k - 1, sizeof(kn_hist), t->n / 2))
        return hark_error(HARK_ERR_NOMEM, "lm build: out of memory");
    for (size_t s = 0; s < t->cap; s++) {
        const int32_t *key = lm_table_key(t, s);
        if (!takes_part(b, k, key))
            continue;
        uint32_t c = ((const kn_gram *)lm_table_val(t, s))->count;
        kn_hist *h = k == 1 ? &b->uni_hist : lm_table_insert(&b->hist[k], key, NULL);
        if (!h)
            return hark_error(HARK_ERR_NOMEM, "lm build: out of memory");
        hist_add(h, c);
    }
    if (k == 1) {
        hist_finish(b, 1, &b->uni_hist);
        return HARK_OK;
    }
    for (size_t s = 0; s < b->hist[k].cap; s++)
        if (lm_table_key(&b->hist[k], s)[0] >= 0)
            hist_finish(b, k, lm_table_val(&b->hist[k], s));
    return HARK_OK;
}

/* ---- probabilities -------------------------------------------------------------------------- */

/* Words of the uniform distribution under the unigrams: every listed word but <s>, plus <unk>. */
static double uniform_size(const kn_builder *b)
{
    size_t v = b->gram[1].n - (lm_table_find(&b->gram[1], &b->bos) ? 1 : 0);
    if (!lm_table_find(&b->gram[1], &b->unk))
        v++;
    return (double)v;
}

static void set_probs(kn_builder *b, int k)
{
    const lm_table *t = &b->gram[k];
    double uniform = 1.0 / uniform_size(b);
    for (size_t s = 0; s < t->cap; s++) {
        const int32_t *key = lm_table_key(t, s);
        kn_gram *g = lm_table_val(t, s);
        if (!takes_part(b, k, key)) {
            g->prob = 0;
            continue;
        }
        const kn_hist *h = k == 1 ? &b->uni_hist : lm_table_find(&b->hist[k], key);
        double lower = k == 1 ? uniform
                              : ((const kn_gram *)lm_table_find(&b->gram[k - 1], key + 1))->prob;
        double own = ((double)g->count - discount(b, k, g->count)) / h->total;
        g->prob = (float)(own + h->gamma * lower);
    }
}

/* Each k-gram that is a context of order k+1 takes that context's gamma as back-off weight. */
static void set_backoffs(kn_builder *b, int k)
{
    const lm_table *t = &b->gram[k];
    for (size_t s = 0; s < t->cap; s++) {
        const int32_t *key = lm_table_key(t, s);
        if (key[0] < 0)
            continue;
        const kn_hist *h = k < b->order ? lm_table_find(&b->hist[k + 1], key) : NULL;
        ((kn_gram *)lm_table_val(t, s))->bo = h ? h->gamma : 1.0f;
    }
}

static hark_status estimate(kn_builder *b)
{
    for (int k = 1; k <= b->order; k++) {
        set_discounts(b, k);
        hark_status st = gather_contexts(b, k);
        if (st)
            return st;
    }
    for (int k = 1; k <= b->order; k++) {
        set_probs(b, k);
        set_backoffs(b, k);
    }
    return HARK_OK;
}

/* ---- writing ---------------------------------------------------------------------------------- */

typedef struct out_gram {
    int32_t ids[HARK_LM_MAX_ORDER];
    float prob, bo;
} out_gram;

static int cmp_out(const void *pa, const void *pb)
{
    const out_gram *a = pa, *b = pb;
    for (int i = 0; i < HARK_LM_MAX_ORDER; i++)
        if (a->ids[i] != b->ids[i])
            return a->ids[i] < b->ids[i] ? -1 : 1;
    return 0;
}

/* The k-grams to write, sorted by word ids (first-seen order); <unk> is added to the unigrams
 * when the text never had it. */
static out_gram *collect(const kn_builder *b, int k, size_t *n_out)
{
    const lm_table *t = &b->gram[k];
    out_gram *v = calloc(t->n + 1, sizeof *v);
    if (!v)
        return NULL;
    size_t n = 0;
    for (size_t s = 0; s < t->cap; s++) {
        const int32_t *key = lm_table_key(t, s);
        if (key[0] < 0)
            continue;
        const kn_gram *g = lm_table_val(t, s);
        memcpy(v[n].ids, key, (size_t)k * sizeof *key);
        v[n].prob = key[0] == b->bos && k == 1 ? -99.0f : log10f(g->prob);
        v[n++].bo = g->bo;
    }
    if (k == 1 && !lm_table_find(t, &b->unk))
        v[n++] = (out_gram){{b->unk}, log10f((float)(b->uni_hist.gamma / uniform_size(b))), 1.0f};
    qsort(v, n, sizeof *v, cmp_out);
    *n_out = n;
    return v;
}

static int write_arpa(const kn_builder *b, FILE *f)
{
    out_gram *sec[HARK_LM_MAX_ORDER + 1] = {0};
    size_t cnt[HARK_LM_MAX_ORDER + 1] = {0};
    int bad = 0;
    for (int k = 1; k <= b->order && !bad; k++)
        bad = !(sec[k] = collect(b, k, &cnt[k]));
    if (!bad) {
        fprintf(f, "\\data\\\n");
        for (int k = 1; k <= b->order; k++)
            fprintf(f, "ngram %d=%zu\n", k, cnt[k]);
    }
    for (int k = 1; k <= b->order && !bad; k++) {
        fprintf(f, "\n\\%d-grams:\n", k);
        for (size_t i = 0; i < cnt[k]; i++) {
            const out_gram *g = &sec[k][i];
            fprintf(f, "%.6f\t", g->prob);
            for (int j = 0; j < k; j++)
                fprintf(f, "%s%s", j ? " " : "", lm_vocab_word(&b->vocab, g->ids[j]));
            if (k < b->order && g->bo != 1.0f)
                fprintf(f, "\t%.6f", log10f(g->bo));
            fputc('\n', f);
        }
    }
    fprintf(f, "\n\\end\\\n");
    for (int k = 0; k <= HARK_LM_MAX_ORDER; k++)
        free(sec[k]);
    return bad ? -1 : 0;
}

/* Write to a temporary file beside `path`, then rename it into place. */
static hark_status write_atomically(const kn_builder *b, const char *path)
{
    size_t plen = strlen(path);
    char *tmp = malloc(plen + 16);
    if (!tmp)
        return hark_error(HARK_ERR_NOMEM, "lm build: out of memory");
    snprintf(tmp, plen + 16, "%s.tmpXXXXXX", path);
    hark_status st = HARK_OK;
    int fd = mkstemp(tmp);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!f) {
        st = hark_error(HARK_ERR_IO, "%s: cannot create a temporary file: %s", path, strerror(errno));
        if (fd >= 0) {
            close(fd);
            unlink(tmp);
        }
        free(tmp);
        return st;
    }
    fchmod(fd, 0644);
    int bad = write_arpa(b, f);
    if (bad)
        st = hark_error(HARK_ERR_NOMEM, "lm build: out of memory");
    else if (fflush(f) || ferror(f))
        st = hark_error(HARK_ERR_IO, "%s: write failed: %s", tmp, strerror(errno));
    if (fclose(f) && !st)
        st = hark_error(HARK_ERR_IO, "%s: write failed: %s", tmp, strerror(errno));
    if (!st && rename(tmp, path))
        st = hark_error(HARK_ERR_IO, "%s: %s", path, strerror(errno));
    if (st)
        unlink(tmp);
    free(tmp);
    return st;
}

hark_status hark_lm_build(const char *const *sentences, size_t n, int order, const char *out_path)
{
    if ((!sentences && n) || !out_path)
        return hark_error(HARK_ERR_INVALID_ARG, "hark_lm_build: NULL argument");
    if (order < 1 || order > HARK_LM_MAX_ORDER)
        return hark_error(HARK_ERR_INVALID_ARG, "lm build: order %d is not 1-%d", order,
                          HARK_LM_MAX_ORDER);
    kn_builder b = {.order = order};
    hark_status st = tokenize(&b, sentences, n);
    if (!st && b.n_tok == 0)
        st = hark_error(HARK_ERR_INVALID_ARG, "lm build: no words in the text");
    if (!st)
        st = count_all(&b);
    if (!st)
        st = estimate(&b);
    if (!st)
        st = write_atomically(&b, out_path);
    builder_free(&b);
    return st;
}
