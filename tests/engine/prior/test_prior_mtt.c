/* Trajectory matching through the generative prior on real images (a small
 * cut of BreastMNIST): the codes start as encodings of the rows pixel MTT
 * starts from, X always equals G(z), two runs agree bit for bit, an
 * interrupted, saved, loaded and continued run equals an uninterrupted one
 * (with G fixed and with G learned), the matching loss falls, and a record
 * is refused against another prior. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "core/bytes.h"
#include "image_fixture.h"
#include "prior/prior_mtt.h"

static cz_dataset *data;
static cz_experts *experts;
static cz_prior *prior;

static cz_prior *train_prior(uint64_t seed)
{
    cz_prior_opts o = cz_prior_opts_default();
    o.latent = 8;
    o.base = 8;
    o.hidden = 16;
    o.epochs = 3;
    o.batch = 8;
    o.seed = seed;
    cz_prior *p = NULL;
    cz_error err;
    cr_assert_eq(cz_prior_train(data, &o, cz_backend_cpu(), NULL, NULL, NULL, &p, &err), CZ_OK,
                 "%s", err.msg);
    return p;
}

static void setup(void)
{
    data = image_fixture_load(12);
    experts = image_fixture_experts(data, CZ_DSA_AUTO);
    prior = train_prior(1);
}

static void teardown(void)
{
    cz_prior_free(&prior);
    cz_experts_free(&experts);
    cz_dataset_free(data);
}

TestSuite(prior_mtt, .init = setup, .fini = teardown);

static cz_mtt_config small(void)
{
    cz_mtt_config c = cz_prior_mtt_config_default();
    c.ipc = 2;
    c.iterations = 6;
    c.syn_steps = 4;
    c.batch_syn = 2;
    c.expert_epochs = 2;
    c.max_start_epoch = 2;
    c.seed = 7;
    return c;
}

static cz_prior_mtt *start(const cz_mtt_config *c, const cz_latent_opts *lo)
{
    cz_match_source src = {.experts = experts};
    cz_prior_mtt *r = NULL;
    cz_error err;
    cr_assert_eq(cz_prior_mtt_new(data, &src, prior, c, lo, cz_backend_cpu(), &r, &err), CZ_OK,
                 "%s (%s)", err.msg, err.hint);
    return r;
}

static void run(cz_prior_mtt *r, int64_t n)
{
    cz_error err;
    cr_assert_eq(cz_prior_mtt_step(r, n, NULL, NULL, NULL, &err), CZ_OK, "%s", err.msg);
}

static void digest(const cz_prior_mtt *r, uint8_t out[32])
{
    cz_error err;
    cr_assert_eq(cz_prior_mtt_digest(r, out, &err), CZ_OK, "%s", err.msg);
}

static cz_status load(const cz_bytes *b, cz_prior *p, cz_prior_mtt **out, cz_error *err)
{
    cz_match_source src = {.experts = experts};
    cz_reader rd = cz_reader_init(b->data, b->len, err);
    cz_status st = cz_prior_mtt_deserialize(&rd, data, &src, p, cz_backend_cpu(), out, err);
    if (st == CZ_OK)
        cr_assert_eq(cz_reader_finish(&rd, 1), CZ_OK, "the record is read to its end");
    return st;
}

/* Saves, frees and loads r; the loaded run has r's digest. */
static cz_prior_mtt *reload(cz_prior_mtt *r)
{
    uint8_t before[32], after[32];
    digest(r, before);
    cz_bytes b = {0};
    cz_error err;
    cr_assert_eq(cz_prior_mtt_serialize(r, &b, &err), CZ_OK, "%s", err.msg);
    cz_prior_mtt_free(&r);
    cz_prior_mtt *back = NULL;
    cr_assert_eq(load(&b, prior, &back, &err), CZ_OK, "%s", err.msg);
    cz_bytes_free(&b);
    digest(back, after);
    cr_assert_eq(memcmp(before, after, 32), 0, "a loaded run is the saved run");
    return back;
}

