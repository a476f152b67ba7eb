/* Device memory: a caching pool over cudaMalloc, host <-> device copies, fill,
 * and the backend's own scratch buffers.
 *
 * cudaMalloc and cudaFree are slow and synchronise the device, and the engine
 * allocates the same sizes again and again (workspaces, tensors, per-step
 * buffers), so freed blocks are kept and handed out again: the smallest free
 * block that holds the request without wasting more than half of itself.
 * When cudaMalloc fails, the cached blocks are released and it is tried once
 * more. Every block is used in stream order, so a block freed by one op and
 * handed to the next is never written while an earlier kernel still reads it.
 * The block list is a plain array searched linearly: the engine holds tens to
 * hundreds of blocks, not millions. */
#include <string.h>

#include "cuda_internal.cuh"

extern "C" {
#include "../../core/alloc.h"
}

/* Requests are rounded up so that near sizes share blocks. */
static size_t round_size(size_t bytes)
{
    const size_t granule = bytes < ((size_t)1 << 20) ? 512 : ((size_t)1 << 20);
    if (bytes == 0)
        return granule;
    return (bytes + granule - 1) / granule * granule;
}

static void *reuse(cuda_ctx *c, size_t want)
{
    size_t best = c->n_blocks;
    for (size_t i = 0; i < c->n_blocks; i++) {
        const cuda_block *b = &c->blocks[i];
        if (b->in_use || b->bytes < want || b->bytes > 2 * want)
            continue;
        if (best == c->n_blocks || b->bytes < c->blocks[best].bytes)
            best = i;
    }
    if (best == c->n_blocks)
        return NULL;
    c->blocks[best].in_use = 1;
    c->bytes_cached -= c->blocks[best].bytes;
    c->bytes_in_use += c->blocks[best].bytes;
    return c->blocks[best].ptr;
}

void cuda_memory_release_cached(cuda_ctx *c)
{
    size_t kept = 0;
    for (size_t i = 0; i < c->n_blocks; i++) {
        cuda_block b = c->blocks[i];
        if (b.in_use) {
            c->blocks[kept++] = b;
            continue;
        }
        cuda_note(c, cudaFree(b.ptr), "cudaFree (releasing cached blocks)");
        c->bytes_cached -= b.bytes;
    }
    c->n_blocks = kept;
}

void *cuda_pool_alloc(cuda_ctx *c, size_t bytes)
{
    size_t want = round_size(bytes);
    void *p = reuse(c, want);
    if (p)
        return p;
    if (c->n_blocks == c->cap_blocks) {
        size_t cap = c->cap_blocks ? 2 * c->cap_blocks : 64;
        cuda_block *grown = (cuda_block *)cz_realloc(c->blocks, c->cap_blocks * sizeof *grown,
                                                     cap * sizeof *grown);
        if (!grown)
            return NULL;
        c->blocks = grown;
        c->cap_blocks = cap;
    }
    cudaError_t e = cudaMalloc(&p, want);
    if (e == cudaErrorMemoryAllocation) {
        (void)cudaGetLastError(); /* not sticky: clear it, free the cache, try again */
        cuda_memory_release_cached(c);
        e = cudaMalloc(&p, want);
    }
    if (e != cudaSuccess) {
        /* Out of memory is the caller's to report (NULL); anything else is a
         * CUDA failure that sync must report. */
        if (e == cudaErrorMemoryAllocation)
            (void)cudaGetLastError();
        else
            cuda_note(c, e, "cudaMalloc");
        return NULL;
    }
    c->blocks[c->n_blocks++] = cuda_block{p, want, 1};
    c->bytes_in_use += want;
    return p;
}

void cuda_pool_free(cuda_ctx *c, void *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < c->n_blocks; i++) {
        cuda_block *b = &c->blocks[i];
        if (b->ptr != p)
            continue;
        CZ_ASSERT(b->in_use); /* freed twice */
        b->in_use = 0;
        c->bytes_in_use -= b->bytes;
        c->bytes_cached += b->bytes;
        return;
    }
    CZ_ASSERT(!"cuda free of a pointer the pool did not allocate");
}

void *cuda_scratch(cuda_ctx *c, int slot, size_t bytes)
{
    if (c->scratch_bytes[slot] >= bytes && c->scratch[slot])
        return c->scratch[slot];
    cuda_pool_free(c, c->scratch[slot]);
    c->scratch[slot] = NULL;
    c->scratch_bytes[slot] = 0;
    size_t grow = bytes + bytes / 2; /* fewer regrowths as batches vary */
    void *p = cuda_pool_alloc(c, grow);
    if (!p) {
        cuda_note(c, cudaErrorMemoryAllocation, "backend scratch buffer");
        return NULL;
    }
    c->scratch[slot] = p;
    c->scratch_bytes[slot] = grow;
    return p;
}

