/* BTM's matching targets on the curves: window w = M / E, start uniform on
 * [0, 1 - w] (or the max_start_epoch bound), target at start + w, the points
 * those curve parameters give, and clear errors for impossible windows. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/rng.h"
#include "methods/bezier.h"
#include "methods/curve_target.h"

static cz_surrogate *random_set(size_t count, size_t params, int epochs)
{
    cz_model_spec spec = {.arch = CZ_ARCH_MLP, .channels = 1, .height = 1, .width = 4,
                          .classes = 2, .hidden = 6, .depth = 1};
    cz_surrogate *s = NULL;
    cz_error err;
    cr_assert_eq(cz_surrogate_new(&spec, count, params, epochs, &s, &err), CZ_OK);
    cz_rng rng;
    cz_rng_seed(&rng, 2);
    for (size_t i = 0; i < count * 3 * params; i++)
        s->points[i] = (cz_real)cz_rng_normal(&rng);
    return s;
}

Test(curve_target, window_and_start_range_follow_the_btm_code)
{
    cz_surrogate *s = random_set(3, 10, 20);
    cz_curve_target ct;
    cz_error err;
    cr_assert_eq(cz_curve_target_init(s, 2, 0, &ct, &err), CZ_OK);
    cr_assert_float_eq(ct.window, 0.1, 1e-15);
    cr_assert_float_eq(ct.max_start, 0.9, 1e-15);
    /* max_start_epoch bounds the start like MTT's T+, never past 1 - w. */
    cr_assert_eq(cz_curve_target_init(s, 2, 5, &ct, &err), CZ_OK);
    cr_assert_float_eq(ct.max_start, 0.25, 1e-15);
    cr_assert_eq(cz_curve_target_init(s, 2, 40, &ct, &err), CZ_OK);
    cr_assert_float_eq(ct.max_start, 0.9, 1e-15);
    cr_assert_eq(cz_curve_target_init(s, 20, 0, &ct, &err), CZ_OK);
    cr_assert_float_eq(ct.max_start, 0.0, 1e-15);
    cr_assert_eq(cz_curve_target_init(s, 21, 0, &ct, &err), CZ_EINVAL);
    cr_assert(strstr(err.msg, "21") != NULL, "%s", err.msg);
    cr_assert_eq(cz_curve_target_init(s, 0, 0, &ct, &err), CZ_EINVAL);
    cz_surrogate_free(&s);
}

Test(curve_target, samples_cover_experts_and_starts_and_give_the_curve_points)
{
    size_t p = 10;
    cz_surrogate *s = random_set(4, p, 10);
    cz_curve_target ct;
    cz_error err;
    cr_assert_eq(cz_curve_target_init(s, 3, 0, &ct, &err), CZ_OK);
    cz_real start[10], target[10], want[10];
    int seen[4] = {0};
    double lo = 1, hi = 0, mean = 0;
    cz_rng rng;
    cz_rng_seed(&rng, 8);
    int n = 4000;
    for (int i = 0; i < n; i++) {
        cz_target_draw d;
        cz_curve_target_sample(s, &ct, &rng, start, target, &d);
        cr_assert_lt(d.expert, 4);
        seen[d.expert]++;
        cr_assert_float_eq(d.end - d.start, 0.3, 1e-12);
        cr_assert(d.start >= 0 && d.start <= 0.7);
        lo = fmin(lo, d.start);
        hi = fmax(hi, d.start);
        mean += d.start / n;
        if (i < 20) {
            cz_surrogate_point(s, d.expert, d.start, want);
            cr_assert_eq(memcmp(start, want, sizeof want), 0);
            cz_surrogate_point(s, d.expert, d.end, want);
            cr_assert_eq(memcmp(target, want, sizeof want), 0);
        }
    }
    for (int e = 0; e < 4; e++)
        cr_assert_gt(seen[e], n / 4 - 150, "expert %d drawn %d times of %d", e, seen[e], n);
    cr_assert_lt(lo, 0.01);
    cr_assert_gt(hi, 0.69);
    cr_assert_float_eq(mean, 0.35, 0.02, "uniform on [0, 0.7]: mean %g", mean);
    cz_surrogate_free(&s);
}

Test(curve_target, the_whole_curve_window_targets_the_last_parameters)
{
    cz_surrogate *s = random_set(1, 6, 5);
    cz_curve_target ct;
    cz_error err;
    cr_assert_eq(cz_curve_target_init(s, 5, 0, &ct, &err), CZ_OK);
    cz_real start[6], target[6];
    cz_rng rng;
    cz_rng_seed(&rng, 1);
    cz_curve_target_sample(s, &ct, &rng, start, target, NULL);
    cr_assert_eq(memcmp(start, cz_surrogate_start(s, 0), sizeof start), 0);
    cr_assert_eq(memcmp(target, cz_surrogate_end(s, 0), sizeof target), 0);
    cz_surrogate_free(&s);
}
