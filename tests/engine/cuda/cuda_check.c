/* Helpers for the CUDA suites (cuda_check.h). */
#include "cuda_check.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>

#include "core/rng.h"

cz_backend *cuda_or_skip(void)
{
    cz_error err;
    cz_backend *be = cz_backend_select("cuda", &err);
    if (!be)
        cr_skip_test("no CUDA device: %s (%s)", err.msg, cz_status_name(err.code));
    return be;
}

void expect_sync_ok(cz_backend *be)
{
    cz_error err;
    cz_status st = cz_backend_sync(be, &err);
    cr_assert_eq(st, CZ_OK, "backend error: %s (%s) [hint: %s]", err.msg, cz_status_name(st), err.hint);
}

static void *dev_bytes(cz_backend *be, const void *host, size_t bytes)
{
    void *d = be->ops->alloc(be, bytes);
    cr_assert_not_null(d, "device allocation of %zu bytes failed", bytes);
    if (host && bytes)
        be->ops->upload(be, d, host, bytes);
    expect_sync_ok(be);
    return d;
}

cz_real *dev_copy(cz_backend *be, const cz_real *host, size_t n)
{
    return dev_bytes(be, host, n * sizeof *host);
}

int32_t *dev_copy_labels(cz_backend *be, const int32_t *host, size_t n)
{
    return dev_bytes(be, host, n * sizeof *host);
}

cz_real *dev_zeros(cz_backend *be, size_t n)
{
    return dev_bytes(be, NULL, n * sizeof(cz_real));
}

void dev_free(cz_backend *be, void *p)
{
    be->ops->free(be, p);
}

void host_from(cz_backend *be, cz_real *host, const cz_real *dev, size_t n)
{
    be->ops->download(be, host, dev, n * sizeof *host);
    expect_sync_ok(be);
}

void fill_uniform(cz_real *v, size_t n, uint64_t seed, double lo, double hi)
{
    cz_rng rng;
    cz_rng_seed(&rng, seed);
    for (size_t i = 0; i < n; i++)
        v[i] = (cz_real)(lo + (hi - lo) * cz_rng_uniform(&rng));
}

cz_real *host_alloc(size_t n)
{
    cz_real *p = calloc(n ? n : 1, sizeof *p);
    cr_assert_not_null(p);
    return p;
}

void expect_close(const char *what, const cz_real *got, const cz_real *want, size_t n, double tol)
{
    double scale = 1e-30, worst = -1.0;
    size_t at = 0;
    for (size_t i = 0; i < n; i++) {
        cr_assert(isfinite(got[i]) && isfinite(want[i]), "%s[%zu]: got %g, want %g (not finite)", what,
                  i, (double)got[i], (double)want[i]);
        scale = fabs(want[i]) > scale ? fabs(want[i]) : scale;
        double d = fabs((double)got[i] - (double)want[i]);
        if (d > worst) {
            worst = d;
            at = i;
        }
    }
    cr_assert(n == 0 || worst <= tol * scale,
              "%s: worst at [%zu]: got %.9g, want %.9g (|diff| %.3g > %.1g x max|want| %.3g)", what, at,
              (double)got[at], (double)want[at], worst, tol, scale);
}

void expect_close1(const char *what, double got, double want, double tol)
{
    double scale = fabs(want) > 1e-12 ? fabs(want) : 1e-12;
    cr_assert(isfinite(got) && fabs(got - want) <= tol * scale, "%s: got %.12g, want %.12g (tol %.1g)",
              what, got, want, tol);
}
