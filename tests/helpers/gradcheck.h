/* Derivative checks by central finite differences, for the float64 test
 * build (cz_real is double there). Errors are relative to the largest
 * reference magnitude (max_i |a_i - n_i| / max_i |n_i|), so near-zero entries
 * do not dominate; the report names the worst index and both values. */
#ifndef CZ_GRADCHECK_H
#define CZ_GRADCHECK_H

#include <stddef.h>

#include "core/real.h"

typedef struct gc_report {
    double err;        /* max |analytic - numeric| / max |numeric| */
    size_t worst;      /* index of the largest difference */
    double analytic, numeric;
    double scale;      /* max |numeric| */
} gc_report;

/* Scalar function of v (n values) and vector function (m outputs). */
typedef double (*gc_scalar_fn)(const cz_real *v, void *user);
typedef void (*gc_vector_fn)(const cz_real *v, cz_real *out, void *user);

/* grad (n) against the central difference of f in each coordinate of v.
 * v is restored afterwards. */
gc_report gc_check_grad(gc_scalar_fn f, void *user, cz_real *v, size_t n, const cz_real *grad,
                        double eps);

/* jdir (m) = J(v) dir against (F(v + eps dir) - F(v - eps dir)) / 2 eps. */
gc_report gc_check_directional(gc_vector_fn F, void *user, const cz_real *v, const cz_real *dir,
                               size_t n, const cz_real *jdir, size_t m, double eps);

/* Compares two vectors the same way (analytic a against reference b). */
gc_report gc_compare(const cz_real *a, const cz_real *b, size_t m);

/* Deterministic fill with values in [lo, hi] (seeded LCG), and a fill whose
 * magnitudes stay in [0.2, 1] with random signs (away from ReLU kinks). */
void gc_fill(cz_real *v, size_t n, unsigned seed, double lo, double hi);
void gc_fill_away_from_zero(cz_real *v, size_t n, unsigned seed);

#endif
