/* The prior's layers: each VJP (input and parameters) against central finite
 * differences of s = <w, f(x; theta)> in float64, plus a canary that a
 * wrong gradient is caught. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "backend/backend.h"
#include "core/alloc.h"
#include "core/rng.h"
#include "prior/gen_layers.h"

typedef struct case_buf {
    gen_layer l;
    size_t batch;
    cz_real *x, *theta, *w, *y, *dx, *dth, *scratch;
} case_buf;

static void normal_fill(cz_real *v, size_t n, cz_rng *r, double scale, double min_abs)
{
    for (size_t i = 0; i < n; i++) {
        double z = cz_rng_normal(r) * scale;
        /* Keep ReLU inputs away from the kink so differences stay smooth. */
        if (fabs(z) < min_abs)
            z = z < 0 ? z - min_abs : z + min_abs;
        v[i] = z;
    }
}

static case_buf make_case(gen_layer l, size_t batch, uint64_t seed)
{
    case_buf c = {.l = l, .batch = batch};
    cz_rng r;
    cz_rng_seed(&r, seed);
    size_t ni = batch * gen_in_size(&l), no = batch * gen_out_size(&l);
    size_t np = l.param_count ? l.param_count : 1;
    c.x = cz_calloc(ni, sizeof(cz_real));
    c.dx = cz_calloc(ni, sizeof(cz_real));
    c.theta = cz_calloc(np, sizeof(cz_real));
    c.dth = cz_calloc(np, sizeof(cz_real));
    c.w = cz_calloc(no, sizeof(cz_real));
    c.y = cz_calloc(no, sizeof(cz_real));
    c.scratch = cz_calloc(gen_scratch_size(&l) + 1, sizeof(cz_real));
    normal_fill(c.x, ni, &r, 1.0, 0.05);
    normal_fill(c.theta, l.param_count, &r, 0.5, 0.0);
    normal_fill(c.w, no, &r, 1.0, 0.0);
    return c;
}

static void free_case(case_buf *c)
{
    cz_free(c->x), cz_free(c->dx), cz_free(c->theta), cz_free(c->dth);
    cz_free(c->w), cz_free(c->y), cz_free(c->scratch);
}

static double objective(case_buf *c)
{
    gen_forward(cz_backend_cpu(), &c->l, c->batch, c->y, c->x, c->theta, c->scratch);
    double s = 0;
    for (size_t i = 0; i < c->batch * gen_out_size(&c->l); i++)
        s += c->w[i] * c->y[i];
    return s;
}

/* Worst |analytic - numeric| / (1 + |numeric|) over every input and parameter. */
static double worst_error(case_buf *c, double bias)
{
    objective(c);
    memset(c->dth, 0, sizeof(cz_real) * (c->l.param_count ? c->l.param_count : 1));
    gen_vjp(cz_backend_cpu(), &c->l, c->batch, c->dx, c->dth, c->w, c->x, c->y, c->theta,
            c->scratch);
    const double h = 1e-6;
    double worst = 0;
    cz_real *vecs[2] = {c->x, c->theta};
    cz_real *grads[2] = {c->dx, c->dth};
    size_t lens[2] = {c->batch * gen_in_size(&c->l), c->l.param_count};
    for (int v = 0; v < 2; v++)
        for (size_t i = 0; i < lens[v]; i++) {
            cz_real keep = vecs[v][i];
            vecs[v][i] = keep + h;
            double up = objective(c);
            vecs[v][i] = keep - h;
            double down = objective(c);
            vecs[v][i] = keep;
            double num = (up - down) / (2 * h);
            double e = fabs(grads[v][i] + bias - num) / (1 + fabs(num));
            worst = e > worst ? e : worst;
        }
    return worst;
}

static void check_layer(gen_layer l, const char *what)
{
    case_buf c = make_case(l, 2, 42);
    double e = worst_error(&c, 0.0);
    cr_assert_lt(e, 1e-7, "%s: worst gradient error %.3e", what, e);
    free_case(&c);
}

Test(gen_layers, linear_vjp_matches_finite_differences)
{
    check_layer(gen_linear(7, 5), "linear 7->5");
}

Test(gen_layers, conv3_vjp_matches_finite_differences)
{
    check_layer(gen_conv3(2, 5, 4, 3), "conv3 2x5x4 -> 3");
    check_layer(gen_conv3(3, 1, 1, 2), "conv3 on a 1x1 image");
}

Test(gen_layers, upsample_relu_tanh_vjps_match_finite_differences)
{
    check_layer(gen_up2(2, 3, 4), "up2");
    check_layer(gen_act(GEN_RELU, 3, 2, 2), "relu");
    check_layer(gen_act(GEN_TANH, 3, 2, 2), "tanh");
}

Test(gen_layers, canary_a_wrong_gradient_is_caught)
{
    case_buf c = make_case(gen_conv3(2, 4, 4, 2), 1, 7);
    cr_assert_gt(worst_error(&c, 1e-4), 1e-6, "a gradient off by 1e-4 must fail the check");
    free_case(&c);
}

Test(gen_layers, conv3_matches_a_direct_sum_and_upsample_copies)
{
    /* Same-padding 3x3 correlation written out for one output pixel. */
    gen_layer l = gen_conv3(2, 4, 5, 3);
    case_buf c = make_case(l, 1, 3);
    objective(&c);
    int co = 1, i = 0, j = 2;
    double s = c.theta[l.param_count - 3 + co];
    for (int ci = 0; ci < 2; ci++)
        for (int ky = 0; ky < 3; ky++)
            for (int kx = 0; kx < 3; kx++) {
                int si = i + ky - 1, sj = j + kx - 1;
                if (si < 0 || si >= 4 || sj < 0 || sj >= 5)
                    continue;
                s += c.theta[((co * 2 + ci) * 3 + ky) * 3 + kx] * c.x[(ci * 4 + si) * 5 + sj];
            }
    cr_assert_float_eq(c.y[(co * 4 + i) * 5 + j], s, 1e-12);
    free_case(&c);

    gen_layer u = gen_up2(1, 2, 2);
    cz_real x[4] = {1, 2, 3, 4}, y[16];
    gen_forward(cz_backend_cpu(), &u, 1, y, x, NULL, NULL);
    cz_real want[16] = {1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4};
    cr_assert_eq(memcmp(y, want, sizeof y), 0);
}
