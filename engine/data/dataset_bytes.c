/* The canonical encoding of a dataset (core/bytes.h), its decoding with
 * every field checked (a checkpoint may be corrupt or hostile), and its
 * SHA-256 digest. Layout, all little-endian:
 *   "CZDS" u32 version=1, str name, u8 is_image, u64 features,
 *   u32 channels height width classes, f64 missing_rate,
 *   u8 has_feature_names [features x str], classes x str class_names,
 *   features x f64 center, features x f64 scale,
 *   3 x (u64 rows, rows*features float32 x, rows i32 y)   (train, val, test).
 * The digest hashes the same bytes with an empty name, so it identifies the
 * content whatever the file was called. No file I/O here. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "../core/alloc.h"
#include "../core/bytes.h"
#include "../core/sha256.h"
#include "data_internal.h"

#define DATASET_VERSION 1
#define MAX_DIM (1u << 20)
#define MAX_NAME_BYTES 4096
#define MAX_CLASSES 65536

static void encode(const cz_dataset *d, bool with_name, cz_bytes *b)
{
    cz_bytes_put(b, "CZDS", 4);
    cz_bytes_u32(b, DATASET_VERSION);
    cz_bytes_str(b, with_name ? d->name : "");
    cz_bytes_u8(b, d->is_image ? 1 : 0);
    cz_bytes_u64(b, d->features);
    cz_bytes_u32(b, (uint32_t)d->channels);
    cz_bytes_u32(b, (uint32_t)d->height);
    cz_bytes_u32(b, (uint32_t)d->width);
    cz_bytes_u32(b, (uint32_t)d->classes);
    cz_bytes_f64(b, d->missing_rate);
    cz_bytes_u8(b, d->feature_names ? 1 : 0);
    for (size_t j = 0; d->feature_names && j < d->features; j++)
        cz_bytes_str(b, d->feature_names[j]);
    for (int c = 0; c < d->classes; c++)
        cz_bytes_str(b, d->class_names ? d->class_names[c] : "");
    for (size_t j = 0; j < d->features; j++)
        cz_bytes_f64(b, d->center ? d->center[j] : 0.0);
    for (size_t j = 0; j < d->features; j++)
        cz_bytes_f64(b, d->scale ? d->scale[j] : 1.0);
    for (int s = 0; s < CZ_SPLIT_COUNT; s++) {
        const cz_split_data *sp = &d->split[s];
        cz_bytes_u64(b, sp->rows);
        cz_bytes_reals(b, sp->x, (int64_t)(sp->rows * d->features));
        cz_bytes_i32s(b, sp->y, (int64_t)sp->rows);
    }
}

cz_status cz_dataset_serialize(const cz_dataset *d, cz_bytes *out, cz_error *err)
{
    if (!d)
        return cz_error_set(err, CZ_EINVAL, NULL, "no dataset to serialise");
    encode(d, true, out);
    return cz_bytes_status(out, err);
}

cz_status cz_dataset_digest(const cz_dataset *d, uint8_t out[32], cz_error *err)
{
    if (!d)
        return cz_error_set(err, CZ_EINVAL, NULL, "no dataset to digest");
    cz_bytes b = {0};
    encode(d, false, &b);
    cz_status st = cz_bytes_status(&b, err);
    if (st == CZ_OK) {
        cz_sha256 h;
        cz_sha256_init(&h);
        cz_sha256_update(&h, b.data, b.len);
        cz_sha256_final(&h, out);
    }
    cz_bytes_free(&b);
    return st;
}

/* A decoding failure: the reader's own report when it failed first (a
 * truncation, or out of memory in cz_read_str; cz_dataset_deserialize points
 * the reader at err), else ours for a bad value. Marks the reader failed. */
static cz_status fail(cz_reader *r, cz_error *err, const char *fmt, ...) CZ_PRINTF(3, 4);
static cz_status fail(cz_reader *r, cz_error *err, const char *fmt, ...)
{
    if (r->failed)
        return err ? err->code : CZ_EFORMAT;
    r->failed = 1;
    char msg[CZ_ERROR_TEXT];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return cz_error_set(err, CZ_EFORMAT, "the saved dataset is corrupt; use an intact copy",
                        "malformed dataset record: %s", msg);
}

