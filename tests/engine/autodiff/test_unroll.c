/* The unrolled gradient in float64: against central differences of the
 * matching loss in X and lr (full batch, minibatches, truncation, class
 * weights, an augmentation hook), against the PyTorch fixtures, and the
 * state rules (cancel, backward before forward, equal start and target). */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "autodiff/unroll.h"
#include "cz.h"
#include "fixture.h"
#include "gradcheck.h"

typedef struct fx {
    cz_model *m;
    cz_unroll *u;
    size_t P, in, rows;
    cz_real *theta0, *target, *x;
    int32_t *y;
    cz_real lr;
    uint64_t seed;
} fx;

static void setup(fx *f, cz_model_spec spec, size_t rows, cz_unroll_opts opts, cz_real lr)
{
    cz_error err;
    cr_assert_eq(cz_model_new(&spec, cz_backend_cpu(), &f->m, &err), CZ_OK, "%s", err.msg);
    f->P = cz_model_param_count(f->m);
    f->in = cz_model_input_size(f->m);
    f->rows = rows;
    f->lr = lr;
    f->seed = 77;
    cr_assert_eq(cz_unroll_new(f->m, rows, &opts, &f->u, &err), CZ_OK, "%s", err.msg);
    f->theta0 = calloc(f->P, sizeof(cz_real));
    f->target = calloc(f->P, sizeof(cz_real));
    f->x = calloc(rows * f->in, sizeof(cz_real));
    f->y = calloc(rows, sizeof(int32_t));
    cz_rng rng;
    cz_rng_seed(&rng, 3);
    cz_model_init(f->m, &rng, f->theta0);
    for (size_t i = 0; i < f->P; i++)
        f->target[i] = f->theta0[i] + (cz_real)(0.05 * cz_rng_normal(&rng));
    for (size_t i = 0; i < rows * f->in; i++)
        f->x[i] = (cz_real)cz_rng_normal(&rng);
    for (size_t i = 0; i < rows; i++)
        f->y[i] = (int32_t)(i % (size_t)spec.classes);
}

static void teardown(fx *f)
{
    cz_unroll_free(f->u);
    cz_model_free(f->m);
    free(f->theta0), free(f->target), free(f->x), free(f->y);
}

static double match_loss(fx *f, const cz_real *x, cz_real lr)
{
    cz_rng rng;
    cz_rng_seed(&rng, f->seed); /* the same minibatches every evaluation */
    cz_real *theta = calloc(f->P, sizeof *theta);
    cz_error err;
    cr_assert_eq(cz_unroll_forward(f->u, f->theta0, x, f->y, lr, &rng, theta, &err), CZ_OK, "%s", err.msg);
    double num = 0, den = 0;
    for (size_t i = 0; i < f->P; i++) {
        num += (theta[i] - f->target[i]) * (theta[i] - f->target[i]);
        den += (f->theta0[i] - f->target[i]) * (f->theta0[i] - f->target[i]);
    }
    free(theta);
    return num / den;
}

static double loss_of_x(const cz_real *x, void *u) { return match_loss(u, x, ((fx *)u)->lr); }

static void check_against_fd(fx *f, double tol)
{
    cz_real loss, glr;
    cz_real *gx = calloc(f->rows * f->in, sizeof *gx);
    cz_error err;
    cz_rng rng;
    cz_rng_seed(&rng, f->seed);
    cr_assert_eq(cz_unroll_match_grad(f->u, f->theta0, f->target, f->x, f->y, f->lr, &rng, &loss, gx,
                                      &glr, &err), CZ_OK, "%s", err.msg);
    cr_expect_float_eq(loss, match_loss(f, f->x, f->lr), 1e-12);
    gc_report r = gc_check_grad(loss_of_x, f, f->x, f->rows * f->in, gx, 1e-6);
    cr_expect_lt(r.err, tol, "dL/dX: rel err %.3g at %zu (%.12g vs %.12g)", r.err, r.worst, r.analytic, r.numeric);
    cr_expect_gt(r.scale, 1e-8, "the gradient is not trivially zero");
    double h = 1e-6;
    double num = (match_loss(f, f->x, f->lr + h) - match_loss(f, f->x, f->lr - h)) / (2 * h);
    cr_expect_lt(fabs(glr - num), tol * fmax(fabs(num), 1e-3), "dL/dlr %.12g vs %.12g", glr, num);
    free(gx);
}

