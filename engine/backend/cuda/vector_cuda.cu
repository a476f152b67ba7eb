/* Vector ops, reductions, minibatch row moves and the SGD update on the
 * device. Elementwise ops do what the CPU backend's loops do, element by
 * element; reductions (dot, sums of squares, the finite check) are the fixed
 * tree of reduce.cuh, in double. scatter_add_rows gives each column to one
 * thread that adds the rows in index order, so repeated indices add up in the
 * CPU's order without atomics. */
#include <math.h>

#include "reduce.cuh"

__global__ void axpy_kernel(int64_t n, float alpha, const float *x, float *y)
{
    const int64_t step = (int64_t)gridDim.x * blockDim.x;
    for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += step)
        y[i] += alpha * x[i];
}

__global__ void axpby_kernel(int64_t n, float alpha, const float *x, float beta, float *y)
{
    const int64_t step = (int64_t)gridDim.x * blockDim.x;
    for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += step)
        y[i] = alpha * x[i] + beta * y[i];
}

__global__ void scale_kernel(int64_t n, float alpha, float *x)
{
    const int64_t step = (int64_t)gridDim.x * blockDim.x;
    for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += step)
        x[i] *= alpha;
}

static void cuda_axpy(cz_backend *be, int64_t n, cz_real alpha, const cz_real *x, cz_real *y)
{
    cuda_ctx *c = ctx_of(be);
    cuda_guard g(c);
    if (n <= 0)
        return;
    axpy_kernel<<<cuda_blocks(n), CUDA_THREADS, 0, c->stream>>>(n, alpha, x, y);
    CUDA_LAUNCHED(c, "axpy kernel");
}

static void cuda_axpby(cz_backend *be, int64_t n, cz_real alpha, const cz_real *x, cz_real beta,
                       cz_real *y)
{
    cuda_ctx *c = ctx_of(be);
    cuda_guard g(c);
    if (n <= 0)
        return;
    axpby_kernel<<<cuda_blocks(n), CUDA_THREADS, 0, c->stream>>>(n, alpha, x, beta, y);
    CUDA_LAUNCHED(c, "axpby kernel");
}

static void cuda_scale(cz_backend *be, int64_t n, cz_real alpha, cz_real *x)
{
    cuda_ctx *c = ctx_of(be);
    cuda_guard g(c);
    if (n <= 0)
        return;
    scale_kernel<<<cuda_blocks(n), CUDA_THREADS, 0, c->stream>>>(n, alpha, x);
    CUDA_LAUNCHED(c, "scale kernel");
}

/* ---- reductions ---- */

__global__ void reduce_final(const double *partials, unsigned count, double *out)
{
    double v[1] = {0.0};
    for (unsigned i = threadIdx.x; i < count; i += blockDim.x)
        v[0] += partials[i];
    block_sum<1>(v);
    if (threadIdx.x == 0)
        *out = v[0];
}

double cuda_finish_sum(cuda_ctx *c, unsigned partials)
{
    double *out = c->red + CUDA_REDUCE_BLOCKS;
    reduce_final<<<1, CUDA_THREADS, 0, c->stream>>>(c->red, partials, out);
    double host = __builtin_nan("");
    if (!CUDA_LAUNCHED(c, "reduce kernel") ||
        !cuda_note(c, cudaMemcpyAsync(&host, out, sizeof host, cudaMemcpyDeviceToHost, c->stream),
                   "cudaMemcpyAsync (reduction result)") ||
        !cuda_note(c, cudaStreamSynchronize(c->stream), "cudaStreamSynchronize (reduction)"))
        return __builtin_nan("");
    return host;
}

struct dot_term {
    const float *x, *y;
    __device__ double operator()(int64_t i) const { return (double)x[i] * (double)y[i]; }
};
struct sq_term {
    const float *x;
    __device__ double operator()(int64_t i) const { return (double)x[i] * (double)x[i]; }
};
struct sq_diff_term {
    const float *x, *y;
    __device__ double operator()(int64_t i) const
    {
        double d = (double)x[i] - (double)y[i];
        return d * d;
    }
};
struct nonfinite_term {
    const float *x;
    __device__ double operator()(int64_t i) const { return isfinite(x[i]) ? 0.0 : 1.0; }
};

static double cuda_dot(cz_backend *be, int64_t n, const cz_real *x, const cz_real *y)
{
    cuda_ctx *c = ctx_of(be);
    cuda_guard g(c);
    return cuda_sum(c, n, dot_term{x, y}, "dot kernel");
}

static double cuda_sumsq(cz_backend *be, int64_t n, const cz_real *x)
{
    cuda_ctx *c = ctx_of(be);
    cuda_guard g(c);
    return cuda_sum(c, n, sq_term{x}, "sumsq kernel");
}

