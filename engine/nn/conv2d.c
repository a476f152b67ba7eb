/* 2-D convolution with bias through the backend's im2col kernels.
 * x (B, Cin, H, W), W (Cout, Cin, k, k), b (Cout), y (B, Cout, Ho, Wo).
 * Bilinear in (x, W), so each tangent is a sum of two ordinary convolutions. */
#include "layer.h"

static cz_conv_shape shape_of(const cz_layer *l, int64_t batch)
{
    cz_conv_shape s = {batch, l->in_c, l->in_h, l->in_w, l->out_c, l->kernel, l->pad, l->stride,
                       l->out_h, l->out_w};
    return s;
}

static const cz_real *bias_of(const cz_layer *l, const cz_real *w)
{
    return w + l->out_c * l->in_c * l->kernel * l->kernel;
}

static void conv_forward(const cz_layer *l, const cz_layer_ctx *c, cz_real *y, const cz_real *x,
                         const cz_real *w)
{
    cz_backend *be = c->be;
    cz_conv_shape s = shape_of(l, c->batch);
    be->ops->conv2d_fwd(be, &s, y, x, w, 0, c->scratch);
    be->ops->bias_add(be, y, bias_of(l, w), c->batch, l->out_c, l->out_h * l->out_w);
}

static void conv_vjp(const cz_layer *l, const cz_layer_ctx *c, cz_real *dx, cz_real *dw,
                     const cz_real *dy, const cz_real *x, const cz_real *y, const cz_real *w)
{
    (void)y;
    cz_backend *be = c->be;
    cz_conv_shape s = shape_of(l, c->batch);
    if (dx)
        be->ops->conv2d_bwd_input(be, &s, dx, dy, w, 0, c->scratch);
    if (dw) {
        be->ops->conv2d_bwd_weight(be, &s, dw, dy, x, c->scratch);
        be->ops->bias_grad(be, (cz_real *)bias_of(l, dw), dy, c->batch, l->out_c,
                           l->out_h * l->out_w);
    }
}

static void conv_jvp(const cz_layer *l, const cz_layer_ctx *c, cz_real *ydot, const cz_real *xdot,
                     const cz_real *wdot, const cz_real *x, const cz_real *y, const cz_real *w)
{
    (void)y;
    cz_backend *be = c->be;
    cz_conv_shape s = shape_of(l, c->batch);
    cz_real beta = 0;
    if (xdot) {
        be->ops->conv2d_fwd(be, &s, ydot, xdot, w, 0, c->scratch);
        beta = 1;
    }
    if (wdot) {
        be->ops->conv2d_fwd(be, &s, ydot, x, wdot, beta, c->scratch);
        be->ops->bias_add(be, ydot, bias_of(l, wdot), c->batch, l->out_c, l->out_h * l->out_w);
    } else if (!xdot) {
        be->ops->fill(be, ydot, 0, c->batch * cz_layer_out_size(l));
    }
}

static void conv_jvp_vjp(const cz_layer *l, const cz_layer_ctx *c, cz_real *dx_dot, cz_real *dw_dot,
                         const cz_real *dy, const cz_real *dy_dot, const cz_real *x,
                         const cz_real *xdot, const cz_real *y, const cz_real *w,
                         const cz_real *wdot)
{
    (void)y;
    cz_backend *be = c->be;
    cz_conv_shape s = shape_of(l, c->batch);
    if (dx_dot) { /* dx' = conv^T(dy'; W) + conv^T(dy; W') */
        cz_real beta = 0;
        if (dy_dot) {
            be->ops->conv2d_bwd_input(be, &s, dx_dot, dy_dot, w, 0, c->scratch);
            beta = 1;
        }
        if (wdot)
            be->ops->conv2d_bwd_input(be, &s, dx_dot, dy, wdot, beta, c->scratch);
        else if (!dy_dot)
            be->ops->fill(be, dx_dot, 0, c->batch * cz_layer_in_size(l));
    }
    if (dw_dot) { /* dW' += corr(dy', x) + corr(dy, x'), db' += sum dy' */
        if (dy_dot) {
            be->ops->conv2d_bwd_weight(be, &s, dw_dot, dy_dot, x, c->scratch);
            be->ops->bias_grad(be, (cz_real *)bias_of(l, dw_dot), dy_dot, c->batch, l->out_c,
                               l->out_h * l->out_w);
        }
        if (xdot)
            be->ops->conv2d_bwd_weight(be, &s, dw_dot, dy, xdot, c->scratch);
    }
}

static const cz_layer_ops conv_ops = {
    "conv2d", conv_forward, conv_vjp, conv_jvp, conv_jvp_vjp,
};

cz_layer cz_layer_conv2d(cz_backend *be, int64_t c_in, int64_t h, int64_t w, int64_t c_out,
                         int64_t kernel, int64_t pad, int64_t stride)
{
    cz_layer l = {0};
    l.ops = &conv_ops;
    l.in_c = c_in;
    l.in_h = h;
    l.in_w = w;
    l.out_c = c_out;
    l.kernel = kernel;
    l.pad = pad;
    l.stride = stride;
    l.out_h = (h + 2 * pad - kernel) / stride + 1;
    l.out_w = (w + 2 * pad - kernel) / stride + 1;
    l.param_count = (size_t)(c_out * c_in * kernel * kernel + c_out);
    l.fan_in = c_in * kernel * kernel;
    cz_conv_shape s = shape_of(&l, 1);
    l.scratch_elems = be->ops->conv2d_scratch(be, &s);
    return l;
}
