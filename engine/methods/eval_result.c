/* The evaluation result object: freeing and canonical encoding. */
#include <math.h>
#include <string.h>

#include "../core/alloc.h"
#include "common.h"
#include "digest.h"
#include "evaluate.h"

#define RESULT_MAGIC 0x435a4556u /* "CZEV" */
#define RESULT_VERSION 2u /* 2: the DSA flag */

void cz_eval_result_free(cz_eval_result **r)
{
    if (!r || !*r)
        return;
    for (int a = 0; (*r)->by_arch && a < (*r)->arch_count; a++)
        cz_free((*r)->by_arch[a].per_model);
    cz_free((*r)->by_arch);
    cz_free(*r);
    *r = NULL;
}

static void write_metrics(cz_bytes *b, const cz_metrics *m)
{
    cz_bytes_f64(b, m->auroc);
    cz_bytes_f64(b, m->auprc);
    cz_bytes_f64(b, m->balanced_accuracy);
    cz_bytes_f64(b, m->accuracy);
}

static void read_metrics(cz_reader *r, cz_metrics *m)
{
    m->auroc = cz_read_f64(r, "result auroc");
    m->auprc = cz_read_f64(r, "result auprc");
    m->balanced_accuracy = cz_read_f64(r, "result balanced accuracy");
    m->accuracy = cz_read_f64(r, "result accuracy");
}

cz_status cz_eval_result_serialize(const cz_eval_result *r, cz_bytes *out, cz_error *err)
{
    cz_bytes_u32(out, RESULT_MAGIC);
    cz_bytes_u32(out, RESULT_VERSION);
    cz_bytes_str(out, r->trained_on);
    cz_bytes_u64(out, (uint64_t)r->train_rows);
    cz_bytes_f64(out, r->lr);
    cz_bytes_u32(out, (uint32_t)r->epochs);
    cz_bytes_u64(out, r->seed);
    cz_bytes_u8(out, (uint8_t)r->dsa);
    cz_bytes_u32(out, (uint32_t)r->arch_count);
    for (int a = 0; a < r->arch_count; a++) {
        const cz_eval_arch *x = &r->by_arch[a];
        cz_bytes_str(out, x->name);
        cz_spec_write(out, &x->spec);
        cz_bytes_u32(out, (uint32_t)x->models);
        cz_bytes_u32(out, (uint32_t)x->diverged);
        write_metrics(out, &x->mean);
        write_metrics(out, &x->std);
        for (int k = 0; k < x->models; k++)
            write_metrics(out, &x->per_model[k]);
    }
    return cz_bytes_status(out, err);
}

static cz_status read_arch(cz_reader *rd, cz_eval_arch *x, cz_error *err)
{
    char *name = cz_read_str(rd, CZ_EVAL_NAME - 1, "result architecture name");
    if (name)
        memcpy(x->name, name, strlen(name) + 1);
    cz_free(name);
    cz_status st = cz_reader_finish(rd, 0);
    if (st == CZ_OK)
        st = cz_spec_read(rd, &x->spec, err);
    if (st != CZ_OK)
        return st;
    uint32_t models = cz_read_u32(rd, "result models");
    uint32_t diverged = cz_read_u32(rd, "result diverged");
    st = cz_reader_finish(rd, 0);
    if (st != CZ_OK)
        return st;
    /* 32 bytes per model must remain: refuse sizes the record cannot hold. */
    if (models < 1 || models > (rd->len - rd->pos) / 32 || diverged > models)
        return cz_error_set(err, CZ_EFORMAT, "the record is damaged",
                            "result: %u models (%u diverged) do not fit the record", models,
                            diverged);
    x->models = (int)models;
    x->diverged = (int)diverged;
    read_metrics(rd, &x->mean);
    read_metrics(rd, &x->std);
    x->per_model = cz_calloc(models, sizeof *x->per_model);
    if (!x->per_model)
        return cz_error_set(err, CZ_ENOMEM, NULL, "no memory for %u results", models);
    for (uint32_t k = 0; k < models; k++)
        read_metrics(rd, &x->per_model[k]);
    return cz_reader_finish(rd, 0);
}

cz_status cz_eval_result_deserialize(cz_reader *rd, cz_eval_result **out, cz_error *err)
{
    *out = NULL;
    uint32_t magic = cz_read_u32(rd, "result magic");
    uint32_t version = cz_read_u32(rd, "result version");
    cz_status st = cz_reader_finish(rd, 0);
    if (st != CZ_OK)
        return st;
    if (magic != RESULT_MAGIC || version < 1 || version > RESULT_VERSION)
        return cz_error_set(err, CZ_EFORMAT, "the record is not an evaluation result of this version",
                            "result record: magic 0x%08x version %u (expected 0x%08x, "
                            "versions 1..%u)",
                            magic, version, RESULT_MAGIC, RESULT_VERSION);
    cz_eval_result *r = cz_calloc(1, sizeof *r);
    if (!r)
        return cz_error_set(err, CZ_ENOMEM, NULL, "no memory for an evaluation result");
    char *on = cz_read_str(rd, CZ_EVAL_NAME - 1, "result trained_on");
    if (on)
        memcpy(r->trained_on, on, strlen(on) + 1);
    cz_free(on);
    r->train_rows = (size_t)cz_read_u64(rd, "result train rows");
    r->lr = cz_read_f64(rd, "result lr");
    r->epochs = (int)cz_read_u32(rd, "result epochs");
    r->seed = cz_read_u64(rd, "result seed");
    r->dsa = version >= 2 ? cz_read_u8(rd, "result dsa") : 0; /* 1: before DSA */
    uint32_t na = cz_read_u32(rd, "result architectures");
    st = cz_reader_finish(rd, 0);
    if (st == CZ_OK && r->dsa > 1)
        st = cz_error_set(err, CZ_EFORMAT, "the record is damaged", "result: dsa flag %d (0 or 1)",
                          r->dsa);
    if (st == CZ_OK && (na < 1 || na > CZ_EVAL_MAX_ARCHS))
        st = cz_error_set(err, CZ_EFORMAT, "the record is damaged",
                          "result: %u architectures (1..%d)", na, CZ_EVAL_MAX_ARCHS);
    if (st == CZ_OK) {
        r->by_arch = cz_calloc(na, sizeof *r->by_arch);
        if (!r->by_arch)
            st = cz_error_set(err, CZ_ENOMEM, NULL, "no memory for %u architectures", na);
        else
            r->arch_count = (int)na;
    }
    for (uint32_t a = 0; st == CZ_OK && a < na; a++)
        st = read_arch(rd, &r->by_arch[a], err);
    if (st != CZ_OK) {
        cz_eval_result_free(&r);
        return st;
    }
    *out = r;
    return CZ_OK;
}

cz_status cz_eval_result_digest(const cz_eval_result *r, uint8_t out[32], cz_error *err)
{
    cz_bytes b = {0};
    return cz_digest_finish(&b, cz_eval_result_serialize(r, &b, err), out);
}
