/* Engine objects to and from checkpoint records: a switch over the kinds onto
 * each object's canonical encoding, and whole files of named objects on top
 * of ckpt_save / ckpt_load. Every encoding is wiped once it has been written,
 * since it holds the same data the file encrypts. */
#include <string.h>

#include "core/alloc.h"

#include "ckpt.h"
#include "ckpt_objects.h"

int ckpt_object_kind_known(ckpt_type type)
{
    switch (type) {
    case CKPT_TYPE_DATASET:
    case CKPT_TYPE_EXPERTS:
    case CKPT_TYPE_SURROGATE:
    case CKPT_TYPE_SYNTHETIC:
    case CKPT_TYPE_RUN:
    case CKPT_TYPE_RESULT:
    case CKPT_TYPE_GENERATOR:
        return 1;
    default:
        return 0;
    }
}

static cz_status unknown_kind(ckpt_type type, cz_error *err)
{
    return cz_error_set(err, CZ_EUNSUPPORTED,
                        "save datasets, experts, surrogates, synthetic sets, results, "
                        "generators or runs",
                        "objects of kind \"%s\" (type tag %d) have no checkpoint codec",
                        ckpt_type_name(type), (int)type);
}

cz_status ckpt_object_encode(const ckpt_object *o, cz_bytes *out, cz_error *err)
{
    if (!o || !o->as.any)
        return cz_error_set(err, CZ_EINVAL, NULL, "no object given to encode");
    switch (o->type) {
    case CKPT_TYPE_DATASET: return cz_dataset_serialize(o->as.dataset, out, err);
    case CKPT_TYPE_EXPERTS: return cz_experts_serialize(o->as.experts, out, err);
    case CKPT_TYPE_SURROGATE: return cz_surrogate_serialize(o->as.surrogate, out, err);
    case CKPT_TYPE_SYNTHETIC: return cz_synthetic_serialize(o->as.synthetic, out, err);
    case CKPT_TYPE_RUN: return ckpt_run_encode(o->as.run, out, err);
    case CKPT_TYPE_RESULT: return cz_eval_result_serialize(o->as.result, out, err);
    case CKPT_TYPE_GENERATOR: return cz_prior_serialize(o->as.generator, out, err);
    default: return unknown_kind(o->type, err);
    }
}

static cz_status decode_kind(ckpt_type type, cz_reader *rd, cz_backend *be, ckpt_object *o,
                             cz_error *err)
{
    switch (type) {
    case CKPT_TYPE_DATASET: return cz_dataset_deserialize(rd, &o->as.dataset, err);
    case CKPT_TYPE_EXPERTS: return cz_experts_deserialize(rd, &o->as.experts, err);
    case CKPT_TYPE_SURROGATE: return cz_surrogate_deserialize(rd, &o->as.surrogate, err);
    case CKPT_TYPE_SYNTHETIC: return cz_synthetic_deserialize(rd, &o->as.synthetic, err);
    case CKPT_TYPE_RESULT: return cz_eval_result_deserialize(rd, &o->as.result, err);
    case CKPT_TYPE_GENERATOR:
        /* G runs in host memory only (prior/generator.h): a prior loads onto
         * the CPU whatever backend the rest of the file goes to. */
        (void)be;
        return cz_prior_deserialize(rd, cz_backend_cpu(), &o->as.generator, err);
    default: return unknown_kind(type, err);
    }
}

cz_status ckpt_object_decode(ckpt_type type, const void *data, size_t size, cz_backend *be,
                             ckpt_object *out, cz_error *err)
{
    memset(out, 0, sizeof *out);
    if (!be)
        be = cz_backend_cpu();
    ckpt_object o;
    memset(&o, 0, sizeof o);
    o.type = type;
    cz_status st;
    if (type == CKPT_TYPE_RUN) {
        st = ckpt_run_decode(data, size, be, &o.as.run, err);
    } else {
        cz_reader rd = cz_reader_init(data, size, err);
        st = decode_kind(type, &rd, be, &o, err);
        if (st == CZ_OK)
            st = cz_reader_finish(&rd, 1);
    }
    if (st != CZ_OK) {
        ckpt_object_clear(&o);
        cz_error_prefix(err, "decoding a %s record", ckpt_type_name(type));
        return st;
    }
    *out = o;
    return CZ_OK;
}

cz_status ckpt_object_digest(const ckpt_object *o, uint8_t out[32], cz_error *err)
{
    if (!o || !o->as.any)
        return cz_error_set(err, CZ_EINVAL, NULL, "no object given to digest");
    switch (o->type) {
    case CKPT_TYPE_DATASET: return cz_dataset_digest(o->as.dataset, out, err);
    case CKPT_TYPE_EXPERTS: return cz_experts_digest(o->as.experts, out, err);
    case CKPT_TYPE_SURROGATE: return cz_surrogate_digest(o->as.surrogate, out, err);
    case CKPT_TYPE_SYNTHETIC: return cz_synthetic_digest(o->as.synthetic, out, err);
    case CKPT_TYPE_RUN: return ckpt_run_digest(o->as.run, out, err);
    case CKPT_TYPE_RESULT: return cz_eval_result_digest(o->as.result, out, err);
    case CKPT_TYPE_GENERATOR: return cz_prior_digest(o->as.generator, out, err);
    default: return unknown_kind(o->type, err);
    }
}

