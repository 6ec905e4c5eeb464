/* checkpoint.c - training checkpoints: a model file (weights, features, alphabet) plus the Adam
 * moments as two extra tensors and the position in a "checkpoint" metadata object. One field
 * table lists what the position holds; saving and loading both walk it, so a field cannot be
 * written and forgotten on reading. Only rank 0 writes; every rank loads, so a run resumes with
 * any number of ranks or threads (the position is in global batches). */
#include <inttypes.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "model/model_internal.h"
#include "train/train_internal.h"

typedef enum { F_LONG, F_INT, F_DOUBLE } field_type;

typedef struct ckpt_field {
    const char *key;
    field_type type;
    size_t offset;    /* in train_state */
    double dflt;      /* when an older checkpoint lacks the key */
} ckpt_field;

#define FIELD(key, type, member, dflt) {key, type, offsetof(train_state, member), dflt}
static const ckpt_field fields[] = {
    FIELD("step", F_LONG, step, 0),
    FIELD("adam_steps", F_LONG, adam_steps, 0),
    FIELD("epoch", F_INT, epoch, 0),
    FIELD("next_batch", F_DOUBLE, next_batch, 0),
    FIELD("loss_sum", F_DOUBLE, loss_sum, 0),
    FIELD("loss_n", F_LONG, loss_n, 0),
    FIELD("bad_epochs", F_INT, bad_epochs, 0),
    FIELD("skipped", F_LONG, skipped, 0),
    FIELD("best_cer", F_DOUBLE, best_cer, -1),
    FIELD("best_epoch", F_INT, best_epoch, 0),
    FIELD("dev_cer", F_DOUBLE, dev_cer, -1),
    FIELD("dev_wer", F_DOUBLE, dev_wer, -1),
    FIELD("dev_utt_acc", F_DOUBLE, dev_utt_acc, -1),
};
#define N_FIELDS (sizeof fields / sizeof fields[0])

static double field_get(const train_state *s, const ckpt_field *f)
{
    const char *p = (const char *)s + f->offset;
    switch (f->type) {
    case F_LONG: return (double)*(const long *)p;
    case F_INT: return *(const int *)p;
    default: return *(const double *)p;
    }
}

static void field_set(train_state *s, const ckpt_field *f, double v)
{
    char *p = (char *)s + f->offset;
    switch (f->type) {
    case F_LONG: *(long *)p = (long)v; break;
    case F_INT: *(int *)p = (int)v; break;
    default: *(double *)p = v; break;
    }
}

/* The progress figures and the checkpointed state are kept in step around save and load. */
static void state_from(trainer *t)
{
    t->s.adam_steps = hark_adam_steps(t->adam);
    t->s.skipped = t->pr.skipped;
    t->s.best_cer = t->pr.best_cer;
    t->s.best_epoch = t->pr.best_epoch;
    t->s.dev_cer = t->pr.dev_cer;
    t->s.dev_wer = t->pr.dev_wer;
    t->s.dev_utt_acc = t->pr.dev_utt_acc;
}

static void state_to(trainer *t)
{
    t->pr.skipped = t->s.skipped;
    t->pr.best_cer = t->s.best_cer;
    t->pr.best_epoch = t->s.best_epoch;
    t->pr.dev_cer = t->s.dev_cer;
    t->pr.dev_wer = t->s.dev_wer;
    t->pr.dev_utt_acc = t->s.dev_utt_acc;
}

hark_adam *train_adam_create(const hark_train_config *c, size_t n)
{
    hark_adam_config ac = hark_adam_default_config();
    ac.lr = c->lr;
    ac.clip_norm = c->clip;
    ac.weight_decay = c->weight_decay;
    return hark_adam_create(n, &ac);
}

hark_status train_checkpoint_save(trainer *t)
{
    if (t->rank != 0)
        return HARK_OK;
    size_t np = hark_net_num_params(hark_model_net(t->model));
    hark_extra_tensor ex[2] = {{"optimizer.m", hark_adam_m(t->adam), np},
                               {"optimizer.v", hark_adam_v(t->adam), np}};
    cJSON *j = cJSON_CreateObject();
    if (!j)
        return HARK_ERR_NOMEM;
    state_from(t);
    /* "rng" marks a checkpoint (every draw now derives from the seed and the position). */
    char rng[32];
    snprintf(rng, sizeof rng, "%016" PRIx64, train_mix(t->cfg->seed, 0));
    cJSON_AddStringToObject(j, "rng", rng);
    for (size_t i = 0; i < N_FIELDS; i++)
        cJSON_AddNumberToObject(j, fields[i].key, field_get(&t->s, &fields[i]));
    char *s = cJSON_PrintUnformatted(j);
    cJSON_Delete(j);
    if (!s)
        return HARK_ERR_NOMEM;
    hark_status st = hark_model_set_meta(t->model, "checkpoint", s);
    free(s);
    if (st == HARK_OK)
        st = train_set_provenance(t);
    if (st == HARK_OK)
        st = hark_model_save_with(t->model, t->ckpt_path, ex, 2);
    /* The position belongs to the checkpoint only, not to models saved later. */
    cJSON_DeleteItemFromObjectCaseSensitive(t->model->meta, "checkpoint");
    if (st == HARK_OK) {
        t->pr.path = t->ckpt_path;
        train_notify(t, HARK_TRAIN_CHECKPOINT); /* the run stops anyway when it asked to */
    }
    return st;
}

