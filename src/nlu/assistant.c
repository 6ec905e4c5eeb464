/* assistant.c - the assistant object: builds the classifier's training set from the expanded
 * templates (balanced per intent, garbled as a recogniser would garble them) plus generic
 * sentences for "none", calibrates confidence on held-out sentences, and answers: classify,
 * fill slots, run the skill, render the response. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hark/nlu.h"
#include "core/util.h"
#include "nlu/nlu_internal.h"

#define NONE_EXTRA_MAX 4000 /* sentences read from a none_corpus file */
#define MAX_ROOMS 64

struct hark_assistant {
    hark_intents *f;
    nlu_clf *clf;
    nlu_slotter *slotter;
    nlu_speller *speller;
    int n_intents; /* the "none" class is index n_intents */
    float temperature, threshold;
    double train_seconds;
    nlu_timers timers;
    nlu_lights lights;
    char *state_path;
    char last_response[HARK_NLU_RESPONSE_MAX];
    char help[HARK_NLU_RESPONSE_MAX];
    const char *rooms[MAX_ROOMS];
    size_t n_rooms;
};

hark_assistant_params hark_assistant_default_params(void)
{
    hark_assistant_params p = {0};
    p.seed = 1;
    p.max_sentences = 3000;
    p.per_class = 800;
    p.epochs = 6;
    p.noise = 0.08f;
    p.threshold = 0.5f;
    return p;
}

const hark_slot *hark_intent_result_slot(const hark_intent_result *r, const char *name)
{
    if (!r || !name)
        return NULL;
    for (int i = 0; i < r->n_slots; i++)
        if (!strcmp(r->slots[i].name, name))
            return &r->slots[i];
    return NULL;
}

/* ---- a growable list of owned strings ---- */

typedef struct strlist {
    char **s;
    size_t n, cap;
} strlist;

static int sl_push(strlist *l, const char *s)
{
    if (util_grow(&l->s, &l->cap, l->n + 1, sizeof *l->s, 64))
        return -1;
    size_t n = strlen(s);
    if (!(l->s[l->n] = malloc(n + 1)))
        return -1;
    memcpy(l->s[l->n++], s, n + 1);
    return 0;
}

static void sl_free(strlist *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->s[i]);
    free(l->s);
    memset(l, 0, sizeof *l);
}

static void sl_shuffle(strlist *l, uint64_t *rng)
{
    for (size_t i = l->n; i > 1; i--) {
        size_t j = (size_t)(nlu_rand(rng) % i);
        char *t = l->s[i - 1];
        l->s[i - 1] = l->s[j];
        l->s[j] = t;
    }
}

/* ---- garbling: what a speech recogniser does to a sentence ---- */

/* Garble `in` into `out` (normalised, as recognition would hand it over) and `snapped` (the same
 * with unknown words snapped to the vocabulary), each of `cap` bytes. */
static void garble(const nlu_speller *sp, const char *in, char *out, char *snapped, size_t cap,
                   float strength, uint64_t *rng)
{
    char words[64][48];
    int n = 0;
    const char *next = in, *word;
    size_t wl;
    while (n < 64 && (word = nlu_next_word(&next, &wl))) {
        if (wl > sizeof words[0] - 1)
            wl = sizeof words[0] - 1;
        memcpy(words[n], word, wl);
        words[n++][wl] = '\0';
    }
    /* Word level: drop one, swap a neighbouring pair. */
    if (n >= 3 && nlu_rand_unit(rng) < 0.15) {
        int k = (int)(nlu_rand(rng) % (uint64_t)n);
        memmove(words[k], words[k + 1], (size_t)(n - k - 1) * sizeof words[0]);
        n--;
    }
    if (n >= 2 && nlu_rand_unit(rng) < 0.05) {
        int k = (int)(nlu_rand(rng) % (uint64_t)(n - 1));
        char t[48];
        memcpy(t, words[k], sizeof t);
        memcpy(words[k], words[k + 1], sizeof t);
        memcpy(words[k + 1], t, sizeof t);
    }
    /* Character level over the whole sentence, spaces included (so words also merge and
     * split): substitutions, deletions, insertions, transpositions, at a rate drawn per
     * sentence between 0 and twice `strength`. */
    char joined[NLU_TEXT_MAX];
    size_t jl = 0;
    for (int w = 0; w < n; w++) {
        size_t l = strlen(words[w]);
        if (jl + l + 2 >= sizeof joined)
            break;
        if (jl)
            joined[jl++] = ' ';
        memcpy(joined + jl, words[w], l);
        jl += l;
    }
    joined[jl] = '\0';
    float rate = (float)(2.0 * strength * nlu_rand_unit(rng));
    size_t len = 0;
    for (size_t i = 0; i < jl && len + 3 < cap; i++) {
        if (nlu_rand_unit(rng) >= rate) {
            out[len++] = joined[i];
            continue;
        }
        double r = nlu_rand_unit(rng);
        char rnd = (char)('a' + nlu_rand(rng) % 26);
        if (r < 0.4) {
            out[len++] = rnd;
        } else if (r < 0.65) {
            /* deleted */
        } else if (r < 0.85) {
            out[len++] = joined[i];
            out[len++] = rnd;
        } else if (i + 1 < jl) {
            out[len++] = joined[i + 1];
            out[len++] = joined[i];
            i++;
        } else {
            out[len++] = joined[i];
        }
    }
    out[len] = '\0';
    /* Normalise and snap to the vocabulary again, exactly as recognised text will be. */
    char norm[NLU_TEXT_MAX];
    if (hark_nlu_normalize(out, norm, sizeof norm) == HARK_OK)
        snprintf(out, cap, "%s", norm);
    if (nlu_speller_correct(sp, out, snapped, cap) != HARK_OK)
        snprintf(snapped, cap, "%s", out);
    len = strlen(out);
    while (len && out[len - 1] == ' ')
        out[--len] = '\0';
}

