/* model_file.c - the .hark model file: the safetensors layout (8-byte little-endian header length,
 * a JSON header naming every tensor with dtype, shape and data_offsets plus a __metadata__ map of
 * strings, then the raw little-endian float32 data), so PyTorch and numpy can read it.
 *
 * The loader trusts nothing: it checks the header length and JSON, the format name and version,
 * the architecture, and every tensor's dtype, shape and byte range against the architecture and
 * the file length before copying a byte. The writer goes through a temporary file in the same
 * directory (fsync, then rename) so a crash never leaves a half-written model behind. */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "model/model_internal.h"

/* A header longer than this is not a model header (safetensors uses the same bound). */
#define MAX_HEADER_BYTES (100u << 20)

static const char *cell_name(hark_cell c) { return c == HARK_CELL_LSTM ? "lstm" : "gru"; }

static cJSON *arch_to_json(const hark_net_config *nc)
{
    cJSON *a = cJSON_CreateObject();
    if (!a)
        return NULL;
    cJSON_AddStringToObject(a, "type", "ctc_rnn");
    cJSON_AddStringToObject(a, "cell", cell_name(nc->cell));
    cJSON_AddNumberToObject(a, "n_input", nc->n_input);
    cJSON_AddNumberToObject(a, "stack", nc->stack);
    cJSON_AddNumberToObject(a, "layers", nc->n_layers);
    cJSON_AddNumberToObject(a, "hidden", nc->hidden);
    cJSON_AddBoolToObject(a, "bidirectional", nc->bidirectional);
    cJSON_AddNumberToObject(a, "n_output", nc->n_output);
    cJSON_AddNumberToObject(a, "dropout", nc->dropout);
    return a;
}

/* A JSON number that is a whole number in [lo, hi], checked as a double before any conversion
 * (converting 1e308 or NaN to an integer type is undefined behaviour). */
static int whole_in_range(const cJSON *v, double lo, double hi)
{
    return cJSON_IsNumber(v) && isfinite(v->valuedouble) && v->valuedouble >= lo
           && v->valuedouble <= hi && v->valuedouble == floor(v->valuedouble);
}

static int get_int(const cJSON *o, const char *key, int lo, int hi, int *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!whole_in_range(v, lo, hi))
        return -1;
    *out = (int)v->valuedouble;
    return 0;
}

static hark_status arch_from_json(const char *path, const char *text, hark_net_config *nc)
{
    cJSON *a = cJSON_Parse(text);
    hark_status st = HARK_OK;
    if (!cJSON_IsObject(a)) {
        st = hark_error(HARK_ERR_FORMAT, "%s: the architecture metadata is not a JSON object", path);
        goto done;
    }
    *nc = hark_net_default_config();
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(a, "type");
    const cJSON *cell = cJSON_GetObjectItemCaseSensitive(a, "cell");
    const cJSON *bi = cJSON_GetObjectItemCaseSensitive(a, "bidirectional");
    const cJSON *drop = cJSON_GetObjectItemCaseSensitive(a, "dropout");
    if (!cJSON_IsString(type) || strcmp(type->valuestring, "ctc_rnn") != 0) {
        st = hark_error(HARK_ERR_FORMAT, "%s: unknown architecture type (expected \"ctc_rnn\")", path);
        goto done;
    }
    if (!cJSON_IsString(cell)
        || (strcmp(cell->valuestring, "gru") != 0 && strcmp(cell->valuestring, "lstm") != 0)) {
        st = hark_error(HARK_ERR_FORMAT, "%s: architecture cell must be \"gru\" or \"lstm\"", path);
        goto done;
    }
    nc->cell = strcmp(cell->valuestring, "lstm") == 0 ? HARK_CELL_LSTM : HARK_CELL_GRU;
    if (get_int(a, "n_input", 1, 1 << 16, &nc->n_input) || get_int(a, "stack", 1, 64, &nc->stack)
        || get_int(a, "layers", 1, 64, &nc->n_layers) || get_int(a, "hidden", 1, 1 << 16, &nc->hidden)
        || get_int(a, "n_output", 2, 1 << 16, &nc->n_output) || !cJSON_IsBool(bi)) {
        st = hark_error(HARK_ERR_FORMAT,
                        "%s: the architecture needs integer n_input, stack, layers, hidden, "
                        "n_output in range and a boolean bidirectional",
                        path);
        goto done;
    }
    nc->bidirectional = cJSON_IsTrue(bi);
    if (drop && !(cJSON_IsNumber(drop) && drop->valuedouble >= 0 && drop->valuedouble < 1)) {
        st = hark_error(HARK_ERR_FORMAT, "%s: the architecture's dropout is not a number in "
                        "[0, 1)", path);
        goto done;
    }
    nc->dropout = drop ? (float)drop->valuedouble : 0.0f;
done:
    cJSON_Delete(a);
    return st;
}

