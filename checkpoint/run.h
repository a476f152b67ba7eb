/* Resumable distillations: an MTT, BTM or SATM run (methods/mtt.h), or the
 * same matching through a generative prior (prior/prior_mtt.h), together
 * with what it needs to continue (the dataset, the experts or Bézier curves
 * it draws targets from, and the prior) as one checkpoint record, and the
 * loop that steps a run to its planned end while autosaving every K
 * iterations. Resuming from the record continues bit for bit like a run that
 * was never stopped, on the same backend and thread count (both are
 * recorded).
 *
 * The record (type CKPT_TYPE_RUN), little-endian, version 2:
 *   u32 magic "CZRN", u32 version 2, i64 every, str backend, u32 threads,
 *   u8 source (1 experts, 2 curves), u8 kind (1 pixel run, 2 prior run),
 *   u64 n + n bytes dataset, u64 n + n bytes source,
 *   [kind 2: u64 n + n bytes prior (the generator record)],
 *   u64 n + n bytes run state (cz_mtt_serialize; kind 2: cz_prior_mtt_serialize)
 * each block being the engine's canonical encoding. Version 1 (written
 * before prior runs could autosave) is the same without the kind byte and
 * the prior block, and always a pixel run; it still loads. */
#ifndef CKPT_RUN_H
#define CKPT_RUN_H

#include <stddef.h>
#include <stdint.h>

#include "backend/backend.h"
#include "core/bytes.h"
#include "core/cancel.h"
#include "core/progress.h"
#include "core/status.h"
#include "data/dataset.h"
#include "methods/bezier.h"
#include "methods/experts.h"
#include "methods/match_source.h"
#include "methods/mtt.h"
#include "methods/synthetic.h"
#include "prior/prior.h"
#include "prior/prior_mtt.h"

#include "autosave.h"
#include "io.h"
#include "key.h"

/* A run and its companions. One built by the caller to save (ckpt_run_view,
 * ckpt_run_view_prior) borrows everything; one decoded from a record owns
 * everything. Exactly one of mtt and prior_run is set. */
typedef struct ckpt_run {
    cz_mtt *mtt;             /* a pixel run (mtt, btm, satm), or NULL */
    cz_prior_mtt *prior_run; /* a run through the prior, or NULL */
    cz_prior *prior;         /* the prior that prior_run renders through */
    const cz_dataset *dataset;
    cz_match_source source;  /* exactly one of experts / curves */
    int64_t every;           /* the autosave period the run was started with (>= 1) */
    char backend[16];        /* the backend the state was computed on */
    int threads;             /* and its thread count */
    int owned;               /* nonzero: ckpt_run_free frees the members */
} ckpt_run;

/* A borrowed view of a running distillation, for saving. */
ckpt_run ckpt_run_view(cz_mtt *mtt, const cz_dataset *d, const cz_match_source *src,
                       int64_t every, cz_backend *be);
/* The same for a run through prior p. Prior runs compute on the CPU backend
 * (G lives in host memory, prior/generator.h), so that is the one recorded. */
ckpt_run ckpt_run_view_prior(cz_prior_mtt *r, cz_prior *p, const cz_dataset *d,
                             const cz_match_source *src, int64_t every);

/* What either kind of run reports: iteration, planned, loss, rate, ... */
void ckpt_run_info(const ckpt_run *run, cz_mtt_info *out);
/* "mtt", "btm", "satm", or "prior" for a run through the prior (static). */
const char *ckpt_run_method(const ckpt_run *run);
/* Runs up to n more iterations (n < 0: to the plan), as cz_mtt_step. */
cz_status ckpt_run_step(ckpt_run *run, int64_t n, const cz_cancel *cancel, cz_progress_fn progress,
                        void *progress_user, cz_error *err) CZ_WUR;
/* The synthetic set as it stands (method "prior" for a prior run). */
cz_status ckpt_run_synthetic(const ckpt_run *run, cz_synthetic **out, cz_error *err) CZ_WUR;
/* SHA-256 of the run state (cz_mtt_digest or cz_prior_mtt_digest). */
cz_status ckpt_run_digest(const ckpt_run *run, uint8_t out[32], cz_error *err) CZ_WUR;

/* Canonical encoding of the record above (appended to out). */
cz_status ckpt_run_encode(const ckpt_run *run, cz_bytes *out, cz_error *err) CZ_WUR;

/* The same record from parts: the run state already serialised (borrowed)
 * with its dataset and source, as the kernel's dc.distill hands them over.
 * prior NULL: the state is cz_mtt_serialize bytes of a pixel run; otherwise
 * cz_prior_mtt_serialize bytes of a run through that prior (be is then
 * ignored: prior runs are CPU runs). */
cz_status ckpt_run_encode_parts(const cz_dataset *d, const cz_match_source *src,
                                const cz_prior *prior, const void *state, size_t state_size,
                                int64_t every, cz_backend *be, cz_bytes *out,
                                cz_error *err) CZ_WUR;

/* Decodes a run record into an owned run on backend be (NULL: the CPU); a
 * prior run and its prior always on the CPU. The state is checked against
 * the record's own dataset, source and prior by digest: a record spliced
 * from another run's parts is CZ_EINVAL naming the part. */
cz_status ckpt_run_decode(const void *data, size_t size, cz_backend *be, ckpt_run **out,
                          cz_error *err) CZ_WUR;

/* Frees an owned run (members included) and nulls *run. */
void ckpt_run_free(ckpt_run **run);

/* The name of the single record in an autosave file. */
#define CKPT_RUN_RECORD "run"

/* Writes the run's state now, as the autosave of its current iteration
 * (an interrupt, a SIGTERM hook, the end of the run). */
cz_status ckpt_run_autosave(ckpt_autosave *as, const ckpt_run *run, cz_error *err) CZ_WUR;

/* Steps the run to its planned end, writing the autosave at every multiple of
 * its period and once more when it stops (the end, an interrupt, an error of
 * the step). cancel, progress and user are passed to ckpt_run_step (may be
 * NULL). Returns the step's status (CZ_EINTERRUPTED after an interrupt, with
 * the state saved); an autosave that fails stops the run with its error and
 * leaves the previous files intact. */
cz_status ckpt_run_distill(ckpt_run *run, ckpt_autosave *as, const cz_cancel *cancel,
                           cz_progress_fn progress, void *progress_user, cz_error *err) CZ_WUR;

/* Loads the autosave at `path` (or PATH.prev when PATH is refused; used_prev
 * says which) and decodes its run on backend be. The wrong key is CZ_EAUTH;
 * a file without a run record is CZ_EINVAL naming what it holds. */
ckpt_run *ckpt_run_load(const char *path, ckpt_key *key, cz_backend *be, int *used_prev,
                        cz_error *err);

#endif
