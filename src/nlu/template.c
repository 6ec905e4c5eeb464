/* template.c - the intent template file: parsing Rhasspy-style sentences.ini text into a tree
 * (with FILE:LINE:COLUMN errors), counting its sentences without expanding them, and a walker
 * that enumerates or samples sentences in memory bounded by one sentence. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hark/grammar.h"
#include "hark/nlu.h"
#include "core/util.h"
#include "nlu/nlu_internal.h"

/* ---- arena: every node and string of one file lives here and goes in one free ---- */

typedef struct nlu_arena {
    struct nlu_arena *next;
    size_t used, cap;
    _Alignas(16) unsigned char data[];
} nlu_arena;

static void *arena_alloc(hark_intents *f, size_t n)
{
    n = (n + 15) & ~(size_t)15;
    nlu_arena *a = f->arena;
    if (!a || a->used + n > a->cap) {
        size_t cap = n > 65536 ? n : 65536;
        nlu_arena *b = malloc(sizeof *b + cap);
        if (!b)
            return NULL;
        b->next = a;
        b->used = 0;
        b->cap = cap;
        f->arena = b;
        a = b;
    }
    void *p = a->data + a->used;
    a->used += n;
    memset(p, 0, n);
    return p;
}

static char *arena_strndup(hark_intents *f, const char *s, size_t n)
{
    char *p = arena_alloc(f, n + 1);
    if (p) {
        memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

/* Room for one more element in a malloc'd array of n. */
#define GROW(arr, cap, n) util_grow(&(arr), &(cap), (size_t)(n) + 1, sizeof *(arr), 16)

void hark_intents_free(hark_intents *f)
{
    if (!f)
        return;
    for (nlu_arena *a = f->arena; a;) {
        nlu_arena *next = a->next;
        free(a);
        a = next;
    }
    free(f->intents);
    free(f->lists);
    free(f->list_slots);
    free(f->tags);
    free(f);
}

/* ---- parser ---- */

typedef struct parser {
    hark_intents *f;
    const char *name;  /* file name for messages */
    int line;
    const char *lstart; /* start of the current line */
    const char *lend;   /* one past its last character */
    const char *p;
    int failed;
    int depth; /* groups open around ps->p */
} parser;

static int col_of(const parser *ps, const char *at) { return (int)(at - ps->lstart) + 1; }

static void vperr(parser *ps, const char *at, const char *fmt, va_list ap)
{
    if (ps->failed)
        return;
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    hark_error(HARK_ERR_FORMAT, "%s:%d:%d: %s", ps->name, ps->line, col_of(ps, at), msg);
    ps->failed = 1;
}

/* Report "FILE:LINE:COLUMN: message" once; perr returns NULL (for node parsers), lerr -1 (for
 * line parsers). */
#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static void *perr(parser *ps, const char *at, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vperr(ps, at, fmt, ap);
    va_end(ap);
    return NULL;
}

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static int lerr(parser *ps, const char *at, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vperr(ps, at, fmt, ap);
    va_end(ap);
    return -1;
}

static void *oom(parser *ps)
{
    if (!ps->failed)
        hark_error(HARK_ERR_NOMEM, "%s: out of memory while parsing", ps->name);
    ps->failed = 1;
    return NULL;
}

static int oom_line(parser *ps)
{
    oom(ps);
    return -1;
}

static tnode *new_node(parser *ps, tnode_kind kind, const char *at)
{
    tnode *n = arena_alloc(ps->f, sizeof *n);
    if (!n)
        return oom(ps);
    n->kind = kind;
    n->line = ps->line;
    n->col = col_of(ps, at);
    n->tag_id = -1;
    n->list = -1;
    n->path = 1;
    return n;
}

/* The nodes a walk visits through group t at most: a sequence visits every child, an
 * alternative its longest one. Saturates just above the limit, so it cannot overflow. */
static int group_path(const tnode *t)
{
    int p = 0;
    for (int i = 0; i < t->n_kids; i++) {
        int k = t->kids[i]->path;
        if (t->kind == T_SEQ)
            p = p + k > NLU_MAX_PATH ? NLU_MAX_PATH + 1 : p + k;
        else if (k > p)
            p = k;
    }
    return p + 1;
}

/* Children are collected in a temporary malloc'd array, then copied into the arena. */
typedef struct kidvec {
    tnode **v;
    int n;
    size_t cap;
} kidvec;

static int kid_push(kidvec *k, tnode *t)
{
    if (GROW(k->v, k->cap, k->n))
        return -1;
    k->v[k->n++] = t;
    return 0;
}

static tnode *finish_group(parser *ps, tnode_kind kind, kidvec *k, const char *at)
{
    tnode *n = new_node(ps, kind, at);
    if (!n)
        goto done;
    if (k->n) {
        n->kids = arena_alloc(ps->f, (size_t)k->n * sizeof *n->kids);
        if (!n->kids) {
            n = oom(ps);
            goto done;
        }
        memcpy(n->kids, k->v, (size_t)k->n * sizeof *n->kids);
    }
    n->n_kids = k->n;
    n->path = group_path(n);
done:
    free(k->v);
    k->v = NULL;
    k->n = 0;
    k->cap = 0;
    return n;
}

static int is_special(char c)
{
    return c == '(' || c == ')' || c == '[' || c == ']' || c == '{' || c == '}' || c == '|' ||
           c == ':' || c == '$' || c == '<' || c == '>';
}

static int is_name_char(char c)
{
    return isalnum((unsigned char)c) || c == '_' || c == '-' || c == '.';
}

static void skip_space(parser *ps)
{
    while (ps->p < ps->lend && (*ps->p == ' ' || *ps->p == '\t'))
        ps->p++;
}

static tnode *parse_alts(parser *ps, char close, const char *open_at);

/* A word as written: normalised into zero or more words (a T_SEQ when several). */
static tnode *parse_word(parser *ps, int *empty)
{
    const char *s = ps->p;
    while (ps->p < ps->lend && !is_special(*ps->p) && *ps->p != ' ' && *ps->p != '\t')
        ps->p++;
    char raw[256], norm[512];
    size_t n = (size_t)(ps->p - s);
    if (n >= sizeof raw)
        return perr(ps, s, "word longer than %zu characters", sizeof raw - 1);
    memcpy(raw, s, n);
    raw[n] = '\0';
    if (hark_nlu_normalize(raw, norm, sizeof norm) != HARK_OK)
        return perr(ps, s, "cannot normalise '%s'", raw);
    *empty = norm[0] == '\0';
    if (*empty)
        return NULL;
    /* A contraction or possessive is said as written, not as its normal form: keep the written
     * word (its letters, digits and apostrophes, lower case) for the decoding grammar. */
    const char *said = NULL;
    if (memchr(raw, '\'', n)) {
        char low[256];
        size_t m = 0;
        int letters = 0;
        for (size_t i = 0; i < n; i++) {
            unsigned char ch = (unsigned char)raw[i];
            letters += isalpha(ch) || ch >= 0x80;
            if (isalnum(ch) || ch == '\'' || ch >= 0x80)
                low[m++] = (char)tolower(ch);
        }
        low[m] = '\0';
        if (letters && strcmp(low, norm) && !(said = arena_strndup(ps->f, low, m)))
            return oom(ps);
    }
    kidvec k = {0};
    const char *next = norm, *w;
    size_t wl;
    while ((w = nlu_next_word(&next, &wl))) {
        tnode *t = new_node(ps, T_WORD, s);
        if (!t || !(t->word = arena_strndup(ps->f, w, wl)) || kid_push(&k, t)) {
            free(k.v);
            return t ? oom(ps) : NULL;
        }
    }
    if (k.n == 1) {
        tnode *t = k.v[0];
        free(k.v);
        t->said = said;
        return t;
    }
    tnode *t = finish_group(ps, T_SEQ, &k, s);
    if (t)
        t->said = said;
    return t;
}

static int parse_long(parser *ps, long *out)
{
    const char *s = ps->p;
    if (ps->p >= ps->lend || !isdigit((unsigned char)*ps->p))
        return -1;
    errno = 0;
    char *end;
    long v = strtol(s, &end, 10);
    if (errno || v > 1000000000L || end > ps->lend)
        return -1;
    ps->p = end;
    *out = v;
    return 0;
}

/* "(lo..hi)" or "(lo..hi,step)"; ps->p is just after '(' and known to start with digits. */
static tnode *parse_range(parser *ps, const char *open_at)
{
    tnode *n = new_node(ps, T_RANGE, open_at);
    if (!n)
        return NULL;
    const char *at = ps->p;
    if (parse_long(ps, &n->lo))
        return perr(ps, at, "expected a number at the start of the range");
    if (ps->lend - ps->p < 2 || ps->p[0] != '.' || ps->p[1] != '.')
        return perr(ps, ps->p, "expected '..' in the number range");
    ps->p += 2;
    at = ps->p;
    if (parse_long(ps, &n->hi))
        return perr(ps, at, "expected a number after '..'");
    n->step = 1;
    if (ps->p < ps->lend && *ps->p == ',') {
        ps->p++;
        at = ps->p;
        if (parse_long(ps, &n->step) || n->step <= 0)
            return perr(ps, at, "expected a positive step after ','");
    }
    skip_space(ps);
    if (ps->p >= ps->lend || *ps->p != ')')
        return perr(ps, ps->p, "expected ')' to close the number range opened at column %d",
                    col_of(ps, open_at));
    ps->p++;
    if (n->lo > n->hi)
        return perr(ps, at, "empty number range: %ld is greater than %ld", n->lo, n->hi);
    return n;
}

/* Lists and rules are found by name through an open-addressing hash table, so a file with
 * tens of thousands of lists parses in linear time. Returns the slot holding `name` or the
 * empty slot where it belongs. */
static size_t list_slot(const hark_intents *f, const char *name, size_t n)
{
    size_t mask = f->n_list_slots - 1;
    size_t i = nlu_fnv1a(name, n, NLU_FNV_BASIS) & mask;
    for (;; i = (i + 1) & mask) {
        int li = f->list_slots[i];
        if (li < 0)
            return i;
        const char *ln = f->lists[li].name;
        if (!strncmp(ln, name, n) && ln[n] == '\0')
            return i;
    }
}

static int find_list(const hark_intents *f, const char *name, size_t n)
{
    return f->n_list_slots ? f->list_slots[list_slot(f, name, n)] : -1;
}

/* Keep the table at most half full: rebuild it twice as large when it would fill further. */
static int list_table_grow(hark_intents *f)
{
    if (f->n_list_slots >= 2 * ((size_t)f->n_lists + 1))
        return 0;
    size_t n = f->n_list_slots ? 2 * f->n_list_slots : 64;
    int *slots = malloc(n * sizeof *slots);
    if (!slots)
        return -1;
    for (size_t i = 0; i < n; i++)
        slots[i] = -1;
    free(f->list_slots);
    f->list_slots = slots;
    f->n_list_slots = n;
    for (int li = 0; li < f->n_lists; li++) {
        const char *ln = f->lists[li].name;
        slots[list_slot(f, ln, strlen(ln))] = li;
    }
    return 0;
}

/* Declare (or find) a list or rule by name; the definition may come later in the file. */
static int list_ref(parser *ps, const char *name, size_t n, const char *at, int rule)
{
    int i = find_list(ps->f, name, n);
    if (i >= 0)
        return i;
    hark_intents *f = ps->f;
    if (GROW(f->lists, f->cap_lists, f->n_lists) || list_table_grow(f)) {
        oom(ps);
        return -1;
    }
    nlu_list *l = &f->lists[f->n_lists];
    memset(l, 0, sizeof *l);
    if (!(l->name = arena_strndup(f, name, n))) {
        oom(ps);
        return -1;
    }
    l->line = ps->line;
    l->col = col_of(ps, at);
    l->rule = rule;
    f->list_slots[list_slot(f, name, n)] = f->n_lists;
    return f->n_lists++;
}

/* The full name of rule `name` as referenced here: "Intent.rule" as written, or the current
 * intent's. Returns its length, or -1 outside any intent. */
static int rule_name(const parser *ps, const char *name, size_t n, char *out, size_t cap)
{
    if (memchr(name, '.', n))
        return snprintf(out, cap, "%.*s", (int)n, name);
    const hark_intents *f = ps->f;
    if (f->n_intents == 0 || f->intents[f->n_intents - 1].root)
        return -1;
    return snprintf(out, cap, "%s.%.*s", f->intents[f->n_intents - 1].name, (int)n, name);
}

/* An atom followed by any number of ":value" and "{tag}" suffixes. Returns NULL with *empty set
 * when the atom normalised to nothing (punctuation). */
static tnode *parse_item(parser *ps, int *empty)
{
    const char *at = ps->p;
    tnode *n = NULL;
    *empty = 0;
    char c = *ps->p;
    if (c == '(' || c == '[') {
        if (ps->depth >= NLU_MAX_NESTING)
            return perr(ps, at, "groups nested more than %d deep", NLU_MAX_NESTING);
        ps->p++;
        skip_space(ps);
        if (c == '(' && ps->p < ps->lend && isdigit((unsigned char)*ps->p)) {
            /* A range if the digits are followed by "..", else an ordinal group like "(1 | 2)". */
            const char *q = ps->p;
            while (q < ps->lend && isdigit((unsigned char)*q))
                q++;
            if (ps->lend - q >= 2 && q[0] == '.' && q[1] == '.')
                n = parse_range(ps, at);
        }
        if (!n && !ps->failed) {
            ps->depth++;
            n = parse_alts(ps, c == '(' ? ')' : ']', at);
            ps->depth--;
            if (!n)
                return NULL;
            if (c == '[') {
                /* [x] is ( | x): the empty alternative first, so enumeration starts with the
                 * plainest sentence. */
                kidvec k = {0};
                tnode *e = new_node(ps, T_SEQ, at);
                if (!e || kid_push(&k, e) || kid_push(&k, n)) {
                    free(k.v);
                    return e ? oom(ps) : NULL;
                }
                n = finish_group(ps, T_ALT, &k, at);
            }
        }
        if (!n)
            return NULL;
    } else if (c == '$') {
        ps->p++;
        const char *s = ps->p;
        while (ps->p < ps->lend && is_name_char(*ps->p) && *ps->p != '.')
            ps->p++;
        if (ps->p == s)
            return perr(ps, at, "expected a slot list name after '$'");
        n = new_node(ps, T_LIST, at);
        if (!n)
            return NULL;
        n->list = list_ref(ps, s, (size_t)(ps->p - s), at, 0);
        if (n->list < 0)
            return NULL;
    } else if (c == ')' || c == ']') {
        return perr(ps, at, "unexpected '%c' with no matching '%c'", c, c == ')' ? '(' : '[');
    } else if (c == '{') {
        return perr(ps, at, "a tag '{...}' must follow a word, group or slot list");
    } else if (c == '}') {
        return perr(ps, at, "unexpected '}' with no matching '{'");
    } else if (c == ':') {
        return perr(ps, at, "a substitution ':value' must follow a word or group");
    } else if (c == '<') {
        ps->p++;
        const char *s = ps->p;
        while (ps->p < ps->lend && is_name_char(*ps->p))
            ps->p++;
        if (ps->p == s)
            return perr(ps, s, "expected a rule name after '<'");
        if (ps->p >= ps->lend || *ps->p != '>')
            return perr(ps, ps->p, "expected '>' to close the rule reference opened at column %d",
                        col_of(ps, at));
        char full[2 * HARK_NLU_NAME_MAX + 2];
        size_t n_name = (size_t)(ps->p - s);
        int len = n_name < sizeof full ? rule_name(ps, s, n_name, full, sizeof full) : 0;
        if (len < 0)
            return perr(ps, s, "a rule outside an intent section needs its intent: "
                        "'<Intent.rule>'");
        if (n_name >= sizeof full || (size_t)len >= sizeof full)
            return perr(ps, s, "rule reference longer than %zu characters", sizeof full - 1);
        ps->p++;
        n = new_node(ps, T_LIST, at);
        if (!n)
            return NULL;
        n->list = list_ref(ps, full, (size_t)len, at, 1);
        if (n->list < 0)
            return NULL;
    } else if (c == '>') {
        return perr(ps, at, "unexpected '>' with no matching '<'");
    } else {
        n = parse_word(ps, empty);
        if (!n) {
            if (ps->failed)
                return NULL;
            if (ps->p < ps->lend && (*ps->p == '{' || *ps->p == ':'))
                return perr(ps, ps->p, "nothing to %s: '%.*s' has no words",
                            *ps->p == '{' ? "tag" : "substitute", (int)(ps->p - at), at);
            return NULL;
        }
    }
    /* Suffixes. */
    while (ps->p < ps->lend && (*ps->p == ':' || *ps->p == '{')) {
        if (*ps->p == ':') {
            if (n->subst)
                return perr(ps, ps->p, "a second substitution on the same item");
            ps->p++;
            const char *s = ps->p, *e;
            if (ps->p < ps->lend && *ps->p == '(') {
                s = ++ps->p;
                while (ps->p < ps->lend && *ps->p != ')')
                    ps->p++;
                if (ps->p >= ps->lend)
                    return perr(ps, s - 1, "expected ')' to close the substituted value");
                e = ps->p++;
            } else {
                while (ps->p < ps->lend && !is_special(*ps->p) && *ps->p != ' ' && *ps->p != '\t')
                    ps->p++;
                e = ps->p;
            }
            while (s < e && (*s == ' ' || *s == '\t'))
                s++;
            while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
                e--;
            if (!(n->subst = arena_strndup(ps->f, s, (size_t)(e - s))))
                return oom(ps);
        } else {
            const char *open = ps->p++;
            const char *s = ps->p;
            while (ps->p < ps->lend && (isalnum((unsigned char)*ps->p) || *ps->p == '_'))
                ps->p++;
            if (ps->p == s)
                return perr(ps, s, "expected a slot name (letters, digits, '_') after '{'");
            size_t len = (size_t)(ps->p - s);
            if (ps->p >= ps->lend || *ps->p != '}')
                return perr(ps, ps->p, "expected '}' to close the tag opened at column %d",
                            col_of(ps, open));
            ps->p++;
            if (len >= HARK_NLU_NAME_MAX)
                return perr(ps, s, "slot name longer than %d characters", HARK_NLU_NAME_MAX - 1);
            if (n->tag)
                return perr(ps, open, "a second tag on the same item");
            hark_intents *f = ps->f;
            if (!(n->tag = arena_strndup(f, s, len)) ||
                GROW(f->tags, f->cap_tags, f->n_tags))
                return oom(ps);
            n->tag_id = f->n_tags;
            f->tags[f->n_tags++] = n;
        }
    }
    return n;
}

/* A sequence of items up to '|', the closing character or the end of the line. */
static tnode *parse_seq(parser *ps, char close)
{
    const char *at = ps->p;
    kidvec k = {0};
    int path = 1;
    for (;;) {
        skip_space(ps);
        if (ps->p >= ps->lend || *ps->p == '|' || (close && *ps->p == close))
            break;
        int empty;
        const char *item_at = ps->p;
        tnode *t = parse_item(ps, &empty);
        if (!t) {
            if (ps->failed) {
                free(k.v);
                return NULL;
            }
            continue; /* punctuation only */
        }
        /* Checked as the items come so a line of 20,000 words stops at the first one over. */
        path += t->path;
        if (path > NLU_MAX_PATH) {
            free(k.v);
            return perr(ps, item_at, "a sentence here is longer than %d words and groups",
                        NLU_MAX_PATH);
        }
        if (kid_push(&k, t)) {
            free(k.v);
            return oom(ps);
        }
    }
    if (k.n == 1) {
        tnode *t = k.v[0];
        free(k.v);
        return t;
    }
    return finish_group(ps, T_SEQ, &k, at);
}

/* Alternatives separated by '|', up to `close` (consumed) or the end of the line (close 0). */
static tnode *parse_alts(parser *ps, char close, const char *open_at)
{
    const char *at = ps->p;
    kidvec k = {0};
    int nonempty = 0;
    for (;;) {
        tnode *t = parse_seq(ps, close);
        if (!t || kid_push(&k, t)) {
            free(k.v);
            return t ? oom(ps) : NULL;
        }
        if (!(t->kind == T_SEQ && t->n_kids == 0))
            nonempty = 1;
        if (ps->p < ps->lend && *ps->p == '|') {
            ps->p++;
            continue;
        }
        break;
    }
    if (close) {
        if (ps->p >= ps->lend || *ps->p != close) {
            free(k.v);
            return perr(ps, ps->p, "expected '%c' to close the '%c' opened at column %d", close,
                        close == ')' ? '(' : '[', col_of(ps, open_at));
        }
        ps->p++;
        if (!nonempty) {
            free(k.v);
            return perr(ps, open_at, "empty group: expected words between '%c' and '%c'",
                        close == ')' ? '(' : '[', close);
        }
    } else if (ps->p < ps->lend) {
        free(k.v);
        return perr(ps, ps->p, "unexpected '%c'", *ps->p);
    }
    if (k.n == 1) {
        tnode *t = k.v[0];
        free(k.v);
        return t;
    }
    return finish_group(ps, T_ALT, &k, at);
}

static int is_empty_tree(const tnode *t) { return t->kind == T_SEQ && t->n_kids == 0; }

/* A template or list body: the whole rest of the line. */
static tnode *parse_expansion(parser *ps, const char *what)
{
    const char *at = ps->p;
    tnode *t = parse_alts(ps, 0, at);
    if (!t)
        return NULL;
    if (is_empty_tree(t))
        return perr(ps, at, "empty %s: expected at least one word", what);
    return t;
}

/* ---- counting and validation after the whole file is read ---- */

static uint64_t sat_add(uint64_t a, uint64_t b) { return a > UINT64_MAX - b ? UINT64_MAX : a + b; }
static uint64_t sat_mul(uint64_t a, uint64_t b)
{
    if (a == 0 || b == 0)
        return 0;
    return a > UINT64_MAX / b ? UINT64_MAX : a * b;
}

static hark_status unknown_list(const hark_intents *f, const nlu_list *l, int line, int col)
{
    if (!l->rule)
        return hark_error(HARK_ERR_FORMAT, "%s:%d:%d: unknown slot list '$%s' (define it with "
                          "'$%s = ...')", f->path, line, col, l->name, l->name);
    const char *dot = strrchr(l->name, '.');
    return hark_error(HARK_ERR_FORMAT, "%s:%d:%d: unknown rule '<%s>' (define it with '%s = ...' "
                      "in [%.*s])", f->path, line, col, l->name, dot ? dot + 1 : l->name,
                      dot ? (int)(dot - l->name) : 0, l->name);
}

/* Running totals of an alternative's counts, for sampling in O(log n) instead of a scan. */
static hark_status alt_totals(hark_intents *f, tnode *t)
{
    uint64_t *cum = arena_alloc(f, (size_t)t->n_kids * sizeof *cum), c = 0;
    if (!cum)
        return hark_error(HARK_ERR_NOMEM, "%s: out of memory counting sentences", f->path);
    for (int i = 0; i < t->n_kids; i++)
        cum[i] = c = sat_add(c, t->kids[i]->count);
    t->cum = cum;
    return HARK_OK;
}

static hark_status too_long(const hark_intents *f, const tnode *t)
{
    return hark_error(HARK_ERR_FORMAT, "%s:%d:%d: a sentence through here is longer than %d "
                      "words and groups (slot lists or rules chained too deep?)", f->path,
                      t->line, t->col, NLU_MAX_PATH);
}

/* Count sentences and the walk length (path), resolving lists; detects lists that refer to
 * themselves. `depth` is this call's recursion depth: a walk's path is never shorter, so
 * refusing depths over NLU_MAX_PATH refuses nothing the walker could expand. */
static hark_status count_node(hark_intents *f, tnode *t, int depth)
{
    if (depth > NLU_MAX_PATH)
        return too_long(f, t);
    switch (t->kind) {
    case T_WORD: t->count = 1; break;
    case T_RANGE: t->count = (uint64_t)((t->hi - t->lo) / t->step) + 1; break;
    case T_SEQ:
    case T_ALT: {
        uint64_t c = t->kind == T_SEQ ? 1 : 0;
        for (int i = 0; i < t->n_kids; i++) {
            hark_status st = count_node(f, t->kids[i], depth + 1);
            if (st)
                return st;
            c = t->kind == T_SEQ ? sat_mul(c, t->kids[i]->count) : sat_add(c, t->kids[i]->count);
        }
        t->count = c;
        t->path = group_path(t);
        if (t->kind == T_ALT && t->n_kids > 16 && !t->cum) {
            hark_status st = alt_totals(f, t);
            if (st)
                return st;
        }
        break;
    }
    case T_LIST: {
        nlu_list *l = &f->lists[t->list];
        if (!l->root)
            return unknown_list(f, l, t->line, t->col);
        if (l->state == 1)
            return hark_error(HARK_ERR_FORMAT, "%s:%d:%d: %s '%s%s%s' refers to itself", f->path,
                              t->line, t->col, l->rule ? "rule" : "slot list",
                              l->rule ? "<" : "$", l->name, l->rule ? ">" : "");
        if (l->state == 0) {
            l->state = 1;
            hark_status st = count_node(f, l->root, depth + 1);
            if (st)
                return st;
            l->state = 2;
        }
        t->count = l->root->count;
        t->path = l->root->path + 1;
        break;
    }
    }
    return t->path > NLU_MAX_PATH ? too_long(f, t) : HARK_OK;
}

/* Does the tree under t (lists included) define tag `name`? */
static int has_tag(const hark_intents *f, const tnode *t, const char *name, int depth)
{
    if (depth > 64)
        return 0;
    if (t->tag && !strcmp(t->tag, name))
        return 1;
    if (t->kind == T_LIST)
        return has_tag(f, f->lists[t->list].root, name, depth + 1);
    for (int i = 0; i < t->n_kids; i++)
        if (has_tag(f, t->kids[i], name, depth))
            return 1;
    return 0;
}

static int word_in_list(const char *list, const char *w, size_t n)
{
    size_t l;
    for (const char *p = list, *v; (v = nlu_next_word(&p, &l));)
        if (l == n && !memcmp(v, w, n))
            return 1;
    return 0;
}

/* Every {placeholder} in a response must be a slot of the intent or an output of its skill. */
static hark_status check_response(const hark_intents *f, const nlu_intent *in, int line, int col0)
{
    int n_skills;
    const nlu_skill_info *sk = nlu_skill_table(&n_skills);
    const char *end = in->response + strlen(in->response);
    for (const char *p = in->response; (p = memchr(p, '{', (size_t)(end - p)));) {
        const char *e = memchr(p, '}', (size_t)(end - p));
        int col = col0 + (int)(p - in->response);
        if (!e)
            return hark_error(HARK_ERR_FORMAT, "%s:%d:%d: expected '}' to close the placeholder",
                              f->path, line, col);
        char name[HARK_NLU_NAME_MAX];
        size_t n = (size_t)(e - p - 1);
        if (n == 0 || n >= sizeof name)
            return hark_error(HARK_ERR_FORMAT, "%s:%d:%d: expected a slot name inside '{}'",
                              f->path, line, col);
        memcpy(name, p + 1, n);
        name[n] = '\0';
        int ok = has_tag(f, in->root, name, 0);
        if (!ok && in->skill_id >= 0)
            ok = word_in_list(sk[in->skill_id].outputs, name, n);
        if (!ok)
            return hark_error(HARK_ERR_FORMAT, "%s:%d:%d: unknown placeholder '{%s}': not a slot "
                              "of %s%s%s", f->path, line, col, name, in->name,
                              in->skill_id >= 0 ? " nor an output of skill " : "",
                              in->skill_id >= 0 ? in->skill : "");
        p = e + 1;
    }
    return HARK_OK;
}

/* ---- line dispatch ---- */

typedef struct pending_intent {
    kidvec templates;
} pending_intent;

static int close_intent(parser *ps, pending_intent *pi)
{
    hark_intents *f = ps->f;
    if (f->n_intents == 0)
        return 0;
    nlu_intent *in = &f->intents[f->n_intents - 1];
    if (in->root)
        return 0;
    if (pi->templates.n == 0) {
        free(pi->templates.v);
        pi->templates = (kidvec){0};
        hark_error(HARK_ERR_FORMAT, "%s:%d:1: intent '%s' has no templates (expected at least "
                   "one sentence line after '[%s]')", ps->name, in->line, in->name, in->name);
        ps->failed = 1;
        return -1;
    }
    int saved = ps->line;
    ps->line = in->line;
    in->root = finish_group(ps, T_ALT, &pi->templates, ps->lstart);
    ps->line = saved;
    return in->root ? 0 : -1;
}

/* The body after the '=' at `eq` of slot list or rule `li`, whose definition starts at `at`.
 * The body may name lists not seen yet, which grows ps->f->lists: hence an index. */
static int define_list(parser *ps, int li, const char *eq, const char *at, const char *what)
{
    ps->p = eq + 1;
    skip_space(ps);
    tnode *body = parse_expansion(ps, what);
    if (!body)
        return -1;
    nlu_list *l = &ps->f->lists[li];
    l->root = body;
    l->line = ps->line;
    l->col = col_of(ps, at);
    return 0;
}

static int parse_line(parser *ps, pending_intent *pi)
{
    hark_intents *f = ps->f;
    skip_space(ps);
    if (ps->p >= ps->lend || *ps->p == '#' || *ps->p == ';')
        return 0;
    const char *at = ps->p;
    if (*ps->p == '[') {
        /* "[Name]" alone on its line is a section header; anything else starting with '[' is a
         * template beginning with an optional group ("[please] stop"). */
        const char *q = ps->p + 1;
        while (q < ps->lend && is_name_char(*q))
            q++;
        const char *end = ps->lend;
        while (end > ps->p && (end[-1] == ' ' || end[-1] == '\t'))
            end--;
        int header = q < ps->lend && *q == ']' && q + 1 == end;
        if (f->n_intents == 0 && !header) {
            /* Before any intent, a '[' line can only be a broken header. */
            if (q == ps->p + 1)
                return lerr(ps, q, "expected an intent name after '['");
            if (q >= ps->lend || *q != ']')
                return lerr(ps, q, "expected ']' after the intent name");
            return lerr(ps, q + 1, "unexpected text after the intent header");
        }
        if (header) {
            if (q == ps->p + 1)
                return lerr(ps, q, "expected an intent name after '['");
            if (close_intent(ps, pi))
                return -1;
            for (int i = 0; i < f->n_intents; i++)
                if ((size_t)(q - ps->p - 1) == strlen(f->intents[i].name) &&
                    !memcmp(f->intents[i].name, ps->p + 1, (size_t)(q - ps->p - 1)))
                    return lerr(ps, ps->p + 1, "intent '%s' is defined twice (first at line %d)",
                                f->intents[i].name, f->intents[i].line);
            if ((size_t)(q - ps->p - 1) >= HARK_NLU_NAME_MAX)
                return lerr(ps, ps->p + 1, "intent name longer than %d characters",
                            HARK_NLU_NAME_MAX - 1);
            /* Checked here, not after minutes of training a classifier that cannot hold it. */
            if (f->n_intents >= NLU_MAX_INTENTS)
                return lerr(ps, ps->p, "more than %d intents in one file", NLU_MAX_INTENTS);
            if (GROW(f->intents, f->cap_intents, f->n_intents))
                return oom_line(ps);
            nlu_intent *in = &f->intents[f->n_intents];
            memset(in, 0, sizeof *in);
            in->name = arena_strndup(f, ps->p + 1, (size_t)(q - ps->p - 1));
            in->response = in->skill = "";
            in->skill_id = -1;
            in->line = ps->line;
            if (!in->name)
                return oom_line(ps);
            f->n_intents++;
            *pi = (pending_intent){0};
            return 0;
        }
    }
    if (*ps->p == '$') {
        /* "$name = body" defines a slot list; "$name ..." is a template using one. */
        const char *s = ps->p + 1, *e = s;
        while (e < ps->lend && is_name_char(*e) && *e != '.')
            e++;
        const char *eq = e;
        while (eq < ps->lend && (*eq == ' ' || *eq == '\t'))
            eq++;
        if (eq < ps->lend && *eq == '=') {
            if (e == s)
                return lerr(ps, s, "expected a slot list name after '$'");
            int li = list_ref(ps, s, (size_t)(e - s), at, 0);
            if (li < 0)
                return -1;
            if (f->lists[li].root)
                return lerr(ps, at, "slot list '$%s' is defined twice (first at line %d)",
                            f->lists[li].name, f->lists[li].line);
            return define_list(ps, li, eq, at, "slot list");
        }
    }
    /* "name = body" inside a section defines a rule of that intent, used as <name>. */
    if (f->n_intents > 0 && !f->intents[f->n_intents - 1].root &&
        (isalpha((unsigned char)*ps->p) || *ps->p == '_')) {
        const char *s = ps->p, *e = s;
        while (e < ps->lend && (isalnum((unsigned char)*e) || *e == '_'))
            e++;
        const char *eq = e;
        while (eq < ps->lend && (*eq == ' ' || *eq == '\t'))
            eq++;
        if (eq < ps->lend && *eq == '=') {
            char full[2 * HARK_NLU_NAME_MAX + 2];
            if ((size_t)(e - s) >= HARK_NLU_NAME_MAX)
                return lerr(ps, s, "rule name longer than %d characters", HARK_NLU_NAME_MAX - 1);
            int len = rule_name(ps, s, (size_t)(e - s), full, sizeof full);
            int li = list_ref(ps, full, (size_t)len, at, 1);
            if (li < 0)
                return -1;
            if (f->lists[li].root)
                return lerr(ps, at, "rule '%.*s' is defined twice (first at line %d)",
                            (int)(e - s), s, f->lists[li].line);
            return define_list(ps, li, eq, at, "rule");
        }
    }
    static const char *const keys[] = {"response", "skill"};
    for (int k = 0; k < 2; k++) {
        size_t kl = strlen(keys[k]);
        if ((size_t)(ps->lend - ps->p) > kl && !memcmp(ps->p, keys[k], kl) && ps->p[kl] == ':') {
            if (f->n_intents == 0 || f->intents[f->n_intents - 1].root)
                return lerr(ps, at, "'%s:' outside an intent section (expected '[IntentName]' "
                            "first)", keys[k]);
            nlu_intent *in = &f->intents[f->n_intents - 1];
            const char *v = ps->p + kl + 1;
            while (v < ps->lend && (*v == ' ' || *v == '\t'))
                v++;
            const char *ve = ps->lend;
            while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
                ve--;
            if (ve == v)
                return lerr(ps, v, "expected a value after '%s:'", keys[k]);
            if (k == 0) {
                if (in->response[0])
                    return lerr(ps, at, "a second 'response:' for intent '%s'", in->name);
                if (!(in->response = arena_strndup(f, v, (size_t)(ve - v))))
                    return oom_line(ps);
                in->resp_line = ps->line;
                in->resp_col = col_of(ps, v);
            } else {
                if (in->skill[0])
                    return lerr(ps, at, "a second 'skill:' for intent '%s'", in->name);
                if (!(in->skill = arena_strndup(f, v, (size_t)(ve - v))))
                    return oom_line(ps);
                in->skill_id = nlu_skill_find(in->skill);
                if (in->skill_id < 0) {
                    int n;
                    const nlu_skill_info *sk = nlu_skill_table(&n);
                    char names[256] = "";
                    for (int i = 0; i < n; i++) {
                        strncat(names, sk[i].name, sizeof names - strlen(names) - 1);
                        if (i + 1 < n)
                            strncat(names, ", ", sizeof names - strlen(names) - 1);
                    }
                    return lerr(ps, v, "unknown skill '%s' (expected one of: %s)", in->skill,
                                names);
                }
            }
            return 0;
        }
    }
    if (f->n_intents == 0 || f->intents[f->n_intents - 1].root)
        return lerr(ps, at, "a template outside an intent section (expected '[IntentName]' "
                    "first)");
    tnode *t = parse_expansion(ps, "template");
    if (!t)
        return -1;
    if (kid_push(&pi->templates, t))
        return oom_line(ps);
    return 0;
}

static hark_status validate(hark_intents *f)
{
    for (int i = 0; i < f->n_lists; i++) {
        nlu_list *l = &f->lists[i];
        if (!l->root)
            return unknown_list(f, l, l->line, l->col);
    }
    for (int i = 0; i < f->n_intents; i++) {
        hark_status st = count_node(f, f->intents[i].root, 0);
        if (st)
            return st;
    }
    for (int i = 0; i < f->n_lists; i++) {
        if (f->lists[i].state == 0) {
            /* Lists nobody uses are still checked for loops. */
            f->lists[i].state = 1;
            hark_status st = count_node(f, f->lists[i].root, 0);
            if (st)
                return st;
            f->lists[i].state = 2;
        }
    }
    for (int i = 0; i < f->n_intents; i++) {
        hark_status st = check_response(f, &f->intents[i], f->intents[i].resp_line,
                                        f->intents[i].resp_col);
        if (st)
            return st;
    }
    return HARK_OK;
}

hark_intents *hark_intents_parse(const char *text, const char *name)
{
    if (!text) {
        hark_error(HARK_ERR_INVALID_ARG, "intents_parse: NULL text");
        return NULL;
    }
    if (!name)
        name = "<intents>";
    if (strnlen(text, ((size_t)NLU_MAX_FILE_MB << 20) + 1) > ((size_t)NLU_MAX_FILE_MB << 20)) {
        hark_error(HARK_ERR_FORMAT, "%s: larger than %d MB, not an intent file", name,
                   NLU_MAX_FILE_MB);
        return NULL;
    }
    hark_intents *f = calloc(1, sizeof *f);
    if (!f) {
        hark_error(HARK_ERR_NOMEM, "%s: out of memory", name);
        return NULL;
    }
    parser ps = {.f = f, .name = name};
    pending_intent pi = {0};
    /* Editors on some systems start UTF-8 files with a byte-order mark; UTF-16 is refused. */
    if (!strncmp(text, "\xEF\xBB\xBF", 3))
        text += 3;
    else if (!strncmp(text, "\xFF\xFE", 2) || !strncmp(text, "\xFE\xFF", 2)) {
        hark_error(HARK_ERR_FORMAT, "%s: UTF-16 text; save the intent file as UTF-8", name);
        goto fail;
    }
    if (!(f->path = arena_strndup(f, name, strlen(name))))
        goto nomem;
    /* Lines are found with memchr up to a known end: strchr over the rest of a 4 MB text for
     * each line is quadratic under AddressSanitizer's strict string checks. */
    const char *end = text + strlen(text);
    for (const char *p = text; *p || ps.line == 0;) {
        const char *e = memchr(p, '\n', (size_t)(end - p));
        if (!e)
            e = end;
        ps.line++;
        ps.lstart = ps.p = p;
        ps.lend = e;
        if (ps.lend > ps.lstart && ps.lend[-1] == '\r')
            ps.lend--;
        if (parse_line(&ps, &pi))
            goto fail;
        if (!*e)
            break;
        p = e + 1;
    }
    if (close_intent(&ps, &pi))
        goto fail;
    if (f->n_intents == 0) {
        hark_error(HARK_ERR_FORMAT, "%s:%d:1: no intents (expected a '[IntentName]' section "
                   "followed by sentence templates)", name, ps.line ? ps.line : 1);
        goto fail;
    }
    if (validate(f))
        goto fail;
    return f;
nomem:
    hark_error(HARK_ERR_NOMEM, "%s: out of memory while parsing", name);
fail:
    free(pi.templates.v);
    hark_intents_free(f);
    return NULL;
}

hark_intents *hark_intents_load(const char *path)
{
    if (!path) {
        hark_error(HARK_ERR_INVALID_ARG, "intents_load: NULL path");
        return NULL;
    }
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        hark_error(HARK_ERR_IO, "%s: %s", path, strerror(errno));
        return NULL;
    }
    char *buf;
    size_t len;
    hark_status st = nlu_read_text(fp, path, NLU_MAX_FILE_MB, "an intent file", &buf, &len);
    fclose(fp);
    if (st != HARK_OK)
        return NULL;
    if (len >= 2 && ((unsigned char)buf[0] == 0xFF || (unsigned char)buf[0] == 0xFE) &&
        ((unsigned char)buf[1] == 0xFE || (unsigned char)buf[1] == 0xFF)) {
        free(buf);
        hark_error(HARK_ERR_FORMAT, "%s: UTF-16 text; save the intent file as UTF-8", path);
        return NULL;
    }
    if (strlen(buf) != len) {
        free(buf);
        hark_error(HARK_ERR_FORMAT, "%s: contains NUL bytes, not a text intent file", path);
        return NULL;
    }
    hark_intents *f = hark_intents_parse(buf, path);
    free(buf);
    return f;
}

