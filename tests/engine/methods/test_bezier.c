/* Bézier surrogates: exact end points, 3 vectors per expert, the canonical
 * bytes round trip and their refusals, and the fit on real data (pima): the
 * fitted curve's loss at mid-curve is below the straight line's. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "btm_fixture.h"
#include "core/alloc.h"
#include "core/bytes.h"
#include "methods/bezier.h"

static cz_model_spec tiny_spec(void)
{
    return (cz_model_spec){.arch = CZ_ARCH_MLP, .channels = 1, .height = 1, .width = 4,
                           .classes = 2, .hidden = 6, .depth = 1, .instance_norm = 0};
}

/* A set with random points for the tiny MLP (4 -> 6 -> 2). */
static cz_surrogate *random_set(size_t count, int epochs, uint64_t seed)
{
    cz_model_spec spec = tiny_spec();
    cz_model *m = NULL;
    cz_error err;
    cr_assert_eq(cz_model_new(&spec, cz_backend_cpu(), &m, &err), CZ_OK, "%s", err.msg);
    size_t p = cz_model_param_count(m);
    cz_model_free(m);
    cz_surrogate *s = NULL;
    cr_assert_eq(cz_surrogate_new(&spec, count, p, epochs, &s, &err), CZ_OK, "%s", err.msg);
    cz_rng rng;
    cz_rng_seed(&rng, seed);
    for (size_t i = 0; i < count * 3 * p; i++)
        s->points[i] = (cz_real)cz_rng_normal(&rng);
    s->expert_lr = 0.01;
    s->expert_batch = 256;
    s->train_rows = 123;
    s->fit_loss = 0.4;
    return s;
}

Test(bezier, curve_end_points_are_the_expert_parameters_bit_for_bit)
{
    cz_surrogate *s = random_set(3, 10, 7);
    cz_real *out = cz_alloc(s->params * sizeof(cz_real));
    for (size_t i = 0; i < s->count; i++) {
        cz_surrogate_point(s, i, 0.0, out);
        cr_assert_eq(memcmp(out, cz_surrogate_start(s, i), s->params * sizeof(cz_real)), 0);
        cz_surrogate_point(s, i, 1.0, out);
        cr_assert_eq(memcmp(out, cz_surrogate_end(s, i), s->params * sizeof(cz_real)), 0);
        /* Mid-curve: (a + 2c + b) / 4. */
        cz_surrogate_point(s, i, 0.5, out);
        const cz_real *a = cz_surrogate_start(s, i), *c = cz_surrogate_control(s, i),
                      *b = cz_surrogate_end(s, i);
        for (size_t p = 0; p < s->params; p++)
            cr_assert_float_eq(out[p], 0.25 * a[p] + 0.5 * c[p] + 0.25 * b[p], 1e-5);
    }
    cz_free(out);
    cz_surrogate_free(&s);
    cr_assert_null(s, "free nulls the pointer");
}

Test(bezier, storage_is_three_vectors_per_expert)
{
    cz_surrogate *s = random_set(8, 30, 1);
    size_t vec = s->params * sizeof(cz_real);
    cr_assert_eq(cz_surrogate_bytes(s), 8 * 3 * vec);
    cr_assert_eq(cz_surrogate_trajectory_bytes(s), 8 * 31 * vec);
    cz_surrogate_free(&s);
}

Test(bezier, serialisation_round_trip_keeps_every_field_and_the_digest)
{
    cz_surrogate *s = random_set(4, 12, 3);
    s->fit.epochs = 17;
    s->fit.seed = 99;
    cz_bytes b = {0};
    cz_error err;
    cr_assert_eq(cz_surrogate_serialize(s, &b, &err), CZ_OK, "%s", err.msg);
    cz_reader r = cz_reader_init(b.data, b.len, &err);
    cz_surrogate *t = NULL;
    cr_assert_eq(cz_surrogate_deserialize(&r, &t, &err), CZ_OK, "%s", err.msg);
    cr_assert_eq(r.pos, b.len, "the record is read to its end");
    cr_assert_eq(t->count, 4);
    cr_assert_eq(t->params, s->params);
    cr_assert_eq(t->expert_epochs, 12);
    cr_assert_eq(t->train_rows, 123);
    cr_assert_eq(t->expert_batch, 256);
    cr_assert_eq(t->expert_lr, 0.01);
    cr_assert_eq(t->fit.epochs, 17);
    cr_assert_eq(t->fit.seed, 99);
    cr_assert_eq(t->fit_loss, 0.4);
    cr_assert_eq(memcmp(&t->spec, &s->spec, sizeof s->spec), 0);
    cr_assert_eq(memcmp(t->points, s->points, 4 * 3 * s->params * sizeof(cz_real)), 0);
    uint8_t d1[32], d2[32];
    cr_assert_eq(cz_surrogate_digest(s, d1, &err), CZ_OK);
    cr_assert_eq(cz_surrogate_digest(t, d2, &err), CZ_OK);
    cr_assert_eq(memcmp(d1, d2, 32), 0);
    /* One control-point value changed: another digest. */
    cz_surrogate_control(t, 2)[5] += 1;
    cr_assert_eq(cz_surrogate_digest(t, d2, &err), CZ_OK);
    cr_assert_neq(memcmp(d1, d2, 32), 0);
    cz_surrogate_free(&t);
    cz_surrogate_free(&s);
    cz_bytes_free(&b);
}

