/* Device layer kernels that are simple maps: bias, ReLU, 2x2 average and
 * max pooling. The bias gradient is a per-channel sum: one block per channel
 * sums its rows in the fixed tree of reduce.cuh (no atomics). Convolution,
 * instance norm and cross-entropy have files of their own. */
#include "reduce.cuh"

__global__ void bias_add_kernel(float *y, const float *b, int64_t n, int64_t cols, int64_t inner)
{
    const int64_t step = (int64_t)gridDim.x * blockDim.x;
    for (int64_t e = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; e < n; e += step)
        y[e] += b[(e / inner) % cols];
}

/* One block per channel c: db[c] += sum over r, i of dy[r, c, i]. */
__global__ void bias_grad_kernel(float *db, const float *dy, int64_t rows, int64_t cols, int64_t inner)
{
    const int64_t c = blockIdx.x, n = rows * inner;
    double v[1] = {0.0};
    for (int64_t e = threadIdx.x; e < n; e += blockDim.x) {
        int64_t r = e / inner, i = e - r * inner;
        v[0] += dy[(r * cols + c) * inner + i];
    }
    block_sum<1>(v);
    if (threadIdx.x == 0)
        db[c] += (float)v[0];
}

static void cuda_bias_add(cz_backend *be, cz_real *y, const cz_real *b, int64_t rows, int64_t cols,
                          int64_t inner)
{
    cuda_ctx *c = ctx_of(be);
    cuda_guard g(c);
    int64_t n = rows * cols * inner;
    if (n <= 0)
        return;
    bias_add_kernel<<<cuda_blocks(n), CUDA_THREADS, 0, c->stream>>>(y, b, n, cols, inner);
    CUDA_LAUNCHED(c, "bias_add kernel");
}

static void cuda_bias_grad(cz_backend *be, cz_real *db, const cz_real *dy, int64_t rows, int64_t cols,
                           int64_t inner)
{
    cuda_ctx *c = ctx_of(be);
    cuda_guard g(c);
    if (cols <= 0 || rows * inner <= 0)
        return;
    bias_grad_kernel<<<(unsigned)cols, CUDA_THREADS, 0, c->stream>>>(db, dy, rows, cols, inner);
    CUDA_LAUNCHED(c, "bias_grad kernel");
}

__global__ void relu_kernel(float *y, const float *x, int64_t n)
{
    const int64_t step = (int64_t)gridDim.x * blockDim.x;
    for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += step)
        y[i] = x[i] > 0 ? x[i] : 0.0f;
}

__global__ void relu_mask_kernel(float *out, const float *in, const float *x, int64_t n)
{
    const int64_t step = (int64_t)gridDim.x * blockDim.x;
    for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += step)
        out[i] = x[i] > 0 ? in[i] : 0.0f;
}

static void cuda_relu_fwd(cz_backend *be, cz_real *y, const cz_real *x, int64_t n)
{
    cuda_ctx *c = ctx_of(be);
    cuda_guard g(c);
    if (n <= 0)
        return;
    relu_kernel<<<cuda_blocks(n), CUDA_THREADS, 0, c->stream>>>(y, x, n);
    CUDA_LAUNCHED(c, "relu kernel");
}

static void cuda_relu_mask(cz_backend *be, cz_real *out, const cz_real *in, const cz_real *x, int64_t n)
{
    cuda_ctx *c = ctx_of(be);
    cuda_guard g(c);
    if (n <= 0)
        return;
    relu_mask_kernel<<<cuda_blocks(n), CUDA_THREADS, 0, c->stream>>>(out, in, x, n);
    CUDA_LAUNCHED(c, "relu_mask kernel");
}

/* One thread per output: the mean of its 2x2 window. */
__global__ void avgpool2_fwd_kernel(float *y, const float *x, int64_t planes, int64_t h, int64_t w)
{
    const int64_t ho = h / 2, wo = w / 2, n = planes * ho * wo;
    const int64_t step = (int64_t)gridDim.x * blockDim.x;
    for (int64_t e = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; e < n; e += step) {
        int64_t p = e / (ho * wo), rem = e - p * ho * wo, i = rem / wo, j = rem - i * wo;
        const float *q = x + p * h * w + 2 * i * w + 2 * j;
        y[e] = 0.25f * (q[0] + q[1] + q[w] + q[w + 1]);
    }
}

/* One thread per input: a quarter of its window's gradient, zero in a dropped
 * odd last row or column. */
__global__ void avgpool2_bwd_kernel(float *dx, const float *dy, int64_t planes, int64_t h, int64_t w)
{
    const int64_t ho = h / 2, wo = w / 2, n = planes * h * w;
    const int64_t step = (int64_t)gridDim.x * blockDim.x;
    for (int64_t e = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; e < n; e += step) {
        int64_t p = e / (h * w), rem = e - p * h * w, r = rem / w, q = rem - r * w;
        int64_t i = r / 2, j = q / 2;
        dx[e] = (i < ho && j < wo) ? 0.25f * dy[p * ho * wo + i * wo + j] : 0.0f;
    }
}

static void cuda_avgpool2_fwd(cz_backend *be, cz_real *y, const cz_real *x, int64_t planes, int64_t h,
                              int64_t w)
{
    cuda_ctx *c = ctx_of(be);
    cuda_guard g(c);
    int64_t n = planes * (h / 2) * (w / 2);
    if (n <= 0)
        return;
    avgpool2_fwd_kernel<<<cuda_blocks(n), CUDA_THREADS, 0, c->stream>>>(y, x, planes, h, w);
    CUDA_LAUNCHED(c, "avgpool2 forward kernel");
}