/* ---- training data ---- */

static int pool_walk_cb(const nlu_sentence *s, void *user)
{
    return sl_push(user, s->spoken) ? 1 : 0;
}

/* The intent's training sentences: all of them when there are at most `cap`, else an equal share
 * per template line (all of a line's sentences if it has fewer, a uniform sample otherwise), so
 * that a line with two number ranges does not crowd out the short phrasings. */
static hark_status intent_pool(const hark_intents *f, size_t i, size_t cap, uint64_t *rng,
                               strlist *out)
{
    const tnode *root = f->intents[i].root;
    if (root->count <= cap)
        return nlu_walk(f, root, 0, 0, NULL, pool_walk_cb, out);
    size_t share = cap / (size_t)root->n_kids;
    if (share == 0)
        share = 1;
    for (int k = 0; k < root->n_kids; k++) {
        const tnode *line = root->kids[k];
        hark_status st;
        if (line->count <= share) {
            st = nlu_walk(f, line, 0, 0, NULL, pool_walk_cb, out);
        } else {
            st = HARK_OK;
            for (size_t j = 0; j < share && !st; j++)
                st = nlu_walk(f, line, 0, 1, rng, pool_walk_cb, out);
        }
        if (st)
            return st;
    }
    return HARK_OK;
}

static hark_status none_pool(const char *extra, strlist *out)
{
    size_t n;
    const char *const *s = nlu_none_sentences(&n);
    char norm[NLU_TEXT_MAX];
    for (size_t i = 0; i < n; i++)
        if (hark_nlu_normalize(s[i], norm, sizeof norm) == HARK_OK && norm[0] && sl_push(out, norm))
            return hark_error(HARK_ERR_NOMEM, "out of memory");
    if (!extra)
        return HARK_OK;
    FILE *fp = fopen(extra, "r");
    if (!fp)
        return hark_error(HARK_ERR_IO, "%s: %s", extra, strerror(errno));
    char line[4096];
    size_t added = 0;
    while (added < NONE_EXTRA_MAX && fgets(line, sizeof line, fp)) {
        /* LJSpeech metadata: "id|text|normalised text": take the last field. */
        char *text = strrchr(line, '|');
        text = text ? text + 1 : line;
        if (hark_nlu_normalize(text, norm, sizeof norm) != HARK_OK || !norm[0])
            continue;
        if (sl_push(out, norm)) {
            fclose(fp);
            return hark_error(HARK_ERR_NOMEM, "out of memory");
        }
        added++;
    }
    fclose(fp);
    return HARK_OK;
}

/* One training or calibration example before the texts are final: class, held-out flag and
 * the indices of its two texts (vocabulary-snapped words, raw characters) in the string list. */
typedef struct item {
    int label, held;
    size_t words, chars;
} item;

/* The examples being collected, and the strings they point into. */
typedef struct trainset {
    strlist texts;
    item *items;
    size_t n_items, cap_items;
} trainset;

