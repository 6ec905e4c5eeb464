/* dataset.c - a corpus reduced to what training keeps in memory. The corpus is opened once (its
 * readers take every duration from the file headers, no audio is decoded), the usable utterances
 * are chosen, and their paths and transcripts are written to an unlinked temporary file; memory
 * keeps an offset and a duration per utterance (12 bytes), so 960 hours of LibriSpeech
 * (281 k utterances) cost about 3.4 MB, and the corpus object itself is freed before training.
 * The reader thread fetches a record with one pread when it needs the utterance. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "hark/model.h"
#include "train/train_internal.h"

uint64_t train_mix(uint64_t a, uint64_t b)
{
    uint64_t z = a + 0x9E3779B97F4A7C15ull * (b + 1);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* Open the training spec: one corpus, or several separated by newlines (repeated --train),
 * merged with hark_corpus_append. */
static hark_corpus *open_specs(const char *specs)
{
    const char *nl = strchr(specs, '\n');
    if (!nl)
        return hark_corpus_open(specs);
    char *buf = strdup(specs);
    if (!buf) {
        hark_error(HARK_ERR_NOMEM, "out of memory");
        return NULL;
    }
    hark_corpus *c = NULL;
    char *save = NULL;
    for (char *one = strtok_r(buf, "\n", &save); one; one = strtok_r(NULL, "\n", &save)) {
        if (!c) {
            c = hark_corpus_open(one);
        } else if (hark_corpus_append(c, one, NULL) != HARK_OK) {
            hark_corpus_free(c);
            c = NULL;
        }
        if (!c)
            break;
    }
    free(buf);
    return c;
}

/* Remember a transcript while there are few distinct ones (a closed set of commands is stored in
 * the model for phrase decoding); past TRAIN_MAX_PHRASES, forget them all. */
static hark_status note_phrase(train_dataset *d, const char *text)
{
    if (d->many_phrases)
        return HARK_OK;
    for (size_t i = 0; i < d->n_phrases; i++)
        if (strcmp(d->phrases[i], text) == 0)
            return HARK_OK;
    if (d->n_phrases == TRAIN_MAX_PHRASES) {
        for (size_t i = 0; i < d->n_phrases; i++)
            free(d->phrases[i]);
        free(d->phrases);
        d->phrases = NULL;
        d->n_phrases = 0;
        d->many_phrases = 1;
        return HARK_OK;
    }
    if (!d->phrases && !(d->phrases = malloc(TRAIN_MAX_PHRASES * sizeof *d->phrases)))
        return hark_error(HARK_ERR_NOMEM, "out of memory");
    if (!(d->phrases[d->n_phrases] = strdup(text)))
        return hark_error(HARK_ERR_NOMEM, "out of memory");
    d->n_phrases++;
    return HARK_OK;
}

static hark_status grow_index(train_dataset *d, size_t *cap)
{
    if (d->n + 1 < *cap)
        return HARK_OK;
    size_t nc = *cap ? 2 * *cap : 1024;
    uint64_t *o = realloc(d->off, nc * sizeof *o);
    if (o)
        d->off = o;
    float *s = realloc(d->seconds, nc * sizeof *s);
    if (s)
        d->seconds = s;
    if (!o || !s)
        return hark_error(HARK_ERR_NOMEM, "out of memory");
    *cap = nc;
    return HARK_OK;
}

/* st with the utterance's path put before its message (HARK_OK passes through). */
static hark_status at_path(hark_status st, const char *path)
{
    if (st == HARK_OK)
        return st;
    char why[512];
    snprintf(why, sizeof why, "%s", hark_last_error());
    return hark_error(st, "%s: %s", path, why);
}

/* A transcript must encode in the alphabet: checked here, before any audio is read. */
static hark_status check_labels(const char *alphabet, const char *path, const char *text)
{
    int nl = 0;
    return at_path(hark_alphabet_encode(alphabet, text, NULL, 0, &nl), path);
}

static hark_status count_word(void *words, const char *word)
{
    return str_count_add(words, word, 1);
}

/* Phone models: the transcript's phones (its words put into the lexicon and counted first when
 * learning), made once here so batches and dev evaluation read them ready-made. */
static hark_status phone_text(train_dataset *d, hark_units *phones, int learn, const hark_utt *u,
                              char **out)
{
    hark_status st = learn ? hark_units_learn(phones, u->text) : HARK_OK;
    if (st == HARK_OK && learn)
        st = util_each_word(u->text, count_word, &d->words);
    if (st == HARK_OK)
        st = hark_units_spell(phones, u->text, out);
    return at_path(st, u->path);
}

