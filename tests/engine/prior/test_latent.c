/* Latent-parameterised synthetic images, float64: the step moves z along
 * -dL/dz of L(G(z)) (checked against central differences), learning G's
 * weights leaves the prior untouched, bad gradients change nothing, and the
 * state round-trips. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/rng.h"
#include "prior/latent.h"
#include "small_prior.h"

#define ROWS 4
#define IMG 64

static const int32_t labels[ROWS] = {0, 0, 1, 1};

static cz_latent *make_latent(cz_prior *p, double lr_w, double lr_g, double momentum)
{
    cz_latent_opts o = {.lr_w = lr_w, .lr_g = lr_g, .momentum = momentum};
    cz_latent *l = NULL;
    cz_error err;
    cr_assert_eq(cz_latent_new(p, labels, ROWS, &o, &l, &err), CZ_OK, "%s", err.msg);
    cz_rng r;
    cz_rng_seed(&r, 21);
    cz_latent_init_random(l, &r);
    return l;
}

/* L = 0.5 |G(z) - target|^2 and its pixel gradient. */
static double quad_loss(cz_latent *l, const cz_real *target, cz_real *grad_x)
{
    cz_real x[ROWS * IMG];
    cz_error err;
    cr_assert_eq(cz_latent_render(l, x, &err), CZ_OK, "%s", err.msg);
    double s = 0;
    for (int i = 0; i < ROWS * IMG; i++) {
        double r = x[i] - target[i];
        s += 0.5 * r * r;
        if (grad_x)
            grad_x[i] = r;
    }
    return s;
}

static void fill(cz_real *v, size_t n, uint64_t seed)
{
    cz_rng r;
    cz_rng_seed(&r, seed);
    for (size_t i = 0; i < n; i++)
        v[i] = cz_rng_normal(&r);
}

Test(latent, a_step_moves_the_codes_down_the_finite_difference_gradient)
{
    cz_prior *p = small_prior(1);
    cz_latent *l = make_latent(p, 1.0, 0.0, 0.0);
    cz_real target[ROWS * IMG], gx[ROWS * IMG];
    fill(target, ROWS * IMG, 3);
    size_t nz = ROWS * cz_latent_size(l);
    cz_real z0[ROWS * 3], num[ROWS * 3];
    cr_assert_eq(nz, ROWS * 3);
    memcpy(z0, cz_latent_codes(l), sizeof z0);
    cz_real *z = (cz_real *)cz_latent_codes(l); /* perturbed in place for the differences */
    const double h = 1e-6;
    for (size_t i = 0; i < nz; i++) {
        z[i] = z0[i] + h;
        double up = quad_loss(l, target, NULL);
        z[i] = z0[i] - h;
        double down = quad_loss(l, target, NULL);
        z[i] = z0[i];
        num[i] = (up - down) / (2 * h);
    }
    double before = quad_loss(l, target, gx), norm = 0, want = 0;
    cz_error err;
    cr_assert_eq(cz_latent_step(l, gx, &norm, &err), CZ_OK, "%s", err.msg);
    for (size_t i = 0; i < nz; i++) {
        double moved = z0[i] - cz_latent_codes(l)[i]; /* lr 1, momentum 0: = dL/dz */
        cr_assert_float_eq(moved, num[i], 1e-7 * (1 + fabs(num[i])), "code %zu", i);
        want += num[i] * num[i];
    }
    cr_assert_float_eq(norm, sqrt(want), 1e-6);
    /* Small steps then lower the loss. */
    cz_latent_free(&l);
    l = make_latent(p, 0.01, 0.0, 0.5);
    before = quad_loss(l, target, gx);
    for (int k = 0; k < 20; k++) {
        quad_loss(l, target, gx);
        cr_assert_eq(cz_latent_step(l, gx, NULL, &err), CZ_OK);
    }
    cr_assert_lt(quad_loss(l, target, NULL), before);
    cz_latent_free(&l);
    cr_assert_null(l);
    cz_prior_free(&p);
}

Test(latent, learning_g_changes_a_copy_and_not_the_prior)
{
    cz_prior *p = small_prior(0);
    size_t np = cz_generator_param_count(cz_prior_generator(p));
    cz_real *keep = cz_calloc(np, sizeof(cz_real));
    memcpy(keep, cz_prior_theta(p), np * sizeof(cz_real));
    cz_latent *l = make_latent(p, 0.002, 0.002, 0.5);
    cr_assert_neq(cz_latent_theta(l), cz_prior_theta(p));
    cz_real target[ROWS * IMG], gx[ROWS * IMG];
    fill(target, ROWS * IMG, 4);
    double before = quad_loss(l, target, gx);
    cz_error err;
    for (int k = 0; k < 20; k++) {
        quad_loss(l, target, gx);
        cr_assert_eq(cz_latent_step(l, gx, NULL, &err), CZ_OK);
    }
    cr_assert_lt(quad_loss(l, target, NULL), before);
    cr_assert_eq(memcmp(keep, cz_prior_theta(p), np * sizeof(cz_real)), 0);
    cr_assert_neq(memcmp(keep, cz_latent_theta(l), np * sizeof(cz_real)), 0);
    cz_free(keep);
    cz_latent_free(&l);
    cz_prior_free(&p);
}

