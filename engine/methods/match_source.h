/* Where trajectory matching takes its (start, target) pairs from: an expert
 * set's stored trajectories (MTT) or Bézier curves fitted to them (BTM). The
 * MTT run holds one source and asks it for the architecture, the experts'
 * training figures its defaults depend on, a digest to pair a saved run with
 * what it ran on, and one pair per iteration. */
#ifndef CZ_MATCH_SOURCE_H
#define CZ_MATCH_SOURCE_H

#include <stddef.h>
#include <stdint.h>

#include "../core/real.h"
#include "../core/rng.h"
#include "../core/status.h"
#include "../nn/model.h"
#include "bezier.h"
#include "experts.h"

/* Exactly one of the two is set (both borrowed). */
typedef struct cz_match_source {
    const cz_experts *experts;  /* MTT: theta*_t and theta*_{t+M} of a stored trajectory */
    const cz_surrogate *curves; /* BTM: theta(s) and theta(s + w) on a Bézier curve */
} cz_match_source;

const cz_model_spec *cz_source_spec(const cz_match_source *s);
int cz_source_count(const cz_match_source *s);        /* experts (curves) */
int cz_source_epochs(const cz_match_source *s);       /* the experts' epochs E */
double cz_source_expert_lr(const cz_match_source *s); /* their SGD rate (0 when unknown) */
int cz_source_expert_batch(const cz_match_source *s); /* their batch (0 when unknown) */
size_t cz_source_train_rows(const cz_match_source *s);
/* The experts' or the curves' digest. */
cz_status cz_source_digest(const cz_match_source *s, uint8_t out[32], cz_error *err) CZ_WUR;
/* "experts" or "curves", for messages. */
const char *cz_source_kind(const cz_match_source *s);

/* The default bound on start positions, in epochs: MTT's min(10, E - M + 1),
 * for curves too (s_max = min(1 - w, 10 / E)); E - M + 1 gives BTM's code's
 * whole curve, s uniform on [0, 1 - w]. */
int cz_source_default_max_start(const cz_match_source *s, int expert_epochs);
/* The largest valid bound: E - M + 1 (start epochs 0..E-M; on a curve, 1 - w). */
int cz_source_max_start_limit(const cz_match_source *s, int expert_epochs);

/* One pair. Trajectories: expert k ~ U{0..count-1}, start epoch
 * t ~ U{0..max_start-1} (two draws, in that order), *start and *target point
 * into the experts. Curves: expert ~ U{0..count-1}, s ~ U[0, s_max] with
 * s_max = min(1 - w, max_start / E) and w = expert_epochs / E, the points
 * written to start_buf and target_buf (params values each) and pointed to. */
void cz_source_draw(const cz_match_source *s, int expert_epochs, int max_start, cz_rng *rng,
                    cz_real *start_buf, cz_real *target_buf, const cz_real **start,
                    const cz_real **target);

#endif
