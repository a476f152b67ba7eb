/* Resumable distillations: the run record (run.h draws it) and the stepping
 * loop with its autosaves. The run's companions (dataset, match source and,
 * for a run through a prior, the prior) travel as copies, not digests, so
 * one autosave file is enough to resume anywhere: the run state itself holds
 * their digests and cz_mtt_deserialize_from / cz_prior_mtt_deserialize check
 * them. */
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"

#include "ckpt.h"
#include "run.h"

#define RUN_MAGIC 0x4e525a43u /* "CZRN" */
#define RUN_VERSION 2u    /* written; 1 (pixel runs, no kind byte) still reads */
#define SOURCE_EXPERTS 1u
#define SOURCE_CURVES 2u
#define KIND_PIXEL 1u
#define KIND_PRIOR 2u

ckpt_run ckpt_run_view(cz_mtt *mtt, const cz_dataset *d, const cz_match_source *src,
                       int64_t every, cz_backend *be)
{
    ckpt_run r;
    memset(&r, 0, sizeof r);
    r.mtt = mtt;
    r.dataset = d;
    if (src)
        r.source = *src;
    r.every = every;
    if (!be)
        be = cz_backend_cpu();
    snprintf(r.backend, sizeof r.backend, "%s", cz_backend_name(be));
    r.threads = cz_backend_threads(be);
    return r;
}

ckpt_run ckpt_run_view_prior(cz_prior_mtt *run, cz_prior *p, const cz_dataset *d,
                             const cz_match_source *src, int64_t every)
{
    ckpt_run r = ckpt_run_view(NULL, d, src, every, cz_backend_cpu());
    r.prior_run = run;
    r.prior = p;
    return r;
}

void ckpt_run_info(const ckpt_run *run, cz_mtt_info *out)
{
    if (run->prior_run) {
        cz_prior_mtt_info info;
        cz_prior_mtt_info_get(run->prior_run, &info);
        *out = info.mtt;
    } else {
        cz_mtt_info_get(run->mtt, out);
    }
}

const char *ckpt_run_method(const ckpt_run *run)
{
    return run->prior_run ? "prior" : cz_mtt_method(run->mtt);
}

cz_status ckpt_run_step(ckpt_run *run, int64_t n, const cz_cancel *cancel, cz_progress_fn progress,
                        void *progress_user, cz_error *err)
{
    return run->prior_run
               ? cz_prior_mtt_step(run->prior_run, n, cancel, progress, progress_user, err)
               : cz_mtt_step(run->mtt, n, cancel, progress, progress_user, err);
}

cz_status ckpt_run_synthetic(const ckpt_run *run, cz_synthetic **out, cz_error *err)
{
    return run->prior_run ? cz_prior_mtt_synthetic(run->prior_run, out, err)
                          : cz_mtt_synthetic(run->mtt, out, err);
}

cz_status ckpt_run_digest(const ckpt_run *run, uint8_t out[32], cz_error *err)
{
    return run->prior_run ? cz_prior_mtt_digest(run->prior_run, out, err)
                          : cz_mtt_digest(run->mtt, out, err);
}

/* Starts a length-prefixed block: writes a zero length, returns its offset. */
static size_t block_open(cz_bytes *out)
{
    size_t at = out->len;
    cz_bytes_u64(out, 0);
    return at;
}

/* Patches the block's length now that its bytes are written. */
static void block_close(cz_bytes *out, size_t at)
{
    if (out->failed)
        return;
    uint64_t n = (uint64_t)(out->len - at - 8);
    for (int i = 0; i < 8; i++)
        out->data[at + (size_t)i] = (uint8_t)(n >> (8 * i));
}

/* Everything before the run state's block; prior is the run's prior or NULL
 * for a pixel run. */