static cz_status read_names(cz_reader *r, char **names, size_t n, const char *what,
                            cz_error *err)
{
    for (size_t i = 0; i < n; i++)
        if (!(names[i] = cz_read_str(r, MAX_NAME_BYTES, what)))
            return fail(r, err, "%s %zu is unreadable", what, i);
    return CZ_OK;
}

static cz_status read_header(cz_reader *r, cz_dataset *d, cz_error *err)
{
    char magic[4];
    if (!cz_read(r, magic, 4, "dataset magic") || memcmp(magic, "CZDS", 4) != 0)
        return fail(r, err, "the magic is not \"CZDS\"");
    uint32_t version = cz_read_u32(r, "dataset version");
    if (!r->failed && version != DATASET_VERSION)
        return fail(r, err, "dataset version %u is not supported (this build reads version %d)",
                    version, DATASET_VERSION);
    char *name = cz_read_str(r, sizeof d->name - 1, "dataset name");
    if (!name)
        return fail(r, err, "the name is unreadable or longer than %zu bytes", sizeof d->name - 1);
    memcpy(d->name, name, strlen(name) + 1);
    cz_free(name);
    uint8_t is_image = cz_read_u8(r, "is_image");
    uint64_t features = cz_read_u64(r, "features");
    uint32_t ch = cz_read_u32(r, "channels"), h = cz_read_u32(r, "height"),
             w = cz_read_u32(r, "width"), classes = cz_read_u32(r, "classes");
    d->missing_rate = cz_read_f64(r, "missing_rate");
    if (r->failed)
        return fail(r, err, "the header is truncated");
    if (is_image > 1)
        return fail(r, err, "is_image is %u", is_image);
    if (ch < 1 || h < 1 || w < 1 || ch > MAX_DIM || h > MAX_DIM || w > MAX_DIM ||
        features != (uint64_t)ch * h * w || features > MAX_DIM)
        return fail(r, err, "shape %u x %u x %u does not match %llu features", ch, h, w,
                    (unsigned long long)features);
    if (classes < 2 || classes > MAX_CLASSES)
        return fail(r, err, "the class count is %u", classes);
    if (!(d->missing_rate >= 0 && d->missing_rate <= 1))
        return fail(r, err, "missing_rate is %g", d->missing_rate);
    d->is_image = is_image;
    d->features = (size_t)features;
    d->channels = (int)ch;
    d->height = (int)h;
    d->width = (int)w;
    d->classes = (int)classes;
    return CZ_OK;
}

static cz_status read_splits(cz_reader *r, cz_dataset *d, cz_error *err)
{
    size_t rows[CZ_SPLIT_COUNT];
    size_t at = r->pos;
    /* Read the row counts ahead (without allocating) to bound them by the
     * bytes that are really there: a corrupt count must not ask for memory. */
    for (int s = 0; s < CZ_SPLIT_COUNT; s++) {
        uint64_t n = cz_read_u64(r, "split rows");
        if (r->failed)
            return fail(r, err, "split %d is truncated", s);
        if (n > (r->len - r->pos) / (4 * d->features + 4))
            return fail(r, err, "split %d claims %llu rows, more than the bytes left hold", s,
                        (unsigned long long)n);
        rows[s] = (size_t)n;
        r->pos += (size_t)n * (4 * d->features + 4);
    }
    r->pos = at;
    cz_status st = cz_dataset_alloc_buffers(d, rows, err);
    if (st) {
        r->failed = 1;
        return st;
    }
    for (int s = 0; s < CZ_SPLIT_COUNT; s++) {
        cz_split_data *sp = &d->split[s];
        (void)cz_read_u64(r, "split rows");
        cz_read_reals(r, sp->x, (int64_t)(sp->rows * d->features), "split features");
        cz_read_i32s(r, sp->y, (int64_t)sp->rows, "split labels");
        if (r->failed)
            return fail(r, err, "split %d is truncated", s);
        for (size_t i = 0; i < sp->rows; i++)
            if (sp->y[i] < 0 || sp->y[i] >= d->classes)
                return fail(r, err, "split %d row %zu has label %d, outside 0..%d", s, i,
                            (int)sp->y[i], d->classes - 1);
    }
    return CZ_OK;
}

