/* Distillation quality on a tabular CSV: trains experts once, then for each
 * seed makes the synthetic sets of the chosen methods (random, herding, MTT,
 * DM, DD), evaluates each with the protocol (K fresh MLPs, test AUROC), and
 * the full training split as the upper bound. Prints one machine-readable
 * line per (method, seed) and a summary line per method:
 *   dataset=pima method=mtt ipc=10 kind=summary seeds=3 auroc_mean=.. auroc_std=.. ...
 * Usage: bench_mtt_quality CSV [--split FILE] [--ipc 10] [--iters 300] [--steps 20]
 *        [--experts 8] [--epochs 30] [--expert-epochs 2] [--max-start 0] [--lr-img X]
 *        [--lr-lr X] [--lr-init X] [--class-weights 0|1] [--truncate K] [--seeds 3]
 *        [--models 5] [--eval-epochs 300] [--score test|val]
 *        [--methods full,random,herding,mtt,dm,dd] [--threads 1]
 *        bench_mtt_quality CSV --split FILE --print-defaults
 *          prints the MTT settings it would use: iterations syn_steps lr_img lr_lr
 *          expert_epochs lr_init (resolved for this dataset) class_weights, for mtt_quality.sh */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backend/backend.h"
#include "data/dataset.h"
#include "methods/dd.h"
#include "methods/dm.h"
#include "methods/evaluate.h"
#include "methods/experts.h"
#include "methods/mtt.h"
#include "methods/select.h"

#define MAX_SEEDS 64

typedef struct args {
    const char *csv, *split, *methods, *score;
    int ipc, steps, experts, epochs, expert_epochs, max_start, seeds, models, eval_epochs;
    int class_weights, truncate, threads, print_defaults;
    long iters;
    double lr_img, lr_lr, lr_init;
} args;

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int parse(int argc, char **argv, args *a)
{
    cz_mtt_config m = cz_mtt_config_default();
    *a = (args){.methods = "full,random,herding,mtt", .score = "test", .ipc = 10,
                .steps = m.syn_steps, .experts = 8, .epochs = 30,
                .expert_epochs = m.expert_epochs, .seeds = 3, .models = 5, .eval_epochs = 300,
                .class_weights = m.class_weights, .threads = 1, .iters = (long)m.iterations,
                .lr_img = m.lr_img, .lr_lr = m.lr_lr, .lr_init = m.lr_init};
    for (int i = 1; i < argc; i++) {
        const char *k = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (k[0] != '-') {
            a->csv = k;
            continue;
        }
        if (!strcmp(k, "--print-defaults")) {
            a->print_defaults = 1;
            continue;
        }
        if (!v) {
            fprintf(stderr, "bench_mtt_quality: %s needs a value\n", k);
            return 0;
        }
        i++;
        if (!strcmp(k, "--split")) a->split = v;
        else if (!strcmp(k, "--methods")) a->methods = v;
        else if (!strcmp(k, "--score")) a->score = v;
        else if (!strcmp(k, "--ipc")) a->ipc = atoi(v);
        else if (!strcmp(k, "--iters")) a->iters = atol(v);
        else if (!strcmp(k, "--steps")) a->steps = atoi(v);
        else if (!strcmp(k, "--experts")) a->experts = atoi(v);
        else if (!strcmp(k, "--epochs")) a->epochs = atoi(v);
        else if (!strcmp(k, "--expert-epochs")) a->expert_epochs = atoi(v);
        else if (!strcmp(k, "--max-start")) a->max_start = atoi(v);
        else if (!strcmp(k, "--lr-img")) a->lr_img = atof(v);
        else if (!strcmp(k, "--lr-lr")) a->lr_lr = atof(v);
        else if (!strcmp(k, "--lr-init")) a->lr_init = atof(v);
        else if (!strcmp(k, "--class-weights")) a->class_weights = atoi(v);
        else if (!strcmp(k, "--truncate")) a->truncate = atoi(v);
        else if (!strcmp(k, "--seeds")) a->seeds = atoi(v);
        else if (!strcmp(k, "--models")) a->models = atoi(v);
        else if (!strcmp(k, "--eval-epochs")) a->eval_epochs = atoi(v);
        else if (!strcmp(k, "--threads")) a->threads = atoi(v);
        else {
            fprintf(stderr, "bench_mtt_quality: unknown option %s\n", k);
            return 0;
        }
    }
    if (!a->csv || a->seeds < 1 || a->seeds > MAX_SEEDS) {
        fprintf(stderr, "usage: bench_mtt_quality CSV [--split FILE] [--seeds 1..64] ...\n");
        return 0;
    }
    return 1;
}

