/* Models, the unrolled loop and a training epoch on the GPU against the CPU
 * backend (float32 tolerances), and bit-for-bit repeatability on the GPU.
 * Skips without a device. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "cuda_check.h"
#include "cz.h"

/* model outputs: a few layers of float32 sums in another order */
#define TOL_FWD 1e-4
#define TOL_GRAD 1e-3
/* second order and the unrolled adjoint: longer chains */
#define TOL_HVP 2e-3

static cz_model_spec mlp_spec(void)
{
    return (cz_model_spec){.arch = CZ_ARCH_MLP, .channels = 1, .height = 1, .width = 30, .classes = 3,
                           .hidden = 64, .depth = 2};
}

static cz_model_spec convnet_spec(int side, int hidden, int depth)
{
    return (cz_model_spec){.arch = CZ_ARCH_CONVNET, .channels = 1, .height = side, .width = side,
                           .classes = 2, .hidden = hidden, .depth = depth, .instance_norm = 1};
}

/* A model on each backend with the same host-initialised parameters. */
typedef struct pair {
    cz_backend *gpu, *cpu;
    cz_model *mg, *mc;
    size_t P, in, n;
    int classes;
    cz_real *theta, *x, *lam, *w;   /* host */
    int32_t *y;
    cz_real *g_theta, *g_x, *g_lam, *g_w;
    int32_t *g_y;
} pair;

static void pair_new(pair *p, cz_model_spec spec, size_t n)
{
    cz_error err;
    memset(p, 0, sizeof *p);
    p->gpu = cuda_or_skip();
    p->cpu = cz_backend_cpu();
    cr_assert_eq(cz_model_new(&spec, p->gpu, &p->mg, &err), CZ_OK, "%s", err.msg);
    cr_assert_eq(cz_model_new(&spec, p->cpu, &p->mc, &err), CZ_OK, "%s", err.msg);
    p->P = cz_model_param_count(p->mc);
    p->in = cz_model_input_size(p->mc);
    p->n = n;
    p->classes = spec.classes;
    p->theta = host_alloc(p->P);
    p->lam = host_alloc(p->P);
    p->x = host_alloc(n * p->in);
    p->w = host_alloc((size_t)spec.classes);
    p->y = malloc(n * sizeof *p->y);
    cr_assert_not_null(p->y);
    cz_rng rng;
    cz_rng_seed(&rng, 42);
    cz_model_init(p->mc, &rng, p->theta);
    for (size_t i = 0; i < n * p->in; i++)
        p->x[i] = (cz_real)cz_rng_normal(&rng);
    for (size_t i = 0; i < p->P; i++)
        p->lam[i] = (cz_real)(0.1 * cz_rng_normal(&rng));
    for (size_t i = 0; i < n; i++)
        p->y[i] = (int32_t)(i % (size_t)spec.classes);
    fill_uniform(p->w, (size_t)spec.classes, 43, 0.5, 2);
    p->g_theta = dev_copy(p->gpu, p->theta, p->P);
    p->g_lam = dev_copy(p->gpu, p->lam, p->P);
    p->g_x = dev_copy(p->gpu, p->x, n * p->in);
    p->g_w = dev_copy(p->gpu, p->w, (size_t)spec.classes);
    p->g_y = dev_copy_labels(p->gpu, p->y, n);
}

static void pair_free(pair *p)
{
    void *dev[] = {p->g_theta, p->g_lam, p->g_x, p->g_w, p->g_y};
    for (size_t i = 0; i < sizeof dev / sizeof dev[0]; i++)
        dev_free(p->gpu, dev[i]);
    free(p->theta), free(p->lam), free(p->x), free(p->w), free(p->y);
    cz_model_free(p->mg);
    cz_model_free(p->mc);
}

