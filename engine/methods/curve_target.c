/* (start, target) pairs on Bézier curves for BTM; see curve_target.h. */
#include "curve_target.h"

cz_status cz_curve_target_init(const cz_surrogate *s, int expert_epochs, int max_start_epoch,
                               cz_curve_target *out, cz_error *err)
{
    int epochs = s->expert_epochs;
    if (expert_epochs < 1 || expert_epochs > epochs)
        return cz_error_set(err, CZ_EINVAL,
                            "pass {expert_epochs = M} with 1 <= M <= the experts' epochs",
                            "expert_epochs %d does not fit curves of experts trained %d epochs",
                            expert_epochs, epochs);
    out->window = (double)expert_epochs / epochs;
    out->max_start = 1.0 - out->window;
    if (max_start_epoch > 0 && (double)max_start_epoch / epochs < out->max_start)
        out->max_start = (double)max_start_epoch / epochs;
    return CZ_OK;
}

void cz_curve_target_sample(const cz_surrogate *s, const cz_curve_target *ct, cz_rng *rng,
                            cz_real *start, cz_real *target, cz_target_draw *draw)
{
    size_t expert = (size_t)cz_rng_below(rng, s->count);
    double at = cz_rng_uniform(rng) * ct->max_start;
    double end = at + ct->window;
    cz_surrogate_point(s, expert, at, start);
    cz_surrogate_point(s, expert, end, target);
    if (draw)
        *draw = (cz_target_draw){.expert = expert, .start = at, .end = end};
}
