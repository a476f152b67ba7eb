/* 2-D convolution on the device by im2col + cuBLAS, a chunk of examples at a
 * time (the backend's own scratch holds one chunk's columns; the model's
 * scratch is not used, so conv2d_scratch is 0). No bias: the layer adds it
 * with bias_add. Shapes: x (B, Cin, H, W), w (Cout, Cin, k, k),
 * y (B, Cout, Ho, Wo); K = Cin k k rows of columns, HW = Ho Wo.
 *
 *   forward       y_b = W col_b            (strided-batched GEMM over the chunk)
 *   input grad    dcol_b = W^T dy_b, then col2im as a gather: each input
 *                 element adds its (ki, kj) terms in a fixed order (no atomics)
 *   weight grad   dW += dy^T-chunk col-chunk^T: one GEMM over the chunk, with
 *                 the columns laid out (K, chunk HW) and dy as (Cout, chunk HW);
 *                 chunks add in order
 *
 * The chunk size depends only on the shape, so the sums are the same every run. */
#include "cuda_internal.cuh"

/* Floats per scratch buffer; chunks are sized to fit. */
#define CONV_SCRATCH_FLOATS ((int64_t)32 << 20)

static int64_t col_rows(const cz_conv_shape *s) { return s->c_in * s->k * s->k; }
static int64_t col_cols(const cz_conv_shape *s) { return s->h_out * s->w_out; }

static int is_pointwise(const cz_conv_shape *s)
{
    return s->k == 1 && s->pad == 0 && s->stride == 1;
}

static int64_t chunk_of(const cz_conv_shape *s, int64_t per_example)
{
    int64_t n = per_example > 0 ? CONV_SCRATCH_FLOATS / per_example : s->batch;
    n = n < 1 ? 1 : n;
    return n < s->batch ? n : s->batch;
}

/* Columns of bc examples starting at x. Batched layout: col[b][kr][p];
 * wide layout: col[kr][b][p] (a (K, bc HW) matrix). e runs in memory order. */
__global__ void im2col_kernel(float *col, const float *x, int64_t bc, cz_conv_shape s, int wide)
{
    const int64_t K = s.c_in * s.k * s.k, HW = s.h_out * s.w_out, n = bc * K * HW;
    const int64_t step = (int64_t)gridDim.x * blockDim.x;
    for (int64_t e = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; e < n; e += step) {
        int64_t b, kr, p;
        if (wide) {
            kr = e / (bc * HW);
            int64_t rem = e - kr * bc * HW;
            b = rem / HW;
            p = rem - b * HW;
        } else {
            b = e / (K * HW);
            int64_t rem = e - b * K * HW;
            kr = rem / HW;
            p = rem - kr * HW;
        }
        int64_t c = kr / (s.k * s.k), ki = (kr / s.k) % s.k, kj = kr % s.k;
        int64_t i = p / s.w_out, j = p - i * s.w_out;
        int64_t r = i * s.stride - s.pad + ki, q = j * s.stride - s.pad + kj;
        col[e] = (r >= 0 && r < s.h && q >= 0 && q < s.w)
                     ? x[((b * s.c_in + c) * s.h + r) * s.w + q]
                     : 0.0f;
    }
}

/* dx (bc, Cin, H, W) = col2im(dcol) + beta dx, dcol in the batched layout. */
__global__ void col2im_kernel(float *dx, const float *col, int64_t bc, cz_conv_shape s, float beta)
{
    const int64_t K = s.c_in * s.k * s.k, HW = s.h_out * s.w_out;
    const int64_t n = bc * s.c_in * s.h * s.w, step = (int64_t)gridDim.x * blockDim.x;
    for (int64_t e = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; e < n; e += step) {
        int64_t q = e % s.w, r = (e / s.w) % s.h, c = (e / (s.w * s.h)) % s.c_in;
        int64_t b = e / (s.w * s.h * s.c_in);
        float acc = beta == 0.0f ? 0.0f : beta * dx[e];
        const float *cb = col + b * K * HW;
        for (int64_t ki = 0; ki < s.k; ki++) {
            int64_t t = r + s.pad - ki;
            if (t < 0 || t % s.stride)
                continue;
            int64_t i = t / s.stride;
            if (i >= s.h_out)
                continue;
            for (int64_t kj = 0; kj < s.k; kj++) {
                int64_t u = q + s.pad - kj;
                if (u < 0 || u % s.stride)
                    continue;
                int64_t j = u / s.stride;
                if (j >= s.w_out)
                    continue;
                acc += cb[((c * s.k + ki) * s.k + kj) * HW + i * s.w_out + j];
            }
        }
        dx[e] = acc;
    }
}

/* t (Cout, bc HW) from dy (bc, Cout, HW). */
__global__ void dy_wide_kernel(float *t, const float *dy, int64_t bc, int64_t cout, int64_t hw)
{
    const int64_t n = bc * cout * hw, step = (int64_t)gridDim.x * blockDim.x;
    for (int64_t e = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; e < n; e += step) {
        int64_t co = e / (bc * hw), rem = e - co * bc * hw, b = rem / hw, p = rem - b * hw;
        t[e] = dy[(b * cout + co) * hw + p];
    }
}

static int64_t cuda_conv2d_scratch(cz_backend *be, const cz_conv_shape *s)
{
    return 0;
}

