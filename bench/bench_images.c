/* Distillation on a MedMNIST-style image set, in one run: random real
 * images, MTT, BTM and the generative prior (prior+MTT) at each ipc and
 * seed, all distilled on ConvNet-3 experts, each set evaluated by the
 * protocol (K fresh models, SGD momentum 0.9, lr x0.1 at half the epochs, at
 * the set's learned rate) on ConvNet, AlexNet, VGG11 and ResNet18 against the
 * real test split. DSA (the standard strategy) is on everywhere by default
 * (experts, the unrolled student steps, evaluation training): --dsa off
 * gives the like-for-like run of docs/results/breastmnist_images.txt.
 *
 * Output, one machine-readable line each:
 *   dataset=D phase=experts count= epochs= width= dsa= seconds=
 *   dataset=D phase=curves count= epochs= seconds=                       (BTM's Bezier fit)
 *   dataset=D phase=prior epochs= train_rmse= seconds=
 *   dataset=D method=M ipc=I arch=A seed=S lr= auroc= auprc= accuracy= balanced_accuracy=
 *       make_seconds=                                                    (per model set: mean
 *                                                                          over the K models)
 *   dataset=D method=M ipc=I arch=A kind=summary seeds= auroc_mean= auroc_std= auprc_mean=
 *       auprc_std= accuracy_mean= accuracy_std= make_seconds=           (over the seeds)
 * Progress goes to stderr.
 *
 * Usage: bench_images NPZ [--ipc 1,10] [--seeds 2] [--methods random,mtt,btm,prior]
 *   [--archs convnet,alexnet,vgg11,resnet18] [--models 5] [--eval-epochs 300]
 *   [--eval-width 16 (AlexNet/VGG11/ResNet18; ConvNet uses --width)]
 *   [--experts 5] [--epochs 10] [--width 32] [--iters 200] [--steps 20] [--expert-epochs 2]
 *   [--max-start 1] [--batch-syn 0] [--lr-img 1000] [--lr-lr 1e-5] [--btm-k 1]
 *   [--bezier-epochs 10] [--prior-epochs 30] [--latent 32] [--base 64] [--lr-w 100]
 *   [--lr-g 0] [--dsa auto|on|off] [--train-per-class 0 (all)] [--threads 1]
 *
 * Smoke run (the whole pipeline, every method and net, 1.4 s on one core of
 * the 2-core development machine; the numbers mean nothing):
 *   build/bench/bench_images ../shared/data/breastmnist.npz --ipc 1 --seeds 1 --models 1 \
 *     --experts 2 --epochs 3 --width 8 --iters 10 --steps 5 --eval-epochs 20 --eval-width 4 \
 *     --bezier-epochs 2 --prior-epochs 2 --latent 8 --base 16 --train-per-class 60
 * A small real run, 130 s with --threads 1 on the shared 2-core machine (experts
 * 2 s, curves 3 s, prior 9 s, each ipc-10 set 3-9 s, the rest evaluation):
 *   build/bench/bench_images ../shared/data/breastmnist.npz --ipc 1,10 --seeds 2 --models 3 \
 *     --experts 3 --epochs 6 --width 16 --iters 60 --steps 10 --eval-epochs 100 \
 *     --eval-width 8 --prior-epochs 10 --threads 2
 * The lead's grid (tens of minutes per dataset): the defaults, with --models 5. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backend/backend.h"
#include "data/dataset.h"
#include "methods/bezier_experts.h"
#include "methods/btm.h"
#include "methods/evaluate.h"
#include "methods/experts.h"
#include "methods/mtt.h"
#include "methods/select.h"
#include "prior/prior_mtt.h"

#define MAX_SEEDS 64
#define MAX_IPCS 8
#define MAX_ARCHS 4
#define N_METHODS 4

static const char *const method_names[N_METHODS] = {"random", "mtt", "btm", "prior"};

typedef struct args {
    const char *npz, *methods, *archs;
    int ipcs[MAX_IPCS], n_ipc;
    int seeds, models, eval_epochs, eval_width, experts, epochs, width, steps, expert_epochs;
    int max_start, batch_syn, btm_k, bezier_epochs, prior_epochs, latent, base, threads;
    int train_per_class;
    long iters;
    double lr_img, lr_lr, lr_w, lr_g;
    cz_dsa_use dsa;
} args;

/* Mean metrics over the K models, and the time to make the set. */
typedef struct cell {
    cz_metrics m;
    double secs;
    int done;
} cell;

