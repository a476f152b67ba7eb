/* The surrogate set: allocation, points on a curve, the loss profile against
 * the straight line, storage figures, canonical bytes and digest. The fit of
 * the control points lives in bezier_fit.c. */
#include "bezier.h"

#include <math.h>
#include <string.h>

#include "../core/alloc.h"
#include "../core/sha256.h"

/* Bumped whenever the encoding below changes. */
#define SURROGATE_TAG "cz-surrogate-v1"

cz_bezier_opts cz_bezier_opts_default(void)
{
    cz_bezier_opts o = {
        .epochs = 50, .lr = 0.01, .momentum = 0.9, .batch = 256, .samples = 1,
        .tol = 1e-5, .seed = 0,
    };
    return o;
}

cz_status cz_surrogate_new(const cz_model_spec *spec, size_t count, size_t params,
                           int expert_epochs, cz_surrogate **out, cz_error *err)
{
    *out = NULL;
    if (count == 0 || params == 0)
        return cz_error_set(err, CZ_EINVAL, "fit the surrogates from a non-empty expert set",
                            "a surrogate set needs at least one curve of at least one parameter "
                            "(got %zu curves of %zu parameters)", count, params);
    if (expert_epochs < 1)
        return cz_error_set(err, CZ_EINVAL, "train the experts for at least one epoch",
                            "expert_epochs is %d; a curve needs a first and a last epoch",
                            expert_epochs);
    if (params > SIZE_MAX / sizeof(cz_real) / 3 / count)
        return cz_error_set(err, CZ_ENOMEM, "use fewer experts or a smaller model",
                            "%zu curves of %zu parameters overflow the address space", count,
                            params);
    cz_surrogate *s = cz_calloc(1, sizeof *s);
    if (!s)
        return cz_error_set(err, CZ_ENOMEM, NULL, "out of memory for a surrogate set");
    s->points = cz_calloc(count * 3 * params, sizeof(cz_real));
    if (!s->points) {
        cz_free(s);
        return cz_error_set(err, CZ_ENOMEM, "use fewer experts or a smaller model",
                            "out of memory for %zu curves of %zu parameters", count, params);
    }
    s->spec = *spec;
    s->count = count;
    s->params = params;
    s->expert_epochs = expert_epochs;
    s->fit = cz_bezier_opts_default();
    s->fit_loss = NAN;
    *out = s;
    return CZ_OK;
}

void cz_surrogate_free(cz_surrogate **s)
{
    if (!s || !*s)
        return;
    cz_free((*s)->points);
    cz_free(*s);
    *s = NULL;
}

static cz_real *curve_vector(const cz_surrogate *s, size_t expert, size_t k)
{
    CZ_ASSERT(expert < s->count);
    return s->points + (3 * expert + k) * s->params;
}

cz_real *cz_surrogate_start(const cz_surrogate *s, size_t expert) { return curve_vector(s, expert, 0); }
cz_real *cz_surrogate_control(const cz_surrogate *s, size_t expert) { return curve_vector(s, expert, 1); }
cz_real *cz_surrogate_end(const cz_surrogate *s, size_t expert) { return curve_vector(s, expert, 2); }

void cz_bezier_point(const cz_real *a, const cz_real *c, const cz_real *b, size_t n, double t,
                     cz_real *out)
{
    /* The end points are copied, not computed, so that theta(0) and theta(1)
     * are the expert's parameters bit for bit (0 * inf would not be). */
    if (t <= 0.0) {
        memmove(out, a, n * sizeof *out);
        return;
    }
    if (t >= 1.0) {
        memmove(out, b, n * sizeof *out);
        return;
    }
    double u = 1.0 - t;
    double wa = u * u, wc = 2.0 * t * u, wb = t * t;
    for (size_t i = 0; i < n; i++)
        out[i] = (cz_real)(wa * a[i] + wc * c[i] + wb * b[i]);
}

void cz_surrogate_point(const cz_surrogate *s, size_t expert, double t, cz_real *out)
{
    cz_bezier_point(cz_surrogate_start(s, expert), cz_surrogate_control(s, expert),
                    cz_surrogate_end(s, expert), s->params, t, out);
}

size_t cz_surrogate_bytes(const cz_surrogate *s)
{
    return s->count * 3 * s->params * sizeof(cz_real);
}

size_t cz_surrogate_trajectory_bytes(const cz_surrogate *s)
{
    return s->count * ((size_t)s->expert_epochs + 1) * s->params * sizeof(cz_real);
}

static cz_status check_model(cz_model *m, const cz_surrogate *s, cz_error *err)
{
    if (cz_model_param_count(m) != s->params)
        return cz_error_set(err, CZ_ESHAPE, "use the architecture the experts were trained with",
                            "the model has %zu parameters, the surrogate curves %zu",
                            cz_model_param_count(m), s->params);
    return CZ_OK;
}

