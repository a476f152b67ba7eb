/* SATM on real data (pima, MLP experts): the perturbation has norm rho along
 * the hypergradient, the update is the hypergradient at X + eps with the same
 * minibatches, it differs from MTT's and equals it at rho = 0; the
 * approximation perturbs the same way; bad options are refused; and SATM
 * runs lower the matching loss. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "btm_fixture.h"
#include "match_loop.h"
#include "methods/satm.h"

static btm_fixture fx;
static void setup(void) { fx = fx_make("pima", 3, 12); }
static void teardown(void) { fx_free(&fx); }

/* A synthetic set of 10 real rows per class and the buffers of one call. */
typedef struct call_t {
    loop_state s;
    cz_unroll *u;
    cz_unroll_opts uo;
    cz_real *g, *g2;
} call_t;

static call_t make_call(int batch)
{
    call_t c = {0};
    loop_cfg cfg = loop_cfg_default();
    cz_rng rng;
    cz_rng_seed(&rng, 3);
    c.s = loop_init(&fx, &cfg, &rng);
    c.uo = (cz_unroll_opts){.steps = 10, .batch = batch};
    cz_error err;
    cr_assert_eq(cz_unroll_new(fx.m, c.s.rows, &c.uo, &c.u, &err), CZ_OK, "%s", err.msg);
    c.g = cz_alloc(c.s.rows * c.s.in * sizeof(cz_real));
    c.g2 = cz_alloc(c.s.rows * c.s.in * sizeof(cz_real));
    return c;
}

static void free_call(call_t *c)
{
    cz_unroll_free(c->u);
    cz_free(c->g);
    cz_free(c->g2);
    loop_state_free(&c->s);
}

static double norm(const cz_real *v, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += (double)v[i] * v[i];
    return sqrt(s);
}

Test(satm, exact_update_is_the_hypergradient_at_x_plus_rho_along_g, .init = setup,
     .fini = teardown)
{
    call_t c = make_call(8); /* minibatches: the second pass must reuse them */
    size_t n = c.s.rows * c.s.in;
    const cz_real *start = fx_at(&fx, 1, 2), *target = fx_at(&fx, 1, 4);
    cz_error err;
    cz_rng rng0;
    cz_rng_seed(&rng0, 42);

    /* MTT's hypergradient G at X. */
    cz_rng r_mtt = rng0;
    cz_real loss_mtt, glr_mtt;
    cr_assert_eq(cz_unroll_match_grad(c.u, start, target, c.s.x, c.s.y, (cz_real)c.s.lr, &r_mtt,
                                      &loss_mtt, c.g, &glr_mtt, &err), CZ_OK, "%s", err.msg);
    double gn = norm(c.g, n);
    cr_assert_gt(gn, 0);

    /* SATM exact. */
    double rho = 0.5;
    cz_satm_opts so = {.mode = CZ_SAM_EXACT, .rho = rho};
    cz_satm *sa = NULL;
    cr_assert_eq(cz_satm_new(fx.m, c.s.rows, &c.uo, &so, &sa, &err), CZ_OK, "%s", err.msg);
    cz_rng r_sam = rng0;
    cz_real loss, glr;
    cz_satm_info info;
    cr_assert_eq(cz_satm_grad(sa, c.u, start, target, c.s.x, c.s.y, (cz_real)c.s.lr, &r_sam,
                              &loss, c.g2, &glr, &info, &err), CZ_OK, "%s", err.msg);
    cr_assert_eq(loss, loss_mtt, "the reported loss is the one at X");
    cr_assert_float_eq(info.grad_norm, gn, 1e-6 * gn);
    cr_assert_eq(info.eps_norm, rho);
    cr_assert_eq(memcmp(&r_sam, &r_mtt, sizeof r_sam), 0, "rng advances as one MTT call");

    /* The perturbation itself: X + rho G / |G| has moved by exactly rho. */
    cz_real *xp = cz_alloc(n * sizeof(cz_real));
    for (size_t i = 0; i < n; i++)
        xp[i] = (cz_real)(c.s.x[i] + rho * c.g[i] / gn);
    cz_real *d = cz_alloc(n * sizeof(cz_real));
    for (size_t i = 0; i < n; i++)
        d[i] = xp[i] - c.s.x[i];
    cr_assert_float_eq(norm(d, n), rho, 1e-4 * rho);

    /* SATM's step is MTT's hypergradient evaluated at X + eps, same batches. */
    cz_rng r_p = rng0;
    cz_real loss_p, glr_p;
    cz_real *gp = cz_alloc(n * sizeof(cz_real));
    cr_assert_eq(cz_unroll_match_grad(c.u, start, target, xp, c.s.y, (cz_real)c.s.lr, &r_p,
                                      &loss_p, gp, &glr_p, &err), CZ_OK);
    cr_assert_eq(memcmp(gp, c.g2, n * sizeof(cz_real)), 0);
    cr_assert_eq(glr, glr_p, "the rate steps with the hypergradient at X + eps too");
    cr_assert_eq(info.loss_perturbed, loss_p);
    cr_assert_gt(info.loss_perturbed, loss, "the ascent direction raises the loss");

    /* ...and it is not MTT's step. */
    for (size_t i = 0; i < n; i++)
        d[i] = c.g2[i] - c.g[i];
    cr_assert_gt(norm(d, n), 1e-3 * gn, "SATM's update differs from MTT's");
    cr_assert_neq(glr, glr_mtt);
    cz_free(xp);
    cz_free(d);
    cz_free(gp);
    cz_satm_free(&sa);
    free_call(&c);
}

