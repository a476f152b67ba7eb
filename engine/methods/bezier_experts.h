/* dc.bezier: Bézier surrogates for an expert set, fitted on the real
 * training split of the dataset the experts were trained on. */
#ifndef CZ_BEZIER_EXPERTS_H
#define CZ_BEZIER_EXPERTS_H

#include "../backend/backend.h"
#include "../core/status.h"
#include "../data/dataset.h"
#include "bezier.h"
#include "experts.h"

/* One curve per expert of e, between its epoch-0 and last parameters, fitted
 * as cz_bezier_fit says on d's training rows (opts NULL = defaults), with the
 * experts' rate, batch and training rows recorded in the set. CZ_EINVAL when
 * e was not trained on d (another shape or row count). */
cz_status cz_bezier_fit_experts(const cz_experts *e, const cz_dataset *d,
                                const cz_bezier_opts *opts, cz_backend *be, cz_surrogate **out,
                                cz_error *err) CZ_WUR;

#endif
