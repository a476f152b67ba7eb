/* BTM on pima: matching against points on fitted Bézier curves lowers the
 * matching loss, with the BTM authors' one-step truncation (K = 1) and with
 * the exact hypergradient through all steps. */
#include <criterion/criterion.h>

#include "btm_fixture.h"
#include "match_loop.h"

static btm_fixture fx;
static cz_surrogate *curves;

static void setup(void)
{
    fx = fx_make("pima", 3, 12);
    cz_bezier_opts o = cz_bezier_opts_default();
    o.epochs = 30;
    curves = fx_curves(&fx, &o);
}

static void teardown(void)
{
    cz_surrogate_free(&curves);
    fx_free(&fx);
}

static void check_btm(int truncate)
{
    loop_cfg c = loop_cfg_default();
    c.truncate = truncate;
    c.iters = 40;
    c.steps = 10;
    loop_state s, s0;
    loop_run(&fx, curves, &c, &s);
    cz_rng rng;
    cz_rng_seed(&rng, c.seed);
    s0 = loop_init(&fx, &c, &rng);
    /* Both at the initial rate: shrinking the rate (L -> 1) cannot pass. */
    double before = loop_eval(&fx, curves, &c, s0.x, s0.y, s0.rows, s0.lr, 12);
    double after = loop_eval(&fx, curves, &c, s.x, s.y, s.rows, s0.lr, 12);
    cr_assert_lt(after, 0.95 * before, "BTM K = %d: matching loss on the curves %g -> %g",
                 truncate, before, after);
    loop_state_free(&s);
    loop_state_free(&s0);
}

Test(btm_run, one_step_truncation_lowers_the_curve_matching_loss, .init = setup,
     .fini = teardown)
{
    check_btm(1);
}

Test(btm_run, exact_hypergradient_lowers_the_curve_matching_loss, .init = setup,
     .fini = teardown)
{
    check_btm(0);
}
