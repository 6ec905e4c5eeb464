/* cli_util.c - error lines, progress bars, number parsing and data-file lookup for the CLI. */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"

#ifndef HARK_INSTALL_DATADIR
#define HARK_INSTALL_DATADIR "/usr/local/share/hark"
#endif

void cli_error(const char *sub, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "hark %s: ", sub);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

static int file_exists(const char *p) { return access(p, R_OK) == 0; }

/* malloc'd "base/rel" when that file is readable, else NULL. */
static char *try_path(const char *base, const char *rel)
{
    size_t len = strlen(base) + strlen(rel) + 2;
    char *cand = malloc(len);
    if (!cand)
        return NULL;
    snprintf(cand, len, "%s/%s", base, rel);
    if (file_exists(cand))
        return cand;
    free(cand);
    return NULL;
}

/* Whether the running program is the one the build tree made: its directory is the build's
 * output directory (the same directory on disk, however either path is spelled). An installed
 * copy of the same binary lives elsewhere and so never reads the source tree. */
static int is_build_tree_binary(const char *exe_dir)
{
#ifdef HARK_BUILD_BINDIR
    struct stat a, b;
    return stat(HARK_BUILD_BINDIR, &a) == 0 && stat(exe_dir, &b) == 0 && a.st_dev == b.st_dev &&
           a.st_ino == b.st_ino;
#else
    (void)exe_dir;
    return 0;
#endif
}

/* Lookup order: the program's own prefix (PREFIX/bin/hark beside PREFIX/share/hark, wherever the
 * install was moved), then the source tree when this is the build tree's program (the path is
 * baked in at configure time, so the build folder may be anywhere), then the configured install
 * prefix. Nothing walks up the file system, so an install never picks up a stray checkout. */
char *cli_find_data(const char *relpath)
{
    char dir[PATH_MAX];
    char *found = NULL;
    ssize_t n = readlink("/proc/self/exe", dir, sizeof dir - 1);
    /* Installed data lives in PREFIX/share/hark/<relpath without its leading "models/">. */
    const char *tail = strncmp(relpath, "models/", 7) == 0 ? relpath + 7 : relpath;
    char *slash = NULL;
    if (n > 0) {
        dir[n] = '\0';
        slash = strrchr(dir, '/');
    }
    if (slash) {
        *slash = '\0'; /* the executable's directory */
        char share[PATH_MAX + 16];
        snprintf(share, sizeof share, "%s/../share/hark", dir);
        if ((found = try_path(share, tail)))
            return found;
#ifdef HARK_SOURCE_TREE
        if (is_build_tree_binary(dir) && (found = try_path(HARK_SOURCE_TREE, relpath)))
            return found;
#endif
    }
    return try_path(HARK_INSTALL_DATADIR, tail);
}

char *cli_default_model(void)
{
    const char *env = getenv("HARK_MODEL");
    if (env && *env)
        return strdup(env);
    char *p = cli_find_data("models/default.hark");
    if (!p)
        p = cli_find_data("models/digits.hark");
    return p;
}

static void fmt_time(char *buf, size_t n, double s)
{
    if (!isfinite(s) || s < 0)
        snprintf(buf, n, "--:--");
    else if (s >= 3600)
        snprintf(buf, n, "%d:%02d:%02d", (int)(s / 3600), (int)fmod(s / 60, 60), (int)fmod(s, 60));
    else
        snprintf(buf, n, "%02d:%02d", (int)(s / 60), (int)fmod(s, 60));
}

void cli_progress_start(cli_progress *p, const char *label, double total)
{
    p->label = label;
    p->total = total;
    p->start_time = util_now_seconds();
    p->last_draw = 0;
    p->tty = isatty(STDERR_FILENO);
}

void cli_progress_update(cli_progress *p, double done, const char *extra)
{
    double now = util_now_seconds();
    double min_gap = p->tty ? 0.1 : 5.0;
    if (p->last_draw > 0 && now - p->last_draw < min_gap && !(p->total > 0 && done >= p->total))
        return;
    p->last_draw = now;
    double elapsed = now - p->start_time;
    char el[32], left[32];
    fmt_time(el, sizeof el, elapsed);
    if (p->total > 0) {
        double frac = done / p->total;
        if (frac > 1)
            frac = 1;
        fmt_time(left, sizeof left, frac > 0 ? elapsed * (1 - frac) / frac : -1);
        char bar[31];
        int fill = (int)(frac * 30);
        for (int i = 0; i < 30; i++)
            bar[i] = i < fill ? '#' : '.';
        bar[30] = '\0';
        fprintf(stderr, "%s%s [%s] %5.1f%% %s<%s %s%s", p->tty ? "\r" : "", p->label, bar,
                100 * frac, el, left, extra ? extra : "", p->tty ? "\033[K" : "\n");
    } else {
        fprintf(stderr, "%s%s %.0f %s %s%s", p->tty ? "\r" : "", p->label, done, el,
                extra ? extra : "", p->tty ? "\033[K" : "\n");
    }
    fflush(stderr);
}

void cli_progress_end(cli_progress *p)
{
    if (p->tty)
        fputc('\n', stderr);
}

int cli_parse_int(const char *sub, const char *opt, const char *s, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi) {
        cli_error(sub, "%s expects an integer from %ld to %ld, got '%s'", opt, lo, hi, s);
        return -1;
    }
    *out = v;
    return 0;
}

int cli_parse_float(const char *sub, const char *opt, const char *s, double lo, double hi, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !(v >= lo && v <= hi)) {
        cli_error(sub, "%s expects a number from %g to %g, got '%s'", opt, lo, hi, s);
        return -1;
    }
    *out = v;
    return 0;
}

int cli_parse_range(const char *sub, const char *opt, const char *s, double lo, double hi,
                    int integer, double *a, double *b)
{
    const char *colon = strchr(s, ':');
    char first[64];
    if (!colon || (size_t)(colon - s) >= sizeof first) {
        cli_error(sub, "%s expects MIN:MAX, got '%s'", opt, s);
        return -1;
    }
    memcpy(first, s, (size_t)(colon - s));
    first[colon - s] = '\0';
    const char *part[2] = {first, colon + 1};
    double v[2];
    for (int i = 0; i < 2; i++) {
        long k;
        if (integer ? cli_parse_int(sub, opt, part[i], (long)lo, (long)hi, &k)
                    : cli_parse_float(sub, opt, part[i], lo, hi, &v[i]))
            return -1;
        if (integer)
            v[i] = (double)k;
    }
    if (v[0] > v[1]) {
        cli_error(sub, "%s: MIN must not exceed MAX in '%s'", opt, s);
        return -1;
    }
    *a = v[0];
    *b = v[1];
    return 0;
}
