/* BTM and SATM next to MTT on a tabular CSV, in one run: trains the experts
 * once, fits their Bézier curves once (printing the loss along the curves
 * against the straight lines, and the storage), then for each seed distils
 * with each method through the same MTT run (targets on trajectories or on
 * curves; plain or sharpness-aware outer step) and evaluates it with the
 * protocol (K fresh MLPs, test AUROC). One machine-readable line per
 * (method, seed) and a summary per method:
 *   dataset=pima method=btm ipc=10 kind=summary seeds=5 auroc_mean=.. auroc_std=..
 * and the gradient noise of each distillation, from every iteration's dL/dX
 * (grad_noise.h): mean |g|, the coefficient of variation of |g|, the mean
 * cosine of consecutive gradients, and 1 - |mean g/|g||^2, per seed
 * (kind=grad_noise) and averaged over the seeds (kind=grad_noise_summary).
 * Methods: mtt, btm (K = 1, the BTM code's truncation), btm_exact (all steps),
 * satm (exact two-pass), satm_approx (trajectory reusing, iota steps), satm_btm
 * (satm_approx's outer step with BTM's targets and truncation), mtt_trunc (MTT's
 * targets with BTM's truncation --btm-k: separates the two in the noise figures).
 * Usage: bench_btm CSV [--split FILE] [--ipc 10] [--seeds 3] [--iters N] [--steps N]
 *        [--experts 8] [--epochs 30] [--expert-epochs M] [--bezier-epochs 50]
 *        [--rho 0.1] [--sam-steps 1] [--sam-lr-at-x 0|1] [--models 5] [--eval-epochs 300]
 *        [--score test|val] [--methods mtt,btm,btm_exact,satm,satm_approx]
 *        [--lr-img X] [--lr-lr X] [--max-start T]
 *        [--btm-max-start T (0: MTT's; E - M + 1: 1 - w)] [--btm-k K (1)] [--btm-lr-lr X (MTT's)] */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backend/backend.h"
#include "data/dataset.h"
#include "methods/bezier_experts.h"
#include "methods/evaluate.h"
#include "methods/experts.h"
#include "methods/mtt.h"
#include "methods/satm.h"

#include "grad_noise.h"

#define MAX_SEEDS 64

