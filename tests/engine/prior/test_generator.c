/* The generator and the VAE objective, float64: G(z)'s shape and range, the
 * latent and weight gradients and the VAE loss gradient against central
 * differences, label and spec errors, and the canonical encoding. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "backend/backend.h"
#include "core/alloc.h"
#include "core/rng.h"
#include "prior/generator.h"
#include "prior/prior.h"
#include "prior/prior_internal.h"
#include "small_prior.h"

static void normal_fill(cz_real *v, size_t n, uint64_t seed, double scale)
{
    cz_rng r;
    cz_rng_seed(&r, seed);
    for (size_t i = 0; i < n; i++)
        v[i] = cz_rng_normal(&r) * scale;
}

static cz_generator *small_generator(int classes)
{
    cz_generator_spec s = cz_generator_spec_default(1, 8, 8, classes);
    s.latent = 4;
    s.base = 8;
    s.out_scale = 1.7;
    s.out_shift = -0.3;
    cz_generator *g = NULL;
    cz_error err;
    cr_assert_eq(cz_generator_new(&s, cz_backend_cpu(), &g, &err), CZ_OK, "%s", err.msg);
    return g;
}

Test(generator, output_has_the_image_shape_and_stays_in_the_mapped_range)
{
    cz_generator_spec s = cz_generator_spec_default(1, 28, 28, 2);
    s.out_scale = 2.0;
    s.out_shift = 0.5;
    cz_generator *g = NULL;
    cz_error err;
    cr_assert_eq(cz_generator_new(&s, cz_backend_cpu(), &g, &err), CZ_OK, "%s", err.msg);
    cr_assert_eq(cz_generator_image_size(g), 784);
    /* 34 x 3136 + 3136, 64*32*9 + 32, 32*16*9 + 16, 16*9 + 1 */
    cr_assert_eq(cz_generator_param_count(g), 109760 + 18464 + 4624 + 145);
    char buf[160];
    cr_assert(strstr(cz_generator_describe(g, buf, sizeof buf), "1x28x28") != NULL, "%s", buf);
    size_t np = cz_generator_param_count(g);
    cz_real *theta = cz_calloc(np, sizeof(cz_real));
    cz_rng r;
    cz_rng_seed(&r, 1);
    cz_generator_init(g, &r, theta);
    size_t n = 6;
    cz_real *z = cz_calloc(n * 32, sizeof(cz_real)), *x = cz_calloc(n * 784, sizeof(cz_real));
    normal_fill(z, n * 32, 2, 30.0); /* large codes push tanh to its limits */
    int32_t y[6] = {0, 1, 0, 1, 1, 0};
    cr_assert_eq(cz_generator_forward(g, theta, z, y, n, x, &err), CZ_OK, "%s", err.msg);
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < n * 784; i++) {
        cr_assert(isfinite(x[i]));
        lo = x[i] < lo ? x[i] : lo;
        hi = x[i] > hi ? x[i] : hi;
    }
    cr_assert(lo >= 0.5 - 2.0 && hi <= 0.5 + 2.0, "range [%g, %g]", lo, hi);
    cr_assert_gt(hi - lo, 0.1, "the output should not be constant");
    /* The class code matters: same z, other label, another image. */
    cz_real *x2 = cz_calloc(n * 784, sizeof(cz_real));
    int32_t y2[6] = {1, 0, 1, 0, 0, 1};
    cr_assert_eq(cz_generator_forward(g, theta, z, y2, n, x2, &err), CZ_OK);
    cr_assert_neq(memcmp(x, x2, 784 * sizeof(cz_real)), 0);
    cz_free(theta), cz_free(z), cz_free(x), cz_free(x2);
    cz_generator_free(&g);
    cr_assert_null(g);
}

