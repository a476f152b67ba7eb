/* BTM and SATM through the MTT run (methods/btm.h, mtt.h): a BTM run needs
 * only the curves (the experts are freed before it starts), names its
 * method, lowers the matching loss, resumes bit for bit, refuses other
 * curves on resume; SATM runs resume bit for bit too; and MTT through the
 * same run is unchanged by the target-source hook. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "autodiff/unroll.h"
#include "backend/backend.h"
#include "core/alloc.h"
#include "methods/bezier_experts.h"
#include "methods/btm.h"
#include "methods/match_source.h"
#include "methods/mtt.h"
#include "methods_fixtures.h"

static cz_dataset *data;
static cz_surrogate *curves;

static void setup(void)
{
    data = fixture_load("pima");
    cz_experts_opts o = cz_experts_opts_default(data);
    o.count = 3;
    o.epochs = 20;
    cz_error err;
    cz_experts *ex = NULL;
    cr_assert_eq(cz_experts_train(data, &o, cz_backend_cpu(), &ex, &err), CZ_OK, "%s", err.msg);
    cz_bezier_opts bo = cz_bezier_opts_default();
    bo.epochs = 20;
    cr_assert_eq(cz_bezier_fit_experts(ex, data, &bo, cz_backend_cpu(), &curves, &err), CZ_OK,
                 "%s", err.msg);
    cr_assert_eq(curves->expert_lr, o.lr);
    cr_assert_eq(curves->expert_batch, o.batch);
    cz_experts_free(&ex); /* BTM runs on the curves alone */
}

static void teardown(void)
{
    cz_surrogate_free(&curves);
    cz_dataset_free(data);
}

TestSuite(btm_run, .init = setup, .fini = teardown);

static cz_mtt_config small(cz_mtt_config c)
{
    c.ipc = 5;
    c.iterations = 16;
    c.syn_steps = 10;
    c.expert_epochs = 2;
    c.seed = 5;
    return c;
}

static cz_mtt *start(const cz_mtt_config *c)
{
    cz_mtt *r = NULL;
    cz_error err;
    cr_assert_eq(cz_btm_new(data, curves, c, cz_backend_cpu(), &r, &err), CZ_OK, "%s (%s)",
                 err.msg, err.hint);
    return r;
}

static void run(cz_mtt *r, int64_t n)
{
    cz_error err;
    cr_assert_eq(cz_mtt_step(r, n, NULL, NULL, NULL, &err), CZ_OK, "%s", err.msg);
}

static cz_mtt *reload(cz_mtt *r, const cz_surrogate *with)
{
    cz_bytes b = {0};
    cz_error err;
    cr_assert_eq(cz_mtt_serialize(r, &b, &err), CZ_OK);
    cz_reader rd = cz_reader_init(b.data, b.len, &err);
    cz_match_source src = {.curves = with};
    cz_mtt *back = NULL;
    cz_status st = cz_mtt_deserialize_from(&rd, data, &src, cz_backend_cpu(), &back, &err);
    cz_bytes_free(&b);
    cr_assert_eq(st, CZ_OK, "%s", err.msg);
    return back;
}

static void assert_same(const cz_mtt *a, const cz_mtt *b)
{
    uint8_t da[32], db[32];
    cz_error err;
    cr_assert_eq(cz_mtt_digest(a, da, &err), CZ_OK);
    cr_assert_eq(cz_mtt_digest(b, db, &err), CZ_OK);
    cr_assert_eq(memcmp(da, db, 32), 0, "the resumed run differs from the straight one");
}

Test(btm_run, defaults_follow_the_btm_code_and_the_run_names_its_method)
{
    cz_mtt_config c = cz_btm_config_default();
    cr_assert_eq(c.truncate, 1);
    cr_assert_eq(c.sam, 0);
    cz_mtt *r = start(&c);
    cr_assert_str_eq(cz_mtt_method(r), "btm");
    /* lr_init derived from the experts' rate the curves recorded. */
    cr_assert_gt(cz_mtt_config_of(r)->lr_init, 0);
    cr_assert_gt(cz_mtt_config_of(r)->max_start_epoch, 0);
    run(r, 2);
    cz_synthetic *s = NULL;
    cz_error err;
    cr_assert_eq(cz_mtt_synthetic(r, &s, &err), CZ_OK);
    cr_assert_str_eq(s->method, "btm");
    cz_synthetic_free(&s);
    cz_mtt_free(&r);
    c = cz_satm_config_default();
    cr_assert_eq(c.sam, 1);
    r = start(&c);
    cr_assert_str_eq(cz_mtt_method(r), "satm");
    cz_mtt_free(&r);
}

