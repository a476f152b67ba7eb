#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "backend/backend.h"
#include "methods/evaluate.h"
#include "methods/select.h"
#include "methods_fixtures.h"

/* One informative feature: class 0 below -1, class 1 above +1. */
static cz_dataset *separable(void)
{
    enum { N = 80 };
    double x[N * 2];
    int y[N], part[N];
    for (int i = 0; i < N; i++) {
        y[i] = i % 2;
        double mag = 1.0 + (double)(i % 7) * 0.3;
        x[2 * i] = y[i] ? mag : -mag;
        x[2 * i + 1] = (double)((i * 37) % 11) / 11.0 - 0.5; /* noise */
        part[i] = i < 48 ? 0 : (i < 60 ? 1 : 2);
    }
    return fixture_handmade(x, y, part, N, 2);
}

static cz_eval_opts fast_opts(void)
{
    cz_eval_opts o = cz_eval_opts_default();
    o.models = 3;
    o.epochs = 40;
    return o;
}

Test(evaluate, separable_data_scores_perfectly)
{
    cz_dataset *d = separable();
    cz_eval_opts o = fast_opts();
    cz_eval_result *r = NULL;
    cz_error err;
    cr_assert_eq(cz_evaluate_real(d, &o, cz_backend_cpu(), &r, &err), CZ_OK, "%s", err.msg);
    cr_assert_str_eq(r->trained_on, "real");
    cr_assert_eq(r->arch_count, 1);
    const cz_eval_arch *a = &r->by_arch[0];
    cr_assert_str_eq(a->name, "mlp");
    cr_assert_eq(a->models, 3);
    cr_assert_eq(a->diverged, 0);
    cr_assert_float_eq(a->mean.auroc, 1.0, 1e-12);
    cr_assert_float_eq(a->mean.auprc, 1.0, 1e-12);
    cr_assert_float_eq(a->mean.accuracy, 1.0, 1e-12);
    cr_assert_float_eq(a->mean.balanced_accuracy, 1.0, 1e-12);
    cr_assert_float_eq(a->std.auroc, 0.0, 1e-12);
    cz_eval_result_free(&r);

    cz_synthetic *s = NULL;
    cr_assert_eq(cz_select_random(d, 3, 0, 0.05, &s, &err), CZ_OK);
    o.epochs = 100;
    cr_assert_eq(cz_evaluate_synthetic(s, d, &o, cz_backend_cpu(), &r, &err), CZ_OK, "%s",
                 err.msg);
    cr_assert_str_eq(r->trained_on, "random");
    cr_assert_eq(r->train_rows, 6);
    cr_assert_float_eq(r->lr, 0.05, 0, "the set's rate is used");
    cr_assert_float_eq(r->by_arch[0].mean.auroc, 1.0, 1e-12);
    cz_eval_result_free(&r);
    cz_synthetic_free(&s);
    cz_dataset_free(d);
}

Test(evaluate, several_architectures_and_round_trip)
{
    cz_dataset *d = separable();
    cz_model_spec specs[2] = {{.arch = CZ_ARCH_MLP, .hidden = 16, .depth = 1},
                              {.arch = CZ_ARCH_MLP, .hidden = 32, .depth = 3}};
    cz_eval_opts o = fast_opts();
    o.archs = specs;
    o.arch_count = 2;
    cz_eval_result *r = NULL;
    cz_error err;
    cr_assert_eq(cz_evaluate_real(d, &o, cz_backend_cpu(), &r, &err), CZ_OK, "%s", err.msg);
    cr_assert_eq(r->arch_count, 2);
    cr_assert_eq(r->by_arch[1].spec.depth, 3);
    cr_assert_eq(r->by_arch[1].spec.classes, 2, "shape taken from the dataset");
    cz_bytes b = {0};
    cr_assert_eq(cz_eval_result_serialize(r, &b, &err), CZ_OK);
    cz_reader rd = cz_reader_init(b.data, b.len, &err);
    cz_eval_result *back = NULL;
    cr_assert_eq(cz_eval_result_deserialize(&rd, &back, &err), CZ_OK, "%s", err.msg);
    uint8_t d1[32], d2[32];
    cr_assert_eq(cz_eval_result_digest(r, d1, &err), CZ_OK);
    cr_assert_eq(cz_eval_result_digest(back, d2, &err), CZ_OK);
    cr_assert_eq(memcmp(d1, d2, 32), 0);
    cr_assert_eq(back->by_arch[1].per_model[2].auroc, r->by_arch[1].per_model[2].auroc);
    cz_reader cut = cz_reader_init(b.data, b.len - 3, &err);
    cz_eval_result *none = NULL;
    cr_assert_eq(cz_eval_result_deserialize(&cut, &none, &err), CZ_EFORMAT);
    cr_assert_null(none);
    cz_bytes_free(&b);
    cz_eval_result_free(&back);
    cz_eval_result_free(&r);
    cz_dataset_free(d);
}

Test(evaluate, same_seed_same_result_and_diverged_models_are_counted)
{
    cz_dataset *d = fixture_load("pima");
    cz_eval_opts o = fast_opts();
    o.epochs = 30;
    cz_eval_result *a = NULL, *b = NULL;
    cz_error err;
    cr_assert_eq(cz_evaluate_real(d, &o, cz_backend_cpu(), &a, &err), CZ_OK, "%s", err.msg);
    cr_assert_eq(cz_evaluate_real(d, &o, cz_backend_cpu(), &b, &err), CZ_OK);
    cr_assert_eq(a->by_arch[0].mean.auroc, b->by_arch[0].mean.auroc);
    cr_assert_gt(a->by_arch[0].mean.auroc, 0.75, "pima upper bound: %g", a->by_arch[0].mean.auroc);
    cr_assert_gt(a->by_arch[0].std.auroc, 0, "different models differ");
    cz_eval_result_free(&a);
    cz_eval_result_free(&b);
    o.epochs = 3;
    o.lr = 1e12; /* blows up: scored as a constant predictor */
    cr_assert_eq(cz_evaluate_real(d, &o, cz_backend_cpu(), &a, &err), CZ_OK, "%s", err.msg);
    cr_assert_eq(a->by_arch[0].diverged, 3);
    cr_assert_float_eq(a->by_arch[0].mean.auroc, 0.5, 1e-12);
    cz_eval_result_free(&a);
    cz_dataset_free(d);
}

Test(evaluate, mismatched_set_is_refused)
{
    cz_dataset *d = separable(), *p = fixture_load("pima");
    cz_synthetic *s = NULL;
    cz_error err;
    cr_assert_eq(cz_select_random(p, 2, 0, 0, &s, &err), CZ_OK);
    cz_eval_opts o = fast_opts();
    cz_eval_result *r = NULL;
    cr_assert_eq(cz_evaluate_synthetic(s, d, &o, cz_backend_cpu(), &r, &err), CZ_ESHAPE);
    cr_assert(strstr(err.msg, "8 values"), "%s", err.msg);
    cr_assert_null(r);
    cz_synthetic_free(&s);
    cz_dataset_free(p);
    cz_dataset_free(d);
}
