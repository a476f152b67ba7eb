/* The evaluation protocol: K fresh models per architecture, test metrics. */
#include "evaluate.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../core/alloc.h"
#include "../train/train.h"
#include "common.h"

#define AUTO_EPOCHS_SYNTHETIC 300
#define AUTO_EPOCHS_REAL 100
#define AUTO_LR_REAL 0.01
#define MAX_MODELS 1000

cz_eval_opts cz_eval_opts_default(void)
{
    return (cz_eval_opts){.models = 5, .epochs = 0, .lr = 0.0, .momentum = 0.9,
                          .weight_decay = 5e-4, .batch = 256, .seed = 0,
                          .score_split = CZ_TEST};
}

/* A training set and the facts the result records about it. */
typedef struct train_set {
    const cz_real *x;
    const int32_t *y;
    size_t n;
    const char *name;
    double lr;
    int epochs;
    const cz_augment *augment; /* DSA, or NULL */
} train_set;

static cz_status check_opts(const cz_eval_opts *o, cz_error *err)
{
    if (o->models < 1 || o->models > MAX_MODELS)
        return cz_error_set(err, CZ_EINVAL, "pass models between 1 and 1000 (5 is usual)",
                            "evaluate: models = %d", o->models);
    if (o->archs && (o->arch_count < 1 || o->arch_count > CZ_EVAL_MAX_ARCHS))
        return cz_error_set(err, CZ_EINVAL, "pass between 1 and 16 architectures",
                            "evaluate: %d architectures", o->arch_count);
    if (o->epochs < 0 || o->batch < 0 || !(o->momentum >= 0 && o->momentum < 1) ||
        !(o->weight_decay >= 0) || !isfinite(o->lr))
        return cz_error_set(err, CZ_EINVAL,
                            "epochs >= 0 (0 = auto), batch >= 0, momentum in [0, 1), "
                            "weight_decay >= 0, a finite lr",
                            "evaluate: epochs %d, batch %d, momentum %g, weight_decay %g, lr %g",
                            o->epochs, o->batch, o->momentum, o->weight_decay, o->lr);
    return CZ_OK;
}

static void mean_std(cz_eval_arch *a)
{
    double s[4] = {0}, q[4] = {0};
    for (int k = 0; k < a->models; k++) {
        const cz_metrics *m = &a->per_model[k];
        double v[4] = {m->auroc, m->auprc, m->balanced_accuracy, m->accuracy};
        for (int i = 0; i < 4; i++)
            s[i] += v[i];
    }
    for (int i = 0; i < 4; i++)
        s[i] /= a->models;
    for (int k = 0; k < a->models; k++) {
        const cz_metrics *m = &a->per_model[k];
        double v[4] = {m->auroc, m->auprc, m->balanced_accuracy, m->accuracy};
        for (int i = 0; i < 4; i++)
            q[i] += (v[i] - s[i]) * (v[i] - s[i]);
    }
    for (int i = 0; i < 4; i++)
        q[i] = sqrt(q[i] / a->models);
    a->mean = (cz_metrics){.auroc = s[0], .auprc = s[1], .balanced_accuracy = s[2],
                           .accuracy = s[3]};
    a->std = (cz_metrics){.auroc = q[0], .auprc = q[1], .balanced_accuracy = q[2],
                          .accuracy = q[3]};
}

/* Trains and scores the K models of one architecture. */
static cz_status eval_arch(const train_set *ts, const cz_dataset *d, const cz_eval_opts *o,
                           cz_backend *be, int ai, cz_eval_arch *a, int64_t *done,
                           cz_error *err)
{
    cz_model *m = NULL;
    cz_status st = cz_model_new(&a->spec, be, &m, err);
    if (st != CZ_OK)
        return st;
    size_t P = cz_model_param_count(m);
    cz_real *theta = cz_alloc(P * sizeof *theta), *vel = cz_alloc(P * sizeof *vel);
    if (!theta || !vel)
        st = cz_error_set(err, CZ_ENOMEM, NULL, "no memory for %zu parameters", P);
    int64_t total = (int64_t)o->models * (o->archs ? o->arch_count : 1);
    for (int k = 0; st == CZ_OK && k < o->models; k++) {
        cz_rng base, rng;
        cz_rng_seed(&base, o->seed);
        rng = cz_rng_fork(&base, ((uint64_t)ai << 32) | (uint64_t)k);
        cz_model_init(m, &rng, theta);
        memset(vel, 0, P * sizeof *vel);
        double loss = NAN;
        for (int ep = 0; st == CZ_OK && ep < ts->epochs; ep++) {
            cz_sgd sgd = {.lr = cz_step_schedule(ts->lr, ep, ts->epochs), .momentum = o->momentum,
                          .weight_decay = o->weight_decay, .batch = o->batch,
                          .augment = ts->augment};
            st = cz_train_epoch(m, theta, vel, ts->x, ts->y, ts->n, &sgd, &rng, &loss, err);
        }
        int diverged = 0;
        if (st == CZ_ENUMERIC) { /* training blew up: a constant predictor, counted */
            diverged = 1;
            st = cz_score_constant(d, o->score_split, &a->per_model[k], err);
        } else if (st == CZ_OK) {
            st = cz_score_split(m, theta, d, o->score_split, &a->per_model[k], &diverged, err);
        }
        a->diverged += diverged;
        (*done)++;
        if (st == CZ_OK && o->progress) {
            cz_progress p = {.phase = "evaluate", .step = *done, .total = total, .loss = loss,
                             .lr = ts->lr, .metric = a->per_model[k].auroc};
            if (o->progress(&p, o->progress_user))
                st = cz_error_set(err, CZ_EINTERRUPTED, "run the evaluation again",
                                  "evaluation interrupted after %lld of %lld models",
                                  (long long)*done, (long long)total);
        }
        if (st == CZ_OK && cz_cancel_requested(o->cancel))
            st = cz_error_set(err, CZ_EINTERRUPTED, "run the evaluation again",
                              "evaluation interrupted after %lld of %lld models",
                              (long long)*done, (long long)total);
    }
    cz_free(theta);
    cz_free(vel);
    cz_model_free(m);
    if (st == CZ_OK)
        mean_std(a);
    return st;
}

