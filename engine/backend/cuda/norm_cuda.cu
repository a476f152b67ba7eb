/* Instance norm on the device: forward, VJP, tangent forward (JVP) and the
 * tangent of the VJP, the formulas of the CPU backend (norm_cpu.c; derivations
 * in docs/math.md). One block per (sample, channel) plane: its sums run in
 * double through the fixed tree of reduce.cuh, then each thread writes the
 * elements it read, so outputs may alias inputs as backend_impl.h allows.
 * Parameter gradients are sums over the batch: each plane leaves its sums in
 * scratch and one thread per channel adds them in sample order, as the CPU
 * does, instead of atomics. */
#include <math.h>

#include "reduce.cuh"

__global__ void inorm_fwd_kernel(cz_norm_shape s, float *y, float *xhat, float *rstd, const float *x,
                                 const float *gamma, const float *beta)
{
    const int64_t p = blockIdx.x, m = s.hw, c = p % s.channels;
    const float *xp = x + p * m;
    double v[1] = {0.0};
    for (int64_t i = threadIdx.x; i < m; i += blockDim.x)
        v[0] += xp[i];
    block_sum<1>(v);
    const double mean = v[0] / (double)m;
    v[0] = 0.0;
    for (int64_t i = threadIdx.x; i < m; i += blockDim.x) {
        double d = xp[i] - mean;
        v[0] += d * d;
    }
    block_sum<1>(v);
    const double r = 1.0 / sqrt(v[0] / (double)m + s.eps);
    if (threadIdx.x == 0)
        rstd[p] = (float)r;
    float *hp = xhat + p * m, *yp = y + p * m;
    for (int64_t i = threadIdx.x; i < m; i += blockDim.x) {
        float h = (float)((xp[i] - mean) * r);
        hp[i] = h;
        yp[i] = gamma[c] * h + beta[c];
    }
}

/* dgamma[c] += sum_b sums[b, c, 1], dbeta[c] += sum_b sums[b, c, 0] (either may be NULL). */
__global__ void channel_sums_kernel(float *dgamma, float *dbeta, const double *sums, int64_t batch,
                                    int64_t channels)
{
    const int64_t step = (int64_t)gridDim.x * blockDim.x;
    for (int64_t c = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; c < channels; c += step)
        for (int64_t b = 0; b < batch; b++) {
            const double *sp = sums + 2 * (b * channels + c);
            if (dbeta)
                dbeta[c] += (float)sp[0];
            if (dgamma)
                dgamma[c] += (float)sp[1];
        }
}

__global__ void inorm_vjp_kernel(cz_norm_shape s, float *dx, double *sums, const float *dy,
                                 const float *xhat, const float *rstd, const float *gamma)
{
    const int64_t p = blockIdx.x, m = s.hw, c = p % s.channels;
    const float *dyp = dy + p * m, *hp = xhat + p * m;
    double v[2] = {0.0, 0.0}; /* sum dy, sum dy xhat */
    for (int64_t i = threadIdx.x; i < m; i += blockDim.x) {
        v[0] += dyp[i];
        v[1] += (double)dyp[i] * hp[i];
    }
    block_sum<2>(v);
    if (sums && threadIdx.x == 0) {
        sums[2 * p] = v[0];
        sums[2 * p + 1] = v[1];
    }
    if (!dx)
        return;
    /* u = gamma dy: dx = rstd (u - mean(u) - xhat mean(u xhat)) */
    const double g = gamma[c], r = rstd[p];
    const double mu = g * v[0] / (double)m, muh = g * v[1] / (double)m;
    float *dxp = dx + p * m;
    for (int64_t i = threadIdx.x; i < m; i += blockDim.x)
        dxp[i] = (float)(r * (g * dyp[i] - mu - hp[i] * muh));
}

