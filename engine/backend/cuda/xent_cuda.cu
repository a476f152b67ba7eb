/* Softmax cross-entropy on the device: the loss, its gradient in the logits,
 * the product of its Hessian diag(p) - p p^T with a tangent, and the plain
 * softmax of predictions; the formulas of xent_cpu.c, in double per row.
 * Batch sums (the loss and the total class weight) run in one block through
 * the fixed tree of reduce.cuh. Labels live on the device, so the kernels
 * check them: a row whose label is outside 0..classes-1 is left out (weight
 * 0, zero gradient) and the smallest such row is flagged for sync to report. */
#include <math.h>

#include "reduce.cuh"

/* Keeps the smallest bad row (1 + row) in the flag; 0 means none. */
__device__ void flag_bad_label(int *flag, int64_t row)
{
    const int want = (int)row + 1;
    int old = *(volatile int *)flag;
    while (old == 0 || old > want) {
        int prev = atomicCAS(flag, old, want);
        if (prev == old)
            break;
        old = prev;
    }
}

/* Weight of row i, or -1 when its label is out of range (flagged). */
__device__ double row_weight(const int32_t *labels, const float *class_w, int64_t i, int64_t classes,
                             int *flag)
{
    int32_t y = labels[i];
    if (y < 0 || y >= classes) {
        flag_bad_label(flag, i);
        return -1.0;
    }
    return class_w ? (double)class_w[y] : 1.0;
}

/* One block: probs of every row; out[0] = sum w_i nll_i, out[1] = sum w_i. */
__global__ void xent_fwd_kernel(float *probs, const float *logits, const int32_t *labels,
                                const float *class_w, int64_t batch, int64_t classes, double *out,
                                int *flag)
{
    double v[2] = {0.0, 0.0};
    for (int64_t i = threadIdx.x; i < batch; i += blockDim.x) {
        const float *z = logits + i * classes;
        float *p = probs + i * classes;
        double zmax = z[0];
        for (int64_t c = 1; c < classes; c++)
            zmax = z[c] > zmax ? z[c] : zmax;
        double sum = 0.0;
        for (int64_t c = 0; c < classes; c++)
            sum += exp((double)z[c] - zmax);
        const double log_sum = log(sum);
        for (int64_t c = 0; c < classes; c++)
            p[c] = (float)exp((double)z[c] - zmax - log_sum);
        double w = row_weight(labels, class_w, i, classes, flag);
        if (w < 0)
            continue;
        v[0] += w * -((double)z[labels[i]] - zmax - log_sum);
        v[1] += w;
    }
    block_sum<2>(v);
    if (threadIdx.x == 0) {
        out[0] = v[0];
        out[1] = v[1];
    }
}

/* One block: *wsum = sum of the rows' weights (the weighted mean's denominator). */
__global__ void batch_weight_kernel(const int32_t *labels, const float *class_w, int64_t batch,
                                    int64_t classes, double *wsum)
{
    double v[1] = {0.0};
    for (int64_t i = threadIdx.x; i < batch; i += blockDim.x) {
        int32_t y = labels[i];
        if (y >= 0 && y < classes)
            v[0] += class_w ? (double)class_w[y] : 1.0;
    }
    block_sum<1>(v);
    if (threadIdx.x == 0)
        *wsum = v[0];
}

__global__ void xent_bwd_kernel(float *dlogits, const float *probs, const int32_t *labels,
                                const float *class_w, int64_t batch, int64_t classes,
                                const double *wsum, int *flag)
{
    const int64_t n = batch * classes, step = (int64_t)gridDim.x * blockDim.x;
    const double ws = *wsum;
    for (int64_t e = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; e < n; e += step) {
        int64_t i = e / classes, c = e - i * classes;
        double w = row_weight(labels, class_w, i, classes, flag);
        double scale = (ws > 0 && w >= 0) ? w / ws : 0.0;
        dlogits[e] = (float)(scale * ((double)probs[e] - (c == labels[i] ? 1.0 : 0.0)));
    }
}

/* One thread per row: out = scale p (z' - <p, z'>). */
__global__ void xent_hvp_kernel(float *out, const float *probs, const float *zdot,
                                const int32_t *labels, const float *class_w, int64_t batch,
                                int64_t classes, const double *wsum, int *flag)
{
    const int64_t step = (int64_t)gridDim.x * blockDim.x;
    const double ws = *wsum;
    for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < batch; i += step) {
        double w = row_weight(labels, class_w, i, classes, flag);
        double scale = (ws > 0 && w >= 0) ? w / ws : 0.0;
        const float *p = probs + i * classes, *zd = zdot + i * classes;
        float *o = out + i * classes;
        double pz = 0.0;
        for (int64_t c = 0; c < classes; c++)
            pz += (double)p[c] * zd[c];
        for (int64_t c = 0; c < classes; c++)
            o[c] = (float)(scale * p[c] * ((double)zd[c] - pz));
    }
}

