/* Linear layer y = x W^T + b. x (B, in), W (out, in), b (out), y (B, out).
 * Its tangents are products of the same GEMMs (docs/math.md). */
#include "layer.h"

static const cz_real *bias_of(const cz_layer *l, const cz_real *w)
{
    return w + l->out_c * l->in_c * l->in_h * l->in_w;
}

static void linear_forward(const cz_layer *l, const cz_layer_ctx *c, cz_real *y, const cz_real *x,
                           const cz_real *w)
{
    cz_backend *be = c->be;
    int64_t in = cz_layer_in_size(l), out = l->out_c;
    be->ops->gemm(be, 0, 1, c->batch, out, in, 1, x, in, w, in, 0, y, out);
    be->ops->bias_add(be, y, bias_of(l, w), c->batch, out, 1);
}

static void linear_vjp(const cz_layer *l, const cz_layer_ctx *c, cz_real *dx, cz_real *dw,
                       const cz_real *dy, const cz_real *x, const cz_real *y, const cz_real *w)
{
    (void)y;
    cz_backend *be = c->be;
    int64_t in = cz_layer_in_size(l), out = l->out_c;
    if (dx)
        be->ops->gemm(be, 0, 0, c->batch, in, out, 1, dy, out, w, in, 0, dx, in);
    if (dw) {
        be->ops->gemm(be, 1, 0, out, in, c->batch, 1, dy, out, x, in, 1, dw, in);
        be->ops->bias_grad(be, dw + out * in, dy, c->batch, out, 1);
    }
}

static void linear_jvp(const cz_layer *l, const cz_layer_ctx *c, cz_real *ydot, const cz_real *xdot,
                       const cz_real *wdot, const cz_real *x, const cz_real *y, const cz_real *w)
{
    (void)y;
    cz_backend *be = c->be;
    int64_t in = cz_layer_in_size(l), out = l->out_c;
    cz_real beta = 0;
    if (xdot) {
        be->ops->gemm(be, 0, 1, c->batch, out, in, 1, xdot, in, w, in, 0, ydot, out);
        beta = 1;
    }
    if (wdot) {
        be->ops->gemm(be, 0, 1, c->batch, out, in, 1, x, in, wdot, in, beta, ydot, out);
        be->ops->bias_add(be, ydot, bias_of(l, wdot), c->batch, out, 1);
    } else if (!xdot) {
        be->ops->fill(be, ydot, 0, c->batch * out);
    }
}

static void linear_jvp_vjp(const cz_layer *l, const cz_layer_ctx *c, cz_real *dx_dot,
                           cz_real *dw_dot, const cz_real *dy, const cz_real *dy_dot,
                           const cz_real *x, const cz_real *xdot, const cz_real *y,
                           const cz_real *w, const cz_real *wdot)
{
    (void)y;
    cz_backend *be = c->be;
    int64_t in = cz_layer_in_size(l), out = l->out_c;
    if (dx_dot) { /* dx' = dy' W + dy W' */
        cz_real beta = 0;
        if (dy_dot) {
            be->ops->gemm(be, 0, 0, c->batch, in, out, 1, dy_dot, out, w, in, 0, dx_dot, in);
            beta = 1;
        }
        if (wdot)
            be->ops->gemm(be, 0, 0, c->batch, in, out, 1, dy, out, wdot, in, beta, dx_dot, in);
        else if (!dy_dot)
            be->ops->fill(be, dx_dot, 0, c->batch * in);
    }
    if (dw_dot) { /* dW' += dy'^T x + dy^T x', db' += colsum dy' */
        if (dy_dot) {
            be->ops->gemm(be, 1, 0, out, in, c->batch, 1, dy_dot, out, x, in, 1, dw_dot, in);
            be->ops->bias_grad(be, dw_dot + out * in, dy_dot, c->batch, out, 1);
        }
        if (xdot)
            be->ops->gemm(be, 1, 0, out, in, c->batch, 1, dy, out, xdot, in, 1, dw_dot, in);
    }
}

static const cz_layer_ops linear_ops = {
    "linear", linear_forward, linear_vjp, linear_jvp, linear_jvp_vjp,
};

cz_layer cz_layer_linear(int64_t in, int64_t out)
{
    cz_layer l = {0};
    l.ops = &linear_ops;
    l.in_c = in;
    l.in_h = l.in_w = 1;
    l.out_c = out;
    l.out_h = l.out_w = 1;
    l.param_count = (size_t)(out * in + out);
    l.fan_in = in;
    return l;
}
