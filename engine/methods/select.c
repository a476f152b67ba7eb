/* Random and herding selection of real rows (select.h). */
#include "select.h"

#include <float.h>
#include <string.h>

#include "../core/alloc.h"
#include "common.h"

#define DEFAULT_LR 0.01

static cz_status new_set(const cz_dataset *d, const char *method, int ipc, double lr,
                         cz_synthetic **out, cz_error *err)
{
    cz_status st = cz_check_ipc(d, ipc, err);
    if (st == CZ_OK)
        st = cz_synthetic_new(method, ipc, d->classes, d->channels, d->height, d->width, out, err);
    if (st == CZ_OK)
        (*out)->lr = lr > 0 ? lr : DEFAULT_LR;
    return st;
}

cz_status cz_select_random(const cz_dataset *d, int ipc, uint64_t seed, double lr,
                           cz_synthetic **out, cz_error *err)
{
    *out = NULL;
    cz_status st = new_set(d, "random", ipc, lr, out, err);
    if (st != CZ_OK)
        return st;
    cz_rng rng;
    cz_rng_seed(&rng, seed);
    st = cz_pick_real_rows(d, ipc, &rng, (*out)->x, (*out)->y, err);
    if (st != CZ_OK)
        cz_synthetic_free(out);
    return st;
}

/* Herding for one class: idx (n rows of the class) -> chosen (ipc of them). */
static void herd_class(const cz_split_data *tr, size_t f, const size_t *idx, size_t n, int ipc,
                       double *mu, double *sum, unsigned char *taken, size_t *chosen)
{
    memset(mu, 0, f * sizeof *mu);
    memset(sum, 0, f * sizeof *sum);
    memset(taken, 0, n);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < f; j++)
            mu[j] += tr->x[idx[i] * f + j];
    for (size_t j = 0; j < f; j++)
        mu[j] /= (double)n;
    for (int k = 1; k <= ipc; k++) {
        size_t best = 0;
        double best_d = DBL_MAX;
        for (size_t i = 0; i < n; i++) {
            if (taken[i])
                continue;
            const cz_real *row = tr->x + idx[i] * f;
            double dist = 0;
            for (size_t j = 0; j < f; j++) {
                double diff = mu[j] - (sum[j] + row[j]) / k;
                dist += diff * diff;
            }
            if (dist < best_d) {
                best_d = dist;
                best = i;
            }
        }
        taken[best] = 1;
        for (size_t j = 0; j < f; j++)
            sum[j] += tr->x[idx[best] * f + j];
        chosen[k - 1] = idx[best];
    }
}

cz_status cz_select_herding(const cz_dataset *d, int ipc, double lr, cz_synthetic **out,
                            size_t *rows_out, cz_error *err)
{
    *out = NULL;
    cz_status st = new_set(d, "herding", ipc, lr, out, err);
    if (st != CZ_OK)
        return st;
    const cz_split_data *tr = &d->split[CZ_TRAIN];
    size_t f = d->features;
    size_t *idx = cz_alloc(tr->rows * sizeof *idx);
    size_t *chosen = cz_alloc((size_t)ipc * sizeof *chosen);
    double *mu = cz_alloc(f * sizeof *mu), *sum = cz_alloc(f * sizeof *sum);
    unsigned char *taken = cz_alloc(tr->rows);
    if (!idx || !chosen || !mu || !sum || !taken) {
        st = cz_error_set(err, CZ_ENOMEM, NULL, "herding: no memory for %zu rows", tr->rows);
        cz_synthetic_free(out);
    }
    cz_synthetic *s = *out;
    for (int c = 0; st == CZ_OK && c < d->classes; c++) {
        size_t n = cz_dataset_class_rows(d, CZ_TRAIN, c, idx);
        herd_class(tr, f, idx, n, ipc, mu, sum, taken, chosen);
        for (int k = 0; k < ipc; k++) {
            size_t o = (size_t)c * (size_t)ipc + (size_t)k;
            memcpy(s->x + o * f, tr->x + chosen[k] * f, f * sizeof *s->x);
            s->y[o] = c;
            if (rows_out)
                rows_out[o] = chosen[k];
        }
    }
    cz_free(idx);
    cz_free(chosen);
    cz_free(mu);
    cz_free(sum);
    cz_free(taken);
    return st;
}