cz_status cz_surrogate_profile(cz_model *m, const cz_surrogate *s, size_t expert,
                               const cz_real *x, const int32_t *y, size_t rows,
                               const double *t, size_t nt, double *curve_loss,
                               double *line_loss, cz_error *err)
{
    cz_status st = check_model(m, s, err);
    if (st)
        return st;
    if (expert != CZ_SURROGATE_ALL && expert >= s->count)
        return cz_error_set(err, CZ_EINVAL, "pick a curve between 0 and count - 1",
                            "curve %zu asked of a set of %zu", expert, s->count);
    if (rows == 0)
        return cz_error_set(err, CZ_EINVAL, "profile on a non-empty split",
                            "no rows to compute the loss on");
    cz_real *theta = cz_alloc(s->params * sizeof *theta);
    if (!theta)
        return cz_error_set(err, CZ_ENOMEM, NULL, "out of memory for one parameter vector");
    size_t first = expert == CZ_SURROGATE_ALL ? 0 : expert;
    size_t last = expert == CZ_SURROGATE_ALL ? s->count : expert + 1;
    for (size_t j = 0; j < nt && !st; j++) {
        double on_curve = 0, on_line = 0;
        for (size_t i = first; i < last && !st; i++) {
            cz_real loss;
            cz_surrogate_point(s, i, t[j], theta);
            st = cz_model_loss_grad(m, theta, x, y, rows, NULL, &loss, NULL, NULL, err);
            on_curve += loss;
            /* The straight line (the curve with its control point at the midpoint). */
            const cz_real *a = cz_surrogate_start(s, i), *b = cz_surrogate_end(s, i);
            for (size_t p = 0; p < s->params; p++)
                theta[p] = (cz_real)((1.0 - t[j]) * a[p] + t[j] * b[p]);
            if (!st)
                st = cz_model_loss_grad(m, theta, x, y, rows, NULL, &loss, NULL, NULL, err);
            on_line += loss;
        }
        curve_loss[j] = on_curve / (double)(last - first);
        line_loss[j] = on_line / (double)(last - first);
    }
    cz_free(theta);
    return st;
}

static void put_opts(cz_bytes *b, const cz_bezier_opts *o)
{
    cz_bytes_i64(b, o->epochs);
    cz_bytes_f64(b, o->lr);
    cz_bytes_f64(b, o->momentum);
    cz_bytes_i64(b, o->batch);
    cz_bytes_i64(b, o->samples);
    cz_bytes_f64(b, o->tol);
    cz_bytes_u64(b, o->seed);
}

cz_status cz_surrogate_serialize(const cz_surrogate *s, cz_bytes *out, cz_error *err)
{
    cz_bytes_str(out, SURROGATE_TAG);
    const cz_model_spec *sp = &s->spec;
    int64_t spec_fields[8] = {sp->arch, sp->channels, sp->height, sp->width,
                              sp->classes, sp->hidden, sp->depth, sp->instance_norm};
    cz_bytes_i64s(out, spec_fields, 8);
    cz_bytes_u64(out, s->count);
    cz_bytes_u64(out, s->params);
    cz_bytes_i64(out, s->expert_epochs);
    cz_bytes_f64(out, s->expert_lr);
    cz_bytes_i64(out, s->expert_batch);
    cz_bytes_u64(out, s->train_rows);
    put_opts(out, &s->fit);
    cz_bytes_f64(out, s->fit_loss);
    cz_bytes_reals(out, s->points, (int64_t)(s->count * 3 * s->params));
    return cz_bytes_status(out, err);
}

/* The reader reports into its own error record; pass it on to the caller's. */
static cz_status reader_status(cz_reader *r, cz_error *err)
{
    cz_status st = cz_reader_finish(r, 0);
    if (st && r->err && err && r->err != err)
        *err = *r->err;
    else if (st && !r->err)
        cz_error_set(err, CZ_EFORMAT, "the data is truncated or corrupt; use an intact copy",
                     "malformed surrogate record");
    return st;
}

