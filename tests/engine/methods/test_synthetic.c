#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "methods/synthetic.h"

static cz_synthetic *make(void)
{
    cz_synthetic *s = NULL;
    cz_error err;
    cr_assert_eq(cz_synthetic_new("mtt", 3, 2, 1, 1, 4, &s, &err), CZ_OK, "%s", err.msg);
    for (size_t i = 0; i < s->rows * s->features; i++)
        s->x[i] = (cz_real)i * 0.25f - 1;
    s->iterations = 7;
    s->lr = 0.0125;
    double h[3] = {0.9, NAN, 0.5};
    cr_assert_eq(cz_synthetic_set_history(s, h, 3, &err), CZ_OK);
    return s;
}

Test(synthetic, labels_are_class_major_and_loss_is_last_finite)
{
    cz_synthetic *s = make();
    cr_assert_eq(s->rows, 6);
    cr_assert_eq(s->features, 4);
    int32_t want[6] = {0, 0, 0, 1, 1, 1};
    cr_assert_arr_eq(s->y, want, sizeof want);
    cr_assert_float_eq(s->loss, 0.5, 0);
    double h[2] = {0.7, NAN};
    cz_error err;
    cr_assert_eq(cz_synthetic_set_history(s, h, 2, &err), CZ_OK);
    cr_assert_float_eq(s->loss, 0.7, 0, "a trailing skipped (NaN) entry is not the last loss");
    cz_synthetic_free(&s);
    cr_assert_null(s);
}

Test(synthetic, round_trip_and_digest)
{
    cz_synthetic *s = make();
    cz_bytes b = {0};
    cz_error err;
    cr_assert_eq(cz_synthetic_serialize(s, &b, &err), CZ_OK);
    cz_reader r = cz_reader_init(b.data, b.len, &err);
    cz_synthetic *t = NULL;
    cr_assert_eq(cz_synthetic_deserialize(&r, &t, &err), CZ_OK, "%s", err.msg);
    cr_assert_eq(cz_reader_finish(&r, 1), CZ_OK);
    cr_assert_str_eq(t->method, "mtt");
    cr_assert_eq(t->iterations, 7);
    cr_assert_eq(t->lr, 0.0125);
    cr_assert_eq(t->history_len, 3);
    cr_assert(isnan(t->loss_history[1]));
    cr_assert_eq(memcmp(s->x, t->x, s->rows * s->features * sizeof *s->x), 0);
    uint8_t d1[32], d2[32];
    cr_assert_eq(cz_synthetic_digest(s, d1, &err), CZ_OK);
    cr_assert_eq(cz_synthetic_digest(t, d2, &err), CZ_OK);
    cr_assert_eq(memcmp(d1, d2, 32), 0);
    t->x[5] += 1;
    cr_assert_eq(cz_synthetic_digest(t, d2, &err), CZ_OK);
    cr_assert_neq(memcmp(d1, d2, 32), 0, "the digest covers the rows");
    cz_synthetic *c = NULL;
    cr_assert_eq(cz_synthetic_clone(s, &c, &err), CZ_OK);
    cr_assert_eq(cz_synthetic_digest(c, d2, &err), CZ_OK);
    cr_assert_eq(memcmp(d1, d2, 32), 0, "a clone is the same object");
    cz_synthetic_free(&c);
    cz_synthetic_free(&t);
    cz_synthetic_free(&s);
    cz_bytes_free(&b);
}

Test(synthetic, damaged_records_are_refused)
{
    cz_synthetic *s = make();
    cz_bytes b = {0};
    cz_error err;
    cr_assert_eq(cz_synthetic_serialize(s, &b, &err), CZ_OK);
    for (size_t cut = 0; cut < b.len; cut += 7) {
        cz_reader r = cz_reader_init(b.data, cut, &err);
        cz_synthetic *t = NULL;
        cr_assert_neq(cz_synthetic_deserialize(&r, &t, &err), CZ_OK, "truncated at %zu", cut);
        cr_assert_null(t);
    }
    b.data[0] ^= 1;
    cz_reader r = cz_reader_init(b.data, b.len, &err);
    cz_synthetic *t = NULL;
    cr_assert_eq(cz_synthetic_deserialize(&r, &t, &err), CZ_EFORMAT);
    cr_assert(strstr(err.msg, "magic"), "%s", err.msg);
    cz_synthetic_free(&s);
    cz_bytes_free(&b);
}

Test(synthetic, bad_shapes_are_refused)
{
    cz_synthetic *s = NULL;
    cz_error err;
    cr_assert_eq(cz_synthetic_new("x", 0, 2, 1, 1, 3, &s, &err), CZ_EINVAL);
    cr_assert_eq(cz_synthetic_new("x", 2, 1, 1, 1, 3, &s, &err), CZ_EINVAL);
    cr_assert_null(s);
}
