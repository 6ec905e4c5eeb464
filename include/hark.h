/* hark.h - the public C API of libhark, an offline speech-to-text voice assistant.
 *
 * Include this one header. Modules:
 *   hark/core.h      status codes, error messages, logging
 *   hark/audio.h     audio files (libsndfile), resampling (libsoxr), capture, VAD
 *   hark/features.h  MFCC features (FFTW), streaming extraction, CMVN, augmentation
 *   hark/nn.h        GRU/LSTM layers, CTC loss, Adam
 *   hark/model.h     acoustic models: model file, training, decoding, recognition
 *   hark/lm.h        word n-gram language models: ARPA loading, scoring, Kneser-Ney building
 *   hark/decode.h    CTC prefix beam search: lexicons, LMs, hotwords, word times, confidences
 *   hark/nlu.h       intent templates, classifier, slots, responses, skills
 *   hark/corpus.h    labelled speech corpora and manifests
 *   hark/capture.h   live capture, voice activity detection, endpointing, speech output
 *   hark/listener.h  the pipeline: long-file transcription, the embeddable assistant (hark_listener)
 */
#ifndef HARK_H
#define HARK_H
#include "hark/core.h"
#include "hark/audio.h"
#include "hark/features.h"
#include "hark/nn.h"
#include "hark/model.h"
#include "hark/lm.h"
#include "hark/decode.h"
#include "hark/train.h"
#include "hark/nlu.h"
#include "hark/grammar.h"
#include "hark/corpus.h"
#include "hark/capture.h"
#include "hark/listener.h"
#endif
