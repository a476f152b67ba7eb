/* jup_error: fixed-size, caller-owned; see error.h. */
#include "error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *const names[JUP_STATUS_COUNT] = {
    [JUP_OK] = "JUP_OK",           [JUP_EINVAL] = "JUP_EINVAL",
    [JUP_EIO] = "JUP_EIO",         [JUP_EFORMAT] = "JUP_EFORMAT",
    [JUP_EAUTH] = "JUP_EAUTH",     [JUP_EREPLAY] = "JUP_EREPLAY",
    [JUP_ENOMEM] = "JUP_ENOMEM",   [JUP_ESOCKET] = "JUP_ESOCKET",
    [JUP_EAGAIN] = "JUP_EAGAIN",   [JUP_EINTR] = "JUP_EINTR",
};

const char *jup_status_name(jup_status s)
{
    if ((unsigned)s >= JUP_STATUS_COUNT)
        return "JUP_UNKNOWN";
    return names[s];
}

void jup_error_clear(jup_error *err)
{
    if (!err)
        return;
    err->code = JUP_OK;
    err->msg[0] = '\0';
    err->hint[0] = '\0';
}

jup_status jup_error_set(jup_error *err, jup_status code, const char *hint, const char *fmt, ...)
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
