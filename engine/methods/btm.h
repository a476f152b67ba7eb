/* BTM and SATM as configurations of the MTT run (mtt.h): the defaults of
 * dc.distill{method = "btm"} and {method = "satm"}, and a BTM run made from
 * Bézier curves alone. */
#ifndef CZ_BTM_H
#define CZ_BTM_H

#include "../backend/backend.h"
#include "../core/status.h"
#include "../data/dataset.h"
#include "bezier.h"
#include "mtt.h"

/* MTT's defaults with truncate = 1: the BTM authors' code differentiates the
 * matching loss through the last inner step only (truncate = 0 is exact). */
cz_mtt_config cz_btm_config_default(void);

/* MTT's defaults with the exact sharpness-aware outer step (sam = 1,
 * rho = CZ_SATM_RHO_DEFAULT). */
cz_mtt_config cz_satm_config_default(void);

/* A BTM run on dataset d with targets on the curves (both borrowed; they must
 * outlive the run). Errors as cz_mtt_new, naming the curves. */
cz_status cz_btm_new(const cz_dataset *d, const cz_surrogate *curves, const cz_mtt_config *cfg,
                     cz_backend *be, cz_mtt **out, cz_error *err) CZ_WUR;

#endif
