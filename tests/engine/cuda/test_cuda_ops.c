/* Each op of the CUDA function table against the CPU backend on random
 * inputs, float32 tolerances (sums run in a different order on the GPU).
 * Skips without a device. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cuda_check.h"
#include "cz.h"

/* float32 ops whose sums differ only in order */
#define TOL 2e-5
/* deeper chains (second derivatives of the norm) */
#define TOL_NORM 1e-4

Test(cuda_ops, gemm_all_transposes_and_padded_strides)
{
    cz_backend *gpu = cuda_or_skip(), *cpu = cz_backend_cpu();
    const int64_t M = 37, N = 29, K = 53, pad = 3;
    for (int ta = 0; ta < 2; ta++)
        for (int tb = 0; tb < 2; tb++) {
            int64_t lda = (ta ? M : K) + pad, ldb = (tb ? K : N) + pad, ldc = N + pad;
            int64_t na = (ta ? K : M) * lda, nb = (tb ? N : K) * ldb, nc = M * ldc;
            cz_real *a = host_alloc((size_t)na), *b = host_alloc((size_t)nb);
            cz_real *c = host_alloc((size_t)nc), *got = host_alloc((size_t)nc);
            fill_uniform(a, (size_t)na, 10 + ta, -1, 1);
            fill_uniform(b, (size_t)nb, 20 + tb, -1, 1);
            fill_uniform(c, (size_t)nc, 30, -1, 1);
            cz_real *da = dev_copy(gpu, a, (size_t)na), *db = dev_copy(gpu, b, (size_t)nb);
            cz_real *dc = dev_copy(gpu, c, (size_t)nc);
            gpu->ops->gemm(gpu, ta, tb, M, N, K, 1.5f, da, lda, db, ldb, -0.5f, dc, ldc);
            cpu->ops->gemm(cpu, ta, tb, M, N, K, 1.5f, a, lda, b, ldb, -0.5f, c, ldc);
            host_from(gpu, got, dc, (size_t)nc);
            expect_close(ta ? (tb ? "gemm TT" : "gemm TN") : (tb ? "gemm NT" : "gemm NN"), got, c,
                         (size_t)nc, TOL);
            dev_free(gpu, da);
            dev_free(gpu, db);
            dev_free(gpu, dc);
            free(a), free(b), free(c), free(got);
        }
}

Test(cuda_ops, vector_ops_and_reductions)
{
    cz_backend *gpu = cuda_or_skip(), *cpu = cz_backend_cpu();
    const size_t n = 100003; /* not a multiple of anything the kernels use */
    cz_real *x = host_alloc(n), *y = host_alloc(n), *got = host_alloc(n);
    fill_uniform(x, n, 1, -2, 2);
    fill_uniform(y, n, 2, -2, 2);
    cz_real *dx = dev_copy(gpu, x, n), *dy = dev_copy(gpu, y, n);
    expect_close1("dot", gpu->ops->dot(gpu, n, dx, dy), cpu->ops->dot(cpu, n, x, y), 1e-9);
    expect_close1("sumsq", gpu->ops->sumsq(gpu, n, dx), cpu->ops->sumsq(cpu, n, x), 1e-9);
    expect_close1("sumsq_diff", gpu->ops->sumsq_diff(gpu, n, dx, dy),
                  cpu->ops->sumsq_diff(cpu, n, x, y), 1e-9);
    gpu->ops->axpy(gpu, n, 0.75f, dx, dy);
    cpu->ops->axpy(cpu, n, 0.75f, x, y);
    host_from(gpu, got, dy, n);
    expect_close("axpy", got, y, n, TOL);
    gpu->ops->axpby(gpu, n, -1.25f, dx, 0.5f, dy);
    cpu->ops->axpby(cpu, n, -1.25f, x, 0.5f, y);
    host_from(gpu, got, dy, n);
    expect_close("axpby", got, y, n, TOL);
    gpu->ops->scale(gpu, n, 3.0f, dy);
    cpu->ops->scale(cpu, n, 3.0f, y);
    host_from(gpu, got, dy, n);
    expect_close("scale", got, y, n, TOL);
    cr_assert(gpu->ops->all_finite(gpu, n, dx));
    cz_real bad[2] = {NAN, INFINITY};
    for (int k = 0; k < 2; k++) {
        gpu->ops->upload(gpu, dx + 77777, &bad[k], sizeof bad[k]);
        cr_assert(!gpu->ops->all_finite(gpu, n, dx), "%g not caught", (double)bad[k]);
    }
    expect_sync_ok(gpu);
    cr_assert_eq(gpu->ops->dot(gpu, 0, dx, dy), 0.0, "empty sums are 0");
    dev_free(gpu, dx);
    dev_free(gpu, dy);
    free(x), free(y), free(got);
}

