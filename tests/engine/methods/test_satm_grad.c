/* float64: SATM's recorded unroll (satm_sweep) gives the exact
 * hypergradient of the matching loss in X and lr (central differences, full
 * batch and minibatches), agrees with autodiff/unroll.h, and its partial sums
 * over the last steps add up; the approximate SATM update reduces to the
 * plain hypergradient at rho = 0 and to the full trajectory-reusing one at
 * iota = N. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "autodiff/unroll.h"
#include "core/alloc.h"
#include "core/rng.h"
#include "methods/satm.h"
#include "methods/satm_sweep.h"
#include "nn/model.h"

#define ROWS 6
#define IN 4
#define STEPS 4

typedef struct case_t {
    cz_model *m;
    size_t p;
    cz_real *theta0, *target, *theta_n, *lam;
    cz_real x[ROWS * IN];
    int32_t y[ROWS];
    cz_real lr;
} case_t;

static case_t make_case(uint64_t seed)
{
    case_t k = {0};
    cz_model_spec spec = {.arch = CZ_ARCH_MLP, .channels = 1, .height = 1, .width = IN,
                          .classes = 3, .hidden = 5, .depth = 1, .instance_norm = 0};
    cz_error err;
    cr_assert_eq(cz_model_new(&spec, cz_backend_cpu(), &k.m, &err), CZ_OK, "%s", err.msg);
    k.p = cz_model_param_count(k.m);
    k.theta0 = cz_alloc(k.p * sizeof(cz_real));
    k.target = cz_alloc(k.p * sizeof(cz_real));
    k.theta_n = cz_alloc(k.p * sizeof(cz_real));
    k.lam = cz_alloc(k.p * sizeof(cz_real));
    cz_rng rng;
    cz_rng_seed(&rng, seed);
    cz_model_init(k.m, &rng, k.theta0);
    for (size_t i = 0; i < k.p; i++)
        k.target[i] = k.theta0[i] + 0.2 * cz_rng_normal(&rng);
    for (int i = 0; i < ROWS * IN; i++)
        k.x[i] = cz_rng_normal(&rng);
    for (int i = 0; i < ROWS; i++)
        k.y[i] = (int32_t)(i % 3);
    k.lr = 0.3;
    return k;
}

static void free_case(case_t *k)
{
    cz_free(k->theta0);
    cz_free(k->target);
    cz_free(k->theta_n);
    cz_free(k->lam);
    cz_model_free(k->m);
}

static double match_loss(const case_t *k, const cz_real *theta_n, cz_real *lam)
{
    double d = 0, num = 0;
    for (size_t i = 0; i < k->p; i++) {
        d += (k->theta0[i] - k->target[i]) * (k->theta0[i] - k->target[i]);
        num += (theta_n[i] - k->target[i]) * (theta_n[i] - k->target[i]);
    }
    if (lam)
        for (size_t i = 0; i < k->p; i++)
            lam[i] = 2 * (theta_n[i] - k->target[i]) / d;
    return num / d;
}

/* L(x, lr) through a fresh forward with the rng state `seed_rng`. */
static double loss_of(cz_sweep *s, case_t *k, const cz_real *x, cz_real lr, cz_rng seed_rng)
{
    cz_error err;
    cr_assert_eq(cz_sweep_forward(s, k->theta0, x, k->y, lr, &seed_rng, k->theta_n, &err), CZ_OK);
    return match_loss(k, k->theta_n, NULL);
}

