/* Thread-local error messages and the optional log callback: the only channel by which the
 * library talks to its caller besides return values. */
#include "hark/core.h"

#include <stdio.h>
#include <string.h>

#ifndef HARK_VERSION
#define HARK_VERSION "0.0.0"
#endif

static _Thread_local char last_error[1024];
static hark_log_fn log_fn;
static void *log_user;

const char *hark_strerror(hark_status status)
{
    switch (status) {
    case HARK_OK: return "success";
    case HARK_ERR_INVALID_ARG: return "invalid argument";
    case HARK_ERR_NOMEM: return "out of memory";
    case HARK_ERR_IO: return "input/output error";
    case HARK_ERR_FORMAT: return "malformed or unsupported data";
    case HARK_ERR_VERSION: return "written by a newer version of hark";
    case HARK_ERR_UNSUPPORTED: return "not supported";
    case HARK_ERR_DEVICE: return "audio device error";
    case HARK_ERR_NUMERIC: return "numerical error (infinite or NaN value)";
    case HARK_ERR_INTERRUPTED: return "interrupted";
    case HARK_ERR_EOF: return "end of stream";
    case HARK_ERR_INTERNAL: return "internal error";
    }
    return "unknown status";
}

const char *hark_last_error(void) { return last_error; }

void hark_clear_error(void) { last_error[0] = '\0'; }

hark_status hark_verror(hark_status status, const char *fmt, va_list ap)
{
    /* Callers often wrap the previous message ("%s: %s", path, hark_last_error()): format into
     * a scratch buffer first, so an argument that is last_error itself is read before it is
     * overwritten (vsnprintf into its own argument is undefined and printed nothing). */
    char msg[sizeof last_error];
    if (fmt)
        vsnprintf(msg, sizeof msg, fmt, ap);
    else
        snprintf(msg, sizeof msg, "%s", hark_strerror(status));
    memcpy(last_error, msg, sizeof last_error);
    return status;
}

hark_status hark_error(hark_status status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    hark_verror(status, fmt, ap);
    va_end(ap);
    return status;
}

void hark_set_log_callback(hark_log_fn fn, void *user_data)
{
    log_fn = fn;
    log_user = user_data;
}

void hark_log(hark_log_level level, const char *fmt, ...)
{
    if (!log_fn)
        return;
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    log_fn(level, buf, log_user);
}

const char *hark_version(void) { return HARK_VERSION; }
