/* The prior object: construction, the encoder, reconstruction error, and
 * the canonical encoding (record type "generator"). Training is in
 * vae_train.c. */
#include <math.h>
#include <string.h>

#include "../core/alloc.h"
#include "../core/sha256.h"
#include "prior_internal.h"

#define PRIOR_TAG "cz-generator-v1"

cz_prior_opts cz_prior_opts_default(void)
{
    cz_prior_opts o = {.latent = 32, .base = 64, .hidden = 256, .conditional = 1, .epochs = 30,
                       .batch = 64, .lr = 1e-3, .beta = 1.0, .sigma = 0.1, .seed = 0};
    return o;
}

static cz_status check_opts(const cz_prior_opts *o, cz_error *err)
{
    int ok = o->latent >= 1 && o->latent <= 4096 && o->base >= 4 && o->base <= 4096 &&
             o->hidden >= 1 && o->hidden <= 65536 && o->epochs >= 0 && o->epochs <= 100000 &&
             o->batch >= 1 && o->lr > 0 && isfinite(o->lr) && o->beta >= 0 &&
             isfinite(o->beta) && o->sigma > 0 && isfinite(o->sigma);
    if (!ok)
        return cz_error_set(err, CZ_EINVAL,
                            "latent 1..4096, base 4..4096, hidden >= 1, epochs >= 0, batch >= 1, "
                            "lr > 0, beta >= 0, sigma > 0",
                            "prior options out of range (latent %d, base %d, hidden %d, epochs %d, "
                            "batch %d, lr %g, beta %g, sigma %g)",
                            o->latent, o->base, o->hidden, o->epochs, o->batch, o->lr, o->beta,
                            o->sigma);
    return CZ_OK;
}

cz_status prior_create(const cz_prior_opts *opts, const cz_generator_spec *spec, int classes,
                       cz_backend *be, cz_prior **out, cz_error *err)
{
    *out = NULL;
    cz_status st = check_opts(opts, err);
    if (st != CZ_OK)
        return st;
    cz_prior *p = cz_calloc(1, sizeof *p);
    if (!p)
        return cz_error_set(err, CZ_ENOMEM, NULL, "out of memory for the prior");
    p->opts = *opts;
    p->classes = classes;
    st = cz_generator_new(spec, be, &p->gen, err);
    int cond = opts->conditional ? classes : 0;
    size_t image = (size_t)spec->channels * spec->height * spec->width;
    p->enc.be = be;
    if (st == CZ_OK)
        st = gen_net_add(&p->enc, gen_linear((int)image + cond, opts->hidden), err);
    if (st == CZ_OK)
        st = gen_net_add(&p->enc, gen_act(GEN_RELU, opts->hidden, 1, 1), err);
    if (st == CZ_OK)
        st = gen_net_add(&p->enc, gen_linear(opts->hidden, 2 * opts->latent), err);
    if (st != CZ_OK) {
        cz_prior_free(&p);
        return st;
    }
    size_t hist = opts->epochs > 0 ? (size_t)opts->epochs : 1;
    p->theta_g = cz_calloc(cz_generator_param_count(p->gen), sizeof(cz_real));
    p->theta_e = cz_calloc(p->enc.params, sizeof(cz_real));
    p->loss_hist = cz_calloc(hist, sizeof(double));
    p->rmse_hist = cz_calloc(hist, sizeof(double));
    if (!p->theta_g || !p->theta_e || !p->loss_hist || !p->rmse_hist) {
        cz_prior_free(&p);
        return cz_error_set(err, CZ_ENOMEM, NULL, "out of memory for the prior's parameters");
    }
    *out = p;
    return CZ_OK;
}

void cz_prior_free(cz_prior **pp)
{
    if (!pp || !*pp)
        return;
    cz_prior *p = *pp;
    cz_generator_free(&p->gen);
    gen_net_release(&p->enc);
    cz_free(p->theta_g);
    cz_free(p->theta_e);
    cz_free(p->loss_hist);
    cz_free(p->rmse_hist);
    cz_free(p);
    *pp = NULL;
}

const cz_prior_opts *cz_prior_opts_of(const cz_prior *p)
{
    return &p->opts;
}

cz_generator *cz_prior_generator(const cz_prior *p)
{
    return p->gen;
}

const cz_real *cz_prior_theta(const cz_prior *p)
{
    return p->theta_g;
}

const double *cz_prior_loss_history(const cz_prior *p, int *epochs)
{
    *epochs = p->epochs_done;
    return p->loss_hist;
}

