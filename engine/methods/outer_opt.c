/* Outer optimisers on flat vectors (outer_opt.h). */
#include "outer_opt.h"

#include <math.h>

void cz_sgdm_candidate(const cz_real *x, const cz_real *buf, const cz_real *g, size_t n,
                       double lr, double momentum, cz_real *new_x, cz_real *new_buf)
{
    const cz_real mom = (cz_real)momentum, rate = (cz_real)lr;
    for (size_t i = 0; i < n; i++) {
        cz_real b = mom * buf[i] + g[i];
        new_buf[i] = b;
        new_x[i] = x[i] - rate * b;
    }
}

void cz_adam_step(cz_real *x, cz_real *m, cz_real *v, const cz_real *g, size_t n, double lr,
                  double beta1, double beta2, int64_t t)
{
    const double eps = 1e-8;
    const double c1 = 1.0 - pow(beta1, (double)t), c2 = 1.0 - pow(beta2, (double)t);
    for (size_t i = 0; i < n; i++) {
        m[i] = (cz_real)(beta1 * m[i] + (1.0 - beta1) * g[i]);
        v[i] = (cz_real)(beta2 * v[i] + (1.0 - beta2) * (double)g[i] * g[i]);
        double mh = m[i] / c1, vh = v[i] / c2;
        x[i] = (cz_real)(x[i] - lr * mh / (sqrt(vh) + eps));
    }
}
