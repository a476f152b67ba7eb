/* The whole chain of prior distillation in float64: the matching loss L of
 * an unrolled ConvNet trained on X = G(z) (with and without DSA in the inner
 * loop), its hypergradient dL/dX from the unroll, pulled back through G to
 * dL/dz, against central differences of L(z). */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "augment/dsa.h"
#include "autodiff/unroll.h"
#include "core/alloc.h"
#include "nn/model.h"
#include "prior/latent.h"
#include "small_prior.h"

#define ROWS 4
#define IMG 64

typedef struct chain {
    cz_prior *p;
    cz_latent *lat;
    cz_model *m;
    cz_unroll *u;
    cz_dsa *dsa;
    cz_augment aug;
    cz_real *theta0, *target, x[ROWS * IMG], gx[ROWS * IMG];
    int32_t y[ROWS];
    cz_rng rng;
} chain;

static void setup(chain *c, int dsa)
{
    memset(c, 0, sizeof *c);
    c->p = small_prior(1);
    for (int i = 0; i < ROWS; i++)
        c->y[i] = i % 2;
    cz_latent_opts lo = cz_latent_opts_default();
    cz_error err;
    cr_assert_eq(cz_latent_new(c->p, c->y, ROWS, &lo, &c->lat, &err), CZ_OK, "%s", err.msg);
    cz_rng r;
    cz_rng_seed(&r, 50);
    cz_latent_init_random(c->lat, &r);
    cz_model_spec s = {.arch = CZ_ARCH_CONVNET, .channels = 1, .height = 8, .width = 8,
                       .classes = 2, .hidden = 3, .depth = 1, .instance_norm = 1};
    cr_assert_eq(cz_model_new(&s, cz_backend_cpu(), &c->m, &err), CZ_OK, "%s", err.msg);
    size_t P = cz_model_param_count(c->m);
    c->theta0 = cz_calloc(P, sizeof(cz_real));
    c->target = cz_calloc(P, sizeof(cz_real));
    cz_model_init(c->m, &r, c->theta0);
    for (size_t i = 0; i < P; i++)
        c->target[i] = c->theta0[i] + (cz_real)(0.05 * cz_rng_normal(&r));
    if (dsa) {
        cz_dsa_opts o = cz_dsa_opts_default(1, 8, 8);
        o.mode = CZ_DSA_MODE_ALL; /* every family at once, the hardest case */
        cr_assert_eq(cz_dsa_new(&o, &c->dsa, &err), CZ_OK);
        c->aug = cz_dsa_augment(c->dsa);
    }
    cz_unroll_opts uo = {.steps = 3, .batch = 2, .augment = dsa ? &c->aug : NULL};
    cr_assert_eq(cz_unroll_new(c->m, ROWS, &uo, &c->u, &err), CZ_OK, "%s", err.msg);
    cz_rng_seed(&c->rng, 51);
}

static void teardown(chain *c)
{
    cz_unroll_free(c->u);
    cz_model_free(c->m);
    cz_dsa_free(&c->dsa);
    cz_latent_free(&c->lat);
    cz_prior_free(&c->p);
    cz_free(c->theta0);
    cz_free(c->target);
}

/* L(z) with the same minibatches and DSA draws every time; fills c->gx. */
static double loss_of_codes(chain *c)
{
    cz_error err;
    cr_assert_eq(cz_latent_render(c->lat, c->x, &err), CZ_OK);
    cz_rng r = c->rng;
    cz_real loss, glr;
    cr_assert_eq(cz_unroll_match_grad(c->u, c->theta0, c->target, c->x, c->y, (cz_real)0.3, &r,
                                      &loss, c->gx, &glr, &err),
                 CZ_OK, "%s", err.msg);
    return loss;
}

static void check_chain(int dsa)
{
    chain c;
    setup(&c, dsa);
    loss_of_codes(&c);
    cz_real dz[ROWS * 3];
    cz_error err;
    cr_assert_eq(cz_generator_vjp(cz_prior_generator(c.p), cz_latent_theta(c.lat),
                                  cz_latent_codes(c.lat), c.y, ROWS, c.gx, dz, NULL, &err),
                 CZ_OK);
    cz_real *z = (cz_real *)cz_latent_codes(c.lat);
    const double h = 1e-6;
    double worst = 0, scale = 0;
    for (int i = 0; i < ROWS * 3; i++) {
        cz_real keep = z[i];
        z[i] = keep + h;
        double up = loss_of_codes(&c);
        z[i] = keep - h;
        double down = loss_of_codes(&c);
        z[i] = keep;
        double num = (up - down) / (2 * h);
        worst = fabs(dz[i] - num) > worst ? fabs(dz[i] - num) : worst;
        scale = fabs(num) > scale ? fabs(num) : scale;
    }
    cr_assert_gt(scale, 1e-8, "the codes' gradient is not trivially zero");
    cr_assert_lt(worst / scale, 1e-6, "dL/dz error %.3g (scale %.3g, dsa %d)", worst / scale, scale,
                 dsa);
    teardown(&c);
}

Test(latent_chain, matching_loss_gradient_reaches_the_codes_exactly)
{
    check_chain(0);
}

Test(latent_chain, and_through_dsa_in_the_inner_loop)
{
    check_chain(1);
}
