/* The fixed train/val/test split of tabular data: cz-split-v1 computed from
 * the labels (bit-exact with ../shared/data/scripts/make_splits.py), or read
 * from a shipped .split file. Nothing here reads or scales features. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../core/alloc.h"
#include "../core/rng.h"
#include "data_internal.h"

/* Fractions are taken in millionths so 0.15 is exact integer arithmetic:
 * (150000 n + 500000) / 1000000 == (15 n + 50) / 100, make_splits.py's rule. */
#define FRAC_UNIT 1000000ULL

static size_t share(uint64_t millionths, size_t n)
{
    return (size_t)((millionths * (uint64_t)n + FRAC_UNIT / 2) / FRAC_UNIT);
}

static cz_status check_frac(const double frac[3], uint64_t parts[3], cz_error *err)
{
    double sum = 0;
    for (int i = 0; i < 3; i++) {
        if (!(frac[i] >= 0 && frac[i] <= 1))
            return cz_error_set(err, CZ_EINVAL, "pass split = {train, val, test}, e.g. {0.7, 0.15, 0.15}",
                                "split fraction %d is %g; each must be in [0, 1]", i + 1, frac[i]);
        sum += frac[i];
        parts[i] = (uint64_t)llround(frac[i] * (double)FRAC_UNIT);
    }
    if (fabs(sum - 1.0) > 1e-6)
        return cz_error_set(err, CZ_EINVAL, "pass split = {train, val, test} summing to 1, e.g. {0.7, 0.15, 0.15}",
                            "split fractions %g + %g + %g sum to %g, not 1", frac[0], frac[1],
                            frac[2], sum);
    if (parts[0] == 0)
        return cz_error_set(err, CZ_EINVAL, "give the training split a nonzero fraction",
                            "the training fraction is 0");
    return CZ_OK;
}

cz_status cz_split_v1(const int32_t *labels, size_t rows, int classes, const double frac[3],
                      uint64_t seed, uint8_t *assign, cz_error *err)
{
    uint64_t parts[3];
    cz_status st = check_frac(frac, parts, err);
    if (st)
        return st;
    if (classes < 1)
        return cz_error_set(err, CZ_EINVAL, NULL, "classes is %d; it must be at least 1", classes);
    if (rows > ((size_t)1 << 40))
        return cz_error_set(err, CZ_EINVAL, NULL, "%zu rows are too many to split", rows);
    size_t *start = cz_calloc((size_t)classes + 1, sizeof(size_t));
    size_t *idx = cz_calloc(rows, sizeof(size_t));
    if (!start || !idx) {
        st = cz_error_set(err, CZ_ENOMEM, NULL, "out of memory splitting %zu rows", rows);
        goto done;
    }
    for (size_t i = 0; i < rows; i++) {
        if (labels[i] < 0 || labels[i] >= classes) {
            st = cz_error_set(err, CZ_EINVAL, "labels must be class indices 0..k-1",
                              "row %zu has label %d, outside 0..%d", i, (int)labels[i],
                              classes - 1);
            goto done;
        }
        start[labels[i] + 1]++;
    }
    for (int c = 0; c < classes; c++)
        start[c + 1] += start[c];
    /* Counting sort keeps file order within each class, as the protocol needs. */
    size_t *fill = cz_calloc((size_t)classes, sizeof(size_t));
    if (!fill) {
        st = cz_error_set(err, CZ_ENOMEM, NULL, "out of memory splitting %zu rows", rows);
        goto done;
    }
    for (size_t i = 0; i < rows; i++)
        idx[start[labels[i]] + fill[labels[i]]++] = i;
    cz_free(fill);

    uint64_t state = seed; /* one SplitMix64 stream shared across classes */
    for (int c = 0; c < classes; c++) {
        size_t *cls = idx + start[c];
        size_t n = start[c + 1] - start[c];
        if (n == 0)
            continue;
        size_t n_val = share(parts[1], n), n_test = share(parts[2], n);
        if (n_val + n_test >= n || (parts[1] && !n_val) || (parts[2] && !n_test)) {
            st = cz_error_set(err, CZ_EINVAL,
                              "add rows of that class, merge it with another, or change split "
                              "= {train, val, test}",
                              "class %d has %zu row%s, too few for the split %.2f/%.2f/%.2f: "
                              "each split needs at least one row of every class",
                              c, n, n == 1 ? "" : "s", frac[0], frac[1], frac[2]);
            goto done;
        }
        for (size_t i = n - 1; i >= 1; i--) {
            size_t j = (size_t)(cz_splitmix64(&state) % (uint64_t)(i + 1));
            size_t t = cls[i];
            cls[i] = cls[j];
            cls[j] = t;
        }
        size_t n_train = n - n_val - n_test;
        for (size_t k = 0; k < n; k++)
            assign[cls[k]] = k < n_train ? CZ_TRAIN : (k < n_train + n_val ? CZ_VAL : CZ_TEST);
    }
done:
    cz_free(start);
    cz_free(idx);
    return st;
}