__global__ void inorm_jvp_kernel(cz_norm_shape s, float *ydot, float *xhat_dot, float *rstd_dot,
                                 const float *xdot, const float *xhat, const float *rstd,
                                 const float *gamma, const float *gamma_dot, const float *beta_dot)
{
    const int64_t p = blockIdx.x, m = s.hw, c = p % s.channels;
    const float *hp = xhat + p * m;
    const double r = rstd[p];
    double v[2] = {0.0, 0.0}; /* mean x', mean xhat x' */
    if (xdot) {
        const float *xdp = xdot + p * m;
        for (int64_t i = threadIdx.x; i < m; i += blockDim.x) {
            v[0] += xdp[i];
            v[1] += (double)hp[i] * xdp[i];
        }
        block_sum<2>(v);
        v[0] /= (double)m;
        v[1] /= (double)m;
    }
    /* rstd' = -rstd^2 mean(xhat x'); xhat' = rstd (x' - mean(x') - xhat mean(xhat x')) */
    if (threadIdx.x == 0)
        rstd_dot[p] = (float)(-r * r * v[1]);
    const double g = gamma[c], gd = gamma_dot ? gamma_dot[c] : 0.0, bd = beta_dot ? beta_dot[c] : 0.0;
    float *hdp = xhat_dot + p * m, *ydp = ydot + p * m;
    for (int64_t i = threadIdx.x; i < m; i += blockDim.x) {
        double xd = xdot ? xdot[p * m + i] : 0.0;
        double hd = r * (xd - v[0] - hp[i] * v[1]);
        hdp[i] = (float)hd;
        ydp[i] = (float)(g * hd + gd * hp[i] + bd);
    }
}

__global__ void inorm_jvp_vjp_kernel(cz_norm_shape s, float *dx_dot, double *sums, const float *dy,
                                     const float *dy_dot, const float *xhat, const float *xhat_dot,
                                     const float *rstd, const float *rstd_dot, const float *gamma,
                                     const float *gamma_dot)
{
    const int64_t p = blockIdx.x, m = s.hw, c = p % s.channels;
    const double inv_m = 1.0 / (double)m;
    const float *dyp = dy + p * m, *hp = xhat + p * m, *hdp = xhat_dot + p * m;
    const float *dydp = dy_dot ? dy_dot + p * m : NULL;
    const double g = gamma[c], gd = gamma_dot ? gamma_dot[c] : 0.0;
    /* sums of dy, dy xhat, dy', dy' xhat, dy xhat' */
    double v[5] = {0.0, 0.0, 0.0, 0.0, 0.0};
    for (int64_t i = threadIdx.x; i < m; i += blockDim.x) {
        double d = dyp[i], dd = dydp ? dydp[i] : 0.0;
        v[0] += d;
        v[1] += d * hp[i];
        v[2] += dd;
        v[3] += dd * hp[i];
        v[4] += d * hdp[i];
    }
    block_sum<5>(v);
    if (sums && threadIdx.x == 0) {
        sums[2 * p] = v[2];            /* dbeta' */
        sums[2 * p + 1] = v[3] + v[4]; /* dgamma' */
    }
    if (!dx_dot)
        return;
    const double r = rstd[p], rd = rstd_dot[p];
    const double mu = g * v[0] * inv_m, muh = g * v[1] * inv_m;   /* mean(u), mean(u xhat) */
    const double mud = (gd * v[0] + g * v[2]) * inv_m;            /* mean(u') */
    const double muhd = (gd * v[1] + g * v[3]) * inv_m;           /* mean(u' xhat) */
    const double muhd2 = g * v[4] * inv_m;                        /* mean(u xhat') */
    float *out = dx_dot + p * m;
    for (int64_t i = threadIdx.x; i < m; i += blockDim.x) {
        double d = dyp[i], dd = dydp ? dydp[i] : 0.0;
        double u = g * d, ud = gd * d + g * dd;
        double core = u - mu - hp[i] * muh;
        double core_dot = ud - mud - hdp[i] * muh - hp[i] * (muhd + muhd2);
        out[i] = (float)(rd * core + r * core_dot);
    }
}

static unsigned planes_of(const cz_norm_shape *s)
{
    return (unsigned)(s->batch * s->channels);
}

/* Adds the planes' sums into the parameter gradients (those not NULL). */
static void add_channel_sums(cuda_ctx *c, const cz_norm_shape *s, float *dgamma, float *dbeta,
                             const double *sums)
{
    channel_sums_kernel<<<cuda_blocks(s->channels), CUDA_THREADS, 0, c->stream>>>(
        dgamma, dbeta, sums, s->batch, s->channels);
    CUDA_LAUNCHED(c, "instance norm parameter-gradient kernel");
}

