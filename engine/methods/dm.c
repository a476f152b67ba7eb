/* DM baseline (dm.h): per-class mean embeddings under random networks. */
#include "dm.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../core/alloc.h"
#include "common.h"
#include "outer_opt.h"

cz_dm_config cz_dm_config_default(void)
{
    return (cz_dm_config){.ipc = 10, .iterations = 500, .batch_real = 256, .lr_img = 1.0,
                          .momentum = 0.5, .lr_eval = 0.01, .seed = 0};
}

typedef struct dm_run {
    const cz_dataset *d;
    const cz_dm_config *cfg;
    cz_model *m;
    size_t P, E, f, nreal;
    cz_real *theta, *xreal, *freal, *fsyn, *gfeat, *grad_x, *buf;
    size_t *idx;
    int64_t *perm;
    double *history;
} dm_run;

static void dm_free(dm_run *r)
{
    cz_model_free(r->m);
    cz_free(r->theta);
    cz_free(r->xreal);
    cz_free(r->freal);
    cz_free(r->fsyn);
    cz_free(r->gfeat);
    cz_free(r->grad_x);
    cz_free(r->buf);
    cz_free(r->idx);
    cz_free(r->perm);
    cz_free(r->history);
}

static cz_status dm_alloc(dm_run *r, const cz_model_spec *spec, cz_backend *be, size_t rows,
                          cz_error *err)
{
    cz_status st = cz_model_new(spec, be, &r->m, err);
    if (st != CZ_OK)
        return st;
    size_t ntrain = r->d->split[CZ_TRAIN].rows;
    r->P = cz_model_param_count(r->m);
    r->E = cz_model_embed_size(r->m);
    r->f = r->d->features;
    r->nreal = (size_t)r->cfg->batch_real;
    size_t ipc = (size_t)r->cfg->ipc;
    r->theta = cz_alloc(r->P * sizeof(cz_real));
    r->xreal = cz_alloc(r->nreal * r->f * sizeof(cz_real));
    r->freal = cz_alloc(r->nreal * r->E * sizeof(cz_real));
    r->fsyn = cz_alloc(ipc * r->E * sizeof(cz_real));
    r->gfeat = cz_alloc(ipc * r->E * sizeof(cz_real));
    r->grad_x = cz_alloc(rows * r->f * sizeof(cz_real));
    r->buf = cz_calloc(rows * r->f, sizeof(cz_real));
    r->idx = cz_alloc(ntrain * sizeof(size_t));
    r->perm = cz_alloc(ntrain * sizeof(int64_t));
    r->history = cz_alloc(((size_t)r->cfg->iterations + 1) * sizeof(double));
    if (!r->theta || !r->xreal || !r->freal || !r->fsyn || !r->gfeat || !r->grad_x || !r->buf ||
        !r->idx || !r->perm || !r->history)
        return cz_error_set(err, CZ_ENOMEM, "lower batch_real or ipc",
                            "dm: no memory for its buffers");
    return CZ_OK;
}

/* Mean of n rows of E features into mean (double). */
static void mean_rows(const cz_real *feat, size_t n, size_t E, double *mean)
{
    for (size_t j = 0; j < E; j++)
        mean[j] = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < E; j++)
            mean[j] += feat[i * E + j];
    for (size_t j = 0; j < E; j++)
        mean[j] /= (double)n;
}

/* Class c's loss |mean e(real_c) - mean e(X_c)|^2 and its gradient in X_c. */
static cz_status dm_class(dm_run *r, cz_synthetic *s, int c, cz_rng *rng, double *mreal,
                          double *msyn, double *loss, cz_error *err)
{
    const cz_split_data *tr = &r->d->split[CZ_TRAIN];
    size_t n = cz_dataset_class_rows(r->d, CZ_TRAIN, c, r->idx);
    size_t take = n < r->nreal ? n : r->nreal, ipc = (size_t)s->ipc, E = r->E;
    cz_rng_permutation(rng, r->perm, (int64_t)n);
    for (size_t i = 0; i < take; i++)
        memcpy(r->xreal + i * r->f, tr->x + r->idx[r->perm[i]] * r->f, r->f * sizeof(cz_real));
    const cz_real *xc = s->x + (size_t)c * ipc * r->f;
    cz_status st = cz_model_embed(r->m, r->theta, r->xreal, take, r->freal, err);
    if (st == CZ_OK)
        st = cz_model_embed(r->m, r->theta, xc, ipc, r->fsyn, err);
    if (st != CZ_OK)
        return st;
    mean_rows(r->freal, take, E, mreal);
    mean_rows(r->fsyn, ipc, E, msyn);
    double l = 0;
    for (size_t j = 0; j < E; j++) {
        double diff = msyn[j] - mreal[j];
        l += diff * diff;
        for (size_t i = 0; i < ipc; i++)
            r->gfeat[i * E + j] = (cz_real)(2.0 * diff / (double)ipc);
    }
    *loss += l;
    return cz_model_embed_vjp(r->m, r->theta, xc, ipc, r->gfeat,
                              r->grad_x + (size_t)c * ipc * r->f, err);
}

