/* cuBLAS, loaded when the CUDA backend is first set up rather than linked:
 * the library and its cublasLt are over half a gigabyte, and mapping them
 * cost every program that links the engine (each test process, the kernel)
 * about a second even when it never uses a GPU. Only the entry points the
 * backend calls are looked up. The library's name carries the CUDA major
 * version the backend was compiled with (CZ_CUBLAS_SONAME, from meson); the
 * toolkit's own folder (CZ_CUDA_LIBDIR) is tried after the loader's path. */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include "cuda_internal.cuh"

#ifndef CZ_CUBLAS_SONAME
#error "meson passes CZ_CUBLAS_SONAME (e.g. \"libcublas.so.13\")"
#endif
#ifndef CZ_CUDA_LIBDIR
#define CZ_CUDA_LIBDIR "/usr/local/cuda/lib64"
#endif

static void *open_library(char *why, size_t size)
{
    void *lib = dlopen(CZ_CUBLAS_SONAME, RTLD_NOW | RTLD_LOCAL);
    if (lib)
        return lib;
    snprintf(why, size, "%s", dlerror());
    lib = dlopen(CZ_CUDA_LIBDIR "/" CZ_CUBLAS_SONAME, RTLD_NOW | RTLD_LOCAL);
    return lib;
}

#define LOOKUP(field, symbol)                                                             \
    do {                                                                                  \
        *(void **)&api->field = dlsym(api->lib, symbol);                                  \
        if (!api->field) {                                                                \
            snprintf(why, size, "%s has no %s", CZ_CUBLAS_SONAME, symbol);                \
            return 0;                                                                     \
        }                                                                                 \
    } while (0)

int cuda_blas_load(cuda_blas_api *api, char *why, size_t size)
{
    memset(api, 0, sizeof *api);
    api->lib = open_library(why, size);
    if (!api->lib)
        return 0;
    LOOKUP(create, "cublasCreate_v2");
    LOOKUP(set_stream, "cublasSetStream_v2");
    LOOKUP(set_pointer_mode, "cublasSetPointerMode_v2");
    LOOKUP(set_atomics_mode, "cublasSetAtomicsMode");
    LOOKUP(set_math_mode, "cublasSetMathMode");
    LOOKUP(sgemm, "cublasSgemm_v2");
    LOOKUP(sgemm_strided_batched, "cublasSgemmStridedBatched");
    LOOKUP(status_name, "cublasGetStatusName");
    LOOKUP(status_string, "cublasGetStatusString");
    return 1;
}