static cz_status encode_head(const ckpt_run *run, const cz_prior *prior, cz_bytes *out,
                             cz_error *err)
{
    if (!run->dataset || (!run->source.experts == !run->source.curves))
        return cz_error_set(err, CZ_EINVAL, NULL,
                            "a run record needs the run, its dataset and one target source");
    if (run->every < 1)
        return cz_error_set(err, CZ_EINVAL, "pass {every = n} with n >= 1",
                            "autosave period %lld is not positive", (long long)run->every);
    cz_bytes_u32(out, RUN_MAGIC);
    cz_bytes_u32(out, RUN_VERSION);
    cz_bytes_i64(out, run->every);
    cz_bytes_str(out, run->backend);
    cz_bytes_u32(out, (uint32_t)run->threads);
    cz_bytes_u8(out, run->source.experts ? SOURCE_EXPERTS : SOURCE_CURVES);
    cz_bytes_u8(out, prior ? KIND_PRIOR : KIND_PIXEL);
    size_t at = block_open(out);
    cz_status st = cz_dataset_serialize(run->dataset, out, err);
    block_close(out, at);
    if (st != CZ_OK)
        return st;
    at = block_open(out);
    st = run->source.experts ? cz_experts_serialize(run->source.experts, out, err)
                             : cz_surrogate_serialize(run->source.curves, out, err);
    block_close(out, at);
    if (st != CZ_OK || !prior)
        return st;
    at = block_open(out);
    st = cz_prior_serialize(prior, out, err);
    block_close(out, at);
    return st;
}

cz_status ckpt_run_encode(const ckpt_run *run, cz_bytes *out, cz_error *err)
{
    if (!run || !run->mtt == !run->prior_run || (run->prior_run && !run->prior))
        return cz_error_set(err, CZ_EINVAL, NULL, "no run given to encode");
    cz_status st = encode_head(run, run->prior_run ? run->prior : NULL, out, err);
    if (st != CZ_OK)
        return st;
    size_t at = block_open(out);
    st = run->prior_run ? cz_prior_mtt_serialize(run->prior_run, out, err)
                        : cz_mtt_serialize(run->mtt, out, err);
    block_close(out, at);
    if (st != CZ_OK)
        return st;
    return cz_bytes_status(out, err);
}

cz_status ckpt_run_encode_parts(const cz_dataset *d, const cz_match_source *src,
                                const cz_prior *prior, const void *state, size_t state_size,
                                int64_t every, cz_backend *be, cz_bytes *out, cz_error *err)
{
    if (!state || !state_size)
        return cz_error_set(err, CZ_EINVAL, NULL, "no run state given to encode");
    ckpt_run view = ckpt_run_view(NULL, d, src, every, prior ? cz_backend_cpu() : be);
    cz_status st = encode_head(&view, prior, out, err);
    if (st != CZ_OK)
        return st;
    cz_bytes_u64(out, (uint64_t)state_size);
    cz_bytes_put(out, state, state_size);
    return cz_bytes_status(out, err);
}

static cz_status malformed(cz_error *err, const char *what)
{
    return cz_error_set(err, CZ_EFORMAT, "the record is damaged; load an earlier checkpoint",
                        "run record: %s", what);
}

/* Cuts the next length-prefixed block out of rd into a reader of its own. */
static cz_status block_read(cz_reader *rd, cz_reader *sub, const char *what, cz_error *err)
{
    uint64_t n = cz_read_u64(rd, what);
    cz_status st = cz_reader_finish(rd, 0);
    if (st != CZ_OK)
        return st;
    if (n > rd->len - rd->pos)
        return malformed(err, "a block is longer than the record");
    *sub = cz_reader_init(rd->data + rd->pos, (size_t)n, err);
    rd->pos += (size_t)n;
    return CZ_OK;
}

void ckpt_run_free(ckpt_run **run)
{
    if (!run || !*run)
        return;
    ckpt_run *r = *run;
    if (r->owned) {
        cz_mtt_free(&r->mtt);
        cz_prior_mtt_free(&r->prior_run); /* before the prior it borrows */
        cz_prior_free(&r->prior);
        cz_experts *e = (cz_experts *)r->source.experts;
        cz_surrogate *s = (cz_surrogate *)r->source.curves;
        cz_experts_free(&e);
        cz_surrogate_free(&s);
        cz_dataset_free((cz_dataset *)r->dataset);
    }
    cz_free(r);
    *run = NULL;
}

/* Reads the header fields into r; returns the source tag (0 on failure) and
 * the run's kind in *kind. */