Test(cuda_ops, gather_and_scatter_rows_with_repeats)
{
    cz_backend *gpu = cuda_or_skip(), *cpu = cz_backend_cpu();
    enum { ROWS = 50, LEN = 300, NIDX = 64 };
    cz_real *src = host_alloc(ROWS * LEN), *dst = host_alloc(NIDX * LEN), *got = host_alloc(ROWS * LEN);
    int64_t idx[NIDX];
    for (int i = 0; i < NIDX; i++)
        idx[i] = (i * 17 + 3) % ROWS; /* repeats: 64 picks of 50 rows */
    fill_uniform(src, ROWS * LEN, 3, -1, 1);
    cz_real *dsrc = dev_copy(gpu, src, ROWS * LEN), *ddst = dev_zeros(gpu, NIDX * LEN);
    gpu->ops->gather_rows(gpu, ddst, dsrc, idx, NIDX, LEN);
    cpu->ops->gather_rows(cpu, dst, src, idx, NIDX, LEN);
    host_from(gpu, got, ddst, NIDX * LEN);
    cr_assert(memcmp(got, dst, NIDX * LEN * sizeof *got) == 0, "gather copies exactly");
    gpu->ops->scatter_add_rows(gpu, dsrc, ddst, idx, NIDX, LEN, -0.5f);
    cpu->ops->scatter_add_rows(cpu, src, dst, idx, NIDX, LEN, -0.5f);
    host_from(gpu, got, dsrc, ROWS * LEN);
    expect_close("scatter_add_rows", got, src, ROWS * LEN, TOL);
    dev_free(gpu, dsrc);
    dev_free(gpu, ddst);
    free(src), free(dst), free(got);
}

Test(cuda_ops, sgd_step_variants)
{
    cz_backend *gpu = cuda_or_skip(), *cpu = cz_backend_cpu();
    const size_t n = 5000;
    cz_real *p = host_alloc(n), *g = host_alloc(n), *v = host_alloc(n), *got = host_alloc(n);
    fill_uniform(p, n, 4, -1, 1);
    fill_uniform(g, n, 5, -1, 1);
    fill_uniform(v, n, 6, -0.1, 0.1);
    cz_real *dp = dev_copy(gpu, p, n), *dg = dev_copy(gpu, g, n), *dv = dev_copy(gpu, v, n);
    const struct { cz_real lr, mom, wd; int nesterov, velocity; } cases[] = {
        {0.1f, 0, 0, 0, 0}, {0.05f, 0.9f, 5e-4f, 0, 1}, {0.01f, 0.5f, 1e-3f, 1, 1}};
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        gpu->ops->sgd_step(gpu, n, dp, dg, cases[k].velocity ? dv : NULL, cases[k].lr, cases[k].mom,
                           cases[k].wd, cases[k].nesterov);
        cpu->ops->sgd_step(cpu, n, p, g, cases[k].velocity ? v : NULL, cases[k].lr, cases[k].mom,
                           cases[k].wd, cases[k].nesterov);
        host_from(gpu, got, dp, n);
        expect_close("sgd params", got, p, n, TOL);
        host_from(gpu, got, dv, n);
        expect_close("sgd velocity", got, v, n, TOL);
    }
    dev_free(gpu, dp), dev_free(gpu, dg), dev_free(gpu, dv);
    free(p), free(g), free(v), free(got);
}