static cell results[N_METHODS][MAX_IPCS][MAX_ARCHS][MAX_SEEDS];

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int parse_ipcs(const char *v, args *a)
{
    a->n_ipc = 0;
    for (const char *p = v; *p && a->n_ipc < MAX_IPCS;) {
        int n = atoi(p);
        if (n < 1)
            return 0;
        a->ipcs[a->n_ipc++] = n;
        p = strchr(p, ',');
        if (!p)
            break;
        p++;
    }
    return a->n_ipc > 0;
}

static int parse(int argc, char **argv, args *a)
{
    *a = (args){.methods = "random,mtt,btm,prior", .archs = "convnet,alexnet,vgg11,resnet18",
                .ipcs = {1, 10}, .n_ipc = 2, .seeds = 2, .models = 5, .eval_epochs = 300,
                .eval_width = 16, .experts = 5, .epochs = 10, .width = 32, .steps = 20,
                .expert_epochs = 2, .max_start = 1, .batch_syn = 0, .btm_k = 1,
                .bezier_epochs = 10, .prior_epochs = 30, .latent = 32, .base = 64, .threads = 1,
                .iters = 200, .lr_img = 1000, .lr_lr = 1e-5, .lr_w = 100, .lr_g = 0,
                .dsa = CZ_DSA_AUTO};
    for (int i = 1; i < argc; i++) {
        const char *k = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (k[0] != '-') {
            a->npz = k;
            continue;
        }
        if (!v) {
            fprintf(stderr, "bench_images: %s needs a value\n", k);
            return 0;
        }
        i++;
        if (!strcmp(k, "--ipc")) {
            if (!parse_ipcs(v, a)) {
                fprintf(stderr, "bench_images: --ipc takes a list such as 1,10\n");
                return 0;
            }
        }
        else if (!strcmp(k, "--methods")) a->methods = v;
        else if (!strcmp(k, "--archs")) a->archs = v;
        else if (!strcmp(k, "--seeds")) a->seeds = atoi(v);
        else if (!strcmp(k, "--models")) a->models = atoi(v);
        else if (!strcmp(k, "--eval-epochs")) a->eval_epochs = atoi(v);
        else if (!strcmp(k, "--eval-width")) a->eval_width = atoi(v);
        else if (!strcmp(k, "--experts")) a->experts = atoi(v);
        else if (!strcmp(k, "--epochs")) a->epochs = atoi(v);
        else if (!strcmp(k, "--width")) a->width = atoi(v);
        else if (!strcmp(k, "--iters")) a->iters = atol(v);
        else if (!strcmp(k, "--steps")) a->steps = atoi(v);
        else if (!strcmp(k, "--expert-epochs")) a->expert_epochs = atoi(v);
        else if (!strcmp(k, "--max-start")) a->max_start = atoi(v);
        else if (!strcmp(k, "--batch-syn")) a->batch_syn = atoi(v);
        else if (!strcmp(k, "--lr-img")) a->lr_img = atof(v);
        else if (!strcmp(k, "--lr-lr")) a->lr_lr = atof(v);
        else if (!strcmp(k, "--btm-k")) a->btm_k = atoi(v);
        else if (!strcmp(k, "--bezier-epochs")) a->bezier_epochs = atoi(v);
        else if (!strcmp(k, "--prior-epochs")) a->prior_epochs = atoi(v);
        else if (!strcmp(k, "--latent")) a->latent = atoi(v);
        else if (!strcmp(k, "--base")) a->base = atoi(v);
        else if (!strcmp(k, "--lr-w")) a->lr_w = atof(v);
        else if (!strcmp(k, "--lr-g")) a->lr_g = atof(v);
        else if (!strcmp(k, "--train-per-class")) a->train_per_class = atoi(v);
        else if (!strcmp(k, "--threads")) a->threads = atoi(v);
        else if (!strcmp(k, "--dsa")) {
            if (!strcmp(v, "auto")) a->dsa = CZ_DSA_AUTO;
            else if (!strcmp(v, "on")) a->dsa = CZ_DSA_ON;
            else if (!strcmp(v, "off")) a->dsa = CZ_DSA_OFF;
            else {
                fprintf(stderr, "bench_images: --dsa is auto, on or off\n");
                return 0;
            }
        } else {
            fprintf(stderr, "bench_images: unknown option %s\n", k);
            return 0;
        }
    }
    if (!a->npz || a->seeds < 1 || a->seeds > MAX_SEEDS || a->models < 1 || a->threads < 1) {
        fprintf(stderr, "usage: bench_images NPZ [--ipc 1,10] [--seeds 1..64] [--models K] ... "
                        "(see the top of bench/bench_images.c)\n");
        return 0;
    }
    return 1;
}

