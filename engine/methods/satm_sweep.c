/* Recorded unroll with a reverse sweep at any synthetic set; see satm_sweep.h. */
#include "satm_sweep.h"

#include <string.h>

#include "../core/alloc.h"

struct cz_sweep {
    cz_model *model;
    size_t rows, input, params, batch;
    int steps;
    cz_unroll_opts opts;
    cz_real lr;
    cz_real *thetas;      /* (steps + 1) x params */
    int64_t *index;       /* steps x batch: rows of each minibatch */
    size_t *count;        /* steps: rows of each minibatch (the last chunk is shorter) */
    uint64_t *seed;       /* steps: augmentation seeds */
    int64_t *perm;        /* rows: the current permutation */
    cz_real *xb, *xa, *dxa, *dxb, *lam, *hv, *g;
    int32_t *yb;
    int recorded;
};

void cz_sweep_free(cz_sweep **sp)
{
    if (!sp || !*sp)
        return;
    cz_sweep *s = *sp;
    void *bufs[] = {s->thetas, s->index, s->count, s->seed, s->perm, s->xb, s->xa,
                    s->dxa, s->dxb, s->lam, s->hv, s->g, s->yb};
    for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++)
        cz_free(bufs[i]);
    cz_free(s);
    *sp = NULL;
}

int cz_sweep_steps(const cz_sweep *s) { return s->steps; }

cz_status cz_sweep_new(cz_model *m, size_t rows, const cz_unroll_opts *opts, cz_sweep **out,
                       cz_error *err)
{
    *out = NULL;
    if (opts->steps < 1 || rows == 0)
        return cz_error_set(err, CZ_EINVAL, "pass {syn_steps = N} with N >= 1 and a non-empty set",
                            "an unroll needs steps >= 1 and rows >= 1 (got %d steps, %zu rows)",
                            opts->steps, rows);
    cz_sweep *s = cz_calloc(1, sizeof *s);
    if (!s)
        return cz_error_set(err, CZ_ENOMEM, NULL, "out of memory for an unroll");
    s->model = m;
    s->rows = rows;
    s->input = cz_model_input_size(m);
    s->params = cz_model_param_count(m);
    s->steps = opts->steps;
    s->batch = opts->batch <= 0 || (size_t)opts->batch >= rows ? rows : (size_t)opts->batch;
    s->opts = *opts;
    size_t n = (size_t)s->steps, p = s->params, xs = s->batch * s->input;
    s->thetas = cz_alloc((n + 1) * p * sizeof(cz_real));
    s->index = cz_alloc(n * s->batch * sizeof(int64_t));
    s->count = cz_alloc(n * sizeof(size_t));
    s->seed = cz_calloc(n, sizeof(uint64_t));
    s->perm = cz_alloc(rows * sizeof(int64_t));
    s->xb = cz_alloc(xs * sizeof(cz_real));
    s->xa = cz_alloc(xs * sizeof(cz_real));
    s->dxa = cz_alloc(xs * sizeof(cz_real));
    s->dxb = cz_alloc(xs * sizeof(cz_real));
    s->lam = cz_alloc(p * sizeof(cz_real));
    s->hv = cz_alloc(p * sizeof(cz_real));
    s->g = cz_alloc(p * sizeof(cz_real));
    s->yb = cz_alloc(s->batch * sizeof(int32_t));
    if (!s->thetas || !s->index || !s->count || !s->seed || !s->perm || !s->xb || !s->xa ||
        !s->dxa || !s->dxb || !s->lam || !s->hv || !s->g || !s->yb) {
        cz_sweep_free(&s);
        return cz_error_set(err, CZ_ENOMEM, "lower syn_steps or the model size",
                            "out of memory for an unroll of %d steps of %zu parameters",
                            opts->steps, p);
    }
    *out = s;
    return CZ_OK;
}

/* Step k's inputs from x: gathered rows, then augmented with step k's seed.
 * *xk points at what the model sees; *yk at the labels. */
static cz_status step_inputs(cz_sweep *s, int k, const cz_real *x, const int32_t *y,
                             const cz_real **xk, const int32_t **yk, cz_error *err)
{
    size_t n = s->count[k];
    const int64_t *idx = s->index + (size_t)k * s->batch;
    const cz_real *xs = x;
    const int32_t *ys = y;
    if (n < s->rows) {
        for (size_t r = 0; r < n; r++) {
            memcpy(s->xb + r * s->input, x + (size_t)idx[r] * s->input,
                   s->input * sizeof(cz_real));
            s->yb[r] = y[idx[r]];
        }
        xs = s->xb;
        ys = s->yb;
    }
    *yk = ys;
    *xk = xs;
    const cz_augment *aug = s->opts.augment;
    if (aug) {
        cz_status st = aug->forward(aug->user, s->seed[k], xs, n, s->xa, err);
        if (st)
            return st;
        *xk = s->xa;
    }
    return CZ_OK;
}

