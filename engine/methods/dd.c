/* DD baseline (dd.h): unrolled steps from random inits, exact hypergradient. */
#include "dd.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../autodiff/unroll.h"
#include "../core/alloc.h"
#include "common.h"
#include "outer_opt.h"

cz_dd_config cz_dd_config_default(void)
{
    return (cz_dd_config){.ipc = 10, .iterations = 200, .steps = 10, .batch_real = 256,
                          .lr_img = 0.01, .lr_lr = 0.01, .lr_init = 0.02, .seed = 0};
}

typedef struct dd_run {
    const cz_dataset *d;
    const cz_dd_config *cfg;
    cz_model *m;
    cz_unroll *u;
    size_t P, nx, nreal;
    cz_real *theta0, *theta_n, *lam, *grad_x, *adam_m, *adam_v, *xreal;
    int32_t *yreal;
    int64_t *perm;
    cz_real loga, loga_m, loga_v;
    double *history;
} dd_run;

static void dd_free(dd_run *r)
{
    cz_unroll_free(r->u);
    cz_model_free(r->m);
    cz_free(r->theta0);
    cz_free(r->theta_n);
    cz_free(r->lam);
    cz_free(r->grad_x);
    cz_free(r->adam_m);
    cz_free(r->adam_v);
    cz_free(r->xreal);
    cz_free(r->yreal);
    cz_free(r->perm);
    cz_free(r->history);
}

static cz_status check_config(const cz_dd_config *c, cz_error *err)
{
    if (c->steps < 1 || c->iterations < 0 || c->batch_real < 1 || !(c->lr_img > 0) ||
        !(c->lr_lr >= 0) || !(c->lr_init > 0) || !isfinite(c->lr_img) || !isfinite(c->lr_init) ||
        !isfinite(c->lr_lr))
        return cz_error_set(err, CZ_EINVAL,
                            "steps >= 1, iterations >= 0, batch_real >= 1, positive rates",
                            "dd: steps %d, iterations %lld, batch_real %d, lr_img %g, lr_lr %g, "
                            "lr_init %g",
                            c->steps, (long long)c->iterations, c->batch_real, c->lr_img,
                            c->lr_lr, c->lr_init);
    return CZ_OK;
}

static cz_status dd_alloc(dd_run *r, const cz_model_spec *spec, cz_backend *be, size_t rows,
                          cz_error *err)
{
    cz_status st = cz_model_new(spec, be, &r->m, err);
    if (st != CZ_OK)
        return st;
    cz_unroll_opts o = {.steps = r->cfg->steps, .batch = 0};
    st = cz_unroll_new(r->m, rows, &o, &r->u, err);
    if (st != CZ_OK)
        return st;
    size_t f = r->d->features, ntrain = r->d->split[CZ_TRAIN].rows;
    r->P = cz_model_param_count(r->m);
    r->nx = rows * f;
    r->nreal = (size_t)r->cfg->batch_real < ntrain ? (size_t)r->cfg->batch_real : ntrain;
    r->theta0 = cz_alloc(r->P * sizeof(cz_real));
    r->theta_n = cz_alloc(r->P * sizeof(cz_real));
    r->lam = cz_alloc(r->P * sizeof(cz_real));
    r->grad_x = cz_alloc(r->nx * sizeof(cz_real));
    r->adam_m = cz_calloc(r->nx, sizeof(cz_real));
    r->adam_v = cz_calloc(r->nx, sizeof(cz_real));
    r->xreal = cz_alloc(r->nreal * f * sizeof(cz_real));
    r->yreal = cz_alloc(r->nreal * sizeof(int32_t));
    r->perm = cz_alloc(ntrain * sizeof(int64_t));
    r->history = cz_alloc(((size_t)r->cfg->iterations + 1) * sizeof(double));
    if (!r->theta0 || !r->theta_n || !r->lam || !r->grad_x || !r->adam_m || !r->adam_v ||
        !r->xreal || !r->yreal || !r->perm || !r->history)
        return cz_error_set(err, CZ_ENOMEM, NULL, "dd: no memory for its buffers");
    return CZ_OK;
}

