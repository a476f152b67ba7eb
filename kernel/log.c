/* The kernel log; see log.h. */
#include "log.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Quiet by default, like ipykernel: Jupyter prints kernel stderr in its console. */
static atomic_int threshold = LOG_WARN;

void log_set_level_from_env(void)
{
    const char *v = getenv("CONDENSA_LOG");
    if (!v)
        return;
    if (strcmp(v, "debug") == 0)
        atomic_store(&threshold, LOG_DEBUG);
    else if (strcmp(v, "warn") == 0)
        atomic_store(&threshold, LOG_WARN);
    else if (strcmp(v, "error") == 0)
        atomic_store(&threshold, LOG_ERROR);
    else if (strcmp(v, "info") == 0)
        atomic_store(&threshold, LOG_INFO);
}

void log_msg(log_level level, const char *fmt, ...)
{
    static const char *const names[] = {"debug", "info", "warn", "error"};
    if ((int)level < atomic_load(&threshold))
        return;
    char text[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    localtime_r(&ts.tv_sec, &tm);
    char stamp[32];
    strftime(stamp, sizeof stamp, "%H:%M:%S", &tm);
    fprintf(stderr, "[condensa %s.%03ld %s] %s\n", stamp, ts.tv_nsec / 1000000, names[level], text);
}
