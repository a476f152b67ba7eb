/* CPU backend wiring: host memory, thread setting, and the function table
 * assembled from the op files (gemm_cpu.c, vector_cpu.c, the layer kernels). */
#include <cblas.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/alloc.h"
#include "cpu_internal.h"

static void *cpu_alloc(cz_backend *be, size_t bytes)
{
    (void)be;
    return cz_calloc(1, bytes ? bytes : 1);
}

static void cpu_free(cz_backend *be, void *p)
{
    (void)be;
    cz_free(p);
}

static void cpu_move(cz_backend *be, void *dst, const void *src, size_t bytes)
{
    (void)be;
    if (bytes)
        memmove(dst, src, bytes);
}

static void cpu_fill(cz_backend *be, cz_real *x, cz_real v, int64_t n)
{
    (void)be;
    for (int64_t i = 0; i < n; i++)
        x[i] = v;
}

static cz_status cpu_sync(cz_backend *be, cz_error *err)
{
    (void)be;
    (void)err;
    return CZ_OK;
}

void cpu_register_memory(cz_backend_ops *ops)
{
    ops->alloc = cpu_alloc;
    ops->free = cpu_free;
    ops->upload = cpu_move;
    ops->download = cpu_move;
    ops->copy = cpu_move;
    ops->fill = cpu_fill;
    ops->sync = cpu_sync;
}

static cz_backend_ops cpu_ops;
static cz_backend cpu_backend;
static pthread_once_t cpu_once = PTHREAD_ONCE_INIT;

static void describe(cz_backend *be)
{
    snprintf(be->description, sizeof be->description, "cpu (%s, %d thread%s)", CZ_REAL_NAME,
             be->threads, be->threads == 1 ? "" : "s");
}

static void cpu_init(void)
{
    cpu_ops.name = "cpu";
    cpu_register_memory(&cpu_ops);
    cpu_register_gemm(&cpu_ops);
    cpu_register_vector(&cpu_ops);
    cpu_register_layers(&cpu_ops);
    cpu_register_xent(&cpu_ops);
    cpu_register_conv(&cpu_ops);
    cpu_register_norm(&cpu_ops);
    cpu_register_maxpool(&cpu_ops);
    cpu_backend.ops = &cpu_ops;
    cpu_backend.threads = openblas_get_num_threads();
    describe(&cpu_backend);
}

cz_backend *cz_backend_cpu_get(void)
{
    pthread_once(&cpu_once, cpu_init);
    return &cpu_backend;
}

void cz_backend_set_threads(cz_backend *be, int n)
{
    if (n <= 0 || be != &cpu_backend)
        return;
    openblas_set_num_threads(n);
    be->threads = n;
    describe(be);
}