Test(cuda_ops, bias_relu_and_pooling)
{
    cz_backend *gpu = cuda_or_skip(), *cpu = cz_backend_cpu();
    const int64_t rows = 6, cols = 5, inner = 49; /* 7x7 planes: odd, pooling drops a row and column */
    const size_t n = (size_t)(rows * cols * inner);
    cz_real *y = host_alloc(n), *b = host_alloc((size_t)cols), *got = host_alloc(n);
    cz_real *db = host_alloc((size_t)cols), *gdb = host_alloc((size_t)cols), *m = host_alloc(n);
    fill_uniform(y, n, 7, -1, 1);
    fill_uniform(b, (size_t)cols, 8, -1, 1);
    fill_uniform(db, (size_t)cols, 9, -1, 1);
    fill_uniform(m, n, 10, -1, 1);
    cz_real *dy = dev_copy(gpu, y, n), *dbias = dev_copy(gpu, b, (size_t)cols);
    cz_real *ddb = dev_copy(gpu, db, (size_t)cols), *dm = dev_copy(gpu, m, n), *dout = dev_zeros(gpu, n);
    gpu->ops->bias_add(gpu, dy, dbias, rows, cols, inner);
    cpu->ops->bias_add(cpu, y, b, rows, cols, inner);
    host_from(gpu, got, dy, n);
    expect_close("bias_add", got, y, n, TOL);
    gpu->ops->bias_grad(gpu, ddb, dy, rows, cols, inner);
    cpu->ops->bias_grad(cpu, db, y, rows, cols, inner);
    host_from(gpu, gdb, ddb, (size_t)cols);
    expect_close("bias_grad (accumulated)", gdb, db, (size_t)cols, TOL);
    gpu->ops->relu_fwd(gpu, dout, dy, (int64_t)n);
    cz_real *out = host_alloc(n);
    cpu->ops->relu_fwd(cpu, out, y, (int64_t)n);
    host_from(gpu, got, dout, n);
    cr_assert(memcmp(got, out, n * sizeof *got) == 0, "relu is exact");
    gpu->ops->relu_mask(gpu, dout, dm, dy, (int64_t)n);
    cpu->ops->relu_mask(cpu, out, m, y, (int64_t)n);
    host_from(gpu, got, dout, n);
    cr_assert(memcmp(got, out, n * sizeof *got) == 0, "relu mask is exact");
    /* pooling over rows*cols planes of 7x7 */
    const int64_t planes = rows * cols, pn = planes * 9;
    gpu->ops->avgpool2_fwd(gpu, dout, dy, planes, 7, 7);
    cpu->ops->avgpool2_fwd(cpu, out, y, planes, 7, 7);
    host_from(gpu, got, dout, (size_t)pn);
    expect_close("avgpool2 forward", got, out, (size_t)pn, TOL);
    gpu->ops->fill(gpu, dm, 123, (int64_t)n); /* bwd must overwrite all of dx, dropped row too */
    gpu->ops->avgpool2_bwd(gpu, dm, dout, planes, 7, 7);
    cpu->ops->avgpool2_bwd(cpu, m, out, planes, 7, 7);
    host_from(gpu, got, dm, n);
    expect_close("avgpool2 backward", got, m, n, TOL);
    dev_free(gpu, dy), dev_free(gpu, dbias), dev_free(gpu, ddb), dev_free(gpu, dm), dev_free(gpu, dout);
    free(y), free(b), free(got), free(db), free(gdb), free(m), free(out);
}