static void cuda_conv2d_fwd(cz_backend *be, const cz_conv_shape *s, cz_real *y, const cz_real *x,
                            const cz_real *w, cz_real beta, cz_real *scratch)
{
    cuda_ctx *c = ctx_of(be);
    cuda_guard g(c);
    const int64_t K = col_rows(s), HW = col_cols(s), in = s->c_in * s->h * s->w, out = s->c_out * HW;
    if (s->batch <= 0 || out <= 0)
        return;
    if (is_pointwise(s)) { /* the input is its own columns */
        cuda_gemm_batched(c, 0, 0, s->c_out, HW, K, 1, w, K, 0, x, HW, in, beta, y, HW, out, s->batch);
        return;
    }
    const int64_t chunk = chunk_of(s, K * HW);
    float *col = (float *)cuda_scratch(c, CUDA_SCRATCH_COL, (size_t)(chunk * K * HW) * sizeof(float));
    if (!col)
        return;
    for (int64_t b0 = 0; b0 < s->batch; b0 += chunk) {
        int64_t bc = s->batch - b0 < chunk ? s->batch - b0 : chunk;
        im2col_kernel<<<cuda_blocks(bc * K * HW), CUDA_THREADS, 0, c->stream>>>(col, x + b0 * in, bc,
                                                                                 *s, 0);
        if (!CUDA_LAUNCHED(c, "conv2d im2col kernel"))
            return;
        cuda_gemm_batched(c, 0, 0, s->c_out, HW, K, 1, w, K, 0, col, HW, K * HW, beta, y + b0 * out, HW,
                          out, bc);
    }
}

static void cuda_conv2d_bwd_input(cz_backend *be, const cz_conv_shape *s, cz_real *dx,
                                  const cz_real *dy, const cz_real *w, cz_real beta,
                                  cz_real *scratch)
{
    cuda_ctx *c = ctx_of(be);
    cuda_guard g(c);
    const int64_t K = col_rows(s), HW = col_cols(s), in = s->c_in * s->h * s->w, out = s->c_out * HW;
    if (s->batch <= 0 || in <= 0)
        return;
    if (is_pointwise(s)) {
        cuda_gemm_batched(c, 1, 0, K, HW, s->c_out, 1, w, K, 0, dy, HW, out, beta, dx, HW, in, s->batch);
        return;
    }
    const int64_t chunk = chunk_of(s, K * HW);
    float *col = (float *)cuda_scratch(c, CUDA_SCRATCH_COL, (size_t)(chunk * K * HW) * sizeof(float));
    if (!col)
        return;
    for (int64_t b0 = 0; b0 < s->batch; b0 += chunk) {
        int64_t bc = s->batch - b0 < chunk ? s->batch - b0 : chunk;
        cuda_gemm_batched(c, 1, 0, K, HW, s->c_out, 1, w, K, 0, dy + b0 * out, HW, out, 0, col, HW,
                          K * HW, bc);
        col2im_kernel<<<cuda_blocks(bc * in), CUDA_THREADS, 0, c->stream>>>(dx + b0 * in, col, bc, *s,
                                                                            beta);
        if (!CUDA_LAUNCHED(c, "conv2d col2im kernel"))
            return;
    }
}

static void cuda_conv2d_bwd_weight(cz_backend *be, const cz_conv_shape *s, cz_real *dw,
                                   const cz_real *dy, const cz_real *x, cz_real *scratch)
{
    cuda_ctx *c = ctx_of(be);
    cuda_guard g(c);
    const int64_t K = col_rows(s), HW = col_cols(s), in = s->c_in * s->h * s->w, out = s->c_out * HW;
    if (s->batch <= 0 || HW <= 0)
        return;
    const int64_t per = K * HW > out ? K * HW : out;
    const int64_t chunk = chunk_of(s, per);
    float *col = (float *)cuda_scratch(c, CUDA_SCRATCH_COL, (size_t)(chunk * K * HW) * sizeof(float));
    float *t = (float *)cuda_scratch(c, CUDA_SCRATCH_T, (size_t)(chunk * out) * sizeof(float));
    if (!col || !t)
        return;
    for (int64_t b0 = 0; b0 < s->batch; b0 += chunk) {
        int64_t bc = s->batch - b0 < chunk ? s->batch - b0 : chunk;
        im2col_kernel<<<cuda_blocks(bc * K * HW), CUDA_THREADS, 0, c->stream>>>(col, x + b0 * in, bc,
                                                                                 *s, 1);
        dy_wide_kernel<<<cuda_blocks(bc * out), CUDA_THREADS, 0, c->stream>>>(t, dy + b0 * out, bc,
                                                                               s->c_out, HW);
        if (!CUDA_LAUNCHED(c, "conv2d weight-gradient layout kernels"))
            return;
        /* dW (Cout, K) += t (Cout, bc HW) col^T */
        cuda_gemm_batched(c, 0, 1, s->c_out, K, bc * HW, 1, t, bc * HW, 0, col, bc * HW, 0, 1, dw, K, 0,
                          1);
    }
}

void cuda_register_conv(cz_backend_ops *ops)
{
    ops->conv2d_scratch = cuda_conv2d_scratch;
    ops->conv2d_fwd = cuda_conv2d_fwd;
    ops->conv2d_bwd_input = cuda_conv2d_bwd_input;
    ops->conv2d_bwd_weight = cuda_conv2d_bwd_weight;
}