const double *cz_prior_rmse_history(const cz_prior *p, int *epochs)
{
    *epochs = p->epochs_done;
    return p->rmse_hist;
}

cz_status prior_encoder_input(cz_prior *p, const cz_real *x, const int32_t *y, size_t n,
                              cz_error *err)
{
    cz_status st = gen_net_reserve(&p->enc, n, err);
    if (st != CZ_OK)
        return st;
    int cond = p->opts.conditional ? p->classes : 0;
    size_t image = cz_generator_image_size(p->gen), width = image + (size_t)cond;
    for (size_t i = 0; i < n; i++) {
        cz_real *row = p->enc.acts[0] + i * width;
        memcpy(row, x + i * image, sizeof(cz_real) * image);
        memset(row + image, 0, sizeof(cz_real) * (size_t)cond);
        if (!cond)
            continue;
        if (!y || y[i] < 0 || y[i] >= cond)
            return cz_error_set(err, CZ_EINVAL, "labels must be in [0, classes)",
                                "prior label %d of row %zu outside [0, %d)", y ? y[i] : -1, i,
                                cond);
        row[image + y[i]] = 1;
    }
    return CZ_OK;
}

cz_status cz_prior_encode(cz_prior *p, const cz_real *x, const int32_t *y, size_t n, cz_real *mu,
                          cz_error *err)
{
    if (n == 0)
        return CZ_OK;
    cz_status st = prior_encoder_input(p, x, y, n, err);
    if (st != CZ_OK)
        return st;
    const cz_real *h = gen_net_forward(&p->enc, p->theta_e, n);
    int L = p->opts.latent;
    for (size_t i = 0; i < n; i++)
        memcpy(mu + i * L, h + i * 2 * L, sizeof(cz_real) * L);
    return CZ_OK;
}

cz_status cz_prior_recon_rmse(cz_prior *p, const cz_real *x, const int32_t *y, size_t n,
                              double *rmse, cz_error *err)
{
    *rmse = 0;
    if (n == 0)
        return CZ_OK;
    size_t image = cz_generator_image_size(p->gen), L = (size_t)p->opts.latent;
    cz_real *mu = cz_calloc(n * L, sizeof(cz_real));
    cz_real *xr = cz_calloc(n * image, sizeof(cz_real));
    cz_status st = (!mu || !xr) ? cz_error_set(err, CZ_ENOMEM, NULL,
                                               "out of memory for %zu reconstructions", n)
                                : cz_prior_encode(p, x, y, n, mu, err);
    if (st == CZ_OK)
        st = cz_generator_forward(p->gen, p->theta_g, mu, p->opts.conditional ? y : NULL, n, xr,
                                  err);
    if (st == CZ_OK) {
        /* Pixel units: the data's range [lo, hi] is 2 * out_scale wide. */
        double span = 2.0 * cz_generator_spec_of(p->gen)->out_scale, s = 0;
        for (size_t i = 0; i < n * image; i++) {
            double e = (xr[i] - x[i]) / span;
            s += e * e;
        }
        *rmse = sqrt(s / (double)(n * image));
    }
    cz_free(mu);
    cz_free(xr);
    return st;
}

cz_status cz_prior_serialize(const cz_prior *p, cz_bytes *out, cz_error *err)
{
    const cz_prior_opts *o = &p->opts;
    const cz_generator_spec *s = cz_generator_spec_of(p->gen);
    cz_bytes_str(out, PRIOR_TAG);
    cz_bytes_i64(out, o->latent);
    cz_bytes_i64(out, o->base);
    cz_bytes_i64(out, o->hidden);
    cz_bytes_i64(out, o->conditional);
    cz_bytes_i64(out, o->epochs);
    cz_bytes_i64(out, o->batch);
    cz_bytes_f64(out, o->lr);
    cz_bytes_f64(out, o->beta);
    cz_bytes_f64(out, o->sigma);
    cz_bytes_u64(out, o->seed);
    cz_bytes_i64(out, p->classes);
    cz_bytes_i64(out, s->channels);
    cz_bytes_i64(out, s->height);
    cz_bytes_i64(out, s->width);
    cz_bytes_f64(out, s->out_scale);
    cz_bytes_f64(out, s->out_shift);
    cz_bytes_u64(out, cz_generator_param_count(p->gen));
    cz_bytes_reals(out, p->theta_g, (int64_t)cz_generator_param_count(p->gen));
    cz_bytes_u64(out, p->enc.params);
    cz_bytes_reals(out, p->theta_e, (int64_t)p->enc.params);
    cz_bytes_i64(out, p->epochs_done);
    for (int e = 0; e < p->epochs_done; e++) {
        cz_bytes_f64(out, p->loss_hist[e]);
        cz_bytes_f64(out, p->rmse_hist[e]);
    }
    return cz_bytes_status(out, err);
}

