/* hark/features.h - public API of src/features (to be filled in by the module). */
#ifndef HARK_FEATURES_H
#define HARK_FEATURES_H
#include "hark/core.h"
#endif
