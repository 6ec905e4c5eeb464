/* hark/corpus.h - public API of src/corpus (to be filled in by the module). */
#ifndef HARK_CORPUS_H
#define HARK_CORPUS_H
#include "hark/core.h"
#endif