Test(cuda_ops, max_pooling_with_ties_and_odd_sizes)
{
    cz_backend *gpu = cuda_or_skip(), *cpu = cz_backend_cpu();
    const int64_t planes = 7, h = 9, w = 8, ho = 4, wo = 4; /* odd h: a dropped row */
    const size_t n = (size_t)(planes * h * w), no = (size_t)(planes * ho * wo);
    cz_real *x = host_alloc(n), *xd = host_alloc(n), *dy = host_alloc(no);
    fill_uniform(x, n, 41, -1, 1);
    fill_uniform(xd, n, 42, -1, 1);
    fill_uniform(dy, no, 43, -1, 1);
    for (size_t i = 0; i < n; i += 5) /* ties: the first maximum wins on both */
        x[i] = x[i + 1 < n ? i + 1 : i] = 0.5f;
    cz_real *y = host_alloc(no), *arg = host_alloc(no), *dx = host_alloc(n), *yd = host_alloc(no);
    cz_real *got = host_alloc(n);
    cpu->ops->maxpool2_fwd(cpu, y, arg, x, planes, h, w);
    cpu->ops->maxpool2_bwd(cpu, dx, dy, arg, planes, h, w);
    cpu->ops->maxpool2_gather(cpu, yd, xd, arg, planes, h, w);
    cz_real *gx = dev_copy(gpu, x, n), *gxd = dev_copy(gpu, xd, n), *gdy = dev_copy(gpu, dy, no);
    cz_real *gy = dev_zeros(gpu, no), *garg = dev_zeros(gpu, no), *gdx = dev_zeros(gpu, n);
    cz_real *gyd = dev_zeros(gpu, no);
    gpu->ops->fill(gpu, gdx, 9, (int64_t)n); /* the backward overwrites all of dx */
    gpu->ops->maxpool2_fwd(gpu, gy, garg, gx, planes, h, w);
    gpu->ops->maxpool2_bwd(gpu, gdx, gdy, garg, planes, h, w);
    gpu->ops->maxpool2_gather(gpu, gyd, gxd, garg, planes, h, w);
    host_from(gpu, got, gy, no);
    cr_assert(memcmp(got, y, no * sizeof *got) == 0, "max pooling forward is exact");
    host_from(gpu, got, garg, no);
    cr_assert(memcmp(got, arg, no * sizeof *got) == 0, "the same argmax, ties included");
    host_from(gpu, got, gdx, n);
    cr_assert(memcmp(got, dx, n * sizeof *got) == 0, "max pooling backward is exact");
    host_from(gpu, got, gyd, no);
    cr_assert(memcmp(got, yd, no * sizeof *got) == 0, "max pooling tangent is exact");
    dev_free(gpu, gx), dev_free(gpu, gxd), dev_free(gpu, gdy), dev_free(gpu, gy), dev_free(gpu, garg),
        dev_free(gpu, gdx), dev_free(gpu, gyd);
    free(x), free(xd), free(dy), free(y), free(arg), free(dx), free(yd), free(got);
}

/* conv2d forward, input gradient (beta 0 and 1) and weight gradient (accumulated). */
static void check_conv(cz_conv_shape s)
{
    cz_backend *gpu = cuda_or_skip(), *cpu = cz_backend_cpu();
    s.h_out = (s.h + 2 * s.pad - s.k) / s.stride + 1;
    s.w_out = (s.w + 2 * s.pad - s.k) / s.stride + 1;
    size_t nx = (size_t)(s.batch * s.c_in * s.h * s.w), nw = (size_t)(s.c_out * s.c_in * s.k * s.k);
    size_t ny = (size_t)(s.batch * s.c_out * s.h_out * s.w_out);
    cz_real *x = host_alloc(nx), *w = host_alloc(nw), *y = host_alloc(ny), *dy = host_alloc(ny);
    cz_real *dx = host_alloc(nx), *dw = host_alloc(nw), *got = host_alloc(nx > ny ? (nx > nw ? nx : nw)
                                                                                   : (ny > nw ? ny : nw));
    fill_uniform(x, nx, 11, -1, 1);
    fill_uniform(w, nw, 12, -0.5, 0.5);
    fill_uniform(y, ny, 13, -1, 1);
    fill_uniform(dy, ny, 14, -1, 1);
    fill_uniform(dx, nx, 15, -1, 1);
    fill_uniform(dw, nw, 16, -1, 1);
    cz_real *gx = dev_copy(gpu, x, nx), *gw = dev_copy(gpu, w, nw), *gy = dev_copy(gpu, y, ny);
    cz_real *gdy = dev_copy(gpu, dy, ny), *gdx = dev_copy(gpu, dx, nx), *gdw = dev_copy(gpu, dw, nw);
    int64_t cs = cpu->ops->conv2d_scratch(cpu, &s);
    cz_real *scratch = host_alloc((size_t)(cs > 0 ? cs : 1));
    cz_real *gscratch = NULL;
    int64_t gs = gpu->ops->conv2d_scratch(gpu, &s);
    if (gs > 0)
        gscratch = dev_zeros(gpu, (size_t)gs);
    char what[96];
    for (int beta = 0; beta < 2; beta++) {
        gpu->ops->conv2d_fwd(gpu, &s, gy, gx, gw, (cz_real)beta, gscratch);
        cpu->ops->conv2d_fwd(cpu, &s, y, x, w, (cz_real)beta, scratch);
        host_from(gpu, got, gy, ny);
        snprintf(what, sizeof what, "conv fwd k%lld p%lld s%lld beta %d", (long long)s.k,
                 (long long)s.pad, (long long)s.stride, beta);
        expect_close(what, got, y, ny, TOL);
        gpu->ops->conv2d_bwd_input(gpu, &s, gdx, gdy, gw, (cz_real)beta, gscratch);
        cpu->ops->conv2d_bwd_input(cpu, &s, dx, dy, w, (cz_real)beta, scratch);
        host_from(gpu, got, gdx, nx);
        snprintf(what, sizeof what, "conv dx k%lld p%lld s%lld beta %d", (long long)s.k,
                 (long long)s.pad, (long long)s.stride, beta);
        expect_close(what, got, dx, nx, TOL);
    }
    gpu->ops->conv2d_bwd_weight(gpu, &s, gdw, gdy, gx, gscratch);
    cpu->ops->conv2d_bwd_weight(cpu, &s, dw, dy, x, scratch);
    host_from(gpu, got, gdw, nw);
    snprintf(what, sizeof what, "conv dW k%lld p%lld s%lld", (long long)s.k, (long long)s.pad,
             (long long)s.stride);
    expect_close(what, got, dw, nw, TOL);
    dev_free(gpu, gx), dev_free(gpu, gw), dev_free(gpu, gy), dev_free(gpu, gdy), dev_free(gpu, gdx),
        dev_free(gpu, gdw);
    if (gscratch)
        dev_free(gpu, gscratch);
    free(x), free(w), free(y), free(dy), free(dx), free(dw), free(got), free(scratch);
}

