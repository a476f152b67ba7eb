/* Engine objects as checkpoint records: each kind (dataset, experts,
 * surrogate, synthetic, run, result, generator) maps to its record type and
 * its payload is the engine's own canonical encoding (cz_<kind>_serialize),
 * so a decoded object has the digest of the one that was saved. A run
 * (run.h) carries the dataset and target source it runs on, so one record
 * resumes on its own. This file also saves and loads whole files of named
 * objects. Nothing here knows the kernel or Lua. */
#ifndef CKPT_OBJECTS_H
#define CKPT_OBJECTS_H

#include <stddef.h>
#include <stdint.h>

#include "backend/backend.h"
#include "core/bytes.h"
#include "core/status.h"
#include "data/dataset.h"
#include "methods/bezier.h"
#include "methods/evaluate.h"
#include "methods/experts.h"
#include "methods/synthetic.h"
#include "prior/prior.h"

#include "format.h"
#include "key.h"
#include "run.h"

typedef struct ckpt_save_opts ckpt_save_opts;

/* One engine object and its kind. Whether it is owned depends on where it
 * came from: one the caller fills to save is borrowed; one ckpt_object_decode
 * or ckpt_objects_load returns is owned (ckpt_object_clear frees it). */
typedef struct ckpt_object {
    ckpt_type type; /* CKPT_TYPE_DATASET .. CKPT_TYPE_GENERATOR, not MODEL or SESSION */
    union {
        cz_dataset *dataset;
        cz_experts *experts;
        cz_surrogate *surrogate;
        cz_synthetic *synthetic;
        ckpt_run *run;
        cz_eval_result *result;
        cz_prior *generator;
        void *any;
    } as;
} ckpt_object;

/* Nonzero for the kinds this file encodes. */
int ckpt_object_kind_known(ckpt_type type);

/* Appends the canonical encoding of o to out. CZ_EINVAL for an unknown kind
 * or a NULL object. */
cz_status ckpt_object_encode(const ckpt_object *o, cz_bytes *out, cz_error *err) CZ_WUR;

/* Decodes a payload of record type `type` into an owned object. Runs are
 * placed on backend be (NULL: the CPU); generators always on the CPU (G
 * lives in host memory). Input that is short,
 * long or malformed is CZ_EFORMAT naming the kind. */
cz_status ckpt_object_decode(ckpt_type type, const void *data, size_t size, cz_backend *be,
                             ckpt_object *out, cz_error *err) CZ_WUR;

/* SHA-256 of the object's canonical content: the engine's cz_<kind>_digest
 * (a run: the digest of its run state, ckpt_run_digest). */
cz_status ckpt_object_digest(const ckpt_object *o, uint8_t out[32], cz_error *err) CZ_WUR;

/* Frees an owned object and zeroes o. NULL and empty objects are fine. */
void ckpt_object_clear(ckpt_object *o);

/* Saves `count` named objects (borrowed) as one checkpoint: record i is
 * names[i] with objs[i]. Names must be unique (ckpt_save's rules). opts may
 * be NULL. The encodings are wiped after the save. */
cz_status ckpt_objects_save(const char *path, ckpt_key *key, const char *const *names,
                            const ckpt_object *objs, size_t count, const ckpt_save_opts *opts,
                            cz_error *err) CZ_WUR;

/* A loaded file: its objects, by name, in the order they were saved. */
typedef struct ckpt_objects ckpt_objects;

/* Loads and decodes every record of `path`. A record of a kind this build
 * cannot decode (model, session) is CZ_EUNSUPPORTED naming it. Returns an
 * owned list (ckpt_objects_free) or NULL with err filled; the wrong key is
 * CZ_EAUTH, as ckpt_load says. */
ckpt_objects *ckpt_objects_load(const char *path, ckpt_key *key, cz_backend *be, cz_error *err);

size_t ckpt_objects_count(const ckpt_objects *list);
/* Name and object of entry i (borrowed), or NULL when out of range. */
const char *ckpt_objects_name(const ckpt_objects *list, size_t i);
const ckpt_object *ckpt_objects_at(const ckpt_objects *list, size_t i);
/* Moves entry i's object out to the caller (who then owns it); the entry
 * becomes empty (type 0). Returns an empty object when out of range. */
ckpt_object ckpt_objects_take(ckpt_objects *list, size_t i);
/* Frees the objects still in the list, the list, and nulls *list. */
void ckpt_objects_free(ckpt_objects **list);

#endif
