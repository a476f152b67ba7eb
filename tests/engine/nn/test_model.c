/* Models in float32: architecture names, spec errors, parameter counts
 * against the PyTorch reference definitions (shared/tools/mtt_time.py),
 * initialisation, forward and predict. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cz.h"
#include "nn/model.h"

static cz_model_spec convnet(int c, int h, int w, int classes, int depth)
{
    cz_model_spec s = {.arch = CZ_ARCH_CONVNET, .channels = c, .height = h, .width = w,
                       .classes = classes, .hidden = 128, .depth = depth, .instance_norm = 1};
    return s;
}

Test(model, arch_names_round_trip)
{
    cz_error err;
    for (int a = 0; a < CZ_ARCH_COUNT; a++) {
        cz_arch out;
        cr_assert_eq(cz_arch_parse(cz_arch_name((cz_arch)a), &out, &err), CZ_OK);
        cr_assert_eq(out, (cz_arch)a);
    }
    cz_arch out;
    cr_assert_eq(cz_arch_parse("resnet", &out, &err), CZ_EINVAL);
    cr_assert(strstr(err.msg, "resnet"), "%s", err.msg);
    cr_assert(strstr(err.hint, "convnet"), "hint lists the known names: %s", err.hint);
}

Test(model, param_counts_match_torch_reference)
{
    /* mtt_time.py: convnet_shapes(1, 2) on 28x28 and mlp_shapes(30, 2) */
    cz_model *m;
    cz_error err;
    cz_model_spec s = convnet(1, 28, 28, 2, 3);
    cr_assert_eq(cz_model_new(&s, cz_backend_cpu(), &m, &err), CZ_OK, "%s", err.msg);
    cr_expect_eq(cz_model_param_count(m), 299522);
    char buf[160];
    cr_expect_str_eq(cz_model_describe(m, buf, sizeof buf),
                     "ConvNet-3 (128 channels, instance norm), 1x28x28 -> 2, 299,522 params");
    cz_model_free(m);
    s = convnet(3, 32, 32, 10, 3); /* MTT's CIFAR-10 ConvNet (METHODS_DETAIL: 320,010) */
    cr_assert_eq(cz_model_new(&s, cz_backend_cpu(), &m, &err), CZ_OK);
    cr_expect_eq(cz_model_param_count(m), 320010);
    cz_model_free(m);
    cz_model_spec t = {.arch = CZ_ARCH_MLP, .channels = 1, .height = 1, .width = 30, .classes = 2,
                       .hidden = 128, .depth = 2};
    cr_assert_eq(cz_model_new(&t, cz_backend_cpu(), &m, &err), CZ_OK);
    cr_expect_eq(cz_model_param_count(m), 30 * 128 + 128 + 128 * 128 + 128 + 128 * 2 + 2);
    cr_expect_eq(cz_model_input_size(m), 30);
    cr_expect_str_eq(cz_model_describe(m, buf, sizeof buf), "MLP-2 (128 units, ReLU), 30 -> 2, 20,738 params");
    cz_model_free(m);
}

Test(model, spec_errors_are_clear)
{
    cz_model *m = (cz_model *)1;
    cz_error err;
    cz_model_spec s = convnet(1, 28, 28, 2, 5);
    cr_assert_eq(cz_model_new(&s, cz_backend_cpu(), &m, &err), CZ_EINVAL);
    cr_assert_null(m);
    cr_expect(strstr(err.msg, "depth 5") && strstr(err.msg, "28x28") && strstr(err.msg, "1 to 4"), "%s", err.msg);
    s = convnet(1, 28, 28, 2, 3);
    s.hidden = 0;
    cr_assert_eq(cz_model_new(&s, cz_backend_cpu(), &m, &err), CZ_EINVAL);
    cr_expect(strstr(err.msg, "width 0"), "%s", err.msg);
    s = convnet(1, 28, 28, 1, 3);
    cr_assert_eq(cz_model_new(&s, cz_backend_cpu(), &m, &err), CZ_EINVAL);
    cr_expect(strstr(err.msg, "classes = 1"), "%s", err.msg);
}

