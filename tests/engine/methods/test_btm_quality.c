/* Slow: on pima, synthetic sets made by BTM (curves, default K = 1) and SATM
 * (exact and approximate) evaluate at least comparably to MTT's: the mean
 * test AUROC over 3 seeds (5 evaluation models each) within 0.03 of MTT's,
 * and all well above chance. Same experts, same evaluation protocol. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>

#include "backend/backend.h"
#include "methods/bezier_experts.h"
#include "methods/btm.h"
#include "methods/evaluate.h"
#include "methods/mtt.h"
#include "methods_fixtures.h"

#define SEEDS 3

static double mean_auroc(const cz_dataset *d, const cz_experts *ex, const cz_surrogate *curves,
                         const char *method)
{
    double sum = 0;
    for (int seed = 0; seed < SEEDS; seed++) {
        cz_mtt_config c = cz_mtt_config_default();
        cz_match_source src = {.experts = ex};
        if (!strcmp(method, "btm")) {
            c = cz_btm_config_default();
            src = (cz_match_source){.curves = curves};
        } else if (!strcmp(method, "satm")) {
            c = cz_satm_config_default();
        } else if (!strcmp(method, "satm_approx")) {
            c = cz_satm_config_default();
            c.sam = 2;
        }
        c.seed = (uint64_t)seed;
        cz_error err;
        cz_mtt *r = NULL;
        cr_assert_eq(cz_mtt_new_from(d, &src, &c, cz_backend_cpu(), &r, &err), CZ_OK, "%s",
                     err.msg);
        cr_assert_eq(cz_mtt_step(r, -1, NULL, NULL, NULL, &err), CZ_OK, "%s", err.msg);
        cz_synthetic *s = NULL;
        cr_assert_eq(cz_mtt_synthetic(r, &s, &err), CZ_OK);
        cz_eval_opts eo = cz_eval_opts_default();
        eo.models = 5;
        eo.seed = (uint64_t)seed;
        cz_eval_result *res = NULL;
        cr_assert_eq(cz_evaluate_synthetic(s, d, &eo, cz_backend_cpu(), &res, &err), CZ_OK, "%s",
                     err.msg);
        sum += res->by_arch[0].mean.auroc / SEEDS;
        cz_eval_result_free(&res);
        cz_synthetic_free(&s);
        cz_mtt_free(&r);
    }
    return sum;
}

Test(btm_quality, btm_and_satm_evaluate_comparably_to_mtt_on_pima, .timeout = 600)
{
    cz_dataset *d = fixture_load("pima");
    cz_experts_opts o = cz_experts_opts_default(d);
    cz_error err;
    cz_experts *ex = NULL;
    cr_assert_eq(cz_experts_train(d, &o, cz_backend_cpu(), &ex, &err), CZ_OK, "%s", err.msg);
    cz_surrogate *curves = NULL;
    cr_assert_eq(cz_bezier_fit_experts(ex, d, NULL, cz_backend_cpu(), &curves, &err), CZ_OK,
                 "%s", err.msg);
    double mtt = mean_auroc(d, ex, curves, "mtt");
    cr_assert_gt(mtt, 0.75, "MTT itself: %g", mtt);
    const char *others[] = {"btm", "satm", "satm_approx"};
    for (int i = 0; i < 3; i++) {
        double a = mean_auroc(d, ex, curves, others[i]);
        cr_assert_gt(a, mtt - 0.03, "%s: test AUROC %.4f vs MTT %.4f", others[i], a, mtt);
    }
    cz_surrogate_free(&curves);
    cz_experts_free(&ex);
    cz_dataset_free(d);
}