/* ---- queries ---- */

size_t hark_intents_count(const hark_intents *f) { return f ? (size_t)f->n_intents : 0; }

const char *hark_intents_name(const hark_intents *f, size_t i)
{
    return f && i < (size_t)f->n_intents ? f->intents[i].name : NULL;
}

const char *hark_intents_response(const hark_intents *f, size_t i)
{
    return f && i < (size_t)f->n_intents ? f->intents[i].response : NULL;
}

const char *hark_intents_skill(const hark_intents *f, size_t i)
{
    return f && i < (size_t)f->n_intents ? f->intents[i].skill : NULL;
}

int hark_intents_find(const hark_intents *f, const char *name)
{
    if (!f || !name)
        return -1;
    for (int i = 0; i < f->n_intents; i++)
        if (!strcmp(f->intents[i].name, name))
            return i;
    return -1;
}

uint64_t hark_intents_sentence_count(const hark_intents *f, size_t i)
{
    return f && i < (size_t)f->n_intents ? f->intents[i].root->count : 0;
}

/* ---- random numbers ---- */

uint64_t nlu_rand(uint64_t *s)
{
    uint64_t x = *s ? *s : 0x9E3779B97F4A7C15ULL;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * 0x2545F4914F6CDD1DULL;
}

double nlu_rand_unit(uint64_t *s)
{
    return (double)(nlu_rand(s) >> 11) * (1.0 / 9007199254740992.0); /* 53 bits / 2^53 */
}

