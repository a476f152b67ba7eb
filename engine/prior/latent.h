/* Synthetic images parameterised by the prior: X = G(theta_G; z, y), with
 * one latent code z per synthetic image (and, optionally, G's weights) as the
 * variables a distillation method optimises instead of the pixels (GLaD;
 * METHODS.md "Deep generative prior").
 *
 * A method that computes dL/dX (MTT's unrolled hypergradient, DM, ...) uses
 * this object in two calls per iteration: cz_latent_render for X, then
 * cz_latent_step with dL/dX, which takes dL/dz = J_z^T dL/dX (and dL/dtheta_G)
 * through G's ordinary backward pass and steps them by SGD with momentum.
 * No second derivatives of G are ever needed.
 *
 * The state (codes, G's weights when learned, momentum buffers) is plain
 * data that serialises; the prior is borrowed and must outlive the object. */
#ifndef CZ_LATENT_H
#define CZ_LATENT_H

#include <stddef.h>
#include <stdint.h>

#include "../core/bytes.h"
#include "../core/real.h"
#include "../core/rng.h"
#include "../core/status.h"
#include "prior.h"

typedef struct cz_latent_opts {
    double lr_w;     /* SGD rate on the codes z (1.0; GLaD's lr_w range 1-10) */
    double lr_g;     /* SGD rate on G's weights; 0 (default) keeps G fixed */
    double momentum; /* of both (0.5, as MTT's image optimiser) */
} cz_latent_opts;

typedef struct cz_latent cz_latent;

cz_latent_opts cz_latent_opts_default(void);

/* rows synthetic images with labels y (copied; in [0, classes of the
 * prior)). Codes start at zero: initialise them with one of the calls below. */
cz_status cz_latent_new(cz_prior *prior, const int32_t *y, size_t rows, const cz_latent_opts *opts,
                        cz_latent **out, cz_error *err) CZ_WUR;
void cz_latent_free(cz_latent **l);

/* z = the encoder's mean code of real images x (rows x C*H*W, one per
 * synthetic image, with the labels given at creation): the prior's analogue
 * of MTT's "real" initialisation. */
cz_status cz_latent_init_encode(cz_latent *l, const cz_real *x, cz_error *err) CZ_WUR;
/* z ~ N(0, I) from rng. */
void cz_latent_init_random(cz_latent *l, cz_rng *rng);

size_t cz_latent_rows(const cz_latent *l);
cz_latent_opts cz_latent_opts_of(const cz_latent *l);
size_t cz_latent_size(const cz_latent *l);         /* values of z per image */
const cz_real *cz_latent_codes(const cz_latent *l); /* rows x latent */
const int32_t *cz_latent_labels(const cz_latent *l);
/* G's weights in use: the prior's, or the learned copy when lr_g > 0. */
const cz_real *cz_latent_theta(const cz_latent *l);

/* x (rows x C*H*W) = G(theta; z, y). */
cz_status cz_latent_render(cz_latent *l, cz_real *x, cz_error *err) CZ_WUR;

/* One SGD-with-momentum step from grad_x = dL/dX at X = G(z) (rows x C*H*W):
 * dz = J_z^T grad_x; z and (lr_g > 0) G's weights move. Non-finite gradients
 * are refused with CZ_ENUMERIC and leave the state unchanged. *grad_norm
 * (may be NULL) receives |dL/dz|. */
cz_status cz_latent_step(cz_latent *l, const cz_real *grad_x, double *grad_norm,
                         cz_error *err) CZ_WUR;

/* Canonical encoding of the state (options, labels, codes, buffers, G's
 * learned weights) and the digest of the prior it belongs to; deserialising
 * against another prior is CZ_EINVAL. */
cz_status cz_latent_serialize(const cz_latent *l, cz_bytes *out, cz_error *err) CZ_WUR;
cz_status cz_latent_deserialize(cz_reader *r, cz_prior *prior, cz_latent **out,
                                cz_error *err) CZ_WUR;

#endif
