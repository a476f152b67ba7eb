#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "backend/backend.h"
#include "methods/common.h"
#include "methods/mtt.h"
#include "methods_fixtures.h"

static cz_dataset *data;
static cz_experts *experts;

static void setup(void)
{
    data = fixture_load("pima");
    experts = fixture_experts(data, 3, 6);
}

static void teardown(void)
{
    cz_experts_free(&experts);
    cz_dataset_free(data);
}

TestSuite(mtt, .init = setup, .fini = teardown);

static cz_mtt_config small(void)
{
    cz_mtt_config c = cz_mtt_config_default();
    c.ipc = 5;
    c.iterations = 20;
    c.syn_steps = 10;
    c.expert_epochs = 2;
    c.max_start_epoch = 4;
    c.seed = 3;
    return c;
}

static cz_mtt *start(const cz_mtt_config *c)
{
    return fixture_mtt_new(data, experts, c);
}

static void run(cz_mtt *r, int64_t n)
{
    cz_error err;
    cr_assert_eq(cz_mtt_step(r, n, NULL, NULL, NULL, &err), CZ_OK, "%s", err.msg);
}

static void assert_same_state(const cz_mtt *a, const cz_mtt *b)
{
    size_t nx = (size_t)cz_mtt_config_of(a)->ipc * (size_t)data->classes * data->features;
    cr_assert_eq(memcmp(cz_mtt_x(a), cz_mtt_x(b), nx * sizeof(cz_real)), 0, "X differs");
    double la = cz_mtt_lr(a), lb = cz_mtt_lr(b);
    cr_assert_eq(memcmp(&la, &lb, sizeof la), 0, "lr differs: %.17g vs %.17g", la, lb);
    int64_t na, nb;
    const double *ha = cz_mtt_history(a, &na), *hb = cz_mtt_history(b, &nb);
    cr_assert_eq(na, nb);
    cr_assert_eq(memcmp(ha, hb, (size_t)na * sizeof *ha), 0, "loss histories differ");
    uint8_t da[32], db[32];
    cz_error err;
    cr_assert_eq(cz_mtt_digest(a, da, &err), CZ_OK);
    cr_assert_eq(cz_mtt_digest(b, db, &err), CZ_OK);
    cr_assert_eq(memcmp(da, db, 32), 0, "full states differ");
}

static cz_mtt *reload(cz_mtt *r)
{
    cz_bytes b = {0};
    cz_error err;
    cr_assert_eq(cz_mtt_serialize(r, &b, &err), CZ_OK);
    cz_mtt_free(&r);
    cz_reader rd = cz_reader_init(b.data, b.len, &err);
    cz_mtt *back = NULL;
    cr_assert_eq(cz_mtt_deserialize(&rd, data, experts, cz_backend_cpu(), &back, &err), CZ_OK,
                 "%s", err.msg);
    cr_assert_eq(cz_reader_finish(&rd, 1), CZ_OK);
    cz_bytes_free(&b);
    return back;
}

Test(mtt, starts_from_real_rows_with_the_auto_rate)
{
    cz_mtt_config c = small();
    cz_mtt *r = start(&c);
    const cz_mtt_config *rc = cz_mtt_config_of(r);
    /* 538 training rows, batch 256: 3 expert steps per epoch, M = 2, N = 10. */
    cr_assert_float_eq(rc->lr_init, 0.01 * 2 * 3 / 10.0, 1e-15);
    cr_assert_float_eq(cz_mtt_lr(r), rc->lr_init, 0);
    const cz_real *x = cz_mtt_x(r);
    const int32_t *y = cz_mtt_y(r);
    const cz_split_data *tr = &data->split[CZ_TRAIN];
    for (int i = 0; i < 10; i++) {
        int found = 0;
        for (size_t row = 0; row < tr->rows && !found; row++)
            found = tr->y[row] == y[i] &&
                    memcmp(tr->x + row * data->features, x + (size_t)i * data->features,
                           data->features * sizeof(cz_real)) == 0;
        cr_assert(found, "synthetic row %d is a real training row of class %d", i, y[i]);
        cr_assert_eq(y[i], i / 5);
    }
    cz_mtt_free(&r);
}

Test(mtt, resume_continues_bit_for_bit)
{
    cz_mtt_config c = small();
    cz_mtt *straight = start(&c);
    run(straight, 20);
    cz_mtt *resumed = start(&c);
    run(resumed, 8);
    resumed = reload(resumed);
    cz_mtt_info info;
    cz_mtt_info_get(resumed, &info);
    cr_assert_eq(info.iteration, 8);
    run(resumed, 12);
    assert_same_state(straight, resumed);
    cz_mtt_free(&straight);
    cz_mtt_free(&resumed);
}

static int stop_at_5(const cz_progress *p, void *user)
{
    (void)user;
    cr_assert_str_eq(p->phase, "distill");
    cr_assert(p->lr > 0);
    return p->step == 5;
}