/* forward, predict, loss_grad and hvp of one model on both backends */
static void check_model(cz_model_spec spec, size_t n, int weighted)
{
    pair p;
    pair_new(&p, spec, n);
    cz_error err;
    const size_t nz = n * (size_t)p.classes, nx = n * p.in;
    cz_real *want = host_alloc(nz > p.P ? (nz > nx ? nz : nx) : (p.P > nx ? p.P : nx));
    cz_real *got = host_alloc(nz > p.P ? (nz > nx ? nz : nx) : (p.P > nx ? p.P : nx));
    cz_real *g_out = dev_zeros(p.gpu, nz), *g_gt = dev_zeros(p.gpu, p.P), *g_gx = dev_zeros(p.gpu, nx);
    cz_real *g_hv = dev_zeros(p.gpu, p.P);

    cr_assert_eq(cz_model_forward(p.mc, p.theta, p.x, n, want, &err), CZ_OK, "%s", err.msg);
    cr_assert_eq(cz_model_forward(p.mg, p.g_theta, p.g_x, n, g_out, &err), CZ_OK, "%s", err.msg);
    host_from(p.gpu, got, g_out, nz);
    expect_close("logits", got, want, nz, TOL_FWD);
    cr_assert_eq(cz_model_predict(p.mc, p.theta, p.x, n, want, &err), CZ_OK);
    cr_assert_eq(cz_model_predict(p.mg, p.g_theta, p.g_x, n, g_out, &err), CZ_OK);
    host_from(p.gpu, got, g_out, nz);
    expect_close("probabilities", got, want, nz, TOL_FWD);

    const cz_real *w = weighted ? p.w : NULL, *gw = weighted ? p.g_w : NULL;
    cz_real lc, lg;
    cz_real *gt = host_alloc(p.P), *gx = host_alloc(nx);
    cr_assert_eq(cz_model_loss_grad(p.mc, p.theta, p.x, p.y, n, w, &lc, gt, gx, &err), CZ_OK);
    cr_assert_eq(cz_model_loss_grad(p.mg, p.g_theta, p.g_x, p.g_y, n, gw, &lg, g_gt, g_gx, &err), CZ_OK);
    expect_sync_ok(p.gpu);
    expect_close1("loss", lg, lc, TOL_FWD);
    host_from(p.gpu, got, g_gt, p.P);
    expect_close("grad theta", got, gt, p.P, TOL_GRAD);
    host_from(p.gpu, got, g_gx, nx);
    expect_close("grad x", got, gx, nx, TOL_GRAD);

    cz_real *hv = host_alloc(p.P), *dsdx = host_alloc(nx);
    cr_assert_eq(cz_model_hvp(p.mc, p.theta, p.x, p.y, n, w, p.lam, hv, dsdx, gt, &err), CZ_OK);
    cr_assert_eq(cz_model_hvp(p.mg, p.g_theta, p.g_x, p.g_y, n, gw, p.g_lam, g_hv, g_gx, g_gt, &err), CZ_OK);
    expect_sync_ok(p.gpu);
    host_from(p.gpu, got, g_hv, p.P);
    expect_close("H lam", got, hv, p.P, TOL_HVP);
    host_from(p.gpu, got, g_gx, nx);
    expect_close("d<lam, g>/dx", got, dsdx, nx, TOL_HVP);
    host_from(p.gpu, got, g_gt, p.P);
    expect_close("g from the hvp pass", got, gt, p.P, TOL_GRAD);

    dev_free(p.gpu, g_out), dev_free(p.gpu, g_gt), dev_free(p.gpu, g_gx), dev_free(p.gpu, g_hv);
    free(want), free(got), free(gt), free(gx), free(hv), free(dsdx);
    pair_free(&p);
}

Test(cuda_model, mlp_matches_cpu)
{
    check_model(mlp_spec(), 40, 0);
}

Test(cuda_model, mlp_class_weighted_matches_cpu)
{
    check_model(mlp_spec(), 40, 1);
}

Test(cuda_model, convnet_matches_cpu)
{
    check_model(convnet_spec(16, 16, 2), 12, 0);
}

Test(cuda_model, convnet3_28x28_matches_cpu)
{
    check_model(convnet_spec(28, 32, 3), 6, 1);
}

/* The cross-architecture evaluation nets (max pooling, residual blocks). */
static cz_model_spec eval_spec(cz_arch a, int side)
{
    return (cz_model_spec){.arch = a, .channels = 1, .height = side, .width = side, .classes = 2,
                           .hidden = 16, .depth = 0, .instance_norm = 1};
}

Test(cuda_model, alexnet_matches_cpu)
{
    check_model(eval_spec(CZ_ARCH_ALEXNET, 28), 4, 0);
}

Test(cuda_model, vgg11_matches_cpu)
{
    check_model(eval_spec(CZ_ARCH_VGG11, 28), 4, 0);
}

Test(cuda_model, resnet18_matches_cpu)
{
    check_model(eval_spec(CZ_ARCH_RESNET18, 28), 4, 0);
}

/* cz_unroll_match_grad on the GPU: loss, dL/dX and dL/dlr of the CPU run. */
static void run_unroll(pair *p, cz_model *m, const cz_real *theta, const cz_real *target,
                       const cz_real *x, const int32_t *y, int batch, cz_real *loss, cz_real *gx,
                       cz_real *glr)
{
    cz_error err;
    cz_unroll_opts o = {.steps = 6, .batch = batch};
    cz_unroll *u;
    cr_assert_eq(cz_unroll_new(m, p->n, &o, &u, &err), CZ_OK, "%s", err.msg);
    cz_rng rng;
    cz_rng_seed(&rng, 7);
    cr_assert_eq(cz_unroll_match_grad(u, theta, target, x, y, 0.02f, &rng, loss, gx, glr, &err), CZ_OK,
                 "%s [%s]", err.msg, err.hint);
    cz_unroll_free(u);
}

