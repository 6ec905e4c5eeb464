/* decode_beam_internal.h - the decoder and search-state structures shared by decode_beam.c (the
 * search), decode_setup.c (building a decoder) and decode_result.c (text, times, confidences,
 * n-best). Not public. */
#ifndef HARK_DECODE_BEAM_INTERNAL_H
#define HARK_DECODE_BEAM_INTERNAL_H

#include "model/decode_internal.h"

struct hark_decoder {
    int V;               /* units including the blank */
    int32_t *cps;        /* code point of unit i at cps[i - 1] */
    int32_t sep;         /* word separator unit, 0 = none */
    int use_lexicon;     /* extensions follow the lexicon trie */
    int lex_words;       /* phone models: a word's text is its lexicon word, not its units */
    hark_lexicon *lex;   /* owned copy (hotword words added); its words name the trie's words */
    unit_trie trie;
    int has_scorer;
    hark_word_scorer scorer;
    word_prior *prior;   /* owned when the scorer is a phone model's word prior, else NULL */
    int32_t *word_sid;   /* scorer id of each lexicon word, -1 = cannot be scored */
    unit_trie hw;        /* hotword phrases as unit sequences (n_nodes <= 1: none) */
    float *hw_bonus;     /* bonus for reaching each hotword trie node */
    hark_decode_params p; /* validated; hotwords pointer cleared */
};

/* What a prefix's unit sequence determines besides its probability. */
typedef struct hyp_state {
    int32_t trie;        /* lexicon trie node of the word in progress (0 = none yet) */
    int32_t word;        /* lexicon word the last unit closed, -1 none */
    int32_t hw;          /* hotword trie node, 0 = not inside a phrase */
    float hw_gain;       /* hotword bonus earned inside the current phrase, not yet kept */
    uint8_t flag;        /* phone models: the last unit starts a new word */
    uint8_t inword;      /* a word is in progress */
    hark_lm_state lm;    /* the scorer's state after the closed words */
    double ext;          /* everything but the acoustic score: LM, bonuses, hotwords */
    double lm10;         /* log10 LM probability of the closed words */
} hyp_state;

/* A node of the prefix tree = one hypothesis (live or an ancestor of one). */
typedef struct pnode {
    int32_t parent, unit;  /* root: -1, 0 */
    int32_t child, sibling; /* first child; next sibling */
    hyp_state s;
    double pb, pnb;        /* ln P(prefix, ending in blank / in its last unit) at the last frame */
    double npb, npnb;      /* the same for the frame being computed */
    int32_t stamp;         /* frame whose npb/npnb these are */
} pnode;

/* An extension not yet a node. */
typedef struct beam_cand {
    int32_t parent, unit;
    hyp_state s;
    double pnb;
} beam_cand;

typedef struct beam_sel {
    double score;
    int32_t id; /* node id, or -1 - candidate index */
} beam_sel;

struct hark_beam_stream {
    const hark_decoder *d;
    pnode *nodes;
    size_t n_nodes, cap_nodes;
    int32_t *beam; /* live hypotheses, best first */
    size_t n_beam, cap_beam;
    int32_t *units; /* this frame's units to try */
    beam_cand *cands;
    size_t n_cands, cap_cands;
    int32_t *touched;
    size_t n_touched, cap_touched;
    beam_sel *sel;
    size_t cap_sel;
    float *lp; /* (n_frames, V): every frame pushed, for the alignment at finish */
    size_t n_frames, cap_lp;
    int32_t t;
};

/* The end-of-utterance state of a hypothesis (decode_beam.c); 0 when it cannot end. */
int beam_finish_state(const hark_decoder *d, const hyp_state *hs, hyp_state *out);
/* ln(pb + pnb) + ext, and ln(pb + pnb) alone. */
double beam_node_score(const hark_beam_stream *s, int32_t id);
double beam_node_acoustic(const hark_beam_stream *s, int32_t id);

/* Defined in decode_lm.c: the lexicon of an LM's words the units can spell (or pronounce). */
hark_lexicon *lexicon_from_lm(const hark_lm *lm, const hark_units *u);

#endif
