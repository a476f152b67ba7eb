/* 2-D convolution on the host by im2col + GEMM, one example at a time (the
 * column matrix of one example is the only scratch). No bias: the layer adds
 * it with bias_add. Shapes: x (B, Cin, H, W), w (Cout, Cin, k, k),
 * y (B, Cout, Ho, Wo). */
#include <string.h>

#include "cpu_internal.h"

static int64_t col_rows(const cz_conv_shape *s) { return s->c_in * s->k * s->k; }
static int64_t col_cols(const cz_conv_shape *s) { return s->h_out * s->w_out; }

/* A 1x1 kernel with stride 1 and no padding reads the input as its own columns. */
static int is_pointwise(const cz_conv_shape *s)
{
    return s->k == 1 && s->pad == 0 && s->stride == 1;
}

/* col (Cin*k*k, Ho*Wo) from one example x (Cin, H, W); zero outside the image. */
static void im2col(const cz_conv_shape *s, cz_real *col, const cz_real *x)
{
    int64_t ho = s->h_out, wo = s->w_out;
    for (int64_t c = 0; c < s->c_in; c++)
        for (int64_t ki = 0; ki < s->k; ki++)
            for (int64_t kj = 0; kj < s->k; kj++) {
                cz_real *row = col + ((c * s->k + ki) * s->k + kj) * ho * wo;
                const cz_real *plane = x + c * s->h * s->w;
                for (int64_t i = 0; i < ho; i++) {
                    int64_t r = i * s->stride - s->pad + ki;
                    cz_real *out = row + i * wo;
                    if (r < 0 || r >= s->h) {
                        memset(out, 0, (size_t)wo * sizeof *out);
                        continue;
                    }
                    const cz_real *in = plane + r * s->w;
                    if (s->stride == 1) {
                        /* columns j with 0 <= j - pad + kj < w */
                        int64_t off = kj - s->pad;
                        int64_t j0 = off < 0 ? -off : 0;
                        int64_t j1 = s->w - off < wo ? s->w - off : wo;
                        for (int64_t j = 0; j < j0; j++)
                            out[j] = 0;
                        if (j1 > j0)
                            memcpy(out + j0, in + j0 + off, (size_t)(j1 - j0) * sizeof *out);
                        for (int64_t j = j1 > j0 ? j1 : j0; j < wo; j++)
                            out[j] = 0;
                    } else {
                        for (int64_t j = 0; j < wo; j++) {
                            int64_t q = j * s->stride - s->pad + kj;
                            out[j] = (q >= 0 && q < s->w) ? in[q] : 0;
                        }
                    }
                }
            }
}

/* x (Cin, H, W) += the columns folded back (the adjoint of im2col). */
static void col2im_add(const cz_conv_shape *s, cz_real *x, const cz_real *col)
{
    int64_t ho = s->h_out, wo = s->w_out;
    for (int64_t c = 0; c < s->c_in; c++)
        for (int64_t ki = 0; ki < s->k; ki++)
            for (int64_t kj = 0; kj < s->k; kj++) {
                const cz_real *row = col + ((c * s->k + ki) * s->k + kj) * ho * wo;
                cz_real *plane = x + c * s->h * s->w;
                for (int64_t i = 0; i < ho; i++) {
                    int64_t r = i * s->stride - s->pad + ki;
                    if (r < 0 || r >= s->h)
                        continue;
                    const cz_real *in = row + i * wo;
                    cz_real *out = plane + r * s->w;
                    for (int64_t j = 0; j < wo; j++) {
                        int64_t q = j * s->stride - s->pad + kj;
                        if (q >= 0 && q < s->w)
                            out[q] += in[j];
                    }
                }
            }
}

static int64_t cpu_conv2d_scratch(cz_backend *be, const cz_conv_shape *s)
{
    (void)be;
    return is_pointwise(s) ? 0 : col_rows(s) * col_cols(s);
}

static void cpu_conv2d_fwd(cz_backend *be, const cz_conv_shape *s, cz_real *y, const cz_real *x,
                           const cz_real *w, cz_real beta, cz_real *scratch)
{
    int64_t kk = col_rows(s), n = col_cols(s);
    for (int64_t b = 0; b < s->batch; b++) {
        const cz_real *xb = x + b * s->c_in * s->h * s->w;
        const cz_real *col = xb;
        if (!is_pointwise(s)) {
            im2col(s, scratch, xb);
            col = scratch;
        }
        be->ops->gemm(be, 0, 0, s->c_out, n, kk, 1, w, kk, col, n, beta, y + b * s->c_out * n, n);
    }
}

static void cpu_conv2d_bwd_input(cz_backend *be, const cz_conv_shape *s, cz_real *dx,
                                 const cz_real *dy, const cz_real *w, cz_real beta,
                                 cz_real *scratch)
{
    int64_t kk = col_rows(s), n = col_cols(s), plane = s->c_in * s->h * s->w;
    for (int64_t b = 0; b < s->batch; b++) {
        cz_real *dxb = dx + b * plane;
        const cz_real *dyb = dy + b * s->c_out * n;
        if (is_pointwise(s)) {
            be->ops->gemm(be, 1, 0, kk, n, s->c_out, 1, w, kk, dyb, n, beta, dxb, n);
            continue;
        }
        be->ops->gemm(be, 1, 0, kk, n, s->c_out, 1, w, kk, dyb, n, 0, scratch, n);
        if (beta == 0)
            memset(dxb, 0, (size_t)plane * sizeof *dxb);
        else if (beta != 1)
            for (int64_t i = 0; i < plane; i++)
                dxb[i] *= beta;
        col2im_add(s, dxb, scratch);
    }
}

static void cpu_conv2d_bwd_weight(cz_backend *be, const cz_conv_shape *s, cz_real *dw,
                                  const cz_real *dy, const cz_real *x, cz_real *scratch)
{
    int64_t kk = col_rows(s), n = col_cols(s);
    for (int64_t b = 0; b < s->batch; b++) {
        const cz_real *xb = x + b * s->c_in * s->h * s->w;
        const cz_real *col = xb;
        if (!is_pointwise(s)) {
            im2col(s, scratch, xb);
            col = scratch;
        }
        be->ops->gemm(be, 0, 1, s->c_out, kk, n, 1, dy + b * s->c_out * n, n, col, n, 1, dw, kk);
    }
}

void cpu_register_conv(cz_backend_ops *ops)
{
    ops->conv2d_scratch = cpu_conv2d_scratch;
    ops->conv2d_fwd = cpu_conv2d_fwd;
    ops->conv2d_bwd_input = cpu_conv2d_bwd_input;
    ops->conv2d_bwd_weight = cpu_conv2d_bwd_weight;
}
