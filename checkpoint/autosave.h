/* Autosave: the "every K iterations" policy of a long run. Each write is an
 * atomic ckpt_save that keeps the file it replaces as PATH.prev, so a crash
 * (or a kill, or a full disk) during a write loses at most K iterations and
 * never both files. ckpt_autosave_load reads PATH, or PATH.prev when PATH is
 * missing or refused. The caller serialises its state only when
 * ckpt_autosave_due says so. */
#ifndef CKPT_AUTOSAVE_H
#define CKPT_AUTOSAVE_H

#include <stddef.h>
#include <stdint.h>

#include "core/status.h"

#include "io.h"
#include "key.h"
#include "record.h"

typedef struct ckpt_save_opts ckpt_save_opts;
typedef struct ckpt_autosave ckpt_autosave;

/* An autosave of `path` every `every` (>= 1) iterations under `key`
 * (borrowed; it must outlive the autosave). opts (may be NULL) is copied;
 * keep_prev is always on. Returns NULL with err filled on bad arguments. */
ckpt_autosave *ckpt_autosave_new(const char *path, ckpt_key *key, int64_t every,
                                 const ckpt_save_opts *opts, cz_error *err);

/* Nonzero when `iteration` is a multiple of the period and was not written yet. */
int ckpt_autosave_due(const ckpt_autosave *autosave, int64_t iteration);

/* Writes the records as the state at `iteration`, whether due or not (a run
 * also saves when it ends or is interrupted). On failure the previous files
 * are intact and the next due iteration tries again. */
cz_status ckpt_autosave_write(ckpt_autosave *autosave, int64_t iteration,
                              const ckpt_record *records, size_t count, cz_error *err) CZ_WUR;

/* The iteration last written, or -1 when none was. */
int64_t ckpt_autosave_last(const ckpt_autosave *autosave);

/* The fallback's path, PATH.prev (borrowed). */
const char *ckpt_autosave_prev_path(const ckpt_autosave *autosave);

void ckpt_autosave_free(ckpt_autosave **autosave);

/* Loads `path`, or `path`.prev when `path` is missing, truncated, damaged or
 * otherwise refused. *used_prev (may be NULL) says which one was read; when
 * the fallback was used, primary_err (may be NULL) says why `path` was
 * refused. When both fail, err holds the error for `path`. */
ckpt_records *ckpt_autosave_load(const char *path, ckpt_key *key, const ckpt_io *io,
                                 int *used_prev, cz_error *primary_err, cz_error *err);

#endif
