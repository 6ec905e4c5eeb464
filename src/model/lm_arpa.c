/* lm_arpa.c - reading ARPA back-off language models (hark_lm_load_arpa and the from-memory
 * hark_lm_load_arpa_mem) into the hash tables of lm_internal.h.
 *
 * Accepted: what KenLM, SRILM and MITLM write - free text before "\data\", "ngram K=COUNT" for
 * K = 1..order (order <= HARK_LM_MAX_ORDER), one "\K-grams:" section per order, lines of
 * "log10prob w1 .. wK [log10backoff]" separated by tabs or spaces (CRLF tolerated), blank lines
 * anywhere, and "\end\". A missing back-off weight is 0. Refused, with "FILE:LINE: reason": a
 * section whose size differs from its \data\ count, numbers that are not finite decimals,
 * probabilities above 1, duplicate n-grams, words not among the 1-grams, an n-gram whose context
 * (its first K-1 words, where its back-off weight lives) is not listed, NUL bytes, and a file that
 * ends before \end\. The whole file is read into memory first: parsing splits lines in place. */
#include "model/lm_internal.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"

/* The ARPA convention's log10 probability for a word that cannot occur (<s>, and <unk> or </s>
 * when a file leaves them out). */
#define LM_FLOOR (-99.0f)
/* The shortest possible n-gram line ("-1 a\n"): bounds the counts a file can truthfully claim. */
#define MIN_LINE_BYTES 5

typedef struct parser {
    const char *name;
    char *buf;        /* the file, NUL-terminated; lines are cut in place */
    size_t len, pos;
    size_t line;      /* number of the line last returned */
    hark_lm *lm;
    size_t count[HARK_LM_MAX_ORDER + 1];
    size_t uni_cap;
} parser;

static hark_status perr(const parser *p, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static hark_status perr(const parser *p, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return hark_error(HARK_ERR_FORMAT, "%s:%zu: %s", p->name, p->line ? p->line : 1, msg);
}

static int is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; }

/* The next line, trimmed of surrounding white space, or NULL at the end of the file. */
static char *next_line(parser *p)
{
    if (p->pos >= p->len)
        return NULL;
    char *s = p->buf + p->pos, *nl = memchr(s, '\n', p->len - p->pos);
    char *end = nl ? nl : p->buf + p->len;
    p->pos = nl ? (size_t)(nl - p->buf) + 1 : p->len;
    p->line++;
    *end = '\0';
    while (end > s && is_space(end[-1]))
        *--end = '\0';
    while (is_space(*s))
        s++;
    return s;
}

/* Cut a line into at most `max` white-space separated fields; returns how many there were
 * (max + 1 when there were more). */
static int split_fields(char *s, char **f, int max)
{
    int n = 0;
    while (is_space(*s))
        s++;
    while (*s) {
        if (n == max)
            return max + 1;
        f[n++] = s;
        while (*s && !is_space(*s))
            s++;
        if (*s)
            *s++ = '\0';
        while (is_space(*s))
            s++;
    }
    return n;
}

/* A finite decimal number ("-1.5", "2e-3"); hex, inf and nan are refused. */
static int parse_number(const char *s, float *out)
{
    if (!*s || strspn(s, "0123456789.eE+-") != strlen(s))
        return -1;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (*end || !isfinite(v) || fabs(v) > 1e30)
        return -1;
    *out = (float)v;
    return 0;
}

/* A count: decimal digits only, below 2^40 (a claim any real file is far below). */
static int parse_count(const char *s, size_t *out)
{
    if (!*s || strspn(s, "0123456789") != strlen(s) || strlen(s) > 13)
        return -1;
    unsigned long long v = strtoull(s, NULL, 10);
    if (v >= (1ull << 40))
        return -1;
    *out = (size_t)v;
    return 0;
}

/* ---- header -------------------------------------------------------------------------------- */

/* "ngram K=COUNT" (spaces allowed around '='): 0 and *k, *count, or -1. */
static int parse_count_line(char *s, int *k, size_t *count)
{
    if (strncmp(s, "ngram", 5) || !is_space(s[5]))
        return -1;
    char *eq = strchr(s, '=');
    if (!eq)
        return -1;
    *eq = '\0';
    char *f[2];
    if (split_fields(s + 5, f, 1) != 1 || strspn(f[0], "0123456789") != strlen(f[0])
        || strlen(f[0]) > 3)
        return -1;
    *k = atoi(f[0]);
    if (split_fields(eq + 1, f, 1) != 1)
        return -1;
    return parse_count(f[0], count);
}

/* Read up to and including the "ngram K=COUNT" lines; *next gets the first line after them
 * that is not blank (NULL at the end of the file). */