static int listed(const char *list, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = list; (p = strstr(p, name)); p += n)
        if ((p == list || p[-1] == ',') && (p[n] == ',' || p[n] == '\0'))
            return 1;
    return 0;
}

static int fail(const char *what, const cz_error *err)
{
    fprintf(stderr, "bench_images: %s: %s (%s)\n", what, err->msg, err->hint);
    return 1;
}

/* The dataset's name: the file's stem. */
static void stem(const char *path, char *out, size_t cap)
{
    const char *s = strrchr(path, '/');
    s = s ? s + 1 : path;
    snprintf(out, cap, "%s", s);
    char *dot = strrchr(out, '.');
    if (dot)
        *dot = '\0';
}

/* Keeps the first n training rows of each class (in place), for short runs. */
static int cut_train(cz_dataset *d, size_t n)
{
    cz_split_data *sp = &d->split[CZ_TRAIN];
    size_t f = d->features, kept = 0;
    size_t *count = calloc((size_t)d->classes, sizeof *count);
    if (!count)
        return 0;
    for (size_t i = 0; i < sp->rows; i++) {
        int c = sp->y[i];
        if (count[c] >= n)
            continue;
        count[c]++;
        memmove(sp->x + kept * f, sp->x + i * f, f * sizeof *sp->x);
        sp->y[kept++] = c;
    }
    free(count);
    sp->rows = kept;
    return 1;
}

static cz_model_spec convnet(const cz_dataset *d, int width)
{
    return (cz_model_spec){.arch = CZ_ARCH_CONVNET, .channels = d->channels, .height = d->height,
                           .width = d->width, .classes = d->classes, .hidden = width, .depth = 3,
                           .instance_norm = 1};
}

static cz_mtt_config match_config(const args *a, int ipc, int seed)
{
    cz_mtt_config c = cz_prior_mtt_config_default();
    c.ipc = ipc;
    c.iterations = a->iters;
    c.syn_steps = a->steps;
    c.expert_epochs = a->expert_epochs;
    c.max_start_epoch = a->max_start;
    c.batch_syn = a->batch_syn;
    c.lr_img = a->lr_img;
    c.lr_lr = a->lr_lr;
    c.dsa = a->dsa;
    c.seed = (uint64_t)seed;
    return c;
}

/* Distils one set; the time it took goes to *secs. */
static cz_status make_set(const args *a, int method, int ipc, int seed, const cz_dataset *d,
                          const cz_experts *ex, const cz_surrogate *curves, cz_prior *prior,
                          cz_backend *be, cz_synthetic **s, double *secs, cz_error *err)
{
    double t0 = now();
    cz_status st;
    cz_mtt_config c = match_config(a, ipc, seed);
    if (method == 0) {
        st = cz_select_random(d, ipc, (uint64_t)seed, ex->lr, s, err);
    } else if (method == 3) {
        cz_match_source src = {.experts = ex};
        cz_latent_opts lo = cz_prior_mtt_latent_default();
        lo.lr_w = a->lr_w;
        lo.lr_g = a->lr_g;
        cz_prior_mtt *r = NULL;
        st = cz_prior_mtt_new(d, &src, prior, &c, &lo, be, &r, err);
        if (st == CZ_OK)
            st = cz_prior_mtt_step(r, -1, NULL, NULL, NULL, err);
        if (st == CZ_OK) {
            cz_prior_mtt_info info;
            cz_prior_mtt_info_get(r, &info);
            fprintf(stderr, "prior ipc %d seed %d: loss %.4f lr %.5g skipped %lld\n", ipc, seed,
                    info.mtt.loss, info.mtt.lr, (long long)info.mtt.skipped);
            st = cz_prior_mtt_synthetic(r, s, err);
        }
        cz_prior_mtt_free(&r);
    } else {
        cz_match_source src = {.experts = ex};
        if (method == 2) {
            src = (cz_match_source){.curves = curves};
            c.truncate = a->btm_k;
            c.max_start_epoch = 0; /* the curves' default */
        }
        cz_mtt *r = NULL;
        st = cz_mtt_new_from(d, &src, &c, be, &r, err);
        if (st == CZ_OK)
            st = cz_mtt_step(r, -1, NULL, NULL, NULL, err);
        if (st == CZ_OK) {
            cz_mtt_info info;
            cz_mtt_info_get(r, &info);
            fprintf(stderr, "%s ipc %d seed %d: loss %.4f lr %.5g skipped %lld\n",
                    method_names[method], ipc, seed, info.loss, info.lr, (long long)info.skipped);
            st = cz_mtt_synthetic(r, s, err);
        }
        cz_mtt_free(&r);
    }
    *secs = now() - t0;
    return st;
}

