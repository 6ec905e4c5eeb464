/* skills.c - the built-in skills an intent can run (time, date, arithmetic, timers, lights,
 * help, repeat, stop), the timer table, and the device-state store: lights by room as JSON,
 * written to a temporary file, fsync'd and renamed so a crash never leaves a half-written state. */
#include <cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hark/nlu.h"
#include "core/util.h"
#include "nlu/nlu_internal.h"

enum {
    SK_TIME, SK_DATE, SK_CALC, SK_TIMER_SET, SK_TIMER_CANCEL, SK_TIMER_LIST, SK_LIGHTS_ON,
    SK_LIGHTS_OFF, SK_LIGHTS_STATUS, SK_HELP, SK_REPEAT, SK_STOP, SK_COUNT
};

static const nlu_skill_info skills[SK_COUNT] = {
    [SK_TIME] = {"time", "time"},
    [SK_DATE] = {"date", "date"},
    [SK_CALC] = {"calculate", "result expression"},
    [SK_TIMER_SET] = {"timer.set", "duration id"},
    [SK_TIMER_CANCEL] = {"timer.cancel", "count"},
    [SK_TIMER_LIST] = {"timer.list", "timers"},
    [SK_LIGHTS_ON] = {"lights.on", "room where state"},
    [SK_LIGHTS_OFF] = {"lights.off", "room where state"},
    [SK_LIGHTS_STATUS] = {"lights.status", "lights"},
    [SK_HELP] = {"help", "help"},
    [SK_REPEAT] = {"repeat", "last"},
    [SK_STOP] = {"stop", ""},
};

int nlu_skill_find(const char *name)
{
    for (int i = 0; i < SK_COUNT; i++)
        if (!strcmp(skills[i].name, name))
            return i;
    return -1;
}

const nlu_skill_info *nlu_skill_table(int *count)
{
    *count = SK_COUNT;
    return skills;
}

/* ---- output variables ---- */

void nlu_vars_set(nlu_vars *v, const char *name, const char *fmt, ...)
{
    int i = 0;
    while (i < v->n && strcmp(v->name[i], name))
        i++;
    if (i == v->n) {
        if (v->n == NLU_MAX_VARS)
            return;
        v->n++;
        snprintf(v->name[i], sizeof v->name[i], "%s", name);
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(v->value[i], sizeof v->value[i], fmt, ap);
    va_end(ap);
}

const char *nlu_vars_get(const nlu_vars *v, const char *name)
{
    for (int i = 0; i < v->n; i++)
        if (!strcmp(v->name[i], name))
            return v->value[i];
    return NULL;
}

static const hark_slot *find_slot(const hark_slot *s, int n, const char *name)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(s[i].name, name))
            return &s[i];
    return NULL;
}

/* ---- formatting ---- */

static void format_duration(long secs, char *out, size_t cap)
{
    long h = secs / 3600, m = secs / 60 % 60, s = secs % 60;
    size_t len = 0;
    out[0] = '\0';
    const struct {
        long v;
        const char *unit;
    } parts[] = {{h, "hour"}, {m, "minute"}, {s, "second"}};
    for (int i = 0; i < 3; i++) {
        if (!parts[i].v)
            continue;
        int n = snprintf(out + len, cap - len, "%s%ld %s%s", len ? " " : "", parts[i].v,
                         parts[i].unit, parts[i].v == 1 ? "" : "s");
        if (n < 0 || (size_t)n >= cap - len)
            return;
        len += (size_t)n;
    }
    if (!len)
        snprintf(out, cap, "0 seconds");
}

static void format_number(double v, char *out, size_t cap)
{
    if (fabs(v - round(v)) < 1e-9 && fabs(v) < 1e15)
        snprintf(out, cap, "%.0f", v);
    else
        snprintf(out, cap, "%.4g", v);
}

/* ---- timers ---- */

