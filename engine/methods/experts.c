/* Expert trajectories: train, record every epoch, encode. */
#include "experts.h"

#include <math.h>
#include <string.h>

#include "../core/alloc.h"
#include "../train/train.h"
#include "common.h"
#include "digest.h"

#define EXPERTS_MAGIC 0x435a4558u /* "CZEX" */
#define EXPERTS_VERSION 2u /* 2: the DSA flag */
#define MAX_EXPERTS 100000
#define MAX_EPOCHS 100000

cz_experts_opts cz_experts_opts_default(const cz_dataset *d)
{
    return (cz_experts_opts){.spec = cz_default_spec(d), .count = 8, .epochs = 30, .lr = 0.01,
                             .momentum = 0.0, .batch = 256, .seed = 0};
}

static cz_status check_opts(const cz_experts_opts *o, cz_error *err)
{
    if (o->count < 1 || o->count > MAX_EXPERTS)
        return cz_error_set(err, CZ_EINVAL, "pass count between 1 and 100000 (8 is usual)",
                            "experts: count = %d", o->count);
    if (o->epochs < 1 || o->epochs > MAX_EPOCHS)
        return cz_error_set(err, CZ_EINVAL, "pass epochs >= 1 (30 is usual)",
                            "experts: epochs = %d", o->epochs);
    if (!(o->lr > 0) || !isfinite(o->lr))
        return cz_error_set(err, CZ_EINVAL, "pass a positive lr (0.01 is usual)",
                            "experts: lr = %g", o->lr);
    if (!(o->momentum >= 0 && o->momentum < 1))
        return cz_error_set(err, CZ_EINVAL, "pass momentum in [0, 1)", "experts: momentum = %g",
                            o->momentum);
    if (o->batch < 0)
        return cz_error_set(err, CZ_EINVAL, "pass batch >= 1 (0 = full batch)",
                            "experts: batch = %d", o->batch);
    return CZ_OK;
}

static cz_status experts_alloc(const cz_model_spec *spec, int count, int epochs, size_t params,
                               cz_experts **out, cz_error *err)
{
    cz_experts *e = cz_calloc(1, sizeof *e);
    size_t vectors = (size_t)count * (size_t)(epochs + 1);
    if (e) {
        e->spec = *spec;
        e->count = count;
        e->epochs = epochs;
        e->params = params;
        e->traj = cz_calloc(vectors, params * sizeof *e->traj);
        e->train_loss = cz_calloc((size_t)count * (size_t)epochs, sizeof *e->train_loss);
        e->val_auroc = cz_calloc((size_t)count, sizeof *e->val_auroc);
    }
    if (!e || !e->traj || !e->train_loss || !e->val_auroc) {
        cz_experts_free(&e);
        return cz_error_set(err, CZ_ENOMEM, "train fewer experts or epochs",
                            "no memory for %d experts x %d epochs x %zu parameters (%.1f MB)",
                            count, epochs + 1, params,
                            (double)vectors * (double)params * sizeof(cz_real) / 1e6);
    }
    *out = e;
    return CZ_OK;
}

void cz_experts_free(cz_experts **e)
{
    if (!e || !*e)
        return;
    cz_free((*e)->traj);
    cz_free((*e)->train_loss);
    cz_free((*e)->val_auroc);
    cz_free(*e);
    *e = NULL;
}

const cz_real *cz_experts_at(const cz_experts *e, int k, int epoch)
{
    CZ_ASSERT(k >= 0 && k < e->count && epoch >= 0 && epoch <= e->epochs);
    return e->traj + ((size_t)k * (size_t)(e->epochs + 1) + (size_t)epoch) * e->params;
}

static cz_real *slot(cz_experts *e, int k, int epoch)
{
    return (cz_real *)cz_experts_at(e, k, epoch);
}

size_t cz_experts_bytes(const cz_experts *e)
{
    return (size_t)e->count * (size_t)(e->epochs + 1) * e->params * sizeof(cz_real);
}

static int report(const cz_experts_opts *o, int64_t step, int64_t total, double loss,
                  double metric)
{
    if (!o->progress)
        return 0;
    cz_progress p = {.phase = "experts", .step = step, .total = total, .loss = loss, .lr = o->lr,
                     .metric = metric};
    return o->progress(&p, o->progress_user);
}

