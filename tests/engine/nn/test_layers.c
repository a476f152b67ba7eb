/* Each layer's four functions (forward, VJP, JVP, tangent of the VJP) against
 * central differences in float64, and a canary: a layer with a deliberately
 * broken derivative must fail the same check. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>

#include "backend/backend.h"
#include "layer_check.h"

#define TOL 1e-7

static void expect_ok(const cz_layer *l, int64_t batch, unsigned seed)
{
    layer_errors e = layer_check(l, batch, seed);
    const char *name = l->ops->name;
    cr_expect_lt(e.vjp.err, TOL, "%s vjp: rel err %.3g at %zu (analytic %.12g, numeric %.12g)", name,
                 e.vjp.err, e.vjp.worst, e.vjp.analytic, e.vjp.numeric);
    cr_expect_lt(e.jvp.err, TOL, "%s jvp: rel err %.3g at %zu (analytic %.12g, numeric %.12g)", name,
                 e.jvp.err, e.jvp.worst, e.jvp.analytic, e.jvp.numeric);
    cr_expect_lt(e.jvp_vjp.err, TOL,
                 "%s jvp_vjp: rel err %.3g at %zu (analytic %.12g, numeric %.12g)", name,
                 e.jvp_vjp.err, e.jvp_vjp.worst, e.jvp_vjp.analytic, e.jvp_vjp.numeric);
    cr_expect_gt(e.vjp.scale, 0, "%s: the check saw a nonzero gradient", name);
    cr_expect_gt(e.jvp_vjp.scale, 0, "%s: the check saw a nonzero second derivative", name);
}

Test(layers, linear)
{
    cz_layer l = cz_layer_linear(5, 4);
    expect_ok(&l, 3, 11);
}

Test(layers, relu)
{
    cz_layer l = cz_layer_relu(3, 2, 2);
    expect_ok(&l, 2, 12);
}

Test(layers, conv2d_3x3_pad1)
{
    cz_layer l = cz_layer_conv2d(cz_backend_cpu(), 2, 5, 4, 3, 3, 1, 1);
    cr_assert_eq(l.out_h, 5);
    cr_assert_eq(l.out_w, 4);
    expect_ok(&l, 2, 13);
}

Test(layers, conv2d_general_kernel_stride)
{
    cz_layer l = cz_layer_conv2d(cz_backend_cpu(), 2, 7, 6, 3, 5, 2, 2);
    cr_assert_eq(l.out_h, 4);
    cr_assert_eq(l.out_w, 3);
    expect_ok(&l, 2, 14);
    cz_layer p = cz_layer_conv2d(cz_backend_cpu(), 3, 4, 4, 2, 1, 0, 1); /* 1x1 fast path */
    expect_ok(&p, 2, 15);
}

Test(layers, avgpool_even_and_odd)
{
    cz_layer l = cz_layer_avgpool2(2, 4, 6);
    expect_ok(&l, 2, 16);
    cz_layer o = cz_layer_avgpool2(2, 7, 5); /* floor: 3x2, last row and column dropped */
    cr_assert_eq(o.out_h, 3);
    cr_assert_eq(o.out_w, 2);
    expect_ok(&o, 2, 17);
}

Test(layers, instancenorm_full_second_derivative)
{
    cz_layer l = cz_layer_instancenorm(3, 4, 3);
    expect_ok(&l, 2, 18);
}

/* ---- canaries: the checker must catch a wrong derivative ---- */

static const cz_layer_ops *real_linear;

static void vjp_wrong_scale(const cz_layer *l, const cz_layer_ctx *c, cz_real *dx, cz_real *dw,
                            const cz_real *dy, const cz_real *x, const cz_real *y, const cz_real *w)
{
    real_linear->vjp(l, c, dx, dw, dy, x, y, w);
    if (dw)
        dw[0] *= 1.01; /* one weight's gradient off by 1% */
}