static hark_status read_header(parser *p, char **next)
{
    char *s;
    while ((s = next_line(p)) && strcmp(s, "\\data\\"))
        ;
    if (!s)
        return perr(p, p->len ? "no \\data\\ section" : "empty file, no \\data\\ section");
    int order = 0;
    size_t total = 0;
    while ((s = next_line(p)) && (*s == '\0' || !strncmp(s, "ngram", 5))) {
        if (*s == '\0')
            continue;
        int k;
        size_t count;
        if (parse_count_line(s, &k, &count))
            return perr(p, "expected 'ngram K=COUNT' with a count below 2^40");
        if (k > HARK_LM_MAX_ORDER)
            return perr(p, "order %d is above the largest hark reads (%d)", k, HARK_LM_MAX_ORDER);
        if (k != order + 1)
            return perr(p, "'ngram %d=' follows order %d (orders must count up from 1)", k, order);
        order = k;
        p->count[k] = count;
        total += count;
        if (total > p->len / MIN_LINE_BYTES)
            return perr(p, "\\data\\ claims %zu n-grams, more than a file of %zu bytes can hold",
                        total, p->len);
    }
    if (!order)
        return perr(p, "\\data\\ lists no 'ngram K=COUNT' lines");
    p->lm->order = order;
    *next = s;
    return HARK_OK;
}

/* ---- n-gram sections ------------------------------------------------------------------------- */

static hark_status add_unigram(parser *p, char **f, int nf)
{
    hark_lm *lm = p->lm;
    float prob, bo = 0;
    if (parse_number(f[0], &prob))
        return perr(p, "'%.40s' is not a number", f[0]);
    if (prob > 0)
        return perr(p, "log10 probability %g is above 0", prob);
    if (nf == 3 && parse_number(f[2], &bo))
        return perr(p, "back-off weight '%.40s' is not a number", f[2]);
    int added;
    int32_t id = lm_vocab_add(&lm->vocab, f[1], strlen(f[1]), &added);
    if (id < 0 || util_grow(&lm->uni, &p->uni_cap, (size_t)id + 1, sizeof *lm->uni, 1024))
        return hark_error(HARK_ERR_NOMEM, "%s: out of memory", p->name);
    if (!added)
        return perr(p, "1-gram '%.60s' is listed twice", f[1]);
    lm->uni[id] = (lm_entry){prob, bo};
    return HARK_OK;
}

static hark_status add_ngram(parser *p, int k, char **f, int nf)
{
    hark_lm *lm = p->lm;
    float prob, bo = 0;
    if (parse_number(f[0], &prob))
        return perr(p, "'%.40s' is not a number", f[0]);
    if (prob > 0)
        return perr(p, "log10 probability %g is above 0", prob);
    if (nf == k + 2 && parse_number(f[k + 1], &bo))
        return perr(p, "back-off weight '%.40s' is not a number", f[k + 1]);
    int32_t ids[HARK_LM_MAX_ORDER];
    for (int i = 0; i < k; i++) {
        ids[i] = lm_vocab_find(&lm->vocab, f[1 + i], strlen(f[1 + i]));
        if (ids[i] < 0)
            return perr(p, "word '%.60s' of this %d-gram is not among the 1-grams", f[1 + i], k);
    }
    if (k > 2 && !lm_table_find(&lm->tab[k - 1], ids))
        return perr(p, "the context of this %d-gram (its first %d words) is not among the %d-grams",
                    k, k - 1, k - 1);
    int added;
    lm_entry *e = lm_table_insert(&lm->tab[k], ids, &added);
    if (!e)
        return hark_error(HARK_ERR_NOMEM, "%s: out of memory", p->name);
    if (!added)
        return perr(p, "this %d-gram is listed twice", k);
    *e = (lm_entry){prob, bo};
    return HARK_OK;
}

/* Read the lines of section k up to the next line starting with '\' (left for the caller). */
static hark_status read_section(parser *p, int k, char **next)
{
    size_t n = 0;
    char *s, *f[HARK_LM_MAX_ORDER + 3];
    while ((s = next_line(p)) && *s != '\\') {
        if (*s == '\0')
            continue;
        int nf = split_fields(s, f, k + 2);
        if (nf < k + 1 || nf > k + 2)
            return perr(p, "a %d-gram line needs a log10 probability, %d word%s and an optional "
                        "back-off weight", k, k, k > 1 ? "s" : "");
        if (++n > p->count[k])
            return perr(p, "more %d-grams than the %zu \\data\\ promises", k, p->count[k]);
        hark_status st = k == 1 ? add_unigram(p, f, nf) : add_ngram(p, k, f, nf);
        if (st)
            return st;
    }
    if (!s)
        return perr(p, "the file ends inside the %d-grams, before \\end\\", k);
    if (n != p->count[k])
        return perr(p, "the \\%d-grams: section holds %zu n-grams, \\data\\ promises %zu", k, n,
                    p->count[k]);
    *next = s;
    return HARK_OK;
}