static cz_status deserialize(cz_reader *r, cz_dataset **out, cz_error *err);

cz_status cz_dataset_deserialize(cz_reader *r, cz_dataset **out, cz_error *err)
{
    *out = NULL;
    if (r->failed)
        return r->err ? r->err->code : CZ_EFORMAT;
    /* Reader failures (truncation, out of memory) land in err too. */
    cz_error local, *outer = r->err;
    r->err = err ? err : &local;
    cz_status st = deserialize(r, out, r->err);
    if (st && outer && outer != r->err)
        *outer = *r->err;
    r->err = outer;
    return st;
}

static cz_status deserialize(cz_reader *r, cz_dataset **out, cz_error *err)
{
    cz_dataset *d = cz_dataset_new_empty();
    if (!d)
        return cz_error_set(err, CZ_ENOMEM, NULL, "out of memory reading a dataset");
    cz_status st = read_header(r, d, err);
    if (st)
        goto fail;
    uint8_t has_names = cz_read_u8(r, "has_feature_names");
    if (r->failed || has_names > 1) {
        st = fail(r, err, "has_feature_names is %u", has_names);
        goto fail;
    }
    /* Names, center and scale before the splits: their counts are bounded by
     * the header's checked shape. */
    if (has_names) {
        if (d->features > (r->len - r->pos) / 4) {
            st = fail(r, err, "%zu features do not fit the bytes left", d->features);
            goto fail;
        }
        if (!(d->feature_names = cz_calloc(d->features, sizeof(char *)))) {
            st = cz_error_set(err, CZ_ENOMEM, NULL, "out of memory reading a dataset");
            goto fail;
        }
        if ((st = read_names(r, d->feature_names, d->features, "a feature name", err)))
            goto fail;
    }
    if ((size_t)d->classes > (r->len - r->pos) / 4) {
        st = fail(r, err, "%d class names do not fit the bytes left", d->classes);
        goto fail;
    }
    char **class_names = cz_calloc((size_t)d->classes, sizeof(char *));
    if (!class_names) {
        st = cz_error_set(err, CZ_ENOMEM, NULL, "out of memory reading a dataset");
        goto fail;
    }
    st = read_names(r, class_names, (size_t)d->classes, "a class name", err);
    double *stats = NULL;
    if (!st && d->features > (r->len - r->pos) / 16)
        st = fail(r, err, "%zu features do not fit the bytes left", d->features);
    if (!st && !(stats = cz_calloc(2 * d->features, sizeof(double))))
        st = cz_error_set(err, CZ_ENOMEM, NULL, "out of memory reading a dataset");
    for (size_t j = 0; !st && j < 2 * d->features; j++) {
        stats[j] = cz_read_f64(r, j < d->features ? "center" : "scale");
        if (r->failed || !isfinite(stats[j]) || (j >= d->features && !(stats[j] > 0)))
            st = fail(r, err, "%s %zu is %g", j < d->features ? "center" : "scale",
                      j % d->features, stats[j]);
    }
    if (!st)
        st = read_splits(r, d, err); /* allocates class_names "0".., center, scale */
    if (!st) {
        memcpy(d->center, stats, d->features * sizeof(double));
        memcpy(d->scale, stats + d->features, d->features * sizeof(double));
        for (int c = 0; c < d->classes; c++) {
            cz_free(d->class_names[c]);
            d->class_names[c] = class_names[c];
            class_names[c] = NULL;
        }
    }
    for (int c = 0; c < d->classes; c++)
        cz_free(class_names[c]);
    cz_free(class_names);
    cz_free(stats);
    if (st)
        goto fail;
    *out = d;
    return CZ_OK;
fail:
    r->failed = 1;
    cz_dataset_free(d);
    return st;
}
