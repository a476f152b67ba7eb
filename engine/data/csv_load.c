/* CSV file -> dataset: finds the label column, checks the labels are class
 * indices 0..k-1, splits the rows (cz-split-v1 or a .split file), imputes and
 * standardises on the training rows, and fills the three splits in file
 * order. Tokenising is csv_parse.c's job; the split and scaling rules are in
 * split.c and preprocess.c. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../core/alloc.h"
#include "data_internal.h"

/* Labels are class indices; more classes than this is a regression target or
 * an id column picked by mistake. */
#define MAX_CLASSES 1000

/* Case-insensitive edit distance of the first 64 characters. */
static size_t edit_distance(const char *a, const char *b)
{
    size_t n = strnlen(a, 64), m = strnlen(b, 64);
    size_t prev[65], cur[65];
    for (size_t j = 0; j <= m; j++)
        prev[j] = j;
    for (size_t i = 1; i <= n; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= m; j++) {
            size_t cost = tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]);
            size_t best = prev[j - 1] + cost;
            if (prev[j] + 1 < best)
                best = prev[j] + 1;
            if (cur[j - 1] + 1 < best)
                best = cur[j - 1] + 1;
            cur[j] = best;
        }
        memcpy(prev, cur, sizeof prev);
    }
    return prev[m];
}

static cz_status label_not_found(const cz_csv_table *t, const char *label, const char *source,
                                 cz_error *err)
{
    size_t best = SIZE_MAX, at = 0;
    for (size_t c = 0; c < t->cols; c++) {
        size_t d = edit_distance(label, t->names[c]);
        if (d < best) {
            best = d;
            at = c;
        }
    }
    size_t len = strlen(label);
    bool close = best <= (len > 6 ? len / 3 : 2);
    char cols[120];
    size_t k = 0;
    for (size_t c = 0; c < t->cols && k + 2 < sizeof cols; c++) {
        int w = snprintf(cols + k, sizeof cols - k, "%s%s", c ? ", " : "", t->names[c]);
        if (w < 0 || (size_t)w >= sizeof cols - k) {
            snprintf(cols + k, sizeof cols - k, ", ...");
            break;
        }
        k += (size_t)w;
    }
    char hint[CZ_ERROR_TEXT];
    if (close)
        snprintf(hint, sizeof hint, "did you mean \"%.60s\"? pass {label = \"%.60s\"}",
                 t->names[at], t->names[at]);
    else
        snprintf(hint, sizeof hint, "pass {label = \"NAME\"} with one of the %zu columns",
                 t->cols);
    return cz_error_set(err, CZ_EINVAL, hint,
                        "label column \"%.40s\" not found in %s; columns are: %s",
                        label, cz_path_tail(source), cols);
}

/* Labels as class indices; sets *classes. */
static cz_status read_labels(const cz_csv_table *t, size_t lc, const char *source,
                             int32_t *y, int *classes, cz_error *err)
{
    size_t counts[MAX_CLASSES] = {0};
    int k = 0;
    for (size_t r = 0; r < t->rows; r++) {
        double v = t->cells[r * t->cols + lc];
        if (isnan(v))
            return cz_error_set(err, CZ_EFORMAT, "every row needs a label; drop rows without one",
                                "%s line %zu, column %zu (\"%.40s\"): the label is empty",
                                cz_path_tail(source), t->line[r], lc + 1, t->names[lc]);
        if (v != floor(v) || v < 0 || v >= MAX_CLASSES)
            return cz_error_set(err, CZ_EFORMAT,
                                "labels must be class indices 0..k-1 (recode e.g. 1/2 as 0/1); "
                                "for another outcome column pass {label = \"NAME\"}",
                                "%s line %zu, column %zu (\"%.40s\"): label %g is not a class "
                                "index 0..%d",
                                cz_path_tail(source), t->line[r], lc + 1, t->names[lc], v,
                                MAX_CLASSES - 1);
        y[r] = (int32_t)v;
        counts[y[r]]++;
        if (y[r] + 1 > k)
            k = y[r] + 1;
    }
    int distinct = 0;
    for (int c = 0; c < k; c++)
        distinct += counts[c] > 0;
    if (distinct < 2)
        return cz_error_set(err, CZ_EFORMAT,
                            "a classifier needs rows of at least two classes; check the label "
                            "column and that the file is complete",
                            "%s: every one of the %zu rows has label %d (column \"%.40s\")",
                            cz_path_tail(source), t->rows, k - 1, t->names[lc]);
    for (int c = 0; c < k; c++)
        if (counts[c] == 0)
            return cz_error_set(err, CZ_EFORMAT,
                                "recode the labels as 0..k-1 with every value used (e.g. 1/2 "
                                "as 0/1)",
                                "%s: labels must be 0..%d, but no row has label %d (column "
                                "\"%.40s\")",
                                cz_path_tail(source), k - 1, c, t->names[lc]);
    *classes = k;
    return CZ_OK;
}

static cz_status assign_rows(const cz_csv_opts *o, const int32_t *y, size_t rows, int classes,
                             const char *source, uint8_t *assign, cz_error *err)
{
    if (!o->split_file) {
        cz_status st = cz_split_v1(y, rows, classes, o->frac, o->seed, assign, err);
        if (st)
            cz_error_prefix(err, "%s", cz_path_tail(source));
        return st;
    }
    uint8_t *text;
    size_t len;
    cz_status st = cz_file_read(o->split_file, "split file", &text, &len, err);
    if (st)
        return st;
    st = cz_split_file_parse((const char *)text, len, o->split_file, rows, assign, err);
    cz_free(text);
    return st;
}

