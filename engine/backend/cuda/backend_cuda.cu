/* CUDA backend wiring: the device probe (once per process), the stream and
 * cuBLAS handle, the function table assembled from the op files, and the
 * deferred-error report of sync. Device 0 is used; CUDA_VISIBLE_DEVICES picks
 * another (the engine itself reads no environment). */
#include <stdio.h>
#include <string.h>

#include "cuda_internal.cuh"

static cz_backend_ops cuda_ops;
static cz_backend cuda_backend;
static cuda_ctx cuda_state;
static cz_error cuda_probe_err; /* why there is no CUDA backend, when there is none */
static int cuda_ready;
static pthread_once_t cuda_once = PTHREAD_ONCE_INIT;

int cuda_note(cuda_ctx *c, cudaError_t e, const char *where)
{
    if (e == cudaSuccess)
        return 1;
    if (c->err == cudaSuccess && c->blas_err == CUBLAS_STATUS_SUCCESS) {
        c->err = e;
        snprintf(c->err_where, sizeof c->err_where, "%s", where);
    }
    return 0;
}

int cublas_note(cuda_ctx *c, cublasStatus_t s, const char *where)
{
    if (s == CUBLAS_STATUS_SUCCESS)
        return 1;
    if (c->err == cudaSuccess && c->blas_err == CUBLAS_STATUS_SUCCESS) {
        c->blas_err = s;
        snprintf(c->err_where, sizeof c->err_where, "%s", where);
    }
    return 0;
}

/* Errors after which the context is unusable until the process restarts. */
static int is_sticky(cudaError_t e)
{
    switch (e) {
    case cudaErrorIllegalAddress:
    case cudaErrorLaunchFailure:
    case cudaErrorAssert:
    case cudaErrorHardwareStackError:
    case cudaErrorIllegalInstruction:
    case cudaErrorMisalignedAddress:
    case cudaErrorInvalidAddressSpace:
    case cudaErrorInvalidPc:
    case cudaErrorLaunchTimeout:
        return 1;
    default:
        return 0;
    }
}

static const char *hint_for(cudaError_t e)
{
    if (e == cudaErrorMemoryAllocation)
        return "the GPU is out of memory: use a smaller batch, fewer unrolled steps (or truncate), "
               "a smaller model, or backend \"cpu\"";
    if (is_sticky(e))
        return "the CUDA context is lost after this error: restart the kernel and resume from the "
               "last checkpoint, or use backend \"cpu\"";
    return "check the GPU with nvidia-smi; CUDA_LAUNCH_BLOCKING=1 locates the failing call; or use "
           "backend \"cpu\"";
}

static cz_status report(cuda_ctx *c, cz_error *err)
{
    cz_status st;
    if (c->blas_err != CUBLAS_STATUS_SUCCESS)
        st = cz_error_set(err, CZ_EBACKEND,
                          "check the GPU with nvidia-smi and the cuBLAS install, or use backend \"cpu\"",
                          "cuBLAS failed in %s: %s (%s)", c->err_where,
                          c->api.status_name(c->blas_err), c->api.status_string(c->blas_err));
    else
        st = cz_error_set(err, CZ_EBACKEND, hint_for(c->err), "CUDA failed in %s: %s (%s)",
                          c->err_where, cudaGetErrorName(c->err), cudaGetErrorString(c->err));
    /* Reported once; a sticky error comes back from the next CUDA call anyway. */
    c->err = cudaSuccess;
    c->blas_err = CUBLAS_STATUS_SUCCESS;
    c->err_where[0] = '\0';
    return st;
}

