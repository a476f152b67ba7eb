/* The unrolled MTT iteration on the GPU and on the CPU, one run, side by side.
 * One machine-readable line per backend:
 *   bench=unroll backend=cuda arch=convnet ipc=10 classes=2 steps=20 ... ms_per_iter=.. ms_min=..
 * and with --check one line comparing the two backends' first iteration:
 *   bench=unroll_check ... loss_cpu=.. loss_cuda=.. rel_err_grad_x=.. rel_err_grad_lr=..
 * An iteration is the work of shared/tools/mtt_time.py: N SGD steps of the
 * student from a start vector, the matching loss, its gradient in the
 * synthetic data and the rate (cz_unroll_match_grad), and SGD steps (momentum
 * 0.5) of the data and the rate. Synthetic data, start and target are drawn
 * as there (normal data, start 0.05 N(0,1), target start + 0.01 N(0,1)).
 *
 * usage: bench_cuda [--backend cpu|cuda|both] [--arch convnet|mlp] [--ipc 10]
 *        [--classes 2] [--steps 20] [--batch-syn 0] [--iters 10] [--warmup 2]
 *        [--threads 2] [--channels 1] [--size 28] [--features 30] [--width 128]
 *        [--depth D] [--check]
 * Exit status: 0, 1 on an engine error, 2 on bad usage, 3 when --backend cuda
 * finds no device (the line bench=unroll backend=cuda skipped=... says why). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The function table, for device memory of labels and the outer SGD step,
 * which the public API does not offer yet. */
#include "backend/backend_impl.h"
#include "cz.h"

typedef struct args {
    const char *backend, *arch;
    int ipc, classes, steps, batch_syn, iters, warmup, threads, channels, size, features, width,
        depth, check;
} args;

typedef struct result {
    double ms_median, ms_min, loss0;
    cz_real *gx0; /* first iteration's dL/dX (host), for --check */
    cz_real glr0;
} result;

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int parse(int argc, char **argv, args *a)
{
    *a = (args){.backend = "both", .arch = "convnet", .ipc = 10, .classes = 2, .steps = 20,
                .iters = 10, .warmup = 2, .threads = 2, .channels = 1, .size = 28, .features = 30,
                .width = 128, .depth = -1};
    for (int i = 1; i < argc; i++) {
        const char *k = argv[i];
        if (strcmp(k, "--check") == 0) {
            a->check = 1;
            continue;
        }
        if (i + 1 >= argc)
            return -1;
        const char *v = argv[++i];
        if (strcmp(k, "--backend") == 0) {
            a->backend = v;
            continue;
        }
        if (strcmp(k, "--arch") == 0) {
            a->arch = v;
            continue;
        }
        struct { const char *name; int *dst; } ints[] = {
            {"--ipc", &a->ipc}, {"--classes", &a->classes}, {"--steps", &a->steps},
            {"--batch-syn", &a->batch_syn}, {"--iters", &a->iters}, {"--warmup", &a->warmup},
            {"--threads", &a->threads}, {"--channels", &a->channels}, {"--size", &a->size},
            {"--features", &a->features}, {"--width", &a->width}, {"--depth", &a->depth}};
        int found = 0;
        for (size_t j = 0; j < sizeof ints / sizeof ints[0]; j++)
            if (strcmp(k, ints[j].name) == 0) {
                *ints[j].dst = atoi(v);
                found = 1;
            }
        if (!found)
            return -1;
    }
    if (strcmp(a->backend, "cpu") && strcmp(a->backend, "cuda") && strcmp(a->backend, "both"))
        return -1;
    return a->iters > 0 && a->ipc > 0 && a->classes > 1 && a->steps > 0 ? 0 : -1;
}

static int fail(const char *what, const cz_error *err)
{
    fprintf(stderr, "bench_cuda: %s: %s (%s) [%s]\n", what, err->msg, cz_status_name(err->code),
            err->hint);
    return 1;
}

/* The problem, on the host: the same for both backends. */
typedef struct problem {
    cz_model_spec spec;
    size_t rows, in, P;
    cz_real *x, *start, *target;
    int32_t *y;
} problem;