/* Trains expert k in place in e; CZ_EINTERRUPTED on cancel. */
static cz_status train_one(cz_model *m, const cz_dataset *d, const cz_experts_opts *o,
                           cz_experts *e, int k, cz_real *work, cz_real *velocity,
                           const cz_augment *aug, cz_error *err)
{
    const cz_split_data *tr = &d->split[CZ_TRAIN];
    cz_rng base, rng;
    cz_rng_seed(&base, o->seed);
    rng = cz_rng_fork(&base, (uint64_t)k);
    cz_model_init(m, &rng, work);
    memcpy(slot(e, k, 0), work, e->params * sizeof *work);
    memset(velocity, 0, e->params * sizeof *velocity);
    cz_sgd sgd = {.lr = o->lr, .momentum = o->momentum, .weight_decay = 0.0, .batch = o->batch,
                  .augment = aug};
    int64_t total = (int64_t)o->count * o->epochs;
    for (int ep = 0; ep < o->epochs; ep++) {
        double loss = NAN;
        cz_status st = cz_train_epoch(m, work, velocity, tr->x, tr->y, tr->rows, &sgd, &rng, &loss,
                                      err);
        if (st != CZ_OK) {
            cz_error_prefix(err, "expert %d, epoch %d", k, ep + 1);
            return st;
        }
        memcpy(slot(e, k, ep + 1), work, e->params * sizeof *work);
        e->train_loss[(size_t)k * (size_t)o->epochs + (size_t)ep] = loss;
        double metric = NAN;
        if (ep + 1 == o->epochs) {
            cz_metrics mt;
            st = cz_score_split(m, work, d, CZ_VAL, &mt, NULL, err);
            if (st != CZ_OK)
                return st;
            e->val_auroc[k] = metric = mt.auroc;
        }
        if (report(o, (int64_t)k * o->epochs + ep + 1, total, loss, metric) ||
            cz_cancel_requested(o->cancel))
            return cz_error_set(err, CZ_EINTERRUPTED, "run it again to train the experts",
                                "expert training interrupted at expert %d, epoch %d", k + 1,
                                ep + 1);
    }
    return CZ_OK;
}

cz_status cz_experts_train(const cz_dataset *d, const cz_experts_opts *opts, cz_backend *be,
                           cz_experts **out, cz_error *err)
{
    *out = NULL;
    cz_status st = check_opts(opts, err);
    if (st != CZ_OK)
        return st;
    if (d->split[CZ_TRAIN].rows == 0 || d->split[CZ_VAL].rows == 0)
        return cz_error_set(err, CZ_EINVAL, "load the dataset with a non-empty train and val split",
                            "dataset \"%s\" has %zu training and %zu validation rows", d->name,
                            d->split[CZ_TRAIN].rows, d->split[CZ_VAL].rows);
    int dsa_on = 0;
    st = cz_dsa_resolve(opts->dsa, d, be, &dsa_on, err);
    if (st != CZ_OK) {
        cz_error_prefix(err, "experts");
        return st;
    }
    cz_model_spec spec = opts->spec;
    spec.channels = d->channels;
    spec.height = d->height;
    spec.width = d->width;
    spec.classes = d->classes;
    cz_model *m = NULL;
    st = cz_model_new(&spec, be, &m, err);
    if (st != CZ_OK)
        return st;
    size_t P = cz_model_param_count(m);
    cz_experts *e = NULL;
    st = experts_alloc(&spec, opts->count, opts->epochs, P, &e, err);
    cz_real *work = cz_alloc(P * sizeof *work);
    cz_real *velocity = cz_alloc(P * sizeof *velocity);
    if (st == CZ_OK && (!work || !velocity))
        st = cz_error_set(err, CZ_ENOMEM, NULL, "no memory for %zu parameters", P);
    cz_dsa *dsa = NULL;
    cz_augment aug = {0};
    if (st == CZ_OK && dsa_on && (st = cz_dsa_new_for(d, &dsa, err)) == CZ_OK)
        aug = cz_dsa_augment(dsa);
    if (st == CZ_OK) {
        e->dsa = dsa_on;
        e->lr = opts->lr;
        e->momentum = opts->momentum;
        e->batch = opts->batch;
        e->seed = opts->seed;
        e->train_rows = d->split[CZ_TRAIN].rows;
    }
    for (int k = 0; st == CZ_OK && k < opts->count; k++)
        st = train_one(m, d, opts, e, k, work, velocity, dsa ? &aug : NULL, err);
    cz_dsa_free(&dsa);
    cz_free(work);
    cz_free(velocity);
    cz_model_free(m);
    if (st != CZ_OK) {
        cz_experts_free(&e);
        return st;
    }
    *out = e;
    return CZ_OK;
}

