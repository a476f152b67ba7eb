/* The generative prior's first-order layers (gen_layers.h). Convolution is
 * im2col + gemm one image at a time, so its scratch does not grow with the
 * batch. */
#include "gen_layers.h"

#include <math.h>
#include <string.h>

gen_layer gen_linear(int in, int out)
{
    gen_layer l = {.kind = GEN_LINEAR, .in_c = in, .in_h = 1, .in_w = 1,
                   .out_c = out, .out_h = 1, .out_w = 1};
    l.param_count = (size_t)out * in + (size_t)out;
    return l;
}

gen_layer gen_conv3(int c_in, int h, int w, int c_out)
{
    gen_layer l = {.kind = GEN_CONV3, .in_c = c_in, .in_h = h, .in_w = w,
                   .out_c = c_out, .out_h = h, .out_w = w};
    l.param_count = (size_t)c_out * c_in * 9 + (size_t)c_out;
    return l;
}

gen_layer gen_up2(int c, int h, int w)
{
    gen_layer l = {.kind = GEN_UP2, .in_c = c, .in_h = h, .in_w = w,
                   .out_c = c, .out_h = 2 * h, .out_w = 2 * w};
    return l;
}

gen_layer gen_act(gen_kind kind, int c, int h, int w)
{
    gen_layer l = {.kind = kind, .in_c = c, .in_h = h, .in_w = w, .out_c = c, .out_h = h, .out_w = w};
    return l;
}

size_t gen_scratch_size(const gen_layer *l)
{
    return l->kind == GEN_CONV3 ? (size_t)l->in_c * 9 * l->in_h * l->in_w : 0;
}

void gen_init(const gen_layer *l, cz_rng *rng, cz_real *theta)
{
    if (l->param_count == 0)
        return;
    size_t fan_in = l->kind == GEN_CONV3 ? (size_t)l->in_c * 9 : gen_in_size(l);
    double bound = 1.0 / sqrt((double)fan_in);
    cz_real *p = theta + l->param_offset;
    for (size_t i = 0; i < l->param_count; i++)
        p[i] = (cz_real)((2.0 * cz_rng_uniform(rng) - 1.0) * bound);
}

/* cols[(ci*9 + ky*3 + kx), i*w + j] = x[ci, i + ky - 1, j + kx - 1] (zero outside). */
static void im2col3(const cz_real *x, int c, int h, int w, cz_real *cols)
{
    size_t hw = (size_t)h * w;
    for (int ci = 0; ci < c; ci++)
        for (int k = 0; k < 9; k++) {
            int dy = k / 3 - 1, dx = k % 3 - 1;
            cz_real *row = cols + ((size_t)ci * 9 + k) * hw;
            const cz_real *src = x + (size_t)ci * hw;
            for (int i = 0; i < h; i++) {
                int si = i + dy;
                for (int j = 0; j < w; j++) {
                    int sj = j + dx;
                    int inside = si >= 0 && si < h && sj >= 0 && sj < w;
                    row[i * w + j] = inside ? src[si * w + sj] : 0;
                }
            }
        }
}

/* The transpose of im2col3: dx = sum of the column entries that read each pixel. */
static void col2im3(const cz_real *cols, int c, int h, int w, cz_real *dx)
{
    size_t hw = (size_t)h * w;
    memset(dx, 0, sizeof(cz_real) * (size_t)c * hw);
    for (int ci = 0; ci < c; ci++)
        for (int k = 0; k < 9; k++) {
            int dy = k / 3 - 1, dxo = k % 3 - 1;
            const cz_real *row = cols + ((size_t)ci * 9 + k) * hw;
            cz_real *dst = dx + (size_t)ci * hw;
            for (int i = 0; i < h; i++) {
                int si = i + dy;
                if (si < 0 || si >= h)
                    continue;
                for (int j = 0; j < w; j++) {
                    int sj = j + dxo;
                    if (sj >= 0 && sj < w)
                        dst[si * w + sj] += row[i * w + j];
                }
            }
        }
}

static void add_bias(cz_real *y, const cz_real *b, size_t rows, int cols, size_t inner)
{
    for (size_t r = 0; r < rows; r++)
        for (int c = 0; c < cols; c++) {
            cz_real *p = y + (r * cols + c) * inner;
            for (size_t i = 0; i < inner; i++)
                p[i] += b[c];
        }
}

static void bias_grad(cz_real *db, const cz_real *dy, size_t rows, int cols, size_t inner)
{
    for (int c = 0; c < cols; c++) {
        double s = 0;
        for (size_t r = 0; r < rows; r++) {
            const cz_real *p = dy + (r * cols + c) * inner;
            for (size_t i = 0; i < inner; i++)
                s += p[i];
        }
        db[c] += (cz_real)s;
    }
}

