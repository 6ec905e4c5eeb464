/* hark/audio.h - public API of src/audio (to be filled in by the module). */
#ifndef HARK_AUDIO_H
#define HARK_AUDIO_H
#include "hark/core.h"
#endif