static void check_fd(int batch)
{
    case_t k = make_case(21 + (uint64_t)batch);
    cz_unroll_opts o = {.steps = STEPS, .batch = batch};
    cz_sweep *s = NULL;
    cz_error err;
    cr_assert_eq(cz_sweep_new(k.m, ROWS, &o, &s, &err), CZ_OK, "%s", err.msg);
    cz_rng rng0;
    cz_rng_seed(&rng0, 5);
    cz_rng rng = rng0;
    cr_assert_eq(cz_sweep_forward(s, k.theta0, k.x, k.y, k.lr, &rng, k.theta_n, &err), CZ_OK);
    match_loss(&k, k.theta_n, k.lam);
    cz_real gx[ROWS * IN], glr;
    cr_assert_eq(cz_sweep_backward(s, k.x, k.y, k.lam, 0, gx, &glr, -1, NULL, NULL, &err), CZ_OK,
                 "%s", err.msg);
    double h = 1e-6, worst = 0, scale = 0;
    cz_real xp[ROWS * IN];
    for (int i = 0; i < ROWS * IN; i++) {
        memcpy(xp, k.x, sizeof xp);
        xp[i] += h;
        double up = loss_of(s, &k, xp, k.lr, rng0);
        xp[i] -= 2 * h;
        double down = loss_of(s, &k, xp, k.lr, rng0);
        double fd = (up - down) / (2 * h);
        worst = fmax(worst, fabs(fd - gx[i]));
        scale = fmax(scale, fabs(fd));
    }
    cr_assert_gt(scale, 1e-6, "a gradient worth checking");
    cr_assert_lt(worst / scale, 1e-6, "batch %d: dL/dX relative error %g", batch, worst / scale);
    double fd_lr = (loss_of(s, &k, k.x, k.lr + h, rng0) - loss_of(s, &k, k.x, k.lr - h, rng0)) /
                   (2 * h);
    cr_assert_lt(fabs(fd_lr - glr), 1e-6 * fmax(1, fabs(fd_lr)), "dL/dlr %g vs fd %g", glr, fd_lr);
    cz_sweep_free(&s);
    cr_assert_null(s);
    free_case(&k);
}

Test(satm_grad, recorded_unroll_hypergradient_matches_central_differences_full_batch)
{
    cr_assert_eq(sizeof(cz_real), sizeof(double), "this check runs in the float64 build");
    check_fd(0);
}

Test(satm_grad, recorded_unroll_hypergradient_matches_central_differences_minibatches)
{
    check_fd(4); /* chunks of 4 and 2 rows, then a fresh permutation */
}

Test(satm_grad, recorded_unroll_agrees_with_autodiff_unroll_on_full_batches)
{
    case_t k = make_case(31);
    cz_unroll_opts o = {.steps = STEPS, .batch = 0};
    cz_sweep *s = NULL;
    cz_unroll *u = NULL;
    cz_error err;
    cr_assert_eq(cz_sweep_new(k.m, ROWS, &o, &s, &err), CZ_OK);
    cr_assert_eq(cz_unroll_new(k.m, ROWS, &o, &u, &err), CZ_OK, "%s", err.msg);
    cz_rng r1, r2;
    cz_rng_seed(&r1, 3);
    r2 = r1;
    cz_real gx_u[ROWS * IN], gx_s[ROWS * IN], glr_u, glr_s, loss_u;
    cr_assert_eq(cz_unroll_match_grad(u, k.theta0, k.target, k.x, k.y, k.lr, &r1, &loss_u, gx_u,
                                      &glr_u, &err), CZ_OK, "%s", err.msg);
    cr_assert_eq(cz_sweep_forward(s, k.theta0, k.x, k.y, k.lr, &r2, k.theta_n, &err), CZ_OK);
    double loss_s = match_loss(&k, k.theta_n, k.lam);
    cr_assert_eq(cz_sweep_backward(s, k.x, k.y, k.lam, 0, gx_s, &glr_s, -1, NULL, NULL, &err),
                 CZ_OK);
    cr_assert_float_eq(loss_s, loss_u, 1e-12 * fmax(1, fabs(loss_u)));
    for (int i = 0; i < ROWS * IN; i++)
        cr_assert_float_eq(gx_s[i], gx_u[i], 1e-9 * (1 + fabs(gx_u[i])), "row value %d", i);
    cr_assert_float_eq(glr_s, glr_u, 1e-9 * (1 + fabs(glr_u)));
    cz_unroll_free(u);
    cz_sweep_free(&s);
    free_case(&k);
}

