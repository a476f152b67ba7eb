/* Shared helpers of the condensation methods (common.h). */
#include "common.h"

#include <math.h>

#include "../core/alloc.h"

cz_model_spec cz_default_spec(const cz_dataset *d)
{
    cz_model_spec s = {0};
    s.arch = d->is_image ? CZ_ARCH_CONVNET : CZ_ARCH_MLP;
    s.channels = d->channels;
    s.height = d->height;
    s.width = d->width;
    s.classes = d->classes;
    s.hidden = 128;
    s.depth = d->is_image ? 3 : 2;
    s.instance_norm = d->is_image ? 1 : 0;
    return s;
}

cz_status cz_spec_check_dataset(const cz_model_spec *spec, const cz_dataset *d, cz_error *err)
{
    size_t in = (size_t)spec->channels * (size_t)spec->height * (size_t)spec->width;
    if (in != d->features || spec->classes != d->classes)
        return cz_error_set(err, CZ_ESHAPE,
                            "build the model from the dataset's shape (leave the input shape out)",
                            "model input %dx%dx%d -> %d classes does not fit dataset \"%s\" "
                            "(%zu values per row, %d classes)",
                            spec->channels, spec->height, spec->width, spec->classes, d->name,
                            d->features, d->classes);
    return CZ_OK;
}

cz_status cz_check_ipc(const cz_dataset *d, int ipc, cz_error *err)
{
    if (ipc < 1)
        return cz_error_set(err, CZ_EINVAL, "pass ipc >= 1", "ipc = %d: need at least one row per class", ipc);
    for (int c = 0; c < d->classes; c++) {
        size_t have = cz_dataset_class_count(d, CZ_TRAIN, c);
        if ((size_t)ipc > have)
            return cz_error_set(err, CZ_EINVAL, "lower ipc to at most the smallest class's count",
                                "ipc = %d is larger than class %d of \"%s\", which has %zu training rows",
                                ipc, c, d->name, have);
    }
    return CZ_OK;
}

cz_status cz_pick_real_rows(const cz_dataset *d, int ipc, cz_rng *rng, cz_real *x, int32_t *y,
                            cz_error *err)
{
    const cz_split_data *tr = &d->split[CZ_TRAIN];
    size_t *idx = cz_alloc(tr->rows * sizeof *idx);
    int64_t *perm = cz_alloc(tr->rows * sizeof *perm);
    if (!idx || !perm) {
        cz_free(idx);
        cz_free(perm);
        return cz_error_set(err, CZ_ENOMEM, NULL, "no memory for %zu row indices", tr->rows);
    }
    size_t out = 0;
    for (int c = 0; c < d->classes; c++) {
        size_t n = cz_dataset_class_rows(d, CZ_TRAIN, c, idx);
        cz_rng_permutation(rng, perm, (int64_t)n);
        for (int k = 0; k < ipc; k++, out++) {
            size_t row = idx[perm[k]];
            for (size_t f = 0; f < d->features; f++)
                x[out * d->features + f] = tr->x[row * d->features + f];
            y[out] = c;
        }
    }
    cz_free(idx);
    cz_free(perm);
    return CZ_OK;
}

void cz_prior_class_weights(const cz_dataset *d, cz_real *w)
{
    size_t n = d->split[CZ_TRAIN].rows;
    for (int c = 0; c < d->classes; c++)
        w[c] = (cz_real)((double)cz_dataset_class_count(d, CZ_TRAIN, c) / (double)(n ? n : 1));
}

bool cz_all_finite(const cz_real *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(x[i]))
            return false;
    return true;
}

/* Rows per forward call when scoring: bounds the model's workspace. */
#define SCORE_CHUNK 512

/* Metrics of split sp for probs (rows x classes); non-finite probabilities
 * (a diverged model) are replaced by the uniform, constant prediction. */
static cz_status score_probs(cz_real *probs, const cz_dataset *d, cz_split sp, cz_metrics *out,
                             int *diverged, cz_error *err)
{
    const cz_split_data *s = &d->split[sp];
    size_t n = s->rows * (size_t)d->classes;
    if (!cz_all_finite(probs, n)) {
        for (size_t i = 0; i < n; i++)
            probs[i] = (cz_real)(1.0 / d->classes);
        if (diverged)
            *diverged = 1;
    }
    return cz_metrics_compute(probs, s->y, s->rows, d->classes, out, err);
}

static cz_real *probs_alloc(const cz_dataset *d, cz_split sp, cz_error *err)
{
    size_t rows = d->split[sp].rows;
    cz_real *p = cz_alloc((rows ? rows : 1) * (size_t)d->classes * sizeof *p);
    if (!p)
        cz_error_set(err, CZ_ENOMEM, NULL, "no memory for %zu predictions", rows);
    return p;
}