static cz_status read_header(cz_reader *r, cz_model_spec *spec, uint64_t *count,
                             uint64_t *params, int64_t *epochs, cz_error *err)
{
    char *tag = cz_read_str(r, 64, "surrogate tag");
    int tag_ok = tag && strcmp(tag, SURROGATE_TAG) == 0;
    if (tag && !tag_ok) {
        cz_error_set(err, CZ_EFORMAT, "load it with the Condensa version that wrote it",
                     "not a surrogate record of this version: tag \"%s\", expected \"%s\"", tag,
                     SURROGATE_TAG);
        cz_free(tag);
        return CZ_EFORMAT;
    }
    cz_free(tag);
    int64_t f[8] = {0};
    cz_read_i64s(r, f, 8, "surrogate model spec");
    *count = cz_read_u64(r, "surrogate count");
    *params = cz_read_u64(r, "surrogate params");
    *epochs = cz_read_i64(r, "surrogate expert epochs");
    cz_status st = reader_status(r, err);
    if (st)
        return st;
    if (f[0] < 0 || f[0] >= CZ_ARCH_COUNT)
        return cz_error_set(err, CZ_EFORMAT, "the data is corrupt; use an intact copy",
                            "surrogate record names architecture %lld of %d",
                            (long long)f[0], CZ_ARCH_COUNT);
    for (int i = 1; i < 8; i++)
        if (f[i] < 0 || f[i] > INT32_MAX)
            return cz_error_set(err, CZ_EFORMAT, "the data is corrupt; use an intact copy",
                                "surrogate record has model spec field %d = %lld", i,
                                (long long)f[i]);
    *spec = (cz_model_spec){.arch = (cz_arch)f[0], .channels = (int)f[1], .height = (int)f[2],
                            .width = (int)f[3], .classes = (int)f[4], .hidden = (int)f[5],
                            .depth = (int)f[6], .instance_norm = (int)f[7]};
    if (*epochs < 1 || *epochs > INT32_MAX || *count == 0 || *params == 0)
        return cz_error_set(err, CZ_EFORMAT, "the data is corrupt; use an intact copy",
                            "surrogate record has %llu curves of %llu parameters over %lld epochs",
                            (unsigned long long)*count, (unsigned long long)*params,
                            (long long)*epochs);
    return CZ_OK;
}

/* The stored parameter count must be the architecture's, or the curves
 * cannot be evaluated by that model. */
static cz_status check_spec_params(const cz_model_spec *spec, uint64_t params, cz_error *err)
{
    cz_model *m = NULL;
    cz_status st = cz_model_new(spec, cz_backend_cpu(), &m, err);
    if (st) {
        cz_error_prefix(err, "surrogate record: ");
        if (err)
            err->code = CZ_EFORMAT;
        return CZ_EFORMAT;
    }
    size_t want = cz_model_param_count(m);
    cz_model_free(m);
    if (want != params)
        return cz_error_set(err, CZ_EFORMAT, "the data is corrupt; use an intact copy",
                            "surrogate record has %llu parameters per curve, its architecture %zu",
                            (unsigned long long)params, want);
    return CZ_OK;
}

cz_status cz_surrogate_deserialize(cz_reader *r, cz_surrogate **out, cz_error *err)
{
    *out = NULL;
    cz_model_spec spec;
    uint64_t count, params;
    int64_t epochs;
    cz_status st = read_header(r, &spec, &count, &params, &epochs, err);
    if (!st)
        st = check_spec_params(&spec, params, err);
    if (st)
        return st;
    /* Refuse a count the remaining bytes cannot hold before allocating for it. */
    size_t left = r->len - r->pos;
    if (count > left / 12 / params)
        return cz_error_set(err, CZ_EFORMAT, "the data is truncated or corrupt; use an intact copy",
                            "surrogate record announces %llu curves of %llu parameters, "
                            "%zu bytes left", (unsigned long long)count,
                            (unsigned long long)params, left);
    cz_surrogate *s = NULL;
    st = cz_surrogate_new(&spec, (size_t)count, (size_t)params, (int)epochs, &s, err);
    if (st)
        return st;
    s->expert_lr = cz_read_f64(r, "expert lr");
    s->expert_batch = (int)cz_read_i64(r, "expert batch");
    s->train_rows = (size_t)cz_read_u64(r, "train rows");
    s->fit.epochs = (int)cz_read_i64(r, "fit epochs");
    s->fit.lr = cz_read_f64(r, "fit lr");
    s->fit.momentum = cz_read_f64(r, "fit momentum");
    s->fit.batch = (int)cz_read_i64(r, "fit batch");
    s->fit.samples = (int)cz_read_i64(r, "fit samples");
    s->fit.tol = cz_read_f64(r, "fit tol");
    s->fit.seed = cz_read_u64(r, "fit seed");
    s->fit_loss = cz_read_f64(r, "fit loss");
    cz_read_reals(r, s->points, (int64_t)(s->count * 3 * s->params), "surrogate points");
    st = reader_status(r, err);
    if (st) {
        cz_surrogate_free(&s);
        return st;
    }
    *out = s;
    return CZ_OK;
}

cz_status cz_surrogate_digest(const cz_surrogate *s, uint8_t out[32], cz_error *err)
{
    cz_bytes b = {0};
    cz_status st = cz_surrogate_serialize(s, &b, err);
    if (!st) {
        cz_sha256 h;
        cz_sha256_init(&h);
        cz_sha256_update(&h, b.data, b.len);
        cz_sha256_final(&h, out);
    }
    cz_bytes_free(&b);
    return st;
}