static void cuda_avgpool2_bwd(cz_backend *be, cz_real *dx, const cz_real *dy, int64_t planes, int64_t h,
                              int64_t w)
{
    cuda_ctx *c = ctx_of(be);
    cuda_guard g(c);
    int64_t n = planes * h * w;
    if (n <= 0)
        return;
    avgpool2_bwd_kernel<<<cuda_blocks(n), CUDA_THREADS, 0, c->stream>>>(dx, dy, planes, h, w);
    CUDA_LAUNCHED(c, "avgpool2 backward kernel");
}

/* 2x2 max pooling: the forward keeps each window's argmax (offset 0..3,
 * row-major in the window, first maximum on ties, as the CPU); the VJP gives
 * each input its window's gradient when it was the argmax (zero elsewhere,
 * and in a dropped odd row or column); the JVP picks the tangent there. */
__global__ void maxpool2_fwd_kernel(float *y, float *arg, const float *x, int64_t planes, int64_t h,
                                    int64_t w)
{
    const int64_t ho = h / 2, wo = w / 2, n = planes * ho * wo;
    const int64_t step = (int64_t)gridDim.x * blockDim.x;
    for (int64_t e = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; e < n; e += step) {
        int64_t p = e / (ho * wo), rem = e - p * ho * wo, i = rem / wo, j = rem - i * wo;
        const float *q = x + p * h * w + 2 * i * w + 2 * j;
        float v[4] = {q[0], q[1], q[w], q[w + 1]};
        int best = 0;
        for (int k = 1; k < 4; k++)
            if (v[k] > v[best])
                best = k;
        y[e] = v[best];
        arg[e] = (float)best;
    }
}

__global__ void maxpool2_bwd_kernel(float *dx, const float *dy, const float *arg, int64_t planes,
                                    int64_t h, int64_t w)
{
    const int64_t ho = h / 2, wo = w / 2, n = planes * h * w;
    const int64_t step = (int64_t)gridDim.x * blockDim.x;
    for (int64_t e = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; e < n; e += step) {
        int64_t p = e / (h * w), rem = e - p * h * w, r = rem / w, q = rem - r * w;
        int64_t i = r / 2, j = q / 2, o = (p * ho + i) * wo + j;
        int k = (int)((r & 1) * 2 + (q & 1));
        dx[e] = (i < ho && j < wo && (int)arg[o] == k) ? dy[o] : 0.0f;
    }
}

__global__ void maxpool2_gather_kernel(float *ydot, const float *xdot, const float *arg,
                                       int64_t planes, int64_t h, int64_t w)
{
    const int64_t ho = h / 2, wo = w / 2, n = planes * ho * wo;
    const int64_t step = (int64_t)gridDim.x * blockDim.x;
    for (int64_t e = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; e < n; e += step) {
        int64_t p = e / (ho * wo), rem = e - p * ho * wo, i = rem / wo, j = rem - i * wo;
        int k = (int)arg[e];
        ydot[e] = xdot[p * h * w + (2 * i + (k >> 1)) * w + 2 * j + (k & 1)];
    }
}

static void cuda_maxpool2_fwd(cz_backend *be, cz_real *y, cz_real *arg, const cz_real *x,
                              int64_t planes, int64_t h, int64_t w)
{
    cuda_ctx *c = ctx_of(be);
    cuda_guard g(c);
    int64_t n = planes * (h / 2) * (w / 2);
    if (n <= 0)
        return;
    maxpool2_fwd_kernel<<<cuda_blocks(n), CUDA_THREADS, 0, c->stream>>>(y, arg, x, planes, h, w);
    CUDA_LAUNCHED(c, "maxpool2 forward kernel");
}

static void cuda_maxpool2_bwd(cz_backend *be, cz_real *dx, const cz_real *dy, const cz_real *arg,
                              int64_t planes, int64_t h, int64_t w)
{
    cuda_ctx *c = ctx_of(be);
    cuda_guard g(c);
    int64_t n = planes * h * w;
    if (n <= 0)
        return;
    maxpool2_bwd_kernel<<<cuda_blocks(n), CUDA_THREADS, 0, c->stream>>>(dx, dy, arg, planes, h, w);
    CUDA_LAUNCHED(c, "maxpool2 backward kernel");
}

static void cuda_maxpool2_gather(cz_backend *be, cz_real *ydot, const cz_real *xdot, const cz_real *arg,
                                 int64_t planes, int64_t h, int64_t w)
{
    cuda_ctx *c = ctx_of(be);
    cuda_guard g(c);
    int64_t n = planes * (h / 2) * (w / 2);
    if (n <= 0)
        return;
    maxpool2_gather_kernel<<<cuda_blocks(n), CUDA_THREADS, 0, c->stream>>>(ydot, xdot, arg, planes, h, w);
    CUDA_LAUNCHED(c, "maxpool2 tangent kernel");
}

void cuda_register_layers(cz_backend_ops *ops)
{
    ops->maxpool2_fwd = cuda_maxpool2_fwd;
    ops->maxpool2_bwd = cuda_maxpool2_bwd;
    ops->maxpool2_gather = cuda_maxpool2_gather;
    ops->bias_add = cuda_bias_add;
    ops->bias_grad = cuda_bias_grad;
    ops->relu_fwd = cuda_relu_fwd;
    ops->relu_mask = cuda_relu_mask;
    ops->avgpool2_fwd = cuda_avgpool2_fwd;
    ops->avgpool2_bwd = cuda_avgpool2_bwd;
}
