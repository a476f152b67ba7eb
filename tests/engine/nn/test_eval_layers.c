/* The evaluation nets' layers (max pooling, global average pooling, the
 * residual block with and without a projection shortcut): all four
 * functions against central differences in float64 (layer_check), and the
 * max pooling's argmax rule. */
#include <criterion/criterion.h>
#include <string.h>

#include "backend/backend.h"
#include "layer_check.h"
#include "nn/layer_eval.h"

#define TOL 1e-7

static void expect_ok(const cz_layer *l, int64_t batch, unsigned seed, const char *what)
{
    layer_errors e = layer_check(l, batch, seed);
    cr_expect_lt(e.vjp.err, TOL, "%s vjp: rel err %.3g at %zu (%.12g vs %.12g)", what, e.vjp.err,
                 e.vjp.worst, e.vjp.analytic, e.vjp.numeric);
    cr_expect_lt(e.jvp.err, TOL, "%s jvp: rel err %.3g at %zu (%.12g vs %.12g)", what, e.jvp.err,
                 e.jvp.worst, e.jvp.analytic, e.jvp.numeric);
    cr_expect_lt(e.jvp_vjp.err, TOL, "%s jvp_vjp: rel err %.3g at %zu (%.12g vs %.12g)", what,
                 e.jvp_vjp.err, e.jvp_vjp.worst, e.jvp_vjp.analytic, e.jvp_vjp.numeric);
    cr_expect_gt(e.vjp.scale, 0, "%s: the check saw a nonzero gradient", what);
}

Test(eval_layers, maxpool_even_and_odd)
{
    cz_layer l = cz_layer_maxpool2(2, 4, 6);
    expect_ok(&l, 2, 21, "maxpool 4x6");
    l = cz_layer_maxpool2(3, 5, 3);
    expect_ok(&l, 2, 22, "maxpool 5x3 (floor)");
}

Test(eval_layers, global_average_pool)
{
    cz_layer l = cz_layer_gap(3, 3, 2);
    expect_ok(&l, 2, 23, "gap");
}

Test(eval_layers, resblock_with_projection_shortcut)
{
    cz_layer l = cz_layer_resblock(cz_backend_cpu(), 2, 5, 5, 3, 2);
    cr_assert_eq(l.out_h, 3);
    cr_assert_eq(l.out_w, 3);
    /* conv1 2*3*9+3, norm1 6, conv2 3*3*9+3, norm2 6, conv1x1 2*3+3, norm 6 */
    cr_assert_eq(l.param_count, 57 + 6 + 84 + 6 + 9 + 6);
    expect_ok(&l, 2, 24, "resblock 2->3 stride 2");
}

Test(eval_layers, resblock_with_identity_shortcut)
{
    cz_layer l = cz_layer_resblock(cz_backend_cpu(), 3, 4, 4, 3, 1);
    cr_assert_eq(l.param_count, 2 * (84 + 6), "no shortcut parameters");
    expect_ok(&l, 2, 25, "resblock 3->3 stride 1");
}

Test(eval_layers, maxpool_picks_the_first_maximum_and_routes_gradients_there)
{
    cz_backend *be = cz_backend_cpu();
    cz_layer l = cz_layer_maxpool2(1, 2, 4);
    cz_real x[8] = {1, 5, 2, 2, 3, 0, 2, -1}, y[2], arg[2], dx[8];
    cz_layer_ctx c = {be, 1, arg, NULL, NULL};
    l.ops->forward(&l, &c, y, x, NULL);
    cr_assert_eq(y[0], 5);
    cr_assert_eq(y[1], 2);
    cz_real dy[2] = {10, 20};
    l.ops->vjp(&l, &c, dx, NULL, dy, x, y, NULL);
    cz_real want[8] = {0, 10, 20, 0, 0, 0, 0, 0}; /* the tie 2, 2, 2 goes to the first */
    cr_assert_eq(memcmp(dx, want, sizeof want), 0);
}

static const cz_layer_ops *real_block;

/* The block's VJP with the input gradient off by 1%. */
static void vjp_off(const cz_layer *l, const cz_layer_ctx *c, cz_real *dx, cz_real *dw,
                    const cz_real *dy, const cz_real *x, const cz_real *y, const cz_real *w)
{
    real_block->vjp(l, c, dx, dw, dy, x, y, w);
    if (dx)
        for (int64_t i = 0; i < c->batch * cz_layer_in_size(l); i++)
            dx[i] *= 1.01;
}

Test(eval_layers, canary_a_block_with_a_wrong_vjp_fails)
{
    cz_layer l = cz_layer_resblock(cz_backend_cpu(), 2, 4, 4, 2, 1);
    real_block = l.ops;
    cz_layer_ops broken = *l.ops;
    broken.vjp = vjp_off;
    l.ops = &broken;
    layer_errors e = layer_check(&l, 1, 26);
    cr_assert_gt(e.vjp.err, 1e-4, "a wrong VJP passed the check (err %.3g)", e.vjp.err);
}