void gen_forward(cz_backend *be, const gen_layer *l, size_t batch, cz_real *y, const cz_real *x,
                 const cz_real *theta, cz_real *scratch)
{
    const cz_real *wt = theta ? theta + l->param_offset : NULL;
    size_t n_in = gen_in_size(l), n_out = gen_out_size(l);
    switch (l->kind) {
    case GEN_LINEAR: {
        int in = l->in_c, out = l->out_c;
        be->ops->gemm(be, 0, 1, (int64_t)batch, out, in, 1, x, in, wt, in, 0, y, out);
        add_bias(y, wt + (size_t)out * in, batch, out, 1);
        break;
    }
    case GEN_CONV3: {
        int64_t hw = (int64_t)l->in_h * l->in_w, k = (int64_t)l->in_c * 9;
        for (size_t b = 0; b < batch; b++) {
            im2col3(x + b * n_in, l->in_c, l->in_h, l->in_w, scratch);
            be->ops->gemm(be, 0, 0, l->out_c, hw, k, 1, wt, k, scratch, hw, 0, y + b * n_out, hw);
        }
        add_bias(y, wt + (size_t)l->out_c * k, batch, l->out_c, (size_t)hw);
        break;
    }
    case GEN_UP2: {
        size_t planes = batch * (size_t)l->in_c;
        for (size_t p = 0; p < planes; p++) {
            const cz_real *src = x + p * l->in_h * l->in_w;
            cz_real *dst = y + p * l->out_h * l->out_w;
            for (int i = 0; i < l->out_h; i++)
                for (int j = 0; j < l->out_w; j++)
                    dst[i * l->out_w + j] = src[(i >> 1) * l->in_w + (j >> 1)];
        }
        break;
    }
    case GEN_RELU:
        for (size_t i = 0; i < batch * n_in; i++)
            y[i] = x[i] > 0 ? x[i] : 0;
        break;
    case GEN_TANH:
        for (size_t i = 0; i < batch * n_in; i++)
            y[i] = (cz_real)tanh(x[i]);
        break;
    }
}

void gen_vjp(cz_backend *be, const gen_layer *l, size_t batch, cz_real *dx, cz_real *dtheta,
             const cz_real *dy, const cz_real *x, const cz_real *y, const cz_real *theta,
             cz_real *scratch)
{
    const cz_real *wt = theta ? theta + l->param_offset : NULL;
    cz_real *dw = dtheta ? dtheta + l->param_offset : NULL;
    size_t n_in = gen_in_size(l), n_out = gen_out_size(l);
    switch (l->kind) {
    case GEN_LINEAR: {
        int in = l->in_c, out = l->out_c;
        if (dx)
            be->ops->gemm(be, 0, 0, (int64_t)batch, in, out, 1, dy, out, wt, in, 0, dx, in);
        if (dw) {
            be->ops->gemm(be, 1, 0, out, in, (int64_t)batch, 1, dy, out, x, in, 1, dw, in);
            bias_grad(dw + (size_t)out * in, dy, batch, out, 1);
        }
        break;
    }
    case GEN_CONV3: {
        int64_t hw = (int64_t)l->in_h * l->in_w, k = (int64_t)l->in_c * 9;
        for (size_t b = 0; b < batch; b++) {
            const cz_real *dyb = dy + b * n_out;
            if (dw) { /* dW += dy_b cols^T, before the columns are reused for dx */
                im2col3(x + b * n_in, l->in_c, l->in_h, l->in_w, scratch);
                be->ops->gemm(be, 0, 1, l->out_c, k, hw, 1, dyb, hw, scratch, hw, 1, dw, k);
            }
            if (dx) {
                be->ops->gemm(be, 1, 0, k, hw, l->out_c, 1, wt, k, dyb, hw, 0, scratch, hw);
                col2im3(scratch, l->in_c, l->in_h, l->in_w, dx + b * n_in);
            }
        }
        if (dw)
            bias_grad(dw + (size_t)l->out_c * k, dy, batch, l->out_c, (size_t)hw);
        break;
    }
    case GEN_UP2: {
        if (!dx)
            break;
        size_t planes = batch * (size_t)l->in_c;
        for (size_t p = 0; p < planes; p++) {
            const cz_real *g = dy + p * l->out_h * l->out_w;
            cz_real *dst = dx + p * l->in_h * l->in_w;
            for (int i = 0; i < l->in_h; i++)
                for (int j = 0; j < l->in_w; j++) {
                    const cz_real *q = g + 2 * i * l->out_w + 2 * j;
                    dst[i * l->in_w + j] = q[0] + q[1] + q[l->out_w] + q[l->out_w + 1];
                }
        }
        break;
    }
    case GEN_RELU:
        if (dx)
            for (size_t i = 0; i < batch * n_in; i++)
                dx[i] = y[i] > 0 ? dy[i] : 0;
        break;
    case GEN_TANH:
        if (dx)
            for (size_t i = 0; i < batch * n_in; i++)
                dx[i] = dy[i] * (1 - y[i] * y[i]);
        break;
    }
}
