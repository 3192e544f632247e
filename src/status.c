/*
 * status.c - status codes, their descriptions and error details.
 */
#include "internal.h"

#include <string.h>

const char *spytag_strerror(int status)
{
    switch (status) {
    case SPYTAG_OK:        return "success";
    case SPYTAG_ENOMEM:    return "out of memory";
    case SPYTAG_EIO:       return "input/output error";
    case SPYTAG_EINVAL:    return "invalid argument";
    case SPYTAG_EFORMAT:   return "malformed input";
    case SPYTAG_ECHECKSUM: return "checksum mismatch (file is corrupt)";
    case SPYTAG_EVERSION:  return "unsupported format version";
    case SPYTAG_ELIMIT:    return "size limit exceeded";
    case SPYTAG_EEMPTY:    return "nothing to learn from";
    case SPYTAG_ETRAIN:    return "training failed";
    case SPYTAG_ENOTFOUND: return "not found";
    default:               return "unknown error";
    }
}

const char *spytag_version(void)
{
    return PACKAGE_VERSION;
}

int spytag_fail(spytag_error *err, int status, const char *file, long line,
                const char *fmt, ...)
{
    if (err) {
        va_list ap;
        err->status = status;
        err->line = line;
        snprintf(err->file, sizeof err->file, "%s", file ? file : "");
        va_start(ap, fmt);
        vsnprintf(err->message, sizeof err->message, fmt, ap);
        va_end(ap);
    }
    return status;
}
