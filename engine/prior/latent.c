/* Latent-parameterised synthetic images (latent.h): render X = G(z), and
 * step z (and optionally G) from dL/dX through G's backward pass. */
#include "latent.h"

#include <math.h>
#include <string.h>

#include "../core/alloc.h"
#include "prior_internal.h"

#define LATENT_TAG "cz-latent-v1"

struct cz_latent {
    cz_latent_opts opts;
    cz_prior *prior;
    size_t rows, L, image, np;
    int32_t *y;
    cz_real *z, *z_buf, *dz;
    cz_real *theta, *theta_buf, *dtheta; /* NULL unless lr_g > 0 */
};

cz_latent_opts cz_latent_opts_default(void)
{
    cz_latent_opts o = {.lr_w = 1.0, .lr_g = 0.0, .momentum = 0.5};
    return o;
}

cz_status cz_latent_new(cz_prior *prior, const int32_t *y, size_t rows, const cz_latent_opts *opts,
                        cz_latent **out, cz_error *err)
{
    *out = NULL;
    if (!(opts->lr_w >= 0) || !(opts->lr_g >= 0) || !(opts->momentum >= 0 && opts->momentum < 1) ||
        !isfinite(opts->lr_w) || !isfinite(opts->lr_g))
        return cz_error_set(err, CZ_EINVAL, "lr_w >= 0, lr_g >= 0, momentum in [0, 1)",
                            "latent options out of range (lr_w %g, lr_g %g, momentum %g)",
                            opts->lr_w, opts->lr_g, opts->momentum);
    if (rows == 0)
        return cz_error_set(err, CZ_EINVAL, "ipc >= 1", "a latent set needs at least one image");
    for (size_t i = 0; i < rows; i++)
        if (y[i] < 0 || y[i] >= prior->classes)
            return cz_error_set(err, CZ_EINVAL, "labels must be classes of the prior's dataset",
                                "label %d of synthetic image %zu outside [0, %d)", y[i], i,
                                prior->classes);
    cz_latent *l = cz_calloc(1, sizeof *l);
    if (!l)
        return cz_error_set(err, CZ_ENOMEM, NULL, "out of memory for a latent set");
    l->opts = *opts;
    l->prior = prior;
    l->rows = rows;
    l->L = (size_t)prior->opts.latent;
    l->image = cz_generator_image_size(prior->gen);
    l->np = cz_generator_param_count(prior->gen);
    l->y = cz_calloc(rows, sizeof(int32_t));
    l->z = cz_calloc(rows * l->L, sizeof(cz_real));
    l->z_buf = cz_calloc(rows * l->L, sizeof(cz_real));
    l->dz = cz_calloc(rows * l->L, sizeof(cz_real));
    int ok = l->y && l->z && l->z_buf && l->dz;
    if (ok && opts->lr_g > 0) {
        l->theta = cz_calloc(l->np, sizeof(cz_real));
        l->theta_buf = cz_calloc(l->np, sizeof(cz_real));
        l->dtheta = cz_calloc(l->np, sizeof(cz_real));
        ok = l->theta && l->theta_buf && l->dtheta;
        if (ok)
            memcpy(l->theta, prior->theta_g, l->np * sizeof(cz_real));
    }
    if (!ok) {
        cz_latent_free(&l);
        return cz_error_set(err, CZ_ENOMEM, NULL, "out of memory for %zu latent codes", rows);
    }
    memcpy(l->y, y, rows * sizeof(int32_t));
    *out = l;
    return CZ_OK;
}

void cz_latent_free(cz_latent **lp)
{
    if (!lp || !*lp)
        return;
    cz_latent *l = *lp;
    void *all[] = {l->y, l->z, l->z_buf, l->dz, l->theta, l->theta_buf, l->dtheta};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        cz_free(all[i]);
    cz_free(l);
    *lp = NULL;
}

cz_status cz_latent_init_encode(cz_latent *l, const cz_real *x, cz_error *err)
{
    return cz_prior_encode(l->prior, x, l->y, l->rows, l->z, err);
}

void cz_latent_init_random(cz_latent *l, cz_rng *rng)
{
    for (size_t i = 0; i < l->rows * l->L; i++)
        l->z[i] = (cz_real)cz_rng_normal(rng);
}

size_t cz_latent_rows(const cz_latent *l) { return l->rows; }
cz_latent_opts cz_latent_opts_of(const cz_latent *l) { return l->opts; }
size_t cz_latent_size(const cz_latent *l) { return l->L; }
const cz_real *cz_latent_codes(const cz_latent *l) { return l->z; }
const int32_t *cz_latent_labels(const cz_latent *l) { return l->y; }

const cz_real *cz_latent_theta(const cz_latent *l)
{
    return l->theta ? l->theta : l->prior->theta_g;
}

static const int32_t *gen_labels(const cz_latent *l)
{
    return l->prior->opts.conditional ? l->y : NULL;
}

cz_status cz_latent_render(cz_latent *l, cz_real *x, cz_error *err)
{
    return cz_generator_forward(l->prior->gen, cz_latent_theta(l), l->z, gen_labels(l), l->rows, x,
                                err);
}

static int all_finite(const cz_real *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(v[i]))
            return 0;
    return 1;
}

/* PyTorch's SGD momentum (dampening 0): buf = m buf + g; p -= lr buf. */
static void sgd_momentum(cz_real *p, cz_real *buf, const cz_real *g, size_t n, double lr, double m)
{
    for (size_t i = 0; i < n; i++) {
        buf[i] = (cz_real)(m * buf[i] + g[i]);
        p[i] = (cz_real)(p[i] - lr * buf[i]);
    }
}