/* Add `src` as an example of class `label`, garbled when `noisy`. */
static int add_example(trainset *ts, int label, int held, const char *src, int noisy,
                       const nlu_speller *sp, float strength, uint64_t *rng)
{
    if (ts->n_items == ts->cap_items) {
        size_t nc = ts->cap_items ? ts->cap_items * 2 : 1024;
        item *nv = realloc(ts->items, nc * sizeof *nv);
        if (!nv)
            return -1;
        ts->items = nv;
        ts->cap_items = nc;
    }
    item *it = &ts->items[ts->n_items];
    *it = (item){.label = label, .held = held};
    if (!noisy) {
        /* Template and generic sentences are in the vocabulary: snapping leaves them alone. */
        if (sl_push(&ts->texts, src))
            return -1;
        it->words = it->chars = ts->texts.n - 1;
    } else {
        char raw[NLU_TEXT_MAX], snapped[NLU_TEXT_MAX];
        garble(sp, src, raw, snapped, sizeof raw, strength, rng);
        if (sl_push(&ts->texts, snapped) || sl_push(&ts->texts, raw))
            return -1;
        it->words = ts->texts.n - 2;
        it->chars = ts->texts.n - 1;
    }
    ts->n_items++;
    return 0;
}

/* Calibrated probabilities (n_intents + 1) from the vocabulary-snapped words and the normalised
 * characters of a sentence. */
static void probabilities(const hark_assistant *a, const char *words, const char *chars, float *p)
{
    nlu_feats x;
    nlu_featurize(words, chars, nlu_clf_dim(a->clf), &x);
    nlu_clf_logits(a->clf, &x, p);
    nlu_softmax(p, a->n_intents + 1, a->temperature);
}

/* The vocabulary misrecognised words are snapped to: every word of every training pool. */
static hark_status build_speller(hark_assistant *a, const strlist *pools, int C)
{
    size_t total = 0, k = 0;
    for (int c = 0; c < C; c++)
        total += pools[c].n;
    const char **all = malloc((total ? total : 1) * sizeof *all);
    if (!all)
        return hark_error(HARK_ERR_NOMEM, "out of memory");
    for (int c = 0; c < C; c++)
        for (size_t i = 0; i < pools[c].n; i++)
            all[k++] = pools[c].s[i];
    a->speller = nlu_speller_build(all, total);
    free(all);
    return a->speller ? HARK_OK : HARK_ERR_NOMEM;
}

/* Build the training set, train, calibrate. Everything from the expanded pools to the fitted
 * temperature counts as training time. */