Test(mtt, interrupt_leaves_the_last_whole_iteration)
{
    cz_mtt_config c = small();
    cz_mtt *straight = start(&c), *cut = start(&c);
    run(straight, 20);
    cz_error err;
    cr_assert_eq(cz_mtt_step(cut, -1, NULL, stop_at_5, NULL, &err), CZ_EINTERRUPTED);
    cr_assert(strstr(err.msg, "after iteration 5 of 20"), "%s", err.msg);
    uint8_t before[32], after[32];
    cr_assert_eq(cz_mtt_digest(cut, before, &err), CZ_OK);
    cz_cancel token;
    cz_cancel_init(&token);
    cz_cancel_request(&token);
    cr_assert_eq(cz_mtt_step(cut, 3, &token, NULL, NULL, &err), CZ_EINTERRUPTED);
    cr_assert_eq(cz_mtt_digest(cut, after, &err), CZ_OK);
    cr_assert_eq(memcmp(before, after, 32), 0, "a cancelled step changes nothing");
    cr_assert_eq(cz_mtt_step(cut, -1, NULL, NULL, NULL, &err), CZ_OK, "%s", err.msg);
    assert_same_state(straight, cut);
    cz_mtt_free(&straight);
    cz_mtt_free(&cut);
}

Test(mtt, huge_lr_img_is_guarded_and_reported)
{
    cz_mtt_config c = small();
    c.lr_img = 1e30;
    c.lr_lr = 1e30;
    cz_mtt *r = start(&c);
    run(r, 12);
    cz_mtt_info info;
    cz_mtt_info_get(r, &info);
    size_t nx = (size_t)c.ipc * 2 * data->features;
    cr_assert(cz_all_finite(cz_mtt_x(r), nx), "X stays finite");
    cr_assert(info.lr > 0 && isfinite(info.lr), "lr stays positive: %g", info.lr);
    cr_assert_gt(info.skipped + info.lr_halved, 0, "the guard acted (skipped %lld, halved %lld)",
                 (long long)info.skipped, (long long)info.lr_halved);
    cr_assert_gt(info.skipped, 0, "iterations were skipped");
    cr_assert_neq(info.last_skip[0], '\0', "and the reason is reported");
    int64_t n;
    const double *h = cz_mtt_history(r, &n);
    int nans = 0;
    for (int64_t i = 0; i < n; i++)
        nans += isnan(h[i]);
    cr_assert_eq(nans, info.skipped, "each skip is a NaN in the history");
    cz_mtt_free(&r);
}

Test(mtt, matching_loss_goes_down)
{
    cz_mtt_config c = small();
    c.iterations = 80;
    cz_mtt *r = start(&c);
    run(r, -1);
    int64_t n;
    const double *h = cz_mtt_history(r, &n);
    cr_assert_eq(n, 80);
    double first = 0, last = 0;
    for (int i = 0; i < 20; i++) {
        first += h[i] / 20;
        last += h[60 + i] / 20;
    }
    cr_assert_lt(last, 0.9 * first, "mean matching loss %g (first 20) -> %g (last 20)", first,
                 last);
    cz_synthetic *s = NULL;
    cz_error err;
    cr_assert_eq(cz_mtt_synthetic(r, &s, &err), CZ_OK);
    cr_assert_str_eq(s->method, "mtt");
    cr_assert_str_eq(s->backend, "cpu");
    cr_assert_eq(s->iterations, 80);
    cr_assert_eq(s->lr, cz_mtt_lr(r));
    cr_assert_eq(s->history_len, 80);
    cz_synthetic_free(&s);
    cz_mtt_free(&r);
}

Test(mtt, bad_configurations_say_why)
{
    cz_mtt *r = NULL;
    cz_error err;
    cz_mtt_config c = small();
    c.ipc = 1000;
    cr_assert_eq(cz_mtt_new(data, experts, &c, cz_backend_cpu(), &r, &err), CZ_EINVAL);
    cr_assert(strstr(err.msg, "ipc = 1000"), "%s", err.msg);
    c = small();
    c.max_start_epoch = 6;
    cr_assert_eq(cz_mtt_new(data, experts, &c, cz_backend_cpu(), &r, &err), CZ_EINVAL);
    cr_assert(strstr(err.msg, "max_start_epoch 6"), "%s", err.msg);
    c = small();
    c.lr_img = 0;
    cr_assert_eq(cz_mtt_new(data, experts, &c, cz_backend_cpu(), &r, &err), CZ_EINVAL);
    cr_assert_null(r);
}

Test(mtt, resuming_with_other_experts_is_refused)
{
    cz_mtt_config c = small();
    cz_mtt *r = start(&c);
    run(r, 2);
    cz_bytes b = {0};
    cz_error err;
    cr_assert_eq(cz_mtt_serialize(r, &b, &err), CZ_OK);
    cz_experts_opts o = cz_experts_opts_default(data);
    o.count = 3;
    o.epochs = 6;
    o.seed = 99;
    cz_experts *other = NULL;
    cr_assert_eq(cz_experts_train(data, &o, cz_backend_cpu(), &other, &err), CZ_OK);
    cz_reader rd = cz_reader_init(b.data, b.len, &err);
    cz_mtt *back = NULL;
    cr_assert_eq(cz_mtt_deserialize(&rd, data, other, cz_backend_cpu(), &back, &err), CZ_EINVAL);
    cr_assert(strstr(err.msg, "other experts"), "%s", err.msg);
    cr_assert_null(back);
    cz_experts_free(&other);
    cz_bytes_free(&b);
    cz_mtt_free(&r);
}
