/* The dataset object: allocation, freeing, per-class queries, and the small
 * file helpers both loaders use. Parsing lives in csv_*.c and npz_*.c. */
#include "dataset.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "../core/alloc.h"
#include "data_internal.h"

cz_csv_opts cz_csv_opts_default(void)
{
    cz_csv_opts o = {
        .label = "label",
        .frac = {0.7, 0.15, 0.15},
        .seed = 0,
        .split_file = NULL,
        .standardize = true,
    };
    return o;
}

const char *cz_path_tail(const char *path)
{
    if (!path)
        return "(null)";
    size_t n = strlen(path);
    return n > 60 ? path + n - 60 : path;
}

void cz_path_stem(const char *path, char *out, size_t cap)
{
    if (!cap)
        return;
    const char *base = path ? strrchr(path, '/') : NULL;
    base = base ? base + 1 : (path ? path : "");
    const char *dot = strrchr(base, '.');
    size_t n = dot && dot != base ? (size_t)(dot - base) : strlen(base);
    if (n >= cap)
        n = cap - 1;
    memcpy(out, base, n);
    out[n] = '\0';
}

cz_status cz_file_read(const char *path, const char *what, uint8_t **data, size_t *len,
                       cz_error *err)
{
    *data = NULL;
    *len = 0;
    if (!path || !*path)
        return cz_error_set(err, CZ_EINVAL, "pass the path of the file", "no %s path given",
                            what);
    FILE *f = fopen(path, "rb");
    if (!f) {
        int e = errno;
        return cz_error_set(err, CZ_EIO,
                            e == ENOENT ? "check the path (relative paths start at the "
                                          "notebook's folder) and the file name"
                                        : "check the file's permissions",
                            "cannot open %s %s: %s", what, cz_path_tail(path), strerror(e));
    }
    /* Sized from fstat when it is a regular file; grown as it reads otherwise. */
    struct stat sb;
    size_t cap = 1 << 16, n = 0;
    if (fstat(fileno(f), &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size >= 0 &&
        (uint64_t)sb.st_size < SIZE_MAX / 2)
        cap = (size_t)sb.st_size + 2;
    uint8_t *buf = cz_alloc(cap);
    cz_status st = CZ_OK;
    while (buf) {
        if (n + 1 >= cap) {
            if (cap > SIZE_MAX / 2) {
                st = cz_error_set(err, CZ_ENOMEM, NULL, "%s %s is too large to read", what,
                                  cz_path_tail(path));
                goto fail;
            }
            uint8_t *bigger = cz_realloc(buf, cap, cap * 2);
            if (!bigger)
                break;
            buf = bigger;
            cap *= 2;
        }
        size_t got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
        if (got == 0)
            break;
    }
    if (!buf || n + 1 >= cap) {
        st = cz_error_set(err, CZ_ENOMEM, NULL, "out of memory reading %s %s", what,
                          cz_path_tail(path));
        goto fail;
    }
    if (ferror(f)) {
        st = cz_error_set(err, CZ_EIO, "check that the path is a readable file, not a folder",
                          "cannot read %s %s: %s", what, cz_path_tail(path), strerror(errno));
        goto fail;
    }
    fclose(f);
    buf[n] = 0;
    *data = buf;
    *len = n;
    return CZ_OK;
fail:
    cz_free(buf);
    fclose(f);
    return st;
}

cz_dataset *cz_dataset_new_empty(void)
{
    return cz_calloc(1, sizeof(cz_dataset));
}

cz_status cz_dataset_alloc_buffers(cz_dataset *d, const size_t rows[CZ_SPLIT_COUNT],
                                   cz_error *err)
{
    for (int s = 0; s < CZ_SPLIT_COUNT; s++) {
        d->split[s].rows = rows[s];
        if (d->features && rows[s] > SIZE_MAX / sizeof(cz_real) / d->features)
            return cz_error_set(err, CZ_ENOMEM, NULL, "%zu rows of %zu features do not fit",
                                rows[s], d->features);
        d->split[s].x = cz_alloc(rows[s] * d->features * sizeof(cz_real));
        d->split[s].y = cz_calloc(rows[s], sizeof(int32_t));
        if (!d->split[s].x || !d->split[s].y)
            goto oom;
    }
    d->center = cz_calloc(d->features, sizeof(double));
    d->scale = cz_calloc(d->features, sizeof(double));
    d->class_names = cz_calloc((size_t)d->classes, sizeof(char *));
    if (!d->center || !d->scale || !d->class_names)
        goto oom;
    for (int c = 0; c < d->classes; c++) {
        char num[16];
        snprintf(num, sizeof num, "%d", c);
        if (!(d->class_names[c] = cz_strdup(num)))
            goto oom;
    }
    return CZ_OK;
oom:
    return cz_error_set(err, CZ_ENOMEM, "free memory or use a smaller dataset",
                        "out of memory allocating dataset %s (%zu features)", d->name,
                        d->features);
}

static void free_names(char **names, size_t n)
{
    if (!names)
        return;
    for (size_t i = 0; i < n; i++)
        cz_free(names[i]);
    cz_free(names);
}

void cz_dataset_free(cz_dataset *d)
{
    if (!d)
        return;
    for (int s = 0; s < CZ_SPLIT_COUNT; s++) {
        cz_free(d->split[s].x);
        cz_free(d->split[s].y);
    }
    free_names(d->feature_names, d->features);
    free_names(d->class_names, d->classes > 0 ? (size_t)d->classes : 0);
    cz_free(d->center);
    cz_free(d->scale);
    cz_free(d);
}

size_t cz_dataset_class_count(const cz_dataset *d, cz_split s, int c)
{
    if (!d || (int)s < 0 || s >= CZ_SPLIT_COUNT)
        return 0;
    size_t n = 0;
    for (size_t i = 0; i < d->split[s].rows; i++)
        n += d->split[s].y[i] == c;
    return n;
}

size_t cz_dataset_class_rows(const cz_dataset *d, cz_split s, int c, size_t *idx)
{
    if (!d || (int)s < 0 || s >= CZ_SPLIT_COUNT)
        return 0;
    size_t n = 0;
    for (size_t i = 0; i < d->split[s].rows; i++)
        if (d->split[s].y[i] == c)
            idx[n++] = i;
    return n;
}

void cz_dataset_class_weights(const cz_dataset *d, cz_split s, double *w)
{
    if (!d || (int)s < 0 || s >= CZ_SPLIT_COUNT)
        return;
    size_t rows = d->split[s].rows;
    for (int c = 0; c < d->classes; c++) {
        size_t n = cz_dataset_class_count(d, s, c);
        w[c] = n ? (double)rows / ((double)d->classes * (double)n) : 0.0;
    }
}
