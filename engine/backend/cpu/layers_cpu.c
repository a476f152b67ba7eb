/* CPU layer kernels that are simple loops: bias, ReLU, 2x2 average pooling.
 * Convolution, instance norm and cross-entropy have files of their own. */
#include "cpu_hot.h"
#include "cpu_internal.h"

CZ_HOT static void cpu_bias_add(cz_backend *be, cz_real *y, const cz_real *b, int64_t rows, int64_t cols,
                         int64_t inner)
{
    (void)be;
    for (int64_t r = 0; r < rows; r++)
        for (int64_t c = 0; c < cols; c++) {
            cz_real *p = y + (r * cols + c) * inner;
            for (int64_t i = 0; i < inner; i++)
                p[i] += b[c];
        }
}

static void cpu_bias_grad(cz_backend *be, cz_real *db, const cz_real *dy, int64_t rows, int64_t cols,
                          int64_t inner)
{
    (void)be;
    for (int64_t c = 0; c < cols; c++) {
        double s = 0.0;
        for (int64_t r = 0; r < rows; r++) {
            const cz_real *p = dy + (r * cols + c) * inner;
            for (int64_t i = 0; i < inner; i++)
                s += p[i];
        }
        db[c] += (cz_real)s;
    }
}

CZ_HOT static void cpu_relu_fwd(cz_backend *be, cz_real *y, const cz_real *x, int64_t n)
{
    (void)be;
    for (int64_t i = 0; i < n; i++)
        y[i] = x[i] > 0 ? x[i] : 0;
}

CZ_HOT static void cpu_relu_mask(cz_backend *be, cz_real *out, const cz_real *in, const cz_real *x, int64_t n)
{
    (void)be;
    for (int64_t i = 0; i < n; i++)
        out[i] = x[i] > 0 ? in[i] : 0;
}

CZ_HOT static void cpu_avgpool2_fwd(cz_backend *be, cz_real *y, const cz_real *x, int64_t planes, int64_t h,
                             int64_t w)
{
    (void)be;
    int64_t ho = h / 2, wo = w / 2;
    for (int64_t p = 0; p < planes; p++) {
        const cz_real *xp = x + p * h * w;
        cz_real *yp = y + p * ho * wo;
        for (int64_t i = 0; i < ho; i++)
            for (int64_t j = 0; j < wo; j++) {
                const cz_real *q = xp + 2 * i * w + 2 * j;
                yp[i * wo + j] = (cz_real)0.25 * (q[0] + q[1] + q[w] + q[w + 1]);
            }
    }
}

CZ_HOT static void cpu_avgpool2_bwd(cz_backend *be, cz_real *dx, const cz_real *dy, int64_t planes, int64_t h,
                             int64_t w)
{
    (void)be;
    int64_t ho = h / 2, wo = w / 2;
    for (int64_t p = 0; p < planes; p++) {
        cz_real *dxp = dx + p * h * w;
        const cz_real *dyp = dy + p * ho * wo;
        if (h % 2 || w % 2) /* the dropped row or column gets no gradient */
            for (int64_t i = 0; i < h * w; i++)
                dxp[i] = 0;
        for (int64_t i = 0; i < ho; i++)
            for (int64_t j = 0; j < wo; j++) {
                cz_real g = (cz_real)0.25 * dyp[i * wo + j];
                cz_real *q = dxp + 2 * i * w + 2 * j;
                q[0] = g;
                q[1] = g;
                q[w] = g;
                q[w + 1] = g;
            }
    }
}

CZ_HOT_TABLE_BEGIN
void cpu_register_layers(cz_backend_ops *ops)
{
    ops->bias_add = cpu_bias_add;
    ops->bias_grad = cpu_bias_grad;
    ops->relu_fwd = cpu_relu_fwd;
    ops->relu_mask = cpu_relu_mask;
    ops->avgpool2_fwd = cpu_avgpool2_fwd;
    ops->avgpool2_bwd = cpu_avgpool2_bwd;
}
CZ_HOT_TABLE_END
