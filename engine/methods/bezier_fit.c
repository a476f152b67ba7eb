/* Fitting the control point of each expert's quadratic Bézier curve: SGD with
 * momentum on E_t loss(theta(t); real minibatch), t ~ U(0, 1), one t per
 * minibatch, end points fixed (BTM's learn_low_loss_bezier_curve). Only first
 * derivatives are needed: d theta(t) / d theta_c = 2 t (1 - t) I. */
#include "bezier.h"

#include <math.h>
#include <string.h>

#include "../core/alloc.h"
#include "../core/rng.h"

cz_status cz_bezier_control_grad(cz_model *m, const cz_real *a, const cz_real *c,
                                 const cz_real *b, double t, const cz_real *x,
                                 const int32_t *y, size_t rows, const cz_real *class_weight,
                                 cz_real *loss, cz_real *grad_c, cz_real *work, cz_error *err)
{
    size_t n = cz_model_param_count(m);
    cz_bezier_point(a, c, b, n, t, work);
    cz_status st = cz_model_loss_grad(m, work, x, y, rows, class_weight, loss, grad_c, NULL, err);
    if (st)
        return st;
    cz_real w = (cz_real)(2.0 * t * (1.0 - t));
    for (size_t i = 0; i < n; i++)
        grad_c[i] *= w;
    return CZ_OK;
}

/* Buffers of one fit, owned together. */
typedef struct fit_work {
    cz_real *point, *grad, *acc, *velocity, *xb;
    int32_t *yb;
    int64_t *perm;
} fit_work;

static void fit_work_free(fit_work *w)
{
    cz_free(w->point);
    cz_free(w->grad);
    cz_free(w->acc);
    cz_free(w->velocity);
    cz_free(w->xb);
    cz_free(w->yb);
    cz_free(w->perm);
}

static int fit_work_alloc(fit_work *w, size_t params, size_t batch, size_t input, size_t rows)
{
    memset(w, 0, sizeof *w);
    w->point = cz_alloc(params * sizeof(cz_real));
    w->grad = cz_alloc(params * sizeof(cz_real));
    w->acc = cz_alloc(params * sizeof(cz_real));
    w->velocity = cz_alloc(params * sizeof(cz_real));
    w->xb = cz_alloc(batch * input * sizeof(cz_real));
    w->yb = cz_alloc(batch * sizeof(int32_t));
    w->perm = cz_alloc(rows * sizeof(int64_t));
    return w->point && w->grad && w->acc && w->velocity && w->xb && w->yb && w->perm;
}

static cz_status check_fit_args(size_t count, size_t rows, const cz_bezier_opts *o,
                                cz_error *err)
{
    if (count == 0)
        return cz_error_set(err, CZ_EINVAL, "train experts first (dc.experts)",
                            "no experts to fit curves to");
    if (rows == 0)
        return cz_error_set(err, CZ_EINVAL, "fit on a non-empty training split",
                            "no real rows to fit the curves on");
    if (o->epochs < 1)
        return cz_error_set(err, CZ_EINVAL, "pass {epochs = n} with n >= 1 (default 50)",
                            "bezier epochs is %d", o->epochs);
    if (!(o->lr > 0) || !isfinite(o->lr))
        return cz_error_set(err, CZ_EINVAL, "pass a positive {lr = ...} (default 0.01)",
                            "bezier lr is %g", o->lr);
    if (!(o->momentum >= 0 && o->momentum < 1))
        return cz_error_set(err, CZ_EINVAL, "pass a momentum in [0, 1) (default 0.9)",
                            "bezier momentum is %g", o->momentum);
    if (o->samples < 1 || o->batch < 0)
        return cz_error_set(err, CZ_EINVAL, "pass samples >= 1 and batch >= 0",
                            "bezier samples is %d, batch %d", o->samples, o->batch);
    return CZ_OK;
}

/* One SGD-with-momentum step on theta_c with the mean of `k` accumulated
 * gradients (PyTorch's rule: v = mu v + g; c -= lr v). Returns |g|. */
static double control_step(cz_real *c, cz_real *v, const cz_real *acc, size_t n, int k,
                           const cz_bezier_opts *o)
{
    double norm2 = 0;
    for (size_t i = 0; i < n; i++) {
        double g = acc[i] / k;
        norm2 += g * g;
        v[i] = (cz_real)(o->momentum * v[i] + g);
        c[i] -= (cz_real)(o->lr * v[i]);
    }
    return sqrt(norm2);
}

/* Fits curve i of s in place (theta_c starts at the midpoint). *last_loss is
 * the mean minibatch loss of its last epoch. */
