/* See engine_fixture.h. */
#include <criterion/criterion.h>
#include <string.h>

#include "engine_fixture.h"
#include "../engine/methods/methods_fixtures.h"
#include "methods/bezier_experts.h"
#include "methods/btm.h"

void engine_fixture_make(engine_fixture *f)
{
    memset(f, 0, sizeof *f);
    f->data = fixture_load("pima");
    cz_experts_opts o = cz_experts_opts_default(f->data);
    o.count = 2;
    o.epochs = 6;
    o.seed = 3;
    cz_error err;
    cr_assert_eq(cz_experts_train(f->data, &o, cz_backend_cpu(), &f->experts, &err), CZ_OK,
                 "%s", err.msg);
    cz_bezier_opts bo = cz_bezier_opts_default();
    bo.epochs = 3;
    cr_assert_eq(cz_bezier_fit_experts(f->experts, f->data, &bo, cz_backend_cpu(), &f->curves,
                                       &err),
                 CZ_OK, "%s", err.msg);
}

void engine_fixture_free(engine_fixture *f)
{
    cz_surrogate_free(&f->curves);
    cz_experts_free(&f->experts);
    cz_dataset_free(f->data);
    f->data = NULL;
}

cz_mtt_config small_run_config(cz_mtt_config c, int64_t iterations)
{
    c.ipc = 3;
    c.iterations = iterations;
    c.syn_steps = 5;
    c.expert_epochs = 2;
    c.seed = 7;
    return c;
}

cz_mtt *small_run(const engine_fixture *f, const cz_mtt_config *c, int curves)
{
    cz_mtt *r = NULL;
    cz_error err;
    cz_status st = curves ? cz_btm_new(f->data, f->curves, c, cz_backend_cpu(), &r, &err)
                          : cz_mtt_new(f->data, f->experts, c, cz_backend_cpu(), &r, &err);
    cr_assert_eq(st, CZ_OK, "%s (%s)", err.msg, err.hint);
    return r;
}

void assert_runs_equal(const cz_mtt *a, const cz_mtt *b)
{
    cz_mtt_info ia, ib;
    cz_mtt_info_get(a, &ia);
    cz_mtt_info_get(b, &ib);
    cr_assert_eq(ia.iteration, ib.iteration, "iterations %lld vs %lld", (long long)ia.iteration,
                 (long long)ib.iteration);
    cz_synthetic *sa = NULL, *sb = NULL;
    cz_error err;
    cr_assert_eq(cz_mtt_synthetic(a, &sa, &err), CZ_OK, "%s", err.msg);
    cr_assert_eq(cz_mtt_synthetic(b, &sb, &err), CZ_OK, "%s", err.msg);
    cr_assert_eq(sa->rows, sb->rows);
    cr_assert_eq(sa->features, sb->features);
    cr_assert_gt(sa->rows * sa->features, 0);
    cr_assert_eq(memcmp(sa->x, sb->x, sa->rows * sa->features * sizeof(cz_real)), 0,
                 "synthetic X differs");
    cr_assert_eq(memcmp(sa->y, sb->y, sa->rows * sizeof(int32_t)), 0, "labels differ");
    cz_synthetic_free(&sa);
    cz_synthetic_free(&sb);
    double la = cz_mtt_lr(a), lb = cz_mtt_lr(b);
    cr_assert_eq(memcmp(&la, &lb, sizeof la), 0, "learned rate %.17g vs %.17g", la, lb);
    int64_t na = 0, nb = 0;
    const double *ha = cz_mtt_history(a, &na), *hb = cz_mtt_history(b, &nb);
    cr_assert_eq(na, nb);
    cr_assert_eq(memcmp(ha, hb, (size_t)na * sizeof *ha), 0, "loss history differs");
}
