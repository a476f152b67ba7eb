/* A small trajectory-matching loop for the BTM/SATM tests: targets from the
 * experts' trajectories (MTT) or from Bézier curves (BTM), the outer
 * gradient plain or sharpness-aware (SATM), SGD with momentum 0.5 on X and
 * the rate. It drives the engine pieces these tests check; the product's
 * resumable run is methods/mtt.c. Test code only. */
#ifndef CZ_MATCH_LOOP_H
#define CZ_MATCH_LOOP_H

#include <math.h>

#include "autodiff/unroll.h"
#include "btm_fixture.h"
#include "methods/bezier.h"
#include "methods/curve_target.h"
#include "methods/satm.h"

typedef struct loop_cfg {
    int iters, steps, ipc, expert_epochs, max_start_epoch, truncate;
    double lr_img, lr_lr;
    int sam;            /* 0: plain; 1: SATM exact; 2: SATM approx */
    double rho;
    int approx_steps;
    uint64_t seed;
} loop_cfg;

static inline loop_cfg loop_cfg_default(void)
{
    return (loop_cfg){.iters = 60, .steps = 20, .ipc = 10, .expert_epochs = 2,
                      .max_start_epoch = 10, .truncate = 0, .lr_img = 1.0, .lr_lr = 1e-5,
                      .sam = 0, .rho = CZ_SATM_RHO_DEFAULT, .approx_steps = 1, .seed = 0};
}

typedef struct loop_state {
    size_t rows, in;
    cz_real *x, *gx, *vx;
    int32_t *y;
    double lr, vlr;
    double *losses; /* per iteration */
} loop_state;

static inline void loop_state_free(loop_state *s)
{
    cz_free(s->x);
    cz_free(s->gx);
    cz_free(s->vx);
    cz_free(s->y);
    cz_free(s->losses);
}

/* ipc random training rows per class, the rate the experts' steps imply. */
static inline loop_state loop_init(const btm_fixture *f, const loop_cfg *c, cz_rng *rng)
{
    loop_state s = {0};
    const cz_dataset *d = f->d;
    s.in = d->features;
    s.rows = (size_t)c->ipc * (size_t)d->classes;
    s.x = cz_alloc(s.rows * s.in * sizeof(cz_real));
    s.gx = cz_alloc(s.rows * s.in * sizeof(cz_real));
    s.vx = cz_calloc(s.rows * s.in, sizeof(cz_real));
    s.y = cz_alloc(s.rows * sizeof(int32_t));
    s.losses = cz_calloc((size_t)c->iters, sizeof(double));
    size_t at = 0;
    for (int k = 0; k < d->classes; k++) {
        size_t n = cz_dataset_class_count(d, CZ_TRAIN, k);
        size_t *idx = cz_alloc(n * sizeof(size_t));
        cz_dataset_class_rows(d, CZ_TRAIN, k, idx);
        for (int i = 0; i < c->ipc; i++, at++) {
            size_t r = idx[cz_rng_below(rng, n)];
            memcpy(s.x + at * s.in, d->split[CZ_TRAIN].x + r * s.in, s.in * sizeof(cz_real));
            s.y[at] = k;
        }
        cz_free(idx);
    }
    size_t n = d->split[CZ_TRAIN].rows;
    s.lr = 0.01 * c->expert_epochs * (double)((n + 255) / 256) / c->steps;
    return s;
}

/* One (start, target) pair: on a curve when sg is given, else on a trajectory. */
static inline void loop_target(const btm_fixture *f, const cz_surrogate *sg,
                               const cz_curve_target *ct, const loop_cfg *c, cz_rng *rng,
                               cz_real *start, cz_real *target)
{
    if (sg) {
        cz_curve_target_sample(sg, ct, rng, start, target, NULL);
        return;
    }
    int k = (int)cz_rng_below(rng, (uint64_t)f->count);
    int most = f->epochs - c->expert_epochs + 1;
    int t = (int)cz_rng_below(rng, (uint64_t)(c->max_start_epoch < most ? c->max_start_epoch
                                                                        : most));
    memcpy(start, fx_at(f, k, t), f->params * sizeof(cz_real));
    memcpy(target, fx_at(f, k, t + c->expert_epochs), f->params * sizeof(cz_real));
}

