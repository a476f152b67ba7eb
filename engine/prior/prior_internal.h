/* Calls shared inside engine/prior (not part of its public API). */
#ifndef CZ_PRIOR_INTERNAL_H
#define CZ_PRIOR_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "../core/rng.h"

#include "../core/real.h"
#include "gen_net.h"
#include "generator.h"
#include "prior.h"

struct cz_prior {
    cz_prior_opts opts;
    int classes;            /* of the data; the networks see them when conditional */
    cz_generator *gen;
    gen_net enc;            /* [x, onehot] -> hidden -> ReLU -> [mu, logvar] */
    cz_real *theta_g, *theta_e;
    int epochs_done;
    double *loss_hist, *rmse_hist; /* opts.epochs each */
};

/* Builds an untrained prior for images of spec's shape (spec carries the
 * output mapping) and `classes` classes. */
cz_status prior_create(const cz_prior_opts *opts, const cz_generator_spec *spec, int classes,
                       cz_backend *be, cz_prior **out, cz_error *err) CZ_WUR;

/* Fills the encoder's input rows [x, onehot(y)] for n images. */
cz_status prior_encoder_input(cz_prior *p, const cz_real *x, const int32_t *y, size_t n,
                              cz_error *err) CZ_WUR;

/* The backward half of cz_generator_vjp, valid right after
 * cz_generator_forward on the same (theta, batch): spares the trainer a
 * second forward pass. dz =, dtheta +=; either may be NULL. */
void generator_backward(cz_generator *g, const cz_real *theta, size_t n, const cz_real *dx,
                        cz_real *dz, cz_real *dtheta);

/* Adam step (Kingma & Ba; PyTorch's defaults b1 0.9, b2 0.999, eps 1e-8) at
 * step t >= 1 over n values; m and v start at zero. */
void prior_adam_step(size_t n, cz_real *p, const cz_real *g, cz_real *m, cz_real *v, double lr,
                     long t);

/* Training buffers of one run: minibatch rows, codes, noise, gradients and
 * Adam moments (gg/mg/vg for the generator, ge/me/ve for the encoder). */
typedef struct vae_bufs {
    int64_t *order;
    int32_t *yb;
    cz_real *xb, *z, *eps, *xg, *dxg, *dz, *dh;
    cz_real *gg, *mg, *vg, *ge, *me, *ve;
} vae_bufs;

/* Zeroed buffers for n training rows, minibatches of `batch`; 0 on failure
 * (free with vae_bufs_free either way). */
int vae_bufs_alloc(vae_bufs *b, size_t n, size_t batch, size_t image, size_t latent, size_t pg,
                   size_t pe);
void vae_bufs_free(vae_bufs *b);

/* The VAE loss of the B rows in b->xb, b->yb with noise from rng: writes
 * its gradients to b->gg (generator) and b->ge (encoder), d(mean loss per
 * image), and adds the summed reconstruction, KL and squared pixel error
 * into sums[0..2]. */
cz_status vae_loss_grad(cz_prior *p, vae_bufs *b, size_t B, cz_rng *rng, double sums[3],
                        cz_error *err) CZ_WUR;

#endif