static hark_status read_sections(parser *p, char *s)
{
    hark_lm *lm = p->lm;
    for (int k = 1; k <= lm->order; k++) {
        char want[32];
        snprintf(want, sizeof want, "\\%d-grams:", k);
        if (!s)
            return perr(p, "the file ends before the %s section", want);
        if (strcmp(s, want))
            return perr(p, "expected %s, got '%.60s'", want, s);
        if (k >= 2 && lm_table_init(&lm->tab[k], k, sizeof(lm_entry), p->count[k]))
            return hark_error(HARK_ERR_NOMEM, "%s: out of memory", p->name);
        hark_status st = read_section(p, k, &s);
        if (st)
            return st;
    }
    if (strcmp(s, "\\end\\"))
        return perr(p, "expected \\end\\ after the %d-grams, got '%.60s'", lm->order, s);
    return HARK_OK;
}

/* <s>, </s> and <unk> always have ids; those the file leaves out cannot occur. */
static hark_status add_specials(parser *p)
{
    hark_lm *lm = p->lm;
    static const char *const names[3] = {"<s>", "</s>", "<unk>"};
    int32_t *ids[3] = {&lm->bos, &lm->eos, &lm->unk};
    for (int i = 0; i < 3; i++) {
        int added;
        int32_t id = lm_vocab_add(&lm->vocab, names[i], strlen(names[i]), &added);
        if (id < 0 || util_grow(&lm->uni, &p->uni_cap, (size_t)id + 1, sizeof *lm->uni, 1024))
            return hark_error(HARK_ERR_NOMEM, "%s: out of memory", p->name);
        if (added)
            lm->uni[id] = (lm_entry){LM_FLOOR, 0};
        *ids[i] = id;
    }
    return HARK_OK;
}

/* Parse `buf` (len bytes followed by a NUL, owned by the caller and modified). */
static hark_lm *parse(const char *name, char *buf, size_t len)
{
    parser p = {.name = name, .buf = buf, .len = len};
    const char *nul = memchr(buf, '\0', len);
    if (nul) {
        for (const char *c = buf; c < nul; c++)
            p.line += *c == '\n';
        p.line++;
        perr(&p, "binary data (a NUL byte): not an ARPA text file");
        return NULL;
    }
    p.lm = calloc(1, sizeof *p.lm);
    if (!p.lm) {
        hark_error(HARK_ERR_NOMEM, "%s: out of memory", name);
        return NULL;
    }
    char *s = NULL;
    if (read_header(&p, &s) || read_sections(&p, s) || add_specials(&p)) {
        hark_lm_free(p.lm);
        return NULL;
    }
    return p.lm;
}

hark_lm *hark_lm_load_arpa_mem(const char *data, size_t len, const char *name)
{
    if (!data && len) {
        hark_error(HARK_ERR_INVALID_ARG, "hark_lm_load_arpa_mem: NULL data");
        return NULL;
    }
    if (!name)
        name = "(memory)";
    char *buf = malloc(len + 1);
    if (!buf) {
        hark_error(HARK_ERR_NOMEM, "%s: out of memory", name);
        return NULL;
    }
    if (len)
        memcpy(buf, data, len);
    buf[len] = '\0';
    hark_lm *lm = parse(name, buf, len);
    free(buf);
    return lm;
}

/* Read a whole file into a NUL-terminated malloc'd buffer. */
static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        hark_error(HARK_ERR_IO, "%s: %s", path, strerror(errno));
        return NULL;
    }
    char *buf = NULL;
    size_t cap = 0, n = 0;
    for (;;) {
        if (util_grow(&buf, &cap, n + 65536 + 1, 1, 1 << 20)) {
            hark_error(HARK_ERR_NOMEM, "%s: out of memory", path);
            goto fail;
        }
        size_t got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        hark_error(HARK_ERR_IO, "%s: read error: %s", path, strerror(errno));
        goto fail;
    }
    fclose(f);
    buf[n] = '\0';
    *len = n;
    return buf;
fail:
    free(buf);
    fclose(f);
    return NULL;
}

hark_lm *hark_lm_load_arpa(const char *path)
{
    if (!path) {
        hark_error(HARK_ERR_INVALID_ARG, "hark_lm_load_arpa: NULL path");
        return NULL;
    }
    size_t len;
    char *buf = read_file(path, &len);
    if (!buf)
        return NULL;
    hark_lm *lm = parse(path, buf, len);
    free(buf);
    return lm;
}

void hark_lm_free(hark_lm *lm)
{
    if (!lm)
        return;
    for (int k = 0; k <= HARK_LM_MAX_ORDER; k++)
        lm_table_free(&lm->tab[k]);
    free(lm->uni);
    lm_vocab_free(&lm->vocab);
    free(lm);
}