static int problem_new(const args *a, problem *pr, cz_error *err)
{
    memset(pr, 0, sizeof *pr);
    cz_model_spec s = {.classes = a->classes, .hidden = a->width};
    if (cz_arch_parse(a->arch, &s.arch, err) != CZ_OK)
        return -1;
    if (s.arch == CZ_ARCH_MLP) {
        s.channels = s.height = 1;
        s.width = a->features;
        s.depth = a->depth >= 0 ? a->depth : 2;
    } else {
        s.channels = a->channels;
        s.height = s.width = a->size;
        s.depth = a->depth >= 0 ? a->depth : 3;
        s.instance_norm = 1;
    }
    cz_model *m;
    if (cz_model_new(&s, cz_backend_cpu(), &m, err) != CZ_OK)
        return -1;
    pr->spec = s;
    pr->P = cz_model_param_count(m);
    pr->in = cz_model_input_size(m);
    cz_model_free(m);
    pr->rows = (size_t)a->ipc * (size_t)a->classes;
    pr->x = malloc(pr->rows * pr->in * sizeof *pr->x);
    pr->start = malloc(pr->P * sizeof *pr->start);
    pr->target = malloc(pr->P * sizeof *pr->target);
    pr->y = malloc(pr->rows * sizeof *pr->y);
    if (!pr->x || !pr->start || !pr->target || !pr->y) {
        cz_error_set(err, CZ_ENOMEM, NULL, "out of host memory for the problem");
        return -1;
    }
    cz_rng rng;
    cz_rng_seed(&rng, 0);
    for (size_t i = 0; i < pr->rows * pr->in; i++)
        pr->x[i] = (cz_real)cz_rng_normal(&rng);
    for (size_t i = 0; i < pr->rows; i++)
        pr->y[i] = (int32_t)(i / (size_t)a->ipc);
    for (size_t i = 0; i < pr->P; i++) {
        pr->start[i] = (cz_real)(0.05 * cz_rng_normal(&rng));
        pr->target[i] = pr->start[i] + (cz_real)(0.01 * cz_rng_normal(&rng));
    }
    return 0;
}

static void problem_free(problem *pr)
{
    free(pr->x), free(pr->start), free(pr->target), free(pr->y);
}

/* Backend memory holding a copy of host (bytes); NULL when out of memory. */
static void *to_backend(cz_backend *be, const void *host, size_t bytes)
{
    void *p = be->ops->alloc(be, bytes);
    if (p && host)
        be->ops->upload(be, p, host, bytes);
    return p;
}

static int run(cz_backend *be, const args *a, const problem *pr, result *res, cz_error *err)
{
    memset(res, 0, sizeof *res);
    size_t nx = pr->rows * pr->in;
    cz_model *m = NULL;
    cz_unroll *u = NULL;
    cz_real *x = to_backend(be, pr->x, nx * sizeof *pr->x);
    cz_real *vx = to_backend(be, NULL, nx * sizeof *pr->x);
    cz_real *gx = to_backend(be, NULL, nx * sizeof *pr->x);
    cz_real *start = to_backend(be, pr->start, pr->P * sizeof *pr->start);
    cz_real *target = to_backend(be, pr->target, pr->P * sizeof *pr->target);
    int32_t *y = to_backend(be, pr->y, pr->rows * sizeof *pr->y);
    double *ms = calloc((size_t)a->iters, sizeof *ms);
    res->gx0 = malloc(nx * sizeof *res->gx0);
    int rc = -1;
    if (!x || !vx || !gx || !start || !target || !y || !ms || !res->gx0) {
        cz_error_set(err, CZ_ENOMEM, "use a smaller ipc or model", "out of %s memory for the benchmark",
                     cz_backend_name(be));
        goto done;
    }
    if (cz_backend_sync(be, err) != CZ_OK || cz_model_new(&pr->spec, be, &m, err) != CZ_OK)
        goto done;
    cz_unroll_opts o = {.steps = a->steps, .batch = a->batch_syn};
    if (cz_unroll_new(m, pr->rows, &o, &u, err) != CZ_OK)
        goto done;
    cz_rng rng;
    cz_rng_seed(&rng, 1);
    cz_real lr = 0.01f, vlr = 0;
    for (int it = 0; it < a->warmup + a->iters; it++) {
        double t0 = now_ms();
        cz_real loss, glr;
        if (cz_unroll_match_grad(u, start, target, x, y, lr, &rng, &loss, gx, &glr, err) != CZ_OK)
            goto done;
        if (it == 0) {
            res->loss0 = loss;
            res->glr0 = glr;
            be->ops->download(be, res->gx0, gx, nx * sizeof *gx);
        }
        /* the outer SGD steps of mtt_time.py: data lr 100, rate lr 1e-5, momentum 0.5 */
        be->ops->sgd_step(be, (int64_t)nx, x, gx, vx, 100.0f, 0.5f, 0, 0);
        vlr = 0.5f * vlr + glr;
        lr -= 1e-5f * vlr;
        if (cz_backend_sync(be, err) != CZ_OK)
            goto done;
        if (it >= a->warmup)
            ms[it - a->warmup] = now_ms() - t0;
    }
    qsort(ms, (size_t)a->iters, sizeof *ms, cmp_double);
    res->ms_median = a->iters % 2 ? ms[a->iters / 2] : 0.5 * (ms[a->iters / 2 - 1] + ms[a->iters / 2]);
    res->ms_min = ms[0];
    rc = 0;
done:
    cz_unroll_free(u);
    cz_model_free(m);
    void *bufs[] = {x, vx, gx, start, target, y};
    for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++)
        if (bufs[i])
            be->ops->free(be, bufs[i]);
    free(ms);
    return rc;
}