/* X of the run equals G(z) of its codes, and the synthetic set carries it. */
static void assert_x_is_rendered(cz_prior_mtt *r)
{
    const cz_latent *l = cz_prior_mtt_latent(r);
    size_t n = cz_latent_rows(l) * data->features;
    cz_real *x = cz_alloc(n * sizeof *x);
    cz_error err;
    cr_assert_eq(cz_latent_render((cz_latent *)l, x, &err), CZ_OK);
    cr_assert_eq(memcmp(x, cz_mtt_x(cz_prior_mtt_run(r)), n * sizeof *x), 0, "X = G(z)");
    cz_synthetic *s = NULL;
    cr_assert_eq(cz_prior_mtt_synthetic(r, &s, &err), CZ_OK);
    cr_assert_str_eq(s->method, "prior");
    cr_assert_eq(memcmp(x, s->x, n * sizeof *x), 0);
    cz_prior_mtt_info info;
    cz_prior_mtt_info_get(r, &info);
    cr_assert_eq(s->lr, info.mtt.lr, "the set carries the learned rate");
    cr_assert_eq(s->iterations, info.mtt.iteration);
    cz_synthetic_free(&s);
    cz_free(x);
}

Test(prior_mtt, codes_start_as_encodings_of_pixel_mtts_rows)
{
    cz_mtt_config c = small();
    cz_prior_mtt *r = start(&c, NULL);
    cz_mtt *pixels = NULL;
    cz_error err;
    cr_assert_eq(cz_mtt_new(data, experts, &c, cz_backend_cpu(), &pixels, &err), CZ_OK);
    size_t rows = 2 * (size_t)data->classes, L = 8;
    cz_real *mu = cz_alloc(rows * L * sizeof *mu);
    cr_assert_eq(cz_prior_encode(prior, cz_mtt_x(pixels), cz_mtt_y(pixels), rows, mu, &err),
                 CZ_OK);
    const cz_latent *l = cz_prior_mtt_latent(r);
    cr_assert_eq(cz_latent_rows(l), rows);
    cr_assert_eq(cz_latent_size(l), L);
    cr_assert_eq(memcmp(cz_latent_codes(l), mu, rows * L * sizeof *mu), 0);
    cr_assert_eq(memcmp(cz_latent_labels(l), cz_mtt_y(pixels), rows * sizeof(int32_t)), 0);
    cz_prior_mtt_info info;
    cz_prior_mtt_info_get(r, &info);
    cr_assert_eq(info.mtt.iteration, 0);
    cr_assert_str_eq(info.match, "mtt");
    cr_assert_eq(info.latent.lr_w, 100);
    cr_assert_eq(cz_prior_mtt_config_of(r)->dsa, CZ_DSA_ON, "DSA is on for images");
    assert_x_is_rendered(r);
    cz_free(mu);
    cz_mtt_free(&pixels);
    cz_prior_mtt_free(&r);
}

Test(prior_mtt, two_runs_agree_bit_for_bit_and_the_codes_move)
{
    cz_mtt_config c = small();
    cz_prior_mtt *a = start(&c, NULL), *b = start(&c, NULL);
    size_t n = cz_latent_rows(cz_prior_mtt_latent(a)) * 8;
    cz_real *z0 = cz_alloc(n * sizeof *z0);
    memcpy(z0, cz_latent_codes(cz_prior_mtt_latent(a)), n * sizeof *z0);
    run(a, 6);
    run(b, 6);
    uint8_t da[32], db[32];
    digest(a, da);
    digest(b, db);
    cr_assert_eq(memcmp(da, db, 32), 0);
    cz_prior_mtt_info info;
    cz_prior_mtt_info_get(a, &info);
    cr_assert_eq(info.mtt.iteration, 6);
    cr_assert_eq(info.mtt.skipped, 0, "%s", info.mtt.last_skip);
    cr_assert_neq(memcmp(z0, cz_latent_codes(cz_prior_mtt_latent(a)), n * sizeof *z0), 0,
                  "the codes moved");
    cr_assert_neq(info.mtt.lr, cz_prior_mtt_config_of(a)->lr_init, "the rate moved");
    assert_x_is_rendered(a);
    cz_free(z0);
    cz_prior_mtt_free(&a);
    cz_prior_mtt_free(&b);
}

static int stop_at_2(const cz_progress *p, void *user)
{
    (void)user;
    return p->step == 2;
}

static void check_resume(const cz_latent_opts *lo, int sam)
{
    cz_mtt_config c = small();
    c.sam = sam;
    cz_prior_mtt *straight = start(&c, lo), *cut = start(&c, lo);
    run(straight, 6);
    cz_error err;
    cr_assert_eq(cz_prior_mtt_step(cut, -1, NULL, stop_at_2, NULL, &err), CZ_EINTERRUPTED);
    cut = reload(cut);
    cz_prior_mtt_info info;
    cz_prior_mtt_info_get(cut, &info);
    cr_assert_eq(info.mtt.iteration, 2);
    run(cut, -1);
    uint8_t ds[32], dc[32];
    digest(straight, ds);
    digest(cut, dc);
    cr_assert_eq(memcmp(ds, dc, 32), 0, "interrupted + saved + loaded + continued = straight");
    assert_x_is_rendered(cut);
    cz_prior_mtt_free(&straight);
    cz_prior_mtt_free(&cut);
}