static inline void loop_run(const btm_fixture *f, const cz_surrogate *sg, const loop_cfg *c,
                            loop_state *s)
{
    cz_error err;
    cz_rng rng;
    cz_rng_seed(&rng, c->seed);
    *s = loop_init(f, c, &rng);
    cz_unroll_opts uo = {.steps = c->steps, .batch = 0, .truncate = c->truncate};
    cz_unroll *u = NULL;
    cr_assert_eq(cz_unroll_new(f->m, s->rows, &uo, &u, &err), CZ_OK, "%s", err.msg);
    cz_satm *sa = NULL;
    if (c->sam) {
        cz_satm_opts so = {.mode = c->sam == 1 ? CZ_SAM_EXACT : CZ_SAM_APPROX, .rho = c->rho,
                           .approx_steps = c->approx_steps};
        cr_assert_eq(cz_satm_new(f->m, s->rows, &uo, &so, &sa, &err), CZ_OK, "%s", err.msg);
    }
    cz_curve_target ct;
    if (sg)
        cr_assert_eq(cz_curve_target_init(sg, c->expert_epochs, 0, &ct, &err), CZ_OK);
    cz_real *start = cz_alloc(f->params * sizeof(cz_real));
    cz_real *target = cz_alloc(f->params * sizeof(cz_real));
    for (int it = 0; it < c->iters; it++) {
        loop_target(f, sg, &ct, c, &rng, start, target);
        cz_real loss, glr;
        cz_status st = sa ? cz_satm_grad(sa, u, start, target, s->x, s->y, (cz_real)s->lr, &rng,
                                         &loss, s->gx, &glr, NULL, &err)
                          : cz_unroll_match_grad(u, start, target, s->x, s->y, (cz_real)s->lr,
                                                 &rng, &loss, s->gx, &glr, &err);
        cr_assert_eq(st, CZ_OK, "iteration %d: %s", it, err.msg);
        s->losses[it] = loss;
        for (size_t i = 0; i < s->rows * s->in; i++) {
            s->vx[i] = (cz_real)(0.5 * s->vx[i] + s->gx[i]);
            s->x[i] -= (cz_real)(c->lr_img * s->vx[i]);
        }
        s->vlr = 0.5 * s->vlr + glr;
        double lr = s->lr - c->lr_lr * s->vlr;
        s->lr = lr > 0 ? lr : s->lr * 0.5;
    }
    cz_free(start);
    cz_free(target);
    cz_satm_free(&sa);
    cz_unroll_free(u);
}

/* Mean matching loss of (x, lr) over `n` fixed draws (the same for every call). */
static inline double loop_eval(const btm_fixture *f, const cz_surrogate *sg, const loop_cfg *c,
                               const cz_real *x, const int32_t *y, size_t rows, double lr, int n)
{
    cz_error err;
    cz_unroll_opts uo = {.steps = c->steps};
    cz_unroll *u = NULL;
    cr_assert_eq(cz_unroll_new(f->m, rows, &uo, &u, &err), CZ_OK);
    cz_curve_target ct;
    if (sg)
        cr_assert_eq(cz_curve_target_init(sg, c->expert_epochs, 0, &ct, &err), CZ_OK);
    cz_real *start = cz_alloc(f->params * sizeof(cz_real));
    cz_real *target = cz_alloc(f->params * sizeof(cz_real));
    cz_real *gx = cz_alloc(rows * f->d->features * sizeof(cz_real));
    cz_rng rng;
    cz_rng_seed(&rng, 777);
    double sum = 0;
    for (int i = 0; i < n; i++) {
        loop_target(f, sg, &ct, c, &rng, start, target);
        cz_real loss, glr;
        cr_assert_eq(cz_unroll_match_grad(u, start, target, x, y, (cz_real)lr, &rng, &loss, gx,
                                          &glr, &err), CZ_OK, "%s", err.msg);
        sum += loss;
    }
    cz_free(start);
    cz_free(target);
    cz_free(gx);
    cz_unroll_free(u);
    return sum / n;
}

#endif
