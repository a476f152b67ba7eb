/* ResNet BasicBlock as one composite layer (layer_eval.h), so the model's
 * layer list stays a plain sequence. Its four functions chain the sub-layers'
 * own (conv2d.c, instancenorm.c, the backend's ReLU mask), keeping every
 * intermediate in the block's cache (forward/VJP) and tcache (tangents).
 *
 * Naming inside: a = main-branch activation after conv1, norm1, ReLU (in
 * place); the block output buffer holds conv2 -> norm2 -> + shortcut -> ReLU;
 * s = the projected shortcut. g* are cotangents, h* their tangents. */
#include "layer_eval.h"

#include <math.h>

typedef struct parts {
    cz_layer conv1, norm1, conv2, norm2, convs, norms;
    int proj; /* shortcut is conv1x1 + norm (else identity) */
} parts;

static parts parts_of(cz_backend *be, const cz_layer *l)
{
    parts p;
    int64_t s = l->stride, ho = l->out_h, wo = l->out_w, co = l->out_c;
    p.conv1 = cz_layer_conv2d(be, l->in_c, l->in_h, l->in_w, co, 3, 1, s);
    p.norm1 = cz_layer_instancenorm(co, ho, wo);
    p.conv2 = cz_layer_conv2d(be, co, ho, wo, co, 3, 1, 1);
    p.norm2 = cz_layer_instancenorm(co, ho, wo);
    p.proj = s != 1 || l->in_c != co;
    p.convs = cz_layer_conv2d(be, l->in_c, l->in_h, l->in_w, co, 1, 0, s);
    p.norms = cz_layer_instancenorm(co, ho, wo);
    size_t off = 0;
    cz_layer *seq[6] = {&p.conv1, &p.norm1, &p.conv2, &p.norm2, &p.convs, &p.norms};
    for (int k = 0; k < (p.proj ? 6 : 4); k++) {
        seq[k]->param_offset = off;
        off += seq[k]->param_count;
    }
    return p;
}

/* Per-call views of the cache (or tcache): batch-major regions. */
typedef struct regions {
    cz_real *a, *n1, *n2, *ns, *s, *g1, *g2, *g3, *gx;
} regions;

static regions regions_of(const cz_layer *l, int64_t batch, cz_real *base)
{
    int64_t o = batch * cz_layer_out_size(l), ni = batch * (cz_layer_out_size(l) + l->out_c);
    regions r;
    r.a = base;
    r.n1 = r.a + o;
    r.n2 = r.n1 + ni;
    r.ns = r.n2 + ni;
    r.s = r.ns + ni;
    r.g1 = r.s + o;
    r.g2 = r.g1 + o;
    r.g3 = r.g2 + o;
    r.gx = r.g3 + o;
    return r;
}

static int64_t region_per_row(const cz_layer *l)
{
    int64_t o = cz_layer_out_size(l), ni = o + l->out_c;
    return o + 3 * ni + o + 3 * o + cz_layer_in_size(l);
}

static cz_layer_ctx sub(const cz_layer_ctx *c, cz_real *cache, cz_real *tcache)
{
    cz_layer_ctx s = {c->be, c->batch, cache, tcache, c->scratch};
    return s;
}

static const cz_real *at(const cz_real *w, const cz_layer *part)
{
    return w ? w + part->param_offset : NULL;
}

static cz_real *at_mut(cz_real *w, const cz_layer *part)
{
    return w ? w + part->param_offset : NULL;
}

static void block_forward(const cz_layer *l, const cz_layer_ctx *c, cz_real *y, const cz_real *x,
                          const cz_real *w)
{
    cz_backend *be = c->be;
    parts p = parts_of(be, l);
    regions r = regions_of(l, c->batch, c->cache);
    int64_t n = c->batch * cz_layer_out_size(l);
    cz_layer_ctx plain = sub(c, NULL, NULL);
    cz_layer_ctx n1 = sub(c, r.n1, NULL), n2 = sub(c, r.n2, NULL), ns = sub(c, r.ns, NULL);
    p.conv1.ops->forward(&p.conv1, &plain, r.a, x, at(w, &p.conv1));
    p.norm1.ops->forward(&p.norm1, &n1, r.a, r.a, at(w, &p.norm1));
    be->ops->relu_fwd(be, r.a, r.a, n);
    p.conv2.ops->forward(&p.conv2, &plain, y, r.a, at(w, &p.conv2));
    p.norm2.ops->forward(&p.norm2, &n2, y, y, at(w, &p.norm2));
    if (p.proj) {
        p.convs.ops->forward(&p.convs, &plain, r.s, x, at(w, &p.convs));
        p.norms.ops->forward(&p.norms, &ns, r.s, r.s, at(w, &p.norms));
        be->ops->axpy(be, n, 1, r.s, y);
    } else {
        be->ops->axpy(be, n, 1, x, y);
    }
    be->ops->relu_fwd(be, y, y, n);
}

