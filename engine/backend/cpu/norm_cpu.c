/* Instance norm on the host: forward, VJP, tangent forward (JVP) and the
 * tangent of the VJP, per (sample, channel) plane of m = hw values.
 *   xhat = (x - mean) rstd, rstd = 1/sqrt(var + eps), y = gamma xhat + beta
 * Derivations in docs/math.md. Each plane is summed first and written after,
 * so outputs may alias the inputs the headers allow. Sums run in double. */
#include <math.h>

#include "cpu_hot.h"
#include "cpu_internal.h"

CZ_HOT static void cpu_inorm_fwd(cz_backend *be, const cz_norm_shape *s, cz_real *y, cz_real *xhat,
                          cz_real *rstd, const cz_real *x, const cz_real *gamma,
                          const cz_real *beta)
{
    (void)be;
    int64_t m = s->hw;
    for (int64_t p = 0; p < s->batch * s->channels; p++) {
        int64_t c = p % s->channels;
        const cz_real *xp = x + p * m;
        double mean = 0.0, var = 0.0;
        for (int64_t i = 0; i < m; i++)
            mean += xp[i];
        mean /= (double)m;
        for (int64_t i = 0; i < m; i++) {
            double d = xp[i] - mean;
            var += d * d;
        }
        var /= (double)m;
        double r = 1.0 / sqrt(var + s->eps);
        rstd[p] = (cz_real)r;
        cz_real *hp = xhat + p * m, *yp = y + p * m;
        for (int64_t i = 0; i < m; i++) {
            cz_real h = (cz_real)((xp[i] - mean) * r);
            hp[i] = h;
            yp[i] = gamma[c] * h + beta[c];
        }
    }
}

CZ_HOT static void cpu_inorm_vjp(cz_backend *be, const cz_norm_shape *s, cz_real *dx, cz_real *dgamma,
                          cz_real *dbeta, const cz_real *dy, const cz_real *xhat,
                          const cz_real *rstd, const cz_real *gamma)
{
    (void)be;
    int64_t m = s->hw;
    for (int64_t p = 0; p < s->batch * s->channels; p++) {
        int64_t c = p % s->channels;
        const cz_real *dyp = dy + p * m, *hp = xhat + p * m;
        double sum_dy = 0.0, sum_dyh = 0.0;
        for (int64_t i = 0; i < m; i++) {
            sum_dy += dyp[i];
            sum_dyh += (double)dyp[i] * hp[i];
        }
        if (dgamma)
            dgamma[c] += (cz_real)sum_dyh;
        if (dbeta)
            dbeta[c] += (cz_real)sum_dy;
        if (!dx)
            continue;
        /* u = gamma dy: dx = rstd (u - mean(u) - xhat mean(u xhat)) */
        double g = gamma[c], r = rstd[p];
        double mu = g * sum_dy / (double)m, muh = g * sum_dyh / (double)m;
        cz_real *dxp = dx + p * m;
        for (int64_t i = 0; i < m; i++)
            dxp[i] = (cz_real)(r * (g * dyp[i] - mu - hp[i] * muh));
    }
}

CZ_HOT static void cpu_inorm_jvp(cz_backend *be, const cz_norm_shape *s, cz_real *ydot, cz_real *xhat_dot,
                          cz_real *rstd_dot, const cz_real *xdot, const cz_real *xhat,
                          const cz_real *rstd, const cz_real *gamma, const cz_real *gamma_dot,
                          const cz_real *beta_dot)
{
    (void)be;
    int64_t m = s->hw;
    for (int64_t p = 0; p < s->batch * s->channels; p++) {
        int64_t c = p % s->channels;
        const cz_real *hp = xhat + p * m;
        double r = rstd[p], mean_xd = 0.0, mean_hxd = 0.0;
        if (xdot) {
            const cz_real *xdp = xdot + p * m;
            for (int64_t i = 0; i < m; i++) {
                mean_xd += xdp[i];
                mean_hxd += (double)hp[i] * xdp[i];
            }
            mean_xd /= (double)m;
            mean_hxd /= (double)m;
        }
        /* rstd' = -rstd^2 mean(xhat x'); xhat' = rstd (x' - mean(x') - xhat mean(xhat x')) */
        rstd_dot[p] = (cz_real)(-r * r * mean_hxd);
        double g = gamma[c], gd = gamma_dot ? gamma_dot[c] : 0.0, bd = beta_dot ? beta_dot[c] : 0.0;
        cz_real *hdp = xhat_dot + p * m, *ydp = ydot + p * m;
        for (int64_t i = 0; i < m; i++) {
            double xd = xdot ? xdot[p * m + i] : 0.0;
            double hd = r * (xd - mean_xd - hp[i] * mean_hxd);
            hdp[i] = (cz_real)hd;
            ydp[i] = (cz_real)(g * hd + gd * hp[i] + bd);
        }
    }
}

