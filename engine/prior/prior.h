/* The deep generative prior (GLaD-style, trained here from scratch): a
 * conditional VAE on the real training images, whose decoder is the
 * generator G of generator.h. Distillation then keeps G and optimises
 * latent codes z (and optionally G's weights) so that X = G(z) minimises the
 * matching loss (latent.h).
 *
 * Why a VAE rather than a GAN: it trains deterministically and stably in a
 * minute on a CPU (one loss, no adversarial balance), its encoder gives the
 * latent of any real image (so synthetic sets can start at "real images of
 * the class", as pixel MTT does), and G is the same decoder either way.
 *
 * Objective per image (x in the dataset's normalised units, G's output
 * mapped onto the training data's range, see generator.h):
 *   (mu, logvar) = E(x, y);  z = mu + exp(logvar / 2) * eps,  eps ~ N(0, I)
 *   loss = |G(z, y) - x|^2 / (2 sigma_x^2) + beta * KL(N(mu, e^logvar) | N(0, I))
 * with sigma_x = sigma * out_scale (sigma is in tanh units, where [-1, 1]
 * spans the data's range). Adam on both networks, minibatches from an
 * explicit seed: the same inputs and seed give the same prior, bit for bit,
 * on the same backend and thread count. */
#ifndef CZ_PRIOR_H
#define CZ_PRIOR_H

#include <stddef.h>
#include <stdint.h>

#include "../backend/backend.h"
#include "../core/bytes.h"
#include "../core/cancel.h"
#include "../core/progress.h"
#include "../core/real.h"
#include "../core/status.h"
#include "../data/dataset.h"
#include "generator.h"

typedef struct cz_prior_opts {
    int latent;      /* z size (32) */
    int base;        /* generator channels at H/4 (64) */
    int hidden;      /* encoder hidden units (256) */
    int conditional; /* 1 (default): G and E see the one-hot class */
    int epochs;      /* passes over the training split (30) */
    int batch;       /* images per Adam step (64) */
    double lr;       /* Adam rate (1e-3) */
    double beta;     /* KL weight (1) */
    double sigma;    /* reconstruction noise std in tanh units (0.1) */
    uint64_t seed;   /* initialisation, minibatches and eps (0) */
} cz_prior_opts;

typedef struct cz_prior cz_prior;

cz_prior_opts cz_prior_opts_default(void);

/* Trains on d's training split (an image dataset whose height and width are
 * multiples of 4). progress (may be NULL) is called after every epoch with
 * phase "prior", loss = mean loss per image, metric = reconstruction RMSE in
 * pixel units ([0, 1] spans the data's range); a nonzero return or cancel
 * stops at the next minibatch with CZ_EINTERRUPTED (no prior is returned). */
cz_status cz_prior_train(const cz_dataset *d, const cz_prior_opts *opts, cz_backend *be,
                         const cz_cancel *cancel, cz_progress_fn progress, void *user,
                         cz_prior **out, cz_error *err) CZ_WUR;
void cz_prior_free(cz_prior **p);

const cz_prior_opts *cz_prior_opts_of(const cz_prior *p);
/* The generator and its trained parameters (borrowed; valid while p lives).
 * The generator's workspace is p's: do not use it from two threads. */
cz_generator *cz_prior_generator(const cz_prior *p);
const cz_real *cz_prior_theta(const cz_prior *p);
/* Per-epoch history: mean loss per image and reconstruction RMSE (pixel
 * units); *epochs receives the count. */
const double *cz_prior_loss_history(const cz_prior *p, int *epochs);
const double *cz_prior_rmse_history(const cz_prior *p, int *epochs);

/* mu (n x latent) = the encoder's mean code of each image (x: n x C*H*W in
 * the dataset's units, y: labels, ignored when unconditional). */
cz_status cz_prior_encode(cz_prior *p, const cz_real *x, const int32_t *y, size_t n, cz_real *mu,
                          cz_error *err) CZ_WUR;
/* Reconstruction RMSE in pixel units of G(mu(x), y) against x. */
cz_status cz_prior_recon_rmse(cz_prior *p, const cz_real *x, const int32_t *y, size_t n,
                              double *rmse, cz_error *err) CZ_WUR;

/* Canonical encoding (checkpoint record type "generator"): a version tag,
 * the options, the generator spec (with its output mapping), both parameter
 * vectors and the history. */
cz_status cz_prior_serialize(const cz_prior *p, cz_bytes *out, cz_error *err) CZ_WUR;
cz_status cz_prior_deserialize(cz_reader *r, cz_backend *be, cz_prior **out,
                               cz_error *err) CZ_WUR;
/* SHA-256 of the canonical encoding. */
cz_status cz_prior_digest(const cz_prior *p, uint8_t out[32], cz_error *err) CZ_WUR;

#endif
