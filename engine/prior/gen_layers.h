/* First-order layers of the generative prior (internal to engine/prior):
 * linear, 3x3 same-padding convolution, nearest 2x upsampling, ReLU, tanh.
 * Each has a forward and a VJP; the generator is never differentiated twice
 * (the latent gradient is one ordinary backward pass), so no tangents.
 *
 * Conventions (as engine/nn/layer.h): batch first, row-major, per-example
 * shapes (c, h, w); parameter gradients are accumulated (+=), input
 * gradients written (=); a NULL output skips its work. Host memory; the
 * matrix products go through the backend's gemm. */
#ifndef CZ_GEN_LAYERS_H
#define CZ_GEN_LAYERS_H

#include <stddef.h>
#include <stdint.h>

#include "../backend/backend_impl.h"
#include "../core/real.h"
#include "../core/rng.h"

typedef enum gen_kind { GEN_LINEAR, GEN_CONV3, GEN_UP2, GEN_RELU, GEN_TANH } gen_kind;

typedef struct gen_layer {
    gen_kind kind;
    int in_c, in_h, in_w;
    int out_c, out_h, out_w;
    size_t param_offset, param_count; /* linear: W (out x in) then b; conv: W (co,ci,3,3) then b */
} gen_layer;

static inline size_t gen_in_size(const gen_layer *l) { return (size_t)l->in_c * l->in_h * l->in_w; }
static inline size_t gen_out_size(const gen_layer *l) { return (size_t)l->out_c * l->out_h * l->out_w; }

/* Constructors fill shapes and parameter counts (offsets are set by the owner). */
gen_layer gen_linear(int in, int out);
gen_layer gen_conv3(int c_in, int h, int w, int c_out);
gen_layer gen_up2(int c, int h, int w);
gen_layer gen_act(gen_kind kind, int c, int h, int w); /* GEN_RELU or GEN_TANH */

/* Scratch values one call needs (conv: the im2col columns of one image). */
size_t gen_scratch_size(const gen_layer *l);

/* PyTorch's default init: weights and biases U(-1/sqrt(fan_in), 1/sqrt(fan_in)). */
void gen_init(const gen_layer *l, cz_rng *rng, cz_real *theta);

/* y (B, out) = f(x (B, in); theta + param_offset). */
void gen_forward(cz_backend *be, const gen_layer *l, size_t batch, cz_real *y, const cz_real *x,
                 const cz_real *theta, cz_real *scratch);
/* dx =, dtheta += ; uses the x and y of the forward. dx may alias dy for the
 * pointwise layers (ReLU, tanh). */
void gen_vjp(cz_backend *be, const gen_layer *l, size_t batch, cz_real *dx, cz_real *dtheta,
             const cz_real *dy, const cz_real *x, const cz_real *y, const cz_real *theta,
             cz_real *scratch);

#endif
