/* 2x2 max pooling on the host: the forward records each window's argmax so
 * the VJP and the JVP are exact selections (max pooling is piecewise linear;
 * its second derivative is zero away from ties). */
#include <string.h>

#include "cpu_internal.h"

static void cpu_maxpool2_fwd(cz_backend *be, cz_real *y, cz_real *arg, const cz_real *x,
                             int64_t planes, int64_t h, int64_t w)
{
    (void)be;
    int64_t ho = h / 2, wo = w / 2;
    for (int64_t p = 0; p < planes; p++) {
        const cz_real *xp = x + p * h * w;
        for (int64_t i = 0; i < ho; i++)
            for (int64_t j = 0; j < wo; j++) {
                const cz_real *q = xp + 2 * i * w + 2 * j;
                cz_real v[4] = {q[0], q[1], q[w], q[w + 1]};
                int best = 0;
                for (int k = 1; k < 4; k++)
                    if (v[k] > v[best])
                        best = k;
                int64_t o = (p * ho + i) * wo + j;
                y[o] = v[best];
                arg[o] = (cz_real)best;
            }
    }
}

/* Offset of window element k of output (i, j) in its input plane. */
static int64_t source(int64_t i, int64_t j, int k, int64_t w)
{
    return (2 * i + (k >> 1)) * w + 2 * j + (k & 1);
}

static void cpu_maxpool2_bwd(cz_backend *be, cz_real *dx, const cz_real *dy, const cz_real *arg,
                             int64_t planes, int64_t h, int64_t w)
{
    (void)be;
    int64_t ho = h / 2, wo = w / 2;
    memset(dx, 0, sizeof(cz_real) * (size_t)(planes * h * w));
    for (int64_t p = 0; p < planes; p++)
        for (int64_t i = 0; i < ho; i++)
            for (int64_t j = 0; j < wo; j++) {
                int64_t o = (p * ho + i) * wo + j;
                dx[p * h * w + source(i, j, (int)arg[o], w)] = dy[o];
            }
}

static void cpu_maxpool2_gather(cz_backend *be, cz_real *ydot, const cz_real *xdot,
                                const cz_real *arg, int64_t planes, int64_t h, int64_t w)
{
    (void)be;
    int64_t ho = h / 2, wo = w / 2;
    for (int64_t p = 0; p < planes; p++)
        for (int64_t i = 0; i < ho; i++)
            for (int64_t j = 0; j < wo; j++) {
                int64_t o = (p * ho + i) * wo + j;
                ydot[o] = xdot[p * h * w + source(i, j, (int)arg[o], w)];
            }
}

void cpu_register_maxpool(cz_backend_ops *ops)
{
    ops->maxpool2_fwd = cpu_maxpool2_fwd;
    ops->maxpool2_bwd = cpu_maxpool2_bwd;
    ops->maxpool2_gather = cpu_maxpool2_gather;
}
