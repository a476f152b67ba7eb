/* Accuracy, balanced accuracy, AUROC and AUPRC from predicted class
 * probabilities, defined as scikit-learn defines them (accuracy_score,
 * balanced_accuracy_score, roc_auc_score with macro one-vs-rest, and
 * average_precision_score), so reported numbers compare with papers and
 * Python baselines. Pure functions of their inputs; no training here. */
#include "metrics.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>

#include "../core/alloc.h"

typedef struct scored {
    double score;
    uint8_t positive;
} scored;

static int by_score_ascending(const void *a, const void *b)
{
    double x = ((const scored *)a)->score, y = ((const scored *)b)->score;
    return (x > y) - (x < y);
}

/* The (score, label) pairs sorted by ascending score, or NULL when a score is
 * not finite or memory runs out. Counts the positives into *pos. */
static scored *sorted_pairs(const double *score, const uint8_t *positive, size_t n, size_t *pos)
{
    scored *v = cz_calloc(n ? n : 1, sizeof(scored));
    if (!v)
        return NULL;
    *pos = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(score[i])) {
            cz_free(v);
            return NULL;
        }
        v[i].score = score[i];
        v[i].positive = positive[i] != 0;
        *pos += v[i].positive;
    }
    qsort(v, n, sizeof(scored), by_score_ascending);
    return v;
}

/* Mann-Whitney U over average ranks: equal to the area under the ROC curve
 * with ties drawn as diagonal segments (sklearn's trapezoidal AUC). */
double cz_auroc(const double *score, const uint8_t *positive, size_t n)
{
    size_t pos;
    scored *v = sorted_pairs(score, positive, n, &pos);
    if (!v)
        return NAN;
    size_t neg = n - pos;
    if (pos == 0 || neg == 0) {
        cz_free(v);
        return NAN;
    }
    double rank_sum = 0.0;
    for (size_t i = 0; i < n;) {
        size_t j = i, group_pos = 0;
        while (j < n && v[j].score == v[i].score)
            group_pos += v[j++].positive;
        /* Rows i..j-1 (0-based) share the ranks i+1..j: their mean is (i+1+j)/2. */
        rank_sum += (double)group_pos * 0.5 * (double)(i + 1 + j);
        i = j;
    }
    cz_free(v);
    double p = (double)pos, q = (double)neg;
    return (rank_sum - p * (p + 1) / 2) / (p * q);
}

/* Average precision: sum over distinct thresholds, from the highest score
 * down, of (recall gained) x (precision at that threshold); tied scores
 * enter together (sklearn's average_precision_score, no interpolation). */
double cz_auprc(const double *score, const uint8_t *positive, size_t n)
{
    size_t pos;
    scored *v = sorted_pairs(score, positive, n, &pos);
    if (!v)
        return NAN;
    if (pos == 0) {
        cz_free(v);
        return NAN;
    }
    double ap = 0.0;
    size_t tp = 0, taken = 0;
    for (size_t end = n; end > 0;) {
        size_t start = end, group_pos = 0;
        while (start > 0 && v[start - 1].score == v[end - 1].score)
            group_pos += v[--start].positive;
        tp += group_pos;
        taken += end - start;
        if (group_pos)
            ap += ((double)group_pos / (double)pos) * ((double)tp / (double)taken);
        end = start;
    }
    cz_free(v);
    return ap;
}

static cz_status check_inputs(const cz_real *probs, const int32_t *y, size_t n, int classes,
                              cz_error *err)
{
    if (n == 0)
        return cz_error_set(err, CZ_EINVAL, "evaluate on a split with rows",
                            "no rows to compute metrics on");
    if (classes < 2)
        return cz_error_set(err, CZ_EINVAL, NULL, "classes is %d; metrics need at least 2",
                            classes);
    for (size_t i = 0; i < n; i++) {
        if (y[i] < 0 || y[i] >= classes)
            return cz_error_set(err, CZ_EINVAL, "labels must be class indices 0..k-1",
                                "row %zu has label %d, outside 0..%d", i, (int)y[i],
                                classes - 1);
        for (int c = 0; c < classes; c++)
            if (!isfinite((double)probs[i * (size_t)classes + (size_t)c]))
                return cz_error_set(err, CZ_ENUMERIC,
                                    "the model diverged; lower the learning rate or check the "
                                    "inputs for extreme values",
                                    "predicted probability of class %d for row %zu is %g", c,
                                    i, (double)probs[i * (size_t)classes + (size_t)c]);
    }
    return CZ_OK;
}

static void accuracies(const cz_real *probs, const int32_t *y, size_t n, int classes,
                       size_t *count, size_t *hit, cz_metrics *out)
{
    size_t correct = 0;
    for (size_t i = 0; i < n; i++) {
        const cz_real *p = probs + i * (size_t)classes;
        int best = 0; /* ties go to the lowest class, as numpy's argmax */
        for (int c = 1; c < classes; c++)
            if (p[c] > p[best])
                best = c;
        count[y[i]]++;
        if (best == y[i]) {
            hit[y[i]]++;
            correct++;
        }
    }
    out->accuracy = (double)correct / (double)n;
    double recall = 0.0;
    int present = 0; /* sklearn averages the recall of the classes present in y */
    for (int c = 0; c < classes; c++)
        if (count[c]) {
            recall += (double)hit[c] / (double)count[c];
            present++;
        }
    out->balanced_accuracy = recall / present;
}

cz_status cz_metrics_compute(const cz_real *probs, const int32_t *y, size_t n, int classes,
                             cz_metrics *out, cz_error *err)
{
    cz_status st = check_inputs(probs, y, n, classes, err);
    if (st)
        return st;
    size_t *count = cz_calloc((size_t)classes * 2, sizeof(size_t));
    double *score = cz_calloc(n, sizeof(double));
    uint8_t *positive = cz_calloc(n, 1);
    if (!count || !score || !positive) {
        st = cz_error_set(err, CZ_ENOMEM, NULL, "out of memory computing metrics on %zu rows", n);
        goto done;
    }
    accuracies(probs, y, n, classes, count, count + classes, out);
    /* Binary: the positive class's score. More classes: the macro average of
     * one-vs-rest, NaN when a class is absent (as sklearn refuses it). */
    int first = classes == 2 ? 1 : 0;
    double auroc = 0.0, auprc = 0.0;
    for (int c = first; c < classes; c++) {
        for (size_t i = 0; i < n; i++) {
            score[i] = (double)probs[i * (size_t)classes + (size_t)c];
            positive[i] = y[i] == c;
        }
        auroc += cz_auroc(score, positive, n);
        auprc += cz_auprc(score, positive, n);
    }
    int terms = classes - first;
    bool absent = false;
    for (int c = 0; c < classes; c++)
        absent |= count[c] == 0;
    out->auroc = absent ? NAN : auroc / terms;
    out->auprc = absent ? NAN : auprc / terms;
done:
    cz_free(count);
    cz_free(score);
    cz_free(positive);
    return st;
}