static cz_model_spec mlp(int features, int hidden, int depth, int classes)
{
    cz_model_spec s = {.arch = CZ_ARCH_MLP, .channels = 1, .height = 1, .width = features,
                       .classes = classes, .hidden = hidden, .depth = depth};
    return s;
}

Test(unroll, mlp_full_batch_n6_matches_finite_differences)
{
    fx f;
    cz_unroll_opts o = {.steps = 6};
    setup(&f, mlp(4, 7, 2, 3), 6, o, 0.3);
    check_against_fd(&f, 1e-6);
    teardown(&f);
}

Test(unroll, mlp_minibatches_class_weighted)
{
    fx f;
    cz_real cw[2] = {0.4, 1.7};
    cz_unroll_opts o = {.steps = 7, .batch = 3, .class_weight = cw};
    setup(&f, mlp(3, 5, 1, 2), 8, o, 0.2);
    check_against_fd(&f, 1e-6);
    /* truncation really drops the early steps: its gradient differs from the exact one */
    cz_real *g_trunc = calloc(f.rows * f.in, sizeof(cz_real)), *g_full = calloc(f.rows * f.in, sizeof(cz_real));
    cz_real loss, loss2, glr;
    cz_error err;
    cz_rng rng;
    cz_rng_seed(&rng, f.seed);
    cr_assert_eq(cz_unroll_match_grad(f.u, f.theta0, f.target, f.x, f.y, f.lr, &rng, &loss, g_full, &glr, &err), CZ_OK);
    cz_unroll *trunc;
    o.truncate = 4;
    cr_assert_eq(cz_unroll_new(f.m, f.rows, &o, &trunc, &err), CZ_OK);
    cz_rng_seed(&rng, f.seed);
    cr_assert_eq(cz_unroll_match_grad(trunc, f.theta0, f.target, f.x, f.y, f.lr, &rng, &loss2, g_trunc, &glr, &err), CZ_OK);
    cr_expect_float_eq(loss, loss2, 1e-14, "same forward pass");
    gc_report r = gc_compare(g_trunc, g_full, f.rows * f.in);
    cr_expect_gt(r.err, 1e-4, "truncated and exact gradients should differ (%.3g)", r.err);
    cr_expect_lt(cz_unroll_bytes(trunc), cz_unroll_bytes(f.u), "truncation keeps fewer parameter vectors");
    cz_unroll_free(trunc);
    free(g_trunc), free(g_full);
    teardown(&f);
}

/* Truncation K: the gradient of L with theta_{N-K} held constant. */
Test(unroll, truncation_equals_unroll_from_theta_n_minus_k)
{
    fx f;
    cz_unroll_opts o = {.steps = 5, .truncate = 2};
    setup(&f, mlp(3, 4, 1, 2), 4, o, 0.25);
    cz_real *gx = calloc(f.rows * f.in, sizeof(cz_real)), *gx2 = calloc(f.rows * f.in, sizeof(cz_real));
    cz_real *mid = calloc(f.P, sizeof(cz_real));
    cz_real loss, glr, loss2, glr2;
    cz_error err;
    cz_rng rng;
    cz_rng_seed(&rng, 1);
    cr_assert_eq(cz_unroll_match_grad(f.u, f.theta0, f.target, f.x, f.y, f.lr, &rng, &loss, gx, &glr, &err), CZ_OK);
    /* theta_3 by a 3-step unroll, then the exact 2-step gradient from there,
     * normalised by the same |theta0 - target|^2 */
    cz_unroll *u3, *u2;
    cz_unroll_opts o3 = {.steps = 3}, o2 = {.steps = 2};
    cr_assert_eq(cz_unroll_new(f.m, f.rows, &o3, &u3, &err), CZ_OK);
    cr_assert_eq(cz_unroll_new(f.m, f.rows, &o2, &u2, &err), CZ_OK);
    cr_assert_eq(cz_unroll_forward(u3, f.theta0, f.x, f.y, f.lr, &rng, mid, &err), CZ_OK);
    cz_real *end = calloc(f.P, sizeof(cz_real)), *lam = calloc(f.P, sizeof(cz_real));
    cr_assert_eq(cz_unroll_forward(u2, mid, f.x, f.y, f.lr, &rng, end, &err), CZ_OK);
    double den = 0;
    for (size_t i = 0; i < f.P; i++)
        den += (f.theta0[i] - f.target[i]) * (f.theta0[i] - f.target[i]);
    for (size_t i = 0; i < f.P; i++)
        lam[i] = 2 * (end[i] - f.target[i]) / den;
    cr_assert_eq(cz_unroll_backward(u2, lam, gx2, &glr2, &err), CZ_OK);
    gc_report r = gc_compare(gx, gx2, f.rows * f.in);
    cr_expect_lt(r.err, 1e-12, "%.3g", r.err);
    cr_expect_float_eq(glr, glr2, 1e-12);
    (void)loss2;
    cz_unroll_free(u3), cz_unroll_free(u2);
    free(gx), free(gx2), free(mid), free(end), free(lam);
    teardown(&f);
}

