/* The unrolled inner loop theta_{n+1} = theta_n - lr g_n and its exact
 * reverse by the adjoint recursion (DESIGN.md; docs/math.md):
 *   dL/dX_n += -lr (dg_n/dX_n)^T lam_{n+1},  dL/dlr += -<g_n, lam_{n+1}>,
 *   lam_n = lam_{n+1} - lr H_n lam_{n+1},
 * both products from one cz_model_hvp_s at theta_n. Keeps theta_n only for
 * the K differentiated steps (K = truncate, or N) and recomputes each step's
 * activations in the reverse: memory grows by one parameter vector per
 * differentiated step. Minibatches: consecutive chunks of a fresh random
 * permutation of the rows, refilled when used up (MTT's scheme; the last chunk
 * of a permutation may be shorter); the full batch takes the rows in order. */
#include <math.h>
#include <string.h>

#include "../core/alloc.h"
#include "../nn/model_internal.h"
#include "unroll.h"

struct cz_unroll {
    cz_model *m;
    cz_backend *be;
    cz_unroll_opts opts;
    size_t rows, params, in;
    int steps, keep;     /* N, and K = the differentiated (last) steps */
    size_t batch;        /* rows per step; == rows for the full batch */
    int full;            /* full batch: rows in order, no gather */
    size_t bytes;
    /* per differentiated step j (step n = N - K + j) */
    cz_real *thetas;     /* (K + 1) x P: theta_{N-K} .. theta_N */
    int64_t *idx;        /* K x batch row indices */
    size_t *count;       /* K rows used */
    uint64_t *seeds;     /* K augmentation seeds */
    /* minibatch queue */
    int64_t *perm;
    size_t perm_pos;
    /* step buffers */
    cz_real *xb, *xa, *g, *lam, *hv, *dsdx, *gxa;
    int32_t *yb;
    /* what the last forward pass saw */
    const cz_real *x;
    const int32_t *y;
    cz_real lr;
    int ready;
};

static void *take(cz_unroll *u, size_t bytes, int *ok)
{
    void *p = cz_calloc(1, bytes ? bytes : 1);
    if (!p)
        *ok = 0;
    u->bytes += bytes;
    return p;
}

void cz_unroll_free(cz_unroll *u)
{
    if (!u)
        return;
    void *bufs[] = {u->thetas, u->idx,  u->count, u->seeds, u->perm, u->xb, u->xa,
                    u->g,      u->lam,  u->hv,    u->dsdx,  u->gxa,  u->yb};
    for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++)
        cz_free(bufs[i]);
    cz_free(u);
}

cz_status cz_unroll_new(cz_model *m, size_t rows, const cz_unroll_opts *opts, cz_unroll **out,
                        cz_error *err)
{
    *out = NULL;
    if (!m || !opts)
        return cz_error_set(err, CZ_EINVAL, "pass a model and options", "cz_unroll_new: NULL argument");
    if (!cz_backend_is_host(cz_model_backend(m)))
        return cz_error_set(err, CZ_EUNSUPPORTED, "use the cpu backend",
                            "the unrolled loop runs on host memory; backend \"%s\" is not supported",
                            cz_backend_name(cz_model_backend(m)));
    if (rows == 0)
        return cz_error_set(err, CZ_EINVAL, "pass at least one synthetic example per class",
                            "the synthetic set is empty (rows = 0)");
    if (opts->steps < 1)
        return cz_error_set(err, CZ_EINVAL, "syn_steps is the number of unrolled SGD steps (e.g. 20)",
                            "steps = %d; need at least 1", opts->steps);
    if (opts->batch < 0 || opts->truncate < 0)
        return cz_error_set(err, CZ_EINVAL, "use 0 for the defaults (full batch, all steps)",
                            "batch %d or truncate %d is negative", opts->batch, opts->truncate);
    cz_unroll *u = cz_calloc(1, sizeof *u);
    if (!u)
        return cz_error_set(err, CZ_ENOMEM, NULL, "out of memory for an unroll");
    u->m = m;
    u->be = cz_model_backend(m);
    u->opts = *opts;
    u->rows = rows;
    u->params = cz_model_param_count(m);
    u->in = cz_model_input_size(m);
    u->steps = opts->steps;
    u->keep = opts->truncate > 0 && opts->truncate < opts->steps ? opts->truncate : opts->steps;
    u->full = opts->batch == 0 || (size_t)opts->batch >= rows;
    u->batch = u->full ? rows : (size_t)opts->batch;
    size_t P = u->params, K = (size_t)u->keep, B = u->batch, R = sizeof(cz_real);
    int ok = 1;
    u->thetas = take(u, (K + 1) * P * R, &ok);
    u->idx = take(u, K * B * sizeof(int64_t), &ok);
    u->count = take(u, K * sizeof(size_t), &ok);
    u->seeds = take(u, K * sizeof(uint64_t), &ok);
    u->g = take(u, P * R, &ok);
    u->lam = take(u, P * R, &ok);
    u->hv = take(u, P * R, &ok);
    u->dsdx = take(u, B * u->in * R, &ok);
    if (!u->full) {
        u->perm = take(u, rows * sizeof(int64_t), &ok);
        u->xb = take(u, B * u->in * R, &ok);
        u->yb = take(u, B * sizeof(int32_t), &ok);
    }
    if (opts->augment) {
        u->xa = take(u, B * u->in * R, &ok);
        u->gxa = take(u, B * u->in * R, &ok);
    }
    cz_status st = ok ? cz_model_reserve(m, B, 1, err)
                      : cz_error_set(err, CZ_ENOMEM, "use fewer steps, a smaller batch or truncate",
                                     "out of memory for an unroll of %d steps over %zu parameters",
                                     u->steps, P);
    if (st != CZ_OK) {
        cz_unroll_free(u);
        return st;
    }
    *out = u;
    return CZ_OK;
}