void ckpt_object_clear(ckpt_object *o)
{
    if (!o)
        return;
    switch (o->type) {
    case CKPT_TYPE_DATASET: cz_dataset_free(o->as.dataset); break;
    case CKPT_TYPE_EXPERTS: cz_experts_free(&o->as.experts); break;
    case CKPT_TYPE_SURROGATE: cz_surrogate_free(&o->as.surrogate); break;
    case CKPT_TYPE_SYNTHETIC: cz_synthetic_free(&o->as.synthetic); break;
    case CKPT_TYPE_RUN: ckpt_run_free(&o->as.run); break;
    case CKPT_TYPE_RESULT: cz_eval_result_free(&o->as.result); break;
    case CKPT_TYPE_GENERATOR: cz_prior_free(&o->as.generator); break;
    default: break;
    }
    memset(o, 0, sizeof *o);
}

static void wipe_bytes(cz_bytes *b)
{
    if (b->data)
        memset(b->data, 0, b->cap);
    cz_bytes_free(b);
}

cz_status ckpt_objects_save(const char *path, ckpt_key *key, const char *const *names,
                            const ckpt_object *objs, size_t count, const ckpt_save_opts *opts,
                            cz_error *err)
{
    if (count > CKPT_RECORDS_MAX)
        return cz_error_set(err, CZ_EINVAL, "save fewer objects per file",
                            "%zu objects are more than a checkpoint holds (%u)", count,
                            CKPT_RECORDS_MAX);
    cz_bytes *enc = cz_calloc(count ? count : 1, sizeof *enc);
    ckpt_record *recs = cz_calloc(count ? count : 1, sizeof *recs);
    cz_status st = CZ_OK;
    if (!enc || !recs)
        st = cz_error_set(err, CZ_ENOMEM, NULL, "out of memory saving %zu objects to %s", count,
                          path);
    for (size_t i = 0; i < count && st == CZ_OK; i++) {
        st = ckpt_object_encode(&objs[i], &enc[i], err);
        if (st != CZ_OK)
            cz_error_prefix(err, "saving \"%s\" to %s", names[i] ? names[i] : "", path);
        recs[i] = (ckpt_record){objs[i].type, names[i], enc[i].data, enc[i].len};
    }
    if (st == CZ_OK)
        st = ckpt_save(path, key, recs, count, opts, err);
    for (size_t i = 0; enc && i < count; i++)
        wipe_bytes(&enc[i]);
    cz_free(enc);
    cz_free(recs);
    return st;
}

struct ckpt_objects {
    size_t count;
    char **names;
    ckpt_object *objs;
};

size_t ckpt_objects_count(const ckpt_objects *list) { return list ? list->count : 0; }

const char *ckpt_objects_name(const ckpt_objects *list, size_t i)
{
    return list && i < list->count ? list->names[i] : NULL;
}

const ckpt_object *ckpt_objects_at(const ckpt_objects *list, size_t i)
{
    return list && i < list->count ? &list->objs[i] : NULL;
}

ckpt_object ckpt_objects_take(ckpt_objects *list, size_t i)
{
    ckpt_object o;
    memset(&o, 0, sizeof o);
    if (list && i < list->count) {
        o = list->objs[i];
        memset(&list->objs[i], 0, sizeof list->objs[i]);
    }
    return o;
}

void ckpt_objects_free(ckpt_objects **list)
{
    if (!list || !*list)
        return;
    ckpt_objects *l = *list;
    for (size_t i = 0; i < l->count; i++) {
        if (l->objs)
            ckpt_object_clear(&l->objs[i]);
        if (l->names)
            cz_free(l->names[i]);
    }
    cz_free(l->objs);
    cz_free(l->names);
    cz_free(l);
    *list = NULL;
}

ckpt_objects *ckpt_objects_load(const char *path, ckpt_key *key, cz_backend *be, cz_error *err)
{
    ckpt_records *recs = ckpt_load(path, key, NULL, err);
    if (!recs)
        return NULL;
    size_t n = ckpt_records_count(recs);
    ckpt_objects *l = cz_calloc(1, sizeof *l);
    if (l) {
        l->names = cz_calloc(n ? n : 1, sizeof *l->names);
        l->objs = cz_calloc(n ? n : 1, sizeof *l->objs);
    }
    if (!l || !l->names || !l->objs) {
        cz_error_set(err, CZ_ENOMEM, NULL, "out of memory loading %s", path);
        goto fail;
    }
    for (size_t i = 0; i < n; i++) {
        const ckpt_record *r = ckpt_records_at(recs, i);
        l->count = i + 1;
        l->names[i] = cz_strdup(r->name);
        if (!l->names[i]) {
            cz_error_set(err, CZ_ENOMEM, NULL, "out of memory loading %s", path);
            goto fail;
        }
        if (ckpt_object_decode(r->type, r->data, r->size, be, &l->objs[i], err) != CZ_OK) {
            cz_error_prefix(err, "%s, record \"%s\"", path, r->name);
            goto fail;
        }
    }
    ckpt_records_free(&recs);
    return l;
fail:
    ckpt_records_free(&recs);
    ckpt_objects_free(&l);
    return NULL;
}
