#include <criterion/criterion.h>
#include <stdint.h>
#include <string.h>

#include "cz.h"

Test(alloc, aligned_and_zeroed)
{
    for (size_t n = 0; n < 300; n += 37) {
        unsigned char *p = cz_calloc(n, 3);
        cr_assert_not_null(p);
        cr_assert_eq((uintptr_t)p % 64, 0, "block of %zu not 64-byte aligned", n * 3);
        for (size_t i = 0; i < n * 3; i++)
            cr_assert_eq(p[i], 0);
        cz_free(p);
    }
}

Test(alloc, calloc_overflow_is_refused)
{
    cr_assert_null(cz_calloc(SIZE_MAX / 2, 4));
}

Test(alloc, fail_after_fails_exactly_the_next_nth)
{
    cz_alloc_fail_after(2);
    void *a = cz_alloc(8), *b = cz_alloc(8), *c = cz_alloc(8), *d = cz_alloc(8);
    cr_assert_not_null(a);
    cr_assert_not_null(b);
    cr_assert_null(c, "third allocation should have failed");
    cr_assert_not_null(d, "only one allocation fails");
    cz_free(a);
    cz_free(b);
    cz_free(d);
    cz_alloc_fail_after(-1);
}

static int refuse_big(size_t size, void *user)
{
    (void)user;
    return size > 1024;
}

Test(alloc, hook_decides)
{
    cz_alloc_set_fail_hook(refuse_big, NULL);
    void *small = cz_alloc(100);
    void *big = cz_alloc(5000);
    cz_alloc_set_fail_hook(NULL, NULL);
    cr_assert_not_null(small);
    cr_assert_null(big);
    cz_free(small);
}

Test(alloc, realloc_keeps_content)
{
    char *p = cz_alloc(4);
    memcpy(p, "abc", 4);
    p = cz_realloc(p, 4, 4096);
    cr_assert_str_eq(p, "abc");
    cz_free(p);
    char *s = cz_strdup("condensa");
    cr_assert_str_eq(s, "condensa");
    cz_free(s);
}

Test(alloc, tensor_new_reports_enomem)
{
    cz_error err;
    cz_alloc_fail_after(1); /* the struct succeeds, the data fails */
    cz_tensor *t = cz_tensor_new1(cz_backend_cpu(), 1000, &err);
    cz_alloc_fail_after(-1);
    cr_assert_null(t);
    cr_assert_eq(err.code, CZ_ENOMEM);
    cr_assert(strstr(err.msg, "(1000)") != NULL, "message names the shape: %s", err.msg);
}