typedef struct args {
    const char *csv, *split, *methods, *score;
    int ipc, seeds, steps, experts, epochs, expert_epochs, bezier_epochs, sam_steps, models;
    int eval_epochs, max_start, btm_max_start, btm_k, sam_lr_at_x;
    long iters;
    double rho, lr_img, lr_lr, btm_lr_lr;
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
    *a = (args){.methods = "mtt,btm,btm_exact,satm,satm_approx", .score = "test", .ipc = 10,
                .seeds = 3, .steps = m.syn_steps, .experts = 8, .epochs = 30,
                .expert_epochs = m.expert_epochs, .bezier_epochs = 50, .sam_steps = 1,
                .models = 5, .eval_epochs = 300, .max_start = m.max_start_epoch,
                .iters = (long)m.iterations, .rho = CZ_SATM_RHO_DEFAULT, .lr_img = m.lr_img,
                .lr_lr = m.lr_lr, .btm_max_start = 0, .btm_k = 1, .btm_lr_lr = -1};
    for (int i = 1; i < argc; i++) {
        const char *k = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (k[0] != '-') {
            a->csv = k;
            continue;
        }
        if (!v) {
            fprintf(stderr, "bench_btm: %s needs a value\n", k);
            return 0;
        }
        i++;
        if (!strcmp(k, "--split")) a->split = v;
        else if (!strcmp(k, "--methods")) a->methods = v;
        else if (!strcmp(k, "--score")) a->score = v;
        else if (!strcmp(k, "--ipc")) a->ipc = atoi(v);
        else if (!strcmp(k, "--seeds")) a->seeds = atoi(v);
        else if (!strcmp(k, "--iters")) a->iters = atol(v);
        else if (!strcmp(k, "--steps")) a->steps = atoi(v);
        else if (!strcmp(k, "--experts")) a->experts = atoi(v);
        else if (!strcmp(k, "--epochs")) a->epochs = atoi(v);
        else if (!strcmp(k, "--expert-epochs")) a->expert_epochs = atoi(v);
        else if (!strcmp(k, "--bezier-epochs")) a->bezier_epochs = atoi(v);
        else if (!strcmp(k, "--rho")) a->rho = atof(v);
        else if (!strcmp(k, "--sam-steps")) a->sam_steps = atoi(v);
        else if (!strcmp(k, "--sam-lr-at-x")) a->sam_lr_at_x = atoi(v);
        else if (!strcmp(k, "--models")) a->models = atoi(v);
        else if (!strcmp(k, "--eval-epochs")) a->eval_epochs = atoi(v);
        else if (!strcmp(k, "--lr-img")) a->lr_img = atof(v);
        else if (!strcmp(k, "--lr-lr")) a->lr_lr = atof(v);
        else if (!strcmp(k, "--max-start")) a->max_start = atoi(v);
        else if (!strcmp(k, "--btm-max-start")) a->btm_max_start = atoi(v);
        else if (!strcmp(k, "--btm-k")) a->btm_k = atoi(v);
        else if (!strcmp(k, "--btm-lr-lr")) a->btm_lr_lr = atof(v);
        else {
            fprintf(stderr, "bench_btm: unknown option %s\n", k);
            return 0;
        }
    }
    if (!a->csv || a->seeds < 1 || a->seeds > MAX_SEEDS) {
        fprintf(stderr, "usage: bench_btm CSV [--split FILE] [--seeds 1..64] ...\n");
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

static int name_len(const char *path)
{
    const char *s = strrchr(path, '/');
    s = s ? s + 1 : path;
    return (int)strlen(s) - 4;
}

static const char *stem(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

static int fail(const char *what, const cz_error *err)
{
    fprintf(stderr, "bench_btm: %s: %s (%s)\n", what, err->msg, err->hint);
    return 1;
}

/* The curves: loss along them against the straight lines, and the storage. */
static void report_curves(const args *a, const cz_surrogate *s, const cz_dataset *d,
                          double secs)
{
    cz_model *m = NULL;
    cz_error err;
    if (cz_model_new(&s->spec, cz_backend_cpu(), &m, &err) != CZ_OK)
        return;
    double t[3] = {0.25, 0.5, 0.75}, c[3], l[3];
    for (int sp = CZ_TRAIN; sp <= CZ_VAL; sp++) {
        const cz_split_data *x = &d->split[sp];
        if (cz_surrogate_profile(m, s, CZ_SURROGATE_ALL, x->x, x->y, x->rows, t, 3, c, l, &err))
            break;
        printf("dataset=%.*s kind=curves split=%s curve_loss_t25=%.4f line_loss_t25=%.4f "
               "curve_loss_t50=%.4f line_loss_t50=%.4f curve_loss_t75=%.4f line_loss_t75=%.4f\n",
               name_len(a->csv), stem(a->csv), sp == CZ_TRAIN ? "train" : "val", c[0], l[0],
               c[1], l[1], c[2], l[2]);
    }
    printf("dataset=%.*s kind=storage curves=%zu params=%zu bytes=%zu trajectory_bytes=%zu "
           "ratio=%.2f fit_seconds=%.2f\n",
           name_len(a->csv), stem(a->csv), s->count, s->params, cz_surrogate_bytes(s),
           cz_surrogate_trajectory_bytes(s),
           (double)cz_surrogate_trajectory_bytes(s) / (double)cz_surrogate_bytes(s), secs);
    cz_model_free(m);
}

static cz_status distil(const args *a, const char *method, int seed, const cz_dataset *d,
                        const cz_experts *ex, const cz_surrogate *curves, cz_backend *be,
                        cz_synthetic **s, grad_noise_figures *noise, cz_error *err)
{
    cz_mtt_config c = cz_mtt_config_default();
    c.ipc = a->ipc;
    c.iterations = a->iters;
    c.syn_steps = a->steps;
    c.expert_epochs = a->expert_epochs;
    c.max_start_epoch = a->max_start;
    c.lr_img = a->lr_img;
    c.lr_lr = a->lr_lr;
    c.seed = (uint64_t)seed;
    cz_match_source src = {.experts = ex};
    if (!strcmp(method, "btm") || !strcmp(method, "btm_exact") || !strcmp(method, "satm_btm")) {
        src = (cz_match_source){.curves = curves};
        c.truncate = strcmp(method, "btm_exact") ? a->btm_k : 0;
        c.max_start_epoch = a->btm_max_start; /* 0: as MTT's */
        if (a->btm_lr_lr >= 0)
            c.lr_lr = a->btm_lr_lr;
    }
    if (!strncmp(method, "satm", 4)) {
        c.sam = !strcmp(method, "satm") ? 1 : 2; /* satm_btm: the approximate step, as in dc */
        c.rho = a->rho;
        c.sam_steps = a->sam_steps;
        c.sam_lr_at_x = a->sam_lr_at_x;
    }
    if (!strcmp(method, "mtt_trunc"))
        c.truncate = a->btm_k;
    cz_mtt *r = NULL;
    grad_noise gn = {0};
    cz_status st = cz_mtt_new_from(d, &src, &c, be, &r, err);
    if (st == CZ_OK && grad_noise_init(&gn, (size_t)c.ipc * (size_t)d->classes * d->features))
        st = cz_error_set(err, CZ_ENOMEM, NULL, "no memory for the gradient-noise sums");
    if (st == CZ_OK) {
        cz_mtt_set_grad_hook(r, grad_noise_hook, &gn);
        st = cz_mtt_step(r, -1, NULL, NULL, NULL, err);
        *noise = grad_noise_get(&gn);
    }
    grad_noise_free(&gn);
    if (st == CZ_OK) {
        cz_mtt_info info;
        cz_mtt_info_get(r, &info);
        fprintf(stderr, "%s seed %d: loss %.4f lr %.5g skipped %lld halved %lld\n", method, seed,
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
    cz_backend_set_threads(be, 1);
    cz_error err;
    cz_csv_opts co = cz_csv_opts_default();
    co.split_file = a.split;
    cz_dataset *d = NULL;
    if (cz_dataset_load_csv(a.csv, &co, &d, &err) != CZ_OK)
        return fail(a.csv, &err);
    cz_experts_opts eo = cz_experts_opts_default(d);
    eo.count = a.experts;
    eo.epochs = a.epochs;
    cz_experts *ex = NULL;
    if (cz_experts_train(d, &eo, be, &ex, &err) != CZ_OK)
        return fail("experts", &err);
    cz_bezier_opts bo = cz_bezier_opts_default();
    bo.epochs = a.bezier_epochs;
    cz_surrogate *curves = NULL;
    double t0 = now();
    if (cz_bezier_fit_experts(ex, d, &bo, be, &curves, &err) != CZ_OK)
        return fail("bezier", &err);
    report_curves(&a, curves, d, now() - t0);
    static const char *methods[] = {"mtt",  "mtt_trunc",   "btm",     "btm_exact",
                                    "satm", "satm_approx", "satm_btm"};
    int rc = 0;
    for (size_t mi = 0; mi < sizeof methods / sizeof methods[0] && !rc; mi++) {
        if (!wants(&a, methods[mi]))
            continue;
        double auroc[MAX_SEEDS], auprc = 0, secs = 0, within = 0;
        grad_noise_figures nm = {0}; /* the seeds' mean of each figure */
        for (int seed = 0; seed < a.seeds && !rc; seed++) {
            cz_eval_opts ev = cz_eval_opts_default();
            ev.models = a.models;
            ev.seed = (uint64_t)seed;
            ev.epochs = a.eval_epochs;
            ev.score_split = !strcmp(a.score, "val") ? CZ_VAL : CZ_TEST;
            cz_synthetic *s = NULL;
            cz_eval_result *r = NULL;
            grad_noise_figures nf;
            double t1 = now();
            cz_status st = distil(&a, methods[mi], seed, d, ex, curves, be, &s, &nf, &err);
            double dsecs = now() - t1;
            if (st == CZ_OK) {
                printf("dataset=%.*s method=%s ipc=%d kind=grad_noise seed=%d used=%lld "
                       "unusable=%lld grad_norm_mean=%.6g grad_norm_cv=%.4f cos_consecutive=%.4f "
                       "unit_var=%.4f\n",
                       name_len(a.csv), stem(a.csv), methods[mi], a.ipc, seed,
                       (long long)nf.used, (long long)nf.unusable, nf.norm_mean, nf.norm_cv,
                       nf.cos_mean, nf.unit_var);
                nm.used += nf.used;
                nm.unusable += nf.unusable;
                nm.norm_mean += nf.norm_mean / a.seeds;
                nm.norm_cv += nf.norm_cv / a.seeds;
                nm.cos_mean += nf.cos_mean / a.seeds;
                nm.unit_var += nf.unit_var / a.seeds;
            }
            if (st == CZ_OK)
                st = cz_evaluate_synthetic(s, d, &ev, be, &r, &err);
            if (st != CZ_OK) {
                rc = fail(methods[mi], &err);
            } else {
                const cz_eval_arch *x = &r->by_arch[0];
                printf("dataset=%.*s method=%s ipc=%d kind=seed score=%s seed=%d "
                       "auroc_mean=%.4f auroc_std=%.4f auprc_mean=%.4f auprc_std=%.4f bacc_mean=%.4f "
                       "lr=%.6g distill_seconds=%.2f\n",
                       name_len(a.csv), stem(a.csv), methods[mi], a.ipc, a.score, seed,
                       x->mean.auroc, x->std.auroc, x->mean.auprc, x->std.auprc,
                       x->mean.balanced_accuracy, r->lr, dsecs);
                fflush(stdout);
                auroc[seed] = x->mean.auroc;
                auprc += x->mean.auprc / a.seeds;
                within += x->std.auroc / a.seeds;
                secs += dsecs / a.seeds;
            }
            cz_eval_result_free(&r);
            cz_synthetic_free(&s);
        }
        if (rc)
            break;
        double m = 0, v = 0;
        for (int i = 0; i < a.seeds; i++)
            m += auroc[i] / a.seeds;
        for (int i = 0; i < a.seeds; i++)
            v += (auroc[i] - m) * (auroc[i] - m) / a.seeds;
        printf("dataset=%.*s method=%s ipc=%d kind=summary score=%s seeds=%d auroc_mean=%.4f "
               "auroc_std=%.4f auroc_std_models=%.4f auprc_mean=%.4f distill_seconds=%.2f\n",
               name_len(a.csv), stem(a.csv), methods[mi], a.ipc, a.score, a.seeds, m, sqrt(v),
               within, auprc, secs);
        printf("dataset=%.*s method=%s ipc=%d kind=grad_noise_summary seeds=%d used=%lld "
               "unusable=%lld grad_norm_mean=%.6g grad_norm_cv=%.4f cos_consecutive=%.4f "
               "unit_var=%.4f\n",
               name_len(a.csv), stem(a.csv), methods[mi], a.ipc, a.seeds, (long long)nm.used,
               (long long)nm.unusable, nm.norm_mean, nm.norm_cv, nm.cos_mean, nm.unit_var);
        fflush(stdout);
    }
    cz_surrogate_free(&curves);
    cz_experts_free(&ex);
    cz_dataset_free(d);
    return rc;
}
