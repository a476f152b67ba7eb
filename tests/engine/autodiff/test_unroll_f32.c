/* The float32 build (what runs) against the PyTorch float64 fixtures: the
 * unrolled gradient agrees to float32 accuracy (fixtures/README.md: ~1e-4). */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>

#include "autodiff/unroll.h"
#include "cz.h"
#include "fixture.h"

static double worst_rel(const cz_real *got, const double *want, size_t n)
{
    double scale = 0, worst = 0;
    for (size_t i = 0; i < n; i++)
        scale = fmax(scale, fabs(want[i]));
    for (size_t i = 0; i < n; i++)
        worst = fmax(worst, fabs(got[i] - want[i]));
    return worst / scale;
}

static void check(const char *name, cz_model_spec spec)
{
    fx_file j;
    cr_assert_eq(fx_load(&j, name), 0, "fixture %s not found", name);
    cz_model *m;
    cz_error err;
    cr_assert_eq(cz_model_new(&spec, cz_backend_cpu(), &m, &err), CZ_OK);
    size_t P = cz_model_param_count(m), in = cz_model_input_size(m);
    double *buf = calloc(4096, sizeof *buf);
    size_t rows = fx_array(&j, "y", buf, 4096);
    int32_t *y = calloc(rows, sizeof *y);
    for (size_t i = 0; i < rows; i++)
        y[i] = (int32_t)buf[i];
    cz_real *x = calloc(rows * in, sizeof *x), *t0 = calloc(P, sizeof *t0), *tt = calloc(P, sizeof *tt);
    cz_real *gx = calloc(rows * in, sizeof *gx);
    double *want = calloc(rows * in, sizeof *want);
    cr_assert_eq(fx_array(&j, "x", buf, 4096), rows * in);
    for (size_t i = 0; i < rows * in; i++)
        x[i] = (cz_real)buf[i];
    cr_assert_eq(fx_array(&j, "theta_start", buf, 4096), P);
    for (size_t i = 0; i < P; i++)
        t0[i] = (cz_real)buf[i];
    cr_assert_eq(fx_array(&j, "theta_target", buf, 4096), P);
    for (size_t i = 0; i < P; i++)
        tt[i] = (cz_real)buf[i];
    cr_assert_eq(fx_array(&j, "grad_x", want, rows * in), rows * in);
    cz_unroll *u;
    cz_unroll_opts o = {.steps = (int)fx_number(&j, "steps")};
    cr_assert_eq(cz_unroll_new(m, rows, &o, &u, &err), CZ_OK);
    cz_rng rng;
    cz_rng_seed(&rng, 0);
    cz_real loss, glr;
    cr_assert_eq(cz_unroll_match_grad(u, t0, tt, x, y, (cz_real)fx_number(&j, "lr"), &rng, &loss, gx,
                                      &glr, &err), CZ_OK, "%s", err.msg);
    double wl = fx_number(&j, "loss"), wlr = fx_number(&j, "grad_lr");
    cr_expect_lt(fabs(loss - wl) / fabs(wl), 1e-4, "loss %.8g vs %.8g", loss, wl);
    cr_expect_lt(fabs(glr - wlr) / fabs(wlr), 1e-3, "grad_lr %.8g vs %.8g", glr, wlr);
    double e = worst_rel(gx, want, rows * in);
    cr_expect_lt(e, 1e-3, "grad_x worst relative error %.3g", e);
    cz_unroll_free(u);
    cz_model_free(m);
    free(buf), free(y), free(x), free(t0), free(tt), free(gx), free(want);
    fx_free(&j);
}

Test(unroll_f32, mlp_fixture)
{
    cz_model_spec s = {.arch = CZ_ARCH_MLP, .channels = 1, .height = 1, .width = 4, .classes = 3,
                       .hidden = 6, .depth = 1};
    check("unroll_mlp_4_6_3_relu.json", s);
}

Test(unroll_f32, convnet_fixture)
{
    cz_model_spec s = {.arch = CZ_ARCH_CONVNET, .channels = 1, .height = 8, .width = 8, .classes = 2,
                       .hidden = 4, .depth = 1, .instance_norm = 1};
    check("unroll_convnet1_8x8_w4_instancenorm.json", s);
}
