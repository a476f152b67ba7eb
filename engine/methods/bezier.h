/* Bézier trajectory surrogates (BTM): for each expert, the quadratic curve
 *   theta(t) = (1-t)^2 theta_0 + 2t(1-t) theta_c + t^2 theta_T,   t in [0, 1]
 * between its first (theta_0) and last (theta_T) parameters, with the control
 * point theta_c fitted so that the real-data loss is low along the curve
 * (mode-connectivity curve fitting, Garipov et al. 2018; pnganjimi/BTM).
 * A surrogate set stores 3 parameter vectors per expert instead of epochs + 1.
 *
 * This file: the set itself, points on a curve, the loss profile for display,
 * storage figures, canonical bytes and digest. The fit is bezier_fit.c;
 * targets for distillation are curve_target.h. Nothing here prints. */
#ifndef CZ_BEZIER_H
#define CZ_BEZIER_H

#include <stddef.h>
#include <stdint.h>

#include "../core/bytes.h"
#include "../core/cancel.h"
#include "../core/progress.h"
#include "../core/real.h"
#include "../core/status.h"
#include "../nn/model.h"

/* Options of the control-point fit (defaults: cz_bezier_opts_default). */
typedef struct cz_bezier_opts {
    int epochs;        /* passes over the real training rows (default 50) */
    double lr;         /* SGD rate on theta_c (0.01, BTM's eICU setting) */
    double momentum;   /* SGD momentum (0.9, as BTM) */
    int batch;         /* real rows per minibatch (256); 0 or >= rows = full batch */
    int samples;       /* minibatches, each with its own t, averaged per step (1) */
    double tol;        /* a curve stops early when |grad theta_c| < tol (1e-5, as BTM) */
    uint64_t seed;     /* t draws and minibatch order (0) */
    const cz_real *class_weight; /* per class, or NULL (not stored) */
    cz_progress_fn progress;     /* called after every epoch of every curve, or NULL */
    void *progress_user;
    const cz_cancel *cancel;     /* polled between epochs, or NULL */
} cz_bezier_opts;

cz_bezier_opts cz_bezier_opts_default(void);

/* One Bézier curve per expert. Curves are rows of `points`: expert i owns
 * points[(3 i + k) * params], k = 0 (theta_0), 1 (theta_c), 2 (theta_T). */
typedef struct cz_surrogate {
    cz_model_spec spec;  /* the experts' architecture */
    size_t count;        /* curves (one per expert) */
    size_t params;       /* parameters per model */
    int expert_epochs;   /* epochs of the experts: a full trajectory is epochs + 1 vectors */
    /* The experts' training, kept so a distillation can run from the curves
     * alone (its defaults depend on them): their SGD rate and batch, and the
     * rows of the training split (the rows the curves were fitted on). */
    double expert_lr;    /* 0 when unknown */
    int expert_batch;    /* 0 when unknown */
    size_t train_rows;
    cz_bezier_opts fit;  /* how theta_c was fitted (callbacks and class weights cleared) */
    double fit_loss;     /* mean real-data loss along the curves in the last fit epoch */
    cz_real *points;     /* count x 3 x params, owned */
} cz_surrogate;

/* A set of `count` curves with every point zero; theta_0 and theta_T are for
 * the caller to fill. CZ_EINVAL for count/params of 0 or expert_epochs < 1. */
cz_status cz_surrogate_new(const cz_model_spec *spec, size_t count, size_t params,
                           int expert_epochs, cz_surrogate **out, cz_error *err) CZ_WUR;
/* Frees and nulls *s (NULL-safe). */
void cz_surrogate_free(cz_surrogate **s);

cz_real *cz_surrogate_start(const cz_surrogate *s, size_t expert);   /* theta_0 */
cz_real *cz_surrogate_control(const cz_surrogate *s, size_t expert); /* theta_c */
cz_real *cz_surrogate_end(const cz_surrogate *s, size_t expert);     /* theta_T */

/* out = theta(t) for the curve (a, c, b) of n values. t = 0 and t = 1 copy a
 * and b exactly; other t in [0, 1] combine the three with weights in double. */
void cz_bezier_point(const cz_real *a, const cz_real *c, const cz_real *b, size_t n, double t,
                     cz_real *out);
/* out = theta(t) of curve `expert`. */
void cz_surrogate_point(const cz_surrogate *s, size_t expert, double t, cz_real *out);

/* Bytes the set holds in memory (3 vectors per curve) and the bytes the full
 * trajectories it stands for would take (epochs + 1 vectors per expert). */
size_t cz_surrogate_bytes(const cz_surrogate *s);
size_t cz_surrogate_trajectory_bytes(const cz_surrogate *s);

/* Which curves a profile averages over: one index, or all of them. */
#define CZ_SURROGATE_ALL ((size_t)-1)

/* Loss along the curve against the straight line (1-t) theta_0 + t theta_T,
 * at each of the nt values of t, on (x, y) (rows examples, full batch),
 * for curve `expert` or the mean over all curves (CZ_SURROGATE_ALL).
 * m must be the set's architecture (CZ_ESHAPE otherwise). */
cz_status cz_surrogate_profile(cz_model *m, const cz_surrogate *s, size_t expert,
                               const cz_real *x, const int32_t *y, size_t rows,
                               const double *t, size_t nt, double *curve_loss,
                               double *line_loss, cz_error *err) CZ_WUR;

/* Canonical encoding (core/bytes.h): a version tag, the spec, the sizes, the
 * fit options, then the points as float32. Deserialising checks the sizes
 * against the architecture and refuses short or trailing input. */
cz_status cz_surrogate_serialize(const cz_surrogate *s, cz_bytes *out, cz_error *err) CZ_WUR;
cz_status cz_surrogate_deserialize(cz_reader *r, cz_surrogate **out, cz_error *err) CZ_WUR;
/* SHA-256 of the canonical encoding. */
cz_status cz_surrogate_digest(const cz_surrogate *s, uint8_t out[32], cz_error *err) CZ_WUR;

/* Fits one curve per expert on the real rows (x, y). first[i] and last[i] are
 * expert i's parameters before training and after its expert_epochs epochs
 * (borrowed, param_count values each). theta_c starts at their midpoint; each
 * minibatch draws t ~ U(0, 1) and contributes the gradient
 *   d loss(theta(t)) / d theta_c = 2 t (1 - t) grad_theta loss(theta(t)),
 * averaged over opts->samples minibatches per SGD-with-momentum step. The end
 * points never move. Curve i uses its own random stream (seed, i), so a curve
 * does not depend on the others. CZ_EINTERRUPTED when cancelled (no output);
 * CZ_ENUMERIC when the loss becomes non-finite (lower lr). */
cz_status cz_bezier_fit(cz_model *m, size_t count, const cz_real *const *first,
                        const cz_real *const *last, int expert_epochs, const cz_real *x,
                        const int32_t *y, size_t rows, const cz_bezier_opts *opts,
                        cz_surrogate **out, cz_error *err) CZ_WUR;

/* The fit's gradient for one minibatch: *loss = loss(theta(t); x, y) and
 * grad_c = 2 t (1 - t) grad_theta loss(theta(t)) (param_count values).
 * work holds param_count values. Exposed for the finite-difference check. */
cz_status cz_bezier_control_grad(cz_model *m, const cz_real *a, const cz_real *c,
                                 const cz_real *b, double t, const cz_real *x,
                                 const int32_t *y, size_t rows, const cz_real *class_weight,
                                 cz_real *loss, cz_real *grad_c, cz_real *work,
                                 cz_error *err) CZ_WUR;

#endif