static void summary(const char *name, const args *a, int mi, int ii, int ai, const char *arch)
{
    double s[3] = {0}, q[3] = {0}, secs = 0;
    int n = 0;
    for (int seed = 0; seed < a->seeds; seed++) {
        const cell *c = &results[mi][ii][ai][seed];
        if (!c->done)
            continue;
        s[0] += c->m.auroc;
        s[1] += c->m.auprc;
        s[2] += c->m.accuracy;
        secs += c->secs;
        n++;
    }
    if (!n)
        return;
    for (int k = 0; k < 3; k++)
        s[k] /= n;
    for (int seed = 0; seed < a->seeds; seed++) {
        const cell *c = &results[mi][ii][ai][seed];
        if (!c->done)
            continue;
        double v[3] = {c->m.auroc, c->m.auprc, c->m.accuracy};
        for (int k = 0; k < 3; k++)
            q[k] += (v[k] - s[k]) * (v[k] - s[k]) / n;
    }
    printf("dataset=%s method=%s ipc=%d arch=%s kind=summary seeds=%d auroc_mean=%.4f "
           "auroc_std=%.4f auprc_mean=%.4f auprc_std=%.4f accuracy_mean=%.4f accuracy_std=%.4f "
           "make_seconds=%.2f\n",
           name, method_names[mi], a->ipcs[ii], arch, n, s[0], sqrt(q[0]), s[1], sqrt(q[1]),
           s[2], sqrt(q[2]), secs / n);
}

