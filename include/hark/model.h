/* hark/model.h - public API of src/model (to be filled in by the module). */
#ifndef HARK_MODEL_H
#define HARK_MODEL_H
#include "hark/core.h"
#endif