cz_status cz_score_split(cz_model *m, const cz_real *theta, const cz_dataset *d, cz_split sp,
                         cz_metrics *out, int *diverged, cz_error *err)
{
    const cz_split_data *s = &d->split[sp];
    if (diverged)
        *diverged = 0;
    cz_real *probs = probs_alloc(d, sp, err);
    if (!probs)
        return CZ_ENOMEM;
    cz_status st = CZ_OK;
    for (size_t r0 = 0; st == CZ_OK && r0 < s->rows; r0 += SCORE_CHUNK) {
        size_t n = s->rows - r0 < SCORE_CHUNK ? s->rows - r0 : SCORE_CHUNK;
        st = cz_model_predict(m, theta, s->x + r0 * d->features, n,
                              probs + r0 * (size_t)d->classes, err);
    }
    if (st == CZ_OK)
        st = score_probs(probs, d, sp, out, diverged, err);
    cz_free(probs);
    return st;
}

cz_status cz_score_constant(const cz_dataset *d, cz_split sp, cz_metrics *out, cz_error *err)
{
    cz_real *probs = probs_alloc(d, sp, err);
    if (!probs)
        return CZ_ENOMEM;
    size_t n = d->split[sp].rows * (size_t)d->classes;
    for (size_t i = 0; i < n; i++)
        probs[i] = (cz_real)NAN;
    cz_status st = score_probs(probs, d, sp, out, NULL, err);
    cz_free(probs);
    return st;
}

#define SPEC_MAX (1u << 20)

void cz_spec_write(cz_bytes *b, const cz_model_spec *s)
{
    cz_bytes_u32(b, (uint32_t)s->arch);
    cz_bytes_u32(b, (uint32_t)s->channels);
    cz_bytes_u32(b, (uint32_t)s->height);
    cz_bytes_u32(b, (uint32_t)s->width);
    cz_bytes_u32(b, (uint32_t)s->classes);
    cz_bytes_u32(b, (uint32_t)s->hidden);
    cz_bytes_u32(b, (uint32_t)s->depth);
    cz_bytes_u32(b, (uint32_t)s->instance_norm);
}

cz_status cz_spec_read(cz_reader *r, cz_model_spec *s, cz_error *err)
{
    uint32_t v[8];
    static const char *what[8] = {"spec arch", "spec channels", "spec height", "spec width",
                                  "spec classes", "spec hidden", "spec depth", "spec norm"};
    for (int i = 0; i < 8; i++)
        v[i] = cz_read_u32(r, what[i]);
    cz_status st = cz_reader_finish(r, 0);
    if (st != CZ_OK)
        return st;
    for (int i = 1; i < 7; i++)
        if (v[i] > SPEC_MAX)
            return cz_error_set(err, CZ_EFORMAT, "the record is damaged", "%s = %u is not plausible",
                                what[i], v[i]);
    if (v[0] >= CZ_ARCH_COUNT || v[7] > 1)
        return cz_error_set(err, CZ_EFORMAT, "the record is damaged",
                            "model spec arch %u / norm %u unknown", v[0], v[7]);
    *s = (cz_model_spec){.arch = (cz_arch)v[0], .channels = (int)v[1], .height = (int)v[2],
                         .width = (int)v[3], .classes = (int)v[4], .hidden = (int)v[5],
                         .depth = (int)v[6], .instance_norm = (int)v[7]};
    return CZ_OK;
}

cz_status cz_dsa_resolve(cz_dsa_use use, const cz_dataset *d, const cz_backend *be, int *on,
                         cz_error *err)
{
    *on = 0;
    if (use != CZ_DSA_AUTO && use != CZ_DSA_ON && use != CZ_DSA_OFF)
        return cz_error_set(err, CZ_EINVAL, "dsa is auto (default), on or off",
                            "dsa setting %d is not one of auto, on, off", (int)use);
    if (use == CZ_DSA_OFF)
        return CZ_OK;
    if (use == CZ_DSA_AUTO) {
        *on = d->is_image && cz_backend_is_host(be);
        return CZ_OK;
    }
    if (!d->is_image)
        return cz_error_set(err, CZ_EINVAL, "leave dsa off (or auto) for tabular data",
                            "dsa augments images; dataset \"%s\" is tabular", d->name);
    if (!cz_backend_is_host(be))
        return cz_error_set(err, CZ_EUNSUPPORTED, "use the cpu backend, or dsa off",
                            "dsa runs on host memory; backend \"%s\" keeps the data on the GPU",
                            cz_backend_name(be));
    *on = 1;
    return CZ_OK;
}

cz_status cz_dsa_new_for(const cz_dataset *d, cz_dsa **out, cz_error *err)
{
    cz_dsa_opts o = cz_dsa_opts_default(d->channels, d->height, d->width);
    return cz_dsa_new(&o, out, err);
}