static unsigned read_header(cz_reader *rd, ckpt_run *r, unsigned *kind, cz_error *err)
{
    uint32_t magic = cz_read_u32(rd, "run magic");
    uint32_t version = cz_read_u32(rd, "run version");
    if (cz_reader_finish(rd, 0) != CZ_OK)
        return 0;
    if (magic != RUN_MAGIC || version < 1 || version > RUN_VERSION) {
        cz_error_set(err, CZ_EFORMAT, "the record is not a run of a version this build reads",
                     "run record: magic 0x%08x version %u (expected 0x%08x version 1 to %u)",
                     magic, version, RUN_MAGIC, RUN_VERSION);
        return 0;
    }
    r->every = cz_read_i64(rd, "run every");
    char *be = cz_read_str(rd, sizeof r->backend - 1, "run backend");
    if (be)
        memcpy(r->backend, be, strlen(be) + 1);
    cz_free(be);
    r->threads = (int)cz_read_u32(rd, "run threads");
    unsigned source = cz_read_u8(rd, "run source");
    *kind = version >= 2 ? cz_read_u8(rd, "run kind") : KIND_PIXEL;
    if (cz_reader_finish(rd, 0) != CZ_OK)
        return 0;
    if (r->every < 1 || r->threads < 1 || (source != SOURCE_EXPERTS && source != SOURCE_CURVES) ||
        (*kind != KIND_PIXEL && *kind != KIND_PRIOR)) {
        malformed(err, "period, thread count, source or run kind out of range");
        return 0;
    }
    return source;
}

/* The prior block of a prior run, decoded onto the CPU (G lives in host
 * memory). */
static cz_status read_prior(cz_reader *rd, ckpt_run *r, cz_error *err)
{
    cz_reader sub;
    cz_status st = block_read(rd, &sub, "run prior size", err);
    if (st == CZ_OK)
        st = cz_prior_deserialize(&sub, cz_backend_cpu(), &r->prior, err);
    if (st == CZ_OK)
        st = cz_reader_finish(&sub, 1);
    return st;
}

static cz_status decode_into(ckpt_run *r, cz_reader *rd, cz_backend *be, cz_error *err)
{
    unsigned kind = 0;
    unsigned source = read_header(rd, r, &kind, err);
    if (!source)
        return err && err->code ? err->code : CZ_EFORMAT;
    cz_reader sub;
    cz_dataset *d = NULL;
    cz_status st = block_read(rd, &sub, "run dataset size", err);
    if (st == CZ_OK)
        st = cz_dataset_deserialize(&sub, &d, err);
    if (st == CZ_OK)
        st = cz_reader_finish(&sub, 1);
    r->dataset = d;
    if (st != CZ_OK)
        return st;
    st = block_read(rd, &sub, "run source size", err);
    if (st == CZ_OK && source == SOURCE_EXPERTS) {
        cz_experts *e = NULL;
        st = cz_experts_deserialize(&sub, &e, err);
        r->source.experts = e;
    } else if (st == CZ_OK) {
        cz_surrogate *s = NULL;
        st = cz_surrogate_deserialize(&sub, &s, err);
        r->source.curves = s;
    }
    if (st == CZ_OK)
        st = cz_reader_finish(&sub, 1);
    if (st == CZ_OK && kind == KIND_PRIOR)
        st = read_prior(rd, r, err);
    if (st == CZ_OK)
        st = block_read(rd, &sub, "run state size", err);
    if (st == CZ_OK && kind == KIND_PRIOR) {
        st = cz_prior_mtt_deserialize(&sub, d, &r->source, r->prior, cz_backend_cpu(),
                                      &r->prior_run, err);
        if (st != CZ_OK)
            cz_error_prefix(err, "the run through the record's prior");
    } else if (st == CZ_OK)
        st = cz_mtt_deserialize_from(&sub, d, &r->source, be, &r->mtt, err);
    if (st == CZ_OK)
        st = cz_reader_finish(&sub, 1);
    if (st == CZ_OK)
        st = cz_reader_finish(rd, 1);
    return st;
}

