/* Engine-internal model calls for the unrolled loop and the trainer: the
 * workspace reservation (so steps never allocate) and the Hessian-vector
 * product that also returns s = <lam, g> and the loss. */
#ifndef CZ_MODEL_INTERNAL_H
#define CZ_MODEL_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "layer.h"
#include "model.h"

/* Grows the workspace to hold `rows` examples (with the tangent buffers when
 * tangent is nonzero). Later calls with at most that many rows never allocate. */
cz_status cz_model_reserve(cz_model *m, size_t rows, int tangent, cz_error *err) CZ_WUR;

/* Bytes of the workspace as reserved now. */
size_t cz_model_workspace_bytes(const cz_model *m);

/* cz_model_hvp plus *s = <lam, g> (from the logits' tangent, without forming
 * g) and *loss, each where not NULL. */
cz_status cz_model_hvp_s(cz_model *m, const cz_real *theta, const cz_real *x, const int32_t *y,
                         size_t n, const cz_real *class_weight, const cz_real *lam, cz_real *hv,
                         cz_real *ds_dx, cz_real *g, double *s, double *loss,
                         cz_error *err) CZ_WUR;

/* The layer list (for tests that check each layer against the model). */
const cz_layer *cz_model_layers(const cz_model *m, int *count);

/* arch.c: checks spec and fills layers (at most CZ_MAX_LAYERS) with offsets. */
#define CZ_MAX_LAYERS 64
cz_status cz_arch_build(const cz_model_spec *spec, cz_backend *be, cz_layer *layers, int *count,
                        size_t *params, cz_error *err) CZ_WUR;

#endif
