/* Status names and error filling. No allocation: the OOM path uses this too. */
#include "status.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const names[CZ_STATUS_COUNT] = {
    [CZ_OK] = "CZ_OK",
    [CZ_EINVAL] = "CZ_EINVAL",
    [CZ_ESHAPE] = "CZ_ESHAPE",
    [CZ_ENOMEM] = "CZ_ENOMEM",
    [CZ_EIO] = "CZ_EIO",
    [CZ_EFORMAT] = "CZ_EFORMAT",
    [CZ_EINTERRUPTED] = "CZ_EINTERRUPTED",
    [CZ_ENUMERIC] = "CZ_ENUMERIC",
    [CZ_EBACKEND] = "CZ_EBACKEND",
    [CZ_EUNSUPPORTED] = "CZ_EUNSUPPORTED",
    [CZ_ESTATE] = "CZ_ESTATE",
    [CZ_EAUTH] = "CZ_EAUTH",
};

const char *cz_status_name(cz_status s)
{
    if ((int)s < 0 || s >= CZ_STATUS_COUNT)
        return "CZ_EUNKNOWN";
    return names[s];
}

void cz_error_clear(cz_error *err)
{
    if (!err)
        return;
    err->code = CZ_OK;
    err->msg[0] = '\0';
    err->hint[0] = '\0';
}

cz_status cz_error_set(cz_error *err, cz_status code, const char *hint, const char *fmt, ...)
{
    if (!err)
        return code;
    err->code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    snprintf(err->hint, sizeof err->hint, "%s", hint ? hint : "");
    return code;
}

void cz_error_prefix(cz_error *err, const char *fmt, ...)
{
    if (!err)
        return;
    char prefix[CZ_ERROR_TEXT];
    char old[CZ_ERROR_TEXT];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    memcpy(old, err->msg, sizeof old);
    /* Truncation is fine here (the message is advisory); build it piecewise so
     * the compiler does not warn about a possibly-truncated "%s: %s". */
    size_t n = strnlen(prefix, sizeof err->msg - 1);
    memcpy(err->msg, prefix, n);
    size_t room = sizeof err->msg - n;
    if (room > 2) {
        err->msg[n++] = ':';
        err->msg[n++] = ' ';
        room -= 2;
        size_t m = strnlen(old, room - 1);
        memcpy(err->msg + n, old, m);
        n += m;
    }
    err->msg[n] = '\0';
}

void cz_assert_fail(const char *expr, const char *file, int line)
{
    /* An invariant of ours broke: a bug, not bad input. Abort loudly. */
    fprintf(stderr, "condensa: internal invariant failed: %s (%s:%d)\n", expr, file, line);
    abort();
}