static void cuda_inorm_fwd(cz_backend *be, const cz_norm_shape *s, cz_real *y, cz_real *xhat,
                           cz_real *rstd, const cz_real *x, const cz_real *gamma, const cz_real *beta)
{
    cuda_ctx *c = ctx_of(be);
    cuda_guard g(c);
    if (planes_of(s) == 0 || s->hw <= 0)
        return;
    inorm_fwd_kernel<<<planes_of(s), CUDA_THREADS, 0, c->stream>>>(*s, y, xhat, rstd, x, gamma, beta);
    CUDA_LAUNCHED(c, "instance norm forward kernel");
}

static void cuda_inorm_vjp(cz_backend *be, const cz_norm_shape *s, cz_real *dx, cz_real *dgamma,
                           cz_real *dbeta, const cz_real *dy, const cz_real *xhat, const cz_real *rstd,
                           const cz_real *gamma)
{
    cuda_ctx *c = ctx_of(be);
    cuda_guard g(c);
    if (planes_of(s) == 0 || s->hw <= 0 || (!dx && !dgamma && !dbeta))
        return;
    double *sums = NULL;
    if (dgamma || dbeta) {
        sums = (double *)cuda_scratch(c, CUDA_SCRATCH_PLANE, 2 * (size_t)planes_of(s) * sizeof(double));
        if (!sums)
            return;
    }
    inorm_vjp_kernel<<<planes_of(s), CUDA_THREADS, 0, c->stream>>>(*s, dx, sums, dy, xhat, rstd, gamma);
    if (CUDA_LAUNCHED(c, "instance norm VJP kernel") && sums)
        add_channel_sums(c, s, dgamma, dbeta, sums);
}

static void cuda_inorm_jvp(cz_backend *be, const cz_norm_shape *s, cz_real *ydot, cz_real *xhat_dot,
                           cz_real *rstd_dot, const cz_real *xdot, const cz_real *xhat,
                           const cz_real *rstd, const cz_real *gamma, const cz_real *gamma_dot,
                           const cz_real *beta_dot)
{
    cuda_ctx *c = ctx_of(be);
    cuda_guard g(c);
    if (planes_of(s) == 0 || s->hw <= 0)
        return;
    inorm_jvp_kernel<<<planes_of(s), CUDA_THREADS, 0, c->stream>>>(*s, ydot, xhat_dot, rstd_dot, xdot,
                                                                   xhat, rstd, gamma, gamma_dot,
                                                                   beta_dot);
    CUDA_LAUNCHED(c, "instance norm JVP kernel");
}

static void cuda_inorm_jvp_vjp(cz_backend *be, const cz_norm_shape *s, cz_real *dx_dot,
                               cz_real *dgamma_dot, cz_real *dbeta_dot, const cz_real *dy,
                               const cz_real *dy_dot, const cz_real *xhat, const cz_real *xhat_dot,
                               const cz_real *rstd, const cz_real *rstd_dot, const cz_real *gamma,
                               const cz_real *gamma_dot)
{
    cuda_ctx *c = ctx_of(be);
    cuda_guard g(c);
    if (planes_of(s) == 0 || s->hw <= 0 || (!dx_dot && !dgamma_dot && !dbeta_dot))
        return;
    double *sums = NULL;
    if (dgamma_dot || dbeta_dot) {
        sums = (double *)cuda_scratch(c, CUDA_SCRATCH_PLANE, 2 * (size_t)planes_of(s) * sizeof(double));
        if (!sums)
            return;
    }
    inorm_jvp_vjp_kernel<<<planes_of(s), CUDA_THREADS, 0, c->stream>>>(
        *s, dx_dot, sums, dy, dy_dot, xhat, xhat_dot, rstd, rstd_dot, gamma, gamma_dot);
    if (CUDA_LAUNCHED(c, "instance norm tangent-VJP kernel") && sums)
        add_channel_sums(c, s, dgamma_dot, dbeta_dot, sums);
}

void cuda_register_norm(cz_backend_ops *ops)
{
    ops->inorm_fwd = cuda_inorm_fwd;
    ops->inorm_vjp = cuda_inorm_vjp;
    ops->inorm_jvp = cuda_inorm_jvp;
    ops->inorm_jvp_vjp = cuda_inorm_jvp_vjp;
}