/* ---- the walker ----
 * Continuation-passing over the tree: each frame says what is left to do after the current
 * node, so alternatives backtrack by simply returning, and nothing but the current sentence is
 * ever held in memory. */

typedef enum { F_ITEMS, F_TAG_END, F_SUBST_END } frame_kind;

typedef struct frame {
    frame_kind kind;
    tnode *const *items;
    int n, i;
    const tnode *node; /* F_TAG_END */
    size_t val_start;
    const struct frame *next;
} frame;

typedef struct walker {
    const hark_intents *f;
    int flags;
    const tnode *root;
    uint64_t *rng;
    uint64_t max, emitted;
    nlu_emit_fn fn;
    void *user;
    char sp[NLU_TEXT_MAX];
    size_t sp_len;
    char val[NLU_TEXT_MAX];
    size_t val_len;
    int suppress, tag_depth;
    hark_slot slots[HARK_NLU_MAX_SLOTS];
    int n_slots;
    int overflow;
} walker;

static void append(char *buf, size_t *len, const char *w, size_t n, int *overflow)
{
    if (n == 0)
        return;
    if (*len + n + 2 > NLU_TEXT_MAX) {
        *overflow = 1;
        return;
    }
    if (*len)
        buf[(*len)++] = ' ';
    memcpy(buf + *len, w, n);
    *len += n;
    buf[*len] = '\0';
}

