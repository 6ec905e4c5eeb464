/* hark/core.h - status codes, error messages and logging shared by every module of libhark.
 *
 * The library never exits and never prints: functions return a hark_status, constructors
 * return NULL, and both leave a human-readable message (naming the file and the reason where
 * there is one) that hark_last_error() returns for the calling thread. */
#ifndef HARK_CORE_H
#define HARK_CORE_H

#include <stdarg.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum hark_status {
    HARK_OK = 0,
    HARK_ERR_INVALID_ARG,  /* a parameter is out of range or NULL */
    HARK_ERR_NOMEM,        /* an allocation failed */
    HARK_ERR_IO,           /* a file could not be opened, read or written */
    HARK_ERR_FORMAT,       /* a file's contents are malformed or unsupported */
    HARK_ERR_VERSION,      /* a file was written by a newer hark */
    HARK_ERR_UNSUPPORTED,  /* a valid request this build cannot do */
    HARK_ERR_DEVICE,       /* an audio device failed or is missing */
    HARK_ERR_NUMERIC,      /* a computation produced an infinite or NaN value */
    HARK_ERR_INTERRUPTED,  /* stopped on request (e.g. Ctrl-C) */
    HARK_ERR_EOF,          /* end of stream */
    HARK_ERR_INTERNAL      /* a bug: please report */
} hark_status;

/* A static English description of a status code ("invalid argument"). */
const char *hark_strerror(hark_status status);

/* The message the last failing call on this thread left (never NULL; "" if none). */
const char *hark_last_error(void);

/* Set this thread's error message printf-style and return `status`, so library code can write
 * `return hark_error(HARK_ERR_IO, "%s: %s", path, strerror(errno));`. */
hark_status hark_error(hark_status status, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
hark_status hark_verror(hark_status status, const char *fmt, va_list ap);
void hark_clear_error(void);

typedef enum hark_log_level { HARK_LOG_DEBUG, HARK_LOG_INFO, HARK_LOG_WARN, HARK_LOG_ERROR } hark_log_level;
typedef void (*hark_log_fn)(hark_log_level level, const char *message, void *user_data);

/* Route library log messages to `fn` (NULL: discard, the default). Not thread-safe with
 * concurrent logging; set it once at start-up. */
void hark_set_log_callback(hark_log_fn fn, void *user_data);
void hark_log(hark_log_level level, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* The library version, "MAJOR.MINOR.PATCH". */
const char *hark_version(void);

#ifdef __cplusplus
}
#endif
#endif
