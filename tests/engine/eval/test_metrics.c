/* Metrics against hand-computed values and against scikit-learn 1.2.1
 * (metric_refs.h, printed by make_metric_refs.py: accuracy_score,
 * balanced_accuracy_score, roc_auc_score (macro one-vs-rest for k > 2) and
 * average_precision_score on fixed float32 inputs with tied scores). */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "eval/metrics.h"
#include "metric_refs.h"

#define EPS 1e-12

Test(metrics, auroc_and_average_precision_by_hand)
{
    /* Sorted down: 0.8 (+), 0.4 (-), 0.35 (+), 0.1 (-). Pairs (+, -): 3 of
     * 4 ordered -> AUROC 0.75. AP = 0.5 * 1 + 0.5 * 2/3. */
    double s[4] = {0.1, 0.4, 0.35, 0.8};
    uint8_t y[4] = {0, 0, 1, 1};
    cr_assert_float_eq(cz_auroc(s, y, 4), 0.75, EPS);
    cr_assert_float_eq(cz_auprc(s, y, 4), 0.5 + 0.5 * 2.0 / 3.0, EPS);
}

Test(metrics, ties_count_half_and_enter_together)
{
    /* 0.6 is shared by a positive and a negative: that pair counts 1/2, so
     * AUROC = (1 + 0.5 + 1 + 1) / 4. AP: 0.9 (+) gives P 1 at R 0.5; the tied
     * 0.6 pair enters at once: P 2/3 at R 1. */
    double s[4] = {0.2, 0.6, 0.6, 0.9};
    uint8_t y[4] = {0, 0, 1, 1};
    cr_assert_float_eq(cz_auroc(s, y, 4), 0.875, EPS);
    cr_assert_float_eq(cz_auprc(s, y, 4), 0.5 + 0.5 * 2.0 / 3.0, EPS);
    double flat[4] = {0.5, 0.5, 0.5, 0.5};
    uint8_t alt[4] = {0, 1, 0, 1};
    cr_assert_float_eq(cz_auroc(flat, alt, 4), 0.5, EPS, "all tied: chance");
    cr_assert_float_eq(cz_auprc(flat, alt, 4), 0.5, EPS, "all tied: the prevalence");
}

Test(metrics, perfect_inverted_and_undefined)
{
    double s[4] = {0.1, 0.2, 0.8, 0.9};
    uint8_t y[4] = {0, 0, 1, 1}, inv[4] = {1, 1, 0, 0}, none[4] = {0, 0, 0, 0};
    cr_assert_eq(cz_auroc(s, y, 4), 1.0);
    cr_assert_eq(cz_auprc(s, y, 4), 1.0);
    cr_assert_eq(cz_auroc(s, inv, 4), 0.0);
    cr_assert_float_eq(cz_auprc(s, inv, 4), 0.5 * 1.0 / 3.0 + 0.5 * 2.0 / 4.0, EPS);
    cr_assert(isnan(cz_auroc(s, none, 4)), "no positives: undefined");
    cr_assert(isnan(cz_auprc(s, none, 4)));
    double bad[4] = {0.1, NAN, 0.8, 0.9};
    cr_assert(isnan(cz_auroc(bad, y, 4)), "a NaN score makes the metric NaN");
}

Test(metrics, accuracy_and_balanced_accuracy_by_hand)
{
    /* Class 0: 3 rows, 2 right; class 1: 1 row, right. Accuracy 3/4,
     * balanced (2/3 + 1) / 2. The tied row (0.5, 0.5) predicts class 0. */
    cz_real p[8] = {0.9f, 0.1f, 0.5f, 0.5f, 0.2f, 0.8f, 0.3f, 0.7f};
    int32_t y[4] = {0, 0, 0, 1};
    cz_metrics m;
    cz_error err;
    cr_assert_eq(cz_metrics_compute(p, y, 4, 2, &m, &err), CZ_OK, "%s", err.msg);
    cr_assert_float_eq(m.accuracy, 0.75, EPS);
    cr_assert_float_eq(m.balanced_accuracy, (2.0 / 3.0 + 1.0) / 2.0, EPS);
    /* Scores for class 1: 0.1 0.5 0.8 (-), 0.7 (+): above 2 of 3 negatives. */
    cr_assert_float_eq(m.auroc, 2.0 / 3.0, EPS);
    cr_assert_float_eq(m.auprc, 0.5, EPS);
}

static void expect_sklearn(const cz_real *p, const int32_t *y, size_t n, int k,
                           const double ref[4], const char *name)
{
    cz_metrics m;
    cz_error err;
    cr_assert_eq(cz_metrics_compute(p, y, n, k, &m, &err), CZ_OK, "%s: %s", name, err.msg);
    cr_assert_float_eq(m.accuracy, ref[0], EPS, "%s accuracy %.17g vs %.17g", name, m.accuracy,
                       ref[0]);
    cr_assert_float_eq(m.balanced_accuracy, ref[1], EPS, "%s balanced %.17g vs %.17g", name,
                       m.balanced_accuracy, ref[1]);
    cr_assert_float_eq(m.auroc, ref[2], EPS, "%s AUROC %.17g vs %.17g", name, m.auroc, ref[2]);
    cr_assert_float_eq(m.auprc, ref[3], EPS, "%s AUPRC %.17g vs %.17g", name, m.auprc, ref[3]);
}

Test(metrics, binary_matches_sklearn)
{
    expect_sklearn(binary_p, binary_y, 60, 2, binary_ref, "binary");
}

Test(metrics, three_classes_macro_one_vs_rest_matches_sklearn)
{
    expect_sklearn(three_p, three_y, 45, 3, three_ref, "three");
}

Test(metrics, four_classes_macro_one_vs_rest_matches_sklearn)
{
    expect_sklearn(four_p, four_y, 80, 4, four_ref, "four");
}

Test(metrics, an_absent_class_gives_nan_auroc_but_accuracies)
{
    cz_real p[9] = {0.8f, 0.1f, 0.1f, 0.2f, 0.7f, 0.1f, 0.6f, 0.3f, 0.1f};
    int32_t y[3] = {0, 1, 0};
    cz_metrics m;
    cz_error err;
    cr_assert_eq(cz_metrics_compute(p, y, 3, 3, &m, &err), CZ_OK);
    cr_assert(isnan(m.auroc) && isnan(m.auprc), "class 2 absent");
    cr_assert_float_eq(m.accuracy, 1.0, EPS);
    cr_assert_float_eq(m.balanced_accuracy, 1.0, EPS, "averaged over the classes present");
}

Test(metrics, bad_inputs_are_refused)
{
    cz_real p[4] = {0.5f, 0.5f, NAN, 0.5f};
    int32_t y[2] = {0, 1}, out_of_range[2] = {0, 2};
    cz_metrics m;
    cz_error err;
    cr_assert_eq(cz_metrics_compute(p, y, 0, 2, &m, &err), CZ_EINVAL);
    cr_assert(strstr(err.msg, "no rows"), "%s", err.msg);
    cr_assert_eq(cz_metrics_compute(p, y, 2, 1, &m, &err), CZ_EINVAL);
    cr_assert_eq(cz_metrics_compute(p, out_of_range, 2, 2, &m, &err), CZ_EINVAL);
    cr_assert(strstr(err.msg, "label 2"), "%s", err.msg);
    cr_assert_eq(cz_metrics_compute(p, y, 2, 2, &m, &err), CZ_ENUMERIC);
    cr_assert(strstr(err.msg, "class 0 for row 1 is nan"), "%s", err.msg);
    cr_assert(strstr(err.hint, "learning rate"), "%s", err.hint);
}