hark_status nlu_timers_add(nlu_timers *t, time_t now, long seconds, const char *label, int *id)
{
    if (util_grow(&t->t, &t->cap, t->n + 1, sizeof *t->t, 8))
        return hark_error(HARK_ERR_NOMEM, "out of memory adding a timer");
    hark_timer nt = {.id = ++t->next_id, .due = now + seconds, .seconds = seconds};
    snprintf(nt.label, sizeof nt.label, "%s", label);
    /* Keep the table sorted by due time (ties in creation order). */
    size_t i = t->n;
    while (i > 0 && t->t[i - 1].due > nt.due) {
        t->t[i] = t->t[i - 1];
        i--;
    }
    t->t[i] = nt;
    t->n++;
    if (id)
        *id = nt.id;
    return HARK_OK;
}

void nlu_timers_free(nlu_timers *t)
{
    free(t->t);
    memset(t, 0, sizeof *t);
}

static void timers_remove(nlu_timers *t, size_t i)
{
    memmove(&t->t[i], &t->t[i + 1], (t->n - i - 1) * sizeof *t->t);
    t->n--;
}

/* ---- lights and the state file ---- */

int nlu_lights_get(const nlu_lights *l, const char *room)
{
    for (size_t i = 0; i < l->n; i++)
        if (!strcmp(l->room[i], room))
            return l->on[i];
    return -1;
}

hark_status nlu_lights_set(nlu_lights *l, const char *room, int on)
{
    for (size_t i = 0; i < l->n; i++) {
        if (!strcmp(l->room[i], room)) {
            l->on[i] = on;
            return HARK_OK;
        }
    }
    if (l->n == l->cap) {
        size_t nc = l->cap ? l->cap * 2 : 8;
        void *r = realloc(l->room, nc * sizeof *l->room);
        if (!r)
            return hark_error(HARK_ERR_NOMEM, "out of memory");
        l->room = r;
        int *o = realloc(l->on, nc * sizeof *o);
        if (!o)
            return hark_error(HARK_ERR_NOMEM, "out of memory");
        l->on = o;
        l->cap = nc;
    }
    snprintf(l->room[l->n], sizeof l->room[l->n], "%s", room);
    l->on[l->n++] = on;
    return HARK_OK;
}

void nlu_lights_free(nlu_lights *l)
{
    free(l->room);
    free(l->on);
    memset(l, 0, sizeof *l);
}

hark_status nlu_lights_load(nlu_lights *l, const char *path)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        if (errno == ENOENT)
            return HARK_OK; /* first run: nothing saved yet */
        return hark_error(HARK_ERR_IO, "%s: %s", path, strerror(errno));
    }
    char *buf;
    size_t len;
    hark_status st = nlu_read_text(fp, path, 16, "a state file", &buf, &len);
    fclose(fp);
    if (st != HARK_OK)
        return st;
    cJSON *root = cJSON_ParseWithLength(buf, len);
    free(buf);
    if (!root || !cJSON_IsObject(root)) {
        st = hark_error(HARK_ERR_FORMAT, "%s: not a JSON object (the device state file)", path);
        goto done;
    }
    const cJSON *ver = cJSON_GetObjectItemCaseSensitive(root, "version");
    if (cJSON_IsNumber(ver) && ver->valuedouble > 1) {
        st = hark_error(HARK_ERR_VERSION, "%s: state version %g is newer than this hark (1)",
                        path, ver->valuedouble);
        goto done;
    }
    const cJSON *lights = cJSON_GetObjectItemCaseSensitive(root, "lights");
    if (lights && !cJSON_IsObject(lights)) {
        st = hark_error(HARK_ERR_FORMAT, "%s: \"lights\" must be an object of booleans", path);
        goto done;
    }
    const cJSON *it;
    cJSON_ArrayForEach(it, lights)
    {
        if (!cJSON_IsBool(it) || !it->string) {
            st = hark_error(HARK_ERR_FORMAT, "%s: light \"%s\" must be true or false", path,
                            it->string ? it->string : "?");
            goto done;
        }
        if ((st = nlu_lights_set(l, it->string, cJSON_IsTrue(it))))
            goto done;
    }
done:
    cJSON_Delete(root);
    return st;
}