Test(cuda_ops, conv2d_3x3_same)
{
    check_conv((cz_conv_shape){.batch = 5, .c_in = 3, .h = 12, .w = 10, .c_out = 8, .k = 3, .pad = 1, .stride = 1});
}

Test(cuda_ops, conv2d_strided_unpadded)
{
    check_conv((cz_conv_shape){.batch = 4, .c_in = 2, .h = 11, .w = 13, .c_out = 6, .k = 3, .pad = 0, .stride = 2});
}

Test(cuda_ops, conv2d_pointwise)
{
    check_conv((cz_conv_shape){.batch = 3, .c_in = 16, .h = 7, .w = 7, .c_out = 4, .k = 1, .pad = 0, .stride = 1});
}

Test(cuda_ops, conv2d_5x5_wide_channels)
{
    check_conv((cz_conv_shape){.batch = 2, .c_in = 32, .h = 9, .w = 9, .c_out = 16, .k = 5, .pad = 2, .stride = 1});
}

/* Instance norm: all four kernels, with the optional inputs present and absent,
 * and in place as the layer runs it. */
Test(cuda_ops, instance_norm_all_four)
{
    cz_backend *gpu = cuda_or_skip(), *cpu = cz_backend_cpu();
    cz_norm_shape s = {.batch = 3, .channels = 4, .hw = 50, .eps = 1e-5};
    const size_t n = (size_t)(s.batch * s.channels * s.hw), planes = (size_t)(s.batch * s.channels);
    const size_t C = (size_t)s.channels;
    cz_real *x = host_alloc(n), *gam = host_alloc(C), *bet = host_alloc(C), *xd = host_alloc(n);
    cz_real *gd = host_alloc(C), *bd = host_alloc(C), *dy = host_alloc(n), *dyd = host_alloc(n);
    fill_uniform(x, n, 21, -2, 3);
    fill_uniform(gam, C, 22, 0.5, 1.5);
    fill_uniform(bet, C, 23, -0.5, 0.5);
    fill_uniform(xd, n, 24, -1, 1);
    fill_uniform(gd, C, 25, -1, 1);
    fill_uniform(bd, C, 26, -1, 1);
    fill_uniform(dy, n, 27, -1, 1);
    fill_uniform(dyd, n, 28, -1, 1);
    /* CPU reference */
    cz_real *y = host_alloc(n), *xh = host_alloc(n), *rs = host_alloc(planes);
    cz_real *dx = host_alloc(n), *dgam = host_alloc(C), *dbet = host_alloc(C);
    cz_real *yd = host_alloc(n), *xhd = host_alloc(n), *rsd = host_alloc(planes);
    cz_real *dxd = host_alloc(n), *dgd = host_alloc(C), *dbd = host_alloc(C);
    cpu->ops->inorm_fwd(cpu, &s, y, xh, rs, x, gam, bet);
    cpu->ops->inorm_vjp(cpu, &s, dx, dgam, dbet, dy, xh, rs, gam);
    cpu->ops->inorm_jvp(cpu, &s, yd, xhd, rsd, xd, xh, rs, gam, gd, bd);
    cpu->ops->inorm_jvp_vjp(cpu, &s, dxd, dgd, dbd, dy, dyd, xh, xhd, rs, rsd, gam, gd);
    /* GPU, forward in place (y aliases x) as the layer runs it */
    cz_real *g_y = dev_copy(gpu, x, n), *g_xh = dev_zeros(gpu, n), *g_rs = dev_zeros(gpu, planes);
    cz_real *g_gam = dev_copy(gpu, gam, C), *g_bet = dev_copy(gpu, bet, C), *g_xd = dev_copy(gpu, xd, n);
    cz_real *g_gd = dev_copy(gpu, gd, C), *g_bd = dev_copy(gpu, bd, C), *g_dy = dev_copy(gpu, dy, n);
    cz_real *g_dyd = dev_copy(gpu, dyd, n), *g_dx = dev_zeros(gpu, n), *g_dgam = dev_zeros(gpu, C);
    cz_real *g_dbet = dev_zeros(gpu, C), *g_xhd = dev_zeros(gpu, n), *g_rsd = dev_zeros(gpu, planes);
    cz_real *g_dgd = dev_zeros(gpu, C), *g_dbd = dev_zeros(gpu, C);
    gpu->ops->inorm_fwd(gpu, &s, g_y, g_xh, g_rs, g_y, g_gam, g_bet);
    cz_real *got = host_alloc(n);
    host_from(gpu, got, g_y, n);
    expect_close("inorm y (in place)", got, y, n, TOL);
    host_from(gpu, got, g_xh, n);
    expect_close("inorm xhat", got, xh, n, TOL);
    host_from(gpu, got, g_rs, planes);
    expect_close("inorm rstd", got, rs, planes, TOL);
    gpu->ops->inorm_vjp(gpu, &s, g_dx, g_dgam, g_dbet, g_dy, g_xh, g_rs, g_gam);
    host_from(gpu, got, g_dx, n);
    expect_close("inorm dx", got, dx, n, TOL_NORM);
    host_from(gpu, got, g_dgam, C);
    expect_close("inorm dgamma", got, dgam, C, TOL_NORM);
    host_from(gpu, got, g_dbet, C);
    expect_close("inorm dbeta", got, dbet, C, TOL_NORM);
    gpu->ops->inorm_jvp(gpu, &s, g_xd, g_xhd, g_rsd, g_xd, g_xh, g_rs, g_gam, g_gd, g_bd); /* ydot aliases xdot */
    host_from(gpu, got, g_xd, n);
    expect_close("inorm ydot (in place)", got, yd, n, TOL_NORM);
    host_from(gpu, got, g_xhd, n);
    expect_close("inorm xhat_dot", got, xhd, n, TOL_NORM);
    host_from(gpu, got, g_rsd, planes);
    expect_close("inorm rstd_dot", got, rsd, planes, TOL_NORM);
    gpu->ops->inorm_jvp_vjp(gpu, &s, g_dyd, g_dgd, g_dbd, g_dy, g_dyd, g_xh, g_xhd, g_rs, g_rsd, g_gam,
                            g_gd); /* dx_dot aliases dy_dot */
    host_from(gpu, got, g_dyd, n);
    expect_close("inorm dx_dot (in place)", got, dxd, n, TOL_NORM);
    host_from(gpu, got, g_dgd, C);
    expect_close("inorm dgamma_dot", got, dgd, C, TOL_NORM);
    host_from(gpu, got, g_dbd, C);
    expect_close("inorm dbeta_dot", got, dbd, C, TOL_NORM);
    /* absent tangents (NULL = zero) and unwanted outputs */
    cpu->ops->inorm_jvp(cpu, &s, yd, xhd, rsd, NULL, xh, rs, gam, NULL, NULL);
    gpu->ops->inorm_jvp(gpu, &s, g_dx, g_xhd, g_rsd, NULL, g_xh, g_rs, g_gam, NULL, NULL);
    host_from(gpu, got, g_dx, n);
    expect_close("inorm ydot, zero tangents", got, yd, n, TOL_NORM);
    cpu->ops->inorm_jvp_vjp(cpu, &s, dxd, NULL, NULL, dy, NULL, xh, xhd, rs, rsd, gam, NULL);
    gpu->ops->inorm_jvp_vjp(gpu, &s, g_dx, NULL, NULL, g_dy, NULL, g_xh, g_xhd, g_rs, g_rsd, g_gam, NULL);
    host_from(gpu, got, g_dx, n);
    expect_close("inorm dx_dot, no dy_dot", got, dxd, n, TOL_NORM);
    cz_real *ptrs[] = {g_y, g_xh, g_rs, g_gam, g_bet, g_xd, g_gd, g_bd, g_dy, g_dyd, g_dx, g_dgam, g_dbet,
                       g_xhd, g_rsd, g_dgd, g_dbd};
    for (size_t i = 0; i < sizeof ptrs / sizeof ptrs[0]; i++)
        dev_free(gpu, ptrs[i]);
    cz_real *hp[] = {x, gam, bet, xd, gd, bd, dy, dyd, y, xh, rs, dx, dgam, dbet, yd, xhd, rsd, dxd, dgd,
                     dbd, got};
    for (size_t i = 0; i < sizeof hp / sizeof hp[0]; i++)
        free(hp[i]);
}

