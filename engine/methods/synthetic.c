/* The synthetic-set object: allocation, history and canonical encoding. */
#include "synthetic.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../core/alloc.h"
#include "digest.h"

#define SYNTHETIC_MAGIC 0x435a5359u /* "CZSY" */
#define SYNTHETIC_VERSION 1u
/* Bounds on decoded shapes, so a corrupt record cannot ask for terabytes. */
#define MAX_DIM 65536
#define MAX_ROWS (1 << 24)

static void copy_name(char *dst, size_t cap, const char *src)
{
    snprintf(dst, cap, "%s", src ? src : "");
}

cz_status cz_synthetic_new(const char *method, int ipc, int classes, int channels, int height,
                           int width, cz_synthetic **out, cz_error *err)
{
    *out = NULL;
    if (ipc < 1 || classes < 2 || channels < 1 || height < 1 || width < 1 || channels > MAX_DIM ||
        height > MAX_DIM || width > MAX_DIM || (int64_t)ipc * classes > MAX_ROWS)
        return cz_error_set(err, CZ_EINVAL, "ipc >= 1, classes >= 2, a positive row shape",
                            "synthetic set of ipc %d, %d classes, rows %dx%dx%d is not valid", ipc,
                            classes, channels, height, width);
    cz_synthetic *s = cz_calloc(1, sizeof *s);
    if (!s)
        return cz_error_set(err, CZ_ENOMEM, NULL, "no memory for a synthetic set");
    copy_name(s->method, sizeof s->method, method);
    copy_name(s->backend, sizeof s->backend, "cpu");
    s->ipc = ipc;
    s->classes = classes;
    s->channels = channels;
    s->height = height;
    s->width = width;
    s->rows = (size_t)ipc * (size_t)classes;
    s->features = (size_t)channels * (size_t)height * (size_t)width;
    s->loss = NAN;
    s->x = cz_calloc(s->rows * s->features, sizeof *s->x);
    s->y = cz_calloc(s->rows, sizeof *s->y);
    if (!s->x || !s->y) {
        cz_synthetic_free(&s);
        return cz_error_set(err, CZ_ENOMEM, "lower ipc",
                            "no memory for %zu synthetic rows of %zu values",
                            (size_t)ipc * (size_t)classes,
                            (size_t)channels * (size_t)height * (size_t)width);
    }
    for (size_t i = 0; i < s->rows; i++)
        s->y[i] = (int32_t)(i / (size_t)ipc);
    *out = s;
    return CZ_OK;
}

void cz_synthetic_free(cz_synthetic **s)
{
    if (!s || !*s)
        return;
    cz_free((*s)->x);
    cz_free((*s)->y);
    cz_free((*s)->loss_history);
    cz_free(*s);
    *s = NULL;
}

cz_status cz_synthetic_set_history(cz_synthetic *s, const double *h, int64_t n, cz_error *err)
{
    double *copy = NULL;
    if (n > 0) {
        copy = cz_alloc((size_t)n * sizeof *copy);
        if (!copy)
            return cz_error_set(err, CZ_ENOMEM, NULL, "no memory for %lld history values",
                                (long long)n);
        memcpy(copy, h, (size_t)n * sizeof *copy);
    }
    cz_free(s->loss_history);
    s->loss_history = copy;
    s->history_len = n > 0 ? n : 0;
    s->loss = NAN;
    for (int64_t i = s->history_len - 1; i >= 0; i--)
        if (isfinite(copy[i])) {
            s->loss = copy[i];
            break;
        }
    return CZ_OK;
}

cz_status cz_synthetic_clone(const cz_synthetic *s, cz_synthetic **out, cz_error *err)
{
    cz_status st = cz_synthetic_new(s->method, s->ipc, s->classes, s->channels, s->height,
                                    s->width, out, err);
    if (st != CZ_OK)
        return st;
    cz_synthetic *c = *out;
    memcpy(c->backend, s->backend, sizeof c->backend);
    memcpy(c->x, s->x, s->rows * s->features * sizeof *c->x);
    memcpy(c->y, s->y, s->rows * sizeof *c->y);
    c->iterations = s->iterations;
    c->lr = s->lr;
    st = cz_synthetic_set_history(c, s->loss_history, s->history_len, err);
    c->loss = s->loss;
    if (st != CZ_OK)
        cz_synthetic_free(out);
    return st;
}

