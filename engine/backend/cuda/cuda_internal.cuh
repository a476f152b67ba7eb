/* Declarations shared by the CUDA backend's files (compiled by nvcc as C++;
 * only engine/backend/cuda includes this). Each file fills part of the
 * function table, as the CPU backend's files do.
 *
 * Error model: compute ops cannot return a status (backend_impl.h), so every
 * CUDA and cuBLAS call goes through cuda_note/cublas_note, which keep the
 * first failure with where it happened; cz_backend_sync reports it as
 * CZ_EBACKEND with the CUDA error's name and text and a hint.
 *
 * Determinism: all work runs in order on one stream; reductions use fixed
 * block and grid sizes that depend only on the problem size, and sum in a
 * fixed tree order (reduce.cuh). No atomics in any reduction. */
#ifndef CZ_CUDA_INTERNAL_CUH
#define CZ_CUDA_INTERNAL_CUH

#include <cublas_v2.h>
#include <cuda_runtime.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

extern "C" {
#include "../backend_impl.h"
}

#ifdef CZ_F64
#error "the CUDA backend is float32 only (the float64 build is CPU-only)"
#endif

/* Threads per block of every kernel; the reductions' tree assumes this. */
#define CUDA_THREADS 256
/* Grid-stride kernels launch at most this many blocks. */
#define CUDA_MAX_BLOCKS 4096
/* Blocks of the first pass of a full-vector reduction (fixed: determinism). */
#define CUDA_REDUCE_BLOCKS 512

/* One device allocation known to the caching pool. */
typedef struct cuda_block {
    void *ptr;
    size_t bytes;
    int in_use;
} cuda_block;

/* The cuBLAS entry points the backend uses, loaded at setup (blas_cuda.cu). */
typedef struct cuda_blas_api {
    void *lib;
    decltype(&cublasCreate_v2) create;
    decltype(&cublasSetStream_v2) set_stream;
    decltype(&cublasSetPointerMode_v2) set_pointer_mode;
    decltype(&cublasSetAtomicsMode) set_atomics_mode;
    decltype(&cublasSetMathMode) set_math_mode;
    decltype(&cublasSgemm_v2) sgemm;
    decltype(&cublasSgemmStridedBatched) sgemm_strided_batched;
    decltype(&cublasGetStatusName) status_name;
    decltype(&cublasGetStatusString) status_string;
} cuda_blas_api;

/* Loads cuBLAS; 0 with why filled when it cannot. */
int cuda_blas_load(cuda_blas_api *api, char *why, size_t size);

typedef struct cuda_ctx {
    int device;
    cudaStream_t stream;
    cuda_blas_api api;
    cublasHandle_t blas;
    /* Every table entry holds the lock for its whole enqueue, so threads that
     * share the process-wide backend do not interleave uses of the scratch
     * buffers below (the stream then keeps their order on the device). */
    pthread_mutex_t lock;
    /* caching pool (memory_cuda.cu) */
    cuda_block *blocks;
    size_t n_blocks, cap_blocks;
    size_t bytes_in_use, bytes_cached;
    /* first deferred failure since the last sync */
    cudaError_t err;
    cublasStatus_t blas_err;
    char err_where[64];
    /* device scratch, grown on demand from the pool */
    double *red;             /* CUDA_REDUCE_BLOCKS + 1 partial sums */
    int *bad_label;          /* 0, or 1 + the first row whose label is out of range */
    void *scratch[4];
    size_t scratch_bytes[4];
} cuda_ctx;

/* Scratch slots (cuda_scratch). */
enum { CUDA_SCRATCH_INDEX = 0, CUDA_SCRATCH_COL, CUDA_SCRATCH_T, CUDA_SCRATCH_PLANE };

static inline cuda_ctx *ctx_of(cz_backend *be)
{
    return (cuda_ctx *)be->ctx;
}

/* Holds the backend lock for the lifetime of a table entry. */
struct cuda_guard {
    cuda_ctx *c;
    explicit cuda_guard(cuda_ctx *ctx) : c(ctx) { pthread_mutex_lock(&c->lock); }
    ~cuda_guard() { pthread_mutex_unlock(&c->lock); }
    cuda_guard(const cuda_guard &) = delete;
    cuda_guard &operator=(const cuda_guard &) = delete;
};

/* Records the first failure (later ones are consequences). Returns 1 on success. */
int cuda_note(cuda_ctx *c, cudaError_t e, const char *where);
int cublas_note(cuda_ctx *c, cublasStatus_t s, const char *where);
/* After a kernel launch: catches bad launch configurations at once. */
#define CUDA_LAUNCHED(c, name) cuda_note((c), cudaGetLastError(), (name))

/* Blocks for a grid-stride loop over n elements (n > 0). */
static inline unsigned cuda_blocks(int64_t n)
{
    int64_t b = (n + CUDA_THREADS - 1) / CUDA_THREADS;
    return (unsigned)(b < CUDA_MAX_BLOCKS ? b : CUDA_MAX_BLOCKS);
}

/* Device scratch of at least bytes in slot (grown through the pool; contents
 * not kept). NULL, with the failure noted, when memory runs out. */
void *cuda_scratch(cuda_ctx *c, int slot, size_t bytes);
/* Pool allocation and release without the lock (callers hold it). */
void *cuda_pool_alloc(cuda_ctx *c, size_t bytes);
void cuda_pool_free(cuda_ctx *c, void *p);
/* Host -> device copy of a small host array into slot (e.g. row indices). */
const void *cuda_stage(cuda_ctx *c, int slot, const void *host, size_t bytes);

/* Sum of a device vector of doubles computed by the reductions' first pass,
 * finished on the device and copied to the host (waits for the stream).
 * NaN when a CUDA call failed (noted). */
double cuda_finish_sum(cuda_ctx *c, unsigned partials);

/* Row-major strided-batched GEMM: for each i < count,
 * C_i = alpha op(A_i) op(B_i) + beta C_i with X_i = X + i * stride_x. */
void cuda_gemm_batched(cuda_ctx *c, int ta, int tb, int64_t m, int64_t n, int64_t k, float alpha,
                       const float *a, int64_t lda, int64_t stride_a, const float *b, int64_t ldb,
                       int64_t stride_b, float beta, float *cc, int64_t ldc, int64_t stride_c,
                       int64_t count);

void cuda_register_memory(cz_backend_ops *ops);
void cuda_register_gemm(cz_backend_ops *ops);
void cuda_register_vector(cz_backend_ops *ops);
void cuda_register_layers(cz_backend_ops *ops);
void cuda_register_conv(cz_backend_ops *ops);
void cuda_register_norm(cz_backend_ops *ops);
void cuda_register_xent(cz_backend_ops *ops);

/* Pool setup and teardown (memory_cuda.cu). */
int cuda_memory_init(cuda_ctx *c);
void cuda_memory_release_cached(cuda_ctx *c);

#endif