static double cuda_sumsq_diff(cz_backend *be, int64_t n, const cz_real *x, const cz_real *y)
{
    cuda_ctx *c = ctx_of(be);
    cuda_guard g(c);
    return cuda_sum(c, n, sq_diff_term{x, y}, "sumsq_diff kernel");
}

static int cuda_all_finite(cz_backend *be, int64_t n, const cz_real *x)
{
    cuda_ctx *c = ctx_of(be);
    cuda_guard g(c);
    /* a failed reduction (NaN) reads as "not finite", and sync says why */
    return cuda_sum(c, n, nonfinite_term{x}, "all_finite kernel") == 0.0;
}

/* ---- rows ---- */

__global__ void gather_kernel(float *dst, const float *src, const int64_t *idx, int64_t n_idx,
                              int64_t row_len)
{
    const int64_t n = n_idx * row_len, step = (int64_t)gridDim.x * blockDim.x;
    for (int64_t e = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; e < n; e += step) {
        int64_t i = e / row_len, j = e - i * row_len;
        dst[e] = src[idx[i] * row_len + j];
    }
}

__global__ void scatter_add_kernel(float *dst, const float *src, const int64_t *idx, int64_t n_idx,
                                   int64_t row_len, float alpha)
{
    const int64_t step = (int64_t)gridDim.x * blockDim.x;
    for (int64_t j = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; j < row_len; j += step)
        for (int64_t i = 0; i < n_idx; i++)
            dst[idx[i] * row_len + j] += alpha * src[i * row_len + j];
}

static void cuda_gather_rows(cz_backend *be, cz_real *dst, const cz_real *src, const int64_t *host_idx,
                             int64_t n_idx, int64_t row_len)
{
    cuda_ctx *c = ctx_of(be);
    cuda_guard g(c);
    if (n_idx <= 0 || row_len <= 0)
        return;
    const int64_t *idx = (const int64_t *)cuda_stage(c, CUDA_SCRATCH_INDEX, host_idx,
                                                     (size_t)n_idx * sizeof *host_idx);
    if (!idx)
        return;
    gather_kernel<<<cuda_blocks(n_idx * row_len), CUDA_THREADS, 0, c->stream>>>(dst, src, idx, n_idx,
                                                                                row_len);
    CUDA_LAUNCHED(c, "gather_rows kernel");
}

static void cuda_scatter_add_rows(cz_backend *be, cz_real *dst, const cz_real *src,
                                  const int64_t *host_idx, int64_t n_idx, int64_t row_len,
                                  cz_real alpha)
{
    cuda_ctx *c = ctx_of(be);
    cuda_guard g(c);
    if (n_idx <= 0 || row_len <= 0)
        return;
    const int64_t *idx = (const int64_t *)cuda_stage(c, CUDA_SCRATCH_INDEX, host_idx,
                                                     (size_t)n_idx * sizeof *host_idx);
    if (!idx)
        return;
    scatter_add_kernel<<<cuda_blocks(row_len), CUDA_THREADS, 0, c->stream>>>(dst, src, idx, n_idx,
                                                                             row_len, alpha);
    CUDA_LAUNCHED(c, "scatter_add_rows kernel");
}

/* ---- optimiser ---- */

__global__ void sgd_kernel(int64_t n, float *p, const float *g, float *v, float lr, float mom,
                           float wd, int nesterov)
{
    const int64_t step = (int64_t)gridDim.x * blockDim.x;
    for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += step) {
        float gi = g[i] + wd * p[i];
        if (v && mom != 0) {
            v[i] = mom * v[i] + gi;
            gi = nesterov ? gi + mom * v[i] : v[i];
        }
        p[i] -= lr * gi;
    }
}

static void cuda_sgd_step(cz_backend *be, int64_t n, cz_real *p, const cz_real *grad, cz_real *v,
                          cz_real lr, cz_real mom, cz_real wd, int nesterov)
{
    cuda_ctx *c = ctx_of(be);
    cuda_guard g(c);
    if (n <= 0)
        return;
    sgd_kernel<<<cuda_blocks(n), CUDA_THREADS, 0, c->stream>>>(n, p, grad, v, lr, mom, wd, nesterov);
    CUDA_LAUNCHED(c, "sgd_step kernel");
}

void cuda_register_vector(cz_backend_ops *ops)
{
    ops->axpy = cuda_axpy;
    ops->axpby = cuda_axpby;
    ops->scale = cuda_scale;
    ops->dot = cuda_dot;
    ops->sumsq = cuda_sumsq;
    ops->sumsq_diff = cuda_sumsq_diff;
    ops->all_finite = cuda_all_finite;
    ops->gather_rows = cuda_gather_rows;
    ops->scatter_add_rows = cuda_scatter_add_rows;
    ops->sgd_step = cuda_sgd_step;
}
