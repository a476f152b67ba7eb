/* Resumable distillations: an MTT, BTM or SATM run (methods/mtt.h) together
 * with what it needs to continue (the dataset and the experts or Bézier
 * curves it draws targets from) as one checkpoint record, and the loop that
 * steps a run to its planned end while autosaving every K iterations.
 * Resuming from the record continues bit for bit like a run that was never
 * stopped, on the same backend and thread count (both are recorded).
 *
 * The record (type CKPT_TYPE_RUN), little-endian:
 *   u32 magic "CZRN", u32 version 1, i64 every, str backend, u32 threads,
 *   u8 source (1 experts, 2 curves),
 *   u64 n + n bytes dataset, u64 n + n bytes source, u64 n + n bytes run state
 * each block being the engine's canonical encoding. */
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

#include "autosave.h"
#include "io.h"
#include "key.h"

/* A run and its companions. One built by the caller to save (ckpt_run_view)
 * borrows everything; one decoded from a record owns everything. */
typedef struct ckpt_run {
    cz_mtt *mtt;
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

/* Canonical encoding of the record above (appended to out). */
cz_status ckpt_run_encode(const ckpt_run *run, cz_bytes *out, cz_error *err) CZ_WUR;

/* The same record from parts: the run state already serialised
 * (cz_mtt_serialize bytes, borrowed) with its dataset and source, as the
 * kernel's dc.distill hands them over. */
cz_status ckpt_run_encode_parts(const cz_dataset *d, const cz_match_source *src,
                                const void *state, size_t state_size, int64_t every,
                                cz_backend *be, cz_bytes *out, cz_error *err) CZ_WUR;

/* Decodes a run record into an owned run on backend be (NULL: the CPU). */
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
 * the step). cancel, progress and user are passed to cz_mtt_step (may be
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