Test(bezier, deserialise_refuses_truncated_retagged_and_misshapen_records)
{
    cz_surrogate *s = random_set(2, 5, 4);
    cz_bytes b = {0};
    cz_error err;
    cr_assert_eq(cz_surrogate_serialize(s, &b, &err), CZ_OK);
    size_t cuts[] = {0, 3, 20, 90, b.len / 2, b.len - 1};
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
        cz_reader r = cz_reader_init(b.data, cuts[i], &err);
        cz_surrogate *t = NULL;
        cr_assert_eq(cz_surrogate_deserialize(&r, &t, &err), CZ_EFORMAT, "cut at %zu", cuts[i]);
        cr_assert_null(t);
        cr_assert(strlen(err.msg) > 0);
    }
    /* Another tag (the first byte of the tag text, after its 4-byte length). */
    uint8_t *copy = cz_alloc(b.len);
    memcpy(copy, b.data, b.len);
    copy[4] = 'x';
    cz_reader r = cz_reader_init(copy, b.len, &err);
    cz_surrogate *t = NULL;
    cr_assert_eq(cz_surrogate_deserialize(&r, &t, &err), CZ_EFORMAT);
    cr_assert(strstr(err.msg, "tag") != NULL, "%s", err.msg);
    /* A parameter count that is not the architecture's. The count follows
     * the tag (4 + 15 bytes), the spec (64) and the curve count (8). */
    memcpy(copy, b.data, b.len);
    copy[4 + 15 + 64 + 8] ^= 1;
    r = cz_reader_init(copy, b.len, &err);
    cr_assert_eq(cz_surrogate_deserialize(&r, &t, &err), CZ_EFORMAT);
    cr_assert(strstr(err.msg, "parameters") != NULL, "%s", err.msg);
    cz_free(copy);
    cz_bytes_free(&b);
    cz_surrogate_free(&s);
}

Test(bezier, new_refuses_empty_sets)
{
    cz_model_spec spec = tiny_spec();
    cz_surrogate *s = NULL;
    cz_error err;
    cr_assert_eq(cz_surrogate_new(&spec, 0, 10, 5, &s, &err), CZ_EINVAL);
    cr_assert_eq(cz_surrogate_new(&spec, 2, 10, 0, &s, &err), CZ_EINVAL);
    cr_assert_null(s);
}

/* The fixture's experts are shared by the fit tests below (4 experts of 20
 * epochs on pima, an MLP 8-128-128-2). */
static btm_fixture fx;
static void setup_pima(void) { fx = fx_make("pima", 4, 20); }
static void teardown_pima(void) { fx_free(&fx); }

Test(bezier_fit, mid_curve_loss_is_below_the_straight_line_on_pima, .init = setup_pima,
     .fini = teardown_pima)
{
    cz_surrogate *s = fx_curves(&fx, NULL);
    const cz_split_data *tr = &fx.d->split[CZ_TRAIN];
    /* End points untouched by the fit, bit for bit. */
    for (int k = 0; k < fx.count; k++) {
        cr_assert_eq(memcmp(cz_surrogate_start(s, (size_t)k), fx_at(&fx, k, 0),
                            fx.params * sizeof(cz_real)), 0);
        cr_assert_eq(memcmp(cz_surrogate_end(s, (size_t)k), fx_at(&fx, k, fx.epochs),
                            fx.params * sizeof(cz_real)), 0);
    }
    double t[5] = {0.0, 0.25, 0.5, 0.75, 1.0}, curve[5], line[5];
    cz_error err;
    for (int k = 0; k < fx.count; k++) {
        cr_assert_eq(cz_surrogate_profile(fx.m, s, (size_t)k, tr->x, tr->y, tr->rows, t, 5,
                                          curve, line, &err), CZ_OK, "%s", err.msg);
        cr_assert_lt(curve[2], line[2], "expert %d: curve %g vs line %g at t = 0.5", k,
                     curve[2], line[2]);
        /* The two paths share their ends. */
        cr_assert_eq(curve[0], line[0]);
        cr_assert_eq(curve[4], line[4]);
    }
    cr_assert_eq(cz_surrogate_profile(fx.m, s, CZ_SURROGATE_ALL, tr->x, tr->y, tr->rows, t, 5,
                                      curve, line, &err), CZ_OK);
    cr_assert_lt(curve[1], line[1]);
    cr_assert_lt(curve[2], line[2]);
    cr_assert_lt(curve[3], line[3]);
    cr_assert(isfinite(s->fit_loss));
    cr_assert_eq(s->train_rows, tr->rows);
    /* Held-out rows too: the curve is not only a training-set artefact. */
    const cz_split_data *va = &fx.d->split[CZ_VAL];
    cr_assert_eq(cz_surrogate_profile(fx.m, s, CZ_SURROGATE_ALL, va->x, va->y, va->rows, t, 5,
                                      curve, line, &err), CZ_OK);
    cr_assert_lt(curve[2], line[2], "validation: curve %g vs line %g", curve[2], line[2]);
    cz_surrogate_free(&s);
}