static cz_status cuda_sync(cz_backend *be, cz_error *err)
{
    cuda_ctx *c = ctx_of(be);
    cuda_guard g(c);
    cuda_note(c, cudaStreamSynchronize(c->stream), "cudaStreamSynchronize");
    if (c->err != cudaSuccess || c->blas_err != CUBLAS_STATUS_SUCCESS)
        return report(c, err);
    /* Labels live on the device, so the loss kernels check them and raise this
     * flag instead of the host check the CPU path does up front. */
    int bad = 0;
    if (!cuda_note(c, cudaMemcpyAsync(&bad, c->bad_label, sizeof bad, cudaMemcpyDeviceToHost, c->stream),
                   "cudaMemcpyAsync (label check)") ||
        !cuda_note(c, cudaStreamSynchronize(c->stream), "cudaStreamSynchronize (label check)"))
        return report(c, err);
    if (bad) {
        cuda_note(c, cudaMemsetAsync(c->bad_label, 0, sizeof bad, c->stream), "cudaMemsetAsync (label check)");
        return cz_error_set(err, CZ_EINVAL, "labels are class indices 0..classes-1",
                            "a label outside 0..classes-1 at row %d of a batch on the GPU "
                            "(that row was left out of the loss)",
                            bad - 1);
    }
    return CZ_OK;
}

static int fail_init(cuda_ctx *c, cudaError_t e, cublasStatus_t s, const char *where)
{
    if (s != CUBLAS_STATUS_SUCCESS)
        cz_error_set(&cuda_probe_err, CZ_EBACKEND,
                     "check the cuBLAS install next to the CUDA runtime, or use backend \"cpu\"",
                     "setting up the GPU failed in %s: %s (%s)", where, c->api.status_name(s),
                     c->api.status_string(s));
    else
        cz_error_set(&cuda_probe_err, CZ_EBACKEND,
                     "check the GPU with nvidia-smi, or use backend \"cpu\" (\"auto\" falls back to it)",
                     "setting up the GPU failed in %s: %s (%s)", where, cudaGetErrorName(e),
                     cudaGetErrorString(e));
    return 0;
}

static int setup(cuda_ctx *c)
{
    cudaError_t e;
    cublasStatus_t s;
    c->device = 0;
    if ((e = cudaSetDevice(c->device)) != cudaSuccess)
        return fail_init(c, e, CUBLAS_STATUS_SUCCESS, "cudaSetDevice");
    cudaDeviceProp prop;
    if ((e = cudaGetDeviceProperties(&prop, c->device)) != cudaSuccess)
        return fail_init(c, e, CUBLAS_STATUS_SUCCESS, "cudaGetDeviceProperties");
    if ((e = cudaStreamCreateWithFlags(&c->stream, cudaStreamNonBlocking)) != cudaSuccess)
        return fail_init(c, e, CUBLAS_STATUS_SUCCESS, "cudaStreamCreate");
    char why[160] = "";
    if (!cuda_blas_load(&c->api, why, sizeof why)) {
        cz_error_set(&cuda_probe_err, CZ_EBACKEND,
                     "install cuBLAS of the CUDA version this was built with (it ships with the "
                     "toolkit) or add its folder to LD_LIBRARY_PATH; or use backend \"cpu\"",
                     "cuBLAS could not be loaded: %s", why);
        return 0;
    }
    if ((s = c->api.create(&c->blas)) != CUBLAS_STATUS_SUCCESS)
        return fail_init(c, cudaSuccess, s, "cublasCreate");
    /* One stream, host scalars, no atomics and full float32 (no TF32): the
     * same inputs give the same bits on the same device. */
    if ((s = c->api.set_stream(c->blas, c->stream)) != CUBLAS_STATUS_SUCCESS ||
        (s = c->api.set_pointer_mode(c->blas, CUBLAS_POINTER_MODE_HOST)) != CUBLAS_STATUS_SUCCESS ||
        (s = c->api.set_atomics_mode(c->blas, CUBLAS_ATOMICS_NOT_ALLOWED)) != CUBLAS_STATUS_SUCCESS ||
        (s = c->api.set_math_mode(c->blas, CUBLAS_PEDANTIC_MATH)) != CUBLAS_STATUS_SUCCESS)
        return fail_init(c, cudaSuccess, s, "cublasSet*");
    if (pthread_mutex_init(&c->lock, NULL) != 0)
        return fail_init(c, cudaErrorInitializationError, CUBLAS_STATUS_SUCCESS, "pthread_mutex_init");
    if (!cuda_memory_init(c) || (e = cudaStreamSynchronize(c->stream)) != cudaSuccess)
        return fail_init(c, c->err != cudaSuccess ? c->err : cudaErrorMemoryAllocation,
                         CUBLAS_STATUS_SUCCESS, "allocating the backend's buffers");
    snprintf(cuda_backend.description, sizeof cuda_backend.description,
             "cuda (%.100s, cc %d.%d, %.0f GiB, %s)", prop.name, prop.major, prop.minor,
             (double)prop.totalGlobalMem / (1024.0 * 1024.0 * 1024.0), CZ_REAL_NAME);
    return 1;
}

