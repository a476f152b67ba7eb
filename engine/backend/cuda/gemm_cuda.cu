/* Row-major GEMM through cuBLAS (column-major). A row-major matrix is the
 * column-major view of its transpose, so C = op(A) op(B) is computed as
 * C^T = op(B)^T op(A)^T: the operands swap places and keep their flags. */
#include "cuda_internal.cuh"

static cublasOperation_t op_of(int trans)
{
    return trans ? CUBLAS_OP_T : CUBLAS_OP_N;
}

/* cuBLAS's int sizes: anything larger is noted as an invalid value. */
static int fits_int(cuda_ctx *c, int64_t a, int64_t b, int64_t d, const char *where)
{
    const int64_t lim = 2147483647;
    if (a > lim || b > lim || d > lim)
        return cuda_note(c, cudaErrorInvalidValue, where);
    return 1;
}

static void gemm_locked(cuda_ctx *c, int ta, int tb, int64_t m, int64_t n, int64_t k, float alpha,
                        const float *a, int64_t lda, const float *b, int64_t ldb, float beta,
                        float *cc, int64_t ldc)
{
    if (m == 0 || n == 0)
        return;
    if (!fits_int(c, m, n, k, "cublasSgemm (sizes beyond int)") ||
        !fits_int(c, lda, ldb, ldc, "cublasSgemm (strides beyond int)"))
        return;
    cublas_note(c,
                c->api.sgemm(c->blas, op_of(tb), op_of(ta), (int)n, (int)m, (int)k, &alpha, b,
                            (int)ldb, a, (int)lda, &beta, cc, (int)ldc),
                "cublasSgemm");
}

void cuda_gemm_batched(cuda_ctx *c, int ta, int tb, int64_t m, int64_t n, int64_t k, float alpha,
                       const float *a, int64_t lda, int64_t stride_a, const float *b, int64_t ldb,
                       int64_t stride_b, float beta, float *cc, int64_t ldc, int64_t stride_c,
                       int64_t count)
{
    if (m == 0 || n == 0 || count == 0)
        return;
    if (count == 1) {
        gemm_locked(c, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, cc, ldc);
        return;
    }
    if (!fits_int(c, m, n, k, "cublasSgemmStridedBatched (sizes beyond int)") ||
        !fits_int(c, lda, ldb, ldc, "cublasSgemmStridedBatched (strides beyond int)") ||
        !fits_int(c, count, 0, 0, "cublasSgemmStridedBatched (count beyond int)"))
        return;
    cublas_note(c,
                c->api.sgemm_strided_batched(c->blas, op_of(tb), op_of(ta), (int)n, (int)m, (int)k,
                                          &alpha, b, (int)ldb, stride_b, a, (int)lda, stride_a,
                                          &beta, cc, (int)ldc, stride_c, (int)count),
                "cublasSgemmStridedBatched");
}

static void cuda_gemm(cz_backend *be, int ta, int tb, int64_t m, int64_t n, int64_t k, cz_real alpha,
                      const cz_real *a, int64_t lda, const cz_real *b, int64_t ldb, cz_real beta,
                      cz_real *c, int64_t ldc)
{
    cuda_ctx *ctx = ctx_of(be);
    cuda_guard g(ctx);
    gemm_locked(ctx, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

void cuda_register_gemm(cz_backend_ops *ops)
{
    ops->gemm = cuda_gemm;
}
