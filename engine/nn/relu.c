/* ReLU: y = max(x, 0). Every derivative is the mask y > 0 (equivalently
 * x > 0); the second derivative is zero away from the kink at 0, which
 * gradient checks avoid by keeping inputs away from it. Runs in place: the
 * mask is read from y. */
#include "layer.h"

static void relu_forward(const cz_layer *l, const cz_layer_ctx *c, cz_real *y, const cz_real *x,
                         const cz_real *w)
{
    (void)w;
    c->be->ops->relu_fwd(c->be, y, x, c->batch * cz_layer_out_size(l));
}

static void relu_vjp(const cz_layer *l, const cz_layer_ctx *c, cz_real *dx, cz_real *dw,
                     const cz_real *dy, const cz_real *x, const cz_real *y, const cz_real *w)
{
    (void)dw, (void)x, (void)w;
    if (dx)
        c->be->ops->relu_mask(c->be, dx, dy, y, c->batch * cz_layer_out_size(l));
}

static void relu_jvp(const cz_layer *l, const cz_layer_ctx *c, cz_real *ydot, const cz_real *xdot,
                     const cz_real *wdot, const cz_real *x, const cz_real *y, const cz_real *w)
{
    (void)wdot, (void)x, (void)w;
    int64_t n = c->batch * cz_layer_out_size(l);
    if (xdot)
        c->be->ops->relu_mask(c->be, ydot, xdot, y, n);
    else
        c->be->ops->fill(c->be, ydot, 0, n);
}

static void relu_jvp_vjp(const cz_layer *l, const cz_layer_ctx *c, cz_real *dx_dot, cz_real *dw_dot,
                         const cz_real *dy, const cz_real *dy_dot, const cz_real *x,
                         const cz_real *xdot, const cz_real *y, const cz_real *w,
                         const cz_real *wdot)
{
    (void)dw_dot, (void)dy, (void)x, (void)xdot, (void)w, (void)wdot;
    int64_t n = c->batch * cz_layer_out_size(l);
    if (!dx_dot)
        return;
    if (dy_dot)
        c->be->ops->relu_mask(c->be, dx_dot, dy_dot, y, n);
    else
        c->be->ops->fill(c->be, dx_dot, 0, n);
}

static const cz_layer_ops relu_ops = {
    "relu", relu_forward, relu_vjp, relu_jvp, relu_jvp_vjp,
};

cz_layer cz_layer_relu(int64_t c, int64_t h, int64_t w)
{
    cz_layer l = {0};
    l.ops = &relu_ops;
    l.in_c = l.out_c = c;
    l.in_h = l.out_h = h;
    l.in_w = l.out_w = w;
    l.in_place = 1;
    return l;
}
