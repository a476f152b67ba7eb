#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "backend/backend.h"
#include "methods/experts.h"
#include "methods_fixtures.h"

static cz_experts *train(const cz_dataset *d, int count, int epochs, uint64_t seed)
{
    cz_experts_opts o = cz_experts_opts_default(d);
    o.count = count;
    o.epochs = epochs;
    o.seed = seed;
    cz_experts *e = NULL;
    cz_error err;
    cr_assert_eq(cz_experts_train(d, &o, cz_backend_cpu(), &e, &err), CZ_OK, "%s", err.msg);
    return e;
}

static double dist2(const cz_real *a, const cz_real *b, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += ((double)a[i] - b[i]) * ((double)a[i] - b[i]);
    return s;
}

Test(experts, trajectories_have_every_epoch_and_the_loss_goes_down)
{
    cz_dataset *d = fixture_load("pima");
    cz_experts *e = train(d, 3, 12, 0);
    cr_assert_eq(e->count, 3);
    cr_assert_eq(e->epochs, 12);
    /* 8 -> 128 -> 128 -> 2 */
    cr_assert_eq(e->params, (size_t)(8 * 128 + 128 + 128 * 128 + 128 + 128 * 2 + 2));
    cr_assert_eq(cz_experts_bytes(e), 3 * 13 * e->params * sizeof(cz_real));
    for (int k = 0; k < e->count; k++) {
        for (int t = 0; t < e->epochs; t++)
            cr_assert_gt(dist2(cz_experts_at(e, k, t), cz_experts_at(e, k, t + 1), e->params),
                         0, "expert %d moves in epoch %d", k, t + 1);
        double first = e->train_loss[(size_t)k * 12], last = e->train_loss[(size_t)k * 12 + 11];
        cr_assert_lt(last, 0.95 * first, "expert %d: loss %g -> %g", k, first, last);
        cr_assert_gt(e->val_auroc[k], 0.6, "expert %d validation AUROC %g", k, e->val_auroc[k]);
    }
    cr_assert_gt(dist2(cz_experts_at(e, 0, 0), cz_experts_at(e, 1, 0), e->params), 0,
                 "experts start from different initialisations");
    cz_experts_free(&e);
    cz_dataset_free(d);
}

Test(experts, deterministic_and_round_trips)
{
    cz_dataset *d = fixture_load("pima");
    cz_experts *a = train(d, 2, 3, 5), *b = train(d, 2, 3, 5), *c = train(d, 2, 3, 6);
    uint8_t da[32], db[32], dc[32], dr[32];
    cz_error err;
    cr_assert_eq(cz_experts_digest(a, da, &err), CZ_OK);
    cr_assert_eq(cz_experts_digest(b, db, &err), CZ_OK);
    cr_assert_eq(cz_experts_digest(c, dc, &err), CZ_OK);
    cr_assert_eq(memcmp(da, db, 32), 0, "same seed, same experts");
    cr_assert_neq(memcmp(da, dc, 32), 0, "another seed, other experts");
    cz_bytes bytes = {0};
    cr_assert_eq(cz_experts_serialize(a, &bytes, &err), CZ_OK);
    cr_assert_gt(bytes.len, cz_experts_bytes(a));
    cz_reader r = cz_reader_init(bytes.data, bytes.len, &err);
    cz_experts *back = NULL;
    cr_assert_eq(cz_experts_deserialize(&r, &back, &err), CZ_OK, "%s", err.msg);
    cr_assert_eq(cz_reader_finish(&r, 1), CZ_OK);
    cr_assert_eq(cz_experts_digest(back, dr, &err), CZ_OK);
    cr_assert_eq(memcmp(da, dr, 32), 0);
    cr_assert_eq(memcmp(back->traj, a->traj, cz_experts_bytes(a)), 0);
    /* A record cut short is refused, never half-read. */
    cz_reader cut = cz_reader_init(bytes.data, bytes.len - 1, &err);
    cz_experts *none = NULL;
    cr_assert_eq(cz_experts_deserialize(&cut, &none, &err), CZ_EFORMAT);
    cr_assert_null(none);
    cz_bytes_free(&bytes);
    cz_experts_free(&back);
    cz_experts_free(&a);
    cz_experts_free(&b);
    cz_experts_free(&c);
    cz_dataset_free(d);
}

typedef struct counter {
    int calls, stop_after;
    int64_t last_step, total;
} counter;

static int stop_after(const cz_progress *p, void *user)
{
    counter *c = user;
    c->calls++;
    c->last_step = p->step;
    c->total = p->total;
    cr_assert_str_eq(p->phase, "experts");
    return c->calls >= c->stop_after;
}

Test(experts, progress_reports_and_interrupt_stops_between_epochs)
{
    cz_dataset *d = fixture_load("pima");
    cz_experts_opts o = cz_experts_opts_default(d);
    o.count = 2;
    o.epochs = 4;
    counter c = {.stop_after = 5};
    o.progress = stop_after;
    o.progress_user = &c;
    cz_experts *e = NULL;
    cz_error err;
    cr_assert_eq(cz_experts_train(d, &o, cz_backend_cpu(), &e, &err), CZ_EINTERRUPTED);
    cr_assert_null(e);
    cr_assert_eq(c.calls, 5, "stopped at the first request");
    cr_assert_eq(c.total, 8);
    cr_assert(strstr(err.msg, "expert 2, epoch 1"), "%s", err.msg);

    cz_cancel token;
    cz_cancel_init(&token);
    cz_cancel_request(&token);
    o.progress = NULL;
    o.cancel = &token;
    cr_assert_eq(cz_experts_train(d, &o, cz_backend_cpu(), &e, &err), CZ_EINTERRUPTED);
    cr_assert_null(e);
    cz_dataset_free(d);
}

Test(experts, bad_options_name_the_value)
{
    cz_dataset *d = fixture_load("pima");
    cz_experts_opts o = cz_experts_opts_default(d);
    cz_experts *e = NULL;
    cz_error err;
    o.count = 0;
    cr_assert_eq(cz_experts_train(d, &o, cz_backend_cpu(), &e, &err), CZ_EINVAL);
    cr_assert(strstr(err.msg, "count = 0"), "%s", err.msg);
    o = cz_experts_opts_default(d);
    o.lr = -1;
    cr_assert_eq(cz_experts_train(d, &o, cz_backend_cpu(), &e, &err), CZ_EINVAL);
    cr_assert(strstr(err.msg, "lr = -1"), "%s", err.msg);
    cr_assert_null(e);
    cz_dataset_free(d);
}