size_t cz_unroll_bytes(const cz_unroll *u)
{
    return sizeof *u + u->bytes + cz_model_workspace_bytes(u->m);
}

/* Where theta_n lives: the differentiated steps have their own slots; the
 * earlier ones alternate between slots 1 and 0 so that theta_{N-K} lands in 0. */
static cz_real *theta_at(const cz_unroll *u, int n)
{
    int first = u->steps - u->keep;
    int slot = n >= first ? n - first : ((first - n) & 1);
    return u->thetas + (size_t)slot * u->params;
}

/* The rows of step n: draws the next chunk of the permutation into idx. */
static size_t next_batch(cz_unroll *u, cz_rng *rng, int64_t *idx)
{
    if (u->full)
        return u->rows;
    if (u->perm_pos >= u->rows) {
        cz_rng_permutation(rng, u->perm, (int64_t)u->rows);
        u->perm_pos = 0;
    }
    size_t n = u->rows - u->perm_pos < u->batch ? u->rows - u->perm_pos : u->batch;
    memcpy(idx, u->perm + u->perm_pos, n * sizeof *idx);
    u->perm_pos += n;
    return n;
}

/* Inputs of one step: gathered rows, then augmented. */
static cz_status step_inputs(cz_unroll *u, const int64_t *idx, size_t n, uint64_t seed,
                             const cz_real **xs, const int32_t **ys, cz_error *err)
{
    const cz_real *x = u->x;
    const int32_t *y = u->y;
    if (!u->full) {
        u->be->ops->gather_rows(u->be, u->xb, u->x, idx, (int64_t)n, (int64_t)u->in);
        for (size_t i = 0; i < n; i++)
            u->yb[i] = u->y[idx[i]];
        x = u->xb;
        y = u->yb;
    }
    if (u->opts.augment) {
        const cz_augment *a = u->opts.augment;
        cz_status st = a->forward(a->user, seed, x, n, u->xa, err);
        if (st != CZ_OK)
            return st;
        x = u->xa;
    }
    *xs = x;
    *ys = y;
    return CZ_OK;
}

static cz_status interrupted(cz_error *err, const char *pass, int step)
{
    return cz_error_set(err, CZ_EINTERRUPTED, "run the call again to redo it",
                        "unrolled %s pass interrupted before step %d", pass, step);
}

cz_status cz_unroll_forward(cz_unroll *u, const cz_real *theta0, const cz_real *x,
                            const int32_t *y, cz_real lr, cz_rng *rng, cz_real *theta_final,
                            cz_error *err)
{
    u->ready = 0;
    if (!theta0 || !x || !y || !rng)
        return cz_error_set(err, CZ_EINVAL, "pass theta0, x, y and an rng",
                            "cz_unroll_forward: NULL argument");
    if (!isfinite(lr))
        return cz_error_set(err, CZ_ENUMERIC, "reset the learnable rate", "learning rate is %g",
                            (double)lr);
    cz_backend *be = u->be;
    u->x = x;
    u->y = y;
    u->lr = lr;
    u->perm_pos = u->rows; /* a fresh permutation for every unroll */
    be->ops->copy(be, theta_at(u, 0), theta0, u->params * sizeof(cz_real));
    int first = u->steps - u->keep;
    int64_t *scratch_idx = u->idx; /* early steps reuse slot 0's indices */
    for (int n = 0; n < u->steps; n++) {
        if (cz_cancel_requested(u->opts.cancel))
            return interrupted(err, "forward", n);
        int j = n - first;
        int64_t *idx = j >= 0 ? u->idx + (size_t)j * u->batch : scratch_idx;
        size_t rows = next_batch(u, rng, idx);
        uint64_t seed = u->opts.augment ? cz_rng_u64(rng) : 0;
        if (j >= 0) {
            u->count[j] = rows;
            u->seeds[j] = seed;
        }
        const cz_real *xs;
        const int32_t *ys;
        cz_status st = step_inputs(u, idx, rows, seed, &xs, &ys, err);
        if (st == CZ_OK)
            st = cz_model_loss_grad(u->m, theta_at(u, n), xs, ys, rows, u->opts.class_weight, NULL,
                                    u->g, NULL, err);
        if (st != CZ_OK) {
            cz_error_prefix(err, "unrolled step %d", n);
            return st;
        }
        cz_real *next = theta_at(u, n + 1);
        be->ops->copy(be, next, theta_at(u, n), u->params * sizeof(cz_real));
        be->ops->axpy(be, (int64_t)u->params, -lr, u->g, next);
    }
    if (theta_final)
        be->ops->copy(be, theta_final, theta_at(u, u->steps), u->params * sizeof(cz_real));
    u->ready = 1;
    return CZ_OK;
}

