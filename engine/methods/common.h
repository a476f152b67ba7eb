/* Small pieces every condensation method shares: the default model for a
 * dataset, drawing real rows per class (the "real" initialisation of MTT, DM
 * and DD, and the random baseline), the class-prior weights, and finiteness
 * checks. No method logic lives here. */
#ifndef CZ_METHODS_COMMON_H
#define CZ_METHODS_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../augment/dsa.h"
#include "../backend/backend.h"
#include "../core/bytes.h"
#include "../core/real.h"
#include "../core/rng.h"
#include "../core/status.h"
#include "../data/dataset.h"
#include "../eval/metrics.h"
#include "../nn/model.h"

/* The model every method uses unless told otherwise: an MLP of 2 hidden
 * layers of 128 units for tabular data, a ConvNet-3 of 128 channels with
 * instance norm for images; input shape and classes taken from d. */
cz_model_spec cz_default_spec(const cz_dataset *d);

/* Checks that spec's input shape and class count fit dataset d (CZ_ESHAPE,
 * naming both shapes, otherwise). */
cz_status cz_spec_check_dataset(const cz_model_spec *spec, const cz_dataset *d,
                                cz_error *err) CZ_WUR;

/* Checks that every class has at least ipc training rows (CZ_EINVAL naming
 * the class and its count otherwise); ipc must be >= 1. */
cz_status cz_check_ipc(const cz_dataset *d, int ipc, cz_error *err) CZ_WUR;

/* ipc distinct random training rows of each class, classes in order:
 * x (ipc*classes x features) and y (class of each row). Rows are drawn
 * without replacement from rng. Caller checks ipc first (cz_check_ipc). */
cz_status cz_pick_real_rows(const cz_dataset *d, int ipc, cz_rng *rng, cz_real *x, int32_t *y,
                            cz_error *err) CZ_WUR;

/* Class weights that make a class-balanced synthetic set's mean loss weigh
 * the classes as the real training split does: w_c = n_c / n_train. */
void cz_prior_class_weights(const cz_dataset *d, cz_real *w);

/* Predicts the rows of split sp with parameters theta (in chunks, so a large
 * test split needs no large workspace) and computes the metrics. A model
 * whose probabilities are not finite has diverged: it is scored as a
 * constant (uniform) predictor and *diverged (may be NULL) is set to 1. */
cz_status cz_score_split(cz_model *m, const cz_real *theta, const cz_dataset *d, cz_split sp,
                         cz_metrics *out, int *diverged, cz_error *err) CZ_WUR;

/* The metrics of a constant predictor (uniform probabilities) on split sp:
 * what a diverged model is scored as. */
cz_status cz_score_constant(const cz_dataset *d, cz_split sp, cz_metrics *out,
                            cz_error *err) CZ_WUR;

/* Canonical encoding of a model spec (for the objects that carry one). */
void cz_spec_write(cz_bytes *b, const cz_model_spec *s);
/* Reads and checks it (CZ_EFORMAT on nonsense values). */
cz_status cz_spec_read(cz_reader *r, cz_model_spec *s, cz_error *err) CZ_WUR;

/* Resolves a DSA setting for dataset d on backend be into *on (1 or 0):
 * AUTO is on for image datasets on a host backend (DSA works on host
 * memory), off for tabular data and device backends. ON for a tabular
 * dataset is CZ_EINVAL; ON on a device backend is CZ_EUNSUPPORTED. */
cz_status cz_dsa_resolve(cz_dsa_use use, const cz_dataset *d, const cz_backend *be, int *on,
                         cz_error *err) CZ_WUR;
/* DSA with the standard strategy and parameters (cz_dsa_opts_default) for
 * d's image shape. */
cz_status cz_dsa_new_for(const cz_dataset *d, cz_dsa **out, cz_error *err) CZ_WUR;

/* True when all n values are finite. */
bool cz_all_finite(const cz_real *x, size_t n);

#endif
