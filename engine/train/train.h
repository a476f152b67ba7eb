/* Training building blocks: one epoch of minibatch SGD with momentum and
 * weight decay (PyTorch's torch.optim.SGD semantics), minibatches drawn with
 * an explicit RNG, and a step learning-rate schedule. */
#ifndef CZ_TRAIN_H
#define CZ_TRAIN_H

#include <stddef.h>
#include <stdint.h>

#include "../core/cancel.h"
#include "../core/real.h"
#include "../core/rng.h"
#include "../core/status.h"
#include "../autodiff/unroll.h"
#include "../nn/model.h"

typedef struct cz_sgd {
    double lr;
    double momentum;     /* 0 = plain SGD */
    double weight_decay; /* L2, added to the gradient as PyTorch does */
    int batch;           /* rows per step; 0 or >= n = full batch */
    const cz_real *class_weight; /* or NULL */
    /* Differentiable augmentation of every minibatch (DSA for images), or
     * NULL. Each minibatch draws its seed from the epoch's rng right before
     * it is augmented. Host backends only. */
    const cz_augment *augment;
} cz_sgd;

/* One pass over (x, y) (n rows) in an order drawn from rng, updating theta and
 * the momentum buffer velocity (param_count values, zero to start) in place.
 * *mean_loss (may be NULL) gets the mean minibatch loss. */
cz_status cz_train_epoch(cz_model *m, cz_real *theta, cz_real *velocity, const cz_real *x,
                         const int32_t *y, size_t n, const cz_sgd *opt, cz_rng *rng,
                         double *mean_loss, cz_error *err) CZ_WUR;

/* lr for `epoch` (0-based) of `epochs`: base, times 0.1 from epochs/2 on (the
 * evaluation protocol of the trajectory-matching papers). */
double cz_step_schedule(double base, int epoch, int epochs);

#endif
