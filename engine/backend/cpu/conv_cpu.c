/* 2-D convolution on the host by im2col + GEMM over chunks of examples: the
 * columns of several examples side by side make one large GEMM per chunk
 * (far more efficient than one small GEMM per example at 14x14 or 7x7).
 * No bias: the layer adds it with bias_add. Shapes: x (B, Cin, H, W),
 * w (Cout, Cin, k, k), y (B, Cout, Ho, Wo). Scratch per chunk of nb examples:
 * cols (Cin k k, nb Ho Wo) and a channel-major copy t (Cout, nb Ho Wo). */
#include <string.h>

#include "cpu_hot.h"
#include "cpu_internal.h"

/* Scratch budget in elements: chunks hold as many examples as fit (at least one). */
#define CONV_SCRATCH_BUDGET ((int64_t)1 << 21)

static int64_t col_rows(const cz_conv_shape *s) { return s->c_in * s->k * s->k; }
static int64_t out_plane(const cz_conv_shape *s) { return s->h_out * s->w_out; }
static int64_t per_example(const cz_conv_shape *s) { return (col_rows(s) + s->c_out) * out_plane(s); }

static int64_t chunk_examples(const cz_conv_shape *s)
{
    int64_t nb = CONV_SCRATCH_BUDGET / per_example(s);
    return nb < 1 ? 1 : nb;
}

/* Columns of one example x (Cin, H, W) into col, whose rows (cin, ki, kj)
 * are ld apart; zero outside the image. */
