/* cz_tensor: a dense, contiguous, row-major array of cz_real with an explicit
 * shape (up to 4 dims), living in the memory of one backend (host for the CPU
 * backend, device memory for CUDA).
 *
 * Ownership: cz_tensor_new returns an owned tensor (free with cz_tensor_free,
 * which nulls the pointer). cz_tensor_view returns a borrowed view by value: it
 * records its base in view_src and never frees data; it must not outlive its base.
 * This file does no arithmetic: that is the backend's job (backend.h). */
#ifndef CZ_TENSOR_H
#define CZ_TENSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/real.h"
#include "../core/status.h"

#define CZ_MAX_DIMS 4

typedef struct cz_backend cz_backend;

typedef struct cz_tensor {
    cz_real *data;                  /* backend memory; NULL only for empty tensors */
    int64_t shape[CZ_MAX_DIMS];
    int ndim;
    int64_t numel;
    cz_backend *backend;            /* borrowed: where data lives */
    const struct cz_tensor *view_src; /* NULL when this tensor owns data */
} cz_tensor;

/* Owned tensor, zero-filled. shape entries must be >= 0; ndim in 1..4.
 * Returns NULL and fills err on a bad shape (CZ_ESHAPE) or no memory (CZ_ENOMEM). */
cz_tensor *cz_tensor_new(cz_backend *be, int ndim, const int64_t *shape, cz_error *err) CZ_WUR;
/* Shorthands for 1-d and 2-d tensors. */
cz_tensor *cz_tensor_new1(cz_backend *be, int64_t n, cz_error *err) CZ_WUR;
cz_tensor *cz_tensor_new2(cz_backend *be, int64_t rows, int64_t cols, cz_error *err) CZ_WUR;
/* Owned deep copy on the same backend. */
cz_tensor *cz_tensor_clone(const cz_tensor *src, cz_error *err) CZ_WUR;
/* Frees an owned tensor and sets *t = NULL; accepts NULL and *t == NULL. */
void cz_tensor_free(cz_tensor **t);

/* Borrowed view of numel(shape) elements of src starting at element offset.
 * Aborts (invariant) if the view does not fit inside src: callers compute
 * views from shapes they already validated. */
cz_tensor cz_tensor_view(const cz_tensor *src, int64_t offset, int ndim, const int64_t *shape);
/* Borrowed view of rows [row0, row0 + nrows) along dim 0, other dims kept. */
cz_tensor cz_tensor_rows(const cz_tensor *src, int64_t row0, int64_t nrows);
/* Wraps external backend memory as a borrowed tensor (view_src = NULL, not owned:
 * never pass it to cz_tensor_free). */
cz_tensor cz_tensor_wrap(cz_backend *be, cz_real *data, int ndim, const int64_t *shape);

/* Product of the shape (0 for an empty tensor). */
int64_t cz_shape_numel(int ndim, const int64_t *shape);
/* True when both tensors have the same shape. */
bool cz_tensor_same_shape(const cz_tensor *a, const cz_tensor *b);
/* Writes "(3, 28, 28)" into buf (always NUL-terminated); returns buf. */
char *cz_shape_str(char *buf, size_t size, int ndim, const int64_t *shape);

/* Host <-> tensor copies; n = t->numel elements. */
cz_status cz_tensor_upload(cz_tensor *t, const cz_real *host, cz_error *err) CZ_WUR;
cz_status cz_tensor_download(const cz_tensor *t, cz_real *host, cz_error *err) CZ_WUR;
/* dst = src (same numel; shapes may differ). */
cz_status cz_tensor_copy(cz_tensor *dst, const cz_tensor *src, cz_error *err) CZ_WUR;

#endif