/* s = <w, G(theta; z, y)>: checks dz and dtheta against central differences. */
static void check_generator_gradient(int classes)
{
    cz_generator *g = small_generator(classes);
    size_t np = cz_generator_param_count(g), n = 3, L = 4, image = 64;
    cz_real *theta = cz_calloc(np, sizeof(cz_real)), *dth = cz_calloc(np, sizeof(cz_real));
    cz_real *z = cz_calloc(n * L, sizeof(cz_real)), *dz = cz_calloc(n * L, sizeof(cz_real));
    cz_real *w = cz_calloc(n * image, sizeof(cz_real)), *x = cz_calloc(n * image, sizeof(cz_real));
    cz_rng r;
    cz_rng_seed(&r, 5);
    cz_generator_init(g, &r, theta);
    normal_fill(z, n * L, 6, 1.0);
    normal_fill(w, n * image, 7, 1.0);
    int32_t y[3] = {1, 0, 1};
    const int32_t *yl = classes ? y : NULL;
    cz_error err;
    cr_assert_eq(cz_generator_vjp(g, theta, z, yl, n, w, dz, dth, &err), CZ_OK, "%s", err.msg);
    cz_real *vecs[2] = {z, theta}, *grads[2] = {dz, dth};
    size_t lens[2] = {n * L, np};
    const double h = 1e-6;
    double worst[2] = {0, 0};
    for (int v = 0; v < 2; v++)
        for (size_t i = 0; i < lens[v]; i++) {
            double s[2];
            cz_real keep = vecs[v][i];
            for (int k = 0; k < 2; k++) {
                vecs[v][i] = keep + (k ? -h : h);
                cr_assert_eq(cz_generator_forward(g, theta, z, yl, n, x, &err), CZ_OK);
                s[k] = 0;
                for (size_t j = 0; j < n * image; j++)
                    s[k] += w[j] * x[j];
            }
            vecs[v][i] = keep;
            double num = (s[0] - s[1]) / (2 * h);
            double e = fabs(grads[v][i] - num) / (1 + fabs(num));
            worst[v] = e > worst[v] ? e : worst[v];
        }
    cr_assert_lt(worst[0], 1e-7, "latent gradient error %.3e (classes %d)", worst[0], classes);
    cr_assert_lt(worst[1], 1e-7, "weight gradient error %.3e (classes %d)", worst[1], classes);
    /* dtheta accumulates: a second call doubles it. */
    cz_real first = dth[0];
    cr_assert_eq(cz_generator_vjp(g, theta, z, yl, n, w, NULL, dth, &err), CZ_OK);
    cr_assert_float_eq(dth[0], 2 * first, 1e-12);
    cz_free(theta), cz_free(dth), cz_free(z), cz_free(dz), cz_free(w), cz_free(x);
    cz_generator_free(&g);
}

Test(generator, latent_and_weight_gradients_match_finite_differences)
{
    check_generator_gradient(3);
    check_generator_gradient(0);
}

Test(generator, bad_labels_and_shapes_are_refused)
{
    cz_generator *g = small_generator(2);
    cz_real theta[1024] = {0}, z[4] = {0}, x[64];
    cz_error err;
    int32_t y = 2;
    cr_assert_geq(1024, cz_generator_param_count(g));
    cr_assert_eq(cz_generator_forward(g, theta, z, &y, 1, x, &err), CZ_EINVAL);
    cr_assert(strstr(err.msg, "label 2") != NULL, "%s", err.msg);
    cr_assert_eq(cz_generator_forward(g, theta, z, NULL, 1, x, &err), CZ_EINVAL);
    cz_generator_free(&g);

    cz_generator_spec s = cz_generator_spec_default(1, 30, 28, 2);
    cr_assert_eq(cz_generator_new(&s, cz_backend_cpu(), &g, &err), CZ_ESHAPE);
    cr_assert(strstr(err.msg, "1x30x28") != NULL, "%s", err.msg);
    cr_assert_null(g);
    s = cz_generator_spec_default(1, 28, 28, 2);
    s.out_scale = 0;
    cr_assert_eq(cz_generator_new(&s, cz_backend_cpu(), &g, &err), CZ_EINVAL);
}

static double vae_loss(cz_prior *p, vae_bufs *b, size_t B, const cz_rng *rng)
{
    cz_rng r = *rng; /* the same noise every evaluation */
    double sums[3] = {0, 0, 0};
    cz_error err;
    cr_assert_eq(vae_loss_grad(p, b, B, &r, sums, &err), CZ_OK, "%s", err.msg);
    return (sums[0] + p->opts.beta * sums[1]) / (double)B;
}

