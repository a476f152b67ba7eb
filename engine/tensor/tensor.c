/* Tensor bookkeeping: shapes, ownership, views and host transfers. The data
 * itself is allocated and moved by the tensor's backend. */
#include "tensor.h"

#include <stdio.h>
#include <string.h>

#include "../backend/backend_impl.h"
#include "../core/alloc.h"

int64_t cz_shape_numel(int ndim, const int64_t *shape)
{
    int64_t n = 1;
    for (int i = 0; i < ndim; i++)
        n *= shape[i];
    return n;
}

char *cz_shape_str(char *buf, size_t size, int ndim, const int64_t *shape)
{
    size_t used = 0;
    used += (size_t)snprintf(buf, size, "(");
    for (int i = 0; i < ndim && used < size; i++)
        used += (size_t)snprintf(buf + used, size - used, i ? ", %lld" : "%lld", (long long)shape[i]);
    if (used < size)
        snprintf(buf + used, size - used, ")");
    return buf;
}

cz_tensor *cz_tensor_new(cz_backend *be, int ndim, const int64_t *shape, cz_error *err)
{
    if (ndim < 1 || ndim > CZ_MAX_DIMS) {
        cz_error_set(err, CZ_ESHAPE, "tensors have 1 to 4 dimensions", "tensor with %d dimensions", ndim);
        return NULL;
    }
    for (int i = 0; i < ndim; i++) {
        if (shape[i] < 0) {
            char s[96];
            cz_error_set(err, CZ_ESHAPE, NULL, "negative dimension in shape %s",
                         cz_shape_str(s, sizeof s, ndim, shape));
            return NULL;
        }
    }
    cz_tensor *t = cz_calloc(1, sizeof *t);
    if (!t)
        goto nomem;
    t->ndim = ndim;
    memcpy(t->shape, shape, (size_t)ndim * sizeof *shape);
    t->numel = cz_shape_numel(ndim, shape);
    t->backend = be;
    t->data = be->ops->alloc(be, (size_t)t->numel * sizeof(cz_real));
    if (!t->data)
        goto nomem;
    return t;
nomem:
    cz_free(t);
    {
        char s[96];
        cz_error_set(err, CZ_ENOMEM, "free memory or use a smaller batch or model",
                     "out of %s memory for a tensor of shape %s", cz_backend_name(be),
                     cz_shape_str(s, sizeof s, ndim, shape));
    }
    return NULL;
}

cz_tensor *cz_tensor_new1(cz_backend *be, int64_t n, cz_error *err)
{
    return cz_tensor_new(be, 1, &n, err);
}

cz_tensor *cz_tensor_new2(cz_backend *be, int64_t rows, int64_t cols, cz_error *err)
{
    int64_t shape[2] = {rows, cols};
    return cz_tensor_new(be, 2, shape, err);
}

cz_tensor *cz_tensor_clone(const cz_tensor *src, cz_error *err)
{
    cz_tensor *t = cz_tensor_new(src->backend, src->ndim, src->shape, err);
    if (t && t->numel)
        src->backend->ops->copy(src->backend, t->data, src->data, (size_t)t->numel * sizeof(cz_real));
    return t;
}

void cz_tensor_free(cz_tensor **t)
{
    if (!t || !*t)
        return;
    CZ_ASSERT((*t)->view_src == NULL); /* views are values, never freed */
    (*t)->backend->ops->free((*t)->backend, (*t)->data);
    cz_free(*t);
    *t = NULL;
}

cz_tensor cz_tensor_view(const cz_tensor *src, int64_t offset, int ndim, const int64_t *shape)
{
    CZ_ASSERT(ndim >= 1 && ndim <= CZ_MAX_DIMS);
    cz_tensor v;
    memset(&v, 0, sizeof v);
    v.ndim = ndim;
    memcpy(v.shape, shape, (size_t)ndim * sizeof *shape);
    v.numel = cz_shape_numel(ndim, shape);
    CZ_ASSERT(offset >= 0 && offset + v.numel <= src->numel);
    v.data = src->data + offset;
    v.backend = src->backend;
    v.view_src = src->view_src ? src->view_src : src;
    return v;
}

cz_tensor cz_tensor_rows(const cz_tensor *src, int64_t row0, int64_t nrows)
{
    int64_t shape[CZ_MAX_DIMS];
    memcpy(shape, src->shape, sizeof shape);
    int64_t row_len = src->shape[0] ? src->numel / src->shape[0] : 0;
    shape[0] = nrows;
    return cz_tensor_view(src, row0 * row_len, src->ndim, shape);
}

cz_tensor cz_tensor_wrap(cz_backend *be, cz_real *data, int ndim, const int64_t *shape)
{
    CZ_ASSERT(ndim >= 1 && ndim <= CZ_MAX_DIMS);
    cz_tensor v;
    memset(&v, 0, sizeof v);
    v.ndim = ndim;
    memcpy(v.shape, shape, (size_t)ndim * sizeof *shape);
    v.numel = cz_shape_numel(ndim, shape);
    v.data = data;
    v.backend = be;
    return v;
}

bool cz_tensor_same_shape(const cz_tensor *a, const cz_tensor *b)
{
    if (a->ndim != b->ndim)
        return false;
    for (int i = 0; i < a->ndim; i++)
        if (a->shape[i] != b->shape[i])
            return false;
    return true;
}

cz_status cz_tensor_upload(cz_tensor *t, const cz_real *host, cz_error *err)
{
    if (t->numel)
        t->backend->ops->upload(t->backend, t->data, host, (size_t)t->numel * sizeof(cz_real));
    return cz_backend_sync(t->backend, err);
}

cz_status cz_tensor_download(const cz_tensor *t, cz_real *host, cz_error *err)
{
    if (t->numel)
        t->backend->ops->download(t->backend, host, t->data, (size_t)t->numel * sizeof(cz_real));
    return cz_backend_sync(t->backend, err);
}

cz_status cz_tensor_copy(cz_tensor *dst, const cz_tensor *src, cz_error *err)
{
    if (dst->numel != src->numel) {
        char a[96], b[96];
        return cz_error_set(err, CZ_ESHAPE, NULL, "copy of %s into %s: element counts differ",
                            cz_shape_str(a, sizeof a, src->ndim, src->shape),
                            cz_shape_str(b, sizeof b, dst->ndim, dst->shape));
    }
    if (dst->backend != src->backend)
        return cz_error_set(err, CZ_EINVAL, "move both tensors to one backend first",
                            "copy between backends %s and %s", cz_backend_name(src->backend),
                            cz_backend_name(dst->backend));
    if (dst->numel)
        dst->backend->ops->copy(dst->backend, dst->data, src->data, (size_t)dst->numel * sizeof(cz_real));
    return CZ_OK;
}
