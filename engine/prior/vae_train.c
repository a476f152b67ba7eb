/* Training the prior: a conditional VAE (prior.h for the objective), Adam on
 * the encoder and the generator, minibatches and noise from one seed. */
#include <math.h>
#include <string.h>

#include "../core/alloc.h"
#include "../core/rng.h"
#include "prior_internal.h"

/* logvar is clamped to this range (zero gradient outside) so exp() stays finite. */
#define LOGVAR_MAX 15.0

void prior_adam_step(size_t n, cz_real *p, const cz_real *g, cz_real *m, cz_real *v, double lr,
                     long t)
{
    const double b1 = 0.9, b2 = 0.999, eps = 1e-8;
    double c1 = 1.0 - pow(b1, (double)t), c2 = 1.0 - pow(b2, (double)t);
    for (size_t i = 0; i < n; i++) {
        m[i] = (cz_real)(b1 * m[i] + (1 - b1) * g[i]);
        v[i] = (cz_real)(b2 * v[i] + (1 - b2) * (double)g[i] * g[i]);
        p[i] = (cz_real)(p[i] - lr * (m[i] / c1) / (sqrt(v[i] / c2) + eps));
    }
}

void vae_bufs_free(vae_bufs *b)
{
    void *all[] = {b->order, b->yb, b->xb, b->z, b->eps, b->xg, b->dxg, b->dz, b->dh,
                   b->gg, b->mg, b->vg, b->ge, b->me, b->ve};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        cz_free(all[i]);
}

int vae_bufs_alloc(vae_bufs *b, size_t n, size_t batch, size_t image, size_t latent,
                      size_t pg, size_t pe)
{
    memset(b, 0, sizeof *b);
    b->order = cz_calloc(n, sizeof(int64_t));
    b->yb = cz_calloc(batch, sizeof(int32_t));
    cz_real **r[] = {&b->xb, &b->xg, &b->dxg};
    for (int i = 0; i < 3; i++)
        *r[i] = cz_calloc(batch * image, sizeof(cz_real));
    cz_real **l[] = {&b->z, &b->eps, &b->dz};
    for (int i = 0; i < 3; i++)
        *l[i] = cz_calloc(batch * latent, sizeof(cz_real));
    b->dh = cz_calloc(batch * 2 * latent, sizeof(cz_real));
    cz_real **g[] = {&b->gg, &b->mg, &b->vg};
    for (int i = 0; i < 3; i++)
        *g[i] = cz_calloc(pg, sizeof(cz_real));
    cz_real **e[] = {&b->ge, &b->me, &b->ve};
    for (int i = 0; i < 3; i++)
        *e[i] = cz_calloc(pe, sizeof(cz_real));
    return b->order && b->yb && b->xb && b->xg && b->dxg && b->z && b->eps && b->dz && b->dh &&
           b->gg && b->mg && b->vg && b->ge && b->me && b->ve;
}

static cz_status check_data(const cz_dataset *d, double *lo, double *hi, cz_error *err)
{
    if (!d || !d->is_image)
        return cz_error_set(err, CZ_EINVAL, "load images with dc.load_npz",
                            "the generative prior needs an image dataset");
    const cz_split_data *t = &d->split[CZ_TRAIN];
    if (t->rows == 0 || d->classes < 1)
        return cz_error_set(err, CZ_EINVAL, NULL, "dataset \"%s\" has no training images",
                            d->name);
    *lo = INFINITY, *hi = -INFINITY;
    for (size_t i = 0; i < t->rows * d->features; i++) {
        if (!isfinite(t->x[i]))
            return cz_error_set(err, CZ_ENUMERIC, NULL,
                                "training image %zu of \"%s\" has a non-finite pixel",
                                i / d->features, d->name);
        *lo = t->x[i] < *lo ? t->x[i] : *lo;
        *hi = t->x[i] > *hi ? t->x[i] : *hi;
    }
    if (!(*hi > *lo))
        return cz_error_set(err, CZ_EINVAL, NULL,
                            "the training images of \"%s\" are all one value (%g)", d->name, *lo);
    return CZ_OK;
}

cz_status vae_loss_grad(cz_prior *p, vae_bufs *b, size_t B, cz_rng *rng, double sums[3],
                        cz_error *err)
{
    const cz_prior_opts *o = &p->opts;
    cz_generator *g = p->gen;
    size_t L = (size_t)o->latent, image = cz_generator_image_size(g);
    double a = cz_generator_spec_of(g)->out_scale, sx2 = (o->sigma * a) * (o->sigma * a);
    const int32_t *ylab = o->conditional ? b->yb : NULL;

    cz_status st = prior_encoder_input(p, b->xb, b->yb, B, err);
    if (st != CZ_OK)
        return st;
    const cz_real *h = gen_net_forward(&p->enc, p->theta_e, B);
    for (size_t i = 0; i < B; i++)
        for (size_t j = 0; j < L; j++) {
            double mu = h[i * 2 * L + j], lv = h[i * 2 * L + L + j];
            lv = lv > LOGVAR_MAX ? LOGVAR_MAX : lv < -LOGVAR_MAX ? -LOGVAR_MAX : lv;
            double e = cz_rng_normal(rng);
            b->eps[i * L + j] = (cz_real)e;
            b->z[i * L + j] = (cz_real)(mu + exp(0.5 * lv) * e);
            sums[1] += -0.5 * (1.0 + lv - mu * mu - exp(lv));
        }
    st = cz_generator_forward(g, p->theta_g, b->z, ylab, B, b->xg, err);
    if (st != CZ_OK)
        return st;
    for (size_t i = 0; i < B * image; i++) {
        double r = b->xg[i] - b->xb[i];
        sums[0] += r * r / (2.0 * sx2);
        sums[2] += (r / (2.0 * a)) * (r / (2.0 * a));
        b->dxg[i] = (cz_real)(r / (sx2 * (double)B));
    }
    memset(b->gg, 0, sizeof(cz_real) * cz_generator_param_count(g));
    generator_backward(g, p->theta_g, B, b->dxg, b->dz, b->gg);
    for (size_t i = 0; i < B; i++)
        for (size_t j = 0; j < L; j++) {
            double mu = h[i * 2 * L + j], lv = h[i * 2 * L + L + j];
            double dz = b->dz[i * L + j], kl_w = o->beta / (double)B;
            b->dh[i * 2 * L + j] = (cz_real)(dz + kl_w * mu);
            double dlv = fabs(lv) < LOGVAR_MAX
                             ? dz * b->eps[i * L + j] * 0.5 * exp(0.5 * lv) +
                                   kl_w * 0.5 * (exp(lv) - 1.0)
                             : 0.0;
            b->dh[i * 2 * L + L + j] = (cz_real)dlv;
        }
    memset(b->ge, 0, sizeof(cz_real) * p->enc.params);
    gen_net_vjp(&p->enc, p->theta_e, B, b->dh, b->ge, 0);
    return CZ_OK;
}

