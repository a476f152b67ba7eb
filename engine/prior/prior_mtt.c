/* Trajectory matching through the generative prior (prior_mtt.h): an MTT
 * run whose X is rendered from latent codes by G, and whose hypergradient
 * dL/dX steps the codes through cz_latent_step instead of the pixels. */
#include "prior_mtt.h"

#include <stdio.h>
#include <string.h>

#include "../core/alloc.h"
#include "../methods/digest.h"
#include "../methods/mtt_param.h"
#include "prior_internal.h"

#define PRIOR_MTT_MAGIC 0x435a504du /* "CZPM" */
#define PRIOR_MTT_VERSION 1u

struct cz_prior_mtt {
    cz_mtt *run;       /* the MTT run: draws, unroll, DSA, SATM, rate, history */
    cz_latent *lat;    /* the codes (and G's learned weights) X is rendered from */
    cz_prior *prior;   /* borrowed */
};

cz_mtt_config cz_prior_mtt_config_default(void)
{
    cz_mtt_config c = cz_mtt_config_default();
    c.ipc = 10;
    c.syn_steps = 20;
    c.expert_epochs = 2;
    c.max_start_epoch = 1;
    c.lr_lr = 1e-5;
    c.lr_img = 1000; /* unused here: the codes move with lr_w */
    return c;
}

cz_latent_opts cz_prior_mtt_latent_default(void)
{
    cz_latent_opts o = cz_latent_opts_default();
    o.lr_w = 100; /* docs/images.md: 1 barely moves the codes, 1e4 is unstable */
    return o;
}

/* The hook of mtt_param.h over a latent set. */
static cz_status hook_render(void *user, cz_real *x, cz_error *err)
{
    return cz_latent_render(user, x, err);
}

static cz_status hook_step(void *user, const cz_real *grad_x, cz_error *err)
{
    return cz_latent_step(user, grad_x, NULL, err);
}

/* The prior must generate images of d's shape and classes. */
static cz_status check_prior(const cz_dataset *d, const cz_prior *p, cz_error *err)
{
    const cz_generator_spec *s = cz_generator_spec_of(cz_prior_generator(p));
    if (!d->is_image)
        return cz_error_set(err, CZ_EINVAL, "use an image dataset (dc.load_npz)",
                            "prior: dataset \"%s\" is tabular; the generative prior makes images",
                            d->name);
    if (s->channels != d->channels || s->height != d->height || s->width != d->width ||
        p->classes != d->classes)
        return cz_error_set(err, CZ_ESHAPE, "train the prior on this dataset",
                            "prior: the generator makes %dx%dx%d images of %d classes; dataset "
                            "\"%s\" has %dx%dx%d images of %d classes",
                            s->channels, s->height, s->width, p->classes, d->name, d->channels,
                            d->height, d->width, d->classes);
    return CZ_OK;
}

void cz_prior_mtt_free(cz_prior_mtt **r)
{
    if (!r || !*r)
        return;
    cz_mtt_free(&(*r)->run);
    cz_latent_free(&(*r)->lat);
    cz_free(*r);
    *r = NULL;
}

/* Takes run and lat (freed on failure) and attaches the latents to the run. */
static cz_status assemble(cz_mtt *run, cz_latent *lat, cz_prior *prior, cz_prior_mtt **out,
                          cz_error *err)
{
    cz_prior_mtt *r = cz_calloc(1, sizeof *r);
    if (!r) {
        cz_mtt_free(&run);
        cz_latent_free(&lat);
        return cz_error_set(err, CZ_ENOMEM, NULL, "no memory for a prior run");
    }
    r->run = run;
    r->lat = lat;
    r->prior = prior;
    cz_mtt_param hook = {.render = hook_render, .step = hook_step, .user = lat};
    cz_status st = cz_mtt_set_param(run, &hook, err);
    if (st != CZ_OK) {
        cz_prior_mtt_free(&r);
        return st;
    }
    *out = r;
    return CZ_OK;
}

cz_status cz_prior_mtt_new(const cz_dataset *d, const cz_match_source *src, cz_prior *prior,
                           const cz_mtt_config *cfg, const cz_latent_opts *lo, cz_backend *be,
                           cz_prior_mtt **out, cz_error *err)
{
    *out = NULL;
    cz_latent_opts lopts = lo ? *lo : cz_prior_mtt_latent_default();
    cz_status st = check_prior(d, prior, err);
    if (st != CZ_OK)
        return st;
    /* The pixel run picks ipc real rows per class from the seed: the codes
     * start as their encodings. */
    cz_mtt *run = NULL;
    st = cz_mtt_new_from(d, src, cfg, be, &run, err);
    if (st != CZ_OK)
        return st;
    size_t rows = (size_t)cz_mtt_config_of(run)->ipc * (size_t)d->classes;
    cz_latent *lat = NULL;
    st = cz_latent_new(prior, cz_mtt_y(run), rows, &lopts, &lat, err);
    if (st == CZ_OK)
        st = cz_latent_init_encode(lat, cz_mtt_x(run), err);
    if (st != CZ_OK) {
        cz_error_prefix(err, "prior");
        cz_latent_free(&lat);
        cz_mtt_free(&run);
        return st;
    }
    return assemble(run, lat, prior, out, err);
}