Test(latent, non_finite_gradients_leave_the_state_unchanged)
{
    cz_prior *p = small_prior(1);
    cz_latent *l = make_latent(p, 1.0, 0.1, 0.5);
    cz_real z0[ROWS * 3], gx[ROWS * IMG];
    memcpy(z0, cz_latent_codes(l), sizeof z0);
    fill(gx, ROWS * IMG, 5);
    gx[17] = NAN;
    cz_error err;
    cr_assert_eq(cz_latent_step(l, gx, NULL, &err), CZ_ENUMERIC);
    cr_assert_eq(memcmp(z0, cz_latent_codes(l), sizeof z0), 0);
    gx[17] = 1e308; /* finite, but the codes' gradient overflows */
    gx[18] = 1e308;
    cz_status st = cz_latent_step(l, gx, NULL, &err);
    cr_assert_eq(st, CZ_ENUMERIC);
    cr_assert_eq(memcmp(z0, cz_latent_codes(l), sizeof z0), 0);
    cz_latent_free(&l);
    cz_prior_free(&p);
}

Test(latent, encode_initialisation_and_bad_options)
{
    cz_prior *p = small_prior(1);
    cz_latent *l = make_latent(p, 1.0, 0.0, 0.5);
    cz_real x[ROWS * IMG], mu[ROWS * 3];
    fill(x, ROWS * IMG, 6);
    cz_error err;
    cr_assert_eq(cz_latent_init_encode(l, x, &err), CZ_OK);
    cr_assert_eq(cz_prior_encode(p, x, labels, ROWS, mu, &err), CZ_OK);
    cr_assert_eq(memcmp(mu, cz_latent_codes(l), sizeof mu), 0);
    cz_latent_free(&l);

    cz_latent_opts o = cz_latent_opts_default();
    int32_t bad[2] = {0, 2};
    cr_assert_eq(cz_latent_new(p, bad, 2, &o, &l, &err), CZ_EINVAL);
    cr_assert(strstr(err.msg, "label 2") != NULL, "%s", err.msg);
    o.momentum = 1.0;
    cr_assert_eq(cz_latent_new(p, labels, ROWS, &o, &l, &err), CZ_EINVAL);
    cr_assert_null(l);
    cz_prior_free(&p);
}

Test(latent, state_round_trips_and_belongs_to_its_prior)
{
    cz_prior *p = small_prior(1);
    cz_latent *l = make_latent(p, 0.1, 0.1, 0.5);
    cz_real target[ROWS * IMG], gx[ROWS * IMG];
    fill(target, ROWS * IMG, 7);
    quad_loss(l, target, gx);
    cz_error err;
    cr_assert_eq(cz_latent_step(l, gx, NULL, &err), CZ_OK);
    cz_bytes a = {0}, b = {0};
    cr_assert_eq(cz_latent_serialize(l, &a, &err), CZ_OK);
    cz_reader r = cz_reader_init(a.data, a.len, &err);
    cz_latent *q = NULL;
    cr_assert_eq(cz_latent_deserialize(&r, p, &q, &err), CZ_OK, "%s", err.msg);
    cr_assert_eq(cz_reader_finish(&r, 1), CZ_OK);
    cr_assert_eq(cz_latent_serialize(q, &b, &err), CZ_OK);
    cr_assert_eq(a.len, b.len);
    cr_assert_eq(memcmp(a.data, b.data, a.len), 0);
    cz_latent_free(&q);
    for (size_t cut = 0; cut < a.len; cut += 29) {
        r = cz_reader_init(a.data, cut, &err);
        cr_assert_eq(cz_latent_deserialize(&r, p, &q, &err), CZ_EFORMAT, "cut at %zu", cut);
        cr_assert_null(q);
    }
    cz_prior *other = small_prior(1);
    ((cz_real *)cz_prior_theta(other))[0] += 1;
    r = cz_reader_init(a.data, a.len, &err);
    cr_assert_eq(cz_latent_deserialize(&r, other, &q, &err), CZ_EINVAL);
    cr_assert(strstr(err.msg, "another generator") != NULL, "%s", err.msg);
    cz_bytes_free(&a);
    cz_bytes_free(&b);
    cz_latent_free(&l);
    cz_prior_free(&other);
    cz_prior_free(&p);
}