static void im2col(const cz_conv_shape *s, cz_real *col, int64_t ld, const cz_real *x)
{
    int64_t ho = s->h_out, wo = s->w_out;
    for (int64_t c = 0; c < s->c_in; c++)
        for (int64_t ki = 0; ki < s->k; ki++)
            for (int64_t kj = 0; kj < s->k; kj++) {
                cz_real *row = col + ((c * s->k + ki) * s->k + kj) * ld;
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
                        /* output columns j with 0 <= j + off < w */
                        int64_t off = kj - s->pad;
                        int64_t j0 = off < 0 ? -off : 0;
                        int64_t j1 = s->w - off < wo ? s->w - off : wo;
                        if (j1 < j0)
                            j1 = j0;
                        for (int64_t j = 0; j < j0; j++)
                            out[j] = 0;
                        memcpy(out + j0, in + j0 + off, (size_t)(j1 - j0) * sizeof *out);
                        for (int64_t j = j1; j < wo; j++)
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
CZ_HOT static void col2im_add(const cz_conv_shape *s, cz_real *x, const cz_real *col, int64_t ld)
{
    int64_t ho = s->h_out, wo = s->w_out;
    for (int64_t c = 0; c < s->c_in; c++)
        for (int64_t ki = 0; ki < s->k; ki++)
            for (int64_t kj = 0; kj < s->k; kj++) {
                const cz_real *row = col + ((c * s->k + ki) * s->k + kj) * ld;
                cz_real *plane = x + c * s->h * s->w;
                for (int64_t i = 0; i < ho; i++) {
                    int64_t r = i * s->stride - s->pad + ki;
                    if (r < 0 || r >= s->h)
                        continue;
                    const cz_real *in = row + i * wo;
                    cz_real *out = plane + r * s->w;
                    if (s->stride == 1) {
                        int64_t off = kj - s->pad;
                        int64_t j0 = off < 0 ? -off : 0;
                        int64_t j1 = s->w - off < wo ? s->w - off : wo;
                        cz_real *o = out + off;
                        for (int64_t j = j0; j < j1; j++)
                            o[j] += in[j];
                    } else {
                        for (int64_t j = 0; j < wo; j++) {
                            int64_t q = j * s->stride - s->pad + kj;
                            if (q >= 0 && q < s->w)
                                out[q] += in[j];
                        }
                    }
                }
            }
}

/* Between y's layout (nb, Cout, P) and the chunk's channel-major t (Cout, nb P). */
static void to_channel_major(cz_real *t, const cz_real *y, int64_t nb, int64_t c, int64_t p)
{
    for (int64_t b = 0; b < nb; b++)
        for (int64_t ch = 0; ch < c; ch++)
            memcpy(t + ch * nb * p + b * p, y + (b * c + ch) * p, (size_t)p * sizeof *t);
}

CZ_HOT static void from_channel_major(cz_real *y, const cz_real *t, int64_t nb, int64_t c, int64_t p,
                               cz_real beta)
{
    for (int64_t b = 0; b < nb; b++)
        for (int64_t ch = 0; ch < c; ch++) {
            cz_real *dst = y + (b * c + ch) * p;
            const cz_real *src = t + ch * nb * p + b * p;
            if (beta == 0)
                memcpy(dst, src, (size_t)p * sizeof *dst);
            else
                for (int64_t i = 0; i < p; i++)
                    dst[i] = src[i] + beta * dst[i];
        }
}

static int64_t cpu_conv2d_scratch(cz_backend *be, const cz_conv_shape *s)
{
    (void)be;
    return chunk_examples(s) * per_example(s);
}

static void cpu_conv2d_fwd(cz_backend *be, const cz_conv_shape *s, cz_real *y, const cz_real *x,
                           const cz_real *w, cz_real beta, cz_real *scratch)
{
    int64_t kk = col_rows(s), p = out_plane(s), step = chunk_examples(s);
    int64_t in_size = s->c_in * s->h * s->w;
    for (int64_t b0 = 0; b0 < s->batch; b0 += step) {
        int64_t nb = s->batch - b0 < step ? s->batch - b0 : step;
        cz_real *cols = scratch, *t = scratch + kk * nb * p;
        for (int64_t b = 0; b < nb; b++)
            im2col(s, cols + b * p, nb * p, x + (b0 + b) * in_size);
        be->ops->gemm(be, 0, 0, s->c_out, nb * p, kk, 1, w, kk, cols, nb * p, 0, t, nb * p);
        from_channel_major(y + b0 * s->c_out * p, t, nb, s->c_out, p, beta);
    }
}

static void cpu_conv2d_bwd_input(cz_backend *be, const cz_conv_shape *s, cz_real *dx,
                                 const cz_real *dy, const cz_real *w, cz_real beta,
                                 cz_real *scratch)
{
    int64_t kk = col_rows(s), p = out_plane(s), step = chunk_examples(s);
    int64_t in_size = s->c_in * s->h * s->w;
    for (int64_t b0 = 0; b0 < s->batch; b0 += step) {
        int64_t nb = s->batch - b0 < step ? s->batch - b0 : step;
        cz_real *cols = scratch, *t = scratch + kk * nb * p;
        to_channel_major(t, dy + b0 * s->c_out * p, nb, s->c_out, p);
        be->ops->gemm(be, 1, 0, kk, nb * p, s->c_out, 1, w, kk, t, nb * p, 0, cols, nb * p);
        for (int64_t b = 0; b < nb; b++) {
            cz_real *dxb = dx + (b0 + b) * in_size;
            if (beta == 0)
                memset(dxb, 0, (size_t)in_size * sizeof *dxb);
            else if (beta != 1)
                for (int64_t i = 0; i < in_size; i++)
                    dxb[i] *= beta;
            col2im_add(s, dxb, cols + b * p, nb * p);
        }
    }
}

static void cpu_conv2d_bwd_weight(cz_backend *be, const cz_conv_shape *s, cz_real *dw,
                                  const cz_real *dy, const cz_real *x, cz_real *scratch)
{
    int64_t kk = col_rows(s), p = out_plane(s), step = chunk_examples(s);
    int64_t in_size = s->c_in * s->h * s->w;
    for (int64_t b0 = 0; b0 < s->batch; b0 += step) {
        int64_t nb = s->batch - b0 < step ? s->batch - b0 : step;
        cz_real *cols = scratch, *t = scratch + kk * nb * p;
        for (int64_t b = 0; b < nb; b++)
            im2col(s, cols + b * p, nb * p, x + (b0 + b) * in_size);
        to_channel_major(t, dy + b0 * s->c_out * p, nb, s->c_out, p);
        be->ops->gemm(be, 0, 1, s->c_out, kk, nb * p, 1, t, nb * p, cols, nb * p, 1, dw, kk);
    }
}

CZ_HOT_TABLE_BEGIN
void cpu_register_conv(cz_backend_ops *ops)
{
    ops->conv2d_scratch = cpu_conv2d_scratch;
    ops->conv2d_fwd = cpu_conv2d_fwd;
    ops->conv2d_bwd_input = cpu_conv2d_bwd_input;
    ops->conv2d_bwd_weight = cpu_conv2d_bwd_weight;
}
CZ_HOT_TABLE_END