Test(bezier_fit, is_reproducible_and_each_curve_is_independent_of_the_others,
     .init = setup_pima, .fini = teardown_pima)
{
    cz_bezier_opts o = cz_bezier_opts_default();
    o.epochs = 5;
    cz_surrogate *a = fx_curves(&fx, &o);
    cz_surrogate *b = fx_curves(&fx, &o);
    cr_assert_eq(memcmp(a->points, b->points, cz_surrogate_bytes(a)), 0);
    /* Curve i has its own stream: the first curve is the same whatever follows it. */
    btm_fixture one = fx;
    one.count = 1;
    cz_surrogate *d = fx_curves(&one, &o);
    cr_assert_eq(memcmp(cz_surrogate_control(d, 0), cz_surrogate_control(a, 0),
                        fx.params * sizeof(cz_real)), 0);
    cz_surrogate_free(&a);
    cz_surrogate_free(&b);
    cz_surrogate_free(&d);
}

static int count_calls(const cz_progress *p, void *user)
{
    int *calls = user;
    (*calls)++;
    cr_assert_str_eq(p->phase, "bezier");
    cr_assert_eq(p->step, *calls);
    return *calls == 7; /* stop after the 7th epoch */
}

Test(bezier_fit, reports_progress_per_epoch_and_stops_when_asked, .init = setup_pima,
     .fini = teardown_pima)
{
    cz_bezier_opts o = cz_bezier_opts_default();
    o.epochs = 3;
    int calls = 0;
    o.progress = count_calls;
    o.progress_user = &calls;
    const cz_real *first[4], *last[4];
    for (int k = 0; k < 4; k++) {
        first[k] = fx_at(&fx, k, 0);
        last[k] = fx_at(&fx, k, fx.epochs);
    }
    const cz_split_data *tr = &fx.d->split[CZ_TRAIN];
    cz_surrogate *s = NULL;
    cz_error err;
    cz_status st = cz_bezier_fit(fx.m, 4, first, last, fx.epochs, tr->x, tr->y, tr->rows, &o,
                                 &s, &err);
    cr_assert_eq(st, CZ_EINTERRUPTED, "%s", err.msg);
    cr_assert_eq(calls, 7, "3 epochs of curve 0, 3 of curve 1, 1 of curve 2");
    cr_assert_null(s);

    cz_cancel cancel;
    cz_cancel_init(&cancel);
    cz_cancel_request(&cancel);
    o.progress = NULL;
    o.cancel = &cancel;
    st = cz_bezier_fit(fx.m, 4, first, last, fx.epochs, tr->x, tr->y, tr->rows, &o, &s, &err);
    cr_assert_eq(st, CZ_EINTERRUPTED);
    cr_assert_null(s);

    o.cancel = NULL;
    o.epochs = 0;
    st = cz_bezier_fit(fx.m, 4, first, last, fx.epochs, tr->x, tr->y, tr->rows, &o, &s, &err);
    cr_assert_eq(st, CZ_EINVAL);
    cr_assert(strstr(err.msg, "epochs") != NULL, "%s", err.msg);
    o.epochs = 2;
    o.lr = 1e9;
    st = cz_bezier_fit(fx.m, 4, first, last, fx.epochs, tr->x, tr->y, tr->rows, &o, &s, &err);
    cr_assert_eq(st, CZ_ENUMERIC, "a huge rate diverges and says so: %s", err.msg);
    cr_assert_null(s);
}
