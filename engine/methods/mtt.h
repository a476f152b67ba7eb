/* MTT, trajectory matching (Cazenavette et al. 2022; DESIGN.md), as a
 * resumable run: a run object holds the configuration and the whole state
 * (synthetic X and y, X's momentum buffer, the learnable rate and its
 * momentum, the RNG, the iteration counter, the loss history). Stepping it
 * can be interrupted and always leaves it at the last whole iteration;
 * serialising and deserialising it continues bit for bit like a run that was
 * never interrupted (same backend and thread count).
 *
 * Each iteration: pick an expert and a start epoch t in [0, max_start_epoch),
 * unroll syn_steps SGD steps of the student from theta*_t on the synthetic
 * set with the learnable rate, and step X and the rate by SGD with momentum
 * on L = |theta_N - theta*_{t+M}|^2 / |theta*_t - theta*_{t+M}|^2.
 * An iteration whose loss, gradients or candidate update are not finite is
 * skipped (counted, its loss recorded as NaN) instead of corrupting X; the
 * rate is kept positive (a step that would make it <= 0 halves it instead).
 * With DSA (images), each unrolled step's minibatch is augmented with a
 * transform whose seed the run's RNG draws, so the run stays deterministic
 * and resumable. */
#ifndef CZ_MTT_H
#define CZ_MTT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../backend/backend.h"
#include "../core/bytes.h"
#include "../core/cancel.h"
#include "../core/progress.h"
#include "../core/status.h"
#include "../data/dataset.h"
#include "experts.h"
#include "match_source.h"
#include "synthetic.h"

typedef struct cz_mtt_config {
    int ipc;               /* rows per class (10) */
    int64_t iterations;    /* planned outer iterations (see docs/methods.md for defaults) */
    int syn_steps;         /* N: unrolled student steps */
    int expert_epochs;     /* M: the target is M epochs after the start */
    int max_start_epoch;   /* T+: starts in [0, T+); 0 = auto: min(10, epochs - M + 1) */
    int batch_syn;         /* rows per student step; 0 = all */
    double lr_img;         /* X's SGD rate */
    double lr_lr;          /* the learnable rate's SGD rate */
    double lr_init;        /* initial rate; <= 0 = auto: lr_teacher * M * ceil(n_train /
                              batch_teacher) / syn_steps (the experts' lr-steps over M epochs,
                              spread over N student steps) */
    double momentum;       /* of both outer optimisers (0.5) */
    int truncate;          /* K: backpropagate through the last K steps only; 0 = all N */
    bool class_weights;    /* weight the student loss by the real class prevalence */
    int sam;               /* SATM outer step (satm.h): 0 off, 1 exact, 2 approximate */
    double rho;            /* SATM: the perturbation's norm (CZ_SATM_RHO_DEFAULT) */
    int sam_steps;         /* SATM approximate: last steps re-evaluated at X + eps (1) */
    int sam_lr_at_x;       /* SATM: 1 steps the rate with dL/dlr at X (0: at X + eps) */
    cz_dsa_use dsa;        /* DSA in the unrolled student steps (METHODS.md: the standard
                              strategy and parameters); AUTO (default) = on for images on
                              the cpu backend, off for tabular data */
    uint64_t seed;         /* initial rows, expert/start draws, minibatch orders */
} cz_mtt_config;

typedef struct cz_mtt cz_mtt;

/* What a run reports (a snapshot; strings are copies). */
typedef struct cz_mtt_info {
    int64_t iteration;     /* whole iterations done */
    int64_t planned;       /* config iterations */
    int64_t skipped;       /* iterations skipped by the non-finite guard */
    int64_t lr_halved;     /* steps where the rate would have become <= 0 */
    double loss;           /* last finite matching loss (NaN before the first) */
    double lr;             /* current learnable rate */
    char last_skip[CZ_ERROR_TEXT]; /* why the last skip happened ("" when none) */
} cz_mtt_info;

/* The auto initial rate: lr_teacher * M * ceil(n_train / batch_teacher) / N
 * (batch_teacher 0 = full batch). */
double cz_mtt_auto_lr_init(const cz_dataset *d, double lr_teacher, int batch_teacher,
                           int expert_epochs, int syn_steps);

/* Tabular defaults (docs/methods.md says how they were chosen). */
cz_mtt_config cz_mtt_config_default(void);

/* A new run on dataset d with experts e (both borrowed: they must outlive the
 * run). X starts as ipc random real training rows per class. Errors: ipc
 * larger than a class, experts of another shape or too few epochs for
 * max_start_epoch + expert_epochs, nonsense rates. */
