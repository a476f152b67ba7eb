/* Row-major GEMM through CBLAS (OpenBLAS), float32 or float64 by build. */
#include <cblas.h>

#include "cpu_internal.h"

static void cpu_gemm(cz_backend *be, int ta, int tb, int64_t m, int64_t n, int64_t k, cz_real alpha,
                     const cz_real *a, int64_t lda, const cz_real *b, int64_t ldb, cz_real beta,
                     cz_real *c, int64_t ldc)
{
    (void)be;
    if (m == 0 || n == 0)
        return;
#ifdef CZ_F64
    cblas_dgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
                (blasint)m, (blasint)n, (blasint)k, alpha, a, (blasint)lda, b, (blasint)ldb, beta, c,
                (blasint)ldc);
#else
    cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
                (blasint)m, (blasint)n, (blasint)k, alpha, a, (blasint)lda, b, (blasint)ldb, beta, c,
                (blasint)ldc);
#endif
}

void cpu_register_gemm(cz_backend_ops *ops)
{
    ops->gemm = cpu_gemm;
}
