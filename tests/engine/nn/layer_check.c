/* See layer_check.h. */
#include "layer_check.h"

#include <stdlib.h>
#include <string.h>

#include "backend/backend.h"

typedef struct lc {
    const cz_layer *l;
    cz_layer_ctx ctx;
    size_t nx, nw, ny;
    const cz_real *r; /* the fixed cotangent for the scalar check */
    cz_real *y;
} lc;

static cz_real *zalloc(size_t n) { return calloc(n ? n : 1, sizeof(cz_real)); }

static void forward(lc *c, const cz_real *x, const cz_real *w, cz_real *y)
{
    c->l->ops->forward(c->l, &c->ctx, y, x, w);
}

/* <r, f(x, w)> with v = [x; w] */
static double scalar(const cz_real *v, void *user)
{
    lc *c = user;
    forward(c, v, v + c->nx, c->y);
    double s = 0;
    for (size_t i = 0; i < c->ny; i++)
        s += (double)c->r[i] * c->y[i];
    return s;
}

static void vector_fwd(const cz_real *v, cz_real *out, void *user)
{
    lc *c = user;
    forward(c, v, v + c->nx, out);
}

/* [dx; dw] = VJP at v = [x; w; dy] */
static void vector_vjp(const cz_real *v, cz_real *out, void *user)
{
    lc *c = user;
    const cz_real *x = v, *w = v + c->nx, *dy = v + c->nx + c->nw;
    forward(c, x, w, c->y);
    memset(out, 0, (c->nx + c->nw) * sizeof *out);
    c->l->ops->vjp(c->l, &c->ctx, out, c->nw ? out + c->nx : NULL, dy, x, c->y, w);
}

layer_errors layer_check(const cz_layer *l, int64_t batch, unsigned seed)
{
    layer_errors e;
    lc c = {0};
    c.l = l;
    c.nx = (size_t)(batch * cz_layer_in_size(l));
    c.nw = l->param_count;
    c.ny = (size_t)(batch * cz_layer_out_size(l));
    c.ctx.be = cz_backend_cpu();
    c.ctx.batch = batch;
    c.ctx.cache = zalloc((size_t)(batch * l->cache_per_row));
    c.ctx.tcache = zalloc((size_t)(batch * l->tcache_per_row));
    c.ctx.scratch = zalloc((size_t)l->scratch_elems);
    size_t nv = c.nx + c.nw + c.ny;
    cz_real *v = zalloc(nv), *dir = zalloc(nv), *r = zalloc(c.ny), *grad = zalloc(c.nx + c.nw);
    cz_real *y = zalloc(c.ny), *ydot = zalloc(c.ny), *out = zalloc(c.nx + c.nw);
    c.y = zalloc(c.ny);
    c.r = r;
    gc_fill_away_from_zero(v, c.nx, seed);             /* x */
    gc_fill(v + c.nx, c.nw, seed + 1, -0.8, 0.8);      /* w */
    gc_fill(v + c.nx + c.nw, c.ny, seed + 2, -1, 1);   /* dy */
    gc_fill(dir, nv, seed + 3, -1, 1);                 /* (xdot, wdot, dydot) */
    gc_fill(r, c.ny, seed + 4, -1, 1);
    cz_real *x = v, *w = v + c.nx, *dy = v + c.nx + c.nw;
    cz_real *xd = dir, *wd = c.nw ? dir + c.nx : NULL, *dyd = dir + c.nx + c.nw;
    double eps = 1e-6;

    /* VJP: gradient of <r, f> */
    forward(&c, x, w, y);
    l->ops->vjp(l, &c.ctx, grad, c.nw ? grad + c.nx : NULL, r, x, y, w);
    e.vjp = gc_check_grad(scalar, &c, v, c.nx + c.nw, grad, eps);

    /* JVP */
    forward(&c, x, w, y);
    l->ops->jvp(l, &c.ctx, ydot, xd, wd, x, y, w);
    e.jvp = gc_check_directional(vector_fwd, &c, v, dir, c.nx + c.nw, ydot, c.ny, eps);

    /* tangent of the VJP, after forward and jvp as the model calls them */
    forward(&c, x, w, y);
    l->ops->jvp(l, &c.ctx, ydot, xd, wd, x, y, w);
    memset(out, 0, (c.nx + c.nw) * sizeof *out);
    l->ops->jvp_vjp(l, &c.ctx, out, c.nw ? out + c.nx : NULL, dy, dyd, x, xd, y, w, wd);
    e.jvp_vjp = gc_check_directional(vector_vjp, &c, v, dir, nv, out, c.nx + c.nw, eps);

    free(v), free(dir), free(r), free(grad), free(y), free(ydot), free(out), free(c.y);
    free(c.ctx.cache), free(c.ctx.tcache), free(c.ctx.scratch);
    return e;
}
