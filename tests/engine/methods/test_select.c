#include <criterion/criterion.h>
#include <string.h>

#include "methods/select.h"
#include "methods_fixtures.h"

/* Class 0 training values (feature 0): mean 1/12. Herding picks 0 (closest to
 * the mean), then 0.5 (the pair's mean 0.25 is closest), then -1 (mean -1/6).
 * Class 1: 6, then the tie 5 / 7 goes to the earlier row (5), then 7. */
static cz_dataset *hand_set(void)
{
    static const double v[] = {10, -1, 0, 1, -10, 0.5, 5, 6, 7, -2, -3, 2, 3, -4, 4, -5, 5};
    static const int y[] = {0, 0, 0, 0, 0, 0, 1, 1, 1, 0, 0, 1, 1, 0, 1, 0, 1};
    static const int part[] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2};
    enum { N = sizeof y / sizeof y[0] };
    double x[N * 2];
    for (int i = 0; i < N; i++) {
        x[2 * i] = v[i];
        x[2 * i + 1] = 3.0; /* a constant second feature changes no distance */
    }
    return fixture_handmade(x, y, part, N, 2);
}

Test(select, herding_picks_the_expected_rows)
{
    cz_dataset *d = hand_set();
    cz_synthetic *s = NULL;
    size_t rows[6];
    cz_error err;
    cr_assert_eq(cz_select_herding(d, 3, 0, &s, rows, &err), CZ_OK, "%s", err.msg);
    const double want[6] = {0, 0.5, -1, 6, 5, 7};
    for (int i = 0; i < 6; i++) {
        cr_assert_float_eq(s->x[2 * i], want[i], 1e-6, "pick %d: %g, want %g", i, s->x[2 * i],
                           want[i]);
        cr_assert_float_eq(s->x[2 * i + 1], 3.0, 1e-6);
        cr_assert_eq(s->y[i], i / 3);
        cr_assert_float_eq(d->split[CZ_TRAIN].x[rows[i] * 2], want[i], 1e-6,
                           "rows_out names the chosen training row");
    }
    cr_assert_str_eq(s->method, "herding");
    cr_assert_float_eq(s->lr, 0.01, 0, "default evaluation rate");
    cz_synthetic_free(&s);
    cz_dataset_free(d);
}

Test(select, random_rows_are_distinct_real_rows_of_their_class)
{
    cz_dataset *d = fixture_load("pima");
    cz_synthetic *a = NULL, *b = NULL;
    cz_error err;
    cr_assert_eq(cz_select_random(d, 6, 1, 0.02, &a, &err), CZ_OK, "%s", err.msg);
    cr_assert_eq(cz_select_random(d, 6, 2, 0.02, &b, &err), CZ_OK);
    const cz_split_data *tr = &d->split[CZ_TRAIN];
    size_t f = d->features;
    for (size_t i = 0; i < a->rows; i++) {
        size_t match = 0;
        for (size_t r = 0; r < tr->rows; r++)
            if (tr->y[r] == a->y[i] && memcmp(tr->x + r * f, a->x + i * f, f * sizeof(cz_real)) == 0)
                match++;
        cr_assert_geq(match, 1, "row %zu is a training row of class %d", i, a->y[i]);
        for (size_t j = 0; j < i; j++)
            cr_assert_neq(memcmp(a->x + i * f, a->x + j * f, f * sizeof(cz_real)), 0,
                          "rows %zu and %zu are the same row", j, i);
    }
    cr_assert_neq(memcmp(a->x, b->x, a->rows * f * sizeof(cz_real)), 0, "seeds differ");
    cr_assert_float_eq(a->lr, 0.02, 0);
    cz_synthetic_free(&a);
    cz_synthetic_free(&b);
    cz_dataset_free(d);
}

Test(select, ipc_larger_than_a_class_is_refused)
{
    cz_dataset *d = hand_set();
    cz_synthetic *s = NULL;
    cz_error err;
    cr_assert_eq(cz_select_random(d, 4, 0, 0, &s, &err), CZ_EINVAL);
    cr_assert(strstr(err.msg, "class 1") && strstr(err.msg, "3 training rows"), "%s", err.msg);
    cr_assert(strstr(err.hint, "lower ipc"), "%s", err.hint);
    cr_assert_eq(cz_select_herding(d, 0, 0, &s, NULL, &err), CZ_EINVAL);
    cr_assert_null(s);
    cz_dataset_free(d);
}