cz_status cz_latent_step(cz_latent *l, const cz_real *grad_x, double *grad_norm, cz_error *err)
{
    if (!all_finite(grad_x, l->rows * l->image))
        return cz_error_set(err, CZ_ENUMERIC, "lower the learning rates",
                            "dL/dX for the latent step is not finite");
    if (l->dtheta)
        memset(l->dtheta, 0, l->np * sizeof(cz_real));
    cz_status st = cz_generator_vjp(l->prior->gen, cz_latent_theta(l), l->z, gen_labels(l),
                                    l->rows, grad_x, l->dz, l->dtheta, err);
    if (st != CZ_OK)
        return st;
    double s = 0;
    for (size_t i = 0; i < l->rows * l->L; i++)
        s += (double)l->dz[i] * l->dz[i];
    if (!isfinite(s) || (l->dtheta && !all_finite(l->dtheta, l->np)))
        return cz_error_set(err, CZ_ENUMERIC, "lower the learning rates",
                            "the latent gradient is not finite");
    if (grad_norm)
        *grad_norm = sqrt(s);
    sgd_momentum(l->z, l->z_buf, l->dz, l->rows * l->L, l->opts.lr_w, l->opts.momentum);
    if (l->theta)
        sgd_momentum(l->theta, l->theta_buf, l->dtheta, l->np, l->opts.lr_g, l->opts.momentum);
    return CZ_OK;
}

cz_status cz_latent_serialize(const cz_latent *l, cz_bytes *out, cz_error *err)
{
    uint8_t digest[32];
    cz_status st = cz_prior_digest(l->prior, digest, err);
    if (st != CZ_OK)
        return st;
    cz_bytes_str(out, LATENT_TAG);
    cz_bytes_put(out, digest, 32);
    cz_bytes_f64(out, l->opts.lr_w);
    cz_bytes_f64(out, l->opts.lr_g);
    cz_bytes_f64(out, l->opts.momentum);
    cz_bytes_u64(out, l->rows);
    cz_bytes_i32s(out, l->y, (int64_t)l->rows);
    cz_bytes_reals(out, l->z, (int64_t)(l->rows * l->L));
    cz_bytes_reals(out, l->z_buf, (int64_t)(l->rows * l->L));
    if (l->theta) {
        cz_bytes_reals(out, l->theta, (int64_t)l->np);
        cz_bytes_reals(out, l->theta_buf, (int64_t)l->np);
    }
    return cz_bytes_status(out, err);
}

cz_status cz_latent_deserialize(cz_reader *r, cz_prior *prior, cz_latent **out, cz_error *err)
{
    *out = NULL;
    char *tag = cz_read_str(r, 64, "latent record tag");
    int known = tag && strcmp(tag, LATENT_TAG) == 0;
    cz_free(tag);
    uint8_t want[32], have[32];
    cz_read(r, have, 32, "latent prior digest");
    cz_latent_opts o;
    o.lr_w = cz_read_f64(r, "latent lr_w");
    o.lr_g = cz_read_f64(r, "latent lr_g");
    o.momentum = cz_read_f64(r, "latent momentum");
    uint64_t rows = cz_read_u64(r, "latent rows");
    cz_status st = cz_reader_finish(r, 0);
    if (st != CZ_OK)
        return st;
    if (!known)
        return cz_error_set(err, CZ_EFORMAT, "save it again with this version of Condensa",
                            "latent record is not %s", LATENT_TAG);
    st = cz_prior_digest(prior, want, err);
    if (st != CZ_OK)
        return st;
    if (memcmp(want, have, 32) != 0)
        return cz_error_set(err, CZ_EINVAL, "load the prior (generator) this set was made with",
                            "the latent set belongs to another generator");
    if (rows == 0 || rows > ((uint64_t)1 << 24))
        return cz_error_set(err, CZ_EFORMAT, NULL, "latent record has %llu rows",
                            (unsigned long long)rows);
    int32_t *y = cz_calloc(rows, sizeof(int32_t));
    if (!y)
        return cz_error_set(err, CZ_ENOMEM, NULL, "out of memory for %llu labels",
                            (unsigned long long)rows);
    cz_latent *l = NULL;
    if (cz_read_i32s(r, y, (int64_t)rows, "latent labels"))
        st = cz_latent_new(prior, y, rows, &o, &l, err);
    else
        st = cz_reader_finish(r, 0);
    cz_free(y);
    if (st != CZ_OK && st != CZ_ENOMEM && st != CZ_EFORMAT) {
        cz_error_prefix(err, "malformed latent record");
        if (err)
            err->code = CZ_EFORMAT;
        st = CZ_EFORMAT;
    }
    if (st != CZ_OK)
        return st;
    cz_read_reals(r, l->z, (int64_t)(rows * l->L), "latent codes");
    cz_read_reals(r, l->z_buf, (int64_t)(rows * l->L), "latent momentum");
    if (l->theta) {
        cz_read_reals(r, l->theta, (int64_t)l->np, "latent generator weights");
        cz_read_reals(r, l->theta_buf, (int64_t)l->np, "latent generator momentum");
    }
    st = cz_reader_finish(r, 0);
    if (st != CZ_OK) {
        cz_latent_free(&l);
        return st;
    }
    *out = l;
    return CZ_OK;
}
