/* Helpers for the CUDA suites: the device or a skip (a machine without a GPU
 * skips every device test with the probe's message), host <-> device copies
 * that fail the test when the backend reports an error, and comparisons of a
 * GPU result with the CPU backend's. */
#ifndef CZ_CUDA_CHECK_H
#define CZ_CUDA_CHECK_H

#include <stddef.h>
#include <stdint.h>

#include "backend/backend_impl.h"

/* The CUDA backend; skips the calling test when no device answers. */
cz_backend *cuda_or_skip(void);

/* Device copies of host arrays (fail the test on error); free with dev_free. */
cz_real *dev_copy(cz_backend *be, const cz_real *host, size_t n);
int32_t *dev_copy_labels(cz_backend *be, const int32_t *host, size_t n);
cz_real *dev_zeros(cz_backend *be, size_t n);
void dev_free(cz_backend *be, void *p);
/* host = dev (n values), then sync; fails the test on a backend error. */
void host_from(cz_backend *be, cz_real *host, const cz_real *dev, size_t n);
/* cz_backend_sync must succeed. */
void expect_sync_ok(cz_backend *be);

/* Values uniform in [lo, hi] from a seeded cz_rng. */
void fill_uniform(cz_real *v, size_t n, uint64_t seed, double lo, double hi);
/* Host buffers (fail the test when out of memory); free with free(). */
cz_real *host_alloc(size_t n);

/* Fails unless max_i |got_i - want_i| <= tol * max(max_i |want_i|, floor),
 * naming the worst index and both values. Both must be finite. */
void expect_close(const char *what, const cz_real *got, const cz_real *want, size_t n, double tol);
/* |got - want| <= tol * max(|want|, 1e-12). */
void expect_close1(const char *what, double got, double want, double tol);

#endif
