/* A recorded inner loop whose reverse sweep can be evaluated at a different
 * synthetic set than the one that produced it: what SATM's cheaper
 * hypergradient needs ("trajectory reusing": keep theta_0..theta_N computed
 * at X, recompute only the per-step second-order terms at X + eps, and only
 * for the last few steps). autodiff/unroll.h keeps its trajectory private,
 * so SATM records its own: the same update
 *   theta_{k+1} = theta_k - lr grad_theta loss(theta_k; A_k(X[b_k]))
 * with minibatches b_k as consecutive chunks of a random permutation (the
 * last chunk shorter, then a fresh permutation: MTT's rule) and the adjoint
 *   dL/dlr += -g_k . lam_{k+1},  dL/dX[b_k] += -lr A_k^T d<lam_{k+1}, g_k>/dx,
 *   lam_k = lam_{k+1} - lr H_k lam_{k+1}
 * from cz_model_hvp. Memory: the N+1 parameter vectors and the batch indices.
 * Module-internal to engine/methods. */
#ifndef CZ_SATM_SWEEP_H
#define CZ_SATM_SWEEP_H

#include <stddef.h>
#include <stdint.h>

#include "../autodiff/unroll.h"
#include "../core/real.h"
#include "../core/rng.h"
#include "../core/status.h"
#include "../nn/model.h"

typedef struct cz_sweep cz_sweep;

/* For synthetic sets of `rows` examples of model m (borrowed). Uses steps,
 * batch, class_weight, augment and cancel of opts (truncate is the caller's:
 * see first_step below). */
cz_status cz_sweep_new(cz_model *m, size_t rows, const cz_unroll_opts *opts, cz_sweep **out,
                       cz_error *err) CZ_WUR;
void cz_sweep_free(cz_sweep **s);

int cz_sweep_steps(const cz_sweep *s);

/* Runs and records the N steps from theta0 on (x, y) with rate lr; batch
 * order and augmentation seeds come from rng. theta_final (may be NULL)
 * receives theta_N. */
cz_status cz_sweep_forward(cz_sweep *s, const cz_real *theta0, const cz_real *x,
                           const int32_t *y, cz_real lr, cz_rng *rng, cz_real *theta_final,
                           cz_error *err) CZ_WUR;

/* The adjoint recursion from lam_final = dL/dtheta_N over steps
 * k = N-1 down to first_step, on the recorded theta_k and batches but with
 * the inputs taken from x (any rows x input array; y as in the forward).
 * Overwrites grad_x (rows x input) and *grad_lr. When snap_step is in
 * [first_step, N), snap_x and *snap_lr receive the partial sums right after
 * step snap_step (the contribution of steps >= snap_step). */
cz_status cz_sweep_backward(cz_sweep *s, const cz_real *x, const int32_t *y,
                            const cz_real *lam_final, int first_step, cz_real *grad_x,
                            cz_real *grad_lr, int snap_step, cz_real *snap_x, cz_real *snap_lr,
                            cz_error *err) CZ_WUR;

#endif