Test(satm, lr_at_x_steps_the_rate_with_its_unperturbed_hypergradient, .init = setup,
     .fini = teardown)
{
    call_t c = make_call(0);
    size_t n = c.s.rows * c.s.in;
    const cz_real *start = fx_at(&fx, 1, 0), *target = fx_at(&fx, 1, 2);
    cz_error err;
    cz_rng rng0;
    cz_rng_seed(&rng0, 11);
    cz_rng r = rng0;
    cz_real loss0, glr0;
    cr_assert_eq(cz_unroll_match_grad(c.u, start, target, c.s.x, c.s.y, (cz_real)c.s.lr, &r,
                                      &loss0, c.g, &glr0, &err), CZ_OK);
    cz_real *gp[2] = {c.g2, cz_alloc(n * sizeof(cz_real))};
    cz_real glr[2], loss;
    for (int at_x = 0; at_x < 2; at_x++) {
        cz_satm_opts so = {.mode = CZ_SAM_EXACT, .rho = 0.5, .lr_at_x = at_x};
        cz_satm *sa = NULL;
        cr_assert_eq(cz_satm_new(fx.m, c.s.rows, &c.uo, &so, &sa, &err), CZ_OK);
        r = rng0;
        cr_assert_eq(cz_satm_grad(sa, c.u, start, target, c.s.x, c.s.y, (cz_real)c.s.lr, &r,
                                  &loss, gp[at_x], &glr[at_x], NULL, &err), CZ_OK);
        cz_satm_free(&sa);
    }
    cr_assert_eq(memcmp(gp[0], gp[1], n * sizeof(cz_real)), 0, "the data step is the same");
    cr_assert_eq(glr[1], glr0, "the rate's hypergradient is the one at X");
    cr_assert_neq(glr[0], glr0);
    cz_free(gp[1]);
    free_call(&c);
}

Test(satm, rho_zero_is_mtt_bit_for_bit, .init = setup, .fini = teardown)
{
    call_t c = make_call(0);
    size_t n = c.s.rows * c.s.in;
    const cz_real *start = fx_at(&fx, 0, 1), *target = fx_at(&fx, 0, 3);
    cz_error err;
    cz_rng r1, r2;
    cz_rng_seed(&r1, 7);
    r2 = r1;
    cz_real l1, l2, glr1, glr2;
    cr_assert_eq(cz_unroll_match_grad(c.u, start, target, c.s.x, c.s.y, (cz_real)c.s.lr, &r1, &l1,
                                      c.g, &glr1, &err), CZ_OK);
    for (int mode = CZ_SAM_EXACT; mode <= CZ_SAM_APPROX; mode++) {
        cz_satm_opts so = {.mode = (cz_sam_mode)mode, .rho = 0, .approx_steps = 1};
        cz_satm *sa = NULL;
        cr_assert_eq(cz_satm_new(fx.m, c.s.rows, &c.uo, &so, &sa, &err), CZ_OK);
        cz_rng r = r2;
        cr_assert_eq(cz_satm_grad(sa, c.u, start, target, c.s.x, c.s.y, (cz_real)c.s.lr, &r, &l2,
                                  c.g2, &glr2, NULL, &err), CZ_OK, "%s", err.msg);
        if (mode == CZ_SAM_EXACT) {
            cr_assert_eq(memcmp(c.g, c.g2, n * sizeof(cz_real)), 0);
            cr_assert_eq(glr1, glr2);
            cr_assert_eq(l1, l2);
        } else { /* its own recorded unroll: the same numbers up to rounding */
            for (size_t i = 0; i < n; i++)
                cr_assert_float_eq(c.g2[i], c.g[i], 1e-3 * (fabs(c.g[i]) + 1e-4));
            cr_assert_float_eq(l2, l1, 1e-5 * l1);
        }
        cz_satm_free(&sa);
    }
    free_call(&c);
}

