/* Shared set-up of the Bézier/BTM/SATM tests: a real tabular dataset (with
 * its cz-split-v1 split file), an MLP, and a few expert trajectories trained
 * here with cz_train_epoch (plain SGD, the expert protocol), keeping every
 * epoch's parameters. Test code only. */
#ifndef CZ_BTM_FIXTURE_H
#define CZ_BTM_FIXTURE_H

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/rng.h"
#include "data/dataset.h"
#include "nn/model.h"
#include "test_paths.h"
#include "train/train.h"

typedef struct btm_fixture {
    cz_dataset *d;
    cz_model *m;
    size_t params;
    int count, epochs;
    cz_real *traj; /* count x (epochs + 1) x params */
} btm_fixture;

static inline cz_real *fx_at(const btm_fixture *f, int k, int epoch)
{
    return f->traj + ((size_t)k * (size_t)(f->epochs + 1) + (size_t)epoch) * f->params;
}

static inline cz_dataset *fx_load(const char *name)
{
    char path[512], split[512], rel[128];
    snprintf(rel, sizeof rel, "data/%s.csv", name);
    CZ_SHARED_PATH(path, rel);
    snprintf(rel, sizeof rel, "data/splits/%s.split", name);
    CZ_SHARED_PATH(split, rel);
    cz_csv_opts o = cz_csv_opts_default();
    o.split_file = split;
    cz_dataset *d = NULL;
    cz_error err;
    cz_status st = cz_dataset_load_csv(path, &o, &d, &err);
    cr_assert_eq(st, CZ_OK, "loading %s: %s", path, err.msg);
    return d;
}

static inline cz_model *fx_mlp(const cz_dataset *d, int hidden, int depth)
{
    cz_model_spec spec = {.arch = CZ_ARCH_MLP, .channels = 1, .height = 1,
                          .width = (int)d->features, .classes = d->classes,
                          .hidden = hidden, .depth = depth, .instance_norm = 0};
    cz_model *m = NULL;
    cz_error err;
    cr_assert_eq(cz_model_new(&spec, cz_backend_cpu(), &m, &err), CZ_OK, "%s", err.msg);
    return m;
}

/* count experts of `epochs` epochs of SGD (lr 0.01, no momentum, batch 256). */
static inline void fx_experts(btm_fixture *f, int count, int epochs, uint64_t seed)
{
    const cz_split_data *tr = &f->d->split[CZ_TRAIN];
    f->params = cz_model_param_count(f->m);
    f->count = count;
    f->epochs = epochs;
    f->traj = cz_alloc((size_t)count * (size_t)(epochs + 1) * f->params * sizeof(cz_real));
    cr_assert_not_null(f->traj);
    cz_real *vel = cz_alloc(f->params * sizeof(cz_real));
    cz_sgd sgd = {.lr = 0.01, .momentum = 0, .weight_decay = 0, .batch = 256};
    for (int k = 0; k < count; k++) {
        cz_rng rng;
        cz_rng_seed(&rng, seed * 1000 + (uint64_t)k);
        cz_model_init(f->m, &rng, fx_at(f, k, 0));
        memset(vel, 0, f->params * sizeof(cz_real));
        for (int e = 0; e < epochs; e++) {
            memcpy(fx_at(f, k, e + 1), fx_at(f, k, e), f->params * sizeof(cz_real));
            cz_error err;
            cr_assert_eq(cz_train_epoch(f->m, fx_at(f, k, e + 1), vel, tr->x, tr->y, tr->rows,
                                        &sgd, &rng, NULL, &err), CZ_OK, "%s", err.msg);
        }
    }
    cz_free(vel);
}

static inline btm_fixture fx_make(const char *name, int count, int epochs)
{
    btm_fixture f = {0};
    f.d = fx_load(name);
    f.m = fx_mlp(f.d, 128, 2);
    fx_experts(&f, count, epochs, 1);
    return f;
}

static inline void fx_free(btm_fixture *f)
{
    cz_free(f->traj);
    cz_model_free(f->m);
    cz_dataset_free(f->d);
    memset(f, 0, sizeof *f);
}

/* Fits the curves of all experts of f with opts (or defaults). */
#include "methods/bezier.h"
static inline cz_surrogate *fx_curves(const btm_fixture *f, const cz_bezier_opts *opts)
{
    const cz_real *first[64], *last[64];
    cr_assert(f->count <= 64);
    for (int k = 0; k < f->count; k++) {
        first[k] = fx_at(f, k, 0);
        last[k] = fx_at(f, k, f->epochs);
    }
    const cz_split_data *tr = &f->d->split[CZ_TRAIN];
    cz_surrogate *s = NULL;
    cz_error err;
    cz_status st = cz_bezier_fit(f->m, (size_t)f->count, first, last, f->epochs, tr->x, tr->y,
                                 tr->rows, opts, &s, &err);
    cr_assert_eq(st, CZ_OK, "fit: %s", err.msg);
    return s;
}

#endif