/* mkdir -p for the directory part of `path`. */
static hark_status make_parent_dirs(const char *path)
{
    char dir[4096];
    if (snprintf(dir, sizeof dir, "%s", path) >= (int)sizeof dir)
        return hark_error(HARK_ERR_INVALID_ARG, "%s: path too long", path);
    char *slash = strrchr(dir, '/');
    if (!slash || slash == dir)
        return HARK_OK;
    *slash = '\0';
    for (char *p = dir + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(dir, 0755) && errno != EEXIST)
            return hark_error(HARK_ERR_IO, "%s: cannot create directory: %s", dir, strerror(errno));
        *p = '/';
    }
    if (mkdir(dir, 0755) && errno != EEXIST)
        return hark_error(HARK_ERR_IO, "%s: cannot create directory: %s", dir, strerror(errno));
    return HARK_OK;
}

hark_status nlu_lights_save(const nlu_lights *l, const char *path)
{
    hark_status st = make_parent_dirs(path);
    if (st)
        return st;
    cJSON *root = cJSON_CreateObject();
    cJSON *lights = cJSON_CreateObject();
    char *json = NULL;
    char tmp[4200];
    int fd = -1;
    if (!root || !lights) {
        cJSON_Delete(lights);
        st = hark_error(HARK_ERR_NOMEM, "%s: out of memory", path);
        goto fail;
    }
    cJSON_AddItemToObject(root, "lights", lights);
    if (!cJSON_AddNumberToObject(root, "version", 1))
        goto nomem;
    for (size_t i = 0; i < l->n; i++)
        if (!cJSON_AddBoolToObject(lights, l->room[i], l->on[i]))
            goto nomem;
    json = cJSON_Print(root);
    if (!json)
        goto nomem;
    /* A unique temporary name in the same directory, so rename() is atomic. */
    snprintf(tmp, sizeof tmp, "%s.tmp.XXXXXX", path);
    fd = mkstemp(tmp);
    if (fd < 0) {
        st = hark_error(HARK_ERR_IO, "%s: cannot create a temporary file: %s", path,
                        strerror(errno));
        goto fail;
    }
    size_t len = strlen(json), off = 0;
    while (off < len) {
        ssize_t w = write(fd, json + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            st = hark_error(HARK_ERR_IO, "%s: write failed: %s", tmp, strerror(errno));
            goto fail_unlink;
        }
        off += (size_t)w;
    }
    if (write(fd, "\n", 1) != 1 || fsync(fd)) {
        st = hark_error(HARK_ERR_IO, "%s: write failed: %s", tmp, strerror(errno));
        goto fail_unlink;
    }
    if (close(fd)) {
        fd = -1;
        st = hark_error(HARK_ERR_IO, "%s: close failed: %s", tmp, strerror(errno));
        goto fail_unlink;
    }
    fd = -1;
    if (rename(tmp, path)) {
        st = hark_error(HARK_ERR_IO, "%s: cannot replace the state file: %s", path,
                        strerror(errno));
        goto fail_unlink;
    }
    /* Make the rename itself durable. */
    char dir[4200];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash)
        *(slash == dir ? slash + 1 : slash) = '\0';
    else
        snprintf(dir, sizeof dir, ".");
    int dfd = open(dir, O_RDONLY);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    cJSON_free(json);
    cJSON_Delete(root);
    return HARK_OK;
nomem:
    st = hark_error(HARK_ERR_NOMEM, "%s: out of memory", path);
    goto fail;
fail_unlink:
    if (fd >= 0)
        close(fd);
    fd = -1;
    unlink(tmp);
fail:
    if (fd >= 0)
        close(fd);
    cJSON_free(json);
    cJSON_Delete(root);
    return st;
}

/* ---- the skills ---- */

static const char *const month_names[12] = {"January", "February", "March",     "April",
                                            "May",     "June",     "July",      "August",
                                            "September", "October", "November", "December"};
static const char *const day_names[7] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                         "Thursday", "Friday", "Saturday"};

