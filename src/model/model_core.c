/* model_core.c - the hark_model object: net + feature configuration + alphabet + metadata, and
 * one-call transcription of samples (through the recognizer). The file format is in
 * model_file.c; reading audio files belongs to the pipeline layer (src/pipeline). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "model/model_internal.h"

hark_status hark_model_check_shapes(const hark_net_config *nc, const hark_mfcc_config *feat,
                                    const char *alphabet)
{
    hark_status st = hark_mfcc_config_validate(feat);
    if (st != HARK_OK)
        return st;
    int na = hark_alphabet_size(alphabet);
    if (na < 1)
        return hark_error(HARK_ERR_INVALID_ARG, "the alphabet is empty or not valid UTF-8");
    if (nc->n_output != na + 1)
        return hark_error(HARK_ERR_INVALID_ARG,
                          "the net has %d outputs but the alphabet %d symbols plus the blank",
                          nc->n_output, na);
    if (nc->n_input != hark_mfcc_dim(feat))
        return hark_error(HARK_ERR_INVALID_ARG,
                          "the net takes %d inputs per frame but the features have %d",
                          nc->n_input, hark_mfcc_dim(feat));
    return HARK_OK;
}

hark_model *hark_model_create(const hark_net_config *net_cfg, const hark_mfcc_config *feat,
                              const char *alphabet, uint64_t seed)
{
    if (!net_cfg || !feat) {
        hark_error(HARK_ERR_INVALID_ARG, "hark_model_create: NULL argument");
        return NULL;
    }
    if (!alphabet)
        alphabet = HARK_DEFAULT_ALPHABET;
    if (hark_model_check_shapes(net_cfg, feat, alphabet) != HARK_OK)
        return NULL;
    hark_model *m = calloc(1, sizeof *m);
    if (!m) {
        hark_error(HARK_ERR_NOMEM, "out of memory");
        return NULL;
    }
    m->feat = *feat;
    m->alphabet = strdup(alphabet);
    m->meta = cJSON_CreateObject();
    m->units = hark_units_create(HARK_UNITS_CHARS, alphabet);
    if (!m->alphabet || !m->meta || !m->units) {
        hark_error(HARK_ERR_NOMEM, "out of memory");
        goto fail;
    }
    m->net = hark_net_create(net_cfg, seed);
    if (!m->net)
        goto fail;
    return m;
fail:
    hark_model_free(m);
    return NULL;
}

void hark_model_free(hark_model *m)
{
    if (!m)
        return;
    hark_net_free(m->net);
    for (size_t i = 0; i < m->n_phrases; i++)
        free(m->phrases[i]);
    free(m->phrases);
    free(m->alphabet);
    hark_units_free(m->units);
    cJSON_Delete(m->meta);
    free(m);
}

const hark_net *hark_model_net(const hark_model *m) { return m->net; }
hark_net *hark_model_net_mut(hark_model *m) { return m->net; }
const char *hark_model_alphabet(const hark_model *m) { return m->alphabet; }
const hark_units *hark_model_units(const hark_model *m) { return m->units; }
const hark_mfcc_config *hark_model_feature_config(const hark_model *m) { return &m->feat; }
int hark_model_sample_rate(const hark_model *m) { return m->feat.sample_rate; }

hark_status hark_model_set_feature_config(hark_model *m, const hark_mfcc_config *feat)
{
    if (!m || !feat)
        return hark_error(HARK_ERR_INVALID_ARG, "hark_model_set_feature_config: NULL argument");
    hark_status st = hark_model_check_shapes(hark_net_get_config(m->net), feat, m->alphabet);
    if (st == HARK_OK)
        m->feat = *feat;
    return st;
}

double hark_model_frame_seconds(const hark_model *m)
{
    return (double)hark_mfcc_frame_shift(&m->feat) * hark_net_get_config(m->net)->stack
           / m->feat.sample_rate;
}

static int reserved_key(const char *key)
{
    static const char *const keys[] = {"format", "format_version", "features", "architecture",
                                       "alphabet"};
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
        if (strcmp(key, keys[i]) == 0)
            return 1;
    return 0;
}

const char *hark_model_get_meta(const hark_model *m, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(m->meta, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

double hark_model_get_meta_number(const hark_model *m, const char *key)
{
    const char *s = hark_model_get_meta(m, key);
    if (!s)
        return NAN;
    char *end;
    double v = strtod(s, &end);
    return end != s && *end == '\0' && isfinite(v) ? v : NAN;
}

const char *const *hark_model_phrases(const hark_model *m, size_t *n)
{
    *n = m->n_phrases;
    return m->n_phrases ? (const char *const *)m->phrases : NULL;
}

/* "phrases" metadata: a JSON array of strings in the alphabet. */
static hark_status parse_phrases(hark_model *m, const char *value)
{
    cJSON *a = cJSON_Parse(value);
    if (!cJSON_IsArray(a)) {
        cJSON_Delete(a);
        return hark_error(HARK_ERR_FORMAT, "metadata 'phrases' is not a JSON array");
    }
    size_t n = (size_t)cJSON_GetArraySize(a);
    char **ph = calloc(n ? n : 1, sizeof *ph);
    hark_status st = ph ? HARK_OK : hark_error(HARK_ERR_NOMEM, "out of memory");
    size_t k = 0;
    const cJSON *v;
    cJSON_ArrayForEach(v, a)
    {
        if (st != HARK_OK)
            break;
        int nl;
        /* Character models' phrases are checked here; phone models' when a decoder spells them
         * (the lexicon may come later in the file, and espeak-ng is not needed to load). */
        if (!cJSON_IsString(v) || (hark_units_kind(m->units) == HARK_UNITS_CHARS
                                   && hark_alphabet_encode(m->alphabet, v->valuestring, NULL, 0, &nl)
                                          != HARK_OK))
            st = hark_error(HARK_ERR_FORMAT, "metadata 'phrases' holds a non-string or a phrase "
                            "outside the alphabet");
        else if (!(ph[k++] = strdup(v->valuestring)))
            st = hark_error(HARK_ERR_NOMEM, "out of memory");
    }
    cJSON_Delete(a);
    if (st != HARK_OK) {
        for (size_t i = 0; i < k; i++)
            free(ph[i]);
        free(ph);
        return st;
    }
    for (size_t i = 0; i < m->n_phrases; i++)
        free(m->phrases[i]);
    free(m->phrases);
    m->phrases = ph;
    m->n_phrases = n;
    return HARK_OK;
}

