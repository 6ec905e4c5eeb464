/* hark/capture.h - live audio: PortAudio capture into a lock-free ring buffer, voice activity
 * detection, endpointing and spoken replies (to be filled in by the module). */
#ifndef HARK_CAPTURE_H
#define HARK_CAPTURE_H
#include "hark/core.h"
#endif
