/* The unrolled inner loop and its exact reverse (DESIGN.md, "Differentiating
 * through the unrolled inner loop"):
 *   theta_{n+1} = theta_n - lr * grad_theta loss(theta_n; X[batch_n]),  n = 0..N-1
 * and the gradient of a final objective L(theta_N) with respect to the
 * synthetic data X and the rate lr, by the adjoint recursion with exact
 * Hessian-vector products. Keeps the N+1 parameter vectors and recomputes one
 * step's activations at a time: memory grows with N by parameter vectors only.
 *
 * An unroll object owns its buffers and is reused across outer iterations. */
#ifndef CZ_UNROLL_H
#define CZ_UNROLL_H

#include <stddef.h>
#include <stdint.h>

#include "../core/cancel.h"
#include "../core/real.h"
#include "../core/rng.h"
#include "../core/status.h"
#include "../nn/model.h"

/* Optional differentiable augmentation of a minibatch (DSA for images): writes
 * out = A(x; seed) and, for the reverse, grad_x = A^T grad_out with the same
 * seed. Linear in x for a fixed seed. */
typedef struct cz_augment {
    cz_status (*forward)(void *user, uint64_t seed, const cz_real *x, size_t n, cz_real *out,
                         cz_error *err);
    cz_status (*backward)(void *user, uint64_t seed, const cz_real *grad_out, size_t n,
                          cz_real *grad_x, cz_error *err);
    void *user;
} cz_augment;

typedef struct cz_unroll_opts {
    int steps;                   /* N >= 1 */
    int batch;                   /* minibatch rows per step; 0 or >= rows = full batch */
    int truncate;                /* differentiate only the last K steps (0 = all N) */
    const cz_real *class_weight; /* per class, or NULL */
    const cz_augment *augment;   /* or NULL */
    const cz_cancel *cancel;     /* polled between steps, or NULL */
} cz_unroll_opts;

typedef struct cz_unroll cz_unroll;

/* For synthetic sets of `rows` examples of model m (m is borrowed). */
cz_status cz_unroll_new(cz_model *m, size_t rows, const cz_unroll_opts *opts, cz_unroll **out,
                        cz_error *err) CZ_WUR;
void cz_unroll_free(cz_unroll *u);

/* Runs the N steps from theta0 on (x, y) with rate lr; the minibatch order is
 * drawn from rng. Keeps what the backward pass needs; theta_final (may be
 * NULL) receives theta_N. */
cz_status cz_unroll_forward(cz_unroll *u, const cz_real *theta0, const cz_real *x,
                            const int32_t *y, cz_real lr, cz_rng *rng, cz_real *theta_final,
                            cz_error *err) CZ_WUR;

/* Given lam_N = dL/dtheta_N, writes dL/dX (rows x input; overwritten) and
 * dL/dlr of the last forward pass. */
cz_status cz_unroll_backward(cz_unroll *u, const cz_real *lam_final, cz_real *grad_x,
                             cz_real *grad_lr, cz_error *err) CZ_WUR;

/* The trajectory-matching objective in one call:
 *   L = |theta_N - target|^2 / |theta0 - target|^2
 * (forward, then backward). CZ_ENUMERIC when theta0 == target or L is not finite. */
cz_status cz_unroll_match_grad(cz_unroll *u, const cz_real *theta0, const cz_real *target,
                               const cz_real *x, const int32_t *y, cz_real lr, cz_rng *rng,
                               cz_real *loss, cz_real *grad_x, cz_real *grad_lr,
                               cz_error *err) CZ_WUR;

/* Peak bytes this unroll holds (for benchmarks and the memory bound test). */
size_t cz_unroll_bytes(const cz_unroll *u);

#endif