/* Every slot of the table is a pointer (the name, then the ops). A slot added
 * to backend_impl.h changes the size: implement it here, then update the count. */
#define CUDA_TABLE_SLOTS 40
static_assert(sizeof(cz_backend_ops) == CUDA_TABLE_SLOTS * sizeof(void *),
              "cz_backend_ops changed: fill the new slot in engine/backend/cuda and update "
              "CUDA_TABLE_SLOTS");

/* Index of the first empty slot, or -1 (a missing op would crash at its first use). */
static int empty_slot(const cz_backend_ops *ops)
{
    void *slots[CUDA_TABLE_SLOTS];
    memcpy(slots, ops, sizeof slots);
    for (int i = 0; i < CUDA_TABLE_SLOTS; i++)
        if (!slots[i])
            return i;
    return -1;
}

static void cuda_init(void)
{
    int n = 0;
    cudaError_t e = cudaGetDeviceCount(&n);
    if (e != cudaSuccess || n == 0) {
        (void)cudaGetLastError();
        int runtime = 0;
        (void)cudaRuntimeGetVersion(&runtime);
        char why[160];
        if (e == cudaErrorInsufficientDriver)
            snprintf(why, sizeof why, "no NVIDIA driver, or one older than CUDA %d.%d "
                     "(cudaErrorInsufficientDriver)", runtime / 1000, runtime % 1000 / 10);
        else if (e == cudaErrorNoDevice || e == cudaSuccess)
            snprintf(why, sizeof why, "the driver sees no GPU (cudaErrorNoDevice)");
        else
            snprintf(why, sizeof why, "%s (%s)", cudaGetErrorString(e), cudaGetErrorName(e));
        cz_error_set(&cuda_probe_err, CZ_EUNSUPPORTED,
                     "run on a machine with an NVIDIA GPU and driver (check nvidia-smi), or use "
                     "backend \"cpu\" (\"auto\" falls back to it)",
                     "no CUDA device answered: %s", why);
        return;
    }
    if (!setup(&cuda_state))
        return;
    cuda_ops.name = "cuda";
    cuda_register_memory(&cuda_ops);
    cuda_register_gemm(&cuda_ops);
    cuda_register_vector(&cuda_ops);
    cuda_register_layers(&cuda_ops);
    cuda_register_conv(&cuda_ops);
    cuda_register_norm(&cuda_ops);
    cuda_register_xent(&cuda_ops);
    cuda_ops.sync = cuda_sync;
    int hole = empty_slot(&cuda_ops);
    if (hole >= 0) {
        cz_error_set(&cuda_probe_err, CZ_EBACKEND, "use backend \"cpu\" (a build defect: report it)",
                     "the CUDA backend leaves slot %d of its function table empty", hole);
        return;
    }
    cuda_backend.ops = &cuda_ops;
    cuda_backend.ctx = &cuda_state;
    cuda_backend.threads = 1;
    cuda_ready = 1;
}

extern "C" cz_backend *cz_backend_cuda_get(cz_error *err)
{
    pthread_once(&cuda_once, cuda_init);
    if (cuda_ready)
        return &cuda_backend;
    if (err)
        *err = cuda_probe_err;
    return NULL;
}