static cz_status dm_iterate(dm_run *r, cz_synthetic *s, cz_rng *rng, double *mreal, double *msyn,
                            double *loss, cz_error *err)
{
    cz_model_init(r->m, rng, r->theta);
    double l = 0;
    cz_status st = CZ_OK;
    for (int c = 0; st == CZ_OK && c < s->classes; c++)
        st = dm_class(r, s, c, rng, mreal, msyn, &l, err);
    if (st != CZ_OK)
        return st;
    size_t nx = s->rows * s->features;
    *loss = l;
    if (!isfinite(l) || !cz_all_finite(r->grad_x, nx)) {
        *loss = NAN; /* skipped */
        return CZ_OK;
    }
    cz_sgdm_candidate(s->x, r->buf, r->grad_x, nx, r->cfg->lr_img, r->cfg->momentum, s->x, r->buf);
    return CZ_OK;
}

static cz_status check_config(const cz_dm_config *c, cz_error *err)
{
    if (c->iterations < 0 || c->batch_real < 1 || !(c->lr_img > 0) || !isfinite(c->lr_img) ||
        !(c->momentum >= 0 && c->momentum < 1) || !(c->lr_eval > 0))
        return cz_error_set(err, CZ_EINVAL,
                            "iterations >= 0, batch_real >= 1, lr_img > 0, momentum in [0, 1), "
                            "lr_eval > 0",
                            "dm: iterations %lld, batch_real %d, lr_img %g, momentum %g, lr_eval %g",
                            (long long)c->iterations, c->batch_real, c->lr_img, c->momentum,
                            c->lr_eval);
    return CZ_OK;
}

cz_status cz_dm_run(const cz_dataset *d, const cz_dm_config *cfg, const cz_model_spec *spec,
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
    st = cz_synthetic_new("dm", cfg->ipc, d->classes, d->channels, d->height, d->width, &s, err);
    if (st != CZ_OK)
        return st;
    dm_run r = {.d = d, .cfg = cfg};
    st = dm_alloc(&r, &sp, be, s->rows, err);
    double *means = st == CZ_OK ? cz_alloc(2 * r.E * sizeof *means) : NULL;
    if (st == CZ_OK && !means)
        st = cz_error_set(err, CZ_ENOMEM, NULL, "dm: no memory for %zu features", r.E);
    cz_rng rng;
    cz_rng_seed(&rng, cfg->seed);
    if (st == CZ_OK)
        st = cz_pick_real_rows(d, cfg->ipc, &rng, s->x, s->y, err);
    for (int64_t it = 0; st == CZ_OK && it < cfg->iterations; it++) {
        st = dm_iterate(&r, s, &rng, means, means + r.E, &r.history[it], err);
        cz_progress p = {.phase = "distill", .step = it + 1, .total = cfg->iterations,
                         .loss = r.history[it], .lr = 0, .metric = NAN};
        if (st == CZ_OK &&
            ((progress && progress(&p, progress_user)) || cz_cancel_requested(cancel)))
            st = cz_error_set(err, CZ_EINTERRUPTED, "run DM again",
                              "dm interrupted after iteration %lld", (long long)it + 1);
    }
    if (st == CZ_OK) {
        snprintf(s->backend, sizeof s->backend, "%s", cz_backend_name(be));
        s->iterations = cfg->iterations;
        s->lr = cfg->lr_eval;
        st = cz_synthetic_set_history(s, r.history, cfg->iterations, err);
    }
    cz_free(means);
    dm_free(&r);
    if (st != CZ_OK)
        cz_synthetic_free(&s);
    *out = s;
    return st;
}
