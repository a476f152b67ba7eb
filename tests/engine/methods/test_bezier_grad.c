/* float64: the control-point gradient of the Bézier fit,
 *   d loss(theta(t)) / d theta_c = 2 t (1 - t) grad_theta loss(theta(t)),
 * against central finite differences, with a canary that the check catches
 * a gradient missing its curve factor. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/rng.h"
#include "methods/bezier.h"
#include "nn/model.h"

#define ROWS 5

typedef struct case_t {
    cz_model *m;
    size_t p;
    cz_real *a, *b, *c, *grad, *work;
    cz_real x[ROWS * 4];
    int32_t y[ROWS];
} case_t;

static case_t make_case(uint64_t seed)
{
    case_t k = {0};
    cz_model_spec spec = {.arch = CZ_ARCH_MLP, .channels = 1, .height = 1, .width = 4,
                          .classes = 3, .hidden = 6, .depth = 2, .instance_norm = 0};
    cz_error err;
    cr_assert_eq(cz_model_new(&spec, cz_backend_cpu(), &k.m, &err), CZ_OK, "%s", err.msg);
    k.p = cz_model_param_count(k.m);
    k.a = cz_alloc(k.p * sizeof(cz_real));
    k.b = cz_alloc(k.p * sizeof(cz_real));
    k.c = cz_alloc(k.p * sizeof(cz_real));
    k.grad = cz_alloc(k.p * sizeof(cz_real));
    k.work = cz_alloc(k.p * sizeof(cz_real));
    cz_rng rng;
    cz_rng_seed(&rng, seed);
    cz_model_init(k.m, &rng, k.a);
    cz_model_init(k.m, &rng, k.b);
    for (size_t i = 0; i < k.p; i++)
        k.c[i] = 0.5 * (k.a[i] + k.b[i]) + 0.3 * cz_rng_normal(&rng);
    for (int i = 0; i < ROWS * 4; i++)
        k.x[i] = cz_rng_normal(&rng);
    for (int i = 0; i < ROWS; i++)
        k.y[i] = (int32_t)cz_rng_below(&rng, 3);
    return k;
}

static void free_case(case_t *k)
{
    cz_free(k->a);
    cz_free(k->b);
    cz_free(k->c);
    cz_free(k->grad);
    cz_free(k->work);
    cz_model_free(k->m);
}

static double loss_at(case_t *k, double t)
{
    cz_real loss;
    cz_error err;
    cz_bezier_point(k->a, k->c, k->b, k->p, t, k->work);
    cr_assert_eq(cz_model_loss_grad(k->m, k->work, k->x, k->y, ROWS, NULL, &loss, NULL, NULL,
                                    &err), CZ_OK);
    return loss;
}

/* Worst |g - fd| relative to max |fd|, over every coordinate of c. */
static double fd_error(case_t *k, double t, const cz_real *g, size_t *worst)
{
    double h = 1e-6, max_err = 0, max_fd = 0;
    for (size_t i = 0; i < k->p; i++) {
        cz_real keep = k->c[i];
        k->c[i] = keep + h;
        double up = loss_at(k, t);
        k->c[i] = keep - h;
        double down = loss_at(k, t);
        k->c[i] = keep;
        double fd = (up - down) / (2 * h);
        if (fabs(fd) > max_fd)
            max_fd = fabs(fd);
        if (fabs(g[i] - fd) > max_err) {
            max_err = fabs(g[i] - fd);
            *worst = i;
        }
    }
    return max_err / (max_fd > 1e-12 ? max_fd : 1e-12);
}

Test(bezier_grad, control_point_gradient_matches_central_differences)
{
    cr_assert_eq(sizeof(cz_real), sizeof(double), "this check runs in the float64 build");
    case_t k = make_case(11);
    double ts[] = {0.1, 0.5, 0.83};
    for (size_t j = 0; j < 3; j++) {
        cz_real loss;
        cz_error err;
        cr_assert_eq(cz_bezier_control_grad(k.m, k.a, k.c, k.b, ts[j], k.x, k.y, ROWS, NULL,
                                            &loss, k.grad, k.work, &err), CZ_OK, "%s", err.msg);
        cr_assert_float_eq(loss, loss_at(&k, ts[j]), 1e-14);
        size_t worst = 0;
        double rel = fd_error(&k, ts[j], k.grad, &worst);
        cr_assert_lt(rel, 1e-6, "t = %g: relative error %g at parameter %zu", ts[j], rel, worst);
    }
    free_case(&k);
}

Test(bezier_grad, canary_a_gradient_without_the_curve_factor_is_caught)
{
    case_t k = make_case(12);
    double t = 0.3;
    cz_real loss;
    cz_error err;
    cr_assert_eq(cz_bezier_control_grad(k.m, k.a, k.c, k.b, t, k.x, k.y, ROWS, NULL, &loss,
                                        k.grad, k.work, &err), CZ_OK);
    for (size_t i = 0; i < k.p; i++)
        k.grad[i] /= 2 * t * (1 - t); /* the plain loss gradient at theta(t) */
    size_t worst = 0;
    cr_assert_gt(fd_error(&k, t, k.grad, &worst), 0.5);
    free_case(&k);
}

Test(bezier_grad, gradient_vanishes_at_the_fixed_end_points)
{
    case_t k = make_case(13);
    cz_real loss;
    cz_error err;
    for (double t = 0; t <= 1; t += 1) {
        cr_assert_eq(cz_bezier_control_grad(k.m, k.a, k.c, k.b, t, k.x, k.y, ROWS, NULL, &loss,
                                            k.grad, k.work, &err), CZ_OK);
        for (size_t i = 0; i < k.p; i++)
            cr_assert_eq(k.grad[i], 0.0);
    }
    free_case(&k);
}
