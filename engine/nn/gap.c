/* Global average pooling (layer_eval.h) as two GEMMs with a ones vector:
 * y (B*C, 1) = X (B*C, hw) 1 / hw and dx = dy 1^T / hw. Linear, so the JVP
 * is the forward of the tangent and the VJP's tangent the VJP of dy_dot. */
#include "layer_eval.h"

static void mean_planes(const cz_layer *l, const cz_layer_ctx *c, cz_real *y, const cz_real *x)
{
    int64_t hw = l->in_h * l->in_w, planes = c->batch * l->in_c;
    c->be->ops->fill(c->be, c->scratch, 1, hw);
    c->be->ops->gemm(c->be, 0, 0, planes, 1, hw, (cz_real)(1.0 / (double)hw), x, hw, c->scratch,
                     1, 0, y, 1);
}

static void spread_planes(const cz_layer *l, const cz_layer_ctx *c, cz_real *dx, const cz_real *dy)
{
    int64_t hw = l->in_h * l->in_w, planes = c->batch * l->in_c;
    c->be->ops->fill(c->be, c->scratch, 1, hw);
    c->be->ops->gemm(c->be, 0, 0, planes, hw, 1, (cz_real)(1.0 / (double)hw), dy, 1, c->scratch,
                     hw, 0, dx, hw);
}

static void gap_forward(const cz_layer *l, const cz_layer_ctx *c, cz_real *y, const cz_real *x,
                        const cz_real *w)
{
    (void)w;
    mean_planes(l, c, y, x);
}

static void gap_vjp(const cz_layer *l, const cz_layer_ctx *c, cz_real *dx, cz_real *dw,
                    const cz_real *dy, const cz_real *x, const cz_real *y, const cz_real *w)
{
    (void)dw, (void)x, (void)y, (void)w;
    if (dx)
        spread_planes(l, c, dx, dy);
}

static void gap_jvp(const cz_layer *l, const cz_layer_ctx *c, cz_real *ydot, const cz_real *xdot,
                    const cz_real *wdot, const cz_real *x, const cz_real *y, const cz_real *w)
{
    (void)wdot, (void)x, (void)y, (void)w;
    if (xdot)
        mean_planes(l, c, ydot, xdot);
    else
        c->be->ops->fill(c->be, ydot, 0, c->batch * l->in_c);
}

static void gap_jvp_vjp(const cz_layer *l, const cz_layer_ctx *c, cz_real *dx_dot, cz_real *dw_dot,
                        const cz_real *dy, const cz_real *dy_dot, const cz_real *x,
                        const cz_real *xdot, const cz_real *y, const cz_real *w,
                        const cz_real *wdot)
{
    (void)dw_dot, (void)dy, (void)x, (void)xdot, (void)y, (void)w, (void)wdot;
    if (!dx_dot)
        return;
    if (dy_dot)
        spread_planes(l, c, dx_dot, dy_dot);
    else
        c->be->ops->fill(c->be, dx_dot, 0, c->batch * cz_layer_in_size(l));
}

static const cz_layer_ops gap_ops = {
    "gap", gap_forward, gap_vjp, gap_jvp, gap_jvp_vjp,
};

cz_layer cz_layer_gap(int64_t c, int64_t h, int64_t w)
{
    cz_layer l = {0};
    l.ops = &gap_ops;
    l.in_c = l.out_c = c;
    l.in_h = h;
    l.in_w = w;
    l.out_h = l.out_w = 1;
    l.scratch_elems = h * w; /* the ones vector */
    return l;
}
