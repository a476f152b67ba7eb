/* The sharpness-aware outer update, exact and approximate; see satm.h. */
#include "satm.h"

#include <math.h>
#include <string.h>

#include "../core/alloc.h"
#include "satm_sweep.h"

struct cz_satm {
    cz_model *model;
    size_t rows, input, params;
    cz_satm_opts opts;
    cz_unroll_opts uopts;
    cz_sweep *sweep;  /* CZ_SAM_APPROX only */
    cz_real *g, *xp, *g_iota, *gp_iota; /* rows x input each */
    cz_real *theta_n, *lam;             /* params each */
};

cz_satm_opts cz_satm_opts_default(void)
{
    cz_satm_opts o = {.mode = CZ_SAM_EXACT, .rho = CZ_SATM_RHO_DEFAULT, .approx_steps = 1};
    return o;
}

void cz_satm_free(cz_satm **sp)
{
    if (!sp || !*sp)
        return;
    cz_satm *s = *sp;
    cz_sweep_free(&s->sweep);
    cz_free(s->g);
    cz_free(s->xp);
    cz_free(s->g_iota);
    cz_free(s->gp_iota);
    cz_free(s->theta_n);
    cz_free(s->lam);
    cz_free(s);
    *sp = NULL;
}

cz_status cz_satm_new(cz_model *m, size_t rows, const cz_unroll_opts *uopts,
                      const cz_satm_opts *sopts, cz_satm **out, cz_error *err)
{
    *out = NULL;
    cz_satm_opts o = sopts ? *sopts : cz_satm_opts_default();
    if (!(o.rho >= 0) || !isfinite(o.rho))
        return cz_error_set(err, CZ_EINVAL, "pass {rho = r} with r >= 0 (default 0.1)",
                            "SATM rho is %g", o.rho);
    if (o.mode != CZ_SAM_EXACT && o.mode != CZ_SAM_APPROX)
        return cz_error_set(err, CZ_EINVAL, "use exact or approx", "unknown SATM mode %d",
                            (int)o.mode);
    if (o.mode == CZ_SAM_APPROX && o.approx_steps < 1)
        return cz_error_set(err, CZ_EINVAL, "pass approx_steps >= 1 (default 1)",
                            "SATM approx_steps is %d", o.approx_steps);
    if (rows == 0)
        return cz_error_set(err, CZ_EINVAL, "distil at least one row per class",
                            "SATM on an empty synthetic set");
    cz_satm *s = cz_calloc(1, sizeof *s);
    if (!s)
        return cz_error_set(err, CZ_ENOMEM, NULL, "out of memory for SATM");
    s->model = m;
    s->rows = rows;
    s->input = cz_model_input_size(m);
    s->params = cz_model_param_count(m);
    s->opts = o;
    s->uopts = *uopts;
    size_t xs = rows * s->input * sizeof(cz_real), ps = s->params * sizeof(cz_real);
    s->g = cz_alloc(xs);
    s->xp = cz_alloc(xs);
    int ok = s->g && s->xp;
    if (ok && o.mode == CZ_SAM_APPROX) {
        s->g_iota = cz_alloc(xs);
        s->gp_iota = cz_alloc(xs);
        s->theta_n = cz_alloc(ps);
        s->lam = cz_alloc(ps);
        ok = s->g_iota && s->gp_iota && s->theta_n && s->lam;
        if (ok) {
            cz_status st = cz_sweep_new(m, rows, uopts, &s->sweep, err);
            if (st) {
                cz_satm_free(&s);
                return st;
            }
        }
    }
    if (!ok) {
        cz_satm_free(&s);
        return cz_error_set(err, CZ_ENOMEM, "use a smaller synthetic set",
                            "out of memory for SATM buffers (%zu rows)", rows);
    }
    *out = s;
    return CZ_OK;
}

static double norm2(const cz_real *v, size_t n)
{
    double sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += (double)v[i] * v[i];
    return sqrt(sum);
}

/* xp = x + rho g / |g|. Returns |eps| (0 when g is zero or not finite, and
 * then xp is not written). */
static double perturb(const cz_satm *s, const cz_real *x, const cz_real *g, double gnorm,
                      cz_real *xp)
{
    if (!(gnorm > 0) || !isfinite(gnorm) || s->opts.rho == 0)
        return 0;
    size_t n = s->rows * s->input;
    double scale = s->opts.rho / gnorm;
    for (size_t i = 0; i < n; i++)
        xp[i] = (cz_real)(x[i] + scale * g[i]);
    return s->opts.rho;
}