cz_status cz_synthetic_serialize(const cz_synthetic *s, cz_bytes *out, cz_error *err)
{
    cz_bytes_u32(out, SYNTHETIC_MAGIC);
    cz_bytes_u32(out, SYNTHETIC_VERSION);
    cz_bytes_str(out, s->method);
    cz_bytes_str(out, s->backend);
    cz_bytes_u32(out, (uint32_t)s->ipc);
    cz_bytes_u32(out, (uint32_t)s->classes);
    cz_bytes_u32(out, (uint32_t)s->channels);
    cz_bytes_u32(out, (uint32_t)s->height);
    cz_bytes_u32(out, (uint32_t)s->width);
    cz_bytes_reals(out, s->x, (int64_t)(s->rows * s->features));
    cz_bytes_i32s(out, s->y, (int64_t)s->rows);
    cz_bytes_i64(out, s->iterations);
    cz_bytes_f64(out, s->lr);
    cz_bytes_f64(out, s->loss);
    cz_bytes_i64(out, s->history_len);
    for (int64_t i = 0; i < s->history_len; i++)
        cz_bytes_f64(out, s->loss_history[i]);
    return cz_bytes_status(out, err);
}

cz_status cz_synthetic_deserialize(cz_reader *r, cz_synthetic **out, cz_error *err)
{
    *out = NULL;
    uint32_t magic = cz_read_u32(r, "synthetic magic");
    uint32_t version = cz_read_u32(r, "synthetic version");
    if (r->failed)
        return cz_reader_finish(r, 0);
    if (magic != SYNTHETIC_MAGIC || version != SYNTHETIC_VERSION)
        return cz_error_set(err, CZ_EFORMAT, "the record is not a synthetic set of this version",
                            "synthetic record: magic 0x%08x version %u (expected 0x%08x version %u)",
                            magic, version, SYNTHETIC_MAGIC, SYNTHETIC_VERSION);
    char *method = cz_read_str(r, CZ_METHOD_NAME - 1, "synthetic method");
    char *backend = cz_read_str(r, CZ_BACKEND_NAME - 1, "synthetic backend");
    int ipc = (int)cz_read_u32(r, "synthetic ipc");
    int classes = (int)cz_read_u32(r, "synthetic classes");
    int ch = (int)cz_read_u32(r, "synthetic channels");
    int h = (int)cz_read_u32(r, "synthetic height");
    int w = (int)cz_read_u32(r, "synthetic width");
    cz_status st = cz_reader_finish(r, 0);
    if (st == CZ_OK)
        st = cz_synthetic_new(method, ipc, classes, ch, h, w, out, err);
    if (st == CZ_OK)
        copy_name((*out)->backend, sizeof (*out)->backend, backend);
    cz_free(method);
    cz_free(backend);
    if (st != CZ_OK)
        return st == CZ_EINVAL ? CZ_EFORMAT : st;
    cz_synthetic *s = *out;
    cz_read_reals(r, s->x, (int64_t)(s->rows * s->features), "synthetic rows");
    cz_read_i32s(r, s->y, (int64_t)s->rows, "synthetic labels");
    s->iterations = cz_read_i64(r, "synthetic iterations");
    s->lr = cz_read_f64(r, "synthetic lr");
    double loss = cz_read_f64(r, "synthetic loss");
    int64_t n = cz_read_i64(r, "synthetic history length");
    st = cz_reader_finish(r, 0);
    if (st == CZ_OK && (n < 0 || (uint64_t)n > (r->len - r->pos) / 8))
        st = cz_error_set(err, CZ_EFORMAT, "the record is damaged",
                          "synthetic history length %lld does not fit the record", (long long)n);
    if (st == CZ_OK && n > 0) {
        s->loss_history = cz_alloc((size_t)n * sizeof *s->loss_history);
        if (!s->loss_history)
            st = cz_error_set(err, CZ_ENOMEM, NULL, "no memory for %lld history values",
                              (long long)n);
        for (int64_t i = 0; st == CZ_OK && i < n; i++)
            s->loss_history[i] = cz_read_f64(r, "synthetic history");
        s->history_len = n;
        if (st == CZ_OK)
            st = cz_reader_finish(r, 0);
    }
    for (size_t i = 0; st == CZ_OK && i < s->rows; i++)
        if (s->y[i] < 0 || s->y[i] >= s->classes)
            st = cz_error_set(err, CZ_EFORMAT, "the record is damaged",
                              "synthetic label %d at row %zu is outside 0..%d", s->y[i], i,
                              s->classes - 1);
    s->loss = loss;
    if (st != CZ_OK)
        cz_synthetic_free(out);
    return st;
}

cz_status cz_synthetic_digest(const cz_synthetic *s, uint8_t out[32], cz_error *err)
{
    cz_bytes b = {0};
    return cz_digest_finish(&b, cz_synthetic_serialize(s, &b, err), out);
}