/* One line of the split file without its line end and surrounding blanks. */
static size_t next_line(const char *text, size_t len, size_t *pos, const char **line)
{
    size_t b = *pos, e = b;
    while (e < len && text[e] != '\n')
        e++;
    *pos = e < len ? e + 1 : e;
    while (b < e && (text[b] == ' ' || text[b] == '\t'))
        b++;
    while (e > b && (text[e - 1] == '\r' || text[e - 1] == ' ' || text[e - 1] == '\t'))
        e--;
    *line = text + b;
    return e - b;
}

static bool word_is(const char *s, size_t n, const char *w)
{
    return n == strlen(w) && memcmp(s, w, n) == 0;
}

cz_status cz_split_file_parse(const char *text, size_t len, const char *source, size_t rows,
                              uint8_t *assign, cz_error *err)
{
    size_t pos = 0, lineno = 1;
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
        pos = 3;
    const char *w;
    size_t n = next_line(text, len, &pos, &w);
    if (!word_is(w, n, "split"))
        return cz_error_set(err, CZ_EFORMAT,
                            "a split file starts with the line \"split\", then one word (train, "
                            "val or test) per data row of the CSV",
                            "%s line 1 is not \"split\"%s", cz_path_tail(source),
                            len == 0 ? " (the file is empty)" : "");
    size_t count = 0, in_split[CZ_SPLIT_COUNT] = {0};
    while (pos < len) {
        lineno++;
        n = next_line(text, len, &pos, &w);
        if (n == 0 && pos >= len)
            break; /* the final line end */
        uint8_t a;
        if (word_is(w, n, "train"))
            a = CZ_TRAIN;
        else if (word_is(w, n, "val"))
            a = CZ_VAL;
        else if (word_is(w, n, "test"))
            a = CZ_TEST;
        else {
            char shown[24];
            size_t k = 0;
            for (; k < n && k < 20; k++)
                shown[k] = (w[k] >= 32 && w[k] < 127) ? w[k] : '?';
            shown[k] = '\0';
            return cz_error_set(err, CZ_EFORMAT, "each line after the first must be train, val or test",
                                "%s line %zu: \"%s\" is not train, val or test",
                                cz_path_tail(source), lineno, shown);
        }
        if (count == rows)
            return cz_error_set(err, CZ_EFORMAT,
                                "use the split file made for this CSV (same rows, same order)",
                                "%s has more rows than the CSV's %zu data rows (line %zu)",
                                cz_path_tail(source), rows, lineno);
        in_split[a]++;
        assign[count++] = a;
    }
    if (count != rows)
        return cz_error_set(err, CZ_EFORMAT,
                            "use the split file made for this CSV (same rows, same order)",
                            "%s has %zu rows, the CSV has %zu data rows", cz_path_tail(source),
                            count, rows);
    if (in_split[CZ_TRAIN] == 0)
        return cz_error_set(err, CZ_EFORMAT, "mark at least one row train",
                            "%s puts no row in the training split", cz_path_tail(source));
    return CZ_OK;
}
