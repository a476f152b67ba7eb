#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "backend/backend_impl.h"
#include "cz.h"

Test(backend_cpu, select_by_name)
{
    cz_error err;
    cz_backend *be = cz_backend_select("cpu", &err);
    cr_assert_not_null(be);
    cr_assert_str_eq(cz_backend_name(be), "cpu");
    cr_assert(cz_backend_is_host(be));
    cr_assert(strstr(cz_backend_describe(be), "cpu") != NULL);
    cr_assert_null(cz_backend_select("tpu", &err));
    cr_assert_eq(err.code, CZ_EINVAL);
    cr_assert(strstr(err.hint, "cpu"), "hint lists the known backends: %s", err.hint);
    cr_assert_not_null(cz_backend_select(NULL, &err), "auto always finds a backend");
}

Test(backend_cpu, gemm_all_transposes_match_naive)
{
    cz_backend *be = cz_backend_cpu();
    enum { M = 3, N = 4, K = 5 };
    cz_real a[M * K], b[K * N], at[K * M], bt[N * K];
    for (int i = 0; i < M * K; i++)
        a[i] = (cz_real)(i % 7) - 3;
    for (int i = 0; i < K * N; i++)
        b[i] = (cz_real)(i % 5) * 0.5f - 1;
    for (int i = 0; i < M; i++)
        for (int k = 0; k < K; k++)
            at[k * M + i] = a[i * K + k];
    for (int k = 0; k < K; k++)
        for (int j = 0; j < N; j++)
            bt[j * K + k] = b[k * N + j];
    cz_real want[M * N];
    for (int i = 0; i < M; i++)
        for (int j = 0; j < N; j++) {
            double s = 0;
            for (int k = 0; k < K; k++)
                s += a[i * K + k] * b[k * N + j];
            want[i * N + j] = (cz_real)(2 * s + 1);
        }
    for (int ta = 0; ta < 2; ta++)
        for (int tb = 0; tb < 2; tb++) {
            cz_real c[M * N];
            for (int i = 0; i < M * N; i++)
                c[i] = 1;
            /* c = 2 op(a) op(b) + 1 * c */
            be->ops->gemm(be, ta, tb, M, N, K, 2, ta ? at : a, ta ? M : K, tb ? bt : b, tb ? K : N, 1, c, N);
            for (int i = 0; i < M * N; i++)
                cr_assert_float_eq(c[i], want[i], 1e-5, "ta=%d tb=%d at %d: %g vs %g", ta, tb, i, c[i], want[i]);
        }
}

Test(backend_cpu, vector_ops)
{
    cz_backend *be = cz_backend_cpu();
    cz_real x[4] = {1, 2, 3, 4}, y[4] = {1, 1, 1, 1};
    be->ops->axpy(be, 4, 2, x, y);
    cr_assert_eq(y[3], 9);
    be->ops->axpby(be, 4, 1, x, -1, y); /* y = x - y */
    cr_assert_eq(y[0], -2);
    cr_assert_float_eq(be->ops->dot(be, 4, x, x), 30.0, 1e-12);
    cr_assert_float_eq(be->ops->sumsq(be, 4, x), 30.0, 1e-12);
    cz_real z[4] = {0, 0, 0, 0};
    cr_assert_float_eq(be->ops->sumsq_diff(be, 4, x, z), 30.0, 1e-12);
    be->ops->scale(be, 4, 0.5f, x);
    cr_assert_eq(x[1], 1);
    cr_assert(be->ops->all_finite(be, 4, x));
    x[2] = NAN;
    cr_assert(!be->ops->all_finite(be, 4, x));
}

Test(backend_cpu, gather_and_scatter_rows)
{
    cz_backend *be = cz_backend_cpu();
    cz_real src[6] = {0, 1, 10, 11, 20, 21}, dst[6];
    int64_t idx[3] = {2, 0, 2};
    be->ops->gather_rows(be, dst, src, idx, 3, 2);
    cz_real want[6] = {20, 21, 0, 1, 20, 21};
    cr_assert_arr_eq(dst, want, sizeof want);
    cz_real acc[6] = {0};
    be->ops->scatter_add_rows(be, acc, dst, idx, 3, 2, 1);
    cr_assert_eq(acc[4], 40, "repeated indices add up");
    cr_assert_eq(acc[0], 0 + 1 * 0);
    cr_assert_eq(acc[1], 1);
}

Test(backend_cpu, sgd_momentum_matches_pytorch_formula)
{
    cz_backend *be = cz_backend_cpu();
    cz_real p[1] = {1}, g[1] = {0.5f}, v[1] = {0};
    /* step 1: g' = 0.5 + 0.1*1 = 0.6; v = 0.6; p = 1 - 0.1*0.6 = 0.94 */
    be->ops->sgd_step(be, 1, p, g, v, 0.1f, 0.9f, 0.1f, 0);
    cr_assert_float_eq(p[0], 0.94, 1e-6);
    /* step 2: g' = 0.5 + 0.094 = 0.594; v = 0.54 + 0.594 = 1.134; p = 0.94 - 0.1134 */
    be->ops->sgd_step(be, 1, p, g, v, 0.1f, 0.9f, 0.1f, 0);
    cr_assert_float_eq(p[0], 0.8266, 1e-6);
}

Test(backend_cpu, layer_loops)
{
    cz_backend *be = cz_backend_cpu();
    cz_real y[2 * 2 * 3] = {0}, b[2] = {1, -1}, db[2] = {0};
    be->ops->bias_add(be, y, b, 2, 2, 3);
    cr_assert_eq(y[0], 1);
    cr_assert_eq(y[3], -1);
    cr_assert_eq(y[6], 1);
    be->ops->bias_grad(be, db, y, 2, 2, 3);
    cr_assert_eq(db[0], 6);
    cr_assert_eq(db[1], -6);
    cz_real x[4] = {-1, 2, 0, 3}, r[4], m[4], ones[4] = {1, 1, 1, 1};
    be->ops->relu_fwd(be, r, x, 4);
    be->ops->relu_mask(be, m, ones, x, 4);
    cz_real want_r[4] = {0, 2, 0, 3}, want_m[4] = {0, 1, 0, 1};
    cr_assert_arr_eq(r, want_r, sizeof r);
    cr_assert_arr_eq(m, want_m, sizeof m);
    cz_real img[16], pooled[4], back[16];
    for (int i = 0; i < 16; i++)
        img[i] = (cz_real)i;
    be->ops->avgpool2_fwd(be, pooled, img, 1, 4, 4);
    cr_assert_float_eq(pooled[0], (0 + 1 + 4 + 5) / 4.0, 1e-6);
    cr_assert_float_eq(pooled[3], (10 + 11 + 14 + 15) / 4.0, 1e-6);
    be->ops->avgpool2_bwd(be, back, pooled, 1, 4, 4);
    cr_assert_float_eq(back[5], pooled[0] / 4, 1e-6);
}
