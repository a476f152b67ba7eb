/* Layers: the four functions every layer provides (DESIGN.md, "Differentiating
 * through the unrolled inner loop"), over a batch of B examples:
 *
 *   forward  y = f(x; w)
 *   vjp      dx = J_x^T dy, dw += J_w^T dy
 *   jvp      ydot = J_x xdot + J_w wdot
 *   jvp_vjp  the tangent of the VJP along (xdot, wdot, dy_dot):
 *            dx_dot = d/de [J_x^T dy](x + e xdot, w + e wdot, dy + e dy_dot),
 *            dw_dot += the same for J_w^T dy
 *
 * Accumulation rule (llm.c's): parameter gradients and their tangents are
 * added (+=), activation gradients and tangents are written (=). A NULL
 * output means "not needed" and skips its work; a NULL tangent input (xdot,
 * wdot, dy_dot) means zero.
 *
 * Calling order: vjp uses what forward cached (ctx->cache); jvp_vjp uses what
 * forward and jvp cached (ctx->tcache) for the same x and w. Where a layer
 * says in_place, y may be x's buffer, ydot xdot's, dx dy's and dx_dot dy_dot's;
 * its functions then read only y (never x) for what they need of the input,
 * and the model calls jvp_vjp before vjp. Shapes are per example
 * (channels, height, width), row-major, batch first. Internal to the engine. */
#ifndef CZ_LAYER_H
#define CZ_LAYER_H

#include <stddef.h>
#include <stdint.h>

#include "../backend/backend_impl.h"
#include "../core/real.h"
#include "../core/rng.h"

typedef struct cz_layer cz_layer;

/* Per-call buffers, owned by the model's workspace. cache and tcache hold
 * cache_per_row / tcache_per_row elements per example, scratch holds
 * scratch_elems elements (independent of the batch). */
typedef struct cz_layer_ctx {
    cz_backend *be;
    int64_t batch;
    cz_real *cache, *tcache, *scratch;
} cz_layer_ctx;

typedef struct cz_layer_ops {
    const char *name;
    /* y (B, out) <- x (B, in), w (param_count) */
    void (*forward)(const cz_layer *l, const cz_layer_ctx *c, cz_real *y, const cz_real *x,
                    const cz_real *w);
    /* dx (B, in) =, dw (param_count) += ; dy (B, out) */
    void (*vjp)(const cz_layer *l, const cz_layer_ctx *c, cz_real *dx, cz_real *dw,
                const cz_real *dy, const cz_real *x, const cz_real *y, const cz_real *w);
    /* ydot (B, out) = ; xdot (B, in), wdot (param_count) */
    void (*jvp)(const cz_layer *l, const cz_layer_ctx *c, cz_real *ydot, const cz_real *xdot,
                const cz_real *wdot, const cz_real *x, const cz_real *y, const cz_real *w);
    /* dx_dot (B, in) =, dw_dot (param_count) += */
    void (*jvp_vjp)(const cz_layer *l, const cz_layer_ctx *c, cz_real *dx_dot, cz_real *dw_dot,
                    const cz_real *dy, const cz_real *dy_dot, const cz_real *x,
                    const cz_real *xdot, const cz_real *y, const cz_real *w,
                    const cz_real *wdot);
} cz_layer_ops;

struct cz_layer {
    const cz_layer_ops *ops;
    int64_t in_c, in_h, in_w;     /* per-example input shape */
    int64_t out_c, out_h, out_w;  /* per-example output shape */
    size_t param_offset;          /* where this layer's parameters start in theta */
    size_t param_count;
    int in_place;                 /* see the calling order above */
    int64_t cache_per_row, tcache_per_row, scratch_elems;
    int64_t kernel, pad, stride;  /* conv2d */
    int64_t fan_in;               /* weight init bound 1/sqrt(fan_in); 0 = norm (gain 1, shift 0) */
    /* Optional: initialises w (param_count) from rng instead of the fan_in
     * rule; composite layers (a residual block) set it. */
    void (*init)(const cz_layer *l, cz_rng *rng, cz_real *w);
};

static inline int64_t cz_layer_in_size(const cz_layer *l) { return l->in_c * l->in_h * l->in_w; }
static inline int64_t cz_layer_out_size(const cz_layer *l) { return l->out_c * l->out_h * l->out_w; }

/* Constructors: fill shapes, parameter count and buffer needs (offsets are
 * set by the model). be sizes the conv scratch. */
cz_layer cz_layer_linear(int64_t in, int64_t out);
cz_layer cz_layer_conv2d(cz_backend *be, int64_t c_in, int64_t h, int64_t w, int64_t c_out,
                         int64_t kernel, int64_t pad, int64_t stride);
cz_layer cz_layer_relu(int64_t c, int64_t h, int64_t w);
cz_layer cz_layer_avgpool2(int64_t c, int64_t h, int64_t w);
cz_layer cz_layer_instancenorm(int64_t c, int64_t h, int64_t w);

/* Instance norm's epsilon (PyTorch's default, as the reference ConvNet). */
#define CZ_INORM_EPS 1e-5

#endif