cz_status ckpt_run_decode(const void *data, size_t size, cz_backend *be, ckpt_run **out,
                          cz_error *err)
{
    *out = NULL;
    ckpt_run *r = cz_calloc(1, sizeof *r);
    if (!r)
        return cz_error_set(err, CZ_ENOMEM, NULL, "out of memory decoding a run record");
    r->owned = 1;
    cz_reader rd = cz_reader_init(data, size, err);
    cz_status st = decode_into(r, &rd, be ? be : cz_backend_cpu(), err);
    if (st != CZ_OK) {
        ckpt_run_free(&r);
        return st;
    }
    *out = r;
    return CZ_OK;
}

cz_status ckpt_run_autosave(ckpt_autosave *as, const ckpt_run *run, cz_error *err)
{
    cz_bytes b = {0};
    cz_status st = ckpt_run_encode(run, &b, err);
    if (st == CZ_OK) {
        ckpt_record rec = {CKPT_TYPE_RUN, CKPT_RUN_RECORD, b.data, b.len};
        cz_mtt_info info;
        ckpt_run_info(run, &info);
        st = ckpt_autosave_write(as, info.iteration, &rec, 1, err);
    }
    if (b.data)
        memset(b.data, 0, b.cap); /* the state is as private as the data it came from */
    cz_bytes_free(&b);
    return st;
}

/* Iterations to run before the next multiple of every, or to the plan's end. */
static int64_t next_stretch(int64_t done, int64_t planned, int64_t every)
{
    int64_t next = (done / every + 1) * every;
    return (next < planned ? next : planned) - done;
}

cz_status ckpt_run_distill(ckpt_run *run, ckpt_autosave *as, const cz_cancel *cancel,
                           cz_progress_fn progress, void *progress_user, cz_error *err)
{
    cz_mtt_info info;
    ckpt_run_info(run, &info);
    int64_t every = run->every > 0 ? run->every : 1;
    while (info.iteration < info.planned) {
        int64_t n = next_stretch(info.iteration, info.planned, every);
        cz_status st = ckpt_run_step(run, n, cancel, progress, progress_user, err);
        ckpt_run_info(run, &info);
        if (st != CZ_OK) {
            /* Keep what was done; the step's error is the one to report. */
            cz_error save_err;
            cz_error_clear(&save_err);
            if (info.iteration != ckpt_autosave_last(as) &&
                ckpt_run_autosave(as, run, &save_err) != CZ_OK)
                cz_error_prefix(err, "the autosave at the stop failed too (%s)", save_err.msg);
            return st;
        }
        if (ckpt_autosave_due(as, info.iteration) || info.iteration >= info.planned) {
            st = ckpt_run_autosave(as, run, err);
            if (st != CZ_OK)
                return st;
        }
    }
    if (ckpt_autosave_last(as) != info.iteration)
        return ckpt_run_autosave(as, run, err);
    return CZ_OK;
}

ckpt_run *ckpt_run_load(const char *path, ckpt_key *key, cz_backend *be, int *used_prev,
                        cz_error *err)
{
    ckpt_records *list = ckpt_autosave_load(path, key, NULL, used_prev, NULL, err);
    if (!list)
        return NULL;
    const ckpt_record *rec = NULL;
    for (size_t i = 0; i < ckpt_records_count(list) && !rec; i++)
        if (ckpt_records_at(list, i)->type == CKPT_TYPE_RUN)
            rec = ckpt_records_at(list, i);
    ckpt_run *run = NULL;
    if (!rec) {
        const ckpt_record *first = ckpt_records_at(list, 0);
        cz_error_set(err, CZ_EINVAL, "resume a file written by dc.distill{checkpoint = ...}; "
                                     "load saved objects with dc.load",
                     "%s holds no distillation run (%zu record%s%s%s)", path,
                     ckpt_records_count(list), ckpt_records_count(list) == 1 ? "" : "s",
                     first ? ", the first a " : "", first ? ckpt_type_name(first->type) : "");
    } else if (ckpt_run_decode(rec->data, rec->size, be, &run, err) != CZ_OK) {
        cz_error_prefix(err, "resuming %s", path);
    }
    ckpt_records_free(&list);
    return run;
}