static void block_vjp(const cz_layer *l, const cz_layer_ctx *c, cz_real *dx, cz_real *dw,
                      const cz_real *dy, const cz_real *x, const cz_real *y, const cz_real *w)
{
    cz_backend *be = c->be;
    parts p = parts_of(be, l);
    regions r = regions_of(l, c->batch, c->cache);
    int64_t n = c->batch * cz_layer_out_size(l);
    cz_layer_ctx plain = sub(c, NULL, NULL);
    cz_layer_ctx n1 = sub(c, r.n1, NULL), n2 = sub(c, r.n2, NULL), ns = sub(c, r.ns, NULL);
    be->ops->relu_mask(be, r.g1, dy, y, n);
    p.norm2.ops->vjp(&p.norm2, &n2, r.g2, at_mut(dw, &p.norm2), r.g1, NULL, NULL, at(w, &p.norm2));
    p.conv2.ops->vjp(&p.conv2, &plain, r.g3, at_mut(dw, &p.conv2), r.g2, r.a, NULL,
                     at(w, &p.conv2));
    be->ops->relu_mask(be, r.g3, r.g3, r.a, n);
    p.norm1.ops->vjp(&p.norm1, &n1, r.g2, at_mut(dw, &p.norm1), r.g3, NULL, NULL, at(w, &p.norm1));
    if (dx || dw)
        p.conv1.ops->vjp(&p.conv1, &plain, dx, at_mut(dw, &p.conv1), r.g2, x, NULL,
                         at(w, &p.conv1));
    if (p.proj) {
        p.norms.ops->vjp(&p.norms, &ns, r.g3, at_mut(dw, &p.norms), r.g1, NULL, NULL,
                         at(w, &p.norms));
        if (dx || dw)
            p.convs.ops->vjp(&p.convs, &plain, dx ? r.gx : NULL, at_mut(dw, &p.convs), r.g3, x,
                             NULL, at(w, &p.convs));
        if (dx)
            be->ops->axpy(be, c->batch * cz_layer_in_size(l), 1, r.gx, dx);
    } else if (dx) {
        be->ops->axpy(be, n, 1, r.g1, dx);
    }
}

static void block_jvp(const cz_layer *l, const cz_layer_ctx *c, cz_real *ydot, const cz_real *xdot,
                      const cz_real *wdot, const cz_real *x, const cz_real *y, const cz_real *w)
{
    cz_backend *be = c->be;
    parts p = parts_of(be, l);
    regions r = regions_of(l, c->batch, c->cache), t = regions_of(l, c->batch, c->tcache);
    int64_t n = c->batch * cz_layer_out_size(l);
    cz_layer_ctx plain = sub(c, NULL, NULL);
    cz_layer_ctx n1 = sub(c, r.n1, t.n1), n2 = sub(c, r.n2, t.n2), ns = sub(c, r.ns, t.ns);
    p.conv1.ops->jvp(&p.conv1, &plain, t.a, xdot, at(wdot, &p.conv1), x, NULL, at(w, &p.conv1));
    p.norm1.ops->jvp(&p.norm1, &n1, t.a, t.a, at(wdot, &p.norm1), NULL, NULL, at(w, &p.norm1));
    be->ops->relu_mask(be, t.a, t.a, r.a, n);
    p.conv2.ops->jvp(&p.conv2, &plain, ydot, t.a, at(wdot, &p.conv2), r.a, NULL, at(w, &p.conv2));
    p.norm2.ops->jvp(&p.norm2, &n2, ydot, ydot, at(wdot, &p.norm2), NULL, NULL, at(w, &p.norm2));
    if (p.proj) {
        p.convs.ops->jvp(&p.convs, &plain, t.s, xdot, at(wdot, &p.convs), x, NULL,
                         at(w, &p.convs));
        p.norms.ops->jvp(&p.norms, &ns, t.s, t.s, at(wdot, &p.norms), NULL, NULL, at(w, &p.norms));
        be->ops->axpy(be, n, 1, t.s, ydot);
    } else if (xdot) {
        be->ops->axpy(be, n, 1, xdot, ydot);
    }
    be->ops->relu_mask(be, ydot, ydot, y, n);
}