/* A linear augmentation: out = a(seed) * x + a shift of each row (linear in x). */
static double gain_of(uint64_t seed) { return 0.5 + (double)(seed % 1000) / 1000.0; }
static cz_status aug_fwd(void *user, uint64_t seed, const cz_real *x, size_t n, cz_real *out, cz_error *err)
{
    size_t in = *(size_t *)user;
    (void)err;
    double a = gain_of(seed);
    for (size_t r = 0; r < n; r++)
        for (size_t j = 0; j < in; j++) /* rotate features by one, then scale */
            out[r * in + j] = (cz_real)(a * x[r * in + (j + 1) % in]);
    return CZ_OK;
}
static cz_status aug_bwd(void *user, uint64_t seed, const cz_real *g, size_t n, cz_real *gx, cz_error *err)
{
    size_t in = *(size_t *)user;
    (void)err;
    double a = gain_of(seed);
    for (size_t r = 0; r < n; r++)
        for (size_t j = 0; j < in; j++)
            gx[r * in + (j + 1) % in] = (cz_real)(a * g[r * in + j]);
    return CZ_OK;
}

Test(unroll, augmentation_hook_enters_both_passes)
{
    fx f;
    size_t in = 3;
    cz_augment aug = {aug_fwd, aug_bwd, &in};
    cz_unroll_opts o = {.steps = 5, .batch = 2, .augment = &aug};
    setup(&f, mlp(3, 5, 1, 2), 5, o, 0.3);
    check_against_fd(&f, 1e-6);
    teardown(&f);
}

Test(unroll, convnet_instancenorm_matches_finite_differences)
{
    fx f;
    cz_model_spec s = {.arch = CZ_ARCH_CONVNET, .channels = 1, .height = 6, .width = 6, .classes = 2,
                       .hidden = 3, .depth = 2, .instance_norm = 1};
    cz_unroll_opts o = {.steps = 3, .batch = 3};
    setup(&f, s, 4, o, 0.1);
    check_against_fd(&f, 1e-6);
    teardown(&f);
}

