/* The evaluation nets as models (float64): parameter counts against the
 * layer-by-layer formulas, shapes and descriptions, the loss gradient in
 * theta and x at sampled coordinates, the Hessian-vector product and
 * d<lam, g>/dx against central differences, and shape errors. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cz.h"
#include "gradcheck.h"
#include "nn/model.h"

static cz_model *make(cz_arch a, int c, int h, int w, int hidden)
{
    cz_model_spec s = {.arch = a, .channels = c, .height = h, .width = w, .classes = 2,
                       .hidden = hidden, .depth = 0, .instance_norm = 1};
    cz_model *m = NULL;
    cz_error err;
    cr_assert_eq(cz_model_new(&s, cz_backend_cpu(), &m, &err), CZ_OK, "%s: %s", cz_arch_name(a),
                 err.msg);
    return m;
}

Test(eval_archs, parameter_counts_follow_the_reference_layouts)
{
    /* Derivation (1x28x28, 2 classes; conv = ci*co*k*k + co, norm = 2c):
     * AlexNet 128: conv 1-128 k5, 128-192 k5, 192-256, 256-192, 192-192 k3,
     *   32 -> 16 -> 8 -> 4 after its pools: linear 192*16 -> 2.
     * VGG11 128: convs 1-64-128-256-256-512-512-512-512 k3 + norms, linear 512 -> 2.
     * ResNet18 128: stem 1-64 + norm, 8 blocks (2 convs + 2 norms each, plus a
     *   1x1 conv + norm in the 3 downsampling blocks), linear 512 -> 2. */
    const struct { cz_arch a; int hidden; size_t params; } cases[] = {
        {CZ_ARCH_ALEXNET, 128, 1841218}, {CZ_ARCH_VGG11, 128, 9225858},
        {CZ_ARCH_RESNET18, 128, 11173506}, {CZ_ARCH_ALEXNET, 16, 29898},
        {CZ_ARCH_VGG11, 16, 145234}, {CZ_ARCH_RESNET18, 16, 176338},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cz_model *m = make(cases[i].a, 1, 28, 28, cases[i].hidden);
        cr_expect_eq(cz_model_param_count(m), cases[i].params, "%s width %d: %zu params",
                     cz_arch_name(cases[i].a), cases[i].hidden, cz_model_param_count(m));
        cz_model_free(m);
    }
    cz_model *m = make(CZ_ARCH_RESNET18, 1, 28, 28, 128);
    char buf[200];
    cz_model_describe(m, buf, sizeof buf);
    cr_assert(strstr(buf, "ResNet18") && strstr(buf, "11,173,506"), "%s", buf);
    cz_model_free(m);
}

Test(eval_archs, shapes_that_do_not_fit_are_refused)
{
    cz_model_spec s = {.arch = CZ_ARCH_VGG11, .channels = 1, .height = 16, .width = 16,
                       .classes = 2, .hidden = 8};
    cz_model *m = NULL;
    cz_error err;
    cr_assert_eq(cz_model_new(&s, cz_backend_cpu(), &m, &err), CZ_ESHAPE);
    cr_assert(strstr(err.msg, "16x16") != NULL, "%s", err.msg);
    s.arch = CZ_ARCH_ALEXNET;
    s.height = s.width = 1;
    s.channels = 3;
    cr_assert_eq(cz_model_new(&s, cz_backend_cpu(), &m, &err), CZ_ESHAPE);
    cr_assert_null(m);
}

typedef struct fixture {
    cz_model *m;
    size_t P, in, n;
    cz_real *theta, *x, *lam;
    int32_t y[3];
} fixture;

static void setup(fixture *f, cz_arch a, int h, int w, int hidden)
{
    f->m = make(a, 1, h, w, hidden);
    f->P = cz_model_param_count(f->m);
    f->in = cz_model_input_size(f->m);
    f->n = 3;
    f->theta = calloc(f->P, sizeof(cz_real));
    f->lam = calloc(f->P, sizeof(cz_real));
    f->x = calloc(f->n * f->in, sizeof(cz_real));
    cz_rng rng;
    cz_rng_seed(&rng, 31);
    cz_model_init(f->m, &rng, f->theta);
    for (size_t i = 0; i < f->P; i++) /* generic norm gains and shifts */
        f->theta[i] += (cz_real)(0.05 * cz_rng_normal(&rng));
    gc_fill(f->lam, f->P, 32, -1, 1);
    gc_fill(f->x, f->n * f->in, 33, -1.5, 1.5);
    f->y[0] = 0, f->y[1] = 1, f->y[2] = 1;
}

static void teardown(fixture *f)
{
    cz_model_free(f->m);
    free(f->theta), free(f->lam), free(f->x);
}

static double loss_at(fixture *f)
{
    cz_real l;
    cz_error err;
    cr_assert_eq(cz_model_loss_grad(f->m, f->theta, f->x, f->y, f->n, NULL, &l, NULL, NULL, &err),
                 CZ_OK, "%s", err.msg);
    return l;
}

static double s_at(fixture *f, cz_real *g)
{
    cz_error err;
    cr_assert_eq(cz_model_loss_grad(f->m, f->theta, f->x, f->y, f->n, NULL, NULL, g, NULL, &err),
                 CZ_OK);
    double s = 0;
    for (size_t i = 0; i < f->P; i++)
        s += (double)f->lam[i] * g[i];
    return s;
}

