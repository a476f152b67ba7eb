/* Model derivatives in float64 against central differences: the loss
 * gradient in theta and x, the Hessian-vector product, d<lam, g>/dx, for the
 * MLP and small ConvNets (with and without instance norm, class weights). */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "cz.h"
#include "gradcheck.h"
#include "nn/model.h"

#define TOL 1e-7

typedef struct fixture {
    cz_model *m;
    size_t P, in, n;
    cz_real *theta, *x, *lam;
    int32_t *y;
    const cz_real *cw;
} fixture;

static void setup(fixture *f, cz_model_spec spec, size_t n, const cz_real *cw)
{
    cz_error err;
    cr_assert_eq(cz_model_new(&spec, cz_backend_cpu(), &f->m, &err), CZ_OK, "%s", err.msg);
    f->P = cz_model_param_count(f->m);
    f->in = cz_model_input_size(f->m);
    f->n = n;
    f->cw = cw;
    f->theta = calloc(f->P, sizeof(cz_real));
    f->lam = calloc(f->P, sizeof(cz_real));
    f->x = calloc(n * f->in, sizeof(cz_real));
    f->y = calloc(n, sizeof(int32_t));
    cz_rng rng;
    cz_rng_seed(&rng, 5);
    cz_model_init(f->m, &rng, f->theta);
    /* perturb the norm gains and shifts too, so their derivatives are generic */
    for (size_t i = 0; i < f->P; i++)
        f->theta[i] += (cz_real)(0.1 * cz_rng_normal(&rng));
    gc_fill(f->lam, f->P, 3, -1, 1);
    gc_fill(f->x, n * f->in, 4, -1.5, 1.5);
    for (size_t i = 0; i < n; i++)
        f->y[i] = (int32_t)(i % (size_t)spec.classes);
}

static void teardown(fixture *f)
{
    cz_model_free(f->m);
    free(f->theta), free(f->lam), free(f->x), free(f->y);
}

static double loss_theta(const cz_real *theta, void *u)
{
    fixture *f = u;
    cz_real l;
    cz_error err;
    cr_assert_eq(cz_model_loss_grad(f->m, theta, f->x, f->y, f->n, f->cw, &l, NULL, NULL, &err), CZ_OK);
    return l;
}

static double loss_x(const cz_real *x, void *u)
{
    fixture *f = u;
    cz_real l;
    cz_error err;
    cr_assert_eq(cz_model_loss_grad(f->m, f->theta, x, f->y, f->n, f->cw, &l, NULL, NULL, &err), CZ_OK);
    return l;
}

static void grad_of_theta(const cz_real *theta, cz_real *g, void *u)
{
    fixture *f = u;
    cz_error err;
    cr_assert_eq(cz_model_loss_grad(f->m, theta, f->x, f->y, f->n, f->cw, NULL, g, NULL, &err), CZ_OK);
}

/* s(x) = <lam, g(theta, x)> */
static double s_of_x(const cz_real *x, void *u)
{
    fixture *f = u;
    cz_error err;
    cz_real *g = calloc(f->P, sizeof *g);
    cr_assert_eq(cz_model_loss_grad(f->m, f->theta, x, f->y, f->n, f->cw, NULL, g, NULL, &err), CZ_OK);
    double s = 0;
    for (size_t i = 0; i < f->P; i++)
        s += (double)f->lam[i] * g[i];
    free(g);
    return s;
}

static void check_model(cz_model_spec spec, size_t n, const cz_real *cw)
{
    fixture f;
    setup(&f, spec, n, cw);
    cz_error err;
    cz_real loss;
    cz_real *g = calloc(f.P, sizeof *g), *gx = calloc(n * f.in, sizeof *gx);
    cz_real *hv = calloc(f.P, sizeof *hv), *dsdx = calloc(n * f.in, sizeof *dsdx);
    cz_real *g2 = calloc(f.P, sizeof *g2);
    cr_assert_eq(cz_model_loss_grad(f.m, f.theta, f.x, f.y, n, cw, &loss, g, gx, &err), CZ_OK, "%s", err.msg);
    gc_report r = gc_check_grad(loss_theta, &f, f.theta, f.P, g, 1e-6);
    cr_expect_lt(r.err, TOL, "dloss/dtheta: %.3g at %zu (%.12g vs %.12g)", r.err, r.worst, r.analytic, r.numeric);
    r = gc_check_grad(loss_x, &f, f.x, n * f.in, gx, 1e-6);
    cr_expect_lt(r.err, TOL, "dloss/dx: %.3g at %zu (%.12g vs %.12g)", r.err, r.worst, r.analytic, r.numeric);

    cr_assert_eq(cz_model_hvp(f.m, f.theta, f.x, f.y, n, cw, f.lam, hv, dsdx, g2, &err), CZ_OK, "%s", err.msg);
    r = gc_compare(g2, g, f.P);
    cr_expect_lt(r.err, 1e-12, "g from hvp differs from loss_grad: %.3g", r.err);
    r = gc_check_directional(grad_of_theta, &f, f.theta, f.lam, f.P, hv, f.P, 1e-6);
    cr_expect_lt(r.err, TOL, "H lam: %.3g at %zu (%.12g vs %.12g)", r.err, r.worst, r.analytic, r.numeric);
    cr_expect_gt(r.scale, 1e-6, "H lam is not trivially zero");
    r = gc_check_grad(s_of_x, &f, f.x, n * f.in, dsdx, 1e-6);
    cr_expect_lt(r.err, TOL, "ds/dx: %.3g at %zu (%.12g vs %.12g)", r.err, r.worst, r.analytic, r.numeric);
    free(g), free(gx), free(hv), free(dsdx), free(g2);
    teardown(&f);
}

Test(model_grad, mlp)
{
    cz_model_spec s = {.arch = CZ_ARCH_MLP, .channels = 1, .height = 1, .width = 4, .classes = 3,
                       .hidden = 6, .depth = 2};
    check_model(s, 5, NULL);
}

Test(model_grad, mlp_class_weighted)
{
    cz_model_spec s = {.arch = CZ_ARCH_MLP, .channels = 1, .height = 1, .width = 3, .classes = 2,
                       .hidden = 5, .depth = 1};
    cz_real cw[2] = {0.3, 2.5};
    check_model(s, 6, cw);
}

Test(model_grad, convnet_instancenorm)
{
    cz_model_spec s = {.arch = CZ_ARCH_CONVNET, .channels = 2, .height = 6, .width = 6, .classes = 3,
                       .hidden = 3, .depth = 2, .instance_norm = 1};
    check_model(s, 3, NULL);
}

Test(model_grad, convnet_no_norm_odd_size)
{
    cz_model_spec s = {.arch = CZ_ARCH_CONVNET, .channels = 1, .height = 7, .width = 5, .classes = 2,
                       .hidden = 3, .depth = 2, .instance_norm = 0};
    check_model(s, 2, NULL);
}
