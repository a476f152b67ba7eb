/* Surrogates from an expert set; see bezier_experts.h. */
#include "bezier_experts.h"

#include "../core/alloc.h"
#include "common.h"

cz_status cz_bezier_fit_experts(const cz_experts *e, const cz_dataset *d,
                                const cz_bezier_opts *opts, cz_backend *be, cz_surrogate **out,
                                cz_error *err)
{
    *out = NULL;
    cz_status st = cz_spec_check_dataset(&e->spec, d, err);
    if (st) {
        cz_error_prefix(err, "bezier: ");
        return st;
    }
    const cz_split_data *tr = &d->split[CZ_TRAIN];
    if (e->train_rows != tr->rows)
        return cz_error_set(err, CZ_EINVAL, "fit the curves on the dataset the experts learnt",
                            "bezier: the experts were trained on %zu rows; dataset \"%s\" has "
                            "%zu training rows", e->train_rows, d->name, tr->rows);
    if (e->count < 1)
        return cz_error_set(err, CZ_EINVAL, "train experts first (dc.experts)",
                            "bezier: the expert set is empty");
    cz_model *m = NULL;
    st = cz_model_new(&e->spec, be, &m, err);
    if (st)
        return st;
    const cz_real **first = cz_alloc((size_t)e->count * sizeof *first);
    const cz_real **last = cz_alloc((size_t)e->count * sizeof *last);
    if (!first || !last) {
        st = cz_error_set(err, CZ_ENOMEM, NULL, "bezier: out of memory for %d experts", e->count);
    } else {
        for (int k = 0; k < e->count; k++) {
            first[k] = cz_experts_at(e, k, 0);
            last[k] = cz_experts_at(e, k, e->epochs);
        }
        st = cz_bezier_fit(m, (size_t)e->count, first, last, e->epochs, tr->x, tr->y, tr->rows,
                           opts, out, err);
    }
    if (!st) {
        (*out)->expert_lr = e->lr;
        (*out)->expert_batch = e->batch;
    }
    cz_free(first);
    cz_free(last);
    cz_model_free(m);
    return st;
}
