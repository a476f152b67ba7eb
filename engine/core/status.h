/* Status codes and the caller-owned error record every fallible engine call
 * fills. Filling an error never allocates, so out-of-memory can report itself.
 * This file does not log or print: the caller decides what to show. */
#ifndef CZ_STATUS_H
#define CZ_STATUS_H

#include <stddef.h>

#if defined(__GNUC__)
#define CZ_WUR __attribute__((warn_unused_result))
#define CZ_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define CZ_WUR
#define CZ_PRINTF(a, b)
#endif

typedef enum cz_status {
    CZ_OK = 0,
    CZ_EINVAL,        /* a bad argument or option value */
    CZ_ESHAPE,        /* shapes that do not fit together */
    CZ_ENOMEM,        /* an allocation failed */
    CZ_EIO,           /* a file could not be read or written */
    CZ_EFORMAT,       /* a file's content is malformed */
    CZ_EINTERRUPTED,  /* cancelled; state is committed to the last whole step */
    CZ_ENUMERIC,      /* NaN or infinity where a finite value is needed */
    CZ_EBACKEND,      /* the compute backend failed (e.g. a CUDA error) */
    CZ_EUNSUPPORTED,  /* valid request this build or backend cannot do */
    CZ_ESTATE,        /* an object is in the wrong state for the call */
    CZ_EAUTH,         /* authentication failed: wrong key, or a tampered file */
    CZ_STATUS_COUNT
} cz_status;

#define CZ_ERROR_TEXT 256

/* Caller-owned and fixed-size (like jansson's json_error_t). `msg` says what is
 * wrong, naming values, shapes and paths; `hint` says the way out. */
typedef struct cz_error {
    cz_status code;
    char msg[CZ_ERROR_TEXT];
    char hint[CZ_ERROR_TEXT];
} cz_error;

/* Short stable name of a status, e.g. "CZ_EINVAL". Never NULL. */
const char *cz_status_name(cz_status s);

/* Clears an error record (err may be NULL). */
void cz_error_clear(cz_error *err);

/* Fills err (when not NULL) and returns code, so callers can write
 * `return cz_error_set(err, CZ_EINVAL, "pass {ipc = n}", "ipc %d > ...", ...)`.
 * hint may be NULL or empty. Text longer than the buffers is truncated. */
cz_status cz_error_set(cz_error *err, cz_status code, const char *hint,
                       const char *fmt, ...) CZ_PRINTF(4, 5);

/* Prefixes err->msg with context ("loading wdbc.csv: ..."), keeping the code. */
void cz_error_prefix(cz_error *err, const char *fmt, ...) CZ_PRINTF(2, 3);

/* Invariant check for programmer errors only; never for user input. */
void cz_assert_fail(const char *expr, const char *file, int line) __attribute__((noreturn));
#define CZ_ASSERT(e) ((e) ? (void)0 : cz_assert_fail(#e, __FILE__, __LINE__))

#endif
