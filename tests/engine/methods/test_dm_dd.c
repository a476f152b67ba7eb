#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "backend/backend.h"
#include "methods/common.h"
#include "methods/dd.h"
#include "methods/dm.h"
#include "methods_fixtures.h"

static double window_mean(const double *h, int from, int n)
{
    double s = 0;
    int k = 0;
    for (int i = from; i < from + n; i++)
        if (isfinite(h[i])) {
            s += h[i];
            k++;
        }
    cr_assert_gt(k, 0, "some iterations were finite");
    return s / k;
}

Test(dm, matching_distance_goes_down)
{
    cz_dataset *d = fixture_load("pima");
    cz_dm_config c = cz_dm_config_default();
    c.ipc = 5;
    c.iterations = 60;
    cz_synthetic *s = NULL;
    cz_error err;
    cr_assert_eq(cz_dm_run(d, &c, NULL, cz_backend_cpu(), NULL, NULL, NULL, &s, &err), CZ_OK,
                 "%s", err.msg);
    cr_assert_str_eq(s->method, "dm");
    cr_assert_eq(s->history_len, 60);
    double first = window_mean(s->loss_history, 0, 15), last = window_mean(s->loss_history, 45, 15);
    cr_assert_lt(last, 0.7 * first, "DM distance %g -> %g", first, last);
    cr_assert(cz_all_finite(s->x, s->rows * s->features));
    cz_synthetic_free(&s);
    cz_dataset_free(d);
}

Test(dd, real_loss_after_the_unrolled_steps_goes_down)
{
    cz_dataset *d = fixture_load("pima");
    cz_dd_config c = cz_dd_config_default();
    c.ipc = 5;
    c.iterations = 80;
    c.steps = 5;
    cz_synthetic *s = NULL;
    cz_error err;
    cr_assert_eq(cz_dd_run(d, &c, NULL, cz_backend_cpu(), NULL, NULL, NULL, &s, &err), CZ_OK,
                 "%s", err.msg);
    cr_assert_str_eq(s->method, "dd");
    double first = window_mean(s->loss_history, 0, 20), last = window_mean(s->loss_history, 60, 20);
    cr_assert_lt(last, first - 0.02, "DD real loss %g -> %g", first, last);
    cr_assert(s->lr > 0 && isfinite(s->lr));
    cr_assert_neq(s->lr, c.lr_init, "the step size is learned");
    cz_synthetic_free(&s);
    cz_dataset_free(d);
}

static int stop_now(const cz_progress *p, void *user)
{
    (void)p, (void)user;
    return 1;
}

Test(dm, interrupt_returns_no_set)
{
    cz_dataset *d = fixture_load("pima");
    cz_dm_config c = cz_dm_config_default();
    c.iterations = 10;
    cz_synthetic *s = NULL;
    cz_error err;
    cr_assert_eq(cz_dm_run(d, &c, NULL, cz_backend_cpu(), NULL, stop_now, NULL, &s, &err),
                 CZ_EINTERRUPTED);
    cr_assert_null(s);
    cz_dd_config dc = cz_dd_config_default();
    dc.ipc = 1000;
    cr_assert_eq(cz_dd_run(d, &dc, NULL, cz_backend_cpu(), NULL, NULL, NULL, &s, &err), CZ_EINVAL);
    cr_assert(strstr(err.msg, "ipc = 1000"), "%s", err.msg);
    cz_dataset_free(d);
}