static void jvp_vjp_missing_term(const cz_layer *l, const cz_layer_ctx *c, cz_real *dx_dot,
                                 cz_real *dw_dot, const cz_real *dy, const cz_real *dy_dot,
                                 const cz_real *x, const cz_real *xdot, const cz_real *y,
                                 const cz_real *w, const cz_real *wdot)
{
    /* drops dy W' and dy^T x': the mixed second-order terms */
    real_linear->jvp_vjp(l, c, dx_dot, dw_dot, dy, dy_dot, x, NULL, y, w, NULL);
    (void)xdot, (void)wdot;
}

Test(layers, canary_checker_catches_broken_derivatives)
{
    cz_layer l = cz_layer_linear(4, 3);
    real_linear = l.ops;
    cz_layer_ops broken = *l.ops;
    broken.vjp = vjp_wrong_scale;
    l.ops = &broken;
    layer_errors e = layer_check(&l, 2, 21);
    cr_expect_gt(e.vjp.err, 1e-4, "a 1%% error in one weight gradient went unnoticed (%.3g)", e.vjp.err);
    cr_expect_lt(e.jvp.err, TOL, "the JVP was not broken");

    cz_layer_ops broken2 = *real_linear;
    broken2.jvp_vjp = jvp_vjp_missing_term;
    l.ops = &broken2;
    e = layer_check(&l, 2, 22);
    cr_expect_gt(e.jvp_vjp.err, 1e-3, "missing second-order terms went unnoticed (%.3g)", e.jvp_vjp.err);
    cr_expect_lt(e.vjp.err, TOL, "the VJP was not broken");
}

/* The CPU conv works in chunks of examples; a batch spanning several chunks
 * must give what one example at a time gives. */
Test(layers, conv2d_chunked_batch_equals_per_example)
{
    cz_backend *be = cz_backend_cpu();
    cz_layer l = cz_layer_conv2d(be, 16, 32, 32, 16, 3, 1, 1);
    int64_t batch = 13, in = cz_layer_in_size(&l), out = cz_layer_out_size(&l);
    cr_assert_lt(l.scratch_elems, batch * (16 * 9 + 16) * 1024, "the batch spans several chunks");
    cz_real *x = calloc((size_t)(batch * in), sizeof *x), *w = calloc(l.param_count, sizeof *w);
    cz_real *dy = calloc((size_t)(batch * out), sizeof *dy), *y = calloc((size_t)(batch * out), sizeof *y);
    cz_real *dx = calloc((size_t)(batch * in), sizeof *dx), *dw = calloc(l.param_count, sizeof *dw);
    cz_real *y1 = calloc((size_t)out, sizeof *y1), *dx1 = calloc((size_t)in, sizeof *dx1);
    cz_real *dw1 = calloc(l.param_count, sizeof *dw1), *scratch = calloc((size_t)l.scratch_elems, sizeof *scratch);
    gc_fill(x, (size_t)(batch * in), 31, -1, 1);
    gc_fill(w, l.param_count, 32, -0.3, 0.3);
    gc_fill(dy, (size_t)(batch * out), 33, -1, 1);
    cz_layer_ctx all = {be, batch, NULL, NULL, scratch}, one = {be, 1, NULL, NULL, scratch};
    l.ops->forward(&l, &all, y, x, w);
    l.ops->vjp(&l, &all, dx, dw, dy, x, y, w);
    for (int64_t b = 0; b < batch; b++) {
        l.ops->forward(&l, &one, y1, x + b * in, w);
        l.ops->vjp(&l, &one, dx1, dw1, dy + b * out, x + b * in, y1, w);
        gc_report r = gc_compare(y + b * out, y1, (size_t)out);
        cr_assert_lt(r.err, 1e-13, "forward of example %ld: %.3g", (long)b, r.err);
        r = gc_compare(dx + b * in, dx1, (size_t)in);
        cr_assert_lt(r.err, 1e-13, "input gradient of example %ld: %.3g", (long)b, r.err);
    }
    gc_report r = gc_compare(dw, dw1, l.param_count); /* dw1 accumulated over the examples */
    cr_expect_lt(r.err, 1e-12, "weight gradient: %.3g", r.err);
    free(x), free(w), free(dy), free(y), free(dx), free(dw), free(y1), free(dx1), free(dw1), free(scratch);
}