static hark_status train(hark_assistant *a, const hark_assistant_params *p)
{
    double t0 = util_now_seconds();
    const int C = a->n_intents + 1;
    strlist *pools = calloc((size_t)C, sizeof *pools);
    nlu_example *ex = NULL, *held = NULL;
    trainset ts = {0};
    float *logits = NULL;
    int *labels = NULL;
    size_t n_ex = 0, n_held = 0;
    hark_status st = HARK_OK;
    uint64_t rng = p->seed ? p->seed : 1;
    const size_t per_class = p->per_class ? p->per_class : 800;
    if (!pools)
        return hark_error(HARK_ERR_NOMEM, "out of memory");
    for (int i = 0; i < a->n_intents && !st; i++)
        st = intent_pool(a->f, (size_t)i, p->max_sentences ? p->max_sentences : 3000, &rng,
                         &pools[i]);
    if (!st)
        st = none_pool(p->none_corpus, &pools[a->n_intents]);
    if (st)
        goto done;
    if ((st = build_speller(a, pools, C)))
        goto done;
    /* Texts are collected first and pointed to afterwards: the string list moves as it grows. */
    for (int c = 0; c < C; c++) {
        strlist *pool = &pools[c];
        sl_shuffle(pool, &rng);
        /* Hold out ~15% of a class's distinct sentences to calibrate on. A small class keeps
         * all its phrasings for training (each one matters) and is calibrated on freshly
         * garbled copies instead. */
        size_t n_hold = pool->n >= 40 ? pool->n * 15 / 100 : 0;
        if (n_hold > per_class / 2)
            n_hold = per_class / 2;
        size_t n_train = pool->n - n_hold;
        size_t n_cal = n_hold ? n_hold : pool->n;
        for (size_t k = 0; k < n_cal; k++) {
            for (int v = n_hold ? 0 : 1; v < 2; v++)
                if (add_example(&ts, c, 1, pool->s[k], v, a->speller, p->noise, &rng))
                    goto nomem;
        }
        for (size_t k = 0; k < per_class && n_train > 0; k++) {
            const char *src = pool->s[n_hold + k % n_train];
            int noisy = k >= n_train || nlu_rand_unit(&rng) < 0.5;
            if (add_example(&ts, c, 0, src, noisy, a->speller, p->noise, &rng))
                goto nomem;
        }
    }
    ex = malloc(ts.n_items * sizeof *ex);
    held = malloc(ts.n_items * sizeof *held);
    if (!ex || !held)
        goto nomem;
    for (size_t k = 0; k < ts.n_items; k++) {
        const item *it = &ts.items[k];
        nlu_example e = {ts.texts.s[it->words], ts.texts.s[it->chars], it->label};
        if (it->held)
            held[n_held++] = e;
        else
            ex[n_ex++] = e;
    }
    nlu_train_params tp = {.dim = 1u << 15, .epochs = p->epochs > 0 ? p->epochs : 6,
                           .batch = 128, .lr = 0.08f, .l2 = 1e-5f, .seed = rng};
    a->clf = nlu_clf_train(ex, n_ex, C, &tp);
    if (!a->clf) {
        st = HARK_ERR_NUMERIC; /* the message says which failure */
        goto done;
    }
    /* Temperature scaling on the held-out sentences. */
    a->temperature = 1.0f;
    if (n_held) {
        logits = malloc(n_held * (size_t)C * sizeof *logits);
        labels = malloc(n_held * sizeof *labels);
        if (!logits || !labels)
            goto nomem;
        for (size_t k = 0; k < n_held; k++) {
            nlu_feats x;
            nlu_featurize(held[k].words, held[k].chars, nlu_clf_dim(a->clf), &x);
            nlu_clf_logits(a->clf, &x, logits + k * (size_t)C);
            labels[k] = held[k].label;
        }
        a->temperature = nlu_fit_temperature(logits, labels, n_held, C);
    }
    a->train_seconds = util_now_seconds() - t0;
    /* Probabilities are calibrated, so the threshold is a decision rule, not a fitted knob:
     * act only when the chosen intent is more likely right than wrong (and beats "none"). A
     * threshold fitted on held-out template sentences was tried and drifts high, because
     * sentences from the templates are far easier than real ones. */
    a->threshold = p->threshold >= 0 ? p->threshold : 0.5f;
    goto done;
nomem:
    st = hark_error(HARK_ERR_NOMEM, "out of memory while training the intent classifier");
done:
    for (int c = 0; c < C; c++)
        sl_free(&pools[c]);
    free(pools);
    sl_free(&ts.texts);
    free(ts.items);
    free(ex);
    free(held);
    free(logits);
    free(labels);
    return st;
}

/* "You can say things like: ..." from the first sentence of every intent, optional words
 * included so the examples sound like sentences. */
typedef struct help_ctx {
    char *buf;
    size_t cap;
    int n;
} help_ctx;

static int help_cb(const nlu_sentence *s, void *user)
{
    help_ctx *h = user;
    size_t len = strlen(h->buf);
    if (len + strlen(s->spoken) + 4 < h->cap) {
        snprintf(h->buf + len, h->cap - len, "%s%s", h->n ? "; " : "", s->spoken);
        h->n++;
    }
    return 1;
}

static void build_help(hark_assistant *a)
{
    help_ctx h = {a->help, sizeof a->help - 1, 0};
    snprintf(a->help, sizeof a->help, "You can say things like: ");
    size_t prefix = strlen(a->help);
    int help_skill = nlu_skill_find("help");
    for (int i = 0; i < a->n_intents; i++) {
        if (a->f->intents[i].skill_id == help_skill)
            continue;
        nlu_walk(a->f, a->f->intents[i].root, NLU_WALK_FULL, 1, NULL, help_cb, &h);
    }
    if (strlen(a->help) == prefix)
        snprintf(a->help, sizeof a->help, "I have no skills yet.");
    else
        strncat(a->help, ".", sizeof a->help - strlen(a->help) - 1);
}

