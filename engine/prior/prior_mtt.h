/* Trajectory matching through the deep generative prior (GLaD; METHODS.md
 * "Deep generative prior"), as a resumable run: the synthetic images are
 * X = G(z) of the prior's generator, and each iteration of an MTT run (any
 * match source: expert trajectories for MTT, Bezier curves for BTM, and the
 * SATM outer step when the config asks for it) computes the hypergradient
 * dL/dX through the unrolled student, which cz_latent_step pulls back through
 * G to step the codes z (lr_w) and, with lr_g > 0, G's weights; the learnable
 * rate is stepped exactly as MTT steps it. Pixel MTT's X optimiser (lr_img)
 * is not used.
 *
 * The run is an MTT run (engine/methods/mtt.h) with a parameterisation hook
 * (mtt_param.h) plus a latent set (latent.h). Codes start as the encoder's
 * mean codes of ipc random real training images per class: the same rows
 * that pixel MTT starts from with the same config (and seed). DSA in the
 * inner loop follows the config's dsa setting (on by default for images).
 *
 * Every draw comes from the run's RNG: the same inputs give the same run bit
 * for bit (same backend and thread count), and a run that is interrupted,
 * serialised, deserialised and continued equals one that never stopped.
 *
 * The dataset, match source and prior are borrowed and must outlive the run.
 * The prior's generator workspace is used by the run: do not use the same
 * prior from another thread while the run steps. */
#ifndef CZ_PRIOR_MTT_H
#define CZ_PRIOR_MTT_H

#include <stddef.h>
#include <stdint.h>

#include "../backend/backend.h"
#include "../core/bytes.h"
#include "../core/cancel.h"
#include "../core/progress.h"
#include "../core/status.h"
#include "../data/dataset.h"
#include "../methods/match_source.h"
#include "../methods/mtt.h"
#include "../methods/synthetic.h"
#include "latent.h"
#include "prior.h"

typedef struct cz_prior_mtt cz_prior_mtt;

/* What a run reports (a snapshot). */
typedef struct cz_prior_mtt_info {
    cz_mtt_info mtt;       /* iteration, planned, skipped, lr_halved, loss, lr, last_skip */
    cz_latent_opts latent; /* lr_w, lr_g, momentum of the codes (and G) */
    size_t rows;           /* synthetic images (ipc * classes) */
    size_t latent_size;    /* values of z per image */
    const char *match;     /* "mtt", "btm" or "satm": the matching under the prior (static) */
} cz_prior_mtt_info;

/* Suggested settings for the prior: cz_mtt_config_default() with the
 * image-side choices of docs/images.md (ipc 10, syn_steps 20, expert_epochs
 * 2, max_start_epoch 1, lr_lr 1e-5); lr_img is unused by this run. */
cz_mtt_config cz_prior_mtt_config_default(void);
/* lr_w 100 (docs/images.md), lr_g 0 (G fixed), momentum 0.5. */
cz_latent_opts cz_prior_mtt_latent_default(void);

/* A new run on image dataset d with targets from src and the trained prior
 * (all borrowed). cfg is resolved as cz_mtt_new_from resolves it (autos
 * filled; the same errors); lo gives the codes' (and G's) optimiser (NULL:
 * cz_prior_mtt_latent_default). Errors: a prior of another image shape or
 * class count than d (CZ_ESHAPE), bad options (CZ_EINVAL), as cz_mtt_new_from. */
cz_status cz_prior_mtt_new(const cz_dataset *d, const cz_match_source *src, cz_prior *prior,
                           const cz_mtt_config *cfg, const cz_latent_opts *lo, cz_backend *be,
                           cz_prior_mtt **out, cz_error *err) CZ_WUR;
/* Frees r and sets *r = NULL; accepts NULL. */
void cz_prior_mtt_free(cz_prior_mtt **r);

/* Runs up to n more iterations (n < 0: to the planned total), with
 * cz_mtt_step's semantics: cancel (polled between iterations and unrolled
 * steps) or a progress callback returning nonzero returns CZ_EINTERRUPTED
 * with the state at the last whole iteration; progress (phase "distill", may
 * be NULL) is called after every iteration. */
cz_status cz_prior_mtt_step(cz_prior_mtt *r, int64_t n, const cz_cancel *cancel,
                            cz_progress_fn progress, void *progress_user, cz_error *err) CZ_WUR;

void cz_prior_mtt_info_get(const cz_prior_mtt *r, cz_prior_mtt_info *out);
/* The resolved configuration (no autos left). */
const cz_mtt_config *cz_prior_mtt_config_of(const cz_prior_mtt *r);
/* Borrowed views: the underlying MTT run (its X is always G(z) of the
 * current codes; history, rate) and the latent set (codes, labels, G). */
const cz_mtt *cz_prior_mtt_run(const cz_prior_mtt *r);
const cz_latent *cz_prior_mtt_latent(const cz_prior_mtt *r);

/* The synthetic set as it stands: X = G(z), method "prior", lr = the learned
 * rate, the loss history. */
cz_status cz_prior_mtt_synthetic(const cz_prior_mtt *r, cz_synthetic **out, cz_error *err) CZ_WUR;

/* The full state (the MTT run's record, then the latent set's). Deserialising
 * needs the same dataset, match source and prior, each checked by digest (a
 * different one is CZ_EINVAL naming which). */
cz_status cz_prior_mtt_serialize(const cz_prior_mtt *r, cz_bytes *out, cz_error *err) CZ_WUR;
cz_status cz_prior_mtt_deserialize(cz_reader *rd, const cz_dataset *d, const cz_match_source *src,
                                   cz_prior *prior, cz_backend *be, cz_prior_mtt **out,
                                   cz_error *err) CZ_WUR;
/* SHA-256 of the canonical encoding. */
cz_status cz_prior_mtt_digest(const cz_prior_mtt *r, uint8_t out[32], cz_error *err) CZ_WUR;

#endif