static int walk_node(walker *w, const tnode *t, const frame *k);

/* The child of alternative t that sentence number `pick` (< t->count) falls in. */
static int pick_kid(const tnode *t, uint64_t pick)
{
    if (t->cum) {
        int lo = 0, hi = t->n_kids - 1; /* first i with pick < cum[i] */
        while (lo < hi) {
            int mid = lo + (hi - lo) / 2;
            if (pick < t->cum[mid])
                hi = mid;
            else
                lo = mid + 1;
        }
        return lo;
    }
    int i = 0;
    for (; i < t->n_kids - 1; i++) {
        if (pick < t->kids[i]->count)
            break;
        pick -= t->kids[i]->count;
    }
    return i;
}

static int emit(walker *w)
{
    if (w->overflow)
        return 1;
    w->sp[w->sp_len] = '\0';
    w->val[w->val_len] = '\0';
    nlu_sentence s = {w->sp, w->val, w->slots, w->n_slots};
    w->emitted++;
    if (w->fn(&s, w->user))
        return 1;
    return w->max && w->emitted >= w->max;
}

static int walk_cont(walker *w, const frame *k)
{
    if (!k)
        return emit(w);
    switch (k->kind) {
    case F_ITEMS: {
        if (k->i == k->n)
            return walk_cont(w, k->next);
        frame rest = *k;
        rest.i++;
        return walk_node(w, k->items[k->i], &rest);
    }
    case F_TAG_END: {
        int r;
        w->tag_depth--;
        if (w->n_slots < HARK_NLU_MAX_SLOTS) {
            hark_slot *s = &w->slots[w->n_slots++];
            snprintf(s->name, sizeof s->name, "%s", k->node->tag);
            w->val[w->val_len] = '\0';
            hark_slot_set_value(s, w->val + k->val_start, w->val_len - k->val_start);
            r = walk_cont(w, k->next);
            w->n_slots--;
        } else {
            r = walk_cont(w, k->next);
        }
        w->tag_depth++;
        return r;
    }
    case F_SUBST_END: {
        w->suppress--;
        int r = walk_cont(w, k->next);
        w->suppress++;
        return r;
    }
    }
    return 1;
}

