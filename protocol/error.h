/* Status codes and the caller-owned error record of the protocol layer.
 * protocol/ knows nothing of the engine, so it has its own small twin of
 * cz_error: a code, what is wrong, and how to fix it. Filling it never
 * allocates. Nothing here logs or prints. */
#ifndef JUP_ERROR_H
#define JUP_ERROR_H

#if defined(__GNUC__)
#define JUP_WUR __attribute__((warn_unused_result))
#define JUP_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define JUP_WUR
#define JUP_PRINTF(a, b)
#endif

typedef enum jup_status {
    JUP_OK = 0,
    JUP_EINVAL,     /* a bad argument or setting */
    JUP_EIO,        /* a file could not be read or written */
    JUP_EFORMAT,    /* malformed input: JSON, frames, connection file */
    JUP_EAUTH,      /* bad, missing or mis-sized signature */
    JUP_EREPLAY,    /* a signature seen before: a replayed message */
    JUP_ENOMEM,     /* an allocation failed */
    JUP_ESOCKET,    /* a ZeroMQ call failed */
    JUP_EAGAIN,     /* nothing to receive yet (non-blocking receive) */
    JUP_EINTR,      /* a blocking call was interrupted by a signal */
    JUP_STATUS_COUNT
} jup_status;

#define JUP_ERROR_TEXT 256

typedef struct jup_error {
    jup_status code;
    char msg[JUP_ERROR_TEXT];
    char hint[JUP_ERROR_TEXT];
} jup_error;

/* Short stable name, e.g. "JUP_EAUTH". Never NULL. */
const char *jup_status_name(jup_status s);

/* Fills err (when not NULL) and returns code. hint may be NULL. */
jup_status jup_error_set(jup_error *err, jup_status code, const char *hint,
                         const char *fmt, ...) JUP_PRINTF(4, 5);

void jup_error_clear(jup_error *err);

#endif