Test(satm_grad, partial_sums_over_the_last_steps_add_up)
{
    case_t k = make_case(41);
    cz_unroll_opts o = {.steps = STEPS};
    cz_sweep *s = NULL;
    cz_error err;
    cr_assert_eq(cz_sweep_new(k.m, ROWS, &o, &s, &err), CZ_OK);
    cz_rng rng;
    cz_rng_seed(&rng, 9);
    cr_assert_eq(cz_sweep_forward(s, k.theta0, k.x, k.y, k.lr, &rng, k.theta_n, &err), CZ_OK);
    match_loss(&k, k.theta_n, k.lam);
    cz_real all[ROWS * IN], snap[ROWS * IN], last2[ROWS * IN], glr, snap_lr, last2_lr;
    cr_assert_eq(cz_sweep_backward(s, k.x, k.y, k.lam, 0, all, &glr, STEPS - 2, snap, &snap_lr,
                                   &err), CZ_OK);
    cr_assert_eq(cz_sweep_backward(s, k.x, k.y, k.lam, STEPS - 2, last2, &last2_lr, -1, NULL,
                                   NULL, &err), CZ_OK);
    cr_assert_eq(memcmp(snap, last2, sizeof snap), 0, "the snapshot is the truncated sweep");
    cr_assert_eq(snap_lr, last2_lr);
    int differs = 0;
    for (int i = 0; i < ROWS * IN; i++)
        differs |= all[i] != last2[i];
    cr_assert(differs, "the earlier steps contribute");
    cr_assert_eq(cz_sweep_backward(s, k.x, k.y, k.lam, STEPS, all, &glr, -1, NULL, NULL, &err),
                 CZ_EINVAL);
    cz_sweep_free(&s);
    free_case(&k);
}

Test(satm_grad, approximate_update_reduces_to_the_plain_and_the_reusing_ones)
{
    case_t k = make_case(51);
    cz_unroll_opts o = {.steps = STEPS};
    cz_error err;
    cz_sweep *s = NULL;
    cr_assert_eq(cz_sweep_new(k.m, ROWS, &o, &s, &err), CZ_OK);
    cz_rng rng0;
    cz_rng_seed(&rng0, 4);
    cz_rng r = rng0;
    cr_assert_eq(cz_sweep_forward(s, k.theta0, k.x, k.y, k.lr, &r, k.theta_n, &err), CZ_OK);
    match_loss(&k, k.theta_n, k.lam);
    cz_real g[ROWS * IN], glr;
    cr_assert_eq(cz_sweep_backward(s, k.x, k.y, k.lam, 0, g, &glr, -1, NULL, NULL, &err), CZ_OK);

    /* rho = 0: exactly the plain hypergradient. */
    cz_satm_opts so = {.mode = CZ_SAM_APPROX, .rho = 0, .approx_steps = 2};
    cz_satm *sa = NULL;
    cr_assert_eq(cz_satm_new(k.m, ROWS, &o, &so, &sa, &err), CZ_OK);
    cz_real gs[ROWS * IN], gslr, loss;
    r = rng0;
    cz_satm_info info;
    cr_assert_eq(cz_satm_grad(sa, NULL, k.theta0, k.target, k.x, k.y, k.lr, &r, &loss, gs, &gslr,
                              &info, &err), CZ_OK, "%s", err.msg);
    cr_assert_eq(memcmp(gs, g, sizeof g), 0);
    cr_assert_eq(gslr, glr);
    cr_assert_eq(info.eps_norm, 0);
    cz_satm_free(&sa);

    /* iota = N: the whole reverse sweep at X + eps on the reused trajectory. */
    so.rho = 0.1;
    so.approx_steps = STEPS;
    cr_assert_eq(cz_satm_new(k.m, ROWS, &o, &so, &sa, &err), CZ_OK);
    r = rng0;
    cr_assert_eq(cz_satm_grad(sa, NULL, k.theta0, k.target, k.x, k.y, k.lr, &r, &loss, gs, &gslr,
                              &info, &err), CZ_OK);
    double gn = 0;
    for (int i = 0; i < ROWS * IN; i++)
        gn += g[i] * g[i];
    gn = sqrt(gn);
    cr_assert_float_eq(info.grad_norm, gn, 1e-12);
    cz_real xp[ROWS * IN], gr[ROWS * IN], grlr;
    for (int i = 0; i < ROWS * IN; i++)
        xp[i] = k.x[i] + 0.1 * g[i] / gn;
    cr_assert_eq(cz_sweep_backward(s, xp, k.y, k.lam, 0, gr, &grlr, -1, NULL, NULL, &err), CZ_OK);
    for (int i = 0; i < ROWS * IN; i++)
        cr_assert_float_eq(gs[i], gr[i], 1e-12 * (1 + fabs(gr[i])));
    cr_assert_float_eq(gslr, grlr, 1e-12 * (1 + fabs(grlr)));
    cz_satm_free(&sa);
    cz_sweep_free(&s);
    free_case(&k);
}
