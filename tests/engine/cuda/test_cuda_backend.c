/* The CUDA backend's selection, memory and error paths. Selection runs on
 * every machine (without a GPU it checks the refusal and the fallback); the
 * rest needs a device and skips without one. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <string.h>

#include "cuda_check.h"
#include "cz.h"

Test(cuda_backend, select_names_the_missing_device_or_gives_the_gpu)
{
    cz_error err;
    cz_error_clear(&err);
    cz_backend *be = cz_backend_select("cuda", &err);
    if (be) {
        cr_assert_str_eq(cz_backend_name(be), "cuda");
        cr_assert(!cz_backend_is_host(be));
        cr_assert(strncmp(cz_backend_describe(be), "cuda (", 6) == 0, "%s", cz_backend_describe(be));
        return;
    }
    cr_assert_eq(err.code, CZ_EUNSUPPORTED, "%s: %s", cz_status_name(err.code), err.msg);
    cr_assert(strstr(err.msg, "no CUDA device answered"), "%s", err.msg);
    cr_assert(strstr(err.hint, "nvidia-smi") && strstr(err.hint, "\"cpu\""), "%s", err.hint);
    /* probed once: the same answer again */
    cz_error again;
    cr_assert_null(cz_backend_select("cuda", &again));
    cr_assert_str_eq(again.msg, err.msg);
}

Test(cuda_backend, auto_falls_back_to_the_cpu_without_a_device)
{
    cz_error err;
    cz_backend *gpu = cz_backend_select("cuda", &err);
    cz_backend *be = cz_backend_select("auto", &err);
    cr_assert_not_null(be);
    cr_assert_str_eq(cz_backend_name(be), gpu ? "cuda" : "cpu");
    cr_assert_eq(cz_backend_select(NULL, &err), be, "NULL means auto");
}

Test(cuda_backend, alloc_is_zeroed_and_copies_round_trip)
{
    cz_backend *be = cuda_or_skip();
    enum { N = 1000 };
    cz_real src[N], back[N];
    fill_uniform(src, N, 1, -3, 3);
    cz_real *d = dev_zeros(be, N);
    host_from(be, back, d, N);
    for (int i = 0; i < N; i++)
        cr_assert_eq(back[i], 0, "alloc not zeroed at %d", i);
    be->ops->upload(be, d, src, sizeof src);
    cz_real *e = dev_zeros(be, N);
    be->ops->copy(be, e, d, sizeof src);
    host_from(be, back, e, N);
    cr_assert(memcmp(back, src, sizeof src) == 0, "upload, copy, download changed the values");
    be->ops->fill(be, e, 2.5f, N);
    host_from(be, back, e, N);
    cr_assert_eq(back[N - 1], 2.5f);
    dev_free(be, d);
    dev_free(be, e);
}

Test(cuda_backend, pool_reuses_freed_blocks_and_zeroes_them)
{
    cz_backend *be = cuda_or_skip();
    cz_real *a = dev_zeros(be, 4096);
    be->ops->fill(be, a, 7, 4096);
    dev_free(be, a);
    cz_real *b = dev_zeros(be, 4096);
    cr_assert_eq(b, a, "a freed block of the same size is handed out again");
    cz_real back[4096];
    host_from(be, back, b, 4096);
    for (int i = 0; i < 4096; i++)
        cr_assert_eq(back[i], 0, "a reused block is zeroed again (at %d)", i);
    dev_free(be, b);
}

Test(cuda_backend, out_of_device_memory_is_a_null_then_enomem)
{
    cz_backend *be = cuda_or_skip();
    cr_assert_null(be->ops->alloc(be, (size_t)1 << 52), "4 PiB cannot be allocated");
    expect_sync_ok(be); /* out of memory is the caller's report, not a deferred error */
    cz_error err;
    int64_t shape[2] = {(int64_t)1 << 25, (int64_t)1 << 25};
    cr_assert_null(cz_tensor_new(be, 2, shape, &err));
    cr_assert_eq(err.code, CZ_ENOMEM);
    cr_assert(strstr(err.msg, "cuda"), "names the backend: %s", err.msg);
}

Test(cuda_backend, a_failed_call_is_reported_by_sync_once)
{
    cz_backend *be = cuda_or_skip();
    /* sizes beyond cuBLAS's int are refused before any work is queued */
    be->ops->gemm(be, 0, 0, (int64_t)3 << 30, 1, 1, 1, NULL, 1, NULL, 1, 0, NULL, 1);
    cz_error err;
    cr_assert_eq(cz_backend_sync(be, &err), CZ_EBACKEND);
    cr_assert(strstr(err.msg, "cublasSgemm"), "names the call: %s", err.msg);
    cr_assert(strstr(err.msg, "cudaErrorInvalidValue"), "names the CUDA error: %s", err.msg);
    cr_assert(err.hint[0] != '\0');
    expect_sync_ok(be); /* reported once; the context is fine */
}

Test(cuda_backend, a_label_out_of_range_is_reported_at_sync)
{
    cz_backend *be = cuda_or_skip();
    cz_real logits[4 * 3];
    fill_uniform(logits, 12, 2, -1, 1);
    int32_t labels[4] = {0, 2, 3, 1}; /* 3 is not a class of 3 */
    cz_real *z = dev_copy(be, logits, 12), *p = dev_zeros(be, 12);
    int32_t *y = dev_copy_labels(be, labels, 4);
    double loss = be->ops->xent_fwd(be, p, z, y, NULL, 4, 3);
    cr_assert(loss > 0 && loss < 10, "the other rows still give a loss: %g", loss);
    cz_error err;
    cr_assert_eq(cz_backend_sync(be, &err), CZ_EINVAL);
    cr_assert(strstr(err.msg, "row 2"), "%s", err.msg);
    cr_assert(strstr(err.hint, "0..classes-1"), "%s", err.hint);
    expect_sync_ok(be);
    dev_free(be, z);
    dev_free(be, p);
    dev_free(be, y);
}