Test(prior_mtt, resume_continues_bit_for_bit)
{
    check_resume(NULL, 0);
}

Test(prior_mtt, resume_with_the_generator_learned_and_satm)
{
    cz_latent_opts lo = cz_prior_mtt_latent_default();
    lo.lr_g = 0.01;
    check_resume(&lo, 1);
    /* The prior itself is never written to. */
    cz_prior *fresh = train_prior(1);
    uint8_t a[32], b[32];
    cz_error err;
    cr_assert_eq(cz_prior_digest(prior, a, &err), CZ_OK);
    cr_assert_eq(cz_prior_digest(fresh, b, &err), CZ_OK);
    cr_assert_eq(memcmp(a, b, 32), 0, "the prior is untouched by the run");
    cz_prior_free(&fresh);
}

Test(prior_mtt, a_record_is_refused_against_another_prior_or_damaged)
{
    cz_mtt_config c = small();
    cz_prior_mtt *r = start(&c, NULL);
    run(r, 1);
    cz_bytes b = {0};
    cz_error err;
    cr_assert_eq(cz_prior_mtt_serialize(r, &b, &err), CZ_OK);
    cz_prior *other = train_prior(2);
    cz_prior_mtt *back = NULL;
    cr_assert_eq(load(&b, other, &back, &err), CZ_EINVAL);
    cr_assert(strstr(err.msg, "another generator"), "%s", err.msg);
    cr_assert_null(back);
    b.data[0] ^= 1;
    cr_assert_eq(load(&b, prior, &back, &err), CZ_EFORMAT);
    cr_assert(strstr(err.msg, "prior run record"), "%s", err.msg);
    b.data[0] ^= 1;
    b.len -= 9;
    cr_assert_neq(load(&b, prior, &back, &err), CZ_OK, "a truncated record is refused");
    cr_assert_null(back);
    cz_prior_free(&other);
    cz_bytes_free(&b);
    cz_prior_mtt_free(&r);
}

Test(prior_mtt, a_tabular_dataset_or_a_prior_of_another_shape_is_refused)
{
    cz_dataset *d = image_fixture_load(12);
    d->classes = 3; /* pretend: a prior of 2 classes cannot make 3 */
    cz_match_source src = {.experts = experts};
    cz_mtt_config c = small();
    cz_prior_mtt *r = NULL;
    cz_error err;
    cr_assert_eq(cz_prior_mtt_new(d, &src, prior, &c, NULL, cz_backend_cpu(), &r, &err),
                 CZ_ESHAPE);
    cr_assert(strstr(err.msg, "of 2 classes"), "%s", err.msg);
    d->classes = 2;
    d->is_image = false;
    cr_assert_eq(cz_prior_mtt_new(d, &src, prior, &c, NULL, cz_backend_cpu(), &r, &err),
                 CZ_EINVAL);
    cr_assert(strstr(err.msg, "tabular"), "%s", err.msg);
    d->is_image = true;
    cz_dataset_free(d);
}

/* Mean of h[from..from+n). */
static double mean_of(const double *h, int from, int n)
{
    double s = 0;
    for (int i = from; i < from + n; i++)
        s += h[i] / n;
    return s;
}

Test(prior_mtt, the_matching_loss_falls, .timeout = 120)
{
    cz_mtt_config c = small();
    c.iterations = 60;
    c.syn_steps = 8;
    c.batch_syn = 0;
    c.max_start_epoch = 1;
    c.dsa = CZ_DSA_OFF; /* one fixed target sequence per start: the trend shows in 60 */
    cz_prior_mtt *r = start(&c, NULL);
    run(r, -1);
    int64_t n;
    const double *h = cz_mtt_history(cz_prior_mtt_run(r), &n);
    cr_assert_eq(n, 60);
    double first = mean_of(h, 0, 15), last = mean_of(h, 45, 15);
    cr_log_info("prior+MTT matching loss: first 15 %.4f, last 15 %.4f", first, last);
    cr_assert_lt(last, 0.9 * first, "mean matching loss %g (first 15) -> %g (last 15)", first,
                 last);
    cz_prior_mtt_free(&r);
}