/* Mean matching loss of (x, lr) on 16 fixed curve draws. */
static double fixed_draws_loss(const cz_mtt *r, const cz_real *x, double lr)
{
    const cz_mtt_config *c = cz_mtt_config_of(r);
    cz_model *m = NULL;
    cz_error err;
    cr_assert_eq(cz_model_new(&curves->spec, cz_backend_cpu(), &m, &err), CZ_OK);
    size_t rows = (size_t)c->ipc * (size_t)data->classes;
    cz_unroll_opts uo = {.steps = c->syn_steps};
    cz_unroll *u = NULL;
    cr_assert_eq(cz_unroll_new(m, rows, &uo, &u, &err), CZ_OK);
    cz_real *start = cz_alloc(curves->params * sizeof(cz_real));
    cz_real *target = cz_alloc(curves->params * sizeof(cz_real));
    cz_real *gx = cz_alloc(rows * data->features * sizeof(cz_real));
    const cz_real *sp, *tp;
    cz_match_source src = {.curves = curves};
    cz_rng rng;
    cz_rng_seed(&rng, 99);
    double sum = 0;
    for (int i = 0; i < 16; i++) {
        cz_source_draw(&src, c->expert_epochs, c->max_start_epoch, &rng, start, target, &sp, &tp);
        cz_real loss, glr;
        cr_assert_eq(cz_unroll_match_grad(u, sp, tp, x, cz_mtt_y(r), (cz_real)lr, &rng, &loss,
                                          gx, &glr, &err), CZ_OK, "%s", err.msg);
        sum += loss / 16;
    }
    cz_free(start);
    cz_free(target);
    cz_free(gx);
    cz_unroll_free(u);
    cz_model_free(m);
    return sum;
}

static void check_lowers(cz_mtt_config c)
{
    /* The rate stays fixed, so the matching loss can only fall through X. */
    c.iterations = 40;
    c.lr_lr = 0;
    cz_mtt *r = start(&c);
    size_t nx = (size_t)c.ipc * (size_t)data->classes * data->features;
    cz_real *x0 = cz_alloc(nx * sizeof(cz_real));
    memcpy(x0, cz_mtt_x(r), nx * sizeof(cz_real));
    double lr0 = cz_mtt_lr(r);
    run(r, -1);
    double before = fixed_draws_loss(r, x0, lr0), after = fixed_draws_loss(r, cz_mtt_x(r), lr0);
    cr_assert_lt(after, 0.95 * before, "%s K = %d: matching loss %g -> %g", cz_mtt_method(r),
                 c.truncate, before, after);
    cz_free(x0);
    cz_mtt_free(&r);
}

Test(btm_run, btm_lowers_the_curve_matching_loss)
{
    check_lowers(small(cz_btm_config_default()));
}

Test(btm_run, btm_exact_and_satm_on_curves_lower_the_curve_matching_loss)
{
    cz_mtt_config c = small(cz_btm_config_default());
    c.truncate = 0;
    check_lowers(c);
    c.sam = 1;
    check_lowers(c);
}

static void check_resume(cz_mtt_config c)
{
    cz_mtt *straight = start(&c);
    run(straight, 16);
    cz_mtt *half = start(&c);
    run(half, 8);
    cz_mtt *back = reload(half, curves);
    cz_mtt_free(&half);
    run(back, 8);
    assert_same(straight, back);
    cz_mtt_free(&straight);
    cz_mtt_free(&back);
}

Test(btm_run, btm_resumes_bit_for_bit) { check_resume(small(cz_btm_config_default())); }

Test(btm_run, satm_exact_on_curves_resumes_bit_for_bit)
{
    cz_mtt_config c = small(cz_satm_config_default());
    c.rho = 0.3;
    check_resume(c);
}

Test(btm_run, satm_approx_resumes_bit_for_bit)
{
    cz_mtt_config c = small(cz_satm_config_default());
    c.sam = 2;
    c.sam_steps = 3;
    c.sam_lr_at_x = 1;
    check_resume(c);
}

Test(btm_run, resume_refuses_other_curves_and_bad_satm_options)
{
    cz_mtt_config c = small(cz_btm_config_default());
    cz_mtt *r = start(&c);
    run(r, 2);
    cz_bytes b = {0};
    cz_error err;
    cr_assert_eq(cz_mtt_serialize(r, &b, &err), CZ_OK);
    cz_surrogate *other = NULL;
    cz_bytes sb = {0};
    cr_assert_eq(cz_surrogate_serialize(curves, &sb, &err), CZ_OK);
    cz_reader sr = cz_reader_init(sb.data, sb.len, &err);
    cr_assert_eq(cz_surrogate_deserialize(&sr, &other, &err), CZ_OK);
    cz_surrogate_control(other, 0)[0] += 1;
    cz_reader rd = cz_reader_init(b.data, b.len, &err);
    cz_match_source src = {.curves = other};
    cz_mtt *back = NULL;
    cr_assert_eq(cz_mtt_deserialize_from(&rd, data, &src, cz_backend_cpu(), &back, &err),
                 CZ_EINVAL);
    cr_assert(strstr(err.msg, "curves") != NULL, "%s", err.msg);
    cr_assert_null(back);
    cz_surrogate_free(&other);
    cz_bytes_free(&sb);
    cz_bytes_free(&b);
    cz_mtt_free(&r);

    c.sam = 3;
    cr_assert_eq(cz_btm_new(data, curves, &c, cz_backend_cpu(), &r, &err), CZ_EINVAL);
    cr_assert(strstr(err.msg, "sam") != NULL, "%s", err.msg);
    c.sam = 1;
    c.rho = -0.5;
    cr_assert_eq(cz_btm_new(data, curves, &c, cz_backend_cpu(), &r, &err), CZ_EINVAL);
    cr_assert_null(r);
}
