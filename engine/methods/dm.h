/* DM, distribution matching (Zhao & Bilen 2023), as a baseline: each
 * iteration samples a fresh randomly initialised network, and moves the
 * synthetic rows so that, per class, the mean of their embeddings (the
 * network's penultimate features) matches the mean embedding of a real batch
 * of that class. First order; X by SGD with momentum. */
#ifndef CZ_DM_H
#define CZ_DM_H

#include <stdint.h>

#include "../backend/backend.h"
#include "../core/cancel.h"
#include "../core/progress.h"
#include "../core/status.h"
#include "../data/dataset.h"
#include "../nn/model.h"
#include "synthetic.h"

typedef struct cz_dm_config {
    int ipc;             /* 10 */
    int64_t iterations;  /* 500 */
    int batch_real;      /* real rows per class per iteration (256; fewer if the class is smaller) */
    double lr_img;       /* 1.0 (DM's value for images) */
    double momentum;     /* 0.5 */
    double lr_eval;      /* the rate the set carries for evaluation (0.01) */
    uint64_t seed;
} cz_dm_config;

cz_dm_config cz_dm_config_default(void);

/* Runs DM with embedding networks of spec (NULL: the dataset's default). The
 * history is the summed squared distance of the class mean embeddings, per
 * iteration. Cancel / a progress callback returning nonzero returns
 * CZ_EINTERRUPTED and no set. */
cz_status cz_dm_run(const cz_dataset *d, const cz_dm_config *cfg, const cz_model_spec *spec,
                    cz_backend *be, const cz_cancel *cancel, cz_progress_fn progress,
                    void *progress_user, cz_synthetic **out, cz_error *err) CZ_WUR;

#endif
