/* Canonical encoding of an MTT run: the resolved configuration, the digests
 * of the dataset and experts it runs on, and the whole state, so that a
 * deserialised run continues bit for bit. */
#include <string.h>

#include "../core/alloc.h"
#include "common.h"
#include "digest.h"
#include "mtt_impl.h"

#define MTT_MAGIC 0x435a4d54u /* "CZMT" */
#define MTT_VERSION 3u /* 2: the SATM options; 3: the DSA setting */
#define MAX_ITERATIONS ((int64_t)1 << 40)

static void write_config(cz_bytes *b, const cz_mtt_config *c)
{
    cz_bytes_u32(b, (uint32_t)c->ipc);
    cz_bytes_i64(b, c->iterations);
    cz_bytes_u32(b, (uint32_t)c->syn_steps);
    cz_bytes_u32(b, (uint32_t)c->expert_epochs);
    cz_bytes_u32(b, (uint32_t)c->max_start_epoch);
    cz_bytes_u32(b, (uint32_t)c->batch_syn);
    cz_bytes_f64(b, c->lr_img);
    cz_bytes_f64(b, c->lr_lr);
    cz_bytes_f64(b, c->lr_init);
    cz_bytes_f64(b, c->momentum);
    cz_bytes_u32(b, (uint32_t)c->truncate);
    cz_bytes_u8(b, c->class_weights ? 1 : 0);
    cz_bytes_u32(b, (uint32_t)c->sam);
    cz_bytes_f64(b, c->rho);
    cz_bytes_u32(b, (uint32_t)c->sam_steps);
    cz_bytes_u8(b, (uint8_t)c->sam_lr_at_x);
    cz_bytes_u8(b, (uint8_t)c->dsa);
    cz_bytes_u64(b, c->seed);
}

static cz_status read_config(cz_reader *r, uint32_t version, cz_mtt_config *c)
{
    c->ipc = (int)cz_read_u32(r, "mtt ipc");
    c->iterations = cz_read_i64(r, "mtt iterations");
    c->syn_steps = (int)cz_read_u32(r, "mtt syn_steps");
    c->expert_epochs = (int)cz_read_u32(r, "mtt expert_epochs");
    c->max_start_epoch = (int)cz_read_u32(r, "mtt max_start_epoch");
    c->batch_syn = (int)cz_read_u32(r, "mtt batch_syn");
    c->lr_img = cz_read_f64(r, "mtt lr_img");
    c->lr_lr = cz_read_f64(r, "mtt lr_lr");
    c->lr_init = cz_read_f64(r, "mtt lr_init");
    c->momentum = cz_read_f64(r, "mtt momentum");
    c->truncate = (int)cz_read_u32(r, "mtt truncate");
    c->class_weights = cz_read_u8(r, "mtt class_weights") != 0;
    c->sam = (int)cz_read_u32(r, "mtt sam");
    c->rho = cz_read_f64(r, "mtt rho");
    c->sam_steps = (int)cz_read_u32(r, "mtt sam_steps");
    c->sam_lr_at_x = cz_read_u8(r, "mtt sam_lr_at_x");
    /* Version 2 runs predate DSA in the methods: they ran without it. */
    c->dsa = version >= 3 ? (cz_dsa_use)cz_read_u8(r, "mtt dsa") : CZ_DSA_OFF;
    c->seed = cz_read_u64(r, "mtt seed");
    return cz_reader_finish(r, 0);
}

cz_status cz_mtt_serialize(const cz_mtt *r, cz_bytes *out, cz_error *err)
{
    size_t nx = r->rows * r->features;
    cz_bytes_u32(out, MTT_MAGIC);
    cz_bytes_u32(out, MTT_VERSION);
    write_config(out, &r->cfg);
    cz_bytes_put(out, r->data_digest, 32);
    cz_bytes_put(out, r->experts_digest, 32);
    cz_bytes_u64(out, (uint64_t)r->rows);
    cz_bytes_u64(out, (uint64_t)r->features);
    cz_bytes_reals(out, r->x, (int64_t)nx);
    cz_bytes_i32s(out, r->y, (int64_t)r->rows);
    cz_bytes_reals(out, r->x_buf, (int64_t)nx);
    cz_bytes_f64(out, r->lr);
    cz_bytes_f64(out, r->lr_buf);
    for (int i = 0; i < 4; i++)
        cz_bytes_u64(out, r->rng.s[i]);
    cz_bytes_i64(out, r->iteration);
    cz_bytes_i64(out, r->skipped);
    cz_bytes_i64(out, r->lr_halved);
    cz_bytes_str(out, r->last_skip);
    for (int64_t i = 0; i < r->iteration; i++)
        cz_bytes_f64(out, r->history[i]);
    return cz_bytes_status(out, err);
}

static cz_status damaged(cz_error *err, const char *what)
{
    return cz_error_set(err, CZ_EFORMAT, "the record is damaged; load an earlier checkpoint",
                        "mtt run record: %s", what);
}