static void check_unroll(int batch)
{
    pair p;
    pair_new(&p, convnet_spec(16, 16, 2), 10);
    cz_real *target = host_alloc(p.P);
    cz_rng rng;
    cz_rng_seed(&rng, 9);
    for (size_t i = 0; i < p.P; i++)
        target[i] = p.theta[i] + (cz_real)(0.01 * cz_rng_normal(&rng));
    cz_real *g_target = dev_copy(p.gpu, target, p.P);
    const size_t nx = p.n * p.in;
    cz_real *gx = host_alloc(nx), *got = host_alloc(nx), *g_gx = dev_zeros(p.gpu, nx);
    cz_real loss_c, loss_g, glr_c, glr_g;
    run_unroll(&p, p.mc, p.theta, target, p.x, p.y, batch, &loss_c, gx, &glr_c);
    run_unroll(&p, p.mg, p.g_theta, g_target, p.g_x, p.g_y, batch, &loss_g, g_gx, &glr_g);
    expect_close1("matching loss", loss_g, loss_c, TOL_GRAD);
    expect_close1("dL/dlr", glr_g, glr_c, TOL_HVP);
    host_from(p.gpu, got, g_gx, nx);
    expect_close("dL/dX", got, gx, nx, TOL_HVP);

    /* the same run again on the GPU: the same bits */
    cz_real loss2, glr2;
    cz_real *g_gx2 = dev_zeros(p.gpu, nx), *again = host_alloc(nx);
    run_unroll(&p, p.mg, p.g_theta, g_target, p.g_x, p.g_y, batch, &loss2, g_gx2, &glr2);
    host_from(p.gpu, again, g_gx2, nx);
    cr_assert(memcmp(&loss2, &loss_g, sizeof loss2) == 0, "loss %.9g then %.9g", loss_g, loss2);
    cr_assert(memcmp(&glr2, &glr_g, sizeof glr2) == 0, "dL/dlr %.9g then %.9g", glr_g, glr2);
    cr_assert(memcmp(again, got, nx * sizeof *got) == 0, "dL/dX differs between two identical runs");

    dev_free(p.gpu, g_target), dev_free(p.gpu, g_gx), dev_free(p.gpu, g_gx2);
    free(target), free(gx), free(got), free(again);
    pair_free(&p);
}

Test(cuda_model, unrolled_gradient_full_batch_matches_cpu_and_repeats)
{
    check_unroll(0);
}

Test(cuda_model, unrolled_gradient_minibatches_match_cpu_and_repeat)
{
    check_unroll(4);
}

Test(cuda_model, loss_grad_is_bitwise_repeatable)
{
    pair p;
    pair_new(&p, convnet_spec(16, 16, 2), 12);
    cz_error err;
    cz_real *g1 = dev_zeros(p.gpu, p.P), *g2 = dev_zeros(p.gpu, p.P);
    cz_real *h1 = host_alloc(p.P), *h2 = host_alloc(p.P);
    cz_real l1, l2;
    cr_assert_eq(cz_model_loss_grad(p.mg, p.g_theta, p.g_x, p.g_y, p.n, NULL, &l1, g1, NULL, &err), CZ_OK);
    cr_assert_eq(cz_model_loss_grad(p.mg, p.g_theta, p.g_x, p.g_y, p.n, NULL, &l2, g2, NULL, &err), CZ_OK);
    host_from(p.gpu, h1, g1, p.P);
    host_from(p.gpu, h2, g2, p.P);
    cr_assert(memcmp(&l1, &l2, sizeof l1) == 0);
    cr_assert(memcmp(h1, h2, p.P * sizeof *h1) == 0, "two gradients of the same batch differ");
    dev_free(p.gpu, g1), dev_free(p.gpu, g2);
    free(h1), free(h2);
    pair_free(&p);
}

Test(cuda_model, training_epoch_matches_cpu)
{
    pair p;
    pair_new(&p, mlp_spec(), 30);
    cz_error err;
    cz_sgd opt = {.lr = 0.05, .momentum = 0.9, .weight_decay = 5e-4, .batch = 8};
    cz_real *v = host_alloc(p.P), *g_v = dev_zeros(p.gpu, p.P), *got = host_alloc(p.P);
    cz_rng rc, rg;
    cz_rng_seed(&rc, 3);
    cz_rng_seed(&rg, 3);
    double lc, lg;
    for (int e = 0; e < 2; e++) {
        cr_assert_eq(cz_train_epoch(p.mc, p.theta, v, p.x, p.y, p.n, &opt, &rc, &lc, &err), CZ_OK);
        cr_assert_eq(cz_train_epoch(p.mg, p.g_theta, g_v, p.g_x, p.g_y, p.n, &opt, &rg, &lg, &err), CZ_OK,
                     "%s", err.msg);
        expect_close1("mean epoch loss", lg, lc, TOL_GRAD);
    }
    host_from(p.gpu, got, p.g_theta, p.P);
    expect_close("parameters after two epochs", got, p.theta, p.P, TOL_GRAD);
    dev_free(p.gpu, g_v);
    free(v), free(got);
    pair_free(&p);
}