/* Copies the feature columns (all but lc) of the table into x (rows x cols-1). */
static size_t copy_features(const cz_csv_table *t, size_t lc, double *x)
{
    size_t f = t->cols - 1, missing = 0;
    for (size_t r = 0; r < t->rows; r++) {
        const double *row = t->cells + r * t->cols;
        for (size_t c = 0, j = 0; c < t->cols; c++) {
            if (c == lc)
                continue;
            missing += isnan(row[c]) != 0;
            x[r * f + j++] = row[c];
        }
    }
    return missing;
}

static cz_status build(const cz_csv_table *t, size_t lc, const cz_csv_opts *o,
                       const char *source, cz_dataset *d, cz_error *err)
{
    size_t rows = t->rows;
    d->features = t->cols - 1;
    d->channels = 1;
    d->height = 1;
    d->width = (int)d->features;
    cz_path_stem(source, d->name, sizeof d->name);
    int32_t *y = cz_calloc(rows, sizeof(int32_t));
    uint8_t *assign = cz_calloc(rows, 1);
    double *x = cz_calloc(rows * d->features, sizeof(double));
    cz_status st = CZ_OK;
    if (!y || !assign || !x) {
        st = cz_error_set(err, CZ_ENOMEM, NULL, "out of memory loading %s", cz_path_tail(source));
        goto done;
    }
    if ((st = read_labels(t, lc, source, y, &d->classes, err)))
        goto done;
    if ((st = assign_rows(o, y, rows, d->classes, source, assign, err)))
        goto done;
    size_t missing = copy_features(t, lc, x);
    d->missing_rate = (double)missing / (double)(rows * d->features);
    size_t per[CZ_SPLIT_COUNT] = {0};
    for (size_t r = 0; r < rows; r++)
        per[assign[r]]++;
    if ((st = cz_dataset_alloc_buffers(d, per, err)))
        goto done;
    if ((st = cz_preprocess_fit_apply(x, rows, d->features, assign, o->standardize, d->center,
                                      d->scale, err))) {
        cz_error_prefix(err, "%s", cz_path_tail(source));
        goto done;
    }
    d->feature_names = cz_calloc(d->features, sizeof(char *));
    if (!d->feature_names) {
        st = cz_error_set(err, CZ_ENOMEM, NULL, "out of memory loading %s", cz_path_tail(source));
        goto done;
    }
    for (size_t c = 0, j = 0; c < t->cols; c++)
        if (c != lc && !(d->feature_names[j++] = cz_strdup(t->names[c]))) {
            st = cz_error_set(err, CZ_ENOMEM, NULL, "out of memory loading %s",
                              cz_path_tail(source));
            goto done;
        }
    size_t fill[CZ_SPLIT_COUNT] = {0};
    for (size_t r = 0; r < rows; r++) {
        cz_split_data *s = &d->split[assign[r]];
        size_t i = fill[assign[r]]++;
        for (size_t j = 0; j < d->features; j++)
            s->x[i * d->features + j] = (cz_real)x[r * d->features + j];
        s->y[i] = y[r];
    }
done:
    cz_free(y);
    cz_free(assign);
    cz_free(x);
    return st;
}

cz_status cz_dataset_load_csv_text(const char *text, size_t len, const char *source,
                                   const cz_csv_opts *opts, cz_dataset **out, cz_error *err)
{
    *out = NULL;
    cz_csv_opts o = opts ? *opts : cz_csv_opts_default();
    if (!o.label || !*o.label)
        o.label = "label";
    if (!source)
        source = "CSV";
    cz_csv_table t;
    cz_status st = cz_csv_parse(text, len, source, &t, err);
    if (st)
        return st;
    size_t lc = t.cols;
    for (size_t c = 0; c < t.cols; c++)
        if (strcmp(t.names[c], o.label) == 0)
            lc = c;
    cz_dataset *d = NULL;
    if (lc == t.cols) {
        st = label_not_found(&t, o.label, source, err);
        goto done;
    }
    if (t.cols < 2) {
        st = cz_error_set(err, CZ_EFORMAT, "add feature columns next to the label",
                          "%s has only the label column \"%.40s\"", cz_path_tail(source),
                          o.label);
        goto done;
    }
    if (!(d = cz_dataset_new_empty())) {
        st = cz_error_set(err, CZ_ENOMEM, NULL, "out of memory loading %s", cz_path_tail(source));
        goto done;
    }
    if ((st = build(&t, lc, &o, source, d, err))) {
        cz_dataset_free(d);
        d = NULL;
    }
done:
    cz_csv_table_free(&t);
    *out = d;
    return st;
}

cz_status cz_dataset_load_csv(const char *path, const cz_csv_opts *opts, cz_dataset **out,
                              cz_error *err)
{
    *out = NULL;
    uint8_t *text;
    size_t len;
    cz_status st = cz_file_read(path, "CSV", &text, &len, err);
    if (st)
        return st;
    st = cz_dataset_load_csv_text((const char *)text, len, path, opts, out, err);
    cz_free(text);
    return st;
}