/* The header JSON, unpadded. NULL on allocation failure. */
static char *header_json(const hark_model *m, const hark_extra_tensor *extra, int n_extra)
{
    const hark_net *net = m->net;
    char *out = NULL, *s;
    cJSON *h = cJSON_CreateObject(), *meta = cJSON_CreateObject();
    cJSON *feat = hark_mfcc_config_to_json(&m->feat);
    cJSON *arch = arch_to_json(hark_net_get_config(net));
    if (!h || !meta || !feat || !arch)
        goto done;
    cJSON_AddItemToObject(h, "__metadata__", meta);
    meta = NULL;
    cJSON *md = cJSON_GetObjectItemCaseSensitive(h, "__metadata__");
    char ver[16];
    snprintf(ver, sizeof ver, "%d", HARK_MODEL_FORMAT_VERSION);
    cJSON_AddStringToObject(md, "format", "hark");
    cJSON_AddStringToObject(md, "format_version", ver);
    if (!(s = cJSON_PrintUnformatted(feat)))
        goto done;
    cJSON_AddStringToObject(md, "features", s);
    free(s);
    if (!(s = cJSON_PrintUnformatted(arch)))
        goto done;
    cJSON_AddStringToObject(md, "architecture", s);
    free(s);
    cJSON_AddStringToObject(md, "alphabet", m->alphabet);
    const cJSON *kv;
    cJSON_ArrayForEach(kv, m->meta) cJSON_AddStringToObject(md, kv->string, kv->valuestring);

    size_t off = 0;
    for (int i = 0; i < hark_net_num_tensors(net); i++) {
        hark_tensor_info ti;
        if (hark_net_tensor(net, i, &ti) != HARK_OK)
            goto done;
        cJSON *t = cJSON_CreateObject();
        if (!t)
            goto done;
        cJSON_AddItemToObject(h, ti.name, t);
        cJSON_AddStringToObject(t, "dtype", "F32");
        cJSON *shape = cJSON_AddArrayToObject(t, "shape");
        for (int d = 0; shape && d < ti.ndim; d++)
            cJSON_AddItemToArray(shape, cJSON_CreateNumber(ti.shape[d]));
        cJSON *offs = cJSON_AddArrayToObject(t, "data_offsets");
        if (offs) {
            cJSON_AddItemToArray(offs, cJSON_CreateNumber((double)off));
            cJSON_AddItemToArray(offs, cJSON_CreateNumber((double)(off + 4 * ti.numel)));
        }
        off += 4 * ti.numel;
    }
    for (int i = 0; i < n_extra; i++) {
        cJSON *t = cJSON_AddObjectToObject(h, extra[i].name);
        if (!t)
            goto done;
        cJSON_AddStringToObject(t, "dtype", "F32");
        cJSON *shape = cJSON_AddArrayToObject(t, "shape");
        if (shape)
            cJSON_AddItemToArray(shape, cJSON_CreateNumber((double)extra[i].n));
        cJSON *offs = cJSON_AddArrayToObject(t, "data_offsets");
        if (offs) {
            cJSON_AddItemToArray(offs, cJSON_CreateNumber((double)off));
            cJSON_AddItemToArray(offs, cJSON_CreateNumber((double)(off + 4 * extra[i].n)));
        }
        off += 4 * extra[i].n;
    }
    out = cJSON_PrintUnformatted(h);
done:
    cJSON_Delete(h);
    cJSON_Delete(meta);
    cJSON_Delete(feat);
    cJSON_Delete(arch);
    return out;
}

