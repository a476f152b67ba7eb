/* Benchmark of the unrolled MTT iteration and of a training epoch, printing
 * one machine-readable line per measurement:
 *   bench=unroll arch=mlp ... ms_per_iter=... unroll_bytes=... maxrss_mb=...
 *   bench=epoch arch=mlp ... ms_per_epoch=...
 *   bench=memory arch=convnet steps=N unroll_bytes=...
 * The unrolled iteration is the work of shared/tools/mtt_time.py: N SGD steps
 * from a start vector, the matching loss, its gradient in the synthetic data
 * and the rate (cz_unroll_match_grad), and an SGD step of the data.
 *
 * usage: bench_unroll {mlp|convnet} [--ipc 10] [--classes 2] [--steps 20]
 *        [--batch-syn 0] [--iters 10] [--warmup 2] [--threads 2]
 *        [--features 8] [--channels 1] [--size 28] [--depth D] [--width 128]
 *        [--epoch-rows R] [--memory N1,N2,...]
 * --iters 0 skips the unrolled iteration; --epoch-rows 0 skips the epoch. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "cz.h"

typedef struct args {
    const char *arch;
    int ipc, classes, steps, batch_syn, iters, warmup, threads, features, channels, size, depth,
        width, epoch_rows;
    char memory[128];
} args;

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static double cpu_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static double maxrss_mb(void)
{
    struct rusage r;
    getrusage(RUSAGE_SELF, &r);
    return r.ru_maxrss / 1024.0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

static int parse(int argc, char **argv, args *a)
{
    *a = (args){.arch = NULL, .ipc = 10, .classes = 2, .steps = 20, .batch_syn = 0, .iters = 10,
                .warmup = 2, .threads = 2, .features = 8, .channels = 1, .size = 28, .depth = -1,
                .width = 128, .epoch_rows = -1};
    strcpy(a->memory, "");
    for (int i = 1; i < argc; i++) {
        const char *k = argv[i];
        if (k[0] != '-') {
            a->arch = k;
            continue;
        }
        if (i + 1 >= argc)
            return -1;
        const char *v = argv[++i];
        struct { const char *name; int *dst; } ints[] = {
            {"--ipc", &a->ipc}, {"--classes", &a->classes}, {"--steps", &a->steps},
            {"--batch-syn", &a->batch_syn}, {"--iters", &a->iters}, {"--warmup", &a->warmup},
            {"--threads", &a->threads}, {"--features", &a->features}, {"--channels", &a->channels},
            {"--size", &a->size}, {"--depth", &a->depth}, {"--width", &a->width},
            {"--epoch-rows", &a->epoch_rows}};
        int found = 0;
        for (size_t j = 0; j < sizeof ints / sizeof ints[0]; j++)
            if (strcmp(k, ints[j].name) == 0) {
                *ints[j].dst = atoi(v);
                found = 1;
            }
        if (strcmp(k, "--memory") == 0) {
            snprintf(a->memory, sizeof a->memory, "%s", v);
            found = 1;
        }
        if (!found)
            return -1;
    }
    return a->arch ? 0 : -1;
}

static int die(const char *what, const cz_error *err)
{
    fprintf(stderr, "bench_unroll: %s: %s (%s)\n", what, err->msg, err->hint);
    return 1;
}

int main(int argc, char **argv)
{
    args a;
    if (parse(argc, argv, &a) != 0) {
        fprintf(stderr, "usage: bench_unroll {mlp|convnet} [--ipc 10] [--classes 2] [--steps 20] "
                        "[--batch-syn 0] [--iters 10] [--warmup 2] [--threads 2] [--features 8] "
                        "[--channels 1] [--size 28] [--depth D] [--width 128] [--epoch-rows R] "
                        "[--memory 10,20,40,80]\n");
        return 2;
    }
    cz_error err;
    cz_backend *be = cz_backend_cpu();
    cz_backend_set_threads(be, a.threads);
    cz_model_spec spec = {.classes = a.classes, .hidden = a.width};
    if (cz_arch_parse(a.arch, &spec.arch, &err) != CZ_OK)
        return die("arch", &err);
    if (spec.arch == CZ_ARCH_MLP) {
        spec.channels = spec.height = 1;
        spec.width = a.features;
        spec.depth = a.depth >= 0 ? a.depth : 2;
    } else {
        spec.channels = a.channels;
        spec.height = spec.width = a.size;
        spec.depth = a.depth >= 0 ? a.depth : 3;
        spec.instance_norm = 1;
    }
    cz_model *m;
    if (cz_model_new(&spec, be, &m, &err) != CZ_OK)
        return die("model", &err);
    size_t P = cz_model_param_count(m), in = cz_model_input_size(m);
    size_t rows = (size_t)a.ipc * (size_t)a.classes;
    cz_rng rng;
    cz_rng_seed(&rng, 0);
    cz_real *x = malloc(rows * in * sizeof *x), *gx = malloc(rows * in * sizeof *gx);
    cz_real *vx = calloc(rows * in, sizeof *vx);
    cz_real *start = malloc(P * sizeof *start), *target = malloc(P * sizeof *target);
    int32_t *y = malloc(rows * sizeof *y);
    for (size_t i = 0; i < rows * in; i++)
        x[i] = (cz_real)cz_rng_normal(&rng);
    for (size_t i = 0; i < rows; i++)
        y[i] = (int32_t)(i / (size_t)a.ipc);
    for (size_t i = 0; i < P; i++) {
        start[i] = (cz_real)(0.05 * cz_rng_normal(&rng));
        target[i] = start[i] + (cz_real)(0.01 * cz_rng_normal(&rng));
    }
    char desc[160];
    cz_model_describe(m, desc, sizeof desc);
    const char *shape = spec.arch == CZ_ARCH_MLP ? "features" : "size";
    int shape_v = spec.arch == CZ_ARCH_MLP ? a.features : a.size;

    /* ---- the unrolled MTT iteration ---- */
    cz_unroll_opts o = {.steps = a.steps, .batch = a.batch_syn};
    cz_unroll *u;
    if (cz_unroll_new(m, rows, &o, &u, &err) != CZ_OK)
        return die("unroll", &err);
    cz_real lr = 0.01f;
    int bs = a.batch_syn > 0 && (size_t)a.batch_syn < rows ? a.batch_syn : (int)rows;
    double *t = malloc((size_t)(a.iters > 0 ? a.iters : 1) * sizeof *t), cpu_total = 0;
    if (a.iters > 0) { /* --iters 0: only the epoch and memory lines */
        for (int it = 0; it < a.warmup + a.iters; it++) {
            double t0 = now_ms(), c0 = cpu_ms();
            cz_real loss, glr;
            if (cz_unroll_match_grad(u, start, target, x, y, lr, &rng, &loss, gx, &glr, &err) != CZ_OK)
                return die("match_grad", &err);
            for (size_t i = 0; i < rows * in; i++) { /* SGD(lr 100, momentum 0.5), as mtt_time.py */
                vx[i] = 0.5f * vx[i] + gx[i];
                x[i] -= 100.0f * vx[i];
            }
            if (it >= a.warmup) {
                t[it - a.warmup] = now_ms() - t0;
                cpu_total += cpu_ms() - c0;
            }
        }
        double tmin = t[0];
        for (int i = 1; i < a.iters; i++)
            tmin = t[i] < tmin ? t[i] : tmin;
        printf("bench=unroll impl=condensa arch=%s %s=%d params=%zu ipc=%d classes=%d steps=%d "
               "batch_syn=%d threads=%d real=%s ms_per_iter=%.2f ms_min=%.2f cpu_ms_per_iter=%.2f "
               "unroll_bytes=%zu maxrss_mb=%.0f model=\"%s\"\n",
               a.arch, shape, shape_v, P, a.ipc, a.classes, a.steps, bs, a.threads, CZ_REAL_NAME,
               median(t, a.iters), tmin, cpu_total / a.iters, cz_unroll_bytes(u), maxrss_mb(), desc);
        fflush(stdout);
    }
    cz_unroll_free(u);

    /* ---- memory of the unroll as N grows (before the epoch: the model's
     * workspace keeps the largest batch it served) ---- */
    for (char *p = a.memory; *p;) {
        int steps = (int)strtol(p, &p, 10);
        if (*p == ',')
            p++;
        if (steps < 1)
            break;
        cz_unroll_opts om = {.steps = steps, .batch = a.batch_syn};
        if (cz_unroll_new(m, rows, &om, &u, &err) != CZ_OK)
            return die("unroll", &err);
        printf("bench=memory impl=condensa arch=%s params=%zu ipc=%d classes=%d steps=%d batch_syn=%d "
               "unroll_bytes=%zu param_vector_bytes=%zu\n",
               a.arch, P, a.ipc, a.classes, steps, bs, cz_unroll_bytes(u), P * sizeof(cz_real));
        cz_unroll_free(u);
    }
    /* ---- one training epoch (an expert's epoch) ---- */
    size_t erows = a.epoch_rows >= 0 ? (size_t)a.epoch_rows : (spec.arch == CZ_ARCH_MLP ? 538 : 1024);
    if (erows > 0) {
        cz_real *ex = malloc(erows * in * sizeof *ex), *theta = malloc(P * sizeof *theta);
        int32_t *ey = malloc(erows * sizeof *ey);
        for (size_t i = 0; i < erows * in; i++)
            ex[i] = (cz_real)cz_rng_normal(&rng);
        for (size_t i = 0; i < erows; i++)
            ey[i] = (int32_t)(i % (size_t)a.classes);
        cz_model_init(m, &rng, theta);
        cz_sgd opt = {.lr = 0.01, .batch = 256};
        int reps = spec.arch == CZ_ARCH_MLP ? 20 : 3;
        double *te = malloc((size_t)reps * sizeof *te);
        for (int r = 0; r < reps + 1; r++) {
            double t0 = now_ms(), loss;
            if (cz_train_epoch(m, theta, NULL, ex, ey, erows, &opt, &rng, &loss, &err) != CZ_OK)
                return die("epoch", &err);
            if (r > 0)
                te[r - 1] = now_ms() - t0;
        }
        printf("bench=epoch impl=condensa arch=%s %s=%d params=%zu rows=%zu batch=256 threads=%d "
               "real=%s ms_per_epoch=%.2f\n",
               a.arch, shape, shape_v, P, erows, a.threads, CZ_REAL_NAME, median(te, reps));
        free(ex), free(theta), free(ey), free(te);
    }

    free(t), free(x), free(gx), free(vx), free(start), free(target), free(y);
    cz_model_free(m);
    return 0;
}
