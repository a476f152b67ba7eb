/* Progress reporting: the engine calls, the kernel renders (a live progress
 * bar over update_display_data). The engine never prints. */
#ifndef CZ_PROGRESS_H
#define CZ_PROGRESS_H

#include <stdint.h>

typedef struct cz_progress {
    const char *phase;     /* "experts", "bezier", "distill", "evaluate", ... */
    int64_t step;          /* steps done (1-based after the first) */
    int64_t total;         /* planned steps */
    double loss;           /* the phase's current loss (matching loss, training loss) */
    double lr;             /* learned rate where there is one, else 0 */
    double metric;         /* a phase-specific figure (e.g. validation AUROC), NaN if none */
    const char *metric_name; /* what metric is, for display (e.g. "|dL/dX|"); NULL: unnamed */
} cz_progress;

/* Return nonzero to ask the engine to stop at the next boundary (as a cancel). */
typedef int (*cz_progress_fn)(const cz_progress *p, void *user);

#endif
