/* Classification metrics on predicted class probabilities: accuracy, balanced
 * accuracy, AUROC and AUPRC (binary; macro one-vs-rest for more classes).
 * Ties in scores are handled as sklearn does (AUROC: average ranks; AUPRC:
 * average precision over distinct thresholds). */
#ifndef CZ_METRICS_H
#define CZ_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "../core/real.h"
#include "../core/status.h"

typedef struct cz_metrics {
    double accuracy;
    double balanced_accuracy;
    double auroc;  /* NaN when a class is absent from y */
    double auprc;
} cz_metrics;

/* probs: n x classes (rows sum to 1); y: n labels in [0, classes). */
cz_status cz_metrics_compute(const cz_real *probs, const int32_t *y, size_t n, int classes,
                             cz_metrics *out, cz_error *err) CZ_WUR;

/* Binary building blocks: scores for the positive class, labels 0/1. */
double cz_auroc(const double *score, const uint8_t *positive, size_t n);
double cz_auprc(const double *score, const uint8_t *positive, size_t n);

#endif