cz_status cz_unroll_backward(cz_unroll *u, const cz_real *lam_final, cz_real *grad_x,
                             cz_real *grad_lr, cz_error *err)
{
    if (!u->ready)
        return cz_error_set(err, CZ_ESTATE, "call cz_unroll_forward first",
                            "no forward pass to differentiate");
    if (!lam_final || !grad_x)
        return cz_error_set(err, CZ_EINVAL, "pass lam_final and grad_x",
                            "cz_unroll_backward: NULL argument");
    cz_backend *be = u->be;
    cz_real lr = u->lr;
    be->ops->copy(be, u->lam, lam_final, u->params * sizeof(cz_real));
    be->ops->fill(be, grad_x, 0, (int64_t)(u->rows * u->in));
    double glr = 0.0;
    int first = u->steps - u->keep;
    for (int j = u->keep - 1; j >= 0; j--) {
        if (cz_cancel_requested(u->opts.cancel))
            return interrupted(err, "reverse", first + j);
        const int64_t *idx = u->idx + (size_t)j * u->batch;
        size_t rows = u->count[j];
        const cz_real *xs;
        const int32_t *ys;
        double s = 0.0;
        cz_status st = step_inputs(u, idx, rows, u->seeds[j], &xs, &ys, err);
        /* lam_{N-K} is not needed: skip H lam at the first differentiated step */
        if (st == CZ_OK)
            st = cz_model_hvp_s(u->m, theta_at(u, first + j), xs, ys, rows, u->opts.class_weight,
                                u->lam, j > 0 ? u->hv : NULL, u->dsdx, NULL, &s, NULL, err);
        const cz_real *gx = u->dsdx;
        if (st == CZ_OK && u->opts.augment) {
            const cz_augment *a = u->opts.augment;
            st = a->backward(a->user, u->seeds[j], u->dsdx, rows, u->gxa, err);
            gx = u->gxa;
        }
        if (st != CZ_OK) {
            cz_error_prefix(err, "reverse of unrolled step %d", first + j);
            return st;
        }
        glr -= s;
        if (u->full)
            be->ops->axpy(be, (int64_t)(rows * u->in), -lr, gx, grad_x);
        else
            be->ops->scatter_add_rows(be, grad_x, gx, idx, (int64_t)rows, (int64_t)u->in, -lr);
        if (j > 0)
            be->ops->axpy(be, (int64_t)u->params, -lr, u->hv, u->lam);
    }
    if (grad_lr)
        *grad_lr = (cz_real)glr;
    return CZ_OK;
}

cz_status cz_unroll_match_grad(cz_unroll *u, const cz_real *theta0, const cz_real *target,
                               const cz_real *x, const int32_t *y, cz_real lr, cz_rng *rng,
                               cz_real *loss, cz_real *grad_x, cz_real *grad_lr, cz_error *err)
{
    if (!target)
        return cz_error_set(err, CZ_EINVAL, "pass the target parameters", "target is NULL");
    cz_status st = cz_unroll_forward(u, theta0, x, y, lr, rng, NULL, err);
    if (st != CZ_OK)
        return st;
    cz_backend *be = u->be;
    int64_t P = (int64_t)u->params;
    double denom = be->ops->sumsq_diff(be, P, theta0, target);
    if (!(denom > 0) || !isfinite(denom))
        return cz_error_set(err, CZ_ENUMERIC, "pick a target epoch after the start epoch",
                            "start and target parameters %s (|theta0 - target|^2 = %g)",
                            denom == 0 ? "are equal" : "are not finite", denom);
    const cz_real *theta_n = theta_at(u, u->steps);
    double num = be->ops->sumsq_diff(be, P, theta_n, target);
    double l = num / denom;
    if (!isfinite(l))
        return cz_error_set(err, CZ_ENUMERIC,
                            "lower the learnable rate (lr_init) or the synthetic data's step (lr_img)",
                            "the matching loss is not finite after %d steps at lr %g", u->steps,
                            (double)lr);
    if (loss)
        *loss = (cz_real)l;
    /* lam_N = dL/dtheta_N = 2 (theta_N - target) / denom, built in hv (free until backward) */
    be->ops->copy(be, u->hv, theta_n, u->params * sizeof(cz_real));
    be->ops->axpy(be, P, -1, target, u->hv);
    be->ops->scale(be, P, (cz_real)(2.0 / denom), u->hv);
    return cz_unroll_backward(u, u->hv, grad_x, grad_lr, err);
}