static void put_le32(unsigned char *b, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        b[i] = (unsigned char)(v >> (8 * i));
}

static uint32_t get_le32(const unsigned char *b)
{
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

/* Write floats as little-endian bytes whatever the host order. */
static int write_floats(FILE *f, const float *x, size_t n)
{
    unsigned char buf[4096];
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t u;
        memcpy(&u, &x[i], 4);
        put_le32(buf + k, u);
        k += 4;
        if (k == sizeof buf || i + 1 == n) {
            if (fwrite(buf, 1, k, f) != k)
                return -1;
            k = 0;
        }
    }
    return 0;
}

hark_status hark_model_save(const hark_model *m, const char *path)
{
    return hark_model_save_with(m, path, NULL, 0);
}

hark_status hark_model_save_with(const hark_model *m, const char *path,
                                 const hark_extra_tensor *extra, int n_extra)
{
    if (!m || !path || (n_extra > 0 && !extra))
        return hark_error(HARK_ERR_INVALID_ARG, "hark_model_save: NULL argument");
    char *json = header_json(m, extra, n_extra);
    if (!json)
        return hark_error(HARK_ERR_NOMEM, "%s: out of memory building the header", path);
    /* Pad with spaces so the data starts 8-byte aligned, as safetensors does. */
    size_t hlen = strlen(json), padded = (hlen + 7) / 8 * 8;
    size_t plen = strlen(path);
    char *tmp = malloc(plen + 16);
    if (!tmp) {
        free(json);
        return hark_error(HARK_ERR_NOMEM, "out of memory");
    }
    snprintf(tmp, plen + 16, "%s.tmpXXXXXX", path);
    hark_status st = HARK_OK;
    FILE *f = NULL;
    int fd = mkstemp(tmp);
    if (fd < 0) {
        st = hark_error(HARK_ERR_IO, "%s: cannot create a temporary file: %s", path, strerror(errno));
        goto fail_notmp;
    }
    /* mkstemp makes the file private; a model is for sharing: keep the mode of the file being
     * replaced, else rw-r--r--. */
    struct stat old;
    fchmod(fd, stat(path, &old) == 0 ? (old.st_mode & 07777) : 0644);
    f = fdopen(fd, "wb");
    if (!f) {
        close(fd);
        st = hark_error(HARK_ERR_IO, "%s: %s", tmp, strerror(errno));
        goto fail;
    }
    unsigned char len8[8];
    put_le32(len8, (uint32_t)padded);
    put_le32(len8 + 4, (uint32_t)((uint64_t)padded >> 32));
    int bad = fwrite(len8, 1, 8, f) != 8 || fwrite(json, 1, hlen, f) != hlen;
    for (size_t i = hlen; i < padded && !bad; i++)
        bad = fputc(' ', f) == EOF;
    const hark_net *net = m->net;
    const float *params = hark_net_params_const(net);
    for (int i = 0; i < hark_net_num_tensors(net) && !bad; i++) {
        hark_tensor_info ti;
        bad = hark_net_tensor(net, i, &ti) != HARK_OK
              || write_floats(f, params + ti.offset, ti.numel) != 0;
    }
    for (int i = 0; i < n_extra && !bad; i++)
        bad = write_floats(f, extra[i].data, extra[i].n) != 0;
    if (bad || fflush(f) != 0 || fsync(fileno(f)) != 0) {
        st = hark_error(HARK_ERR_IO, "%s: write failed: %s", tmp, strerror(errno));
        goto fail;
    }
    if (fclose(f) != 0) {
        f = NULL;
        st = hark_error(HARK_ERR_IO, "%s: write failed: %s", tmp, strerror(errno));
        goto fail;
    }
    f = NULL;
    if (rename(tmp, path) != 0) {
        st = hark_error(HARK_ERR_IO, "%s: cannot rename the temporary file into place: %s", path,
                        strerror(errno));
        goto fail;
    }
    free(tmp);
    free(json);
    return HARK_OK;
fail:
    if (f)
        fclose(f);
    unlink(tmp);
fail_notmp:
    free(tmp);
    free(json);
    return st;
}

