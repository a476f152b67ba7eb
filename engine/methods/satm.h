/* SATM: a sharpness-aware outer update for trajectory matching (Gao et al.,
 * "Dataset Condensation with Sharpness-Aware Trajectory Matching"). With
 * G = dL/dX the hypergradient through the unrolled inner loop, the synthetic
 * set is stepped with the hypergradient taken at the worst nearby point
 *   eps = rho G / |G|,   G' = dL/dX (X + eps)   (and dL/dlr there too),
 * SAM's first-order solution of min_X max_{|eps| <= rho} L(X + eps).
 *
 * Two ways to get G':
 *   CZ_SAM_EXACT   a second full unroll and reverse pass at X + eps, with the
 *                  same minibatches (twice MTT's cost);
 *   CZ_SAM_APPROX  trajectory reusing with a truncated perturbed sweep: keep
 *                  the trajectory theta_0..theta_N computed at X, and
 *                  re-evaluate only the last `approx_steps` (iota) steps'
 *                  second-order terms at X + eps:
 *                    G' ~= G + G_iota(X + eps; reused theta) - G_iota(X)
 *                  (G_iota: the contribution of the last iota steps). Extra
 *                  cost: iota Hessian-vector products; iota = N is plain
 *                  trajectory reusing. Our reconstruction of the paper's
 *                  TR + TUH approximation (its method section could not be
 *                  read; docs/btm-satm.md).
 * With lr_at_x the rate steps with its hypergradient at X instead (SAM on the
 * data only), which keeps the learned rate from collapsing on some seeds
 * (docs/btm-satm.md). The run reports the matching loss at X. A zero or non-finite G leaves
 * eps = 0 and G' = G. */
#ifndef CZ_SATM_H
#define CZ_SATM_H

#include <stddef.h>
#include <stdint.h>

#include "../autodiff/unroll.h"
#include "../core/real.h"
#include "../core/rng.h"
#include "../core/status.h"
#include "../nn/model.h"

typedef enum cz_sam_mode { CZ_SAM_EXACT = 0, CZ_SAM_APPROX } cz_sam_mode;

typedef struct cz_satm_opts {
    cz_sam_mode mode;
    double rho;        /* |eps| in the units of X (default CZ_SATM_RHO_DEFAULT) */
    int approx_steps;  /* iota for CZ_SAM_APPROX (default 1), clipped to the differentiated steps */
    int lr_at_x;       /* 1: step the rate with dL/dlr at X, the data only with G' (default 0:
                          both with the hypergradient at X + eps) */
} cz_satm_opts;

/* rho's default, for standardised tabular rows (docs/btm-satm.md). */
#define CZ_SATM_RHO_DEFAULT 0.1

cz_satm_opts cz_satm_opts_default(void);

/* What one update saw. */
typedef struct cz_satm_info {
    double loss;           /* matching loss at X */
    double loss_perturbed; /* at X + eps (CZ_SAM_EXACT; NaN for CZ_SAM_APPROX) */
    double grad_norm;      /* |G| */
    double eps_norm;       /* |eps|: rho, or 0 when G was zero */
} cz_satm_info;

typedef struct cz_satm cz_satm;

/* For synthetic sets of `rows` examples of model m (borrowed), unrolled as
 * uopts says (the approximation records its own trajectory with them). */
cz_status cz_satm_new(cz_model *m, size_t rows, const cz_unroll_opts *uopts,
                      const cz_satm_opts *sopts, cz_satm **out, cz_error *err) CZ_WUR;
void cz_satm_free(cz_satm **s);

/* The SATM replacement of cz_unroll_match_grad: same arguments and outputs
 * (loss at X, grad_x = G' rows x input, grad_lr), plus the unroll u used by
 * CZ_SAM_EXACT (may be NULL for CZ_SAM_APPROX) and info (may be NULL).
 * rng advances exactly as one cz_unroll_match_grad call would, for
 * CZ_SAM_EXACT; CZ_SAM_APPROX draws its minibatches as satm_sweep.h says. */
cz_status cz_satm_grad(cz_satm *s, cz_unroll *u, const cz_real *theta0, const cz_real *target,
                       const cz_real *x, const int32_t *y, cz_real lr, cz_rng *rng,
                       cz_real *loss, cz_real *grad_x, cz_real *grad_lr, cz_satm_info *info,
                       cz_error *err) CZ_WUR;

#endif
