#include <criterion/criterion.h>
#include <signal.h>
#include <string.h>

#include "cz.h"

Test(tensor, new_is_zeroed_with_shape)
{
    cz_error err;
    int64_t shape[3] = {2, 3, 4};
    cz_tensor *t = cz_tensor_new(cz_backend_cpu(), 3, shape, &err);
    cr_assert_not_null(t, "%s", err.msg);
    cr_assert_eq(t->numel, 24);
    cr_assert_eq(t->ndim, 3);
    cr_assert_null(t->view_src);
    for (int i = 0; i < 24; i++)
        cr_assert_eq(t->data[i], 0);
    cz_tensor_free(&t);
    cr_assert_null(t, "free nulls the pointer");
    cz_tensor_free(&t); /* and accepts NULL */
}

Test(tensor, bad_shapes_are_errors_not_crashes)
{
    cz_error err;
    int64_t neg[2] = {3, -1};
    cr_assert_null(cz_tensor_new(cz_backend_cpu(), 2, neg, &err));
    cr_assert_eq(err.code, CZ_ESHAPE);
    cr_assert(strstr(err.msg, "(3, -1)"), "names the shape: %s", err.msg);
    int64_t five[5] = {1, 1, 1, 1, 1};
    cr_assert_null(cz_tensor_new(cz_backend_cpu(), 5, five, &err));
    cr_assert_eq(err.code, CZ_ESHAPE);
}

Test(tensor, views_borrow_and_see_the_base)
{
    cz_error err;
    cz_tensor *t = cz_tensor_new2(cz_backend_cpu(), 4, 3, &err);
    for (int i = 0; i < 12; i++)
        t->data[i] = (cz_real)i;
    cz_tensor rows = cz_tensor_rows(t, 1, 2);
    cr_assert_eq(rows.view_src, t);
    cr_assert_eq(rows.shape[0], 2);
    cr_assert_eq(rows.shape[1], 3);
    cr_assert_eq(rows.data[0], 3);
    rows.data[0] = 100;
    cr_assert_eq(t->data[3], 100, "a view writes through to its base");
    int64_t s1[1] = {5};
    cz_tensor flat = cz_tensor_view(&rows, 1, 1, s1);
    cr_assert_eq(flat.view_src, t, "a view of a view records the original base");
    cr_assert_eq(flat.data[0], 4);
    cz_tensor_free(&t);
}

Test(tensor, view_out_of_bounds_is_an_invariant_failure, .signal = SIGABRT)
{
    cz_error err;
    cz_tensor *t = cz_tensor_new1(cz_backend_cpu(), 4, &err);
    int64_t s[1] = {3};
    cz_tensor v = cz_tensor_view(t, 2, 1, s);
    (void)v;
}

Test(tensor, upload_download_clone_copy)
{
    cz_error err;
    cz_real host[6] = {1, 2, 3, 4, 5, 6}, back[6];
    cz_tensor *a = cz_tensor_new2(cz_backend_cpu(), 2, 3, &err);
    cr_assert_eq(cz_tensor_upload(a, host, &err), CZ_OK);
    cz_tensor *b = cz_tensor_clone(a, &err);
    cr_assert_eq(cz_tensor_download(b, back, &err), CZ_OK);
    cr_assert_arr_eq(back, host, sizeof host);
    cz_tensor *c = cz_tensor_new1(cz_backend_cpu(), 6, &err);
    cr_assert_eq(cz_tensor_copy(c, a, &err), CZ_OK, "same numel, other shape is fine");
    cz_tensor *d = cz_tensor_new1(cz_backend_cpu(), 5, &err);
    cr_assert_eq(cz_tensor_copy(d, a, &err), CZ_ESHAPE);
    cr_assert(strstr(err.msg, "(2, 3)") && strstr(err.msg, "(5)"), "%s", err.msg);
    cz_tensor_free(&a);
    cz_tensor_free(&b);
    cz_tensor_free(&c);
    cz_tensor_free(&d);
}