static int walk_node(walker *w, const tnode *t, const frame *k)
{
    size_t sp0 = w->sp_len, val0 = w->val_len;
    int r = 0;
    frame tagf, substf;
    int tagged = t->tag && !(t == w->root && (w->flags & NLU_WALK_UNTAG_ROOT));
    if (tagged && (w->flags & NLU_WALK_SKELETON) && w->tag_depth == 0) {
        char ph[24];
        int n = snprintf(ph, sizeof ph, "$%d", t->tag_id);
        append(w->sp, &w->sp_len, ph, (size_t)n, &w->overflow);
        append(w->val, &w->val_len, ph, (size_t)n, &w->overflow);
        r = walk_cont(w, k);
        goto out;
    }
    if (tagged) {
        /* The slot value starts after the separating space the next word will add. */
        tagf = (frame){.kind = F_TAG_END, .node = t, .val_start = w->val_len, .next = k};
        k = &tagf;
        w->tag_depth++;
    }
    if (t->subst) {
        if (!w->suppress)
            append(w->val, &w->val_len, t->subst, strlen(t->subst), &w->overflow);
        w->suppress++;
        substf = (frame){.kind = F_SUBST_END, .next = k};
        k = &substf;
    }
    switch (t->kind) {
    case T_WORD:
        append(w->sp, &w->sp_len, t->word, strlen(t->word), &w->overflow);
        if (!w->suppress)
            append(w->val, &w->val_len, t->word, strlen(t->word), &w->overflow);
        r = walk_cont(w, k);
        break;
    case T_SEQ: {
        frame items = {.kind = F_ITEMS, .items = t->kids, .n = t->n_kids, .i = 0, .next = k};
        r = walk_cont(w, &items);
        break;
    }
    case T_ALT:
        if (w->rng) {
            /* Uniform over sentences: pick a child in proportion to its count. */
            uint64_t total = t->count ? t->count : 1, pick = nlu_rand(w->rng) % total;
            r = walk_node(w, t->kids[pick_kid(t, pick)], k);
        } else {
            for (int i = 0; i < t->n_kids && !r; i++) {
                const tnode *kid = t->kids[i];
                if ((w->flags & NLU_WALK_FULL) && t->n_kids > 1 && kid->kind == T_SEQ &&
                    kid->n_kids == 0)
                    continue;
                r = walk_node(w, kid, k);
            }
        }
        break;
    case T_RANGE: {
        long lo = t->lo, hi = t->hi;
        if (w->rng) {
            lo = t->lo + t->step * (long)(nlu_rand(w->rng) % t->count);
            hi = lo;
        }
        for (long v = lo; v <= hi && !r; v += t->step) {
            char words[128], digits[24];
            size_t s1 = w->sp_len, v1 = w->val_len;
            hark_nlu_number_to_words(v, words, sizeof words);
            int dn = snprintf(digits, sizeof digits, "%ld", v);
            append(w->sp, &w->sp_len, words, strlen(words), &w->overflow);
            if (!w->suppress)
                append(w->val, &w->val_len, digits, (size_t)dn, &w->overflow);
            r = walk_cont(w, k);
            w->sp_len = s1;
            w->val_len = v1;
        }
        break;
    }
    case T_LIST:
        r = walk_node(w, w->f->lists[t->list].root, k);
        break;
    }
    if (t->subst)
        w->suppress--;
    if (tagged)
        w->tag_depth--;
out:
    w->sp_len = sp0;
    w->val_len = val0;
    w->sp[sp0] = '\0';
    w->val[val0] = '\0';
    return r;
}