static cz_status vae_step(cz_prior *p, vae_bufs *b, size_t B, cz_rng *rng, long t, double sums[3],
                          cz_error *err)
{
    cz_status st = vae_loss_grad(p, b, B, rng, sums, err);
    if (st != CZ_OK)
        return st;
    const cz_prior_opts *o = &p->opts;
    prior_adam_step(cz_generator_param_count(p->gen), p->theta_g, b->gg, b->mg, b->vg, o->lr, t);
    prior_adam_step(p->enc.params, p->theta_e, b->ge, b->me, b->ve, o->lr, t);
    return CZ_OK;
}

cz_status cz_prior_train(const cz_dataset *d, const cz_prior_opts *opts, cz_backend *be,
                         const cz_cancel *cancel, cz_progress_fn progress, void *user,
                         cz_prior **out, cz_error *err)
{
    *out = NULL;
    double lo = 0, hi = 0;
    cz_status st = check_data(d, &lo, &hi, err);
    if (st != CZ_OK)
        return st;
    cz_generator_spec spec = cz_generator_spec_default(d->channels, d->height, d->width,
                                                       opts->conditional ? d->classes : 0);
    spec.latent = opts->latent;
    spec.base = opts->base;
    spec.out_scale = 0.5 * (hi - lo);
    spec.out_shift = 0.5 * (hi + lo);
    cz_prior *p = NULL;
    st = prior_create(opts, &spec, d->classes, be, &p, err);
    if (st != CZ_OK)
        return st;

    const cz_split_data *tr = &d->split[CZ_TRAIN];
    size_t n = tr->rows, image = d->features, L = (size_t)opts->latent;
    size_t batch = (size_t)opts->batch < n ? (size_t)opts->batch : n;
    vae_bufs b;
    if (!vae_bufs_alloc(&b, n, batch, image, L, cz_generator_param_count(p->gen), p->enc.params)) {
        vae_bufs_free(&b);
        cz_prior_free(&p);
        return cz_error_set(err, CZ_ENOMEM, "use a smaller batch",
                            "out of memory for prior training buffers");
    }
    cz_rng rng;
    cz_rng_seed(&rng, opts->seed);
    cz_rng init_g = cz_rng_fork(&rng, 1), init_e = cz_rng_fork(&rng, 2);
    cz_generator_init(p->gen, &init_g, p->theta_g);
    gen_net_init(&p->enc, &init_e, p->theta_e);

    long t = 0;
    for (int epoch = 0; epoch < opts->epochs && st == CZ_OK; epoch++) {
        double sums[3] = {0, 0, 0};
        cz_rng_permutation(&rng, b.order, (int64_t)n);
        for (size_t start = 0; start < n && st == CZ_OK; start += batch) {
            if (cz_cancel_requested(cancel)) {
                st = cz_error_set(err, CZ_EINTERRUPTED, "run the cell again to retrain",
                                  "prior training interrupted in epoch %d", epoch + 1);
                break;
            }
            size_t B = n - start < batch ? n - start : batch;
            for (size_t i = 0; i < B; i++) {
                size_t row = (size_t)b.order[start + i];
                memcpy(b.xb + i * image, tr->x + row * image, sizeof(cz_real) * image);
                b.yb[i] = tr->y[row];
            }
            st = vae_step(p, &b, B, &rng, ++t, sums, err);
        }
        if (st != CZ_OK)
            break;
        p->loss_hist[epoch] = (sums[0] + opts->beta * sums[1]) / (double)n;
        p->rmse_hist[epoch] = sqrt(sums[2] / (double)(n * image));
        p->epochs_done = epoch + 1;
        if (!isfinite(p->loss_hist[epoch]))
            st = cz_error_set(err, CZ_ENUMERIC, "lower lr or raise sigma",
                              "prior training diverged in epoch %d (loss %g)", epoch + 1,
                              p->loss_hist[epoch]);
        cz_progress pr = {.phase = "prior", .step = epoch + 1, .total = opts->epochs,
                          .loss = p->loss_hist[epoch], .lr = opts->lr,
                          .metric = p->rmse_hist[epoch]};
        if (st == CZ_OK && progress && progress(&pr, user))
            st = cz_error_set(err, CZ_EINTERRUPTED, "run the cell again to retrain",
                              "prior training stopped after epoch %d", epoch + 1);
    }
    vae_bufs_free(&b);
    if (st != CZ_OK) {
        cz_prior_free(&p);
        return st;
    }
    *out = p;
    return CZ_OK;
}