CZ_HOT static void cpu_inorm_jvp_vjp(cz_backend *be, const cz_norm_shape *s, cz_real *dx_dot,
                              cz_real *dgamma_dot, cz_real *dbeta_dot, const cz_real *dy,
                              const cz_real *dy_dot, const cz_real *xhat, const cz_real *xhat_dot,
                              const cz_real *rstd, const cz_real *rstd_dot, const cz_real *gamma,
                              const cz_real *gamma_dot)
{
    (void)be;
    int64_t m = s->hw;
    double inv_m = 1.0 / (double)m;
    for (int64_t p = 0; p < s->batch * s->channels; p++) {
        int64_t c = p % s->channels;
        const cz_real *dyp = dy + p * m, *hp = xhat + p * m, *hdp = xhat_dot + p * m;
        const cz_real *dydp = dy_dot ? dy_dot + p * m : NULL;
        double g = gamma[c], gd = gamma_dot ? gamma_dot[c] : 0.0;
        /* u = g dy, u' = g' dy + g dy' */
        double s_dy = 0, s_dyh = 0, s_dyd = 0, s_dydh = 0, s_dyhd = 0;
        for (int64_t i = 0; i < m; i++) {
            double d = dyp[i], dd = dydp ? dydp[i] : 0.0;
            s_dy += d;
            s_dyh += d * hp[i];
            s_dyd += dd;
            s_dydh += dd * hp[i];
            s_dyhd += d * hdp[i];
        }
        if (dgamma_dot)
            dgamma_dot[c] += (cz_real)(s_dydh + s_dyhd);
        if (dbeta_dot)
            dbeta_dot[c] += (cz_real)s_dyd;
        if (!dx_dot)
            continue;
        double r = rstd[p], rd = rstd_dot[p];
        double mu = g * s_dy * inv_m, muh = g * s_dyh * inv_m;        /* mean(u), mean(u xhat) */
        double mud = (gd * s_dy + g * s_dyd) * inv_m;                 /* mean(u') */
        double muhd = (gd * s_dyh + g * s_dydh) * inv_m;              /* mean(u' xhat) */
        double muhd2 = g * s_dyhd * inv_m;                            /* mean(u xhat') */
        cz_real *out = dx_dot + p * m;
        for (int64_t i = 0; i < m; i++) {
            double d = dyp[i], dd = dydp ? dydp[i] : 0.0;
            double u = g * d, ud = gd * d + g * dd;
            double core = u - mu - hp[i] * muh;
            double core_dot = ud - mud - hdp[i] * muh - hp[i] * (muhd + muhd2);
            out[i] = (cz_real)(rd * core + r * core_dot);
        }
    }
}

CZ_HOT_TABLE_BEGIN
void cpu_register_norm(cz_backend_ops *ops)
{
    ops->inorm_fwd = cpu_inorm_fwd;
    ops->inorm_vjp = cpu_inorm_vjp;
    ops->inorm_jvp = cpu_inorm_jvp;
    ops->inorm_jvp_vjp = cpu_inorm_jvp_vjp;
}
CZ_HOT_TABLE_END