/* A real minibatch of nreal training rows (without replacement). */
static void draw_real(dd_run *r, cz_rng *rng)
{
    const cz_split_data *tr = &r->d->split[CZ_TRAIN];
    size_t f = r->d->features;
    cz_rng_permutation(rng, r->perm, (int64_t)tr->rows);
    for (size_t i = 0; i < r->nreal; i++) {
        size_t row = (size_t)r->perm[i];
        memcpy(r->xreal + i * f, tr->x + row * f, f * sizeof(cz_real));
        r->yreal[i] = tr->y[row];
    }
}

/* One outer iteration; *loss gets the real loss after the unroll. */
static cz_status dd_iterate(dd_run *r, cz_synthetic *s, cz_rng *rng, int64_t t, double *loss,
                            cz_error *err)
{
    cz_model_init(r->m, rng, r->theta0);
    cz_real a = (cz_real)exp(r->loga), lreal = 0, grad_a = 0;
    cz_status st = cz_unroll_forward(r->u, r->theta0, s->x, s->y, a, rng, r->theta_n, err);
    if (st != CZ_OK)
        return st;
    draw_real(r, rng);
    st = cz_model_loss_grad(r->m, r->theta_n, r->xreal, r->yreal, r->nreal, NULL, &lreal, r->lam,
                            NULL, err);
    if (st == CZ_OK)
        st = cz_unroll_backward(r->u, r->lam, r->grad_x, &grad_a, err);
    if (st != CZ_OK)
        return st;
    *loss = lreal;
    if (!isfinite(lreal) || !isfinite(grad_a) || !cz_all_finite(r->grad_x, r->nx)) {
        *loss = NAN; /* skipped: X and a stay as they were */
        return CZ_OK;
    }
    cz_adam_step(s->x, r->adam_m, r->adam_v, r->grad_x, r->nx, r->cfg->lr_img, 0.5, 0.999, t);
    cz_real g_loga = grad_a * a; /* chain rule through a = exp(log a) */
    cz_adam_step(&r->loga, &r->loga_m, &r->loga_v, &g_loga, 1, r->cfg->lr_lr, 0.5, 0.999, t);
    return CZ_OK;
}

cz_status cz_dd_run(const cz_dataset *d, const cz_dd_config *cfg, const cz_model_spec *spec,
                    cz_backend *be, const cz_cancel *cancel, cz_progress_fn progress,
                    void *progress_user, cz_synthetic **out, cz_error *err)
{
    *out = NULL;
    cz_model_spec sp = spec ? *spec : cz_default_spec(d);
    cz_status st = check_config(cfg, err);
    if (st == CZ_OK)
        st = cz_spec_check_dataset(&sp, d, err);
    if (st == CZ_OK)
        st = cz_check_ipc(d, cfg->ipc, err);
    if (st != CZ_OK)
        return st;
    cz_synthetic *s = NULL;
    st = cz_synthetic_new("dd", cfg->ipc, d->classes, d->channels, d->height, d->width, &s, err);
    if (st != CZ_OK)
        return st;
    dd_run r = {.d = d, .cfg = cfg, .loga = (cz_real)log(cfg->lr_init)};
    st = dd_alloc(&r, &sp, be, s->rows, err);
    cz_rng rng;
    cz_rng_seed(&rng, cfg->seed);
    if (st == CZ_OK)
        st = cz_pick_real_rows(d, cfg->ipc, &rng, s->x, s->y, err);
    int64_t it = 0;
    for (; st == CZ_OK && it < cfg->iterations; it++) {
        st = dd_iterate(&r, s, &rng, it + 1, &r.history[it], err);
        if (st != CZ_OK)
            break;
        cz_progress p = {.phase = "distill", .step = it + 1, .total = cfg->iterations,
                         .loss = r.history[it], .lr = exp(r.loga), .metric = NAN};
        if ((progress && progress(&p, progress_user)) || cz_cancel_requested(cancel))
            st = cz_error_set(err, CZ_EINTERRUPTED, "run DD again",
                              "dd interrupted after iteration %lld", (long long)it + 1);
    }
    if (st == CZ_OK) {
        snprintf(s->backend, sizeof s->backend, "%s", cz_backend_name(be));
        s->iterations = cfg->iterations;
        s->lr = exp(r.loga);
        st = cz_synthetic_set_history(s, r.history, cfg->iterations, err);
    }
    dd_free(&r);
    if (st != CZ_OK)
        cz_synthetic_free(&s);
    *out = s;
    return st;
}
