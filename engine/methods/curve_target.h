/* Matching targets on Bézier curves (BTM): the distillation's (start, target)
 * pair is (theta(s), theta(s + w)) on a random expert's curve instead of
 * (theta*_t, theta*_{t+M}) on its stored trajectory. Following the BTM
 * authors' code, s and w are positions in the curve parameter t (not arc
 * length, not epochs): w = expert_epochs / E for experts of E epochs, and s is
 * uniform on [0, s_max] with s_max = 1 - w, or (max_start_epoch) / E when that
 * is smaller, so BTM and MTT can be asked the same question. */
#ifndef CZ_CURVE_TARGET_H
#define CZ_CURVE_TARGET_H

#include <stddef.h>

#include "../core/real.h"
#include "../core/rng.h"
#include "../core/status.h"
#include "bezier.h"

typedef struct cz_curve_target {
    double window;    /* w, in the curve parameter */
    double max_start; /* s_max, in the curve parameter */
} cz_curve_target;

/* Where one draw landed (for progress and tests). */
typedef struct cz_target_draw {
    size_t expert;
    double start, end; /* curve parameters s and s + w */
} cz_target_draw;

/* w = expert_epochs / E and s_max = min(1 - w, max_start_epoch / E), where
 * max_start_epoch <= 0 means no bound beyond 1 - w (BTM's default).
 * CZ_EINVAL when expert_epochs is not in [1, E]. */
cz_status cz_curve_target_init(const cz_surrogate *s, int expert_epochs, int max_start_epoch,
                               cz_curve_target *out, cz_error *err) CZ_WUR;

/* Draws an expert uniformly, then s ~ U[0, s_max] (two draws from rng, in
 * that order), and writes start = theta(s), target = theta(s + w)
 * (params values each). draw may be NULL. */
void cz_curve_target_sample(const cz_surrogate *s, const cz_curve_target *ct, cz_rng *rng,
                            cz_real *start, cz_real *target, cz_target_draw *draw);

#endif