hark_status hark_model_set_meta(hark_model *m, const char *key, const char *value)
{
    if (!m || !key || !value)
        return hark_error(HARK_ERR_INVALID_ARG, "hark_model_set_meta: NULL argument");
    if (reserved_key(key))
        return hark_error(HARK_ERR_INVALID_ARG, "metadata key '%s' is reserved", key);
    hark_status st = HARK_OK;
    if (strcmp(key, "phrases") == 0)
        st = parse_phrases(m, value);
    else if (strcmp(key, "units") == 0)
        st = units_set_kind(m->units, value);
    else if (strcmp(key, "lexicon") == 0)
        st = units_lexicon_parse(m->units, value);
    if (st != HARK_OK)
        return st;
    cJSON *v = cJSON_CreateString(value);
    if (!v)
        return hark_error(HARK_ERR_NOMEM, "out of memory");
    if (cJSON_HasObjectItem(m->meta, key))
        cJSON_ReplaceItemInObjectCaseSensitive(m->meta, key, v);
    else
        cJSON_AddItemToObject(m->meta, key, v);
    return HARK_OK;
}

hark_status hark_model_set_units(hark_model *m, const hark_units *u)
{
    if (!m || !u)
        return hark_error(HARK_ERR_INVALID_ARG, "hark_model_set_units: NULL argument");
    if (strcmp(hark_units_alphabet(u), m->alphabet) != 0)
        return hark_error(HARK_ERR_INVALID_ARG, "the units' alphabet is not the model's");
    char *lex = units_lexicon_json(u);
    if (!lex)
        return HARK_ERR_NOMEM;
    hark_status st = hark_model_set_meta(m, "lexicon", lex);
    free(lex);
    if (st == HARK_OK)
        st = hark_model_set_meta(m, "units", hark_unit_kind_name(hark_units_kind(u)));
    return st;
}