static int wants(const args *a, const char *method)
{
    size_t n = strlen(method);
    for (const char *p = a->methods; (p = strstr(p, method)); p += n)
        if ((p == a->methods || p[-1] == ',') && (p[n] == ',' || p[n] == '\0'))
            return 1;
    return 0;
}

static const char *stem(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

typedef struct tally {
    double auroc[MAX_SEEDS], auprc[MAX_SEEDS], within_std[MAX_SEEDS], lr[MAX_SEEDS], secs[MAX_SEEDS];
    int n;
} tally;

static void summary(const args *a, const char *method, const tally *t)
{
    double m = 0, s = 0, p = 0, w = 0, sec = 0;
    for (int i = 0; i < t->n; i++) {
        m += t->auroc[i] / t->n;
        p += t->auprc[i] / t->n;
        w += t->within_std[i] / t->n;
        sec += t->secs[i] / t->n;
    }
    for (int i = 0; i < t->n; i++)
        s += (t->auroc[i] - m) * (t->auroc[i] - m) / t->n;
    printf("dataset=%.*s method=%s ipc=%d kind=summary engine=condensa score=%s seeds=%d "
           "auroc_mean=%.4f auroc_std=%.4f auroc_std_models=%.4f auprc_mean=%.4f "
           "seconds_mean=%.2f\n",
           (int)(strlen(stem(a->csv)) - 4), stem(a->csv), method, a->ipc, a->score, t->n, m,
           sqrt(s), w, p, sec);
}

static int record(const args *a, const char *method, int seed, const cz_eval_result *r,
                  double secs, double make_secs, tally *t)
{
    const cz_eval_arch *x = &r->by_arch[0];
    printf("dataset=%.*s method=%s ipc=%d kind=seed engine=condensa score=%s seed=%d "
           "auroc_mean=%.4f auroc_std=%.4f auprc_mean=%.4f auprc_std=%.4f bacc_mean=%.4f "
           "bacc_std=%.4f lr=%.6g epochs=%d diverged=%d seconds=%.2f make_seconds=%.3f\n",
           (int)(strlen(stem(a->csv)) - 4), stem(a->csv), method, a->ipc, a->score, seed,
           x->mean.auroc, x->std.auroc, x->mean.auprc, x->std.auprc, x->mean.balanced_accuracy,
           x->std.balanced_accuracy, r->lr,
           r->epochs, x->diverged, secs, make_secs);
    fflush(stdout);
    t->auroc[t->n] = x->mean.auroc;
    t->auprc[t->n] = x->mean.auprc;
    t->within_std[t->n] = x->std.auroc;
    t->lr[t->n] = r->lr;
    t->secs[t->n] = secs;
    t->n++;
    return 1;
}

static int fail(const char *what, const cz_error *err)
{
    fprintf(stderr, "bench_mtt_quality: %s: %s (%s)\n", what, err->msg, err->hint);
    return 1;
}

/* Makes the synthetic set of one method and seed; NULL set with CZ_OK for "full". */
static cz_status make_set(const args *a, const char *method, int seed, const cz_dataset *d,
                          const cz_experts *ex, cz_backend *be, cz_synthetic **s, cz_error *err)
{
    *s = NULL;
    if (!strcmp(method, "random"))
        return cz_select_random(d, a->ipc, (uint64_t)seed, 0, s, err);
    if (!strcmp(method, "herding"))
        return cz_select_herding(d, a->ipc, 0, s, NULL, err);
    if (!strcmp(method, "dm")) {
        cz_dm_config c = cz_dm_config_default();
        c.ipc = a->ipc;
        c.seed = (uint64_t)seed;
        return cz_dm_run(d, &c, NULL, be, NULL, NULL, NULL, s, err);
    }
    if (!strcmp(method, "dd")) {
        cz_dd_config c = cz_dd_config_default();
        c.ipc = a->ipc;
        c.seed = (uint64_t)seed;
        return cz_dd_run(d, &c, NULL, be, NULL, NULL, NULL, s, err);
    }
    cz_mtt_config c = cz_mtt_config_default();
    c.ipc = a->ipc;
    c.iterations = a->iters;
    c.syn_steps = a->steps;
    c.expert_epochs = a->expert_epochs;
    c.max_start_epoch = a->max_start;
    c.lr_img = a->lr_img;
    c.lr_lr = a->lr_lr;
    c.lr_init = a->lr_init;
    c.class_weights = a->class_weights != 0;
    c.truncate = a->truncate;
    c.seed = (uint64_t)seed;
    cz_mtt *r = NULL;
    cz_status st = cz_mtt_new(d, ex, &c, be, &r, err);
    if (st == CZ_OK)
        st = cz_mtt_step(r, -1, NULL, NULL, NULL, err);
    if (st == CZ_OK) {
        cz_mtt_info info;
        cz_mtt_info_get(r, &info);
        fprintf(stderr, "mtt seed %d: loss %.4f lr %.5g skipped %lld halved %lld\n", seed,
                info.loss, info.lr, (long long)info.skipped, (long long)info.lr_halved);
        st = cz_mtt_synthetic(r, s, err);
    }
    cz_mtt_free(&r);
    return st;
}

int main(int argc, char **argv)
{
    args a;
    if (!parse(argc, argv, &a))
        return 2;
    cz_backend *be = cz_backend_cpu();
    cz_backend_set_threads(be, a.threads);
    cz_error err;
    cz_csv_opts co = cz_csv_opts_default();
    co.split_file = a.split;
    cz_dataset *d = NULL;
    if (cz_dataset_load_csv(a.csv, &co, &d, &err) != CZ_OK)
        return fail(a.csv, &err);
    if (a.print_defaults) {
        double lr_init = a.lr_init > 0 ? a.lr_init
                                        : cz_mtt_auto_lr_init(d, 0.01, 256, a.expert_epochs, a.steps);
        printf("%ld %d %g %g %d %.17g %d\n", a.iters, a.steps, a.lr_img, a.lr_lr, a.expert_epochs,
               lr_init, a.class_weights);
        cz_dataset_free(d);
        return 0;
    }
    cz_experts *ex = NULL;
    if (wants(&a, "mtt")) {
        cz_experts_opts eo = cz_experts_opts_default(d);
        eo.count = a.experts;
        eo.epochs = a.epochs;
        double t0 = now();
        if (cz_experts_train(d, &eo, be, &ex, &err) != CZ_OK)
            return fail("experts", &err);
        fprintf(stderr, "experts: %d x %d epochs in %.2f s\n", a.experts, a.epochs, now() - t0);
    }
    static const char *methods[] = {"full", "random", "herding", "dm", "dd", "mtt"};
    int rc = 0;
    for (size_t mi = 0; mi < sizeof methods / sizeof methods[0] && !rc; mi++) {
        if (!wants(&a, methods[mi]))
            continue;
        tally t = {0};
        int seeds = !strcmp(methods[mi], "herding") ? 1 : a.seeds;
        for (int seed = 0; seed < seeds && !rc; seed++) {
            cz_eval_opts eo = cz_eval_opts_default();
            eo.models = a.models;
            eo.seed = (uint64_t)seed;
            eo.score_split = !strcmp(a.score, "val") ? CZ_VAL : CZ_TEST;
            cz_eval_result *r = NULL;
            cz_synthetic *s = NULL;
            double t0 = now(), make_secs = 0;
            cz_status st = CZ_OK;
            if (!strcmp(methods[mi], "full")) {
                st = cz_evaluate_real(d, &eo, be, &r, &err);
            } else {
                eo.epochs = a.eval_epochs;
                st = make_set(&a, methods[mi], seed, d, ex, be, &s, &err);
                make_secs = now() - t0;
                if (st == CZ_OK)
                    st = cz_evaluate_synthetic(s, d, &eo, be, &r, &err);
            }
            if (st != CZ_OK)
                rc = fail(methods[mi], &err);
            else
                record(&a, methods[mi], seed, r, now() - t0, make_secs, &t);
            cz_eval_result_free(&r);
            cz_synthetic_free(&s);
        }
        if (!rc)
            summary(&a, methods[mi], &t);
    }
    cz_experts_free(&ex);
    cz_dataset_free(d);
    return rc;
}
