/* A parameterisation of an MTT run's synthetic X (the deep generative
 * prior's X = G(z), engine/prior/prior_mtt.h): instead of stepping the
 * pixels by SGD, the run hands the hypergradient dL/dX to the
 * parameterisation, which steps its own variables and renders the new X.
 * Everything else (draws, unroll, DSA, SATM, the learnable rate, guards,
 * history) stays the run's. A run without one is plain pixel MTT. */
#ifndef CZ_MTT_PARAM_H
#define CZ_MTT_PARAM_H

#include "../core/real.h"
#include "../core/status.h"
#include "mtt.h"

typedef struct cz_mtt_param {
    /* x (rows x features) = the images of the current variables. */
    cz_status (*render)(void *user, cz_real *x, cz_error *err);
    /* One optimiser step from grad_x = dL/dX. CZ_ENUMERIC (a non-finite
     * gradient or step) must leave the variables unchanged: the run then
     * skips the iteration as it skips a non-finite pixel step. */
    cz_status (*step)(void *user, const cz_real *grad_x, cz_error *err);
    void *user;
} cz_mtt_param;

/* Attaches p (copied; p->user is borrowed and must outlive the run) and
 * renders X from it at once, so that X always equals the images of the
 * current variables. The pixel momentum buffer then stays zero. */
cz_status cz_mtt_set_param(cz_mtt *r, const cz_mtt_param *p, cz_error *err) CZ_WUR;

#endif