static void print_line(const char *name, const args *a, const problem *pr, const cz_backend *be,
                       const result *r)
{
    printf("bench=unroll backend=%s arch=%s ipc=%d classes=%d steps=%d batch_syn=%d params=%zu "
           "iters=%d threads=%d ms_per_iter=%.2f ms_min=%.2f loss0=%.6g describe=\"%s\"\n",
           name, a->arch, a->ipc, a->classes, a->steps, a->batch_syn, pr->P, a->iters,
           cz_backend_threads(be), r->ms_median, r->ms_min, r->loss0, cz_backend_describe(be));
    fflush(stdout);
}

/* max |a - b| / max |b| */
static double rel_err(const cz_real *got, const cz_real *want, size_t n)
{
    double worst = 0, scale = 1e-30;
    for (size_t i = 0; i < n; i++) {
        double d = fabs((double)got[i] - (double)want[i]);
        worst = d > worst || isnan(d) ? d : worst;
        scale = fabs(want[i]) > scale ? fabs(want[i]) : scale;
    }
    return worst / scale;
}

int main(int argc, char **argv)
{
    args a;
    if (parse(argc, argv, &a) != 0) {
        fprintf(stderr, "usage: bench_cuda [--backend cpu|cuda|both] [--arch convnet|mlp] [--ipc 10] "
                        "[--classes 2] [--steps 20] [--batch-syn 0] [--iters 10] [--warmup 2] "
                        "[--threads 2] [--channels 1] [--size 28] [--features 30] [--width 128] "
                        "[--depth D] [--check]\n");
        return 2;
    }
    cz_error err;
    problem pr;
    if (problem_new(&a, &pr, &err) != 0)
        return fail("problem", &err);
    int want_cpu = strcmp(a.backend, "cuda") != 0, want_gpu = strcmp(a.backend, "cpu") != 0;
    result rc = {0}, rg = {0};
    int have_cpu = 0, have_gpu = 0, status = 0;
    if (want_gpu) {
        cz_backend *gpu = cz_backend_select("cuda", &err);
        if (!gpu) {
            printf("bench=unroll backend=cuda arch=%s skipped=\"%s\"\n", a.arch, err.msg);
            status = strcmp(a.backend, "cuda") == 0 ? 3 : 0;
        } else if (run(gpu, &a, &pr, &rg, &err) != 0) {
            status = fail("cuda run", &err);
        } else {
            have_gpu = 1;
            print_line("cuda", &a, &pr, gpu, &rg);
        }
    }
    if (want_cpu) {
        cz_backend *cpu = cz_backend_cpu();
        cz_backend_set_threads(cpu, a.threads);
        if (run(cpu, &a, &pr, &rc, &err) != 0) {
            status = fail("cpu run", &err);
        } else {
            have_cpu = 1;
            print_line("cpu", &a, &pr, cpu, &rc);
        }
    }
    if (a.check && have_cpu && have_gpu) {
        size_t nx = pr.rows * pr.in;
        double e = rel_err(rg.gx0, rc.gx0, nx);
        double elr = fabs((double)rg.glr0 - (double)rc.glr0) / fmax(fabs((double)rc.glr0), 1e-30);
        printf("bench=unroll_check arch=%s steps=%d loss_cpu=%.9g loss_cuda=%.9g rel_err_grad_x=%.3g "
               "rel_err_grad_lr=%.3g speedup=%.2f\n",
               a.arch, a.steps, rc.loss0, rg.loss0, e, elr, rc.ms_median / rg.ms_median);
    }
    free(rc.gx0), free(rg.gx0);
    problem_free(&pr);
    return status;
}
