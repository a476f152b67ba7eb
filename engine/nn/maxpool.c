/* 2x2 max pooling (layer_eval.h). The forward caches each window's argmax;
 * every derivative is a selection at those places. */
#include "layer_eval.h"

static void pool_forward(const cz_layer *l, const cz_layer_ctx *c, cz_real *y, const cz_real *x,
                         const cz_real *w)
{
    (void)w;
    c->be->ops->maxpool2_fwd(c->be, y, c->cache, x, c->batch * l->in_c, l->in_h, l->in_w);
}

static void pool_vjp(const cz_layer *l, const cz_layer_ctx *c, cz_real *dx, cz_real *dw,
                     const cz_real *dy, const cz_real *x, const cz_real *y, const cz_real *w)
{
    (void)dw, (void)x, (void)y, (void)w;
    if (dx)
        c->be->ops->maxpool2_bwd(c->be, dx, dy, c->cache, c->batch * l->in_c, l->in_h, l->in_w);
}

static void pool_jvp(const cz_layer *l, const cz_layer_ctx *c, cz_real *ydot, const cz_real *xdot,
                     const cz_real *wdot, const cz_real *x, const cz_real *y, const cz_real *w)
{
    (void)wdot, (void)x, (void)y, (void)w;
    if (xdot)
        c->be->ops->maxpool2_gather(c->be, ydot, xdot, c->cache, c->batch * l->in_c, l->in_h,
                                    l->in_w);
    else
        c->be->ops->fill(c->be, ydot, 0, c->batch * cz_layer_out_size(l));
}

static void pool_jvp_vjp(const cz_layer *l, const cz_layer_ctx *c, cz_real *dx_dot, cz_real *dw_dot,
                         const cz_real *dy, const cz_real *dy_dot, const cz_real *x,
                         const cz_real *xdot, const cz_real *y, const cz_real *w,
                         const cz_real *wdot)
{
    (void)dw_dot, (void)dy, (void)x, (void)xdot, (void)y, (void)w, (void)wdot;
    if (!dx_dot)
        return;
    if (dy_dot)
        c->be->ops->maxpool2_bwd(c->be, dx_dot, dy_dot, c->cache, c->batch * l->in_c, l->in_h,
                                 l->in_w);
    else
        c->be->ops->fill(c->be, dx_dot, 0, c->batch * cz_layer_in_size(l));
}

static const cz_layer_ops pool_ops = {
    "maxpool2", pool_forward, pool_vjp, pool_jvp, pool_jvp_vjp,
};

cz_layer cz_layer_maxpool2(int64_t c, int64_t h, int64_t w)
{
    cz_layer l = {0};
    l.ops = &pool_ops;
    l.in_c = l.out_c = c;
    l.in_h = h;
    l.in_w = w;
    l.out_h = h / 2;
    l.out_w = w / 2;
    l.cache_per_row = c * (h / 2) * (w / 2); /* argmax offsets */
    return l;
}
