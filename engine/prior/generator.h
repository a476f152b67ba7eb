/* The generator G of the deep generative prior: a small class-conditional
 * convolutional decoder from a latent code to an image,
 *
 *   [z, onehot(y)] -> linear -> base x H/4 x W/4 -> ReLU
 *     -> up 2x -> conv3x3 -> base/2 -> ReLU -> up 2x -> conv3x3 -> base/4 -> ReLU
 *     -> conv3x3 -> C -> tanh -> out_scale * t + out_shift
 *
 * (nearest upsampling, same padding, no normalisation, so each image depends
 * on its own code only). Parameters live in one flat vector, like a model's;
 * G(z) and its vector-Jacobian product are first order: the latent gradient
 * dL/dz = J_G^T dL/dX is one ordinary backward pass.
 *
 * A generator owns its workspace and is not thread-safe. Host memory (the CPU
 * backend). Training lives in prior.h. */
#ifndef CZ_GENERATOR_H
#define CZ_GENERATOR_H

#include <stddef.h>
#include <stdint.h>

#include "../backend/backend.h"
#include "../core/real.h"
#include "../core/rng.h"
#include "../core/status.h"

typedef struct cz_generator_spec {
    int latent;                  /* values of z per image (default 32) */
    int classes;                 /* one-hot class code appended to z; 0 = unconditional */
    int channels, height, width; /* output image; height and width divisible by 4 */
    int base;                    /* channels at H/4 x W/4 (default 64; then /2, /4) */
    double out_scale, out_shift; /* maps tanh's [-1, 1] onto the data's range (default 1, 0) */
} cz_generator_spec;

typedef struct cz_generator cz_generator;

cz_generator_spec cz_generator_spec_default(int channels, int height, int width, int classes);

/* Checks the spec (divisibility, sizes >= 1, base >= 4) and builds G on be
 * (CZ_EUNSUPPORTED for a device backend). */
cz_status cz_generator_new(const cz_generator_spec *spec, cz_backend *be, cz_generator **out,
                           cz_error *err) CZ_WUR;
void cz_generator_free(cz_generator **g);

const cz_generator_spec *cz_generator_spec_of(const cz_generator *g);
size_t cz_generator_param_count(const cz_generator *g);
size_t cz_generator_image_size(const cz_generator *g); /* C*H*W */
/* One line, e.g. "generator 32+2 -> 64x7x7 -> 32x14x14 -> 16x28x28 -> 1x28x28, 137,873 params". */
const char *cz_generator_describe(const cz_generator *g, char *buf, size_t size);

/* PyTorch's default initialisation drawn from rng. */
void cz_generator_init(const cz_generator *g, cz_rng *rng, cz_real *theta);

/* x (n x C*H*W) = G(theta; z (n x latent), y (n labels, ignored when
 * unconditional; may then be NULL)). CZ_EINVAL for a label outside
 * [0, classes). */
cz_status cz_generator_forward(cz_generator *g, const cz_real *theta, const cz_real *z,
                               const int32_t *y, size_t n, cz_real *x, cz_error *err) CZ_WUR;

/* Given dx = dL/dx for x = G(theta; z, y), writes dz = J_z^T dx (overwritten)
 * and adds J_theta^T dx to dtheta; either may be NULL. Runs the forward pass
 * itself (the workspace then holds this batch's activations). */
cz_status cz_generator_vjp(cz_generator *g, const cz_real *theta, const cz_real *z,
                           const int32_t *y, size_t n, const cz_real *dx, cz_real *dz,
                           cz_real *dtheta, cz_error *err) CZ_WUR;

#endif