static void block_jvp_vjp(const cz_layer *l, const cz_layer_ctx *c, cz_real *dx_dot,
                          cz_real *dw_dot, const cz_real *dy, const cz_real *dy_dot,
                          const cz_real *x, const cz_real *xdot, const cz_real *y,
                          const cz_real *w, const cz_real *wdot)
{
    cz_backend *be = c->be;
    parts p = parts_of(be, l);
    regions r = regions_of(l, c->batch, c->cache), t = regions_of(l, c->batch, c->tcache);
    int64_t n = c->batch * cz_layer_out_size(l);
    cz_layer_ctx plain = sub(c, NULL, NULL);
    cz_layer_ctx n1 = sub(c, r.n1, t.n1), n2 = sub(c, r.n2, t.n2), ns = sub(c, r.ns, t.ns);
    /* The block output's ReLU has no curvature: both chains see its mask. */
    be->ops->relu_mask(be, r.g1, dy, y, n);
    if (dy_dot)
        be->ops->relu_mask(be, t.g1, dy_dot, y, n);
    else
        be->ops->fill(be, t.g1, 0, n);
    p.norm2.ops->jvp_vjp(&p.norm2, &n2, t.g2, at_mut(dw_dot, &p.norm2), r.g1, t.g1, NULL, NULL,
                         NULL, at(w, &p.norm2), at(wdot, &p.norm2));
    p.norm2.ops->vjp(&p.norm2, &n2, r.g2, NULL, r.g1, NULL, NULL, at(w, &p.norm2));
    p.conv2.ops->jvp_vjp(&p.conv2, &plain, t.g3, at_mut(dw_dot, &p.conv2), r.g2, t.g2, r.a, t.a,
                         NULL, at(w, &p.conv2), at(wdot, &p.conv2));
    p.conv2.ops->vjp(&p.conv2, &plain, r.g3, NULL, r.g2, r.a, NULL, at(w, &p.conv2));
    be->ops->relu_mask(be, t.g3, t.g3, r.a, n);
    be->ops->relu_mask(be, r.g3, r.g3, r.a, n);
    p.norm1.ops->jvp_vjp(&p.norm1, &n1, t.g2, at_mut(dw_dot, &p.norm1), r.g3, t.g3, NULL, NULL,
                         NULL, at(w, &p.norm1), at(wdot, &p.norm1));
    p.norm1.ops->vjp(&p.norm1, &n1, r.g2, NULL, r.g3, NULL, NULL, at(w, &p.norm1));
    if (dx_dot || dw_dot)
        p.conv1.ops->jvp_vjp(&p.conv1, &plain, dx_dot, at_mut(dw_dot, &p.conv1), r.g2, t.g2, x,
                             xdot, NULL, at(w, &p.conv1), at(wdot, &p.conv1));
    if (p.proj) {
        p.norms.ops->jvp_vjp(&p.norms, &ns, t.g3, at_mut(dw_dot, &p.norms), r.g1, t.g1, NULL,
                             NULL, NULL, at(w, &p.norms), at(wdot, &p.norms));
        p.norms.ops->vjp(&p.norms, &ns, r.g3, NULL, r.g1, NULL, NULL, at(w, &p.norms));
        if (dx_dot || dw_dot)
            p.convs.ops->jvp_vjp(&p.convs, &plain, dx_dot ? t.gx : NULL, at_mut(dw_dot, &p.convs),
                                 r.g3, t.g3, x, xdot, NULL, at(w, &p.convs), at(wdot, &p.convs));
        if (dx_dot)
            be->ops->axpy(be, c->batch * cz_layer_in_size(l), 1, t.gx, dx_dot);
    } else if (dx_dot) {
        be->ops->axpy(be, n, 1, t.g1, dx_dot);
    }
}

/* PyTorch's defaults per part: conv weights and biases U(+-1/sqrt(fan_in)),
 * norm gains 1 and shifts 0. */
static void block_init(const cz_layer *l, cz_rng *rng, cz_real *w)
{
    parts p = parts_of(cz_backend_cpu(), l);
    cz_layer *seq[6] = {&p.conv1, &p.norm1, &p.conv2, &p.norm2, &p.convs, &p.norms};
    for (int k = 0; k < (p.proj ? 6 : 4); k++) {
        cz_real *pw = w + seq[k]->param_offset;
        if (seq[k]->fan_in == 0) {
            int64_t ch = seq[k]->in_c;
            for (int64_t i = 0; i < ch; i++) {
                pw[i] = 1;
                pw[ch + i] = 0;
            }
            continue;
        }
        double bound = 1.0 / sqrt((double)seq[k]->fan_in);
        for (size_t i = 0; i < seq[k]->param_count; i++)
            pw[i] = (cz_real)(bound * (2.0 * cz_rng_uniform(rng) - 1.0));
    }
}

static const cz_layer_ops block_ops = {
    "resblock", block_forward, block_vjp, block_jvp, block_jvp_vjp,
};

cz_layer cz_layer_resblock(cz_backend *be, int64_t c_in, int64_t h, int64_t w, int64_t c_out,
                           int64_t stride)
{
    cz_layer l = {0};
    l.ops = &block_ops;
    l.init = block_init;
    l.in_c = c_in;
    l.in_h = h;
    l.in_w = w;
    l.out_c = c_out;
    l.kernel = 3;
    l.pad = 1;
    l.stride = stride;
    l.out_h = (h + 2 - 3) / stride + 1;
    l.out_w = (w + 2 - 3) / stride + 1;
    parts p = parts_of(be, &l);
    cz_layer *seq[6] = {&p.conv1, &p.norm1, &p.conv2, &p.norm2, &p.convs, &p.norms};
    for (int k = 0; k < (p.proj ? 6 : 4); k++) {
        l.param_count += seq[k]->param_count;
        l.scratch_elems = seq[k]->scratch_elems > l.scratch_elems ? seq[k]->scratch_elems
                                                                  : l.scratch_elems;
    }
    l.fan_in = p.conv1.fan_in;
    l.cache_per_row = region_per_row(&l);
    l.tcache_per_row = region_per_row(&l);
    return l;
}