cz_status cz_prior_deserialize(cz_reader *r, cz_backend *be, cz_prior **out, cz_error *err)
{
    *out = NULL;
    char *tag = cz_read_str(r, 64, "generator record tag");
    int known = tag && strcmp(tag, PRIOR_TAG) == 0;
    cz_free(tag);
    cz_status st = cz_reader_finish(r, 0);
    if (st != CZ_OK)
        return st;
    if (!known)
        return cz_error_set(err, CZ_EFORMAT, "save it again with this version of Condensa",
                            "generator record is not %s", PRIOR_TAG);
    cz_prior_opts o;
    o.latent = (int)cz_read_i64(r, "prior latent");
    o.base = (int)cz_read_i64(r, "prior base");
    o.hidden = (int)cz_read_i64(r, "prior hidden");
    o.conditional = (int)cz_read_i64(r, "prior conditional");
    o.epochs = (int)cz_read_i64(r, "prior epochs");
    o.batch = (int)cz_read_i64(r, "prior batch");
    o.lr = cz_read_f64(r, "prior lr");
    o.beta = cz_read_f64(r, "prior beta");
    o.sigma = cz_read_f64(r, "prior sigma");
    o.seed = cz_read_u64(r, "prior seed");
    int classes = (int)cz_read_i64(r, "prior classes");
    cz_generator_spec s = cz_generator_spec_default(0, 0, 0, 0);
    s.channels = (int)cz_read_i64(r, "generator channels");
    s.height = (int)cz_read_i64(r, "generator height");
    s.width = (int)cz_read_i64(r, "generator width");
    s.out_scale = cz_read_f64(r, "generator out_scale");
    s.out_shift = cz_read_f64(r, "generator out_shift");
    s.latent = o.latent;
    s.base = o.base;
    s.classes = o.conditional ? classes : 0;
    st = cz_reader_finish(r, 0);
    if (st != CZ_OK)
        return st;
    if (classes < 0 || classes > 65536)
        return cz_error_set(err, CZ_EFORMAT, NULL, "generator record has %d classes", classes);
    cz_prior *p = NULL;
    st = prior_create(&o, &s, classes, be, &p, err);
    if (st != CZ_OK) {
        cz_error_prefix(err, "generator record");
        return st == CZ_ENOMEM ? st : CZ_EFORMAT;
    }
    uint64_t ng = cz_read_u64(r, "generator parameter count");
    if (ng == cz_generator_param_count(p->gen))
        cz_read_reals(r, p->theta_g, (int64_t)ng, "generator parameters");
    uint64_t ne = cz_read_u64(r, "encoder parameter count");
    if (ne == p->enc.params)
        cz_read_reals(r, p->theta_e, (int64_t)ne, "encoder parameters");
    int64_t done = cz_read_i64(r, "prior epochs done");
    if (cz_reader_finish(r, 0) == CZ_OK &&
        (ng != cz_generator_param_count(p->gen) || ne != p->enc.params || done < 0 ||
         done > o.epochs)) {
        cz_prior_free(&p);
        return cz_error_set(err, CZ_EFORMAT, NULL,
                            "generator record: %llu/%llu parameters or %lld epochs do not match "
                            "its spec",
                            (unsigned long long)ng, (unsigned long long)ne, (long long)done);
    }
    p->epochs_done = (int)done;
    for (int e = 0; e < p->epochs_done; e++) {
        p->loss_hist[e] = cz_read_f64(r, "prior loss history");
        p->rmse_hist[e] = cz_read_f64(r, "prior rmse history");
    }
    st = cz_reader_finish(r, 0);
    if (st != CZ_OK) {
        cz_prior_free(&p);
        return st;
    }
    *out = p;
    return CZ_OK;
}

cz_status cz_prior_digest(const cz_prior *p, uint8_t out[32], cz_error *err)
{
    cz_bytes b = {0};
    cz_status st = cz_prior_serialize(p, &b, err);
    if (st == CZ_OK) {
        cz_sha256 h;
        cz_sha256_init(&h);
        cz_sha256_update(&h, b.data, b.len);
        cz_sha256_final(&h, out);
    }
    cz_bytes_free(&b);
    return st;
}