static unsigned char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        hark_error(HARK_ERR_IO, "%s: %s", path, strerror(errno));
        return NULL;
    }
    unsigned char *buf = NULL;
    size_t cap = 0, n = 0;
    for (;;) {
        if (n == cap) {
            size_t ncap = cap ? 2 * cap : 1 << 16;
            unsigned char *nb = realloc(buf, ncap);
            if (!nb) {
                hark_error(HARK_ERR_NOMEM, "%s: out of memory", path);
                goto fail;
            }
            buf = nb;
            cap = ncap;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        hark_error(HARK_ERR_IO, "%s: read error (is it a directory?)", path);
        goto fail;
    }
    fclose(f);
    *len = n;
    return buf;
fail:
    fclose(f);
    free(buf);
    return NULL;
}

static const char *meta_str(const cJSON *md, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(md, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* Check one tensor's header entry against what the architecture expects; copy its data. */
static hark_status load_tensor(const char *path, const cJSON *h, const hark_tensor_info *ti,
                               const unsigned char *data, size_t data_len, float *dst)
{
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(h, ti->name);
    if (!cJSON_IsObject(t))
        return hark_error(HARK_ERR_FORMAT, "%s: tensor '%s' is missing", path, ti->name);
    const char *dtype = meta_str(t, "dtype");
    if (!dtype || strcmp(dtype, "F32") != 0)
        return hark_error(HARK_ERR_FORMAT, "%s: tensor '%s' has dtype %s, expected F32", path,
                          ti->name, dtype ? dtype : "(none)");
    const cJSON *shape = cJSON_GetObjectItemCaseSensitive(t, "shape");
    int ok = cJSON_IsArray(shape) && cJSON_GetArraySize(shape) == ti->ndim;
    for (int d = 0; ok && d < ti->ndim; d++) {
        const cJSON *v = cJSON_GetArrayItem(shape, d);
        ok = cJSON_IsNumber(v) && v->valuedouble == ti->shape[d];
    }
    if (!ok) {
        char want[64] = "";
        for (int d = 0; d < ti->ndim; d++)
            snprintf(want + strlen(want), sizeof want - strlen(want), "%s%d", d ? ", " : "",
                     ti->shape[d]);
        return hark_error(HARK_ERR_FORMAT,
                          "%s: tensor '%s' has a shape that does not match the architecture "
                          "(expected [%s])",
                          path, ti->name, want);
    }
    const cJSON *offs = cJSON_GetObjectItemCaseSensitive(t, "data_offsets");
    const cJSON *b = cJSON_GetArrayItem(offs, 0), *e = cJSON_GetArrayItem(offs, 1);
    /* 2^53: every whole double up to here is exact, and no model file is near it. */
    if (!cJSON_IsArray(offs) || cJSON_GetArraySize(offs) != 2 || !whole_in_range(b, 0, 0x1p53)
        || !whole_in_range(e, 0, 0x1p53) || e->valuedouble < b->valuedouble)
        return hark_error(HARK_ERR_FORMAT, "%s: tensor '%s' has malformed data_offsets", path,
                          ti->name);
    size_t begin = (size_t)b->valuedouble, end = (size_t)e->valuedouble;
    if (end - begin != 4 * ti->numel)
        return hark_error(HARK_ERR_FORMAT,
                          "%s: tensor '%s' spans %zu bytes, its shape needs %zu", path, ti->name,
                          end - begin, 4 * ti->numel);
    if (end > data_len)
        return hark_error(HARK_ERR_FORMAT,
                          "%s: tensor '%s' ends at data byte %zu but the file holds only %zu "
                          "data bytes (truncated?)",
                          path, ti->name, end, data_len);
    for (size_t i = 0; i < ti->numel; i++) {
        uint32_t u = get_le32(data + begin + 4 * i);
        memcpy(&dst[i], &u, 4);
        /* A NaN weight turns every output into NaN (and the cells' fast exp into undefined
         * shifts): refuse the file rather than print an empty transcript. */
        if (!isfinite(dst[i]))
            return hark_error(HARK_ERR_FORMAT, "%s: tensor '%s' holds %s at element %zu", path,
                              ti->name, isnan(dst[i]) ? "NaN" : "an infinite value", i);
    }
    return HARK_OK;
}

hark_model *hark_model_load(const char *path) { return hark_model_load_with(path, NULL, 0); }

hark_model *hark_model_load_with(const char *path, hark_extra_tensor *extra, int n_extra)
{
    if (!path) {
        hark_error(HARK_ERR_INVALID_ARG, "hark_model_load: NULL path");
        return NULL;
    }
    size_t len = 0;
    unsigned char *buf = read_all(path, &len);
    if (!buf)
        return NULL;
    cJSON *h = NULL;
    hark_model *m = NULL;
    if (len < 10) { /* the length, then at least "{}" */
        hark_error(HARK_ERR_FORMAT, "%s: too short to be a model file (%zu bytes)", path, len);
        goto fail;
    }
    uint64_t hlen = get_le32(buf) | (uint64_t)get_le32(buf + 4) << 32;
    if (hlen < 2 || hlen > MAX_HEADER_BYTES || buf[8] != '{') {
        hark_error(HARK_ERR_FORMAT, "%s: not a hark model (no safetensors header)", path);
        goto fail;
    }
    if (hlen > len - 8) {
        hark_error(HARK_ERR_FORMAT, "%s: truncated: the header needs %llu bytes, the file has %zu",
                   path, (unsigned long long)hlen, len - 8);
        goto fail;
    }
    h = cJSON_ParseWithLength((const char *)buf + 8, (size_t)hlen);
    if (!cJSON_IsObject(h)) {
        hark_error(HARK_ERR_FORMAT, "%s: the header is not valid JSON", path);
        goto fail;
    }
    const cJSON *md = cJSON_GetObjectItemCaseSensitive(h, "__metadata__");
    const char *format = meta_str(md, "format"), *ver = meta_str(md, "format_version");
    if (!format || strcmp(format, "hark") != 0) {
        hark_error(HARK_ERR_FORMAT, "%s: a safetensors file but not a hark model (metadata "
                   "format is not \"hark\")", path);
        goto fail;
    }
    char *end = NULL;
    long version = ver ? strtol(ver, &end, 10) : 0;
    if (!ver || *end || version < 1) {
        hark_error(HARK_ERR_FORMAT, "%s: missing or malformed format_version", path);
        goto fail;
    }
    if (version > HARK_MODEL_FORMAT_VERSION) {
        hark_error(HARK_ERR_VERSION,
                   "%s: model format version %ld is newer than this hark reads (%d); upgrade hark",
                   path, version, HARK_MODEL_FORMAT_VERSION);
        goto fail;
    }
    const char *arch = meta_str(md, "architecture"), *feats = meta_str(md, "features");
    const char *alphabet = meta_str(md, "alphabet");
    if (!arch || !feats || !alphabet) {
        hark_error(HARK_ERR_FORMAT, "%s: metadata lacks %s", path,
                   !arch ? "the architecture" : !feats ? "the feature configuration" : "the alphabet");
        goto fail;
    }
    hark_net_config nc;
    if (arch_from_json(path, arch, &nc) != HARK_OK)
        goto fail;
    hark_mfcc_config fc = hark_mfcc_default_config();
    cJSON *fj = cJSON_Parse(feats);
    if (!fj) {
        hark_error(HARK_ERR_FORMAT, "%s: the feature configuration is not JSON", path);
        goto fail;
    }
    hark_status st = hark_mfcc_config_from_json(fj, &fc);
    cJSON_Delete(fj);
    if (st != HARK_OK || hark_model_check_shapes(&nc, &fc, alphabet) != HARK_OK) {
        char why[512]; /* copied: hark_error reformats the buffer hark_last_error returns */
        snprintf(why, sizeof why, "%s", hark_last_error());
        hark_error(HARK_ERR_FORMAT, "%s: %s", path, why);
        goto fail;
    }
    const unsigned char *data = buf + 8 + hlen;
    size_t data_len = len - 8 - (size_t)hlen;
    /* The weights the architecture needs must be in the file before the net is allocated:
     * a 2 KB file claiming 8192 hidden units must not cost gigabytes to refuse. */
    size_t need = hark_net_config_num_params(&nc);
    for (int i = 0; i < n_extra; i++)
        need += extra[i].n;
    if (need > data_len / 4) {
        hark_error(HARK_ERR_FORMAT, "%s: the architecture (%s, layers %d, hidden %d) needs %zu "
                   "bytes of weights but the file holds only %zu (truncated?)", path,
                   cell_name(nc.cell), nc.n_layers, nc.hidden, 4 * need, data_len);
        goto fail;
    }
    m = hark_model_create(&nc, &fc, alphabet, 0);
    if (!m)
        goto fail;
    float *params = hark_net_params(m->net);
    int nt = hark_net_num_tensors(m->net);
    for (int i = 0; i < nt; i++) {
        hark_tensor_info ti;
        if (hark_net_tensor(m->net, i, &ti) != HARK_OK
            || load_tensor(path, h, &ti, data, data_len, params + ti.offset) != HARK_OK)
            goto fail;
    }
    for (int i = 0; i < n_extra; i++) {
        hark_tensor_info ti = {.name = extra[i].name, .ndim = 1, .numel = extra[i].n};
        ti.shape[0] = (int)extra[i].n;
        if (load_tensor(path, h, &ti, data, data_len, extra[i].data) != HARK_OK)
            goto fail;
    }
    /* Entries beyond the architecture's tensors mean a different model: refuse, don't ignore.
     * A checkpoint's optimiser state is the exception (so checkpoints can be transcribed with). */
    const cJSON *kv;
    int n_entries = 0;
    cJSON_ArrayForEach(kv, h) n_entries += strcmp(kv->string, "__metadata__") != 0
                                           && strncmp(kv->string, "optimizer.", 10) != 0;
    if (n_entries != nt) {
        hark_error(HARK_ERR_FORMAT, "%s: the file holds %d tensors, the architecture has %d", path,
                   n_entries, nt);
        goto fail;
    }
    cJSON_ArrayForEach(kv, md)
    {
        if (!cJSON_IsString(kv)) {
            hark_error(HARK_ERR_FORMAT, "%s: metadata value '%s' is not a string", path, kv->string);
            goto fail;
        }
        if (strcmp(kv->string, "format") && strcmp(kv->string, "format_version")
            && strcmp(kv->string, "features") && strcmp(kv->string, "architecture")
            && strcmp(kv->string, "alphabet")
            && hark_model_set_meta(m, kv->string, kv->valuestring) != HARK_OK)
            goto fail;
    }
    cJSON_Delete(h);
    free(buf);
    return m;
fail:
    hark_model_free(m);
    cJSON_Delete(h);
    free(buf);
    return NULL;
}
