/* Compute backends behind one opaque handle. The CPU backend (OpenBLAS) is
 * always built; a CUDA backend is built when nvcc was found and picked at run
 * time when a GPU answers. Callers never see the function table
 * (backend_impl.h); they pass a cz_backend * to engine calls.
 *
 * The engine never reads the environment: the kernel reads CONDENSA_BACKEND
 * and CONDENSA_THREADS and passes them here. */
#ifndef CZ_BACKEND_H
#define CZ_BACKEND_H

#include <stdbool.h>

#include "../core/status.h"

typedef struct cz_backend cz_backend;

/* Selects a backend by name: "cpu", "cuda", or "auto"/NULL (CUDA when built
 * and a device is present, else CPU). Returns a process-wide backend that must
 * not be freed; NULL with err filled when the named backend is not available
 * (e.g. "cuda" on a build without CUDA: CZ_EUNSUPPORTED, with a hint). */
cz_backend *cz_backend_select(const char *name, cz_error *err) CZ_WUR;

/* The CPU backend (always available). */
cz_backend *cz_backend_cpu(void);

/* "cpu" or "cuda". */
const char *cz_backend_name(const cz_backend *be);
/* Human description for banners and results, e.g. "cpu (OpenBLAS 0.3.21, 2 threads)"
 * or "cuda (NVIDIA H100 80GB HBM3, cc 9.0)". */
const char *cz_backend_describe(const cz_backend *be);
/* True when tensors of this backend live in host memory. */
bool cz_backend_is_host(const cz_backend *be);

/* Threads used by BLAS and the CPU kernels; n <= 0 keeps the current setting.
 * Results are bit-for-bit reproducible for a given backend and thread count. */
void cz_backend_set_threads(cz_backend *be, int n);
int cz_backend_threads(const cz_backend *be);

/* Waits for queued work and reports any deferred error (a CUDA launch failure)
 * as a status. The CPU backend always returns CZ_OK. */
cz_status cz_backend_sync(cz_backend *be, cz_error *err) CZ_WUR;

#endif