static cz_status grad_exact(cz_satm *s, cz_unroll *u, const cz_real *theta0,
                            const cz_real *target, const cz_real *x, const int32_t *y,
                            cz_real lr, cz_rng *rng, cz_real *loss, cz_real *grad_x,
                            cz_real *grad_lr, cz_satm_info *info, cz_error *err)
{
    if (!u)
        return cz_error_set(err, CZ_EINVAL, "pass the run's unroll", "exact SATM needs an unroll");
    cz_rng before = *rng;
    cz_real glr;
    cz_status st = cz_unroll_match_grad(u, theta0, target, x, y, lr, rng, loss, s->g, &glr, err);
    if (st)
        return st;
    info->loss = *loss;
    info->grad_norm = norm2(s->g, s->rows * s->input);
    info->eps_norm = perturb(s, x, s->g, info->grad_norm, s->xp);
    if (info->eps_norm == 0) {
        memcpy(grad_x, s->g, s->rows * s->input * sizeof(cz_real));
        *grad_lr = glr;
        info->loss_perturbed = *loss;
        return CZ_OK;
    }
    /* The same minibatches as the first pass: only X moved. */
    cz_rng again = before;
    cz_real lp;
    st = cz_unroll_match_grad(u, theta0, target, s->xp, y, lr, &again, &lp, grad_x, grad_lr, err);
    if (st) {
        cz_error_prefix(err, "SATM at X + eps (|eps| = %g): ", s->opts.rho);
        return st;
    }
    if (s->opts.lr_at_x)
        *grad_lr = glr;
    *rng = again;
    info->loss_perturbed = lp;
    return CZ_OK;
}

/* L and lam_N = dL/dtheta_N = 2 (theta_N - target) / |theta0 - target|^2. */
static cz_status match_adjoint(const cz_real *theta0, const cz_real *theta_n,
                               const cz_real *target, size_t p, cz_real *lam, cz_real *loss,
                               cz_error *err)
{
    double d = 0, num = 0;
    for (size_t i = 0; i < p; i++) {
        double a = (double)theta0[i] - target[i], b = (double)theta_n[i] - target[i];
        d += a * a;
        num += b * b;
    }
    if (!(d > 0))
        return cz_error_set(err, CZ_ENUMERIC, "pick expert_epochs >= 1 on a trained expert",
                            "the start and the target parameters are equal: nothing to match");
    double l = num / d;
    if (!isfinite(l))
        return cz_error_set(err, CZ_ENUMERIC, "lower lr_img or lr_lr, or the initial lr",
                            "the matching loss is %g: the student diverged", l);
    for (size_t i = 0; i < p; i++)
        lam[i] = (cz_real)(2.0 * ((double)theta_n[i] - target[i]) / d);
    *loss = (cz_real)l;
    return CZ_OK;
}

static cz_status grad_approx(cz_satm *s, const cz_real *theta0, const cz_real *target,
                             const cz_real *x, const int32_t *y, cz_real lr, cz_rng *rng,
                             cz_real *loss, cz_real *grad_x, cz_real *grad_lr,
                             cz_satm_info *info, cz_error *err)
{
    cz_status st = cz_sweep_forward(s->sweep, theta0, x, y, lr, rng, s->theta_n, err);
    if (!st)
        st = match_adjoint(theta0, s->theta_n, target, s->params, s->lam, loss, err);
    if (st)
        return st;
    int n = cz_sweep_steps(s->sweep);
    int k = s->uopts.truncate > 0 && s->uopts.truncate < n ? s->uopts.truncate : n;
    int iota = s->opts.approx_steps < k ? s->opts.approx_steps : k;
    cz_real glr, glr_iota = 0, gplr_iota;
    st = cz_sweep_backward(s->sweep, x, y, s->lam, n - k, s->g, &glr, n - iota, s->g_iota,
                           &glr_iota, err);
    if (st)
        return st;
    size_t xs = s->rows * s->input;
    info->loss = *loss;
    info->loss_perturbed = NAN;
    info->grad_norm = norm2(s->g, xs);
    info->eps_norm = perturb(s, x, s->g, info->grad_norm, s->xp);
    if (info->eps_norm == 0) {
        memcpy(grad_x, s->g, xs * sizeof(cz_real));
        *grad_lr = glr;
        return CZ_OK;
    }
    st = cz_sweep_backward(s->sweep, s->xp, y, s->lam, n - iota, s->gp_iota, &gplr_iota, -1,
                           NULL, NULL, err);
    if (st)
        return st;
    /* G plus the change that the perturbation makes to the last iota steps. */
    for (size_t i = 0; i < xs; i++)
        grad_x[i] = s->g[i] + (s->gp_iota[i] - s->g_iota[i]);
    *grad_lr = s->opts.lr_at_x ? glr : glr + (gplr_iota - glr_iota);
    return CZ_OK;
}

cz_status cz_satm_grad(cz_satm *s, cz_unroll *u, const cz_real *theta0, const cz_real *target,
                       const cz_real *x, const int32_t *y, cz_real lr, cz_rng *rng,
                       cz_real *loss, cz_real *grad_x, cz_real *grad_lr, cz_satm_info *info,
                       cz_error *err)
{
    cz_satm_info scratch;
    if (!info)
        info = &scratch;
    if (s->opts.mode == CZ_SAM_EXACT)
        return grad_exact(s, u, theta0, target, x, y, lr, rng, loss, grad_x, grad_lr, info, err);
    return grad_approx(s, theta0, target, x, y, lr, rng, loss, grad_x, grad_lr, info, err);
}