cz_status cz_mtt_new(const cz_dataset *d, const cz_experts *e, const cz_mtt_config *cfg,
                     cz_backend *be, cz_mtt **out, cz_error *err) CZ_WUR;
/* The same with the targets from any source (match_source.h): an expert set
 * (MTT), or Bezier curves (BTM: no trajectories needed). */
cz_status cz_mtt_new_from(const cz_dataset *d, const cz_match_source *src,
                          const cz_mtt_config *cfg, cz_backend *be, cz_mtt **out,
                          cz_error *err) CZ_WUR;
void cz_mtt_free(cz_mtt **r);

/* Runs up to n more iterations (n < 0: to the planned total; the planned
 * total is not a hard stop for n >= 0). Cancel (polled between iterations and
 * between unrolled steps) or a progress callback returning nonzero returns
 * CZ_EINTERRUPTED with the state at the last whole iteration; progress
 * (phase "distill", may be NULL) is called after every iteration, with
 * metric = |dL/dX| of that iteration (metric_name "|dL/dX|"; see cz_mtt_grad). */
cz_status cz_mtt_step(cz_mtt *r, int64_t n, const cz_cancel *cancel, cz_progress_fn progress,
                      void *progress_user, cz_error *err) CZ_WUR;

/* One iteration's outer gradient, as the run used it: the hypergradient
 * dL/dX through the unrolled loop (through its last K steps when truncate =
 * K; for SATM the one at X + eps, which is what steps X). For observers: the
 * gradient noise of a method (bench/bench_btm.c) or a live norm. */
typedef struct cz_mtt_grad {
    int64_t iteration;     /* the iteration just done (1-based) */
    const cz_real *grad_x; /* dL/dX, rows x features, borrowed for the call; NULL when none
                              was computed (the unroll refused: a skipped iteration) */
    size_t rows, features;
    double norm;           /* |dL/dX|, the 2-norm over all of X in double; NaN when grad_x is
                              NULL or not finite */
    double grad_lr;        /* dL/dlr (NaN when none) */
    double loss;           /* the matching loss as recorded in the history (NaN if skipped) */
    int applied;           /* 1: the outer step was taken; 0: the iteration was skipped */
} cz_mtt_grad;

/* Called after every whole iteration (after its state is committed, before
 * progress). Observe only: the run's results do not depend on whether a hook
 * is set. */
typedef void (*cz_mtt_grad_fn)(const cz_mtt_grad *g, void *user);

/* Sets (fn NULL: clears) the run's gradient hook; user is borrowed. The hook
 * is not part of the run's state: it is not serialised, and a deserialised
 * run has none. */
void cz_mtt_set_grad_hook(cz_mtt *r, cz_mtt_grad_fn fn, void *user);

void cz_mtt_info_get(const cz_mtt *r, cz_mtt_info *out);
const cz_mtt_config *cz_mtt_config_of(const cz_mtt *r); /* resolved (no autos left) */
/* Borrowed views of the state (rows x features, rows, the rate). */
const cz_real *cz_mtt_x(const cz_mtt *r);
const int32_t *cz_mtt_y(const cz_mtt *r);
double cz_mtt_lr(const cz_mtt *r);
const double *cz_mtt_history(const cz_mtt *r, int64_t *len);

/* The synthetic set as it stands (method "mtt", lr = the learned rate). */
cz_status cz_mtt_synthetic(const cz_mtt *r, cz_synthetic **out, cz_error *err) CZ_WUR;

/* The full state. Deserialising needs the same dataset and experts (checked
 * by digest: a different one is CZ_EINVAL naming which). */
cz_status cz_mtt_serialize(const cz_mtt *r, cz_bytes *out, cz_error *err) CZ_WUR;
cz_status cz_mtt_deserialize(cz_reader *rd, const cz_dataset *d, const cz_experts *e,
                             cz_backend *be, cz_mtt **out, cz_error *err) CZ_WUR;
/* The same for a run made with cz_mtt_new_from (the source is checked by digest). */
cz_status cz_mtt_deserialize_from(cz_reader *rd, const cz_dataset *d, const cz_match_source *src,
                                  cz_backend *be, cz_mtt **out, cz_error *err) CZ_WUR;
/* "mtt", "btm" (targets on curves) or "satm" (sharpness-aware outer step). */
const char *cz_mtt_method(const cz_mtt *r);
cz_status cz_mtt_digest(const cz_mtt *r, uint8_t out[32], cz_error *err) CZ_WUR;

#endif
