/* Median imputation and standardisation of tabular features, fitted on the
 * training rows only (so validation and test rows leak nothing into the
 * model), then applied to every row. Works in double; the loader rounds to
 * cz_real afterwards. */
#include <float.h>
#include <math.h>
#include <stdlib.h>

#include "../core/alloc.h"
#include "data_internal.h"

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Median of the non-missing training values of column c (numpy's: the mean
 * of the two middle values for an even count); 0 when there are none. */
static double train_median(const double *x, size_t rows, size_t cols, size_t c,
                           const uint8_t *assign, double *scratch)
{
    size_t n = 0;
    for (size_t r = 0; r < rows; r++)
        if (assign[r] == CZ_TRAIN && !isnan(x[r * cols + c]))
            scratch[n++] = x[r * cols + c];
    if (n == 0)
        return 0.0;
    qsort(scratch, n, sizeof(double), cmp_double);
    return n % 2 ? scratch[n / 2] : 0.5 * (scratch[n / 2 - 1] + scratch[n / 2]);
}

cz_status cz_preprocess_fit_apply(double *x, size_t rows, size_t cols, const uint8_t *assign,
                                  bool standardize, double *center, double *scale,
                                  cz_error *err)
{
    double *scratch = cz_calloc(rows ? rows : 1, sizeof(double));
    if (!scratch)
        return cz_error_set(err, CZ_ENOMEM, NULL, "out of memory imputing %zu rows", rows);
    for (size_t c = 0; c < cols; c++) {
        double med = train_median(x, rows, cols, c, assign, scratch);
        for (size_t r = 0; r < rows; r++)
            if (isnan(x[r * cols + c]))
                x[r * cols + c] = med;
        center[c] = 0.0;
        scale[c] = 1.0;
        if (!standardize)
            continue;
        /* Two passes (mean, then squared deviations) for accuracy. */
        double sum = 0.0;
        size_t n = 0;
        for (size_t r = 0; r < rows; r++)
            if (assign[r] == CZ_TRAIN) {
                sum += x[r * cols + c];
                n++;
            }
        double mean = n ? sum / (double)n : 0.0, ss = 0.0;
        for (size_t r = 0; r < rows; r++)
            if (assign[r] == CZ_TRAIN) {
                double d = x[r * cols + c] - mean;
                ss += d * d;
            }
        if (!isfinite(mean) || !isfinite(ss)) {
            cz_free(scratch);
            return cz_error_set(err, CZ_ENUMERIC, "rescale that column (e.g. to other units)",
                                "feature %zu: its values are too large to standardise in double "
                                "precision", c + 1);
        }
        double sd = n ? sqrt(ss / (double)n) : 0.0;
        /* A constant column (as sklearn's StandardScaler: scale 1 when the
         * spread is at rounding level) is centred, not divided by ~0. */
        if (!(sd > 10.0 * DBL_EPSILON * fmax(1.0, fabs(mean))))
            sd = 1.0;
        center[c] = mean;
        scale[c] = sd;
        for (size_t r = 0; r < rows; r++)
            x[r * cols + c] = (x[r * cols + c] - mean) / sd;
    }
    cz_free(scratch);
    return CZ_OK;
}