const void *cuda_stage(cuda_ctx *c, int slot, const void *host, size_t bytes)
{
    void *d = cuda_scratch(c, slot, bytes);
    if (!d)
        return NULL;
    if (!cuda_note(c, cudaMemcpyAsync(d, host, bytes, cudaMemcpyHostToDevice, c->stream),
                   "cudaMemcpyAsync (staging host values)"))
        return NULL;
    /* the host array may change as soon as we return */
    if (!cuda_note(c, cudaStreamSynchronize(c->stream), "cudaStreamSynchronize (staging)"))
        return NULL;
    return d;
}

int cuda_memory_init(cuda_ctx *c)
{
    c->red = (double *)cuda_pool_alloc(c, (CUDA_REDUCE_BLOCKS + 1) * sizeof(double));
    c->bad_label = (int *)cuda_pool_alloc(c, sizeof(int));
    if (!c->red || !c->bad_label)
        return 0;
    return cuda_note(c, cudaMemsetAsync(c->bad_label, 0, sizeof(int), c->stream), "cudaMemsetAsync");
}

/* ---- table entries ---- */

static void *cuda_alloc(cz_backend *be, size_t bytes)
{
    cuda_ctx *c = ctx_of(be);
    cuda_guard g(c);
    void *p = cuda_pool_alloc(c, bytes);
    if (p && !cuda_note(c, cudaMemsetAsync(p, 0, round_size(bytes), c->stream), "cudaMemsetAsync (zeroing)")) {
        cuda_pool_free(c, p);
        return NULL;
    }
    return p;
}

static void cuda_free(cz_backend *be, void *p)
{
    cuda_ctx *c = ctx_of(be);
    cuda_guard g(c);
    cuda_pool_free(c, p);
}

static void cuda_upload(cz_backend *be, void *dst, const void *host_src, size_t bytes)
{
    cuda_ctx *c = ctx_of(be);
    cuda_guard g(c);
    if (!bytes)
        return;
    if (cuda_note(c, cudaMemcpyAsync(dst, host_src, bytes, cudaMemcpyHostToDevice, c->stream),
                  "cudaMemcpyAsync (upload)"))
        cuda_note(c, cudaStreamSynchronize(c->stream), "cudaStreamSynchronize (upload)");
}

static void cuda_download(cz_backend *be, void *host_dst, const void *src, size_t bytes)
{
    cuda_ctx *c = ctx_of(be);
    cuda_guard g(c);
    if (!bytes)
        return;
    if (cuda_note(c, cudaMemcpyAsync(host_dst, src, bytes, cudaMemcpyDeviceToHost, c->stream),
                  "cudaMemcpyAsync (download)"))
        cuda_note(c, cudaStreamSynchronize(c->stream), "cudaStreamSynchronize (download)");
}

static void cuda_copy(cz_backend *be, void *dst, const void *src, size_t bytes)
{
    cuda_ctx *c = ctx_of(be);
    cuda_guard g(c);
    if (bytes && dst != src)
        cuda_note(c, cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToDevice, c->stream),
                  "cudaMemcpyAsync (copy)");
}

__global__ void fill_kernel(float *x, float v, int64_t n)
{
    const int64_t step = (int64_t)gridDim.x * blockDim.x;
    for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += step)
        x[i] = v;
}

static void cuda_fill(cz_backend *be, cz_real *x, cz_real v, int64_t n)
{
    cuda_ctx *c = ctx_of(be);
    cuda_guard g(c);
    if (n <= 0)
        return;
    if (v == 0 && !signbit(v)) { /* +0.0f is all zero bits */
        cuda_note(c, cudaMemsetAsync(x, 0, (size_t)n * sizeof *x, c->stream), "cudaMemsetAsync (fill)");
        return;
    }
    fill_kernel<<<cuda_blocks(n), CUDA_THREADS, 0, c->stream>>>(x, v, n);
    CUDA_LAUNCHED(c, "fill kernel");
}

void cuda_register_memory(cz_backend_ops *ops)
{
    ops->alloc = cuda_alloc;
    ops->free = cuda_free;
    ops->upload = cuda_upload;
    ops->download = cuda_download;
    ops->copy = cuda_copy;
    ops->fill = cuda_fill;
}