cz_status cz_experts_serialize(const cz_experts *e, cz_bytes *out, cz_error *err)
{
    cz_bytes_u32(out, EXPERTS_MAGIC);
    cz_bytes_u32(out, EXPERTS_VERSION);
    cz_spec_write(out, &e->spec);
    cz_bytes_u32(out, (uint32_t)e->count);
    cz_bytes_u32(out, (uint32_t)e->epochs);
    cz_bytes_u64(out, (uint64_t)e->params);
    cz_bytes_f64(out, e->lr);
    cz_bytes_f64(out, e->momentum);
    cz_bytes_u32(out, (uint32_t)e->batch);
    cz_bytes_u64(out, e->seed);
    cz_bytes_u8(out, (uint8_t)e->dsa);
    cz_bytes_u64(out, (uint64_t)e->train_rows);
    size_t losses = (size_t)e->count * (size_t)e->epochs;
    for (size_t i = 0; i < losses; i++)
        cz_bytes_f64(out, e->train_loss[i]);
    for (int k = 0; k < e->count; k++)
        cz_bytes_f64(out, e->val_auroc[k]);
    cz_bytes_reals(out, e->traj, (int64_t)((size_t)e->count * (size_t)(e->epochs + 1) * e->params));
    return cz_bytes_status(out, err);
}

cz_status cz_experts_deserialize(cz_reader *r, cz_experts **out, cz_error *err)
{
    *out = NULL;
    uint32_t magic = cz_read_u32(r, "experts magic");
    uint32_t version = cz_read_u32(r, "experts version");
    cz_status st = cz_reader_finish(r, 0);
    if (st != CZ_OK)
        return st;
    if (magic != EXPERTS_MAGIC || version < 1 || version > EXPERTS_VERSION)
        return cz_error_set(err, CZ_EFORMAT, "the record is not an expert set of this version",
                            "experts record: magic 0x%08x version %u (expected 0x%08x, "
                            "versions 1..%u)",
                            magic, version, EXPERTS_MAGIC, EXPERTS_VERSION);
    cz_model_spec spec;
    st = cz_spec_read(r, &spec, err);
    if (st != CZ_OK)
        return st;
    uint32_t count = cz_read_u32(r, "experts count");
    uint32_t epochs = cz_read_u32(r, "experts epochs");
    uint64_t params = cz_read_u64(r, "experts params");
    double lr = cz_read_f64(r, "experts lr");
    double momentum = cz_read_f64(r, "experts momentum");
    uint32_t batch = cz_read_u32(r, "experts batch");
    uint64_t seed = cz_read_u64(r, "experts seed");
    uint8_t dsa = version >= 2 ? cz_read_u8(r, "experts dsa") : 0; /* 1: before DSA */
    uint64_t train_rows = cz_read_u64(r, "experts train rows");
    st = cz_reader_finish(r, 0);
    if (st != CZ_OK)
        return st;
    /* Sizes must fit what is left of the record before anything is allocated. */
    uint64_t left = r->len - r->pos;
    if (dsa > 1)
        return cz_error_set(err, CZ_EFORMAT, "the record is damaged",
                            "experts record: dsa flag %u (0 or 1)", dsa);
    if (count < 1 || count > MAX_EXPERTS || epochs < 1 || epochs > MAX_EPOCHS || params < 1 ||
        params > left / 4 / ((uint64_t)count * (epochs + 1)))
        return cz_error_set(err, CZ_EFORMAT, "the record is damaged",
                            "experts record: %u experts x %u epochs x %llu params does not fit "
                            "its %llu remaining bytes",
                            count, epochs, (unsigned long long)params, (unsigned long long)left);
    cz_experts *e = NULL;
    st = experts_alloc(&spec, (int)count, (int)epochs, (size_t)params, &e, err);
    if (st != CZ_OK)
        return st;
    e->lr = lr;
    e->momentum = momentum;
    e->batch = (int)batch;
    e->seed = seed;
    e->dsa = dsa;
    e->train_rows = (size_t)train_rows;
    size_t losses = (size_t)count * epochs;
    for (size_t i = 0; i < losses; i++)
        e->train_loss[i] = cz_read_f64(r, "experts training loss");
    for (uint32_t k = 0; k < count; k++)
        e->val_auroc[k] = cz_read_f64(r, "experts validation AUROC");
    cz_read_reals(r, e->traj, (int64_t)((size_t)count * (epochs + 1) * params),
                  "expert trajectories");
    st = cz_reader_finish(r, 0);
    if (st != CZ_OK) {
        cz_experts_free(&e);
        return st;
    }
    *out = e;
    return CZ_OK;
}

cz_status cz_experts_digest(const cz_experts *e, uint8_t out[32], cz_error *err)
{
    cz_bytes b = {0};
    return cz_digest_finish(&b, cz_experts_serialize(e, &b, err), out);
}