static void skill_time(nlu_skill_ctx *c, nlu_vars *v)
{
    struct tm tm;
    localtime_r(&c->now, &tm);
    int h = tm.tm_hour % 12 ? tm.tm_hour % 12 : 12;
    nlu_vars_set(v, "time", "%d:%02d %s", h, tm.tm_min, tm.tm_hour < 12 ? "AM" : "PM");
}

static void skill_date(nlu_skill_ctx *c, nlu_vars *v)
{
    struct tm tm;
    localtime_r(&c->now, &tm);
    nlu_vars_set(v, "date", "%s, %s %d, %d", day_names[tm.tm_wday % 7], month_names[tm.tm_mon % 12],
                 tm.tm_mday, tm.tm_year + 1900);
}

static void skill_calc(const hark_slot *s, int n, nlu_vars *v, char *reply, size_t cap)
{
    const hark_slot *a = find_slot(s, n, "a"), *b = find_slot(s, n, "b");
    const hark_slot *op = find_slot(s, n, "op");
    if (!a || !b || !a->is_number || !b->is_number || !op) {
        snprintf(reply, cap, "Sorry, I need two numbers and an operation to calculate.");
        return;
    }
    double x = a->number, y = b->number, r;
    const char *word;
    if (!strcmp(op->text, "plus")) {
        r = x + y;
        word = "plus";
    } else if (!strcmp(op->text, "minus")) {
        r = x - y;
        word = "minus";
    } else if (!strcmp(op->text, "times")) {
        r = x * y;
        word = "times";
    } else if (!strcmp(op->text, "divided")) {
        if (y == 0) {
            snprintf(reply, cap, "I can't divide by zero.");
            return;
        }
        r = x / y;
        word = "divided by";
    } else {
        snprintf(reply, cap, "Sorry, I don't know how to %s.", op->text);
        return;
    }
    char xs[32], ys[32], rs[32];
    format_number(x, xs, sizeof xs);
    format_number(y, ys, sizeof ys);
    format_number(r, rs, sizeof rs);
    nlu_vars_set(v, "result", "%s", rs);
    nlu_vars_set(v, "expression", "%s %s %s", xs, word, ys);
}

static hark_status skill_timer_set(nlu_skill_ctx *c, const hark_slot *s, int n, nlu_vars *v,
                                   char *reply, size_t cap)
{
    double secs = 0;
    static const struct {
        const char *name;
        double mult;
    } units[] = {{"hours", 3600}, {"minutes", 60}, {"seconds", 1}};
    for (int i = 0; i < 3; i++) {
        const hark_slot *sl = find_slot(s, n, units[i].name);
        if (sl && sl->is_number)
            secs += sl->number * units[i].mult;
    }
    if (secs < 1) {
        snprintf(reply, cap, "For how long? Say for example: set a timer for five minutes.");
        return HARK_OK;
    }
    if (secs > 7 * 86400) {
        snprintf(reply, cap, "Sorry, timers can be at most a week long.");
        return HARK_OK;
    }
    char label[HARK_NLU_VALUE_MAX];
    format_duration((long)secs, label, sizeof label);
    int id;
    hark_status st = nlu_timers_add(c->timers, c->now, (long)secs, label, &id);
    if (st)
        return st;
    nlu_vars_set(v, "duration", "%s", label);
    nlu_vars_set(v, "id", "%d", id);
    return HARK_OK;
}

static void skill_timer_cancel(nlu_skill_ctx *c, const hark_slot *s, int n, nlu_vars *v,
                               char *reply, size_t cap)
{
    nlu_timers *t = c->timers;
    if (t->n == 0) {
        snprintf(reply, cap, "There are no timers to cancel.");
        return;
    }
    const hark_slot *which = find_slot(s, n, "timer");
    if (which && which->is_number) {
        for (size_t i = 0; i < t->n; i++) {
            if (t->t[i].id == (int)which->number) {
                timers_remove(t, i);
                nlu_vars_set(v, "count", "1");
                return;
            }
        }
        snprintf(reply, cap, "There is no timer number %d.", (int)which->number);
        return;
    }
    nlu_vars_set(v, "count", "%zu", t->n);
    t->n = 0;
}