static cz_status fit_curve(cz_model *m, cz_surrogate *s, size_t i, const cz_real *x,
                           const int32_t *y, size_t rows, const cz_bezier_opts *o, fit_work *w,
                           double *last_loss, cz_error *err)
{
    size_t n = s->params, input = cz_model_input_size(m);
    size_t batch = o->batch <= 0 || (size_t)o->batch >= rows ? rows : (size_t)o->batch;
    const cz_real *a = cz_surrogate_start(s, i), *b = cz_surrogate_end(s, i);
    cz_real *c = cz_surrogate_control(s, i);
    for (size_t p = 0; p < n; p++)
        c[p] = (cz_real)(0.5 * ((double)a[p] + (double)b[p]));
    memset(w->velocity, 0, n * sizeof(cz_real));
    memset(w->acc, 0, n * sizeof(cz_real));

    /* Curve i's own stream: its fit does not depend on the other curves. */
    cz_rng base, rng;
    cz_rng_seed(&base, o->seed);
    rng = cz_rng_fork(&base, (uint64_t)i);

    int pending = 0, converged = 0;
    for (int e = 0; e < o->epochs && !converged; e++) {
        if (cz_cancel_requested(o->cancel))
            return cz_error_set(err, CZ_EINTERRUPTED, "run the cell again to refit",
                                "curve fit interrupted at curve %zu, epoch %d", i, e);
        cz_rng_permutation(&rng, w->perm, (int64_t)rows);
        double sum = 0;
        size_t batches = 0;
        for (size_t at = 0; at < rows && !converged; at += batch) {
            size_t nb = rows - at < batch ? rows - at : batch;
            const cz_real *xb = x;
            const int32_t *yb = y;
            if (nb < rows) { /* the full batch needs no gather: the mean is order-free */
                for (size_t r = 0; r < nb; r++) {
                    size_t src = (size_t)w->perm[at + r];
                    memcpy(w->xb + r * input, x + src * input, input * sizeof(cz_real));
                    w->yb[r] = y[src];
                }
                xb = w->xb;
                yb = w->yb;
            }
            double t = cz_rng_uniform(&rng);
            cz_real loss;
            cz_status st = cz_bezier_control_grad(m, a, c, b, t, xb, yb, nb, o->class_weight,
                                                  &loss, w->grad, w->point, err);
            if (st)
                return st;
            if (!isfinite(loss))
                return cz_error_set(err, CZ_ENUMERIC, "lower the curve fit's lr",
                                    "the loss along curve %zu became %g at epoch %d (t = %.3f)",
                                    i, (double)loss, e, t);
            sum += loss;
            batches++;
            for (size_t p = 0; p < n; p++)
                w->acc[p] += w->grad[p];
            int last_of_epoch = at + nb >= rows;
            if (++pending == o->samples || last_of_epoch) {
                double gnorm = control_step(c, w->velocity, w->acc, n, pending, o);
                memset(w->acc, 0, n * sizeof(cz_real));
                pending = 0;
                converged = gnorm < o->tol;
            }
        }
        *last_loss = sum / (double)batches;
        if (o->progress) {
            cz_progress p = {.phase = "bezier",
                             .step = (int64_t)i * o->epochs + e + 1,
                             .total = (int64_t)s->count * o->epochs,
                             .loss = *last_loss, .lr = o->lr, .metric = NAN};
            if (o->progress(&p, o->progress_user))
                return cz_error_set(err, CZ_EINTERRUPTED, "run the cell again to refit",
                                    "curve fit stopped by the caller at curve %zu, epoch %d", i,
                                    e + 1);
        }
    }
    return CZ_OK;
}

cz_status cz_bezier_fit(cz_model *m, size_t count, const cz_real *const *first,
                        const cz_real *const *last, int expert_epochs, const cz_real *x,
                        const int32_t *y, size_t rows, const cz_bezier_opts *opts,
                        cz_surrogate **out, cz_error *err)
{
    *out = NULL;
    cz_bezier_opts o = opts ? *opts : cz_bezier_opts_default();
    cz_status st = check_fit_args(count, rows, &o, err);
    if (st)
        return st;
    size_t n = cz_model_param_count(m);
    cz_surrogate *s = NULL;
    st = cz_surrogate_new(cz_model_spec_of(m), count, n, expert_epochs, &s, err);
    if (st)
        return st;
    for (size_t i = 0; i < count; i++) {
        memcpy(cz_surrogate_start(s, i), first[i], n * sizeof(cz_real));
        memcpy(cz_surrogate_end(s, i), last[i], n * sizeof(cz_real));
    }
    size_t batch = o.batch <= 0 || (size_t)o.batch >= rows ? rows : (size_t)o.batch;
    fit_work w;
    if (!fit_work_alloc(&w, n, batch, cz_model_input_size(m), rows)) {
        fit_work_free(&w);
        cz_surrogate_free(&s);
        return cz_error_set(err, CZ_ENOMEM, "use a smaller batch or model",
                            "out of memory for the curve fit (%zu parameters, batch %zu)", n,
                            batch);
    }
    double loss_sum = 0;
    for (size_t i = 0; i < count && !st; i++) {
        double curve_loss = NAN;
        st = fit_curve(m, s, i, x, y, rows, &o, &w, &curve_loss, err);
        loss_sum += curve_loss;
    }
    fit_work_free(&w);
    if (st) {
        cz_surrogate_free(&s);
        return st;
    }
    /* Provenance only: callbacks and borrowed pointers do not outlive the call. */
    o.class_weight = NULL;
    o.progress = NULL;
    o.progress_user = NULL;
    o.cancel = NULL;
    s->fit = o;
    s->train_rows = rows;
    s->fit_loss = loss_sum / (double)count;
    *out = s;
    return CZ_OK;
}