static void check_fixture(const char *name, cz_model_spec spec)
{
    fx_file j;
    cr_assert_eq(fx_load(&j, name), 0, "fixture %s not found (CZ_SHARED_DIR)", name);
    cz_model *m;
    cz_error err;
    cr_assert_eq(cz_model_new(&spec, cz_backend_cpu(), &m, &err), CZ_OK, "%s", err.msg);
    size_t P = cz_model_param_count(m), in = cz_model_input_size(m);
    double buf[4096];
    size_t rows = fx_array(&j, "y", buf, 4096);
    cr_assert_gt(rows, 0);
    int32_t *y = calloc(rows, sizeof *y);
    for (size_t i = 0; i < rows; i++)
        y[i] = (int32_t)buf[i];
    cz_real *x = calloc(rows * in, sizeof *x), *t0 = calloc(P, sizeof *t0), *tt = calloc(P, sizeof *tt);
    cz_real *tend = calloc(P, sizeof *tend), *gx = calloc(rows * in, sizeof *gx);
    double *want_gx = calloc(rows * in, sizeof *want_gx), *want_end = calloc(P, sizeof *want_end);
    cr_assert_eq(fx_array(&j, "x", buf, 4096), rows * in);
    for (size_t i = 0; i < rows * in; i++)
        x[i] = buf[i];
    cr_assert_eq(fx_array(&j, "theta_start", buf, 4096), P, "fixture parameter count matches the model");
    for (size_t i = 0; i < P; i++)
        t0[i] = buf[i];
    cr_assert_eq(fx_array(&j, "theta_target", buf, 4096), P);
    for (size_t i = 0; i < P; i++)
        tt[i] = buf[i];
    cr_assert_eq(fx_array(&j, "grad_x", want_gx, rows * in), rows * in);
    cr_assert_eq(fx_array(&j, "theta_end", want_end, P), P);
    int steps = (int)fx_number(&j, "steps");
    cz_real lr = fx_number(&j, "lr");
    cz_unroll *u;
    cz_unroll_opts o = {.steps = steps};
    cr_assert_eq(cz_unroll_new(m, rows, &o, &u, &err), CZ_OK);
    cz_rng rng;
    cz_rng_seed(&rng, 0);
    cz_real loss, glr;
    cr_assert_eq(cz_unroll_forward(u, t0, x, y, lr, &rng, tend, &err), CZ_OK);
    for (size_t i = 0; i < P; i++)
        cr_expect(fabs(tend[i] - want_end[i]) <= 1e-12 + 1e-9 * fabs(want_end[i]),
                  "theta_end[%zu] %.15g vs %.15g", i, tend[i], want_end[i]);
    cr_assert_eq(cz_unroll_match_grad(u, t0, tt, x, y, lr, &rng, &loss, gx, &glr, &err), CZ_OK);
    double wl = fx_number(&j, "loss"), wlr = fx_number(&j, "grad_lr");
    cr_expect(fabs(loss - wl) <= 1e-9 * fabs(wl), "loss %.15g vs %.15g", loss, wl);
    cr_expect(fabs(glr - wlr) <= 1e-9 * fabs(wlr), "grad_lr %.15g vs %.15g", glr, wlr);
    double scale = 0;
    for (size_t i = 0; i < rows * in; i++)
        scale = fmax(scale, fabs(want_gx[i]));
    for (size_t i = 0; i < rows * in; i++)
        cr_expect(fabs(gx[i] - want_gx[i]) <= 1e-9 * scale, "grad_x[%zu] %.15g vs %.15g", i, gx[i], want_gx[i]);
    cz_unroll_free(u);
    cz_model_free(m);
    free(y), free(x), free(t0), free(tt), free(tend), free(gx), free(want_gx), free(want_end);
    fx_free(&j);
}

Test(unroll, mlp_fixture_from_pytorch)
{
    check_fixture("unroll_mlp_4_6_3_relu.json", mlp(4, 6, 1, 3));
}

Test(unroll, convnet_fixture_from_pytorch)
{
    cz_model_spec s = {.arch = CZ_ARCH_CONVNET, .channels = 1, .height = 8, .width = 8, .classes = 2,
                       .hidden = 4, .depth = 1, .instance_norm = 1};
    check_fixture("unroll_convnet1_8x8_w4_instancenorm.json", s);
}

Test(unroll, state_errors_and_cancel)
{
    fx f;
    cz_cancel cancel;
    cz_cancel_init(&cancel);
    cz_unroll_opts o = {.steps = 3, .cancel = &cancel};
    setup(&f, mlp(3, 4, 1, 2), 4, o, 0.1);
    cz_error err;
    cz_real *gx = calloc(f.rows * f.in, sizeof(cz_real));
    cz_real loss, glr;
    cr_assert_eq(cz_unroll_backward(f.u, f.theta0, gx, &glr, &err), CZ_ESTATE);
    cz_rng rng;
    cz_rng_seed(&rng, 1);
    cr_assert_eq(cz_unroll_match_grad(f.u, f.theta0, f.theta0, f.x, f.y, f.lr, &rng, &loss, gx, &glr, &err),
                 CZ_ENUMERIC);
    cr_expect(strstr(err.msg, "equal"), "%s", err.msg);
    cz_cancel_request(&cancel);
    cr_assert_eq(cz_unroll_match_grad(f.u, f.theta0, f.target, f.x, f.y, f.lr, &rng, &loss, gx, &glr, &err),
                 CZ_EINTERRUPTED);
    cz_cancel_reset(&cancel);
    cr_assert_eq(cz_unroll_match_grad(f.u, f.theta0, f.target, f.x, f.y, f.lr, &rng, &loss, gx, &glr, &err),
                 CZ_OK, "usable again after an interrupt: %s", err.msg);
    cz_unroll *bad;
    cz_unroll_opts zero = {.steps = 0};
    cr_assert_eq(cz_unroll_new(f.m, 4, &zero, &bad, &err), CZ_EINVAL);
    cr_expect(strstr(err.msg, "steps = 0"), "%s", err.msg);
    free(gx);
    teardown(&f);
}
