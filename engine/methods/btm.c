/* BTM and SATM defaults over the MTT run; see btm.h. */
#include "btm.h"

#include "match_source.h"
#include "satm.h"

cz_mtt_config cz_btm_config_default(void)
{
    cz_mtt_config c = cz_mtt_config_default();
    c.truncate = 1;
    return c;
}

cz_mtt_config cz_satm_config_default(void)
{
    cz_mtt_config c = cz_mtt_config_default();
    c.sam = 1;
    c.rho = CZ_SATM_RHO_DEFAULT;
    return c;
}

cz_status cz_btm_new(const cz_dataset *d, const cz_surrogate *curves, const cz_mtt_config *cfg,
                     cz_backend *be, cz_mtt **out, cz_error *err)
{
    cz_match_source src = {.curves = curves};
    return cz_mtt_new_from(d, &src, cfg, be, out, err);
}