Test(generator, vae_loss_gradient_matches_finite_differences)
{
    for (int cond = 0; cond < 2; cond++) {
        cz_prior *p = small_prior(cond);
        size_t B = 3, pg = cz_generator_param_count(p->gen), pe = p->enc.params;
        vae_bufs b;
        cr_assert(vae_bufs_alloc(&b, B, B, 64, 3, pg, pe));
        normal_fill(b.xb, B * 64, 11, 1.0);
        b.yb[0] = 1, b.yb[1] = 0, b.yb[2] = 1;
        cz_rng rng;
        cz_rng_seed(&rng, 12);
        vae_loss(p, &b, B, &rng);
        cz_real *gg = cz_calloc(pg, sizeof(cz_real)), *ge = cz_calloc(pe, sizeof(cz_real));
        memcpy(gg, b.gg, pg * sizeof(cz_real));
        memcpy(ge, b.ge, pe * sizeof(cz_real));
        cz_real *vecs[2] = {p->theta_g, p->theta_e}, *grads[2] = {gg, ge};
        size_t lens[2] = {pg, pe};
        const double h = 1e-6;
        for (int v = 0; v < 2; v++) {
            double worst = 0;
            for (size_t i = 0; i < lens[v]; i++) {
                cz_real keep = vecs[v][i];
                vecs[v][i] = keep + h;
                double up = vae_loss(p, &b, B, &rng);
                vecs[v][i] = keep - h;
                double down = vae_loss(p, &b, B, &rng);
                vecs[v][i] = keep;
                double num = (up - down) / (2 * h);
                double e = fabs(grads[v][i] - num) / (1 + fabs(num));
                worst = e > worst ? e : worst;
            }
            cr_assert_lt(worst, 1e-6, "%s gradient error %.3e (conditional %d)",
                         v ? "encoder" : "generator", worst, cond);
        }
        cz_free(gg), cz_free(ge);
        vae_bufs_free(&b);
        cz_prior_free(&p);
        cr_assert_null(p);
    }
}

Test(generator, prior_encoding_round_trips_and_refuses_damage)
{
    cz_prior *p = small_prior(1);
    cz_bytes a = {0}, b = {0};
    cz_error err;
    cr_assert_eq(cz_prior_serialize(p, &a, &err), CZ_OK);
    cz_reader r = cz_reader_init(a.data, a.len, &err);
    cz_prior *q = NULL;
    cr_assert_eq(cz_prior_deserialize(&r, cz_backend_cpu(), &q, &err), CZ_OK, "%s", err.msg);
    cr_assert_eq(cz_reader_finish(&r, 1), CZ_OK);
    cr_assert_eq(cz_prior_serialize(q, &b, &err), CZ_OK);
    cr_assert_eq(a.len, b.len);
    cr_assert_eq(memcmp(a.data, b.data, a.len), 0);
    uint8_t da[32], db[32];
    cr_assert_eq(cz_prior_digest(p, da, &err), CZ_OK);
    cr_assert_eq(cz_prior_digest(q, db, &err), CZ_OK);
    cr_assert_eq(memcmp(da, db, 32), 0);
    cr_assert_eq(cz_generator_spec_of(cz_prior_generator(q))->out_scale, 1.5);
    /* A changed weight changes the digest. */
    q->theta_g[0] += 1;
    cr_assert_eq(cz_prior_digest(q, db, &err), CZ_OK);
    cr_assert_neq(memcmp(da, db, 32), 0);
    cz_prior_free(&q);
    /* Every truncation is refused as malformed, never accepted or crashed. */
    for (size_t cut = 0; cut < a.len; cut += 37) {
        r = cz_reader_init(a.data, cut, &err);
        cr_assert_eq(cz_prior_deserialize(&r, cz_backend_cpu(), &q, &err), CZ_EFORMAT,
                     "cut at %zu", cut);
        cr_assert_null(q);
    }
    a.data[5] ^= 0x20; /* inside the version tag */
    r = cz_reader_init(a.data, a.len, &err);
    cr_assert_eq(cz_prior_deserialize(&r, cz_backend_cpu(), &q, &err), CZ_EFORMAT);
    cr_assert(strstr(err.msg, "cz-generator-v1") != NULL, "%s", err.msg);
    cz_bytes_free(&a);
    cz_bytes_free(&b);
    cz_prior_free(&p);
}
