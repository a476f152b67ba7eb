/* Instance norm with affine parameters (GroupNorm with one channel per
 * group, eps 1e-5, biased variance), over x (B, C, H, W); parameters
 * gamma (C), beta (C). Caches xhat and rstd in the forward and their
 * tangents in the JVP; the full second derivative lives in the backend's
 * inorm_jvp_vjp (docs/math.md). Runs in place. */
#include "layer.h"

static cz_norm_shape shape_of(const cz_layer *l, int64_t batch)
{
    cz_norm_shape s = {batch, l->in_c, l->in_h * l->in_w, CZ_INORM_EPS};
    return s;
}

/* cache = [xhat (B, C, hw) | rstd (B, C)]; tcache the same for the tangents. */
static cz_real *plane_stats(const cz_layer *l, int64_t batch, cz_real *cache)
{
    return cache + batch * cz_layer_in_size(l);
}

static void norm_forward(const cz_layer *l, const cz_layer_ctx *c, cz_real *y, const cz_real *x,
                         const cz_real *w)
{
    cz_norm_shape s = shape_of(l, c->batch);
    c->be->ops->inorm_fwd(c->be, &s, y, c->cache, plane_stats(l, c->batch, c->cache), x, w,
                          w + l->in_c);
}

static void norm_vjp(const cz_layer *l, const cz_layer_ctx *c, cz_real *dx, cz_real *dw,
                     const cz_real *dy, const cz_real *x, const cz_real *y, const cz_real *w)
{
    (void)x, (void)y;
    cz_norm_shape s = shape_of(l, c->batch);
    c->be->ops->inorm_vjp(c->be, &s, dx, dw, dw ? dw + l->in_c : NULL, dy, c->cache,
                          plane_stats(l, c->batch, c->cache), w);
}

static void norm_jvp(const cz_layer *l, const cz_layer_ctx *c, cz_real *ydot, const cz_real *xdot,
                     const cz_real *wdot, const cz_real *x, const cz_real *y, const cz_real *w)
{
    (void)x, (void)y;
    cz_norm_shape s = shape_of(l, c->batch);
    c->be->ops->inorm_jvp(c->be, &s, ydot, c->tcache, plane_stats(l, c->batch, c->tcache), xdot,
                          c->cache, plane_stats(l, c->batch, c->cache), w, wdot,
                          wdot ? wdot + l->in_c : NULL);
}

static void norm_jvp_vjp(const cz_layer *l, const cz_layer_ctx *c, cz_real *dx_dot, cz_real *dw_dot,
                         const cz_real *dy, const cz_real *dy_dot, const cz_real *x,
                         const cz_real *xdot, const cz_real *y, const cz_real *w,
                         const cz_real *wdot)
{
    (void)x, (void)xdot, (void)y;
    cz_norm_shape s = shape_of(l, c->batch);
    c->be->ops->inorm_jvp_vjp(c->be, &s, dx_dot, dw_dot, dw_dot ? dw_dot + l->in_c : NULL, dy,
                              dy_dot, c->cache, c->tcache, plane_stats(l, c->batch, c->cache),
                              plane_stats(l, c->batch, c->tcache), w, wdot);
}

static const cz_layer_ops norm_ops = {
    "instancenorm", norm_forward, norm_vjp, norm_jvp, norm_jvp_vjp,
};

cz_layer cz_layer_instancenorm(int64_t c, int64_t h, int64_t w)
{
    cz_layer l = {0};
    l.ops = &norm_ops;
    l.in_c = l.out_c = c;
    l.in_h = l.out_h = h;
    l.in_w = l.out_w = w;
    l.param_count = (size_t)(2 * c);
    l.in_place = 1;
    l.cache_per_row = c * h * w + c;
    l.tcache_per_row = c * h * w + c;
    return l;
}
