/* Backend selection: CPU always; CUDA when built and a device answers
 * (probed once, like libsodium's pick-best-implementation). */
#include <string.h>

#include "cz_config.h"
#include "backend_impl.h"

cz_backend *cz_backend_cpu(void)
{
    return cz_backend_cpu_get();
}

cz_backend *cz_backend_select(const char *name, cz_error *err)
{
    if (!name || !*name || strcmp(name, "auto") == 0) {
#if CZ_CUDA_BACKEND
        cz_error probe;
        cz_backend *gpu = cz_backend_cuda_get(&probe);
        if (gpu)
            return gpu;
#endif
        return cz_backend_cpu_get();
    }
    if (strcmp(name, "cpu") == 0)
        return cz_backend_cpu_get();
    if (strcmp(name, "cuda") == 0) {
#if CZ_CUDA_BACKEND
        return cz_backend_cuda_get(err);
#else
#ifdef CZ_F64
        cz_error_set(err, CZ_EUNSUPPORTED, "use backend \"cpu\" (float64 runs on the CPU)",
                     "backend \"cuda\" is not in the float64 build");
#else
        cz_error_set(err, CZ_EUNSUPPORTED,
                     "rebuild with nvcc on PATH (meson setup -Dcuda=enabled), or use backend \"cpu\"",
                     "backend \"cuda\" is not in this build");
#endif
        return NULL;
#endif
    }
    cz_error_set(err, CZ_EINVAL, "known backends: auto, cpu, cuda", "unknown backend \"%s\"", name);
    return NULL;
}

const char *cz_backend_name(const cz_backend *be)
{
    return be->ops->name;
}

const char *cz_backend_describe(const cz_backend *be)
{
    return be->description;
}

bool cz_backend_is_host(const cz_backend *be)
{
    return strcmp(be->ops->name, "cpu") == 0;
}

cz_status cz_backend_sync(cz_backend *be, cz_error *err)
{
    return be->ops->sync(be, err);
}

int cz_backend_threads(const cz_backend *be)
{
    return be->threads;
}
