/* Selection baselines: synthetic sets made of real training rows.
 * - random: ipc rows per class drawn without replacement;
 * - herding (Welling 2009, as in the condensation benchmarks): per class,
 *   greedily add the row that brings the running mean of the chosen rows
 *   closest to the class mean, in the dataset's (standardised) feature space.
 * Both carry the rate `lr` for evaluation (<= 0: 0.01, the experts' rate). */
#ifndef CZ_SELECT_H
#define CZ_SELECT_H

#include <stdint.h>

#include "../core/status.h"
#include "../data/dataset.h"
#include "synthetic.h"

cz_status cz_select_random(const cz_dataset *d, int ipc, uint64_t seed, double lr,
                           cz_synthetic **out, cz_error *err) CZ_WUR;

/* Deterministic; ties go to the earlier training row. rows_out (may be NULL)
 * receives the chosen training-row indices, ipc per class, class-major. */
cz_status cz_select_herding(const cz_dataset *d, int ipc, double lr, cz_synthetic **out,
                            size_t *rows_out, cz_error *err) CZ_WUR;

#endif
