/* Expert trajectories (MTT's buffer.py): `count` networks trained from fresh
 * initialisations on the real training split with plain SGD, the flat
 * parameter vector recorded before training and after every epoch, plus each
 * expert's per-epoch training loss and final validation AUROC.
 *
 * Images are augmented with DSA by default (MTT's buffer.py trains its
 * experts with the same augmentation as distillation); the seed of each
 * minibatch's transform comes from the expert's own stream.
 *
 * Storage is host memory: count * (epochs + 1) * params values. */
#ifndef CZ_EXPERTS_H
#define CZ_EXPERTS_H

#include <stddef.h>
#include <stdint.h>

#include "../augment/dsa.h"
#include "../backend/backend.h"
#include "../core/bytes.h"
#include "../core/cancel.h"
#include "../core/progress.h"
#include "../core/real.h"
#include "../core/status.h"
#include "../data/dataset.h"
#include "../nn/model.h"

typedef struct cz_experts_opts {
    cz_model_spec spec;  /* arch, hidden, depth; input shape and classes come from the dataset */
    int count;           /* 8 */
    int epochs;          /* 30 */
    double lr;           /* 0.01 */
    double momentum;     /* 0 */
    int batch;           /* 256 */
    uint64_t seed;       /* 0; expert k uses its own stream derived from (seed, k) */
    cz_dsa_use dsa;      /* DSA on every minibatch (AUTO: on for images on the cpu backend) */
    cz_progress_fn progress; /* called after every epoch (phase "experts"), or NULL */
    void *progress_user;
    const cz_cancel *cancel; /* polled between epochs, or NULL */
} cz_experts_opts;

typedef struct cz_experts {
    cz_model_spec spec;
    int count, epochs;
    size_t params;       /* per model */
    double lr, momentum;
    int batch;
    uint64_t seed;
    int dsa;             /* 1 when trained with DSA (the resolved setting) */
    size_t train_rows;   /* rows of the training split they were trained on */
    cz_real *traj;       /* count x (epochs + 1) x params */
    double *train_loss;  /* count x epochs: mean minibatch loss of each epoch */
    double *val_auroc;   /* count: validation AUROC after the last epoch (NaN if undefined) */
} cz_experts;

/* Defaults above, spec = cz_default_spec(d). */
cz_experts_opts cz_experts_opts_default(const cz_dataset *d);

/* Trains the experts on d's training split using backend be. An interrupt
 * (cancel or a progress callback returning nonzero) returns CZ_EINTERRUPTED
 * and no object. */
cz_status cz_experts_train(const cz_dataset *d, const cz_experts_opts *opts, cz_backend *be,
                           cz_experts **out, cz_error *err) CZ_WUR;
/* Frees e and sets *e = NULL; accepts NULL. */
void cz_experts_free(cz_experts **e);

/* Expert k's parameters after `epoch` epochs (0 = initialisation); borrowed. */
const cz_real *cz_experts_at(const cz_experts *e, int k, int epoch);
/* Bytes the trajectories take in memory (what a checkpoint holds, roughly). */
size_t cz_experts_bytes(const cz_experts *e);

/* Canonical encoding (core/bytes.h) and its SHA-256. */
cz_status cz_experts_serialize(const cz_experts *e, cz_bytes *out, cz_error *err) CZ_WUR;
cz_status cz_experts_deserialize(cz_reader *r, cz_experts **out, cz_error *err) CZ_WUR;
cz_status cz_experts_digest(const cz_experts *e, uint8_t out[32], cz_error *err) CZ_WUR;

#endif
