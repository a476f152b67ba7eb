/* Vector ops, reductions, minibatch row moves and the SGD update on the host.
 * Reductions accumulate in double in index order: reproducible and accurate
 * for the parameter-sized sums of the matching loss. */
#include <math.h>
#include <string.h>

#include "cpu_hot.h"
#include "cpu_internal.h"

CZ_HOT static void cpu_axpy(cz_backend *be, int64_t n, cz_real alpha, const cz_real *x, cz_real *y)
{
    (void)be;
    for (int64_t i = 0; i < n; i++)
        y[i] += alpha * x[i];
}

CZ_HOT static void cpu_axpby(cz_backend *be, int64_t n, cz_real alpha, const cz_real *x, cz_real beta,
                      cz_real *y)
{
    (void)be;
    for (int64_t i = 0; i < n; i++)
        y[i] = alpha * x[i] + beta * y[i];
}

CZ_HOT static void cpu_scale(cz_backend *be, int64_t n, cz_real alpha, cz_real *x)
{
    (void)be;
    for (int64_t i = 0; i < n; i++)
        x[i] *= alpha;
}

static double cpu_dot(cz_backend *be, int64_t n, const cz_real *x, const cz_real *y)
{
    (void)be;
    double s = 0.0;
    for (int64_t i = 0; i < n; i++)
        s += (double)x[i] * (double)y[i];
    return s;
}

static double cpu_sumsq(cz_backend *be, int64_t n, const cz_real *x)
{
    (void)be;
    double s = 0.0;
    for (int64_t i = 0; i < n; i++)
        s += (double)x[i] * (double)x[i];
    return s;
}

static double cpu_sumsq_diff(cz_backend *be, int64_t n, const cz_real *x, const cz_real *y)
{
    (void)be;
    double s = 0.0;
    for (int64_t i = 0; i < n; i++) {
        double d = (double)x[i] - (double)y[i];
        s += d * d;
    }
    return s;
}

static int cpu_all_finite(cz_backend *be, int64_t n, const cz_real *x)
{
    (void)be;
    for (int64_t i = 0; i < n; i++)
        if (!isfinite(x[i]))
            return 0;
    return 1;
}

static void cpu_gather_rows(cz_backend *be, cz_real *dst, const cz_real *src, const int64_t *idx,
                            int64_t n_idx, int64_t row_len)
{
    (void)be;
    for (int64_t i = 0; i < n_idx; i++)
        memcpy(dst + i * row_len, src + idx[i] * row_len, (size_t)row_len * sizeof(cz_real));
}

CZ_HOT static void cpu_scatter_add_rows(cz_backend *be, cz_real *dst, const cz_real *src, const int64_t *idx,
                                 int64_t n_idx, int64_t row_len, cz_real alpha)
{
    (void)be;
    for (int64_t i = 0; i < n_idx; i++) {
        cz_real *d = dst + idx[i] * row_len;
        const cz_real *s = src + i * row_len;
        for (int64_t j = 0; j < row_len; j++)
            d[j] += alpha * s[j];
    }
}

CZ_HOT static void cpu_sgd_step(cz_backend *be, int64_t n, cz_real *p, const cz_real *g, cz_real *v,
                         cz_real lr, cz_real mom, cz_real wd, int nesterov)
{
    (void)be;
    for (int64_t i = 0; i < n; i++) {
        cz_real gi = g[i] + wd * p[i];
        if (v && mom != 0) {
            v[i] = mom * v[i] + gi;
            gi = nesterov ? gi + mom * v[i] : v[i];
        }
        p[i] -= lr * gi;
    }
}

CZ_HOT_TABLE_BEGIN
void cpu_register_vector(cz_backend_ops *ops)
{
    ops->axpy = cpu_axpy;
    ops->axpby = cpu_axpby;
    ops->scale = cpu_scale;
    ops->dot = cpu_dot;
    ops->sumsq = cpu_sumsq;
    ops->sumsq_diff = cpu_sumsq_diff;
    ops->all_finite = cpu_all_finite;
    ops->gather_rows = cpu_gather_rows;
    ops->scatter_add_rows = cpu_scatter_add_rows;
    ops->sgd_step = cpu_sgd_step;
}
CZ_HOT_TABLE_END