Test(satm, approximation_perturbs_by_rho_and_changes_the_update, .init = setup,
     .fini = teardown)
{
    call_t c = make_call(0);
    size_t n = c.s.rows * c.s.in;
    const cz_real *start = fx_at(&fx, 2, 0), *target = fx_at(&fx, 2, 2);
    cz_error err;
    cz_rng rng0;
    cz_rng_seed(&rng0, 5);
    cz_satm_opts so = {.mode = CZ_SAM_APPROX, .rho = 0.5, .approx_steps = 3};
    cz_satm *sa = NULL;
    cr_assert_eq(cz_satm_new(fx.m, c.s.rows, &c.uo, &so, &sa, &err), CZ_OK);
    cz_rng r = rng0;
    cz_real loss, glr, loss0, glr0;
    cz_satm_info info;
    cr_assert_eq(cz_satm_grad(sa, NULL, start, target, c.s.x, c.s.y, (cz_real)c.s.lr, &r, &loss,
                              c.g2, &glr, &info, &err), CZ_OK, "%s", err.msg);
    cr_assert_eq(info.eps_norm, 0.5);
    cr_assert(isnan(info.loss_perturbed));
    r = rng0;
    cr_assert_eq(cz_unroll_match_grad(c.u, start, target, c.s.x, c.s.y, (cz_real)c.s.lr, &r,
                                      &loss0, c.g, &glr0, &err), CZ_OK);
    cr_assert_float_eq(info.grad_norm, norm(c.g, n), 1e-3 * norm(c.g, n));
    cz_real *d = cz_alloc(n * sizeof(cz_real));
    for (size_t i = 0; i < n; i++)
        d[i] = c.g2[i] - c.g[i];
    cr_assert_gt(norm(d, n), 1e-3 * norm(c.g, n));
    /* The correction comes from the last iota steps only and stays a
     * correction: the update still points along G. */
    double dot = 0;
    for (size_t i = 0; i < n; i++)
        dot += (double)c.g[i] * c.g2[i];
    cr_assert_gt(dot, 0);
    cz_free(d);
    cz_satm_free(&sa);
    free_call(&c);
}

Test(satm, refuses_bad_options_with_a_hint, .init = setup, .fini = teardown)
{
    cz_unroll_opts uo = {.steps = 5};
    cz_satm *sa = NULL;
    cz_error err;
    cz_satm_opts so = {.mode = CZ_SAM_EXACT, .rho = -1};
    cr_assert_eq(cz_satm_new(fx.m, 20, &uo, &so, &sa, &err), CZ_EINVAL);
    cr_assert(strstr(err.msg, "rho") != NULL && strlen(err.hint) > 0);
    so.rho = NAN;
    cr_assert_eq(cz_satm_new(fx.m, 20, &uo, &so, &sa, &err), CZ_EINVAL);
    so = (cz_satm_opts){.mode = CZ_SAM_APPROX, .rho = 0.1, .approx_steps = 0};
    cr_assert_eq(cz_satm_new(fx.m, 20, &uo, &so, &sa, &err), CZ_EINVAL);
    cr_assert_null(sa);
    /* Exact SATM needs the run's unroll. */
    so = cz_satm_opts_default();
    cr_assert_eq(cz_satm_new(fx.m, 20, &uo, &so, &sa, &err), CZ_OK);
    cz_real x[20 * 8] = {0}, gx[20 * 8], loss, glr;
    int32_t y[20] = {0};
    cz_rng rng;
    cz_rng_seed(&rng, 1);
    cr_assert_eq(cz_satm_grad(sa, NULL, fx_at(&fx, 0, 0), fx_at(&fx, 0, 1), x, y, 0.01f, &rng,
                              &loss, gx, &glr, NULL, &err), CZ_EINVAL);
    cz_satm_free(&sa);
    cr_assert_null(sa);
}

static void check_run_lowers_the_loss(int sam)
{
    loop_cfg c = loop_cfg_default();
    c.sam = sam;
    c.approx_steps = 5;
    c.iters = 40;
    c.steps = 10;
    loop_state s;
    loop_run(&fx, NULL, &c, &s);
    /* The same fixed draws before (the initial real rows) and after, both at
     * the initial rate: shrinking the rate towards 0 (L -> 1) cannot pass. */
    loop_state s0;
    cz_rng rng;
    cz_rng_seed(&rng, c.seed);
    s0 = loop_init(&fx, &c, &rng);
    double before = loop_eval(&fx, NULL, &c, s0.x, s0.y, s0.rows, s0.lr, 12);
    double after = loop_eval(&fx, NULL, &c, s.x, s.y, s.rows, s0.lr, 12);
    cr_assert_lt(after, 0.95 * before, "SATM mode %d: matching loss %g -> %g", sam, before,
                 after);
    loop_state_free(&s);
    loop_state_free(&s0);
}

Test(satm_run, exact_satm_lowers_the_matching_loss, .init = setup, .fini = teardown)
{
    check_run_lowers_the_loss(1);
}

Test(satm_run, approximate_satm_lowers_the_matching_loss, .init = setup, .fini = teardown)
{
    check_run_lowers_the_loss(2);
}
