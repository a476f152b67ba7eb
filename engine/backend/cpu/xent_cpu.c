/* Softmax cross-entropy on the host: the loss, its gradient in the logits and
 * the product of its Hessian diag(p) - p p^T with a tangent. Class weights
 * follow PyTorch's weighted mean: sum_i w[y_i] l_i / sum_i w[y_i]. */
#include <math.h>

#include "cpu_internal.h"

/* Total weight of the batch: the denominator of the weighted mean. */
static double batch_weight(const int32_t *labels, const cz_real *class_w, int64_t batch)
{
    if (!class_w)
        return (double)batch;
    double s = 0.0;
    for (int64_t i = 0; i < batch; i++)
        s += class_w[labels[i]];
    return s;
}

static double cpu_xent_fwd(cz_backend *be, cz_real *probs, const cz_real *logits,
                           const int32_t *labels, const cz_real *class_w, int64_t batch,
                           int64_t classes)
{
    (void)be;
    double total = 0.0;
    for (int64_t i = 0; i < batch; i++) {
        const cz_real *z = logits + i * classes;
        cz_real *p = probs + i * classes;
        double zmax = z[0];
        for (int64_t c = 1; c < classes; c++)
            zmax = z[c] > zmax ? z[c] : zmax;
        double sum = 0.0;
        for (int64_t c = 0; c < classes; c++)
            sum += exp((double)z[c] - zmax);
        double log_sum = log(sum);
        for (int64_t c = 0; c < classes; c++)
            p[c] = (cz_real)exp((double)z[c] - zmax - log_sum);
        double nll = -((double)z[labels[i]] - zmax - log_sum);
        total += (class_w ? class_w[labels[i]] : 1.0) * nll;
    }
    double wsum = batch_weight(labels, class_w, batch);
    return wsum > 0 ? total / wsum : 0.0;
}

static void cpu_xent_bwd(cz_backend *be, cz_real *dlogits, const cz_real *probs,
                         const int32_t *labels, const cz_real *class_w, int64_t batch,
                         int64_t classes)
{
    (void)be;
    double wsum = batch_weight(labels, class_w, batch);
    for (int64_t i = 0; i < batch; i++) {
        double scale = wsum > 0 ? (class_w ? class_w[labels[i]] : 1.0) / wsum : 0.0;
        const cz_real *p = probs + i * classes;
        cz_real *d = dlogits + i * classes;
        for (int64_t c = 0; c < classes; c++)
            d[c] = (cz_real)(scale * ((double)p[c] - (c == labels[i] ? 1.0 : 0.0)));
    }
}

static void cpu_xent_hvp(cz_backend *be, cz_real *dlogits_dot, const cz_real *probs,
                         const cz_real *logits_dot, const int32_t *labels, const cz_real *class_w,
                         int64_t batch, int64_t classes)
{
    (void)be;
    double wsum = batch_weight(labels, class_w, batch);
    for (int64_t i = 0; i < batch; i++) {
        double scale = wsum > 0 ? (class_w ? class_w[labels[i]] : 1.0) / wsum : 0.0;
        const cz_real *p = probs + i * classes;
        const cz_real *zd = logits_dot + i * classes;
        cz_real *out = dlogits_dot + i * classes;
        double pz = 0.0;
        for (int64_t c = 0; c < classes; c++)
            pz += (double)p[c] * zd[c];
        for (int64_t c = 0; c < classes; c++)
            out[c] = (cz_real)(scale * p[c] * ((double)zd[c] - pz));
    }
}

void cpu_register_xent(cz_backend_ops *ops)
{
    ops->xent_fwd = cpu_xent_fwd;
    ops->xent_bwd = cpu_xent_bwd;
    ops->xent_hvp = cpu_xent_hvp;
}
