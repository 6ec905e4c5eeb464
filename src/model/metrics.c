/* metrics.c - word and character error rates by Levenshtein alignment, utterance accuracy and
 * the tally of word confusions that `hark eval` reports. */
#include <stdlib.h>
#include <string.h>

#include "model/model_internal.h"

typedef struct confusion {
    char *ref, *hyp;
    long count;
} confusion;

struct hark_metrics {
    hark_metrics_summary sum;
    confusion *conf;
    size_t n_conf, cap_conf;
};

/* Split into tokens: words (whitespace-separated, as [start,len) byte ranges) or code points. */
typedef struct span {
    const char *s;
    size_t len;
} span;

static span *split_words(const char *text, size_t *n)
{
    size_t cap = strlen(text) / 2 + 2, k = 0;
    span *out = malloc(cap * sizeof *out);
    if (!out)
        return NULL;
    const char *p = text;
    while (*p) {
        while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
            p++;
        if (!*p)
            break;
        const char *b = p;
        while (*p && *p != ' ' && *p != '\t' && *p != '\n' && *p != '\r')
            p++;
        out[k++] = (span){b, (size_t)(p - b)};
    }
    *n = k;
    return out;
}

static span *split_chars(const char *text, size_t *n)
{
    size_t k = 0;
    span *out = malloc((strlen(text) + 1) * sizeof *out);
    if (!out)
        return NULL;
    const char *p = text;
    while (*p) {
        const char *b = p;
        hark_utf8_next(&p); /* an invalid byte counts as one symbol */
        out[k++] = (span){b, (size_t)(p - b)};
    }
    *n = k;
    return out;
}

static int span_eq(span a, span b) { return a.len == b.len && memcmp(a.s, b.s, a.len) == 0; }

/* Full DP table (rows: ref, cols: hyp) so the alignment can be traced back. NULL on OOM. */
static long *edit_table(const span *r, size_t nr, const span *h, size_t nh)
{
    size_t w = nh + 1;
    long *d = malloc((nr + 1) * w * sizeof *d);
    if (!d)
        return NULL;
    for (size_t j = 0; j <= nh; j++)
        d[j] = (long)j;
    for (size_t i = 1; i <= nr; i++) {
        d[i * w] = (long)i;
        for (size_t j = 1; j <= nh; j++) {
            long sub = d[(i - 1) * w + j - 1] + !span_eq(r[i - 1], h[j - 1]);
            long del = d[(i - 1) * w + j] + 1;
            long ins = d[i * w + j - 1] + 1;
            long best = sub < del ? sub : del;
            d[i * w + j] = best < ins ? best : ins;
        }
    }
    return d;
}

static long distance(span *(*split)(const char *, size_t *), const char *a, const char *b)
{
    size_t na, nb;
    span *sa = split(a ? a : "", &na), *sb = split(b ? b : "", &nb);
    long dist = -1;
    long *d = sa && sb ? edit_table(sa, na, sb, nb) : NULL;
    if (d)
        dist = d[na * (nb + 1) + nb];
    free(d);
    free(sa);
    free(sb);
    return dist;
}

long hark_edit_distance_chars(const char *a, const char *b) { return distance(split_chars, a, b); }
long hark_edit_distance_words(const char *a, const char *b) { return distance(split_words, a, b); }

hark_metrics *hark_metrics_create(void)
{
    hark_metrics *m = calloc(1, sizeof *m);
    if (!m)
        hark_error(HARK_ERR_NOMEM, "out of memory");
    return m;
}

void hark_metrics_free(hark_metrics *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->n_conf; i++) {
        free(m->conf[i].ref);
        free(m->conf[i].hyp);
    }
    free(m->conf);
    free(m);
}

static hark_status count_confusion(hark_metrics *m, span r, span h)
{
    for (size_t i = 0; i < m->n_conf; i++) {
        confusion *c = &m->conf[i];
        if (strlen(c->ref) == r.len && strlen(c->hyp) == h.len && memcmp(c->ref, r.s, r.len) == 0
            && memcmp(c->hyp, h.s, h.len) == 0) {
            c->count++;
            return HARK_OK;
        }
    }
    if (m->n_conf == m->cap_conf) {
        size_t cap = m->cap_conf ? 2 * m->cap_conf : 32;
        confusion *nc = realloc(m->conf, cap * sizeof *nc);
        if (!nc)
            return hark_error(HARK_ERR_NOMEM, "out of memory");
        m->conf = nc;
        m->cap_conf = cap;
    }
    confusion *c = &m->conf[m->n_conf];
    c->ref = strndup(r.s, r.len);
    c->hyp = strndup(h.s, h.len);
    c->count = 1;
    if (!c->ref || !c->hyp) {
        free(c->ref);
        free(c->hyp);
        return hark_error(HARK_ERR_NOMEM, "out of memory");
    }
    m->n_conf++;
    return HARK_OK;
}

