/* testutil.h - helpers shared by the cmocka tests: paths to the repo, ../shared and the hark
 * program (from the environment ctest sets), temporary directories and fixture loading. */
#ifndef HARK_TESTUTIL_H
#define HARK_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "hark.h"

/* Factor for CPU-time bounds in tests. The sanitizer builds (address, thread) run several times
 * slower, and far slower again on a machine loaded by parallel jobs, so their bounds get ten
 * times the room; a bound still catches what it is there for (a blow-up of seconds to minutes). */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define HARK_TEST_CPU_SCALE 10.0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define HARK_TEST_CPU_SCALE 10.0
#endif
#endif
#ifndef HARK_TEST_CPU_SCALE
#define HARK_TEST_CPU_SCALE 1.0
#endif

/* $HARK_SOURCE_DIR/rel, $HARK_SHARED_DIR/rel: static buffers, valid until the next call. */
const char *tu_src(const char *rel);
const char *tu_shared(const char *rel);
/* 1 when ../shared/data is present (tests that need it skip() otherwise). */
int tu_have_shared(void);
/* A fresh empty directory under /tmp (removed at exit). */
const char *tu_tmpdir(void);
/* Read a whole file; returns malloc'd buffer (NUL-terminated) and sets *len, or NULL. */
char *tu_read_file(const char *path, size_t *len);
/* Write bytes to a file; returns 0 on success. */
int tu_write_file(const char *path, const void *data, size_t len);
/* CPU seconds used by the process, for tests that bound how long something may take (CPU
 * time, so a machine loaded by other jobs does not fail them). */
double tu_cpu_seconds(void);

/* A model of the phone alphabet (hark_phone_alphabet) with a tiny random net at 8 kHz, for
 * tests that only need its units; its units stay characters until hark_model_set_units. */
hark_model *tu_phone_model(uint64_t seed);
/* An ARPA model from text (written to a temporary file and loaded); fails the test on error. */
hark_lm *tu_load_arpa(const char *arpa);

/* Max |a-b| over n floats. */
double tu_max_abs_diff(const float *a, const float *b, size_t n);
/* Max |a-b| / max(|b|, floor) over n floats. */
double tu_max_rel_diff(const float *a, const float *b, size_t n, double floor);
/* Root mean square of n floats (0 for none). */
double tu_rms(const float *x, size_t n);
/* "dir/name" in one of 8 rotating static buffers: valid for the next 7 calls. */
const char *tu_path_in(const char *dir, const char *name);

/* Fixture files written by the scripts in tests/ref: a tiny named-array container ("HKFX" format:
 * magic "HKFX", u32 count, then per array: u32 name length, name, u32 ndim, u32 dims[ndim],
 * float32 data). tu_fixture_get returns the array or NULL; dims/ndim optional outputs. */
typedef struct tu_fixture tu_fixture;
tu_fixture *tu_fixture_load(const char *path);
const float *tu_fixture_get(const tu_fixture *fx, const char *name, int *ndim, int dims[8]);
size_t tu_fixture_numel(const tu_fixture *fx, const char *name);
void tu_fixture_free(tu_fixture *fx);

#endif