hark_status nlu_walk(const hark_intents *f, const tnode *root, int flags, uint64_t max,
                     uint64_t *rng, nlu_emit_fn fn, void *user)
{
    walker *w = calloc(1, sizeof *w);
    if (!w)
        return hark_error(HARK_ERR_NOMEM, "out of memory expanding templates");
    w->f = f;
    w->flags = flags;
    w->root = root;
    w->rng = rng;
    w->max = rng ? 1 : max;
    w->fn = fn;
    w->user = user;
    walk_node(w, root, NULL);
    int overflow = w->overflow;
    free(w);
    if (overflow)
        return hark_error(HARK_ERR_INVALID_ARG, "%s:%d:%d: a sentence is longer than %d bytes",
                          f->path, root->line, root->col, NLU_TEXT_MAX);
    return HARK_OK;
}

/* ---- public expansion ---- */

typedef struct expand_ctx {
    size_t intent;
    hark_sentence_fn fn;
    void *user;
    int stopped;
} expand_ctx;

static int expand_cb(const nlu_sentence *s, void *user)
{
    expand_ctx *c = user;
    if (c->fn(c->intent, s->spoken, s->slots, s->n_slots, c->user)) {
        c->stopped = 1;
        return 1;
    }
    return 0;
}

hark_status hark_intents_expand(const hark_intents *f, size_t intent, uint64_t max,
                                hark_sentence_fn fn, void *user_data)
{
    if (!f || !fn)
        return hark_error(HARK_ERR_INVALID_ARG, "intents_expand: NULL argument");
    if (intent != SIZE_MAX && intent >= (size_t)f->n_intents)
        return hark_error(HARK_ERR_INVALID_ARG, "intents_expand: no intent %zu", intent);
    size_t lo = intent == SIZE_MAX ? 0 : intent, hi = intent == SIZE_MAX ? (size_t)f->n_intents
                                                                          : intent + 1;
    for (size_t i = lo; i < hi; i++) {
        expand_ctx c = {i, fn, user_data, 0};
        hark_status st = nlu_walk(f, f->intents[i].root, 0, max, NULL, expand_cb, &c);
        if (st)
            return st;
        if (c.stopped)
            break;
    }
    return HARK_OK;
}