/* Worst |analytic - numeric| / max |numeric| over `count` sampled coordinates
 * of v, with f evaluated by fn. */
static double sampled_error(fixture *f, cz_real *v, size_t n, const cz_real *grad, size_t count,
                            double (*fn)(fixture *, cz_real *), cz_real *work, unsigned seed)
{
    const double h = 1e-6;
    double worst = 0, scale = 1e-12;
    srand(seed);
    for (size_t k = 0; k < count; k++) {
        size_t i = (size_t)rand() % n;
        cz_real keep = v[i];
        v[i] = keep + h;
        double up = fn(f, work);
        v[i] = keep - h;
        double down = fn(f, work);
        v[i] = keep;
        double num = (up - down) / (2 * h);
        scale = fabs(num) > scale ? fabs(num) : scale;
        double e = fabs(grad[i] - num);
        worst = e > worst ? e : worst;
    }
    return worst / scale;
}

static double loss_fn(fixture *f, cz_real *work)
{
    (void)work;
    return loss_at(f);
}

static void check_arch(cz_arch a, int h, int w, int hidden)
{
    fixture f;
    setup(&f, a, h, w, hidden);
    const char *name = cz_arch_name(a);
    cz_error err;
    size_t nx = f.n * f.in;
    cz_real *g = calloc(f.P, sizeof *g), *gx = calloc(nx, sizeof *gx), *hv = calloc(f.P, sizeof *hv);
    cz_real *dsdx = calloc(nx, sizeof *dsdx), *work = calloc(f.P, sizeof *work);
    cz_real *gp = calloc(f.P, sizeof *gp), *gm = calloc(f.P, sizeof *gm);
    cz_real loss;
    cr_assert_eq(cz_model_loss_grad(f.m, f.theta, f.x, f.y, f.n, NULL, &loss, g, gx, &err), CZ_OK,
                 "%s", err.msg);
    cr_assert(isfinite(loss));
    double e = sampled_error(&f, f.theta, f.P, g, 60, loss_fn, work, 1);
    cr_expect_lt(e, 1e-6, "%s dloss/dtheta: %.3g", name, e);
    e = sampled_error(&f, f.x, nx, gx, 40, loss_fn, work, 2);
    cr_expect_lt(e, 1e-6, "%s dloss/dx: %.3g", name, e);

    cr_assert_eq(cz_model_hvp(f.m, f.theta, f.x, f.y, f.n, NULL, f.lam, hv, dsdx, NULL, &err),
                 CZ_OK, "%s", err.msg);
    /* H lam against the central difference of the gradient along lam. */
    const double h6 = 1e-6;
    for (size_t i = 0; i < f.P; i++)
        f.theta[i] += (cz_real)(h6 * f.lam[i]);
    s_at(&f, gp);
    for (size_t i = 0; i < f.P; i++)
        f.theta[i] -= (cz_real)(2 * h6 * f.lam[i]);
    s_at(&f, gm);
    for (size_t i = 0; i < f.P; i++) {
        f.theta[i] += (cz_real)(h6 * f.lam[i]);
        gp[i] = (cz_real)((gp[i] - gm[i]) / (2 * h6));
    }
    gc_report r = gc_compare(hv, gp, f.P);
    cr_expect_lt(r.err, 1e-6, "%s H lam: %.3g at %zu (%.12g vs %.12g)", name, r.err, r.worst,
                 r.analytic, r.numeric);
    cr_expect_gt(r.scale, 1e-8, "%s H lam is not trivially zero", name);
    e = sampled_error(&f, f.x, nx, dsdx, 25, s_at, work, 3);
    cr_expect_lt(e, 1e-6, "%s d<lam, g>/dx: %.3g", name, e);
    free(g), free(gx), free(hv), free(dsdx), free(work), free(gp), free(gm);
    teardown(&f);
}

Test(eval_archs, alexnet_first_and_second_derivatives)
{
    check_arch(CZ_ARCH_ALEXNET, 12, 10, 6);
}

Test(eval_archs, vgg11_first_and_second_derivatives)
{
    check_arch(CZ_ARCH_VGG11, 28, 28, 4);
}

Test(eval_archs, resnet18_first_and_second_derivatives)
{
    check_arch(CZ_ARCH_RESNET18, 16, 16, 8);
}

Test(eval_archs, predictions_are_probabilities_at_full_width)
{
    const cz_arch archs[3] = {CZ_ARCH_ALEXNET, CZ_ARCH_VGG11, CZ_ARCH_RESNET18};
    for (int k = 0; k < 3; k++) {
        cz_model *m = make(archs[k], 1, 28, 28, 32);
        size_t P = cz_model_param_count(m);
        cz_real *theta = calloc(P, sizeof(cz_real)), *x = calloc(2 * 784, sizeof(cz_real));
        cz_real probs[4];
        cz_rng rng;
        cz_rng_seed(&rng, 40 + (uint64_t)k);
        cz_model_init(m, &rng, theta);
        gc_fill(x, 2 * 784, 41, -1, 1);
        cz_error err;
        cr_assert_eq(cz_model_predict(m, theta, x, 2, probs, &err), CZ_OK, "%s", err.msg);
        for (int i = 0; i < 2; i++)
            cr_assert_float_eq(probs[2 * i] + probs[2 * i + 1], 1.0, 1e-12);
        free(theta), free(x);
        cz_model_free(m);
    }
}