__global__ void softmax_kernel(float *probs, const float *logits, int64_t batch, int64_t classes)
{
    const int64_t step = (int64_t)gridDim.x * blockDim.x;
    for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < batch; i += step) {
        const float *z = logits + i * classes;
        float *p = probs + i * classes;
        double zmax = z[0], sum = 0.0;
        for (int64_t c = 1; c < classes; c++)
            zmax = z[c] > zmax ? z[c] : zmax;
        for (int64_t c = 0; c < classes; c++)
            sum += exp((double)z[c] - zmax);
        for (int64_t c = 0; c < classes; c++)
            p[c] = (float)(exp((double)z[c] - zmax) / sum);
    }
}

static double cuda_xent_fwd(cz_backend *be, cz_real *probs, const cz_real *logits,
                            const int32_t *labels, const cz_real *class_w, int64_t batch,
                            int64_t classes)
{
    cuda_ctx *c = ctx_of(be);
    cuda_guard g(c);
    if (batch <= 0 || classes <= 0)
        return 0.0;
    xent_fwd_kernel<<<1, CUDA_THREADS, 0, c->stream>>>(probs, logits, labels, class_w, batch, classes,
                                                       c->red, c->bad_label);
    double host[2] = {__builtin_nan(""), 0.0};
    if (!CUDA_LAUNCHED(c, "cross-entropy forward kernel") ||
        !cuda_note(c, cudaMemcpyAsync(host, c->red, sizeof host, cudaMemcpyDeviceToHost, c->stream),
                   "cudaMemcpyAsync (loss)") ||
        !cuda_note(c, cudaStreamSynchronize(c->stream), "cudaStreamSynchronize (loss)"))
        return __builtin_nan("");
    return host[1] > 0 ? host[0] / host[1] : 0.0;
}

static void cuda_xent_bwd(cz_backend *be, cz_real *dlogits, const cz_real *probs,
                          const int32_t *labels, const cz_real *class_w, int64_t batch,
                          int64_t classes)
{
    cuda_ctx *c = ctx_of(be);
    cuda_guard g(c);
    if (batch <= 0 || classes <= 0)
        return;
    batch_weight_kernel<<<1, CUDA_THREADS, 0, c->stream>>>(labels, class_w, batch, classes, c->red);
    xent_bwd_kernel<<<cuda_blocks(batch * classes), CUDA_THREADS, 0, c->stream>>>(
        dlogits, probs, labels, class_w, batch, classes, c->red, c->bad_label);
    CUDA_LAUNCHED(c, "cross-entropy backward kernels");
}

static void cuda_xent_hvp(cz_backend *be, cz_real *dlogits_dot, const cz_real *probs,
                          const cz_real *logits_dot, const int32_t *labels, const cz_real *class_w,
                          int64_t batch, int64_t classes)
{
    cuda_ctx *c = ctx_of(be);
    cuda_guard g(c);
    if (batch <= 0 || classes <= 0)
        return;
    batch_weight_kernel<<<1, CUDA_THREADS, 0, c->stream>>>(labels, class_w, batch, classes, c->red);
    xent_hvp_kernel<<<cuda_blocks(batch), CUDA_THREADS, 0, c->stream>>>(
        dlogits_dot, probs, logits_dot, labels, class_w, batch, classes, c->red, c->bad_label);
    CUDA_LAUNCHED(c, "cross-entropy Hessian kernels");
}

static void cuda_softmax_rows(cz_backend *be, cz_real *probs, const cz_real *logits, int64_t batch,
                              int64_t classes)
{
    cuda_ctx *c = ctx_of(be);
    cuda_guard g(c);
    if (batch <= 0 || classes <= 0)
        return;
    softmax_kernel<<<cuda_blocks(batch), CUDA_THREADS, 0, c->stream>>>(probs, logits, batch, classes);
    CUDA_LAUNCHED(c, "softmax kernel");
}

void cuda_register_xent(cz_backend_ops *ops)
{
    ops->xent_fwd = cuda_xent_fwd;
    ops->xent_bwd = cuda_xent_bwd;
    ops->xent_hvp = cuda_xent_hvp;
    ops->softmax_rows = cuda_softmax_rows;
}