/* Reads the state after the header into a freshly allocated run. */
static cz_status read_state(cz_reader *rd, cz_mtt *r, cz_error *err)
{
    size_t nx = r->rows * r->features;
    uint64_t rows = cz_read_u64(rd, "mtt rows");
    uint64_t features = cz_read_u64(rd, "mtt features");
    cz_status st = cz_reader_finish(rd, 0);
    if (st != CZ_OK)
        return st;
    if (rows != r->rows || features != r->features)
        return damaged(err, "the synthetic shape does not match ipc and the dataset");
    cz_read_reals(rd, r->x, (int64_t)nx, "mtt X");
    cz_read_i32s(rd, r->y, (int64_t)r->rows, "mtt labels");
    cz_read_reals(rd, r->x_buf, (int64_t)nx, "mtt X momentum");
    r->lr = cz_read_f64(rd, "mtt lr");
    r->lr_buf = cz_read_f64(rd, "mtt lr momentum");
    for (int i = 0; i < 4; i++)
        r->rng.s[i] = cz_read_u64(rd, "mtt rng");
    r->iteration = cz_read_i64(rd, "mtt iteration");
    r->skipped = cz_read_i64(rd, "mtt skipped");
    r->lr_halved = cz_read_i64(rd, "mtt lr halved");
    char *why = cz_read_str(rd, sizeof r->last_skip - 1, "mtt last skip");
    if (why)
        memcpy(r->last_skip, why, strlen(why) + 1);
    cz_free(why);
    st = cz_reader_finish(rd, 0);
    if (st != CZ_OK)
        return st;
    if (r->iteration < 0 || r->iteration > MAX_ITERATIONS ||
        (uint64_t)r->iteration > (rd->len - rd->pos) / 8 || r->skipped < 0 ||
        r->skipped > r->iteration || r->lr_halved < 0 || !(r->lr > 0))
        return damaged(err, "iteration counters or rate out of range");
    if ((r->rng.s[0] | r->rng.s[1] | r->rng.s[2] | r->rng.s[3]) == 0)
        return damaged(err, "the random state is all zero");
    for (size_t i = 0; i < r->rows; i++)
        if (r->y[i] < 0 || r->y[i] >= r->d->classes)
            return damaged(err, "a label is outside the dataset's classes");
    if (r->iteration > 0) {
        r->history = cz_alloc((size_t)r->iteration * sizeof *r->history);
        if (!r->history)
            return cz_error_set(err, CZ_ENOMEM, NULL, "no memory for %lld loss values",
                                (long long)r->iteration);
        r->hist_cap = r->iteration;
        for (int64_t i = 0; i < r->iteration; i++)
            r->history[i] = cz_read_f64(rd, "mtt loss history");
    }
    return cz_reader_finish(rd, 0);
}

cz_status cz_mtt_deserialize(cz_reader *rd, const cz_dataset *d, const cz_experts *e,
                             cz_backend *be, cz_mtt **out, cz_error *err)
{
    cz_match_source src = {.experts = e};
    return cz_mtt_deserialize_from(rd, d, &src, be, out, err);
}

cz_status cz_mtt_deserialize_from(cz_reader *rd, const cz_dataset *d, const cz_match_source *src,
                                  cz_backend *be, cz_mtt **out, cz_error *err)
{
    *out = NULL;
    uint32_t magic = cz_read_u32(rd, "mtt magic");
    uint32_t version = cz_read_u32(rd, "mtt version");
    cz_status st = cz_reader_finish(rd, 0);
    if (st != CZ_OK)
        return st;
    if (magic != MTT_MAGIC || version < 2 || version > MTT_VERSION)
        return cz_error_set(err, CZ_EFORMAT, "the record is not an MTT run of this version",
                            "mtt run record: magic 0x%08x version %u (expected 0x%08x, "
                            "versions 2..%u)", magic, version, MTT_MAGIC, MTT_VERSION);
    cz_mtt_config c;
    uint8_t data_digest[32], experts_digest[32];
    st = read_config(rd, version, &c);
    cz_read(rd, data_digest, 32, "mtt dataset digest");
    cz_read(rd, experts_digest, 32, "mtt experts digest");
    if (st == CZ_OK)
        st = cz_reader_finish(rd, 0);
    if (st != CZ_OK)
        return st;
    if (c.lr_init <= 0 || c.max_start_epoch <= 0 || (c.dsa != CZ_DSA_ON && c.dsa != CZ_DSA_OFF))
        return damaged(err, "the configuration has unresolved values");
    st = cz_mtt_check_pairing(d, src, err);
    if (st == CZ_OK)
        st = cz_mtt_resolve_config(d, src, be, &c, err);
    if (st == CZ_OK)
        st = cz_check_ipc(d, c.ipc, err);
    if (st != CZ_OK)
        return st;
    cz_mtt *r = NULL;
    st = cz_mtt_alloc(d, src, &c, be, &r, err);
    if (st != CZ_OK)
        return st;
    if (memcmp(data_digest, r->data_digest, 32) != 0)
        st = cz_error_set(err, CZ_EINVAL, "resume with the dataset the run was started on",
                          "this MTT run was made on another dataset than \"%s\" (digest differs)",
                          d->name);
    else if (memcmp(experts_digest, r->experts_digest, 32) != 0)
        st = cz_error_set(err, CZ_EINVAL, "resume with the expert set (or curves) the run was "
                          "started on", "this MTT run was made with other %s (digest differs)",
                          cz_source_kind(src));
    if (st == CZ_OK)
        st = read_state(rd, r, err);
    if (st != CZ_OK) {
        cz_mtt_free(&r);
        return st;
    }
    *out = r;
    return CZ_OK;
}

cz_status cz_mtt_digest(const cz_mtt *r, uint8_t out[32], cz_error *err)
{
    cz_bytes b = {0};
    return cz_digest_finish(&b, cz_mtt_serialize(r, &b, err), out);
}