static hark_status add_utt(train_dataset *d, const hark_utt *u, const char *text, uint64_t *pos,
                           size_t *cap)
{
    hark_status st = grow_index(d, cap);
    if (st != HARK_OK)
        return st;
    size_t lp = strlen(u->path) + 1, lt = strlen(text) + 1;
    if (fwrite(u->path, 1, lp, d->blob) != lp || fwrite(text, 1, lt, d->blob) != lt)
        return hark_error(HARK_ERR_IO, "training index: cannot write the temporary file");
    d->off[d->n] = *pos;
    d->seconds[d->n] = (float)u->duration;
    *pos += lp + lt;
    d->n++;
    d->total_seconds += u->duration;
    if (u->duration > d->max_seconds)
        d->max_seconds = u->duration;
    return note_phrase(d, u->text);
}

hark_status train_dataset_open(train_dataset *d, const char *specs, const hark_mfcc_config *feat,
                               double max_duration, const char *alphabet, hark_units *phones,
                               int learn)
{
    memset(d, 0, sizeof *d);
    hark_corpus *c = open_specs(specs);
    if (!c)
        return HARK_ERR_IO;
    hark_status st = HARK_OK;
    size_t cap = 0;
    uint64_t pos = 0;
    hark_corpus_charset(c, d->charset, sizeof d->charset);
    if (!(d->blob = tmpfile())) {
        st = hark_error(HARK_ERR_IO, "training index: cannot create a temporary file");
        goto done;
    }
    for (size_t i = 0; i < hark_corpus_size(c) && st == HARK_OK; i++) {
        const hark_utt *u = hark_corpus_get(c, i);
        if (max_duration > 0 && u->duration > max_duration)
            continue;
        size_t samples = u->duration > 0 ? (size_t)(u->duration * feat->sample_rate) : 0;
        if (hark_mfcc_num_frames(feat, samples) == 0) /* shorter than one frame: nothing to learn */
            continue;
        char *ph = NULL;
        if (phones)
            st = phone_text(d, phones, learn, u, &ph);
        if (st == HARK_OK && alphabet)
            st = check_labels(alphabet, u->path, ph ? ph : u->text);
        if (st == HARK_OK)
            st = add_utt(d, u, ph ? ph : u->text, &pos, &cap);
        free(ph);
    }
    if (st == HARK_OK && d->n == 0)
        st = hark_error(HARK_ERR_INVALID_ARG, "%s: no usable utterances", specs);
    if (st == HARK_OK && fflush(d->blob) != 0)
        st = hark_error(HARK_ERR_IO, "training index: cannot write the temporary file");
    if (st == HARK_OK)
        d->off[d->n] = pos;
    if (st == HARK_OK && d->n_phrases > 1)
        qsort(d->phrases, d->n_phrases, sizeof *d->phrases, util_cmp_str_p);
done:
    hark_corpus_free(c);
#ifdef __GLIBC__
    /* The corpus was many small blocks; give them back now rather than carry them as free heap
     * under the workspaces allocated next (peak memory must not grow with the corpus). */
    malloc_trim(0);
#endif
    if (st != HARK_OK)
        train_dataset_close(d);
    return st;
}

void train_dataset_close(train_dataset *d)
{
    if (d->blob)
        fclose(d->blob);
    free(d->off);
    free(d->seconds);
    for (size_t i = 0; i < d->n_phrases; i++)
        free(d->phrases[i]);
    free(d->phrases);
    str_count_free(&d->words);
    memset(d, 0, sizeof *d);
}

hark_status train_dataset_get(const train_dataset *d, size_t i, char **buf, size_t *cap,
                              const char **path, const char **text)
{
    if (i >= d->n)
        return hark_error(HARK_ERR_INVALID_ARG, "training index: utterance %zu of %zu", i, d->n);
    size_t len = (size_t)(d->off[i + 1] - d->off[i]);
    if (len + 1 > *cap) {
        char *nb = realloc(*buf, len + 1);
        if (!nb)
            return hark_error(HARK_ERR_NOMEM, "out of memory");
        *buf = nb;
        *cap = len + 1;
    }
    /* pread, not fseek + fread: the record is fetched without touching the FILE's position. */
    ssize_t got = pread(fileno(d->blob), *buf, len, (off_t)d->off[i]);
    if (got != (ssize_t)len)
        return hark_error(HARK_ERR_IO, "training index: cannot read the temporary file");
    (*buf)[len] = '\0';
    *path = *buf;
    *text = *buf + strlen(*buf) + 1;
    return HARK_OK;
}
