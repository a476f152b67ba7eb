/* One epoch of minibatch SGD (PyTorch's torch.optim.SGD: weight decay added
 * to the gradient, momentum buffer v = mom v + g, dampening 0, no Nesterov)
 * over a shuffled order, and the step schedule of the evaluation protocol.
 * Minibatches are consecutive chunks of one permutation; the last may be
 * shorter (DataLoader's drop_last = False). On a device backend the labels
 * are copied to the host once per epoch, each minibatch's are picked there and
 * uploaded. */
#include <math.h>

#include "../core/alloc.h"
#include "../nn/model_internal.h"
#include "train.h"

double cz_step_schedule(double base, int epoch, int epochs)
{
    return epoch >= epochs / 2 ? base * 0.1 : base;
}

static cz_status check_opts(const cz_sgd *o, size_t n, cz_error *err)
{
    if (!o)
        return cz_error_set(err, CZ_EINVAL, "pass SGD options", "cz_train_epoch: opt is NULL");
    if (!(o->lr > 0) || !isfinite(o->lr))
        return cz_error_set(err, CZ_EINVAL, "use a positive learning rate such as 0.01",
                            "learning rate %g is not positive", o->lr);
    if (!(o->momentum >= 0 && o->momentum < 1))
        return cz_error_set(err, CZ_EINVAL, "momentum is in [0, 1), e.g. 0.9",
                            "momentum %g is out of range", o->momentum);
    if (!(o->weight_decay >= 0) || !isfinite(o->weight_decay))
        return cz_error_set(err, CZ_EINVAL, "weight decay is >= 0, e.g. 5e-4",
                            "weight decay %g is out of range", o->weight_decay);
    if (o->batch < 0)
        return cz_error_set(err, CZ_EINVAL, "use 0 for the full batch",
                            "batch %d is negative", o->batch);
    if (n == 0)
        return cz_error_set(err, CZ_EINVAL, "train on at least one row", "no training rows");
    return CZ_OK;
}

cz_status cz_train_epoch(cz_model *m, cz_real *theta, cz_real *velocity, const cz_real *x,
                         const int32_t *y, size_t n, const cz_sgd *opt, cz_rng *rng,
                         double *mean_loss, cz_error *err)
{
    cz_status st = check_opts(opt, n, err);
    if (st != CZ_OK)
        return st;
    if (!m || !theta || !x || !y || !rng || (opt->momentum > 0 && !velocity))
        return cz_error_set(err, CZ_EINVAL, "pass the model, theta, x, y, an rng and (with momentum) "
                            "a velocity buffer", "cz_train_epoch: NULL argument");
    cz_backend *be = cz_model_backend(m);
    if (opt->augment && !cz_backend_is_host(be))
        return cz_error_set(err, CZ_EUNSUPPORTED, "use the cpu backend, or no augmentation",
                            "augmentation runs on host memory; backend \"%s\" keeps the data on "
                            "the GPU", cz_backend_name(be));
    size_t P = cz_model_param_count(m), in = cz_model_input_size(m);
    size_t b = opt->batch == 0 || (size_t)opt->batch >= n ? n : (size_t)opt->batch;
    int64_t *perm = cz_alloc(n * sizeof *perm);
    cz_real *grad = be->ops->alloc(be, P * sizeof(cz_real));
    cz_real *xb = b < n ? be->ops->alloc(be, b * in * sizeof(cz_real)) : NULL;
    int host = cz_backend_is_host(be);
    int32_t *yb = b < n ? cz_alloc(b * sizeof *yb) : NULL;               /* host */
    int32_t *y_host = b < n && !host ? cz_alloc(n * sizeof *y_host) : NULL;
    int32_t *yb_dev = b < n && !host ? be->ops->alloc(be, b * sizeof *yb_dev) : NULL;
    cz_real *xa = opt->augment ? cz_alloc(b * in * sizeof *xa) : NULL; /* host (checked above) */
    if (!perm || !grad || (b < n && (!xb || !yb)) || (b < n && !host && (!y_host || !yb_dev)) ||
        (opt->augment && !xa)) {
        st = cz_error_set(err, CZ_ENOMEM, "use a smaller batch", "out of memory for a training epoch");
        goto done;
    }
    cz_rng_permutation(rng, perm, (int64_t)n);
    if (y_host)
        be->ops->download(be, y_host, y, n * sizeof *y);
    double total = 0.0;
    size_t batches = 0;
    for (size_t start = 0; start < n; start += b) {
        size_t rows = n - start < b ? n - start : b;
        const cz_real *xs = x;
        const int32_t *ys = y;
        if (b < n) {
            be->ops->gather_rows(be, xb, x, perm + start, (int64_t)rows, (int64_t)in);
            const int32_t *ysrc = host ? y : y_host;
            for (size_t i = 0; i < rows; i++)
                yb[i] = ysrc[perm[start + i]];
            if (!host)
                be->ops->upload(be, yb_dev, yb, rows * sizeof *yb);
            xs = xb;
            ys = host ? yb : yb_dev;
        }
        if (opt->augment) {
            const cz_augment *a = opt->augment;
            st = a->forward(a->user, cz_rng_u64(rng), xs, rows, xa, err);
            if (st != CZ_OK)
                goto done;
            xs = xa;
        }
        cz_real loss = 0;
        st = cz_model_loss_grad(m, theta, xs, ys, rows, opt->class_weight, &loss, grad, NULL, err);
        if (st != CZ_OK)
            goto done;
        if (!isfinite(loss)) {
            if ((st = cz_backend_sync(be, err)) != CZ_OK) /* a GPU failure, said as such */
                goto done;
            st = cz_error_set(err, CZ_ENUMERIC, "lower the learning rate",
                              "training loss is not finite at batch %zu", batches);
            goto done;
        }
        be->ops->sgd_step(be, (int64_t)P, theta, grad, opt->momentum > 0 ? velocity : NULL,
                          (cz_real)opt->lr, (cz_real)opt->momentum, (cz_real)opt->weight_decay, 0);
        total += loss;
        batches++;
    }
    if ((st = cz_backend_sync(be, err)) != CZ_OK)
        goto done;
    if (mean_loss)
        *mean_loss = total / (double)batches;
done:
    cz_free(perm);
    if (grad)
        be->ops->free(be, grad);
    if (xb)
        be->ops->free(be, xb);
    cz_free(yb);
    cz_free(xa);
    cz_free(y_host);
    if (yb_dev)
        be->ops->free(be, yb_dev);
    return st;
}
