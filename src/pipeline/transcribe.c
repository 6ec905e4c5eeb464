/* transcribe.c - audio files of any length to text with bounded memory: the file is read and
 * resampled in blocks (hark_audio_reader), cut into segments at pauses (hark_segmenter), and
 * each segment goes through one recognizer (create once, then push and finish per segment).
 * Times are moved from segment time to file time before anyone sees them. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hark/audio.h"
#include "hark/listener.h"

typedef struct {
    hark_recognizer *r;
    double rate;
    hark_transcript_fn fn;
    void *user;
    hark_transcript *out;
    size_t text_len, text_cap, words_cap;
    double log_conf_said, log_conf_all; /* sums of log confidences */
    int n_said, n_all;
} file_job;

/* Append a segment's transcript (already in file time) to the whole file's. */
static hark_status append(file_job *j, const hark_transcript *t)
{
    hark_transcript *o = j->out;
    size_t len = strlen(t->text), sep = j->text_len > 0 && len > 0;
    if (j->text_len + sep + len + 1 > j->text_cap) {
        size_t cap = (j->text_len + sep + len + 1) * 2;
        char *p = realloc(o->text, cap);
        if (!p)
            return hark_error(HARK_ERR_NOMEM, "out of memory");
        o->text = p;
        j->text_cap = cap;
    }
    if (o->n_words + t->n_words > j->words_cap) {
        size_t cap = (o->n_words + t->n_words) * 2;
        hark_word_time *w = realloc(o->words, cap * sizeof *w);
        if (!w)
            return hark_error(HARK_ERR_NOMEM, "out of memory");
        o->words = w;
        j->words_cap = cap;
    }
    if (sep)
        o->text[j->text_len++] = ' ';
    size_t base = j->text_len;
    memcpy(o->text + j->text_len, t->text, len + 1);
    j->text_len += len;
    for (size_t i = 0; i < t->n_words; i++) {
        hark_word_time w = t->words[i];
        w.offset += base;
        o->words[o->n_words++] = w;
    }
    return HARK_OK;
}

/* One segment: decode its speech span, move to file time, report and append. */
static hark_status on_segment(const hark_segment *seg, void *user)
{
    file_job *j = user;
    if (seg->speech_frames == 0 && !seg->whole)
        return HARK_OK; /* a pause between cuts: nothing to say */
    size_t start = seg->start + seg->speech_start; /* decoding starts at the speech span */
    hark_transcript t = {0};
    hark_status st = hark_recognizer_push(j->r, seg->samples + seg->speech_start,
                                          seg->speech_end - seg->speech_start);
    if (st == HARK_OK)
        st = hark_recognizer_finish(j->r, &t);
    if (st != HARK_OK) {
        hark_recognizer_reset(j->r);
        return st;
    }
    double t0 = (double)start / j->rate;
    if (t.n_words > 0 || t.start != 0 || t.end != 0) {
        t.start += t0;
        t.end += t0;
    }
    for (size_t i = 0; i < t.n_words; i++) {
        t.words[i].start += t0;
        t.words[i].end += t0;
    }
    double lc = log(t.confidence > 1e-30f ? (double)t.confidence : 1e-30);
    j->log_conf_all += lc;
    j->n_all++;
    if (t.text[0]) {
        j->log_conf_said += lc;
        j->n_said++;
    }
    if (j->fn)
        st = j->fn(&t, j->user);
    if (st == HARK_OK && j->out)
        st = append(j, &t);
    hark_transcript_clear(&t);
    return st;
}

hark_status hark_transcribe_file(hark_recognizer *r, const char *path,
                                 const hark_segment_params *p, hark_transcript_fn fn,
                                 void *user_data, hark_transcript *out)
{
    if (!r || !path)
        return hark_error(HARK_ERR_INVALID_ARG, "hark_transcribe_file: NULL argument");
    const hark_model *m = hark_recognizer_model(r);
    int rate = hark_model_sample_rate(m);
    hark_segment_params dp = hark_segment_default_params(rate);
    if (!p)
        p = &dp;
    if (p->vad.sample_rate != rate)
        return hark_error(HARK_ERR_INVALID_ARG, "%s: segmentation at %d Hz but the model runs at "
                          "%d Hz", path, p->vad.sample_rate, rate);
    if (out)
        hark_transcript_clear(out);
    file_job j = {.r = r, .rate = rate, .fn = fn, .user = user_data, .out = out};
    hark_recognizer_reset(r);
    hark_audio_reader *rd = NULL;
    hark_segmenter *sg = NULL;
    hark_status st = hark_audio_reader_open(path, rate, &rd);
    if (st == HARK_OK && !(sg = hark_segmenter_create(p, on_segment, &j)))
        st = HARK_ERR_INVALID_ARG;
    size_t total = 0;
    while (st == HARK_OK) {
        const float *x;
        size_t n;
        if ((st = hark_audio_reader_read(rd, &x, &n)) != HARK_OK || n == 0)
            break;
        total += n;
        st = hark_segmenter_push(sg, x, n);
    }
    if (st == HARK_OK)
        st = hark_segmenter_flush(sg);
    if (st == HARK_OK && out) {
        if (!out->text && !(out->text = calloc(1, 1)))
            st = hark_error(HARK_ERR_NOMEM, "out of memory");
        double lc = j.n_said ? j.log_conf_said / j.n_said : j.n_all ? j.log_conf_all / j.n_all : 0;
        out->confidence = (float)exp(lc);
        out->duration = (double)total / rate;
        out->start = out->n_words ? out->words[0].start : 0;
        out->end = out->n_words ? out->words[out->n_words - 1].end : 0;
    }
    if (st != HARK_OK && out)
        hark_transcript_clear(out);
    hark_segmenter_free(sg);
    hark_audio_reader_close(rd);
    return st;
}

hark_status hark_model_transcribe_file(const hark_model *m, const char *path, hark_transcript *out)
{
    if (!m || !path || !out)
        return hark_error(HARK_ERR_INVALID_ARG, "hark_model_transcribe_file: NULL argument");
    hark_recognizer *r = hark_recognizer_create(m);
    if (!r)
        return HARK_ERR_NOMEM;
    hark_status st = hark_transcribe_file(r, path, NULL, NULL, NULL, out);
    hark_recognizer_free(r);
    return st;
}