static hark_assistant *build(hark_intents *f, const hark_assistant_params *p)
{
    hark_assistant_params def = hark_assistant_default_params();
    if (!p)
        p = &def;
    hark_assistant *a = calloc(1, sizeof *a);
    if (!a) {
        hark_intents_free(f);
        hark_error(HARK_ERR_NOMEM, "out of memory");
        return NULL;
    }
    a->f = f;
    a->n_intents = (int)hark_intents_count(f);
    if (p->state_path) {
        size_t n = strlen(p->state_path);
        if (!(a->state_path = malloc(n + 1))) {
            hark_error(HARK_ERR_NOMEM, "out of memory");
            goto fail;
        }
        memcpy(a->state_path, p->state_path, n + 1);
        if (nlu_lights_load(&a->lights, a->state_path))
            goto fail;
    }
    if (!(a->slotter = nlu_slotter_build(f)))
        goto fail;
    a->n_rooms = nlu_slotter_values(a->slotter, "room", a->rooms, MAX_ROOMS);
    if (train(a, p))
        goto fail;
    build_help(a);
    return a;
fail:
    hark_assistant_free(a);
    return NULL;
}

hark_assistant *hark_assistant_load(const char *ini_path, const hark_assistant_params *p)
{
    hark_intents *f = hark_intents_load(ini_path);
    return f ? build(f, p) : NULL;
}

hark_assistant *hark_assistant_load_text(const char *text, const char *name,
                                         const hark_assistant_params *p)
{
    hark_intents *f = hark_intents_parse(text, name);
    return f ? build(f, p) : NULL;
}

void hark_assistant_free(hark_assistant *a)
{
    if (!a)
        return;
    nlu_clf_free(a->clf);
    nlu_slotter_free(a->slotter);
    nlu_speller_free(a->speller);
    hark_intents_free(a->f);
    nlu_timers_free(&a->timers);
    nlu_lights_free(&a->lights);
    free(a->state_path);
    free(a);
}

/* ---- understanding ---- */

static const char FALLBACK[] =
    "Sorry, I can't help with that. Say \"help\" to hear what I can do.";

hark_status hark_assistant_probabilities(const hark_assistant *a, const char *text, float *probs)
{
    if (!a || !text || !probs)
        return hark_error(HARK_ERR_INVALID_ARG, "assistant_probabilities: NULL argument");
    char norm[HARK_NLU_RESPONSE_MAX], snapped[HARK_NLU_RESPONSE_MAX];
    hark_status st = hark_nlu_normalize(text, norm, sizeof norm);
    if (st)
        return st;
    if (nlu_speller_correct(a->speller, norm, snapped, sizeof snapped) != HARK_OK)
        snprintf(snapped, sizeof snapped, "%s", norm);
    probabilities(a, snapped, norm, probs);
    return HARK_OK;
}

hark_status hark_assistant_classify(const hark_assistant *a, const char *text,
                                    hark_intent_result *out)
{
    if (!a || !text || !out)
        return hark_error(HARK_ERR_INVALID_ARG, "assistant_classify: NULL argument");
    memset(out, 0, sizeof *out);
    snprintf(out->intent, sizeof out->intent, "none");
    if (hark_nlu_normalize(text, out->normalized, sizeof out->normalized) != HARK_OK) {
        /* Too long to be a command: out of scope. */
        out->normalized[0] = '\0';
        out->confidence = 1.0f;
        return HARK_OK;
    }
    if (!out->normalized[0]) {
        out->confidence = 1.0f;
        return HARK_OK;
    }
    char snapped[HARK_NLU_RESPONSE_MAX];
    if (nlu_speller_correct(a->speller, out->normalized, snapped, sizeof snapped) != HARK_OK)
        snprintf(snapped, sizeof snapped, "%s", out->normalized);
    float p[257];
    probabilities(a, snapped, out->normalized, p);
    snprintf(out->normalized, sizeof out->normalized, "%s", snapped);
    int best = 0;
    for (int i = 1; i < a->n_intents; i++)
        if (p[i] > p[best])
            best = i;
    if (p[a->n_intents] > p[best] || p[best] < a->threshold) {
        out->confidence = 1.0f - p[best];
        return HARK_OK;
    }
    snprintf(out->intent, sizeof out->intent, "%s", a->f->intents[best].name);
    out->confidence = p[best];
    out->n_slots = nlu_slotter_fill(a->slotter, best, out->normalized, out->slots);
    return HARK_OK;
}