static void check_xent(int weighted)
{
    cz_backend *gpu = cuda_or_skip(), *cpu = cz_backend_cpu();
    enum { B = 300, C = 7 }; /* more rows than threads of the one-block sums */
    cz_real *z = host_alloc(B * C), *zd = host_alloc(B * C), *w = host_alloc(C);
    int32_t y[B];
    fill_uniform(z, B * C, 31, -4, 4);
    fill_uniform(zd, B * C, 32, -1, 1);
    fill_uniform(w, C, 33, 0.2, 3);
    for (int i = 0; i < B; i++)
        y[i] = (i * 5 + 1) % C;
    cz_real *p = host_alloc(B * C), *d = host_alloc(B * C), *h = host_alloc(B * C), *got = host_alloc(B * C);
    cz_real *gz = dev_copy(gpu, z, B * C), *gzd = dev_copy(gpu, zd, B * C), *gw = dev_copy(gpu, w, C);
    cz_real *gp = dev_zeros(gpu, B * C), *gd = dev_zeros(gpu, B * C), *gh = dev_zeros(gpu, B * C);
    int32_t *gy = dev_copy_labels(gpu, y, B);
    const cz_real *cw = weighted ? w : NULL, *gcw = weighted ? gw : NULL;
    double lc = cpu->ops->xent_fwd(cpu, p, z, y, cw, B, C);
    double lg = gpu->ops->xent_fwd(gpu, gp, gz, gy, gcw, B, C);
    expect_close1(weighted ? "weighted loss" : "loss", lg, lc, 1e-6);
    host_from(gpu, got, gp, B * C);
    expect_close("probs", got, p, B * C, TOL);
    cpu->ops->xent_bwd(cpu, d, p, y, cw, B, C);
    gpu->ops->xent_bwd(gpu, gd, gp, gy, gcw, B, C);
    host_from(gpu, got, gd, B * C);
    expect_close("dlogits", got, d, B * C, TOL);
    cpu->ops->xent_hvp(cpu, h, p, zd, y, cw, B, C);
    gpu->ops->xent_hvp(gpu, gh, gp, gzd, gy, gcw, B, C);
    host_from(gpu, got, gh, B * C);
    expect_close("Hessian product", got, h, B * C, TOL);
    cpu->ops->softmax_rows(cpu, p, z, B, C);
    gpu->ops->softmax_rows(gpu, gp, gz, B, C);
    host_from(gpu, got, gp, B * C);
    expect_close("softmax", got, p, B * C, TOL);
    dev_free(gpu, gz), dev_free(gpu, gzd), dev_free(gpu, gw), dev_free(gpu, gp), dev_free(gpu, gd),
        dev_free(gpu, gh), dev_free(gpu, gy);
    free(z), free(zd), free(w), free(p), free(d), free(h), free(got);
}

Test(cuda_ops, cross_entropy_unweighted)
{
    check_xent(0);
}

Test(cuda_ops, cross_entropy_class_weighted)
{
    check_xent(1);
}
