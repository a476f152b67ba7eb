/* Trajectory or curve targets for the MTT run; see match_source.h. */
#include "match_source.h"

#include "curve_target.h"

const cz_model_spec *cz_source_spec(const cz_match_source *s)
{
    return s->curves ? &s->curves->spec : &s->experts->spec;
}

int cz_source_count(const cz_match_source *s)
{
    return s->curves ? (int)s->curves->count : s->experts->count;
}

int cz_source_epochs(const cz_match_source *s)
{
    return s->curves ? s->curves->expert_epochs : s->experts->epochs;
}

double cz_source_expert_lr(const cz_match_source *s)
{
    return s->curves ? s->curves->expert_lr : s->experts->lr;
}

int cz_source_expert_batch(const cz_match_source *s)
{
    return s->curves ? s->curves->expert_batch : s->experts->batch;
}

size_t cz_source_train_rows(const cz_match_source *s)
{
    return s->curves ? s->curves->train_rows : s->experts->train_rows;
}

cz_status cz_source_digest(const cz_match_source *s, uint8_t out[32], cz_error *err)
{
    return s->curves ? cz_surrogate_digest(s->curves, out, err)
                     : cz_experts_digest(s->experts, out, err);
}

const char *cz_source_kind(const cz_match_source *s)
{
    return s->curves ? "curves" : "experts";
}

int cz_source_default_max_start(const cz_match_source *s, int expert_epochs)
{
    /* The same range for both: on the curves s_max = min(1 - w, 10 / E).
     * BTM's code uses the whole curve (s_max = 1 - w, max_start = E - M + 1);
     * on the tabular experts that was worse on validation (docs/btm-satm.md). */
    int most = cz_source_max_start_limit(s, expert_epochs);
    return most < 10 ? most : 10;
}

int cz_source_max_start_limit(const cz_match_source *s, int expert_epochs)
{
    /* On a curve the bound becomes the position min(1 - w, max_start / E),
     * so the same limit gives s + w <= 1. */
    return cz_source_epochs(s) - expert_epochs + 1;
}

void cz_source_draw(const cz_match_source *s, int expert_epochs, int max_start, cz_rng *rng,
                    cz_real *start_buf, cz_real *target_buf, const cz_real **start,
                    const cz_real **target)
{
    if (s->curves) {
        int e = s->curves->expert_epochs;
        cz_curve_target ct = {.window = (double)expert_epochs / e,
                              .max_start = (double)max_start / e};
        if (ct.max_start > 1.0 - ct.window)
            ct.max_start = 1.0 - ct.window;
        cz_curve_target_sample(s->curves, &ct, rng, start_buf, target_buf, NULL);
        *start = start_buf;
        *target = target_buf;
        return;
    }
    const cz_experts *e = s->experts;
    int k = (int)cz_rng_below(rng, (uint64_t)e->count);
    int t = (int)cz_rng_below(rng, (uint64_t)max_start);
    *start = cz_experts_at(e, k, t);
    *target = cz_experts_at(e, k, t + expert_epochs);
}