static hark_status read_state(trainer *t, const char *path, const hark_model *m)
{
    const char *js = hark_model_get_meta(m, "checkpoint");
    cJSON *j = js ? cJSON_Parse(js) : NULL;
    const cJSON *rng = cJSON_GetObjectItemCaseSensitive(j, "rng");
    if (!cJSON_IsObject(j) || !cJSON_IsString(rng)) {
        cJSON_Delete(j);
        return hark_error(HARK_ERR_FORMAT, "%s: a model, not a training checkpoint", path);
    }
    for (size_t i = 0; i < N_FIELDS; i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, fields[i].key);
        field_set(&t->s, &fields[i], cJSON_IsNumber(v) ? v->valuedouble : fields[i].dflt);
    }
    cJSON_Delete(j);
    state_to(t);
    return HARK_OK;
}

hark_status train_checkpoint_load(trainer *t, const char *path)
{
    hark_model *tmp = hark_model_load(path); /* to learn the size */
    if (!tmp)
        return HARK_ERR_FORMAT;
    size_t np = hark_net_num_params(hark_model_net(tmp));
    int is_checkpoint = hark_model_get_meta(tmp, "checkpoint") != NULL;
    hark_model_free(tmp);
    if (!is_checkpoint)
        return hark_error(HARK_ERR_FORMAT, "%s: a model, not a training checkpoint", path);
    float *mv = malloc(2 * np * sizeof *mv);
    if (!mv)
        return hark_error(HARK_ERR_NOMEM, "out of memory");
    hark_extra_tensor ex[2] = {{"optimizer.m", mv, np}, {"optimizer.v", mv + np, np}};
    hark_model *m = hark_model_load_with(path, ex, 2);
    hark_status st = m ? read_state(t, path, m) : HARK_ERR_FORMAT;
    if (st == HARK_OK && !(t->adam = train_adam_create(t->cfg, np)))
        st = HARK_ERR_NOMEM;
    if (st == HARK_OK) {
        memcpy(hark_adam_m(t->adam), mv, np * sizeof *mv);
        memcpy(hark_adam_v(t->adam), mv + np, np * sizeof *mv);
        hark_adam_set_steps(t->adam, t->s.adam_steps);
        t->model = m;
        m = NULL;
    }
    hark_model_free(m);
    free(mv);
    return st;
}

/* Keep what the base model says about itself under new keys, before training overwrites the
 * originals: its provenance (with its own base inside, so a chain of fine-tunings keeps every
 * link) and its word counts, all of them (a fine-tuned base's already include its own base's, so
 * they replace the base_word_counts it carries). A key the base lacks is left alone. */
static hark_status keep_base_meta(hark_model *m)
{
    const char *prov = hark_model_get_meta(m, "provenance");
    const char *base = hark_model_get_meta(m, "base_provenance");
    hark_status st = HARK_OK;
    if (prov) {
        cJSON *p = cJSON_Parse(prov);
        if (p && base)
            cJSON_AddItemToObject(p, "base", cJSON_Parse(base));
        char *s = p ? cJSON_PrintUnformatted(p) : NULL;
        cJSON_Delete(p);
        st = s ? hark_model_set_meta(m, "base_provenance", s)
               : hark_error(HARK_ERR_FORMAT, "the base model's provenance is not JSON");
        free(s);
    }
    const char *wc = hark_model_get_meta(m, HARK_WORD_COUNTS_META);
    if (st == HARK_OK && wc)
        st = hark_model_set_meta(m, "base_word_counts", wc);
    return st;
}

hark_status train_init_load(trainer *t, const char *path)
{
    hark_model *m = hark_model_load(path);
    if (!m)
        return HARK_ERR_FORMAT;
    /* A checkpoint is a model too; its position belongs to the run that wrote it. */
    cJSON_DeleteItemFromObjectCaseSensitive(m->meta, "checkpoint");
    hark_status st = keep_base_meta(m);
    if (st == HARK_OK
        && !(t->adam = train_adam_create(t->cfg, hark_net_num_params(hark_model_net(m)))))
        st = hark_error(HARK_ERR_NOMEM, "out of memory");
    if (st != HARK_OK) {
        hark_model_free(m);
        return st;
    }
    t->model = m;
    t->pr.best_cer = t->pr.dev_cer = t->pr.dev_wer = t->pr.dev_utt_acc = -1;
    t->pr.best_epoch = 0;
    return HARK_OK;
}
