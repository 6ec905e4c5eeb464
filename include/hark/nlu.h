/* hark/nlu.h - public API of src/nlu (to be filled in by the module). */
#ifndef HARK_NLU_H
#define HARK_NLU_H
#include "hark/core.h"
#endif
