/* A synthetic (condensed) dataset and how it was made: the rows X with their
 * labels y, the method, rows per class, iterations run, the learned (or
 * suggested) training rate, the last objective value and its history, and
 * the backend that computed it. Every method returns one; evaluation and
 * checkpoints consume it. */
#ifndef CZ_SYNTHETIC_H
#define CZ_SYNTHETIC_H

#include <stddef.h>
#include <stdint.h>

#include "../core/bytes.h"
#include "../core/real.h"
#include "../core/status.h"

#define CZ_METHOD_NAME 16
#define CZ_BACKEND_NAME 16

typedef struct cz_synthetic {
    char method[CZ_METHOD_NAME];   /* "mtt", "random", "herding", "dm", "dd", ... */
    char backend[CZ_BACKEND_NAME]; /* "cpu", "cuda" */
    int ipc, classes;
    int channels, height, width;   /* row shape (tabular: 1, 1, features) */
    size_t rows, features;         /* rows = ipc * classes */
    cz_real *x;                    /* rows x features, class-major */
    int32_t *y;                    /* rows */
    int64_t iterations;            /* outer iterations run (0 for selections) */
    double lr;                     /* rate to train on it with (learned by MTT/DD) */
    double loss;                   /* last objective value, NaN when none */
    double *loss_history;          /* one per iteration (NaN for a skipped one) */
    int64_t history_len;
} cz_synthetic;

/* A zeroed set of ipc * classes rows of `features` values (shape c x h x w),
 * labels filled class-major (ipc of class 0, then class 1, ...). */
cz_status cz_synthetic_new(const char *method, int ipc, int classes, int channels, int height,
                           int width, cz_synthetic **out, cz_error *err) CZ_WUR;
/* Frees s and sets *s = NULL; accepts NULL. */
void cz_synthetic_free(cz_synthetic **s);
/* Copies n values of history (replacing any), sets the last loss to the last
 * finite entry. */
cz_status cz_synthetic_set_history(cz_synthetic *s, const double *h, int64_t n,
                                   cz_error *err) CZ_WUR;
cz_status cz_synthetic_clone(const cz_synthetic *s, cz_synthetic **out, cz_error *err) CZ_WUR;

/* Canonical encoding (core/bytes.h) and its SHA-256. */
cz_status cz_synthetic_serialize(const cz_synthetic *s, cz_bytes *out, cz_error *err) CZ_WUR;
cz_status cz_synthetic_deserialize(cz_reader *r, cz_synthetic **out, cz_error *err) CZ_WUR;
cz_status cz_synthetic_digest(const cz_synthetic *s, uint8_t out[32], cz_error *err) CZ_WUR;

#endif
