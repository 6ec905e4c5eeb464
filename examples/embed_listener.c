/* embed_listener.c - the smallest program that embeds the hark assistant: it listens to an audio
 * file (or the default microphone when no file is given), and prints each transcript with the
 * intent and the reply the assistant chose. Every callback gets its own user_data.
 *
 * Build against an installed libhark:
 *   cc -std=c11 embed_listener.c -o embed_listener $(pkg-config --cflags --libs hark)
 * Run:
 *   ./embed_listener MODEL.hark INTENTS.ini [AUDIO_FILE] */
#include <stdio.h>

#include <hark.h>

typedef struct {
    int finals;
} counts;

static void on_final(const hark_listener_final *f, void *user_data)
{
    counts *c = user_data;
    c->finals++;
    printf("heard \"%s\" at %.2f-%.2f s (confidence %.2f)\n", f->transcript->text, f->start,
           f->end, (double)f->transcript->confidence);
}

static void on_intent(const hark_intent_result *r, const char *text, void *user_data)
{
    const char *prefix = user_data;
    printf("%s%s (%d slots) for \"%s\": %s\n", prefix, r->intent, r->n_slots, text, r->response);
}

static void on_error(hark_status st, const char *message, void *user_data)
{
    (void)user_data;
    fprintf(stderr, "error (%s): %s\n", hark_strerror(st), message);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s MODEL.hark INTENTS.ini [AUDIO_FILE]\n", argv[0]);
        return 2;
    }
    hark_model *model = hark_model_load(argv[1]);
    if (!model) {
        fprintf(stderr, "%s\n", hark_last_error());
        return 1;
    }
    hark_listener_params p = hark_listener_default_params();
    p.intents_path = argv[2];
    p.assistant.state_path = NULL; /* keep no device state between runs */
    if (argc > 3) {
        p.source = HARK_SOURCE_FILE;
        p.path = argv[3];
        p.realtime = 0;
    }
    counts c = {0};
    hark_listener_callbacks cb = {0};
    cb.on_final = on_final;
    cb.final_data = &c;
    cb.on_intent = on_intent;
    cb.intent_data = "intent: ";
    cb.on_error = on_error;
    hark_listener *L = hark_listener_create(model, &p, &cb);
    if (!L) {
        fprintf(stderr, "%s\n", hark_last_error());
        hark_model_free(model);
        return 1;
    }
    hark_status st = hark_listener_run(L);
    if (st != HARK_OK)
        fprintf(stderr, "%s\n", hark_last_error());
    printf("%d utterance(s)\n", c.finals);
    hark_listener_free(L);
    hark_model_free(model);
    return st == HARK_OK ? 0 : 1;
}
