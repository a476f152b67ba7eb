/* DD, dataset distillation (Wang et al. 2018), as a baseline: learn the
 * synthetic rows X and a step size a so that `steps` gradient steps of a
 * freshly initialised model on X minimise the loss on a real minibatch.
 * The hypergradient is exact: the unrolled loop's adjoint (autodiff/unroll.h)
 * started from lam = grad_theta of the real loss at theta_N. X and log(a)
 * are optimised by Adam (DD's optimiser); a = exp(log a) stays positive. */
#ifndef CZ_DD_H
#define CZ_DD_H

#include <stdint.h>

#include "../backend/backend.h"
#include "../core/cancel.h"
#include "../core/progress.h"
#include "../core/status.h"
#include "../data/dataset.h"
#include "../nn/model.h"
#include "synthetic.h"

typedef struct cz_dd_config {
    int ipc;             /* 10 */
    int64_t iterations;  /* 200 */
    int steps;           /* unrolled steps (10) */
    int batch_real;      /* real rows per outer loss (256) */
    double lr_img;       /* Adam rate on X (0.01) */
    double lr_lr;        /* Adam rate on log a (0.01) */
    double lr_init;      /* initial a (0.02, DD's default) */
    uint64_t seed;
} cz_dd_config;

cz_dd_config cz_dd_config_default(void);

/* Runs DD with model spec (NULL: the dataset's default). The result's loss
 * history is the real loss after the unrolled steps, per iteration; its lr is
 * the learned step size. Cancel / a progress callback returning nonzero
 * returns CZ_EINTERRUPTED and no set. */
cz_status cz_dd_run(const cz_dataset *d, const cz_dd_config *cfg, const cz_model_spec *spec,
                    cz_backend *be, const cz_cancel *cancel, cz_progress_fn progress,
                    void *progress_user, cz_synthetic **out, cz_error *err) CZ_WUR;

#endif