/* Minibatches as consecutive chunks of a permutation, refilled when used up. */
static void draw_batches(cz_sweep *s, cz_rng *rng)
{
    size_t left = 0, at = 0;
    for (int k = 0; k < s->steps; k++) {
        if (left == 0) {
            cz_rng_permutation(rng, s->perm, (int64_t)s->rows);
            left = s->rows;
            at = 0;
        }
        size_t n = left < s->batch ? left : s->batch;
        memcpy(s->index + (size_t)k * s->batch, s->perm + at, n * sizeof(int64_t));
        s->count[k] = n;
        at += n;
        left -= n;
        if (s->opts.augment)
            s->seed[k] = cz_rng_u64(rng);
    }
}

cz_status cz_sweep_forward(cz_sweep *s, const cz_real *theta0, const cz_real *x,
                           const int32_t *y, cz_real lr, cz_rng *rng, cz_real *theta_final,
                           cz_error *err)
{
    size_t p = s->params;
    s->recorded = 0;
    s->lr = lr;
    draw_batches(s, rng);
    memcpy(s->thetas, theta0, p * sizeof(cz_real));
    for (int k = 0; k < s->steps; k++) {
        if (cz_cancel_requested(s->opts.cancel))
            return cz_error_set(err, CZ_EINTERRUPTED, "run the cell again to continue",
                                "unroll interrupted at step %d of %d", k, s->steps);
        const cz_real *xk;
        const int32_t *yk;
        cz_status st = step_inputs(s, k, x, y, &xk, &yk, err);
        cz_real loss;
        if (!st)
            st = cz_model_loss_grad(s->model, s->thetas + (size_t)k * p, xk, yk, s->count[k],
                                    s->opts.class_weight, &loss, s->g, NULL, err);
        if (st)
            return st;
        const cz_real *now = s->thetas + (size_t)k * p;
        cz_real *next = s->thetas + (size_t)(k + 1) * p;
        for (size_t i = 0; i < p; i++)
            next[i] = now[i] - lr * s->g[i];
    }
    if (theta_final)
        memcpy(theta_final, s->thetas + (size_t)s->steps * p, p * sizeof(cz_real));
    s->recorded = 1;
    return CZ_OK;
}

cz_status cz_sweep_backward(cz_sweep *s, const cz_real *x, const int32_t *y,
                            const cz_real *lam_final, int first_step, cz_real *grad_x,
                            cz_real *grad_lr, int snap_step, cz_real *snap_x, cz_real *snap_lr,
                            cz_error *err)
{
    if (!s->recorded)
        return cz_error_set(err, CZ_ESTATE, "run cz_sweep_forward first",
                            "reverse sweep asked before any forward pass");
    if (first_step < 0 || first_step >= s->steps)
        return cz_error_set(err, CZ_EINVAL, "sweep at least the last step",
                            "first step %d outside 0..%d", first_step, s->steps - 1);
    size_t p = s->params, in = s->input;
    memcpy(s->lam, lam_final, p * sizeof(cz_real));
    memset(grad_x, 0, s->rows * in * sizeof(cz_real));
    double dlr = 0;
    for (int k = s->steps - 1; k >= first_step; k--) {
        if (cz_cancel_requested(s->opts.cancel))
            return cz_error_set(err, CZ_EINTERRUPTED, "run the cell again to continue",
                                "reverse sweep interrupted at step %d", k);
        size_t n = s->count[k];
        const cz_real *xk;
        const int32_t *yk;
        cz_status st = step_inputs(s, k, x, y, &xk, &yk, err);
        if (!st)
            st = cz_model_hvp(s->model, s->thetas + (size_t)k * p, xk, yk, n,
                              s->opts.class_weight, s->lam, s->hv, s->dxa, s->g, err);
        const cz_real *dx = s->dxa;
        if (!st && s->opts.augment) {
            st = s->opts.augment->backward(s->opts.augment->user, s->seed[k], s->dxa, n, s->dxb,
                                           err);
            dx = s->dxb;
        }
        if (st)
            return st;
        double dot = 0;
        for (size_t i = 0; i < p; i++)
            dot += (double)s->g[i] * s->lam[i];
        dlr -= dot;
        const int64_t *idx = s->index + (size_t)k * s->batch;
        for (size_t r = 0; r < n; r++) {
            cz_real *row = grad_x + (n < s->rows ? (size_t)idx[r] : r) * in;
            for (size_t j = 0; j < in; j++)
                row[j] -= s->lr * dx[r * in + j];
        }
        for (size_t i = 0; i < p; i++)
            s->lam[i] -= s->lr * s->hv[i];
        if (k == snap_step) {
            memcpy(snap_x, grad_x, s->rows * in * sizeof(cz_real));
            *snap_lr = (cz_real)dlr;
        }
    }
    *grad_lr = (cz_real)dlr;
    return CZ_OK;
}