/* Fill {placeholders} from the slots, then the skill's outputs. */
static void render(const char *tmpl, const hark_intent_result *r, const nlu_vars *v, char *out,
                   size_t cap)
{
    size_t len = 0;
    out[0] = '\0';
    for (const char *p = tmpl; *p && len + 1 < cap;) {
        if (*p != '{') {
            out[len++] = *p++;
            out[len] = '\0';
            continue;
        }
        const char *e = strchr(p, '}');
        if (!e) {
            snprintf(out + len, cap - len, "%s", p);
            return;
        }
        char name[HARK_NLU_NAME_MAX];
        size_t n = (size_t)(e - p - 1) < sizeof name - 1 ? (size_t)(e - p - 1) : sizeof name - 1;
        memcpy(name, p + 1, n);
        name[n] = '\0';
        const char *val = nlu_vars_get(v, name);
        const hark_slot *s = hark_intent_result_slot(r, name);
        if (!val && s)
            val = s->text;
        int k = snprintf(out + len, cap - len, "%s", val ? val : "");
        if (k > 0)
            len += (size_t)k < cap - len ? (size_t)k : cap - len - 1;
        p = e + 1;
    }
}

hark_status hark_assistant_handle(hark_assistant *a, const char *text, time_t now,
                                  hark_intent_result *out)
{
    if (!a || !text || !out)
        return hark_error(HARK_ERR_INVALID_ARG, "assistant_handle: NULL argument");
    hark_status st = hark_assistant_classify(a, text, out);
    if (st)
        return st;
    return hark_assistant_respond(a, now, out);
}

hark_status hark_assistant_respond(hark_assistant *a, time_t now, hark_intent_result *out)
{
    if (!a || !out)
        return hark_error(HARK_ERR_INVALID_ARG, "assistant_respond: NULL argument");
    hark_status st = HARK_OK;
    int intent = hark_intents_find(a->f, out->intent);
    if (intent < 0) {
        snprintf(out->response, sizeof out->response, "%s", FALLBACK);
        return HARK_OK;
    }
    const nlu_intent *in = &a->f->intents[intent];
    nlu_vars *vars = calloc(1, sizeof *vars);
    if (!vars)
        return hark_error(HARK_ERR_NOMEM, "out of memory");
    char reply[HARK_NLU_RESPONSE_MAX] = "";
    if (in->skill_id >= 0) {
        nlu_skill_ctx ctx = {&a->timers, &a->lights, a->state_path, a->last_response, a->help,
                             a->rooms, a->n_rooms, now};
        st = nlu_skill_run(in->skill_id, &ctx, out->slots, out->n_slots, vars, reply, sizeof reply);
    }
    if (reply[0])
        snprintf(out->response, sizeof out->response, "%s", reply);
    else if (in->response[0])
        render(in->response, out, vars, out->response, sizeof out->response);
    else
        snprintf(out->response, sizeof out->response, "Okay.");
    free(vars);
    if (in->skill_id != nlu_skill_find("repeat"))
        snprintf(a->last_response, sizeof a->last_response, "%s", out->response);
    return st;
}

/* ---- accessors ---- */

float hark_assistant_threshold(const hark_assistant *a) { return a ? a->threshold : 0; }
float hark_assistant_temperature(const hark_assistant *a) { return a ? a->temperature : 0; }
double hark_assistant_train_seconds(const hark_assistant *a) { return a ? a->train_seconds : 0; }
const hark_intents *hark_assistant_intents(const hark_assistant *a) { return a ? a->f : NULL; }

size_t hark_assistant_due_timers(hark_assistant *a, time_t now, hark_timer *out, size_t cap)
{
    if (!a)
        return 0;
    size_t due = 0;
    while (due < a->timers.n && a->timers.t[due].due <= now)
        due++;
    size_t give = due < cap ? due : cap;
    if (out && give)
        memcpy(out, a->timers.t, give * sizeof *out);
    if (!out)
        give = 0;
    /* Only the timers handed out leave the table (an empty table may have no array at all). */
    if (give) {
        memmove(a->timers.t, a->timers.t + give, (a->timers.n - give) * sizeof *a->timers.t);
        a->timers.n -= give;
    }
    return due;
}

size_t hark_assistant_timers(const hark_assistant *a, hark_timer *out, size_t cap)
{
    if (!a)
        return 0;
    size_t give = a->timers.n < cap ? a->timers.n : cap;
    if (out && give)
        memcpy(out, a->timers.t, give * sizeof *out);
    return a->timers.n;
}

long hark_assistant_next_timer(const hark_assistant *a, time_t now)
{
    if (!a || a->timers.n == 0)
        return -1;
    long d = (long)(a->timers.t[0].due - now);
    return d > 0 ? d : 0;
}

int hark_assistant_light(const hark_assistant *a, const char *room)
{
    return a && room ? nlu_lights_get(&a->lights, room) : -1;
}
