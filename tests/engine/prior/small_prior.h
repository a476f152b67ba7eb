/* A small untrained prior for 1x8x8 images of 2 classes (latent 3, base 8,
 * encoder 5 hidden units), parameters drawn from a fixed seed. */
#ifndef CZ_TEST_SMALL_PRIOR_H
#define CZ_TEST_SMALL_PRIOR_H

#include <criterion/criterion.h>

#include "backend/backend.h"
#include "core/rng.h"
#include "prior/prior_internal.h"

static inline cz_prior *small_prior(int conditional)
{
    cz_prior_opts o = cz_prior_opts_default();
    o.latent = 3;
    o.base = 8;
    o.hidden = 5;
    o.conditional = conditional;
    o.beta = 0.7;
    o.sigma = 0.3;
    cz_generator_spec s = cz_generator_spec_default(1, 8, 8, conditional ? 2 : 0);
    s.latent = 3;
    s.base = 8;
    s.out_scale = 1.5;
    s.out_shift = 0.2;
    cz_prior *p = NULL;
    cz_error err;
    cr_assert_eq(prior_create(&o, &s, 2, cz_backend_cpu(), &p, &err), CZ_OK, "%s", err.msg);
    cz_rng r;
    cz_rng_seed(&r, 9);
    cz_generator_init(cz_prior_generator(p), &r, p->theta_g);
    gen_net_init(&p->enc, &r, p->theta_e);
    return p;
}

#endif