Test(model, cross_architecture_nets_build)
{
    /* Their derivatives are tested in test_eval_archs / test_eval_layers. */
    cz_arch arches[] = {CZ_ARCH_ALEXNET, CZ_ARCH_VGG11, CZ_ARCH_RESNET18};
    for (int i = 0; i < 3; i++) {
        cz_model *m = NULL;
        cz_error err;
        cz_model_spec s = convnet(1, 28, 28, 2, 3);
        s.arch = arches[i];
        s.hidden = 8;
        cr_assert_eq(cz_model_new(&s, cz_backend_cpu(), &m, &err), CZ_OK, "%s", err.msg);
        cr_assert_gt(cz_model_param_count(m), 0);
        char buf[160];
        cr_expect(strstr(cz_model_describe(m, buf, sizeof buf), "width 8"), "%s", buf);
        cz_model_free(m);
    }
}

Test(model, init_follows_pytorch_bounds_and_is_reproducible)
{
    cz_model *m;
    cz_error err;
    cz_model_spec s = convnet(1, 8, 8, 2, 1);
    s.hidden = 16;
    cr_assert_eq(cz_model_new(&s, cz_backend_cpu(), &m, &err), CZ_OK);
    size_t P = cz_model_param_count(m);
    cz_real *a = calloc(P, sizeof *a), *b = calloc(P, sizeof *b);
    cz_rng r1, r2;
    cz_rng_seed(&r1, 9);
    cz_rng_seed(&r2, 9);
    cz_model_init(m, &r1, a);
    cz_model_init(m, &r2, b);
    cr_expect_eq(memcmp(a, b, P * sizeof *a), 0);
    /* conv weight (16,1,3,3): bound 1/3; norm gain 1, shift 0; linear (2, 16*4*4): 1/16 */
    double wmax = 0;
    for (int i = 0; i < 144; i++)
        wmax = fmax(wmax, fabs(a[i]));
    cr_expect(wmax <= 1.0 / 3 && wmax > 0.25, "conv weights within 1/sqrt(9): max %g", wmax);
    for (int c = 0; c < 16; c++) {
        cr_expect_eq(a[160 + c], 1);
        cr_expect_eq(a[176 + c], 0);
    }
    double lmax = 0;
    for (size_t i = 192; i < P; i++)
        lmax = fmax(lmax, fabs(a[i]));
    cr_expect(lmax <= 1.0 / 16 && lmax > 0.04, "linear within 1/sqrt(256): max %g", lmax);
    free(a), free(b);
    cz_model_free(m);
}

Test(model, predict_gives_probabilities_and_chunks_agree)
{
    cz_model *m;
    cz_error err;
    cz_model_spec s = {.arch = CZ_ARCH_MLP, .channels = 1, .height = 1, .width = 5, .classes = 3,
                       .hidden = 8, .depth = 2};
    cr_assert_eq(cz_model_new(&s, cz_backend_cpu(), &m, &err), CZ_OK);
    size_t P = cz_model_param_count(m), n = 600; /* more than one 256-row chunk */
    cz_real *theta = calloc(P, sizeof *theta), *x = calloc(n * 5, sizeof *x);
    cz_real *p = calloc(n * 3, sizeof *p), *z = calloc(n * 3, sizeof *z), *z1 = calloc(3, sizeof *z1);
    cz_rng rng;
    cz_rng_seed(&rng, 1);
    cz_model_init(m, &rng, theta);
    for (size_t i = 0; i < n * 5; i++)
        x[i] = (cz_real)cz_rng_normal(&rng);
    cr_assert_eq(cz_model_predict(m, theta, x, n, p, &err), CZ_OK);
    cr_assert_eq(cz_model_forward(m, theta, x, n, z, &err), CZ_OK);
    for (size_t i = 0; i < n; i++) {
        double sum = p[3 * i] + p[3 * i + 1] + p[3 * i + 2];
        cr_assert_float_eq(sum, 1.0, 1e-5, "row %zu sums to %g", i, sum);
    }
    /* row 599 alone equals row 599 of the chunked pass */
    cr_assert_eq(cz_model_forward(m, theta, x + 599 * 5, 1, z1, &err), CZ_OK);
    for (int c = 0; c < 3; c++)
        cr_expect_float_eq(z1[c], z[599 * 3 + c], 1e-5);
    cr_assert_eq(cz_model_forward(m, theta, x, 0, z, &err), CZ_EINVAL);
    int32_t bad[2] = {0, 3};
    cz_real l;
    cr_assert_eq(cz_model_loss_grad(m, theta, x, bad, 2, NULL, &l, NULL, NULL, &err), CZ_EINVAL);
    cr_expect(strstr(err.msg, "label 3"), "%s", err.msg);
    free(theta), free(x), free(p), free(z), free(z1);
    cz_model_free(m);
}