static cz_status evaluate(train_set *ts, const cz_dataset *d, const cz_eval_opts *o,
                          cz_backend *be, cz_eval_result **out, cz_error *err)
{
    *out = NULL;
    cz_status st = check_opts(o, err);
    if (st != CZ_OK)
        return st;
    int dsa_on = 0;
    st = cz_dsa_resolve(o->dsa, d, be, &dsa_on, err);
    if (st != CZ_OK) {
        cz_error_prefix(err, "evaluate");
        return st;
    }
    if (o->score_split != CZ_TEST && o->score_split != CZ_VAL)
        return cz_error_set(err, CZ_EINVAL, "score on the test or the validation split",
                            "evaluate: score_split = %d", (int)o->score_split);
    if (d->split[o->score_split].rows == 0)
        return cz_error_set(err, CZ_EINVAL, "load the dataset with a test and a validation split",
                            "dataset \"%s\" has no %s rows", d->name,
                            o->score_split == CZ_TEST ? "test" : "validation");
    int na = o->archs ? o->arch_count : 1;
    cz_eval_result *r = cz_calloc(1, sizeof *r);
    if (r)
        r->by_arch = cz_calloc((size_t)na, sizeof *r->by_arch);
    if (!r || !r->by_arch) {
        cz_eval_result_free(&r);
        return cz_error_set(err, CZ_ENOMEM, NULL, "no memory for an evaluation result");
    }
    snprintf(r->trained_on, sizeof r->trained_on, "%s", ts->name);
    r->train_rows = ts->n;
    r->lr = ts->lr;
    r->epochs = ts->epochs;
    r->seed = o->seed;
    r->dsa = dsa_on;
    r->arch_count = na;
    cz_dsa *dsa = NULL;
    cz_augment aug = {0};
    if (dsa_on && (st = cz_dsa_new_for(d, &dsa, err)) == CZ_OK) {
        aug = cz_dsa_augment(dsa);
        ts->augment = &aug;
    }
    int64_t done = 0;
    for (int ai = 0; st == CZ_OK && ai < na; ai++) {
        cz_eval_arch *a = &r->by_arch[ai];
        a->spec = o->archs ? o->archs[ai] : cz_default_spec(d);
        a->spec.channels = d->channels;
        a->spec.height = d->height;
        a->spec.width = d->width;
        a->spec.classes = d->classes;
        snprintf(a->name, sizeof a->name, "%s", cz_arch_name(a->spec.arch));
        a->models = o->models;
        a->per_model = cz_calloc((size_t)o->models, sizeof *a->per_model);
        if (!a->per_model)
            st = cz_error_set(err, CZ_ENOMEM, NULL, "no memory for %d results", o->models);
        else
            st = eval_arch(ts, d, o, be, ai, a, &done, err);
        if (st != CZ_OK)
            cz_error_prefix(err, "evaluating %s", a->name);
    }
    cz_dsa_free(&dsa);
    ts->augment = NULL;
    if (st != CZ_OK) {
        cz_eval_result_free(&r);
        return st;
    }
    *out = r;
    return CZ_OK;
}

cz_status cz_evaluate_synthetic(const cz_synthetic *s, const cz_dataset *d,
                                const cz_eval_opts *opts, cz_backend *be, cz_eval_result **out,
                                cz_error *err)
{
    *out = NULL;
    if (s->features != d->features || s->classes != d->classes)
        return cz_error_set(err, CZ_ESHAPE, "evaluate a synthetic set made from this dataset",
                            "synthetic set of %zu values x %d classes does not fit dataset "
                            "\"%s\" (%zu values, %d classes)",
                            s->features, s->classes, d->name, d->features, d->classes);
    train_set ts = {.x = s->x, .y = s->y, .n = s->rows, .name = s->method,
                    .lr = opts->lr > 0 ? opts->lr : s->lr,
                    .epochs = opts->epochs > 0 ? opts->epochs : AUTO_EPOCHS_SYNTHETIC};
    if (!(ts.lr > 0) || !isfinite(ts.lr))
        return cz_error_set(err, CZ_EINVAL, "pass lr to evaluate",
                            "synthetic set \"%s\" carries no usable rate (lr = %g)", s->method,
                            s->lr);
    return evaluate(&ts, d, opts, be, out, err);
}

cz_status cz_evaluate_real(const cz_dataset *d, const cz_eval_opts *opts, cz_backend *be,
                           cz_eval_result **out, cz_error *err)
{
    const cz_split_data *tr = &d->split[CZ_TRAIN];
    train_set ts = {.x = tr->x, .y = tr->y, .n = tr->rows, .name = "real",
                    .lr = opts->lr > 0 ? opts->lr : AUTO_LR_REAL,
                    .epochs = opts->epochs > 0 ? opts->epochs : AUTO_EPOCHS_REAL};
    return evaluate(&ts, d, opts, be, out, err);
}
