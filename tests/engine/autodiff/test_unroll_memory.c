/* The memory claim of DESIGN.md: an unroll's footprint grows with the number
 * of steps N by one parameter vector per step (plus that step's minibatch
 * indices), not by a set of activations per step. Also: out-of-memory while
 * building an unroll is a reported error. */
#include <criterion/criterion.h>
#include <stdlib.h>

#include "autodiff/unroll.h"
#include "cz.h"

static size_t bytes_for(cz_model *m, size_t rows, int steps, int batch, int truncate)
{
    cz_unroll *u;
    cz_error err;
    cz_unroll_opts o = {.steps = steps, .batch = batch, .truncate = truncate};
    cr_assert_eq(cz_unroll_new(m, rows, &o, &u, &err), CZ_OK, "%s", err.msg);
    size_t b = cz_unroll_bytes(u);
    cz_unroll_free(u);
    return b;
}

Test(unroll_memory, grows_by_parameter_vectors_only)
{
    cz_model_spec s = {.arch = CZ_ARCH_CONVNET, .channels = 1, .height = 28, .width = 28, .classes = 2,
                       .hidden = 16, .depth = 3, .instance_norm = 1};
    cz_model *m;
    cz_error err;
    cr_assert_eq(cz_model_new(&s, cz_backend_cpu(), &m, &err), CZ_OK);
    size_t P = cz_model_param_count(m), vec = P * sizeof(cz_real), rows = 20;
    size_t b10 = bytes_for(m, rows, 10, 10, 0);
    /* one step's activations (conv output of the first block alone) */
    size_t activations = rows * 16 * 28 * 28 * sizeof(cz_real);
    cr_assert_gt(activations, vec, "the test distinguishes activations from parameters");
    int steps[] = {20, 40, 80};
    for (int i = 0; i < 3; i++) {
        size_t b = bytes_for(m, rows, steps[i], 10, 0);
        size_t extra = (size_t)(steps[i] - 10);
        size_t lower = extra * vec, upper = extra * (vec + 10 * sizeof(int64_t) + 64);
        cr_expect(b - b10 >= lower && b - b10 <= upper,
                  "N=%d: grew by %zu bytes; %zu parameter vectors are %zu", steps[i], b - b10, extra, lower);
    }
    /* truncation to K steps keeps K + 1 vectors whatever N is */
    cr_expect_eq(bytes_for(m, rows, 80, 10, 2), bytes_for(m, rows, 10, 10, 2));
    cz_model_free(m);
}

Test(unroll_memory, out_of_memory_is_reported)
{
    cz_model_spec s = {.arch = CZ_ARCH_MLP, .channels = 1, .height = 1, .width = 8, .classes = 2,
                       .hidden = 16, .depth = 2};
    cz_model *m;
    cz_error err;
    cr_assert_eq(cz_model_new(&s, cz_backend_cpu(), &m, &err), CZ_OK);
    cz_unroll_opts o = {.steps = 5, .batch = 4};
    int failures = 0;
    for (long k = 0; k < 40; k++) {
        cz_unroll *u = NULL;
        cz_alloc_fail_after(k);
        cz_status st = cz_unroll_new(m, 10, &o, &u, &err);
        cz_alloc_fail_after(-1);
        if (st == CZ_OK) {
            cz_unroll_free(u);
            break;
        }
        cr_assert_eq(st, CZ_ENOMEM, "allocation %ld failing gives %s", k, cz_status_name(st));
        cr_assert_null(u);
        failures++;
    }
    cr_expect_gt(failures, 3, "several allocations were exercised");
    cz_model_free(m);
}

/* Training on large batches grows only the activation workspace: the tangent
 * buffers stay sized for the unroll's own batch. */
Test(unroll_memory, training_batches_do_not_inflate_the_tangent_workspace)
{
    cz_model_spec s = {.arch = CZ_ARCH_CONVNET, .channels = 1, .height = 16, .width = 16, .classes = 2,
                       .hidden = 8, .depth = 2, .instance_norm = 1};
    cz_model *m;
    cz_error err;
    cr_assert_eq(cz_model_new(&s, cz_backend_cpu(), &m, &err), CZ_OK);
    size_t P = cz_model_param_count(m), big = 200;
    cz_real *theta = calloc(P, sizeof *theta), *g = calloc(P, sizeof *g);
    cz_real *x = calloc(big * 256, sizeof *x);
    int32_t *y = calloc(big, sizeof *y);
    cz_rng rng;
    cz_rng_seed(&rng, 1);
    cz_model_init(m, &rng, theta);
    cz_real loss;
    cr_assert_eq(cz_model_loss_grad(m, theta, x, y, big, NULL, &loss, g, NULL, &err), CZ_OK);
    size_t after_training = bytes_for(m, 10, 5, 0, 0);
    cr_assert_eq(cz_model_hvp(m, theta, x, y, big, NULL, theta, g, NULL, NULL, &err), CZ_OK);
    size_t after_big_hvp = bytes_for(m, 10, 5, 0, 0);
    /* a shared workspace would hold tangents for 200 rows in both cases */
    cr_expect_gt(after_big_hvp, after_training + after_training / 3,
                 "tangent part sized by the unroll's 10 rows: %zu vs %zu after a 200-row hvp",
                 after_training, after_big_hvp);
    free(theta), free(g), free(x), free(y);
    cz_model_free(m);
}
