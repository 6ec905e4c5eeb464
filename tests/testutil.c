/* testutil.c - see testutil.h. */
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/util.h"

static char path_buf[4][4096];
static int path_slot;

static const char *join(const char *env, const char *fallback, const char *rel)
{
    const char *base = getenv(env);
    if (!base || !*base)
        base = fallback;
    char *buf = path_buf[path_slot++ & 3];
    snprintf(buf, sizeof path_buf[0], "%s/%s", base, rel);
    return buf;
}

const char *tu_src(const char *rel) { return join("HARK_SOURCE_DIR", "..", rel); }
const char *tu_shared(const char *rel) { return join("HARK_SHARED_DIR", "../../shared", rel); }

int tu_have_shared(void)
{
    struct stat st;
    return stat(tu_shared("data/fsdd"), &st) == 0 && S_ISDIR(st.st_mode);
}

static char tmpdir[256];

static void rm_tmpdir(void)
{
    if (tmpdir[0]) {
        char cmd[300];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
        if (system(cmd) != 0)
            fprintf(stderr, "warning: could not remove %s\n", tmpdir);
    }
}

const char *tu_tmpdir(void)
{
    if (!tmpdir[0]) {
        snprintf(tmpdir, sizeof tmpdir, "/tmp/hark-test-XXXXXX");
        if (!mkdtemp(tmpdir))
            return NULL;
        atexit(rm_tmpdir);
    }
    return tmpdir;
}

char *tu_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    if (buf) {
        buf[n] = '\0';
        if (len)
            *len = (size_t)n;
    }
    return buf;
}

int tu_write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    size_t w = fwrite(data, 1, len, f);
    return (fclose(f) == 0 && w == len) ? 0 : -1;
}

double tu_max_abs_diff(const float *a, const float *b, size_t n)
{
    double m = 0;
    for (size_t i = 0; i < n; i++) {
        double d = fabs((double)a[i] - (double)b[i]);
        if (!(d <= m))
            m = d; /* also catches NaN */
    }
    return m;
}

double tu_max_rel_diff(const float *a, const float *b, size_t n, double floor)
{
    double m = 0;
    for (size_t i = 0; i < n; i++) {
        double den = fabs((double)b[i]);
        if (den < floor)
            den = floor;
        double d = fabs((double)a[i] - (double)b[i]) / den;
        if (!(d <= m))
            m = d;
    }
    return m;
}

double tu_rms(const float *x, size_t n)
{
    double e = 0;
    for (size_t i = 0; i < n; i++)
        e += (double)x[i] * x[i];
    return n ? sqrt(e / (double)n) : 0;
}

const char *tu_path_in(const char *dir, const char *name)
{
    static char buf[8][4096];
    static int slot;
    char joined[sizeof buf[0]];
    snprintf(joined, sizeof joined, "%s/%s", dir, name); /* dir may be an older slot */
    char *b = buf[slot++ & 7];
    memcpy(b, joined, sizeof joined);
    return b;
}

typedef struct {
    char name[128];
    int ndim;
    int dims[8];
    size_t numel;
    float *data;
} tu_array;

struct tu_fixture {
    int n;
    tu_array *arrays;
};

static int rd_u32(FILE *f, uint32_t *v) { return fread(v, 4, 1, f) == 1 ? 0 : -1; }

tu_fixture *tu_fixture_load(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char magic[4];
    uint32_t count;
    tu_fixture *fx = calloc(1, sizeof *fx);
    if (!fx || fread(magic, 1, 4, f) != 4 || memcmp(magic, "HKFX", 4) || rd_u32(f, &count) || count > 100000)
        goto fail;
    fx->arrays = calloc(count, sizeof *fx->arrays);
    if (!fx->arrays)
        goto fail;
    for (uint32_t i = 0; i < count; i++) {
        tu_array *a = &fx->arrays[i];
        uint32_t nl, nd;
        if (rd_u32(f, &nl) || nl >= sizeof a->name || fread(a->name, 1, nl, f) != nl)
            goto fail;
        a->name[nl] = '\0';
        if (rd_u32(f, &nd) || nd > 8)
            goto fail;
        a->ndim = (int)nd;
        a->numel = 1;
        for (uint32_t d = 0; d < nd; d++) {
            uint32_t v;
            if (rd_u32(f, &v))
                goto fail;
            a->dims[d] = (int)v;
            a->numel *= v;
        }
        a->data = malloc(a->numel * sizeof(float) + 1);
        if (!a->data || fread(a->data, sizeof(float), a->numel, f) != a->numel)
            goto fail;
        fx->n = (int)i + 1;
    }
    fclose(f);
    return fx;
fail:
    fclose(f);
    tu_fixture_free(fx);
    return NULL;
}

static const tu_array *find(const tu_fixture *fx, const char *name)
{
    for (int i = 0; fx && i < fx->n; i++)
        if (!strcmp(fx->arrays[i].name, name))
            return &fx->arrays[i];
    return NULL;
}

const float *tu_fixture_get(const tu_fixture *fx, const char *name, int *ndim, int dims[8])
{
    const tu_array *a = find(fx, name);
    if (!a)
        return NULL;
    if (ndim)
        *ndim = a->ndim;
    if (dims)
        memcpy(dims, a->dims, sizeof a->dims);
    return a->data;
}

size_t tu_fixture_numel(const tu_fixture *fx, const char *name)
{
    const tu_array *a = find(fx, name);
    return a ? a->numel : 0;
}

void tu_fixture_free(tu_fixture *fx)
{
    if (!fx)
        return;
    for (int i = 0; i < fx->n; i++)
        free(fx->arrays[i].data);
    free(fx->arrays);
    free(fx);
}

double tu_cpu_seconds(void) { return util_cpu_seconds(); }

hark_model *tu_phone_model(uint64_t seed)
{
    hark_mfcc_config fc = hark_mfcc_default_config();
    fc.sample_rate = 8000;
    hark_net_config nc = hark_net_default_config();
    nc.n_input = hark_mfcc_dim(&fc);
    nc.hidden = 4;
    nc.n_layers = 1;
    nc.n_output = hark_alphabet_size(hark_phone_alphabet()) + 1;
    hark_model *m = hark_model_create(&nc, &fc, hark_phone_alphabet(), seed);
    if (!m)
        fail_msg("%s", hark_last_error());
    return m;
}

hark_lm *tu_load_arpa(const char *arpa)
{
    static int k;
    char path[512];
    snprintf(path, sizeof path, "%s/lm%d.arpa", tu_tmpdir(), k++);
    assert_int_equal(tu_write_file(path, arpa, strlen(arpa)), 0);
    hark_lm *lm = hark_lm_load_arpa(path);
    if (!lm)
        fail_msg("%s", hark_last_error());
    return lm;
}