static void skill_timer_list(nlu_skill_ctx *c, nlu_vars *v, char *reply, size_t cap)
{
    nlu_timers *t = c->timers;
    if (t->n == 0) {
        snprintf(reply, cap, "You have no timers.");
        return;
    }
    char buf[HARK_NLU_RESPONSE_MAX];
    size_t len = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < t->n && len < sizeof buf; i++) {
        char left[64];
        long rem = (long)(t->t[i].due - c->now);
        format_duration(rem > 0 ? rem : 0, left, sizeof left);
        int k = snprintf(buf + len, sizeof buf - len, "%s%s with %s left", i ? "; " : "",
                         t->t[i].label, left);
        if (k < 0)
            break;
        len += (size_t)k;
    }
    nlu_vars_set(v, "timers", "%zu timer%s: %s", t->n, t->n == 1 ? "" : "s", buf);
}

static hark_status skill_lights(nlu_skill_ctx *c, int on, const hark_slot *s, int n, nlu_vars *v)
{
    const hark_slot *room = find_slot(s, n, "room");
    hark_status st = HARK_OK;
    if (room && room->text[0] && strcmp(room->text, "all")) {
        st = nlu_lights_set(c->lights, room->text, on);
        nlu_vars_set(v, "room", "%s", room->text);
        nlu_vars_set(v, "where", "in the %s", room->text);
    } else {
        for (size_t i = 0; i < c->n_rooms && !st; i++)
            st = nlu_lights_set(c->lights, c->rooms[i], on);
        for (size_t i = 0; i < c->lights->n; i++)
            c->lights->on[i] = on;
        nlu_vars_set(v, "room", "all");
        nlu_vars_set(v, "where", "everywhere");
    }
    nlu_vars_set(v, "state", "%s", on ? "on" : "off");
    if (st)
        return st;
    return c->state_path ? nlu_lights_save(c->lights, c->state_path) : HARK_OK;
}

static void skill_lights_status(nlu_skill_ctx *c, nlu_vars *v)
{
    char on[HARK_NLU_RESPONSE_MAX] = "", off[HARK_NLU_RESPONSE_MAX] = "";
    for (size_t i = 0; i < c->lights->n; i++) {
        char *dst = c->lights->on[i] ? on : off;
        size_t len = strlen(dst);
        snprintf(dst + len, HARK_NLU_RESPONSE_MAX - len, "%s%s", len ? ", " : "",
                 c->lights->room[i]);
    }
    if (!on[0])
        nlu_vars_set(v, "lights", "all lights are off");
    else if (!off[0])
        nlu_vars_set(v, "lights", "the lights are on in: %s", on);
    else
        nlu_vars_set(v, "lights", "the lights are on in: %s; and off in: %s", on, off);
}

hark_status nlu_skill_run(int id, nlu_skill_ctx *c, const hark_slot *s, int n, nlu_vars *v,
                          char *reply, size_t cap)
{
    reply[0] = '\0';
    switch (id) {
    case SK_TIME: skill_time(c, v); break;
    case SK_DATE: skill_date(c, v); break;
    case SK_CALC: skill_calc(s, n, v, reply, cap); break;
    case SK_TIMER_SET: return skill_timer_set(c, s, n, v, reply, cap);
    case SK_TIMER_CANCEL: skill_timer_cancel(c, s, n, v, reply, cap); break;
    case SK_TIMER_LIST: skill_timer_list(c, v, reply, cap); break;
    case SK_LIGHTS_ON: return skill_lights(c, 1, s, n, v);
    case SK_LIGHTS_OFF: return skill_lights(c, 0, s, n, v);
    case SK_LIGHTS_STATUS: skill_lights_status(c, v); break;
    case SK_HELP: nlu_vars_set(v, "help", "%s", c->help ? c->help : ""); break;
    case SK_REPEAT:
        if (!c->last_response || !c->last_response[0])
            snprintf(reply, cap, "I have not said anything yet.");
        else
            nlu_vars_set(v, "last", "%s", c->last_response);
        break;
    case SK_STOP: break;
    default: break;
    }
    return HARK_OK;
}