typedef struct sample_ctx {
    char *text;
    size_t cap;
    hark_slot *slots;
    int *n_slots;
} sample_ctx;

static int sample_cb(const nlu_sentence *s, void *user)
{
    sample_ctx *c = user;
    snprintf(c->text, c->cap, "%s", s->spoken);
    if (c->slots)
        memcpy(c->slots, s->slots, (size_t)s->n_slots * sizeof *s->slots);
    if (c->n_slots)
        *c->n_slots = s->n_slots;
    return 1;
}

hark_status hark_intents_sample(const hark_intents *f, size_t intent, uint64_t *rng, char *text,
                                size_t cap, hark_slot *slots, int *n_slots)
{
    if (!f || !rng || !text || cap == 0)
        return hark_error(HARK_ERR_INVALID_ARG, "intents_sample: NULL argument");
    if (intent >= (size_t)f->n_intents)
        return hark_error(HARK_ERR_INVALID_ARG, "intents_sample: no intent %zu", intent);
    if (*rng == 0)
        *rng = 0x9E3779B97F4A7C15ULL;
    sample_ctx c = {text, cap, slots, n_slots};
    text[0] = '\0';
    if (n_slots)
        *n_slots = 0;
    return nlu_walk(f, f->intents[intent].root, 0, 1, rng, sample_cb, &c);
}