cz_status cz_prior_mtt_step(cz_prior_mtt *r, int64_t n, const cz_cancel *cancel,
                            cz_progress_fn progress, void *progress_user, cz_error *err)
{
    return cz_mtt_step(r->run, n, cancel, progress, progress_user, err);
}

void cz_prior_mtt_info_get(const cz_prior_mtt *r, cz_prior_mtt_info *out)
{
    memset(out, 0, sizeof *out);
    cz_mtt_info_get(r->run, &out->mtt);
    out->rows = cz_latent_rows(r->lat);
    out->latent_size = cz_latent_size(r->lat);
    out->latent = cz_latent_opts_of(r->lat);
    out->match = cz_mtt_method(r->run);
}

const cz_mtt_config *cz_prior_mtt_config_of(const cz_prior_mtt *r)
{
    return cz_mtt_config_of(r->run);
}

const cz_mtt *cz_prior_mtt_run(const cz_prior_mtt *r) { return r->run; }
const cz_latent *cz_prior_mtt_latent(const cz_prior_mtt *r) { return r->lat; }

cz_status cz_prior_mtt_synthetic(const cz_prior_mtt *r, cz_synthetic **out, cz_error *err)
{
    /* The run's X is G(z) of the current codes (mtt_param.h). */
    cz_status st = cz_mtt_synthetic(r->run, out, err);
    if (st == CZ_OK)
        snprintf((*out)->method, sizeof (*out)->method, "prior");
    return st;
}

cz_status cz_prior_mtt_serialize(const cz_prior_mtt *r, cz_bytes *out, cz_error *err)
{
    cz_bytes_u32(out, PRIOR_MTT_MAGIC);
    cz_bytes_u32(out, PRIOR_MTT_VERSION);
    cz_status st = cz_mtt_serialize(r->run, out, err);
    if (st == CZ_OK)
        st = cz_latent_serialize(r->lat, out, err);
    return st != CZ_OK ? st : cz_bytes_status(out, err);
}

cz_status cz_prior_mtt_deserialize(cz_reader *rd, const cz_dataset *d, const cz_match_source *src,
                                   cz_prior *prior, cz_backend *be, cz_prior_mtt **out,
                                   cz_error *err)
{
    *out = NULL;
    uint32_t magic = cz_read_u32(rd, "prior run magic");
    uint32_t version = cz_read_u32(rd, "prior run version");
    cz_status st = cz_reader_finish(rd, 0);
    if (st != CZ_OK)
        return st;
    if (magic != PRIOR_MTT_MAGIC || version != PRIOR_MTT_VERSION)
        return cz_error_set(err, CZ_EFORMAT, "the record is not a prior distillation run of this "
                            "version", "prior run record: magic 0x%08x version %u (expected "
                            "0x%08x version %u)", magic, version, PRIOR_MTT_MAGIC,
                            PRIOR_MTT_VERSION);
    st = check_prior(d, prior, err);
    if (st != CZ_OK)
        return st;
    cz_mtt *run = NULL;
    st = cz_mtt_deserialize_from(rd, d, src, be, &run, err);
    if (st != CZ_OK)
        return st;
    cz_latent *lat = NULL;
    st = cz_latent_deserialize(rd, prior, &lat, err); /* checks the prior's digest */
    if (st == CZ_OK && (cz_latent_rows(lat) != (size_t)cz_mtt_config_of(run)->ipc *
                                                     (size_t)d->classes ||
                        memcmp(cz_latent_labels(lat), cz_mtt_y(run),
                               cz_latent_rows(lat) * sizeof(int32_t)) != 0))
        st = cz_error_set(err, CZ_EFORMAT, "the record is damaged; load an earlier checkpoint",
                          "prior run record: the latent codes do not belong to the run's "
                          "synthetic images");
    if (st != CZ_OK) {
        cz_latent_free(&lat);
        cz_mtt_free(&run);
        return st;
    }
    return assemble(run, lat, prior, out, err);
}

cz_status cz_prior_mtt_digest(const cz_prior_mtt *r, uint8_t out[32], cz_error *err)
{
    cz_bytes b = {0};
    return cz_digest_finish(&b, cz_prior_mtt_serialize(r, &b, err), out);
}
