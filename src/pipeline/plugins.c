/* plugins.c - adapters that plug the decoders of src/model (the beam search, grammars) into the
 * recognizer's decoder hook (hark_recognizer_decoder), so every path that runs a recognizer
 * (file transcription, long files, the listener) can decode with them. */
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "hark/listener.h"

/* Hand a finished result's transcript to the recognizer's caller (the result keeps the rest). */
static hark_status move_transcript(hark_status st, hark_transcript *from, hark_transcript *out)
{
    if (st != HARK_OK)
        return st;
    *out = *from;
    memset(from, 0, sizeof *from);
    return HARK_OK;
}

struct hark_beam_plugin {
    const hark_decoder *d;
    hark_beam_stream *s;
    int streamed; /* frames the live beam has seen this utterance */
    hark_decode_result last;
    double seconds;
};

hark_beam_plugin *hark_beam_plugin_create(const hark_decoder *d)
{
    if (!d) {
        hark_error(HARK_ERR_INVALID_ARG, "beam plugin: NULL decoder");
        return NULL;
    }
    hark_beam_plugin *p = calloc(1, sizeof *p);
    if (!p) {
        hark_error(HARK_ERR_NOMEM, "out of memory");
        return NULL;
    }
    p->d = d;
    if (!(p->s = hark_beam_stream_create(d))) {
        free(p);
        return NULL;
    }
    return p;
}

void hark_beam_plugin_free(hark_beam_plugin *p)
{
    if (!p)
        return;
    hark_beam_stream_free(p->s);
    hark_decode_result_clear(&p->last);
    free(p);
}

static hark_status beam_advance(void *ctx, const float *lp, int n, int V)
{
    hark_beam_plugin *p = ctx;
    if (V != hark_decoder_units(p->d))
        return hark_error(HARK_ERR_INVALID_ARG, "beam plugin: the model has %d units, the "
                          "decoder %d", V, hark_decoder_units(p->d));
    double t0 = util_now_seconds();
    hark_status st = hark_beam_stream_push(p->s, lp, n);
    p->seconds += util_now_seconds() - t0;
    if (st == HARK_OK)
        p->streamed += n;
    return st;
}

static hark_status beam_partial(void *ctx, char *buf, size_t cap)
{
    return hark_beam_stream_partial(((hark_beam_plugin *)ctx)->s, buf, cap);
}

static void beam_reset(void *ctx)
{
    hark_beam_plugin *p = ctx;
    hark_beam_stream_reset(p->s);
    p->streamed = 0;
}

/* The live beam when it has followed the whole utterance, else one search over it. */
static hark_status beam_finish(void *ctx, const float *lp, int T, int V, double frame_seconds,
                               hark_transcript *out)
{
    hark_beam_plugin *p = ctx;
    hark_decode_result_clear(&p->last);
    double t0 = util_now_seconds();
    hark_status st;
    if (V != hark_decoder_units(p->d))
        st = hark_error(HARK_ERR_INVALID_ARG, "beam plugin: the model has %d units, the decoder "
                        "%d", V, hark_decoder_units(p->d));
    else if (p->streamed > 0 && p->streamed == T)
        st = hark_beam_stream_finish(p->s, frame_seconds, &p->last);
    else
        st = hark_decoder_run(p->d, lp, T, frame_seconds, &p->last);
    p->seconds += util_now_seconds() - t0;
    beam_reset(p);
    return move_transcript(st, &p->last.transcript, out);
}

hark_recognizer_decoder hark_beam_plugin_hook(hark_beam_plugin *p)
{
    hark_recognizer_decoder h = {p, beam_finish, beam_advance, beam_partial, beam_reset};
    return h;
}

const hark_decode_result *hark_beam_plugin_last(const hark_beam_plugin *p)
{
    return p ? &p->last : NULL;
}

double hark_beam_plugin_seconds(const hark_beam_plugin *p) { return p ? p->seconds : 0; }

/* ---- grammars ------------------------------------------------------------------------------- */

struct hark_grammar_plugin {
    const hark_grammar_decoder *d;
    hark_grammar_stream *s; /* the incremental search behind the partials */
    hark_grammar_result last;
    double seconds;
};

hark_grammar_plugin *hark_grammar_plugin_create(const hark_grammar_decoder *d)
{
    if (!d) {
        hark_error(HARK_ERR_INVALID_ARG, "grammar plugin: NULL decoder");
        return NULL;
    }
    hark_grammar_plugin *p = calloc(1, sizeof *p);
    if (!p) {
        hark_error(HARK_ERR_NOMEM, "out of memory");
        return NULL;
    }
    p->d = d;
    if (!(p->s = hark_grammar_stream_create(d))) {
        free(p);
        return NULL;
    }
    return p;
}

void hark_grammar_plugin_free(hark_grammar_plugin *p)
{
    if (!p)
        return;
    hark_grammar_result_clear(&p->last);
    hark_grammar_stream_free(p->s);
    free(p);
}

/* Streaming recognizers: the incremental search follows the frames for the partials. */
static hark_status grammar_advance(void *ctx, const float *lp, int n, int V)
{
    hark_grammar_plugin *p = ctx;
    double t0 = util_now_seconds();
    hark_status st = hark_grammar_stream_push(p->s, lp, n, V);
    p->seconds += util_now_seconds() - t0;
    return st;
}

static hark_status grammar_partial(void *ctx, char *buf, size_t cap)
{
    return hark_grammar_stream_partial(((hark_grammar_plugin *)ctx)->s, buf, cap);
}

static void grammar_reset(void *ctx) { hark_grammar_stream_reset(((hark_grammar_plugin *)ctx)->s); }

/* The final result is one search over the whole utterance (its rejection needs the whole
 * unconstrained path too). */
static hark_status grammar_finish(void *ctx, const float *lp, int T, int V, double frame_seconds,
                                  hark_transcript *out)
{
    hark_grammar_plugin *p = ctx;
    hark_grammar_result_clear(&p->last);
    double t0 = util_now_seconds();
    hark_status st = hark_grammar_decode(p->d, lp, T, V, frame_seconds, &p->last);
    p->seconds += util_now_seconds() - t0;
    grammar_reset(p);
    return move_transcript(st, &p->last.transcript, out);
}

hark_recognizer_decoder hark_grammar_plugin_hook(hark_grammar_plugin *p)
{
    hark_recognizer_decoder h = {p, grammar_finish, NULL, NULL, NULL};
    return h;
}

hark_recognizer_decoder hark_grammar_plugin_hook_partials(hark_grammar_plugin *p)
{
    hark_recognizer_decoder h = {p, grammar_finish, grammar_advance, grammar_partial,
                                 grammar_reset};
    return h;
}

const hark_grammar_result *hark_grammar_plugin_last(const hark_grammar_plugin *p)
{
    return p ? &p->last : NULL;
}

double hark_grammar_plugin_seconds(const hark_grammar_plugin *p) { return p ? p->seconds : 0; }