int main(int argc, char **argv)
{
    args a;
    if (!parse(argc, argv, &a))
        return 2;
    cz_backend *be = cz_backend_cpu();
    cz_backend_set_threads(be, a.threads);
    cz_error err;
    cz_dataset *d = NULL;
    if (cz_dataset_load_npz(a.npz, &d, &err) != CZ_OK)
        return fail(a.npz, &err);
    if (a.train_per_class > 0 && !cut_train(d, (size_t)a.train_per_class))
        return fail("cut", &(cz_error){.msg = "out of memory"});
    char name[64];
    stem(a.npz, name, sizeof name);
    fprintf(stderr, "%s: %zu / %zu / %zu images of %dx%dx%d, %d classes\n", name,
            d->split[CZ_TRAIN].rows, d->split[CZ_VAL].rows, d->split[CZ_TEST].rows, d->channels,
            d->height, d->width, d->classes);

    cz_experts_opts eo = cz_experts_opts_default(d);
    eo.spec = convnet(d, a.width);
    eo.count = a.experts;
    eo.epochs = a.epochs;
    eo.dsa = a.dsa;
    cz_experts *ex = NULL;
    double t0 = now();
    if (cz_experts_train(d, &eo, be, &ex, &err) != CZ_OK)
        return fail("experts", &err);
    printf("dataset=%s phase=experts count=%d epochs=%d width=%d dsa=%d seconds=%.1f\n", name,
           a.experts, a.epochs, a.width, ex->dsa, now() - t0);
    fflush(stdout);

    cz_surrogate *curves = NULL;
    if (listed(a.methods, "btm")) {
        cz_bezier_opts bo = cz_bezier_opts_default();
        bo.epochs = a.bezier_epochs;
        t0 = now();
        if (cz_bezier_fit_experts(ex, d, &bo, be, &curves, &err) != CZ_OK)
            return fail("bezier", &err);
        printf("dataset=%s phase=curves count=%zu epochs=%d seconds=%.1f\n", name, curves->count,
               a.bezier_epochs, now() - t0);
        fflush(stdout);
    }
    cz_prior *prior = NULL;
    if (listed(a.methods, "prior")) {
        cz_prior_opts po = cz_prior_opts_default();
        po.epochs = a.prior_epochs;
        po.latent = a.latent;
        po.base = a.base;
        t0 = now();
        if (cz_prior_train(d, &po, be, NULL, NULL, NULL, &prior, &err) != CZ_OK)
            return fail("prior", &err);
        int ep = 0;
        const double *rmse = cz_prior_rmse_history(prior, &ep);
        printf("dataset=%s phase=prior epochs=%d train_rmse=%.4f seconds=%.1f\n", name, ep,
               ep ? rmse[ep - 1] : NAN, now() - t0);
        fflush(stdout);
    }

    cz_model_spec archs[MAX_ARCHS];
    const char *arch_names[MAX_ARCHS];
    int na = 0;
    static const cz_arch all[MAX_ARCHS] = {CZ_ARCH_CONVNET, CZ_ARCH_ALEXNET, CZ_ARCH_VGG11,
                                           CZ_ARCH_RESNET18};
    for (int i = 0; i < MAX_ARCHS; i++) {
        if (!listed(a.archs, cz_arch_name(all[i])))
            continue;
        archs[na] = convnet(d, a.width);
        if (all[i] != CZ_ARCH_CONVNET) {
            archs[na].arch = all[i];
            archs[na].hidden = a.eval_width;
        }
        arch_names[na++] = cz_arch_name(all[i]);
    }
    if (!na) {
        fprintf(stderr, "bench_images: --archs names none of convnet, alexnet, vgg11, resnet18\n");
        return 2;
    }

    int rc = 0;
    for (int ii = 0; ii < a.n_ipc && !rc; ii++)
        for (int seed = 0; seed < a.seeds && !rc; seed++)
            for (int mi = 0; mi < N_METHODS && !rc; mi++) {
                if (!listed(a.methods, method_names[mi]))
                    continue;
                cz_synthetic *s = NULL;
                double secs = 0;
                if (make_set(&a, mi, a.ipcs[ii], seed, d, ex, curves, prior, be, &s, &secs,
                             &err) != CZ_OK) {
                    rc = fail(method_names[mi], &err);
                    break;
                }
                cz_eval_opts ev = cz_eval_opts_default();
                ev.models = a.models;
                ev.archs = archs;
                ev.arch_count = na;
                ev.epochs = a.eval_epochs;
                ev.seed = (uint64_t)seed;
                ev.dsa = a.dsa;
                cz_eval_result *r = NULL;
                if (cz_evaluate_synthetic(s, d, &ev, be, &r, &err) != CZ_OK) {
                    rc = fail("evaluate", &err);
                } else {
                    for (int ai = 0; ai < na; ai++) {
                        const cz_eval_arch *x = &r->by_arch[ai];
                        printf("dataset=%s method=%s ipc=%d arch=%s seed=%d lr=%.4g "
                               "auroc=%.4f auprc=%.4f accuracy=%.4f balanced_accuracy=%.4f "
                               "make_seconds=%.2f\n",
                               name, method_names[mi], a.ipcs[ii], arch_names[ai], seed, r->lr,
                               x->mean.auroc, x->mean.auprc, x->mean.accuracy,
                               x->mean.balanced_accuracy, secs);
                        results[mi][ii][ai][seed] = (cell){.m = x->mean, .secs = secs,
                                                           .done = 1};
                    }
                    fflush(stdout);
                }
                cz_eval_result_free(&r);
                cz_synthetic_free(&s);
            }
    for (int mi = 0; mi < N_METHODS; mi++)
        for (int ii = 0; ii < a.n_ipc; ii++)
            for (int ai = 0; ai < na; ai++)
                summary(name, &a, mi, ii, ai, arch_names[ai]);
    cz_prior_free(&prior);
    cz_surrogate_free(&curves);
    cz_experts_free(&ex);
    cz_dataset_free(d);
    return rc;
}