hark_status hark_metrics_add(hark_metrics *m, const char *ref, const char *hyp, long *word_errors,
                             long *char_errors)
{
    if (!m || !ref || !hyp)
        return hark_error(HARK_ERR_INVALID_ARG, "hark_metrics_add: NULL argument");
    hark_status st = HARK_OK;
    size_t nr = 0, nh = 0, ncr = 0, nch = 0; /* split_* leave them unset on failure */
    span *rw = split_words(ref, &nr), *hw = split_words(hyp, &nh);
    span *rc = split_chars(ref, &ncr), *hc = split_chars(hyp, &nch);
    long *d = rw && hw ? edit_table(rw, nr, hw, nh) : NULL;
    long cerr = rc && hc ? distance(split_chars, ref, hyp) : -1;
    if (!d || cerr < 0) {
        st = hark_error(HARK_ERR_NOMEM, "out of memory");
        goto done;
    }
    size_t w = nh + 1;
    long werr = d[nr * w + nh];
    /* Trace one optimal alignment back to tally confusions. */
    span none = {"", 0};
    size_t i = nr, j = nh;
    while ((i > 0 || j > 0) && st == HARK_OK) {
        if (i > 0 && j > 0 && d[i * w + j] == d[(i - 1) * w + j - 1] + !span_eq(rw[i - 1], hw[j - 1])) {
            if (!span_eq(rw[i - 1], hw[j - 1]))
                st = count_confusion(m, rw[i - 1], hw[j - 1]);
            i--, j--;
        } else if (i > 0 && d[i * w + j] == d[(i - 1) * w + j] + 1) {
            st = count_confusion(m, rw[i - 1], none);
            i--;
        } else {
            st = count_confusion(m, none, hw[j - 1]);
            j--;
        }
    }
    m->sum.n++;
    m->sum.ref_words += (long)nr;
    m->sum.word_errors += werr;
    m->sum.ref_chars += (long)ncr;
    m->sum.char_errors += cerr;
    m->sum.utt_correct += strcmp(ref, hyp) == 0;
    if (word_errors)
        *word_errors = werr;
    if (char_errors)
        *char_errors = cerr;
done:
    free(d);
    free(rw);
    free(hw);
    free(rc);
    free(hc);
    return st;
}

hark_metrics_summary hark_metrics_get(const hark_metrics *m)
{
    hark_metrics_summary s = m->sum;
    s.wer = s.ref_words > 0 ? (double)s.word_errors / (double)s.ref_words : 0.0;
    s.cer = s.ref_chars > 0 ? (double)s.char_errors / (double)s.ref_chars : 0.0;
    s.utt_acc = s.n > 0 ? (double)s.utt_correct / (double)s.n : 0.0;
    return s;
}

/* Substitutions before deletions/insertions, then by count, then by name for a stable order. */
static int conf_cmp(const void *pa, const void *pb)
{
    const confusion *a = pa, *b = pb;
    int sa = a->ref[0] && a->hyp[0], sb = b->ref[0] && b->hyp[0];
    if (sa != sb)
        return sb - sa;
    if (a->count != b->count)
        return a->count > b->count ? -1 : 1;
    int c = strcmp(a->ref, b->ref);
    return c ? c : strcmp(a->hyp, b->hyp);
}

size_t hark_metrics_top_confusions(hark_metrics *m, hark_substitution *out, size_t cap)
{
    if (!m || !out)
        return 0;
    /* Sorting in place is harmless: nothing else depends on the tally's order. */
    if (m->n_conf > 1)
        qsort(m->conf, m->n_conf, sizeof *m->conf, conf_cmp);
    size_t k = m->n_conf < cap ? m->n_conf : cap;
    for (size_t i = 0; i < k; i++)
        out[i] = (hark_substitution){m->conf[i].ref, m->conf[i].hyp, m->conf[i].count};
    return k;
}
